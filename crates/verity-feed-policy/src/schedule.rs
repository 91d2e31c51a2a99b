//! When the app syncs the signed feed, and what it tells the user about the list's freshness.
//!
//! Pure arithmetic: the caller passes the time ([`Timestamp`]) and the randomness (a fraction in
//! `[0, 1)`) in, so the schedule is testable to the second.
//!
//! - After start: one sync [`START_JITTER`] seconds at most after launch (spread over a fleet that
//!   boots at 9 a.m.).
//! - After a success: every `interval` ([`DEFAULT_INTERVAL`]), or the feed's minimum wait when it
//!   asks for longer (capped at [`MAX_WAIT`]).
//! - After the `n`th failure in a row: Safe Browsing's back-off,
//!   `min(2^(n-1) · 15 min · (1 + rand), 24 h)`.
//!
//! [`Freshness`] is what Home, the tray and every verdict say about the list: its version and age,
//! that updates have been failing since when and why, that it is stale (the verified metadata
//! expired without a new sync), or that no feed is configured.

use serde::{Deserialize, Serialize};
use verity_core::clock::Timestamp;

/// Seconds between syncs when the feed asks for nothing longer: 30 minutes.
pub const DEFAULT_INTERVAL: i64 = 30 * 60;
/// The first sync after start happens within this many seconds.
pub const START_JITTER: i64 = 60;
/// The first back-off step: 15 minutes.
pub const BACKOFF_BASE: i64 = 15 * 60;
/// No wait is ever longer than a day: neither a back-off nor a feed's minimum wait.
pub const MAX_WAIT: i64 = 24 * 60 * 60;
/// The shortest interval a user setting may ask for (the feed's minimum wait still applies).
pub const MIN_INTERVAL: i64 = 5 * 60;

/// A random fraction, clamped into `[0, 1)` (NaN counts as 0).
fn unit(rand: f64) -> f64 {
    if rand.is_nan() {
        0.0
    } else {
        rand.clamp(0.0, 1.0 - f64::EPSILON)
    }
}

/// Seconds from start to the first sync: `0..=START_JITTER`, spread by `rand`.
#[must_use]
pub fn start_delay(rand: f64) -> i64 {
    // Exact: START_JITTER is tiny, the product is in [0, 60).
    #[allow(clippy::cast_possible_truncation)]
    let s = (unit(rand) * (START_JITTER + 1) as f64).floor() as i64;
    s.clamp(0, START_JITTER)
}

/// The back-off after `failures` failures in a row: `min(2^(n-1) · 15 min · (1 + rand), 24 h)`;
/// 0 when nothing failed.
#[must_use]
pub fn backoff(failures: u32, rand: f64) -> i64 {
    if failures == 0 {
        return 0;
    }
    // 2^7 · 15 min already exceeds a day: larger exponents change nothing.
    let doublings = (failures - 1).min(7);
    let base = BACKOFF_BASE << doublings;
    #[allow(clippy::cast_possible_truncation)]
    let s = (base as f64 * (1.0 + unit(rand))).floor() as i64;
    s.clamp(BACKOFF_BASE, MAX_WAIT)
}

/// The wait after a success: `interval` (at least [`MIN_INTERVAL`]), or the feed's minimum wait
/// when longer, never more than [`MAX_WAIT`].
#[must_use]
pub fn success_wait(interval: i64, min_wait: Option<u64>) -> i64 {
    let feed = min_wait.map_or(0, |w| i64::try_from(w).unwrap_or(i64::MAX));
    interval.max(MIN_INTERVAL).max(feed).min(MAX_WAIT)
}

/// What the schedule needs from the recorded feed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncRecord {
    /// The last successful sync.
    pub last_success: Option<Timestamp>,
    /// The last failed sync.
    pub last_failure: Option<Timestamp>,
    /// Failures in a row since the last success.
    pub failures: u32,
    /// The feed's minimum wait, in seconds.
    pub min_wait: Option<u64>,
}

/// When the next automatic sync is due after the attempts in `record`; `None` when nothing was
/// ever tried (due at once).
#[must_use]
pub fn next_sync(record: &SyncRecord, interval: i64, rand: f64) -> Option<Timestamp> {
    if record.failures > 0 {
        if let Some(at) = record.last_failure {
            return Some(Timestamp(
                at.0.saturating_add(backoff(record.failures, rand)),
            ));
        }
    }
    record
        .last_success
        .map(|at| Timestamp(at.0.saturating_add(success_wait(interval, record.min_wait))))
}

/// What the app knows about the feed, for [`freshness`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedFacts {
    /// Whether a feed URL is configured (settings, provisioning, or a past `verityctl sync`).
    pub configured: bool,
    /// The feed version applied, if any.
    pub version: Option<u64>,
    /// The last successful sync.
    pub last_success: Option<Timestamp>,
    /// When the verified metadata expires.
    pub expires: Option<Timestamp>,
    /// Failures in a row since the last success.
    pub failures: u32,
    /// The first failure of the current run of failures.
    pub failing_since: Option<Timestamp>,
    /// The last failure.
    pub last_failure: Option<Timestamp>,
    /// The last failure's stable code (`network`, `bad_signature`, …).
    pub reason: Option<String>,
}

