//! The desk protocol: binding certificates, signed requests, signed answers, wire types and codes.
//!
//! **Binding certificate.** A compact token `vc1.<body>.<signature>`: `body` is the base64url
//! (no padding) of the JSON of [`CertificateBody`], `signature` the base64url of the organisation
//! key's Ed25519 signature over `"verity-device-certificate-v1\n" || body-bytes`. The verifier
//! checks the signature over the bytes it received and only then parses them, so there is no
//! canonicalisation to get wrong; the domain prefix keeps a certificate signature from ever being
//! usable as anything else.
//!
//! **Signed request.** Every device request carries four headers: `verity-timestamp` (Unix
//! seconds), `verity-nonce` (16 random bytes, base64url), `verity-certificate` (the token; absent
//! only on enrolment, where the device key travels in the body) and `verity-signature`: the device
//! key's Ed25519 signature over [`request_signing_input`], which is
//! `"verity-signed-request-v2\n" ORIGIN "\n" METHOD "\n" PATH?QUERY "\n" hex(sha256(body)) "\n"
//! TIMESTAMP "\n" NONCE "\n" hex(sha256(certificate or "")) "\n"`. `ORIGIN` is the desk the device
//! means to talk to, `scheme://host[:port]` of its URL ([`origin_of`], the default port left out);
//! the desk checks it against its own configured public origin, never against the request's
//! `Host` header, so a rogue desk that relays the device's requests (TOTP codes included) to the
//! real one gets `signature_invalid`. The desk refuses a timestamp more than
//! [`MAX_CLOCK_SKEW_SECS`] away from its clock and a nonce it has seen from the same key.
//!
//! **Signed answer.** Every answer of the desk, errors included, carries `verity-response-signature`:
//! the organisation key's Ed25519 signature (base64url) over [`response_signing_input`], which is
//! `"verity-signed-response-v1\n" ORIGIN "\n" NONCE "\n" hex(sha256(body))` — the request's
//! nonce, or `""` for `GET /v1/org`, whose freshness comes from the client's
//! `?challenge=<nonce>` echoed in the (signed) body. The client checks it with the organisation
//! key it trusts (for `/v1/org` the key inside the answer, which the user then compares by
//! fingerprint; afterwards the key pinned at enrolment) before it reads the body, so that no
//! answer from an impostor, a relay or a meddling proxy is ever shown as fact.
//!
//! **Anchored audit head.** The checklist's audit log is a hash chain on the device
//! (`verity_checklist::audit`); whoever can write the database can rewrite it whole. So a
//! `POST /v1/verify` may carry the chain's head, signed by the device key over
//! [`audit_head_signing_input`]: `"verity-audit-head-v1\n" DEVICE_ID "\n" SEQ "\n" HASH`
//! ([`SignedHead`]; `SEQ` in decimal, `HASH` 64 lower-case hex digits). The desk checks it with the
//! certificate's device key, keeps the latest one per device and countersigns it with the
//! organisation key over [`audit_anchor_signing_input`]: `"verity-audit-anchor-v1\n" ORG_KEY "\n"
//! DEVICE_ID "\n" SEQ "\n" HASH "\n" AT` ([`AuditAnchor`]; `ORG_KEY` base64url, `AT` the desk's
//! Unix seconds in decimal), returned in the (signed) answer. A head whose `SEQ` is below the one
//! the desk already anchored, or equal with another hash, is not countersigned: the answer leaves
//! the anchor out. The domain prefixes keep either signature from being usable as any other.
//!
//! **Report to IT.** `POST /v1/report` carries a [`Report`] (what the employee saw: its kind from
//! a closed set, the normalised item, the verdict's codes, the employee's note, when it was seen),
//! validated on both ends by [`Report::validate`]; the signed answer is a [`ReportReceipt`].
//! `POST /v1/report/status` ([`ReportStatusRequest`]) tells a device where its own reports stand.
//!
//! **Check-in.** `POST /v1/checkin` carries a [`CheckIn`] (the app's version, the feed version
//! held and when it last synced, checklist steps done): what the organisation's console shows
//! of each device's protection.
//!
//! **Errors** are `{code, message}` JSON with a code from [`codes`]; the app words them.

