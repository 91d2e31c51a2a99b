use crate::error::CmdResult;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime, State};
use tauri_specta::Event;
use verity_core::phone::Region;
use verity_core::{Language, Settings};

/// Sent to every window when a setting changes.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct SettingsChanged(pub Settings);

/// The user's settings.
#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> CmdResult<Settings> {
    state.with_store(|s| s.settings())
}

/// Changes the interface language; the tray menu follows.
#[tauri::command]
#[specta::specta]
pub async fn set_language<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    language: Language,
) -> CmdResult<Settings> {
    let settings = state.with_store(|s| {
        s.set_language(language)?;
        s.settings()
    })?;
    state.host.language_changed(language);
    announce(&app, &settings);
    Ok(settings)
}

/// Sets how phone numbers written without a country code are read (e.g. `HK`).
#[tauri::command]
#[specta::specta]
pub async fn set_region<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    region: Region,
) -> CmdResult<Settings> {
    let settings = state.with_store(|s| {
        s.set_region(region)?;
        s.settings()
    })?;
    announce(&app, &settings);
    Ok(settings)
}

/// Changes the global "Check clipboard" shortcut (empty: none). The shortcut is registered
/// first, so a shortcut the desktop refuses is never recorded (and the previous one stays).
///
/// Errors are `invalid_input` with a reason the UI words: `shortcut_invalid` when the text is not
/// a shortcut, `shortcut_refused` when the desktop would not give it to Verity (another program
/// holds it, or the keyboard has no such key).
#[tauri::command]
#[specta::specta]
pub async fn set_check_shortcut<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    shortcut: String,
) -> CmdResult<Settings> {
    let shortcut = shortcut.trim().to_owned();
    crate::shortcut::parse_shortcut(&shortcut)?;
    // Registered and recorded as one step: another change waits for this one.
    let settings = state.changing_shortcut(|| {
        state.host.set_check_shortcut(&shortcut)?;
        let settings = state.with_store(|s| {
            s.set_check_shortcut(&shortcut)?;
            s.settings()
        })?;
        state.set_shortcut_refused(None);
        Ok(settings)
    })?;
    announce(&app, &settings);
    Ok(settings)
}

/// Whether the saved "Check clipboard" shortcut is in force.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ShortcutStatus {
    /// The saved shortcut, when the desktop refused it as Verity started (another program
    /// holds those keys): it does nothing until another is saved. `None` when it is in force.
    pub refused: Option<String>,
}

/// Whether the saved shortcut is in force, for Settings.
#[tauri::command]
#[specta::specta]
pub async fn shortcut_status(state: State<'_, AppState>) -> CmdResult<ShortcutStatus> {
    Ok(ShortcutStatus {
        refused: state.shortcut_refused(),
    })
}

/// Registers or removes Verity as a login item, then records the choice.
#[tauri::command]
#[specta::specta]
pub async fn set_start_at_login<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    enabled: bool,
) -> CmdResult<Settings> {
    // The OS first: if it refuses, the stored setting keeps telling the truth.
    state.host.set_start_at_login(enabled)?;
    let settings = state.with_store(|s| {
        s.set_start_at_login(enabled)?;
        s.settings()
    })?;
    announce(&app, &settings);
    Ok(settings)
}

fn announce<R: Runtime>(app: &AppHandle<R>, settings: &Settings) {
    if let Err(e) = SettingsChanged(settings.clone()).emit(app) {
        log::warn!("cannot emit settings-changed: {e}");
    }
}
