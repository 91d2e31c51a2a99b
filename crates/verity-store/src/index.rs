//! The index: what a check reads, the filter in front of the database.
//!
//! Only a [`BlocklistFilter`] over the entries' 64-bit keys is kept in memory (about 2.3 bytes
//! an entry, built from the local entries' `key` index and the feed's blocks); a filter hit is
//! confirmed by a point query that returns the entry, so a false positive never becomes a false
//! match ([`BlocklistView`]). The filter is built on first use, with the official directory and
//! the feed's interned strings beside it. It follows every change: this store's own changes
//! tell it (`list.rs`: a snapshot hands over the filter it built, a delta the keys it added,
//! anything else makes it forget), and changes another process made (`verityctl blocklist
//! import` while the app runs, a sync on another connection) are seen through `PRAGMA
//! data_version` and the generation counters in `feed_list`: feed deltas are caught up from the
//! log of their added keys, anything else rebuilds it.
//!
//! Those SQL checks cost a transaction and the database's file locks, so a lookup first reads
//! the WAL-index header (the `-shm` file's first 96 bytes, [`WalHeader`]) with one positioned
//! read: every commit by any connection rewrites it, so when it is byte for byte the header
//! seen before the last SQL check, nothing was committed since and the filter is current. The
//! view then opens its read transaction only when a filter hit needs confirming, and not even
//! then when the same entry was confirmed since the list last changed ([`Answers`]).
//!
//! The index reads the local entries (`blocklist`), the feed's (`feed`, `feed_block`) and the
//! official directory (`official`); none of them knows it.

use crate::blocklist::{key_of_sql, local_entry, parse_kind, StoredEntry};
use crate::error::IndexError;
use crate::feed::{IndexChange, StringCache};
use crate::{Store, StoreError};
use rusqlite::Connection;
use std::cell::{OnceCell, RefCell};
use verity_check::lookup::{BlocklistFilter, BlocklistLookup, LookupError};
use verity_check::official::OfficialDirectory;
use verity_core::blocklist::{entry_key, BlocklistEntry, EntryKind};

/// The filter and the directory as last loaded, with the database version they reflect.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    loaded: Option<Loaded>,
    /// The `-shm` file and the WAL-index header read just before the last SQL freshness check.
    shm: WalHeader,
    /// How many lookups checked freshness through SQL (for tests).
    sql_checks: u64,
}

/// The WAL-index header of the database, read from its `-shm` file without SQLite.
///
/// SQLite keeps two copies of a 48-byte header at the start of the wal-index (documented in
/// "WAL-mode File Format", sqlite.org/walformat.html) and every commit rewrites both (the frame
/// count, the running checksum, the salts after a restart, and a change counter). A writer
/// updates the second copy and then the first, so a read that finds both copies equal and
/// equal to a header seen earlier ran before any later commit finished: nothing changed. Any
/// other outcome (the file unreadable, the copies differing mid-write, a database not in WAL
/// mode) falls back to the SQL check, so there is no staleness window.
///
/// The file stays the one SQLite uses while this store's connection is open: SQLite deletes or
/// truncates it only when the last connection closes or the first opens, and ours is open.
#[derive(Debug, Default)]
struct WalHeader {
    file: Option<std::fs::File>,
    opened: bool,
    /// The header read before the last SQL check that found (or made) the filter current.
    validated: Option<[u8; WAL_HEADER]>,
}

/// One copy of SQLite's `WalIndexHdr`.
const WAL_HEADER: usize = 48;
/// `WALINDEX_MAX_VERSION`, the header's first field (native byte order).
const WAL_INDEX_VERSION: u32 = 3_007_000;

impl WalHeader {
    /// The current header, or `None` when it cannot be read or is being written.
    /// `database` is called once, on the first read (the path is not built on every check).
    fn read(&mut self, database: impl FnOnce() -> std::path::PathBuf) -> Option<[u8; WAL_HEADER]> {
        if !self.opened {
            self.opened = true;
            let mut shm = database().into_os_string();
            shm.push("-shm");
            self.file = open_for_reading(std::path::Path::new(&shm));
        }
        let mut both = [0u8; 2 * WAL_HEADER];
        read_exact_at(self.file.as_ref()?, &mut both).ok()?;
        parse_wal_header(&both)
    }
}

