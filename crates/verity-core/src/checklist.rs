//! The five-step security checklist (`../shared/seed/brief-en.md`, section 5): each step's state,
//! the evidence that completes it, and the rules for moving between states. Pure: time comes in
//! as a [`Timestamp`], the store persists the states, and every accepted transition becomes an
//! audit record (`crate::audit`).
//!
//! # States
//! `not_started` → `in_progress` → `done` (with evidence and a date) → `due_again` (recurring
//! steps only: the drill each quarter, the training each year; see [`RecurrencePolicy`]).
//!
//! # Events
//! - [`Event::Start`]: `not_started` or `due_again` → `in_progress`.
//! - [`Event::Record`]: evidence for the step. Evidence that completes the step (a clean scan,
//!   an acknowledgement, a confirmed test alert, a named drill owner, a passed quiz) makes it
//!   `done`; evidence that does not (a scan that still flagged numbers, a failed quiz) makes it
//!   `in_progress`. The latest evidence decides: a new scan that finds unofficial numbers takes
//!   a `done` step 1 back to `in_progress`, because the numbers are back.
//! - [`Event::FallDue`]: `done` → `due_again`, once the step's due date has passed.
//! - [`Event::Reset`]: any started step → `not_started` (an administrator starting over).
//!
//! Anything else is refused with a [`TransitionError`]; evidence that is malformed (a score
//! above the total, an empty owner name, a drill date in the past) is refused with an
//! [`EvidenceError`]. Step 1's evidence is counts only: never the numbers themselves.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::verdict::code_enum;

code_enum! {
    /// The five steps, in order.
    pub enum StepId {
        /// 1. Delete every "DingTalk service" number saved from unofficial sources.
        RemoveUnofficialNumbers => "remove_unofficial_numbers",
        /// 2. Announce the one official support path inside the company.
        AnnounceOfficialPath => "announce_official_path",
        /// 3. Turn on security alerts.
        AlertsOn => "alerts_on",
        /// 4. Name an owner for quarterly scam drills.
        DrillOwner => "drill_owner",
        /// 5. Put the guidance into new-employee training.
        Training => "training",
    }
}

code_enum! {
    /// Where a step stands.
    pub enum StepStatus {
        /// Nothing done yet.
        NotStarted => "not_started",
        /// Started, or evidence recorded that does not complete it yet.
        InProgress => "in_progress",
        /// Completed, with evidence and a date.
        Done => "done",
        /// Was done; its interval has passed and it must be done again.
        DueAgain => "due_again",
    }
}

impl StepId {
    /// The step's number, 1 to 5.
    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            StepId::RemoveUnofficialNumbers => 1,
            StepId::AnnounceOfficialPath => 2,
            StepId::AlertsOn => 3,
            StepId::DrillOwner => 4,
            StepId::Training => 5,
        }
    }
}

/// The pass mark of the training quiz, in percent.
pub const PASS_PERCENT: u32 = 80;
/// The longest drill owner's name, in characters.
pub const MAX_OWNER_CHARS: usize = 120;
/// How far in the future a recorded moment may lie, in seconds (clock skew between processes).
const CLOCK_SKEW: i64 = 300;

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

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
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

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn add_months(t: Timestamp, months: u32) -> Timestamp {
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

/// Step 1: what a scan of saved contacts found. Counts only, never the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScanEvidence {
    /// Files scanned.
    pub files: u32,
    /// Entries read (contacts, rows, lines with a number or link).
    pub entries: u32,
    /// Entries flagged.
    pub flagged: u32,
    /// Flagged entries left out of a cleaned copy written by the scan.
    pub removed: u32,
}

/// Step 2: the employee acknowledged the official support path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AcknowledgementEvidence {
    /// When.
    pub acknowledged_at: Timestamp,
}

/// Step 3: a real test alert was shown and the employee confirmed seeing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AlertEvidence {
    /// When the employee confirmed the test alert.
    pub test_alert_confirmed_at: Timestamp,
    /// Whether Verity starts at login (alerts keep coming after a restart).
    pub start_at_login: bool,
}

/// Step 4: the drill owner and the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DrillEvidence {
    /// Who runs the drills.
    pub owner: String,
    /// How often.
    pub schedule: Interval,
    /// The next drill; the step falls due again on this date.
    pub next_drill: Timestamp,
}

