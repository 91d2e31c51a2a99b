//! Enrolment, two-factor, region, certificates, signed requests, revocation, secrets at rest and TLS.

use super::*;

#[test]
fn enrolment_two_factor_and_region_end_to_end() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);
    let (_, org_fp) = admin::org_show(&fx.at()).unwrap();

    // Bound, with the organisation key pinned and shown as the admin sees it.
    let st = device::status(&dev.ctx).unwrap();
    assert!(st.bound);
    let b = st.binding.unwrap();
    assert_eq!(b.org.fingerprint, org_fp);
    assert_eq!(b.employee_id, "e100");
    assert!(b.certificate_ok);
    assert_eq!(b.key_present, Some(true));
    assert_eq!(b.two_factor, verity_device::state::TwoFactorState::Pending);
    let devices = admin::list_devices(&fx.at()).unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].device_id, b.device_id);
    assert_eq!(devices[0].hostname, "test-host");

    // No policy yet: the region check passes with a warning; the right code passes.
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(r.region.code, codes::REGION_NO_POLICY);
    assert_eq!(r.two_factor.code, codes::OK);
    assert_eq!(
        dev.state().two_factor,
        verity_device::state::TwoFactorState::Active
    );
    assert!(admin::list_devices(&fx.at()).unwrap()[0].totp_confirmed);

    // A policy that admits loopback and Hong Kong.
    fx.policy("HK,MO", "127.0.0.0/8,10.0.0.0/8");
    fx.clock.advance(30);
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(r.region.code, codes::OK);

    // A device whose time zone is London: refused by the time zone signal, 2FA not tried.
    let mut london = fx.ctx(dev.dir.path());
    london.signals.timezone = Some("Europe/London".into());
    fx.clock.advance(30);
    let r = device::verify(&london, &dev.code_now(&fx.clock), None).unwrap();
    assert!(!r.ok);
    assert!(r.device_binding.ok);
    assert_eq!(r.region.code, codes::REGION_TIMEZONE);
    assert_eq!(r.two_factor.code, codes::NOT_CHECKED);

    // Address ranges that leave loopback out: refused by the address check.
    fx.policy("HK", "10.0.0.0/8");
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert_eq!(r.region.code, codes::REGION_ADDRESS);
    assert!(r.region.message.contains("127.0.0.1"));

    // And enrolment from outside the ranges is refused, naming the check.
    let other = tempfile::tempdir().unwrap();
    let code = fx.code("e200", 3600);
    assert_eq!(
        desk_code(device::enroll(
            &fx.ctx(other.path()),
            &fx.url,
            &code,
            &fx.fp()
        )),
        codes::REGION_ADDRESS
    );
    assert!(DeviceState::load(other.path()).unwrap().is_none());
}

#[test]
fn enrolment_link_and_fingerprint_pinning() {
    let fx = Fx::new();
    let (_, fp) = admin::org_show(&fx.at()).unwrap();
    let code = fx.code("e100", 3600);
    let link = verity_device::link::enroll_link(&fx.url, &code, Some(&fp));
    let parsed = verity_device::link::parse_enroll_link(&link).unwrap();

    // A wrong announced fingerprint: refused, nothing kept, and the code stays usable.
    let dir = tempfile::tempdir().unwrap();
    let ctx = fx.ctx(dir.path());
    let wrong = "0000 ".repeat(16);
    assert_eq!(
        desk_code(device::enroll(&ctx, &parsed.desk, &parsed.code, &wrong)),
        "fingerprint_mismatch"
    );
    assert!(DeviceState::load(dir.path()).unwrap().is_none());
    assert!(!dir.path().join(verity_device::keystore::KEY_FILE).exists());

    // No fingerprint typed: refused before anything is sent (a link's own `fp` never counts).
    assert_eq!(
        desk_code(device::enroll(&ctx, &parsed.desk, &parsed.code, "  ")),
        "fingerprint_required"
    );
    // The announced fingerprint matches; the code was not sent to the mismatching desk, so it
    // is still good.
    let out = device::enroll(&ctx, &parsed.desk, &code, &fp.to_lowercase()).unwrap();
    assert_eq!(out.status.org.fingerprint, fp);
}

