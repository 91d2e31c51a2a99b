//! Authenticator data (WebAuthn §6.1), attested credential data (§6.5.2), COSE public keys
//! (RFC 9052/9053 as WebAuthn §5.8.5 restricts them) and the signatures made with them.

use ciborium::value::Value;
use p256::ecdsa::signature::Verifier as _;

use crate::PasskeyError;

/// COSE algorithm ES256: ECDSA with SHA-256 on P-256.
pub(crate) const ALG_ES256: i64 = -7;
/// COSE algorithm EdDSA (here Ed25519 only).
pub(crate) const ALG_EDDSA: i64 = -8;

const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_BE: u8 = 0x08;
const FLAG_BS: u8 = 0x10;
const FLAG_AT: u8 = 0x40;
const FLAG_ED: u8 = 0x80;

/// A credential ID may be at most 1023 bytes (§5.1, §6.5.2).
pub(crate) const MAX_CREDENTIAL_ID_LEN: usize = 1023;

/// A credential public key this relying party accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PublicKey {
    Es256(p256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl PublicKey {
    /// The uncompressed SEC1 point (65 bytes) or the Ed25519 key (32 bytes).
    pub(crate) fn to_raw(&self) -> Vec<u8> {
        match self {
            Self::Es256(key) => key.to_encoded_point(false).as_bytes().to_vec(),
            Self::Ed25519(key) => key.to_bytes().to_vec(),
        }
    }

    pub(crate) fn alg(&self) -> i64 {
        match self {
            Self::Es256(_) => ALG_ES256,
            Self::Ed25519(_) => ALG_EDDSA,
        }
    }

    pub(crate) fn es256_from_sec1(bytes: &[u8]) -> Result<Self, PasskeyError> {
        if bytes.len() != 65 || bytes.first() != Some(&0x04) {
            return Err(PasskeyError::InvalidPublicKey(
                "not an uncompressed P-256 point",
            ));
        }
        p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
            .map(Self::Es256)
            .map_err(|_| PasskeyError::InvalidPublicKey("not a point on P-256"))
    }

    pub(crate) fn ed25519_from_bytes(bytes: &[u8]) -> Result<Self, PasskeyError> {
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| PasskeyError::InvalidPublicKey("an Ed25519 key is 32 bytes"))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map_err(|_| PasskeyError::InvalidPublicKey("not an Ed25519 point"))?;
        if key.is_weak() {
            return Err(PasskeyError::InvalidPublicKey("a small-order Ed25519 key"));
        }
        Ok(Self::Ed25519(key))
    }

    /// Verifies `signature` over `message`: DER ECDSA for ES256 (§6.5.6), raw 64 bytes for
    /// EdDSA, checked strictly (no malleable or small-order forms).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), PasskeyError> {
        match self {
            Self::Es256(key) => {
                let signature = p256::ecdsa::Signature::from_der(signature)
                    .map_err(|_| PasskeyError::BadSignature)?;
                key.verify(message, &signature)
                    .map_err(|_| PasskeyError::BadSignature)
            }
            Self::Ed25519(key) => {
                let signature = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| PasskeyError::BadSignature)?;
                // Strict: no small-order R or key, canonical S (RFC 8032 §5.1.7).
                key.verify_strict(message, &signature)
                    .map_err(|_| PasskeyError::BadSignature)
            }
        }
    }

    /// Parses a COSE_Key (§5.8.5): an EC2 P-256 key with alg ES256 or an OKP Ed25519 key with
    /// alg EdDSA; any other algorithm is refused.
    fn from_cose(value: &Value) -> Result<Self, PasskeyError> {
        let Value::Map(entries) = value else {
            return Err(PasskeyError::InvalidPublicKey("the COSE key is not a map"));
        };
        let mut fields: Vec<(i128, &Value)> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let Value::Integer(key) = key else {
                return Err(PasskeyError::InvalidPublicKey(
                    "a COSE key label is not an integer",
                ));
            };
            let key = i128::from(*key);
            if fields.iter().any(|(seen, _)| *seen == key) {
                return Err(PasskeyError::InvalidPublicKey(
                    "a COSE key label is repeated",
                ));
            }
            fields.push((key, value));
        }
        let get = |label: i128| {
            fields
                .iter()
                .find(|(key, _)| *key == label)
                .map(|(_, v)| *v)
        };
        let int = |label: i128, what: &'static str| match get(label) {
            Some(Value::Integer(value)) => Ok(i128::from(*value)),
            _ => Err(PasskeyError::InvalidPublicKey(what)),
        };
        let bytes = |label: i128, what: &'static str| match get(label) {
            Some(Value::Bytes(value)) if value.len() == 32 => Ok(value.as_slice()),
            _ => Err(PasskeyError::InvalidPublicKey(what)),
        };
        let alg = int(3, "no integer alg (3)")?;
        let kty = int(1, "no integer kty (1)")?;
        let crv = int(-1, "no integer crv (-1)");
        match i64::try_from(alg) {
            Ok(ALG_ES256) => {
                if kty != 2 || crv? != 1 {
                    return Err(PasskeyError::InvalidPublicKey(
                        "ES256 needs kty EC2 and crv P-256",
                    ));
                }
                let mut point = Vec::with_capacity(65);
                point.push(0x04);
                point.extend_from_slice(bytes(-2, "no 32-byte x (-2)")?);
                point.extend_from_slice(bytes(-3, "no 32-byte y (-3)")?);
                Self::es256_from_sec1(&point)
            }
            Ok(ALG_EDDSA) => {
                if kty != 1 || crv? != 6 {
                    return Err(PasskeyError::InvalidPublicKey(
                        "EdDSA needs kty OKP and crv Ed25519",
                    ));
                }
                Self::ed25519_from_bytes(bytes(-2, "no 32-byte x (-2)")?)
            }
            Ok(other) => Err(PasskeyError::UnsupportedAlgorithm(other)),
            Err(_) => Err(PasskeyError::InvalidPublicKey("alg out of range")),
        }
    }
}

