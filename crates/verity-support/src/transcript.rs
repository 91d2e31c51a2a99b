//! The transcript each app seals at close, and the auditor's check of it.
//!
//! CBOR `{v, session_id, certificates: {employee, agent}, legs: [{leg, handshake_hash, e2a:
//! [inner…], a2e: [inner…], checkpoints: {employee, agent}}]}`: `inner` are the exact plaintexts
//! the chains hash. Sealed with age to the organisation's X25519 audit recipient (binary
//! format). [`open_and_verify`] decrypts it, checks both certificates against the organisation
//! key, recomputes both chains of every leg, checks every checkpoint message and both parties'
//! final checkpoints (signature, and heads that the recomputed chains hold): a message altered,
//! dropped, added or reordered within what a checkpoint covers fails.

use std::io::Read;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use verity_device::proto::{
    is_session_id, AgentCertificateBody, CertificateBody, Direction, MAX_SESSION_FRAMES,
};

use crate::chain::{chain_next, chain_start, check_against, Checkpoint};
use crate::encode::Role;
use crate::error::TranscriptError;
use crate::message::{Inner, Message};
use crate::peer::PeerCertificate;

/// The largest transcript plaintext.
pub const MAX_TRANSCRIPT_BYTES: usize = 12 * 1024 * 1024;
/// The most legs in one transcript.
pub const MAX_LEGS: usize = 64;

/// A message's plaintext, as a CBOR byte string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blob(#[serde(with = "crate::bytes")] pub Vec<u8>);

/// Each party's last checkpoint of a leg.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FinalCheckpoints {
    /// The employee's.
    pub employee: Option<Checkpoint>,
    /// The agent's.
    pub agent: Option<Checkpoint>,
}

/// One leg of a session (one handshake).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegRecord {
    /// The leg.
    pub leg: u32,
    /// Its handshake hash (each chain's `c0` binds it).
    #[serde(with = "crate::bytes::array32")]
    pub handshake_hash: [u8; 32],
    /// Employee-to-agent plaintexts, seq 1, 2, …
    pub e2a: Vec<Blob>,
    /// Agent-to-employee plaintexts.
    pub a2e: Vec<Blob>,
    /// The parties' last checkpoints.
    pub checkpoints: FinalCheckpoints,
}

/// The two certificate tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificates {
    /// The employee device's `vc1.` token.
    pub employee: String,
    /// The agent's `va1.` token.
    pub agent: String,
}

/// A session's transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transcript {
    /// Format version (1).
    pub v: u32,
    /// The session.
    pub session_id: String,
    /// Who took part.
    pub certificates: Certificates,
    /// Every leg, in order.
    pub legs: Vec<LegRecord>,
}

/// One message as the auditor reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Who sent it.
    pub dir: Direction,
    /// Its seq.
    pub seq: u64,
    /// The sender's timestamp.
    pub ts_ms: u64,
    /// The content.
    pub message: Message,
    /// Both parties' final checkpoints cover it.
    pub covered: bool,
}

/// A verified leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLeg {
    /// The leg.
    pub leg: u32,
    /// Both directions, e2a first then a2e, each in order.
    pub messages: Vec<Entry>,
    /// e2a messages both parties signed for.
    pub covered_e2a: u64,
    /// a2e messages both parties signed for.
    pub covered_a2e: u64,
    /// Messages other than checkpoints that no common checkpoint covers (a leg cut short by a
    /// restart, or a party's last words after the other's final checkpoint).
    pub uncovered: usize,
    /// Both parties' final checkpoints are present.
    pub both_final: bool,
}

/// A transcript whose certificates, chains and signatures verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTranscript {
    /// The session.
    pub session_id: String,
    /// The employee's certificate.
    pub employee: CertificateBody,
    /// The agent's certificate.
    pub agent: AgentCertificateBody,
    /// The employee certificate's fingerprint.
    pub employee_fingerprint: String,
    /// The agent certificate's fingerprint.
    pub agent_fingerprint: String,
    /// Every leg.
    pub legs: Vec<VerifiedLeg>,
}

impl VerifiedTranscript {
    /// Every message but trailing checkpoints is covered by both parties' final checkpoints,
    /// and the last leg has both. When false, the auditor shows what is not covered (a leg cut
    /// short by a restart, a party that left before the final checkpoints).
    #[must_use]
    pub fn fully_signed(&self) -> bool {
        self.legs.iter().all(|l| l.uncovered == 0) && self.legs.last().is_some_and(|l| l.both_final)
    }
}

/// Checks an audit recipient (`age1…`), as the desk's configuration takes it.
///
/// # Errors
/// [`TranscriptError::Key`].
pub fn check_audit_recipient(recipient: &str) -> Result<(), TranscriptError> {
    age::x25519::Recipient::from_str(recipient.trim())
        .map(|_| ())
        .map_err(|_| TranscriptError::Key("recipient"))
}

