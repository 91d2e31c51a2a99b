//! Agent certificates: `va1.<body>.<signature>`, signed by the organisation key.
//!
//! A support agent's identity, as the employee's app shows it ("verified by <organisation>"), comes
//! only from this certificate, never from text the desk sends. It binds the agent's device key
//! (enrolled with a one-time code, as an employee's device is) to a name, a role, a team and what
//! routing needs: languages, regions, skills and capacity. The token has its own prefix and
//! signature domain (`"verity-agent-certificate-v1\n"`), so an employee's binding certificate can
//! never pass for an agent's, nor the reverse. Every field is checked on signing and on
//! verifying: a certificate whose fields are out of bounds is refused whoever signed it.

use super::certificate::{open_token, seal_token};
use super::*;

/// The agent certificate's token prefix.
const AGENT_PREFIX: &str = "va1";
/// The agent certificate's signature domain.
const AGENT_DOMAIN: &[u8] = b"verity-agent-certificate-v1\n";

/// Most characters in an agent's name or team.
pub const MAX_AGENT_TEXT_CHARS: usize = 80;
/// Most skills on one certificate.
pub const MAX_AGENT_SKILLS: usize = 16;
/// Most characters in a skill.
pub const MAX_SKILL_CHARS: usize = 32;
/// Most regions on one certificate.
pub const MAX_AGENT_REGIONS: usize = 32;
/// The most sessions an agent may hold at once.
pub const MAX_AGENT_CAPACITY: u32 = 20;
/// The languages an agent may serve in: Verity's four.
pub const AGENT_LANGUAGES: &[&str] = &["en", "zh-HK", "zh-CN", "ar"];

/// What an agent does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentRole {
    /// Answers sessions.
    Agent,
    /// Answers sessions, and is alerted when deadlines near.
    Supervisor,
}

impl AgentRole {
    /// The snake_case code.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AgentRole::Agent => "agent",
            AgentRole::Supervisor => "supervisor",
        }
    }
}

/// Who an agent is and what routing needs to know: what `verity-desk agent add` is given and the
/// agent certificate carries. Field order is the encoding order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentProfile {
    /// The agent's display name.
    pub name: String,
    /// Agent or supervisor.
    pub role: AgentRole,
    /// The team the agent belongs to (routing rules name teams).
    pub team: String,
    /// Languages served ([`AGENT_LANGUAGES`]), at least one.
    pub languages: Vec<String>,
    /// Regions served (ISO 3166 alpha-2, upper case), at least one.
    pub regions: Vec<String>,
    /// Skills (`a-z`, `0-9`, `-`, `_`), possibly none.
    pub skills: Vec<String>,
    /// The most sessions at once (1 to [`MAX_AGENT_CAPACITY`]).
    pub capacity: u32,
}

/// What an agent certificate says. Field order is the encoding order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentCertificateBody {
    /// Format version (1).
    pub v: u32,
    /// Random serial, hex; the desk records it with the agent.
    pub serial: String,
    /// The organisation's name.
    pub org_name: String,
    /// The organisation's Ed25519 public key (base64url).
    pub org_key: String,
    /// The agent's device id ([`key_id`] of the agent's device key).
    pub agent_id: String,
    /// The agent's device Ed25519 public key (base64url).
    pub agent_key: String,
    /// Who the agent is.
    pub agent: AgentProfile,
    /// Issued at, Unix seconds.
    pub issued_at: u64,
    /// Expires at, Unix seconds.
    pub expires_at: u64,
}

