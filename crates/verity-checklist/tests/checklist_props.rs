//! Property tests of the checklist state machine and the audit chain: no sequence of events
//! reaches an inconsistent state, every accepted transition chains, and every single-field
//! change to the log is found.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use proptest::prelude::*;

use verity_checklist::audit::{self, AuditRecord};
use verity_checklist::checklist::{
    AcknowledgementEvidence, AlertEvidence, Checklist, DrillEvidence, Event, Evidence, Interval,
    QuizEvidence, RecurrencePolicy, ScanEvidence, StepId, StepStatus,
};
use verity_core::Timestamp;

const T0: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

fn step() -> impl Strategy<Value = StepId> {
    prop::sample::select(StepId::ALL.to_vec())
}

fn interval() -> impl Strategy<Value = Interval> {
    prop_oneof![
        (0u32..200).prop_map(Interval::Days),
        (0u32..150).prop_map(Interval::Months),
    ]
}

/// Evidence of any step, well formed or not; `offset` places its dates around "now".
fn evidence() -> impl Strategy<Value = (Evidence, i64)> {
    let scan =
        (0u32..3, 0u32..50, 0u32..50, 0u32..50).prop_map(|(files, entries, flagged, removed)| {
            Evidence::RemoveUnofficialNumbers(ScanEvidence {
                files,
                entries,
                flagged,
                removed,
            })
        });
    let quiz = (0u32..15, 0u32..15, any::<bool>()).prop_map(|(score, total, passed)| {
        Evidence::Training(QuizEvidence {
            score,
            total,
            passed,
        })
    });
    let fair_quiz =
        (0u32..12, 1u32..12).prop_map(|(s, t)| Evidence::Training(QuizEvidence::new(s, t)));
    let drill =
        ("[ a-zA-Z陳]{0,8}", interval(), -30i64..400).prop_map(|(owner, schedule, days)| {
            Evidence::DrillOwner(DrillEvidence {
                last_drill: None,
                owner,
                schedule,
                // Placeholder; made relative to now when applied.
                next_drill: Timestamp(days * DAY),
            })
        });
    let ack = Just(Evidence::AnnounceOfficialPath(AcknowledgementEvidence {
        acknowledged_at: Timestamp(0),
    }));
    let alert = any::<bool>().prop_map(|b| {
        Evidence::AlertsOn(AlertEvidence {
            test_alert_confirmed_at: Timestamp(0),
            start_at_login: b,
        })
    });
    (
        prop_oneof![scan, quiz, fair_quiz, drill, ack, alert],
        -2i64..2,
    )
}

#[derive(Debug, Clone)]
enum Op {
    Start,
    Record(Evidence, i64),
    FallDue,
    Reset,
}

fn op() -> impl Strategy<Value = (StepId, Op, i64)> {
    let ev = prop_oneof![
        Just(Op::Start),
        evidence().prop_map(|(e, o)| Op::Record(e, o)),
        Just(Op::FallDue),
        Just(Op::Reset),
    ];
    // Time mostly moves forward (sometimes by months), sometimes back (a clock corrected).
    (
        step(),
        ev,
        prop_oneof![0i64..3 * DAY, 0i64..200 * DAY, -DAY..DAY],
    )
}

/// Places an evidence's dates relative to `now`.
fn at(e: &Evidence, now: Timestamp, offset: i64) -> Evidence {
    let mut e = e.clone();
    match &mut e {
        Evidence::AnnounceOfficialPath(a) => a.acknowledged_at = Timestamp(now.0 + offset * 600),
        Evidence::AlertsOn(a) => a.test_alert_confirmed_at = Timestamp(now.0 + offset * 600),
        Evidence::DrillOwner(d) => d.next_drill = Timestamp(now.0 + d.next_drill.0),
        _ => {}
    }
    e
}

