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
    consistency_proof, inclusion_proof, root_at, verify_consistency, verify_inclusion, FnSource,
    LeafSource, MemoryTree, MissingLeaf, ProveError, VerifyError,
};
