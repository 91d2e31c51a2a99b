//! The inner messages: the plaintext of a transport frame (CBOR)
//! `{session_id, leg, seq, ts_ms, type, prev, body}`, with a closed set of types.

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use verity_device::proto::{is_session_id, MAX_MESSAGE_CHARS, MAX_PLAINTEXT};

use crate::chain::Checkpoint;

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    /// A chat message.
    Text,
    /// A signed view of both chains.
    Checkpoint,
    /// The agent commits to its value for a call's code.
    SasCommit,
    /// The employee's value.
    SasReply,
    /// The agent reveals its value.
    SasReveal,
    /// The employee says whether the caller read the same code.
    SasResult,
    /// The sender closes the session.
    Close,
}

/// A message's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Chat text: 1 to 4,000 characters, no control characters but newlines.
    Text {
        /// The text.
        text: String,
    },
    /// A checkpoint.
    Checkpoint(Checkpoint),
    /// `C = SHA256("verity-sas-commit" || r_A)` for `call_id`.
    SasCommit {
        /// The call (32 lower-case hex digits).
        call_id: String,
        /// The commitment.
        commitment: [u8; 32],
    },
    /// The employee's random value.
    SasReply {
        /// The call.
        call_id: String,
        /// `r_E`.
        r_e: [u8; 32],
    },
    /// The agent's random value.
    SasReveal {
        /// The call.
        call_id: String,
        /// `r_A`.
        r_a: [u8; 32],
    },
    /// Whether the employee heard the code its app showed.
    SasResult {
        /// The call.
        call_id: String,
        /// It matched.
        matched: bool,
    },
    /// The end, with a summary (0 to 4,000 characters).
    Close {
        /// The summary.
        summary: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TextBody {
    text: String,
}
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitBody {
    call_id: String,
    #[serde(with = "crate::bytes::array32")]
    commitment: [u8; 32],
}
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyBody {
    call_id: String,
    #[serde(with = "crate::bytes::array32")]
    r_e: [u8; 32],
}
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealBody {
    call_id: String,
    #[serde(with = "crate::bytes::array32")]
    r_a: [u8; 32],
}
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultBody {
    call_id: String,
    matched: bool,
}
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseBody {
    summary: String,
}

/// The inner plaintext as it travels.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    session_id: String,
    leg: u32,
    seq: u64,
    ts_ms: u64,
    #[serde(rename = "type")]
    kind: MessageType,
    #[serde(with = "crate::bytes::array32")]
    prev: [u8; 32],
    body: ciborium::Value,
}

/// A decoded inner message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inner {
    /// The session.
    pub session_id: String,
    /// The leg.
    pub leg: u32,
    /// Its place in its direction (from 1).
    pub seq: u64,
    /// The sender's clock, Unix milliseconds (as the sender says).
    pub ts_ms: u64,
    /// The sender's chain head before this message.
    pub prev: [u8; 32],
    /// The content.
    pub message: Message,
}

/// Text as a chat message or summary may hold it.
pub(crate) fn text_ok(s: &str, allow_empty: bool) -> bool {
    (allow_empty || !s.trim().is_empty())
        && s.chars().count() <= MAX_MESSAGE_CHARS
        && !s.chars().any(|c| c.is_control() && c != '\n')
}

impl Message {
    /// Its type.
    #[must_use]
    pub fn kind(&self) -> MessageType {
        match self {
            Message::Text { .. } => MessageType::Text,
            Message::Checkpoint(_) => MessageType::Checkpoint,
            Message::SasCommit { .. } => MessageType::SasCommit,
            Message::SasReply { .. } => MessageType::SasReply,
            Message::SasReveal { .. } => MessageType::SasReveal,
            Message::SasResult { .. } => MessageType::SasResult,
            Message::Close { .. } => MessageType::Close,
        }
    }

    /// The call it belongs to, for the code exchange.
    #[must_use]
    pub fn call_id(&self) -> Option<&str> {
        match self {
            Message::SasCommit { call_id, .. }
            | Message::SasReply { call_id, .. }
            | Message::SasReveal { call_id, .. }
            | Message::SasResult { call_id, .. } => Some(call_id),
            _ => None,
        }
    }

