//! A support agent's app (issue 13): enrolment with an agent's one-time code, and what the
//! support client needs of an enrolled agent's app.
//!
//! The same safety as an employee's enrolment ([`crate::device::enroll`]): the desk's signed,
//! fresh `/v1/org` answer must carry a key with the fingerprint the user typed from IT's
//! announcement before the code is sent; the new key goes to the OS key store or the passphrase
//! key file exactly as a device key does; the certificate that comes back is verified against the
//! confirmed organisation key and must bind the new key. The state file then says this app is an
//! agent's ([`DeviceRole::Agent`], the `va1.` certificate in `certificate`), and the employee's
//! operations (two-factor, verify, report) refuse to run on it (`wrong_role`).

use crate::device::{confirmed_desk, status_of, BindingStatus, DeviceContext, DeviceError};
use crate::proto::{self, paths, AgentCertificate, AgentEnrollResponse, EnrollRequest, OrgInfo};
use crate::state::{DeviceRole, DeviceState, TwoFactorState};
use serde::Serialize;

/// What an agent's enrolment produced.
#[derive(Debug, Clone, Serialize)]
pub struct AgentEnrollOutcome {
    /// The binding (its `agent` holds the verified profile).
    pub status: BindingStatus,
    /// The agent certificate's fingerprint (what employees see on the agent's card).
    pub certificate_fingerprint: String,
}

/// Enrols this app as a support agent's with the desk at `desk_url`, using the agent's one-time
/// `code` (`verity-desk agent add`). `expected_fingerprint` is the organisation key fingerprint
/// typed from IT's announcement, checked against the desk's signed answer before the code is sent.
///
/// # Errors
/// [`DeviceError`]; on failure before the binding is kept, the new key is removed again.
pub fn enroll_agent(
    ctx: &DeviceContext,
    desk_url: &str,
    code: &str,
    expected_fingerprint: &str,
) -> Result<AgentEnrollOutcome, DeviceError> {
    let (client, org, org_key, store) = confirmed_desk(ctx, desk_url, expected_fingerprint)?;
    let key = proto::generate_signing_key()?;
    let public = key.verifying_key();
    let agent_id = proto::key_id(&public);
    let key_ref = format!("agent-{}", &agent_id[..16]);
    store.save(&key_ref, &key)?;
    log::info!("agent key {key_ref} kept in the {} key store", store.kind());

    let bound = (|| -> Result<(DeviceState, String), DeviceError> {
        let req = EnrollRequest {
            code: code.trim().to_owned(),
            device_key: proto::b64(public.as_bytes()),
            facts: ctx.facts.clone(),
            signals: ctx.signals.clone(),
        };
        let resp: AgentEnrollResponse =
            client.call(paths::AGENT_ENROLL, &req, &key, None, ctx.clock.as_ref())?;
        if resp.org.public_key != org.public_key {
            return Err(DeviceError::BadCertificate(
                "the desk names another organisation key than the one confirmed".into(),
            ));
        }
        let cert = AgentCertificate::verify(&resp.certificate, &org_key, Some(ctx.clock.now()))
            .map_err(|e| DeviceError::BadCertificate(e.to_string()))?;
        if cert.agent_key() != &public {
            return Err(DeviceError::BadCertificate(
                "it certifies another key than this app's".into(),
            ));
        }
        let b = cert.body();
        let state = DeviceState {
            v: 1,
            desk_url: client.base().to_string(),
            desk_ca_pem: ctx
                .client
                .extra_roots_pem
                .as_ref()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            key_store: store.kind(),
            key_ref: key_ref.clone(),
            device_id: agent_id.clone(),
            device_public_key: proto::b64(public.as_bytes()),
            role: DeviceRole::Agent,
            certificate: cert.token().to_owned(),
            org: OrgInfo {
                name: b.org_name.clone(),
                public_key: org.public_key.clone(),
                fingerprint: proto::fingerprint(&org_key),
            },
            employee_id: b.agent_id.clone(),
            employee_name: b.agent.name.clone(),
            issued_at: b.issued_at,
            expires_at: b.expires_at,
            two_factor: TwoFactorState::None,
            last_verify: None,
            feed: None,
        };
        state.save(&ctx.data_dir)?;
        Ok((state, cert.fingerprint()))
    })();
    let (state, certificate_fingerprint) = match bound {
        Ok(v) => v,
        Err(e) => {
            if let Err(del) = store.delete(&key_ref) {
                log::warn!("could not remove the unused agent key {key_ref}: {del}");
            }
            return Err(e);
        }
    };
    log::info!("agent app {agent_id} bound to {}", state.org.name);
    Ok(AgentEnrollOutcome {
        status: status_of(ctx, &state),
        certificate_fingerprint,
    })
}
