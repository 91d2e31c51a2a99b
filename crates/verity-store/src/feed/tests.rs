//! The feed list in the store: applying snapshots and deltas, the digest kept from the changes,
//! the index following them, the migrations, the sync state.

use super::entries::{canonical_cmp, feed_entries, feed_entry, kind_code};
use super::list_state::list_state;
use super::schema::{MIGRATION_FEED_BLOCK, MIGRATION_FEED_LIST};
use super::*;
use crate::error::Rejection;
use crate::{Origin, Store, StoreError};
use rusqlite::{params, Connection};
use std::hash::{Hash, Hasher};
use verity_check::official::OfficialDirectory;
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::list_sum::{ListDigest, ListSum};
use verity_core::Timestamp;

/// A stand-in for the feed's SHA-256 entry digest (the store only adds and subtracts).
struct TestDigest;

impl ListDigest for TestDigest {
    fn entry_digest(&self, e: &BlocklistEntry, alert: bool) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, chunk) in out.chunks_exact_mut(8).enumerate() {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (i, format!("{e:?}"), alert).hash(&mut h);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
        out
    }
}

fn e(kind: EntryKind, v: &str, alert: bool) -> (BlocklistEntry, bool) {
    (
        BlocklistEntry {
            kind,
            value: v.into(),
            category: Category::FakeSupport,
            campaign: None,
            source: Some("feed".into()),
            added: Timestamp(5),
        },
        alert,
    )
}

fn success(version: u64) -> FeedSuccess<'static> {
    FeedSuccess {
        url: "http://127.0.0.1/",
        version,
        checksum: "00",
        published: Timestamp(1),
        at: Timestamp(2),
        expires: Timestamp(3),
        min_wait: Some(60),
    }
}

fn ok(_: &ListSum, _: u64) -> Result<(), String> {
    Ok(())
}

/// The sum over the feed entries as stored, computed from scratch.
fn stored_sum(store: &Store) -> (ListSum, u64) {
    let mut sum = ListSum::default();
    let mut n = 0;
    for s in store.blocklist_entries().unwrap() {
        if s.origin == Origin::Feed {
            sum.add(&TestDigest.entry_digest(&s.entry, s.alert));
            n += 1;
        }
    }
    (sum, n)
}

fn update<'a>(
    mode: FeedMode,
    removals: &'a [(EntryKind, String)],
    upserts: &'a [(BlocklistEntry, bool)],
    version: u64,
) -> FeedUpdate<'a, (BlocklistEntry, bool)> {
    FeedUpdate {
        mode,
        removals,
        upserts,
        official: None,
        success: success(version),
        index: true,
    }
}

#[test]
fn snapshot_then_delta_then_a_rejected_delta_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    assert_eq!(store.feed_state().unwrap(), FeedState::default());
    let list = vec![
        e(EntryKind::Domain, "a.example", false),
        e(EntryKind::Phone, "+85230000001", true),
        e(EntryKind::Phone, "+85230000002", false),
    ];
    let up = update(FeedMode::Snapshot, &[], &list, 1);
    let mut checked = None;
    let r = store
        .apply_feed_update(&up, &TestDigest, |sum, n| {
            checked = Some((*sum, n));
            Ok(())
        })
        .unwrap();
    assert_eq!((r.added, r.updated, r.entries), (3, 0, 3));
    assert!(r.removed >= 5, "the sample list is dropped");
    assert_eq!(r.new_alerts.len(), 1);
    assert_eq!(store.blocklist_summary().unwrap().entries, 3);
    assert_eq!(checked, Some(stored_sum(&store)));
    assert_eq!(store.feed_list_sum().unwrap(), checked);
    let st = store.feed_state().unwrap();
    assert_eq!(st.version, Some(1));
    assert_eq!(st.min_wait, Some(60));

    let removals = vec![(EntryKind::Phone, "+85230000002".to_owned())];
    let ups = vec![
        e(EntryKind::Phone, "+85230000001", false),
        e(EntryKind::Url, "x.example/pay", true),
    ];
    let mut up = update(FeedMode::Delta, &removals, &ups, 2);
    let directory = OfficialDirectory::dingtalk_default();
    up.official = Some(&directory);
    let mut checked = None;
    let r = store
        .apply_feed_update(&up, &TestDigest, |sum, n| {
            checked = Some((*sum, n));
            Ok(())
        })
        .unwrap();
    assert_eq!((r.added, r.updated, r.removed, r.entries), (1, 1, 1, 3));
    assert_eq!(r.new_alerts[0].value, "x.example/pay");
    // The sum kept from the changes alone is the sum of the list as stored.
    assert_eq!(checked, Some(stored_sum(&store)));
    let values: Vec<String> = store
        .blocklist_entries()
        .unwrap()
        .into_iter()
        .map(|s| s.entry.value)
        .collect();
    assert_eq!(values, ["a.example", "+85230000001", "x.example/pay"]);

    let before = store.blocklist_entries().unwrap();
    let extra = [e(EntryKind::Phone, "+85230000009", true)];
    let up = update(FeedMode::Delta, &[], &extra, 3);
    let err = store
        .apply_feed_update(&up, &TestDigest, |_, _| Err("checksum mismatch".into()))
        .unwrap_err();
    assert!(matches!(err, StoreError::Rejected(_)));
    assert_eq!(store.blocklist_entries().unwrap(), before);
    assert_eq!(store.feed_state().unwrap().version, Some(2));
    assert_eq!(store.feed_list_sum().unwrap(), Some(stored_sum(&store)));
}

