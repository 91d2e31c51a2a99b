//! The one error type: every way a ceremony can fail, each its own variant so that the desk can
//! log precisely what went wrong (the browser is told only that the sign-in failed).

/// Why a relying party could not be set up, a ceremony could not start, or a browser's response
/// was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasskeyError {
    /// The origin is neither `https://…` nor `http://localhost` / `http://127.0.0.1`.
    #[error("the origin {0} is not https (only localhost may use http)")]
    InsecureOrigin(String),
    /// The origin has no host usable as an RP ID, has credentials, a path, a query or a fragment.
    #[error("the origin {0} cannot be a WebAuthn relying party: {1}")]
    InvalidOrigin(String, &'static str),
    /// A user handle must be 16 to 64 bytes.
    #[error("a user handle must be 16 to 64 bytes, not {0}")]
    InvalidUserHandle(usize),
    /// A user name must be 1 to 64 bytes, a display name at most 64.
    #[error("the {0} must be 1 to 64 bytes of text")]
    InvalidUserName(&'static str),
    /// An allow list was given but it is empty (use `None` for discoverable credentials).
    #[error("the allow list is empty: pass None for a usernameless sign-in")]
    EmptyAllowList,
    /// The operating system's random number generator failed.
    #[error("no randomness for the challenge: {0}")]
    Random(String),
    /// The response is larger than [`crate::MAX_RESPONSE_LEN`].
    #[error("the response is {0} bytes, more than the {max} allowed", max = crate::MAX_RESPONSE_LEN)]
    TooLarge(usize),
    /// The response is not what a browser sends: bad JSON, base64url, CBOR or layout.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The ceremony was started more than [`crate::CEREMONY_TIMEOUT_SECS`] ago.
    #[error("the ceremony has expired")]
    Expired,
    /// `type` (of the credential or of the client data) is not the expected one.
    #[error("wrong type {got:?}, expected {expected:?}")]
    WrongType {
        /// What the ceremony needs.
        expected: &'static str,
        /// What the response says.
        got: String,
    },
    /// The client data's challenge is not this ceremony's (a replay, or another ceremony's).
    #[error("the challenge does not match this ceremony")]
    ChallengeMismatch,
    /// The client data's origin is not the relying party's.
    #[error("the origin {0:?} is not the relying party's")]
    OriginMismatch(String),
    /// The ceremony ran in a cross-origin iframe.
    #[error("cross-origin ceremonies are not accepted")]
    CrossOrigin,
    /// The authenticator data's RP ID hash is not SHA-256 of the RP ID.
    #[error("the authenticator data is for another relying party")]
    RpIdHashMismatch,
    /// The authenticator data's UP flag is not set.
    #[error("the user was not present (UP flag not set)")]
    UserNotPresent,
    /// The authenticator data's UV flag is not set.
    #[error("the user was not verified (UV flag not set)")]
    UserNotVerified,
    /// BS (backed up) is set but BE (backup eligible) is not.
    #[error("inconsistent backup flags (BS without BE)")]
    InvalidBackupFlags,
    /// A credential's backup eligibility changed since registration.
    #[error("the credential's backup eligibility changed since registration")]
    BackupEligibilityChanged,
    /// A registration's authenticator data carries no attested credential data.
    #[error("no attested credential data in the registration")]
    MissingAttestedCredential,
    /// An assertion's authenticator data carries attested credential data.
    #[error("attested credential data in an assertion")]
    UnexpectedAttestedCredential,
    /// `id`, `rawId` and the credential ID in the authenticator data disagree.
    #[error("the credential IDs in the response disagree")]
    CredentialIdMismatch,
    /// The credential's COSE algorithm is not one this relying party offered.
    #[error("COSE algorithm {0} is not accepted (ES256 -7 and EdDSA -8 are)")]
    UnsupportedAlgorithm(i64),
    /// The COSE public key is malformed or not a valid point/key.
    #[error("invalid credential public key: {0}")]
    InvalidPublicKey(&'static str),
    /// An attestation statement format other than `none` or self-attested `packed`.
    #[error("attestation format {0:?} is not accepted")]
    UnsupportedAttestation(String),
    /// The new credential is one of the ceremony's excluded credentials.
    #[error("this credential is already registered")]
    ExcludedCredential,
    /// The credential is not in the ceremony's allow list.
    #[error("the credential is not allowed in this ceremony")]
    CredentialNotAllowed,
    /// The desk knows no credential with this ID.
    #[error("unknown credential")]
    UnknownCredential,
    /// A usernameless sign-in's response has no user handle.
    #[error("the response has no user handle")]
    MissingUserHandle,
    /// The response's user handle is not the credential's.
    #[error("the user handle does not match the credential's")]
    UserHandleMismatch,
    /// The signature (assertion or packed self-attestation) does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// The signature counter did not increase: the authenticator may have been cloned.
    #[error("signature counter went from {stored} to {received}: possible cloned authenticator")]
    CounterRegression {
        /// The counter stored after the last ceremony.
        stored: u32,
        /// The counter in this response.
        received: u32,
    },
    /// [`crate::StoredCredential::from_bytes`] was given bytes it did not write.
    #[error("invalid stored credential: {0}")]
    InvalidStoredCredential(&'static str),
}
