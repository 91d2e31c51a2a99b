//! The checklist's daily reminder (issue 5): when a step is due again, one notification a day at
//! most, unless the user turned reminders off in Settings; quiet (low urgency, no sound) when the
//! notification preferences say so; a click opens the Checklist screen.
//!
//! The rule is `verity_checklist::checklist::reminder_decision`; the day it was last shown is kept in
//! the store (`checklist.reminded_on`), as a date on the user's **local** calendar: "once a day"
//! is the user's day (in Hong Kong the UTC date changes at 08:00, so a UTC day would remind twice
//! in one working morning). The background loop checks at start, then every hour of wall-clock
//! time (it looks at the clock every minute, so a computer woken from sleep checks soon), and
//! at once when reminders are turned on.

use crate::error::CmdResult;
use crate::host::Notice;
use crate::i18n;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use specta::Type;
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;
use verity_checklist::checklist::{reminder_decision, ReminderDecision, StepStatus};
use verity_core::Timestamp;

/// How often the loop checks for due steps, in seconds of wall-clock time.
pub const CHECK_EVERY: i64 = 3600;
/// How long the loop sleeps at most before it looks at the clock again.
const TICK: u64 = 60;

/// Sent to the UI to show the Checklist screen (the reminder was clicked).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct OpenChecklist;

/// The reminder loop's wake-up (managed state): "reminders were turned on, look now".
#[derive(Debug, Default)]
pub struct Reminder {
    wake: tokio::sync::Notify,
}

impl Reminder {
    /// Asks the loop to check now.
    pub fn check_soon(&self) {
        self.wake.notify_one();
    }
}

/// The local clock's offset from UTC at `at`, in seconds (the system time zone; UTC when it
/// cannot be read).
#[must_use]
pub fn local_offset(at: Timestamp) -> i32 {
    jiff::Timestamp::from_second(at.0)
        .map_or(0, |t| jiff::tz::TimeZone::system().to_offset(t).seconds())
}

/// Decides, at `now` with the local clock `utc_offset` seconds ahead of UTC, whether the
/// reminder is due, and shows it if so: steps past their interval fall due first; then at most
/// once a local day, not when reminders are off, quiet when the notification preferences ask.
/// The day is recorded only once the desktop took the notification.
///
/// # Errors
/// Store errors; `notification_unavailable` when the desktop refused the notification (the day
/// is then not recorded, so the next check tries again).
pub fn remind_if_due(
    state: &AppState,
    now: Timestamp,
    utc_offset: i32,
) -> CmdResult<ReminderDecision> {
    let today = now.date_at_offset(utc_offset);
    let (lang, prefs, quiet, due) = state.with_flow(|s| {
        let due = verity_flows::checklist::current(s, now)?
            .steps
            .iter()
            .filter(|st| st.status == StepStatus::DueAgain)
            .count();
        Ok((
            s.settings()?.language,
            s.reminder_state()?,
            s.feed_settings()?.quiet,
            due,
        ))
    })?;
    let decision = reminder_decision(due, prefs.enabled, prefs.shown_on.as_deref(), &today);
    if decision != ReminderDecision::Show {
        return Ok(decision);
    }
    let notice = Notice {
        summary: i18n::text(lang, "notification.checklist_due.title"),
        body: i18n::text(lang, "notification.checklist_due.body"),
    };
    // Not recorded when refused: the next check tries again.
    state.host.notify_reminder(&notice, quiet)?;
    state.with_store(|s| s.set_reminded_on(&today))?;
    Ok(ReminderDecision::Show)
}

fn check<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let now = crate::clock::now();
    match remind_if_due(&state, now, local_offset(now)) {
        Ok(d) => log::info!("checklist reminder: {d:?}"),
        Err(e) => log::warn!("checklist reminder: {}", e.message),
    }
}

/// Starts the reminder loop: a check now, then every [`CHECK_EVERY`] seconds of wall-clock time,
/// and whenever [`Reminder::check_soon`] is called.
pub fn start<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut next = 0;
        loop {
            let Some(reminder) = app.try_state::<Reminder>() else {
                return;
            };
            let now = crate::clock::now().0;
            if now >= next {
                check(&app);
                next = now.saturating_add(CHECK_EVERY);
            }
            let woken = tokio::time::timeout(Duration::from_secs(TICK), reminder.wake.notified())
                .await
                .is_ok();
            if woken {
                next = 0;
            }
        }
    });
}

/// Shows the Checklist screen: the window comes forward and the UI navigates.
pub fn open_checklist<R: Runtime>(app: &AppHandle<R>) {
    crate::show_main_window(app);
    if let Err(e) = OpenChecklist.emit(app) {
        log::warn!("cannot emit open-checklist: {e}");
    }
}
