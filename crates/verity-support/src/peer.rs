//! The other party, as the handshake proved it: a verified certificate of the expected role.

use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};
use verity_device::proto::{
    AgentCertificate, AgentCertificateBody, Certificate, CertificateBody, ProtoError,
};

use crate::encode::Role;
use crate::error::CertificateError;

/// The agent certificate's token prefix (`va1.`).
const AGENT_PREFIX: &str = "va1.";
/// The employee device's binding certificate prefix (`vc1.`).
const DEVICE_PREFIX: &str = "vc1.";

/// A certificate verified against the organisation key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerCertificate {
    /// An employee's device (`vc1.`).
    Employee(Certificate),
    /// A support agent (`va1.`).
    Agent(AgentCertificate),
}

impl PeerCertificate {
    /// Verifies `token` as a certificate of `role` signed by `org_key`, valid at `now` (Unix
    /// seconds; `None` skips the validity window, as an auditor reading an old transcript does).
    /// The role is read from the prefix: an agent certificate never passes for an employee's,
    /// nor the reverse.
    ///
    /// # Errors
    /// [`CertificateError`].
    pub fn verify(
        token: &str,
        role: Role,
        org_key: &VerifyingKey,
        now: Option<u64>,
    ) -> Result<PeerCertificate, CertificateError> {
        let expected = match role {
            Role::Employee => DEVICE_PREFIX,
            Role::Agent => AGENT_PREFIX,
        };
        if !token.starts_with(expected) {
            return Err(CertificateError::WrongRole);
        }
        let res = match role {
            Role::Employee => {
                Certificate::verify(token, org_key, now).map(PeerCertificate::Employee)
            }
            Role::Agent => {
                AgentCertificate::verify(token, org_key, now).map(PeerCertificate::Agent)
            }
        };
        res.map_err(|e| match e {
            ProtoError::CertificateExpired => CertificateError::Expired,
            ProtoError::CertificateOrganisation | ProtoError::CertificateSignature => {
                CertificateError::OtherOrganisation
            }
            _ => CertificateError::Invalid,
        })
    }

    /// Which party it certifies.
    #[must_use]
    pub fn role(&self) -> Role {
        match self {
            PeerCertificate::Employee(_) => Role::Employee,
            PeerCertificate::Agent(_) => Role::Agent,
        }
    }

    /// The token it came from.
    #[must_use]
    pub fn token(&self) -> &str {
        match self {
            PeerCertificate::Employee(c) => c.token(),
            PeerCertificate::Agent(c) => c.token(),
        }
    }

    /// The device key it binds (the one that signs the static key and the checkpoints).
    #[must_use]
    pub fn device_key(&self) -> &VerifyingKey {
        match self {
            PeerCertificate::Employee(c) => c.device_key(),
            PeerCertificate::Agent(c) => c.agent_key(),
        }
    }

    /// The employee's certificate body, if it is one.
    #[must_use]
    pub fn employee(&self) -> Option<&CertificateBody> {
        match self {
            PeerCertificate::Employee(c) => Some(c.body()),
            PeerCertificate::Agent(_) => None,
        }
    }

    /// The agent's certificate body, if it is one.
    #[must_use]
    pub fn agent(&self) -> Option<&AgentCertificateBody> {
        match self {
            PeerCertificate::Agent(c) => Some(c.body()),
            PeerCertificate::Employee(_) => None,
        }
    }

    /// SHA-256 of the token: the bytes the spoken code binds.
    #[must_use]
    pub fn fingerprint_bytes(&self) -> [u8; 32] {
        token_fingerprint(self.token())
    }

    /// The fingerprint as people compare it, the same as [`AgentCertificate::fingerprint`]:
    /// SHA-256 of the token, upper-case hex in groups of four.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        group_hex(&self.fingerprint_bytes())
    }
}

/// SHA-256 of a certificate token.
#[must_use]
pub fn token_fingerprint(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn group_hex(bytes: &[u8]) -> String {
    let hex = crate::encode::hex(bytes).to_ascii_uppercase();
    let mut out = String::with_capacity(hex.len() + hex.len() / 4);
    for (i, c) in hex.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
