//! Verified support sessions: what the apps and the desk say to each other (issue 13;
//! `docs/support-protocol.md` is the whole contract).
//!
//! Three HTTP endpoints, signed like every device request (the employee's binding certificate or
//! the agent's certificate in `verity-certificate`), answered signed by the organisation key:
//! [`paths::OPEN`](super::paths::SUPPORT_OPEN), [`paths::STATUS`](super::paths::SUPPORT_STATUS)
//! and [`paths::TRANSCRIPT`](super::paths::SUPPORT_TRANSCRIPT). One WebSocket,
//! [`paths::SUPPORT_WS`](super::paths::SUPPORT_WS), whose upgrade request is signed the same way:
//! text messages are [`Control`] JSON between an app and the desk, binary messages are CBOR
//! [`Frame`]s the desk stores and relays without being able to read them (the Noise channel
//! between the two apps, `crates/verity-support`).

use serde::{Deserialize, Serialize};

use ed25519_dalek::{SigningKey, VerifyingKey};

use super::certificate::{open_token, seal_token};
use super::{b64, ProtoError, RegionSignals};

/// Largest WebSocket message either way (frames and control alike).
pub const MAX_WS_MESSAGE: usize = 64 * 1024;
/// Largest Noise payload inside a frame (a transport message's plaintext).
pub const MAX_PLAINTEXT: usize = 16 * 1024;
/// Largest handshake payload (a certificate and a signature).
pub const MAX_HANDSHAKE_PAYLOAD: usize = 8 * 1024;
/// Most characters in one chat message.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Most characters in the employee's first message.
pub const MAX_FIRST_MESSAGE_CHARS: usize = MAX_MESSAGE_CHARS;
/// Most frames one session may hold, both directions and every leg together.
pub const MAX_SESSION_FRAMES: u64 = 5000;
/// Most ciphertext bytes one session may hold.
pub const MAX_SESSION_BYTES: u64 = 8 * 1024 * 1024;
/// Frames a party may send per second, sustained.
pub const RATE_PER_SEC: u32 = 5;
/// Frames a party may send in a burst.
pub const RATE_BURST: u32 = 20;
/// A session with no frame for this long is closed (`idle`).
pub const IDLE_SECS: u64 = 30 * 60;
/// A session is closed this long after it opened (`too_long`).
pub const MAX_SESSION_SECS: u64 = 4 * 60 * 60;
/// How long an agent has to accept an offer.
pub const OFFER_SECS: u64 = 30;
/// An agent's app sends a heartbeat this often.
pub const HEARTBEAT_SECS: u64 = 15;
/// An agent with no heartbeat for this long is away.
pub const AWAY_AFTER_SECS: u64 = 45;
/// An agent who dropped gets this long before their sessions go back to the queue.
pub const DROP_GRACE_SECS: u64 = 60;

/// What the session is about (routing's first key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportCategory {
    /// The account itself.
    Account,
    /// Signing in, verification codes.
    Login,
    /// Billing and payments.
    Billing,
    /// A security incident (a scam call, a lost device).
    Security,
    /// Anything else.
    Other,
}

impl SupportCategory {
    /// Every category, in the order the Support screen lists them.
    pub const ALL: [SupportCategory; 5] = [
        SupportCategory::Account,
        SupportCategory::Login,
        SupportCategory::Billing,
        SupportCategory::Security,
        SupportCategory::Other,
    ];

    /// The snake_case code.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SupportCategory::Account => "account",
            SupportCategory::Login => "login",
            SupportCategory::Billing => "billing",
            SupportCategory::Security => "security",
            SupportCategory::Other => "other",
        }
    }

    /// Parses the code.
    #[must_use]
    pub fn parse(s: &str) -> Option<SupportCategory> {
        SupportCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// `POST /v1/support/open` body: the employee asks for a verified session. The desk runs the
/// same three checks as `/v1/verify` (binding, TOTP, region), then queues and routes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    /// What it is about.
    pub category: SupportCategory,
    /// The language the employee wants to be served in (one of `AGENT_LANGUAGES`).
    pub language: String,
    /// The current TOTP code.
    pub totp: String,
    /// Time zone and locale (the region check).
    pub signals: RegionSignals,
}

/// `POST /v1/support/open` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAnswer {
    /// The session's id (32 lower-case hex digits).
    pub session_id: String,
    /// The region the desk's check placed the employee in (routing's hard rule).
    pub region: String,
    /// Place in the queue (1: next).
    pub position: u32,
    /// The desk's estimate of the wait, seconds.
    pub expected_wait_secs: u64,
    /// The organisation's audit recipient (`age1…`), to which each app seals its transcript at
    /// close. Taken from this signed answer only.
    pub audit_recipient: String,
}

