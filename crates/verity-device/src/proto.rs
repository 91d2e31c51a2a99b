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
    /// `POST`: set up (or set up again, until confirmed) the device's TOTP secret.
    pub const TOTP_SETUP: &str = "/v1/totp/setup";
    /// `POST`: run the three checks.
    pub const VERIFY: &str = "/v1/verify";
    /// `POST`: the device gives up its binding (the desk revokes it).
    pub const UNBIND: &str = "/v1/unbind";
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
    let hex = HEXUPPER.encode(&Sha256::digest(key.as_bytes()));
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

// ---------------------------------------------------------------------------------------------
// Certificates

/// What a binding certificate says. Field order is the encoding order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateBody {
    /// Format version (1).
    pub v: u32,
    /// Random serial, hex; the desk records it with the device.
    pub serial: String,
    /// The organisation's name.
    pub org_name: String,
    /// The organisation's Ed25519 public key (base64url).
    pub org_key: String,
    /// The device id ([`key_id`] of the device key).
    pub device_id: String,
    /// The device's Ed25519 public key (base64url).
    pub device_key: String,
    /// The employee the device is bound to.
    pub employee_id: String,
    /// The employee's display name.
    pub employee_name: String,
    /// Issued at, Unix seconds.
    pub issued_at: u64,
    /// Expires at, Unix seconds.
    pub expires_at: u64,
}

/// A verified binding certificate: its body and the token it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    body: CertificateBody,
    token: String,
    device_key: VerifyingKey,
}

impl Certificate {
    /// Signs `body` with the organisation key.
    ///
    /// # Errors
    /// [`ProtoError::Json`] or [`ProtoError::Encoding`] when the body names a bad device key.
    pub fn sign(body: CertificateBody, org_key: &SigningKey) -> Result<Certificate, ProtoError> {
        let device_key = parse_public_key(&body.device_key, "device key")?;
        let bytes = serde_json::to_vec(&body).map_err(|e| ProtoError::Json(e.to_string()))?;
        let sig = org_key.sign(&[CERT_DOMAIN, &bytes].concat());
        let token = format!("{CERT_PREFIX}.{}.{}", b64(&bytes), b64(&sig.to_bytes()));
        Ok(Certificate {
            body,
            token,
            device_key,
        })
    }

    /// Verifies `token` against the organisation key and, when `now` is given, its validity
    /// window.
    ///
    /// # Errors
    /// The [`ProtoError`] `Certificate*` variants.
    pub fn verify(
        token: &str,
        org_key: &VerifyingKey,
        now: Option<u64>,
    ) -> Result<Certificate, ProtoError> {
        if token.len() > MAX_CERTIFICATE_LEN {
            return Err(ProtoError::CertificateMalformed);
        }
        let mut parts = token.split('.');
        let (Some(prefix), Some(body_b64), Some(sig_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ProtoError::CertificateMalformed);
        };
        if prefix != CERT_PREFIX {
            return Err(ProtoError::CertificateMalformed);
        }
        let bytes = unb64(body_b64, "certificate").map_err(|_| ProtoError::CertificateMalformed)?;
        let sig = unb64(sig_b64, "certificate").map_err(|_| ProtoError::CertificateMalformed)?;
        let sig = Signature::from_slice(&sig).map_err(|_| ProtoError::CertificateMalformed)?;
        org_key
            .verify_strict(&[CERT_DOMAIN, &bytes].concat(), &sig)
            .map_err(|_| ProtoError::CertificateSignature)?;
        let body: CertificateBody =
            serde_json::from_slice(&bytes).map_err(|_| ProtoError::CertificateMalformed)?;
        if body.v != 1 {
            return Err(ProtoError::CertificateMalformed);
        }
        if body.org_key != b64(org_key.as_bytes()) {
            return Err(ProtoError::CertificateOrganisation);
        }
        let device_key = parse_public_key(&body.device_key, "device key")
            .map_err(|_| ProtoError::CertificateMalformed)?;
        if key_id(&device_key) != body.device_id {
            return Err(ProtoError::CertificateDevice);
        }
        if let Some(now) = now {
            if now < body.issued_at.saturating_sub(MAX_CLOCK_SKEW_SECS) || now >= body.expires_at {
                return Err(ProtoError::CertificateExpired);
            }
        }
        Ok(Certificate {
            body,
            token: token.to_owned(),
            device_key,
        })
    }

