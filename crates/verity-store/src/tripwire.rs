//! The tripwires' memory: the user's choices (`tripwire.*` rows of the `setting` table: the
//! remote-access tripwire, on unless turned off; the one-time-code guard, off unless turned on)
//! and the events they raised (`tripwire_event`: when, what kind, which tool, whether and when it
//! was sent to IT), which Home counts and the Threats screen lists. Nothing a clipboard held is
//! ever stored: a code event records only that a code was copied. At most [`MAX_EVENTS`] are
//! kept, the oldest dropped first.

use crate::error::Stored;
use crate::migrate::Migration;
use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension};
use verity_core::settings::parse_bool;
use verity_core::Timestamp;
use verity_tripwire::watch::EventKind;

pub(crate) const MIGRATION_TRIPWIRE: Migration = Migration {
    version: 12,
    name: "tripwire_events",
    sql: "CREATE TABLE tripwire_event (
              id          INTEGER PRIMARY KEY,
              at          INTEGER NOT NULL,
              kind        TEXT NOT NULL CHECK (kind IN ('remote_tool', 'installer', 'code')),
              tool        TEXT CHECK (tool IS NULL OR length(tool) BETWEEN 1 AND 64),
              reported_at INTEGER,
              report_id   TEXT CHECK (report_id IS NULL OR length(report_id) <= 128)
          ) STRICT;
          CREATE INDEX tripwire_event_newest ON tripwire_event (at DESC, id DESC);
          CREATE INDEX tripwire_event_tool ON tripwire_event (tool, at DESC);",
    seed: None,
};

/// The most events kept.
pub const MAX_EVENTS: u32 = 500;

const REMOTE: &str = "tripwire.remote";
const CODE_GUARD: &str = "tripwire.code_guard";
const CODE_GUARD_OFFERED: &str = "tripwire.code_guard_offered";
const FEED_TOOLS: &str = "tripwire.feed_tools";
const FEED_TOOLS_VERSION: &str = "tripwire.feed_tools_version";

/// The user's tripwire choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TripwirePrefs {
    /// Alert when a remote-access tool starts or its installer is downloaded (default: on).
    pub remote: bool,
    /// Remind when a one-time code is copied (default: off; opt-in).
    pub code_guard: bool,
    /// Whether the code guard has been offered (explained) to the user once.
    pub code_guard_offered: bool,
}

impl Default for TripwirePrefs {
    fn default() -> Self {
        TripwirePrefs {
            remote: true,
            code_guard: false,
            code_guard_offered: false,
        }
    }
}

/// An event a tripwire raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripwireEvent {
    /// Its row id.
    pub id: i64,
    /// When it happened.
    pub at: Timestamp,
    /// What was caught.
    pub kind: EventKind,
    /// The tool's id in the tool table (remote-access events).
    pub tool: Option<String>,
    /// When it was sent to IT, if it was.
    pub reported_at: Option<Timestamp>,
    /// The desk's receipt id for that report.
    pub report_id: Option<String>,
}

fn event_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<TripwireEvent, String>> {
    let kind: String = r.get(2)?;
    let kind = match kind.parse() {
        Ok(k) => k,
        Err(e) => return Ok(Err(format!("tripwire_event kind: {e}"))),
    };
    Ok(Ok(TripwireEvent {
        id: r.get(0)?,
        at: Timestamp(r.get(1)?),
        kind,
        tool: r.get(3)?,
        reported_at: r.get::<_, Option<i64>>(4)?.map(Timestamp),
        report_id: r.get(5)?,
    }))
}

impl Store {
    /// The tripwire choices, with their defaults where none was made.
    ///
    /// # Errors
    /// [`StoreError::InvalidValue`] for a corrupted flag; SQLite errors.
    pub fn tripwire_prefs(&self) -> Result<TripwirePrefs, StoreError> {
        let mut p = TripwirePrefs::default();
        if let Some(v) = self.setting(REMOTE)? {
            p.remote = parse_bool(REMOTE, &v)?;
        }
        if let Some(v) = self.setting(CODE_GUARD)? {
            p.code_guard = parse_bool(CODE_GUARD, &v)?;
        }
        if let Some(v) = self.setting(CODE_GUARD_OFFERED)? {
            p.code_guard_offered = parse_bool(CODE_GUARD_OFFERED, &v)?;
        }
        Ok(p)
    }