/// Step 5: the quiz result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuizEvidence {
    /// Correct answers.
    pub score: u32,
    /// Questions asked.
    pub total: u32,
    /// Whether the score reaches the pass mark ([`PASS_PERCENT`]).
    pub passed: bool,
}

impl QuizEvidence {
    /// A result, with `passed` computed from the pass mark.
    #[must_use]
    pub fn new(score: u32, total: u32) -> Self {
        QuizEvidence {
            score,
            total,
            passed: quiz_passes(score, total),
        }
    }
}

/// Whether `score` out of `total` reaches [`PASS_PERCENT`].
#[must_use]
pub fn quiz_passes(score: u32, total: u32) -> bool {
    total > 0
        && score <= total
        && u64::from(score) * 100 >= u64::from(total) * u64::from(PASS_PERCENT)
}

/// What an employee did for a step, as a small typed summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Evidence {
    /// Step 1.
    RemoveUnofficialNumbers(ScanEvidence),
    /// Step 2.
    AnnounceOfficialPath(AcknowledgementEvidence),
    /// Step 3.
    AlertsOn(AlertEvidence),
    /// Step 4.
    DrillOwner(DrillEvidence),
    /// Step 5.
    Training(QuizEvidence),
}

/// Why evidence is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// A scan of no file.
    #[error("a scan must cover at least one file")]
    NoFiles,
    /// More flagged entries than entries, or more removed than flagged.
    #[error(
        "the scan counts do not add up: {entries} entries, {flagged} flagged, {removed} removed"
    )]
    ScanCounts {
        /// Entries.
        entries: u32,
        /// Flagged.
        flagged: u32,
        /// Removed.
        removed: u32,
    },
    /// A moment later than now.
    #[error("the time {0} lies in the future")]
    InFuture(String),
    /// The drill owner has no name.
    #[error("the drill owner's name is empty")]
    EmptyOwner,
    /// The drill owner's name is too long or holds control characters.
    #[error("the drill owner's name must be at most {MAX_OWNER_CHARS} printable characters")]
    BadOwner,
    /// The next drill is not after now.
    #[error("the next drill date ({0}) must be in the future")]
    NextDrillNotInFuture(String),
    /// An interval out of bounds.
    #[error("the interval {0} is out of bounds (1 to 3650 days, or 1 to 120 months)")]
    BadInterval(Interval),
    /// A quiz of no question.
    #[error("a quiz has at least one question")]
    NoQuestions,
    /// A score above the total.
    #[error("the score {score} is above the number of questions {total}")]
    ScoreAboveTotal {
        /// Score.
        score: u32,
        /// Total.
        total: u32,
    },
    /// `passed` disagrees with the pass mark.
    #[error(
        "a score of {score}/{total} does not give passed = {passed} (pass mark {PASS_PERCENT}%)"
    )]
    PassedMismatch {
        /// Score.
        score: u32,
        /// Total.
        total: u32,
        /// The claimed result.
        passed: bool,
    },
}

impl EvidenceError {
    /// A stable snake_case code, for IPC and scripts.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            EvidenceError::NoFiles => "no_files",
            EvidenceError::ScanCounts { .. } => "scan_counts",
            EvidenceError::InFuture(_) => "in_future",
            EvidenceError::EmptyOwner => "empty_owner",
            EvidenceError::BadOwner => "bad_owner",
            EvidenceError::NextDrillNotInFuture(_) => "next_drill_not_in_future",
            EvidenceError::BadInterval(_) => "bad_interval",
            EvidenceError::NoQuestions => "no_questions",
            EvidenceError::ScoreAboveTotal { .. } => "score_above_total",
            EvidenceError::PassedMismatch { .. } => "passed_mismatch",
        }
    }
}

impl Evidence {
    /// The step this evidence is for.
    #[must_use]
    pub fn step(&self) -> StepId {
        match self {
            Evidence::RemoveUnofficialNumbers(_) => StepId::RemoveUnofficialNumbers,
            Evidence::AnnounceOfficialPath(_) => StepId::AnnounceOfficialPath,
            Evidence::AlertsOn(_) => StepId::AlertsOn,
            Evidence::DrillOwner(_) => StepId::DrillOwner,
            Evidence::Training(_) => StepId::Training,
        }
    }

