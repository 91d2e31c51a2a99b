//! The saved-number scanner (checklist step 1): reads exported contacts, spreadsheets and pasted
//! messages, and flags every entry that presents itself as platform support or customer service
//! with a number that is not an official channel, and every entry whose number or link is on the
//! blocklist. Pure: bytes in, findings out; the caller reads files and writes the cleaned copy.
//!
//! Formats, detected from the content first and the file name second:
//! - vCard 2.1, 3 and 4 ([`vcard`]): folded lines, quoted-printable with soft line breaks and a
//!   `CHARSET`, several `TEL` per card, `tel:` URIs, `TYPE` parameters and iOS `X-ABLabel`
//!   labels, `N`/`FN`, `ORG`, `NOTE`, `CATEGORIES`, `URL`;
//! - CSV contact exports ([`csv`]): Google and Outlook layouts and hand-made tables, headers in
//!   English, Chinese and Arabic, `,` `;` tab or `|` (sniffed, or Excel's `sep=` line); a `.txt`
//!   is read as a table only when it is tab-delimited under a contact header (Excel's "Unicode
//!   Text");
//! - spreadsheets ([`sheet`]): `.xlsx` through `calamine`, `.ods` by our own streaming reader
//!   (`ods`), merged cells spread over the cells they cover, every sheet;
//! - anything else as text ([`text`]): pasted group messages, one finding per number.
//!
//! Text is UTF-8 with or without a BOM, UTF-16 LE/BE (with a BOM, or recognisable without), or
//! else a legacy encoding (Big5, then GB18030, then Windows-1252) ([`decode`]); lines end in
//! LF or CRLF (Windows tools: Outlook's vCards and Excel's "Unicode Text" are UTF-16 LE with a
//! BOM and CRLF), and a cleaned copy keeps the encoding, the BOM and the line ends.
//!
//! Limits: at most [`MAX_FILE_BYTES`] per file and [`MAX_ENTRIES`] entries. Text files decode
//! to at most [`MAX_TEXT_BYTES`]. Spreadsheets are checked before they are read (decompression
//! bombs, the shared strings an `.xlsx` announces, cell references `calamine` would overflow
//! on, sheets that are one part listed twice), and then counted while they are read, so that
//! nothing small can expand into something huge: at most [`sheet::MAX_DECODED_BYTES`] of cell
//! text once shared strings, repeats and merges are applied, [`sheet::MAX_CELLS`] filled cells,
//! [`sheet::MAX_MERGES`] merged ranges and [`sheet::MAX_MERGE_WORK`] cells visited while
//! spreading them; a repeated row is read once. Every parser is linear in its input (a vCard's
//! folded lines are joined once, not re-read at each fold; a table row costs its filled cells).
//! A bad file gets a specific [`ScanError`] (a limit names itself: [`Limit`]), never a panic.

pub mod csv;
mod cues;
pub mod decode;
mod ods;
pub mod sheet;
mod table;
pub mod text;
pub mod vcard;

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ops::Range;

use verity_check::check::CheckContext;
use verity_check::verdict::Match;
use verity_checklist::checklist::ScanEvidence;
use verity_core::code_enum;
use verity_core::link;
use verity_core::phone;

pub use decode::TextEncoding;

/// The largest file read, in bytes (50 MiB).
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;
/// The most entries (contacts, rows, lines with a number) read from one file.
pub const MAX_ENTRIES: usize = 100_000;
/// The most numbers, links and labels read from one entry; the rest are ignored.
pub const MAX_ITEMS_PER_ENTRY: usize = 200;
/// The most bytes a text file (vCard, CSV, text) may decode to, in UTF-8 (100 MiB). A
/// [`MAX_FILE_BYTES`] file in UTF-8 decodes to its own size; legacy encodings grow by up to half
/// for real text (Big5 and GB18030: 2 bytes become 3), UTF-16 likewise; only a file made of
/// nothing but 3-byte characters in a 1-byte encoding goes over.
pub const MAX_TEXT_BYTES: usize = 100 * 1024 * 1024;