#[test]
fn reused_expired_forged_and_brute_forced_codes_are_refused() {
    let fx = Fx::with(DeskConfig {
        enroll_max_failures: 3,
        ..DeskConfig::default()
    });
    let code = fx.code("e100", 600);
    let a = tempfile::tempdir().unwrap();
    device::enroll(&fx.ctx(a.path()), &fx.url, &code, &fx.fp()).unwrap();

    // Reused.
    let b = tempfile::tempdir().unwrap();
    assert_eq!(
        desk_code(device::enroll(&fx.ctx(b.path()), &fx.url, &code, &fx.fp())),
        codes::ENROLL_CODE_USED
    );
    // The refused device kept nothing: no state, no key file.
    assert!(DeviceState::load(b.path()).unwrap().is_none());
    assert!(!b.path().join(verity_device::keystore::KEY_FILE).exists());

    // Expired.
    let late = fx.code("e101", 600);
    fx.clock.advance(601);
    assert_eq!(
        desk_code(device::enroll(&fx.ctx(b.path()), &fx.url, &late, &fx.fp())),
        codes::ENROLL_CODE_EXPIRED
    );

    // Forged (never issued).
    assert_eq!(
        desk_code(device::enroll(
            &fx.ctx(b.path()),
            &fx.url,
            "ABCD-EFGH-JKMN",
            &fx.fp()
        )),
        codes::ENROLL_CODE_INVALID
    );

    // That was the third failure from this address: now even a good code is refused.
    let good = fx.code("e102", 3600);
    assert_eq!(
        desk_code(device::enroll(&fx.ctx(b.path()), &fx.url, &good, &fx.fp())),
        codes::ENROLL_RATE_LIMITED
    );
    // After the window, the good code works.
    fx.clock.advance(15 * 60 + 1);
    device::enroll(&fx.ctx(b.path()), &fx.url, &good, &fx.fp()).unwrap();
}

#[test]
fn forged_and_expired_certificates_are_refused() {
    let fx = Fx::with(DeskConfig {
        cert_ttl_secs: 3600,
        ..DeskConfig::default()
    });
    let dev = Dev::enroll(&fx);
    let state = dev.state();
    let key = dev.key();
    let client = dev.client();
    let org_key = proto::parse_public_key(&state.org.public_key, "org").unwrap();
    let real = Certificate::verify(&state.certificate, &org_key, None).unwrap();

    let send = |token: &str| {
        let body = serde_json::to_vec(&serde_json::json!({
            "totp": "000000", "signals": { "timezone": null, "locale": null }
        }))
        .unwrap();
        let req = client
            .prepare(
                "POST",
                paths::VERIFY,
                body,
                &key,
                Some(token),
                fx.clock.as_ref(),
            )
            .unwrap();
        client.execute(&req)
    };

    // The same body signed by a key that is not the organisation's (by hand: `sign` refuses a
    // body naming another organisation key than the signer's).
    let impostor = proto::generate_signing_key().unwrap();
    assert_eq!(
        Certificate::sign(real.body().clone(), &impostor),
        Err(proto::ProtoError::CertificateOrganisation)
    );
    let bytes = serde_json::to_vec(real.body()).unwrap();
    let sig = ed25519_dalek::Signer::sign(
        &impostor,
        &[b"verity-device-certificate-v1\n".as_slice(), &bytes].concat(),
    );
    let forged = format!(
        "vc1.{}.{}",
        BASE64URL_NOPAD.encode(&bytes),
        BASE64URL_NOPAD.encode(&sig.to_bytes())
    );
    assert_eq!(refused_code(send(&forged)), codes::CERTIFICATE_INVALID);

    // A body changed under the real signature (another employee).
    let parts: Vec<&str> = state.certificate.split('.').collect();
    let mut body: CertificateBody = real.body().clone();
    body.employee_id = "ceo".into();
    let spliced = format!(
        "vc1.{}.{}",
        BASE64URL_NOPAD.encode(&serde_json::to_vec(&body).unwrap()),
        parts[2]
    );
    assert_eq!(refused_code(send(&spliced)), codes::CERTIFICATE_INVALID);

    // A genuine certificate for a device the desk never enrolled (the org key in other hands
    // would be needed for this; the desk still refuses a device it has no record of).
    let org_signing =
        verity_desk::orgkey::load(fx.desk_dir.path(), Some(b"org passphrase")).unwrap();
    let mut stranger = real.body().clone();
    let other = proto::generate_signing_key().unwrap();
    stranger.device_key = proto::b64(other.verifying_key().as_bytes());
    stranger.device_id = proto::key_id(&other.verifying_key());
    let stranger = Certificate::sign(stranger, &org_signing).unwrap();
    let body = br#"{"totp":"000000","signals":{"timezone":null,"locale":null}}"#.to_vec();
    let req = client
        .prepare(
            "POST",
            paths::VERIFY,
            body,
            &other,
            Some(stranger.token()),
            fx.clock.as_ref(),
        )
        .unwrap();
    assert_eq!(refused_code(client.execute(&req)), codes::DEVICE_UNKNOWN);

    // The real certificate, signed by another device key than the one it binds.
    let body = br#"{"totp":"000000","signals":{"timezone":null,"locale":null}}"#.to_vec();
    let req = client
        .prepare(
            "POST",
            paths::VERIFY,
            body,
            &other,
            Some(&state.certificate),
            fx.clock.as_ref(),
        )
        .unwrap();
    assert_eq!(refused_code(client.execute(&req)), codes::SIGNATURE_INVALID);

    // Expired: the three checks report the binding failure, the others are not run.
    fx.clock.advance(3601);
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert!(!r.ok);
    assert_eq!(r.device_binding.code, codes::CERTIFICATE_EXPIRED);
    assert_eq!(r.two_factor.code, codes::NOT_CHECKED);
    let st = device::status(&dev.ctx).unwrap().binding.unwrap();
    assert!(!st.certificate_ok);
}

