//! Scam drills (issue 15, `docs/drills.md`): the two device endpoints (`/v1/drill/lures`,
//! `/v1/drill/outcome`), the console's drill API, and what the command line shares with it
//! ([`create_drill`], [`drill_results`]).
//!
//! Lures are signed with the organisation key for one device each time they are handed out
//! ([`LureBody::sign`]); outcomes are recorded once each in one store transaction, the first final
//! one winning. The drill time zone (`--drill-utc-offset`) is [`DeskConfig::drill_utc_offset_secs`]
//! and every "now" is the desk's injected clock.

use super::console::{ConsoleError, ConsoleSession};
use super::{ApiError, Desk, Incoming};
use crate::drill::results::{self, QuarterTotals, TeamTotals, Totals};
use crate::drill::schedule;
use crate::drill::{
    pdf, Audience, DrillRecord, OutcomeResult, RemoveReserved, ReservedKind, ReservedRecord,
    TargetRecord, MAX_AUDIENCE_TEAMS, MAX_LABEL_CHARS, MAX_NAME_CHARS, MAX_RESERVED,
};
use crate::oplog::{csv_line, iso8601};
use crate::store::{DeskStore, NewOp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use verity_device::proto::drill::{
    lure_text, valid_drill_link, valid_e164, Channel, DrillOutcome, LureBody, LureText,
    LuresAnswer, LuresRequest, OutcomeHow, OutcomeReceipt, Programme, Scenario,
    DEFAULT_ACT_WINDOW_SECS, LURE_LANGUAGES, LURE_LOOKAHEAD_SECS, MAX_ACT_WINDOW_SECS, MAX_LURES,
    MAX_OWNER_CHARS,
};
use verity_device::proto::{self, codes};

/// The largest drill request body accepted.
pub const MAX_DRILL_BODY_BYTES: usize = 1024;
/// A drill's `start` may be this far in the past (5 minutes).
pub const START_SLACK_SECS: u64 = 300;
/// The programme's reminder shows this long before the due date (14 days).
pub const DUE_SOON_SECS: u64 = 14 * 86_400;
/// The cadences the programme allows, in months.
pub const CADENCES: [u32; 6] = [1, 2, 3, 4, 6, 12];

/// A drill as the console and the command line ask for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillSpec {
    /// Name (1–100 printable characters).
    pub name: String,
    /// Scenario's wire name.
    pub scenario: String,
    /// A number on the reserved list.
    pub number: String,
    /// A link on the reserved list.
    pub link: String,
    /// `{all: true}` or `{teams: [..]}`.
    pub audience: Audience,
    /// Unix seconds.
    pub start: u64,
    /// 1–30.
    pub working_days: u32,
    /// 1–336; 72 by default.
    #[serde(default)]
    pub act_hours: Option<u64>,
}

/// A drill with its state and totals.
#[derive(Debug, Clone, Serialize)]
pub struct DrillSummary {
    /// The drill.
    #[serde(flatten)]
    pub drill: DrillRecord,
    /// Its channel.
    pub channel: Channel,
    /// `scheduled`, `running`, `ended` or `cancelled`.
    pub state: &'static str,
    /// The whole drill's totals.
    pub totals: Totals,
}

/// A drill's results.
#[derive(Debug, Clone, Serialize)]
pub struct DrillResults {
    /// The summary.
    #[serde(flatten)]
    pub summary: DrillSummary,
    /// Per team.
    pub teams: Vec<TeamTotals>,
    /// Employees who engaged in this drill and in another within the last 12 months.
    pub repeat_engagers: u32,
}

/// One person's line (`people`).
#[derive(Debug, Clone, Serialize)]
pub struct PersonResult {
    /// Employee.
    pub employee_id: String,
    /// Name.
    pub employee_name: String,
    /// Team.
    pub team: String,
    /// Device.
    pub device_id: String,
    /// Moment.
    pub deliver_at: u64,
    /// Shown at.
    pub delivered_at: Option<u64>,
    /// Final outcome.
    pub outcome: Option<verity_device::proto::drill::OutcomeEvent>,
    /// How.
    pub how: Option<OutcomeHow>,
    /// When.
    pub outcome_at: Option<u64>,
    /// Whether they engaged in an earlier drill (window started before this one's).
    pub engaged_before: bool,
}

