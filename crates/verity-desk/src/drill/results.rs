//! The results math: totals (per drill, per team, per quarter), the median time to report,
//! repeat engagers, a drill's state.

use super::{schedule, DrillRecord, TargetRecord};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use verity_device::proto::drill::OutcomeEvent;

/// Repeat engagers are counted over drills whose window started within this (12 months).
pub const REPEAT_LOOKBACK_SECS: u64 = 365 * 86_400;

/// Counts and rates over some targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    /// Targets.
    pub targets: u32,
    /// Shown.
    pub delivered: u32,
    /// Reported.
    pub reported: u32,
    /// Engaged.
    pub engaged: u32,
    /// Ignored.
    pub ignored: u32,
    /// Delivered, no final outcome yet, not expired.
    pub pending: u32,
    /// `reported / delivered`; null when nothing was delivered.
    pub report_rate: Option<f64>,
    /// `engaged / delivered`; null when nothing was delivered.
    pub engage_rate: Option<f64>,
    /// The median of `outcome_at − delivered_at` over the reported (the lower middle of an even
    /// count); null when none.
    pub median_report_secs: Option<u64>,
}

/// The median of `v` (the lower middle of an even count).
#[must_use]
pub fn median(mut v: Vec<u64>) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[(v.len() - 1) / 2])
}

fn rate(n: u32, of: u32) -> Option<f64> {
    (of > 0).then(|| f64::from(n) / f64::from(of))
}

/// The totals of `targets` at `now`.
#[must_use]
pub fn totals<'a>(targets: impl IntoIterator<Item = &'a TargetRecord>, now: u64) -> Totals {
    let mut t = Totals {
        targets: 0,
        delivered: 0,
        reported: 0,
        engaged: 0,
        ignored: 0,
        pending: 0,
        report_rate: None,
        engage_rate: None,
        median_report_secs: None,
    };
    let mut times = Vec::new();
    for x in targets {
        t.targets += 1;
        if x.delivered_at.is_some() {
            t.delivered += 1;
        }
        match x.outcome {
            Some(OutcomeEvent::Reported) => {
                t.reported += 1;
                if let (Some(d), Some(o)) = (x.delivered_at, x.outcome_at) {
                    times.push(o.saturating_sub(d));
                }
            }
            Some(OutcomeEvent::Engaged) => t.engaged += 1,
            Some(OutcomeEvent::Ignored) => t.ignored += 1,
            Some(OutcomeEvent::Delivered) | None => {
                if x.delivered_at.is_some() && x.expires_at > now {
                    t.pending += 1;
                }
            }
        }
    }
    t.report_rate = rate(t.reported, t.delivered);
    t.engage_rate = rate(t.engaged, t.delivered);
    t.median_report_secs = median(times);
    t
}

/// One team's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamTotals {
    /// The team (`""` for none).
    pub team: String,
    /// Its totals.
    #[serde(flatten)]
    pub totals: Totals,
}

/// Totals per team, by team name.
#[must_use]
pub fn per_team(targets: &[TargetRecord], now: u64) -> Vec<TeamTotals> {
    let mut by: BTreeMap<&str, Vec<&TargetRecord>> = BTreeMap::new();
    for t in targets {
        by.entry(t.team.as_str()).or_default().push(t);
    }
    by.into_iter()
        .map(|(team, ts)| TeamTotals {
            team: team.to_owned(),
            totals: totals(ts, now),
        })
        .collect()
}

/// Employees who engaged in two drills or more among `drills` whose window started within
/// [`REPEAT_LOOKBACK_SECS`] of `now`; each with the drills they engaged in.
#[must_use]
pub fn repeat_engagers(
    drills: &[DrillRecord],
    targets: &[TargetRecord],
    now: u64,
) -> BTreeMap<String, HashSet<String>> {
    let recent: HashSet<&str> = drills
        .iter()
        .filter(|d| d.window_start + REPEAT_LOOKBACK_SECS >= now)
        .map(|d| d.id.as_str())
        .collect();
    let mut by: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for t in targets {
        if t.outcome == Some(OutcomeEvent::Engaged) && recent.contains(t.drill_id.as_str()) {
            by.entry(t.employee_id.clone())
                .or_default()
                .insert(t.drill_id.clone());
        }
    }
    by.retain(|_, d| d.len() >= 2);
    by
}

/// A quarter's line of the trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarterTotals {
    /// `2026-Q4`.
    pub quarter: String,
    /// Drills whose window started in it.
    pub drills: u32,
    /// Lures shown.
    pub delivered: u32,
    /// Reported over delivered.
    pub report_rate: Option<f64>,
    /// Engaged over delivered.
    pub engage_rate: Option<f64>,
    /// Median time to report.
    pub median_report_secs: Option<u64>,
}

/// The trend: per calendar quarter of `window_start` (drill time zone), oldest first.
#[must_use]
pub fn trend(
    drills: &[DrillRecord],
    targets: &[TargetRecord],
    now: u64,
    offset: i32,
) -> Vec<QuarterTotals> {
    let quarter_of: HashMap<&str, String> = drills
        .iter()
        .map(|d| (d.id.as_str(), schedule::quarter(d.window_start, offset)))
        .collect();
    let mut count: BTreeMap<&str, u32> = BTreeMap::new();
    for q in quarter_of.values() {
        *count.entry(q.as_str()).or_default() += 1;
    }
    let mut by: BTreeMap<&str, Vec<&TargetRecord>> = BTreeMap::new();
    for t in targets {
        if let Some(q) = quarter_of.get(t.drill_id.as_str()) {
            by.entry(q.as_str()).or_default().push(t);
        }
    }
    count
        .into_iter()
        .map(|(q, drills)| {
            let t = totals(by.get(q).into_iter().flatten().copied(), now);
            QuarterTotals {
                quarter: q.to_owned(),
                drills,
                delivered: t.delivered,
                report_rate: t.report_rate,
                engage_rate: t.engage_rate,
                median_report_secs: t.median_report_secs,
            }
        })
        .collect()
}