#[test]
fn a_snapshot_takes_over_imported_values_and_refuses_disorder() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let mut imported = e(EntryKind::Phone, "+85230000001", false);
    imported.0.added = Timestamp(99);
    store.import_entries(&[imported], Origin::Import).unwrap();
    let list = vec![e(EntryKind::Phone, "+85230000001", false)];
    let up = update(FeedMode::Snapshot, &[], &list, 1);
    store.apply_feed_update(&up, &TestDigest, ok).unwrap();
    let rows = store.blocklist_entries().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].origin, Origin::Feed);
    assert_eq!(rows[0].entry.added, Timestamp(5));

    let disordered = vec![
        e(EntryKind::Phone, "+85230000002", false),
        e(EntryKind::Phone, "+85230000001", false),
    ];
    let up = update(FeedMode::Snapshot, &[], &disordered, 2);
    assert!(matches!(
        store.apply_feed_update(&up, &TestDigest, ok),
        Err(StoreError::Rejected(_))
    ));
    let repeated = vec![
        e(EntryKind::Phone, "+85230000001", false),
        e(EntryKind::Phone, "+85230000001", true),
    ];
    let up = update(FeedMode::Snapshot, &[], &repeated, 2);
    assert!(matches!(
        store.apply_feed_update(&up, &TestDigest, ok),
        Err(StoreError::Rejected(_))
    ));
    assert_eq!(store.blocklist_entries().unwrap(), rows);
}

/// A snapshot is written in blocks of up to [`crate::feed_block::MAX_ENTRIES`] entries:
/// every entry comes back exactly, whichever block holds it, and a repeated key inside a
/// block is refused with nothing written.
#[test]
fn a_snapshot_of_several_batches_is_stored_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let n = 2 * crate::feed_block::MAX_ENTRIES + 3;
    let mut list: Vec<(BlocklistEntry, bool)> = (0..n)
        .map(|i| {
            let (kind, value) = match i % 3 {
                0 => (EntryKind::Phone, format!("+8523{i:07}")),
                1 => (EntryKind::Domain, format!("d{i}.example")),
                _ => (EntryKind::Url, format!("u{i}.example/pay/")),
            };
            let mut row = e(kind, &value, i % 7 == 0);
            row.0.category = [Category::Phishing, Category::Other][i % 2];
            row.0.campaign = (i % 5 != 0).then(|| format!("campaign {}", i % 4));
            row.0.source = (i % 11 != 0).then(|| format!("source {}", i % 3));
            row.0.added = Timestamp(1_000 + i64::try_from(i).unwrap());
            row
        })
        .collect();
    list.sort_by(|a, b| canonical_cmp((a.0.kind, &a.0.value), (b.0.kind, &b.0.value)));
    let up = update(FeedMode::Snapshot, &[], &list, 1);
    let mut checked = None;
    let r = store
        .apply_feed_update(&up, &TestDigest, |sum, count| {
            checked = Some((*sum, count));
            Ok(())
        })
        .unwrap();
    assert_eq!((r.added, r.entries), (n as u64, n as u64));
    assert_eq!(checked, Some(stored_sum(&store)));
    let mut stored: Vec<(BlocklistEntry, bool)> = store
        .blocklist_entries()
        .unwrap()
        .into_iter()
        .map(|s| {
            assert_eq!(s.origin, Origin::Feed);
            (s.entry, s.alert)
        })
        .collect();
    stored.sort_by(|a, b| canonical_cmp((a.0.kind, &a.0.value), (b.0.kind, &b.0.value)));
    assert_eq!(stored, list);
    let (view, _) = store.lookup_tables().unwrap();
    for (entry, alert) in &list {
        let found = view.find(entry.kind, &entry.value).unwrap().unwrap();
        assert_eq!((&found.entry, found.alert), (entry, *alert));
    }
    drop(view);

    // The same list with one key repeated in the middle of the first batch.
    let before = store.blocklist_entries().unwrap();
    let mut repeated = list.clone();
    repeated[crate::feed_block::MAX_ENTRIES / 2] =
        repeated[crate::feed_block::MAX_ENTRIES / 2 - 1].clone();
    let up = update(FeedMode::Snapshot, &[], &repeated, 2);
    assert!(matches!(
        store.apply_feed_update(&up, &TestDigest, ok),
        Err(StoreError::Rejected(_))
    ));
    assert_eq!(store.blocklist_entries().unwrap(), before);
    assert_eq!(store.feed_state().unwrap().version, Some(1));
}