/// `POST /v1/support/status` body: "is support really talking to me?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// A fresh random value the statement must echo (base64url of 16 bytes).
    pub nonce: String,
}

/// What support is doing with this employee right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportState {
    /// No one from support is talking to you.
    None,
    /// Your session is waiting for an agent.
    Queued,
    /// An agent is chatting with you.
    Chatting,
    /// An agent is calling you now.
    Calling,
}

/// The organisation's signed statement of [`SupportState`] (a `vs1.<body>.<signature>` token,
/// signature domain `"verity-support-status-v1\n"`; `crates/verity-support` signs and verifies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// Format version (1).
    pub v: u32,
    /// The organisation's key (base64url).
    pub org_key: String,
    /// The employee's device the statement is about.
    pub device_id: String,
    /// The employee.
    pub employee_id: String,
    /// What support is doing.
    pub state: SupportState,
    /// The session, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The agent's name (from the agent's certificate), when chatting or calling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    /// The agent certificate's fingerprint, when chatting or calling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_fingerprint: Option<String>,
    /// The call, when calling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// When the desk signed it, Unix seconds.
    pub issued_at: u64,
    /// The app's nonce, echoed.
    pub nonce: String,
}

/// The status token's prefix and signature domain.
const STATUS_PREFIX: &str = "vs1";
const STATUS_DOMAIN: &[u8] = b"verity-support-status-v1\n";
/// How far a statement's `issued_at` may be from the app's clock, either way.
pub const STATUS_MAX_AGE_SECS: u64 = 60;

/// Why a status statement is not believed (the app then says "can't check").
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// Not a `vs1.` token, or its signature does not verify with the organisation key.
    #[error("the status is not signed by the organisation: {0}")]
    Signature(ProtoError),
    /// Signed, but for another organisation, device or request (the nonce), or stale.
    #[error("the status is not an answer to this request: {0}")]
    Mismatch(&'static str),
}

impl StatusBody {
    /// Signs the statement with the organisation key (`vs1.` token).
    ///
    /// # Errors
    /// [`ProtoError::Json`] (never, for this type).
    pub fn sign(&self, org_key: &SigningKey) -> Result<String, ProtoError> {
        let bytes = serde_json::to_vec(self).map_err(|e| ProtoError::Json(e.to_string()))?;
        Ok(seal_token(STATUS_PREFIX, STATUS_DOMAIN, &bytes, org_key))
    }

    /// Verifies a statement the app asked for with `nonce`, for its own `device_id`, at `now`.
    ///
    /// # Errors
    /// [`StatusError`].
    pub fn verify(
        token: &str,
        org_key: &VerifyingKey,
        device_id: &str,
        nonce: &str,
        now: u64,
    ) -> Result<StatusBody, StatusError> {
        let bytes = open_token(token, STATUS_PREFIX, STATUS_DOMAIN, org_key)
            .map_err(StatusError::Signature)?;
        let body: StatusBody = serde_json::from_slice(&bytes)
            .map_err(|_| StatusError::Signature(ProtoError::CertificateMalformed))?;
        if body.v != 1 {
            return Err(StatusError::Mismatch("version"));
        }
        if body.org_key != b64(org_key.as_bytes()) {
            return Err(StatusError::Mismatch("organisation"));
        }
        if body.device_id != device_id {
            return Err(StatusError::Mismatch("device"));
        }
        if body.nonce != nonce {
            return Err(StatusError::Mismatch("nonce"));
        }
        if body.issued_at.abs_diff(now) > STATUS_MAX_AGE_SECS {
            return Err(StatusError::Mismatch("stale"));
        }
        let consistent = match body.state {
            SupportState::None => body.session_id.is_none() && body.agent_name.is_none(),
            SupportState::Queued => body.session_id.is_some() && body.agent_name.is_none(),
            SupportState::Chatting => {
                body.session_id.is_some()
                    && body.agent_name.is_some()
                    && body.agent_fingerprint.is_some()
                    && body.call_id.is_none()
            }
            SupportState::Calling => {
                body.session_id.is_some()
                    && body.agent_name.is_some()
                    && body.agent_fingerprint.is_some()
                    && body.call_id.is_some()
            }
        };
        if !consistent {
            return Err(StatusError::Mismatch("state"));
        }
        Ok(body)
    }
}

