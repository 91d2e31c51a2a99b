//! `POST /v1/checkin`: an enrolled device says how its protection looks (app version, feed
//! version and last sync, checklist steps done); the desk keeps the latest per device for the
//! console's dashboard (stale feeds, checklist completion by team).

use super::{ApiError, Desk, Incoming};
use crate::store::CheckInRecord;
use verity_device::proto::{codes, CheckIn, CheckInReceipt};

/// The largest check-in body accepted.
pub const MAX_CHECKIN_BYTES: usize = 2048;

impl Desk {
    /// `POST /v1/checkin`: keeps the device's latest check-in.
    ///
    /// Order: the size, authentication (reads only), the fields ([`CheckIn::from_json`]), the
    /// nonce (the first write), the record (replacing the device's previous one).
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn check_in(&self, req: &Incoming) -> Result<CheckInReceipt, ApiError> {
        if req.body.len() > MAX_CHECKIN_BYTES {
            return Err(ApiError::new(
                413,
                codes::TOO_LARGE,
                format!("a check-in is at most {MAX_CHECKIN_BYTES} bytes"),
            ));
        }
        let authed = self.authenticate(req)?;
        let d = &authed.device;
        let now = authed.now;
        let c =
            CheckIn::from_json(&req.body, now).map_err(|e| ApiError::bad_request(e.to_string()))?;
        self.use_nonce(&d.device_id, req, now)?;
        self.store.record_check_in(&CheckInRecord {
            device_id: d.device_id.clone(),
            received_at: now,
            app_version: c.app_version,
            feed_version: c.feed.map(|f| f.version),
            feed_synced_at: c.feed.map(|f| f.synced_at).filter(|t| *t > 0),
            feed_organisation: c.feed.is_some_and(|f| f.organisation),
            checklist_done: c.checklist.map(|x| x.done),
            checklist_total: c.checklist.map(|x| x.total),
        })?;
        tracing::debug!(device = %d.device_id, "check-in");
        Ok(CheckInReceipt { received_at: now })
    }
}
