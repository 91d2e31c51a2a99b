//! When: a drill's window of working days and each device's moment in it, uniform over the
//! window's working hours (Monday to Friday, 09:00–18:00 in the drill time zone, a fixed UTC
//! offset); calendar helpers (quarters, adding months) in the same zone.

/// Working hours start (09:00), seconds into the local day.
pub const WORK_START: u64 = 9 * 3600;
/// Working hours end (18:00), seconds into the local day.
pub const WORK_END: u64 = 18 * 3600;
/// The most working days a window has.
pub const MAX_WORKING_DAYS: u32 = 30;
/// The default drill time zone: UTC+08:00 (Hong Kong).
pub const DEFAULT_UTC_OFFSET_SECS: i32 = 8 * 3600;

/// Why a window cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// `working_days` out of 1–30.
    #[error("working_days must be 1 to {MAX_WORKING_DAYS}")]
    WorkingDays,
    /// The time is out of range.
    #[error("the start is out of range")]
    Range,
}

/// A day number (days since 1970-01-01) as (year, month, day) — Howard Hinnant's algorithm.
#[must_use]
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

/// (year, month, day) as a day number.
#[must_use]
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn local(secs: u64, offset: i32) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX / 2) + i64::from(offset)
}

fn utc(local_secs: i64, offset: i32) -> u64 {
    u64::try_from(local_secs - i64::from(offset)).unwrap_or(0)
}

/// Monday to Friday (day 0, 1970-01-01, was a Thursday).
#[must_use]
pub fn is_working_day(day: i64) -> bool {
    // 0 = Monday.
    (day + 3).rem_euclid(7) < 5
}

/// The working intervals `[from, to)` of a window of `working_days` working days from `start`
/// (a day counts when some of its working hours are left after `start`).
///
/// # Errors
/// [`ScheduleError`].
pub fn working_intervals(
    start: u64,
    working_days: u32,
    offset: i32,
) -> Result<Vec<(u64, u64)>, ScheduleError> {
    if !(1..=MAX_WORKING_DAYS).contains(&working_days) {
        return Err(ScheduleError::WorkingDays);
    }
    if start > 1 << 40 {
        return Err(ScheduleError::Range);
    }
    let l = local(start, offset);
    let mut day = l.div_euclid(86_400);
    let mut out = Vec::new();
    while out.len() < working_days as usize {
        if is_working_day(day) {
            let from = utc(
                day * 86_400 + i64::try_from(WORK_START).unwrap_or(0),
                offset,
            );
            let to = utc(day * 86_400 + i64::try_from(WORK_END).unwrap_or(0), offset);
            if to > start {
                out.push((from.max(start), to));
            }
        }
        day += 1;
    }
    Ok(out)
}

/// The window's end: the end of its last working interval.
#[must_use]
pub fn window_end(intervals: &[(u64, u64)]) -> u64 {
    intervals.last().map_or(0, |i| i.1)
}

/// The moment at `r` (any number; taken modulo the working seconds) of the intervals: uniform
/// over their working seconds when `r` is.
#[must_use]
pub fn moment(intervals: &[(u64, u64)], r: u64) -> u64 {
    let total: u64 = intervals.iter().map(|(a, b)| b - a).sum();
    if total == 0 {
        return intervals.first().map_or(0, |i| i.0);
    }
    let mut left = r % total;
    for (a, b) in intervals {
        let len = b - a;
        if left < len {
            return a + left;
        }
        left -= len;
    }
    window_end(intervals)
}

/// A random number from the OS.
///
/// # Errors
/// The OS random source failed.
pub fn random_u64() -> Result<u64, getrandom::Error> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// `"2026-Q4"`: the calendar quarter of `secs` in the drill time zone.
#[must_use]
pub fn quarter(secs: u64, offset: i32) -> String {
    let (y, m, _) = civil_from_days(local(secs, offset).div_euclid(86_400));
    format!("{y:04}-Q{}", (m - 1) / 3 + 1)
}

/// `secs` plus `months` calendar months in the drill time zone (the day clamped to the month's
/// last).
#[must_use]
pub fn add_months(secs: u64, months: u32, offset: i32) -> u64 {
    let l = local(secs, offset);
    let day = l.div_euclid(86_400);
    let rem = l.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(day);
    let total = y * 12 + i64::from(m - 1) + i64::from(months);
    let (ny, nm) = (
        total.div_euclid(12),
        u32::try_from(total.rem_euclid(12)).unwrap_or(0) + 1,
    );
    let last = days_from_civil(
        if nm == 12 { ny + 1 } else { ny },
        if nm == 12 { 1 } else { nm + 1 },
        1,
    ) - days_from_civil(ny, nm, 1);
    let nd = d.min(u32::try_from(last).unwrap_or(28));
    utc(days_from_civil(ny, nm, nd) * 86_400 + rem, offset)
}

/// `+08:00`-style offsets (also `Z`, `+8`, `-05:30`) as seconds.
///
/// # Errors
/// A message when it does not parse or is beyond ±14:00.
pub fn parse_utc_offset(s: &str) -> Result<i32, String> {
    let s = s.trim();
    if s == "Z" || s == "z" {
        return Ok(0);
    }
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(format!("{s}: give an offset like +08:00")),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let h: i32 = h.parse().map_err(|_| format!("{s}: bad hours"))?;
    let m: i32 = m.parse().map_err(|_| format!("{s}: bad minutes"))?;
    if !(0..=14).contains(&h) || !(0..60).contains(&m) || h * 60 + m > 14 * 60 {
        return Err(format!("{s}: beyond ±14:00"));
    }
    Ok(sign * (h * 3600 + m * 60))
}

