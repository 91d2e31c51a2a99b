//! Device binding over IPC: bind this device to the organisation's desk, set up two-factor, run
//! the three checks (device binding, two-factor, region), show the binding, unbind. Thin adapters
//! over `verity_device::device`, the code `verityctl device` runs, on the same data directory (so
//! both agree on `device.json`). Every desk call runs on a blocking thread, one device operation
//! at a time.
//!
//! The device key lives in the OS secure store. Where there is none, enrolment fails with
//! `no_secure_store` and the UI offers the opt-in passphrase-encrypted file store; the passphrase
//! is taken per call, used for the operation, zeroized, and never stored or logged.

use crate::error::{CmdResult, ErrorCode, ErrorReason, IpcError};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use specta::Type;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tauri::State;
use verity_core::clock::Timestamp;
use verity_device::client::ClientError;
use verity_device::device::{self as ops, BindingStatus};
use verity_device::proto::{CheckResult, RegionSignals, TotpSetupResponse};
use verity_device::state::TwoFactorState;
use verity_device::{
    Clock, DeviceContext, DeviceError, KdfParams, KeyStoreChoice, KeyStoreError, KeyStoreKind,
};
use zeroize::Zeroizing;

/// The longest desk address, enrolment code, fingerprint or TOTP code accepted.
const MAX_FIELD: usize = 2048;
/// The longest enrolment link.
const MAX_LINK: usize = 4096;
/// The longest passphrase.
const MAX_PASSPHRASE: usize = verity_flows::device::MAX_PASSPHRASE_BYTES;
/// The largest extra CA certificate bundle (PEM).
const MAX_DESK_CA: usize = 64 * 1024;

/// How the app runs device operations: where keys go, the clock, the region signals. The app uses
/// [`DeviceConfig::default`]; tests substitute a clock, a fast key derivation and fixed signals.
#[derive(Clone)]
pub struct DeviceConfig {
    /// argon2id parameters for a new key file.
    pub kdf: KdfParams,
    /// The OS store's service name.
    pub os_service: String,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// The time zone and locale to report instead of the system's (tests).
    pub signals: Option<RegionSignals>,
    /// One device operation at a time (a double click must not enrol twice).
    lock: Arc<Mutex<()>>,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        DeviceConfig {
            kdf: KdfParams::DEFAULT,
            os_service: verity_device::keystore::OS_SERVICE.to_owned(),
            clock: Arc::new(crate::clock::ShellClock),
            signals: None,
            lock: Arc::default(),
        }
    }
}

impl std::fmt::Debug for DeviceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceConfig")
            .field("os_service", &self.os_service)
            .field("signals", &self.signals)
            .finish_non_exhaustive()
    }
}

impl DeviceConfig {
    /// A context for a long-lived operation (a support session's driver), with `passphrase`.
    pub(crate) fn context_for(
        &self,
        data_dir: PathBuf,
        passphrase: Option<Passphrase>,
    ) -> DeviceContext {
        self.context(data_dir, passphrase)
    }

    /// The configured clock's time, Unix seconds.
    pub(crate) fn now(&self) -> u64 {
        self.clock.now()
    }

    fn context(&self, data_dir: PathBuf, passphrase: Option<Passphrase>) -> DeviceContext {
        let mut ctx = DeviceContext::new(data_dir, env!("CARGO_PKG_VERSION"));
        ctx.kdf = self.kdf;
        ctx.os_service.clone_from(&self.os_service);
        ctx.clock = self.clock.clone();
        if let Some(s) = &self.signals {
            ctx.signals = s.clone();
        }
        ctx.passphrase = passphrase.map(|p| p.0);
        ctx
    }

    /// Runs `op` on a blocking thread with a context for `data_dir`, holding the device lock.
    pub(crate) async fn run<T: Send + 'static, E: Into<IpcError> + Send + 'static>(
        &self,
        data_dir: PathBuf,
        passphrase: Option<Passphrase>,
        op: impl FnOnce(&mut DeviceContext) -> Result<T, E> + Send + 'static,
    ) -> CmdResult<T> {
        let config = self.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let _one_at_a_time = config
                .lock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut ctx = config.context(data_dir, passphrase);
            op(&mut ctx).map_err(Into::into)
        })
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, format!("device task failed: {e}")))?
    }
}

/// A passphrase from the UI: held zeroized, never logged.
pub(crate) struct Passphrase(Zeroizing<Vec<u8>>);

