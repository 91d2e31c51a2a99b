//! `verityctl` as scripts use it: the real binary, a temporary data directory, exit statuses.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;
use common::*;

use std::process::Command;

#[test]
fn status_json_is_one_object() {
    let dir = tempfile::tempdir().unwrap();
    let o = ctl(dir.path(), &["status", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["data_dir"], dir.path().display().to_string());
    assert_eq!(v["schema_version"], verity_store::SCHEMA_VERSION);
    assert_eq!(v["settings"]["language"], "en");
    assert_eq!(v["recent_checks"], 0);
}

#[test]
fn checks_from_the_cli_are_not_recorded_in_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let o = ctl(dir.path(), &["check", "+852 3001 2345"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&ctl(dir.path(), &["status", "--json"]));
    assert_eq!(v["recent_checks"], 0);
}

#[test]
fn data_dir_comes_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_verityctl"))
        .args(["status", "--json"])
        .env("VERITY_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(json(&o)["data_dir"], dir.path().display().to_string());
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--help"][..],
        &["status", "--help"],
        &["check", "--help"],
        &["blocklist", "--help"],
        &["blocklist", "import", "--help"],
        &["blocklist", "list", "--help"],
        &["blocklist", "add", "--help"],
        &["blocklist", "remove", "--help"],
    ] {
        let o = ctl(dir.path(), args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn usage_errors_are_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["bogus"][..],
        &["check"],
        &["check", "--kind", "fax", "1"],
        &["status", "--nope"],
    ] {
        let o = ctl(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("verityctl: error: "), "{err}");
    }
}

#[test]
fn check_exit_status_follows_the_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    // The sample list ships +852 3001 2345 as a fake hotline.
    assert_eq!(
        ctl(dir.path(), &["check", "3001 2345"]).status.code(),
        Some(1)
    );
    assert_eq!(
        ctl(dir.path(), &["check", "dingtalk-hk.com/login"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        ctl(dir.path(), &["check", "+852 9123 4567"]).status.code(),
        Some(0)
    );
    assert_eq!(
        ctl(dir.path(), &["check", "https://www.dingtalk.com/"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        ctl(dir.path(), &["check", "--kind", "phone", "9123 456"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn check_json_follows_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let o = ctl(
        dir.path(),
        &[
            "check",
            "--json",
            "+852 3001-2345",
            "HTTP://WWW.Example.com/a/../b#x",
            "Hello there",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 3);
    for item in arr {
        for key in [
            "input",
            "kind",
            "normalized",
            "verdict",
            "reasons",
            "matches",
            "advice",
        ] {
            assert!(item.get(key).is_some(), "{key} missing in {item}");
        }
        for r in item["reasons"].as_array().unwrap() {
            assert!(r["code"].is_string() && r["message"].is_string(), "{r}");
        }
    }
    assert_eq!(arr[0]["normalized"], "+85230012345");
    assert_eq!(arr[0]["verdict"], "scam");
    assert_eq!(arr[0]["matches"][0]["category"], "fake_support");
    assert_eq!(arr[0]["matches"][0]["added"], "2026-01-01");
    assert_eq!(arr[1]["kind"], "url");
    assert_eq!(arr[1]["normalized"], "http://www.example.com/b");
    assert_eq!(arr[2]["kind"], "text");
    assert_eq!(arr[2]["verdict"], "no_record");
    assert_eq!(
        arr[2]["verdict_text"],
        "No record — not a guarantee of safety"
    );
}

#[test]
fn check_json_reveals_a_number_disguised_with_letters() {
    let dir = tempfile::tempdir().unwrap();
    // The sample list's fake hotline +852 3001 2345, written with an `l` for the 1.
    let o = ctl(dir.path(), &["check", "--json", "300l 2345", "6l45 88O2"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v[0]["kind"], "phone");
    assert_eq!(v[0]["normalized"], "+85230012345");
    assert_eq!(v[0]["verdict"], "scam");
    assert_eq!(v[0]["reasons"][0]["code"], "on_blocklist");
    assert_eq!(v[0]["reasons"][1]["code"], "disguised_digits");
    assert_eq!(v[0]["reasons"][1]["detail"], "3001 2345");
    assert_eq!(v[0]["matches"][0]["category"], "fake_support");
    assert_eq!(v[1]["normalized"], "+85261458802");
    assert_eq!(v[1]["verdict"], "suspicious");
    assert_eq!(v[1]["reasons"][0]["code"], "disguised_digits");
    assert_eq!(v[1]["reasons"][0]["detail"], "6145 8802");
    let message = v[1]["reasons"][0]["message"].as_str().unwrap();
    assert!(message.contains("disguised"), "{message}");
}

#[test]
fn check_kind_url_reads_links_as_safe_browsing_does() {
    let dir = tempfile::tempdir().unwrap();
    let o = ctl(
        dir.path(),
        &[
            "check",
            "--json",
            "--kind",
            "url",
            "http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/",
            "http://intranet/wiki",
            "http://host%23.com/%257Ea",
        ],
    );
    let v = json(&o);
    assert_eq!(v[0]["normalized"], "http://168.188.99.26/.secure/");
    assert_eq!(v[1]["normalized"], "http://intranet/wiki");
    assert_eq!(v[1]["verdict"], "no_record");
    assert_eq!(v[2]["normalized"], "http://host%23.com/~a");
    // Detected rather than said: a single-label host is still not taken for a link.
    let o = ctl(dir.path(), &["check", "--json", "http://intranet/wiki"]);
    assert_eq!(json(&o)[0]["verdict"], "invalid");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn no_record_reads_the_same_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    for lang in ["en", "zh-HK", "zh-CN", "ar"] {
        let o = ctl(
            dir.path(),
            &["check", "--json", "--lang", lang, "+852 9123 4567"],
        );
        let v = json(&o);
        let text = v[0]["verdict_text"].as_str().unwrap();
        assert!(
            !text.is_empty() && text != "verdict.no_record",
            "{lang}: {text}"
        );
        assert!(!text.to_lowercase().contains("safe ") && !text.eq_ignore_ascii_case("safe"));
    }
}

#[test]
fn import_is_all_or_nothing_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let before = json(&ctl(dir.path(), &["blocklist", "list", "--json"]))
        .as_array()
        .unwrap()
        .len();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "kind,value,category,campaign,source\nphone,+852 6123 4567,fake_support,c,s\nphone,abc,other,,\nfax,1,other,,\n",
    )
    .unwrap();
    let o = ctl(dir.path(), &["blocklist", "import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("line 3") && err.contains("line 4"), "{err}");
    assert!(err.contains("nothing imported"), "{err}");
    let after = json(&ctl(dir.path(), &["blocklist", "list", "--json"]))
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "a bad file must import nothing");

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "kind,value,category,campaign,source,extra\nphone,+852 6123 4567,fake_support,Q4 ads,police,x\ndomain,DingTalk-Pay.com,fake_upgrade,,,\nurl,http://evil.example.org/login/,phishing,,,\n",
    )
    .unwrap();
    let o = ctl(
        dir.path(),
        &["blocklist", "import", "--json", good.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(
        (v["rows"].as_u64(), v["added"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        ctl(dir.path(), &["check", "6123-4567"]).status.code(),
        Some(1)
    );
    assert_eq!(
        ctl(dir.path(), &["check", "https://shop.dingtalk-pay.com/x"])
            .status
            .code(),
        Some(1)
    );
    let o = ctl(
        dir.path(),
        &["check", "--json", "http://evil.example.org/login/step2?a=1"],
    );
    assert_eq!(json(&o)[0]["verdict"], "scam");
}

#[test]
fn a_missing_or_binary_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = ctl(dir.path(), &["blocklist", "import", "/nonexistent/x.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
    let bin = dir.path().join("bin.csv");
    std::fs::write(&bin, [0xffu8, 0xfe, 0, 1, 2, 3]).unwrap();
    let o = ctl(dir.path(), &["blocklist", "import", bin.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not UTF-8"), "{}", stderr(&o));
}

#[test]
fn add_and_remove_normalise_their_input() {
    let dir = tempfile::tempdir().unwrap();
    let o = ctl(
        dir.path(),
        &[
            "blocklist",
            "add",
            "--kind",
            "phone",
            "--value",
            "６１２３ ４５６７",
            "--category",
            "other",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("+85261234567"));
    let o = ctl(
        dir.path(),
        &[
            "blocklist",
            "remove",
            "--kind",
            "phone",
            "--value",
            "+852 6123-4567",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ctl(
        dir.path(),
        &[
            "blocklist",
            "remove",
            "--kind",
            "phone",
            "--value",
            "+852 6123-4567",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_newer_database_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(ctl(dir.path(), &["status"]).status.success());
    let conn = rusqlite::Connection::open_with_flags(
        dir.path().join(verity_store::DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    let o = ctl(dir.path(), &["status", "--json"]);
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(
        err.contains("schema version 999") && err.lines().count() == 1,
        "{err}"
    );
}
