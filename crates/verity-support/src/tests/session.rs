//! The channel: order, duplicates, gaps, conflicts, corruption, bounds, checkpoints, the code.

use verity_device::proto::{Direction, Frame, FrameKind, MAX_MESSAGE_CHARS};

use crate::chain::Checkpoint;
use crate::error::SessionError;
use crate::message::Message;
use crate::session::{Incoming, Received, Session, CHECKPOINT_EVERY, MAX_SEQ};
use crate::testkit::world;

fn text(r: Incoming) -> String {
    match r {
        Incoming::New(Received {
            message: Message::Text { text },
            ..
        }) => text,
        other => panic!("not a text: {other:?}"),
    }
}

#[test]
fn messages_flow_both_ways_in_order() {
    let w = world();
    let (mut e, mut a, _) = w.pair(1);
    let f = e.send_text("My account is locked", 1).unwrap();
    assert_eq!((f.dir, f.kind, f.seq), (Direction::E2a, FrameKind::Tx, 1));
    assert_eq!(text(a.receive(&f).unwrap()), "My account is locked");
    let g = a.send_text("I can help.\nWhich device?", 2).unwrap();
    assert_eq!(text(e.receive(&g).unwrap()), "I can help.\nWhich device?");
    let f2 = e.send_text("The laptop", 3).unwrap();
    assert_eq!(f2.seq, 2);
    assert_eq!(text(a.receive(&f2).unwrap()), "The laptop");
    assert_eq!(
        (e.sent(), e.received(), a.sent(), a.received()),
        (2, 1, 1, 2)
    );
    assert_eq!(e.head(Direction::E2a), a.head(Direction::E2a));
    assert_eq!(e.head(Direction::A2e), a.head(Direction::A2e));
}

#[test]
fn duplicates_gaps_and_conflicts() {
    let w = world();
    let (mut e, mut a, hs) = w.pair(1);
    let f1 = e.send_text("one", 1).unwrap();
    let f2 = e.send_text("two", 2).unwrap();
    let f3 = e.send_text("three", 3).unwrap();
    assert_eq!(a.receive(&f3).unwrap(), Incoming::Gap { expected: 1 });
    assert_eq!(text(a.receive(&f1).unwrap()), "one");
    assert_eq!(a.receive(&f1).unwrap(), Incoming::Duplicate);
    assert_eq!(a.receive(&f3).unwrap(), Incoming::Gap { expected: 2 });
    assert_eq!(text(a.receive(&f2).unwrap()), "two");
    assert_eq!(text(a.receive(&f3).unwrap()), "three");
    // The same seq with other bytes: forged or out of sync.
    let mut forged = f2.clone();
    forged.body[0] ^= 1;
    assert_eq!(a.receive(&forged), Err(SessionError::Conflict { seq: 2 }));
    // Handshake frames replayed by the relay are duplicates; altered ones conflict.
    assert_eq!(a.receive(&hs[0]).unwrap(), Incoming::Duplicate);
    assert_eq!(a.receive(&hs[2]).unwrap(), Incoming::Duplicate);
    assert_eq!(e.receive(&hs[1]).unwrap(), Incoming::Duplicate);
    let mut bad = hs[2].clone();
    bad.body[40] ^= 1;
    assert_eq!(a.receive(&bad), Err(SessionError::Conflict { seq: 2 }));
    assert_eq!(a.received(), 3);
}

#[test]
fn corrupt_and_misrouted_frames_are_refused_and_change_nothing() {
    let w = world();
    let (mut e, mut a, _) = w.pair(1);
    let f = e.send_text("hello", 1).unwrap();
    let mut flipped = f.clone();
    let last = flipped.body.len() - 1;
    flipped.body[last] ^= 0x80;
    assert_eq!(a.receive(&flipped), Err(SessionError::Decrypt));
    let mut truncated = f.clone();
    truncated.body.truncate(10);
    assert_eq!(a.receive(&truncated), Err(SessionError::Decrypt));
    let other_session = Frame {
        session_id: "ffffffffffffffffffffffffffffffff".into(),
        ..f.clone()
    };
    assert_eq!(
        a.receive(&other_session),
        Err(SessionError::Misrouted("session"))
    );
    assert_eq!(
        a.receive(&Frame {
            leg: 2,
            ..f.clone()
        }),
        Err(SessionError::Misrouted("leg"))
    );
    assert_eq!(e.receive(&f), Err(SessionError::Misrouted("direction")));
    assert_eq!(
        a.receive(&Frame {
            seq: MAX_SEQ,
            ..f.clone()
        }),
        Err(SessionError::NonceOverflow)
    );
    assert_eq!(
        a.receive(&Frame {
            seq: 0,
            ..f.clone()
        }),
        Err(SessionError::Misrouted("seq 0"))
    );
    // Relabelled to the next seq: decrypts under another nonce, so it does not.
    let g = e.send_text("second", 2).unwrap();
    assert_eq!(a.received(), 0);
    assert_eq!(text(a.receive(&f).unwrap()), "hello");
    assert_eq!(
        a.receive(&Frame {
            seq: 2,
            ..f.clone()
        }),
        Err(SessionError::Decrypt)
    );
    assert_eq!(text(a.receive(&g).unwrap()), "second");
}

