//! `verityctl scan`, `checklist` and `audit` as scripts use them: the real binary, a temporary
//! data directory, real export files, exit statuses.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../verity-scan/tests/fixtures")
        .join(name)
}

fn fx(name: &str) -> String {
    fixture(name).display().to_string()
}

fn status_of(data: &Path, step: &str) -> String {
    let o = ctl(data, &["checklist", "status", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == step)
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn scan_prints_findings_as_json_and_records_counts_only() {
    let dir = tempfile::tempdir().unwrap();
    let o = ctl(
        dir.path(),
        &["scan", "--json", &fx("ios.vcf"), &fx("shared.xlsx")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 9);
    let first = &list[0];
    assert!(first["file"].as_str().unwrap().ends_with("ios.vcf"));
    assert_eq!(first["location"]["line"], 14);
    assert_eq!(first["name"], "DingTalk HK Support");
    assert_eq!(first["number"], "+852 3001 2345");
    assert_eq!(first["reason"], "on_blocklist");
    assert!(first["reason_text"].as_str().unwrap().contains("blocklist"));
    let row = list
        .iter()
        .find(|f| f["location"]["kind"] == "row")
        .unwrap();
    assert_eq!(row["location"]["sheet"], "Hotlines");

    // Recorded: step 1 in progress (numbers still flagged), evidence counts only.
    assert_eq!(
        status_of(dir.path(), "remove_unofficial_numbers"),
        "in_progress"
    );
    let o = ctl(dir.path(), &["audit", "list", "--json"]);
    let records = json(&o);
    let evidence = records[0]["evidence"].as_str().unwrap();
    assert_eq!(
        evidence,
        r#"{"step":"remove_unofficial_numbers","files":2,"entries":13,"flagged":9,"removed":0}"#
    );
    assert!(!evidence.contains("3001"), "no number in the evidence");
}

#[test]
fn a_clean_copy_completes_step_one_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("contacts-clean.vcf");
    let outs = out.display().to_string();
    let original = std::fs::read(fixture("android.vcf")).unwrap();

    let o = ctl(
        dir.path(),
        &["scan", &fx("android.vcf"), "--clean-copy", &outs],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("3 entries left out, 1 kept"), "{text}");
    assert!(text.contains("Recorded as evidence for step 1"), "{text}");
    assert_eq!(std::fs::read(fixture("android.vcf")).unwrap(), original);
    let cleaned = std::fs::read_to_string(&out).unwrap();
    assert_eq!(cleaned.matches("BEGIN:VCARD").count(), 1);
    assert_eq!(status_of(dir.path(), "remove_unofficial_numbers"), "done");

    // The cleaned copy scans clean.
    let o = ctl(dir.path(), &["scan", "--no-record", &outs]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("Nothing flagged."));

    // Never over an existing file, never over the source, one file only.
    let o = ctl(
        dir.path(),
        &["scan", &fx("android.vcf"), "--clean-copy", &outs],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    let copy = dir.path().join("mine.vcf");
    std::fs::copy(fixture("android.vcf"), &copy).unwrap();
    let c = copy.display().to_string();
    let o = ctl(dir.path(), &["scan", &c, "--clean-copy", &c]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("never overwritten"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&copy).unwrap(), original);
    let o = ctl(
        dir.path(),
        &[
            "scan",
            &fx("ios.vcf"),
            &fx("google.csv"),
            "--clean-copy",
            "x.vcf",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = ctl(
        dir.path(),
        &[
            "scan",
            &fx("shared.xlsx"),
            "--clean-copy",
            &dir.path().join("c.xlsx").display().to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("export it as CSV"), "{}", stderr(&o));
}

#[test]
fn bad_files_exit_2_with_one_line_and_record_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("photo.jpg");
    std::fs::write(&bin, b"\xFF\xD8\xFF\xE0\0\x10JFIF\0").unwrap();
    let truncated = dir.path().join("cut.xlsx");
    let x = std::fs::read(fixture("shared.xlsx")).unwrap();
    std::fs::write(&truncated, &x[..x.len() / 3]).unwrap();
    // A sparse 60 MiB file: refused from its size, without reading it.
    let huge = dir.path().join("huge.csv");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(60 * 1024 * 1024)
        .unwrap();
    for (path, needle) in [
        (&bin, "JPEG"),
        (&truncated, "incomplete"),
        (&huge, "bytes"),
        (&dir.path().join("missing.vcf"), "cannot read"),
    ] {
        let p = path.display().to_string();
        let o = ctl(dir.path(), &["scan", &fx("ios.vcf"), &p]);
        assert_eq!(o.status.code(), Some(2), "{p}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle) && err.contains(&p), "{err}");
    }
    let o = ctl(dir.path(), &["audit", "list", "--json"]);
    assert_eq!(json(&o), serde_json::json!([]));
}

#[test]
fn stdin_text_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_verityctl"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["scan", "--no-record", "--json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all("釘釘客服熱線 6234 9999，24 小時服務".as_bytes())
            .unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)[0]["reason"], "presented_as_platform_support");
}

#[test]
fn all_five_steps_then_the_report_and_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&str]| {
        let o = ctl(d, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    // 1: a clean export.
    let clean = d.join("clean.csv");
    std::fs::write(&clean, "Name,Phone\nMum,9123 4567\nDad,9234 5678\n").unwrap();
    run(&["scan", &clean.display().to_string()]);
    // 2-5.
    run(&["checklist", "ack-official-path"]);
    run(&["checklist", "confirm-test-alert", "--start-at-login"]);
    let s = run(&[
        "checklist",
        "drill-owner",
        "--name",
        "Chan Tai Man",
        "--every-quarter",
    ]);
    assert!(
        s.contains("Drill owner: Chan Tai Man; every quarter; next drill on"),
        "{s}"
    );
    let s = run(&["checklist", "record-quiz", "--score", "7", "--total", "10"]);
    assert!(s.contains("In progress") && s.contains("not passed"), "{s}");
    run(&["checklist", "record-quiz", "--score", "9", "--total", "10"]);

    let v = json(&ctl(d, &["checklist", "status", "--json"]));
    assert_eq!(v["progress"]["done"], 5);
    assert!(v["next_drill"].as_i64().unwrap() > 0);
    let text = run(&["checklist", "status", "--lang", "zh-HK"]);
    assert!(text.contains("已完成 5／5 個步驟"), "{text}");

    // The report, in three formats, carries the head hash `audit verify` reports.
    let verify = json(&ctl(d, &["audit", "verify", "--json"]));
    assert_eq!(verify["intact"], true);
    assert_eq!(verify["records"], 6);
    let head = verify["head"]["hash"].as_str().unwrap().to_owned();

    let html = d.join("report.html");
    run(&[
        "checklist",
        "report",
        "--format",
        "html",
        "--out",
        &html.display().to_string(),
        "--for",
        "Chan Tai Man",
    ]);
    let h = std::fs::read_to_string(&html).unwrap();
    assert!(h.starts_with("<!DOCTYPE html>") && h.contains("@page { size: A4"));
    assert!(h.contains(&head) && h.contains("Chan Tai Man") && h.contains("5 of 5 steps done"));
    // Not over an existing file without --force.
    let o = ctl(
        d,
        &[
            "checklist",
            "report",
            "--format",
            "html",
            "--out",
            &html.display().to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));

    let csv = run(&["checklist", "report", "--format", "csv", "--lang", "ar"]);
    assert_eq!(csv.lines().count(), 6);
    assert!(csv.lines().nth(1).unwrap().contains(&head));
    let j = json(&ctl(d, &["checklist", "report", "--format", "json"]));
    assert_eq!(j["audit"]["head_hash"], head);
    assert_eq!(j["steps"][4]["evidence"]["score"], 9);

    // Tamper with the quiz score directly in SQLite (around the append-only trigger).
    let conn = rusqlite::Connection::open_with_flags(
        d.join(verity_store::DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_append_only_update;
         UPDATE audit_log SET evidence = replace(evidence, '\"score\":7', '\"score\":8')
         WHERE seq = 5;",
    )
    .unwrap();
    let o = ctl(d, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("Record 5 was altered"),
        "{}",
        stdout(&o)
    );
    let v = json(&ctl(d, &["audit", "verify", "--json"]));
    assert_eq!(
        v["first_break"],
        serde_json::json!({"seq": 5, "kind": "altered"})
    );
    let h = run(&["checklist", "report", "--format", "html"]);
    assert!(
        h.contains("class=\"broken\""),
        "the report shows the broken chain"
    );
}

#[test]
fn illegal_transitions_and_bad_evidence_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(ctl(d, &["checklist", "start", "training"]).status.success());
    let o = ctl(d, &["checklist", "start", "training"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already in progress"), "{}", stderr(&o));
    let o = ctl(
        d,
        &["checklist", "record-quiz", "--score", "11", "--total", "10"],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = ctl(d, &["checklist", "drill-owner", "--name", "  "]);
    assert_eq!(o.status.code(), Some(2));
    let o = ctl(
        d,
        &[
            "checklist",
            "drill-owner",
            "--name",
            "Ann",
            "--next-drill",
            "2001-01-01",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("future"), "{}", stderr(&o));
    let o = ctl(
        d,
        &[
            "checklist",
            "drill-owner",
            "--name",
            "Ann",
            "--next-drill",
            "soon",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = ctl(d, &["checklist", "reset", "alerts-on"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(ctl(d, &["checklist", "reset", "training"]).status.success());
    let v = json(&ctl(d, &["audit", "verify", "--json"]));
    assert_eq!(
        (v["intact"].clone(), v["records"].clone()),
        (true.into(), 2.into())
    );
}

#[test]
fn policy_and_announcement() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let v = json(&ctl(d, &["checklist", "policy", "--json"]));
    assert_eq!(v["drill_owner"], serde_json::json!({"months": 3}));
    assert_eq!(v["training"], serde_json::json!({"months": 12}));
    let o = ctl(
        d,
        &[
            "checklist",
            "policy",
            "--step",
            "training",
            "--every-months",
            "6",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["training"], serde_json::json!({"months": 6}));
    let o = ctl(
        d,
        &[
            "checklist",
            "policy",
            "--step",
            "training",
            "--every-days",
            "0",
        ],
    );
    assert_eq!(o.status.code(), Some(2));

    for (lang, needle) in [
        ("en", "Help & Feedback"),
        ("zh-HK", "幫助與反饋"),
        ("zh-CN", "帮助与反馈"),
        ("ar", "المساعدة والملاحظات"),
    ] {
        let o = ctl(d, &["checklist", "announcement", "--lang", lang]);
        assert!(o.status.success());
        let a = stdout(&o);
        assert!(a.contains(needle), "{lang}: {a}");
        assert!(a.contains("AnyDesk"), "{lang}");
        assert!(
            !a.as_bytes()
                .windows(6)
                .any(|w| w.iter().all(u8::is_ascii_digit)),
            "{lang}: no phone number"
        );
    }
    let o = ctl(d, &["checklist", "announcement", "--lang", "fr"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_new_commands_have_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["scan", "--help"][..],
        &["checklist", "--help"],
        &["checklist", "drill-owner", "--help"],
        &["checklist", "report", "--help"],
        &["audit", "verify", "--help"],
    ] {
        let o = ctl(dir.path(), args);
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).contains("Usage"), "{args:?}");
    }
    let help = stdout(&ctl(dir.path(), &["checklist", "--help"]));
    for cmd in [
        "status",
        "ack-official-path",
        "confirm-test-alert",
        "drill-owner",
        "record-quiz",
        "announcement",
        "report",
    ] {
        assert!(help.contains(cmd), "{cmd}");
    }
}
