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
