//! Verified support sessions, the desk's rules (`docs/support-protocol.md`): authenticating
//! either kind of app (an employee's `vc1.` or an agent's `va1.` certificate), opening a session
//! behind the same three checks as `/v1/verify`, the signed live status, sealed transcripts, the
//! WebSocket's control messages and frames, routing (offers, claims, declines, transfers, drops)
//! and the sweep (lapsed offers, heartbeats, grace, deadlines and their 80 % alerts, idle and
//! over-long sessions).
//!
//! Every change is written to the store first; live sockets are then told through the hub.
//! Routing decisions, agent actions and presence changes go to the operation log (`support.*`).

mod fanout;
mod queue;

pub(crate) use fanout::FrameHeadsCache;
pub(crate) use queue::QueueNews;

use super::{code_static, ApiError, Desk, Incoming};
use crate::store::{AgentRecord, DeviceRecord};
use crate::support::relay::FramePlace;
use crate::support::routing::{self, Candidate, Need};
use crate::support::store::{
    ClaimOutcome, FrameIn, FrameOutcome, FrameRefusal, SessionMember, SessionState, StoredCursor,
    SupportSessionRecord,
};
use crate::support::{
    agent_key, employee_key, Out, ALERT_AT_PERCENT, FIRST_RESPONSE_SECS, WAIT_DEADLINE_SECS,
    WAIT_PER_PLACE_SECS,
};
use std::collections::HashMap;
use verity_device::proto::{
    self, codes, AgentCertificate, AgentRole, Control, Cursor, Direction, Frame, FrameError,
    FrameKind, OpenAnswer, OpenRequest, Outcome, ProtoError, StatusAnswer, StatusBody,
    StatusRequest, SupportState, TranscriptReceipt, TranscriptUpload, AGENT_LANGUAGES,
    DROP_GRACE_SECS, IDLE_SECS, MAX_SEALED_TRANSCRIPT, MAX_SESSION_BYTES, MAX_SESSION_FRAMES,
    MAX_SESSION_SECS, OFFER_SECS,
};

/// An authenticated app: an employee's device or an agent.
#[derive(Debug, Clone)]
pub enum Party {
    /// An employee's device (`vc1.`).
    Employee {
        /// Its record.
        device: DeviceRecord,
        /// Its certificate token.
        certificate: String,
    },
    /// An agent's app (`va1.`).
    Agent {
        /// Its record.
        agent: AgentRecord,
        /// Its certificate token.
        certificate: String,
    },
}

impl Party {
    /// The hub key.
    #[must_use]
    pub fn key(&self) -> String {
        match self {
            Party::Employee { device, .. } => employee_key(&device.device_id),
            Party::Agent { agent, .. } => agent_key(&agent.agent_id),
        }
    }

    /// The direction this party writes.
    #[must_use]
    pub fn dir(&self) -> Direction {
        match self {
            Party::Employee { .. } => Direction::E2a,
            Party::Agent { .. } => Direction::A2e,
        }
    }

    /// The operation log's actor.
    #[must_use]
    pub fn actor(&self) -> String {
        match self {
            Party::Employee { device, .. } => format!("device:{}", device.device_id),
            Party::Agent { agent, .. } => format!("agent:{}", agent.agent_id),
        }
    }

    fn is_member(&self, s: &SupportSessionRecord) -> bool {
        match self {
            Party::Employee { device, .. } => s.device_id == device.device_id,
            Party::Agent { agent, .. } => s.agent_id.as_deref() == Some(agent.agent_id.as_str()),
        }
    }

    /// This party as the store names a session's member ([`SupportStore::assigned_sessions_of`]).
    fn member(&self) -> SessionMember<'_> {
        match self {
            Party::Employee { device, .. } => SessionMember::Employee {
                employee_id: &device.employee_id,
                device_id: &device.device_id,
            },
            Party::Agent { agent, .. } => SessionMember::Agent(&agent.agent_id),
        }
    }
}

fn dir_str(d: Direction) -> &'static str {
    match d {
        Direction::E2a => "e2a",
        Direction::A2e => "a2e",
    }
}

fn other(d: Direction) -> Direction {
    match d {
        Direction::E2a => Direction::A2e,
        Direction::A2e => Direction::E2a,
    }
}

fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Resolved => "resolved",
        Outcome::Escalated => "escalated",
        Outcome::Abandoned => "abandoned",
        Outcome::Suspicious => "suspicious",
        Outcome::Expired => "expired",
    }
}

