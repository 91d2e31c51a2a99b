//! The desk and the device library end to end, over loopback HTTP, with temporary data dirs and
//! a manual clock shared by both ends.
//!
//! The device key is kept in the passphrase file store, or in the OS store: the Secret Service
//! when `VERITY_TEST_SECRET_SERVICE=1` (run `crates/verity-device/tests/secret-service.sh`),
//! Credential Manager always on Windows (under Wine in `scripts/windows/test`).

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use data_encoding::{BASE32_NOPAD, BASE64, BASE64URL_NOPAD, HEXLOWER, HEXUPPER};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use tempfile::TempDir;
use verity_desk::admin;
use verity_desk::{BackgroundDesk, DeskConfig, ServeOptions};
use verity_device::client::DeskClient;
use verity_device::device::{self, DeviceContext};
use verity_device::keystore::{FileKeyStore, KeyStore, KeyStoreKind, OsKeyStore};
use verity_device::proto::{
    self, codes, paths, Certificate, CertificateBody, DeviceFacts, RegionSignals,
};
use verity_device::state::DeviceState;
use verity_device::{KdfParams, KeyStoreChoice, ManualClock};

const START: u64 = 1_800_000_000;
const PASSPHRASE: &[u8] = b"correct horse battery staple";

// ---- captured logs: every test's tracing and log output goes into one buffer -------------------

#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static LogBuffer {
    static LOGS: OnceLock<LogBuffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = LogBuffer::default();
        let writer = buf.clone();
        // Also bridges the `log` records of the device side and of reqwest into tracing.
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buf
    })
}

// ---- fixture ---------------------------------------------------------------------------------

struct Fx {
    desk_dir: TempDir,
    clock: Arc<ManualClock>,
    desk: Option<BackgroundDesk>,
    url: String,
}

impl Fx {
    fn new() -> Fx {
        Fx::with(DeskConfig::default())
    }

    fn with(config: DeskConfig) -> Fx {
        Fx::with_options(config, ServeOptions::default())
    }

    fn with_options(config: DeskConfig, options: ServeOptions) -> Fx {
        Fx::build(config, |_| options)
    }

    /// A desk whose serving options may depend on its address (a relay in front of it).
    fn build(config: DeskConfig, options: impl FnOnce(std::net::SocketAddr) -> ServeOptions) -> Fx {
        logs();
        let desk_dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(START));
        admin::init_org(
            desk_dir.path(),
            "Acme HK",
            Some(b"org passphrase"),
            KdfParams::INSECURE_FOR_TESTS,
            clock.as_ref(),
        )
        .unwrap();
        let desk = admin::open_desk(
            desk_dir.path(),
            Some(b"org passphrase"),
            clock.clone(),
            config,
        )
        .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let options = options(listener.local_addr().unwrap());
        let bg = BackgroundDesk::start_on(Arc::new(desk), listener, None, options).unwrap();
        let url = format!("http://{}", bg.addr());
        Fx {
            desk_dir,
            clock,
            desk: Some(bg),
            url,
        }
    }

    fn code(&self, employee: &str, ttl: u64) -> String {
        admin::create_enroll_code(
            self.desk_dir.path(),
            Some(b"org passphrase"),
            employee,
            "Chan Tai Man",
            ttl,
            self.clock.as_ref(),
        )
        .unwrap()
        .0
        .to_string()
    }

    /// The organisation key fingerprint, as IT announces it.
    fn fp(&self) -> String {
        admin::org_show(self.desk_dir.path()).unwrap().1
    }

    fn ctx(&self, dir: &Path) -> DeviceContext {
        let os_store =
            cfg!(windows) || std::env::var("VERITY_TEST_SECRET_SERVICE").as_deref() == Ok("1");
        DeviceContext {
            data_dir: dir.to_path_buf(),
            key_store: if os_store {
                KeyStoreChoice::Os
            } else {
                KeyStoreChoice::File
            },
            passphrase: Some(zeroize::Zeroizing::new(PASSPHRASE.to_vec())),
            kdf: KdfParams::INSECURE_FOR_TESTS,
            os_service: "hk.verity.test-device-key".into(),
            clock: self.clock.clone(),
            client: Default::default(),
            facts: DeviceFacts {
                hostname: "test-host".into(),
                os: "linux x86_64".into(),
                app_version: "0.1.0".into(),
            },
            signals: RegionSignals {
                timezone: Some("Asia/Hong_Kong".into()),
                locale: Some("zh-HK".into()),
            },
        }
    }

    fn policy(&self, regions: &str, cidrs: &str) {
        admin::set_policy(self.desk_dir.path(), regions, cidrs, self.clock.as_ref()).unwrap();
    }
}

impl Drop for Fx {
    fn drop(&mut self) {
        if let Some(d) = self.desk.take() {
            d.stop().unwrap();
        }
    }
}

/// An enrolled device: its data dir, context, and TOTP secret.
struct Dev {
    dir: TempDir,
    ctx: DeviceContext,
    totp_secret: Vec<u8>,
}

impl Dev {
    fn enroll(fx: &Fx) -> Dev {
        let dir = tempfile::tempdir().unwrap();
        let ctx = fx.ctx(dir.path());
        let code = fx.code("e100", 3600);
        let out = device::enroll(&ctx, &fx.url, &code, &fx.fp()).unwrap();
        let totp = out.totp.expect("TOTP set up");
        let totp_secret = BASE32_NOPAD.decode(totp.secret.as_bytes()).unwrap();
        Dev {
            dir,
            ctx,
            totp_secret,
        }
    }

    fn code_now(&self, clock: &ManualClock) -> String {
        verity_desk::totp::code_at(&self.totp_secret, clock.now()).unwrap()
    }

    fn state(&self) -> DeviceState {
        DeviceState::load(self.dir.path()).unwrap().unwrap()
    }

