//! Spreadsheets: `.xlsx` and `.ods`, read from memory with `calamine`.
//!
//! Before `calamine` sees a file, the ZIP container is checked: at most [`MAX_ZIP_ENTRIES`]
//! members, each decompressing to at most [`MAX_MEMBER_BYTES`] and all together to at most
//! [`MAX_UNZIPPED_BYTES`] (counted while actually decompressing, so a lying header does not
//! help a bomb), and for `.ods` the repeat counts in `content.xml` are added up so that a small
//! file cannot ask for billions of cells. Cells are then read into a sparse grid of at most
//! [`MAX_CELLS`] values.
//!
//! Merged cells: the value of a merged region (kept by the formats in its top-left cell) is
//! spread over every cell of the region in rows that hold data, so a "DingTalk 客服" category
//! merged down a column applies to every row beside it.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Ods, Reader, Xlsx};

use crate::phone::Region;

use super::table::{headerless_entry, Header};
use super::{check_entry_cap, Format, Location, Parsed, RawEntry, ScanError};

/// The most members a spreadsheet's ZIP container may have.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// The most bytes one member may decompress to.
pub const MAX_MEMBER_BYTES: u64 = 128 * 1024 * 1024;
/// The most bytes all members may decompress to.
pub const MAX_UNZIPPED_BYTES: u64 = 256 * 1024 * 1024;
/// The most non-empty cells read from one file.
pub const MAX_CELLS: usize = 1_000_000;
/// The most cells one `.ods` sheet may expand to (repeats counted).
pub const MAX_SHEET_CELLS: u64 = 2_000_000;
/// How many rows from the top are searched for a header.
const HEADER_SEARCH_ROWS: usize = 10;

type Grid = BTreeMap<u32, BTreeMap<u32, String>>;

/// A merged region: first row, first column, last row, last column (0-based, inclusive).
type Merge = (u32, u32, u32, u32);

fn damaged() -> ScanError {
    ScanError::Truncated("the spreadsheet is damaged or incomplete".to_owned())
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
        let keep = format == Format::Ods && name == "content.xml";
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
        if keep {
            content = Some(buf);
        }
    }
    Ok((format, content))
}

/// Reads an `.xlsx` or `.ods` file into entries.
///
/// # Errors
/// [`ScanError`] for a damaged, oversized or unsupported archive.
pub(crate) fn parse_zip(bytes: &[u8], ext: &str, region: Region) -> Result<Parsed, ScanError> {
    let (format, content) = check_zip(bytes, ext)?;
    let sheets = match (format, content) {
        (Format::Ods, Some(xml)) => read_ods(bytes, &xml)?,
        _ => read_xlsx(bytes)?,
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

fn float_text(f: f64) -> Option<String> {
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

fn put(
    grid: &mut Grid,
    cells: &mut usize,
    pos: (u32, u32),
    value: String,
) -> Result<(), ScanError> {
    if value.trim().is_empty() {
        return Ok(());
    }
    *cells += 1;
    if *cells > MAX_CELLS {
        return Err(ScanError::SpreadsheetTooLarge(format!(
            "more than {MAX_CELLS} filled cells"
        )));
    }
    grid.entry(pos.0).or_default().insert(pos.1, value);
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<(String, Grid)>, ScanError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ScanError::Spreadsheet(e.to_string()))?;
    let mut out = Vec::new();
    let mut cells = 0usize;
    for name in book.sheet_names() {
        let merges: Vec<Merge> = book
            .merge_cells_by_sheet_name(&name)
            .map(|v| {
                v.iter()
                    .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
                    .collect()
            })
            .unwrap_or_default();
        let mut grid = Grid::new();
        let Ok(mut reader) = book.worksheet_cells_reader(&name) else {
            continue; // a chart sheet or a missing part: nothing to read
        };
        while let Some(cell) = reader
            .next_cell()
            .map_err(|e| ScanError::Spreadsheet(e.to_string()))?
        {
            let text = match cell.get_value() {
                DataRef::String(s) => Some(s.clone()),
                DataRef::SharedString(s) => Some((*s).to_owned()),
                DataRef::Int(i) => Some(i.to_string()),
                DataRef::Float(f) => float_text(*f),
                _ => None,
            };
            if let Some(t) = text {
                put(&mut grid, &mut cells, cell.get_position(), t)?;
            }
        }
        spread_merges(&mut grid, &merges, &mut cells)?;
        out.push((name, grid));
    }
    Ok(out)
}

fn read_ods(bytes: &[u8], content: &[u8]) -> Result<Vec<(String, Grid)>, ScanError> {
    let layout = ods_layout(content)?;
    let mut book: Ods<_> =
        Ods::new(Cursor::new(bytes)).map_err(|e| ScanError::Spreadsheet(e.to_string()))?;
    let mut out = Vec::new();
    let mut cells = 0usize;
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| ScanError::Spreadsheet(e.to_string()))?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut grid = Grid::new();
        for (r, c, v) in range.cells() {
            let text = match v {
                Data::String(s) => Some(s.clone()),
                Data::Int(i) => Some(i.to_string()),
                Data::Float(f) => float_text(*f),
                _ => None,
            };
            if let Some(t) = text {
                let pos = (
                    r0.saturating_add(u32::try_from(r).unwrap_or(u32::MAX)),
                    c0.saturating_add(u32::try_from(c).unwrap_or(u32::MAX)),
                );
                put(&mut grid, &mut cells, pos, t)?;
            }
        }
        let merges = layout
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.merges.clone())
            .unwrap_or_default();
        spread_merges(&mut grid, &merges, &mut cells)?;
        out.push((name, grid));
    }
    Ok(out)
}

