use crate::error::CmdResult;
use crate::host::Notice;
use crate::i18n;
use crate::state::AppState;
use tauri::State;

/// Shows a test notification in the user's language.
#[tauri::command]
#[specta::specta]
pub async fn send_test_notification(state: State<'_, AppState>) -> CmdResult<()> {
    let lang = state.with_store(|s| s.settings())?.language;
    let notice = Notice {
        summary: i18n::text(lang, "notification.test.title"),
        body: i18n::text(lang, "notification.test.body"),
    };
    state.host.notify(&notice)?;
    Ok(())
}
