//! Verified support sessions from the command line (issue 13), against a desk running in this
//! process on loopback: an agent's app enrols; employee and agent apps are told apart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

#[test]
fn an_agents_app_enrols_with_the_typed_fingerprint_and_says_so() {
    let desk = LoopbackDesk::start();
    let work = tempfile::tempdir().unwrap();
    let pass = work.path().join("pass");
    std::fs::write(&pass, "an agent passphrase\n").unwrap();
    let pass = pass.to_str().unwrap();
    let agent = work.path().join("agent");

    // A wrong fingerprint: refused before the code is sent (the code still works afterwards).
    let code = desk.agent_code();
    let out = ctl(
        &agent,
        &[
            "device",
            "enroll",
            "--agent",
            "--desk",
            &desk.url,
            "--code",
            &code,
            "--fingerprint",
            "AAAA BBBB",
            "--key-store",
            "file",
            "--passphrase-file",
            pass,
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("(fingerprint_mismatch)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        json(&ctl(&agent, &["device", "status", "--json"]))["bound"],
        false
    );

    // An employee's code at the agent's door: refused, nothing kept.
    let out = ctl(
        &agent,
        &[
            "device",
            "enroll",
            "--agent",
            "--desk",
            &desk.url,
            "--code",
            &desk.code(),
            "--fingerprint",
            &desk.fingerprint,
            "--key-store",
            "file",
            "--passphrase-file",
            pass,
        ],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("(enroll_code_invalid)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        json(&ctl(&agent, &["device", "status", "--json"]))["bound"],
        false
    );

    // The agent's code: enrolled, the certificate's profile shown.
    let e = ctl(
        &agent,
        &[
            "device",
            "enroll",
            "--agent",
            "--desk",
            &desk.url,
            "--code",
            &code,
            "--fingerprint",
            &desk.fingerprint,
            "--key-store",
            "file",
            "--passphrase-file",
            pass,
            "--json",
        ],
    );
    let e = json(ok(&e));
    assert_eq!(e["role"], "agent");
    assert_eq!(e["agent"]["name"], "Mei Lam");
    assert_eq!(e["agent"]["team"], "Accounts");
    assert_eq!(e["org_fingerprint"], desk.fingerprint.as_str());
    assert_eq!(e["key_store"], "file");
    assert_eq!(
        e["certificate_fingerprint"]
            .as_str()
            .unwrap()
            .split(' ')
            .count(),
        16
    );

    // Status says it is an agent's app, with the verified certificate.
    let s = json(ok(&ctl(&agent, &["device", "status", "--json"])));
    assert_eq!(s["bound"], true);
    assert_eq!(s["role"], "agent");
    assert_eq!(s["certificate_ok"], true);
    assert_eq!(s["agent"]["name"], "Mei Lam");
    let text = stdout(ok(&ctl(&agent, &["device", "status"])));
    assert!(
        text.contains("Support agent:       Mei Lam (agent, team Accounts"),
        "{text}"
    );
    assert!(!text.contains("Two-factor"), "{text}");

    // An employee's operation on an agent's app: refused as a usage error.
    let out = ctl(
        &agent,
        &[
            "device",
            "verify",
            "--totp",
            "123456",
            "--passphrase-file",
            pass,
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("(wrong_role)"), "{}", stderr(&out));

    // Enrolled once: a second enrolment is refused.
    let out = ctl(
        &agent,
        &[
            "device",
            "enroll",
            "--agent",
            "--desk",
            &desk.url,
            "--code",
            &desk.agent_code(),
            "--fingerprint",
            &desk.fingerprint,
            "--key-store",
            "file",
            "--passphrase-file",
            pass,
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("(already_enrolled)"),
        "{}",
        stderr(&out)
    );

    // The employee's device still reads as an employee's.
    let dev = work.path().join("dev");
    desk.enroll(&dev, pass);
    let s = json(ok(&ctl(&dev, &["device", "status", "--json"])));
    assert_eq!(s["role"], "employee");
    assert!(s.get("agent").is_none());
    desk.stop();
}

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use verity_desk::support::store::SupportStore;
use verity_device::{Clock, SystemClock};

/// The organisation's audit key: the desk seals nothing, the apps seal transcripts to it.
fn set_audit_recipient(desk: &LoopbackDesk) -> String {
    let (identity, recipient) = verity_support::audit_keygen();
    verity_desk::SqliteStore::open(desk.dir.path())
        .unwrap()
        .set_audit_recipient(Some(&recipient), SystemClock.now())
        .unwrap();
    identity
}

/// A passphrase file in `work`.
fn pass_file(work: &std::path::Path) -> String {
    let pass = work.join("pass");
    std::fs::write(&pass, "a device passphrase\n").unwrap();
    pass.to_str().unwrap().to_owned()
}

/// The current TOTP code of an enrolment's answer.
fn totp_now(enrolled: &serde_json::Value) -> String {
    let secret = data_encoding::BASE32_NOPAD
        .decode(enrolled["totp_secret"].as_str().unwrap().as_bytes())
        .unwrap();
    verity_desk::totp::code_at(&secret, SystemClock.now()).unwrap()
}

/// `verityctl agent serve` in the background, its JSON lines on a channel.
struct AgentProcess {
    child: Child,
    lines: mpsc::Receiver<serde_json::Value>,
    seen: Vec<serde_json::Value>,
}

impl AgentProcess {
    fn start(dir: &std::path::Path, pass: &str, extra: &[&str]) -> AgentProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_verityctl"))
            .arg("--data-dir")
            .arg(dir)
            .args(["agent", "serve", "--json", "--passphrase-file", pass])
            .args(extra)
            .env_remove("VERITY_DATA_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let v: serde_json::Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        AgentProcess {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// Waits (30 s at most) for an event that `pred` accepts.
    fn wait_for(
        &mut self,
        what: &str,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        if let Some(v) = self.seen.iter().find(|v| pred(v)) {
            return v.clone();
        }
        let until = Instant::now() + Duration::from_secs(30);
        while let Ok(v) = self
            .lines
            .recv_timeout(until.saturating_duration_since(Instant::now()))
        {
            self.seen.push(v.clone());
            if pred(&v) {
                return v;
            }
        }
        panic!("the agent never said {what}: {:?}", self.seen);
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn event(v: &serde_json::Value, name: &str) -> bool {
    v["event"] == name
}

#[test]
fn a_session_from_the_command_line_shows_the_verified_agent_and_the_status_follows() {
    let desk = LoopbackDesk::start();
    set_audit_recipient(&desk);
    let work = tempfile::tempdir().unwrap();
    let pass = pass_file(work.path());
    let (emp, agent_dir) = (work.path().join("emp"), work.path().join("agent"));
    let enrolled = desk.enroll(&emp, &pass);
    let a = desk.enroll_agent(&agent_dir, &pass);

    // Before: verified, no one.
    let s = json(ok(&ctl(
        &emp,
        &["support", "status", "--json", "--passphrase-file", &pass],
    )));
    assert_eq!(s["state"], "none", "{s}");

    let mut agent = AgentProcess::start(
        &agent_dir,
        &pass,
        &["--reply", "Hello, this is Mei from support."],
    );
    agent.wait_for("connected", |v| {
        event(v, "connection") && v["connected"] == true
    });
    std::thread::sleep(Duration::from_millis(300));

    let out = ctl(
        &emp,
        &[
            "support",
            "open",
            "--category",
            "account",
            "--message",
            "My account is locked",
            "--totp",
            &totp_now(&enrolled),
            "--language",
            "en",
            "--locale",
            "en-HK",
            "--time-zone",
            "Asia/Hong_Kong",
            "--wait-agent",
            "30",
            "--wait-reply",
            "30",
            "--json",
            "--passphrase-file",
            &pass,
        ],
    );
    let o = json(ok(&out));
    // The agent's identity, from the certificate the handshake verified.
    assert_eq!(o["agent"]["name"], "Mei Lam", "{o}");
    assert_eq!(o["agent"]["team"], "Accounts");
    assert_eq!(o["agent"]["role"], "agent");
    assert_eq!(o["agent"]["organisation"], "Acme HK");
    assert_eq!(o["agent"]["fingerprint"], a["certificate_fingerprint"]);
    assert_eq!(o["reply"]["text"], "Hello, this is Mei from support.");
    assert_eq!(o["reply"]["guard"], serde_json::json!([]));
    assert_eq!(o["region"], "HK");
    let sid = o["session_id"].as_str().unwrap().to_owned();

    // The agent saw the employee as their certificate says, and the first message.
    let v = agent.wait_for("verified", |v| event(v, "verified"));
    assert_eq!(v["session_id"], sid.as_str());
    assert_eq!(v["employee"]["name"], "Chan Tai Man");
    assert_eq!(v["employee"]["employee_id"], "e100");
    let m = agent.wait_for("the first message", |v| event(v, "message"));
    assert_eq!(m["text"], "My account is locked");

    // During: chatting, with the agent's name and certificate.
    let s = json(ok(&ctl(
        &emp,
        &["support", "status", "--json", "--passphrase-file", &pass],
    )));
    assert_eq!(s["state"], "chatting", "{s}");
    assert_eq!(s["session_id"], sid.as_str());
    assert_eq!(s["agent_name"], "Mei Lam");
    assert_eq!(s["agent_fingerprint"], a["certificate_fingerprint"]);
    let text = stdout(ok(&ctl(
        &emp,
        &["support", "status", "--passphrase-file", &pass],
    )));
    assert!(text.contains("Mei Lam is chatting with you"), "{text}");

    // A second open while one is open: the desk's code, exit status 3.
    let out = ctl(
        &emp,
        &[
            "support",
            "open",
            "--category",
            "login",
            "--message",
            "again",
            "--totp",
            "000000",
            "--passphrase-file",
            &pass,
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).ends_with(")\n"), "{}", stderr(&out));

    // Closed: the agent is told; after, no one.
    let c = json(ok(&ctl(
        &emp,
        &[
            "support",
            "close",
            "--session",
            &sid,
            "--json",
            "--passphrase-file",
            &pass,
        ],
    )));
    assert_eq!(c["outcome"], "abandoned");
    let closed = agent.wait_for("closed", |v| event(v, "closed"));
    assert_eq!(closed["session_id"], sid.as_str());
    let s = json(ok(&ctl(
        &emp,
        &["support", "status", "--json", "--passphrase-file", &pass],
    )));
    assert_eq!(s["state"], "none", "{s}");
    drop(agent);
    desk.stop();
}

#[test]
fn the_status_says_it_cannot_check_with_its_own_exit_status() {
    let desk = LoopbackDesk::start();
    let work = tempfile::tempdir().unwrap();
    let pass = pass_file(work.path());
    // Not enrolled.
    let out = ctl(&work.path().join("none"), &["support", "status", "--json"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(json(&out)["state"], "cannot_check");
    assert_eq!(json(&out)["reason"], "not_enrolled");
    // A key file without its passphrase.
    let emp = work.path().join("emp");
    desk.enroll(&emp, &pass);
    let out = ctl(&emp, &["support", "status", "--json"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(json(&out)["reason"], "passphrase_needed");
    // Offline: the desk stopped.
    desk.stop();
    let out = ctl(&emp, &["support", "status", "--passphrase-file", &pass]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stdout(&out).contains("Can't check (offline)"),
        "{}",
        stdout(&out)
    );
    // An agent's app has no status of its own.
    let desk = LoopbackDesk::start();
    let agent = work.path().join("agent");
    desk.enroll_agent(&agent, &pass);
    let out = ctl(
        &agent,
        &["support", "status", "--json", "--passphrase-file", &pass],
    );
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(json(&out)["reason"], "wrong_role");
    desk.stop();
}

/// A device context for a data directory enrolled by the command line (key file).
fn context(dir: &std::path::Path, pass: &str) -> Arc<verity_device::DeviceContext> {
    let mut ctx = verity_device::DeviceContext::new(dir.to_path_buf(), "0.1.0");
    ctx.passphrase =
        Some(verity_device::sealed::read_passphrase_file(std::path::Path::new(pass)).unwrap());
    ctx.key_store = verity_device::KeyStoreChoice::File;
    ctx.signals.timezone = Some("Asia/Hong_Kong".into());
    ctx.signals.locale = Some("en-HK".into());
    Arc::new(ctx)
}

fn next_agent_event(
    a: &verity_flows::support::AgentConnection,
    what: &str,
    pred: impl Fn(&verity_flows::support::AgentEvent) -> bool,
) -> verity_flows::support::AgentEvent {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if let Some(e) = a.next_event(Duration::from_millis(200)) {
            if pred(&e) {
                return e;
            }
        }
    }
    panic!("the agent never got {what}");
}

#[test]
fn a_dropped_connection_loses_no_message_and_shows_none_twice() {
    use verity_device::proto::{Outcome, SupportCategory};
    use verity_flows::support::{self as flows, AgentEvent, OpenParams, SessionEvent};

    let desk = LoopbackDesk::start();
    let identity = set_audit_recipient(&desk);
    let work = tempfile::tempdir().unwrap();
    let pass = pass_file(work.path());
    let (emp_dir, agent_dir) = (work.path().join("emp"), work.path().join("agent"));
    let enrolled = desk.enroll(&emp_dir, &pass);
    desk.enroll_agent(&agent_dir, &pass);

    let agent = flows::agent_connect(context(&agent_dir, &pass)).unwrap();
    next_agent_event(&agent, "connected", |e| {
        matches!(e, AgentEvent::Connection { connected: true })
    });
    std::thread::sleep(Duration::from_millis(300));
    let emp = flows::open(
        context(&emp_dir, &pass),
        OpenParams {
            category: SupportCategory::Billing,
            language: "en".into(),
            totp: totp_now(&enrolled),
            first_message: "first".into(),
        },
    )
    .unwrap();
    let sid = emp.session_id().to_owned();
    let AgentEvent::Offer { session_id, .. } = next_agent_event(&agent, "an offer", |e| {
        matches!(e, AgentEvent::Offer { .. })
    }) else {
        unreachable!()
    };
    assert_eq!(session_id, sid);
    agent.accept(&sid).unwrap();
    next_agent_event(&agent, "the verified employee", |e| {
        matches!(e, AgentEvent::Verified { .. })
    });

    // Both sides talk while each drops its connection once mid-stream.
    let (mut to_agent, mut to_emp) = (vec!["first".to_owned()], Vec::new());
    let (mut agent_got, mut emp_got) = (Vec::new(), Vec::new());
    let mut emp_events = Vec::new();
    let drain = |agent_got: &mut Vec<String>,
                 emp_got: &mut Vec<String>,
                 emp_events: &mut Vec<SessionEvent>| {
        while let Some(e) = agent.next_event(Duration::from_millis(10)) {
            if let AgentEvent::Message { text, .. } = e {
                agent_got.push(text);
            }
        }
        while let Some(e) = emp.next_event(Duration::from_millis(10)) {
            if let SessionEvent::Message { text, .. } = &e {
                emp_got.push(text.clone());
            }
            emp_events.push(e);
        }
    };
    for i in 0..6 {
        let (e, a) = (
            format!("from the employee {i}"),
            format!("from the agent {i}"),
        );
        emp.send_text(&e).unwrap();
        agent.send_text(&sid, &a).unwrap();
        to_agent.push(e);
        to_emp.push(a);
        if i == 2 {
            emp.reconnect().unwrap();
        }
        if i == 4 {
            agent.reconnect().unwrap();
        }
        std::thread::sleep(Duration::from_millis(400));
        drain(&mut agent_got, &mut emp_got, &mut emp_events);
    }
    let until = Instant::now() + Duration::from_secs(30);
    while (agent_got.len() < to_agent.len() || emp_got.len() < to_emp.len())
        && Instant::now() < until
    {
        drain(&mut agent_got, &mut emp_got, &mut emp_events);
    }
    // Settle: nothing arrives twice afterwards.
    std::thread::sleep(Duration::from_millis(1500));
    drain(&mut agent_got, &mut emp_got, &mut emp_events);
    assert_eq!(agent_got, to_agent, "the agent's view");
    assert_eq!(emp_got, to_emp, "the employee's view");
    assert!(emp_events
        .iter()
        .any(|e| matches!(e, SessionEvent::Connection { connected: false })));
    // Every one of the employee's messages was delivered, once each.
    let delivered: Vec<u64> = emp_events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Delivery {
                seq,
                state: flows::DeliveryState::Delivered,
            } => Some(*seq),
            _ => None,
        })
        .collect();
    let mut unique = delivered.clone();
    unique.dedup();
    assert_eq!(delivered, unique, "a delivery said twice");
    assert!(delivered.len() >= to_agent.len(), "{delivered:?}");

    // The agent closes with a summary: the employee gets it from the channel, then the
    // transcript is sealed and uploaded.
    agent
        .close(&sid, Outcome::Resolved, "Your account is unlocked.")
        .unwrap();
    let mut closed = None;
    let mut uploaded = false;
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until && !uploaded {
        match emp.next_event(Duration::from_millis(200)) {
            Some(SessionEvent::Closed { outcome, summary }) => closed = Some((outcome, summary)),
            Some(SessionEvent::TranscriptUploaded { .. }) => uploaded = true,
            Some(SessionEvent::Error { code }) => panic!("error {code}"),
            _ => {}
        }
    }
    assert_eq!(
        closed,
        Some((
            Outcome::Resolved,
            Some("Your account is unlocked.".to_owned())
        ))
    );
    assert!(uploaded, "the transcript was not uploaded");
    // The auditor opens it with the organisation's identity: both certificates, both chains.
    let sealed = verity_desk::SqliteStore::open(desk.dir.path())
        .unwrap()
        .transcript(&sid, "e2a")
        .unwrap()
        .expect("the employee's transcript");
    let org_key = verity_device::proto::parse_public_key(
        verity_device::device::status(&context(&emp_dir, &pass))
            .unwrap()
            .binding
            .unwrap()
            .org
            .public_key
            .as_str(),
        "org",
    )
    .unwrap();
    let t = verity_support::open_and_verify(&sealed, &identity, &org_key).unwrap();
    assert_eq!(t.session_id, sid);
    assert_eq!(t.agent.agent.name, "Mei Lam");
    assert_eq!(t.employee.employee_id, "e100");
    let texts: Vec<String> = t.legs[0]
        .messages
        .iter()
        .filter_map(|e| match &e.message {
            verity_support::Message::Text { text } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), to_agent.len() + to_emp.len(), "{texts:?}");
    assert!(t.fully_signed(), "{:?}", t.legs);
    for m in to_agent.iter().chain(&to_emp) {
        assert_eq!(texts.iter().filter(|t| *t == m).count(), 1, "{m}");
    }
    // The screen's view: every message once, in order per side, the employee's delivered.
    let v = emp.view();
    assert_eq!(v.phase, flows::SessionPhase::Closed);
    assert!(v.transcript_uploaded);
    assert_eq!(v.agent.as_ref().map(|a| a.name.as_str()), Some("Mei Lam"));
    let side = |from| -> Vec<&str> {
        v.messages
            .iter()
            .filter(|m| m.from == from)
            .map(|m| m.text.as_str())
            .collect()
    };
    assert_eq!(
        side(flows::MessageFrom::Me),
        to_agent.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(
        side(flows::MessageFrom::Peer),
        to_emp.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(v
        .messages
        .iter()
        .filter(|m| m.from == flows::MessageFrom::Me)
        .all(|m| m.delivery == Some(flows::ViewDelivery::Delivered)));
    emp.stop();
    agent.stop();
    desk.stop();
}

#[test]
fn each_role_is_refused_where_the_other_is_needed() {
    use verity_device::proto::{Control, OpenRequest, SupportCategory};
    use verity_device::state::DeviceRole;
    use verity_device::support::Binding;
    use verity_device::ws::Incoming;

    let desk = LoopbackDesk::start();
    set_audit_recipient(&desk);
    let work = tempfile::tempdir().unwrap();
    let pass = pass_file(work.path());
    let (emp_dir, agent_dir) = (work.path().join("emp"), work.path().join("agent"));
    desk.enroll(&emp_dir, &pass);
    desk.enroll_agent(&agent_dir, &pass);

    // Locally: an employee's device cannot serve as an agent, nor the reverse.
    let out = ctl(&emp_dir, &["agent", "serve", "--passphrase-file", &pass]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("(wrong_role)"), "{}", stderr(&out));
    let out = ctl(
        &agent_dir,
        &[
            "support",
            "open",
            "--category",
            "other",
            "--message",
            "hi",
            "--passphrase-file",
            &pass,
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("(wrong_role)"), "{}", stderr(&out));

    // At the desk: an agent's certificate cannot open a session…
    let actx = context(&agent_dir, &pass);
    let agent = Binding::load(&actx, DeviceRole::Agent).unwrap();
    let err = agent
        .open(
            &actx,
            &OpenRequest {
                category: SupportCategory::Other,
                language: "en".into(),
                totp: "000000".into(),
                signals: actx.signals.clone(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
    // …and an employee's cannot go online as an agent.
    let ectx = context(&emp_dir, &pass);
    let emp = Binding::load(&ectx, DeviceRole::Employee).unwrap();
    let mut ws = emp.connect(&ectx, Duration::from_millis(200)).unwrap();
    ws.send_control(&Control::Presence { online: true })
        .unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    let code = loop {
        assert!(Instant::now() < until, "no refusal");
        if let Some(Incoming::Control(Control::Error { code, .. })) = ws.recv().unwrap() {
            break code;
        }
    };
    assert_eq!(code, "forbidden");
    ws.close();
    desk.stop();
}

#[test]
fn the_spoken_code_matches_on_both_sides_and_a_mismatch_is_reported_to_it() {
    use verity_device::proto::SupportCategory;
    use verity_flows::support::{self as flows, AgentEvent, OpenParams, SessionEvent};

    let desk = LoopbackDesk::start();
    set_audit_recipient(&desk);
    let work = tempfile::tempdir().unwrap();
    let pass = pass_file(work.path());
    let (emp_dir, agent_dir) = (work.path().join("emp"), work.path().join("agent"));
    let enrolled = desk.enroll(&emp_dir, &pass);
    desk.enroll_agent(&agent_dir, &pass);
    let agent = flows::agent_connect(context(&agent_dir, &pass)).unwrap();
    next_agent_event(&agent, "connected", |e| {
        matches!(e, AgentEvent::Connection { connected: true })
    });
    std::thread::sleep(Duration::from_millis(300));
    let emp = flows::open(
        context(&emp_dir, &pass),
        OpenParams {
            category: SupportCategory::Security,
            language: "en".into(),
            totp: totp_now(&enrolled),
            first_message: "Someone called me".into(),
        },
    )
    .unwrap();
    let sid = emp.session_id().to_owned();
    next_agent_event(&agent, "an offer", |e| {
        matches!(e, AgentEvent::Offer { .. })
    });
    agent.accept(&sid).unwrap();
    next_agent_event(&agent, "the first message", |e| {
        matches!(e, AgentEvent::Message { .. })
    });

    let next_emp = |what: &str, pred: &dyn Fn(&SessionEvent) -> bool| -> SessionEvent {
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if let Some(e) = emp.next_event(Duration::from_millis(200)) {
                if pred(&e) {
                    return e;
                }
            }
        }
        panic!("the employee never got {what}");
    };

    // A call: the agent's app commits, the employee's replies, the agent's reveals; both derive
    // the same code; the organisation's status says "calling".
    let call = agent.start_call(&sid).unwrap();
    let AgentEvent::CodeToRead { call_id, code, .. } =
        next_agent_event(&agent, "the code to read", |e| {
            matches!(e, AgentEvent::CodeToRead { .. })
        })
    else {
        unreachable!()
    };
    assert_eq!(call_id, call);
    let SessionEvent::CodeToCompare {
        call_id: c2,
        code: shown,
    } = next_emp("the code to compare", &|e| {
        matches!(e, SessionEvent::CodeToCompare { .. })
    })
    else {
        unreachable!()
    };
    assert_eq!(c2, call);
    assert_eq!(shown, code);
    assert_eq!(shown.len(), 7, "{shown}");
    let s = verity_flows::support::status(&context(&emp_dir, &pass));
    assert!(
        matches!(&s, verity_flows::support::LiveStatus::Calling { call_id, agent_name, .. } if *call_id == call && agent_name == "Mei Lam"),
        "{s:?}"
    );

    // The employee says the caller read another code: an alert, a report to IT, and the
    // agent's app learns the result.
    let answer = emp.confirm_code(&call, false).unwrap();
    assert_eq!(answer.alert.as_deref(), Some("code_mismatch"));
    assert!(answer.report_id.is_some(), "{answer:?}");
    let AgentEvent::CodeResult { matched, .. } = next_agent_event(&agent, "the result", |e| {
        matches!(e, AgentEvent::CodeResult { .. })
    }) else {
        unreachable!()
    };
    assert!(!matched);
    // One comparison per call.
    assert!(emp.confirm_code(&call, true).is_err());
    let filed =
        verity_desk::admin::show_report(desk.dir.path(), answer.report_id.unwrap()).unwrap();
    assert_eq!(filed.report.kind, "support_message");
    assert_eq!(
        filed.report.verdict,
        vec!["support_code_mismatch".to_owned(), format!("session_{sid}")]
    );
    emp.stop();
    agent.stop();
    desk.stop();
}

#[test]
fn one_agent_holds_two_sessions_and_each_message_goes_to_its_own() {
    use verity_device::proto::SupportCategory;
    use verity_flows::support::{self as flows, AgentEvent, OpenParams, SessionEvent};

    let desk = LoopbackDesk::start();
    set_audit_recipient(&desk);
    let work = tempfile::tempdir().unwrap();
    let pass = pass_file(work.path());
    let agent_dir = work.path().join("agent");
    desk.enroll_agent(&agent_dir, &pass);
    let agent = flows::agent_connect(context(&agent_dir, &pass)).unwrap();
    assert_eq!(agent.capacity(), 3);
    next_agent_event(&agent, "connected", |e| {
        matches!(e, AgentEvent::Connection { connected: true })
    });
    std::thread::sleep(Duration::from_millis(300));

    let mut sessions = Vec::new();
    for (i, who) in ["e201", "e202"].into_iter().enumerate() {
        let dir = work.path().join(who);
        let code = verity_desk::admin::create_enroll_code(
            desk.dir.path(),
            None,
            who,
            &format!("Employee {who}"),
            3600,
            &SystemClock,
        )
        .unwrap()
        .0
        .as_str()
        .to_owned();
        let enrolled = json(ok(&ctl(
            &dir,
            &[
                "device",
                "enroll",
                "--desk",
                &desk.url,
                "--code",
                &code,
                "--fingerprint",
                &desk.fingerprint,
                "--key-store",
                "file",
                "--passphrase-file",
                &pass,
                "--time-zone",
                "Asia/Hong_Kong",
                "--json",
            ],
        )));
        let emp = flows::open(
            context(&dir, &pass),
            OpenParams {
                category: SupportCategory::Login,
                language: "en".into(),
                totp: totp_now(&enrolled),
                first_message: format!("hello from {who}"),
            },
        )
        .unwrap();
        let sid = emp.session_id().to_owned();
        next_agent_event(
            &agent,
            "an offer",
            |e| matches!(e, AgentEvent::Offer { session_id, .. } if *session_id == sid),
        );
        agent.accept(&sid).unwrap();
        let AgentEvent::Message {
            session_id, text, ..
        } = next_agent_event(&agent, "the first message", |e| {
            matches!(e, AgentEvent::Message { .. })
        })
        else {
            unreachable!()
        };
        assert_eq!(
            (session_id.as_str(), text.as_str()),
            (sid.as_str(), format!("hello from {who}").as_str()),
            "session {i}"
        );
        sessions.push((sid, emp));
    }
    // Answers go to their own session only.
    for (sid, _) in &sessions {
        agent.send_text(sid, &format!("answer for {sid}")).unwrap();
    }
    for (sid, emp) in &sessions {
        let until = Instant::now() + Duration::from_secs(30);
        let got = loop {
            assert!(Instant::now() < until, "no answer in {sid}");
            if let Some(SessionEvent::Message { text, .. }) =
                emp.next_event(Duration::from_millis(200))
            {
                break text;
            }
        };
        assert_eq!(got, format!("answer for {sid}"));
    }
    for (_, emp) in sessions {
        emp.stop();
    }
    agent.stop();
    desk.stop();
}

/// Enrols `who` (a new employee) from the command line; the enrolment's JSON.
fn enroll_employee(
    desk: &LoopbackDesk,
    dir: &std::path::Path,
    who: &str,
    pass: &str,
) -> serde_json::Value {
    let code = verity_desk::admin::create_enroll_code(
        desk.dir.path(),
        None,
        who,
        &format!("Employee {who}"),
        3600,
        &SystemClock,
    )
    .unwrap()
    .0
    .as_str()
    .to_owned();
    json(ok(&ctl(
        dir,
        &[
            "device",
            "enroll",
            "--desk",
            &desk.url,
            "--code",
            &code,
            "--fingerprint",
            &desk.fingerprint,
            "--key-store",
            "file",
            "--passphrase-file",
            pass,
            "--time-zone",
            "Asia/Hong_Kong",
            "--json",
        ],
    )))
}

fn open_args<'a>(totp: &'a str, pass: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "support",
        "open",
        "--category",
        "billing",
        "--message",
        "A charge I do not know",
        "--totp",
        totp,
        "--locale",
        "en-HK",
        "--time-zone",
        "Asia/Hong_Kong",
        "--wait-agent",
        "30",
        "--wait-reply",
        "30",
        "--json",
        "--passphrase-file",
        pass,
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn the_employee_closes_and_uploads_the_transcript_from_the_command_line() {
    let desk = LoopbackDesk::start();
    let identity = set_audit_recipient(&desk);
    let work = tempfile::tempdir().unwrap();
    let pass = pass_file(work.path());
    let agent_dir = work.path().join("agent");
    desk.enroll_agent(&agent_dir, &pass);
    let mut agent = AgentProcess::start(&agent_dir, &pass, &["--reply", "Let me look."]);
    agent.wait_for("connected", |v| {
        event(v, "connection") && v["connected"] == true
    });
    std::thread::sleep(Duration::from_millis(300));

    let emp = work.path().join("e301");
    let enrolled = enroll_employee(&desk, &emp, "e301", &pass);
    let totp = totp_now(&enrolled);
    let o = json(ok(&ctl(&emp, &open_args(&totp, &pass, &["--close"]))));
    assert_eq!(o["reply"]["text"], "Let me look.", "{o}");
    assert_eq!(o["outcome"], "abandoned");
    assert_eq!(o["transcript_uploaded"], true);
    let sid = o["session_id"].as_str().unwrap().to_owned();
    let closed = agent.wait_for("closed", |v| event(v, "closed"));
    assert_eq!(closed["session_id"], sid.as_str());
    let sealed = verity_desk::SqliteStore::open(desk.dir.path())
        .unwrap()
        .transcript(&sid, "e2a")
        .unwrap()
        .unwrap();
    // The employee closed, yet the agent's final checkpoint is in it: the employee's app told
    // the desk only once it had come back.
    let org_key = verity_device::proto::parse_public_key(
        &verity_desk::admin::org_show(desk.dir.path())
            .unwrap()
            .0
            .public_key,
        "org",
    )
    .unwrap();
    let t = verity_support::open_and_verify(&sealed, &identity, &org_key).unwrap();
    assert!(t.fully_signed(), "{:?}", t.legs);
    drop(agent);
    desk.stop();
}

#[test]
fn the_headless_agent_closes_after_n_messages_and_the_status_says_none() {
    let desk = LoopbackDesk::start();
    set_audit_recipient(&desk);
    let work = tempfile::tempdir().unwrap();
    let pass = pass_file(work.path());
    let agent_dir = work.path().join("agent");
    desk.enroll_agent(&agent_dir, &pass);
    let mut agent = AgentProcess::start(
        &agent_dir,
        &pass,
        &["--reply", "Done, goodbye.", "--close-after", "1"],
    );
    agent.wait_for("connected", |v| {
        event(v, "connection") && v["connected"] == true
    });
    std::thread::sleep(Duration::from_millis(300));

    let emp = work.path().join("e302");
    let enrolled = enroll_employee(&desk, &emp, "e302", &pass);
    let totp = totp_now(&enrolled);
    let o = json(ok(&ctl(&emp, &open_args(&totp, &pass, &[]))));
    assert_eq!(o["reply"]["text"], "Done, goodbye.", "{o}");
    let closed = agent.wait_for("closed", |v| event(v, "closed"));
    assert_eq!(closed["outcome"], "resolved");
    let s = json(ok(&ctl(
        &emp,
        &["support", "status", "--json", "--passphrase-file", &pass],
    )));
    assert_eq!(s["state"], "none", "{s}");
    drop(agent);
    desk.stop();
}

#[test]
fn with_no_agent_online_the_session_waits_and_the_status_says_queued() {
    let desk = LoopbackDesk::start();
    set_audit_recipient(&desk);
    let work = tempfile::tempdir().unwrap();
    let pass = pass_file(work.path());
    let emp = work.path().join("e303");
    let enrolled = enroll_employee(&desk, &emp, "e303", &pass);
    let totp = totp_now(&enrolled);
    let mut args = open_args(&totp, &pass, &[]);
    let at = args.iter().position(|a| *a == "--wait-agent").unwrap();
    args[at + 1] = "2";
    let out = ctl(&emp, &args);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("(no_agent)"), "{}", stderr(&out));
    let o = json(&out);
    assert_eq!(o["position"], 1);
    assert!(o["agent"].is_null());
    let s = json(ok(&ctl(
        &emp,
        &["support", "status", "--json", "--passphrase-file", &pass],
    )));
    assert_eq!(s["state"], "queued", "{s}");
    assert_eq!(s["session_id"], o["session_id"]);
    desk.stop();
}
