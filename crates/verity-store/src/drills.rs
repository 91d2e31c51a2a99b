//! Scam-drill lures this device was handed (`drill_lure`, schema 14) and the fake chat's lines
//! (`drill_chat_line`). See `docs/drills.md` § App.
//!
//! A lure is kept only once its `vd1.` token verified under the pinned organisation key (the
//! caller's business: this module stores what it is given). The row keeps the token (so the lure
//! can be checked again whenever it is acted on), the verified fields, when it was shown, the
//! first act (outcome, how, when: one conditional `UPDATE`, so the first act wins whatever
//! comes later), and whether the desk has the delivery and the outcome yet (kept until its
//! receipt). Every write is one transaction.

use crate::error::Stored;
use crate::migrate::Migration;
use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension};
use verity_core::Timestamp;

pub(crate) const MIGRATION_DRILLS: Migration = Migration {
    version: 14,
    name: "drills",
    sql: "CREATE TABLE drill_lure (
              drill_id    TEXT PRIMARY KEY CHECK (length(drill_id) BETWEEN 1 AND 64),
              token       TEXT NOT NULL CHECK (length(token) BETWEEN 1 AND 8192),
              scenario    TEXT NOT NULL CHECK (length(scenario) BETWEEN 1 AND 32),
              channel     TEXT NOT NULL CHECK (channel IN ('notification', 'support_chat')),
              number      TEXT NOT NULL CHECK (length(number) BETWEEN 1 AND 32),
              link        TEXT NOT NULL CHECK (length(link) BETWEEN 1 AND 256),
              deliver_at  INTEGER NOT NULL,
              expires_at  INTEGER NOT NULL CHECK (expires_at > deliver_at),
              fetched_at  INTEGER NOT NULL,
              shown_at    INTEGER,
              delivered_sent INTEGER NOT NULL DEFAULT 0 CHECK (delivered_sent IN (0, 1)),
              outcome     TEXT CHECK (outcome IS NULL OR outcome IN ('reported', 'engaged', 'ignored')),
              how         TEXT CHECK (how IS NULL OR length(how) BETWEEN 1 AND 32),
              acted_at    INTEGER,
              outcome_sent INTEGER NOT NULL DEFAULT 0 CHECK (outcome_sent IN (0, 1)),
              revealed    INTEGER NOT NULL DEFAULT 0 CHECK (revealed IN (0, 1)),
              CHECK ((outcome IS NULL) = (how IS NULL) AND (outcome IS NULL) = (acted_at IS NULL))
          ) STRICT;
          CREATE INDEX drill_lure_due ON drill_lure (deliver_at) WHERE shown_at IS NULL;
          CREATE TABLE drill_chat_line (
              drill_id TEXT NOT NULL REFERENCES drill_lure (drill_id) ON DELETE CASCADE,
              seq      INTEGER NOT NULL CHECK (seq >= 0),
              from_me  INTEGER NOT NULL CHECK (from_me IN (0, 1)),
              text     TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
              at       INTEGER NOT NULL,
              PRIMARY KEY (drill_id, seq)
          ) STRICT;",
    seed: None,
};

/// The most lures kept (the oldest finished and sent ones go first).
pub const MAX_DRILL_LURES: u32 = 200;
/// The most chat lines kept per lure.
pub const MAX_DRILL_CHAT_LINES: u32 = 64;

const PROGRAMME: &str = "drill.programme";
const LAST_FETCH: &str = "drill.last_fetch";

/// A lure to keep: a verified token and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDrillLure {
    /// The drill.
    pub drill_id: String,
    /// The `vd1.` token, as received.
    pub token: String,
    /// The scenario's wire name.
    pub scenario: String,
    /// `notification` or `support_chat`.
    pub channel: String,
    /// The drill number (E.164).
    pub number: String,
    /// The drill link.
    pub link: String,
    /// When to show it.
    pub deliver_at: Timestamp,
    /// When an unanswered lure counts as ignored.
    pub expires_at: Timestamp,
}

