//! "Report to IT": reports from enrolled devices, the triage queue, and the refusals.

use super::*;
use verity_desk::store::ReportStatus;
use verity_device::proto::{Report, ReportKind};

fn number_report(fx: &Fx, number: &str) -> Report {
    Report {
        kind: ReportKind::Check,
        item: Some(number.to_owned()),
        verdict: vec!["scam".into()],
        note: "Caller said he was from the bank.\nAsked me to install AnyDesk.".into(),
        observed_at: fx.clock.now() - 120,
    }
}

fn queue(fx: &Fx, status: Option<ReportStatus>) -> Vec<verity_desk::store::ReportGroup> {
    admin::list_reports(&fx.at(), status).unwrap()
}

/// Sends `body` to `POST /v1/report`, signed by `dev`'s key with its certificate.
fn post_report(fx: &Fx, dev: &Dev, body: Vec<u8>) -> Result<Vec<u8>, device::DeviceError> {
    let client = dev.client();
    let req = client
        .prepare(
            "POST",
            paths::REPORT,
            body,
            &dev.key(),
            Some(&dev.state().certificate),
            fx.clock.as_ref(),
        )
        .unwrap();
    Ok(client.execute(&req)?)
}

#[test]
fn reports_are_kept_listed_by_item_from_several_devices_and_resolved() {
    let fx = Fx::new();
    let (a, b) = (Dev::enroll(&fx), Dev::enroll(&fx));
    let r = device::report(&a.ctx, &number_report(&fx, "+85291234567")).unwrap();
    assert_eq!(r.received_at, START);
    fx.clock.advance(60);
    let r2 = device::report(&a.ctx, &number_report(&fx, "+85291234567")).unwrap();
    fx.clock.advance(60);
    device::report(&b.ctx, &number_report(&fx, "+85291234567")).unwrap();
    let tool = Report {
        kind: ReportKind::TripwireRemoteTool,
        item: Some("anydesk".into()),
        verdict: vec![],
        note: String::new(),
        observed_at: fx.clock.now(),
    };
    fx.clock.advance(60);
    let t = device::report(&b.ctx, &tool).unwrap();
    assert!(r2.id > r.id && t.id > r2.id);

    // One line per (kind, item): three reports of the number from two devices.
    let q = queue(&fx, None);
    assert_eq!(q.len(), 2, "{q:?}");
    assert_eq!(q[0].kind, "tripwire_remote_tool");
    let n = &q[1];
    assert_eq!(
        (n.id, n.item.as_deref(), n.count, n.reporters),
        (r.id, Some("+85291234567"), 3, 2)
    );
    assert_eq!((n.first_seen, n.last_seen), (START, START + 120));
    assert_eq!(n.status, ReportStatus::New);

    // The detail: the note, the device, the group.
    let d = admin::show_report(&fx.at(), r2.id).unwrap();
    assert_eq!(d.report.verdict, vec!["scam".to_owned()]);
    assert!(d.report.note.contains("AnyDesk"));
    assert_eq!(d.device.unwrap().device_id, a.state().device_id);
    assert_eq!(d.group.unwrap().count, 3);

    // Confirming one confirms the line; a later report of the number opens a new line.
    let resolve = |id, status, reason: &str| {
        admin::resolve_report(&fx.at(), id, status, reason, fx.clock.as_ref())
    };
    assert!(matches!(
        resolve(r.id, ReportStatus::Confirmed, "  "),
        Err(admin::AdminError::Usage(_))
    ));
    assert_eq!(
        resolve(r2.id, ReportStatus::Confirmed, "known scam line").unwrap(),
        3
    );
    assert!(matches!(
        resolve(r.id, ReportStatus::Rejected, "changed my mind"),
        Err(admin::AdminError::Usage(_))
    ));
    assert!(matches!(
        resolve(9999, ReportStatus::Rejected, "no such"),
        Err(admin::AdminError::NoSuchReport(9999))
    ));
    let new = queue(&fx, Some(ReportStatus::New));
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].kind, "tripwire_remote_tool");
    fx.clock.advance(60);
    let again = device::report(&a.ctx, &number_report(&fx, "+85291234567")).unwrap();
    let new = queue(&fx, Some(ReportStatus::New));
    assert_eq!(new.len(), 2);
    assert_eq!((new[0].id, new[0].count), (again.id, 1));
    let confirmed = queue(&fx, Some(ReportStatus::Confirmed));
    assert_eq!(confirmed.len(), 1);
    let d = admin::show_report(&fx.at(), r.id).unwrap();
    assert_eq!(d.report.reason.as_deref(), Some("known scam line"));
    assert_eq!(d.report.resolved_at, Some(START + 180));
    // The same tool on another computer is another incident: its own line, and rejecting
    // device b's (IT's own session) leaves device a's — a live scam — untouched.
    let ta = device::report(&a.ctx, &tool).unwrap();
    assert_eq!(queue(&fx, Some(ReportStatus::New)).len(), 3);
    assert_eq!(
        resolve(t.id, ReportStatus::Rejected, "IT's own install").unwrap(),
        1
    );
    let d = admin::show_report(&fx.at(), ta.id).unwrap();
    assert_eq!(d.report.status, ReportStatus::New);

    // The item and the note never reach the desk's log.
    let log = String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned();
    assert!(log.contains("report received"));
    assert!(!log.contains("+85291234567") && !log.contains("Asked me to install"));
}

