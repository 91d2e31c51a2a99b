//! The narrow door from command logic to the desktop: notifications, start-at-login and the
//! Save dialog.
//!
//! Commands ask the [`Host`] instead of calling the OS, so they run in tests with a fake host
//! and no window, no D-Bus and no changes to the real login items.

pub use crate::shortcut::ShortcutError;
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

/// What the Open dialog asks: its title and the one file type offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRequest {
    /// The dialog's title.
    pub title: String,
    /// The file type's name in the filter list (e.g. "Trusted root (root.json)").
    pub filter_name: String,
    /// Its extensions, without the dot.
    pub extensions: Vec<String>,
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

    /// Shows a tripwire's alert (a remote-access tool, a copied one-time code); clicking it opens
    /// the Support screen (the official path) where the desktop supports it. `strong`: no
    /// verified support session is open, so the alert is urgent (on Linux: critical urgency, kept
    /// until dismissed; elsewhere a plain toast for now).
    /// By default, a plain notification.
    ///
    /// # Errors
    /// [`HostError::Notification`] when no notification service answers.
    fn notify_tripwire(&self, notice: &Notice, _strong: bool) -> Result<(), HostError> {
        self.notify(notice)
    }

    /// Shows a scam drill's lure as the scam would arrive: a notification whose title is the
    /// lure's sender and whose text is its message; clicking it opens the lure view
    /// (`open-drill` with `drill_id`) where the desktop supports it. By default, a plain
    /// notification.
    ///
    /// # Errors
    /// [`HostError::Notification`] when no notification service answers.
    fn notify_drill_lure(&self, notice: &Notice, _drill_id: &str) -> Result<(), HostError> {
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

    /// Asks the user for a file to open with the system's Open dialog, so that a path is never
    /// taken from the web view. `Ok(None)`: the user cancelled. Blocks until the user answers:
    /// call it off the main thread. By default there is no dialog.
    ///
    /// # Errors
    /// [`HostError::Dialog`] when no dialog can be shown.
    fn choose_open_path(&self, request: &OpenRequest) -> Result<Option<PathBuf>, HostError> {
        Err(HostError::Dialog(format!(
            "no Open dialog here for {}",
            request.title
        )))
    }

    /// The feed's freshness or the unread threat count changed: the tray follows (tooltip,
    /// status line, "3 new threats" item). By default, nothing.
    fn feed_changed(
        &self,
        _language: verity_core::Language,
        _freshness: &verity_feed_policy::schedule::Freshness,
        _unread: u32,
    ) {
    }

    /// The live support status was checked: the tray's support line follows. By default,
    /// nothing.
    fn support_status(
        &self,
        _language: verity_core::Language,
        _status: &crate::commands::support::LiveStatus,
    ) {
    }
}

/// A shared host.
pub type SharedHost = Arc<dyn Host>;
