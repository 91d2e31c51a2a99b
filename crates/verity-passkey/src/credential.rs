//! Credential IDs and the stored credential: what the desk keeps per passkey, as opaque bytes.

use base64::Engine as _;

use crate::authdata::{PublicKey, MAX_CREDENTIAL_ID_LEN};
use crate::{PasskeyError, B64};

/// A credential ID (§4 "Credential ID"): 1 to 1023 bytes chosen by the authenticator. In JSON it
/// is base64url without padding; the desk can key its table by the bytes or that text.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "Vec<u8>", into = "Vec<u8>")]
pub struct CredentialId(Vec<u8>);

impl TryFrom<Vec<u8>> for CredentialId {
    type Error = &'static str;
    fn try_from(bytes: Vec<u8>) -> Result<Self, Self::Error> {
        CredentialId::new(bytes).ok_or("a credential id is 1 to 1023 bytes")
    }
}

impl From<CredentialId> for Vec<u8> {
    fn from(id: CredentialId) -> Vec<u8> {
        id.0
    }
}

impl CredentialId {
    /// Wraps raw bytes; `None` unless 1 to 1023 bytes long.
    pub fn new(bytes: Vec<u8>) -> Option<Self> {
        (1..=MAX_CREDENTIAL_ID_LEN)
            .contains(&bytes.len())
            .then_some(Self(bytes))
    }

    /// Parses the base64url form (as in `id` / `rawId`).
    pub fn from_base64url(text: &str) -> Option<Self> {
        B64.decode(text).ok().and_then(Self::new)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The base64url form without padding, as browsers write `id`.
    pub fn to_base64url(&self) -> String {
        B64.encode(&self.0)
    }
}

/// A registered passkey: everything needed to verify its later sign-ins. The desk stores
/// [`to_bytes`](Self::to_bytes) next to the admin's account and writes back
/// [`crate::Authenticated::updated`] after every sign-in (the signature counter and backup
/// state change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredential {
    pub(crate) id: CredentialId,
    pub(crate) user_handle: Vec<u8>,
    pub(crate) public_key: PublicKey,
    pub(crate) sign_count: u32,
    pub(crate) backup_eligible: bool,
    pub(crate) backed_up: bool,
    /// The browser's credProps answer (client data, not signed): whether it is discoverable.
    pub(crate) discoverable: Option<bool>,
    pub(crate) aaguid: [u8; 16],
}

/// The encoding's version byte; a new layout gets a new number and `from_bytes` keeps reading
/// the old ones.
const VERSION_1: u8 = 1;
const KEY_ES256: u8 = 1;
const KEY_ED25519: u8 = 2;
const BIT_BE: u8 = 0x01;
const BIT_BS: u8 = 0x02;
const BIT_DISCOVERABLE_KNOWN: u8 = 0x04;
const BIT_DISCOVERABLE: u8 = 0x08;

impl StoredCredential {
    /// The credential ID.
    pub fn id(&self) -> &CredentialId {
        &self.id
    }

    /// The user handle it was registered for (the `user.id` of the registration).
    pub fn user_handle(&self) -> &[u8] {
        &self.user_handle
    }

    /// The COSE algorithm of its key: -7 (ES256) or -8 (EdDSA).
    pub fn algorithm(&self) -> i64 {
        self.public_key.alg()
    }

    /// The signature counter after the last verified ceremony (0 for authenticators without one).
    pub fn sign_count(&self) -> u32 {
        self.sign_count
    }

    /// Whether the credential may be synced (BE) and whether it is backed up now (BS).
    pub fn backup(&self) -> (bool, bool) {
        (self.backup_eligible, self.backed_up)
    }

    /// Whether the browser reported the credential as discoverable (`credProps.rk`); `None`
    /// when it did not say. Unsigned information, for display only.
    pub fn discoverable(&self) -> Option<bool> {
        self.discoverable
    }

    /// The authenticator's AAGUID (all zeros under `none` attestation, usually).
    pub fn aaguid(&self) -> [u8; 16] {
        self.aaguid
    }

