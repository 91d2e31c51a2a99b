//! The anchored audit log through the real `verityctl`: `device verify` has the desk countersign
//! the checklist log's head; an attacker who then cuts the log short or rewrites it (and its head,
//! consistently, with SQL) is caught by `audit verify`, and, once the anchor kept beside the log
//! is deleted too, by `audit verify --report` with a manager's earlier report.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

use rusqlite::{params, Connection};
use std::path::Path;
use verity_checklist::audit::AuditRecord;
use verity_core::Timestamp;
use verity_device::{Clock, SystemClock};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn db(dir: &Path) -> Connection {
    Connection::open_with_flags(
        dir.join(verity_store::DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .unwrap()
}

fn records(conn: &Connection) -> Vec<AuditRecord> {
    let mut stmt = conn
        .prepare(
            "SELECT seq, at, step, from_status, to_status, evidence, prev_hash, hash
             FROM audit_log ORDER BY seq",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok(AuditRecord {
            seq: r.get::<_, i64>(0)? as u64,
            at: Timestamp(r.get(1)?),
            step: r.get(2)?,
            from: r.get(3)?,
            to: r.get(4)?,
            evidence: r.get(5)?,
            prev_hash: r.get(6)?,
            hash: r.get(7)?,
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// As an attacker would: around the triggers, cut the log after `keep` records and make the
/// head row agree.
fn truncate(dir: &Path, keep: u64) {
    let conn = db(dir);
    conn.execute_batch("DROP TRIGGER audit_log_append_only_delete;")
        .unwrap();
    conn.execute("DELETE FROM audit_log WHERE seq > ?1", [keep as i64])
        .unwrap();
    conn.execute(
        "UPDATE audit_head SET seq = ?1, hash = (SELECT hash FROM audit_log WHERE seq = ?1)",
        [keep as i64],
    )
    .unwrap();
}

/// As an attacker would: move record 1's time, re-hash every record after it so that each still
/// follows the one before, and make the head row agree.
fn rewrite(dir: &Path) {
    let conn = db(dir);
    conn.execute_batch("DROP TRIGGER audit_log_append_only_update;")
        .unwrap();
    let mut recs = records(&conn);
    recs[0].at = Timestamp(recs[0].at.0 - 86_400);
    for i in 0..recs.len() {
        if i > 0 {
            recs[i].prev_hash = recs[i - 1].hash.clone();
        }
        recs[i].hash = recs[i].compute_hash();
        conn.execute(
            "UPDATE audit_log SET at = ?2, prev_hash = ?3, hash = ?4 WHERE seq = ?1",
            params![
                recs[i].seq as i64,
                recs[i].at.0,
                recs[i].prev_hash,
                recs[i].hash
            ],
        )
        .unwrap();
    }
    let last = recs.last().unwrap();
    conn.execute(
        "UPDATE audit_head SET seq = ?1, hash = ?2",
        params![last.seq as i64, last.hash],
    )
    .unwrap();
}

fn delete_local_anchor(dir: &Path) {
    db(dir).execute("DELETE FROM audit_anchor", []).unwrap();
}

fn audit_verify(dir: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec!["audit", "verify", "--json"];
    args.extend_from_slice(extra);
    let out = ctl(dir, &args);
    (out.status.code(), json(&out))
}

/// A device whose checklist log's head the desk countersigned, and the manager's report taken
/// then (the log has grown by one record since).
struct Anchored {
    desk: LoopbackDesk,
    work: tempfile::TempDir,
    dev: std::path::PathBuf,
    pass: String,
    secret: Vec<u8>,
    /// The TOTP code the head was countersigned with.
    totp: String,
    anchored: u64,
    anchored_hash: String,
    org_fp: String,
    report: std::path::PathBuf,
    report_json: serde_json::Value,
}

fn anchored() -> Anchored {
    let desk = LoopbackDesk::start();
    let work = tempfile::tempdir().unwrap();
    let (_url, org_fp) = (desk.url.clone(), desk.fingerprint.clone());
    let pass = work.path().join("pass");
    std::fs::write(&pass, "a device passphrase\n").unwrap();
    let pass = pass.to_str().unwrap().to_owned();
    let dev = work.path().join("dev");
    let e = desk.enroll(&dev, &pass);
    let secret = data_encoding::BASE32_NOPAD
        .decode(e["totp_secret"].as_str().unwrap().as_bytes())
        .unwrap();

    // Checklist transitions, then "verify my device": the head is countersigned and kept.
    for args in [
        &["checklist", "start", "training"][..],
        &["checklist", "record-quiz", "--score", "9", "--total", "10"],
        &["checklist", "ack-official-path"],
        &["checklist", "start", "alerts-on"],
    ] {
        ok(&ctl(&dev, args));
    }
    let totp = verity_desk::totp::code_at(&secret, SystemClock.now()).unwrap();
    let v = json(ok(&ctl(
        &dev,
        &[
            "device",
            "verify",
            "--totp",
            &totp,
            "--passphrase-file",
            &pass,
            "--json",
        ],
    )));
    let anchored = v["audit_anchor"]["seq"].as_u64().expect("countersigned");
    assert!(anchored >= 3, "{v}");
    assert_eq!(v["audit_anchor"]["org_fingerprint"], org_fp.as_str());
    let anchored_hash = v["audit_anchor"]["hash"].as_str().unwrap().to_owned();

    // The log verifies, and says who countersigned its head.
    let out = ctl(&dev, &["audit", "verify"]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "Countersigned by your organisation's desk: record {anchored}"
        )),
        "{text}"
    );
    assert!(
        text.contains(&anchored_hash) && text.contains(&org_fp),
        "{text}"
    );

    // The manager's report carries the countersigned head; the log grows past it.
    let report = work.path().join("report.json");
    ok(&ctl(
        &dev,
        &[
            "checklist",
            "report",
            "--format",
            "json",
            "--out",
            report.to_str().unwrap(),
        ],
    ));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["audit"]["anchor"]["seq"], anchored);
    ok(&ctl(&dev, &["checklist", "confirm-test-alert"]));
    let (status, v) = audit_verify(&dev, &["--report", report.to_str().unwrap()]);
    assert_eq!(status, Some(0), "{v}");
    assert_eq!(v["report_anchor"]["countersigned"], true);

    Anchored {
        desk,
        work,
        dev,
        pass,
        secret,
        totp,
        anchored,
        anchored_hash,
        org_fp,
        report,
        report_json: r,
    }
}

#[test]
fn a_log_cut_short_or_rewritten_after_the_desk_countersigned_it_is_caught() {
    let a = anchored();
    a_log_cut_short_is_caught(&a);
    a_rewritten_log_is_caught(&a);
    the_desk_never_moves_an_anchor_back(&a);
    a.desk.stop();
}

/// Attack 1, with and without the local anchor.
fn a_log_cut_short_is_caught(a: &Anchored) {
    let work = &a.work;
    let dev = &a.dev;
    let anchored = a.anchored;
    let anchored_hash = a.anchored_hash.as_str();
    let org_fp = a.org_fp.as_str();
    let report = &a.report;
    // Attack 1: the log cut short of the anchor, the head row made to agree.
    let cut = work.path().join("cut");
    copy_dir(dev, &cut);
    truncate(&cut, anchored - 1);
    let (status, v) = audit_verify(&cut, &[]);
    assert_eq!(status, Some(1), "{v}");
    assert_eq!(v["first_break"]["kind"], "truncated_since_anchor", "{v}");
    assert_eq!(v["first_break"]["seq"], anchored);
    assert_eq!(v["anchor"]["seq"], anchored);
    assert_eq!(v["anchor"]["countersigned"], true);
    let out = ctl(&cut, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("Record {anchored} is gone"))
            && text.contains(anchored_hash)
            && text.contains(org_fp),
        "{text}"
    );
    // ... and the anchor deleted with it: the manager's report still catches it.
    delete_local_anchor(&cut);
    let (_, v) = audit_verify(&cut, &[]);
    assert!(v["anchor"].is_null(), "{v}");
    let (status, v) = audit_verify(&cut, &["--report", report.to_str().unwrap()]);
    assert_eq!(status, Some(1), "{v}");
    assert_eq!(v["report_anchor"]["countersigned"], true, "{v}");
    assert_eq!(
        v["report_anchor"]["first_break"]["kind"], "truncated_since_anchor",
        "{v}"
    );
}

