#![no_main]
//! Any bytes as what the desk and the apps send each other: a support frame (CBOR), a control
//! message (JSON), a drill outcome (JSON) and a signed drill lure (`vd1.`). Each is refused
//! without a panic, or parsed into a value that writes back to bytes that parse to the same
//! value; no lure verifies without the organisation's signature.
use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use verity_device::proto::drill::{DrillOutcome, LureBody};
use verity_device::proto::{Control, Frame};

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = Frame::from_cbor(data) {
        if let Ok(bytes) = frame.to_cbor() {
            assert_eq!(Frame::from_cbor(&bytes).as_ref(), Ok(&frame));
        }
    }
    if let Ok(control) = serde_json::from_slice::<Control>(data) {
        let text = serde_json::to_string(&control).expect("a control serialises");
        let again: Control = serde_json::from_str(&text).expect("what was written parses");
        assert_eq!(again, control);
    }
    if let Ok(outcome) = DrillOutcome::from_json(data, 1_800_000_000) {
        let bytes = serde_json::to_vec(&outcome).expect("an outcome serialises");
        assert_eq!(DrillOutcome::from_json(&bytes, 1_800_000_000).as_ref(), Ok(&outcome));
    }
    if let Ok(token) = std::str::from_utf8(data) {
        let org = SigningKey::from_bytes(&[9; 32]).verifying_key();
        assert!(LureBody::verify(token, &org, "d1").is_err());
    }
});
