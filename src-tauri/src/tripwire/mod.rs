//! The tripwires (issue 16), app side: the watchers and what they do when they catch the moment
//! of a fake-support scam.
//!
//! - `processes.rs`: a thread that lists the running processes every
//!   [`processes::SCAN_EVERY`] (sysinfo, executable names and paths only) and reports the
//!   remote-access tools that appeared (`verity_tripwire::watch::RunningTools`);
//! - `downloads.rs`: the Downloads folder, watched with the platform's file notifications
//!   (`notify`: inotify, ReadDirectoryChangesW, FSEvents), for a tool's installer;
//! - `clipboard.rs`: the one-time-code guard, opt-in: while it is on, the clipboard's text is
//!   read once a second, compared by a keyed hash with the last one, passed to the detector and
//!   dropped; nothing it held is stored, logged or sent.
//!
//! Each catch goes through [`remote_seen`] or [`clipboard_seen`]: the rule
//! (`verity_tripwire::watch`) with the user's choices, the organisation's policy (tools it uses,
//! the remote-access tripwire locked on, from the provisioning file) and the last alerts the store remembers;
//! then the event is recorded (Home counts it, the Threats screen lists it, one click sends it
//! to IT) and the alert is shown, in the user's language, urgent when no verified support
//! session is open.

mod clipboard;
mod downloads;
mod processes;

pub use downloads::DownloadsWatch;

use crate::error::CmdResult;
use crate::host::Notice;
use crate::i18n;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use specta::Type;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;
use verity_core::Timestamp;
use verity_store::tripwire::TripwirePrefs;
use verity_tripwire::remote::{Tool, ToolTable};
use verity_tripwire::watch::{self, ClipboardMemory, Decision, EventKind, Strength};

/// Sent to the UI when a tripwire raised an event (Home's count and the Threats list reload).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct TripwireRaised;

/// Sent to the UI to show the Support screen (a tripwire's alert was clicked).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct OpenSupport;

/// What the organisation decided about the tripwires (the provisioning file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgPolicy {
    /// Tool ids the organisation uses itself: no alert for them.
    pub tools_in_use: Vec<String>,
    /// Settings cannot turn the remote-access tripwire off (the code guard, which reads the
    /// clipboard, stays the user's choice).
    pub locked: bool,
}

impl OrgPolicy {
    /// The policy in the provisioning file at `path`: none when there is no file, locked on with
    /// no tool exempt when there is one that cannot be used.
    #[must_use]
    pub fn from_provisioning(path: &std::path::Path) -> OrgPolicy {
        match verity_flows::provisioning::load(path) {
            verity_flows::provisioning::Loaded::Found(p) => OrgPolicy {
                tools_in_use: p.remote_tools_in_use,
                locked: p.lock_tripwires,
            },
            verity_flows::provisioning::Loaded::Absent => OrgPolicy::default(),
            // The administrator meant to set something (or someone planted a file): fail closed
            // — locked on, no tool exempt — until it is fixed, as the feed's fields stay locked.
            verity_flows::provisioning::Loaded::Invalid(why)
            | verity_flows::provisioning::Loaded::Untrusted(why) => {
                log::warn!("tripwire: the provisioning file is unusable ({why}): locked on");
                OrgPolicy {
                    tools_in_use: Vec::new(),
                    locked: true,
                }
            }
        }
    }
}

/// The tripwires' shared state (managed by the app).
#[derive(Debug)]
pub struct Tripwires {
    table: RwLock<Arc<ToolTable>>,
    org: RwLock<OrgPolicy>,
    /// Where the organisation's policy is read again (the provisioning file), if anywhere.
    org_source: Option<std::path::PathBuf>,
    /// The user's last choices, to put in force again when the organisation's policy changes.
    prefs: Mutex<TripwirePrefs>,
    remote_on: AtomicBool,
    code_on: AtomicBool,
    /// One decision at a time, so that two watchers seeing the same tool at once alert once.
    deciding: Mutex<()>,
    clipboard: Mutex<ClipboardMemory>,
    /// Bumped on every change of the choices; the watchers wait on it while they are off.
    changes: (Mutex<u64>, Condvar),
}

impl Tripwires {
    /// The tripwires with this tool table, the organisation's policy and the user's choices.
    #[must_use]
    pub fn new(table: ToolTable, org: OrgPolicy, prefs: TripwirePrefs) -> Tripwires {
        let tw = Tripwires {
            table: RwLock::new(Arc::new(table)),
            org: RwLock::new(org),
            org_source: None,
            prefs: Mutex::new(prefs),
            remote_on: AtomicBool::new(false),
            code_on: AtomicBool::new(false),
            deciding: Mutex::new(()),
            clipboard: Mutex::new(ClipboardMemory::new()),
            changes: (Mutex::new(0), Condvar::new()),
        };
        tw.set_prefs(prefs);
        tw
    }

    /// The tripwires with the organisation's policy read from the provisioning file at `path`
    /// now, and again by [`Tripwires::refresh_org`].
    #[must_use]
    pub fn with_provisioning(
        table: ToolTable,
        path: std::path::PathBuf,
        prefs: TripwirePrefs,
    ) -> Tripwires {
        let mut tw = Tripwires::new(table, OrgPolicy::from_provisioning(&path), prefs);
        tw.org_source = Some(path);
        tw
    }

