//! The history of recent checks in a real SQLite file: newest first, bounded, one row per thing
//! checked, and a clear that leaves no trace of the rows in the database or its WAL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use verity_check::history::{CheckSource, HistoryRecord};
use verity_check::verdict::{CheckKind, Verdict};
use verity_core::Timestamp;
use verity_store::{Store, DATABASE_FILE, MAX_HISTORY};

fn phone(e164: &str, verdict: Verdict) -> HistoryRecord {
    HistoryRecord {
        source: CheckSource::Screen,
        kind: CheckKind::Phone,
        verdict,
        items: vec![e164.to_owned()],
        item_count: 1,
    }
}

/// The bytes of the database file and its WAL.
fn file_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = std::fs::read(dir.join(DATABASE_FILE)).unwrap();
    if let Ok(wal) = std::fs::read(dir.join(format!("{DATABASE_FILE}-wal"))) {
        bytes.extend(wal);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn checks_are_listed_newest_first_with_what_was_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    assert!(store.check_history().unwrap().is_empty());
    store
        .record_check(&phone("+85230012345", Verdict::Scam), Timestamp(100))
        .unwrap();
    let link = HistoryRecord {
        source: CheckSource::Clipboard,
        kind: CheckKind::Url,
        verdict: Verdict::Suspicious,
        items: vec!["http://dingtalk-hk.com/login".into()],
        item_count: 1,
    };
    store.record_check(&link, Timestamp(200)).unwrap();
    let message = HistoryRecord {
        source: CheckSource::Screen,
        kind: CheckKind::Text,
        verdict: Verdict::Scam,
        items: vec!["+85230012345".into(), "http://dingtalk-hk.com/login".into()],
        item_count: 12,
    };
    store.record_check(&message, Timestamp(300)).unwrap();

    // Another connection (as verityctl or a restarted app) reads the same rows.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let list = store.check_history().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].kind, CheckKind::Text);
    assert_eq!(list[0].items, message.items);
    assert_eq!(list[0].item_count, 12);
    assert_eq!(list[1].source, CheckSource::Clipboard);
    assert_eq!(list[1].verdict, Verdict::Suspicious);
    assert_eq!(list[1].checked_at, Timestamp(200));
    assert_eq!(list[2].items, vec!["+85230012345"]);
    assert_eq!(store.check_history_len().unwrap(), 3);
}

#[test]
fn checking_the_same_thing_again_moves_it_to_the_top() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store
        .record_check(&phone("+85291234567", Verdict::NoRecord), Timestamp(1))
        .unwrap();
    store
        .record_check(&phone("+85230012345", Verdict::Scam), Timestamp(2))
        .unwrap();
    // The feed listed it meanwhile: the new verdict and time replace the old row.
    store
        .record_check(&phone("+85291234567", Verdict::Scam), Timestamp(3))
        .unwrap();
    let list = store.check_history().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].items, vec!["+85291234567"]);
    assert_eq!(list[0].verdict, Verdict::Scam);
    assert_eq!(list[0].checked_at, Timestamp(3));
    assert_eq!(list[1].items, vec!["+85230012345"]);
}

#[test]
fn only_the_newest_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    for i in 0..MAX_HISTORY + 7 {
        store
            .record_check(
                &phone(&format!("+8529{i:07}"), Verdict::NoRecord),
                Timestamp(i64::from(i)),
            )
            .unwrap();
    }
    let list = store.check_history().unwrap();
    assert_eq!(list.len(), MAX_HISTORY as usize);
    assert_eq!(store.check_history_len().unwrap(), MAX_HISTORY);
    assert_eq!(list[0].items, vec![format!("+8529{:07}", MAX_HISTORY + 6)]);
    assert_eq!(
        list.last().unwrap().items,
        vec![format!("+8529{:07}", 7)],
        "the 7 oldest went"
    );
}

#[test]
fn clearing_leaves_no_trace_in_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    // Numbers that appear nowhere else in the database (not in the sample list).
    let marks = ["+85298765432", "+85251237654"];
    for (i, m) in marks.iter().enumerate() {
        store
            .record_check(&phone(m, Verdict::NoRecord), Timestamp(i as i64))
            .unwrap();
    }
    // The rows are in the files (the WAL, or the database after a checkpoint): the search below
    // can find them.
    let before = file_bytes(dir.path());
    for m in marks {
        assert!(
            contains(&before, m),
            "{m} should be on disk before clearing"
        );
    }

    assert_eq!(store.clear_check_history().unwrap(), 2);
    assert!(store.check_history().unwrap().is_empty());
    let after = file_bytes(dir.path());
    for m in marks {
        assert!(!contains(&after, m), "{m} is still on disk after clearing");
    }
    // Other tables are untouched and the store keeps working.
    assert!(store.blocklist_summary().unwrap().entries > 0);
    store
        .record_check(&phone("+85291234567", Verdict::NoRecord), Timestamp(9))
        .unwrap();
    assert_eq!(store.check_history_len().unwrap(), 1);
    assert_eq!(store.clear_check_history().unwrap(), 1);
    assert_eq!(store.clear_check_history().unwrap(), 0);
}

#[test]
fn clearing_works_while_another_process_has_the_store_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = Store::open(dir.path()).unwrap();
    let ctl = Store::open(dir.path()).unwrap();
    app.record_check(&phone("+85298765432", Verdict::NoRecord), Timestamp(1))
        .unwrap();
    assert_eq!(ctl.check_history_len().unwrap(), 1);
    assert_eq!(app.clear_check_history().unwrap(), 1);
    assert_eq!(ctl.check_history_len().unwrap(), 0);
    assert!(!contains(&file_bytes(dir.path()), "+85298765432"));
}

#[test]
fn a_reader_during_clear_only_delays_the_wal_until_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store
        .record_check(&phone("+85298765432", Verdict::NoRecord), Timestamp(1))
        .unwrap();
    // Another process is in the middle of a read when the history is cleared.
    let reader = rusqlite::Connection::open_with_flags(
        dir.path().join(DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let n: i64 = reader
        .query_row("SELECT count(*) FROM check_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(store.clear_check_history().unwrap(), 1);
    assert!(store.check_history().unwrap().is_empty());
    // The old page is still in the WAL: the reader's snapshot needs it.
    assert!(contains(&file_bytes(dir.path()), "+85298765432"));
    reader.execute_batch("COMMIT").unwrap();
    // The next write empties the WAL.
    store
        .record_check(&phone("+85291234567", Verdict::NoRecord), Timestamp(2))
        .unwrap();
    assert!(!contains(&file_bytes(dir.path()), "+85298765432"));
    assert_eq!(store.check_history_len().unwrap(), 1);
}
