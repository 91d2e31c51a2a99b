//! The receiving half: every incoming frame is new, a duplicate, a gap, or refused.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use verity_device::proto::{Frame, FrameKind, MAX_PLAINTEXT};

use super::{Incoming, Received, Session, CHECKPOINT_EVERY, MAX_CALLS, MAX_SEQ};
use crate::chain::{chain_next, check_against};
use crate::encode::Role;
use crate::error::SessionError;
use crate::message::{Inner, Message};
use crate::sas::{commitment, Call, SpokenCode};

impl Session {
    /// Takes an incoming frame from the relay.
    ///
    /// # Errors
    /// [`SessionError`]: the frame is refused and nothing of it is shown. After
    /// [`SessionError::CheckpointMismatch`] and [`SessionError::SasCommitmentMismatch`] the
    /// message is recorded nonetheless (it is evidence) and the app raises an alert.
    pub fn receive(&mut self, f: &Frame) -> Result<Incoming, SessionError> {
        if f.v != 1 || f.session_id != self.session_id {
            return Err(SessionError::Misrouted("session"));
        }
        if f.leg != self.leg {
            return Err(SessionError::Misrouted("leg"));
        }
        if f.dir != self.role.receives() {
            return Err(SessionError::Misrouted("direction"));
        }
        if f.kind == FrameKind::Hs {
            return match self.peer_hs.iter().find(|(s, _)| *s == f.seq) {
                Some((_, b)) if b.as_slice().ct_eq(f.body.as_slice()).into() => {
                    Ok(Incoming::Duplicate)
                }
                Some(_) => Err(SessionError::Conflict { seq: f.seq }),
                None => Err(SessionError::Misrouted("handshake step")),
            };
        }
        if f.seq == 0 {
            return Err(SessionError::Misrouted("seq 0"));
        }
        if f.seq >= MAX_SEQ {
            return Err(SessionError::NonceOverflow);
        }
        let expected = self.inc.held() + 1;
        if f.seq < expected {
            let at = usize::try_from(f.seq - 1).map_err(|_| SessionError::NonceOverflow)?;
            let digest: [u8; 32] = Sha256::digest(&f.body).into();
            return match self.inc.bodies.get(at) {
                Some(d) if bool::from(d.ct_eq(&digest)) => Ok(Incoming::Duplicate),
                _ => Err(SessionError::Conflict { seq: f.seq }),
            };
        }
        if f.seq > expected {
            return Ok(Incoming::Gap { expected });
        }
        if f.body.len() > MAX_PLAINTEXT + 16 {
            return Err(SessionError::Decrypt);
        }
        let mut plain = vec![0u8; f.body.len()];
        let n = self
            .transport
            .read_message(f.seq, &f.body, &mut plain)
            .map_err(|_| SessionError::Decrypt)?;
        plain.truncate(n);
        let inner = Inner::decode(&plain).map_err(SessionError::Malformed)?;
        if inner.session_id != self.session_id || inner.leg != self.leg || inner.seq != f.seq {
            return Err(SessionError::Malformed(
                "the message disagrees with its frame",
            ));
        }
        let prev = self.inc.head();
        if !bool::from(inner.prev.ct_eq(&prev)) {
            return Err(SessionError::Malformed(
                "the message does not follow the chain",
            ));
        }
        let verdict = self.admit(&inner.message)?;
        // Record: the message is authentic and in order.
        self.inc.heads.push(chain_next(&prev, f.seq, &plain));
        self.inc.bodies.push(Sha256::digest(&f.body).into());
        self.inc.inners.push(plain);
        self.since_checkpoint = self.since_checkpoint.saturating_add(1);
        if self.since_checkpoint >= CHECKPOINT_EVERY {
            self.due = true;
        }
        let code = self.apply(&inner.message, verdict)?;
        Ok(Incoming::New(Received {
            seq: inner.seq,
            ts_ms: inner.ts_ms,
            message: inner.message,
            code,
        }))
    }

