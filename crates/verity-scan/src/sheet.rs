//! Spreadsheets: `.xlsx` read from memory with `calamine`, `.ods` with our own streaming reader
//! of `content.xml` ([`crate::ods`]); the container checks, the budget both are read against,
//! merged cells, and rows into entries.
//!
//! Before anything is parsed, the ZIP container is checked: at most [`MAX_ZIP_ENTRIES`]
//! members, each decompressing to at most [`MAX_MEMBER_BYTES`] and all together to at most
//! [`MAX_UNZIPPED_BYTES`] (counted while actually decompressing, so a lying header does not
//! help a bomb), an `.xlsx` may announce at most [`MAX_SHARED_STRINGS`] shared strings
//! (`calamine` reserves room for the announced count), and its cell references and ranges must
//! lie inside Excel's grid, ends not before starts (`calamine`'s arithmetic on them would
//! overflow: a panic where overflow checks are on), and no two sheets may be the same part (a
//! workbook listing one large part many times would have it parsed again for each).
//!
//! Then a small file must not expand into a huge one while it is read. Every cell is counted
//! before its text is copied, against one budget per file: at most [`MAX_CELLS`] filled cells
//! and [`MAX_DECODED_BYTES`] of cell text (each row holding a cell charged 256 bytes more, its
//! place in the grid), after everything that multiplies text:
//! - an `.xlsx` shared string is stored once but named by any number of cells (a 1 MB string
//!   named by 100 000 cells is 100 GB of cells): `calamine` lends each cell the one string and
//!   the budget is charged before the cell gets its own copy;
//! - an `.ods` cell repeated across columns (`table:number-columns-repeated`) in a row repeated
//!   down (`table:number-rows-repeated`) is charged columns × rows before anything is copied, and
//!   `<text:s text:c="…"/>` (a run of spaces) is charged before the spaces are written. `calamine`
//!   expands `.ods` repeats into a dense grid, and clones every repeated value, before its caller
//!   can count anything, so `.ods` files are read here instead: empty repeats cost nothing;
//! - merged ranges: at most [`MAX_MERGES`] per file, and spreading their values may visit at most
//!   [`MAX_MERGE_WORK`] cells in total (the cells a range covers in rows that hold data, whether
//!   they are written or already filled), each cell written charged like any other.
//!
//! Rows then become entries; a row with the same cells as the row before (a repeat) is read
//! once and its entry copied, so the work is the cells read, not the rows times the number
//! parser.
//!
//! Merged cells: the value of a merged region (kept by the formats in its top-left cell) is
//! spread over every cell of the region in rows that hold data, so a "DingTalk 客服" category
//! merged down a column applies to every row beside it.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use quick_xml::events::Event;

use verity_core::phone::Region;

use super::ods::read_ods;
use super::table::{headerless_entry, Header};
use super::{check_entry_cap, Format, Limit, Location, Parsed, RawEntry, ScanError};

/// The most members a spreadsheet's ZIP container may have.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// The most bytes one member may decompress to.
pub const MAX_MEMBER_BYTES: u64 = 128 * 1024 * 1024;
/// The most bytes all members may decompress to.
pub const MAX_UNZIPPED_BYTES: u64 = 256 * 1024 * 1024;
/// The most filled (non-blank) cells read from one file, repeats and merges applied (2 million:
/// a 100 000-contact export with 20 filled columns per contact; a real export fills 5 to 10).
/// Each costs about 100 bytes in memory besides its text.
pub const MAX_CELLS: usize = 2_000_000;
/// The most bytes of cell text read from one file once shared strings, repeats and merges are
/// applied (128 MiB, as much as one member may hold: a sheet that stores each cell's text once
/// fits; only sharing and repeating go over). A 100 000-contact export holds 10 to 50 MB.
pub const MAX_DECODED_BYTES: usize = 128 * 1024 * 1024;
/// The most merged ranges in one file (100 000: one per row of a 100 000-contact export).
pub const MAX_MERGES: usize = 100_000;
/// The most cells merged ranges may cover in total while their values are spread (4 million,
/// twice [`MAX_CELLS`]): each range visits the cells it covers in rows that hold data, written
/// or not, so this bounds the work, not only the result.
pub const MAX_MERGE_WORK: usize = 4_000_000;
/// The most shared strings an `.xlsx` may announce (`uniqueCount`; `calamine` reserves room for
/// them up front): as many as there may be cells.
pub const MAX_SHARED_STRINGS: usize = MAX_CELLS;
/// What a row costs in memory besides its cells (its map in the grid), charged to the text
/// budget, so a million rows of one cell each cost what they take: a 100 000-row export is
/// charged 25 MB for its rows.
pub(crate) const ROW_BYTES: usize = 256;
/// How many rows from the top are searched for a header.
const HEADER_SEARCH_ROWS: usize = 10;
/// The grid's size, as Excel and LibreOffice have it: cells beyond are not read.
pub(crate) const MAX_ROWS: u64 = 1_048_576;
pub(crate) const MAX_COLUMNS: u64 = 16_384;

