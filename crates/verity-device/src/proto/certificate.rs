//! Binding certificates: `vc1.<body>.<signature>`, signed by the organisation key.

use super::*;

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

/// Most characters in a binding certificate's organisation name, employee id and employee name
/// (the desk takes at most 128 bytes for each).
pub const MAX_CERT_TEXT_CHARS: usize = 128;
/// Most hexadecimal digits in a certificate's serial (the desk makes 32).
pub const MAX_SERIAL_CHARS: usize = 64;

/// Why a binding certificate's fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateFieldError {
    /// A name or id that is empty, too long, padded with spaces or holds control or format
    /// characters ([`is_hidden_char`]).
    #[error("the {0} must be 1 to {MAX_CERT_TEXT_CHARS} printable characters")]
    Text(&'static str),
    /// A serial that is not 1 to [`MAX_SERIAL_CHARS`] lower-case hexadecimal digits.
    #[error("the serial must be 1 to {MAX_SERIAL_CHARS} lower-case hexadecimal digits")]
    Serial,
    /// A validity window that ends before it starts.
    #[error("the certificate expires before it is issued")]
    Window,
}

impl CertificateBody {
    /// Checks the names, the serial and the validity window (not the keys or the signature).
    ///
    /// # Errors
    /// The first [`CertificateFieldError`].
    pub fn check_fields(&self) -> Result<(), CertificateFieldError> {
        for (what, text) in [
            ("organisation name", &self.org_name),
            ("employee id", &self.employee_id),
            ("employee name", &self.employee_name),
        ] {
            if !is_display_text(text, MAX_CERT_TEXT_CHARS) {
                return Err(CertificateFieldError::Text(what));
            }
        }
        if self.serial.is_empty()
            || self.serial.len() > MAX_SERIAL_CHARS
            || !self
                .serial
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(CertificateFieldError::Serial);
        }
        if self.expires_at <= self.issued_at {
            return Err(CertificateFieldError::Window);
        }
        Ok(())
    }
}

/// A verified binding certificate: its body and the token it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    body: CertificateBody,
    token: String,
    device_key: VerifyingKey,
}

impl Certificate {
    /// Signs `body` with the organisation key, once it passes the checks
    /// [`AgentCertificate::sign`] makes.
    ///
    /// # Errors
    /// [`ProtoError::CertificateField`] for a field out of bounds (a version other than 1 is
    /// [`ProtoError::CertificateMalformed`]); [`ProtoError::Encoding`] when the body names a bad
    /// device key; [`ProtoError::CertificateDevice`] when the device id is not the key's;
    /// [`ProtoError::CertificateOrganisation`] when it names another organisation key.
    pub fn sign(body: CertificateBody, org_key: &SigningKey) -> Result<Certificate, ProtoError> {
        if body.v != 1 {
            return Err(ProtoError::CertificateMalformed);
        }
        body.check_fields().map_err(ProtoError::CertificateField)?;
        let device_key = parse_public_key(&body.device_key, "device key")?;
        if key_id(&device_key) != body.device_id {
            return Err(ProtoError::CertificateDevice);
        }
        if body.org_key != b64(org_key.verifying_key().as_bytes()) {
            return Err(ProtoError::CertificateOrganisation);
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| ProtoError::Json(e.to_string()))?;
        let token = seal_token(CERT_PREFIX, CERT_DOMAIN, &bytes, org_key);
        Ok(Certificate {
            body,
            token,
            device_key,
        })
    }

    /// Verifies `token` against the organisation key and, when `now` is given, its validity
    /// window; its fields are checked as on signing.
    ///
    /// # Errors
    /// The [`ProtoError`] `Certificate*` variants ([`ProtoError::CertificateField`] for a
    /// signed certificate whose fields are out of bounds).
    pub fn verify(
        token: &str,
        org_key: &VerifyingKey,
        now: Option<u64>,
    ) -> Result<Certificate, ProtoError> {
        let bytes = open_token(token, CERT_PREFIX, CERT_DOMAIN, org_key)?;
        let body: CertificateBody =
            serde_json::from_slice(&bytes).map_err(|_| ProtoError::CertificateMalformed)?;
        if body.v != 1 {
            return Err(ProtoError::CertificateMalformed);
        }
        if body.org_key != b64(org_key.as_bytes()) {
            return Err(ProtoError::CertificateOrganisation);
        }
        body.check_fields().map_err(ProtoError::CertificateField)?;
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

/// `bytes` signed under `domain` by the organisation key, as a compact token
/// `prefix.<base64url bytes>.<base64url signature>`.
pub(super) fn seal_token(
    prefix: &str,
    domain: &[u8],
    bytes: &[u8],
    org_key: &SigningKey,
) -> String {
    let sig = org_key.sign(&[domain, bytes].concat());
    format!("{prefix}.{}.{}", b64(bytes), b64(&sig.to_bytes()))
}

/// The body bytes of a `prefix` token, once its signature under `domain` verifies with the
/// organisation key (checked over the bytes received, before anything parses them).
///
/// # Errors
/// [`ProtoError::CertificateMalformed`] for a token of another shape, prefix or size;
/// [`ProtoError::CertificateSignature`] when the signature does not verify.
pub(super) fn open_token(
    token: &str,
    prefix: &str,
    domain: &[u8],
    org_key: &VerifyingKey,
) -> Result<Vec<u8>, ProtoError> {
    if token.len() > MAX_CERTIFICATE_LEN {
        return Err(ProtoError::CertificateMalformed);
    }
    let mut parts = token.split('.');
    let (Some(found), Some(body_b64), Some(sig_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ProtoError::CertificateMalformed);
    };
    if found != prefix {
        return Err(ProtoError::CertificateMalformed);
    }
    let bytes = unb64(body_b64, "certificate").map_err(|_| ProtoError::CertificateMalformed)?;
    let sig = unb64(sig_b64, "certificate").map_err(|_| ProtoError::CertificateMalformed)?;
    let sig = Signature::from_slice(&sig).map_err(|_| ProtoError::CertificateMalformed)?;
    org_key
        .verify_strict(&[domain, &bytes].concat(), &sig)
        .map_err(|_| ProtoError::CertificateSignature)?;
    Ok(bytes)
}