    /// Checks that the evidence is well formed at `now`.
    ///
    /// # Errors
    /// [`EvidenceError`] naming the first problem.
    pub fn validate(&self, now: Timestamp) -> Result<(), EvidenceError> {
        let not_future = |t: Timestamp| {
            if t.0 > now.0.saturating_add(CLOCK_SKEW) {
                Err(EvidenceError::InFuture(t.to_rfc3339()))
            } else {
                Ok(())
            }
        };
        match self {
            Evidence::RemoveUnofficialNumbers(s) => {
                if s.files == 0 {
                    return Err(EvidenceError::NoFiles);
                }
                if s.flagged > s.entries || s.removed > s.flagged {
                    return Err(EvidenceError::ScanCounts {
                        entries: s.entries,
                        flagged: s.flagged,
                        removed: s.removed,
                    });
                }
                Ok(())
            }
            Evidence::AnnounceOfficialPath(a) => not_future(a.acknowledged_at),
            Evidence::AlertsOn(a) => not_future(a.test_alert_confirmed_at),
            Evidence::DrillOwner(d) => {
                let name = d.owner.trim();
                if name.is_empty() {
                    return Err(EvidenceError::EmptyOwner);
                }
                if name.chars().count() > MAX_OWNER_CHARS || name.chars().any(char::is_control) {
                    return Err(EvidenceError::BadOwner);
                }
                if !d.schedule.is_valid() {
                    return Err(EvidenceError::BadInterval(d.schedule));
                }
                if d.next_drill <= now {
                    return Err(EvidenceError::NextDrillNotInFuture(d.next_drill.to_date()));
                }
                Ok(())
            }
            Evidence::Training(q) => {
                if q.total == 0 {
                    return Err(EvidenceError::NoQuestions);
                }
                if q.score > q.total {
                    return Err(EvidenceError::ScoreAboveTotal {
                        score: q.score,
                        total: q.total,
                    });
                }
                if q.passed != quiz_passes(q.score, q.total) {
                    return Err(EvidenceError::PassedMismatch {
                        score: q.score,
                        total: q.total,
                        passed: q.passed,
                    });
                }
                Ok(())
            }
        }
    }

    /// Whether the evidence completes its step (else it records progress).
    #[must_use]
    pub fn completes_step(&self) -> bool {
        match self {
            Evidence::RemoveUnofficialNumbers(s) => s.files > 0 && s.removed == s.flagged,
            Evidence::AnnounceOfficialPath(_) | Evidence::AlertsOn(_) | Evidence::DrillOwner(_) => {
                true
            }
            Evidence::Training(q) => q.passed,
        }
    }

    /// The evidence as the compact JSON the audit log stores (field order fixed by the types).
    ///
    /// # Errors
    /// Never in practice (the types always serialise); a serde error otherwise.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

/// The state of one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StepState {
    /// The step.
    pub step: StepId,
    /// Where it stands.
    pub status: StepStatus,
    /// When the current round of work started (none when not started).
    pub started_at: Option<Timestamp>,
    /// The last transition.
    pub updated_at: Option<Timestamp>,
    /// When the step was last completed (kept while it is due again or back in progress).
    pub done_at: Option<Timestamp>,
    /// When a `done` step falls due again (recurring steps only; kept while `due_again`).
    pub due_at: Option<Timestamp>,
    /// The latest evidence.
    pub evidence: Option<Evidence>,
}

impl StepState {
    /// A step not started.
    #[must_use]
    pub fn new(step: StepId) -> Self {
        StepState {
            step,
            status: StepStatus::NotStarted,
            started_at: None,
            updated_at: None,
            done_at: None,
            due_at: None,
            evidence: None,
        }
    }