/// `POST /v1/support/status` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusAnswer {
    /// The `vs1.` token.
    pub statement: String,
}

/// Who sent a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Employee to agent.
    E2a,
    /// Agent to employee.
    A2e,
}

/// What a frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameKind {
    /// A Noise handshake message (XX: seq 0 `e2a`, 1 `a2e`, 2 `e2a`).
    Hs,
    /// A Noise transport message; seq counts from 1 per direction and is the Noise nonce.
    Tx,
}

/// A binary WebSocket message: the outer frame the desk stores and relays (CBOR). The desk checks
/// `session_id`, `leg`, `dir` (against the sender's role), `kind`, `seq` (the next one expected,
/// duplicates of a stored frame acknowledged again, not stored twice) and sizes; it never sees
/// `body` in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frame {
    /// Format version (1).
    pub v: u32,
    /// The session.
    pub session_id: String,
    /// The leg (1, then +1 at each new handshake after an app restart).
    pub leg: u32,
    /// Who sent it.
    pub dir: Direction,
    /// Handshake or transport.
    pub kind: FrameKind,
    /// Its place in its direction (see [`FrameKind`]).
    pub seq: u64,
    /// The Noise message.
    #[serde(with = "serde_bytes_vec")]
    pub body: Vec<u8>,
}

/// CBOR byte strings for `Frame::body` (ciborium writes `Vec<u8>` as an array of integers
/// otherwise).
mod serde_bytes_vec {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
        }
        d.deserialize_bytes(V)
    }
}

impl Frame {
    /// The CBOR bytes of the frame.
    ///
    /// # Errors
    /// [`FrameError::TooLarge`] past [`MAX_WS_MESSAGE`].
    pub fn to_cbor(&self) -> Result<Vec<u8>, FrameError> {
        let mut out = Vec::with_capacity(self.body.len() + 96);
        ciborium::into_writer(self, &mut out).map_err(|e| FrameError::Malformed(e.to_string()))?;
        if out.len() > MAX_WS_MESSAGE {
            return Err(FrameError::TooLarge);
        }
        Ok(out)
    }

    /// Parses a frame (size first, then CBOR, then the version and the session id's shape).
    ///
    /// # Errors
    /// [`FrameError`].
    pub fn from_cbor(bytes: &[u8]) -> Result<Frame, FrameError> {
        if bytes.len() > MAX_WS_MESSAGE {
            return Err(FrameError::TooLarge);
        }
        let f: Frame =
            ciborium::from_reader(bytes).map_err(|e| FrameError::Malformed(e.to_string()))?;
        if f.v != 1 {
            return Err(FrameError::Malformed(format!("version {}", f.v)));
        }
        if !is_session_id(&f.session_id) {
            return Err(FrameError::Malformed("session id".into()));
        }
        if f.leg == 0 {
            return Err(FrameError::Malformed("leg 0".into()));
        }
        Ok(f)
    }
}

/// Why a frame is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Larger than [`MAX_WS_MESSAGE`].
    #[error("the frame is larger than 64 KiB")]
    TooLarge,
    /// Not a version-1 frame.
    #[error("the frame is malformed: {0}")]
    Malformed(String),
}

/// A session id: 32 lower-case hex digits.
#[must_use]
pub fn is_session_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where a reader stands in one direction of one leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    /// The leg.
    pub leg: u32,
    /// The frames of that leg's direction already held ([`FrameKind::Hs`] frames count as seq
    /// 0..=2 of their own; `tx` is the last transport seq held, 0 for none).
    pub hs: u32,
    /// The last transport seq held.
    pub tx: u64,
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The agent solved it.
    Resolved,
    /// Handed to someone else outside the session (a ticket, a call back).
    Escalated,
    /// The employee left or asked to close.
    Abandoned,
    /// The session looked like an attack (the code did not match, a suspicious request).
    Suspicious,
    /// The desk closed it: idle, too long, or no agent in time.
    Expired,
}

