//! The sealed transcript: round trip, and the auditor catches tampering.

use ed25519_dalek::SigningKey;
use verity_device::proto::Direction;

use crate::error::{CertificateError, TranscriptError};
use crate::message::{Inner, Message};
use crate::session::{Incoming, Session};
use crate::testkit::{world, World, SID};
use crate::transcript::{audit_keygen, open_and_verify, Blob, Transcript};

fn deliver(to: &mut Session, f: &verity_device::proto::Frame) {
    assert!(matches!(to.receive(f).unwrap(), Incoming::New(_)));
}

/// A session with chat, a code comparison and a close, both final checkpoints exchanged.
fn finished(w: &World, leg: u32) -> (Session, Session) {
    let (mut e, mut a, _) = w.pair(leg);
    deliver(&mut a, &e.send_text("My account is locked", 1).unwrap());
    deliver(&mut e, &a.send_text("I will call you now.", 2).unwrap());
    let call = "00112233445566778899aabbccddeeff";
    deliver(&mut e, &a.start_call(call, [1; 32], 3).unwrap());
    deliver(&mut a, &e.reply(call, [2; 32], 4).unwrap());
    let (rv, _) = a.reveal(call, 5).unwrap();
    deliver(&mut e, &rv);
    deliver(&mut a, &e.report_match(call, true, 6).unwrap());
    deliver(&mut a, &e.checkpoint(&w.employee_key, 7).unwrap());
    deliver(&mut e, &a.checkpoint(&w.agent_key, 8).unwrap());
    deliver(&mut e, &a.close("Unlocked", 9).unwrap());
    deliver(&mut a, &e.checkpoint(&w.employee_key, 10).unwrap());
    deliver(&mut e, &a.checkpoint(&w.agent_key, 11).unwrap());
    (e, a)
}

fn transcript(w: &World, s: &Session) -> Transcript {
    Transcript::new(SID, &w.employee_cert, &w.agent_cert, vec![s.record()])
}

#[test]
fn sealed_opened_and_verified() {
    let w = world();
    let (e, a) = finished(&w, 1);
    assert_eq!(e.record(), a.record(), "both apps keep the same record");
    let (identity, recipient) = audit_keygen();
    assert!(recipient.starts_with("age1") && identity.starts_with("AGE-SECRET-KEY-1"));
    let sealed = transcript(&w, &e).seal(&recipient).unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1\n"), "binary age");
    let v = open_and_verify(&sealed, &identity, &w.org.verifying_key()).unwrap();
    assert_eq!(v.agent.agent.name, "Mei Lam");
    assert_eq!(v.employee.employee_id, "e-17");
    let leg = &v.legs[0];
    assert_eq!(leg.messages.len(), 11);
    assert_eq!((leg.covered_e2a, leg.covered_a2e), (4, 5));
    assert_eq!(leg.uncovered, 0);
    assert!(v.fully_signed());
    assert!(crate::transcript::check_audit_recipient(&recipient).is_ok());
    assert!(crate::transcript::check_audit_recipient(&identity).is_err());
    assert!(leg.messages.iter().any(|m| m.message
        == Message::Text {
            text: "My account is locked".into()
        }));
    // Another identity cannot open it; garbage is refused.
    let (other, _) = audit_keygen();
    assert!(matches!(
        open_and_verify(&sealed, &other, &w.org.verifying_key()),
        Err(TranscriptError::Open(_))
    ));
    assert!(matches!(
        open_and_verify(b"nonsense", &identity, &w.org.verifying_key()),
        Err(TranscriptError::Open(_))
    ));
    assert!(matches!(
        open_and_verify(&sealed, "AGE-SECRET-KEY-1XYZ", &w.org.verifying_key()),
        Err(TranscriptError::Key(_))
    ));
    assert!(matches!(
        transcript(&w, &e).seal("age1nope"),
        Err(TranscriptError::Key(_))
    ));
    // Another organisation's key.
    let other_org = SigningKey::from_bytes(&[9; 32]).verifying_key();
    assert!(matches!(
        open_and_verify(&sealed, &identity, &other_org),
        Err(TranscriptError::Certificate(
            _,
            CertificateError::OtherOrganisation
        ))
    ));
}

