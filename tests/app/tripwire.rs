//! The tripwires through the app's own paths: what a watcher's catch does (decision, record,
//! alert in the user's language), the user's choices over IPC, the organisation's policy, and
//! the events listed for the Threats screen. Time is passed in.

use crate::harness::Harness;
use serde_json::json;
use verity_app::tripwire::{clipboard_seen, remote_seen, OrgPolicy, Tripwires};
use verity_core::Timestamp;
use verity_tripwire::remote::ToolTable;
use verity_tripwire::watch::{Decision, EventKind, Quiet, Strength};

const T: i64 = 1_780_000_000;

fn tool(id: &str) -> verity_tripwire::remote::Tool {
    ToolTable::builtin().get(id).unwrap().clone()
}

fn seen(h: &Harness, kind: EventKind, id: &str, at_start: bool, at: i64) -> Decision {
    let tw = h.app.state::<Tripwires>();
    remote_seen(&h.state(), &tw, kind, &tool(id), at_start, Timestamp(at))
        .unwrap()
        .0
}

fn copied(h: &Harness, text: &str, first: bool, at: i64) -> Decision {
    let tw = h.app.state::<Tripwires>();
    clipboard_seen(&h.state(), &tw, text, first, Timestamp(at))
        .unwrap()
        .0
}

fn alerts(h: &Harness) -> Vec<(String, String, bool)> {
    h.host
        .tripwire_notices
        .lock()
        .unwrap()
        .iter()
        .map(|(n, strong)| (n.summary.clone(), n.body.clone(), *strong))
        .collect()
}

use tauri::Manager;

#[test]
fn a_remote_tool_alerts_once_strongly_and_is_recorded() {
    let h = Harness::new();
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "anydesk", false, T),
        Decision::Alert(Strength::Strong)
    );
    let shown = alerts(&h);
    assert_eq!(shown.len(), 1);
    let (title, body, strong) = &shown[0];
    assert!(strong, "no verified session is open: the strong alert");
    assert_eq!(title, "AnyDesk is running on this computer");
    assert!(body.contains("never asks you to install or open remote-access software"));
    assert!(body.contains("hang up"));
    assert!(body.contains("Help & Feedback"));
    // Its installer a minute later, or the same program again: one moment of the scam.
    assert_eq!(
        seen(&h, EventKind::Installer, "anydesk", false, T + 60),
        Decision::Quiet(Quiet::Recently)
    );
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "anydesk", false, T + 120),
        Decision::Quiet(Quiet::Recently)
    );
    // Another tool is another alert; an hour later the same tool alerts again.
    assert_eq!(
        seen(&h, EventKind::Installer, "rustdesk", false, T + 180),
        Decision::Alert(Strength::Strong)
    );
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "anydesk", false, T + 3600),
        Decision::Alert(Strength::Strong)
    );
    let shown = alerts(&h);
    assert_eq!(shown.len(), 3);
    assert_eq!(shown[1].0, "RustDesk was downloaded");

    let events: Vec<serde_json::Value> =
        serde_json::from_value(h.ok("tripwire_events", json!({}))).unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["tool"], "AnyDesk");
    assert_eq!(events[0]["kind"], "remote_tool");
    assert_eq!(events[1]["kind"], "installer");
    assert_eq!(events[1]["tool"], "RustDesk");
    assert_eq!(events[0]["reportedAt"], serde_json::Value::Null);
}

#[test]
fn a_tool_already_running_at_start_alerts_once_a_day() {
    let h = Harness::new();
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "teamviewer", true, T),
        Decision::Alert(Strength::Strong)
    );
    // Verity restarts two hours later; the service still runs: no second alert that day.
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "teamviewer", true, T + 7200),
        Decision::Quiet(Quiet::Recently)
    );
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "teamviewer", true, T + 86_400),
        Decision::Alert(Strength::Strong)
    );
}

