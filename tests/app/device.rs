//! The device commands through Tauri's mock runtime, against a real desk on 127.0.0.1:0 started in
//! this process: enrol (form and link), status, "verify my device" (ok, a wrong code refused with
//! its code), the two-factor set-up again, unbind, and the coded errors the Device screen
//! branches on.
//!
//! The device key is kept in the passphrase file store (fast key derivation), or in the Secret
//! Service when `VERITY_TEST_SECRET_SERVICE=1` (see `crates/verity-device/tests/secret-service.sh`).

use crate::harness::{self, Harness};
use crate::replies::{DeviceChecks, DeviceEnrolled, DeviceStatus, DeviceUnbound, TwoFactor};

use data_encoding::BASE32_NOPAD;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use verity_app::commands::handlers::DeviceKeyStore;
use verity_desk::{admin, BackgroundDesk, DeskConfig};
use verity_device::proto::RegionSignals;
use verity_device::state::DeviceState;
use verity_device::{Clock as _, KdfParams, ManualClock};

const START: u64 = 1_800_000_000;
const PASSPHRASE: &str = "correct horse battery staple";

pub(crate) fn secret_service() -> bool {
    std::env::var("VERITY_TEST_SECRET_SERVICE").as_deref() == Ok("1")
}

/// The organisation's desk, on loopback, with a manual clock the app shares.
pub(crate) struct Desk {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) clock: Arc<ManualClock>,
    server: Option<BackgroundDesk>,
    pub(crate) url: String,
}

impl Desk {
    pub(crate) fn start() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(START));
        admin::init_org(
            dir.path(),
            "Acme HK",
            None,
            KdfParams::INSECURE_FOR_TESTS,
            clock.as_ref(),
        )
        .unwrap();
        let desk =
            admin::open_desk(dir.path(), None, clock.clone(), DeskConfig::default()).unwrap();
        let server =
            BackgroundDesk::start(Arc::new(desk), "127.0.0.1:0".parse().unwrap(), None).unwrap();
        let url = format!("http://{}", server.addr());
        Desk {
            dir,
            clock,
            server: Some(server),
            url,
        }
    }

    pub(crate) fn code(&self, employee: &str) -> String {
        admin::create_enroll_code(
            self.dir.path(),
            None,
            employee,
            "Chan Tai Man",
            3600,
            self.clock.as_ref(),
        )
        .unwrap()
        .0
        .to_string()
    }

    pub(crate) fn fingerprint(&self) -> String {
        admin::org_show(self.dir.path()).unwrap().1
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop().unwrap();
        }
    }
}

/// The app with a data dir of its own, talking to `desk`'s clock.
pub(crate) fn app_on(desk: &Desk) -> Harness {
    let mut config = harness::device_config();
    config.clock = desk.clock.clone();
    config.signals = Some(RegionSignals {
        timezone: Some("Asia/Hong_Kong".into()),
        locale: Some("zh-HK".into()),
    });
    Harness::builder().device(config).build()
}

/// The device state in the app's data dir, where `verityctl device status` reads it.
fn device_state(app: &Harness) -> Option<DeviceState> {
    DeviceState::load(&app.data_dir()).unwrap()
}

/// The key store arguments: the Secret Service, or the passphrase file.
fn key_args() -> (Value, Value) {
    if secret_service() {
        (json!("os"), Value::Null)
    } else {
        (json!("file"), json!(PASSPHRASE))
    }
}

pub(crate) fn passphrase() -> Value {
    key_args().1
}

pub(crate) fn enroll_args(desk_url: &str, code: &str, fingerprint: Option<&str>) -> Value {
    let (key_store, passphrase) = key_args();
    json!({
        "deskUrl": desk_url,
        "code": code,
        "fingerprint": fingerprint,
        "keyStore": key_store,
        "passphrase": passphrase,
        "deskCa": null,
    })
}

