//! Signed answers: the organisation key's signature over every answer of the desk.

use super::*;

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