    /// The organisation's policy.
    #[must_use]
    pub fn org(&self) -> OrgPolicy {
        match self.org.read() {
            Ok(o) => o.clone(),
            Err(e) => e.into_inner().clone(),
        }
    }

    /// Puts the organisation's policy `org` in force (a lock added or lifted, tools declared in
    /// use) with the user's last choices, and wakes the watchers.
    pub fn set_org(&self, org: OrgPolicy) {
        match self.org.write() {
            Ok(mut o) => *o = org,
            Err(e) => *e.into_inner() = org,
        }
        // Held while the flags are set: a choice made meanwhile waits, and is not undone.
        let prefs = self
            .prefs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.apply(*prefs);
    }

    /// Reads the organisation's policy again from the provisioning file, if it came from one
    /// (after each sync and when Home or Settings ask for the tripwires' state), so that a lock
    /// IT deploys to running computers takes effect without a restart.
    pub fn refresh_org(&self) {
        if let Some(path) = &self.org_source {
            let org = OrgPolicy::from_provisioning(path);
            if org != self.org() {
                log::info!("tripwire: the organisation's policy changed");
                self.set_org(org);
            }
        }
    }

    /// The tool table in force.
    #[must_use]
    pub fn table(&self) -> Arc<ToolTable> {
        match self.table.read() {
            Ok(t) => t.clone(),
            Err(e) => e.into_inner().clone(),
        }
    }

    /// Puts the table in force again from the store: the built-in table with the tools the
    /// organisation's feed added (see [`table_in_force`]).
    pub fn reload_table(&self, state: &AppState) {
        match state.with_store(|s| Ok(table_in_force(s))) {
            Ok(t) if t == *self.table() => {}
            Ok(t) => {
                log::info!("tripwire: tool table version {} in force", t.version);
                match self.table.write() {
                    Ok(mut w) => *w = Arc::new(t),
                    Err(e) => *e.into_inner() = Arc::new(t),
                }
            }
            Err(e) => log::warn!("tripwire: tool table not reloaded: {}", e.message),
        }
    }

    /// Puts the user's choices in force (locked on: the tripwires stay on whatever they say)
    /// and wakes the watchers.
    pub fn set_prefs(&self, prefs: TripwirePrefs) {
        let mut kept = self
            .prefs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *kept = prefs;
        self.apply(prefs);
    }

    /// Sets the flags the watchers read from `prefs` and the organisation's lock, and wakes
    /// them. Called with the `prefs` lock held.
    fn apply(&self, prefs: TripwirePrefs) {
        let remote = prefs.remote || self.org().locked;
        self.remote_on.store(remote, Ordering::SeqCst);
        self.code_on.store(prefs.code_guard, Ordering::SeqCst);
        if !prefs.code_guard {
            self.forget_clipboard();
        }
        let (lock, cv) = &self.changes;
        let mut n = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *n = n.wrapping_add(1);
        cv.notify_all();
    }

    /// Whether the remote-access tripwire is on.
    #[must_use]
    pub fn remote_on(&self) -> bool {
        self.remote_on.load(Ordering::SeqCst)
    }

    /// Whether the one-time-code guard is on.
    #[must_use]
    pub fn code_on(&self) -> bool {
        self.code_on.load(Ordering::SeqCst)
    }

    /// Whether a verified support session is open. Verified sessions (the Support screen's chat
    /// with an organisation-certified agent) do not exist in this version, so none ever is: every
    /// alert is the strong one.
    #[must_use]
    pub fn support_session_open(&self) -> bool {
        false
    }

    /// Sleeps while `on` says the watcher is off, at most `timeout`. The flag is read under the
    /// lock [`Tripwires::set_prefs`] notifies under (after storing the flags), so a change made
    /// between a watcher's own check and its sleep is never missed.
    fn sleep_while_off(&self, on: impl Fn(&Tripwires) -> bool, timeout: Duration) {
        let (lock, cv) = &self.changes;
        let guard = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = cv.wait_timeout_while(guard, timeout, |_| !on(self));
    }

