//! Scam drills (issue 15, `docs/drills.md`): the desk's records ([`DrillStore`]), the scheduling
//! of each device's moment over a window's working hours ([`schedule`]), the results math
//! ([`results`]: per drill, per team, repeat engagers, the quarter trend) and the PDF report
//! ([`pdf`]). The rules (endpoints, console) are in `service/drills.rs`.

use crate::store::StoreError;
use serde::{Deserialize, Serialize};
use verity_device::proto::drill::{OutcomeEvent, OutcomeHow, Scenario};

pub mod pdf;
pub mod results;
pub mod schedule;

/// The most entries on the reserved drill list.
pub const MAX_RESERVED: usize = 200;
/// Longest reserved-list label and drill name, in characters.
pub const MAX_LABEL_CHARS: usize = 64;
/// Longest drill name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The most teams an audience names.
pub const MAX_AUDIENCE_TEAMS: usize = 100;

/// Who a drill is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// Every enrolled employee device: `{"all": true}`.
    All {
        /// Always true.
        all: bool,
    },
    /// The devices of these teams: `{"teams": [...]}`.
    Teams {
        /// Team names.
        teams: Vec<String>,
    },
}

impl Audience {
    /// The teams, or `None` for everyone.
    #[must_use]
    pub fn teams(&self) -> Option<&[String]> {
        match self {
            Audience::All { .. } => None,
            Audience::Teams { teams } => Some(teams),
        }
    }
}

/// `number` or `link`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservedKind {
    /// An E.164 number.
    Number,
    /// An `https://` link.
    Link,
}

impl ReservedKind {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ReservedKind::Number => "number",
            ReservedKind::Link => "link",
        }
    }

    /// The kind named `s`.
    #[must_use]
    pub fn parse(s: &str) -> Option<ReservedKind> {
        match s {
            "number" => Some(ReservedKind::Number),
            "link" => Some(ReservedKind::Link),
            _ => None,
        }
    }
}

/// An entry of the reserved drill list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReservedRecord {
    /// Id.
    pub id: u64,
    /// Kind.
    pub kind: ReservedKind,
    /// The number (E.164) or link.
    pub value: String,
    /// What it is.
    pub label: String,
    /// Who added it (operation-log actor).
    pub added_by: String,
    /// When.
    pub added_at: u64,
}

/// A drill as made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrillRecord {
    /// `d-` and 16 hex digits.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The script.
    pub scenario: Scenario,
    /// The drill number.
    pub number: String,
    /// The drill link.
    pub link: String,
    /// Who it is for.
    pub audience: Audience,
    /// The window's start, Unix seconds.
    pub window_start: u64,
    /// The window's end (18:00 of its last working day), Unix seconds.
    pub window_end: u64,
    /// Working days in the window.
    pub working_days: u32,
    /// Seconds to act after delivery.
    pub act_secs: u64,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: u64,
    /// When cancelled.
    pub cancelled_at: Option<u64>,
}

/// One device's lure in a drill, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetRecord {
    /// The drill.
    pub drill_id: String,
    /// The device.
    pub device_id: String,
    /// Its employee.
    pub employee_id: String,
    /// The employee's name.
    pub employee_name: String,
    /// The employee's team (`""` for none).
    pub team: String,
    /// When to show it.
    pub deliver_at: u64,
    /// When unanswered counts as ignored.
    pub expires_at: u64,
    /// When the desk last handed it out.
    pub issued_at: Option<u64>,
    /// When the device showed it.
    pub delivered_at: Option<u64>,
    /// The final outcome.
    pub outcome: Option<OutcomeEvent>,
    /// How.
    pub how: Option<OutcomeHow>,
    /// When (device clock).
    pub outcome_at: Option<u64>,
}

/// A device in a drill's audience, as the store finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceMember {
    /// The device.
    pub device_id: String,
    /// Its employee.
    pub employee_id: String,
    /// The employee's name.
    pub employee_name: String,
    /// The team (`""` for none).
    pub team: String,
}

/// The drill programme's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgrammeRecord {
    /// Who runs the drills.
    pub owner: String,
    /// Months between drills.
    pub every_months: u32,
    /// The next drill's due date as set with the programme, Unix seconds.
    pub next_due: u64,
    /// The due date the last reminder was written for.
    pub reminded_at: Option<u64>,
}

