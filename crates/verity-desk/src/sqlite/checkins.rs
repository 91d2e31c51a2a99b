//! `device_checkins` (schema 8): each device's latest check-in, for the console's dashboard.

use super::{db, to_i64, to_u64};
use crate::store::{CheckInRecord, StoreError};
use rusqlite::{params, Connection, Transaction};

/// Migration 8.
pub(super) const MIGRATION: &str = r"
CREATE TABLE device_checkins (
    device_id TEXT PRIMARY KEY REFERENCES devices(device_id),
    received_at INTEGER NOT NULL,
    app_version TEXT NOT NULL,
    feed_version INTEGER,
    feed_synced_at INTEGER,
    feed_organisation INTEGER NOT NULL DEFAULT 0,
    checklist_done INTEGER,
    checklist_total INTEGER
);
";

pub(super) fn record(tx: &Transaction<'_>, c: &CheckInRecord) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO device_checkins (device_id, received_at, app_version, feed_version, \
         feed_synced_at, feed_organisation, checklist_done, checklist_total) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (device_id) DO UPDATE SET received_at = excluded.received_at, \
         app_version = excluded.app_version, feed_version = excluded.feed_version, \
         feed_synced_at = excluded.feed_synced_at, \
         feed_organisation = excluded.feed_organisation, \
         checklist_done = excluded.checklist_done, checklist_total = excluded.checklist_total",
        params![
            c.device_id,
            to_i64(c.received_at),
            c.app_version,
            c.feed_version.map(to_i64),
            c.feed_synced_at.map(to_i64),
            c.feed_organisation,
            c.checklist_done,
            c.checklist_total,
        ],
    )
    .map_err(db)?;
    Ok(())
}

pub(super) fn all(conn: &Connection) -> Result<Vec<CheckInRecord>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT device_id, received_at, app_version, feed_version, feed_synced_at, \
             feed_organisation, checklist_done, checklist_total FROM device_checkins \
             ORDER BY device_id",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(CheckInRecord {
                device_id: r.get(0)?,
                received_at: to_u64(r.get(1)?),
                app_version: r.get(2)?,
                feed_version: r.get::<_, Option<i64>>(3)?.map(to_u64),
                feed_synced_at: r.get::<_, Option<i64>>(4)?.map(to_u64),
                feed_organisation: r.get(5)?,
                checklist_done: r.get(6)?,
                checklist_total: r.get(7)?,
            })
        })
        .map_err(db)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db)
}
