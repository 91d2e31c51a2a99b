//! The device operations the CLI and the app call: enrol, set up two-factor, verify, show the
//! status, unbind.
//!
//! Each takes a [`DeviceContext`] (data directory, key store choice, clock, detected facts) so the
//! same code serves `verityctl`, the app and the tests. The device key is made here, goes straight
//! into the chosen store, and is only ever held in memory (zeroized on drop by `ed25519-dalek`)
//! while a request is signed.

use crate::client::{ClientError, ClientOptions, DeskClient};
use crate::clock::{Clock, SystemClock};
use crate::keystore::{
    FileKeyStore, KeyStore, KeyStoreChoice, KeyStoreError, KeyStoreKind, OsKeyStore,
};
use crate::proto::{
    self, codes, paths, AgentCertificate, AgentProfile, Certificate, CheckIn, CheckInReceipt,
    CheckResult, DeviceFacts, EnrollRequest, EnrollResponse, OrgAnswer, OrgInfo, ProtoError,
    RegionSignals, Report, ReportOutcome, ReportReceipt, ReportStatusAnswer, ReportStatusRequest,
    SignalsRequest, TotpSetupResponse, VerifyRequest, VerifyResponse,
};
use crate::sealed::{KdfParams, SealError};
use crate::state::{DeviceRole, DeviceState, LastVerify, StateError, TwoFactorState};
use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Everything a device operation needs to know about where it runs.
pub struct DeviceContext {
    /// The data directory (shared with the app and `verityctl`).
    pub data_dir: PathBuf,
    /// Which key store to use for a new key.
    pub key_store: KeyStoreChoice,
    /// The passphrase for the file key store.
    pub passphrase: Option<Zeroizing<Vec<u8>>>,
    /// argon2id parameters for a new key file.
    pub kdf: KdfParams,
    /// The OS store's service name.
    pub os_service: String,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// HTTP client settings.
    pub client: ClientOptions,
    /// Host name, OS, app version.
    pub facts: DeviceFacts,
    /// Time zone and locale.
    pub signals: RegionSignals,
}

impl std::fmt::Debug for DeviceContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceContext")
            .field("data_dir", &self.data_dir)
            .field("key_store", &self.key_store)
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<redacted>"),
            )
            .field("facts", &self.facts)
            .field("signals", &self.signals)
            .finish_non_exhaustive()
    }
}

impl DeviceContext {
    /// A context for `data_dir` with the facts and signals detected from this machine, the wall
    /// clock and the OS key store.
    #[must_use]
    pub fn new(data_dir: PathBuf, app_version: &str) -> DeviceContext {
        DeviceContext {
            data_dir,
            key_store: KeyStoreChoice::Auto,
            passphrase: None,
            kdf: KdfParams::DEFAULT,
            os_service: crate::keystore::OS_SERVICE.to_owned(),
            clock: Arc::new(SystemClock),
            client: ClientOptions::default(),
            facts: crate::facts::detect_facts(app_version),
            signals: crate::facts::detect_signals(),
        }
    }

    fn file_store(&self) -> FileKeyStore {
        FileKeyStore::new(&self.data_dir, self.passphrase.clone(), self.kdf)
    }

    /// The store for a new key: the OS store unless the file store was asked for. The OS store
    /// is probed first, so that "no secure store" is said before anything is sent.
    pub(crate) fn new_key_store(&self) -> Result<Box<dyn KeyStore>, DeviceError> {
        match self.key_store {
            KeyStoreChoice::File => {
                if self.passphrase.is_none() {
                    return Err(KeyStoreError::PassphraseNeeded.into());
                }
                Ok(Box::new(self.file_store()))
            }
            KeyStoreChoice::Auto | KeyStoreChoice::Os => {
                let os = OsKeyStore::new(&self.os_service);
                os.probe()?;
                Ok(Box::new(os))
            }
        }
    }

    /// The store that holds an enrolled device's key (the one recorded in its state).
    fn key_store_of(&self, state: &DeviceState) -> Box<dyn KeyStore> {
        match state.key_store {
            KeyStoreKind::Os => Box::new(OsKeyStore::new(&self.os_service)),
            KeyStoreKind::File => Box::new(self.file_store()),
        }
    }
}