use data_encoding::{BASE64URL_NOPAD, HEXLOWER, HEXUPPER};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How far a request's timestamp may be from the desk's clock, either way.
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;
/// Header: Unix seconds when the request was signed.
pub const H_TIMESTAMP: &str = "verity-timestamp";
/// Header: a one-time random value.
pub const H_NONCE: &str = "verity-nonce";
/// Header: the device key's signature.
pub const H_SIGNATURE: &str = "verity-signature";
/// Header: the binding certificate.
pub const H_CERTIFICATE: &str = "verity-certificate";

/// Longest certificate token accepted (a real one is about 900 characters).
pub const MAX_CERTIFICATE_LEN: usize = 4096;

const CERT_PREFIX: &str = "vc1";
const CERT_DOMAIN: &[u8] = b"verity-device-certificate-v1\n";
const REQUEST_DOMAIN: &[u8] = b"verity-signed-request-v2\n";
const RESPONSE_DOMAIN: &[u8] = b"verity-signed-response-v1\n";
const AUDIT_HEAD_DOMAIN: &[u8] = b"verity-audit-head-v1\n";
const AUDIT_ANCHOR_DOMAIN: &[u8] = b"verity-audit-anchor-v1\n";

/// Header: the organisation key's signature of an answer.
pub const H_RESPONSE_SIGNATURE: &str = "verity-response-signature";

/// Paths of the desk's endpoints.
pub mod paths {
    /// `GET`: the organisation's name, public key and configuration (unauthenticated; the
    /// answer is signed, fresh for the [`ORG_CHALLENGE`] the client sends).
    pub const ORG: &str = "/v1/org";
    /// The query parameter of [`ORG`] that carries the client's challenge.
    pub const ORG_CHALLENGE: &str = "challenge";
    /// `POST`: enrol a device with a one-time code.
    pub const ENROLL: &str = "/v1/enroll";
    /// `POST`: enrol a support agent's app with an agent's one-time code.
    pub const AGENT_ENROLL: &str = "/v1/agent/enroll";
    /// `POST`: set up (or set up again, until confirmed) the device's TOTP secret.
    pub const TOTP_SETUP: &str = "/v1/totp/setup";
    /// `POST`: run the three checks.
    pub const VERIFY: &str = "/v1/verify";
    /// `POST`: the device gives up its binding (the desk revokes it).
    pub const UNBIND: &str = "/v1/unbind";
    /// `POST`: "Report to IT": the device reports what it saw ([`super::Report`]).
    pub const REPORT: &str = "/v1/report";
    /// `POST`: where the device's own reports stand (signed like every device request).
    pub const REPORT_STATUS: &str = "/v1/report/status";
    /// `POST`: the device's protection at a glance, for the console ([`super::CheckIn`]).
    pub const CHECKIN: &str = "/v1/checkin";
    /// `POST`: open a verified support session ([`super::OpenRequest`]).
    pub const SUPPORT_OPEN: &str = "/v1/support/open";
    /// `POST`: the organisation's signed statement of what support is doing with this employee.
    pub const SUPPORT_STATUS: &str = "/v1/support/status";
    /// `POST`: an app's sealed transcript of a session, at close.
    pub const SUPPORT_TRANSCRIPT: &str = "/v1/support/transcript";
    /// `GET` with a WebSocket upgrade, signed: the support relay (both apps).
    pub const SUPPORT_WS: &str = "/v1/support/ws";
    /// `POST`: this device's scam-drill lures and the drill programme ([`super::drill`]).
    pub const DRILL_LURES: &str = "/v1/drill/lures";
    /// `POST`: what became of a drill lure ([`super::drill::DrillOutcome`]).
    pub const DRILL_OUTCOME: &str = "/v1/drill/outcome";
    /// `GET`: liveness.
    pub const HEALTH: &str = "/healthz";
}