/// A limit a file went over: what was counted, and the figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// [`MAX_TEXT_BYTES`]: a text file's decoded text.
    TextBytes,
    /// [`sheet::MAX_DECODED_BYTES`]: a spreadsheet's cell text once shared strings, repeats and
    /// merges are applied, and its rows (256 bytes each).
    DecodedBytes,
    /// [`sheet::MAX_CELLS`]: a spreadsheet's filled cells, repeats and merges applied.
    Cells,
    /// [`sheet::MAX_MERGES`]: merged ranges in a spreadsheet.
    MergedRanges,
    /// [`sheet::MAX_MERGE_WORK`]: cells merged ranges cover (visited while spreading values).
    MergeWork,
    /// [`sheet::MAX_SHARED_STRINGS`]: the shared-strings table an `.xlsx` announces.
    SharedStrings,
}

impl Limit {
    /// The limit's figure.
    #[must_use]
    pub fn max(self) -> u64 {
        let n = match self {
            Limit::TextBytes => MAX_TEXT_BYTES,
            Limit::DecodedBytes => sheet::MAX_DECODED_BYTES,
            Limit::Cells => sheet::MAX_CELLS,
            Limit::MergedRanges => sheet::MAX_MERGES,
            Limit::MergeWork => sheet::MAX_MERGE_WORK,
            Limit::SharedStrings => sheet::MAX_SHARED_STRINGS,
        };
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    /// The constant that holds it, as the documentation names it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Limit::TextBytes => "MAX_TEXT_BYTES",
            Limit::DecodedBytes => "MAX_DECODED_BYTES",
            Limit::Cells => "MAX_CELLS",
            Limit::MergedRanges => "MAX_MERGES",
            Limit::MergeWork => "MAX_MERGE_WORK",
            Limit::SharedStrings => "MAX_SHARED_STRINGS",
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max = self.max();
        let mib = max / (1024 * 1024);
        match self {
            Limit::TextBytes => write!(f, "the text decodes to more than {mib} MiB"),
            Limit::DecodedBytes => write!(
                f,
                "the spreadsheet expands to more than {mib} MiB of text (shared strings, repeats and merges applied; rows count too)"
            ),
            Limit::Cells => write!(f, "the spreadsheet expands to more than {max} filled cells"),
            Limit::MergedRanges => write!(f, "the spreadsheet has more than {max} merged ranges"),
            Limit::MergeWork => write!(f, "the spreadsheet's merged ranges cover more than {max} cells"),
            Limit::SharedStrings => {
                write!(f, "the spreadsheet announces more than {max} shared strings")
            }
        }?;
        write!(f, " (limit {})", self.name())
    }
}

code_enum! {
    /// What a file was read as.
    pub enum Format {
        /// vCard (`.vcf`), any version.
        VCard => "vcard",
        /// A CSV (or TSV) table.
        Csv => "csv",
        /// An Excel workbook (`.xlsx`).
        Xlsx => "xlsx",
        /// An OpenDocument spreadsheet (`.ods`).
        Ods => "ods",
        /// Plain text, such as pasted group messages.
        Text => "text",
    }
}

code_enum! {
    /// Why an entry was flagged.
    pub enum FindingReason {
        /// The number is on the blocklist.
        OnBlocklist => "on_blocklist",
        /// A link of the entry is on the blocklist.
        LinkOnBlocklist => "link_on_blocklist",
        /// The entry names the platform (DingTalk, 钉钉, 釘釘…) and its number is not an official
        /// channel: the platform publishes no support number.
        PresentedAsPlatformSupport => "presented_as_platform_support",
        /// The entry calls itself customer service, support or a hotline, and its number is not
        /// an official channel.
        PresentedAsCustomerService => "presented_as_customer_service",
    }
}