/// Spreads each merged region's value over its cells, in rows that hold data.
fn spread_merges(grid: &mut Grid, merges: &[Merge], cells: &mut usize) -> Result<(), ScanError> {
    for &(r0, c0, r1, c1) in merges {
        let Some(value) = grid.get(&r0).and_then(|row| row.get(&c0)).cloned() else {
            continue;
        };
        let rows: Vec<u32> = grid.range(r0..=r1).map(|(r, _)| *r).collect();
        for r in rows {
            let max_col = grid
                .get(&r)
                .and_then(|row| row.keys().next_back().copied())
                .unwrap_or(0);
            let last = c1.min(max_col.max(c0));
            for c in c0..=last {
                let missing = grid.get(&r).is_some_and(|row| !row.contains_key(&c));
                if missing {
                    put(grid, cells, (r, c), value.clone())?;
                }
            }
        }
    }
    Ok(())
}

fn rows_to_entries(
    sheet: &str,
    grid: &Grid,
    region: Region,
    out: &mut Vec<RawEntry>,
) -> Result<(), ScanError> {
    let row_cells = |row: &BTreeMap<u32, String>| -> Vec<String> {
        let width = row.keys().next_back().map_or(0, |c| *c as usize + 1);
        let mut v = vec![String::new(); width];
        for (c, s) in row {
            if let Some(slot) = v.get_mut(*c as usize) {
                slot.clone_from(s);
            }
        }
        v
    };
    let mut header: Option<(u32, Header)> = None;
    for (r, row) in grid.iter().take(HEADER_SEARCH_ROWS) {
        if let Some(h) = Header::detect(&row_cells(row), region) {
            header = Some((*r, h));
            break;
        }
    }
    for (r, row) in grid {
        if header.as_ref().is_some_and(|(hr, _)| r <= hr) {
            continue;
        }
        let location = Location::Row {
            sheet: sheet.to_owned(),
            row: r.saturating_add(1),
        };
        let cells = row_cells(row);
        let entry = match &header {
            Some((_, h)) => h.entry(&cells, &location, region),
            None => headerless_entry(&cells, &location, region),
        };
        if let Some(e) = entry {
            check_entry_cap(out.len())?;
            out.push(e);
        }
    }
    Ok(())
}

/// What the pre-scan of an `.ods` `content.xml` learns about one sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OdsSheet {
    name: String,
    merges: Vec<Merge>,
}

/// Value of attribute `name` in a start tag's text.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(name) {
        let at = from + i;
        let before_ok = at == 0 || tag.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = &tag[at + name.len()..];
        if before_ok {
            if let Some(rest) = rest.trim_start().strip_prefix('=') {
                let rest = rest.trim_start();
                let q = rest.chars().next()?;
                if q == '"' || q == '\'' {
                    let body = &rest[1..];
                    return body.find(q).map(|end| &body[..end]);
                }
            }
        }
        from = at + name.len();
    }
    None
}

fn count_attr(tag: &str, name: &str, cap: u64) -> u64 {
    attr(tag, name)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .clamp(1, cap)
}

