//! Reports this device sent to IT (`it_report`, schema 13): what was reported (kind, item — the
//! normalised number, link or tool id, never what a clipboard held), when, the desk's number for
//! it, and where IT's triage stands (new, confirmed, rejected, and when), as the desk last said.
//! The Threats screen lists them; a later status check updates them.

use crate::error::Stored;
use crate::migrate::Migration;
use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension};
use verity_core::Timestamp;

pub(crate) const MIGRATION_IT_REPORTS: Migration = Migration {
    version: 13,
    name: "it_reports",
    sql: "CREATE TABLE it_report (
              desk_id     INTEGER PRIMARY KEY CHECK (desk_id > 0),
              kind        TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 32),
              item        TEXT CHECK (item IS NULL OR length(item) <= 512),
              sent_at     INTEGER NOT NULL,
              state       TEXT NOT NULL DEFAULT 'new'
                          CHECK (state IN ('new', 'confirmed', 'rejected')),
              resolved_at INTEGER,
              checked_at  INTEGER,
              outcome_seen INTEGER NOT NULL DEFAULT 1 CHECK (outcome_seen IN (0, 1))
          ) STRICT;
          CREATE INDEX it_report_newest ON it_report (sent_at DESC, desk_id DESC);",
    seed: None,
};

const LAST_CHECK_IN: &str = "desk.last_check_in";

/// The most reports kept (the oldest resolved ones go first).
pub const MAX_IT_REPORTS: u32 = 500;

/// Where IT's triage of a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItReportState {
    /// IT has not looked at it yet (or the device has not heard).
    New,
    /// IT confirmed it.
    Confirmed,
    /// IT found nothing in it.
    Rejected,
}

