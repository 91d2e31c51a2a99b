//! The channel's cost: a whole Noise XX handshake with certificate checks on both sides, and
//! sealing then opening a 200-byte chat message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::SigningKey;
use verity_device::proto::{
    b64, key_id, AgentCertificate, AgentCertificateBody, AgentProfile, AgentRole, Certificate,
    CertificateBody,
};
use verity_support::{HandshakeConfig, Incoming, Initiator, Responder, Session};

const SID: &str = "0123456789abcdef0123456789abcdef";
const NOW: u64 = 1_800_000_000;

struct Keys {
    org: SigningKey,
    employee: SigningKey,
    agent: SigningKey,
    employee_cert: String,
    agent_cert: String,
}

fn keys() -> Keys {
    let org = SigningKey::from_bytes(&[1; 32]);
    let employee = SigningKey::from_bytes(&[2; 32]);
    let agent = SigningKey::from_bytes(&[3; 32]);
    let ek = employee.verifying_key();
    let ak = agent.verifying_key();
    let employee_cert = Certificate::sign(
        CertificateBody {
            v: 1,
            serial: "01".into(),
            org_name: "Example".into(),
            org_key: b64(org.verifying_key().as_bytes()),
            device_id: key_id(&ek),
            device_key: b64(ek.as_bytes()),
            employee_id: "e1".into(),
            employee_name: "Wing".into(),
            issued_at: NOW - 10,
            expires_at: NOW + 1000,
        },
        &org,
    )
    .unwrap()
    .token()
    .to_owned();
    let agent_cert = AgentCertificate::sign(
        AgentCertificateBody {
            v: 1,
            serial: "02".into(),
            org_name: "Example".into(),
            org_key: b64(org.verifying_key().as_bytes()),
            agent_id: key_id(&ak),
            agent_key: b64(ak.as_bytes()),
            agent: AgentProfile {
                name: "Mei".into(),
                role: AgentRole::Agent,
                team: "Accounts".into(),
                languages: vec!["en".into()],
                regions: vec!["HK".into()],
                skills: vec![],
                capacity: 3,
            },
            issued_at: NOW - 10,
            expires_at: NOW + 1000,
        },
        &org,
    )
    .unwrap()
    .token()
    .to_owned();
    Keys {
        org,
        employee,
        agent,
        employee_cert,
        agent_cert,
    }
}

fn cfg(k: &Keys, cert: &str) -> HandshakeConfig {
    HandshakeConfig {
        session_id: SID.into(),
        leg: 1,
        certificate: cert.into(),
        org_key: k.org.verifying_key(),
    }
}

fn handshake(k: &Keys) -> (Session, Session) {
    let (ini, f0) = Initiator::start(cfg(k, &k.employee_cert), &k.employee, [7; 32]).unwrap();
    let resp = Responder::new(cfg(k, &k.agent_cert), &k.agent, [8; 32]).unwrap();
    let (wait, f1) = resp.read_hello(&f0).unwrap();
    let (e, f2) = ini.read_response(&f1, NOW).unwrap();
    let a = wait.read_final(&f2, NOW).unwrap();
    (Session::new(e), Session::new(a))
}

fn bench(c: &mut Criterion) {
    let k = keys();
    c.bench_function("handshake (XX, both sides, certificates checked)", |b| {
        b.iter(|| handshake(&k));
    });
    let text = "x".repeat(200);
    c.bench_function("seal + open 100 messages of 200 bytes", |b| {
        b.iter_batched(
            || handshake(&k),
            |(mut e, mut a)| {
                for i in 0..100u64 {
                    let f = e.send_text(&text, i).unwrap();
                    assert!(matches!(a.receive(&f).unwrap(), Incoming::New(_)));
                }
            },
            criterion::BatchSize::LargeInput,
        );
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