/// Where in a file something is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// A line of a text file (vCard, CSV, text), from 1.
    Line {
        /// The line.
        line: u32,
    },
    /// A row of a spreadsheet, from 1.
    Row {
        /// The sheet's name.
        sheet: String,
        /// The row.
        row: u32,
    },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Line { line } => write!(f, "line {line}"),
            Location::Row { sheet, row } => write!(f, "{sheet}, row {row}"),
        }
    }
}

/// One flagged number or link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Finding {
    /// The file, as the caller named it.
    pub file: String,
    /// Where the number or link is.
    pub location: Location,
    /// The entry's position in its file, from 0 (for [`clean_copy`]).
    pub entry: u32,
    /// The entry's name (a contact's name, a message line's text).
    pub name: Option<String>,
    /// The number as written.
    pub number: Option<String>,
    /// The number in E.164, when it could be read.
    pub normalized: Option<String>,
    /// The link as written, for link findings.
    pub link: Option<String>,
    /// Why.
    pub reason: FindingReason,
    /// The words that made the entry a support claim (`DingTalk`, `客服`, …).
    pub cue: Option<String>,
    /// The blocklist entries that matched.
    pub matches: Vec<Match>,
}

/// The scan of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FileScan {
    /// The file, as the caller named it.
    pub file: String,
    /// What it was read as.
    pub format: Format,
    /// The text encoding, for text formats.
    pub encoding: Option<TextEncoding>,
    /// Entries read.
    pub entries: u32,
    /// Numbers read.
    pub numbers: u32,
    /// Entries with at least one finding.
    pub flagged: u32,
    /// The findings, in file order.
    pub findings: Vec<Finding>,
}

impl FileScan {
    /// The flagged entries' positions.
    #[must_use]
    pub fn flagged_entries(&self) -> BTreeSet<u32> {
        self.findings.iter().map(|f| f.entry).collect()
    }
}

/// A cleaned copy of a file, without some entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanCopy {
    /// The file's bytes, in the original's encoding.
    pub bytes: Vec<u8>,
    /// Entries left out.
    pub removed: u32,
    /// Entries kept.
    pub kept: u32,
}

/// Why a file cannot be scanned.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// Nothing in it.
    #[error("the file is empty")]
    Empty,
    /// Over [`MAX_FILE_BYTES`].
    #[error("the file is {size} bytes; files over {max} bytes are not read (split the export)")]
    TooLarge {
        /// The size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// Not text and not a spreadsheet.
    #[error("this is not a contacts file, spreadsheet or text: it looks like {0}")]
    Binary(&'static str),
    /// Text in an encoding that does not decode.
    #[error("the text cannot be decoded: {0}")]
    Encoding(&'static str),
    /// The file stops in the middle.
    #[error("the file is incomplete: {0}")]
    Truncated(String),
    /// Structure that cannot be read.
    #[error("line {line}: {what}")]
    Malformed {
        /// The line.
        line: u32,
        /// What is wrong.
        what: String,
    },
    /// A format Verity does not read.
    #[error("{0}")]
    Unsupported(&'static str),
    /// Over [`MAX_ENTRIES`].
    #[error("the file holds more than {max} entries; split it and scan the parts")]
    TooManyEntries {
        /// The limit.
        max: usize,
    },
    /// A spreadsheet that would take too much memory to read (or a decompression bomb).
    #[error("the spreadsheet is too large to read safely: {0}")]
    SpreadsheetTooLarge(String),
    /// A file that expands past one of the reading limits (a spreadsheet's shared strings,
    /// repeats or merges; a text file's decoded size): refused before it takes the memory.
    #[error("the file is too large to read safely: {0}; split it and scan the parts")]
    OverLimit(Limit),
    /// A spreadsheet the reader refused.
    #[error("the spreadsheet cannot be read: {0}")]
    Spreadsheet(String),
    /// The blocklist could not be read (the store failed under a lookup).
    #[error(transparent)]
    Blocklist(#[from] verity_check::lookup::LookupError),
    /// A cleaned copy asked of a format that has none.
    #[error("a cleaned copy can be written for vCard, CSV and text files, not {0} (export it as CSV first)")]
    CleanCopyUnsupported(Format),
}

impl ScanError {
    /// A stable snake_case code, for IPC and scripts.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ScanError::Empty => "empty",
            ScanError::TooLarge { .. } => "too_large",
            ScanError::Binary(_) => "binary",
            ScanError::Encoding(_) => "encoding",
            ScanError::Truncated(_) => "truncated",
            ScanError::Malformed { .. } => "malformed",
            ScanError::Unsupported(_) => "unsupported",
            ScanError::TooManyEntries { .. } => "too_many_entries",
            ScanError::SpreadsheetTooLarge(_) => "spreadsheet_too_large",
            ScanError::OverLimit(Limit::TextBytes) => "too_large",
            ScanError::OverLimit(_) => "spreadsheet_too_large",
            ScanError::Spreadsheet(_) => "spreadsheet",
            ScanError::Blocklist(_) => "blocklist_unavailable",
            ScanError::CleanCopyUnsupported(_) => "clean_copy_unsupported",
        }
    }
}

/// How strongly an entry's words must claim support to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClaimMode {
    /// A saved contact or a table row: the platform's name alone is a claim (the platform
    /// publishes no number, so a contact named after it is a "service" number).
    Contact,
    /// A message line: the platform's name needs a support word beside it (colleagues mention
    /// DingTalk all day).
    Message,
}

/// A number or link as read, with where it is and its own label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawItem {
    pub text: String,
    pub label: Option<String>,
    pub location: Location,
}