/// Attested credential data (§6.5.2).
#[derive(Debug)]
pub(crate) struct AttestedCredential {
    pub(crate) aaguid: [u8; 16],
    pub(crate) id: Vec<u8>,
    pub(crate) public_key: PublicKey,
}

/// Parsed authenticator data (§6.1).
#[derive(Debug)]
pub(crate) struct AuthenticatorData {
    pub(crate) rp_id_hash: [u8; 32],
    flags: u8,
    pub(crate) sign_count: u32,
    pub(crate) attested: Option<AttestedCredential>,
}

impl AuthenticatorData {
    pub(crate) fn user_present(&self) -> bool {
        self.flags & FLAG_UP != 0
    }
    pub(crate) fn user_verified(&self) -> bool {
        self.flags & FLAG_UV != 0
    }
    pub(crate) fn backup_eligible(&self) -> bool {
        self.flags & FLAG_BE != 0
    }
    pub(crate) fn backed_up(&self) -> bool {
        self.flags & FLAG_BS != 0
    }

    /// Parses the whole of `data`: the fixed 37 bytes, the attested credential data when AT is
    /// set, the extensions map when ED is set, and nothing after them.
    pub(crate) fn parse(data: &[u8]) -> Result<Self, PasskeyError> {
        let malformed = |what: &str| PasskeyError::Malformed(format!("authenticator data: {what}"));
        let (head, mut rest) = data
            .split_at_checked(37)
            .ok_or_else(|| malformed("shorter than 37 bytes"))?;
        let mut rp_id_hash = [0u8; 32];
        rp_id_hash.copy_from_slice(&head[..32]);
        let flags = head[32];
        let sign_count = u32::from_be_bytes([head[33], head[34], head[35], head[36]]);
        let attested = if flags & FLAG_AT != 0 {
            let (fixed, after) = rest
                .split_at_checked(18)
                .ok_or_else(|| malformed("attested credential data cut short"))?;
            let mut aaguid = [0u8; 16];
            aaguid.copy_from_slice(&fixed[..16]);
            let id_len = usize::from(u16::from_be_bytes([fixed[16], fixed[17]]));
            if id_len == 0 || id_len > MAX_CREDENTIAL_ID_LEN {
                return Err(malformed("credential ID length not within 1..=1023"));
            }
            let (id, after) = after
                .split_at_checked(id_len)
                .ok_or_else(|| malformed("credential ID cut short"))?;
            rest = after;
            let key: Value = ciborium::de::from_reader(&mut rest)
                .map_err(|e| malformed(&format!("credential public key: {e}")))?;
            Some(AttestedCredential {
                aaguid,
                id: id.to_vec(),
                public_key: PublicKey::from_cose(&key)?,
            })
        } else {
            None
        };
        if flags & FLAG_ED != 0 {
            // Extension outputs (§9): none are requested, so none are used; an authenticator may
            // still add some (credProtect, say), which must at least be a well-formed map.
            let extensions: Value = ciborium::de::from_reader(&mut rest)
                .map_err(|e| malformed(&format!("extensions: {e}")))?;
            let Value::Map(entries) = extensions else {
                return Err(malformed("extensions are not a map"));
            };
            if entries
                .iter()
                .any(|(key, _)| !matches!(key, Value::Text(_)))
            {
                return Err(malformed("an extension identifier is not text"));
            }
        }
        if !rest.is_empty() {
            return Err(malformed("bytes after the end"));
        }
        Ok(Self {
            rp_id_hash,
            flags,
            sign_count,
            attested,
        })
    }
}
