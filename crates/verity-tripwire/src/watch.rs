//! When a tripwire speaks: the rules between what the app's watchers see and the alert the user
//! gets. Time and state are passed in; the app keeps them (the store remembers the last alerts
//! across restarts).
//!
//! - **Remote-access tools**: [`RunningTools`] turns successive process scans into
//!   *appearances* (a tool that was not running at the previous scan; on the first scan every
//!   running tool, marked as found at start). [`remote_decision`] then alerts once per
//!   appearance, unless the tripwire is off, the organisation declared the tool in use, or this
//!   tool alerted recently ([`REALERT_AFTER`]; [`REALERT_AT_START_AFTER`] for a tool already
//!   running when Verity starts, such as a service that runs all day).
//! - **One-time codes on the clipboard**: [`ClipboardMemory`] notices a change of the
//!   clipboard's text without keeping it (a keyed hash, in memory only), and [`code_decision`]
//!   reminds at most once an hour ([`REMIND_EVERY`]), only when the guard is on and no verified
//!   support session is open.

use crate::remote::ToolTable;
use std::collections::hash_map::RandomState;
use std::collections::BTreeSet;
use std::hash::BuildHasher;
use verity_core::Timestamp;

/// Least time between two alerts for the same tool, in seconds (an installer downloaded, then run
/// a minute later, is one moment of the scam).
pub const REALERT_AFTER: i64 = 3600;
/// Least time between two alerts for a tool found already running when Verity starts.
pub const REALERT_AT_START_AFTER: i64 = 24 * 3600;
/// Least time between two one-time-code reminders, in seconds.
pub const REMIND_EVERY: i64 = 3600;

verity_core::code_enum! {
    /// What a tripwire caught: the moment of the scam it marks.
    pub enum EventKind {
        /// A remote-access program started (or was running as Verity started).
        RemoteTool => "remote_tool",
        /// A remote-access program's installer landed in Downloads.
        Installer => "installer",
        /// A one-time code was copied while no verified support session was open.
        Code => "code",
    }
}

/// How strongly to alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// No verified support session is open: whoever asked is not support. Urgent, stays until
    /// dismissed.
    Strong,
    /// A verified session is open: still a warning (real support never needs this either), but
    /// the user may be talking to real support about something else.
    Gentle,
}

/// Why a tripwire stays quiet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    /// The user (or the organisation) turned this tripwire off.
    Off,
    /// The organisation declared this tool in use.
    InUse,
    /// The same alert was shown a short while ago.
    Recently,
    /// Not a one-time code, or the clipboard did not change.
    Nothing,
}

/// What a tripwire does with what it saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Alert the user.
    Alert(Strength),
    /// Stay quiet.
    Quiet(Quiet),
}

/// A remote-access tool that appeared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appearance {
    /// The tool's id in the table.
    pub tool: String,
    /// Found on Verity's first scan (already running), not seen starting.
    pub at_start: bool,
}

/// The remote-access tools running at the last scan.
#[derive(Debug, Default)]
pub struct RunningTools {
    running: BTreeSet<String>,
    scanned: bool,
}

impl RunningTools {
    /// A watch that has not scanned yet.
    #[must_use]
    pub fn new() -> RunningTools {
        RunningTools::default()
    }

    /// Takes one scan of the running processes (executable name, and path where known) and
    /// returns the tools that appeared since the previous scan, each once however many of its
    /// processes run.
    pub fn scan<'a, I>(&mut self, table: &ToolTable, processes: I) -> Vec<Appearance>
    where
        I: IntoIterator<Item = (&'a str, Option<&'a str>)>,
    {
        let now: BTreeSet<String> = processes
            .into_iter()
            .filter_map(|(name, path)| table.process(name, path))
            .map(|t| t.id.clone())
            .collect();
        let at_start = !self.scanned;
        let appeared = now
            .difference(&self.running)
            .map(|id| Appearance {
                tool: id.clone(),
                at_start,
            })
            .collect();
        self.running = now;
        self.scanned = true;
        appeared
    }

    /// Whether `tool` was running at the last scan.
    #[must_use]
    pub fn is_running(&self, tool: &str) -> bool {
        self.running.contains(tool)
    }
}