/// Re-encodes message `i` of `dir` with `edit` applied, keeping its `prev`.
fn edit(t: &mut Transcript, dir: Direction, i: usize, edit: impl FnOnce(&mut Inner)) {
    let list = match dir {
        Direction::E2a => &mut t.legs[0].e2a,
        Direction::A2e => &mut t.legs[0].a2e,
    };
    let mut inner = Inner::decode(&list[i].0).unwrap();
    edit(&mut inner);
    list[i] = Blob(inner.encode().unwrap());
}

fn tampered(t: &Transcript, w: &World) -> bool {
    matches!(
        t.verify(&w.org.verifying_key()),
        Err(TranscriptError::Tampered { leg: 1, .. })
    )
}

#[test]
fn an_altered_transcript_fails() {
    let w = world();
    let (e, _) = finished(&w, 1);
    let good = transcript(&w, &e);
    assert!(good.verify(&w.org.verifying_key()).is_ok());

    // The employee rewrites what the agent said.
    let mut t = good.clone();
    edit(&mut t, Direction::A2e, 0, |m| {
        m.message = Message::Text {
            text: "Tell me your password.".into(),
        };
    });
    assert!(tampered(&t, &w));
    // Or what it said itself, at the end of its chain.
    let mut t = good.clone();
    let last = t.legs[0].e2a.len() - 1;
    edit(&mut t, Direction::E2a, last, |m| m.ts_ms += 1);
    assert!(tampered(&t, &w));
    // A message dropped, or two swapped.
    let mut t = good.clone();
    t.legs[0].a2e.remove(1);
    assert!(tampered(&t, &w));
    let mut t = good.clone();
    t.legs[0].e2a.swap(0, 1);
    assert!(tampered(&t, &w));
    // A message added after the end is not covered by any signature: reported.
    let mut t = good.clone();
    let prev = e.head(Direction::E2a);
    let seq = t.legs[0].e2a.len() as u64 + 1;
    let extra = Inner {
        session_id: SID.into(),
        leg: 1,
        seq,
        ts_ms: 0,
        prev,
        message: Message::Text {
            text: "added later".into(),
        },
    };
    t.legs[0].e2a.push(Blob(extra.encode().unwrap()));
    let v = t.verify(&w.org.verifying_key()).unwrap();
    assert_eq!(v.legs[0].uncovered, 1);
    assert!(
        !v.legs[0]
            .messages
            .iter()
            .find(|m| m.seq == seq && m.dir == Direction::E2a)
            .unwrap()
            .covered
    );
    // The final checkpoints must be the parties' last ones.
    let mut t = good.clone();
    t.legs[0].checkpoints.agent = t.legs[0].checkpoints.employee.clone();
    assert!(tampered(&t, &w));
    // Another handshake hash: every chain starts elsewhere.
    let mut t = good.clone();
    t.legs[0].handshake_hash[0] ^= 1;
    assert!(tampered(&t, &w));
    // Certificates swapped.
    let mut t = good;
    std::mem::swap(&mut t.certificates.employee, &mut t.certificates.agent);
    assert!(matches!(
        t.verify(&w.org.verifying_key()),
        Err(TranscriptError::Certificate(
            "employee",
            CertificateError::WrongRole
        ))
    ));
}

#[test]
fn a_rekeyed_session_keeps_both_legs() {
    let w = world();
    let (mut e1, mut a1, _) = w.pair(1);
    deliver(&mut a1, &e1.send_text("before the restart", 1).unwrap());
    let leg1 = e1.record();
    let (e2, _) = finished(&w, 2);
    let t = Transcript::new(
        SID,
        &w.employee_cert,
        &w.agent_cert,
        vec![leg1, e2.record()],
    );
    let v = t.verify(&w.org.verifying_key()).unwrap();
    assert_eq!(v.legs.len(), 2);
    assert_eq!(v.legs[0].uncovered, 1, "leg 1 ended before any checkpoint");
    assert_eq!(v.legs[1].uncovered, 0);
    assert!(!v.fully_signed());
    let back = Transcript::from_cbor(&t.to_cbor().unwrap()).unwrap();
    assert_eq!(back, t);
    let swapped = Transcript::new(
        SID,
        &w.employee_cert,
        &w.agent_cert,
        vec![e2.record(), e1.record()],
    );
    assert!(matches!(
        swapped.verify(&w.org.verifying_key()),
        Err(TranscriptError::Malformed(_))
    ));
}