    /// Checks the state's invariants; names the first one broken. A state built only by
    /// [`transition`] always passes; a stored state edited by hand may not.
    ///
    /// # Errors
    /// A short description of the broken invariant.
    pub fn check_consistency(&self) -> Result<(), &'static str> {
        if let Some(e) = &self.evidence {
            if e.step() != self.step {
                return Err("evidence belongs to another step");
            }
        }
        match self.status {
            StepStatus::NotStarted => {
                if self.started_at.is_some()
                    || self.updated_at.is_some()
                    || self.done_at.is_some()
                    || self.due_at.is_some()
                    || self.evidence.is_some()
                {
                    return Err("a step not started carries dates or evidence");
                }
            }
            StepStatus::InProgress => {
                if self.started_at.is_none() || self.updated_at.is_none() {
                    return Err("a step in progress has no start date");
                }
                if self.due_at.is_some() {
                    return Err("a step in progress has a due date");
                }
            }
            StepStatus::Done | StepStatus::DueAgain => {
                if self.started_at.is_none() || self.updated_at.is_none() {
                    return Err("a completed step has no start date");
                }
                let Some(done) = self.done_at else {
                    return Err("a completed step has no completion date");
                };
                match &self.evidence {
                    Some(e) if e.completes_step() => {}
                    _ => return Err("a completed step lacks completing evidence"),
                }
                if let Some(due) = self.due_at {
                    if due <= done {
                        return Err("a due date is not after the completion date");
                    }
                }
                if self.status == StepStatus::DueAgain {
                    match (self.due_at, self.updated_at) {
                        (Some(due), Some(updated)) if due <= updated => {}
                        _ => return Err("a step due again before its due date"),
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the step is `done` and its due date has passed at `now`.
    #[must_use]
    pub fn is_due(&self, now: Timestamp) -> bool {
        self.status == StepStatus::Done && self.due_at.is_some_and(|d| d <= now)
    }
}

/// Something that happens to a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "event", content = "evidence", rename_all = "snake_case")]
pub enum Event {
    /// Begin (or begin again) the step's work.
    Start,
    /// Record evidence: completing evidence makes the step `done`, other evidence `in_progress`.
    Record(Evidence),
    /// The due date of a `done` step has passed.
    FallDue,
    /// Back to `not_started`, forgetting dates and evidence (the audit log keeps them).
    Reset,
}

/// An illegal transition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// `Start` on a step already in progress.
    #[error("step {} ({step}) is already in progress", step.number())]
    AlreadyInProgress {
        /// The step.
        step: StepId,
    },
    /// `Start` on a step that is done.
    #[error("step {} ({step}) is done; record new evidence, or reset it to start over", step.number())]
    AlreadyDone {
        /// The step.
        step: StepId,
    },
    /// Evidence of another step.
    #[error("evidence for step {evidence} cannot be recorded for step {step}")]
    EvidenceForOtherStep {
        /// The step the event was for.
        step: StepId,
        /// The step the evidence is for.
        evidence: StepId,
    },
    /// Malformed evidence.
    #[error("invalid evidence: {0}")]
    InvalidEvidence(#[from] EvidenceError),
    /// `FallDue` on a step that is not `done`.
    #[error("step {} ({step}) is {status}, not done", step.number())]
    NotDone {
        /// The step.
        step: StepId,
        /// Its status.
        status: StepStatus,
    },
    /// `FallDue` on a step that does not recur.
    #[error("step {} ({step}) does not recur", step.number())]
    NotRecurring {
        /// The step.
        step: StepId,
    },
    /// `FallDue` before the due date.
    #[error("step {} ({step}) is not due until {due}", step.number())]
    NotDueYet {
        /// The step.
        step: StepId,
        /// The due date (RFC 3339).
        due: String,
    },
    /// `Reset` on a step not started.
    #[error("step {} ({step}) has not been started", step.number())]
    NotStarted {
        /// The step.
        step: StepId,
    },
}

impl TransitionError {
    /// A stable snake_case code, for IPC and scripts.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::AlreadyInProgress { .. } => "already_in_progress",
            TransitionError::AlreadyDone { .. } => "already_done",
            TransitionError::EvidenceForOtherStep { .. } => "evidence_for_other_step",
            TransitionError::InvalidEvidence(_) => "invalid_evidence",
            TransitionError::NotDone { .. } => "not_done",
            TransitionError::NotRecurring { .. } => "not_recurring",
            TransitionError::NotDueYet { .. } => "not_due_yet",
            TransitionError::NotStarted { .. } => "not_started",
        }
    }
}

/// An accepted transition: what the audit log records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Transition {
    /// The step.
    pub step: StepId,
    /// The status before.
    pub from: StepStatus,
    /// The status after.
    pub to: StepStatus,
    /// When.
    pub at: Timestamp,
    /// The evidence recorded, for `Record` events.
    pub evidence: Option<Evidence>,
}

/// Applies `event` to `state` at `now`: the new state and the transition to record.
///
/// # Errors
/// [`TransitionError`] when the event is illegal in the step's state or its evidence is
/// malformed; the state is unchanged then.
pub fn transition(
    state: &StepState,
    event: &Event,
    now: Timestamp,
    policy: &RecurrencePolicy,
) -> Result<(StepState, Transition), TransitionError> {
    let step = state.step;
    let mut next = state.clone();
    let mut recorded = None;
    match event {
        Event::Start => match state.status {
            StepStatus::NotStarted | StepStatus::DueAgain => {
                next.status = StepStatus::InProgress;
                next.started_at = Some(now);
                next.due_at = None;
            }
            StepStatus::InProgress => return Err(TransitionError::AlreadyInProgress { step }),
            StepStatus::Done => return Err(TransitionError::AlreadyDone { step }),
        },
        Event::Record(evidence) => {
            if evidence.step() != step {
                return Err(TransitionError::EvidenceForOtherStep {
                    step,
                    evidence: evidence.step(),
                });
            }
            evidence.validate(now)?;
            if state.status == StepStatus::NotStarted || state.status == StepStatus::Done {
                next.started_at = Some(now);
            }
            next.started_at = next.started_at.or(Some(now));
            if evidence.completes_step() {
                next.status = StepStatus::Done;
                next.done_at = Some(now);
                next.due_at = match evidence {
                    Evidence::DrillOwner(d) => Some(d.next_drill),
                    _ => policy.interval(step).map(|i| i.after(now)),
                }
                .filter(|due| *due > now);
            } else {
                next.status = StepStatus::InProgress;
                next.due_at = None;
            }
            next.evidence = Some(evidence.clone());
            recorded = Some(evidence.clone());
        }
        Event::FallDue => match (state.status, state.due_at) {
            (StepStatus::Done, Some(due)) if due <= now => next.status = StepStatus::DueAgain,
            (StepStatus::Done, Some(due)) => {
                return Err(TransitionError::NotDueYet {
                    step,
                    due: due.to_rfc3339(),
                })
            }
            (StepStatus::Done, None) => return Err(TransitionError::NotRecurring { step }),
            (status, _) => return Err(TransitionError::NotDone { step, status }),
        },
        Event::Reset => {
            if state.status == StepStatus::NotStarted {
                return Err(TransitionError::NotStarted { step });
            }
            next = StepState::new(step);
        }
    }
    if next.status != StepStatus::NotStarted {
        next.updated_at = Some(now);
    }
    let t = Transition {
        step,
        from: state.status,
        to: next.status,
        at: now,
        evidence: recorded,
    };
    Ok((next, t))
}

/// The five steps' states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Checklist {
    /// One state per step, in step order.
    pub steps: Vec<StepState>,
}