/// Device operation failures. [`DeviceError::code`] gives a stable code for the app.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The device is not enrolled.
    #[error("this device is not bound to an organisation: enrol it first")]
    NotEnrolled,
    /// The device is already enrolled.
    #[error("this device is already bound to {org} for {employee}: unbind it first")]
    AlreadyEnrolled {
        /// The organisation.
        org: String,
        /// The employee.
        employee: String,
    },
    /// Enrolment needs the organisation key fingerprint IT announced, typed by the user.
    #[error("give the organisation key fingerprint IT announced (not one from the link or the desk itself)")]
    FingerprintRequired,
    /// The organisation key does not have the fingerprint IT announced.
    #[error("the desk's organisation key has fingerprint {got}, not the expected {expected}: do not enrol, and tell IT")]
    FingerprintMismatch {
        /// What was expected.
        expected: String,
        /// What the desk has.
        got: String,
    },
    /// The desk returned a certificate that does not bind this device.
    #[error("the desk returned an invalid certificate: {0}")]
    BadCertificate(String),
    /// The operation is an employee's and this is an agent's app, or the reverse.
    #[error("this is {actual} app; the operation needs {needed} app")]
    WrongRole {
        /// What the operation needs ("an employee's", "an agent's").
        needed: &'static str,
        /// What this app is.
        actual: &'static str,
    },
    /// A key store failure.
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
    /// A state file failure.
    #[error(transparent)]
    State(#[from] StateError),
    /// A desk or network failure.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A protocol failure.
    #[error(transparent)]
    Proto(#[from] ProtoError),
}

impl DeviceError {
    /// A stable code: the desk's code when it refused, else one of ours.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            DeviceError::NotEnrolled => "not_enrolled",
            DeviceError::AlreadyEnrolled { .. } => "already_enrolled",
            DeviceError::FingerprintRequired => "fingerprint_required",
            DeviceError::FingerprintMismatch { .. } => "fingerprint_mismatch",
            DeviceError::BadCertificate(_) => "bad_certificate",
            DeviceError::WrongRole { .. } => "wrong_role",
            DeviceError::KeyStore(e) => match e {
                KeyStoreError::NoSecureStore { .. } => "no_secure_store",
                KeyStoreError::Missing { .. } => "device_key_missing",
                KeyStoreError::PassphraseNeeded => "passphrase_needed",
                KeyStoreError::Seal(SealError::WrongPassphrase) => "wrong_passphrase",
                KeyStoreError::Damaged => "device_key_damaged",
                _ => "key_store_failed",
            },
            DeviceError::State(_) => "state_failed",
            DeviceError::Client(ClientError::Refused { code, .. }) => code,
            DeviceError::Client(ClientError::BadUrl { .. }) => "bad_desk_url",
            DeviceError::Client(ClientError::AnswerNotSigned { .. }) => "answer_unsigned",
            DeviceError::Client(_) => "desk_unreachable",
            DeviceError::Proto(ProtoError::Report(r)) => r.code(),
            DeviceError::Proto(_) => "internal",
        }
    }

    /// Whether the user can fix it by changing the input (as opposed to an operational failure).
    #[must_use]
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            DeviceError::NotEnrolled
                | DeviceError::AlreadyEnrolled { .. }
                | DeviceError::FingerprintRequired
                | DeviceError::WrongRole { .. }
                | DeviceError::Client(ClientError::BadUrl { .. })
                | DeviceError::Proto(ProtoError::Report(_))
                | DeviceError::KeyStore(
                    KeyStoreError::PassphraseNeeded
                        | KeyStoreError::Seal(SealError::WrongPassphrase)
                )
        )
    }
}

/// The binding, as `device status` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BindingStatus {
    /// An employee's device or an agent's app.
    pub role: DeviceRole,
    /// An agent's app: who the agent is, from its certificate (verified with the pinned key;
    /// `None` when it does not verify).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentProfile>,
    /// The desk.
    pub desk_url: String,
    /// The pinned organisation.
    pub org: OrgInfo,
    /// The employee.
    pub employee_id: String,
    /// The employee's name.
    pub employee_name: String,
    /// The device id.
    pub device_id: String,
    /// The device key's fingerprint.
    pub device_fingerprint: String,
    /// Which store holds the key.
    pub key_store: KeyStoreKind,
    /// Whether the key is in the store (`None` when the store could not be asked).
    pub key_present: Option<bool>,
    /// Why the store could not be asked.
    pub key_problem: Option<String>,
    /// Certificate issue time.
    pub certificate_issued_at: u64,
    /// Certificate expiry.
    pub certificate_expires_at: u64,
    /// Whether the certificate verifies with the pinned key and is in date.
    pub certificate_ok: bool,
    /// What is wrong with it.
    pub certificate_problem: Option<String>,
    /// Two-factor state.
    pub two_factor: TwoFactorState,
    /// The last verification.
    pub last_verify: Option<LastVerify>,
}

