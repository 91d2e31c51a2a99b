//! What the admin commands do, as functions (the binary parses arguments and prints; tests call
//! these directly).

use crate::orgkey::{self, OrgKeyError};
use crate::policy::{Policy, PolicyError};
use crate::postgres::PgStore;
use crate::service::console::{check_admin_name, setup_code_hmac, SETUP_CODE_SECS};
use crate::service::{code_hmac, Desk, DeskConfig, DeskInitError};
use crate::sqlite::SqliteStore;
use crate::store::{
    code_scheme, AdminRecord, AdminRole, AgentRecord, DeskStore, DeviceRecord, EnrollCodeRecord,
    NewOp, OrgFeedRecord, OrgRecord, ReportGroup, ReportRecord, ReportStatus, ResolveOutcome,
    StoreError,
};
use ed25519_dalek::SigningKey;
use std::path::Path;
use std::sync::Arc;
use verity_device::clock::Clock;
use verity_device::proto::{self, AgentFieldError, AgentProfile, ProtoError};
use verity_device::sealed::KdfParams;
use zeroize::Zeroizing;

/// Admin failures.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The arguments are wrong.
    #[error("{0}")]
    Usage(String),
    /// The organisation exists already.
    #[error("the organisation is initialised already in {0}")]
    AlreadyInitialised(String),
    /// No such device.
    #[error("no device {0} (see `verity-desk devices list`)")]
    NoSuchDevice(String),
    /// No such agent.
    #[error("no agent {0} (see `verity-desk agent list`)")]
    NoSuchAgent(String),
    /// No such console account.
    #[error("no console account {0} (see `verity-desk admin list`)")]
    NoSuchAdmin(String),
    /// No such report.
    #[error("no report {0} (see `verity-desk reports list`)")]
    NoSuchReport(u64),
    /// An agent's profile out of bounds.
    #[error("{0}")]
    Agent(#[from] AgentFieldError),
    /// The organisation key.
    #[error(transparent)]
    OrgKey(#[from] OrgKeyError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The desk cannot start.
    #[error(transparent)]
    Init(#[from] DeskInitError),
    /// A bad policy.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// Randomness.
    #[error(transparent)]
    Proto(#[from] ProtoError),
    /// The desk was not told where to publish the feed.
    #[error("the desk does not publish the feed: set it with `verity-desk feed publisher --repo REPO --keys KEYS`")]
    NoPublisher,
    /// No confirmed item waits for a feed version.
    #[error("no confirmed item waits for the feed")]
    NothingToPublish,
    /// `--database` names no database this desk knows.
    #[error("{0}: not a database URL: give postgres://user:password@host:port/name, or no --database for the embedded SQLite database")]
    UnknownDatabase(String),
    /// Publishing failed; nothing of the queue changed.
    #[error("publishing the feed failed: {0}")]
    Feed(#[from] verity_feed::FeedError),
    /// Another `serve` holds this data directory's embedded database.
    #[error("another verity-desk serve is running on {0} already: the embedded SQLite database serves one instance; to run several desks, put them on PostgreSQL (--database postgres://…, see the README)")]
    AlreadyServing(String),
    /// The data directory's serve lock could not be taken.
    #[error("cannot lock {path}: {source}")]
    ServeLock {
        /// The lock file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// The file beside the embedded database that a `serve` on it holds locked.
pub const SERVE_LOCK_FILE: &str = "desk.serve.lock";

/// Takes the data directory's serve lock: an exclusive OS lock on [`SERVE_LOCK_FILE`], held
/// while the returned file is open (the OS drops it when the process ends, however it ends).
/// Only `serve` on the embedded SQLite database takes it: the admin commands may run beside a
/// serving desk, and desks on PostgreSQL share their database by design.
///
/// # Errors
/// [`AdminError::AlreadyServing`] when another process holds it; [`AdminError::ServeLock`].
pub fn hold_serve_lock(data: &Path) -> Result<std::fs::File, AdminError> {
    let path = data.join(SERVE_LOCK_FILE);
    let err = |source| AdminError::ServeLock {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(err)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(AdminError::AlreadyServing(data.display().to_string()))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(err(e)),
    }
}

/// Creates the organisation: its signing key (sealed when a passphrase is given) and its record.
///
/// # Errors
/// [`AdminError`].
pub fn init_org(
    at: &(impl Location + ?Sized),
    name: &str,
    passphrase: Option<&[u8]>,
    kdf: KdfParams,
    clock: &dyn Clock,
) -> Result<OrgRecord, AdminError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 128 || name.chars().any(proto::is_hidden_char) {
        return Err(AdminError::Usage(
            "the organisation name must be 1 to 128 printable characters".into(),
        ));
    }
    let store = open_store(at)?;
    if store.org()?.is_some() {
        return Err(AdminError::AlreadyInitialised(
            at.data_dir().display().to_string(),
        ));
    }
    let key = orgkey::create(at.data_dir(), passphrase, kdf)?;
    let org = OrgRecord {
        name: name.to_owned(),
        public_key: proto::b64(key.verifying_key().as_bytes()),
        created_at: clock.now(),
    };
    store.init_org(&org)?;
    Ok(org)
}

/// The organisation record and its key fingerprint.
///
/// # Errors
/// [`AdminError`].
pub fn org_show(at: &(impl Location + ?Sized)) -> Result<(OrgRecord, String), AdminError> {
    let store = open_store(at)?;
    let org = store.org()?.ok_or(DeskInitError::NoOrg)?;
    let key = proto::parse_public_key(&org.public_key, "organisation key")?;
    Ok((org, proto::fingerprint(&key)))
}

/// Where a desk keeps its state: the data directory (the organisation key, TLS and the other
/// files, and the embedded SQLite database) and, optionally, the PostgreSQL database that holds
/// its records instead (`--database`). A bare directory is the embedded SQLite store.
pub trait Location {
    /// The data directory.
    fn data_dir(&self) -> &Path;
    /// The database URL (`postgres://…`), if the records are not in the data directory.
    fn database(&self) -> Option<&str>;
}

impl Location for Path {
    fn data_dir(&self) -> &Path {
        self
    }
    fn database(&self) -> Option<&str> {
        None
    }
}

impl Location for std::path::PathBuf {
    fn data_dir(&self) -> &Path {
        self
    }
    fn database(&self) -> Option<&str> {
        None
    }
}

/// A data directory with an optional database URL.
#[derive(Clone, Copy)]
pub struct DeskLocation<'a> {
    /// The data directory.
    pub data: &'a Path,
    /// `--database`, if given.
    pub database: Option<&'a str>,
}

impl std::fmt::Debug for DeskLocation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskLocation")
            .field("data", &self.data)
            .field("database", &self.database.map(crate::postgres::mask_url))
            .finish()
    }
}

impl Location for DeskLocation<'_> {
    fn data_dir(&self) -> &Path {
        self.data
    }
    fn database(&self) -> Option<&str> {
        self.database
    }
}

/// Opens the desk's store at `at`: the embedded SQLite database in the data directory, or the
/// PostgreSQL database `at.database()` names (migrated on opening). The one place every command
/// and `serve` open their store.
///
/// PostgreSQL's client drives a runtime of its own: call this outside any tokio runtime (or
/// inside `spawn_blocking`).
///
/// # Errors
/// [`AdminError::UnknownDatabase`] for a URL that names no PostgreSQL database (masked);
/// [`AdminError::Store`].
pub fn open_store(at: &(impl Location + ?Sized)) -> Result<Arc<dyn DeskStore>, AdminError> {
    match at.database() {
        None => Ok(Arc::new(SqliteStore::open(at.data_dir())?)),
        Some(url) => {
            check_database(url)?;
            Ok(Arc::new(PgStore::open(url)?))
        }
    }
}

/// Checks `--database URL` before any command runs: PostgreSQL (`postgres://` or
/// `postgresql://`) or nothing.
///
/// # Errors
/// [`AdminError::UnknownDatabase`], naming the URL with its password masked.
pub fn check_database(url: &str) -> Result<(), AdminError> {
    if crate::postgres::is_postgres_url(url) {
        Ok(())
    } else {
        Err(AdminError::UnknownDatabase(crate::postgres::mask_url(url)))
    }
}

const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new one-time code: 12 Crockford base32 characters (60 bits), grouped `XXXX-XXXX-XXXX`.
///
/// # Errors
/// Randomness failures.
pub fn new_code() -> Result<Zeroizing<String>, ProtoError> {
    let mut bytes = Zeroizing::new([0u8; 12]);
    proto::random_bytes(bytes.as_mut())?;
    let mut s = Zeroizing::new(String::with_capacity(14));
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            s.push('-');
        }
        s.push(char::from(CODE_ALPHABET[usize::from(b & 31)]));
    }
    Ok(s)
}

