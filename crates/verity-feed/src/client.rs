//! The sync client: verify the feed as TUF requires, then apply one version to the store.
//!
//! 1. Load the trusted root: the one kept in `DATA_DIR/feed/root.json`, else the one given
//!    (`SyncConfig::root`) for the first sync.
//! 2. tough verifies root (and its rotations), timestamp, snapshot and targets: signatures and
//!    thresholds, rollback (against the metadata kept in `DATA_DIR/feed/tuf/`), fast-forward
//!    recovery on key rotation, freeze (expiry), mix-and-match (versions and hashes), and size
//!    caps on every file. Our transport caps every response again.
//! 3. The feed version must not go backwards either.
//! 4. Download the delta when the local list is exactly its base (version and checksum, and
//!    nothing but feed updates changed it since), else the snapshot; tough checks the file's
//!    length and SHA-256 against the signed targets metadata.
//! 5. Decode with limits, apply in one store transaction, check the list checksum inside it
//!    (from the list digest the store keeps, updated with the delta's changes alone); a delta
//!    whose result does not match falls back to the snapshot.
//! 6. Record success, or on any failure record why and leave the list as it was.

use crate::error::{classify, FeedError, Phase};
use crate::format::{self, DecodeLimits, FeedDigest, FeedEntry, FeedFile, FileKind};
use crate::transport::{FeedTransport, TransportOptions};
use crate::{block_on, from_jiff, write_atomic, TargetInfo, DELTA_TARGET, SNAPSHOT_TARGET};
use futures::StreamExt;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tough::{ExpirationEnforcement, Limits, Repository, RepositoryLoader, TargetName};
use url::Url;
use verity_core::blocklist::BlocklistEntry;
use verity_core::Timestamp;
use verity_store::{FeedMode, FeedRow, FeedSuccess, FeedUpdate, Store, StoreError};

/// The directory under the data directory holding the trusted root and TUF metadata.
pub const FEED_DIR: &str = "feed";
/// The kept trusted root, under [`FEED_DIR`].
pub const TRUSTED_ROOT_FILE: &str = "root.json";
/// tough's datastore (the last verified metadata, for rollback checks), under [`FEED_DIR`].
pub const TUF_DIR: &str = "tuf";
/// The datastore a root replacement verifies into, under [`FEED_DIR`].
const REPLACEMENT_DIR: &str = "tuf.replacement";
/// Held (an OS file lock) while a sync runs, under [`FEED_DIR`].
pub const LOCK_FILE: &str = "sync.lock";

impl FeedRow for FeedEntry {
    fn entry(&self) -> &BlocklistEntry {
        &self.entry
    }
    fn alert(&self) -> bool {
        self.alert
    }
}

/// Size caps against endless-data attacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncLimits {
    /// Largest `N.root.json`.
    pub max_root: u64,
    /// Most root versions followed in one sync.
    pub max_root_updates: u64,
    /// Largest `timestamp.json`.
    pub max_timestamp: u64,
    /// Largest `snapshot.json` when the timestamp gives no length.
    pub max_snapshot_meta: u64,
    /// Largest `targets.json` when the snapshot gives no length.
    pub max_targets_meta: u64,
    /// Largest snapshot or delta file (their signed lengths must also be under it).
    pub max_target: u64,
    /// Largest decompressed body.
    pub max_body: u64,
    /// Most entries in one file.
    pub max_entries: u64,
}

/// The defaults are set from the largest list Verity is built and benchmarked for, 10 million
/// entries (`cargo bench -p verity-feed --bench apply`), with room to grow but not to be flooded:
/// the bench's synthetic list takes 5.7 bytes an entry on the wire and 11.6 decompressed, so a
/// 10M snapshot is about 57 MB and 116 MB: files are capped at 128 MiB, bodies at 512 MiB and
/// entries at 20 million. TUF metadata for
/// a single-list feed is a few KiB: 64 KiB for a root (the app takes the same), 16 KiB for a
/// timestamp, 256 KiB for snapshot and targets metadata.
impl Default for SyncLimits {
    fn default() -> Self {
        SyncLimits {
            max_root: 64 * 1024,
            max_root_updates: 64,
            max_timestamp: 16 * 1024,
            max_snapshot_meta: 256 * 1024,
            max_targets_meta: 256 * 1024,
            max_target: 128 * 1024 * 1024,
            max_body: 512 * 1024 * 1024,
            max_entries: 20_000_000,
        }
    }
}

