//! Signed requests: the device key's signature over origin, method, path, body, time and nonce.

use super::*;

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
