//! The saved-number scanner on files shaped like real exports, bad files, and cleaned copies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::BTreeSet;
use std::io::Write;

use verity_core::blocklist::{BlocklistEntry, BlocklistIndex, Category, EntryKind};
use verity_core::check::CheckContext;
use verity_core::official::OfficialDirectory;
use verity_core::phone::Region;
use verity_core::scan::sheet::{
    MAX_CELLS, MAX_DECODED_BYTES, MAX_MERGES, MAX_MERGE_WORK, MAX_SHARED_STRINGS,
};
use verity_core::scan::{
    clean_copy, evidence, scan_file, FileScan, Format, Limit, Location, ScanError, TextEncoding,
    MAX_ENTRIES, MAX_FILE_BYTES, MAX_TEXT_BYTES,
};
use verity_core::Timestamp;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/scan/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The store's sample list (made-up numbers, reserved domains).
fn index() -> BlocklistIndex {
    let e = |kind, raw: &str| {
        BlocklistEntry::new(
            kind,
            raw,
            Category::FakeSupport,
            Some("sample".into()),
            Some("test".into()),
            Timestamp(1),
            Region::HK,
        )
        .unwrap()
    };
    BlocklistIndex::build(vec![
        e(EntryKind::Phone, "+85230012345"),
        e(EntryKind::Phone, "+85230019876"),
        e(EntryKind::Phone, "+85263001234"),
        e(EntryKind::Domain, "dingtalk-upgrade.example.com"),
        e(EntryKind::Domain, "dingtalk-hk-support.example.net"),
        e(EntryKind::Url, "pay.example.net/dingtalk/upgrade"),
    ])
}