fn parse_outcome(s: Option<&str>) -> Outcome {
    match s {
        Some("resolved") => Outcome::Resolved,
        Some("escalated") => Outcome::Escalated,
        Some("abandoned") => Outcome::Abandoned,
        Some("suspicious") => Outcome::Suspicious,
        _ => Outcome::Expired,
    }
}

/// A control message as the text to send.
#[must_use]
pub fn text(c: &Control) -> Out {
    Out::Text(serde_json::to_string(c).unwrap_or_default())
}

fn error(session_id: Option<&str>, code: &str, message: &str) -> Out {
    text(&Control::Error {
        session_id: session_id.map(str::to_owned),
        code: code.to_owned(),
        message: message.to_owned(),
    })
}

fn stored_cursor(c: Cursor) -> StoredCursor {
    StoredCursor {
        leg: c.leg,
        hs: c.hs,
        tx: c.tx,
    }
}

fn wire_cursor(c: StoredCursor) -> Cursor {
    Cursor {
        leg: c.leg,
        hs: c.hs,
        tx: c.tx,
    }
}

/// The region the desk places an open in: the locale's region subtag when the policy allows
/// it (or there is no policy), else the policy's first region, else `ZZ` (unknown).
fn placed_region(policy: Option<&crate::policy::Policy>, signals: &proto::RegionSignals) -> String {
    let from_locale = signals
        .locale
        .as_deref()
        .and_then(|l| l.split(['-', '_']).nth(1))
        .filter(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase);
    let regions = policy.map(|p| p.regions.clone()).unwrap_or_default();
    match from_locale {
        Some(r) if regions.is_empty() || regions.contains(&r) => r,
        _ => regions.first().cloned().unwrap_or_else(|| "ZZ".to_owned()),
    }
}

/// Two-factor refusal codes as `'static`.
fn totp_code_static(code: &str) -> &'static str {
    [
        codes::TOTP_NOT_SET_UP,
        codes::TOTP_INVALID,
        codes::TOTP_REUSED,
        codes::TOTP_LOCKED,
    ]
    .into_iter()
    .find(|c| *c == code)
    .unwrap_or(codes::TOTP_INVALID)
}

/// Whether `s` is an age X25519 recipient as `age-keygen` writes it: `age1` and 58 characters
/// of the bech32 alphabet (lower case).
#[must_use]
pub fn is_age_recipient(s: &str) -> bool {
    const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    s.len() == 62 && s.starts_with("age1") && s.bytes().skip(4).all(|b| BECH32.contains(&b))
}

fn forbidden(message: &str) -> ApiError {
    ApiError::new(403, codes::FORBIDDEN, message)
}

impl Desk {
    /// The hub of live support connections.
    #[must_use]
    pub fn hub(&self) -> &crate::support::Hub {
        &self.hub
    }

    /// Authenticates a request from either kind of app, by its certificate's prefix (`va1.`: an
    /// agent; otherwise an employee's device, as [`Desk::authenticate`]). Reads only.
    fn authenticate_party(&self, req: &Incoming) -> Result<(Party, u64), ApiError> {
        let auth = Self::auth_headers(req)?;
        let token = auth.certificate.as_deref().unwrap_or("");
        if !token.starts_with("va1.") {
            let authed = self.authenticate(req)?;
            return Ok((
                Party::Employee {
                    device: authed.device,
                    certificate: token.to_owned(),
                },
                authed.now,
            ));
        }
        let now = self.check_timestamp(auth)?;
        let cert =
            AgentCertificate::verify(token, &self.org_public, Some(now)).map_err(|e| match e {
                ProtoError::CertificateExpired => ApiError::unauthorized(
                    codes::CERTIFICATE_EXPIRED,
                    "the agent certificate has expired: enrol the agent's app again",
                ),
                other => {
                    tracing::warn!(peer = %req.peer, error = %other, "agent certificate refused");
                    ApiError::unauthorized(codes::CERTIFICATE_INVALID, other.to_string())
                }
            })?;
        proto::verify_request_signature(
            cert.agent_key(),
            &req.origin,
            &req.method,
            &req.path,
            &req.body,
            auth,
        )
        .map_err(|_| {
            ApiError::unauthorized(
                codes::SIGNATURE_INVALID,
                "the request signature does not verify",
            )
        })?;
        let body = cert.body();
        let agent = self.store.agent(&body.agent_id)?.ok_or_else(|| {
            ApiError::unauthorized(
                codes::DEVICE_UNKNOWN,
                "the desk has no record of this agent",
            )
        })?;
        if agent.revoked_at.is_some() {
            tracing::warn!(agent = %agent.agent_id, "revoked agent refused");
            return Err(ApiError::new(
                403,
                codes::AGENT_REVOKED,
                "this agent's certificate was revoked",
            ));
        }
        if agent.public_key != body.agent_key || agent.cert_serial != body.serial {
            return Err(ApiError::unauthorized(
                codes::CERTIFICATE_INVALID,
                "this certificate is not the agent's current one",
            ));
        }
        Ok((
            Party::Agent {
                agent,
                certificate: token.to_owned(),
            },
            now,
        ))
    }

