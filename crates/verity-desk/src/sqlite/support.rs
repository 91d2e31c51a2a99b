//! The support tables (schema 13): sessions, frames, read cursors, routing rules, agents'
//! presence, declined offers, sealed transcripts, supervisor alerts and the audit recipient.
//! Claims and offers are compare-and-set updates inside `BEGIN IMMEDIATE` transactions.

use super::{db, to_i64, to_u64, SqliteStore};
use crate::store::StoreError;
use crate::support::store::{
    fold_frame_heads, judge_frame, AlertRecord, ClaimOutcome, FrameHead, FrameIn, FrameOutcome,
    FrameReads, FrameRefusal, FrameVerdict, PresenceRecord, RouteRecord, SessionMember,
    SessionState, StoredCursor, StoredFrame, SupportSessionRecord, SupportStore, FRAME_HEADS_SQL,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// Schema 13.
pub(super) const MIGRATION: &str = r"
CREATE TABLE support_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    audit_recipient TEXT,
    updated_at INTEGER NOT NULL
);
CREATE TABLE support_sessions (
    session_id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    employee_certificate TEXT NOT NULL,
    category TEXT NOT NULL,
    language TEXT NOT NULL,
    region TEXT NOT NULL,
    team TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'offered', 'assigned', 'closed')),
    priority INTEGER NOT NULL DEFAULT 0,
    enqueued_at INTEGER NOT NULL,
    offered_to TEXT,
    offer_expires_at INTEGER,
    agent_id TEXT,
    agent_certificate TEXT,
    leg INTEGER NOT NULL DEFAULT 1,
    wait_deadline INTEGER NOT NULL,
    first_response_deadline INTEGER,
    first_response_at INTEGER,
    wait_alerted INTEGER NOT NULL DEFAULT 0,
    response_alerted INTEGER NOT NULL DEFAULT 0,
    call_id TEXT,
    outcome TEXT,
    opened_at INTEGER NOT NULL,
    assigned_at INTEGER,
    closed_at INTEGER,
    last_frame_at INTEGER NOT NULL,
    frames INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX support_one_open_per_employee ON support_sessions (employee_id)
    WHERE state != 'closed';
CREATE INDEX support_sessions_live ON support_sessions (state, priority, enqueued_at);
CREATE INDEX support_sessions_opened ON support_sessions (opened_at);
CREATE TABLE support_frames (
    session_id TEXT NOT NULL REFERENCES support_sessions(session_id),
    leg INTEGER NOT NULL,
    dir TEXT NOT NULL CHECK (dir IN ('e2a', 'a2e')),
    kind TEXT NOT NULL CHECK (kind IN ('hs', 'tx')),
    seq INTEGER NOT NULL,
    body BLOB NOT NULL,
    stored_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, leg, dir, kind, seq)
) WITHOUT ROWID;
CREATE TABLE support_acks (
    session_id TEXT NOT NULL REFERENCES support_sessions(session_id),
    dir TEXT NOT NULL CHECK (dir IN ('e2a', 'a2e')),
    leg INTEGER NOT NULL,
    hs INTEGER NOT NULL,
    tx INTEGER NOT NULL,
    PRIMARY KEY (session_id, dir)
) WITHOUT ROWID;
CREATE TABLE support_routes (
    id INTEGER PRIMARY KEY,
    category TEXT NOT NULL,
    region TEXT NOT NULL,
    language TEXT NOT NULL,
    team TEXT NOT NULL
);
CREATE TABLE support_presence (
    agent_id TEXT PRIMARY KEY,
    online INTEGER NOT NULL,
    last_heartbeat INTEGER NOT NULL,
    last_idle_at INTEGER,
    dropped_at INTEGER
);
CREATE TABLE support_declines (
    session_id TEXT NOT NULL REFERENCES support_sessions(session_id),
    agent_id TEXT NOT NULL,
    PRIMARY KEY (session_id, agent_id)
) WITHOUT ROWID;
CREATE TABLE support_transcripts (
    session_id TEXT NOT NULL REFERENCES support_sessions(session_id),
    sealed_by TEXT NOT NULL CHECK (sealed_by IN ('e2a', 'a2e')),
    sealed BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, sealed_by)
) WITHOUT ROWID;
CREATE TABLE support_alerts (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES support_sessions(session_id),
    kind TEXT NOT NULL,
    at INTEGER NOT NULL
);
";

