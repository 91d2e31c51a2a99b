//! The one write transaction that applies a feed version: a snapshot replaces the feed
//! entries, a delta changes only its rows; the list's digest follows the changes, the caller's
//! check runs inside the transaction, and what the in-memory index needs is handed back.

use super::entries::{
    attrs_of, canonical_cmp, category_code, entry_of_attrs, kind_code, KIND_ORDER,
};
use super::i64_of;
use super::list_state::{list_state, log_added};
use super::schema::{BLOCK_TRIGGERS, DROP_FEED_TRIGGERS, STRING_TRIGGERS};
use super::state::{record_success, FeedSuccess};
use super::strings::Strings;
use crate::blocklist::Origin;
use crate::error::{IndexError, Rejection, Stored};
use crate::feed_block::{BlockWriter, Editor};
use crate::{Store, StoreError};
use rusqlite::{params, Transaction};
use std::cmp::Ordering;
use verity_check::lookup::BlocklistFilter;
use verity_check::official::OfficialDirectory;
use verity_core::blocklist::{entry_key, BlocklistEntry, EntryKind};
use verity_core::list_sum::{ListDigest, ListSum};

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
    /// `upserts` is the whole list, in canonical order (kind name, then value bytes): the feed
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
    /// Bring this store's in-memory index up to date as part of the apply (the app's checking
    /// store; a snapshot builds it while writing, a delta adds its new keys to an overlay).
    /// Without it the index is rebuilt on the next lookup, if one comes.
    pub index: bool,
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

/// What the apply learned for the in-memory index.
pub(crate) struct IndexChange {
    /// The generations before the apply (the cache may be updated only if it had them).
    pub before: (i64, i64),
    /// The generations after it.
    pub after: (i64, i64),
    /// `PRAGMA data_version` inside the transaction (own commits do not change it).
    pub data_version: i64,
    /// Local entries and feed entries afterwards.
    pub local_entries: usize,
    /// Feed entries afterwards.
    pub feed_entries: usize,
    /// For a snapshot: the filter over every key. For a delta: none.
    pub filter: Option<BlocklistFilter>,
    /// For a delta: the keys it added to the feed list.
    pub added_keys: Vec<u64>,
}

/// Applies one feed version in one write transaction (see
/// [`Store::apply_feed_update`](crate::Store::apply_feed_update), which also brings the index up
/// to date with the [`IndexChange`] returned).
pub(crate) fn apply<R: FeedRow + Sync>(
    store: &mut Store,
    update: &FeedUpdate<'_, R>,
    digest: &dyn ListDigest,
    verify: impl FnOnce(&ListSum, u64) -> Result<(), String>,
) -> Result<(FeedApplied, IndexChange), StoreError> {
    // A big update touches many pages: a larger page cache for its duration avoids
    // spilling them to the WAL over and over (SQLite's default is 2 MiB).
    store.conn.pragma_update(None, "cache_size", -262_144)?;
    let result = store.write(|tx| apply_in(tx, update, digest, verify));
    // The update has committed (or rolled back) by now: a page cache left large is no reason
    // to report it otherwise.
    if let Err(e) = store.conn.pragma_update(None, "cache_size", -2_000) {
        log::warn!("cannot shrink the page cache after a feed update: {e}");
    }
    result
}

/// The transaction's body: the entries, the digest and its check, the log of added keys, the
/// triggers back, the official directory and the state.
fn apply_in<R: FeedRow + Sync>(
    tx: &Transaction<'_>,
    update: &FeedUpdate<'_, R>,
    digest: &dyn ListDigest,
    verify: impl FnOnce(&ListSum, u64) -> Result<(), String>,
) -> Result<(FeedApplied, IndexChange), StoreError> {
    let before = list_state(tx)?;
    let data_version: i64 = tx.query_row("PRAGMA data_version", [], |r| r.get(0))?;
    tx.execute_batch(DROP_FEED_TRIGGERS)?;
    let (mut applied, sum, filter, added_keys) = match update.mode {
        FeedMode::Snapshot => {
            let (a, s, f) = apply_snapshot(tx, update.upserts, digest, update.index)?;
            (a, s, f, Vec::new())
        }
        FeedMode::Delta => {
            let Some(sum) = before.sum else {
                return Err(Rejection::UnknownChecksum.into());
            };
            let (a, s, k) = apply_delta(
                tx,
                update.removals,
                update.upserts,
                digest,
                sum,
                before.count,
            )?;
            (a, s, None, k)
        }
    };
    tx.execute(
        "UPDATE feed_list SET sum = ?1, count = ?2, generation = generation + 1
         WHERE id = 1",
        params![sum.to_bytes().as_slice(), i64_of(applied.entries)],
    )?;
    let logged = (update.mode == FeedMode::Delta).then_some(added_keys.as_slice());
    log_added(tx, before.generation + 1, logged)?;
    tx.execute_batch(BLOCK_TRIGGERS)?;
    tx.execute_batch(STRING_TRIGGERS)?;
    if let Some(d) = update.official {
        crate::official::write(tx, d, Origin::Feed, update.success.at)?;
    }
    record_success(tx, &update.success)?;
    verify(&sum, applied.entries).map_err(Rejection::Refused)?;
    let after = list_state(tx)?;
    let local: i64 = tx.query_row("SELECT count(*) FROM blocklist_entry", [], |r| r.get(0))?;
    applied.entries = after.count;
    let change = IndexChange {
        before: (before.generation, before.local_generation),
        after: (after.generation, after.local_generation),
        data_version,
        local_entries: usize::try_from(local).unwrap_or(0),
        feed_entries: usize::try_from(after.count).unwrap_or(usize::MAX),
        filter,
        added_keys,
    };
    Ok((applied, change))
}