/// How far the checklist is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Progress {
    /// Steps done.
    pub done: u32,
    /// Steps due again.
    pub due_again: u32,
    /// Steps in progress.
    pub in_progress: u32,
    /// All steps (5).
    pub total: u32,
}

impl Default for Checklist {
    fn default() -> Self {
        Checklist::new()
    }
}

impl Checklist {
    /// Five steps, none started.
    #[must_use]
    pub fn new() -> Self {
        Checklist {
            steps: StepId::ALL.iter().map(|s| StepState::new(*s)).collect(),
        }
    }

    /// A checklist from stored states: steps missing from `states` are not started; a step
    /// given twice keeps the last.
    #[must_use]
    pub fn from_states(states: Vec<StepState>) -> Self {
        let mut c = Checklist::new();
        for s in states {
            if let Some(slot) = c.steps.iter_mut().find(|x| x.step == s.step) {
                *slot = s;
            }
        }
        c
    }

    /// The state of `step`.
    #[must_use]
    pub fn get(&self, step: StepId) -> StepState {
        self.steps
            .iter()
            .find(|s| s.step == step)
            .cloned()
            .unwrap_or_else(|| StepState::new(step))
    }

    /// Applies `event` to `step` (see [`transition`]).
    ///
    /// # Errors
    /// [`TransitionError`]; the checklist is unchanged then.
    pub fn apply(
        &mut self,
        step: StepId,
        event: &Event,
        now: Timestamp,
        policy: &RecurrencePolicy,
    ) -> Result<Transition, TransitionError> {
        let (next, t) = transition(&self.get(step), event, now, policy)?;
        if let Some(slot) = self.steps.iter_mut().find(|x| x.step == step) {
            *slot = next;
        }
        Ok(t)
    }