/// `device status`.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceStatus {
    /// Whether the device is bound.
    pub bound: bool,
    /// The binding, when bound.
    #[serde(flatten)]
    pub binding: Option<BindingStatus>,
}

/// What enrolment produced.
#[derive(Debug, Serialize)]
pub struct EnrollOutcome {
    /// The binding.
    pub status: BindingStatus,
    /// The TOTP set-up (shown once), or `None` when it failed.
    pub totp: Option<TotpSetupResponse>,
    /// Why the TOTP set-up failed.
    pub totp_error: Option<String>,
    /// The region check at enrolment (may carry the no-policy warning).
    pub region: CheckResult,
}

/// `device verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// All three passed.
    pub ok: bool,
    /// The binding check.
    pub device_binding: CheckResult,
    /// The two-factor check.
    pub two_factor: CheckResult,
    /// The region check.
    pub region: CheckResult,
    /// The audit head sent with the request, countersigned by the desk (the countersignature
    /// verified with the pinned organisation key, the head the one sent).
    pub audit_anchor: Option<AnchorReceipt>,
    /// Why a head was sent but no anchor is returned (the desk would not countersign it: the
    /// chain went back behind the head it anchored; or its countersignature did not verify).
    pub audit_anchor_problem: Option<String>,
}

/// A head the organisation's desk countersigned, with what a later check of the countersignature
/// needs ([`proto::verify_audit_anchor`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchorReceipt {
    /// The head's sequence number.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
    /// When the desk countersigned it (its Unix seconds).
    pub at: u64,
    /// The countersignature (base64url).
    pub signature: String,
    /// This device's id.
    pub device_id: String,
    /// The organisation key that countersigned (the pinned one, base64url).
    pub org_key: String,
    /// Its fingerprint.
    pub org_fingerprint: String,
}

/// `device unbind`.
#[derive(Debug, Clone, Serialize)]
pub struct UnbindOutcome {
    /// Whether the desk recorded the unbinding (revoking the device).
    pub desk_notified: bool,
    /// Why the desk could not be told.
    pub desk_error: Option<String>,
}

