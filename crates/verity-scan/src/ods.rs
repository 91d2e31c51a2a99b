//! `.ods` spreadsheets: `content.xml` read as a stream with `quick-xml`, every sheet's rows and
//! cells with their repeats and merged regions, charged to the file's [`Budget`] as it goes.
//! `calamine` expands `.ods` repeats into a dense grid, and clones every repeated value, before
//! its caller can count anything, so `.ods` files are read here instead: a cell repeated across
//! columns (`table:number-columns-repeated`) in a row repeated down
//! (`table:number-rows-repeated`) is charged columns × rows before anything is copied,
//! `<text:s text:c="…"/>` (a run of spaces) is charged before the spaces are written, and empty
//! repeats cost nothing. The container is checked first, and merges are spread, in
//! [`crate::sheet`].

use quick_xml::events::{BytesStart, Event};

use crate::sheet::{
    damaged, float_text, spread_merges, Budget, Grid, Merge, MAX_COLUMNS, MAX_ROWS, ROW_BYTES,
};
use crate::{Limit, ScanError};

/// One sheet of an `.ods` as read.
struct OdsSheet {
    name: String,
    grid: Grid,
    merges: Vec<Merge>,
}

fn xml_error(e: &quick_xml::Error) -> ScanError {
    ScanError::Spreadsheet(format!("content.xml: {e}"))
}

/// An attribute's value, entities resolved.
fn attr_value(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_or_else(|_| a.value.to_string(), std::borrow::Cow::into_owned)
        })
}

/// A count attribute (repeats, spans, spaces): at least 1, saturating; unreadable counts 1.
fn count_attr(e: &BytesStart<'_>, key: &str) -> u64 {
    attr_value(e, key)
        .and_then(|v| {
            let v = v.trim();
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(v.bytes().fold(0u64, |n, d| {
                n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
            }))
        })
        .unwrap_or(1)
        .max(1)
}

fn clamp_u32(x: u64) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// Reads `content.xml`: every sheet (`table:table` in the body), its rows and cells with their
/// repeats, and merged regions (`table:number-rows-spanned`, `…-columns-spanned`). Charged to
/// `budget` as it goes: nothing is expanded before it is counted.
pub(crate) fn read_ods(xml: &[u8], budget: &mut Budget) -> Result<Vec<(String, Grid)>, ScanError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut sheets: Vec<OdsSheet> = Vec::new();
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(&e))?
        {
            Event::Start(e) if e.name().as_ref() == "table:table" => {
                let name = attr_value(&e, "table:name").unwrap_or_default();
                let mut sheet = OdsSheet {
                    name,
                    grid: Grid::new(),
                    merges: Vec::new(),
                };
                read_ods_table(&mut reader, &mut sheet, budget)?;
                sheets.push(sheet);
            }
            Event::Empty(e) if e.name().as_ref() == "table:table" => {
                sheets.push(OdsSheet {
                    name: attr_value(&e, "table:name").unwrap_or_default(),
                    grid: Grid::new(),
                    merges: Vec::new(),
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut out = Vec::new();
    for mut s in sheets {
        spread_merges(&mut s.grid, &s.merges, budget)?;
        out.push((s.name, s.grid));
    }
    Ok(out)
}

type XmlReader<'a> = quick_xml::Reader<&'a [u8]>;

/// Reads one sheet, up to its end tag.
fn read_ods_table(
    reader: &mut XmlReader<'_>,
    sheet: &mut OdsSheet,
    budget: &mut Budget,
) -> Result<(), ScanError> {
    let mut buf = Vec::new();
    let mut row = 0u64;
    let mut depth = 0usize;
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(&e))?
        {
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                let rep = count_attr(&e, "table:number-rows-repeated");
                read_ods_row(reader, sheet, row, rep, budget)?;
                row = row.saturating_add(rep);
            }
            Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(count_attr(&e, "table:number-rows-repeated"));
            }
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => return Ok(()),
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(damaged()),
            _ => {}
        }
    }
}

