//! The saved-number scanner on files shaped like real exports, bad files, and cleaned copies
//! (`exports`), hostile spreadsheets and text built in memory (`files` builds them, `hostile`),
//! and files from Windows tools (`windows`: CRLF, UTF-16 with a BOM, tabs).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::BTreeSet;
use std::io::Write;

mod exports;
mod files;
mod hostile;
mod windows;

use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};

use verity_check::check::CheckContext;
use verity_check::lookup::BlocklistIndex;
use verity_check::official::OfficialDirectory;
use verity_core::phone::Region;
use verity_core::Timestamp;
use verity_scan::sheet::{
    MAX_CELLS, MAX_DECODED_BYTES, MAX_MERGES, MAX_MERGE_WORK, MAX_SHARED_STRINGS,
};
use verity_scan::{
    clean_copy, evidence, scan_file, scan_with_copy, FileScan, Format, Limit, Location, ScanError,
    TextEncoding, MAX_ENTRIES, MAX_FILE_BYTES, MAX_TEXT_BYTES,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
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