/// Attack 2, with and without the local anchor, and with a report edited to match.
fn a_rewritten_log_is_caught(a: &Anchored) {
    let work = &a.work;
    let dev = &a.dev;
    let anchored = a.anchored;
    let report = &a.report;
    let r = &a.report_json;
    // Attack 2: record 1 rewritten and every later record re-hashed, the head row made to agree.
    let rewritten = work.path().join("rewritten");
    copy_dir(dev, &rewritten);
    rewrite(&rewritten);
    let (status, v) = audit_verify(&rewritten, &[]);
    assert_eq!(status, Some(1), "{v}");
    assert_eq!(v["first_break"]["kind"], "rewritten_since_anchor", "{v}");
    assert_eq!(v["first_break"]["seq"], anchored);
    // ... and the anchor deleted with it: the chain alone looks intact; the report does not.
    delete_local_anchor(&rewritten);
    let (status, v) = audit_verify(&rewritten, &[]);
    assert_eq!(status, Some(0), "the chain alone cannot tell: {v}");
    let (status, v) = audit_verify(&rewritten, &["--report", report.to_str().unwrap()]);
    assert_eq!(status, Some(1), "{v}");
    assert_eq!(
        v["report_anchor"]["first_break"]["kind"], "rewritten_since_anchor",
        "{v}"
    );
    let out = ctl(
        &rewritten,
        &["audit", "verify", "--report", report.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!(
        "Record {anchored} is not the one your organisation's desk countersigned"
    )));

    // A report whose anchor was edited to match the rewritten log: its countersignature fails.
    let mut forged = r.clone();
    let new_hash = records(&db(&rewritten))
        .into_iter()
        .find(|x| x.seq == anchored)
        .unwrap()
        .hash;
    forged["audit"]["anchor"]["hash"] = new_hash.into();
    let forged_path = work.path().join("forged.json");
    std::fs::write(&forged_path, serde_json::to_vec(&forged).unwrap()).unwrap();
    let (status, v) = audit_verify(&rewritten, &["--report", forged_path.to_str().unwrap()]);
    assert_eq!(status, Some(1), "{v}");
    assert_eq!(v["report_anchor"]["countersigned"], false, "{v}");
    assert!(v["report_anchor"]["first_break"].is_null(), "{v}");
}