/// What the snapshot's worker thread computes while the rows are written.
struct Digested {
    ordered: bool,
    sum: ListSum,
    filter: Option<Result<BlocklistFilter, String>>,
}

/// Makes the feed entries exactly `list` (canonical order): the table is emptied and loaded in
/// key order. A second thread checks the order, sums the digests and (with `index`) builds the
/// filter over the new keys and the local ones meanwhile.
fn apply_snapshot<R: FeedRow + Sync>(
    tx: &Transaction<'_>,
    list: &[R],
    digest: &dyn ListDigest,
    index: bool,
) -> Result<(FeedApplied, ListSum, Option<BlocklistFilter>), StoreError> {
    let mut applied = FeedApplied::default();
    applied.removed +=
        u64::try_from(tx.execute("DELETE FROM blocklist_entry WHERE origin = 'sample'", [])?)
            .unwrap_or(0);
    // The local entries the feed takes over, and the local keys for the filter.
    let mut local: Vec<(i64, EntryKind, String, Option<i64>)> = Vec::new();
    {
        let mut stmt = tx.prepare("SELECT id, kind, value, key FROM blocklist_entry")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(1)?;
            let kind: EntryKind = kind
                .parse()
                .map_err(|_| StoreError::corrupt(Stored::FeedEntries, format!("kind {kind:?}")))?;
            local.push((r.get(0)?, kind, r.get(2)?, r.get(3)?));
        }
    }
    let local_keys: Vec<u64> = local
        .iter()
        .map(|(_, k, v, key)| {
            key.map_or_else(|| entry_key(*k, v), |k| u64::from_ne_bytes(k.to_ne_bytes()))
        })
        .collect();

    std::thread::scope(|scope| -> Result<_, StoreError> {
        let worker = scope.spawn(move || digest_list(list, digest, index.then_some(local_keys)));
        let written = write_snapshot(tx, list, &local, &mut applied);
        let d = worker.join().map_err(|_| IndexError::Worker)?;
        // A list out of order may also have failed the writes (a repeated key): say why.
        if !d.ordered {
            return Err(Rejection::NotCanonical.into());
        }
        written?;
        applied.entries = u64::try_from(list.len()).unwrap_or(u64::MAX);
        let filter = d.filter.transpose().map_err(IndexError::Filter)?;
        Ok((applied, d.sum, filter))
    })
}

/// The snapshot's writes: the report (merged with the old list, when there is one), then the
/// table emptied and loaded in key order, and the local entries the feed takes over dropped.
fn write_snapshot<R: FeedRow>(
    tx: &Transaction<'_>,
    list: &[R],
    local: &[(i64, EntryKind, String, Option<i64>)],
    applied: &mut FeedApplied,
) -> Result<(), StoreError> {
    if list_state(tx)?.count > 0 {
        merge_report(tx, list, applied)?;
    } else {
        applied.added = u64::try_from(list.len()).unwrap_or(u64::MAX);
        applied.new_alerts = list
            .iter()
            .filter(|r| r.alert())
            .map(|r| r.entry().clone())
            .collect();
    }
    tx.execute_batch("DELETE FROM feed_block; DELETE FROM feed_string;")?;
    let mut strings = Strings::default();
    let mut w = BlockWriter::new(tx)?;
    // Key order: kind code, then value bytes; the list is sorted by value within a kind.
    for kind in KIND_ORDER {
        let code = kind_code(kind);
        for row in of_kind(list, kind) {
            let attrs = attrs_of(tx, &mut strings, row.entry(), row.alert())?;
            w.push(code, &row.entry().value, &attrs)?;
        }
    }
    w.finish()?;
    let mut delete = tx.prepare("DELETE FROM blocklist_entry WHERE id = ?1")?;
    for (id, kind, value, _) in local {
        let listed = list
            .binary_search_by(|r| canonical_cmp((r.entry().kind, &r.entry().value), (*kind, value)))
            .is_ok();
        if listed {
            delete.execute([id])?;
        }
    }
    Ok(())
}

/// The entries of one kind in a canonical list.
fn of_kind<R: FeedRow>(list: &[R], kind: EntryKind) -> impl Iterator<Item = &R> {
    let from =
        list.partition_point(|r| canonical_cmp((r.entry().kind, ""), (kind, "")) == Ordering::Less);
    list[from..]
        .iter()
        .take_while(move |r| r.entry().kind == kind)
}

