//! What the console runs before it says "verified up to checkpoint N": the signed checkpoint
//! verifies against the desk's key, it is consistent with the last checkpoint the console kept,
//! and every entry shown hashes to a leaf included in it.

use thiserror::Error;

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::hash::{leaf_hash, Hash};
use crate::note::NoteVerifier;
use crate::proof::{verify_consistency, verify_inclusion, VerifyError};

/// One entry as the console received it: its position, its bytes as hashed into the log, and
/// its inclusion proof against the checkpoint.
#[derive(Debug, Clone, Copy)]
pub struct EntryToVerify<'a> {
    /// The entry's position in the log.
    pub index: u64,
    /// The canonical bytes the desk hashed into the leaf.
    pub data: &'a [u8],
    /// The inclusion proof at the checkpoint's size.
    pub proof: &'a [Hash],
}

/// The checkpoint the console kept from its last look, and the desk's consistency proof from it
/// to the new one.
#[derive(Debug, Clone, Copy)]
pub struct Previous<'a> {
    /// The last verified checkpoint.
    pub checkpoint: &'a Checkpoint,
    /// The consistency proof from its size to the new checkpoint's.
    pub proof: &'a [Hash],
}

/// Why nothing could be verified (the checkpoint itself failed).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuditError {
    /// The signed checkpoint was refused.
    #[error("checkpoint refused: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The new checkpoint does not extend the last one kept: the log was rewritten (or the
    /// proof is wrong).
    #[error("checkpoint {new} does not extend checkpoint {old}: {error}")]
    Inconsistent {
        /// The size of the checkpoint kept.
        old: u64,
        /// The size of the new checkpoint.
        new: u64,
        /// What failed.
        error: VerifyError,
    },
}

/// The outcome for a batch of entries under a verified checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// The verified checkpoint (the console keeps it for next time when `failed` is empty).
    pub checkpoint: Checkpoint,
    /// How many entries verified.
    pub verified: usize,
    /// The entries that did not, by index, with why.
    pub failed: Vec<(u64, VerifyError)>,
}

impl AuditReport {
    /// Whether every entry verified.
    pub fn all_verified(&self) -> bool {
        self.failed.is_empty()
    }

    /// One line for the console.
    pub fn summary(&self) -> String {
        match self.failed.first() {
            None => format!("verified up to checkpoint {}", self.checkpoint.size),
            Some((index, error)) => format!(
                "entry {index} failed verification against checkpoint {} ({error}){}",
                self.checkpoint.size,
                match self.failed.len() - 1 {
                    0 => String::new(),
                    more => format!(", and {more} more"),
                }
            ),
        }
    }
}

/// Verifies a signed checkpoint, its consistency with the previous one, and each entry's
/// inclusion in it.
pub fn verify_entries(
    note: &[u8],
    origin: &str,
    trusted: &NoteVerifier,
    previous: Option<Previous<'_>>,
    entries: &[EntryToVerify<'_>],
) -> Result<AuditReport, AuditError> {
    let checkpoint = Checkpoint::open(note, origin, trusted)?;
    if let Some(previous) = previous {
        let old = previous.checkpoint;
        verify_consistency(
            old.size,
            checkpoint.size,
            &old.root,
            &checkpoint.root,
            previous.proof,
        )
        .map_err(|error| AuditError::Inconsistent {
            old: old.size,
            new: checkpoint.size,
            error,
        })?;
    }
    let mut failed = Vec::new();
    for entry in entries {
        let leaf = leaf_hash(entry.data);
        if let Err(error) = verify_inclusion(
            &leaf,
            entry.index,
            checkpoint.size,
            entry.proof,
            &checkpoint.root,
        ) {
            failed.push((entry.index, error));
        }
    }
    Ok(AuditReport {
        verified: entries.len() - failed.len(),
        checkpoint,
        failed,
    })
}
