//! The desk's tamper-evident operation log, as a transparency log: every operation is a leaf of
//! an RFC 6962 / RFC 9162 Merkle tree, the desk signs checkpoints of the tree in the C2SP
//! tlog-checkpoint format, and the console checks inclusion proofs for the entries it shows and
//! consistency proofs between the checkpoints it has seen.
//!
//! Pure: no SQL, no files, no clock, no randomness. The desk stores the leaf hashes (and, to
//! make proofs cheap at scale, the subtree hashes [`Frontier::append_visit`] reports) and the
//! [`Frontier`]'s bytes, decides when to sign (every 60 s or 100 entries), and reads through a
//! [`LeafSource`] it implements over its tables.
//!
//! # What the desk stores, and how proofs stay cheap
//!
//! - Per entry, in the same transaction as the entry: its leaf hash ([`leaf_hash`] of the
//!   entry's canonical bytes), by index.
//! - The [`Frontier`]'s bytes (9 + 32 x popcount(size) bytes, at most 2 KiB), rewritten on each
//!   append: the root at any moment without reading the log.
//! - The subtree hashes [`Frontier::append_visit`] reports, by (level, index): one per entry on
//!   average if every level is kept. [`LeafSource::subtree`] then answers each of a proof's
//!   O(log n) siblings with one lookup. Without them a proof rehashes the log (every leaf hash up
//!   to the tree size is read: about 0.4 s at 1M entries here); keeping only levels that are
//!   multiples of 4 costs a fifteenth of the rows and about 10x the lookups.
//! - The signed checkpoints it published (the notes as text), so that it can show an old one and
//!   prove consistency from any size a client holds.
//!
//! # The flow
//!
//! ```
//! use ed25519_dalek::SigningKey;
//! use verity_oplog::*;
//!
//! // The desk: append entries, sign a checkpoint, answer a proof request.
//! let key = SigningKey::from_bytes(&[7; 32]);
//! let origin = "desk.example/oplog";
//! let mut log = MemoryTree::new(1); // the desk's tables, in memory
//! for entry in ["login alice", "export report", "lock device 12"] {
//!     log.append(leaf_hash(entry.as_bytes()));
//! }
//! let (size, root) = (log.size(), log.root());
//! let checkpoint = Checkpoint { origin: origin.into(), size, root, extensions: vec![] };
//! let note = checkpoint.sign(origin, &key)?;
//! let proof = inclusion_proof(1, log.size(), &log)?;
//!
//! // The console: trust the desk's key, check the entry it shows.
//! let trusted = NoteVerifier::new(origin, key.verifying_key())?;
//! let entry = EntryToVerify { index: 1, data: b"export report", proof: &proof };
//! let report = verify_entries(note.as_bytes(), origin, &trusted, None, &[entry])?;
//! assert_eq!(report.summary(), "verified up to checkpoint 3");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Modules: [`hash`] (leaf, node and root hashes), [`frontier`] (the O(log n) state of a growing
//! tree), [`proof`] (inclusion and consistency proofs), [`note`] (C2SP signed notes, Ed25519),
//! [`checkpoint`] (the tree head inside a note), [`audit`] (the console's check of a page of
//! entries).

pub mod audit;
pub mod checkpoint;
pub mod frontier;
pub mod hash;
pub mod note;
pub mod proof;

pub use audit::{verify_entries, AuditError, AuditReport, EntryToVerify, Previous};
pub use checkpoint::{Checkpoint, CheckpointError};
pub use frontier::{Frontier, FrontierError, NodeId};
pub use hash::{leaf_hash, node_hash, root, Hash, EMPTY_ROOT};
pub use note::{key_id, open_note, sign_note, NoteError, NoteVerifier, MAX_NOTE_BYTES};
pub use proof::{
    consistency_proof, frontier_at, inclusion_proof, root_at, verify_consistency, verify_inclusion,
    LeafSource, MemoryTree, MissingLeaf, ProveError, VerifyError,
};
