//! The handshake: both sides agree, and every refusal the contract lists is made, with its own
//! error.

use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;
use snow::Builder;
use verity_device::proto::{AgentCertificate, Direction, Frame, FrameKind};

use crate::encode::Role;
use crate::error::{CertificateError, HandshakeError};
use crate::handshake::{static_signing_input, Initiator, Responder};
use crate::noise::tests::LOW_ORDER;
use crate::noise::{prologue, VerityResolver, NOISE_PARAMS};
use crate::testkit::{agent_cert, employee_cert, world, NOW, SID};

#[test]
fn both_sides_agree_and_see_each_other_verified() {
    let w = world();
    let (e, a, frames) = w.pair(1);
    assert_eq!(e.handshake_hash(), a.handshake_hash());
    assert_eq!(e.peer().agent().unwrap().agent.name, "Mei Lam");
    assert_eq!(a.peer().employee().unwrap().employee_id, "e-17");
    let card = AgentCertificate::verify(&w.agent_cert, &w.org.verifying_key(), None).unwrap();
    assert_eq!(e.peer().fingerprint(), card.fingerprint());
    assert_eq!(
        frames.iter().map(|f| (f.dir, f.seq)).collect::<Vec<_>>(),
        [
            (Direction::E2a, 0),
            (Direction::A2e, 1),
            (Direction::E2a, 2)
        ]
    );
    assert!(frames
        .iter()
        .all(|f| f.kind == FrameKind::Hs && f.to_cbor().is_ok()));
    // A fresh static key per leg: another leg, another channel.
    let (e2, _, _) = w.pair(2);
    assert_ne!(e2.handshake_hash(), e.handshake_hash());
}

#[derive(Serialize)]
struct RoguePayload {
    certificate: String,
    #[serde(with = "crate::bytes")]
    sig: Vec<u8>,
}

/// A responder that answers `f0` with whatever payload it likes.
fn rogue_answer(f0: &Frame, payload: impl FnOnce(&[u8]) -> Vec<u8>) -> Frame {
    let keys = Builder::with_resolver(
        NOISE_PARAMS.parse().unwrap(),
        Box::new(VerityResolver::new([5; 32])),
    )
    .generate_keypair()
    .unwrap();
    let mut hs = Builder::with_resolver(
        NOISE_PARAMS.parse().unwrap(),
        Box::new(VerityResolver::new([6; 32])),
    )
    .prologue(&prologue(SID, 1))
    .unwrap()
    .local_private_key(&keys.private)
    .unwrap()
    .build_responder()
    .unwrap();
    let mut buf = vec![0; 65535];
    hs.read_message(&f0.body, &mut buf).unwrap();
    let p = payload(&keys.public);
    let n = hs.write_message(&p, &mut buf).unwrap();
    Frame {
        dir: Direction::A2e,
        seq: 1,
        body: buf[..n].to_vec(),
        ..f0.clone()
    }
}

fn cbor(certificate: &str, key: &SigningKey, signed: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(
        &RoguePayload {
            certificate: certificate.into(),
            sig: key.sign(signed).to_bytes().to_vec(),
        },
        &mut out,
    )
    .unwrap();
    out
}

fn employee_sees(f1_payload: impl FnOnce(&[u8]) -> Vec<u8>) -> HandshakeError {
    let w = world();
    let (ini, f0) = Initiator::start(w.cfg(&w.employee_cert, 1), &w.employee_key, [7; 32]).unwrap();
    let f1 = rogue_answer(&f0, f1_payload);
    ini.read_response(&f1, NOW).unwrap_err()
}

#[test]
fn an_honest_rogue_payload_passes_so_the_refusals_below_are_real() {
    let w = world();
    let (ini, f0) = Initiator::start(w.cfg(&w.employee_cert, 1), &w.employee_key, [7; 32]).unwrap();
    let f1 = rogue_answer(&f0, |pubkey| {
        cbor(
            &w.agent_cert,
            &w.agent_key,
            &static_signing_input(SID, 1, Role::Agent, pubkey),
        )
    });
    assert!(ini.read_response(&f1, NOW).is_ok());
}

#[test]
fn the_employee_refuses_a_certificate_of_the_wrong_role() {
    let w = world();
    let err = employee_sees(|pubkey| {
        // An employee's binding certificate, validly signed, where the agent's belongs.
        cbor(
            &w.employee_cert,
            &w.employee_key,
            &static_signing_input(SID, 1, Role::Agent, pubkey),
        )
    });
    assert_eq!(
        err,
        HandshakeError::Certificate(CertificateError::WrongRole)
    );
}

#[test]
fn the_employee_refuses_another_organisations_agent() {
    let w = world();
    let other_org = SigningKey::from_bytes(&[9; 32]);
    let foreign = agent_cert(&other_org, &w.agent_key, NOW + 1000);
    let err = employee_sees(|pubkey| {
        cbor(
            &foreign,
            &w.agent_key,
            &static_signing_input(SID, 1, Role::Agent, pubkey),
        )
    });
    assert_eq!(
        err,
        HandshakeError::Certificate(CertificateError::OtherOrganisation)
    );
}