pub(crate) fn totp_now(secret_b32: &str, clock: &ManualClock) -> String {
    let secret = BASE32_NOPAD.decode(secret_b32.as_bytes()).unwrap();
    verity_desk::totp::code_at(&secret, clock.now()).unwrap()
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn enrol_status_verify_and_unbind() {
    let desk = Desk::start();
    let app = app_on(&desk);

    // Not bound yet.
    let s = app.ok("device_status", json!({}));
    assert_eq!(s, json!({"bound": false, "binding": null}));
    assert_eq!(
        app.err(
            "device_verify",
            json!({"totp": "123456", "passphrase": null})
        )["code"],
        "not_enrolled"
    );

    let enrolled = enrol_and_look(&app, &desk);
    let secret = enrolled.totp.as_ref().unwrap().secret.clone();
    let wrong = verify_results(&app, &desk, &secret);
    // Two-factor is active now: the desk refuses a second set-up.
    let e = app.err("device_totp_setup", json!({"passphrase": passphrase()}));
    assert_eq!(e["code"], "desk_refused");
    assert_eq!(e["reason"], "totp_already_set_up");

    if !secret_service() {
        // The key file needs its passphrase, and the right one.
        let e = app.err("device_verify", json!({"totp": wrong, "passphrase": null}));
        assert_eq!(e["code"], "passphrase_needed");
        let e = app.err(
            "device_verify",
            json!({"totp": wrong, "passphrase": "not the passphrase"}),
        );
        assert_eq!(e["code"], "wrong_passphrase");
        // Unbinding without it would leave the desk holding the binding: refused, nothing
        // removed.
        let e = app.err(
            "device_unbind",
            json!({"passphrase": null, "localOnly": false}),
        );
        assert_eq!(e["code"], "passphrase_needed");
        assert!(device_state(&app).is_some());
    }

    nothing_secret_in_clear(&app, &secret);
    unbind_revokes(&app, &desk, &enrolled.binding.device_id);
}

/// Enrols with the announced fingerprint and checks what comes back, what is kept and that a
/// second enrolment is refused.
pub(crate) fn enrol_and_look(app: &Harness, desk: &Desk) -> DeviceEnrolled {
    // Enrol with the announced fingerprint: the organisation, its fingerprint, the device's, the
    // expiry and the two-factor set-up come back.
    let fp = desk.fingerprint();
    let e: DeviceEnrolled = app.ok_as(
        "device_enroll",
        enroll_args(&desk.url, &desk.code("e100"), Some(&fp.to_lowercase())),
    );
    let b = &e.binding;
    assert_eq!(b.org_name, "Acme HK");
    assert_eq!(b.org_fingerprint, fp);
    assert_eq!(b.employee_id, "e100");
    assert_eq!(b.employee_name, "Chan Tai Man");
    assert_eq!(b.two_factor, TwoFactor::Pending);
    assert!(b.certificate_ok);
    assert_eq!(b.key_present, Some(true));
    let key_store = if secret_service() {
        DeviceKeyStore::Os
    } else {
        DeviceKeyStore::File
    };
    assert_eq!(b.key_store, key_store);
    assert!(b.certificate_expires_at.0 > START as i64);
    assert_eq!(b.device_fingerprint.len(), 79);
    let totp = e.totp.as_ref().unwrap();
    let uri = &totp.uri;
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let secret = totp.secret.clone();
    assert!(uri.contains(&secret));
    assert_eq!(e.totp_error, None);
    // No policy on the desk yet: the region check passes with its warning.
    assert!(e.region.ok);
    assert_eq!(e.region.code, "region_no_policy");

    // The state is in the app's data dir, where `verityctl device status` reads it.
    let st = device_state(app).unwrap();
    assert_eq!(st.org.fingerprint, fp);
    assert_eq!(st.desk_url, format!("{}/", desk.url));

    // Status agrees, with no check yet.
    let s: DeviceStatus = app.ok_as("device_status", json!({}));
    assert!(s.bound);
    let binding = s.binding.unwrap();
    assert_eq!(binding.device_id, b.device_id);
    assert!(binding.last_check.is_none());

    // Enrolling again is refused: unbind first.
    assert_eq!(
        app.err(
            "device_enroll",
            enroll_args(&desk.url, &desk.code("e101"), None)
        )["code"],
        "already_enrolled"
    );

    e
}

/// Verifies with the right code, the same code again and a wrong code; the wrong code.
fn verify_results(app: &Harness, desk: &Desk, secret: &str) -> &'static str {
    // Verify with the right code: all three pass; two-factor is now active.
    desk.clock.advance(1);
    let v: DeviceChecks = app.ok_as(
        "device_verify",
        json!({"totp": totp_now(secret, &desk.clock), "passphrase": passphrase()}),
    );
    assert!(v.ok, "{v:?}");
    for (check, c) in [
        ("deviceBinding", &v.device_binding),
        ("twoFactor", &v.two_factor),
        ("region", &v.region),
    ] {
        assert!(c.ok, "{check}: {v:?}");
    }
    assert_eq!(v.two_factor.code, "ok");
    assert_eq!(v.region.code, "region_no_policy");
    let s: DeviceStatus = app.ok_as("device_status", json!({}));
    let binding = s.binding.unwrap();
    assert_eq!(binding.two_factor, TwoFactor::Active);
    let last = binding.last_check.unwrap();
    assert!(last.checks.ok);
    assert_eq!(last.at.0, START as i64 + 1);

    // The same code again is refused as reused; a wrong code as invalid. Both are results with
    // their codes, not errors, and the last check records the failure.
    let code = totp_now(secret, &desk.clock);
    let v: DeviceChecks = app.ok_as(
        "device_verify",
        json!({"totp": code, "passphrase": passphrase()}),
    );
    assert!(!v.ok);
    assert_eq!(v.two_factor.code, "totp_reused");
    desk.clock.advance(30);
    let wrong = if totp_now(secret, &desk.clock) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let v: DeviceChecks = app.ok_as(
        "device_verify",
        json!({"totp": wrong, "passphrase": passphrase()}),
    );
    assert!(!v.ok);
    assert!(v.device_binding.ok);
    assert!(!v.two_factor.ok);
    assert_eq!(v.two_factor.code, "totp_invalid");
    assert!(v.region.ok);
    let s: DeviceStatus = app.ok_as("device_status", json!({}));
    assert_eq!(
        s.binding
            .unwrap()
            .last_check
            .unwrap()
            .checks
            .two_factor
            .code,
        "totp_invalid"
    );

    wrong
}

