//! Verified support sessions (issue 13): the employee's Support screen, the live "is support
//! really talking to me?" status on Home and in the tray, and the agent's workplace (the Agent
//! screen of an app enrolled with an agent's code).
//!
//! What the web view sees is a view model: the agent's card comes only from the agent
//! certificate the Noise handshake verified (`verity-support`), a message's guard-rail cues from
//! the Rust side's reading of it, the live status from the organisation's signed statement. The
//! web view reloads a view on [`SupportChanged`] / [`AgentChanged`] (numbered loads; a stale
//! answer is dropped).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_specta::Event;
use zeroize::Zeroizing;

use crate::commands::device::{DeviceConfig, DeviceKeyStore, Passphrase};
use crate::error::{CmdResult, ErrorCode, ErrorReason, IpcError};
use crate::host::Notice;
use crate::state::AppState;
use crate::support::{
    agent_card, category_proto, outcome_proto, pump, session_view, AgentSlot, AgentView,
    EmployeeSlot, Support,
};
use verity_core::Timestamp;
use verity_flows::support::{self as flows, SupportFlowError};

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

/// Which deadline is near.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// No agent has taken the session yet.
    Wait,
    /// An agent took it and has not answered yet.
    FirstResponse,
}

/// To a supervisor: a session's deadline is 80 % gone.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SupervisorAlertView {
    /// The session.
    pub session_id: String,
    /// Which deadline.
    pub kind: DeadlineKind,
    /// When it falls.
    pub deadline: Timestamp,
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
    /// For a supervisor: the latest deadline alerts, newest first.
    pub alerts: Vec<SupervisorAlertView>,
}

/// The support view changed: reload it.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct SupportChanged;

/// The agent's workplace changed: reload it.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct AgentChanged;

impl From<SupportFlowError> for IpcError {
    fn from(e: SupportFlowError) -> Self {
        match e {
            SupportFlowError::Device(d) => verity_flows::FlowError::Device(d).into(),
            SupportFlowError::Input(code) => IpcError::new(
                ErrorCode::InvalidInput,
                format!("the message is refused ({code})"),
            ),
            SupportFlowError::Refused(code) => {
                IpcError::new(ErrorCode::DeskRefused, format!("refused: {code}"))
                    .with_reason(crate::support::problem_reason(&code))
            }
            SupportFlowError::Stopped => {
                IpcError::new(ErrorCode::NotFound, "the session is no longer running")
                    .with_reason(ErrorReason::SessionClosed)
            }
        }
    }
}

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

/// The most bytes a message takes before the flows' own check (4,000 characters).
const MAX_TEXT_BYTES: usize = 4 * verity_device::proto::MAX_MESSAGE_CHARS;

fn checked_text(text: &str) -> CmdResult<()> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(invalid("the message is too long"));
    }
    if text.trim().is_empty() {
        return Err(invalid("the message is empty"));
    }
    Ok(())
}

fn checked_session_id(id: &str) -> CmdResult<()> {
    if verity_device::proto::is_session_id(id) {
        Ok(())
    } else {
        Err(invalid("not a session id"))
    }
}

fn now(config: &DeviceConfig) -> Timestamp {
    Timestamp(i64::try_from(config.now()).unwrap_or(i64::MAX))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> CmdResult<T> + Send + 'static,
) -> CmdResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, format!("support task failed: {e}")))?
}

pub(crate) fn live_view(s: &flows::LiveStatus, checked_at: Timestamp) -> LiveStatus {
    let (state, agent_name, agent_fingerprint, reason) = match s {
        flows::LiveStatus::None { .. } => (LiveState::None, None, None, None),
        flows::LiveStatus::Queued { .. } => (LiveState::Queued, None, None, None),
        flows::LiveStatus::Chatting {
            agent_name,
            agent_fingerprint,
            ..
        } => (
            LiveState::Chatting,
            Some(agent_name.clone()),
            Some(agent_fingerprint.clone()),
            None,
        ),
        flows::LiveStatus::Calling {
            agent_name,
            agent_fingerprint,
            ..
        } => (
            LiveState::Calling,
            Some(agent_name.clone()),
            Some(agent_fingerprint.clone()),
            None,
        ),
        flows::LiveStatus::CannotCheck { reason } => {
            use flows::cannot_check as c;
            let r = match reason.as_str() {
                c::NOT_ENROLLED | c::WRONG_ROLE => CannotCheckReason::NotEnrolled,
                c::OFFLINE => CannotCheckReason::Offline,
                c::PASSPHRASE_NEEDED => CannotCheckReason::PassphraseNeeded,
                _ => CannotCheckReason::Unverified,
            };
            (LiveState::CannotCheck, None, None, Some(r))
        }
    };
    LiveStatus {
        state,
        agent_name,
        agent_fingerprint,
        reason,
        checked_at,
    }
}

