//! The channel after the handshake, sans-IO: [`Session`] seals outgoing messages into frames
//! and answers, for each incoming frame, [`Incoming::New`], [`Incoming::Duplicate`] or
//! [`Incoming::Gap`] (ask the relay to replay from `expected`), or a typed [`SessionError`].
//!
//! Transport: snow's stateless transport, nonce = seq (from 1 per direction, below 2^63). The
//! receiver checks the inner message against the outer frame (session, leg, seq) and `prev`
//! against its copy of the sender's chain head, so a message can only be shown once, in order.

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, Signer};
use sha2::{Digest, Sha256};
use snow::StatelessTransportState;
use verity_device::proto::{Direction, Frame, FrameKind, MAX_SESSION_FRAMES};

use crate::chain::{chain_next, chain_start, checkpoint_signing_input, Checkpoint};
use crate::encode::Role;
use crate::error::SessionError;
use crate::handshake::Established;
use crate::message::{Inner, Message};
use crate::peer::PeerCertificate;
use crate::sas::{Call, SpokenCode};
use crate::transcript::{Blob, FinalCheckpoints, LegRecord};

mod calls;
mod receive;

/// A checkpoint is due after this many messages (both directions) since this side's last one.
pub const CHECKPOINT_EVERY: u32 = 50;
/// The largest sequence number (exclusive): the Noise nonce must never reach 2^64 - 1.
pub const MAX_SEQ: u64 = 1 << 63;
/// The most calls (code comparisons) in one leg.
pub const MAX_CALLS: usize = 64;

/// One direction's state.
#[derive(Debug, Default)]
struct Dir {
    /// `heads[i]` is `c_i` (`heads[0]` is `c0`).
    heads: Vec<[u8; 32]>,
    /// The inner plaintext of seq `i + 1`.
    inners: Vec<Vec<u8>>,
    /// SHA-256 of the ciphertext of seq `i + 1`.
    bodies: Vec<[u8; 32]>,
}

impl Dir {
    fn held(&self) -> u64 {
        self.inners.len() as u64
    }
    fn head(&self) -> [u8; 32] {
        self.heads.last().copied().unwrap_or([0; 32])
    }
}

/// A message received in order, for the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Its seq.
    pub seq: u64,
    /// The sender's timestamp.
    pub ts_ms: u64,
    /// The content.
    pub message: Message,
    /// On the employee's side, for a `sas_reveal`: the code to ask the user about.
    pub code: Option<SpokenCode>,
}

/// What an incoming frame is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// The next message: show it (and store the frame, then acknowledge it).
    New(Received),
    /// Already held, byte for byte: acknowledge again, show nothing.
    Duplicate,
    /// Later than the next expected one: ask the relay to replay from `expected`.
    Gap {
        /// The next seq this side needs.
        expected: u64,
    },
}

/// One leg of a support session, after its handshake.
pub struct Session {
    role: Role,
    session_id: String,
    leg: u32,
    handshake_hash: [u8; 32],
    peer: PeerCertificate,
    own_certificate: String,
    own_key: ed25519_dalek::VerifyingKey,
    fp_own: [u8; 32],
    fp_peer: [u8; 32],
    transport: StatelessTransportState,
    peer_hs: Vec<(u64, Vec<u8>)>,
    out: Dir,
    inc: Dir,
    since_checkpoint: u32,
    due: bool,
    own_checkpoint: Option<Checkpoint>,
    peer_checkpoint: Option<Checkpoint>,
    pub(crate) calls: BTreeMap<String, Call>,
    closed: bool,
    /// The peer sent its `close`: nothing but checkpoints may follow from it.
    peer_closed: bool,
    /// A checkpoint of the peer's came after its `close`: its final one.
    peer_final: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("role", &self.role)
            .field("session_id", &self.session_id)
            .field("leg", &self.leg)
            .field("sent", &self.out.held())
            .field("received", &self.inc.held())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The channel of a finished handshake.
    #[must_use]
    pub fn new(e: Established) -> Session {
        let fp_own = e.own_fingerprint();
        let fp_peer = e.peer.fingerprint_bytes();
        let start = |d| chain_start(&e.session_id, e.leg, d, &e.handshake_hash);
        let out = Dir {
            heads: vec![start(e.role.sends())],
            ..Dir::default()
        };
        let inc = Dir {
            heads: vec![start(e.role.receives())],
            ..Dir::default()
        };
        Session {
            role: e.role,
            session_id: e.session_id,
            leg: e.leg,
            handshake_hash: e.handshake_hash,
            peer: e.peer,
            own_certificate: e.own_certificate,
            own_key: e.own_key,
            fp_own,
            fp_peer,
            transport: e.transport,
            peer_hs: e.peer_hs,
            out,
            inc,
            since_checkpoint: 0,
            due: false,
            own_checkpoint: None,
            peer_checkpoint: None,
            calls: BTreeMap::new(),
            closed: false,
            peer_closed: false,
            peer_final: false,
        }
    }

