//! The local blocklist and the official-channel directory, and the lookup over them.
//!
//! Entries are stored normalised (see `verity_core::blocklist`), each with its 64-bit
//! [`entry_key`] in the `key` column. Only a [`BlocklistFilter`] over those keys is kept in
//! memory (about 2.3 bytes an entry, built from the `key` index alone); a filter hit is
//! confirmed by a point query on `UNIQUE (kind, value)` that returns the entry, so a false
//! positive never becomes a false match ([`BlocklistView`]). The filter is built on first use
//! and rebuilt after every change, including changes another process made (`verityctl
//! blocklist import` while the app runs): `PRAGMA data_version` tells this connection when
//! another one has committed.
//!
//! A row written without its key (`key IS NULL`: SQL that predates the column, or a writer that
//! does not set it) is still found: the build hashes its kind and value instead, only slower.
//! A trigger clears the key of a row whose kind or value changes without it.

use crate::migrate::Migration;
use crate::{Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use verity_core::blocklist::{
    entry_key, BlocklistEntry, BlocklistFilter, BlocklistLookup, Category, EntryKind, LookupError,
};
use verity_core::official::OfficialDirectory;
use verity_core::Timestamp;

pub(crate) const MIGRATION_2: Migration = Migration {
    version: 2,
    name: "blocklist",
    sql: "CREATE TABLE blocklist_entry (
              id       INTEGER PRIMARY KEY,
              kind     TEXT NOT NULL CHECK (kind IN ('phone', 'domain', 'url')),
              value    TEXT NOT NULL,
              category TEXT NOT NULL CHECK (category IN
                         ('fake_support', 'fake_upgrade', 'freeze_threat', 'phishing', 'other')),
              campaign TEXT,
              source   TEXT,
              added    INTEGER NOT NULL,
              origin   TEXT NOT NULL CHECK (origin IN ('sample', 'import', 'feed')),
              alert    INTEGER NOT NULL DEFAULT 0 CHECK (alert IN (0, 1)),
              UNIQUE (kind, value)
          ) STRICT;
          CREATE TABLE official_directory (
              id      INTEGER PRIMARY KEY CHECK (id = 1),
              json    TEXT NOT NULL,
              origin  TEXT NOT NULL CHECK (origin IN ('import', 'feed')),
              updated INTEGER NOT NULL
          ) STRICT;",
    seed: Some(seed_sample),
};

/// The entry key column (see the module documentation), filled for existing rows.
pub(crate) const MIGRATION_BLOCKLIST_KEY: Migration = Migration {
    version: 4,
    name: "blocklist entry key",
    sql: "ALTER TABLE blocklist_entry ADD COLUMN key INTEGER;
          CREATE INDEX blocklist_entry_key ON blocklist_entry (key);
          CREATE TRIGGER blocklist_entry_key_stale AFTER UPDATE OF kind, value ON blocklist_entry
              WHEN NEW.key IS OLD.key
                   AND (NEW.kind IS NOT OLD.kind OR NEW.value IS NOT OLD.value)
          BEGIN
              UPDATE blocklist_entry SET key = NULL WHERE id = NEW.id;
          END;",
    seed: Some(fill_keys),
};

/// [`entry_key`] as SQLite stores it (the same 64 bits, as a signed integer).
pub(crate) fn key_sql(kind: EntryKind, value: &str) -> i64 {
    i64::from_ne_bytes(entry_key(kind, value).to_ne_bytes())
}

fn key_of_sql(k: i64) -> u64 {
    u64::from_ne_bytes(k.to_ne_bytes())
}

fn parse_kind(kind: &str) -> Result<EntryKind, StoreError> {
    kind.parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown kind {kind:?}")))
}

