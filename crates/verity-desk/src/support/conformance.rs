//! The rules of [`SupportStore`], written once and run against both stores (`sqlite/support.rs`
//! and `postgres/tests.rs` call these with their own store): every rule that decides under
//! concurrency with threads racing.

use super::store::{
    ClaimOutcome, FrameHead, FrameIn, FrameOutcome, FrameRefusal, SessionMember, SessionState,
    StoredCursor, SupportSessionRecord, SupportStore,
};
use std::sync::Barrier;

/// Threads in each race.
pub const RACERS: usize = 16;

pub fn session(id: &str, employee: &str, at: u64) -> SupportSessionRecord {
    SupportSessionRecord {
        session_id: id.into(),
        employee_id: employee.into(),
        device_id: format!("dev-{employee}"),
        employee_certificate: "vc1.x".into(),
        category: "billing".into(),
        language: "en".into(),
        region: "HK".into(),
        team: None,
        state: SessionState::Queued,
        priority: 0,
        enqueued_at: at,
        offered_to: None,
        offer_expires_at: None,
        agent_id: None,
        agent_certificate: None,
        leg: 1,
        wait_deadline: at + 600,
        first_response_deadline: None,
        first_response_at: None,
        wait_alerted: false,
        response_alerted: false,
        call_id: None,
        outcome: None,
        opened_at: at,
        assigned_at: None,
        closed_at: None,
        last_frame_at: at,
        frames: 0,
        bytes: 0,
    }
}

