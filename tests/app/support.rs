//! Verified support sessions through Tauri's mock runtime: two apps (an employee's and an
//! agent's, each with its own data dir) against a real desk on loopback. The employee opens a
//! session; the agent's app is offered it and accepts; both see the other as their certificate
//! proves; they chat (a message asking for a code carries its warning); the agent starts a call
//! and both apps show the same code; the agent closes; the live status follows throughout; the
//! organisation's auditor opens the sealed transcript with the offline key.

use crate::device::{app_on, enroll_args, passphrase, totp_now, Desk};
use crate::harness::Harness;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use verity_desk::admin;
use verity_desk::support::store::SupportStore;
use verity_device::proto::{AgentProfile, AgentRole};

/// Calls `cmd` until `ok` holds (the drivers run on their own threads), or fails after 30 s.
fn until(app: &Harness, cmd: &str, args: &Value, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = app.ok(cmd, args.clone());
        if ok(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: {v}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn agent_code(desk: &Desk) -> String {
    let profile = AgentProfile {
        name: "Mei Lam".into(),
        role: AgentRole::Agent,
        team: "Accounts".into(),
        languages: vec!["en".into(), "zh-HK".into()],
        regions: vec!["HK".into()],
        skills: vec![],
        capacity: 3,
    };
    admin::create_agent_code(desk.dir.path(), None, &profile, 3600, desk.clock.as_ref())
        .unwrap()
        .0
        .as_str()
        .to_owned()
}

#[test]
fn an_employee_and_an_agent_meet_verified_chat_compare_the_code_and_close() {
    let desk = Desk::start();
    let (identity, recipient) = verity_support::audit_keygen();
    verity_desk::SqliteStore::open(desk.dir.path())
        .unwrap()
        .set_audit_recipient(Some(&recipient), 0)
        .unwrap();
    let employee = app_on(&desk);
    let agent = app_on(&desk);

    // Neither app is anything yet: no workplace, and the status cannot be checked.
    assert_eq!(agent.ok("agent_desk", json!({})), Value::Null);
    let s = employee.ok("support_status", json!({}));
    assert_eq!(
        (s["state"].as_str(), s["reason"].as_str()),
        (Some("cannot_check"), Some("not_enrolled")),
        "{s}"
    );

    // The employee's device is enrolled; the agent's app with an agent's code, confirmed by the
    // same fingerprint.
    let fp = desk.fingerprint();
    let enrolled = employee.ok(
        "device_enroll",
        enroll_args(&desk.url, &desk.code("e100"), Some(&fp)),
    );
    let secret = enrolled["totp"]["secret"].as_str().unwrap().to_owned();
    let mut args = enroll_args(&desk.url, &agent_code(&desk), Some("0000 0000"));
    assert_eq!(
        agent.err("device_enroll_agent", args.clone())["code"],
        "fingerprint_mismatch"
    );
    args["fingerprint"] = json!(fp);
    let a = agent.ok("device_enroll_agent", args);
    assert_eq!(a["agent"]["name"], "Mei Lam");
    assert_eq!(a["agent"]["organisation"], "Acme HK");
    let agent_fp = a["agent"]["fingerprint"].as_str().unwrap().to_owned();
    // An agent's app is not an employee's: it cannot open a session.
    let e = agent.err(
        "support_open",
        json!({"category": "account", "message": "hi", "totp": "123456", "passphrase": passphrase()}),
    );
    assert_eq!(e["reason"], "forbidden", "{e}");

    // The workplace, away until the agent goes online.
    let w = agent.ok("agent_desk", json!({}));
    assert_eq!(
        (w["online"].as_bool(), w["capacity"].as_u64()),
        (Some(false), Some(3))
    );
    agent.ok(
        "agent_set_online",
        json!({"online": true, "passphrase": passphrase()}),
    );
    until(&agent, "agent_desk", &json!({}), "connected", |w| {
        w["connected"] == true
    });

    if crate::device::secret_service() {
        let s = employee.ok("support_status", json!({}));
        assert_eq!(s["state"], "none", "{s}");
    } else {
        // The key is in a passphrase file: the status is not checked in the background.
        let s = employee.ok("support_status", json!({}));
        assert_eq!(s["reason"], "passphrase_needed", "{s}");
    }

    // A wrong code is refused with the desk's reason, and nothing opens.
    let e = employee.err(
        "support_open",
        json!({"category": "account", "message": "My account is frozen?", "totp": "000000", "passphrase": passphrase()}),
    );
    assert_eq!(e["reason"], "totp_invalid", "{e}");
    assert_eq!(employee.ok("support_session", json!({})), Value::Null);

    let opened = employee.ok(
        "support_open",
        json!({
            "category": "account",
            "message": "My account says it will be frozen. Is that you?",
            "totp": totp_now(&secret, &desk.clock),
            "passphrase": passphrase(),
        }),
    );
    assert_eq!(opened["phase"], "queued", "{opened}");
    let session_id = opened["sessionId"].as_str().unwrap().to_owned();
    // One at a time.
    let e = employee.err(
        "support_open",
        json!({"category": "other", "message": "again", "totp": "123456", "passphrase": passphrase()}),
    );
    assert_eq!(e["reason"], "session_open", "{e}");

    // The agent is offered it and accepts.
    let w = until(&agent, "agent_desk", &json!({}), "the offer", |w| {
        w["offers"].as_array().is_some_and(|o| !o.is_empty())
    });
    assert_eq!(w["offers"][0]["sessionId"], session_id.as_str());
    assert_eq!(w["offers"][0]["category"], "account");
    agent.ok("agent_accept", json!({"sessionId": session_id}));

    // Each app sees the other as its certificate proves; the first message arrives.
    let v = until(
        &employee,
        "support_session",
        &json!({}),
        "the agent's card",
        |v| v["phase"] == "chatting" && v["agent"].is_object(),
    );
    assert_eq!(v["agent"]["name"], "Mei Lam");
    assert_eq!(v["agent"]["team"], "Accounts");
    assert_eq!(v["agent"]["organisation"], "Acme HK");
    assert_eq!(v["agent"]["fingerprint"], agent_fp.as_str());
    let w = until(&agent, "agent_desk", &json!({}), "the first message", |w| {
        w["sessions"][0]["messages"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
    });
    let s = &w["sessions"][0];
    assert_eq!(s["employee"]["name"], "Chan Tai Man");
    assert_eq!(s["employee"]["employeeId"], "e100");
    assert_eq!(
        s["messages"][0]["text"],
        "My account says it will be frozen. Is that you?"
    );
    // The employee's message reaches "delivered".
    until(&employee, "support_session", &json!({}), "delivered", |v| {
        v["messages"][0]["delivery"] == "delivered"
    });

    // A message that asks for a code carries its warning, even from a verified agent.
    agent.ok(
        "agent_send",
        json!({"sessionId": session_id, "text": "Please tell me the verification code we just sent you."}),
    );
    let v = until(
        &employee,
        "support_session",
        &json!({}),
        "the agent's message",
        |v| v["messages"].as_array().is_some_and(|m| m.len() >= 2),
    );
    let m = &v["messages"][1];
    assert_eq!(m["from"], "peer");
    assert_eq!(m["guard"], json!(["asks_for_code"]), "{m}");
    if crate::device::secret_service() {
        let s = employee.ok("support_status", json!({}));
        assert_eq!(s["state"], "chatting", "{s}");
        assert_eq!(s["agentName"], "Mei Lam");
        assert_eq!(s["agentFingerprint"], agent_fp.as_str());
    }

    // The agent calls: both apps show the same code; the employee says it matched.
    agent.ok("agent_start_call", json!({"sessionId": session_id}));
    let v = until(&employee, "support_session", &json!({}), "the code", |v| {
        v["call"]["code"].is_string()
    });
    let code = v["call"]["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 7, "{code}");
    let w = until(&agent, "agent_desk", &json!({}), "the agent's code", |w| {
        w["sessions"][0]["call"]["code"].is_string()
    });
    assert_eq!(w["sessions"][0]["call"]["code"], code.as_str());
    let call_id = v["call"]["callId"].as_str().unwrap().to_owned();
    let v = employee.ok(
        "support_answer_code",
        json!({"callId": call_id, "matched": true}),
    );
    assert_eq!(v["call"]["matched"], true, "{v}");
    until(&agent, "agent_desk", &json!({}), "the answer", |w| {
        w["sessions"][0]["call"]["matched"] == true
    });

    // The agent closes with an outcome and a summary.
    agent.ok(
        "agent_close",
        json!({"sessionId": session_id, "outcome": "resolved", "summary": "No freeze: the message was a scam."}),
    );
    let v = until(&employee, "support_session", &json!({}), "closed", |v| {
        v["phase"] == "closed"
    });
    assert_eq!(v["outcome"], "resolved");
    assert_eq!(v["summary"], "No freeze: the message was a scam.");
    until(
        &agent,
        "agent_desk",
        &json!({}),
        "closed for the agent",
        |w| w["sessions"][0]["phase"] == "closed",
    );

    // The auditor opens the employee's sealed transcript offline and it verifies.
    let store = verity_desk::SqliteStore::open(desk.dir.path()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let sealed = loop {
        if let Some(s) = store.transcript(&session_id, "e2a").unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "no transcript uploaded");
        std::thread::sleep(Duration::from_millis(100));
    };
    let org = admin::org_show(desk.dir.path()).unwrap().0;
    let org_key = verity_device::proto::parse_public_key(&org.public_key, "org").unwrap();
    let t = verity_support::open_and_verify(&sealed, &identity, &org_key).unwrap();
    assert!(t.fully_signed(), "{:?}", t.legs);
    assert_eq!(t.agent.agent.name, "Mei Lam");
    let texts: Vec<String> = t
        .legs
        .iter()
        .flat_map(|l| &l.messages)
        .filter_map(|e| match &e.message {
            verity_support::Message::Text { text } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(texts.contains(&"My account says it will be frozen. Is that you?".to_owned()));
    assert!(texts.contains(&"Please tell me the verification code we just sent you.".to_owned()));
}

#[test]
fn bad_arguments_are_refused_before_anything_is_sent() {
    let desk = Desk::start();
    let app = app_on(&desk);
    let long = "x".repeat(20_000);
    for (cmd, args, code) in [
        ("support_send", json!({"text": "   "}), "invalid_input"),
        ("support_send", json!({"text": long}), "invalid_input"),
        ("support_send", json!({"text": "hello"}), "not_found"),
        (
            "agent_accept",
            json!({"sessionId": "not-an-id"}),
            "invalid_input",
        ),
        (
            "agent_transfer",
            json!({"sessionId": "0123456789abcdef0123456789abcdef", "team": ""}),
            "invalid_input",
        ),
        (
            "support_answer_code",
            json!({"callId": "zz", "matched": true}),
            "invalid_input",
        ),
        (
            "agent_accept",
            json!({"sessionId": "0123456789abcdef0123456789abcdef"}),
            "not_enrolled",
        ),
    ] {
        let e = app.err(cmd, args);
        assert_eq!(e["code"], code, "{cmd}: {e}");
    }
}

#[test]
fn a_session_a_previous_run_left_open_is_closed_so_a_new_one_opens() {
    let desk = Desk::start();
    let (_identity, recipient) = verity_support::audit_keygen();
    verity_desk::SqliteStore::open(desk.dir.path())
        .unwrap()
        .set_audit_recipient(Some(&recipient), 0)
        .unwrap();
    let app = app_on(&desk);
    let enrolled = app.ok(
        "device_enroll",
        enroll_args(&desk.url, &desk.code("e100"), Some(&desk.fingerprint())),
    );
    let secret = enrolled["totp"]["secret"].as_str().unwrap().to_owned();

    // A previous run of Verity on this device opened a session, then quit: its driver is gone,
    // the desk still holds the session (one per employee).
    let mut ctx = verity_device::DeviceContext::new(app.data_dir(), "0.1.0");
    ctx.clock = desk.clock.clone();
    ctx.kdf = verity_device::KdfParams::INSECURE_FOR_TESTS;
    // The app's key store, as the harness configures it (the Secret Service run keeps the key
    // there under the tests' own service name).
    ctx.os_service = crate::harness::device_config().os_service;
    if let Some(p) = passphrase().as_str() {
        ctx.passphrase = Some(zeroize::Zeroizing::new(p.as_bytes().to_vec()));
    }
    ctx.signals = verity_device::proto::RegionSignals {
        timezone: Some("Asia/Hong_Kong".into()),
        locale: Some("zh-HK".into()),
    };
    let old = verity_flows::support::open(
        std::sync::Arc::new(ctx),
        verity_flows::support::OpenParams {
            category: verity_device::proto::SupportCategory::Login,
            language: "en".into(),
            totp: totp_now(&secret, &desk.clock),
            first_message: "from the run before".into(),
        },
    )
    .unwrap();
    let old_id = old.session_id().to_owned();
    old.stop();

    // This run opens a new one: the old one is closed as abandoned first.
    desk.clock.advance(30);
    let opened = app.ok(
        "support_open",
        json!({
            "category": "account",
            "message": "Is my account really frozen?",
            "totp": totp_now(&secret, &desk.clock),
            "passphrase": passphrase(),
        }),
    );
    assert_eq!(opened["phase"], "queued", "{opened}");
    assert_ne!(opened["sessionId"], old_id.as_str());
    let store = verity_desk::SqliteStore::open(desk.dir.path()).unwrap();
    let old_row = store.support_session(&old_id).unwrap().unwrap();
    assert_eq!(
        old_row.state,
        verity_desk::support::store::SessionState::Closed,
        "{old_row:?}"
    );
}
