//! What the session drivers tell the front ends: serde-serialisable, closed codes, no words.

use serde::Serialize;
use verity_device::proto::{AgentRole, Outcome};
use verity_support::PeerCertificate;

/// The agent as the employee's app shows them: ONLY from the agent certificate the Noise
/// handshake verified (never from the desk's `Assigned` hint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedAgent {
    /// Name.
    pub name: String,
    /// Agent or supervisor.
    pub role: AgentRole,
    /// Team.
    pub team: String,
    /// The organisation that signed the certificate.
    pub organisation: String,
    /// The certificate's fingerprint (upper-case hex in groups of four).
    pub fingerprint: String,
}

impl VerifiedAgent {
    /// From a verified peer certificate; `None` when it is an employee's.
    #[must_use]
    pub fn from_peer(p: &PeerCertificate) -> Option<VerifiedAgent> {
        let a = p.agent()?;
        Some(VerifiedAgent {
            name: a.agent.name.clone(),
            role: a.agent.role,
            team: a.agent.team.clone(),
            organisation: a.org_name.clone(),
            fingerprint: p.fingerprint(),
        })
    }
}

/// The employee as the agent's app sees them: ONLY from the device certificate the handshake
/// verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedEmployee {
    /// Display name.
    pub name: String,
    /// Employee id.
    pub employee_id: String,
    /// The organisation.
    pub organisation: String,
    /// The device certificate's fingerprint.
    pub fingerprint: String,
}

impl VerifiedEmployee {
    /// From a verified peer certificate; `None` when it is an agent's.
    #[must_use]
    pub fn from_peer(p: &PeerCertificate) -> Option<VerifiedEmployee> {
        let e = p.employee()?;
        Some(VerifiedEmployee {
            name: e.employee_name.clone(),
            employee_id: e.employee_id.clone(),
            organisation: e.org_name.clone(),
            fingerprint: p.fingerprint(),
        })
    }
}

/// Where one of this app's messages stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// The desk stored it.
    Stored,
    /// The other app has it.
    Delivered,
}

/// What happened in an employee's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SessionEvent {
    /// The app is connected to the desk (`false`: reconnecting).
    Connection {
        /// Connected.
        connected: bool,
    },
    /// Still waiting for an agent.
    Queued {
        /// Place in the queue (1: next).
        position: u32,
        /// The desk's estimate, seconds.
        expected_wait_secs: u64,
    },
    /// An agent took the session; the apps are proving who they are.
    Connecting,
    /// The handshake verified the agent.
    Assigned {
        /// Who, from the certificate.
        agent: VerifiedAgent,
    },
    /// This app sealed one of its messages (not yet stored by the desk).
    Sending {
        /// Its seq.
        seq: u64,
        /// The text.
        text: String,
        /// This app's clock, Unix milliseconds.
        ts_ms: u64,
    },
    /// A message from the agent, shown once.
    Message {
        /// Its seq (from 1).
        seq: u64,
        /// The text.
        text: String,
        /// The sender's clock, Unix milliseconds.
        ts_ms: u64,
        /// What it asks for that support never needs (`verity_support::GuardCode` codes).
        guard: Vec<String>,
    },
    /// One of this app's messages moved on.
    Delivery {
        /// Its seq.
        seq: u64,
        /// Stored or delivered.
        state: DeliveryState,
    },
    /// The agent is typing.
    PeerTyping,
    /// The agent's app connected or dropped.
    PeerOnline {
        /// Connected.
        online: bool,
    },
    /// The agent started a call: ask the employee whether the caller said exactly this code.
    CodeToCompare {
        /// The call.
        call_id: String,
        /// The code, `123 456`.
        code: String,
    },
    /// The employee answered "did the caller say exactly this code?".
    CodeAnswered {
        /// The call.
        call_id: String,
        /// The answer.
        matched: bool,
    },
    /// The code exchange failed or the employee said the code did not match: an alert (a
    /// report to IT is filed with it).
    CodeAlert {
        /// The call.
        call_id: String,
        /// `code_mismatch` (the employee said so) or `code_commitment_mismatch` (the agent's
        /// app broke its commitment).
        reason: String,
        /// The report's number at the desk, when it was filed.
        report_id: Option<u64>,
    },
    /// The session is over.
    Closed {
        /// How, as the desk says.
        outcome: Outcome,
        /// The agent's closing summary, from the encrypted channel.
        summary: Option<String>,
    },
    /// The sealed transcript was uploaded.
    TranscriptUploaded {
        /// When the desk stored it.
        received_at: u64,
    },
    /// Something failed or was refused (a closed code: the desk's, `verity-support`'s, or one of
    /// ours: `desk_unreachable`, `transcript_failed`…).
    Error {
        /// The code.
        code: String,
    },
}