#[test]
fn replayed_stale_and_tampered_requests_are_refused() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);
    let state = dev.state();
    let key = dev.key();
    let client = dev.client();
    let body = serde_json::to_vec(&serde_json::json!({
        "totp": dev.code_now(&fx.clock), "signals": { "timezone": "Asia/Hong_Kong", "locale": null }
    }))
    .unwrap();
    let req = client
        .prepare(
            "POST",
            paths::VERIFY,
            body,
            &key,
            Some(&state.certificate),
            fx.clock.as_ref(),
        )
        .unwrap();
    let first: proto::VerifyResponse =
        serde_json::from_slice(&client.execute(&req).unwrap()).unwrap();
    assert!(first.all_ok(), "{first:?}");
    // The same bytes again.
    assert_eq!(refused_code(client.execute(&req)), codes::NONCE_REPLAYED);

    // Tampered: the body changed after signing.
    let mut tampered = client
        .prepare(
            "POST",
            paths::VERIFY,
            b"{}".to_vec(),
            &key,
            Some(&state.certificate),
            fx.clock.as_ref(),
        )
        .unwrap();
    tampered.body = br#"{"totp":"123456","signals":{}}"#.to_vec();
    assert_eq!(
        refused_code(client.execute(&tampered)),
        codes::SIGNATURE_INVALID
    );

    // Stale: signed six minutes ago (or ahead).
    for skew in [-360_i64, 360] {
        let then = ManualClock::new(fx.clock.now().saturating_add_signed(skew));
        let old = client
            .prepare(
                "POST",
                paths::VERIFY,
                b"{}".to_vec(),
                &key,
                Some(&state.certificate),
                &then,
            )
            .unwrap();
        assert_eq!(refused_code(client.execute(&old)), codes::TIMESTAMP_STALE);
    }

    // Not signed at all.
    let mut bare = req.clone();
    bare.auth = None;
    assert_eq!(
        refused_code(client.execute(&bare)),
        codes::SIGNATURE_INVALID
    );
}

