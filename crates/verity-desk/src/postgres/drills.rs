//! [`DrillStore`] on PostgreSQL (as `sqlite/drills.rs`): the reserved drill list, drills, their
//! targets (one row per device, with its moment and outcome) and the programme.

use super::{col, db, lock, to_i64, to_u64, PgStore};
use crate::drill::{
    Audience, AudienceMember, DrillRecord, DrillStore, OutcomeResult, ProgrammeRecord,
    RemoveReserved, ReservedKind, ReservedRecord, TargetRecord,
};
use crate::store::StoreError;
use postgres::Row;
use verity_device::proto::drill::{OutcomeEvent, OutcomeHow, Scenario};

/// Migration 3.
pub(super) const MIGRATION: &str = r"
CREATE TABLE drill_reserved (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('number', 'link')),
    value TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE TABLE drill (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scenario TEXT NOT NULL,
    number TEXT NOT NULL,
    link TEXT NOT NULL,
    audience_json TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    window_end BIGINT NOT NULL,
    working_days BIGINT NOT NULL,
    act_secs BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    cancelled_at BIGINT
);
CREATE TABLE drill_target (
    drill_id TEXT NOT NULL REFERENCES drill(id),
    device_id TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    employee_name TEXT NOT NULL,
    team TEXT NOT NULL,
    deliver_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    issued_at BIGINT,
    delivered_at BIGINT,
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('reported', 'engaged', 'ignored')),
    how TEXT,
    outcome_at BIGINT,
    UNIQUE (drill_id, device_id)
);
CREATE INDEX drill_target_by_device ON drill_target (device_id, deliver_at);
CREATE TABLE drill_programme (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    owner TEXT NOT NULL,
    every_months BIGINT NOT NULL,
    next_due BIGINT NOT NULL,
    reminded_at BIGINT
);
";

fn damaged(what: &str) -> StoreError {
    StoreError::Damaged(what.to_owned())
}

fn event(s: Option<String>) -> Result<Option<OutcomeEvent>, StoreError> {
    s.map(|s| match s.as_str() {
        "reported" => Ok(OutcomeEvent::Reported),
        "engaged" => Ok(OutcomeEvent::Engaged),
        "ignored" => Ok(OutcomeEvent::Ignored),
        _ => Err(damaged("drill outcome")),
    })
    .transpose()
}

fn how(s: Option<String>) -> Result<Option<OutcomeHow>, StoreError> {
    s.map(|s| {
        serde_json::from_value(serde_json::Value::String(s)).map_err(|_| damaged("drill how"))
    })
    .transpose()
}

