//! The organisation console's rules (`docs/console-api.md`), independent of HTTP: setup and
//! sign-in of console accounts, sessions, and the "people and devices" actions. Every sign-in
//! attempt and every change is written to the operation log.
//!
//! Passphrases are hashed with Argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane) and checked
//! on the blocking pool; an unknown name is checked against a dummy hash, so that it costs what a
//! wrong passphrase costs, and counts against the name all the same. A sign-in is admitted
//! against two limits before anything is judged (five failures per account, twenty per source
//! address, in 15 minutes; each admission one store transaction), and refused with `locked`
//! and `retry_after` over either. Session tokens are 32 random bytes, kept as SHA-256; the CSRF
//! token is an HMAC of that hash under the console key, so nothing secret about a session is
//! stored in the clear.

use super::Desk;
use crate::addr::rate_bucket;
use crate::store::{
    AdminRecord, AdminRole, Attempt, DeviceRecord, EnrollCodeListing, FailureKind, NewOp,
    PasskeyRecord, PendingSetupRecord, ReportRecord, SessionRecord, SetupOutcome, StoreError,
};
use crate::totp;
use serde::Serialize;
use std::net::IpAddr;
use std::sync::OnceLock;
use subtle::ConstantTimeEq;
use verity_device::proto::{self, ProtoError};
use zeroize::Zeroizing;

/// Idle sessions end after this.
pub const SESSION_IDLE_SECS: u64 = 30 * 60;
/// Every session ends this long after its sign-in.
pub const SESSION_MAX_SECS: u64 = 12 * 3600;
/// Sensitive actions need a sign-in or re-authentication this recent.
pub const REAUTH_SECS: u64 = 5 * 60;
/// Failed sign-ins allowed per account per window.
pub const ACCOUNT_MAX_FAILURES: u32 = 5;
/// Failed sign-ins allowed per source address per window.
pub const ADDRESS_MAX_FAILURES: u32 = 20;
/// The window (and the lockout).
pub const FAILURE_WINDOW_SECS: u64 = 15 * 60;
/// How long a setup code is valid.
pub const SETUP_CODE_SECS: u64 = 24 * 3600;
/// How long between `setup` and `setup/finish`.
pub const PENDING_SETUP_SECS: u64 = 15 * 60;
/// Passphrase length bounds, in characters.
pub const PASSPHRASE_CHARS: (usize, usize) = (12, 256);
/// The longest revocation reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A console error: status, a code from the contract, an English message, and for some codes
/// the form field or the seconds to wait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ConsoleError {
    /// HTTP status.
    #[serde(skip)]
    pub status: u16,
    /// `unauthenticated`, `forbidden`, `reauth_required`, `csrf`, `locked`, `invalid_input`,
    /// `not_found`, `conflict`, `too_large` or `internal`.
    pub code: &'static str,
    /// For logs and `curl`; the UI words it itself.
    pub message: String,
    /// The form field at fault (`invalid_input`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// Seconds to wait (`locked`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl ConsoleError {
    /// An error with `status`, `code` and `message`.
    #[must_use]
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ConsoleError {
        ConsoleError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }
    /// 401 `unauthenticated`.
    #[must_use]
    pub fn unauthenticated(message: impl Into<String>) -> ConsoleError {
        ConsoleError::new(401, "unauthenticated", message)
    }
    /// 403 `forbidden`.
    #[must_use]
    pub fn forbidden(message: impl Into<String>) -> ConsoleError {
        ConsoleError::new(403, "forbidden", message)
    }
    /// 403 `csrf`.
    #[must_use]
    pub fn csrf(message: impl Into<String>) -> ConsoleError {
        ConsoleError::new(403, "csrf", message)
    }
    /// 400 `invalid_input` naming `field`.
    #[must_use]
    pub fn invalid(field: &'static str, message: impl Into<String>) -> ConsoleError {
        ConsoleError {
            field: Some(field),
            ..ConsoleError::new(400, "invalid_input", message)
        }
    }
    /// 404 `not_found`.
    #[must_use]
    pub fn not_found(message: impl Into<String>) -> ConsoleError {
        ConsoleError::new(404, "not_found", message)
    }
    /// 409 `conflict`.
    #[must_use]
    pub fn conflict(message: impl Into<String>) -> ConsoleError {
        ConsoleError::new(409, "conflict", message)
    }
    /// 500 `internal` (the cause goes to the log, not the answer).
    #[must_use]
    pub fn internal() -> ConsoleError {
        ConsoleError::new(500, "internal", "the desk failed; see its logs")
    }
    fn locked(retry_after: u64) -> ConsoleError {
        ConsoleError {
            retry_after: Some(retry_after.max(1)),
            ..ConsoleError::new(429, "locked", "too many failed sign-ins: try again later")
        }
    }
}

impl From<StoreError> for ConsoleError {
    fn from(e: StoreError) -> ConsoleError {
        tracing::error!(error = %e, "store failure");
        ConsoleError::internal()
    }
}

impl From<totp::TotpError> for ConsoleError {
    fn from(e: totp::TotpError) -> ConsoleError {
        tracing::error!(error = %e, "TOTP failure");
        ConsoleError::internal()
    }
}

impl From<ProtoError> for ConsoleError {
    fn from(e: ProtoError) -> ConsoleError {
        tracing::error!(error = %e, "protocol failure");
        ConsoleError::internal()
    }
}