/// What happened in an agent's workplace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AgentEvent {
    /// Connected to the desk (`false`: reconnecting).
    Connection {
        /// Connected.
        connected: bool,
    },
    /// A session to accept within the offer window.
    Offer {
        /// The session.
        session_id: String,
        /// Its category.
        category: String,
        /// The employee's language.
        language: String,
        /// The employee's region.
        region: String,
        /// Seconds waited.
        waited_secs: u64,
        /// When the offer lapses, Unix seconds.
        expires_at: u64,
    },
    /// The offer went elsewhere.
    OfferWithdrawn {
        /// The session.
        session_id: String,
    },
    /// The queue for this agent's team.
    Queue {
        /// Waiting.
        waiting: u32,
        /// This agent's open sessions.
        mine: u32,
    },
    /// To a supervisor: a session's deadline is 80 % gone.
    SupervisorAlert {
        /// The session.
        session_id: String,
        /// `wait` or `first_response`.
        kind: String,
        /// The deadline, Unix seconds.
        deadline: u64,
    },
    /// The session is this agent's; the handshake runs.
    Assigned {
        /// The session.
        session_id: String,
        /// The leg.
        leg: u32,
    },
    /// The handshake verified the employee.
    Verified {
        /// The session.
        session_id: String,
        /// Who, from their device certificate.
        employee: VerifiedEmployee,
    },
    /// A message from the employee, shown once.
    Message {
        /// The session.
        session_id: String,
        /// Its seq.
        seq: u64,
        /// The text.
        text: String,
        /// The sender's clock, Unix milliseconds.
        ts_ms: u64,
    },
    /// This app sealed one of its messages (not yet stored by the desk).
    Sending {
        /// The session.
        session_id: String,
        /// Its seq.
        seq: u64,
        /// The text.
        text: String,
        /// This app's clock, Unix milliseconds.
        ts_ms: u64,
    },
    /// One of this app's messages moved on.
    Delivery {
        /// The session.
        session_id: String,
        /// Its seq.
        seq: u64,
        /// Stored or delivered.
        state: DeliveryState,
    },
    /// The employee is typing.
    PeerTyping {
        /// The session.
        session_id: String,
    },
    /// The employee's app connected or dropped.
    PeerOnline {
        /// The session.
        session_id: String,
        /// Connected.
        online: bool,
    },
    /// The code to read out to the employee on the phone.
    CodeToRead {
        /// The session.
        session_id: String,
        /// The call.
        call_id: String,
        /// `123 456`.
        code: String,
    },
    /// The employee's answer.
    CodeResult {
        /// The session.
        session_id: String,
        /// The call.
        call_id: String,
        /// Whether the employee heard exactly the code.
        matched: bool,
    },
    /// The session is over.
    Closed {
        /// The session.
        session_id: String,
        /// How.
        outcome: Outcome,
    },
    /// Something failed or was refused.
    Error {
        /// The session, when it concerns one.
        session_id: Option<String>,
        /// The code.
        code: String,
    },
}
