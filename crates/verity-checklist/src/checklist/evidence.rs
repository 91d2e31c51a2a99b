//! The evidence that completes (or does not complete) a step, typed, and its checks.

use serde::{Deserialize, Serialize};

use super::*;
use verity_core::clock::Timestamp;

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
    /// The employee's last scam drill (issue 15) and what they did, once there was one. Absent
    /// in evidence recorded before drills existed (still readable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_drill: Option<LastDrill>,
}

/// What an employee did with a scam drill's lure, first: the final outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DrillOutcomeKind {
    /// Reported it (Report to IT, or a Check of its number or link).
    Reported,
    /// Opened its link or typed a code into the fake chat.
    Engaged,
    /// Dismissed it, or let it expire.
    Ignored,
}

impl DrillOutcomeKind {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DrillOutcomeKind::Reported => "reported",
            DrillOutcomeKind::Engaged => "engaged",
            DrillOutcomeKind::Ignored => "ignored",
        }
    }

    /// The kind of a wire name.
    #[must_use]
    pub fn parse(s: &str) -> Option<DrillOutcomeKind> {
        [
            DrillOutcomeKind::Reported,
            DrillOutcomeKind::Engaged,
            DrillOutcomeKind::Ignored,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Step 4's record of the last scam drill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LastDrill {
    /// The drill's id (1–64 characters).
    pub drill_id: String,
    /// What the employee did first.
    pub outcome: DrillOutcomeKind,
    /// When.
    pub at: Timestamp,
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
    /// The last drill's id is empty, too long or not printable.
    #[error("the last drill's id must be 1 to 64 printable characters")]
    BadDrill,
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
            EvidenceError::BadDrill => "bad_drill",
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
                if let Some(last) = &d.last_drill {
                    if last.drill_id.is_empty()
                        || last.drill_id.len() > 64
                        || last
                            .drill_id
                            .chars()
                            .any(|c| c.is_control() || c.is_whitespace())
                    {
                        return Err(EvidenceError::BadDrill);
                    }
                    not_future(last.at)?;
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
