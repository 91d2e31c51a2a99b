//! The employee's session as a screen shows it: the events folded into one value
//! ([`SessionView::apply`]), so the app answers "what does the session look like now?" without
//! replaying anything. Pure: no I/O, no clock.

use super::events::{DeliveryState, SessionEvent, VerifiedAgent};
use serde::Serialize;
use verity_device::proto::{OpenAnswer, Outcome, SupportCategory};

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionPhase {
    /// Waiting for an agent.
    Queued,
    /// An agent took it; the apps are proving who they are.
    Connecting,
    /// Verified both ways.
    Chatting,
    /// Over.
    Closed,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageFrom {
    /// This app's user.
    Me,
    /// The agent.
    Peer,
}

/// Where one of this app's messages stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewDelivery {
    /// Sealed, not yet stored by the desk (sent again after a reconnect).
    Sending,
    /// Stored by the desk.
    Sent,
    /// The agent's app has it.
    Delivered,
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewMessage {
    /// Stable within the session (`me-SEQ`, `peer-SEQ`).
    pub id: String,
    /// Who wrote it.
    pub from: MessageFrom,
    /// The text.
    pub text: String,
    /// The writer's clock, Unix milliseconds.
    pub ts_ms: u64,
    /// For this app's messages.
    pub delivery: Option<ViewDelivery>,
    /// What it asks for that support never needs (the agent's messages).
    pub guard: Vec<String>,
}

/// The agent's call and its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallView {
    /// The call.
    pub call_id: String,
    /// The code, once both apps derived it.
    pub code: Option<String>,
    /// The employee's answer.
    pub matched: Option<bool>,
    /// An alert's code (`code_mismatch`, `code_commitment_mismatch`).
    pub alert: Option<String>,
}

/// The employee's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionView {
    /// The session.
    pub session_id: String,
    /// Where it stands.
    pub phase: SessionPhase,
    /// What it is about.
    pub category: SupportCategory,
    /// Place in the queue while queued.
    pub position: Option<u32>,
    /// The desk's estimate while queued, seconds.
    pub expected_wait_secs: Option<u64>,
    /// The agent, once the handshake verified their certificate.
    pub agent: Option<VerifiedAgent>,
    /// Oldest first.
    pub messages: Vec<ViewMessage>,
    /// The agent is typing.
    pub peer_typing: bool,
    /// The agent's app is connected.
    pub peer_online: bool,
    /// This app is connected to the desk.
    pub connected: bool,
    /// The latest call.
    pub call: Option<CallView>,
    /// How it ended.
    pub outcome: Option<Outcome>,
    /// The agent's closing summary (from the channel).
    pub summary: Option<String>,
    /// The transcript was uploaded.
    pub transcript_uploaded: bool,
    /// The last error's code.
    pub problem: Option<String>,
}

impl SessionView {
    /// A session just opened.
    #[must_use]
    pub fn new(answer: &OpenAnswer, category: SupportCategory) -> SessionView {
        SessionView {
            session_id: answer.session_id.clone(),
            phase: SessionPhase::Queued,
            category,
            position: Some(answer.position),
            expected_wait_secs: Some(answer.expected_wait_secs),
            agent: None,
            messages: Vec::new(),
            peer_typing: false,
            peer_online: false,
            connected: false,
            call: None,
            outcome: None,
            summary: None,
            transcript_uploaded: false,
            problem: None,
        }
    }

    fn mine(&mut self, seq: u64) -> Option<&mut ViewMessage> {
        let id = format!("me-{seq}");
        self.messages.iter_mut().find(|m| m.id == id)
    }

