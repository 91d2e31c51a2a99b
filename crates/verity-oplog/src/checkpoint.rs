//! Checkpoints in the C2SP tlog-checkpoint format (<https://c2sp.org/tlog-checkpoint>): a signed
//! note whose text is the origin, the tree size in decimal, the base64 root hash, then optional
//! extension lines.
//!
//! ```text
//! desk.example/oplog
//! 1042
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//!
//! — desk.example/oplog Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
//! ```
//!
//! Parsing takes only the canonical form: a size without leading zeros, a root that is exactly
//! 32 bytes in canonical padded base64, non-empty lines.

use data_encoding::BASE64;
use ed25519_dalek::SigningKey;
use thiserror::Error;

use crate::hash::Hash;
use crate::note::{open_note, sign_note, NoteError, NoteVerifier};

/// A signed tree head: which log, how many entries, and the root over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity; the desk signs with the same key name.
    pub origin: String,
    /// The number of entries.
    pub size: u64,
    /// MTH of the first `size` entries.
    pub root: Hash,
    /// Opaque further lines (not recommended by the spec; the desk writes none).
    pub extensions: Vec<String>,
}

/// Why a checkpoint was refused or could not be written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckpointError {
    /// The note around it was refused.
    #[error("checkpoint note: {0}")]
    Note(#[from] NoteError),
    /// Fewer than three lines, or a text not ending in a newline.
    #[error("a checkpoint needs an origin, a size and a root, each on its line")]
    MissingLine,
    /// An empty origin.
    #[error("the checkpoint's origin is empty")]
    EmptyOrigin,
    /// A line (origin or extension) with a newline or control character in it, or an empty
    /// extension line.
    #[error("a checkpoint line is empty or contains a control character")]
    BadLine,
    /// The size is not a canonical decimal u64.
    #[error("the checkpoint's size is not a decimal number without leading zeros")]
    BadSize,
    /// The root is not 32 bytes in canonical base64.
    #[error("the checkpoint's root is not a base64 32-byte hash")]
    BadRoot,
    /// Signed by the trusted key, but for another log.
    #[error("the checkpoint is for {found:?}, not {expected:?}")]
    OriginMismatch {
        /// The origin the caller trusts.
        expected: String,
        /// The origin in the checkpoint.
        found: String,
    },
}

fn is_line(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control)
}

impl Checkpoint {
    /// The note text (the body the signature covers), ending in a newline.
    pub fn to_note_body(&self) -> Result<String, CheckpointError> {
        if self.origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        if !is_line(&self.origin) || !self.extensions.iter().all(|e| is_line(e)) {
            return Err(CheckpointError::BadLine);
        }
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(&self.root)
        );
        for extension in &self.extensions {
            body.push_str(extension);
            body.push('\n');
        }
        Ok(body)
    }

    /// Parses a note text (as [`Checkpoint::to_note_body`] writes it). Only for a text whose
    /// signature was verified: use [`Checkpoint::open`] on a whole note.
    pub fn parse_body(text: &str) -> Result<Self, CheckpointError> {
        let text = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingLine)?;
        let mut lines = text.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::MissingLine);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        if !is_line(origin) {
            return Err(CheckpointError::BadLine);
        }
        let size = parse_size(size)?;
        let root = parse_root(root)?;
        let extensions = lines
            .map(|line| {
                if is_line(line) {
                    Ok(line.to_owned())
                } else {
                    Err(CheckpointError::BadLine)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The signed note: the body signed by `key` under `key_name` (the desk uses its origin).
    pub fn sign(&self, key_name: &str, key: &SigningKey) -> Result<String, CheckpointError> {
        Ok(sign_note(&self.to_note_body()?, key_name, key)?)
    }

    /// Verifies a signed checkpoint from the log `origin` against its trusted key, and parses it.
    pub fn open(
        note: &[u8],
        origin: &str,
        trusted: &NoteVerifier,
    ) -> Result<Self, CheckpointError> {
        let text = open_note(note, std::slice::from_ref(trusted))?;
        let checkpoint = Self::parse_body(text)?;
        if checkpoint.origin != origin {
            return Err(CheckpointError::OriginMismatch {
                expected: origin.to_owned(),
                found: checkpoint.origin,
            });
        }
        Ok(checkpoint)
    }
}

fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    let canonical = !line.is_empty()
        && line.bytes().all(|b| b.is_ascii_digit())
        && (line == "0" || !line.starts_with('0'));
    if !canonical {
        return Err(CheckpointError::BadSize);
    }
    line.parse().map_err(|_| CheckpointError::BadSize)
}

fn parse_root(line: &str) -> Result<Hash, CheckpointError> {
    let bytes = BASE64
        .decode(line.as_bytes())
        .map_err(|_| CheckpointError::BadRoot)?;
    let root = Hash::try_from(bytes.as_slice()).map_err(|_| CheckpointError::BadRoot)?;
    // One spelling per hash: no stray padding bits. data-encoding's BASE64 already refuses them;
    // the check keeps that promise here whatever the decoder does.
    if BASE64.encode(&root) != line {
        return Err(CheckpointError::BadRoot);
    }
    Ok(root)
}