    fn support_log(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        device: &str,
        detail: serde_json::Value,
    ) {
        if let Err(e) = self.log_op(actor, action, target, device, "ok", detail) {
            tracing::error!(error = ?e, action, "cannot append to the operation log");
        }
    }

    /// `POST /v1/support/open`.
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn support_open(&self, req: &Incoming) -> Result<OpenAnswer, ApiError> {
        let (party, now) = self.authenticate_party(req)?;
        let Party::Employee {
            device,
            certificate,
        } = party
        else {
            return Err(forbidden("only an employee's app opens a support session"));
        };
        let body: OpenRequest = Self::parse(&req.body)?;
        if !AGENT_LANGUAGES.contains(&body.language.as_str()) {
            return Err(ApiError::bad_request("language is not one the desk serves"));
        }
        let Some(audit_recipient) = self.store.audit_recipient()? else {
            return Err(ApiError::new(
                503,
                codes::NO_AUDIT_KEY,
                "the organisation has not set an audit key: support sessions cannot be archived",
            ));
        };
        if self.store.open_session_of(&device.employee_id)?.is_some() {
            return Err(ApiError::new(
                409,
                codes::SESSION_OPEN,
                "a support session is open already",
            ));
        }
        let (region, two_factor, _) =
            self.three_checks(req, &device.device_id, now, &body.signals, &body.totp)?;
        if !region.ok {
            return Err(ApiError::new(
                403,
                code_static(&region.code),
                region.message,
            ));
        }
        if !two_factor.ok {
            return Err(ApiError::new(
                403,
                totp_code_static(&two_factor.code),
                two_factor.message,
            ));
        }
        let policy = self.store.policy()?;
        let placed = placed_region(policy.as_ref(), &body.signals);
        let team = routing::team_for(
            &self.store.routes()?,
            body.category.as_str(),
            &placed,
            &body.language,
        );
        let mut id = [0u8; 16];
        proto::random_bytes(&mut id)?;
        let session_id = data_encoding::HEXLOWER.encode(&id);
        let record = SupportSessionRecord {
            session_id: session_id.clone(),
            employee_id: device.employee_id.clone(),
            device_id: device.device_id.clone(),
            employee_certificate: certificate,
            category: body.category.as_str().to_owned(),
            language: body.language.clone(),
            region: placed.clone(),
            team: team.clone(),
            state: SessionState::Queued,
            priority: 0,
            enqueued_at: now,
            offered_to: None,
            offer_expires_at: None,
            agent_id: None,
            agent_certificate: None,
            leg: 1,
            wait_deadline: now + WAIT_DEADLINE_SECS,
            first_response_deadline: None,
            first_response_at: None,
            wait_alerted: false,
            response_alerted: false,
            call_id: None,
            outcome: None,
            opened_at: now,
            assigned_at: None,
            closed_at: None,
            last_frame_at: now,
            frames: 0,
            bytes: 0,
        };
        if !self.store.open_support_session(&record)? {
            return Err(ApiError::new(
                409,
                codes::SESSION_OPEN,
                "a support session is open already",
            ));
        }
        self.support_log(
            &format!("device:{}", device.device_id),
            "support.open",
            &session_id,
            &device.device_id,
            serde_json::json!({"category": record.category, "language": record.language,
                "region": placed, "team": team}),
        );
        self.drain(now)?;
        self.queue_changed();
        let position = self.position(&session_id)?.unwrap_or(1);
        Ok(OpenAnswer {
            session_id,
            region: placed,
            position,
            expected_wait_secs: u64::from(position) * WAIT_PER_PLACE_SECS,
            audit_recipient,
        })
    }