/// Opens the `-shm` file to read its header. On Linux without updating its access time: a read
/// would otherwise ask the kernel whether the time needs writing on every check. `O_NOATIME` is
/// only allowed to the file's owner (this user, who created the database); otherwise, a plain
/// open.
fn open_for_reading(path: &std::path::Path) -> Option<std::fs::File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut options = std::fs::OpenOptions::new();
        options.read(true).custom_flags(libc::O_NOATIME);
        if let Ok(file) = options.open(path) {
            return Some(file);
        }
    }
    std::fs::File::open(path).ok()
}

/// The header when both copies agree and it is initialised.
fn parse_wal_header(both: &[u8; 2 * WAL_HEADER]) -> Option<[u8; WAL_HEADER]> {
    let (first, second) = both.split_at(WAL_HEADER);
    let version = u32::from_ne_bytes(first.get(..4)?.try_into().ok()?);
    // `isInit` is the byte after `iVersion`, the unused field and `iChange`.
    if first != second || version != WAL_INDEX_VERSION || first.get(12) != Some(&1) {
        return None;
    }
    first.try_into().ok()
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, 0)
}

#[cfg(windows)]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8]) -> std::io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let rest = buf.get_mut(done..).unwrap_or_default();
        let at = u64::try_from(done).unwrap_or(u64::MAX);
        let n = std::os::windows::fs::FileExt::seek_read(file, rest, at)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        done += n;
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn read_exact_at(_: &std::fs::File, _: &mut [u8]) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Feed keys added since the base filter was built may grow to this many (or a quarter of the
/// list, when that is more) before the next lookup rebuilds the base instead.
const MAX_OVERLAY: usize = 1_000_000;

impl Cache {
    /// Forgets the index: the next lookup rebuilds it (after a write outside this module).
    pub(crate) fn invalidate(&mut self) {
        self.loaded = None;
        self.shm.validated = None;
    }

    /// Brings the index up to date after this store applied a feed version: a snapshot's filter
    /// replaces it; a delta's added keys join the overlay, if the index reflected the list the
    /// delta was applied to. Otherwise the next lookup rebuilds it.
    pub(crate) fn applied(
        &mut self,
        change: IndexChange,
        official: OfficialDirectory,
        strings: StringCache,
    ) -> Result<(), StoreError> {
        // The write changed the header anyway; the next lookup checks through SQL.
        self.shm.validated = None;
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
                answers: RefCell::default(),
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
                .map_err(|e| IndexError::Filter(e.to_string()))?;
        }
        l.data_version = change.data_version;
        if l.generations != change.after {
            l.answers.get_mut().clear();
        }
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
    strings: StringCache,
    /// The last confirmed answers, for the list at `generations` (emptied when they change).
    answers: RefCell<Answers>,
}

/// How many confirmed answers [`Answers`] keeps.
const ANSWERS: usize = 64;

/// The last [`ANSWERS`] confirming queries' answers (kind, value → the entry or none), so that
/// the same number or link checked again (a clipboard check, a message read twice) costs no
/// read transaction. They hold for the list at the generations the index reflects: every
/// change to an entry, local or feed, any connection's, moves a generation (the triggers of
/// `feed::schema`, the feed apply's own count), and the index empties them whenever it takes
/// on new generations, just as it keeps or rebuilds its filter.
#[derive(Debug, Default)]
struct Answers {
    /// Oldest first; (key, kind, value, answer).
    kept: std::collections::VecDeque<(u64, EntryKind, String, Option<StoredEntry>)>,
    /// How many confirming queries ran (for tests).
    queries: u64,
}

impl Answers {
    fn get(&self, key: u64, kind: EntryKind, value: &str) -> Option<&Option<StoredEntry>> {
        self.kept
            .iter()
            .find(|(k, kd, v, _)| *k == key && *kd == kind && v == value)
            .map(|(_, _, _, a)| a)
    }

    fn put(&mut self, key: u64, kind: EntryKind, value: &str, answer: Option<StoredEntry>) {
        self.queries += 1;
        if self.kept.len() >= ANSWERS {
            self.kept.pop_front();
        }
        self.kept.push_back((key, kind, value.to_owned(), answer));
    }

    fn clear(&mut self) {
        self.kept.clear();
    }
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
                .map_err(|e| IndexError::Filter(e.to_string()))?;
        }
        self.generations = now;
        self.answers.get_mut().clear();
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
    let official = crate::official::read(tx)?;
    let strings = crate::feed::load_strings(tx)?;
    let filter = BlocklistFilter::build(keys).map_err(|e| IndexError::Filter(e.to_string()))?;
    Ok(Loaded {
        data_version,
        generations,
        filter,
        overlay_keys: Vec::new(),
        overlay: BlocklistFilter::default(),
        entries,
        official,
        strings,
        answers: RefCell::default(),
    })
}

