use crate::error::{CmdResult, ErrorCode, IpcError};
use crate::state::AppState;
use tauri::State;
use verity_core::check::{check as run_core_check, CheckContext, CheckOutcome};
use verity_core::verdict::CheckKind;

/// The most text one check takes (a long pasted chat is well under this).
const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Checks `input` against the store's blocklist and official directory, in the user's region.
/// Shared by the Check screen and "Check clipboard".
///
/// # Errors
/// `invalid_input` for an oversized input; store errors.
pub fn run_check(
    state: &AppState,
    input: &str,
    kind: Option<CheckKind>,
) -> CmdResult<CheckOutcome> {
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
/// directory and the rules. `kind` is detected when absent.
#[tauri::command]
#[specta::specta]
pub async fn check(
    state: State<'_, AppState>,
    input: String,
    kind: Option<CheckKind>,
) -> CmdResult<CheckOutcome> {
    run_check(&state, &input, kind)
}