/// Whether to alert for a remote-access tool that appeared (`at_start`: found already running
/// as Verity started) or whose installer landed in Downloads (`at_start` false).
/// `last_alert`: when this tool last alerted, if ever.
#[must_use]
pub fn remote_decision(
    enabled: bool,
    in_use: bool,
    appearance_at_start: bool,
    last_alert: Option<Timestamp>,
    now: Timestamp,
    session_open: bool,
) -> Decision {
    if !enabled {
        return Decision::Quiet(Quiet::Off);
    }
    if in_use {
        return Decision::Quiet(Quiet::InUse);
    }
    let gap = if appearance_at_start {
        REALERT_AT_START_AFTER
    } else {
        REALERT_AFTER
    };
    if last_alert.is_some_and(|t| now.0.saturating_sub(t.0) < gap && t.0 <= now.0) {
        return Decision::Quiet(Quiet::Recently);
    }
    Decision::Alert(strength(session_open))
}

fn strength(session_open: bool) -> Strength {
    if session_open {
        Strength::Gentle
    } else {
        Strength::Strong
    }
}

/// Whether to remind about a one-time code on the clipboard. `is_code`: the detector's answer
/// for the new text ([`crate::otp::one_time_code`]); `last_reminder`: when the last one was
/// shown. A clock that went backwards (a `last_reminder` in the future) does not silence the
/// guard for good.
#[must_use]
pub fn code_decision(
    enabled: bool,
    is_code: bool,
    last_reminder: Option<Timestamp>,
    now: Timestamp,
    session_open: bool,
) -> Decision {
    if !enabled {
        return Decision::Quiet(Quiet::Off);
    }
    if !is_code {
        return Decision::Quiet(Quiet::Nothing);
    }
    if session_open {
        // Talking to verified support: the guard is for when no one real is on the line.
        return Decision::Quiet(Quiet::Off);
    }
    if last_reminder.is_some_and(|t| t.0 <= now.0 && now.0 - t.0 < REMIND_EVERY) {
        return Decision::Quiet(Quiet::Recently);
    }
    Decision::Alert(Strength::Strong)
}

/// Remembers whether the clipboard changed without keeping what it held: a hash keyed with a
/// random key made for this process, never written anywhere.
#[derive(Debug)]
pub struct ClipboardMemory {
    key: RandomState,
    last: Option<u64>,
}

impl Default for ClipboardMemory {
    fn default() -> Self {
        ClipboardMemory {
            key: RandomState::new(),
            last: None,
        }
    }
}

impl ClipboardMemory {
    /// A memory that has seen nothing.
    #[must_use]
    pub fn new() -> ClipboardMemory {
        ClipboardMemory::default()
    }

    /// Whether `text` differs from the text seen last time (the first text seen counts as a
    /// change only when `first_counts`: at start, what was already copied is not news).
    pub fn changed(&mut self, text: &str, first_counts: bool) -> bool {
        let h = self.key.hash_one(text);
        let was = self.last.replace(h);
        match was {
            None => first_counts,
            Some(w) => w != h,
        }
    }

    /// Forgets the last text (the guard was turned off).
    pub fn forget(&mut self) {
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp(s)
    }

    #[test]
    fn a_tool_appears_once_per_start_whatever_the_number_of_its_processes() {
        let table = ToolTable::builtin();
        let mut w = RunningTools::new();
        // First scan: TeamViewer's service already runs.
        let first = w.scan(
            &table,
            [
                ("bash", None),
                ("teamviewerd", Some("/opt/teamviewer/tv_bin/teamviewerd")),
            ],
        );
        assert_eq!(
            first,
            vec![Appearance {
                tool: "teamviewer".into(),
                at_start: true
            }]
        );
        // AnyDesk starts, with two processes: one appearance, not at start.
        let second = w.scan(
            &table,
            [
                ("teamviewerd", None),
                ("AnyDesk.exe", None),
                ("anydesk", Some("/usr/bin/anydesk")),
            ],
        );
        assert_eq!(
            second,
            vec![Appearance {
                tool: "anydesk".into(),
                at_start: false
            }]
        );
        assert!(w.is_running("anydesk"));
        // Still running: nothing new.
        assert!(w.scan(&table, [("anydesk", None)]).is_empty());
        // Stops, then starts again: a new appearance.
        assert!(w.scan(&table, [("bash", None)]).is_empty());
        assert!(!w.is_running("anydesk"));
        assert_eq!(w.scan(&table, [("anydesk", None)]).len(), 1);
    }

