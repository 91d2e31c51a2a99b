//! Publishing: `init` (keys and root), `publish` (a new version), `refresh` (re-sign the
//! timestamp). All take `now` from the caller, so tests can publish in the past.
//!
//! A publish writes the target files first (content-addressed, never replacing a file a client
//! may be reading), then the versioned metadata, and `timestamp.json` last with an atomic
//! rename: a client sees either the previous version or the new one, never a mix.

use crate::error::FeedError;
use crate::format::{self, Checksum, DecodeLimits, FeedEntry, FeedFile, FileKind};
use crate::keys::{self, FileKey};
use crate::{
    block_on, dir_url, expiry, from_jiff, write_atomic, TargetInfo, CUSTOM_KEY, DELTA_TARGET,
    REPO_ROOT_FILE, SNAPSHOT_TARGET, SPEC_VERSION,
};
use aws_lc_rs::digest::{digest, SHA256};
use aws_lc_rs::rand::SystemRandom;
use serde::Serialize;
use std::collections::HashMap;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use tough::editor::signed::SignedRole;
use tough::editor::RepositoryEditor;
use tough::schema::{Hashes, KeyHolder, RoleKeys, RoleType, Root, Target};
use tough::sign::Sign;
use tough::{ExpirationEnforcement, FilesystemTransport, IntoVec, RepositoryLoader, TargetName};
use verity_check::official::{KnownContact, OfficialDirectory};
use verity_core::Timestamp;

/// Options of `feed init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitOptions {
    /// Root keys to make (at least `threshold_root`).
    pub root_keys: u32,
    /// Signatures needed on root metadata.
    pub threshold_root: u32,
    /// Signatures needed on targets metadata (as many keys are made).
    pub threshold_targets: u32,
    /// Signatures needed on snapshot metadata (as many keys are made).
    pub threshold_snapshot: u32,
    /// Signatures needed on timestamp metadata (as many keys are made).
    pub threshold_timestamp: u32,
    /// Days until the root metadata expires.
    pub root_days: u32,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            root_keys: 1,
            threshold_root: 1,
            threshold_targets: 1,
            threshold_snapshot: 1,
            threshold_timestamp: 1,
            root_days: 365,
        }
    }
}

/// What `init` made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InitReport {
    /// The file clients must be given as their trusted root.
    pub root_file: PathBuf,
    /// The online private key files made (targets, snapshot, timestamp): what publishing needs.
    pub key_files: Vec<PathBuf>,
    /// The root's private key files, in their own directory: keep them offline.
    pub root_key_files: Vec<PathBuf>,
    /// When the root expires (Unix seconds).
    pub root_expires: i64,
}

/// Expiry settings of `publish` and `refresh`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishOptions {
    /// Days until targets and snapshot metadata expire.
    pub metadata_days: u32,
    /// Days until the timestamp expires (refresh before then).
    pub timestamp_days: u32,
    /// The least time clients should wait between syncs, in seconds (kept from the previous
    /// version when `None`).
    pub min_wait: Option<u64>,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            metadata_days: 90,
            timestamp_days: 7,
            min_wait: None,
        }
    }
}

/// The desired list of a new version.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishInput {
    /// Every entry of the new version (normalised; order and repeats do not matter).
    pub entries: Vec<FeedEntry>,
    /// The official-channel directory; `None` keeps the previous version's.
    pub official: Option<OfficialDirectory>,
    /// The remote-access tripwire's tool table (its JSON, `crate::tools`); `None` keeps the
    /// previous version's.
    pub tools: Option<Vec<u8>>,
}

/// What `publish` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishReport {
    /// The new feed version.
    pub version: u64,
    /// The previous one, if any.
    pub previous: Option<u64>,
    /// Entries in the new version.
    pub entries: u64,
    /// Entries added since the previous version.
    pub added: u64,
    /// Entries whose details changed.
    pub changed: u64,
    /// Entries removed.
    pub removed: u64,
    /// Entries flagged `alert` among the added.
    pub new_alerts: u64,
    /// The list checksum.
    pub checksum: String,
    /// Bytes of the snapshot file.
    pub snapshot_bytes: u64,
    /// Bytes of the delta file (none for the first version).
    pub delta_bytes: Option<u64>,
    /// The version of the tool table the feed carries, if any.
    pub tools_version: Option<u32>,
    /// The contacts on the organisation's allowlist in the new version.
    pub known_contacts: u64,
    /// When the timestamp expires (Unix seconds): run `refresh` before.
    pub timestamp_expires: i64,
}