/// What an outcome did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeResult {
    /// No such drill, or the device is not among its targets.
    Unknown,
    /// What the desk holds now.
    Held {
        /// Whether this request recorded something.
        recorded: bool,
        /// Delivered at.
        delivered_at: Option<u64>,
        /// The final outcome on record.
        outcome: Option<OutcomeEvent>,
    },
}

/// What removing a reserved entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveReserved {
    /// Removed.
    Removed,
    /// No such entry.
    NotFound,
    /// A drill that is not over uses it.
    InUse,
}

/// The drills' records. Every rule that races (an outcome recorded once, the first final one
/// winning; handing out lures) is one transaction of the store.
pub trait DrillStore {
    /// Adds to the reserved list; `None` when the value is on it already.
    ///
    /// # Errors
    /// Store failures.
    fn add_reserved(
        &self,
        kind: ReservedKind,
        value: &str,
        label: &str,
        by: &str,
        at: u64,
    ) -> Result<Option<u64>, StoreError>;

    /// The reserved list, by id.
    ///
    /// # Errors
    /// Store failures.
    fn reserved(&self) -> Result<Vec<ReservedRecord>, StoreError>;

    /// Removes a reserved entry unless a drill not over at `now` (not cancelled, and its window
    /// plus the time to act not past) uses it.
    ///
    /// # Errors
    /// Store failures.
    fn remove_reserved(&self, id: u64, now: u64) -> Result<RemoveReserved, StoreError>;

    /// The enrolled, not revoked, employee devices of `teams` (`None`: all), with their team.
    ///
    /// # Errors
    /// Store failures.
    fn drill_audience(&self, teams: Option<&[String]>) -> Result<Vec<AudienceMember>, StoreError>;

    /// Records a drill and its targets (one transaction).
    ///
    /// # Errors
    /// Store failures.
    fn create_drill(&self, drill: &DrillRecord, targets: &[TargetRecord])
        -> Result<(), StoreError>;

    /// Every drill, newest window first.
    ///
    /// # Errors
    /// Store failures.
    fn drills(&self) -> Result<Vec<DrillRecord>, StoreError>;

    /// One drill.
    ///
    /// # Errors
    /// Store failures.
    fn drill(&self, id: &str) -> Result<Option<DrillRecord>, StoreError>;

    /// Cancels a drill; false when it was cancelled already.
    ///
    /// # Errors
    /// Store failures.
    fn cancel_drill(&self, id: &str, at: u64) -> Result<bool, StoreError>;

    /// A drill's targets (`None`: every drill's), by device.
    ///
    /// # Errors
    /// Store failures.
    fn drill_targets(&self, drill_id: Option<&str>) -> Result<Vec<TargetRecord>, StoreError>;

    /// The device's lures to hand out at `now` (`deliver_at ≤ now + lookahead`, `expires_at >
    /// now`, no final outcome, drill not cancelled; at most `max`, soonest first), marked issued
    /// at `now` (one transaction).
    ///
    /// # Errors
    /// Store failures.
    fn issue_lures(
        &self,
        device_id: &str,
        now: u64,
        lookahead: u64,
        max: usize,
    ) -> Result<Vec<(DrillRecord, TargetRecord)>, StoreError>;

    /// Records an outcome (one transaction): `delivered` once; a final outcome once, the first
    /// one winning (and `delivered_at` too when none is on record).
    ///
    /// # Errors
    /// Store failures.
    fn record_outcome(
        &self,
        drill_id: &str,
        device_id: &str,
        how: OutcomeHow,
        at: u64,
    ) -> Result<OutcomeResult, StoreError>;

    /// The programme, if set.
    ///
    /// # Errors
    /// Store failures.
    fn programme(&self) -> Result<Option<ProgrammeRecord>, StoreError>;

    /// Sets the programme (`reminded_at` is kept).
    ///
    /// # Errors
    /// Store failures.
    fn set_programme(
        &self,
        owner: &str,
        every_months: u32,
        next_due: u64,
    ) -> Result<(), StoreError>;

    /// Marks the reminder for `due` written; false when it was already (one statement).
    ///
    /// # Errors
    /// Store failures.
    fn mark_reminded(&self, due: u64) -> Result<bool, StoreError>;
}