/// The incremental path trusts the kept sum only while nothing but feed updates wrote the
/// feed entries: any other change (the CLI's remove, an import taking an entry over, SQL by
/// hand) forgets it, and the next delta is refused so that the snapshot rebuilds the list.
#[test]
fn a_change_outside_the_feed_makes_the_next_delta_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let list = vec![
        e(EntryKind::Domain, "a.example", false),
        e(EntryKind::Phone, "+85230000001", false),
        e(EntryKind::Phone, "+85230000002", false),
    ];
    let snapshot = update(FeedMode::Snapshot, &[], &list, 1);
    let extra = [e(EntryKind::Phone, "+85230000003", false)];
    let delta = update(FeedMode::Delta, &[], &extra, 2);
    type Tamper = Box<dyn Fn(&mut Store)>;
    let tampers: Vec<(&str, Tamper)> = vec![
        (
            "remove",
            Box::new(|s: &mut Store| {
                assert!(s.remove_entry(EntryKind::Phone, "+85230000002").unwrap());
            }),
        ),
        (
            "import",
            Box::new(|s: &mut Store| {
                let mut taken = e(EntryKind::Domain, "a.example", false);
                taken.0.category = Category::Other;
                s.import_entries(&[taken], Origin::Import).unwrap();
            }),
        ),
        (
            "sql",
            Box::new(|s: &mut Store| {
                s.conn
                    .execute("UPDATE feed_block SET count = count WHERE kind = 2", [])
                    .unwrap();
            }),
        ),
        (
            "another connection",
            Box::new(|s: &mut Store| {
                let other = rusqlite::Connection::open_with_flags(
                    s.data_dir().join(crate::DATABASE_FILE),
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
                )
                .unwrap();
                other
                    .execute("UPDATE feed_string SET text = 'forged'", [])
                    .unwrap();
            }),
        ),
    ];
    for (what, tamper) in tampers {
        store.apply_feed_update(&snapshot, &TestDigest, ok).unwrap();
        assert!(store.feed_list_sum().unwrap().is_some(), "{what}");
        tamper(&mut store);
        assert_eq!(store.feed_list_sum().unwrap(), None, "{what}");
        let before = store.blocklist_entries().unwrap();
        let err = store
            .apply_feed_update(&delta, &TestDigest, ok)
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Rejected(Rejection::UnknownChecksum)),
            "{what}: {err}"
        );
        assert_eq!(store.blocklist_entries().unwrap(), before, "{what}");
        // The snapshot makes the list whole again, and the sum known.
        store.apply_feed_update(&snapshot, &TestDigest, ok).unwrap();
        assert_eq!(
            store.feed_list_sum().unwrap(),
            Some(stored_sum(&store)),
            "{what}"
        );
        assert_eq!(stored_sum(&store).1, 3, "{what}");
        store.apply_feed_update(&delta, &TestDigest, ok).unwrap();
        assert_eq!(store.feed_list_sum().unwrap(), Some(stored_sum(&store)));
    }
}