/// Options of `refresh`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshOptions {
    /// Days until the new timestamp expires.
    pub timestamp_days: u32,
    /// Days of validity given to targets and snapshot when they must be re-signed too (when
    /// they would expire before the new timestamp).
    pub metadata_days: u32,
    /// Also sign a new root version (same keys) valid for this many days; needs the root keys.
    pub renew_root_days: Option<u32>,
}

impl Default for RefreshOptions {
    fn default() -> Self {
        RefreshOptions {
            timestamp_days: 7,
            metadata_days: 90,
            renew_root_days: None,
        }
    }
}

/// What `refresh` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefreshReport {
    /// The feed version (unchanged).
    pub version: u64,
    /// The new timestamp's TUF version.
    pub timestamp_version: u64,
    /// When it expires (Unix seconds).
    pub timestamp_expires: i64,
    /// Whether targets and snapshot were re-signed too.
    pub resigned_metadata: bool,
    /// The root's version after the refresh.
    pub root_version: u64,
    /// When the root expires (Unix seconds): renew it before (`renew_root_days`).
    pub root_expires: i64,
    /// Whether a new root version was signed.
    pub renewed_root: bool,
}

fn nz(v: u32, what: &str) -> Result<NonZeroU64, FeedError> {
    NonZeroU64::new(u64::from(v))
        .ok_or_else(|| FeedError::Input(format!("{what} must be at least 1")))
}

fn next(v: NonZeroU64) -> NonZeroU64 {
    v.checked_add(1).unwrap_or(v)
}

fn metadata_dir(repo: &Path) -> PathBuf {
    repo.join("metadata")
}

fn targets_dir(repo: &Path) -> PathBuf {
    repo.join("targets")
}

fn ensure_dir(dir: &Path) -> Result<(), FeedError> {
    std::fs::create_dir_all(dir).map_err(FeedError::io(dir))
}

/// Creates the signing keys and the repository under `repo`, writing the trusted root to
/// `repo/root.json`. The root keys go to `root_keys_dir`, their own directory, meant to be kept
/// offline (a USB key in a safe): they sign only a new root, never a list. The online keys
/// (targets, snapshot, timestamp) go to `keys_dir`, which is all `publish` and `refresh` need.
/// Nothing is published yet: the first `publish` makes version 1.
///
/// # Errors
/// [`FeedError::AlreadyExists`] when either already holds a feed or keys;
/// [`FeedError::Input`] when the two key directories are the same; I/O and signing errors.
pub fn init(
    repo: &Path,
    keys_dir: &Path,
    root_keys_dir: &Path,
    opts: &InitOptions,
    now: Timestamp,
) -> Result<InitReport, FeedError> {
    let root_file = repo.join(REPO_ROOT_FILE);
    if root_file.exists() || metadata_dir(repo).join("1.root.json").exists() {
        return Err(FeedError::AlreadyExists(repo.to_path_buf()));
    }
    let same = |a: &Path, b: &Path| {
        a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    };
    if same(keys_dir, root_keys_dir) {
        return Err(FeedError::Input(
            "the root keys need their own directory, kept offline: give another --root-key-dir"
                .into(),
        ));
    }
    let thresholds = thresholds(opts)?;
    keys::create_key_dir(keys_dir)?;
    keys::create_key_dir(root_keys_dir)?;

    let mut root = Root {
        spec_version: SPEC_VERSION.to_owned(),
        consistent_snapshot: true,
        version: NonZeroU64::MIN,
        expires: expiry(now, opts.root_days)?,
        keys: HashMap::new(),
        roles: HashMap::new(),
        _extra: HashMap::new(),
    };
    let mut made: Vec<FileKey> = Vec::new();
    let mut key_files = Vec::new();
    let mut root_key_files = Vec::new();
    for (role, threshold) in thresholds {
        let (count, dir) = if role == RoleType::Root {
            (opts.root_keys, root_keys_dir)
        } else {
            (u32::try_from(threshold.get()).unwrap_or(1), keys_dir)
        };
        let mut keyids = Vec::new();
        for n in 1..=count {
            let key = keys::generate(dir, &role.to_string(), n)?;
            let public = key.keypair()?.tuf_key();
            let id = public
                .key_id()
                .map_err(|e| FeedError::Keys(format!("key id: {e}")))?;
            root.keys.insert(id.clone(), public);
            keyids.push(id);
            let file = dir.join(format!("{role}-{n}.pem"));
            if role == RoleType::Root {
                root_key_files.push(file);
            } else {
                key_files.push(file);
            }
            made.push(key);
        }
        root.roles.insert(
            role,
            RoleKeys {
                keyids,
                threshold,
                _extra: HashMap::new(),
            },
        );
    }
    let sources = keys::sources(made);
    let root_expires = root.expires.as_second();
    let signed = block_on(async {
        let rng = SystemRandom::new();
        SignedRole::new(root.clone(), &KeyHolder::Root(root), &sources, &rng).await
    })?
    .map_err(|e| FeedError::Keys(format!("cannot sign the root: {e}")))?;
    ensure_dir(&metadata_dir(repo))?;
    ensure_dir(&targets_dir(repo))?;
    write_atomic(
        &metadata_dir(repo).join("1.root.json"),
        signed.buffer(),
        0o644,
    )?;
    write_atomic(&root_file, signed.buffer(), 0o644)?;
    Ok(InitReport {
        root_file,
        key_files,
        root_key_files,
        root_expires,
    })
}

