//! The official-channel directory as stored: one row of `official_directory` (created by
//! migration 2), from the feed or an administrator's import; without one, the shipped default
//! for DingTalk.
//!
//! It carries the organisation's allowlist (`OfficialDirectory::known`, a JSON field older rows
//! lack, read as empty), so the allowlist is kept, and replaced, with the directory. A
//! directory whose allowlist does not check out (`OfficialDirectory::validate`) is never
//! written, and read back as corrupt.
//!
//! Checks read it through the index (`index.rs`), which keeps it with the filter; so
//! `Store::set_official_directory` lives in `list.rs`, with every other change the index must
//! hear of, and a feed version writes it inside its own transaction.

use crate::blocklist::Origin;
use crate::error::{Rejection, Stored};
use crate::{Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use verity_check::official::OfficialDirectory;
use verity_core::Timestamp;

/// The stored directory, else the shipped default.
pub(crate) fn read(conn: &Connection) -> Result<OfficialDirectory, StoreError> {
    let json: Option<String> = conn
        .query_row(
            "SELECT json FROM official_directory WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match json {
        None => Ok(OfficialDirectory::dingtalk_default()),
        Some(j) => {
            let d: OfficialDirectory =
                serde_json::from_str(&j).map_err(|e| StoreError::corrupt(Stored::Official, e))?;
            d.validate()
                .map_err(|e| StoreError::corrupt(Stored::Official, e))?;
            Ok(d)
        }
    }
}

/// Stores `directory` in the caller's transaction, replacing the one before.
pub(crate) fn write(
    tx: &Transaction<'_>,
    directory: &OfficialDirectory,
    origin: Origin,
    at: Timestamp,
) -> Result<(), StoreError> {
    directory.validate().map_err(|e| {
        StoreError::Rejected(Rejection::Refused(format!(
            "the official directory's allowlist: {e}"
        )))
    })?;
    let json = serde_json::to_string(directory).map_err(|source| StoreError::Encode {
        what: Stored::Official,
        source,
    })?;
    tx.execute(
        "INSERT INTO official_directory (id, json, origin, updated) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET json = excluded.json, origin = excluded.origin,
             updated = excluded.updated",
        params![json, origin.as_str(), at.0],
    )?;
    Ok(())
}

impl Store {
    /// The official-channel directory: the stored one, else the shipped default for DingTalk.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] when the stored directory does not parse.
    pub fn official_directory(&self) -> Result<OfficialDirectory, StoreError> {
        read(&self.conn)
    }
}