/// One entry as read, before flagging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawEntry {
    pub location: Location,
    pub name: Option<String>,
    pub labels: Vec<String>,
    pub org: Option<String>,
    pub note: Option<String>,
    /// Text around a message line (the lines before it), for claims only.
    pub context: Option<String>,
    pub numbers: Vec<RawItem>,
    pub links: Vec<RawItem>,
    pub mode: ClaimMode,
    /// The entry's bytes in the decoded text, for the cleaned copy.
    pub span: Option<Range<usize>>,
}

impl RawEntry {
    pub(crate) fn new(location: Location, mode: ClaimMode) -> Self {
        RawEntry {
            location,
            name: None,
            labels: Vec::new(),
            org: None,
            note: None,
            context: None,
            numbers: Vec::new(),
            links: Vec::new(),
            mode,
            span: None,
        }
    }

    pub(crate) fn push_number(&mut self, text: &str, label: Option<String>, location: Location) {
        let t = text.trim();
        if !t.is_empty()
            && self.numbers.len() < MAX_ITEMS_PER_ENTRY
            && !self.numbers.iter().any(|n| n.text == t)
        {
            self.numbers.push(RawItem {
                text: t.to_owned(),
                label,
                location,
            });
        }
    }

    pub(crate) fn push_link(&mut self, text: &str, location: Location) {
        let t = text.trim();
        if !t.is_empty()
            && self.links.len() < MAX_ITEMS_PER_ENTRY
            && !self.links.iter().any(|n| n.text == t)
        {
            self.links.push(RawItem {
                text: t.to_owned(),
                label: None,
                location,
            });
        }
    }

    /// Adds a label (a category, a group): at most [`MAX_ITEMS_PER_ENTRY`], the rest ignored.
    pub(crate) fn push_label(&mut self, label: &str) {
        if !label.is_empty() && self.labels.len() < MAX_ITEMS_PER_ENTRY {
            self.labels.push(label.to_owned());
        }
    }

    /// Numbers and links inside the note (a "hotline" typed into the notes field).
    pub(crate) fn take_items_from_note(&mut self, region: phone::Region) {
        if let Some(note) = self.note.clone() {
            let found = verity_check::message::extract(&note, region);
            let loc = self.location.clone();
            for p in found.phones {
                self.push_number(&p.text, None, loc.clone());
            }
            for l in found.links {
                self.push_link(&l.text, loc.clone());
            }
        }
    }
}