/// Reads one row (repeated `rep` times from `row`), up to its end tag.
fn read_ods_row(
    reader: &mut XmlReader<'_>,
    sheet: &mut OdsSheet,
    row: u64,
    rep: u64,
    budget: &mut Budget,
) -> Result<(), ScanError> {
    let mut buf = Vec::new();
    let mut col = 0u64;
    // Rows past the grid's end are read but not kept.
    let rows = rep.min(MAX_ROWS.saturating_sub(row));
    // The row's filled cells: first column, repeats, text.
    let mut cells: Vec<(u64, u64, String)> = Vec::new();
    let mut depth = 0usize;
    loop {
        buf.clear();
        let (e, open) = match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(&e))?
        {
            Event::Start(e) => (e, true),
            Event::Empty(e) => (e, false),
            Event::End(_) if depth == 0 => break,
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            Event::Eof => return Err(damaged()),
            _ => continue,
        };
        let name = e.name();
        let is_cell = name.as_ref() == "table:table-cell";
        if !(is_cell || name.as_ref() == "table:covered-table-cell") {
            if open {
                depth += 1;
            }
            continue;
        }
        let cols = count_attr(&e, "table:number-columns-repeated");
        if is_cell {
            let rs = count_attr(&e, "table:number-rows-spanned");
            let cs = count_attr(&e, "table:number-columns-spanned");
            if (rs > 1 || cs > 1) && row < MAX_ROWS && col < MAX_COLUMNS {
                budget.merges(1)?;
                sheet.merges.push((
                    clamp_u32(row),
                    clamp_u32(col),
                    clamp_u32(row.saturating_add(rs - 1).min(MAX_ROWS - 1)),
                    clamp_u32(col.saturating_add(cs - 1).min(MAX_COLUMNS - 1)),
                ));
            }
        }
        let value_type = attr_value(&e, "office:value-type");
        let string_value = attr_value(&e, "office:string-value");
        let number = attr_value(&e, "office:value");
        let e = e.into_owned();
        let keep = value_type.as_deref() == Some("string") && string_value.is_none();
        let content = if open {
            read_ods_cell_text(reader, &e, keep, budget)?
        } else {
            String::new()
        };
        let text = match value_type.as_deref() {
            Some("string") => string_value.unwrap_or(content),
            Some("float" | "percentage" | "currency") | None => number
                .and_then(|n| n.trim().parse::<f64>().ok())
                .and_then(float_text)
                .unwrap_or_default(),
            _ => String::new(),
        };
        if !text.trim().is_empty() && col < MAX_COLUMNS && rows > 0 {
            // Charged for every copy (columns × rows) before any is made.
            let n = cols.min(MAX_COLUMNS - col);
            budget.cells(rows.saturating_mul(n), text.len())?;
            cells.push((col, n, text));
        }
        col = col.saturating_add(cols);
    }
    if cells.is_empty() {
        return Ok(()); // an empty row, repeated or not, costs nothing
    }
    let new_rows = usize::try_from(rows).unwrap_or(usize::MAX);
    budget.text(new_rows.saturating_mul(ROW_BYTES))?;
    for r in row..row + rows {
        let grid_row = sheet.grid.entry(clamp_u32(r)).or_default();
        for (c0, n, text) in &cells {
            for c in *c0..*c0 + *n {
                grid_row.insert(clamp_u32(c), text.clone());
            }
        }
    }
    Ok(())
}

