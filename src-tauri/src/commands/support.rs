//! Verified support sessions (issue 13): the employee's Support screen, the live "is support
//! really talking to me?" status on Home and in the tray, and the agent's workplace (the Agent
//! screen of an app enrolled with an agent's code).
//!
//! What the web view sees is a view model: the agent's card comes only from the agent
//! certificate the Noise handshake verified (`verity-support`), a message's guard-rail cues from
//! the Rust side's reading of it, the live status from the organisation's signed statement. The
//! web view reloads a view on [`SupportChanged`] / [`AgentChanged`] (numbered loads; a stale
//! answer is dropped).

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::error::{CmdResult, ErrorCode, ErrorReason, IpcError};
use crate::state::AppState;
use verity_core::Timestamp;

/// What a session is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SupportCategory {
    /// The account itself.
    Account,
    /// Signing in and verification codes.
    Login,
    /// Billing and payments.
    Billing,
    /// A security incident.
    Security,
    /// Anything else.
    Other,
}

/// What support is doing with this employee, as the organisation signed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    /// "No one from support is talking to you — hang up."
    None,
    /// Your session waits for an agent.
    Queued,
    /// "Chatting with <agent>."
    Chatting,
    /// "<agent> is calling you now."
    Calling,
    /// "Can't check — don't talk to anyone who says they are support."
    CannotCheck,
}

/// Why the status cannot be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum CannotCheckReason {
    /// This device is not enrolled with an organisation.
    NotEnrolled,
    /// The desk could not be reached.
    Offline,
    /// The answer was not signed by the organisation, or not for this request.
    Unverified,
    /// The device key is in a passphrase file: the status is checked only while a session holds
    /// it open.
    PassphraseNeeded,
}

/// The live status, for Home and the tray.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LiveStatus {
    /// The state.
    pub state: LiveState,
    /// The agent's name (from their certificate), when chatting or calling.
    pub agent_name: Option<String>,
    /// The agent certificate's fingerprint, when chatting or calling.
    pub agent_fingerprint: Option<String>,
    /// Why it cannot be checked.
    pub reason: Option<CannotCheckReason>,
    /// When this app last asked.
    pub checked_at: Timestamp,
}

/// Agent or supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AgentRoleCode {
    /// Answers sessions.
    Agent,
    /// Answers sessions; alerted when deadlines near.
    Supervisor,
}

/// The agent's identity card, entirely from the organisation-signed agent certificate the app
/// verified in the handshake.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AgentCard {
    /// Name.
    pub name: String,
    /// Role.
    pub role: AgentRoleCode,
    /// Team.
    pub team: String,
    /// The organisation that signed the certificate (the one this device is enrolled with).
    pub organisation: String,
    /// The certificate's fingerprint (upper-case hex in groups of four).
    pub fingerprint: String,
}

/// The employee as the agent's app sees them, from the device certificate the handshake verified.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EmployeeCard {
    /// Display name.
    pub name: String,
    /// Employee id.
    pub employee_id: String,
    /// The device certificate's fingerprint.
    pub fingerprint: String,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum MessageFrom {
    /// This app's user.
    Me,
    /// The other party.
    Peer,
}

/// Where a message this app sent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Not yet stored by the desk (offline: sent when back).
    Sending,
    /// Stored by the desk.
    Sent,
    /// The other app has it.
    Delivered,
}

/// What a message asks for that real support never needs (said beside the message, even from a
/// verified agent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum GuardCue {
    /// A one-time or verification code.
    AsksForCode,
    /// A password.
    AsksForPassword,
    /// A payment.
    AsksForPayment,
    /// A remote-access tool.
    AsksForRemoteAccess,
}

/// One chat message.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// Stable id within the session (`leg-dir-seq`), for keyed lists.
    pub id: String,
    /// Who wrote it.
    pub from: MessageFrom,
    /// The text (at most 4,000 characters).
    pub text: String,
    /// When it was written (the sender's clock).
    pub at: Timestamp,
    /// For this app's own messages.
    pub delivery: Option<Delivery>,
    /// What it asks for that support never needs.
    pub guard: Vec<GuardCue>,
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SessionPhase {
    /// Waiting for an agent.
    Queued,
    /// An agent took it; the apps are proving who they are to each other.
    Connecting,
    /// Verified both ways; chatting.
    Chatting,
    /// Over.
    Closed,
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SessionOutcome {
    /// Solved.
    Resolved,
    /// Handed on outside the session.
    Escalated,
    /// The employee left or asked to close.
    Abandoned,
    /// It looked like an attack.
    Suspicious,
    /// Closed by the desk: idle, too long, or no agent in time.
    Expired,
}

/// A phone call the agent started, and its spoken code.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    /// The call.
    pub call_id: String,
    /// The 6-digit code (`123 456`), once both apps derived it.
    pub code: Option<String>,
    /// The employee's answer: did the caller say exactly this code?
    pub matched: Option<bool>,
}