    fn key(&self) -> ed25519_dalek::SigningKey {
        let state = self.state();
        match state.key_store {
            KeyStoreKind::Os => OsKeyStore::new(&self.ctx.os_service).load(&state.key_ref),
            KeyStoreKind::File => FileKeyStore::new(
                self.dir.path(),
                self.ctx.passphrase.clone(),
                KdfParams::INSECURE_FOR_TESTS,
            )
            .load(&state.key_ref),
        }
        .unwrap()
    }

    fn client(&self) -> DeskClient {
        let state = self.state();
        let org = proto::parse_public_key(&state.org.public_key, "org").unwrap();
        DeskClient::new(&state.desk_url, &Default::default())
            .unwrap()
            .with_org_key(org)
    }
}

use verity_device::Clock as _;

fn desk_code(r: Result<impl std::fmt::Debug, device::DeviceError>) -> String {
    match r {
        Err(e) => e.code().to_owned(),
        Ok(v) => format!("unexpected success: {v:?}"),
    }
}

fn refused_code<T: std::fmt::Debug>(r: Result<T, verity_device::client::ClientError>) -> String {
    match r {
        Err(verity_device::client::ClientError::Refused { code, .. }) => code,
        other => format!("unexpected: {other:?}"),
    }
}

// ---- tests -----------------------------------------------------------------------------------

#[test]
fn enrolment_two_factor_and_region_end_to_end() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);
    let (_, org_fp) = admin::org_show(fx.desk_dir.path()).unwrap();

    // Bound, with the organisation key pinned and shown as the admin sees it.
    let st = device::status(&dev.ctx).unwrap();
    assert!(st.bound);
    let b = st.binding.unwrap();
    assert_eq!(b.org.fingerprint, org_fp);
    assert_eq!(b.employee_id, "e100");
    assert!(b.certificate_ok);
    assert_eq!(b.key_present, Some(true));
    assert_eq!(b.two_factor, verity_device::state::TwoFactorState::Pending);
    let devices = admin::list_devices(fx.desk_dir.path()).unwrap();
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
    assert!(admin::list_devices(fx.desk_dir.path()).unwrap()[0].totp_confirmed);

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
    let (_, fp) = admin::org_show(fx.desk_dir.path()).unwrap();
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

    // The same body signed by a key that is not the organisation's.
    let impostor = proto::generate_signing_key().unwrap();
    let forged = Certificate::sign(real.body().clone(), &impostor).unwrap();
    assert_eq!(
        refused_code(send(forged.token())),
        codes::CERTIFICATE_INVALID
    );

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
    admin::reset_totp(fx.desk_dir.path(), &dev.state().device_id).unwrap();
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
    let (_, changed) = admin::revoke_device(
        fx.desk_dir.path(),
        &id[..12],
        "laptop lost",
        fx.clock.as_ref(),
    )
    .unwrap();
    assert!(changed);
    fx.clock.advance(30);
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert!(!r.ok);
    assert_eq!(r.device_binding.code, codes::DEVICE_REVOKED);
    assert_eq!(r.region.code, codes::NOT_CHECKED);
    let rec = admin::list_devices(fx.desk_dir.path()).unwrap();
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
    let devices = admin::list_devices(fx.desk_dir.path()).unwrap();
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
    let dir = tempfile::tempdir().unwrap();
    let ca = rcgen::CertifiedIssuer::self_signed(
        {
            let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
            p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            p
        },
        rcgen::KeyPair::generate().unwrap(),
    )
    .unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_file, leaf.pem()).unwrap();
    std::fs::write(&key_file, leaf_key.serialize_pem()).unwrap();

    let fx = Fx::new();
    let desk = admin::open_desk(
        fx.desk_dir.path(),
        Some(b"org passphrase"),
        fx.clock.clone(),
        DeskConfig::default(),
    )
    .unwrap();
    // Served on 127.0.0.1, reached as localhost: the public URL says which origin is signed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let tls = BackgroundDesk::start_on(
        Arc::new(desk),
        listener,
        Some((&cert_file, &key_file)),
        ServeOptions {
            public_url: Some(url.clone()),
            ..ServeOptions::default()
        },
    )
    .unwrap();
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
    ctx.client.extra_roots_pem = Some(ca.pem().into_bytes());
    let code = fx.code("e300", 3600);
    device::enroll(&ctx, &url, &code, &fx.fp()).unwrap();
    let plain = fx.ctx(dev_dir.path());
    let r = device::verify(&plain, "000000", None).unwrap();
    assert!(r.device_binding.ok, "{r:?}");
    tls.stop().unwrap();
}

// ---- hostile load ------------------------------------------------------------------------------

/// An HTTP/1.1 answer read off a socket.
#[derive(Debug)]
struct RawAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawAnswer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn code(&self) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body).unwrap()["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

/// Reads one HTTP/1.1 message (head, then a Content-Length body) from `r`.
fn read_message(r: &mut impl std::io::Read) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if r.read(&mut b).ok()? == 0 {
            return None;
        }
        head.push(b[0]);
    }
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let len = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse::<usize>().unwrap());
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn parse_answer(head: &[u8], body: Vec<u8>) -> RawAnswer {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    RawAnswer {
        status,
        headers,
        body,
    }
}

