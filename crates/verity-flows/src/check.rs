//! Checking a number, a link or a message: the one place a [`CheckContext`] is set up, the one
//! size limit, and what a check leaves in the history.

use crate::FlowError;
use verity_check::check::{check as core_check, CheckContext, CheckOutcome};
use verity_check::history::{CheckSource, HistoryRecord};
use verity_check::message::MAX_TEXT_BYTES;
use verity_check::verdict::CheckKind;
use verity_core::phone::Region;
use verity_core::Timestamp;
use verity_store::{Store, StoreError};

/// The most text one check takes, in bytes. Above it a check is refused with
/// [`FlowError::TooLong`] in every front end (the core would only read its first part).
pub const MAX_INPUT_BYTES: usize = MAX_TEXT_BYTES;

/// Runs `f` with the store's blocklist (one read snapshot) and official directory, reading numbers
/// without a country code in `region`, or in the user's region from Settings when `None`.
///
/// # Errors
/// Store errors, or `f`'s.
pub fn with_context<T>(
    store: &mut Store,
    region: Option<Region>,
    f: impl FnOnce(&CheckContext<'_>) -> Result<T, FlowError>,
) -> Result<T, FlowError> {
    let default_region = match region {
        Some(r) => r,
        None => store.settings()?.region,
    };
    let (index, official) = store.lookup_tables()?;
    let ctx = CheckContext {
        index: &index,
        official,
        default_region,
    };
    f(&ctx)
}

/// Checks one input in `ctx`; `kind` is detected when `None`.
///
/// # Errors
/// [`FlowError::TooLong`] over [`MAX_INPUT_BYTES`]; store errors.
pub fn check_in(
    input: &str,
    kind: Option<CheckKind>,
    ctx: &CheckContext<'_>,
) -> Result<CheckOutcome, FlowError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(FlowError::TooLong {
            what: "text",
            max: MAX_INPUT_BYTES,
        });
    }
    Ok(core_check(input, kind, ctx).map_err(StoreError::from)?)
}

/// Checks one input against the store (see [`with_context`] and [`check_in`]). Records nothing.
///
/// # Errors
/// As [`check_in`].
pub fn check(
    store: &mut Store,
    input: &str,
    kind: Option<CheckKind>,
    region: Option<Region>,
) -> Result<CheckOutcome, FlowError> {
    with_context(store, region, |ctx| check_in(input, kind, ctx))
}

/// Checks one input and records it in the history of recent checks (see
/// `verity_check::history` for what is kept). A history that cannot be written is logged: the
/// check still answers.
///
/// # Errors
/// As [`check`].
pub fn check_and_remember(
    store: &mut Store,
    input: &str,
    kind: Option<CheckKind>,
    source: CheckSource,
    at: Timestamp,
) -> Result<CheckOutcome, FlowError> {
    let outcome = check(store, input, kind, None)?;
    if let Some(record) = HistoryRecord::from_outcome(&outcome, source) {
        if let Err(e) = store.record_check(&record, at) {
            log::warn!("cannot record the check in the history: {e}");
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use verity_check::verdict::Verdict;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    #[test]
    fn the_limit_is_the_cores_and_is_refused_past_it() {
        let (_d, mut s) = store();
        let at_limit = "a".repeat(MAX_INPUT_BYTES);
        let o = check(&mut s, &at_limit, Some(CheckKind::Text), None).unwrap();
        assert_ne!(o.verdict, Verdict::Invalid, "text at the limit is read");
        let over = "a".repeat(MAX_INPUT_BYTES + 1);
        let e = check(&mut s, &over, Some(CheckKind::Text), None).unwrap_err();
        assert!(matches!(e, FlowError::TooLong { max, .. } if max == MAX_INPUT_BYTES));
        assert_eq!(e.to_string(), "the text is longer than 32 KiB");
    }

    #[test]
    fn a_check_is_remembered_once_and_a_plain_check_not_at_all() {
        let (_d, mut s) = store();
        check(&mut s, "+852 2123 4567", None, None).unwrap();
        assert!(s.check_history().unwrap().is_empty());
        check_and_remember(
            &mut s,
            "+852 2123 4567",
            None,
            CheckSource::Screen,
            Timestamp(1_800_000_000),
        )
        .unwrap();
        let h = s.check_history().unwrap();
        assert_eq!(h.len(), 1);
    }
}