pub(crate) fn status_of(ctx: &DeviceContext, state: &DeviceState) -> BindingStatus {
    let store = ctx.key_store_of(state);
    let (key_present, key_problem) = match store.contains(&state.key_ref) {
        Ok(p) => (Some(p), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let org_key = proto::parse_public_key(&state.org.public_key, "organisation key");
    let now = Some(ctx.clock.now());
    let (cert_check, agent) = match state.role {
        DeviceRole::Employee => (
            org_key.and_then(|k| Certificate::verify(&state.certificate, &k, now).map(|_| ())),
            None,
        ),
        DeviceRole::Agent => {
            match org_key.and_then(|k| AgentCertificate::verify(&state.certificate, &k, now)) {
                Ok(c) => (Ok(()), Some(c.body().agent.clone())),
                Err(e) => (Err(e), None),
            }
        }
    };
    let device_fingerprint = proto::parse_public_key(&state.device_public_key, "device key")
        .map(|k| proto::fingerprint(&k))
        .unwrap_or_default();
    BindingStatus {
        role: state.role,
        agent,
        desk_url: state.desk_url.clone(),
        org: state.org.clone(),
        employee_id: state.employee_id.clone(),
        employee_name: state.employee_name.clone(),
        device_id: state.device_id.clone(),
        device_fingerprint,
        key_store: state.key_store,
        key_present,
        key_problem,
        certificate_issued_at: state.issued_at,
        certificate_expires_at: state.expires_at,
        certificate_ok: cert_check.is_ok(),
        certificate_problem: cert_check.err().map(|e| e.to_string()),
        two_factor: state.two_factor,
        last_verify: state.last_verify.clone(),
    }
}

/// The device's binding, read locally (no network).
///
/// # Errors
/// A damaged state file.
pub fn status(ctx: &DeviceContext) -> Result<DeviceStatus, DeviceError> {
    Ok(match DeviceState::load(&ctx.data_dir)? {
        None => DeviceStatus {
            bound: false,
            binding: None,
        },
        Some(state) => DeviceStatus {
            bound: true,
            binding: Some(status_of(ctx, &state)),
        },
    })
}

/// What the desk at an address says it is, for the user to compare with IT's announcement
/// before anything else is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskPreview {
    /// The desk's address, normalised (as it will be kept).
    pub desk_url: String,
    /// The organisation's name, as the desk gives it.
    pub org_name: String,
    /// The organisation key's fingerprint ([`proto::fingerprint`]), computed here from the key
    /// that signed the answer.
    pub fingerprint: String,
}

/// Asks the desk at `desk_url` who it is: its signed, fresh `GET /v1/org` answer. Nothing is sent
/// but a random challenge; nothing is kept.
///
/// # Errors
/// [`DeviceError`]: a bad address, an unreachable desk, an unsigned or stale answer
/// (`answer_unsigned`).
pub fn preview(ctx: &DeviceContext, desk_url: &str) -> Result<DeskPreview, DeviceError> {
    let client = DeskClient::new(desk_url, &ctx.client)?;
    let org = client.org()?;
    Ok(DeskPreview {
        desk_url: client.base().to_string(),
        org_name: org.name,
        fingerprint: org.fingerprint,
    })
}

/// The checks before any enrolment sends its code: not enrolled yet, a fingerprint typed, a key
/// store that works, and the desk's signed, fresh `/v1/org` answer carrying a key with the typed
/// fingerprint. Returns the client pinned to that key, the answer, the key and the store for the
/// new key.
pub(crate) fn confirmed_desk(
    ctx: &DeviceContext,
    desk_url: &str,
    expected_fingerprint: &str,
) -> Result<(DeskClient, OrgAnswer, VerifyingKey, Box<dyn KeyStore>), DeviceError> {
    if let Some(s) = DeviceState::load(&ctx.data_dir)? {
        return Err(DeviceError::AlreadyEnrolled {
            org: s.org.name,
            employee: s.employee_id,
        });
    }
    let expected = proto::normalize_fingerprint(expected_fingerprint);
    if expected.is_empty() {
        return Err(DeviceError::FingerprintRequired);
    }
    let client = DeskClient::new(desk_url, &ctx.client)?;
    // "No secure store" is said before anything is sent.
    let store = ctx.new_key_store()?;
    // Check the desk's key before the code is sent: a code given to an impostor desk would be
    // spent (and could be replayed to the real one).
    let org = client.org()?;
    if expected != proto::normalize_fingerprint(&org.fingerprint) {
        return Err(DeviceError::FingerprintMismatch {
            expected: expected_fingerprint.trim().to_owned(),
            got: org.fingerprint,
        });
    }
    let org_key: VerifyingKey = proto::parse_public_key(&org.public_key, "organisation key")?;
    Ok((client.with_org_key(org_key), org, org_key, store))
}

/// Enrols this device with the desk at `desk_url` using the one-time `code`, then sets up
/// two-factor authentication. `expected_fingerprint` is the organisation key fingerprint the user
/// typed from IT's announcement (never one taken from the enrolment link or the desk, which come
/// from the same place as the address): the desk's signed, fresh `/v1/org` answer must carry a
/// key with that fingerprint before the code is sent, and every later answer must be signed by
/// that key.
///
/// # Errors
/// [`DeviceError`]; on failure before the binding is kept, the new key is removed again.
pub fn enroll(
    ctx: &DeviceContext,
    desk_url: &str,
    code: &str,
    expected_fingerprint: &str,
) -> Result<EnrollOutcome, DeviceError> {
    let (client, org, org_key, store) = confirmed_desk(ctx, desk_url, expected_fingerprint)?;
    let key = proto::generate_signing_key()?;
    let public = key.verifying_key();
    let device_id = proto::key_id(&public);
    let key_ref = format!("device-{}", &device_id[..16]);
    store.save(&key_ref, &key)?;
    log::info!(
        "device key {key_ref} kept in the {} key store",
        store.kind()
    );

    let bound = (|| -> Result<(DeviceState, CheckResult), DeviceError> {
        let req = EnrollRequest {
            code: code.trim().to_owned(),
            device_key: proto::b64(public.as_bytes()),
            facts: ctx.facts.clone(),
            signals: ctx.signals.clone(),
        };
        let resp: EnrollResponse =
            client.call(paths::ENROLL, &req, &key, None, ctx.clock.as_ref())?;
        let org_fp = proto::fingerprint(&org_key);
        if resp.org.public_key != org.public_key {
            return Err(DeviceError::BadCertificate(
                "the desk names another organisation key than the one confirmed".into(),
            ));
        }
        let cert = Certificate::verify(&resp.certificate, &org_key, Some(ctx.clock.now()))
            .map_err(|e| DeviceError::BadCertificate(e.to_string()))?;
        if cert.device_key() != &public {
            return Err(DeviceError::BadCertificate(
                "it binds another device key".into(),
            ));
        }
        let b = cert.body();
        let state = DeviceState {
            v: 1,
            desk_url: client.base().to_string(),
            desk_ca_pem: ctx
                .client
                .extra_roots_pem
                .as_ref()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            key_store: store.kind(),
            key_ref: key_ref.clone(),
            device_id: device_id.clone(),
            device_public_key: proto::b64(public.as_bytes()),
            role: DeviceRole::Employee,
            certificate: cert.token().to_owned(),
            org: OrgInfo {
                name: b.org_name.clone(),
                public_key: resp.org.public_key.clone(),
                fingerprint: org_fp,
            },
            employee_id: b.employee_id.clone(),
            employee_name: b.employee_name.clone(),
            issued_at: b.issued_at,
            expires_at: b.expires_at,
            two_factor: TwoFactorState::None,
            last_verify: None,
            feed: resp.feed.clone(),
        };
        state.save(&ctx.data_dir)?;
        Ok((state, resp.region))
    })();
    let (mut state, region) = match bound {
        Ok(v) => v,
        Err(e) => {
            if let Err(del) = store.delete(&key_ref) {
                log::warn!("could not remove the unused device key {key_ref}: {del}");
            }
            return Err(e);
        }
    };
    log::info!("device {device_id} bound to {}", state.org.name);

    // Two-factor set-up, right after binding.
    let (totp, totp_error) = match totp_setup_with(ctx, &client, &mut state, &key) {
        Ok(t) => (Some(t), None),
        Err(e) => (None, Some(e.to_string())),
    };
    Ok(EnrollOutcome {
        status: status_of(ctx, &state),
        totp,
        totp_error,
        region,
    })
}

fn totp_setup_with(
    ctx: &DeviceContext,
    client: &DeskClient,
    state: &mut DeviceState,
    key: &ed25519_dalek::SigningKey,
) -> Result<TotpSetupResponse, DeviceError> {
    let req = SignalsRequest {
        signals: ctx.signals.clone(),
    };
    let totp: TotpSetupResponse = client.call(
        paths::TOTP_SETUP,
        &req,
        key,
        Some(&state.certificate),
        ctx.clock.as_ref(),
    )?;
    state.two_factor = TwoFactorState::Pending;
    state.save(&ctx.data_dir)?;
    Ok(totp)
}

/// The client options for an enrolled device: the context's, plus the CA kept at enrolment.
fn client_options(ctx: &DeviceContext, state: &DeviceState) -> ClientOptions {
    let mut o = ctx.client.clone();
    if o.extra_roots_pem.is_none() {
        o.extra_roots_pem = state.desk_ca_pem.as_ref().map(|p| p.as_bytes().to_vec());
    }
    o
}

fn load_bound(
    ctx: &DeviceContext,
) -> Result<(DeviceState, ed25519_dalek::SigningKey, DeskClient), DeviceError> {
    load_as(ctx, DeviceRole::Employee)
}

/// The state, key and pinned client of an app enrolled as `role`.
///
/// # Errors
/// [`DeviceError::NotEnrolled`], [`DeviceError::WrongRole`], the key store, the client.
pub(crate) fn load_as(
    ctx: &DeviceContext,
    role: DeviceRole,
) -> Result<(DeviceState, ed25519_dalek::SigningKey, DeskClient), DeviceError> {
    let state = DeviceState::load(&ctx.data_dir)?.ok_or(DeviceError::NotEnrolled)?;
    if state.role != role {
        return Err(DeviceError::WrongRole {
            needed: role_words(role),
            actual: role_words(state.role),
        });
    }
    let key = ctx.key_store_of(&state).load(&state.key_ref)?;
    let client = pinned_client(ctx, &state)?;
    Ok((state, key, client))
}

fn role_words(role: DeviceRole) -> &'static str {
    match role {
        DeviceRole::Employee => "an employee's",
        DeviceRole::Agent => "an agent's",
    }
}

