//! The employee's session: open it, then a thread owns the WebSocket and the Noise channel.
//!
//! Commands go in through [`EmployeeSession`]'s methods, [`SessionEvent`]s come out of
//! [`EmployeeSession::events`]. The agent's identity comes only from the certificate the Noise
//! handshake verified. After a dropped connection the thread reconnects (capped exponential
//! backoff), sends again what the desk had not stored, and `Join`s with its cursor: the desk
//! replays what this app has not got; a duplicate is acknowledged again and never shown twice;
//! a gap is answered by another `Join`. The first message goes as soon as the channel is up. At
//! close the transcript is sealed to the `audit_recipient` of the signed `OpenAnswer` and
//! uploaded.

use super::events::{DeliveryState, SessionEvent, VerifiedAgent};
use super::link::{Link, LinkEvent};
use super::view::SessionView;
use super::{guard_codes, now_ms, random32, SupportFlowError};
use std::collections::{BTreeSet, VecDeque};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use verity_device::proto::{
    self, Control, Cursor, Direction, Frame, FrameKind, OpenAnswer, OpenRequest, Outcome, Report,
    ReportKind, SupportCategory, TranscriptUpload, MAX_FIRST_MESSAGE_CHARS,
};
use verity_device::state::DeviceRole;
use verity_device::support::Binding;
use verity_device::ws::Incoming as WsIncoming;
use verity_device::DeviceContext;
use verity_support::{
    HandshakeConfig, Incoming, Initiator, LegRecord, Message, Session, SessionError, SupportError,
    Transcript,
};

/// How long the employee's app waits, after sealing its close, for the agent's final
/// checkpoint before telling the desk the session is over.
const CLOSE_WAIT: Duration = Duration::from_secs(3);

/// What the employee asks for.
#[derive(Debug, Clone)]
pub struct OpenParams {
    /// What it is about.
    pub category: SupportCategory,
    /// The language to be served in (`en`, `zh-HK`, `zh-CN`, `ar`).
    pub language: String,
    /// The current TOTP code.
    pub totp: String,
    /// The first message, sent encrypted as soon as the channel is up (1 to 4,000 characters).
    pub first_message: String,
}

/// The employee's answer to "did the caller say exactly this code?".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CodeAnswer {
    /// The call.
    pub call_id: String,
    /// What the employee said.
    pub matched: bool,
    /// On a mismatch: the alert's code (`code_mismatch`).
    pub alert: Option<String>,
    /// On a mismatch: the report to IT's number, once filed.
    pub report_id: Option<u64>,
    /// On a mismatch: why the report could not be filed.
    pub report_error: Option<String>,
}

enum Cmd {
    Send(String),
    Typing,
    Confirm {
        call_id: String,
        matched: bool,
        reply: Sender<Result<(), String>>,
    },
    Close,
    Reconnect,
    Stop,
}

/// An open session and the thread that drives it.
pub struct EmployeeSession {
    answer: OpenAnswer,
    view: Arc<Mutex<SessionView>>,
    ctx: Arc<DeviceContext>,
    cmds: Sender<Cmd>,
    events: Receiver<SessionEvent>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EmployeeSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmployeeSession")
            .field("session_id", &self.answer.session_id)
            .finish_non_exhaustive()
    }
}

