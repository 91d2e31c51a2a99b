//! The PostgreSQL store against a throwaway cluster (one per test binary, one database per
//! test): round trips of [`DeskStore`], and for every rule that decides under concurrency, N
//! threads racing against one database with exactly one winner (or exactly the limit).

use super::*;
use crate::store::{
    code_scheme, AnchorOutcome, Attempt, DeskStore, DeviceRecord, EnrollCodeRecord, EnrollOutcome,
    FailureKind, NewReport, OrgRecord, ReportAdmission, ReportStatus, ResolveOutcome,
};
use std::sync::{Arc, Barrier};

#[path = "../../tests/support/pg_cluster.rs"]
mod pg_cluster;

const RACERS: usize = 16;

fn store() -> PgStore {
    PgStore::open(&pg_cluster::Cluster::shared().database()).unwrap()
}

/// Runs `f(i)` on `RACERS` threads released together; the results in thread order.
fn race<T: Send + 'static>(
    store: &Arc<PgStore>,
    f: impl Fn(&PgStore, usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(RACERS));
    let f = Arc::new(f);
    let handles: Vec<_> = (0..RACERS)
        .map(|i| {
            let (store, barrier, f) = (Arc::clone(store), Arc::clone(&barrier), Arc::clone(&f));
            std::thread::spawn(move || {
                barrier.wait();
                f(&store, i)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

fn code(hash: &str, employee: &str) -> EnrollCodeRecord {
    EnrollCodeRecord {
        code_hash: hash.into(),
        scheme: code_scheme::HMAC_SHA256,
        employee_id: employee.into(),
        employee_name: format!("Name of {employee}"),
        created_at: 100,
        expires_at: 10_000,
        used_at: None,
        used_by: None,
        agent: None,
        team: Some("finance".into()),
    }
}

fn device(id: &str) -> DeviceRecord {
    DeviceRecord {
        device_id: id.into(),
        public_key: format!("pk-{id}"),
        employee_id: "e1".into(),
        employee_name: "Chan Tai Man".into(),
        hostname: "host".into(),
        os: "linux".into(),
        app_version: "0.1.0".into(),
        enrolled_at: 200,
        enrolled_from: "127.0.0.1".into(),
        cert_serial: format!("serial-{id}"),
        cert_expires_at: 20_000,
        revoked_at: None,
        revoke_reason: None,
        totp_confirmed: false,
    }
}

fn enrolled(store: &PgStore, id: &str) {
    store
        .add_enroll_code(&code(&format!("c-{id}"), "e1"))
        .unwrap();
    assert_eq!(
        store
            .complete_enrollment(&format!("c-{id}"), &device(id), 150)
            .unwrap(),
        EnrollOutcome::Enrolled
    );
}

fn report(device: &str, key: &str, at: u64) -> NewReport {
    NewReport {
        device_id: device.into(),
        kind: "phone".into(),
        item: Some(key.into()),
        dedup_key: format!("phone|{key}"),
        verdict: vec!["fake_support".into(), "urgent".into()],
        note: "they called".into(),
        observed_at: at,
        received_at: at,
    }
}

#[test]
fn urls_are_named_with_their_password_masked() {
    assert_eq!(
        mask_url("postgres://desk:s3cret@db.example:5432/verity"),
        "postgres://desk:***@db.example:5432/verity"
    );
    assert_eq!(
        mask_url("postgres://desk@db/verity?password=s3cret&sslmode=disable"),
        "postgres://desk@db/verity?password=***&sslmode=disable"
    );
    assert_eq!(mask_url("postgres://db/verity"), "postgres://db/verity");
    assert!(!mask_url("not a url s3cret").contains("s3cret"));
    let e = PgStore::open("postgres://desk:s3cret@127.0.0.1:1/verity").unwrap_err();
    let text = e.to_string();
    assert!(!text.contains("s3cret"), "{text}");
    assert!(
        text.contains("postgres://desk:***@127.0.0.1:1/verity"),
        "{text}"
    );
    let e = PgStore::open("mysql://desk:s3cret@db/verity").unwrap_err();
    assert!(!e.to_string().contains("s3cret"));
}

#[test]
fn desks_opening_one_new_database_together_migrate_it_once() {
    let url = pg_cluster::Cluster::shared().database();
    let barrier = Arc::new(Barrier::new(RACERS));
    let handles: Vec<_> = (0..RACERS)
        .map(|_| {
            let (url, barrier) = (url.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                PgStore::open_with(&url, 1).map(|_| ())
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let store = PgStore::open(&url).unwrap();
    let v: i32 = store
        .read(|c| {
            col(
                &c.query_one("SELECT version FROM verity_schema", &[])
                    .map_err(db)?,
                0,
            )
        })
        .unwrap();
    assert_eq!(u32::try_from(v).unwrap(), SCHEMA_VERSION);
}

#[test]
fn a_database_of_a_newer_desk_is_refused() {
    let url = pg_cluster::Cluster::shared().database();
    let store = PgStore::open(&url).unwrap();
    store
        .read(|c| {
            c.execute("UPDATE verity_schema SET version = 99", &[])
                .map_err(db)
        })
        .unwrap();
    drop(store);
    assert!(matches!(
        PgStore::open(&url),
        Err(StoreError::NewerSchema { found: 99, .. })
    ));
}

#[test]
fn the_store_works_from_a_blocking_thread_of_a_tokio_runtime() {
    // As the service calls it: inside `spawn_blocking` on the multi-threaded runtime.
    let url = pg_cluster::Cluster::shared().database();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let org = rt.block_on(async move {
        tokio::task::spawn_blocking(move || {
            let store = PgStore::open(&url)?;
            store.init_org(&OrgRecord {
                name: "Wing Fat".into(),
                public_key: "pk".into(),
                created_at: 1,
            })?;
            store.org()
        })
        .await
        .unwrap()
    });
    assert_eq!(org.unwrap().unwrap().name, "Wing Fat");
}

#[test]
fn the_desk_store_round_trips() {
    let s = store();
    assert_eq!(s.org().unwrap(), None);
    let org = OrgRecord {
        name: "Wing Fat".into(),
        public_key: "pk".into(),
        created_at: 7,
    };
    s.init_org(&org).unwrap();
    assert!(s.init_org(&org).is_err(), "one organisation");
    assert_eq!(s.org().unwrap(), Some(org));

    s.add_enroll_code(&code("c1", "e1")).unwrap();
    let got = s.enroll_code("c1").unwrap().unwrap();
    assert_eq!(got, code("c1", "e1"));
    assert_eq!(
        s.complete_enrollment("c1", &device("d1"), 150).unwrap(),
        EnrollOutcome::Enrolled
    );
    let used = s.enroll_code("c1").unwrap().unwrap();
    assert_eq!(
        (used.used_at, used.used_by.as_deref()),
        (Some(150), Some("d1"))
    );
    assert_eq!(s.device("d1").unwrap(), Some(device("d1")));
    assert_eq!(s.list_devices().unwrap(), vec![device("d1")]);
    assert_eq!(
        s.device_teams().unwrap().get("d1").map(String::as_str),
        Some("finance")
    );

    s.set_totp("d1", b"sealed").unwrap();
    let t = s.totp("d1").unwrap().unwrap();
    assert_eq!(
        (t.sealed_secret.as_slice(), t.confirmed, t.last_step),
        (&b"sealed"[..], false, None)
    );
    assert!(s.accept_totp_step("d1", 10).unwrap());
    assert!(!s.accept_totp_step("d1", 10).unwrap(), "a step once");
    assert!(!s.accept_totp_step("d1", 9).unwrap(), "never back");
    assert!(s.device("d1").unwrap().unwrap().totp_confirmed);
    assert!(s.clear_totp("d1").unwrap());
    assert!(!s.clear_totp("d1").unwrap());

    assert!(s.revoke_device("d1", 300, "lost").unwrap());
    assert!(!s.revoke_device("d1", 301, "again").unwrap());
    let d = s.device("d1").unwrap().unwrap();
    assert_eq!(
        (d.revoked_at, d.revoke_reason.as_deref()),
        (Some(300), Some("lost"))
    );

    assert!(s.use_nonce("k", "n1", 500, 100).unwrap());
    assert!(!s.use_nonce("k", "n1", 500, 100).unwrap());
    // An expired nonce is forgotten (the timestamp check refuses such requests anyway).
    assert!(s.use_nonce("k", "n1", 900, 600).unwrap());

    assert_eq!(s.policy().unwrap(), None);
    assert_eq!(s.org_feed().unwrap(), None);
    s.set_org_feed(Some(&crate::store::OrgFeedRecord {
        url: "https://feed".into(),
        root_json: "{}".into(),
        updated_at: 3,
    }))
    .unwrap();
    assert_eq!(s.org_feed().unwrap().unwrap().url, "https://feed");
    s.set_org_feed(None).unwrap();
    assert_eq!(s.org_feed().unwrap(), None);

    assert_eq!(
        s.anchor_audit_head("d1", 5, "h5", 10).unwrap(),
        AnchorOutcome::Anchored
    );
    assert!(matches!(
        s.anchor_audit_head("d1", 4, "h4", 11).unwrap(),
        AnchorOutcome::Refused { .. }
    ));
    assert_eq!(s.audit_anchor("d1").unwrap().unwrap().seq, 5);
}

#[test]
fn reports_feed_and_check_ins_round_trip() {
    let s = store();
    enrolled(&s, "d1");
    enrolled(&s, "d2");
    let ReportAdmission::Added { id: a } = s
        .add_report(&report("d1", "+85291234567", 10), 0, 5)
        .unwrap()
    else {
        panic!("refused")
    };
    let ReportAdmission::Added { id: b } = s
        .add_report(&report("d2", "+85291234567", 20), 0, 5)
        .unwrap()
    else {
        panic!("refused")
    };
    assert_eq!(s.reports_since("d1", 0).unwrap(), 1);
    assert_eq!(s.reports_received_since(15).unwrap(), 1);
    let r = s.report(a).unwrap().unwrap();
    assert_eq!(r.verdict, vec!["fake_support", "urgent"]);
    let groups = s.report_groups(None).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(
        (groups[0].id, groups[0].count, groups[0].reporters),
        (a, 2, 2)
    );
    assert_eq!(
        s.report_line(a, 10)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        vec![b, a]
    );
    assert_eq!(s.reports_of_device("d1", &[b, a]).unwrap().len(), 1);
    let item = crate::store::NewFeedItem {
        kind: "phone".into(),
        value: "+85291234567".into(),
        category: "fake_support".into(),
        report_id: Some(a),
        reason: "scam".into(),
        actor: "cli".into(),
        added_at: 30,
    };
    assert_eq!(
        s.confirm_reports_into_feed(a, "scam", 30, &item).unwrap(),
        ResolveOutcome::Resolved { count: 2 }
    );
    assert_eq!(
        s.resolve_reports(b, ReportStatus::Rejected, "no", 31)
            .unwrap(),
        ResolveOutcome::AlreadyResolved(ReportStatus::Confirmed)
    );
    assert_eq!(
        s.resolve_reports(999, ReportStatus::Rejected, "no", 31)
            .unwrap(),
        ResolveOutcome::NotFound
    );
    let pending = s.feed_items(true, 10).unwrap();
    assert_eq!(pending.len(), 1);
    s.mark_feed_items_published(&[pending[0].id], 4, 40)
        .unwrap();
    assert!(s.feed_items(true, 10).unwrap().is_empty());
    assert_eq!(
        s.feed_items(false, 10).unwrap()[0].published_version,
        Some(4)
    );

    let c = crate::store::CheckInRecord {
        device_id: "d1".into(),
        received_at: 50,
        app_version: "0.2.0".into(),
        feed_version: Some(4),
        feed_synced_at: Some(49),
        feed_organisation: true,
        checklist_done: Some(3),
        checklist_total: Some(9),
    };
    s.record_check_in(&c).unwrap();
    s.record_check_in(&crate::store::CheckInRecord {
        received_at: 60,
        ..c.clone()
    })
    .unwrap();
    assert_eq!(
        s.check_ins().unwrap(),
        vec![crate::store::CheckInRecord {
            received_at: 60,
            ..c
        }]
    );
}

// --- Races: exactly one winner ---

#[test]
fn racing_devices_use_one_code_once() {
    let s = Arc::new(store());
    s.add_enroll_code(&code("shared", "e1")).unwrap();
    let out = race(&s, |s, i| {
        s.complete_enrollment("shared", &device(&format!("d{i}")), 150)
            .unwrap()
    });
    assert_eq!(
        out.iter()
            .filter(|o| **o == EnrollOutcome::Enrolled)
            .count(),
        1
    );
    assert_eq!(
        out.iter()
            .filter(|o| **o == EnrollOutcome::CodeUsed)
            .count(),
        RACERS - 1
    );
    assert_eq!(s.list_devices().unwrap().len(), 1);
}

#[test]
fn racing_codes_enrol_one_key_once() {
    let s = Arc::new(store());
    for i in 0..RACERS {
        s.add_enroll_code(&code(&format!("c{i}"), "e1")).unwrap();
    }
    let out = race(&s, |s, i| {
        s.complete_enrollment(&format!("c{i}"), &device("same-key"), 150)
            .unwrap()
    });
    assert_eq!(
        out.iter()
            .filter(|o| **o == EnrollOutcome::Enrolled)
            .count(),
        1
    );
    assert_eq!(
        out.iter()
            .filter(|o| **o == EnrollOutcome::DeviceExists)
            .count(),
        RACERS - 1
    );
    // The losers' codes stay unused.
    let used = (0..RACERS)
        .filter(|i| {
            s.enroll_code(&format!("c{i}"))
                .unwrap()
                .unwrap()
                .used_at
                .is_some()
        })
        .count();
    assert_eq!(used, 1);
}

#[test]
fn a_totp_step_is_accepted_once_under_a_race() {
    let s = Arc::new(store());
    enrolled(&s, "d1");
    s.set_totp("d1", b"sealed").unwrap();
    let out = race(&s, |s, _| s.accept_totp_step("d1", 42).unwrap());
    assert_eq!(out.iter().filter(|w| **w).count(), 1);
}

#[test]
fn a_nonce_is_used_once_under_a_race() {
    let s = Arc::new(store());
    let out = race(&s, |s, _| s.use_nonce("key", "nonce", 1_000, 10).unwrap());
    assert_eq!(out.iter().filter(|w| **w).count(), 1);
}

#[test]
fn racing_guesses_are_admitted_up_to_the_limit_only() {
    let s = Arc::new(store());
    let max = 3;
    let out = race(&s, move |s, _| {
        s.begin_attempt(FailureKind::EnrollCode, "203.0.113.9", 0, max, 1_000)
            .unwrap()
    });
    let admitted = out
        .iter()
        .filter(|a| matches!(a, Attempt::Admitted { .. }))
        .count();
    assert_eq!(admitted, max as usize);
    assert_eq!(
        s.failures_since(FailureKind::EnrollCode, "203.0.113.9", 0)
            .unwrap()
            .0,
        max
    );
    // Each admitted attempt saw a different count before it.
    let mut earlier: Vec<u32> = out
        .iter()
        .filter_map(|a| match a {
            Attempt::Admitted { earlier, .. } => Some(*earlier),
            Attempt::Refused { .. } => None,
        })
        .collect();
    earlier.sort_unstable();
    assert_eq!(earlier, vec![0, 1, 2]);
    // A released attempt frees its place.
    let Some(Attempt::Admitted { id, .. }) =
        out.iter().find(|a| matches!(a, Attempt::Admitted { .. }))
    else {
        unreachable!()
    };
    s.release_attempt(*id).unwrap();
    assert!(matches!(
        s.begin_attempt(FailureKind::EnrollCode, "203.0.113.9", 0, max, 1_001)
            .unwrap(),
        Attempt::Admitted { earlier: 2, .. }
    ));
    s.clear_failures(FailureKind::EnrollCode, "203.0.113.9")
        .unwrap();
    assert_eq!(
        s.failures_since(FailureKind::EnrollCode, "203.0.113.9", 0)
            .unwrap(),
        (0, None)
    );
}

#[test]
fn racing_reports_of_one_device_are_kept_up_to_the_limit_only() {
    let s = Arc::new(store());
    enrolled(&s, "d1");
    let out = race(&s, |s, i| {
        s.add_report(&report("d1", &format!("item{i}"), 100), 0, 2)
            .unwrap()
    });
    let added = out
        .iter()
        .filter(|a| matches!(a, ReportAdmission::Added { .. }))
        .count();
    assert_eq!(added, 2);
    assert_eq!(s.reports_since("d1", 0).unwrap(), 2);
}

#[test]
fn a_report_line_is_resolved_once_under_a_race() {
    let s = Arc::new(store());
    enrolled(&s, "d1");
    let ReportAdmission::Added { id } = s.add_report(&report("d1", "x", 10), 0, 5).unwrap() else {
        panic!("refused")
    };
    let item = crate::store::NewFeedItem {
        kind: "phone".into(),
        value: "x".into(),
        category: "fake_support".into(),
        report_id: Some(id),
        reason: "scam".into(),
        actor: "cli".into(),
        added_at: 30,
    };
    let out = race(&s, move |s, _| {
        s.confirm_reports_into_feed(id, "scam", 30, &item).unwrap()
    });
    assert_eq!(
        out.iter()
            .filter(|o| matches!(o, ResolveOutcome::Resolved { .. }))
            .count(),
        1
    );
    assert_eq!(s.feed_items(true, 100).unwrap().len(), 1, "queued once");
}

#[test]
fn racing_anchors_of_one_sequence_number_keep_one_hash() {
    let s = Arc::new(store());
    enrolled(&s, "d1");
    let out = race(&s, |s, i| {
        s.anchor_audit_head("d1", 7, &format!("hash{i}"), 10)
            .unwrap()
    });
    let won: Vec<usize> = out
        .iter()
        .enumerate()
        .filter(|(_, o)| **o == AnchorOutcome::Anchored)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(won.len(), 1);
    assert_eq!(
        s.audit_anchor("d1").unwrap().unwrap().hash,
        format!("hash{}", won[0])
    );
}

// --- The console's store ---

fn admin(s: &PgStore, name: &str) -> i64 {
    use crate::store::ConsoleStore;
    assert!(s
        .add_admin(
            name,
            name.as_bytes(),
            crate::store::AdminRole::Admin,
            "setup-hash",
            1_000,
            10
        )
        .unwrap());
    s.admin_by_name(name).unwrap().unwrap().id
}

fn session(token: &str, admin_id: i64) -> crate::store::SessionRecord {
    crate::store::SessionRecord {
        token_hash: token.into(),
        admin_id,
        created_at: 100,
        last_seen_at: 100,
        auth_at: 100,
        source: "127.0.0.1".into(),
    }
}

fn pending(token: &str, admin_id: i64) -> crate::store::PendingSetupRecord {
    crate::store::PendingSetupRecord {
        token_hash: token.into(),
        admin_id,
        setup_hash: "setup-hash".into(),
        passphrase_hash: "$argon2id$…".into(),
        totp_sealed: b"sealed".to_vec(),
        expires_at: 900,
    }
}

#[test]
fn the_console_store_round_trips() {
    use crate::store::{ConsoleStore, SetupOutcome};
    let s = store();
    let id = admin(&s, "chan");
    assert!(
        !s.add_admin(
            "chan",
            b"other",
            crate::store::AdminRole::Auditor,
            "h",
            1,
            1
        )
        .unwrap(),
        "a name once"
    );
    let a = s.admin_by_id(id).unwrap().unwrap();
    assert_eq!(
        (a.name.as_str(), a.role, a.is_set_up()),
        ("chan", crate::store::AdminRole::Admin, false)
    );
    assert_eq!(s.admin_by_user_handle(b"chan").unwrap().unwrap().id, id);
    assert_eq!(s.list_admins().unwrap().len(), 1);

    s.add_pending_setup(&pending("t1", id), 100).unwrap();
    assert!(s.pending_setup("t1", 100).unwrap().is_some());
    assert!(s.pending_setup("t1", 900).unwrap().is_none(), "expired");
    assert_eq!(
        s.complete_admin_setup(&pending("t1", id), 5, &session("s1", id), 100)
            .unwrap(),
        SetupOutcome::Done
    );
    assert_eq!(
        s.complete_admin_setup(&pending("t1", id), 6, &session("s2", id), 100)
            .unwrap(),
        SetupOutcome::Stale,
        "the code is spent"
    );
    assert!(s.admin_by_id(id).unwrap().unwrap().is_set_up());
    assert!(s.accept_admin_totp_step(id, 6).unwrap());
    assert!(!s.accept_admin_totp_step(id, 6).unwrap());

    s.touch_session("s1", 150, false).unwrap();
    s.touch_session("s1", 120, true).unwrap();
    let sess = s.session("s1").unwrap().unwrap();
    assert_eq!((sess.last_seen_at, sess.auth_at), (150, 120));

    let pk = s
        .add_passkey(id, b"cred-1", b"credential", "laptop", 200)
        .unwrap()
        .unwrap();
    assert_eq!(
        s.add_passkey(id, b"cred-1", b"x", "again", 201).unwrap(),
        None
    );
    assert!(s.use_passkey(pk, b"credential-2", 300).unwrap());
    let p = s.passkey_by_credential_id(b"cred-1").unwrap().unwrap();
    assert_eq!(
        (p.credential.as_slice(), p.last_used_at),
        (&b"credential-2"[..], Some(300))
    );
    assert_eq!(s.passkeys(id).unwrap().len(), 1);
    assert!(!s.remove_passkey(id + 1, pk).unwrap(), "another account's");
    assert!(s.remove_passkey(id, pk).unwrap());

    s.add_enroll_code(&code("c1", "e1")).unwrap();
    let listed = s.list_enroll_codes().unwrap();
    assert_eq!((listed.len(), listed[0].kind), (1, "employee"));
    assert!(s.revoke_enroll_code("c1", 500).unwrap());
    assert!(!s.revoke_enroll_code("c1", 501).unwrap());
    assert_eq!(
        s.complete_enrollment("c1", &device("d1"), 600).unwrap(),
        EnrollOutcome::CodeUsed,
        "a revoked code enrols nothing"
    );

    assert!(s.reset_admin("chan", "new-setup", 2_000).unwrap());
    assert!(!s.admin_by_id(id).unwrap().unwrap().is_set_up());
    assert!(
        s.session("s1").unwrap().is_none(),
        "sessions end with a reset"
    );
    assert!(s.disable_admin("chan", 700).unwrap());
    assert!(!s.disable_admin("chan", 701).unwrap());
}

#[test]
fn an_admin_totp_step_is_accepted_once_under_a_race() {
    use crate::store::ConsoleStore;
    let s = Arc::new(store());
    let id = admin(&s, "chan");
    s.add_pending_setup(&pending("t1", id), 100).unwrap();
    s.complete_admin_setup(&pending("t1", id), 5, &session("s0", id), 100)
        .unwrap();
    let out = race(&s, move |s, _| s.accept_admin_totp_step(id, 9).unwrap());
    assert_eq!(out.iter().filter(|w| **w).count(), 1);
}

#[test]
fn a_console_setup_completes_once_under_a_race() {
    use crate::store::{ConsoleStore, SetupOutcome};
    let s = Arc::new(store());
    let id = admin(&s, "chan");
    s.add_pending_setup(&pending("t1", id), 100).unwrap();
    let out = race(&s, move |s, i| {
        s.complete_admin_setup(&pending("t1", id), 5, &session(&format!("s{i}"), id), 100)
            .unwrap()
    });
    assert_eq!(out.iter().filter(|o| **o == SetupOutcome::Done).count(), 1);
}

#[test]
fn a_passkey_credential_is_registered_once_under_a_race() {
    use crate::store::ConsoleStore;
    let s = Arc::new(store());
    let id = admin(&s, "chan");
    let out = race(&s, move |s, i| {
        s.add_passkey(id, b"same-credential", b"c", &format!("key {i}"), 10)
            .unwrap()
    });
    assert_eq!(out.iter().filter(|o| o.is_some()).count(), 1);
}

// --- Drills ---

fn drill_and_target(s: &PgStore) -> crate::drill::DrillRecord {
    use crate::drill::{Audience, DrillRecord, DrillStore, TargetRecord};
    enrolled(s, "d1");
    let d = DrillRecord {
        id: "drill-1".into(),
        name: "Q1".into(),
        scenario: verity_device::proto::drill::Scenario::FreezeThreat,
        number: "+85230019999".into(),
        link: "https://drill.example.com/verify".into(),
        audience: Audience::All { all: true },
        window_start: 1_000,
        window_end: 2_000,
        working_days: 31,
        act_secs: 600,
        created_by: "cli".into(),
        created_at: 900,
        cancelled_at: None,
    };
    let t = TargetRecord {
        drill_id: d.id.clone(),
        device_id: "d1".into(),
        employee_id: "e1".into(),
        employee_name: "Chan Tai Man".into(),
        team: "finance".into(),
        deliver_at: 1_100,
        expires_at: 1_700,
        issued_at: None,
        delivered_at: None,
        outcome: None,
        how: None,
        outcome_at: None,
    };
    s.create_drill(&d, &[t]).unwrap();
    d
}

#[test]
fn the_drill_store_round_trips() {
    use crate::drill::{DrillStore, OutcomeResult, RemoveReserved, ReservedKind};
    use verity_device::proto::drill::{OutcomeEvent, OutcomeHow};
    let s = store();
    let r = s
        .add_reserved(
            ReservedKind::Number,
            "+85230019999",
            "drill line",
            "cli",
            10,
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        s.add_reserved(ReservedKind::Number, "+85230019999", "again", "cli", 11)
            .unwrap(),
        None
    );
    assert_eq!(s.reserved().unwrap().len(), 1);
    let d = drill_and_target(&s);
    assert_eq!(s.drill_audience(None).unwrap().len(), 1);
    assert_eq!(
        s.drill_audience(Some(&["finance".to_owned()])).unwrap()[0].team,
        "finance"
    );
    assert!(s
        .drill_audience(Some(&["legal".to_owned()]))
        .unwrap()
        .is_empty());
    assert_eq!(s.remove_reserved(r, 1_500).unwrap(), RemoveReserved::InUse);
    assert_eq!(s.drill(&d.id).unwrap(), Some(d.clone()));
    assert_eq!(s.drills().unwrap(), vec![d.clone()]);
    assert!(
        s.issue_lures("d1", 1_000, 0, 5).unwrap().is_empty(),
        "not yet"
    );
    let lures = s.issue_lures("d1", 1_100, 0, 5).unwrap();
    assert_eq!(lures.len(), 1);
    assert_eq!(
        (lures[0].0.id.as_str(), lures[0].1.issued_at),
        ("drill-1", Some(1_100))
    );
    assert_eq!(
        s.record_outcome(&d.id, "d1", OutcomeHow::Shown, 1_200)
            .unwrap(),
        OutcomeResult::Held {
            recorded: true,
            delivered_at: Some(1_200),
            outcome: None
        }
    );
    assert_eq!(
        s.record_outcome(&d.id, "d1", OutcomeHow::ReportToIt, 1_300)
            .unwrap(),
        OutcomeResult::Held {
            recorded: true,
            delivered_at: Some(1_200),
            outcome: Some(OutcomeEvent::Reported)
        }
    );
    assert_eq!(
        s.record_outcome(&d.id, "nobody", OutcomeHow::Shown, 1)
            .unwrap(),
        OutcomeResult::Unknown
    );
    let t = &s.drill_targets(Some(&d.id)).unwrap()[0];
    assert_eq!(
        (t.outcome, t.how, t.outcome_at),
        (
            Some(OutcomeEvent::Reported),
            Some(OutcomeHow::ReportToIt),
            Some(1_300)
        )
    );
    assert_eq!(s.drill_targets(None).unwrap().len(), 1);
    assert!(s.cancel_drill(&d.id, 1_400).unwrap());
    assert!(!s.cancel_drill(&d.id, 1_401).unwrap());
    assert_eq!(
        s.remove_reserved(r, 1_500).unwrap(),
        RemoveReserved::Removed
    );
    assert_eq!(
        s.remove_reserved(r, 1_500).unwrap(),
        RemoveReserved::NotFound
    );
    assert_eq!(s.programme().unwrap(), None);
    s.set_programme("Mei", 3, 5_000).unwrap();
    assert_eq!(s.programme().unwrap().unwrap().every_months, 3);
    assert!(s.mark_reminded(5_000).unwrap());
    assert!(!s.mark_reminded(5_000).unwrap());
}

#[test]
fn a_drill_outcome_is_recorded_once_under_a_race() {
    use crate::drill::{DrillStore, OutcomeResult};
    use verity_device::proto::drill::OutcomeHow;
    let s = Arc::new(store());
    drill_and_target(&s);
    let out = race(&s, |s, i| {
        let how = if i % 2 == 0 {
            OutcomeHow::ReportToIt
        } else {
            OutcomeHow::OpenedLink
        };
        s.record_outcome("drill-1", "d1", how, 1_200).unwrap()
    });
    let recorded = out
        .iter()
        .filter(|o| matches!(o, OutcomeResult::Held { recorded: true, .. }))
        .count();
    assert_eq!(recorded, 1);
}

#[test]
fn a_programme_reminder_is_sent_once_under_a_race() {
    use crate::drill::DrillStore;
    let s = Arc::new(store());
    s.set_programme("Mei", 3, 5_000).unwrap();
    let out = race(&s, |s, _| s.mark_reminded(5_000).unwrap());
    assert_eq!(out.iter().filter(|w| **w).count(), 1);
}

// --- The operation log ---

fn op(i: usize) -> crate::store::NewOp {
    crate::store::NewOp {
        at: 1_800_000_000 + i as u64,
        actor: format!("console:admin{i}"),
        action: "console.signin".into(),
        target: format!("t{i}"),
        device: String::new(),
        outcome: "ok".into(),
        detail: serde_json::json!({ "i": i }),
    }
}

#[test]
fn the_operation_log_matches_sqlites_tree_and_proofs() {
    use crate::oplog::OplogStore;
    use crate::store::ConsoleStore;
    let pg = store();
    let dir = tempfile::tempdir().unwrap();
    let lite = crate::sqlite::SqliteStore::open(dir.path()).unwrap();
    for i in 0..37 {
        let a = pg.append_op(&op(i)).unwrap();
        let b = lite.append_op(&op(i)).unwrap();
        assert_eq!(a, b);
    }
    assert_eq!(pg.oplog_head().unwrap(), lite.oplog_head().unwrap());
    assert_eq!(
        pg.ops_after(30, 100).unwrap(),
        lite.ops_after(30, 100).unwrap()
    );
    let idx = [0, 5, 17, 36];
    assert_eq!(
        pg.inclusion_proofs(37, &idx).unwrap(),
        lite.inclusion_proofs(37, &idx).unwrap()
    );
    assert_eq!(
        pg.consistency(13, 37).unwrap(),
        lite.consistency(13, 37).unwrap()
    );
    let filter = crate::oplog::OpFilter {
        to: u64::MAX,
        actor: Some("console:admin3".into()),
        ..crate::oplog::OpFilter::default()
    };
    let found = pg.query_ops(&filter, 37, 10).unwrap();
    assert_eq!(found.0.len(), 1);
    assert_eq!(found, lite.query_ops(&filter, 37, 10).unwrap());
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    let report = pg.verify_oplog(&key).unwrap();
    assert_eq!((report.entries, report.failure.is_none()), (37, true));
    assert_eq!(report.root, lite.oplog_head().unwrap().1);
    // Append-only, in the database itself.
    let edit = pg.read(|c| {
        c.execute("UPDATE oplog SET actor = 'someone' WHERE seq = 3", &[])
            .map_err(db)
    });
    assert!(edit.unwrap_err().to_string().contains("append-only"));
    let erase = pg.read(|c| c.execute("DELETE FROM oplog_leaves", &[]).map_err(db));
    assert!(erase.is_err());
}

#[test]
fn racing_appends_number_the_log_without_gaps() {
    use crate::oplog::OplogStore;
    use crate::store::ConsoleStore;
    let s = Arc::new(store());
    let out = race(&s, |s, i| s.append_op(&op(i)).unwrap().seq);
    let mut seqs = out.clone();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=RACERS as u64).collect::<Vec<_>>());
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    let report = s.verify_oplog(&key).unwrap();
    assert_eq!(report.entries, RACERS as u64);
    assert!(report.failure.is_none(), "{:?}", report.failure);
}

#[test]
fn deadlocks_and_serialisation_conflicts_are_retried_and_nothing_else() {
    assert!(retryable(&StoreError::Db(
        "deadlock detected (40P01)".into()
    )));
    assert!(retryable(&StoreError::Db(
        "could not serialize access (40001)".into()
    )));
    assert!(!retryable(&StoreError::Db(
        "duplicate key value (23505)".into()
    )));
    assert!(!retryable(&StoreError::Damaged("x (40P01)".into())));
    // A server's error keeps its message and code.
    let s = store();
    let e = s
        .read(|c| c.execute("SELECT * FROM no_such_table", &[]).map_err(db))
        .unwrap_err();
    assert!(
        e.to_string().contains("no_such_table") && e.to_string().ends_with("(42P01)"),
        "{e}"
    );
}

mod support {
    use super::store;
    use crate::support::conformance as c;

    #[test]
    fn claims_are_atomic_and_capacity_bound() {
        c::claims_are_atomic_and_capacity_bound(&store());
    }

    /// A claim of an offer made to this agent waits for a transaction holding the session's
    /// row (the employee's message being stored) instead of losing to it.
    #[test]
    fn a_claim_waits_for_a_frame_write_holding_the_session() {
        use crate::support::store::{ClaimOutcome, SupportStore};
        let s = std::sync::Arc::new(store());
        assert!(s
            .open_support_session(&c::session("held", "e1", 100))
            .unwrap());
        assert!(s.offer_session("held", "a", 99, 130).unwrap());
        let (locked_tx, locked) = std::sync::mpsc::channel();
        let holder = {
            let s = std::sync::Arc::clone(&s);
            std::thread::spawn(move || {
                s.write(|tx| {
                    tx.query(
                        "SELECT 1 FROM support_sessions WHERE session_id = 'held' FOR UPDATE",
                        &[],
                    )
                    .map_err(super::db)?;
                    locked_tx.send(()).unwrap();
                    // Long enough for the claim to reach the row while it is held.
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    Ok(())
                })
                .unwrap();
            })
        };
        locked.recv().unwrap();
        assert_eq!(
            s.claim_session("held", "a", "va1.a", 4, 110, 230).unwrap(),
            ClaimOutcome::Claimed
        );
        holder.join().unwrap();
    }
    #[test]
    fn racing_offers_to_one_agent_stop_at_its_capacity() {
        c::racing_offers_to_one_agent_stop_at_its_capacity(&store());
    }

    #[test]
    fn racing_claims_of_one_agent_stop_at_its_capacity() {
        c::racing_claims_of_one_agent_stop_at_its_capacity(&store());
    }

    #[test]
    fn frames_keep_their_places() {
        c::frames_keep_their_places(&store());
    }

    #[test]
    fn waiting_sessions_are_the_queue_in_order() {
        c::waiting_sessions_are_the_queue_in_order(&store());
    }

    #[test]
    fn frame_heads_say_where_each_direction_ends() {
        c::frame_heads_say_where_each_direction_ends(&store());
    }

    #[test]
    fn racing_writers_keep_each_sequence_dense() {
        c::racing_writers_keep_each_sequence_dense(&store());
    }

    #[test]
    fn the_rest_round_trips() {
        c::the_rest_round_trips(&store());
    }

    #[test]
    fn acks_only_move_forward() {
        c::acks_only_move_forward(&store(), |s| {
            s.read(|c| {
                c.query_opt(
                    "SELECT leg, hs, tx FROM support_acks WHERE session_id = 'ak' AND dir = 'a2e'",
                    &[],
                )
                .map_err(super::db)
            })
            .unwrap()
            .map(|r| {
                (
                    super::to_u32(r.get(0)),
                    super::to_u32(r.get(1)),
                    super::to_u64(r.get(2)),
                )
            })
        });
    }
}

#[test]
fn the_store_can_be_dropped_on_a_thread_that_drives_a_runtime() {
    // A desk's service ends inside `block_on`, where the last handle on its store goes.
    let s = store();
    s.read(|c| c.execute("SELECT 1", &[]).map_err(db)).unwrap();
    assert_eq!(s.pool.open_connections(), 1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async move { drop(s) });
}