    /// How many times the choices changed (a watcher notices a turn off and on again).
    fn generation(&self) -> u64 {
        *self
            .changes
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn forget_clipboard(&self) {
        match self.clipboard.lock() {
            Ok(mut m) => m.forget(),
            Err(e) => e.into_inner().forget(),
        }
    }
}

/// The tool table in force: the built-in one, with the tools and names the organisation's feed
/// added (a feed's table never removes one; one that no longer parses is ignored and logged).
#[must_use]
pub fn table_in_force(store: &verity_store::Store) -> ToolTable {
    let builtin = ToolTable::builtin();
    match store.feed_tool_table() {
        Ok(Some((_, json))) => match ToolTable::parse(json.as_bytes()) {
            Ok(feed) => builtin.with_additions(&feed),
            Err(e) => {
                log::warn!("tripwire: the kept feed table is unusable: {e}");
                builtin
            }
        },
        Ok(None) => builtin,
        Err(e) => {
            log::warn!("tripwire: the kept feed table cannot be read: {e}");
            builtin
        }
    }
}

/// A remote-access tool was seen: started (`kind` [`EventKind::RemoteTool`], `at_start` when
/// found already running as Verity started) or its installer landed in Downloads
/// ([`EventKind::Installer`]). Decides, records the event and shows the alert. Returns the
/// decision and the recorded event's id.
///
/// # Errors
/// Store errors. A notification the desktop refuses is logged, not an error: the event is
/// recorded either way (Home and the Threats screen show it).
pub fn remote_seen(
    state: &AppState,
    tw: &Tripwires,
    kind: EventKind,
    tool: &Tool,
    at_start: bool,
    now: Timestamp,
) -> CmdResult<(Decision, Option<i64>)> {
    let one = tw
        .deciding
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let in_use = tw.org().tools_in_use.contains(&tool.id);
    let (last, lang) = state.with_store(|s| {
        Ok((
            s.last_tripwire(kind, Some(&tool.id))?,
            s.settings()?.language,
        ))
    })?;
    let decision = watch::remote_decision(
        tw.remote_on(),
        in_use,
        at_start,
        last,
        now,
        tw.support_session_open(),
    );
    let Decision::Alert(strength) = decision else {
        return Ok((decision, None));
    };
    let id = state.with_store(|s| s.record_tripwire(kind, Some(&tool.id), now))?;
    // Recorded: another watcher now sees it. The desktop may take its time to show the alert.
    drop(one);
    let title_key = match kind {
        EventKind::Installer => "tripwire.installer.title",
        _ => "tripwire.remote.title",
    };
    let body_key = match strength {
        Strength::Strong => "tripwire.remote.strong",
        Strength::Gentle => "tripwire.remote.gentle",
    };
    let p = [("tool", tool.name.as_str())];
    let notice = Notice {
        summary: i18n::text_with(lang, title_key, &p),
        body: i18n::text_with(lang, body_key, &p),
    };
    if let Err(e) = state
        .host
        .notify_tripwire(&notice, strength == Strength::Strong)
    {
        log::warn!("tripwire alert not shown: {e}");
    }
    Ok((decision, Some(id)))
}

/// The clipboard holds `text` (`first`: the first read since the guard came on, which is not
/// news). Decides whether it is a newly copied one-time code worth a reminder, records the event
/// (without the text) and shows the reminder, which names no digits.
///
/// # Errors
/// Store errors; a refused notification is logged.
pub fn clipboard_seen(
    state: &AppState,
    tw: &Tripwires,
    text: &str,
    first: bool,
    now: Timestamp,
) -> CmdResult<(Decision, Option<i64>)> {
    let one = tw
        .deciding
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let changed = match tw.clipboard.lock() {
        Ok(mut m) => m.changed(text, !first),
        Err(e) => e.into_inner().changed(text, !first),
    };
    if !changed || !tw.code_on() {
        return Ok((Decision::Quiet(watch::Quiet::Nothing), None));
    }
    let is_code = verity_tripwire::otp::one_time_code(text).is_some();
    let (last, lang) = state.with_store(|s| {
        Ok((
            s.last_tripwire(EventKind::Code, None)?,
            s.settings()?.language,
        ))
    })?;
    let decision =
        watch::code_decision(tw.code_on(), is_code, last, now, tw.support_session_open());
    if !matches!(decision, Decision::Alert(_)) {
        return Ok((decision, None));
    }
    let id = state.with_store(|s| s.record_tripwire(EventKind::Code, None, now))?;
    drop(one);
    let notice = Notice {
        summary: i18n::text(lang, "tripwire.code.title"),
        body: i18n::text(lang, "tripwire.code.body"),
    };
    if let Err(e) = state.host.notify_tripwire(&notice, true) {
        log::warn!("code reminder not shown: {e}");
    }
    Ok((decision, Some(id)))
}

/// Tells the UI that an event was raised (or changed: sent to IT).
pub fn raised<R: Runtime>(app: &AppHandle<R>) {
    if let Err(e) = TripwireRaised.emit(app) {
        log::warn!("cannot emit tripwire-raised: {e}");
    }
}

/// Shows the Support screen (the official path): the window comes forward and the UI navigates.
pub fn open_support<R: Runtime>(app: &AppHandle<R>) {
    crate::show_main_window(app);
    if let Err(e) = OpenSupport.emit(app) {
        log::warn!("cannot emit open-support: {e}");
    }
}

/// Runs `f` with the app's state and tripwires, if both are managed.
fn with_app<R: Runtime, T>(
    app: &AppHandle<R>,
    f: impl FnOnce(&AppState, &Tripwires) -> T,
) -> Option<T> {
    let state = app.try_state::<AppState>()?;
    let tw = app.try_state::<Tripwires>()?;
    Some(f(&state, &tw))
}

/// Starts the watchers: processes and Downloads (the remote-access tripwire), the clipboard
/// (the code guard). Each idles while its tripwire is off.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    processes::start(app.clone());
    downloads::start(app);
    clipboard::start(app.clone());
}
