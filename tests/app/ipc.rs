//! Commands through Tauri's mock runtime: the real IPC path (deserialising arguments, the
//! capability check, serialising `{code, message}` errors) without a window system.

use crate::harness::{self, FakeHost, Harness};
use crate::replies::{AppStatus, ScanResult, ShortcutStatus};

use serde::Deserialize;
use verity_app::state::AppState;
use verity_check::check::CheckOutcome;
use verity_check::history::{CheckSource, HistoryEntry};
use verity_check::verdict::{CheckKind, ReasonCode, Verdict};
use verity_checklist::checklist::{StepId, StepState};
use verity_core::{Language, Settings, Timestamp};

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

#[test]
fn app_status_reads_the_store() {
    let h = harness();
    let v: AppStatus = h.ok_as("app_status", serde_json::json!({}));
    assert_eq!(v.schema_version, verity_store::SCHEMA_VERSION);
    assert_eq!(v.data_dir, h.data_dir().display().to_string());
    assert_eq!(v.database_file, verity_store::DATABASE_FILE);
}

#[test]
fn language_round_trips_and_persists() {
    let h = harness();
    let v = invoke(&h, "get_settings", serde_json::json!({})).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"language": "en", "startAtLogin": false, "region": "HK", "checkShortcut": "CmdOrCtrl+Alt+K"})
    );
    let v: Settings = h.ok_as("set_language", serde_json::json!({"language": "ar"}));
    assert_eq!(v.language, Language::Ar);
    assert_eq!(
        *h.host.languages.lock().unwrap(),
        vec![verity_core::Language::Ar]
    );
    // Persisted in the real SQLite file: a fresh store sees it.
    let store = verity_store::Store::open(&h.data_dir()).unwrap();
    assert_eq!(
        store.settings().unwrap().language,
        verity_core::Language::Ar
    );
}

#[test]
fn a_bad_language_is_rejected_and_nothing_changes() {
    let h = harness();
    let err = invoke(
        &h,
        "set_language",
        serde_json::json!({"language": "klingon"}),
    )
    .unwrap_err();
    // Tauri rejects the argument before the command runs.
    assert!(
        err.to_string().contains("klingon") || err.to_string().contains("language"),
        "{err}"
    );
    let v: Settings = h.ok_as("get_settings", serde_json::json!({}));
    assert_eq!(v.language, Language::En);
}

#[test]
fn start_at_login_goes_to_the_os_then_the_store() {
    let h = harness();
    let v: Settings = h.ok_as("set_start_at_login", serde_json::json!({"enabled": true}));
    assert!(v.start_at_login);
    assert_eq!(*h.host.login_item.lock().unwrap(), Some(true));
}

#[test]
fn a_refused_login_item_is_a_coded_error_and_not_recorded() {
    let h = harness_with(
        FakeHost {
            refuse_autostart: true,
            ..FakeHost::default()
        },
        "main",
    );
    let err = invoke(
        &h,
        "set_start_at_login",
        serde_json::json!({"enabled": true}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "autostart", "{err}");
    assert!(err["message"].as_str().unwrap().contains("refused"));
    let v: Settings = h.ok_as("get_settings", serde_json::json!({}));
    assert!(!v.start_at_login);
}

#[test]
fn test_notification_is_in_the_users_language() {
    let h = harness();
    invoke(&h, "set_language", serde_json::json!({"language": "zh-HK"})).unwrap();
    invoke(&h, "send_test_notification", serde_json::json!({})).unwrap();
    let notices = h.host.notices.lock().unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        notices[0].summary,
        verity_app::i18n::text(verity_core::Language::ZhHk, "notification.test.title")
    );
    assert_ne!(
        notices[0].summary,
        verity_app::i18n::text(verity_core::Language::En, "notification.test.title")
    );
}

#[test]
fn a_store_that_cannot_open_is_reported_with_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let h = harness();
    let state = AppState::open(file, h.host.clone());
    let err = state.with_store(|s| s.schema_version()).unwrap_err();
    assert_eq!(err.code, verity_app::error::ErrorCode::Store);
    assert_eq!(serde_json::to_value(&err).unwrap()["code"], "store");
}

#[test]
fn other_windows_get_no_commands() {
    // Capabilities grant the commands to the main window only.
    let h = harness_with(FakeHost::default(), "intruder");
    let err = invoke(&h, "app_status", serde_json::json!({})).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
}

