//! WebAuthn (passkey) relying-party ceremonies for the desk's console sign-in
//! (`docs/console-api.md`, the `passkey/*` routes).
//!
//! The desk calls four functions; this crate does no HTTP and no SQL:
//!
//! 1. [`RelyingParty::start_registration`] → a [`RegistrationState`] the desk keeps in memory
//!    under a ceremony id, and `options` it sends to the browser;
//! 2. [`RelyingParty::finish_registration`] with the browser's credential JSON → a
//!    [`StoredCredential`] whose [`to_bytes`](StoredCredential::to_bytes) the desk stores;
//! 3. [`RelyingParty::start_authentication`] → an [`AuthenticationState`] and `options`;
//! 4. [`RelyingParty::finish_authentication`] with the browser's JSON and a lookup of stored
//!    credentials → [`Authenticated`]: who signed in and the credential to write back.
//!
//! A state is taken by value (single use) and expires [`CEREMONY_TIMEOUT_SECS`] after it was
//! made; times are Unix seconds passed in by the caller. User verification is required in both
//! ceremonies; resident (discoverable) keys are preferred; the algorithms are ES256 (-7) and
//! EdDSA/Ed25519 (-8); attestation is `none` (a `packed` self-attestation is verified and
//! accepted too; attestation certificates are refused, never trusted).
//!
//! # What the desk keeps
//!
//! - Per passkey: [`StoredCredential::to_bytes`] (versioned, 90 to 1200 bytes, most near 150; read back with
//!   [`StoredCredential::from_bytes`]), indexed by [`StoredCredential::id`] (unique across all
//!   accounts) and linked to the account whose user handle is [`StoredCredential::user_handle`].
//!   After every successful sign-in, [`Authenticated::updated`] replaces it (counter, backup
//!   state).
//! - Per account: a user handle of 16 to 64 random bytes, never personal data, fixed for the
//!   account's life (browsers return it in usernameless sign-ins; it names the account).
//! - Per ceremony, in memory: the [`RegistrationState`] / [`AuthenticationState`] under a random
//!   ceremony id, removed when the `finish` request arrives (success or not: a state is used
//!   once) or after [`CEREMONY_TIMEOUT_SECS`].
//!
//! Every [`PasskeyError`] of a `finish_*` call is a failed sign-in for the console's lockout and
//! operation log. [`PasskeyError::CounterRegression`] deserves more: the credential may have been
//! copied; the desk should log it as such (and an admin may remove the passkey).
//!
//! # Extensions
//!
//! Only the client extension `credProps` is requested (its `rk` answer is kept, for display).
//! Authenticator extension outputs (the ED flag) are not requested; an authenticator may still
//! add some (`credProtect`), so they must form a well-formed CBOR map with text keys and are then
//! ignored. Other `clientExtensionResults` members are ignored.
//!
//! # Why hand-written
//!
//! `webauthn-rs` (the usual choice) verifies through OpenSSL, which the workspace's
//! `x86_64-pc-windows-gnu` cross build cannot reasonably link. `webauthn_rp` 0.3 is pure Rust but
//! reads the clock itself (`Instant::now`, so the desk's `now` and the tests could not drive
//! expiry), pulls in `rsa` (RUSTSEC-2023-0071, needing a `deny.toml` waiver) and a large generic
//! API. The subset needed here — `none` attestation, two algorithms, §7.1 and §7.2 of WebAuthn
//! Level 3 — is small, so it is written on maintained primitives already in `Cargo.lock`
//! (`ciborium`, `ed25519-dalek`, `sha2`, `base64`, `url`) plus RustCrypto's `p256`/`ecdsa`; no
//! advisory waiver is needed.
//!
//! # The JSON
//!
//! Binary fields are base64url without padding both ways (padding is tolerated on input). The
//! options follow `PublicKeyCredentialCreationOptionsJSON` / `…RequestOptionsJSON` of WebAuthn
//! Level 3, so the console can call `PublicKeyCredential.parseCreationOptionsFromJSON(options)`
//! (or decode `challenge`, `user.id` and each `id` itself) and send back `credential.toJSON()`.
//!
//! Registration options:
//! ```json
//! {"rp": {"id": "desk.example", "name": "Verity"},
//!  "user": {"id": "<b64url handle>", "name": "ana", "displayName": "Ana"},
//!  "challenge": "<b64url 32 bytes>",
//!  "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -8}],
//!  "timeout": 300000,
//!  "excludeCredentials": [{"type": "public-key", "id": "<b64url>"}],
//!  "authenticatorSelection": {"residentKey": "preferred", "requireResidentKey": false,
//!                             "userVerification": "required"},
//!  "attestation": "none", "extensions": {"credProps": true}}
//! ```
//! Registration response (what `toJSON()` gives; other members are ignored):
//! ```json
//! {"id": "<b64url>", "rawId": "<b64url, same>", "type": "public-key",
//!  "response": {"clientDataJSON": "<b64url>", "attestationObject": "<b64url>",
//!               "transports": ["internal"], "authenticatorData": "…", "publicKey": "…",
//!               "publicKeyAlgorithm": -7},
//!  "clientExtensionResults": {"credProps": {"rk": true}},
//!  "authenticatorAttachment": "platform"}
//! ```
//! Authentication options (`allowCredentials` is `[]` for a usernameless sign-in):
//! ```json
//! {"challenge": "<b64url>", "timeout": 300000, "rpId": "desk.example",
//!  "allowCredentials": [{"type": "public-key", "id": "<b64url>"}],
//!  "userVerification": "required"}
//! ```
//! Authentication response:
//! ```json
//! {"id": "<b64url>", "rawId": "<b64url>", "type": "public-key",
//!  "response": {"clientDataJSON": "<b64url>", "authenticatorData": "<b64url>",
//!               "signature": "<b64url>", "userHandle": "<b64url> or null"},
//!  "clientExtensionResults": {}, "authenticatorAttachment": "cross-platform"}
//! ```

