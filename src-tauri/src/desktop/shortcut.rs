//! The global "Check clipboard" shortcut on the desktop: one shortcut registered at a time, the
//! new one before the old is released, and the plugin whose handler runs the check.

use crate::shortcut::{parse_shortcut, ShortcutError};
use std::sync::Mutex;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

/// The shortcut Verity holds now, so a change can add the new one before it lets go of the old.
#[derive(Default)]
struct Held(Mutex<Option<Shortcut>>);

/// Makes `shortcut` the only registered global shortcut (none when empty).
///
/// The new shortcut is registered before the old one is released: when the desktop refuses it
/// (e.g. another program grabbed the same keys), the old shortcut keeps working.
///
/// # Errors
/// [`ShortcutError::Invalid`] when it cannot be read, [`ShortcutError::Refused`] when the
/// desktop refuses it (e.g. taken by another app).
pub fn register<R: Runtime>(app: &AppHandle<R>, shortcut: &str) -> Result<(), ShortcutError> {
    let parsed = parse_shortcut(shortcut)?;
    if app.try_state::<Held>().is_none() {
        app.manage(Held::default());
    }
    let held = app
        .try_state::<Held>()
        .ok_or(ShortcutError::State("missing"))?;
    let mut current = held
        .0
        .lock()
        .map_err(|_| ShortcutError::State("poisoned"))?;
    if *current == parsed {
        return Ok(());
    }
    let gs = app.global_shortcut();
    if let Some(sc) = parsed {
        gs.register(sc).map_err(|e| ShortcutError::Refused {
            shortcut: shortcut.to_owned(),
            why: e.to_string(),
        })?;
    }
    if let Some(old) = current.take() {
        release(app, old);
    }
    *current = parsed;
    Ok(())
}

/// Lets go of `old`, so other programs can use those keys again.
fn release<R: Runtime>(app: &AppHandle<R>, old: Shortcut) {
    let gs = app.global_shortcut();
    if let Err(e) = gs.unregister(old) {
        log::warn!("cannot release the previous shortcut {old}: {e}");
    }
    // global-hotkey 0.8 on X11 queues the XUngrabKey requests without flushing its connection
    // (tauri-apps/global-hotkey#197): the old keys would stay grabbed, dead for every program,
    // until its next request. Each unregister starts with a round trip (GetKeyboardMapping),
    // which sends what is queued: a second unregister delivers the first one's ungrabs. The
    // second's own ungrabs of the same keys are no-ops, sent with the next request.
    #[cfg(all(unix, not(target_os = "macos")))]
    if let Err(e) = gs.unregister(old) {
        log::debug!("second release of {old}: {e}");
    }
}

/// The plugin, with the handler that runs the check on a key press.
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, _shortcut, event| {
            if event.state() == ShortcutState::Pressed {
                let app = app.clone();
                // Off the event loop: the clipboard read may wait on the display server.
                std::thread::spawn(move || crate::quick_check::check_clipboard(&app));
            }
        })
        .build()
}
