//! The console's support agents and region policy (issue 14 item 3): agents listed, an agent's
//! one-time enrolment code issued (the profile — name, role, team, languages, regions, skills,
//! capacity — is signed into the agent certificate at enrolment), an agent revoked with a
//! reason; the region policy shown, set or cleared. Every change is in the operation log.

use super::console::{ConsoleError, ConsoleSession, IssuedCode};
use super::Desk;
use crate::policy::Policy;
use crate::store::AgentRecord;
use verity_device::proto::{self, AgentProfile};

/// The longest reason kept with a revocation.
const MAX_REASON_CHARS: usize = 500;

impl Desk {
    /// `GET /console/api/agents`.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_agents(&self) -> Result<Vec<AgentRecord>, ConsoleError> {
        Ok(self.store.list_agents()?)
    }

    /// `POST /console/api/agents`: a one-time code that enrols a support agent's app with
    /// `profile`, valid `ttl_secs`.
    ///
    /// # Errors
    /// `invalid_input` (`profile` with the first field refused), store failures.
    pub fn console_issue_agent_code(
        &self,
        s: &ConsoleSession,
        profile: &AgentProfile,
        ttl_secs: u64,
        origin: &str,
    ) -> Result<IssuedCode, ConsoleError> {
        profile
            .check()
            .map_err(|e| ConsoleError::invalid("profile", e.to_string()))?;
        let detail = serde_json::json!({ "agent": profile.name, "team": profile.team });
        self.issue_console_code(
            s,
            ("agent", &profile.name),
            (Some(profile.clone()), None),
            ttl_secs,
            ("agent.code_issue", detail),
            origin,
        )
    }

    /// `POST /console/api/agents/{id}/revoke`.
    ///
    /// # Errors
    /// `not_found`, `invalid_input` (`reason`), `conflict` (revoked already).
    pub fn console_revoke_agent(
        &self,
        s: &ConsoleSession,
        id: &str,
        reason: &str,
    ) -> Result<AgentRecord, ConsoleError> {
        let reason = reason.trim();
        if reason.is_empty()
            || reason.chars().count() > MAX_REASON_CHARS
            || reason.chars().any(proto::is_hidden_char)
        {
            return Err(ConsoleError::invalid(
                "reason",
                "1 to 500 printable characters",
            ));
        }
        if id.len() > 128 {
            return Err(ConsoleError::not_found("no such agent"));
        }
        let agent = self
            .store
            .agent(&id.to_ascii_lowercase())?
            .ok_or_else(|| ConsoleError::not_found("no such agent"))?;
        let done = self
            .store
            .revoke_agent(&agent.agent_id, self.clock.now(), reason)?;
        self.log_op(
            &s.actor(),
            "agent.revoke",
            &agent.agent_id,
            "",
            if done { "ok" } else { "conflict" },
            serde_json::json!({ "reason": reason }),
        )?;
        if !done {
            return Err(ConsoleError::conflict("the agent was revoked already"));
        }
        self.store
            .agent(&agent.agent_id)?
            .ok_or_else(|| ConsoleError::not_found("no such agent"))
    }

    /// `GET /console/api/policy`: the region policy, if one is set.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_policy(&self) -> Result<Option<Policy>, ConsoleError> {
        Ok(self.store.policy()?)
    }

    /// `PUT /console/api/policy`: sets the region policy from region codes and address
    /// ranges; both empty clears it (the region check then passes with a warning).
    ///
    /// # Errors
    /// `invalid_input` (`regions` or `cidrs`), store failures.
    pub fn console_set_policy(
        &self,
        s: &ConsoleSession,
        regions: &[String],
        cidrs: &[String],
    ) -> Result<Option<Policy>, ConsoleError> {
        if regions.len() > 300 || cidrs.len() > 1000 {
            return Err(ConsoleError::invalid("regions", "too many entries"));
        }
        let p = if regions.is_empty() && cidrs.is_empty() {
            None
        } else {
            let field = |e: &crate::policy::PolicyError| {
                if e.to_string().contains("region") {
                    "regions"
                } else {
                    "cidrs"
                }
            };
            Some(
                Policy::parse(&regions.join(","), &cidrs.join(","), self.clock.now())
                    .map_err(|e| ConsoleError::invalid(field(&e), e.to_string()))?,
            )
        };
        self.store.set_policy(p.as_ref())?;
        self.log_op(
            &s.actor(),
            if p.is_some() {
                "policy.set"
            } else {
                "policy.clear"
            },
            "policy",
            "",
            "ok",
            serde_json::json!({ "regions": regions, "cidrs": cidrs }),
        )?;
        Ok(p)
    }
}