/// Writes the key of every row that has none.
pub(crate) fn fill_keys(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let missing: Vec<(i64, String, String)> = tx
        .prepare("SELECT id, kind, value FROM blocklist_entry WHERE key IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut set = tx.prepare("UPDATE blocklist_entry SET key = ?1 WHERE id = ?2")?;
    for (id, kind, value) in missing {
        set.execute(params![key_sql(parse_kind(&kind)?, &value), id])?;
    }
    Ok(())
}

/// Where an entry came from. A feed sync replaces only `feed` entries (and drops the sample).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The bundled starter list, labelled as sample data.
    Sample,
    /// Imported by an administrator from a CSV file.
    Import,
    /// The organisation's signed feed.
    Feed,
}

impl Origin {
    /// The stored code.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Sample => "sample",
            Origin::Import => "import",
            Origin::Feed => "feed",
        }
    }

    fn parse(s: &str) -> Option<Origin> {
        match s {
            "sample" => Some(Origin::Sample),
            "import" => Some(Origin::Import),
            "feed" => Some(Origin::Feed),
            _ => None,
        }
    }
}

/// An entry as stored, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// The entry.
    pub entry: BlocklistEntry,
    /// Where it came from.
    pub origin: Origin,
    /// Whether it raises a desktop alert when new.
    pub alert: bool,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// Entries that were not on the list.
    pub added: usize,
    /// Entries already on the list whose details changed.
    pub updated: usize,
    /// Entries already on the list exactly so.
    pub unchanged: usize,
}

/// Counts for status displays.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlocklistSummary {
    /// All entries.
    pub entries: i64,
    /// Phone numbers.
    pub phones: i64,
    /// Domains and URL expressions.
    pub links: i64,
    /// Entries from the bundled sample list.
    pub sample: i64,
}

/// The bundled starter list: sample data so that a fresh install can be tried. The numbers are
/// made up, the domains are under `example.com` / `example.net` (reserved, RFC 2606); the
/// source says so, and the first feed sync removes them.
pub const SAMPLE_SOURCE: &str = "Verity sample data (not real reports)";

const SAMPLE: &[(&str, &str, &str, &str)] = &[
    (
        "phone",
        "+85230012345",
        "fake_support",
        "sample: fake DingTalk hotline in search ads",
    ),
    (
        "phone",
        "+85230019876",
        "fake_support",
        "sample: fake engineer asking for remote access",
    ),
    (
        "phone",
        "+85263001234",
        "freeze_threat",
        "sample: account freeze threat calls",
    ),
    (
        "domain",
        "dingtalk-upgrade.example.com",
        "fake_upgrade",
        "sample: paid upgrade page",
    ),
    (
        "domain",
        "dingtalk-hk-support.example.net",
        "fake_support",
        "sample: fake support site",
    ),
    (
        "url",
        "pay.example.net/dingtalk/upgrade",
        "fake_upgrade",
        "sample: fake payment page",
    ),
];

/// The time the sample entries are dated (2026-01-01T00:00:00Z).
const SAMPLE_ADDED: i64 = 1_767_225_600;

pub(crate) fn seed_sample(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let mut stmt = tx.prepare(
        "INSERT OR IGNORE INTO blocklist_entry
             (kind, value, category, campaign, source, added, origin, alert)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sample', 0)",
    )?;
    for (kind, value, category, campaign) in SAMPLE {
        stmt.execute(params![
            kind,
            value,
            category,
            campaign,
            SAMPLE_SOURCE,
            SAMPLE_ADDED
        ])?;
    }
    Ok(())
}

/// The filter and the directory as last loaded, with the database version they reflect.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    loaded: Option<Loaded>,
}

/// Feed keys added since the base filter was built may grow to this many (or a quarter of the
/// list, when that is more) before the next lookup rebuilds the base instead.
const MAX_OVERLAY: usize = 1_000_000;

impl Cache {
    /// Forgets the index: the next lookup rebuilds it (after a write outside this module).
    pub(crate) fn invalidate(&mut self) {
        self.loaded = None;
    }