/// The entry (kind, value): a feed entry by its block (most entries are), else a local entry by
/// the `UNIQUE (kind, value)` index.
pub(crate) fn point_query(
    conn: &Connection,
    kind: EntryKind,
    value: &str,
    strings: Option<&StringCache>,
) -> Result<Option<StoredEntry>, StoreError> {
    if let Some(feed) = crate::feed::feed_entry_cached(conn, kind, value, strings)? {
        return Ok(Some(feed));
    }
    local_entry(conn, kind, value)
}

/// The blocklist as checks see it: the in-memory filter in front of the database. Borrowed from
/// the [`Store`] by [`Store::lookup_tables`]; implements [`BlocklistLookup`] for
/// `verity_check::check::CheckContext`.
///
/// Its confirming queries run in one read transaction, opened at the first filter hit (or
/// already open when the lookup checked freshness through SQL) and held until the view is
/// dropped: a message's confirmed items see one snapshot and take the database's file locks
/// once, not once a query. The filter was current when the view was made, so every answer
/// reflects the list as it was at that moment or later (a commit landing between the view's
/// making and its first filter hit is seen by the confirming queries). Drop it when the check
/// is done: while a reader holds a snapshot, checkpoints cannot reset the write-ahead log.
pub struct BlocklistView<'a> {
    conn: &'a Connection,
    snapshot: OnceCell<ReadSnapshot<'a>>,
    filter: &'a BlocklistFilter,
    overlay: &'a BlocklistFilter,
    strings: &'a StringCache,
    answers: &'a RefCell<Answers>,
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

/// A read transaction, ended (rolled back: it wrote nothing) when dropped. Its `BEGIN` and
/// `ROLLBACK` are cached statements, not parsed again for every check as
/// `Connection::unchecked_transaction` does.
struct ReadSnapshot<'a> {
    conn: &'a Connection,
}

impl<'a> ReadSnapshot<'a> {
    fn begin(conn: &'a Connection) -> Result<Self, StoreError> {
        conn.prepare_cached("BEGIN DEFERRED")?.execute([])?;
        Ok(ReadSnapshot { conn })
    }
}

impl Drop for ReadSnapshot<'_> {
    fn drop(&mut self) {
        if self.conn.is_autocommit() {
            return;
        }
        let ended = self
            .conn
            .prepare_cached("ROLLBACK")
            .and_then(|mut s| s.execute([]));
        if let Err(e) = ended {
            log::warn!("cannot end the blocklist view's read transaction: {e}");
        }
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
        if let Some(answer) = self.answers.borrow().get(key, kind, value) {
            return Ok(answer.clone());
        }
        let answer = point_query(self.snapshot()?, kind, value, Some(self.strings))?;
        self.answers
            .borrow_mut()
            .put(key, kind, value, answer.clone());
        Ok(answer)
    }

    /// The view's read transaction, begun on first use (`BEGIN` is deferred: the snapshot is
    /// taken by the first query in it).
    fn snapshot(&self) -> Result<&Connection, StoreError> {
        if let Some(tx) = self.snapshot.get() {
            return Ok(tx.conn);
        }
        let tx = ReadSnapshot::begin(self.conn)?;
        Ok(self.snapshot.get_or_init(|| tx).conn)
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
            Err(other) => StoreError::Index(IndexError::Lookup(other.to_string())),
        }
    }
}

fn data_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?)
}

