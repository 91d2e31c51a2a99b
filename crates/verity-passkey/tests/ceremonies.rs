//! Both ceremonies end to end against a software authenticator written here: real P-256 and
//! Ed25519 keys, real CBOR attestation objects and signed assertions, in the JSON shape of
//! Chromium's `PublicKeyCredential.toJSON()`. Every refusal test starts from a response that
//! the good-path tests accept and changes one thing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use ciborium::Value as Cbor;
use ed25519_dalek::Signer as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use url::Url;
use verity_passkey::{
    Authenticated, CredentialId, PasskeyError, RelyingParty, StoredCredential,
    CEREMONY_TIMEOUT_SECS, MAX_RESPONSE_LEN,
};

const ORIGIN: &str = "https://desk.example";
const RP_ID: &str = "desk.example";
const NOW: u64 = 1_800_000_000;
const UP: u8 = 0x01;
const UV: u8 = 0x04;
const BE: u8 = 0x08;
const BS: u8 = 0x10;
const AT: u8 = 0x40;
const ED: u8 = 0x80;
const HANDLE: [u8; 16] = *b"user-handle-0001";

fn rp() -> RelyingParty {
    RelyingParty::new(&Url::parse(ORIGIN).unwrap()).unwrap()
}

enum Key {
    P256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

/// What a test changes in an otherwise correct response.
#[derive(Clone)]
struct Opts {
    origin: String,
    rp_id: String,
    client_type: Option<&'static str>,
    challenge: Option<String>,
    flags: u8,
    counter: u32,
    fmt: &'static str,
    cross_origin: bool,
    /// Bytes appended after the authenticator data's fixed part and credential (extensions).
    extensions: Option<Vec<u8>>,
}

impl Default for Opts {
    fn default() -> Self {
        Self {
            origin: ORIGIN.to_owned(),
            rp_id: RP_ID.to_owned(),
            client_type: None,
            challenge: None,
            flags: UP | UV,
            counter: 0,
            fmt: "none",
            cross_origin: false,
            extensions: None,
        }
    }
}

/// A software authenticator holding one credential.
struct SoftKey {
    key: Key,
    id: Vec<u8>,
}

impl SoftKey {
    fn p256(seed: u8) -> Self {
        let key = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
        Self {
            key: Key::P256(key),
            id: vec![seed; 20],
        }
    }

    fn ed25519(seed: u8) -> Self {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        Self {
            key: Key::Ed25519(key),
            id: vec![seed; 32],
        }
    }

    fn credential_id(&self) -> CredentialId {
        CredentialId::new(self.id.clone()).unwrap()
    }

    fn cose_key(&self) -> Vec<u8> {
        let int = |n: i64| Cbor::Integer(n.into());
        let map = match &self.key {
            Key::P256(key) => {
                let point = key.verifying_key().to_encoded_point(false);
                vec![
                    (int(1), int(2)),
                    (int(3), int(-7)),
                    (int(-1), int(1)),
                    (int(-2), Cbor::Bytes(point.x().unwrap().to_vec())),
                    (int(-3), Cbor::Bytes(point.y().unwrap().to_vec())),
                ]
            }
            Key::Ed25519(key) => vec![
                (int(1), int(1)),
                (int(3), int(-8)),
                (int(-1), int(6)),
                (
                    int(-2),
                    Cbor::Bytes(key.verifying_key().to_bytes().to_vec()),
                ),
            ],
        };
        cbor(&Cbor::Map(map))
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.key {
            Key::P256(key) => {
                let signature: p256::ecdsa::Signature =
                    p256::ecdsa::signature::Signer::sign(key, message);
                signature.to_der().as_bytes().to_vec()
            }
            Key::Ed25519(key) => key.sign(message).to_bytes().to_vec(),
        }
    }

    fn client_data(&self, default_type: &str, options: &Value, opts: &Opts) -> Vec<u8> {
        let challenge = opts
            .challenge
            .clone()
            .unwrap_or_else(|| options["challenge"].as_str().unwrap().to_owned());
        serde_json::to_vec(&json!({
            "type": opts.client_type.unwrap_or(default_type),
            "challenge": challenge,
            "origin": opts.origin,
            "crossOrigin": opts.cross_origin,
        }))
        .unwrap()
    }

    fn auth_data_head(&self, flags: u8, opts: &Opts) -> Vec<u8> {
        let mut data = Sha256::digest(opts.rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&opts.counter.to_be_bytes());
        data
    }