    /// Turns the remote-access tripwire on or off.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_remote_tripwire(&mut self, enabled: bool) -> Result<(), StoreError> {
        self.put_setting(REMOTE, bool_text(enabled))
    }

    /// Turns the one-time-code guard on or off (either answer means it was offered).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_code_guard(&mut self, enabled: bool) -> Result<(), StoreError> {
        self.write(|tx| {
            for (k, v) in [
                (CODE_GUARD, bool_text(enabled)),
                (CODE_GUARD_OFFERED, "true"),
            ] {
                tx.execute(
                    "INSERT INTO setting (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![k, v],
                )?;
            }
            Ok(())
        })
    }

    /// Records that the code guard was offered and declined for now ("not now").
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_code_guard_offered(&mut self) -> Result<(), StoreError> {
        self.put_setting(CODE_GUARD_OFFERED, "true")
    }

    /// The tool table the organisation's feed brought last (its version and JSON), if any.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a version that does not parse; SQLite errors.
    pub fn feed_tool_table(&self) -> Result<Option<(u32, String)>, StoreError> {
        let (Some(v), Some(json)) = (self.setting(FEED_TOOLS_VERSION)?, self.setting(FEED_TOOLS)?)
        else {
            return Ok(None);
        };
        let v = v.parse().map_err(|_| {
            StoreError::corrupt(Stored::Tripwire, format!("{FEED_TOOLS_VERSION} {v:?}"))
        })?;
        Ok(Some((v, json)))
    }

    /// Keeps the tool table a sync verified (version and JSON together, in one transaction).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_feed_tool_table(&mut self, version: u32, json: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            for (k, v) in [
                (FEED_TOOLS_VERSION, version.to_string()),
                (FEED_TOOLS, json.to_owned()),
            ] {
                tx.execute(
                    "INSERT INTO setting (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![k, v],
                )?;
            }
            Ok(())
        })
    }

    /// Records an event, then drops the oldest beyond [`MAX_EVENTS`]. Returns its id.
    ///
    /// # Errors
    /// SQLite errors (the table's checks refuse a tool id over 64 characters; nothing is
    /// written then).
    pub fn record_tripwire(
        &mut self,
        kind: EventKind,
        tool: Option<&str>,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tripwire_event (at, kind, tool) VALUES (?1, ?2, ?3)",
                params![at.0, kind.as_str(), tool],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "DELETE FROM tripwire_event WHERE id NOT IN
                     (SELECT id FROM tripwire_event ORDER BY at DESC, id DESC LIMIT ?1)",
                [MAX_EVENTS],
            )?;
            Ok(id)
        })
    }

    /// The events, newest first, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a row that does not parse; SQLite errors.
    pub fn tripwire_events(&self, limit: u32) -> Result<Vec<TripwireEvent>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, kind, tool, reported_at, report_id FROM tripwire_event
             ORDER BY at DESC, id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], event_from_row)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.map_err(|e| StoreError::corrupt(Stored::Tripwire, e))?);
        }
        Ok(out)
    }

    /// One event.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a row that does not parse; SQLite errors.
    pub fn tripwire_event(&self, id: i64) -> Result<Option<TripwireEvent>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, at, kind, tool, reported_at, report_id FROM tripwire_event
                 WHERE id = ?1",
                [id],
                event_from_row,
            )
            .optional()?
            .transpose()
            .map_err(|e| StoreError::corrupt(Stored::Tripwire, e))
    }

    /// When the last event of this kind (and tool, for remote-access events) happened.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn last_tripwire(
        &self,
        kind: EventKind,
        tool: Option<&str>,
    ) -> Result<Option<Timestamp>, StoreError> {
        let at: Option<i64> = match (kind, tool) {
            (EventKind::Code, _) | (_, None) => self.conn.query_row(
                "SELECT max(at) FROM tripwire_event WHERE kind = ?1",
                [kind.as_str()],
                |r| r.get(0),
            )?,
            // An installer and the program it installs are the same tool: either counts.
            (_, Some(tool)) => self.conn.query_row(
                "SELECT max(at) FROM tripwire_event
                 WHERE tool = ?1 AND kind IN ('remote_tool', 'installer')",
                [tool],
                |r| r.get(0),
            )?,
        };
        Ok(at.map(Timestamp))
    }

    /// How many events happened at or after `since`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn tripwire_count_since(&self, since: Timestamp) -> Result<u32, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM tripwire_event WHERE at >= ?1",
            [since.0],
            |r| r.get(0),
        )?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Records that event `id` was sent to IT (the desk's receipt). Returns false when there is
    /// no such event (it was dropped meanwhile).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn mark_tripwire_reported(
        &mut self,
        id: i64,
        report_id: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE tripwire_event SET reported_at = ?2, report_id = ?3 WHERE id = ?1",
                params![id, at.0, report_id],
            )?;
            Ok(n == 1)
        })
    }
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefs_default_to_remote_on_and_code_guard_off_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.tripwire_prefs().unwrap(), TripwirePrefs::default());
        store.set_remote_tripwire(false).unwrap();
        store.set_code_guard(true).unwrap();
        let p = Store::open(dir.path()).unwrap().tripwire_prefs().unwrap();
        assert_eq!(
            p,
            TripwirePrefs {
                remote: false,
                code_guard: true,
                code_guard_offered: true
            }
        );
        store.set_code_guard(false).unwrap();
        assert!(store.tripwire_prefs().unwrap().code_guard_offered);
        assert!(!store.tripwire_prefs().unwrap().code_guard);
    }

    #[test]
    fn a_corrupted_flag_is_an_error_not_a_default() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store.put_setting(REMOTE, "yes").unwrap();
        assert!(matches!(
            store.tripwire_prefs(),
            Err(StoreError::InvalidValue(_))
        ));
    }

    #[test]
    fn events_are_recorded_listed_counted_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let a = store
            .record_tripwire(EventKind::Installer, Some("anydesk"), Timestamp(100))
            .unwrap();
        let b = store
            .record_tripwire(EventKind::RemoteTool, Some("anydesk"), Timestamp(200))
            .unwrap();
        store
            .record_tripwire(EventKind::Code, None, Timestamp(300))
            .unwrap();
        let list = store.tripwire_events(10).unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].kind, EventKind::Code);
        assert_eq!(list[0].tool, None);
        assert_eq!(list[2].id, a);
        // The installer and the program are one tool for "alerted recently".
        assert_eq!(
            store
                .last_tripwire(EventKind::RemoteTool, Some("anydesk"))
                .unwrap(),
            Some(Timestamp(200))
        );
        assert_eq!(
            store
                .last_tripwire(EventKind::Installer, Some("teamviewer"))
                .unwrap(),
            None
        );
        assert_eq!(
            store.last_tripwire(EventKind::Code, None).unwrap(),
            Some(Timestamp(300))
        );
        assert_eq!(store.tripwire_count_since(Timestamp(200)).unwrap(), 2);
        assert!(store
            .mark_tripwire_reported(b, "r-42", Timestamp(400))
            .unwrap());
        assert!(!store
            .mark_tripwire_reported(9999, "r-43", Timestamp(400))
            .unwrap());
        let e = store.tripwire_event(b).unwrap().unwrap();
        assert_eq!(e.reported_at, Some(Timestamp(400)));
        assert_eq!(e.report_id.as_deref(), Some("r-42"));
        assert_eq!(store.tripwire_event(9999).unwrap(), None);
    }

    #[test]
    fn only_the_newest_events_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        for i in 0..i64::from(MAX_EVENTS) + 5 {
            store
                .record_tripwire(EventKind::Code, None, Timestamp(i))
                .unwrap();
        }
        let list = store.tripwire_events(MAX_EVENTS + 10).unwrap();
        assert_eq!(list.len(), MAX_EVENTS as usize);
        assert_eq!(list.last().unwrap().at, Timestamp(5));
    }

    #[test]
    fn a_tool_id_over_64_characters_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let long = "a".repeat(65);
        assert!(store
            .record_tripwire(EventKind::RemoteTool, Some(&long), Timestamp(1))
            .is_err());
        assert!(store.tripwire_events(10).unwrap().is_empty());
    }
}
