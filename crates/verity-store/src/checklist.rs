//! The checklist's step states, its recurrence policy, and the hash-chained audit log.
//!
//! Every transition is one write transaction (`BEGIN IMMEDIATE`): the step's new state, the
//! audit record that chains onto the last one, and the head kept beside the log are written
//! together or not at all. The rules (which transitions are legal, what a record's hash covers)
//! live in `verity_checklist::checklist` and `verity_checklist::audit`; this module only stores.
//!
//! The log is append-only twice over: triggers refuse `UPDATE` and `DELETE` on it (an honest
//! mistake cannot change history), and the hash chain shows any change made around them.
//!
//! Whoever can write the file can still rewrite the whole chain and its head; so the head the
//! organisation's desk last countersigned ([`AnchoredHead`], stored by the device verification
//! flow with [`Store::set_audit_anchor`]) is kept too, and [`Store::verify_audit`] checks the
//! chain against it (`verity_checklist::audit::check_anchor`). The manager's report carries it as
//! well, so deleting it with the chain is caught by an earlier report.

use rusqlite::{params, Connection, OptionalExtension};
use verity_checklist::audit::{self, AnchoredHead, AuditRecord, ChainHead, Verification};
use verity_checklist::checklist::{
    self, Checklist, Event, Evidence, RecurrencePolicy, StepId, StepState, StepStatus,
    TransitionError,
};
use verity_core::Timestamp;

use crate::error::Stored;
use crate::migrate::Migration;
use crate::{Store, StoreError};

pub(crate) const MIGRATION_CHECKLIST: Migration = Migration {
    version: 5,
    name: "checklist and audit log",
    sql: "CREATE TABLE checklist_step (
              step       TEXT PRIMARY KEY NOT NULL CHECK (step IN ('remove_unofficial_numbers',
                           'announce_official_path', 'alerts_on', 'drill_owner', 'training')),
              status     TEXT NOT NULL CHECK (status IN
                           ('not_started', 'in_progress', 'done', 'due_again')),
              started_at INTEGER,
              updated_at INTEGER,
              done_at    INTEGER,
              due_at     INTEGER,
              evidence   TEXT
          ) STRICT;
          CREATE TABLE checklist_policy (
              id   INTEGER PRIMARY KEY CHECK (id = 1),
              json TEXT NOT NULL
          ) STRICT;
          -- No CHECK constraints here on purpose: the hash chain is the check, and verification
          -- must be able to read (and report) whatever a tamperer wrote.
          CREATE TABLE audit_log (
              seq         INTEGER PRIMARY KEY,
              at          INTEGER NOT NULL,
              step        TEXT NOT NULL,
              from_status TEXT NOT NULL,
              to_status   TEXT NOT NULL,
              evidence    TEXT,
              prev_hash   TEXT NOT NULL,
              hash        TEXT NOT NULL
          ) STRICT;
          CREATE TABLE audit_head (
              id   INTEGER PRIMARY KEY CHECK (id = 1),
              seq  INTEGER NOT NULL,
              hash TEXT NOT NULL
          ) STRICT;
          CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
          CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    seed: None,
};

pub(crate) const MIGRATION_AUDIT_ANCHOR: Migration = Migration {
    version: 11,
    name: "audit anchor",
    // The countersigned head as JSON (`AnchoredHead`); one row.
    sql: "CREATE TABLE audit_anchor (
              id   INTEGER PRIMARY KEY CHECK (id = 1),
              json TEXT NOT NULL
          ) STRICT;",
    seed: None,
};

/// Why a checklist change was not made.
#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    /// The transition is illegal, or its evidence malformed; nothing was written.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The store failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ChecklistError {
    fn from(e: rusqlite::Error) -> Self {
        ChecklistError::Store(StoreError::Sqlite(e))
    }
}

/// A transition as stored: the step's new state and its audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The step's state after the transition.
    pub state: StepState,
    /// The audit record written for it.
    pub record: AuditRecord,
}

/// The audit log checked: the chain itself, and the stored step states against the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    /// The chain's verification (first break, head, replayed statuses).
    pub verification: Verification,
    /// Steps whose stored status differs from the status the log replays to (the state table
    /// was edited outside Verity).
    pub mismatched_steps: Vec<StepId>,
    /// The head the organisation's desk countersigned, as kept beside the log (the chain was
    /// checked against it).
    pub anchor: Option<AnchoredHead>,
}