/// The list's freshness, for Home, the tray tooltip and every verdict. The UI words it (ages with
/// `Intl.RelativeTimeFormat`); times are Unix seconds, ages seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Freshness {
    /// No feed is configured: the list is what came with Verity (sample data) or was imported.
    NotConfigured,
    /// A feed is configured and the first sync has not happened yet.
    Pending,
    /// The list is a verified feed version, within its validity.
    Fresh {
        /// The feed version.
        version: u32,
        /// When it was last confirmed current (the last successful sync).
        updated: Timestamp,
        /// Seconds since then.
        #[cfg_attr(feature = "specta", specta(type = u32))]
        age: i64,
        /// When the verified metadata expires.
        expires: Timestamp,
    },
    /// The last syncs failed; the list in force is the last good one (if any).
    Failing {
        /// The feed version in force, if any.
        version: Option<u32>,
        /// The last successful sync, if any.
        updated: Option<Timestamp>,
        /// Seconds since then, if any.
        #[cfg_attr(feature = "specta", specta(type = Option<u32>))]
        age: Option<i64>,
        /// The first failure in the current run.
        since: Timestamp,
        /// The last failure's stable code.
        reason: String,
        /// Failures in a row.
        failures: u32,
    },
    /// The verified metadata expired without a newer sync: the list may be out of date.
    Stale {
        /// The feed version in force.
        version: u32,
        /// The last successful sync.
        updated: Timestamp,
        /// Seconds since then.
        #[cfg_attr(feature = "specta", specta(type = u32))]
        age: i64,
        /// When the metadata expired.
        expired: Timestamp,
        /// Why the latest sync failed, when it did.
        reason: Option<String>,
    },
}

impl Freshness {
    /// The state's code (`fresh`, `failing`, …).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Freshness::NotConfigured => "not_configured",
            Freshness::Pending => "pending",
            Freshness::Fresh { .. } => "fresh",
            Freshness::Failing { .. } => "failing",
            Freshness::Stale { .. } => "stale",
        }
    }
}

