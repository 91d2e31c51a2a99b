//! The WebAuthn Level 3 specification's own test vector, §16.2 "ES256 Credential with No
//! Attestation" (RP ID `example.org`, origin `https://example.org`): bytes made by another
//! implementation, so these tests check this crate against something other than itself (the
//! software authenticator in tests/ceremonies.rs was written alongside it).
//!
//! The vector has UP but not UV, so the full ceremonies end at the UV check (having passed
//! client data, challenge, origin and RP ID hash); the attested credential data, the COSE key and
//! the assertion signature are checked through the internal functions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use serde_json::json;

use super::*;
use crate::authdata::PublicKey;

const REG_CHALLENGE: &str = "00c30fb78531c464d2b6771dab8d7b603c01162f2fa486bea70f283ae556e130";
const REG_CLIENT_DATA: &str = concat!(
    "7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765",
    "223a22414d4d507434557878475453746e63647134313759447742466938767049612d70",
    "77386f4f755657345441222c226f726967696e223a2268747470733a2f2f6578616d706c",
    "652e6f7267222c2263726f73734f726967696e223a66616c73652c226578747261446174",
    "61223a22636c69656e74446174614a534f4e206d617920626520657874656e6465642077",
    "697468206164646974696f6e616c206669656c647320696e20746865206675747572652c",
    "207375636820617320746869733a20426b5165446a646354427258426941774a544c4535",
    "51227d",
);
const REG_ATTESTATION_OBJECT: &str = concat!(
    "a363666d74646e6f6e656761747453746d74a068617574684461746158a4bfabc3743295",
    "8b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b559000000008446ccb9ab",
    "1db374750b2367ff6f3a1f0020f91f391db4c9b2fde0ea70189cba3fb63f579ba6122b33",
    "ad94ff3ec330084be4a5010203262001215820afefa16f97ca9b2d23eb86ccb64098d20d",
    "b90856062eb249c33a9b672f26df61225820930a56b87a2fca66334b03458abf879717c1",
    "2cc68ed73290af2e2664796b9220",
);
const AAGUID: &str = "8446ccb9ab1db374750b2367ff6f3a1f";
const CREDENTIAL_ID: &str = "f91f391db4c9b2fde0ea70189cba3fb63f579ba6122b33ad94ff3ec330084be4";
const ASSERT_CHALLENGE: &str = "39c0e7521417ba54d43e8dc95174f423dee9bf3cd804ff6d65c857c9abf4d408";
const ASSERT_AUTH_DATA: &str =
    "bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b51900000000";
const ASSERT_CLIENT_DATA: &str = concat!(
    "7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a22",
    "4f63446e55685158756c5455506f334a5558543049393770767a7a59425039745a636858",
    "79617630314167222c226f726967696e223a2268747470733a2f2f6578616d706c652e6f",
    "7267222c2263726f73734f726967696e223a66616c73657d",
);
const ASSERT_SIGNATURE: &str = concat!(
    "3046022100f50a4e2e4409249c4a853ba361282f09841df4dd4547a13a87780218deffcd",
    "380221008480ac0f0b93538174f575bf11a1dd5d78c6e486013f937295ea13653e331e87",
);
const NOW: u64 = 1_800_000_000;

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn challenge(text: &str) -> [u8; CHALLENGE_LEN] {
    hex(text).try_into().unwrap()
}

fn example_org() -> RelyingParty {
    RelyingParty::new(&Url::parse("https://example.org").unwrap()).unwrap()
}

/// The credential the vector registers, as the desk would have stored it.
fn vector_credential() -> StoredCredential {
    let attestation_object = hex(REG_ATTESTATION_OBJECT);
    let (fmt, att_stmt, auth_data) = parse_attestation_object(&attestation_object).unwrap();
    assert_eq!((fmt.as_str(), att_stmt.len()), ("none", 0));
    let auth_data = AuthenticatorData::parse(&auth_data).unwrap();
    let attested = auth_data.attested.unwrap();
    assert_eq!(attested.aaguid.to_vec(), hex(AAGUID));
    assert_eq!(attested.id, hex(CREDENTIAL_ID));
    assert_eq!(attested.public_key.alg(), ALG_ES256);
    StoredCredential {
        id: CredentialId::new(attested.id).unwrap(),
        user_handle: vec![7; 16],
        public_key: attested.public_key,
        sign_count: 0,
        backup_eligible: true,
        backed_up: true,
        discoverable: None,
        aaguid: attested.aaguid,
    }
}

#[test]
fn the_specification_registration_parses_and_stops_only_at_user_verification() {
    let rp = example_org();
    let state = RegistrationState {
        challenge: challenge(REG_CHALLENGE),
        user_handle: vec![7; 16],
        exclude: vec![],
        started_at: NOW,
    };
    let id = B64.encode(hex(CREDENTIAL_ID));
    let response = serde_json::to_vec(&json!({
        "id": id, "rawId": id, "type": "public-key",
        "response": {
            "clientDataJSON": B64.encode(hex(REG_CLIENT_DATA)),
            "attestationObject": B64.encode(hex(REG_ATTESTATION_OBJECT)),
        },
        "clientExtensionResults": {},
    }))
    .unwrap();
    assert_eq!(
        rp.finish_registration(state, &response, NOW),
        Err(PasskeyError::UserNotVerified)
    );
    vector_credential();
}

#[test]
fn the_specification_assertion_signature_verifies() {
    let stored = vector_credential();
    let mut signed = hex(ASSERT_AUTH_DATA);
    signed.extend_from_slice(&Sha256::digest(hex(ASSERT_CLIENT_DATA)));
    let signature = hex(ASSERT_SIGNATURE);
    assert_eq!(stored.public_key.verify(&signed, &signature), Ok(()));
    let mut tampered = signed.clone();
    tampered[32] ^= UV_BIT;
    assert_eq!(
        stored.public_key.verify(&tampered, &signature),
        Err(PasskeyError::BadSignature)
    );
    // And it reads back from the desk's encoding as the same key.
    let again = StoredCredential::from_bytes(&stored.to_bytes()).unwrap();
    assert!(matches!(again.public_key, PublicKey::Es256(_)));
    assert_eq!(again.public_key.verify(&signed, &signature), Ok(()));

    // The whole ceremony passes client data and RP ID hash, and stops at the missing UV.
    let rp = example_org();
    let state = AuthenticationState {
        challenge: challenge(ASSERT_CHALLENGE),
        allow: Some(vec![stored.id.clone()]),
        started_at: NOW,
    };
    let id = B64.encode(hex(CREDENTIAL_ID));
    let response = serde_json::to_vec(&json!({
        "id": id, "rawId": id, "type": "public-key",
        "response": {
            "clientDataJSON": B64.encode(hex(ASSERT_CLIENT_DATA)),
            "authenticatorData": B64.encode(hex(ASSERT_AUTH_DATA)),
            "signature": B64.encode(&signature),
            "userHandle": null,
        },
        "clientExtensionResults": {},
    }))
    .unwrap();
    assert_eq!(
        rp.finish_authentication(state, &response, |_| Some(stored.clone()), NOW),
        Err(PasskeyError::UserNotVerified)
    );
}

const UV_BIT: u8 = 0x04;
