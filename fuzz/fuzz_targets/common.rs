//! What the scanner targets share: one check context, and spreadsheets built around XML.
#![allow(dead_code)]

use std::io::Write;
use std::sync::OnceLock;

use verity_check::lookup::BlocklistIndex;
use verity_check::check::CheckContext;
use verity_check::official::OfficialDirectory;
use verity_core::phone::Region;
use verity_scan::scan_file;

/// Scans `bytes` as a file named `name`: any error is fine, a panic or a blow-up is not.
pub fn scan(name: &str, bytes: &[u8]) {
    static INDEX: OnceLock<BlocklistIndex> = OnceLock::new();
    static OFFICIAL: OnceLock<OfficialDirectory> = OnceLock::new();
    let ctx = CheckContext {
        index: INDEX.get_or_init(|| BlocklistIndex::build(Vec::new())),
        official: OFFICIAL.get_or_init(OfficialDirectory::dingtalk_default),
        default_region: Region::HK,
    };
    let _ = scan_file(name, bytes, &ctx);
}

/// A ZIP of `members`, stored (not compressed: the fuzzer's bytes reach the XML as they are).
pub fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in members {
        if z.start_file(*name, opts).is_err() || z.write_all(body).is_err() {
            return Vec::new();
        }
    }
    z.finish().map(|c| c.into_inner()).unwrap_or_default()
}

pub const XLSX_CONTENT_TYPES: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
pub const XLSX_RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
pub const XLSX_WORKBOOK: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
pub const XLSX_WORKBOOK_RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// A one-sheet `.xlsx` around the sheet's XML and the shared strings' XML.
pub fn xlsx(sheet: &[u8], shared_strings: &[u8]) -> Vec<u8> {
    zip(&[
        ("[Content_Types].xml", XLSX_CONTENT_TYPES),
        ("_rels/.rels", XLSX_RELS),
        ("xl/workbook.xml", XLSX_WORKBOOK),
        ("xl/_rels/workbook.xml.rels", XLSX_WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", shared_strings),
    ])
}

/// An `.ods` around its `content.xml`.
pub fn ods(content: &[u8]) -> Vec<u8> {
    zip(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content),
    ])
}
