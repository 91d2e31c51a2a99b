//! The signed feed's local state: which version is applied, when the last sync succeeded or
//! failed and why, and the one write transaction that applies a new version.
//!
//! A version is applied with [`Store::apply_feed_update`]: the feed entries (their own table,
//! `feed_block`, see [`crate::feed_block`]), the official directory and the new state in one
//! `BEGIN IMMEDIATE` transaction. The list's multiset digest ([`ListSum`]) is updated from the rows the version
//! changes and checked by the caller (the feed's checksum) inside the transaction: a delta's
//! check costs O(changes), not a scan of the list. A failed check rolls everything back, so the
//! list on disk is always exactly one published version, even if the process is killed
//! half-way.

use crate::migrate::Migration;
use crate::{ImportReport, Origin, Store, StoreError, StoredEntry};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::cmp::Ordering;
use std::collections::HashMap;
use verity_core::blocklist::{entry_key, BlocklistEntry, BlocklistFilter, Category, EntryKind};
use verity_core::list_sum::{ListDigest, ListSum};
use verity_core::official::OfficialDirectory;
use verity_core::Timestamp;

use crate::feed_block::{Attrs, BlockWriter, Editor};

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

/// The feed's entries in their own table (migration 7), apart from the sample and imported
/// entries in `blocklist_entry`: one B-tree keyed by (kind code, value), campaigns and sources
/// interned in `feed_string`, written in key order. A snapshot empties it and bulk-loads the
/// new list; a delta changes only its rows.
///
/// `feed_list` keeps the list's multiset digest (`sum`, see [`ListSum`]) and entry count, so a
/// delta's check costs O(changes), and two generation counters the in-memory index uses to tell
/// what changed. `feed_added` logs the keys each delta added (by the generation it produced), so
/// that another process's index (the app's, after `verityctl sync` or its own sync connection)
/// catches up by adding them to its overlay instead of rereading the list. Triggers on `feed_entry` and `feed_string` forget the digest (`sum = NULL`) on
/// any change that is not a feed apply (`verityctl blocklist remove`, an import taking an entry
/// over, SQL by hand): the next delta is refused and the snapshot rebuilds the list. A feed apply
/// drops those triggers inside its transaction and creates them again before it commits.
pub(crate) const MIGRATION_FEED_LIST: Migration = Migration {
    version: 7,
    name: "feed_entry",
    sql: "CREATE TABLE feed_string (
              id   INTEGER PRIMARY KEY,
              text TEXT NOT NULL UNIQUE
          ) STRICT;
          CREATE TABLE feed_entry (
              kind     INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
              value    TEXT NOT NULL,
              category INTEGER NOT NULL CHECK (category BETWEEN 0 AND 4),
              campaign INTEGER,
              source   INTEGER,
              added    INTEGER NOT NULL,
              alert    INTEGER NOT NULL CHECK (alert IN (0, 1)),
              PRIMARY KEY (kind, value)
          ) STRICT, WITHOUT ROWID;
          CREATE TABLE feed_list (
              id               INTEGER PRIMARY KEY CHECK (id = 1),
              sum              BLOB CHECK (sum IS NULL OR length(sum) = 32),
              count            INTEGER NOT NULL DEFAULT 0,
              generation       INTEGER NOT NULL DEFAULT 0,
              local_generation INTEGER NOT NULL DEFAULT 0
          ) STRICT;
          INSERT INTO feed_list (id) VALUES (1);
          CREATE TABLE feed_added (
              generation INTEGER PRIMARY KEY,
              keys       BLOB NOT NULL
          ) STRICT;
          CREATE TRIGGER blocklist_entry_inserted AFTER INSERT ON blocklist_entry BEGIN
              UPDATE feed_list SET local_generation = local_generation + 1 WHERE id = 1;
          END;
          CREATE TRIGGER blocklist_entry_updated AFTER UPDATE ON blocklist_entry BEGIN
              UPDATE feed_list SET local_generation = local_generation + 1 WHERE id = 1;
          END;
          CREATE TRIGGER blocklist_entry_deleted AFTER DELETE ON blocklist_entry BEGIN
              UPDATE feed_list SET local_generation = local_generation + 1 WHERE id = 1;
          END;
          CREATE TRIGGER feed_entry_inserted AFTER INSERT ON feed_entry BEGIN
              UPDATE feed_list SET sum = NULL, count = count + 1, generation = generation + 1
              WHERE id = 1;
          END;
          CREATE TRIGGER feed_entry_updated AFTER UPDATE ON feed_entry BEGIN
              UPDATE feed_list SET sum = NULL, generation = generation + 1 WHERE id = 1;
          END;
          CREATE TRIGGER feed_entry_deleted AFTER DELETE ON feed_entry BEGIN
              UPDATE feed_list SET sum = NULL, count = count - 1, generation = generation + 1
              WHERE id = 1;
          END;
          CREATE TRIGGER feed_string_updated AFTER UPDATE ON feed_string BEGIN
              UPDATE feed_list SET sum = NULL, generation = generation + 1 WHERE id = 1;
          END;
          CREATE TRIGGER feed_string_deleted AFTER DELETE ON feed_string BEGIN
              UPDATE feed_list SET sum = NULL, generation = generation + 1 WHERE id = 1;
          END;
          CREATE VIEW blocklist_all (kind, value, category, campaign, source, added, origin,
                                     alert) AS
              SELECT kind, value, category, campaign, source, added, origin, alert
              FROM blocklist_entry
              UNION ALL
              SELECT CASE f.kind WHEN 1 THEN 'phone' WHEN 2 THEN 'domain' ELSE 'url' END,
                     f.value,
                     CASE f.category WHEN 0 THEN 'fake_support' WHEN 1 THEN 'fake_upgrade'
                                     WHEN 2 THEN 'freeze_threat' WHEN 3 THEN 'phishing'
                                     ELSE 'other' END,
                     c.text, s.text, f.added, 'feed', f.alert
              FROM feed_entry f
              LEFT JOIN feed_string c ON c.id = f.campaign
              LEFT JOIN feed_string s ON s.id = f.source;
          INSERT INTO feed_string (text)
              SELECT campaign FROM blocklist_entry
              WHERE origin = 'feed' AND campaign IS NOT NULL
              UNION SELECT source FROM blocklist_entry
              WHERE origin = 'feed' AND source IS NOT NULL;
          INSERT INTO feed_entry (kind, value, category, campaign, source, added, alert)
              SELECT CASE b.kind WHEN 'phone' THEN 1 WHEN 'domain' THEN 2 ELSE 3 END, b.value,
                     CASE b.category WHEN 'fake_support' THEN 0 WHEN 'fake_upgrade' THEN 1
                                     WHEN 'freeze_threat' THEN 2 WHEN 'phishing' THEN 3
                                     ELSE 4 END,
                     c.id, s.id, b.added, b.alert
              FROM blocklist_entry b
              LEFT JOIN feed_string c ON c.text = b.campaign
              LEFT JOIN feed_string s ON s.text = b.source
              WHERE b.origin = 'feed';
          DELETE FROM blocklist_entry WHERE origin = 'feed';
          UPDATE feed_list SET sum = NULL;
          UPDATE feed_state SET checksum = NULL;",
    seed: None,
};

