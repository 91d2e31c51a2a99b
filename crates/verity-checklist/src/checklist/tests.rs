//! The checklist rules' tests.

use super::*;

const T0: Timestamp = Timestamp(1_767_225_600); // 2026-01-01T00:00:00Z
const DAY: i64 = 86_400;

fn at(days: i64) -> Timestamp {
    Timestamp(T0.0 + days * DAY)
}

#[test]
fn months_are_calendar_months() {
    assert_eq!(Interval::QUARTER.after(T0).to_date(), "2026-04-01");
    assert_eq!(Interval::YEAR.after(T0).to_date(), "2027-01-01");
    let jan31 = Timestamp(T0.0 + 30 * DAY + 3600);
    assert_eq!(
        Interval::Months(1).after(jan31).to_rfc3339(),
        "2026-02-28T01:00:00Z"
    );
    let nov30 = Timestamp(1_795_996_800); // 2026-11-30
    assert_eq!(nov30.to_date(), "2026-11-30");
    assert_eq!(Interval::QUARTER.after(nov30).to_date(), "2027-02-28");
    assert_eq!(Interval::Days(10).after(T0).to_date(), "2026-01-11");
    assert_eq!(
        Interval::Months(12).after(Timestamp(951_782_400)).to_date(),
        "2001-02-28"
    );
    assert_eq!(parse_date("2026-01-01"), Some(T0));
    assert_eq!(
        parse_date("2024-02-29").map(Timestamp::to_date).as_deref(),
        Some("2024-02-29")
    );
    for bad in [
        "2025-02-29",
        "2026-13-01",
        "2026-1",
        "tomorrow",
        "2026-01-00",
    ] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
}

#[test]
fn a_full_round_of_the_drill_step() {
    let p = RecurrencePolicy::default();
    let mut c = Checklist::new();
    let t = c
        .apply(StepId::DrillOwner, &Event::Start, at(0), &p)
        .unwrap();
    assert_eq!(
        (t.from, t.to),
        (StepStatus::NotStarted, StepStatus::InProgress)
    );
    let drill = Evidence::DrillOwner(DrillEvidence {
        last_drill: None,
        owner: "Chan Tai Man".into(),
        schedule: Interval::QUARTER,
        next_drill: Interval::QUARTER.after(at(1)),
    });
    let t = c
        .apply(StepId::DrillOwner, &Event::Record(drill.clone()), at(1), &p)
        .unwrap();
    assert_eq!(t.to, StepStatus::Done);
    assert_eq!(t.evidence, Some(drill));
    assert_eq!(c.next_drill().unwrap().to_date(), "2026-04-02");
    assert!(c.due_steps(at(90)).is_empty());
    assert_eq!(c.due_steps(at(91)), vec![StepId::DrillOwner]);
    assert!(matches!(
        c.apply(StepId::DrillOwner, &Event::FallDue, at(5), &p),
        Err(TransitionError::NotDueYet { .. })
    ));
    let t = c
        .apply(StepId::DrillOwner, &Event::FallDue, at(91), &p)
        .unwrap();
    assert_eq!(t.to, StepStatus::DueAgain);
    assert_eq!(c.progress().due_again, 1);
    for s in &c.steps {
        s.check_consistency().unwrap();
    }
}

#[test]
fn evidence_decides_done_or_in_progress() {
    let p = RecurrencePolicy::default();
    let mut c = Checklist::new();
    let scan = |flagged, removed| {
        Event::Record(Evidence::RemoveUnofficialNumbers(ScanEvidence {
            files: 2,
            entries: 300,
            flagged,
            removed,
        }))
    };
    let s1 = StepId::RemoveUnofficialNumbers;
    assert_eq!(
        c.apply(s1, &scan(3, 0), at(0), &p).unwrap().to,
        StepStatus::InProgress
    );
    assert_eq!(
        c.apply(s1, &scan(3, 3), at(1), &p).unwrap().to,
        StepStatus::Done
    );
    assert_eq!(c.get(s1).due_at, None, "step 1 does not recur by default");
    assert_eq!(
        c.apply(s1, &scan(1, 0), at(2), &p).unwrap().to,
        StepStatus::InProgress
    );
    assert_eq!(
        c.get(s1).done_at,
        Some(at(1)),
        "the last completion is kept"
    );

    let s5 = StepId::Training;
    let quiz = |s, t| Event::Record(Evidence::Training(QuizEvidence::new(s, t)));
    assert_eq!(
        c.apply(s5, &quiz(7, 10), at(0), &p).unwrap().to,
        StepStatus::InProgress
    );
    assert_eq!(
        c.apply(s5, &quiz(8, 10), at(1), &p).unwrap().to,
        StepStatus::Done
    );
    assert_eq!(c.get(s5).due_at.unwrap().to_date(), "2027-01-02");
}

