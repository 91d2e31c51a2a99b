use crate::error::{CmdResult, ErrorCode, IpcError};
use crate::state::AppState;
use tauri::State;
use verity_core::check::{check as run_check, CheckContext, CheckOutcome};
use verity_core::verdict::CheckKind;

/// The most text the Check screen may send (a long pasted chat is well under this).
const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Checks a phone number, link or message text against the local blocklist, the official
/// directory and the rules. `kind` is detected when absent.
#[tauri::command]
#[specta::specta]
pub async fn check(
    state: State<'_, AppState>,
    input: String,
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
            index,
            official,
            default_region,
        };
        Ok(run_check(&input, kind, &ctx))
    })
}