    /// This side's role.
    #[must_use]
    pub fn role(&self) -> Role {
        self.role
    }
    /// The session.
    #[must_use]
    pub fn session_id(&self) -> &str {
        &self.session_id
    }
    /// The leg.
    #[must_use]
    pub fn leg(&self) -> u32 {
        self.leg
    }
    /// The channel binding.
    #[must_use]
    pub fn handshake_hash(&self) -> &[u8; 32] {
        &self.handshake_hash
    }
    /// The verified peer.
    #[must_use]
    pub fn peer(&self) -> &PeerCertificate {
        &self.peer
    }
    /// Messages sent so far (the last seq sent).
    #[must_use]
    pub fn sent(&self) -> u64 {
        self.out.held()
    }
    /// Messages received so far (the cursor to `Join`/`Ack` with).
    #[must_use]
    pub fn received(&self) -> u64 {
        self.inc.held()
    }
    /// A checkpoint is due: call [`Session::checkpoint`].
    #[must_use]
    pub fn checkpoint_due(&self) -> bool {
        self.due
    }
    /// The last checkpoint this side signed, and the last one the peer signed.
    #[must_use]
    pub fn checkpoints(&self) -> (Option<&Checkpoint>, Option<&Checkpoint>) {
        (self.own_checkpoint.as_ref(), self.peer_checkpoint.as_ref())
    }
    /// Either side closed the session.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed
    }
    /// The peer closed the session and its final checkpoint (one signed after its `close`)
    /// has not come yet: the transcript would not be fully signed without it.
    #[must_use]
    pub fn awaiting_peer_final(&self) -> bool {
        self.peer_closed && !self.peer_final
    }
    /// The code of a call, once derived.
    #[must_use]
    pub fn code(&self, call_id: &str) -> Option<SpokenCode> {
        self.calls.get(call_id).and_then(|c| c.code)
    }

    // ---- sending --------------------------------------------------------------------------

    pub(crate) fn seal(&mut self, message: Message, ts_ms: u64) -> Result<Frame, SessionError> {
        let seq = self.out.held() + 1;
        if seq >= MAX_SEQ {
            return Err(SessionError::NonceOverflow);
        }
        if self.out.held() + self.inc.held() >= MAX_SESSION_FRAMES {
            return Err(SessionError::Full);
        }
        let prev = self.out.head();
        let inner = Inner {
            session_id: self.session_id.clone(),
            leg: self.leg,
            seq,
            ts_ms,
            prev,
            message,
        }
        .encode()
        .map_err(SessionError::Refused)?;
        let mut body = vec![0u8; inner.len() + 16];
        let n = self
            .transport
            .write_message(seq, &inner, &mut body)
            .map_err(|_| SessionError::Refused("encryption"))?;
        body.truncate(n);
        let frame = Frame {
            v: 1,
            session_id: self.session_id.clone(),
            leg: self.leg,
            dir: self.role.sends(),
            kind: FrameKind::Tx,
            seq,
            body,
        };
        frame.to_cbor()?;
        self.out.heads.push(chain_next(&prev, seq, &inner));
        self.out.bodies.push(Sha256::digest(&frame.body).into());
        self.out.inners.push(inner);
        self.since_checkpoint = self.since_checkpoint.saturating_add(1);
        if self.since_checkpoint >= CHECKPOINT_EVERY {
            self.due = true;
        }
        Ok(frame)
    }

    /// Seals a chat message.
    ///
    /// # Errors
    /// [`SessionError::Refused`] for text out of bounds or after close; see [`SessionError`].
    pub fn send_text(&mut self, text: &str, ts_ms: u64) -> Result<Frame, SessionError> {
        if self.closed {
            return Err(SessionError::Refused("the session is closed"));
        }
        self.seal(
            Message::Text {
                text: text.to_owned(),
            },
            ts_ms,
        )
    }

    /// Seals the close message; a checkpoint is then due.
    ///
    /// # Errors
    /// See [`SessionError`].
    pub fn close(&mut self, summary: &str, ts_ms: u64) -> Result<Frame, SessionError> {
        if self.closed {
            return Err(SessionError::Refused("the session is closed"));
        }
        let f = self.seal(
            Message::Close {
                summary: summary.to_owned(),
            },
            ts_ms,
        )?;
        self.closed = true;
        self.due = true;
        Ok(f)
    }

    /// Signs and seals a checkpoint of both chains as this side holds them.
    ///
    /// # Errors
    /// [`SessionError::Signer`]; see [`SessionError`].
    pub fn checkpoint(
        &mut self,
        signer: &dyn Signer<Signature>,
        ts_ms: u64,
    ) -> Result<Frame, SessionError> {
        let (e2a, a2e) = match self.role {
            Role::Employee => (&self.out, &self.inc),
            Role::Agent => (&self.inc, &self.out),
        };
        let (e2a_seq, e2a_head, a2e_seq, a2e_head) =
            (e2a.held(), e2a.head(), a2e.held(), a2e.head());
        let input = checkpoint_signing_input(
            &self.session_id,
            self.leg,
            e2a_seq,
            &e2a_head,
            a2e_seq,
            &a2e_head,
        );
        let sig = signer
            .try_sign(&input)
            .map_err(|e| SessionError::Signer(e.to_string()))?;
        let cp = Checkpoint {
            e2a_seq,
            e2a_head,
            a2e_seq,
            a2e_head,
            sig: sig.to_bytes().to_vec(),
        };
        if !cp.signature_ok(&self.session_id, self.leg, &self.own_key) {
            return Err(SessionError::Signer("the signature does not verify".into()));
        }
        let f = self.seal(Message::Checkpoint(cp.clone()), ts_ms)?;
        self.own_checkpoint = Some(cp);
        self.since_checkpoint = 0;
        self.due = false;
        Ok(f)
    }

    // ---- the record -----------------------------------------------------------------------

    /// This leg as the transcript keeps it: both directions' plaintexts and the last checkpoint
    /// of each party.
    #[must_use]
    pub fn record(&self) -> LegRecord {
        let (e2a, a2e) = match self.role {
            Role::Employee => (&self.out, &self.inc),
            Role::Agent => (&self.inc, &self.out),
        };
        let (employee, agent) = match self.role {
            Role::Employee => (self.own_checkpoint.clone(), self.peer_checkpoint.clone()),
            Role::Agent => (self.peer_checkpoint.clone(), self.own_checkpoint.clone()),
        };
        LegRecord {
            leg: self.leg,
            handshake_hash: self.handshake_hash,
            e2a: e2a.inners.iter().cloned().map(Blob).collect(),
            a2e: a2e.inners.iter().cloned().map(Blob).collect(),
            checkpoints: FinalCheckpoints { employee, agent },
        }
    }

    /// This side's own certificate token.
    #[must_use]
    pub fn own_certificate(&self) -> &str {
        &self.own_certificate
    }

    /// The chain head of a direction.
    #[must_use]
    pub fn head(&self, dir: Direction) -> [u8; 32] {
        if dir == self.role.sends() {
            self.out.head()
        } else {
            self.inc.head()
        }
    }
}