/// Parses a duration like `90s`, `30m`, `24h`, `7d`.
///
/// # Errors
/// [`AdminError::Usage`].
pub fn parse_ttl(s: &str) -> Result<u64, AdminError> {
    let s = s.trim();
    let bad = || AdminError::Usage(format!("{s:?} is not a duration (like 30m, 24h or 7d)"));
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    let secs = n.checked_mul(mult).ok_or_else(bad)?;
    if secs == 0 || secs > 90 * 86_400 {
        return Err(AdminError::Usage(
            "the lifetime must be between 1s and 90d".into(),
        ));
    }
    Ok(secs)
}

/// Issues a one-time enrolment code for an employee. Only the code's HMAC under a key derived
/// from the organisation key is stored, so the key (and its `passphrase`, when sealed) is needed.
///
/// # Errors
/// [`AdminError`].
pub fn create_enroll_code(
    at: &(impl Location + ?Sized),
    passphrase: Option<&[u8]>,
    employee_id: &str,
    employee_name: &str,
    ttl_secs: u64,
    clock: &dyn Clock,
) -> Result<(Zeroizing<String>, EnrollCodeRecord), AdminError> {
    create_team_enroll_code(
        at,
        passphrase,
        (employee_id, employee_name),
        None,
        ttl_secs,
        clock,
    )
}

