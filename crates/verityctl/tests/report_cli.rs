//! `verityctl report` ("Report to IT") against a desk running in this process on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

use verity_desk::admin;
use verity_device::SystemClock;

/// `verityctl report ARGS… --key-store file --passphrase-file PASS`.
fn report(dev: &std::path::Path, pass: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--key-store", "file", "--passphrase-file", pass]);
    ctl(dev, &all)
}

#[test]
fn an_enrolled_device_reports_to_it_and_refusals_are_coded() {
    let desk = LoopbackDesk::start();
    let work = tempfile::tempdir().unwrap();
    let pass = work.path().join("pass");
    std::fs::write(&pass, "a device passphrase\n").unwrap();
    let pass = pass.to_str().unwrap();

    // Not enrolled: a usage error, with its code.
    let stranger = work.path().join("stranger");
    let out = report(&stranger, pass, &["--kind", "other", "--note", "odd call"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("(not_enrolled)"), "{}", stderr(&out));

    let dev = work.path().join("dev");
    desk.enroll(&dev, pass);
    let out = ok(&report(
        &dev,
        pass,
        &[
            "--kind",
            "check",
            "--item",
            "+85291234567",
            "--verdict",
            "scam",
            "--verdict",
            "platform_support_number",
            "--note",
            "Said he was DingTalk support.\nAsked for my screen.",
            "--json",
        ],
    ))
    .clone();
    let receipt = json(&out);
    let id = receipt["id"].as_u64().unwrap();
    assert!(receipt["received_at"].as_u64().unwrap() > 0);
    let out = ok(&report(
        &dev,
        pass,
        &["--kind", "tripwire-remote-tool", "--item", "anydesk"],
    ))
    .clone();
    assert!(
        stdout(&out).starts_with("Reported to IT: report #"),
        "{}",
        stdout(&out)
    );

    let queue = admin::list_reports(desk.dir.path(), None).unwrap();
    assert_eq!(queue.len(), 2);
    let d = admin::show_report(desk.dir.path(), id).unwrap();
    assert_eq!(d.report.item.as_deref(), Some("+85291234567"));
    assert_eq!(d.report.verdict, vec!["scam", "platform_support_number"]);
    assert!(d.report.note.contains("screen"));

    // Bad input is refused before anything is sent, with the field's code.
    for (args, code) in [
        (
            vec!["--kind", "check", "--item", "+852 9123 4567"],
            "report_item_invalid",
        ),
        (
            vec!["--kind", "check", "--verdict", "Not A Code"],
            "report_verdict_invalid",
        ),
        (
            vec!["--kind", "other", "--note", "bidi \u{202E} trick"],
            "report_note_invalid",
        ),
        (
            vec!["--kind", "other", "--observed-at", "99999999999"],
            "report_observed_at_invalid",
        ),
    ] {
        let out = report(&dev, pass, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("({code})")),
            "{}",
            stderr(&out)
        );
    }
    let out = report(&dev, pass, &["--kind", "phishing"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(admin::list_reports(desk.dir.path(), None).unwrap().len(), 2);

    // A revoked device: the desk refuses, an operational failure with the desk's code.
    let device_id = admin::list_devices(desk.dir.path()).unwrap()[0]
        .device_id
        .clone();
    admin::revoke_device(desk.dir.path(), &device_id, "laptop lost", &SystemClock).unwrap();
    let out = report(&dev, pass, &["--kind", "other"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("(device_revoked)"),
        "{}",
        stderr(&out)
    );
    desk.stop();
}

/// The app's flow for a tripwire's event, against the same desk: sent, and marked as sent with
/// the desk's report number.
#[test]
fn a_tripwire_event_is_reported_and_marked_sent() {
    use verity_device::{DeviceContext, KeyStoreChoice};
    let desk = LoopbackDesk::start();
    let work = tempfile::tempdir().unwrap();
    let pass = work.path().join("pass");
    std::fs::write(&pass, "a device passphrase\n").unwrap();
    let dev = work.path().join("dev");
    desk.enroll(&dev, pass.to_str().unwrap());

    let mut store = verity_store::Store::open(&dev).unwrap();
    let now =
        verity_core::Timestamp(i64::try_from(verity_device::Clock::now(&SystemClock)).unwrap());
    let event = store
        .record_tripwire(
            verity_tripwire::watch::EventKind::RemoteTool,
            Some("anydesk"),
            now,
        )
        .unwrap();
    let mut ctx = DeviceContext::new(dev.clone(), "0.0.0");
    ctx.key_store = KeyStoreChoice::File;
    ctx.passphrase = Some(verity_device::sealed::read_passphrase_file(&pass).unwrap());
    let receipt = verity_flows::it_report::report_tripwire(
        &mut store,
        &ctx,
        event,
        "I did not start it",
        now,
    )
    .unwrap()
    .unwrap();
    let e = store.tripwire_event(event).unwrap().unwrap();
    assert_eq!(e.report_id, Some(receipt.id.to_string()));
    assert_eq!(e.reported_at, Some(now));
    let d = admin::show_report(desk.dir.path(), receipt.id).unwrap();
    assert_eq!(
        (d.report.kind.as_str(), d.report.item.as_deref()),
        ("tripwire_remote_tool", Some("anydesk"))
    );
    assert_eq!(d.report.verdict, vec!["remote_tool"]);
    desk.stop();
}
