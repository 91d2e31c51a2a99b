//! New threats: the feed entries flagged `alert` that arrived with a sync, kept for the app's
//! Threats screen with an unread state (and the tray's unread count). At most [`MAX_THREATS`]
//! are kept, the oldest dropped first.
//!
//! The same migration adds `feed_state.failing_since`, the start of the current run of failed
//! syncs ("updates failing since …").

use crate::error::Stored;
use crate::migrate::Migration;
use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension};

use verity_core::blocklist::BlocklistEntry;
use verity_core::Timestamp;

pub(crate) const MIGRATION_THREATS: Migration = Migration {
    version: 6,
    name: "feed_threats",
    sql: "CREATE TABLE feed_threat (
              id        INTEGER PRIMARY KEY,
              kind      TEXT NOT NULL,
              value     TEXT NOT NULL,
              category  TEXT NOT NULL,
              campaign  TEXT,
              source    TEXT,
              added     INTEGER NOT NULL,
              version   INTEGER NOT NULL CHECK (version > 0),
              received  INTEGER NOT NULL,
              read      INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
              UNIQUE (kind, value)
          ) STRICT;
          CREATE INDEX feed_threat_newest ON feed_threat (added DESC, id DESC);
          ALTER TABLE feed_state ADD COLUMN failing_since INTEGER;",
    seed: None,
};

/// The most threats kept.
pub const MAX_THREATS: u32 = 1000;

/// A new threat, as the Threats screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Threat {
    /// Its row id (for "mark read up to").
    pub id: i64,
    /// The entry as the feed published it.
    pub entry: BlocklistEntry,
    /// The feed version that brought it.
    pub version: u64,
    /// When this device received it.
    pub received: Timestamp,
    /// Whether the user has seen it.
    pub read: bool,
}

fn threat_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Threat, String>> {
    let kind: String = r.get(1)?;
    let category: String = r.get(3)?;
    let (kind, category) = match (kind.parse(), category.parse()) {
        (Ok(k), Ok(c)) => (k, c),
        (Err(e), _) => return Ok(Err(format!("feed_threat kind: {e}"))),
        (_, Err(e)) => return Ok(Err(format!("feed_threat category: {e}"))),
    };
    Ok(Ok(Threat {
        id: r.get(0)?,
        entry: BlocklistEntry {
            kind,
            value: r.get(2)?,
            category,
            campaign: r.get(4)?,
            source: r.get(5)?,
            added: Timestamp(r.get(6)?),
        },
        version: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
        received: Timestamp(r.get(8)?),
        read: r.get::<_, i64>(9)? != 0,
    }))
}