/// The employee's session, as the Support screen shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// The session.
    pub session_id: String,
    /// Where it stands.
    pub phase: SessionPhase,
    /// What it is about.
    pub category: SupportCategory,
    /// Place in the queue while queued (1: next).
    pub position: Option<u32>,
    /// The desk's estimate while queued, seconds.
    pub expected_wait_secs: Option<u32>,
    /// The verified agent, once the handshake proved them.
    pub agent: Option<AgentCard>,
    /// The messages, oldest first.
    pub messages: Vec<ChatMessage>,
    /// The agent is typing.
    pub peer_typing: bool,
    /// The agent's app is connected.
    pub peer_online: bool,
    /// This app is connected to the desk (false: reconnecting).
    pub connected: bool,
    /// The current call, if the agent started one.
    pub call: Option<CallView>,
    /// How it ended, once closed.
    pub outcome: Option<SessionOutcome>,
    /// The agent's closing summary.
    pub summary: Option<String>,
    /// A refusal or failure to word (a bad certificate, a code that did not match…).
    pub problem: Option<ErrorReason>,
    /// When it was opened.
    pub opened_at: Timestamp,
}

/// A session offered to this agent.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OfferView {
    /// The session.
    pub session_id: String,
    /// Its category.
    pub category: SupportCategory,
    /// The employee's language.
    pub language: String,
    /// The employee's region.
    pub region: String,
    /// Seconds waited before the offer.
    pub waited_secs: u32,
    /// When the offer lapses.
    pub expires_at: Timestamp,
}

/// One of the agent's sessions.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AgentSessionView {
    /// The session.
    pub session_id: String,
    /// Where it stands.
    pub phase: SessionPhase,
    /// Its category.
    pub category: SupportCategory,
    /// The employee's language.
    pub language: String,
    /// The verified employee, once the handshake proved them.
    pub employee: Option<EmployeeCard>,
    /// The messages, oldest first.
    pub messages: Vec<ChatMessage>,
    /// The employee is typing.
    pub peer_typing: bool,
    /// The employee's app is connected.
    pub peer_online: bool,
    /// The current call and its code.
    pub call: Option<CallView>,
    /// How it ended, once closed.
    pub outcome: Option<SessionOutcome>,
}

/// The agent's workplace.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AgentDeskView {
    /// This agent, from their own certificate.
    pub me: AgentCard,
    /// Taking sessions.
    pub online: bool,
    /// Connected to the desk (false: reconnecting).
    pub connected: bool,
    /// The most sessions at once.
    pub capacity: u32,
    /// Sessions waiting for this agent's team.
    pub waiting: u32,
    /// Offers to accept or decline.
    pub offers: Vec<OfferView>,
    /// Open and recently closed sessions.
    pub sessions: Vec<AgentSessionView>,
}

/// The support view changed: reload it.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct SupportChanged;

/// The agent's workplace changed: reload it.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct AgentChanged;

fn not_wired() -> IpcError {
    IpcError::new(
        ErrorCode::Internal,
        "verified support sessions are being wired (issue 13)",
    )
}

/// The organisation's signed live status: is support really talking to me?
#[tauri::command]
#[specta::specta]
pub async fn support_status(_state: State<'_, AppState>) -> CmdResult<LiveStatus> {
    Err(not_wired())
}

/// Opens a verified session: proves the device, checks the TOTP code; the desk checks the region
/// and routes it. `message` is sent to the agent, encrypted, as soon as the channel is up.
#[tauri::command]
#[specta::specta]
pub async fn support_open(
    _state: State<'_, AppState>,
    _category: SupportCategory,
    _message: String,
    _totp: String,
    _passphrase: Option<String>,
) -> CmdResult<SessionView> {
    Err(not_wired())
}