/// The passphrase and the key never reach the data dir in clear.
fn nothing_secret_in_clear(app: &Harness, secret: &str) {
    for f in files_under(&app.data_dir()) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes
                .windows(PASSPHRASE.len())
                .any(|w| w == PASSPHRASE.as_bytes()),
            "passphrase in {}",
            f.display()
        );
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "TOTP secret in {}",
            f.display()
        );
    }
}

/// Unbind: the desk revokes the device; the key and the state are gone.
fn unbind_revokes(app: &Harness, desk: &Desk, device_id: &str) {
    let u = app.ok(
        "device_unbind",
        json!({"passphrase": passphrase(), "localOnly": false}),
    );
    assert_eq!(u, json!({"deskNotified": true, "deskError": null}));
    assert_eq!(
        app.ok("device_status", json!({})),
        json!({"bound": false, "binding": null})
    );
    assert!(!app
        .data_dir()
        .join(verity_device::keystore::KEY_FILE)
        .exists());
    let devices = admin::list_devices(desk.dir.path()).unwrap();
    let d = devices.iter().find(|d| d.device_id == device_id).unwrap();
    assert!(d.revoked_at.is_some());
    assert_eq!(
        app.err(
            "device_unbind",
            json!({"passphrase": null, "localOnly": true})
        )["code"],
        "not_enrolled"
    );
}