mod authdata;
mod credential;
mod error;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use url::{Host, Url};

use authdata::{AuthenticatorData, ALG_EDDSA, ALG_ES256};
pub use credential::{CredentialId, StoredCredential};
pub use error::PasskeyError;

/// How long a ceremony may take, in seconds (also the `timeout` given to the browser).
pub const CEREMONY_TIMEOUT_SECS: u64 = 300;
/// The largest response accepted, in bytes (the console API's body cap).
pub const MAX_RESPONSE_LEN: usize = 64 * 1024;
/// The shortest user handle accepted.
pub const MIN_USER_HANDLE_LEN: usize = 16;
/// The longest user handle WebAuthn allows.
pub const MAX_USER_HANDLE_LEN: usize = 64;
/// The longest user name or display name, in bytes (authenticators may cut longer ones).
pub const MAX_NAME_LEN: usize = 64;
/// The relying party's name shown by authenticators.
pub const RP_NAME: &str = "Verity";

const CHALLENGE_LEN: usize = 32;

/// base64url; no padding written, padding tolerated when read.
pub(crate) const B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The relying party: the desk's public origin and the RP ID derived from it.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    rp_id: String,
    origin: String,
    rp_id_hash: [u8; 32],
}

/// A registration in progress: keep it (in memory, or serialised where several servers share
/// the ceremonies: it holds no secret, only the challenge the browser was given), hand it back
/// once to [`RelyingParty::finish_registration`].
#[derive(Debug, Serialize, Deserialize)]
pub struct RegistrationState {
    challenge: [u8; CHALLENGE_LEN],
    user_handle: Vec<u8>,
    exclude: Vec<CredentialId>,
    started_at: u64,
}

impl RegistrationState {
    /// The user handle the registration is for.
    pub fn user_handle(&self) -> &[u8] {
        &self.user_handle
    }
}