/// Each role's threshold, once the options are in bounds.
fn thresholds(opts: &InitOptions) -> Result<[(RoleType, NonZeroU64); 4], FeedError> {
    let thresholds = [
        (RoleType::Root, nz(opts.threshold_root, "--threshold-root")?),
        (
            RoleType::Targets,
            nz(opts.threshold_targets, "--threshold-targets")?,
        ),
        (
            RoleType::Snapshot,
            nz(opts.threshold_snapshot, "--threshold-snapshot")?,
        ),
        (
            RoleType::Timestamp,
            nz(opts.threshold_timestamp, "--threshold-timestamp")?,
        ),
    ];
    if opts.root_keys < opts.threshold_root {
        return Err(FeedError::Input(format!(
            "--root-keys {} is below --threshold-root {}",
            opts.root_keys, opts.threshold_root
        )));
    }
    if [
        opts.root_keys,
        opts.threshold_targets,
        opts.threshold_snapshot,
        opts.threshold_timestamp,
    ]
    .iter()
    .any(|&n| n > 16)
    {
        return Err(FeedError::Input("at most 16 keys per role".into()));
    }
    Ok(thresholds)
}

/// The latest `N.root.json` in the repository.
fn latest_root_path(repo: &Path) -> Result<PathBuf, FeedError> {
    let dir = metadata_dir(repo);
    let rd = std::fs::read_dir(&dir).map_err(|_| FeedError::NoRepository(repo.to_path_buf()))?;
    let mut best: Option<(u64, PathBuf)> = None;
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(n) = name
            .strip_suffix(".root.json")
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        if best.as_ref().is_none_or(|(b, _)| n > *b) {
            best = Some((n, e.path()));
        }
    }
    best.map(|(_, p)| p)
        .ok_or_else(|| FeedError::NoRepository(repo.to_path_buf()))
}

/// The repository as published so far, verified like a client would (but ignoring expiry, so a
/// lapsed feed can still be refreshed), with its current snapshot decoded.
struct Current {
    repo: tough::Repository,
    snapshot: FeedFile,
    info: TargetInfo,
}

async fn load_current(repo_dir: &Path) -> Result<Option<Current>, FeedError> {
    let root_file = repo_dir.join(REPO_ROOT_FILE);
    let root =
        std::fs::read(&root_file).map_err(|_| FeedError::NoRepository(repo_dir.to_path_buf()))?;
    if !metadata_dir(repo_dir).join("timestamp.json").exists() {
        return Ok(None);
    }
    let repo = RepositoryLoader::new(
        &root,
        dir_url(&metadata_dir(repo_dir))?,
        dir_url(&targets_dir(repo_dir))?,
    )
    .transport(FilesystemTransport)
    .expiration_enforcement(ExpirationEnforcement::Unsafe)
    .load()
    .await
    .map_err(|e| crate::error::classify(&e, crate::error::Phase::Metadata))?;
    let name = TargetName::new(SNAPSHOT_TARGET).map_err(|e| FeedError::Tuf(e.to_string()))?;
    let target = repo
        .targets()
        .signed
        .targets
        .get(&name)
        .ok_or_else(|| FeedError::NotAFeed(format!("no {SNAPSHOT_TARGET} target")))?;
    let info = TargetInfo::from_target(SNAPSHOT_TARGET, target)?;
    let stream = repo
        .read_target(&name)
        .await
        .map_err(|e| crate::error::classify(&e, crate::error::Phase::Target("snapshot")))?
        .ok_or_else(|| FeedError::NotAFeed(format!("no {SNAPSHOT_TARGET} target")))?;
    let bytes = stream
        .into_vec()
        .await
        .map_err(|e| crate::error::classify(&e, crate::error::Phase::Target("snapshot")))?;
    let snapshot =
        format::decode(&bytes, &DecodeLimits::default()).map_err(|source| FeedError::Format {
            what: "snapshot",
            source,
        })?;
    Ok(Some(Current {
        repo,
        snapshot,
        info,
    }))
}

