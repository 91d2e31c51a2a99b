//! The one-time-code guard's watch (opt-in). While the guard is on, the clipboard's text is read
//! every [`READ_EVERY`] and handed to [`super::clipboard_seen`], which compares it with the last
//! by a keyed hash and runs the detector; the text is then dropped: never stored, logged or sent.
//! Reading is the only portable way to see a change (X11 and Wayland offer no change event to a
//! program that does not own the selection without extensions, macOS only a change counter);
//! while the guard is off — the default — the thread sleeps until the choice changes and the
//! clipboard is never read.

use super::{clipboard_seen, raised, with_app, Tripwires};
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;

/// How often the clipboard is read while the guard is on.
pub const READ_EVERY: Duration = Duration::from_secs(1);

/// The longest text looked at; a longer one is not a code message (the detector caps its own
/// input too).
const MAX_CHARS: usize = 4096;

/// Starts the watch on its own thread.
pub fn start<R: Runtime>(app: AppHandle<R>) {
    let spawned = std::thread::Builder::new()
        .name("tripwire-clipboard".into())
        .spawn(move || run(&app));
    if let Err(e) = spawned {
        log::error!("the code guard could not start: {e}");
    }
}

fn run<R: Runtime>(app: &AppHandle<R>) {
    let mut first = true;
    loop {
        let Some(tw) = app.try_state::<Tripwires>() else {
            return;
        };
        if !tw.code_on() {
            first = true;
            tw.wait_for_change(Duration::from_secs(3600));
            continue;
        }

        if let Ok(text) = app.clipboard().read_text() {
            if text.chars().count() <= MAX_CHARS {
                let now = crate::clock::now();
                let outcome = with_app(app, |state, tw| {
                    clipboard_seen(state, tw, &text, first, now)
                });
                match outcome {
                    Some(Ok((_, Some(_)))) => {
                        log::info!("tripwire: a one-time code was copied");
                        raised(app);
                    }
                    Some(Err(e)) => log::warn!("tripwire: clipboard: {}", e.message),
                    None => return,
                    _ => {}
                }
                first = false;
            }
        }
        std::thread::sleep(READ_EVERY);
    }
}