    /// The session's place among those waiting (1: next), if it waits.
    fn position(&self, session_id: &str) -> Result<Option<u32>, ApiError> {
        Ok(self
            .store
            .waiting_sessions()?
            .iter()
            .position(|s| s.session_id == session_id)
            .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)))
    }

    /// `POST /v1/support/status`: the organisation's signed statement of what support is doing
    /// with the calling device's employee.
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn support_status(&self, req: &Incoming) -> Result<StatusAnswer, ApiError> {
        let (party, now) = self.authenticate_party(req)?;
        let Party::Employee { device, .. } = party else {
            return Err(forbidden("the status is an employee's"));
        };
        let body: StatusRequest = Self::parse(&req.body)?;
        if !proto::is_valid_nonce(&body.nonce) {
            return Err(ApiError::bad_request(
                "nonce: 16 to 64 base64url characters",
            ));
        }
        self.use_nonce(&device.device_id, req, now)?;
        let session = self.store.open_session_of(&device.employee_id)?;
        let mut statement = StatusBody {
            v: 1,
            org_key: proto::b64(self.org_public.as_bytes()),
            device_id: device.device_id.clone(),
            employee_id: device.employee_id.clone(),
            state: SupportState::None,
            session_id: None,
            agent_name: None,
            agent_fingerprint: None,
            call_id: None,
            issued_at: now,
            nonce: body.nonce,
        };
        if let Some(s) = session {
            statement.session_id = Some(s.session_id.clone());
            statement.state = SupportState::Queued;
            if s.state == SessionState::Assigned {
                let cert = s
                    .agent_certificate
                    .as_deref()
                    .map(|t| AgentCertificate::verify(t, &self.org_public, None))
                    .transpose()
                    .map_err(|e| {
                        tracing::error!(error = %e, "a stored agent certificate does not verify");
                        ApiError::new(500, codes::INTERNAL, "the desk failed; see its logs")
                    })?;
                if let Some(cert) = cert {
                    statement.agent_name = Some(cert.body().agent.name.clone());
                    statement.agent_fingerprint = Some(cert.fingerprint());
                    statement.state = if s.call_id.is_some() {
                        SupportState::Calling
                    } else {
                        SupportState::Chatting
                    };
                    statement.call_id = s.call_id;
                }
            }
        }
        Ok(StatusAnswer {
            statement: statement.sign(&self.org_key)?,
        })
    }

    /// `POST /v1/support/transcript`: one side's sealed transcript, once per side, from a party
    /// of the session.
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn support_transcript(&self, req: &Incoming) -> Result<TranscriptReceipt, ApiError> {
        let (party, now) = self.authenticate_party(req)?;
        let body: TranscriptUpload = Self::parse(&req.body)?;
        if body.sealed.len() > MAX_SEALED_TRANSCRIPT {
            return Err(ApiError::new(
                413,
                codes::TOO_LARGE,
                "the transcript is too large",
            ));
        }
        let s = self
            .store
            .support_session(&body.session_id)?
            .ok_or_else(|| ApiError::new(404, codes::SESSION_UNKNOWN, "no such session"))?;
        if !party.is_member(&s) || body.sealed_by != party.dir() {
            return Err(forbidden(
                "not a party of this session, or not this side's transcript",
            ));
        }
        if s.agent_certificate.is_none() && s.state != SessionState::Assigned {
            return Err(forbidden("the session never had an agent"));
        }
        let sealed = proto::unb64(&body.sealed, "sealed")
            .map_err(|_| ApiError::bad_request("sealed is not base64url"))?;
        if sealed.is_empty() {
            return Err(ApiError::bad_request("sealed is empty"));
        }
        let key_id = match &party {
            Party::Employee { device, .. } => device.device_id.clone(),
            Party::Agent { agent, .. } => agent.agent_id.clone(),
        };
        self.use_nonce(&key_id, req, now)?;
        if !self
            .store
            .put_transcript(&s.session_id, dir_str(party.dir()), &sealed, now)?
        {
            return Err(ApiError::new(
                409,
                codes::TRANSCRIPT_EXISTS,
                "this side's transcript is stored already",
            ));
        }
        self.support_log(
            &party.actor(),
            "support.transcript",
            &s.session_id,
            &s.device_id,
            serde_json::json!({"sealed_by": dir_str(party.dir()), "bytes": sealed.len()}),
        );
        Ok(TranscriptReceipt { received_at: now })
    }

    /// Authenticates a WebSocket upgrade and spends its nonce.
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn support_connect(&self, req: &Incoming) -> Result<Party, ApiError> {
        let (party, now) = self.authenticate_party(req)?;
        let key_id = match &party {
            Party::Employee { device, .. } => device.device_id.clone(),
            Party::Agent { agent, .. } => agent.agent_id.clone(),
        };
        self.use_nonce(&key_id, req, now)?;
        Ok(party)
    }

    /// A binary message (a frame) from a party: checked, stored, acknowledged (`Stored`) to the
    /// sender, relayed to the peer. The replies for the sending connection, in order.
    ///
    /// # Errors
    /// Store failures (the connection is then closed).
    pub fn support_frame(&self, party: &Party, bytes: &[u8]) -> Result<Vec<Out>, ApiError> {
        if let Some(refused) = self.revoked_since(party)? {
            return Ok(vec![refused]);
        }
        let frame = match Frame::from_cbor(bytes) {
            Ok(f) => f,
            Err(FrameError::TooLarge) => {
                return Ok(vec![error(
                    None,
                    codes::TOO_LARGE,
                    "the frame is larger than 64 KiB",
                )])
            }
            Err(FrameError::Malformed(why)) => {
                return Ok(vec![error(None, codes::FRAME_INVALID, &why)])
            }
        };
        let sid = frame.session_id.as_str();
        let Some(s) = self.store.support_session(sid)? else {
            return Ok(vec![error(
                Some(sid),
                codes::SESSION_UNKNOWN,
                "no such session",
            )]);
        };
        if !party.is_member(&s) {
            return Ok(vec![error(
                Some(sid),
                codes::FORBIDDEN,
                "not a party of this session",
            )]);
        }
        if frame.dir != party.dir() {
            return Ok(vec![error(
                Some(sid),
                codes::FORBIDDEN,
                "a frame of the other direction",
            )]);
        }
        let kind = match frame.kind {
            FrameKind::Hs => "hs",
            FrameKind::Tx => "tx",
        };
        let now = self.clock.now();
        let outcome = self.store.store_frame(
            &FrameIn {
                session_id: sid,
                leg: frame.leg,
                dir: dir_str(frame.dir),
                kind,
                seq: frame.seq,
                body: &frame.body,
            },
            now,
            MAX_SESSION_FRAMES,
            MAX_SESSION_BYTES,
        )?;
        let stored = |c: StoredCursor| {
            text(&Control::Stored {
                session_id: sid.to_owned(),
                cursor: wire_cursor(c),
            })
        };
        match outcome {
            FrameOutcome::Duplicate { cursor } => Ok(vec![stored(cursor)]),
            FrameOutcome::Refused(why) => {
                let (code, message) = match why {
                    FrameRefusal::Unknown => (codes::SESSION_UNKNOWN, "no such session"),
                    FrameRefusal::Closed => (codes::SESSION_CLOSED, "the session is over"),
                    FrameRefusal::NotAssigned => {
                        (codes::FRAME_INVALID, "the session has no agent yet")
                    }
                    FrameRefusal::Leg => (codes::FRAME_INVALID, "not the session's leg"),
                    FrameRefusal::Order => (codes::FRAME_INVALID, "not the next frame expected"),
                    FrameRefusal::Conflict => (
                        codes::FRAME_INVALID,
                        "another frame is stored at this place",
                    ),
                    FrameRefusal::Full => {
                        (codes::TOO_LARGE, "the session holds all the frames it may")
                    }
                };
                Ok(vec![error(Some(sid), code, message)])
            }
            FrameOutcome::Stored {
                cursor, new_leg, ..
            } => {
                if new_leg {
                    self.support_log(
                        &party.actor(),
                        "support.rekey",
                        sid,
                        &s.device_id,
                        serde_json::json!({"leg": frame.leg}),
                    );
                    if let Some(agent_cert) = &s.agent_certificate {
                        self.tell(
                            &employee_key(&s.device_id),
                            &text(&Control::Assigned {
                                session_id: sid.to_owned(),
                                leg: frame.leg,
                                peer_certificate: agent_cert.clone(),
                            }),
                        );
                    }
                    if let Some(agent) = &s.agent_id {
                        self.tell(
                            &agent_key(agent),
                            &text(&Control::Assigned {
                                session_id: sid.to_owned(),
                                leg: frame.leg,
                                peer_certificate: s.employee_certificate.clone(),
                            }),
                        );
                    }
                }
                if let (Some(peer), Ok(bytes)) = (Self::peer_key(party, &s), frame.to_cbor()) {
                    self.tell(
                        &peer,
                        &Out::Frame {
                            session_id: sid.to_owned(),
                            place: FramePlace {
                                leg: frame.leg,
                                hs: frame.kind == FrameKind::Hs,
                                seq: frame.seq,
                            },
                            bytes,
                        },
                    );
                }
                Ok(vec![stored(cursor)])
            }
        }
    }

    /// A text message (a [`Control`]) from a party. The replies for the sending connection.
    ///
    /// # Errors
    /// Store failures (the connection is then closed).
    pub fn support_control(&self, party: &Party, msg: &str) -> Result<Vec<Out>, ApiError> {
        if let Some(refused) = self.revoked_since(party)? {
            return Ok(vec![refused]);
        }
        let c: Control = match serde_json::from_str(msg) {
            Ok(c) => c,
            Err(e) => {
                return Ok(vec![error(
                    None,
                    codes::BAD_REQUEST,
                    &format!("bad control: {e}"),
                )])
            }
        };
        let now = self.clock.now();
        let agent = match party {
            Party::Agent { agent, .. } => Some(agent),
            Party::Employee { .. } => None,
        };
        let agent_only = matches!(
            c,
            Control::Presence { .. }
                | Control::Heartbeat {}
                | Control::Accept { .. }
                | Control::Decline { .. }
                | Control::Transfer { .. }
                | Control::Call { .. }
        );
        if agent_only && agent.is_none() {
            return Ok(vec![error(None, codes::FORBIDDEN, "an agent's message")]);
        }
        match c {
            Control::Join { session_id, cursor } => self.join(party, &session_id, cursor),
            Control::Ack { session_id, cursor } => {
                let Some(s) = self.member_session(party, &session_id)? else {
                    return Ok(vec![error(
                        Some(&session_id),
                        codes::FORBIDDEN,
                        "not a party of this session",
                    )]);
                };
                self.store.set_ack(
                    &session_id,
                    dir_str(other(party.dir())),
                    stored_cursor(cursor),
                )?;
                if let Some(peer) = Self::peer_key(party, &s) {
                    self.tell(&peer, &text(&Control::Delivered { session_id, cursor }));
                }
                Ok(vec![])
            }
            Control::Typing { session_id } => {
                let Some(s) = self.member_session(party, &session_id)? else {
                    return Ok(vec![error(
                        Some(&session_id),
                        codes::FORBIDDEN,
                        "not a party of this session",
                    )]);
                };
                if let Some(peer) = Self::peer_key(party, &s) {
                    self.tell(&peer, &text(&Control::PeerTyping { session_id }));
                }
                Ok(vec![])
            }
            Control::Close {
                session_id,
                outcome,
            } => {
                if self.member_session(party, &session_id)?.is_none() {
                    return Ok(vec![error(
                        Some(&session_id),
                        codes::FORBIDDEN,
                        "not a party of this session",
                    )]);
                }
                if agent.is_none() && outcome != Outcome::Abandoned {
                    return Ok(vec![error(
                        Some(&session_id),
                        codes::FORBIDDEN,
                        "the employee closes as abandoned",
                    )]);
                }
                if !self.close(&session_id, outcome, &party.actor(), now)? {
                    return Ok(vec![error(
                        Some(&session_id),
                        codes::SESSION_CLOSED,
                        "the session is over",
                    )]);
                }
                Ok(vec![])
            }
            Control::Presence { online } => {
                let Some(a) = agent else { return Ok(vec![]) };
                self.store.set_presence(&a.agent_id, online, now)?;
                self.support_log(
                    &party.actor(),
                    "support.presence",
                    &a.agent_id,
                    "",
                    serde_json::json!({"online": online}),
                );
                self.drain(now)?;
                self.queue_changed();
                Ok(vec![])
            }
            Control::Heartbeat {} => {
                let Some(a) = agent else { return Ok(vec![]) };
                self.store.heartbeat(&a.agent_id, now)?;
                Ok(vec![])
            }
            Control::Accept { session_id } => self.accept(party, &session_id, now),
            Control::Decline { session_id } => {
                let Some(a) = agent else { return Ok(vec![]) };
                if !self.store.withdraw_offer(&session_id, &a.agent_id)? {
                    return Ok(vec![error(
                        Some(&session_id),
                        codes::ALREADY_TAKEN,
                        "not offered to you",
                    )]);
                }
                self.support_log(
                    &party.actor(),
                    "support.decline",
                    &session_id,
                    "",
                    serde_json::json!({}),
                );
                self.drain(now)?;
                Ok(vec![])
            }
            Control::Transfer { session_id, team } => {
                let Some(a) = agent else { return Ok(vec![]) };
                if team.is_empty() || team.len() > 64 || team.chars().any(proto::is_hidden_char) {
                    return Ok(vec![error(
                        Some(&session_id),
                        codes::BAD_REQUEST,
                        "team: 1 to 64 printable bytes",
                    )]);
                }
                let Some(s) = self.member_session(party, &session_id)? else {
                    return Ok(vec![error(
                        Some(&session_id),
                        codes::FORBIDDEN,
                        "not your session",
                    )]);
                };
                if !self
                    .store
                    .requeue_session(&session_id, &a.agent_id, Some(&team), false, now)?
                {
                    return Ok(vec![error(
                        Some(&session_id),
                        codes::FORBIDDEN,
                        "not your session",
                    )]);
                }
                self.support_log(
                    &party.actor(),
                    "support.transfer",
                    &session_id,
                    &s.device_id,
                    serde_json::json!({"team": team}),
                );
                self.tell(
                    &employee_key(&s.device_id),
                    &text(&Control::Peer {
                        session_id,
                        online: false,
                    }),
                );
                self.store.set_idle(&a.agent_id, now)?;
                self.drain(now)?;
                // Waiting again: told the queue afresh, even if the view reads as before.
                self.queue_forget(&employee_key(&s.device_id));
                Ok(vec![])
            }
            Control::Call {
                session_id,
                call_id,
            } => {
                let Some(a) = agent else { return Ok(vec![]) };
                if call_id.as_deref().is_some_and(|c| !proto::is_session_id(c)) {
                    return Ok(vec![error(
                        Some(&session_id),
                        codes::BAD_REQUEST,
                        "call_id: 32 hex digits",
                    )]);
                }
                if !self
                    .store
                    .set_call(&session_id, &a.agent_id, call_id.as_deref())?
                {
                    return Ok(vec![error(
                        Some(&session_id),
                        codes::FORBIDDEN,
                        "not your session",
                    )]);
                }
                self.support_log(
                    &party.actor(),
                    "support.call",
                    &session_id,
                    "",
                    serde_json::json!({"call_id": call_id}),
                );
                Ok(vec![])
            }
            _ => Ok(vec![error(
                None,
                codes::BAD_REQUEST,
                "the desk's message, not an app's",
            )]),
        }
    }

    /// A party revoked while its socket is open is refused from then on (the socket was
    /// authenticated once, at the upgrade).
    fn revoked_since(&self, party: &Party) -> Result<Option<Out>, ApiError> {
        Ok(match party {
            Party::Employee { device, .. } => self
                .store
                .device(&device.device_id)?
                .is_none_or(|d| d.revoked_at.is_some())
                .then(|| {
                    error(
                        None,
                        codes::DEVICE_REVOKED,
                        "this device's binding was revoked",
                    )
                }),
            Party::Agent { agent, .. } => self
                .store
                .agent(&agent.agent_id)?
                .is_none_or(|a| a.revoked_at.is_some())
                .then(|| {
                    error(
                        None,
                        codes::AGENT_REVOKED,
                        "this agent's certificate was revoked",
                    )
                }),
        })
    }

    fn member_session(
        &self,
        party: &Party,
        session_id: &str,
    ) -> Result<Option<SupportSessionRecord>, ApiError> {
        Ok(self
            .store
            .support_session(session_id)?
            .filter(|s| party.is_member(s)))
    }

    fn join(&self, party: &Party, session_id: &str, cursor: Cursor) -> Result<Vec<Out>, ApiError> {
        let Some(s) = self.member_session(party, session_id)? else {
            return Ok(vec![error(
                Some(session_id),
                codes::FORBIDDEN,
                "not a party of this session",
            )]);
        };
        let sid = session_id.to_owned();
        match s.state {
            SessionState::Closed => Ok(vec![text(&Control::Closed {
                session_id: sid,
                outcome: parse_outcome(s.outcome.as_deref()),
            })]),
            SessionState::Queued | SessionState::Offered => {
                let position = self.position(session_id)?.unwrap_or(1);
                Ok(vec![text(&Control::Queued {
                    session_id: sid,
                    position,
                    expected_wait_secs: u64::from(position) * WAIT_PER_PLACE_SECS,
                })])
            }
            SessionState::Assigned => {
                let peer_certificate = match party {
                    Party::Employee { .. } => s.agent_certificate.clone().unwrap_or_default(),
                    Party::Agent { .. } => s.employee_certificate.clone(),
                };
                let mut out = vec![text(&Control::Assigned {
                    session_id: sid.clone(),
                    leg: s.leg,
                    peer_certificate,
                })];
                out.push(Out::Track {
                    session_id: sid.clone(),
                    cursor: stored_cursor(cursor),
                });
                out.extend(self.frames_for(party, &sid, stored_cursor(cursor))?);
                let online = Self::peer_key(party, &s).is_some_and(|k| self.is_online(&k));
                out.push(text(&Control::Peer {
                    session_id: sid,
                    online,
                }));
                Ok(out)
            }
        }
    }

    fn accept(&self, party: &Party, session_id: &str, now: u64) -> Result<Vec<Out>, ApiError> {
        let Party::Agent { agent, certificate } = party else {
            return Ok(vec![]);
        };
        let outcome = self.store.claim_session(
            session_id,
            &agent.agent_id,
            certificate,
            agent.profile.capacity,
            now,
            now + FIRST_RESPONSE_SECS,
        )?;
        match outcome {
            ClaimOutcome::AlreadyTaken => {
                self.support_log(
                    &party.actor(),
                    "support.accept",
                    session_id,
                    "",
                    serde_json::json!({"won": false}),
                );
                Ok(vec![error(
                    Some(session_id),
                    codes::ALREADY_TAKEN,
                    "the session is not offered to you",
                )])
            }
            ClaimOutcome::AtCapacity => Ok(vec![error(
                Some(session_id),
                codes::AT_CAPACITY,
                "you are at capacity",
            )]),
            ClaimOutcome::Claimed => {
                let Some(s) = self.store.support_session(session_id)? else {
                    return Ok(vec![]);
                };
                self.support_log(
                    &party.actor(),
                    "support.accept",
                    session_id,
                    &s.device_id,
                    serde_json::json!({"won": true}),
                );
                self.tell(
                    &employee_key(&s.device_id),
                    &text(&Control::Assigned {
                        session_id: session_id.to_owned(),
                        leg: s.leg,
                        peer_certificate: certificate.clone(),
                    }),
                );
                self.tell(
                    &employee_key(&s.device_id),
                    &text(&Control::Peer {
                        session_id: session_id.to_owned(),
                        online: true,
                    }),
                );
                self.queue_changed();
                Ok(vec![text(&Control::Assigned {
                    session_id: session_id.to_owned(),
                    leg: s.leg,
                    peer_certificate: s.employee_certificate,
                })])
            }
        }
    }

    /// Closes a session and tells both parties; `false` when it was closed already.
    fn close(
        &self,
        session_id: &str,
        outcome: Outcome,
        actor: &str,
        now: u64,
    ) -> Result<bool, ApiError> {
        let Some(s) = self
            .store
            .close_support_session(session_id, outcome_str(outcome), now)?
        else {
            return Ok(false);
        };
        self.support_log(actor, "support.close", session_id, &s.device_id,
            serde_json::json!({"outcome": outcome_str(outcome), "frames": s.frames, "bytes": s.bytes}));
        let closed = text(&Control::Closed {
            session_id: session_id.to_owned(),
            outcome,
        });
        self.tell(&employee_key(&s.device_id), &closed);
        if let Some(agent) = &s.agent_id {
            self.tell(&agent_key(agent), &closed);
            self.store.set_idle(agent, now)?;
        }
        if let Some(offered) = &s.offered_to {
            self.tell(
                &agent_key(offered),
                &text(&Control::OfferWithdrawn {
                    session_id: session_id.to_owned(),
                }),
            );
        }
        self.drain(now)?;
        self.queue_changed();
        Ok(true)
    }
}
