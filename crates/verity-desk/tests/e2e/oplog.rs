//! The operation log as a transparency log over loopback HTTP (`docs/console-api.md`,
//! "Operation log"): leaf hashes kept with each entry, signed checkpoints, inclusion and
//! consistency proofs, filters, the exports, `oplog verify`, the background signer.

use super::console::{ops, sign_up, Admin};
use super::*;
use serde_json::{json, Value};
use verity_desk::store::{AdminRole, NewOp, OpRecord};
use verity_oplog::{leaf_hash, Checkpoint, Hash, NoteVerifier};

fn store(fx: &Fx) -> Arc<dyn verity_desk::DeskStore> {
    fx.store()
}

fn org_key(fx: &Fx) -> ed25519_dalek::VerifyingKey {
    let pk = store(fx).org().unwrap().unwrap().public_key;
    let b: [u8; 32] = BASE64URL_NOPAD
        .decode(pk.as_bytes())
        .unwrap()
        .try_into()
        .unwrap();
    ed25519_dalek::VerifyingKey::from_bytes(&b).unwrap()
}

fn db(fx: &Fx) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(
        fx.desk_dir.path().join("desk.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .unwrap()
}

fn hash(v: &Value) -> Hash {
    BASE64
        .decode(v.as_str().unwrap().as_bytes())
        .unwrap()
        .try_into()
        .unwrap()
}

fn append(fx: &Fx, n: usize, actor: &str) {
    let s = store(fx);
    for i in 0..n {
        s.append_op(&NewOp {
            at: fx.clock.now(),
            actor: actor.into(),
            action: "test.bulk".into(),
            target: format!("t{i}"),
            device: String::new(),
            outcome: "ok".into(),
            detail: json!({ "i": i }),
        })
        .unwrap();
    }
}

/// The entry as the console would recompute it from the fields it shows.
fn record(e: &Value) -> OpRecord {
    let s = |k: &str| e[k].as_str().unwrap().to_owned();
    OpRecord {
        seq: e["seq"].as_u64().unwrap(),
        at: e["at"].as_u64().unwrap(),
        actor: s("actor"),
        action: s("action"),
        target: s("target"),
        device: s("device"),
        outcome: s("outcome"),
        detail: s("detail"),
    }
}

/// Checks an answer as the console does: the note opens with the organisation key under the
/// key name, the checkpoint's fields are the note's, every entry's proof leads to its root.
fn check_answer(fx: &Fx, a: &Value) -> Checkpoint {
    let name = a["key"]["name"].as_str().unwrap();
    assert_eq!(name, "127.0.0.1/verity-desk/oplog");
    let key = org_key(fx);
    assert_eq!(hash(&a["key"]["public_key"]), *key.as_bytes());
    let pinned = NoteVerifier::from_vkey(a["key"]["vkey"].as_str().unwrap()).unwrap();
    assert_eq!(pinned, NoteVerifier::new(name, key).unwrap());
    let cp = &a["checkpoint"];
    let opened = Checkpoint::open(cp["note"].as_str().unwrap().as_bytes(), name, &pinned).unwrap();
    assert_eq!(opened.size, cp["size"].as_u64().unwrap());
    assert_eq!(opened.root, hash(&cp["root"]));
    for e in a["entries"].as_array().unwrap() {
        let r = record(e);
        let proof: Vec<Hash> = e["proof"].as_array().unwrap().iter().map(hash).collect();
        let checked = verity_oplog::verify_inclusion(
            &leaf_hash(&r.leaf_bytes()),
            r.seq - 1,
            opened.size,
            &proof,
            &opened.root,
        );
        assert_eq!(checked, Ok(()), "entry {}", r.seq);
    }
    opened
}

fn view(fx: &Fx, who: &Admin, query: &str) -> RawAnswer {
    who.call(fx, "GET", &format!("/console/api/oplog{query}"), None)
}

#[test]
fn entries_are_hashed_and_every_proof_verifies_against_the_signed_checkpoint() {
    let fx = Fx::new();
    let _boss = sign_up(&fx, "boss", AdminRole::Admin);
    let audit = sign_up(&fx, "audit", AdminRole::Auditor);
    let a = view(&fx, &audit, "");
    assert_eq!(a.status, 200, "{:?}", a.json());
    let a = a.json();
    let cp = check_answer(&fx, &a);
    // The view itself is written first, so the checkpoint covers it.
    let log = ops(&fx);
    assert_eq!(cp.size, log.len() as u64);
    let last = log.last().unwrap();
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("console:audit", "oplog.view")
    );
    let detail: Value = serde_json::from_str(&last.detail).unwrap();
    assert_eq!(detail["format"], "view");
    assert_eq!(detail["filters"]["to"], fx.clock.now());
    assert_eq!(
        detail["filters"]["from"],
        fx.clock.now() - 7 * 86_400,
        "the default window"
    );
    // Every entry has its leaf hash stored, and the root is that of the recomputed leaves.
    let leaves: Vec<Hash> = log.iter().map(|o| leaf_hash(&o.leaf_bytes())).collect();
    assert_eq!(cp.root, verity_oplog::root(&leaves));
    if on_postgres() {
        // The stored leaves are compared with SQLite's in postgres::tests.
        return;
    }
    let conn = db(&fx);
    let stored: Vec<Vec<u8>> = conn
        .prepare("SELECT hash FROM oplog_leaves ORDER BY idx")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        stored,
        leaves.iter().map(|h| h.to_vec()).collect::<Vec<_>>()
    );
    // Newest first, all of them (the window holds them all).
    let seqs: Vec<u64> = a["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=cp.size).rev().collect::<Vec<_>>());
    assert_eq!(a["truncated"], false);

    // More entries, a second view: a new checkpoint, consistent with the first.
    let _other = sign_up(&fx, "other", AdminRole::Analyst);
    let b = view(&fx, &audit, "").json();
    let cp2 = check_answer(&fx, &b);
    assert!(cp2.size > cp.size);
    let c = audit.call(
        &fx,
        "GET",
        &format!("/console/api/oplog/consistency?from={}", cp.size),
        None,
    );
    assert_eq!(c.status, 200, "{:?}", c.json());
    let c = c.json();
    assert_eq!(
        (c["old_size"].as_u64(), c["new_size"].as_u64()),
        (Some(cp.size), Some(cp2.size))
    );
    let proof: Vec<Hash> = c["proof"].as_array().unwrap().iter().map(hash).collect();
    verity_oplog::verify_consistency(cp.size, cp2.size, &cp.root, &cp2.root, &proof).unwrap();
    // `from` beyond the checkpoint, or not a number, or missing.
    for q in [format!("{}", cp2.size + 1), "x".into(), "-1".into()] {
        let r = audit.call(
            &fx,
            "GET",
            &format!("/console/api/oplog/consistency?from={q}"),
            None,
        );
        assert_eq!(
            (r.status, r.json()["field"].clone()),
            (400, json!("from")),
            "{q}"
        );
    }
    let r = audit.call(&fx, "GET", "/console/api/oplog/consistency", None);
    assert_eq!(r.json()["field"], "from");

    // The evidence bundle: the same shape, checkable offline.
    let e = audit.call(&fx, "GET", "/console/api/oplog/evidence.json", None);
    assert_eq!(e.status, 200, "{:?}", e.json());
    let e = e.json();
    assert!(e.get("truncated").is_none());
    check_answer(&fx, &e);
    let last = ops(&fx).pop().unwrap();
    assert_eq!(last.action, "oplog.export");
    assert!(
        last.detail.contains(r#""format":"evidence""#),
        "{}",
        last.detail
    );
}

#[test]
fn filters_the_window_cap_roles_and_recent_sign_in() {
    let fx = Fx::new();
    let audit = sign_up(&fx, "audit", AdminRole::Auditor);
    append(&fx, 3, "cli:alice");
    let now = fx.clock.now();
    let a = view(&fx, &audit, "?actor=cli:alice").json();
    check_answer(&fx, &a);
    let entries = a["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e["actor"] == "cli:alice"));
    let a = view(
        &fx,
        &audit,
        "?actor=cli:alice&target=t1&outcome=ok&action=test.bulk",
    )
    .json();
    assert_eq!(a["entries"].as_array().unwrap().len(), 1);
    // A window before anything happened.
    let a = view(
        &fx,
        &audit,
        &format!("?from={}&to={}", now - 86_400, now - 3600),
    )
    .json();
    assert_eq!(a["entries"], json!([]));
    assert!(a["checkpoint"]["size"].as_u64().unwrap() > 0);

    // Bad queries name their field.
    for (q, field) in [
        (format!("?from={}&to={}", now - 31 * 86_400, now), "to"),
        (format!("?from={}", now - 31 * 86_400), "from"),
        (format!("?from={}&to={}", now, now - 1), "from"),
        ("?from=yesterday".into(), "from"),
        ("?to=1e9".into(), "to"),
        ("?from=1&from=2".into(), "from"),
        ("?sort=seq".into(), "query"),
        (format!("?actor={}", "a".repeat(257)), "actor"),
        ("?device=%07".into(), "device"),
    ] {
        let r = view(&fx, &audit, &q);
        assert_eq!(
            (
                r.status,
                r.json()["code"].clone(),
                r.json()["field"].clone()
            ),
            (400, json!("invalid_input"), json!(field)),
            "{q}"
        );
    }
    // Exactly 30 days is allowed.
    let r = view(
        &fx,
        &audit,
        &format!("?from={}&to={now}", now - 30 * 86_400),
    );
    assert_eq!(r.status, 200);

    // At most 500, newest first, `truncated` when more matched.
    append(&fx, 600, "cli:bulk");
    let a = view(&fx, &audit, "?actor=cli:bulk").json();
    let entries = a["entries"].as_array().unwrap();
    assert_eq!((entries.len(), a["truncated"].clone()), (500, json!(true)));
    assert!(entries
        .windows(2)
        .all(|w| w[0]["seq"].as_u64() > w[1]["seq"].as_u64()));
    assert_eq!(entries[0]["target"], "t599");
    check_answer(&fx, &a);

    // Five minutes on: the view and the exports need a re-authentication; consistency does not.
    fx.clock.advance(5 * 60 + 1);
    for path in ["", "/export.csv", "/evidence.json"] {
        let r = audit.call(&fx, "GET", &format!("/console/api/oplog{path}"), None);
        assert_eq!(r.json()["code"], "reauth_required", "{path}");
    }
    let r = audit.call(&fx, "GET", "/console/api/oplog/consistency?from=1", None);
    assert_eq!(r.status, 200, "{:?}", r.json());
    // Without a session, nothing.
    let r = super::console::call(&fx, "GET", "/console/api/oplog", &[], None);
    assert_eq!(r.status, 401);
}

#[test]
fn the_csv_export_is_escaped_and_defused() {
    let fx = Fx::new();
    let audit = sign_up(&fx, "audit", AdminRole::Auditor);
    store(&fx)
        .append_op(&NewOp {
            at: fx.clock.now(),
            actor: "=HYPERLINK(\"http://evil\",\"x\")".into(),
            action: "+cmd".into(),
            target: "a,b\nc".into(),
            device: "-2+3".into(),
            outcome: "@SUM(1)".into(),
            detail: json!({"say": "\"hi\""}),
        })
        .unwrap();
    let r = audit.call(
        &fx,
        "GET",
        "/console/api/oplog/export.csv?action=%2Bcmd",
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(r.header("x-verity-truncated"), Some("false"));
    let text = String::from_utf8(r.body.clone()).unwrap();
    let (head, rest) = text.split_once("\r\n").unwrap();
    assert_eq!(
        head,
        "seq,at,actor,action,target,device,outcome,detail,leaf_hash,proof"
    );
    let op = ops(&fx).into_iter().find(|o| o.action == "+cmd").unwrap();
    let leaf = BASE64.encode(&leaf_hash(&op.leaf_bytes()));
    let prefix = format!(
        "{},2027-01-15T08:00:{:02}Z,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",'+cmd,\"a,b\nc\",'-2+3,'@SUM(1),\"{{\"\"say\"\":\"\"\\\"\"hi\\\"\"\"\"}}\",{leaf},",
        op.seq,
        op.at - START
    );
    assert!(rest.starts_with(&prefix), "{rest:?}\n{prefix:?}");
    assert!(rest.ends_with("\r\n") && rest.matches("\r\n").count() == 1);
    // The proof column: the hashes joined by `;`.
    let proof = rest
        .trim_end()
        .rsplit(',')
        .next()
        .unwrap()
        .split(';')
        .map(|h| BASE64.decode(h.as_bytes()).unwrap().len())
        .collect::<Vec<_>>();
    assert!(proof.iter().all(|&l| l == 32));
    let last = ops(&fx).pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("oplog.export", "console:audit")
    );
    let detail: Value = serde_json::from_str(&last.detail).unwrap();
    assert_eq!(detail["format"], "csv");
    assert_eq!(detail["filters"]["action"], "+cmd");
}

#[test]
fn oplog_verify_catches_an_edited_row() {
    if skip_on_postgres("edits a row of desk.sqlite3 behind the desk's back (the PostgreSQL log's triggers and verification are in postgres::tests)") {
        return;
    }
    let fx = Fx::new();
    let audit = sign_up(&fx, "audit", AdminRole::Auditor);
    append(&fx, 20, "cli");
    assert_eq!(view(&fx, &audit, "").status, 200);
    let bin = env!("CARGO_BIN_EXE_verity-desk");
    let dir = fx.desk_dir.path().to_str().unwrap().to_owned();
    let ok = std::process::Command::new(bin)
        .args(fx.db_args())
        .args(["oplog", "verify", "--data", &dir])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&ok.stdout).into_owned();
    assert!(
        ok.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(out.contains("checkpoints: 1 verified"), "{out}");
    assert!(out.trim_end().ends_with("ok"), "{out}");

    // Someone with the file edits an entry, past the trigger.
    let conn = db(&fx);
    conn.execute_batch(
        "DROP TRIGGER oplog_append_only_update; \
         UPDATE oplog SET outcome = 'refused' WHERE seq = 7;",
    )
    .unwrap();
    let bad = std::process::Command::new(bin)
        .args(["oplog", "verify", "--data", &dir])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&bad.stderr).into_owned();
    assert_eq!(bad.status.code(), Some(1), "{err}");
    assert!(err.contains("entry 7:"), "{err}");
    assert!(String::from_utf8_lossy(&bad.stdout).contains("FAILED after 6 good entries"));

    // Put back, then a forged checkpoint (right root, another key) is caught too.
    conn.execute_batch("UPDATE oplog SET outcome = 'ok' WHERE seq = 7;")
        .unwrap();
    append(&fx, 1, "cli");
    let s = store(&fx);
    let (size, root) = s.oplog_head().unwrap();
    let name = "127.0.0.1/verity-desk/oplog";
    let forged = Checkpoint {
        origin: name.into(),
        size,
        root,
        extensions: vec![],
    }
    .sign(name, &ed25519_dalek::SigningKey::from_bytes(&[9; 32]))
    .unwrap();
    conn.execute(
        "INSERT INTO oplog_checkpoints (size, root, note, signed_at) VALUES (?1, ?2, ?3, 0)",
        rusqlite::params![size as i64, &root[..], forged],
    )
    .unwrap();
    let bad = std::process::Command::new(bin)
        .args(["oplog", "verify", "--data", &dir])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&bad.stderr).into_owned();
    assert_eq!(bad.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("checkpoint {size}: signature")),
        "{err}"
    );
}

