//! The app side of verified support sessions: the employee's session and the agent's workplace,
//! each driven by `verity_flows::support` on its own thread, folded here into the view models
//! the web view shows (`commands/support.rs`), with `support-changed` / `agent-changed` after
//! every change. Managed state ([`Support`]).
//!
//! The fold is plain code over the flows' events, so IPC tests drive it with events they make;
//! nothing in it reads the desk's words: the agent's card comes from `SessionEvent::Assigned`,
//! which the flows raise only once the Noise handshake verified the agent's certificate.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use verity_core::Timestamp;
use verity_device::proto::Outcome;
use verity_flows::support::{
    AgentConnection, AgentEvent, DeliveryState, EmployeeSession, VerifiedAgent, VerifiedEmployee,
};

use crate::commands::support::{
    AgentCard, AgentDeskView, AgentRoleCode, AgentSessionView, CallView, ChatMessage, DeadlineKind,
    Delivery, EmployeeCard, GuardCue, MessageFrom, OfferView, SessionOutcome, SessionPhase,
    SessionView, SupervisorAlertView, SupportCategory,
};
use crate::error::ErrorReason;

/// How long "typing…" shows after the last typing signal.
const TYPING_SHOWS: Duration = Duration::from_secs(6);
/// The most messages a view keeps (the session's own cap is 5,000 frames in all).
const MAX_VIEW_MESSAGES: usize = 5000;
/// Closed agent sessions kept in the workplace view.
const KEEP_CLOSED: usize = 10;
/// Deadline alerts kept in a supervisor's view.
const KEEP_ALERTS: usize = 10;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Managed state: the employee's session and the agent's connection.
#[derive(Default)]
pub struct Support {
    employee: Mutex<Option<EmployeeSlot>>,
    agent: Mutex<Option<AgentSlot>>,
}

/// The employee's session: the driver (which folds its own view, `verity_flows`) and what the
/// app remembers of the last call alert it raised.
pub(crate) struct EmployeeSlot {
    /// The driver (its events are pumped by a thread of ours).
    pub(crate) session: EmployeeSession,
    /// When it was opened.
    pub(crate) opened_at: Timestamp,
}

/// The agent's connection and the view.
pub(crate) struct AgentSlot {
    /// The driver, while online or reconnecting (`None`: away and disconnected).
    pub(crate) connection: Option<AgentConnection>,
    /// What the Agent screen shows.
    pub(crate) view: AgentView,
}

impl std::fmt::Debug for Support {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Support").finish_non_exhaustive()
    }
}

impl Support {
    /// The employee's slot, locked.
    pub(crate) fn employee(&self) -> MutexGuard<'_, Option<EmployeeSlot>> {
        lock(&self.employee)
    }

    /// The agent's slot, locked.
    pub(crate) fn agent(&self) -> MutexGuard<'_, Option<AgentSlot>> {
        lock(&self.agent)
    }
}