impl Passphrase {
    /// `None` for an absent or empty passphrase; too long is refused.
    pub(crate) fn from_arg(p: Option<String>) -> CmdResult<Option<Passphrase>> {
        let Some(p) = p else { return Ok(None) };
        // `into_bytes` keeps the same buffer, which is zeroized when dropped.
        let bytes = Zeroizing::new(p.into_bytes());
        if bytes.is_empty() {
            return Ok(None);
        }
        if bytes.len() > MAX_PASSPHRASE {
            return Err(invalid("the passphrase is too long"));
        }
        Ok(Some(Passphrase(bytes)))
    }
}

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

fn capped(value: &str, max: usize, what: &str) -> CmdResult<()> {
    if value.len() > max {
        return Err(invalid(format!("the {what} is too long")));
    }
    Ok(())
}

fn optional(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl From<DeviceError> for IpcError {
    fn from(e: DeviceError) -> Self {
        let (code, reason) = match &e {
            DeviceError::NotEnrolled => (ErrorCode::NotEnrolled, None),
            DeviceError::AlreadyEnrolled { .. } => (ErrorCode::AlreadyEnrolled, None),
            DeviceError::FingerprintMismatch { .. } => (ErrorCode::FingerprintMismatch, None),
            DeviceError::FingerprintRequired => (
                ErrorCode::InvalidInput,
                Some(ErrorReason::FingerprintRequired),
            ),
            DeviceError::KeyStore(k) => (
                match k {
                    KeyStoreError::NoSecureStore { .. } => ErrorCode::NoSecureStore,
                    KeyStoreError::PassphraseNeeded => ErrorCode::PassphraseNeeded,
                    KeyStoreError::Seal(verity_device::SealError::WrongPassphrase) => {
                        ErrorCode::WrongPassphrase
                    }
                    _ => ErrorCode::KeyStore,
                },
                None,
            ),
            DeviceError::Client(ClientError::Refused { code, .. }) => {
                (ErrorCode::DeskRefused, Some(ErrorReason::from_code(code)))
            }
            DeviceError::Client(ClientError::BadUrl { .. }) => (ErrorCode::BadDeskUrl, None),
            // Not the desk's word (an impostor, a relay, a proxy's error page): never a refusal.
            DeviceError::Client(ClientError::AnswerNotSigned { .. }) => (
                ErrorCode::DeskUnreachable,
                Some(ErrorReason::AnswerUnsigned),
            ),
            DeviceError::Client(_) | DeviceError::BadCertificate(_) => {
                (ErrorCode::DeskUnreachable, None)
            }
            // A report field refused before sending (the employee's note, in practice).
            DeviceError::Proto(verity_device::ProtoError::Report(r)) => (
                ErrorCode::InvalidInput,
                Some(ErrorReason::from_code(r.code())),
            ),
            // An employee's operation on an agent's app, or the reverse.
            DeviceError::WrongRole { .. } => {
                (ErrorCode::InvalidInput, Some(ErrorReason::Forbidden))
            }
            DeviceError::State(_) | DeviceError::Proto(_) => (ErrorCode::Internal, None),
        };
        // The crate's words for these name CLI flags; the app words the code itself.
        let message = match &e {
            DeviceError::KeyStore(KeyStoreError::NoSecureStore { detail }) => {
                format!("no secure key store is usable on this device ({detail})")
            }
            DeviceError::KeyStore(KeyStoreError::PassphraseNeeded) => {
                "the device key is in a passphrase-encrypted file: give its passphrase".to_owned()
            }
            other => other.to_string(),
        };
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        log::warn!("device: {message} ({})", e.code());
        let mut err = IpcError::new(code, message);
        err.reason = reason;
        err
    }
}

// ---- What crosses IPC --------------------------------------------------------------------------

/// Where the device key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKeyStore {
    /// The OS secure store (Keychain, Credential Manager, Secret Service).
    Os,
    /// A passphrase-encrypted file in the data directory (opt-in, where no OS store is usable).
    File,
}

impl From<KeyStoreKind> for DeviceKeyStore {
    fn from(k: KeyStoreKind) -> Self {
        match k {
            KeyStoreKind::Os => DeviceKeyStore::Os,
            KeyStoreKind::File => DeviceKeyStore::File,
        }
    }
}

/// Where two-factor authentication stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum TwoFactor {
    /// Not set up.
    None,
    /// A secret was issued; no code has been accepted yet.
    Pending,
    /// A code was accepted: the authenticator app works.
    Active,
}

impl From<TwoFactorState> for TwoFactor {
    fn from(s: TwoFactorState) -> Self {
        match s {
            TwoFactorState::None => TwoFactor::None,
            TwoFactorState::Pending => TwoFactor::Pending,
            TwoFactorState::Active => TwoFactor::Active,
        }
    }
}

