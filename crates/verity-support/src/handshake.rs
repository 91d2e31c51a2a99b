//! The Noise XX handshake between the employee's app (initiator) and the agent's app
//! (responder), over the desk's relay as three [`Frame`]s of kind `hs`:
//!
//! ```text
//! seq 0  e2a  -> e
//! seq 1  a2e  <- e, ee, s, es   + agent payload
//! seq 2  e2a  -> s, se          + employee payload
//! ```
//!
//! A payload is the CBOR `{certificate, sig}`: the party's certificate token and its device key's
//! signature over `"verity-noise-static-v1" || lp(session_id) || u32be(leg) || role ||
//! static_pub` ([`static_signing_input`]). Each side checks the other's certificate against the
//! organisation key (role by prefix, validity at `now`) and the signature over the Noise static
//! key the handshake actually authenticated (`get_remote_static`).

use ed25519_dalek::{Signature, Signer, VerifyingKey};
use serde::{Deserialize, Serialize};
use snow::{Builder, HandshakeState, StatelessTransportState};
use verity_device::proto::{is_session_id, Direction, Frame, FrameKind, MAX_HANDSHAKE_PAYLOAD};

use crate::encode::{lp, Role};
use crate::error::HandshakeError;
use crate::noise::{os_seed, prologue, split_seed, VerityResolver, NOISE_PARAMS};
use crate::peer::{token_fingerprint, PeerCertificate};

/// The largest Noise message.
const NOISE_MAX: usize = 65_535;

/// What a party brings to a handshake.
#[derive(Debug, Clone)]
pub struct HandshakeConfig {
    /// The session (32 lower-case hex digits).
    pub session_id: String,
    /// The leg (1, then +1 at each new handshake).
    pub leg: u32,
    /// This party's own certificate token (`vc1.` for the employee, `va1.` for the agent).
    pub certificate: String,
    /// The organisation key, pinned at enrolment.
    pub org_key: VerifyingKey,
}

/// `"verity-noise-static-v1" || lp(session_id) || u32be(leg) || role || static_pub`.
#[must_use]
pub fn static_signing_input(session_id: &str, leg: u32, role: Role, static_pub: &[u8]) -> Vec<u8> {
    let mut m = b"verity-noise-static-v1".to_vec();
    lp(&mut m, session_id.as_bytes());
    m.extend_from_slice(&leg.to_be_bytes());
    m.push(role.byte());
    m.extend_from_slice(static_pub);
    m
}

/// The handshake payload.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    certificate: String,
    #[serde(with = "crate::bytes")]
    sig: Vec<u8>,
}

/// A finished handshake: what the channel needs and what the app shows.
#[derive(Debug)]
pub struct Established {
    pub(crate) role: Role,
    pub(crate) session_id: String,
    pub(crate) leg: u32,
    pub(crate) handshake_hash: [u8; 32],
    pub(crate) peer: PeerCertificate,
    pub(crate) own_certificate: String,
    pub(crate) own_key: VerifyingKey,
    pub(crate) transport: StatelessTransportState,
    /// The peer's handshake frames (seq, body), to tell a replayed one from a forged one.
    pub(crate) peer_hs: Vec<(u64, Vec<u8>)>,
}

impl Established {
    /// The channel binding: Noise's handshake hash.
    #[must_use]
    pub fn handshake_hash(&self) -> &[u8; 32] {
        &self.handshake_hash
    }

    /// The verified peer.
    #[must_use]
    pub fn peer(&self) -> &PeerCertificate {
        &self.peer
    }
}

struct Prepared {
    hs: HandshakeState,
    payload: Vec<u8>,
    own_key: VerifyingKey,
}