#[test]
fn unenrolled_revoked_forged_and_replayed_reports_are_refused_and_nothing_is_kept() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);
    let report = number_report(&fx, "+85291234567");
    let body = serde_json::to_vec(&report).unwrap();

    // A device that never enrolled has nothing to sign with.
    let stranger = tempfile::tempdir().unwrap();
    let e = device::report(&fx.ctx(stranger.path()), &report).unwrap_err();
    assert_eq!(e.code(), "not_enrolled");

    // A key the desk never bound, with no certificate or with one it signed itself.
    let client = dev.client();
    let rogue = proto::generate_signing_key().unwrap();
    let send = |key: &ed25519_dalek::SigningKey, cert: Option<&str>, body: Vec<u8>| {
        let req = client
            .prepare("POST", paths::REPORT, body, key, cert, fx.clock.as_ref())
            .unwrap();
        client.execute(&req)
    };
    assert_eq!(
        refused_code(send(&rogue, None, body.clone())),
        codes::CERTIFICATE_INVALID
    );
    let state = dev.state();
    let org_key = proto::parse_public_key(&state.org.public_key, "org").unwrap();
    let real = Certificate::verify(&state.certificate, &org_key, None).unwrap();
    // Signed by another key, by hand (`sign` refuses a body naming another organisation key).
    let bytes = serde_json::to_vec(real.body()).unwrap();
    let sig = ed25519_dalek::Signer::sign(
        &rogue,
        &[b"verity-device-certificate-v1\n".as_slice(), &bytes].concat(),
    );
    let forged = format!(
        "vc1.{}.{}",
        data_encoding::BASE64URL_NOPAD.encode(&bytes),
        data_encoding::BASE64URL_NOPAD.encode(&sig.to_bytes())
    );
    assert_eq!(
        refused_code(send(&dev.key(), Some(&forged), body.clone())),
        codes::CERTIFICATE_INVALID
    );
    // The real certificate, but the request signed by another key.
    assert_eq!(
        refused_code(send(&rogue, Some(&state.certificate), body.clone())),
        codes::SIGNATURE_INVALID
    );
    // A signed request whose body was changed on the way.
    let mut req = client
        .prepare(
            "POST",
            paths::REPORT,
            body.clone(),
            &dev.key(),
            Some(&state.certificate),
            fx.clock.as_ref(),
        )
        .unwrap();
    req.body = serde_json::to_vec(&number_report(&fx, "+85298765432")).unwrap();
    assert_eq!(refused_code(client.execute(&req)), codes::SIGNATURE_INVALID);
    assert!(queue(&fx, None).is_empty());

    // A replay is kept once.
    let req = client
        .prepare(
            "POST",
            paths::REPORT,
            body,
            &dev.key(),
            Some(&state.certificate),
            fx.clock.as_ref(),
        )
        .unwrap();
    client.execute(&req).unwrap();
    assert_eq!(refused_code(client.execute(&req)), codes::NONCE_REPLAYED);
    assert_eq!(queue(&fx, None)[0].count, 1);

    // A revoked device is refused at once.
    admin::revoke_device(&fx.at(), &state.device_id, "laptop lost", fx.clock.as_ref()).unwrap();
    let e = device::report(&dev.ctx, &report).unwrap_err();
    assert_eq!(e.code(), codes::DEVICE_REVOKED);
    assert_eq!(queue(&fx, None)[0].count, 1);
}

