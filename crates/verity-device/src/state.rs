//! The device state: `device.json` in the data directory.
//!
//! It holds what the device must remember about its binding and nothing secret: the desk's
//! address, the certificate (public), the pinned organisation key, which store holds the device
//! key and under which reference, the two-factor state (a flag, never the TOTP secret) and the
//! last check's results. A small JSON file of its own rather than a table in the shared store,
//! because `verity-store` is the only crate that speaks SQL and this is read whole, rarely, and
//! written only on enrolment and checks. It is written atomically (a temporary file, then a
//! rename) with owner-only permissions.

use crate::keystore::KeyStoreKind;
use crate::proto::{CheckResult, OrgFeedConfig, OrgInfo};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The state file's name in the data directory.
pub const STATE_FILE: &str = "device.json";

/// Where two-factor authentication stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoFactorState {
    /// Not set up.
    None,
    /// A secret was issued; no code has been accepted yet.
    Pending,
    /// A code was accepted: the authenticator app works.
    Active,
}

/// The results of the last "verify my device".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastVerify {
    /// When, Unix seconds.
    pub at: u64,
    /// The binding check.
    pub device_binding: CheckResult,
    /// The two-factor check.
    pub two_factor: CheckResult,
    /// The region check.
    pub region: CheckResult,
}

/// Whose app this is: an employee's (a `vc1.` binding certificate) or a support agent's (a `va1.`
/// agent certificate, issue 13).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceRole {
    /// An employee's device (the default: files written before agents existed).
    #[default]
    Employee,
    /// A support agent's app.
    Agent,
}

/// What the device remembers about its binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceState {
    /// Format version (1).
    pub v: u32,
    /// The desk's base URL.
    pub desk_url: String,
    /// An extra CA certificate (PEM) the desk's TLS certificate chains to, if it was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desk_ca_pem: Option<String>,
    /// Which store holds the device key.
    pub key_store: KeyStoreKind,
    /// The key's reference in that store.
    pub key_ref: String,
    /// The device id (SHA-256 of the public key, hex).
    pub device_id: String,
    /// The device public key (base64url).
    pub device_public_key: String,
    /// Employee or agent (absent in files written before agents existed: an employee's).
    #[serde(default)]
    pub role: DeviceRole,
    /// The binding certificate token (`vc1.`), or an agent's the agent certificate (`va1.`).
    pub certificate: String,
    /// The pinned organisation.
    pub org: OrgInfo,
    /// The employee the device is bound to (an agent's app: the agent's id, its device id).
    pub employee_id: String,
    /// The employee's name (an agent's app: the agent's name).
    pub employee_name: String,
    /// Certificate issue time, Unix seconds.
    pub issued_at: u64,
    /// Certificate expiry, Unix seconds.
    pub expires_at: u64,
    /// Two-factor state.
    pub two_factor: TwoFactorState,
    /// The last verification, if any.
    pub last_verify: Option<LastVerify>,
    /// The organisation's threat feed (URL and TUF root), from the desk's signed answers at
    /// enrolment and each verification; absent in files written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed: Option<OrgFeedConfig>,
}

/// State file failures.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing failed.
    #[error("cannot access the device state {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a device state.
    #[error("the device state {path} is damaged: {detail}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

impl DeviceState {
    /// Reads the state from `data_dir`, `None` when the device is not enrolled.
    ///
    /// # Errors
    /// [`StateError`].
    pub fn load(data_dir: &Path) -> Result<Option<DeviceState>, StateError> {
        let path = data_dir.join(STATE_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| StateError::Damaged {
                        path,
                        detail: e.to_string(),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StateError::Io { path, source }),
        }
    }

    /// Writes the state to `data_dir`, atomically, owner-only.
    ///
    /// # Errors
    /// [`StateError`].
    pub fn save(&self, data_dir: &Path) -> Result<(), StateError> {
        let path = data_dir.join(STATE_FILE);
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| StateError::Damaged {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        write_private_file(&path, &bytes).map_err(|source| StateError::Io { path, source })
    }

    /// Removes the state file (no error when there is none).
    ///
    /// # Errors
    /// [`StateError`].
    pub fn remove(data_dir: &Path) -> Result<(), StateError> {
        let path = data_dir.join(STATE_FILE);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StateError::Io { path, source }),
        }
    }
}

pub use crate::fsutil::{ensure_private_dir, write_private_file};
