use std::path::PathBuf;

/// Everything that can go wrong in the store. Messages name no SQL and no secrets.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database was written by a newer Verity; opening it could lose data.
    #[error(
        "the database has schema version {found}, but this Verity understands up to {supported}: \
         update Verity, or point it at another data directory"
    )]
    NewerSchema {
        /// The version found in the file.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// No data directory could be determined (no home directory and no `VERITY_DATA_DIR`).
    #[error("cannot find a data directory: set VERITY_DATA_DIR")]
    NoDataDir,
    /// The data directory could not be created or used.
    #[error("cannot use data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database file could not be opened.
    #[error("cannot open database {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// A stored value is not valid (e.g. a setting edited by hand).
    #[error("invalid stored value: {0}")]
    InvalidValue(#[from] verity_core::SettingsError),
    /// Stored data no longer parses (edited by hand, or written by a buggy build).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A write was refused by the caller's check and rolled back (e.g. a feed update whose
    /// resulting list does not match the feed's checksum).
    #[error("the update was rejected and nothing was changed: {0}")]
    Rejected(String),
    /// The blocklist's in-memory filter could not be built, or a lookup failed outside SQLite.
    #[error("the blocklist index failed: {0}")]
    Index(String),
    /// Any other SQLite error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// Whether the error is another process holding the write lock past the busy timeout.
    #[must_use]
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
        )
    }
}