/// A kept lure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillLure {
    /// The drill.
    pub drill_id: String,
    /// The `vd1.` token.
    pub token: String,
    /// The scenario's wire name.
    pub scenario: String,
    /// `notification` or `support_chat`.
    pub channel: String,
    /// The drill number (E.164).
    pub number: String,
    /// The drill link.
    pub link: String,
    /// When to show it.
    pub deliver_at: Timestamp,
    /// When an unanswered lure counts as ignored.
    pub expires_at: Timestamp,
    /// When it was fetched.
    pub fetched_at: Timestamp,
    /// When it was shown.
    pub shown_at: Option<Timestamp>,
    /// Whether the desk has the delivery.
    pub delivered_sent: bool,
    /// The first act's outcome (`reported`, `engaged`, `ignored`).
    pub outcome: Option<String>,
    /// How (`report_to_it`, `check`, `opened_link`, `typed_code`, `dismissed`, `expired`).
    pub how: Option<String>,
    /// When.
    pub acted_at: Option<Timestamp>,
    /// Whether the desk has the outcome.
    pub outcome_sent: bool,
    /// Whether the reveal was shown.
    pub revealed: bool,
}

/// One line of the fake chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillChatLine {
    /// The employee's (true) or the fake agent's.
    pub from_me: bool,
    /// The text.
    pub text: String,
    /// When.
    pub at: Timestamp,
}

/// What the desk has not been told yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnsentDrillOutcome {
    /// The lure was shown at this time.
    Delivered {
        /// The drill.
        drill_id: String,
        /// When.
        at: Timestamp,
    },
    /// The first act.
    Final {
        /// The drill.
        drill_id: String,
        /// `reported`, `engaged` or `ignored`.
        outcome: String,
        /// How.
        how: String,
        /// When.
        at: Timestamp,
    },
}

const COLUMNS: &str = "drill_id, token, scenario, channel, number, link, deliver_at, expires_at, \
                       fetched_at, shown_at, delivered_sent, outcome, how, acted_at, outcome_sent, \
                       revealed";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DrillLure> {
    Ok(DrillLure {
        drill_id: r.get(0)?,
        token: r.get(1)?,
        scenario: r.get(2)?,
        channel: r.get(3)?,
        number: r.get(4)?,
        link: r.get(5)?,
        deliver_at: Timestamp(r.get(6)?),
        expires_at: Timestamp(r.get(7)?),
        fetched_at: Timestamp(r.get(8)?),
        shown_at: r.get::<_, Option<i64>>(9)?.map(Timestamp),
        delivered_sent: r.get::<_, i64>(10)? != 0,
        outcome: r.get(11)?,
        how: r.get(12)?,
        acted_at: r.get::<_, Option<i64>>(13)?.map(Timestamp),
        outcome_sent: r.get::<_, i64>(14)? != 0,
        revealed: r.get::<_, i64>(15)? != 0,
    })
}