/// The feed list in blocks (migration 9, see [`crate::feed_block`]): `feed_entry`'s rows
/// become blocks of up to 32 key-ordered entries, written as a snapshot would write them. The
/// list is the same, so its digest, count and checksum are kept. `blocklist_all` goes: listings
/// read the blocks in Rust.
pub(crate) const MIGRATION_FEED_BLOCK: Migration = Migration {
    version: 9,
    name: "feed_block",
    sql: "DROP VIEW blocklist_all;
          CREATE TABLE feed_block (
              id    INTEGER PRIMARY KEY,
              kind  INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
              first TEXT NOT NULL,
              count INTEGER NOT NULL CHECK (count > 0),
              data  BLOB NOT NULL,
              UNIQUE (kind, first)
          ) STRICT;",
    seed: Some(rows_to_blocks),
};

/// Migration 9's data step: every `feed_entry` row into blocks, then the table dropped (its
/// triggers with it) and the block triggers created. The digest and count stay.
fn rows_to_blocks(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let before = list_state(tx)?;
    {
        let mut w = crate::feed_block::BlockWriter::new(tx)?;
        let mut stmt = tx.prepare(
            "SELECT kind, value, category, campaign, source, added, alert FROM feed_entry
             ORDER BY kind, value",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind: i64 = r.get(0)?;
            let value: String = r.get(1)?;
            let t = row_tail(r, 2)?;
            w.push(kind, &value, &attrs_of_tail(t)?)?;
        }
        w.finish()?;
    }
    tx.execute_batch("DROP TABLE feed_entry;")?;
    tx.execute_batch(BLOCK_TRIGGERS)?;
    tx.execute(
        "UPDATE feed_list SET sum = ?1, count = ?2, generation = generation + 1 WHERE id = 1",
        params![
            before.sum.map(|s| s.to_bytes().to_vec()),
            i64_of(before.count)
        ],
    )?;
    Ok(())
}

