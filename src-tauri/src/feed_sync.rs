//! The signed feed, app side: which feed (provisioning file, else Settings, else the one a past
//! `verityctl sync` used), the background schedule, one sync, and what follows it (new threats
//! recorded, one grouped alert, the tray and the UI told).
//!
//! The schedule's arithmetic is `verity_feed_policy::schedule`; this module only waits. A sync holds
//! `&mut Store` through the download, so it uses a second `Store` opened on the data directory;
//! the app's own store sees the new list through its `data_version`-based index refresh, and the
//! index is rebuilt right after the sync (so the next check does not pay for it).
//! `verity_feed` takes an OS lock on the data directory, so the app and `verityctl sync` never
//! update at once (the second gets `feed_busy`).

use crate::error::{CmdResult, ErrorCode, IpcError};
use crate::feed_words;
use crate::host::Notice;
use crate::provisioning::{self, Loaded};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use specta::Type;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;
use verity_core::{Language, Timestamp};
use verity_feed_policy::config::{self as feed_config, RootInfo, TrustAnchor};
use verity_feed_policy::schedule::{
    self as feed_schedule, FeedFacts, Freshness, SyncRecord, DEFAULT_INTERVAL,
};
use verity_store::{FeedSettings, FeedState, Store};

/// How long the loop sleeps at most before looking at the clock again (the wall clock moves on
/// while the computer sleeps; a monotonic timer does not) and refreshing the tray's age.
const TICK: i64 = 60;
/// After `feed_busy` (another sync on the data directory), try again this much later.
const BUSY_RETRY: i64 = 60;

/// A random fraction in `[0, 1)` for the schedule's jitter, from the standard library's
/// randomly keyed hasher (no generator crate needed for jitter).
#[must_use]
pub fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(u64::from(std::process::id()));
    #[allow(clippy::cast_precision_loss)]
    let x = (h.finish() >> 11) as f64 / (1u64 << 53) as f64;
    x
}

/// What a sync is doing, for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncStage {
    /// Fetching and verifying signed metadata.
    Metadata,
    /// Downloading the snapshot or delta.
    Download,
    /// Applying the list and checking its checksum.
    Apply,
    /// Rebuilding the lookup index.
    Index,
    /// Finished.
    Done,
}

/// Sent while a sync runs: its stage and, while downloading, the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct FeedProgress {
    /// The stage.
    pub stage: SyncStage,
    /// `snapshot` or `delta` while downloading.
    pub file: Option<String>,
    /// Bytes downloaded so far.
    pub bytes: u32,
    /// Bytes expected, when known.
    pub total: Option<u32>,
}

fn small(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl FeedProgress {
    fn stage(stage: SyncStage) -> Self {
        FeedProgress {
            stage,
            file: None,
            bytes: 0,
            total: None,
        }
    }

    fn from_feed(p: verity_feed::Progress) -> Self {
        use verity_feed::Stage;
        FeedProgress {
            stage: match p.stage {
                Stage::Metadata => SyncStage::Metadata,
                Stage::Download => SyncStage::Download,
                // The app rebuilds its own index afterwards and reports that (and the end).
                Stage::Apply | Stage::Index | Stage::Done => SyncStage::Apply,
            },
            file: p.file.map(str::to_owned),
            bytes: small(p.bytes),
            total: p.total.map(small),
        }
    }
}

/// The feed's state for Home, the Check screen and the tray.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FeedStatus {
    /// Version and age, failing, stale, or not configured.
    pub freshness: Freshness,
    /// The sync in progress, if any.
    pub syncing: Option<FeedProgress>,
    /// When the next automatic sync is due, if scheduled.
    pub next_sync: Option<Timestamp>,
    /// Unread new threats.
    pub unread: u32,
    /// Entries of the bundled sample list still on the local list (counted before the first
    /// feed version only; 0 after it, as the first snapshot drops them).
    pub sample: u32,
}

/// Sent to the UI whenever the feed's status changes (a sync ended, settings, threats read).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct FeedChanged(pub FeedStatus);

/// Sent to the UI to show the Threats screen (the alert or the tray was clicked).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct OpenThreats;