/// A file as parsed.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub format: Format,
    pub encoding: Option<TextEncoding>,
    /// The decoded text (text formats).
    pub text: Option<String>,
    pub entries: Vec<RawEntry>,
}

pub(crate) fn check_entry_cap(n: usize) -> Result<(), ScanError> {
    if n >= MAX_ENTRIES {
        Err(ScanError::TooManyEntries { max: MAX_ENTRIES })
    } else {
        Ok(())
    }
}

fn extension(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Recognises binary files by their first bytes.
fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\x1F\x8B", "a gzip archive"),
        (b"7z\xBC\xAF", "a 7-Zip archive"),
        (b"Rar!", "a RAR archive"),
        (b"\x7FELF", "a program"),
        (b"MZ", "a Windows program"),
        (b"SQLite format 3\0", "an SQLite database"),
    ];
    MAGIC
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|(_, what)| *what)
}

/// Reads a file into entries (no flagging).
pub(crate) fn parse(file: &str, bytes: &[u8], region: phone::Region) -> Result<Parsed, ScanError> {
    let size = bytes.len() as u64;
    if size > MAX_FILE_BYTES {
        return Err(ScanError::TooLarge {
            size,
            max: MAX_FILE_BYTES,
        });
    }
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    let ext = extension(file);
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sheet::parse_zip(bytes, &ext, region);
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Err(ScanError::Unsupported(
            "this is a legacy Office file (.xls or .doc): save it as .xlsx or CSV and scan that",
        ));
    }
    if matches!(ext.as_str(), "xlsx" | "xlsm" | "ods") {
        return Err(ScanError::Truncated(
            "the spreadsheet is damaged or incomplete (it is not a ZIP archive)".to_owned(),
        ));
    }
    if matches!(ext.as_str(), "xls") {
        return Err(ScanError::Unsupported(
            "legacy .xls files are not read: save it as .xlsx or CSV and scan that",
        ));
    }
    if let Some(what) = binary_kind(bytes) {
        return Err(ScanError::Binary(what));
    }
    let decoded = decode::decode(bytes)?;
    let text = decoded.text;
    if text.len() > MAX_TEXT_BYTES {
        return Err(ScanError::OverLimit(Limit::TextBytes));
    }
    if text.trim().is_empty() {
        return Err(ScanError::Empty);
    }
    let head: String = text.trim_start().chars().take(64).collect();
    let is_vcard = head.to_ascii_uppercase().starts_with("BEGIN:VCARD");
    let mut entries = Vec::new();
    let format = if is_vcard || matches!(ext.as_str(), "vcf" | "vcard") {
        if !is_vcard {
            return Err(ScanError::Malformed {
                line: 1,
                what: "a vCard file must start with BEGIN:VCARD".to_owned(),
            });
        }
        vcard::parse(&text, region, &mut entries)?;
        Format::VCard
    } else if matches!(ext.as_str(), "csv" | "tsv")
        || (ext != "txt" && csv::looks_like_contact_table(&text, region))
        || (ext == "txt" && csv::looks_like_tab_delimited_contact_table(&text, region))
    {
        csv::parse(&text, region, &mut entries)?;
        Format::Csv
    } else {
        text::parse(&text, region, &mut entries)?;
        Format::Text
    };
    Ok(Parsed {
        format,
        encoding: Some(decoded.encoding),
        text: Some(text),
        entries,
    })
}

/// Scans one file: `file` names it in the findings (and its extension helps detect the
/// format), `bytes` is its content.
///
/// # Errors
/// [`ScanError`] when the file cannot be read (or the blocklist fails under a lookup); nothing
/// is flagged then.
pub fn scan_file(file: &str, bytes: &[u8], ctx: &CheckContext<'_>) -> Result<FileScan, ScanError> {
    let parsed = parse(file, bytes, ctx.default_region)?;
    flag(file, &parsed, ctx)
}

