//! [`SupportStore`] on PostgreSQL (as `sqlite/support.rs`, the reference for every rule):
//! sessions, frames, read cursors, routing rules, agents' presence, declined offers, sealed
//! transcripts, supervisor alerts and the audit recipient.
//!
//! Concurrency, where SQLite relies on its single writer:
//! - a claim takes an advisory lock on the claiming agent, so that one agent's racing claims of
//!   several sessions respect its capacity, then the offered session's row `FOR UPDATE`: a
//!   frame write or a close holding the row is waited for, and the offer checked again after it
//!   (READ COMMITTED re-reads the row), where `SKIP LOCKED` would have refused a claim of an
//!   offer made to this very agent because the employee's message was being stored at that
//!   instant. Only the agent it was offered to can claim an offer, so claimers never queue on
//!   one row; the lock order is always agent, then session;
//! - a frame is stored in a transaction that first locks its session's row (`FOR UPDATE`):
//!   writers of one session judge order, duplicates and caps one after the other, so each
//!   direction's sequence is dense and never repeats (the primary key refuses a repeat anyway);
//! - everything else is one conditional statement (offers, withdrawals, requeues, closes, calls,
//!   alerts, heartbeats, drops) or an `INSERT … ON CONFLICT`; read cursors only move forward.

use super::{col, db, lock, to_i64, to_u32, to_u64, PgStore};
use crate::store::StoreError;
use crate::support::store::{
    fold_frame_heads, judge_frame, AlertRecord, ClaimOutcome, FrameHead, FrameIn, FrameOutcome,
    FrameReads, FrameRefusal, FrameVerdict, PresenceRecord, RouteRecord, SessionMember,
    SessionState, StoredCursor, StoredFrame, SupportSessionRecord, SupportStore, FRAME_HEADS_SQL,
};
use postgres::{GenericClient, Row, Transaction};

/// Migration 5: the support tables.
pub(super) const MIGRATION: &str = r"
CREATE TABLE support_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    audit_recipient TEXT,
    updated_at BIGINT NOT NULL
);
CREATE TABLE support_sessions (
    session_id TEXT PRIMARY KEY,
    ord BIGSERIAL NOT NULL,
    employee_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    employee_certificate TEXT NOT NULL,
    category TEXT NOT NULL,
    language TEXT NOT NULL,
    region TEXT NOT NULL,
    team TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'offered', 'assigned', 'closed')),
    priority BIGINT NOT NULL DEFAULT 0,
    enqueued_at BIGINT NOT NULL,
    offered_to TEXT,
    offer_expires_at BIGINT,
    agent_id TEXT,
    agent_certificate TEXT,
    leg BIGINT NOT NULL DEFAULT 1,
    wait_deadline BIGINT NOT NULL,
    first_response_deadline BIGINT,
    first_response_at BIGINT,
    wait_alerted BOOLEAN NOT NULL DEFAULT FALSE,
    response_alerted BOOLEAN NOT NULL DEFAULT FALSE,
    call_id TEXT,
    outcome TEXT,
    opened_at BIGINT NOT NULL,
    assigned_at BIGINT,
    closed_at BIGINT,
    last_frame_at BIGINT NOT NULL,
    frames BIGINT NOT NULL DEFAULT 0,
    bytes BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX support_one_open_per_employee ON support_sessions (employee_id)
    WHERE state <> 'closed';