/// A sign-in in progress: kept as [`RegistrationState`] is, handed back once to
/// [`RelyingParty::finish_authentication`].
#[derive(Debug, Serialize, Deserialize)]
pub struct AuthenticationState {
    challenge: [u8; CHALLENGE_LEN],
    allow: Option<Vec<CredentialId>>,
    started_at: u64,
}

/// A verified sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The credential used.
    pub credential_id: CredentialId,
    /// Its user: the desk's account is the one with this handle.
    pub user_handle: Vec<u8>,
    /// The credential with its new signature counter and backup state: store it back.
    pub updated: StoredCredential,
}

impl RelyingParty {
    /// The relying party for the desk's public origin. The RP ID is the origin's host. Only
    /// `https` origins are accepted, and `http` for `localhost` and `127.0.0.1` (tests, local
    /// use; browsers do not accept an IP address as an RP ID, so `127.0.0.1` is for tests only).
    pub fn new(origin: &Url) -> Result<Self, PasskeyError> {
        let invalid = |why| PasskeyError::InvalidOrigin(origin.to_string(), why);
        if !origin.username().is_empty() || origin.password().is_some() {
            return Err(invalid("it has credentials"));
        }
        if origin.path() != "/" || origin.query().is_some() || origin.fragment().is_some() {
            return Err(invalid("it has a path, query or fragment"));
        }
        let https = origin.scheme() == "https";
        let http = origin.scheme() == "http";
        let rp_id = match origin.host() {
            Some(Host::Domain(domain)) if !domain.is_empty() => {
                if !(https || http && domain == "localhost") {
                    return Err(PasskeyError::InsecureOrigin(origin.to_string()));
                }
                domain.to_owned()
            }
            Some(Host::Ipv4(ip)) if ip.is_loopback() && ip.octets() == [127, 0, 0, 1] => {
                if !(https || http) {
                    return Err(PasskeyError::InsecureOrigin(origin.to_string()));
                }
                ip.to_string()
            }
            Some(_) => return Err(invalid("an IP address cannot be an RP ID")),
            None => return Err(invalid("it has no host")),
        };
        Ok(Self {
            rp_id_hash: Sha256::digest(rp_id.as_bytes()).into(),
            origin: origin.origin().ascii_serialization(),
            rp_id,
        })
    }

    /// The RP ID (the origin's host).
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// The origin as browsers write it in `clientDataJSON` (`https://host[:port]`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Starts registering a passkey for the user `user_handle` (16 to 64 random bytes the desk
    /// keeps per account, never personal data). `exclude` lists the user's existing credentials
    /// so that an authenticator does not register twice.
    pub fn start_registration(
        &self,
        user_handle: &[u8],
        user_name: &str,
        display_name: &str,
        exclude: &[CredentialId],
        now: u64,
    ) -> Result<(RegistrationState, Value), PasskeyError> {
        if !(MIN_USER_HANDLE_LEN..=MAX_USER_HANDLE_LEN).contains(&user_handle.len()) {
            return Err(PasskeyError::InvalidUserHandle(user_handle.len()));
        }
        if user_name.is_empty() || user_name.len() > MAX_NAME_LEN {
            return Err(PasskeyError::InvalidUserName("user name"));
        }
        if display_name.len() > MAX_NAME_LEN {
            return Err(PasskeyError::InvalidUserName("display name"));
        }
        let challenge = random_challenge()?;
        let options = json!({
            "rp": {"id": self.rp_id, "name": RP_NAME},
            "user": {"id": B64.encode(user_handle), "name": user_name, "displayName": display_name},
            "challenge": B64.encode(challenge),
            "pubKeyCredParams": [
                {"type": "public-key", "alg": ALG_ES256},
                {"type": "public-key", "alg": ALG_EDDSA},
            ],
            "timeout": CEREMONY_TIMEOUT_SECS * 1000,
            "excludeCredentials": descriptors(exclude),
            "authenticatorSelection": {
                "residentKey": "preferred",
                "requireResidentKey": false,
                "userVerification": "required",
            },
            "attestation": "none",
            "extensions": {"credProps": true},
        });
        let state = RegistrationState {
            challenge,
            user_handle: user_handle.to_vec(),
            exclude: exclude.to_vec(),
            started_at: now,
        };
        Ok((state, options))
    }

