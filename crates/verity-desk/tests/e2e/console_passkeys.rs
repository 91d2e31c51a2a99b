//! The console's passkeys over loopback HTTP, with a software authenticator (Ed25519, real
//! CBOR and signatures): register (recent sign-in needed, bound to the session), sign in without
//! a name, re-authenticate, remove; a replayed, foreign or unknown assertion fails and counts
//! toward the lockout; every step is in the operation log.

use super::console::{call, sign_up, Admin};
use super::*;
use ciborium::Value as Cbor;
use ed25519_dalek::Signer as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use verity_desk::store::AdminRole;

struct SoftKey {
    key: ed25519_dalek::SigningKey,
    id: Vec<u8>,
    counter: std::cell::Cell<u32>,
}

fn b64(b: &[u8]) -> String {
    BASE64URL_NOPAD.encode(b)
}

fn cbor(v: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(v, &mut out).unwrap();
    out
}

impl SoftKey {
    fn new(seed: u8) -> SoftKey {
        SoftKey {
            key: ed25519_dalek::SigningKey::from_bytes(&[seed; 32]),
            id: vec![seed; 16],
            counter: std::cell::Cell::new(0),
        }
    }

    fn client_data(fx: &Fx, kind: &str, options: &Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": options["challenge"],
            "origin": fx.url,
            "crossOrigin": false,
        }))
        .unwrap()
    }

    fn head(&self, flags: u8) -> Vec<u8> {
        let mut d = Sha256::digest(b"127.0.0.1").to_vec();
        d.push(flags);
        self.counter.set(self.counter.get() + 1);
        d.extend_from_slice(&self.counter.get().to_be_bytes());
        d
    }

    fn register(&self, fx: &Fx, options: &Value) -> Value {
        let client = Self::client_data(fx, "webauthn.create", options);
        let int = |n: i64| Cbor::Integer(n.into());
        let cose = cbor(&Cbor::Map(vec![
            (int(1), int(1)),
            (int(3), int(-8)),
            (int(-1), int(6)),
            (
                int(-2),
                Cbor::Bytes(self.key.verifying_key().to_bytes().to_vec()),
            ),
        ]));
        let mut auth = self.head(0x01 | 0x04 | 0x40);
        auth.extend_from_slice(&[0u8; 16]);
        auth.extend_from_slice(&u16::try_from(self.id.len()).unwrap().to_be_bytes());
        auth.extend_from_slice(&self.id);
        auth.extend_from_slice(&cose);
        let att = cbor(&Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(vec![])),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth)),
        ]));
        json!({
            "id": b64(&self.id), "rawId": b64(&self.id), "type": "public-key",
            "response": {"clientDataJSON": b64(&client), "attestationObject": b64(&att),
                         "transports": ["internal"]},
            "clientExtensionResults": {}, "authenticatorAttachment": "platform",
        })
    }

    fn assert(&self, fx: &Fx, options: &Value, handle: &[u8]) -> Value {
        let client = Self::client_data(fx, "webauthn.get", options);
        let auth = self.head(0x01 | 0x04);
        let mut signed = auth.clone();
        signed.extend_from_slice(&Sha256::digest(&client));
        let sig = self.key.sign(&signed).to_bytes();
        json!({
            "id": b64(&self.id), "rawId": b64(&self.id), "type": "public-key",
            "response": {"clientDataJSON": b64(&client), "authenticatorData": b64(&auth),
                         "signature": b64(&sig), "userHandle": b64(handle)},
            "clientExtensionResults": {},
        })
    }
}

fn post(fx: &Fx, who: &Admin, path: &str, body: &Value) -> (u16, Value) {
    let a = who.call(fx, "POST", path, Some(body));
    (a.status, a.json())
}

fn handle_of(fx: &Fx, name: &str) -> Vec<u8> {
    fx.store().admin_by_name(name).unwrap().unwrap().user_handle
}

