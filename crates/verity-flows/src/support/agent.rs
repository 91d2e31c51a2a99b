//! An agent's app online: presence and heartbeats (every 15 s), offers, accept and decline,
//! transfers, several sessions at once up to the certificate's capacity, the spoken code
//! (commit, then reveal once the employee replied), close with an outcome. A thread owns the
//! WebSocket; commands go in through [`AgentConnection`]'s methods, [`AgentEvent`]s come out.
//! The employee's identity comes only from the device certificate the handshake verified.

use super::events::{AgentEvent, DeliveryState, VerifiedAgent, VerifiedEmployee};
use super::link::{Link, LinkEvent};
use super::{new_call_id, now_ms, random32, SupportFlowError};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use verity_device::proto::{
    AgentCertificate, Control, Cursor, Direction, Frame, FrameKind, Outcome, HEARTBEAT_SECS,
};
use verity_device::state::DeviceRole;
use verity_device::support::Binding;
use verity_device::ws::Incoming as WsIncoming;
use verity_device::DeviceContext;
use verity_support::{
    HandshakeConfig, Incoming, Message, Responder, ResponderWaiting, Session, SessionError,
    SupportError,
};

enum Cmd {
    Online(bool),
    Accept(String),
    Decline(String),
    Transfer(String, String),
    Send(String, String),
    Typing(String),
    StartCall(String, String),
    EndCall(String),
    Close(String, Outcome, String),
    Reconnect,
    Stop,
}

/// An agent's app connected to the desk, and the thread that drives it.
pub struct AgentConnection {
    cmds: Sender<Cmd>,
    events: Receiver<AgentEvent>,
    thread: Option<JoinHandle<()>>,
    capacity: u32,
}

impl std::fmt::Debug for AgentConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentConnection").finish_non_exhaustive()
    }
}

/// Connects this agent's app to the desk and goes online.
///
/// # Errors
/// [`SupportFlowError::Device`]: not enrolled, `wrong_role` (an employee's device), the key
/// store, a certificate that no longer verifies.
pub fn agent_connect(ctx: Arc<DeviceContext>) -> Result<AgentConnection, SupportFlowError> {
    let binding = Binding::load(&ctx, DeviceRole::Agent)?;
    let cert = AgentCertificate::verify(
        binding.certificate(),
        binding.org_key(),
        Some(ctx.clock.now()),
    )
    .map_err(|e| SupportFlowError::Device(verity_device::DeviceError::Proto(e)))?;
    let capacity = cert.body().agent.capacity;
    let (cmd_tx, cmd_rx) = mpsc::channel();
    let (ev_tx, ev_rx) = mpsc::channel();
    let driver = Driver {
        link: Link::new(ctx.clone()),
        ctx,
        binding,
        events: ev_tx,
        online: true,
        capacity,
        sessions: BTreeMap::new(),
        last_heartbeat: Instant::now(),
    };
    let thread = std::thread::Builder::new()
        .name("verity-agent".into())
        .spawn(move || driver.run(&cmd_rx))
        .map_err(|_| SupportFlowError::Stopped)?;
    Ok(AgentConnection {
        cmds: cmd_tx,
        events: ev_rx,
        thread: Some(thread),
        capacity,
    })
}

impl AgentConnection {
    fn cmd(&self, c: Cmd) -> Result<(), SupportFlowError> {
        self.cmds.send(c).map_err(|_| SupportFlowError::Stopped)
    }

    /// The events, in order.
    #[must_use]
    pub fn events(&self) -> &Receiver<AgentEvent> {
        &self.events
    }

    /// Takes the events' receiving end for a thread of the caller's (an app pumps them into its
    /// window); afterwards [`Self::events`] and [`Self::next_event`] see nothing.
    pub fn take_events(&mut self) -> Receiver<AgentEvent> {
        std::mem::replace(&mut self.events, mpsc::channel().1)
    }

    /// The next event within `timeout`.
    #[must_use]
    pub fn next_event(&self, timeout: Duration) -> Option<AgentEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// The most sessions at once (the certificate's).
    #[must_use]
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Online (taking sessions) or away.
    ///
    /// # Errors
    /// [`SupportFlowError::Stopped`].
    pub fn set_online(&self, online: bool) -> Result<(), SupportFlowError> {
        self.cmd(Cmd::Online(online))
    }

