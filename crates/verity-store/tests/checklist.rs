//! The checklist in the store: transitions with their audit records, reopening, another process
//! writing, and tampering with the database directly (around the append-only triggers).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::Path;

use verity_checklist::audit::BreakKind;
use verity_checklist::checklist::{
    AcknowledgementEvidence, DrillEvidence, Event, Evidence, Interval, QuizEvidence, ScanEvidence,
    StepId, StepStatus,
};
use verity_core::Timestamp;
use verity_store::{ChecklistError, Store, DATABASE_FILE};

const T0: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

fn t(days: i64) -> Timestamp {
    Timestamp(T0 + days * DAY)
}

/// A raw connection, as someone editing the file with the sqlite3 tool would have.
fn raw(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(
        dir.join(DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .unwrap()
}

/// Five steps done over a few days: 9 records.
fn filled(dir: &Path) -> Store {
    let mut s = Store::open(dir).unwrap();
    let mut go = |step, ev: Event, day| {
        s.apply_checklist_event(step, &ev, t(day)).unwrap();
    };
    go(StepId::RemoveUnofficialNumbers, Event::Start, 0);
    go(
        StepId::RemoveUnofficialNumbers,
        Event::Record(Evidence::RemoveUnofficialNumbers(ScanEvidence {
            files: 2,
            entries: 412,
            flagged: 3,
            removed: 0,
        })),
        0,
    );
    go(
        StepId::RemoveUnofficialNumbers,
        Event::Record(Evidence::RemoveUnofficialNumbers(ScanEvidence {
            files: 2,
            entries: 409,
            flagged: 0,
            removed: 0,
        })),
        1,
    );
    go(
        StepId::AnnounceOfficialPath,
        Event::Record(Evidence::AnnounceOfficialPath(AcknowledgementEvidence {
            acknowledged_at: t(1),
        })),
        1,
    );
    go(StepId::DrillOwner, Event::Start, 2);
    go(
        StepId::DrillOwner,
        Event::Record(Evidence::DrillOwner(DrillEvidence {
            last_drill: None,
            owner: "Chan Tai Man".into(),
            schedule: Interval::QUARTER,
            next_drill: Interval::QUARTER.after(t(2)),
        })),
        2,
    );
    go(
        StepId::Training,
        Event::Record(Evidence::Training(QuizEvidence::new(6, 10))),
        3,
    );
    go(
        StepId::Training,
        Event::Record(Evidence::Training(QuizEvidence::new(9, 10))),
        3,
    );
    go(StepId::AlertsOn, Event::Start, 4);
    s
}

#[test]
fn states_and_the_log_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let before = filled(dir.path()).checklist().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let after = s.checklist().unwrap();
    assert_eq!(before, after);
    assert_eq!(after.progress().done, 4);
    assert_eq!(after.get(StepId::AlertsOn).status, StepStatus::InProgress);
    let check = s.verify_audit().unwrap();
    assert!(check.is_intact(), "{check:?}");
    assert_eq!(check.verification.records, 9);
    // Step 1's evidence is counts only.
    let records = s.audit_records().unwrap();
    assert_eq!(
        records[2].evidence.as_deref(),
        Some(
            r#"{"step":"remove_unofficial_numbers","files":2,"entries":409,"flagged":0,"removed":0}"#
        )
    );
}

#[test]
fn the_drill_falls_due_after_the_quarter_and_that_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = filled(dir.path());
    assert!(s.fall_due_steps(t(80)).unwrap().is_empty());
    let fell = s.fall_due_steps(t(95)).unwrap();
    assert_eq!(fell.len(), 1);
    assert_eq!(fell[0].state.step, StepId::DrillOwner);
    assert_eq!(fell[0].record.from, "done");
    assert_eq!(fell[0].record.to, "due_again");
    // A second process sees it.
    let other = Store::open(dir.path()).unwrap();
    assert_eq!(
        other.checklist().unwrap().get(StepId::DrillOwner).status,
        StepStatus::DueAgain
    );
    assert!(other.verify_audit().unwrap().is_intact());
}

#[test]
fn an_illegal_transition_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = filled(dir.path());
    let n = s.audit_records().unwrap().len();
    let e = s
        .apply_checklist_event(StepId::Training, &Event::Start, t(5))
        .unwrap_err();
    assert!(matches!(e, ChecklistError::Transition(_)), "{e}");
    let e = s
        .apply_checklist_event(
            StepId::Training,
            &Event::Record(Evidence::Training(QuizEvidence {
                score: 11,
                total: 10,
                passed: true,
            })),
            t(5),
        )
        .unwrap_err();
    assert!(e.to_string().contains("above"), "{e}");
    assert_eq!(s.audit_records().unwrap().len(), n);
}