#[test]
fn a_passkey_is_registered_signs_in_without_a_name_reauthenticates_and_is_removed() {
    let fx = Fx::new();
    let ana = sign_up(&fx, "ana", AdminRole::Analyst);
    let key = SoftKey::new(7);

    let (s, start) = post(&fx, &ana, "/console/api/passkey/register/start", &json!({}));
    assert_eq!(s, 200, "{start}");
    assert_eq!(start["options"]["rp"]["id"], "127.0.0.1");
    assert_eq!(
        start["options"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    let cred = key.register(&fx, &start["options"]);
    let (s, done) = post(
        &fx,
        &ana,
        "/console/api/passkey/register/finish",
        &json!({"ceremony": start["ceremony"], "credential": cred, "label": "YubiKey"}),
    );
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["passkeys"][0]["label"], "YubiKey");
    // A ceremony is used once.
    let (s, again) = post(
        &fx,
        &ana,
        "/console/api/passkey/register/finish",
        &json!({"ceremony": start["ceremony"], "credential": cred}),
    );
    assert_eq!(
        (s, again["field"].clone()),
        (400, json!("ceremony")),
        "{again}"
    );

    // Usernameless sign-in: no cookie, the authenticator names the account.
    let handle = handle_of(&fx, "ana");
    let start = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/start",
        &[],
        Some(&json!({})),
    );
    assert_eq!(start.status, 200);
    let start = start.json();
    let assertion = key.assert(&fx, &start["options"], &handle);
    let fin = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/finish",
        &[],
        Some(&json!({"ceremony": start["ceremony"], "credential": assertion})),
    );
    assert_eq!(fin.status, 200, "{:?}", fin.json());
    assert_eq!(fin.json()["name"], "ana");
    assert!(fin.header("set-cookie").unwrap().contains("HttpOnly"));
    // The same assertion replayed on a new ceremony fails (challenge), and counts.
    let start = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/start",
        &[],
        Some(&json!({})),
    )
    .json();
    let replay = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/finish",
        &[],
        Some(&json!({"ceremony": start["ceremony"], "credential": assertion})),
    );
    assert_eq!(replay.status, 401);
    // An unknown authenticator fails.
    let stranger = SoftKey::new(9);
    let start = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/start",
        &[],
        Some(&json!({})),
    )
    .json();
    let fin = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/finish",
        &[],
        Some(&json!({"ceremony": start["ceremony"],
                     "credential": stranger.assert(&fx, &start["options"], &handle)})),
    );
    assert_eq!(fin.status, 401);

    // Re-authentication with the passkey after the 5 minutes ran out.
    fx.clock.advance(6 * 60);
    let (s, e) = post(&fx, &ana, "/console/api/passkey/register/start", &json!({}));
    assert_eq!((s, e["code"].clone()), (403, json!("reauth_required")));
    let (s, start) = post(&fx, &ana, "/console/api/passkey/reauth/start", &json!({}));
    assert_eq!(s, 200, "{start}");
    assert_eq!(start["options"]["allowCredentials"][0]["id"], b64(&key.id));
    let (s, me) = post(
        &fx,
        &ana,
        "/console/api/passkey/reauth/finish",
        &json!({"ceremony": start["ceremony"], "credential": key.assert(&fx, &start["options"], &handle)}),
    );
    assert_eq!(s, 200, "{me}");
    assert!(me["reauth_until"].as_u64().unwrap() > fx.clock.now());

    // Removed: it signs in no more.
    let id = me["passkeys"][0]["id"].as_i64().unwrap();
    let (s, left) = post(
        &fx,
        &ana,
        &format!("/console/api/passkey/{id}/remove"),
        &json!({}),
    );
    assert_eq!((s, left["passkeys"].clone()), (200, json!([])), "{left}");
    let start = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/start",
        &[],
        Some(&json!({})),
    )
    .json();
    let fin = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/finish",
        &[],
        Some(&json!({"ceremony": start["ceremony"],
                     "credential": key.assert(&fx, &start["options"], &handle)})),
    );
    assert_eq!(fin.status, 401);

    let ops = super::console::ops(&fx);
    for (action, outcome) in [
        ("console.passkey_add", "ok"),
        ("console.passkey_signin", "ok"),
        ("console.passkey_reauth", "ok"),
        ("console.passkey_remove", "ok"),
    ] {
        assert!(
            ops.iter()
                .any(|o| o.action == action && o.outcome == outcome),
            "{action}: {:?}",
            ops.iter()
                .map(|o| (&o.action, &o.outcome))
                .collect::<Vec<_>>()
        );
    }
    assert!(ops
        .iter()
        .any(|o| o.action == "console.passkey_signin" && o.outcome != "ok"));
}