#[test]
fn enrolment_link_and_coded_refusals() {
    let desk = Desk::start();
    let app = app_on(&desk);
    let (key_store, pass) = key_args();
    let link_args = |link: &str, fingerprint: Option<&str>| {
        json!({
            "link": link,
            "fingerprint": fingerprint,
            "keyStore": key_store,
            "passphrase": pass,
            "deskCa": null,
        })
    };

    // Not a link.
    let e = app.err(
        "device_enroll_link",
        link_args("https://desk.example/enroll?code=x", None),
    );
    assert_eq!(e["code"], "invalid_input");

    // A code IT never issued: the desk's refusal, with its code as the reason.
    let e = app.err(
        "device_enroll",
        enroll_args(&desk.url, "ABCD-EFGH-JKMN", Some(&desk.fingerprint())),
    );
    assert_eq!(e["code"], "desk_refused");
    assert_eq!(e["reason"], "enroll_code_invalid");
    assert!(device_state(&app).is_none());

    // Plain http to another machine is refused before anything is sent.
    let e = app.err(
        "device_enroll",
        enroll_args(
            "http://desk.example",
            &desk.code("e1"),
            Some(&desk.fingerprint()),
        ),
    );
    assert_eq!(e["code"], "bad_desk_url");

    // Nobody listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let e = app.err(
        "device_enroll",
        enroll_args(&dead, &desk.code("e2"), Some(&desk.fingerprint())),
    );
    assert_eq!(e["code"], "desk_unreachable");

    // No fingerprint typed: a link's own `fp` never counts (it comes from the same place as the
    // desk address).
    let code = desk.code("e3");
    let wrong_fp = "0000 ".repeat(16);
    let link = verity_device::link::enroll_link(&desk.url, &code, Some(&desk.fingerprint()));
    let e = app.err("device_enroll_link", link_args(&link, None));
    assert_eq!(e["code"], "invalid_input");
    assert_eq!(e["reason"], "fingerprint_required");
    // A typed fingerprint that is not the desk's: refused before the code is sent.
    let e = app.err("device_enroll_link", link_args(&link, Some(&wrong_fp)));
    assert_eq!(e["code"], "fingerprint_mismatch");
    assert!(device_state(&app).is_none());

    // The fingerprint the user typed is the one checked; the code is still good.
    let link = verity_device::link::enroll_link(&desk.url, &code, Some(&wrong_fp));
    let e: DeviceEnrolled = app.ok_as(
        "device_enroll_link",
        link_args(&link, Some(&desk.fingerprint())),
    );
    assert_eq!(e.binding.employee_id, "e3");
    assert_eq!(e.binding.org_fingerprint, desk.fingerprint());

    // A used code, from another device.
    let other = app_on(&desk);
    let e = other.err(
        "device_enroll",
        enroll_args(&desk.url, &code, Some(&desk.fingerprint())),
    );
    assert_eq!(e["code"], "desk_refused");
    assert_eq!(e["reason"], "enroll_code_used");

    // Revoked by IT: verify reports the binding check failed, with its code.
    let id = device_state(&app).unwrap().device_id;
    admin::revoke_device(desk.dir.path(), &id, "laptop lost", desk.clock.as_ref()).unwrap();
    let v: DeviceChecks = app.ok_as(
        "device_verify",
        json!({"totp": "123456", "passphrase": passphrase()}),
    );
    assert!(!v.ok);
    assert_eq!(v.device_binding.code, "device_revoked");
    assert_eq!(v.two_factor.code, "not_checked");
    assert_eq!(v.region.code, "not_checked");

    // Unbinding still forgets locally; the desk's refusal is reported.
    let u: DeviceUnbound = app.ok_as(
        "device_unbind",
        json!({"passphrase": passphrase(), "localOnly": false}),
    );
    assert!(!u.desk_notified);
    assert!(u.desk_error.unwrap().contains("device_revoked"));
    assert!(device_state(&app).is_none());
}