#[test]
fn alerts_speak_the_users_language() {
    let h = Harness::new();
    h.ok("set_language", json!({ "language": "zh-HK" }));
    seen(&h, EventKind::RemoteTool, "todesk", false, T);
    h.ok("set_language", json!({ "language": "ar" }));
    seen(&h, EventKind::Installer, "quick-assist", false, T);
    let shown = alerts(&h);
    assert_eq!(shown[0].0, "ToDesk 正在這部電腦上執行");
    assert!(shown[0].1.contains("掛線"));
    assert!(shown[1].0.contains("Quick Assist"), "{}", shown[1].0);
    assert!(shown[1].0.contains("تم تنزيل"));
}

#[test]
fn tools_the_organisation_uses_stay_quiet() {
    let h = Harness::builder()
        .org(OrgPolicy {
            tools_in_use: vec!["teamviewer".into()],
            locked: false,
        })
        .build();
    // Now, so that Home's count of the last 30 days includes it.
    let now = verity_app::clock::now().0;
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "teamviewer", false, now),
        Decision::Quiet(Quiet::InUse)
    );
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "anydesk", false, now),
        Decision::Alert(Strength::Strong)
    );
    assert_eq!(alerts(&h).len(), 1);
    let status = h.ok("tripwire_status", json!({}));
    assert_eq!(status["toolsInUse"], json!(["TeamViewer"]));
    assert_eq!(status["recent"], 1);
}

#[test]
fn turning_the_remote_tripwire_off_warns_and_silences_it() {
    let h = Harness::new();
    let status = h.ok("tripwire_status", json!({}));
    assert_eq!(status["remote"], true, "on by default");
    assert_eq!(status["codeGuard"], false, "the code guard is opt-in");
    assert_eq!(status["codeGuardOffered"], false);
    let status = h.ok("set_remote_tripwire", json!({ "enabled": false }));
    assert_eq!(status["remote"], false);
    let notices = h.host.notices.lock().unwrap().clone();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].summary, "A Verity protection was turned off");
    assert!(notices[0].body.contains("they are not support"));
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "anydesk", false, T),
        Decision::Quiet(Quiet::Off)
    );
    assert!(alerts(&h).is_empty());
    // Off again: no second warning. On: alerts again.
    h.ok("set_remote_tripwire", json!({ "enabled": false }));
    assert_eq!(h.host.notices.lock().unwrap().len(), 1);
    h.ok("set_remote_tripwire", json!({ "enabled": true }));
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "anydesk", false, T + 10),
        Decision::Alert(Strength::Strong)
    );
}

#[test]
fn a_locked_tripwire_cannot_be_turned_off() {
    let h = Harness::builder()
        .org(OrgPolicy {
            tools_in_use: vec![],
            locked: true,
        })
        .build();
    let e = h.err("set_remote_tripwire", json!({ "enabled": false }));
    assert_eq!(e["code"], "invalid_input");
    assert_eq!(e["reason"], "tripwire_locked");
    let status = h.ok("tripwire_status", json!({}));
    assert_eq!(status["remote"], true);
    assert_eq!(status["locked"], true);
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "anydesk", false, T),
        Decision::Alert(Strength::Strong)
    );
}

