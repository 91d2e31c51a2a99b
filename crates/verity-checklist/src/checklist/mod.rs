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

mod evidence;
mod recurrence;
#[cfg(test)]
mod tests;

pub use evidence::{
    quiz_passes, AcknowledgementEvidence, AlertEvidence, DrillEvidence, DrillOutcomeKind, Evidence,
    EvidenceError, LastDrill, QuizEvidence, ScanEvidence,
};
pub use recurrence::{parse_date, Interval, RecurrencePolicy};

use serde::{Deserialize, Serialize};

use verity_core::clock::Timestamp;
use verity_core::code_enum;

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
pub(super) const CLOCK_SKEW: i64 = 300;

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
