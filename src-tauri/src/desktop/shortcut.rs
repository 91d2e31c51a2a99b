//! The global "Check clipboard" shortcut on the desktop: one shortcut registered at a time, the
//! new one before the old is released, and the plugin whose handler runs the check.

use crate::shortcut::{parse_shortcut, ShortcutError};
use crate::state::AppState;
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

/// Registers the saved shortcut as Verity starts, on a thread of its own, once the window has
/// drawn: called with the tray ([`super::tray::create_soon`]), not in `setup`. The plugin
/// registers on the main thread and, on X11, waits there for global-hotkey's thread, which looks
/// for work every 50 ms: in `setup` that wait (about 40 ms, measured) came before the window
/// showed. Settings waits for the outcome ([`AppState::shortcut_refused`]); a change the user
/// makes meanwhile is serialised with it (`changing_shortcut`), and the saved shortcut is read
/// under that lock, so the newer choice wins. Another program may hold the keys: Verity still
/// runs, and Settings says that the saved shortcut does nothing until another is chosen.
pub fn register_saved(app: &AppHandle) {
    let handle = app.clone();
    let spawned = std::thread::Builder::new()
        .name("shortcut-at-start".into())
        .spawn(move || {
            let Some(state) = handle.try_state::<AppState>() else {
                return;
            };
            let outcome = state.changing_shortcut(|| {
                let saved = state
                    .with_store(|s| s.settings())
                    .unwrap_or_default()
                    .check_shortcut;
                if let Err(e) = register(&handle, &saved) {
                    log::warn!("check-clipboard shortcut not registered: {e}");
                    state.set_shortcut_refused(Some(saved));
                }
                Ok(())
            });
            if let Err(e) = outcome {
                log::warn!("check-clipboard shortcut not registered: {}", e.message);
            }
            state.set_shortcut_at_start_pending(false);
        });
    if let Err(e) = spawned {
        log::error!("the check-clipboard shortcut could not be registered: {e}");
        if let Some(state) = app.try_state::<AppState>() {
            state.set_shortcut_at_start_pending(false);
        }
    }
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