/// The organisation's signed live status: is support really talking to me? Never an error: what
/// cannot be verified is `cannot_check` ("don't talk to anyone who says they are support"). The
/// tray's status line follows.
#[tauri::command]
#[specta::specta]
pub async fn support_status(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
) -> CmdResult<LiveStatus> {
    let checked_at = now(&config);
    let ctx = Arc::new(config.context_for(state.data_dir().to_path_buf(), None));
    let status = blocking(move || Ok(flows::status(&ctx))).await?;
    let view = live_view(&status, checked_at);
    let lang = state
        .with_store(|s| s.settings())
        .map(|s| s.language)
        .unwrap_or_default();
    state.host.support_status(lang, &view);
    Ok(view)
}

fn emit_support<R: Runtime>(app: &AppHandle<R>) {
    if let Err(e) = SupportChanged.emit(app) {
        log::warn!("cannot emit support-changed: {e}");
    }
}

fn emit_agent<R: Runtime>(app: &AppHandle<R>) {
    if let Err(e) = AgentChanged.emit(app) {
        log::warn!("cannot emit agent-changed: {e}");
    }
}

fn current_view(support: &Support) -> Option<SessionView> {
    support
        .employee()
        .as_ref()
        .map(|slot| session_view(&slot.session.view(), slot.opened_at))
}

/// Opens a verified session: proves the device, checks the TOTP code; the desk checks the region
/// and routes it. `message` is sent to the agent, encrypted, as soon as the channel is up.
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub async fn support_open<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    support: State<'_, Support>,
    category: SupportCategory,
    message: String,
    totp: String,
    passphrase: Option<String>,
) -> CmdResult<SessionView> {
    checked_text(&message)?;
    let totp = Zeroizing::new(totp);
    if totp.len() > 64 {
        return Err(invalid("the code is too long"));
    }
    let passphrase = Passphrase::from_arg(passphrase)?;
    if let Some(slot) = support.employee().as_ref() {
        if slot.session.view().phase != flows::SessionPhase::Closed {
            return Err(
                IpcError::new(ErrorCode::InvalidInput, "a session is already open")
                    .with_reason(ErrorReason::SessionOpen),
            );
        }
    }
    let language = state
        .with_store(|s| s.settings())?
        .language
        .tag()
        .to_owned();
    let opened_at = now(&config);
    let ctx = Arc::new(config.context_for(state.data_dir().to_path_buf(), passphrase));
    let params = flows::OpenParams {
        category: category_proto(category),
        language,
        totp: totp.trim().to_owned(),
        first_message: message,
    };
    let mut session = blocking(move || {
        match flows::open(ctx.clone(), params.clone()) {
            // The desk still holds a session a previous run of Verity opened (this process
            // drives none: checked above); its keys died with that run, so it cannot go on.
            // Close it as abandoned and open the new one (the desk checked no code yet).
            Err(SupportFlowError::Device(verity_device::DeviceError::Client(
                verity_device::client::ClientError::Refused { code, .. },
            ))) if code == verity_device::proto::codes::SESSION_OPEN => {
                log::info!("closing the support session a previous run left open");
                flows::close_left_session(&ctx, None)?;
                flows::open(ctx, params)
            }
            other => other,
        }
        .map_err(IpcError::from)
    })
    .await?;
    let events = session.take_events();
    let view = session_view(&session.view(), opened_at);
    // A closed session before it is replaced (its driver stops when dropped).
    *support.employee() = Some(EmployeeSlot { session, opened_at });
    let pump_app = app.clone();
    let changed_app = app.clone();
    pump(
        events,
        move |e: flows::SessionEvent| {
            employee_alert(&pump_app, &e);
            true
        },
        move || emit_support(&changed_app),
    );
    emit_support(&app);
    Ok(view)
}