/// `Me` in the contract: who is signed in.
#[derive(Debug, Clone, Serialize)]
pub struct Me {
    /// The account name.
    pub name: String,
    /// Its role.
    pub role: AdminRole,
    /// The CSRF token to send as `X-Verity-CSRF`.
    pub csrf: String,
    /// Until when sensitive actions are allowed without re-authenticating.
    pub reauth_until: u64,
    /// The account's passkeys.
    pub passkeys: Vec<PasskeyRecord>,
    /// The console's language.
    pub language: String,
}

/// A signed-in session, as a request carries it.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    /// The account.
    pub admin: AdminRecord,
    /// The session.
    pub session: SessionRecord,
    /// The time the request was judged at.
    pub now: u64,
}

impl ConsoleSession {
    /// The operation log's actor for this account.
    #[must_use]
    pub fn actor(&self) -> String {
        format!("console:{}", self.admin.name)
    }

    /// Whether the role allows what `needed` may do (`forbidden` otherwise).
    ///
    /// # Errors
    /// [`ConsoleError`] `forbidden`.
    pub fn require(&self, needed: AdminRole) -> Result<(), ConsoleError> {
        if self.admin.role.allows(needed) {
            Ok(())
        } else {
            Err(ConsoleError::forbidden(format!(
                "this needs the {} role",
                needed.as_str()
            )))
        }
    }

    /// Whether the account signed in or re-authenticated within the last 5 minutes
    /// (`reauth_required` otherwise).
    ///
    /// # Errors
    /// [`ConsoleError`] `reauth_required`.
    pub fn require_recent_auth(&self) -> Result<(), ConsoleError> {
        if self.now <= self.session.auth_at + REAUTH_SECS {
            Ok(())
        } else {
            Err(ConsoleError::new(
                403,
                "reauth_required",
                "this action needs a sign-in within the last 5 minutes: re-authenticate",
            ))
        }
    }
}

/// What `POST /console/api/setup` answers.
#[derive(Debug, Clone, Serialize)]
pub struct SetupStarted {
    /// The token for `setup/finish`.
    pub setup: String,
    /// The new TOTP secret's `otpauth://` URI (shown as a QR code).
    pub totp_uri: String,
}

/// A new session: the cookie's token (shown once) and who it is.
#[derive(Debug)]
pub struct SignedIn {
    /// The session token, for the cookie.
    pub token: Zeroizing<String>,
    /// Who.
    pub me: Me,
}

/// A new enrolment code from the console.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedCode {
    /// Its listing id.
    pub id: String,
    /// The code (shown once).
    pub code: String,
    /// The `verity://enroll` link.
    pub link: String,
    /// Expires at.
    pub expires_at: u64,
}

/// A device with its latest reports.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceDetail {
    /// The device.
    #[serde(flatten)]
    pub device: DeviceRecord,
    /// Its latest reports (at most 100), newest first.
    pub reports: Vec<ReportRecord>,
}

/// The dashboard: the contract's fields, and what check-ins tell ([`crate::dashboard`]).
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// Devices: enrolled (not revoked), revoked, two-factor pending.
    pub devices: crate::dashboard::DeviceCounts,
    /// Reports.
    pub reports: ReportCounts,
    /// The feed: the desk's latest published version, and the devices' freshness.
    pub feed: FeedSummary,
    /// Checklist completion by team (every device in the team `""` until teams exist).
    pub checklist: Vec<crate::dashboard::TeamProgress>,
    /// Console accounts that are enabled.
    pub admins: u32,
    /// The drill programme: owner, next drill due, whether the reminder shows.
    pub drills: super::drills::DrillsDashboard,
}

/// Report counts.
#[derive(Debug, Clone, Serialize)]
pub struct ReportCounts {
    /// Lines of the triage queue waiting (one per normalised item).
    pub open: u32,
    /// Reports received in the last 24 hours.
    pub today: u32,
}

/// The feed's state.
#[derive(Debug, Clone, Serialize)]
pub struct FeedSummary {
    /// The latest version the desk published with confirmed items (`feed publish`), if any.
    pub version: Option<u64>,
    /// When.
    pub published_at: Option<u64>,
    /// How many devices are behind (see [`crate::dashboard::FeedFreshness`]).
    pub stale_devices: u32,
    /// The devices' freshness in detail.
    pub freshness: crate::dashboard::FeedFreshness,
}

/// A console account's name: 1 to 64 of `a-z 0-9 . _ - @`, case-insensitive (kept lower case).
///
/// # Errors
/// [`ConsoleError`] `invalid_input` on `name`.
pub fn check_admin_name(name: &str) -> Result<String, ConsoleError> {
    let n = name.trim().to_ascii_lowercase();
    if n.is_empty()
        || n.len() > 64
        || !n
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
    {
        return Err(ConsoleError::invalid(
            "name",
            "the name must be 1 to 64 of a-z, 0-9, '.', '_', '-', '@'",
        ));
    }
    Ok(n)
}

fn check_passphrase(p: &str) -> Result<(), ConsoleError> {
    let n = p.chars().count();
    if n < PASSPHRASE_CHARS.0 || n > PASSPHRASE_CHARS.1 || p.chars().any(char::is_control) {
        return Err(ConsoleError::invalid(
            "passphrase",
            "the passphrase must be 12 to 256 characters, without control characters",
        ));
    }
    Ok(())
}

