//! Scam drills through Tauri's mock runtime: an app enrolled with a real desk on loopback keeps
//! the organisation's signed lures (as a fetch keeps them: verified under the pinned key and its
//! own device id), shows the due one as a notification with the lure's own words, lists it, and
//! records the employee's first act once with the reveal; a lure signed by anyone else is never
//! kept, shown or revealed, and a Check of its number gives the ordinary verdict.

use crate::device::{app_on, enroll_args, Desk};
use crate::harness::Harness;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::Listener;
use verity_core::Timestamp;
use verity_device::proto::b64;
use verity_device::proto::drill::{LureBody, LuresAnswer, Scenario};
use verity_device::state::DeviceState;
use verity_device::Clock;
use verity_flows::drill::{self as flows, Identity};
use verity_store::Store;

const NUMBER: &str = "+85230019999";
const LINK: &str = "https://dingtalk-hk-service.example/verify";

fn lure(
    org: &SigningKey,
    signer: &SigningKey,
    device_id: &str,
    id: &str,
    scenario: Scenario,
    number: &str,
    now: u64,
) -> String {
    LureBody {
        v: 1,
        org_key: b64(org.verifying_key().as_bytes()),
        drill_id: id.into(),
        device_id: device_id.into(),
        scenario,
        channel: scenario.channel(),
        number: number.into(),
        link: LINK.into(),
        deliver_at: now - 5,
        expires_at: now + 3600,
        issued_at: now,
    }
    .sign(signer)
    .unwrap()
}

/// Records the payloads of `event`.
fn record(app: &Harness, event: &str) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    app.app.listen_any(event, move |e| {
        s.lock().unwrap().push(e.payload().to_owned());
    });
    seen
}

fn wait_for(seen: &Mutex<Vec<String>>, what: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = seen.lock().unwrap().clone();
        if !v.is_empty() {
            return v;
        }
        assert!(Instant::now() < deadline, "no {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An app enrolled with `desk`, and the lures `tokens` kept as a fetch keeps them.
fn enrolled(desk: &Desk) -> (Harness, String, SigningKey) {
    let app = app_on(desk);
    let fp = desk.fingerprint();
    app.ok(
        "device_enroll",
        enroll_args(&desk.url, &desk.code("e300"), Some(&fp)),
    );
    let device_id = DeviceState::load(&app.data_dir())
        .unwrap()
        .unwrap()
        .device_id;
    let org = verity_desk::orgkey::load(desk.dir.path(), None).unwrap();
    (app, device_id, org)
}

fn keep(app: &Harness, tokens: Vec<String>, now: u64) -> flows::Refreshed {
    // The desk's lure endpoint answers these tokens; here they are kept the way a fetch keeps
    // its answer (the same function), with the app's own store file.
    let mut store = Store::open(&app.data_dir()).unwrap();
    let identity = Identity::load_from(&app.data_dir()).unwrap();
    let answer = LuresAnswer {
        lures: tokens,
        programme: None,
    };
    flows::keep(
        &mut store,
        &identity,
        &answer,
        Timestamp(i64::try_from(now).unwrap()),
    )
    .unwrap()
}

#[test]
fn a_lure_is_delivered_shown_reported_and_revealed() {
    let desk = Desk::start();
    let (app, device_id, org) = enrolled(&desk);
    let now = desk.clock.now();
    let revealed = record(&app, "drill-revealed");
    let changed = record(&app, "drill-changed");
    let r = keep(
        &app,
        vec![lure(
            &org,
            &org,
            &device_id,
            "d-app-1",
            Scenario::FreezeThreat,
            NUMBER,
            now,
        )],
        now,
    );
    assert_eq!(r.new, ["d-app-1"]);
    // Nothing is listed before it is shown.
    assert_eq!(app.ok("drill_list", json!({})), json!([]));
    assert_eq!(
        app.err("drill_get", json!({"drillId": "d-app-1"}))["code"],
        "not_found"
    );

    verity_app::drill::show_due(app.app.handle());
    let shown = app.host.drill_lures.lock().unwrap().clone();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].1, "d-app-1");
    assert_eq!(shown[0].0.summary, "DingTalk Service");
    assert!(
        shown[0].0.body.contains("+852 3001 9999"),
        "{}",
        shown[0].0.body
    );
    wait_for(&changed, "drill-changed");
    // Shown once only.
    verity_app::drill::show_due(app.app.handle());
    assert_eq!(app.host.drill_lures.lock().unwrap().len(), 1);

    let list = app.ok("drill_list", json!({}));
    let v = &list[0];
    assert_eq!(v["drillId"], "d-app-1");
    assert_eq!(v["scenario"], "freeze_threat");
    assert_eq!(v["channel"], "notification");
    assert_eq!(v["state"], "open");
    assert_eq!(v["number"], "+852 3001 9999");
    assert_eq!(v["link"], LINK);
    assert_eq!(v["outcome"], Value::Null);

    let done = app.ok(
        "drill_act",
        json!({"drillId": "d-app-1", "act": "report_to_it"}),
    );
    assert_eq!(done["state"], "done");
    assert_eq!(done["outcome"], "reported");
    assert_eq!(done["how"], "report_to_it");
    let r = wait_for(&revealed, "drill-revealed");
    let payload: Value = serde_json::from_str(&r[0]).unwrap();
    assert_eq!(payload["drillId"], "d-app-1");
    // A later act changes nothing, and reveals nothing again.
    let again = app.ok(
        "drill_act",
        json!({"drillId": "d-app-1", "act": "opened_link"}),
    );
    assert_eq!(again, done);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(revealed.lock().unwrap().len(), 1);
    // Bad arguments are refused with their own error.
    assert_eq!(
        app.err("drill_act", json!({"drillId": "D 1", "act": "dismissed"}))["code"],
        "invalid_input"
    );
    assert_eq!(
        app.err("drill_get", json!({"drillId": "d-nope"}))["code"],
        "not_found"
    );
}