impl Store {
    /// Keeps a verified lure fetched at `now`. A lure already known (the same drill) is left as
    /// it is: returns whether it was new.
    ///
    /// # Errors
    /// SQLite errors (a field out of bounds is refused by the table's checks).
    pub fn insert_drill_lure(
        &mut self,
        lure: &NewDrillLure,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx.execute(
                "INSERT OR IGNORE INTO drill_lure (drill_id, token, scenario, channel, number, \
                 link, deliver_at, expires_at, fetched_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    lure.drill_id,
                    lure.token,
                    lure.scenario,
                    lure.channel,
                    lure.number,
                    lure.link,
                    lure.deliver_at.0,
                    lure.expires_at.0,
                    now.0
                ],
            )?;
            // Keep the newest MAX_DRILL_LURES, dropping finished, sent ones first.
            tx.execute(
                "DELETE FROM drill_lure WHERE drill_id IN (SELECT drill_id FROM drill_lure \
                 ORDER BY (outcome IS NULL OR outcome_sent = 0) DESC, deliver_at DESC, \
                 drill_id DESC LIMIT -1 OFFSET ?1)",
                [MAX_DRILL_LURES],
            )?;
            Ok(n == 1)
        })
    }

    /// Every kept lure, the latest delivery first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn drill_lures(&self) -> Result<Vec<DrillLure>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM drill_lure ORDER BY deliver_at DESC, drill_id DESC"
        ))?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The lure of `drill_id`, if kept.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn drill_lure(&self, drill_id: &str) -> Result<Option<DrillLure>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM drill_lure WHERE drill_id = ?1"),
                [drill_id],
                row,
            )
            .optional()?)
    }

    /// The lures to show at `now`: delivery time passed, not shown, not acted on, not expired;
    /// the earliest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn due_drill_lures(&self, now: Timestamp) -> Result<Vec<DrillLure>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM drill_lure WHERE shown_at IS NULL AND outcome IS NULL \
             AND deliver_at <= ?1 AND expires_at > ?1 ORDER BY deliver_at, drill_id"
        ))?;
        let rows = stmt.query_map([now.0], row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Records that the lure was shown at `at` (once: returns whether this call recorded it).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn mark_drill_shown(&mut self, drill_id: &str, at: Timestamp) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE drill_lure SET shown_at = ?2 WHERE drill_id = ?1 AND shown_at IS NULL",
                params![drill_id, at.0],
            )? == 1)
        })
    }

    /// Records the first act on a lure: `outcome` (`reported`, `engaged`, `ignored`) by `how` at
    /// `at`. Only the first act counts (one conditional `UPDATE`): returns whether this one did.
    /// An act on a lure not shown yet records it as shown at `at` too.
    ///
    /// # Errors
    /// SQLite errors (an unknown outcome is refused by the table's checks).
    pub fn record_drill_act(
        &mut self,
        drill_id: &str,
        outcome: &str,
        how: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE drill_lure SET outcome = ?2, how = ?3, acted_at = ?4, \
                 shown_at = coalesce(shown_at, ?4) \
                 WHERE drill_id = ?1 AND outcome IS NULL",
                params![drill_id, outcome, how, at.0],
            )? == 1)
        })
    }

    /// Lets the lures that expired by `now` unanswered count as ignored (`expired`, at their
    /// `expires_at`); lures that expired before they were ever shown are forgotten (the employee
    /// never saw them). Returns the drills that became ignored.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn expire_drill_lures(&mut self, now: Timestamp) -> Result<Vec<String>, StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM drill_lure WHERE shown_at IS NULL AND outcome IS NULL \
                 AND expires_at <= ?1",
                [now.0],
            )?;
            let mut stmt = tx.prepare(
                "UPDATE drill_lure SET outcome = 'ignored', how = 'expired', \
                 acted_at = expires_at WHERE outcome IS NULL AND expires_at <= ?1 \
                 RETURNING drill_id",
            )?;
            let rows = stmt.query_map([now.0], |r| r.get::<_, String>(0))?;
            let mut out = rows.collect::<Result<Vec<_>, _>>()?;
            out.sort();
            Ok(out)
        })
    }

    /// Marks the reveal of `drill_id` as shown; returns whether it was not before.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn mark_drill_revealed(&mut self, drill_id: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE drill_lure SET revealed = 1 WHERE drill_id = ?1 AND revealed = 0 \
                 AND outcome IS NOT NULL",
                [drill_id],
            )? == 1)
        })
    }

    /// What the desk has not been told yet: deliveries, then final outcomes, oldest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn unsent_drill_outcomes(&self) -> Result<Vec<UnsentDrillOutcome>, StoreError> {
        let mut out = Vec::new();
        for l in self.drill_lures()?.into_iter().rev() {
            if let (Some(at), false) = (l.shown_at, l.delivered_sent) {
                out.push(UnsentDrillOutcome::Delivered {
                    drill_id: l.drill_id.clone(),
                    at,
                });
            }
            if let (Some(outcome), Some(how), Some(at), false) =
                (l.outcome, l.how, l.acted_at, l.outcome_sent)
            {
                out.push(UnsentDrillOutcome::Final {
                    drill_id: l.drill_id,
                    outcome,
                    how,
                    at,
                });
            }
        }
        Ok(out)
    }

    /// Records that the desk has the delivery (`final_outcome` false) or the final outcome of
    /// `drill_id` (a final outcome on record at the desk implies its delivery too).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn mark_drill_sent(
        &mut self,
        drill_id: &str,
        final_outcome: bool,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            if final_outcome {
                tx.execute(
                    "UPDATE drill_lure SET outcome_sent = 1, delivered_sent = 1 \
                     WHERE drill_id = ?1 AND outcome IS NOT NULL",
                    [drill_id],
                )?;
            } else {
                tx.execute(
                    "UPDATE drill_lure SET delivered_sent = 1 WHERE drill_id = ?1 \
                     AND shown_at IS NOT NULL",
                    [drill_id],
                )?;
            }
            Ok(())
        })
    }

    /// Forgets the lure of `drill_id` (the desk does not know it: `drill_unknown`).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn forget_drill_lure(&mut self, drill_id: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM drill_lure WHERE drill_id = ?1", [drill_id])?;
            Ok(())
        })
    }

    /// Appends a line to the fake chat of `drill_id` (at most [`MAX_DRILL_CHAT_LINES`]; later
    /// lines are dropped). Returns whether it was kept.
    ///
    /// # Errors
    /// SQLite errors (an empty or over-long text is refused by the table's checks).
    pub fn append_drill_chat(
        &mut self,
        drill_id: &str,
        line: &DrillChatLine,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n: i64 = tx.query_row(
                "SELECT count(*) FROM drill_chat_line WHERE drill_id = ?1",
                [drill_id],
                |r| r.get(0),
            )?;
            if n >= i64::from(MAX_DRILL_CHAT_LINES) {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO drill_chat_line (drill_id, seq, from_me, text, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![drill_id, n, i64::from(line.from_me), line.text, line.at.0],
            )?;
            Ok(true)
        })
    }

    /// The fake chat's lines of `drill_id`, in order.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn drill_chat(&self, drill_id: &str) -> Result<Vec<DrillChatLine>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT from_me, text, at FROM drill_chat_line WHERE drill_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([drill_id], |r| {
            Ok(DrillChatLine {
                from_me: r.get::<_, i64>(0)? != 0,
                text: r.get(1)?,
                at: Timestamp(r.get(2)?),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The organisation's drill programme as last fetched (its JSON, the caller's to read).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn drill_programme(&self) -> Result<Option<String>, StoreError> {
        self.setting(PROGRAMME)
    }

    /// Keeps the organisation's drill programme (its JSON).
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for a value over 4 KiB.
    pub fn set_drill_programme(&mut self, json: &str) -> Result<(), StoreError> {
        if json.len() > 4096 {
            return Err(StoreError::corrupt(Stored::Drills, "programme too long"));
        }
        self.put_setting(PROGRAMME, json)
    }

    /// When lures were last fetched.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn last_drill_fetch(&self) -> Result<Option<Timestamp>, StoreError> {
        Ok(self
            .setting(LAST_FETCH)?
            .and_then(|v| v.parse().ok())
            .map(Timestamp))
    }

    /// Records that lures were fetched at `at`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_last_drill_fetch(&mut self, at: Timestamp) -> Result<(), StoreError> {
        self.put_setting(LAST_FETCH, &at.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn lure(id: &str, deliver: i64) -> NewDrillLure {
        NewDrillLure {
            drill_id: id.into(),
            token: format!("vd1.{id}.sig"),
            scenario: "freeze_threat".into(),
            channel: "notification".into(),
            number: "+85230019999".into(),
            link: "https://drill.example/x".into(),
            deliver_at: Timestamp(deliver),
            expires_at: Timestamp(deliver + 3600),
        }
    }

    #[test]
    fn the_first_act_wins_and_outcomes_are_sent_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        assert!(s
            .insert_drill_lure(&lure("d-1", 100), Timestamp(50))
            .unwrap());
        assert!(!s
            .insert_drill_lure(&lure("d-1", 100), Timestamp(60))
            .unwrap());
        assert_eq!(s.drill_lures().unwrap().len(), 1);
        assert!(s.due_drill_lures(Timestamp(99)).unwrap().is_empty());
        assert_eq!(s.due_drill_lures(Timestamp(100)).unwrap().len(), 1);
        assert!(s.mark_drill_shown("d-1", Timestamp(101)).unwrap());
        assert!(!s.mark_drill_shown("d-1", Timestamp(102)).unwrap());
        assert!(s.due_drill_lures(Timestamp(103)).unwrap().is_empty());
        assert!(s
            .record_drill_act("d-1", "reported", "check", Timestamp(110))
            .unwrap());
        assert!(!s
            .record_drill_act("d-1", "engaged", "opened_link", Timestamp(111))
            .unwrap());
        let l = s.drill_lure("d-1").unwrap().unwrap();
        assert_eq!(l.outcome.as_deref(), Some("reported"));
        assert_eq!(l.shown_at, Some(Timestamp(101)));
        assert_eq!(s.unsent_drill_outcomes().unwrap().len(), 2);
        s.mark_drill_sent("d-1", true).unwrap();
        assert!(s.unsent_drill_outcomes().unwrap().is_empty());
        // An unknown outcome is refused by the table, and changes nothing.
        assert!(s
            .insert_drill_lure(&lure("d-2", 100), Timestamp(50))
            .unwrap());
        assert!(s
            .record_drill_act("d-2", "maybe", "x", Timestamp(1))
            .is_err());
        assert_eq!(s.drill_lure("d-2").unwrap().unwrap().outcome, None);
    }

    #[test]
    fn expiry_ignores_shown_lures_and_forgets_unshown_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        s.insert_drill_lure(&lure("d-a", 100), Timestamp(1))
            .unwrap();
        s.insert_drill_lure(&lure("d-b", 100), Timestamp(1))
            .unwrap();
        s.mark_drill_shown("d-a", Timestamp(100)).unwrap();
        assert!(s.expire_drill_lures(Timestamp(3699)).unwrap().is_empty());
        assert_eq!(s.expire_drill_lures(Timestamp(3700)).unwrap(), ["d-a"]);
        assert!(s.drill_lure("d-b").unwrap().is_none());
        let a = s.drill_lure("d-a").unwrap().unwrap();
        assert_eq!(a.how.as_deref(), Some("expired"));
        assert_eq!(a.acted_at, Some(Timestamp(3700)));
    }

    #[test]
    fn chat_lines_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        s.insert_drill_lure(&lure("d-c", 100), Timestamp(1))
            .unwrap();
        for i in 0..MAX_DRILL_CHAT_LINES {
            let line = DrillChatLine {
                from_me: i % 2 == 0,
                text: format!("line {i}"),
                at: Timestamp(i64::from(i)),
            };
            assert!(s.append_drill_chat("d-c", &line).unwrap());
        }
        let extra = DrillChatLine {
            from_me: true,
            text: "more".into(),
            at: Timestamp(0),
        };
        assert!(!s.append_drill_chat("d-c", &extra).unwrap());
        let chat = s.drill_chat("d-c").unwrap();
        assert_eq!(chat.len(), MAX_DRILL_CHAT_LINES as usize);
        assert_eq!(chat[1].text, "line 1");
    }
}
