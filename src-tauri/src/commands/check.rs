use crate::error::{CmdResult, ErrorCode, IpcError};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;
use verity_core::check::{check as run_core_check, CheckContext, CheckOutcome};
use verity_core::history::{CheckSource, HistoryEntry, HistoryRecord};
use verity_core::verdict::CheckKind;

/// Sent to the UI after a check made outside the Check screen ("Check clipboard", from the
/// tray or the shortcut), so that an open "Recent checks" list shows it.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct HistoryChanged;

/// The most text one check takes (a long pasted chat is well under this).
const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Checks `input` against the store's blocklist and official directory, in the user's region,
/// and records it in the history of recent checks (see `verity_core::history` for what is kept).
/// Shared by the Check screen and "Check clipboard" (`source`). A history that cannot be written
/// is logged, never a failed check.
///
/// # Errors
/// `invalid_input` for an oversized input; store errors.
pub fn run_check(
    state: &AppState,
    input: &str,
    kind: Option<CheckKind>,
    source: CheckSource,
) -> CmdResult<CheckOutcome> {
    let outcome = check_only(state, input, kind)?;
    if let Some(record) = HistoryRecord::from_outcome(&outcome, source) {
        let at = crate::feed_sync::now();
        if let Err(e) = state.with_store(|s| s.record_check(&record, at)) {
            log::warn!("cannot record the check in the history: {}", e.message);
        }
    }
    Ok(outcome)
}

fn check_only(state: &AppState, input: &str, kind: Option<CheckKind>) -> CmdResult<CheckOutcome> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            format!("the text is longer than {} KiB", MAX_INPUT_BYTES / 1024),
        ));
    }
    state.with_store(|s| {
        let default_region = s.settings()?.region;
        let (index, official) = s.lookup_tables()?;
        let ctx = CheckContext {
            index: &index,
            official,
            default_region,
        };
        Ok(run_core_check(input, kind, &ctx)?)
    })
}

/// Checks a phone number, link or message text against the local blocklist, the official
/// directory and the rules. `kind` is detected when absent. The check is recorded in the
/// history unless `remember` is `false`: a check run again from the history is not, since it
/// sees only what the history kept (a message's numbers and links, not its words) and would
/// replace the first verdict with a weaker one.
#[tauri::command]
#[specta::specta]
pub async fn check(
    state: State<'_, AppState>,
    input: String,
    kind: Option<CheckKind>,
    remember: Option<bool>,
) -> CmdResult<CheckOutcome> {
    if remember == Some(false) {
        return check_only(&state, &input, kind);
    }
    run_check(&state, &input, kind, CheckSource::Screen)
}

/// The recent checks, newest first (at most `verity_store::MAX_HISTORY`).
#[tauri::command]
#[specta::specta]
pub async fn check_history(state: State<'_, AppState>) -> CmdResult<Vec<HistoryEntry>> {
    state.with_store(|s| s.check_history())
}

/// Deletes the history of recent checks for good; returns how many were removed.
#[tauri::command]
#[specta::specta]
pub async fn clear_check_history(state: State<'_, AppState>) -> CmdResult<u32> {
    state.with_store(verity_store::Store::clear_check_history)
}
