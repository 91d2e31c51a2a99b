//! The signed feed's local state: which version is applied, when the last sync succeeded or
//! failed and why, and the one write transaction that applies a new version.
//!
//! A version is applied with [`Store::apply_feed_update`]: removals and upserts of `feed`
//! entries, the official directory and the new state in one `BEGIN IMMEDIATE` transaction, with
//! the caller's check of the whole resulting list (the feed's checksum) run inside it. A failed
//! check rolls everything back, so the list on disk is always exactly one published version,
//! even if the process is killed half-way.

use crate::blocklist::{entry_from_row, SELECT_ENTRIES};
use crate::migrate::Migration;
use crate::{Store, StoreError, StoredEntry};
use rusqlite::{params, OptionalExtension, Transaction};
use std::cmp::Ordering;
use verity_core::blocklist::{BlocklistEntry, EntryKind};
use verity_core::official::OfficialDirectory;
use verity_core::Timestamp;

pub(crate) const MIGRATION_3: Migration = Migration {
    version: 3,
    name: "feed_state",
    sql: "CREATE TABLE feed_state (
              id              INTEGER PRIMARY KEY CHECK (id = 1),
              url             TEXT,
              version         INTEGER CHECK (version > 0),
              checksum        TEXT,
              published       INTEGER,
              last_attempt    INTEGER,
              last_success    INTEGER,
              last_error      TEXT,
              last_error_code TEXT,
              last_error_at   INTEGER,
              failures        INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
              expires         INTEGER,
              min_wait        INTEGER CHECK (min_wait >= 0)
          ) STRICT;",
    seed: None,
};

/// What the store knows about the feed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedState {
    /// The feed URL last synced (the first one tried, before any success).
    pub url: Option<String>,
    /// The feed version applied; `None` before the first successful sync.
    pub version: Option<u64>,
    /// The list checksum of that version (hex).
    pub checksum: Option<String>,
    /// When that version was published.
    pub published: Option<Timestamp>,
    /// When a sync was last tried.
    pub last_attempt: Option<Timestamp>,
    /// When a sync last succeeded (with or without a new version).
    pub last_success: Option<Timestamp>,
    /// Why the last sync failed, when it did (cleared by a success).
    pub last_error: Option<String>,
    /// The error's stable code (see `verity_feed::FeedError::code`).
    pub last_error_code: Option<String>,
    /// When the last failure happened.
    pub last_error_at: Option<Timestamp>,
    /// When the current run of failures began (cleared by a success).
    pub failing_since: Option<Timestamp>,
    /// Failures since the last success, for back-off.
    pub failures: u32,
    /// When the verified feed metadata expires: after it, the list is stale.
    pub expires: Option<Timestamp>,
    /// The least time between syncs the feed asks for, in seconds.
    pub min_wait: Option<u64>,
}

/// A successful sync, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSuccess<'a> {
    /// The feed URL.
    pub url: &'a str,
    /// The feed version now applied.
    pub version: u64,
    /// Its list checksum (hex).
    pub checksum: &'a str,
    /// When it was published.
    pub published: Timestamp,
    /// When the sync happened.
    pub at: Timestamp,
    /// When the verified metadata expires.
    pub expires: Timestamp,
    /// The least time between syncs the feed asks for, in seconds.
    pub min_wait: Option<u64>,
}

/// An entry as the feed carries it.
pub trait FeedRow {
    /// The entry (value normalised).
    fn entry(&self) -> &BlocklistEntry;
    /// Whether it raises an alert when new.
    fn alert(&self) -> bool;
}

impl FeedRow for (BlocklistEntry, bool) {
    fn entry(&self) -> &BlocklistEntry {
        &self.0
    }
    fn alert(&self) -> bool {
        self.1
    }
}

/// How a version is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedMode {
    /// `upserts` is the whole list, in canonical order (kind code, then value bytes): the feed
    /// entries become exactly these (and the sample list goes).
    Snapshot,
    /// `removals` and `upserts` change the current feed entries.
    Delta,
}

