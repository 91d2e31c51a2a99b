//! What the desk keeps, behind [`DeskStore`], so that a server database can replace the embedded
//! SQLite one ([`crate::sqlite::SqliteStore`]) without touching the rules.
//!
//! Every method that decides something under concurrency (using a code, accepting a TOTP step,
//! using a nonce, admitting one more guess under a rate limit) is a single atomic operation of the
//! store, not a read followed by a write in the caller: two requests racing with the same code,
//! step or nonce cannot both win, and a hundred parallel guesses cannot all slip under a limit.

use crate::policy::Policy;
use serde::Serialize;
use verity_device::proto::AgentProfile;

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("database error: {0}")]
    Db(String),
    /// The database was written by a newer desk.
    #[error("the database has schema version {found}, newer than this desk's {supported}: upgrade the desk")]
    NewerSchema {
        /// Found.
        found: u32,
        /// Supported.
        supported: u32,
    },
    /// A stored value does not decode.
    #[error("damaged record: {0}")]
    Damaged(String),
}

/// The organisation (its private key lives in the key file, not here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgRecord {
    /// Name.
    pub name: String,
    /// Ed25519 public key, base64url.
    pub public_key: String,
    /// Created at, Unix seconds.
    pub created_at: u64,
}

/// The organisation's threat feed, as the admin set it (`verity-desk org feed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgFeedRecord {
    /// The feed's base URL.
    pub url: String,
    /// Its TUF `root.json`, as given.
    pub root_json: String,
    /// Set at, Unix seconds.
    pub updated_at: u64,
}

/// How an enrolment code's hash was made.
pub mod code_scheme {
    /// Unsalted SHA-256 of the normalised code (desks before schema 2); still found until such
    /// codes expire (90 days at most).
    pub const LEGACY_SHA256: u32 = 1;
    /// HMAC-SHA256 under a key derived from the organisation key.
    pub const HMAC_SHA256: u32 = 2;
}

/// A one-time enrolment code. Only its keyed hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrollCodeRecord {
    /// The normalised code's hash, hex ([`code_scheme`] says which).
    pub code_hash: String,
    /// Which hash ([`code_scheme`]).
    pub scheme: u32,
    /// The employee it enrols.
    pub employee_id: String,
    /// The employee's name.
    pub employee_name: String,
    /// Created at.
    pub created_at: u64,
    /// Expires at.
    pub expires_at: u64,
    /// Used at, if used.
    pub used_at: Option<u64>,
    /// The device it enrolled.
    pub used_by: Option<String>,
    /// For a support agent's code (`verity-desk agent add`), who the agent is; `None` for an
    /// employee's code. Neither kind of code enrols the other.
    pub agent: Option<AgentProfile>,
    /// The employee's team (the dashboard groups checklist completion by it); the device the
    /// code enrols is in it.
    pub team: Option<String>,
}

/// An enrolled support agent: the agent's device key, bound by an agent certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentRecord {
    /// Id: SHA-256 of the agent's device key, hex.
    pub agent_id: String,
    /// Ed25519 public key, base64url.
    pub public_key: String,
    /// Who the agent is, as the certificate says.
    pub profile: AgentProfile,
    /// Enrolled at.
    pub enrolled_at: u64,
    /// The source address of the enrolment.
    pub enrolled_from: String,
    /// The serial of the certificate issued.
    pub cert_serial: String,
    /// Its expiry.
    pub cert_expires_at: u64,
    /// Revoked at, if revoked.
    pub revoked_at: Option<u64>,
    /// Why.
    pub revoke_reason: Option<String>,
}

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceRecord {
    /// Id: SHA-256 of the public key, hex.
    pub device_id: String,
    /// Ed25519 public key, base64url.
    pub public_key: String,
    /// The employee.
    pub employee_id: String,
    /// The employee's name.
    pub employee_name: String,
    /// Host name reported at enrolment.
    pub hostname: String,
    /// OS reported at enrolment.
    pub os: String,
    /// App version reported at enrolment.
    pub app_version: String,
    /// Enrolled at.
    pub enrolled_at: u64,
    /// The source address of the enrolment.
    pub enrolled_from: String,
    /// The serial of the certificate issued.
    pub cert_serial: String,
    /// Its expiry.
    pub cert_expires_at: u64,
    /// Revoked at, if revoked.
    pub revoked_at: Option<u64>,
    /// Why.
    pub revoke_reason: Option<String>,
    /// Whether a TOTP code has been accepted.
    pub totp_confirmed: bool,
}

/// A device's TOTP secret, sealed, and its replay guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpRecord {
    /// The secret sealed with the at-rest key (nonce || ciphertext).
    pub sealed_secret: Vec<u8>,
    /// Whether a code has been accepted.
    pub confirmed: bool,
    /// The last accepted time step.
    pub last_step: Option<u64>,
}

/// Kinds of failed attempts that are counted for rate limits and lockouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// A wrong enrolment code; the subject is the source address.
    EnrollCode,
    /// A wrong TOTP code; the subject is the device id.
    Totp,
    /// A failed console sign-in (or setup); the subject is the account name.
    ConsoleAccount,
    /// A failed console sign-in (or setup); the subject is the source address's bucket.
    ConsoleAddress,
}