CREATE INDEX support_sessions_live ON support_sessions (state, priority, enqueued_at);
CREATE INDEX support_sessions_opened ON support_sessions (opened_at);
CREATE INDEX support_sessions_by_agent ON support_sessions (agent_id) WHERE state = 'assigned';
CREATE TABLE support_frames (
    session_id TEXT NOT NULL REFERENCES support_sessions(session_id),
    leg BIGINT NOT NULL,
    dir TEXT NOT NULL CHECK (dir IN ('e2a', 'a2e')),
    kind TEXT NOT NULL CHECK (kind IN ('hs', 'tx')),
    seq BIGINT NOT NULL,
    body BYTEA NOT NULL,
    stored_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, leg, dir, kind, seq)
);
CREATE TABLE support_acks (
    session_id TEXT NOT NULL REFERENCES support_sessions(session_id),
    dir TEXT NOT NULL CHECK (dir IN ('e2a', 'a2e')),
    leg BIGINT NOT NULL,
    hs BIGINT NOT NULL,
    tx BIGINT NOT NULL,
    PRIMARY KEY (session_id, dir)
);
CREATE TABLE support_routes (
    id BIGSERIAL PRIMARY KEY,
    category TEXT NOT NULL,
    region TEXT NOT NULL,
    language TEXT NOT NULL,
    team TEXT NOT NULL
);
CREATE TABLE support_presence (
    agent_id TEXT PRIMARY KEY,
    online BOOLEAN NOT NULL,
    last_heartbeat BIGINT NOT NULL,
    last_idle_at BIGINT,
    dropped_at BIGINT
);
CREATE TABLE support_declines (
    session_id TEXT NOT NULL REFERENCES support_sessions(session_id),
    agent_id TEXT NOT NULL,
    PRIMARY KEY (session_id, agent_id)
);
CREATE TABLE support_transcripts (
    session_id TEXT NOT NULL REFERENCES support_sessions(session_id),
    sealed_by TEXT NOT NULL CHECK (sealed_by IN ('e2a', 'a2e')),
    sealed BYTEA NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, sealed_by)
);
CREATE TABLE support_alerts (
    id BIGSERIAL PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES support_sessions(session_id),
    kind TEXT NOT NULL,
    at BIGINT NOT NULL
);
";

const SESSION_COLUMNS: &str = "session_id, employee_id, device_id, employee_certificate, \
    category, language, region, team, state, priority, enqueued_at, offered_to, \
    offer_expires_at, agent_id, agent_certificate, leg, wait_deadline, first_response_deadline, \
    first_response_at, wait_alerted, response_alerted, call_id, outcome, opened_at, assigned_at, \
    closed_at, last_frame_at, frames, bytes";

fn opt_u64(r: &Row, i: usize) -> Result<Option<u64>, StoreError> {
    Ok(col::<Option<i64>>(r, i)?.map(to_u64))
}

fn session_row(r: &Row) -> Result<SupportSessionRecord, StoreError> {
    let state: String = col(r, 8)?;
    Ok(SupportSessionRecord {
        session_id: col(r, 0)?,
        employee_id: col(r, 1)?,
        device_id: col(r, 2)?,
        employee_certificate: col(r, 3)?,
        category: col(r, 4)?,
        language: col(r, 5)?,
        region: col(r, 6)?,
        team: col(r, 7)?,
        state: SessionState::parse(&state)
            .ok_or_else(|| StoreError::Damaged(format!("session state {state}")))?,
        priority: col(r, 9)?,
        enqueued_at: to_u64(col(r, 10)?),
        offered_to: col(r, 11)?,
        offer_expires_at: opt_u64(r, 12)?,
        agent_id: col(r, 13)?,
        agent_certificate: col(r, 14)?,
        leg: to_u32(col(r, 15)?),
        wait_deadline: to_u64(col(r, 16)?),
        first_response_deadline: opt_u64(r, 17)?,
        first_response_at: opt_u64(r, 18)?,
        wait_alerted: col(r, 19)?,
        response_alerted: col(r, 20)?,
        call_id: col(r, 21)?,
        outcome: col(r, 22)?,
        opened_at: to_u64(col(r, 23)?),
        assigned_at: opt_u64(r, 24)?,
        closed_at: opt_u64(r, 25)?,
        last_frame_at: to_u64(col(r, 26)?),
        frames: to_u64(col(r, 27)?),
        bytes: to_u64(col(r, 28)?),
    })
}

