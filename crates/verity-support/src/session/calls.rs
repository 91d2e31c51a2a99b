//! The spoken code's steps, as each side sends them.

use super::Session;
use crate::encode::Role;
use crate::error::SessionError;
use crate::message::Message;
use crate::sas::{commitment, derive_code, Call, CodeInputs, SpokenCode};
use verity_device::proto::{is_session_id, Frame};

use super::MAX_CALLS;

impl Session {
    /// Agent: starts the code exchange of a call (a fresh 32-hex `call_id`, 32 random bytes
    /// `r_a`), committing to `r_a`.
    ///
    /// # Errors
    /// [`SessionError::Refused`] for the employee, a call id already used, too many calls.
    pub fn start_call(
        &mut self,
        call_id: &str,
        r_a: [u8; 32],
        ts_ms: u64,
    ) -> Result<Frame, SessionError> {
        if self.role != Role::Agent {
            return Err(SessionError::Refused("only the agent starts a call"));
        }
        if !is_session_id(call_id) || self.calls.contains_key(call_id) {
            return Err(SessionError::Refused("a fresh call id, once"));
        }
        if self.calls.len() >= MAX_CALLS {
            return Err(SessionError::Refused("too many calls"));
        }
        let c = commitment(&r_a);
        let f = self.seal(
            Message::SasCommit {
                call_id: call_id.to_owned(),
                commitment: c,
            },
            ts_ms,
        )?;
        self.calls.insert(
            call_id.to_owned(),
            Call {
                r_a: Some(r_a),
                commitment: c,
                r_e: None,
                code: None,
                matched: None,
                failed: false,
            },
        );
        Ok(f)
    }

    /// Employee: answers the agent's commitment with 32 random bytes.
    ///
    /// # Errors
    /// [`SessionError::Refused`] for the agent, an unknown call, a second reply.
    pub fn reply(
        &mut self,
        call_id: &str,
        r_e: [u8; 32],
        ts_ms: u64,
    ) -> Result<Frame, SessionError> {
        if self.role != Role::Employee {
            return Err(SessionError::Refused("only the employee replies"));
        }
        match self.calls.get(call_id) {
            Some(c) if c.r_e.is_none() => {}
            _ => return Err(SessionError::Refused("no commitment awaits a reply")),
        }
        let f = self.seal(
            Message::SasReply {
                call_id: call_id.to_owned(),
                r_e,
            },
            ts_ms,
        )?;
        if let Some(c) = self.calls.get_mut(call_id) {
            c.r_e = Some(r_e);
        }
        Ok(f)
    }

    /// Agent: reveals `r_a` once the employee replied; returns the code to read out.
    ///
    /// # Errors
    /// [`SessionError::Refused`] out of turn.
    pub fn reveal(
        &mut self,
        call_id: &str,
        ts_ms: u64,
    ) -> Result<(Frame, SpokenCode), SessionError> {
        if self.role != Role::Agent {
            return Err(SessionError::Refused("only the agent reveals"));
        }
        let (r_a, r_e) = match self.calls.get(call_id) {
            Some(Call {
                r_a: Some(a),
                r_e: Some(e),
                code: None,
                ..
            }) => (*a, *e),
            _ => return Err(SessionError::Refused("no reply awaits a reveal")),
        };
        let f = self.seal(
            Message::SasReveal {
                call_id: call_id.to_owned(),
                r_a,
            },
            ts_ms,
        )?;
        let code = self.derive(call_id, &r_a, &r_e);
        if let Some(c) = self.calls.get_mut(call_id) {
            c.code = Some(code);
        }
        Ok((f, code))
    }

    /// Employee: tells the agent whether the caller read exactly the code; a checkpoint is then
    /// due. One answer per call.
    ///
    /// # Errors
    /// [`SessionError::Refused`] out of turn.
    pub fn report_match(
        &mut self,
        call_id: &str,
        matched: bool,
        ts_ms: u64,
    ) -> Result<Frame, SessionError> {
        if self.role != Role::Employee {
            return Err(SessionError::Refused("only the employee compares"));
        }
        match self.calls.get(call_id) {
            Some(c) if c.code.is_some() && c.matched.is_none() => {}
            _ => return Err(SessionError::Refused("no code awaits a comparison")),
        }
        let f = self.seal(
            Message::SasResult {
                call_id: call_id.to_owned(),
                matched,
            },
            ts_ms,
        )?;
        if let Some(c) = self.calls.get_mut(call_id) {
            c.matched = Some(matched);
        }
        self.due = true;
        Ok(f)
    }

    pub(super) fn derive(&self, call_id: &str, r_a: &[u8; 32], r_e: &[u8; 32]) -> SpokenCode {
        let (fp_e, fp_a) = match self.role {
            Role::Employee => (&self.fp_own, &self.fp_peer),
            Role::Agent => (&self.fp_peer, &self.fp_own),
        };
        derive_code(&CodeInputs {
            handshake_hash: &self.handshake_hash,
            session_id: &self.session_id,
            leg: self.leg,
            call_id,
            fp_employee: fp_e,
            fp_agent: fp_a,
            r_a,
            r_e,
        })
    }
}