const SESSION_COLUMNS: &str = "session_id, employee_id, device_id, employee_certificate, \
    category, language, region, team, state, priority, enqueued_at, offered_to, \
    offer_expires_at, agent_id, agent_certificate, leg, wait_deadline, first_response_deadline, \
    first_response_at, wait_alerted, response_alerted, call_id, outcome, opened_at, assigned_at, \
    closed_at, last_frame_at, frames, bytes";

fn opt_u64(v: Option<i64>) -> Option<u64> {
    v.map(to_u64)
}

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(SupportSessionRecord, String)> {
    let state: String = r.get(8)?;
    Ok((
        SupportSessionRecord {
            session_id: r.get(0)?,
            employee_id: r.get(1)?,
            device_id: r.get(2)?,
            employee_certificate: r.get(3)?,
            category: r.get(4)?,
            language: r.get(5)?,
            region: r.get(6)?,
            team: r.get(7)?,
            state: SessionState::Queued,
            priority: r.get(9)?,
            enqueued_at: to_u64(r.get(10)?),
            offered_to: r.get(11)?,
            offer_expires_at: opt_u64(r.get(12)?),
            agent_id: r.get(13)?,
            agent_certificate: r.get(14)?,
            leg: r.get(15)?,
            wait_deadline: to_u64(r.get(16)?),
            first_response_deadline: opt_u64(r.get(17)?),
            first_response_at: opt_u64(r.get(18)?),
            wait_alerted: r.get(19)?,
            response_alerted: r.get(20)?,
            call_id: r.get(21)?,
            outcome: r.get(22)?,
            opened_at: to_u64(r.get(23)?),
            assigned_at: opt_u64(r.get(24)?),
            closed_at: opt_u64(r.get(25)?),
            last_frame_at: to_u64(r.get(26)?),
            frames: to_u64(r.get(27)?),
            bytes: to_u64(r.get(28)?),
        },
        state,
    ))
}

fn with_state(
    row: rusqlite::Result<(SupportSessionRecord, String)>,
) -> Result<SupportSessionRecord, StoreError> {
    let (mut s, state) = row.map_err(db)?;
    s.state = SessionState::parse(&state)
        .ok_or_else(|| StoreError::Damaged(format!("session state {state}")))?;
    Ok(s)
}

fn sessions(
    conn: &Connection,
    filter: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<SupportSessionRecord>, StoreError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {SESSION_COLUMNS} FROM support_sessions {filter}"
        ))
        .map_err(db)?;
    let rows = stmt.query_map(p, session_row).map_err(db)?;
    rows.map(with_state).collect()
}

fn one_session(
    conn: &Connection,
    session_id: &str,
) -> Result<Option<SupportSessionRecord>, StoreError> {
    Ok(sessions(conn, "WHERE session_id = ?1", [session_id])?
        .into_iter()
        .next())
}