#[test]
fn check_answers_from_the_store_with_codes() {
    let h = harness();
    let v: CheckOutcome = h.ok_as(
        "check",
        serde_json::json!({"input": "+852 3001 2345", "kind": null}),
    );
    assert_eq!(v.verdict, Verdict::Scam);
    assert_eq!(v.kind, CheckKind::Phone);
    assert_eq!(v.normalized.as_deref(), Some("+85230012345"));
    assert_eq!(v.reasons[0].code, ReasonCode::OnBlocklist);
    assert_eq!(v.matches[0].added, Timestamp(1_767_225_600));
    let v: CheckOutcome = h.ok_as(
        "check",
        serde_json::json!({"input": "hello", "kind": "text"}),
    );
    assert_eq!(v.verdict, Verdict::NoRecord);
}

#[test]
fn checks_are_recorded_in_the_history_and_cleared_for_good() {
    let h = harness();
    let v = invoke(&h, "check_history", serde_json::json!({})).unwrap();
    assert_eq!(v, serde_json::json!([]));
    for (input, kind) in [
        ("+852 3001 2345", serde_json::Value::Null),
        (
            "http://dingtalk-hk.com/login?code=483920",
            serde_json::Value::Null,
        ),
        ("1-800-FLOWERS", serde_json::json!("phone")),
    ] {
        invoke(
            &h,
            "check",
            serde_json::json!({"input": input, "kind": kind}),
        )
        .unwrap();
    }
    let v = invoke(&h, "check_history", serde_json::json!({})).unwrap();
    let list: Vec<HistoryEntry> = harness::read("check_history", &v);
    assert_eq!(list.len(), 2, "the unreadable input is not recorded: {v}");
    assert_eq!(list[0].kind, CheckKind::Url);
    assert_eq!(list[0].verdict, Verdict::Suspicious);
    assert_eq!(list[0].source, CheckSource::Screen);
    assert_eq!(list[0].items, ["http://dingtalk-hk.com/login"]);
    assert_eq!(list[0].item_count, 1);
    assert!(list[0].checked_at.0 > 1_700_000_000);
    assert_eq!(list[1].items, ["+85230012345"]);
    assert_eq!(list[1].verdict, Verdict::Scam);
    assert!(
        !v.to_string().contains("483920"),
        "the query is not kept: {v}"
    );

    // Checked again from the history: answered, and the first verdict stays as it was.
    let again: CheckOutcome = h.ok_as(
        "check",
        serde_json::json!({"input": "+852 3001 2345", "kind": null, "remember": false}),
    );
    assert_eq!(again.verdict, Verdict::Scam, "{again:?}");
    let after = invoke(&h, "check_history", serde_json::json!({})).unwrap();
    assert_eq!(
        after, v,
        "a check with remember: false records nothing (recorded, it would move to the top)"
    );

    let removed: u32 = h.ok_as("clear_check_history", serde_json::json!({}));
    assert_eq!(removed, 2);
    assert_eq!(
        invoke(&h, "check_history", serde_json::json!({})).unwrap(),
        serde_json::json!([])
    );
    // Gone from the file, as another process sees it.
    let store = verity_store::Store::open(&h.data_dir()).unwrap();
    assert_eq!(store.check_history_len().unwrap(), 0);
}

