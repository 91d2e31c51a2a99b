//! Properties of the feed schedule and freshness: waits stay in their bounds whatever the
//! randomness, back-off never shrinks as failures grow, and a list is stale exactly when its
//! verified metadata has expired.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use proptest::prelude::*;
use verity_core::Timestamp;
use verity_feed_policy::schedule::{
    backoff, freshness, next_sync, start_delay, success_wait, FeedFacts, Freshness, SyncRecord,
    BACKOFF_BASE, DEFAULT_INTERVAL, MAX_WAIT, START_JITTER,
};

proptest! {
    #[test]
    fn start_delay_is_within_a_minute(r in any::<f64>()) {
        let d = start_delay(r);
        prop_assert!((0..=START_JITTER).contains(&d));
    }

    #[test]
    fn backoff_is_bounded_and_follows_the_formula(n in 1u32..64, r in 0.0f64..1.0) {
        let b = backoff(n, r);
        prop_assert!((BACKOFF_BASE..=MAX_WAIT).contains(&b));
        let step = (BACKOFF_BASE as f64) * 2f64.powi(i32::try_from(n - 1).unwrap());
        let expected = (step * (1.0 + r)).floor().min(MAX_WAIT as f64);
        prop_assert!((b as f64 - expected).abs() <= 1.0, "n={n} r={r} b={b} expected={expected}");
    }

    #[test]
    fn backoff_never_shrinks_with_more_failures(n in 1u32..40, r in 0.0f64..1.0) {
        prop_assert!(backoff(n + 1, r) >= backoff(n, r));
    }

    #[test]
    fn the_next_sync_is_after_the_last_attempt(
        success in proptest::option::of(0i64..2_000_000_000),
        failure in proptest::option::of(0i64..2_000_000_000),
        failures in 0u32..30,
        min_wait in proptest::option::of(any::<u64>()),
        r in 0.0f64..1.0,
    ) {
        let rec = SyncRecord {
            last_success: success.map(Timestamp),
            last_failure: failure.map(Timestamp),
            failures: if failure.is_some() { failures } else { 0 },
            min_wait,
        };
        match next_sync(&rec, DEFAULT_INTERVAL, r) {
            None => prop_assert!(success.is_none() && (failure.is_none() || rec.failures == 0)),
            Some(t) => {
                let last = if rec.failures > 0 { failure.unwrap() } else { success.unwrap() };
                prop_assert!(t.0 > last);
                prop_assert!(t.0 - last <= MAX_WAIT);
                if rec.failures == 0 {
                    prop_assert_eq!(t.0 - last, success_wait(DEFAULT_INTERVAL, min_wait));
                }
            }
        }
    }

    #[test]
    fn stale_exactly_when_expired(
        updated in 0i64..1_000_000,
        valid in 1i64..1_000_000,
        now in 0i64..3_000_000,
        failures in 0u32..5,
    ) {
        let now = Timestamp(now.max(updated));
        let facts = FeedFacts {
            configured: true,
            version: Some(3),
            last_success: Some(Timestamp(updated)),
            expires: Some(Timestamp(updated + valid)),
            failures,
            failing_since: (failures > 0).then_some(Timestamp(updated)),
            last_failure: (failures > 0).then_some(Timestamp(updated)),
            reason: (failures > 0).then(|| "network".to_owned()),
        };
        let f = freshness(&facts, now);
        let expired = updated + valid <= now.0;
        prop_assert_eq!(matches!(f, Freshness::Stale { .. }), expired);
        if !expired {
            prop_assert_eq!(matches!(f, Freshness::Failing { .. }), failures > 0);
        }
        match f {
            Freshness::Fresh { age, .. } | Freshness::Stale { age, .. } => {
                prop_assert_eq!(age, now.0 - updated);
            }
            _ => {}
        }
    }
}