/// Sends a prepared request over a plain socket, with `extra` headers, and reads the answer.
fn send_raw(
    addr: std::net::SocketAddr,
    req: &verity_device::client::PreparedRequest,
    extra: &[(&str, &str)],
) -> RawAnswer {
    use std::io::Write as _;
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let path = match req.url.query() {
        Some(q) => format!("{}?{q}", req.url.path()),
        None => req.url.path().to_owned(),
    };
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        req.method,
        req.body.len()
    );
    if let Some(a) = &req.auth {
        head.push_str(&format!(
            "{}: {}\r\n{}: {}\r\n{}: {}\r\n",
            proto::H_TIMESTAMP,
            a.timestamp,
            proto::H_NONCE,
            a.nonce,
            proto::H_SIGNATURE,
            a.signature
        ));
        if let Some(c) = &a.certificate {
            head.push_str(&format!("{}: {c}\r\n", proto::H_CERTIFICATE));
        }
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&req.body).unwrap();
    let (head, body) = read_message(&mut s).unwrap();
    parse_answer(&head, body)
}

/// An enrolment request with `code`, signed by a fresh device key.
fn enroll_request(
    client: &DeskClient,
    code: &str,
    clock: &ManualClock,
) -> verity_device::client::PreparedRequest {
    let key = proto::generate_signing_key().unwrap();
    let body = serde_json::to_vec(&proto::EnrollRequest {
        code: code.to_owned(),
        device_key: proto::b64(key.verifying_key().as_bytes()),
        facts: DeviceFacts {
            hostname: "h".into(),
            os: "linux".into(),
            app_version: "0.1.0".into(),
        },
        signals: RegionSignals::default(),
    })
    .unwrap();
    client
        .prepare("POST", paths::ENROLL, body, &key, None, clock)
        .unwrap()
}

/// Sends `reqs` from `threads` threads at once (each its own connections) and returns the
/// answers' codes.
fn send_parallel(
    addr: std::net::SocketAddr,
    reqs: &[verity_device::client::PreparedRequest],
    threads: usize,
) -> Vec<RawAnswer> {
    let out = Mutex::new(Vec::new());
    let start = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        for chunk in reqs.chunks(reqs.len().div_ceil(threads)) {
            let (out, start) = (&out, &start);
            s.spawn(move || {
                start.wait();
                for r in chunk {
                    let a = send_raw(addr, r, &[]);
                    out.lock().unwrap().push(a);
                }
            });
        }
    });
    out.into_inner().unwrap()
}

fn count(answers: &[String], code: &str) -> usize {
    answers.iter().filter(|c| c.as_str() == code).count()
}

#[test]
fn parallel_wrong_totp_codes_are_judged_against_the_current_count() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);
    let state = dev.state();
    let key = dev.key();
    let client = dev.client();
    let now = fx.clock.now();
    let near: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|t| verity_desk::totp::code_at(&dev.totp_secret, *t).unwrap())
        .collect();
    let reqs: Vec<_> = (0u32..)
        .map(|n| format!("{:06}", (n * 7919 + 17) % 1_000_000))
        .filter(|c| !near.contains(c))
        .take(100)
        .map(|c| {
            let body = serde_json::to_vec(&serde_json::json!({
                "totp": c, "signals": { "timezone": null, "locale": null }
            }))
            .unwrap();
            client
                .prepare(
                    "POST",
                    paths::VERIFY,
                    body,
                    &key,
                    Some(&state.certificate),
                    fx.clock.as_ref(),
                )
                .unwrap()
        })
        .collect();
    let answers = send_parallel(fx.desk.as_ref().unwrap().addr(), &reqs, 25);
    let codes_seen: Vec<String> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, 200, "{a:?}");
            assert_eq!(a.header("content-type"), Some("application/json"));
            let v: proto::VerifyResponse = serde_json::from_slice(&a.body).unwrap();
            v.two_factor.code
        })
        .collect();
    assert_eq!(codes_seen.len(), 100);
    assert_eq!(count(&codes_seen, codes::TOTP_INVALID), 5, "{codes_seen:?}");
    assert_eq!(count(&codes_seen, codes::TOTP_LOCKED), 95, "{codes_seen:?}");
    use verity_desk::store::{DeskStore, FailureKind};
    let store = verity_desk::SqliteStore::open(fx.desk_dir.path()).unwrap();
    let (failures, _) = store
        .failures_since(FailureKind::Totp, &state.device_id, 0)
        .unwrap();
    assert_eq!(failures, 5, "only the judged guesses are on record");
    // And the right code is locked out too.
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert_eq!(r.two_factor.code, codes::TOTP_LOCKED);
}

#[test]
fn parallel_wrong_enrolment_codes_are_judged_against_the_current_count() {
    let fx = Fx::new();
    let client = DeskClient::new(&fx.url, &Default::default()).unwrap();
    let reqs: Vec<_> = (0..100)
        .map(|n| enroll_request(&client, &format!("WRNG-{n:04}-CODE"), &fx.clock))
        .collect();
    let answers = send_parallel(fx.desk.as_ref().unwrap().addr(), &reqs, 25);
    let seen: Vec<String> = answers.iter().map(RawAnswer::code).collect();
    let max = DeskConfig::default().enroll_max_failures as usize;
    assert_eq!(count(&seen, codes::ENROLL_CODE_INVALID), max, "{seen:?}");
    assert_eq!(
        count(&seen, codes::ENROLL_RATE_LIMITED),
        100 - max,
        "{seen:?}"
    );
    // Refused over the limit, a request writes nothing: exactly the judged guesses are on
    // record, and no device.
    use verity_desk::store::{DeskStore, FailureKind};
    let store = verity_desk::SqliteStore::open(fx.desk_dir.path()).unwrap();
    let (failures, _) = store
        .failures_since(FailureKind::EnrollCode, "127.0.0.1", 0)
        .unwrap();
    assert_eq!(failures as usize, max);
    assert!(admin::list_devices(fx.desk_dir.path()).unwrap().is_empty());
}

