//! Each device's latest check-in, for the console's dashboard (as `sqlite/checkins.rs`).

use super::{col, db, to_i64, to_u64};
use crate::store::{CheckInRecord, StoreError};
use postgres::GenericClient;

/// Part of migration 1.
pub(super) const MIGRATION: &str = r"
CREATE TABLE device_checkins (
    device_id TEXT PRIMARY KEY REFERENCES devices(device_id),
    received_at BIGINT NOT NULL,
    app_version TEXT NOT NULL,
    feed_version BIGINT,
    feed_synced_at BIGINT,
    feed_organisation BOOLEAN NOT NULL DEFAULT FALSE,
    checklist_done BIGINT,
    checklist_total BIGINT
);
";

/// One statement (an upsert): the latest check-in wins.
pub(super) fn record(c: &mut impl GenericClient, r: &CheckInRecord) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO device_checkins (device_id, received_at, app_version, feed_version, \
         feed_synced_at, feed_organisation, checklist_done, checklist_total) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (device_id) DO UPDATE SET received_at = excluded.received_at, \
         app_version = excluded.app_version, feed_version = excluded.feed_version, \
         feed_synced_at = excluded.feed_synced_at, \
         feed_organisation = excluded.feed_organisation, \
         checklist_done = excluded.checklist_done, checklist_total = excluded.checklist_total",
        &[
            &r.device_id,
            &to_i64(r.received_at),
            &r.app_version,
            &r.feed_version.map(to_i64),
            &r.feed_synced_at.map(to_i64),
            &r.feed_organisation,
            &r.checklist_done.map(i64::from),
            &r.checklist_total.map(i64::from),
        ],
    )
    .map_err(db)?;
    Ok(())
}

pub(super) fn all(c: &mut impl GenericClient) -> Result<Vec<CheckInRecord>, StoreError> {
    c.query(
        "SELECT device_id, received_at, app_version, feed_version, feed_synced_at, \
         feed_organisation, checklist_done, checklist_total FROM device_checkins \
         ORDER BY device_id",
        &[],
    )
    .map_err(db)?
    .iter()
    .map(|r| {
        Ok(CheckInRecord {
            device_id: col(r, 0)?,
            received_at: to_u64(col(r, 1)?),
            app_version: col(r, 2)?,
            feed_version: col::<Option<i64>>(r, 3)?.map(to_u64),
            feed_synced_at: col::<Option<i64>>(r, 4)?.map(to_u64),
            feed_organisation: col(r, 5)?,
            checklist_done: col::<Option<i64>>(r, 6)?.map(|v| u32::try_from(v).unwrap_or(0)),
            checklist_total: col::<Option<i64>>(r, 7)?.map(|v| u32::try_from(v).unwrap_or(0)),
        })
    })
    .collect()
}
