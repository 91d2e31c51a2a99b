//! The real desktop behind [`crate::host::Host`]: notifications (notify-rust, with a click
//! action on Linux), start at login (the autostart plugin), the tray, the global shortcut
//! (`shortcut.rs`), the native Save and Open dialogs, and opening screens from a click. Nothing here
//! runs in the IPC tests, which use a fake host.

mod notification;
pub mod shortcut;
pub(crate) mod tray;
pub mod webview;

pub use notification::{show_clickable, Level};

use crate::host::{Host, HostError, Notice, OpenRequest, SaveRequest, ShortcutError};
use std::path::PathBuf;

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
        tray::retitle(&self.app, language);
    }

    fn set_check_shortcut(&self, shortcut: &str) -> Result<(), ShortcutError> {
        shortcut::register(&self.app, shortcut)
    }

    fn notify_threats(&self, notice: &Notice, quiet: bool) -> Result<(), HostError> {
        crate::feed_sync::show_threat_alert(&self.app, notice, quiet)
    }

    fn notify_reminder(&self, notice: &Notice, quiet: bool) -> Result<(), HostError> {
        show_clickable(
            &self.app,
            notice,
            Level::quiet_if(quiet),
            "notification.checklist_due.action",
            crate::reminder::open_checklist,
        )
    }

    fn notify_tripwire(&self, notice: &Notice, strong: bool) -> Result<(), HostError> {
        show_clickable(
            &self.app,
            notice,
            if strong { Level::Urgent } else { Level::Normal },
            "tripwire.action",
            crate::tripwire::open_support,
        )
    }

    fn notify_drill_lure(&self, notice: &Notice, drill_id: &str) -> Result<(), HostError> {
        let id = drill_id.to_owned();
        show_clickable(
            &self.app,
            notice,
            Level::Normal,
            "notification.drill.action",
            move |app| crate::drill::open_drill(app, &id),
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

    fn choose_open_path(&self, request: &OpenRequest) -> Result<Option<PathBuf>, HostError> {
        use tauri::Manager;
        use tauri_plugin_dialog::DialogExt;
        let extensions: Vec<&str> = request.extensions.iter().map(String::as_str).collect();
        let mut dialog = self
            .app
            .dialog()
            .file()
            .set_title(&request.title)
            .add_filter(&request.filter_name, &extensions);
        if let Ok(dir) = self.app.path().home_dir() {
            dialog = dialog.set_directory(dir);
        }
        if let Some(window) = self.app.get_webview_window(crate::MAIN_WINDOW) {
            dialog = dialog.set_parent(&window);
        }
        match dialog.blocking_pick_file() {
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
        freshness: &verity_feed_policy::schedule::Freshness,
        unread: u32,
    ) {
        tray::set_feed(&self.app, language, freshness, unread);
    }

    fn support_status(
        &self,
        language: verity_core::Language,
        status: &crate::commands::support::LiveStatus,
    ) {
        tray::set_support(&self.app, language, status);
    }
}