/// The closed set of codes the desk and the client use, in errors and in check results.
pub mod codes {
    /// A check passed.
    pub const OK: &str = "ok";
    /// A check was not run because an earlier one failed.
    pub const NOT_CHECKED: &str = "not_checked";
    /// The request is malformed (JSON, headers, field sizes).
    pub const BAD_REQUEST: &str = "bad_request";
    /// The request body is too large.
    pub const TOO_LARGE: &str = "too_large";
    /// The desk took too long.
    pub const TIMEOUT: &str = "timeout";
    /// Unknown endpoint.
    pub const NOT_FOUND: &str = "not_found";
    /// The desk failed; see its logs.
    pub const INTERNAL: &str = "internal";
    /// The request timestamp is too far from the desk's clock.
    pub const TIMESTAMP_STALE: &str = "timestamp_stale";
    /// The nonce was already used: a replayed request.
    pub const NONCE_REPLAYED: &str = "nonce_replayed";
    /// The request signature does not verify.
    pub const SIGNATURE_INVALID: &str = "signature_invalid";
    /// The certificate is missing, malformed, or not signed by this organisation.
    pub const CERTIFICATE_INVALID: &str = "certificate_invalid";
    /// The certificate has expired.
    pub const CERTIFICATE_EXPIRED: &str = "certificate_expired";
    /// The desk has no record of this device.
    pub const DEVICE_UNKNOWN: &str = "device_unknown";
    /// The device was revoked.
    pub const DEVICE_REVOKED: &str = "device_revoked";
    /// The device key is already enrolled.
    pub const DEVICE_EXISTS: &str = "device_exists";
    /// The enrolment code is not one the desk issued.
    pub const ENROLL_CODE_INVALID: &str = "enroll_code_invalid";
    /// The enrolment code was already used.
    pub const ENROLL_CODE_USED: &str = "enroll_code_used";
    /// The enrolment code has expired.
    pub const ENROLL_CODE_EXPIRED: &str = "enroll_code_expired";
    /// Too many failed enrolment attempts from this address.
    pub const ENROLL_RATE_LIMITED: &str = "enroll_rate_limited";
    /// Two-factor authentication is not set up for this device.
    pub const TOTP_NOT_SET_UP: &str = "totp_not_set_up";
    /// Two-factor authentication is already confirmed; an admin must reset it.
    pub const TOTP_ALREADY_SET_UP: &str = "totp_already_set_up";
    /// The TOTP code is wrong.
    pub const TOTP_INVALID: &str = "totp_invalid";
    /// The TOTP code was already used.
    pub const TOTP_REUSED: &str = "totp_reused";
    /// Too many wrong TOTP codes: locked for a while.
    pub const TOTP_LOCKED: &str = "totp_locked";
    /// The source address is outside the allowed ranges.
    pub const REGION_ADDRESS: &str = "region_address";
    /// The device's time zone places it outside the allowed regions.
    pub const REGION_TIMEZONE: &str = "region_timezone";
    /// The device's time zone is unknown and its locale places it outside the allowed regions.
    pub const REGION_LOCALE: &str = "region_locale";
    /// No region policy is set: the check passes with this warning.
    pub const REGION_NO_POLICY: &str = "region_no_policy";
    /// A report of a kind outside the closed set.
    pub const REPORT_KIND_INVALID: &str = "report_kind_invalid";
    /// A report's item is not an E.164 number, a link without query or a tool id, or is too
    /// long or holds control or invisible formatting characters.
    pub const REPORT_ITEM_INVALID: &str = "report_item_invalid";
    /// A report's verdict codes: too many, or not short `[a-z0-9_]` codes.
    pub const REPORT_VERDICT_INVALID: &str = "report_verdict_invalid";
    /// A report's note: too long, or control or invisible formatting characters.
    pub const REPORT_NOTE_INVALID: &str = "report_note_invalid";
    /// A report's time seen is zero or in the future.
    pub const REPORT_OBSERVED_AT_INVALID: &str = "report_observed_at_invalid";
    /// Too many reports from this device in the last hour.
    pub const REPORT_RATE_LIMITED: &str = "report_rate_limited";
    /// Support: the session is not this app's, or does not exist.
    pub const SESSION_UNKNOWN: &str = "session_unknown";
    /// Support: the session is closed.
    pub const SESSION_CLOSED: &str = "session_closed";
    /// Support: this employee already has an open session.
    pub const SESSION_OPEN: &str = "session_open";
    /// Support: the sender's role may not do this (an employee's app acting as an agent).
    pub const FORBIDDEN: &str = "forbidden";
    /// Support: another agent took the session first.
    pub const ALREADY_TAKEN: &str = "already_taken";
    /// Support: the agent holds as many sessions as their capacity allows.
    pub const AT_CAPACITY: &str = "at_capacity";
    /// Support: a frame out of order, of the wrong direction, or malformed.
    pub const FRAME_INVALID: &str = "frame_invalid";
    /// Support: too many frames, too fast, or a session over its size caps.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// Support: the agent was revoked, or the certificate is not an agent's.
    pub const AGENT_REVOKED: &str = "agent_revoked";
    /// Support: no team serves this category, region and language.
    pub const NO_ROUTE: &str = "no_route";
    /// Support: the WebSocket upgrade came from a web page of another origin.
    pub const ORIGIN_REFUSED: &str = "origin_refused";
    /// Support: the desk has no audit recipient configured, so no session can be archived.
    pub const NO_AUDIT_KEY: &str = "no_audit_key";
    /// Support: this side's sealed transcript of the session is stored already.
    pub const TRANSCRIPT_EXISTS: &str = "transcript_exists";
    /// Drills: no such drill, or this device is not in its audience.
    pub const DRILL_UNKNOWN: &str = "drill_unknown";
    /// Drills: an outcome whose fields do not hold (event and how disagree, a time in the future).
    pub const DRILL_OUTCOME_INVALID: &str = "drill_outcome_invalid";