/// Runs `f(i)` on [`RACERS`] threads released together; the results in thread order.
fn race<S: SupportStore + Sync, T: Send>(store: &S, f: impl Fn(&S, usize) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(RACERS);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..RACERS)
            .map(|i| {
                let (barrier, f) = (&barrier, &f);
                s.spawn(move || {
                    barrier.wait();
                    f(store, i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Assigns `id` (opened for `employee`) to agent `a`.
fn assigned<S: SupportStore>(store: &S, id: &str, employee: &str) {
    assert!(store
        .open_support_session(&session(id, employee, 100))
        .unwrap());
    assert!(store.offer_session(id, "a", 99, 130).unwrap());
    assert_eq!(
        store.claim_session(id, "a", "va1.a", 99, 110, 230).unwrap(),
        ClaimOutcome::Claimed
    );
}

pub fn claims_are_atomic_and_capacity_bound<S: SupportStore + Sync>(store: &S) {
    assert!(store
        .open_support_session(&session("s1", "e1", 100))
        .unwrap());
    // One open session per employee.
    assert!(!store
        .open_support_session(&session("s1b", "e1", 100))
        .unwrap());
    assert!(store
        .open_support_session(&session("s2", "e2", 100))
        .unwrap());
    assert!(store.offer_session("s1", "a", 99, 130).unwrap());
    assert!(
        !store.offer_session("s1", "b", 99, 130).unwrap(),
        "offered already"
    );
    // Racing claims of one offer: exactly one wins.
    let wins = race(store, |s, _| {
        s.claim_session("s1", "a", "va1.a", 3, 110, 230).unwrap()
    });
    assert_eq!(
        wins.iter().filter(|w| **w == ClaimOutcome::Claimed).count(),
        1,
        "{wins:?}"
    );
    assert_eq!(
        wins.iter()
            .filter(|w| **w == ClaimOutcome::AlreadyTaken)
            .count(),
        RACERS - 1
    );
    let s1 = store.support_session("s1").unwrap().unwrap();
    assert_eq!(
        (s1.state, s1.agent_id.as_deref()),
        (SessionState::Assigned, Some("a"))
    );
    // Another agent, never offered: taken. A lapsed offer: taken. Capacity: refused.
    assert!(store.offer_session("s2", "a", 99, 120).unwrap());
    assert_eq!(
        store
            .claim_session("s2", "b", "va1.b", 3, 110, 230)
            .unwrap(),
        ClaimOutcome::AlreadyTaken
    );
    assert_eq!(
        store
            .claim_session("s2", "a", "va1.a", 3, 120, 240)
            .unwrap(),
        ClaimOutcome::AlreadyTaken
    );
    assert_eq!(
        store
            .claim_session("s2", "a", "va1.a", 1, 110, 240)
            .unwrap(),
        ClaimOutcome::AtCapacity
    );
    assert!(store.withdraw_offer("s2", "a").unwrap());
    assert!(!store.withdraw_offer("s2", "a").unwrap(), "withdrawn once");
    assert_eq!(store.declined_by("s2").unwrap(), ["a"]);
}

/// One agent claiming [`RACERS`] offers at once keeps within its capacity.
pub fn racing_claims_of_one_agent_stop_at_its_capacity<S: SupportStore + Sync>(store: &S) {
    for i in 0..RACERS {
        let id = format!("cap-{i}");
        assert!(store
            .open_support_session(&session(&id, &format!("ce{i}"), 100))
            .unwrap());
        assert!(store.offer_session(&id, "busy", 99, 130).unwrap());
    }
    let out = race(store, |s, i| {
        s.claim_session(&format!("cap-{i}"), "busy", "va1.b", 3, 110, 230)
            .unwrap()
    });
    assert_eq!(
        out.iter().filter(|o| **o == ClaimOutcome::Claimed).count(),
        3,
        "{out:?}"
    );
    assert_eq!(
        out.iter()
            .filter(|o| **o == ClaimOutcome::AtCapacity)
            .count(),
        RACERS - 3
    );
}

/// Desks offering [`RACERS`] sessions to one agent at once (several desks drain one queue) offer
/// it no more than its capacity, counting what it holds already.
pub fn racing_offers_to_one_agent_stop_at_its_capacity<S: SupportStore + Sync>(store: &S) {
    assigned(store, "held", "he");
    for i in 0..RACERS {
        let id = format!("off-{i}");
        assert!(store
            .open_support_session(&session(&id, &format!("oe{i}"), 100))
            .unwrap());
    }
    let out = race(store, |s, i| {
        s.offer_session(&format!("off-{i}"), "a", 4, 130).unwrap()
    });
    assert_eq!(out.iter().filter(|o| **o).count(), 3, "{out:?}");
    let offered = store
        .live_sessions()
        .unwrap()
        .into_iter()
        .filter(|s| s.state == SessionState::Offered && s.offered_to.as_deref() == Some("a"))
        .count();
    assert_eq!(offered, 3);
    // At capacity: no more; one offer withdrawn: one more.
    let next = (0..RACERS).find(|i| !out[*i]).unwrap();
    assert!(!store
        .offer_session(&format!("off-{next}"), "a", 4, 130)
        .unwrap());
    let first = (0..RACERS).find(|i| out[*i]).unwrap();
    assert!(store.withdraw_offer(&format!("off-{first}"), "a").unwrap());
    assert!(store
        .offer_session(&format!("off-{next}"), "a", 4, 130)
        .unwrap());
}

fn frame<'a>(
    id: &'a str,
    leg: u32,
    dir: &'a str,
    kind: &'a str,
    seq: u64,
    body: &'a [u8],
) -> FrameIn<'a> {
    FrameIn {
        session_id: id,
        leg,
        dir,
        kind,
        seq,
        body,
    }
}

pub fn frames_keep_their_places<S: SupportStore>(store: &S) {
    store
        .open_support_session(&session("s1", "e1", 100))
        .unwrap();
    let f = |leg, dir, kind, seq, body| frame("s1", leg, dir, kind, seq, body);
    let put = |fr: &FrameIn<'_>| store.store_frame(fr, 200, 5, 40).unwrap();
    assert_eq!(
        store
            .store_frame(&frame("nope", 1, "e2a", "hs", 0, b"a"), 200, 5, 40)
            .unwrap(),
        FrameOutcome::Refused(FrameRefusal::Unknown)
    );
    assert_eq!(
        put(&f(1, "e2a", "hs", 0, b"a")),
        FrameOutcome::Refused(FrameRefusal::NotAssigned)
    );
    store.offer_session("s1", "a", 99, 130).unwrap();
    store
        .claim_session("s1", "a", "va1.a", 3, 110, 230)
        .unwrap();
    assert_eq!(
        put(&f(1, "a2e", "hs", 1, b"b")),
        FrameOutcome::Refused(FrameRefusal::Order)
    );
    assert!(matches!(
        put(&f(1, "e2a", "hs", 0, b"a")),
        FrameOutcome::Stored { new_leg: false, .. }
    ));
    assert!(matches!(
        put(&f(1, "e2a", "hs", 0, b"a")),
        FrameOutcome::Duplicate { .. }
    ));
    assert_eq!(
        put(&f(1, "e2a", "hs", 0, b"z")),
        FrameOutcome::Refused(FrameRefusal::Conflict)
    );
    assert!(matches!(
        put(&f(1, "a2e", "hs", 1, b"b")),
        FrameOutcome::Stored { .. }
    ));
    assert_eq!(
        put(&f(1, "e2a", "tx", 1, b"c")),
        FrameOutcome::Refused(FrameRefusal::Order)
    );
    assert!(matches!(
        put(&f(1, "e2a", "hs", 2, b"c")),
        FrameOutcome::Stored { .. }
    ));
    let first = put(&f(1, "a2e", "tx", 1, b"d"));
    assert!(
        matches!(first, FrameOutcome::Stored { first_response: true, cursor, .. }
        if cursor == StoredCursor { leg: 1, hs: 2, tx: 1 })
    );
    assert_eq!(
        store
            .support_session("s1")
            .unwrap()
            .unwrap()
            .first_response_at,
        Some(200)
    );
    // A skipped sequence number is out of order.
    assert_eq!(
        put(&f(1, "a2e", "tx", 3, b"x")),
        FrameOutcome::Refused(FrameRefusal::Order)
    );
    // The byte cap (40), then the frame cap (5).
    assert_eq!(
        put(&f(1, "a2e", "tx", 2, &[0; 40])),
        FrameOutcome::Refused(FrameRefusal::Full)
    );
    assert!(matches!(
        put(&f(2, "e2a", "hs", 0, b"e")),
        FrameOutcome::Stored { new_leg: true, .. }
    ));
    assert_eq!(store.support_session("s1").unwrap().unwrap().leg, 2);
    assert_eq!(
        put(&f(2, "a2e", "hs", 1, b"f")),
        FrameOutcome::Refused(FrameRefusal::Full)
    );
    assert_eq!(
        put(&f(1, "e2a", "hs", 0, b"a")),
        FrameOutcome::Duplicate {
            cursor: StoredCursor {
                leg: 1,
                hs: 3,
                tx: 0
            }
        }
    );
    assert_eq!(
        put(&f(4, "e2a", "hs", 0, b"g")),
        FrameOutcome::Refused(FrameRefusal::Leg)
    );
    let replay = store
        .frames_after(
            "s1",
            "e2a",
            StoredCursor {
                leg: 1,
                hs: 1,
                tx: 0,
            },
        )
        .unwrap();
    assert_eq!(
        replay
            .iter()
            .map(|r| (r.leg, r.kind.as_str(), r.seq))
            .collect::<Vec<_>>(),
        [(1, "hs", 2), (2, "hs", 0)]
    );
    let s = store.support_session("s1").unwrap().unwrap();
    assert_eq!((s.frames, s.bytes, s.last_frame_at), (5, 5, 200));
    assert!(store
        .close_support_session("s1", "resolved", 300)
        .unwrap()
        .is_some());
    assert_eq!(
        put(&f(2, "a2e", "hs", 1, b"f")),
        FrameOutcome::Refused(FrameRefusal::Closed)
    );
}

pub fn waiting_sessions_are_the_queue_in_order<S: SupportStore>(store: &S) {
    let ids =
        |v: Vec<SupportSessionRecord>| v.into_iter().map(|s| s.session_id).collect::<Vec<String>>();
    assigned(store, "w0", "e0");
    for (id, e, at) in [("w1", "e1", 103), ("w2", "e2", 101), ("w3", "e3", 102)] {
        assert!(store.open_support_session(&session(id, e, at)).unwrap());
    }
    assert_eq!(ids(store.waiting_sessions().unwrap()), ["w2", "w3", "w1"]);
    // Offered still waits; closed does not; the order is live_sessions' own.
    assert!(store.offer_session("w3", "b", 9, 500).unwrap());
    assert!(store
        .close_support_session("w2", "abandoned", 200)
        .unwrap()
        .is_some());
    assert_eq!(ids(store.waiting_sessions().unwrap()), ["w3", "w1"]);
    let live: Vec<String> = store
        .live_sessions()
        .unwrap()
        .into_iter()
        .filter(|s| matches!(s.state, SessionState::Queued | SessionState::Offered))
        .map(|s| s.session_id)
        .collect();
    assert_eq!(live, ["w3", "w1"]);
    // A party's assigned sessions.
    let of = |m: SessionMember<'_>| ids(store.assigned_sessions_of(&m).unwrap());
    assert_eq!(of(SessionMember::Agent("a")), ["w0"]);
    assert!(
        of(SessionMember::Agent("b")).is_empty(),
        "offered is not assigned"
    );
    let employee = |device_id| SessionMember::Employee {
        employee_id: "e0",
        device_id,
    };
    assert_eq!(of(employee("dev-e0")), ["w0"]);
    assert!(of(employee("another device")).is_empty());
    assert!(store
        .close_support_session("w0", "resolved", 300)
        .unwrap()
        .is_some());
    assert!(of(SessionMember::Agent("a")).is_empty());
}

pub fn frame_heads_say_where_each_direction_ends<S: SupportStore>(store: &S) {
    let c = |leg, hs, tx| StoredCursor { leg, hs, tx };
    let heads = || store.frame_heads().unwrap();
    assert!(heads().is_empty());
    assigned(store, "h1", "e1");
    // Waiting sessions have no head.
    assert!(store
        .open_support_session(&session("h2", "e2", 100))
        .unwrap());
    let only = |e2a, a2e| {
        vec![FrameHead {
            session_id: "h1".into(),
            e2a,
            a2e,
        }]
    };
    assert_eq!(heads(), only(c(1, 0, 0), c(1, 0, 0)));
    let put = |leg, dir, kind, seq| {
        assert!(matches!(
            store
                .store_frame(&frame("h1", leg, dir, kind, seq, b"x"), 200, 99, 9_999)
                .unwrap(),
            FrameOutcome::Stored { .. }
        ));
    };
    put(1, "e2a", "hs", 0);
    assert_eq!(heads(), only(c(1, 1, 0), c(1, 0, 0)));
    put(1, "a2e", "hs", 1);
    put(1, "e2a", "hs", 2);
    put(1, "a2e", "tx", 1);
    put(1, "e2a", "tx", 1);
    put(1, "e2a", "tx", 2);
    assert_eq!(heads(), only(c(1, 3, 2), c(1, 2, 1)));
    assert_eq!(heads()[0].of("e2a"), c(1, 3, 2));
    assert_eq!(heads()[0].of("a2e"), c(1, 2, 1));
    // A new leg: only its frames count.
    put(2, "e2a", "hs", 0);
    assert_eq!(heads(), only(c(2, 1, 0), c(2, 0, 0)));
    assert!(store
        .close_support_session("h1", "resolved", 300)
        .unwrap()
        .is_some());
    assert!(heads().is_empty());
}

/// [`RACERS`] writers storing the frames of both directions of one session, each frame offered
/// by several of them: each direction's sequence ends dense (1..=N), each frame stored once.
pub fn racing_writers_keep_each_sequence_dense<S: SupportStore + Sync>(store: &S) {
    const N: u64 = 12;
    assigned(store, "fr", "fe");
    for (dir, seq, body) in [("e2a", 0, b"h0"), ("a2e", 1, b"h1"), ("e2a", 2, b"h2")] {
        assert!(matches!(
            store
                .store_frame(&frame("fr", 1, dir, "hs", seq, body), 150, 10_000, 1 << 20)
                .unwrap(),
            FrameOutcome::Stored { .. }
        ));
    }
    // Half the writers write e2a, half a2e; each goes 1..=N, moving on once its frame is in.
    let out = race(store, |s, i| {
        let dir = if i % 2 == 0 { "e2a" } else { "a2e" };
        let mut stored = Vec::new();
        for seq in 1..=N {
            let body = format!("{dir}-{seq}");
            match s
                .store_frame(
                    &frame("fr", 1, dir, "tx", seq, body.as_bytes()),
                    160,
                    10_000,
                    1 << 20,
                )
                .unwrap()
            {
                FrameOutcome::Stored { cursor, .. } => {
                    assert_eq!(cursor.tx, seq);
                    stored.push((dir, seq));
                }
                FrameOutcome::Duplicate { cursor } => assert!(cursor.tx >= seq),
                other => panic!("{dir} {seq}: {other:?}"),
            }
        }
        stored
    });
    let mut all: Vec<(&str, u64)> = out.into_iter().flatten().collect();
    all.sort_unstable();
    let want: Vec<(&str, u64)> = ["a2e", "e2a"]
        .into_iter()
        .flat_map(|d| (1..=N).map(move |q| (d, q)))
        .collect();
    assert_eq!(all, want, "each frame stored exactly once");
    for dir in ["e2a", "a2e"] {
        let seqs: Vec<u64> = store
            .frames_after(
                "fr",
                dir,
                StoredCursor {
                    leg: 1,
                    hs: 3,
                    tx: 0,
                },
            )
            .unwrap()
            .into_iter()
            .map(|f| {
                assert_eq!(f.body, format!("{dir}-{}", f.seq).into_bytes());
                f.seq
            })
            .collect();
        assert_eq!(seqs, (1..=N).collect::<Vec<_>>(), "{dir}");
    }
    let s = store.support_session("fr").unwrap().unwrap();
    assert_eq!(s.frames, 3 + 2 * N);
    // Racing writers of one frame with different bodies: one is stored, the others conflict.
    let out = race(store, |s, i| {
        let body = format!("racer-{i}");
        s.store_frame(
            &frame("fr", 1, "e2a", "tx", N + 1, body.as_bytes()),
            170,
            10_000,
            1 << 20,
        )
        .unwrap()
    });
    assert_eq!(
        out.iter()
            .filter(|o| matches!(o, FrameOutcome::Stored { .. }))
            .count(),
        1,
        "{out:?}"
    );
    assert_eq!(
        out.iter()
            .filter(|o| **o == FrameOutcome::Refused(FrameRefusal::Conflict))
            .count(),
        RACERS - 1
    );
}

/// Routes, queue order, requeues, calls, alerts (raised once under a race), presence,
/// transcripts, the audit recipient.
pub fn the_rest_round_trips<S: SupportStore + Sync>(store: &S) {
    assert_eq!(store.audit_recipient().unwrap(), None);
    store.set_audit_recipient(Some("age1x"), 10).unwrap();
    assert_eq!(store.audit_recipient().unwrap().as_deref(), Some("age1x"));
    store.set_audit_recipient(None, 11).unwrap();
    assert_eq!(store.audit_recipient().unwrap(), None);

    let r1 = store.add_route("billing", "HK", "en", "finance").unwrap();
    let r2 = store.add_route("*", "*", "zh-HK", "canto").unwrap();
    assert!(r2 > r1);
    let routes = store.routes().unwrap();
    assert_eq!(
        routes
            .iter()
            .map(|r| (r.id, r.team.as_str()))
            .collect::<Vec<_>>(),
        [(r1, "finance"), (r2, "canto")]
    );
    assert!(store.remove_route(r1).unwrap());
    assert!(!store.remove_route(r1).unwrap());
    assert_eq!(store.routes().unwrap().len(), 1);

    // Queue order: priority first, then arrival, then insertion.
    store
        .open_support_session(&session("q1", "qe1", 100))
        .unwrap();
    store
        .open_support_session(&session("q2", "qe2", 90))
        .unwrap();
    store
        .open_support_session(&session("q3", "qe3", 100))
        .unwrap();
    let live = |s: &S| {
        s.live_sessions()
            .unwrap()
            .into_iter()
            .map(|r| r.session_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(live(store), ["q2", "q1", "q3"]);
    assert_eq!(
        store.open_session_of("qe3").unwrap().unwrap().session_id,
        "q3"
    );
    assert!(store.open_session_of("nobody").unwrap().is_none());

    assert!(store.offer_session("q3", "a", 99, 500).unwrap());
    assert_eq!(
        store
            .claim_session("q3", "a", "va1.a", 2, 200, 400)
            .unwrap(),
        ClaimOutcome::Claimed
    );
    assert!(store.set_call("q3", "a", Some("call-1")).unwrap());
    assert!(!store.set_call("q3", "b", Some("call-2")).unwrap());
    assert_eq!(
        store
            .support_session("q3")
            .unwrap()
            .unwrap()
            .call_id
            .as_deref(),
        Some("call-1")
    );
    // Requeued at the head, to another team: the agent declined it; the wait restarts.
    assert!(!store.requeue_session("q3", "b", None, false, 300).unwrap());
    assert!(store
        .requeue_session("q3", "a", Some("canto"), true, 900)
        .unwrap());
    let q3 = store.support_session("q3").unwrap().unwrap();
    assert_eq!(
        (
            q3.state,
            q3.team.as_deref(),
            q3.priority,
            q3.wait_deadline,
            q3.call_id
        ),
        (SessionState::Queued, Some("canto"), 1, 900, None)
    );
    assert_eq!(store.declined_by("q3").unwrap(), ["a"]);
    assert_eq!(live(store), ["q3", "q2", "q1"]);

    // An alert is raised once, whoever races.
    let raised = race(store, |s, _| s.raise_alert("q1", "wait", 400).unwrap());
    assert_eq!(raised.iter().filter(|r| **r).count(), 1);
    assert!(store.raise_alert("q1", "first_response", 410).unwrap());
    assert!(store.raise_alert("q1", "bogus", 410).is_err());
    let alerts = store.alerts(10).unwrap();
    assert_eq!(
        alerts
            .iter()
            .map(|a| (a.session_id.as_str(), a.kind.as_str(), a.at))
            .collect::<Vec<_>>(),
        [("q1", "first_response", 410), ("q1", "wait", 400)]
    );
    assert_eq!(store.alerts(1).unwrap().len(), 1);
    let q1 = store.support_session("q1").unwrap().unwrap();
    assert!(q1.wait_alerted && q1.response_alerted);

    // Closed once; then it is no longer live, and the employee may open another.
    let closed = store
        .close_support_session("q2", "abandoned", 500)
        .unwrap()
        .unwrap();
    assert_eq!(
        (closed.state, closed.outcome.as_deref(), closed.closed_at),
        (SessionState::Closed, Some("abandoned"), Some(500))
    );
    assert!(store
        .close_support_session("q2", "resolved", 501)
        .unwrap()
        .is_none());
    assert!(store
        .open_support_session(&session("q2b", "qe2", 600))
        .unwrap());
    assert_eq!(
        store
            .recent_sessions(2)
            .unwrap()
            .into_iter()
            .map(|r| r.session_id)
            .collect::<Vec<_>>(),
        ["q2b", "q1"]
    );

    // Presence: online, heartbeats, a drop noticed once, idle.
    assert!(!store.heartbeat("a", 10).unwrap(), "unknown agent");
    store.set_presence("a", true, 100).unwrap();
    store.set_presence("b", false, 100).unwrap();
    assert!(store.heartbeat("a", 110).unwrap());
    assert!(!store.heartbeat("b", 110).unwrap(), "away");
    assert!(store.agent_dropped("a", 120).unwrap());
    assert!(!store.agent_dropped("a", 121).unwrap());
    store.set_idle("b", 130).unwrap();
    let p = store.presences().unwrap();
    assert_eq!(
        p.iter()
            .map(|p| (
                p.agent_id.as_str(),
                p.online,
                p.last_heartbeat,
                p.last_idle_at,
                p.dropped_at
            ))
            .collect::<Vec<_>>(),
        [
            ("a", false, 110, Some(100), Some(120)),
            ("b", false, 100, Some(130), None)
        ]
    );
    store.set_presence("a", true, 140).unwrap();
    let a = store.presences().unwrap().remove(0);
    assert_eq!(
        (a.online, a.last_heartbeat, a.last_idle_at, a.dropped_at),
        (true, 140, Some(100), None)
    );

    // A transcript is kept once per side.
    assert!(store.put_transcript("q1", "e2a", b"sealed", 700).unwrap());
    assert!(!store.put_transcript("q1", "e2a", b"other", 701).unwrap());
    assert_eq!(
        store.transcript("q1", "e2a").unwrap().as_deref(),
        Some(&b"sealed"[..])
    );
    assert!(store.transcript("q1", "a2e").unwrap().is_none());
}

/// The acknowledged cursor only moves forward; `read` reads it back from the store's table.
pub fn acks_only_move_forward<S: SupportStore>(
    store: &S,
    read: impl Fn(&S) -> Option<(u32, u32, u64)>,
) {
    assigned(store, "ak", "ake");
    let ack = |leg, hs, tx| {
        store
            .set_ack("ak", "a2e", StoredCursor { leg, hs, tx })
            .unwrap();
        read(store)
    };
    assert_eq!(ack(1, 2, 5), Some((1, 2, 5)));
    assert_eq!(ack(1, 3, 4), Some((1, 3, 5)), "tx never goes back");
    assert_eq!(ack(1, 1, 9), Some((1, 3, 9)), "hs never goes back");
    assert_eq!(ack(2, 0, 0), Some((2, 0, 0)), "a new leg starts afresh");
    assert_eq!(ack(1, 3, 99), Some((2, 0, 0)), "an older leg is ignored");
}
