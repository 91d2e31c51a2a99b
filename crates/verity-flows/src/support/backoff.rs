//! Reconnection delays: exponential, capped, with jitter so that many apps dropped by one desk
//! restart do not come back in the same second.

use std::time::Duration;

/// The first delay.
pub const FIRST: Duration = Duration::from_millis(250);
/// The longest delay.
pub const CAP: Duration = Duration::from_secs(30);

/// Exponential backoff: [`FIRST`], doubling up to [`CAP`], each delay between half and all of
/// its step.
#[derive(Debug, Clone)]
pub struct Backoff {
    step: Duration,
    first: Duration,
    cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(FIRST, CAP)
    }
}

impl Backoff {
    /// From `first` doubling up to `cap`.
    #[must_use]
    pub fn new(first: Duration, cap: Duration) -> Backoff {
        Backoff {
            step: first,
            first,
            cap: cap.max(first),
        }
    }

    /// The next delay.
    pub fn next_delay(&mut self) -> Duration {
        let step = self.step;
        self.step = (self.step * 2).min(self.cap);
        let mut b = [0u8; 2];
        let jitter = if verity_device::proto::random_bytes(&mut b).is_ok() {
            f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX)
        } else {
            1.0
        };
        step.mul_f64(0.5 + 0.5 * jitter)
    }

    /// After a success: start again from the first delay.
    pub fn reset(&mut self) {
        self.step = self.first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(800));
        let steps: Vec<Duration> = (0..6).map(|_| b.next_delay()).collect();
        for (d, step) in steps.iter().zip([100u64, 200, 400, 800, 800, 800]) {
            assert!(*d <= Duration::from_millis(step), "{d:?} > {step}");
            assert!(*d >= Duration::from_millis(step / 2), "{d:?} < {step}/2");
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }
}
