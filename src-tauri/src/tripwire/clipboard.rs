//! The one-time-code guard's watch (opt-in). While the guard is on, the clipboard's text is read
//! every [`READ_EVERY`] and handed to [`super::clipboard_seen`], which compares it with the last
//! by a keyed hash and runs the detector; the text is then dropped: never stored, logged or sent.
//! Reading is how a change is seen here: X11 and Wayland tell a program that does not own the
//! selection nothing without extensions (Windows has a sequence number and macOS a change
//! counter, which a later version could ask first). While the guard is off — the default — the
//! thread sleeps until the choice changes and the clipboard is never opened.
//!
//! The thread has its own clipboard connection (arboard), not the clipboard plugin's: the plugin
//! closes its connection as the app exits, and a read after that would end the app abruptly.

use super::{clipboard_seen, raised, with_app, Tripwires};
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};

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

/// The clipboard's text now: empty when it holds none (nothing, an image) or cannot be read,
/// so that the first code copied after an empty clipboard is news.
fn read(clipboard: &mut Option<arboard::Clipboard>) -> String {
    if clipboard.is_none() {
        match arboard::Clipboard::new() {
            Ok(c) => *clipboard = Some(c),
            Err(e) => {
                log::warn!("tripwire: the clipboard cannot be opened: {e}");
                return String::new();
            }
        }
    }
    let text = clipboard.as_mut().map(arboard::Clipboard::get_text);
    match text {
        Some(Ok(t)) if t.chars().count() <= MAX_CHARS => t,
        Some(Ok(_) | Err(arboard::Error::ContentNotAvailable)) | None => String::new(),
        Some(Err(e)) => {
            log::debug!("tripwire: clipboard not read: {e}");
            String::new()
        }
    }
}

fn run<R: Runtime>(app: &AppHandle<R>) {
    // The connection is opened when the guard is first on, and closed while it is off.
    let mut clipboard: Option<arboard::Clipboard> = None;
    // The choices' generation at the last read: a turn off and on again starts afresh (what
    // is on the clipboard then is not news).
    let mut seen_generation = None;
    loop {
        let Some(tw) = app.try_state::<Tripwires>() else {
            return;
        };
        if !tw.code_on() {
            clipboard = None;
            seen_generation = None;
            tw.sleep_while_off(Tripwires::code_on, Duration::from_secs(3600));
            continue;
        }
        let generation = tw.generation();
        let first = seen_generation != Some(generation);
        seen_generation = Some(generation);
        let text = read(&mut clipboard);
        let now = crate::clock::now();
        match with_app(app, |state, tw| {
            clipboard_seen(state, tw, &text, first, now)
        }) {
            Some(Ok((_, Some(_)))) => {
                log::info!("tripwire: a one-time code was copied");
                raised(app);
            }
            Some(Err(e)) => log::warn!("tripwire: clipboard: {}", e.message),
            None => return,
            _ => {}
        }
        drop(text);
        std::thread::sleep(READ_EVERY);
    }
}