/// A client for the enrolled desk that believes only answers signed by the pinned key.
pub(crate) fn pinned_client(
    ctx: &DeviceContext,
    state: &DeviceState,
) -> Result<DeskClient, DeviceError> {
    let org_key = proto::parse_public_key(&state.org.public_key, "organisation key")?;
    Ok(DeskClient::new(&state.desk_url, &client_options(ctx, state))?.with_org_key(org_key))
}

/// Sets up two-factor authentication again (allowed until a code has been accepted).
///
/// # Errors
/// [`DeviceError`].
pub fn totp_setup(ctx: &DeviceContext) -> Result<TotpSetupResponse, DeviceError> {
    let (mut state, key, client) = load_bound(ctx)?;
    totp_setup_with(ctx, &client, &mut state, &key)
}

/// Codes with which the desk refuses a request before any check runs: the binding failed.
const BINDING_CODES: &[&str] = &[
    codes::TIMESTAMP_STALE,
    codes::NONCE_REPLAYED,
    codes::SIGNATURE_INVALID,
    codes::CERTIFICATE_INVALID,
    codes::CERTIFICATE_EXPIRED,
    codes::DEVICE_UNKNOWN,
    codes::DEVICE_REVOKED,
];

/// Runs the three checks against the desk with the current TOTP code, and records the result.
/// `audit_head` is the checklist audit chain's head (sequence number, hash), if the log has
/// records: it is signed with the device key and sent for the desk to countersign; the anchor
/// that comes back is checked (countersigned by the pinned organisation key, for this device,
/// the head that was sent) before it is returned.
///
/// # Errors
/// [`DeviceError`] when the checks could not be run at all (not enrolled, key store, network,
/// a malformed head); a failed check is a result, not an error.
pub fn verify(
    ctx: &DeviceContext,
    totp_code: &str,
    audit_head: Option<(u64, &str)>,
) -> Result<VerifyReport, DeviceError> {
    let (mut state, key, client) = load_bound(ctx)?;
    let signed_head = audit_head
        .map(|(seq, hash)| proto::sign_audit_head(&key, &state.device_id, seq, hash))
        .transpose()?;
    let req = VerifyRequest {
        totp: totp_code.trim().to_owned(),
        signals: ctx.signals.clone(),
        audit_head: signed_head.clone(),
    };
    let resp = match client.call::<_, VerifyResponse>(
        paths::VERIFY,
        &req,
        &key,
        Some(&state.certificate),
        ctx.clock.as_ref(),
    ) {
        Ok(r) => r,
        Err(ClientError::Refused { code, message, .. })
            if BINDING_CODES.contains(&code.as_str()) =>
        {
            VerifyResponse {
                device_binding: CheckResult::fail(&code, message),
                two_factor: CheckResult::not_checked("the device binding failed"),
                region: CheckResult::not_checked("the device binding failed"),
                feed: None,
                audit_anchor: None,
            }
        }
        Err(e) => return Err(e.into()),
    };
    if resp.two_factor.ok {
        state.two_factor = TwoFactorState::Active;
    }
    // A binding refusal carries no configuration; a signed answer of the checks does.
    if resp.device_binding.ok {
        state.feed.clone_from(&resp.feed);
    }
    state.last_verify = Some(LastVerify {
        at: ctx.clock.now(),
        device_binding: resp.device_binding.clone(),
        two_factor: resp.two_factor.clone(),
        region: resp.region.clone(),
    });
    state.save(&ctx.data_dir)?;
    let (audit_anchor, audit_anchor_problem) = match (&signed_head, resp.device_binding.ok) {
        (Some(sent), true) => match check_anchor(&state, sent, resp.audit_anchor.as_ref()) {
            Ok(a) => (Some(a), None),
            Err(why) => {
                log::warn!("audit head #{} not anchored: {why}", sent.seq);
                (None, Some(why))
            }
        },
        _ => (None, None),
    };
    Ok(VerifyReport {
        ok: resp.all_ok(),
        device_binding: resp.device_binding,
        two_factor: resp.two_factor,
        region: resp.region,
        audit_anchor,
        audit_anchor_problem,
    })
}

