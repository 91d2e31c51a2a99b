#![no_main]
//! Any bytes as a signed checkpoint from the desk: refused without a panic (no fuzzer forges an
//! Ed25519 signature). Any text as a checkpoint body: parsing takes only the canonical form, so a
//! body that parses is written back byte for byte, and signed then opened gives it back.
use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use verity_oplog::{open_note, Checkpoint, NoteVerifier};

const ORIGIN: &str = "desk.example/oplog";

fuzz_target!(|data: &[u8]| {
    let key = SigningKey::from_bytes(&[7; 32]);
    let Ok(verifier) = NoteVerifier::new(ORIGIN, key.verifying_key()) else {
        return;
    };
    assert!(Checkpoint::open(data, ORIGIN, &verifier).is_err());
    let _ = open_note(data, std::slice::from_ref(&verifier));
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(checkpoint) = Checkpoint::parse_body(text) {
        assert_eq!(checkpoint.to_note_body().as_deref(), Ok(text));
        if let Ok(note) = checkpoint.sign(ORIGIN, &key) {
            let opened = Checkpoint::open(note.as_bytes(), &checkpoint.origin, &verifier);
            assert_eq!(opened.as_ref(), Ok(&checkpoint));
        }
    }
});