    /// Checks the bounds of every field.
    ///
    /// # Errors
    /// What is wrong.
    pub fn validate(&self) -> Result<(), &'static str> {
        match self {
            Message::Text { text } if !text_ok(text, false) => {
                Err("text must be 1 to 4,000 characters without control characters")
            }
            Message::Close { summary } if !text_ok(summary, true) => {
                Err("the summary must be at most 4,000 characters without control characters")
            }
            Message::Checkpoint(c) if c.sig.len() != 64 => Err("checkpoint signature length"),
            m => match m.call_id() {
                Some(id) if !is_session_id(id) => Err("call id"),
                _ => Ok(()),
            },
        }
    }

    fn body_value(&self) -> Result<ciborium::Value, &'static str> {
        let v = match self {
            Message::Text { text } => ciborium::Value::serialized(&TextBody { text: text.clone() }),
            Message::Checkpoint(c) => ciborium::Value::serialized(c),
            Message::SasCommit {
                call_id,
                commitment,
            } => ciborium::Value::serialized(&CommitBody {
                call_id: call_id.clone(),
                commitment: *commitment,
            }),
            Message::SasReply { call_id, r_e } => ciborium::Value::serialized(&ReplyBody {
                call_id: call_id.clone(),
                r_e: *r_e,
            }),
            Message::SasReveal { call_id, r_a } => ciborium::Value::serialized(&RevealBody {
                call_id: call_id.clone(),
                r_a: *r_a,
            }),
            Message::SasResult { call_id, matched } => ciborium::Value::serialized(&ResultBody {
                call_id: call_id.clone(),
                matched: *matched,
            }),
            Message::Close { summary } => ciborium::Value::serialized(&CloseBody {
                summary: summary.clone(),
            }),
        };
        v.map_err(|_| "cannot encode the body")
    }
}

fn body<T: DeserializeOwned>(v: &ciborium::Value) -> Result<T, &'static str> {
    v.deserialized()
        .map_err(|_| "the body does not fit its type")
}

impl Inner {
    /// The CBOR plaintext (at most 16 KiB).
    ///
    /// # Errors
    /// A field out of bounds, or too large.
    pub fn encode(&self) -> Result<Vec<u8>, &'static str> {
        self.message.validate()?;
        let wire = Wire {
            session_id: self.session_id.clone(),
            leg: self.leg,
            seq: self.seq,
            ts_ms: self.ts_ms,
            kind: self.message.kind(),
            prev: self.prev,
            body: self.message.body_value()?,
        };
        let mut out = Vec::with_capacity(256);
        ciborium::into_writer(&wire, &mut out).map_err(|_| "cannot encode the message")?;
        if out.len() > MAX_PLAINTEXT {
            return Err("the message is larger than 16 KiB");
        }
        Ok(out)
    }

    /// Parses a plaintext (size first, then CBOR, then every field's bounds).
    ///
    /// # Errors
    /// What is wrong.
    pub fn decode(bytes: &[u8]) -> Result<Inner, &'static str> {
        if bytes.len() > MAX_PLAINTEXT {
            return Err("the message is larger than 16 KiB");
        }
        let w: Wire = ciborium::from_reader(bytes).map_err(|_| "not a message")?;
        let message = match w.kind {
            MessageType::Text => {
                let b: TextBody = body(&w.body)?;
                Message::Text { text: b.text }
            }
            MessageType::Checkpoint => Message::Checkpoint(body(&w.body)?),
            MessageType::SasCommit => {
                let b: CommitBody = body(&w.body)?;
                Message::SasCommit {
                    call_id: b.call_id,
                    commitment: b.commitment,
                }
            }
            MessageType::SasReply => {
                let b: ReplyBody = body(&w.body)?;
                Message::SasReply {
                    call_id: b.call_id,
                    r_e: b.r_e,
                }
            }
            MessageType::SasReveal => {
                let b: RevealBody = body(&w.body)?;
                Message::SasReveal {
                    call_id: b.call_id,
                    r_a: b.r_a,
                }
            }
            MessageType::SasResult => {
                let b: ResultBody = body(&w.body)?;
                Message::SasResult {
                    call_id: b.call_id,
                    matched: b.matched,
                }
            }
            MessageType::Close => {
                let b: CloseBody = body(&w.body)?;
                Message::Close { summary: b.summary }
            }
        };
        message.validate()?;
        if !is_session_id(&w.session_id) || w.leg == 0 || w.seq == 0 {
            return Err("session, leg or seq");
        }
        Ok(Inner {
            session_id: w.session_id,
            leg: w.leg,
            seq: w.seq,
            ts_ms: w.ts_ms,
            prev: w.prev,
            message,
        })
    }
}