#[test]
fn text_bounds_are_kept_on_sending() {
    let w = world();
    let (mut e, _, _) = w.pair(1);
    assert!(e.send_text(&"字".repeat(MAX_MESSAGE_CHARS), 1).is_ok());
    for bad in [
        "字".repeat(MAX_MESSAGE_CHARS + 1),
        String::new(),
        "   ".into(),
        "bell\u{7}".into(),
        "cr\r\nlf".into(),
    ] {
        assert!(
            matches!(e.send_text(&bad, 1), Err(SessionError::Refused(_))),
            "{bad:?}"
        );
    }
    assert_eq!(e.sent(), 1);
}

fn deliver(to: &mut Session, f: &Frame) -> Received {
    match to.receive(f).unwrap() {
        Incoming::New(r) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn checkpoints_fall_due_are_verified_and_kept() {
    let w = world();
    let (mut e, mut a, _) = w.pair(1);
    for i in 0..CHECKPOINT_EVERY {
        assert!(!e.checkpoint_due());
        let f = if i % 2 == 0 {
            e.send_text("ping", u64::from(i)).unwrap()
        } else {
            let g = a.send_text("pong", u64::from(i)).unwrap();
            deliver(&mut e, &g);
            continue;
        };
        deliver(&mut a, &f);
    }
    assert!(e.checkpoint_due() && a.checkpoint_due());
    let cp = e.checkpoint(&w.employee_key, 99).unwrap();
    assert!(!e.checkpoint_due());
    let r = deliver(&mut a, &cp);
    assert!(matches!(r.message, Message::Checkpoint(_)));
    let cq = a.checkpoint(&w.agent_key, 100).unwrap();
    deliver(&mut e, &cq);
    let (own, peer) = e.checkpoints();
    let (a_own, a_peer) = a.checkpoints();
    assert_eq!(own, a_peer);
    assert_eq!(peer, a_own);
    assert_eq!(own.unwrap().e2a_seq, 25);
    assert_eq!(a_own.unwrap().e2a_seq, 26);
    // The wrong signer is refused before anything is sent.
    assert!(matches!(
        e.checkpoint(&w.agent_key, 101),
        Err(SessionError::Signer(_))
    ));
}

#[test]
fn a_checkpoint_that_disagrees_is_reported_and_recorded() {
    let w = world();
    let (mut e, mut a, _) = w.pair(1);
    let f = e.send_text("hello", 1).unwrap();
    deliver(&mut a, &f);
    let genuine = e.checkpoint(&w.employee_key, 2).unwrap();
    let Message::Checkpoint(cp) = deliver(&mut a, &genuine).message else {
        panic!("not a checkpoint")
    };
    // A checkpoint claiming a head the agent never sent.
    let bad = Checkpoint {
        a2e_seq: 0,
        a2e_head: [7; 32],
        e2a_seq: 2,
        e2a_head: e.head(Direction::E2a),
        sig: cp.sig.clone(),
    };
    let frame = e.seal(Message::Checkpoint(bad), 3).unwrap();
    assert!(matches!(
        a.receive(&frame),
        Err(SessionError::CheckpointMismatch(_))
    ));
    assert_eq!(a.received(), 3, "recorded as evidence");
    // A well-formed view with a signature that is not the employee's.
    let view = Checkpoint {
        e2a_seq: 3,
        e2a_head: e.head(Direction::E2a),
        a2e_seq: 0,
        a2e_head: a.head(Direction::A2e),
        sig: vec![0; 64],
    };
    let frame = e.seal(Message::Checkpoint(view), 4).unwrap();
    assert_eq!(
        a.receive(&frame),
        Err(SessionError::CheckpointMismatch(
            "the signature does not verify"
        ))
    );
}

const CALL: &str = "00112233445566778899aabbccddeeff";

#[test]
fn the_spoken_code_is_the_same_on_both_sides() {
    let w = world();
    let (mut e, mut a, _) = w.pair(1);
    let commit = a.start_call(CALL, [0xA1; 32], 1).unwrap();
    assert!(matches!(
        deliver(&mut e, &commit).message,
        Message::SasCommit { .. }
    ));
    let reply = e.reply(CALL, [0xE1; 32], 2).unwrap();
    deliver(&mut a, &reply);
    let (reveal, agent_code) = a.reveal(CALL, 3).unwrap();
    let r = deliver(&mut e, &reveal);
    assert_eq!(r.code, Some(agent_code));
    assert_eq!(e.code(CALL), Some(agent_code));
    let result = e.report_match(CALL, true, 4).unwrap();
    assert!(e.checkpoint_due());
    assert!(matches!(
        deliver(&mut a, &result).message,
        Message::SasResult { matched: true, .. }
    ));
    assert!(a.checkpoint_due());
    // One comparison per call.
    assert!(a.start_call(CALL, [0xA2; 32], 5).is_err());
    assert!(e.report_match(CALL, false, 5).is_err());
    assert!(e.reply(CALL, [0; 32], 5).is_err());
    // Roles.
    let other = "ffeeddccbbaa99887766554433221100";
    assert!(e.start_call(other, [1; 32], 6).is_err());
    assert!(a.reply(CALL, [1; 32], 6).is_err());
    // Another call, another code.
    let c2 = a.start_call(other, [0xA1; 32], 7).unwrap();
    deliver(&mut e, &c2);
    deliver(&mut a, &e.reply(other, [0xE1; 32], 8).unwrap());
    let (rv, code2) = a.reveal(other, 9).unwrap();
    assert_eq!(deliver(&mut e, &rv).code, Some(code2));
    assert_ne!(code2, agent_code);
}

#[test]
fn a_reveal_that_breaks_its_commitment_is_refused() {
    let w = world();
    let (mut e, mut a, _) = w.pair(1);
    deliver(&mut e, &a.start_call(CALL, [0xA1; 32], 1).unwrap());
    deliver(&mut a, &e.reply(CALL, [0xE1; 32], 2).unwrap());
    // The agent's app now reveals another value than it committed to.
    a.calls.get_mut(CALL).unwrap().r_a = Some([0xA2; 32]);
    let (reveal, _) = a.reveal(CALL, 3).unwrap();
    assert_eq!(
        e.receive(&reveal),
        Err(SessionError::SasCommitmentMismatch {
            call_id: CALL.into()
        })
    );
    assert_eq!(e.code(CALL), None);
    assert!(e.report_match(CALL, true, 4).is_err());
    assert_eq!(e.received(), 2, "recorded as evidence");
}

#[test]
fn out_of_turn_code_messages_are_refused() {
    let w = world();
    let (mut e, mut a, _) = w.pair(1);
    // A reveal before any commitment.
    let f = a
        .seal(
            Message::SasReveal {
                call_id: CALL.into(),
                r_a: [1; 32],
            },
            1,
        )
        .unwrap();
    assert!(matches!(e.receive(&f), Err(SessionError::Malformed(_))));
    // The employee never accepts a commitment from itself.
    let g = e
        .seal(
            Message::SasCommit {
                call_id: CALL.into(),
                commitment: [0; 32],
            },
            1,
        )
        .unwrap();
    assert!(matches!(a.receive(&g), Err(SessionError::Malformed(_))));
}

#[test]
fn close_ends_the_chat_and_asks_for_a_checkpoint() {
    let w = world();
    let (mut e, mut a, _) = w.pair(1);
    let c = a.close("Password reset done", 1).unwrap();
    assert!(a.is_closed() && a.checkpoint_due());
    assert!(a.send_text("more", 2).is_err());
    let r = deliver(&mut e, &c);
    assert_eq!(
        r.message,
        Message::Close {
            summary: "Password reset done".into()
        }
    );
    assert!(e.is_closed() && e.checkpoint_due());
    assert!(e.send_text("wait", 3).is_err());
    // The agent's final checkpoint is awaited by the employee (not by the agent: it closed).
    assert!(e.awaiting_peer_final() && !a.awaiting_peer_final());
    deliver(&mut a, &e.checkpoint(&w.employee_key, 4).unwrap());
    assert!(e.awaiting_peer_final());
    deliver(&mut e, &a.checkpoint(&w.agent_key, 5).unwrap());
    assert!(!e.awaiting_peer_final());
}

#[test]
fn closes_that_cross_are_both_taken() {
    let w = world();
    let (mut e, mut a, _) = w.pair(1);
    let late = e.send_text("one more thing", 1).unwrap();
    let ec = e.close("", 2).unwrap();
    let ac = a.close("Resolved", 2).unwrap();
    deliver(&mut a, &late);
    deliver(&mut a, &ec);
    deliver(&mut e, &ac);
    // Nothing but checkpoints after the peer's close.
    let after = a.seal(Message::Text { text: "x".into() }, 3).unwrap();
    assert!(matches!(e.receive(&after), Err(SessionError::Malformed(_))));
}

#[test]
fn sessions_can_move_between_threads() {
    fn send<T: Send>() {}
    send::<Session>();
    send::<crate::handshake::Initiator>();
    send::<crate::handshake::ResponderWaiting>();
}