#[test]
fn the_index_follows_deltas_here_and_from_another_connection() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let list: Vec<_> = (0..100)
        .map(|i| e(EntryKind::Phone, &format!("+8523000{i:04}"), false))
        .collect();
    store
        .apply_feed_update(&update(FeedMode::Snapshot, &[], &list, 1), &TestDigest, ok)
        .unwrap();
    {
        let (view, _) = store.lookup_tables().unwrap();
        assert_eq!((view.len(), view.overlay_len()), (100, 0));
        assert!(view.contains_phone("+85230000042").unwrap());
    }
    let removals = vec![(EntryKind::Phone, "+85230000042".to_owned())];
    let added = [e(EntryKind::Phone, "+85239999999", false)];
    store
        .apply_feed_update(
            &update(FeedMode::Delta, &removals, &added, 2),
            &TestDigest,
            ok,
        )
        .unwrap();
    {
        let (view, _) = store.lookup_tables().unwrap();
        assert_eq!((view.len(), view.overlay_len()), (100, 1));
        assert!(view.contains_phone("+85239999999").unwrap());
        assert!(!view.contains_phone("+85230000042").unwrap());
        // Confirmed now, so answered from memory next time, until the list changes.
        assert!(view.contains_phone("+85230000007").unwrap());
    }
    // Another store on the same database applies the next delta: this one catches up from
    // the log of added keys.
    let mut other = Store::open(dir.path()).unwrap();
    let mut new_campaign = e(EntryKind::Phone, "+85238888888", false);
    new_campaign.0.campaign = Some("a campaign this store has not seen".into());
    let added = [new_campaign];
    let removals = vec![(EntryKind::Phone, "+85230000007".to_owned())];
    let mut up = update(FeedMode::Delta, &removals, &added, 3);
    up.index = false;
    other.apply_feed_update(&up, &TestDigest, ok).unwrap();
    {
        let (view, _) = store.lookup_tables().unwrap();
        assert_eq!((view.len(), view.overlay_len()), (100, 2));
        assert!(view.contains_phone("+85238888888").unwrap());
        assert!(!view.contains_phone("+85230000007").unwrap());
        // Its campaign is not among the strings the index keeps: read from the table.
        let found = view
            .find(EntryKind::Phone, "+85238888888")
            .unwrap()
            .unwrap();
        assert_eq!(
            found.entry.campaign.as_deref(),
            Some("a campaign this store has not seen")
        );
    }
    // A change the log does not describe makes it rebuild from the table.
    assert!(other
        .remove_entry(EntryKind::Phone, "+85239999999")
        .unwrap());
    let (view, _) = store.lookup_tables().unwrap();
    assert_eq!((view.len(), view.overlay_len()), (99, 0));
    assert!(!view.contains_phone("+85239999999").unwrap());
    assert!(view.contains_phone("+85238888888").unwrap());
}

#[test]
fn the_migration_moves_feed_rows_and_forgets_the_old_checksum() {
    use crate::migrate::{run_list, MIGRATIONS};
    let mut conn = Connection::open_in_memory().unwrap();
    let before = MIGRATIONS
        .iter()
        .position(|m| m.name == MIGRATION_FEED_LIST.name)
        .unwrap();
    run_list(&mut conn, &MIGRATIONS[..before]).unwrap();
    conn.execute_batch(
        "INSERT INTO blocklist_entry (kind, value, category, campaign, source, added, origin,
                                      alert)
         VALUES ('phone', '+85230000001', 'freeze_threat', 'c1', 'feed', 7, 'feed', 1),
                ('url', 'x.example/pay', 'phishing', NULL, 'feed', 8, 'feed', 0),
                ('domain', 'mine.example', 'other', NULL, NULL, 9, 'import', 0);
         INSERT INTO feed_state (id, version, checksum) VALUES (1, 4, 'abcd');",
    )
    .unwrap();
    run_list(&mut conn, MIGRATIONS).unwrap();
    let phone = feed_entry(&conn, EntryKind::Phone, "+85230000001")
        .unwrap()
        .unwrap();
    assert_eq!(phone.entry.category, Category::FreezeThreat);
    assert_eq!(phone.entry.campaign.as_deref(), Some("c1"));
    assert_eq!(phone.entry.source.as_deref(), Some("feed"));
    assert_eq!((phone.entry.added, phone.alert), (Timestamp(7), true));
    let url = feed_entry(&conn, EntryKind::Url, "x.example/pay")
        .unwrap()
        .unwrap();
    assert_eq!(url.entry.campaign, None);
    let left: Vec<String> = conn
        .prepare("SELECT value FROM blocklist_entry ORDER BY value")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(left.contains(&"mine.example".to_owned()));
    assert!(!left.contains(&"+85230000001".to_owned()));
    let st = list_state(&conn).unwrap();
    assert_eq!((st.sum, st.count), (None, 2));
    let checksum: Option<String> = conn
        .query_row("SELECT checksum FROM feed_state", [], |r| r.get(0))
        .unwrap();
    assert_eq!(checksum, None);
}

