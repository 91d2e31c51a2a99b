//! Rogue desks, relays, unsigned answers, and the organisation's feed.

use super::*;

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
        &fx.at(),
        "http://feed.example.hk/",
        &root,
        fx.clock.as_ref()
    )));
    assert!(usage(admin::set_org_feed(
        &fx.at(),
        "ftp://feed.example.hk/",
        &root,
        fx.clock.as_ref()
    )));
    assert!(usage(admin::set_org_feed(
        &fx.at(),
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
            &fx.at(),
            "https://feed.example.hk/",
            &f,
            fx.clock.as_ref()
        )));
    }
    assert!(admin::show_org_feed(&fx.at()).unwrap().is_none());
    admin::set_org_feed(
        &fx.at(),
        "http://127.0.0.1:8080/feed/",
        &root,
        fx.clock.as_ref(),
    )
    .unwrap();
    admin::set_org_feed(
        &fx.at(),
        "https://feed.example.hk/acme/",
        &root,
        fx.clock.as_ref(),
    )
    .unwrap();

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
    admin::set_org_feed(
        &fx.at(),
        "https://feed2.example.hk/",
        &root,
        fx.clock.as_ref(),
    )
    .unwrap();
    device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert_eq!(
        device::org_feed(&dev.ctx).unwrap().unwrap().url,
        "https://feed2.example.hk/"
    );
    admin::clear_org_feed(&fx.at()).unwrap();
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
    let fx = Fx::new();
    let tls = tls_desk(
        &fx,
        ServeOptions {
            max_connections: 3,
            tls_handshake_timeout: Duration::from_secs(1),
            ..ServeOptions::default()
        },
    );
    let (addr, url) = (tls.addr, tls.url.clone());
    let stats = tls.desk.conn_stats();
    // Ten clients that connect and never start the handshake.
    let silent: Vec<_> = (0..10)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    // A real client behind them is served once the handshake deadline has freed the slots.
    let dev_dir = tempfile::tempdir().unwrap();
    let mut ctx = fx.ctx(dev_dir.path());
    ctx.client.extra_roots_pem = Some(tls.ca_pem.clone());
    ctx.client.timeout = Duration::from_secs(120);
    let p = device::preview(&ctx, &url).unwrap();
    assert_eq!(p.fingerprint, fx.fp());
    assert!(stats.peak() <= 3, "peak {}", stats.peak());
    drop(silent);
    tls.desk.stop().unwrap();
}
