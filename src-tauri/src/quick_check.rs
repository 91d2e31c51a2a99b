//! "Check clipboard": from the tray or the global shortcut (`desktop/shortcut.rs` registers it),
//! check what is on the clipboard and answer with a desktop notification, without opening the
//! window.

use crate::host::Notice;
use crate::i18n::{text, text_with};
use crate::state::AppState;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;
use verity_check::check::CheckOutcome;
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
            verity_check::history::CheckSource::Clipboard,
        ) {
            Ok(outcome) => {
                // A drill's number or link reports that drill, and its reveal shows in the
                // window, brought forward.
                if crate::drill::after_check(app, &state, &outcome) {
                    crate::show_main_window(app);
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use verity_check::check::{check, CheckContext};
    use verity_check::lookup::BlocklistIndex;
    use verity_check::official::OfficialDirectory;
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
}