/// How to sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    /// The feed's base URL (`https://…/feed/`, or `file:///…` for a copy on disk); metadata is
    /// under `metadata/`, files under `targets/`.
    pub url: String,
    /// The trusted root metadata (the repository's `root.json`), needed the first time only;
    /// afterwards the kept (and possibly rotated) root is used.
    pub root: Option<Vec<u8>>,
    /// Trust `root` instead of the kept root, forgetting the kept metadata (a new feed, or
    /// recovery after a compromise beyond threshold). Needs `root`.
    pub replace_root: bool,
    /// An HTTP(S) proxy URL for corporate networks; `None` follows the `HTTPS_PROXY` /
    /// `NO_PROXY` environment.
    pub proxy: Option<String>,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Timeout of each whole request.
    pub timeout: Duration,
    /// Size caps.
    pub limits: SyncLimits,
    /// Rebuild the in-memory index after a change (the app's checking store); the CLI skips it.
    pub rebuild_index: bool,
    /// Whether the feed's official-channel directory is applied: only for a root the
    /// organisation chose (provisioning, or its signed configuration). A root entered by hand
    /// brings blocklist entries only, so nobody can talk a user into a feed that makes the
    /// caller's own number "official".
    pub apply_official: bool,
}

impl SyncConfig {
    /// Defaults for a URL: no proxy, 10 s to connect, 10 min per request, default limits.
    #[must_use]
    pub fn new(url: impl Into<String>) -> SyncConfig {
        SyncConfig {
            url: url.into(),
            root: None,
            replace_root: false,
            proxy: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(600),
            limits: SyncLimits::default(),
            rebuild_index: true,
            apply_official: false,
        }
    }
}

/// What a sync is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Fetching and verifying metadata.
    Metadata,
    /// Downloading a file (`Progress::file`).
    Download,
    /// Writing to the store and checking the list checksum.
    Apply,
    /// Rebuilding the lookup index.
    Index,
    /// Finished.
    Done,
}

/// A progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The stage.
    pub stage: Stage,
    /// `snapshot` or `delta` while downloading.
    pub file: Option<&'static str>,
    /// Bytes downloaded so far in this stage.
    pub bytes: u64,
    /// Bytes expected, when known.
    pub total: Option<u64>,
}

