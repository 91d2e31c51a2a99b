//! `POST /v1/checkin`: a bound device tells its desk how its protection looks — the app's
//! version, the feed version it holds and when it last synced, how much of the checklist is
//! done — so the organisation's console can show who is stale and since when, and checklist
//! completion by team. Signed like every device request; nothing personal beyond what the
//! binding already says, and never a check's input or a threat's value.

use serde::{Deserialize, Serialize};

/// The longest app version accepted.
pub const MAX_APP_VERSION_CHARS: usize = 32;
/// The most checklist steps a device may say it has.
pub const MAX_CHECKLIST_STEPS: u32 = 64;

/// The device's feed, as it holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedState {
    /// The feed version held (0: none yet).
    pub version: u64,
    /// When the last sync succeeded (device clock, Unix seconds; 0: never).
    pub synced_at: u64,
    /// Whether the feed is the organisation's own (provisioned or handed over at enrolment).
    pub organisation: bool,
}

/// The device's checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistState {
    /// Steps done.
    pub done: u32,
    /// Steps in all.
    pub total: u32,
}

/// `POST /v1/checkin` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    /// The app's version (`1.2.3`, `0.1.0-beta.1`).
    pub app_version: String,
    /// The feed, when the device syncs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed: Option<FeedState>,
    /// The checklist, when it has been started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checklist: Option<ChecklistState>,
}

/// `POST /v1/checkin` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInReceipt {
    /// When the desk received it, Unix seconds.
    pub received_at: u64,
}

/// Why a check-in is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the check-in is not acceptable: {0}")]
pub struct CheckInError(pub &'static str);

impl CheckIn {
    /// Checks the fields: a version of 1 to 32 characters from `[0-9A-Za-z.+-]`, a sync time no
    /// later than `now` plus the allowed clock skew (when given), at most 64 checklist steps and
    /// no more done than there are.
    ///
    /// # Errors
    /// [`CheckInError`] naming the field.
    pub fn validate(&self, now: Option<u64>) -> Result<(), CheckInError> {
        let v = &self.app_version;
        if v.is_empty()
            || v.chars().count() > MAX_APP_VERSION_CHARS
            || !v
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
        {
            return Err(CheckInError("app_version"));
        }
        if let (Some(f), Some(now)) = (&self.feed, now) {
            if f.synced_at > now.saturating_add(super::MAX_CLOCK_SKEW_SECS) {
                return Err(CheckInError("feed.synced_at is in the future"));
            }
        }
        if let Some(c) = &self.checklist {
            if c.total > MAX_CHECKLIST_STEPS || c.done > c.total {
                return Err(CheckInError("checklist"));
            }
        }
        Ok(())
    }

    /// Reads and validates a check-in body as the desk receives it.
    ///
    /// # Errors
    /// [`CheckInError`].
    pub fn from_json(body: &[u8], now: u64) -> Result<CheckIn, CheckInError> {
        let c: CheckIn =
            serde_json::from_slice(body).map_err(|_| CheckInError("not a check-in"))?;
        c.validate(Some(now))?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn good() -> CheckIn {
        CheckIn {
            app_version: "0.1.0".into(),
            feed: Some(FeedState {
                version: 7,
                synced_at: 1_800_000_000,
                organisation: true,
            }),
            checklist: Some(ChecklistState { done: 3, total: 6 }),
        }
    }

    #[test]
    fn fields_are_checked_one_by_one() {
        let now = 1_800_000_000;
        good().validate(Some(now)).unwrap();
        let body = serde_json::to_vec(&good()).unwrap();
        assert_eq!(CheckIn::from_json(&body, now).unwrap(), good());

        let mut c = good();
        c.app_version = "1.0 <script>".into();
        assert_eq!(c.validate(None).unwrap_err().0, "app_version");
        c.app_version = "9".repeat(33);
        assert_eq!(c.validate(None).unwrap_err().0, "app_version");
        let mut c = good();
        c.feed.as_mut().unwrap().synced_at = now + 3600;
        assert!(c.validate(Some(now)).is_err());
        let mut c = good();
        c.checklist = Some(ChecklistState { done: 7, total: 6 });
        assert_eq!(c.validate(None).unwrap_err().0, "checklist");
        c.checklist = Some(ChecklistState { done: 0, total: 65 });
        assert!(c.validate(None).is_err());
        assert!(CheckIn::from_json(br#"{"app_version":"1","extra":1}"#, now).is_err());
        assert!(CheckIn::from_json(b"\xff", now).is_err());
        CheckIn::from_json(br#"{"app_version":"1"}"#, now).unwrap();
    }
}