/// One version to apply.
#[derive(Debug)]
pub struct FeedUpdate<'a, R> {
    /// Snapshot or delta.
    pub mode: FeedMode,
    /// Keys to remove (deltas).
    pub removals: &'a [(EntryKind, String)],
    /// Entries to add or update (the whole list for a snapshot).
    pub upserts: &'a [R],
    /// The official directory, when the version carries one.
    pub official: Option<&'a OfficialDirectory>,
    /// The state to record when the update commits.
    pub success: FeedSuccess<'a>,
}

/// What applying a version changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedApplied {
    /// Feed entries that were not on the list.
    pub added: u64,
    /// Feed entries whose details changed.
    pub updated: u64,
    /// Feed entries removed (and, for a snapshot, sample entries dropped).
    pub removed: u64,
    /// Feed entries on the list afterwards.
    pub entries: u64,
    /// Added entries flagged `alert`, for the user's notification.
    pub new_alerts: Vec<BlocklistEntry>,
}

fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp)
}

fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn canonical_cmp(a: (EntryKind, &str), b: (EntryKind, &str)) -> Ordering {
    a.0.as_str()
        .cmp(b.0.as_str())
        .then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
}

const SELECT_FEED_ORDERED: &str = "WHERE origin = 'feed' ORDER BY kind, value";

impl Store {
    /// The feed state; all empty before the first sync.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn feed_state(&self) -> Result<FeedState, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT url, version, checksum, published, last_attempt, last_success, last_error,
                        last_error_code, last_error_at, failures, expires, min_wait,
                        failing_since
                 FROM feed_state WHERE id = 1",
                [],
                |r| {
                    Ok(FeedState {
                        url: r.get(0)?,
                        version: r.get::<_, Option<i64>>(1)?.map(u64_of),
                        checksum: r.get(2)?,
                        published: ts(r.get(3)?),
                        last_attempt: ts(r.get(4)?),
                        last_success: ts(r.get(5)?),
                        last_error: r.get(6)?,
                        last_error_code: r.get(7)?,
                        last_error_at: ts(r.get(8)?),
                        failures: u32::try_from(r.get::<_, i64>(9)?).unwrap_or(u32::MAX),
                        expires: ts(r.get(10)?),
                        min_wait: r.get::<_, Option<i64>>(11)?.map(u64_of),
                        failing_since: ts(r.get(12)?),
                    })
                },
            )
            .optional()?;
        Ok(row.unwrap_or_default())
    }

    /// Records a failed sync: the list is untouched; the state says why and counts failures.
    /// The URL is kept from the last success (recorded only when there is none).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn record_feed_failure(
        &mut self,
        url: &str,
        code: &str,
        message: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO feed_state (id, url, last_attempt, last_error, last_error_code,
                                         last_error_at, failures, failing_since)
                 VALUES (1, ?1, ?2, ?3, ?4, ?2, 1, ?2)
                 ON CONFLICT (id) DO UPDATE SET url = coalesce(url, excluded.url),
                     last_attempt = excluded.last_attempt, last_error = excluded.last_error,
                     last_error_code = excluded.last_error_code,
                     last_error_at = excluded.last_error_at, failures = failures + 1,
                     failing_since = CASE WHEN failures = 0 OR failing_since IS NULL
                                          THEN excluded.failing_since ELSE failing_since END",
                params![url, at.0, message, code],
            )?;
            Ok(())
        })
    }

    /// Records a successful sync that found nothing new (the list is untouched).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn record_feed_success(&mut self, s: &FeedSuccess<'_>) -> Result<(), StoreError> {
        self.write(|tx| record_success(tx, s))
    }

    /// Applies one feed version in one write transaction: removals, upserts, the official
    /// directory and the new state. Then, still inside the transaction, `verify` reads every
    /// `feed` entry in canonical order; if it returns an error, everything is rolled back and
    /// [`StoreError::Rejected`] carries its message.
    ///
    /// Feed values are authoritative: an upsert sets every field, including the date added, and
    /// takes over an imported entry with the same value.
    ///
    /// # Errors
    /// [`StoreError::Rejected`] when `verify` refuses the result or a snapshot is not in
    /// canonical order; SQLite errors. Nothing is written then.
    pub fn apply_feed_update<R: FeedRow>(
        &mut self,
        update: &FeedUpdate<'_, R>,
        verify: impl FnOnce(
            &mut dyn Iterator<Item = Result<StoredEntry, StoreError>>,
        ) -> Result<(), String>,
    ) -> Result<FeedApplied, StoreError> {
        // A big update touches many pages: a larger page cache for its duration avoids
        // spilling the index to the WAL over and over (SQLite's default is 2 MiB).
        self.conn.pragma_update(None, "cache_size", -65_536)?;
        let result = self.write(|tx| {
            let mut applied = match update.mode {
                FeedMode::Snapshot => apply_snapshot(tx, update.upserts)?,
                FeedMode::Delta => apply_delta(tx, update.removals, update.upserts)?,
            };
            if let Some(d) = update.official {
                let json = serde_json::to_string(d)
                    .map_err(|e| StoreError::Corrupt(format!("official directory: {e}")))?;
                tx.execute(
                    "INSERT INTO official_directory (id, json, origin, updated)
                     VALUES (1, ?1, 'feed', ?2)
                     ON CONFLICT (id) DO UPDATE SET json = excluded.json,
                         origin = excluded.origin, updated = excluded.updated",
                    params![json, update.success.at.0],
                )?;
            }
            record_success(tx, &update.success)?;
            let mut stmt = tx.prepare(&format!("{SELECT_ENTRIES} {SELECT_FEED_ORDERED}"))?;
            let rows = stmt.query_map([], entry_from_row)?;
            let mut it = rows.map(|r| {
                r.map_err(StoreError::from)
                    .and_then(|r| r.map_err(StoreError::Corrupt))
            });
            verify(&mut it).map_err(StoreError::Rejected)?;
            drop(it);
            let count: i64 = tx.query_row(
                "SELECT count(*) FROM blocklist_entry WHERE origin = 'feed'",
                [],
                |r| r.get(0),
            )?;
            applied.entries = u64_of(count);
            Ok(applied)
        });
        self.conn.pragma_update(None, "cache_size", -2_000)?;
        let applied = result?;
        self.cache.invalidate();
        Ok(applied)
    }
}

