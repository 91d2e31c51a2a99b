//! The console's dashboard (issue 14): what the organisation's devices and reports look like,
//! computed from the store — devices enrolled and revoked, two-factor pending, open reports,
//! the feed version devices hold and which are stale since when (from their check-ins),
//! checklist completion by team, and support sessions (none until verified sessions exist).

use crate::store::{CheckInRecord, DeskStore, DeviceRecord, ReportStatus, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A device whose feed has not synced for this long is stale (3 days).
pub const STALE_AFTER_SECS: u64 = 3 * 86_400;
/// A device not heard from for this long is listed as silent (7 days).
pub const SILENT_AFTER_SECS: u64 = 7 * 86_400;
/// The most stale devices listed.
const MAX_LISTED: usize = 200;

/// Devices at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceCounts {
    /// Enrolled and not revoked.
    pub enrolled: u32,
    /// Revoked.
    pub revoked: u32,
    /// Enrolled without a confirmed two-factor code yet.
    pub two_factor_pending: u32,
}

/// A device whose protection is behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleDevice {
    /// The device.
    pub device_id: String,
    /// Its employee.
    pub employee_id: String,
    /// The employee's name.
    pub employee_name: String,
    /// The feed version it holds, if it said.
    pub feed_version: Option<u64>,
    /// Its last successful sync (its clock), if ever.
    pub synced_at: Option<u64>,
    /// When the desk last heard from it, if ever.
    pub last_check_in: Option<u64>,
}

/// The feed across devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedFreshness {
    /// The newest feed version any device holds.
    pub newest_version: Option<u64>,
    /// Devices that synced within [`STALE_AFTER_SECS`].
    pub current: u32,
    /// Devices behind: no sync within [`STALE_AFTER_SECS`], or never heard from within
    /// [`SILENT_AFTER_SECS`] of enrolment; the longest-stale first.
    pub stale: Vec<StaleDevice>,
    /// How many are stale in all (the list is capped).
    pub stale_count: u32,
    /// Devices never heard from (no check-in yet).
    pub never_checked_in: u32,
}

/// Checklist completion of one team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamProgress {
    /// The team ("" for devices without one).
    pub team: String,
    /// Enrolled devices in it.
    pub devices: u32,
    /// Devices that said how far their checklist is.
    pub reporting: u32,
    /// Devices with every step done.
    pub complete: u32,
    /// Steps done, over the reporting devices.
    pub steps_done: u32,
    /// Steps in all, over the reporting devices.
    pub steps_total: u32,
}

/// The dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    /// When it was computed.
    pub at: u64,
    /// Devices.
    pub devices: DeviceCounts,
    /// Reports waiting for triage (one per normalised item).
    pub open_reports: u32,
    /// Reports received in the last 24 hours.
    pub reports_today: u32,
    /// The feed across devices.
    pub feed: FeedFreshness,
    /// Checklist completion by team.
    pub checklist: Vec<TeamProgress>,
    /// Verified support sessions today (none exist yet: issue 13).
    pub sessions_today: u32,
    /// Sessions whose response deadline passed today.
    pub deadline_breaches: u32,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn stale_device(d: &DeviceRecord, c: Option<&CheckInRecord>, now: u64) -> Option<StaleDevice> {
    let behind = match c {
        Some(c) => c
            .feed_synced_at
            .is_none_or(|t| now.saturating_sub(t) > STALE_AFTER_SECS),
        None => now.saturating_sub(d.enrolled_at) > SILENT_AFTER_SECS,
    };
    behind.then(|| StaleDevice {
        device_id: d.device_id.clone(),
        employee_id: d.employee_id.clone(),
        employee_name: d.employee_name.clone(),
        feed_version: c.and_then(|c| c.feed_version),
        synced_at: c.and_then(|c| c.feed_synced_at),
        last_check_in: c.map(|c| c.received_at),
    })
}

/// The dashboard at `now`. `team_of` names a device's team ("" for none).
///
/// # Errors
/// Store failures.
pub fn dashboard(
    store: &dyn DeskStore,
    now: u64,
    team_of: &dyn Fn(&DeviceRecord) -> String,
) -> Result<Dashboard, StoreError> {
    let devices = store.list_devices()?;
    let check_ins: HashMap<String, CheckInRecord> = store
        .check_ins()?
        .into_iter()
        .map(|c| (c.device_id.clone(), c))
        .collect();
    let active: Vec<&DeviceRecord> = devices.iter().filter(|d| d.revoked_at.is_none()).collect();

    let mut stale: Vec<StaleDevice> = active
        .iter()
        .filter_map(|d| stale_device(d, check_ins.get(&d.device_id), now))
        .collect();
    stale.sort_by_key(|s| (s.synced_at.unwrap_or(0), s.device_id.clone()));
    let stale_count = count(stale.len());
    stale.truncate(MAX_LISTED);

    let mut teams: BTreeMap<String, TeamProgress> = BTreeMap::new();
    for d in &active {
        let team = team_of(d);
        let t = teams.entry(team.clone()).or_insert_with(|| TeamProgress {
            team,
            devices: 0,
            reporting: 0,
            complete: 0,
            steps_done: 0,
            steps_total: 0,
        });
        t.devices += 1;
        if let Some((done, total)) = check_ins
            .get(&d.device_id)
            .and_then(|c| c.checklist_done.zip(c.checklist_total))
        {
            t.reporting += 1;
            t.steps_done += done;
            t.steps_total += total;
            if total > 0 && done == total {
                t.complete += 1;
            }
        }
    }

    let groups = store.report_groups(Some(ReportStatus::New))?;
    let reports_today = store.reports_received_since(now.saturating_sub(86_400))?;
    Ok(Dashboard {
        at: now,
        devices: DeviceCounts {
            enrolled: count(active.len()),
            revoked: count(devices.len() - active.len()),
            two_factor_pending: count(active.iter().filter(|d| !d.totp_confirmed).count()),
        },
        open_reports: count(groups.len()),
        reports_today,
        feed: FeedFreshness {
            newest_version: active
                .iter()
                .filter_map(|d| check_ins.get(&d.device_id).and_then(|c| c.feed_version))
                .max(),
            current: count(active.len()).saturating_sub(stale_count),
            stale,
            stale_count,
            never_checked_in: count(
                active
                    .iter()
                    .filter(|d| !check_ins.contains_key(&d.device_id))
                    .count(),
            ),
        },
        checklist: teams.into_values().collect(),
        sessions_today: 0,
        deadline_breaches: 0,
    })
}
