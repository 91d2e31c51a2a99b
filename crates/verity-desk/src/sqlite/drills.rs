//! Scam drills (schema 14, `docs/drills.md`): the reserved drill list, drills, their targets
//! (one row per device, with its moment and outcome) and the programme.

use super::{db, to_i64, to_u64, SqliteStore};
use crate::drill::{
    Audience, AudienceMember, DrillRecord, DrillStore, OutcomeResult, ProgrammeRecord,
    RemoveReserved, ReservedKind, ReservedRecord, TargetRecord,
};
use crate::store::StoreError;
use rusqlite::{params, OptionalExtension, Row};
use verity_device::proto::drill::{OutcomeEvent, OutcomeHow, Scenario};

/// Migration 14.
pub(super) const MIGRATION: &str = r"
CREATE TABLE drill_reserved (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('number', 'link')),
    value TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at INTEGER NOT NULL
);
CREATE TABLE drill (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scenario TEXT NOT NULL,
    number TEXT NOT NULL,
    link TEXT NOT NULL,
    audience_json TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    window_end INTEGER NOT NULL,
    working_days INTEGER NOT NULL,
    act_secs INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    cancelled_at INTEGER
);
CREATE TABLE drill_target (
    drill_id TEXT NOT NULL REFERENCES drill(id),
    device_id TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    employee_name TEXT NOT NULL,
    team TEXT NOT NULL,
    deliver_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    issued_at INTEGER,
    delivered_at INTEGER,
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('reported', 'engaged', 'ignored')),
    how TEXT,
    outcome_at INTEGER,
    UNIQUE (drill_id, device_id)
);
CREATE INDEX drill_target_by_device ON drill_target (device_id, deliver_at);
CREATE TABLE drill_programme (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    owner TEXT NOT NULL,
    every_months INTEGER NOT NULL,
    next_due INTEGER NOT NULL,
    reminded_at INTEGER
);
";

fn damaged(what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        Box::new(StoreError::Damaged(what.to_owned())),
    )
}

fn event(s: Option<String>) -> rusqlite::Result<Option<OutcomeEvent>> {
    s.map(|s| match s.as_str() {
        "reported" => Ok(OutcomeEvent::Reported),
        "engaged" => Ok(OutcomeEvent::Engaged),
        "ignored" => Ok(OutcomeEvent::Ignored),
        _ => Err(damaged("drill outcome")),
    })
    .transpose()
}

fn how(s: Option<String>) -> rusqlite::Result<Option<OutcomeHow>> {
    s.map(|s| {
        serde_json::from_value(serde_json::Value::String(s)).map_err(|_| damaged("drill how"))
    })
    .transpose()
}

const DRILL_COLS: &str = "id, name, scenario, number, link, audience_json, window_start, \
    window_end, working_days, act_secs, created_by, created_at, cancelled_at";

fn drill_row(r: &Row<'_>) -> rusqlite::Result<DrillRecord> {
    drill_row_at(r, 0)
}

const TARGET_COLS: &str = "drill_id, device_id, employee_id, employee_name, team, deliver_at, \
    expires_at, issued_at, delivered_at, outcome, how, outcome_at";

fn target_row(r: &Row<'_>) -> rusqlite::Result<TargetRecord> {
    Ok(TargetRecord {
        drill_id: r.get(0)?,
        device_id: r.get(1)?,
        employee_id: r.get(2)?,
        employee_name: r.get(3)?,
        team: r.get(4)?,
        deliver_at: to_u64(r.get(5)?),
        expires_at: to_u64(r.get(6)?),
        issued_at: r.get::<_, Option<i64>>(7)?.map(to_u64),
        delivered_at: r.get::<_, Option<i64>>(8)?.map(to_u64),
        outcome: event(r.get(9)?)?,
        how: how(r.get(10)?)?,
        outcome_at: r.get::<_, Option<i64>>(11)?.map(to_u64),
    })
}

fn reserved_row(r: &Row<'_>) -> rusqlite::Result<ReservedRecord> {
    let kind: String = r.get(1)?;
    Ok(ReservedRecord {
        id: to_u64(r.get(0)?),
        kind: ReservedKind::parse(&kind).ok_or_else(|| damaged("reserved kind"))?,
        value: r.get(2)?,
        label: r.get(3)?,
        added_by: r.get(4)?,
        added_at: to_u64(r.get(5)?),
    })
}

