//! Enrolling this device with the organisation's desk: the rules both front ends apply before
//! anything leaves the device. Verifying it: the three checks, with the checklist audit chain's
//! head sent for the desk to countersign, and the countersigned head kept beside the log.

use crate::FlowError;
use verity_checklist::audit::AnchoredHead;
use verity_core::Timestamp;
use verity_device::agent::AgentEnrollOutcome;
use verity_device::device::{self as ops};
use verity_device::proto::{CheckIn, CheckInReceipt, ChecklistState, FeedState};
use verity_device::{DeviceContext, EnrollOutcome, KeyStoreChoice, VerifyReport};
use verity_feed_policy::config::TrustAnchor;
use verity_store::Store;

/// The shortest passphrase for a new key file, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
/// The longest passphrase, in bytes.
pub const MAX_PASSPHRASE_BYTES: usize = 1024;

/// Why a passphrase for a new key file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassphraseError {
    /// The key file was chosen without a passphrase.
    #[error("the key file needs a passphrase")]
    Missing,
    /// Fewer than [`MIN_PASSPHRASE_CHARS`] characters.
    #[error("the passphrase needs at least {min} characters")]
    TooShort {
        /// The minimum, in characters.
        min: usize,
    },
    /// More than [`MAX_PASSPHRASE_BYTES`] bytes.
    #[error("the passphrase is longer than {max} bytes")]
    TooLong {
        /// The maximum, in bytes.
        max: usize,
    },
}