fn record_success(tx: &Transaction<'_>, s: &FeedSuccess<'_>) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO feed_state (id, url, version, checksum, published, last_attempt,
                                 last_success, last_error, last_error_code, last_error_at,
                                 failures, expires, min_wait)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?5, NULL, NULL, NULL, 0, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, version = excluded.version,
             checksum = excluded.checksum, published = excluded.published,
             last_attempt = excluded.last_attempt, last_success = excluded.last_success,
             last_error = NULL, last_error_code = NULL, last_error_at = NULL, failures = 0,
             failing_since = NULL, expires = excluded.expires, min_wait = excluded.min_wait",
        params![
            s.url,
            i64_of(s.version),
            s.checksum,
            s.published.0,
            s.at.0,
            s.expires.0,
            s.min_wait.map(i64_of)
        ],
    )?;
    Ok(())
}

const UPSERT: &str = "INSERT INTO blocklist_entry
         (kind, value, category, campaign, source, added, origin, alert, key)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'feed', ?7, ?8)
     ON CONFLICT (kind, value) DO UPDATE SET category = excluded.category,
         campaign = excluded.campaign, source = excluded.source, added = excluded.added,
         origin = 'feed', alert = excluded.alert";

fn upsert_one(stmt: &mut rusqlite::Statement<'_>, row: &impl FeedRow) -> Result<(), StoreError> {
    let e = row.entry();
    stmt.execute(params![
        e.kind.as_str(),
        e.value,
        e.category.as_str(),
        e.campaign,
        e.source,
        e.added.0,
        i64::from(row.alert()),
        crate::blocklist::key_sql(e.kind, &e.value)
    ])?;
    Ok(())
}