/// A text WebSocket message between an app and the desk (JSON, tagged by `t`). Which side may
/// send which is in `docs/support-protocol.md`; the desk refuses a message its sender's role may
/// not send with [`Control::Error`] (`forbidden`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case", deny_unknown_fields)]
pub enum Control {
    // ---- either app -> desk ----
    /// Attach to a session and have the desk replay what this app has not yet got: every stored
    /// frame of the other direction after `cursor`. The employee joins the session it opened;
    /// the agent one it accepted.
    Join {
        /// The session.
        session_id: String,
        /// What this app already holds of the other direction.
        cursor: Cursor,
    },
    /// This app has durably stored the other direction's frames up to `seq` of `leg` (`hs` as
    /// for [`Cursor`]); the desk tells the sender ([`Control::Delivered`]).
    Ack {
        /// The session.
        session_id: String,
        /// Up to where.
        cursor: Cursor,
    },
    /// The user is typing (forwarded, not stored).
    Typing {
        /// The session.
        session_id: String,
    },
    /// Close the session (either side; the agent says the outcome, the employee `abandoned`).
    Close {
        /// The session.
        session_id: String,
        /// How it ended.
        outcome: Outcome,
    },

    // ---- agent app -> desk ----
    /// The agent is taking sessions, or not.
    Presence {
        /// Online or away.
        online: bool,
    },
    /// Still here (every [`HEARTBEAT_SECS`]).
    Heartbeat {},
    /// Take the offered session (atomic: of two agents, exactly one gets it).
    Accept {
        /// The session.
        session_id: String,
    },
    /// Let the offer go to the next agent.
    Decline {
        /// The session.
        session_id: String,
    },
    /// Send the session back to the queue for another team.
    Transfer {
        /// The session.
        session_id: String,
        /// The team.
        team: String,
    },
    /// The agent starts (or ends, `call_id: None`) a phone call with the employee: the desk's
    /// signed status says "calling" meanwhile.
    Call {
        /// The session.
        session_id: String,
        /// A fresh id (32 hex digits), or none when the call ends.
        call_id: Option<String>,
    },

    // ---- desk -> employee app ----
    /// Still waiting.
    Queued {
        /// The session.
        session_id: String,
        /// Place in the queue (1: next).
        position: u32,
        /// Estimate, seconds.
        expected_wait_secs: u64,
    },

    // ---- desk -> agent app ----
    /// A session for this agent to accept within [`OFFER_SECS`].
    Offer {
        /// The session.
        session_id: String,
        /// Its category.
        category: SupportCategory,
        /// The employee's language.
        language: String,
        /// The employee's region.
        region: String,
        /// Seconds waited so far.
        waited_secs: u64,
        /// When the offer lapses, Unix seconds.
        expires_at: u64,
    },
    /// The offer went elsewhere (timed out, taken, cancelled).
    OfferWithdrawn {
        /// The session.
        session_id: String,
    },
    /// To supervisors online (of the session's team, or all when it has none): a session's
    /// wait or first-response deadline is 80 % gone.
    SupervisorAlert {
        /// The session.
        session_id: String,
        /// `wait` (no agent yet) or `first_response` (an agent took it and has not answered).
        kind: String,
        /// The deadline, Unix seconds.
        deadline: u64,
    },
    /// Sessions waiting for the agent's team, for the queue view.
    QueueView {
        /// How many wait.
        waiting: u32,
        /// The agent's open sessions.
        mine: u32,
    },

    // ---- desk -> either app ----
    /// The session has its two parties; `peer_certificate` is the other's certificate token
    /// (the agent's `va1.` to the employee, the device's `vc1.` to the agent): a hint only — the
    /// app trusts what the Noise handshake proves, never this.
    Assigned {
        /// The session.
        session_id: String,
        /// The leg the handshake runs on.
        leg: u32,
        /// The other party's certificate token.
        peer_certificate: String,
    },
    /// The desk stored this app's frames up to `cursor` (the message is "sent").
    Stored {
        /// The session.
        session_id: String,
        /// Own direction.
        cursor: Cursor,
    },
    /// The other app acknowledged this app's frames up to `cursor` ("delivered").
    Delivered {
        /// The session.
        session_id: String,
        /// Own direction.
        cursor: Cursor,
    },
    /// The other app is typing.
    PeerTyping {
        /// The session.
        session_id: String,
    },
    /// The other app connected or dropped.
    Peer {
        /// The session.
        session_id: String,
        /// Connected.
        online: bool,
    },
    /// The session is over.
    Closed {
        /// The session.
        session_id: String,
        /// How.
        outcome: Outcome,
    },
    /// Something was refused; `session_id` when it concerns one.
    Error {
        /// The session, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<String>,
        /// A code from `codes`.
        code: String,
        /// Words for the logs.
        message: String,
    },
}

/// `POST /v1/support/transcript` body: one app's sealed transcript of a session, at close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptUpload {
    /// The session.
    pub session_id: String,
    /// Who sealed it.
    pub sealed_by: Direction,
    /// The age-encrypted (binary, base64url) transcript (`crates/verity-support`).
    pub sealed: String,
}