/// A passphrase as typed at sign-in (the 12-character floor is the setup's rule).
fn check_signin_passphrase(p: &str) -> Result<(), ConsoleError> {
    if p.is_empty() || p.chars().count() > PASSPHRASE_CHARS.1 {
        return Err(ConsoleError::invalid(
            "passphrase",
            "the passphrase is 12 to 256 characters",
        ));
    }
    Ok(())
}

fn check_totp_shape(code: &str) -> Result<(), ConsoleError> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ConsoleError::invalid("totp", "the code is 6 digits"))
    }
}

fn check_token(field: &'static str, t: &str) -> Result<(), ConsoleError> {
    if t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(ConsoleError::invalid(field, "malformed token"))
    }
}

/// How a setup code is stored: HMAC-SHA256 of the normalised code under the console key, hex.
#[must_use]
pub fn setup_code_hmac(console_key: &[u8; 32], code: &str) -> String {
    hmac_hex(
        console_key,
        b"verity-console-setup-v1:",
        &super::normalize_code(code),
    )
}

fn hmac_hex(key: &[u8; 32], domain: &[u8], data: &str) -> String {
    use hmac::Mac;
    // HMAC takes a key of any length, so this cannot fail.
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(domain);
    mac.update(data.as_bytes());
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
}

/// A random 32-byte token, base64url (43 characters).
fn new_token() -> Result<Zeroizing<String>, ConsoleError> {
    let mut b = Zeroizing::new([0u8; 32]);
    proto::random_bytes(b.as_mut())?;
    Ok(Zeroizing::new(proto::b64(b.as_ref())))
}

/// How a session or setup token is kept: SHA-256, hex (the token is random: no salt needed).
#[must_use]
pub fn token_hash(token: &str) -> String {
    proto::sha256_hex(format!("verity-console-token:{token}").as_bytes())
}

/// Passphrase hashes computed at once (each takes 19 MiB: a burst of sign-ins must not take
/// the desk's memory); more wait.
const ARGON2_SLOTS: usize = 4;

/// One of [`ARGON2_SLOTS`], held while hashing.
struct Argon2Slot;

fn argon2_slots() -> &'static (std::sync::Mutex<usize>, std::sync::Condvar) {
    static SLOTS: OnceLock<(std::sync::Mutex<usize>, std::sync::Condvar)> = OnceLock::new();
    SLOTS.get_or_init(|| (std::sync::Mutex::new(0), std::sync::Condvar::new()))
}

impl Argon2Slot {
    fn take() -> Argon2Slot {
        let (lock, cv) = argon2_slots();
        let mut busy = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *busy >= ARGON2_SLOTS {
            busy = cv
                .wait(busy)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *busy += 1;
        Argon2Slot
    }
}

impl Drop for Argon2Slot {
    fn drop(&mut self) {
        let (lock, cv) = argon2_slots();
        let mut busy = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *busy = busy.saturating_sub(1);
        cv.notify_one();
    }
}

fn argon2() -> argon2::Argon2<'static> {
    // OWASP's Argon2id minimum: 19 MiB, 2 iterations, 1 lane. These are valid parameters.
    let params = argon2::Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Hashes a passphrase (Argon2id, a random salt): a PHC string.
///
/// # Errors
/// [`ConsoleError`] `internal`.
pub fn hash_passphrase(passphrase: &str) -> Result<String, ConsoleError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt = [0u8; 16];
    proto::random_bytes(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| {
        tracing::error!(error = %e, "salt");
        ConsoleError::internal()
    })?;
    let _slot = Argon2Slot::take();
    argon2()
        .hash_password(passphrase.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "passphrase hashing failed");
            ConsoleError::internal()
        })
}

/// Whether `passphrase` matches the PHC string `stored` (constant time inside argon2).
fn verify_passphrase(stored: &str, passphrase: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    match PasswordHash::new(stored) {
        Ok(h) => {
            let _slot = Argon2Slot::take();
            argon2().verify_password(passphrase.as_bytes(), &h).is_ok()
        }
        Err(e) => {
            tracing::error!(error = %e, "a stored passphrase hash does not parse");
            false
        }
    }
}

/// A hash that no passphrase matches in practice, checked for unknown names.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut b = [0u8; 32];
        let _ = proto::random_bytes(&mut b);
        hash_passphrase(&proto::b64(&b)).unwrap_or_default()
    })
}

fn totp_aad(admin_id: i64) -> String {
    format!("console-admin:{admin_id}")
}

/// A sign-in attempt admitted under both limits (per account, per address): end it with
/// [`Desk::console_attempt_succeeded`] or [`Desk::console_attempt_failed`].
#[derive(Debug)]
pub struct Attempts {
    account: i64,
    address: i64,
    name: String,
}