    /// Brings the index up to date after this store applied a feed version: a snapshot's filter
    /// replaces it; a delta's added keys join the overlay, if the index reflected the list the
    /// delta was applied to. Otherwise the next lookup rebuilds it.
    pub(crate) fn applied(
        &mut self,
        change: crate::feed::IndexChange,
        official: OfficialDirectory,
        strings: crate::feed::StringCache,
    ) -> Result<(), StoreError> {
        let entries = change.local_entries + change.feed_entries;
        if let Some(filter) = change.filter {
            self.loaded = Some(Loaded {
                data_version: change.data_version,
                generations: change.after,
                filter,
                overlay_keys: Vec::new(),
                overlay: BlocklistFilter::default(),
                entries,
                official,
                strings,
            });
            return Ok(());
        }
        let current = matches!(&self.loaded, Some(l) if l.generations == change.before);
        let Some(l) = self.loaded.as_mut().filter(|_| current) else {
            self.loaded = None;
            return Ok(());
        };
        if l.overlay_keys.len() + change.added_keys.len() > MAX_OVERLAY.max(entries / 4) {
            self.loaded = None;
            return Ok(());
        }
        if !change.added_keys.is_empty() {
            l.overlay_keys.extend(change.added_keys);
            l.overlay = BlocklistFilter::build(l.overlay_keys.clone())
                .map_err(|e| StoreError::Index(e.to_string()))?;
        }
        l.data_version = change.data_version;
        l.generations = change.after;
        l.entries = entries;
        l.official = official;
        l.strings = strings;
        Ok(())
    }
}

#[derive(Debug)]
struct Loaded {
    data_version: i64,
    /// `feed_list.generation` and `local_generation` the filters reflect.
    generations: (i64, i64),
    /// Every key, as of the last full build.
    filter: BlocklistFilter,
    /// Feed keys added by deltas this store applied since (exact: no false negatives).
    overlay_keys: Vec<u64>,
    overlay: BlocklistFilter,
    entries: usize,
    official: OfficialDirectory,
    /// The feed's interned strings, for confirming queries (an id missing here is read from
    /// the table: a delta another process applied may add strings).
    strings: crate::feed::StringCache,
}

impl Loaded {
    /// Adds the keys the feed deltas since `self.generations` added to the overlay, if they are
    /// all logged and the overlay stays small enough. Returns whether it did.
    fn catch_up(&mut self, conn: &Connection, now: (i64, i64)) -> Result<bool, StoreError> {
        let Some(added) = crate::feed::added_since(conn, self.generations.0, now.0)? else {
            return Ok(false);
        };
        if self.overlay_keys.len() + added.len() > MAX_OVERLAY.max(self.entries / 4) {
            return Ok(false);
        }
        if !added.is_empty() {
            self.overlay_keys.extend(added);
            self.overlay = BlocklistFilter::build(self.overlay_keys.clone())
                .map_err(|e| StoreError::Index(e.to_string()))?;
        }
        self.generations = now;
        Ok(true)
    }
}

/// Local and feed entries.
fn count_entries(conn: &Connection) -> Result<usize, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT (SELECT count(*) FROM blocklist_entry) + (SELECT count FROM feed_list)",
        [],
        |r| r.get(0),
    )?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Reads the keys and the directory (inside the caller's read transaction) and builds the filter.
fn load(tx: &Connection, data_version: i64) -> Result<Loaded, StoreError> {
    let generations = crate::feed::generations(tx)?;
    let mut keys: Vec<u64> = Vec::new();
    {
        // A scan of the covering `key` index: one integer a row, already in order.
        let mut stmt =
            tx.prepare("SELECT key FROM blocklist_entry WHERE key IS NOT NULL ORDER BY key")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            keys.push(key_of_sql(r.get(0)?));
        }
    }
    {
        let mut stmt = tx.prepare("SELECT kind, value FROM blocklist_entry WHERE key IS NULL")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let value: String = r.get(1)?;
            keys.push(entry_key(parse_kind(&kind)?, &value));
        }
    }
    {
        // The feed's keys are hashed from its blocks, read in key order.
        let mut last: Option<(i64, EntryKind)> = None;
        crate::feed_block::scan(tx, None, |code, value, _| {
            let kind = match last {
                Some((c, k)) if c == code => k,
                _ => {
                    let k = crate::feed::kind_of(code)?;
                    last = Some((code, k));
                    k
                }
            };
            keys.push(entry_key(kind, value));
            Ok(())
        })?;
    }
    let entries = keys.len();
    let official = read_official(tx)?;
    let strings = crate::feed::load_strings(tx)?;
    let filter = BlocklistFilter::build(keys).map_err(|e| StoreError::Index(e.to_string()))?;
    Ok(Loaded {
        data_version,
        generations,
        filter,
        overlay_keys: Vec::new(),
        overlay: BlocklistFilter::default(),
        entries,
        official,
        strings,
    })
}