/// Where the stored frames of `(leg, dir)` end.
fn cursor_of(
    tx: &Transaction<'_>,
    session_id: &str,
    leg: u32,
    dir: &str,
) -> Result<StoredCursor, StoreError> {
    let (hs, txs): (Option<i64>, Option<i64>) = tx
        .query_row(
            "SELECT MAX(CASE WHEN kind = 'hs' THEN seq END), MAX(CASE WHEN kind = 'tx' THEN seq END) \
             FROM support_frames WHERE session_id = ?1 AND leg = ?2 AND dir = ?3",
            params![session_id, leg, dir],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(db)?;
    Ok(StoredCursor {
        leg,
        hs: hs.map_or(0, |h| u32::try_from(h + 1).unwrap_or(u32::MAX)),
        tx: txs.map_or(0, to_u64),
    })
}

fn has_frame(
    tx: &Transaction<'_>,
    session_id: &str,
    leg: u32,
    dir: &str,
    kind: &str,
    seq: u64,
) -> Result<Option<Vec<u8>>, StoreError> {
    tx.query_row(
        "SELECT body FROM support_frames WHERE session_id = ?1 AND leg = ?2 AND dir = ?3 \
         AND kind = ?4 AND seq = ?5",
        params![session_id, leg, dir, kind, to_i64(seq)],
        |r| r.get(0),
    )
    .optional()
    .map_err(db)
}

/// The frame reads of [`judge_frame`] in a store transaction.
struct Reads<'t, 'c> {
    tx: &'t Transaction<'c>,
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
    tx: &Transaction<'_>,
    f: &FrameIn<'_>,
    now: u64,
    max_frames: u64,
    max_bytes: u64,
) -> Result<FrameOutcome, StoreError> {
    let Some(s) = one_session(tx, f.session_id)? else {
        return Ok(FrameOutcome::Refused(FrameRefusal::Unknown));
    };
    let (new_leg, first_response, len) = match judge_frame(
        &s,
        f,
        max_frames,
        max_bytes,
        &mut Reads {
            tx,
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            f.session_id,
            f.leg,
            f.dir,
            f.kind,
            to_i64(f.seq),
            f.body,
            to_i64(now)
        ],
    )
    .map_err(db)?;
    tx.execute(
        "UPDATE support_sessions SET frames = frames + 1, bytes = bytes + ?2, last_frame_at = ?3, \
         leg = MAX(leg, ?4), \
         first_response_at = CASE WHEN ?5 THEN ?3 ELSE first_response_at END \
         WHERE session_id = ?1",
        params![
            f.session_id,
            to_i64(len),
            to_i64(now),
            f.leg,
            first_response
        ],
    )
    .map_err(db)?;
    Ok(FrameOutcome::Stored {
        cursor: cursor_of(tx, f.session_id, f.leg, f.dir)?,
        new_leg,
        first_response,
    })
}

impl SupportStore for SqliteStore {
    fn audit_recipient(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT audit_recipient FROM support_settings WHERE id = 1",
                [],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .map_err(db)?
            .flatten())
    }

    fn set_audit_recipient(&self, recipient: Option<&str>, at: u64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO support_settings (id, audit_recipient, updated_at) VALUES (1, ?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET audit_recipient = excluded.audit_recipient, \
                 updated_at = excluded.updated_at",
                params![recipient, to_i64(at)],
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
        self.write(|tx| {
            tx.execute(
                "INSERT INTO support_routes (category, region, language, team) VALUES (?1, ?2, ?3, ?4)",
                params![category, region, language, team],
            )
            .map_err(db)?;
            Ok(tx.last_insert_rowid())
        })
    }

    fn routes(&self) -> Result<Vec<RouteRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id, category, region, language, team FROM support_routes ORDER BY id")
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RouteRecord {
                    id: r.get(0)?,
                    category: r.get(1)?,
                    region: r.get(2)?,
                    language: r.get(3)?,
                    team: r.get(4)?,
                })
            })
            .map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    fn remove_route(&self, id: i64) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx
                .execute("DELETE FROM support_routes WHERE id = ?1", [id])
                .map_err(db)?
                == 1)
        })
    }

    fn open_support_session(&self, s: &SupportSessionRecord) -> Result<bool, StoreError> {
        self.write(|tx| {
            let open: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM support_sessions WHERE employee_id = ?1 \
                     AND state != 'closed')",
                    [&s.employee_id],
                    |r| r.get(0),
                )
                .map_err(db)?;
            if open {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO support_sessions (session_id, employee_id, device_id, \
                 employee_certificate, category, language, region, team, state, priority, \
                 enqueued_at, leg, wait_deadline, opened_at, last_frame_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', ?9, ?10, 1, ?11, ?12, ?12)",
                params![
                    s.session_id,
                    s.employee_id,
                    s.device_id,
                    s.employee_certificate,
                    s.category,
                    s.language,
                    s.region,
                    s.team,
                    s.priority,
                    to_i64(s.enqueued_at),
                    to_i64(s.wait_deadline),
                    to_i64(s.opened_at),
                ],
            )
            .map_err(db)?;
            Ok(true)
        })
    }

    fn support_session(
        &self,
        session_id: &str,
    ) -> Result<Option<SupportSessionRecord>, StoreError> {
        one_session(&self.conn(), session_id)
    }

    fn open_session_of(
        &self,
        employee_id: &str,
    ) -> Result<Option<SupportSessionRecord>, StoreError> {
        Ok(sessions(
            &self.conn(),
            "WHERE employee_id = ?1 AND state != 'closed'",
            [employee_id],
        )?
        .into_iter()
        .next())
    }

    fn live_sessions(&self) -> Result<Vec<SupportSessionRecord>, StoreError> {
        sessions(
            &self.conn(),
            "WHERE state != 'closed' ORDER BY priority DESC, enqueued_at, rowid",
            [],
        )
    }

    fn waiting_sessions(&self) -> Result<Vec<SupportSessionRecord>, StoreError> {
        sessions(
            &self.conn(),
            "WHERE state IN ('queued', 'offered') ORDER BY priority DESC, enqueued_at, rowid",
            [],
        )
    }

    fn assigned_sessions_of(
        &self,
        member: &SessionMember<'_>,
    ) -> Result<Vec<SupportSessionRecord>, StoreError> {
        match member {
            SessionMember::Employee {
                employee_id,
                device_id,
            } => sessions(
                &self.conn(),
                "WHERE employee_id = ?1 AND state <> 'closed' AND state = 'assigned' \
                 AND device_id = ?2 ORDER BY session_id",
                params![employee_id, device_id],
            ),
            SessionMember::Agent(agent_id) => sessions(
                &self.conn(),
                "WHERE state = 'assigned' AND agent_id = ?1 ORDER BY session_id",
                params![agent_id],
            ),
        }
    }

    fn recent_sessions(&self, limit: u32) -> Result<Vec<SupportSessionRecord>, StoreError> {
        sessions(
            &self.conn(),
            "ORDER BY opened_at DESC, session_id LIMIT ?1",
            [limit],
        )
    }

    fn offer_session(
        &self,
        session_id: &str,
        agent_id: &str,
        capacity: u32,
        expires_at: u64,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx
                .execute(
                    "UPDATE support_sessions SET state = 'offered', offered_to = ?2, \
                     offer_expires_at = ?3 WHERE session_id = ?1 AND state = 'queued' \
                     AND (SELECT COUNT(*) FROM support_sessions WHERE \
                     (state = 'assigned' AND agent_id = ?2) OR \
                     (state = 'offered' AND offered_to = ?2)) < ?4",
                    params![session_id, agent_id, to_i64(expires_at), capacity],
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
            let load: u32 = tx
                .query_row(
                    "SELECT COUNT(*) FROM support_sessions WHERE agent_id = ?1 AND state = 'assigned'",
                    [agent_id],
                    |r| r.get(0),
                )
                .map_err(db)?;
            if load >= capacity {
                return Ok(ClaimOutcome::AtCapacity);
            }
            let n = tx
                .execute(
                    "UPDATE support_sessions SET state = 'assigned', agent_id = ?2, \
                     agent_certificate = ?3, assigned_at = ?4, first_response_deadline = ?5, \
                     first_response_at = NULL, response_alerted = 0, offered_to = NULL, \
                     offer_expires_at = NULL, last_frame_at = ?4 \
                     WHERE session_id = ?1 AND state = 'offered' AND offered_to = ?2 \
                     AND offer_expires_at > ?4",
                    params![
                        session_id,
                        agent_id,
                        agent_certificate,
                        to_i64(now),
                        to_i64(first_response_deadline)
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
                     offer_expires_at = NULL WHERE session_id = ?1 AND state = 'offered' \
                     AND offered_to = ?2",
                    params![session_id, agent_id],
                )
                .map_err(db)?;
            if n == 1 {
                tx.execute(
                    "INSERT OR IGNORE INTO support_declines (session_id, agent_id) VALUES (?1, ?2)",
                    params![session_id, agent_id],
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
                     team = COALESCE(?3, team), \
                     priority = CASE WHEN ?4 THEN priority + 1 ELSE priority END, \
                     wait_deadline = MAX(wait_deadline, ?5) \
                     WHERE session_id = ?1 AND state = 'assigned' AND agent_id = ?2",
                    params![session_id, agent_id, team, head, to_i64(now)],
                )
                .map_err(db)?;
            if n == 1 {
                tx.execute(
                    "DELETE FROM support_declines WHERE session_id = ?1",
                    [session_id],
                )
                .map_err(db)?;
                if team.is_some() {
                    tx.execute(
                        "INSERT OR IGNORE INTO support_declines (session_id, agent_id) VALUES (?1, ?2)",
                        params![session_id, agent_id],
                    )
                    .map_err(db)?;
                }
            }
            Ok(n == 1)
        })
    }

    fn declined_by(&self, session_id: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT agent_id FROM support_declines WHERE session_id = ?1 ORDER BY agent_id",
            )
            .map_err(db)?;
        let rows = stmt.query_map([session_id], |r| r.get(0)).map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    fn close_support_session(
        &self,
        session_id: &str,
        outcome: &str,
        now: u64,
    ) -> Result<Option<SupportSessionRecord>, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE support_sessions SET state = 'closed', outcome = ?2, closed_at = ?3, \
                     call_id = NULL, offered_to = NULL, offer_expires_at = NULL \
                     WHERE session_id = ?1 AND state != 'closed'",
                    params![session_id, outcome, to_i64(now)],
                )
                .map_err(db)?;
            if n == 0 {
                return Ok(None);
            }
            one_session(tx, session_id)
        })
    }

    fn set_call(
        &self,
        session_id: &str,
        agent_id: &str,
        call_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx
                .execute(
                    "UPDATE support_sessions SET call_id = ?3 WHERE session_id = ?1 \
                     AND state = 'assigned' AND agent_id = ?2",
                    params![session_id, agent_id, call_id],
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
        self.write(|tx| {
            let n = tx
                .execute(
                    &format!(
                        "UPDATE support_sessions SET {column} = 1 WHERE session_id = ?1 \
                         AND {column} = 0"
                    ),
                    [session_id],
                )
                .map_err(db)?;
            if n == 1 {
                tx.execute(
                    "INSERT INTO support_alerts (session_id, kind, at) VALUES (?1, ?2, ?3)",
                    params![session_id, kind, to_i64(now)],
                )
                .map_err(db)?;
            }
            Ok(n == 1)
        })
    }

    fn alerts(&self, limit: u32) -> Result<Vec<AlertRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT id, session_id, kind, at FROM support_alerts ORDER BY id DESC LIMIT ?1",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok(AlertRecord {
                    id: r.get(0)?,
                    session_id: r.get(1)?,
                    kind: r.get(2)?,
                    at: to_u64(r.get(3)?),
                })
            })
            .map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
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
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT leg, dir, kind, seq, body FROM support_frames \
                 WHERE session_id = ?1 AND dir = ?2 AND (leg > ?3 OR (leg = ?3 AND \
                 ((kind = 'hs' AND seq >= ?4) OR (kind = 'tx' AND seq > ?5)))) \
                 ORDER BY leg, kind = 'tx', seq",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![session_id, dir, c.leg, c.hs, to_i64(c.tx)], |r| {
                Ok(StoredFrame {
                    leg: r.get(0)?,
                    dir: r.get(1)?,
                    kind: r.get(2)?,
                    seq: to_u64(r.get(3)?),
                    body: r.get(4)?,
                })
            })
            .map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    fn frame_heads(&self) -> Result<Vec<FrameHead>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(FRAME_HEADS_SQL).map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<i64>>(3)?.map(to_u64),
                    r.get::<_, Option<i64>>(4)?.map(to_u64),
                ))
            })
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        Ok(fold_frame_heads(rows))
    }

    fn set_ack(&self, session_id: &str, dir: &str, c: StoredCursor) -> Result<(), StoreError> {
        // Only forward: a later leg replaces the cursor, the same leg keeps the larger of each.
        self.write(|tx| {
            tx.execute(
                "INSERT INTO support_acks (session_id, dir, leg, hs, tx) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (session_id, dir) DO UPDATE SET leg = excluded.leg, \
                 hs = CASE WHEN excluded.leg > support_acks.leg THEN excluded.hs \
                      ELSE MAX(support_acks.hs, excluded.hs) END, \
                 tx = CASE WHEN excluded.leg > support_acks.leg THEN excluded.tx \
                      ELSE MAX(support_acks.tx, excluded.tx) END \
                 WHERE excluded.leg >= support_acks.leg",
                params![session_id, dir, c.leg, c.hs, to_i64(c.tx)],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn set_presence(&self, agent_id: &str, online: bool, now: u64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO support_presence (agent_id, online, last_heartbeat, last_idle_at, \
                 dropped_at) VALUES (?1, ?2, ?3, ?3, NULL) \
                 ON CONFLICT (agent_id) DO UPDATE SET online = excluded.online, \
                 last_heartbeat = excluded.last_heartbeat, dropped_at = NULL, \
                 last_idle_at = COALESCE(last_idle_at, excluded.last_idle_at)",
                params![agent_id, online, to_i64(now)],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn heartbeat(&self, agent_id: &str, now: u64) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx
                .execute(
                    "UPDATE support_presence SET last_heartbeat = ?2, dropped_at = NULL \
                     WHERE agent_id = ?1 AND online = 1",
                    params![agent_id, to_i64(now)],
                )
                .map_err(db)?
                == 1)
        })
    }

    fn agent_dropped(&self, agent_id: &str, at: u64) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx
                .execute(
                    "UPDATE support_presence SET online = 0, dropped_at = ?2 \
                     WHERE agent_id = ?1 AND dropped_at IS NULL",
                    params![agent_id, to_i64(at)],
                )
                .map_err(db)?
                == 1)
        })
    }

    fn presences(&self) -> Result<Vec<PresenceRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT agent_id, online, last_heartbeat, last_idle_at, dropped_at \
                 FROM support_presence ORDER BY agent_id",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PresenceRecord {
                    agent_id: r.get(0)?,
                    online: r.get(1)?,
                    last_heartbeat: to_u64(r.get(2)?),
                    last_idle_at: opt_u64(r.get(3)?),
                    dropped_at: opt_u64(r.get(4)?),
                })
            })
            .map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    fn set_idle(&self, agent_id: &str, now: u64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE support_presence SET last_idle_at = ?2 WHERE agent_id = ?1",
                params![agent_id, to_i64(now)],
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
        self.write(|tx| {
            Ok(tx
                .execute(
                    "INSERT OR IGNORE INTO support_transcripts (session_id, sealed_by, sealed, \
                     received_at) VALUES (?1, ?2, ?3, ?4)",
                    params![session_id, sealed_by, sealed, to_i64(now)],
                )
                .map_err(db)?
                == 1)
        })
    }

    fn transcript(&self, session_id: &str, sealed_by: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn()
            .query_row(
                "SELECT sealed FROM support_transcripts WHERE session_id = ?1 AND sealed_by = ?2",
                params![session_id, sealed_by],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::conformance as c;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn claims_are_atomic_and_capacity_bound() {
        c::claims_are_atomic_and_capacity_bound(&store().1);
    }
    #[test]
    fn racing_offers_to_one_agent_stop_at_its_capacity() {
        c::racing_offers_to_one_agent_stop_at_its_capacity(&store().1);
    }

    #[test]
    fn racing_claims_of_one_agent_stop_at_its_capacity() {
        c::racing_claims_of_one_agent_stop_at_its_capacity(&store().1);
    }

    #[test]
    fn frames_keep_their_places() {
        c::frames_keep_their_places(&store().1);
    }

    #[test]
    fn waiting_sessions_are_the_queue_in_order() {
        c::waiting_sessions_are_the_queue_in_order(&store().1);
    }

    #[test]
    fn frame_heads_say_where_each_direction_ends() {
        c::frame_heads_say_where_each_direction_ends(&store().1);
    }

    #[test]
    fn racing_writers_keep_each_sequence_dense() {
        c::racing_writers_keep_each_sequence_dense(&store().1);
    }

    #[test]
    fn the_rest_round_trips() {
        c::the_rest_round_trips(&store().1);
    }

    #[test]
    fn acks_only_move_forward() {
        c::acks_only_move_forward(&store().1, |s| {
            s.conn()
                .query_row(
                    "SELECT leg, hs, tx FROM support_acks WHERE session_id = 'ak' AND dir = 'a2e'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, to_u64(r.get(2)?))),
                )
                .optional()
                .unwrap()
        });
    }
}