/// Pumps `events` into the slot chosen by `fold` until the driver stops, calling `changed` after
/// each event (the command layer emits the event to the web view there).
pub(crate) fn pump<E: Send + 'static>(
    events: Receiver<E>,
    mut fold: impl FnMut(E) -> bool + Send + 'static,
    changed: impl Fn() + Send + 'static,
) {
    let spawned = std::thread::Builder::new()
        .name("verity-support-pump".into())
        .spawn(move || loop {
            match events.recv_timeout(Duration::from_secs(1)) {
                Ok(e) => {
                    if fold(e) {
                        changed();
                    }
                }
                // A tick, so that "typing…" fades without a new event.
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    changed();
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start the support event thread: {e}");
    }
}

fn guard(codes: &[String]) -> Vec<GuardCue> {
    codes
        .iter()
        .filter_map(|c| match c.as_str() {
            "asks_for_code" => Some(GuardCue::AsksForCode),
            "asks_for_password" => Some(GuardCue::AsksForPassword),
            "asks_for_payment" => Some(GuardCue::AsksForPayment),
            "asks_for_remote_access" => Some(GuardCue::AsksForRemoteAccess),
            other => {
                log::warn!("unknown guard code {other}");
                None
            }
        })
        .collect()
}

/// The category's view code.
pub(crate) fn category_view(c: verity_device::proto::SupportCategory) -> SupportCategory {
    use verity_device::proto::SupportCategory as P;
    match c {
        P::Account => SupportCategory::Account,
        P::Login => SupportCategory::Login,
        P::Billing => SupportCategory::Billing,
        P::Security => SupportCategory::Security,
        P::Other => SupportCategory::Other,
    }
}

/// The protocol's category of a view code.
pub(crate) fn category_proto(c: SupportCategory) -> verity_device::proto::SupportCategory {
    use verity_device::proto::SupportCategory as P;
    match c {
        SupportCategory::Account => P::Account,
        SupportCategory::Login => P::Login,
        SupportCategory::Billing => P::Billing,
        SupportCategory::Security => P::Security,
        SupportCategory::Other => P::Other,
    }
}

/// The outcome's view code.
pub(crate) fn outcome_view(o: Outcome) -> SessionOutcome {
    match o {
        Outcome::Resolved => SessionOutcome::Resolved,
        Outcome::Escalated => SessionOutcome::Escalated,
        Outcome::Abandoned => SessionOutcome::Abandoned,
        Outcome::Suspicious => SessionOutcome::Suspicious,
        Outcome::Expired => SessionOutcome::Expired,
    }
}

/// The protocol's outcome of a view code.
pub(crate) fn outcome_proto(o: SessionOutcome) -> Outcome {
    match o {
        SessionOutcome::Resolved => Outcome::Resolved,
        SessionOutcome::Escalated => Outcome::Escalated,
        SessionOutcome::Abandoned => Outcome::Abandoned,
        SessionOutcome::Suspicious => Outcome::Suspicious,
        SessionOutcome::Expired => Outcome::Expired,
    }
}

/// The agent's card, from the verified certificate.
pub(crate) fn agent_card(a: &VerifiedAgent) -> AgentCard {
    AgentCard {
        name: a.name.clone(),
        role: match a.role {
            verity_device::proto::AgentRole::Agent => AgentRoleCode::Agent,
            verity_device::proto::AgentRole::Supervisor => AgentRoleCode::Supervisor,
        },
        team: a.team.clone(),
        organisation: a.organisation.clone(),
        fingerprint: a.fingerprint.clone(),
    }
}

fn employee_card(e: &VerifiedEmployee) -> EmployeeCard {
    EmployeeCard {
        name: e.name.clone(),
        employee_id: e.employee_id.clone(),
        fingerprint: e.fingerprint.clone(),
    }
}

fn ts_ms(ms: u64) -> Timestamp {
    Timestamp(i64::try_from(ms / 1000).unwrap_or(i64::MAX))
}

/// The agent's chat in one session: all messages in order, each shown once.
#[derive(Debug, Default)]
pub(crate) struct Chat {
    messages: Vec<ChatMessage>,
    /// Own seq → index.
    mine: BTreeMap<u64, usize>,
    /// Peer seqs shown (never twice).
    theirs: std::collections::BTreeSet<u64>,
    typing_at: Option<Instant>,
}

impl Chat {
    fn push(&mut self, m: ChatMessage) -> Option<usize> {
        if self.messages.len() < MAX_VIEW_MESSAGES {
            self.messages.push(m);
            Some(self.messages.len() - 1)
        } else {
            None
        }
    }

    /// One of this app's messages, sealed as `seq`.
    fn mine(&mut self, seq: u64, text: String, at_ms: u64) {
        if self.mine.contains_key(&seq) {
            return;
        }
        if let Some(i) = self.push(ChatMessage {
            id: format!("me-{seq}"),
            from: MessageFrom::Me,
            text,
            at: ts_ms(at_ms),
            delivery: Some(Delivery::Sending),
            guard: Vec::new(),
        }) {
            self.mine.insert(seq, i);
        }
    }

    fn delivery(&mut self, seq: u64, state: DeliveryState) {
        let Some(&i) = self.mine.get(&seq) else {
            return;
        };
        if let Some(m) = self.messages.get_mut(i) {
            let new = match state {
                DeliveryState::Stored => Delivery::Sent,
                DeliveryState::Delivered => Delivery::Delivered,
            };
            // Never backwards: "delivered" stays even if a late "stored" arrives.
            if m.delivery != Some(Delivery::Delivered) {
                m.delivery = Some(new);
            }
        }
    }

    fn theirs(&mut self, seq: u64, text: String, at_ms: u64, cues: Vec<GuardCue>) -> bool {
        if !self.theirs.insert(seq) {
            return false;
        }
        self.typing_at = None;
        self.push(ChatMessage {
            id: format!("peer-{seq}"),
            from: MessageFrom::Peer,
            text,
            at: ts_ms(at_ms),
            delivery: None,
            guard: cues,
        });
        true
    }

    fn typing(&mut self) {
        self.typing_at = Some(Instant::now());
    }

    fn peer_typing(&self) -> bool {
        self.typing_at.is_some_and(|t| t.elapsed() < TYPING_SHOWS)
    }
}

/// The reason the UI words for a code from the flows (the desk's, `verity-support`'s or the
/// flows' own).
pub(crate) fn problem_reason(code: &str) -> ErrorReason {
    match ErrorReason::from_code(code) {
        ErrorReason::Unknown => match code {
            c if c.starts_with("peer_") || c.starts_with("certificate") || c == "low_order" => {
                ErrorReason::PeerUnverified
            }
            "commitment_mismatch" | "code_commitment_mismatch" => ErrorReason::CodeCommitmentBroken,
            "decrypt"
            | "forged"
            | "conflict"
            | "chain_mismatch"
            | "checkpoint_mismatch"
            | "inner_mismatch"
            | "desync" => ErrorReason::ChannelBroken,
            _ => ErrorReason::Unknown,
        },
        known => known,
    }
}

/// One of the agent's sessions.
#[derive(Debug)]
pub(crate) struct AgentSessionState {
    phase: SessionPhase,
    category: SupportCategory,
    language: String,
    employee: Option<EmployeeCard>,
    chat: Chat,
    peer_online: bool,
    call: Option<CallView>,
    outcome: Option<SessionOutcome>,
    order: u64,
}

/// The agent's workplace as the fold keeps it.
#[derive(Debug)]
pub(crate) struct AgentView {
    pub(crate) me: AgentCard,
    pub(crate) online: bool,
    pub(crate) connected: bool,
    pub(crate) capacity: u32,
    pub(crate) waiting: u32,
    pub(crate) offers: BTreeMap<String, OfferView>,
    pub(crate) sessions: BTreeMap<String, AgentSessionState>,
    /// Offer details kept for the session once accepted.
    offered: BTreeMap<String, (SupportCategory, String)>,
    next_order: u64,
    pub(crate) problem: Option<(Option<String>, ErrorReason)>,
    /// Deadline alerts (a supervisor's), newest first.
    alerts: std::collections::VecDeque<SupervisorAlertView>,
}

impl AgentView {
    /// A new workplace for `me`.
    pub(crate) fn new(me: AgentCard, capacity: u32) -> AgentView {
        AgentView {
            me,
            online: true,
            connected: false,
            capacity,
            waiting: 0,
            offers: BTreeMap::new(),
            sessions: BTreeMap::new(),
            offered: BTreeMap::new(),
            next_order: 0,
            problem: None,
            alerts: std::collections::VecDeque::new(),
        }
    }

    /// The agent started a call (the code follows).
    pub(crate) fn call_started(&mut self, session_id: &str, call_id: String) {
        if let Some(s) = self.sessions.get_mut(session_id) {
            s.call = Some(CallView {
                call_id,
                code: None,
                matched: None,
            });
        }
    }

    fn session(&mut self, session_id: &str) -> &mut AgentSessionState {
        let (category, language) = self
            .offered
            .get(session_id)
            .cloned()
            .unwrap_or((SupportCategory::Other, String::new()));
        let order = self.next_order;
        let entry = self
            .sessions
            .entry(session_id.to_owned())
            .or_insert_with(|| AgentSessionState {
                phase: SessionPhase::Connecting,
                category,
                language,
                employee: None,
                chat: Chat::default(),
                peer_online: true,
                call: None,
                outcome: None,
                order,
            });
        if entry.order == order {
            self.next_order += 1;
        }
        entry
    }

    /// Folds one event.
    pub(crate) fn apply(&mut self, e: AgentEvent) {
        match e {
            AgentEvent::Connection { connected } => self.connected = connected,
            AgentEvent::Offer {
                session_id,
                category,
                language,
                region,
                waited_secs,
                expires_at,
            } => {
                let category = verity_device::proto::SupportCategory::parse(&category)
                    .map_or(SupportCategory::Other, category_view);
                self.offered
                    .insert(session_id.clone(), (category, language.clone()));
                self.offers.insert(
                    session_id.clone(),
                    OfferView {
                        session_id,
                        category,
                        language,
                        region,
                        waited_secs: u32::try_from(waited_secs).unwrap_or(u32::MAX),
                        expires_at: Timestamp(i64::try_from(expires_at).unwrap_or(i64::MAX)),
                    },
                );
            }
            AgentEvent::OfferWithdrawn { session_id } => {
                self.offers.remove(&session_id);
            }
            AgentEvent::Queue { waiting, .. } => self.waiting = waiting,
            AgentEvent::SupervisorAlert {
                session_id,
                kind,
                deadline,
            } => {
                let kind = if kind == "first_response" {
                    DeadlineKind::FirstResponse
                } else {
                    DeadlineKind::Wait
                };
                self.alerts.push_front(SupervisorAlertView {
                    session_id,
                    kind,
                    deadline: Timestamp(i64::try_from(deadline).unwrap_or(i64::MAX)),
                });
                self.alerts.truncate(KEEP_ALERTS);
            }
            AgentEvent::Assigned { session_id, .. } => {
                self.offers.remove(&session_id);
                let s = self.session(&session_id);
                if s.phase != SessionPhase::Closed {
                    s.phase = SessionPhase::Connecting;
                }
            }
            AgentEvent::Verified {
                session_id,
                employee,
            } => {
                let s = self.session(&session_id);
                s.employee = Some(employee_card(&employee));
                if s.phase != SessionPhase::Closed {
                    s.phase = SessionPhase::Chatting;
                }
            }
            AgentEvent::Message {
                session_id,
                seq,
                text,
                ts_ms,
            } => {
                let cues = guard(&verity_flows::support::guard_codes(&text));
                self.session(&session_id)
                    .chat
                    .theirs(seq, text, ts_ms, cues);
            }
            AgentEvent::Sending {
                session_id,
                seq,
                text,
                ts_ms,
            } => self.session(&session_id).chat.mine(seq, text, ts_ms),
            AgentEvent::Delivery {
                session_id,
                seq,
                state,
            } => self.session(&session_id).chat.delivery(seq, state),
            AgentEvent::PeerTyping { session_id } => self.session(&session_id).chat.typing(),
            AgentEvent::PeerOnline { session_id, online } => {
                self.session(&session_id).peer_online = online;
            }
            AgentEvent::CodeToRead {
                session_id,
                call_id,
                code,
            } => {
                self.session(&session_id).call = Some(CallView {
                    call_id,
                    code: Some(code),
                    matched: None,
                });
            }
            AgentEvent::CodeResult {
                session_id,
                call_id,
                matched,
            } => {
                let s = self.session(&session_id);
                match &mut s.call {
                    Some(c) if c.call_id == call_id => c.matched = Some(matched),
                    _ => {
                        s.call = Some(CallView {
                            call_id,
                            code: None,
                            matched: Some(matched),
                        });
                    }
                }
            }
            AgentEvent::Closed {
                session_id,
                outcome,
            } => {
                self.offers.remove(&session_id);
                let s = self.session(&session_id);
                s.phase = SessionPhase::Closed;
                s.outcome = Some(outcome_view(outcome));
                s.chat.typing_at = None;
                self.forget_old_closed();
            }
            AgentEvent::Error { session_id, code } => {
                self.problem = Some((session_id, problem_reason(&code)));
            }
        }
    }

    fn forget_old_closed(&mut self) {
        let mut closed: Vec<(u64, String)> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.phase == SessionPhase::Closed)
            .map(|(id, s)| (s.order, id.clone()))
            .collect();
        if closed.len() > KEEP_CLOSED {
            closed.sort();
            for (_, id) in closed.iter().take(closed.len() - KEEP_CLOSED) {
                self.sessions.remove(id);
                self.offered.remove(id);
            }
        }
    }

    /// The view model: offers soonest to lapse first, sessions in the order they came.
    pub(crate) fn view(&self) -> AgentDeskView {
        let mut offers: Vec<OfferView> = self.offers.values().cloned().collect();
        offers.sort_by_key(|o| o.expires_at);
        let mut sessions: Vec<(&String, &AgentSessionState)> = self.sessions.iter().collect();
        sessions.sort_by_key(|(_, s)| s.order);
        AgentDeskView {
            me: self.me.clone(),
            online: self.online,
            connected: self.connected,
            capacity: self.capacity,
            waiting: self.waiting,
            offers,
            sessions: sessions
                .into_iter()
                .map(|(id, s)| AgentSessionView {
                    session_id: id.clone(),
                    phase: s.phase,
                    category: s.category,
                    language: s.language.clone(),
                    employee: s.employee.clone(),
                    messages: s.chat.messages.clone(),
                    peer_typing: s.phase != SessionPhase::Closed && s.chat.peer_typing(),
                    peer_online: s.peer_online,
                    call: s.call.clone(),
                    outcome: s.outcome,
                })
                .collect(),
            alerts: self.alerts.iter().cloned().collect(),
        }
    }
}

/// The Support screen's view of the flows' folded session.
pub(crate) fn session_view(
    v: &verity_flows::support::SessionView,
    opened_at: Timestamp,
) -> SessionView {
    use verity_flows::support::{MessageFrom as F, SessionPhase as P, ViewDelivery as D};
    let alert = v.call.as_ref().and_then(|c| c.alert.as_deref());
    SessionView {
        session_id: v.session_id.clone(),
        phase: match v.phase {
            P::Queued => SessionPhase::Queued,
            P::Connecting => SessionPhase::Connecting,
            P::Chatting => SessionPhase::Chatting,
            P::Closed => SessionPhase::Closed,
        },
        category: category_view(v.category),
        position: v.position,
        expected_wait_secs: v
            .expected_wait_secs
            .map(|w| u32::try_from(w).unwrap_or(u32::MAX)),
        agent: v.agent.as_ref().map(agent_card),
        messages: v
            .messages
            .iter()
            .map(|m| ChatMessage {
                id: m.id.clone(),
                from: match m.from {
                    F::Me => MessageFrom::Me,
                    F::Peer => MessageFrom::Peer,
                },
                text: m.text.clone(),
                at: ts_ms(m.ts_ms),
                delivery: m.delivery.map(|d| match d {
                    D::Sending => Delivery::Sending,
                    D::Sent => Delivery::Sent,
                    D::Delivered => Delivery::Delivered,
                }),
                guard: guard(&m.guard),
            })
            .collect(),
        peer_typing: v.peer_typing && v.phase != P::Closed,
        peer_online: v.peer_online,
        connected: v.connected,
        call: v.call.as_ref().map(|c| CallView {
            call_id: c.call_id.clone(),
            code: c.code.clone(),
            matched: c.matched.or(c.alert.as_ref().map(|_| false)),
        }),
        outcome: v.outcome.map(outcome_view),
        summary: v.summary.clone(),
        // A broken code exchange outranks any other problem.
        problem: alert
            .map(problem_reason)
            .or_else(|| v.problem.as_deref().map(problem_reason)),
        opened_at,
    }
}

/// How often the tray's support line is checked again in the background.
const STATUS_EVERY: Duration = Duration::from_secs(60);

/// Checks the live support status every minute (first a few seconds after start) for the tray's
/// support line, so that it says the truth with the window closed. A device that is not an
/// enrolled employee's, or whose key is in a passphrase file, answers `cannot_check` at once
/// without asking the desk.
pub fn spawn_status_loop(app: tauri::AppHandle) {
    use tauri::Manager;
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        loop {
            let (Some(state), Some(config)) = (
                app.try_state::<crate::state::AppState>(),
                app.try_state::<crate::commands::DeviceConfig>(),
            ) else {
                return;
            };
            let now = Timestamp(i64::try_from(config.now()).unwrap_or(i64::MAX));
            let ctx = config.context_for(state.data_dir().to_path_buf(), None);
            let checked =
                tauri::async_runtime::spawn_blocking(move || verity_flows::support::status(&ctx))
                    .await;
            match checked {
                Ok(status) => {
                    let view = crate::commands::support::live_view(&status, now);
                    let lang = state
                        .with_store(|s| s.settings())
                        .map(|s| s.language)
                        .unwrap_or_default();
                    state.host.support_status(lang, &view);
                }
                Err(e) => log::warn!("the support status check failed: {e}"),
            }
            tokio::time::sleep(STATUS_EVERY).await;
        }
    });
}
