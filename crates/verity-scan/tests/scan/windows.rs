//! Files from Windows tools: CRLF line ends, UTF-16 LE and BE with a byte-order mark, Excel's
//! "Unicode Text" (tab-delimited, saved as `.txt`), Outlook's vCards saved as Unicode.

use super::*;

/// `text` in UTF-16 with a BOM, little- or big-endian.
fn utf16_bom(text: &str, little: bool) -> Vec<u8> {
    let mut out = if little {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for u in text.encode_utf16() {
        out.extend_from_slice(&if little {
            u.to_le_bytes()
        } else {
            u.to_be_bytes()
        });
    }
    out
}

/// UTF-16 LE with a BOM, decoded.
fn from_utf16le_bom(bytes: &[u8]) -> String {
    assert_eq!(&bytes[..2], b"\xFF\xFE");
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

#[test]
fn excel_unicode_text_saved_as_txt_is_read_as_a_table() {
    let bytes = fixture("excel-unicode.txt");
    let s = scan("contacts.txt", &bytes).unwrap();
    assert_eq!(s.format, Format::Csv);
    assert_eq!(s.encoding, Some(TextEncoding::Utf16LeBom));
    // Four rows (the quoted note's line break is inside its cell), the row after the quoted
    // note on line 5.
    assert_eq!(s.entries, 4);
    assert_eq!(
        summary(&s),
        vec![
            row("line 2", "+85229998888", PLATFORM),
            row("line 5", "+85262349999", PLATFORM),
            row("line 6", "+85230012345", BLOCK),
        ]
    );
    // The same file under the name Excel offers for it in other locales, or none: a table too.
    for name in ["UNICODE TEXT.TXT", "export"] {
        let t = scan(name, &bytes).unwrap();
        assert_eq!(
            (t.format, summary(&t)),
            (Format::Csv, summary(&s)),
            "{name}"
        );
    }
}

#[test]
fn pasted_messages_in_a_txt_stay_messages_even_with_tabs() {
    // A chat copied from a Windows client: CRLF, a tab after the time, no table header.
    let chat = "10:21\tAlice: Anyone knows how to reach DingTalk?\r\n\
                10:22\tBob: I found 釘釘香港客服熱線\r\n\
                10:22\tBob: 3001 2345, they answered fast\r\n\
                10:30\tDave: DingTalk lunch? call me on 9123 4567\r\n";
    let s = scan("chat.txt", &utf16_bom(chat, true)).unwrap();
    assert_eq!(s.format, Format::Text);
    assert_eq!(
        summary(&s),
        vec![row("line 3", "+85230012345", BLOCK)],
        "Dave's line names the platform without a support word: a message, not a contact"
    );
}

#[test]
fn outlook_vcard_in_utf16le_with_crlf() {
    let bytes = fixture("outlook-utf16.vcf");
    let s = scan("釘釘客服.vcf", &bytes).unwrap();
    assert_eq!(s.format, Format::VCard);
    assert_eq!(s.encoding, Some(TextEncoding::Utf16LeBom));
    assert_eq!(s.entries, 3);
    assert_eq!(
        summary(&s),
        vec![
            row("line 6", "+85229998888", PLATFORM),
            row("line 23", "+85230019876", BLOCK),
        ]
    );
    assert_eq!(s.findings[0].name.as_deref(), Some("釘釘客服"));
}

#[test]
fn utf16_and_crlf_read_as_their_utf8_and_lf_twins() {
    // Every text fixture, as Windows tools would write it: CRLF, then UTF-16 LE or BE with a
    // BOM. Same findings, same lines.
    for name in [
        "messages.txt",
        "google.csv",
        "ios.vcf",
        "android.vcf",
        "v4.vcf",
    ] {
        let text = String::from_utf8(fixture(name)).unwrap();
        let lf = text.replace("\r\n", "\n");
        let crlf = lf.replace('\n', "\r\n");
        let want = summary(&scan(name, lf.as_bytes()).unwrap());
        assert!(!want.is_empty(), "{name}");
        for (bytes, encoding) in [
            (crlf.as_bytes().to_vec(), TextEncoding::Utf8),
            (utf16_bom(&crlf, true), TextEncoding::Utf16LeBom),
            (utf16_bom(&crlf, false), TextEncoding::Utf16BeBom),
        ] {
            let s = scan(name, &bytes).unwrap();
            assert_eq!(s.encoding, Some(encoding), "{name}");
            assert_eq!(summary(&s), want, "{name} in {encoding:?}");
        }
    }
}

#[test]
fn cleaned_copies_keep_the_bom_and_crlf() {
    for name in ["excel-unicode.txt", "outlook-utf16.vcf"] {
        let bytes = fixture(name);
        let (s, copy) = with_ctx(|ctx| scan_with_copy(name, &bytes, ctx, |_| true).unwrap());
        let copy = copy.unwrap().unwrap();
        assert_eq!(copy.removed, s.flagged, "{name}");
        assert_eq!(copy.kept + copy.removed, s.entries, "{name}");
        let kept = from_utf16le_bom(&copy.bytes);
        let original = from_utf16le_bom(&bytes);
        // Whole lines left out, every line ending kept as it was.
        assert!(!kept.replace("\r\n", "").contains('\r'), "{name}");
        assert!(kept.ends_with("\r\n"), "{name}");
        let lines: Vec<&str> = original.split_inclusive("\r\n").collect();
        for line in kept.split_inclusive("\r\n") {
            assert!(lines.contains(&line), "{name}: {line:?}");
        }
        // The copy scans clean.
        let again = scan(name, &copy.bytes).unwrap();
        assert_eq!(again.flagged, 0, "{name}");
        assert_eq!(again.encoding, Some(TextEncoding::Utf16LeBom), "{name}");
    }
}
