//! A notification whose click opens a screen (the threat alert, the checklist reminder).

use crate::host::{HostError, Notice};

/// Shows a notification with notify-rust. On Linux it carries a default action (labelled with
/// the string `action_key` in the user's language): a click runs `on_click`, on a thread that
/// waits for it; `quiet` asks for low urgency and no sound. Elsewhere it is a plain notification.
/// Used by the feed's grouped threat alert (opens Threats) and the checklist reminder (opens the
/// Checklist).
///
/// # Errors
/// [`HostError::Notification`] with the notification service's message.
pub fn show_clickable(
    app: &tauri::AppHandle,
    notice: &Notice,
    quiet: bool,
    action_key: &str,
    on_click: fn(&tauri::AppHandle),
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
            .urgency(if quiet {
                notify_rust::Urgency::Low
            } else {
                notify_rust::Urgency::Normal
            });
        if quiet {
            n.hint(notify_rust::Hint::SuppressSound(true));
        }
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = (quiet, action_key);
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