impl Transcript {
    /// A transcript of `legs`.
    #[must_use]
    pub fn new(
        session_id: &str,
        employee_certificate: &str,
        agent_certificate: &str,
        legs: Vec<LegRecord>,
    ) -> Transcript {
        Transcript {
            v: 1,
            session_id: session_id.to_owned(),
            certificates: Certificates {
                employee: employee_certificate.to_owned(),
                agent: agent_certificate.to_owned(),
            },
            legs,
        }
    }

    /// The CBOR bytes.
    ///
    /// # Errors
    /// [`TranscriptError::TooLarge`].
    pub fn to_cbor(&self) -> Result<Vec<u8>, TranscriptError> {
        let mut out = Vec::new();
        ciborium::into_writer(self, &mut out)
            .map_err(|_| TranscriptError::Malformed("cannot encode"))?;
        if out.len() > MAX_TRANSCRIPT_BYTES {
            return Err(TranscriptError::TooLarge);
        }
        Ok(out)
    }

    /// Parses CBOR bytes (size first).
    ///
    /// # Errors
    /// [`TranscriptError`].
    pub fn from_cbor(bytes: &[u8]) -> Result<Transcript, TranscriptError> {
        if bytes.len() > MAX_TRANSCRIPT_BYTES {
            return Err(TranscriptError::TooLarge);
        }
        ciborium::from_reader(bytes).map_err(|_| TranscriptError::Malformed("not a transcript"))
    }

    /// Seals the transcript to the organisation's audit recipient (`age1…`), binary age format.
    ///
    /// # Errors
    /// [`TranscriptError::Key`], [`TranscriptError::Seal`].
    pub fn seal(&self, recipient: &str) -> Result<Vec<u8>, TranscriptError> {
        let r = age::x25519::Recipient::from_str(recipient.trim())
            .map_err(|_| TranscriptError::Key("recipient"))?;
        let plain = self.to_cbor()?;
        age::encrypt(&r, &plain).map_err(|e| TranscriptError::Seal(e.to_string()))
    }

    /// Verifies the transcript against the organisation key (see the module documentation).
    ///
    /// # Errors
    /// [`TranscriptError`].
    pub fn verify(&self, org_key: &VerifyingKey) -> Result<VerifiedTranscript, TranscriptError> {
        if self.v != 1 || !is_session_id(&self.session_id) {
            return Err(TranscriptError::Malformed("version or session id"));
        }
        if self.legs.len() > MAX_LEGS {
            return Err(TranscriptError::Malformed("too many legs"));
        }
        let total: usize = self.legs.iter().map(|l| l.e2a.len() + l.a2e.len()).sum();
        if total as u64 > MAX_SESSION_FRAMES {
            return Err(TranscriptError::Malformed("too many messages"));
        }
        let emp =
            PeerCertificate::verify(&self.certificates.employee, Role::Employee, org_key, None)
                .map_err(|e| TranscriptError::Certificate("employee", e))?;
        let agent = PeerCertificate::verify(&self.certificates.agent, Role::Agent, org_key, None)
            .map_err(|e| TranscriptError::Certificate("agent", e))?;
        let (Some(emp_body), Some(agent_body)) = (emp.employee(), agent.agent()) else {
            return Err(TranscriptError::Malformed("certificates"));
        };
        let mut legs = Vec::with_capacity(self.legs.len());
        let mut last_leg = 0;
        for l in &self.legs {
            if l.leg <= last_leg {
                return Err(TranscriptError::Malformed("legs out of order"));
            }
            last_leg = l.leg;
            legs.push(self.verify_leg(l, &emp, &agent)?);
        }
        Ok(VerifiedTranscript {
            session_id: self.session_id.clone(),
            employee: emp_body.clone(),
            agent: agent_body.clone(),
            employee_fingerprint: emp.fingerprint(),
            agent_fingerprint: agent.fingerprint(),
            legs,
        })
    }