impl ItReportState {
    /// Its stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ItReportState::New => "new",
            ItReportState::Confirmed => "confirmed",
            ItReportState::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Option<ItReportState> {
        [
            ItReportState::New,
            ItReportState::Confirmed,
            ItReportState::Rejected,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A report this device sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItReport {
    /// The desk's number for it.
    pub desk_id: u64,
    /// The report's kind code (`check`, `threat`, `tripwire_remote_tool`…).
    pub kind: String,
    /// The item reported, if any.
    pub item: Option<String>,
    /// When it was sent (the desk's receipt time).
    pub sent_at: Timestamp,
    /// Where IT's triage stands.
    pub state: ItReportState,
    /// When IT resolved it.
    pub resolved_at: Option<Timestamp>,
    /// When the device last asked.
    pub checked_at: Option<Timestamp>,
    /// Whether the user has seen the outcome (false from a resolution until the list is seen).
    pub outcome_seen: bool,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<ItReport, String>> {
    let state: String = r.get(4)?;
    let Some(state) = ItReportState::parse(&state) else {
        return Ok(Err(format!("it_report state {state:?}")));
    };
    let desk_id: i64 = r.get(0)?;
    Ok(Ok(ItReport {
        desk_id: u64::try_from(desk_id).unwrap_or(0),
        kind: r.get(1)?,
        item: r.get(2)?,
        sent_at: Timestamp(r.get(3)?),
        state,
        resolved_at: r.get::<_, Option<i64>>(5)?.map(Timestamp),
        checked_at: r.get::<_, Option<i64>>(6)?.map(Timestamp),
        outcome_seen: r.get::<_, i64>(7)? != 0,
    }))
}

const COLUMNS: &str = "desk_id, kind, item, sent_at, state, resolved_at, checked_at, outcome_seen";

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Store {
    /// Records a report the desk took (its receipt's number and time). Recording the same
    /// number again changes nothing.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn record_it_report(
        &mut self,
        desk_id: u64,
        kind: &str,
        item: Option<&str>,
        sent_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO it_report (desk_id, kind, item, sent_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![to_i64(desk_id), kind, item, sent_at.0],
            )?;
            // Keep the newest MAX_IT_REPORTS, dropping resolved ones before open ones.
            tx.execute(
                "DELETE FROM it_report WHERE desk_id IN (SELECT desk_id FROM it_report \
                 ORDER BY state = 'new' DESC, sent_at DESC, desk_id DESC LIMIT -1 OFFSET ?1)",
                [MAX_IT_REPORTS],
            )?;
            Ok(())
        })
    }

    /// The reports sent, newest first, at most `limit`.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError`] for a damaged row.
    pub fn it_reports(&self, limit: u32) -> Result<Vec<ItReport>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM it_report ORDER BY sent_at DESC, desk_id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit], row)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.map_err(|e| StoreError::corrupt(Stored::ItReports, e))?);
        }
        Ok(out)
    }

    /// The report with the desk's number `desk_id`, if kept.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError`] for a damaged row.
    pub fn it_report(&self, desk_id: u64) -> Result<Option<ItReport>, StoreError> {
        let found = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM it_report WHERE desk_id = ?1"),
                [to_i64(desk_id)],
                row,
            )
            .optional()?;
        found
            .map(|r| r.map_err(|e| StoreError::corrupt(Stored::ItReports, e)))
            .transpose()
    }

    /// The numbers of the reports IT has not resolved yet, the least recently checked first,
    /// at most `limit`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn open_it_reports(&self, limit: u32) -> Result<Vec<u64>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT desk_id FROM it_report WHERE state = 'new' \
             ORDER BY coalesce(checked_at, 0), desk_id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| r.get::<_, i64>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(u64::try_from(r?).unwrap_or(0));
        }
        Ok(out)
    }

    /// Records what the desk said of the reports `asked` at `at`: each of `answers` (number,
    /// state, when resolved) updates its report (a change to confirmed or rejected marks the
    /// outcome unseen); every report asked about is marked checked. Returns the reports that
    /// changed state.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn update_it_reports(
        &mut self,
        asked: &[u64],
        answers: &[(u64, ItReportState, Option<Timestamp>)],
        at: Timestamp,
    ) -> Result<Vec<u64>, StoreError> {
        self.write(|tx| {
            for &id in asked {
                tx.execute(
                    "UPDATE it_report SET checked_at = ?2 WHERE desk_id = ?1",
                    params![to_i64(id), at.0],
                )?;
            }
            let mut changed = Vec::new();
            for &(id, state, resolved_at) in answers {
                let n = tx.execute(
                    "UPDATE it_report SET state = ?2, resolved_at = ?3, outcome_seen = 0 \
                     WHERE desk_id = ?1 AND state <> ?2",
                    params![to_i64(id), state.as_str(), resolved_at.map(|t| t.0)],
                )?;
                if n > 0 {
                    changed.push(id);
                }
            }
            Ok(changed)
        })
    }

    /// When this device last checked in with its desk (the app's background contact).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn last_check_in(&self) -> Result<Option<Timestamp>, StoreError> {
        Ok(self
            .setting(LAST_CHECK_IN)?
            .and_then(|v| v.parse().ok())
            .map(Timestamp))
    }

    /// Records that this device checked in with its desk at `at`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_last_check_in(&mut self, at: Timestamp) -> Result<(), StoreError> {
        self.put_setting(LAST_CHECK_IN, &at.0.to_string())
    }

    /// How many outcomes the user has not seen.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn unseen_it_outcomes(&self) -> Result<u32, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM it_report WHERE outcome_seen = 0",
            [],
            |r| r.get(0),
        )?)
    }

    /// Marks every outcome seen; how many were not.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn mark_it_outcomes_seen(&mut self) -> Result<u32, StoreError> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE it_report SET outcome_seen = 1 WHERE outcome_seen = 0",
                [],
            )?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reports_are_kept_updated_once_and_their_outcomes_seen() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store
            .record_it_report(7, "check", Some("+85230019999"), Timestamp(100))
            .unwrap();
        store
            .record_it_report(9, "tripwire_code_guard", None, Timestamp(200))
            .unwrap();
        // The same receipt again (a retry) changes nothing.
        store
            .record_it_report(7, "check", Some("+85230019999"), Timestamp(300))
            .unwrap();
        let list = store.it_reports(10).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!((list[0].desk_id, list[1].sent_at), (9, Timestamp(100)));
        assert!(list.iter().all(|r| r.state == ItReportState::New));
        assert_eq!(store.open_it_reports(10).unwrap(), vec![7, 9]);

        let changed = store
            .update_it_reports(
                &[7, 9],
                &[
                    (7, ItReportState::Confirmed, Some(Timestamp(400))),
                    (9, ItReportState::New, None),
                ],
                Timestamp(500),
            )
            .unwrap();
        assert_eq!(changed, vec![7]);
        assert_eq!(store.unseen_it_outcomes().unwrap(), 1);
        let r = store.it_report(7).unwrap().unwrap();
        assert_eq!(
            (r.state, r.resolved_at, r.checked_at, r.outcome_seen),
            (
                ItReportState::Confirmed,
                Some(Timestamp(400)),
                Some(Timestamp(500)),
                false
            )
        );
        // Asked again with the same answer: no change, nothing unseen again.
        let again = store
            .update_it_reports(
                &[7],
                &[(7, ItReportState::Confirmed, Some(Timestamp(400)))],
                Timestamp(600),
            )
            .unwrap();
        assert!(again.is_empty());
        assert_eq!(store.open_it_reports(10).unwrap(), vec![9]);
        assert_eq!(store.mark_it_outcomes_seen().unwrap(), 1);
        assert_eq!(store.unseen_it_outcomes().unwrap(), 0);
    }

    #[test]
    fn the_oldest_resolved_reports_go_first_past_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store
            .record_it_report(1, "check", None, Timestamp(1))
            .unwrap();
        store
            .update_it_reports(&[1], &[(1, ItReportState::Rejected, None)], Timestamp(2))
            .unwrap();
        for i in 2..=u64::from(MAX_IT_REPORTS) + 1 {
            store
                .record_it_report(i, "check", None, Timestamp(i64::try_from(i).unwrap()))
                .unwrap();
        }
        assert!(
            store.it_report(1).unwrap().is_none(),
            "the resolved one went"
        );
        assert!(store.it_report(2).unwrap().is_some(), "open ones stay");
        assert_eq!(
            store.it_reports(10_000).unwrap().len(),
            MAX_IT_REPORTS as usize
        );
    }
}
