//! Verified support sessions, the apps' use cases (issue 13; `docs/support-protocol.md`).
//!
//! - [`status`]: "is support really talking to me?" — the organisation's signed statement, for
//!   this device and a fresh nonce; anything that does not verify is
//!   [`LiveStatus::CannotCheck`], never an error a screen could show as "fine".
//! - [`employee`]: open a session and drive it (a thread owns the WebSocket; commands go in
//!   through a channel, [`SessionEvent`]s come out through another).
//! - [`agent`]: an agent's app online: offers, accept, several sessions at once.
//!
//! Everything that comes out is serde-serialisable with closed `code`s and no words: the front
//! ends word them.

pub mod agent;
pub mod backoff;
pub mod employee;
pub mod events;
mod leftover;
mod link;
pub mod view;

pub use agent::{agent_connect, agent_identity, AgentConnection};
pub use employee::{open, CodeAnswer, EmployeeSession, OpenParams};
pub use events::{AgentEvent, DeliveryState, SessionEvent, VerifiedAgent, VerifiedEmployee};
pub use leftover::close_left_session;
pub use view::{CallView, MessageFrom, SessionPhase, SessionView, ViewDelivery, ViewMessage};

use serde::Serialize;
use verity_device::proto::{StatusError, SupportState};
use verity_device::state::DeviceRole;
use verity_device::support::{Binding, StatusCheckError};
use verity_device::{DeviceContext, DeviceError};

/// The organisation's verified statement of what support is doing with this employee, or why
/// it cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LiveStatus {
    /// No one from support is talking to this employee.
    None {
        /// When the organisation signed it, Unix seconds.
        issued_at: u64,
    },
    /// The employee's session waits for an agent.
    Queued {
        /// The session.
        session_id: String,
        /// When signed.
        issued_at: u64,
    },
    /// An agent is chatting with the employee.
    Chatting {
        /// The session.
        session_id: String,
        /// The agent's name, from the organisation's statement.
        agent_name: String,
        /// The agent certificate's fingerprint.
        agent_fingerprint: String,
        /// When signed.
        issued_at: u64,
    },
    /// An agent is calling the employee now.
    Calling {
        /// The session.
        session_id: String,
        /// The agent's name.
        agent_name: String,
        /// The agent certificate's fingerprint.
        agent_fingerprint: String,
        /// The call.
        call_id: String,
        /// When signed.
        issued_at: u64,
    },
    /// It cannot be checked: "don't talk to anyone who says they are support".
    CannotCheck {
        /// Why, one of [`cannot_check`]'s codes.
        reason: String,
    },
}

/// Why the live status cannot be checked (the `reason` of [`LiveStatus::CannotCheck`]).
pub mod cannot_check {
    /// This app is not enrolled.
    pub const NOT_ENROLLED: &str = "not_enrolled";
    /// This is an agent's app (the status is an employee's).
    pub const WRONG_ROLE: &str = "wrong_role";
    /// The device key is in a passphrase file and no passphrase was given.
    pub const PASSPHRASE_NEEDED: &str = "passphrase_needed";
    /// The device key could not be opened (no store, a wrong passphrase, damaged).
    pub const KEY_STORE: &str = "key_store";
    /// The desk could not be reached (offline).
    pub const OFFLINE: &str = "offline";
    /// The desk refused the request (a revoked device…).
    pub const REFUSED: &str = "refused";
    /// The answer or the statement is not signed by the organisation's key.
    pub const NOT_SIGNED: &str = "not_signed";
    /// Signed, but not an answer to this request (another device, another nonce).
    pub const MISMATCH: &str = "mismatch";
    /// Signed too long ago, or in the future (this computer's clock may be wrong).
    pub const STALE: &str = "stale";
    /// Anything else.
    pub const FAILED: &str = "failed";
    /// Every reason.
    pub const ALL: &[&str] = &[
        NOT_ENROLLED,
        WRONG_ROLE,
        PASSPHRASE_NEEDED,
        KEY_STORE,
        OFFLINE,
        REFUSED,
        NOT_SIGNED,
        MISMATCH,
        STALE,
        FAILED,
    ];
}

impl LiveStatus {
    /// Whether it is a verified statement (not [`LiveStatus::CannotCheck`]).
    #[must_use]
    pub fn is_verified(&self) -> bool {
        !matches!(self, LiveStatus::CannotCheck { .. })
    }

    /// The state's code (`none`, `queued`, `chatting`, `calling`, `cannot_check`).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            LiveStatus::None { .. } => "none",
            LiveStatus::Queued { .. } => "queued",
            LiveStatus::Chatting { .. } => "chatting",
            LiveStatus::Calling { .. } => "calling",
            LiveStatus::CannotCheck { .. } => "cannot_check",
        }
    }
}

fn cannot(reason: &str) -> LiveStatus {
    LiveStatus::CannotCheck {
        reason: reason.to_owned(),
    }
}