#[test]
fn the_key_file_is_opt_in_and_needs_a_real_passphrase() {
    let desk = Desk::start();
    let app = app_on(&desk);
    let args = |passphrase: Value| {
        json!({
            "deskUrl": desk.url, "code": "ABCD-EFGH-JKMN", "fingerprint": null,
            "keyStore": "file", "passphrase": passphrase, "deskCa": null,
        })
    };
    assert_eq!(
        app.err("device_enroll", args(Value::Null))["code"],
        "passphrase_needed"
    );
    assert_eq!(
        app.err("device_enroll", args(json!("")))["code"],
        "passphrase_needed"
    );
    assert_eq!(
        app.err("device_enroll", args(json!("short")))["code"],
        "invalid_input"
    );
    assert_eq!(
        app.err("device_enroll", args(json!("x".repeat(2000))))["code"],
        "invalid_input"
    );
    assert_eq!(
        app.err(
            "device_verify",
            json!({"totp": "1".repeat(100), "passphrase": null})
        )["code"],
        "invalid_input"
    );
    assert!(device_state(&app).is_none());
}

#[test]
fn no_secure_store_is_said_with_its_code() {
    if secret_service() {
        return; // a Secret Service is running: the OS store is usable.
    }
    // No D-Bus session: the Secret Service cannot be reached. Only this test uses the OS store
    // (the others keep the key in the file store), so the process-wide variable is safe here.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/verity-test-bus",
    );
    let desk = Desk::start();
    let app = app_on(&desk);
    let code = desk.code("e1");
    let fp = desk.fingerprint();
    let e = app.err(
        "device_enroll",
        json!({
            "deskUrl": desk.url, "code": code, "fingerprint": fp,
            "keyStore": "os", "passphrase": null, "deskCa": null,
        }),
    );
    assert_eq!(e["code"], "no_secure_store", "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("no secure key store is usable"),
        "{e}"
    );
    // Nothing was kept, and the code was not spent: the opt-in file store works with it.
    assert!(device_state(&app).is_none());
    let e: DeviceEnrolled = app.ok_as(
        "device_enroll",
        json!({
            "deskUrl": desk.url, "code": code, "fingerprint": fp,
            "keyStore": "file", "passphrase": PASSPHRASE, "deskCa": null,
        }),
    );
    assert_eq!(e.binding.key_store, DeviceKeyStore::File);
}

#[test]
fn other_windows_get_no_device_commands() {
    let desk = Desk::start();
    let h = Harness::builder().label("intruder").build();
    let err = h.invoke("device_status", json!({})).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
    drop(desk);
}

/// Attack: a link from the caller names the caller's desk. Before any code is sent the app shows
/// who the desk says it is (its address, the organisation's name, the fingerprint of the key that
/// signed its fresh answer) for the user to compare with what IT announced; a link's own `fp`
/// never stands in for that.
#[test]
fn the_desk_is_previewed_before_any_code_is_sent() {
    let desk = Desk::start();
    let app = app_on(&desk);
    let p: Value = app.ok(
        "device_preview",
        json!({"target": desk.url, "deskCa": null}),
    );
    assert_eq!(p["orgName"], "Acme HK");
    assert_eq!(p["fingerprint"], desk.fingerprint());
    assert!(p["deskUrl"].as_str().unwrap().starts_with(&desk.url), "{p}");
    // From IT's link: the desk it names, and the link's `fp` (here a wrong one) plays no part.
    let wrong_fp = "0000 ".repeat(16);
    let link = verity_device::link::enroll_link(&desk.url, &desk.code("e9"), Some(&wrong_fp));
    let p: Value = app.ok("device_preview", json!({"target": link, "deskCa": null}));
    assert_eq!(p["fingerprint"], desk.fingerprint());
    // Nothing was kept, and garbage is refused with a clear error.
    assert!(device_state(&app).is_none());
    let e = app.err(
        "device_preview",
        json!({"target": "verity://enroll?code=x", "deskCa": null}),
    );
    assert_eq!(e["code"], "invalid_input");
    let e = app.err(
        "device_preview",
        json!({"target": "ftp://desk", "deskCa": null}),
    );
    assert_eq!(e["code"], "bad_desk_url");
}