#[test]
fn a_history_that_cannot_be_written_does_not_fail_the_check() {
    let h = harness();
    // Damage the history table behind the app's back.
    let conn = rusqlite::Connection::open_with_flags(
        h.data_dir().join(verity_store::DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    conn.execute_batch("DROP TABLE check_history").unwrap();
    drop(conn);
    let v: CheckOutcome = h.ok_as(
        "check",
        serde_json::json!({"input": "+852 3001 2345", "kind": null}),
    );
    assert_eq!(v.verdict, Verdict::Scam);
    let err = invoke(&h, "check_history", serde_json::json!({})).unwrap_err();
    assert_eq!(err["code"], "store", "{err}");
}

#[test]
fn check_rejects_oversized_and_malformed_arguments() {
    let h = harness();
    let big = "a".repeat(70 * 1024);
    let err = invoke(&h, "check", serde_json::json!({"input": big, "kind": null})).unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    let err = invoke(
        &h,
        "check",
        serde_json::json!({"input": "x", "kind": "fax"}),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("fax") || err.to_string().contains("kind"),
        "{err}"
    );
}

#[test]
fn status_counts_the_blocklist() {
    let h = harness();
    let v: AppStatus = h.ok_as("app_status", serde_json::json!({}));
    let b = &v.blocklist;
    assert!(b.entries > 0);
    assert_eq!(
        b.entries, b.sample,
        "a fresh install holds only the labelled sample"
    );
}

#[test]
fn the_region_setting_changes_how_numbers_are_read() {
    let h = harness();
    let v: CheckOutcome = h.ok_as(
        "check",
        serde_json::json!({"input": "2345 6789", "kind": "phone"}),
    );
    assert_eq!(v.normalized.as_deref(), Some("+85223456789"));
    let v: Settings = h.ok_as("set_region", serde_json::json!({"region": "MO"}));
    assert_eq!(v.region.as_str(), "MO");
    let v: CheckOutcome = h.ok_as(
        "check",
        serde_json::json!({"input": "2834 5678", "kind": "phone"}),
    );
    assert_eq!(v.normalized.as_deref(), Some("+85328345678"));
    let err = invoke(&h, "set_region", serde_json::json!({"region": "XX"})).unwrap_err();
    assert!(err.to_string().contains("XX"), "{err}");
}

/// Two changes at once: the first is held between registering its shortcut and recording it,
/// the second starts meanwhile. The shortcut recorded is the one the desktop holds.
///
/// No sleep sets the order. The desktop holds the first change inside its registration (it has
/// taken Ctrl+Shift+1, nothing is recorded yet) while the second starts, and lets it go only
/// once the second has registered Ctrl+Shift+2 and finished — which it can do only when nothing
/// makes it wait for the first: then the first records last, over the second — or once the
/// second has still not reached the desktop after `patience`, because it waits for the first.
/// With the lock in place the outcome never depends on that bound; without it, the test fails
/// as long as the second change gets through within twenty times what a whole change takes
/// just before (a loaded machine gets a longer bound).
#[test]
fn overlapping_shortcut_changes_record_the_shortcut_in_force() {
    let (host, held) = FakeHost::holding("Ctrl+Shift+1");
    let h = harness_with(host, "main");
    let started = std::time::Instant::now();
    h.ok(
        "set_check_shortcut",
        serde_json::json!({ "shortcut": "Ctrl+Shift+3" }),
    );
    let patience = (started.elapsed() * 20).max(std::time::Duration::from_millis(500));
    let change = |shortcut: &'static str| {
        let webview = h.webview.clone();
        move || {
            harness::invoke(
                &webview,
                "set_check_shortcut",
                serde_json::json!({ "shortcut": shortcut }),
            )
        }
    };
    let overtook = std::thread::scope(|scope| {
        let first = scope.spawn(change("Ctrl+Shift+1"));
        held.wait_inside();
        let second = scope.spawn(change("Ctrl+Shift+2"));
        let overtook = h.host.wait_until_registered("Ctrl+Shift+2", patience);
        // Overtaking, the second records before the first is let go.
        let second = if overtook {
            Ok(second.join().unwrap())
        } else {
            Err(second)
        };
        held.release();
        first.join().unwrap().unwrap();
        second.unwrap_or_else(|s| s.join().unwrap()).unwrap();
        overtook
    });
    let stored: Settings = h.ok_as("get_settings", serde_json::json!({}));
    let registered = h.host.registered.lock().unwrap().clone();
    assert_eq!(
        Some(stored.check_shortcut.as_str()),
        registered.as_deref(),
        "stored vs registered"
    );
    assert!(
        !overtook,
        "the second change reached the desktop while the first was between registering and recording"
    );
}

/// A saved shortcut the desktop refused at start is reported until another is saved.
#[test]
fn a_shortcut_refused_at_start_is_reported_until_another_is_saved() {
    let h = harness();
    let refused = || {
        h.ok_as::<ShortcutStatus>("shortcut_status", serde_json::json!({}))
            .refused
    };
    let save = |shortcut: &str| {
        invoke(
            &h,
            "set_check_shortcut",
            serde_json::json!({ "shortcut": shortcut }),
        )
    };
    assert_eq!(refused(), None);
    // As the app's setup records it when registering the saved shortcut fails.
    h.state()
        .set_shortcut_refused(Some("CmdOrCtrl+Alt+K".into()));
    assert_eq!(refused().as_deref(), Some("CmdOrCtrl+Alt+K"));
    // A refused change leaves it reported; a saved one puts a shortcut in force.
    save("Ctrl+Alt+Delete").unwrap_err();
    assert_eq!(refused().as_deref(), Some("CmdOrCtrl+Alt+K"));
    save("Ctrl+Shift+9").unwrap();
    assert_eq!(refused(), None);
}

/// Settings asked while the saved shortcut's registration at start is still to come (it follows
/// the first paint) answers with its outcome, not with "in force" before it is known.
#[test]
fn the_shortcut_status_waits_for_the_registration_at_start() {
    let h = harness();
    h.state().set_shortcut_at_start_pending(true);
    let registration = {
        let app = h.app.handle().clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            let state = tauri::Manager::state::<AppState>(&app);
            state.set_shortcut_refused(Some("CmdOrCtrl+Alt+K".into()));
            state.set_shortcut_at_start_pending(false);
        })
    };
    let status: ShortcutStatus = h.ok_as("shortcut_status", serde_json::json!({}));
    assert_eq!(status.refused.as_deref(), Some("CmdOrCtrl+Alt+K"));
    registration.join().unwrap();
}

