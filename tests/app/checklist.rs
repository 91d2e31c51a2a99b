//! The checklist's commands (issue 5) through Tauri's mock runtime: the five steps, the scan of
//! fixture files, the size limit, the report export and the daily reminder.

use crate::harness::{FakeHost, Harness};
use crate::replies::{ChecklistStatus, CleanCopies, ExportedReport, ScanResult};

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use verity_app::feed_sync::FeedConfig;
use verity_app::host::Notice;
use verity_app::state::AppState;
use verity_checklist::checklist::{AlertEvidence, Evidence, StepId, StepState, StepStatus};
use verity_scan::Location;

fn harness() -> Harness {
    Harness::new()
}

fn harness_with(host: FakeHost, label: &'static str) -> Harness {
    Harness::builder().host(host).label(label).build()
}

fn invoke(
    h: &Harness,
    cmd: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    h.invoke(cmd, body)
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/verity-scan/tests/fixtures")
        .join(name);
    std::fs::read(path).unwrap()
}

fn file(name: &str, bytes: &[u8]) -> serde_json::Value {
    serde_json::json!({ "name": name, "bytes": bytes })
}

fn status(h: &Harness) -> ChecklistStatus {
    h.ok_as("checklist_status", serde_json::json!({}))
}

fn step_status(h: &Harness, n: usize) -> StepStatus {
    status(h).steps[n].state.status
}

/// `export_report` in `format`: the report written, or `None` when the dialog was cancelled.
fn export(h: &Harness, format: &str) -> Option<ExportedReport> {
    h.ok_as("export_report", serde_json::json!({ "format": format }))
}

fn exports(h: &Harness) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(h.exports_dir())
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn a_fresh_checklist_has_five_steps_not_started() {
    let h = harness();
    let s = status(&h);
    assert_eq!(s.steps.len(), 5);
    assert_eq!(s.progress.done, 0);
    assert_eq!(s.progress.total, 5);
    assert_eq!(s.next_drill, None);
    assert_eq!(s.next_step, Some(StepId::RemoveUnofficialNumbers));
    assert_eq!(s.pass_percent, 80);
    for step in &s.steps {
        assert_eq!(step.state.status, StepStatus::NotStarted);
        assert!(!step.summary.is_empty());
    }
}

#[test]
fn a_vcard_scan_flags_support_numbers_and_a_cleaned_copy_completes_step_1() {
    let h = harness();
    let bytes = fixture("ios.vcf");
    let r: ScanResult = h.ok_as(
        "scan_files",
        serde_json::json!({ "files": [file("ios.vcf", &bytes)] }),
    );
    let findings = &r.files[0].scan.as_ref().unwrap().findings;
    assert!(!findings.is_empty(), "{r:?}");
    for f in findings {
        assert_eq!(f.file, "ios.vcf");
        match &f.location {
            Location::Line { line } => assert!(*line > 0),
            other => panic!("a vCard is read by line: {other:?}"),
        }
    }
    assert!(findings
        .iter()
        .any(|f| f.name.as_deref() == Some("DingTalk HK Support")));
    let flagged = r.summary.flagged;
    assert!(flagged > 0);
    assert_eq!(r.summary.removed, 0);
    // Flagged numbers still saved: the step is in progress, and no number is in the evidence.
    let step = r.step.unwrap();
    assert_eq!(step.status, StepStatus::InProgress);
    assert!(!serde_json::to_string(&step.evidence)
        .unwrap()
        .contains("3001"));

    let c: CleanCopies = h.ok_as(
        "save_clean_copies",
        serde_json::json!({ "files": [file("ios.vcf", &bytes)] }),
    );
    assert_eq!(c.copies[0].removed, flagged);
    assert_eq!(c.step.unwrap().status, StepStatus::Done);
    let written = exports(&h);
    assert_eq!(written.len(), 1);
    assert_eq!(
        written[0].file_name().unwrap().to_str().unwrap(),
        "ios-cleaned.vcf"
    );
    let cleaned = std::fs::read_to_string(&written[0]).unwrap();
    assert!(!cleaned.contains("DingTalk HK Support"));
    assert!(cleaned.contains("Chan Tai Man"));
    // A second copy never overwrites the first.
    invoke(
        &h,
        "save_clean_copies",
        serde_json::json!({ "files": [file("ios.vcf", &bytes)] }),
    )
    .unwrap();
    assert_eq!(exports(&h).len(), 2);
    assert_eq!(step_status(&h, 0), StepStatus::Done);
}