    /// Verifies a registration response (WebAuthn Level 3 §7.1) and returns the new credential.
    pub fn finish_registration(
        &self,
        state: RegistrationState,
        response_json: &[u8],
        now: u64,
    ) -> Result<StoredCredential, PasskeyError> {
        check_size(response_json)?;
        check_fresh(state.started_at, now)?;
        let response: RegistrationResponseJson =
            parse_json(response_json, "registration response")?;
        let id = check_ids(&response.type_, &response.id, &response.raw_id)?;
        // §7.1 steps 5-12: the client data.
        let client_data_json = decode(&response.response.client_data_json, "clientDataJSON")?;
        self.check_client_data(&client_data_json, "webauthn.create", &state.challenge)?;
        let client_data_hash: [u8; 32] = Sha256::digest(&client_data_json).into();
        // Step 13: the attestation object.
        let attestation_object =
            decode(&response.response.attestation_object, "attestationObject")?;
        let (fmt, att_stmt, auth_data_bytes) = parse_attestation_object(&attestation_object)?;
        let mut auth_data = AuthenticatorData::parse(&auth_data_bytes)?;
        // Steps 14-19: RP ID hash, flags, algorithm (checked while parsing the COSE key).
        self.check_auth_data(&auth_data)?;
        let Some(attested) = auth_data.attested.take() else {
            return Err(PasskeyError::MissingAttestedCredential);
        };
        if attested.id != id.as_bytes() {
            return Err(PasskeyError::CredentialIdMismatch);
        }
        // Steps 20-24: the attestation statement.
        verify_attestation(
            &fmt,
            &att_stmt,
            &attested.public_key,
            &auth_data_bytes,
            &client_data_hash,
        )?;
        // Step 26 (the desk also refuses an ID it already stores, for any user).
        if state.exclude.contains(&id) {
            return Err(PasskeyError::ExcludedCredential);
        }
        let discoverable = response
            .client_extension_results
            .and_then(|results| results.cred_props)
            .and_then(|props| props.rk);
        Ok(StoredCredential {
            id,
            user_handle: state.user_handle,
            public_key: attested.public_key,
            sign_count: auth_data.sign_count,
            backup_eligible: auth_data.backup_eligible(),
            backed_up: auth_data.backed_up(),
            discoverable,
            aaguid: attested.aaguid,
        })
    }

    /// Starts a sign-in. `allow: None` lets the user pick any discoverable credential of this RP
    /// (usernameless); `Some(ids)` restricts it to those credentials (must not be empty).
    pub fn start_authentication(
        &self,
        allow: Option<&[CredentialId]>,
        now: u64,
    ) -> Result<(AuthenticationState, Value), PasskeyError> {
        if allow.is_some_and(<[CredentialId]>::is_empty) {
            return Err(PasskeyError::EmptyAllowList);
        }
        let challenge = random_challenge()?;
        let options = json!({
            "challenge": B64.encode(challenge),
            "timeout": CEREMONY_TIMEOUT_SECS * 1000,
            "rpId": self.rp_id,
            "allowCredentials": descriptors(allow.unwrap_or_default()),
            "userVerification": "required",
        });
        let state = AuthenticationState {
            challenge,
            allow: allow.map(<[CredentialId]>::to_vec),
            started_at: now,
        };
        Ok((state, options))
    }