    /// Whether the peer may send this now (before anything is recorded).
    fn admit(&self, m: &Message) -> Result<Admit, SessionError> {
        let bad = |w| Err(SessionError::Malformed(w));
        let from_agent = self.role == Role::Employee;
        match m {
            // Our own close may cross the peer's last messages: only the peer's close ends them.
            Message::Text { .. } | Message::Close { .. } if self.peer_closed => {
                bad("a message after close")
            }
            Message::SasCommit { call_id, .. }
                if !from_agent || self.calls.contains_key(call_id) =>
            {
                bad("a commitment out of turn")
            }
            Message::SasCommit { .. } if self.calls.len() >= MAX_CALLS => bad("too many calls"),
            Message::SasReply { call_id, .. }
                if from_agent || !matches!(self.calls.get(call_id), Some(c) if c.r_e.is_none()) =>
            {
                bad("a reply out of turn")
            }
            Message::SasReveal { call_id, .. }
                if !from_agent
                    || !matches!(self.calls.get(call_id), Some(c) if c.r_e.is_some() && c.code.is_none() && !c.failed) =>
            {
                bad("a reveal out of turn")
            }
            Message::SasResult { call_id, .. }
                if from_agent
                    || !matches!(self.calls.get(call_id), Some(c) if c.code.is_some() && c.matched.is_none()) =>
            {
                bad("a result out of turn")
            }
            Message::Checkpoint(cp) => {
                let (signer_heads, other_heads) = (&self.inc.heads, &self.out.heads);
                let seq = self.inc.held() + 1;
                let ok = check_against(cp, self.role.receives(), seq, signer_heads, other_heads)
                    .and_then(|()| {
                        cp.signature_ok(&self.session_id, self.leg, self.peer.device_key())
                            .then_some(())
                            .ok_or("the signature does not verify")
                    });
                Ok(match ok {
                    Ok(()) => Admit::Ok,
                    Err(w) => Admit::CheckpointBad(w),
                })
            }
            _ => Ok(Admit::Ok),
        }
    }

    /// Updates the state for a recorded message.
    fn apply(&mut self, m: &Message, verdict: Admit) -> Result<Option<SpokenCode>, SessionError> {
        match m {
            Message::Checkpoint(cp) => {
                if let Admit::CheckpointBad(w) = verdict {
                    return Err(SessionError::CheckpointMismatch(w));
                }
                self.peer_checkpoint = Some(cp.clone());
                self.peer_final |= self.peer_closed;
            }
            Message::Close { .. } => {
                self.closed = true;
                self.peer_closed = true;
                self.due = true;
            }
            Message::SasCommit {
                call_id,
                commitment,
            } => {
                self.calls.insert(
                    call_id.clone(),
                    Call {
                        r_a: None,
                        commitment: *commitment,
                        r_e: None,
                        code: None,
                        matched: None,
                        failed: false,
                    },
                );
            }
            Message::SasReply { call_id, r_e } => {
                if let Some(c) = self.calls.get_mut(call_id) {
                    c.r_e = Some(*r_e);
                }
            }
            Message::SasReveal { call_id, r_a } => {
                let Some(call) = self.calls.get(call_id) else {
                    return Ok(None);
                };
                let Some(r_e) = call.r_e else {
                    return Ok(None);
                };
                let ok: bool = commitment(r_a).ct_eq(&call.commitment).into();
                if !ok {
                    if let Some(c) = self.calls.get_mut(call_id) {
                        c.failed = true;
                    }
                    return Err(SessionError::SasCommitmentMismatch {
                        call_id: call_id.clone(),
                    });
                }
                let code = self.derive(call_id, r_a, &r_e);
                if let Some(c) = self.calls.get_mut(call_id) {
                    c.r_a = Some(*r_a);
                    c.code = Some(code);
                }
                return Ok(Some(code));
            }
            Message::SasResult { call_id, matched } => {
                if let Some(c) = self.calls.get_mut(call_id) {
                    c.matched = Some(*matched);
                }
                self.due = true;
            }
            Message::Text { .. } => {}
        }
        Ok(None)
    }
}

/// The verdict on a message before it is recorded.
#[derive(Debug, Clone, Copy)]
enum Admit {
    Ok,
    CheckpointBad(&'static str),
}