    #[test]
    fn an_empty_first_scan_makes_later_tools_not_at_start() {
        let table = ToolTable::builtin();
        let mut w = RunningTools::new();
        assert!(w.scan(&table, std::iter::empty()).is_empty());
        let a = w.scan(&table, [("rustdesk", None)]);
        assert_eq!(a.len(), 1);
        assert!(!a[0].at_start);
    }

    #[test]
    fn remote_alerts_once_an_hour_per_tool_and_once_a_day_at_start() {
        let now = t(1_000_000);
        assert_eq!(
            remote_decision(true, false, false, None, now, false),
            Decision::Alert(Strength::Strong)
        );
        assert_eq!(
            remote_decision(true, false, false, None, now, true),
            Decision::Alert(Strength::Gentle)
        );
        assert_eq!(
            remote_decision(false, false, false, None, now, false),
            Decision::Quiet(Quiet::Off)
        );
        assert_eq!(
            remote_decision(true, true, false, None, now, false),
            Decision::Quiet(Quiet::InUse)
        );
        let recent = Some(t(now.0 - REALERT_AFTER + 1));
        assert_eq!(
            remote_decision(true, false, false, recent, now, false),
            Decision::Quiet(Quiet::Recently)
        );
        let hour = Some(t(now.0 - REALERT_AFTER));
        assert_eq!(
            remote_decision(true, false, false, hour, now, false),
            Decision::Alert(Strength::Strong)
        );
        // Found running at start: an hour is not enough, a day is.
        assert_eq!(
            remote_decision(true, false, true, hour, now, false),
            Decision::Quiet(Quiet::Recently)
        );
        let day = Some(t(now.0 - REALERT_AT_START_AFTER));
        assert_eq!(
            remote_decision(true, false, true, day, now, false),
            Decision::Alert(Strength::Strong)
        );
        // A last alert "in the future" (the clock was set back) does not silence the tripwire.
        let future = Some(t(now.0 + 60));
        assert_eq!(
            remote_decision(true, false, false, future, now, false),
            Decision::Alert(Strength::Strong)
        );
    }

    #[test]
    fn the_code_guard_reminds_at_most_once_an_hour_and_never_in_a_verified_session() {
        let now = t(2_000_000);
        assert_eq!(
            code_decision(true, true, None, now, false),
            Decision::Alert(Strength::Strong)
        );
        assert_eq!(
            code_decision(false, true, None, now, false),
            Decision::Quiet(Quiet::Off)
        );
        assert_eq!(
            code_decision(true, false, None, now, false),
            Decision::Quiet(Quiet::Nothing)
        );
        assert_eq!(
            code_decision(true, true, None, now, true),
            Decision::Quiet(Quiet::Off)
        );
        assert_eq!(
            code_decision(true, true, Some(t(now.0 - REMIND_EVERY + 1)), now, false),
            Decision::Quiet(Quiet::Recently)
        );
        assert_eq!(
            code_decision(true, true, Some(t(now.0 - REMIND_EVERY)), now, false),
            Decision::Alert(Strength::Strong)
        );
        assert_eq!(
            code_decision(true, true, Some(t(now.0 + 5)), now, false),
            Decision::Alert(Strength::Strong)
        );
    }

    #[test]
    fn the_clipboard_memory_sees_changes_without_keeping_text() {
        let mut m = ClipboardMemory::new();
        assert!(
            !m.changed("123456", false),
            "what was copied before start is not news"
        );
        assert!(!m.changed("123456", true));
        assert!(m.changed("654321", false));
        assert!(m.changed("123456", false));
        m.forget();
        assert!(m.changed("123456", true));
        let dbg = format!("{m:?}");
        assert!(!dbg.contains("123456"));
    }
}
