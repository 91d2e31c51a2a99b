//! Support agents: an agent's code enrols an agent's app, which gets an organisation-signed agent
//! certificate; neither kind of code enrols the other; agents are listed and revoked.

use super::*;
use verity_device::proto::{
    AgentCertificate, AgentEnrollResponse, AgentFieldError, AgentProfile, AgentRole,
};

fn profile() -> AgentProfile {
    AgentProfile {
        name: "Wong Siu Ming".into(),
        role: AgentRole::Agent,
        team: "Accounts".into(),
        languages: vec!["zh-HK".into(), "en".into()],
        regions: vec!["HK".into()],
        skills: vec!["billing".into()],
        capacity: 3,
    }
}

fn agent_code(fx: &Fx, p: &AgentProfile) -> String {
    admin::create_agent_code(&fx.at(), Some(b"org passphrase"), p, 600, fx.clock.as_ref())
        .unwrap()
        .0
        .to_string()
}

/// A signed enrolment request to `path` with `code`, from a fresh key.
fn enrol_at(fx: &Fx, path: &str, code: &str) -> (RawAnswer, ed25519_dalek::SigningKey) {
    let key = proto::generate_signing_key().unwrap();
    (enrol_key_at(fx, path, code, &key), key)
}

/// A signed enrolment request to `path` with `code`, from `key`.
fn enrol_key_at(fx: &Fx, path: &str, code: &str, key: &ed25519_dalek::SigningKey) -> RawAnswer {
    let client = DeskClient::new(&fx.url, &Default::default()).unwrap();
    let body = serde_json::to_vec(&proto::EnrollRequest {
        code: code.to_owned(),
        device_key: proto::b64(key.verifying_key().as_bytes()),
        facts: DeviceFacts {
            hostname: "agent-pc".into(),
            os: "windows".into(),
            app_version: "0.1.0".into(),
        },
        signals: RegionSignals::default(),
    })
    .unwrap();
    let req = client
        .prepare("POST", path, body, key, None, fx.clock.as_ref())
        .unwrap();
    let addr = fx.url.trim_start_matches("http://").parse().unwrap();
    send_raw(addr, &req, &[])
}

#[test]
fn an_agents_code_enrols_an_agent_with_a_signed_certificate() {
    let fx = Fx::new();
    let p = profile();
    let code = agent_code(&fx, &p);
    let (answer, key) = enrol_at(&fx, paths::AGENT_ENROLL, &code);
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert!(answer.header(proto::H_RESPONSE_SIGNATURE).is_some());
    let r: AgentEnrollResponse = serde_json::from_slice(&answer.body).unwrap();
    let org = proto::parse_public_key(&r.org.public_key, "org").unwrap();
    assert_eq!(proto::fingerprint(&org), fx.fp());
    let cert = AgentCertificate::verify(&r.certificate, &org, Some(fx.clock.now())).unwrap();
    assert_eq!(cert.body().agent, p);
    assert_eq!(cert.agent_key(), &key.verifying_key());
    assert_eq!(cert.body().org_name, "Acme HK");

    // The desk lists the agent; the same code again is used.
    let agents = admin::list_agents(&fx.at()).unwrap();
    assert_eq!(agents.len(), 1);
    assert_eq!(agents[0].agent_id, cert.body().agent_id);
    assert_eq!(agents[0].profile, p);
    assert_eq!(agents[0].cert_serial, cert.body().serial);
    let (again, _) = enrol_at(&fx, paths::AGENT_ENROLL, &code);
    assert_eq!(again.code(), codes::ENROLL_CODE_USED);

    // Revoked by prefix, once.
    let (a, changed) = admin::revoke_agent(
        &fx.at(),
        &cert.body().agent_id[..12],
        "left the team",
        fx.clock.as_ref(),
    )
    .unwrap();
    assert!(changed);
    assert_eq!(a.agent_id, cert.body().agent_id);
    let (_, changed) =
        admin::revoke_agent(&fx.at(), &a.agent_id, "again", fx.clock.as_ref()).unwrap();
    assert!(!changed);
    let agents = admin::list_agents(&fx.at()).unwrap();
    assert_eq!(agents[0].revoke_reason.as_deref(), Some("left the team"));
    assert!(matches!(
        admin::revoke_agent(&fx.at(), "0000000000", "x", fx.clock.as_ref()),
        Err(admin::AdminError::NoSuchAgent(_))
    ));
}