/// RFC 3339 (`2026-12-07T09:00:00+08:00`, `...Z`) as Unix seconds.
///
/// # Errors
/// A message when it does not parse.
pub fn parse_rfc3339(s: &str) -> Result<u64, String> {
    let bad = || format!("{s}: give a time like 2026-12-07T09:00:00+08:00");
    let s = s.trim();
    let (date, time) = s.split_once(['T', 't', ' ']).ok_or_else(bad)?;
    let mut d = date.split('-');
    let y: i64 = d.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let mo: u32 = d.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let da: u32 = d.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || !(1970..=9999).contains(&y) {
        return Err(bad());
    }
    let split = time.find(['Z', 'z', '+', '-']).ok_or_else(bad)?;
    let (clock, zone) = time.split_at(split);
    let mut c = clock.split(':');
    let h: i64 = c.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let mi: i64 = c.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let se: f64 = c
        .next()
        .map_or(Some(0.0), |x| x.parse().ok())
        .ok_or_else(bad)?;
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0.0..61.0).contains(&se) {
        return Err(bad());
    }
    let offset = parse_utc_offset(zone).map_err(|_| bad())?;
    #[allow(clippy::cast_possible_truncation)]
    let secs = days_from_civil(y, mo, da) * 86_400 + h * 3600 + mi * 60 + se as i64;
    u64::try_from(secs - i64::from(offset)).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const HK: i32 = 8 * 3600;

    #[test]
    fn calendar_round_trips() {
        for day in [-1000, 0, 59, 60, 365, 11_016, 20_000, 20_793] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        // 2026-12-07 is a Monday.
        let mon = days_from_civil(2026, 12, 7);
        assert!(is_working_day(mon));
        assert!(is_working_day(mon + 4));
        assert!(!is_working_day(mon + 5));
        assert!(!is_working_day(mon + 6));
        assert_eq!(parse_rfc3339("1970-01-01T08:00:00+08:00").unwrap(), 0);
        assert_eq!(
            parse_rfc3339("2026-12-07T01:00:00Z").unwrap(),
            1_796_605_200
        );
        assert!(parse_rfc3339("2026-13-07T01:00:00Z").is_err());
        assert_eq!(parse_utc_offset("-05:30").unwrap(), -19_800);
        assert!(parse_utc_offset("+15:00").is_err());
        assert_eq!(
            quarter(parse_rfc3339("2026-12-31T23:30:00+08:00").unwrap(), HK),
            "2026-Q4"
        );
        assert_eq!(
            quarter(parse_rfc3339("2026-12-31T23:30:00+08:00").unwrap(), 0),
            "2026-Q4"
        );
        assert_eq!(
            quarter(parse_rfc3339("2027-01-01T00:30:00+08:00").unwrap(), HK),
            "2027-Q1"
        );
        assert_eq!(
            quarter(parse_rfc3339("2027-01-01T00:30:00+08:00").unwrap(), 0),
            "2026-Q4"
        );
        let nov30 = parse_rfc3339("2026-11-30T10:00:00+08:00").unwrap();
        assert_eq!(
            add_months(nov30, 3, HK),
            parse_rfc3339("2027-02-28T10:00:00+08:00").unwrap()
        );
        assert_eq!(
            add_months(nov30, 12, HK),
            parse_rfc3339("2027-11-30T10:00:00+08:00").unwrap()
        );
    }

    #[test]
    fn a_window_is_its_working_hours() {
        // Friday 2026-12-11 15:00 in Hong Kong, 3 working days: Fri 15–18, Mon 9–18, Tue 9–18.
        let start = parse_rfc3339("2026-12-11T15:00:00+08:00").unwrap();
        let iv = working_intervals(start, 3, HK).unwrap();
        let t = |s: &str| parse_rfc3339(s).unwrap();
        assert_eq!(
            iv,
            vec![
                (start, t("2026-12-11T18:00:00+08:00")),
                (
                    t("2026-12-14T09:00:00+08:00"),
                    t("2026-12-14T18:00:00+08:00")
                ),
                (
                    t("2026-12-15T09:00:00+08:00"),
                    t("2026-12-15T18:00:00+08:00")
                ),
            ]
        );
        // After hours on a Friday: the day does not count.
        let late = t("2026-12-11T19:00:00+08:00");
        let iv = working_intervals(late, 1, HK).unwrap();
        assert_eq!(
            iv,
            vec![(
                t("2026-12-14T09:00:00+08:00"),
                t("2026-12-14T18:00:00+08:00")
            )]
        );
        assert!(working_intervals(start, 0, HK).is_err());
        assert!(working_intervals(start, 31, HK).is_err());
        // Moments map onto working hours only, and cover them uniformly.
        let iv = working_intervals(start, 3, HK).unwrap();
        assert_eq!(moment(&iv, 0), start);
        assert_eq!(moment(&iv, 3 * 3600), t("2026-12-14T09:00:00+08:00"));
        assert_eq!(moment(&iv, 3 * 3600 - 1), t("2026-12-11T17:59:59+08:00"));
        let total = 21 * 3600;
        assert_eq!(moment(&iv, total), start, "wraps");
        let mut per = [0u32; 3];
        for i in 0..2100u64 {
            let m = moment(&iv, i * 36 + 7);
            let k = iv.iter().position(|(a, b)| (*a..*b).contains(&m)).unwrap();
            per[k] += 1;
        }
        assert_eq!(per, [300, 900, 900]);
        // In another zone, another day's hours.
        let iv = working_intervals(t("2026-12-07T00:00:00Z"), 1, 0).unwrap();
        assert_eq!(
            iv,
            vec![(t("2026-12-07T09:00:00Z"), t("2026-12-07T18:00:00Z"))]
        );
    }
}