/// The triggers that forget the list digest on a change to the blocks outside a feed apply
/// (and keep the entry count); a feed apply drops them for its own writes.
const BLOCK_TRIGGERS: &str = "
    CREATE TRIGGER feed_block_inserted AFTER INSERT ON feed_block BEGIN
        UPDATE feed_list SET sum = NULL, count = count + new.count,
                             generation = generation + 1
        WHERE id = 1;
    END;
    CREATE TRIGGER feed_block_updated AFTER UPDATE ON feed_block BEGIN
        UPDATE feed_list SET sum = NULL, count = count - old.count + new.count,
                             generation = generation + 1
        WHERE id = 1;
    END;
    CREATE TRIGGER feed_block_deleted AFTER DELETE ON feed_block BEGIN
        UPDATE feed_list SET sum = NULL, count = count - old.count,
                             generation = generation + 1
        WHERE id = 1;
    END;";

/// The same for the interned strings (from migration 7).
const STRING_TRIGGERS: &str = "
    CREATE TRIGGER feed_string_updated AFTER UPDATE ON feed_string BEGIN
        UPDATE feed_list SET sum = NULL, generation = generation + 1 WHERE id = 1;
    END;
    CREATE TRIGGER feed_string_deleted AFTER DELETE ON feed_string BEGIN
        UPDATE feed_list SET sum = NULL, generation = generation + 1 WHERE id = 1;
    END;";

const DROP_FEED_TRIGGERS: &str = "
    DROP TRIGGER feed_block_inserted;
    DROP TRIGGER feed_block_updated;
    DROP TRIGGER feed_block_deleted;
    DROP TRIGGER feed_string_updated;
    DROP TRIGGER feed_string_deleted;";

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

/// The stored code of a kind (`feed_entry.kind`).
pub(crate) fn kind_code(k: EntryKind) -> i64 {
    match k {
        EntryKind::Phone => 1,
        EntryKind::Domain => 2,
        EntryKind::Url => 3,
    }
}

pub(crate) fn kind_of(c: i64) -> Result<EntryKind, StoreError> {
    match c {
        1 => Ok(EntryKind::Phone),
        2 => Ok(EntryKind::Domain),
        3 => Ok(EntryKind::Url),
        _ => Err(StoreError::Corrupt(format!("feed entry kind {c}"))),
    }
}

fn category_code(c: Category) -> i64 {
    match c {
        Category::FakeSupport => 0,
        Category::FakeUpgrade => 1,
        Category::FreezeThreat => 2,
        Category::Phishing => 3,
        Category::Other => 4,
    }
}

fn category_of(c: i64) -> Result<Category, StoreError> {
    Ok(match c {
        0 => Category::FakeSupport,
        1 => Category::FakeUpgrade,
        2 => Category::FreezeThreat,
        3 => Category::Phishing,
        4 => Category::Other,
        _ => return Err(StoreError::Corrupt(format!("feed entry category {c}"))),
    })
}

/// The kinds in `feed_entry` key order.
const KIND_ORDER: [EntryKind; 3] = [EntryKind::Phone, EntryKind::Domain, EntryKind::Url];

/// The interned campaign and source names.
#[derive(Default)]
struct Strings {
    ids: HashMap<String, i64>,
    /// The same as `ids` in a list: a feed has a handful of campaigns and sources, and a scan
    /// of a few short strings costs a fraction of hashing one (twice an entry in a snapshot).
    few: Vec<(String, i64)>,
    texts: HashMap<i64, String>,
    next: i64,
}

/// Up to this many strings, [`Strings::id`] scans a list instead of hashing.
const FEW_STRINGS: usize = 16;