/// Drops the append-only triggers, as a tamperer with the sqlite3 tool would.
fn without_triggers(dir: &Path, sql: &str) {
    let c = raw(dir);
    c.execute_batch(
        "DROP TRIGGER audit_log_append_only_update; DROP TRIGGER audit_log_append_only_delete;",
    )
    .unwrap();
    c.execute_batch(sql).unwrap();
}

fn first_break(dir: &Path) -> Option<(u64, BreakKind)> {
    let check = Store::open(dir).unwrap().verify_audit().unwrap();
    check.verification.first_break.map(|b| (b.seq, b.kind))
}

#[test]
fn the_triggers_refuse_plain_edits() {
    let dir = tempfile::tempdir().unwrap();
    drop(filled(dir.path()));
    let c = raw(dir.path());
    let e = c
        .execute("UPDATE audit_log SET at = 0 WHERE seq = 2", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    assert!(c
        .execute("DELETE FROM audit_log WHERE seq = 9", [])
        .is_err());
}

#[test]
fn editing_any_field_is_detected() {
    for (sql, seq) in [
        ("UPDATE audit_log SET at = at + 1 WHERE seq = 4", 4),
        ("UPDATE audit_log SET step = 'training' WHERE seq = 1", 1),
        ("UPDATE audit_log SET from_status = 'done' WHERE seq = 5", 5),
        ("UPDATE audit_log SET to_status = 'done' WHERE seq = 7", 7),
        (
            "UPDATE audit_log SET evidence = replace(evidence, '\"score\":6', '\"score\":9') WHERE seq = 7",
            7,
        ),
        ("UPDATE audit_log SET evidence = NULL WHERE seq = 2", 2),
        ("UPDATE audit_log SET prev_hash = hash WHERE seq = 3", 3),
        ("UPDATE audit_log SET hash = prev_hash WHERE seq = 9", 9),
    ] {
        let dir = tempfile::tempdir().unwrap();
        drop(filled(dir.path()));
        without_triggers(dir.path(), sql);
        let got = first_break(dir.path());
        assert_eq!(got.as_ref().map(|g| g.0), Some(seq), "{sql}: {got:?}");
    }
}

#[test]
fn deleting_or_reordering_records_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    drop(filled(dir.path()));
    without_triggers(dir.path(), "DELETE FROM audit_log WHERE seq = 5");
    assert_eq!(first_break(dir.path()), Some((5, BreakKind::Missing)));

    // Delete and renumber the rest to close the gap.
    let dir = tempfile::tempdir().unwrap();
    drop(filled(dir.path()));
    without_triggers(
        dir.path(),
        "DELETE FROM audit_log WHERE seq = 5; UPDATE audit_log SET seq = seq - 1 WHERE seq > 5;",
    );
    assert_eq!(first_break(dir.path()), Some((5, BreakKind::Altered)));

    // Swap two records' contents (reorder).
    let dir = tempfile::tempdir().unwrap();
    drop(filled(dir.path()));
    without_triggers(
        dir.path(),
        "UPDATE audit_log SET seq = 100 WHERE seq = 3;
         UPDATE audit_log SET seq = 3 WHERE seq = 4;
         UPDATE audit_log SET seq = 4 WHERE seq = 100;",
    );
    assert_eq!(first_break(dir.path()).map(|b| b.0), Some(3));

    // Cut the tail: the head kept beside the log tells.
    let dir = tempfile::tempdir().unwrap();
    drop(filled(dir.path()));
    without_triggers(dir.path(), "DELETE FROM audit_log WHERE seq >= 8");
    assert_eq!(first_break(dir.path()), Some((8, BreakKind::Missing)));
}

#[test]
fn editing_the_state_table_alone_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    drop(filled(dir.path()));
    raw(dir.path())
        .execute(
            "UPDATE checklist_step SET status = 'done' WHERE step = 'alerts_on'",
            [],
        )
        .unwrap();
    let check = Store::open(dir.path()).unwrap().verify_audit().unwrap();
    assert!(check.verification.is_intact());
    assert_eq!(check.mismatched_steps, vec![StepId::AlertsOn]);
    assert!(!check.is_intact());
}
