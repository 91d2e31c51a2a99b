//! Fixtures for the tests: an organisation, an employee's device and an agent, certificates,
//! and a finished handshake.

use ed25519_dalek::SigningKey;
use verity_device::proto::{
    b64, key_id, AgentCertificate, AgentCertificateBody, AgentProfile, AgentRole, Certificate,
    CertificateBody, Frame,
};

use crate::handshake::{HandshakeConfig, Initiator, Responder};
use crate::session::Session;

pub(crate) const SID: &str = "0123456789abcdef0123456789abcdef";
pub(crate) const NOW: u64 = 1_800_000_000;

pub(crate) struct World {
    pub(crate) org: SigningKey,
    pub(crate) employee_key: SigningKey,
    pub(crate) agent_key: SigningKey,
    pub(crate) employee_cert: String,
    pub(crate) agent_cert: String,
}

pub(crate) fn employee_cert(org: &SigningKey, device: &SigningKey, expires_at: u64) -> String {
    let vk = device.verifying_key();
    Certificate::sign(
        CertificateBody {
            v: 1,
            serial: "00ff".into(),
            org_name: "Example Ltd".into(),
            org_key: b64(org.verifying_key().as_bytes()),
            device_id: key_id(&vk),
            device_key: b64(vk.as_bytes()),
            employee_id: "e-17".into(),
            employee_name: "Wing Chan".into(),
            issued_at: NOW - 1000,
            expires_at,
        },
        org,
    )
    .unwrap()
    .token()
    .to_owned()
}

pub(crate) fn agent_cert(org: &SigningKey, device: &SigningKey, expires_at: u64) -> String {
    let vk = device.verifying_key();
    AgentCertificate::sign(
        AgentCertificateBody {
            v: 1,
            serial: "abcd".into(),
            org_name: "Example Ltd".into(),
            org_key: b64(org.verifying_key().as_bytes()),
            agent_id: key_id(&vk),
            agent_key: b64(vk.as_bytes()),
            agent: AgentProfile {
                name: "Mei Lam".into(),
                role: AgentRole::Agent,
                team: "Accounts".into(),
                languages: vec!["en".into(), "zh-HK".into()],
                regions: vec!["HK".into()],
                skills: vec![],
                capacity: 3,
            },
            issued_at: NOW - 1000,
            expires_at,
        },
        org,
    )
    .unwrap()
    .token()
    .to_owned()
}

pub(crate) fn world() -> World {
    let org = SigningKey::from_bytes(&[1; 32]);
    let employee_key = SigningKey::from_bytes(&[2; 32]);
    let agent_key = SigningKey::from_bytes(&[3; 32]);
    World {
        employee_cert: employee_cert(&org, &employee_key, NOW + 1000),
        agent_cert: agent_cert(&org, &agent_key, NOW + 1000),
        org,
        employee_key,
        agent_key,
    }
}

impl World {
    pub(crate) fn cfg(&self, cert: &str, leg: u32) -> HandshakeConfig {
        HandshakeConfig {
            session_id: SID.into(),
            leg,
            certificate: cert.into(),
            org_key: self.org.verifying_key(),
        }
    }

    /// A full handshake: (employee, agent) sessions, and the three frames.
    pub(crate) fn pair(&self, leg: u32) -> (Session, Session, [Frame; 3]) {
        let (ini, f0) = Initiator::start(
            self.cfg(&self.employee_cert, leg),
            &self.employee_key,
            [7; 32],
        )
        .unwrap();
        let resp =
            Responder::new(self.cfg(&self.agent_cert, leg), &self.agent_key, [8; 32]).unwrap();
        let (wait, f1) = resp.read_hello(&f0).unwrap();
        let (est_e, f2) = ini.read_response(&f1, NOW).unwrap();
        let est_a = wait.read_final(&f2, NOW).unwrap();
        (Session::new(est_e), Session::new(est_a), [f0, f1, f2])
    }
}