#[test]
fn illegal_transitions_are_typed() {
    let p = RecurrencePolicy::default();
    let mut c = Checklist::new();
    let s = StepId::AlertsOn;
    assert_eq!(
        c.apply(s, &Event::Reset, at(0), &p),
        Err(TransitionError::NotStarted { step: s })
    );
    assert!(matches!(
        c.apply(s, &Event::FallDue, at(0), &p),
        Err(TransitionError::NotDone { .. })
    ));
    c.apply(s, &Event::Start, at(0), &p).unwrap();
    assert_eq!(
        c.apply(s, &Event::Start, at(0), &p),
        Err(TransitionError::AlreadyInProgress { step: s })
    );
    let wrong = Event::Record(Evidence::Training(QuizEvidence::new(10, 10)));
    assert!(matches!(
        c.apply(s, &wrong, at(0), &p),
        Err(TransitionError::EvidenceForOtherStep { .. })
    ));
    let alert = Event::Record(Evidence::AlertsOn(AlertEvidence {
        test_alert_confirmed_at: at(0),
        start_at_login: true,
    }));
    c.apply(s, &alert, at(0), &p).unwrap();
    assert_eq!(
        c.apply(s, &Event::FallDue, at(900), &p),
        Err(TransitionError::NotRecurring { step: s })
    );
    assert_eq!(
        c.apply(s, &Event::Start, at(1), &p),
        Err(TransitionError::AlreadyDone { step: s })
    );
    let future = Event::Record(Evidence::AlertsOn(AlertEvidence {
        test_alert_confirmed_at: at(2),
        start_at_login: true,
    }));
    assert!(matches!(
        c.apply(s, &future, at(1), &p),
        Err(TransitionError::InvalidEvidence(EvidenceError::InFuture(_)))
    ));
    let t = c.apply(s, &Event::Reset, at(3), &p).unwrap();
    assert_eq!((t.from, t.to), (StepStatus::Done, StepStatus::NotStarted));
    assert_eq!(c.get(s), StepState::new(s));
}

#[test]
fn malformed_evidence_is_named() {
    let now = at(0);
    let v = |e: Evidence| e.validate(now).err().map(|e| e.code());
    let drill = |owner: &str, next: Timestamp| {
        Evidence::DrillOwner(DrillEvidence {
            last_drill: None,
            owner: owner.into(),
            schedule: Interval::QUARTER,
            next_drill: next,
        })
    };
    assert_eq!(v(drill("  ", at(10))), Some("empty_owner"));
    assert_eq!(v(drill("a\u{7}b", at(10))), Some("bad_owner"));
    assert_eq!(v(drill("Ann", now)), Some("next_drill_not_in_future"));
    assert_eq!(v(drill("Ann", at(1))), None);
    let quiz = |score, total, passed| {
        Evidence::Training(QuizEvidence {
            score,
            total,
            passed,
        })
    };
    assert_eq!(v(quiz(0, 0, false)), Some("no_questions"));
    assert_eq!(v(quiz(11, 10, true)), Some("score_above_total"));
    assert_eq!(v(quiz(7, 10, true)), Some("passed_mismatch"));
    assert_eq!(v(quiz(8, 10, true)), None);
    let scan = |files, entries, flagged, removed| {
        Evidence::RemoveUnofficialNumbers(ScanEvidence {
            files,
            entries,
            flagged,
            removed,
        })
    };
    assert_eq!(v(scan(0, 0, 0, 0)), Some("no_files"));
    assert_eq!(v(scan(1, 2, 3, 0)), Some("scan_counts"));
    assert_eq!(v(scan(1, 5, 3, 4)), Some("scan_counts"));
}

#[test]
fn evidence_json_is_tagged_and_stable() {
    let e = Evidence::Training(QuizEvidence::new(9, 10));
    assert_eq!(
        e.to_json().unwrap(),
        r#"{"step":"training","score":9,"total":10,"passed":true}"#
    );
    let back: Evidence = serde_json::from_str(&e.to_json().unwrap()).unwrap();
    assert_eq!(back, e);
    let d = Evidence::DrillOwner(DrillEvidence {
        last_drill: None,
        owner: "Ann".into(),
        schedule: Interval::QUARTER,
        next_drill: T0,
    });
    assert_eq!(
        d.to_json().unwrap(),
        r#"{"step":"drill_owner","owner":"Ann","schedule":{"months":3},"next_drill":1767225600}"#
    );
}

#[test]
fn the_reminder_shows_once_a_day_when_due_and_on() {
    use ReminderDecision::*;
    assert_eq!(reminder_decision(0, true, None, "2026-11-29"), NothingDue);
    assert_eq!(reminder_decision(0, false, None, "2026-11-29"), NothingDue);
    assert_eq!(reminder_decision(1, false, None, "2026-11-29"), Off);
    assert_eq!(reminder_decision(2, true, None, "2026-11-29"), Show);
    assert_eq!(
        reminder_decision(1, true, Some("2026-11-28"), "2026-11-29"),
        Show
    );
    assert_eq!(
        reminder_decision(1, true, Some("2026-11-29"), "2026-11-29"),
        AlreadyShownToday
    );
    // A clock moved back a day (or a zone change) reminds again rather than never.
    assert_eq!(
        reminder_decision(1, true, Some("2026-11-30"), "2026-11-29"),
        Show
    );
}