fn small(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

const DRILL_COLS: &str = "id, name, scenario, number, link, audience_json, window_start, \
    window_end, working_days, act_secs, created_by, created_at, cancelled_at";

const TARGET_COLS: &str = "drill_id, device_id, employee_id, employee_name, team, deliver_at, \
    expires_at, issued_at, delivered_at, outcome, how, outcome_at";

fn target_row(r: &Row) -> Result<TargetRecord, StoreError> {
    Ok(TargetRecord {
        drill_id: col(r, 0)?,
        device_id: col(r, 1)?,
        employee_id: col(r, 2)?,
        employee_name: col(r, 3)?,
        team: col(r, 4)?,
        deliver_at: to_u64(col(r, 5)?),
        expires_at: to_u64(col(r, 6)?),
        issued_at: col::<Option<i64>>(r, 7)?.map(to_u64),
        delivered_at: col::<Option<i64>>(r, 8)?.map(to_u64),
        outcome: event(col(r, 9)?)?,
        how: how(col(r, 10)?)?,
        outcome_at: col::<Option<i64>>(r, 11)?.map(to_u64),
    })
}

/// A drill read from the columns starting at `at` (a join).
fn drill_row_at(r: &Row, at: usize) -> Result<DrillRecord, StoreError> {
    let scenario: String = col(r, at + 2)?;
    let audience: String = col(r, at + 5)?;
    let audience: Audience =
        serde_json::from_str(&audience).map_err(|_| damaged("drill audience"))?;
    Ok(DrillRecord {
        id: col(r, at)?,
        name: col(r, at + 1)?,
        scenario: Scenario::parse(&scenario).ok_or_else(|| damaged("drill scenario"))?,
        number: col(r, at + 3)?,
        link: col(r, at + 4)?,
        audience,
        window_start: to_u64(col(r, at + 6)?),
        window_end: to_u64(col(r, at + 7)?),
        working_days: small(col(r, at + 8)?),
        act_secs: to_u64(col(r, at + 9)?),
        created_by: col(r, at + 10)?,
        created_at: to_u64(col(r, at + 11)?),
        cancelled_at: col::<Option<i64>>(r, at + 12)?.map(to_u64),
    })
}

fn reserved_row(r: &Row) -> Result<ReservedRecord, StoreError> {
    let kind: String = col(r, 1)?;
    Ok(ReservedRecord {
        id: to_u64(col(r, 0)?),
        kind: ReservedKind::parse(&kind).ok_or_else(|| damaged("reserved kind"))?,
        value: col(r, 2)?,
        label: col(r, 3)?,
        added_by: col(r, 4)?,
        added_at: to_u64(col(r, 5)?),
    })
}

impl DrillStore for PgStore {
    fn add_reserved(
        &self,
        kind: ReservedKind,
        value: &str,
        label: &str,
        by: &str,
        at: u64,
    ) -> Result<Option<u64>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "INSERT INTO drill_reserved (kind, value, label, added_by, added_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (value) DO NOTHING RETURNING id",
                &[&kind.as_str(), &value, &label, &by, &to_i64(at)],
            )
            .map_err(db)?
            .map(|r| col(&r, 0).map(to_u64))
            .transpose()
        })
    }

    fn reserved(&self) -> Result<Vec<ReservedRecord>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT id, kind, value, label, added_by, added_at FROM drill_reserved ORDER BY id",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(reserved_row)
            .collect()
        })
    }

    fn remove_reserved(&self, id: u64, now: u64) -> Result<RemoveReserved, StoreError> {
        // The same lock as a drill's creation: a drill cannot start using the entry between
        // the check and the delete.
        self.write(|tx| {
            lock(tx, "drill-reserved")?;
            let Some(row) = tx
                .query_opt(
                    "SELECT value FROM drill_reserved WHERE id = $1",
                    &[&to_i64(id)],
                )
                .map_err(db)?
            else {
                return Ok(RemoveReserved::NotFound);
            };
            let value: String = col(&row, 0)?;
            let in_use: bool = col(
                &tx.query_one(
                    "SELECT EXISTS (SELECT 1 FROM drill WHERE cancelled_at IS NULL \
                     AND (number = $1 OR link = $1) AND window_end + act_secs > $2)",
                    &[&value, &to_i64(now)],
                )
                .map_err(db)?,
                0,
            )?;
            if in_use {
                return Ok(RemoveReserved::InUse);
            }
            tx.execute("DELETE FROM drill_reserved WHERE id = $1", &[&to_i64(id)])
                .map_err(db)?;
            Ok(RemoveReserved::Removed)
        })
    }

    fn drill_audience(&self, teams: Option<&[String]>) -> Result<Vec<AudienceMember>, StoreError> {
        let all: Vec<AudienceMember> = self.read(|c| {
            c.query(
                "SELECT d.device_id, d.employee_id, d.employee_name, \
                 COALESCE((SELECT c.team FROM enroll_codes c WHERE c.used_by = d.device_id \
                   AND c.agent_profile IS NULL LIMIT 1), '') \
                 FROM devices d WHERE d.revoked_at IS NULL ORDER BY d.device_id",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(AudienceMember {
                    device_id: col(r, 0)?,
                    employee_id: col(r, 1)?,
                    employee_name: col(r, 2)?,
                    team: col(r, 3)?,
                })
            })
            .collect()
        })?;
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
            lock(tx, "drill-reserved")?;
            tx.execute(
                &format!(
                    "INSERT INTO drill ({DRILL_COLS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL)"
                ),
                &[
                    &d.id,
                    &d.name,
                    &d.scenario.as_str(),
                    &d.number,
                    &d.link,
                    &audience,
                    &to_i64(d.window_start),
                    &to_i64(d.window_end),
                    &i64::from(d.working_days),
                    &to_i64(d.act_secs),
                    &d.created_by,
                    &to_i64(d.created_at),
                ],
            )
            .map_err(db)?;
            let stmt = tx
                .prepare(
                    "INSERT INTO drill_target (drill_id, device_id, employee_id, employee_name, \
                     team, deliver_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .map_err(db)?;
            for t in targets {
                tx.execute(
                    &stmt,
                    &[
                        &d.id,
                        &t.device_id,
                        &t.employee_id,
                        &t.employee_name,
                        &t.team,
                        &to_i64(t.deliver_at),
                        &to_i64(t.expires_at),
                    ],
                )
                .map_err(db)?;
            }
            Ok(())
        })
    }

    fn drills(&self) -> Result<Vec<DrillRecord>, StoreError> {
        self.read(|c| {
            c.query(
                &format!(
                    "SELECT {DRILL_COLS} FROM drill ORDER BY window_start DESC, created_at DESC, id"
                ),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| drill_row_at(r, 0))
            .collect()
        })
    }

    fn drill(&self, id: &str) -> Result<Option<DrillRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                &format!("SELECT {DRILL_COLS} FROM drill WHERE id = $1"),
                &[&id],
            )
            .map_err(db)?
            .map(|r| drill_row_at(&r, 0))
            .transpose()
        })
    }

    fn cancel_drill(&self, id: &str, at: u64) -> Result<bool, StoreError> {
        self.read(|c| {
            c.execute(
                "UPDATE drill SET cancelled_at = $2 WHERE id = $1 AND cancelled_at IS NULL",
                &[&id, &to_i64(at)],
            )
            .map(|n| n == 1)
            .map_err(db)
        })
    }

    fn drill_targets(&self, drill_id: Option<&str>) -> Result<Vec<TargetRecord>, StoreError> {
        self.read(|c| {
            c.query(
                &format!(
                    "SELECT {TARGET_COLS} FROM drill_target \
                     WHERE $1::TEXT IS NULL OR drill_id = $1 ORDER BY drill_id, device_id"
                ),
                &[&drill_id],
            )
            .map_err(db)?
            .iter()
            .map(target_row)
            .collect()
        })
    }

    fn issue_lures(
        &self,
        device_id: &str,
        now: u64,
        lookahead: u64,
        max: usize,
    ) -> Result<Vec<(DrillRecord, TargetRecord)>, StoreError> {
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
        self.write(|tx| {
            let rows = tx
                .query(
                    &format!(
                        "SELECT {cols}, {dcols} FROM drill_target t \
                         JOIN drill d ON d.id = t.drill_id \
                         WHERE t.device_id = $1 AND t.deliver_at <= $2 AND t.expires_at > $3 \
                         AND t.outcome IS NULL AND d.cancelled_at IS NULL \
                         ORDER BY t.deliver_at, t.drill_id LIMIT $4 FOR UPDATE OF t"
                    ),
                    &[
                        &device_id,
                        &to_i64(now.saturating_add(lookahead)),
                        &to_i64(now),
                        &i64::try_from(max).unwrap_or(i64::MAX),
                    ],
                )
                .map_err(db)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                // The drill's columns follow the target's 12.
                let mut t = target_row(r)?;
                let d = drill_row_at(r, 12)?;
                tx.execute(
                    "UPDATE drill_target SET issued_at = $3 WHERE drill_id = $1 AND device_id = $2",
                    &[&t.drill_id, &device_id, &to_i64(now)],
                )
                .map_err(db)?;
                t.issued_at = Some(now);
                out.push((d, t));
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
        // The target's row is locked first: of two racing outcomes, the second reads the
        // first's and is held, as with SQLite's single writer.
        self.write(|tx| {
            let Some(row) = tx
                .query_opt(
                    "SELECT delivered_at, outcome FROM drill_target \
                     WHERE drill_id = $1 AND device_id = $2 FOR UPDATE",
                    &[&drill_id, &device_id],
                )
                .map_err(db)?
            else {
                return Ok(OutcomeResult::Unknown);
            };
            let delivered_at = col::<Option<i64>>(&row, 0)?.map(to_u64);
            let outcome = event(col(&row, 1)?)?;
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
                    "UPDATE drill_target SET delivered_at = $3 \
                     WHERE drill_id = $1 AND device_id = $2 AND delivered_at IS NULL",
                    &[&drill_id, &device_id, &to_i64(at)],
                )
                .map_err(db)?;
                Ok(OutcomeResult::Held {
                    recorded: true,
                    delivered_at: Some(at),
                    outcome,
                })
            } else {
                tx.execute(
                    "UPDATE drill_target SET outcome = $3, how = $4, outcome_at = $5, \
                     delivered_at = COALESCE(delivered_at, $5) \
                     WHERE drill_id = $1 AND device_id = $2 AND outcome IS NULL",
                    &[
                        &drill_id,
                        &device_id,
                        &ev.as_str(),
                        &how_.as_str(),
                        &to_i64(at),
                    ],
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
        self.read(|c| {
            c.query_opt(
                "SELECT owner, every_months, next_due, reminded_at FROM drill_programme",
                &[],
            )
            .map_err(db)?
            .map(|r| {
                Ok(ProgrammeRecord {
                    owner: col(&r, 0)?,
                    every_months: small(col(&r, 1)?),
                    next_due: to_u64(col(&r, 2)?),
                    reminded_at: col::<Option<i64>>(&r, 3)?.map(to_u64),
                })
            })
            .transpose()
        })
    }

    fn set_programme(
        &self,
        owner: &str,
        every_months: u32,
        next_due: u64,
    ) -> Result<(), StoreError> {
        self.read(|c| {
            c.execute(
                "INSERT INTO drill_programme (id, owner, every_months, next_due) \
                 VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, \
                 every_months = excluded.every_months, next_due = excluded.next_due",
                &[&owner, &i64::from(every_months), &to_i64(next_due)],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn mark_reminded(&self, due: u64) -> Result<bool, StoreError> {
        // One statement: of two desks' sweepers racing, one reminds.
        self.read(|c| {
            c.execute(
                "UPDATE drill_programme SET reminded_at = $1 \
                 WHERE reminded_at IS NULL OR reminded_at != $1",
                &[&to_i64(due)],
            )
            .map(|n| n == 1)
            .map_err(db)
        })
    }
}