#[test]
fn an_oversized_file_is_refused_and_nothing_is_recorded() {
    let h = harness();
    let big = vec![b'a'; usize::try_from(verity_scan::MAX_FILE_BYTES).unwrap() + 1];
    let e = invoke(
        &h,
        "scan_files",
        serde_json::json!({ "files": [file("big.txt", &big)] }),
    )
    .unwrap_err();
    assert_eq!(e["code"], "invalid_input");
    assert_eq!(e["reason"], "too_large");
    assert_eq!(step_status(&h, 0), StepStatus::NotStarted);
}

#[test]
fn an_unreadable_file_is_reported_per_file() {
    let h = harness();
    let r: ScanResult = h.ok_as(
        "scan_files",
        serde_json::json!({ "files": [file("x.bin", &[0u8, 159, 146, 150, 0, 0, 1]), file("ios.vcf", &fixture("ios.vcf"))] }),
    );
    let error = r.files[0].error.as_ref().unwrap();
    assert_eq!(error.code, "invalid_input");
    assert!(error.reason.is_some(), "{error:?}");
    assert!(r.files[1].scan.is_some());
    assert_eq!(r.summary.files, 1);
    let e = invoke(&h, "scan_files", serde_json::json!({ "files": [] })).unwrap_err();
    assert_eq!(e["code"], "invalid_input");
}

#[test]
fn all_five_steps_through_commands_then_the_report() {
    let h = harness();
    five_steps_through_commands(&h);
    let reports = reports_where_the_user_said(&h);
    a_report_replaced_cancelled_or_refused(&h, &reports);
}

/// The Save dialog's next answer (`None`: cancelled).
fn answer_save(h: &Harness, path: Option<PathBuf>) {
    h.host.save_answers.lock().unwrap().push_back(path);
}