/// The current (or last) session.
#[tauri::command]
#[specta::specta]
pub async fn support_session(_state: State<'_, AppState>) -> CmdResult<Option<SessionView>> {
    Err(not_wired())
}

/// Sends a message in the current session.
#[tauri::command]
#[specta::specta]
pub async fn support_send(_state: State<'_, AppState>, _text: String) -> CmdResult<SessionView> {
    Err(not_wired())
}

/// The user is typing.
#[tauri::command]
#[specta::specta]
pub async fn support_typing(_state: State<'_, AppState>) -> CmdResult<()> {
    Err(not_wired())
}

/// The employee's answer to "did the caller say exactly this code?". A mismatch raises an alert
/// and files a report to IT.
#[tauri::command]
#[specta::specta]
pub async fn support_answer_code(
    _state: State<'_, AppState>,
    _call_id: String,
    _matched: bool,
) -> CmdResult<SessionView> {
    Err(not_wired())
}

/// Closes the current session.
#[tauri::command]
#[specta::specta]
pub async fn support_close(_state: State<'_, AppState>) -> CmdResult<SessionView> {
    Err(not_wired())
}

/// The agent's workplace; `None` when this app is not an agent's.
#[tauri::command]
#[specta::specta]
pub async fn agent_desk(_state: State<'_, AppState>) -> CmdResult<Option<AgentDeskView>> {
    Err(not_wired())
}

/// Online (taking sessions) or away.
#[tauri::command]
#[specta::specta]
pub async fn agent_set_online(
    _state: State<'_, AppState>,
    _online: bool,
    _passphrase: Option<String>,
) -> CmdResult<AgentDeskView> {
    Err(not_wired())
}

/// Accepts an offer (of two agents accepting at once, exactly one gets it).
#[tauri::command]
#[specta::specta]
pub async fn agent_accept(
    _state: State<'_, AppState>,
    _session_id: String,
) -> CmdResult<AgentDeskView> {
    Err(not_wired())
}

/// Lets an offer go to the next agent.
#[tauri::command]
#[specta::specta]
pub async fn agent_decline(
    _state: State<'_, AppState>,
    _session_id: String,
) -> CmdResult<AgentDeskView> {
    Err(not_wired())
}

/// Sends a message in one of the agent's sessions.
#[tauri::command]
#[specta::specta]
pub async fn agent_send(
    _state: State<'_, AppState>,
    _session_id: String,
    _text: String,
) -> CmdResult<AgentDeskView> {
    Err(not_wired())
}

/// The agent is typing in a session.
#[tauri::command]
#[specta::specta]
pub async fn agent_typing(_state: State<'_, AppState>, _session_id: String) -> CmdResult<()> {
    Err(not_wired())
}

/// Sends a session back to the queue for another team.
#[tauri::command]
#[specta::specta]
pub async fn agent_transfer(
    _state: State<'_, AppState>,
    _session_id: String,
    _team: String,
) -> CmdResult<AgentDeskView> {
    Err(not_wired())
}

/// Starts a phone call: both apps derive the spoken code (commit, then reveal).
#[tauri::command]
#[specta::specta]
pub async fn agent_start_call(
    _state: State<'_, AppState>,
    _session_id: String,
) -> CmdResult<AgentDeskView> {
    Err(not_wired())
}

/// Closes a session with its outcome and a summary for the employee.
#[tauri::command]
#[specta::specta]
pub async fn agent_close(
    _state: State<'_, AppState>,
    _session_id: String,
    _outcome: SessionOutcome,
    _summary: Option<String>,
) -> CmdResult<AgentDeskView> {
    Err(not_wired())
}

/// What an agent's enrolment produced.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AgentEnrolled {
    /// The desk's address, as kept.
    pub desk_url: String,
    /// The agent, from the certificate the organisation signed.
    pub agent: AgentCard,
}

/// Enrols this app as a support agent's with an agent's one-time `code` (from `verity-desk
/// agent add`), with the same confirmation as an employee's enrolment: the organisation key's
/// `fingerprint` the user typed must match the desk's. The Agent screen then appears.
#[tauri::command]
#[specta::specta]
pub async fn device_enroll_agent(
    _state: State<'_, AppState>,
    _desk_url: String,
    _code: String,
    _fingerprint: Option<String>,
    _key_store: crate::commands::device::DeviceKeyStore,
    _passphrase: Option<String>,
    _desk_ca: Option<String>,
) -> CmdResult<AgentEnrolled> {
    Err(not_wired())
}
