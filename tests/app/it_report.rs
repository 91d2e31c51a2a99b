//! "Report to IT" from a Check verdict and a Threats entry, and the reporter seeing IT's
//! outcome, through Tauri's mock runtime against a real desk on loopback.

use crate::device::{app_on, enrol_and_look, passphrase, Desk};
use serde_json::json;
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::phone::Region;
use verity_core::Timestamp;
use verity_desk::admin;
use verity_desk::feedpub::{self, LinkScope};
use verity_desk::store::ReportStatus;
use verity_device::Clock as _;

#[test]
fn a_check_and_a_threat_are_reported_and_the_outcome_comes_back() {
    let desk = Desk::start();
    let app = app_on(&desk);
    let check = |input: &str, note: &str| json!({ "input": input, "kind": null, "note": note, "passphrase": passphrase() });

    // Not enrolled: nothing is sent, nothing kept.
    let e = app.err("report_check", check("+852 3001 9999", ""));
    assert_eq!(e["code"], "not_enrolled", "{e}");
    enrol_and_look(&app, &desk);

    // A check of a number: the normalised number and the verdict go, never the text as typed.
    let sent = app.ok(
        "report_check",
        check("call +852 3001 9999 now", "He said he was DingTalk support"),
    );
    assert_eq!(sent["kind"], "check");
    assert_eq!(sent["state"], "new");
    let check_id = sent["id"].as_u64().unwrap();
    // Nothing readable: refused with its reason.
    let e = app.err("report_check", check("   ", ""));
    assert_eq!(e["reason"], "nothing_to_report", "{e}");
    let e = app.err("report_check", check("+852 3001 9999", "my code is 482913"));
    assert_eq!(e["reason"], "report_note_has_code", "{e}");

    // A Threats entry the feed brought.
    let now = Timestamp(i64::try_from(desk.clock.now()).unwrap());
    {
        let mut store = verity_store::Store::open(&app.data_dir()).unwrap();
        let entry = BlocklistEntry::new(
            EntryKind::Domain,
            "dingtalk-unfreeze.example.com",
            Category::FreezeThreat,
            None,
            None,
            now,
            Region::HK,
        )
        .unwrap();
        store.record_threats(&[entry], 3, now).unwrap();
    }
    let threats = app.ok("list_threats", json!({}));
    let threat_id = threats["items"][0]["id"].as_u64().unwrap();
    let threat = app.ok(
        "report_threat",
        json!({ "id": threat_id, "note": "got this by SMS", "passphrase": passphrase() }),
    );
    assert_eq!(threat["item"], "https://dingtalk-unfreeze.example.com/");
    let threat_id_at_desk = threat["id"].as_u64().unwrap();
    let e = app.err(
        "report_threat",
        json!({ "id": 999_999, "note": "", "passphrase": passphrase() }),
    );
    assert_eq!(e["reason"], "nothing_to_report", "{e}");

    let list = app.ok("it_reports", json!({}));
    assert_eq!(list["reports"].as_array().unwrap().len(), 2, "{list}");
    assert_eq!(list["unseen"], 0);

    // The desk has both, the check's item normalised.
    let groups = admin::list_reports(desk.dir.path(), None).unwrap();
    assert!(groups
        .iter()
        .any(|g| g.item.as_deref() == Some("+85230019999")));

    // IT confirms the number into the feed and rejects the other; the device asks.
    let store = verity_desk::SqliteStore::open(desk.dir.path()).unwrap();
    feedpub::confirm_report(
        &store,
        check_id,
        Category::FakeSupport,
        LinkScope::Url,
        "Known ad number",
        "alice",
        desk.clock.now(),
    )
    .unwrap();
    admin::resolve_report(
        desk.dir.path(),
        threat_id_at_desk,
        ReportStatus::Rejected,
        "Already listed",
        desk.clock.as_ref(),
    )
    .unwrap();
    let list = app.ok("refresh_it_reports", json!({ "passphrase": passphrase() }));
    let by_id = |id: u64| {
        list["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"].as_u64() == Some(id))
            .unwrap()
            .clone()
    };
    assert_eq!(by_id(check_id)["state"], "confirmed", "{list}");
    assert_eq!(by_id(threat_id_at_desk)["state"], "rejected", "{list}");
    assert!(by_id(check_id)["resolvedAt"].is_u64());
    assert_eq!(list["unseen"], 2);
    assert_eq!(app.ok("mark_it_reports_seen", json!({})), 2);
    assert_eq!(app.ok("it_reports", json!({}))["unseen"], 0);
    // Asking again with nothing open sends nothing and changes nothing.
    let again = app.ok("refresh_it_reports", json!({ "passphrase": passphrase() }));
    assert_eq!(again["unseen"], 0);
}

/// After a sync the app checks in with the desk and hears IT's answers — with a key the OS store
/// holds. With a key file (its passphrase is never asked for in the background) nothing is sent.
#[test]
fn after_a_sync_the_desk_hears_from_the_device_and_it_answers_come_back() {
    let desk = Desk::start();
    let app = app_on(&desk);
    enrol_and_look(&app, &desk);
    let sent = app.ok(
        "report_check",
        json!({ "input": "+852 3001 7777", "kind": null, "note": "", "passphrase": passphrase() }),
    );
    let id = sent["id"].as_u64().unwrap();
    admin::resolve_report(
        desk.dir.path(),
        id,
        ReportStatus::Rejected,
        "Our courier's number",
        desk.clock.as_ref(),
    )
    .unwrap();
    tauri::async_runtime::block_on(verity_app::desk_contact::after_sync(app.app.handle()));
    let store = verity_desk::SqliteStore::open(desk.dir.path()).unwrap();
    let check_ins = verity_desk::DeskStore::check_ins(&store).unwrap();
    let notices = app.host.notices.lock().unwrap().clone();
    let list = app.ok("it_reports", json!({}));
    if crate::device::secret_service() {
        assert_eq!(check_ins.len(), 1, "checked in");
        assert_eq!(check_ins[0].checklist_total, Some(5));
        assert_eq!(list["reports"][0]["state"], "rejected", "{list}");
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].body.contains("+85230017777"), "{notices:?}");
    } else {
        assert!(
            check_ins.is_empty(),
            "a key file is not opened in the background"
        );
        assert_eq!(list["reports"][0]["state"], "new", "{list}");
        assert!(notices.is_empty(), "{notices:?}");
    }
}

#[test]
fn a_verdict_is_disputed_with_a_reason() {
    let desk = Desk::start();
    let app = app_on(&desk);
    enrol_and_look(&app, &desk);
    let dispute = |input: &str, note: &str| json!({ "input": input, "kind": null, "note": note, "passphrase": passphrase() });
    // Why is required; a message naming no single number or link has nothing to dispute.
    let e = app.err("dispute_check", dispute("+852 3001 5555", " "));
    assert_eq!(e["reason"], "report_note_invalid", "{e}");
    let e = app.err(
        "dispute_check",
        dispute("your account will be frozen, reply now", "it is our bank"),
    );
    assert_eq!(e["reason"], "nothing_to_report", "{e}");
    let sent = app.ok(
        "dispute_check",
        dispute(
            "+852 3001 5555",
            "This is Wing Fat Trading, our real supplier",
        ),
    );
    assert_eq!(sent["kind"], "appeal");
    assert_eq!(sent["item"], "+85230015555");
    let groups = admin::list_reports(desk.dir.path(), None).unwrap();
    assert_eq!(groups[0].kind, "appeal");
}