#[test]
fn garbage_and_oversized_reports_are_refused_with_their_own_codes() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);
    let good = serde_json::to_value(number_report(&fx, "+85291234567")).unwrap();
    let with = |field: &str, value: serde_json::Value| {
        let mut v = good.clone();
        v[field] = value;
        serde_json::to_vec(&v).unwrap()
    };
    let future = fx.clock.now() + 3600;
    for (body, code) in [
        (with("kind", "phishing".into()), codes::REPORT_KIND_INVALID),
        (
            with("item", "+852\u{200B}91234567".into()),
            codes::REPORT_ITEM_INVALID,
        ),
        (
            with("item", "https://bank.example/login?session=abc".into()),
            codes::REPORT_ITEM_INVALID,
        ),
        (
            with("item", "x".repeat(513).into()),
            codes::REPORT_ITEM_INVALID,
        ),
        (
            with("verdict", serde_json::json!(vec!["scam"; 17])),
            codes::REPORT_VERDICT_INVALID,
        ),
        (
            with("verdict", serde_json::json!(["DROP TABLE"])),
            codes::REPORT_VERDICT_INVALID,
        ),
        (
            with("note", "x".repeat(1001).into()),
            codes::REPORT_NOTE_INVALID,
        ),
        (
            with("note", "call me\u{1b}[2J".into()),
            codes::REPORT_NOTE_INVALID,
        ),
        (
            with("note", "\u{202E}gnp.exe".into()),
            codes::REPORT_NOTE_INVALID,
        ),
        (
            with("observed_at", future.into()),
            codes::REPORT_OBSERVED_AT_INVALID,
        ),
        (
            with("observed_at", 0.into()),
            codes::REPORT_OBSERVED_AT_INVALID,
        ),
        (with("extra", 1.into()), codes::BAD_REQUEST),
        (b"\xff\xfe not json".to_vec(), codes::BAD_REQUEST),
        (with("note", "x".repeat(20_000).into()), codes::TOO_LARGE),
    ] {
        let e = post_report(&fx, &dev, body).unwrap_err();
        assert_eq!(e.code(), code);
        assert!(matches!(
            e,
            device::DeviceError::Client(verity_device::client::ClientError::Refused {
                status: 400 | 413,
                ..
            })
        ));
    }
    assert!(queue(&fx, None).is_empty());

    // The device refuses the same before anything is sent.
    let mut bad = number_report(&fx, "+85291234567");
    bad.note = "a\u{7}".into();
    let e = device::report(&dev.ctx, &bad).unwrap_err();
    assert_eq!(e.code(), codes::REPORT_NOTE_INVALID);
    assert!(e.is_usage());
}

#[test]
fn a_flooding_device_is_limited_per_hour_even_in_parallel() {
    let fx = Fx::with(DeskConfig {
        report_max: 5,
        ..DeskConfig::default()
    });
    let (a, b) = (Dev::enroll(&fx), Dev::enroll(&fx));
    // Twenty reports at once: exactly five are kept.
    let client = a.client();
    let (key, cert) = (a.key(), a.state().certificate);
    let reqs: Vec<_> = (0..20)
        .map(|i| {
            let body = serde_json::to_vec(&number_report(&fx, &format!("+8529123{i:04}"))).unwrap();
            client
                .prepare(
                    "POST",
                    paths::REPORT,
                    body,
                    &key,
                    Some(&cert),
                    fx.clock.as_ref(),
                )
                .unwrap()
        })
        .collect();
    let answers: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = reqs.iter().map(|r| s.spawn(|| client.execute(r))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers.iter().filter(|r| r.is_ok()).count(), 5);
    for r in answers.into_iter().filter(Result::is_err) {
        match r {
            Err(verity_device::client::ClientError::Refused { status, code, .. }) => {
                assert_eq!((status, code.as_str()), (429, codes::REPORT_RATE_LIMITED));
            }
            other => panic!("unexpected: {other:?}"),
        }
    }
    let e = device::report(&a.ctx, &number_report(&fx, "+85291234567")).unwrap_err();
    assert_eq!(e.code(), codes::REPORT_RATE_LIMITED);
    let kept: u32 = queue(&fx, None).iter().map(|g| g.count).sum();
    assert_eq!(kept, 5);

    // Another device is not held back; the first may report again an hour later.
    device::report(&b.ctx, &number_report(&fx, "+85291234567")).unwrap();
    fx.clock.advance(3601);
    device::report(&a.ctx, &number_report(&fx, "+85291234567")).unwrap();
}