pub(crate) fn read_official(conn: &Connection) -> Result<OfficialDirectory, StoreError> {
    let json: Option<String> = conn
        .query_row(
            "SELECT json FROM official_directory WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match json {
        None => Ok(OfficialDirectory::dingtalk_default()),
        Some(j) => serde_json::from_str(&j)
            .map_err(|e| StoreError::Corrupt(format!("official directory: {e}"))),
    }
}

/// The entry (kind, value): a feed entry by its primary key (most entries are), else a local
/// entry by the `UNIQUE (kind, value)` index.
fn point_query(
    conn: &Connection,
    kind: EntryKind,
    value: &str,
    strings: Option<&crate::feed::StringCache>,
) -> Result<Option<StoredEntry>, StoreError> {
    if let Some(feed) = crate::feed::feed_entry_cached(conn, kind, value, strings)? {
        return Ok(Some(feed));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT kind, value, category, campaign, source, added, origin, alert
         FROM blocklist_entry WHERE kind = ?1 AND value = ?2",
    )?;
    let row = stmt
        .query_row(params![kind.as_str(), value], entry_from_row)
        .optional()?;
    row.map(|r| r.map_err(StoreError::Corrupt)).transpose()
}

/// The blocklist as checks see it: the in-memory filter in front of the database. Borrowed from
/// the [`Store`] by [`Store::lookup_tables`]; implements [`BlocklistLookup`] for
/// `verity_core::check::CheckContext`.
///
/// It holds one read transaction until it is dropped: the freshness check, a rebuild and every
/// confirming query see one snapshot (a message's items agree with each other) and take the
/// database's file locks once, not once a query. Drop it when the check is done: while a
/// reader holds a snapshot, checkpoints cannot reset the write-ahead log.
pub struct BlocklistView<'a> {
    snapshot: Transaction<'a>,
    filter: &'a BlocklistFilter,
    overlay: &'a BlocklistFilter,
    strings: &'a crate::feed::StringCache,
    entries: usize,
}

impl std::fmt::Debug for BlocklistView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlocklistView")
            .field("entries", &self.entries)
            .field("filter_bytes", &self.filter.size_in_bytes())
            .field("overlay_keys", &self.overlay.len())
            .finish_non_exhaustive()
    }
}

impl<'a> BlocklistView<'a> {
    /// How many entries the list has.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Feed entries added since the filter was last fully built, kept in an overlay.
    #[must_use]
    pub fn overlay_len(&self) -> usize {
        self.overlay.len()
    }