fn target_for<I: Serialize>(bytes: &[u8], info: &I) -> Result<(Target, String), FeedError> {
    let sha = digest(&SHA256, bytes);
    let mut custom = HashMap::new();
    custom.insert(
        CUSTOM_KEY.to_owned(),
        serde_json::to_value(info).map_err(|e| FeedError::Internal(e.to_string()))?,
    );
    Ok((
        Target {
            length: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            hashes: Hashes {
                sha256: sha.as_ref().to_vec().into(),
                _extra: HashMap::new(),
            },
            custom,
            _extra: HashMap::new(),
        },
        hex::encode(sha.as_ref()),
    ))
}

/// Writes a content-addressed target file, unless it is already there.
fn write_target(repo: &Path, name: &str, hex: &str, bytes: &[u8]) -> Result<(), FeedError> {
    let path = targets_dir(repo).join(format!("{hex}.{name}"));
    if path.exists() {
        return Ok(());
    }
    write_atomic(&path, bytes, 0o644)
}

/// Moves signed metadata from a staging directory into `metadata/`, `timestamp.json` last.
fn install_metadata(staging: &Path, repo: &Path) -> Result<(), FeedError> {
    let dest = metadata_dir(repo);
    ensure_dir(&dest)?;
    let mut names: Vec<String> = std::fs::read_dir(staging)
        .map_err(FeedError::io(staging))?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect();
    // Everything the timestamp points to must be in place before the timestamp.
    names.sort_by_key(|n| n == "timestamp.json");
    for n in names {
        let from = staging.join(&n);
        let to = dest.join(&n);
        if n.ends_with(".root.json") && to.exists() {
            continue;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&from, std::fs::Permissions::from_mode(0o644))
                .map_err(FeedError::io(&from))?;
        }
        std::fs::rename(&from, &to).map_err(FeedError::io(&to))?;
    }
    Ok(())
}

fn staging_dir(repo: &Path) -> Result<tempfile::TempDir, FeedError> {
    tempfile::Builder::new()
        .prefix(".staging-")
        .tempdir_in(repo)
        .map_err(FeedError::io(repo))
}

/// Publishes a new version from the full desired list: computes the delta from the previous
/// version (read back from the repository itself), writes both files and signs new metadata.
///
/// Entries already present keep their original date added.
///
/// # Errors
/// [`FeedError::NoRepository`], [`FeedError::Keys`], format and I/O errors; the repository is
/// unchanged on error (files written before the failure are unreferenced).
pub fn publish(
    repo_dir: &Path,
    keys_dir: &Path,
    input: PublishInput,
    opts: &PublishOptions,
    now: Timestamp,
) -> Result<PublishReport, FeedError> {
    let root_path = latest_root_path(repo_dir)?;
    let keys = keys::sources(keys::load_all(keys_dir)?);
    block_on(publish_async(repo_dir, &root_path, &keys, input, opts, now))?
}

/// What [`publish_additions`] adds to the current version.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Additions {
    /// Blocklist entries (normalised). One already listed keeps the listed entry.
    pub block: Vec<FeedEntry>,
    /// Contacts the organisation knows, for its allowlist (`OfficialDirectory::known`; build
    /// them with `KnownContact::new`). One whose kind and value are already known replaces the
    /// known one's label.
    pub known: Vec<KnownContact>,
}

impl Additions {
    /// Whether there is nothing to add.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.block.is_empty() && self.known.is_empty()
    }
}

/// Blocklist entries alone.
impl From<Vec<FeedEntry>> for Additions {
    fn from(block: Vec<FeedEntry>) -> Self {
        Additions {
            block,
            known: Vec::new(),
        }
    }
}