/// Makes the feed entries exactly `list` (canonical order), writing only what differs: a merge
/// of the stored feed entries (read in the same order) with the list.
fn apply_snapshot<R: FeedRow>(tx: &Transaction<'_>, list: &[R]) -> Result<FeedApplied, StoreError> {
    for w in list.windows(2) {
        let (a, b) = (w[0].entry(), w[1].entry());
        if canonical_cmp((a.kind, &a.value), (b.kind, &b.value)) != Ordering::Less {
            return Err(StoreError::Rejected(
                "the snapshot is not in canonical order".into(),
            ));
        }
    }
    let mut applied = FeedApplied::default();
    let mut removals: Vec<(EntryKind, String)> = Vec::new();
    let mut writes: Vec<usize> = Vec::new();
    {
        let mut stmt = tx.prepare(&format!("{SELECT_ENTRIES} {SELECT_FEED_ORDERED}"))?;
        let mut rows = stmt.query_map([], entry_from_row)?;
        let mut cur = next_row(&mut rows)?;
        let mut i = 0usize;
        loop {
            let ord = match (&cur, list.get(i)) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(s), Some(n)) => canonical_cmp(
                    (s.entry.kind, &s.entry.value),
                    (n.entry().kind, &n.entry().value),
                ),
            };
            match ord {
                Ordering::Less => {
                    if let Some(s) = cur.take() {
                        removals.push((s.entry.kind, s.entry.value));
                    }
                    cur = next_row(&mut rows)?;
                }
                Ordering::Greater => {
                    if let Some(n) = list.get(i) {
                        applied.added += 1;
                        if n.alert() {
                            applied.new_alerts.push(n.entry().clone());
                        }
                    }
                    writes.push(i);
                    i += 1;
                }
                Ordering::Equal => {
                    if let (Some(s), Some(n)) = (&cur, list.get(i)) {
                        if s.entry != *n.entry() || s.alert != n.alert() {
                            applied.updated += 1;
                            writes.push(i);
                        }
                    }
                    cur = next_row(&mut rows)?;
                    i += 1;
                }
            }
        }
    }
    let mut delete = tx.prepare(
        "DELETE FROM blocklist_entry WHERE kind = ?1 AND value = ?2 AND origin = 'feed'",
    )?;
    for (k, v) in &removals {
        applied.removed += u64::try_from(delete.execute(params![k.as_str(), v])?).unwrap_or(0);
    }
    applied.removed +=
        u64::try_from(tx.execute("DELETE FROM blocklist_entry WHERE origin = 'sample'", [])?)
            .unwrap_or(0);
    let mut up = tx.prepare(UPSERT)?;
    for i in writes {
        if let Some(row) = list.get(i) {
            upsert_one(&mut up, row)?;
        }
    }
    Ok(applied)
}

fn next_row(
    rows: &mut dyn Iterator<Item = rusqlite::Result<Result<StoredEntry, String>>>,
) -> Result<Option<StoredEntry>, StoreError> {
    match rows.next() {
        None => Ok(None),
        Some(r) => Ok(Some(r?.map_err(StoreError::Corrupt)?)),
    }
}

