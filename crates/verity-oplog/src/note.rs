//! C2SP signed notes (<https://c2sp.org/signed-note>), Ed25519 only: a text ending in a newline,
//! a blank line, then lines `— <key name> <base64(key ID || signature)>`.
//!
//! Opening a note follows the spec's rules: signatures from unknown keys (name and key ID not
//! both matching a trusted key) are ignored, a trusted key's signature that fails rejects the
//! whole note, and a note no trusted key signed is refused. Notes larger than
//! [`MAX_NOTE_BYTES`] are refused before any parsing.

use data_encoding::{BASE64, HEXLOWER};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The largest note accepted or produced: a checkpoint with a few dozen signatures fits well.
pub const MAX_NOTE_BYTES: usize = 16 * 1024;

/// The most signature lines accepted (the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// The signature type byte of Ed25519 in key IDs and verifier keys.
const ALG_ED25519: u8 = 0x01;

/// The start of every signature line: an em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a note was refused or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoteError {
    /// Larger than [`MAX_NOTE_BYTES`].
    #[error("the note is larger than {MAX_NOTE_BYTES} bytes")]
    TooLarge,
    /// Not UTF-8.
    #[error("the note is not UTF-8")]
    NotUtf8,
    /// An ASCII control character other than newline.
    #[error("the note contains a control character")]
    ControlCharacter,
    /// The text does not end in a newline, or no blank line separates it from signatures.
    #[error("the note is not a text, a blank line and signature lines")]
    Malformed,
    /// A signature line that is not `— <name> <base64>`.
    #[error("malformed signature line")]
    BadSignatureLine,
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// An empty key name, or one with a space or a plus.
    #[error("invalid key name")]
    BadKeyName,
    /// A verifier key that is not `<name>+<hex key ID>+<base64(0x01 || public key)>`.
    #[error("invalid verifier key")]
    BadVerifierKey,
    /// A trusted key's signature that does not verify: the whole note is refused.
    #[error("a signature by {0} does not verify")]
    InvalidSignature(String),
    /// No signature from a trusted key.
    #[error("no signature from a trusted key")]
    NoTrustedSignature,
}

/// Key names are non-empty and contain neither Unicode spaces nor plus signs.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// The key ID of an Ed25519 key: the first four bytes of
/// `SHA-256(name || 0x0A || 0x01 || public key)`, big-endian.
pub fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(key.as_bytes());
    let digest = h.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A trusted signer of notes: its name and Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key: VerifyingKey,
    id: u32,
}

impl NoteVerifier {
    /// A verifier for `name`'s notes.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::BadKeyName);
        }
        Ok(Self {
            name: name.to_owned(),
            id: key_id(name, &key),
            key,
        })
    }

    /// Parses the usual text form `<name>+<hex key ID>+<base64(0x01 || public key)>` (as Go's
    /// `sumdb/note` writes it), checking the key ID.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadVerifierKey);
        };
        let key = BASE64
            .decode(key.as_bytes())
            .map_err(|_| NoteError::BadVerifierKey)?;
        let Some((&ALG_ED25519, key)) = key.split_first() else {
            return Err(NoteError::BadVerifierKey);
        };
        let key = <[u8; 32]>::try_from(key).map_err(|_| NoteError::BadVerifierKey)?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| NoteError::BadVerifierKey)?;
        let verifier = Self::new(name, key)?;
        if id.len() != 8 || HEXLOWER.encode(&verifier.id.to_be_bytes()) != id {
            return Err(NoteError::BadVerifierKey);
        }
        Ok(verifier)
    }

    /// The text form [`NoteVerifier::from_vkey`] reads.
    pub fn to_vkey(&self) -> String {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            HEXLOWER.encode(&self.id.to_be_bytes()),
            BASE64.encode(&key)
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn id(&self) -> u32 {
        self.id
    }
}

/// The rules every note's bytes follow: size, UTF-8, no control characters but newline.
fn check_note_text(bytes: &[u8]) -> Result<&str, NoteError> {
    if bytes.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?;
    if text.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(NoteError::ControlCharacter);
    }
    Ok(text)
}

/// Signs `text` (which must end in a newline) as `name`: the signed note's text.
pub fn sign_note(text: &str, name: &str, key: &SigningKey) -> Result<String, NoteError> {
    check_note_text(text.as_bytes())?;
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed);
    }
    if !is_valid_key_name(name) {
        return Err(NoteError::BadKeyName);
    }
    let signature = key.sign(text.as_bytes());
    let mut blob = key_id(name, &key.verifying_key()).to_be_bytes().to_vec();
    blob.extend_from_slice(&signature.to_bytes());
    let note = format!("{text}\n{SIG_PREFIX}{name} {}\n", BASE64.encode(&blob));
    if note.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge);
    }
    Ok(note)
}

/// Verifies a signed note against trusted keys and returns its text (with its final newline).
pub fn open_note<'a>(note: &'a [u8], trusted: &[NoteVerifier]) -> Result<&'a str, NoteError> {
    let note = check_note_text(note)?;
    // The text ends at the last blank line; signature lines are never empty.
    let split = note.rfind("\n\n").ok_or(NoteError::Malformed)?;
    let (text, signatures) = (&note[..=split], &note[split + 2..]);
    let Some(signatures) = signatures.strip_suffix('\n') else {
        return Err(NoteError::Malformed);
    };
    let mut verified = false;
    for (count, line) in signatures.split('\n').enumerate() {
        if count >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or(NoteError::BadSignatureLine)?;
        let (name, blob) = rest.split_once(' ').ok_or(NoteError::BadSignatureLine)?;
        if !is_valid_key_name(name) {
            return Err(NoteError::BadKeyName);
        }
        let blob = BASE64
            .decode(blob.as_bytes())
            .map_err(|_| NoteError::BadSignatureLine)?;
        let Some((id, signature)) = blob.split_first_chunk::<4>() else {
            return Err(NoteError::BadSignatureLine);
        };
        if signature.is_empty() {
            return Err(NoteError::BadSignatureLine);
        }
        let id = u32::from_be_bytes(*id);
        let Some(verifier) = trusted.iter().find(|v| v.name == name && v.id == id) else {
            continue; // An unknown key (a witness, a rotated key): ignored.
        };
        let ok = Signature::from_slice(signature)
            .is_ok_and(|sig| verifier.key.verify_strict(text.as_bytes(), &sig).is_ok());
        if !ok {
            return Err(NoteError::InvalidSignature(name.to_owned()));
        }
        verified = true;
    }
    if verified {
        Ok(text)
    } else {
        Err(NoteError::NoTrustedSignature)
    }
}
