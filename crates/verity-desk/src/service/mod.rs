//! The desk's rules, independent of HTTP: enrolment, two-factor set-up, the three checks, unbind.
//!
//! Each endpoint is a synchronous method taking an [`Incoming`] request (method, path, the four
//! authentication headers, body bytes, the source address) and returning a wire type or an
//! [`ApiError`]. The HTTP layer runs them on the blocking pool. Authentication of a device
//! request, in order: timestamp within ±5 minutes; certificate signed by this organisation and in
//! date; request signature by the certificate's device key; device known, not revoked, holding
//! that certificate — all reads; then the endpoint's own limits; then the nonce (the first
//! write, so that a forger cannot burn nonces and a refused request writes nothing).
//!
//! Limits come before writes. Enrolment: stateless checks (headers, timestamp, body, proof of
//! possession) → the per-address limiter (one transaction counts the failures and admits this
//! attempt as one more; over the limit nothing is written) → nonce → region → code → device row
//! (the attempt is released when the code was right or the refusal was not a wrong code, the
//! desk's own failures included).
//! Verify: authentication → region (read) → TOTP lockout (read; a locked device writes nothing)
//! → nonce → the TOTP attempt, admitted atomically against the current count. TOTP set-up and
//! unbind: authentication → region (set-up) → nonce → their write. Report to IT
//! ([`Desk::report`]): the body's size, then authentication → the report's fields → the
//! per-device limit (a read) → nonce → the report, kept only if the device is still under its
//! limit (one transaction).
//!
//! Verify may carry the checklist audit chain's head signed by the device key
//! ([`proto::SignedHead`]): it is checked with the authenticated certificate's key before any write
//! (a bad one is `bad_request`, and nothing is written), and once the request's nonce is spent it
//! is anchored ([`DeskStore::anchor_audit_head`]) and countersigned in the answer — unless it goes
//! back behind the head already anchored for the device (a lower sequence number, or the same one
//! with another hash): then a warning is logged and the answer carries no anchor. A request that
//! spends no nonce (two-factor locked or not set up) anchors nothing either.

use crate::addr::rate_bucket;
use crate::orgkey;
use crate::policy::check_region;
use crate::store::{
    code_scheme, AgentRecord, AnchorOutcome, Attempt, DeskStore, DeviceRecord, EnrollCodeRecord,
    EnrollOutcome, FailureKind, StoreError,
};
use crate::totp;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Serialize;
use std::net::IpAddr;
use std::sync::Arc;
use verity_device::clock::Clock;
use verity_device::proto::{
    self, codes, AgentCertificate, AgentCertificateBody, AgentEnrollResponse, AuditAnchor,
    Certificate, CertificateBody, CheckResult, EnrollRequest, EnrollResponse, OrgAnswer,
    OrgFeedConfig, OrgInfo, ProtoError, RequestAuth, SignalsRequest, SignedHead, TotpSetupResponse,
    VerifyRequest, VerifyResponse, MAX_CLOCK_SKEW_SECS,
};
use zeroize::Zeroizing;

mod checkin;
pub mod console;
pub mod drills;
mod enroll;
pub mod oplog;
pub mod passkeys;
pub mod people;
mod report;
pub mod support;
pub mod triage;

/// An error answer: HTTP status, a code from [`codes`], and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// HTTP status.
    #[serde(skip)]
    pub status: u16,
    /// Code.
    pub code: &'static str,
    /// Message.
    pub message: String,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    #[must_use]
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, codes::BAD_REQUEST, message)
    }

    fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(401, code, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        tracing::error!(error = %e, "store failure");
        ApiError::new(500, codes::INTERNAL, "the desk failed; see its logs")
    }
}

impl From<totp::TotpError> for ApiError {
    fn from(e: totp::TotpError) -> ApiError {
        tracing::error!(error = %e, "TOTP failure");
        ApiError::new(500, codes::INTERNAL, "the desk failed; see its logs")
    }
}

impl From<ProtoError> for ApiError {
    fn from(e: ProtoError) -> ApiError {
        tracing::error!(error = %e, "protocol failure");
        ApiError::new(500, codes::INTERNAL, "the desk failed; see its logs")
    }
}