fn sessions(
    c: &mut impl GenericClient,
    filter: &str,
    p: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Vec<SupportSessionRecord>, StoreError> {
    c.query(
        &format!("SELECT {SESSION_COLUMNS} FROM support_sessions {filter}"),
        p,
    )
    .map_err(db)?
    .iter()
    .map(session_row)
    .collect()
}

fn one_session(
    c: &mut impl GenericClient,
    session_id: &str,
) -> Result<Option<SupportSessionRecord>, StoreError> {
    Ok(sessions(c, "WHERE session_id = $1", &[&session_id])?
        .into_iter()
        .next())
}

/// Where the stored frames of `(leg, dir)` end.
fn cursor_of(
    tx: &mut Transaction<'_>,
    session_id: &str,
    leg: u32,
    dir: &str,
) -> Result<StoredCursor, StoreError> {
    let r = tx
        .query_one(
            "SELECT MAX(CASE WHEN kind = 'hs' THEN seq END), MAX(CASE WHEN kind = 'tx' THEN seq END) \
             FROM support_frames WHERE session_id = $1 AND leg = $2 AND dir = $3",
            &[&session_id, &i64::from(leg), &dir],
        )
        .map_err(db)?;
    let hs: Option<i64> = col(&r, 0)?;
    let txs: Option<i64> = col(&r, 1)?;
    Ok(StoredCursor {
        leg,
        hs: hs.map_or(0, |h| u32::try_from(h + 1).unwrap_or(u32::MAX)),
        tx: txs.map_or(0, to_u64),
    })
}

fn has_frame(
    tx: &mut Transaction<'_>,
    session_id: &str,
    leg: u32,
    dir: &str,
    kind: &str,
    seq: u64,
) -> Result<Option<Vec<u8>>, StoreError> {
    tx.query_opt(
        "SELECT body FROM support_frames WHERE session_id = $1 AND leg = $2 AND dir = $3 \
         AND kind = $4 AND seq = $5",
        &[&session_id, &i64::from(leg), &dir, &kind, &to_i64(seq)],
    )
    .map_err(db)?
    .map(|r| col(&r, 0))
    .transpose()
}

/// The frame reads of [`judge_frame`] in a store transaction.
struct Reads<'t, 'c> {
    tx: &'t mut Transaction<'c>,
    session_id: &'t str,
}

impl FrameReads for Reads<'_, '_> {
    fn frame_body(
        &mut self,
        leg: u32,
        dir: &str,
        kind: &str,
        seq: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        has_frame(self.tx, self.session_id, leg, dir, kind, seq)
    }
    fn cursor(&mut self, leg: u32, dir: &str) -> Result<StoredCursor, StoreError> {
        cursor_of(self.tx, self.session_id, leg, dir)
    }
}

fn store_frame_tx(
    tx: &mut Transaction<'_>,
    f: &FrameIn<'_>,
    now: u64,
    max_frames: u64,
    max_bytes: u64,
) -> Result<FrameOutcome, StoreError> {
    // The session's row lock: the writers of one session store one after the other, each
    // seeing what the one before committed (every statement of a READ COMMITTED transaction
    // reads afresh).
    let Some(s) = sessions(tx, "WHERE session_id = $1 FOR UPDATE", &[&f.session_id])?
        .into_iter()
        .next()
    else {
        return Ok(FrameOutcome::Refused(FrameRefusal::Unknown));
    };
    let (new_leg, first_response, len) = match judge_frame(
        &s,
        f,
        max_frames,
        max_bytes,
        &mut Reads {
            tx: &mut *tx,
            session_id: f.session_id,
        },
    )? {
        FrameVerdict::Answer(outcome) => return Ok(outcome),
        FrameVerdict::Store {
            new_leg,
            first_response,
            len,
        } => (new_leg, first_response, len),
    };
    tx.execute(
        "INSERT INTO support_frames (session_id, leg, dir, kind, seq, body, stored_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &f.session_id,
            &i64::from(f.leg),
            &f.dir,
            &f.kind,
            &to_i64(f.seq),
            &f.body,
            &to_i64(now),
        ],
    )
    .map_err(db)?;
    tx.execute(
        "UPDATE support_sessions SET frames = frames + 1, bytes = bytes + $2, last_frame_at = $3, \
         leg = GREATEST(leg, $4), \
         first_response_at = CASE WHEN $5 THEN $3 ELSE first_response_at END \
         WHERE session_id = $1",
        &[
            &f.session_id,
            &to_i64(len),
            &to_i64(now),
            &i64::from(f.leg),
            &first_response,
        ],
    )
    .map_err(db)?;
    Ok(FrameOutcome::Stored {
        cursor: cursor_of(tx, f.session_id, f.leg, f.dir)?,
        new_leg,
        first_response,
    })
}

