//! When a done step falls due again: intervals in days or calendar months, and the policy that
//! gives each recurring step its interval.

use serde::{Deserialize, Serialize};

use super::*;
use verity_core::clock::Timestamp;

/// A recurrence interval. Months are calendar months (the 31st becomes the last day of a shorter
/// month).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    /// A number of days (1 to 3650).
    Days(u32),
    /// A number of calendar months (1 to 120).
    Months(u32),
}

impl Interval {
    /// Every three months: the drill.
    pub const QUARTER: Interval = Interval::Months(3);
    /// Every twelve months: the training.
    pub const YEAR: Interval = Interval::Months(12);

    /// Whether the interval is within its bounds.
    #[must_use]
    pub fn is_valid(self) -> bool {
        match self {
            Interval::Days(d) => (1..=3650).contains(&d),
            Interval::Months(m) => (1..=120).contains(&m),
        }
    }

    /// The moment one interval after `t` (same time of day, UTC).
    #[must_use]
    pub fn after(self, t: Timestamp) -> Timestamp {
        match self {
            Interval::Days(d) => Timestamp(t.0.saturating_add(i64::from(d) * 86_400)),
            Interval::Months(m) => add_months(t, m),
        }
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Interval::Days(d) => write!(f, "{d} days"),
            Interval::Months(m) => write!(f, "{m} months"),
        }
    }
}

pub(super) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    // Howard Hinnant's days_from_civil, the inverse of `Timestamp::to_utc`.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(super) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

pub(super) fn add_months(t: Timestamp, months: u32) -> Timestamp {
    let (y, m, d, ..) = t.to_utc();
    let secs = t.0.rem_euclid(86_400);
    let total = i64::from(m) - 1 + i64::from(months);
    let y = y + total.div_euclid(12);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let m = (total.rem_euclid(12) + 1) as u32;
    let d = d.min(days_in_month(y, m));
    Timestamp(days_from_civil(y, m, d) * 86_400 + secs)
}

/// Reads a `YYYY-MM-DD` date as midnight UTC (for a drill date typed by an administrator).
#[must_use]
pub fn parse_date(s: &str) -> Option<Timestamp> {
    let mut parts = s.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(Timestamp(days_from_civil(y, m, d) * 86_400))
}

/// How often the recurring steps fall due again. `None` means the step never recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RecurrencePolicy {
    /// Step 1 (default: never; a new scan can always be recorded).
    pub remove_unofficial_numbers: Option<Interval>,
    /// Step 2 (default: never).
    pub announce_official_path: Option<Interval>,
    /// Step 3 (default: never).
    pub alerts_on: Option<Interval>,
    /// Step 4: the default drill schedule when the owner names none (default: each quarter).
    /// The step falls due on the recorded next drill date.
    pub drill_owner: Option<Interval>,
    /// Step 5 (default: each year).
    pub training: Option<Interval>,
}

impl Default for RecurrencePolicy {
    fn default() -> Self {
        RecurrencePolicy {
            remove_unofficial_numbers: None,
            announce_official_path: None,
            alerts_on: None,
            drill_owner: Some(Interval::QUARTER),
            training: Some(Interval::YEAR),
        }
    }
}

impl RecurrencePolicy {
    /// The interval of `step`.
    #[must_use]
    pub fn interval(&self, step: StepId) -> Option<Interval> {
        match step {
            StepId::RemoveUnofficialNumbers => self.remove_unofficial_numbers,
            StepId::AnnounceOfficialPath => self.announce_official_path,
            StepId::AlertsOn => self.alerts_on,
            StepId::DrillOwner => self.drill_owner,
            StepId::Training => self.training,
        }
    }

    /// Sets the interval of `step`.
    pub fn set_interval(&mut self, step: StepId, interval: Option<Interval>) {
        let slot = match step {
            StepId::RemoveUnofficialNumbers => &mut self.remove_unofficial_numbers,
            StepId::AnnounceOfficialPath => &mut self.announce_official_path,
            StepId::AlertsOn => &mut self.alerts_on,
            StepId::DrillOwner => &mut self.drill_owner,
            StepId::Training => &mut self.training,
        };
        *slot = interval;
    }

    /// Checks every interval's bounds.
    ///
    /// # Errors
    /// [`EvidenceError::BadInterval`] for the first interval out of bounds.
    pub fn validate(&self) -> Result<(), EvidenceError> {
        for step in StepId::ALL {
            if let Some(i) = self.interval(*step) {
                if !i.is_valid() {
                    return Err(EvidenceError::BadInterval(i));
                }
            }
        }
        Ok(())
    }
}
