//! TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, what every authenticator app speaks).
//!
//! The desk makes a 20-byte secret per device and keeps it sealed with the at-rest key
//! (XChaCha20-Poly1305, the device id as associated data, so a sealed secret cannot be moved to
//! another device's row). A code is checked against the steps `now-1`, `now`, `now+1` (one step
//! of clock skew each way); the step that matched must be later than the last accepted one, so a
//! code, once used, is refused — even within its 90-second window.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};
use verity_device::proto::{random_bytes, ProtoError};
use zeroize::Zeroizing;

/// Seconds per step.
pub const STEP_SECS: u64 = 30;
const SECRET_LEN: usize = 20;

/// TOTP failures.
#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    /// The sealed secret does not open (wrong key or altered row).
    #[error("the stored TOTP secret cannot be opened")]
    Sealed,
    /// totp-rs refused the parameters.
    #[error("TOTP set-up failed: {0}")]
    Setup(String),
    /// Randomness failed.
    #[error(transparent)]
    Proto(#[from] ProtoError),
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> Result<TOTP, TotpError> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECS,
        secret.to_vec(),
        Some(label_part(issuer)),
        label_part(account),
    )
    .map_err(|e| TotpError::Setup(e.to_string()))
}

/// The otpauth label may not contain `:`.
fn label_part(s: &str) -> String {
    let cleaned: String = s.chars().filter(|c| *c != ':' && !c.is_control()).collect();
    if cleaned.trim().is_empty() {
        "Verity".into()
    } else {
        cleaned.trim().to_owned()
    }
}

/// A new secret, its `otpauth://` URI and its base32 text.
pub struct NewSecret {
    /// The raw secret (to be sealed).
    pub secret: Zeroizing<Vec<u8>>,
    /// `otpauth://totp/...`.
    pub uri: Zeroizing<String>,
    /// Base32, for typing in.
    pub base32: Zeroizing<String>,
    /// Issuer as shown.
    pub issuer: String,
    /// Account as shown.
    pub account: String,
}

/// Makes a new secret for `account` at `issuer`.
///
/// # Errors
/// [`TotpError`].
pub fn new_secret(issuer: &str, account: &str) -> Result<NewSecret, TotpError> {
    let mut secret = Zeroizing::new(vec![0u8; SECRET_LEN]);
    random_bytes(&mut secret)?;
    let t = totp(&secret, issuer, account)?;
    Ok(NewSecret {
        uri: Zeroizing::new(t.get_url()),
        base32: Zeroizing::new(t.get_secret_base32()),
        issuer: label_part(issuer),
        account: label_part(account),
        secret,
    })
}

/// Seals a secret for `device_id` with the at-rest key.
///
/// # Errors
/// [`TotpError`].
pub fn seal(at_rest_key: &[u8; 32], device_id: &str, secret: &[u8]) -> Result<Vec<u8>, TotpError> {
    let mut nonce = [0u8; 24];
    random_bytes(&mut nonce)?;
    let cipher = XChaCha20Poly1305::new(at_rest_key.into());
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: secret,
                aad: device_id.as_bytes(),
            },
        )
        .map_err(|_| TotpError::Sealed)?;
    Ok([nonce.as_slice(), &ct].concat())
}

/// Opens a sealed secret.
///
/// # Errors
/// [`TotpError::Sealed`].
pub fn open(
    at_rest_key: &[u8; 32],
    device_id: &str,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, TotpError> {
    if sealed.len() < 24 {
        return Err(TotpError::Sealed);
    }
    let (nonce, ct) = sealed.split_at(24);
    let cipher = XChaCha20Poly1305::new(at_rest_key.into());
    cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ct,
                aad: device_id.as_bytes(),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| TotpError::Sealed)
}

/// The step (within one of `now`'s) whose code is `code`, compared in constant time.
///
/// # Errors
/// [`TotpError`].
pub fn matching_step(secret: &[u8], code: &str, now: u64) -> Result<Option<u64>, TotpError> {
    let t = totp(secret, "Verity", "check")?;
    let current = now / STEP_SECS;
    let mut found = None;
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = Zeroizing::new(t.generate(step * STEP_SECS));
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && found.is_none() {
            found = Some(step);
        }
    }
    Ok(found)
}

/// The code for `secret` at time `at` (tests and tools; the desk never sends codes).
///
/// # Errors
/// [`TotpError`].
pub fn code_at(secret: &[u8], at: u64) -> Result<String, TotpError> {
    Ok(totp(secret, "Verity", "check")?.generate(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_and_sealing() {
        let s = new_secret("Acme: HK", "e1").unwrap();
        assert!(s.uri.starts_with("otpauth://totp/"));
        assert!(!s.uri.contains("Acme:%20HK"));
        let now = 1_000_000_000;
        let code = code_at(&s.secret, now).unwrap();
        assert_eq!(
            matching_step(&s.secret, &code, now).unwrap(),
            Some(now / 30)
        );
        assert_eq!(
            matching_step(&s.secret, &code, now + 30).unwrap(),
            Some(now / 30)
        );
        assert_eq!(
            matching_step(&s.secret, &code, now - 30).unwrap(),
            Some(now / 30)
        );
        assert_eq!(matching_step(&s.secret, &code, now + 90).unwrap(), None);
        let key = [7u8; 32];
        let sealed = seal(&key, "dev1", &s.secret).unwrap();
        assert_eq!(&*open(&key, "dev1", &sealed).unwrap(), &*s.secret);
        assert!(open(&key, "dev2", &sealed).is_err());
    }
}