/// A scan and, when `want_copy` asks for it once it has seen the scan, the cleaned copy without
/// the flagged entries: the file is read (decoded and parsed) once for both, where
/// [`scan_file`] then [`clean_copy`] would read it twice.
///
/// # Errors
/// As [`scan_file`]. The copy's own failure ([`ScanError::CleanCopyUnsupported`] for a
/// spreadsheet) is the copy's result, beside the scan.
pub fn scan_with_copy(
    file: &str,
    bytes: &[u8],
    ctx: &CheckContext<'_>,
    want_copy: impl FnOnce(&FileScan) -> bool,
) -> Result<(FileScan, Option<Result<CleanCopy, ScanError>>), ScanError> {
    let parsed = parse(file, bytes, ctx.default_region)?;
    let scan = flag(file, &parsed, ctx)?;
    let copy = want_copy(&scan).then(|| cut(&parsed, &scan.flagged_entries()));
    Ok((scan, copy))
}

/// Flags the entries of a parsed file.
fn flag(file: &str, parsed: &Parsed, ctx: &CheckContext<'_>) -> Result<FileScan, ScanError> {
    let detector = cues::ClaimDetector::new(ctx.official);
    let mut findings = Vec::new();
    let mut numbers = 0u32;
    let mut flagged = 0u32;
    for (i, entry) in parsed.entries.iter().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        numbers = numbers.saturating_add(u32::try_from(entry.numbers.len()).unwrap_or(0));
        let before = findings.len();
        flag_entry(file, index, entry, ctx, &detector, &mut findings)?;
        if findings.len() > before {
            flagged += 1;
        }
    }
    Ok(FileScan {
        file: file.to_owned(),
        format: parsed.format,
        encoding: parsed.encoding,
        entries: u32::try_from(parsed.entries.len()).unwrap_or(u32::MAX),
        numbers,
        flagged,
        findings,
    })
}

fn flag_entry(
    file: &str,
    index: u32,
    entry: &RawEntry,
    ctx: &CheckContext<'_>,
    detector: &cues::ClaimDetector,
    out: &mut Vec<Finding>,
) -> Result<(), ScanError> {
    let mut texts: Vec<&str> = Vec::new();
    texts.extend(entry.name.as_deref());
    texts.extend(entry.org.as_deref());
    texts.extend(entry.note.as_deref());
    texts.extend(entry.context.as_deref());
    texts.extend(entry.labels.iter().map(String::as_str));
    let entry_claim = detector.claim(&texts, entry.mode);
    let name = entry
        .name
        .clone()
        .or_else(|| entry.org.clone())
        .map(|n| excerpt(&n));
    let mut seen: Vec<String> = Vec::new();
    for n in &entry.numbers {
        let claim = entry_claim.clone().or_else(|| {
            n.label
                .as_deref()
                .and_then(|l| detector.claim(&[l], ClaimMode::Contact))
        });
        let normalized = phone::normalize(&n.text, ctx.default_region).ok();
        let key = normalized
            .as_ref()
            .map_or_else(|| n.text.clone(), |p| p.e164.clone());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let finding = |reason, cue: Option<String>, matches: Vec<Match>| Finding {
            file: file.to_owned(),
            location: n.location.clone(),
            entry: index,
            name: name.clone(),
            number: Some(n.text.clone()),
            normalized: normalized.as_ref().map(|p| p.e164.clone()),
            link: None,
            reason,
            cue,
            matches,
        };
        if let Some(p) = &normalized {
            let hits = ctx.index.lookup_phone(&p.e164).map_err(blocklist_error)?;
            if !hits.is_empty() {
                let cue = claim.as_ref().map(|c| c.cue.clone());
                out.push(finding(
                    FindingReason::OnBlocklist,
                    cue,
                    hits.iter().map(Match::from).collect(),
                ));
                continue;
            }
            if ctx.official.is_official_phone(&p.e164) {
                continue;
            }
        }
        if let Some(c) = &claim {
            out.push(finding(c.reason, Some(c.cue.clone()), Vec::new()));
        }
    }
    for l in &entry.links {
        let Ok(c) = link::canonicalize(&l.text) else {
            continue;
        };
        if !c.host_is_plausible() || seen.contains(&c.canonical) {
            continue;
        }
        seen.push(c.canonical.clone());
        let hits = ctx.index.lookup_url(&c).map_err(blocklist_error)?;
        if !hits.is_empty() {
            out.push(Finding {
                file: file.to_owned(),
                location: l.location.clone(),
                entry: index,
                name: name.clone(),
                number: None,
                normalized: None,
                link: Some(l.text.clone()),
                reason: FindingReason::LinkOnBlocklist,
                cue: None,
                matches: hits.iter().map(Match::from).collect(),
            });
        }
    }
    Ok(())
}