#[test]
fn the_check_shortcut_is_validated_before_it_is_stored() {
    let h = harness();
    let v: Settings = h.ok_as(
        "set_check_shortcut",
        serde_json::json!({"shortcut": "Ctrl+Shift+9"}),
    );
    assert_eq!(v.check_shortcut, "Ctrl+Shift+9");
    let err = invoke(
        &h,
        "set_check_shortcut",
        serde_json::json!({"shortcut": "Ctrl+Banana"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert_eq!(err["reason"], "shortcut_invalid", "{err}");
    let v: Settings = h.ok_as("get_settings", serde_json::json!({}));
    assert_eq!(v.check_shortcut, "Ctrl+Shift+9");
    // A shortcut the desktop refuses is not recorded either, and says why.
    let err = invoke(
        &h,
        "set_check_shortcut",
        serde_json::json!({"shortcut": "Ctrl+Alt+Delete"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert_eq!(err["reason"], "shortcut_refused", "{err}");
    let v: Settings = h.ok_as("get_settings", serde_json::json!({}));
    assert_eq!(v.check_shortcut, "Ctrl+Shift+9");
    let v: Settings = h.ok_as("set_check_shortcut", serde_json::json!({"shortcut": ""}));
    assert_eq!(v.check_shortcut, "");
}

// One flow, two front ends: the same data directory through the app's commands and through the
// `verityctl` binary gives the same outcome, since both call `verity-flows`.

/// The `verityctl` binary beside this test's (`cargo test --workspace` builds it).
fn verityctl() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(std::path::Path::parent)
        .unwrap()
        .join(format!("verityctl{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build -p verityctl` (or `cargo test --workspace`)",
        bin.display()
    );
    bin
}

fn ctl(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(verityctl())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("VERITY_DATA_DIR")
        .output()
        .unwrap()
}

/// What `verityctl check --json` says of one input, as far as the app's reply says it too.
#[derive(Debug, Deserialize)]
struct CliCheck {
    kind: CheckKind,
    #[serde(deserialize_with = "required")]
    normalized: Option<String>,
    verdict: Verdict,
    reasons: Vec<CliReason>,
}

#[derive(Debug, Deserialize)]
struct CliReason {
    code: ReasonCode,
}

/// An optional field that must be there (serde takes an absent `Option` for `None`).
fn required<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

/// What `verityctl checklist status --json` says of the steps.
#[derive(Debug, Deserialize)]
struct CliChecklist {
    steps: Vec<StepState>,
}

#[test]
fn a_check_answers_the_same_in_the_app_and_in_verityctl() {
    let h = harness();
    let data = &h.data_dir();
    for input in [
        "+852 2123 4567",
        "https://dingtalk-help.example.com/login",
        "http://dingtalk-verify.example.net/pay",
        "DingTalk customer service: call +852 3001 0001 now or your account will be frozen",
        "banana",
        "+852 0 2123 4567",
    ] {
        let app: CheckOutcome = h.ok_as(
            "check",
            serde_json::json!({ "input": input, "remember": false }),
        );
        let o = ctl(data, &["check", "--json", input]);
        let cli: Vec<CliCheck> = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{input}: {e}: {}", String::from_utf8_lossy(&o.stderr)));
        let cli = &cli[0];
        assert_eq!(app.verdict, cli.verdict, "{input}");
        assert_eq!(app.kind, cli.kind, "{input}");
        assert_eq!(app.normalized, cli.normalized, "{input}");
        let app_codes: Vec<ReasonCode> = app.reasons.iter().map(|r| r.code).collect();
        let cli_codes: Vec<ReasonCode> = cli.reasons.iter().map(|r| r.code).collect();
        assert_eq!(app_codes, cli_codes, "{input}");
    }
}

#[test]
fn a_text_over_the_limit_is_refused_the_same_in_the_app_and_in_verityctl() {
    let h = harness();
    let long = "Your DingTalk account will be frozen. ".repeat(1100);
    let e = invoke(&h, "check", serde_json::json!({ "input": long })).unwrap_err();
    assert_eq!(e["code"], "invalid_input");
    assert_eq!(e["reason"], "too_long");
    let o = ctl(&h.data_dir(), &["check", "--kind", "text", &long]);
    assert_eq!(o.status.code(), Some(2));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains(e["message"].as_str().unwrap()),
        "{said} / {e}"
    );
    // Nothing was kept.
    assert_eq!(
        invoke(&h, "check_history", serde_json::json!({})).unwrap(),
        serde_json::json!([])
    );
}

#[test]
fn a_scan_records_the_same_evidence_from_the_app_and_from_verityctl() {
    let contacts = "Name,Phone\nMum,9123 4567\nDingTalk Customer Service,3001 0001\n";
    let h = harness();
    let r: ScanResult = h.ok_as(
        "scan_files",
        serde_json::json!({ "files": [{ "name": "contacts.csv", "bytes": contacts.as_bytes() }] }),
    );
    let app_step = r.step.unwrap();
    assert_eq!(r.summary.flagged, 1, "{:?}", r.summary);

    let other = tempfile::tempdir().unwrap();
    let file = other.path().join("contacts.csv");
    std::fs::write(&file, contacts).unwrap();
    let data = other.path().join("data");
    let o = ctl(&data, &["scan", "--json", file.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = ctl(&data, &["checklist", "status", "--json"]);
    let status: CliChecklist = serde_json::from_slice(&o.stdout).unwrap();
    let cli_step = &status.steps[0];
    assert_eq!(app_step.evidence, cli_step.evidence);
    assert!(app_step.evidence.is_some());
    assert_eq!(app_step.status, cli_step.status);
}

#[test]
fn a_check_answers_while_a_large_scan_runs() {
    // The scan runs on the second store (long work): the store every other command needs stays
    // free. With the scan holding that store's lock, the checks below would wait for it.
    let h = harness();
    let mut big = String::from("Name,Phone\n");
    for i in 0..5_000u32 {
        big.push_str(&format!("Contact {i},9{:07}\n", i));
    }
    let scanning = {
        let webview = h.webview.clone();
        std::thread::spawn(move || {
            harness::invoke(
                &webview,
                "scan_files",
                serde_json::json!({ "files": [{ "name": "big.csv", "bytes": big.as_bytes() }] }),
            )
        })
    };
    let mut answered_during_scan = 0;
    // Enough to show it; then the scan gets the CPU back.
    while !scanning.is_finished() && answered_during_scan < 10 {
        let o: CheckOutcome = h.ok_as(
            "check",
            serde_json::json!({ "input": "+852 2123 4567", "remember": false }),
        );
        assert_eq!(o.kind, CheckKind::Phone);
        if !scanning.is_finished() {
            answered_during_scan += 1;
        }
    }
    let r: ScanResult = harness::read("scan_files", &scanning.join().unwrap().unwrap());
    assert_eq!(r.summary.entries, 5_000, "{:?}", r.summary);
    assert_eq!(r.step.unwrap().step, StepId::RemoveUnofficialNumbers);
    assert!(
        answered_during_scan >= 10,
        "only {answered_during_scan} checks answered while the scan ran"
    );
}
