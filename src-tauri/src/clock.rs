//! The shell's one read of the wall clock. Everything below the shell takes time as a value
//! (`verity_core::Timestamp`), so tests move it freely.

use verity_core::Timestamp;

/// The current moment, in whole seconds since the Unix epoch.
#[allow(clippy::disallowed_methods)]
#[must_use]
pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// The same clock for the device rules (`verity_device::Clock`), so that the device commands
/// read the time here too.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShellClock;

impl verity_device::Clock for ShellClock {
    fn now(&self) -> u64 {
        u64::try_from(now().0).unwrap_or(0)
    }
}
