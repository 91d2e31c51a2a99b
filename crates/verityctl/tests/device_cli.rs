//! `verityctl device` against a desk running in this process on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

use std::process::Command;
use verity_desk::admin;
use verity_device::{Clock, SystemClock};

fn assert_check(v: &serde_json::Value, name: &str, ok: bool, code: &str) {
    let c = &v[name];
    assert_eq!(c["ok"], ok, "{name}: {c}");
    assert_eq!(c["code"], code, "{name}: {c}");
    assert!(
        c["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{name}: {c}"
    );
}

/// `verityctl device verify --totp CODE --passphrase-file PASS EXTRA…`.
fn verify(dev: &std::path::Path, totp: &str, pass: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "device",
        "verify",
        "--totp",
        totp,
        "--passphrase-file",
        pass,
    ];
    args.extend_from_slice(extra);
    ctl(dev, &args)
}

#[test]
fn enroll_verify_status_unbind() {
    let desk = LoopbackDesk::start();
    let work = tempfile::tempdir().unwrap();
    let (url, org_fp) = (desk.url.clone(), desk.fingerprint.clone());
    let code = desk.code();
    let pass = work.path().join("pass");
    std::fs::write(&pass, "a device passphrase\n").unwrap();
    let pass = pass.to_str().unwrap();
    let dev = work.path().join("dev");

    // The file store needs a passphrase: a usage error.
    let out = ctl(
        &dev,
        &[
            "device",
            "enroll",
            "--desk",
            &url,
            "--code",
            &code,
            "--fingerprint",
            &org_fp,
            "--key-store",
            "file",
        ],
    );
    assert_eq!(out.status.code(), Some(2));

    let e = desk.enroll(&dev, pass);
    assert!(e["totp_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    assert_eq!(e["org_fingerprint"], org_fp.as_str());
    assert_eq!(
        e["device_fingerprint"].as_str().unwrap().split(' ').count(),
        16
    );
    assert_eq!(e["key_store"], "file");
    assert_eq!(e["region"]["code"], "region_no_policy");

    // Status, without the passphrase (the key is not opened).
    let out = ctl(&dev, &["device", "status", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let s = json(&out);
    assert_eq!(s["bound"], true);
    assert_eq!(s["two_factor"], "pending");
    assert_eq!(s["org"]["fingerprint"], org_fp.as_str());
    assert_eq!(s["key_present"], true);

    // Verify with the current code: the three checks.
    let secret = data_encoding::BASE32_NOPAD
        .decode(e["totp_secret"].as_str().unwrap().as_bytes())
        .unwrap();
    let totp = verity_desk::totp::code_at(&secret, SystemClock.now()).unwrap();
    let out = verify(&dev, &totp, pass, &["--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = json(&out);
    assert_check(&v, "device_binding", true, "ok");
    assert_check(&v, "two_factor", true, "ok");
    assert_check(&v, "region", true, "region_no_policy");

    // The same code again: refused as reused, exit status 1.
    let out = verify(&dev, &totp, pass, &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_check(&json(&out), "two_factor", false, "totp_reused");
    let s = json(&ctl(&dev, &["device", "status", "--json"]));
    assert_eq!(s["two_factor"], "active");
    assert_eq!(s["last_verify"]["two_factor"]["code"], "totp_reused");

    // A region policy that the reported time zone fails.
    admin::set_policy(desk.dir.path(), "HK", "127.0.0.0/8", &SystemClock).unwrap();
    let out = verify(
        &dev,
        "000000",
        pass,
        &["--time-zone", "Europe/London", "--json"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_check(&json(&out), "region", false, "region_timezone");

    // A wrong passphrase: one line on stderr with its code.
    let wrong = work.path().join("wrong");
    std::fs::write(&wrong, "nope").unwrap();
    let out = verify(&dev, "000000", wrong.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("(wrong_passphrase)"), "{err}");

    // Unbind: the desk revokes the device.
    let out = ctl(
        &dev,
        &["device", "unbind", "--passphrase-file", pass, "--json"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["desk_notified"], true);
    assert_eq!(
        json(&ctl(&dev, &["device", "status", "--json"]))["bound"],
        false
    );
    assert!(admin::list_devices(desk.dir.path()).unwrap()[0]
        .revoked_at
        .is_some());

    desk.stop();
}

#[test]
fn preview_and_enrolment_links() {
    let desk = LoopbackDesk::start();
    let work = tempfile::tempdir().unwrap();
    let (url, org_fp) = (desk.url.clone(), desk.fingerprint.clone());
    let dev = work.path().join("dev");
    let pass = work.path().join("pass");
    std::fs::write(&pass, "a device passphrase\n").unwrap();
    let pass = pass.to_str().unwrap();

    // `device preview` shows who the desk says it is, to compare before enrolling.
    let out = ctl(&dev, &["device", "preview", &url, "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = json(&out);
    assert_eq!(p["org_name"], "Acme HK");
    assert_eq!(p["fingerprint"], org_fp.as_str());
    assert_eq!(p["desk_url"], format!("{url}/"));
    let out = ctl(&dev, &["device", "preview", &url]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&org_fp) && text.contains("Acme HK"), "{text}");

    // An enrolment link, through --link: its own `fp` does not count, the typed one is needed.
    let code = admin::create_enroll_code(desk.dir.path(), None, "e101", "Wong", 3600, &SystemClock)
        .unwrap()
        .0;
    let link = verity_device::link::enroll_link(&url, &code, Some(&org_fp));
    let dev2 = work.path().join("dev2");
    let out = ctl(
        &dev2,
        &[
            "device",
            "enroll",
            "--link",
            &link,
            "--key-store",
            "file",
            "--passphrase-file",
            pass,
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fingerprint"));
    let out = ctl(
        &dev2,
        &[
            "device",
            "enroll",
            "--link",
            &link,
            "--fingerprint",
            "0000 0000",
            "--key-store",
            "file",
            "--passphrase-file",
            pass,
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("(fingerprint_mismatch)"));
    let out = ctl(
        &dev2,
        &[
            "device",
            "enroll",
            "--link",
            &link,
            "--fingerprint",
            &org_fp,
            "--key-store",
            "file",
            "--passphrase-file",
            pass,
            "--time-zone",
            "Asia/Hong_Kong",
            "--json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    desk.stop();
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Windows always has Credential Manager: there is no OS store to take away"
)]
fn no_secure_store_is_said_clearly() {
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_verityctl"))
        .arg("--data-dir")
        .arg(work.path())
        .args([
            "device",
            "enroll",
            "--desk",
            "http://127.0.0.1:9",
            "--code",
            "ABCD-EFGH-JKMN",
            "--fingerprint",
            "0000",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/verity-test-bus",
        )
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no secure key store"), "{err}");
    assert!(err.contains("--key-store file"), "{err}");
    assert!(err.contains("(no_secure_store)"), "{err}");
    // Nothing was written: no state, no key file.
    assert!(!work.path().join("device.json").exists());
    assert!(!work.path().join("device-key.sealed.json").exists());
}
