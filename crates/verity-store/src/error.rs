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
    #[error("stored data is corrupt ({what}): {detail}")]
    Corrupt {
        /// Where.
        what: Stored,
        /// What does not parse.
        detail: String,
    },
    /// A value could not be encoded for storage.
    #[error("cannot store the {what}: {source}")]
    Encode {
        /// What.
        what: Stored,
        /// The encoder's error.
        source: serde_json::Error,
    },
    /// A write was refused and rolled back (e.g. a feed update whose resulting list does not
    /// match the feed's checksum).
    #[error("the update was rejected and nothing was changed: {0}")]
    Rejected(#[from] Rejection),
    /// The blocklist's in-memory filter could not be built, or a lookup failed outside SQLite.
    #[error("the blocklist index failed: {0}")]
    Index(#[from] IndexError),
    /// Any other SQLite error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The stored data an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A setting.
    Setting,
    /// The feed's settings (address, root, trust anchor).
    FeedSettings,
    /// The local blocklist.
    Blocklist,
    /// The feed's entries.
    FeedEntries,
    /// The feed's strings (campaigns, sources).
    FeedStrings,
    /// The feed's packed entry blocks.
    FeedBlocks,
    /// The check history.
    History,
    /// The threats list.
    Threats,
    /// The official-channel directory.
    Official,
    /// The checklist (steps, evidence, policy).
    Checklist,
    /// The audit log's countersigned anchor.
    AuditAnchor,
    /// The trust log.
    TrustLog,
    /// The tripwires' events.
    Tripwire,
    /// The reports sent to IT.
    ItReports,
    /// The scam-drill lures.
    Drills,
}

impl std::fmt::Display for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stored::Setting => "setting",
            Stored::FeedSettings => "feed settings",
            Stored::Blocklist => "blocklist",
            Stored::FeedEntries => "feed entries",
            Stored::FeedStrings => "feed strings",
            Stored::FeedBlocks => "feed blocks",
            Stored::History => "check history",
            Stored::Threats => "threats",
            Stored::Official => "official directory",
            Stored::Checklist => "checklist",
            Stored::AuditAnchor => "audit anchor",
            Stored::Tripwire => "tripwire events",
            Stored::ItReports => "reports to IT",
            Stored::Drills => "drill lures",
            Stored::TrustLog => "trust log",
        })
    }
}

/// Why a write was refused (and rolled back).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// A delta for a list whose checksum is unknown.
    #[error("the local feed list was changed outside a feed update, so its checksum is unknown")]
    UnknownChecksum,
    /// A snapshot whose entries are not in canonical order.
    #[error("the snapshot is not in canonical order")]
    NotCanonical,
    /// Feed entries pushed out of key order.
    #[error("the feed entries are not in key order")]
    OutOfOrder,
    /// The caller's check refused the result (e.g. the feed's checksum does not match).
    #[error("{0}")]
    Refused(String),
}

/// Why the blocklist index failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// The filter could not be built from the keys.
    #[error("the filter could not be built: {0}")]
    Filter(String),
    /// The thread that digests a snapshot failed.
    #[error("the snapshot digest thread failed")]
    Worker,
    /// A feed block was read with none open (a bug).
    #[error("no open feed block")]
    NoOpenBlock,
    /// A lookup's backing store failed with another error than the store's.
    #[error("the lookup failed: {0}")]
    Lookup(String),
}

impl StoreError {
    /// Stored data that no longer parses.
    pub(crate) fn corrupt(what: Stored, detail: impl std::fmt::Display) -> Self {
        StoreError::Corrupt {
            what,
            detail: detail.to_string(),
        }
    }

    /// Whether the failure is the disk (or the user's quota) being full: SQLite's `SQLITE_FULL`,
    /// or the system's "no space left on device" while creating the data directory or the
    /// database.
    #[must_use]
    pub fn is_disk_full(&self) -> bool {
        let sqlite_full = |e: &rusqlite::Error| {
            matches!(e, rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::DiskFull)
        };
        match self {
            StoreError::Sqlite(e) | StoreError::Open { source: e, .. } => sqlite_full(e),
            StoreError::DataDir { source, .. } => source.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn sqlite_full_and_no_space_are_disk_full_and_nothing_else_is() {
        assert!(StoreError::Sqlite(sqlite(rusqlite::ffi::SQLITE_FULL)).is_disk_full());
        assert!(StoreError::Open {
            path: "verity.db".into(),
            source: sqlite(rusqlite::ffi::SQLITE_FULL),
        }
        .is_disk_full());
        assert!(StoreError::DataDir {
            path: "data".into(),
            source: std::io::ErrorKind::StorageFull.into(),
        }
        .is_disk_full());
        assert!(!StoreError::Sqlite(sqlite(rusqlite::ffi::SQLITE_BUSY)).is_disk_full());
        assert!(!StoreError::DataDir {
            path: "data".into(),
            source: std::io::ErrorKind::PermissionDenied.into(),
        }
        .is_disk_full());
        assert!(!StoreError::NoDataDir.is_disk_full());
    }
}