/// An employee's code never makes an agent, nor an agent's code an employee's device, and a
/// profile out of bounds is refused before any code exists.
#[test]
fn codes_enrol_only_their_own_kind() {
    let fx = Fx::new();
    let employee = fx.code("e100", 600);
    let (answer, _) = enrol_at(&fx, paths::AGENT_ENROLL, &employee);
    assert_eq!(answer.code(), codes::ENROLL_CODE_INVALID);
    let agent = agent_code(&fx, &profile());
    let (answer, _) = enrol_at(&fx, paths::ENROLL, &agent);
    assert_eq!(answer.code(), codes::ENROLL_CODE_INVALID);
    assert!(admin::list_devices(&fx.at()).unwrap().is_empty());
    assert!(admin::list_agents(&fx.at()).unwrap().is_empty());
    // Both codes still work where they belong.
    let (answer, _) = enrol_at(&fx, paths::ENROLL, &employee);
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let (answer, _) = enrol_at(&fx, paths::AGENT_ENROLL, &agent);
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );

    let mut bad = profile();
    bad.capacity = 0;
    assert!(matches!(
        admin::create_agent_code(
            &fx.at(),
            Some(b"org passphrase"),
            &bad,
            600,
            fx.clock.as_ref()
        ),
        Err(admin::AdminError::Agent(_))
    ));
}

/// Devices and agents sign requests the same way: one key enrolled in both roles could pass a
/// request signed as one off as the other. The store refuses a key already enrolled in the other
/// role, in the enrolment's own transaction, and the code is not spent.
#[test]
fn one_key_is_never_enrolled_as_both_a_device_and_an_agent() {
    let fx = Fx::new();
    let ok = |a: &RawAnswer| {
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    };
    // A device's key, then an agent's code with the same key.
    let (answer, device_key) = enrol_at(&fx, paths::ENROLL, &fx.code("e200", 600));
    ok(&answer);
    let agent = agent_code(&fx, &profile());
    let answer = enrol_key_at(&fx, paths::AGENT_ENROLL, &agent, &device_key);
    assert_eq!(answer.status, 409);
    assert_eq!(answer.code(), codes::DEVICE_EXISTS);
    assert!(admin::list_agents(&fx.at()).unwrap().is_empty());
    // The agent's code was not spent: it enrols a key of its own.
    let (answer, agent_key) = enrol_at(&fx, paths::AGENT_ENROLL, &agent);
    ok(&answer);
    // An agent's key, then an employee's code with the same key.
    let answer = enrol_key_at(&fx, paths::ENROLL, &fx.code("e201", 600), &agent_key);
    assert_eq!(answer.status, 409);
    assert_eq!(answer.code(), codes::DEVICE_EXISTS);
    assert_eq!(admin::list_devices(&fx.at()).unwrap().len(), 1);
    assert_eq!(admin::list_agents(&fx.at()).unwrap().len(), 1);
}

/// Names are shown to people and signed into certificates: bidi controls (which reorder what is
/// shown) and zero-width characters (which make two names that look alike differ) are refused
/// for employees and agents alike, before any code is issued.
#[test]
fn names_with_bidi_controls_or_zero_width_characters_are_refused() {
    let fx = Fx::new();
    let code = |id: &str, name: &str| {
        admin::create_enroll_code(
            &fx.at(),
            Some(b"org passphrase"),
            id,
            name,
            600,
            fx.clock.as_ref(),
        )
    };
    for name in [
        "Chan\u{202E}naM iaT",
        "Chan\u{200B}Tai Man",
        "Chan\u{2066}Tai",
    ] {
        assert!(
            matches!(code("e300", name), Err(admin::AdminError::Usage(_))),
            "{name:?}"
        );
        assert!(matches!(
            code(name, "Chan Tai Man"),
            Err(admin::AdminError::Usage(_))
        ));
        let mut p = profile();
        p.name = name.to_owned();
        assert!(matches!(
            admin::create_agent_code(
                &fx.at(),
                Some(b"org passphrase"),
                &p,
                600,
                fx.clock.as_ref()
            ),
            Err(admin::AdminError::Agent(AgentFieldError::Text("name")))
        ));
    }
    code("e300", "陳大文").unwrap();
}