/// Publishes a new version holding the current version's entries plus `additions`: what the
/// organisation's desk does when IT confirmed reported items or upheld an appeal. A blocklist
/// addition already listed keeps the listed entry (its category, campaign, source and first
/// date). Known contacts join the official directory's allowlist (deduplicated by kind and
/// value, the later label winning); the rest of the directory, the tool table and the sync
/// interval are kept. With no version published yet, the new version holds the additions alone
/// (and, when there are known contacts, the shipped DingTalk directory with them).
///
/// # Errors
/// As [`publish`]; [`FeedError::Input`] when `additions` is empty (nothing would change), when
/// a known contact does not check out (`KnownContact::validate`) or the allowlist would pass its
/// cap.
pub fn publish_additions(
    repo_dir: &Path,
    keys_dir: &Path,
    additions: impl Into<Additions>,
    opts: &PublishOptions,
    now: Timestamp,
) -> Result<PublishReport, FeedError> {
    let additions = additions.into();
    if additions.is_empty() {
        return Err(FeedError::Input("there is nothing to add".into()));
    }
    for k in &additions.known {
        k.validate().map_err(|e| {
            FeedError::Input(format!("known contact {} {:?}: {e}", k.kind, k.value))
        })?;
    }
    let root_path = latest_root_path(repo_dir)?;
    let keys = keys::sources(keys::load_all(keys_dir)?);
    block_on(async {
        let (mut entries, official) = match load_current(repo_dir).await? {
            Some(c) => (c.snapshot.entries, c.snapshot.official),
            None => (Vec::new(), None),
        };
        let listed: std::collections::HashSet<format::EntryKey> = entries
            .iter()
            .map(|e| (e.entry.kind, e.entry.value.clone()))
            .collect();
        entries.extend(
            additions
                .block
                .into_iter()
                .filter(|a| !listed.contains(&(a.entry.kind, a.entry.value.clone()))),
        );
        let official = if additions.known.is_empty() {
            None
        } else {
            let mut d = official.unwrap_or_default();
            d.add_known(additions.known)
                .map_err(|e| FeedError::Input(format!("the allowlist: {e}")))?;
            Some(d)
        };
        let input = PublishInput {
            entries,
            official,
            tools: None,
        };
        publish_async(repo_dir, &root_path, &keys, input, opts, now).await
    })?
}

async fn publish_async(
    repo_dir: &Path,
    root_path: &Path,
    keys: &[Box<dyn tough::key_source::KeySource>],
    input: PublishInput,
    opts: &PublishOptions,
    now: Timestamp,
) -> Result<PublishReport, FeedError> {
    let current = load_current(repo_dir).await?;
    let (prev_entries, prev_official, prev_version, prev_checksum, prev_min_wait) = match &current {
        Some(c) => (
            c.snapshot.entries.as_slice(),
            c.snapshot.official.clone(),
            Some(c.snapshot.version),
            Some(c.snapshot.checksum),
            c.info.min_wait,
        ),
        None => (&[][..], None, None, None, None),
    };

    // The new list, canonical, keeping the first date of entries already known.
    let mut entries = input.entries;
    format::canonicalize(&mut entries);
    keep_first_dates(prev_entries, &mut entries);
    let official = input.official.or(prev_official);
    let version = prev_version.map_or(1, |v| v + 1);
    let checksum = format::list_checksum(&entries);
    let min_wait = opts.min_wait.or(prev_min_wait);
    let count = u64::try_from(entries.len()).unwrap_or(u64::MAX);

    let (removals, upserts) = format::diff(prev_entries, &entries);
    let added = newly_added(prev_entries, &upserts);
    let report_added = u64::try_from(added.len()).unwrap_or(u64::MAX);
    let report_alerts = u64::try_from(added.iter().filter(|e| e.alert).count()).unwrap_or(0);

    let snapshot = FeedFile {
        kind: FileKind::Snapshot,
        version,
        base: 0,
        created: now,
        checksum,
        official: official.clone(),
        removals: Vec::new(),
        entries: entries.clone(),
    };
    let snapshot_bytes = format::encode(&snapshot).map_err(|e| FeedError::Input(e.to_string()))?;
    let snapshot_info = TargetInfo {
        format: format::FORMAT_VERSION,
        kind: FileKind::Snapshot.as_str().to_owned(),
        version,
        base: None,
        base_checksum: None,
        checksum: checksum.to_hex(),
        entries: count,
        created: now.0,
        min_wait,
    };

    let delta = match (prev_version, prev_checksum) {
        (Some(base), Some(base_checksum)) => Some(encode_delta(
            Base {
                entries: prev_entries,
                version: base,
                checksum: base_checksum,
            },
            &entries,
            (removals.clone(), upserts.clone()),
            official.clone(),
            &snapshot_info,
            now,
        )?),
        _ => None,
    };

    let (snap_target, snap_hex) = target_for(&snapshot_bytes, &snapshot_info)?;
    ensure_dir(&targets_dir(repo_dir))?;
    write_target(repo_dir, SNAPSHOT_TARGET, &snap_hex, &snapshot_bytes)?;
    let mut editor = RepositoryEditor::new(root_path)
        .await
        .map_err(|e| FeedError::Tuf(e.to_string()))?;
    editor
        .add_target(SNAPSHOT_TARGET, snap_target)
        .map_err(|e| FeedError::Tuf(e.to_string()))?;
    let delta_bytes = match &delta {
        Some((bytes, info)) => {
            let (t, hex) = target_for(bytes, info)?;
            write_target(repo_dir, DELTA_TARGET, &hex, bytes)?;
            editor
                .add_target(DELTA_TARGET, t)
                .map_err(|e| FeedError::Tuf(e.to_string()))?;
            Some(u64::try_from(bytes.len()).unwrap_or(u64::MAX))
        }
        None => None,
    };
    let tools_version = add_tools(repo_dir, &mut editor, input.tools, current.as_ref())?;

    let timestamp_expires =
        sign_and_install(repo_dir, editor, keys, current.as_ref(), opts, now).await?;

    Ok(PublishReport {
        version,
        previous: prev_version,
        entries: count,
        added: report_added,
        changed: u64::try_from(upserts.len() - added.len()).unwrap_or(0),
        removed: u64::try_from(removals.len()).unwrap_or(u64::MAX),
        new_alerts: report_alerts,
        checksum: checksum.to_hex(),
        snapshot_bytes: u64::try_from(snapshot_bytes.len()).unwrap_or(u64::MAX),
        delta_bytes,
        tools_version,
        known_contacts: official
            .as_ref()
            .map_or(0, |d| u64::try_from(d.known.len()).unwrap_or(u64::MAX)),
        timestamp_expires: timestamp_expires.as_second(),
    })
}

