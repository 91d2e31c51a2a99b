//! The `reports` table (schema 6): reports to IT, one row each, and the triage queue over them.

use super::{db, to_i64, to_u64};
use crate::store::{
    NewReport, ReportAdmission, ReportGroup, ReportRecord, ReportStatus, ResolveOutcome, StoreError,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// Migration 6: reports to IT. Verdict codes are kept comma-separated (each is `[a-z0-9_]`).
pub(super) const MIGRATION: &str = r"
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL REFERENCES devices(device_id),
    kind TEXT NOT NULL,
    item TEXT,
    dedup_key TEXT NOT NULL,
    verdict TEXT NOT NULL,
    note TEXT NOT NULL,
    observed_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'confirmed', 'rejected')),
    reason TEXT,
    resolved_at INTEGER
);
CREATE INDEX reports_by_device ON reports (device_id, received_at);
CREATE INDEX reports_by_key ON reports (dedup_key, status);
";

fn status_of(s: &str) -> Result<ReportStatus, StoreError> {
    ReportStatus::parse(s).ok_or_else(|| StoreError::Damaged(format!("report status {s:?}")))
}

fn count_since(conn: &Connection, device_id: &str, since: u64) -> Result<u32, StoreError> {
    conn.query_row(
        "SELECT COUNT(*) FROM reports WHERE device_id = ?1 AND received_at >= ?2",
        params![device_id, to_i64(since)],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    .map_err(db)
}

pub(super) fn reports_since(
    conn: &Connection,
    device_id: &str,
    since: u64,
) -> Result<u32, StoreError> {
    count_since(conn, device_id, since)
}

pub(super) fn add(
    tx: &Transaction<'_>,
    r: &NewReport,
    since: u64,
    max: u32,
) -> Result<ReportAdmission, StoreError> {
    let count = count_since(tx, &r.device_id, since)?;
    if count >= max {
        return Ok(ReportAdmission::Refused { count });
    }
    tx.execute(
        "INSERT INTO reports (device_id, kind, item, dedup_key, verdict, note, observed_at, \
         received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            r.device_id,
            r.kind,
            r.item,
            r.dedup_key,
            r.verdict.join(","),
            r.note,
            to_i64(r.observed_at),
            to_i64(r.received_at),
        ],
    )
    .map_err(db)?;
    Ok(ReportAdmission::Added {
        id: to_u64(tx.last_insert_rowid()),
    })
}

/// A report row, its status still text (checked outside rusqlite's row mapping).
type Row = (ReportRecord, String);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let verdict: String = r.get(5)?;
    Ok((
        ReportRecord {
            id: to_u64(r.get(0)?),
            device_id: r.get(1)?,
            kind: r.get(2)?,
            item: r.get(3)?,
            dedup_key: r.get(4)?,
            verdict: verdict
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            note: r.get(6)?,
            observed_at: to_u64(r.get(7)?),
            received_at: to_u64(r.get(8)?),
            status: ReportStatus::New,
            reason: r.get(10)?,
            resolved_at: r.get::<_, Option<i64>>(11)?.map(to_u64),
        },
        r.get(9)?,
    ))
}

pub(super) fn get(conn: &Connection, id: u64) -> Result<Option<ReportRecord>, StoreError> {
    let found = conn
        .query_row(
            "SELECT id, device_id, kind, item, dedup_key, verdict, note, observed_at, \
             received_at, status, reason, resolved_at FROM reports WHERE id = ?1",
            [to_i64(id)],
            row,
        )
        .optional()
        .map_err(db)?;
    found
        .map(|(mut rec, status)| {
            rec.status = status_of(&status)?;
            Ok(rec)
        })
        .transpose()
}

pub(super) fn groups(
    conn: &Connection,
    status: Option<ReportStatus>,
) -> Result<Vec<ReportGroup>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT MIN(id), kind, item, status, COUNT(*), COUNT(DISTINCT device_id), \
             MIN(received_at), MAX(received_at) FROM reports \
             WHERE ?1 IS NULL OR status = ?1 \
             GROUP BY dedup_key, status ORDER BY MAX(received_at) DESC, MIN(id) DESC",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map([status.map(ReportStatus::as_str)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })
        .map_err(db)?;
    let mut out = Vec::new();
    for r in rows {
        let (id, kind, item, status, count, reporters, first, last) = r.map_err(db)?;
        out.push(ReportGroup {
            id: to_u64(id),
            kind,
            item,
            status: status_of(&status)?,
            count: u32::try_from(count).unwrap_or(u32::MAX),
            reporters: u32::try_from(reporters).unwrap_or(u32::MAX),
            first_seen: to_u64(first),
            last_seen: to_u64(last),
        });
    }
    Ok(out)
}

pub(super) fn resolve(
    tx: &Transaction<'_>,
    id: u64,
    status: ReportStatus,
    reason: &str,
    at: u64,
) -> Result<ResolveOutcome, StoreError> {
    let Some(report) = get(tx, id)? else {
        return Ok(ResolveOutcome::NotFound);
    };
    if report.status != ReportStatus::New {
        return Ok(ResolveOutcome::AlreadyResolved(report.status));
    }
    let changed = tx
        .execute(
            "UPDATE reports SET status = ?1, reason = ?2, resolved_at = ?3 \
             WHERE dedup_key = ?4 AND status = 'new'",
            params![status.as_str(), reason, to_i64(at), report.dedup_key],
        )
        .map_err(db)?;
    Ok(ResolveOutcome::Resolved {
        count: u32::try_from(changed).unwrap_or(u32::MAX),
    })
}

pub(super) fn of_device(
    conn: &Connection,
    device_id: &str,
    ids: &[u64],
) -> Result<Vec<ReportRecord>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(r) = get(conn, id)?.filter(|r| r.device_id == device_id) {
            out.push(r);
        }
    }
    Ok(out)
}

/// The reports on report `id`'s line of the triage queue (same dedup key and status), newest
/// first, at most `limit`.
pub(super) fn line(
    conn: &Connection,
    id: u64,
    limit: u32,
) -> Result<Vec<ReportRecord>, StoreError> {
    let Some(first) = get(conn, id)? else {
        return Ok(Vec::new());
    };
    let mut stmt = conn
        .prepare(
            "SELECT id, device_id, kind, item, dedup_key, verdict, note, observed_at, \
             received_at, status, reason, resolved_at FROM reports \
             WHERE dedup_key = ?1 AND status = ?2 ORDER BY received_at DESC, id DESC LIMIT ?3",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(
            params![first.dedup_key, first.status.as_str(), i64::from(limit)],
            row,
        )
        .map_err(db)?;
    let mut out = Vec::new();
    for r in rows {
        let (mut rec, status) = r.map_err(db)?;
        rec.status = status_of(&status)?;
        out.push(rec);
    }
    Ok(out)
}