impl Desk {
    /// Appends to the operation log.
    ///
    /// # Errors
    /// Store failures.
    pub fn log_op(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        device: &str,
        outcome: &str,
        detail: serde_json::Value,
    ) -> Result<(), ConsoleError> {
        self.store.append_op(&NewOp {
            at: self.clock.now(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            device: device.to_owned(),
            outcome: outcome.to_owned(),
            detail,
        })?;
        Ok(())
    }

    /// A sign-in step's malformed input is a failed sign-in for the operation log too (not
    /// counted for the lockout: it judged nothing).
    fn logged<T>(
        &self,
        action: &str,
        peer: IpAddr,
        r: Result<T, ConsoleError>,
    ) -> Result<T, ConsoleError> {
        if let Err(e) = &r {
            self.log_op(
                "anonymous",
                action,
                "",
                "",
                "invalid_input",
                serde_json::json!({ "source": peer.to_string(), "field": e.field }),
            )?;
        }
        r
    }

    fn csrf_of(&self, token_hash: &str) -> String {
        hmac_hex(&self.console_key, b"verity-console-csrf-v1:", token_hash)
    }

    fn retry_after(&self, now: u64, last: Option<u64>) -> u64 {
        (last.unwrap_or(now) + FAILURE_WINDOW_SECS).saturating_sub(now)
    }

    /// Admits a sign-in attempt under both limits (a read first: a locked account or address
    /// writes nothing but the log line), each as one store transaction.
    pub(crate) fn admit_signin(
        &self,
        name: &str,
        peer: IpAddr,
        action: &str,
        now: u64,
    ) -> Result<Attempts, ConsoleError> {
        let since = now.saturating_sub(FAILURE_WINDOW_SECS);
        let bucket = rate_bucket(peer);
        let locked = |last: Option<u64>| -> Result<Attempts, ConsoleError> {
            self.log_op(
                "anonymous",
                action,
                name,
                "",
                "locked",
                serde_json::json!({ "source": peer.to_string() }),
            )?;
            tracing::warn!(account = %name, %peer, "console sign-in locked");
            Err(ConsoleError::locked(self.retry_after(now, last)))
        };
        for (kind, subject, max) in [
            (
                FailureKind::ConsoleAddress,
                bucket.as_str(),
                ADDRESS_MAX_FAILURES,
            ),
            (FailureKind::ConsoleAccount, name, ACCOUNT_MAX_FAILURES),
        ] {
            let (n, last) = self.store.failures_since(kind, subject, since)?;
            if n >= max {
                return locked(last);
            }
        }
        let address = match self.store.begin_attempt(
            FailureKind::ConsoleAddress,
            &bucket,
            since,
            ADDRESS_MAX_FAILURES,
            now,
        )? {
            Attempt::Admitted { id, .. } => id,
            Attempt::Refused { last, .. } => return locked(last),
        };
        let account = match self.store.begin_attempt(
            FailureKind::ConsoleAccount,
            name,
            since,
            ACCOUNT_MAX_FAILURES,
            now,
        )? {
            Attempt::Admitted { id, .. } => id,
            Attempt::Refused { last, .. } => {
                self.store.release_attempt(address)?;
                return locked(last);
            }
        };
        Ok(Attempts {
            account,
            address,
            name: name.to_owned(),
        })
    }

    fn succeeded(&self, a: &Attempts) -> Result<(), ConsoleError> {
        self.store.release_attempt(a.address)?;
        self.store.release_attempt(a.account)?;
        self.store
            .clear_failures(FailureKind::ConsoleAccount, &a.name)?;
        Ok(())
    }

    fn failed(
        &self,
        a: &Attempts,
        action: &str,
        peer: IpAddr,
        why: &str,
    ) -> Result<ConsoleError, ConsoleError> {
        self.log_op(
            "anonymous",
            action,
            &a.name,
            "",
            "refused",
            serde_json::json!({ "source": peer.to_string(), "why": why }),
        )?;
        tracing::info!(account = %a.name, %peer, why, "console sign-in refused");
        Ok(ConsoleError::unauthenticated(
            "wrong name, passphrase or code",
        ))
    }

    /// Checks a TOTP code against the account's secret and accepts its step (no reuse).
    fn admin_totp_ok(
        &self,
        admin: &AdminRecord,
        code: &str,
        now: u64,
    ) -> Result<bool, ConsoleError> {
        let Some(sealed) = &admin.totp_sealed else {
            return Ok(false);
        };
        let secret = totp::open(&self.totp_key, &totp_aad(admin.id), sealed)?;
        let Some(step) = totp::matching_step(&secret, code, now)? else {
            return Ok(false);
        };
        if admin.totp_last_step.is_some_and(|l| l >= step) {
            return Ok(false);
        }
        Ok(self.store.accept_admin_totp_step(admin.id, step)?)
    }

    fn new_session(
        &self,
        admin: &AdminRecord,
        peer: IpAddr,
        now: u64,
    ) -> Result<(Zeroizing<String>, SessionRecord), ConsoleError> {
        let token = new_token()?;
        Ok((
            token.clone(),
            SessionRecord {
                token_hash: token_hash(&token),
                admin_id: admin.id,
                created_at: now,
                last_seen_at: now,
                auth_at: now,
                source: peer.to_string(),
            },
        ))
    }

    /// Admits a sign-in attempt for account `name` from `peer` (the passkey ceremonies: once
    /// the credential names the account) under the lockout limits; `locked` over either.
    ///
    /// # Errors
    /// `locked`; store failures.
    pub fn console_admit(
        &self,
        name: &str,
        peer: IpAddr,
        action: &str,
    ) -> Result<Attempts, ConsoleError> {
        self.admit_signin(name, peer, action, self.clock.now())
    }

    /// The attempt succeeded: its failures are forgotten.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_attempt_succeeded(&self, a: &Attempts) -> Result<(), ConsoleError> {
        self.succeeded(a)
    }

