//! The history of recent checks (`check_history`): the newest [`MAX_HISTORY`] checks, each a
//! [`HistoryRecord`] (kind, source, verdict, normalised items; never the input itself), for the
//! Check screen's "Recent checks".
//!
//! A check of the same kind and items replaces its earlier row (the list reads as "recent
//! checks", not a log), and the rows beyond [`MAX_HISTORY`] are deleted in the same transaction as
//! the insert.
//!
//! Deleting must really delete. Every write here runs with `PRAGMA secure_delete` on, so SQLite
//! overwrites deleted rows (and the pages freed) with zeros instead of leaving them in free
//! space; [`Store::clear_check_history`] then checkpoints the WAL and truncates it, so the zeroed
//! pages reach the database file and the frames that held the rows are gone. `VACUUM` would also
//! do it, but it rewrites the whole database (hundreds of megabytes with a large blocklist) and
//! needs as much free disk again. `secure_delete` is a connection setting: it is switched on for
//! these writes only, so a feed replacing millions of blocklist rows does not pay for zeroing.

use crate::error::Stored;
use crate::migrate::Migration;
use crate::{Store, StoreError};
use rusqlite::params;
use verity_check::history::{HistoryEntry, HistoryRecord};
use verity_core::Timestamp;

pub(crate) const MIGRATION_HISTORY: Migration = Migration {
    version: 8,
    name: "check_history",
    sql: "CREATE TABLE check_history (
              id          INTEGER PRIMARY KEY,
              checked_at  INTEGER NOT NULL,
              source      TEXT NOT NULL,
              kind        TEXT NOT NULL,
              verdict     TEXT NOT NULL,
              items       TEXT NOT NULL,
              item_count  INTEGER NOT NULL CHECK (item_count >= 0),
              UNIQUE (kind, items)
          ) STRICT;",
    seed: None,
};

/// The most checks kept.
pub const MAX_HISTORY: u32 = 50;

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<HistoryEntry, String>> {
    let id: i64 = r.get(0)?;
    let checked_at: i64 = r.get(1)?;
    let (source, kind, verdict, items): (String, String, String, String) =
        (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
    let item_count: i64 = r.get(6)?;
    let bad = |what: &str, e: &dyn std::fmt::Display| format!("check_history {what}: {e}");
    Ok((|| {
        Ok(HistoryEntry {
            id,
            checked_at: Timestamp(checked_at),
            source: source.parse().map_err(|e| bad("source", &e))?,
            kind: kind.parse().map_err(|e| bad("kind", &e))?,
            verdict: verdict.parse().map_err(|e| bad("verdict", &e))?,
            items: serde_json::from_str(&items).map_err(|e| bad("items", &e))?,
            item_count: u32::try_from(item_count).map_err(|e| bad("item_count", &e))?,
        })
    })())
}

/// How long recording a check waits for another connection's write to finish.
const RECORD_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(250);

impl Store {
    /// Runs `f` with `PRAGMA secure_delete` on for this connection, and off again afterwards.
    fn securely<T>(
        &mut self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let _: i64 = self
            .conn
            .query_row("PRAGMA secure_delete = 1", [], |r| r.get(0))?;
        let out = f(self);
        if let Err(e) = self
            .conn
            .query_row("PRAGMA secure_delete = 0", [], |r| r.get::<_, i64>(0))
        {
            log::warn!("cannot switch secure_delete off again: {e}");
        }
        out
    }

    /// Records a check at `at`: replaces an earlier check of the same kind and items, then
    /// deletes the oldest beyond [`MAX_HISTORY`], in one transaction.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn record_check(
        &mut self,
        record: &HistoryRecord,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let items = serde_json::to_string(&record.items).map_err(|source| StoreError::Encode {
            what: Stored::History,
            source,
        })?;
        // A check must not wait for the history: while another connection holds the write lock
        // (a feed update may for seconds), give up soon and let the caller log it.
        self.conn.busy_timeout(RECORD_BUSY_TIMEOUT)?;
        let out = self.securely(|s| {
            s.write(|tx| {
                // REPLACE deletes the earlier row and inserts a new one, with a new, higher id.
                tx.execute(
                    "INSERT OR REPLACE INTO check_history
                         (checked_at, source, kind, verdict, items, item_count)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        at.0,
                        record.source.as_str(),
                        record.kind.as_str(),
                        record.verdict.as_str(),
                        items,
                        record.item_count
                    ],
                )?;
                tx.execute(
                    "DELETE FROM check_history WHERE id NOT IN
                         (SELECT id FROM check_history ORDER BY id DESC LIMIT ?1)",
                    [MAX_HISTORY],
                )?;
                Ok(())
            })
        });
        self.conn.busy_timeout(crate::BUSY_TIMEOUT)?;
        out
    }

    /// The recent checks, newest first.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a row that does not parse; SQLite errors.
    pub fn check_history(&self) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, checked_at, source, kind, verdict, items, item_count
             FROM check_history ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([MAX_HISTORY], entry_from_row)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.map_err(|e| StoreError::corrupt(Stored::History, e))?);
        }
        Ok(out)
    }

    /// How many checks the history holds.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn check_history_len(&self) -> Result<u32, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM check_history", [], |r| r.get(0))?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Deletes the whole history, overwriting the rows with zeros (see the module documentation),
    /// then checkpoints and truncates the WAL. Returns how many checks were removed.
    ///
    /// A checkpoint that another connection's open read keeps from completing is not an error,
    /// but then older WAL frames may still hold the rows until the WAL is next reset.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn clear_check_history(&mut self) -> Result<u32, StoreError> {
        let removed =
            self.securely(|s| s.write(|tx| Ok(tx.execute("DELETE FROM check_history", [])?)))?;
        // The deleted rows' old pages are in the WAL's earlier frames until it is emptied.
        // Another connection reading now keeps it from emptying: then it is emptied after the
        // next write (or at the next open).
        if !self.try_truncate_wal()? {
            self.wal_truncate_pending = true;
            log::info!("history cleared; the WAL is emptied once another reader is done");
        }
        Ok(u32::try_from(removed).unwrap_or(u32::MAX))
    }
}
