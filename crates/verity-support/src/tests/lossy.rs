//! A lossy relay: frames dropped, duplicated, reordered, corrupted and truncated. With replays
//! from the relay's store on every gap (and a final `Join`), every message arrives exactly
//! once and in order; a damaged frame is refused with a typed error and never shown.

use proptest::prelude::*;
use verity_device::proto::{Direction, Frame};

use crate::error::SessionError;
use crate::message::Message;
use crate::session::{Incoming, Session};
use crate::testkit::world;

/// What the network does to one frame.
#[derive(Debug, Clone, Copy)]
enum Fate {
    Deliver,
    Drop,
    Duplicate,
    Corrupt(usize),
    Truncate(usize),
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        4 => Just(Fate::Deliver),
        1 => Just(Fate::Drop),
        1 => Just(Fate::Duplicate),
        1 => any::<usize>().prop_map(Fate::Corrupt),
        1 => any::<usize>().prop_map(Fate::Truncate),
    ]
}

struct Receiver {
    shown: Vec<Message>,
    refused: usize,
}

/// Feeds `f` (and the replays it causes) to `to`. `store` is the relay's truth for the
/// direction; `damaged` says whether this copy was altered on the way.
fn feed(to: &mut Session, rx: &mut Receiver, store: &[Frame], f: &Frame, damaged: bool) {
    match to.receive(f) {
        Ok(Incoming::New(r)) => {
            assert!(!damaged, "a damaged frame was shown");
            rx.shown.push(r.message);
        }
        Ok(Incoming::Duplicate) => assert!(!damaged, "a damaged frame passed as a duplicate"),
        Ok(Incoming::Gap { expected }) => replay(to, rx, store, expected),
        Err(SessionError::Decrypt | SessionError::Conflict { .. }) => {
            assert!(damaged, "an intact frame was refused");
            rx.refused += 1;
        }
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

/// The relay replays its stored frames from `expected` (a `Join` with the cursor).
fn replay(to: &mut Session, rx: &mut Receiver, store: &[Frame], expected: u64) {
    let from = usize::try_from(expected - 1).unwrap();
    for f in store.iter().skip(from) {
        match to.receive(f).unwrap() {
            Incoming::New(r) => rx.shown.push(r.message),
            other => panic!("a replay must continue the chain: {other:?}"),
        }
    }
}

fn damage(f: &Frame, fate: Fate) -> Option<Frame> {
    let mut g = f.clone();
    match fate {
        Fate::Corrupt(i) => {
            let i = i % g.body.len();
            g.body[i] ^= 0x5a;
        }
        Fate::Truncate(n) => g.body.truncate(n % g.body.len()),
        _ => return None,
    }
    Some(g)
}

/// Runs the script; returns how many damaged frames were refused.
fn run(script: &[(bool, Fate, usize)]) -> usize {
    let w = world();
    let (mut e, mut a, _) = w.pair(1);
    let (mut store_e2a, mut store_a2e) = (Vec::new(), Vec::new());
    let (mut sent_e2a, mut sent_a2e) = (Vec::new(), Vec::new());
    let mut rx_a = Receiver {
        shown: vec![],
        refused: 0,
    };
    let mut rx_e = Receiver {
        shown: vec![],
        refused: 0,
    };
    for (round, chunk) in script.chunks(12).enumerate() {
        // Both sides write (a checkpoint whenever one is due).
        let mut wire: Vec<(bool, Frame, Fate, usize)> = Vec::new();
        for (i, &(by_employee, fate, shift)) in chunk.iter().enumerate() {
            let (s, key, store, sent) = if by_employee {
                (&mut e, &w.employee_key, &mut store_e2a, &mut sent_e2a)
            } else {
                (&mut a, &w.agent_key, &mut store_a2e, &mut sent_a2e)
            };
            let text = format!("message {round}.{i}");
            let f = s.send_text(&text, 0).unwrap();
            sent.push(Message::Text { text });
            store.push(f.clone());
            wire.push((by_employee, f, fate, shift));
            if s.checkpoint_due() {
                let cp = s.checkpoint(key, 0).unwrap();
                sent.push(Message::Checkpoint(s.checkpoints().0.cloned().unwrap()));
                store.push(cp.clone());
                wire.push((by_employee, cp, Fate::Deliver, 0));
            }
        }
        // The network reorders: each frame moves `shift % 4` places later.
        for i in (0..wire.len()).rev() {
            let j = (i + wire[i].3 % 4).min(wire.len() - 1);
            let item = wire.remove(i);
            wire.insert(j, item);
        }
        for (by_employee, f, fate, _) in wire {
            let (to, rx, store) = if by_employee {
                (&mut a, &mut rx_a, &store_e2a)
            } else {
                (&mut e, &mut rx_e, &store_a2e)
            };
            match fate {
                Fate::Deliver => feed(to, rx, store, &f, false),
                Fate::Drop => {}
                Fate::Duplicate => {
                    feed(to, rx, store, &f, false);
                    feed(to, rx, store, &f, false);
                }
                Fate::Corrupt(_) | Fate::Truncate(_) => {
                    if let Some(g) = damage(&f, fate) {
                        feed(to, rx, store, &g, true);
                    }
                }
            }
        }
        // Reconnect: each side joins with its cursor and gets the rest.
        let next = a.received() + 1;
        replay(&mut a, &mut rx_a, &store_e2a, next);
        let next = e.received() + 1;
        replay(&mut e, &mut rx_e, &store_a2e, next);
    }
    assert_eq!(rx_a.shown, sent_e2a);
    assert_eq!(rx_e.shown, sent_a2e);
    assert_eq!(e.head(Direction::E2a), a.head(Direction::E2a));
    assert_eq!(e.head(Direction::A2e), a.head(Direction::A2e));
    rx_a.refused + rx_e.refused
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_message_arrives_once_and_in_order(
        script in prop::collection::vec((any::<bool>(), fate(), any::<usize>()), 1..130)
    ) {
        let damaged = script.iter().filter(|s| matches!(s.1, Fate::Corrupt(_) | Fate::Truncate(_))).count();
        prop_assert!(run(&script) <= damaged);
    }
}

#[test]
fn a_long_lossy_session_with_checkpoints() {
    let script: Vec<(bool, Fate, usize)> = (0..160)
        .map(|i| {
            let fate = match i % 7 {
                0 => Fate::Drop,
                1 => Fate::Corrupt(i * 13),
                2 => Fate::Duplicate,
                3 => Fate::Truncate(i),
                _ => Fate::Deliver,
            };
            (i % 3 != 0, fate, i)
        })
        .collect();
    // Some damaged copies arrive when they are the next expected frame: refused, not shown.
    assert!(run(&script) > 0);
}
