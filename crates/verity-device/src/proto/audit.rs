//! Anchored audit heads: the device signs its audit chain's head, the desk countersigns it.

use super::*;

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