/// The organisation's feed arrives signed with the enrolment: it wins over Settings (locked),
/// its root is pinned, and its official directory counts; the change is logged and announced.
#[test]
fn the_organisations_signed_feed_comes_with_the_enrolment_and_pins_its_root() {
    use crate::feed::{v1_list, Feed};
    use verity_app::feed_sync::{FeedConfig, FeedStatus};
    use verity_check::official::OfficialDirectory;
    use verity_feed_policy::config::TrustAnchor;

    let desk = Desk::start();
    let feed = Feed::new();
    let mut directory = OfficialDirectory::dingtalk_default();
    directory.phones.push("+85230010077".into());
    feed.publish_with(v1_list(), Some(directory));
    let server = feed.serve();
    admin::set_org_feed(
        desk.dir.path(),
        &server.url(),
        &feed.repo().join("root.json"),
        desk.clock.as_ref(),
    )
    .unwrap();

    let app = app_on(&desk);
    let fp = desk.fingerprint();
    let _: DeviceEnrolled = app.ok_as(
        "device_enroll",
        enroll_args(&desk.url, &desk.code("e200"), Some(&fp)),
    );
    let cfg: FeedConfig = app.ok_as("feed_config", json!({}));
    assert!(cfg.locked, "{cfg:?}");
    assert_eq!(cfg.locked_by, Some(TrustAnchor::Organisation));
    assert_eq!(cfg.url.as_deref(), Some(server.url().as_str()));
    let err = app.err(
        "set_feed_source",
        json!({"url": "https://attacker.example/", "proxy": ""}),
    );
    assert_eq!(err["code"], "feed_locked", "{err}");

    let _: FeedStatus = app.ok_as("sync_now", json!({}));
    let v: Value = app.ok("check", json!({"input": "+852 3001 0077", "kind": "phone"}));
    assert_eq!(v["verdict"], "official", "{v}");
    let cfg: FeedConfig = app.ok_as("feed_config", json!({}));
    assert!(cfg.pinned);
    assert_eq!(cfg.anchor, Some(TrustAnchor::Organisation));
    let log: Value = app.ok("feed_trust_log", json!({}));
    assert_eq!(log[0]["anchor"], "organisation", "{log}");
    assert_eq!(log[0]["what"], "feed_root", "{log}");
    let notices = app.host.notices.lock().unwrap().clone();
    assert!(
        notices
            .iter()
            .any(|n| n.summary.contains("Your organisation changed")),
        "{notices:?}"
    );
}

#[test]
fn verify_my_device_has_the_desk_countersign_the_audit_head_and_keeps_it() {
    let desk = Desk::start();
    let app = app_on(&desk);
    let e: DeviceEnrolled = app.ok_as(
        "device_enroll",
        enroll_args(&desk.url, &desk.code("e100"), Some(&desk.fingerprint())),
    );
    let secret = e.totp.as_ref().unwrap().secret.clone();

    // An empty log: nothing to anchor.
    desk.clock.advance(1);
    let v: DeviceChecks = app.ok_as(
        "device_verify",
        json!({"totp": totp_now(&secret, &desk.clock), "passphrase": passphrase()}),
    );
    assert!(v.ok, "{v:?}");
    let store = verity_store::Store::open(&app.data_dir()).unwrap();
    assert_eq!(store.audit_anchor().unwrap(), None);

    // A checklist step through the app writes a record; the next verify anchors its head.
    app.ok("acknowledge_official_path", json!({}));
    let head = store.audit_head().unwrap().unwrap();
    desk.clock.advance(30);
    let v: DeviceChecks = app.ok_as(
        "device_verify",
        json!({"totp": totp_now(&secret, &desk.clock), "passphrase": passphrase()}),
    );
    assert!(v.ok, "{v:?}");
    let anchor = store.audit_anchor().unwrap().expect("the anchor is kept");
    assert_eq!(anchor.head(), head);
    assert_eq!(anchor.at.0, START as i64 + 31);
    let st = device_state(&app).unwrap();
    assert_eq!(anchor.device_id, st.device_id);
    assert_eq!(anchor.org_key, st.org.public_key);
    // Its countersignature verifies with the pinned organisation key.
    let org = verity_device::proto::parse_public_key(&st.org.public_key, "org").unwrap();
    verity_device::proto::verify_audit_anchor(
        &org,
        &st.device_id,
        &verity_device::proto::AuditAnchor {
            seq: anchor.seq,
            hash: anchor.hash.clone(),
            at: anchor.at.0 as u64,
            signature: anchor.signature.clone(),
        },
    )
    .unwrap();
    let check = store.verify_audit().unwrap();
    assert!(check.is_intact(), "{check:?}");
    assert_eq!(check.anchor, Some(anchor));
}

