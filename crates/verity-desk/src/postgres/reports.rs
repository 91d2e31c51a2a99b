//! Reports to IT and the triage queue over them (as `sqlite/reports.rs`).

use super::{col, db, lock, to_i64, to_u32, to_u64};
use crate::store::{
    NewReport, ReportAdmission, ReportGroup, ReportRecord, ReportStatus, ResolveOutcome, StoreError,
};
use postgres::{GenericClient, Row, Transaction};

/// Part of migration 1: reports to IT. Verdict codes are kept comma-separated (each is
/// `[a-z0-9_]`).
pub(super) const MIGRATION: &str = r"
CREATE TABLE reports (
    id BIGSERIAL PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(device_id),
    kind TEXT NOT NULL,
    item TEXT,
    dedup_key TEXT NOT NULL,
    verdict TEXT NOT NULL,
    note TEXT NOT NULL,
    observed_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'confirmed', 'rejected')),
    reason TEXT,
    resolved_at BIGINT
);
CREATE INDEX reports_by_device ON reports (device_id, received_at);
CREATE INDEX reports_by_key ON reports (dedup_key, status);
CREATE INDEX reports_by_time ON reports (received_at);
";

const COLUMNS: &str = "id, device_id, kind, item, dedup_key, verdict, note, observed_at, \
    received_at, status, reason, resolved_at";

fn status_of(s: &str) -> Result<ReportStatus, StoreError> {
    ReportStatus::parse(s).ok_or_else(|| StoreError::Damaged(format!("report status {s:?}")))
}

pub(super) fn count_since(
    c: &mut impl GenericClient,
    device_id: &str,
    since: u64,
) -> Result<u32, StoreError> {
    let r = c
        .query_one(
            "SELECT COUNT(*) FROM reports WHERE device_id = $1 AND received_at >= $2",
            &[&device_id, &to_i64(since)],
        )
        .map_err(db)?;
    Ok(to_u32(col(&r, 0)?))
}

/// Counts and inserts under the device's lock: concurrent reports of one device (on any desk)
/// are judged one after the other against the limit.
pub(super) fn add(
    tx: &mut Transaction<'_>,
    r: &NewReport,
    since: u64,
    max: u32,
) -> Result<ReportAdmission, StoreError> {
    lock(tx, &format!("reports:{}", r.device_id))?;
    let count = count_since(tx, &r.device_id, since)?;
    if count >= max {
        return Ok(ReportAdmission::Refused { count });
    }
    let row = tx
        .query_one(
            "INSERT INTO reports (device_id, kind, item, dedup_key, verdict, note, observed_at, \
             received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &r.device_id,
                &r.kind,
                &r.item,
                &r.dedup_key,
                &r.verdict.join(","),
                &r.note,
                &to_i64(r.observed_at),
                &to_i64(r.received_at),
            ],
        )
        .map_err(db)?;
    Ok(ReportAdmission::Added {
        id: to_u64(col(&row, 0)?),
    })
}

fn row(r: &Row) -> Result<ReportRecord, StoreError> {
    let verdict: String = col(r, 5)?;
    Ok(ReportRecord {
        id: to_u64(col(r, 0)?),
        device_id: col(r, 1)?,
        kind: col(r, 2)?,
        item: col(r, 3)?,
        dedup_key: col(r, 4)?,
        verdict: verdict
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        note: col(r, 6)?,
        observed_at: to_u64(col(r, 7)?),
        received_at: to_u64(col(r, 8)?),
        status: status_of(&col::<String>(r, 9)?)?,
        reason: col(r, 10)?,
        resolved_at: col::<Option<i64>>(r, 11)?.map(to_u64),
    })
}

pub(super) fn get(c: &mut impl GenericClient, id: u64) -> Result<Option<ReportRecord>, StoreError> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM reports WHERE id = $1"),
        &[&to_i64(id)],
    )
    .map_err(db)?
    .map(|r| row(&r))
    .transpose()
}

pub(super) fn groups(
    c: &mut impl GenericClient,
    status: Option<ReportStatus>,
) -> Result<Vec<ReportGroup>, StoreError> {
    let status = status.map(ReportStatus::as_str);
    c.query(
        "SELECT MIN(id), MIN(kind), MIN(item), status, COUNT(*), COUNT(DISTINCT device_id), \
         MIN(received_at), MAX(received_at) FROM reports \
         WHERE $1::TEXT IS NULL OR status = $1 \
         GROUP BY dedup_key, status ORDER BY MAX(received_at) DESC, MIN(id) DESC",
        &[&status],
    )
    .map_err(db)?
    .iter()
    .map(|r| {
        Ok(ReportGroup {
            id: to_u64(col(r, 0)?),
            kind: col(r, 1)?,
            item: col(r, 2)?,
            status: status_of(&col::<String>(r, 3)?)?,
            count: to_u32(col(r, 4)?),
            reporters: to_u32(col(r, 5)?),
            first_seen: to_u64(col(r, 6)?),
            last_seen: to_u64(col(r, 7)?),
        })
    })
    .collect()
}

/// Resolves the report's line; the report's row is locked first, so that two resolutions of
/// one line do not both find it new.
pub(super) fn resolve(
    tx: &mut Transaction<'_>,
    id: u64,
    status: ReportStatus,
    reason: &str,
    at: u64,
) -> Result<ResolveOutcome, StoreError> {
    let Some(report) = tx
        .query_opt(
            &format!("SELECT {COLUMNS} FROM reports WHERE id = $1 FOR UPDATE"),
            &[&to_i64(id)],
        )
        .map_err(db)?
        .map(|r| row(&r))
        .transpose()?
    else {
        return Ok(ResolveOutcome::NotFound);
    };
    if report.status != ReportStatus::New {
        return Ok(ResolveOutcome::AlreadyResolved(report.status));
    }
    let changed = tx
        .execute(
            "UPDATE reports SET status = $1, reason = $2, resolved_at = $3 \
             WHERE dedup_key = $4 AND status = 'new'",
            &[&status.as_str(), &reason, &to_i64(at), &report.dedup_key],
        )
        .map_err(db)?;
    Ok(ResolveOutcome::Resolved {
        count: u32::try_from(changed).unwrap_or(u32::MAX),
    })
}

pub(super) fn of_device(
    c: &mut impl GenericClient,
    device_id: &str,
    ids: &[u64],
) -> Result<Vec<ReportRecord>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(r) = get(c, id)?.filter(|r| r.device_id == device_id) {
            out.push(r);
        }
    }
    Ok(out)
}

/// The reports on report `id`'s line of the triage queue (same dedup key and status), newest
/// first, at most `limit`.
pub(super) fn line(
    c: &mut impl GenericClient,
    id: u64,
    limit: u32,
) -> Result<Vec<ReportRecord>, StoreError> {
    let Some(first) = get(c, id)? else {
        return Ok(Vec::new());
    };
    c.query(
        &format!(
            "SELECT {COLUMNS} FROM reports WHERE dedup_key = $1 AND status = $2 \
             ORDER BY received_at DESC, id DESC LIMIT $3"
        ),
        &[&first.dedup_key, &first.status.as_str(), &i64::from(limit)],
    )
    .map_err(db)?
    .iter()
    .map(row)
    .collect()
}