/// The feed settings and the notification preferences, as Settings shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FeedConfig {
    /// The feed URL in force.
    pub url: Option<String>,
    /// The proxy in force.
    pub proxy: Option<String>,
    /// The trusted root given (provisioned or entered), if any.
    pub root: Option<RootInfoView>,
    /// Who chose the root in force (none before the first sync).
    pub anchor: Option<TrustAnchor>,
    /// Whether the organisation pinned the root in force: a root entered here is refused, and
    /// only the organisation's feed may name official channels.
    pub pinned: bool,
    /// Whether the organisation sets these (the UI locks them).
    pub locked: bool,
    /// Who: the administrator's provisioning file (`provisioned`), or the configuration the
    /// organisation's desk signed (`organisation`).
    pub locked_by: Option<TrustAnchor>,
    /// Where the provisioning file is looked for.
    pub provisioning_path: String,
    /// Why the provisioning file there cannot be used, if it cannot.
    pub provisioning_error: Option<String>,
    /// Whether new threats raise a desktop notification.
    pub alerts: bool,
    /// Whether those notifications (and the checklist reminder) are silent and low-urgency.
    pub quiet: bool,
    /// Whether a checklist step due again raises a reminder (at most once a day).
    pub reminders: bool,
}

/// A trusted root's version and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct RootInfoView {
    /// The root's version.
    pub version: u32,
    /// SHA-256 of the file, hex in groups of four.
    pub fingerprint: String,
}

impl From<RootInfo> for RootInfoView {
    fn from(r: RootInfo) -> Self {
        RootInfoView {
            version: r.version,
            fingerprint: r.fingerprint,
        }
    }
}

/// The feed to sync, after provisioning and settings are weighed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    /// The feed URL.
    pub url: String,
    /// The trusted root given (needed for the first sync, and to replace the kept one).
    pub root: Option<Vec<u8>>,
    /// The proxy.
    pub proxy: Option<String>,
    /// Whether the organisation sets it (its provisioning file, or the configuration its desk
    /// signed): Settings then shows it locked.
    pub provisioned: bool,
    /// Who chose it.
    pub anchor: TrustAnchor,
}

#[derive(Debug, Default)]
struct Live {
    progress: Option<FeedProgress>,
    next_due: Option<Timestamp>,
    /// The organisation's source as last read, with the files' stamps it was read at.
    organisation: Option<(Stamps, Timestamp, OrganisationSource)>,
}

/// How long a cached organisation source may be used without reading its files again, however
/// unchanged they look: a root file the provisioning file names (not stamped) may be rotated.
const ORGANISATION_MAX_AGE_SECS: i64 = 600;

/// What `verity_flows::feed::organisation_source` answers.
type OrganisationSource = Result<Option<(verity_flows::feed::Source, Option<String>)>, String>;

/// A file's modification time and length (`None`: absent).
type Stamp = Option<(Option<std::time::SystemTime>, u64)>;

/// The provisioning file's and `device.json`'s stamps.
type Stamps = [Stamp; 2];