impl SupportStore for PgStore {
    fn start_fanout(
        &self,
        hub: std::sync::Arc<crate::support::Hub>,
    ) -> Result<Option<Box<dyn crate::support::Bus>>, StoreError> {
        let bus = super::bus::PgBus::start(self.pool.config().clone(), hub)?;
        Ok(Some(Box::new(bus)))
    }

    fn audit_recipient(&self) -> Result<Option<String>, StoreError> {
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT audit_recipient FROM support_settings WHERE id = 1",
                &[],
            )
            .map_err(db)?
            .map(|r| col::<Option<String>>(&r, 0))
            .transpose()?
            .flatten())
        })
    }

    fn set_audit_recipient(&self, recipient: Option<&str>, at: u64) -> Result<(), StoreError> {
        self.read(|c| {
            c.execute(
                "INSERT INTO support_settings (id, audit_recipient, updated_at) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET audit_recipient = excluded.audit_recipient, \
                 updated_at = excluded.updated_at",
                &[&recipient, &to_i64(at)],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn add_route(
        &self,
        category: &str,
        region: &str,
        language: &str,
        team: &str,
    ) -> Result<i64, StoreError> {
        self.read(|c| {
            col(
                &c.query_one(
                    "INSERT INTO support_routes (category, region, language, team) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                    &[&category, &region, &language, &team],
                )
                .map_err(db)?,
                0,
            )
        })
    }

    fn routes(&self) -> Result<Vec<RouteRecord>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT id, category, region, language, team FROM support_routes ORDER BY id",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(RouteRecord {
                    id: col(r, 0)?,
                    category: col(r, 1)?,
                    region: col(r, 2)?,
                    language: col(r, 3)?,
                    team: col(r, 4)?,
                })
            })
            .collect()
        })
    }

    fn remove_route(&self, id: i64) -> Result<bool, StoreError> {
        self.read(|c| {
            Ok(
                c.execute("DELETE FROM support_routes WHERE id = $1", &[&id])
                    .map_err(db)?
                    == 1,
            )
        })
    }

    fn open_support_session(&self, s: &SupportSessionRecord) -> Result<bool, StoreError> {
        // One open session per employee: the partial unique index decides, atomically.
        self.read(|c| {
            Ok(c.execute(
                "INSERT INTO support_sessions (session_id, employee_id, device_id, \
                 employee_certificate, category, language, region, team, state, priority, \
                 enqueued_at, leg, wait_deadline, opened_at, last_frame_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $10, 1, $11, $12, $12) \
                 ON CONFLICT (employee_id) WHERE state <> 'closed' DO NOTHING",
                &[
                    &s.session_id,
                    &s.employee_id,
                    &s.device_id,
                    &s.employee_certificate,
                    &s.category,
                    &s.language,
                    &s.region,
                    &s.team,
                    &s.priority,
                    &to_i64(s.enqueued_at),
                    &to_i64(s.wait_deadline),
                    &to_i64(s.opened_at),
                ],
            )
            .map_err(db)?
                == 1)
        })
    }

    fn support_session(
        &self,
        session_id: &str,
    ) -> Result<Option<SupportSessionRecord>, StoreError> {
        self.read(|c| one_session(c, session_id))
    }

    fn open_session_of(
        &self,
        employee_id: &str,
    ) -> Result<Option<SupportSessionRecord>, StoreError> {
        self.read(|c| {
            Ok(sessions(
                c,
                "WHERE employee_id = $1 AND state <> 'closed'",
                &[&employee_id],
            )?
            .into_iter()
            .next())
        })
    }

    fn live_sessions(&self) -> Result<Vec<SupportSessionRecord>, StoreError> {
        self.read(|c| {
            sessions(
                c,
                "WHERE state <> 'closed' ORDER BY priority DESC, enqueued_at, ord",
                &[],
            )
        })
    }

    fn waiting_sessions(&self) -> Result<Vec<SupportSessionRecord>, StoreError> {
        self.read(|c| {
            sessions(
                c,
                "WHERE state IN ('queued', 'offered') ORDER BY priority DESC, enqueued_at, ord",
                &[],
            )
        })
    }

    fn assigned_sessions_of(
        &self,
        member: &SessionMember<'_>,
    ) -> Result<Vec<SupportSessionRecord>, StoreError> {
        match member {
            SessionMember::Employee {
                employee_id,
                device_id,
            } => self.read(|c| {
                sessions(
                    c,
                    "WHERE employee_id = $1 AND state <> 'closed' AND state = 'assigned' \
                     AND device_id = $2 ORDER BY session_id",
                    &[employee_id, device_id],
                )
            }),
            SessionMember::Agent(agent_id) => self.read(|c| {
                sessions(
                    c,
                    "WHERE state = 'assigned' AND agent_id = $1 ORDER BY session_id",
                    &[agent_id],
                )
            }),
        }
    }

    fn recent_sessions(&self, limit: u32) -> Result<Vec<SupportSessionRecord>, StoreError> {
        self.read(|c| {
            sessions(
                c,
                "ORDER BY opened_at DESC, session_id LIMIT $1",
                &[&i64::from(limit)],
            )
        })
    }

    fn offer_session(
        &self,
        session_id: &str,
        agent_id: &str,
        capacity: u32,
        expires_at: u64,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            // The agent's offers and claims one after the other, whichever desk decides: its
            // load is counted right.
            lock(tx, &format!("support-agent:{agent_id}"))?;
            Ok(tx
                .execute(
                    "UPDATE support_sessions SET state = 'offered', offered_to = $2, \
                     offer_expires_at = $3 WHERE session_id = $1 AND state = 'queued' \
                     AND (SELECT COUNT(*) FROM support_sessions WHERE \
                     (state = 'assigned' AND agent_id = $2) OR \
                     (state = 'offered' AND offered_to = $2)) < $4",
                    &[
                        &session_id,
                        &agent_id,
                        &to_i64(expires_at),
                        &i64::from(capacity),
                    ],
                )
                .map_err(db)?
                == 1)
        })
    }

    fn claim_session(
        &self,
        session_id: &str,
        agent_id: &str,
        agent_certificate: &str,
        capacity: u32,
        now: u64,
        first_response_deadline: u64,
    ) -> Result<ClaimOutcome, StoreError> {
        self.write(|tx| {
            // One agent's claims one after the other, so that its load is counted right.
            lock(tx, &format!("support-agent:{agent_id}"))?;
            let load: i64 = col(
                &tx.query_one(
                    "SELECT COUNT(*) FROM support_sessions WHERE agent_id = $1 \
                     AND state = 'assigned'",
                    &[&agent_id],
                )
                .map_err(db)?,
                0,
            )?;
            if load >= i64::from(capacity) {
                return Ok(ClaimOutcome::AtCapacity);
            }
            // The offer, if it is still this agent's once whoever holds the row is done.
            let offer = tx
                .query_opt(
                    "SELECT session_id FROM support_sessions WHERE session_id = $1 \
                     AND state = 'offered' AND offered_to = $2 AND offer_expires_at > $3 \
                     FOR UPDATE",
                    &[&session_id, &agent_id, &to_i64(now)],
                )
                .map_err(db)?;
            if offer.is_none() {
                return Ok(ClaimOutcome::AlreadyTaken);
            }
            let n = tx
                .execute(
                    "UPDATE support_sessions SET state = 'assigned', agent_id = $2, \
                     agent_certificate = $3, assigned_at = $4, first_response_deadline = $5, \
                     first_response_at = NULL, response_alerted = FALSE, offered_to = NULL, \
                     offer_expires_at = NULL, last_frame_at = $4 \
                     WHERE session_id = $1 AND state = 'offered' AND offered_to = $2",
                    &[
                        &session_id,
                        &agent_id,
                        &agent_certificate,
                        &to_i64(now),
                        &to_i64(first_response_deadline),
                    ],
                )
                .map_err(db)?;
            Ok(if n == 1 {
                ClaimOutcome::Claimed
            } else {
                ClaimOutcome::AlreadyTaken
            })
        })
    }

    fn withdraw_offer(&self, session_id: &str, agent_id: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE support_sessions SET state = 'queued', offered_to = NULL, \
                     offer_expires_at = NULL WHERE session_id = $1 AND state = 'offered' \
                     AND offered_to = $2",
                    &[&session_id, &agent_id],
                )
                .map_err(db)?;
            if n == 1 {
                tx.execute(
                    "INSERT INTO support_declines (session_id, agent_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                    &[&session_id, &agent_id],
                )
                .map_err(db)?;
            }
            Ok(n == 1)
        })
    }

    fn requeue_session(
        &self,
        session_id: &str,
        agent_id: &str,
        team: Option<&str>,
        head: bool,
        now: u64,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE support_sessions SET state = 'queued', agent_id = NULL, \
                     agent_certificate = NULL, call_id = NULL, first_response_deadline = NULL, \
                     team = COALESCE($3, team), \
                     priority = CASE WHEN $4 THEN priority + 1 ELSE priority END, \
                     wait_deadline = GREATEST(wait_deadline, $5) \
                     WHERE session_id = $1 AND state = 'assigned' AND agent_id = $2",
                    &[&session_id, &agent_id, &team, &head, &to_i64(now)],
                )
                .map_err(db)?;
            if n == 1 {
                tx.execute(
                    "DELETE FROM support_declines WHERE session_id = $1",
                    &[&session_id],
                )
                .map_err(db)?;
                if team.is_some() {
                    tx.execute(
                        "INSERT INTO support_declines (session_id, agent_id) VALUES ($1, $2) \
                         ON CONFLICT DO NOTHING",
                        &[&session_id, &agent_id],
                    )
                    .map_err(db)?;
                }
            }
            Ok(n == 1)
        })
    }

    fn declined_by(&self, session_id: &str) -> Result<Vec<String>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT agent_id FROM support_declines WHERE session_id = $1 ORDER BY agent_id",
                &[&session_id],
            )
            .map_err(db)?
            .iter()
            .map(|r| col(r, 0))
            .collect()
        })
    }

    fn close_support_session(
        &self,
        session_id: &str,
        outcome: &str,
        now: u64,
    ) -> Result<Option<SupportSessionRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                &format!(
                    "UPDATE support_sessions SET state = 'closed', outcome = $2, closed_at = $3, \
                     call_id = NULL, offered_to = NULL, offer_expires_at = NULL \
                     WHERE session_id = $1 AND state <> 'closed' RETURNING {SESSION_COLUMNS}"
                ),
                &[&session_id, &outcome, &to_i64(now)],
            )
            .map_err(db)?
            .map(|r| session_row(&r))
            .transpose()
        })
    }

    fn set_call(
        &self,
        session_id: &str,
        agent_id: &str,
        call_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.read(|c| {
            Ok(c.execute(
                "UPDATE support_sessions SET call_id = $3 WHERE session_id = $1 \
                 AND state = 'assigned' AND agent_id = $2",
                &[&session_id, &agent_id, &call_id],
            )
            .map_err(db)?
                == 1)
        })
    }

    fn raise_alert(&self, session_id: &str, kind: &str, now: u64) -> Result<bool, StoreError> {
        let column = match kind {
            "wait" => "wait_alerted",
            "first_response" => "response_alerted",
            other => return Err(StoreError::Damaged(format!("alert kind {other}"))),
        };
        // The flag and the alert in one statement: raised once, whoever races.
        self.read(|c| {
            Ok(c.execute(
                &format!(
                    "WITH raised AS (UPDATE support_sessions SET {column} = TRUE \
                     WHERE session_id = $1 AND NOT {column} RETURNING session_id) \
                     INSERT INTO support_alerts (session_id, kind, at) \
                     SELECT session_id, $2, $3 FROM raised"
                ),
                &[&session_id, &kind, &to_i64(now)],
            )
            .map_err(db)?
                == 1)
        })
    }

    fn alerts(&self, limit: u32) -> Result<Vec<AlertRecord>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT id, session_id, kind, at FROM support_alerts ORDER BY id DESC LIMIT $1",
                &[&i64::from(limit)],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(AlertRecord {
                    id: col(r, 0)?,
                    session_id: col(r, 1)?,
                    kind: col(r, 2)?,
                    at: to_u64(col(r, 3)?),
                })
            })
            .collect()
        })
    }

    fn store_frame(
        &self,
        f: &FrameIn<'_>,
        now: u64,
        max_frames: u64,
        max_bytes: u64,
    ) -> Result<FrameOutcome, StoreError> {
        self.write(|tx| store_frame_tx(tx, f, now, max_frames, max_bytes))
    }

    fn frames_after(
        &self,
        session_id: &str,
        dir: &str,
        c: StoredCursor,
    ) -> Result<Vec<StoredFrame>, StoreError> {
        self.read(|conn| {
            conn.query(
                "SELECT leg, dir, kind, seq, body FROM support_frames \
                 WHERE session_id = $1 AND dir = $2 AND (leg > $3 OR (leg = $3 AND \
                 ((kind = 'hs' AND seq >= $4) OR (kind = 'tx' AND seq > $5)))) \
                 ORDER BY leg, kind = 'tx', seq",
                &[
                    &session_id,
                    &dir,
                    &i64::from(c.leg),
                    &i64::from(c.hs),
                    &to_i64(c.tx),
                ],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(StoredFrame {
                    leg: to_u32(col(r, 0)?),
                    dir: col(r, 1)?,
                    kind: col(r, 2)?,
                    seq: to_u64(col(r, 3)?),
                    body: col(r, 4)?,
                })
            })
            .collect()
        })
    }

    fn frame_heads(&self) -> Result<Vec<FrameHead>, StoreError> {
        let rows = self.read(|conn| {
            conn.query(FRAME_HEADS_SQL, &[])
                .map_err(db)?
                .iter()
                .map(|r| {
                    Ok((
                        col::<String>(r, 0)?,
                        to_u32(col(r, 1)?),
                        col::<Option<String>>(r, 2)?,
                        col::<Option<i64>>(r, 3)?.map(to_u64),
                        col::<Option<i64>>(r, 4)?.map(to_u64),
                    ))
                })
                .collect::<Result<Vec<_>, StoreError>>()
        })?;
        Ok(fold_frame_heads(rows))
    }

    fn set_ack(&self, session_id: &str, dir: &str, c: StoredCursor) -> Result<(), StoreError> {
        // Only forward: a later leg replaces the cursor, the same leg keeps the larger of each.
        self.read(|conn| {
            conn.execute(
                "INSERT INTO support_acks AS a (session_id, dir, leg, hs, tx) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (session_id, dir) DO UPDATE SET leg = excluded.leg, \
                 hs = CASE WHEN excluded.leg > a.leg THEN excluded.hs \
                      ELSE GREATEST(a.hs, excluded.hs) END, \
                 tx = CASE WHEN excluded.leg > a.leg THEN excluded.tx \
                      ELSE GREATEST(a.tx, excluded.tx) END \
                 WHERE excluded.leg >= a.leg",
                &[
                    &session_id,
                    &dir,
                    &i64::from(c.leg),
                    &i64::from(c.hs),
                    &to_i64(c.tx),
                ],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn set_presence(&self, agent_id: &str, online: bool, now: u64) -> Result<(), StoreError> {
        self.read(|c| {
            c.execute(
                "INSERT INTO support_presence AS p (agent_id, online, last_heartbeat, \
                 last_idle_at, dropped_at) VALUES ($1, $2, $3, $3, NULL) \
                 ON CONFLICT (agent_id) DO UPDATE SET online = excluded.online, \
                 last_heartbeat = excluded.last_heartbeat, dropped_at = NULL, \
                 last_idle_at = COALESCE(p.last_idle_at, excluded.last_idle_at)",
                &[&agent_id, &online, &to_i64(now)],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn heartbeat(&self, agent_id: &str, now: u64) -> Result<bool, StoreError> {
        self.read(|c| {
            Ok(c.execute(
                "UPDATE support_presence SET last_heartbeat = $2, dropped_at = NULL \
                 WHERE agent_id = $1 AND online",
                &[&agent_id, &to_i64(now)],
            )
            .map_err(db)?
                == 1)
        })
    }

    fn agent_dropped(&self, agent_id: &str, at: u64) -> Result<bool, StoreError> {
        self.read(|c| {
            Ok(c.execute(
                "UPDATE support_presence SET online = FALSE, dropped_at = $2 \
                 WHERE agent_id = $1 AND dropped_at IS NULL",
                &[&agent_id, &to_i64(at)],
            )
            .map_err(db)?
                == 1)
        })
    }

    fn presences(&self) -> Result<Vec<PresenceRecord>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT agent_id, online, last_heartbeat, last_idle_at, dropped_at \
                 FROM support_presence ORDER BY agent_id",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(PresenceRecord {
                    agent_id: col(r, 0)?,
                    online: col(r, 1)?,
                    last_heartbeat: to_u64(col(r, 2)?),
                    last_idle_at: opt_u64(r, 3)?,
                    dropped_at: opt_u64(r, 4)?,
                })
            })
            .collect()
        })
    }

    fn set_idle(&self, agent_id: &str, now: u64) -> Result<(), StoreError> {
        self.read(|c| {
            c.execute(
                "UPDATE support_presence SET last_idle_at = $2 WHERE agent_id = $1",
                &[&agent_id, &to_i64(now)],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn put_transcript(
        &self,
        session_id: &str,
        sealed_by: &str,
        sealed: &[u8],
        now: u64,
    ) -> Result<bool, StoreError> {
        self.read(|c| {
            Ok(c.execute(
                "INSERT INTO support_transcripts (session_id, sealed_by, sealed, received_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&session_id, &sealed_by, &sealed, &to_i64(now)],
            )
            .map_err(db)?
                == 1)
        })
    }

    fn transcript(&self, session_id: &str, sealed_by: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT sealed FROM support_transcripts WHERE session_id = $1 AND sealed_by = $2",
                &[&session_id, &sealed_by],
            )
            .map_err(db)?
            .map(|r| col(&r, 0))
            .transpose()
        })
    }
}
