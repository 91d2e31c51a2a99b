//! The organisation console's sign-in and core routes over loopback HTTP (`docs/console-api.md`):
//! sessions, CSRF, roles, re-authentication, lockout, the embedded UI's absence, the oplog.

use super::*;
use serde_json::{json, Value};
use verity_desk::store::AdminRole;

const PASS: &str = "a long console passphrase";

/// One HTTP exchange with the desk (a fresh connection each time).
pub(super) fn call(
    fx: &Fx,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> RawAnswer {
    use std::io::Write as _;
    let addr = fx
        .via
        .lock()
        .unwrap()
        .unwrap_or_else(|| fx.desk.as_ref().unwrap().addr());
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let body = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty()
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body).unwrap();
    let (head, body) = read_message(&mut s).unwrap();
    parse_answer(&head, body)
}

impl RawAnswer {
    pub(super) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A signed-in console user.
pub(super) struct Admin {
    name: String,
    cookie: String,
    csrf: String,
    secret: Vec<u8>,
}

impl Admin {
    fn headers(&self) -> Vec<(&str, String)> {
        vec![
            ("Cookie", format!("__Host-verity-console={}", self.cookie)),
            ("X-Verity-CSRF", self.csrf.clone()),
        ]
    }

    pub(super) fn call(
        &self,
        fx: &Fx,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> RawAnswer {
        let h = self.headers();
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        call(fx, method, path, &h, body)
    }

    fn totp(&self, fx: &Fx) -> String {
        verity_desk::totp::code_at(&self.secret, fx.clock.now()).unwrap()
    }
}

fn add(fx: &Fx, name: &str, role: AdminRole) -> String {
    admin::add_admin(
        &fx.at(),
        Some(b"org passphrase"),
        name,
        role,
        fx.clock.as_ref(),
    )
    .unwrap()
    .0
    .to_string()
}

fn cookie_of(a: &RawAnswer) -> String {
    let c = a.header("set-cookie").expect("a session cookie");
    c.strip_prefix("__Host-verity-console=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// `admin add`, setup, setup/finish: a signed-in account (the clock moves on a TOTP step).
pub(super) fn sign_up(fx: &Fx, name: &str, role: AdminRole) -> Admin {
    let code = add(fx, name, role);
    let a = call(
        fx,
        "POST",
        "/console/api/setup",
        &[],
        Some(&json!({"name": name, "code": code, "passphrase": PASS})),
    );
    assert_eq!(a.status, 200, "{:?}", a.json());
    let uri = a.json()["totp_uri"].as_str().unwrap().to_owned();
    let secret = url::Url::parse(&uri)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "secret")
        .unwrap()
        .1
        .into_owned();
    let secret = BASE32_NOPAD.decode(secret.as_bytes()).unwrap();
    let totp = verity_desk::totp::code_at(&secret, fx.clock.now()).unwrap();
    let f = call(
        fx,
        "POST",
        "/console/api/setup/finish",
        &[],
        Some(&json!({"setup": a.json()["setup"], "totp": totp})),
    );
    assert_eq!(f.status, 200, "{:?}", f.json());
    let me = f.json();
    assert_eq!(me["name"], name);
    assert_eq!(me["role"], role.as_str());
    fx.clock.advance(30);
    Admin {
        name: name.to_owned(),
        cookie: cookie_of(&f),
        csrf: me["csrf"].as_str().unwrap().to_owned(),
        secret,
    }
}

fn sign_in(fx: &Fx, who: &Admin) -> RawAnswer {
    let a = call(
        fx,
        "POST",
        "/console/api/signin",
        &[],
        Some(&json!({"name": who.name, "passphrase": PASS, "totp": who.totp(fx)})),
    );
    fx.clock.advance(30);
    a
}

pub(super) fn ops(fx: &Fx) -> Vec<verity_desk::store::OpRecord> {
    fx.store().ops_after(0, 10_000).unwrap()
}

#[test]
fn setup_gives_a_strict_session_cookie_and_the_code_works_once() {
    let fx = Fx::new();
    let code = add(&fx, "chan", AdminRole::Admin);
    let body = json!({"name": "chan", "code": code, "passphrase": PASS});
    // Garbage is refused field by field.
    let short = call(
        &fx,
        "POST",
        "/console/api/setup",
        &[],
        Some(&json!({"name": "chan", "code": code, "passphrase": "short"})),
    );
    assert_eq!(
        (short.status, short.json()["field"].clone()),
        (400, json!("passphrase"))
    );
    let extra = call(
        &fx,
        "POST",
        "/console/api/setup",
        &[],
        Some(&json!({"name": "chan", "code": code, "passphrase": PASS, "admin": true})),
    );
    assert_eq!(extra.json()["code"], "invalid_input");
    let text = call(
        &fx,
        "POST",
        "/console/api/setup",
        &[("Content-Type", "text/plain")],
        Some(&body),
    );
    assert_eq!(text.json()["code"], "invalid_input");

    let a = call(&fx, "POST", "/console/api/setup", &[], Some(&body));
    assert_eq!(a.status, 200);
    assert!(a.json()["totp_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    assert_eq!(a.header("cache-control"), Some("no-store"));
    assert_eq!(
        a.header("content-security-policy"),
        Some(verity_desk::console::CSP)
    );
    assert_eq!(a.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(a.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(a.header("x-frame-options"), Some("DENY"));
    let secret = url::Url::parse(a.json()["totp_uri"].as_str().unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "secret")
        .unwrap()
        .1
        .into_owned();
    let secret = BASE32_NOPAD.decode(secret.as_bytes()).unwrap();
    let wrong = call(
        &fx,
        "POST",
        "/console/api/setup/finish",
        &[],
        Some(&json!({"setup": a.json()["setup"], "totp": "000000"})),
    );
    assert_eq!(wrong.json()["code"], "unauthenticated");
    let totp = verity_desk::totp::code_at(&secret, fx.clock.now()).unwrap();
    let f = call(
        &fx,
        "POST",
        "/console/api/setup/finish",
        &[],
        Some(&json!({"setup": a.json()["setup"], "totp": totp})),
    );
    assert_eq!(f.status, 200, "{:?}", f.json());
    let cookie = f.header("set-cookie").unwrap();
    assert!(cookie.starts_with("__Host-verity-console="), "{cookie}");
    for attr in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.split("; ").any(|a| a == attr), "{attr} in {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    // The code is spent: neither setup step works again.
    let again = call(&fx, "POST", "/console/api/setup", &[], Some(&body));
    assert_eq!(again.json()["code"], "unauthenticated");
    let again = call(
        &fx,
        "POST",
        "/console/api/setup/finish",
        &[],
        Some(&json!({"setup": a.json()["setup"], "totp": totp})),
    );
    assert_eq!(again.json()["code"], "unauthenticated");
    // Nothing secret is stored in the clear.
    if on_postgres() {
        return; // The database file scanned below is SQLite's.
    }
    let db = std::fs::read(fx.desk_dir.path().join("desk.sqlite3")).unwrap();
    let wal = std::fs::read(fx.desk_dir.path().join("desk.sqlite3-wal")).unwrap_or_default();
    let token = cookie_of(&f);
    for haystack in [&db, &wal] {
        for needle in [PASS.as_bytes(), token.as_bytes(), code.as_bytes()] {
            assert!(!haystack.windows(needle.len()).any(|w| w == needle));
        }
    }
}

#[test]
fn a_setup_code_expires_after_a_day() {
    let fx = Fx::new();
    let code = add(&fx, "lee", AdminRole::Analyst);
    fx.clock.advance(24 * 3600 + 1);
    let a = call(
        &fx,
        "POST",
        "/console/api/setup",
        &[],
        Some(&json!({"name": "lee", "code": code, "passphrase": PASS})),
    );
    assert_eq!(a.json()["code"], "unauthenticated");
    assert!(a.json()["message"].as_str().unwrap().contains("expired"));
    // A reset gives a fresh one.
    let code =
        admin::reset_admin(&fx.at(), Some(b"org passphrase"), "lee", fx.clock.as_ref()).unwrap();
    let a = call(
        &fx,
        "POST",
        "/console/api/setup",
        &[],
        Some(&json!({"name": "lee", "code": code.as_str(), "passphrase": PASS})),
    );
    assert_eq!(a.status, 200, "{:?}", a.json());
}

#[test]
fn every_console_api_route_needs_a_session() {
    let fx = Fx::new();
    let id = "0".repeat(64);
    for (method, path) in [
        ("GET", "/console/api/me".to_owned()),
        ("POST", "/console/api/reauth".to_owned()),
        ("POST", "/console/api/signout".to_owned()),
        ("GET", "/console/api/dashboard".to_owned()),
        ("GET", "/console/api/codes".to_owned()),
        ("POST", "/console/api/codes".to_owned()),
        ("POST", "/console/api/codes/abc/revoke".to_owned()),
        ("GET", "/console/api/devices?q=e1".to_owned()),
        ("GET", format!("/console/api/devices/{id}")),
        ("POST", format!("/console/api/devices/{id}/revoke")),
        ("POST", format!("/console/api/devices/{id}/reset-totp")),
        ("GET", "/console/api/reports?status=new".to_owned()),
        ("GET", "/console/api/reports/1".to_owned()),
        ("POST", "/console/api/reports/1/confirm".to_owned()),
        ("POST", "/console/api/reports/1/reject".to_owned()),
        ("GET", "/console/api/feed".to_owned()),
        ("POST", "/console/api/feed/publish".to_owned()),
        ("POST", "/console/api/passkey/register/start".to_owned()),
        ("POST", "/console/api/passkey/register/finish".to_owned()),
        ("POST", "/console/api/passkey/reauth/start".to_owned()),
        ("POST", "/console/api/passkey/reauth/finish".to_owned()),
        ("POST", "/console/api/passkey/1/remove".to_owned()),
        ("GET", "/console/api/agents".to_owned()),
        ("POST", "/console/api/agents".to_owned()),
        ("POST", "/console/api/agents/abc/revoke".to_owned()),
        ("GET", "/console/api/policy".to_owned()),
        ("PUT", "/console/api/policy".to_owned()),
    ] {
        for cookie in [
            None,
            Some("__Host-verity-console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            Some("__Host-verity-console=junk"),
        ] {
            let h: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
            let a = call(&fx, method, &path, &h, Some(&json!({})));
            assert_eq!(
                (a.status, a.json()["code"].clone()),
                (401, json!("unauthenticated")),
                "{method} {path}"
            );
            assert_eq!(a.header("cache-control"), Some("no-store"));
        }
    }
    let a = call(&fx, "GET", "/console/api/nothing", &[], None);
    assert_eq!(
        (a.status, a.json()["code"].clone()),
        (404, json!("not_found"))
    );
}

#[test]
fn roles_and_recent_sign_in_are_enforced() {
    let fx = Fx::new();
    let boss = sign_up(&fx, "boss", AdminRole::Admin);
    let audit = sign_up(&fx, "audit", AdminRole::Auditor);
    let dash = audit.call(&fx, "GET", "/console/api/dashboard", None);
    assert_eq!(dash.status, 200, "{:?}", dash.json());
    assert_eq!(dash.json()["admins"], 2);
    assert_eq!(dash.json()["reports"]["open"], 0);
    assert_eq!(dash.json()["feed"]["version"], Value::Null);
    let refused = audit.call(
        &fx,
        "POST",
        "/console/api/codes",
        Some(&json!({"employee": "e1", "name": "Chan", "ttl": "72h"})),
    );
    assert_eq!(
        (refused.status, refused.json()["code"].clone()),
        (403, json!("forbidden"))
    );

    let issued = boss.call(
        &fx,
        "POST",
        "/console/api/codes",
        Some(&json!({"employee": "e1", "name": "Chan", "ttl": "72h"})),
    );
    assert_eq!(issued.status, 200, "{:?}", issued.json());
    let code_id = issued.json()["id"].as_str().unwrap().to_owned();
    assert!(issued.json()["link"]
        .as_str()
        .unwrap()
        .starts_with("verity://enroll?"));
    let bad_ttl = boss.call(
        &fx,
        "POST",
        "/console/api/codes",
        Some(&json!({"employee": "e1", "name": "Chan", "ttl": "forever"})),
    );
    assert_eq!(bad_ttl.json()["field"], "ttl");

    // Five minutes on, sensitive actions need a re-authentication; reading does not.
    fx.clock.advance(5 * 60 + 1);
    let stale = boss.call(
        &fx,
        "POST",
        &format!("/console/api/codes/{code_id}/revoke"),
        Some(&json!({})),
    );
    assert_eq!(
        (stale.status, stale.json()["code"].clone()),
        (403, json!("reauth_required"))
    );
    assert_eq!(
        boss.call(&fx, "GET", "/console/api/codes", None).status,
        200
    );
    let wrong = boss.call(
        &fx,
        "POST",
        "/console/api/reauth",
        Some(&json!({"passphrase": "not the passphrase", "totp": boss.totp(&fx)})),
    );
    assert_eq!(wrong.json()["code"], "unauthenticated");
    fx.clock.advance(30);
    let re = boss.call(
        &fx,
        "POST",
        "/console/api/reauth",
        Some(&json!({"passphrase": PASS, "totp": boss.totp(&fx)})),
    );
    assert_eq!(re.status, 200, "{:?}", re.json());
    assert_eq!(re.json()["reauth_until"], fx.clock.now() + 300);
    let revoked = boss.call(
        &fx,
        "POST",
        &format!("/console/api/codes/{code_id}/revoke"),
        Some(&json!({})),
    );
    assert_eq!(revoked.status, 200, "{:?}", revoked.json());
    let twice = boss.call(
        &fx,
        "POST",
        &format!("/console/api/codes/{code_id}/revoke"),
        Some(&json!({})),
    );
    assert_eq!(twice.json()["code"], "conflict");
    let codes = audit.call(&fx, "GET", "/console/api/codes", None).json();
    assert_eq!(codes[0]["id"], code_id.as_str());
    assert!(codes[0]["revoked_at"].is_u64());
    assert!(codes[0].get("code").is_none() && codes[0].get("code_hash").is_none());
}

#[test]
fn a_revoked_code_enrols_nothing_and_devices_are_managed_from_the_console() {
    let fx = Fx::new();
    let boss = sign_up(&fx, "boss", AdminRole::Admin);
    let issued = boss
        .call(
            &fx,
            "POST",
            "/console/api/codes",
            Some(&json!({"employee": "e7", "name": "Wong", "ttl": "1h"})),
        )
        .json();
    let revoked = boss.call(
        &fx,
        "POST",
        &format!(
            "/console/api/codes/{}/revoke",
            issued["id"].as_str().unwrap()
        ),
        Some(&json!({})),
    );
    assert_eq!(revoked.status, 200);
    let dir = tempfile::tempdir().unwrap();
    let ctx = fx.ctx(dir.path());
    let r = device::enroll(&ctx, &fx.url, issued["code"].as_str().unwrap(), &fx.fp());
    assert!(r.is_err(), "a revoked code enrolled a device");

    let dev = Dev::enroll(&fx);
    let id = dev.state().device_id.clone();
    let list = boss
        .call(&fx, "GET", "/console/api/devices?q=E100", None)
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["device_id"], id.as_str());
    assert_eq!(
        boss.call(&fx, "GET", "/console/api/devices?q=nobody", None)
            .json(),
        json!([])
    );
    let detail = boss
        .call(&fx, "GET", &format!("/console/api/devices/{id}"), None)
        .json();
    assert_eq!(detail["reports"], json!([]));
    let reset = boss.call(
        &fx,
        "POST",
        &format!("/console/api/devices/{id}/reset-totp"),
        Some(&json!({})),
    );
    assert_eq!(reset.json()["totp_confirmed"], false);
    let no_reason = boss.call(
        &fx,
        "POST",
        &format!("/console/api/devices/{id}/revoke"),
        Some(&json!({"reason": ""})),
    );
    assert_eq!(no_reason.json()["field"], "reason");
    let gone = boss.call(
        &fx,
        "POST",
        &format!("/console/api/devices/{id}/revoke"),
        Some(&json!({"reason": "laptop stolen"})),
    );
    assert_eq!(gone.json()["revoke_reason"], "laptop stolen");
    let dash = boss.call(&fx, "GET", "/console/api/dashboard", None).json();
    assert_eq!(
        dash["devices"],
        json!({"enrolled": 0, "revoked": 1, "two_factor_pending": 0})
    );
    assert_eq!(dash["feed"]["stale_devices"], 0);
    assert_eq!(
        boss.call(&fx, "GET", "/console/api/devices/nothex", None)
            .json()["code"],
        "not_found"
    );
    let log = ops(&fx);
    for action in [
        "code.issue",
        "code.revoke",
        "device.reset_totp",
        "device.revoke",
    ] {
        assert!(
            log.iter()
                .any(|o| o.action == action && o.actor == "console:boss" && o.outcome == "ok"),
            "{action}"
        );
    }
}

#[test]
fn csrf_header_and_origin_are_required_for_changes() {
    let fx = Fx::new();
    let boss = sign_up(&fx, "boss", AdminRole::Admin);
    let cookie = format!("__Host-verity-console={}", boss.cookie);
    let body = json!({"employee": "e1", "name": "Chan", "ttl": "1h"});
    let missing = call(
        &fx,
        "POST",
        "/console/api/codes",
        &[("Cookie", &cookie)],
        Some(&body),
    );
    assert_eq!(
        (missing.status, missing.json()["code"].clone()),
        (403, json!("csrf"))
    );
    let wrong = call(
        &fx,
        "POST",
        "/console/api/codes",
        &[
            ("Cookie", &cookie),
            ("X-Verity-CSRF", "0".repeat(64).as_str()),
        ],
        Some(&body),
    );
    assert_eq!(wrong.json()["code"], "csrf");
    let foreign = call(
        &fx,
        "POST",
        "/console/api/codes",
        &[
            ("Cookie", &cookie),
            ("X-Verity-CSRF", &boss.csrf),
            ("Origin", "https://evil.example"),
        ],
        Some(&body),
    );
    assert_eq!(foreign.json()["code"], "csrf");
    let foreign_signin = call(
        &fx,
        "POST",
        "/console/api/signin",
        &[("Origin", "https://evil.example")],
        Some(&json!({"name": "boss", "passphrase": PASS, "totp": "123456"})),
    );
    assert_eq!(foreign_signin.json()["code"], "csrf");
    let ours = call(
        &fx,
        "POST",
        "/console/api/codes",
        &[
            ("Cookie", &cookie),
            ("X-Verity-CSRF", &boss.csrf),
            ("Origin", &fx.url),
        ],
        Some(&body),
    );
    assert_eq!(ours.status, 200, "{:?}", ours.json());
    // GET needs no CSRF header.
    assert_eq!(
        call(&fx, "GET", "/console/api/me", &[("Cookie", &cookie)], None).status,
        200
    );
    // Signing out ends the session.
    assert_eq!(
        boss.call(&fx, "POST", "/console/api/signout", Some(&json!({})))
            .status,
        204
    );
    assert_eq!(boss.call(&fx, "GET", "/console/api/me", None).status, 401);
}

#[test]
fn failed_sign_ins_lock_the_account_for_a_while() {
    let fx = Fx::new();
    let boss = sign_up(&fx, "boss", AdminRole::Admin);
    for i in 0..5 {
        let a = call(
            &fx,
            "POST",
            "/console/api/signin",
            &[],
            Some(
                &json!({"name": "boss", "passphrase": format!("wrong passphrase {i}"), "totp": boss.totp(&fx)}),
            ),
        );
        assert_eq!(a.json()["code"], "unauthenticated", "attempt {i}");
    }
    let locked = sign_in(&fx, &boss);
    assert_eq!(
        (locked.status, locked.json()["code"].clone()),
        (429, json!("locked"))
    );
    let retry = locked.json()["retry_after"].as_u64().unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
    assert!(locked.header("retry-after").is_some());
    // An unknown name is answered like a wrong passphrase.
    let unknown = call(
        &fx,
        "POST",
        "/console/api/signin",
        &[],
        Some(&json!({"name": "nobody", "passphrase": PASS, "totp": "123456"})),
    );
    assert_eq!(unknown.json()["code"], "unauthenticated");
    fx.clock.advance(15 * 60);
    let ok = sign_in(&fx, &boss);
    assert_eq!(ok.status, 200, "{:?}", ok.json());
    // A TOTP code is not accepted twice.
    let code = boss.totp(&fx);
    assert_eq!(
        call(
            &fx,
            "POST",
            "/console/api/signin",
            &[],
            Some(&json!({"name": "boss", "passphrase": PASS, "totp": code}))
        )
        .status,
        200
    );
    let reused = call(
        &fx,
        "POST",
        "/console/api/signin",
        &[],
        Some(&json!({"name": "boss", "passphrase": PASS, "totp": code})),
    );
    assert_eq!(reused.json()["code"], "unauthenticated");
    let log = ops(&fx);
    assert!(
        log.iter()
            .filter(|o| o.action == "console.signin" && o.outcome == "refused")
            .count()
            >= 6
    );
    assert!(log
        .iter()
        .any(|o| o.action == "console.signin" && o.outcome == "locked"));
    assert!(log
        .iter()
        .any(|o| o.action == "console.signin" && o.outcome == "ok"));
    let junk = call(
        &fx,
        "POST",
        "/console/api/signin",
        &[],
        Some(&json!({"name": "boss", "passphrase": PASS, "totp": "12ab"})),
    );
    assert_eq!(junk.json()["field"], "totp");
    assert!(ops(&fx)
        .iter()
        .any(|o| o.action == "console.signin" && o.outcome == "invalid_input"));
}

#[test]
fn twenty_failures_from_one_address_lock_it() {
    let fx = Fx::new();
    for i in 0..20 {
        let a = call(
            &fx,
            "POST",
            "/console/api/signin",
            &[],
            Some(&json!({"name": format!("user{i}"), "passphrase": PASS, "totp": "123456"})),
        );
        assert_eq!(a.json()["code"], "unauthenticated", "attempt {i}");
    }
    let a = call(
        &fx,
        "POST",
        "/console/api/signin",
        &[],
        Some(&json!({"name": "other", "passphrase": PASS, "totp": "123456"})),
    );
    assert_eq!(a.json()["code"], "locked");
}

#[test]
fn sessions_end_when_idle_or_old() {
    let fx = Fx::new();
    let boss = sign_up(&fx, "boss", AdminRole::Admin);
    fx.clock.advance(30 * 60 + 1);
    assert_eq!(
        boss.call(&fx, "GET", "/console/api/me", None).json()["code"],
        "unauthenticated"
    );
    let a = sign_in(&fx, &boss);
    assert_eq!(a.status, 200, "{:?}", a.json());
    let boss = Admin {
        cookie: cookie_of(&a),
        csrf: a.json()["csrf"].as_str().unwrap().to_owned(),
        ..boss
    };
    // Used every 20 minutes, it lives 12 hours, no longer.
    for _ in 0..(12 * 3) - 1 {
        fx.clock.advance(20 * 60);
        assert_eq!(boss.call(&fx, "GET", "/console/api/me", None).status, 200);
    }
    fx.clock.advance(20 * 60);
    assert_eq!(
        boss.call(&fx, "GET", "/console/api/me", None).json()["code"],
        "unauthenticated"
    );
    // Disabling an account ends its sessions at once.
    let a = sign_in(&fx, &boss);
    let cookie = format!("__Host-verity-console={}", cookie_of(&a));
    assert_eq!(
        call(&fx, "GET", "/console/api/me", &[("Cookie", &cookie)], None).status,
        200
    );
    assert!(admin::disable_admin(&fx.at(), "boss", fx.clock.as_ref()).unwrap());
    assert_eq!(
        call(&fx, "GET", "/console/api/me", &[("Cookie", &cookie)], None).status,
        401
    );
    let log = ops(&fx);
    for action in ["admin.add", "admin.disable"] {
        assert!(
            log.iter().any(|o| o.action == action && o.actor == "cli"),
            "{action}"
        );
    }
    // The log is append-only, numbered without gaps, and each entry has its canonical bytes.
    assert!(log.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    assert!(log[0].leaf_bytes().starts_with(b"verity-oplog-leaf-v1\0"));
    if on_postgres() {
        return; // PostgreSQL's append-only triggers are tested in postgres::tests.
    }
    let conn = rusqlite::Connection::open_with_flags(
        fx.desk_dir.path().join("desk.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .unwrap();
    assert!(conn.execute("DELETE FROM oplog", []).is_err());
    assert!(conn.execute("UPDATE oplog SET actor = 'x'", []).is_err());
}

#[test]
fn the_web_ui_is_served_or_its_absence_explained() {
    let fx = Fx::new();
    let r = call(&fx, "GET", "/console", &[], None);
    assert_eq!((r.status, r.header("location")), (308, Some("/console/")));
    for path in ["/console/", "/console/devices/abc"] {
        let a = call(&fx, "GET", path, &[], None);
        assert_eq!(
            a.header("content-security-policy"),
            Some(verity_desk::console::CSP)
        );
        assert_eq!(a.header("x-frame-options"), Some("DENY"));
        assert!(a.header(proto::H_RESPONSE_SIGNATURE).is_none());
        if verity_desk::console::BUILT_WITH_UI {
            assert_eq!(a.status, 200);
            assert!(a.header("content-type").unwrap().starts_with("text/html"));
        } else {
            assert_eq!(a.status, 503);
            assert!(String::from_utf8_lossy(&a.body).contains("npm --prefix console run build"));
        }
    }
    if verity_desk::console::BUILT_WITH_UI {
        for path in verity_desk::console::ui_paths() {
            let a = call(&fx, "GET", &format!("/console/{path}"), &[], None);
            assert_eq!(a.status, 200, "{path}");
            if path.starts_with("assets/") {
                assert_eq!(
                    a.header("cache-control"),
                    Some("public, max-age=31536000, immutable")
                );
            }
            if path.ends_with(".js") {
                assert_eq!(
                    a.header("content-type"),
                    Some("text/javascript; charset=utf-8")
                );
            }
            if path.ends_with(".css") {
                assert_eq!(a.header("content-type"), Some("text/css; charset=utf-8"));
            }
        }
        assert_eq!(
            call(&fx, "GET", "/console/assets/missing.js", &[], None).status,
            404
        );
    }
    // The device API is still signed.
    let h = call(&fx, "GET", "/v1/org", &[], None);
    assert!(h.header(proto::H_RESPONSE_SIGNATURE).is_some());
}

#[test]
fn a_reset_ends_the_sessions_and_the_passphrase() {
    let fx = Fx::new();
    let boss = sign_up(&fx, "boss", AdminRole::Admin);
    let code =
        admin::reset_admin(&fx.at(), Some(b"org passphrase"), "boss", fx.clock.as_ref()).unwrap();
    assert_eq!(boss.call(&fx, "GET", "/console/api/me", None).status, 401);
    assert_eq!(sign_in(&fx, &boss).json()["code"], "unauthenticated");
    let again = call(
        &fx,
        "POST",
        "/console/api/setup",
        &[],
        Some(&json!({"name": "boss", "code": code.as_str(), "passphrase": PASS})),
    );
    assert_eq!(again.status, 200, "{:?}", again.json());
    assert!(ops(&fx)
        .iter()
        .any(|o| o.action == "admin.reset" && o.actor == "cli"));
}