fn prepare(
    role: Role,
    cfg: &HandshakeConfig,
    signer: &dyn Signer<Signature>,
    seed: &[u8; 32],
) -> Result<Prepared, HandshakeError> {
    if !is_session_id(&cfg.session_id) {
        return Err(HandshakeError::Setup("session id"));
    }
    if cfg.leg == 0 {
        return Err(HandshakeError::Setup("leg 0"));
    }
    let own = PeerCertificate::verify(&cfg.certificate, role, &cfg.org_key, None)
        .map_err(|_| HandshakeError::Setup("own certificate refused"))?;
    let own_key = *own.device_key();
    let params = NOISE_PARAMS
        .parse()
        .map_err(|e: snow::Error| HandshakeError::Noise(e.to_string()))?;
    let (static_seed, eph_seed) = split_seed(seed);
    let keys = Builder::with_resolver(NOISE_PARAMS.parse().map_err(noise)?, {
        Box::new(VerityResolver::new(*static_seed))
    })
    .generate_keypair()
    .map_err(noise)?;
    let prologue = prologue(&cfg.session_id, cfg.leg);
    let builder = Builder::with_resolver(params, Box::new(VerityResolver::new(eph_seed)))
        .prologue(&prologue)
        .map_err(noise)?
        .local_private_key(&keys.private)
        .map_err(noise)?;
    let hs = match role {
        Role::Employee => builder.build_initiator(),
        Role::Agent => builder.build_responder(),
    }
    .map_err(noise)?;
    let input = static_signing_input(&cfg.session_id, cfg.leg, role, &keys.public);
    let sig = signer
        .try_sign(&input)
        .map_err(|e| HandshakeError::Signer(e.to_string()))?;
    own_key
        .verify_strict(&input, &sig)
        .map_err(|_| HandshakeError::Setup("the signer is not the certificate's device key"))?;
    let mut payload = Vec::new();
    ciborium::into_writer(
        &Payload {
            certificate: cfg.certificate.clone(),
            sig: sig.to_bytes().to_vec(),
        },
        &mut payload,
    )
    .map_err(|_| HandshakeError::Setup("payload"))?;
    if payload.len() > MAX_HANDSHAKE_PAYLOAD {
        return Err(HandshakeError::Setup("own certificate too large"));
    }
    Ok(Prepared {
        hs,
        payload,
        own_key,
    })
}

#[allow(clippy::needless_pass_by_value)] // `map_err` hands the error over by value.
fn noise(e: snow::Error) -> HandshakeError {
    HandshakeError::Noise(e.to_string())
}

#[allow(clippy::needless_pass_by_value)] // As above.
fn read_error(e: snow::Error) -> HandshakeError {
    match e {
        snow::Error::Dh => HandshakeError::LowOrderKey,
        _ => HandshakeError::Corrupt,
    }
}

fn frame(cfg: &HandshakeConfig, dir: Direction, seq: u64, body: Vec<u8>) -> Frame {
    Frame {
        v: 1,
        session_id: cfg.session_id.clone(),
        leg: cfg.leg,
        dir,
        kind: FrameKind::Hs,
        seq,
        body,
    }
}

fn check_frame(
    cfg: &HandshakeConfig,
    f: &Frame,
    dir: Direction,
    seq: u64,
) -> Result<(), HandshakeError> {
    if f.v != 1 || f.session_id != cfg.session_id {
        return Err(HandshakeError::Unexpected("session"));
    }
    if f.leg != cfg.leg {
        return Err(HandshakeError::Unexpected("leg"));
    }
    if f.dir != dir || f.kind != FrameKind::Hs {
        return Err(HandshakeError::Unexpected("direction or kind"));
    }
    if f.seq != seq {
        return Err(HandshakeError::Unexpected("step"));
    }
    Ok(())
}

fn write(hs: &mut HandshakeState, payload: &[u8]) -> Result<Vec<u8>, HandshakeError> {
    let mut out = vec![0u8; NOISE_MAX];
    let n = hs.write_message(payload, &mut out).map_err(read_error)?;
    out.truncate(n);
    Ok(out)
}