pub(crate) type Grid = BTreeMap<u32, BTreeMap<u32, String>>;

/// A merged region: first row, first column, last row, last column (0-based, inclusive).
pub(crate) type Merge = (u32, u32, u32, u32);

pub(crate) fn damaged() -> ScanError {
    ScanError::Truncated("the spreadsheet is damaged or incomplete".to_owned())
}

/// What one file may still cost: cells, text, merged ranges, merge work.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    pub(crate) cells: usize,
    bytes: usize,
    merges: usize,
    pub(crate) merge_work: usize,
}

impl Budget {
    /// Charges `count` cells of `len` bytes each.
    pub(crate) fn cells(&mut self, count: u64, len: usize) -> Result<(), ScanError> {
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        self.cells = self.cells.saturating_add(count);
        if self.cells > MAX_CELLS {
            return Err(ScanError::OverLimit(Limit::Cells));
        }
        self.text(count.saturating_mul(len))
    }

    /// Charges `len` bytes of text.
    pub(crate) fn text(&mut self, len: usize) -> Result<(), ScanError> {
        self.bytes = self.bytes.saturating_add(len);
        if self.bytes > MAX_DECODED_BYTES {
            return Err(ScanError::OverLimit(Limit::DecodedBytes));
        }
        Ok(())
    }

    /// The text that may still be read ([`MAX_DECODED_BYTES`] less what was charged).
    pub(crate) fn text_room(&self) -> usize {
        MAX_DECODED_BYTES.saturating_sub(self.bytes)
    }

    pub(crate) fn merges(&mut self, count: usize) -> Result<(), ScanError> {
        self.merges = self.merges.saturating_add(count);
        if self.merges > MAX_MERGES {
            return Err(ScanError::OverLimit(Limit::MergedRanges));
        }
        Ok(())
    }

    fn merge_work(&mut self, cells: u64) -> Result<(), ScanError> {
        let cells = usize::try_from(cells).unwrap_or(usize::MAX);
        self.merge_work = self.merge_work.saturating_add(cells);
        if self.merge_work > MAX_MERGE_WORK {
            return Err(ScanError::OverLimit(Limit::MergeWork));
        }
        Ok(())
    }
}

/// Whether a member may be the shared strings `calamine` reads (`xl/sharedStrings.xml`, or
/// wherever the workbook's relationships put it; matched loosely, to be safe).
fn is_shared_strings(name: &str) -> bool {
    name.to_ascii_lowercase()
        .replace('\\', "/")
        .ends_with("sharedstrings.xml")
}