fn with_ctx<T>(f: impl FnOnce(&CheckContext<'_>) -> T) -> T {
    let idx = index();
    let official = OfficialDirectory::dingtalk_default();
    let ctx = CheckContext {
        index: &idx,
        official: &official,
        default_region: Region::HK,
    };
    f(&ctx)
}

fn scan(name: &str, bytes: &[u8]) -> Result<FileScan, ScanError> {
    with_ctx(|ctx| scan_file(name, bytes, ctx))
}

/// (location, E.164 or raw number or link, reason) of each finding.
fn summary(s: &FileScan) -> Vec<(String, String, &'static str)> {
    s.findings
        .iter()
        .map(|f| {
            let what = f
                .normalized
                .clone()
                .or_else(|| f.number.clone())
                .or_else(|| f.link.clone())
                .unwrap_or_default();
            (f.location.to_string(), what, f.reason.as_str())
        })
        .collect()
}

const BLOCK: &str = "on_blocklist";
const LINK: &str = "link_on_blocklist";
const PLATFORM: &str = "presented_as_platform_support";
const SERVICE: &str = "presented_as_customer_service";

fn row(l: &str, n: &str, r: &'static str) -> (String, String, &'static str) {
    (l.to_owned(), n.to_owned(), r)
}

#[test]
fn ios_vcard_3() {
    let s = scan("ios.vcf", &fixture("ios.vcf")).unwrap();
    assert_eq!(
        (s.format, s.encoding),
        (Format::VCard, Some(TextEncoding::Utf8))
    );
    assert_eq!((s.entries, s.flagged), (6, 4));
    assert_eq!(
        summary(&s),
        vec![
            row("line 14", "+85230012345", BLOCK),
            row("line 22", "+85223456789", PLATFORM),
            row("line 30", "+85261234567", PLATFORM),
            row("line 40", "https://dingtalk-upgrade.example.com/pay", LINK),
        ]
    );
    assert_eq!(s.findings[0].name.as_deref(), Some("DingTalk HK Support"));
    assert_eq!(s.findings[0].cue.as_deref(), Some("dingtalk + support"));
    assert_eq!(s.findings[0].matches[0].value, "+85230012345");
    assert_eq!(s.findings[1].name.as_deref(), Some("釘釘客服熱線"));
    // Wong Mei's home number (2890 1234) has no support label: only the labelled one is flagged.
    assert_eq!(s.findings[2].name.as_deref(), Some("Wong Mei"));
}

#[test]
fn android_vcard_2_1_quoted_printable() {
    let s = scan("contacts.vcf", &fixture("android.vcf")).unwrap();
    assert_eq!((s.entries, s.flagged), (4, 3));
    assert_eq!(
        summary(&s),
        vec![
            row("line 5", "+85263001234", BLOCK),
            row("line 6", "+85221112222", PLATFORM),
            // Flagged through a quoted-printable note broken in the middle of 客.
            row("line 18", "+85254321098", PLATFORM),
            // Android's custom label: TEL;TYPE=X-DingTalk hotline.
            row("line 26", "+85225550000", PLATFORM),
        ]
    );
    assert_eq!(s.findings[0].name.as_deref(), Some("钉钉官方客服"));
    assert_eq!(s.findings[2].cue.as_deref(), Some("釘釘 + 客服"));
}

#[test]
fn outlook_and_v4_vcards() {
    let s = scan("outlook.vcf", &fixture("outlook.vcf")).unwrap();
    assert_eq!((s.entries, s.flagged), (2, 1));
    assert_eq!(summary(&s), vec![row("line 6", "+85230019876", BLOCK)]);
    let s = scan("v4.vcf", &fixture("v4.vcf")).unwrap();
    assert_eq!(summary(&s), vec![row("line 4", "+85229876543", PLATFORM)]);
    assert_eq!(s.findings[0].number.as_deref(), Some("tel:+852-2987-6543"));
}

#[test]
fn google_csv() {
    let s = scan("google.csv", &fixture("google.csv")).unwrap();
    assert_eq!(s.format, Format::Csv);
    assert_eq!((s.entries, s.flagged), (6, 4));
    assert_eq!(
        summary(&s),
        vec![
            row("line 3", "+85223456789", PLATFORM),
            row("line 3", "+85230012345", BLOCK),
            row("line 4", "+85262345678", PLATFORM),
            row("line 5", "+85259876543", PLATFORM),
            row("line 6", "http://pay.example.net/dingtalk/upgrade", LINK),
        ]
    );
    assert_eq!(s.findings[0].name.as_deref(), Some("DingTalk 客服"));
}

#[test]
fn outlook_csv_semicolons_bom_and_a_multi_line_note() {
    let s = scan("outlook.csv", &fixture("outlook.csv")).unwrap();
    assert_eq!(s.encoding, Some(TextEncoding::Utf8Bom));
    assert_eq!((s.entries, s.flagged), (3, 1));
    assert_eq!(summary(&s), vec![row("line 3", "+85226667777", PLATFORM)]);
    assert_eq!(
        s.findings[0].name.as_deref(),
        Some("DingTalk Customer Care")
    );
}

#[test]
fn utf16_csv_with_chinese_headers() {
    let bytes = fixture("utf16.csv");
    let s = scan("utf16.csv", &bytes).unwrap();
    assert_eq!(s.encoding, Some(TextEncoding::Utf16LeBom));
    assert_eq!(
        summary(&s),
        vec![
            row("line 2", "+85230012345", BLOCK),
            row("line 4", "+85229998888", SERVICE),
        ]
    );
    // The same table in UTF-16 BE, and without a name that says CSV.
    let text = String::from_utf16(
        &bytes[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let mut be = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        be.extend_from_slice(&u.to_be_bytes());
    }
    let s2 = scan("export", &be).unwrap();
    assert_eq!(s2.encoding, Some(TextEncoding::Utf16BeBom));
    assert_eq!(s2.format, Format::Csv);
    assert_eq!(summary(&s2), summary(&s));
}

#[test]
fn pasted_group_chat() {
    let s = scan("messages.txt", &fixture("messages.txt")).unwrap();
    assert_eq!(s.format, Format::Text);
    assert_eq!(s.entries, 4);
    assert_eq!(
        summary(&s),
        vec![
            row("line 3", "+85230012345", BLOCK),
            row("line 7", "+85262349999", PLATFORM),
            row("line 8", "http://dingtalk-upgrade.example.com/pay", LINK),
        ]
    );
    // Dave's number after "Contact Support in the app" is not flagged.
    assert!(!s
        .findings
        .iter()
        .any(|f| f.normalized.as_deref() == Some("+85291234567")));
}

#[test]
fn xlsx_with_merged_cells_and_numeric_cells() {
    let s = scan("shared.xlsx", &fixture("shared.xlsx")).unwrap();
    assert_eq!((s.format, s.encoding), (Format::Xlsx, None));
    assert_eq!(s.entries, 7);
    assert_eq!(
        summary(&s),
        vec![
            // The merged "DingTalk 客服" category covers rows 3 to 5.
            row("Hotlines, row 3", "3456 7890", PLATFORM),
            row("Hotlines, row 4", "+85230012345", BLOCK),
            row("Hotlines, row 5", "+85224681357", PLATFORM),
            // A number stored as a number (85263001234), country code and all.
            row("Hotlines, row 7", "+85263001234", BLOCK),
            row("Sheet2, row 1", "+85230019876", BLOCK),
        ]
    );
    assert_eq!(
        s.findings[0].location,
        Location::Row {
            sheet: "Hotlines".into(),
            row: 3
        }
    );
    // An unreadable number presented as support is still flagged, without E.164.
    assert_eq!(s.findings[0].normalized, None);
    assert_eq!(s.findings[2].cue.as_deref(), Some("dingtalk + 客服"));
}

#[test]
fn ods_with_merged_cells() {
    let s = scan("shared.ods", &fixture("shared.ods")).unwrap();
    assert_eq!(s.format, Format::Ods);
    assert_eq!(
        summary(&s),
        vec![
            row("联系人, row 2", "+85221880123", PLATFORM),
            row("联系人, row 3", "+85230019876", BLOCK),
        ]
    );
}

#[test]
fn bad_files_get_specific_errors() {
    let err = |name: &str, bytes: &[u8]| scan(name, bytes).unwrap_err();
    assert!(matches!(err("a.vcf", b""), ScanError::Empty));
    assert!(matches!(err("a.txt", b"  \n\n"), ScanError::Empty));
    assert!(matches!(
        err("a.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        ScanError::Binary(_)
    ));
    let noise: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(matches!(err("contacts.csv", &noise), ScanError::Binary(_)));
    assert!(matches!(
        err("x.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"),
        ScanError::Unsupported(_)
    ));

    // Truncated: a spreadsheet cut in half, a vCard without END, odd UTF-16.
    let xlsx = fixture("shared.xlsx");
    let e = err("shared.xlsx", &xlsx[..xlsx.len() / 2]);
    assert!(matches!(e, ScanError::Truncated(_)), "{e}");
    assert_eq!(e.code(), "truncated");
    let vcf = fixture("ios.vcf");
    let e = err("ios.vcf", &vcf[..vcf.len() - 40]);
    assert!(matches!(e, ScanError::Truncated(_)), "{e}");
    assert!(e.to_string().contains("line 43"), "{e}");
    let u16 = fixture("utf16.csv");
    assert!(matches!(
        err("u.csv", &u16[..u16.len() - 1]),
        ScanError::Truncated(_)
    ));
    assert!(matches!(
        err("a.xlsx", b"not a zip at all"),
        ScanError::Truncated(_)
    ));

    // A ZIP that is no spreadsheet.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("readme.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"hello").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert!(matches!(err("a.zip", &bytes), ScanError::Unsupported(_)));

    // Oversized: refused before anything is parsed.
    let big = vec![b'a'; usize::try_from(MAX_FILE_BYTES).unwrap() + 1];
    assert!(matches!(err("big.txt", &big), ScanError::TooLarge { .. }));
}

#[test]
fn an_ods_bomb_is_refused_before_it_expands() {
    // One cell repeated across 16384 columns and a million rows: a few hundred bytes that
    // would expand to billions of cells.
    let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="B"><table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>DingTalk 30012345</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("mimetype", opts).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("content.xml", opts).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let e = scan("bomb.ods", &bytes).unwrap_err();
    assert!(matches!(e, ScanError::OverLimit(Limit::Cells)), "{e}");
    assert_eq!(e.code(), "spreadsheet_too_large");
    assert!(e.to_string().contains("MAX_CELLS"), "{e}");
}

#[test]
fn too_many_entries_is_an_error_not_a_crash() {
    let card = "BEGIN:VCARD\nVERSION:3.0\nFN:x\nEND:VCARD\n";
    let text = card.repeat(100_001);
    let e = scan("many.vcf", text.as_bytes()).unwrap_err();
    assert!(matches!(e, ScanError::TooManyEntries { .. }), "{e}");
}

fn drop_flagged(name: &str, bytes: &[u8]) -> (FileScan, Vec<u8>, u32) {
    with_ctx(|ctx| {
        let s = scan_file(name, bytes, ctx).unwrap();
        let c = clean_copy(name, bytes, &s.flagged_entries(), ctx).unwrap();
        assert_eq!(c.removed + c.kept, s.entries);
        (s, c.bytes, c.removed)
    })
}

#[test]
fn clean_copies_keep_everything_else_byte_for_byte() {
    for name in [
        "ios.vcf",
        "android.vcf",
        "outlook.vcf",
        "google.csv",
        "outlook.csv",
        "utf16.csv",
        "messages.txt",
    ] {
        let bytes = fixture(name);
        let (s, cleaned, removed) = drop_flagged(name, &bytes);
        assert_eq!(removed, s.flagged, "{name}");
        // Nothing flagged is left, the rest is all there.
        let again = scan(name, &cleaned).unwrap();
        assert_eq!(again.flagged, 0, "{name}: {:?}", again.findings);
        assert_eq!(again.entries, s.entries - s.flagged, "{name}");
        assert_eq!(again.encoding, s.encoding, "{name}");
        // Dropping nothing gives the original bytes back.
        let same = with_ctx(|ctx| clean_copy(name, &bytes, &BTreeSet::new(), ctx).unwrap());
        assert_eq!(same.bytes, bytes, "{name}");
    }
    let (_, cleaned, _) = drop_flagged("ios.vcf", &fixture("ios.vcf"));
    let text = String::from_utf8(cleaned).unwrap();
    assert!(text.contains("FN:Chan Tai Man\r\n") && text.contains("FN:Ho Ka Yan\r\n"));
    assert!(!text.contains("DingTalk HK Support"));
    assert_eq!(
        text.matches("BEGIN:VCARD").count(),
        text.matches("END:VCARD").count()
    );

    let e = with_ctx(|ctx| {
        clean_copy(
            "shared.xlsx",
            &fixture("shared.xlsx"),
            &BTreeSet::new(),
            ctx,
        )
        .unwrap_err()
    });
    assert!(matches!(e, ScanError::CleanCopyUnsupported(Format::Xlsx)));
}

#[test]
fn evidence_is_counts_only() {
    let scans = vec![
        scan("ios.vcf", &fixture("ios.vcf")).unwrap(),
        scan("google.csv", &fixture("google.csv")).unwrap(),
    ];
    let e = evidence(&scans, 0);
    assert_eq!((e.files, e.entries, e.flagged, e.removed), (2, 12, 8, 0));
    let json = serde_json::to_string(&e).unwrap();
    assert_eq!(json, r#"{"files":2,"entries":12,"flagged":8,"removed":0}"#);
}

#[test]
fn findings_serialise_with_the_contract_fields() {
    let s = scan("ios.vcf", &fixture("ios.vcf")).unwrap();
    let v = serde_json::to_value(&s.findings[0]).unwrap();
    assert_eq!(v["file"], "ios.vcf");
    assert_eq!(
        v["location"],
        serde_json::json!({"kind": "line", "line": 14})
    );
    assert_eq!(v["name"], "DingTalk HK Support");
    assert_eq!(v["number"], "+852 3001 2345");
    assert_eq!(v["reason"], "on_blocklist");
}

// ---- Hostile spreadsheets and text, built in memory ----

/// A ZIP of `members`, stored or deflated.
fn zip_of(members: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, body) in members {
        z.start_file(*name, opts).unwrap();
        z.write_all(body).unwrap();
    }
    z.finish().unwrap().into_inner()
}

const XLSX_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;

const XLSX_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const XLSX_WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>"#;

const XLSX_WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// A one-sheet `.xlsx`: `rows` is the inside of `<sheetData>`, `after` what follows it
/// (`<mergeCells>`), `shared` the inside of `<sst>`.
fn xlsx(rows: &str, after: &str, shared: &str, unique: usize) -> Vec<u8> {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData>{after}</worksheet>"#
    );
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{unique}">{shared}</sst>"#
    );
    xlsx_with_sheet(sheet.as_bytes(), sst.as_bytes())
}

/// A one-sheet `.xlsx` around the sheet's and the shared strings' XML.
fn xlsx_with_sheet(sheet: &[u8], sst: &[u8]) -> Vec<u8> {
    let types = XLSX_TYPES;
    let rels = XLSX_RELS;
    let workbook = XLSX_WORKBOOK;
    let wb_rels = XLSX_WORKBOOK_RELS;
    zip_of(
        &[
            ("[Content_Types].xml", types.as_bytes()),
            ("_rels/.rels", rels.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", sst),
        ],
        true,
    )
}

/// An `.ods` whose spreadsheet body is `tables`.
fn ods(tables: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
    );
    ods_content(content.as_bytes())
}

/// An `.ods` around its `content.xml`.
fn ods_content(content: &[u8]) -> Vec<u8> {
    zip_of(
        &[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", content),
        ],
        true,
    )
}

/// Excel's column letters (0 → A, 26 → AA).
fn col(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + u8::try_from(c % 26).unwrap());
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

fn over(e: &ScanError) -> Option<Limit> {
    match e {
        ScanError::OverLimit(l) => Some(*l),
        _ => None,
    }
}

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