#[test]
fn forwarded_addresses_count_only_from_a_trusted_proxy_and_ipv6_by_64() {
    let config = DeskConfig {
        enroll_max_failures: 3,
        ..DeskConfig::default()
    };
    // Trusted: the loopback "proxy" reports IPv6 clients; one /64 is one bucket.
    let fx = Fx::with_options(
        config.clone(),
        ServeOptions {
            trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
            ..ServeOptions::default()
        },
    );
    let addr = fx.desk.as_ref().unwrap().addr();
    let client = DeskClient::new(&fx.url, &Default::default()).unwrap();
    let wrong = |xff: Option<&str>| {
        let req = enroll_request(&client, "WRNG-WRNG-WRNG", &fx.clock);
        match xff {
            Some(x) => send_raw(addr, &req, &[("X-Forwarded-For", x)]).code(),
            None => send_raw(addr, &req, &[]).code(),
        }
    };
    for x in ["2001:db8:0:7::1", "2001:db8:0:7::2", "2001:db8:0:7:ffff::3"] {
        assert_eq!(wrong(Some(x)), codes::ENROLL_CODE_INVALID);
    }
    assert_eq!(
        wrong(Some("2001:db8:0:7::abcd")),
        codes::ENROLL_RATE_LIMITED,
        "another address of the same /64"
    );
    assert_eq!(wrong(Some("2001:db8:0:8::1")), codes::ENROLL_CODE_INVALID);
    // The standard header too.
    assert_eq!(
        send_raw(
            addr,
            &enroll_request(&client, "WRNG-WRNG-WRNG", &fx.clock),
            &[("Forwarded", "for=\"[2001:db8:0:7::9]\"")]
        )
        .code(),
        codes::ENROLL_RATE_LIMITED
    );
    // The proxy's own address is a bucket of its own.
    assert_eq!(wrong(None), codes::ENROLL_CODE_INVALID);
    drop(fx);

    // Not trusted (the default): the header is the client's own word and is ignored, so
    // rotating it changes nothing.
    let fx = Fx::with(config);
    let addr = fx.desk.as_ref().unwrap().addr();
    let client = DeskClient::new(&fx.url, &Default::default()).unwrap();
    let codes_seen: Vec<String> = [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
    ]
    .iter()
    .map(|x| {
        let req = enroll_request(&client, "WRNG-WRNG-WRNG", &fx.clock);
        send_raw(addr, &req, &[("X-Forwarded-For", x)]).code()
    })
    .collect();
    assert_eq!(
        codes_seen,
        [
            codes::ENROLL_CODE_INVALID,
            codes::ENROLL_CODE_INVALID,
            codes::ENROLL_CODE_INVALID,
            codes::ENROLL_RATE_LIMITED
        ]
    );
}

