//! Verity's store: one SQLite database in the data directory, shared by the app and `verityctl`.
//!
//! This is the only crate that speaks SQL. Each table module owns its schema and migrations
//! ([`migrate`]); every connection gets the same pragmas (busy timeout, WAL, foreign keys), and
//! writers take the write lock up front (`BEGIN IMMEDIATE`) so that the app and the CLI can use
//! the same database at the same time.

pub mod blocklist;
pub mod checklist;
mod data_dir;
pub mod drills;
mod error;
pub mod feed;
mod feed_block;
mod feed_settings;
pub mod history;
mod index;
pub mod it_reports;
mod list;
pub mod migrate;
mod official;
mod reminder;
mod settings;
pub mod threats;
pub mod tripwire;
pub mod trust_log;

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use blocklist::{BlocklistSummary, ImportReport, Origin, StoredEntry, SAMPLE_SOURCE};
pub use checklist::{Applied, AuditCheck, ChecklistError};
pub use data_dir::{default_data_dir, resolve_data_dir, APP_IDENTIFIER, DATA_DIR_ENV};
pub use error::{IndexError, Rejection, StoreError, Stored};
pub use feed::{FeedApplied, FeedMode, FeedRow, FeedState, FeedSuccess, FeedUpdate};
pub use feed_settings::FeedSettings;
pub use history::MAX_HISTORY;
pub use index::BlocklistView;
pub use migrate::SCHEMA_VERSION;
pub use reminder::ReminderState;
pub use threats::{Threat, MAX_THREATS};
pub use trust_log::{TrustChange, TrustChangeKind, MAX_TRUST_LOG};
/// The list checksum's arithmetic, shared with the feed (`Store::apply_feed_update` takes them).
pub use verity_core::list_sum::{ListDigest, ListSum};

/// The database's file name inside the data directory.
pub const DATABASE_FILE: &str = "verity.sqlite3";

/// How long a connection waits for another process's write lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open, migrated store.
pub struct Store {
    conn: Connection,
    data_dir: PathBuf,
    cache: index::Cache,
    /// A cleared history's old pages may still be in the WAL file (another connection was
    /// reading when it was cleared): the WAL is emptied after the next write.
    wal_truncate_pending: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`, sets the pragmas and runs the
    /// pending migrations in one transaction.
    ///
    /// # Errors
    /// [`StoreError::NewerSchema`] when the database was written by a newer Verity; I/O and SQLite
    /// errors otherwise. A failed migration leaves the database as it was.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        data_dir::ensure_dir(data_dir)?;
        let path = data_dir.join(DATABASE_FILE);
        data_dir::create_private(&path)?;
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Open {
            path: path.clone(),
            source: e,
        })?;
        // The busy timeout must come first: switching to WAL itself needs the lock.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            log::warn!("SQLite refused WAL mode (got {mode}); concurrent use will be slower");
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
        // SQLite gives the -wal and -shm files the database's permissions; a database made by
        // an older Verity (or another tool) is brought to owner-only here, with them.
        data_dir::restrict_database(&path)?;
        let mut store = Store {
            conn,
            data_dir: data_dir.to_path_buf(),
            cache: index::Cache::default(),
            wal_truncate_pending: false,
        };
        migrate::run(&mut store.conn)?;
        // Empties a WAL left behind (a cleared history's old pages among its frames, if the
        // last run could not empty it), unless another connection is reading right now.
        if let Err(e) = store.try_truncate_wal() {
            log::warn!("cannot empty the write-ahead log: {e}");
        }
        Ok(store)
    }

    /// The data directory this store lives in.
    #[must_use]
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The schema version recorded in the database (`PRAGMA user_version`).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrate::user_version(&self.conn)
    }

    /// Whether foreign keys are enforced on this connection (they always should be).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn foreign_keys_enabled(&self) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get::<_, i64>(0))?
            == 1)
    }

    /// The journal mode in force (`wal` after a normal open).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?)
    }

    /// Runs `f` inside a write transaction taken with `BEGIN IMMEDIATE`, so that a concurrent
    /// writer waits on the busy timeout instead of failing half-way. Commits when `f` returns
    /// `Ok`, rolls back otherwise.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        if self.wal_truncate_pending {
            match self.try_truncate_wal() {
                Ok(done) => self.wal_truncate_pending = !done,
                Err(e) => log::warn!("cannot empty the write-ahead log: {e}"),
            }
        }
        Ok(out)
    }

    /// Checkpoints the WAL into the database and truncates it to zero bytes, without waiting
    /// for other connections. Returns `false` when another connection's read kept it from
    /// finishing (the WAL then still holds frames).
    pub(crate) fn try_truncate_wal(&self) -> Result<bool, StoreError> {
        self.conn.busy_timeout(std::time::Duration::ZERO)?;
        let result = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            });
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        match result {
            Ok(busy) => Ok(busy == 0),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }
}