/// Lists the tool table in the new targets: the one given (checked as clients will), else the
/// previous version's. Returns its version.
fn add_tools(
    repo_dir: &Path,
    editor: &mut RepositoryEditor,
    given: Option<Vec<u8>>,
    current: Option<&Current>,
) -> Result<Option<u32>, FeedError> {
    let previous = match current {
        Some(c) => crate::tools::current(&c.repo)?,
        None => None,
    };
    let (target, version) = match (given, previous) {
        (Some(bytes), previous) => {
            let info = crate::tools::info_for(&bytes)?;
            // Devices take a table only when its version is above theirs: a changed table
            // under the same version would never reach those that have it.
            if let Some((t, p)) = &previous {
                let same = target_for(&bytes, &info)?.0.hashes.sha256 == t.hashes.sha256;
                if info.version <= p.version && !same {
                    return Err(FeedError::Input(format!(
                        "the tool table's version must be above {} (the one published)",
                        p.version
                    )));
                }
            }
            let (t, hex) = target_for(&bytes, &info)?;
            write_target(repo_dir, crate::tools::TOOLS_TARGET, &hex, &bytes)?;
            (t, info.version)
        }
        (None, Some((t, info))) => (t, info.version),
        (None, None) => return Ok(None),
    };
    editor
        .add_target(crate::tools::TOOLS_TARGET, target)
        .map_err(|e| FeedError::Tuf(e.to_string()))?;
    Ok(Some(version))
}

/// Gives entries already published the date they were first published (both lists canonical).
fn keep_first_dates(prev: &[FeedEntry], entries: &mut [FeedEntry]) {
    let mut i = 0;
    for e in entries {
        while i < prev.len()
            && format::canonical_cmp(
                (prev[i].entry.kind, &prev[i].entry.value),
                (e.entry.kind, &e.entry.value),
            ) == std::cmp::Ordering::Less
        {
            i += 1;
        }
        if let Some(p) = prev.get(i) {
            if p.entry.kind == e.entry.kind && p.entry.value == e.entry.value {
                e.entry.added = p.entry.added;
            }
        }
    }
}

