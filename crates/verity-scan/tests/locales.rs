//! Every scanner code (finding reasons, formats, error codes) is worded in every language
//! (`locales/<lang>/checklist.json`, where the checklist's step 1 words them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::BTreeMap;

use verity_scan::{FindingReason, Format};

const FILES: [(&str, &str); 4] = [
    ("en", include_str!("../../../locales/en/checklist.json")),
    (
        "zh-HK",
        include_str!("../../../locales/zh-HK/checklist.json"),
    ),
    (
        "zh-CN",
        include_str!("../../../locales/zh-CN/checklist.json"),
    ),
    ("ar", include_str!("../../../locales/ar/checklist.json")),
];

fn required() -> Vec<String> {
    let mut k = Vec::new();
    k.extend(
        FindingReason::ALL
            .iter()
            .map(|r| format!("scan.reason.{r}")),
    );
    k.extend(Format::ALL.iter().map(|f| format!("scan.format.{f}")));
    // Every `ScanError::code()`.
    for code in [
        "empty",
        "too_large",
        "binary",
        "encoding",
        "truncated",
        "malformed",
        "unsupported",
        "too_many_entries",
        "spreadsheet_too_large",
        "spreadsheet",
        "blocklist_unavailable",
        "clean_copy_unsupported",
    ] {
        k.push(format!("scan.error.{code}"));
    }
    k
}

#[test]
fn every_scanner_code_is_worded_in_every_language() {
    for (lang, file) in FILES {
        let map: BTreeMap<String, String> = serde_json::from_str(file).unwrap();
        for key in required() {
            let v = map.get(&key).map_or("", String::as_str);
            assert!(!v.trim().is_empty(), "{lang}/checklist.json lacks {key}");
        }
    }
}