/// Checks a message before anything is sent.
fn check_text(text: &str) -> Result<(), SupportFlowError> {
    let n = text.chars().count();
    if n == 0 || n > MAX_FIRST_MESSAGE_CHARS || text.trim().is_empty() {
        return Err(SupportFlowError::Input("message_length"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(SupportFlowError::Input("message_characters"));
    }
    Ok(())
}

/// Opens a verified session (`POST /v1/support/open`: binding, TOTP and region checked by the
/// desk) and starts its driver. The first message is checked before anything is sent.
///
/// # Errors
/// [`SupportFlowError::Input`] for a bad first message or language; [`SupportFlowError::Device`]
/// with the desk's code (`totp_invalid`, `session_open`, `region_*`…), not enrolled,
/// `wrong_role`, the key store.
pub fn open(
    ctx: Arc<DeviceContext>,
    params: OpenParams,
) -> Result<EmployeeSession, SupportFlowError> {
    check_text(&params.first_message)?;
    if !proto::AGENT_LANGUAGES.contains(&params.language.as_str()) {
        return Err(SupportFlowError::Input("language"));
    }
    let binding = Binding::load(&ctx, DeviceRole::Employee)?;
    let answer = binding.open(
        &ctx,
        &OpenRequest {
            category: params.category,
            language: params.language.clone(),
            totp: params.totp.trim().to_owned(),
            signals: ctx.signals.clone(),
        },
    )?;
    let (cmd_tx, cmd_rx) = mpsc::channel();
    let (ev_tx, ev_rx) = mpsc::channel();
    let mut outbox = VecDeque::new();
    outbox.push_back(params.first_message);
    let view = Arc::new(Mutex::new(SessionView::new(&answer, params.category)));
    let driver = Driver {
        link: Link::new(ctx.clone()),
        ctx: ctx.clone(),
        binding,
        answer: answer.clone(),
        events: ev_tx,
        view: view.clone(),
        phase: Phase::Waiting,
        leg: 1,
        got_hs1: false,
        outbox,
        texts: BTreeSet::new(),
        stored_up_to: 0,
        delivered_up_to: 0,
        legs: Vec::new(),
        agent_certificate: None,
        summary: None,
        close_requested: false,
        close_sent: false,
        close_wait_until: None,
        closed: None,
    };
    let thread = std::thread::Builder::new()
        .name("verity-support".into())
        .spawn(move || driver.run(&cmd_rx))
        .map_err(|_| SupportFlowError::Stopped)?;
    Ok(EmployeeSession {
        answer,
        view,
        ctx,
        cmds: cmd_tx,
        events: ev_rx,
        thread: Some(thread),
    })
}

impl EmployeeSession {
    /// The desk's signed answer to the open (session id, queue position, audit recipient).
    #[must_use]
    pub fn answer(&self) -> &OpenAnswer {
        &self.answer
    }

    /// The session's id.
    #[must_use]
    pub fn session_id(&self) -> &str {
        &self.answer.session_id
    }

    /// The session as the Support screen shows it: every event so far applied
    /// ([`SessionView::apply`]).
    #[must_use]
    pub fn view(&self) -> SessionView {
        self.view
            .lock()
            .map(|v| v.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The events, in order.
    #[must_use]
    pub fn events(&self) -> &Receiver<SessionEvent> {
        &self.events
    }

    /// Takes the events' receiving end for a thread of the caller's (an app pumps them into its
    /// window); afterwards [`Self::events`] and [`Self::next_event`] see nothing.
    pub fn take_events(&mut self) -> Receiver<SessionEvent> {
        std::mem::replace(&mut self.events, mpsc::channel().1)
    }

    /// The next event within `timeout`.
    #[must_use]
    pub fn next_event(&self, timeout: Duration) -> Option<SessionEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    fn cmd(&self, c: Cmd) -> Result<(), SupportFlowError> {
        self.cmds.send(c).map_err(|_| SupportFlowError::Stopped)
    }

    /// Sends a message (sealed as soon as the channel is up; kept until the desk stored it).
    ///
    /// # Errors
    /// [`SupportFlowError::Input`] for a message out of bounds; [`SupportFlowError::Stopped`].
    pub fn send_text(&self, text: &str) -> Result<(), SupportFlowError> {
        check_text(text)?;
        self.cmd(Cmd::Send(text.to_owned()))
    }

    /// The employee is typing.
    ///
    /// # Errors
    /// [`SupportFlowError::Stopped`].
    pub fn typing(&self) -> Result<(), SupportFlowError> {
        self.cmd(Cmd::Typing)
    }

    /// The employee's answer to "did the caller say exactly this code?" (one per call). A
    /// mismatch is an alert, and a report to IT (`support_message`, verdict
    /// `support_code_mismatch` and the session) is filed through the report flow.
    ///
    /// # Errors
    /// [`SupportFlowError::Refused`] when no code of this call awaits an answer;
    /// [`SupportFlowError::Stopped`].
    pub fn confirm_code(
        &self,
        call_id: &str,
        matched: bool,
    ) -> Result<CodeAnswer, SupportFlowError> {
        let (tx, rx) = mpsc::channel();
        self.cmd(Cmd::Confirm {
            call_id: call_id.to_owned(),
            matched,
            reply: tx,
        })?;
        rx.recv_timeout(Duration::from_secs(10))
            .map_err(|_| SupportFlowError::Stopped)?
            .map_err(SupportFlowError::Refused)?;
        let mut answer = CodeAnswer {
            call_id: call_id.to_owned(),
            matched,
            alert: None,
            report_id: None,
            report_error: None,
        };
        if !matched {
            answer.alert = Some("code_mismatch".into());
            match report_code_alert(&self.ctx, self.session_id()) {
                Ok(id) => answer.report_id = Some(id),
                Err(code) => answer.report_error = Some(code),
            }
        }
        Ok(answer)
    }

    /// Closes the session (`abandoned`); the `Closed` event follows, then the transcript's
    /// upload.
    ///
    /// # Errors
    /// [`SupportFlowError::Stopped`].
    pub fn close(&self) -> Result<(), SupportFlowError> {
        self.cmd(Cmd::Close)
    }

    /// Drops the connection now and reconnects (after a network change, or to test recovery).
    ///
    /// # Errors
    /// [`SupportFlowError::Stopped`].
    pub fn reconnect(&self) -> Result<(), SupportFlowError> {
        self.cmd(Cmd::Reconnect)
    }

    /// Stops the driver (the session stays open at the desk) and waits for it.
    pub fn stop(mut self) {
        let _ = self.cmds.send(Cmd::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for EmployeeSession {
    fn drop(&mut self) {
        let _ = self.cmds.send(Cmd::Stop);
    }
}

/// Files the report to IT of a code that did not match; its number, or the error's code.
fn report_code_alert(ctx: &DeviceContext, session_id: &str) -> Result<u64, String> {
    let report = Report {
        kind: ReportKind::SupportMessage,
        item: None,
        verdict: vec![
            "support_code_mismatch".to_owned(),
            format!("session_{session_id}"),
        ],
        note: String::new(),
        observed_at: ctx.clock.now(),
    };
    crate::it_report::report_to_it(ctx, &report)
        .map(|r| r.id)
        .map_err(|e| match e {
            crate::FlowError::Device(d) => d.code().to_owned(),
            _ => "report_failed".to_owned(),
        })
}

enum Phase {
    /// No agent yet.
    Waiting,
    /// The first handshake message is out.
    Initiating(Box<Initiator>),
    /// The channel is up.
    Established(Box<Session>),
    /// The handshake failed: nothing more can be said in this leg.
    Failed,
}

struct Driver {
    link: Link,
    ctx: Arc<DeviceContext>,
    binding: Binding,
    answer: OpenAnswer,
    events: Sender<SessionEvent>,
    view: Arc<Mutex<SessionView>>,
    phase: Phase,
    leg: u32,
    got_hs1: bool,
    outbox: VecDeque<String>,
    /// This app's text messages (seqs), for delivery events.
    texts: BTreeSet<u64>,
    stored_up_to: u64,
    delivered_up_to: u64,
    legs: Vec<LegRecord>,
    agent_certificate: Option<String>,
    summary: Option<String>,
    close_requested: bool,
    close_sent: bool,
    /// After this app sealed its close, the desk is told only once the agent's final checkpoint
    /// came back (so both final checkpoints reach the transcript), or at this deadline.
    close_wait_until: Option<Instant>,
    closed: Option<Outcome>,
}

impl Driver {
    fn emit(&self, e: SessionEvent) {
        if let Ok(mut v) = self.view.lock() {
            v.apply(&e);
        }
        let _ = self.events.send(e);
    }

    fn error(&self, code: &str) {
        self.emit(SessionEvent::Error {
            code: code.to_owned(),
        });
    }

    fn sid(&self) -> String {
        self.answer.session_id.clone()
    }

    fn cursor(&self) -> Cursor {
        Cursor {
            leg: self.leg,
            hs: if self.got_hs1 { 2 } else { 0 },
            tx: match &self.phase {
                Phase::Established(s) => s.received(),
                _ => 0,
            },
        }
    }

    fn run(mut self, cmds: &Receiver<Cmd>) {
        loop {
            loop {
                match cmds.try_recv() {
                    Ok(Cmd::Stop) | Err(mpsc::TryRecvError::Disconnected) => {
                        self.link.shutdown();
                        return;
                    }
                    Ok(c) => self.command(c),
                    Err(mpsc::TryRecvError::Empty) => break,
                }
            }
            if self.close_requested
                && !self.close_sent
                && self.close_wait_until.is_some_and(|t| Instant::now() >= t)
            {
                self.close_wait_until = None;
                self.send_close_control();
            }
            match self.link.poll(&self.binding) {
                Ok(Some(LinkEvent::Connected)) => {
                    self.emit(SessionEvent::Connection { connected: true });
                    let join = Control::Join {
                        session_id: self.sid(),
                        cursor: self.cursor(),
                    };
                    self.link.send_control(&join);
                    if self.close_requested && !self.close_sent {
                        self.send_close_control();
                    }
                }
                Ok(Some(LinkEvent::Disconnected(why))) => {
                    log::info!("support: the channel dropped ({why}); reconnecting");
                    self.emit(SessionEvent::Connection { connected: false });
                }
                Ok(Some(LinkEvent::Incoming(m))) => self.incoming(m),
                Ok(None) => {}
                Err(e) => {
                    self.error(e.code());
                    return;
                }
            }
            if let Some(outcome) = self.closed {
                self.finish(outcome);
                self.link.shutdown();
                return;
            }
        }
    }

    fn command(&mut self, c: Cmd) {
        match c {
            Cmd::Send(text) => {
                self.outbox.push_back(text);
                self.flush_outbox();
            }
            Cmd::Typing => {
                if matches!(self.phase, Phase::Established(_)) {
                    self.link.send_control(&Control::Typing {
                        session_id: self.sid(),
                    });
                }
            }
            Cmd::Confirm {
                call_id,
                matched,
                reply,
            } => {
                let r = self.confirm(&call_id, matched);
                let _ = reply.send(r);
            }
            Cmd::Close => {
                self.close_requested = true;
                let ts = now_ms(&self.ctx);
                if let Phase::Established(s) = &mut self.phase {
                    if !s.is_closed() {
                        match s.close("", ts) {
                            Ok(f) => self.link.send_frame(f),
                            Err(e) => log::warn!("support: cannot seal the close: {e}"),
                        }
                    }
                }
                self.send_checkpoint();
                if matches!(self.phase, Phase::Established(_)) {
                    // The agent's app answers a close with its final checkpoint; the desk stops
                    // relaying once told, so wait for it (briefly) first.
                    self.close_wait_until = Some(Instant::now() + CLOSE_WAIT);
                } else {
                    self.send_close_control();
                }
            }
            Cmd::Reconnect => {
                self.link.drop_socket();
                self.emit(SessionEvent::Connection { connected: false });
            }
            Cmd::Stop => {}
        }
    }

    fn send_close_control(&mut self) {
        let sent = self.link.send_control(&Control::Close {
            session_id: self.sid(),
            outcome: Outcome::Abandoned,
        });
        self.close_sent = sent;
    }

    fn confirm(&mut self, call_id: &str, matched: bool) -> Result<(), String> {
        let ts = now_ms(&self.ctx);
        let Phase::Established(s) = &mut self.phase else {
            return Err("no_channel".into());
        };
        let f = s
            .report_match(call_id, matched, ts)
            .map_err(|e| SupportError::from(e).code().to_owned())?;
        self.link.send_frame(f);
        self.send_checkpoint();
        self.emit(SessionEvent::CodeAnswered {
            call_id: call_id.to_owned(),
            matched,
        });
        if !matched {
            self.emit(SessionEvent::CodeAlert {
                call_id: call_id.to_owned(),
                reason: "code_mismatch".into(),
                report_id: None,
            });
        }
        Ok(())
    }

    fn send_checkpoint(&mut self) {
        let ts = now_ms(&self.ctx);
        if let Phase::Established(s) = &mut self.phase {
            match s.checkpoint(self.binding.signing_key(), ts) {
                Ok(f) => self.link.send_frame(f),
                Err(e) => log::warn!("support: cannot sign a checkpoint: {e}"),
            }
        }
    }

    fn flush_outbox(&mut self) {
        let ts = now_ms(&self.ctx);
        let Phase::Established(s) = &mut self.phase else {
            return;
        };
        let mut sent = Vec::new();
        let mut failed = None;
        while let Some(text) = self.outbox.pop_front() {
            match s.send_text(&text, ts) {
                Ok(f) => sent.push((f, text)),
                Err(e) => {
                    log::warn!("support: cannot seal a message: {e}");
                    failed = Some(SupportError::from(e).code());
                    break;
                }
            }
        }
        let due = s.checkpoint_due();
        for (f, text) in sent {
            self.texts.insert(f.seq);
            self.emit(SessionEvent::Sending {
                seq: f.seq,
                text,
                ts_ms: ts,
            });
            self.link.send_frame(f);
        }
        if let Some(code) = failed {
            self.error(code);
        }
        if due {
            self.send_checkpoint();
        }
    }

    fn incoming(&mut self, m: WsIncoming) {
        match m {
            WsIncoming::Control(c) => self.control(c),
            WsIncoming::Frame(f) => {
                if f.session_id == self.answer.session_id {
                    self.frame(&f);
                }
            }
        }
    }

    fn control(&mut self, c: Control) {
        let sid = self.sid();
        match c {
            Control::Queued {
                session_id,
                position,
                expected_wait_secs,
            } if session_id == sid => self.emit(SessionEvent::Queued {
                position,
                expected_wait_secs,
            }),
            // The certificate in this message is a hint only: the agent is who the handshake
            // proves.
            Control::Assigned {
                session_id, leg, ..
            } if session_id == sid && leg == self.leg && matches!(self.phase, Phase::Waiting) => {
                self.emit(SessionEvent::Connecting);
                self.start_handshake();
            }
            Control::Stored { session_id, cursor } if session_id == sid => {
                self.link.stored(&sid, cursor);
                if cursor.leg == self.leg {
                    self.delivery(cursor.tx, DeliveryState::Stored);
                }
            }
            Control::Delivered { session_id, cursor }
                if session_id == sid && cursor.leg == self.leg =>
            {
                self.delivery(cursor.tx, DeliveryState::Delivered);
            }
            Control::PeerTyping { session_id } if session_id == sid => {
                self.emit(SessionEvent::PeerTyping);
            }
            Control::Peer { session_id, online } if session_id == sid => {
                self.emit(SessionEvent::PeerOnline { online });
            }
            Control::Closed {
                session_id,
                outcome,
            } if session_id == sid => {
                self.closed = Some(outcome);
            }
            Control::Error { code, .. } if code == proto::codes::SESSION_CLOSED => {
                // A late frame (a final checkpoint, a message typed as the agent closed) crossed
                // the desk's close. The session is over, which is not an error to show: a join
                // answers with `Closed` and its outcome.
                log::info!("support: the desk closed the session; asking for its outcome");
                let join = Control::Join {
                    session_id: self.sid(),
                    cursor: self.cursor(),
                };
                self.link.send_control(&join);
            }
            Control::Error { code, .. } => self.error(&code),
            _ => {}
        }
    }

    fn delivery(&mut self, up_to: u64, state: DeliveryState) {
        let from = match state {
            DeliveryState::Stored => &mut self.stored_up_to,
            DeliveryState::Delivered => &mut self.delivered_up_to,
        };
        if up_to <= *from {
            return;
        }
        let seqs: Vec<u64> = self.texts.range(*from + 1..=up_to).copied().collect();
        *from = up_to;
        for seq in seqs {
            self.emit(SessionEvent::Delivery { seq, state });
        }
    }

    fn start_handshake(&mut self) {
        let cfg = HandshakeConfig {
            session_id: self.sid(),
            leg: self.leg,
            certificate: self.binding.certificate().to_owned(),
            org_key: *self.binding.org_key(),
        };
        match Initiator::fresh(cfg, self.binding.signing_key()) {
            Ok((init, hello)) => {
                self.link.send_frame(hello);
                self.phase = Phase::Initiating(Box::new(init));
            }
            Err(e) => {
                self.phase = Phase::Failed;
                self.error(SupportError::from(e).code());
            }
        }
    }

    fn ack(&mut self) {
        let ack = Control::Ack {
            session_id: self.sid(),
            cursor: self.cursor(),
        };
        self.link.send_control(&ack);
    }

    fn frame(&mut self, f: &Frame) {
        if f.dir != Direction::A2e || f.leg != self.leg {
            return;
        }
        let phase = std::mem::replace(&mut self.phase, Phase::Failed);
        match phase {
            Phase::Initiating(init) if f.kind == FrameKind::Hs && f.seq == 1 => {
                match init.read_response(f, self.ctx.clock.now()) {
                    Ok((est, last)) => {
                        self.link.send_frame(last);
                        self.got_hs1 = true;
                        let agent = VerifiedAgent::from_peer(est.peer());
                        self.agent_certificate = Some(est.peer().token().to_owned());
                        self.phase = Phase::Established(Box::new(Session::new(est)));
                        self.ack();
                        match agent {
                            Some(agent) => self.emit(SessionEvent::Assigned { agent }),
                            None => self.error("peer_certificate_wrong_role"),
                        }
                        self.flush_outbox();
                    }
                    Err(e) => self.error(SupportError::from(e).code()),
                }
            }
            Phase::Established(mut s) => {
                let r = s.receive(f);
                self.phase = Phase::Established(s);
                match r {
                    Ok(Incoming::New(m)) => {
                        self.ack();
                        self.received(m.seq, m.ts_ms, m.message, m.code);
                    }
                    Ok(Incoming::Duplicate) => self.ack(),
                    Ok(Incoming::Gap { .. }) => {
                        let join = Control::Join {
                            session_id: self.sid(),
                            cursor: self.cursor(),
                        };
                        self.link.send_control(&join);
                    }
                    Err(e) => self.session_error(e),
                }
            }
            other => self.phase = other,
        }
    }

    fn session_error(&mut self, e: SessionError) {
        // These two are recorded (evidence); the others are refused and shown nothing of.
        if matches!(
            e,
            SessionError::CheckpointMismatch(_) | SessionError::SasCommitmentMismatch { .. }
        ) {
            self.ack();
        }
        if let SessionError::SasCommitmentMismatch { call_id } = &e {
            let report_id = report_code_alert(&self.ctx, &self.answer.session_id).ok();
            self.emit(SessionEvent::CodeAlert {
                call_id: call_id.clone(),
                reason: "code_commitment_mismatch".into(),
                report_id,
            });
            return;
        }
        self.error(SupportError::from(e).code());
    }

    fn received(
        &mut self,
        seq: u64,
        ts_ms: u64,
        message: Message,
        code: Option<verity_support::SpokenCode>,
    ) {
        match message {
            Message::Text { text } => {
                let guard = guard_codes(&text);
                self.emit(SessionEvent::Message {
                    seq,
                    text,
                    ts_ms,
                    guard,
                });
            }
            Message::SasCommit { call_id, .. } => {
                let ts = now_ms(&self.ctx);
                let reply = random32().and_then(|r| match &mut self.phase {
                    Phase::Established(s) => s
                        .reply(&call_id, r, ts)
                        .map_err(|e| SupportError::from(e).code()),
                    _ => Err("no_channel"),
                });
                match reply {
                    Ok(f) => self.link.send_frame(f),
                    Err(code) => self.error(code),
                }
            }
            Message::SasReveal { call_id, .. } => {
                if let Some(code) = code {
                    self.emit(SessionEvent::CodeToCompare {
                        call_id,
                        code: code.to_string(),
                    });
                }
            }
            Message::Close { summary } => self.summary = Some(summary),
            Message::Checkpoint(_) => {
                // The agent's final checkpoint, after this app's close: tell the desk now.
                if self.close_requested && self.close_wait_until.is_some() {
                    self.close_wait_until = Some(Instant::now());
                }
            }
            Message::SasReply { .. } | Message::SasResult { .. } => {}
        }
        // Due after 50 messages, a code's result and a close (received too: each party's
        // final checkpoint goes into the transcript).
        if let Phase::Established(s) = &self.phase {
            if s.checkpoint_due() {
                self.send_checkpoint();
            }
        }
    }

    /// The agent closed and its final checkpoint has not come yet.
    fn awaiting_peer_final(&self) -> bool {
        matches!(&self.phase, Phase::Established(s) if s.awaiting_peer_final())
    }

    /// The session is over: say so, seal the transcript to the audit recipient of the signed
    /// open answer, and upload it.
    fn finish(&mut self, outcome: Outcome) {
        let summary = self.summary.take().filter(|s| !s.is_empty());
        self.emit(SessionEvent::Closed { outcome, summary });
        // Give the last frames (the close, a checkpoint) a moment to be stored, and, when the
        // agent closed, its final checkpoint a moment to come (the desk's `Closed` may overtake
        // a frame it relays from its store): without it the transcript is not fully signed.
        let until = Instant::now() + Duration::from_secs(2);
        while self.link.connected()
            && (self.link.unstored(&self.answer.session_id) > 0 || self.awaiting_peer_final())
            && Instant::now() < until
        {
            match self.link.poll(&self.binding) {
                Ok(Some(LinkEvent::Incoming(WsIncoming::Control(Control::Stored {
                    session_id,
                    cursor,
                })))) => self.link.stored(&session_id, cursor),
                Ok(Some(LinkEvent::Incoming(m @ WsIncoming::Frame(_)))) => self.incoming(m),
                Ok(_) => {}
                Err(_) => break,
            }
        }
        self.link.forget(&self.answer.session_id);
        let phase = std::mem::replace(&mut self.phase, Phase::Failed);
        if let Phase::Established(s) = phase {
            self.legs.push(s.record());
        }
        let Some(agent_cert) = self.agent_certificate.clone() else {
            return; // No agent ever: nothing was said.
        };
        let transcript = Transcript::new(
            &self.answer.session_id,
            self.binding.certificate(),
            &agent_cert,
            std::mem::take(&mut self.legs),
        );
        let sealed = match transcript.seal(&self.answer.audit_recipient) {
            Ok(s) => s,
            Err(e) => {
                log::warn!("support: cannot seal the transcript: {e}");
                self.error("transcript_failed");
                return;
            }
        };
        let upload = TranscriptUpload {
            session_id: self.answer.session_id.clone(),
            sealed_by: Direction::E2a,
            sealed: proto::b64(&sealed),
        };
        match self.binding.upload_transcript(&self.ctx, &upload) {
            Ok(r) => self.emit(SessionEvent::TranscriptUploaded {
                received_at: r.received_at,
            }),
            Err(e) => {
                log::warn!("support: cannot upload the transcript: {e}");
                self.error(e.code());
            }
        }
    }
}