    /// Every code above, for the front ends that word each one (a test keeps it complete).
    pub const ALL: &[&str] = &[
        OK,
        NOT_CHECKED,
        BAD_REQUEST,
        TOO_LARGE,
        TIMEOUT,
        NOT_FOUND,
        INTERNAL,
        TIMESTAMP_STALE,
        NONCE_REPLAYED,
        SIGNATURE_INVALID,
        CERTIFICATE_INVALID,
        CERTIFICATE_EXPIRED,
        DEVICE_UNKNOWN,
        DEVICE_REVOKED,
        DEVICE_EXISTS,
        ENROLL_CODE_INVALID,
        ENROLL_CODE_USED,
        ENROLL_CODE_EXPIRED,
        ENROLL_RATE_LIMITED,
        TOTP_NOT_SET_UP,
        TOTP_ALREADY_SET_UP,
        TOTP_INVALID,
        TOTP_REUSED,
        TOTP_LOCKED,
        REGION_ADDRESS,
        REGION_TIMEZONE,
        REGION_LOCALE,
        REGION_NO_POLICY,
    ];

    /// The codes of "Report to IT" (`POST /v1/report`). Kept out of [`ALL`] until the app words
    /// them: the app's closed set of refusal reasons must name every code in [`ALL`].
    pub const REPORT: &[&str] = &[
        REPORT_KIND_INVALID,
        REPORT_ITEM_INVALID,
        REPORT_VERDICT_INVALID,
        REPORT_NOTE_INVALID,
        REPORT_OBSERVED_AT_INVALID,
        REPORT_RATE_LIMITED,
        SESSION_UNKNOWN,
        SESSION_CLOSED,
        SESSION_OPEN,
        FORBIDDEN,
        ALREADY_TAKEN,
        AT_CAPACITY,
        FRAME_INVALID,
        RATE_LIMITED,
        AGENT_REVOKED,
        NO_ROUTE,
        ORIGIN_REFUSED,
        NO_AUDIT_KEY,
        TRANSCRIPT_EXISTS,
        DRILL_UNKNOWN,
        DRILL_OUTCOME_INVALID,
    ];
}

/// Protocol-level failures (encoding, signatures, certificates).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProtoError {
    /// A field is not valid base64url, or has the wrong length.
    #[error("{what} is not valid")]
    Encoding {
        /// What was being decoded.
        what: &'static str,
    },
    /// The certificate token is malformed.
    #[error("the certificate is malformed")]
    CertificateMalformed,
    /// The certificate's signature does not verify with the organisation key.
    #[error("the certificate is not signed by this organisation")]
    CertificateSignature,
    /// The certificate names another organisation key.
    #[error("the certificate names another organisation")]
    CertificateOrganisation,
    /// The certificate's device id does not match its device key.
    #[error("the certificate's device id does not match its key")]
    CertificateDevice,
    /// The certificate is outside its validity window.
    #[error("the certificate expired or is not valid yet")]
    CertificateExpired,
    /// The request signature does not verify.
    #[error("the request signature does not verify")]
    RequestSignature,
    /// The answer's signature does not verify.
    #[error("the answer is not signed by the organisation key")]
    ResponseSignature,
    /// An audit head is malformed (a sequence number of 0, a hash that is not 64 lower-case
    /// hex digits).
    #[error("the audit head is malformed")]
    AuditHeadMalformed,
    /// An audit head's signature does not verify with the device key.
    #[error("the audit head is not signed by the device key")]
    AuditHeadSignature,
    /// An audit anchor's countersignature does not verify with the organisation key.
    #[error("the audit anchor is not countersigned by the organisation key")]
    AuditAnchorSignature,
    /// The operating system's random generator failed.
    #[error("no randomness available: {0}")]
    Random(String),
    /// JSON encoding failed.
    #[error("cannot encode JSON: {0}")]
    Json(String),
    /// A binding certificate's field is out of bounds.
    #[error("the certificate is not acceptable: {0}")]
    CertificateField(CertificateFieldError),
    /// An agent certificate's field is out of bounds.
    #[error("the agent certificate is not acceptable: {0}")]
    AgentField(AgentFieldError),
    /// A report to IT is refused before it is sent ([`ReportError::code`] is the desk's code).
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A check-in is refused before it is sent.
    #[error(transparent)]
    CheckIn(#[from] CheckInError),
}