/// The names of the files in `dir`, sorted.
fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn five_steps_through_commands(h: &Harness) {
    // 1: a clean file.
    let r: ScanResult = h.ok_as(
        "scan_files",
        serde_json::json!({ "files": [file("clean.vcf", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Chan Tai Man\r\nTEL:+852 9123 4567\r\nEND:VCARD\r\n")] }),
    );
    assert_eq!(r.step.as_ref().unwrap().status, StepStatus::Done, "{r:?}");
    // 2.
    let s: StepState = h.ok_as("acknowledge_official_path", serde_json::json!({}));
    assert_eq!(s.status, StepStatus::Done);
    // 3: start at login goes to the OS.
    let s: StepState = h.ok_as(
        "confirm_test_alert",
        serde_json::json!({ "startAtLogin": true }),
    );
    assert_eq!(s.status, StepStatus::Done);
    assert!(
        matches!(
            s.evidence,
            Some(Evidence::AlertsOn(AlertEvidence {
                start_at_login: true,
                ..
            }))
        ),
        "{s:?}"
    );
    assert_eq!(*h.host.login_item.lock().unwrap(), Some(true));
    // 4: a bad owner is refused with a reason the UI words.
    let e = invoke(
        h,
        "set_drill_owner",
        serde_json::json!({ "name": "  ", "everyMonths": 3, "nextDrill": null }),
    )
    .unwrap_err();
    assert_eq!(e["code"], "invalid_input");
    assert_eq!(e["reason"], "empty_owner");
    let e = invoke(
        h,
        "set_drill_owner",
        serde_json::json!({ "name": "Ada", "everyMonths": 3, "nextDrill": "2001-01-01" }),
    )
    .unwrap_err();
    assert_eq!(e["reason"], "next_drill_not_in_future");
    let s: StepState = h.ok_as(
        "set_drill_owner",
        serde_json::json!({ "name": "Ada Lau", "everyMonths": 3, "nextDrill": null }),
    );
    assert_eq!(s.status, StepStatus::Done);
    match &s.evidence {
        Some(Evidence::DrillOwner(d)) => assert_eq!(d.owner, "Ada Lau"),
        other => panic!("{other:?}"),
    }
    // 5: a failed quiz keeps the step in progress; a pass completes it.
    let s: StepState = h.ok_as(
        "record_quiz",
        serde_json::json!({ "score": 7, "total": 12 }),
    );
    assert_eq!(s.status, StepStatus::InProgress);
    let e = invoke(
        h,
        "record_quiz",
        serde_json::json!({ "score": 13, "total": 12 }),
    )
    .unwrap_err();
    assert_eq!(e["reason"], "score_above_total");
    let s: StepState = h.ok_as(
        "record_quiz",
        serde_json::json!({ "score": 10, "total": 12 }),
    );
    assert_eq!(s.status, StepStatus::Done);

    let st = status(h);
    assert_eq!(st.progress.done, 5);
    assert_eq!(st.next_step, None);
    assert!(st.next_drill.is_some());
    assert!(st.steps[3].summary.contains("Ada Lau"));
}

/// The report, in each format, where the user said in the Save dialog; the folder.
fn reports_where_the_user_said(h: &Harness) -> PathBuf {
    // The report, in each format, where the user said in the Save dialog.
    let reports = h.dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let answer = |p: Option<PathBuf>| answer_save(h, p);
    answer(Some(reports.join("q4.html")));
    let html = export(h, "html").unwrap();
    let asked = h
        .host
        .save_requests
        .lock()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    let name = asked.file_name.clone();
    assert!(
        name.starts_with("verity-checklist-report-") && name.ends_with(".html"),
        "{name}"
    );
    let date = &name["verity-checklist-report-".len()..name.len() - ".html".len()];
    assert!(
        verity_checklist::checklist::parse_date(date).is_some(),
        "{date}"
    );
    assert_eq!(asked.extension, "html");
    assert_eq!(asked.filter_name, "HTML page");
    assert_eq!(asked.title, "Save the checklist report");
    let head = html.head_hash.clone().unwrap();
    assert_eq!(head.len(), 64);
    assert!(html.audit_intact);
    let content = html.content.as_str();
    assert!(content.contains(&head));
    assert!(content.contains("Ada Lau"));
    let path = PathBuf::from(&html.path);
    assert_eq!(path, reports.join("q4.html"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
    answer(Some(reports.join("q4.json")));
    let json = export(h, "json").unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&json.content).unwrap();
    assert!(parsed.to_string().contains(&head));
    assert_eq!(
        json.content,
        std::fs::read_to_string(reports.join("q4.json")).unwrap()
    );
    answer(Some(reports.join("q4.csv")));
    let csv = export(h, "csv").unwrap();
    assert!(csv.content.contains(&head));
    let asked = h
        .host
        .save_requests
        .lock()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert!(asked.file_name.ends_with(".csv"));
    assert_eq!(asked.filter_name, "CSV spreadsheet");
    assert_eq!(files_in(&reports), ["q4.csv", "q4.html", "q4.json"]);

    reports
}

fn a_report_replaced_cancelled_or_refused(h: &Harness, reports: &std::path::Path) {
    let answer = |p: Option<PathBuf>| answer_save(h, p);
    // Saved again over a file (the dialog asked before replacing): replaced whole, no leftovers.
    std::fs::write(reports.join("q4.html"), "old").unwrap();
    answer(Some(reports.join("q4.html")));
    let again = export(h, "html").unwrap();
    // What this export wrote (the report's footer says when, to the second: not the first's).
    assert_eq!(
        std::fs::read_to_string(reports.join("q4.html")).unwrap(),
        again.content
    );
    assert_eq!(files_in(reports), ["q4.csv", "q4.html", "q4.json"]);

    // Cancelled: not an error, nothing written.
    answer(None);
    let r = export(h, "html");
    assert!(r.is_none(), "{r:?}");
    assert_eq!(files_in(reports), ["q4.csv", "q4.html", "q4.json"]);

    // A place that cannot be written: a coded reason the UI words, nothing left behind.
    for bad in [reports.join("gone").join("q4.html"), reports.to_path_buf()] {
        answer(Some(bad.clone()));
        let e = invoke(h, "export_report", serde_json::json!({ "format": "html" })).unwrap_err();
        assert_eq!(e["code"], "invalid_input", "{e}");
        assert_eq!(e["reason"], "cannot_write", "{e}");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains(&bad.display().to_string()),
            "{e}"
        );
        assert_eq!(files_in(reports), ["q4.csv", "q4.html", "q4.json"]);
    }
    // Reports never go to the export folder of cleaned copies.
    assert!(exports(h).is_empty());
    let e = invoke(h, "export_report", serde_json::json!({ "format": "pdf" })).unwrap_err();
    assert!(e.is_string() || e["code"] == "invalid_input");
}

#[test]
fn a_refused_login_item_is_a_coded_error_and_step_3_is_not_recorded() {
    let h = harness_with(
        FakeHost {
            refuse_autostart: true,
            ..FakeHost::default()
        },
        "main",
    );
    let e = invoke(
        &h,
        "confirm_test_alert",
        serde_json::json!({ "startAtLogin": true }),
    )
    .unwrap_err();
    assert_eq!(e["code"], "autostart");
    assert_eq!(step_status(&h, 2), StepStatus::NotStarted);
}

#[test]
fn other_windows_get_no_checklist_commands() {
    let h = harness_with(FakeHost::default(), "other");
    assert!(invoke(&h, "checklist_status", serde_json::json!({})).is_err());
    assert!(invoke(&h, "export_report", serde_json::json!({ "format": "json" })).is_err());
}

// ---- The daily reminder: time and the local offset are passed in ----------------------------

use verity_app::reminder::remind_if_due;
use verity_checklist::checklist::ReminderDecision::{
    self, AlreadyShownToday, NothingDue, Off, Show,
};
use verity_core::clock::Timestamp;

/// 2026-03-02T22:00:00Z: 06:00 on 3 March in Hong Kong.
const T: i64 = 1_772_488_800;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const HK: i32 = 8 * 3600;

/// Records step 4 long before `T`, with the next drill at `next_drill`.
fn drill_recorded_long_ago(h: &Harness, next_drill: i64) {
    use verity_checklist::checklist::{DrillEvidence, Event, Evidence, Interval, StepId};
    let mut store = verity_store::Store::open(&h.data_dir()).unwrap();
    let e = Evidence::DrillOwner(DrillEvidence {
        last_drill: None,
        owner: "Ada".into(),
        schedule: Interval::QUARTER,
        next_drill: Timestamp(next_drill),
    });
    store
        .apply_checklist_event(
            StepId::DrillOwner,
            &Event::Record(e),
            Timestamp(T - 100 * DAY),
        )
        .unwrap();
}

fn remind(h: &Harness, at: i64, offset: i32) -> ReminderDecision {
    remind_if_due(&h.state(), Timestamp(at), offset).unwrap()
}

fn reminders(h: &Harness) -> Vec<(Notice, bool)> {
    h.host.reminders.lock().unwrap().clone()
}

#[test]
fn a_due_step_reminds_once_a_local_day() {
    let h = harness();
    assert_eq!(remind(&h, T, HK), NothingDue);
    drill_recorded_long_ago(&h, T - 10 * DAY);
    assert_eq!(remind(&h, T, HK), Show);
    let store = verity_store::Store::open(&h.data_dir()).unwrap();
    assert_eq!(
        store.checklist().unwrap().steps[3].status,
        verity_checklist::checklist::StepStatus::DueAgain
    );
    // Hourly checks the same local day: nothing more, though the UTC date changed at 08:00 HK.
    for hours in 1..=17 {
        assert_eq!(
            remind(&h, T + hours * HOUR, HK),
            AlreadyShownToday,
            "+{hours} h"
        );
    }
    // Past local midnight (00:30 on 4 March in Hong Kong): the next day's reminder.
    assert_eq!(remind(&h, T + 18 * HOUR + 1800, HK), Show);
    assert_eq!(remind(&h, T + 19 * HOUR, HK), AlreadyShownToday);
    let shown = reminders(&h);
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0].0.summary, "Verity: a security step is due again");
    assert!(!shown[0].1, "not quiet by default");
    // Only the reminder path notified (no plain notification).
    assert!(h.host.notices.lock().unwrap().is_empty());
    // The day is kept in the store, so a restart does not remind again that day.
    let h2_state = AppState::open(h.data_dir(), h.host.clone());
    assert_eq!(
        remind_if_due(&h2_state, Timestamp(T + 20 * HOUR), HK).unwrap(),
        AlreadyShownToday
    );
}

#[test]
fn a_step_falling_due_while_the_app_runs_is_reminded_the_same_day() {
    let h = harness();
    drill_recorded_long_ago(&h, T + HOUR);
    // The hourly checks before the drill date find nothing due.
    assert_eq!(remind(&h, T, HK), NothingDue);
    assert_eq!(remind(&h, T + HOUR - 1, HK), NothingDue);
    // The first check after it: the step falls due and the reminder is shown, that day.
    assert_eq!(remind(&h, T + 2 * HOUR, HK), Show);
    assert_eq!(reminders(&h).len(), 1);
}

#[test]
fn reminders_turned_off_in_settings_show_nothing() {
    let h = harness();
    let config = || h.ok_as::<FeedConfig>("feed_config", serde_json::json!({}));
    assert!(config().reminders, "on by default");
    let c: FeedConfig = h.ok_as(
        "set_checklist_reminders",
        serde_json::json!({ "enabled": false }),
    );
    assert!(!c.reminders);
    assert!(!config().reminders, "persisted");
    drill_recorded_long_ago(&h, T - 10 * DAY);
    assert_eq!(remind(&h, T, HK), Off);
    assert!(reminders(&h).is_empty());
    // Turning threat alerts off does not turn reminders back on, nor the reverse.
    invoke(
        &h,
        "set_feed_alerts",
        serde_json::json!({ "alerts": false, "quiet": false }),
    )
    .unwrap();
    let c: FeedConfig = h.ok_as(
        "set_checklist_reminders",
        serde_json::json!({ "enabled": true }),
    );
    assert_eq!((c.reminders, c.alerts), (true, false));
    assert_eq!(remind(&h, T + HOUR, HK), Show);
    assert_eq!(reminders(&h).len(), 1);
}

#[test]
fn the_quiet_preference_makes_the_reminder_quiet() {
    let h = harness();
    invoke(
        &h,
        "set_feed_alerts",
        serde_json::json!({ "alerts": true, "quiet": true }),
    )
    .unwrap();
    drill_recorded_long_ago(&h, T - 10 * DAY);
    assert_eq!(remind(&h, T, HK), Show);
    assert!(reminders(&h)[0].1, "quiet");
}

#[test]
fn a_refused_reminder_is_not_recorded_and_comes_at_the_next_check() {
    let h = harness();
    drill_recorded_long_ago(&h, T - 10 * DAY);
    h.host.refuse_notifications.store(true, Ordering::SeqCst);
    let e = remind_if_due(&h.state(), Timestamp(T), HK).unwrap_err();
    assert_eq!(
        e.code,
        verity_app::error::ErrorCode::NotificationUnavailable
    );
    h.host.refuse_notifications.store(false, Ordering::SeqCst);
    assert_eq!(remind(&h, T + HOUR, HK), Show);
    assert_eq!(reminders(&h).len(), 1);
}

#[test]
fn the_reminder_speaks_the_users_language() {
    let h = harness();
    invoke(
        &h,
        "set_language",
        serde_json::json!({ "language": "zh-HK" }),
    )
    .unwrap();
    drill_recorded_long_ago(&h, T - 10 * DAY);
    assert_eq!(remind(&h, T, HK), Show);
    assert_eq!(
        reminders(&h)[0].0.summary,
        verity_core::text::text(
            verity_core::Language::ZhHk,
            "notification.checklist_due.title"
        )
    );
}