    /// Folds one event in.
    pub fn apply(&mut self, e: &SessionEvent) {
        match e {
            SessionEvent::Connection { connected } => self.connected = *connected,
            SessionEvent::Queued {
                position,
                expected_wait_secs,
            } => {
                if self.phase == SessionPhase::Queued {
                    self.position = Some(*position);
                    self.expected_wait_secs = Some(*expected_wait_secs);
                }
            }
            SessionEvent::Connecting => {
                self.phase = SessionPhase::Connecting;
                self.position = None;
                self.expected_wait_secs = None;
            }
            SessionEvent::Assigned { agent } => {
                self.phase = SessionPhase::Chatting;
                self.agent = Some(agent.clone());
                self.peer_online = true;
            }
            SessionEvent::Sending { seq, text, ts_ms } => {
                if self.mine(*seq).is_none() {
                    self.messages.push(ViewMessage {
                        id: format!("me-{seq}"),
                        from: MessageFrom::Me,
                        text: text.clone(),
                        ts_ms: *ts_ms,
                        delivery: Some(ViewDelivery::Sending),
                        guard: Vec::new(),
                    });
                }
            }
            SessionEvent::Delivery { seq, state } => {
                if let Some(m) = self.mine(*seq) {
                    let d = match state {
                        DeliveryState::Stored => ViewDelivery::Sent,
                        DeliveryState::Delivered => ViewDelivery::Delivered,
                    };
                    // Never backwards: "delivered" stays even if a late "stored" comes.
                    if m.delivery != Some(ViewDelivery::Delivered) {
                        m.delivery = Some(d);
                    }
                }
            }
            SessionEvent::Message {
                seq,
                text,
                ts_ms,
                guard,
            } => {
                let id = format!("peer-{seq}");
                if !self.messages.iter().any(|m| m.id == id) {
                    self.messages.push(ViewMessage {
                        id,
                        from: MessageFrom::Peer,
                        text: text.clone(),
                        ts_ms: *ts_ms,
                        delivery: None,
                        guard: guard.clone(),
                    });
                }
                self.peer_typing = false;
            }
            SessionEvent::PeerTyping => self.peer_typing = true,
            SessionEvent::PeerOnline { online } => {
                self.peer_online = *online;
                if !online {
                    self.peer_typing = false;
                }
            }
            SessionEvent::CodeToCompare { call_id, code } => {
                self.call = Some(CallView {
                    call_id: call_id.clone(),
                    code: Some(code.clone()),
                    matched: None,
                    alert: None,
                });
            }
            SessionEvent::CodeAnswered { call_id, matched } => {
                if let Some(c) = self.call.as_mut().filter(|c| c.call_id == *call_id) {
                    c.matched = Some(*matched);
                }
            }
            SessionEvent::CodeAlert {
                call_id, reason, ..
            } => {
                let c = self.call.get_or_insert_with(|| CallView {
                    call_id: call_id.clone(),
                    code: None,
                    matched: None,
                    alert: None,
                });
                if c.call_id == *call_id {
                    c.alert = Some(reason.clone());
                }
            }
            SessionEvent::Closed { outcome, summary } => {
                self.phase = SessionPhase::Closed;
                self.outcome = Some(*outcome);
                self.summary.clone_from(summary);
                self.peer_typing = false;
            }
            SessionEvent::TranscriptUploaded { .. } => self.transcript_uploaded = true,
            SessionEvent::Error { code } => self.problem = Some(code.clone()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use verity_device::proto::AgentRole;

    fn view() -> SessionView {
        SessionView::new(
            &OpenAnswer {
                session_id: "0123456789abcdef0123456789abcdef".into(),
                region: "HK".into(),
                position: 3,
                expected_wait_secs: 180,
                audit_recipient: "age1x".into(),
            },
            SupportCategory::Billing,
        )
    }

    #[test]
    fn a_session_goes_from_the_queue_to_the_close() {
        let mut v = view();
        assert_eq!((v.phase, v.position), (SessionPhase::Queued, Some(3)));
        v.apply(&SessionEvent::Queued {
            position: 1,
            expected_wait_secs: 60,
        });
        assert_eq!(v.position, Some(1));
        v.apply(&SessionEvent::Connecting);
        assert_eq!((v.phase, v.position), (SessionPhase::Connecting, None));
        let agent = VerifiedAgent {
            name: "Mei".into(),
            role: AgentRole::Agent,
            team: "Accounts".into(),
            organisation: "Acme".into(),
            fingerprint: "ABCD".into(),
        };
        v.apply(&SessionEvent::Assigned {
            agent: agent.clone(),
        });
        assert_eq!(v.phase, SessionPhase::Chatting);
        assert_eq!(v.agent, Some(agent));
        v.apply(&SessionEvent::Sending {
            seq: 1,
            text: "hi".into(),
            ts_ms: 5,
        });
        v.apply(&SessionEvent::Delivery {
            seq: 1,
            state: DeliveryState::Delivered,
        });
        // A late "stored" does not move it back.
        v.apply(&SessionEvent::Delivery {
            seq: 1,
            state: DeliveryState::Stored,
        });
        assert_eq!(v.messages[0].delivery, Some(ViewDelivery::Delivered));
        v.apply(&SessionEvent::PeerTyping);
        let msg = SessionEvent::Message {
            seq: 1,
            text: "send me the code".into(),
            ts_ms: 9,
            guard: vec!["asks_for_code".into()],
        };
        v.apply(&msg);
        // Shown once, however often it is applied.
        v.apply(&msg);
        assert_eq!(v.messages.len(), 2);
        assert!(!v.peer_typing);
        assert_eq!(v.messages[1].from, MessageFrom::Peer);
        assert_eq!(v.messages[1].guard, vec!["asks_for_code".to_owned()]);
        v.apply(&SessionEvent::CodeToCompare {
            call_id: "c1".into(),
            code: "123 456".into(),
        });
        v.apply(&SessionEvent::CodeAnswered {
            call_id: "c1".into(),
            matched: false,
        });
        v.apply(&SessionEvent::CodeAlert {
            call_id: "c1".into(),
            reason: "code_mismatch".into(),
            report_id: Some(4),
        });
        let call = v.call.clone().unwrap();
        assert_eq!(call.matched, Some(false));
        assert_eq!(call.alert.as_deref(), Some("code_mismatch"));
        v.apply(&SessionEvent::Closed {
            outcome: Outcome::Suspicious,
            summary: Some("We never call about codes.".into()),
        });
        v.apply(&SessionEvent::TranscriptUploaded { received_at: 10 });
        assert_eq!(v.phase, SessionPhase::Closed);
        assert_eq!(v.outcome, Some(Outcome::Suspicious));
        assert!(v.transcript_uploaded);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["phase"], "closed");
        assert_eq!(json["messages"][0]["delivery"], "delivered");
    }
}