/// One check's result. `code` is the desk's (`ok`, `region_no_policy`, `totp_invalid`,
/// `device_revoked`, `not_checked`…), which the UI words; `message` is English, for details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct DeviceCheck {
    /// Whether it passed.
    pub ok: bool,
    /// What happened, as a code.
    pub code: String,
    /// What happened, in English.
    pub message: String,
}

impl From<CheckResult> for DeviceCheck {
    fn from(c: CheckResult) -> Self {
        DeviceCheck {
            ok: c.ok,
            code: c.code,
            message: c.message,
        }
    }
}

/// The three checks of "verify my device".
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceChecks {
    /// All three passed.
    pub ok: bool,
    /// Bound: certificate valid, not revoked, request signed by the device key.
    pub device_binding: DeviceCheck,
    /// The authenticator code was right.
    pub two_factor: DeviceCheck,
    /// The request came from the permitted region.
    pub region: DeviceCheck,
}

/// The last "verify my device", as recorded in the device state.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LastDeviceCheck {
    /// When.
    pub at: Timestamp,
    /// The three results.
    pub checks: DeviceChecks,
}

/// A bound device, as the Device screen shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceBinding {
    /// The desk's address.
    pub desk_url: String,
    /// The organisation.
    pub org_name: String,
    /// The organisation key's fingerprint, to compare with the one IT announced.
    pub org_fingerprint: String,
    /// The employee.
    pub employee_id: String,
    /// The employee's name.
    pub employee_name: String,
    /// The device id.
    pub device_id: String,
    /// The device key's fingerprint.
    pub device_fingerprint: String,
    /// Where the device key is kept.
    pub key_store: DeviceKeyStore,
    /// Whether the key is in its store (`null` when the store could not be asked).
    pub key_present: Option<bool>,
    /// Why the store could not be asked.
    pub key_problem: Option<String>,
    /// When the binding certificate was issued.
    pub certificate_issued_at: Timestamp,
    /// When it expires.
    pub certificate_expires_at: Timestamp,
    /// Whether it verifies with the pinned organisation key and is in date.
    pub certificate_ok: bool,
    /// What is wrong with it.
    pub certificate_problem: Option<String>,
    /// Two-factor state.
    pub two_factor: TwoFactor,
    /// The last "verify my device" (holds the last region check).
    pub last_check: Option<LastDeviceCheck>,
}

fn timestamp(secs: u64) -> Timestamp {
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

impl From<BindingStatus> for DeviceBinding {
    fn from(s: BindingStatus) -> Self {
        DeviceBinding {
            desk_url: s.desk_url,
            org_name: s.org.name,
            org_fingerprint: s.org.fingerprint,
            employee_id: s.employee_id,
            employee_name: s.employee_name,
            device_id: s.device_id,
            device_fingerprint: s.device_fingerprint,
            key_store: s.key_store.into(),
            key_present: s.key_present,
            key_problem: s.key_problem,
            certificate_issued_at: timestamp(s.certificate_issued_at),
            certificate_expires_at: timestamp(s.certificate_expires_at),
            certificate_ok: s.certificate_ok,
            certificate_problem: s.certificate_problem,
            two_factor: s.two_factor.into(),
            last_check: s.last_verify.map(|l| {
                let checks = DeviceChecks {
                    ok: l.device_binding.ok && l.two_factor.ok && l.region.ok,
                    device_binding: l.device_binding.into(),
                    two_factor: l.two_factor.into(),
                    region: l.region.into(),
                };
                LastDeviceCheck {
                    at: timestamp(l.at),
                    checks,
                }
            }),
        }
    }
}

/// Whether this device is bound, and to what.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceStatus {
    /// Whether the device is bound.
    pub bound: bool,
    /// The binding, when bound.
    pub binding: Option<DeviceBinding>,
}

/// Two-factor set-up for an authenticator app: shown once, never stored by the device.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TotpSetup {
    /// `otpauth://totp/…`, for the QR code.
    pub uri: String,
    /// The secret in base32, to type in.
    pub secret: String,
    /// The issuer the authenticator shows.
    pub issuer: String,
    /// The account the authenticator shows.
    pub account: String,
}

impl From<&TotpSetupResponse> for TotpSetup {
    fn from(t: &TotpSetupResponse) -> Self {
        TotpSetup {
            uri: t.uri.clone(),
            secret: t.secret.clone(),
            issuer: t.issuer.clone(),
            account: t.account.clone(),
        }
    }
}