/// As [`create_enroll_code`], for an employee of `team` (the console's dashboard groups
/// checklist completion by team); `None` or blank for no team.
///
/// # Errors
/// [`AdminError`]; `Usage` for a team over 64 characters or with hidden characters.
pub fn create_team_enroll_code(
    at: &(impl Location + ?Sized),
    passphrase: Option<&[u8]>,
    employee: (&str, &str),
    team: Option<&str>,
    ttl_secs: u64,
    clock: &dyn Clock,
) -> Result<(Zeroizing<String>, EnrollCodeRecord), AdminError> {
    let team = check_team(team)?;
    issue_code(at, passphrase, employee, None, team, ttl_secs, clock)
}

/// A team's name, trimmed: `None` for none or blank; at most 64 printable characters.
///
/// # Errors
/// [`AdminError::Usage`].
pub fn check_team(team: Option<&str>) -> Result<Option<String>, AdminError> {
    let Some(t) = team.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > 64 || t.chars().any(proto::is_hidden_char) {
        return Err(AdminError::Usage(
            "the team must be at most 64 printable characters".into(),
        ));
    }
    Ok(Some(t.to_owned()))
}

/// Creates a one-time code that enrols a support agent's app (`POST /v1/agent/enroll`), which
/// then holds an organisation-signed agent certificate for `profile`. An employee's code never
/// enrols an agent, nor an agent's code an employee's device.
///
/// # Errors
/// [`AdminError::Agent`] for a profile out of bounds; otherwise as [`create_enroll_code`].
pub fn create_agent_code(
    at: &(impl Location + ?Sized),
    passphrase: Option<&[u8]>,
    profile: &AgentProfile,
    ttl_secs: u64,
    clock: &dyn Clock,
) -> Result<(Zeroizing<String>, EnrollCodeRecord), AdminError> {
    profile.check()?;
    issue_code(
        at,
        passphrase,
        ("agent", &profile.name),
        Some(profile.clone()),
        None,
        ttl_secs,
        clock,
    )
}