    /// Verifies an authentication response (WebAuthn Level 3 §7.2). `lookup` finds a stored
    /// credential by ID (any user's: the user handle in the response must be the credential's).
    pub fn finish_authentication(
        &self,
        state: AuthenticationState,
        response_json: &[u8],
        lookup: impl FnOnce(&CredentialId) -> Option<StoredCredential>,
        now: u64,
    ) -> Result<Authenticated, PasskeyError> {
        let AuthenticationState {
            challenge,
            allow,
            started_at,
        } = state;
        check_size(response_json)?;
        check_fresh(started_at, now)?;
        let response: AuthenticationResponseJson =
            parse_json(response_json, "authentication response")?;
        let id = check_ids(&response.type_, &response.id, &response.raw_id)?;
        // §7.2 steps 5-7: an allowed, known credential of the right user.
        if let Some(allow) = &allow {
            if !allow.contains(&id) {
                return Err(PasskeyError::CredentialNotAllowed);
            }
        }
        let stored = lookup(&id).ok_or(PasskeyError::UnknownCredential)?;
        if stored.id != id {
            return Err(PasskeyError::UnknownCredential);
        }
        let user_handle = response.response.user_handle.as_deref();
        if let Some(handle) = user_handle.filter(|handle| !handle.is_empty()) {
            if decode(handle, "userHandle")? != stored.user_handle {
                return Err(PasskeyError::UserHandleMismatch);
            }
        } else if allow.is_none() {
            // A usernameless sign-in identifies the user by the handle alone (§7.2 step 6).
            return Err(PasskeyError::MissingUserHandle);
        }
        // Steps 8-14: the client data.
        let client_data_json = decode(&response.response.client_data_json, "clientDataJSON")?;
        self.check_client_data(&client_data_json, "webauthn.get", &challenge)?;
        // Steps 15-18: the authenticator data.
        let auth_data_bytes = decode(&response.response.authenticator_data, "authenticatorData")?;
        let auth_data = AuthenticatorData::parse(&auth_data_bytes)?;
        self.check_auth_data(&auth_data)?;
        if auth_data.attested.is_some() {
            return Err(PasskeyError::UnexpectedAttestedCredential);
        }
        // Steps 19-21: the signature over authData || SHA-256(clientDataJSON).
        let signature = decode(&response.response.signature, "signature")?;
        let mut signed = auth_data_bytes;
        signed.extend_from_slice(&Sha256::digest(&client_data_json));
        stored.public_key.verify(&signed, &signature)?;
        // Backup eligibility is fixed when a credential is made (§6.1.3); checked on signed data
        // only, so that only the authenticator can raise it.
        if auth_data.backup_eligible() != stored.backup_eligible {
            return Err(PasskeyError::BackupEligibilityChanged);
        }
        // Step 22: the signature counter.
        let received = auth_data.sign_count;
        if (received != 0 || stored.sign_count != 0) && received <= stored.sign_count {
            return Err(PasskeyError::CounterRegression {
                stored: stored.sign_count,
                received,
            });
        }
        let updated = StoredCredential {
            sign_count: received,
            backed_up: auth_data.backed_up(),
            ..stored
        };
        Ok(Authenticated {
            credential_id: id,
            user_handle: updated.user_handle.clone(),
            updated,
        })
    }

    /// §7.1 steps 5-12 / §7.2 steps 8-14: `type`, `challenge`, `origin`, `crossOrigin`.
    fn check_client_data(
        &self,
        client_data_json: &[u8],
        expected_type: &'static str,
        challenge: &[u8; CHALLENGE_LEN],
    ) -> Result<(), PasskeyError> {
        let client_data: ClientData = parse_json(client_data_json, "clientDataJSON")?;
        if client_data.type_ != expected_type {
            return Err(PasskeyError::WrongType {
                expected: expected_type,
                got: client_data.type_,
            });
        }
        if B64.decode(&client_data.challenge).ok().as_deref() != Some(challenge.as_slice()) {
            return Err(PasskeyError::ChallengeMismatch);
        }
        if client_data.origin != self.origin {
            return Err(PasskeyError::OriginMismatch(client_data.origin));
        }
        if client_data.cross_origin == Some(true) || client_data.top_origin.is_some() {
            return Err(PasskeyError::CrossOrigin);
        }
        Ok(())
    }