    /// The versioned encoding the desk stores. Version 1:
    /// `01 | id_len u16 BE | id | uh_len u8 | user_handle | key_type u8 (1 ES256, 2 Ed25519) |
    /// key (65-byte SEC1 point or 32 bytes) | sign_count u32 BE | flags u8 | aaguid 16`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let id = self.id.as_bytes();
        let key = self.public_key.to_raw();
        let mut out = Vec::with_capacity(
            1 + 2 + id.len() + 1 + self.user_handle.len() + 1 + key.len() + 4 + 1 + 16,
        );
        out.push(VERSION_1);
        // Both lengths are bounded when the credential is made (1023 and 64).
        out.extend_from_slice(&u16::try_from(id.len()).unwrap_or(u16::MAX).to_be_bytes());
        out.extend_from_slice(id);
        out.push(u8::try_from(self.user_handle.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(&self.user_handle);
        out.push(match self.public_key {
            PublicKey::Es256(_) => KEY_ES256,
            PublicKey::Ed25519(_) => KEY_ED25519,
        });
        out.extend_from_slice(&key);
        out.extend_from_slice(&self.sign_count.to_be_bytes());
        let mut flags = 0;
        if self.backup_eligible {
            flags |= BIT_BE;
        }
        if self.backed_up {
            flags |= BIT_BS;
        }
        if let Some(discoverable) = self.discoverable {
            flags |= BIT_DISCOVERABLE_KNOWN;
            if discoverable {
                flags |= BIT_DISCOVERABLE;
            }
        }
        out.push(flags);
        out.extend_from_slice(&self.aaguid);
        out
    }

    /// Reads what [`to_bytes`](Self::to_bytes) wrote, checking every field (the key is a valid
    /// point again) and that nothing follows.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PasskeyError> {
        let mut reader = Reader(bytes);
        if reader.take(1)? != [VERSION_1] {
            return Err(PasskeyError::InvalidStoredCredential("unknown version"));
        }
        let id_len = usize::from(u16::from_be_bytes(reader.array()?));
        let id = CredentialId::new(reader.take(id_len)?.to_vec()).ok_or(
            PasskeyError::InvalidStoredCredential("credential ID length"),
        )?;
        let [uh_len] = reader.array()?;
        let user_handle = reader.take(usize::from(uh_len))?.to_vec();
        if !(1..=crate::MAX_USER_HANDLE_LEN).contains(&user_handle.len()) {
            return Err(PasskeyError::InvalidStoredCredential("user handle length"));
        }
        let invalid_key = |_| PasskeyError::InvalidStoredCredential("public key");
        let public_key = match reader.array::<1>()? {
            [KEY_ES256] => PublicKey::es256_from_sec1(reader.take(65)?).map_err(invalid_key)?,
            [KEY_ED25519] => {
                PublicKey::ed25519_from_bytes(reader.take(32)?).map_err(invalid_key)?
            }
            _ => return Err(PasskeyError::InvalidStoredCredential("key type")),
        };
        let sign_count = u32::from_be_bytes(reader.array()?);
        let [flags] = reader.array()?;
        if flags & !(BIT_BE | BIT_BS | BIT_DISCOVERABLE_KNOWN | BIT_DISCOVERABLE) != 0 {
            return Err(PasskeyError::InvalidStoredCredential("unknown flags"));
        }
        let aaguid = reader.array()?;
        if !reader.0.is_empty() {
            return Err(PasskeyError::InvalidStoredCredential("bytes after the end"));
        }
        Ok(Self {
            id,
            user_handle,
            public_key,
            sign_count,
            backup_eligible: flags & BIT_BE != 0,
            backed_up: flags & BIT_BS != 0,
            discoverable: (flags & BIT_DISCOVERABLE_KNOWN != 0)
                .then_some(flags & BIT_DISCOVERABLE != 0),
            aaguid,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], PasskeyError> {
        let (head, rest) = self
            .0
            .split_at_checked(len)
            .ok_or(PasskeyError::InvalidStoredCredential("cut short"))?;
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PasskeyError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}
