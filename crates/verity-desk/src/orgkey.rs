//! The organisation's signing key: `org-key.json` in the desk's data directory, owner-only.
//!
//! It signs every binding certificate, so it is the root of the device trust. With a passphrase
//! (recommended) the 32-byte seed is sealed with argon2id + XChaCha20-Poly1305 and `serve` needs
//! the passphrase to start; without one it is kept in the clear, protected only by the file's
//! permissions, like an SSH host key. The same seed, through HKDF, gives the key that encrypts
//! the TOTP secrets at rest, so that a copy of the database alone reveals none of them, and the
//! HMAC key under which enrolment codes are stored (each under its own HKDF label).

use ed25519_dalek::SigningKey;
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::path::{Path, PathBuf};
use verity_device::proto::{self, b64, unb64};
use verity_device::sealed::{self, KdfParams, SealedBox};
use zeroize::Zeroizing;

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "org-key.json";

const AAD: &[u8] = b"verity-desk-org-key-v1";

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum Protection {
    /// The seed in the clear (base64url).
    None { seed: String },
    /// The seed sealed with a passphrase.
    Passphrase { sealed: SealedBox },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    v: u32,
    public_key: String,
    protection: Protection,
}

/// Key file failures.
#[derive(Debug, thiserror::Error)]
pub enum OrgKeyError {
    /// There is no key file: run `org init`.
    #[error("no organisation key in {0}: run `verity-desk org init` first")]
    Missing(PathBuf),
    /// A key file exists already.
    #[error("an organisation key exists already in {0}")]
    Exists(PathBuf),
    /// The file is protected by a passphrase and none was given.
    #[error("the organisation key is protected by a passphrase: pass --passphrase-file FILE")]
    PassphraseNeeded,
    /// The file is damaged.
    #[error("the organisation key file {0} is damaged")]
    Damaged(PathBuf),
    /// Reading or writing failed.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Sealing failed (wrong passphrase included).
    #[error(transparent)]
    Seal(#[from] sealed::SealError),
    /// Randomness failed.
    #[error(transparent)]
    Proto(#[from] proto::ProtoError),
}

/// Creates a new organisation key in `data_dir` (refusing to overwrite one).
///
/// # Errors
/// [`OrgKeyError`].
pub fn create(
    data_dir: &Path,
    passphrase: Option<&[u8]>,
    kdf: KdfParams,
) -> Result<SigningKey, OrgKeyError> {
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        return Err(OrgKeyError::Exists(path));
    }
    let key = proto::generate_signing_key()?;
    let seed = Zeroizing::new(key.to_bytes());
    let protection = match passphrase {
        Some(p) => Protection::Passphrase {
            sealed: sealed::seal(p, seed.as_ref(), AAD, kdf)?,
        },
        None => Protection::None {
            seed: b64(seed.as_ref()),
        },
    };
    let file = KeyFile {
        v: 1,
        public_key: b64(key.verifying_key().as_bytes()),
        protection,
    };
    let bytes = Zeroizing::new(
        serde_json::to_vec_pretty(&file).map_err(|_| OrgKeyError::Damaged(path.clone()))?,
    );
    if let Protection::None { mut seed } = file.protection {
        zeroize::Zeroize::zeroize(&mut seed);
    }
    verity_device::fsutil::write_private_file(&path, &bytes)
        .map_err(|source| OrgKeyError::Io { path, source })?;
    Ok(key)
}

/// Loads the organisation key from `data_dir`.
///
/// # Errors
/// [`OrgKeyError`].
pub fn load(data_dir: &Path, passphrase: Option<&[u8]>) -> Result<SigningKey, OrgKeyError> {
    let path = data_dir.join(KEY_FILE);
    let bytes = Zeroizing::new(match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(OrgKeyError::Missing(path))
        }
        Err(source) => return Err(OrgKeyError::Io { path, source }),
    });
    let file: KeyFile =
        serde_json::from_slice(&bytes).map_err(|_| OrgKeyError::Damaged(path.clone()))?;
    let seed: Zeroizing<Vec<u8>> = match file.protection {
        Protection::None { mut seed } => {
            let out = unb64(&seed, "seed").map_err(|_| OrgKeyError::Damaged(path.clone()));
            zeroize::Zeroize::zeroize(&mut seed);
            Zeroizing::new(out?)
        }
        Protection::Passphrase { sealed } => {
            let p = passphrase.ok_or(OrgKeyError::PassphraseNeeded)?;
            sealed::open(p, &sealed, AAD)?
        }
    };
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
        seed.as_slice()
            .try_into()
            .map_err(|_| OrgKeyError::Damaged(path.clone()))?,
    );
    let key = SigningKey::from_bytes(&seed);
    if b64(key.verifying_key().as_bytes()) != file.public_key {
        return Err(OrgKeyError::Damaged(path));
    }
    Ok(key)
}

/// A 32-byte key derived from the organisation key for one purpose (`label`, a distinct
/// domain per use).
fn derive(org_key: &SigningKey, label: &[u8]) -> Zeroizing<[u8; 32]> {
    let seed = Zeroizing::new(org_key.to_bytes());
    let hk = Hkdf::<Sha256>::new(Some(b"verity-desk"), seed.as_ref());
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 bytes is always a valid HKDF-SHA256 output length.
    if hk.expand(label, out.as_mut()).is_err() {
        out.fill(0);
    }
    out
}

/// The key that encrypts TOTP secrets at rest, derived from the organisation key.
#[must_use]
pub fn totp_at_rest_key(org_key: &SigningKey) -> Zeroizing<[u8; 32]> {
    derive(org_key, b"totp-at-rest v1")
}

/// The HMAC-SHA256 key under which enrolment codes are stored, derived from the organisation
/// key: a copy of the database alone does not let anyone test guesses of a code offline.
#[must_use]
pub fn enroll_code_key(org_key: &SigningKey) -> Zeroizing<[u8; 32]> {
    derive(org_key, b"enroll-code-hmac v1")
}

/// The organisation console's key, derived from the organisation key: setup codes are stored as
/// HMACs under it, and each session's CSRF token is an HMAC under it of the session's token hash.
#[must_use]
pub fn console_key(org_key: &SigningKey) -> Zeroizing<[u8; 32]> {
    derive(org_key, b"console v1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_are_distinct_per_purpose_and_stable() {
        let k = SigningKey::from_bytes(&[7u8; 32]);
        assert_ne!(*totp_at_rest_key(&k), *enroll_code_key(&k));
        assert_eq!(*enroll_code_key(&k), *enroll_code_key(&k));
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert_ne!(*enroll_code_key(&k), *enroll_code_key(&other));
    }
}