/// What the employee must know even with the window closed: the agent is calling (check the
/// code in Verity), or the code exchange failed.
fn employee_alert<R: Runtime>(app: &AppHandle<R>, e: &flows::SessionEvent) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let lang = state
        .with_store(|s| s.settings())
        .map(|s| s.language)
        .unwrap_or_default();
    let agent = app
        .try_state::<Support>()
        .and_then(|s| {
            s.employee()
                .as_ref()
                .and_then(|slot| slot.session.view().agent.map(|a| a.name))
        })
        .unwrap_or_default();
    let notice = match e {
        flows::SessionEvent::CodeToCompare { .. } => Notice {
            summary: crate::i18n::text_with(
                lang,
                "notification.support.calling.title",
                &[("agent", &agent)],
            ),
            body: crate::i18n::text(lang, "notification.support.calling.body"),
        },
        flows::SessionEvent::CodeAlert { .. } => Notice {
            summary: crate::i18n::text(lang, "notification.support.code_alert.title"),
            body: crate::i18n::text(lang, "notification.support.code_alert.body"),
        },
        _ => return,
    };
    if let Err(err) = state.host.notify_tripwire(&notice, true) {
        log::warn!("cannot show the support alert: {err}");
    }
}

/// The current (or last) session.
#[tauri::command]
#[specta::specta]
pub async fn support_session(support: State<'_, Support>) -> CmdResult<Option<SessionView>> {
    Ok(current_view(&support))
}

fn with_session<T>(
    support: &Support,
    f: impl FnOnce(&flows::EmployeeSession) -> Result<T, SupportFlowError>,
) -> CmdResult<T> {
    let guard = support.employee();
    let slot = guard.as_ref().ok_or_else(|| {
        IpcError::new(ErrorCode::NotFound, "no support session")
            .with_reason(ErrorReason::SessionUnknown)
    })?;
    f(&slot.session).map_err(IpcError::from)
}

/// Sends a message in the current session.
#[tauri::command]
#[specta::specta]
pub async fn support_send(support: State<'_, Support>, text: String) -> CmdResult<SessionView> {
    checked_text(&text)?;
    with_session(&support, |s| s.send_text(&text))?;
    current_view(&support).ok_or_else(|| IpcError::new(ErrorCode::NotFound, "no support session"))
}

/// The user is typing.
#[tauri::command]
#[specta::specta]
pub async fn support_typing(support: State<'_, Support>) -> CmdResult<()> {
    with_session(&support, flows::EmployeeSession::typing)
}

/// The employee's answer to "did the caller say exactly this code?". A mismatch raises an alert
/// and files a report to IT.
#[tauri::command]
#[specta::specta]
pub async fn support_answer_code<R: Runtime>(
    app: AppHandle<R>,
    call_id: String,
    matched: bool,
) -> CmdResult<SessionView> {
    if call_id.len() != 32 || !call_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid("not a call id"));
    }
    let handle = app.clone();
    blocking(move || {
        let support = handle.state::<Support>();
        with_session(&support, |s| s.confirm_code(&call_id, matched)).map(|_| ())
    })
    .await?;
    emit_support(&app);
    current_view(&app.state::<Support>())
        .ok_or_else(|| IpcError::new(ErrorCode::NotFound, "no support session"))
}

/// Closes the current session.
#[tauri::command]
#[specta::specta]
pub async fn support_close(support: State<'_, Support>) -> CmdResult<SessionView> {
    with_session(&support, flows::EmployeeSession::close)?;
    current_view(&support).ok_or_else(|| IpcError::new(ErrorCode::NotFound, "no support session"))
}

/// This app's agent identity, if it is an agent's.
fn agent_me(state: &AppState, config: &DeviceConfig) -> CmdResult<Option<(AgentCard, u32)>> {
    let ctx = config.context_for(state.data_dir().to_path_buf(), None);
    Ok(flows::agent_identity(&ctx)?.map(|(a, cap)| (agent_card(&a), cap)))
}

fn agent_view(support: &Support) -> Option<AgentDeskView> {
    support.agent().as_ref().map(|slot| slot.view.view())
}

/// The agent's workplace; `None` when this app is not an agent's.
#[tauri::command]
#[specta::specta]
pub async fn agent_desk(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    support: State<'_, Support>,
) -> CmdResult<Option<AgentDeskView>> {
    if let Some(v) = agent_view(&support) {
        return Ok(Some(v));
    }
    let Some((me, capacity)) = agent_me(&state, &config)? else {
        return Ok(None);
    };
    let mut view = AgentView::new(me, capacity);
    view.online = false;
    let out = view.view();
    *support.agent() = Some(AgentSlot {
        connection: None,
        view,
    });
    Ok(Some(out))
}