/// The upserts that are new entries (not changes of published ones).
fn newly_added<'a>(prev: &[FeedEntry], upserts: &'a [FeedEntry]) -> Vec<&'a FeedEntry> {
    upserts
        .iter()
        .filter(|u| {
            prev.binary_search_by(|p| {
                format::canonical_cmp(
                    (p.entry.kind, &p.entry.value),
                    (u.entry.kind, &u.entry.value),
                )
            })
            .is_err()
        })
        .collect()
}

/// The version a delta applies to.
#[derive(Clone, Copy)]
struct Base<'a> {
    entries: &'a [FeedEntry],
    version: u64,
    checksum: Checksum,
}

/// The delta from `base` to `entries` (`changes`: its removals and upserts), checked to rebuild
/// exactly the new list, encoded, with its description.
fn encode_delta(
    base: Base<'_>,
    entries: &[FeedEntry],
    changes: (Vec<format::EntryKey>, Vec<FeedEntry>),
    official: Option<OfficialDirectory>,
    snapshot_info: &TargetInfo,
    now: Timestamp,
) -> Result<(Vec<u8>, TargetInfo), FeedError> {
    let (removals, upserts) = changes;
    let checksum = format::list_checksum(entries);
    // Self-check: the delta must rebuild exactly the new list.
    let rebuilt = format::apply(base.entries, &removals, &upserts);
    if format::list_checksum(&rebuilt) != checksum {
        return Err(FeedError::Internal(
            "the computed delta does not rebuild the list".into(),
        ));
    }
    let file = FeedFile {
        kind: FileKind::Delta,
        version: snapshot_info.version,
        base: base.version,
        created: now,
        checksum,
        official,
        removals,
        entries: upserts,
    };
    let bytes = format::encode(&file).map_err(|e| FeedError::Input(e.to_string()))?;
    let info = TargetInfo {
        kind: FileKind::Delta.as_str().to_owned(),
        base: Some(base.version),
        base_checksum: Some(Checksum::to_hex(&base.checksum)),
        ..snapshot_info.clone()
    };
    Ok((bytes, info))
}

/// Signs the new targets, snapshot and timestamp metadata (versions after `current`'s) and
/// installs them in `repo_dir`; returns the timestamp's expiry.
async fn sign_and_install(
    repo_dir: &Path,
    mut editor: RepositoryEditor,
    keys: &[Box<dyn tough::key_source::KeySource>],
    current: Option<&Current>,
    opts: &PublishOptions,
    now: Timestamp,
) -> Result<jiff::Timestamp, FeedError> {
    let (targets_v, snapshot_v, timestamp_v) = match current {
        Some(c) => (
            next(c.repo.targets().signed.version),
            next(c.repo.snapshot().signed.version),
            next(c.repo.timestamp().signed.version),
        ),
        None => (NonZeroU64::MIN, NonZeroU64::MIN, NonZeroU64::MIN),
    };
    let timestamp_expires = expiry(now, opts.timestamp_days)?;
    let tuf = |e: tough::error::Error| FeedError::Tuf(e.to_string());
    editor.targets_version(targets_v).map_err(tuf)?;
    editor
        .targets_expires(expiry(now, opts.metadata_days)?)
        .map_err(tuf)?;
    editor
        .snapshot_version(snapshot_v)
        .snapshot_expires(expiry(now, opts.metadata_days)?)
        .timestamp_version(timestamp_v)
        .timestamp_expires(timestamp_expires);
    let signed = editor.sign(keys).await.map_err(signing_error)?;
    let staging = staging_dir(repo_dir)?;
    signed
        .write(staging.path())
        .await
        .map_err(|e| FeedError::Tuf(e.to_string()))?;
    install_metadata(staging.path(), repo_dir)?;

    Ok(timestamp_expires)
}

fn signing_error(e: tough::error::Error) -> FeedError {
    use tough::error::Error as T;
    match e {
        T::SigningKeysNotFound { role } => FeedError::Keys(format!(
            "not enough keys for the {role} role in the key directory"
        )),
        T::KeysNotFoundInRoot { .. } => {
            FeedError::Keys("none of the keys belongs to this repository".into())
        }
        other => FeedError::Tuf(other.to_string()),
    }
}