/// Why an agent certificate's fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentFieldError {
    /// A name or team that is empty, too long or holds control or format characters (bidi
    /// controls, zero-width characters: [`is_hidden_char`]).
    #[error("the {0} must be 1 to {MAX_AGENT_TEXT_CHARS} printable characters")]
    Text(&'static str),
    /// A language outside Verity's four.
    #[error("unknown language {0:?} (expected en, zh-HK, zh-CN or ar)")]
    Language(String),
    /// A region that is not two upper-case letters.
    #[error("unknown region {0:?} (expected an ISO code such as HK)")]
    Region(String),
    /// A skill with other characters, or too long.
    #[error("the skill {0:?} must be 1 to {MAX_SKILL_CHARS} characters of a-z, 0-9, - and _")]
    Skill(String),
    /// No language, no region, too many skills or regions, or a value given twice.
    #[error("{0}")]
    List(&'static str),
    /// A capacity of 0 or above the limit.
    #[error("the capacity must be 1 to {MAX_AGENT_CAPACITY} sessions")]
    Capacity,
    /// A validity window that ends before it starts.
    #[error("the certificate expires before it is issued")]
    Window,
}

fn unique(list: &[String]) -> bool {
    list.iter()
        .enumerate()
        .all(|(i, a)| list[..i].iter().all(|b| b != a))
}

impl AgentProfile {
    /// Checks every field's bounds.
    ///
    /// # Errors
    /// The first [`AgentFieldError`].
    pub fn check(&self) -> Result<(), AgentFieldError> {
        if !is_display_text(&self.name, MAX_AGENT_TEXT_CHARS) {
            return Err(AgentFieldError::Text("name"));
        }
        if !is_display_text(&self.team, MAX_AGENT_TEXT_CHARS) {
            return Err(AgentFieldError::Text("team"));
        }
        if self.languages.is_empty() || !unique(&self.languages) {
            return Err(AgentFieldError::List(
                "give each language once, at least one",
            ));
        }
        if let Some(l) = self
            .languages
            .iter()
            .find(|l| !AGENT_LANGUAGES.contains(&l.as_str()))
        {
            return Err(AgentFieldError::Language(l.clone()));
        }
        if self.regions.is_empty()
            || self.regions.len() > MAX_AGENT_REGIONS
            || !unique(&self.regions)
        {
            return Err(AgentFieldError::List(
                "give each region once, at least one and at most 32",
            ));
        }
        if let Some(r) = self
            .regions
            .iter()
            .find(|r| r.len() != 2 || !r.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(AgentFieldError::Region(r.clone()));
        }
        if self.skills.len() > MAX_AGENT_SKILLS || !unique(&self.skills) {
            return Err(AgentFieldError::List(
                "give each skill once, at most 16 skills",
            ));
        }
        if let Some(s) = self.skills.iter().find(|s| {
            s.is_empty()
                || s.len() > MAX_SKILL_CHARS
                || !s
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        }) {
            return Err(AgentFieldError::Skill(s.clone()));
        }
        if self.capacity == 0 || self.capacity > MAX_AGENT_CAPACITY {
            return Err(AgentFieldError::Capacity);
        }
        Ok(())
    }
}

impl AgentCertificateBody {
    /// Checks the profile's bounds and the validity window (not the keys or the signature).
    ///
    /// # Errors
    /// The first [`AgentFieldError`].
    pub fn check_fields(&self) -> Result<(), AgentFieldError> {
        self.agent.check()?;
        if self.expires_at <= self.issued_at {
            return Err(AgentFieldError::Window);
        }
        Ok(())
    }
}

/// A verified agent certificate: its body, the token it came from and the key it binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCertificate {
    body: AgentCertificateBody,
    token: String,
    agent_key: VerifyingKey,
}

impl AgentCertificate {
    /// Signs `body` with the organisation key.
    ///
    /// # Errors
    /// [`ProtoError::AgentField`] for a field out of bounds; [`ProtoError::Encoding`] when the
    /// body names a bad agent key; [`ProtoError::CertificateDevice`] when the agent id is not the
    /// key's; [`ProtoError::CertificateOrganisation`] when it names another organisation key.
    pub fn sign(
        body: AgentCertificateBody,
        org_key: &SigningKey,
    ) -> Result<AgentCertificate, ProtoError> {
        body.check_fields().map_err(ProtoError::AgentField)?;
        let agent_key = parse_public_key(&body.agent_key, "agent key")?;
        if key_id(&agent_key) != body.agent_id {
            return Err(ProtoError::CertificateDevice);
        }
        if body.org_key != b64(org_key.verifying_key().as_bytes()) {
            return Err(ProtoError::CertificateOrganisation);
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| ProtoError::Json(e.to_string()))?;
        let token = seal_token(AGENT_PREFIX, AGENT_DOMAIN, &bytes, org_key);
        Ok(AgentCertificate {
            body,
            token,
            agent_key,
        })
    }

    /// Verifies `token` against the organisation key and, when `now` is given, its validity
    /// window. The signature is checked over the bytes received before they are parsed.
    ///
    /// # Errors
    /// The [`ProtoError`] `Certificate*` variants; [`ProtoError::AgentField`] for a signed
    /// certificate whose fields are out of bounds.
    pub fn verify(
        token: &str,
        org_key: &VerifyingKey,
        now: Option<u64>,
    ) -> Result<AgentCertificate, ProtoError> {
        let bytes = open_token(token, AGENT_PREFIX, AGENT_DOMAIN, org_key)?;
        let body: AgentCertificateBody =
            serde_json::from_slice(&bytes).map_err(|_| ProtoError::CertificateMalformed)?;
        if body.v != 1 {
            return Err(ProtoError::CertificateMalformed);
        }
        if body.org_key != b64(org_key.as_bytes()) {
            return Err(ProtoError::CertificateOrganisation);
        }
        body.check_fields().map_err(ProtoError::AgentField)?;
        let agent_key = parse_public_key(&body.agent_key, "agent key")
            .map_err(|_| ProtoError::CertificateMalformed)?;
        if key_id(&agent_key) != body.agent_id {
            return Err(ProtoError::CertificateDevice);
        }
        if let Some(now) = now {
            if now < body.issued_at.saturating_sub(MAX_CLOCK_SKEW_SECS) || now >= body.expires_at {
                return Err(ProtoError::CertificateExpired);
            }
        }
        Ok(AgentCertificate {
            body,
            token: token.to_owned(),
            agent_key,
        })
    }

    /// What the certificate says.
    #[must_use]
    pub fn body(&self) -> &AgentCertificateBody {
        &self.body
    }

    /// The compact token.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The agent's device key the certificate binds.
    #[must_use]
    pub fn agent_key(&self) -> &VerifyingKey {
        &self.agent_key
    }

    /// The certificate's fingerprint, as the employee's app shows it on the agent's card:
    /// SHA-256 of the token, upper-case hex in groups of four.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        group_hex(&Sha256::digest(self.token.as_bytes()))
    }
}