impl FailureKind {
    /// Its name in storage.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::EnrollCode => "enroll_code",
            FailureKind::Totp => "totp",
            FailureKind::ConsoleAccount => "console_account",
            FailureKind::ConsoleAddress => "console_address",
        }
    }
}

/// What [`DeskStore::begin_attempt`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Under the limit: the attempt is recorded as a failure (until released with
    /// [`DeskStore::release_attempt`] when it turns out right) and may be judged.
    Admitted {
        /// The recorded failure, to release.
        id: i64,
        /// Failures in the window before this one.
        earlier: u32,
    },
    /// At the limit: not to be judged. Nothing was written.
    Refused {
        /// Failures in the window.
        failures: u32,
        /// The latest one's time.
        last: Option<u64>,
    },
}

/// What [`DeskStore::complete_enrollment`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollOutcome {
    /// The code was consumed and the device recorded.
    Enrolled,
    /// Someone used the code first.
    CodeUsed,
    /// The key is enrolled already, as a device or as an agent (one key never holds both).
    DeviceExists,
}

/// The latest checklist audit head the desk countersigned for a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditAnchorRecord {
    /// The device.
    pub device_id: String,
    /// The head's sequence number.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
    /// When it was countersigned, Unix seconds.
    pub anchored_at: u64,
}

/// What [`DeskStore::anchor_audit_head`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorOutcome {
    /// The head is the device's latest anchor now (it was later than, or the same as, the one
    /// kept).
    Anchored,
    /// The head is behind the one kept (a lower sequence number), or has its sequence number with
    /// another hash: the device's chain went back or was rewritten. Nothing was written.
    Refused {
        /// The anchor kept.
        kept: AuditAnchorRecord,
    },
}

/// Where a report to IT stands in the triage queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Not looked at yet.
    New,
    /// IT confirmed it (a real scam, a real attack).
    Confirmed,
    /// IT found nothing in it.
    Rejected,
}