/// The trend answer.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// Per quarter, oldest first.
    pub quarters: Vec<QuarterTotals>,
    /// Employees who engaged in two drills or more in the last 12 months.
    pub repeat_engagers: u32,
}

/// The programme as the console sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ProgrammeView {
    /// The drill owner (none until set).
    pub owner: Option<String>,
    /// Months between drills.
    pub every_months: u32,
    /// When the next drill is due.
    pub next_due: Option<u64>,
    /// Whether the owner should be reminded now.
    pub due_soon: bool,
}

/// The dashboard's `drills` field.
#[derive(Debug, Clone, Serialize)]
pub struct DrillsDashboard {
    /// The drill owner.
    pub owner: Option<String>,
    /// The next drill's due date.
    pub next_due: Option<u64>,
    /// Whether the reminder shows.
    pub due_soon: bool,
}

/// A scenario of the library with its words.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioView {
    /// Wire name.
    pub id: Scenario,
    /// Channel.
    pub channel: Channel,
    /// Its words per language.
    pub text: BTreeMap<&'static str, LureText>,
}

fn printable(s: &str, max: usize) -> bool {
    let n = s.chars().count();
    n >= 1 && n <= max && !s.chars().any(proto::is_hidden_char) && s.trim() == s
}

fn store_op(
    store: &dyn DeskStore,
    at: u64,
    actor: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<(), ConsoleError> {
    store.append_op(&NewOp {
        at,
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        device: String::new(),
        outcome: "ok".to_owned(),
        detail,
    })?;
    Ok(())
}

fn new_drill_id() -> Result<String, ConsoleError> {
    let r = schedule::random_u64().map_err(|e| {
        tracing::error!(error = %e, "no randomness");
        ConsoleError::internal()
    })?;
    Ok(format!("d-{r:016x}"))
}

/// Makes a drill: checks `spec`, fixes the audience and each device's moment (uniform over the
/// window's working hours, or `start` for all with `at_once`), records it and logs `drill.create`.
///
/// # Errors
/// `invalid_input` naming the field; store failures.
pub fn create_drill(
    store: &dyn DeskStore,
    now: u64,
    offset: i32,
    actor: &str,
    spec: &DrillSpec,
    at_once: bool,
) -> Result<DrillRecord, ConsoleError> {
    let name = spec.name.trim();
    if !printable(name, MAX_NAME_CHARS) {
        return Err(ConsoleError::invalid(
            "name",
            "1 to 100 printable characters",
        ));
    }
    let scenario = Scenario::parse(&spec.scenario)
        .ok_or_else(|| ConsoleError::invalid("scenario", "not a scenario of the library"))?;
    let reserved = store.reserved()?;
    let on_list =
        |kind: ReservedKind, v: &str| reserved.iter().any(|r| r.kind == kind && r.value == v);
    if !on_list(ReservedKind::Number, &spec.number) {
        return Err(ConsoleError::invalid(
            "number",
            "the number must be on the reserved drill list",
        ));
    }
    if !on_list(ReservedKind::Link, &spec.link) {
        return Err(ConsoleError::invalid(
            "link",
            "the link must be on the reserved drill list",
        ));
    }
    let audience = match &spec.audience {
        Audience::All { all: true } => Audience::All { all: true },
        Audience::All { all: false } => {
            return Err(ConsoleError::invalid(
                "audience",
                "all must be true, or name teams",
            ))
        }
        Audience::Teams { teams } => {
            if teams.is_empty() || teams.len() > MAX_AUDIENCE_TEAMS {
                return Err(ConsoleError::invalid("audience", "name 1 to 100 teams"));
            }
            let mut out = Vec::new();
            for t in teams {
                let t = crate::admin::check_team(Some(t.as_str()))
                    .map_err(|e| ConsoleError::invalid("audience", e.to_string()))?
                    .ok_or_else(|| ConsoleError::invalid("audience", "a team is blank"))?;
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            Audience::Teams { teams: out }
        }
    };
    if spec.start.saturating_add(START_SLACK_SECS) < now {
        return Err(ConsoleError::invalid("start", "the start is in the past"));
    }
    let act_secs = spec.act_hours.map_or(Ok(DEFAULT_ACT_WINDOW_SECS), |h| {
        if (1..=MAX_ACT_WINDOW_SECS / 3600).contains(&h) {
            Ok(h * 3600)
        } else {
            Err(ConsoleError::invalid("act_hours", "1 to 336 hours"))
        }
    })?;
    let intervals = schedule::working_intervals(spec.start, spec.working_days, offset).map_err(
        |e| match e {
            schedule::ScheduleError::WorkingDays => {
                ConsoleError::invalid("working_days", e.to_string())
            }
            schedule::ScheduleError::Range => ConsoleError::invalid("start", e.to_string()),
        },
    )?;
    let window_end = schedule::window_end(&intervals);
    if window_end <= now {
        return Err(ConsoleError::invalid("start", "the window has ended"));
    }
    let members = store.drill_audience(audience.teams())?;
    if members.is_empty() {
        return Err(ConsoleError::invalid(
            "audience",
            "no enrolled device is in the audience",
        ));
    }
    let id = new_drill_id()?;
    let mut targets = Vec::with_capacity(members.len());
    for m in members {
        let deliver_at = if at_once {
            spec.start
        } else {
            let r = schedule::random_u64().map_err(|e| {
                tracing::error!(error = %e, "no randomness");
                ConsoleError::internal()
            })?;
            schedule::moment(&intervals, r)
        };
        targets.push(TargetRecord {
            drill_id: id.clone(),
            device_id: m.device_id,
            employee_id: m.employee_id,
            employee_name: m.employee_name,
            team: m.team,
            deliver_at,
            expires_at: deliver_at + act_secs,
            issued_at: None,
            delivered_at: None,
            outcome: None,
            how: None,
            outcome_at: None,
        });
    }
    let drill = DrillRecord {
        id: id.clone(),
        name: name.to_owned(),
        scenario,
        number: spec.number.clone(),
        link: spec.link.clone(),
        audience,
        window_start: spec.start,
        window_end,
        working_days: spec.working_days,
        act_secs,
        created_by: actor.to_owned(),
        created_at: now,
        cancelled_at: None,
    };
    store.create_drill(&drill, &targets)?;
    store_op(
        store,
        now,
        actor,
        "drill.create",
        &id,
        serde_json::json!({
            "name": drill.name, "scenario": scenario.as_str(), "audience": drill.audience,
            "window_start": drill.window_start, "window_end": drill.window_end,
            "targets": targets.len(), "at_once": at_once,
        }),
    )?;
    Ok(drill)
}

/// A drill's summary at `now`.
#[must_use]
pub fn summary(drill: DrillRecord, targets: &[TargetRecord], now: u64) -> DrillSummary {
    DrillSummary {
        channel: drill.scenario.channel(),
        state: results::state(&drill, targets, now),
        totals: results::totals(targets, now),
        drill,
    }
}

/// Every drill's summary, newest first.
///
/// # Errors
/// Store failures.
pub fn drill_list(store: &dyn DeskStore, now: u64) -> Result<Vec<DrillSummary>, ConsoleError> {
    let drills = store.drills()?;
    let mut by: HashMap<String, Vec<TargetRecord>> = HashMap::new();
    for t in store.drill_targets(None)? {
        by.entry(t.drill_id.clone()).or_default().push(t);
    }
    Ok(drills
        .into_iter()
        .map(|d| {
            let ts = by.remove(&d.id).unwrap_or_default();
            summary(d, &ts, now)
        })
        .collect())
}

/// A drill's results.
///
/// # Errors
/// `not_found`; store failures.
pub fn drill_results(
    store: &dyn DeskStore,
    id: &str,
    now: u64,
) -> Result<DrillResults, ConsoleError> {
    let drill = find(store, id)?;
    let all = store.drill_targets(None)?;
    let drills = store.drills()?;
    let repeat = results::repeat_engagers(&drills, &all, now);
    let targets: Vec<TargetRecord> = all.into_iter().filter(|t| t.drill_id == drill.id).collect();
    let repeat_engagers = repeat.values().filter(|ds| ds.contains(&drill.id)).count();
    Ok(DrillResults {
        teams: results::per_team(&targets, now),
        repeat_engagers: u32::try_from(repeat_engagers).unwrap_or(u32::MAX),
        summary: summary(drill, &targets, now),
    })
}

/// The quarter trend and the repeat engagers' count.
///
/// # Errors
/// Store failures.
pub fn drill_trend(store: &dyn DeskStore, now: u64, offset: i32) -> Result<Trend, ConsoleError> {
    let drills = store.drills()?;
    let targets = store.drill_targets(None)?;
    Ok(Trend {
        quarters: results::trend(&drills, &targets, now, offset),
        repeat_engagers: u32::try_from(results::repeat_engagers(&drills, &targets, now).len())
            .unwrap_or(u32::MAX),
    })
}

fn find(store: &dyn DeskStore, id: &str) -> Result<DrillRecord, ConsoleError> {
    if !proto::drill::valid_drill_id(id) {
        return Err(ConsoleError::not_found("no such drill"));
    }
    store
        .drill(id)?
        .ok_or_else(|| ConsoleError::not_found("no such drill"))
}

fn rate_cell(r: Option<f64>) -> String {
    r.map_or_else(String::new, |r| format!("{r:.4}"))
}

fn totals_cells(t: &Totals) -> Vec<String> {
    vec![
        t.targets.to_string(),
        t.delivered.to_string(),
        t.reported.to_string(),
        t.engaged.to_string(),
        t.ignored.to_string(),
        t.pending.to_string(),
        rate_cell(t.report_rate),
        rate_cell(t.engage_rate),
        t.median_report_secs
            .map_or_else(String::new, |s| s.to_string()),
    ]
}

/// The CSV export: a header, one line per team, one for the whole drill.
#[must_use]
pub fn results_csv(r: &DrillResults) -> String {
    let mut out = csv_line([
        "drill",
        "scope",
        "team",
        "targets",
        "delivered",
        "reported",
        "engaged",
        "ignored",
        "pending",
        "report_rate",
        "engage_rate",
        "median_report_secs",
    ]);
    let id = r.summary.drill.id.as_str();
    for t in &r.teams {
        let mut cells = vec![id.to_owned(), "team".to_owned(), t.team.clone()];
        cells.extend(totals_cells(&t.totals));
        out.push_str(&csv_line(cells.iter().map(String::as_str)));
    }
    let mut cells = vec![id.to_owned(), "drill".to_owned(), String::new()];
    cells.extend(totals_cells(&r.summary.totals));
    out.push_str(&csv_line(cells.iter().map(String::as_str)));
    out
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn secs(s: Option<u64>) -> String {
    s.map_or_else(|| "-".to_owned(), |s| format!("{}m {}s", s / 60, s % 60))
}

fn totals_line(t: &Totals) -> String {
    format!(
        "targets {}  delivered {}  reported {}  engaged {}  ignored {}  pending {}  \
         report rate {}  engage rate {}  median time to report {}",
        t.targets,
        t.delivered,
        t.reported,
        t.engaged,
        t.ignored,
        t.pending,
        pct(t.report_rate),
        pct(t.engage_rate),
        secs(t.median_report_secs)
    )
}

/// The PDF report: the drill, its totals, per team, and the quarter trend.
#[must_use]
pub fn results_pdf(org: &str, r: &DrillResults, trend: &Trend) -> Vec<u8> {
    use pdf::Line;
    let d = &r.summary.drill;
    let mut lines = vec![
        Line::heading(format!("Scam drill report: {}", d.name)),
        Line::body(format!("Organisation: {org}")),
        Line::body(format!("Drill: {}  ({})", d.id, r.summary.state)),
        Line::body(format!(
            "Scenario: {}  channel: {}",
            d.scenario.as_str(),
            match d.scenario.channel() {
                Channel::Notification => "notification",
                Channel::SupportChat => "support chat",
            }
        )),
        Line::body(format!("Drill number: {}  link: {}", d.number, d.link)),
        Line::body(format!(
            "Window: {} to {} ({} working days), {} hours to act",
            iso8601(d.window_start),
            iso8601(d.window_end),
            d.working_days,
            d.act_secs / 3600
        )),
        Line::body(format!(
            "Audience: {}",
            d.audience
                .teams()
                .map_or_else(|| "everyone".to_owned(), |t| t.join(", "))
        )),
        Line::body(""),
        Line::heading("Totals"),
        Line::body(totals_line(&r.summary.totals)),
        Line::body(format!(
            "People who engaged in this drill and another in the last 12 months: {}",
            r.repeat_engagers
        )),
        Line::body(""),
        Line::heading("Per team"),
    ];
    for t in &r.teams {
        let name = if t.team.is_empty() {
            "(no team)"
        } else {
            &t.team
        };
        lines.push(Line::body(format!("{name}: {}", totals_line(&t.totals))));
    }
    lines.push(Line::body(""));
    lines.push(Line::heading("Trend by quarter"));
    for q in &trend.quarters {
        lines.push(Line::body(format!(
            "{}: drills {}  delivered {}  report rate {}  engage rate {}  median time to report {}",
            q.quarter,
            q.drills,
            q.delivered,
            pct(q.report_rate),
            pct(q.engage_rate),
            secs(q.median_report_secs)
        )));
    }
    lines.push(Line::body(format!(
        "People who engaged twice or more in the last 12 months: {}",
        trend.repeat_engagers
    )));
    pdf::render(&format!("Scam drill report: {}", d.name), &lines)
}

impl Desk {
    fn drill_offset(&self) -> i32 {
        self.config.drill_utc_offset_secs
    }

    /// `POST /v1/drill/lures`: this device's lures due within 24 hours, each freshly signed.
    ///
    /// Order: the size, authentication (reads only), the body, the nonce, the lures (marked
    /// issued in one transaction).
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn drill_lures(&self, req: &Incoming) -> Result<LuresAnswer, ApiError> {
        if req.body.len() > MAX_DRILL_BODY_BYTES {
            return Err(ApiError::new(
                413,
                codes::TOO_LARGE,
                "the body is too large",
            ));
        }
        let authed = self.authenticate(req)?;
        let _: LuresRequest = Self::parse(&req.body)?;
        let now = authed.now;
        let device_id = authed.device.device_id;
        self.use_nonce(&device_id, req, now)?;
        let org_key = proto::b64(self.org_public.as_bytes());
        let mut lures = Vec::new();
        for (d, t) in self
            .store
            .issue_lures(&device_id, now, LURE_LOOKAHEAD_SECS, MAX_LURES)?
        {
            let body = LureBody {
                v: 1,
                org_key: org_key.clone(),
                drill_id: d.id,
                device_id: device_id.clone(),
                scenario: d.scenario,
                channel: d.scenario.channel(),
                number: d.number,
                link: d.link,
                deliver_at: t.deliver_at,
                expires_at: t.expires_at,
                issued_at: now,
            };
            if let Err(e) = body.validate() {
                tracing::error!(error = %e, drill = %body.drill_id, "a stored drill does not hold");
                continue;
            }
            lures.push(body.sign(&self.org_key)?);
        }
        let programme = self.programme_view(now).map_err(|e| {
            tracing::error!(error = %e, "cannot read the drill programme");
            ApiError::new(500, codes::INTERNAL, "the desk failed; see its logs")
        })?;
        Ok(LuresAnswer {
            lures,
            programme: programme.owner.map(|owner| Programme {
                owner,
                every_months: programme.every_months,
                next_drill: programme.next_due,
            }),
        })
    }

    /// `POST /v1/drill/outcome`: records what became of a lure, once.
    ///
    /// Order: the size, authentication, the fields, the nonce, the record (one transaction).
    ///
    /// # Errors
    /// [`ApiError`]: `drill_outcome_invalid` (400), `drill_unknown` (404).
    pub fn drill_outcome(&self, req: &Incoming) -> Result<OutcomeReceipt, ApiError> {
        if req.body.len() > MAX_DRILL_BODY_BYTES {
            return Err(ApiError::new(
                413,
                codes::TOO_LARGE,
                "the body is too large",
            ));
        }
        let authed = self.authenticate(req)?;
        let now = authed.now;
        let o = DrillOutcome::from_json(&req.body, now)
            .map_err(|e| ApiError::new(400, codes::DRILL_OUTCOME_INVALID, e.to_string()))?;
        let device_id = authed.device.device_id;
        self.use_nonce(&device_id, req, now)?;
        match self
            .store
            .record_outcome(&o.drill_id, &device_id, o.how, o.at)?
        {
            OutcomeResult::Unknown => Err(ApiError::new(
                404,
                codes::DRILL_UNKNOWN,
                "no such drill for this device",
            )),
            OutcomeResult::Held {
                recorded,
                delivered_at,
                outcome,
            } => {
                if recorded {
                    if let Err(e) = self.log_op(
                        &format!("device:{device_id}"),
                        "drill.outcome",
                        &o.drill_id,
                        &device_id,
                        "ok",
                        serde_json::json!({ "event": o.event, "how": o.how, "at": o.at }),
                    ) {
                        tracing::error!(error = ?e, "cannot append to the operation log");
                    }
                }
                Ok(OutcomeReceipt {
                    drill_id: o.drill_id,
                    recorded,
                    delivered_at,
                    outcome,
                })
            }
        }
    }

    /// `GET /console/api/drills/scenarios`.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_drill_scenarios(&self) -> Result<Vec<ScenarioView>, ConsoleError> {
        let reserved = self.store.reserved()?;
        let first = |k: ReservedKind, dflt: &str| {
            reserved
                .iter()
                .find(|r| r.kind == k)
                .map_or_else(|| dflt.to_owned(), |r| r.value.clone())
        };
        let number = first(ReservedKind::Number, "+85200000000");
        let link = first(ReservedKind::Link, "https://drill.example/");
        Ok(Scenario::ALL
            .into_iter()
            .map(|s| ScenarioView {
                id: s,
                channel: s.channel(),
                text: LURE_LANGUAGES
                    .into_iter()
                    .map(|l| (l, lure_text(s, l, &number, &link)))
                    .collect(),
            })
            .collect())
    }

    /// `GET /console/api/drills/reserved`.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_drill_reserved(&self) -> Result<Vec<ReservedRecord>, ConsoleError> {
        Ok(self.store.reserved()?)
    }

    /// `POST /console/api/drills/reserved`.
    ///
    /// # Errors
    /// `invalid_input` (`kind`, `value`, `label`), `conflict` (on the list already).
    pub fn console_drill_add_reserved(
        &self,
        actor: &str,
        kind: &str,
        value: &str,
        label: &str,
    ) -> Result<Vec<ReservedRecord>, ConsoleError> {
        let kind = ReservedKind::parse(kind)
            .ok_or_else(|| ConsoleError::invalid("kind", "number or link"))?;
        let value = value.trim();
        let ok = match kind {
            ReservedKind::Number => valid_e164(value),
            ReservedKind::Link => valid_drill_link(value),
        };
        if !ok {
            return Err(ConsoleError::invalid(
                "value",
                match kind {
                    ReservedKind::Number => "a number like +85230019999",
                    ReservedKind::Link => "an https:// link of at most 256 characters",
                },
            ));
        }
        let label = label.trim();
        if !printable(label, MAX_LABEL_CHARS) {
            return Err(ConsoleError::invalid(
                "label",
                "1 to 64 printable characters",
            ));
        }
        if self.store.reserved()?.len() >= MAX_RESERVED {
            return Err(ConsoleError::conflict("the reserved list is full"));
        }
        let now = self.clock.now();
        let Some(id) = self.store.add_reserved(kind, value, label, actor, now)? else {
            return Err(ConsoleError::conflict("it is on the reserved list already"));
        };
        self.log_op(
            actor,
            "drill.reserve_add",
            &id.to_string(),
            "",
            "ok",
            serde_json::json!({ "kind": kind.as_str(), "value": value, "label": label }),
        )?;
        Ok(self.store.reserved()?)
    }

    /// `POST /console/api/drills/reserved/{id}/remove`.
    ///
    /// # Errors
    /// `not_found`, `conflict` (a drill not over uses it).
    pub fn console_drill_remove_reserved(
        &self,
        actor: &str,
        id: &str,
    ) -> Result<Vec<ReservedRecord>, ConsoleError> {
        let id: u64 = id
            .parse()
            .map_err(|_| ConsoleError::not_found("no such entry"))?;
        match self.store.remove_reserved(id, self.clock.now())? {
            RemoveReserved::NotFound => Err(ConsoleError::not_found("no such entry")),
            RemoveReserved::InUse => {
                Err(ConsoleError::conflict("a drill that is not over uses it"))
            }
            RemoveReserved::Removed => {
                self.log_op(
                    actor,
                    "drill.reserve_remove",
                    &id.to_string(),
                    "",
                    "ok",
                    serde_json::json!({}),
                )?;
                Ok(self.store.reserved()?)
            }
        }
    }

    /// `GET /console/api/drills`.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_drills(&self) -> Result<Vec<DrillSummary>, ConsoleError> {
        drill_list(self.store.as_ref(), self.clock.now())
    }

    /// `POST /console/api/drills`.
    ///
    /// # Errors
    /// As [`create_drill`].
    pub fn console_create_drill(
        &self,
        s: &ConsoleSession,
        spec: &DrillSpec,
    ) -> Result<DrillSummary, ConsoleError> {
        let now = self.clock.now();
        let d = create_drill(
            self.store.as_ref(),
            now,
            self.drill_offset(),
            &s.actor(),
            spec,
            false,
        )?;
        let targets = self.store.drill_targets(Some(&d.id))?;
        Ok(summary(d, &targets, now))
    }

    /// `POST /console/api/drills/{id}/cancel`.
    ///
    /// # Errors
    /// `not_found`, `conflict` (cancelled already).
    pub fn console_cancel_drill(
        &self,
        s: &ConsoleSession,
        id: &str,
    ) -> Result<DrillSummary, ConsoleError> {
        let d = find(self.store.as_ref(), id)?;
        let now = self.clock.now();
        if !self.store.cancel_drill(&d.id, now)? {
            return Err(ConsoleError::conflict("the drill was cancelled already"));
        }
        self.log_op(
            &s.actor(),
            "drill.cancel",
            &d.id,
            "",
            "ok",
            serde_json::json!({}),
        )?;
        let d = find(self.store.as_ref(), id)?;
        let targets = self.store.drill_targets(Some(&d.id))?;
        Ok(summary(d, &targets, now))
    }

    /// `GET /console/api/drills/{id}`.
    ///
    /// # Errors
    /// `not_found`.
    pub fn console_drill_results(&self, id: &str) -> Result<DrillResults, ConsoleError> {
        drill_results(self.store.as_ref(), id, self.clock.now())
    }

    /// `GET /console/api/drills/{id}/people`: individual results, logged (`drill.view_people`).
    ///
    /// # Errors
    /// `not_found`.
    pub fn console_drill_people(
        &self,
        s: &ConsoleSession,
        id: &str,
    ) -> Result<Vec<PersonResult>, ConsoleError> {
        let d = find(self.store.as_ref(), id)?;
        let drills = self.store.drills()?;
        let start: HashMap<&str, u64> = drills
            .iter()
            .map(|x| (x.id.as_str(), x.window_start))
            .collect();
        let all = self.store.drill_targets(None)?;
        let engaged_before: std::collections::HashSet<&str> = all
            .iter()
            .filter(|t| {
                t.drill_id != d.id
                    && t.outcome == Some(verity_device::proto::drill::OutcomeEvent::Engaged)
                    && start
                        .get(t.drill_id.as_str())
                        .is_some_and(|s| *s < d.window_start)
            })
            .map(|t| t.employee_id.as_str())
            .collect();
        let out: Vec<PersonResult> = all
            .iter()
            .filter(|t| t.drill_id == d.id)
            .map(|t| PersonResult {
                employee_id: t.employee_id.clone(),
                employee_name: t.employee_name.clone(),
                team: t.team.clone(),
                device_id: t.device_id.clone(),
                deliver_at: t.deliver_at,
                delivered_at: t.delivered_at,
                outcome: t.outcome,
                how: t.how,
                outcome_at: t.outcome_at,
                engaged_before: engaged_before.contains(t.employee_id.as_str()),
            })
            .collect();
        self.log_op(
            &s.actor(),
            "drill.view_people",
            &d.id,
            "",
            "ok",
            serde_json::json!({ "people": out.len() }),
        )?;
        Ok(out)
    }

    /// `GET /console/api/drills/trend`.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_drill_trend(&self) -> Result<Trend, ConsoleError> {
        drill_trend(self.store.as_ref(), self.clock.now(), self.drill_offset())
    }

    /// `GET /console/api/drills/{id}/export.csv`.
    ///
    /// # Errors
    /// `not_found`.
    pub fn console_drill_csv(&self, id: &str) -> Result<String, ConsoleError> {
        Ok(results_csv(&self.console_drill_results(id)?))
    }

    /// `GET /console/api/drills/{id}/export.pdf`.
    ///
    /// # Errors
    /// `not_found`.
    pub fn console_drill_pdf(&self, id: &str) -> Result<Vec<u8>, ConsoleError> {
        let r = self.console_drill_results(id)?;
        let t = self.console_drill_trend()?;
        Ok(results_pdf(&self.org_name, &r, &t))
    }

    /// The programme at `now`: `next_due` is the latest (not cancelled) drill's start plus the
    /// cadence, or the date set with the programme when no drill was made since.
    fn programme_view(&self, now: u64) -> Result<ProgrammeView, ConsoleError> {
        let Some(p) = self.store.programme()? else {
            return Ok(ProgrammeView {
                owner: None,
                every_months: 3,
                next_due: None,
                due_soon: false,
            });
        };
        let drills: Vec<DrillRecord> = self
            .store
            .drills()?
            .into_iter()
            .filter(|d| d.cancelled_at.is_none())
            .collect();
        let next_due = drills
            .iter()
            .map(|d| d.window_start)
            .max()
            .map_or(p.next_due, |s| {
                schedule::add_months(s, p.every_months, self.drill_offset())
            });
        let covered = drills
            .iter()
            .any(|d| d.window_start.abs_diff(next_due) <= DUE_SOON_SECS);
        Ok(ProgrammeView {
            owner: Some(p.owner),
            every_months: p.every_months,
            next_due: Some(next_due),
            due_soon: !covered && next_due <= now.saturating_add(DUE_SOON_SECS),
        })
    }

    /// The programme, writing `drill.reminder` to the operation log once per due date while
    /// it is due soon.
    fn programme_with_reminder(&self) -> Result<ProgrammeView, ConsoleError> {
        let v = self.programme_view(self.clock.now())?;
        if let (true, Some(due)) = (v.due_soon, v.next_due) {
            if self.store.mark_reminded(due)? {
                self.log_op(
                    "desk",
                    "drill.reminder",
                    "programme",
                    "",
                    "ok",
                    serde_json::json!({ "owner": v.owner, "next_due": due }),
                )?;
            }
        }
        Ok(v)
    }

    /// `GET /console/api/drills/programme`.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_drill_programme(&self) -> Result<ProgrammeView, ConsoleError> {
        self.programme_with_reminder()
    }

    /// The dashboard's `drills` field.
    ///
    /// # Errors
    /// Store failures.
    pub fn drills_dashboard(&self) -> Result<DrillsDashboard, ConsoleError> {
        let v = self.programme_with_reminder()?;
        Ok(DrillsDashboard {
            owner: v.owner,
            next_due: v.next_due,
            due_soon: v.due_soon,
        })
    }

    /// `PUT /console/api/drills/programme`.
    ///
    /// # Errors
    /// `invalid_input` (`owner`, `every_months`).
    pub fn console_set_drill_programme(
        &self,
        s: &ConsoleSession,
        owner: &str,
        every_months: u32,
    ) -> Result<ProgrammeView, ConsoleError> {
        let owner = owner.trim();
        if !printable(owner, MAX_OWNER_CHARS) {
            return Err(ConsoleError::invalid(
                "owner",
                "1 to 128 printable characters",
            ));
        }
        if !CADENCES.contains(&every_months) {
            return Err(ConsoleError::invalid("every_months", "1, 2, 3, 4, 6 or 12"));
        }
        let now = self.clock.now();
        let last = self
            .store
            .drills()?
            .into_iter()
            .filter(|d| d.cancelled_at.is_none())
            .map(|d| d.window_start)
            .max();
        let next_due = schedule::add_months(last.unwrap_or(now), every_months, self.drill_offset());
        self.store.set_programme(owner, every_months, next_due)?;
        self.log_op(
            &s.actor(),
            "drill.programme",
            "programme",
            "",
            "ok",
            serde_json::json!({ "owner": owner, "every_months": every_months, "next_due": next_due }),
        )?;
        self.programme_view(now)
    }
}
