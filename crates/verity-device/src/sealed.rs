//! Secrets sealed with a passphrase: argon2id derives a key, XChaCha20-Poly1305 seals the secret.
//!
//! Used where no OS secure store is usable (the device key on a headless Linux, opt-in) and for
//! the organisation's signing key on the desk when an admin asks for a passphrase. The KDF
//! parameters travel with the sealed box so they can be raised later without breaking old files,
//! and are bounded on opening so that a crafted file cannot make us allocate gigabytes.

use crate::proto::{b64, random_bytes, unb64, ProtoError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use std::path::Path;
use zeroize::Zeroizing;

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// The default: 64 MiB, 3 passes, 1 lane (above the OWASP minimum for argon2id).
    pub const DEFAULT: KdfParams = KdfParams {
        m_cost: 64 * 1024,
        t_cost: 3,
        p_cost: 1,
    };
    /// Cheap parameters, for tests only: they protect nothing.
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        m_cost: 256,
        t_cost: 1,
        p_cost: 1,
    };
    const MAX_M_COST: u32 = 1024 * 1024;
    const MAX_T_COST: u32 = 16;
    const MAX_P_COST: u32 = 8;
}

impl Default for KdfParams {
    fn default() -> KdfParams {
        KdfParams::DEFAULT
    }
}

/// A sealed secret, as stored in a JSON file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedBox {
    /// Always `"argon2id"`.
    pub kdf: String,
    /// Its parameters.
    pub params: KdfParams,
    /// 16-byte salt, base64url.
    pub salt: String,
    /// Always `"xchacha20poly1305"`.
    pub aead: String,
    /// 24-byte nonce, base64url.
    pub nonce: String,
    /// Ciphertext and tag, base64url.
    pub ciphertext: String,
}

/// Sealing and opening failures.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The passphrase is wrong, or the box was tampered with.
    #[error("the passphrase is wrong or the file was altered")]
    WrongPassphrase,
    /// The box names an algorithm or parameters we do not accept.
    #[error("unsupported sealed file: {0}")]
    Unsupported(String),
    /// The passphrase is empty.
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    /// A field does not decode.
    #[error(transparent)]
    Proto(#[from] ProtoError),
    /// The passphrase file cannot be read.
    #[error("cannot read the passphrase file {path}: {source}")]
    PassphraseFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The KDF failed.
    #[error("key derivation failed: {0}")]
    Kdf(String),
}

fn derive_key(
    passphrase: &[u8],
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, SealError> {
    if params.m_cost > KdfParams::MAX_M_COST
        || params.t_cost > KdfParams::MAX_T_COST
        || params.p_cost > KdfParams::MAX_P_COST
    {
        return Err(SealError::Unsupported(format!(
            "argon2id parameters out of range: {params:?}"
        )));
    }
    let p = argon2::Params::new(params.m_cost, params.t_cost, params.p_cost, Some(32))
        .map_err(|e| SealError::Kdf(e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase, salt, key.as_mut())
        .map_err(|e| SealError::Kdf(e.to_string()))?;
    Ok(key)
}

/// Seals `secret` with `passphrase`; `aad` (not secret) is bound to the box and must be given
/// again to open it.
///
/// # Errors
/// [`SealError::EmptyPassphrase`], randomness or KDF failures.
pub fn seal(
    passphrase: &[u8],
    secret: &[u8],
    aad: &[u8],
    params: KdfParams,
) -> Result<SealedBox, SealError> {
    if passphrase.is_empty() {
        return Err(SealError::EmptyPassphrase);
    }
    let mut salt = [0u8; 16];
    random_bytes(&mut salt)?;
    let mut nonce = [0u8; 24];
    random_bytes(&mut nonce)?;
    let key = derive_key(passphrase, &salt, params)?;
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let ciphertext = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: secret, aad })
        .map_err(|_| SealError::Kdf("encryption failed".into()))?;
    Ok(SealedBox {
        kdf: "argon2id".into(),
        params,
        salt: b64(&salt),
        aead: "xchacha20poly1305".into(),
        nonce: b64(&nonce),
        ciphertext: b64(&ciphertext),
    })
}

/// Opens a box sealed by [`seal`].
///
/// # Errors
/// [`SealError::WrongPassphrase`] when the passphrase or `aad` is wrong or the box was altered.
pub fn open(
    passphrase: &[u8],
    sealed: &SealedBox,
    aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if sealed.kdf != "argon2id" || sealed.aead != "xchacha20poly1305" {
        return Err(SealError::Unsupported(format!(
            "{} + {}",
            sealed.kdf, sealed.aead
        )));
    }
    let salt = unb64(&sealed.salt, "salt")?;
    let nonce = unb64(&sealed.nonce, "nonce")?;
    if nonce.len() != 24 || salt.len() < 8 {
        return Err(SealError::Unsupported("bad nonce or salt length".into()));
    }
    let ciphertext = unb64(&sealed.ciphertext, "ciphertext")?;
    let key = derive_key(passphrase, &salt, sealed.params)?;
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    cipher
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| SealError::WrongPassphrase)
}

/// Reads a passphrase from a file: its first line, without the line ending.
///
/// # Errors
/// [`SealError::PassphraseFile`], [`SealError::EmptyPassphrase`].
pub fn read_passphrase_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let raw = Zeroizing::new(
        std::fs::read(path).map_err(|source| SealError::PassphraseFile {
            path: path.to_path_buf(),
            source,
        })?,
    );
    let line = raw.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return Err(SealError::EmptyPassphrase);
    }
    Ok(Zeroizing::new(line.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens() {
        let p = KdfParams::INSECURE_FOR_TESTS;
        let b = seal(b"correct horse", b"secret!", b"slot-1", p).unwrap();
        assert_eq!(&*open(b"correct horse", &b, b"slot-1").unwrap(), b"secret!");
        assert!(matches!(
            open(b"wrong", &b, b"slot-1"),
            Err(SealError::WrongPassphrase)
        ));
        assert!(matches!(
            open(b"correct horse", &b, b"slot-2"),
            Err(SealError::WrongPassphrase)
        ));
        let mut huge = b.clone();
        huge.params.m_cost = u32::MAX;
        assert!(matches!(
            open(b"correct horse", &huge, b"slot-1"),
            Err(SealError::Unsupported(_))
        ));
        assert!(!serde_json::to_string(&b).unwrap().contains("secret!"));
    }
}