    /// The steps that are `done` and whose due date has passed at `now`: they should fall due
    /// again ([`Event::FallDue`]).
    #[must_use]
    pub fn due_steps(&self, now: Timestamp) -> Vec<StepId> {
        due_again(&self.steps, now)
    }

    /// Counts by status.
    #[must_use]
    pub fn progress(&self) -> Progress {
        let count = |st: StepStatus| {
            u32::try_from(self.steps.iter().filter(|s| s.status == st).count()).unwrap_or(0)
        };
        Progress {
            done: count(StepStatus::Done),
            due_again: count(StepStatus::DueAgain),
            in_progress: count(StepStatus::InProgress),
            total: u32::try_from(self.steps.len()).unwrap_or(0),
        }
    }

    /// The next drill date recorded for step 4, if any.
    #[must_use]
    pub fn next_drill(&self) -> Option<Timestamp> {
        match self.get(StepId::DrillOwner).evidence {
            Some(Evidence::DrillOwner(d)) => Some(d.next_drill),
            _ => None,
        }
    }
}

/// Which of `states` are `done` with a due date at or before `now`.
#[must_use]
pub fn due_again(states: &[StepState], now: Timestamp) -> Vec<StepId> {
    states
        .iter()
        .filter(|s| s.is_due(now))
        .map(|s| s.step)
        .collect()
}

/// What the daily reminder does at one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderDecision {
    /// No step is due again: nothing to remind.
    NothingDue,
    /// A step is due, but the user turned reminders off.
    Off,
    /// A step is due, but a reminder was already shown today.
    AlreadyShownToday,
    /// Show the reminder (and remember today).
    Show,
}

