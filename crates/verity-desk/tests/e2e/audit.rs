//! The anchored audit head.

use super::*;

fn hash_of(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn desk_anchor(fx: &Fx, device_id: &str) -> Option<verity_desk::store::AuditAnchorRecord> {
    fx.store().audit_anchor(device_id).unwrap()
}

#[test]
fn audit_heads_are_countersigned_kept_and_never_rolled_back() {
    let fx = Fx::new();
    let dev = Dev::enroll(&fx);
    let device_id = dev.state().device_id;
    let org_key = proto::parse_public_key(&dev.state().org.public_key, "org").unwrap();

    // A head is signed, sent, anchored by the desk and countersigned in the answer.
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), Some((3, &hash_of(3)))).unwrap();
    assert!(r.ok, "{r:?}");
    let a = r.audit_anchor.clone().expect("countersigned");
    assert_eq!(
        (a.seq, a.hash.as_str(), a.at),
        (3, hash_of(3).as_str(), START)
    );
    assert_eq!(a.device_id, device_id);
    assert_eq!(a.org_fingerprint, fx.fp());
    proto::verify_audit_anchor(
        &org_key,
        &device_id,
        &proto::AuditAnchor {
            seq: a.seq,
            hash: a.hash.clone(),
            at: a.at,
            signature: a.signature.clone(),
        },
    )
    .unwrap();
    let kept = desk_anchor(&fx, &device_id).unwrap();
    assert_eq!((kept.seq, kept.hash.as_str()), (3, hash_of(3).as_str()));

    // No head: nothing anchored, nothing changed.
    fx.clock.advance(30);
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), None).unwrap();
    assert!(r.audit_anchor.is_none() && r.audit_anchor_problem.is_none());

    // A later head replaces it; the same head again is countersigned again.
    for (seq, h) in [(5, 5), (5, 5)] {
        fx.clock.advance(30);
        let r =
            device::verify(&dev.ctx, &dev.code_now(&fx.clock), Some((seq, &hash_of(h)))).unwrap();
        assert_eq!(r.audit_anchor.map(|a| a.seq), Some(seq));
    }

    // The chain went back (a lower seq), or was rewritten at the same length: not countersigned,
    // the anchor kept is unchanged, the desk logs a warning.
    for (seq, h) in [(4, 4), (5, 9)] {
        fx.clock.advance(30);
        let r =
            device::verify(&dev.ctx, &dev.code_now(&fx.clock), Some((seq, &hash_of(h)))).unwrap();
        assert!(r.ok, "the checks still pass: {r:?}");
        assert!(r.audit_anchor.is_none(), "{r:?}");
        assert!(r
            .audit_anchor_problem
            .as_deref()
            .unwrap()
            .contains("did not countersign"));
        let kept = desk_anchor(&fx, &device_id).unwrap();
        assert_eq!((kept.seq, kept.hash.as_str()), (5, hash_of(5).as_str()));
    }
    let log = String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned();
    assert!(log.contains("audit head goes back behind the one anchored"));

    // A head signed by another key (or for another device), in a request the device key signed:
    // refused as a bad request before anything is written (the nonce is not spent either).
    let key = dev.key();
    let state = dev.state();
    let forger = proto::generate_signing_key().unwrap();
    for head in [
        proto::sign_audit_head(&forger, &device_id, 9, &hash_of(9)).unwrap(),
        proto::sign_audit_head(&key, &hash_of(1), 9, &hash_of(9)).unwrap(),
        proto::SignedHead {
            seq: 9,
            hash: "AB".repeat(32),
            signature: proto::sign_audit_head(&key, &device_id, 9, &hash_of(9))
                .unwrap()
                .signature,
        },
    ] {
        fx.clock.advance(30);
        let req = proto::VerifyRequest {
            totp: dev.code_now(&fx.clock),
            signals: dev.ctx.signals.clone(),
            audit_head: Some(head),
        };
        let r = dev.client().call::<_, proto::VerifyResponse>(
            paths::VERIFY,
            &req,
            &key,
            Some(&state.certificate),
            fx.clock.as_ref(),
        );
        assert_eq!(refused_code(r), codes::BAD_REQUEST);
        assert_eq!(desk_anchor(&fx, &device_id).unwrap().seq, 5);
    }

    // A binding refusal carries no anchor (nothing is kept for a revoked device).
    admin::revoke_device(&fx.at(), &device_id, "lost", fx.clock.as_ref()).unwrap();
    fx.clock.advance(30);
    let r = device::verify(&dev.ctx, &dev.code_now(&fx.clock), Some((6, &hash_of(6)))).unwrap();
    assert!(!r.device_binding.ok);
    assert!(r.audit_anchor.is_none() && r.audit_anchor_problem.is_none());
    assert_eq!(desk_anchor(&fx, &device_id).unwrap().seq, 5);
}