fn wait_for_checkpoint(fx: &Fx, at_least: u64) -> Option<verity_desk::oplog::CheckpointRecord> {
    for _ in 0..100 {
        if let Some(cp) = store(fx).last_checkpoint().unwrap() {
            if cp.size >= at_least {
                return Some(cp);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    None
}

#[test]
fn the_background_signer_signs_after_100_entries_or_60_seconds() {
    let fx = Fx::new();
    let _boss = sign_up(&fx, "boss", AdminRole::Admin);
    // 99 entries (written by another process, as the admin commands do), under 60 s of the
    // desk's clock: nothing yet.
    let before = ops(&fx).len();
    append(&fx, 99 - before, "cli");
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(store(&fx).last_checkpoint().unwrap(), None);
    // The 100th: signed at once.
    append(&fx, 1, "cli");
    let n = ops(&fx).len() as u64;
    assert_eq!(n, 100);
    let cp = wait_for_checkpoint(&fx, n).expect("a checkpoint after 100 entries");
    assert_eq!(cp.size, n);
    assert_eq!(cp.signed_at, fx.clock.now());
    let name = "127.0.0.1/verity-desk/oplog";
    let opened = Checkpoint::open(
        cp.note.as_bytes(),
        name,
        &NoteVerifier::new(name, org_key(&fx)).unwrap(),
    )
    .unwrap();
    assert_eq!((opened.size, opened.root), (cp.size, cp.root));
    // One more entry waits for the minute to pass.
    append(&fx, 1, "cli");
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(store(&fx).last_checkpoint().unwrap().unwrap().size, n);
    fx.clock.advance(60);
    let cp = wait_for_checkpoint(&fx, n + 1).expect("a checkpoint after 60 s");
    assert_eq!(cp.size, n + 1);
}