#[test]
fn the_triage_queue_on_the_command_line() {
    let fx = Fx::new();
    let (a, b) = (Dev::enroll(&fx), Dev::enroll(&fx));
    let first = device::report(&a.ctx, &number_report(&fx, "+85291234567")).unwrap();
    device::report(&b.ctx, &number_report(&fx, "+85291234567")).unwrap();
    let data = fx.desk_dir.path().to_str().unwrap().to_owned();
    let desk = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_verity-desk"))
            .args(fx.db_args())
            .args(args)
            .args(["--data", &data])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = desk(&["reports", "list", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let q: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(q.as_array().unwrap().len(), 1);
    assert_eq!(q[0]["count"], 2);
    assert_eq!(q[0]["reporters"], 2);
    assert_eq!(q[0]["status"], "new");
    assert_eq!(q[0]["item"], "+85291234567");
    let (_, out, _) = desk(&["reports", "list"]);
    assert!(
        out.contains("+85291234567") && out.contains("2 reports from   2 devices"),
        "{out}"
    );

    let id = first.id.to_string();
    let (code, out, _) = desk(&["reports", "show", &id]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("Asked me to install AnyDesk") && out.contains("Chan Tai Man"),
        "{out}"
    );

    // --confirm or --reject, and a reason.
    let (code, _, _) = desk(&["reports", "resolve", &id, "--reason", "x"]);
    assert_eq!(code, Some(2));
    let (code, _, _) = desk(&[
        "reports",
        "resolve",
        &id,
        "--confirm",
        "--reject",
        "--reason",
        "x",
    ]);
    assert_eq!(code, Some(2));
    let (code, out, err) = desk(&[
        "reports",
        "resolve",
        &id,
        "--confirm",
        "--reason",
        "scam line",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("confirmed 2"), "{out}");
    let (code, _, err) = desk(&["reports", "resolve", &id, "--reject", "--reason", "again"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("confirmed already"), "{err}");
    let (_, out, _) = desk(&["reports", "list", "--status", "new"]);
    assert_eq!(out.trim(), "No reports.");
    let (code, _, err) = desk(&["reports", "show", "999"]);
    assert_eq!(code, Some(3), "{err}");
}

#[test]
fn a_device_sees_where_its_own_reports_stand_and_only_its_own() {
    use verity_device::proto::ReportState;
    let fx = Fx::new();
    let (a, b) = (Dev::enroll(&fx), Dev::enroll(&fx));
    let r1 = device::report(&a.ctx, &number_report(&fx, "+85291234567")).unwrap();
    let r2 = device::report(&a.ctx, &number_report(&fx, "+85298765432")).unwrap();
    let theirs = device::report(&b.ctx, &number_report(&fx, "+85291234567")).unwrap();
    fx.clock.advance(60);
    admin::resolve_report(
        &fx.at(),
        r1.id,
        ReportStatus::Confirmed,
        "scam line",
        fx.clock.as_ref(),
    )
    .unwrap();

    let s = device::report_status(&a.ctx, &[r2.id, r1.id, theirs.id, 999]).unwrap();
    let seen: Vec<_> = s.iter().map(|o| (o.id, o.state, o.resolved_at)).collect();
    assert_eq!(
        seen,
        vec![
            (r2.id, ReportState::New, None),
            (r1.id, ReportState::Confirmed, Some(START + 60)),
        ]
    );
    // The other device sees its own report confirmed with the line.
    let s = device::report_status(&b.ctx, &[theirs.id]).unwrap();
    assert_eq!(s[0].state, ReportState::Confirmed);

    // None, or too many: refused.
    assert_eq!(
        desk_code(device::report_status(&a.ctx, &[])),
        codes::BAD_REQUEST
    );
    let many: Vec<u64> = (1..=51).collect();
    assert_eq!(
        desk_code(device::report_status(&a.ctx, &many)),
        codes::BAD_REQUEST
    );
    // A revoked device learns nothing.
    admin::revoke_device(
        &fx.at(),
        &a.state().device_id,
        "laptop lost",
        fx.clock.as_ref(),
    )
    .unwrap();
    assert_eq!(
        desk_code(device::report_status(&a.ctx, &[r1.id])),
        codes::DEVICE_REVOKED
    );
}