/// Migration 9 turns `feed_entry` rows into blocks: the same entries, the digest and count
/// kept (no snapshot download after the upgrade), and the new triggers in force.
#[test]
fn the_block_migration_keeps_the_list_and_its_digest() {
    use crate::migrate::{run_list, MIGRATIONS};
    let mut conn = Connection::open_in_memory().unwrap();
    let before = MIGRATIONS
        .iter()
        .position(|m| m.name == MIGRATION_FEED_BLOCK.name)
        .unwrap();
    run_list(&mut conn, &MIGRATIONS[..before]).unwrap();
    conn.execute_batch(
        "INSERT INTO feed_string (id, text) VALUES (1, 'c1'), (2, 's1');
         DROP TRIGGER feed_entry_inserted;",
    )
    .unwrap();
    let mut want = Vec::new();
    for i in 0..300i64 {
        let (kind, value) = match i % 3 {
            0 => (1, format!("+8523{i:07}")),
            1 => (2, format!("d{i:03}.example")),
            _ => (3, format!("u{i:03}.example/pay")),
        };
        conn.execute(
            "INSERT INTO feed_entry (kind, value, category, campaign, source, added, alert)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                kind,
                value,
                i % 5,
                (i % 2 == 0).then_some(1),
                (i % 3 == 0).then_some(2),
                1_000 + i,
                i % 7 == 0
            ],
        )
        .unwrap();
        want.push((kind, value));
    }
    let sum = ListSum::from_bytes(&[7; 32]);
    conn.execute(
        "UPDATE feed_list SET sum = ?1, count = 300",
        [sum.to_bytes().to_vec()],
    )
    .unwrap();
    run_list(&mut conn, MIGRATIONS).unwrap();
    let st = list_state(&conn).unwrap();
    assert_eq!((st.sum, st.count), (Some(sum), 300));
    let got = feed_entries(&conn).unwrap();
    want.sort();
    let keys: Vec<(i64, String)> = got
        .iter()
        .map(|s| (kind_code(s.entry.kind), s.entry.value.clone()))
        .collect();
    assert_eq!(keys, want);
    let e = feed_entry(&conn, EntryKind::Phone, "+85230000000")
        .unwrap()
        .unwrap();
    assert_eq!(e.entry.campaign.as_deref(), Some("c1"));
    assert_eq!(e.entry.source.as_deref(), Some("s1"));
    assert_eq!((e.entry.added, e.alert), (Timestamp(1_000), true));
    let blocks: i64 = conn
        .query_row("SELECT count(*) FROM feed_block", [], |r| r.get(0))
        .unwrap();
    assert!(blocks >= 6, "{blocks} blocks");
    // The block triggers are in force: a change by hand forgets the digest.
    conn.execute("UPDATE feed_block SET count = count WHERE kind = 3", [])
        .unwrap();
    let st = list_state(&conn).unwrap();
    assert_eq!((st.sum, st.count), (None, 300));
}

#[test]
fn failures_count_up_and_a_success_clears_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store
        .record_feed_failure("http://x/", "network", "refused", Timestamp(10))
        .unwrap();
    store
        .record_feed_failure("http://x/", "network", "refused", Timestamp(20))
        .unwrap();
    let st = store.feed_state().unwrap();
    assert_eq!(st.failures, 2);
    assert_eq!(st.last_error_at, Some(Timestamp(20)));
    assert_eq!(st.failing_since, Some(Timestamp(10)));
    assert_eq!(st.version, None);
    store.record_feed_success(&success(1)).unwrap();
    let st = store.feed_state().unwrap();
    assert_eq!(
        (st.failures, st.last_error, st.failing_since),
        (0, None, None)
    );
    assert_eq!(st.last_success, Some(Timestamp(2)));
}