    /// The attempt failed (`why` goes to the operation log, never to the client): it stays
    /// counted; the `unauthenticated` error to answer.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_attempt_failed(
        &self,
        a: &Attempts,
        action: &str,
        peer: IpAddr,
        why: &str,
    ) -> Result<ConsoleError, ConsoleError> {
        self.failed(a, action, peer, why)
    }

    /// `Me` for a session.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_me(
        &self,
        admin: &AdminRecord,
        session: &SessionRecord,
    ) -> Result<Me, ConsoleError> {
        Ok(Me {
            name: admin.name.clone(),
            role: admin.role,
            csrf: self.csrf_of(&session.token_hash),
            reauth_until: session.auth_at + REAUTH_SECS,
            passkeys: self.store.passkeys(admin.id)?,
            language: admin.language.clone(),
        })
    }

    /// `POST /console/api/setup`: checks the one-time setup code, keeps the chosen passphrase's
    /// hash and a new TOTP secret pending, and answers the TOTP URI and a setup token.
    ///
    /// # Errors
    /// [`ConsoleError`].
    pub fn console_setup(
        &self,
        name: &str,
        code: &str,
        passphrase: &str,
        peer: IpAddr,
    ) -> Result<SetupStarted, ConsoleError> {
        const ACTION: &str = "console.setup";
        let name = self.logged(ACTION, peer, check_admin_name(name))?;
        self.logged(ACTION, peer, check_passphrase(passphrase))?;
        if code.is_empty() || code.len() > 64 {
            return self.logged(
                ACTION,
                peer,
                Err(ConsoleError::invalid(
                    "code",
                    "the setup code is 12 characters",
                )),
            );
        }
        let now = self.clock.now();
        let attempt = self.admit_signin(&name, peer, ACTION, now)?;
        let hash = setup_code_hmac(&self.console_key, code);
        let admin = self.store.admin_by_name(&name)?;
        let matches = admin.as_ref().is_some_and(|a| {
            a.disabled_at.is_none()
                && a.setup_hash
                    .as_ref()
                    .is_some_and(|h| bool::from(h.as_bytes().ct_eq(hash.as_bytes())))
        });
        let Some(admin) = admin.filter(|_| matches) else {
            return Err(self.failed(&attempt, ACTION, peer, "wrong name or setup code")?);
        };
        if admin.setup_expires_at.is_none_or(|e| now >= e) {
            self.succeeded(&attempt)?;
            self.log_op(
                "anonymous",
                ACTION,
                &name,
                "",
                "expired",
                serde_json::json!({}),
            )?;
            return Err(ConsoleError::unauthenticated(
                "this setup code has expired: ask for a new one (verity-desk admin reset)",
            ));
        }
        self.succeeded(&attempt)?;
        let passphrase_hash = hash_passphrase(passphrase)?;
        let s = totp::new_secret(&format!("Verity console {}", self.org_name), &name)?;
        let sealed = totp::seal(&self.totp_key, &totp_aad(admin.id), &s.secret)?;
        let token = new_token()?;
        self.store.add_pending_setup(
            &PendingSetupRecord {
                token_hash: token_hash(&token),
                admin_id: admin.id,
                setup_hash: hash,
                passphrase_hash,
                totp_sealed: sealed,
                expires_at: now + PENDING_SETUP_SECS,
            },
            now,
        )?;
        self.log_op("anonymous", ACTION, &name, "", "ok", serde_json::json!({}))?;
        Ok(SetupStarted {
            setup: token.to_string(),
            totp_uri: s.uri.to_string(),
        })
    }

    /// `POST /console/api/setup/finish`: the first TOTP code confirms the secret; the account is
    /// set up, its setup code spent, and a session begins.
    ///
    /// # Errors
    /// [`ConsoleError`].
    pub fn console_setup_finish(
        &self,
        setup: &str,
        code: &str,
        peer: IpAddr,
    ) -> Result<SignedIn, ConsoleError> {
        const ACTION: &str = "console.setup_finish";
        self.logged(ACTION, peer, check_token("setup", setup))?;
        self.logged(ACTION, peer, check_totp_shape(code))?;
        let now = self.clock.now();
        let Some(pending) = self.store.pending_setup(&token_hash(setup), now)? else {
            return Err(ConsoleError::unauthenticated(
                "this setup is unknown or expired: start again with the setup code",
            ));
        };
        let admin = self
            .store
            .admin_by_id(pending.admin_id)?
            .ok_or_else(|| ConsoleError::unauthenticated("no such account"))?;
        let attempt = self.admit_signin(&admin.name, peer, ACTION, now)?;
        let secret = totp::open(&self.totp_key, &totp_aad(admin.id), &pending.totp_sealed)?;
        let Some(step) = totp::matching_step(&secret, code, now)? else {
            return Err(self.failed(&attempt, ACTION, peer, "wrong TOTP code")?);
        };
        let (token, session) = self.new_session(&admin, peer, now)?;
        match self
            .store
            .complete_admin_setup(&pending, step, &session, now)?
        {
            SetupOutcome::Done => {}
            SetupOutcome::Stale => {
                self.succeeded(&attempt)?;
                self.log_op(
                    "anonymous",
                    ACTION,
                    &admin.name,
                    "",
                    "stale",
                    serde_json::json!({}),
                )?;
                return Err(ConsoleError::conflict(
                    "the setup code was used, replaced or expired meanwhile",
                ));
            }
        }
        self.succeeded(&attempt)?;
        self.log_op(
            &format!("console:{}", admin.name),
            ACTION,
            &admin.name,
            "",
            "ok",
            serde_json::json!({ "source": peer.to_string() }),
        )?;
        tracing::info!(account = %admin.name, "console account set up");
        Ok(SignedIn {
            me: self.console_me(&admin, &session)?,
            token,
        })
    }

    /// Checks name (or a known account), passphrase and TOTP as one attempt: a wrong name costs
    /// what a wrong passphrase costs.
    fn check_credentials(
        &self,
        name: &str,
        passphrase: &str,
        code: &str,
        peer: IpAddr,
        action: &str,
    ) -> Result<AdminRecord, ConsoleError> {
        let now = self.clock.now();
        let attempt = self.admit_signin(name, peer, action, now)?;
        let admin = self
            .store
            .admin_by_name(name)?
            .filter(|a| a.disabled_at.is_none() && a.is_set_up());
        let stored = admin
            .as_ref()
            .and_then(|a| a.passphrase_hash.as_deref())
            .unwrap_or_else(|| dummy_hash());
        let passphrase_ok = verify_passphrase(stored, passphrase);
        let Some(admin) = admin.filter(|_| passphrase_ok) else {
            return Err(self.failed(&attempt, action, peer, "wrong name or passphrase")?);
        };
        if !self.admin_totp_ok(&admin, code, now)? {
            return Err(self.failed(&attempt, action, peer, "wrong or reused TOTP code")?);
        }
        self.succeeded(&attempt)?;
        Ok(admin)
    }

    /// `POST /console/api/signin`.
    ///
    /// # Errors
    /// [`ConsoleError`].
    pub fn console_signin(
        &self,
        name: &str,
        passphrase: &str,
        code: &str,
        peer: IpAddr,
    ) -> Result<SignedIn, ConsoleError> {
        const ACTION: &str = "console.signin";
        let name = self.logged(ACTION, peer, check_admin_name(name))?;
        self.logged(ACTION, peer, check_signin_passphrase(passphrase))?;
        self.logged(ACTION, peer, check_totp_shape(code))?;
        let admin = self.check_credentials(&name, passphrase, code, peer, ACTION)?;
        let now = self.clock.now();
        let (token, session) = self.new_session(&admin, peer, now)?;
        self.store.add_session(&session)?;
        self.log_op(
            &format!("console:{}", admin.name),
            ACTION,
            &admin.name,
            "",
            "ok",
            serde_json::json!({ "source": peer.to_string() }),
        )?;
        Ok(SignedIn {
            me: self.console_me(&admin, &session)?,
            token,
        })
    }

    /// Starts a session for `admin` after another way of signing in succeeded (a passkey
    /// ceremony, verified by the caller): the account must be enabled and set up. Logged as
    /// `action` (like `console.passkey_signin`).
    ///
    /// # Errors
    /// `unauthenticated` for a disabled or unfinished account; store failures.
    pub fn console_start_session(
        &self,
        admin_id: i64,
        peer: IpAddr,
        action: &str,
    ) -> Result<SignedIn, ConsoleError> {
        let admin = self
            .store
            .admin_by_id(admin_id)?
            .filter(|a| a.disabled_at.is_none() && a.is_set_up())
            .ok_or_else(|| ConsoleError::unauthenticated("this account cannot sign in"))?;
        let (token, session) = self.new_session(&admin, peer, self.clock.now())?;
        self.store.add_session(&session)?;
        self.log_op(
            &format!("console:{}", admin.name),
            action,
            &admin.name,
            "",
            "ok",
            serde_json::json!({ "source": peer.to_string() }),
        )?;
        Ok(SignedIn {
            me: self.console_me(&admin, &session)?,
            token,
        })
    }

    /// Marks a session re-authenticated now, after another way of re-authenticating succeeded
    /// (a passkey ceremony, verified by the caller); the new `Me`.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_mark_reauth(
        &self,
        s: &ConsoleSession,
        action: &str,
    ) -> Result<Me, ConsoleError> {
        let now = self.clock.now();
        self.store.touch_session(&s.session.token_hash, now, true)?;
        self.log_op(
            &s.actor(),
            action,
            &s.admin.name,
            "",
            "ok",
            serde_json::json!({}),
        )?;
        let session = SessionRecord {
            auth_at: now,
            last_seen_at: now,
            ..s.session.clone()
        };
        self.console_me(&s.admin, &session)
    }

    /// The store (for console routes built elsewhere: passkeys, reports, the oplog).
    #[must_use]
    pub fn console_store(&self) -> &dyn crate::store::DeskStore {
        self.store.as_ref()
    }

    /// The desk's clock, Unix seconds now.
    #[must_use]
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// `POST /console/api/reauth`: passphrase and TOTP again; sensitive actions are allowed for
    /// 5 more minutes.
    ///
    /// # Errors
    /// [`ConsoleError`].
    pub fn console_reauth(
        &self,
        s: &ConsoleSession,
        passphrase: &str,
        code: &str,
        peer: IpAddr,
    ) -> Result<Me, ConsoleError> {
        const ACTION: &str = "console.reauth";
        self.logged(ACTION, peer, check_signin_passphrase(passphrase))?;
        self.logged(ACTION, peer, check_totp_shape(code))?;
        let admin = self.check_credentials(&s.admin.name, passphrase, code, peer, ACTION)?;
        let now = self.clock.now();
        self.store.touch_session(&s.session.token_hash, now, true)?;
        self.log_op(
            &s.actor(),
            ACTION,
            &admin.name,
            "",
            "ok",
            serde_json::json!({}),
        )?;
        let session = SessionRecord {
            auth_at: now,
            last_seen_at: now,
            ..s.session.clone()
        };
        self.console_me(&admin, &session)
    }

    /// The session a request's cookie names, checked: unexpired (30 minutes idle, 12 hours in
    /// all), its account enabled, and for a request other than GET or HEAD (`unsafe_method`), its
    /// CSRF token in `csrf` (compared in constant time). Marks the session used.
    ///
    /// # Errors
    /// `unauthenticated` or `csrf`.
    pub fn console_session(
        &self,
        token: Option<&str>,
        unsafe_method: bool,
        csrf: Option<&str>,
    ) -> Result<ConsoleSession, ConsoleError> {
        let no = || ConsoleError::unauthenticated("sign in first");
        let token = token.ok_or_else(no)?;
        check_token("session", token).map_err(|_| no())?;
        let hash = token_hash(token);
        let session = self.store.session(&hash)?.ok_or_else(no)?;
        let now = self.clock.now();
        if now > session.last_seen_at + SESSION_IDLE_SECS
            || now > session.created_at + SESSION_MAX_SECS
        {
            self.store.delete_session(&hash)?;
            return Err(ConsoleError::unauthenticated(
                "the session has expired: sign in again",
            ));
        }
        let admin = self
            .store
            .admin_by_id(session.admin_id)?
            .filter(|a| a.disabled_at.is_none() && a.is_set_up());
        let Some(admin) = admin else {
            self.store.delete_session(&hash)?;
            return Err(no());
        };
        if unsafe_method {
            let expected = self.csrf_of(&hash);
            let ok = csrf.is_some_and(|c| bool::from(c.as_bytes().ct_eq(expected.as_bytes())));
            if !ok {
                tracing::warn!(account = %admin.name, "console request without its CSRF token");
                return Err(ConsoleError::csrf("missing or wrong X-Verity-CSRF header"));
            }
        }
        self.store.touch_session(&hash, now, false)?;
        Ok(ConsoleSession {
            admin,
            session: SessionRecord {
                last_seen_at: now,
                ..session
            },
            now,
        })
    }

    /// `POST /console/api/signout`.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_signout(&self, s: &ConsoleSession) -> Result<(), ConsoleError> {
        self.store.delete_session(&s.session.token_hash)?;
        self.log_op(
            &s.actor(),
            "console.signout",
            &s.admin.name,
            "",
            "ok",
            serde_json::json!({}),
        )
    }

    /// `GET /console/api/dashboard`.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_dashboard(&self) -> Result<Dashboard, ConsoleError> {
        let teams = self.store.device_teams()?;
        let d = crate::dashboard::dashboard(self.store.as_ref(), self.clock.now(), &|d| {
            teams.get(&d.device_id).cloned().unwrap_or_default()
        })?;
        // The latest version the desk published with confirmed items in it.
        let last = self.store.feed_items(false, 1)?.into_iter().next();
        let admins = self
            .store
            .list_admins()?
            .iter()
            .filter(|a| a.disabled_at.is_none())
            .count();
        Ok(Dashboard {
            devices: d.devices,
            reports: ReportCounts {
                open: d.open_reports,
                today: d.reports_today,
            },
            feed: FeedSummary {
                version: last.as_ref().and_then(|i| i.published_version),
                published_at: last.as_ref().and_then(|i| i.published_at),
                stale_devices: d.feed.stale_count,
                freshness: d.feed,
            },
            checklist: d.checklist,
            admins: u32::try_from(admins).unwrap_or(u32::MAX),
            drills: self.drills_dashboard()?,
        })
    }

    /// `GET /console/api/codes`.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_codes(&self) -> Result<Vec<EnrollCodeListing>, ConsoleError> {
        Ok(self.store.list_enroll_codes()?)
    }

    /// `POST /console/api/codes`: a one-time enrolment code for an employee, valid `ttl_secs`;
    /// `origin` is the desk's public origin (in the link).
    ///
    /// # Errors
    /// [`ConsoleError`].
    pub fn console_issue_code(
        &self,
        s: &ConsoleSession,
        employee: &str,
        name: &str,
        team: Option<&str>,
        ttl_secs: u64,
        origin: &str,
    ) -> Result<IssuedCode, ConsoleError> {
        let team = crate::admin::check_team(team)
            .map_err(|e| ConsoleError::invalid("team", e.to_string()))?;
        for (field, v) in [("employee", employee), ("name", name)] {
            if v.trim().is_empty() || v.len() > 128 || v.chars().any(proto::is_hidden_char) {
                return Err(ConsoleError::invalid(
                    field,
                    "1 to 128 printable characters",
                ));
            }
        }
        let detail = serde_json::json!({ "employee": employee.trim(), "team": team });
        self.issue_console_code(
            s,
            (employee.trim(), name.trim()),
            (None, team),
            ttl_secs,
            ("code.issue", detail),
            origin,
        )
    }

    /// Stores a new one-time code for `employee` (id, name) — an agent's when `agent` is set —
    /// in `team`, valid `ttl_secs`; logs `action` with `detail` (and the expiry); answers the
    /// code (shown once) and its enrolment link for the desk's public `origin`.
    pub(super) fn issue_console_code(
        &self,
        s: &ConsoleSession,
        (employee_id, employee_name): (&str, &str),
        (agent, team): (Option<verity_device::proto::AgentProfile>, Option<String>),
        ttl_secs: u64,
        (action, mut detail): (&str, serde_json::Value),
        origin: &str,
    ) -> Result<IssuedCode, ConsoleError> {
        let code = crate::admin::new_code()?;
        let now = self.clock.now();
        let record = crate::store::EnrollCodeRecord {
            code_hash: super::code_hmac(&self.code_key, &code),
            scheme: crate::store::code_scheme::HMAC_SHA256,
            employee_id: employee_id.to_owned(),
            employee_name: employee_name.to_owned(),
            created_at: now,
            expires_at: now + ttl_secs,
            used_at: None,
            used_by: None,
            agent,
            team,
        };
        self.store.add_enroll_code(&record)?;
        let id = self
            .store
            .list_enroll_codes()?
            .into_iter()
            .find(|c| c.code_hash == record.code_hash)
            .map(|c| c.id)
            .unwrap_or_default();
        detail["expires_at"] = serde_json::json!(record.expires_at);
        self.log_op(&s.actor(), action, &id, "", "ok", detail)?;
        let fp = self.org_info().fingerprint;
        Ok(IssuedCode {
            link: verity_device::link::enroll_link(origin, &code, Some(&fp)),
            code: code.to_string(),
            id,
            expires_at: record.expires_at,
        })
    }

    /// `POST /console/api/codes/{id}/revoke`.
    ///
    /// # Errors
    /// `not_found`, `conflict` (used or revoked already), store failures.
    pub fn console_revoke_code(
        &self,
        s: &ConsoleSession,
        id: &str,
    ) -> Result<(String, u64), ConsoleError> {
        let code = self
            .store
            .list_enroll_codes()?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| ConsoleError::not_found("no such code"))?;
        let now = self.clock.now();
        let done = self.store.revoke_enroll_code(&code.code_hash, now)?;
        self.log_op(
            &s.actor(),
            "code.revoke",
            id,
            "",
            if done { "ok" } else { "conflict" },
            serde_json::json!({ "employee": code.employee }),
        )?;
        if done {
            Ok((code.id, now))
        } else {
            Err(ConsoleError::conflict(
                "the code was used or revoked already",
            ))
        }
    }

    /// `GET /console/api/devices?q=`: devices whose employee id, name or device id contains `q`
    /// (case-insensitive; at most 128 characters).
    ///
    /// # Errors
    /// `invalid_input`, store failures.
    pub fn console_devices(&self, q: &str) -> Result<Vec<DeviceRecord>, ConsoleError> {
        if q.chars().count() > 128 || q.chars().any(proto::is_hidden_char) {
            return Err(ConsoleError::invalid(
                "q",
                "at most 128 printable characters",
            ));
        }
        let q = q.trim().to_lowercase();
        Ok(self
            .store
            .list_devices()?
            .into_iter()
            .filter(|d| {
                q.is_empty()
                    || d.employee_id.to_lowercase().contains(&q)
                    || d.employee_name.to_lowercase().contains(&q)
                    || d.device_id.contains(&q)
            })
            .collect())
    }

    fn device_by_id(&self, id: &str) -> Result<DeviceRecord, ConsoleError> {
        if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ConsoleError::not_found("no such device"));
        }
        self.store
            .device(&id.to_ascii_lowercase())?
            .ok_or_else(|| ConsoleError::not_found("no such device"))
    }

    /// `GET /console/api/devices/{id}`.
    ///
    /// # Errors
    /// `not_found`, store failures.
    pub fn console_device(&self, id: &str) -> Result<DeviceDetail, ConsoleError> {
        let device = self.device_by_id(id)?;
        let ids = self.store.report_ids_of_device(&device.device_id, 100)?;
        let reports = self.store.reports_of_device(&device.device_id, &ids)?;
        Ok(DeviceDetail { device, reports })
    }

    /// `POST /console/api/devices/{id}/revoke`.
    ///
    /// # Errors
    /// `not_found`, `invalid_input` (reason), `conflict` (revoked already), store failures.
    pub fn console_revoke_device(
        &self,
        s: &ConsoleSession,
        id: &str,
        reason: &str,
    ) -> Result<DeviceRecord, ConsoleError> {
        let reason = reason.trim();
        if reason.is_empty()
            || reason.chars().count() > MAX_REASON_CHARS
            || reason.chars().any(proto::is_hidden_char)
        {
            return Err(ConsoleError::invalid(
                "reason",
                "1 to 500 printable characters",
            ));
        }
        let d = self.device_by_id(id)?;
        let done = self
            .store
            .revoke_device(&d.device_id, self.clock.now(), reason)?;
        self.log_op(
            &s.actor(),
            "device.revoke",
            &d.device_id,
            &d.device_id,
            if done { "ok" } else { "conflict" },
            serde_json::json!({ "reason": reason }),
        )?;
        if !done {
            return Err(ConsoleError::conflict("the device was revoked already"));
        }
        self.device_by_id(&d.device_id)
    }

    /// `POST /console/api/devices/{id}/reset-totp`.
    ///
    /// # Errors
    /// `not_found`, store failures.
    pub fn console_reset_device_totp(
        &self,
        s: &ConsoleSession,
        id: &str,
    ) -> Result<DeviceRecord, ConsoleError> {
        let d = self.device_by_id(id)?;
        let had = self.store.clear_totp(&d.device_id)?;
        self.store.clear_failures(FailureKind::Totp, &d.device_id)?;
        self.log_op(
            &s.actor(),
            "device.reset_totp",
            &d.device_id,
            &d.device_id,
            "ok",
            serde_json::json!({ "had_totp": had }),
        )?;
        self.device_by_id(&d.device_id)
    }
}