impl AuditCheck {
    /// Whether the chain verified and the states agree with it.
    #[must_use]
    pub fn is_intact(&self) -> bool {
        self.verification.is_intact() && self.mismatched_steps.is_empty()
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt(Stored::Checklist, what)
}

fn read_state(conn: &Connection, step: StepId) -> Result<StepState, StoreError> {
    let row = conn
        .query_row(
            "SELECT status, started_at, updated_at, done_at, due_at, evidence
             FROM checklist_step WHERE step = ?1",
            [step.as_str()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((status, started, updated, done, due, evidence)) = row else {
        return Ok(StepState::new(step));
    };
    let status: StepStatus = status
        .parse()
        .map_err(|e| corrupt(format!("checklist step {step}: {e}")))?;
    let evidence: Option<Evidence> = evidence
        .map(|j| serde_json::from_str(&j))
        .transpose()
        .map_err(|e| corrupt(format!("checklist step {step} evidence: {e}")))?;
    Ok(StepState {
        step,
        status,
        started_at: started.map(Timestamp),
        updated_at: updated.map(Timestamp),
        done_at: done.map(Timestamp),
        due_at: due.map(Timestamp),
        evidence,
    })
}

fn write_state(conn: &Connection, s: &StepState) -> Result<(), StoreError> {
    let evidence = s
        .evidence
        .as_ref()
        .map(Evidence::to_json)
        .transpose()
        .map_err(corrupt)?;
    conn.execute(
        "INSERT INTO checklist_step (step, status, started_at, updated_at, done_at, due_at, evidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (step) DO UPDATE SET status = excluded.status,
             started_at = excluded.started_at, updated_at = excluded.updated_at,
             done_at = excluded.done_at, due_at = excluded.due_at, evidence = excluded.evidence",
        params![
            s.step.as_str(),
            s.status.as_str(),
            s.started_at.map(|t| t.0),
            s.updated_at.map(|t| t.0),
            s.done_at.map(|t| t.0),
            s.due_at.map(|t| t.0),
            evidence
        ],
    )?;
    Ok(())
}

fn read_policy(conn: &Connection) -> Result<RecurrencePolicy, StoreError> {
    let json: Option<String> = conn
        .query_row("SELECT json FROM checklist_policy WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    match json {
        None => Ok(RecurrencePolicy::default()),
        Some(j) => serde_json::from_str(&j).map_err(|e| corrupt(format!("checklist policy: {e}"))),
    }
}

/// The last record actually in the log (the chain continues from it).
fn last_record(conn: &Connection) -> Result<Option<ChainHead>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                Ok(ChainHead {
                    seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    hash: r.get(1)?,
                })
            },
        )
        .optional()?)
}

fn append(conn: &Connection, t: &checklist::Transition) -> Result<AuditRecord, StoreError> {
    let prev = last_record(conn)?;
    let r = audit::next_record(prev.as_ref(), t).map_err(corrupt)?;
    let seq = i64::try_from(r.seq).map_err(corrupt)?;
    conn.execute(
        "INSERT INTO audit_log (seq, at, step, from_status, to_status, evidence, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            seq,
            r.at.0,
            r.step,
            r.from,
            r.to,
            r.evidence,
            r.prev_hash,
            r.hash
        ],
    )?;
    conn.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        params![seq, r.hash],
    )?;
    Ok(r)
}

impl Store {
    /// The five steps' states (steps never touched are not started).
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for a stored state that no longer parses.
    pub fn checklist(&self) -> Result<Checklist, StoreError> {
        let mut states = Vec::with_capacity(StepId::ALL.len());
        for step in StepId::ALL {
            states.push(read_state(&self.conn, *step)?);
        }
        Ok(Checklist::from_states(states))
    }