fn issue_code(
    at: &(impl Location + ?Sized),
    passphrase: Option<&[u8]>,
    (employee_id, employee_name): (&str, &str),
    agent: Option<AgentProfile>,
    team: Option<String>,
    ttl_secs: u64,
    clock: &dyn Clock,
) -> Result<(Zeroizing<String>, EnrollCodeRecord), AdminError> {
    for (what, v) in [("employee id", employee_id), ("name", employee_name)] {
        // Control and format characters (bidi overrides, zero-width joiners) are refused: the
        // name is shown to people and signed into the employee's certificate.
        if v.trim().is_empty() || v.len() > 128 || v.chars().any(proto::is_hidden_char) {
            return Err(AdminError::Usage(format!(
                "the {what} must be 1 to 128 printable characters"
            )));
        }
    }
    let store = open_store(at)?;
    let org = store.org()?.ok_or(DeskInitError::NoOrg)?;
    let key = orgkey::load(at.data_dir(), passphrase)?;
    if org.public_key != proto::b64(key.verifying_key().as_bytes()) {
        return Err(DeskInitError::KeyMismatch.into());
    }
    let code = new_code()?;
    let now = clock.now();
    let record = EnrollCodeRecord {
        code_hash: code_hmac(&orgkey::enroll_code_key(&key), &code),
        scheme: code_scheme::HMAC_SHA256,
        employee_id: employee_id.trim().to_owned(),
        employee_name: employee_name.trim().to_owned(),
        created_at: now,
        expires_at: now + ttl_secs,
        used_at: None,
        used_by: None,
        agent,
        team,
    };
    store.add_enroll_code(&record)?;
    Ok((code, record))
}

/// All devices.
///
/// # Errors
/// [`AdminError`].
pub fn list_devices(at: &(impl Location + ?Sized)) -> Result<Vec<DeviceRecord>, AdminError> {
    Ok(open_store(at)?.list_devices()?)
}

/// The one item whose id starts with `id` (at least 8 characters).
fn find_by_prefix<T>(
    items: Vec<T>,
    id: &str,
    id_of: impl Fn(&T) -> &str,
    what: &str,
    none: impl FnOnce(String) -> AdminError,
) -> Result<T, AdminError> {
    let id = id.trim().to_ascii_lowercase();
    if id.len() < 8 {
        return Err(AdminError::Usage(format!(
            "give at least 8 characters of the {what} id"
        )));
    }
    let mut matches: Vec<T> = items
        .into_iter()
        .filter(|d| id_of(d).starts_with(&id))
        .collect();
    match (matches.pop(), matches.is_empty()) {
        (Some(one), true) => Ok(one),
        (None, _) => Err(none(id)),
        (Some(_), false) => Err(AdminError::Usage(format!(
            "{id} matches several {what}s: give more of the id"
        ))),
    }
}

fn find_device(store: &dyn DeskStore, id: &str) -> Result<DeviceRecord, AdminError> {
    find_by_prefix(
        store.list_devices()?,
        id,
        |d| &d.device_id,
        "device",
        AdminError::NoSuchDevice,
    )
}

/// Every support agent, newest first.
///
/// # Errors
/// [`AdminError`].
pub fn list_agents(at: &(impl Location + ?Sized)) -> Result<Vec<AgentRecord>, AdminError> {
    Ok(open_store(at)?.list_agents()?)
}