fn small(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// The freshness of the list at `now`. A list is stale once its verified metadata has expired
/// (a frozen feed cannot make it look fresh); failures are told with their reason and start.
#[must_use]
pub fn freshness(facts: &FeedFacts, now: Timestamp) -> Freshness {
    let applied = facts.version.zip(facts.last_success);
    let failing = if facts.failures > 0 {
        facts
            .reason
            .clone()
            .map(|r| (r, facts.failing_since.or(facts.last_failure)))
    } else {
        None
    };
    if let Some((version, updated)) = applied {
        // Without a recorded expiry (never, after a success) a week is the limit.
        let expires = facts
            .expires
            .unwrap_or(Timestamp(updated.0.saturating_add(7 * 86_400)));
        if expires <= now {
            return Freshness::Stale {
                version: small(version),
                updated,
                age: now.seconds_since(updated),
                expired: expires,
                reason: failing.map(|(r, _)| r),
            };
        }
        if let Some((reason, since)) = failing {
            return Freshness::Failing {
                version: Some(small(version)),
                updated: Some(updated),
                age: Some(now.seconds_since(updated)),
                since: since.unwrap_or(now),
                reason,
                failures: facts.failures,
            };
        }
        return Freshness::Fresh {
            version: small(version),
            updated,
            age: now.seconds_since(updated),
            expires,
        };
    }
    if let Some((reason, since)) = failing {
        return Freshness::Failing {
            version: None,
            updated: None,
            age: None,
            since: since.unwrap_or(now),
            reason,
            failures: facts.failures,
        };
    }
    if facts.configured {
        Freshness::Pending
    } else {
        Freshness::NotConfigured
    }
}

/// A coarse age for short texts (the tray): whole minutes under an hour, hours under two days,
/// days beyond. Returns the unit (`minutes`, `hours`, `days`) and the count (at least 1 minute).
#[must_use]
pub fn coarse_age(seconds: i64) -> (&'static str, u64) {
    let s = u64::try_from(seconds.max(0)).unwrap_or(0);
    if s < 3600 {
        ("minutes", (s / 60).max(1))
    } else if s < 48 * 3600 {
        ("hours", s / 3600)
    } else {
        ("days", s / 86_400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_sync_is_within_a_minute() {
        assert_eq!(start_delay(0.0), 0);
        assert_eq!(start_delay(0.5), 30);
        assert_eq!(start_delay(0.999_999), 60);
        assert_eq!(start_delay(1.0), 60);
        assert_eq!(start_delay(-3.0), 0);
        assert_eq!(start_delay(f64::NAN), 0);
    }

    #[test]
    fn backoff_follows_safe_browsing() {
        assert_eq!(backoff(0, 0.5), 0);
        assert_eq!(backoff(1, 0.0), 15 * 60);
        assert_eq!(backoff(1, 0.5), 22 * 60 + 30);
        assert_eq!(backoff(2, 0.0), 30 * 60);
        assert_eq!(backoff(3, 0.0), 60 * 60);
        assert_eq!(backoff(3, 0.999), 7196);
        assert_eq!(backoff(7, 0.0), 16 * 3600);
        assert_eq!(backoff(7, 0.9), MAX_WAIT);
        assert_eq!(backoff(8, 0.0), MAX_WAIT);
        assert_eq!(backoff(u32::MAX, 0.0), MAX_WAIT);
    }

    #[test]
    fn success_waits_the_interval_or_the_feeds_minimum() {
        assert_eq!(success_wait(DEFAULT_INTERVAL, None), 1800);
        assert_eq!(success_wait(DEFAULT_INTERVAL, Some(600)), 1800);
        assert_eq!(success_wait(DEFAULT_INTERVAL, Some(7200)), 7200);
        assert_eq!(success_wait(DEFAULT_INTERVAL, Some(u64::MAX)), MAX_WAIT);
        assert_eq!(success_wait(1, None), MIN_INTERVAL);
    }

    #[test]
    fn next_sync_after_success_failure_and_never() {
        let ok = SyncRecord {
            last_success: Some(Timestamp(1000)),
            min_wait: Some(3600),
            ..SyncRecord::default()
        };
        assert_eq!(next_sync(&ok, DEFAULT_INTERVAL, 0.3), Some(Timestamp(4600)));
        let failed = SyncRecord {
            last_failure: Some(Timestamp(5000)),
            failures: 2,
            ..ok
        };
        assert_eq!(
            next_sync(&failed, DEFAULT_INTERVAL, 0.0),
            Some(Timestamp(5000 + 1800))
        );
        assert_eq!(
            next_sync(&SyncRecord::default(), DEFAULT_INTERVAL, 0.0),
            None
        );
    }

    fn synced() -> FeedFacts {
        FeedFacts {
            configured: true,
            version: Some(7),
            last_success: Some(Timestamp(10_000)),
            expires: Some(Timestamp(100_000)),
            ..FeedFacts::default()
        }
    }

    #[test]
    fn freshness_states() {
        let now = Timestamp(10_720);
        assert_eq!(
            freshness(&FeedFacts::default(), now),
            Freshness::NotConfigured
        );
        let pending = FeedFacts {
            configured: true,
            ..FeedFacts::default()
        };
        assert_eq!(freshness(&pending, now), Freshness::Pending);
        assert_eq!(
            freshness(&synced(), now),
            Freshness::Fresh {
                version: 7,
                updated: Timestamp(10_000),
                age: 720,
                expires: Timestamp(100_000)
            }
        );
        let failing = FeedFacts {
            failures: 3,
            failing_since: Some(Timestamp(10_100)),
            last_failure: Some(Timestamp(10_700)),
            reason: Some("network".into()),
            ..synced()
        };
        assert_eq!(
            freshness(&failing, now),
            Freshness::Failing {
                version: Some(7),
                updated: Some(Timestamp(10_000)),
                age: Some(720),
                since: Timestamp(10_100),
                reason: "network".into(),
                failures: 3
            }
        );
        // Expired metadata wins over everything: the list is stale, with the reason if any.
        let later = Timestamp(100_000);
        assert_eq!(freshness(&failing, later).code(), "stale");
        assert!(matches!(
            freshness(&synced(), later),
            Freshness::Stale { reason: None, .. }
        ));
        // Never synced, failing.
        let never = FeedFacts {
            configured: true,
            failures: 1,
            last_failure: Some(Timestamp(10_500)),
            reason: Some("bad_signature".into()),
            ..FeedFacts::default()
        };
        assert!(matches!(
            freshness(&never, now),
            Freshness::Failing {
                version: None,
                since: Timestamp(10_500),
                ..
            }
        ));
    }

    #[test]
    fn freshness_serialises_with_a_state_tag() {
        let json = serde_json::to_value(freshness(&synced(), Timestamp(10_060))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"state": "fresh", "version": 7, "updated": 10_000, "age": 60, "expires": 100_000})
        );
        let json = serde_json::to_value(Freshness::NotConfigured).unwrap();
        assert_eq!(json, serde_json::json!({"state": "not_configured"}));
    }

    #[test]
    fn coarse_ages() {
        assert_eq!(coarse_age(0), ("minutes", 1));
        assert_eq!(coarse_age(12 * 60 + 5), ("minutes", 12));
        assert_eq!(coarse_age(3600), ("hours", 1));
        assert_eq!(coarse_age(47 * 3600), ("hours", 47));
        assert_eq!(coarse_age(3 * 86_400), ("days", 3));
        assert_eq!(coarse_age(-5), ("minutes", 1));
    }
}
