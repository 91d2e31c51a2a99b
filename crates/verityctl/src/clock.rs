//! The one place `verityctl` reads the clock; everything below takes time as a value.

use verity_core::Timestamp;

/// Now, in Unix seconds.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Timestamp(secs)
}