    /// The registration authenticator data: head, AAGUID, credential ID, COSE key.
    fn registration_auth_data(&self, opts: &Opts, cose_key: &[u8]) -> Vec<u8> {
        let mut data = self.auth_data_head(opts.flags | AT, opts);
        data.extend_from_slice(&[0u8; 16]);
        data.extend_from_slice(&u16::try_from(self.id.len()).unwrap().to_be_bytes());
        data.extend_from_slice(&self.id);
        data.extend_from_slice(cose_key);
        data.extend_from_slice(opts.extensions.as_deref().unwrap_or_default());
        data
    }

    fn register_with(&self, options: &Value, opts: &Opts, cose_key: &[u8]) -> Vec<u8> {
        let client_data = self.client_data("webauthn.create", options, opts);
        let auth_data = self.registration_auth_data(opts, cose_key);
        let att_stmt = match opts.fmt {
            "packed" => {
                let mut signed = auth_data.clone();
                signed.extend_from_slice(&Sha256::digest(&client_data));
                let alg = match self.key {
                    Key::P256(_) => -7,
                    Key::Ed25519(_) => -8,
                };
                vec![
                    (Cbor::Text("alg".into()), Cbor::Integer(alg.into())),
                    (Cbor::Text("sig".into()), Cbor::Bytes(self.sign(&signed))),
                ]
            }
            _ => vec![],
        };
        let attestation_object = cbor(&Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text(opts.fmt.into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(att_stmt)),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]));
        registration_json(&self.id, &client_data, &attestation_object)
    }

    fn register(&self, options: &Value, opts: &Opts) -> Vec<u8> {
        self.register_with(options, opts, &self.cose_key())
    }

    fn assert(&self, options: &Value, user_handle: Option<&[u8]>, opts: &Opts) -> Vec<u8> {
        let client_data = self.client_data("webauthn.get", options, opts);
        let mut auth_data = self.auth_data_head(opts.flags, opts);
        auth_data.extend_from_slice(opts.extensions.as_deref().unwrap_or_default());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature = self.sign(&signed);
        assertion_json(&self.id, &client_data, &auth_data, &signature, user_handle)
    }
}

fn cbor(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).unwrap();
    out
}

fn registration_json(id: &[u8], client_data: &[u8], attestation_object: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": B64.encode(id),
        "rawId": B64.encode(id),
        "type": "public-key",
        "response": {
            "clientDataJSON": B64.encode(client_data),
            "attestationObject": B64.encode(attestation_object),
            "transports": ["internal", "hybrid"],
            "publicKeyAlgorithm": -7,
        },
        "clientExtensionResults": {"credProps": {"rk": true}},
        "authenticatorAttachment": "platform",
    }))
    .unwrap()
}

fn assertion_json(
    id: &[u8],
    client_data: &[u8],
    auth_data: &[u8],
    signature: &[u8],
    user_handle: Option<&[u8]>,
) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": B64.encode(id),
        "rawId": B64.encode(id),
        "type": "public-key",
        "response": {
            "clientDataJSON": B64.encode(client_data),
            "authenticatorData": B64.encode(auth_data),
            "signature": B64.encode(signature),
            "userHandle": user_handle.map(|h| B64.encode(h)),
        },
        "clientExtensionResults": {},
        "authenticatorAttachment": "cross-platform",
    }))
    .unwrap()
}

/// Registers `key` for HANDLE with a correct response.
fn registered(rp: &RelyingParty, key: &SoftKey) -> StoredCredential {
    let (state, options) = rp
        .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
        .unwrap();
    rp.finish_registration(state, &key.register(&options, &Opts::default()), NOW + 1)
        .unwrap()
}

fn register_err(key: &SoftKey, opts: &Opts) -> PasskeyError {
    let rp = rp();
    let (state, options) = rp
        .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
        .unwrap();
    rp.finish_registration(state, &key.register(&options, opts), NOW + 1)
        .unwrap_err()
}

/// Signs in with `key` (registered as `stored`) in a ceremony restricted to it.
fn sign_in(
    stored: &StoredCredential,
    key: &SoftKey,
    user_handle: Option<&[u8]>,
    opts: &Opts,
) -> Result<Authenticated, PasskeyError> {
    let rp = rp();
    let allow = [stored.id().clone()];
    let (state, options) = rp.start_authentication(Some(&allow), NOW).unwrap();
    let response = key.assert(&options, user_handle, opts);
    rp.finish_authentication(
        state,
        &response,
        |id| (id == stored.id()).then(|| stored.clone()),
        NOW + 1,
    )
}

