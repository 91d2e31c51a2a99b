//! Typed errors. Their [`code`](SupportError::code)s are what the apps show and log.

use verity_device::proto::FrameError;

/// Why a peer's certificate is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// An employee's certificate where an agent's was expected, or the reverse.
    #[error("the certificate is not of the expected role")]
    WrongRole,
    /// Outside its validity window.
    #[error("the certificate has expired")]
    Expired,
    /// Not signed by this organisation's key (or names another organisation).
    #[error("the certificate is not from this organisation")]
    OtherOrganisation,
    /// Malformed, or its fields are out of bounds.
    #[error("the certificate is malformed")]
    Invalid,
}

/// Why a handshake failed. The session cannot go on; the app says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// The peer's certificate is refused.
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    /// The peer's signature over its Noise static key does not verify with its certificate.
    #[error("the peer's signature over its channel key does not verify")]
    StaticSignature,
    /// A Diffie-Hellman result was all zero: the peer sent a low-order key.
    #[error("the peer sent a low-order key")]
    LowOrderKey,
    /// The Noise message does not decrypt or parse.
    #[error("the handshake message is corrupt")]
    Corrupt,
    /// The handshake payload is larger than 8 KiB, or not the expected CBOR.
    #[error("the handshake payload is malformed: {0}")]
    Payload(&'static str),
    /// A frame of another session, leg, direction, kind or step.
    #[error("unexpected handshake frame: {0}")]
    Unexpected(&'static str),
    /// Our own parameters are unusable (a certificate of the wrong role, a bad session id).
    #[error("cannot start the handshake: {0}")]
    Setup(&'static str),
    /// The device key refused to sign.
    #[error("the device key cannot sign: {0}")]
    Signer(String),
    /// Noise failed internally.
    #[error("noise: {0}")]
    Noise(String),
}

/// Why an incoming frame was refused, or an outgoing message could not be sealed. Nothing of a
/// refused frame is shown or recorded; the session's state is unchanged unless said otherwise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The outer frame names another session, leg or direction, or is no frame at all.
    #[error("the frame does not belong here: {0}")]
    Misrouted(&'static str),
    /// The frame does not decrypt (corrupted, truncated, or not from the peer).
    #[error("the frame does not decrypt")]
    Decrypt,
    /// A frame with a sequence number already held but other bytes: forged, or the two sides
    /// disagree (desync). The session must not be trusted further.
    #[error("a different frame with sequence number {seq} was already received")]
    Conflict {
        /// The sequence number.
        seq: u64,
    },
    /// The decrypted message is malformed or breaks the protocol (inner/outer mismatch, wrong
    /// chain head, a body out of bounds, an unexpected step of the code exchange).
    #[error("the message is malformed: {0}")]
    Malformed(&'static str),
    /// A peer's checkpoint disagrees with our own view of the chains, or its signature does not
    /// verify. The message is recorded (it is evidence); the app raises an alert.
    #[error("the peer's checkpoint does not match: {0}")]
    CheckpointMismatch(&'static str),
    /// The agent's revealed value does not match its commitment: the spoken code cannot be
    /// trusted. The message is recorded (it is evidence); the app raises an alert.
    #[error("the caller's code does not match its commitment")]
    SasCommitmentMismatch {
        /// The call.
        call_id: String,
    },
    /// A sequence number at or past 2^63: the nonce space is exhausted.
    #[error("the sequence number is exhausted")]
    NonceOverflow,
    /// The session holds its maximum of frames.
    #[error("the session is full")]
    Full,
    /// What we were asked to send is not allowed (text too long, control characters, a code
    /// step out of turn, a role that may not send it).
    #[error("cannot send: {0}")]
    Refused(&'static str),
    /// The device key refused to sign.
    #[error("the device key cannot sign: {0}")]
    Signer(String),
    /// A frame could not be encoded.
    #[error(transparent)]
    Frame(#[from] FrameError),
}

/// Why a transcript cannot be sealed, opened or believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranscriptError {
    /// The audit recipient or identity is not a valid age X25519 key.
    #[error("not an age X25519 key: {0}")]
    Key(&'static str),
    /// age failed to encrypt.
    #[error("cannot seal: {0}")]
    Seal(String),
    /// Not sealed to this identity, or damaged.
    #[error("cannot open: {0}")]
    Open(String),
    /// Larger than the cap.
    #[error("the transcript is too large")]
    TooLarge,
    /// Not a transcript (CBOR, version, session id, bounds).
    #[error("the transcript is malformed: {0}")]
    Malformed(&'static str),
    /// A certificate does not verify against the organisation key.
    #[error("the {0} certificate is refused: {1}")]
    Certificate(&'static str, CertificateError),
    /// The messages do not agree with the chains or a party's checkpoint signature: the
    /// transcript was altered.
    #[error("leg {leg}: {what}")]
    Tampered {
        /// The leg.
        leg: u32,
        /// What does not agree.
        what: &'static str,
    },
}

/// Any error of this crate, with a stable code for the app and the logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupportError {
    /// See [`HandshakeError`].
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// See [`SessionError`].
    #[error(transparent)]
    Session(#[from] SessionError),
    /// See [`TranscriptError`].
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
}

impl SupportError {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            SupportError::Handshake(HandshakeError::Certificate(c)) => match c {
                CertificateError::WrongRole => "peer_certificate_wrong_role",
                CertificateError::Expired => "peer_certificate_expired",
                CertificateError::OtherOrganisation => "peer_certificate_other_organisation",
                CertificateError::Invalid => "peer_certificate_invalid",
            },
            SupportError::Handshake(HandshakeError::StaticSignature) => "peer_signature_invalid",
            SupportError::Handshake(HandshakeError::LowOrderKey) => "peer_low_order_key",
            SupportError::Handshake(_) => "handshake_failed",
            SupportError::Session(SessionError::Conflict { .. }) => "frame_conflict",
            SupportError::Session(SessionError::Decrypt) => "frame_corrupt",
            SupportError::Session(SessionError::CheckpointMismatch(_)) => "checkpoint_mismatch",
            SupportError::Session(SessionError::SasCommitmentMismatch { .. }) => {
                "code_commitment_mismatch"
            }
            SupportError::Session(_) => "message_refused",
            SupportError::Transcript(TranscriptError::Tampered { .. }) => "transcript_tampered",
            SupportError::Transcript(_) => "transcript_invalid",
        }
    }
}
