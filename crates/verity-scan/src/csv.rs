//! CSV contact exports: the delimiter sniffed (`,` `;` tab `|`, or Excel's `sep=` line), the
//! header recognised (see `table`), one entry per row with a number or link.

use verity_core::phone::Region;

use super::table::{filled, headerless_entry, Header};
use super::{check_entry_cap, Location, RawEntry, ScanError};

const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter, and how many bytes of an Excel `sep=` line to skip.
///
/// Each candidate is tried with the CSV reader itself on the first records (so quoted fields
/// that hold delimiters or line breaks count right): the one whose records most often have the
/// first record's width, and the widest, wins.
fn sniff(text: &str) -> (u8, usize) {
    let first = text.lines().next().unwrap_or("");
    if let Some(rest) = first.trim().strip_prefix("sep=") {
        if let Some(&b) = rest.as_bytes().first() {
            let skip = text.find('\n').map_or(text.len(), |i| i + 1);
            return (b, skip);
        }
    }
    let mut cut = text.len().min(64 * 1024);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    let mut best = (b',', (0usize, 0usize));
    for c in CANDIDATES {
        let mut rdr = records(head, c);
        let mut widths = Vec::new();
        let mut rec = ::csv::StringRecord::new();
        while widths.len() < 20 {
            match rdr.read_record(&mut rec) {
                Ok(true) => widths.push(rec.len()),
                _ => break,
            }
        }
        let Some(&w0) = widths.first() else { continue };
        if w0 < 2 {
            continue;
        }
        let score = (widths.iter().filter(|w| **w == w0).count(), w0);
        if score > best.1 {
            best = (c, score);
        }
    }
    (best.0, 0)
}

fn records(text: &str, delimiter: u8) -> ::csv::Reader<&[u8]> {
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
}

/// Whether `text` starts with a contact table header (used for files without a `.csv` name).
pub(crate) fn looks_like_contact_table(text: &str, region: Region) -> bool {
    let (delimiter, skip) = sniff(text);
    starts_with_header(text.get(skip..).unwrap_or(""), delimiter, region)
}

/// Whether `text` is a tab-delimited table that starts with a contact table header: Excel's
/// "Unicode Text", which Windows saves as `.txt` (UTF-16 LE with a BOM, CRLF). Pasted messages
/// in a `.txt` are not read as a table unless they look exactly like that.
pub(crate) fn looks_like_tab_delimited_contact_table(text: &str, region: Region) -> bool {
    let (delimiter, skip) = sniff(text);
    delimiter == b'\t' && starts_with_header(text.get(skip..).unwrap_or(""), delimiter, region)
}

/// Whether the first record of `body` is a contact table header.
fn starts_with_header(body: &str, delimiter: u8, region: Region) -> bool {
    let mut rdr = records(body, delimiter);
    let mut rec = ::csv::StringRecord::new();
    match rdr.read_record(&mut rec) {
        Ok(true) if rec.len() >= 2 => Header::detect(&filled(rec.iter()), region).is_some(),
        _ => false,
    }
}

/// Reads a CSV table into entries.
///
/// # Errors
/// [`ScanError::Malformed`] for a row the CSV reader cannot read, [`ScanError::TooManyEntries`].
pub(crate) fn parse(text: &str, region: Region, out: &mut Vec<RawEntry>) -> Result<(), ScanError> {
    let (delimiter, skip) = sniff(text);
    let body = text.get(skip..).unwrap_or("");
    let mut rdr = records(body, delimiter);
    let mut lines = LineCounter::default();
    let mut header: Option<Header> = None;
    let mut first = true;
    // The open row: where it starts in `text`, and its entry; the next row's start ends it.
    let mut open: Option<(usize, RawEntry)> = None;
    let mut rec = ::csv::StringRecord::new();
    loop {
        // The reader's position can sit on the line break before a record (CRLF, blank
        // lines): the record starts at the first byte after it.
        let raw = skip + usize::try_from(rdr.position().byte()).unwrap_or(usize::MAX);
        let start = first_content_byte(text, raw);
        let more = match rdr.read_record(&mut rec) {
            Ok(more) => more,
            Err(e) => {
                let at = e
                    .position()
                    .map_or(start, |p| skip + usize::try_from(p.byte()).unwrap_or(0));
                return Err(ScanError::Malformed {
                    line: lines.line_at(text, first_content_byte(text, at)),
                    what: "this CSV row cannot be read".to_owned(),
                });
            }
        };
        if let Some((s, mut e)) = open.take() {
            e.span = Some(s..start.min(text.len()));
            out.push(e);
        }
        if !more {
            break;
        }
        let cells = filled(rec.iter());
        if cells.is_empty() {
            continue;
        }
        let location = Location::Line {
            line: lines.line_at(text, start),
        };
        if first {
            first = false;
            header = Header::detect(&cells, region);
            if header.is_some() {
                continue;
            }
        }
        let entry = match &header {
            Some(h) => h.entry(&cells, &location, region),
            None => headerless_entry(&cells, &location, region),
        };
        if let Some(e) = entry {
            check_entry_cap(out.len())?;
            open = Some((start, e));
        }
    }
    Ok(())
}

fn first_content_byte(text: &str, from: usize) -> usize {
    let from = from.min(text.len());
    from + text.get(from..).map_or(0, |rest| {
        rest.len() - rest.trim_start_matches(['\r', '\n']).len()
    })
}

/// Line numbers of byte offsets, counted forward only once.
#[derive(Debug, Default)]
struct LineCounter {
    offset: usize,
    newlines: usize,
}

impl LineCounter {
    fn line_at(&mut self, text: &str, byte: usize) -> u32 {
        let byte = byte.min(text.len());
        if byte >= self.offset {
            self.newlines += text.as_bytes()[self.offset..byte]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.offset = byte;
        }
        u32::try_from(self.newlines + 1).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff("a,b,c\n1,2,3\n").0, b',');
        assert_eq!(sniff("Name;Phone;Notes\n\"A, B\";123;x\n").0, b';');
        assert_eq!(sniff("Name\tPhone\nA\t1\n").0, b'\t');
        assert_eq!(sniff("sep=;\nName;Phone\n"), (b';', 6));
        assert_eq!(sniff("just text").0, b',');
    }

    #[test]
    fn rows_and_spans() {
        let text = "Name;Phone\r\nDingTalk;3001 2345\r\n\r\nMum;9123 4567\r\nNo number;\r\n";
        let mut out = Vec::new();
        parse(text, Region::HK, &mut out).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].location, Location::Line { line: 2 });
        assert_eq!(out[1].location, Location::Line { line: 4 });
        let span = out[0].span.clone().unwrap();
        assert_eq!(&text[span], "DingTalk;3001 2345\r\n\r\n");
        let span = out[1].span.clone().unwrap();
        assert_eq!(&text[span], "Mum;9123 4567\r\n");
    }
}
