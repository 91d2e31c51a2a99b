//! Files shaped like real exports, bad files, cleaned copies, evidence.

use super::*;

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
        // The same scan and copy from one reading of the file.
        let (once, copy) = scan_with_copy(name, bytes, ctx, |s| s.flagged > 0).unwrap();
        assert_eq!(once, s);
        assert_eq!(copy.map(Result::unwrap), (s.flagged > 0).then(|| c.clone()));
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
    let (scan, copy) = with_ctx(|ctx| {
        scan_with_copy("shared.xlsx", &fixture("shared.xlsx"), ctx, |_| true).unwrap()
    });
    assert_eq!(scan.format, Format::Xlsx);
    assert!(matches!(
        copy,
        Some(Err(ScanError::CleanCopyUnsupported(Format::Xlsx)))
    ));
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