#[test]
fn a_check_of_the_number_reports_the_drill_and_a_forged_lure_is_a_real_threat() {
    let desk = Desk::start();
    let (app, device_id, org) = enrolled(&desk);
    let now = desk.clock.now();
    let impostor = SigningKey::from_bytes(&[9; 32]);
    let revealed = record(&app, "drill-revealed");
    let r = keep(
        &app,
        vec![
            lure(
                &org,
                &org,
                &device_id,
                "d-app-2",
                Scenario::SupportCode,
                NUMBER,
                now,
            ),
            lure(
                &org,
                &impostor,
                &device_id,
                "d-forged",
                Scenario::FreezeThreat,
                "+85230018888",
                now,
            ),
        ],
        now,
    );
    assert_eq!((r.new.len(), r.dropped), (1, 1));
    verity_app::drill::show_due(app.app.handle());
    let shown = app.host.drill_lures.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "the forged lure is never shown");
    assert_eq!(shown[0].0.summary, "DingTalk Support");
    assert_eq!(
        app.err("drill_get", json!({"drillId": "d-forged"}))["code"],
        "not_found"
    );

    // A Check of the forged lure's number: the ordinary check, and no reveal.
    app.ok(
        "check",
        json!({"input": "+852 3001 8888", "kind": null, "remember": false}),
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(revealed.lock().unwrap().is_empty());
    let v = app.ok("drill_get", json!({"drillId": "d-app-2"}));
    assert_eq!(v["state"], "open");

    // The chat asks for the code and keeps asking.
    assert_eq!(v["chat"].as_array().unwrap().len(), 1);
    let v = app.ok(
        "drill_chat_send",
        json!({"drillId": "d-app-2", "text": "Which code?"}),
    );
    assert_eq!(v["chat"].as_array().unwrap().len(), 3);
    assert_eq!(v["chat"][1]["from"], "me");
    assert_eq!(v["chat"][2]["from"], "them");
    assert_eq!(v["state"], "open");

    // A Check of the drill's number reports it: its verdict is the check's own.
    let c = app.ok(
        "check",
        json!({"input": "+852 3001 9999", "kind": null, "remember": null}),
    );
    assert_ne!(c["verdict"], "invalid");
    let r = wait_for(&revealed, "drill-revealed");
    assert!(r[0].contains("d-app-2"), "{r:?}");
    let v = app.ok("drill_get", json!({"drillId": "d-app-2"}));
    assert_eq!(v["outcome"], "reported");
    assert_eq!(v["how"], "check");
    // The chat after the act takes nothing more.
    let after = app.ok(
        "drill_chat_send",
        json!({"drillId": "d-app-2", "text": "123456"}),
    );
    assert_eq!(after["outcome"], "reported");
    assert_eq!(after["chat"], v["chat"]);
}