impl Strings {
    fn load(tx: &Connection) -> Result<Strings, StoreError> {
        let mut s = Strings::default();
        let mut stmt = tx.prepare("SELECT id, text FROM feed_string")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, text): (i64, String) = (r.get(0)?, r.get(1)?);
            s.next = s.next.max(id);
            s.ids.insert(text.clone(), id);
            s.few.push((text.clone(), id));
            s.texts.insert(id, text);
        }
        Ok(s)
    }

    fn id(&mut self, tx: &Connection, s: Option<&str>) -> Result<Option<i64>, StoreError> {
        let Some(s) = s else { return Ok(None) };
        let known = if self.few.len() <= FEW_STRINGS {
            self.few.iter().find(|(t, _)| t == s).map(|(_, id)| id)
        } else {
            self.ids.get(s)
        };
        if let Some(id) = known {
            return Ok(Some(*id));
        }
        self.next += 1;
        let id = self.next;
        tx.prepare_cached("INSERT INTO feed_string (id, text) VALUES (?1, ?2)")?
            .execute(params![id, s])?;
        self.ids.insert(s.to_owned(), id);
        self.few.push((s.to_owned(), id));
        self.texts.insert(id, s.to_owned());
        Ok(Some(id))
    }

    fn text_ref(&self, id: Option<i64>) -> Result<Option<&str>, StoreError> {
        id.map(|id| {
            self.texts
                .get(&id)
                .map(String::as_str)
                .ok_or_else(|| StoreError::Corrupt(format!("feed string {id} is missing")))
        })
        .transpose()
    }

    fn text(&self, id: Option<i64>) -> Result<Option<String>, StoreError> {
        id.map(|id| {
            self.texts
                .get(&id)
                .cloned()
                .ok_or_else(|| StoreError::Corrupt(format!("feed string {id} is missing")))
        })
        .transpose()
    }
}

/// A `feed_entry` row's columns after the key: category, campaign, source, added, alert.
type RowTail = (i64, Option<i64>, Option<i64>, i64, i64);