/// Re-signs the timestamp (and targets and snapshot, when they would expire before the new
/// timestamp), keeping the feed version and its files. The online keys in `keys_dir` suffice;
/// renewing the root (`opts.renew_root_days`) also needs the offline root keys, brought back in
/// `root_keys_dir`.
///
/// # Errors
/// [`FeedError::Input`] when nothing was published yet, or the root is to be renewed without
/// `root_keys_dir`; key and I/O errors.
pub fn refresh(
    repo_dir: &Path,
    keys_dir: &Path,
    root_keys_dir: Option<&Path>,
    opts: &RefreshOptions,
    now: Timestamp,
) -> Result<RefreshReport, FeedError> {
    let root_path = latest_root_path(repo_dir)?;
    let mut loaded = keys::load_all(keys_dir)?;
    if opts.renew_root_days.is_some() {
        let dir = root_keys_dir.ok_or_else(|| {
            FeedError::Input("renewing the root needs the root keys: give --root-key-dir".into())
        })?;
        loaded.extend(keys::load_all(dir)?);
    }
    let keys = keys::sources(loaded);
    block_on(refresh_async(repo_dir, &root_path, &keys, opts, now))?
}

async fn refresh_async(
    repo_dir: &Path,
    root_path: &Path,
    keys: &[Box<dyn tough::key_source::KeySource>],
    opts: &RefreshOptions,
    now: Timestamp,
) -> Result<RefreshReport, FeedError> {
    let current = load_current(repo_dir)
        .await?
        .ok_or_else(|| FeedError::Input("nothing was published yet: run feed publish".into()))?;
    let repo = &current.repo;
    let ts_expires = expiry(now, opts.timestamp_days)?;
    let meta_floor = from_jiff(ts_expires);
    let resign = from_jiff(repo.targets().signed.expires) <= meta_floor
        || from_jiff(repo.snapshot().signed.expires) <= meta_floor;
    let ts_version = next(repo.timestamp().signed.version);
    let staging = staging_dir(repo_dir)?;
    let mut root_version = repo.root().signed.version.get();
    let mut root_expires = repo.root().signed.expires.as_second();
    if let Some(days) = opts.renew_root_days {
        let old = repo.root().signed.clone();
        let mut root = old.clone();
        root.version = next(root.version);
        root.expires = expiry(now, days)?;
        let rng = SystemRandom::new();
        let signed = SignedRole::new(root.clone(), &KeyHolder::Root(old), keys, &rng)
            .await
            .map_err(signing_error)?;
        // tough leaves the root threshold to the caller (cross-signing): check it here.
        let threshold = root
            .roles
            .get(&RoleType::Root)
            .map_or(1, |r| r.threshold.get());
        if (signed.signed().signatures.len() as u64) < threshold {
            return Err(FeedError::Keys(format!(
                "renewing the root needs {threshold} root keys in the root key directory"
            )));
        }
        signed
            .write(staging.path(), true)
            .await
            .map_err(|e| FeedError::Tuf(e.to_string()))?;
        root_version = root.version.get();
        root_expires = root.expires.as_second();
    }
    if resign {
        let mut editor = RepositoryEditor::from_repo(root_path, current.repo.clone())
            .await
            .map_err(|e| FeedError::Tuf(e.to_string()))?;
        let meta_expires = expiry(now, opts.metadata_days.max(opts.timestamp_days))?;
        let tuf = |e: tough::error::Error| FeedError::Tuf(e.to_string());
        editor
            .targets_version(next(repo.targets().signed.version))
            .map_err(tuf)?;
        editor.targets_expires(meta_expires).map_err(tuf)?;
        editor
            .snapshot_version(next(repo.snapshot().signed.version))
            .snapshot_expires(meta_expires)
            .timestamp_version(ts_version)
            .timestamp_expires(ts_expires);
        let signed = editor.sign(keys).await.map_err(signing_error)?;
        signed
            .write(staging.path())
            .await
            .map_err(|e| FeedError::Tuf(e.to_string()))?;
    } else {
        let mut ts = tough::schema::Timestamp::new(SPEC_VERSION.to_owned(), ts_version, ts_expires);
        ts.meta = repo.timestamp().signed.meta.clone();
        let rng = SystemRandom::new();
        let signed = SignedRole::new(ts, &KeyHolder::Root(repo.root().signed.clone()), keys, &rng)
            .await
            .map_err(signing_error)?;
        signed
            .write(staging.path(), true)
            .await
            .map_err(|e| FeedError::Tuf(e.to_string()))?;
    }
    install_metadata(staging.path(), repo_dir)?;
    Ok(RefreshReport {
        version: current.info.version,
        timestamp_version: ts_version.get(),
        timestamp_expires: ts_expires.as_second(),
        resigned_metadata: resign,
        root_version,
        root_expires,
        renewed_root: opts.renew_root_days.is_some(),
    })
}
