//! The checklist reminder's rows of the `setting` table (`checklist.*` keys): whether reminders
//! are on (the user's choice in Settings, on unless turned off) and the local day
//! (`YYYY-MM-DD`) the last reminder was shown, so that it is shown at most once a day however
//! often the app checks and however often it restarts.

use crate::{Store, StoreError};
use verity_core::settings::parse_bool;

const ENABLED: &str = "checklist.reminders";
const SHOWN_ON: &str = "checklist.reminded_on";

/// The reminder's preference and memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderState {
    /// Whether a due step raises a reminder (default: on).
    pub enabled: bool,
    /// The local day the last reminder was shown, if any.
    pub shown_on: Option<String>,
}

impl Default for ReminderState {
    fn default() -> Self {
        ReminderState {
            enabled: true,
            shown_on: None,
        }
    }
}

impl Store {
    /// Whether reminders are on, and the day the last one was shown.
    ///
    /// # Errors
    /// [`StoreError::InvalidValue`] when the stored flag was corrupted; SQLite errors.
    pub fn reminder_state(&self) -> Result<ReminderState, StoreError> {
        let mut s = ReminderState {
            shown_on: self.setting(SHOWN_ON)?,
            ..ReminderState::default()
        };
        if let Some(v) = self.setting(ENABLED)? {
            s.enabled = parse_bool(ENABLED, &v)?;
        }
        Ok(s)
    }

    /// Turns checklist reminders on or off.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_checklist_reminders(&mut self, enabled: bool) -> Result<(), StoreError> {
        self.put_setting(ENABLED, if enabled { "true" } else { "false" })
    }

    /// Records that a reminder was shown on `day` (the local date, `YYYY-MM-DD`).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_reminded_on(&mut self, day: &str) -> Result<(), StoreError> {
        self.put_setting(SHOWN_ON, day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_default_on_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.reminder_state().unwrap(), ReminderState::default());
        store.set_checklist_reminders(false).unwrap();
        store.set_reminded_on("2026-11-29").unwrap();
        let s = Store::open(dir.path()).unwrap().reminder_state().unwrap();
        assert!(!s.enabled);
        assert_eq!(s.shown_on.as_deref(), Some("2026-11-29"));
        store.set_checklist_reminders(true).unwrap();
        assert!(store.reminder_state().unwrap().enabled);
        // The other settings are untouched by the reminder's keys.
        assert_eq!(store.settings().unwrap(), verity_core::Settings::default());
        assert_eq!(
            store.feed_settings().unwrap(),
            crate::FeedSettings::default()
        );
    }

    #[test]
    fn a_corrupted_flag_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store.put_setting(ENABLED, "yes").unwrap();
        assert!(store.reminder_state().is_err());
    }
}