fn blocklist_error(e: verity_check::lookup::LookupError) -> ScanError {
    ScanError::Blocklist(e)
}

/// At most 80 characters of `s`, on one line.
pub(crate) fn excerpt(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 80 {
        let mut t: String = one.chars().take(79).collect();
        t.push('…');
        t
    } else {
        one
    }
}

/// A cleaned copy of a vCard, CSV or text file without the entries in `drop` (positions as in
/// [`Finding::entry`]), in the original's encoding. Everything else is kept byte for byte
/// (as decoded and re-encoded).
///
/// # Errors
/// [`ScanError`] when the file cannot be read, or [`ScanError::CleanCopyUnsupported`] for a
/// spreadsheet.
pub fn clean_copy(
    file: &str,
    bytes: &[u8],
    drop: &BTreeSet<u32>,
    ctx: &CheckContext<'_>,
) -> Result<CleanCopy, ScanError> {
    cut(&parse(file, bytes, ctx.default_region)?, drop)
}

/// The cleaned copy of a parsed file without the entries in `drop`.
fn cut(parsed: &Parsed, drop: &BTreeSet<u32>) -> Result<CleanCopy, ScanError> {
    let (Some(text), Some(encoding)) = (parsed.text.as_deref(), parsed.encoding) else {
        return Err(ScanError::CleanCopyUnsupported(parsed.format));
    };
    let mut cut: Vec<Range<usize>> = Vec::new();
    let mut removed = 0u32;
    for (i, e) in parsed.entries.iter().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        if drop.contains(&index) {
            if let Some(span) = &e.span {
                cut.push(span.clone());
                removed += 1;
            }
        }
    }
    cut.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut pos = 0usize;
    for r in cut {
        if r.start >= pos && r.end <= text.len() {
            out.push_str(text.get(pos..r.start).unwrap_or(""));
            pos = r.end;
        }
    }
    out.push_str(text.get(pos..).unwrap_or(""));
    let kept = u32::try_from(parsed.entries.len())
        .unwrap_or(u32::MAX)
        .saturating_sub(removed);
    Ok(CleanCopy {
        bytes: decode::encode(&out, encoding),
        removed,
        kept,
    })
}

/// Step 1's evidence from a set of scans: counts only. `removed` is the number of flagged
/// entries left out of cleaned copies.
#[must_use]
pub fn evidence<'a>(scans: impl IntoIterator<Item = &'a FileScan>, removed: u32) -> ScanEvidence {
    let (files, entries, flagged) = scans.into_iter().fold((0u32, 0u32, 0u32), |(n, e, f), s| {
        (
            n.saturating_add(1),
            e.saturating_add(s.entries),
            f.saturating_add(s.flagged),
        )
    });
    ScanEvidence {
        files,
        entries,
        flagged,
        removed: removed.min(flagged),
    }
}
