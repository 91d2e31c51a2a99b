#![no_main]
//! Any bytes as a support session's decrypted message (what the peer's app sealed) and as an
//! uploaded transcript (what an auditor opens). A message is refused without a panic, or parsed
//! into one that encodes back to bytes that parse to the same message; a transcript never
//! verifies without the organisation's signatures on its certificates.
use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use verity_support::message::Inner;
use verity_support::Transcript;

fuzz_target!(|data: &[u8]| {
    if let Ok(inner) = Inner::decode(data) {
        let bytes = inner.encode().expect("a message that parsed encodes");
        assert_eq!(Inner::decode(&bytes).as_ref(), Ok(&inner));
    }
    if let Ok(t) = Transcript::from_cbor(data) {
        let org = SigningKey::from_bytes(&[9; 32]).verifying_key();
        assert!(t.verify(&org).is_err());
    }
});