/// Online (taking sessions) or away.
#[tauri::command]
#[specta::specta]
pub async fn agent_set_online<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    support: State<'_, Support>,
    online: bool,
    passphrase: Option<String>,
) -> CmdResult<AgentDeskView> {
    let passphrase = Passphrase::from_arg(passphrase)?;
    let connected = support
        .agent()
        .as_ref()
        .is_some_and(|s| s.connection.is_some());
    if connected {
        let mut guard = support.agent();
        if let Some(slot) = guard.as_mut() {
            if let Some(c) = &slot.connection {
                c.set_online(online)?;
            }
            slot.view.online = online;
        }
    } else if online {
        let Some((me, capacity)) = agent_me(&state, &config)? else {
            return Err(IpcError::new(
                ErrorCode::NotEnrolled,
                "this app is not a support agent's",
            ));
        };
        let ctx = Arc::new(config.context_for(state.data_dir().to_path_buf(), passphrase));
        let mut connection =
            blocking(move || flows::agent_connect(ctx).map_err(IpcError::from)).await?;
        let events = connection.take_events();
        let mut view = AgentView::new(me, capacity);
        view.online = true;
        *support.agent() = Some(AgentSlot {
            connection: Some(connection),
            view,
        });
        let fold_app = app.clone();
        let changed_app = app.clone();
        pump(
            events,
            move |e: flows::AgentEvent| {
                if let Some(s) = fold_app.try_state::<Support>() {
                    if let Some(slot) = s.agent().as_mut() {
                        slot.view.apply(e);
                    }
                }
                true
            },
            move || emit_agent(&changed_app),
        );
    }
    emit_agent(&app);
    agent_view(&support).ok_or_else(|| IpcError::new(ErrorCode::NotEnrolled, "not an agent's app"))
}

fn with_agent(
    support: &Support,
    f: impl FnOnce(&flows::AgentConnection, &mut AgentView) -> Result<(), SupportFlowError>,
) -> CmdResult<AgentDeskView> {
    let mut guard = support.agent();
    let slot = guard.as_mut().ok_or_else(|| {
        IpcError::new(ErrorCode::NotEnrolled, "this app is not a support agent's")
    })?;
    let connection = slot
        .connection
        .as_ref()
        .ok_or_else(|| IpcError::new(ErrorCode::DeskUnreachable, "go online first"))?;
    f(connection, &mut slot.view)?;
    Ok(slot.view.view())
}

/// Accepts an offer (of two agents accepting at once, exactly one gets it).
#[tauri::command]
#[specta::specta]
pub async fn agent_accept(
    support: State<'_, Support>,
    session_id: String,
) -> CmdResult<AgentDeskView> {
    checked_session_id(&session_id)?;
    with_agent(&support, |c, _| c.accept(&session_id))
}

/// Lets an offer go to the next agent.
#[tauri::command]
#[specta::specta]
pub async fn agent_decline(
    support: State<'_, Support>,
    session_id: String,
) -> CmdResult<AgentDeskView> {
    checked_session_id(&session_id)?;
    with_agent(&support, |c, v| {
        c.decline(&session_id)?;
        v.offers.remove(&session_id);
        Ok(())
    })
}

/// Sends a message in one of the agent's sessions.
#[tauri::command]
#[specta::specta]
pub async fn agent_send(
    support: State<'_, Support>,
    session_id: String,
    text: String,
) -> CmdResult<AgentDeskView> {
    checked_session_id(&session_id)?;
    checked_text(&text)?;
    with_agent(&support, |c, _| c.send_text(&session_id, &text))
}

/// The agent is typing in a session.
#[tauri::command]
#[specta::specta]
pub async fn agent_typing(support: State<'_, Support>, session_id: String) -> CmdResult<()> {
    checked_session_id(&session_id)?;
    with_agent(&support, |c, _| c.typing(&session_id)).map(|_| ())
}

/// Sends a session back to the queue for another team.
#[tauri::command]
#[specta::specta]
pub async fn agent_transfer(
    support: State<'_, Support>,
    session_id: String,
    team: String,
) -> CmdResult<AgentDeskView> {
    checked_session_id(&session_id)?;
    if !verity_device::proto::is_display_text(&team, verity_device::proto::MAX_AGENT_TEXT_CHARS) {
        return Err(invalid("give the team's name (at most 80 characters)"));
    }
    with_agent(&support, |c, v| {
        c.transfer(&session_id, &team)?;
        v.sessions.remove(&session_id);
        Ok(())
    })
}