#[test]
fn the_employee_refuses_a_signature_over_another_static_key_or_by_another_key() {
    let w = world();
    let err = employee_sees(|_| {
        cbor(
            &w.agent_cert,
            &w.agent_key,
            &static_signing_input(SID, 1, Role::Agent, &[9; 32]),
        )
    });
    assert_eq!(err, HandshakeError::StaticSignature);
    let err = employee_sees(|pubkey| {
        cbor(
            &w.agent_cert,
            &w.employee_key,
            &static_signing_input(SID, 1, Role::Agent, pubkey),
        )
    });
    assert_eq!(err, HandshakeError::StaticSignature);
    // Signed for the employee's role, or another leg: not the binding the employee checks.
    let err = employee_sees(|pubkey| {
        cbor(
            &w.agent_cert,
            &w.agent_key,
            &static_signing_input(SID, 1, Role::Employee, pubkey),
        )
    });
    assert_eq!(err, HandshakeError::StaticSignature);
    let err = employee_sees(|pubkey| {
        cbor(
            &w.agent_cert,
            &w.agent_key,
            &static_signing_input(SID, 2, Role::Agent, pubkey),
        )
    });
    assert_eq!(err, HandshakeError::StaticSignature);
}

#[test]
fn garbage_and_oversized_payloads_are_refused() {
    assert!(matches!(
        employee_sees(|_| b"junk".to_vec()),
        HandshakeError::Payload(_)
    ));
    assert!(matches!(
        employee_sees(|_| vec![0x61; 9000]),
        HandshakeError::Payload("larger than 8 KiB")
    ));
}

#[test]
fn expired_certificates_are_refused_on_both_sides() {
    let w = world();
    let (ini, f0) = Initiator::start(w.cfg(&w.employee_cert, 1), &w.employee_key, [7; 32]).unwrap();
    let resp = Responder::new(w.cfg(&w.agent_cert, 1), &w.agent_key, [8; 32]).unwrap();
    let (_, f1) = resp.read_hello(&f0).unwrap();
    assert_eq!(
        ini.read_response(&f1, NOW + 5000).unwrap_err(),
        HandshakeError::Certificate(CertificateError::Expired)
    );
    // The agent's view of an expired employee.
    let old = employee_cert(&w.org, &w.employee_key, NOW + 10);
    let (ini, f0) = Initiator::start(w.cfg(&old, 1), &w.employee_key, [7; 32]).unwrap();
    let resp = Responder::new(w.cfg(&w.agent_cert, 1), &w.agent_key, [8; 32]).unwrap();
    let (wait, f1) = resp.read_hello(&f0).unwrap();
    let (_, f2) = ini.read_response(&f1, NOW).unwrap();
    assert_eq!(
        wait.read_final(&f2, NOW + 20).unwrap_err(),
        HandshakeError::Certificate(CertificateError::Expired)
    );
}

#[test]
fn low_order_keys_are_refused_on_both_sides() {
    let w = world();
    for point in LOW_ORDER {
        // The employee's ephemeral key replaced: the agent's `ee` is all zero.
        let (_, mut f0) =
            Initiator::start(w.cfg(&w.employee_cert, 1), &w.employee_key, [7; 32]).unwrap();
        f0.body[..32].copy_from_slice(&point);
        let resp = Responder::new(w.cfg(&w.agent_cert, 1), &w.agent_key, [8; 32]).unwrap();
        assert_eq!(
            resp.read_hello(&f0).unwrap_err(),
            HandshakeError::LowOrderKey
        );
        // The agent's ephemeral key replaced: the employee's `ee` is all zero.
        let (ini, f0) =
            Initiator::start(w.cfg(&w.employee_cert, 1), &w.employee_key, [7; 32]).unwrap();
        let resp = Responder::new(w.cfg(&w.agent_cert, 1), &w.agent_key, [8; 32]).unwrap();
        let (_, mut f1) = resp.read_hello(&f0).unwrap();
        f1.body[..32].copy_from_slice(&point);
        assert_eq!(
            ini.read_response(&f1, NOW).unwrap_err(),
            HandshakeError::LowOrderKey
        );
    }
}

#[test]
fn frames_of_another_session_leg_or_step_are_refused() {
    let w = world();
    let (ini, f0) = Initiator::start(w.cfg(&w.employee_cert, 1), &w.employee_key, [7; 32]).unwrap();
    // A responder of another leg: the prologues differ, the Noise messages do not decrypt.
    let resp = Responder::new(w.cfg(&w.agent_cert, 1), &w.agent_key, [8; 32]).unwrap();
    let relabelled = Frame {
        leg: 2,
        ..f0.clone()
    };
    assert!(matches!(
        resp.read_hello(&relabelled).unwrap_err(),
        HandshakeError::Unexpected("leg")
    ));
    let other = Responder::new(w.cfg(&w.agent_cert, 2), &w.agent_key, [8; 32]).unwrap();
    let (_, f1_other_leg) = other
        .read_hello(&Frame {
            leg: 2,
            ..f0.clone()
        })
        .unwrap();
    let f1 = Frame {
        leg: 1,
        ..f1_other_leg
    };
    assert_eq!(
        ini.read_response(&f1, NOW).unwrap_err(),
        HandshakeError::Corrupt
    );
    // Our own certificate must be of our role and signed by our key.
    assert!(matches!(
        Initiator::start(w.cfg(&w.agent_cert, 1), &w.agent_key, [7; 32]).unwrap_err(),
        HandshakeError::Setup(_)
    ));
    assert!(matches!(
        Initiator::start(w.cfg(&w.employee_cert, 1), &w.agent_key, [7; 32]).unwrap_err(),
        HandshakeError::Setup(_)
    ));
}