fn apply_delta<R: FeedRow>(
    tx: &Transaction<'_>,
    removals: &[(EntryKind, String)],
    upserts: &[R],
) -> Result<FeedApplied, StoreError> {
    let mut applied = FeedApplied::default();
    let mut delete = tx.prepare(
        "DELETE FROM blocklist_entry WHERE kind = ?1 AND value = ?2 AND origin = 'feed'",
    )?;
    for (k, v) in removals {
        applied.removed += u64::try_from(delete.execute(params![k.as_str(), v])?).unwrap_or(0);
    }
    let mut find = tx.prepare(
        "SELECT 1 FROM blocklist_entry WHERE kind = ?1 AND value = ?2 AND origin = 'feed'",
    )?;
    let mut up = tx.prepare(UPSERT)?;
    for row in upserts {
        let e = row.entry();
        let existed = find
            .query_row(params![e.kind.as_str(), e.value], |_| Ok(()))
            .optional()?
            .is_some();
        if existed {
            applied.updated += 1;
        } else {
            applied.added += 1;
            if row.alert() {
                applied.new_alerts.push(e.clone());
            }
        }
        upsert_one(&mut up, row)?;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use verity_core::blocklist::Category;

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

    fn ok(_: &mut dyn Iterator<Item = Result<StoredEntry, StoreError>>) -> Result<(), String> {
        Ok(())
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
        let up = FeedUpdate {
            mode: FeedMode::Snapshot,
            removals: &[],
            upserts: &list,
            official: None,
            success: success(1),
        };
        let r = store.apply_feed_update(&up, ok).unwrap();
        assert_eq!((r.added, r.updated, r.entries), (3, 0, 3));
        assert!(r.removed >= 5, "the sample list is dropped");
        assert_eq!(r.new_alerts.len(), 1);
        assert_eq!(store.blocklist_summary().unwrap().entries, 3);
        let st = store.feed_state().unwrap();
        assert_eq!(st.version, Some(1));
        assert_eq!(st.min_wait, Some(60));

        let removals = vec![(EntryKind::Phone, "+85230000002".to_owned())];
        let ups = vec![
            e(EntryKind::Phone, "+85230000001", false),
            e(EntryKind::Url, "x.example/pay", true),
        ];
        let up = FeedUpdate {
            mode: FeedMode::Delta,
            removals: &removals,
            upserts: &ups,
            official: Some(&OfficialDirectory::dingtalk_default()),
            success: success(2),
        };
        let mut seen = Vec::new();
        let r = store
            .apply_feed_update(&up, |it| {
                for row in it {
                    let row = row.map_err(|e| e.to_string())?;
                    seen.push(row.entry.value);
                }
                Ok(())
            })
            .unwrap();
        assert_eq!((r.added, r.updated, r.removed, r.entries), (1, 1, 1, 3));
        assert_eq!(seen, ["a.example", "+85230000001", "x.example/pay"]);
        assert_eq!(r.new_alerts[0].value, "x.example/pay");

        let before = store.blocklist_entries().unwrap();
        let up = FeedUpdate {
            mode: FeedMode::Delta,
            removals: &[],
            upserts: &[e(EntryKind::Phone, "+85230000009", true)],
            official: None,
            success: success(3),
        };
        let err = store
            .apply_feed_update(&up, |_| Err("checksum mismatch".into()))
            .unwrap_err();
        assert!(matches!(err, StoreError::Rejected(_)));
        assert_eq!(store.blocklist_entries().unwrap(), before);
        assert_eq!(store.feed_state().unwrap().version, Some(2));
    }

    #[test]
    fn a_snapshot_takes_over_imported_values_and_refuses_disorder() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let mut imported = e(EntryKind::Phone, "+85230000001", false);
        imported.0.added = Timestamp(99);
        store
            .import_entries(&[imported], crate::Origin::Import)
            .unwrap();
        let list = vec![e(EntryKind::Phone, "+85230000001", false)];
        let up = FeedUpdate {
            mode: FeedMode::Snapshot,
            removals: &[],
            upserts: &list,
            official: None,
            success: success(1),
        };
        store.apply_feed_update(&up, ok).unwrap();
        let rows = store.blocklist_entries().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].origin, crate::Origin::Feed);
        assert_eq!(rows[0].entry.added, Timestamp(5));

        let disordered = vec![
            e(EntryKind::Phone, "+85230000002", false),
            e(EntryKind::Phone, "+85230000001", false),
        ];
        let up = FeedUpdate {
            mode: FeedMode::Snapshot,
            removals: &[],
            upserts: &disordered,
            official: None,
            success: success(2),
        };
        assert!(matches!(
            store.apply_feed_update(&up, ok),
            Err(StoreError::Rejected(_))
        ));
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
}