fn policy() -> impl Strategy<Value = RecurrencePolicy> {
    let opt = || prop::option::of((1u32..24).prop_map(Interval::Months));
    (opt(), opt(), opt(), opt(), opt()).prop_map(|(a, b, c, d, e)| RecurrencePolicy {
        remove_unofficial_numbers: a,
        announce_official_path: b,
        alerts_on: c,
        drill_owner: d,
        training: e,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn no_sequence_of_events_reaches_an_inconsistent_state(
        ops in prop::collection::vec(op(), 1..60),
        policy in policy(),
    ) {
        let mut c = Checklist::new();
        let mut log: Vec<AuditRecord> = Vec::new();
        let mut now = Timestamp(T0);
        for (step, op, dt) in ops {
            now = Timestamp(now.0 + dt);
            let event = match &op {
                Op::Start => Event::Start,
                Op::Record(e, o) => Event::Record(at(e, now, *o)),
                Op::FallDue => Event::FallDue,
                Op::Reset => Event::Reset,
            };
            let before = c.clone();
            match c.apply(step, &event, now, &policy) {
                Ok(t) => {
                    prop_assert_eq!(t.step, step);
                    prop_assert_eq!(t.from, before.get(step).status);
                    prop_assert_eq!(t.to, c.get(step).status);
                    prop_assert_eq!(t.at, now);
                    // Only the step itself changed.
                    for s in StepId::ALL {
                        if *s != step {
                            prop_assert_eq!(c.get(*s), before.get(*s));
                        }
                    }
                    // Done means completing evidence; a record's evidence is the step's.
                    if let Event::Record(e) = &event {
                        prop_assert_eq!(t.to == StepStatus::Done, e.completes_step());
                        prop_assert_eq!(c.get(step).evidence, Some(e.clone()));
                    }
                    let r = audit::next_record(log.last().map(AuditRecord::head).as_ref(), &t).unwrap();
                    log.push(r);
                }
                Err(_) => prop_assert_eq!(&c, &before, "a refused event changed the state"),
            }
            for s in &c.steps {
                if let Err(why) = s.check_consistency() {
                    prop_assert!(false, "{:?} inconsistent: {} ({:?})", s.step, why, s);
                }
            }
            for due in c.due_steps(now) {
                let s = c.get(due);
                prop_assert_eq!(s.status, StepStatus::Done);
                prop_assert!(s.due_at.is_some_and(|d| d <= now));
            }
            let p = c.progress();
            prop_assert!(p.done + p.due_again + p.in_progress <= p.total);
        }
        // The log verifies and replays to exactly the states reached.
        let head = log.last().map(AuditRecord::head);
        let v = audit::verify(&log, head.as_ref());
        prop_assert!(v.is_intact(), "{:?}", v.first_break);
        for (s, status) in v.replayed {
            prop_assert_eq!(c.get(s).status, status);
        }
    }

    #[test]
    fn every_single_change_to_the_log_is_found(
        ops in prop::collection::vec((step(), prop_oneof![Just(0u8), Just(1), Just(2)]), 2..25),
        victim in any::<prop::sample::Index>(),
        field in 0u8..8,
    ) {
        let policy = RecurrencePolicy::default();
        let mut c = Checklist::new();
        let mut log: Vec<AuditRecord> = Vec::new();
        for (i, (s, kind)) in ops.iter().enumerate() {
            let now = Timestamp(T0 + i as i64 * DAY);
            let ev = match kind {
                0 => Event::Start,
                1 => Event::Record(Evidence::Training(QuizEvidence::new(9, 10))),
                _ => Event::Reset,
            };
            let ev = match (s, ev) {
                (StepId::Training, e) => e,
                (_, Event::Record(_)) => Event::Record(Evidence::AnnounceOfficialPath(AcknowledgementEvidence { acknowledged_at: now })),
                (_, e) => e,
            };
            let step = if matches!(ev, Event::Record(Evidence::AnnounceOfficialPath(_))) { StepId::AnnounceOfficialPath } else { *s };
            if let Ok(t) = c.apply(step, &ev, now, &policy) {
                let r = audit::next_record(log.last().map(AuditRecord::head).as_ref(), &t).unwrap();
                log.push(r);
            }
        }
        prop_assume!(!log.is_empty());
        let head = log.last().map(AuditRecord::head).unwrap();
        let i = victim.index(log.len());
        let mut t = log.clone();
        match field {
            0 => t[i].seq += 1,
            1 => t[i].at = Timestamp(t[i].at.0 + 1),
            2 => t[i].step = if t[i].step == "training" { "alerts_on".into() } else { "training".into() },
            3 => t[i].from = if t[i].from == "done" { "in_progress".into() } else { "done".into() },
            4 => t[i].to = if t[i].to == "done" { "not_started".into() } else { "done".into() },
            5 => t[i].evidence = match &t[i].evidence { Some(_) => None, None => Some("{}".into()) },
            6 => t[i].prev_hash = "f".repeat(64),
            _ => { t.remove(i); }
        }
        let v = audit::verify(&t, Some(&head));
        prop_assert!(!v.is_intact(), "change {} to record {} went unnoticed", field, i + 1);
        let b = v.first_break.unwrap();
        prop_assert!(b.seq <= i as u64 + 2, "reported at {} for a change at {}", b.seq, i + 1);
    }
}
