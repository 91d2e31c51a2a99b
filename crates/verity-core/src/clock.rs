//! Time as a value. The core never reads the clock; callers pass the current time in.

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch, UTC. Crosses IPC as a JS number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(transparent)]
pub struct Timestamp(#[cfg_attr(feature = "specta", specta(type = u32))] pub i64);

impl Timestamp {
    /// Seconds elapsed from `earlier` to `self`, never negative.
    #[must_use]
    pub fn seconds_since(self, earlier: Timestamp) -> i64 {
        (self.0 - earlier.0).max(0)
    }

    /// The UTC calendar date and time: (year, month, day, hour, minute, second).
    #[must_use]
    pub fn to_utc(self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        (year, month as u32, day as u32, h as u32, m as u32, s as u32)
    }

    /// RFC 3339 in UTC, e.g. `2026-01-01T00:00:00Z`.
    #[must_use]
    pub fn to_rfc3339(self) -> String {
        let (y, mo, d, h, mi, s) = self.to_utc();
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }

    /// The UTC date, e.g. `2026-01-01`.
    #[must_use]
    pub fn to_date(self) -> String {
        let (y, mo, d, ..) = self.to_utc();
        format!("{y:04}-{mo:02}-{d:02}")
    }

    /// The calendar date on a clock `offset_seconds` ahead of UTC (the local date, given the
    /// local offset at this moment), e.g. `2026-01-01`.
    #[must_use]
    pub fn date_at_offset(self, offset_seconds: i32) -> String {
        Timestamp(self.0.saturating_add(i64::from(offset_seconds))).to_date()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(1_767_225_600).to_rfc3339(),
            "2026-01-01T00:00:00Z"
        );
        assert_eq!(Timestamp(951_782_400).to_date(), "2000-02-29");
        assert_eq!(
            Timestamp(1_798_761_599).to_rfc3339(),
            "2026-12-31T23:59:59Z"
        );
        assert_eq!(Timestamp(-86_400).to_date(), "1969-12-31");
    }

    #[test]
    fn local_dates_follow_the_offset() {
        // 2026-01-01T23:30:00Z is already 2 January in Hong Kong (+08:00), still 1 January in
        // New York (-05:00).
        let t = Timestamp(1_767_225_600 + 23 * 3600 + 1800);
        assert_eq!(t.date_at_offset(0), "2026-01-01");
        assert_eq!(t.date_at_offset(8 * 3600), "2026-01-02");
        assert_eq!(t.date_at_offset(-5 * 3600), "2026-01-01");
        assert_eq!(Timestamp(1_767_225_600).date_at_offset(-1), "2025-12-31");
    }
}