    /// What the certificate says.
    #[must_use]
    pub fn body(&self) -> &CertificateBody {
        &self.body
    }

    /// The compact token, as sent in the `verity-certificate` header.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The device key the certificate binds.
    #[must_use]
    pub fn device_key(&self) -> &VerifyingKey {
        &self.device_key
    }
}

// ---------------------------------------------------------------------------------------------
// Signed requests

/// The authentication headers of a signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestAuth {
    /// Unix seconds when signed.
    pub timestamp: u64,
    /// One-time value.
    pub nonce: String,
    /// The device key's signature (base64url).
    pub signature: String,
    /// The certificate token; `None` on enrolment.
    pub certificate: Option<String>,
}

/// The origin of a desk URL as the protocol signs it: `scheme://host[:port]`.
#[must_use]
pub fn origin_of(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

/// The bytes a device signs for a request to the desk at `origin`.
#[must_use]
pub fn request_signing_input(
    origin: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    timestamp: u64,
    nonce: &str,
    certificate: Option<&str>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(REQUEST_DOMAIN);
    for part in [
        origin,
        method.to_ascii_uppercase().as_str(),
        path_and_query,
        sha256_hex(body).as_str(),
        timestamp.to_string().as_str(),
        nonce,
        sha256_hex(certificate.unwrap_or("").as_bytes()).as_str(),
    ] {
        out.extend_from_slice(part.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Signs a request with the device key.
///
/// # Errors
/// [`ProtoError::Random`] when no nonce can be drawn.
pub fn sign_request(
    key: &SigningKey,
    origin: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    timestamp: u64,
    certificate: Option<&str>,
) -> Result<RequestAuth, ProtoError> {
    let nonce = new_nonce()?;
    let input = request_signing_input(
        origin,
        method,
        path_and_query,
        body,
        timestamp,
        &nonce,
        certificate,
    );
    Ok(RequestAuth {
        timestamp,
        signature: b64(&key.sign(&input).to_bytes()),
        nonce,
        certificate: certificate.map(str::to_owned),
    })
}

/// Verifies a request's signature with the device key (timestamps and nonces are the desk's
/// business).
///
/// # Errors
/// [`ProtoError::RequestSignature`].
pub fn verify_request_signature(
    key: &VerifyingKey,
    origin: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    auth: &RequestAuth,
) -> Result<(), ProtoError> {
    let sig = unb64(&auth.signature, "signature").map_err(|_| ProtoError::RequestSignature)?;
    let sig = Signature::from_slice(&sig).map_err(|_| ProtoError::RequestSignature)?;
    let input = request_signing_input(
        origin,
        method,
        path_and_query,
        body,
        auth.timestamp,
        &auth.nonce,
        auth.certificate.as_deref(),
    );
    key.verify_strict(&input, &sig)
        .map_err(|_| ProtoError::RequestSignature)
}

// ---------------------------------------------------------------------------------------------
// Signed answers

/// The bytes the organisation key signs for an answer of the desk at `origin` to a request
/// with `nonce` (`""` for `GET /v1/org`).
#[must_use]
pub fn response_signing_input(origin: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(160);
    out.extend_from_slice(RESPONSE_DOMAIN);
    out.extend_from_slice(origin.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(nonce.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(sha256_hex(body).as_bytes());
    out
}

/// Signs an answer with the organisation key (base64url, for [`H_RESPONSE_SIGNATURE`]).
#[must_use]
pub fn sign_response(org_key: &SigningKey, origin: &str, nonce: &str, body: &[u8]) -> String {
    b64(&org_key
        .sign(&response_signing_input(origin, nonce, body))
        .to_bytes())
}

/// Verifies an answer's signature with the organisation key.
///
/// # Errors
/// [`ProtoError::ResponseSignature`].
pub fn verify_response(
    org_key: &VerifyingKey,
    origin: &str,
    nonce: &str,
    body: &[u8],
    signature: &str,
) -> Result<(), ProtoError> {
    let sig = unb64(signature, "signature").map_err(|_| ProtoError::ResponseSignature)?;
    let sig = Signature::from_slice(&sig).map_err(|_| ProtoError::ResponseSignature)?;
    org_key
        .verify_strict(&response_signing_input(origin, nonce, body), &sig)
        .map_err(|_| ProtoError::ResponseSignature)
}

// ---------------------------------------------------------------------------------------------
// Anchored audit heads

/// Whether `s` is an audit record hash: 64 lower-case hex digits.
#[must_use]
pub fn is_audit_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The bytes the device key signs for the audit chain's head `seq`/`hash` of device `device_id`.
#[must_use]
pub fn audit_head_signing_input(device_id: &str, seq: u64, hash: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(AUDIT_HEAD_DOMAIN.len() + device_id.len() + hash.len() + 24);
    out.extend_from_slice(AUDIT_HEAD_DOMAIN);
    out.extend_from_slice(device_id.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(seq.to_string().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(hash.as_bytes());
    out
}

/// The bytes the organisation key signs to countersign device `device_id`'s head `seq`/`hash`
/// at `at` (the desk's Unix seconds); `org_key` is the organisation key, base64url.
#[must_use]
pub fn audit_anchor_signing_input(
    org_key: &str,
    device_id: &str,
    seq: u64,
    hash: &str,
    at: u64,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        AUDIT_ANCHOR_DOMAIN.len() + org_key.len() + device_id.len() + hash.len() + 48,
    );
    out.extend_from_slice(AUDIT_ANCHOR_DOMAIN);
    for part in [org_key, device_id, seq.to_string().as_str(), hash] {
        out.extend_from_slice(part.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(at.to_string().as_bytes());
    out
}

fn check_head_shape(seq: u64, hash: &str) -> Result<(), ProtoError> {
    if seq == 0 || i64::try_from(seq).is_err() || !is_audit_hash(hash) {
        return Err(ProtoError::AuditHeadMalformed);
    }
    Ok(())
}

/// Signs the audit chain's head with the device key.
///
/// # Errors
/// [`ProtoError::AuditHeadMalformed`] for a `seq` of 0 (or above `i64::MAX`) or a hash that is
/// not 64 lower-case hex digits.
pub fn sign_audit_head(
    key: &SigningKey,
    device_id: &str,
    seq: u64,
    hash: &str,
) -> Result<SignedHead, ProtoError> {
    check_head_shape(seq, hash)?;
    Ok(SignedHead {
        seq,
        hash: hash.to_owned(),
        signature: b64(&key
            .sign(&audit_head_signing_input(device_id, seq, hash))
            .to_bytes()),
    })
}

/// Verifies a signed head's shape and its signature by `device_key` for device `device_id`.
///
/// # Errors
/// [`ProtoError::AuditHeadMalformed`], [`ProtoError::AuditHeadSignature`].
pub fn verify_audit_head(
    device_key: &VerifyingKey,
    device_id: &str,
    head: &SignedHead,
) -> Result<(), ProtoError> {
    check_head_shape(head.seq, &head.hash)?;
    let sig = unb64(&head.signature, "signature").map_err(|_| ProtoError::AuditHeadSignature)?;
    let sig = Signature::from_slice(&sig).map_err(|_| ProtoError::AuditHeadSignature)?;
    device_key
        .verify_strict(
            &audit_head_signing_input(device_id, head.seq, &head.hash),
            &sig,
        )
        .map_err(|_| ProtoError::AuditHeadSignature)
}

/// Countersigns device `device_id`'s head `seq`/`hash` with the organisation key at `at`.
#[must_use]
pub fn sign_audit_anchor(
    org_key: &SigningKey,
    device_id: &str,
    seq: u64,
    hash: &str,
    at: u64,
) -> AuditAnchor {
    let org = b64(org_key.verifying_key().as_bytes());
    AuditAnchor {
        seq,
        hash: hash.to_owned(),
        at,
        signature: b64(&org_key
            .sign(&audit_anchor_signing_input(&org, device_id, seq, hash, at))
            .to_bytes()),
    }
}

/// Verifies an anchor's countersignature by `org_key` for device `device_id`.
///
/// # Errors
/// [`ProtoError::AuditAnchorSignature`].
pub fn verify_audit_anchor(
    org_key: &VerifyingKey,
    device_id: &str,
    anchor: &AuditAnchor,
) -> Result<(), ProtoError> {
    let sig =
        unb64(&anchor.signature, "signature").map_err(|_| ProtoError::AuditAnchorSignature)?;
    let sig = Signature::from_slice(&sig).map_err(|_| ProtoError::AuditAnchorSignature)?;
    let input = audit_anchor_signing_input(
        &b64(org_key.as_bytes()),
        device_id,
        anchor.seq,
        &anchor.hash,
        anchor.at,
    );
    org_key
        .verify_strict(&input, &sig)
        .map_err(|_| ProtoError::AuditAnchorSignature)
}

/// The audit chain's head, signed by the device key ([`audit_head_signing_input`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedHead {
    /// The last record's sequence number (1 or more).
    pub seq: u64,
    /// Its hash: 64 lower-case hex digits.
    pub hash: String,
    /// The device key's Ed25519 signature (base64url).
    pub signature: String,
}

/// A head the desk countersigned ([`audit_anchor_signing_input`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    /// The head's sequence number, as sent.
    pub seq: u64,
    /// Its hash, as sent.
    pub hash: String,
    /// When the desk countersigned it (its Unix seconds).
    pub at: u64,
    /// The organisation key's Ed25519 signature (base64url).
    pub signature: String,
}

// ---------------------------------------------------------------------------------------------
// Wire types

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

#[cfg(test)]
mod tests {
    use super::*;

    fn body(org: &SigningKey, dev: &SigningKey) -> CertificateBody {
        CertificateBody {
            v: 1,
            serial: "01".into(),
            org_name: "Acme".into(),
            org_key: b64(org.verifying_key().as_bytes()),
            device_id: key_id(&dev.verifying_key()),
            device_key: b64(dev.verifying_key().as_bytes()),
            employee_id: "e1".into(),
            employee_name: "Chan Tai Man".into(),
            issued_at: 1000,
            expires_at: 2000,
        }
    }

    #[test]
    fn certificate_round_trip_and_forgeries() {
        let org = generate_signing_key().unwrap();
        let other = generate_signing_key().unwrap();
        let dev = generate_signing_key().unwrap();
        let cert = Certificate::sign(body(&org, &dev), &org).unwrap();
        let back = Certificate::verify(cert.token(), &org.verifying_key(), Some(1500)).unwrap();
        assert_eq!(back.body(), cert.body());
        assert_eq!(
            Certificate::verify(cert.token(), &org.verifying_key(), Some(2000)),
            Err(ProtoError::CertificateExpired)
        );
        // Signed by another key that claims to be the organisation.
        let forged = Certificate::sign(body(&org, &dev), &other).unwrap();
        assert_eq!(
            Certificate::verify(forged.token(), &org.verifying_key(), Some(1500)),
            Err(ProtoError::CertificateSignature)
        );
        // A body swapped under a valid signature.
        let parts: Vec<&str> = cert.token().split('.').collect();
        let mut b = body(&org, &dev);
        b.employee_id = "boss".into();
        let swapped = format!("vc1.{}.{}", b64(&serde_json::to_vec(&b).unwrap()), parts[2]);
        assert_eq!(
            Certificate::verify(&swapped, &org.verifying_key(), Some(1500)),
            Err(ProtoError::CertificateSignature)
        );
        assert_eq!(
            Certificate::verify("vc1.x", &org.verifying_key(), None),
            Err(ProtoError::CertificateMalformed)
        );
    }

    #[test]
    fn request_signatures_cover_every_part() {
        let dev = generate_signing_key().unwrap();
        let o = "https://desk.example.hk";
        let auth = sign_request(&dev, o, "POST", "/v1/verify", b"{}", 42, Some("vc1.a.b")).unwrap();
        let vk = dev.verifying_key();
        verify_request_signature(&vk, o, "POST", "/v1/verify", b"{}", &auth).unwrap();
        assert!(verify_request_signature(&vk, o, "POST", "/v1/verify", b"{ }", &auth).is_err());
        assert!(verify_request_signature(&vk, o, "POST", "/v1/enroll", b"{}", &auth).is_err());
        // Another desk (a relay): refused.
        for other in [
            "https://desk.example.hk.evil",
            "http://desk.example.hk",
            "https://desk.example.hk:8443",
        ] {
            assert!(
                verify_request_signature(&vk, other, "POST", "/v1/verify", b"{}", &auth).is_err()
            );
        }
        let mut t = auth.clone();
        t.timestamp = 43;
        assert!(verify_request_signature(&vk, o, "POST", "/v1/verify", b"{}", &t).is_err());
        let mut c = auth.clone();
        c.certificate = None;
        assert!(verify_request_signature(&vk, o, "POST", "/v1/verify", b"{}", &c).is_err());
        assert!(is_valid_nonce(&auth.nonce));
    }

    #[test]
    fn origins_and_answer_signatures() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        assert_eq!(
            origin_of(&url("https://Desk.Example.hk:443/base/")),
            "https://desk.example.hk"
        );
        assert_eq!(
            origin_of(&url("http://127.0.0.1:8080/")),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin_of(&url("http://[::1]:8080")), "http://[::1]:8080");
        let org = generate_signing_key().unwrap();
        let vk = org.verifying_key();
        let o = "https://desk.example.hk";
        let sig = sign_response(&org, o, "n0nce", b"{}");
        verify_response(&vk, o, "n0nce", b"{}", &sig).unwrap();
        for (origin, nonce, body) in [
            ("https://other.example", "n0nce", &b"{}"[..]),
            (o, "another", b"{}"),
            (o, "n0nce", b"{ }"),
        ] {
            assert_eq!(
                verify_response(&vk, origin, nonce, body, &sig),
                Err(ProtoError::ResponseSignature)
            );
        }
        let other = generate_signing_key().unwrap().verifying_key();
        assert!(verify_response(&other, o, "n0nce", b"{}", &sig).is_err());
        assert!(verify_response(&vk, o, "n0nce", b"{}", "not base64!").is_err());
    }

    #[test]
    fn audit_heads_are_signed_by_the_device_and_refuse_forgeries() {
        let dev = generate_signing_key().unwrap();
        let other = generate_signing_key().unwrap();
        let id = key_id(&dev.verifying_key());
        let hash = "ab".repeat(32);
        let head = sign_audit_head(&dev, &id, 7, &hash).unwrap();
        let vk = dev.verifying_key();
        verify_audit_head(&vk, &id, &head).unwrap();
        let mut want = b"verity-audit-head-v1\n".to_vec();
        want.extend_from_slice(format!("{id}\n7\n{hash}").as_bytes());
        assert_eq!(audit_head_signing_input(&id, 7, &hash), want);
        // Another key, another device, another seq or hash: refused.
        let forged = sign_audit_head(&other, &id, 7, &hash).unwrap();
        assert_eq!(
            verify_audit_head(&vk, &id, &forged),
            Err(ProtoError::AuditHeadSignature)
        );
        assert_eq!(
            verify_audit_head(&vk, &"00".repeat(32), &head),
            Err(ProtoError::AuditHeadSignature)
        );
        let mut h = head.clone();
        h.seq = 8;
        assert_eq!(
            verify_audit_head(&vk, &id, &h),
            Err(ProtoError::AuditHeadSignature)
        );
        let mut h = head.clone();
        h.hash = "cd".repeat(32);
        assert_eq!(
            verify_audit_head(&vk, &id, &h),
            Err(ProtoError::AuditHeadSignature)
        );
        let mut h = head.clone();
        h.signature = "not base64!".into();
        assert_eq!(
            verify_audit_head(&vk, &id, &h),
            Err(ProtoError::AuditHeadSignature)
        );
        // Malformed heads are refused before any signature is looked at.
        for (seq, hash) in [
            (0, "ab".repeat(32)),
            (1, "AB".repeat(32)),
            (1, "ab".repeat(31)),
            (1, "zz".repeat(32)),
            (u64::MAX, "ab".repeat(32)),
        ] {
            assert_eq!(
                sign_audit_head(&dev, &id, seq, &hash),
                Err(ProtoError::AuditHeadMalformed)
            );
            let h = SignedHead {
                seq,
                hash,
                signature: head.signature.clone(),
            };
            assert_eq!(
                verify_audit_head(&vk, &id, &h),
                Err(ProtoError::AuditHeadMalformed)
            );
        }
        // A device's head signature is not a request signature, nor the other way round.
        let as_head = SignedHead {
            seq: 7,
            hash: hash.clone(),
            signature: sign_request(&dev, "o", "POST", "/", b"", 1, None)
                .unwrap()
                .signature,
        };
        assert!(verify_audit_head(&vk, &id, &as_head).is_err());
    }

    #[test]
    fn audit_anchors_are_countersigned_by_the_organisation_and_refuse_forgeries() {
        let org = generate_signing_key().unwrap();
        let other = generate_signing_key().unwrap();
        let id = "ab".repeat(32);
        let hash = "01".repeat(32);
        let a = sign_audit_anchor(&org, &id, 3, &hash, 1_700_000_000);
        let vk = org.verifying_key();
        verify_audit_anchor(&vk, &id, &a).unwrap();
        let mut want = b"verity-audit-anchor-v1\n".to_vec();
        want.extend_from_slice(
            format!("{}\n{id}\n3\n{hash}\n1700000000", b64(vk.as_bytes())).as_bytes(),
        );
        assert_eq!(
            audit_anchor_signing_input(&b64(vk.as_bytes()), &id, 3, &hash, 1_700_000_000),
            want
        );
        // Signed by another key claiming to be the organisation.
        let forged = sign_audit_anchor(&other, &id, 3, &hash, 1_700_000_000);
        assert_eq!(
            verify_audit_anchor(&vk, &id, &forged),
            Err(ProtoError::AuditAnchorSignature)
        );
        // Any field changed under a real countersignature.
        let mut t = a.clone();
        t.seq = 4;
        assert!(verify_audit_anchor(&vk, &id, &t).is_err());
        let mut t = a.clone();
        t.hash = "02".repeat(32);
        assert!(verify_audit_anchor(&vk, &id, &t).is_err());
        let mut t = a.clone();
        t.at += 1;
        assert!(verify_audit_anchor(&vk, &id, &t).is_err());
        assert!(verify_audit_anchor(&vk, &"cd".repeat(32), &a).is_err());
        assert!(verify_audit_anchor(&other.verifying_key(), &id, &a).is_err());
        // An answer signature is never an anchor.
        let mut t = a.clone();
        t.signature = sign_response(&org, "o", "n", b"{}");
        assert!(verify_audit_anchor(&vk, &id, &t).is_err());
    }

    #[test]
    fn verify_requests_without_a_head_stay_as_they_were() {
        let req = VerifyRequest {
            totp: "123456".into(),
            signals: RegionSignals::default(),
            audit_head: None,
        };
        let j = serde_json::to_string(&req).unwrap();
        assert!(!j.contains("audit_head"), "{j}");
        let back: VerifyRequest = serde_json::from_str(&j).unwrap();
        assert!(back.audit_head.is_none());
        let r: VerifyResponse = serde_json::from_str(
            r#"{"device_binding":{"ok":true,"code":"ok","message":""},
                "two_factor":{"ok":true,"code":"ok","message":""},
                "region":{"ok":true,"code":"ok","message":""}}"#,
        )
        .unwrap();
        assert!(r.audit_anchor.is_none());
    }

    #[test]
    fn fingerprints_are_grouped_hex() {
        let k = generate_signing_key().unwrap().verifying_key();
        let fp = fingerprint(&k);
        assert_eq!(fp.split(' ').count(), 16);
        assert_eq!(
            normalize_fingerprint(&fp.to_lowercase()),
            fp.replace(' ', "")
        );
    }
}