#[test]
fn failed_passkey_sign_ins_lock_the_account() {
    let fx = Fx::new();
    let ana = sign_up(&fx, "ana", AdminRole::Admin);
    let key = SoftKey::new(3);
    let (_, start) = post(&fx, &ana, "/console/api/passkey/register/start", &json!({}));
    let cred = key.register(&fx, &start["options"]);
    let (s, _) = post(
        &fx,
        &ana,
        "/console/api/passkey/register/finish",
        &json!({"ceremony": start["ceremony"], "credential": cred}),
    );
    assert_eq!(s, 200);
    let wrong_handle = vec![0u8; 32];
    let mut last = 0;
    for _ in 0..6 {
        let start = call(
            &fx,
            "POST",
            "/console/api/passkey/signin/start",
            &[],
            Some(&json!({})),
        )
        .json();
        let fin = call(
            &fx,
            "POST",
            "/console/api/passkey/signin/finish",
            &[],
            Some(&json!({"ceremony": start["ceremony"],
                         "credential": key.assert(&fx, &start["options"], &wrong_handle)})),
        );
        last = fin.status;
    }
    assert_eq!(last, 429, "locked after five failures");
    // Even the right assertion is refused while locked.
    let handle = handle_of(&fx, "ana");
    let start = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/start",
        &[],
        Some(&json!({})),
    )
    .json();
    let fin = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/finish",
        &[],
        Some(&json!({"ceremony": start["ceremony"],
                     "credential": key.assert(&fx, &start["options"], &handle)})),
    );
    assert_eq!(fin.status, 429);
}

#[test]
fn a_ceremony_started_on_one_desk_finishes_on_another() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: several desks need PostgreSQL");
        return;
    }
    let fx = Fx::new();
    let b = super::scaleout::Second::start(&fx);
    let ana = sign_up(&fx, "ana", AdminRole::Analyst);
    let key = SoftKey::new(5);
    // Registration: started on A, finished on B.
    let (s, start) = post(&fx, &ana, "/console/api/passkey/register/start", &json!({}));
    assert_eq!(s, 200, "{start}");
    let cred = key.register(&fx, &start["options"]);
    *fx.via.lock().unwrap() = Some(b.addr());
    let (s, done) = post(
        &fx,
        &ana,
        "/console/api/passkey/register/finish",
        &json!({"ceremony": start["ceremony"], "credential": cred, "label": "YubiKey"}),
    );
    assert_eq!(s, 200, "{done}");
    // Used once, whichever desk is asked again.
    *fx.via.lock().unwrap() = None;
    let (s, _) = post(
        &fx,
        &ana,
        "/console/api/passkey/register/finish",
        &json!({"ceremony": start["ceremony"], "credential": cred}),
    );
    assert_eq!(s, 400);
    // Sign-in: started on B, finished on A.
    *fx.via.lock().unwrap() = Some(b.addr());
    let start = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/start",
        &[],
        Some(&json!({})),
    )
    .json();
    *fx.via.lock().unwrap() = None;
    let fin = call(
        &fx,
        "POST",
        "/console/api/passkey/signin/finish",
        &[],
        Some(&json!({"ceremony": start["ceremony"],
                     "credential": key.assert(&fx, &start["options"], &handle_of(&fx, "ana"))})),
    );
    assert_eq!(fin.status, 200, "{:?}", fin.json());
    assert_eq!(fin.json()["name"], "ana");
}