    fn verify_leg(
        &self,
        l: &LegRecord,
        emp: &PeerCertificate,
        agent: &PeerCertificate,
    ) -> Result<VerifiedLeg, TranscriptError> {
        let tampered = |what| TranscriptError::Tampered { leg: l.leg, what };
        let replay =
            |dir, blobs: &[Blob]| -> Result<(Vec<[u8; 32]>, Vec<Inner>), TranscriptError> {
                let mut heads = vec![chain_start(&self.session_id, l.leg, dir, &l.handshake_hash)];
                let mut inners = Vec::with_capacity(blobs.len());
                for (i, b) in blobs.iter().enumerate() {
                    let inner =
                        Inner::decode(&b.0).map_err(|_| tampered("a message does not parse"))?;
                    let prev = heads.last().copied().unwrap_or([0; 32]);
                    if inner.session_id != self.session_id
                        || inner.leg != l.leg
                        || inner.seq != i as u64 + 1
                        || inner.prev != prev
                    {
                        return Err(tampered("the messages do not form a chain"));
                    }
                    heads.push(chain_next(&prev, inner.seq, &b.0));
                    inners.push(inner);
                }
                Ok((heads, inners))
            };
        let (e_heads, e_inners) = replay(Direction::E2a, &l.e2a)?;
        let (a_heads, a_inners) = replay(Direction::A2e, &l.a2e)?;
        let key = |dir| match dir {
            Direction::E2a => emp.device_key(),
            Direction::A2e => agent.device_key(),
        };
        let mut last_cp: [Option<&Checkpoint>; 2] = [None, None];
        for (dir, inners, own, other, slot) in [
            (Direction::E2a, &e_inners, &e_heads, &a_heads, 0usize),
            (Direction::A2e, &a_inners, &a_heads, &e_heads, 1),
        ] {
            for inner in inners.iter() {
                if let Message::Checkpoint(cp) = &inner.message {
                    check_against(cp, dir, inner.seq, own, other)
                        .map_err(|_| tampered("a checkpoint disagrees with the chains"))?;
                    if !cp.signature_ok(&self.session_id, l.leg, key(dir)) {
                        return Err(tampered("a checkpoint's signature does not verify"));
                    }
                    last_cp[slot] = Some(cp);
                }
            }
        }
        let mut covered = [u64::MAX, u64::MAX];
        for (finals, last) in [
            (&l.checkpoints.employee, last_cp[0]),
            (&l.checkpoints.agent, last_cp[1]),
        ] {
            if finals.as_ref() != last {
                return Err(tampered("a final checkpoint is not the party's last one"));
            }
            match finals {
                Some(cp) => {
                    covered[0] = covered[0].min(cp.e2a_seq);
                    covered[1] = covered[1].min(cp.a2e_seq);
                }
                None => covered = [0, 0],
            }
        }
        let mut messages = Vec::with_capacity(e_inners.len() + a_inners.len());
        let mut uncovered = 0;
        for (dir, inners, limit) in [
            (Direction::E2a, e_inners, covered[0]),
            (Direction::A2e, a_inners, covered[1]),
        ] {
            for inner in inners {
                let is_covered = inner.seq <= limit;
                if !is_covered && !matches!(inner.message, Message::Checkpoint(_)) {
                    uncovered += 1;
                }
                messages.push(Entry {
                    dir,
                    seq: inner.seq,
                    ts_ms: inner.ts_ms,
                    message: inner.message,
                    covered: is_covered,
                });
            }
        }
        Ok(VerifiedLeg {
            leg: l.leg,
            messages,
            covered_e2a: covered[0],
            covered_a2e: covered[1],
            uncovered,
            both_final: l.checkpoints.employee.is_some() && l.checkpoints.agent.is_some(),
        })
    }
}

/// Decrypts a sealed transcript with the audit identity (`AGE-SECRET-KEY-1…`) and verifies it.
///
/// # Errors
/// [`TranscriptError`].
pub fn open_and_verify(
    sealed: &[u8],
    identity: &str,
    org_key: &VerifyingKey,
) -> Result<VerifiedTranscript, TranscriptError> {
    Transcript::open(sealed, identity)?.verify(org_key)
}

impl Transcript {
    /// Decrypts a sealed transcript (size-capped) without verifying it.
    ///
    /// # Errors
    /// [`TranscriptError`].
    pub fn open(sealed: &[u8], identity: &str) -> Result<Transcript, TranscriptError> {
        if sealed.len() > MAX_TRANSCRIPT_BYTES + 64 * 1024 {
            return Err(TranscriptError::TooLarge);
        }
        let id = age::x25519::Identity::from_str(identity.trim())
            .map_err(|_| TranscriptError::Key("identity"))?;
        let dec = age::Decryptor::new_buffered(sealed)
            .map_err(|e| TranscriptError::Open(e.to_string()))?;
        let reader = dec
            .decrypt(std::iter::once(&id as &dyn age::Identity))
            .map_err(|e| TranscriptError::Open(e.to_string()))?;
        let mut plain = Vec::new();
        reader
            .take(MAX_TRANSCRIPT_BYTES as u64 + 1)
            .read_to_end(&mut plain)
            .map_err(|e| TranscriptError::Open(e.to_string()))?;
        Transcript::from_cbor(&plain)
    }
}

/// A fresh audit key pair: (identity `AGE-SECRET-KEY-1…`, to keep offline; recipient `age1…`,
/// for the desk's configuration).
#[must_use]
pub fn audit_keygen() -> (String, String) {
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    (id.to_string().expose_secret().to_owned(), recipient)
}