/// What enrolment produced.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceEnrolled {
    /// The binding (organisation and fingerprint, employee, device fingerprint, expiry).
    pub binding: DeviceBinding,
    /// The two-factor set-up, or `null` when it failed (see `totpError`; set it up again).
    pub totp: Option<TotpSetup>,
    /// Why the two-factor set-up failed.
    pub totp_error: Option<String>,
    /// The region check at enrolment (may be the no-policy warning).
    pub region: DeviceCheck,
}

/// What unbinding did.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceUnbound {
    /// Whether the desk recorded it (and revoked the device).
    pub desk_notified: bool,
    /// Why the desk could not be told (then IT must revoke the device).
    pub desk_error: Option<String>,
}

// ---- Commands ----------------------------------------------------------------------------------

/// Whether this device is bound, read from `device.json` (no network).
#[tauri::command]
#[specta::specta]
pub async fn device_status(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
) -> CmdResult<DeviceStatus> {
    let status = config
        .run(state.data_dir().to_path_buf(), None, |ctx| ops::status(ctx))
        .await?;
    Ok(DeviceStatus {
        bound: status.bound,
        binding: status.binding.map(DeviceBinding::from),
    })
}

/// Who the desk at `target` (a desk address, or IT's `verity://enroll` link) says it is, from
/// its signed, fresh answer: its address, the organisation's name and the fingerprint of the key
/// that signed (computed here). Nothing but a random challenge is sent; nothing is kept. The
/// enrolment screen shows it beside the fingerprint the user typed before any code is sent.
#[tauri::command]
#[specta::specta]
pub async fn device_preview(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    target: String,
    desk_ca: Option<String>,
) -> CmdResult<DeskPreview> {
    capped(&target, MAX_LINK, "desk address")?;
    let target = target.trim().to_owned();
    let from_link = target.starts_with("verity:");
    let desk_url = if from_link {
        verity_device::link::parse_enroll_link(&target)
            .map_err(|e| invalid(format!("bad enrolment link: {e}")))?
            .desk
    } else {
        target
    };
    if desk_url.is_empty() {
        return Err(invalid("give the desk address"));
    }
    let desk_ca = optional(desk_ca);
    if let Some(ca) = &desk_ca {
        capped(ca, MAX_DESK_CA, "CA certificate")?;
    }
    let preview = config
        .run(state.data_dir().to_path_buf(), None, move |ctx| {
            ctx.client.extra_roots_pem = desk_ca.map(String::into_bytes);
            ops::preview(ctx, &desk_url)
        })
        .await?;
    Ok(DeskPreview {
        desk_url: preview.desk_url,
        org_name: preview.org_name,
        fingerprint: preview.fingerprint,
    })
}

/// What a desk says it is, for the enrolment confirmation.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeskPreview {
    /// The desk's address, as it will be kept.
    pub desk_url: String,
    /// The organisation's name, as the desk gives it.
    pub org_name: String,
    /// The fingerprint of the key that signed the desk's answer.
    pub fingerprint: String,
}

/// Binds this device to the desk at `desk_url` with IT's one-time `code`, then sets up
/// two-factor. `fingerprint` is the organisation key fingerprint the user typed from IT's
/// announcement (required: null or blank is `invalid_input` with reason `fingerprint_required`): a
/// desk with another key is refused before the code is sent, and every answer must be signed by
/// that key. `key_store` is `os` unless the user opted for the passphrase file (`passphrase` as
/// `verity_flows::device::check_new_passphrase` requires). `desk_ca` is an extra CA certificate
/// (PEM) for a desk with a private certificate authority.
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub async fn device_enroll(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    desk_url: String,
    code: String,
    fingerprint: Option<String>,
    key_store: DeviceKeyStore,
    passphrase: Option<String>,
    desk_ca: Option<String>,
) -> CmdResult<DeviceEnrolled> {
    let passphrase = Passphrase::from_arg(passphrase)?;
    capped(&desk_url, MAX_FIELD, "desk address")?;
    capped(&code, MAX_FIELD, "code")?;
    let desk_url = desk_url.trim().to_owned();
    let code = code.trim().to_owned();
    if desk_url.is_empty() || code.is_empty() {
        return Err(invalid("give the desk address and the one-time code"));
    }
    enroll(
        &state,
        &config,
        Enrolment {
            desk_url,
            code,
            fingerprint: optional(fingerprint),
            key_store,
            passphrase,
            desk_ca: optional(desk_ca),
        },
    )
    .await
}