/// Reads a peer message carrying a payload, and verifies the payload.
fn read_and_verify(
    hs: &mut HandshakeState,
    cfg: &HandshakeConfig,
    body: &[u8],
    peer_role: Role,
    now: u64,
) -> Result<PeerCertificate, HandshakeError> {
    let mut buf = vec![0u8; NOISE_MAX];
    let n = hs.read_message(body, &mut buf).map_err(read_error)?;
    if n > MAX_HANDSHAKE_PAYLOAD {
        return Err(HandshakeError::Payload("larger than 8 KiB"));
    }
    let payload: Payload = ciborium::from_reader(&buf[..n])
        .map_err(|_| HandshakeError::Payload("not a certificate and a signature"))?;
    let peer = PeerCertificate::verify(&payload.certificate, peer_role, &cfg.org_key, Some(now))?;
    let remote = hs
        .get_remote_static()
        .ok_or(HandshakeError::Unexpected("no static key"))?;
    let input = static_signing_input(&cfg.session_id, cfg.leg, peer_role, remote);
    let sig = Signature::from_slice(&payload.sig).map_err(|_| HandshakeError::StaticSignature)?;
    peer.device_key()
        .verify_strict(&input, &sig)
        .map_err(|_| HandshakeError::StaticSignature)?;
    Ok(peer)
}

fn hash32(hs: &HandshakeState) -> Result<[u8; 32], HandshakeError> {
    hs.get_handshake_hash()
        .try_into()
        .map_err(|_| HandshakeError::Noise("handshake hash length".into()))
}

/// The employee's side, waiting for the agent's answer (seq 1).
pub struct Initiator {
    cfg: HandshakeConfig,
    hs: HandshakeState,
    payload: Vec<u8>,
    own_key: VerifyingKey,
}

impl std::fmt::Debug for Initiator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Initiator")
            .field("session_id", &self.cfg.session_id)
            .field("leg", &self.cfg.leg)
            .finish_non_exhaustive()
    }
}

impl Initiator {
    /// Starts the handshake with `seed` as all of its randomness (the static and ephemeral
    /// keys): the first frame (seq 0) to send. The device key signs now, once.
    ///
    /// # Errors
    /// [`HandshakeError::Setup`], [`HandshakeError::Signer`].
    pub fn start(
        cfg: HandshakeConfig,
        signer: &dyn Signer<Signature>,
        seed: [u8; 32],
    ) -> Result<(Initiator, Frame), HandshakeError> {
        let Prepared {
            mut hs,
            payload,
            own_key,
        } = prepare(Role::Employee, &cfg, signer, &seed)?;
        let body = write(&mut hs, &[])?;
        let f = frame(&cfg, Direction::E2a, 0, body);
        Ok((
            Initiator {
                cfg,
                hs,
                payload,
                own_key,
            },
            f,
        ))
    }

    /// [`Initiator::start`] with a seed from the operating system.
    ///
    /// # Errors
    /// As [`Initiator::start`]; [`HandshakeError::Setup`] when the OS has no randomness.
    pub fn fresh(
        cfg: HandshakeConfig,
        signer: &dyn Signer<Signature>,
    ) -> Result<(Initiator, Frame), HandshakeError> {
        let seed = os_seed().map_err(|_| HandshakeError::Setup("no randomness"))?;
        Initiator::start(cfg, signer, seed)
    }

    /// Reads the agent's answer (seq 1), verifies the agent at `now` (Unix seconds), and
    /// answers with the last frame (seq 2).
    ///
    /// # Errors
    /// [`HandshakeError`]: the handshake is over either way.
    pub fn read_response(
        mut self,
        f: &Frame,
        now: u64,
    ) -> Result<(Established, Frame), HandshakeError> {
        check_frame(&self.cfg, f, Direction::A2e, 1)?;
        let peer = read_and_verify(&mut self.hs, &self.cfg, &f.body, Role::Agent, now)?;
        let body = write(&mut self.hs, &self.payload)?;
        let last = frame(&self.cfg, Direction::E2a, 2, body);
        let handshake_hash = hash32(&self.hs)?;
        let transport = self.hs.into_stateless_transport_mode().map_err(noise)?;
        Ok((
            Established {
                role: Role::Employee,
                session_id: self.cfg.session_id,
                leg: self.cfg.leg,
                handshake_hash,
                peer,
                own_certificate: self.cfg.certificate,
                own_key: self.own_key,
                transport,
                peer_hs: vec![(1, f.body.clone())],
            },
            last,
        ))
    }
}