/// The daily reminder's rule: when at least one step is `due_again`, remind once a day
/// (`today` and `shown_on` are the same kind of date, `YYYY-MM-DD` on the user's local
/// calendar), unless reminders are off.
#[must_use]
pub fn reminder_decision(
    due_again: usize,
    enabled: bool,
    shown_on: Option<&str>,
    today: &str,
) -> ReminderDecision {
    if due_again == 0 {
        ReminderDecision::NothingDue
    } else if !enabled {
        ReminderDecision::Off
    } else if shown_on.map(str::trim) == Some(today) {
        ReminderDecision::AlreadyShownToday
    } else {
        ReminderDecision::Show
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp(1_767_225_600); // 2026-01-01T00:00:00Z
    const DAY: i64 = 86_400;

    fn at(days: i64) -> Timestamp {
        Timestamp(T0.0 + days * DAY)
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(Interval::QUARTER.after(T0).to_date(), "2026-04-01");
        assert_eq!(Interval::YEAR.after(T0).to_date(), "2027-01-01");
        let jan31 = Timestamp(T0.0 + 30 * DAY + 3600);
        assert_eq!(
            Interval::Months(1).after(jan31).to_rfc3339(),
            "2026-02-28T01:00:00Z"
        );
        let nov30 = Timestamp(1_795_996_800); // 2026-11-30
        assert_eq!(nov30.to_date(), "2026-11-30");
        assert_eq!(Interval::QUARTER.after(nov30).to_date(), "2027-02-28");
        assert_eq!(Interval::Days(10).after(T0).to_date(), "2026-01-11");
        assert_eq!(
            Interval::Months(12).after(Timestamp(951_782_400)).to_date(),
            "2001-02-28"
        );
        assert_eq!(parse_date("2026-01-01"), Some(T0));
        assert_eq!(
            parse_date("2024-02-29").map(Timestamp::to_date).as_deref(),
            Some("2024-02-29")
        );
        for bad in [
            "2025-02-29",
            "2026-13-01",
            "2026-1",
            "tomorrow",
            "2026-01-00",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_full_round_of_the_drill_step() {
        let p = RecurrencePolicy::default();
        let mut c = Checklist::new();
        let t = c
            .apply(StepId::DrillOwner, &Event::Start, at(0), &p)
            .unwrap();
        assert_eq!(
            (t.from, t.to),
            (StepStatus::NotStarted, StepStatus::InProgress)
        );
        let drill = Evidence::DrillOwner(DrillEvidence {
            owner: "Chan Tai Man".into(),
            schedule: Interval::QUARTER,
            next_drill: Interval::QUARTER.after(at(1)),
        });
        let t = c
            .apply(StepId::DrillOwner, &Event::Record(drill.clone()), at(1), &p)
            .unwrap();
        assert_eq!(t.to, StepStatus::Done);
        assert_eq!(t.evidence, Some(drill));
        assert_eq!(c.next_drill().unwrap().to_date(), "2026-04-02");
        assert!(c.due_steps(at(90)).is_empty());
        assert_eq!(c.due_steps(at(91)), vec![StepId::DrillOwner]);
        assert!(matches!(
            c.apply(StepId::DrillOwner, &Event::FallDue, at(5), &p),
            Err(TransitionError::NotDueYet { .. })
        ));
        let t = c
            .apply(StepId::DrillOwner, &Event::FallDue, at(91), &p)
            .unwrap();
        assert_eq!(t.to, StepStatus::DueAgain);
        assert_eq!(c.progress().due_again, 1);
        for s in &c.steps {
            s.check_consistency().unwrap();
        }
    }

    #[test]
    fn evidence_decides_done_or_in_progress() {
        let p = RecurrencePolicy::default();
        let mut c = Checklist::new();
        let scan = |flagged, removed| {
            Event::Record(Evidence::RemoveUnofficialNumbers(ScanEvidence {
                files: 2,
                entries: 300,
                flagged,
                removed,
            }))
        };
        let s1 = StepId::RemoveUnofficialNumbers;
        assert_eq!(
            c.apply(s1, &scan(3, 0), at(0), &p).unwrap().to,
            StepStatus::InProgress
        );
        assert_eq!(
            c.apply(s1, &scan(3, 3), at(1), &p).unwrap().to,
            StepStatus::Done
        );
        assert_eq!(c.get(s1).due_at, None, "step 1 does not recur by default");
        assert_eq!(
            c.apply(s1, &scan(1, 0), at(2), &p).unwrap().to,
            StepStatus::InProgress
        );
        assert_eq!(
            c.get(s1).done_at,
            Some(at(1)),
            "the last completion is kept"
        );

        let s5 = StepId::Training;
        let quiz = |s, t| Event::Record(Evidence::Training(QuizEvidence::new(s, t)));
        assert_eq!(
            c.apply(s5, &quiz(7, 10), at(0), &p).unwrap().to,
            StepStatus::InProgress
        );
        assert_eq!(
            c.apply(s5, &quiz(8, 10), at(1), &p).unwrap().to,
            StepStatus::Done
        );
        assert_eq!(c.get(s5).due_at.unwrap().to_date(), "2027-01-02");
    }

    #[test]
    fn illegal_transitions_are_typed() {
        let p = RecurrencePolicy::default();
        let mut c = Checklist::new();
        let s = StepId::AlertsOn;
        assert_eq!(
            c.apply(s, &Event::Reset, at(0), &p),
            Err(TransitionError::NotStarted { step: s })
        );
        assert!(matches!(
            c.apply(s, &Event::FallDue, at(0), &p),
            Err(TransitionError::NotDone { .. })
        ));
        c.apply(s, &Event::Start, at(0), &p).unwrap();
        assert_eq!(
            c.apply(s, &Event::Start, at(0), &p),
            Err(TransitionError::AlreadyInProgress { step: s })
        );
        let wrong = Event::Record(Evidence::Training(QuizEvidence::new(10, 10)));
        assert!(matches!(
            c.apply(s, &wrong, at(0), &p),
            Err(TransitionError::EvidenceForOtherStep { .. })
        ));
        let alert = Event::Record(Evidence::AlertsOn(AlertEvidence {
            test_alert_confirmed_at: at(0),
            start_at_login: true,
        }));
        c.apply(s, &alert, at(0), &p).unwrap();
        assert_eq!(
            c.apply(s, &Event::FallDue, at(900), &p),
            Err(TransitionError::NotRecurring { step: s })
        );
        assert_eq!(
            c.apply(s, &Event::Start, at(1), &p),
            Err(TransitionError::AlreadyDone { step: s })
        );
        let future = Event::Record(Evidence::AlertsOn(AlertEvidence {
            test_alert_confirmed_at: at(2),
            start_at_login: true,
        }));
        assert!(matches!(
            c.apply(s, &future, at(1), &p),
            Err(TransitionError::InvalidEvidence(EvidenceError::InFuture(_)))
        ));
        let t = c.apply(s, &Event::Reset, at(3), &p).unwrap();
        assert_eq!((t.from, t.to), (StepStatus::Done, StepStatus::NotStarted));
        assert_eq!(c.get(s), StepState::new(s));
    }

    #[test]
    fn malformed_evidence_is_named() {
        let now = at(0);
        let v = |e: Evidence| e.validate(now).err().map(|e| e.code());
        let drill = |owner: &str, next: Timestamp| {
            Evidence::DrillOwner(DrillEvidence {
                owner: owner.into(),
                schedule: Interval::QUARTER,
                next_drill: next,
            })
        };
        assert_eq!(v(drill("  ", at(10))), Some("empty_owner"));
        assert_eq!(v(drill("a\u{7}b", at(10))), Some("bad_owner"));
        assert_eq!(v(drill("Ann", now)), Some("next_drill_not_in_future"));
        assert_eq!(v(drill("Ann", at(1))), None);
        let quiz = |score, total, passed| {
            Evidence::Training(QuizEvidence {
                score,
                total,
                passed,
            })
        };
        assert_eq!(v(quiz(0, 0, false)), Some("no_questions"));
        assert_eq!(v(quiz(11, 10, true)), Some("score_above_total"));
        assert_eq!(v(quiz(7, 10, true)), Some("passed_mismatch"));
        assert_eq!(v(quiz(8, 10, true)), None);
        let scan = |files, entries, flagged, removed| {
            Evidence::RemoveUnofficialNumbers(ScanEvidence {
                files,
                entries,
                flagged,
                removed,
            })
        };
        assert_eq!(v(scan(0, 0, 0, 0)), Some("no_files"));
        assert_eq!(v(scan(1, 2, 3, 0)), Some("scan_counts"));
        assert_eq!(v(scan(1, 5, 3, 4)), Some("scan_counts"));
    }

    #[test]
    fn evidence_json_is_tagged_and_stable() {
        let e = Evidence::Training(QuizEvidence::new(9, 10));
        assert_eq!(
            e.to_json().unwrap(),
            r#"{"step":"training","score":9,"total":10,"passed":true}"#
        );
        let back: Evidence = serde_json::from_str(&e.to_json().unwrap()).unwrap();
        assert_eq!(back, e);
        let d = Evidence::DrillOwner(DrillEvidence {
            owner: "Ann".into(),
            schedule: Interval::QUARTER,
            next_drill: T0,
        });
        assert_eq!(
            d.to_json().unwrap(),
            r#"{"step":"drill_owner","owner":"Ann","schedule":{"months":3},"next_drill":1767225600}"#
        );
    }

    #[test]
    fn the_reminder_shows_once_a_day_when_due_and_on() {
        use ReminderDecision::*;
        assert_eq!(reminder_decision(0, true, None, "2026-11-29"), NothingDue);
        assert_eq!(reminder_decision(0, false, None, "2026-11-29"), NothingDue);
        assert_eq!(reminder_decision(1, false, None, "2026-11-29"), Off);
        assert_eq!(reminder_decision(2, true, None, "2026-11-29"), Show);
        assert_eq!(
            reminder_decision(1, true, Some("2026-11-28"), "2026-11-29"),
            Show
        );
        assert_eq!(
            reminder_decision(1, true, Some("2026-11-29"), "2026-11-29"),
            AlreadyShownToday
        );
        // A clock moved back a day (or a zone change) reminds again rather than never.
        assert_eq!(
            reminder_decision(1, true, Some("2026-11-30"), "2026-11-29"),
            Show
        );
    }
}
