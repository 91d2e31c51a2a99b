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
}

impl IpcError {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        IpcError {
            code,
            message: message.into(),
        }
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

impl From<crate::host::HostError> for IpcError {
    fn from(e: crate::host::HostError) -> Self {
        use crate::host::HostError;
        let code = match e {
            HostError::Notification(_) => ErrorCode::NotificationUnavailable,
            HostError::Autostart(_) => ErrorCode::Autostart,
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