    /// Takes an offered session.
    ///
    /// # Errors
    /// [`SupportFlowError::Stopped`].
    pub fn accept(&self, session_id: &str) -> Result<(), SupportFlowError> {
        self.cmd(Cmd::Accept(session_id.to_owned()))
    }

    /// Lets an offer go to the next agent.
    ///
    /// # Errors
    /// [`SupportFlowError::Stopped`].
    pub fn decline(&self, session_id: &str) -> Result<(), SupportFlowError> {
        self.cmd(Cmd::Decline(session_id.to_owned()))
    }

    /// Sends a session back to the queue for `team`.
    ///
    /// # Errors
    /// [`SupportFlowError::Stopped`].
    pub fn transfer(&self, session_id: &str, team: &str) -> Result<(), SupportFlowError> {
        self.cmd(Cmd::Transfer(session_id.to_owned(), team.to_owned()))
    }

    /// Sends a message in a session.
    ///
    /// # Errors
    /// [`SupportFlowError::Input`] for a message out of bounds; [`SupportFlowError::Stopped`].
    pub fn send_text(&self, session_id: &str, text: &str) -> Result<(), SupportFlowError> {
        let n = text.chars().count();
        if n == 0 || n > verity_device::proto::MAX_MESSAGE_CHARS {
            return Err(SupportFlowError::Input("message_length"));
        }
        self.cmd(Cmd::Send(session_id.to_owned(), text.to_owned()))
    }

    /// The agent is typing.
    ///
    /// # Errors
    /// [`SupportFlowError::Stopped`].
    pub fn typing(&self, session_id: &str) -> Result<(), SupportFlowError> {
        self.cmd(Cmd::Typing(session_id.to_owned()))
    }

    /// Starts a phone call: commits to this app's value; the code follows
    /// ([`AgentEvent::CodeToRead`]) once the employee's app replied. The call's id.
    ///
    /// # Errors
    /// [`SupportFlowError::Refused`] without randomness; [`SupportFlowError::Stopped`].
    pub fn start_call(&self, session_id: &str) -> Result<String, SupportFlowError> {
        let call_id = new_call_id().map_err(|c| SupportFlowError::Refused(c.to_owned()))?;
        self.cmd(Cmd::StartCall(session_id.to_owned(), call_id.clone()))?;
        Ok(call_id)
    }

    /// The call ended (the status no longer says "calling").
    ///
    /// # Errors
    /// [`SupportFlowError::Stopped`].
    pub fn end_call(&self, session_id: &str) -> Result<(), SupportFlowError> {
        self.cmd(Cmd::EndCall(session_id.to_owned()))
    }

    /// Closes a session with its outcome and a summary for the employee (sealed in the
    /// channel).
    ///
    /// # Errors
    /// [`SupportFlowError::Input`] for a summary over 4,000 characters;
    /// [`SupportFlowError::Stopped`].
    pub fn close(
        &self,
        session_id: &str,
        outcome: Outcome,
        summary: &str,
    ) -> Result<(), SupportFlowError> {
        if summary.chars().count() > verity_device::proto::MAX_MESSAGE_CHARS {
            return Err(SupportFlowError::Input("message_length"));
        }
        self.cmd(Cmd::Close(
            session_id.to_owned(),
            outcome,
            summary.to_owned(),
        ))
    }

    /// Drops the connection now and reconnects.
    ///
    /// # Errors
    /// [`SupportFlowError::Stopped`].
    pub fn reconnect(&self) -> Result<(), SupportFlowError> {
        self.cmd(Cmd::Reconnect)
    }

