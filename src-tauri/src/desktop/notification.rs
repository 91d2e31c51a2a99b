//! A notification whose click opens a screen (the threat alert, the checklist reminder, the
//! tripwires' alerts).

use crate::host::{HostError, Notice};

/// How insistent a notification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Low urgency, no sound (the user's "quiet" preference).
    Quiet,
    /// Normal urgency.
    Normal,
    /// Critical urgency: the desktop keeps it on screen until the user dismisses it (a
    /// tripwire at the moment of a scam).
    Urgent,
}

impl Level {
    /// [`Level::Quiet`] when `quiet`, else [`Level::Normal`].
    #[must_use]
    pub fn quiet_if(quiet: bool) -> Level {
        if quiet {
            Level::Quiet
        } else {
            Level::Normal
        }
    }
}

/// Shows a notification with notify-rust. On Linux it carries a default action (labelled with
/// the string `action_key` in the user's language): a click runs `on_click`, on a thread that
/// waits for it; `level` sets the urgency (quiet: low and no sound). Elsewhere it is a plain
/// notification. Used by the feed's grouped threat alert (opens Threats), the checklist reminder
/// (opens the Checklist) and the tripwires (open Support).
///
/// # Errors
/// [`HostError::Notification`] with the notification service's message.
pub fn show_clickable(
    app: &tauri::AppHandle,
    notice: &Notice,
    level: Level,
    action_key: &str,
    on_click: impl Fn(&tauri::AppHandle) + Send + 'static,
) -> Result<(), HostError> {
    let mut n = notify_rust::Notification::new();
    n.summary(&notice.summary)
        .body(&notice.body)
        .appname("Verity");
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        use tauri::Manager;
        let lang = app
            .try_state::<crate::state::AppState>()
            .and_then(|s| s.with_store(|st| st.settings()).ok())
            .map(|s| s.language)
            .unwrap_or_default();
        let label = crate::i18n::text(lang, action_key);
        n.icon("hk.verity.desktop")
            .action("default", &label)
            .action("open", &label)
            .urgency(match level {
                Level::Quiet => notify_rust::Urgency::Low,
                Level::Normal => notify_rust::Urgency::Normal,
                Level::Urgent => notify_rust::Urgency::Critical,
            });
        if level == Level::Quiet {
            n.hint(notify_rust::Hint::SuppressSound(true));
        }
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = (level, action_key);
    let handle = n
        .show()
        .map_err(|e| HostError::Notification(e.to_string()))?;
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        let app = app.clone();
        std::thread::spawn(move || {
            handle.wait_for_action(|action| {
                if action == "default" || action == "open" {
                    on_click(&app);
                }
            });
        });
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        let _ = (handle, app, on_click);
    }
    Ok(())
}