/// A request as the rules see it.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The desk's own public origin (`scheme://host[:port]`, from its configuration, never from
    /// the request): what the device must have signed.
    pub origin: String,
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Authentication headers (`None` when absent or malformed).
    pub auth: Option<RequestAuth>,
    /// Body.
    pub body: Vec<u8>,
    /// Source address.
    pub peer: IpAddr,
}

/// Limits and lifetimes.
#[derive(Debug, Clone)]
pub struct DeskConfig {
    /// Certificate lifetime.
    pub cert_ttl_secs: u64,
    /// Failed enrolment codes allowed per source address per window.
    pub enroll_max_failures: u32,
    /// The window for enrolment failures.
    pub enroll_window_secs: u64,
    /// Wrong TOTP codes allowed per device per window before lockout.
    pub totp_max_failures: u32,
    /// The window (and lockout) for TOTP failures.
    pub totp_window_secs: u64,
    /// Reports to IT accepted per device per window.
    pub report_max: u32,
    /// The window for reports to IT.
    pub report_window_secs: u64,
    /// The drill time zone, seconds east of UTC (`--drill-utc-offset`, +08:00 by default):
    /// drills' working hours and quarters are in it.
    pub drill_utc_offset_secs: i32,
}

impl Default for DeskConfig {
    fn default() -> DeskConfig {
        DeskConfig {
            cert_ttl_secs: 365 * 86_400,
            enroll_max_failures: 10,
            enroll_window_secs: 15 * 60,
            totp_max_failures: 5,
            totp_window_secs: 15 * 60,
            report_max: 30,
            report_window_secs: 3600,
            drill_utc_offset_secs: crate::drill::schedule::DEFAULT_UTC_OFFSET_SECS,
        }
    }
}