/// `POST /v1/support/transcript` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptReceipt {
    /// When the desk stored it, Unix seconds.
    pub received_at: u64,
}

/// The largest sealed transcript accepted (base64url characters).
pub const MAX_SEALED_TRANSCRIPT: usize = 12 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_messages_are_tagged_json() {
        let c = Control::Queued {
            session_id: "ab".into(),
            position: 2,
            expected_wait_secs: 40,
        };
        let s = serde_json::to_string(&c).unwrap();
        assert_eq!(
            s,
            r#"{"t":"queued","session_id":"ab","position":2,"expected_wait_secs":40}"#
        );
        assert_eq!(serde_json::from_str::<Control>(&s).unwrap(), c);
        assert!(
            serde_json::from_str::<Control>(r#"{"t":"typing","session_id":"a","x":1}"#).is_err()
        );
        assert!(serde_json::from_str::<Control>(r#"{"t":"nope"}"#).is_err());
        assert_eq!(
            serde_json::from_str::<Control>(r#"{"t":"heartbeat"}"#).unwrap(),
            Control::Heartbeat {}
        );
    }

    #[test]
    fn frames_are_cbor_with_byte_strings_and_capped() {
        let f = Frame {
            v: 1,
            session_id: "0123456789abcdef0123456789abcdef".into(),
            leg: 1,
            dir: Direction::E2a,
            kind: FrameKind::Tx,
            seq: 7,
            body: vec![0xAB; 100],
        };
        let bytes = f.to_cbor().unwrap();
        assert!(
            bytes.len() < 200,
            "a byte string, not an array: {}",
            bytes.len()
        );
        assert_eq!(Frame::from_cbor(&bytes).unwrap(), f);
        let big = Frame {
            body: vec![0; MAX_WS_MESSAGE],
            ..f.clone()
        };
        assert_eq!(big.to_cbor(), Err(FrameError::TooLarge));
        assert!(matches!(
            Frame::from_cbor(b"garbage"),
            Err(FrameError::Malformed(_))
        ));
        let bad = Frame {
            session_id: "XYZ".into(),
            ..f
        };
        let mut out = Vec::new();
        ciborium::into_writer(&bad, &mut out).unwrap();
        assert!(matches!(
            Frame::from_cbor(&out),
            Err(FrameError::Malformed(_))
        ));
    }

    #[test]
    fn a_status_verifies_only_for_its_request() {
        let org = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]);
        let body = StatusBody {
            v: 1,
            org_key: b64(org.verifying_key().as_bytes()),
            device_id: "dev".into(),
            employee_id: "e1".into(),
            state: SupportState::Chatting,
            session_id: Some("0123456789abcdef0123456789abcdef".into()),
            agent_name: Some("Mei".into()),
            agent_fingerprint: Some("ABCD".into()),
            call_id: None,
            issued_at: 1000,
            nonce: "n1".into(),
        };
        let token = body.sign(&org).unwrap();
        let vk = org.verifying_key();
        assert_eq!(
            StatusBody::verify(&token, &vk, "dev", "n1", 1030).unwrap(),
            body
        );
        assert!(matches!(
            StatusBody::verify(&token, &other.verifying_key(), "dev", "n1", 1000),
            Err(StatusError::Signature(_))
        ));
        for (dev, nonce, now, why) in [
            ("dev2", "n1", 1000, "device"),
            ("dev", "n2", 1000, "nonce"),
            ("dev", "n1", 1061, "stale"),
            ("dev", "n1", 900, "stale"),
        ] {
            assert!(matches!(
                StatusBody::verify(&token, &vk, dev, nonce, now),
                Err(StatusError::Mismatch(w)) if w == why
            ));
        }
        let calling_without_call = StatusBody {
            state: SupportState::Calling,
            ..body.clone()
        };
        let t = calling_without_call.sign(&org).unwrap();
        assert!(matches!(
            StatusBody::verify(&t, &vk, "dev", "n1", 1000),
            Err(StatusError::Mismatch("state"))
        ));
        // A certificate's token is not a status.
        let forged = token.replacen("vs1", "vc1", 1);
        assert!(StatusBody::verify(&forged, &vk, "dev", "n1", 1000).is_err());
    }

    #[test]
    fn categories_round_trip() {
        for c in SupportCategory::ALL {
            assert_eq!(SupportCategory::parse(c.as_str()), Some(c));
        }
        assert_eq!(SupportCategory::parse("refund"), None);
    }
}