    /// The in-memory filter as last fully built (for its size, and for the bare probe); feed
    /// entries added since by this store's deltas are in an overlay that [`BlocklistView::find`]
    /// also probes.
    #[must_use]
    pub fn filter(&self) -> &'a BlocklistFilter {
        self.filter
    }

    /// The entry (kind, normalised value): the filter first, then, on a hit, the database.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for a row that no longer parses.
    pub fn find(&self, kind: EntryKind, value: &str) -> Result<Option<StoredEntry>, StoreError> {
        let key = entry_key(kind, value);
        if !self.filter.may_contain_key(key) && !self.overlay.may_contain_key(key) {
            return Ok(None);
        }
        point_query(&self.snapshot, kind, value, Some(self.strings))
    }

    /// Whether an E.164 number is listed (exactly: a filter hit is confirmed).
    ///
    /// # Errors
    /// As [`BlocklistView::find`].
    pub fn contains_phone(&self, e164: &str) -> Result<bool, StoreError> {
        Ok(self.find(EntryKind::Phone, e164)?.is_some())
    }
}

impl BlocklistLookup for BlocklistView<'_> {
    fn lookup_exact(
        &self,
        kind: EntryKind,
        value: &str,
        out: &mut Vec<BlocklistEntry>,
    ) -> Result<(), LookupError> {
        if let Some(s) = self.find(kind, value).map_err(LookupError::new)? {
            out.push(s.entry);
        }
        Ok(())
    }
}

/// Back from a check: the store's own error when it was one.
impl From<LookupError> for StoreError {
    fn from(e: LookupError) -> Self {
        match e.into_inner().downcast::<StoreError>() {
            Ok(s) => *s,
            Err(other) => StoreError::Index(other.to_string()),
        }
    }
}

pub(crate) fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<Result<StoredEntry, String>> {
    let kind: String = row.get(0)?;
    let value: String = row.get(1)?;
    let category: String = row.get(2)?;
    let origin: String = row.get(6)?;
    let parsed = (|| {
        let kind: EntryKind = kind.parse().map_err(|_| format!("unknown kind {kind:?}"))?;
        let category: Category = category
            .parse()
            .map_err(|_| format!("unknown category {category:?}"))?;
        let origin = Origin::parse(&origin).ok_or_else(|| format!("unknown origin {origin:?}"))?;
        Ok::<_, String>((kind, category, origin))
    })();
    let campaign: Option<String> = row.get(3)?;
    let source: Option<String> = row.get(4)?;
    let added: i64 = row.get(5)?;
    let alert: i64 = row.get(7)?;
    Ok(parsed.map(|(kind, category, origin)| StoredEntry {
        entry: BlocklistEntry {
            kind,
            value,
            category,
            campaign,
            source,
            added: Timestamp(added),
        },
        origin,
        alert: alert == 1,
    }))
}

fn data_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?)
}

