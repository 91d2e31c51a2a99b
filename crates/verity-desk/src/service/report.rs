//! `POST /v1/report`: "Report to IT" from an enrolled device.

use super::{ApiError, Desk, Incoming};
use crate::store::{NewReport, ReportAdmission, ReportStatus};
use verity_device::proto::{
    codes, Report, ReportOutcome, ReportReceipt, ReportState, ReportStatusAnswer,
    ReportStatusRequest, MAX_REPORT_BODY_BYTES, MAX_REPORT_STATUS_IDS,
};

impl Desk {
    fn rate_limited(&self) -> ApiError {
        let minutes = self.config.report_window_secs.div_ceil(60);
        ApiError::new(
            429,
            codes::REPORT_RATE_LIMITED,
            format!(
                "this device sent {} reports in the last {minutes} minutes: try again later",
                self.config.report_max
            ),
        )
    }

    /// `POST /v1/report`: keeps an enrolled device's report to IT and answers its number.
    ///
    /// Order: the body's size (at most [`MAX_REPORT_BODY_BYTES`]), authentication (reads only:
    /// an unenrolled, revoked or forged request writes nothing), the report's fields
    /// ([`Report::from_json`], each refused with its own code), the device's reports in the
    /// window (a read: a device at its limit spends nothing), the nonce (the first write), then
    /// the report, admitted against the current count in the same transaction that writes it.
    /// The item and the note are never logged.
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn report(&self, req: &Incoming) -> Result<ReportReceipt, ApiError> {
        if req.body.len() > MAX_REPORT_BODY_BYTES {
            return Err(ApiError::new(
                413,
                codes::TOO_LARGE,
                format!("a report is at most {MAX_REPORT_BODY_BYTES} bytes"),
            ));
        }
        let authed = self.authenticate(req)?;
        let d = &authed.device;
        let now = authed.now;
        let report = Report::from_json(&req.body, now).map_err(|e| {
            tracing::info!(device = %d.device_id, code = e.code(), "report refused");
            ApiError::new(400, e.code(), e.to_string())
        })?;
        let max = self.config.report_max;
        let since = now.saturating_sub(self.config.report_window_secs);
        if self.store.reports_since(&d.device_id, since)? >= max {
            tracing::warn!(device = %d.device_id, "report rate limit reached");
            return Err(self.rate_limited());
        }
        self.use_nonce(&d.device_id, req, now)?;
        let new = NewReport {
            device_id: d.device_id.clone(),
            kind: report.kind.code().to_owned(),
            item: report.item.clone(),
            dedup_key: report.dedup_key(&d.device_id),
            verdict: report.verdict.clone(),
            note: report.note.clone(),
            observed_at: report.observed_at,
            received_at: now,
        };
        match self.store.add_report(&new, since, max)? {
            ReportAdmission::Added { id } => {
                tracing::info!(device = %d.device_id, id, kind = %report.kind, "report received");
                Ok(ReportReceipt {
                    id,
                    received_at: now,
                })
            }
            ReportAdmission::Refused { .. } => {
                tracing::warn!(device = %d.device_id, "report rate limit reached");
                Err(self.rate_limited())
            }
        }
    }

    /// `POST /v1/report/status`: where the device's own reports stand (another device's
    /// reports, and numbers the desk does not have, are left out; IT's reason is not given).
    ///
    /// Order: authentication (reads only), the body (1 to [`MAX_REPORT_STATUS_IDS`] numbers),
    /// the nonce, the read.
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn report_status(&self, req: &Incoming) -> Result<ReportStatusAnswer, ApiError> {
        let authed = self.authenticate(req)?;
        let body: ReportStatusRequest = Self::parse(&req.body)?;
        if body.ids.is_empty() || body.ids.len() > MAX_REPORT_STATUS_IDS {
            return Err(ApiError::bad_request(format!(
                "ask about 1 to {MAX_REPORT_STATUS_IDS} reports"
            )));
        }
        let d = &authed.device;
        self.use_nonce(&d.device_id, req, authed.now)?;
        let reports = self
            .store
            .reports_of_device(&d.device_id, &body.ids)?
            .into_iter()
            .map(|r| ReportOutcome {
                id: r.id,
                state: match r.status {
                    ReportStatus::New => ReportState::New,
                    ReportStatus::Confirmed => ReportState::Confirmed,
                    ReportStatus::Rejected => ReportState::Rejected,
                },
                resolved_at: r.resolved_at,
            })
            .collect();
        Ok(ReportStatusAnswer { reports })
    }
}