fn device_reason(e: &DeviceError) -> &'static str {
    use verity_device::client::ClientError;
    match e {
        DeviceError::NotEnrolled => cannot_check::NOT_ENROLLED,
        DeviceError::WrongRole { .. } => cannot_check::WRONG_ROLE,
        DeviceError::KeyStore(verity_device::KeyStoreError::PassphraseNeeded) => {
            cannot_check::PASSPHRASE_NEEDED
        }
        DeviceError::KeyStore(_) => cannot_check::KEY_STORE,
        DeviceError::Client(ClientError::Unreachable(_)) => cannot_check::OFFLINE,
        DeviceError::Client(ClientError::Refused { .. }) => cannot_check::REFUSED,
        DeviceError::Client(ClientError::AnswerNotSigned { .. }) => cannot_check::NOT_SIGNED,
        _ => cannot_check::FAILED,
    }
}

/// Asks the desk what support is doing with this employee (`POST /v1/support/status` with a
/// fresh nonce) and verifies the organisation's statement against the pinned key, this device,
/// the nonce and the clock (60 s). Never fails: whatever goes wrong is
/// [`LiveStatus::CannotCheck`] with its reason.
#[must_use]
pub fn status(ctx: &DeviceContext) -> LiveStatus {
    let binding = match Binding::load(ctx, DeviceRole::Employee) {
        Ok(b) => b,
        Err(e) => return cannot(device_reason(&e)),
    };
    status_with(ctx, &binding)
}

/// [`status`] with a binding already loaded.
#[must_use]
pub fn status_with(ctx: &DeviceContext, binding: &Binding) -> LiveStatus {
    let body = match binding.status(ctx) {
        Ok(b) => b,
        Err(StatusCheckError::Device(e)) => {
            log::warn!("support status: {e}");
            return cannot(device_reason(&e));
        }
        Err(StatusCheckError::Statement(e)) => {
            log::warn!("support status: {e}");
            return cannot(match e {
                StatusError::Signature(_) => cannot_check::NOT_SIGNED,
                StatusError::Mismatch("stale") => cannot_check::STALE,
                StatusError::Mismatch(_) => cannot_check::MISMATCH,
            });
        }
    };
    let issued_at = body.issued_at;
    // `StatusBody::verify` has checked that each state carries what it needs; a statement
    // missing a field is still refused here rather than shown half.
    let need = |v: Option<String>| v.ok_or(());
    let made = match body.state {
        SupportState::None => Ok(LiveStatus::None { issued_at }),
        SupportState::Queued => need(body.session_id).map(|session_id| LiveStatus::Queued {
            session_id,
            issued_at,
        }),
        SupportState::Chatting => (|| {
            Ok(LiveStatus::Chatting {
                session_id: need(body.session_id)?,
                agent_name: need(body.agent_name)?,
                agent_fingerprint: need(body.agent_fingerprint)?,
                issued_at,
            })
        })(),
        SupportState::Calling => (|| {
            Ok(LiveStatus::Calling {
                session_id: need(body.session_id)?,
                agent_name: need(body.agent_name)?,
                agent_fingerprint: need(body.agent_fingerprint)?,
                call_id: need(body.call_id)?,
                issued_at,
            })
        })(),
    };
    made.unwrap_or_else(|()| cannot(cannot_check::MISMATCH))
}

/// Why a support flow did not start or a command was not taken.
#[derive(Debug, thiserror::Error)]
pub enum SupportFlowError {
    /// An input refused before anything was sent (`message_length`, `message_characters`,
    /// `language`).
    #[error("the input is refused: {0}")]
    Input(&'static str),
    /// The desk, the key store, the state (the desk's code when it refused).
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// The channel refused the command (a code of `verity-support`, or `no_channel`).
    #[error("refused: {0}")]
    Refused(String),
    /// The session's driver has stopped.
    #[error("the session is no longer running")]
    Stopped,
}

impl SupportFlowError {
    /// A stable code.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            SupportFlowError::Input(c) => c,
            SupportFlowError::Device(e) => e.code(),
            SupportFlowError::Refused(c) => c,
            SupportFlowError::Stopped => "stopped",
        }
    }

    /// Whether the user can fix it by changing the input.
    #[must_use]
    pub fn is_usage(&self) -> bool {
        match self {
            SupportFlowError::Input(_) => true,
            SupportFlowError::Device(e) => e.is_usage(),
            _ => false,
        }
    }
}

/// The guard-rail codes of a message (what it asks for that support never needs).
#[must_use]
pub fn guard_codes(text: &str) -> Vec<String> {
    verity_support::assess(text)
        .into_iter()
        .map(|g| g.as_str().to_owned())
        .collect()
}

/// The context's clock, in milliseconds (messages carry the sender's time).
pub(crate) fn now_ms(ctx: &DeviceContext) -> u64 {
    ctx.clock.now().saturating_mul(1000)
}

/// 32 random bytes (a code exchange's value).
pub(crate) fn random32() -> Result<[u8; 32], &'static str> {
    let mut r = [0u8; 32];
    verity_device::proto::random_bytes(&mut r).map_err(|_| "no_randomness")?;
    Ok(r)
}

/// A fresh call id (32 lower-case hex digits).
pub(crate) fn new_call_id() -> Result<String, &'static str> {
    let mut r = [0u8; 16];
    verity_device::proto::random_bytes(&mut r).map_err(|_| "no_randomness")?;
    Ok(r.iter().map(|b| format!("{b:02x}")).collect())
}