    /// RP ID hash, UP, UV and the backup flags' consistency.
    fn check_auth_data(&self, auth_data: &AuthenticatorData) -> Result<(), PasskeyError> {
        if auth_data.rp_id_hash != self.rp_id_hash {
            return Err(PasskeyError::RpIdHashMismatch);
        }
        if !auth_data.user_present() {
            return Err(PasskeyError::UserNotPresent);
        }
        if !auth_data.user_verified() {
            return Err(PasskeyError::UserNotVerified);
        }
        if auth_data.backed_up() && !auth_data.backup_eligible() {
            return Err(PasskeyError::InvalidBackupFlags);
        }
        Ok(())
    }
}

fn random_challenge() -> Result<[u8; CHALLENGE_LEN], PasskeyError> {
    let mut challenge = [0u8; CHALLENGE_LEN];
    getrandom::fill(&mut challenge).map_err(|e| PasskeyError::Random(e.to_string()))?;
    Ok(challenge)
}

fn descriptors(ids: &[CredentialId]) -> Value {
    ids.iter()
        .map(|id| json!({"type": "public-key", "id": id.to_base64url()}))
        .collect()
}

fn check_size(response_json: &[u8]) -> Result<(), PasskeyError> {
    if response_json.len() > MAX_RESPONSE_LEN {
        return Err(PasskeyError::TooLarge(response_json.len()));
    }
    Ok(())
}

fn check_fresh(started_at: u64, now: u64) -> Result<(), PasskeyError> {
    if now.saturating_sub(started_at) >= CEREMONY_TIMEOUT_SECS {
        return Err(PasskeyError::Expired);
    }
    Ok(())
}

fn parse_json<'a, T: Deserialize<'a>>(bytes: &'a [u8], what: &str) -> Result<T, PasskeyError> {
    serde_json::from_slice(bytes).map_err(|e| PasskeyError::Malformed(format!("{what}: {e}")))
}

fn decode(text: &str, what: &str) -> Result<Vec<u8>, PasskeyError> {
    B64.decode(text)
        .map_err(|e| PasskeyError::Malformed(format!("{what} is not base64url: {e}")))
}

/// `type` must be `public-key`; `id` and `rawId` must be the same credential ID.
fn check_ids(type_: &str, id: &str, raw_id: &str) -> Result<CredentialId, PasskeyError> {
    if type_ != "public-key" {
        return Err(PasskeyError::WrongType {
            expected: "public-key",
            got: type_.to_owned(),
        });
    }
    let id = CredentialId::new(decode(id, "id")?)
        .ok_or_else(|| PasskeyError::Malformed("id is not 1 to 1023 bytes".to_owned()))?;
    if decode(raw_id, "rawId")? != id.as_bytes() {
        return Err(PasskeyError::CredentialIdMismatch);
    }
    Ok(id)
}

/// A CBOR map's entries, in order.
type CborMap = Vec<(ciborium::Value, ciborium::Value)>;

/// The attestation object (§6.5.4): a CBOR map of `fmt`, `attStmt` and `authData`, nothing more.
fn parse_attestation_object(bytes: &[u8]) -> Result<(String, CborMap, Vec<u8>), PasskeyError> {
    let malformed = |what: &str| PasskeyError::Malformed(format!("attestationObject: {what}"));
    let mut rest = bytes;
    let value: ciborium::Value =
        ciborium::de::from_reader(&mut rest).map_err(|e| malformed(&e.to_string()))?;
    if !rest.is_empty() {
        return Err(malformed("bytes after the end"));
    }
    let ciborium::Value::Map(entries) = value else {
        return Err(malformed("not a map"));
    };
    let (mut fmt, mut att_stmt, mut auth_data) = (None, None, None);
    for (key, value) in entries {
        match (key.as_text(), value) {
            (Some("fmt"), ciborium::Value::Text(text)) if fmt.is_none() => fmt = Some(text),
            (Some("attStmt"), ciborium::Value::Map(map)) if att_stmt.is_none() => {
                att_stmt = Some(map);
            }
            (Some("authData"), ciborium::Value::Bytes(data)) if auth_data.is_none() => {
                auth_data = Some(data);
            }
            _ => return Err(malformed("an unexpected, repeated or mistyped member")),
        }
    }
    match (fmt, att_stmt, auth_data) {
        (Some(fmt), Some(att_stmt), Some(auth_data)) => Ok((fmt, att_stmt, auth_data)),
        _ => Err(malformed("fmt, attStmt or authData missing")),
    }
}

