//! The JSON the device and the desk exchange.

use super::*;

/// Facts about the device, recorded by the desk at enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceFacts {
    /// Host name.
    pub hostname: String,
    /// Operating system and version.
    pub os: String,
    /// The Verity version making the request.
    pub app_version: String,
}

/// The device's own idea of where it is: the second region signal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionSignals {
    /// IANA time zone (`Asia/Hong_Kong`).
    pub timezone: Option<String>,
    /// BCP 47 locale (`zh-HK`).
    pub locale: Option<String>,
}

/// `POST /v1/enroll` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The one-time code from IT.
    pub code: String,
    /// The device's Ed25519 public key (base64url); the request is signed with it.
    pub device_key: String,
    /// Host name, OS, app version.
    pub facts: DeviceFacts,
    /// Time zone and locale.
    pub signals: RegionSignals,
}

/// The organisation, as the desk presents it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgInfo {
    /// Name.
    pub name: String,
    /// Ed25519 public key (base64url).
    pub public_key: String,
    /// [`fingerprint`] of the key.
    pub fingerprint: String,
}

/// The organisation's threat feed, as its desk's admin set it: the app's feed trust anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgFeedConfig {
    /// The feed's base URL (`https://`, or `http://` to a loopback address).
    pub url: String,
    /// The feed's TUF `root.json`, as the admin gave it (a JSON object, at most 64 KiB).
    pub root_json: String,
}

/// `GET /v1/org?challenge=…` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgAnswer {
    /// Name.
    pub name: String,
    /// Ed25519 public key (base64url); the answer is signed with it.
    pub public_key: String,
    /// [`fingerprint`] of the key.
    pub fingerprint: String,
    /// The client's challenge, echoed: the answer is fresh.
    pub challenge: String,
    /// The organisation's threat feed, when its admin set one.
    #[serde(default)]
    pub feed: Option<OrgFeedConfig>,
}

/// `POST /v1/enroll` response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The binding certificate token.
    pub certificate: String,
    /// The organisation that signed it.
    pub org: OrgInfo,
    /// The region check at enrolment (passes, possibly with the no-policy warning).
    pub region: CheckResult,
    /// The organisation's threat feed, when its admin set one.
    #[serde(default)]
    pub feed: Option<OrgFeedConfig>,
}

/// `POST /v1/totp/setup` and `POST /v1/verify` carry the region signals.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalsRequest {
    /// Time zone and locale.
    pub signals: RegionSignals,
}

/// `POST /v1/totp/setup` response. The secret is shown once and never stored by the device.
#[derive(Debug, Clone, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct TotpSetupResponse {
    /// `otpauth://totp/...` for an authenticator app (QR code).
    pub uri: String,
    /// The secret in base32, for typing in.
    pub secret: String,
    /// The issuer shown in the authenticator.
    pub issuer: String,
    /// The account shown in the authenticator.
    pub account: String,
}

/// `POST /v1/verify` body.
#[derive(Debug, Clone, Serialize, Deserialize, zeroize::ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The current TOTP code.
    pub totp: String,
    /// Time zone and locale.
    #[zeroize(skip)]
    pub signals: RegionSignals,
    /// The audit chain's head, signed by the device key, for the desk to countersign (absent
    /// when the log is empty; left out of the JSON then, so older desks accept the request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[zeroize(skip)]
    pub audit_head: Option<SignedHead>,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Whether it passed.
    pub ok: bool,
    /// A code from [`codes`].
    pub code: String,
    /// What happened, in English, for logs and the CLI; the app words the code itself.
    pub message: String,
}

impl CheckResult {
    /// A passing result.
    #[must_use]
    pub fn pass(code: &str, message: impl Into<String>) -> CheckResult {
        CheckResult {
            ok: true,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// A failing result.
    #[must_use]
    pub fn fail(code: &str, message: impl Into<String>) -> CheckResult {
        CheckResult {
            ok: false,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// A check that was not run.
    #[must_use]
    pub fn not_checked(why: &str) -> CheckResult {
        CheckResult::fail(codes::NOT_CHECKED, format!("not checked: {why}"))
    }
}

/// `POST /v1/verify` response: the three checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyResponse {
    /// The device is bound (certificate valid, not revoked, request signed by its key).
    pub device_binding: CheckResult,
    /// The TOTP code was right.
    pub two_factor: CheckResult,
    /// The request came from the permitted region.
    pub region: CheckResult,
    /// The organisation's threat feed as it stands (the device refreshes its copy).
    #[serde(default)]
    pub feed: Option<OrgFeedConfig>,
    /// The request's audit head, countersigned; absent when none was sent or the desk refused
    /// to countersign it (it went back behind the head already anchored).
    #[serde(default)]
    pub audit_anchor: Option<AuditAnchor>,
}

impl VerifyResponse {
    /// Whether all three passed.
    #[must_use]
    pub fn all_ok(&self) -> bool {
        self.device_binding.ok && self.two_factor.ok && self.region.ok
    }
}

/// An error from the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// A code from [`codes`].
    pub code: String,
    /// What happened, in English.
    pub message: String,
}

/// `POST /v1/agent/enroll`'s answer: the agent certificate (a `va1` token) and the
/// organisation. The request is an [`EnrollRequest`] (its `device_key` the agent's key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentEnrollResponse {
    /// The agent certificate token.
    pub certificate: String,
    /// The organisation.
    pub org: OrgInfo,
}
