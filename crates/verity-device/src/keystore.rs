//! Where the device key lives: the OS secure store, or (opt-in) a passphrase-encrypted file.
//!
//! The OS store is the Keychain on macOS, the Credential Manager on Windows and the Secret Service
//! (GNOME Keyring, KWallet) on Linux, through the `keyring` crate with one explicit backend per OS.
//! The crate's in-memory mock (what `keyring` 3.x silently uses without a backend feature) and the
//! kernel keyutils store (lost at reboot) are never the home of a device key: [`OsKeyStore`]
//! refuses a mock credential at run time as a second line of defence.
//!
//! When the OS store is not usable (no D-Bus session, no unlocked collection: a headless Linux),
//! [`OsKeyStore::probe`] says so with [`KeyStoreError::NoSecureStore`], and the caller may offer
//! the [`FileKeyStore`]: the 32-byte key sealed with argon2id + XChaCha20-Poly1305 under a
//! passphrase the user gives. There is no plaintext fallback, silent or otherwise.

use crate::proto::ProtoError;
use crate::sealed::{self, KdfParams, SealError, SealedBox};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The service name under which device keys are kept in the OS store; each key has its own
/// account name (the key reference kept in the device state).
pub const OS_SERVICE: &str = "hk.verity.device-key";
/// The file store's file name in the data directory.
pub const KEY_FILE: &str = "device-key.sealed.json";

/// Which kind of store holds a key (recorded in the device state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStoreKind {
    /// The OS secure store.
    Os,
    /// The passphrase-encrypted file.
    File,
}

impl std::fmt::Display for KeyStoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyStoreKind::Os => "os",
            KeyStoreKind::File => "file",
        })
    }
}

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyStoreChoice {
    /// The store recorded in the device state; for a new key, the OS store (never the file
    /// store unless asked).
    #[default]
    Auto,
    /// The OS secure store (Secret Service on Linux).
    Os,
    /// The passphrase-encrypted file.
    File,
}

/// Key store failures.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// No OS secure store is usable here.
    #[error(
        "no secure key store is usable on this device ({detail}); \
         to keep the device key in a passphrase-encrypted file instead, \
         use --key-store file with --passphrase-file FILE"
    )]
    NoSecureStore {
        /// What the OS store said.
        detail: String,
    },
    /// The key is not in the store.
    #[error("the device key is not in the {store} key store")]
    Missing {
        /// Which store.
        store: KeyStoreKind,
    },
    /// The file store needs a passphrase.
    #[error("the file key store needs a passphrase: pass --passphrase-file FILE")]
    PassphraseNeeded,
    /// The OS store failed.
    #[error("the OS key store failed: {0}")]
    Os(String),
    /// The stored key is not a key.
    #[error("the stored device key is damaged")]
    Damaged,
    /// Sealing or opening the key file failed.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// Reading or writing the key file failed.
    #[error("cannot access the key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Randomness failed.
    #[error(transparent)]
    Proto(#[from] ProtoError),
}

/// A home for the device key.
pub trait KeyStore: std::fmt::Debug {
    /// Which kind of store.
    fn kind(&self) -> KeyStoreKind;
    /// Keeps `key` under `key_ref`, replacing what was there.
    ///
    /// # Errors
    /// Store failures.
    fn save(&self, key_ref: &str, key: &SigningKey) -> Result<(), KeyStoreError>;
    /// Fetches the key kept under `key_ref`.
    ///
    /// # Errors
    /// [`KeyStoreError::Missing`] and store failures.
    fn load(&self, key_ref: &str) -> Result<SigningKey, KeyStoreError>;
    /// Whether a key is kept under `key_ref` (without unsealing it).
    ///
    /// # Errors
    /// Store failures.
    fn contains(&self, key_ref: &str) -> Result<bool, KeyStoreError>;
    /// Forgets the key kept under `key_ref` (no error when there is none).
    ///
    /// # Errors
    /// Store failures.
    fn delete(&self, key_ref: &str) -> Result<(), KeyStoreError>;
}

fn key_from_bytes(bytes: &[u8]) -> Result<SigningKey, KeyStoreError> {
    let seed: Zeroizing<[u8; 32]> =
        Zeroizing::new(bytes.try_into().map_err(|_| KeyStoreError::Damaged)?);
    Ok(SigningKey::from_bytes(&seed))
}

// ---------------------------------------------------------------------------------------------
// OS store

/// The OS secure store.
#[derive(Debug, Clone)]
pub struct OsKeyStore {
    service: String,
}

impl Default for OsKeyStore {
    fn default() -> OsKeyStore {
        OsKeyStore::new(OS_SERVICE)
    }
}

impl OsKeyStore {
    /// A store that keeps keys under `service`.
    #[must_use]
    pub fn new(service: &str) -> OsKeyStore {
        OsKeyStore {
            service: service.to_owned(),
        }
    }

    /// Checks that the OS store can be used here, by reading an entry that need not exist.
    ///
    /// # Errors
    /// [`KeyStoreError::NoSecureStore`] with what the store said.
    pub fn probe(&self) -> Result<(), KeyStoreError> {
        self.contains("probe").map(|_| ())
    }