/// §7.1 step 21: `none` (an empty statement) or `packed` self attestation (§8.2: `alg` is the
/// credential's and `sig` verifies with the credential key). Anything with a certificate chain
/// is refused: the options ask for `none`, and no trust anchors are configured.
fn verify_attestation(
    fmt: &str,
    att_stmt: &[(ciborium::Value, ciborium::Value)],
    public_key: &authdata::PublicKey,
    auth_data: &[u8],
    client_data_hash: &[u8; 32],
) -> Result<(), PasskeyError> {
    match fmt {
        "none" if att_stmt.is_empty() => Ok(()),
        "none" => Err(PasskeyError::Malformed(
            "attestationObject: a none statement that is not empty".to_owned(),
        )),
        "packed" => {
            let (mut alg, mut sig) = (None, None);
            for (key, value) in att_stmt {
                match (key.as_text(), value) {
                    (Some("alg"), ciborium::Value::Integer(n)) if alg.is_none() => {
                        alg = Some(i128::from(*n));
                    }
                    (Some("sig"), ciborium::Value::Bytes(s)) if sig.is_none() => sig = Some(s),
                    _ => {
                        return Err(PasskeyError::UnsupportedAttestation(
                            "packed (with a certificate)".to_owned(),
                        ))
                    }
                }
            }
            let (Some(alg), Some(sig)) = (alg, sig) else {
                return Err(PasskeyError::Malformed(
                    "attestationObject: packed without alg or sig".to_owned(),
                ));
            };
            if alg != i128::from(public_key.alg()) {
                return Err(PasskeyError::UnsupportedAlgorithm(
                    i64::try_from(alg).unwrap_or(i64::MIN),
                ));
            }
            let mut signed = auth_data.to_vec();
            signed.extend_from_slice(client_data_hash);
            public_key.verify(&signed, sig)
        }
        other => Err(PasskeyError::UnsupportedAttestation(other.to_owned())),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegistrationResponseJson {
    id: String,
    raw_id: String,
    #[serde(rename = "type")]
    type_: String,
    response: AttestationResponseJson,
    #[serde(default)]
    client_extension_results: Option<ClientExtensionResults>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttestationResponseJson {
    #[serde(rename = "clientDataJSON")]
    client_data_json: String,
    attestation_object: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientExtensionResults {
    #[serde(default)]
    cred_props: Option<CredProps>,
}

#[derive(Deserialize)]
struct CredProps {
    #[serde(default)]
    rk: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthenticationResponseJson {
    id: String,
    raw_id: String,
    #[serde(rename = "type")]
    type_: String,
    response: AssertionResponseJson,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssertionResponseJson {
    #[serde(rename = "clientDataJSON")]
    client_data_json: String,
    authenticator_data: String,
    signature: String,
    #[serde(default)]
    user_handle: Option<String>,
}

/// `CollectedClientData` (§5.8.1); `tokenBinding` and unknown members are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientData {
    #[serde(rename = "type")]
    type_: String,
    challenge: String,
    origin: String,
    #[serde(default)]
    cross_origin: Option<bool>,
    #[serde(default)]
    top_origin: Option<String>,
}

#[cfg(test)]
mod tests;