    /// How often the recurring steps fall due (the default unless an administrator set one).
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] when the stored policy does not parse.
    pub fn checklist_policy(&self) -> Result<RecurrencePolicy, StoreError> {
        read_policy(&self.conn)
    }

    /// Stores the recurrence policy. Steps already done keep their due dates; the policy
    /// applies from their next completion.
    ///
    /// # Errors
    /// [`TransitionError::InvalidEvidence`] for an interval out of bounds; SQLite errors.
    pub fn set_checklist_policy(
        &mut self,
        policy: &RecurrencePolicy,
    ) -> Result<(), ChecklistError> {
        policy.validate().map_err(TransitionError::from)?;
        let json = serde_json::to_string(policy).map_err(corrupt)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO checklist_policy (id, json) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                [json],
            )?;
            Ok(())
        })?;
        Ok(())
    }

    /// Applies `event` to `step` at `now`: the new state and its audit record in one write
    /// transaction.
    ///
    /// # Errors
    /// [`ChecklistError::Transition`] for an illegal transition or malformed evidence (nothing
    /// is written); [`ChecklistError::Store`] when the store fails (nothing is written).
    pub fn apply_checklist_event(
        &mut self,
        step: StepId,
        event: &Event,
        now: Timestamp,
    ) -> Result<Applied, ChecklistError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let state = read_state(&tx, step)?;
        let policy = read_policy(&tx)?;
        let (next, t) = checklist::transition(&state, event, now, &policy)?;
        write_state(&tx, &next)?;
        let record = append(&tx, &t)?;
        tx.commit()?;
        Ok(Applied {
            state: next,
            record,
        })
    }

    /// Moves every `done` step whose due date has passed at `now` to `due_again`, each with its
    /// audit record, in one write transaction. Returns what changed (often nothing).
    ///
    /// # Errors
    /// SQLite errors; nothing is written then.
    pub fn fall_due_steps(&mut self, now: Timestamp) -> Result<Vec<Applied>, ChecklistError> {
        // Cheap read first: most calls find nothing due and take no write lock.
        if self.checklist()?.due_steps(now).is_empty() {
            return Ok(Vec::new());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let policy = read_policy(&tx)?;
        let mut out = Vec::new();
        for step in StepId::ALL {
            let state = read_state(&tx, *step)?;
            if !state.is_due(now) {
                continue;
            }
            let (next, t) = checklist::transition(&state, &Event::FallDue, now, &policy)?;
            write_state(&tx, &next)?;
            let record = append(&tx, &t)?;
            out.push(Applied {
                state: next,
                record,
            });
        }
        tx.commit()?;
        Ok(out)
    }

    /// Every audit record, by sequence number.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn audit_records(&self) -> Result<Vec<AuditRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, step, from_status, to_status, evidence, prev_hash, hash
             FROM audit_log ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(AuditRecord {
                seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                at: Timestamp(r.get(1)?),
                step: r.get(2)?,
                from: r.get(3)?,
                to: r.get(4)?,
                evidence: r.get(5)?,
                prev_hash: r.get(6)?,
                hash: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The head kept beside the log (the last record written, as written).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn audit_head(&self) -> Result<Option<ChainHead>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok(ChainHead {
                    seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    hash: r.get(1)?,
                })
            })
            .optional()?)
    }

    /// Verifies the audit log: the chain, the head kept beside it, and the stored step states
    /// against the statuses the log replays to.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] when a stored step state no longer parses.
    pub fn verify_audit(&self) -> Result<AuditCheck, StoreError> {
        let records = self.audit_records()?;
        let head = self.audit_head()?;
        let anchor = self.audit_anchor()?;
        let verification = audit::verify_anchored(&records, head.as_ref(), anchor.as_ref());
        let mut mismatched_steps = Vec::new();
        if verification.is_intact() {
            let checklist = self.checklist()?;
            for (step, status) in &verification.replayed {
                if checklist.get(*step).status != *status {
                    mismatched_steps.push(*step);
                }
            }
        }
        Ok(AuditCheck {
            verification,
            mismatched_steps,
            anchor,
        })
    }

    /// Keeps `anchor`, the head the organisation's desk countersigned (its countersignature is
    /// checked by the caller, `verity_device::device::verify`), in place of the one kept.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_audit_anchor(&mut self, anchor: &AnchoredHead) -> Result<(), StoreError> {
        let json = serde_json::to_string(anchor).map_err(corrupt)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO audit_anchor (id, json) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                [json],
            )?;
            Ok(())
        })
    }

    /// The head the organisation's desk last countersigned, if any.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] when the stored anchor does not parse.
    pub fn audit_anchor(&self) -> Result<Option<AnchoredHead>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT json FROM audit_anchor WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        json.map(|j| {
            serde_json::from_str(&j).map_err(|e| StoreError::corrupt(Stored::AuditAnchor, e))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verity_checklist::checklist::{QuizEvidence, ScanEvidence};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        (dir, s)
    }

    #[test]
    fn a_transition_and_its_record_are_written_together() {
        let (_d, mut s) = store();
        let now = Timestamp(1_767_225_600);
        let a = s
            .apply_checklist_event(StepId::Training, &Event::Start, now)
            .unwrap();
        assert_eq!(a.state.status, StepStatus::InProgress);
        assert_eq!(a.record.seq, 1);
        let ev = Event::Record(Evidence::Training(QuizEvidence::new(9, 10)));
        let b = s.apply_checklist_event(StepId::Training, &ev, now).unwrap();
        assert_eq!(b.record.prev_hash, a.record.hash);
        assert_eq!(
            s.checklist().unwrap().get(StepId::Training).status,
            StepStatus::Done
        );
        // An illegal transition writes nothing.
        let err = s
            .apply_checklist_event(StepId::Training, &Event::Start, now)
            .unwrap_err();
        assert!(matches!(
            err,
            ChecklistError::Transition(TransitionError::AlreadyDone { .. })
        ));
        assert_eq!(s.audit_records().unwrap().len(), 2);
        assert!(s.verify_audit().unwrap().is_intact());
        assert_eq!(s.audit_head().unwrap(), Some(b.record.head()));
    }

    #[test]
    fn due_steps_fall_due_with_records() {
        let (_d, mut s) = store();
        let now = Timestamp(1_767_225_600);
        let ev = Event::Record(Evidence::Training(QuizEvidence::new(10, 10)));
        s.apply_checklist_event(StepId::Training, &ev, now).unwrap();
        assert!(s
            .fall_due_steps(Timestamp(now.0 + 86_400))
            .unwrap()
            .is_empty());
        let later = Timestamp(now.0 + 366 * 86_400);
        let fell = s.fall_due_steps(later).unwrap();
        assert_eq!(fell.len(), 1);
        assert_eq!(fell[0].state.status, StepStatus::DueAgain);
        assert!(s.fall_due_steps(later).unwrap().is_empty());
        assert!(s.verify_audit().unwrap().is_intact());
    }

    #[test]
    fn the_log_refuses_updates_and_deletes() {
        let (_d, mut s) = store();
        let ev = Event::Record(Evidence::RemoveUnofficialNumbers(ScanEvidence {
            files: 1,
            entries: 3,
            flagged: 0,
            removed: 0,
        }));
        s.apply_checklist_event(StepId::RemoveUnofficialNumbers, &ev, Timestamp(5))
            .unwrap();
        assert!(s.conn.execute("UPDATE audit_log SET at = 0", []).is_err());
        assert!(s.conn.execute("DELETE FROM audit_log", []).is_err());
    }

    #[test]
    fn the_anchor_is_kept_and_checked() {
        let (_d, mut s) = store();
        let now = Timestamp(1_767_225_600);
        s.apply_checklist_event(StepId::Training, &Event::Start, now)
            .unwrap();
        let ev = Event::Record(Evidence::Training(QuizEvidence::new(9, 10)));
        let b = s.apply_checklist_event(StepId::Training, &ev, now).unwrap();
        assert_eq!(s.audit_anchor().unwrap(), None);
        let mut anchor = AnchoredHead {
            seq: 2,
            hash: b.record.hash.clone(),
            at: now,
            device_id: "d".into(),
            org_key: "k".into(),
            signature: "s".into(),
        };
        s.set_audit_anchor(&anchor).unwrap();
        assert_eq!(s.audit_anchor().unwrap().as_ref(), Some(&anchor));
        let check = s.verify_audit().unwrap();
        assert!(check.is_intact());
        assert_eq!(check.anchor.as_ref(), Some(&anchor));
        // An anchor past the chain's end: truncated since.
        anchor.seq = 3;
        s.set_audit_anchor(&anchor).unwrap();
        let check = s.verify_audit().unwrap();
        assert_eq!(
            check.verification.first_break.map(|b| b.kind),
            Some(audit::BreakKind::TruncatedSinceAnchor)
        );
    }

    #[test]
    fn policy_round_trips_and_is_validated() {
        let (_d, mut s) = store();
        assert_eq!(s.checklist_policy().unwrap(), RecurrencePolicy::default());
        let mut p = RecurrencePolicy::default();
        p.set_interval(StepId::DrillOwner, Some(checklist::Interval::Months(1)));
        s.set_checklist_policy(&p).unwrap();
        assert_eq!(s.checklist_policy().unwrap(), p);
        p.set_interval(StepId::Training, Some(checklist::Interval::Days(0)));
        assert!(s.set_checklist_policy(&p).is_err());
    }
}
