//! The flows' one error type: each variant is a different thing the front ends tell apart.

use std::path::PathBuf;

/// Why a flow did not complete. Nothing was written when a flow fails, unless its
/// documentation says otherwise.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// An input over a flow's size limit.
    #[error("the {what} is longer than {} KiB", max / 1024)]
    TooLong {
        /// What was too long ("text").
        what: &'static str,
        /// The limit, in bytes.
        max: usize,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] verity_store::StoreError),
    /// A checklist change that the rules refuse (illegal transition, malformed evidence).
    #[error(transparent)]
    Transition(#[from] verity_checklist::checklist::TransitionError),
    /// A new key file's passphrase breaks the policy.
    #[error(transparent)]
    Passphrase(#[from] crate::device::PassphraseError),
    /// A device operation failed (the desk, the key store, the device state).
    #[error(transparent)]
    Device(#[from] verity_device::DeviceError),
    /// A feed sync failed; the list is unchanged.
    #[error(transparent)]
    Feed(#[from] verity_feed::FeedError),
    /// The manager's report could not be encoded.
    #[error(transparent)]
    Report(#[from] verity_checklist::report::ReportError),
    /// A note for IT that holds a one-time code: a code is never sent to anyone, IT included
    /// (the code guard's own reports carry none; the employee's note must not either).
    #[error("the note holds a one-time code: never send a code to anyone, not even IT")]
    NoteHoldsCode,
    /// Nothing to report: a check of an input that could not be read at all, or a Threats
    /// entry or warning sign that is no longer kept.
    #[error("there is nothing to report: {0}")]
    NothingToReport(&'static str),
    /// A drill flow refused (an unknown drill, a chat message that does not hold).
    #[error(transparent)]
    Drill(#[from] crate::drill::DrillError),
    /// A file that must be new already exists.
    #[error("{} already exists", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A file could not be written (no such folder, read-only, disk full…); nothing of it is
    /// left behind.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
}

impl From<verity_store::ChecklistError> for FlowError {
    fn from(e: verity_store::ChecklistError) -> Self {
        match e {
            verity_store::ChecklistError::Store(s) => FlowError::Store(s),
            verity_store::ChecklistError::Transition(t) => FlowError::Transition(t),
        }
    }
}

impl FlowError {
    /// Whether the failure is the disk (or the user's quota) being full.
    #[must_use]
    pub fn is_disk_full(&self) -> bool {
        match self {
            FlowError::Write { source, .. } => source.kind() == std::io::ErrorKind::StorageFull,
            FlowError::Store(e) => e.is_disk_full(),
            FlowError::Feed(e) => e.is_disk_full(),
            FlowError::Device(_)
            | FlowError::TooLong { .. }
            | FlowError::Transition(_)
            | FlowError::Passphrase(_)
            | FlowError::Report(_)
            | FlowError::NoteHoldsCode
            | FlowError::NothingToReport(_)
            | FlowError::Exists { .. }
            | FlowError::Drill(_) => false,
        }
    }
}