impl DrillStore for SqliteStore {
    fn add_reserved(
        &self,
        kind: ReservedKind,
        value: &str,
        label: &str,
        by: &str,
        at: u64,
    ) -> Result<Option<u64>, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "INSERT INTO drill_reserved (kind, value, label, added_by, added_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (value) DO NOTHING",
                    params![kind.as_str(), value, label, by, to_i64(at)],
                )
                .map_err(db)?;
            Ok((n == 1).then(|| to_u64(tx.last_insert_rowid())))
        })
    }

    fn reserved(&self) -> Result<Vec<ReservedRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT id, kind, value, label, added_by, added_at FROM drill_reserved ORDER BY id",
            )
            .map_err(db)?;
        let rows = stmt.query_map([], reserved_row).map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn remove_reserved(&self, id: u64, now: u64) -> Result<RemoveReserved, StoreError> {
        self.write(|tx| {
            let value: Option<String> = tx
                .query_row(
                    "SELECT value FROM drill_reserved WHERE id = ?1",
                    [to_i64(id)],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            let Some(value) = value else {
                return Ok(RemoveReserved::NotFound);
            };
            let in_use: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM drill WHERE cancelled_at IS NULL \
                     AND (number = ?1 OR link = ?1) AND window_end + act_secs > ?2)",
                    params![value, to_i64(now)],
                    |r| r.get(0),
                )
                .map_err(db)?;
            if in_use {
                return Ok(RemoveReserved::InUse);
            }
            tx.execute("DELETE FROM drill_reserved WHERE id = ?1", [to_i64(id)])
                .map_err(db)?;
            Ok(RemoveReserved::Removed)
        })
    }

    fn drill_audience(&self, teams: Option<&[String]>) -> Result<Vec<AudienceMember>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT d.device_id, d.employee_id, d.employee_name, \
                 COALESCE((SELECT c.team FROM enroll_codes c WHERE c.used_by = d.device_id \
                   AND c.agent_profile IS NULL LIMIT 1), '') \
                 FROM devices d WHERE d.revoked_at IS NULL ORDER BY d.device_id",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AudienceMember {
                    device_id: r.get(0)?,
                    employee_id: r.get(1)?,
                    employee_name: r.get(2)?,
                    team: r.get(3)?,
                })
            })
            .map_err(db)?;
        let all: Vec<AudienceMember> = rows.collect::<Result<_, _>>().map_err(db)?;
        Ok(match teams {
            None => all,
            Some(teams) => all
                .into_iter()
                .filter(|m| teams.contains(&m.team))
                .collect(),
        })
    }

    fn create_drill(&self, d: &DrillRecord, targets: &[TargetRecord]) -> Result<(), StoreError> {
        let audience =
            serde_json::to_string(&d.audience).map_err(|e| StoreError::Damaged(e.to_string()))?;
        self.write(|tx| {
            tx.execute(
                &format!(
                    "INSERT INTO drill ({DRILL_COLS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL)"
                ),
                params![
                    d.id,
                    d.name,
                    d.scenario.as_str(),
                    d.number,
                    d.link,
                    audience,
                    to_i64(d.window_start),
                    to_i64(d.window_end),
                    d.working_days,
                    to_i64(d.act_secs),
                    d.created_by,
                    to_i64(d.created_at),
                ],
            )
            .map_err(db)?;
            let mut stmt = tx
                .prepare(
                    "INSERT INTO drill_target (drill_id, device_id, employee_id, employee_name, \
                     team, deliver_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(db)?;
            for t in targets {
                stmt.execute(params![
                    d.id,
                    t.device_id,
                    t.employee_id,
                    t.employee_name,
                    t.team,
                    to_i64(t.deliver_at),
                    to_i64(t.expires_at),
                ])
                .map_err(db)?;
            }
            Ok(())
        })
    }

    fn drills(&self) -> Result<Vec<DrillRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {DRILL_COLS} FROM drill ORDER BY window_start DESC, created_at DESC, id"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([], drill_row).map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn drill(&self, id: &str) -> Result<Option<DrillRecord>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {DRILL_COLS} FROM drill WHERE id = ?1"),
                [id],
                drill_row,
            )
            .optional()
            .map_err(db)
    }

    fn cancel_drill(&self, id: &str, at: u64) -> Result<bool, StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE drill SET cancelled_at = ?2 WHERE id = ?1 AND cancelled_at IS NULL",
                params![id, to_i64(at)],
            )
            .map(|n| n == 1)
            .map_err(db)
        })
    }

    fn drill_targets(&self, drill_id: Option<&str>) -> Result<Vec<TargetRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {TARGET_COLS} FROM drill_target \
                 WHERE ?1 IS NULL OR drill_id = ?1 ORDER BY drill_id, device_id"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([drill_id], target_row).map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn issue_lures(
        &self,
        device_id: &str,
        now: u64,
        lookahead: u64,
        max: usize,
    ) -> Result<Vec<(DrillRecord, TargetRecord)>, StoreError> {
        self.write(|tx| {
            let cols = TARGET_COLS
                .split(", ")
                .map(|c| format!("t.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            let dcols = DRILL_COLS
                .split(", ")
                .map(|c| format!("d.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {cols}, {dcols} FROM drill_target t JOIN drill d ON d.id = t.drill_id \
                     WHERE t.device_id = ?1 AND t.deliver_at <= ?2 AND t.expires_at > ?3 \
                     AND t.outcome IS NULL AND d.cancelled_at IS NULL \
                     ORDER BY t.deliver_at, t.drill_id LIMIT ?4"
                ))
                .map_err(db)?;
            let rows = stmt
                .query_map(
                    params![
                        device_id,
                        to_i64(now.saturating_add(lookahead)),
                        to_i64(now),
                        i64::try_from(max).unwrap_or(i64::MAX)
                    ],
                    |r| {
                        let t = target_row(r)?;
                        // The drill's columns follow the target's 12.
                        let d = drill_row_at(r, 12)?;
                        Ok((d, t))
                    },
                )
                .map_err(db)?;
            let mut out: Vec<(DrillRecord, TargetRecord)> =
                rows.collect::<Result<_, _>>().map_err(db)?;
            for (_, t) in &mut out {
                tx.execute(
                    "UPDATE drill_target SET issued_at = ?3 WHERE drill_id = ?1 AND device_id = ?2",
                    params![t.drill_id, device_id, to_i64(now)],
                )
                .map_err(db)?;
                t.issued_at = Some(now);
            }
            Ok(out)
        })
    }

    fn record_outcome(
        &self,
        drill_id: &str,
        device_id: &str,
        how_: OutcomeHow,
        at: u64,
    ) -> Result<OutcomeResult, StoreError> {
        self.write(|tx| {
            let row = tx
                .query_row(
                    "SELECT delivered_at, outcome FROM drill_target \
                     WHERE drill_id = ?1 AND device_id = ?2",
                    params![drill_id, device_id],
                    |r| Ok((r.get::<_, Option<i64>>(0)?, event(r.get(1)?)?)),
                )
                .optional()
                .map_err(db)?;
            let Some((delivered_at, outcome)) = row else {
                return Ok(OutcomeResult::Unknown);
            };
            let delivered_at = delivered_at.map(to_u64);
            let ev = how_.event();
            let recorded = if ev == OutcomeEvent::Delivered {
                delivered_at.is_none()
            } else {
                outcome.is_none()
            };
            if !recorded {
                return Ok(OutcomeResult::Held {
                    recorded: false,
                    delivered_at,
                    outcome,
                });
            }
            if ev == OutcomeEvent::Delivered {
                tx.execute(
                    "UPDATE drill_target SET delivered_at = ?3 \
                     WHERE drill_id = ?1 AND device_id = ?2 AND delivered_at IS NULL",
                    params![drill_id, device_id, to_i64(at)],
                )
                .map_err(db)?;
                Ok(OutcomeResult::Held {
                    recorded: true,
                    delivered_at: Some(at),
                    outcome,
                })
            } else {
                tx.execute(
                    "UPDATE drill_target SET outcome = ?3, how = ?4, outcome_at = ?5, \
                     delivered_at = COALESCE(delivered_at, ?5) \
                     WHERE drill_id = ?1 AND device_id = ?2 AND outcome IS NULL",
                    params![drill_id, device_id, ev.as_str(), how_.as_str(), to_i64(at)],
                )
                .map_err(db)?;
                Ok(OutcomeResult::Held {
                    recorded: true,
                    delivered_at: Some(delivered_at.unwrap_or(at)),
                    outcome: Some(ev),
                })
            }
        })
    }

    fn programme(&self) -> Result<Option<ProgrammeRecord>, StoreError> {
        self.conn()
            .query_row(
                "SELECT owner, every_months, next_due, reminded_at FROM drill_programme",
                [],
                |r| {
                    Ok(ProgrammeRecord {
                        owner: r.get(0)?,
                        every_months: r.get(1)?,
                        next_due: to_u64(r.get(2)?),
                        reminded_at: r.get::<_, Option<i64>>(3)?.map(to_u64),
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn set_programme(
        &self,
        owner: &str,
        every_months: u32,
        next_due: u64,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO drill_programme (id, owner, every_months, next_due) \
                 VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, \
                 every_months = excluded.every_months, next_due = excluded.next_due",
                params![owner, every_months, to_i64(next_due)],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn mark_reminded(&self, due: u64) -> Result<bool, StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE drill_programme SET reminded_at = ?1 \
                 WHERE reminded_at IS NULL OR reminded_at != ?1",
                [to_i64(due)],
            )
            .map(|n| n == 1)
            .map_err(db)
        })
    }
}

/// A drill read from the columns starting at `at` (a join).
fn drill_row_at(r: &Row<'_>, at: usize) -> rusqlite::Result<DrillRecord> {
    let scenario: String = r.get(at + 2)?;
    let audience: String = r.get(at + 5)?;
    let audience: Audience =
        serde_json::from_str(&audience).map_err(|_| damaged("drill audience"))?;
    Ok(DrillRecord {
        id: r.get(at)?,
        name: r.get(at + 1)?,
        scenario: Scenario::parse(&scenario).ok_or_else(|| damaged("drill scenario"))?,
        number: r.get(at + 3)?,
        link: r.get(at + 4)?,
        audience,
        window_start: to_u64(r.get(at + 6)?),
        window_end: to_u64(r.get(at + 7)?),
        working_days: r.get(at + 8)?,
        act_secs: to_u64(r.get(at + 9)?),
        created_by: r.get(at + 10)?,
        created_at: to_u64(r.get(at + 11)?),
        cancelled_at: r.get::<_, Option<i64>>(at + 12)?.map(to_u64),
    })
}
