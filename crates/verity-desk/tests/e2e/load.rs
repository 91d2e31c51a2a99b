//! The desk under hostile load: parallel guesses, forwarded addresses, slow and idle clients.

use super::*;

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
    use verity_desk::store::FailureKind;
    let store = fx.store();
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
    use verity_desk::store::FailureKind;
    let store = fx.store();
    let (failures, _) = store
        .failures_since(FailureKind::EnrollCode, "127.0.0.1", 0)
        .unwrap();
    assert_eq!(failures as usize, max);
    assert!(admin::list_devices(&fx.at()).unwrap().is_empty());
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
    use verity_desk::store::{code_scheme, EnrollCodeRecord};
    let fx = Fx::new();
    let store = fx.store();
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
        agent: None,
        team: None,
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
    if on_postgres() {
        return; // The database file scanned below is SQLite's.
    }
    let db = std::fs::read(fx.desk_dir.path().join("desk.sqlite3")).unwrap();
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains(&verity_desk::service::legacy_code_hash(&fresh)));
}