fn digest_list<R: FeedRow>(
    list: &[R],
    digest: &dyn ListDigest,
    local_keys: Option<Vec<u64>>,
) -> Digested {
    let ordered = list.windows(2).all(|w| {
        let (a, b) = (w[0].entry(), w[1].entry());
        canonical_cmp((a.kind, &a.value), (b.kind, &b.value)) == Ordering::Less
    });
    let mut sum = ListSum::default();
    for r in list {
        sum.add(&digest.entry_digest(r.entry(), r.alert()));
    }
    let filter = local_keys.map(|mut keys| {
        keys.reserve(list.len());
        keys.extend(
            list.iter()
                .map(|r| entry_key(r.entry().kind, &r.entry().value)),
        );
        BlocklistFilter::build(keys).map_err(|e| e.to_string())
    });
    Digested {
        ordered,
        sum,
        filter,
    }
}

/// Counts what a snapshot adds, changes and removes against the stored feed entries (read in
/// key order, merged with the list kind by kind).
fn merge_report<R: FeedRow>(
    tx: &Transaction<'_>,
    list: &[R],
    applied: &mut FeedApplied,
) -> Result<(), StoreError> {
    let strings = Strings::load(tx)?;
    for kind in KIND_ORDER {
        let new: Vec<&R> = of_kind(list, kind).collect();
        let mut i = 0usize;
        let added = |n: &R, applied: &mut FeedApplied| {
            applied.added += 1;
            if n.alert() {
                applied.new_alerts.push(n.entry().clone());
            }
        };
        crate::feed_block::scan(tx, Some(kind_code(kind)), |_, value, a| {
            // New entries before this stored one.
            while let Some(n) = new
                .get(i)
                .filter(|n| n.entry().value.as_bytes() < value.as_bytes())
            {
                added(n, applied);
                i += 1;
            }
            match new.get(i).filter(|n| n.entry().value == value) {
                None => applied.removed += 1,
                Some(n) => {
                    let e = n.entry();
                    let same = i64::from(a.category) == category_code(e.category)
                        && strings.text_ref(a.campaign)? == e.campaign.as_deref()
                        && strings.text_ref(a.source)? == e.source.as_deref()
                        && a.added == e.added.0
                        && a.alert == n.alert();
                    if !same {
                        applied.updated += 1;
                    }
                    i += 1;
                }
            }
            Ok(())
        })?;
        for n in &new[i.min(new.len())..] {
            added(n, applied);
        }
    }
    Ok(())
}

/// A delta's change to one key.
enum Change<'a, R> {
    Remove,
    Upsert(&'a R),
}

fn apply_delta<R: FeedRow>(
    tx: &Transaction<'_>,
    removals: &[(EntryKind, String)],
    upserts: &[R],
    digest: &dyn ListDigest,
    mut sum: ListSum,
    mut count: u64,
) -> Result<(FeedApplied, ListSum, Vec<u64>), StoreError> {
    let mut applied = FeedApplied::default();
    let mut strings = Strings::load(tx)?;
    let mut added_keys = Vec::new();
    // One pass in key order, so each block is read and written once; a key both removed and
    // upserted is removed first (the sort is stable).
    let mut changes: Vec<(EntryKind, &str, Change<'_, R>)> = removals
        .iter()
        .map(|(k, v)| (*k, v.as_str(), Change::Remove))
        .chain(
            upserts
                .iter()
                .map(|r| (r.entry().kind, r.entry().value.as_str(), Change::Upsert(r))),
        )
        .collect();
    changes.sort_by(|a, b| (kind_code(a.0), a.1.as_bytes()).cmp(&(kind_code(b.0), b.1.as_bytes())));
    let has_local: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM blocklist_entry)", [], |r| {
            r.get(0)
        })?;
    let mut take_over = tx.prepare("DELETE FROM blocklist_entry WHERE kind = ?1 AND value = ?2")?;
    let mut ed = Editor::new(tx);
    for (kind, value, change) in changes {
        let code = kind_code(kind);
        match change {
            Change::Remove => {
                if let Some(a) = ed.remove(code, value)? {
                    let (e, alert) = entry_of_attrs(kind, value.to_owned(), &a, &strings)?;
                    sum.sub(&digest.entry_digest(&e, alert));
                    count = count.saturating_sub(1);
                    applied.removed += 1;
                }
            }
            Change::Upsert(row) => {
                let e = row.entry();
                if has_local {
                    take_over.execute(params![e.kind.as_str(), e.value])?;
                }
                let attrs = attrs_of(tx, &mut strings, e, row.alert())?;
                if let Some(a) = ed.upsert(code, value, attrs)? {
                    let (o, alert) = entry_of_attrs(kind, value.to_owned(), &a, &strings)?;
                    sum.sub(&digest.entry_digest(&o, alert));
                    applied.updated += 1;
                } else {
                    applied.added += 1;
                    count += 1;
                    if row.alert() {
                        applied.new_alerts.push(e.clone());
                    }
                    added_keys.push(entry_key(e.kind, &e.value));
                }
                sum.add(&digest.entry_digest(e, row.alert()));
            }
        }
    }
    ed.finish()?;
    applied.entries = count;
    Ok((applied, sum, added_keys))
}
