//! "Check clipboard": from the tray or a global shortcut, check what is on the clipboard and
//! answer with a desktop notification, without opening the window.

use crate::host::Notice;
use crate::i18n::{text, text_with};
use crate::state::AppState;
use std::sync::Mutex;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};
use verity_core::check::CheckOutcome;
use verity_core::Language;

/// How much of the input the notification repeats.
const SHOWN_CHARS: usize = 48;

/// The notification for an outcome: the verdict and the input as the title, then the first
/// reason and the first piece of advice.
pub fn notice_for(lang: Language, outcome: &CheckOutcome) -> Notice {
    let verdict = text(lang, &format!("verdict.{}", outcome.verdict.as_str()));
    let shown: String = outcome
        .input
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let shown = if shown.chars().count() > SHOWN_CHARS {
        format!("{}…", shown.chars().take(SHOWN_CHARS).collect::<String>())
    } else {
        shown
    };
    let input = outcome.normalized.clone().unwrap_or(shown);
    let summary = text_with(
        lang,
        "notification.clipboard.title",
        &[("verdict", &verdict), ("input", &input)],
    );
    let mut lines = Vec::new();
    if let Some(r) = outcome.reasons.first() {
        lines.push(text(lang, &format!("reason.{}", r.code.as_str())));
    }
    if let Some(a) = outcome.advice.first() {
        lines.push(text(lang, &format!("advice.{}", a.as_str())));
    }
    Notice {
        summary,
        body: lines.join("\n"),
    }
}

/// Reads the clipboard, checks it and notifies. Errors become notifications too: the user
/// asked for an answer and gets one.
pub fn check_clipboard<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let lang = state
        .with_store(|s| s.settings())
        .map(|s| s.language)
        .unwrap_or_default();
    let clip = app.clipboard().read_text();
    let notice = match clip {
        Ok(t) if !t.trim().is_empty() => match crate::commands::run_check(
            &state,
            &t,
            None,
            verity_core::history::CheckSource::Clipboard,
        ) {
            Ok(outcome) => {
                // An open "Recent checks" list reloads (the check may have been recorded).
                if let Err(e) = tauri_specta::Event::emit(&crate::commands::HistoryChanged, app) {
                    log::warn!("cannot emit history-changed: {e}");
                }
                // Every verdict says which list it used and how fresh it is.
                let mut n = notice_for(lang, &outcome);
                if let Some(line) = crate::feed_sync::freshness_line_now(app, lang) {
                    n.body = format!("{}\n{line}", n.body);
                }
                n
            }
            Err(e) => Notice {
                summary: text(lang, "app.name"),
                body: e.message,
            },
        },
        Ok(_) => Notice {
            summary: text(lang, "notification.clipboard.empty.title"),
            body: text(lang, "notification.clipboard.empty.body"),
        },
        Err(e) => {
            log::warn!("cannot read the clipboard: {e}");
            Notice {
                summary: text(lang, "notification.clipboard.empty.title"),
                body: text(lang, "notification.clipboard.unavailable"),
            }
        }
    };
    if let Err(e) = state.host.notify(&notice) {
        log::warn!("cannot show the clipboard check: {e}");
    }
}

/// Why a shortcut is not in force.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShortcutError {
    /// The text is not a keyboard shortcut.
    #[error("not a keyboard shortcut {shortcut:?}: {why}")]
    Invalid {
        /// The text.
        shortcut: String,
        /// The parser's reason.
        why: String,
    },
    /// The desktop would not give the keys to Verity (another program holds them, or the
    /// keyboard has no such key).
    #[error("cannot use {shortcut}: {why}")]
    Refused {
        /// The shortcut.
        shortcut: String,
        /// The desktop's reason.
        why: String,
    },
    /// The app's own shortcut state is broken (an earlier change panicked).
    #[error("the shortcut state is unusable: {0}")]
    State(&'static str),
}

/// Parses a shortcut as the settings store it (`CmdOrCtrl+Alt+K`); empty is none.
///
/// # Errors
/// [`ShortcutError::Invalid`], naming the shortcut.
pub fn parse_shortcut(s: &str) -> Result<Option<Shortcut>, ShortcutError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<Shortcut>()
        .map(Some)
        .map_err(|e| ShortcutError::Invalid {
            shortcut: s.to_owned(),
            why: e.to_string(),
        })
}

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
                std::thread::spawn(move || check_clipboard(&app));
            }
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use verity_core::blocklist::BlocklistIndex;
    use verity_core::check::{check, CheckContext};
    use verity_core::official::OfficialDirectory;
    use verity_core::phone::Region;

    fn outcome(input: &str) -> CheckOutcome {
        let index = BlocklistIndex::build(Vec::new());
        let official = OfficialDirectory::dingtalk_default();
        check(
            input,
            None,
            &CheckContext {
                index: &index,
                official: &official,
                default_region: Region::HK,
            },
        )
        .unwrap()
    }

    #[test]
    fn notices_name_the_verdict_and_the_input_in_each_language() {
        for lang in Language::ALL {
            let n = notice_for(lang, &outcome("http://dingtalk-hk.com/login"));
            assert!(
                n.summary.contains("http://dingtalk-hk.com/login"),
                "{}",
                n.summary
            );
            assert!(
                n.summary.starts_with(&text(lang, "verdict.suspicious")),
                "{}",
                n.summary
            );
            assert!(!n.body.is_empty());
        }
    }

    #[test]
    fn long_messages_are_shortened() {
        let long = "word ".repeat(100);
        let n = notice_for(Language::En, &outcome(&long));
        assert!(n.summary.chars().count() < 120, "{}", n.summary);
    }

    #[test]
    fn shortcuts_parse_or_say_why() {
        assert!(parse_shortcut("CmdOrCtrl+Alt+K").unwrap().is_some());
        assert!(parse_shortcut("  ").unwrap().is_none());
        let err = parse_shortcut("Ctrl+Banana").unwrap_err();
        assert!(
            matches!(&err, ShortcutError::Invalid { shortcut, .. } if shortcut == "Ctrl+Banana")
        );
        assert!(err.to_string().contains("Ctrl+Banana"), "{err}");
    }
}