impl Progress {
    fn stage(stage: Stage) -> Progress {
        Progress {
            stage,
            file: None,
            bytes: 0,
            total: None,
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncOutcome {
    /// The local list was already the feed's current version.
    UpToDate,
    /// A delta was applied.
    Delta,
    /// The full snapshot was applied.
    Snapshot,
}

/// The result of a successful sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// What happened.
    pub outcome: SyncOutcome,
    /// The feed version now applied.
    pub version: u64,
    /// The version applied before, if any.
    pub previous_version: Option<u64>,
    /// Whether this was the first successful sync (every alert entry counts as new: the app may
    /// prefer one summary to a long alert).
    pub initial: bool,
    /// Feed entries added.
    pub added: u64,
    /// Feed entries changed.
    pub updated: u64,
    /// Entries removed (feed entries, and the sample list on the first sync).
    pub removed: u64,
    /// Feed entries on the list now.
    pub entries: u64,
    /// Newly added entries flagged `alert`: the app's grouped notification.
    pub new_alerts: Vec<BlocklistEntry>,
    /// When this version was published.
    pub published: Timestamp,
    /// When the verified metadata expires: after it, without a new sync, the list is stale.
    pub expires: Timestamp,
    /// The least time between syncs the feed asks for, in seconds.
    pub min_wait: Option<u64>,
    /// Bytes of feed files downloaded (metadata not counted).
    pub downloaded: u64,
    /// Why the delta was not used, when a snapshot was applied although a delta existed.
    pub delta_skipped: Option<String>,
    /// The trusted root's version after the sync (it rises when the publisher rotates keys).
    pub root_version: u64,
    /// The tripwire's tool table this sync brought (its version), when the organisation's feed
    /// carried a newer one.
    pub tools_version: Option<u32>,
    /// Why the organisation's tool table was not taken, when it did not check out (the list's
    /// update went on without it).
    pub tools_error: Option<String>,
}

impl SyncReport {
    /// The report of a sync to the version `snap` describes, before anything is fetched.
    fn starting(
        snap: &TargetInfo,
        previous_version: Option<u64>,
        expires: Timestamp,
        root_version: u64,
    ) -> SyncReport {
        SyncReport {
            outcome: SyncOutcome::UpToDate,
            version: snap.version,
            previous_version,
            initial: previous_version.is_none(),
            added: 0,
            updated: 0,
            removed: 0,
            entries: snap.entries,
            new_alerts: Vec::new(),
            published: Timestamp(snap.created),
            expires,
            min_wait: snap.min_wait,
            downloaded: 0,
            delta_skipped: None,
            root_version,
            tools_version: None,
            tools_error: None,
        }
    }
}

/// Syncs the store with the feed, blocking (it runs its own runtime in a worker thread, so it
/// may be called from any thread, including one inside an async runtime).
///
/// # Errors
/// [`FeedError`] with a stable [`FeedError::code`]; the failure is also recorded in the store's
/// feed state, and the list is left exactly as it was.
pub fn sync(
    store: &mut Store,
    cfg: &SyncConfig,
    now: Timestamp,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<SyncReport, FeedError> {
    block_on(sync_async(store, cfg, now, progress))?
}

/// [`sync`] for async callers. The store is used synchronously between awaits (SQLite), so
/// call it from a task that may block briefly, e.g. under `spawn_blocking` or a dedicated thread.
///
/// # Errors
/// As [`sync`].
pub async fn sync_async(
    store: &mut Store,
    cfg: &SyncConfig,
    now: Timestamp,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<SyncReport, FeedError> {
    let result = match lock(store.data_dir()) {
        // A concurrent sync is not a failure of the feed: nothing to record.
        Err(FeedError::Busy) => return Err(FeedError::Busy),
        Err(e) => Err(e),
        Ok(_guard) => {
            let r = sync_inner(store, cfg, now, progress).await;
            let kept = store.data_dir().join(FEED_DIR).join(TRUSTED_ROOT_FILE);
            let r = r.and_then(|(report, root)| {
                write_atomic(&kept, &root, 0o600)?;
                Ok(report)
            });
            if cfg.replace_root {
                commit_root(store.data_dir(), r.is_ok())?;
            }
            r
        }
    };
    if let Err(e) = &result {
        let message = e
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if let Err(re) = store.record_feed_failure(&cfg.url, e.code(), &message, now) {
            log::warn!("cannot record the failed feed sync ({message}): {re}");
        }
    }
    result
}

/// Takes the data directory's sync lock (released when the file is closed, also if the process
/// dies), so the app and `verityctl` never update the TUF metadata or the list at once.
fn lock(data_dir: &Path) -> Result<std::fs::File, FeedError> {
    let dir = data_dir.join(FEED_DIR);
    ensure_private_dir(&dir)?;
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(FeedError::io(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(FeedError::Busy),
        Err(std::fs::TryLockError::Error(e)) => Err(FeedError::Io { path, source: e }),
    }
}

/// After a sync with a replacement root: keep its datastore (success) or drop it (failure).
fn commit_root(data_dir: &Path, ok: bool) -> Result<(), FeedError> {
    let feed_dir = data_dir.join(FEED_DIR);
    let fresh = feed_dir.join(REPLACEMENT_DIR);
    if ok {
        let tuf = feed_dir.join(TUF_DIR);
        if tuf.exists() {
            std::fs::remove_dir_all(&tuf).map_err(FeedError::io(&tuf))?;
        }
        std::fs::rename(&fresh, &tuf).map_err(FeedError::io(&tuf))
    } else if fresh.exists() {
        std::fs::remove_dir_all(&fresh).map_err(FeedError::io(&fresh))
    } else {
        Ok(())
    }
}

fn base_url(s: &str) -> Result<Url, FeedError> {
    let bad = |reason: &str| FeedError::BadUrl {
        url: s.to_owned(),
        reason: reason.to_owned(),
    };
    let mut u = Url::parse(s.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(u.scheme(), "https" | "http" | "file") {
        return Err(bad("use https, http or file"));
    }
    // Plain HTTP only to this computer (a trial server on loopback): the feed's signatures
    // protect the list, but not who is seen fetching it, nor from a network that rewrites it.
    let loopback = match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if u.scheme() == "http" && !loopback {
        return Err(bad(
            "plain HTTP is only for a feed on this computer (loopback): use https",
        ));
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(bad("a feed URL takes no query or fragment"));
    }
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    Ok(u)
}

fn ensure_private_dir(dir: &Path) -> Result<(), FeedError> {
    verity_fs::ensure_private_dir(dir).map_err(FeedError::io(dir))
}

/// The root to start from, and the datastore directory to verify with. Replacing the root
/// verifies into a fresh datastore, swapped in only after a successful sync ([`commit_root`]),
/// so a wrong replacement root leaves the kept state intact.
fn trusted_root(data_dir: &Path, cfg: &SyncConfig) -> Result<(Vec<u8>, PathBuf), FeedError> {
    let feed_dir = data_dir.join(FEED_DIR);
    let mut tuf_dir = feed_dir.join(TUF_DIR);
    ensure_private_dir(&feed_dir)?;
    let kept = feed_dir.join(TRUSTED_ROOT_FILE);
    let root = if cfg.replace_root {
        let given = cfg.root.clone().ok_or_else(|| {
            FeedError::Input("replacing the trusted root needs the new root (--root)".into())
        })?;
        tuf_dir = feed_dir.join(REPLACEMENT_DIR);
        if tuf_dir.exists() {
            std::fs::remove_dir_all(&tuf_dir).map_err(FeedError::io(&tuf_dir))?;
        }
        given
    } else if kept.exists() {
        std::fs::read(&kept).map_err(FeedError::io(&kept))?
    } else {
        cfg.root.clone().ok_or(FeedError::NoTrustedRoot)?
    };
    ensure_private_dir(&tuf_dir)?;
    Ok((root, tuf_dir))
}

/// The sync proper; returns the report and the verified root to keep.
async fn sync_inner(
    store: &mut Store,
    cfg: &SyncConfig,
    now: Timestamp,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(SyncReport, Vec<u8>), FeedError> {
    progress(Progress::stage(Stage::Metadata));
    let (repo, root_json) = load_verified(store.data_dir(), cfg).await?;
    let expires = earliest_expiry(&repo, now)?;
    let l = &cfg.limits;
    let (snap_info, delta_info) = describe(&repo, l)?;
    let state = store.feed_state()?;
    if let Some(local) = state.version {
        if snap_info.version < local && !cfg.replace_root {
            return Err(FeedError::Rollback(format!(
                "the feed offers version {} but version {local} is already applied",
                snap_info.version
            )));
        }
    }
    let root_version = repo.root().signed.version.get();
    // A delta's version and checksum equal the snapshot's (checked by `describe`).
    let success = FeedSuccess {
        url: &cfg.url,
        version: snap_info.version,
        checksum: &snap_info.checksum,
        published: Timestamp(snap_info.created),
        at: now,
        expires,
        min_wait: snap_info.min_wait,
    };
    let mut report = SyncReport::starting(&snap_info, state.version, expires, root_version);

    let have_tools = store.feed_tool_table()?.map(|(v, _)| v);
    let tools = tools_step(have_tools, &repo, cfg, &mut report).await;

    if state.version == Some(snap_info.version)
        && state.checksum.as_deref() == Some(snap_info.checksum.as_str())
    {
        if let Some(t) = &tools {
            store.set_feed_tool_table(t.version, &t.json)?;
        }
        store.record_feed_success(&success)?;
        progress(Progress::stage(Stage::Done));
        return Ok((report, root_json));
    }

    // The delta, when the local list is exactly its base.
    let list_known = store.feed_list_sum()?.is_some();
    let usable_delta = usable_delta(delta_info.as_ref(), &state, list_known);
    let limits = DecodeLimits {
        max_file: l.max_target,
        max_body: l.max_body,
        max_entries: l.max_entries,
    };
    if let Ok(d) = &usable_delta {
        let file = fetch(&repo, DELTA_TARGET, d, &limits, &mut report, progress).await?;
        progress(Progress::stage(Stage::Apply));
        keep_first_root(store.data_dir(), cfg, &root_json)?;
        match apply(store, &file, success.clone(), cfg) {
            Ok(applied) => {
                report.outcome = SyncOutcome::Delta;
                fill(&mut report, applied);
            }
            Err(StoreError::Rejected(why)) => {
                log::warn!(
                    "the feed delta did not rebuild the list ({why}); fetching the snapshot"
                );
                report.delta_skipped = Some(why.to_string());
            }
            Err(e) => return Err(e.into()),
        }
    } else if state.version.is_some() {
        report.delta_skipped = usable_delta.err();
    }

    if report.outcome == SyncOutcome::UpToDate {
        let file = fetch(
            &repo,
            SNAPSHOT_TARGET,
            &snap_info,
            &limits,
            &mut report,
            progress,
        )
        .await?;
        progress(Progress::stage(Stage::Apply));
        keep_first_root(store.data_dir(), cfg, &root_json)?;
        match apply(store, &file, success.clone(), cfg) {
            Ok(applied) => {
                report.outcome = SyncOutcome::Snapshot;
                fill(&mut report, applied);
            }
            Err(StoreError::Rejected(why)) => {
                log::warn!("the feed snapshot was refused: {why}");
                return Err(FeedError::Checksum {
                    version: file.version,
                });
            }
            Err(e) => return Err(e.into()),
        }
    }

    if let Some(t) = &tools {
        store.set_feed_tool_table(t.version, &t.json)?;
    }
    if cfg.rebuild_index {
        // Usually already current: the apply updated the index (a rebuild happens only when it
        // could not, e.g. the overlay of added keys grew too large).
        progress(Progress::stage(Stage::Index));
        store.lookup_tables()?;
    }
    progress(Progress::stage(Stage::Done));
    Ok((report, root_json))
}

/// On a first sync (no root kept yet, none being replaced), keeps the root that verified the
/// feed *before* the list is applied: the list's commit and the root's file cannot be one write,
/// and a process killed between them used to hold a version with no root kept, so that the next
/// `verityctl sync` refused to run without `--root` (found by the kill sweep,
/// `crates/verityctl/tests/kill_sweep.rs`). The root is kept again after the sync (it may have
/// been rotated).
fn keep_first_root(data_dir: &Path, cfg: &SyncConfig, root: &[u8]) -> Result<(), FeedError> {
    let kept = data_dir.join(FEED_DIR).join(TRUSTED_ROOT_FILE);
    if cfg.replace_root || kept.exists() {
        return Ok(());
    }
    write_atomic(&kept, root, 0o600)
}

/// The tripwire's tool table: from an organisation's feed only, when newer than `have` (the one kept),
/// verified before anything is written (the caller keeps it once the list is in place). A table
/// that does not check out (missing from a mirror, tampered, from a newer publisher) is logged
/// and reported (`tools_error`) but never stops the list's update, and nothing of it is kept.
async fn tools_step(
    have: Option<u32>,
    repo: &Repository,
    cfg: &SyncConfig,
    report: &mut SyncReport,
) -> Option<crate::tools::FeedTools> {
    if !cfg.apply_official {
        return None;
    }
    match crate::tools::fetch_newer(repo, have).await {
        Ok(t) => {
            report.tools_version = t.as_ref().map(|t| t.version);
            t
        }
        Err(e) => {
            log::warn!("the feed's tool table was not taken ({}): {e}", e.code());
            report.tools_error = Some(format!("{} ({})", e, e.code()));
            None
        }
    }
}

/// Loads the repository's metadata and verifies it (TUF: signatures, thresholds, rollback,
/// freeze, mix-and-match, size caps) from the trusted root; returns it with the newest verified
/// root, to be kept for the next sync once this one succeeds.
async fn load_verified(
    data_dir: &Path,
    cfg: &SyncConfig,
) -> Result<(Repository, Vec<u8>), FeedError> {
    let base = base_url(&cfg.url)?;
    let join = |p: &str| {
        base.join(p).map_err(|e| FeedError::BadUrl {
            url: cfg.url.clone(),
            reason: e.to_string(),
        })
    };
    let (metadata_url, targets_url) = (join("metadata/")?, join("targets/")?);
    let (root, tuf_dir) = trusted_root(data_dir, cfg)?;
    let l = &cfg.limits;
    let transport = FeedTransport::new(&TransportOptions {
        proxy: cfg.proxy.as_deref(),
        connect_timeout: cfg.connect_timeout,
        timeout: cfg.timeout,
        max_bytes: l.max_target.max(l.max_root).max(l.max_targets_meta),
    })?;
    let repo = RepositoryLoader::new(&root, metadata_url, targets_url)
        .transport(transport)
        .limits(Limits {
            max_root_size: l.max_root,
            max_targets_size: l.max_targets_meta,
            max_timestamp_size: l.max_timestamp,
            max_snapshot_size: l.max_snapshot_meta,
            max_root_updates: l.max_root_updates,
        })
        .datastore(&tuf_dir)
        .expiration_enforcement(ExpirationEnforcement::Safe)
        .load()
        .await
        .map_err(|e| classify(&e, Phase::Metadata))?;
    let root_json = serde_json::to_vec_pretty(repo.root())
        .map_err(|e| FeedError::Internal(format!("cannot serialise the root: {e}")))?;
    Ok((repo, root_json))
}

/// The earliest expiry of the verified metadata, checked against the caller's clock (our own
/// freeze check: tough reads the system clock), for the status.
fn earliest_expiry(repo: &Repository, now: Timestamp) -> Result<Timestamp, FeedError> {
    let expiries = [
        ("root", from_jiff(repo.root().signed.expires)),
        ("timestamp", from_jiff(repo.timestamp().signed.expires)),
        ("snapshot", from_jiff(repo.snapshot().signed.expires)),
        ("targets", from_jiff(repo.targets().signed.expires)),
    ];
    let (role, expires) = expiries
        .iter()
        .copied()
        .min_by_key(|(_, t)| *t)
        .unwrap_or(("timestamp", now));
    if expires <= now {
        return Err(FeedError::Expired {
            role: role.to_owned(),
        });
    }
    Ok(expires)
}

/// The delta to apply, when the local list is exactly its base; else why not (for the report).
fn usable_delta(
    delta: Option<&TargetInfo>,
    state: &verity_store::FeedState,
    list_known: bool,
) -> Result<TargetInfo, String> {
    match (delta, state.version) {
        (None, _) => Err("the feed has no delta".to_owned()),
        (Some(_), None) => Err("first sync".to_owned()),
        (Some(_), Some(_)) if !list_known => Err(
            "the local list was changed outside a feed update, so its checksum is unknown"
                .to_owned(),
        ),
        (Some(d), Some(local)) => {
            if d.base != Some(local) {
                Err(format!(
                    "the delta applies to version {}, the local list is version {local}",
                    d.base.unwrap_or(0)
                ))
            } else if d.base_checksum.as_deref() != state.checksum.as_deref() {
                Err("the local list is not the delta's base (checksum)".to_owned())
            } else {
                Ok(d.clone())
            }
        }
    }
}

fn fill(report: &mut SyncReport, a: verity_store::FeedApplied) {
    report.added = a.added;
    report.updated = a.updated;
    report.removed = a.removed;
    report.entries = a.entries;
    report.new_alerts = a.new_alerts;
}

/// The signed descriptions of the two targets, checked for consistency.
fn describe(
    repo: &Repository,
    l: &SyncLimits,
) -> Result<(TargetInfo, Option<TargetInfo>), FeedError> {
    let targets = &repo.targets().signed.targets;
    let get = |name: &str| -> Result<Option<TargetInfo>, FeedError> {
        let tn = TargetName::new(name).map_err(|e| FeedError::Tuf(e.to_string()))?;
        match targets.get(&tn) {
            None => Ok(None),
            Some(t) => {
                if t.length > l.max_target {
                    return Err(FeedError::TooLarge(format!(
                        "{name} is {} bytes, over the limit of {}",
                        t.length, l.max_target
                    )));
                }
                TargetInfo::from_target(name, t).map(Some)
            }
        }
    };
    let snap = get(SNAPSHOT_TARGET)?
        .ok_or_else(|| FeedError::NotAFeed(format!("no {SNAPSHOT_TARGET} target")))?;
    if snap.kind != FileKind::Snapshot.as_str() || snap.format != format::FORMAT_VERSION {
        return Err(FeedError::NotAFeed(format!(
            "{SNAPSHOT_TARGET} is a {} of format {}",
            snap.kind, snap.format
        )));
    }
    let delta = get(DELTA_TARGET)?;
    if let Some(d) = &delta {
        let consistent = d.kind == FileKind::Delta.as_str()
            && d.format == format::FORMAT_VERSION
            && d.version == snap.version
            && d.checksum == snap.checksum
            && d.base.is_some_and(|b| b < d.version);
        if !consistent {
            return Err(FeedError::NotAFeed(format!(
                "{DELTA_TARGET} does not match {SNAPSHOT_TARGET}"
            )));
        }
    }
    Ok((snap, delta))
}

/// Downloads a target through tough (length and hash verified), reporting progress, and
/// decodes it, checking the header against the signed description.
async fn fetch(
    repo: &Repository,
    name: &'static str,
    info: &TargetInfo,
    limits: &DecodeLimits,
    report: &mut SyncReport,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<FeedFile, FeedError> {
    let what = if name == DELTA_TARGET {
        "delta"
    } else {
        "snapshot"
    };
    let tn = TargetName::new(name).map_err(|e| FeedError::Tuf(e.to_string()))?;
    let total = repo.targets().signed.targets.get(&tn).map(|t| t.length);
    progress(Progress {
        stage: Stage::Download,
        file: Some(what),
        bytes: 0,
        total,
    });
    let mut stream = repo
        .read_target(&tn)
        .await
        .map_err(|e| classify(&e, Phase::Target(what)))?
        .ok_or_else(|| FeedError::NotFound(name.to_owned()))?;
    let cap = usize::try_from(total.unwrap_or(0).min(64 * 1024 * 1024)).unwrap_or(0);
    let mut bytes: Vec<u8> = Vec::with_capacity(cap);
    let mut reported = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| classify(&e, Phase::Target(what)))?;
        bytes.extend_from_slice(&chunk);
        if bytes.len() - reported >= 256 * 1024 {
            reported = bytes.len();
            progress(Progress {
                stage: Stage::Download,
                file: Some(what),
                bytes: u64::try_from(reported).unwrap_or(u64::MAX),
                total,
            });
        }
    }
    let n = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    report.downloaded = report.downloaded.saturating_add(n);
    progress(Progress {
        stage: Stage::Download,
        file: Some(what),
        bytes: n,
        total,
    });
    let file =
        format::decode(&bytes, limits).map_err(|source| FeedError::Format { what, source })?;
    let expected_kind = if name == DELTA_TARGET {
        FileKind::Delta
    } else {
        FileKind::Snapshot
    };
    if file.kind != expected_kind
        || file.version != info.version
        || file.checksum.to_hex() != info.checksum
        || (expected_kind == FileKind::Delta && Some(file.base) != info.base)
    {
        return Err(FeedError::NotAFeed(format!(
            "the {what} file does not match its signed description"
        )));
    }
    Ok(file)
}

/// Applies a decoded file in one store transaction, checking the list checksum inside it (from
/// the list digest the store keeps up to date with the changes).
fn apply(
    store: &mut Store,
    file: &FeedFile,
    success: FeedSuccess<'_>,
    cfg: &SyncConfig,
) -> Result<verity_store::FeedApplied, StoreError> {
    let update = FeedUpdate {
        mode: match file.kind {
            FileKind::Snapshot => FeedMode::Snapshot,
            FileKind::Delta => FeedMode::Delta,
        },
        removals: &file.removals,
        upserts: &file.entries,
        official: file.official.as_ref().filter(|_| cfg.apply_official),
        success,
        index: cfg.rebuild_index,
    };
    let expected = file.checksum;
    store.apply_feed_update(&update, &FeedDigest, |sum, count| {
        let got = format::checksum_of(sum, count);
        if got == expected {
            Ok(())
        } else {
            Err(format!(
                "list checksum mismatch: expected {expected}, the list gives {got}"
            ))
        }
    })
}
