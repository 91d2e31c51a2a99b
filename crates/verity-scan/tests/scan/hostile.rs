//! Hostile spreadsheets and text: every limit refuses, nothing blows up.

use super::files::*;
use super::*;

#[test]
fn limits_are_named_in_their_errors() {
    for l in [
        Limit::TextBytes,
        Limit::DecodedBytes,
        Limit::Cells,
        Limit::MergedRanges,
        Limit::MergeWork,
        Limit::SharedStrings,
    ] {
        let e = ScanError::OverLimit(l);
        let m = e.to_string();
        assert!(m.contains(l.name()), "{m}");
        let figure = if matches!(l, Limit::TextBytes | Limit::DecodedBytes) {
            l.max() / (1024 * 1024)
        } else {
            l.max()
        };
        assert!(m.contains(&figure.to_string()), "{m}");
    }
    assert_eq!(
        ScanError::OverLimit(Limit::DecodedBytes).to_string(),
        "the file is too large to read safely: the spreadsheet expands to more than 128 MiB of \
         text (shared strings, repeats and merges applied; rows count too) (limit \
         MAX_DECODED_BYTES); split it and scan the parts"
    );
    assert_eq!(ScanError::OverLimit(Limit::TextBytes).code(), "too_large");
    assert_eq!(
        ScanError::OverLimit(Limit::MergeWork).code(),
        "spreadsheet_too_large"
    );
    assert_eq!(Limit::Cells.max(), MAX_CELLS as u64);
    assert_eq!(Limit::SharedStrings.max(), MAX_SHARED_STRINGS as u64);
}

#[test]
fn an_xlsx_shared_string_named_by_every_cell_is_refused() {
    // One 1 MiB shared string, named by 200 cells: 200 MiB of cells from a file of about 1 MiB
    // (a few KiB once deflated). Refused after at most MAX_DECODED_BYTES have been copied.
    let big = "DingTalk 客服 ".repeat(1 << 20 >> 4);
    let shared = format!("<si><t>{big}</t></si>");
    let rows: String = (1..=200)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    let file = xlsx(&rows, "", &shared, 1);
    assert!(file.len() < 100_000, "{}", file.len());
    let e = scan("shared.xlsx", &file).unwrap_err();
    assert_eq!(over(&e), Some(Limit::DecodedBytes), "{e}");
    assert!(e.to_string().contains("MAX_DECODED_BYTES"), "{e}");
    // 10 cells naming it still fit.
    let rows: String = (1..=10)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c><c r="B{r}"><v>3001234{}</v></c></row>"#, r % 10))
        .collect();
    let s = scan("shared.xlsx", &xlsx(&rows, "", &shared, 1)).unwrap();
    assert_eq!(s.entries, 10);
    const { assert!(MAX_DECODED_BYTES < 200 << 20) };
}

#[test]
fn an_xlsx_announcing_a_huge_shared_strings_table_is_refused() {
    // calamine reserves room for `uniqueCount` strings before reading one.
    let e = scan(
        "count.xlsx",
        &xlsx("", "", "<si><t>x</t></si>", 1_000_000_000_000),
    )
    .unwrap_err();
    assert_eq!(over(&e), Some(Limit::SharedStrings), "{e}");
}