/// Encodes bytes as base64url without padding.
#[must_use]
pub fn b64(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

/// Decodes base64url without padding.
///
/// # Errors
/// [`ProtoError::Encoding`] naming `what`.
pub fn unb64(s: &str, what: &'static str) -> Result<Vec<u8>, ProtoError> {
    BASE64URL_NOPAD
        .decode(s.as_bytes())
        .map_err(|_| ProtoError::Encoding { what })
}

/// Lower-case hex of SHA-256.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    HEXLOWER.encode(&Sha256::digest(bytes))
}

/// A key's id: the lower-case hex SHA-256 of its 32 bytes. A device's id is its key's id.
#[must_use]
pub fn key_id(key: &VerifyingKey) -> String {
    sha256_hex(key.as_bytes())
}

/// A key's fingerprint for people to compare: SHA-256 in upper-case hex, in groups of four
/// (`3F2A 9C01 …`, 16 groups).
#[must_use]
pub fn fingerprint(key: &VerifyingKey) -> String {
    group_hex(&Sha256::digest(key.as_bytes()))
}

/// Upper-case hex in groups of four, as fingerprints are shown.
fn group_hex(bytes: &[u8]) -> String {
    let hex = HEXUPPER.encode(bytes);
    let groups: Vec<&str> = hex
        .as_bytes()
        .chunks(4)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    groups.join(" ")
}

/// Normalises a fingerprint typed by a person (spaces, colons, case) for comparison.
#[must_use]
pub fn normalize_fingerprint(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Decodes a base64url Ed25519 public key.
///
/// # Errors
/// [`ProtoError::Encoding`].
pub fn parse_public_key(s: &str, what: &'static str) -> Result<VerifyingKey, ProtoError> {
    let bytes = unb64(s, what)?;
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| ProtoError::Encoding { what })?;
    VerifyingKey::from_bytes(&arr).map_err(|_| ProtoError::Encoding { what })
}

/// Fills `buf` from the OS random generator.
///
/// # Errors
/// [`ProtoError::Random`].
pub fn random_bytes(buf: &mut [u8]) -> Result<(), ProtoError> {
    getrandom::fill(buf).map_err(|e| ProtoError::Random(e.to_string()))
}

/// A fresh Ed25519 key from the OS random generator.
///
/// # Errors
/// [`ProtoError::Random`].
pub fn generate_signing_key() -> Result<SigningKey, ProtoError> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    random_bytes(seed.as_mut())?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A fresh request nonce: 16 random bytes, base64url.
///
/// # Errors
/// [`ProtoError::Random`].
pub fn new_nonce() -> Result<String, ProtoError> {
    let mut n = [0u8; 16];
    random_bytes(&mut n)?;
    Ok(b64(&n))
}

/// Whether `s` has the shape of a nonce (16 to 64 base64url characters).
#[must_use]
pub fn is_valid_nonce(s: &str) -> bool {
    (16..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

mod agent;
mod answer;
mod audit;
mod certificate;
mod checkin;
pub mod drill;
mod report;
mod request;
mod support;
mod text;
mod wire;

pub use agent::*;
pub use answer::*;
pub use audit::*;
pub use certificate::*;
pub use checkin::*;
pub use report::*;
pub use request::*;
pub use support::*;
pub use text::*;
pub use wire::*;

#[cfg(test)]
mod tests;