fn the_desk_never_moves_an_anchor_back(a: &Anchored) {
    let work = &a.work;
    let dev = &a.dev;
    let pass = a.pass.as_str();
    let secret = &a.secret;
    let totp = &a.totp;
    let anchored = a.anchored;
    // The untouched device: a later verify anchors the longer head (the same TOTP code is
    // refused as reused, but the desk still countersigns an authenticated request).
    let v = json(&ctl(
        dev,
        &[
            "device",
            "verify",
            "--totp",
            totp,
            "--passphrase-file",
            pass,
            "--json",
        ],
    ));
    assert_eq!(v["audit_anchor"]["seq"], anchored + 1, "{v}");
    ok(&ctl(dev, &["audit", "verify"]));
    // A tampered copy cannot move its anchor back: the desk refuses to countersign a head
    // behind the one it holds, and nothing is kept.
    let totp2 = verity_desk::totp::code_at(secret, SystemClock.now()).unwrap();
    let cut2 = work.path().join("cut2");
    copy_dir(dev, &cut2);
    truncate(&cut2, anchored - 1);
    delete_local_anchor(&cut2);
    let v = json(&ctl(
        &cut2,
        &[
            "device",
            "verify",
            "--totp",
            &totp2,
            "--passphrase-file",
            pass,
            "--json",
        ],
    ));
    assert!(v["audit_anchor"].is_null(), "{v}");
    assert!(v["audit_anchor_problem"]
        .as_str()
        .unwrap()
        .contains("did not countersign"));
    let (_, v) = audit_verify(&cut2, &[]);
    assert!(
        v["anchor"].is_null(),
        "no anchor kept for the rolled-back log: {v}"
    );
}
