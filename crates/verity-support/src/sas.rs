//! The spoken code: commit, reply, reveal, derive.
//!
//! ```text
//! agent     sas_commit{call_id, C = SHA256("verity-sas-commit" || r_A)}
//! employee  sas_reply{call_id, r_E}
//! agent     sas_reveal{call_id, r_A}          (the employee checks C)
//! code = HKDF-SHA256(ikm = handshake_hash, salt = session_id,
//!          info = "verity-sas-v1" || lp(u32be(leg)) || lp(call_id) || lp(fp_E) || lp(fp_A)
//!                 || lp(r_A) || lp(r_E))
//!        first 8 bytes, big-endian u64, mod 10^6, shown "123 456"
//! ```
//!
//! `fp_E` and `fp_A` are SHA-256 of the certificate tokens (32 bytes); `r_A`, `r_E` 32 random
//! bytes each. The agent commits before it sees `r_E`, so a man in the middle who relays two
//! channels gets one guess in a million per call.

use hkdf::Hkdf;
use sha2::{Digest, Sha256};

use crate::encode::lp;

/// A six-digit code, shown `123 456`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpokenCode(pub u32);

impl std::fmt::Display for SpokenCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:03} {:03}", self.0 / 1000, self.0 % 1000)
    }
}

/// `SHA256("verity-sas-commit" || r_A)`.
#[must_use]
pub fn commitment(r_a: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"verity-sas-commit");
    h.update(r_a);
    h.finalize().into()
}

/// The inputs of one call's code.
#[derive(Debug, Clone, Copy)]
pub struct CodeInputs<'a> {
    /// The leg's handshake hash.
    pub handshake_hash: &'a [u8; 32],
    /// The session.
    pub session_id: &'a str,
    /// The leg.
    pub leg: u32,
    /// The call.
    pub call_id: &'a str,
    /// SHA-256 of the employee's certificate token.
    pub fp_employee: &'a [u8; 32],
    /// SHA-256 of the agent's certificate token.
    pub fp_agent: &'a [u8; 32],
    /// The agent's random value.
    pub r_a: &'a [u8; 32],
    /// The employee's random value.
    pub r_e: &'a [u8; 32],
}

/// Derives the code.
#[must_use]
pub fn derive_code(i: &CodeInputs<'_>) -> SpokenCode {
    let mut info = b"verity-sas-v1".to_vec();
    lp(&mut info, &i.leg.to_be_bytes());
    lp(&mut info, i.call_id.as_bytes());
    lp(&mut info, i.fp_employee);
    lp(&mut info, i.fp_agent);
    lp(&mut info, i.r_a);
    lp(&mut info, i.r_e);
    let hk = Hkdf::<Sha256>::new(Some(i.session_id.as_bytes()), i.handshake_hash);
    let mut okm = [0u8; 8];
    // 8 bytes is far below HKDF-SHA256's limit (255 * 32): expand cannot fail.
    let _ = hk.expand(&info, &mut okm);
    let v = u64::from_be_bytes(okm) % 1_000_000;
    SpokenCode(u32::try_from(v).unwrap_or(0))
}

/// What a side knows of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    /// The agent's value (agent side) once chosen, (employee side) once revealed.
    pub(crate) r_a: Option<[u8; 32]>,
    /// The commitment.
    pub(crate) commitment: [u8; 32],
    /// The employee's value, once sent.
    pub(crate) r_e: Option<[u8; 32]>,
    /// The code, once derived.
    pub(crate) code: Option<SpokenCode>,
    /// Whether the employee said the code matched.
    pub(crate) matched: Option<bool>,
    /// The reveal did not match the commitment.
    pub(crate) failed: bool,
}