#[test]
fn wrong_reused_and_brute_forced_totp_codes_are_refused() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);

    let wrong = |n: u32| format!("{:06}", (n * 7919) % 1_000_000);
    let right = dev.code_now(&fx.clock);
    let bad = if wrong(1) == right {
        wrong(2)
    } else {
        wrong(1)
    };
    let r = device::verify(&dev.ctx, &bad, None).unwrap();
    assert_eq!(r.two_factor.code, codes::TOTP_INVALID);
    assert!(r.device_binding.ok && r.region.ok);

    // Right, then the same code again within its window: refused as reused.
    let r = device::verify(&dev.ctx, &right, None).unwrap();
    assert!(r.ok);
    fx.clock.advance(10);
    let r = device::verify(&dev.ctx, &right, None).unwrap();
    assert_eq!(r.two_factor.code, codes::TOTP_REUSED);
    // One step of skew either way is accepted (the previous step's code, once).
    fx.clock.advance(30);
    let next = dev.code_now(&fx.clock);
    fx.clock.advance(30);
    let r = device::verify(&dev.ctx, &next, None).unwrap();
    assert!(r.ok, "{r:?}");
    // Malformed codes count as wrong.
    let r = device::verify(&dev.ctx, "12ab56", None).unwrap();
    assert_eq!(r.two_factor.code, codes::TOTP_INVALID);

    // Brute force: after five wrong codes in the window (the fifth is still judged, and says
    // so), even the right code is refused without being judged.
    let mut last = None;
    for n in 3..7 {
        let mut guess = wrong(n);
        if guess == dev.code_now(&fx.clock) {
            guess = wrong(n + 100);
        }
        last = Some(device::verify(&dev.ctx, &guess, None).unwrap());
    }
    let last = last.unwrap().two_factor;
    assert_eq!(last.code, codes::TOTP_INVALID);
    assert!(last.message.contains("now locked"), "{last:?}");
    fx.clock.advance(30);
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert_eq!(r.two_factor.code, codes::TOTP_LOCKED);
    // The lock lifts after the window.
    fx.clock.advance(15 * 60 + 30);
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert!(r.ok, "{r:?}");

    // A confirmed TOTP cannot be set up again by the device; an admin reset allows it.
    assert_eq!(
        desk_code(device::totp_setup(&dev.ctx)),
        codes::TOTP_ALREADY_SET_UP
    );
    admin::reset_totp(&fx.at(), &dev.state().device_id).unwrap();
    let r = device::verify(&dev.ctx, "000000", None).unwrap();
    assert_eq!(r.two_factor.code, codes::TOTP_NOT_SET_UP);
    device::totp_setup(&dev.ctx).unwrap();
}

#[test]
fn a_revoked_device_is_refused_at_once() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert!(r.ok);
    let id = dev.state().device_id;
    let (_, changed) =
        admin::revoke_device(&fx.at(), &id[..12], "laptop lost", fx.clock.as_ref()).unwrap();
    assert!(changed);
    fx.clock.advance(30);
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert!(!r.ok);
    assert_eq!(r.device_binding.code, codes::DEVICE_REVOKED);
    assert_eq!(r.region.code, codes::NOT_CHECKED);
    let rec = admin::list_devices(&fx.at()).unwrap();
    assert_eq!(rec[0].revoke_reason.as_deref(), Some("laptop lost"));

    // A device that unbinds itself is revoked on the desk, and its key and state are gone.
    let other = Dev::enroll(&fx);
    let other_id = other.state().device_id;
    let key_ref = other.state().key_ref;
    let out = device::unbind(&other.ctx, true).unwrap();
    assert!(out.desk_notified, "{out:?}");
    assert!(DeviceState::load(other.dir.path()).unwrap().is_none());
    let store = FileKeyStore::new(other.dir.path(), None, KdfParams::INSECURE_FOR_TESTS);
    assert!(!store.contains(&key_ref).unwrap());
    let devices = admin::list_devices(&fx.at()).unwrap();
    let d = devices.iter().find(|d| d.device_id == other_id).unwrap();
    assert!(d.revoked_at.is_some());
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn encodings(secret: &[u8]) -> Vec<(String, Vec<u8>)> {
    vec![
        ("raw".into(), secret.to_vec()),
        ("hex".into(), HEXLOWER.encode(secret).into_bytes()),
        ("HEX".into(), HEXUPPER.encode(secret).into_bytes()),
        ("base64".into(), BASE64.encode(secret).into_bytes()),
        (
            "base64url".into(),
            BASE64URL_NOPAD.encode(secret).into_bytes(),
        ),
        ("base32".into(), BASE32_NOPAD.encode(secret).into_bytes()),
        // A JSON array of byte values, as serde would write a byte vector.
        ("json".into(), serde_json::to_vec(secret).unwrap()),
    ]
}