#[test]
fn ods_repeated_rows_and_columns_are_refused_by_cells_and_by_text() {
    // Rows repeated AND columns repeated: 2 000 × 16 384 cells from one cell element.
    let cells = r#"<table:table table:name="B"><table:table-row table:number-rows-repeated="2000"><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#;
    let e = scan("rep.ods", &ods(cells)).unwrap_err();
    assert_eq!(over(&e), Some(Limit::Cells), "{e}");
    // Fewer cells (200 × 1 000) of 4 KiB each: 800 MiB of text.
    let text = format!(
        r#"<table:table table:name="B"><table:table-row table:number-rows-repeated="200"><table:table-cell office:value-type="string" table:number-columns-repeated="1000"><text:p>{}</text:p></table:table-cell></table:table-row></table:table>"#,
        "x".repeat(4096)
    );
    let e = scan("rep.ods", &ods(&text)).unwrap_err();
    assert_eq!(over(&e), Some(Limit::DecodedBytes), "{e}");
    // A run of spaces (`text:s`) as long as it likes, in one cell.
    let spaces = r#"<table:table table:name="B"><table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="4000000000"/>b</text:p></table:table-cell></table:table-row></table:table>"#;
    let e = scan("spaces.ods", &ods(spaces)).unwrap_err();
    assert_eq!(over(&e), Some(Limit::DecodedBytes), "{e}");
    // Repeat counts written as character references are read as the numbers they are.
    let escaped = r#"<table:table table:name="B"><table:table-row table:number-rows-repeated="&#49;000000"><table:table-cell office:value-type="string" table:number-columns-repeated="1000"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#;
    let e = scan("esc.ods", &ods(escaped)).unwrap_err();
    assert_eq!(over(&e), Some(Limit::Cells), "{e}");
    // The same sheets split by nested tables inside a cell still add up (one budget a file).
    let sheet = |n: usize| {
        format!(
            r#"<table:table table:name="S{n}"><table:table-row table:number-rows-repeated="1000"><table:table-cell office:value-type="string" table:number-columns-repeated="1000"><text:p>x</text:p></table:table-cell><table:table-cell><table:table><table:table-row/></table:table></table:table-cell></table:table-row></table:table>"#
        )
    };
    let many: String = (0..3).map(sheet).collect();
    let e = scan("many.ods", &ods(&many)).unwrap_err();
    assert_eq!(over(&e), Some(Limit::Cells), "{e}");
    // Empty repeats cost nothing: a whole empty grid below real rows is fine.
    let empty = r#"<table:table table:name="B"><table:table-row><table:table-cell office:value-type="string"><text:p>DingTalk 客服</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="30012345"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>"#;
    let s = scan("empty.ods", &ods(empty)).unwrap();
    assert_eq!((s.entries, s.flagged), (1, 1));
}

