//! What the device says about itself: host name, OS and app version (recorded at enrolment), and
//! its time zone and locale (the second region signal, sent with every check).
//!
//! Detection never fails: a value that cannot be read is reported as unknown, and the desk's
//! region check then says so instead of guessing.

use crate::proto::{DeviceFacts, RegionSignals};

/// The host name, OS and `app_version` of this device.
#[must_use]
pub fn detect_facts(app_version: &str) -> DeviceFacts {
    DeviceFacts {
        hostname: gethostname::gethostname().to_string_lossy().into_owned(),
        os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        app_version: app_version.to_owned(),
    }
}

/// The device's IANA time zone and BCP 47 locale, as the OS reports them.
#[must_use]
pub fn detect_signals() -> RegionSignals {
    RegionSignals {
        timezone: iana_time_zone::get_timezone().ok(),
        locale: sys_locale::get_locale(),
    }
}