fn row_tail(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RowTail> {
    Ok((
        r.get(at)?,
        r.get(at + 1)?,
        r.get(at + 2)?,
        r.get(at + 3)?,
        r.get(at + 4)?,
    ))
}

/// A `feed_entry` row's columns after the key, as block fields (migration 9).
fn attrs_of_tail(t: RowTail) -> Result<Attrs, StoreError> {
    Ok(Attrs {
        category: u8::try_from(category_code(category_of(t.0)?)).unwrap_or(4),
        campaign: t.1,
        source: t.2,
        added: t.3,
        alert: t.4 == 1,
    })
}

/// An entry and its alert flag from block fields and its campaign and source names.
fn entry_of(
    kind: EntryKind,
    value: String,
    a: &Attrs,
    campaign: Option<String>,
    source: Option<String>,
) -> Result<(BlocklistEntry, bool), StoreError> {
    Ok((
        BlocklistEntry {
            kind,
            value,
            category: category_of(i64::from(a.category))?,
            campaign,
            source,
            added: Timestamp(a.added),
        },
        a.alert,
    ))
}

/// An entry and its alert flag from block fields, its strings from `strings`.
fn entry_of_attrs(
    kind: EntryKind,
    value: String,
    a: &Attrs,
    strings: &Strings,
) -> Result<(BlocklistEntry, bool), StoreError> {
    entry_of(
        kind,
        value,
        a,
        strings.text(a.campaign)?,
        strings.text(a.source)?,
    )
}

/// An entry's block fields, its strings interned.
fn attrs_of(
    tx: &Connection,
    strings: &mut Strings,
    e: &BlocklistEntry,
    alert: bool,
) -> Result<Attrs, StoreError> {
    Ok(Attrs {
        category: u8::try_from(category_code(e.category)).unwrap_or(4),
        campaign: strings.id(tx, e.campaign.as_deref())?,
        source: strings.id(tx, e.source.as_deref())?,
        added: e.added.0,
        alert,
    })
}

/// The digest state of the feed list.
struct ListState {
    sum: Option<ListSum>,
    count: u64,
    generation: i64,
    local_generation: i64,
}

fn list_state(conn: &Connection) -> Result<ListState, StoreError> {
    Ok(conn.query_row(
        "SELECT sum, count, generation, local_generation FROM feed_list WHERE id = 1",
        [],
        |r| {
            let sum: Option<Vec<u8>> = r.get(0)?;
            Ok(ListState {
                sum: sum
                    .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                    .map(|b| ListSum::from_bytes(&b)),
                count: u64_of(r.get(1)?),
                generation: r.get(2)?,
                local_generation: r.get(3)?,
            })
        },
    )?)
}

/// The generations of the feed and local entries (`feed_list`), for the index cache.
pub(crate) fn generations(conn: &Connection) -> Result<(i64, i64), StoreError> {
    let s = list_state(conn)?;
    Ok((s.generation, s.local_generation))
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

/// Feed entries, and how many of them are phone numbers.
pub(crate) fn feed_counts(conn: &Connection) -> Result<(i64, i64), StoreError> {
    let all: i64 = conn.query_row("SELECT count FROM feed_list WHERE id = 1", [], |r| r.get(0))?;
    let phones: i64 = conn.query_row(
        "SELECT coalesce(sum(count), 0) FROM feed_block WHERE kind = ?1",
        [kind_code(EntryKind::Phone)],
        |r| r.get(0),
    )?;
    Ok((all, phones))
}

/// The interned campaign and source names by id, as the index keeps them for lookups. An id
/// it lacks (a string a later delta added) is read from the table.
pub(crate) type StringCache = HashMap<i64, String>;

/// Every interned string.
pub(crate) fn load_strings(conn: &Connection) -> Result<StringCache, StoreError> {
    Ok(Strings::load(conn)?.texts)
}

/// A stored feed entry from its block fields: campaign and source from `cache` when it has
/// them, else read in one query.
fn stored(
    conn: &Connection,
    kind: EntryKind,
    value: &str,
    a: &Attrs,
    cache: Option<&StringCache>,
) -> Result<StoredEntry, StoreError> {
    let cached = |id: Option<i64>| -> Option<Option<String>> {
        match id {
            None => Some(None),
            Some(id) => cache?.get(&id).map(|t| Some(t.clone())),
        }
    };
    let (campaign, source): (Option<String>, Option<String>) =
        if let (Some(c), Some(s)) = (cached(a.campaign), cached(a.source)) {
            (c, s)
        } else {
            conn.prepare_cached(
                "SELECT (SELECT text FROM feed_string WHERE id = ?1),
                        (SELECT text FROM feed_string WHERE id = ?2)",
            )?
            .query_row(params![a.campaign, a.source], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
        };
    for (id, text) in [(a.campaign, &campaign), (a.source, &source)] {
        if let (Some(id), None) = (id, text) {
            return Err(StoreError::Corrupt(format!("feed string {id} is missing")));
        }
    }
    let (entry, alert) = entry_of(kind, value.to_owned(), a, campaign, source)?;
    Ok(StoredEntry {
        entry,
        origin: Origin::Feed,
        alert,
    })
}

/// The feed entry (kind, value), reading the one block that may hold it.
#[cfg(test)]
pub(crate) fn feed_entry(
    conn: &Connection,
    kind: EntryKind,
    value: &str,
) -> Result<Option<StoredEntry>, StoreError> {
    feed_entry_cached(conn, kind, value, None)
}

/// [`feed_entry`], with the strings from `cache` where it has them.
pub(crate) fn feed_entry_cached(
    conn: &Connection,
    kind: EntryKind,
    value: &str,
    cache: Option<&StringCache>,
) -> Result<Option<StoredEntry>, StoreError> {
    crate::feed_block::lookup(conn, kind_code(kind), value)?
        .map(|a| stored(conn, kind, value, &a, cache))
        .transpose()
}

/// Every feed entry, in key order (kind code, then value).
pub(crate) fn feed_entries(conn: &Connection) -> Result<Vec<StoredEntry>, StoreError> {
    let strings = Strings::load(conn)?;
    let mut out = Vec::new();
    crate::feed_block::scan(conn, None, |kind, value, a| {
        let (entry, alert) = entry_of_attrs(kind_of(kind)?, value.to_owned(), a, &strings)?;
        out.push(StoredEntry {
            entry,
            origin: Origin::Feed,
            alert,
        });
        Ok(())
    })?;
    Ok(out)
}

/// Removes the feed entry (kind, value) and returns it, for an import that takes it over.
pub(crate) fn take_feed_entry(
    tx: &Transaction<'_>,
    kind: EntryKind,
    value: &str,
) -> Result<Option<StoredEntry>, StoreError> {
    let mut ed = Editor::new(tx);
    let old = ed.remove(kind_code(kind), value)?;
    ed.finish()?;
    old.map(|a| stored(tx, kind, value, &a, None)).transpose()
}

/// Writes entries as feed entries outside a feed apply (tests and benchmarks fill a list so):
/// an existing feed entry is updated keeping its date added, a local one is taken over. The
/// triggers leave the list's digest unknown. A value given twice takes its last details.
pub(crate) fn import_feed(
    tx: &Transaction<'_>,
    entries: &[(BlocklistEntry, bool)],
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    let mut strings = Strings::load(tx)?;
    let mut take_over =
        tx.prepare("DELETE FROM blocklist_entry WHERE kind = ?1 AND value = ?2 RETURNING added")?;
    // In key order the blocks are read and written once each (stable: the last of a value wins).
    let mut sorted: Vec<&(BlocklistEntry, bool)> = entries.iter().collect();
    sorted.sort_by(|a, b| {
        (kind_code(a.0.kind), a.0.value.as_bytes())
            .cmp(&(kind_code(b.0.kind), b.0.value.as_bytes()))
    });
    let mut ed = Editor::new(tx);
    for (e, alert) in sorted {
        let kind = kind_code(e.kind);
        let local: Option<i64> = take_over
            .query_row(params![e.kind.as_str(), e.value], |r| r.get(0))
            .optional()?;
        let mut attrs = attrs_of(tx, &mut strings, e, *alert)?;
        match (ed.get(kind, &e.value)?, local) {
            (Some(o), _) => {
                attrs.added = o.added;
                if o == attrs {
                    report.unchanged += 1;
                    continue;
                }
                report.updated += 1;
            }
            (None, Some(added)) => {
                attrs.added = added;
                report.updated += 1;
            }
            (None, None) => report.added += 1,
        }
        ed.upsert(kind, &e.value, attrs)?;
    }
    ed.finish()?;
    Ok(report)
}

/// The most added keys `feed_added` keeps; an index further behind rebuilds from the list.
pub(crate) const MAX_LOGGED_KEYS: usize = 1_000_000;

/// Logs the keys a delta added under the generation it produced (a snapshot clears the log),
/// dropping the oldest entries beyond [`MAX_LOGGED_KEYS`].
fn log_added(
    tx: &Transaction<'_>,
    mode: FeedMode,
    generation: i64,
    keys: &[u64],
) -> Result<(), StoreError> {
    if mode == FeedMode::Snapshot || keys.len() > MAX_LOGGED_KEYS {
        tx.execute("DELETE FROM feed_added", [])?;
        return Ok(());
    }
    let mut blob = Vec::with_capacity(keys.len() * 8);
    for k in keys {
        blob.extend_from_slice(&k.to_le_bytes());
    }
    tx.execute(
        "INSERT INTO feed_added (generation, keys) VALUES (?1, ?2)",
        params![generation, blob],
    )?;
    // Keep the newest entries whose keys fit under the cap.
    tx.execute(
        "DELETE FROM feed_added WHERE generation < (
             SELECT coalesce(min(generation), 0) FROM (
                 SELECT generation, sum(length(keys)) OVER (ORDER BY generation DESC) AS total
                 FROM feed_added) WHERE total <= ?1)",
        [i64_of(
            u64::try_from(MAX_LOGGED_KEYS * 8).unwrap_or(u64::MAX),
        )],
    )?;
    Ok(())
}

/// The keys the deltas after generation `from` up to `to` added, if `feed_added` has them all.
pub(crate) fn added_since(
    conn: &Connection,
    from: i64,
    to: i64,
) -> Result<Option<Vec<u64>>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT generation, keys FROM feed_added
         WHERE generation > ?1 AND generation <= ?2 ORDER BY generation",
    )?;
    let mut rows = stmt.query([from, to])?;
    let mut expect = from + 1;
    let mut keys = Vec::new();
    while let Some(r) = rows.next()? {
        if r.get::<_, i64>(0)? != expect {
            return Ok(None);
        }
        let blob = r.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
        keys.extend(blob.chunks_exact(8).map(|c| {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            u64::from_le_bytes(w)
        }));
        expect += 1;
    }
    Ok((expect == to + 1).then_some(keys))
}

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

    /// The feed list's digest and entry count as kept by the last feed apply, or `None` when
    /// something else has changed the feed entries since (then only a snapshot is applied).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn feed_list_sum(&self) -> Result<Option<(ListSum, u64)>, StoreError> {
        let s = list_state(&self.conn)?;
        Ok(s.sum.map(|sum| (sum, s.count)))
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

    /// Applies one feed version in one write transaction: the feed entries (a snapshot replaces
    /// them all, a delta changes only its rows), the official directory and the new state.
    /// The list's digest is kept up to date with the changes (`digest` hashes one entry, see
    /// [`ListSum`]); then, still inside the transaction, `verify` gets the resulting sum and
    /// entry count. If it returns an error, everything is rolled back and
    /// [`StoreError::Rejected`] carries its message.
    ///
    /// Feed values are authoritative: an upsert sets every field, including the date added, and
    /// takes over an imported entry with the same value.
    ///
    /// # Errors
    /// [`StoreError::Rejected`] when `verify` refuses the result, a snapshot is not in canonical
    /// order, or a delta finds the list changed since the last apply (its digest unknown);
    /// SQLite errors. Nothing is written then.
    pub fn apply_feed_update<R: FeedRow + Sync>(
        &mut self,
        update: &FeedUpdate<'_, R>,
        digest: &dyn ListDigest,
        verify: impl FnOnce(&ListSum, u64) -> Result<(), String>,
    ) -> Result<FeedApplied, StoreError> {
        // A big update touches many pages: a larger page cache for its duration avoids
        // spilling them to the WAL over and over (SQLite's default is 2 MiB).
        self.conn.pragma_update(None, "cache_size", -262_144)?;
        let result = self.write(|tx| {
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
                        return Err(StoreError::Rejected(
                            "the local feed list was changed outside a feed update, so its \
                             checksum is unknown"
                                .into(),
                        ));
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
            log_added(tx, update.mode, before.generation + 1, &added_keys)?;
            tx.execute_batch(BLOCK_TRIGGERS)?;
            tx.execute_batch(STRING_TRIGGERS)?;
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
            verify(&sum, applied.entries).map_err(StoreError::Rejected)?;
            let after = list_state(tx)?;
            let local: i64 =
                tx.query_row("SELECT count(*) FROM blocklist_entry", [], |r| r.get(0))?;
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
        });
        // The update has committed (or rolled back) by now: a page cache left large is no reason
        // to report it otherwise.
        if let Err(e) = self.conn.pragma_update(None, "cache_size", -2_000) {
            log::warn!("cannot shrink the page cache after a feed update: {e}");
        }
        let (applied, change) = result?;
        if update.index {
            let official = crate::blocklist::read_official(&self.conn)?;
            let strings = load_strings(&self.conn)?;
            self.cache.applied(change, official, strings)?;
        } else {
            self.cache.invalidate();
        }
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
                .map_err(|_| StoreError::Corrupt(format!("unknown kind {kind:?}")))?;
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
        let d = worker
            .join()
            .map_err(|_| StoreError::Index("the snapshot digest thread failed".into()))?;
        // A list out of order may also have failed the writes (a repeated key): say why.
        if !d.ordered {
            return Err(StoreError::Rejected(
                "the snapshot is not in canonical order".into(),
            ));
        }
        written?;
        applied.entries = u64::try_from(list.len()).unwrap_or(u64::MAX);
        let filter = d.filter.transpose().map_err(StoreError::Index)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{Hash, Hasher};

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
                matches!(&err, StoreError::Rejected(m) if m.contains("checksum")),
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
        }
        // Another store on the same database applies the next delta: this one catches up from
        // the log of added keys.
        let mut other = Store::open(dir.path()).unwrap();
        let mut new_campaign = e(EntryKind::Phone, "+85238888888", false);
        new_campaign.0.campaign = Some("a campaign this store has not seen".into());
        let added = [new_campaign];
        let mut up = update(FeedMode::Delta, &[], &added, 3);
        up.index = false;
        other.apply_feed_update(&up, &TestDigest, ok).unwrap();
        {
            let (view, _) = store.lookup_tables().unwrap();
            assert_eq!((view.len(), view.overlay_len()), (101, 2));
            assert!(view.contains_phone("+85238888888").unwrap());
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
        assert_eq!((view.len(), view.overlay_len()), (100, 0));
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
}