#[test]
fn slow_header_clients_hold_no_more_connections_than_the_limit() {
    use std::io::{Read as _, Write as _};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let fx = Fx::with_options(
        DeskConfig::default(),
        ServeOptions {
            max_connections: 8,
            header_read_timeout: Duration::from_secs(1),
            ..ServeOptions::default()
        },
    );
    let bg = fx.desk.as_ref().unwrap();
    let (addr, stats) = (bg.addr(), bg.conn_stats());
    let stop = Arc::new(AtomicBool::new(false));
    // Thirty clients that open a connection and dribble a header line every 100 ms.
    let dribblers: Vec<_> = (0..30)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            let stop = stop.clone();
            std::thread::spawn(move || {
                if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                    .is_err()
                {
                    return;
                }
                while !stop.load(Ordering::SeqCst) {
                    if s.write_all(b"X-Slow: a\r\n").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        })
        .collect();
    let waited = Instant::now();
    while stats.accepted() < 8 {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "the desk accepts nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A real request, queued behind them, is still served once the header deadline has cut
    // the dribblers off.
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    stop.store(true, Ordering::SeqCst);
    for d in dribblers {
        d.join().unwrap();
    }
    assert!(stats.peak() <= 8, "peak {} connections", stats.peak());
    assert!(stats.accepted() >= 9);
}

#[test]
fn a_code_issued_before_the_hmac_still_enrols_until_it_expires() {
    use verity_desk::store::{code_scheme, DeskStore, EnrollCodeRecord};
    let fx = Fx::new();
    let store = verity_desk::SqliteStore::open(fx.desk_dir.path()).unwrap();
    let code = "ABCD-EFGH-JKMN";
    let record = |hash: String, scheme: u32| EnrollCodeRecord {
        code_hash: hash,
        scheme,
        employee_id: "e1".into(),
        employee_name: "Chan".into(),
        created_at: START,
        expires_at: START + 600,
        used_at: None,
        used_by: None,
    };
    // Stored the old way (unsalted SHA-256), as a schema-1 desk did.
    store
        .add_enroll_code(&record(
            verity_desk::service::legacy_code_hash(code),
            code_scheme::LEGACY_SHA256,
        ))
        .unwrap();
    // A new-scheme row whose hash happens to be a legacy hash is not taken for a legacy code.
    let other = "WXYZ-WXYZ-WXYZ";
    store
        .add_enroll_code(&record(
            verity_desk::service::legacy_code_hash(other),
            code_scheme::HMAC_SHA256,
        ))
        .unwrap();
    let a = tempfile::tempdir().unwrap();
    device::enroll(&fx.ctx(a.path()), &fx.url, &code.to_lowercase(), &fx.fp()).unwrap();
    let b = tempfile::tempdir().unwrap();
    assert_eq!(
        desk_code(device::enroll(&fx.ctx(b.path()), &fx.url, other, &fx.fp())),
        codes::ENROLL_CODE_INVALID
    );
    // New codes are HMACs: the database holds neither the code nor its plain SHA-256.
    let fresh = fx.code("e2", 600);
    let db = std::fs::read(fx.desk_dir.path().join("desk.sqlite3")).unwrap();
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains(&verity_desk::service::legacy_code_hash(&fresh)));
}

// ---- rogue desks, relays, unsigned answers ----------------------------------------------------

/// What a relay does to the answers it passes back.
#[derive(Clone)]
enum Tamper {
    /// Nothing: verbatim both ways.
    None,
    /// Drops the answer signature of answers to requests whose line starts with the prefix.
    StripSignature(&'static str),
    /// Replaces it with a signature by another key.
    ForgeSignature(&'static str, Arc<ed25519_dalek::SigningKey>),
    /// Answers those requests itself, unsigned, with this status and body (a proxy's page).
    Answer(&'static str, u16, &'static str),
}

/// One exchange a relay saw.
#[derive(Debug, Clone)]
struct Exchange {
    request: Vec<u8>,
    answer: Option<RawAnswer>,
}

impl Clone for RawAnswer {
    fn clone(&self) -> RawAnswer {
        RawAnswer {
            status: self.status,
            headers: self.headers.clone(),
            body: self.body.clone(),
        }
    }
}

/// A rogue HTTP server on loopback that forwards every request verbatim to `upstream` and the
/// answer back (as a fake support agent's relay would), recording both.
struct Relay {
    addr: std::net::SocketAddr,
    log: Arc<Mutex<Vec<Exchange>>>,
    tamper: Arc<Mutex<Tamper>>,
}

impl Relay {
    fn start(upstream: std::net::SocketAddr) -> Relay {
        use std::io::Write as _;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let tamper = Arc::new(Mutex::new(Tamper::None));
        let (l, t) = (log.clone(), tamper.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { return };
                let (log, tamper) = (l.clone(), t.clone());
                std::thread::spawn(move || {
                    while let Some((head, body)) = read_message(&mut client) {
                        let request = [head.clone(), body.clone()].concat();
                        let line = String::from_utf8_lossy(&head)
                            .lines()
                            .next()
                            .unwrap_or("")
                            .to_owned();
                        let mode = tamper.lock().unwrap().clone();
                        let (mut ahead, abody) = match &mode {
                            Tamper::Answer(p, status, text) if line.starts_with(p) => {
                                log.lock().unwrap().push(Exchange {
                                    request,
                                    answer: None,
                                });
                                let head = format!(
                                    "HTTP/1.1 {status} Whatever\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                                    text.len()
                                );
                                if client.write_all(head.as_bytes()).is_err()
                                    || client.write_all(text.as_bytes()).is_err()
                                {
                                    return;
                                }
                                continue;
                            }
                            _ => {
                                let mut up = std::net::TcpStream::connect(upstream).unwrap();
                                up.write_all(&request).unwrap();
                                read_message(&mut up).unwrap()
                            }
                        };
                        log.lock().unwrap().push(Exchange {
                            request,
                            answer: Some(parse_answer(&ahead, abody.clone())),
                        });
                        let rewrite = |head: &[u8], new_sig: Option<String>| -> Vec<u8> {
                            let text = String::from_utf8_lossy(head).into_owned();
                            let mut out: Vec<String> = text
                                .trim_end_matches("\r\n")
                                .split("\r\n")
                                .filter(|l| {
                                    !l.to_ascii_lowercase()
                                        .starts_with(proto::H_RESPONSE_SIGNATURE)
                                })
                                .map(str::to_owned)
                                .collect();
                            if let Some(sig) = new_sig {
                                out.push(format!("{}: {sig}", proto::H_RESPONSE_SIGNATURE));
                            }
                            format!("{}\r\n\r\n", out.join("\r\n")).into_bytes()
                        };
                        match &mode {
                            Tamper::StripSignature(p) if line.starts_with(p) => {
                                ahead = rewrite(&ahead, None);
                            }
                            Tamper::ForgeSignature(p, key) if line.starts_with(p) => {
                                let sig = proto::sign_response(key, "http://x", "", &abody);
                                ahead = rewrite(&ahead, Some(sig));
                            }
                            _ => {}
                        }
                        if client.write_all(&ahead).is_err() || client.write_all(&abody).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Relay { addr, log, tamper }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn set(&self, t: Tamper) {
        *self.tamper.lock().unwrap() = t;
    }

    fn exchanges(&self) -> Vec<Exchange> {
        self.log.lock().unwrap().clone()
    }

    /// Whether any request it received contains `needle`.
    fn received(&self, needle: &str) -> bool {
        self.exchanges().iter().any(|e| {
            e.request
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
        })
    }
}

#[test]
fn a_relay_cannot_pass_the_devices_requests_off_to_the_real_desk() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);
    let state = dev.state();
    let key = dev.key();
    // The fake agent's desk forwards everything, byte for byte, to the real one.
    let relay = Relay::start(fx.desk.as_ref().unwrap().addr());
    let org = proto::parse_public_key(&state.org.public_key, "org").unwrap();
    let via_relay = DeskClient::new(&relay.url(), &Default::default())
        .unwrap()
        .with_org_key(org);

    // The device, talking to the relay, signs the relay's origin: the real desk refuses it, and
    // the device refuses the answer (signed for the real desk's origin, not the one it called).
    let code = dev.code_now(&fx.clock);
    let body = serde_json::to_vec(&serde_json::json!({
        "totp": code, "signals": { "timezone": null, "locale": null }
    }))
    .unwrap();
    let req = via_relay
        .prepare(
            "POST",
            paths::VERIFY,
            body,
            &key,
            Some(&state.certificate),
            fx.clock.as_ref(),
        )
        .unwrap();
    match via_relay.execute(&req) {
        Err(verity_device::client::ClientError::AnswerNotSigned { status: 401, .. }) => {}
        other => panic!("unexpected: {other:?}"),
    }
    let seen = relay.exchanges();
    let answer = seen.last().unwrap().answer.as_ref().unwrap();
    assert_eq!(answer.status, 401);
    assert_eq!(answer.code(), codes::SIGNATURE_INVALID);
    // The TOTP code was not accepted: it still works at the real desk.
    let r = device::verify(&dev.ctx, &code, None).unwrap();
    assert!(r.ok, "{r:?}");

    // A relayed enrolment, a valid code inside: refused, and the code is not spent.
    let code = fx.code("e300", 3600);
    let req = enroll_request(&via_relay, &code, &fx.clock);
    assert!(via_relay.execute(&req).is_err());
    let answer = relay.exchanges().last().unwrap().answer.clone().unwrap();
    assert_eq!(answer.code(), codes::SIGNATURE_INVALID);
    // Nor can the relay show the real desk as itself: its /v1/org answer is signed for the
    // real desk's origin, so preview and enrolment through it stop there.
    let other = tempfile::tempdir().unwrap();
    assert_eq!(
        desk_code(device::preview(&fx.ctx(other.path()), &relay.url())),
        "answer_unsigned"
    );
    assert_eq!(
        desk_code(device::enroll(
            &fx.ctx(other.path()),
            &relay.url(),
            &code,
            &fx.fp()
        )),
        "answer_unsigned"
    );
    assert!(DeviceState::load(other.path()).unwrap().is_none());
    device::enroll(&fx.ctx(other.path()), &fx.url, &code, &fx.fp()).unwrap();
}

#[test]
fn a_rogue_desk_is_refused_before_the_code_is_sent() {
    let fx = Fx::new();
    // The rogue desk: the same software and name, another organisation key, reachable (and
    // signing) as the fake agent's address, in front of which a recorder sits.
    let mut recorder = None;
    let rogue = Fx::build(DeskConfig::default(), |addr| {
        let r = Relay::start(addr);
        let o = ServeOptions {
            public_url: Some(r.url()),
            ..ServeOptions::default()
        };
        recorder = Some(r);
        o
    });
    let recorder = recorder.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = fx.ctx(dir.path());

    // What the user is shown before anything else: the same name, another fingerprint.
    let p = device::preview(&ctx, &recorder.url()).unwrap();
    assert_eq!(p.org_name, "Acme HK");
    assert_eq!(p.fingerprint, rogue.fp());
    assert_ne!(p.fingerprint, fx.fp());
    assert_eq!(p.desk_url, format!("{}/", recorder.url()));
    // The real desk's preview shows the real one.
    assert_eq!(device::preview(&ctx, &fx.url).unwrap().fingerprint, fx.fp());

    // Enrolling there with the fingerprint IT announced: refused before the code leaves.
    let code = fx.code("e100", 3600);
    assert_eq!(
        desk_code(device::enroll(&ctx, &recorder.url(), &code, &fx.fp())),
        "fingerprint_mismatch"
    );
    assert!(!recorder.received(&code));
    assert!(recorder
        .exchanges()
        .iter()
        .all(|e| e.request.starts_with(b"GET /v1/org?challenge=")));
    assert!(DeviceState::load(dir.path()).unwrap().is_none());
    assert!(!dir.path().join(verity_device::keystore::KEY_FILE).exists());
    // The code is still good at the real desk.
    device::enroll(&ctx, &fx.url, &code, &fx.fp()).unwrap();
}

#[test]
fn unsigned_or_forged_answers_are_refused_and_nothing_is_kept() {
    // The real desk, reached through a meddling proxy it is configured to sign for (so that the
    // only thing wrong is what the proxy does to the answers).
    let mut proxy = None;
    let fx = Fx::build(DeskConfig::default(), |addr| {
        let r = Relay::start(addr);
        let o = ServeOptions {
            public_url: Some(r.url()),
            ..ServeOptions::default()
        };
        proxy = Some(r);
        o
    });
    let proxy = proxy.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = fx.ctx(dir.path());
    let impostor = Arc::new(proto::generate_signing_key().unwrap());

    for tamper in [
        Tamper::StripSignature("POST /v1/enroll"),
        Tamper::ForgeSignature("POST /v1/enroll", impostor.clone()),
        Tamper::StripSignature("GET /v1/org"),
        Tamper::ForgeSignature("GET /v1/org", impostor.clone()),
    ] {
        proxy.set(tamper);
        let code = fx.code("e100", 3600);
        assert_eq!(
            desk_code(device::enroll(&ctx, &proxy.url(), &code, &fx.fp())),
            "answer_unsigned"
        );
        assert!(DeviceState::load(dir.path()).unwrap().is_none());
        assert!(!dir.path().join(verity_device::keystore::KEY_FILE).exists());
    }
    // A well-formed enrolment answer did pass through unsigned: the device kept none of it.
    let enrolled = proxy
        .exchanges()
        .iter()
        .filter(|e| e.request.starts_with(b"POST /v1/enroll"))
        .filter(|e| e.answer.as_ref().is_some_and(|a| a.status == 200))
        .count();
    assert_eq!(enrolled, 2);

    // Untouched, enrolment works through the same proxy.
    proxy.set(Tamper::None);
    let code = fx.code("e101", 3600);
    let out = device::enroll(&ctx, &proxy.url(), &code, &fx.fp()).unwrap();
    let totp = BASE32_NOPAD
        .decode(out.totp.unwrap().secret.as_bytes())
        .unwrap();
    let before = DeviceState::load(dir.path()).unwrap().unwrap();

    // A proxy's own error page, or a forged refusal ("your device was revoked"), unsigned: an
    // error, never a check result the app would show as the desk's word.
    for (status, body) in [
        (502, "<html>Bad Gateway</html>"),
        (
            403,
            r#"{"code":"device_revoked","message":"revoked: call support on +852 0000 0000"}"#,
        ),
    ] {
        proxy.set(Tamper::Answer("POST /v1/verify", status, body));
        let code = verity_desk::totp::code_at(&totp, fx.clock.now()).unwrap();
        assert_eq!(
            desk_code(device::verify(&ctx, &code, None)),
            "answer_unsigned"
        );
        assert_eq!(DeviceState::load(dir.path()).unwrap().unwrap(), before);
    }
    proxy.set(Tamper::StripSignature("POST /v1/verify"));
    let code = verity_desk::totp::code_at(&totp, fx.clock.now()).unwrap();
    assert_eq!(
        desk_code(device::verify(&ctx, &code, None)),
        "answer_unsigned"
    );
    assert_eq!(DeviceState::load(dir.path()).unwrap().unwrap(), before);
}

#[test]
fn the_organisation_feed_round_trip() {
    let fx = Fx::new();
    let d = fx.desk_dir.path();
    let root = d.join("root.json");
    let root_text = "{\"signed\":{\"_type\":\"root\",\"version\":1},\"signatures\":[]}\n";
    std::fs::write(&root, root_text).unwrap();
    // Validation.
    let usage = |r: Result<verity_desk::store::OrgFeedRecord, admin::AdminError>| {
        matches!(r, Err(admin::AdminError::Usage(_)))
    };
    assert!(usage(admin::set_org_feed(
        d,
        "http://feed.example.hk/",
        &root,
        fx.clock.as_ref()
    )));
    assert!(usage(admin::set_org_feed(
        d,
        "ftp://feed.example.hk/",
        &root,
        fx.clock.as_ref()
    )));
    assert!(usage(admin::set_org_feed(
        d,
        "https://u:p@feed.example.hk/",
        &root,
        fx.clock.as_ref()
    )));
    for bad in [
        "[1, 2]".to_owned(),
        "not json".to_owned(),
        format!("{{\"a\":\"{}\"}}", "x".repeat(64 * 1024)),
    ] {
        let f = d.join("bad.json");
        std::fs::write(&f, bad).unwrap();
        assert!(usage(admin::set_org_feed(
            d,
            "https://feed.example.hk/",
            &f,
            fx.clock.as_ref()
        )));
    }
    assert!(admin::show_org_feed(d).unwrap().is_none());
    admin::set_org_feed(d, "http://127.0.0.1:8080/feed/", &root, fx.clock.as_ref()).unwrap();
    admin::set_org_feed(d, "https://feed.example.hk/acme/", &root, fx.clock.as_ref()).unwrap();

    // The signed /v1/org answer carries it; so does enrolment, and the device keeps it.
    let client = DeskClient::new(&fx.url, &Default::default()).unwrap();
    let org = client.org().unwrap();
    assert_eq!(
        org.feed.as_ref().unwrap().url,
        "https://feed.example.hk/acme/"
    );
    let dev = Dev::enroll(&fx);
    let feed = device::org_feed(&dev.ctx).unwrap().unwrap();
    assert_eq!(feed.url, "https://feed.example.hk/acme/");
    assert_eq!(feed.root_json, root_text);
    assert_eq!(feed.org_fingerprint, fx.fp());

    // The admin moves the feed: the next verification brings the change.
    admin::set_org_feed(d, "https://feed2.example.hk/", &root, fx.clock.as_ref()).unwrap();
    device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert_eq!(
        device::org_feed(&dev.ctx).unwrap().unwrap().url,
        "https://feed2.example.hk/"
    );
    admin::clear_org_feed(d).unwrap();
    fx.clock.advance(30);
    device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert!(device::org_feed(&dev.ctx).unwrap().is_none());

    // A device.json written before the field existed still loads.
    let path = dev.dir.path().join(verity_device::state::STATE_FILE);
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("feed");
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    assert!(DeviceState::load(dev.dir.path())
        .unwrap()
        .unwrap()
        .feed
        .is_none());
    // Not enrolled: no feed.
    let none = tempfile::tempdir().unwrap();
    assert!(device::org_feed(&fx.ctx(none.path())).unwrap().is_none());
}

#[test]
fn idle_and_old_keep_alive_connections_are_closed() {
    use std::io::Write as _;
    use std::time::{Duration, Instant};
    let fx = Fx::with_options(
        DeskConfig::default(),
        ServeOptions {
            header_read_timeout: Duration::from_secs(1),
            max_connection_age: Duration::from_secs(2),
            ..ServeOptions::default()
        },
    );
    let addr = fx.desk.as_ref().unwrap().addr();
    let get = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

    // Idle after an answer: the wait for the next request head is cut off too.
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(get).unwrap();
    let (head, _) = read_message(&mut s).unwrap();
    assert!(head.starts_with(b"HTTP/1.1 200"));
    assert!(
        read_message(&mut s).is_none(),
        "the idle connection is closed"
    );

    // Busy: a connection that keeps asking is still closed (gracefully) once it is old enough.
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let started = Instant::now();
    let mut answered = 0;
    loop {
        assert!(started.elapsed() < Duration::from_secs(60), "never closed");
        if s.write_all(get).is_err() {
            break;
        }
        match read_message(&mut s) {
            Some((head, _)) => {
                assert!(head.starts_with(b"HTTP/1.1 200"));
                answered += 1;
            }
            None => break,
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(answered >= 1);
}

#[test]
fn silent_tls_clients_hold_no_more_connections_than_the_limit() {
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let ca = rcgen::CertifiedIssuer::self_signed(
        {
            let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
            p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            p
        },
        rcgen::KeyPair::generate().unwrap(),
    )
    .unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_file, leaf.pem()).unwrap();
    std::fs::write(&key_file, leaf_key.serialize_pem()).unwrap();

    let fx = Fx::new();
    let desk = admin::open_desk(
        fx.desk_dir.path(),
        Some(b"org passphrase"),
        fx.clock.clone(),
        DeskConfig::default(),
    )
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("https://localhost:{}", addr.port());
    let tls = BackgroundDesk::start_on(
        Arc::new(desk),
        listener,
        Some((&cert_file, &key_file)),
        ServeOptions {
            public_url: Some(url.clone()),
            max_connections: 3,
            tls_handshake_timeout: Duration::from_secs(1),
            ..ServeOptions::default()
        },
    )
    .unwrap();
    let stats = tls.conn_stats();
    // Ten clients that connect and never start the handshake.
    let silent: Vec<_> = (0..10)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    // A real client behind them is served once the handshake deadline has freed the slots.
    let dev_dir = tempfile::tempdir().unwrap();
    let mut ctx = fx.ctx(dev_dir.path());
    ctx.client.extra_roots_pem = Some(ca.pem().into_bytes());
    ctx.client.timeout = Duration::from_secs(120);
    let p = device::preview(&ctx, &url).unwrap();
    assert_eq!(p.fingerprint, fx.fp());
    assert!(stats.peak() <= 3, "peak {}", stats.peak());
    drop(silent);
    tls.stop().unwrap();
}

// ---- the anchored audit head -------------------------------------------------------------------

fn hash_of(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn desk_anchor(fx: &Fx, device_id: &str) -> Option<verity_desk::store::AuditAnchorRecord> {
    use verity_desk::DeskStore as _;
    verity_desk::SqliteStore::open(fx.desk_dir.path())
        .unwrap()
        .audit_anchor(device_id)
        .unwrap()
}

#[test]
fn audit_heads_are_countersigned_kept_and_never_rolled_back() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);
    let device_id = dev.state().device_id;
    let org_key = proto::parse_public_key(&dev.state().org.public_key, "org").unwrap();

    // A head is signed, sent, anchored by the desk and countersigned in the answer.
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), Some((3, &hash_of(3)))).unwrap();
    assert!(r.ok, "{r:?}");
    let a = r.audit_anchor.clone().expect("countersigned");
    assert_eq!(
        (a.seq, a.hash.as_str(), a.at),
        (3, hash_of(3).as_str(), START)
    );
    assert_eq!(a.device_id, device_id);
    assert_eq!(a.org_fingerprint, fx.fp());
    proto::verify_audit_anchor(
        &org_key,
        &device_id,
        &proto::AuditAnchor {
            seq: a.seq,
            hash: a.hash.clone(),
            at: a.at,
            signature: a.signature.clone(),
        },
    )
    .unwrap();
    let kept = desk_anchor(&fx, &device_id).unwrap();
    assert_eq!((kept.seq, kept.hash.as_str()), (3, hash_of(3).as_str()));

    // No head: nothing anchored, nothing changed.
    fx.clock.advance(30);
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert!(r.audit_anchor.is_none() && r.audit_anchor_problem.is_none());

    // A later head replaces it; the same head again is countersigned again.
    for (seq, h) in [(5, 5), (5, 5)] {
        fx.clock.advance(30);
        let r =
            device::verify(&dev.ctx, &dev.code_now(&fx.clock), Some((seq, &hash_of(h)))).unwrap();
        assert_eq!(r.audit_anchor.map(|a| a.seq), Some(seq));
    }

    // The chain went back (a lower seq), or was rewritten at the same length: not countersigned,
    // the anchor kept is unchanged, the desk logs a warning.
    for (seq, h) in [(4, 4), (5, 9)] {
        fx.clock.advance(30);
        let r =
            device::verify(&dev.ctx, &dev.code_now(&fx.clock), Some((seq, &hash_of(h)))).unwrap();
        assert!(r.ok, "the checks still pass: {r:?}");
        assert!(r.audit_anchor.is_none(), "{r:?}");
        assert!(r
            .audit_anchor_problem
            .as_deref()
            .unwrap()
            .contains("did not countersign"));
        let kept = desk_anchor(&fx, &device_id).unwrap();
        assert_eq!((kept.seq, kept.hash.as_str()), (5, hash_of(5).as_str()));
    }
    let log = String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned();
    assert!(log.contains("audit head goes back behind the one anchored"));

    // A head signed by another key (or for another device), in a request the device key signed:
    // refused as a bad request before anything is written (the nonce is not spent either).
    let key = dev.key();
    let state = dev.state();
    let forger = proto::generate_signing_key().unwrap();
    for head in [
        proto::sign_audit_head(&forger, &device_id, 9, &hash_of(9)).unwrap(),
        proto::sign_audit_head(&key, &hash_of(1), 9, &hash_of(9)).unwrap(),
        proto::SignedHead {
            seq: 9,
            hash: "AB".repeat(32),
            signature: proto::sign_audit_head(&key, &device_id, 9, &hash_of(9))
                .unwrap()
                .signature,
        },
    ] {
        fx.clock.advance(30);
        let req = proto::VerifyRequest {
            totp: dev.code_now(&fx.clock),
            signals: dev.ctx.signals.clone(),
            audit_head: Some(head),
        };
        let r = dev.client().call::<_, proto::VerifyResponse>(
            paths::VERIFY,
            &req,
            &key,
            Some(&state.certificate),
            fx.clock.as_ref(),
        );
        assert_eq!(refused_code(r), codes::BAD_REQUEST);
        assert_eq!(desk_anchor(&fx, &device_id).unwrap().seq, 5);
    }

    // A binding refusal carries no anchor (nothing is kept for a revoked device).
    admin::revoke_device(fx.desk_dir.path(), &device_id, "lost", fx.clock.as_ref()).unwrap();
    fx.clock.advance(30);
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), Some((6, &hash_of(6)))).unwrap();
    assert!(!r.device_binding.ok);
    assert!(r.audit_anchor.is_none() && r.audit_anchor_problem.is_none());
    assert_eq!(desk_anchor(&fx, &device_id).unwrap().seq, 5);
}