#[test]
fn the_code_guard_is_off_until_chosen_and_then_reminds_once_an_hour_without_digits() {
    let h = Harness::new();
    let code = "【DingTalk】Your verification code is 482913. Valid for 5 minutes.";
    assert_eq!(copied(&h, code, false, T), Decision::Quiet(Quiet::Nothing));
    let status = h.ok("set_code_guard", json!({ "enabled": true }));
    assert_eq!(status["codeGuard"], true);
    assert_eq!(status["codeGuardOffered"], true);
    // What was on the clipboard when the guard came on is not news.
    assert_eq!(copied(&h, code, true, T), Decision::Quiet(Quiet::Nothing));
    assert_eq!(
        copied(&h, code, false, T + 1),
        Decision::Quiet(Quiet::Nothing)
    );
    // Ordinary copies: an order number with a date and an amount, a meeting id.
    assert_eq!(
        copied(
            &h,
            "Order 20261206-0042, HK$1,234.50, 2026-12-06",
            false,
            T + 2
        ),
        Decision::Quiet(Quiet::Nothing)
    );
    assert_eq!(
        copied(&h, "123 456 789", false, T + 3),
        Decision::Quiet(Quiet::Nothing)
    );
    // A new code: one reminder, naming no digits.
    assert_eq!(
        copied(&h, "您的验证码是 730155，请勿告诉他人", false, T + 4),
        Decision::Alert(Strength::Strong)
    );
    let shown = alerts(&h);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].0, "You copied a one-time code");
    assert!(shown[0]
        .1
        .contains("not even someone who says they are support"));
    assert!(!shown[0].1.chars().any(|c| c.is_ascii_digit()));
    // Another code within the hour: quiet; after the hour: again.
    assert_eq!(
        copied(&h, "591204", false, T + 600),
        Decision::Quiet(Quiet::Recently)
    );
    assert_eq!(
        copied(&h, "Alipay code: 664210", false, T + 3604),
        Decision::Alert(Strength::Strong)
    );
    // The events keep no text.
    let events = h.ok("tripwire_events", json!({}));
    assert_eq!(events.as_array().unwrap().len(), 2);
    assert!(!events.to_string().contains("664210"));
    let db = std::fs::read(h.data_dir().join(verity_store::DATABASE_FILE)).unwrap();
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains("664210") && !db.contains("730155"));
    // Off: the memory goes too, nothing is read as a code, and the user is warned.
    h.ok("set_code_guard", json!({ "enabled": false }));
    let notices = h.host.notices.lock().unwrap().clone();
    assert_eq!(notices.len(), 1);
    assert!(notices[0].body.contains("never read a code to anyone"));
    assert_eq!(
        copied(&h, "Alipay code: 112233", false, T + 8000),
        Decision::Quiet(Quiet::Nothing)
    );
}

#[test]
fn declining_the_offer_is_remembered() {
    let h = Harness::new();
    let status = h.ok("decline_code_guard", json!({}));
    assert_eq!(status["codeGuardOffered"], true);
    assert_eq!(status["codeGuard"], false);
}

#[test]
fn an_alert_the_desktop_refuses_is_still_recorded() {
    let h = Harness::new();
    h.host
        .refuse_notifications
        .store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "ultraviewer", false, T),
        Decision::Alert(Strength::Strong)
    );
    assert!(alerts(&h).is_empty());
    assert_eq!(
        h.ok("tripwire_events", json!({})).as_array().unwrap().len(),
        1
    );
}

#[test]
fn a_lock_the_organisation_deploys_while_verity_runs_takes_effect() {
    let h = Harness::new();
    h.ok("set_remote_tripwire", json!({ "enabled": false }));
    let tw = h.app.state::<Tripwires>();
    assert!(!tw.remote_on());
    // IT deploys a provisioning file that locks the tripwire on and exempts TeamViewer.
    tw.set_org(OrgPolicy {
        tools_in_use: vec!["teamviewer".into()],
        locked: true,
    });
    assert!(tw.remote_on(), "the watchers run again");
    let status = h.ok("tripwire_status", json!({}));
    assert_eq!(status["remote"], true);
    assert_eq!(status["locked"], true);
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "teamviewer", false, T),
        Decision::Quiet(Quiet::InUse)
    );
    assert_eq!(
        seen(&h, EventKind::RemoteTool, "anydesk", false, T),
        Decision::Alert(Strength::Strong)
    );
    // The lock lifted: the user's own choice (off) is back.
    tw.set_org(OrgPolicy::default());
    assert!(!tw.remote_on());
    assert_eq!(h.ok("tripwire_status", json!({}))["remote"], false);
}