    #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
    fn entry(&self, key_ref: &str) -> Result<keyring::Entry, KeyStoreError> {
        let entry = keyring::Entry::new(&self.service, key_ref).map_err(|e| no_store(&e))?;
        if entry
            .get_credential()
            .downcast_ref::<keyring::mock::MockCredential>()
            .is_some()
        {
            return Err(KeyStoreError::NoSecureStore {
                detail: "this build has no OS key store backend".into(),
            });
        }
        Ok(entry)
    }
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
fn no_store(e: &keyring::Error) -> KeyStoreError {
    match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            KeyStoreError::NoSecureStore {
                detail: one_line(&e.to_string()),
            }
        }
        other => KeyStoreError::Os(one_line(&other.to_string())),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
impl KeyStore for OsKeyStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Os
    }

    fn save(&self, key_ref: &str, key: &SigningKey) -> Result<(), KeyStoreError> {
        let seed = Zeroizing::new(key.to_bytes());
        self.entry(key_ref)?
            .set_secret(seed.as_ref())
            .map_err(|e| no_store(&e))
    }

    fn load(&self, key_ref: &str) -> Result<SigningKey, KeyStoreError> {
        match self.entry(key_ref)?.get_secret() {
            Ok(v) => key_from_bytes(&Zeroizing::new(v)),
            Err(keyring::Error::NoEntry) => Err(KeyStoreError::Missing {
                store: KeyStoreKind::Os,
            }),
            Err(e) => Err(no_store(&e)),
        }
    }

    fn contains(&self, key_ref: &str) -> Result<bool, KeyStoreError> {
        match self.entry(key_ref)?.get_secret() {
            Ok(v) => {
                drop(Zeroizing::new(v));
                Ok(true)
            }
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(no_store(&e)),
        }
    }

    fn delete(&self, key_ref: &str) -> Result<(), KeyStoreError> {
        match self.entry(key_ref)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(no_store(&e)),
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
impl OsKeyStore {
    fn entry(&self, _key_ref: &str) -> Result<std::convert::Infallible, KeyStoreError> {
        Err(KeyStoreError::NoSecureStore {
            detail: "Verity has no OS key store backend for this operating system".into(),
        })
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
impl KeyStore for OsKeyStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Os
    }
    fn save(&self, key_ref: &str, _key: &SigningKey) -> Result<(), KeyStoreError> {
        self.entry(key_ref).map(|_| ())
    }
    fn load(&self, key_ref: &str) -> Result<SigningKey, KeyStoreError> {
        match self.entry(key_ref)? {}
    }
    fn contains(&self, key_ref: &str) -> Result<bool, KeyStoreError> {
        self.entry(key_ref).map(|_| false)
    }
    fn delete(&self, key_ref: &str) -> Result<(), KeyStoreError> {
        self.entry(key_ref).map(|_| ())
    }
}

// ---------------------------------------------------------------------------------------------
// File store

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    v: u32,
    key_ref: String,
    sealed: SealedBox,
}

/// The opt-in passphrase-encrypted key file, `device-key.sealed.json` in the data directory.
pub struct FileKeyStore {
    path: PathBuf,
    passphrase: Option<Zeroizing<Vec<u8>>>,
    params: KdfParams,
}

impl std::fmt::Debug for FileKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileKeyStore")
            .field("path", &self.path)
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl FileKeyStore {
    /// The file store in `data_dir`; `passphrase` is needed to save or load, not to check or
    /// delete.
    #[must_use]
    pub fn new(
        data_dir: &Path,
        passphrase: Option<Zeroizing<Vec<u8>>>,
        params: KdfParams,
    ) -> FileKeyStore {
        FileKeyStore {
            path: data_dir.join(KEY_FILE),
            passphrase,
            params,
        }
    }

    /// The key file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn passphrase(&self) -> Result<&[u8], KeyStoreError> {
        self.passphrase
            .as_deref()
            .map(Vec::as_slice)
            .ok_or(KeyStoreError::PassphraseNeeded)
    }

    fn read(&self) -> Result<Option<KeyFile>, KeyStoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| KeyStoreError::Damaged),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(KeyStoreError::Io {
                path: self.path.clone(),
                source,
            }),
        }
    }
}

fn aad(key_ref: &str) -> Vec<u8> {
    format!("verity-device-key-v1:{key_ref}").into_bytes()
}

impl KeyStore for FileKeyStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::File
    }

    fn save(&self, key_ref: &str, key: &SigningKey) -> Result<(), KeyStoreError> {
        let seed = Zeroizing::new(key.to_bytes());
        let sealed = sealed::seal(
            self.passphrase()?,
            seed.as_ref(),
            &aad(key_ref),
            self.params,
        )?;
        let file = KeyFile {
            v: 1,
            key_ref: key_ref.to_owned(),
            sealed,
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| KeyStoreError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        crate::state::write_private_file(&self.path, &bytes).map_err(|source| KeyStoreError::Io {
            path: self.path.clone(),
            source,
        })
    }

    fn load(&self, key_ref: &str) -> Result<SigningKey, KeyStoreError> {
        let missing = KeyStoreError::Missing {
            store: KeyStoreKind::File,
        };
        let file = self.read()?.ok_or(missing)?;
        if file.key_ref != key_ref {
            return Err(KeyStoreError::Missing {
                store: KeyStoreKind::File,
            });
        }
        let seed = sealed::open(self.passphrase()?, &file.sealed, &aad(key_ref))?;
        key_from_bytes(&seed)
    }

    fn contains(&self, key_ref: &str) -> Result<bool, KeyStoreError> {
        Ok(self.read()?.is_some_and(|f| f.key_ref == key_ref))
    }

    fn delete(&self, key_ref: &str) -> Result<(), KeyStoreError> {
        if self.contains(key_ref)? {
            std::fs::remove_file(&self.path).map_err(|source| KeyStoreError::Io {
                path: self.path.clone(),
                source,
            })?;
        }
        Ok(())
    }
}