/// Marks a support agent revoked (by id or a unique prefix of at least 8 characters). No desk
/// endpoint accepts an agent certificate yet; the support sessions that will (issue 13) must
/// refuse a revoked agent's, whose certificate stays signed until it expires.
///
/// # Errors
/// [`AdminError`].
pub fn revoke_agent(
    at: &(impl Location + ?Sized),
    id: &str,
    reason: &str,
    clock: &dyn Clock,
) -> Result<(AgentRecord, bool), AdminError> {
    let store = open_store(at)?;
    let a = find_by_prefix(
        store.list_agents()?,
        id,
        |a| &a.agent_id,
        "agent",
        AdminError::NoSuchAgent,
    )?;
    let changed = store.revoke_agent(&a.agent_id, clock.now(), reason)?;
    Ok((a, changed))
}

/// Revokes a device (by its id or a unique prefix of at least 8 characters). Takes effect on
/// the device's next request, also against a desk already running.
///
/// # Errors
/// [`AdminError`].
pub fn revoke_device(
    at: &(impl Location + ?Sized),
    id: &str,
    reason: &str,
    clock: &dyn Clock,
) -> Result<(DeviceRecord, bool), AdminError> {
    let store = open_store(at)?;
    let d = find_device(&*store, id)?;
    let changed = store.revoke_device(&d.device_id, clock.now(), reason)?;
    Ok((d, changed))
}

/// Forgets a device's TOTP secret so that it can set up two-factor again.
///
/// # Errors
/// [`AdminError`].
pub fn reset_totp(
    at: &(impl Location + ?Sized),
    id: &str,
) -> Result<(DeviceRecord, bool), AdminError> {
    let store = open_store(at)?;
    let d = find_device(&*store, id)?;
    let changed = store.clear_totp(&d.device_id)?;
    Ok((d, changed))
}

/// Sets the region policy from comma-separated lists.
///
/// # Errors
/// [`AdminError`].
pub fn set_policy(
    at: &(impl Location + ?Sized),
    regions: &str,
    cidrs: &str,
    clock: &dyn Clock,
) -> Result<Policy, AdminError> {
    let p = Policy::parse(regions, cidrs, clock.now())?;
    if p.regions.is_empty() && p.cidrs.is_empty() {
        return Err(AdminError::Usage(
            "give --regions and/or --cidrs (use `policy clear` to remove the policy)".into(),
        ));
    }
    open_store(at)?.set_policy(Some(&p))?;
    Ok(p)
}

/// The region policy.
///
/// # Errors
/// [`AdminError`].
pub fn show_policy(at: &(impl Location + ?Sized)) -> Result<Option<Policy>, AdminError> {
    Ok(open_store(at)?.policy()?)
}

/// Removes the region policy (the check then passes with a warning).
///
/// # Errors
/// [`AdminError`].
pub fn clear_policy(at: &(impl Location + ?Sized)) -> Result<(), AdminError> {
    Ok(open_store(at)?.set_policy(None)?)
}

/// The largest TUF root accepted for the organisation's feed.
pub const MAX_FEED_ROOT_BYTES: u64 = 64 * 1024;

/// Sets the organisation's threat feed, which the desk gives devices in signed answers: `url`
/// (`https://`, or `http://` to a loopback address only; no credentials) and the TUF root file at
/// `root` (at most 64 KiB of UTF-8 JSON, an object). Kept as given, byte for byte.
///
/// # Errors
/// [`AdminError::Usage`] for a bad URL or root file; store failures.
pub fn set_org_feed(
    at: &(impl Location + ?Sized),
    url: &str,
    root: &Path,
    clock: &dyn Clock,
) -> Result<OrgFeedRecord, AdminError> {
    let url = check_feed_url(url)?;
    let usage = |why: String| AdminError::Usage(format!("{}: {why}", root.display()));
    let file = std::fs::File::open(root).map_err(|e| usage(e.to_string()))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_FEED_ROOT_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| usage(e.to_string()))?;
    if bytes.len() as u64 > MAX_FEED_ROOT_BYTES {
        return Err(usage("the root file is larger than 64 KiB".into()));
    }
    let root_json = String::from_utf8(bytes).map_err(|_| usage("not UTF-8 text".into()))?;
    match serde_json::from_str::<serde_json::Value>(&root_json) {
        Ok(serde_json::Value::Object(_)) => {}
        Ok(_) => return Err(usage("not a JSON object (a TUF root.json is one)".into())),
        Err(e) => return Err(usage(format!("not JSON: {e}"))),
    }
    let store = open_store(at)?;
    store.org()?.ok_or(DeskInitError::NoOrg)?;
    let record = OrgFeedRecord {
        url,
        root_json,
        updated_at: clock.now(),
    };
    store.set_org_feed(Some(&record))?;
    Ok(record)
}