#[test]
fn many_large_merged_ranges_are_refused_by_count_and_by_work() {
    // A 2 000 × 10 table and 200 ranges each covering all of it: every range visits 20 000
    // cells although it writes none (the cells are filled): 4.4 million cells of work.
    let rows: String = (1..=2000)
        .map(|r| {
            let cells: String = (0..10)
                .map(|c| format!(r#"<c r="{}{r}"><v>{}</v></c>"#, col(c), r * 10 + c))
                .collect();
            format!(r#"<row r="{r}">{cells}</row>"#)
        })
        .collect();
    let merges = |n: usize, range: &str| {
        let m: String = (0..n)
            .map(|_| format!(r#"<mergeCell ref="{range}"/>"#))
            .collect();
        format!(r#"<mergeCells count="{n}">{m}</mergeCells>"#)
    };
    let e = scan("merge.xlsx", &xlsx(&rows, &merges(200, "A1:J2000"), "", 0)).unwrap_err();
    assert_eq!(over(&e), Some(Limit::MergeWork), "{e}");
    const { assert!(200 * (2000 + 20_000) > MAX_MERGE_WORK) };
    // 150 of them fit.
    assert!(scan("merge.xlsx", &xlsx(&rows, &merges(150, "A1:J2000"), "", 0)).is_ok());
    // More ranges than MAX_MERGES, however small.
    let e = scan(
        "merges.xlsx",
        &xlsx(&rows, &merges(MAX_MERGES + 1, "A1:B1"), "", 0),
    )
    .unwrap_err();
    assert_eq!(over(&e), Some(Limit::MergedRanges), "{e}");
    // In an .ods too: a spanned cell per row.
    let spans: String = (0..=MAX_MERGES)
        .map(|_| r#"<table:table-row><table:table-cell table:number-rows-spanned="2"/></table:table-row>"#)
        .collect();
    let e = scan(
        "spans.ods",
        &ods(&format!(
            r#"<table:table table:name="M">{spans}</table:table>"#
        )),
    )
    .unwrap_err();
    assert_eq!(over(&e), Some(Limit::MergedRanges), "{e}");
    // A merge spreading a long value over many empty cells writes them against the budget.
    let wide: String = (1..=1000)
        .map(|r| {
            format!(
                r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c><c r="XFD{r}"><v>1</v></c></row>"#
            )
        })
        .collect();
    let shared = format!("<si><t>{}</t></si>", "y".repeat(64));
    let e = scan(
        "wide.xlsx",
        &xlsx(&wide, &merges(1, "A1:XFD1000"), &shared, 1),
    )
    .unwrap_err();
    assert_eq!(over(&e), Some(Limit::Cells), "{e}");
}

#[test]
fn a_vcard_folded_a_million_times_reads_in_one_pass() {
    // A property whose name and parameters never end (no `:`), folded ~350 000 times: the
    // quoted-printable test used to re-read the whole line (up to 256 KiB) at every fold.
    let mut v = String::from("BEGIN:VCARD\r\nVERSION:2.1\r\nTEL;X-");
    for _ in 0..350_000 {
        v.push_str("\r\n a");
    }
    v.push_str("\r\nFN;ENCODING=QUOTED-PRINTABLE:DingTalk=\r\n");
    // ... and a quoted-printable value with 300 000 soft line breaks.
    for _ in 0..300_000 {
        v.push_str("=E5=\r\n");
    }
    v.push_str("\r\nTEL:3001 2345\r\nEND:VCARD\r\n");
    assert!(v.len() > 3_000_000);
    let s = scan("folds.vcf", v.as_bytes()).unwrap();
    assert_eq!((s.entries, s.numbers), (1, 1));
    // Many NOTE lines in one card are joined in place, not copied at each line.
    let mut v = String::from("BEGIN:VCARD\nVERSION:3.0\nFN:A\nTEL:3001 2345\n");
    for _ in 0..200_000 {
        v.push_str("NOTE:x\nCATEGORIES:a,b,c\n");
    }
    v.push_str("END:VCARD\n");
    let s = scan("notes.vcf", v.as_bytes()).unwrap();
    assert_eq!(s.entries, 1);
}

#[test]
fn a_wide_csv_reads_in_one_pass() {
    // 60 000 note columns and phone-label groups: joining notes and finding a group's label
    // used to cost the row's width at each cell.
    let n = 60_000;
    let mut header: Vec<String> = vec!["Name".into()];
    let mut row: Vec<String> = vec!["DingTalk".into()];
    for i in 0..n {
        header.push(if i % 2 == 0 {
            "Notes".into()
        } else {
            format!("Phone {i} - Label")
        });
        row.push("x".into());
    }
    header.push(format!("Phone {} - Value", n - 1));
    row.push("3001 2345".into());
    let mut csv = format!("{}\n{}\n", header.join(","), row.join(","));
    // And many short rows under the wide header: each costs its own width, not the header's.
    for _ in 0..50_000 {
        csv.push_str("x\n");
    }
    let s = scan("wide.csv", csv.as_bytes()).unwrap();
    assert_eq!((s.entries, s.flagged), (1, 1));
}

#[test]
fn text_that_decodes_past_the_limit_is_refused() {
    // 40 MiB of Windows-1252 "€" (0x80): 120 MiB once decoded to UTF-8.
    let bytes = vec![0x80u8; 40 << 20];
    let e = scan("euro.txt", &bytes).unwrap_err();
    assert!(
        matches!(
            e,
            ScanError::OverLimit(Limit::TextBytes) | ScanError::Binary(_)
        ),
        "{e}"
    );
    let mut bytes = b"Name,Phone\nA,3001 2345\n".to_vec();
    bytes.extend(std::iter::repeat_n(0x80u8, 40 << 20));
    let e = scan("euro.csv", &bytes).unwrap_err();
    assert_eq!(over(&e), Some(Limit::TextBytes), "{e}");
    assert_eq!(e.code(), "too_large");
    assert!(MAX_TEXT_BYTES >= usize::try_from(MAX_FILE_BYTES).unwrap());
}

#[test]
fn a_realistic_100k_contact_export_still_scans() {
    // 100 000 contacts as an Outlook-like export: name, company, two numbers, labels, a note;
    // each name a shared string (100 000 of them), as Excel writes it.
    let n = 100_000usize;
    assert_eq!(n, MAX_ENTRIES);
    let header = [
        "Name",
        "Company",
        "Mobile Phone",
        "Business Phone",
        "Categories",
        "Notes",
    ];
    let mut shared: String = header
        .iter()
        .map(|h| format!("<si><t>{h}</t></si>"))
        .collect();
    let mut rows = String::from(r#"<row r="1">"#);
    for (c, _) in header.iter().enumerate() {
        rows.push_str(&format!(r#"<c r="{}1" t="s"><v>{c}</v></c>"#, col(c)));
    }
    rows.push_str("</row>");
    for i in 0..n - 1 {
        let r = i + 2;
        shared.push_str(&format!("<si><t>Person {i}</t></si>"));
        let name = if i % 1000 == 0 {
            "DingTalk Support".to_owned()
        } else {
            format!("Person {i}")
        };
        rows.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{name}</t></is></c><c r="B{r}" t="inlineStr"><is><t>Example Ltd</t></is></c><c r="C{r}"><v>9{:07}</v></c><c r="D{r}" t="inlineStr"><is><t>2{:07}</t></is></c><c r="E{r}" t="inlineStr"><is><t>Work, Friends</t></is></c><c r="F{r}" t="inlineStr"><is><t>met at event {i}</t></is></c></row>"#,
            (i * 7919) % 10_000_000,
            (i * 104_729) % 10_000_000,
        ));
    }
    let file = xlsx(
        &rows,
        r#"<mergeCells count="1"><mergeCell ref="B2:B1000"/></mergeCells>"#,
        &shared,
        n + 5,
    );
    let s = scan("big.xlsx", &file).unwrap();
    assert_eq!(s.entries as usize, n - 1);
    assert!(s.flagged >= 99, "{}", s.flagged);

    // The same as an .ods, rows written one by one.
    let mut table = String::from(r#"<table:table table:name="Contacts"><table:table-row>"#);
    for h in header {
        table.push_str(&format!(r#"<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>"#));
    }
    table.push_str("</table:table-row>");
    let cell = |t: &str| {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>"#
        )
    };
    for i in 0..n - 1 {
        let name = if i % 1000 == 0 {
            "DingTalk Support".to_owned()
        } else {
            format!("Person {i}")
        };
        table.push_str("<table:table-row>");
        table.push_str(&cell(&name));
        table.push_str(&cell("Example Ltd"));
        table.push_str(&format!(
            r#"<table:table-cell office:value-type="float" office:value="9{:07}"/>"#,
            (i * 7919) % 10_000_000
        ));
        table.push_str(&cell(&format!("2{:07}", (i * 104_729) % 10_000_000)));
        table.push_str(&cell("Work, Friends"));
        table.push_str(&cell(&format!("met at event {i}")));
        table.push_str("</table:table-row>");
    }
    table.push_str("</table:table>");
    let s = scan("big.ods", &ods(&table)).unwrap();
    assert_eq!(s.entries as usize, n - 1);
    assert!(s.flagged >= 99, "{}", s.flagged);
}

#[test]
fn xlsx_references_outside_the_grid_or_backwards_are_refused_not_a_panic() {
    // calamine subtracts a range's start from its end and multiplies column letters and row
    // digits in u32: a panic where overflow checks are on (tests, the debug app, the fuzzer).
    let cell = |r: &str| format!(r#"<row><c r="{r}"><v>1</v></c></row>"#);
    let merge = |m: &str| format!(r#"<mergeCells count="1"><mergeCell ref="{m}"/></mergeCells>"#);
    for (rows, after) in [
        (cell("A1"), merge("B2:A1")),
        (cell("A1"), merge("A2:B1")),
        (cell("A99999999999"), String::new()),
        (cell("ZZZZZZZZZZ1"), String::new()),
        (cell("A1048577"), String::new()),
        (
            r#"<row r="99999999999"><c><v>1</v></c></row>"#.to_owned(),
            String::new(),
        ),
    ] {
        let e = scan("refs.xlsx", &xlsx(&rows, &after, "", 0)).unwrap_err();
        assert!(
            matches!(e, ScanError::Spreadsheet(_)),
            "{rows} {after}: {e}"
        );
    }
    let dimension = r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="C3:A1"/><sheetData/></worksheet>"#;
    let e = scan(
        "dim.xlsx",
        &xlsx_with_sheet(dimension.as_bytes(), b"<sst/>"),
    )
    .unwrap_err();
    assert!(matches!(e, ScanError::Spreadsheet(_)), "{e}");
    // Found by the xlsx fuzz target (sheet XML, NUL, shared strings XML): a merged range given
    // backwards.
    let input = fixture("fuzz/xlsx-reversed-range.bin");
    let nul = input.iter().position(|b| *b == 0).unwrap_or(input.len());
    let (sheet, sst) = (&input[..nul], input.get(nul + 1..).unwrap_or(&[]));
    assert!(scan("fuzz.xlsx", &xlsx_with_sheet(sheet, sst)).is_err());
    // ... a 120-letter column name; 13 lower-case letters before a `.` (calamine multiplies
    // before it finds the `.` it refuses).
    for name in ["xlsx-long-column.bin", "xlsx-long-lowercase-column.bin"] {
        let input = fixture(&format!("fuzz/{name}"));
        let nul = input.iter().position(|b| *b == 0).unwrap_or(input.len());
        let (sheet, sst) = (&input[..nul], input.get(nul + 1..).unwrap_or(&[]));
        assert!(
            scan("fuzz.xlsx", &xlsx_with_sheet(sheet, sst)).is_err(),
            "{name}"
        );
    }
    let e = scan("refs.xlsx", &xlsx(&cell("abcdefghijklmn.1"), "", "", 0)).unwrap_err();
    assert!(matches!(e, ScanError::Spreadsheet(_)), "{e}");
    // In range and forwards is fine.
    let s = scan(
        "ok.xlsx",
        &xlsx(&cell("XFD1048576"), &merge("A1:B2"), "", 0),
    )
    .unwrap();
    assert_eq!(s.entries, 0);
}

#[test]
fn a_row_repeated_a_million_times_is_read_once() {
    // Found by the ods fuzz target (a 1.5 KB file took minutes under the sanitizer): a row of
    // filled cells repeated 1 048 572 times, within MAX_CELLS; each copy used to go through the
    // number parser again.
    // Its million rows are also charged 256 bytes each (a grid row's map), over
    // MAX_DECODED_BYTES: refused at once.
    let input = fixture("fuzz/ods-repeated-row.xml");
    let e = scan("slow.ods", &ods_content(&input)).unwrap_err();
    assert_eq!(over(&e), Some(Limit::DecodedBytes), "{e}");
    // Repeated rows without numbers: nothing, quickly.
    let rows = r#"<table:table table:name="R"><table:table-row table:number-rows-repeated="100000"><table:table-cell office:value-type="string"><text:p>lunch</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="string"><text:p>DingTalk 客服</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>3001 2345</text:p></table:table-cell></table:table-row></table:table>"#;
    let s = scan("rows.ods", &ods(rows)).unwrap();
    assert_eq!(s.entries, 1);
    assert_eq!(
        s.findings[0].location,
        Location::Row {
            sheet: "R".into(),
            row: 100_001
        }
    );
    // Repeated rows with a number: each its own entry, at its own row.
    let rows = r#"<table:table table:name="R"><table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="string"><text:p>DingTalk 客服</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>3001 2345</text:p></table:table-cell></table:table-row></table:table>"#;
    let s = scan("rows.ods", &ods(rows)).unwrap();
    assert_eq!(s.entries, 3);
    let rows: Vec<_> = s.findings.iter().map(|f| f.location.to_string()).collect();
    assert_eq!(rows, ["R, row 1", "R, row 2", "R, row 3"]);
}

#[test]
fn an_xlsx_naming_one_part_as_many_sheets_is_refused() {
    // calamine parses each sheet's part twice (merges, cells): one large part listed as 10 000
    // sheets would be parsed 20 000 times.
    let sheet = br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><v>30012345</v></c></row></sheetData></worksheet>"#;
    let rel = |id: &str| {
        format!(
            r#"<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#
        )
    };
    let book = |sheets: &[(&str, &str)]| {
        let list: String = sheets
            .iter()
            .enumerate()
            .map(|(i, (name, id))| {
                format!(r#"<sheet name="{name}" sheetId="{}" r:id="{id}"/>"#, i + 1)
            })
            .collect();
        format!(
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{list}</sheets></workbook>"#
        )
    };
    let file = |workbook: &str, rels: &str| {
        let rels = format!(
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
        );
        zip_of(
            &[
                ("[Content_Types].xml", XLSX_TYPES.as_bytes()),
                ("_rels/.rels", XLSX_RELS.as_bytes()),
                ("xl/workbook.xml", workbook.as_bytes()),
                ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
                ("xl/worksheets/sheet1.xml", sheet),
            ],
            true,
        )
    };
    // One relationship, two sheets.
    let e = scan(
        "twice.xlsx",
        &file(&book(&[("A", "rId1"), ("B", "rId1")]), &rel("rId1")),
    )
    .unwrap_err();
    assert!(matches!(e, ScanError::Spreadsheet(_)), "{e}");
    assert!(e.to_string().contains("same part"), "{e}");
    // Two relationships to one part.
    let rels = format!("{}{}", rel("rId1"), rel("rId2"));
    let e = scan(
        "twice.xlsx",
        &file(&book(&[("A", "rId1"), ("B", "rId2")]), &rels),
    )
    .unwrap_err();
    assert!(matches!(e, ScanError::Spreadsheet(_)), "{e}");
    // Two parts under one name: calamine finds sheets by name, so the second would be the first
    // read again; it is skipped.
    let rels = format!(
        "{}{}",
        rel("rId1"),
        rel("rId2").replace("sheet1.xml", "sheet2.xml")
    );
    let s = scan(
        "names.xlsx",
        &file(&book(&[("A", "rId1"), ("A", "rId2")]), &rels),
    )
    .unwrap();
    assert_eq!(s.entries, 1);
    // One sheet, one part: read.
    let s = scan("once.xlsx", &file(&book(&[("A", "rId1")]), &rel("rId1"))).unwrap();
    assert_eq!(s.entries, 1);
}
