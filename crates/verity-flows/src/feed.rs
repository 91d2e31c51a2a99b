//! Updating the blocklist from the organisation's signed feed, and what a sync leaves behind:
//! the new threats recorded for the Threats screen and the tray, whichever front end synced.

use verity_core::Timestamp;
use verity_feed::{FeedError, Progress, SyncConfig, SyncReport};
use verity_store::Store;

/// Syncs the feed into `store` (verified as `verity_feed::sync` says), then records the new
/// entries flagged for alert as unread threats, so that a sync from the command line reaches the
/// app's Threats screen as one from the app does.
///
/// The list and the threats are two transactions: when recording the threats fails after the
/// list was updated, the list stays updated and the error says why the threats are missing.
///
/// # Errors
/// The sync's errors (the list is unchanged), or the store's when recording the threats.
pub fn sync(
    store: &mut Store,
    cfg: &SyncConfig,
    at: Timestamp,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<SyncReport, FeedError> {
    let report = verity_feed::sync(store, cfg, at, progress)?;
    store.record_threats(&report.new_alerts, report.version, at)?;
    Ok(report)
}