/// The agent's side, before the employee's first frame.
pub struct Responder {
    cfg: HandshakeConfig,
    hs: HandshakeState,
    payload: Vec<u8>,
    own_key: VerifyingKey,
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("session_id", &self.cfg.session_id)
            .field("leg", &self.cfg.leg)
            .finish_non_exhaustive()
    }
}

/// The agent's side, waiting for the employee's last frame (seq 2).
pub struct ResponderWaiting {
    inner: Responder,
    hello: Vec<u8>,
}

impl std::fmt::Debug for ResponderWaiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl Responder {
    /// Prepares the agent's side with `seed` as all of its randomness. The device key signs
    /// now, once.
    ///
    /// # Errors
    /// [`HandshakeError::Setup`], [`HandshakeError::Signer`].
    pub fn new(
        cfg: HandshakeConfig,
        signer: &dyn Signer<Signature>,
        seed: [u8; 32],
    ) -> Result<Responder, HandshakeError> {
        let Prepared {
            hs,
            payload,
            own_key,
        } = prepare(Role::Agent, &cfg, signer, &seed)?;
        Ok(Responder {
            cfg,
            hs,
            payload,
            own_key,
        })
    }

    /// [`Responder::new`] with a seed from the operating system.
    ///
    /// # Errors
    /// As [`Responder::new`].
    pub fn fresh(
        cfg: HandshakeConfig,
        signer: &dyn Signer<Signature>,
    ) -> Result<Responder, HandshakeError> {
        let seed = os_seed().map_err(|_| HandshakeError::Setup("no randomness"))?;
        Responder::new(cfg, signer, seed)
    }

    /// Reads the employee's first frame (seq 0) and answers (seq 1: the agent's key and
    /// certificate).
    ///
    /// # Errors
    /// [`HandshakeError`] ([`HandshakeError::LowOrderKey`] for a low-order ephemeral key).
    pub fn read_hello(mut self, f: &Frame) -> Result<(ResponderWaiting, Frame), HandshakeError> {
        check_frame(&self.cfg, f, Direction::E2a, 0)?;
        let mut buf = vec![0u8; NOISE_MAX];
        let n = self
            .hs
            .read_message(&f.body, &mut buf)
            .map_err(read_error)?;
        if n != 0 {
            return Err(HandshakeError::Payload(
                "the first message carries no payload",
            ));
        }
        let payload = std::mem::take(&mut self.payload);
        let body = write(&mut self.hs, &payload)?;
        let answer = frame(&self.cfg, Direction::A2e, 1, body);
        Ok((
            ResponderWaiting {
                inner: self,
                hello: f.body.clone(),
            },
            answer,
        ))
    }
}

impl ResponderWaiting {
    /// Reads the employee's last frame (seq 2) and verifies the employee at `now`.
    ///
    /// # Errors
    /// [`HandshakeError`]: the handshake is over either way.
    pub fn read_final(self, f: &Frame, now: u64) -> Result<Established, HandshakeError> {
        let ResponderWaiting { inner, hello } = self;
        let Responder {
            cfg,
            mut hs,
            own_key,
            ..
        } = inner;
        check_frame(&cfg, f, Direction::E2a, 2)?;
        let peer = read_and_verify(&mut hs, &cfg, &f.body, Role::Employee, now)?;
        let handshake_hash = hash32(&hs)?;
        let transport = hs.into_stateless_transport_mode().map_err(noise)?;
        Ok(Established {
            role: Role::Agent,
            session_id: cfg.session_id,
            leg: cfg.leg,
            handshake_hash,
            peer,
            own_certificate: cfg.certificate,
            own_key,
            transport,
            peer_hs: vec![(0, hello), (2, f.body.clone())],
        })
    }
}

impl Established {
    /// SHA-256 of this party's own certificate token.
    pub(crate) fn own_fingerprint(&self) -> [u8; 32] {
        token_fingerprint(&self.own_certificate)
    }
}
