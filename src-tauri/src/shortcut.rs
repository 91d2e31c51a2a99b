//! The "Check clipboard" shortcut as Settings stores it (`CmdOrCtrl+Alt+K`): parsing, and why
//! one is not in force. Registering it with the desktop is `desktop/shortcut.rs`.

use tauri_plugin_global_shortcut::Shortcut;

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

#[cfg(test)]
mod tests {
    use super::*;

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