    /// Goes away and stops the driver.
    pub fn stop(mut self) {
        let _ = self.cmds.send(Cmd::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for AgentConnection {
    fn drop(&mut self) {
        let _ = self.cmds.send(Cmd::Stop);
    }
}

enum Phase {
    /// Waiting for the employee's first handshake message.
    Responding(Responder),
    /// Answered; waiting for the last one.
    Waiting(ResponderWaiting),
    Established(Box<Session>),
    Failed,
}

struct AgentSession {
    leg: u32,
    /// The next handshake seq wanted from the employee (0, 1 after the hello, 3 at the end).
    hs_next: u32,
    phase: Phase,
    texts: BTreeSet<u64>,
    stored_up_to: u64,
    delivered_up_to: u64,
    /// Close frames sealed, the control to send once they are stored.
    closing: Option<Outcome>,
}

struct Driver {
    link: Link,
    ctx: Arc<DeviceContext>,
    binding: Binding,
    events: Sender<AgentEvent>,
    online: bool,
    capacity: u32,
    sessions: BTreeMap<String, AgentSession>,
    last_heartbeat: Instant,
}

impl Driver {
    fn emit(&self, e: AgentEvent) {
        let _ = self.events.send(e);
    }

    fn error(&self, session_id: Option<&str>, code: &str) {
        self.emit(AgentEvent::Error {
            session_id: session_id.map(str::to_owned),
            code: code.to_owned(),
        });
    }

    fn run(mut self, cmds: &Receiver<Cmd>) {
        loop {
            loop {
                match cmds.try_recv() {
                    Ok(Cmd::Stop) | Err(mpsc::TryRecvError::Disconnected) => {
                        self.link.send_control(&Control::Presence { online: false });
                        self.link.shutdown();
                        return;
                    }
                    Ok(c) => self.command(c),
                    Err(mpsc::TryRecvError::Empty) => break,
                }
            }
            match self.link.poll(&self.binding) {
                Ok(Some(LinkEvent::Connected)) => {
                    self.emit(AgentEvent::Connection { connected: true });
                    self.link.send_control(&Control::Presence {
                        online: self.online,
                    });
                    self.last_heartbeat = Instant::now();
                    let joins: Vec<Control> = self
                        .sessions
                        .iter()
                        .map(|(sid, s)| Control::Join {
                            session_id: sid.clone(),
                            cursor: cursor_of(s),
                        })
                        .collect();
                    for j in joins {
                        self.link.send_control(&j);
                    }
                }
                Ok(Some(LinkEvent::Disconnected(why))) => {
                    log::info!("agent: the support channel dropped ({why}); reconnecting");
                    self.emit(AgentEvent::Connection { connected: false });
                }
                Ok(Some(LinkEvent::Incoming(m))) => self.incoming(m),
                Ok(None) => {}
                Err(e) => {
                    self.error(None, e.code());
                    return;
                }
            }
            if self.link.connected()
                && self.last_heartbeat.elapsed() >= Duration::from_secs(HEARTBEAT_SECS)
            {
                self.link.send_control(&Control::Heartbeat {});
                self.last_heartbeat = Instant::now();
            }
        }
    }

    fn command(&mut self, c: Cmd) {
        let ts = now_ms(&self.ctx);
        match c {
            Cmd::Online(online) => {
                self.online = online;
                self.link.send_control(&Control::Presence { online });
            }
            Cmd::Accept(session_id) => {
                let open = self
                    .sessions
                    .values()
                    .filter(|s| s.closing.is_none())
                    .count();
                if u32::try_from(open).unwrap_or(u32::MAX) >= self.capacity {
                    self.error(Some(&session_id), verity_device::proto::codes::AT_CAPACITY);
                    return;
                }
                self.link.send_control(&Control::Accept { session_id });
            }
            Cmd::Decline(session_id) => {
                self.link.send_control(&Control::Decline { session_id });
            }
            Cmd::Transfer(session_id, team) => {
                self.sessions.remove(&session_id);
                self.link.forget(&session_id);
                self.link
                    .send_control(&Control::Transfer { session_id, team });
            }
            Cmd::Typing(session_id) => {
                self.link.send_control(&Control::Typing { session_id });
            }
            Cmd::Send(sid, text) => {
                let r = self.with_session(&sid, |s| s.send_text(&text, ts));
                if let Some(f) = r {
                    if let Some(s) = self.sessions.get_mut(&sid) {
                        s.texts.insert(f.seq);
                    }
                    self.emit(AgentEvent::Sending {
                        session_id: sid.clone(),
                        seq: f.seq,
                        text,
                        ts_ms: ts,
                    });
                    self.link.send_frame(f);
                    self.checkpoint_if_due(&sid);
                }
            }
            Cmd::StartCall(sid, call_id) => {
                let Ok(r_a) = random32() else {
                    self.error(Some(&sid), "no_randomness");
                    return;
                };
                if let Some(f) = self.with_session(&sid, |s| s.start_call(&call_id, r_a, ts)) {
                    self.link.send_frame(f);
                    self.link.send_control(&Control::Call {
                        session_id: sid,
                        call_id: Some(call_id),
                    });
                }
            }
            Cmd::EndCall(sid) => {
                self.link.send_control(&Control::Call {
                    session_id: sid,
                    call_id: None,
                });
            }
            Cmd::Close(sid, outcome, summary) => {
                if let Some(f) = self.with_session(&sid, |s| s.close(&summary, ts)) {
                    self.link.send_frame(f);
                    self.checkpoint(&sid);
                }
                if let Some(s) = self.sessions.get_mut(&sid) {
                    s.closing = Some(outcome);
                }
                self.close_if_stored(&sid);
            }
            Cmd::Reconnect => {
                self.link.drop_socket();
                self.emit(AgentEvent::Connection { connected: false });
            }
            Cmd::Stop => {}
        }
    }

    /// Runs `f` on an established session; a refusal is an error event.
    fn with_session(
        &mut self,
        sid: &str,
        f: impl FnOnce(&mut Session) -> Result<Frame, SessionError>,
    ) -> Option<Frame> {
        let r = match self.sessions.get_mut(sid).map(|s| &mut s.phase) {
            Some(Phase::Established(s)) => f(s).map_err(|e| SupportError::from(e).code()),
            _ => Err("no_channel"),
        };
        match r {
            Ok(frame) => Some(frame),
            Err(code) => {
                self.error(Some(sid), code);
                None
            }
        }
    }

    fn checkpoint(&mut self, sid: &str) {
        let ts = now_ms(&self.ctx);
        let key = self.binding.signing_key().clone();
        if let Some(f) = self.with_session(sid, |s| s.checkpoint(&key, ts)) {
            self.link.send_frame(f);
        }
    }

    fn checkpoint_if_due(&mut self, sid: &str) {
        let due = matches!(
            self.sessions.get(sid).map(|s| &s.phase),
            Some(Phase::Established(s)) if s.checkpoint_due()
        );
        if due {
            self.checkpoint(sid);
        }
    }

    /// Once the close frames are stored, the desk is told to close the session.
    fn close_if_stored(&mut self, sid: &str) {
        let Some(outcome) = self.sessions.get(sid).and_then(|s| s.closing) else {
            return;
        };
        if self.link.unstored(sid) == 0 {
            self.link.send_control(&Control::Close {
                session_id: sid.to_owned(),
                outcome,
            });
        }
    }

    fn incoming(&mut self, m: WsIncoming) {
        match m {
            WsIncoming::Control(c) => self.control(c),
            WsIncoming::Frame(f) => self.frame(&f),
        }
    }

    fn control(&mut self, c: Control) {
        match c {
            Control::Offer {
                session_id,
                category,
                language,
                region,
                waited_secs,
                expires_at,
            } => self.emit(AgentEvent::Offer {
                session_id,
                category: category.as_str().to_owned(),
                language,
                region,
                waited_secs,
                expires_at,
            }),
            Control::OfferWithdrawn { session_id } => {
                self.emit(AgentEvent::OfferWithdrawn { session_id });
            }
            Control::QueueView { waiting, mine } => {
                self.emit(AgentEvent::Queue { waiting, mine });
            }
            Control::SupervisorAlert {
                session_id,
                kind,
                deadline,
            } => self.emit(AgentEvent::SupervisorAlert {
                session_id,
                kind,
                deadline,
            }),
            Control::Assigned {
                session_id, leg, ..
            } => self.assigned(session_id, leg),
            Control::Stored { session_id, cursor } => {
                self.link.stored(&session_id, cursor);
                self.delivery(&session_id, cursor, DeliveryState::Stored);
                self.close_if_stored(&session_id);
            }
            Control::Delivered { session_id, cursor } => {
                self.delivery(&session_id, cursor, DeliveryState::Delivered);
            }
            Control::PeerTyping { session_id } => {
                self.emit(AgentEvent::PeerTyping { session_id });
            }
            Control::Peer { session_id, online } => {
                self.emit(AgentEvent::PeerOnline { session_id, online });
            }
            Control::Closed {
                session_id,
                outcome,
            } => {
                self.sessions.remove(&session_id);
                self.link.forget(&session_id);
                self.emit(AgentEvent::Closed {
                    session_id,
                    outcome,
                });
            }
            Control::Error {
                session_id: Some(sid),
                code,
                ..
            } if code == verity_device::proto::codes::SESSION_CLOSED => {
                // A late frame crossed the desk's close: the session is over, not in error. A
                // session this app still holds learns its outcome from a join.
                if let Some(s) = self.sessions.get(&sid) {
                    log::info!("support: the desk closed a session; asking for its outcome");
                    let join = Control::Join {
                        session_id: sid,
                        cursor: cursor_of(s),
                    };
                    self.link.send_control(&join);
                }
            }
            Control::Error {
                session_id, code, ..
            } => self.error(session_id.as_deref(), &code),
            _ => {}
        }
    }

    /// A session is this agent's (or its employee's app started a new leg): a responder waits
    /// for the employee's hello; a join fetches what is already stored.
    fn assigned(&mut self, session_id: String, leg: u32) {
        if self.sessions.get(&session_id).is_some_and(|s| s.leg >= leg) {
            return;
        }
        let cfg = HandshakeConfig {
            session_id: session_id.clone(),
            leg,
            certificate: self.binding.certificate().to_owned(),
            org_key: *self.binding.org_key(),
        };
        let phase = match Responder::fresh(cfg, self.binding.signing_key()) {
            Ok(r) => Phase::Responding(r),
            Err(e) => {
                self.error(Some(&session_id), SupportError::from(e).code());
                Phase::Failed
            }
        };
        let s = AgentSession {
            leg,
            hs_next: 0,
            phase,
            texts: BTreeSet::new(),
            stored_up_to: 0,
            delivered_up_to: 0,
            closing: None,
        };
        let join = Control::Join {
            session_id: session_id.clone(),
            cursor: cursor_of(&s),
        };
        self.sessions.insert(session_id.clone(), s);
        self.emit(AgentEvent::Assigned { session_id, leg });
        self.link.send_control(&join);
    }

    fn delivery(&mut self, sid: &str, cursor: Cursor, state: DeliveryState) {
        let Some(s) = self.sessions.get_mut(sid) else {
            return;
        };
        if cursor.leg != s.leg {
            return;
        }
        let from = match state {
            DeliveryState::Stored => &mut s.stored_up_to,
            DeliveryState::Delivered => &mut s.delivered_up_to,
        };
        if cursor.tx <= *from {
            return;
        }
        let seqs: Vec<u64> = s.texts.range(*from + 1..=cursor.tx).copied().collect();
        *from = cursor.tx;
        for seq in seqs {
            self.emit(AgentEvent::Delivery {
                session_id: sid.to_owned(),
                seq,
                state,
            });
        }
    }

    fn ack(&mut self, sid: &str) {
        if let Some(s) = self.sessions.get(sid) {
            let ack = Control::Ack {
                session_id: sid.to_owned(),
                cursor: cursor_of(s),
            };
            self.link.send_control(&ack);
        }
    }

    fn frame(&mut self, f: &Frame) {
        let sid = f.session_id.clone();
        let now = self.ctx.clock.now();
        let Some(s) = self.sessions.get_mut(&sid) else {
            return;
        };
        if f.dir != Direction::E2a || f.leg != s.leg {
            return;
        }
        if f.kind == FrameKind::Hs && f.seq < u64::from(s.hs_next) {
            // A handshake message already taken (a replay after a join): acknowledge again.
            self.ack(&sid);
            return;
        }
        let phase = std::mem::replace(&mut s.phase, Phase::Failed);
        let mut out = Vec::new();
        let mut verified = None;
        let mut err = None;
        let mut received = None;
        let mut gap = false;
        s.phase = match phase {
            Phase::Responding(r) if f.kind == FrameKind::Hs && f.seq == 0 => {
                match r.read_hello(f) {
                    Ok((w, answer)) => {
                        out.push(answer);
                        s.hs_next = 1;
                        Phase::Waiting(w)
                    }
                    Err(e) => {
                        err = Some(SupportError::from(e).code());
                        Phase::Failed
                    }
                }
            }
            Phase::Waiting(w) if f.kind == FrameKind::Hs && f.seq == 2 => {
                match w.read_final(f, now) {
                    Ok(est) => {
                        s.hs_next = 3;
                        verified = Some(VerifiedEmployee::from_peer(est.peer()));
                        Phase::Established(Box::new(Session::new(est)))
                    }
                    Err(e) => {
                        err = Some(SupportError::from(e).code());
                        Phase::Failed
                    }
                }
            }
            Phase::Established(mut session) => {
                match session.receive(f) {
                    Ok(Incoming::New(r)) => received = Some(r),
                    Ok(Incoming::Duplicate) => {}
                    Ok(Incoming::Gap { .. }) => gap = true,
                    // A refused frame is not recorded: the acknowledgement below does not move.
                    Err(e) => err = Some(SupportError::from(e).code()),
                }
                Phase::Established(session)
            }
            other => other,
        };
        for o in out {
            self.link.send_frame(o);
        }
        if let Some(code) = err {
            self.error(Some(&sid), code);
        }
        if gap {
            if let Some(s) = self.sessions.get(&sid) {
                let join = Control::Join {
                    session_id: sid.clone(),
                    cursor: cursor_of(s),
                };
                self.link.send_control(&join);
            }
            return;
        }
        self.ack(&sid);
        match verified {
            Some(Some(employee)) => self.emit(AgentEvent::Verified {
                session_id: sid.clone(),
                employee,
            }),
            Some(None) => self.error(Some(&sid), "peer_certificate_wrong_role"),
            None => {}
        }
        if let Some(r) = received {
            self.received(&sid, r.seq, r.ts_ms, r.message);
        }
    }

    fn received(&mut self, sid: &str, seq: u64, ts_ms: u64, message: Message) {
        match message {
            Message::Text { text } => self.emit(AgentEvent::Message {
                session_id: sid.to_owned(),
                seq,
                text,
                ts_ms,
            }),
            Message::SasReply { call_id, .. } => {
                let ts = now_ms(&self.ctx);
                let mut code = None;
                if let Some(f) = self.with_session(sid, |s| {
                    s.reveal(&call_id, ts).map(|(f, c)| {
                        code = Some(c);
                        f
                    })
                }) {
                    self.link.send_frame(f);
                }
                if let Some(code) = code {
                    self.emit(AgentEvent::CodeToRead {
                        session_id: sid.to_owned(),
                        call_id,
                        code: code.to_string(),
                    });
                }
            }
            Message::SasResult { call_id, matched } => self.emit(AgentEvent::CodeResult {
                session_id: sid.to_owned(),
                call_id,
                matched,
            }),
            Message::Close { .. }
            | Message::Checkpoint(_)
            | Message::SasCommit { .. }
            | Message::SasReveal { .. } => {}
        }
        self.checkpoint_if_due(sid);
    }
}

fn cursor_of(s: &AgentSession) -> Cursor {
    Cursor {
        leg: s.leg,
        hs: s.hs_next,
        tx: match &s.phase {
            Phase::Established(x) => x.received(),
            _ => 0,
        },
    }
}

/// This agent's own identity, from the agent certificate `device.json` keeps (verified with
/// the pinned organisation key; the key store is not opened): `None` when this app is not an
/// agent's.
///
/// # Errors
/// [`SupportFlowError::Device`] when the state cannot be read or the certificate no longer
/// verifies.
pub fn agent_identity(
    ctx: &DeviceContext,
) -> Result<Option<(VerifiedAgent, u32)>, SupportFlowError> {
    use verity_device::state::DeviceState;
    let Some(state) = DeviceState::load(&ctx.data_dir)
        .map_err(|e| SupportFlowError::Device(verity_device::DeviceError::from(e)))?
    else {
        return Ok(None);
    };
    if state.role != DeviceRole::Agent {
        return Ok(None);
    }
    let org_key = verity_device::proto::parse_public_key(&state.org.public_key, "organisation key")
        .map_err(|e| SupportFlowError::Device(verity_device::DeviceError::Proto(e)))?;
    let cert = AgentCertificate::verify(&state.certificate, &org_key, None)
        .map_err(|e| SupportFlowError::Device(verity_device::DeviceError::Proto(e)))?;
    let body = cert.body();
    Ok(Some((
        VerifiedAgent {
            name: body.agent.name.clone(),
            role: body.agent.role,
            team: body.agent.team.clone(),
            organisation: body.org_name.clone(),
            fingerprint: cert.fingerprint(),
        },
        body.agent.capacity,
    )))
}