#[test]
fn a_tripwire_event_is_reported_to_it_once_enrolled() {
    use tauri::Manager;
    use verity_app::tripwire::{remote_seen, Tripwires};
    use verity_tripwire::watch::EventKind;
    let desk = Desk::start();
    let app = app_on(&desk);
    let tool = verity_tripwire::remote::ToolTable::builtin()
        .get("anydesk")
        .unwrap()
        .clone();
    let seen_at = verity_core::Timestamp(i64::try_from(START).unwrap() - 60);
    let (_, id) = remote_seen(
        &app.state(),
        &app.app.state::<Tripwires>(),
        EventKind::RemoteTool,
        &tool,
        false,
        seen_at,
    )
    .unwrap();
    let id = id.unwrap();
    let args = |note: &str| json!({ "id": id, "note": note, "passphrase": passphrase() });

    // Not enrolled: nothing to sign with, nothing sent, nothing marked.
    let e = app.err("report_tripwire", args("the caller asked me to install it"));
    assert_eq!(e["code"], "not_enrolled", "{e}");

    enrol_and_look(&app, &desk);
    // A note with a hidden right-to-left override is refused before anything is sent.
    let e = app.err("report_tripwire", args("call \u{202e}5432 1003 258+"));
    assert_eq!(e["code"], "invalid_input", "{e}");
    assert_eq!(e["reason"], "report_note_invalid", "{e}");
    // An event that does not exist.
    let e = app.err(
        "report_tripwire",
        json!({ "id": 999_999, "note": "", "passphrase": passphrase() }),
    );
    assert_eq!(e["reason"], "no_such_event", "{e}");

    let sent = app.ok("report_tripwire", args("the caller asked me to install it"));
    assert_eq!(sent["tool"], "AnyDesk");
    assert!(sent["reportedAt"].is_u64(), "{sent}");
    let listed = app.ok("tripwire_events", json!({}));
    assert_eq!(listed[0]["reportedAt"], sent["reportedAt"]);
    // The desk keeps it, as IT's triage queue shows it: the tool and the employee's note.
    let groups = admin::list_reports(desk.dir.path(), None).unwrap();
    assert_eq!(groups.len(), 1);
    let g = serde_json::to_value(&groups[0]).unwrap();
    assert_eq!(g["item"], "anydesk", "{g}");
    assert_eq!(g["count"], 1, "{g}");
}

#[test]
fn a_note_for_it_that_holds_a_one_time_code_is_never_sent() {
    use tauri::Manager;
    use verity_app::tripwire::{remote_seen, Tripwires};
    use verity_tripwire::watch::EventKind;
    let desk = Desk::start();
    let app = app_on(&desk);
    enrol_and_look(&app, &desk);
    let tool = verity_tripwire::remote::ToolTable::builtin()
        .get("teamviewer")
        .unwrap()
        .clone();
    let (_, id) = remote_seen(
        &app.state(),
        &app.app.state::<Tripwires>(),
        EventKind::RemoteTool,
        &tool,
        false,
        verity_core::Timestamp(i64::try_from(START).unwrap() - 60),
    )
    .unwrap();
    let e = app.err(
        "report_tripwire",
        json!({
            "id": id.unwrap(),
            "note": "he asked for my verification code 482913",
            "passphrase": passphrase(),
        }),
    );
    assert_eq!(e["reason"], "report_note_has_code", "{e}");
    assert!(admin::list_reports(desk.dir.path(), None)
        .unwrap()
        .is_empty());
}