/// The desk's answer to the head `sent`: its countersignature verified with the pinned
/// organisation key, for this device, over the head that was sent.
fn check_anchor(
    state: &DeviceState,
    sent: &proto::SignedHead,
    anchor: Option<&proto::AuditAnchor>,
) -> Result<AnchorReceipt, String> {
    let Some(a) = anchor else {
        return Err(
            "the desk did not countersign it: it holds a later or different head for this device"
                .to_owned(),
        );
    };
    if a.seq != sent.seq || a.hash != sent.hash {
        return Err("the desk countersigned another head than the one sent".to_owned());
    }
    let org_key = proto::parse_public_key(&state.org.public_key, "organisation key")
        .map_err(|e| e.to_string())?;
    proto::verify_audit_anchor(&org_key, &state.device_id, a).map_err(|e| e.to_string())?;
    Ok(AnchorReceipt {
        seq: a.seq,
        hash: a.hash.clone(),
        at: a.at,
        signature: a.signature.clone(),
        device_id: state.device_id.clone(),
        org_key: state.org.public_key.clone(),
        org_fingerprint: proto::fingerprint(&org_key),
    })
}

/// "Report to IT": sends `report` to the organisation's desk in a signed request and returns the
/// desk's (signed) receipt. The report is validated first ([`Report::validate`]): a refused
/// field is [`DeviceError::Proto`] with [`ProtoError::Report`], and nothing is sent.
///
/// # Errors
/// [`DeviceError`]: not enrolled, a refused field, the key store, the network, or the desk's
/// refusal (`ClientError::Refused` with its code: a revoked device, `report_rate_limited`…).
pub fn report(ctx: &DeviceContext, report: &Report) -> Result<ReportReceipt, DeviceError> {
    report
        .validate(Some(ctx.clock.now()))
        .map_err(ProtoError::Report)?;
    let (state, key, client) = load_bound(ctx)?;
    Ok(client.call::<_, ReportReceipt>(
        paths::REPORT,
        report,
        &key,
        Some(&state.certificate),
        ctx.clock.as_ref(),
    )?)
}