/// The `uniqueCount` of the first `sst` element, as `calamine` reads it (digits only, leading
/// zeros allowed), saturating.
fn announced_shared_strings(xml: impl std::io::BufRead) -> Option<u64> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    reader.config_mut().check_comments = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                let count = e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .find(|a| a.key.as_ref() == "uniqueCount")?;
                let v = count.value.as_bytes();
                if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                return Some(v.iter().fold(0u64, |n, d| {
                    n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                }));
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// A cell reference (`B7`, `b7`, or a bare row `7`) as `calamine` reads it: the letters that
/// lead, then the digits that follow them, accumulated (saturating here; in `calamine`, in `u32`
/// before it looks further). The 1-based row and column (0: none), and whether `calamine`
/// accepts the whole text.
fn cell_ref(s: &str) -> (u64, u64, bool) {
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest = &b[letters..];
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    let col = b[..letters].iter().fold(0u64, |n, c| {
        n.saturating_mul(26)
            .saturating_add(u64::from(c.to_ascii_uppercase() - b'A') + 1)
    });
    let row = rest[..digits].iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    (row, col, digits > 0 && digits == rest.len())
}

/// Whether a reference or range (`A1`, `A1:C9`, `7`) is one `calamine` can read without its
/// arithmetic overflowing: what it accumulates inside Excel's grid, and a range's end not
/// before its start. (An overflow is a panic in builds with overflow checks, tests and the
/// debug app among them.)
fn sane_ref(value: &str) -> bool {
    let parts: Vec<(u64, u64, bool)> = value.split(':').map(cell_ref).collect();
    if parts
        .iter()
        .any(|(r, c, _)| *r > MAX_ROWS || *c > MAX_COLUMNS)
    {
        return false;
    }
    match parts.as_slice() {
        [(r0, c0, true), (r1, c1, true)] => r1 >= r0 && c1 >= c0,
        _ => true,
    }
}

/// A start tag's attributes as `calamine` splits them (its own raw parser: key up to `=`, value
/// in quotes), up to the first malformed one, where `calamine` stops with an error too.
fn raw_attrs(raw: &str) -> Vec<(&str, &str)> {
    let bytes = raw.as_bytes();
    let len = bytes.len();
    let mut pos = 0usize;
    let mut out = Vec::new();
    loop {
        while pos < len && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= len {
            return out;
        }
        let key_start = pos;
        while pos < len && bytes[pos] != b'=' {
            pos += 1;
        }
        if pos >= len {
            return out;
        }
        let key = raw[key_start..pos].trim_ascii_end();
        pos += 1;
        while pos < len && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let quote = match bytes.get(pos) {
            Some(q @ (b'"' | b'\'')) => *q,
            _ => return out,
        };
        pos += 1;
        let start = pos;
        while pos < len && bytes[pos] != quote {
            pos += 1;
        }
        out.push((key, &raw[start..pos]));
        pos = (pos + 1).min(len);
    }
}

/// What an `.xlsx`'s parts say about its sheets, to make sure no two sheets are one part read
/// twice (each sheet is parsed twice by `calamine`, so a workbook listing one large part ten
/// thousand times would be parsed twenty thousand times).
#[derive(Debug, Default)]
struct SheetLinks {
    /// The relationship id of every `sheet` element, in any part.
    sheet_ids: Vec<String>,
    /// Every worksheet, chart sheet or dialog sheet relationship in any `.rels` part: its id and
    /// its target's file name (lower case).
    rels: Vec<(String, String)>,
}