/// `scheduled`, `running`, `ended` or `cancelled`.
#[must_use]
pub fn state(d: &DrillRecord, targets: &[TargetRecord], now: u64) -> &'static str {
    if d.cancelled_at.is_some() {
        "cancelled"
    } else if now < d.window_start {
        "scheduled"
    } else if now < d.window_end
        || targets
            .iter()
            .any(|t| t.outcome.is_none() && t.expires_at > now)
    {
        "running"
    } else {
        "ended"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::drill::Audience;
    use verity_device::proto::drill::Scenario;

    fn target(
        drill: &str,
        emp: &str,
        team: &str,
        out: Option<OutcomeEvent>,
        secs: u64,
    ) -> TargetRecord {
        TargetRecord {
            drill_id: drill.into(),
            device_id: format!("dev-{emp}"),
            employee_id: emp.into(),
            employee_name: emp.into(),
            team: team.into(),
            deliver_at: 1000,
            expires_at: 5000,
            issued_at: Some(900),
            delivered_at: (secs > 0).then_some(1000),
            outcome: out,
            how: None,
            outcome_at: out.map(|_| 1000 + secs),
        }
    }

    fn drill(id: &str, start: u64) -> DrillRecord {
        DrillRecord {
            id: id.into(),
            name: id.into(),
            scenario: Scenario::PaidUpgrade,
            number: "+85230019999".into(),
            link: "https://x.example/".into(),
            audience: Audience::All { all: true },
            window_start: start,
            window_end: start + 100,
            working_days: 1,
            act_secs: 3600,
            created_by: "t".into(),
            created_at: start,
            cancelled_at: None,
        }
    }

    #[test]
    fn medians_take_the_lower_middle() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5]), Some(5));
        assert_eq!(median(vec![9, 1, 5, 3]), Some(3));
        assert_eq!(median(vec![9, 1, 5]), Some(5));
    }

    #[test]
    fn totals_rates_teams_repeaters_and_quarters() {
        use OutcomeEvent::{Engaged, Ignored, Reported};
        let ts = vec![
            target("d1", "a", "Finance", Some(Reported), 60),
            target("d1", "b", "Finance", Some(Reported), 180),
            target("d1", "c", "Finance", Some(Engaged), 10),
            target("d1", "d", "銷售", Some(Ignored), 10),
            target("d1", "e", "銷售", None, 0),
            target("d1", "f", "銷售", None, 0),
        ];
        let mut pending = target("d1", "g", "銷售", None, 5);
        pending.outcome_at = None;
        let mut ts = ts;
        ts.push(pending);
        let t = totals(&ts, 2000);
        assert_eq!(
            (
                t.targets,
                t.delivered,
                t.reported,
                t.engaged,
                t.ignored,
                t.pending
            ),
            (7, 5, 2, 1, 1, 1)
        );
        assert_eq!(t.report_rate, Some(0.4));
        assert_eq!(t.engage_rate, Some(0.2));
        assert_eq!(t.median_report_secs, Some(60));
        assert_eq!(totals(&ts, 6000).pending, 0, "expired");
        let teams = per_team(&ts, 2000);
        assert_eq!(teams.len(), 2);
        assert_eq!(teams[0].team, "Finance");
        assert_eq!(teams[0].totals.report_rate, Some(2.0 / 3.0));
        assert_eq!(teams[1].totals.report_rate, Some(0.0));
        let none = totals(&ts[4..6], 2000);
        assert_eq!((none.report_rate, none.median_report_secs), (None, None));

        let q4 = schedule::parse_rfc3339("2026-11-02T10:00:00+08:00").unwrap();
        let q1 = schedule::parse_rfc3339("2027-02-01T10:00:00+08:00").unwrap();
        let drills = vec![drill("d1", q4), drill("d2", q1), drill("d3", q1 + 86_400)];
        let mut more = ts.clone();
        more.push(target("d2", "c", "Finance", Some(Engaged), 5));
        more.push(target("d2", "a", "Finance", Some(Reported), 30));
        more.push(target("d3", "d", "銷售", Some(Engaged), 30));
        let rep = repeat_engagers(&drills, &more, q1);
        assert_eq!(rep.keys().collect::<Vec<_>>(), vec!["c"]);
        assert!(repeat_engagers(&drills, &more, q4 + REPEAT_LOOKBACK_SECS + 1).is_empty());
        let tr = trend(&drills, &more, 2000, 8 * 3600);
        assert_eq!(tr.len(), 2);
        assert_eq!(
            (tr[0].quarter.as_str(), tr[0].drills, tr[0].delivered),
            ("2026-Q4", 1, 5)
        );
        assert_eq!(
            (tr[1].quarter.as_str(), tr[1].drills, tr[1].delivered),
            ("2027-Q1", 2, 3)
        );
        assert_eq!(tr[1].report_rate, Some(1.0 / 3.0));
        assert_eq!(tr[1].median_report_secs, Some(30));
        let d = drill("d1", 1000);
        assert_eq!(state(&d, &ts, 999), "scheduled");
        assert_eq!(state(&d, &ts, 1050), "running");
        assert_eq!(
            state(&d, &ts, 4000),
            "running",
            "unanswered targets not expired"
        );
        assert_eq!(state(&d, &ts, 5000), "ended");
    }
}