impl ReportStatus {
    /// Its name in storage and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::New => "new",
            ReportStatus::Confirmed => "confirmed",
            ReportStatus::Rejected => "rejected",
        }
    }

    /// The status named `s`.
    #[must_use]
    pub fn parse(s: &str) -> Option<ReportStatus> {
        [
            ReportStatus::New,
            ReportStatus::Confirmed,
            ReportStatus::Rejected,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A report to IT to keep (validated already: `verity_device::proto::Report::from_json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    /// The reporting device.
    pub device_id: String,
    /// Its kind's code.
    pub kind: String,
    /// The normalised item, if any.
    pub item: Option<String>,
    /// Kind and item: what reports of the same thing share.
    pub dedup_key: String,
    /// The verdict's codes.
    pub verdict: Vec<String>,
    /// The employee's note.
    pub note: String,
    /// When the employee saw it (the device's clock).
    pub observed_at: u64,
    /// When the desk received it (the desk's clock).
    pub received_at: u64,
}

/// A report to IT as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRecord {
    /// Its number.
    pub id: u64,
    /// The reporting device.
    pub device_id: String,
    /// Its kind's code.
    pub kind: String,
    /// The normalised item, if any.
    pub item: Option<String>,
    /// Kind and item.
    pub dedup_key: String,
    /// The verdict's codes.
    pub verdict: Vec<String>,
    /// The employee's note.
    pub note: String,
    /// When the employee saw it (the device's clock).
    pub observed_at: u64,
    /// When the desk received it.
    pub received_at: u64,
    /// Its triage status.
    pub status: ReportStatus,
    /// Why it was confirmed or rejected.
    pub reason: Option<String>,
    /// When it was.
    pub resolved_at: Option<u64>,
}

/// Reports of one (kind, item) with one status: a line of the triage queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportGroup {
    /// The group's first report (`reports show` and `reports resolve` take it).
    pub id: u64,
    /// The kind's code.
    pub kind: String,
    /// The item, if any.
    pub item: Option<String>,
    /// The status the group's reports share.
    pub status: ReportStatus,
    /// How many reports.
    pub count: u32,
    /// How many devices reported it.
    pub reporters: u32,
    /// The first report's arrival at the desk.
    pub first_seen: u64,
    /// The last report's arrival at the desk.
    pub last_seen: u64,
}

/// What [`DeskStore::add_report`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAdmission {
    /// Kept, with this number.
    Added {
        /// The report's number.
        id: u64,
    },
    /// The device reached its limit: nothing was written.
    Refused {
        /// Its reports in the window.
        count: u32,
    },
}

/// What [`DeskStore::resolve_reports`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolveOutcome {
    /// The report and every other new report of its (kind, item) now have the status.
    Resolved {
        /// How many reports changed.
        count: u32,
    },
    /// No report with that number.
    NotFound,
    /// The report was confirmed or rejected already: nothing changed.
    AlreadyResolved(ReportStatus),
}

/// Where the organisation's feed repository and its online signing keys are (the desk publishes
/// there; the root keys stay offline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedPublisherRecord {
    /// The repository directory (`verityctl feed init --repo`).
    pub repo: String,
    /// The online keys' directory (`verityctl feed init --keys`).
    pub keys: String,
    /// When it was set.
    pub set_at: u64,
}

/// An item IT confirmed, to queue for the next feed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedItem {
    /// `phone`, `domain` or `url`.
    pub kind: String,
    /// The normalised value (as the feed lists it).
    pub value: String,
    /// The feed category's code (`fake_support`…).
    pub category: String,
    /// The report it came from.
    pub report_id: Option<u64>,
    /// IT's reason.
    pub reason: String,
    /// Who confirmed it (an admin's name, or `cli`).
    pub actor: String,
    /// When.
    pub added_at: u64,
}

/// An upheld appeal's contact, to queue for the organisation's allowlist in the next feed
/// version (`KnownContact` of `verity_check::official`, already validated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKnownItem {
    /// `phone` or `domain`.
    pub kind: String,
    /// The normalised value.
    pub value: String,
    /// Who it is ("Wing Fat Trading, our supplier").
    pub label: String,
    /// The appeal it came from.
    pub report_id: Option<u64>,
    /// IT's reason.
    pub reason: String,
    /// Who upheld it.
    pub actor: String,
    /// When.
    pub added_at: u64,
}

/// A queued or published allowlist entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownItemRecord {
    /// Its number.
    pub id: u64,
    /// `phone` or `domain`.
    pub kind: String,
    /// The normalised value.
    pub value: String,
    /// Who it is.
    pub label: String,
    /// The appeal it came from.
    pub report_id: Option<u64>,
    /// IT's reason.
    pub reason: String,
    /// Who upheld it.
    pub actor: String,
    /// When it was queued.
    pub added_at: u64,
    /// The feed version that carries it, once published.
    pub published_version: Option<u64>,
    /// When that version was published.
    pub published_at: Option<u64>,
}

/// A queued or published feed item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedItemRecord {
    /// Its number.
    pub id: u64,
    /// `phone`, `domain` or `url`.
    pub kind: String,
    /// The normalised value.
    pub value: String,
    /// The feed category's code.
    pub category: String,
    /// The report it came from.
    pub report_id: Option<u64>,
    /// IT's reason.
    pub reason: String,
    /// Who confirmed it.
    pub actor: String,
    /// When it was queued.
    pub added_at: u64,
    /// The feed version that carries it, once published.
    pub published_version: Option<u64>,
    /// When that version was published.
    pub published_at: Option<u64>,
}

/// A device's latest check-in (`POST /v1/checkin`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckInRecord {
    /// The device.
    pub device_id: String,
    /// When the desk received it.
    pub received_at: u64,
    /// The app's version.
    pub app_version: String,
    /// The feed version the device holds.
    pub feed_version: Option<u64>,
    /// When its last sync succeeded (its clock).
    pub feed_synced_at: Option<u64>,
    /// Whether its feed is the organisation's own.
    pub feed_organisation: bool,
    /// Checklist steps done.
    pub checklist_done: Option<u32>,
    /// Checklist steps in all.
    pub checklist_total: Option<u32>,
}

/// The desk's storage.
pub trait DeskStore:
    ConsoleStore
    + crate::oplog::OplogStore
    + crate::support::store::SupportStore
    + crate::drill::DrillStore
    + Send
    + Sync
    + std::fmt::Debug
{
    /// Records the organisation (once).
    ///
    /// # Errors
    /// Store failures.
    fn init_org(&self, org: &OrgRecord) -> Result<(), StoreError>;
    /// The organisation, if initialised.
    ///
    /// # Errors
    /// Store failures.
    fn org(&self) -> Result<Option<OrgRecord>, StoreError>;

    /// Adds an enrolment code.
    ///
    /// # Errors
    /// Store failures.
    fn add_enroll_code(&self, code: &EnrollCodeRecord) -> Result<(), StoreError>;
    /// Finds a code by hash.
    ///
    /// # Errors
    /// Store failures.
    fn enroll_code(&self, code_hash: &str) -> Result<Option<EnrollCodeRecord>, StoreError>;
    /// Atomically: marks the code used (if it is not) and records the device.
    ///
    /// # Errors
    /// Store failures.
    fn complete_enrollment(
        &self,
        code_hash: &str,
        device: &DeviceRecord,
        now: u64,
    ) -> Result<EnrollOutcome, StoreError>;

    /// Atomically (one write transaction): counts the subject's failures at or after `since`;
    /// under `max`, records this attempt as one more failure at `at` and admits it, else refuses
    /// it without writing. Concurrent attempts are thus judged against the current count: at
    /// most `max` are admitted per window.
    ///
    /// # Errors
    /// Store failures.
    fn begin_attempt(
        &self,
        kind: FailureKind,
        subject: &str,
        since: u64,
        max: u32,
        at: u64,
    ) -> Result<Attempt, StoreError>;
    /// Forgets an admitted attempt's failure (it turned out right, or was refused for another
    /// reason than a wrong guess).
    ///
    /// # Errors
    /// Store failures.
    fn release_attempt(&self, id: i64) -> Result<(), StoreError>;
    /// Failed attempts at or after `since`, and the latest one's time (a read: a pre-check only;
    /// the decision is [`DeskStore::begin_attempt`]'s).
    ///
    /// # Errors
    /// Store failures.
    fn failures_since(
        &self,
        kind: FailureKind,
        subject: &str,
        since: u64,
    ) -> Result<(u32, Option<u64>), StoreError>;
    /// Forgets the failed attempts of a subject.
    ///
    /// # Errors
    /// Store failures.
    fn clear_failures(&self, kind: FailureKind, subject: &str) -> Result<(), StoreError>;

    /// A device by id.
    ///
    /// # Errors
    /// Store failures.
    fn device(&self, device_id: &str) -> Result<Option<DeviceRecord>, StoreError>;

    /// Marks an agent's code used and records the agent, atomically: the code must be unused
    /// and the agent's key not already enrolled as an agent.
    ///
    /// # Errors
    /// [`StoreError`].
    fn complete_agent_enrollment(
        &self,
        code_hash: &str,
        agent: &AgentRecord,
        now: u64,
    ) -> Result<EnrollOutcome, StoreError>;

    /// An agent, by id.
    ///
    /// # Errors
    /// [`StoreError`].
    fn agent(&self, agent_id: &str) -> Result<Option<AgentRecord>, StoreError>;

    /// Every agent, newest first.
    ///
    /// # Errors
    /// [`StoreError`].
    fn list_agents(&self) -> Result<Vec<AgentRecord>, StoreError>;

    /// Revokes an agent; `false` when it was already revoked or does not exist.
    ///
    /// # Errors
    /// [`StoreError`].
    fn revoke_agent(&self, agent_id: &str, at: u64, reason: &str) -> Result<bool, StoreError>;
    /// All devices, newest first.
    ///
    /// # Errors
    /// Store failures.
    fn list_devices(&self) -> Result<Vec<DeviceRecord>, StoreError>;
    /// Revokes a device; `false` when there is no such device or it was revoked already.
    ///
    /// # Errors
    /// Store failures.
    fn revoke_device(&self, device_id: &str, at: u64, reason: &str) -> Result<bool, StoreError>;

    /// Replaces a device's TOTP secret (unconfirmed, no step accepted yet).
    ///
    /// # Errors
    /// Store failures.
    fn set_totp(&self, device_id: &str, sealed_secret: &[u8]) -> Result<(), StoreError>;
    /// Forgets a device's TOTP secret (admin reset).
    ///
    /// # Errors
    /// Store failures.
    fn clear_totp(&self, device_id: &str) -> Result<bool, StoreError>;
    /// A device's TOTP record.
    ///
    /// # Errors
    /// Store failures.
    fn totp(&self, device_id: &str) -> Result<Option<TotpRecord>, StoreError>;
    /// Atomically accepts `step` if it is later than the last accepted one, confirming TOTP.
    ///
    /// # Errors
    /// Store failures.
    fn accept_totp_step(&self, device_id: &str, step: u64) -> Result<bool, StoreError>;

    /// Atomically records a nonce of `key_id`; `false` when it was seen before. Nonces are kept
    /// until `expires_at` (after which the timestamp check refuses the request anyway).
    ///
    /// # Errors
    /// Store failures.
    fn use_nonce(
        &self,
        key_id: &str,
        nonce: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<bool, StoreError>;

    /// The organisation's threat feed, if set.
    ///
    /// # Errors
    /// Store failures.
    fn org_feed(&self) -> Result<Option<OrgFeedRecord>, StoreError>;
    /// Sets (or, with `None`, clears) the organisation's threat feed.
    ///
    /// # Errors
    /// Store failures.
    fn set_org_feed(&self, feed: Option<&OrgFeedRecord>) -> Result<(), StoreError>;

    /// Atomically (one write transaction): makes `seq`/`hash` the device's latest audit anchor,
    /// countersigned at `at`, unless the anchor kept has a higher sequence number, or the same
    /// one with another hash ([`AnchorOutcome::Refused`], nothing written).
    ///
    /// # Errors
    /// Store failures.
    fn anchor_audit_head(
        &self,
        device_id: &str,
        seq: u64,
        hash: &str,
        at: u64,
    ) -> Result<AnchorOutcome, StoreError>;
    /// The device's latest audit anchor, if any.
    ///
    /// # Errors
    /// Store failures.
    fn audit_anchor(&self, device_id: &str) -> Result<Option<AuditAnchorRecord>, StoreError>;

    /// The region policy, if set.
    ///
    /// # Errors
    /// Store failures.
    fn policy(&self) -> Result<Option<Policy>, StoreError>;
    /// Sets (or, with `None`, clears) the region policy.
    ///
    /// # Errors
    /// Store failures.
    fn set_policy(&self, policy: Option<&Policy>) -> Result<(), StoreError>;

    /// The device's reports received at or after `since` (a read: a pre-check only; the
    /// decision is [`DeskStore::add_report`]'s).
    ///
    /// # Errors
    /// Store failures.
    fn reports_since(&self, device_id: &str, since: u64) -> Result<u32, StoreError>;
    /// Atomically (one write transaction): counts the device's reports received at or after
    /// `since`; under `max`, keeps `report` (one row, all of it or nothing), else refuses it
    /// without writing.
    ///
    /// # Errors
    /// Store failures.
    fn add_report(
        &self,
        report: &NewReport,
        since: u64,
        max: u32,
    ) -> Result<ReportAdmission, StoreError>;
    /// A report by number.
    ///
    /// # Errors
    /// Store failures.
    fn report(&self, id: u64) -> Result<Option<ReportRecord>, StoreError>;
    /// The triage queue: reports grouped by (kind, item) and status, optionally of one status,
    /// the most recently reported first.
    ///
    /// # Errors
    /// Store failures.
    fn report_groups(&self, status: Option<ReportStatus>) -> Result<Vec<ReportGroup>, StoreError>;
    /// The reports among `ids` that `device_id` sent, in the order of `ids`.
    ///
    /// # Errors
    /// Store failures.
    fn reports_of_device(
        &self,
        device_id: &str,
        ids: &[u64],
    ) -> Result<Vec<ReportRecord>, StoreError>;
    /// Atomically: gives report `id`, if new, and every other new report of its (kind, item)
    /// `status` (confirmed or rejected) with `reason`, at `at`.
    ///
    /// # Errors
    /// Store failures.
    fn resolve_reports(
        &self,
        id: u64,
        status: ReportStatus,
        reason: &str,
        at: u64,
    ) -> Result<ResolveOutcome, StoreError>;
    /// As [`DeskStore::resolve_reports`] with `confirmed`, and in the same transaction queues
    /// `item` for the next feed version (unless the same kind and value waits already) — only
    /// when the report was new.
    ///
    /// # Errors
    /// Store failures.
    fn confirm_reports_into_feed(
        &self,
        id: u64,
        reason: &str,
        at: u64,
        item: &NewFeedItem,
    ) -> Result<ResolveOutcome, StoreError>;
    /// As [`DeskStore::confirm_reports_into_feed`] for an appeal upheld: the line confirmed and
    /// `item` queued for the organisation's allowlist, in one transaction.
    ///
    /// # Errors
    /// Store failures.
    fn confirm_reports_into_allowlist(
        &self,
        id: u64,
        reason: &str,
        at: u64,
        item: &NewKnownItem,
    ) -> Result<ResolveOutcome, StoreError>;
    /// The allowlist entries waiting for a feed version (`pending`), or the last `limit`
    /// published.
    ///
    /// # Errors
    /// Store failures.
    fn known_items(&self, pending: bool, limit: u32) -> Result<Vec<KnownItemRecord>, StoreError>;
    /// Marks the allowlist entries `ids` as carried by feed `version`.
    ///
    /// # Errors
    /// Store failures.
    fn mark_known_items_published(
        &self,
        ids: &[u64],
        version: u64,
        at: u64,
    ) -> Result<(), StoreError>;
    /// Where the desk publishes the feed, if it does.
    ///
    /// # Errors
    /// Store failures.
    fn feed_publisher(&self) -> Result<Option<FeedPublisherRecord>, StoreError>;
    /// Sets (or with `None` clears) where the desk publishes the feed.
    ///
    /// # Errors
    /// Store failures.
    fn set_feed_publisher(&self, p: Option<&FeedPublisherRecord>) -> Result<(), StoreError>;
    /// The items waiting for a feed version (`pending`, oldest first), or the last `limit`
    /// published (newest first).
    ///
    /// # Errors
    /// Store failures.
    fn feed_items(&self, pending: bool, limit: u32) -> Result<Vec<FeedItemRecord>, StoreError>;
    /// Marks the items `ids` as carried by feed `version`, published at `at`.
    ///
    /// # Errors
    /// Store failures.
    fn mark_feed_items_published(
        &self,
        ids: &[u64],
        version: u64,
        at: u64,
    ) -> Result<(), StoreError>;
    /// Keeps a device's check-in, replacing its previous one.
    ///
    /// # Errors
    /// Store failures.
    fn record_check_in(&self, c: &CheckInRecord) -> Result<(), StoreError>;
    /// The reports on report `id`'s line of the triage queue (the same kind and item — or
    /// incident — and status), newest first, at most `limit`; empty for no such report.
    ///
    /// # Errors
    /// Store failures.
    fn report_line(&self, id: u64, limit: u32) -> Result<Vec<ReportRecord>, StoreError>;
    /// Reports received since `since`, from every device.
    ///
    /// # Errors
    /// Store failures.
    fn reports_received_since(&self, since: u64) -> Result<u32, StoreError>;
    /// The team of each device enrolled with a code that named one (device id → team).
    ///
    /// # Errors
    /// Store failures.
    fn device_teams(&self) -> Result<std::collections::HashMap<String, String>, StoreError>;
    /// Every device's latest check-in.
    ///
    /// # Errors
    /// Store failures.
    fn check_ins(&self) -> Result<Vec<CheckInRecord>, StoreError>;
}

/// What an organisation-console account may do (`docs/console-api.md`): each role can do what
/// the ones below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminRole {
    /// Read only, the operation log included.
    Auditor,
    /// Triage reports, publish the feed, allowlist; read everything.
    Analyst,
    /// Everything.
    Admin,
}

impl AdminRole {
    /// Its name in storage, on the command line and in answers.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AdminRole::Auditor => "auditor",
            AdminRole::Analyst => "analyst",
            AdminRole::Admin => "admin",
        }
    }

    /// The role named `s`.
    #[must_use]
    pub fn parse(s: &str) -> Option<AdminRole> {
        [AdminRole::Auditor, AdminRole::Analyst, AdminRole::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// Whether this role may do what `needed` may.
    #[must_use]
    pub fn allows(self, needed: AdminRole) -> bool {
        self >= needed
    }
}

/// A console account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdminRecord {
    /// Its number.
    pub id: i64,
    /// Its sign-in name.
    pub name: String,
    /// Its role.
    pub role: AdminRole,
    /// Created at.
    pub created_at: u64,
    /// Disabled at, if disabled.
    pub disabled_at: Option<u64>,
    /// The pending setup code's HMAC (hex), if a setup is pending.
    #[serde(skip)]
    pub setup_hash: Option<String>,
    /// When the pending setup code expires.
    pub setup_expires_at: Option<u64>,
    /// The passphrase's Argon2id hash (PHC string), once set up.
    #[serde(skip)]
    pub passphrase_hash: Option<String>,
    /// The TOTP secret, sealed with the at-rest key, once set up.
    #[serde(skip)]
    pub totp_sealed: Option<Vec<u8>>,
    /// The last accepted TOTP step.
    #[serde(skip)]
    pub totp_last_step: Option<u64>,
    /// The console's language for this account.
    pub language: String,
    /// The WebAuthn user handle: 32 random bytes, fixed for the account's life (a reset keeps
    /// it), naming the account in passkey sign-ins.
    #[serde(skip)]
    pub user_handle: Vec<u8>,
}

impl AdminRecord {
    /// Whether the account has a passphrase and TOTP (its setup is done).
    #[must_use]
    pub fn is_set_up(&self) -> bool {
        self.passphrase_hash.is_some() && self.totp_sealed.is_some()
    }
}

/// A console session. Only the SHA-256 of its token is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The account.
    pub admin_id: i64,
    /// Signed in at (the 12-hour limit counts from here).
    pub created_at: u64,
    /// Last request (the 30-minute idle limit counts from here).
    pub last_seen_at: u64,
    /// Last sign-in or re-authentication (sensitive actions need one within 5 minutes).
    pub auth_at: u64,
    /// The source address it signed in from.
    pub source: String,
}

/// A pending console setup: between `POST /console/api/setup` and `.../setup/finish`. Only the
/// SHA-256 of its token is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSetupRecord {
    /// SHA-256 of the setup token, hex.
    pub token_hash: String,
    /// The account.
    pub admin_id: i64,
    /// The setup code's HMAC it was started with (the finish consumes it, if still current).
    pub setup_hash: String,
    /// The chosen passphrase's Argon2id hash.
    pub passphrase_hash: String,
    /// The new TOTP secret, sealed.
    pub totp_sealed: Vec<u8>,
    /// Expires at.
    pub expires_at: u64,
}

/// A passkey of a console account (WebAuthn). The credential is opaque here: the passkey
/// crate serialises and reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasskeyRecord {
    /// Its number.
    pub id: i64,
    /// The account.
    #[serde(skip)]
    pub admin_id: i64,
    /// The WebAuthn credential id (raw bytes).
    #[serde(skip)]
    pub credential_id: Vec<u8>,
    /// The serialised credential (public key, counter…), opaque to the desk.
    #[serde(skip)]
    pub credential: Vec<u8>,
    /// The name the admin gave it.
    pub label: String,
    /// Registered at.
    pub created_at: u64,
    /// Last used to sign in, if ever.
    pub last_used_at: Option<u64>,
}

/// An enrolment code as the console lists it (never the code nor its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrollCodeListing {
    /// A stable id derived from the code's stored hash (reveals nothing of it).
    pub id: String,
    /// The employee id (`agent` for an agent's code).
    pub employee: String,
    /// The employee's (or agent's) name.
    pub name: String,
    /// `employee` or `agent`.
    pub kind: &'static str,
    /// Created at.
    pub created_at: u64,
    /// Expires at.
    pub expires_at: u64,
    /// Used at.
    pub used_at: Option<u64>,
    /// Revoked at.
    pub revoked_at: Option<u64>,
    /// The stored hash (to revoke it by).
    #[serde(skip)]
    pub code_hash: String,
}

/// An entry to append to the operation log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOp {
    /// When, Unix seconds.
    pub at: u64,
    /// Who: `cli`, `console:<name>`, `device:<id>`, or `anonymous` for a failed sign-in.
    pub actor: String,
    /// What, like `console.signin`.
    pub action: String,
    /// On what (an account, a code id, a device id), or empty.
    pub target: String,
    /// The device concerned, or empty.
    pub device: String,
    /// `ok`, `refused` or `failed` (or a more specific code).
    pub outcome: String,
    /// More, as a JSON object (canonical: serde_json's sorted keys, no white space).
    pub detail: serde_json::Value,
}

/// An operation-log entry as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpRecord {
    /// Its sequence number (1, 2, …, no gaps: the log is append-only).
    pub seq: u64,
    /// When.
    pub at: u64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// The device concerned.
    pub device: String,
    /// The outcome.
    pub outcome: String,
    /// More, as JSON text (the exact bytes hashed into [`OpRecord::leaf_bytes`]).
    pub detail: String,
}

impl OpRecord {
    /// The entry's canonical bytes, for the operation log's Merkle tree: a domain tag, the
    /// sequence number and time as big-endian u64, then each text field as a big-endian u32
    /// length and its UTF-8 bytes, in the order actor, action, target, device, outcome, detail.
    #[must_use]
    pub fn leaf_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.detail.len());
        out.extend_from_slice(b"verity-oplog-leaf-v1\0");
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.at.to_be_bytes());
        for field in [
            &self.actor,
            &self.action,
            &self.target,
            &self.device,
            &self.outcome,
            &self.detail,
        ] {
            let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field.as_bytes());
        }
        out
    }
}

/// What [`ConsoleStore::complete_admin_setup`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupOutcome {
    /// Done: the account has its passphrase and TOTP, the code is spent.
    Done,
    /// The setup code was spent, replaced, expired or the account disabled meanwhile.
    Stale,
}

/// The organisation console's storage: accounts, passkeys, sessions, the operation log. A
/// supertrait of [`DeskStore`].
pub trait ConsoleStore {
    /// Adds an account with a pending setup code; `false` when the name (or the user handle) is
    /// taken.
    ///
    /// # Errors
    /// Store failures.
    fn add_admin(
        &self,
        name: &str,
        user_handle: &[u8],
        role: AdminRole,
        setup_hash: &str,
        setup_expires_at: u64,
        now: u64,
    ) -> Result<bool, StoreError>;
    /// An account by name.
    ///
    /// # Errors
    /// Store failures.
    fn admin_by_name(&self, name: &str) -> Result<Option<AdminRecord>, StoreError>;
    /// An account by WebAuthn user handle.
    ///
    /// # Errors
    /// Store failures.
    fn admin_by_user_handle(&self, user_handle: &[u8]) -> Result<Option<AdminRecord>, StoreError>;
    /// An account by number.
    ///
    /// # Errors
    /// Store failures.
    fn admin_by_id(&self, id: i64) -> Result<Option<AdminRecord>, StoreError>;
    /// Every account, by name.
    ///
    /// # Errors
    /// Store failures.
    fn list_admins(&self) -> Result<Vec<AdminRecord>, StoreError>;
    /// Disables an account and ends its sessions; `false` when there is no such account or it
    /// was disabled already.
    ///
    /// # Errors
    /// Store failures.
    fn disable_admin(&self, name: &str, at: u64) -> Result<bool, StoreError>;
    /// Gives an account a new setup code and forgets its passphrase, TOTP, passkeys, sessions
    /// and pending setups; `false` when there is no such account.
    ///
    /// # Errors
    /// Store failures.
    fn reset_admin(
        &self,
        name: &str,
        setup_hash: &str,
        setup_expires_at: u64,
    ) -> Result<bool, StoreError>;
    /// Keeps a passkey ceremony's state (JSON, no secret: the challenge the browser was given)
    /// under `id_hash` until `expires_at`, so that any desk on the database can finish it;
    /// forgets expired ones, and the oldest past `max`.
    ///
    /// # Errors
    /// Store failures.
    fn put_ceremony(
        &self,
        id_hash: &str,
        state: &str,
        now: u64,
        expires_at: u64,
        max: u32,
    ) -> Result<(), StoreError>;
    /// Takes a ceremony's state once (it is deleted as it is read); `None` when unknown, taken
    /// already or expired at `now`.
    ///
    /// # Errors
    /// Store failures.
    fn take_ceremony(&self, id_hash: &str, now: u64) -> Result<Option<String>, StoreError>;

    /// Keeps a pending setup (and forgets expired ones).
    ///
    /// # Errors
    /// Store failures.
    fn add_pending_setup(&self, setup: &PendingSetupRecord, now: u64) -> Result<(), StoreError>;
    /// A pending setup, if unexpired.
    ///
    /// # Errors
    /// Store failures.
    fn pending_setup(
        &self,
        token_hash: &str,
        now: u64,
    ) -> Result<Option<PendingSetupRecord>, StoreError>;
    /// Atomically: if the account is enabled and its setup code is still `setup.setup_hash`,
    /// unexpired, sets its passphrase and TOTP (with `step` accepted), spends the code, forgets
    /// its pending setups and records `session`.
    ///
    /// # Errors
    /// Store failures.
    fn complete_admin_setup(
        &self,
        setup: &PendingSetupRecord,
        step: u64,
        session: &SessionRecord,
        now: u64,
    ) -> Result<SetupOutcome, StoreError>;
    /// Atomically accepts TOTP `step` for the account if later than the last accepted one.
    ///
    /// # Errors
    /// Store failures.
    fn accept_admin_totp_step(&self, admin_id: i64, step: u64) -> Result<bool, StoreError>;

    /// Records a session (and forgets sessions idle or old beyond any limit).
    ///
    /// # Errors
    /// Store failures.
    fn add_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    /// A session by token hash.
    ///
    /// # Errors
    /// Store failures.
    fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// Marks a session used at `at` (and, with `reauth`, re-authenticated).
    ///
    /// # Errors
    /// Store failures.
    fn touch_session(&self, token_hash: &str, at: u64, reauth: bool) -> Result<(), StoreError>;
    /// Ends a session.
    ///
    /// # Errors
    /// Store failures.
    fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;

    /// Registers a passkey; `None` when its credential id is registered already.
    ///
    /// # Errors
    /// Store failures.
    fn add_passkey(
        &self,
        admin_id: i64,
        credential_id: &[u8],
        credential: &[u8],
        label: &str,
        now: u64,
    ) -> Result<Option<i64>, StoreError>;
    /// An account's passkeys, oldest first.
    ///
    /// # Errors
    /// Store failures.
    fn passkeys(&self, admin_id: i64) -> Result<Vec<PasskeyRecord>, StoreError>;
    /// The passkey with this credential id (sign-in looks it up).
    ///
    /// # Errors
    /// Store failures.
    fn passkey_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyRecord>, StoreError>;
    /// After a passkey sign-in: replaces the stored credential (its counter moved) and marks it
    /// used at `at`; `false` when it no longer exists.
    ///
    /// # Errors
    /// Store failures.
    fn use_passkey(&self, id: i64, credential: &[u8], at: u64) -> Result<bool, StoreError>;
    /// Removes one of the account's passkeys; `false` when it has no such passkey.
    ///
    /// # Errors
    /// Store failures.
    fn remove_passkey(&self, admin_id: i64, id: i64) -> Result<bool, StoreError>;

    /// The numbers of the device's latest `limit` reports, newest first.
    ///
    /// # Errors
    /// Store failures.
    fn report_ids_of_device(&self, device_id: &str, limit: u32) -> Result<Vec<u64>, StoreError>;

    /// Every enrolment code (employees' and agents'), newest first.
    ///
    /// # Errors
    /// Store failures.
    fn list_enroll_codes(&self) -> Result<Vec<EnrollCodeListing>, StoreError>;
    /// Revokes an unused, unrevoked code (its expiry is brought forward to `at`, so that it
    /// enrols nothing); `false` otherwise.
    ///
    /// # Errors
    /// Store failures.
    fn revoke_enroll_code(&self, code_hash: &str, at: u64) -> Result<bool, StoreError>;

    /// Appends to the operation log; the entry as kept.
    ///
    /// # Errors
    /// Store failures.
    fn append_op(&self, op: &NewOp) -> Result<OpRecord, StoreError>;
    /// Up to `limit` entries after `after_seq`, in order.
    ///
    /// # Errors
    /// Store failures.
    fn ops_after(&self, after_seq: u64, limit: u32) -> Result<Vec<OpRecord>, StoreError>;
}

#[cfg(test)]
mod console_tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_named() {
        assert!(AdminRole::Admin.allows(AdminRole::Analyst));
        assert!(AdminRole::Analyst.allows(AdminRole::Auditor));
        assert!(!AdminRole::Auditor.allows(AdminRole::Analyst));
        assert!(!AdminRole::Analyst.allows(AdminRole::Admin));
        for r in [AdminRole::Admin, AdminRole::Analyst, AdminRole::Auditor] {
            assert_eq!(AdminRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(AdminRole::parse("root"), None);
    }

    #[test]
    fn an_oplog_entry_has_one_unambiguous_encoding() {
        let op = OpRecord {
            seq: 7,
            at: 1_800_000_000,
            actor: "cli".into(),
            action: "admin.add".into(),
            target: "chan".into(),
            device: String::new(),
            outcome: "ok".into(),
            detail: r#"{"role":"admin"}"#.into(),
        };
        let b = op.leaf_bytes();
        assert!(b.starts_with(b"verity-oplog-leaf-v1\0"));
        assert_eq!(&b[21..29], &7u64.to_be_bytes());
        // Moving a byte from one field to the next changes the encoding.
        let shifted = OpRecord {
            actor: "cl".into(),
            action: "iadmin.add".into(),
            ..op.clone()
        };
        assert_ne!(shifted.leaf_bytes(), b);
        assert_eq!(op.leaf_bytes(), b);
    }
}
