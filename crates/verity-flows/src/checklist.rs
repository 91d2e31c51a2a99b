//! The checklist's transitions as both front ends make them: steps whose interval has passed
//! fall due first, then the event is applied with its audit record (one transaction).

use crate::FlowError;
use verity_checklist::checklist::{Checklist, Event, Evidence, StepId};
use verity_core::Timestamp;
use verity_store::{Applied, Store};

/// The checklist at `now`, after letting due steps fall due.
///
/// # Errors
/// Store errors.
pub fn current(store: &mut Store, now: Timestamp) -> Result<Checklist, FlowError> {
    store.fall_due_steps(now)?;
    Ok(store.checklist()?)
}

/// Applies `event` to `step` at `now`, after letting due steps fall due.
///
/// # Errors
/// [`FlowError::Transition`] when the rules refuse it (nothing is written); store errors.
pub fn apply(
    store: &mut Store,
    step: StepId,
    event: &Event,
    now: Timestamp,
) -> Result<Applied, FlowError> {
    store.fall_due_steps(now)?;
    Ok(store.apply_checklist_event(step, event, now)?)
}

/// Records `evidence` for its step at `now` (see [`apply`]).
///
/// # Errors
/// As [`apply`].
pub fn record(store: &mut Store, evidence: Evidence, now: Timestamp) -> Result<Applied, FlowError> {
    let step = evidence.step();
    apply(store, step, &Event::Record(evidence), now)
}