/// Starts a phone call: both apps derive the spoken code (commit, then reveal).
#[tauri::command]
#[specta::specta]
pub async fn agent_start_call(
    support: State<'_, Support>,
    session_id: String,
) -> CmdResult<AgentDeskView> {
    checked_session_id(&session_id)?;
    with_agent(&support, |c, v| {
        let call_id = c.start_call(&session_id)?;
        v.call_started(&session_id, call_id);
        Ok(())
    })
}

/// Closes a session with its outcome and a summary for the employee.
#[tauri::command]
#[specta::specta]
pub async fn agent_close(
    support: State<'_, Support>,
    session_id: String,
    outcome: SessionOutcome,
    summary: Option<String>,
) -> CmdResult<AgentDeskView> {
    checked_session_id(&session_id)?;
    let summary = summary.unwrap_or_default();
    if summary.len() > MAX_TEXT_BYTES {
        return Err(invalid("the summary is too long"));
    }
    with_agent(&support, |c, _| {
        c.close(&session_id, outcome_proto(outcome), &summary)
    })
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

/// The longest desk address, code or fingerprint taken.
const MAX_FIELD: usize = 2048;
/// The longest CA certificate (PEM) taken.
const MAX_DESK_CA: usize = 64 * 1024;

/// Enrols this app as a support agent's with an agent's one-time `code` (from `verity-desk
/// agent add`), with the same confirmation as an employee's enrolment: the organisation key's
/// `fingerprint` the user typed must match the desk's (checked before the code is sent). The
/// Agent screen then appears.
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub async fn device_enroll_agent<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    support: State<'_, Support>,
    desk_url: String,
    code: String,
    fingerprint: Option<String>,
    key_store: DeviceKeyStore,
    passphrase: Option<String>,
    desk_ca: Option<String>,
) -> CmdResult<AgentEnrolled> {
    let passphrase = Passphrase::from_arg(passphrase)?;
    for (v, what) in [(&desk_url, "desk address"), (&code, "code")] {
        if v.len() > MAX_FIELD {
            return Err(invalid(format!("the {what} is too long")));
        }
    }
    let fingerprint = fingerprint
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .ok_or_else(|| {
            invalid("type the organisation key's fingerprint from IT's announcement")
                .with_reason(ErrorReason::FingerprintRequired)
        })?;
    if fingerprint.len() > MAX_FIELD {
        return Err(invalid("the fingerprint is too long"));
    }
    let desk_ca = desk_ca
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if desk_ca.as_ref().is_some_and(|c| c.len() > MAX_DESK_CA) {
        return Err(invalid("the CA certificate is too long"));
    }
    let (desk_url, code) = (desk_url.trim().to_owned(), code.trim().to_owned());
    if desk_url.is_empty() || code.is_empty() {
        return Err(invalid(
            "give the desk address and the agent's one-time code",
        ));
    }
    let choice = match key_store {
        DeviceKeyStore::Os => verity_device::KeyStoreChoice::Os,
        DeviceKeyStore::File => verity_device::KeyStoreChoice::File,
    };
    let outcome = config
        .run(state.data_dir().to_path_buf(), passphrase, move |ctx| {
            ctx.key_store = choice;
            ctx.client.extra_roots_pem = desk_ca.map(String::into_bytes);
            verity_flows::device::enroll_agent(ctx, &desk_url, &code, &fingerprint)
        })
        .await?;
    let profile = outcome.status.agent.as_ref().ok_or_else(|| {
        IpcError::new(
            ErrorCode::Internal,
            "the agent's profile is missing after enrolment",
        )
    })?;
    let me = AgentCard {
        name: profile.name.clone(),
        role: match profile.role {
            verity_device::proto::AgentRole::Agent => AgentRoleCode::Agent,
            verity_device::proto::AgentRole::Supervisor => AgentRoleCode::Supervisor,
        },
        team: profile.team.clone(),
        organisation: outcome.status.org.name.clone(),
        fingerprint: outcome.certificate_fingerprint.clone(),
    };
    let mut view = AgentView::new(me.clone(), profile.capacity);
    view.online = false;
    *support.agent() = Some(AgentSlot {
        connection: None,
        view,
    });
    emit_agent(&app);
    Ok(AgentEnrolled {
        desk_url: outcome.status.desk_url.clone(),
        agent: me,
    })
}
