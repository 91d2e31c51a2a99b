//! The narrow door from command logic to the desktop: notifications, start-at-login and the
//! Save dialog.
//!
//! Commands ask the [`Host`] instead of calling the OS, so they run in tests with a fake host
//! and no window, no D-Bus and no changes to the real login items.

pub use crate::quick_check::ShortcutError;
use std::path::PathBuf;
use std::sync::Arc;

/// A desktop notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The title line.
    pub summary: String,
    /// The text.
    pub body: String,
}

/// What the Save dialog asks: its title, the suggested file name, and the one file type offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveRequest {
    /// The dialog's title.
    pub title: String,
    /// The suggested file name (e.g. `verity-checklist-report-2026-11-29.html`).
    pub file_name: String,
    /// The file type's name in the filter list (e.g. "HTML page").
    pub filter_name: String,
    /// Its extension, without the dot.
    pub extension: String,
}

/// What the desktop can refuse.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The notification could not be shown.
    #[error("cannot show a notification: {0}")]
    Notification(String),
    /// Start-at-login could not be changed.
    #[error("cannot change start at login: {0}")]
    Autostart(String),
    /// The Save dialog could not be shown or gave an unusable answer.
    #[error("cannot ask where to save: {0}")]
    Dialog(String),
}

/// The desktop services the commands use.
pub trait Host: Send + Sync {
    /// Shows a desktop notification.
    ///
    /// # Errors
    /// [`HostError::Notification`] when no notification service answers.
    fn notify(&self, notice: &Notice) -> Result<(), HostError>;

    /// Registers or removes Verity as a login item.
    ///
    /// # Errors
    /// [`HostError::Autostart`] when the OS refuses.
    fn set_start_at_login(&self, enabled: bool) -> Result<(), HostError>;

    /// The interface language changed: retitle what the Rust side shows (the tray menu).
    fn language_changed(&self, language: verity_core::Language);

    /// Makes `shortcut` the global "Check clipboard" shortcut (empty: none).
    ///
    /// # Errors
    /// [`ShortcutError`] when the shortcut cannot be read or the desktop refuses it.
    fn set_check_shortcut(&self, shortcut: &str) -> Result<(), ShortcutError>;

    /// Shows the one grouped alert about new threats from the feed; clicking it opens the
    /// Threats screen where the desktop supports it. `quiet`: no sound, low urgency.
    /// By default, a plain notification.
    ///
    /// # Errors
    /// [`HostError::Notification`] when no notification service answers.
    fn notify_threats(&self, notice: &Notice, _quiet: bool) -> Result<(), HostError> {
        self.notify(notice)
    }

    /// Shows the checklist's daily reminder; clicking it opens the Checklist screen where the
    /// desktop supports it. `quiet`: no sound, low urgency. By default, a plain notification.
    ///
    /// # Errors
    /// [`HostError::Notification`] when no notification service answers.
    fn notify_reminder(&self, notice: &Notice, _quiet: bool) -> Result<(), HostError> {
        self.notify(notice)
    }

    /// Asks the user where to save a file: the desktop's Save dialog, opened in the Downloads
    /// folder with `request.file_name` suggested (the dialog asks before replacing a file).
    /// `Ok(None)`: the user cancelled. Blocks until the user answers: call it off the main
    /// thread. By default there is no dialog.
    ///
    /// # Errors
    /// [`HostError::Dialog`] when no dialog can be shown.
    fn choose_save_path(&self, request: &SaveRequest) -> Result<Option<PathBuf>, HostError> {
        Err(HostError::Dialog(format!(
            "no Save dialog here for {}",
            request.file_name
        )))
    }

    /// The feed's freshness or the unread threat count changed: the tray follows (tooltip,
    /// status line, "3 new threats" item). By default, nothing.
    fn feed_changed(
        &self,
        _language: verity_core::Language,
        _freshness: &verity_core::feed_schedule::Freshness,
        _unread: u32,
    ) {
    }
}

/// A shared host.
pub type SharedHost = Arc<dyn Host>;

/// The real desktop: notify-rust and the autostart plugin.
pub struct DesktopHost {
    app: tauri::AppHandle,
}

impl DesktopHost {
    /// A host for the running app.
    pub fn new(app: tauri::AppHandle) -> Self {
        DesktopHost { app }
    }
}

impl Host for DesktopHost {
    fn notify(&self, notice: &Notice) -> Result<(), HostError> {
        let mut n = notify_rust::Notification::new();
        n.summary(&notice.summary)
            .body(&notice.body)
            .appname("Verity");
        #[cfg(all(unix, not(target_os = "macos")))]
        n.icon("hk.verity.desktop");
        n.show()
            .map(|_| ())
            .map_err(|e| HostError::Notification(e.to_string()))
    }

    fn set_start_at_login(&self, enabled: bool) -> Result<(), HostError> {
        use tauri_plugin_autostart::ManagerExt;
        let launcher = self.app.autolaunch();
        let res = if enabled {
            launcher.enable()
        } else {
            launcher.disable()
        };
        res.map_err(|e| HostError::Autostart(e.to_string()))
    }

    fn language_changed(&self, language: verity_core::Language) {
        crate::tray::retitle(&self.app, language);
    }

    fn set_check_shortcut(&self, shortcut: &str) -> Result<(), ShortcutError> {
        crate::quick_check::register(&self.app, shortcut)
    }

    fn notify_threats(&self, notice: &Notice, quiet: bool) -> Result<(), HostError> {
        crate::feed_sync::show_threat_alert(&self.app, notice, quiet)
    }

    fn notify_reminder(&self, notice: &Notice, quiet: bool) -> Result<(), HostError> {
        show_clickable(
            &self.app,
            notice,
            quiet,
            "notification.checklist_due.action",
            crate::reminder::open_checklist,
        )
    }

    fn choose_save_path(&self, request: &SaveRequest) -> Result<Option<PathBuf>, HostError> {
        use tauri::Manager;
        use tauri_plugin_dialog::DialogExt;
        let mut dialog = self
            .app
            .dialog()
            .file()
            .set_title(&request.title)
            .set_file_name(&request.file_name)
            .add_filter(&request.filter_name, &[request.extension.as_str()])
            .set_can_create_directories(true);
        let paths = self.app.path();
        if let Some(dir) = paths.download_dir().ok().or_else(|| paths.home_dir().ok()) {
            dialog = dialog.set_directory(dir);
        }
        if let Some(window) = self.app.get_webview_window(crate::MAIN_WINDOW) {
            dialog = dialog.set_parent(&window);
        }
        match dialog.blocking_save_file() {
            None => Ok(None),
            Some(path) => path
                .into_path()
                .map(Some)
                .map_err(|e| HostError::Dialog(e.to_string())),
        }
    }

    fn feed_changed(
        &self,
        language: verity_core::Language,
        freshness: &verity_core::feed_schedule::Freshness,
        unread: u32,
    ) {
        crate::tray::set_feed(&self.app, language, freshness, unread);
    }
}

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