impl Store {
    /// Every entry, ordered by kind and value.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for a row that no longer parses.
    pub fn blocklist_entries(&self) -> Result<Vec<StoredEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT kind, value, category, campaign, source, added, origin, alert
             FROM blocklist_entry",
        )?;
        let rows = stmt.query_map([], entry_from_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.map_err(StoreError::Corrupt)?);
        }
        out.extend(crate::feed::feed_entries(&self.conn)?);
        out.sort_by(|a, b| {
            (a.entry.kind.as_str(), a.entry.value.as_bytes())
                .cmp(&(b.entry.kind.as_str(), b.entry.value.as_bytes()))
        });
        Ok(out)
    }

    /// Counts of the list's entries, local and feed.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn blocklist_summary(&self) -> Result<BlocklistSummary, StoreError> {
        let (feed, feed_phones) = crate::feed::feed_counts(&self.conn)?;
        let local = self.conn.query_row(
            "SELECT count(*),
                    count(*) FILTER (WHERE kind = 'phone'),
                    count(*) FILTER (WHERE kind <> 'phone'),
                    count(*) FILTER (WHERE origin = 'sample')
             FROM blocklist_entry",
            [],
            |r| {
                Ok(BlocklistSummary {
                    entries: r.get(0)?,
                    phones: r.get(1)?,
                    links: r.get(2)?,
                    sample: r.get(3)?,
                })
            },
        )?;
        Ok(BlocklistSummary {
            entries: local.entries + feed,
            phones: local.phones + feed_phones,
            links: local.links + feed - feed_phones,
            sample: local.sample,
        })
    }

    /// Adds or updates `entries` in one transaction: all of them or none.
    ///
    /// # Errors
    /// SQLite errors; nothing is written then.
    pub fn import_entries(
        &mut self,
        entries: &[(BlocklistEntry, bool)],
        origin: Origin,
    ) -> Result<ImportReport, StoreError> {
        let report = self.write(|tx| {
            if origin == Origin::Feed {
                crate::feed::import_feed(tx, entries)
            } else {
                upsert(tx, entries, origin)
            }
        })?;
        self.cache.loaded = None;
        Ok(report)
    }

    /// Replaces every entry of `origin` with `entries` (and drops the sample list), in one
    /// transaction. Feed entries written so (not by [`Store::apply_feed_update`]) leave the
    /// list's digest unknown: the next sync applies the snapshot.
    ///
    /// # Errors
    /// SQLite errors; nothing is written then.
    pub fn replace_entries(
        &mut self,
        entries: &[(BlocklistEntry, bool)],
        origin: Origin,
    ) -> Result<ImportReport, StoreError> {
        let report = self.write(|tx| {
            tx.execute(
                "DELETE FROM blocklist_entry WHERE origin IN (?1, 'sample')",
                [origin.as_str()],
            )?;
            if origin == Origin::Feed {
                tx.execute("DELETE FROM feed_block", [])?;
                crate::feed::import_feed(tx, entries)
            } else {
                upsert(tx, entries, origin)
            }
        })?;
        self.cache.loaded = None;
        Ok(report)
    }

    /// Removes one entry. Returns whether it existed.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn remove_entry(&mut self, kind: EntryKind, value: &str) -> Result<bool, StoreError> {
        let removed = self.write(|tx| {
            let local = tx.execute(
                "DELETE FROM blocklist_entry WHERE kind = ?1 AND value = ?2",
                params![kind.as_str(), value],
            )?;
            let feed = crate::feed::take_feed_entry(tx, kind, value)?;
            Ok(local > 0 || feed.is_some())
        })?;
        self.cache.loaded = None;
        Ok(removed)
    }

    /// The official-channel directory: the stored one, else the shipped default for DingTalk.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] when the stored directory does not parse.
    pub fn official_directory(&self) -> Result<OfficialDirectory, StoreError> {
        read_official(&self.conn)
    }

    /// Stores the official-channel directory (from the feed, or an administrator's import).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_official_directory(
        &mut self,
        directory: &OfficialDirectory,
        origin: Origin,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(directory)
            .map_err(|e| StoreError::Corrupt(format!("official directory: {e}")))?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO official_directory (id, json, origin, updated) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET json = excluded.json, origin = excluded.origin,
                     updated = excluded.updated",
                params![json, origin.as_str(), now.0],
            )?;
            Ok(())
        })?;
        self.cache.loaded = None;
        Ok(())
    }

    /// The entry (kind, normalised value), by a plain indexed query (no filter).
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for a row that no longer parses.
    pub fn blocklist_entry(
        &self,
        kind: EntryKind,
        value: &str,
    ) -> Result<Option<StoredEntry>, StoreError> {
        point_query(&self.conn, kind, value, None)
    }

    /// The blocklist (its filter in memory, rebuilt if this or another process changed the
    /// database since the last call) and the official directory: what a check needs.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for rows that no longer parse.
    pub fn lookup_tables(&mut self) -> Result<(BlocklistView<'_>, &OfficialDirectory), StoreError> {
        // Rolled back (a read-only transaction just ends) when the view is dropped.
        let snapshot = self.conn.unchecked_transaction()?;
        let version = data_version(&snapshot)?;
        if let Some(l) = &mut self.cache.loaded {
            if l.data_version != version {
                // Another connection committed: keep the filters if no entry changed, or if
                // only feed deltas did (their added keys join the overlay).
                let now = crate::feed::generations(&snapshot)?;
                let caught_up = if now == l.generations {
                    true
                } else if now.1 == l.generations.1 && now.0 > l.generations.0 {
                    l.catch_up(&snapshot, now)?
                } else {
                    false
                };
                if caught_up {
                    l.official = read_official(&snapshot)?;
                    l.data_version = version;
                    l.entries = count_entries(&snapshot)?;
                } else {
                    // Free the old filter before building the new one.
                    self.cache.loaded = None;
                }
            }
        }
        let loaded: &Loaded = match &mut self.cache.loaded {
            Some(l) => l,
            slot => slot.insert(load(&snapshot, version)?),
        };
        Ok((
            BlocklistView {
                snapshot,
                filter: &loaded.filter,
                overlay: &loaded.overlay,
                strings: &loaded.strings,
                entries: loaded.entries,
            },
            &loaded.official,
        ))
    }
}

