//! The error every command returns: `{ code, message }`, with a closed set of codes the UI
//! branches on. Messages are for people; they carry no SQL, no key material, no stack.

use serde::Serialize;
use specta::Type;

/// The closed set of error codes that cross IPC. Add a code only when the UI must branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// An argument was rejected (bad language tag, unreadable input…).
    InvalidInput,
    /// The thing asked for does not exist.
    NotFound,
    /// Another Verity process held the database past the timeout; retrying may work.
    StoreBusy,
    /// The store failed (disk, corruption, newer schema).
    Store,
    /// No notification service is available (no daemon on Linux, permissions elsewhere).
    NotificationUnavailable,
    /// Start-at-login could not be changed in the OS.
    Autostart,
    /// No threat feed is configured (no URL or no trusted root).
    FeedNotConfigured,
    /// The administrator's provisioning file sets the feed; the user cannot change it.
    FeedLocked,
    /// A feed sync failed; the last good list stays in force (the feed status says why).
    FeedFailed,
    /// Another feed sync is running on this data directory.
    FeedBusy,
    /// No OS secure store (Keychain, Credential Manager, Secret Service) is usable for the device
    /// key; the passphrase-encrypted key file is the opt-in alternative.
    NoSecureStore,
    /// The device key is in a passphrase-encrypted file and no passphrase was given.
    PassphraseNeeded,
    /// The passphrase does not open the device key file.
    WrongPassphrase,
    /// The device key store failed otherwise (the key is missing or damaged).
    KeyStore,
    /// This device is not bound to an organisation.
    NotEnrolled,
    /// This device is already bound: unbind it first.
    AlreadyEnrolled,
    /// The desk's organisation key is not the one IT announced: do not enrol.
    FingerprintMismatch,
    /// The desk address is not usable (not https, not a URL…).
    BadDeskUrl,
    /// The desk could not be reached, or its answer could not be used.
    DeskUnreachable,
    /// The desk refused the request; `reason` carries the desk's code.
    DeskRefused,
    /// A bug: something that should not happen.
    Internal,
}

/// What a failed command returns to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct IpcError {
    /// What kind of failure, for the UI to branch on.
    pub code: ErrorCode,
    /// A one-line explanation in English, for logs and details views.
    pub message: String,
    /// A finer code within `code` for some failures, which the UI may word (for `desk_refused`,
    /// the desk's code: `enroll_code_used`, `device_revoked`…). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl IpcError {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        IpcError {
            code,
            message: message.into(),
            reason: None,
        }
    }

    /// The same error with a finer `reason` code the UI words.
    #[must_use]
    pub fn with_reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }
}

impl From<verity_store::StoreError> for IpcError {
    fn from(e: verity_store::StoreError) -> Self {
        let code = if e.is_busy() {
            ErrorCode::StoreBusy
        } else {
            ErrorCode::Store
        };
        log::warn!("store error: {e}");
        IpcError::new(code, e.to_string())
    }
}

impl From<verity_flows::FlowError> for IpcError {
    fn from(e: verity_flows::FlowError) -> Self {
        use verity_flows::device::PassphraseError;
        use verity_flows::FlowError;
        let with_reason = |code, message: String, reason: &str| {
            let mut err = IpcError::new(code, message);
            err.reason = Some(reason.to_owned());
            err
        };
        match e {
            FlowError::Store(s) => s.into(),
            FlowError::Device(d) => d.into(),
            FlowError::Feed(verity_feed::FeedError::Busy) => IpcError::new(
                ErrorCode::FeedBusy,
                "another feed sync is running on this data directory",
            ),
            FlowError::Feed(f) => IpcError::new(ErrorCode::FeedFailed, f.to_string()),
            FlowError::Transition(t) => {
                let reason = match &t {
                    verity_checklist::checklist::TransitionError::InvalidEvidence(ev) => ev.code(),
                    other => other.code(),
                };
                with_reason(ErrorCode::InvalidInput, t.to_string(), reason)
            }
            FlowError::Passphrase(p @ PassphraseError::Missing) => {
                IpcError::new(ErrorCode::PassphraseNeeded, p.to_string())
            }
            e @ FlowError::TooLong { .. } => {
                with_reason(ErrorCode::InvalidInput, e.to_string(), "too_long")
            }
            e @ FlowError::Passphrase(_) => IpcError::new(ErrorCode::InvalidInput, e.to_string()),
            e @ FlowError::Exists { .. } => {
                with_reason(ErrorCode::InvalidInput, e.to_string(), "exists")
            }
            e @ FlowError::Write { .. } => {
                with_reason(ErrorCode::InvalidInput, e.to_string(), "cannot_write")
            }
            e @ FlowError::Report(_) => IpcError::new(ErrorCode::Internal, e.to_string()),
        }
    }
}

impl From<crate::shortcut::ShortcutError> for IpcError {
    fn from(e: crate::shortcut::ShortcutError) -> Self {
        use crate::shortcut::ShortcutError;
        let (code, reason) = match &e {
            ShortcutError::Invalid { .. } => (ErrorCode::InvalidInput, Some("shortcut_invalid")),
            ShortcutError::Refused { .. } => (ErrorCode::InvalidInput, Some("shortcut_refused")),
            ShortcutError::State(_) => (ErrorCode::Internal, None),
        };
        let mut err = IpcError::new(code, e.to_string());
        err.reason = reason.map(str::to_owned);
        err
    }
}

impl From<crate::host::HostError> for IpcError {
    fn from(e: crate::host::HostError) -> Self {
        use crate::host::HostError;
        let code = match e {
            HostError::Notification(_) => ErrorCode::NotificationUnavailable,
            HostError::Autostart(_) => ErrorCode::Autostart,
            HostError::Dialog(_) => ErrorCode::Internal,
        };
        log::warn!("host error: {e}");
        IpcError::new(code, e.to_string())
    }
}

/// The result type of every command.
pub type CmdResult<T> = Result<T, IpcError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message() {
        let e = IpcError::new(ErrorCode::StoreBusy, "busy");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "store_busy", "message": "busy"})
        );
    }
}
