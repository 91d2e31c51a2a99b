//! Known-answer tests (the values were computed with an independent implementation, Python's
//! hashlib/hmac; they are in docs/support-protocol.md, "Test vectors").

use verity_device::proto::Direction;

use crate::chain::{chain_next, chain_start, checkpoint_signing_input};
use crate::encode::hex;
use crate::sas::{commitment, derive_code, CodeInputs, SpokenCode};
use sha2::{Digest, Sha256};

const SID: &str = "0123456789abcdef0123456789abcdef";
const CALL: &str = "fedcba9876543210fedcba9876543210";

#[test]
fn the_spoken_code() {
    let inputs = |leg| CodeInputs {
        handshake_hash: &[0x11; 32],
        session_id: SID,
        leg,
        call_id: CALL,
        fp_employee: &[0x22; 32],
        fp_agent: &[0x33; 32],
        r_a: &[0x44; 32],
        r_e: &[0x55; 32],
    };
    assert_eq!(derive_code(&inputs(1)).to_string(), "876 168");
    assert_eq!(derive_code(&inputs(2)).to_string(), "453 104");
    // Swapping the two fingerprints changes the code (every field has its place).
    let swapped = CodeInputs {
        fp_employee: &[0x33; 32],
        fp_agent: &[0x22; 32],
        ..inputs(1)
    };
    assert_ne!(derive_code(&swapped), derive_code(&inputs(1)));
    assert_eq!(
        hex(&commitment(&[0x44; 32])),
        "27afc2ab8602dcd27a032e8c1c4934bac69f847ca146e544f8804d7e693da308"
    );
    assert_eq!(SpokenCode(7).to_string(), "000 007");
    assert_eq!(SpokenCode(999_999).to_string(), "999 999");
}

#[test]
fn the_chains_and_the_checkpoint_input() {
    let hh = [0x11; 32];
    let c0 = chain_start(SID, 1, Direction::E2a, &hh);
    assert_eq!(
        hex(&c0),
        "e369ddb538cfb2377d61cb6de270a038d92750806a498e83a7472e7c46c80488"
    );
    let c0a = chain_start(SID, 1, Direction::A2e, &hh);
    assert_eq!(
        hex(&c0a),
        "415900a363651c69c9028463f78bc5e83b93813ec8ddcc7bcb819292d0fc104a"
    );
    let c1 = chain_next(&c0, 1, b"hello");
    assert_eq!(
        hex(&c1),
        "f191947829fd38c6425c367907c960b3a86b443908a89bd974c9e5f3b9488cc0"
    );
    let input = checkpoint_signing_input(SID, 1, 1, &c1, 0, &c0a);
    assert_eq!(input.len(), 143);
    assert_eq!(
        hex(&Sha256::digest(&input)),
        "83442cd57e33896215475532939980acf771234bb1fe17a9767d01785064aaab"
    );
}

proptest::proptest! {
    /// Garbage never decodes as a message, and never panics the decoder.
    #[test]
    fn garbage_is_not_a_message(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
        let _ = crate::message::Inner::decode(&bytes);
        let _ = crate::transcript::Transcript::from_cbor(&bytes);
    }
}

#[test]
fn oversized_or_mistyped_messages_are_refused() {
    use crate::message::{Inner, Message};
    let m = |message| Inner {
        session_id: SID.into(),
        leg: 1,
        seq: 1,
        ts_ms: 0,
        prev: [0; 32],
        message,
    };
    let ok = m(Message::Text { text: "hi".into() }).encode().unwrap();
    assert_eq!(
        Inner::decode(&ok).unwrap(),
        m(Message::Text { text: "hi".into() })
    );
    assert!(Inner::decode(&vec![0; verity_device::proto::MAX_PLAINTEXT + 1]).is_err());
    assert!(m(Message::SasResult {
        call_id: "nope".into(),
        matched: true
    })
    .encode()
    .is_err());
    // A text body under another type's name.
    let swapped: Vec<u8> = {
        let mut v: ciborium::Value = ciborium::from_reader(ok.as_slice()).unwrap();
        if let ciborium::Value::Map(entries) = &mut v {
            for (k, val) in entries.iter_mut() {
                if k.as_text() == Some("type") {
                    *val = ciborium::Value::Text("sas_reply".into());
                }
            }
        }
        let mut out = Vec::new();
        ciborium::into_writer(&v, &mut out).unwrap();
        out
    };
    assert_eq!(
        Inner::decode(&swapped),
        Err("the body does not fit its type")
    );
}