/// The desk.
pub struct Desk {
    store: Arc<dyn DeskStore>,
    org_key: SigningKey,
    org_public: VerifyingKey,
    org_name: String,
    totp_key: Zeroizing<[u8; 32]>,
    code_key: Zeroizing<[u8; 32]>,
    console_key: Zeroizing<[u8; 32]>,
    clock: Arc<dyn Clock>,
    config: DeskConfig,
    hub: Arc<crate::support::Hub>,
    /// News to the other desks on the database, once `serve` started it.
    bus: std::sync::OnceLock<Box<dyn crate::support::Bus>>,
    /// What this desk's connections were last told of the queue (`service/support/queue.rs`).
    queue_news: support::QueueNews,
    /// Where the assigned sessions' frames ended at the last sweep, with other desks
    /// (`service/support/fanout.rs`).
    frame_heads: support::FrameHeadsCache,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("org_name", &self.org_name)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Why a desk cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DeskInitError {
    /// `org init` has not been run.
    #[error("the organisation is not initialised: run `verity-desk org init` first")]
    NoOrg,
    /// The key file and the database disagree.
    #[error("the organisation key does not match the one recorded in the database")]
    KeyMismatch,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

struct Authed {
    device: DeviceRecord,
    now: u64,
}

const MAX_FIELD: usize = 256;

fn check_field(name: &str, value: &str) -> Result<(), ApiError> {
    if value.len() > MAX_FIELD || value.chars().any(proto::is_hidden_char) {
        return Err(ApiError::bad_request(format!(
            "{name} is too long or not printable"
        )));
    }
    Ok(())
}

/// An enrolment code as typed, normalised: case, spaces and dashes do not matter.
fn normalize_code(code: &str) -> Zeroizing<String> {
    Zeroizing::new(
        code.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    )
}

/// How an enrolment code is stored: HMAC-SHA256 of the normalised code under `key`
/// ([`orgkey::enroll_code_key`]), hex.
#[must_use]
pub fn code_hmac(key: &[u8; 32], code: &str) -> String {
    use hmac::Mac;
    let norm = normalize_code(code);
    // HMAC takes a key of any length, so this cannot fail.
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(b"verity-enroll-code-v2:");
    mac.update(norm.as_bytes());
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
}

/// How desks before schema 2 stored a code (unsalted SHA-256): only to find the codes they
/// issued, until those are used or expire.
#[must_use]
pub fn legacy_code_hash(code: &str) -> String {
    let norm = normalize_code(code);
    proto::sha256_hex(format!("verity-enroll-code-v1:{}", norm.as_str()).as_bytes())
}

impl Desk {
    /// A desk over `store`, signing with `org_key`.
    ///
    /// # Errors
    /// [`DeskInitError`].
    pub fn new(
        store: Arc<dyn DeskStore>,
        org_key: SigningKey,
        clock: Arc<dyn Clock>,
        config: DeskConfig,
    ) -> Result<Desk, DeskInitError> {
        let org = store.org()?.ok_or(DeskInitError::NoOrg)?;
        let org_public = org_key.verifying_key();
        if org.public_key != proto::b64(org_public.as_bytes()) {
            return Err(DeskInitError::KeyMismatch);
        }
        Ok(Desk {
            totp_key: orgkey::totp_at_rest_key(&org_key),
            code_key: orgkey::enroll_code_key(&org_key),
            console_key: orgkey::console_key(&org_key),
            store,
            org_key,
            org_public,
            org_name: org.name,
            clock,
            config,
            hub: Arc::default(),
            bus: std::sync::OnceLock::new(),
            queue_news: support::QueueNews::default(),
            frame_heads: support::FrameHeadsCache::default(),
        })
    }

    /// Signs an answer's `body` for a request with `nonce` (`""` for `GET /v1/org`) to the desk
    /// at `origin` ([`proto::response_signing_input`]).
    #[must_use]
    pub fn sign_answer(&self, origin: &str, nonce: &str, body: &[u8]) -> String {
        proto::sign_response(&self.org_key, origin, nonce, body)
    }

    fn feed(&self) -> Result<Option<OrgFeedConfig>, ApiError> {
        Ok(self.store.org_feed()?.map(|f| OrgFeedConfig {
            url: f.url,
            root_json: f.root_json,
        }))
    }

    /// `GET /v1/org?challenge=…`: the organisation and its configuration, with the client's
    /// challenge echoed (the answer is signed, so it is fresh).
    ///
    /// # Errors
    /// [`ApiError`] for a malformed challenge or a store failure.
    pub fn org_answer(&self, challenge: &str) -> Result<OrgAnswer, ApiError> {
        if !challenge.is_empty() && !proto::is_valid_nonce(challenge) {
            return Err(ApiError::bad_request(
                "the challenge must be 16 to 64 base64url characters",
            ));
        }
        let info = self.org_info();
        Ok(OrgAnswer {
            name: info.name,
            public_key: info.public_key,
            fingerprint: info.fingerprint,
            challenge: challenge.to_owned(),
            feed: self.feed()?,
        })
    }

    /// The organisation, as answers name it.
    #[must_use]
    pub fn org_info(&self) -> OrgInfo {
        OrgInfo {
            name: self.org_name.clone(),
            public_key: proto::b64(self.org_public.as_bytes()),
            fingerprint: proto::fingerprint(&self.org_public),
        }
    }

    fn check_timestamp(&self, auth: &RequestAuth) -> Result<u64, ApiError> {
        let now = self.clock.now();
        if auth.timestamp.abs_diff(now) > MAX_CLOCK_SKEW_SECS {
            return Err(ApiError::unauthorized(
                codes::TIMESTAMP_STALE,
                "the request's time is more than 5 minutes from the desk's: check the device clock",
            ));
        }
        Ok(now)
    }

    fn use_nonce(&self, key_id: &str, req: &Incoming, now: u64) -> Result<(), ApiError> {
        let auth = Self::auth_headers(req)?;
        let expires = auth.timestamp.max(now) + MAX_CLOCK_SKEW_SECS + 60;
        if !self.store.use_nonce(key_id, &auth.nonce, expires, now)? {
            tracing::warn!(key_id, "replayed request refused");
            return Err(ApiError::unauthorized(
                codes::NONCE_REPLAYED,
                "this request was already received: a replay",
            ));
        }
        Ok(())
    }

    fn auth_headers(req: &Incoming) -> Result<&RequestAuth, ApiError> {
        let auth = req.auth.as_ref().ok_or_else(|| {
            ApiError::unauthorized(codes::SIGNATURE_INVALID, "the request is not signed")
        })?;
        if !proto::is_valid_nonce(&auth.nonce) {
            return Err(ApiError::unauthorized(
                codes::SIGNATURE_INVALID,
                "bad nonce",
            ));
        }
        Ok(auth)
    }

    /// Authenticates a device request (see the module docs for the order), reading only: the
    /// caller records the nonce with [`Desk::use_nonce`] once its limits have passed.
    fn authenticate(&self, req: &Incoming) -> Result<Authed, ApiError> {
        let auth = Self::auth_headers(req)?;
        let now = self.check_timestamp(auth)?;
        let token = auth.certificate.as_deref().ok_or_else(|| {
            ApiError::unauthorized(codes::CERTIFICATE_INVALID, "no binding certificate")
        })?;
        let cert =
            Certificate::verify(token, &self.org_public, Some(now)).map_err(|e| match e {
                ProtoError::CertificateExpired => ApiError::unauthorized(
                    codes::CERTIFICATE_EXPIRED,
                    "the binding certificate has expired: enrol the device again",
                ),
                other => {
                    tracing::warn!(peer = %req.peer, error = %other, "certificate refused");
                    ApiError::unauthorized(codes::CERTIFICATE_INVALID, other.to_string())
                }
            })?;
        proto::verify_request_signature(cert.device_key(), &req.origin, &req.method, &req.path, &req.body, auth)
            .map_err(|_| {
                tracing::warn!(peer = %req.peer, device = %cert.body().device_id, "bad request signature");
                ApiError::unauthorized(codes::SIGNATURE_INVALID, "the request signature does not verify")
            })?;
        let body = cert.body();
        let device = self.store.device(&body.device_id)?.ok_or_else(|| {
            ApiError::unauthorized(
                codes::DEVICE_UNKNOWN,
                "the desk has no record of this device",
            )
        })?;
        if device.revoked_at.is_some() {
            tracing::warn!(device = %device.device_id, "revoked device refused");
            return Err(ApiError::new(
                403,
                codes::DEVICE_REVOKED,
                "this device's binding was revoked",
            ));
        }
        if device.public_key != body.device_key || device.cert_serial != body.serial {
            return Err(ApiError::unauthorized(
                codes::CERTIFICATE_INVALID,
                "this certificate is not the device's current one",
            ));
        }
        Ok(Authed { device, now })
    }

    fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
        serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("bad JSON: {e}")))
    }

    fn region_gate(
        &self,
        req: &Incoming,
        signals: &proto::RegionSignals,
    ) -> Result<CheckResult, ApiError> {
        let policy = self.store.policy()?;
        let r = check_region(policy.as_ref(), req.peer, signals);
        if r.ok {
            Ok(r)
        } else {
            tracing::info!(peer = %req.peer, code = %r.code, "region check refused a request");
            Err(ApiError {
                status: 403,
                code: code_static(&r.code),
                message: r.message,
            })
        }
    }

    /// `POST /v1/totp/setup`.
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn totp_setup(&self, req: &Incoming) -> Result<TotpSetupResponse, ApiError> {
        let authed = self.authenticate(req)?;
        let body: SignalsRequest = Self::parse(&req.body)?;
        self.region_gate(req, &body.signals)?;
        let d = &authed.device;
        if let Some(t) = self.store.totp(&d.device_id)? {
            if t.confirmed {
                return Err(ApiError::new(
                    409,
                    codes::TOTP_ALREADY_SET_UP,
                    "two-factor authentication is already set up for this device; IT can reset it",
                ));
            }
        }
        self.use_nonce(&d.device_id, req, authed.now)?;
        let account = format!("{} ({})", d.employee_name, d.employee_id);
        let s = totp::new_secret(&format!("Verity {}", self.org_name), &account)?;
        let sealed = totp::seal(&self.totp_key, &d.device_id, &s.secret)?;
        self.store.set_totp(&d.device_id, &sealed)?;
        self.store.clear_failures(FailureKind::Totp, &d.device_id)?;
        tracing::info!(device = %d.device_id, "TOTP secret issued");
        Ok(TotpSetupResponse {
            uri: s.uri.to_string(),
            secret: s.base32.to_string(),
            issuer: s.issuer.clone(),
            account: s.account.clone(),
        })
    }

    fn locked(&self, now: u64, last: Option<u64>) -> CheckResult {
        let until = last.unwrap_or(now) + self.config.totp_window_secs;
        let minutes = until.saturating_sub(now).div_ceil(60).max(1);
        CheckResult::fail(
            codes::TOTP_LOCKED,
            format!("too many wrong codes: two-factor is locked for about {minutes} more minutes"),
        )
    }

    /// The TOTP lockout, read only: a locked device's request is answered without any write
    /// (not even its nonce: a "locked" answer spends nothing, so a replay of it gains nothing).
    fn totp_precheck(&self, device_id: &str, now: u64) -> Result<Option<CheckResult>, ApiError> {
        if self.store.totp(device_id)?.is_none() {
            return Ok(Some(CheckResult::fail(
                codes::TOTP_NOT_SET_UP,
                "two-factor authentication is not set up for this device",
            )));
        }
        let since = now.saturating_sub(self.config.totp_window_secs);
        let (failures, last) = self
            .store
            .failures_since(FailureKind::Totp, device_id, since)?;
        Ok((failures >= self.config.totp_max_failures).then(|| {
            tracing::warn!(device = %device_id, "TOTP locked");
            self.locked(now, last)
        }))
    }

    /// Judges a TOTP code. The attempt is admitted (and counted as a failure) atomically before
    /// the code is looked at, so that at most `totp_max_failures` codes are ever judged per
    /// window, however many arrive at once; a right code releases it.
    fn check_totp(&self, device_id: &str, code: &str, now: u64) -> Result<CheckResult, ApiError> {
        let Some(record) = self.store.totp(device_id)? else {
            return Ok(CheckResult::fail(
                codes::TOTP_NOT_SET_UP,
                "two-factor authentication is not set up for this device",
            ));
        };
        let max = self.config.totp_max_failures;
        let since = now.saturating_sub(self.config.totp_window_secs);
        let (attempt, earlier) =
            match self
                .store
                .begin_attempt(FailureKind::Totp, device_id, since, max, now)?
            {
                Attempt::Refused { last, .. } => {
                    tracing::warn!(device = %device_id, "TOTP locked");
                    return Ok(self.locked(now, last));
                }
                Attempt::Admitted { id, earlier } => (id, earlier),
            };
        let well_formed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
        let secret = totp::open(&self.totp_key, device_id, &record.sealed_secret)?;
        let step = if well_formed {
            totp::matching_step(&secret, code, now)?
        } else {
            None
        };
        let Some(step) = step else {
            let left = max.saturating_sub(earlier + 1);
            tracing::info!(device = %device_id, left, "wrong TOTP code");
            return Ok(CheckResult::fail(
                codes::TOTP_INVALID,
                if left == 0 {
                    "wrong code; too many wrong codes: two-factor is now locked for a while"
                        .to_owned()
                } else {
                    format!("wrong code ({left} attempts left)")
                },
            ));
        };
        if record.last_step.is_some_and(|l| l >= step)
            || !self.store.accept_totp_step(device_id, step)?
        {
            self.store.release_attempt(attempt)?;
            tracing::warn!(device = %device_id, "reused TOTP code refused");
            return Ok(CheckResult::fail(
                codes::TOTP_REUSED,
                "this code was already used: wait for the next one",
            ));
        }
        self.store.clear_failures(FailureKind::Totp, device_id)?;
        Ok(CheckResult::pass(codes::OK, "the code is right"))
    }

    /// The region and two-factor checks of an authenticated device's request (`/v1/verify`,
    /// `/v1/support/open`): the region (a read), the TOTP lockout (a read: a locked device's
    /// request writes nothing), then the nonce (the first write), then the TOTP attempt. Two-factor
    /// is not tried when the region check fails. Returns both results and whether the nonce was
    /// spent.
    fn three_checks(
        &self,
        req: &Incoming,
        device_id: &str,
        now: u64,
        signals: &proto::RegionSignals,
        code: &str,
    ) -> Result<(CheckResult, CheckResult, bool), ApiError> {
        let policy = self.store.policy()?;
        let region = check_region(policy.as_ref(), req.peer, signals);
        let (two_factor, nonce_spent) = if region.ok {
            match self.totp_precheck(device_id, now)? {
                Some(refused) => (refused, false),
                None => {
                    self.use_nonce(device_id, req, now)?;
                    (self.check_totp(device_id, code, now)?, true)
                }
            }
        } else {
            self.use_nonce(device_id, req, now)?;
            (CheckResult::not_checked("the region check failed"), true)
        };
        Ok((region, two_factor, nonce_spent))
    }

    /// `POST /v1/verify`: the three checks. A binding failure is an error (401/403); the region
    /// and two-factor results are in the answer. Two-factor is not tried when the region check
    /// fails, so that a code cannot be spent or guessed from outside the region.
    ///
    /// Order: authentication (reads only), the region check (a read), the TOTP lockout (a read:
    /// a locked device's request writes nothing), then the nonce (the first write), then the
    /// TOTP attempt (admitted atomically, see [`Desk::check_totp`]).
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn verify(&self, req: &Incoming) -> Result<VerifyResponse, ApiError> {
        let authed = self.authenticate(req)?;
        let body: VerifyRequest = Self::parse(&req.body)?;
        let d = &authed.device;
        let now = authed.now;
        if let Some(head) = &body.audit_head {
            self.check_audit_head(d, head)?;
        }
        let (region, two_factor, nonce_spent) =
            self.three_checks(req, &d.device_id, now, &body.signals, &body.totp)?;
        let audit_anchor = match &body.audit_head {
            Some(head) if nonce_spent => self.anchor(&d.device_id, head, now)?,
            _ => None,
        };
        tracing::info!(
            device = %d.device_id,
            region = %region.code,
            two_factor = %two_factor.code,
            "device verified"
        );
        Ok(VerifyResponse {
            device_binding: CheckResult::pass(
                codes::OK,
                format!(
                    "bound to {} for {} ({}), certificate valid until {}",
                    self.org_name, d.employee_name, d.employee_id, d.cert_expires_at
                ),
            ),
            two_factor,
            region,
            feed: self.feed()?,
            audit_anchor,
        })
    }

    /// A signed audit head's shape and signature, by the authenticated device's key.
    fn check_audit_head(&self, d: &DeviceRecord, head: &SignedHead) -> Result<(), ApiError> {
        let key = proto::parse_public_key(&d.public_key, "device key")?;
        proto::verify_audit_head(&key, &d.device_id, head).map_err(|e| {
            tracing::warn!(device = %d.device_id, error = %e, "audit head refused");
            ApiError::bad_request(format!("audit_head: {e}"))
        })
    }

    /// Anchors a (checked) head and countersigns it, unless it goes back behind the one kept.
    fn anchor(
        &self,
        device_id: &str,
        head: &SignedHead,
        now: u64,
    ) -> Result<Option<AuditAnchor>, ApiError> {
        match self
            .store
            .anchor_audit_head(device_id, head.seq, &head.hash, now)?
        {
            AnchorOutcome::Anchored => Ok(Some(proto::sign_audit_anchor(
                &self.org_key,
                device_id,
                head.seq,
                &head.hash,
                now,
            ))),
            AnchorOutcome::Refused { kept } => {
                tracing::warn!(
                    device = %device_id,
                    sent_seq = head.seq,
                    anchored_seq = kept.seq,
                    "audit head goes back behind the one anchored: not countersigned"
                );
                Ok(None)
            }
        }
    }

    /// `POST /v1/unbind`: the device gives up its binding; the desk revokes it.
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn unbind(&self, req: &Incoming) -> Result<serde_json::Value, ApiError> {
        let authed = self.authenticate(req)?;
        self.use_nonce(&authed.device.device_id, req, authed.now)?;
        self.store.revoke_device(
            &authed.device.device_id,
            self.clock.now(),
            "unbound by the device",
        )?;
        tracing::info!(device = %authed.device.device_id, "device unbound itself");
        Ok(serde_json::json!({ "revoked": true }))
    }
}

/// Region refusal codes as `'static` (the check builds owned strings).
fn code_static(code: &str) -> &'static str {
    [
        codes::REGION_ADDRESS,
        codes::REGION_TIMEZONE,
        codes::REGION_LOCALE,
    ]
    .into_iter()
    .find(|c| *c == code)
    .unwrap_or(codes::REGION_ADDRESS)
}