/// Tells the desk how this device's protection looks ([`proto::CheckIn`]); the desk's receipt.
///
/// # Errors
/// [`DeviceError`]: a field refused before sending ([`ProtoError::CheckIn`]), not enrolled, the
/// key store, the network, or the desk's refusal.
pub fn check_in(ctx: &DeviceContext, checkin: &CheckIn) -> Result<CheckInReceipt, DeviceError> {
    checkin
        .validate(Some(ctx.clock.now()))
        .map_err(ProtoError::CheckIn)?;
    let (state, key, client) = load_bound(ctx)?;
    Ok(client.call::<_, CheckInReceipt>(
        paths::CHECKIN,
        checkin,
        &key,
        Some(&state.certificate),
        ctx.clock.as_ref(),
    )?)
}

/// Where this device's reports `ids` (numbers from its receipts) stand at the desk: the ones it
/// sent, in the order asked; numbers the desk does not know, or another device's, are left out.
///
/// # Errors
/// [`DeviceError`]: not enrolled, the key store, the network, or the desk's refusal (more than
/// [`proto::MAX_REPORT_STATUS_IDS`] numbers, or none: `bad_request`).
pub fn report_status(ctx: &DeviceContext, ids: &[u64]) -> Result<Vec<ReportOutcome>, DeviceError> {
    let (state, key, client) = load_bound(ctx)?;
    let answer: ReportStatusAnswer = client.call(
        paths::REPORT_STATUS,
        &ReportStatusRequest { ids: ids.to_vec() },
        &key,
        Some(&state.certificate),
        ctx.clock.as_ref(),
    )?;
    Ok(answer.reports)
}

/// Asks the desk for this device's scam-drill lures and the organisation's drill programme
/// (`POST /v1/drill/lures`). The answer is signed by the organisation key like every answer; the
/// lures in it are **not** verified here: the caller verifies each token with
/// [`proto::drill::LureBody::verify`] under [`drill_identity`] before believing it is a drill.
///
/// # Errors
/// [`DeviceError`]: not enrolled (or an agent's app), the key store, the network, or the desk's
/// refusal.
pub fn drill_lures(ctx: &DeviceContext) -> Result<proto::drill::LuresAnswer, DeviceError> {
    let (state, key, client) = load_bound(ctx)?;
    let answer: proto::drill::LuresAnswer = client.call(
        paths::DRILL_LURES,
        &proto::drill::LuresRequest {},
        &key,
        Some(&state.certificate),
        ctx.clock.as_ref(),
    )?;
    if answer.lures.len() > proto::drill::MAX_LURES {
        return Err(ClientError::BadResponse("too many drill lures".into()).into());
    }
    Ok(answer)
}