impl SheetLinks {
    /// Refuses a workbook where two sheets may be the same part: each sheet's possible targets
    /// (every relationship of its id, in any `.rels` part: more than `calamine` looks at) must
    /// not meet another sheet's, by file name (more than the part: safe).
    fn check(&self) -> Result<(), ScanError> {
        let mut targets: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (id, file) in &self.rels {
            targets.entry(id).or_default().push(file);
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, id) in self.sheet_ids.iter().enumerate() {
            for file in targets.get(id.as_str()).into_iter().flatten() {
                if let Some(other) = seen.insert(file, i) {
                    if other != i {
                        return Err(ScanError::Spreadsheet(format!(
                            "two sheets are the same part ({})",
                            super::excerpt(file)
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Reads the relationships of one `.rels` part, as `calamine` splits them.
fn collect_rels(xml: &[u8], links: &mut SheetLinks) {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let attrs = raw_attrs(e.attributes_raw());
                let get = |k: &str| attrs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
                let sheet_type = get("Type")
                    .and_then(|t| t.rsplit('/').next())
                    .is_some_and(|t| matches!(t, "worksheet" | "chartsheet" | "dialogsheet"));
                if let (true, Some(id)) = (sheet_type, get("Id")) {
                    let target = get("Target").unwrap_or("");
                    let file = target.rsplit(['/', '\\']).next().unwrap_or("");
                    links.rels.push((id.to_owned(), file.to_ascii_lowercase()));
                }
            }
            Ok(Event::Eof) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Checks the references of one `.xlsx` part (`row r`, `c r`, `dimension ref`, `mergeCell
/// ref`, `hyperlink ref`, `f ref`), parsed as `calamine` parses it, and notes its `sheet`
/// elements' relationship ids.
fn check_xlsx_refs(xml: &[u8], links: &mut SheetLinks) -> Result<(), ScanError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    config.trim_text(false);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                if e.local_name().as_ref() == "sheet" {
                    let attrs = raw_attrs(e.attributes_raw());
                    let id = attrs.iter().find(|(k, _)| *k == "id" || k.ends_with(":id"));
                    if let Some((_, id)) = id {
                        links.sheet_ids.push((*id).to_owned());
                    }
                    continue;
                }
                let key = match e.local_name().as_ref() {
                    "row" | "c" => "r",
                    "dimension" | "mergeCell" | "hyperlink" | "f" => "ref",
                    _ => continue,
                };
                for (k, v) in raw_attrs(e.attributes_raw()) {
                    if k == key && !sane_ref(v) {
                        return Err(ScanError::Spreadsheet(format!(
                            "a cell reference outside the sheet or backwards: {:?}",
                            super::excerpt(v)
                        )));
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// Checks the container and returns the format and, for `.ods`, `content.xml`.
fn check_zip(bytes: &[u8], ext: &str) -> Result<(Format, Option<Vec<u8>>), ScanError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| {
        ScanError::Truncated(
            "the spreadsheet is damaged or incomplete (its ZIP directory cannot be read)"
                .to_owned(),
        )
    })?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(ScanError::SpreadsheetTooLarge(format!(
            "{} parts in the archive",
            zip.len()
        )));
    }
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    let format = if has("xl/workbook.xml") {
        Format::Xlsx
    } else if has("content.xml") && (has("mimetype") || ext == "ods") {
        Format::Ods
    } else {
        return Err(ScanError::Unsupported(
            "this ZIP archive is not an .xlsx or .ods spreadsheet",
        ));
    };
    let mut total: u64 = 0;
    let mut content = None;
    let mut links = SheetLinks::default();
    for i in 0..zip.len() {
        let mut member = zip.by_index(i).map_err(|_| damaged())?;
        if member.is_dir() {
            continue;
        }
        let name = member.name().map(|n| n.into_owned()).unwrap_or_default();
        if member.size() > MAX_MEMBER_BYTES {
            return Err(ScanError::SpreadsheetTooLarge(format!(
                "{name} decompresses to {} bytes",
                member.size()
            )));
        }
        let lower = name.to_ascii_lowercase();
        let keep = (format == Format::Ods && name == "content.xml")
            || (format == Format::Xlsx && (lower.ends_with(".xml") || lower.ends_with(".rels")));
        let mut buf = Vec::new();
        let mut limited = (&mut member).take(MAX_MEMBER_BYTES + 1);
        let n = if keep {
            limited.read_to_end(&mut buf).map_err(|_| damaged())? as u64
        } else {
            std::io::copy(&mut limited, &mut std::io::sink()).map_err(|_| damaged())?
        };
        total = total.saturating_add(n);
        if n > MAX_MEMBER_BYTES || total > MAX_UNZIPPED_BYTES {
            return Err(ScanError::SpreadsheetTooLarge(format!(
                "the archive decompresses to more than {MAX_UNZIPPED_BYTES} bytes"
            )));
        }
        if format == Format::Xlsx && keep {
            let max = u64::try_from(MAX_SHARED_STRINGS).unwrap_or(u64::MAX);
            if is_shared_strings(&name) {
                if announced_shared_strings(buf.as_slice()).is_some_and(|n| n > max) {
                    return Err(ScanError::OverLimit(Limit::SharedStrings));
                }
            } else if lower.ends_with(".rels") {
                collect_rels(&buf, &mut links);
            } else {
                check_xlsx_refs(&buf, &mut links)?;
            }
        } else if keep {
            content = Some(buf);
        }
    }
    links.check()?;
    Ok((format, content))
}

/// Reads an `.xlsx` or `.ods` file into entries.
///
/// # Errors
/// [`ScanError`] for a damaged, oversized or unsupported archive, or one that expands past a
/// limit ([`ScanError::OverLimit`]).
pub(crate) fn parse_zip(bytes: &[u8], ext: &str, region: Region) -> Result<Parsed, ScanError> {
    let (format, content) = check_zip(bytes, ext)?;
    let mut budget = Budget::default();
    let sheets = match (format, content) {
        (Format::Ods, Some(xml)) => read_ods(&xml, &mut budget)?,
        _ => read_xlsx(bytes, &mut budget)?,
    };
    let mut entries = Vec::new();
    for (name, grid) in sheets {
        rows_to_entries(&name, &grid, region, &mut entries)?;
    }
    Ok(Parsed {
        format,
        encoding: None,
        text: None,
        entries,
    })
}

pub(crate) fn float_text(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)]
        let i = f as i64;
        Some(i.to_string())
    } else {
        Some(f.to_string())
    }
}

/// Puts a cell's text in the grid (blank text is no cell), charged to the budget before it is
/// copied.
fn put(
    grid: &mut Grid,
    budget: &mut Budget,
    pos: (u32, u32),
    value: &str,
) -> Result<(), ScanError> {
    if value.trim().is_empty() {
        return Ok(());
    }
    budget.cells(1, value.len())?;
    if !grid.contains_key(&pos.0) {
        budget.text(ROW_BYTES)?;
    }
    grid.entry(pos.0)
        .or_default()
        .insert(pos.1, value.to_owned());
    Ok(())
}

fn read_xlsx(bytes: &[u8], budget: &mut Budget) -> Result<Vec<(String, Grid)>, ScanError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ScanError::Spreadsheet(e.to_string()))?;
    let mut out = Vec::new();
    let mut read = std::collections::BTreeSet::new();
    for name in book.sheet_names() {
        // calamine finds a sheet by name, the first of that name: another sheet of the same
        // name would be the first one's part parsed again.
        if !read.insert(name.clone()) {
            continue;
        }
        let merges: Vec<Merge> = book
            .merge_cells_by_sheet_name(&name)
            .map(|v| {
                v.iter()
                    .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
                    .collect()
            })
            .unwrap_or_default();
        budget.merges(merges.len())?;
        let mut grid = Grid::new();
        let Ok(mut reader) = book.worksheet_cells_reader(&name) else {
            continue; // a chart sheet or a missing part: nothing to read
        };
        while let Some(cell) = reader
            .next_cell()
            .map_err(|e| ScanError::Spreadsheet(e.to_string()))?
        {
            let pos = cell.get_position();
            match cell.get_value() {
                // Borrowed from the one shared copy: charged before this cell gets its own.
                DataRef::SharedString(s) => put(&mut grid, budget, pos, s)?,
                DataRef::String(s) => put(&mut grid, budget, pos, s)?,
                DataRef::Int(i) => put(&mut grid, budget, pos, &i.to_string())?,
                DataRef::Float(f) => {
                    if let Some(t) = float_text(*f) {
                        put(&mut grid, budget, pos, &t)?;
                    }
                }
                _ => {}
            }
        }
        spread_merges(&mut grid, &merges, budget)?;
        out.push((name, grid));
    }
    Ok(out)
}

/// Spreads each merged region's value over its cells, in rows that hold data.
pub(crate) fn spread_merges(
    grid: &mut Grid,
    merges: &[Merge],
    budget: &mut Budget,
) -> Result<(), ScanError> {
    for &(a0, b0, a1, b1) in merges {
        let (r0, r1) = (a0.min(a1), a0.max(a1));
        let (c0, c1) = (b0.min(b1), b0.max(b1));
        budget.merge_work(1)?;
        let Some(value) = grid.get(&r0).and_then(|row| row.get(&c0)).cloned() else {
            continue;
        };
        let mut rows: Vec<u32> = Vec::new();
        for (r, _) in grid.range(r0..=r1) {
            budget.merge_work(1)?;
            rows.push(*r);
        }
        for r in rows {
            let Some(row) = grid.get_mut(&r) else {
                continue;
            };
            let max_col = row.keys().next_back().copied().unwrap_or(0);
            let last = c1.min(max_col.max(c0));
            budget.merge_work(u64::from(last - c0) + 1)?;
            for c in c0..=last {
                if let std::collections::btree_map::Entry::Vacant(slot) = row.entry(c) {
                    budget.cells(1, value.len())?;
                    slot.insert(value.clone());
                }
            }
        }
    }
    Ok(())
}

/// A row's filled cells in column order, for the table readers.
fn row_cells(row: &BTreeMap<u32, String>) -> Vec<(usize, &str)> {
    row.iter()
        .map(|(c, s)| (usize::try_from(*c).unwrap_or(usize::MAX), s.as_str()))
        .collect()
}

fn rows_to_entries(
    sheet: &str,
    grid: &Grid,
    region: Region,
    out: &mut Vec<RawEntry>,
) -> Result<(), ScanError> {
    let mut header: Option<(u32, Header)> = None;
    for (r, row) in grid.iter().take(HEADER_SEARCH_ROWS) {
        if let Some(h) = Header::detect(&row_cells(row), region) {
            header = Some((*r, h));
            break;
        }
    }
    // The last row read and its entry: a row repeated (an `.ods` repeat, a pasted block) is
    // read once, so a million copies of one row cost a million comparisons, not a million
    // number parses.
    let mut last: Option<(Vec<(usize, &str)>, RowEntry)> = None;
    for (r, row) in grid {
        if header.as_ref().is_some_and(|(hr, _)| r <= hr) {
            continue;
        }
        let location = Location::Row {
            sheet: sheet.to_owned(),
            row: r.saturating_add(1),
        };
        let cells = row_cells(row);
        let entry = match &last {
            Some((prev, entry)) if *prev == cells => {
                entry.as_ref().map(|e| relocated(e, &location))
            }
            _ => {
                let entry = match &header {
                    Some((_, h)) => h.entry(&cells, &location, region),
                    None => headerless_entry(&cells, &location, region),
                };
                last = Some((cells, entry.clone()));
                entry
            }
        };
        if let Some(e) = entry {
            check_entry_cap(out.len())?;
            out.push(e);
        }
    }
    Ok(())
}

/// A row's entry, or none for a row without numbers or links.
type RowEntry = Option<RawEntry>;

/// A copy of a row's entry for another row of the same cells.
fn relocated(e: &RawEntry, location: &Location) -> RawEntry {
    let mut e = e.clone();
    e.location = location.clone();
    for item in e.numbers.iter_mut().chain(e.links.iter_mut()) {
        item.location = location.clone();
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_spread_over_rows_with_data() {
        let mut g = Grid::new();
        g.entry(1).or_default().insert(0, "DingTalk 客服".into());
        g.entry(1).or_default().insert(1, "30012345".into());
        g.entry(2).or_default().insert(1, "30019876".into());
        g.entry(3).or_default().insert(1, "91234567".into());
        let mut budget = Budget::default();
        // Corners given the wrong way round (bottom-right first) are the same region.
        spread_merges(&mut g, &[(2, 0, 1, 0)], &mut budget).unwrap();
        assert_eq!(g[&2][&0], "DingTalk 客服");
        assert!(!g[&3].contains_key(&0));
        assert_eq!(budget.cells, 1);
        assert_eq!(budget.merge_work, 1 + 2 + 2);
    }
}