/// Checks a passphrase for a new key file against the policy.
///
/// # Errors
/// [`PassphraseError`].
pub fn check_new_passphrase(passphrase: Option<&[u8]>) -> Result<(), PassphraseError> {
    let p = passphrase
        .filter(|p| !p.is_empty())
        .ok_or(PassphraseError::Missing)?;
    if p.len() > MAX_PASSPHRASE_BYTES {
        return Err(PassphraseError::TooLong {
            max: MAX_PASSPHRASE_BYTES,
        });
    }
    if String::from_utf8_lossy(p).chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(PassphraseError::TooShort {
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    Ok(())
}

/// Binds this device to the desk at `desk_url` with IT's one-time `code`, then sets up two-factor
/// (see `verity_device::device::enroll`): `expected_fingerprint` is the organisation key
/// fingerprint the user typed from IT's announcement (never one from an enrolment link), checked
/// against the desk's signed answer before the code is sent. A key file (`ctx.key_store` = file)
/// needs a passphrase that [`check_new_passphrase`] accepts; it is checked before anything is
/// sent.
///
/// # Errors
/// [`FlowError::Passphrase`], or the enrolment's [`FlowError::Device`].
pub fn enroll(
    ctx: &DeviceContext,
    desk_url: &str,
    code: &str,
    expected_fingerprint: &str,
) -> Result<EnrollOutcome, FlowError> {
    if ctx.key_store == KeyStoreChoice::File {
        check_new_passphrase(ctx.passphrase.as_deref().map(Vec::as_slice))?;
    }
    Ok(ops::enroll(ctx, desk_url, code, expected_fingerprint)?)
}

/// Enrols this app as a support agent's with an agent's one-time `code` (`verity-desk agent
/// add`), with the same rules as [`enroll`]: the typed fingerprint checked against the desk's
/// signed answer before the code is sent, a key file's passphrase checked first.
///
/// # Errors
/// [`FlowError::Passphrase`], or the enrolment's [`FlowError::Device`].
pub fn enroll_agent(
    ctx: &DeviceContext,
    desk_url: &str,
    code: &str,
    expected_fingerprint: &str,
) -> Result<AgentEnrollOutcome, FlowError> {
    if ctx.key_store == KeyStoreChoice::File {
        check_new_passphrase(ctx.passphrase.as_deref().map(Vec::as_slice))?;
    }
    Ok(verity_device::agent::enroll_agent(
        ctx,
        desk_url,
        code,
        expected_fingerprint,
    )?)
}

/// "Verify my device": the three checks against the desk with the current TOTP code. When the
/// checklist's audit log verifies (its own chain and the anchor kept), its head is sent to be
/// countersigned, and the anchor that comes back (checked by `verity_device::device::verify`) is
/// kept with [`Store::set_audit_anchor`]. A log that does not verify sends no head (its break is
/// not to be anchored); the report says so in `audit_anchor_problem`.
///
/// # Errors
/// [`FlowError::Device`] when the checks could not be run; [`FlowError::Store`].
pub fn verify(
    store: &mut Store,
    ctx: &DeviceContext,
    totp_code: &str,
) -> Result<VerifyReport, FlowError> {
    let check = store.verify_audit()?;
    let head = if check.verification.is_intact() {
        store.audit_head()?
    } else {
        None
    };
    let mut report = ops::verify(
        ctx,
        totp_code,
        head.as_ref().map(|h| (h.seq, h.hash.as_str())),
    )?;
    if let Some(b) = &check.verification.first_break {
        log::warn!("the audit log does not verify ({b}): its head was not sent");
        report.audit_anchor_problem = Some(format!(
            "the audit log does not verify ({b}): its head was not sent"
        ));
    }
    if let Some(a) = &report.audit_anchor {
        store.set_audit_anchor(&AnchoredHead {
            seq: a.seq,
            hash: a.hash.clone(),
            at: Timestamp(i64::try_from(a.at).unwrap_or(i64::MAX)),
            device_id: a.device_id.clone(),
            org_key: a.org_key.clone(),
            signature: a.signature.clone(),
        })?;
    }
    Ok(report)
}

/// The check-in this device would send now: the app's `app_version`, the feed version held and
/// when it last synced (and whether the feed is the organisation's own), the checklist's steps
/// done. Read from the store only; nothing of a check's input or a threat's value.
///
/// # Errors
/// [`FlowError::Store`].
pub fn check_in_body(store: &Store, app_version: &str) -> Result<CheckIn, FlowError> {
    let feed = store.feed_state()?;
    let settings = store.feed_settings()?;
    let feed = feed.version.map(|version| FeedState {
        version,
        synced_at: feed
            .last_success
            .map_or(0, |t| u64::try_from(t.0).unwrap_or(0)),
        organisation: matches!(
            settings.root_anchor,
            Some(TrustAnchor::Organisation | TrustAnchor::Provisioned)
        ),
    });
    let progress = store.checklist()?.progress();
    Ok(CheckIn {
        app_version: app_version.to_owned(),
        feed,
        checklist: Some(ChecklistState {
            done: progress.done,
            total: progress.total,
        }),
    })
}

/// Tells the organisation's desk how this device's protection looks ([`check_in_body`]).
///
/// # Errors
/// [`FlowError::Store`]; [`FlowError::Device`]: not enrolled, the key store (a key file needs its
/// passphrase), the network, the desk's refusal.
pub fn check_in(store: &Store, ctx: &DeviceContext) -> Result<CheckInReceipt, FlowError> {
    let body = check_in_body(store, &ctx.facts.app_version)?;
    Ok(ops::check_in(ctx, &body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_counts_characters_not_bytes() {
        let cases: &[(Option<&str>, Result<(), PassphraseError>)] = &[
            (None, Err(PassphraseError::Missing)),
            (Some(""), Err(PassphraseError::Missing)),
            (Some("1234567"), Err(PassphraseError::TooShort { min: 8 })),
            (Some("12345678"), Ok(())),
            // Seven characters of three bytes each: 21 bytes, still too short.
            (
                Some("密碼密碼密碼密"),
                Err(PassphraseError::TooShort { min: 8 }),
            ),
            (Some("密碼密碼密碼密碼"), Ok(())),
        ];
        for (p, want) in cases {
            assert_eq!(&check_new_passphrase(p.map(str::as_bytes)), want, "{p:?}");
        }
        let long = "x".repeat(MAX_PASSPHRASE_BYTES + 1);
        assert_eq!(
            check_new_passphrase(Some(long.as_bytes())),
            Err(PassphraseError::TooLong { max: 1024 })
        );
    }
}