#[test]
fn registration_and_sign_in_with_p256() {
    let rp = rp();
    let key = SoftKey::p256(1);
    let (state, options) = rp
        .start_registration(
            &HANDLE,
            "ana",
            "Ana Admin",
            &[SoftKey::p256(9).credential_id()],
            NOW,
        )
        .unwrap();
    // The options are what parseCreationOptionsFromJSON expects.
    assert_eq!(options["rp"], json!({"id": RP_ID, "name": "Verity"}));
    assert_eq!(options["user"]["id"], B64.encode(HANDLE));
    assert_eq!(options["user"]["name"], "ana");
    assert_eq!(options["user"]["displayName"], "Ana Admin");
    assert_eq!(
        B64.decode(options["challenge"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    assert_eq!(
        options["pubKeyCredParams"],
        json!([{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -8}])
    );
    assert_eq!(options["timeout"], 300_000);
    assert_eq!(
        options["excludeCredentials"],
        json!([{"type": "public-key", "id": B64.encode([9u8; 20])}])
    );
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(
        options["authenticatorSelection"]["residentKey"],
        "preferred"
    );
    assert_eq!(options["attestation"], "none");

    let opts = Opts {
        counter: 5,
        flags: UP | UV | BE | BS,
        ..Opts::default()
    };
    let stored = rp
        .finish_registration(state, &key.register(&options, &opts), NOW + 10)
        .unwrap();
    assert_eq!(stored.id(), &key.credential_id());
    assert_eq!(stored.user_handle(), HANDLE);
    assert_eq!(stored.algorithm(), -7);
    assert_eq!(stored.sign_count(), 5);
    assert_eq!(stored.backup(), (true, true));
    assert_eq!(stored.discoverable(), Some(true));
    // What the desk stores reads back the same, and nothing else reads back.
    let bytes = stored.to_bytes();
    assert_eq!(StoredCredential::from_bytes(&bytes).unwrap(), stored);

    let allow = [stored.id().clone()];
    let (state, options) = rp.start_authentication(Some(&allow), NOW + 20).unwrap();
    assert_eq!(options["rpId"], RP_ID);
    assert_eq!(options["userVerification"], "required");
    assert_eq!(
        options["allowCredentials"],
        json!([{"type": "public-key", "id": B64.encode([1u8; 20])}])
    );
    let opts = Opts {
        counter: 6,
        flags: UP | UV | BE,
        ..Opts::default()
    };
    let response = key.assert(&options, Some(&HANDLE), &opts);
    let signed_in = rp
        .finish_authentication(
            state,
            &response,
            |_| StoredCredential::from_bytes(&bytes).ok(),
            NOW + 30,
        )
        .unwrap();
    assert_eq!(signed_in.credential_id, key.credential_id());
    assert_eq!(signed_in.user_handle, HANDLE);
    assert_eq!(signed_in.updated.sign_count(), 6);
    assert_eq!(signed_in.updated.backup(), (true, false));
}

#[test]
fn usernameless_sign_in_with_ed25519_and_a_zero_counter() {
    let rp = rp();
    let key = SoftKey::ed25519(2);
    let stored = registered(&rp, &key);
    assert_eq!(stored.algorithm(), -8);
    assert_eq!(stored.sign_count(), 0);
    let (state, options) = rp.start_authentication(None, NOW).unwrap();
    assert_eq!(options["allowCredentials"], json!([]));
    let response = key.assert(&options, Some(&HANDLE), &Opts::default());
    let signed_in = rp
        .finish_authentication(state, &response, |_| Some(stored.clone()), NOW + 1)
        .unwrap();
    assert_eq!(signed_in.user_handle, HANDLE);
    assert_eq!(signed_in.updated.sign_count(), 0);
    // A usernameless sign-in needs the user handle.
    let (state, options) = rp.start_authentication(None, NOW).unwrap();
    let response = key.assert(&options, None, &Opts::default());
    assert_eq!(
        rp.finish_authentication(state, &response, |_| Some(stored.clone()), NOW + 1),
        Err(PasskeyError::MissingUserHandle)
    );
}

#[test]
fn packed_self_attestation_is_verified() {
    for key in [SoftKey::p256(3), SoftKey::ed25519(3)] {
        let rp = rp();
        let (state, options) = rp.start_registration(&HANDLE, "ana", "", &[], NOW).unwrap();
        let opts = Opts {
            fmt: "packed",
            ..Opts::default()
        };
        assert!(rp
            .finish_registration(state, &key.register(&options, &opts), NOW)
            .is_ok());
    }
    // Signed by another key: refused.
    let rp = rp();
    let (state, options) = rp.start_registration(&HANDLE, "ana", "", &[], NOW).unwrap();
    let opts = Opts {
        fmt: "packed",
        ..Opts::default()
    };
    let response = SoftKey::p256(4).register_with(&options, &opts, &SoftKey::p256(5).cose_key());
    assert_eq!(
        rp.finish_registration(state, &response, NOW),
        Err(PasskeyError::BadSignature)
    );
    // A format this relying party does not know: refused.
    let (state, options) = rp.start_registration(&HANDLE, "ana", "", &[], NOW).unwrap();
    let opts = Opts {
        fmt: "tpm",
        ..Opts::default()
    };
    assert_eq!(
        rp.finish_registration(state, &SoftKey::p256(4).register(&options, &opts), NOW),
        Err(PasskeyError::UnsupportedAttestation("tpm".to_owned()))
    );
}

#[test]
fn wrong_origin_is_refused() {
    let key = SoftKey::p256(1);
    for origin in [
        "https://evil.example",
        "http://desk.example",
        "https://desk.example:8443",
    ] {
        let opts = Opts {
            origin: origin.to_owned(),
            ..Opts::default()
        };
        assert_eq!(
            register_err(&key, &opts),
            PasskeyError::OriginMismatch(origin.to_owned())
        );
    }
    let stored = registered(&rp(), &key);
    let opts = Opts {
        origin: "https://evil.example".to_owned(),
        ..Opts::default()
    };
    assert_eq!(
        sign_in(&stored, &key, Some(&HANDLE), &opts),
        Err(PasskeyError::OriginMismatch(
            "https://evil.example".to_owned()
        ))
    );
    let opts = Opts {
        cross_origin: true,
        ..Opts::default()
    };
    assert_eq!(
        sign_in(&stored, &key, Some(&HANDLE), &opts),
        Err(PasskeyError::CrossOrigin)
    );
}

#[test]
fn wrong_rp_id_hash_is_refused() {
    let key = SoftKey::p256(1);
    let opts = Opts {
        rp_id: "evil.example".to_owned(),
        ..Opts::default()
    };
    assert_eq!(register_err(&key, &opts), PasskeyError::RpIdHashMismatch);
    let stored = registered(&rp(), &key);
    assert_eq!(
        sign_in(&stored, &key, Some(&HANDLE), &opts),
        Err(PasskeyError::RpIdHashMismatch)
    );
}

#[test]
fn wrong_challenge_and_wrong_type_are_refused() {
    let key = SoftKey::p256(1);
    let opts = Opts {
        challenge: Some(B64.encode([0u8; 32])),
        ..Opts::default()
    };
    assert_eq!(register_err(&key, &opts), PasskeyError::ChallengeMismatch);
    let stored = registered(&rp(), &key);
    assert_eq!(
        sign_in(&stored, &key, Some(&HANDLE), &opts),
        Err(PasskeyError::ChallengeMismatch)
    );
    let opts = Opts {
        client_type: Some("webauthn.get"),
        ..Opts::default()
    };
    assert!(matches!(
        register_err(&key, &opts),
        PasskeyError::WrongType {
            expected: "webauthn.create",
            ..
        }
    ));
    let opts = Opts {
        client_type: Some("webauthn.create"),
        ..Opts::default()
    };
    assert!(matches!(
        sign_in(&stored, &key, Some(&HANDLE), &opts),
        Err(PasskeyError::WrongType {
            expected: "webauthn.get",
            ..
        })
    ));
}

#[test]
fn a_replayed_response_and_an_expired_state_are_refused() {
    let rp = rp();
    let key = SoftKey::p256(1);
    let stored = registered(&rp, &key);
    let lookup = |_: &CredentialId| Some(stored.clone());
    let (state, options) = rp.start_authentication(None, NOW).unwrap();
    let response = key.assert(&options, Some(&HANDLE), &Opts::default());
    assert!(rp
        .finish_authentication(state, &response, lookup, NOW + 1)
        .is_ok());
    // The state is gone (taken by value); the same response against a new ceremony fails.
    let (state, _) = rp.start_authentication(None, NOW).unwrap();
    assert_eq!(
        rp.finish_authentication(state, &response, lookup, NOW + 1),
        Err(PasskeyError::ChallengeMismatch)
    );
    // The same for registration.
    let (state, options) = rp
        .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
        .unwrap();
    let registration = key.register(&options, &Opts::default());
    assert!(rp.finish_registration(state, &registration, NOW).is_ok());
    let (state, _) = rp
        .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
        .unwrap();
    assert_eq!(
        rp.finish_registration(state, &registration, NOW),
        Err(PasskeyError::ChallengeMismatch)
    );

    // Five minutes: the last second still counts, the next does not.
    let last = NOW + CEREMONY_TIMEOUT_SECS - 1;
    let (state, options) = rp.start_authentication(None, NOW).unwrap();
    let response = key.assert(&options, Some(&HANDLE), &Opts::default());
    assert!(rp
        .finish_authentication(state, &response, lookup, last)
        .is_ok());
    let (state, options) = rp.start_authentication(None, NOW).unwrap();
    let response = key.assert(&options, Some(&HANDLE), &Opts::default());
    assert_eq!(
        rp.finish_authentication(state, &response, lookup, last + 1),
        Err(PasskeyError::Expired)
    );
    let (state, options) = rp
        .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
        .unwrap();
    let registration = key.register(&options, &Opts::default());
    assert_eq!(
        rp.finish_registration(state, &registration, last + 1),
        Err(PasskeyError::Expired)
    );
}

#[test]
fn missing_user_verification_or_presence_is_refused() {
    let key = SoftKey::p256(1);
    let no_uv = Opts {
        flags: UP,
        ..Opts::default()
    };
    let no_up = Opts {
        flags: UV,
        ..Opts::default()
    };
    assert_eq!(register_err(&key, &no_uv), PasskeyError::UserNotVerified);
    assert_eq!(register_err(&key, &no_up), PasskeyError::UserNotPresent);
    let stored = registered(&rp(), &key);
    assert_eq!(
        sign_in(&stored, &key, Some(&HANDLE), &no_uv),
        Err(PasskeyError::UserNotVerified)
    );
    assert_eq!(
        sign_in(&stored, &key, Some(&HANDLE), &no_up),
        Err(PasskeyError::UserNotPresent)
    );
    // BS without BE is not a state an authenticator can be in.
    let bad_backup = Opts {
        flags: UP | UV | BS,
        ..Opts::default()
    };
    assert_eq!(
        register_err(&key, &bad_backup),
        PasskeyError::InvalidBackupFlags
    );
    // Backup eligibility is fixed at registration.
    let now_eligible = Opts {
        flags: UP | UV | BE,
        ..Opts::default()
    };
    assert_eq!(
        sign_in(&stored, &key, Some(&HANDLE), &now_eligible),
        Err(PasskeyError::BackupEligibilityChanged)
    );
}

#[test]
fn a_tampered_signature_or_authenticator_data_is_refused() {
    let rp = rp();
    let key = SoftKey::p256(1);
    let stored = registered(&rp, &key);
    let lookup = |_: &CredentialId| Some(stored.clone());
    for tamper in ["signature", "authenticatorData", "clientDataJSON"] {
        let (state, options) = rp.start_authentication(None, NOW).unwrap();
        let response = key.assert(
            &options,
            Some(&HANDLE),
            &Opts {
                counter: 1,
                ..Opts::default()
            },
        );
        let mut response: Value = serde_json::from_slice(&response).unwrap();
        let field = &mut response["response"][tamper];
        let mut bytes = B64.decode(field.as_str().unwrap()).unwrap();
        match tamper {
            // The last byte of a DER signature is part of s.
            "signature" => *bytes.last_mut().unwrap() ^= 1,
            // The counter (after signing).
            "authenticatorData" => bytes[36] ^= 2,
            // The client data, still valid JSON with the right challenge and origin.
            _ => bytes = [&bytes[..bytes.len() - 1], b",\"x\":1}"].concat(),
        }
        *field = Value::String(B64.encode(bytes));
        let response = serde_json::to_vec(&response).unwrap();
        assert_eq!(
            rp.finish_authentication(state, &response, lookup, NOW),
            Err(PasskeyError::BadSignature),
            "{tamper}"
        );
    }
}

#[test]
fn the_wrong_credential_is_refused() {
    let rp = rp();
    let key = SoftKey::p256(1);
    let stored = registered(&rp, &key);
    // Another key claiming the credential's ID.
    let impostor = SoftKey {
        id: key.id.clone(),
        ..SoftKey::p256(7)
    };
    assert_eq!(
        sign_in(&stored, &impostor, Some(&HANDLE), &Opts::default()),
        Err(PasskeyError::BadSignature)
    );
    // An Ed25519 key claiming it.
    let impostor = SoftKey {
        id: key.id.clone(),
        ..SoftKey::ed25519(7)
    };
    assert_eq!(
        sign_in(&stored, &impostor, Some(&HANDLE), &Opts::default()),
        Err(PasskeyError::BadSignature)
    );
    // A credential outside the allow list.
    assert_eq!(
        sign_in(&stored, &SoftKey::p256(8), Some(&HANDLE), &Opts::default()),
        Err(PasskeyError::CredentialNotAllowed)
    );
    // A credential the desk does not know.
    let (state, options) = rp.start_authentication(None, NOW).unwrap();
    let response = SoftKey::p256(8).assert(&options, Some(&HANDLE), &Opts::default());
    assert_eq!(
        rp.finish_authentication(state, &response, |_| None, NOW),
        Err(PasskeyError::UnknownCredential)
    );
    // A lookup that answers with another credential than the one asked for.
    let (state, options) = rp.start_authentication(None, NOW).unwrap();
    let response = SoftKey::p256(8).assert(&options, Some(&HANDLE), &Opts::default());
    assert_eq!(
        rp.finish_authentication(state, &response, |_| Some(stored.clone()), NOW),
        Err(PasskeyError::UnknownCredential)
    );
    // An empty allow list is a mistake, not "anyone".
    assert_eq!(
        rp.start_authentication(Some(&[]), NOW).unwrap_err(),
        PasskeyError::EmptyAllowList
    );
}

#[test]
fn a_user_handle_mismatch_is_refused() {
    let key = SoftKey::p256(1);
    let stored = registered(&rp(), &key);
    assert_eq!(
        sign_in(&stored, &key, Some(b"someone-else-0002"), &Opts::default()),
        Err(PasskeyError::UserHandleMismatch)
    );
    // With an allow list, the handle may be absent (the user was identified first).
    assert!(sign_in(&stored, &key, None, &Opts::default()).is_ok());
}

#[test]
fn a_counter_that_does_not_increase_is_refused() {
    let rp = rp();
    let key = SoftKey::p256(1);
    let (state, options) = rp
        .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
        .unwrap();
    let stored = rp
        .finish_registration(
            state,
            &key.register(
                &options,
                &Opts {
                    counter: 10,
                    ..Opts::default()
                },
            ),
            NOW,
        )
        .unwrap();
    for counter in [9, 10, 0] {
        assert_eq!(
            sign_in(
                &stored,
                &key,
                Some(&HANDLE),
                &Opts {
                    counter,
                    ..Opts::default()
                }
            ),
            Err(PasskeyError::CounterRegression {
                stored: 10,
                received: counter
            })
        );
    }
    let signed_in = sign_in(
        &stored,
        &key,
        Some(&HANDLE),
        &Opts {
            counter: 11,
            ..Opts::default()
        },
    )
    .unwrap();
    assert_eq!(signed_in.updated.sign_count(), 11);
    // A counter that starts at zero and moves is checked from then on.
    let stored = registered(&rp, &key);
    let signed_in = sign_in(
        &stored,
        &key,
        Some(&HANDLE),
        &Opts {
            counter: 1,
            ..Opts::default()
        },
    )
    .unwrap();
    assert_eq!(
        sign_in(
            &signed_in.updated,
            &key,
            Some(&HANDLE),
            &Opts {
                counter: 1,
                ..Opts::default()
            }
        ),
        Err(PasskeyError::CounterRegression {
            stored: 1,
            received: 1
        })
    );
}

#[test]
fn oversize_and_garbage_responses_are_refused() {
    let rp = rp();
    let key = SoftKey::p256(1);
    let stored = registered(&rp, &key);
    let (state, _) = rp
        .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
        .unwrap();
    let huge = vec![b' '; MAX_RESPONSE_LEN + 1];
    assert_eq!(
        rp.finish_registration(state, &huge, NOW),
        Err(PasskeyError::TooLarge(MAX_RESPONSE_LEN + 1))
    );
    let (state, _) = rp.start_authentication(None, NOW).unwrap();
    assert_eq!(
        rp.finish_authentication(state, &huge, |_| Some(stored.clone()), NOW),
        Err(PasskeyError::TooLarge(MAX_RESPONSE_LEN + 1))
    );

    let id = B64.encode(&key.id);
    let garbage: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"not json".to_vec(),
        b"[]".to_vec(),
        br#"{"id": 1}"#.to_vec(),
        serde_json::to_vec(&json!({"id": id, "rawId": id, "type": "public-key",
            "response": {"clientDataJSON": "!!!", "attestationObject": "AA"}}))
        .unwrap(),
        serde_json::to_vec(&json!({"id": id, "rawId": id, "type": "public-key",
            "response": {"clientDataJSON": B64.encode(b"{\"type\":"), "attestationObject": "AA"}}))
        .unwrap(),
    ];
    for response in &garbage {
        let (state, _) = rp
            .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
            .unwrap();
        assert!(matches!(
            rp.finish_registration(state, response, NOW),
            Err(PasskeyError::Malformed(_))
        ));
        let (state, _) = rp.start_authentication(None, NOW).unwrap();
        assert!(matches!(
            rp.finish_authentication(state, response, |_| Some(stored.clone()), NOW),
            Err(PasskeyError::Malformed(_))
        ));
    }

    // A correct client data with an attestation object that is not CBOR, or has trailing bytes.
    for attestation_object in [
        vec![0xff, 0x00],
        [cbor(&Cbor::Map(vec![])), vec![0]].concat(),
    ] {
        let (state, options) = rp
            .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
            .unwrap();
        let client_data = key.client_data("webauthn.create", &options, &Opts::default());
        let response = registration_json(&key.id, &client_data, &attestation_object);
        assert!(matches!(
            rp.finish_registration(state, &response, NOW),
            Err(PasskeyError::Malformed(_))
        ));
    }
    // id and rawId that disagree; a type other than public-key.
    let (state, options) = rp
        .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
        .unwrap();
    let mut response: Value =
        serde_json::from_slice(&key.register(&options, &Opts::default())).unwrap();
    response["rawId"] = Value::String(B64.encode([0u8; 20]));
    assert_eq!(
        rp.finish_registration(state, &serde_json::to_vec(&response).unwrap(), NOW),
        Err(PasskeyError::CredentialIdMismatch)
    );
    let (state, options) = rp
        .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
        .unwrap();
    let mut response: Value =
        serde_json::from_slice(&key.register(&options, &Opts::default())).unwrap();
    response["type"] = Value::String("password".to_owned());
    assert!(matches!(
        rp.finish_registration(state, &serde_json::to_vec(&response).unwrap(), NOW),
        Err(PasskeyError::WrongType {
            expected: "public-key",
            ..
        })
    ));
}

#[test]
fn unsupported_keys_and_excluded_credentials_are_refused() {
    let rp = rp();
    let key = SoftKey::p256(1);
    let int = |n: i64| Cbor::Integer(n.into());
    // An RS256 key.
    let rsa = cbor(&Cbor::Map(vec![
        (int(1), int(3)),
        (int(3), int(-257)),
        (int(-1), Cbor::Bytes(vec![0xc3; 256])),
        (int(-2), Cbor::Bytes(vec![1, 0, 1])),
    ]));
    // A P-256 "key" that is not a point on the curve.
    let off_curve = cbor(&Cbor::Map(vec![
        (int(1), int(2)),
        (int(3), int(-7)),
        (int(-1), int(1)),
        (int(-2), Cbor::Bytes(vec![1; 32])),
        (int(-3), Cbor::Bytes(vec![2; 32])),
    ]));
    // An ES256 key labelled as P-384.
    let mut wrong_curve = off_curve.clone();
    let crv = wrong_curve.iter().position(|&b| b == 0x20).unwrap(); // -1 label, then 1
    wrong_curve[crv + 1] = 2;
    for (cose, expected) in [
        (rsa, PasskeyError::UnsupportedAlgorithm(-257)),
        (
            off_curve,
            PasskeyError::InvalidPublicKey("not a point on P-256"),
        ),
        (
            wrong_curve,
            PasskeyError::InvalidPublicKey("ES256 needs kty EC2 and crv P-256"),
        ),
    ] {
        let (state, options) = rp
            .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
            .unwrap();
        let response = key.register_with(&options, &Opts::default(), &cose);
        assert_eq!(rp.finish_registration(state, &response, NOW), Err(expected));
    }
    // A credential the user already has.
    let (state, options) = rp
        .start_registration(&HANDLE, "ana", "Ana", &[key.credential_id()], NOW)
        .unwrap();
    assert_eq!(
        rp.finish_registration(state, &key.register(&options, &Opts::default()), NOW),
        Err(PasskeyError::ExcludedCredential)
    );
}

#[test]
fn the_relying_party_needs_a_secure_origin() {
    for good in [
        "https://desk.example",
        "https://desk.example:8443/",
        "http://localhost:3000",
        "http://127.0.0.1:8080",
    ] {
        let rp = RelyingParty::new(&Url::parse(good).unwrap()).unwrap();
        assert_eq!(rp.origin(), good.trim_end_matches('/'));
    }
    assert_eq!(rp().rp_id(), RP_ID);
    assert!(matches!(
        RelyingParty::new(&Url::parse("http://desk.example").unwrap()),
        Err(PasskeyError::InsecureOrigin(_))
    ));
    for bad in [
        "ftp://desk.example",
        "https://10.0.0.1",
        "https://desk.example/console",
        "https://a:b@desk.example",
        "file:///tmp",
    ] {
        assert!(
            RelyingParty::new(&Url::parse(bad).unwrap()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn starting_a_registration_checks_the_user() {
    let rp = rp();
    assert_eq!(
        rp.start_registration(&[0; 15], "ana", "", &[], NOW)
            .unwrap_err(),
        PasskeyError::InvalidUserHandle(15)
    );
    assert_eq!(
        rp.start_registration(&[0; 65], "ana", "", &[], NOW)
            .unwrap_err(),
        PasskeyError::InvalidUserHandle(65)
    );
    assert!(rp.start_registration(&[0; 64], "ana", "", &[], NOW).is_ok());
    assert!(rp.start_registration(&HANDLE, "", "", &[], NOW).is_err());
    assert!(rp
        .start_registration(&HANDLE, &"a".repeat(65), "", &[], NOW)
        .is_err());
    // Two ceremonies never share a challenge.
    let (_, a) = rp.start_authentication(None, NOW).unwrap();
    let (_, b) = rp.start_authentication(None, NOW).unwrap();
    assert_ne!(a["challenge"], b["challenge"]);
}

#[test]
fn stored_credentials_read_back_only_what_was_written() {
    let stored = registered(&rp(), &SoftKey::ed25519(2));
    let bytes = stored.to_bytes();
    assert_eq!(StoredCredential::from_bytes(&bytes).unwrap(), stored);
    for len in 0..bytes.len() {
        assert!(
            StoredCredential::from_bytes(&bytes[..len]).is_err(),
            "cut at {len}"
        );
    }
    assert!(StoredCredential::from_bytes(&[bytes.clone(), vec![0]].concat()).is_err());
    let mut other_version = bytes.clone();
    other_version[0] = 2;
    assert!(StoredCredential::from_bytes(&other_version).is_err());
    let p256 = registered(&rp(), &SoftKey::p256(1)).to_bytes();
    let mut off_curve = p256.clone();
    // The key starts after version, id length, id (20), handle length, handle (16), key type, 0x04.
    off_curve[1 + 2 + 20 + 1 + 16 + 1 + 1] ^= 1;
    assert_eq!(
        StoredCredential::from_bytes(&off_curve),
        Err(PasskeyError::InvalidStoredCredential("public key"))
    );
}

#[test]
fn authenticator_extensions_must_be_a_well_formed_map() {
    let rp = rp();
    let key = SoftKey::p256(1);
    // credProtect, as security keys add to resident credentials unasked: accepted, unused.
    let cred_protect = cbor(&Cbor::Map(vec![(
        Cbor::Text("credProtect".into()),
        Cbor::Integer(2.into()),
    )]));
    let with_extensions = Opts {
        flags: UP | UV | ED,
        extensions: Some(cred_protect.clone()),
        ..Opts::default()
    };
    let (state, options) = rp
        .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
        .unwrap();
    let stored = rp
        .finish_registration(state, &key.register(&options, &with_extensions), NOW)
        .unwrap();
    assert!(sign_in(&stored, &key, Some(&HANDLE), &with_extensions).is_ok());
    let refused = [
        // ED set, no extensions.
        Opts {
            flags: UP | UV | ED,
            ..Opts::default()
        },
        // Extensions without ED.
        Opts {
            extensions: Some(cred_protect.clone()),
            ..Opts::default()
        },
        // Not a map.
        Opts {
            flags: UP | UV | ED,
            extensions: Some(cbor(&Cbor::Integer(2.into()))),
            ..Opts::default()
        },
        // A map, then bytes.
        Opts {
            flags: UP | UV | ED,
            extensions: Some([cred_protect, vec![0]].concat()),
            ..Opts::default()
        },
    ];
    for opts in &refused {
        let (state, options) = rp
            .start_registration(&HANDLE, "ana", "Ana", &[], NOW)
            .unwrap();
        assert!(matches!(
            rp.finish_registration(state, &key.register(&options, opts), NOW),
            Err(PasskeyError::Malformed(_))
        ));
        assert!(matches!(
            sign_in(&stored, &key, Some(&HANDLE), opts),
            Err(PasskeyError::Malformed(_))
        ));
    }
}