/// `path`'s stamp; `Err` when it exists but cannot be inspected (then nothing is cached: that
/// is not "absent").
fn stamp(path: &Path) -> Result<Stamp, ()> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(Some((m.modified().ok(), m.len()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(_) => Err(()),
    }
}

/// The app's feed machinery (managed state): where provisioning is read, the sync in progress,
/// the next due time, and the loop's wake-up.
pub struct FeedSync {
    provisioning_path: PathBuf,
    check: provisioning::Check,
    interval: i64,
    live: Mutex<Live>,
    wake: tokio::sync::Notify,
    running: tokio::sync::Mutex<()>,
}

impl FeedSync {
    /// Reads provisioning from `provisioning_path` (see [`provisioning::path_from_env`]),
    /// judged as [`provisioning::check_for`] says: the administrator's file must be the
    /// administrator's.
    #[must_use]
    pub fn new(provisioning_path: PathBuf) -> Self {
        let check = provisioning::check_for(&provisioning_path);
        Self::with_check(provisioning_path, check)
    }

    /// Reads provisioning from `provisioning_path`, judged as `check` says
    /// ([`provisioning::Check::Fixture`]: a test's file in a temporary folder).
    #[must_use]
    pub fn with_check(provisioning_path: PathBuf, check: provisioning::Check) -> Self {
        FeedSync {
            provisioning_path,
            check,
            interval: DEFAULT_INTERVAL,
            live: Mutex::new(Live::default()),
            wake: tokio::sync::Notify::new(),
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// The provisioning file's path.
    #[must_use]
    pub fn provisioning_path(&self) -> &Path {
        &self.provisioning_path
    }

    fn with_live<T>(&self, f: impl FnOnce(&mut Live) -> T) -> T {
        match self.live.lock() {
            Ok(mut l) => f(&mut l),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    fn next_due(&self) -> Option<Timestamp> {
        self.with_live(|l| l.next_due)
    }

    /// Asks the background loop to sync as soon as it can (settings changed).
    pub fn sync_soon(&self) {
        self.with_live(|l| l.next_due = Some(crate::clock::now()));
        self.wake.notify_one();
    }

    /// The organisation's feed source (`verity_flows::feed::organisation_source`), read again
    /// when the provisioning file or `device.json` changed, and at least every ten minutes: the
    /// status is asked for every minute and by every feed command. Only a usable answer is
    /// kept; a file that cannot be inspected, or a provisioning file that cannot be used, is
    /// read again each time.
    fn organisation(&self, data_dir: &Path) -> OrganisationSource {
        let read = || {
            verity_flows::feed::organisation_source(data_dir, &self.provisioning_path, self.check)
        };
        let (Ok(provisioning), Ok(device)) = (
            stamp(&self.provisioning_path),
            stamp(&data_dir.join(verity_device::state::STATE_FILE)),
        ) else {
            return read();
        };
        let stamps = [provisioning, device];
        let now = crate::clock::now();
        let cached = self.with_live(|l| match &l.organisation {
            Some((at, read_at, source))
                if *at == stamps
                    && (0..ORGANISATION_MAX_AGE_SECS).contains(&(now.0 - read_at.0)) =>
            {
                Some(source.clone())
            }
            _ => None,
        });
        if let Some(source) = cached {
            return source;
        }
        let source = read();
        self.with_live(|l| {
            l.organisation = source.is_ok().then(|| (stamps, now, source.clone()));
        });
        source
    }

    /// The provisioning file's verdict.
    #[must_use]
    pub fn provisioning(&self) -> Loaded {
        provisioning::load_with(&self.provisioning_path, self.check)
    }

    /// The feed to sync: the provisioning file wins; then the feed the organisation's desk
    /// handed over, signed (kept in `device.json` in `data_dir` at enrolment and each
    /// verification); then the URL, root and proxy from Settings (empty: the user turned the feed
    /// off); then the URL a past `verityctl sync` recorded (its kept root). `Ok(None)`: none.
    ///
    /// # Errors
    /// The provisioning file's problem: it exists but cannot be used, so nothing syncs until it
    /// is fixed (the user's settings do not silently take over an administrator's choice).
    pub fn effective(
        &self,
        data_dir: &Path,
        settings: &FeedSettings,
        state: &FeedState,
    ) -> Result<Option<Effective>, String> {
        if let Some((source, proxy)) = self.organisation(data_dir)? {
            return Ok(Some(Effective {
                url: source.url,
                root: source.root,
                // The desk's feed carries no proxy: the user's (or the system's) applies.
                proxy: proxy.or_else(|| {
                    (source.anchor == TrustAnchor::Organisation)
                        .then(|| settings.proxy.clone())
                        .flatten()
                }),
                provisioned: true,
                anchor: source.anchor,
            }));
        }
        // An empty URL is the user's explicit "no feed": no fallback then.
        Ok(match settings.url.as_deref() {
            Some("") => None,
            Some(url) => Some(Effective {
                url: url.to_owned(),
                root: settings.root.clone().map(String::into_bytes),
                proxy: settings.proxy.clone(),
                provisioned: false,
                anchor: TrustAnchor::Manual,
            }),
            None => state.url.clone().map(|url| Effective {
                url,
                root: None,
                proxy: None,
                provisioned: false,
                anchor: settings.root_anchor.unwrap_or(TrustAnchor::Manual),
            }),
        })
    }
}

/// The feed settings for the Settings screen.
///
/// # Errors
/// Store errors.
pub fn config(state: &AppState, feed: &FeedSync) -> CmdResult<FeedConfig> {
    let (settings, fstate, reminders) = state.with_store(|s| {
        Ok((
            s.feed_settings()?,
            s.feed_state()?,
            s.reminder_state()?.enabled,
        ))
    })?;
    let provisioning_path = feed.provisioning_path.display().to_string();
    let (effective, provisioning_error, locked) =
        match feed.effective(state.data_dir(), &settings, &fstate) {
            Ok(e) => {
                let locked = e.as_ref().is_some_and(|e| e.provisioned);
                (e, None, locked)
            }
            Err(why) => (None, Some(why), true),
        };
    let locked_by = match (&effective, &provisioning_error) {
        (_, Some(_)) => Some(TrustAnchor::Provisioned),
        (Some(e), None) if e.provisioned => Some(e.anchor),
        _ => None,
    };
    let (url, proxy, root) = match effective {
        Some(e) => (Some(e.url), e.proxy, e.root),
        None if locked => (None, None, None),
        None => (
            settings.url.clone().filter(|u| !u.is_empty()),
            settings.proxy.clone(),
            settings.root.clone().map(String::into_bytes),
        ),
    };
    let root = root
        .and_then(|r| feed_config::parse_root(&r).ok())
        .map(RootInfoView::from);
    Ok(FeedConfig {
        url,
        proxy,
        root,
        anchor: settings.root_anchor,
        pinned: settings
            .root_anchor
            .is_some_and(TrustAnchor::is_organisation),
        locked,
        locked_by,
        provisioning_path,
        provisioning_error,
        alerts: settings.alerts,
        quiet: settings.quiet,
        reminders,
    })
}

/// The facts freshness is computed from.
fn facts(configured: bool, s: &FeedState) -> FeedFacts {
    FeedFacts {
        configured,
        version: s.version,
        last_success: s.last_success,
        expires: s.expires,
        failures: s.failures,
        failing_since: s.failing_since,
        last_failure: s.last_error_at,
        reason: s.last_error_code.clone(),
    }
}

/// The feed's status now.
///
/// # Errors
/// Store errors.
pub fn status(state: &AppState, feed: &FeedSync) -> CmdResult<FeedStatus> {
    let (settings, fstate, unread, sample) = state.with_store(|s| {
        let fstate = s.feed_state()?;
        // The first feed snapshot drops the sample list; before it the list is small, so the
        // count (a table scan) is only made then.
        let sample = if fstate.version.is_none() {
            s.blocklist_summary()?.sample
        } else {
            0
        };
        Ok((s.feed_settings()?, fstate, s.unread_threats()?, sample))
    })?;
    let configured = !matches!(
        feed.effective(state.data_dir(), &settings, &fstate),
        Ok(None)
    );
    let (syncing, next_sync) = feed.with_live(|l| (l.progress.clone(), l.next_due));
    Ok(FeedStatus {
        freshness: feed_schedule::freshness(&facts(configured, &fstate), crate::clock::now()),
        syncing,
        next_sync,
        unread,
        sample: u32::try_from(sample).unwrap_or(u32::MAX),
    })
}

/// The list's freshness in one short line ("List v12, updated 12 minutes ago"), for the
/// clipboard check's notification; `None` when the feed state cannot be read.
pub fn freshness_line_now<R: Runtime>(app: &AppHandle<R>, lang: Language) -> Option<String> {
    let (state, feed) = (app.try_state::<AppState>()?, app.try_state::<FeedSync>()?);
    let st = status(&state, &feed).ok()?;
    Some(feed_words::freshness_line(lang, &st.freshness))
}

/// Tells the tray and the UI the feed's current status.
pub fn announce<R: Runtime>(app: &AppHandle<R>) {
    let (Some(state), Some(feed)) = (app.try_state::<AppState>(), app.try_state::<FeedSync>())
    else {
        return;
    };
    match status(&state, &feed) {
        Ok(st) => {
            state
                .host
                .feed_changed(language(state.inner()), &st.freshness, st.unread);
            if let Err(e) = FeedChanged(st).emit(app) {
                log::warn!("cannot emit feed-changed: {e}");
            }
        }
        Err(e) => log::warn!("cannot read the feed status: {}", e.message),
    }
}

fn emit_progress<R: Runtime>(app: &AppHandle<R>, p: &FeedProgress) {
    if let Some(feed) = app.try_state::<FeedSync>() {
        feed.with_live(|l| l.progress = Some(p.clone()));
    }
    if let Err(e) = p.emit(app) {
        log::warn!("cannot emit feed-progress: {e}");
    }
}

/// One sync now, then the new threats recorded and announced, the index rebuilt, the tray and
/// the UI told, and the next automatic sync scheduled.
///
/// # Errors
/// `feed_not_configured` (no feed, or a provisioning file that cannot be used), `feed_busy`
/// (another sync on this data directory), `feed_failed` (the sync failed: the last good list
/// stays; the feed status says why), store errors.
pub async fn sync_once<R: Runtime>(app: &AppHandle<R>) -> CmdResult<FeedStatus> {
    let (Some(state), Some(feed)) = (app.try_state::<AppState>(), app.try_state::<FeedSync>())
    else {
        return Err(IpcError::new(
            ErrorCode::Internal,
            "the feed is not set up in this app",
        ));
    };
    let _one_at_a_time = feed.running.lock().await;
    let result = run_sync(app, &state, &feed).await;
    let at = crate::clock::now();
    let next = match &result {
        Err(e) if e.code == ErrorCode::FeedNotConfigured => None,
        Err(e) if e.code == ErrorCode::FeedBusy => Some(Timestamp(at.0 + BUSY_RETRY)),
        _ => {
            let rec = state
                .with_store(|s| s.feed_state())
                .map(|s| SyncRecord {
                    last_success: s.last_success,
                    last_failure: s.last_error_at,
                    failures: s.failures,
                    min_wait: s.min_wait,
                })
                .unwrap_or_default();
            feed_schedule::next_sync(&rec, feed.interval, random_unit())
                .or(Some(Timestamp(at.0 + feed.interval)))
        }
    };
    feed.with_live(|l| {
        l.progress = None;
        l.next_due = next;
    });
    announce(app);
    result.and_then(|()| status(&state, &feed))
}

async fn run_sync<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    feed: &FeedSync,
) -> CmdResult<()> {
    let (settings, fstate) = state.with_store(|s| Ok((s.feed_settings()?, s.feed_state()?)))?;
    let eff = match feed.effective(state.data_dir(), &settings, &fstate) {
        Ok(Some(e)) => e,
        Ok(None) => {
            return Err(IpcError::new(
                ErrorCode::FeedNotConfigured,
                "no feed URL is configured",
            ))
        }
        Err(why) => return Err(IpcError::new(ErrorCode::FeedNotConfigured, why)),
    };
    let data_dir = state.data_dir().to_path_buf();
    let source = verity_flows::feed::Source {
        url: eff.url.clone(),
        root: eff.root.clone(),
        anchor: eff.anchor,
        // A root entered in Settings was confirmed there, and logged when it was entered.
        replace_manual: true,
        log_manual: false,
    };
    let mut cfg = verity_feed::SyncConfig::new(eff.url.clone());
    cfg.proxy = eff.proxy.clone();
    // This store is thrown away after the sync; the app's own store rebuilds below.
    cfg.rebuild_index = false;
    let at = crate::clock::now();
    emit_progress(app, &FeedProgress::stage(SyncStage::Metadata));
    let handle = app.clone();
    let synced = tauri::async_runtime::spawn_blocking(move || {
        let mut store = Store::open(&data_dir).map_err(verity_feed::FeedError::from)?;
        let mut progress = |p: verity_feed::Progress| {
            emit_progress(&handle, &FeedProgress::from_feed(p));
        };
        // The same flow `verityctl sync` runs: the root's anchor weighed, the new threats and
        // the organisation's changes of trust anchor recorded.
        verity_flows::feed::sync_source(&mut store, &source, cfg, at, &mut progress)
    })
    .await
    .map_err(|e| IpcError::new(ErrorCode::Internal, format!("the sync task failed: {e}")))?;
    let synced = match synced {
        Ok(r) => r,
        Err(verity_feed::FeedError::Busy) => {
            return Err(IpcError::new(
                ErrorCode::FeedBusy,
                "another feed sync is running on this data directory",
            ))
        }
        Err(e) => {
            log::warn!("feed sync failed ({}): {e}", e.code());
            return Err(IpcError::new(ErrorCode::FeedFailed, e.to_string()));
        }
    };
    let verity_flows::feed::Synced { report, changes } = synced;
    log::info!(
        "feed version {} ({:?}): {} added, {} removed, {} new alerts",
        report.version,
        report.outcome,
        report.added,
        report.removed,
        report.new_alerts.len()
    );
    for change in &changes {
        tell_trust_change(state, change);
    }
    emit_progress(app, &FeedProgress::stage(SyncStage::Index));
    let rebuilt = tauri::async_runtime::spawn_blocking({
        let handle = app.clone();
        move || {
            let st = handle.try_state::<AppState>()?;
            // The tool table the organisation's feed brought (this sync or one that failed after
            // keeping it, or `verityctl sync`): the tripwire watches it from now on.
            if let Some(tw) = handle.try_state::<crate::tripwire::Tripwires>() {
                tw.reload_table(&st);
                tw.refresh_org();
            }
            Some(st.with_store(|s| s.lookup_tables().map(|_| ())))
        }
    })
    .await;
    if let Ok(Some(Err(e))) = rebuilt {
        log::warn!("cannot rebuild the index after the sync: {}", e.message);
    }
    emit_progress(app, &FeedProgress::stage(SyncStage::Done));
    alert(state, &report);
    // The desk hears how this device stands, and IT's answers come back (in the background:
    // never part of the sync's result).
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        crate::desk_contact::after_sync(&handle).await;
        crate::drill::after_sync(&handle).await;
    });
    Ok(())
}

/// Tells the user of a change of the feed's address or root (already in the trust log): a
/// desktop notification, whatever the alert preferences (it is not a threat alert: it is the
/// one thing a fake support agent wants done quietly).
pub fn tell_trust_change(state: &AppState, change: &verity_store::TrustChange) {
    if let Err(e) = state
        .host
        .notify(&feed_words::trust_notice(language(state), change))
    {
        log::warn!("cannot show the feed change notification: {e}");
    }
}

/// The language the user chose, for words shown outside the window (the default when the
/// store cannot be read).
fn language(state: &AppState) -> Language {
    state
        .with_store(|s| s.settings())
        .map(|s| s.language)
        .unwrap_or_default()
}

/// The one notification a sync may raise: a summary after the first sync, else one grouped
/// alert for the new entries flagged `alert`; none when the user turned alerts off.
fn alert(state: &AppState, report: &verity_feed::SyncReport) {
    let Ok((lang, prefs)) = state.with_store(|s| Ok((s.settings()?.language, s.feed_settings()?)))
    else {
        return;
    };
    if !prefs.alerts {
        return;
    }
    let notice = if report.initial {
        Some(feed_words::initial_notice(
            lang,
            report.version,
            report.entries,
            report.new_alerts.len(),
        ))
    } else if report.new_alerts.is_empty() {
        None
    } else {
        Some(feed_words::alert_notice(lang, &report.new_alerts))
    };
    if let Some(n) = notice {
        if let Err(e) = state.host.notify_threats(&n, prefs.quiet) {
            log::warn!("cannot show the threat alert: {e}");
        }
    }
}

/// Starts the background schedule: a first sync 0–60 s after start, then as
/// `verity_feed_policy::schedule` says. Ticks every minute to keep the tray's age current.
pub fn start<R: Runtime>(app: AppHandle<R>) {
    if let Some(feed) = app.try_state::<FeedSync>() {
        let first = crate::clock::now().0 + feed_schedule::start_delay(random_unit());
        feed.with_live(|l| l.next_due = Some(Timestamp(first)));
    }
    announce(&app);
    tauri::async_runtime::spawn(async move {
        loop {
            let Some(feed) = app.try_state::<FeedSync>() else {
                return;
            };
            let at = crate::clock::now();
            match feed.next_due() {
                Some(due) if due <= at => {
                    if let Err(e) = sync_once(&app).await {
                        log::info!("scheduled feed sync: {}", e.message);
                    }
                    continue;
                }
                Some(_) => {}
                None => {
                    // Not configured: look again (a provisioning file may have been deployed).
                    if let Some(state) = app.try_state::<AppState>() {
                        let configured = state
                            .with_store(|s| Ok((s.feed_settings()?, s.feed_state()?)))
                            .map(|(se, st)| {
                                matches!(feed.effective(state.data_dir(), &se, &st), Ok(Some(_)))
                            });
                        if configured.unwrap_or(false) {
                            feed.with_live(|l| l.next_due = Some(at));
                            continue;
                        }
                    }
                }
            }
            let wait = feed
                .next_due()
                .map_or(TICK, |d| (d.0 - at.0).clamp(1, TICK));
            let wait = Duration::from_secs(u64::try_from(wait).unwrap_or(1));
            let _ = tokio::time::timeout(wait, feed.wake.notified()).await;
            announce(&app);
        }
    });
}

/// Shows the Threats screen: the window comes forward and the UI navigates.
pub fn open_threats<R: Runtime>(app: &AppHandle<R>) {
    crate::show_main_window(app);
    if let Err(e) = OpenThreats.emit(app) {
        log::warn!("cannot emit open-threats: {e}");
    }
}

/// Shows the grouped threat alert (see [`crate::desktop::show_clickable`]): a click brings the app
/// forward on the Threats screen.
///
/// # Errors
/// The notification service's message.
pub fn show_threat_alert(
    app: &AppHandle,
    notice: &Notice,
    quiet: bool,
) -> Result<(), crate::host::HostError> {
    crate::desktop::show_clickable(
        app,
        notice,
        crate::desktop::Level::quiet_if(quiet),
        "feed.alert.action",
        open_threats,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_units_are_fractions_and_vary() {
        let xs: Vec<f64> = (0..32).map(|_| random_unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(xs.windows(2).any(|w| (w[0] - w[1]).abs() > f64::EPSILON));
    }

    /// The organisation's source is read once, and again whenever the provisioning file
    /// changes, appears or goes: a stale answer would keep a user's hand-entered feed locked,
    /// or unlock an administrator's.
    #[test]
    fn the_organisation_source_is_read_again_when_its_files_change() {
        const ROOT: &str = r#"{"signed":{"_type":"root","version":1,"keys":{"a":{}},"roles":{"root":{}}},"signatures":[{"keyid":"a","sig":"00"}]}"#;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let path = dir.path().join("provisioning.json");
        let feed = FeedSync::with_check(path.clone(), provisioning::Check::Fixture);
        let url = |f: &FeedSync| {
            f.organisation(&data)
                .map(|o| o.map(|(source, _)| (source.url, source.anchor)))
        };
        assert_eq!(url(&feed), Ok(None));
        std::fs::write(dir.path().join("root.json"), ROOT).unwrap();
        std::fs::write(
            &path,
            r#"{"url":"https://feed.example/a/","root":"root.json"}"#,
        )
        .unwrap();
        let provisioned = |u: &str| Ok(Some((u.to_owned(), TrustAnchor::Provisioned)));
        assert_eq!(url(&feed), provisioned("https://feed.example/a/"));
        assert_eq!(url(&feed), provisioned("https://feed.example/a/"));
        // Another length, then the same length: both are seen.
        std::fs::write(
            &path,
            r#"{"url":"https://feed.example/bb/","root":"root.json"}"#,
        )
        .unwrap();
        assert_eq!(url(&feed), provisioned("https://feed.example/bb/"));
        let later = std::fs::metadata(&path).unwrap().modified().unwrap()
            + std::time::Duration::from_secs(5);
        std::fs::write(
            &path,
            r#"{"url":"https://feed.example/cc/","root":"root.json"}"#,
        )
        .unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_eq!(url(&feed), provisioned("https://feed.example/cc/"));
        std::fs::write(&path, "{").unwrap();
        assert!(url(&feed).is_err());
        std::fs::remove_file(&path).unwrap();
        assert_eq!(url(&feed), Ok(None));
    }
}