fn assert_absent(what: &str, secret: &[u8], haystack: &[u8], place: &str) {
    for (enc, needle) in encodings(secret) {
        assert!(
            !haystack
                .windows(needle.len())
                .any(|w| w == needle.as_slice()),
            "{what} found ({enc}) in {place}"
        );
    }
}

#[test]
fn secrets_never_reach_disk_in_clear_nor_a_log() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);
    // Exercise every endpoint so that the logs hold all there is to log.
    device::verify(&dev.ctx, "000000", None).unwrap();
    device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    device::status(&dev.ctx).unwrap();
    let seed = dev.key().to_bytes();
    let org_seed = verity_desk::orgkey::load(fx.desk_dir.path(), Some(b"org passphrase"))
        .unwrap()
        .to_bytes();

    let mut files = Vec::new();
    files_under(dev.dir.path(), &mut files);
    files_under(fx.desk_dir.path(), &mut files);
    assert!(files.len() >= 3, "{files:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let place = f.display().to_string();
        assert_absent("the device key", &seed, &bytes, &place);
        assert_absent("the organisation key", &org_seed, &bytes, &place);
        assert_absent("the TOTP secret", &dev.totp_secret, &bytes, &place);
        assert_absent("the passphrase", PASSPHRASE, &bytes, &place);
    }
    let captured = logs().0.lock().unwrap().clone();
    assert!(
        String::from_utf8_lossy(&captured).contains("device enrolled"),
        "the log capture works"
    );
    assert_absent("the device key", &seed, &captured, "the logs");
    assert_absent("the organisation key", &org_seed, &captured, "the logs");
    assert_absent("the TOTP secret", &dev.totp_secret, &captured, "the logs");
}

#[test]
fn plain_http_is_refused_off_loopback_and_tls_works() {
    use verity_desk::http::{bind, check_listen};
    assert!(check_listen("127.0.0.1:8443".parse().unwrap(), false).is_ok());
    assert!(check_listen("[::1]:8443".parse().unwrap(), false).is_ok());
    assert!(check_listen("0.0.0.0:8443".parse().unwrap(), false).is_err());
    assert!(check_listen("192.0.2.10:8443".parse().unwrap(), false).is_err());
    assert!(check_listen("0.0.0.0:8443".parse().unwrap(), true).is_ok());
    assert!(matches!(
        bind("0.0.0.0:0".parse().unwrap(), false),
        Err(verity_desk::ServeError::PlainHttpNotLoopback(_))
    ));

    // A desk on TLS with a private CA, enrolled into with that CA as an extra root.
    let fx = Fx::new();
    let tls = tls_desk(&fx, ServeOptions::default());
    let (url, ca_pem) = (tls.url.clone(), tls.ca_pem.clone());
    let dev_dir = tempfile::tempdir().unwrap();
    let code = fx.code("e300", 3600);

    // Without the CA the desk's certificate is not trusted.
    let ctx = fx.ctx(dev_dir.path());
    assert_eq!(
        desk_code(device::enroll(&ctx, &url, &code, &fx.fp())),
        "desk_unreachable"
    );
    // With it, enrolment works, and later requests use the CA kept in the state.
    let mut ctx = fx.ctx(dev_dir.path());
    ctx.client.extra_roots_pem = Some(ca_pem);
    let code = fx.code("e300", 3600);
    device::enroll(&ctx, &url, &code, &fx.fp()).unwrap();
    let plain = fx.ctx(dev_dir.path());
    let r = device::verify(&plain, "000000", None).unwrap();
    assert!(r.device_binding.ok, "{r:?}");
    tls.desk.stop().unwrap();
}
