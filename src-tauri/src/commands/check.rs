use crate::error::CmdResult;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime, State};
use verity_check::check::CheckOutcome;
use verity_check::history::{CheckSource, HistoryEntry};
use verity_check::verdict::CheckKind;

/// Sent to the UI after a check made outside the Check screen ("Check clipboard", from the
/// tray or the shortcut), so that an open "Recent checks" list shows it.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct HistoryChanged;

/// Checks `input` against the store's blocklist and official directory, in the user's region,
/// and records it in the history of recent checks (`verity_flows::check::check_and_remember`).
/// Shared by the Check screen and "Check clipboard" (`source`).
///
/// # Errors
/// `invalid_input` (reason `too_long`) for an input over `verity_flows::check::MAX_INPUT_BYTES`;
/// store errors.
pub fn run_check(
    state: &AppState,
    input: &str,
    kind: Option<CheckKind>,
    source: CheckSource,
) -> CmdResult<CheckOutcome> {
    let at = crate::clock::now();
    state.with_flow(|s| verity_flows::check::check_and_remember(s, input, kind, source, at))
}

/// Checks a phone number, link or message text against the local blocklist, the official
/// directory and the rules. `kind` is detected when absent. The check is recorded in the
/// history unless `remember` is `false`: a check run again from the history is not, since it
/// sees only what the history kept (a message's numbers and links, not its words) and would
/// replace the first verdict with a weaker one.
#[tauri::command]
#[specta::specta]
pub async fn check<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    input: String,
    kind: Option<CheckKind>,
    remember: Option<bool>,
) -> CmdResult<CheckOutcome> {
    let outcome = if remember == Some(false) {
        state.with_flow(|s| verity_flows::check::check(s, &input, kind, None))?
    } else {
        run_check(&state, &input, kind, CheckSource::Screen)?
    };
    // A Check of an open drill's number or link reports it and reveals it; the verdict stays.
    let _reported = crate::drill::after_check(&app, &state, &outcome);
    Ok(outcome)
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