fn upsert(
    tx: &Transaction<'_>,
    entries: &[(BlocklistEntry, bool)],
    origin: Origin,
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    let mut find = tx.prepare(
        "SELECT category, campaign, source, origin, alert FROM blocklist_entry
         WHERE kind = ?1 AND value = ?2",
    )?;
    let mut insert = tx.prepare(
        "INSERT INTO blocklist_entry
             (kind, value, category, campaign, source, added, origin, alert, key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    // An update keeps the original date added: the entry has been known since then.
    let mut update = tx.prepare(
        "UPDATE blocklist_entry SET category = ?3, campaign = ?4, source = ?5, origin = ?6,
             alert = ?7
         WHERE kind = ?1 AND value = ?2",
    )?;
    for (e, alert) in entries {
        // A feed entry with this value is taken over (the list's digest becomes unknown, so
        // the next sync applies the snapshot); an update keeps its date added.
        if let Some(feed) = crate::feed::take_feed_entry(tx, e.kind, &e.value)? {
            insert.execute(params![
                e.kind.as_str(),
                e.value,
                e.category.as_str(),
                e.campaign,
                e.source,
                feed.entry.added.0,
                origin.as_str(),
                i64::from(*alert),
                key_sql(e.kind, &e.value)
            ])?;
            report.updated += 1;
            continue;
        }
        let existing = find
            .query_row(params![e.kind.as_str(), e.value], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .optional()?;
        let alert_i = i64::from(*alert);
        match existing {
            None => {
                insert.execute(params![
                    e.kind.as_str(),
                    e.value,
                    e.category.as_str(),
                    e.campaign,
                    e.source,
                    e.added.0,
                    origin.as_str(),
                    alert_i,
                    key_sql(e.kind, &e.value)
                ])?;
                report.added += 1;
            }
            Some(old) => {
                let new = (
                    e.category.as_str().to_owned(),
                    e.campaign.clone(),
                    e.source.clone(),
                    origin.as_str().to_owned(),
                    alert_i,
                );
                if old == new {
                    report.unchanged += 1;
                } else {
                    update.execute(params![
                        e.kind.as_str(),
                        e.value,
                        new.0,
                        new.1,
                        new.2,
                        new.3,
                        new.4
                    ])?;
                    report.updated += 1;
                }
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::{run_list, MIGRATIONS};
    use verity_core::phone::Region;

    fn entry(kind: EntryKind, raw: &str) -> (BlocklistEntry, bool) {
        let e = BlocklistEntry::new(
            kind,
            raw,
            Category::Phishing,
            None,
            Some("test".into()),
            Timestamp(1),
            Region::HK,
        )
        .unwrap();
        (e, false)
    }

    fn keys_match(conn: &Connection) {
        let mut stmt = conn
            .prepare("SELECT kind, value, key FROM blocklist_entry")
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })
            .unwrap();
        let mut n = 0;
        for row in rows {
            let (kind, value, key) = row.unwrap();
            assert_eq!(key, Some(key_sql(parse_kind(&kind).unwrap(), &value)));
            n += 1;
        }
        assert!(n > 0);
    }

    #[test]
    fn the_migration_fills_the_keys_of_existing_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        let before = MIGRATIONS
            .iter()
            .position(|m| m.name == MIGRATION_BLOCKLIST_KEY.name)
            .unwrap();
        run_list(&mut conn, &MIGRATIONS[..before]).unwrap();
        conn.execute(
            "INSERT INTO blocklist_entry (kind, value, category, added, origin)
             VALUES ('url', 'evil.xyz/pay/', 'phishing', 1, 'import')",
            [],
        )
        .unwrap();
        run_list(&mut conn, MIGRATIONS).unwrap();
        keys_match(&conn);
    }

    #[test]
    fn rows_without_a_key_are_still_found_and_stale_keys_are_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store
            .import_entries(&[entry(EntryKind::Phone, "+852 6123 4567")], Origin::Import)
            .unwrap();
        keys_match(&store.conn);
        // A writer that knows nothing of the key column.
        store
            .conn
            .execute(
                "INSERT INTO blocklist_entry (kind, value, category, added, origin)
                 VALUES ('domain', 'no-key.example', 'phishing', 1, 'feed')",
                [],
            )
            .unwrap();
        // A value changed behind the key's back: the trigger clears the key.
        store
            .conn
            .execute(
                "UPDATE blocklist_entry SET value = '+85261234568' WHERE value = '+85261234567'",
                [],
            )
            .unwrap();
        let stale: Option<i64> = store
            .conn
            .query_row(
                "SELECT key FROM blocklist_entry WHERE value = '+85261234568'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stale, None);
        store.cache.invalidate();
        let (view, _) = store.lookup_tables().unwrap();
        let url = verity_core::link::canonicalize("https://a.no-key.example/x").unwrap();
        assert_eq!(view.lookup_url(&url).unwrap().len(), 1);
        assert!(view.contains_phone("+85261234568").unwrap());
        assert!(!view.contains_phone("+85261234567").unwrap());
        drop(view);
        // Setting the key with the value keeps it.
        store
            .conn
            .execute(
                "UPDATE blocklist_entry SET value = '+85261234569', key = ?1
                 WHERE value = '+85261234568'",
                [key_sql(EntryKind::Phone, "+85261234569")],
            )
            .unwrap();
        let kept: Option<i64> = store
            .conn
            .query_row(
                "SELECT key FROM blocklist_entry WHERE value = '+85261234569'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, Some(key_sql(EntryKind::Phone, "+85261234569")));
    }

    #[test]
    fn a_filter_false_positive_never_matches() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let listed: Vec<_> = (0..50)
            .map(|i| entry(EntryKind::Phone, &format!("+852 6123 {i:04}")))
            .collect();
        store.import_entries(&listed, Origin::Import).unwrap();
        let (view, _) = store.lookup_tables().unwrap();
        // Find a number the filter lets through although it is not listed.
        let fp = (0..10_000_000u32)
            .map(|i| format!("+8529{i:07}"))
            .find(|v| view.filter().may_contain(EntryKind::Phone, v))
            .expect("a false positive within ten million tries");
        assert_eq!(view.find(EntryKind::Phone, &fp).unwrap(), None);
        assert!(view.lookup_phone(&fp).unwrap().is_empty());
        assert!(view.contains_phone("+85261230042").unwrap());
    }

    #[test]
    fn the_view_and_the_plain_query_agree() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let sample = store.blocklist_entries().unwrap();
        let (view, _) = store.lookup_tables().unwrap();
        assert_eq!(view.len(), sample.len());
        for s in &sample {
            assert_eq!(
                view.find(s.entry.kind, &s.entry.value).unwrap().as_ref(),
                Some(s)
            );
        }
        drop(view);
        for s in &sample {
            assert_eq!(
                store
                    .blocklist_entry(s.entry.kind, &s.entry.value)
                    .unwrap()
                    .as_ref(),
                Some(s)
            );
        }
    }
}