/// Walks `content.xml`: the sheets, their merged regions, and how many cells each would expand
/// to once repeats are applied.
fn ods_layout(xml: &[u8]) -> Result<Vec<OdsSheet>, ScanError> {
    const ROWS: u64 = 1_048_576;
    const COLS: u64 = 16_384;
    let text = String::from_utf8_lossy(xml);
    let s: &str = &text;
    let mut sheets: Vec<OdsSheet> = Vec::new();
    // Per sheet: current row, end of the last row with a value, widest row with a value.
    let (mut row, mut last_end, mut widest) = (0u64, 0u64, 0u64);
    // Per row: repeats, current column, extent of values.
    let (mut row_rep, mut col, mut extent, mut row_has_value) = (1u64, 0u64, 0u64, false);
    let check = |name: &str, last_end: u64, widest: u64| {
        let cells = last_end.saturating_mul(widest);
        if cells > MAX_SHEET_CELLS {
            Err(ScanError::SpreadsheetTooLarge(format!(
                "sheet {name:?} expands to about {cells} cells"
            )))
        } else {
            Ok(())
        }
    };
    let mut pos = 0usize;
    while let Some(i) = s[pos..].find('<') {
        let start = pos + i;
        let rest = &s[start + 1..];
        if rest.starts_with("!--") {
            pos = rest.find("-->").map_or(s.len(), |e| start + 1 + e + 3);
            continue;
        }
        // The tag runs to the first `>` outside quotes.
        let mut quote: Option<char> = None;
        let mut end = None;
        for (j, c) in rest.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (None, '"' | '\'') => quote = Some(c),
                (None, '>') => {
                    end = Some(j);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        let tag = &rest[..end];
        pos = start + 1 + end + 1;
        let closing = tag.starts_with('/');
        let self_closing = tag.ends_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        match (name, closing) {
            ("table:table", false) => {
                if let Some(prev) = sheets.last() {
                    check(&prev.name, last_end, widest)?;
                }
                sheets.push(OdsSheet {
                    name: attr(tag, "table:name").unwrap_or("").to_owned(),
                    merges: Vec::new(),
                });
                (row, last_end, widest) = (0, 0, 0);
            }
            ("table:table-row", false) => {
                row_rep = count_attr(tag, "table:number-rows-repeated", ROWS);
                (col, extent, row_has_value) = (0, 0, false);
                if self_closing {
                    row = row.saturating_add(row_rep);
                }
            }
            ("table:table-row", true) => {
                if row_has_value {
                    last_end = row.saturating_add(row_rep);
                    widest = widest.max(extent);
                }
                row = row.saturating_add(row_rep);
            }
            ("table:table-cell" | "table:covered-table-cell", false) => {
                let rep = count_attr(tag, "table:number-columns-repeated", COLS);
                let has_value = !self_closing || attr(tag, "office:value-type").is_some();
                if name == "table:table-cell" {
                    let rs = count_attr(tag, "table:number-rows-spanned", ROWS);
                    let cs = count_attr(tag, "table:number-columns-spanned", COLS);
                    if rs > 1 || cs > 1 {
                        if let Some(sheet) = sheets.last_mut() {
                            let u = |x: u64| {
                                u32::try_from(x.min(u64::from(u32::MAX))).unwrap_or(u32::MAX)
                            };
                            sheet
                                .merges
                                .push((u(row), u(col), u(row + rs - 1), u(col + cs - 1)));
                        }
                    }
                }
                col = col.saturating_add(rep);
                if has_value {
                    row_has_value = true;
                    extent = col;
                }
            }
            _ => {}
        }
        // A row repeated a million times that holds values expands at once: stop early.
        if row_has_value {
            let name = sheets.last().map_or("", |s| s.name.as_str());
            check(name, row.saturating_add(row_rep), widest.max(extent))?;
        }
    }
    if let Some(prev) = sheets.last() {
        check(&prev.name, last_end, widest)?;
    }
    Ok(sheets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ods_layout_counts_repeats_and_merges() {
        let xml = br#"<office:document-content><office:body><office:spreadsheet>
<table:table table:name="Contacts"><table:table-column/>
<table:table-row><table:table-cell office:value-type="string" table:number-rows-spanned="2"><text:p>DingTalk</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="30012345"><text:p>30012345</text:p></table:table-cell></table:table-row>
<table:table-row><table:covered-table-cell/><table:table-cell table:number-columns-repeated="3"/></table:table-row>
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#;
        let sheets = ods_layout(xml).unwrap();
        assert_eq!(sheets.len(), 1);
        assert_eq!(sheets[0].name, "Contacts");
        assert_eq!(sheets[0].merges, vec![(0, 0, 1, 0)]);

        let bomb = br#"<table:table table:name="B"><table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#;
        assert!(matches!(
            ods_layout(bomb),
            Err(ScanError::SpreadsheetTooLarge(_))
        ));
    }

    #[test]
    fn merges_spread_over_rows_with_data() {
        let mut g = Grid::new();
        g.entry(1).or_default().insert(0, "DingTalk 客服".into());
        g.entry(1).or_default().insert(1, "30012345".into());
        g.entry(2).or_default().insert(1, "30019876".into());
        g.entry(3).or_default().insert(1, "91234567".into());
        let mut cells = 4;
        spread_merges(&mut g, &[(1, 0, 2, 0)], &mut cells).unwrap();
        assert_eq!(g[&2][&0], "DingTalk 客服");
        assert!(!g[&3].contains_key(&0));
    }
}
