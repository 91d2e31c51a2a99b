//! The per-direction hash chains and the checkpoints both parties sign over them.
//!
//! ```text
//! c0  = SHA256("verity-tx-v1" || lp(session_id) || u32be(leg) || dir || handshake_hash)
//! c_n = SHA256(c_{n-1} || u64be(seq) || SHA256(inner))
//! checkpoint input = "verity-tx-checkpoint-v1" || lp(session_id) || u32be(leg)
//!                    || u64be(e2a_seq) || e2a_head || u64be(a2e_seq) || a2e_head
//! ```
//!
//! `dir` is the three bytes `e2a` or `a2e`; `inner` the exact CBOR plaintext of a message.

use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use verity_device::proto::Direction;

use crate::encode::{dir_label, lp};

/// `c0` of a direction.
#[must_use]
pub fn chain_start(
    session_id: &str,
    leg: u32,
    dir: Direction,
    handshake_hash: &[u8; 32],
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"verity-tx-v1");
    let mut l = Vec::with_capacity(4 + session_id.len());
    lp(&mut l, session_id.as_bytes());
    h.update(&l);
    h.update(leg.to_be_bytes());
    h.update(dir_label(dir));
    h.update(handshake_hash);
    h.finalize().into()
}

/// `c_n` from `c_{n-1}`, the message's seq and its inner plaintext.
#[must_use]
pub fn chain_next(prev: &[u8; 32], seq: u64, inner: &[u8]) -> [u8; 32] {
    let inner_hash = Sha256::digest(inner);
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(inner_hash);
    h.finalize().into()
}

/// A signed view of both chains: the body of a `checkpoint` message, and what each party keeps
/// of the other's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Employee-to-agent messages covered.
    pub e2a_seq: u64,
    /// The e2a chain's head at `e2a_seq`.
    #[serde(with = "crate::bytes::array32")]
    pub e2a_head: [u8; 32],
    /// Agent-to-employee messages covered.
    pub a2e_seq: u64,
    /// The a2e chain's head at `a2e_seq`.
    #[serde(with = "crate::bytes::array32")]
    pub a2e_head: [u8; 32],
    /// The signer's device key's Ed25519 signature over [`checkpoint_signing_input`].
    #[serde(with = "crate::bytes")]
    pub sig: Vec<u8>,
}

/// The bytes a checkpoint signs.
#[must_use]
pub fn checkpoint_signing_input(
    session_id: &str,
    leg: u32,
    e2a_seq: u64,
    e2a_head: &[u8; 32],
    a2e_seq: u64,
    a2e_head: &[u8; 32],
) -> Vec<u8> {
    let mut m = b"verity-tx-checkpoint-v1".to_vec();
    lp(&mut m, session_id.as_bytes());
    m.extend_from_slice(&leg.to_be_bytes());
    m.extend_from_slice(&e2a_seq.to_be_bytes());
    m.extend_from_slice(e2a_head);
    m.extend_from_slice(&a2e_seq.to_be_bytes());
    m.extend_from_slice(a2e_head);
    m
}

impl Checkpoint {
    /// (seq, head) of one direction.
    #[must_use]
    pub fn of(&self, dir: Direction) -> (u64, &[u8; 32]) {
        match dir {
            Direction::E2a => (self.e2a_seq, &self.e2a_head),
            Direction::A2e => (self.a2e_seq, &self.a2e_head),
        }
    }

    /// Whether the signature verifies with `key`.
    #[must_use]
    pub fn signature_ok(&self, session_id: &str, leg: u32, key: &VerifyingKey) -> bool {
        let input = checkpoint_signing_input(
            session_id,
            leg,
            self.e2a_seq,
            &self.e2a_head,
            self.a2e_seq,
            &self.a2e_head,
        );
        Signature::from_slice(&self.sig)
            .map(|s| key.verify_strict(&input, &s).is_ok())
            .unwrap_or(false)
    }
}

/// Checks a checkpoint sent as message `seq` in direction `signer_dir` against the heads of both
/// chains (`heads[i]` is `c_i`): the signer's own direction must stand at `seq - 1` with the head
/// the message chained from, the other direction at a head that exists.
pub(crate) fn check_against(
    cp: &Checkpoint,
    signer_dir: Direction,
    seq: u64,
    signer_heads: &[[u8; 32]],
    other_heads: &[[u8; 32]],
) -> Result<(), &'static str> {
    let other_dir = match signer_dir {
        Direction::E2a => Direction::A2e,
        Direction::A2e => Direction::E2a,
    };
    let (own_seq, own_head) = cp.of(signer_dir);
    if own_seq.checked_add(1) != Some(seq) {
        return Err("it does not cover the sender's own messages");
    }
    let at = usize::try_from(own_seq).map_err(|_| "sequence out of range")?;
    if signer_heads.get(at) != Some(own_head) {
        return Err("the sender's chain head differs");
    }
    let (o_seq, o_head) = cp.of(other_dir);
    let at = usize::try_from(o_seq).map_err(|_| "sequence out of range")?;
    match other_heads.get(at) {
        Some(h) if h == o_head => Ok(()),
        Some(_) => Err("the receiver's chain head differs"),
        None => Err("it covers messages never sent"),
    }
}