/// Tells the desk what became of a drill lure (`POST /v1/drill/outcome`); the desk's receipt
/// (what it holds: the first final outcome wins). The outcome is validated first: a refused
/// field is `ProtoError::Json` naming it, and nothing is sent.
///
/// # Errors
/// [`DeviceError`]: a field refused, not enrolled, the key store, the network, or the desk's
/// refusal (`drill_unknown`, `drill_outcome_invalid`).
pub fn drill_outcome(
    ctx: &DeviceContext,
    outcome: &proto::drill::DrillOutcome,
) -> Result<proto::drill::OutcomeReceipt, DeviceError> {
    outcome
        .validate(Some(ctx.clock.now()))
        .map_err(|e| ProtoError::Json(e.to_string()))?;
    let (state, key, client) = load_bound(ctx)?;
    Ok(client.call(
        paths::DRILL_OUTCOME,
        outcome,
        &key,
        Some(&state.certificate),
        ctx.clock.as_ref(),
    )?)
}

/// What a lure must be signed for to be believed a drill: the organisation key this device
/// pinned at enrolment and its own device id. Read locally (no key store, no network).
///
/// # Errors
/// [`DeviceError::NotEnrolled`], a damaged state file or pinned key.
pub fn drill_identity(data_dir: &std::path::Path) -> Result<(VerifyingKey, String), DeviceError> {
    let state = DeviceState::load(data_dir)?.ok_or(DeviceError::NotEnrolled)?;
    let key = proto::parse_public_key(&state.org.public_key, "organisation key")?;
    Ok((key, state.device_id))
}

/// Gives up the binding: tells the desk (which revokes the device) when `tell_desk`, then removes
/// the key and the state. The local unbinding happens even when the desk cannot be reached.
///
/// # Errors
/// [`DeviceError`] for local failures; when telling the desk, a key file whose passphrase is
/// missing or wrong stops the unbinding before anything is removed.
pub fn unbind(ctx: &DeviceContext, tell_desk: bool) -> Result<UnbindOutcome, DeviceError> {
    let state = DeviceState::load(&ctx.data_dir)?.ok_or(DeviceError::NotEnrolled)?;
    let store = ctx.key_store_of(&state);
    let mut outcome = UnbindOutcome {
        desk_notified: false,
        desk_error: None,
    };
    if tell_desk {
        // A key file that cannot be opened for want of the right passphrase is the user's to fix:
        // say so, rather than forget the key and leave the desk holding a live binding.
        let key = match store.load(&state.key_ref) {
            Err(
                e @ (KeyStoreError::PassphraseNeeded
                | KeyStoreError::Seal(SealError::WrongPassphrase)),
            ) => return Err(e.into()),
            other => other,
        };
        let told = (|| -> Result<(), DeviceError> {
            let key = key?;
            let client = pinned_client(ctx, &state)?;
            let _: serde_json::Value = client.call(
                paths::UNBIND,
                &serde_json::json!({}),
                &key,
                Some(&state.certificate),
                ctx.clock.as_ref(),
            )?;
            Ok(())
        })();
        match told {
            Ok(()) => outcome.desk_notified = true,
            Err(e) => outcome.desk_error = Some(e.to_string()),
        }
    }
    store.delete(&state.key_ref)?;
    DeviceState::remove(&ctx.data_dir)?;
    Ok(outcome)
}

/// The organisation's threat feed, for the app to use as its feed trust anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgFeed {
    /// The feed's base URL.
    pub url: String,
    /// Its TUF `root.json`.
    pub root_json: String,
    /// The fingerprint of the organisation key that signed the configuration (the pinned one).
    pub org_fingerprint: String,
}

/// The organisation's threat feed as the desk last gave it (signed by the pinned organisation
/// key, at enrolment or the last verification), read locally. `None` when the device is not
/// enrolled or the organisation has set no feed.
///
/// # Errors
/// A damaged state file.
pub fn org_feed(ctx: &DeviceContext) -> Result<Option<OrgFeed>, DeviceError> {
    Ok(DeviceState::load(&ctx.data_dir)?.and_then(|s| {
        s.feed.map(|f| OrgFeed {
            url: f.url,
            root_json: f.root_json,
            org_fingerprint: s.org.fingerprint,
        })
    }))
}