fn check_feed_url(s: &str) -> Result<String, AdminError> {
    let s = s.trim();
    let bad = |why: &str| AdminError::Usage(format!("the feed URL {s:?} {why}"));
    if s.len() > 2048 {
        return Err(bad("is too long"));
    }
    let url = url::Url::parse(s).map_err(|_| bad("is not a URL"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(bad("has no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(bad("must be https:// (http:// only to a loopback address)")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    Ok(url.to_string())
}

/// The organisation's threat feed, if set.
///
/// # Errors
/// [`AdminError`].
pub fn show_org_feed(at: &(impl Location + ?Sized)) -> Result<Option<OrgFeedRecord>, AdminError> {
    Ok(open_store(at)?.org_feed()?)
}

/// Removes the organisation's threat feed (devices then get none).
///
/// # Errors
/// [`AdminError`].
pub fn clear_org_feed(at: &(impl Location + ?Sized)) -> Result<(), AdminError> {
    Ok(open_store(at)?.set_org_feed(None)?)
}

/// The triage queue: reports to IT grouped by (kind, item) and status, optionally only those of
/// `status`, the most recently reported first.
///
/// # Errors
/// [`AdminError`].
pub fn list_reports(
    at: &(impl Location + ?Sized),
    status: Option<ReportStatus>,
) -> Result<Vec<ReportGroup>, AdminError> {
    Ok(open_store(at)?.report_groups(status)?)
}

/// A report, the device that sent it (when the desk still has it), and the line of the triage
/// queue it is counted in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportDetail {
    /// The report.
    pub report: ReportRecord,
    /// Its device.
    pub device: Option<DeviceRecord>,
    /// Its group: the reports of the same kind and item with the same status.
    pub group: Option<ReportGroup>,
}

/// Report `id` in detail.
///
/// # Errors
/// [`AdminError::NoSuchReport`], or the store's.
pub fn show_report(at: &(impl Location + ?Sized), id: u64) -> Result<ReportDetail, AdminError> {
    let store = open_store(at)?;
    let report = store.report(id)?.ok_or(AdminError::NoSuchReport(id))?;
    let device = store.device(&report.device_id)?;
    let group = store
        .report_groups(Some(report.status))?
        .into_iter()
        .find(|g| g.kind == report.kind && g.item == report.item);
    Ok(ReportDetail {
        report,
        device,
        group,
    })
}

/// The longest reason kept with a resolution, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A resolution's reason, trimmed: 1 to [`MAX_REASON_CHARS`] printable characters.
///
/// # Errors
/// [`AdminError::Usage`].
pub fn check_reason(reason: &str) -> Result<&str, AdminError> {
    let reason = reason.trim();
    if reason.is_empty()
        || reason.chars().count() > MAX_REASON_CHARS
        || reason
            .chars()
            .any(|c| c.is_control() || proto::is_format_char(c))
    {
        return Err(AdminError::Usage(format!(
            "give a --reason of 1 to {MAX_REASON_CHARS} printable characters"
        )));
    }
    Ok(reason)
}

/// Confirms or rejects report `id` and every other new report of the same kind and item, with
/// `reason`; the number of reports changed.
///
/// # Errors
/// [`AdminError::Usage`] for a status other than confirmed or rejected, an empty, too long or
/// unprintable reason, or a report resolved already; [`AdminError::NoSuchReport`].
pub fn resolve_report(
    at: &(impl Location + ?Sized),
    id: u64,
    status: ReportStatus,
    reason: &str,
    clock: &dyn Clock,
) -> Result<u32, AdminError> {
    if status == ReportStatus::New {
        return Err(AdminError::Usage(
            "resolve with --confirm or --reject".into(),
        ));
    }
    let reason = check_reason(reason)?;
    let store = open_store(at)?;
    match store.resolve_reports(id, status, reason, clock.now())? {
        ResolveOutcome::Resolved { count } => Ok(count),
        ResolveOutcome::NotFound => Err(AdminError::NoSuchReport(id)),
        ResolveOutcome::AlreadyResolved(s) => Err(AdminError::Usage(format!(
            "report {id} is {} already",
            s.as_str()
        ))),
    }
}

/// Loads the organisation key and checks it is the one on record.
fn org_key(
    store: &dyn DeskStore,
    at: &(impl Location + ?Sized),
    passphrase: Option<&[u8]>,
) -> Result<SigningKey, AdminError> {
    let org = store.org()?.ok_or(DeskInitError::NoOrg)?;
    let key = orgkey::load(at.data_dir(), passphrase)?;
    if org.public_key != proto::b64(key.verifying_key().as_bytes()) {
        return Err(DeskInitError::KeyMismatch.into());
    }
    Ok(key)
}

fn console_name(name: &str) -> Result<String, AdminError> {
    check_admin_name(name).map_err(|e| AdminError::Usage(e.message))
}

fn log_cli(
    store: &dyn DeskStore,
    action: &str,
    target: &str,
    outcome: &str,
    detail: serde_json::Value,
    clock: &dyn Clock,
) -> Result<(), AdminError> {
    store.append_op(&NewOp {
        at: clock.now(),
        actor: "cli".into(),
        action: action.into(),
        target: target.into(),
        device: String::new(),
        outcome: outcome.into(),
        detail,
    })?;
    Ok(())
}

/// A new setup code for a console account: the code and its HMAC under the console key.
fn setup_code(key: &SigningKey) -> Result<(Zeroizing<String>, String), AdminError> {
    let code = new_code()?;
    let hash = setup_code_hmac(&orgkey::console_key(key), &code);
    Ok((code, hash))
}

/// Adds a console account with `role`; the one-time setup code it signs up with (valid 24 hours;
/// only its HMAC under a key derived from the organisation key is stored).
///
/// # Errors
/// [`AdminError::Usage`] for a bad or taken name; the key's and the store's.
pub fn add_admin(
    at: &(impl Location + ?Sized),
    passphrase: Option<&[u8]>,
    name: &str,
    role: AdminRole,
    clock: &dyn Clock,
) -> Result<(Zeroizing<String>, AdminRecord), AdminError> {
    let name = console_name(name)?;
    let store = open_store(at)?;
    let key = org_key(&*store, at, passphrase)?;
    let (code, hash) = setup_code(&key)?;
    let now = clock.now();
    let mut handle = [0u8; 32];
    proto::random_bytes(&mut handle)?;
    if !store.add_admin(&name, &handle, role, &hash, now + SETUP_CODE_SECS, now)? {
        log_cli(
            &*store,
            "admin.add",
            &name,
            "conflict",
            serde_json::json!({}),
            clock,
        )?;
        return Err(AdminError::Usage(format!(
            "there is an account {name} already (admin reset gives it a new setup code)"
        )));
    }
    log_cli(
        &*store,
        "admin.add",
        &name,
        "ok",
        serde_json::json!({ "role": role.as_str() }),
        clock,
    )?;
    let record = store
        .admin_by_name(&name)?
        .ok_or_else(|| AdminError::NoSuchAdmin(name.clone()))?;
    Ok((code, record))
}

/// Every console account, by name.
///
/// # Errors
/// [`AdminError`].
pub fn list_admins(at: &(impl Location + ?Sized)) -> Result<Vec<AdminRecord>, AdminError> {
    Ok(open_store(at)?.list_admins()?)
}

/// Disables a console account and ends its sessions; `false` when it was disabled already.
///
/// # Errors
/// [`AdminError::NoSuchAdmin`], the store's.
pub fn disable_admin(
    at: &(impl Location + ?Sized),
    name: &str,
    clock: &dyn Clock,
) -> Result<bool, AdminError> {
    let name = console_name(name)?;
    let store = open_store(at)?;
    store
        .admin_by_name(&name)?
        .ok_or_else(|| AdminError::NoSuchAdmin(name.clone()))?;
    let changed = store.disable_admin(&name, clock.now())?;
    log_cli(
        &*store,
        "admin.disable",
        &name,
        if changed { "ok" } else { "unchanged" },
        serde_json::json!({}),
        clock,
    )?;
    Ok(changed)
}

/// Gives a console account a new setup code (valid 24 hours) and forgets its passphrase, TOTP,
/// passkeys and sessions.
///
/// # Errors
/// [`AdminError::NoSuchAdmin`], the key's and the store's.
pub fn reset_admin(
    at: &(impl Location + ?Sized),
    passphrase: Option<&[u8]>,
    name: &str,
    clock: &dyn Clock,
) -> Result<Zeroizing<String>, AdminError> {
    let name = console_name(name)?;
    let store = open_store(at)?;
    let key = org_key(&*store, at, passphrase)?;
    let (code, hash) = setup_code(&key)?;
    if !store.reset_admin(&name, &hash, clock.now() + SETUP_CODE_SECS)? {
        return Err(AdminError::NoSuchAdmin(name));
    }
    log_cli(
        &*store,
        "admin.reset",
        &name,
        "ok",
        serde_json::json!({}),
        clock,
    )?;
    Ok(code)
}

/// Opens the desk at `at` for serving.
///
/// # Errors
/// [`AdminError`].
pub fn open_desk(
    at: &(impl Location + ?Sized),
    passphrase: Option<&[u8]>,
    clock: Arc<dyn Clock>,
    config: DeskConfig,
) -> Result<Desk, AdminError> {
    let store = open_store(at)?;
    let key: SigningKey = orgkey::load(at.data_dir(), passphrase)?;
    Ok(Desk::new(store, key, clock, config)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_serve_holds_a_data_directory_until_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = hold_serve_lock(dir.path()).unwrap();
        let refused = hold_serve_lock(dir.path()).unwrap_err();
        assert!(
            matches!(&refused, AdminError::AlreadyServing(d) if *d == dir.path().display().to_string()),
            "{refused:?}"
        );
        assert!(refused.to_string().contains("--database postgres://"));
        drop(first);
        drop(hold_serve_lock(dir.path()).unwrap());
        // A data directory that does not exist is an error of its own, not "already serving".
        let missing = dir.path().join("nope");
        assert!(matches!(
            hold_serve_lock(&missing),
            Err(AdminError::ServeLock { .. })
        ));
    }

    #[test]
    fn codes_and_ttls() {
        let c = new_code().unwrap();
        assert_eq!(c.len(), 14);
        let key = [9u8; 32];
        assert_eq!(
            code_hmac(&key, &c),
            code_hmac(&key, &c.to_lowercase().replace('-', " "))
        );
        assert_ne!(code_hmac(&key, &c), code_hmac(&[8u8; 32], &c));
        assert_ne!(
            code_hmac(&key, &c),
            crate::service::legacy_code_hash(&c),
            "keyed, not the old unsalted hash"
        );
        assert_eq!(parse_ttl("24h").unwrap(), 86_400);
        assert_eq!(parse_ttl("30m").unwrap(), 1800);
        assert!(parse_ttl("24").is_err());
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("100d").is_err());
    }
}