impl Store {
    /// The blocklist (its filter in memory, rebuilt if this or another process changed the
    /// database since the last call) and the official directory: what a check needs.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for rows that no longer parse.
    pub fn lookup_tables(&mut self) -> Result<(BlocklistView<'_>, &OfficialDirectory), StoreError> {
        // Read before any SQL check, so that a commit landing during the check changes it.
        let data_dir = &self.data_dir;
        let header = self.cache.shm.read(|| data_dir.join(crate::DATABASE_FILE));
        let snapshot = OnceCell::new();
        let current = self.cache.loaded.is_some()
            && header.is_some()
            && self.cache.shm.validated.is_some()
            && header == self.cache.shm.validated;
        if !current {
            self.cache.shm.validated = None;
            self.cache.sql_checks += 1;
            // Rolled back (a read-only transaction just ends) when the view is dropped.
            let tx = ReadSnapshot::begin(&self.conn)?;
            self.cache.refresh(tx.conn)?;
            self.cache.shm.validated = header;
            let _ = snapshot.set(tx);
        }
        let Some(loaded) = self.cache.loaded.as_ref() else {
            return Err(IndexError::Lookup("the index was not loaded".to_owned()).into());
        };
        Ok((
            BlocklistView {
                conn: &self.conn,
                snapshot,
                filter: &loaded.filter,
                overlay: &loaded.overlay,
                strings: &loaded.strings,
                answers: &loaded.answers,
                entries: loaded.entries,
            },
            &loaded.official,
        ))
    }
}