/// Binds this device with a `verity://enroll?desk=…&code=…[&fp=…]` link from IT. `fingerprint`
/// is the one the user typed (required, as for [`device_enroll`]); a link's `fp` never counts,
/// since the link comes from the same place as the desk address in it.
#[tauri::command]
#[specta::specta]
pub async fn device_enroll_link(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    link: String,
    fingerprint: Option<String>,
    key_store: DeviceKeyStore,
    passphrase: Option<String>,
    desk_ca: Option<String>,
) -> CmdResult<DeviceEnrolled> {
    let passphrase = Passphrase::from_arg(passphrase)?;
    capped(&link, MAX_LINK, "link")?;
    let link = verity_device::link::parse_enroll_link(&link)
        .map_err(|e| invalid(format!("bad enrolment link: {e}")))?;
    enroll(
        &state,
        &config,
        Enrolment {
            desk_url: link.desk,
            code: link.code,
            fingerprint: optional(fingerprint),
            key_store,
            passphrase,
            desk_ca: optional(desk_ca),
        },
    )
    .await
}

struct Enrolment {
    desk_url: String,
    code: String,
    fingerprint: Option<String>,
    key_store: DeviceKeyStore,
    passphrase: Option<Passphrase>,
    desk_ca: Option<String>,
}

async fn enroll(
    state: &AppState,
    config: &DeviceConfig,
    e: Enrolment,
) -> CmdResult<DeviceEnrolled> {
    if let Some(fp) = &e.fingerprint {
        capped(fp, MAX_FIELD, "fingerprint")?;
    }
    if let Some(ca) = &e.desk_ca {
        capped(ca, MAX_DESK_CA, "CA certificate")?;
    }
    let choice = match e.key_store {
        DeviceKeyStore::Os => KeyStoreChoice::Os,
        DeviceKeyStore::File => KeyStoreChoice::File,
    };
    let outcome = config
        .run(state.data_dir().to_path_buf(), e.passphrase, move |ctx| {
            ctx.key_store = choice;
            ctx.client.extra_roots_pem = e.desk_ca.map(String::into_bytes);
            verity_flows::device::enroll(
                ctx,
                &e.desk_url,
                &e.code,
                e.fingerprint.as_deref().unwrap_or(""),
            )
        })
        .await?;
    Ok(DeviceEnrolled {
        binding: outcome.status.into(),
        totp: outcome.totp.as_ref().map(TotpSetup::from),
        totp_error: outcome.totp_error,
        region: outcome.region.into(),
    })
}

/// Shows the two-factor set-up again (allowed until a code has been accepted). `passphrase`
/// opens a key kept in the passphrase file.
#[tauri::command]
#[specta::specta]
pub async fn device_totp_setup(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    passphrase: Option<String>,
) -> CmdResult<TotpSetup> {
    let passphrase = Passphrase::from_arg(passphrase)?;
    config
        .run(state.data_dir().to_path_buf(), passphrase, |ctx| {
            ops::totp_setup(ctx).map(|t| TotpSetup::from(&t))
        })
        .await
}

/// "Verify my device now": the three checks against the desk with the authenticator's current
/// code. A failed check is a result, not an error. The checklist audit log's head goes with the
/// request and the head the desk countersigns is kept beside the log
/// (`verity_flows::device::verify`, the flow `verityctl device verify` runs), through a store
/// opened on the data directory on the device operation's blocking thread, so the store every
/// other command uses is never held across the network call.
#[tauri::command]
#[specta::specta]
pub async fn device_verify(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    totp: String,
    passphrase: Option<String>,
) -> CmdResult<DeviceChecks> {
    let passphrase = Passphrase::from_arg(passphrase)?;
    let totp = Zeroizing::new(totp);
    capped(&totp, 64, "code")?;
    config
        .run(state.data_dir().to_path_buf(), passphrase, move |ctx| {
            let mut store =
                verity_store::Store::open(&ctx.data_dir).map_err(verity_flows::FlowError::from)?;
            verity_flows::device::verify(&mut store, ctx, &totp).map(|r| DeviceChecks {
                ok: r.ok,
                device_binding: r.device_binding.into(),
                two_factor: r.two_factor.into(),
                region: r.region.into(),
            })
        })
        .await
}

/// Gives up the binding: tells the desk (which revokes the device), then removes the key and
/// `device.json`. With `local_only`, or when the desk cannot be reached, only this device
/// forgets; IT must then revoke it. A key in the passphrase file needs `passphrase` to tell the
/// desk.
#[tauri::command]
#[specta::specta]
pub async fn device_unbind(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    passphrase: Option<String>,
    local_only: bool,
) -> CmdResult<DeviceUnbound> {
    let passphrase = Passphrase::from_arg(passphrase)?;
    config
        .run(state.data_dir().to_path_buf(), passphrase, move |ctx| {
            ops::unbind(ctx, !local_only).map(|u| DeviceUnbound {
                desk_notified: u.desk_notified,
                desk_error: u.desk_error,
            })
        })
        .await
}
