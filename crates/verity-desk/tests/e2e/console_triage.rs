//! The console's reporting window over loopback HTTP: the triage queue from real device reports,
//! a line's reports, roles, confirm (into the feed's queue) and reject with their refusals, and
//! publishing through the desk's feed publisher; each change in the operation log; the reporter
//! sees the outcome.

use super::console::{sign_up, Admin};
use super::*;
use serde_json::{json, Value};
use verity_core::Timestamp;
use verity_desk::feedpub;
use verity_desk::store::AdminRole;
use verity_device::proto::{Report, ReportKind, ReportState};

fn send(fx: &Fx, dev: &Dev, kind: ReportKind, item: Option<&str>, note: &str) -> u64 {
    let r = Report {
        kind,
        item: item.map(str::to_owned),
        verdict: vec!["scam".into()],
        note: note.into(),
        observed_at: fx.clock.now() - 30,
    };
    device::report(&dev.ctx, &r).unwrap().id
}

fn post(fx: &Fx, who: &Admin, path: &str, body: &Value) -> (u16, Value) {
    let a = who.call(fx, "POST", path, Some(body));
    (a.status, a.json())
}

#[test]
fn reports_are_triaged_confirmed_into_the_feed_and_published_from_the_console() {
    let fx = Fx::new();
    let (a, b) = (Dev::enroll(&fx), Dev::enroll(&fx));
    let number = send(
        &fx,
        &a,
        ReportKind::Check,
        Some("+85230016666"),
        "Called about a refund",
    );
    send(
        &fx,
        &b,
        ReportKind::Check,
        Some("+85230016666"),
        "<b>same</b> caller",
    );
    let tool = send(&fx, &b, ReportKind::TripwireRemoteTool, Some("anydesk"), "");
    let analyst = sign_up(&fx, "ana", AdminRole::Analyst);
    let auditor = sign_up(&fx, "aud", AdminRole::Auditor);

    // The queue: one line per item, with counts and devices.
    let q = auditor.call(&fx, "GET", "/console/api/reports?status=new", None);
    assert_eq!(q.status, 200);
    let lines = q.json();
    let line = lines
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item"] == "+85230016666")
        .unwrap()
        .clone();
    assert_eq!(
        (line["reports"].clone(), line["devices"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(line["id"], number);
    assert_eq!(line["feed_item"], true);
    let bad = auditor.call(&fx, "GET", "/console/api/reports?status=open", None);
    assert_eq!(
        (bad.status, bad.json()["field"].clone()),
        (400, json!("status"))
    );

    // A line's reports: the employees and their notes, as text.
    let d = auditor.call(&fx, "GET", &format!("/console/api/reports/{number}"), None);
    let d = d.json();
    assert_eq!(d["count"], 2);
    let notes: Vec<&str> = d["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["note"].as_str().unwrap())
        .collect();
    assert!(notes.contains(&"<b>same</b> caller"), "{notes:?}");
    assert!(d["reports"][0]["employee"].is_string());
    let none = auditor.call(&fx, "GET", "/console/api/reports/999999", None);
    assert_eq!(none.status, 404);

    // An auditor reads only; the analyst confirms, with a real category.
    let path = format!("/console/api/reports/{number}/confirm");
    let body = json!({"category": "fake_support", "reason": "Known ad number"});
    assert_eq!(post(&fx, &auditor, &path, &body).0, 403);
    let (s, e) = post(
        &fx,
        &analyst,
        &path,
        &json!({"category": "scam_phone", "reason": "x"}),
    );
    assert_eq!((s, e["field"].clone()), (400, json!("category")), "{e}");
    let (s, e) = post(
        &fx,
        &analyst,
        &path,
        &json!({"category": "fake_support", "reason": " "}),
    );
    assert_eq!((s, e["field"].clone()), (400, json!("reason")), "{e}");
    let (s, confirmed) = post(&fx, &analyst, &path, &body);
    assert_eq!(s, 200, "{confirmed}");
    assert_eq!(confirmed["status"], "confirmed");
    let (s, e) = post(&fx, &analyst, &path, &body);
    assert_eq!((s, e["code"].clone()), (409, json!("conflict")), "{e}");

    // Reject the incident with a reason.
    let path = format!("/console/api/reports/{tool}/reject");
    let (s, e) = post(&fx, &analyst, &path, &json!({"reason": ""}));
    assert_eq!((s, e["field"].clone()), (400, json!("reason")), "{e}");
    let (s, rejected) = post(&fx, &analyst, &path, &json!({"reason": "IT's own session"}));
    assert_eq!(
        (s, rejected["status"].clone()),
        (200, json!("rejected")),
        "{rejected}"
    );

    // The feed: the number waits; no publisher yet, so publishing is refused and keeps it.
    let f = auditor.call(&fx, "GET", "/console/api/feed", None).json();
    assert_eq!(f["publisher"], false);
    assert_eq!(f["pending"][0]["value"], "+85230016666");
    assert_eq!(f["pending"][0]["from_report"], format!("#{number}"));
    let (s, e) = post(&fx, &analyst, "/console/api/feed/publish", &json!({}));
    assert_eq!((s, e["code"].clone()), (409, json!("conflict")), "{e}");

    let feed_dir = tempfile::tempdir().unwrap();
    let (repo, keys) = (feed_dir.path().join("repo"), feed_dir.path().join("keys"));
    verity_feed::init(
        &repo,
        &keys,
        &feed_dir.path().join("root-keys"),
        &verity_feed::InitOptions::default(),
        Timestamp(i64::try_from(fx.clock.now()).unwrap()),
    )
    .unwrap();
    let store = fx.store();
    feedpub::set_publisher(&*store, &repo, &keys, fx.clock.now()).unwrap();
    assert_eq!(
        post(&fx, &auditor, "/console/api/feed/publish", &json!({})).0,
        403
    );
    let (s, p) = post(&fx, &analyst, "/console/api/feed/publish", &json!({}));
    assert_eq!(
        (s, p["version"].clone(), p["items"].clone()),
        (200, json!(1), json!(1)),
        "{p}"
    );
    let f = auditor.call(&fx, "GET", "/console/api/feed", None).json();
    assert_eq!(
        (f["version"].clone(), f["pending"].clone()),
        (json!(1), json!([]))
    );

    // Each change is in the operation log, with the analyst as actor.
    let ops = super::console::ops(&fx);
    for action in ["report.confirm", "report.reject", "feed.publish"] {
        assert!(
            ops.iter()
                .any(|o| o.action == action && o.outcome == "ok" && o.actor.contains("ana")),
            "{action}: {ops:?}"
        );
    }

    // The reporters see the outcome.
    let seen = device::report_status(&a.ctx, &[number]).unwrap();
    assert_eq!(seen[0].state, ReportState::Confirmed);
    let seen = device::report_status(&b.ctx, &[tool]).unwrap();
    assert_eq!(seen[0].state, ReportState::Rejected);
}

#[test]
fn confirming_needs_a_recent_sign_in() {
    let fx = Fx::new();
    let a = Dev::enroll(&fx);
    let id = send(&fx, &a, ReportKind::Check, Some("+85230014444"), "");
    let analyst = sign_up(&fx, "ana", AdminRole::Analyst);
    fx.clock.advance(6 * 60);
    let (s, e) = post(
        &fx,
        &analyst,
        &format!("/console/api/reports/{id}/confirm"),
        &json!({"category": "other", "reason": "seen"}),
    );
    assert_eq!(
        (s, e["code"].clone()),
        (403, json!("reauth_required")),
        "{e}"
    );
    assert!(fx
        .store()
        .report(id)
        .unwrap()
        .is_some_and(|r| r.status == verity_desk::store::ReportStatus::New));
}

#[test]
fn a_code_issued_for_a_team_puts_its_device_in_the_teams_checklist_line() {
    let fx = Fx::new();
    let admin_user = sign_up(&fx, "root", AdminRole::Admin);
    let (s, issued) = post(
        &fx,
        &admin_user,
        "/console/api/codes",
        &json!({"employee": "E7", "name": "Wong Siu Ming", "ttl": "1d", "team": "Finance"}),
    );
    assert_eq!(s, 200, "{issued}");
    let (s, e) = post(
        &fx,
        &admin_user,
        "/console/api/codes",
        &json!({"employee": "E8", "name": "X", "ttl": "1d", "team": "x".repeat(65)}),
    );
    assert_eq!((s, e["field"].clone()), (400, json!("team")), "{e}");
    let dev = Dev::enroll_with(&fx, issued["code"].as_str().unwrap());
    device::check_in(
        &dev.ctx,
        &verity_device::proto::CheckIn {
            app_version: "0.1.0".into(),
            feed: None,
            checklist: Some(verity_device::proto::ChecklistState { done: 5, total: 5 }),
        },
    )
    .unwrap();
    Dev::enroll(&fx);
    let d = admin_user
        .call(&fx, "GET", "/console/api/dashboard", None)
        .json();
    let teams = d["checklist"].as_array().unwrap();
    let finance = teams.iter().find(|t| t["team"] == "Finance").unwrap();
    assert_eq!(
        (finance["devices"].clone(), finance["complete"].clone()),
        (json!(1), json!(1)),
        "{d}"
    );
    assert!(
        teams.iter().any(|t| t["team"] == "" && t["devices"] == 1),
        "{d}"
    );
}

#[test]
fn agents_and_the_region_policy_are_managed_from_the_console() {
    let fx = Fx::new();
    let root = sign_up(&fx, "root", AdminRole::Admin);
    let auditor = sign_up(&fx, "aud", AdminRole::Auditor);
    let profile = json!({
        "name": "Wong Siu Ming", "role": "agent", "team": "Accounts",
        "languages": ["zh-HK", "en"], "regions": ["HK"], "skills": ["billing"], "capacity": 3,
    });
    let (s, _) = post(
        &fx,
        &auditor,
        "/console/api/agents",
        &json!({"profile": profile, "ttl": "1d"}),
    );
    assert_eq!(s, 403);
    let mut bad = profile.clone();
    bad["capacity"] = json!(0);
    let (s, e) = post(
        &fx,
        &root,
        "/console/api/agents",
        &json!({"profile": bad, "ttl": "1d"}),
    );
    assert_eq!((s, e["field"].clone()), (400, json!("profile")), "{e}");
    let (s, issued) = post(
        &fx,
        &root,
        "/console/api/agents",
        &json!({"profile": profile, "ttl": "1d"}),
    );
    assert_eq!(s, 200, "{issued}");
    assert!(
        issued["link"]
            .as_str()
            .unwrap()
            .starts_with("verity://enroll?"),
        "{issued}"
    );
    assert_eq!(
        auditor.call(&fx, "GET", "/console/api/agents", None).json(),
        json!([])
    );
    let (s, _) = post(
        &fx,
        &root,
        &format!("/console/api/agents/{}/revoke", "a".repeat(64)),
        &json!({"reason": "left"}),
    );
    assert_eq!(s, 404);

    // The region policy: set, refused with its field, cleared.
    let put = |body: &Value| {
        let a = root.call(&fx, "PUT", "/console/api/policy", Some(body));
        (a.status, a.json())
    };
    let (s, p) = put(&json!({"regions": ["HK", "MO"], "cidrs": ["10.0.0.0/8"]}));
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["regions"], json!(["HK", "MO"]));
    let (s, e) = put(&json!({"regions": ["Hong Kong"]}));
    assert_eq!((s, e["field"].clone()), (400, json!("regions")), "{e}");
    let (s, e) = put(&json!({"cidrs": ["10.0.0.0/33"]}));
    assert_eq!((s, e["field"].clone()), (400, json!("cidrs")), "{e}");
    assert_eq!(
        auditor.call(&fx, "GET", "/console/api/policy", None).json()["regions"],
        json!(["HK", "MO"])
    );
    let (s, p) = put(&json!({}));
    assert_eq!((s, p), (200, Value::Null));
    let ops = super::console::ops(&fx);
    for action in ["agent.code_issue", "policy.set", "policy.clear"] {
        assert!(ops.iter().any(|o| o.action == action), "{action}");
    }
}

#[test]
fn an_upheld_appeal_reaches_devices_as_a_contact_known_to_the_organisation() {
    use verity_check::check::{check, CheckContext};
    use verity_check::verdict::{ReasonCode, Verdict};
    let fx = Fx::new();
    let a = Dev::enroll(&fx);
    // The number was listed as a scam; the employee says it is the supplier's.
    let appeal = send(
        &fx,
        &a,
        ReportKind::Appeal,
        Some("+85230017777"),
        "Wing Fat's accounts line",
    );
    let analyst = sign_up(&fx, "ana", AdminRole::Analyst);
    let path = format!("/console/api/reports/{appeal}/confirm");
    let (s, e) = post(
        &fx,
        &analyst,
        &path,
        &json!({"category": "other", "reason": "checked"}),
    );
    assert_eq!(
        (s, e["field"].clone()),
        (400, json!("label")),
        "an appeal needs a label: {e}"
    );
    let (s, e) = post(
        &fx,
        &analyst,
        &path,
        &json!({"category": "other", "reason": "checked", "label": "Wing\u{202e} Fat"}),
    );
    assert_eq!((s, e["field"].clone()), (400, json!("label")), "{e}");
    let (s, d) = post(
        &fx,
        &analyst,
        &path,
        &json!({"category": "other", "reason": "Called them back", "label": "Wing Fat Trading"}),
    );
    assert_eq!((s, d["status"].clone()), (200, json!("confirmed")), "{d}");
    let f = analyst.call(&fx, "GET", "/console/api/feed", None).json();
    assert_eq!(
        f["pending"],
        json!([]),
        "an appeal never goes into the blocklist"
    );
    assert_eq!(f["allow_pending"][0]["value"], "+85230017777");
    assert_eq!(f["allow_pending"][0]["label"], "Wing Fat Trading");

    let feed_dir = tempfile::tempdir().unwrap();
    let (repo, keys) = (feed_dir.path().join("repo"), feed_dir.path().join("keys"));
    let now = Timestamp(i64::try_from(fx.clock.now()).unwrap());
    verity_feed::init(
        &repo,
        &keys,
        &feed_dir.path().join("rk"),
        &Default::default(),
        now,
    )
    .unwrap();
    feedpub::set_publisher(&*fx.store(), &repo, &keys, fx.clock.now()).unwrap();
    let (s, p) = post(&fx, &analyst, "/console/api/feed/publish", &json!({}));
    assert_eq!((s, p["items"].clone()), (200, json!(1)), "{p}");

    // A device syncing the organisation's feed checks the number as known, with the label.
    let server = verity_feed::spawn_server(&repo, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut cfg = verity_feed::SyncConfig::new(server.url());
    cfg.root = Some(std::fs::read(repo.join("root.json")).unwrap());
    cfg.apply_official = true;
    let store_dir = tempfile::tempdir().unwrap();
    let mut store = verity_store::Store::open(store_dir.path()).unwrap();
    verity_feed::sync(&mut store, &cfg, now, &mut |_| {}).unwrap();
    let (index, official) = store.lookup_tables().unwrap();
    let ctx = CheckContext {
        index: &index,
        official,
        default_region: verity_core::phone::Region::HK,
    };
    let o = check("+852 3001 7777", None, &ctx).unwrap();
    assert_eq!(o.verdict, Verdict::Official, "{:?}", o.reasons);
    assert_eq!(o.reasons[0].code, ReasonCode::OrgKnown);
    assert_eq!(o.reasons[0].detail.as_deref(), Some("Wing Fat Trading"));
    assert_eq!(
        device::report_status(&a.ctx, &[appeal]).unwrap()[0].state,
        ReportState::Confirmed
    );
}