impl Cache {
    /// Brings the filter up to date inside `snapshot`: keeps it if no other connection
    /// committed, or if no entry changed, or if only feed deltas did (their added keys join the
    /// overlay); else rebuilds it.
    fn refresh(&mut self, snapshot: &Connection) -> Result<(), StoreError> {
        let version = data_version(snapshot)?;
        if let Some(l) = &mut self.loaded {
            if l.data_version != version {
                let now = crate::feed::generations(snapshot)?;
                let caught_up = if now == l.generations {
                    true
                } else if now.1 == l.generations.1 && now.0 > l.generations.0 {
                    l.catch_up(snapshot, now)?
                } else {
                    false
                };
                if caught_up {
                    l.official = crate::official::read(snapshot)?;
                    l.data_version = version;
                    l.entries = count_entries(snapshot)?;
                } else {
                    // Free the old filter before building the new one.
                    self.loaded = None;
                }
            }
        }
        if self.loaded.is_none() {
            self.loaded = Some(load(snapshot, version)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocklist::tests::{entry, keys_match};
    use crate::blocklist::{key_sql, Origin};

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

    #[test]
    fn the_header_alone_answers_until_another_connection_commits() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = Store::open(dir.path()).unwrap();
        let mut other = Store::open(dir.path()).unwrap();
        let listed = "+85261234567";
        drop(app.lookup_tables().unwrap());
        let checks = app.cache.sql_checks;
        for _ in 0..3 {
            let (view, _) = app.lookup_tables().unwrap();
            assert!(!view.contains_phone(listed).unwrap());
        }
        assert_eq!(app.cache.sql_checks, checks, "no commit, no SQL check");
        // Another connection adds the number, then takes the list back to the sample: each
        // time the next lookup sees it.
        other
            .import_entries(&[entry(EntryKind::Phone, listed)], Origin::Import)
            .unwrap();
        let (view, _) = app.lookup_tables().unwrap();
        assert!(view.contains_phone(listed).unwrap());
        drop(view);
        assert_eq!(app.cache.sql_checks, checks + 1);
        other.replace_entries(&[], Origin::Import).unwrap();
        let (view, _) = app.lookup_tables().unwrap();
        assert!(!view.contains_phone(listed).unwrap());
        drop(view);
        // A write on an unrelated table is a commit too: checked, the filter kept.
        other
            .conn
            .execute("INSERT INTO setting (key, value) VALUES ('test', '1')", [])
            .unwrap();
        let before = app.cache.sql_checks;
        drop(app.lookup_tables().unwrap());
        assert_eq!(app.cache.sql_checks, before + 1);
        drop(app.lookup_tables().unwrap());
        assert_eq!(app.cache.sql_checks, before + 1);
    }

    #[test]
    fn a_confirmed_answer_is_reused_until_the_list_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = Store::open(dir.path()).unwrap();
        let mut other = Store::open(dir.path()).unwrap();
        let listed = "+85261234567";
        other
            .import_entries(&[entry(EntryKind::Phone, listed)], Origin::Import)
            .unwrap();
        let queries = |s: &Store| s.cache.loaded.as_ref().unwrap().answers.borrow().queries;
        let category = |s: &mut Store| {
            let (view, _) = s.lookup_tables().unwrap();
            view.find(EntryKind::Phone, listed)
                .unwrap()
                .map(|e| e.entry.category)
        };
        let first = category(&mut app);
        assert!(first.is_some());
        let q = queries(&app);
        assert_eq!(category(&mut app), first);
        assert_eq!(queries(&app), q, "answered from memory");
        // A commit that changes no entry keeps the answers.
        other
            .conn
            .execute("INSERT INTO setting (key, value) VALUES ('test', '1')", [])
            .unwrap();
        assert_eq!(category(&mut app), first);
        assert_eq!(queries(&app), q);
        // Another connection changes the entry's details behind the index's back: asked again.
        other
            .conn
            .execute(
                "UPDATE blocklist_entry SET category = 'other' WHERE value = ?1",
                [listed],
            )
            .unwrap();
        assert_eq!(
            category(&mut app),
            Some(verity_core::blocklist::Category::Other)
        );
        // Removed elsewhere: no longer listed, though it was answered from memory before.
        assert!(other.remove_entry(EntryKind::Phone, listed).unwrap());
        assert_eq!(category(&mut app), None);
        // Each view ended its read transaction when dropped.
        assert!(app.conn.is_autocommit());
        // This store's own writes forget them too.
        app.import_entries(&[entry(EntryKind::Phone, listed)], Origin::Import)
            .unwrap();
        assert!(category(&mut app).is_some());
        assert!(app.remove_entry(EntryKind::Phone, listed).unwrap());
        assert_eq!(category(&mut app), None);
    }

    #[test]
    fn answers_are_kept_for_the_exact_entry_and_a_bounded_number() {
        let mut a = Answers::default();
        let key = entry_key(EntryKind::Phone, "+85261234567");
        a.put(key, EntryKind::Phone, "+85261234567", None);
        assert_eq!(a.get(key, EntryKind::Phone, "+85261234567"), Some(&None));
        // The same key (a collision) for another value or kind is not this answer.
        assert_eq!(a.get(key, EntryKind::Phone, "+85261234568"), None);
        assert_eq!(a.get(key, EntryKind::Domain, "+85261234567"), None);
        for i in 0..ANSWERS {
            a.put(i as u64, EntryKind::Domain, &format!("d{i}.example"), None);
        }
        assert_eq!(a.kept.len(), ANSWERS);
        assert_eq!(
            a.get(key, EntryKind::Phone, "+85261234567"),
            None,
            "oldest dropped"
        );
        a.clear();
        assert!(a.kept.is_empty());
    }

    #[test]
    fn a_header_being_written_or_unreadable_falls_back_to_sql() {
        let mut both = [0u8; 2 * WAL_HEADER];
        both[..4].copy_from_slice(&WAL_INDEX_VERSION.to_ne_bytes());
        both[12] = 1;
        both.copy_within(..WAL_HEADER, WAL_HEADER);
        assert!(parse_wal_header(&both).is_some());
        // The writer has updated the second copy, not yet the first.
        let mut torn = both;
        torn[WAL_HEADER + 16] ^= 1;
        assert_eq!(parse_wal_header(&torn), None);
        let mut uninit = both;
        uninit[12] = 0;
        uninit[WAL_HEADER + 12] = 0;
        assert_eq!(parse_wal_header(&uninit), None);

        // No -shm file to read (here: the path is wrong): every lookup checks through SQL,
        // and still sees another connection's commit.
        let dir = tempfile::tempdir().unwrap();
        let mut app = Store::open(dir.path()).unwrap();
        app.cache.shm = WalHeader {
            opened: true,
            ..WalHeader::default()
        };
        let mut other = Store::open(dir.path()).unwrap();
        drop(app.lookup_tables().unwrap());
        let checks = app.cache.sql_checks;
        drop(app.lookup_tables().unwrap());
        assert_eq!(app.cache.sql_checks, checks + 1);
        other
            .import_entries(&[entry(EntryKind::Phone, "+85261234567")], Origin::Import)
            .unwrap();
        assert!(app
            .lookup_tables()
            .unwrap()
            .0
            .contains_phone("+85261234567")
            .unwrap());
    }
}