/// The text of a cell (paragraphs on lines, `text:s` spaces, tabs, line breaks; annotations
/// left out), up to the cell's end tag. Only kept for string cells; it may not grow past what
/// is left of the budget's text.
fn read_ods_cell_text(
    reader: &mut XmlReader<'_>,
    cell: &BytesStart<'_>,
    keep: bool,
    budget: &Budget,
) -> Result<String, ScanError> {
    let mut buf = Vec::new();
    let mut text = String::new();
    if !keep {
        reader
            .read_to_end_into(cell.name(), &mut buf)
            .map_err(|e| xml_error(&e))?;
        return Ok(text);
    }
    let room = budget.text_room();
    let fits = |text: &String, more: u64| {
        usize::try_from(more)
            .ok()
            .and_then(|m| text.len().checked_add(m))
            .is_some_and(|n| n <= room)
    };
    let mut depth = 0usize;
    let mut paragraphs = 0usize;
    loop {
        buf.clear();
        let (e, open) = match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(&e))?
        {
            Event::Text(t) => {
                let t = t.xml10_content();
                if !fits(&text, t.len() as u64) {
                    return Err(ScanError::OverLimit(Limit::DecodedBytes));
                }
                text.push_str(&t);
                continue;
            }
            Event::CData(t) => {
                let t: &str = &t;
                if !fits(&text, t.len() as u64) {
                    return Err(ScanError::OverLimit(Limit::DecodedBytes));
                }
                text.push_str(t);
                continue;
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => quick_xml::escape::resolve_predefined_entity(&r)
                        .and_then(|s| s.chars().next()),
                };
                if let Some(c) = c {
                    if !fits(&text, 4) {
                        return Err(ScanError::OverLimit(Limit::DecodedBytes));
                    }
                    text.push(c);
                }
                continue;
            }
            Event::Start(e) => (e, true),
            Event::Empty(e) => (e, false),
            Event::End(_) if depth == 0 => return Ok(text),
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            Event::Eof => return Err(damaged()),
            _ => continue,
        };
        let (add, count): (Option<char>, u64) = match e.name().as_ref() {
            "office:annotation" => {
                if open {
                    let e = e.into_owned();
                    reader
                        .read_to_end_into(e.name(), &mut Vec::new())
                        .map_err(|e| xml_error(&e))?;
                }
                continue;
            }
            "text:p" | "text:h" => {
                paragraphs += 1;
                (Some('\n'), u64::from(paragraphs > 1))
            }
            "text:s" => (Some(' '), count_attr(&e, "text:c")),
            "text:tab" => (Some('\t'), 1),
            "text:line-break" => (Some('\n'), 1),
            _ => (None, 0),
        };
        if open {
            depth += 1;
        }
        if let Some(c) = add {
            if !fits(&text, count) {
                return Err(ScanError::OverLimit(Limit::DecodedBytes));
            }
            let n = usize::try_from(count).unwrap_or(0);
            text.extend(std::iter::repeat_n(c, n));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ods_reads_repeats_merges_and_text() {
        let xml = r#"<office:document-content><office:body><office:spreadsheet>
<table:table table:name="Contacts"><table:table-column/>
<table:table-row><table:table-cell office:value-type="string" table:number-rows-spanned="2"><text:p>Ding<text:s text:c="2"/>Talk &amp; co</text:p><text:p>客服</text:p><office:annotation><text:p>not this</text:p></office:annotation></table:table-cell><table:table-cell office:value-type="float" office:value="30012345"><text:p>30012345</text:p></table:table-cell></table:table-row>
<table:table-row><table:covered-table-cell/><table:table-cell table:number-columns-repeated="3"/><table:table-cell office:value-type="string" office:string-value="x"/></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell/><table:table-cell office:value-type="string" table:number-columns-repeated="2"><text:p>r</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table><table:table table:name="Empty"/></office:spreadsheet></office:body></office:document-content>"#;
        let mut budget = Budget::default();
        let sheets = read_ods(xml.as_bytes(), &mut budget).unwrap();
        assert_eq!(sheets.len(), 2);
        let (name, grid) = &sheets[0];
        assert_eq!(name, "Contacts");
        assert_eq!(grid[&0][&0], "Ding  Talk & co\n客服");
        assert_eq!(grid[&0][&1], "30012345");
        // The merge spread the name over row 1's first cell.
        assert_eq!(grid[&1][&0], grid[&0][&0]);
        assert_eq!(grid[&1][&4], "x");
        assert_eq!((grid[&2][&1].as_str(), grid[&3][&2].as_str()), ("r", "r"));
        assert_eq!(grid.len(), 4);
        assert_eq!(budget.cells, 2 + 1 + 4 + 1);
        assert_eq!(sheets[1].0, "Empty");
    }

    #[test]
    fn ods_repeats_are_charged_before_they_expand() {
        let bomb = br#"<table:table table:name="B"><table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#;
        let e = read_ods(bomb, &mut Budget::default()).unwrap_err();
        assert!(matches!(e, ScanError::OverLimit(Limit::Cells)), "{e}");
        let spaces = br#"<table:table table:name="B"><table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="18446744073709551615"/></text:p></table:table-cell></table:table-row></table:table>"#;
        let e = read_ods(spaces, &mut Budget::default()).unwrap_err();
        assert!(
            matches!(e, ScanError::OverLimit(Limit::DecodedBytes)),
            "{e}"
        );
    }
}
