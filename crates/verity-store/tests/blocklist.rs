//! The blocklist in a real SQLite file: sample seeding, all-or-nothing imports, the index
//! following changes made by another connection.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use verity_core::blocklist::{normalize_entry_value, BlocklistEntry, Category, EntryKind};
use verity_core::entry_csv;
use verity_core::phone::Region;
use verity_core::Timestamp;
use verity_store::{Origin, Store, SAMPLE_SOURCE};

const NOW: Timestamp = Timestamp(1_790_000_000);

fn entry(kind: EntryKind, raw: &str, category: Category) -> (BlocklistEntry, bool) {
    (
        BlocklistEntry::new(
            kind,
            raw,
            category,
            None,
            Some("test".into()),
            NOW,
            Region::HK,
        )
        .unwrap(),
        false,
    )
}

#[test]
fn a_fresh_store_has_the_labelled_sample_list_and_it_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let entries = store.blocklist_entries().unwrap();
    assert!(entries.len() >= 5);
    for e in &entries {
        assert_eq!(e.origin, Origin::Sample);
        assert_eq!(e.entry.source.as_deref(), Some(SAMPLE_SOURCE));
        assert!(e
            .entry
            .campaign
            .as_deref()
            .unwrap_or("")
            .starts_with("sample"));
        // Stored values are already normalised.
        let again = normalize_entry_value(e.entry.kind, &e.entry.value, Region::HK).unwrap();
        assert_eq!(
            again, e.entry.value,
            "sample entry {:?} is not normalised",
            e.entry
        );
    }
    let summary = store.blocklist_summary().unwrap();
    assert_eq!(summary.entries, entries.len() as i64);
    assert_eq!(summary.sample, summary.entries);
}

#[test]
fn the_sample_is_seeded_once_not_at_every_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let first = store.blocklist_entries().unwrap()[0].entry.clone();
    assert!(store.remove_entry(first.kind, &first.value).unwrap());
    let n = store.blocklist_summary().unwrap().entries;
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.blocklist_summary().unwrap().entries, n);
}

#[test]
fn import_adds_updates_and_keeps_the_first_date() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let a = entry(EntryKind::Phone, "9123 4567", Category::FakeSupport);
    let b = entry(EntryKind::Domain, "dingtalk-help.com", Category::Phishing);
    let r = store
        .import_entries(&[a.clone(), b.clone()], Origin::Import)
        .unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (2, 0, 0));

    let mut a2 = a.clone();
    a2.0.category = Category::FreezeThreat;
    a2.0.added = Timestamp(NOW.0 + 1000);
    let r = store.import_entries(&[a2, b], Origin::Import).unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (0, 1, 1));
    let stored = store
        .blocklist_entries()
        .unwrap()
        .into_iter()
        .find(|e| e.entry.value == "+85291234567")
        .unwrap();
    assert_eq!(stored.entry.category, Category::FreezeThreat);
    assert_eq!(
        stored.entry.added, NOW,
        "the date added is when it was first listed"
    );
}

#[test]
fn the_index_follows_changes_from_another_connection() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = Store::open(dir.path()).unwrap();
    let before = app.lookup_tables().unwrap().0.len();
    // verityctl, in another process, imports while the app holds its store open.
    let mut ctl = Store::open(dir.path()).unwrap();
    ctl.import_entries(
        &[entry(EntryKind::Phone, "+852 6123 4567", Category::Other)],
        Origin::Import,
    )
    .unwrap();
    let (index, _) = app.lookup_tables().unwrap();
    assert_eq!(index.len(), before + 1);
    assert!(index.contains_phone("+85261234567").unwrap());
}

#[test]
fn replacing_feed_entries_drops_the_sample_and_keeps_imports() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store
        .import_entries(
            &[entry(EntryKind::Phone, "+852 6123 4567", Category::Other)],
            Origin::Import,
        )
        .unwrap();
    store
        .replace_entries(
            &[entry(
                EntryKind::Domain,
                "dingtalk-pay.com",
                Category::FakeUpgrade,
            )],
            Origin::Feed,
        )
        .unwrap();
    let origins: Vec<Origin> = store
        .blocklist_entries()
        .unwrap()
        .iter()
        .map(|e| e.origin)
        .collect();
    assert_eq!(origins.len(), 2);
    assert!(origins.contains(&Origin::Import) && origins.contains(&Origin::Feed));
}

#[test]
fn a_bad_csv_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let before = store.blocklist_summary().unwrap();
    let csv = "kind,value,category,campaign,source\nphone,91234567,other,,\nphone,abc,other,,\n";
    let err = entry_csv::parse_entries(csv.as_bytes(), NOW, Region::HK).unwrap_err();
    assert!(err.to_string().contains("line 3"), "{err}");
    assert_eq!(store.blocklist_summary().unwrap(), before);
    let _ = &mut store;
}

#[test]
fn the_organisations_allowlist_is_kept_with_the_directory() {
    use verity_check::official::{KnownContact, KnownKind};
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    assert!(store.official_directory().unwrap().known.is_empty());
    let mut d = store.official_directory().unwrap();
    d.add_known(vec![
        KnownContact::new(KnownKind::Phone, "6123 4567", "Courier desk", Region::HK).unwrap(),
        KnownContact::new(KnownKind::Domain, "acme.example.com", "Acme", Region::HK).unwrap(),
    ])
    .unwrap();
    store.set_official_directory(&d, Origin::Feed, NOW).unwrap();
    drop(store);
    let mut store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.official_directory().unwrap(),
        d,
        "kept across a restart"
    );
    {
        let (_, official) = store.lookup_tables().unwrap();
        assert_eq!(official.known.len(), 2, "the checks see it");
    }

    // A directory whose allowlist does not check out is refused, and the stored one stays.
    let mut bad = d.clone();
    bad.known.push(bad.known[0].clone());
    let err = store
        .set_official_directory(&bad, Origin::Feed, NOW)
        .unwrap_err();
    assert!(err.to_string().contains("listed twice"), "{err}");
    assert_eq!(store.official_directory().unwrap(), d);

    // A row edited by hand: read as corrupt, naming the contact.
    drop(store);
    // A raw connection, as someone editing the file with the sqlite3 tool would have.
    let conn = rusqlite::Connection::open_with_flags(
        dir.path().join(verity_store::DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .unwrap();
    conn.execute(
        "UPDATE official_directory SET json = replace(json, '+85261234567', '61234567')",
        [],
    )
    .unwrap();
    drop(conn);
    let store = Store::open(dir.path()).unwrap();
    let err = store.official_directory().unwrap_err().to_string();
    assert!(
        err.contains("corrupt") && err.contains("known contact #1"),
        "{err}"
    );
}

#[test]
fn official_directory_defaults_then_persists() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let mut d = store.official_directory().unwrap();
    assert!(d.domains.contains(&"dingtalk.com".to_owned()));
    assert!(
        d.phones.is_empty(),
        "DingTalk publishes no Hong Kong support number"
    );
    d.domains.push("example-official.com".into());
    store.set_official_directory(&d, Origin::Feed, NOW).unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.official_directory().unwrap(), d);
}
