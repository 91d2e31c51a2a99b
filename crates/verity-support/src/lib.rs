//! Verified support sessions, the apps' side (issue 13; `docs/support-protocol.md` is the
//! contract). Pure: no network, no files, no clock. Time (`now`, `ts_ms`) and randomness
//! (seeds, `r_A`, `r_E`) come in as arguments; only the `fresh()` constructors read the OS
//! generator. The device key only signs, through [`ed25519_dalek::Signer`], so the OS key store
//! can keep holding it.
//!
//! The map of the protocol:
//!
//! 1. **Handshake** ([`handshake`]): `Noise_XX_25519_ChaChaPoly_SHA256` (snow), employee =
//!    [`Initiator`], agent = [`Responder`], prologue `"verity-support-v1" || lp(session_id) ||
//!    u32be(leg)` ([`noise::prologue`]), a fresh static key per leg, three `hs` frames. Each
//!    payload carries the party's certificate and its device key's signature over its Noise
//!    static key ([`handshake::static_signing_input`]); each side verifies the other's
//!    certificate (organisation key, role by prefix, expiry) and that signature
//!    ([`PeerCertificate`]). All-zero Diffie-Hellman results are refused ([`noise`]). The
//!    handshake hash is the channel binding.
//! 2. **Channel** ([`session`]): snow's stateless transport, nonce = seq from 1, below 2^63;
//!    inner CBOR messages ([`message`]) of a closed set of types; [`Session::receive`] answers
//!    new / duplicate / gap, or a typed [`SessionError`].
//! 3. **Chains and checkpoints** ([`chain`]): one hash chain per direction from `c0`, signed
//!    checkpoints every 50 messages, at each code comparison and at close; each side verifies
//!    the other's against its own view and keeps it.
//! 4. **The spoken code** ([`sas`]): commit, reply, reveal, HKDF; one comparison per call.
//! 5. **Guard rails** ([`guard`]): a message that asks for a code, a password, a payment or a
//!    remote-access tool.
//! 6. **Transcript** ([`transcript`]): both chains of every leg, sealed with age to the
//!    organisation's audit key; [`open_and_verify`] for the auditor.
//!
//! `lp(x)` is `u32be(len(x)) || x` everywhere; roles are the bytes `e` / `a`, directions the
//! three bytes `e2a` / `a2e` ([`encode`]).

mod bytes;
pub mod chain;
pub mod encode;
pub mod error;
pub mod guard;
pub mod handshake;
pub mod message;
pub mod noise;
pub mod peer;
pub mod sas;
pub mod session;
pub mod transcript;

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

pub use chain::Checkpoint;
pub use encode::Role;
pub use error::{CertificateError, HandshakeError, SessionError, SupportError, TranscriptError};
pub use guard::{assess, GuardCode};
pub use handshake::{Established, HandshakeConfig, Initiator, Responder, ResponderWaiting};
pub use message::{Message, MessageType};
pub use peer::PeerCertificate;
pub use sas::SpokenCode;
pub use session::{Incoming, Received, Session};
pub use transcript::{
    audit_keygen, check_audit_recipient, open_and_verify, LegRecord, Transcript, VerifiedTranscript,
};