impl Store {
    /// Records the alert entries a sync brought as unread threats (an entry already listed is
    /// refreshed and becomes unread again), then drops the oldest beyond [`MAX_THREATS`].
    /// Returns how many were recorded.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn record_threats(
        &mut self,
        entries: &[BlocklistEntry],
        version: u64,
        at: Timestamp,
    ) -> Result<u64, StoreError> {
        if entries.is_empty() {
            return Ok(0);
        }
        self.write(|tx| {
            let mut stmt = tx.prepare(
                "INSERT INTO feed_threat
                     (kind, value, category, campaign, source, added, version, received, read)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)
                 ON CONFLICT (kind, value) DO UPDATE SET category = excluded.category,
                     campaign = excluded.campaign, source = excluded.source,
                     added = excluded.added, version = excluded.version,
                     received = excluded.received, read = 0",
            )?;
            let version = i64::try_from(version).unwrap_or(i64::MAX);
            let mut n = 0u64;
            for e in entries {
                n += u64::try_from(stmt.execute(params![
                    e.kind.as_str(),
                    e.value,
                    e.category.as_str(),
                    e.campaign,
                    e.source,
                    e.added.0,
                    version,
                    at.0
                ])?)
                .unwrap_or(0);
            }
            tx.execute(
                "DELETE FROM feed_threat WHERE id NOT IN
                     (SELECT id FROM feed_threat ORDER BY received DESC, added DESC, id DESC
                      LIMIT ?1)",
                [MAX_THREATS],
            )?;
            Ok(n)
        })
    }

    /// The threats, newest (by date added) first, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a row that does not parse; SQLite errors.
    pub fn threats(&self, limit: u32) -> Result<Vec<Threat>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, kind, value, category, campaign, source, added, version, received, read
             FROM feed_threat ORDER BY added DESC, id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], threat_from_row)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.map_err(|e| StoreError::corrupt(Stored::Threats, e))?);
        }
        Ok(out)
    }

    /// The threat with row id `id`, if still kept.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError`] for a damaged row.
    pub fn threat(&self, id: i64) -> Result<Option<Threat>, StoreError> {
        let found = self
            .conn
            .query_row(
                "SELECT id, kind, value, category, campaign, source, added, version, received, read
                 FROM feed_threat WHERE id = ?1",
                [id],
                threat_from_row,
            )
            .optional()?;
        found
            .map(|r| r.map_err(|e| StoreError::corrupt(Stored::Threats, e)))
            .transpose()
    }

    /// How many threats are unread.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn unread_threats(&self) -> Result<u32, StoreError> {
        let n: i64 =
            self.conn
                .query_row("SELECT count(*) FROM feed_threat WHERE read = 0", [], |r| {
                    r.get(0)
                })?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Marks threats read: those with an id up to `up_to` (the newest the user saw), or all.
    /// Returns how many changed.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn mark_threats_read(&mut self, up_to: Option<i64>) -> Result<u32, StoreError> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE feed_threat SET read = 1 WHERE read = 0 AND id <= ?1",
                [up_to.unwrap_or(i64::MAX)],
            )?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verity_core::blocklist::{Category, EntryKind};

    fn entry(v: &str, added: i64) -> BlocklistEntry {
        BlocklistEntry {
            kind: EntryKind::Phone,
            value: v.into(),
            category: Category::FakeSupport,
            campaign: Some("ads".into()),
            source: None,
            added: Timestamp(added),
        }
    }

    #[test]
    fn threats_are_listed_newest_first_with_unread_state() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.unread_threats().unwrap(), 0);
        let n = store
            .record_threats(
                &[entry("+85230000001", 10), entry("+85230000002", 30)],
                1,
                Timestamp(100),
            )
            .unwrap();
        assert_eq!(n, 2);
        let list = store.threats(10).unwrap();
        assert_eq!(list[0].entry.value, "+85230000002");
        assert_eq!(list[1].entry.campaign.as_deref(), Some("ads"));
        assert!(list.iter().all(|t| !t.read && t.version == 1));
        assert_eq!(store.unread_threats().unwrap(), 2);

        let newest_seen = list.iter().map(|t| t.id).max();
        store
            .record_threats(&[entry("+85230000003", 20)], 2, Timestamp(200))
            .unwrap();
        assert_eq!(store.mark_threats_read(newest_seen).unwrap(), 2);
        assert_eq!(store.unread_threats().unwrap(), 1, "the one not seen stays");
        // Seen again in a later version: unread again, refreshed.
        store
            .record_threats(&[entry("+85230000001", 10)], 3, Timestamp(300))
            .unwrap();
        assert_eq!(store.unread_threats().unwrap(), 2);
        assert_eq!(store.threats(10).unwrap().len(), 3);
        assert_eq!(store.mark_threats_read(None).unwrap(), 2);
        assert_eq!(store.unread_threats().unwrap(), 0);
    }

    #[test]
    fn only_the_newest_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let many: Vec<_> = (0..MAX_THREATS + 5)
            .map(|i| entry(&format!("+8523{i:07}"), i64::from(i)))
            .collect();
        store.record_threats(&many, 1, Timestamp(1)).unwrap();
        let list = store.threats(MAX_THREATS + 10).unwrap();
        assert_eq!(list.len(), MAX_THREATS as usize);
        assert_eq!(
            list.last().unwrap().entry.added,
            Timestamp(5),
            "the oldest went"
        );
    }
}
