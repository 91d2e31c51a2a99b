//! Inclusion and consistency proofs (RFC 9162 §2.1.3 and §2.1.4): building them from a
//! [`LeafSource`] the desk backs with its database, and verifying them with nothing but hashes.
//!
//! Building a proof needs the hashes of O(log n) subtrees. A source that only has leaf hashes
//! makes each of them a rehash of its leaves (a proof at 1M entries reads ~1M leaf hashes); a
//! source that also answers [`LeafSource::subtree`] for the nodes [`crate::Frontier::append_visit`]
//! reports turns them into lookups.

use std::collections::HashMap;

use thiserror::Error;

use crate::frontier::{Frontier, NodeId};
use crate::hash::{node_hash, split, Hash, EMPTY_ROOT};

/// Where proofs read the log's hashes from.
pub trait LeafSource {
    /// Why a read failed (a database error, a missing row).
    type Error: std::error::Error + 'static;

    /// The hash of the leaf at `index` (below the size asked for).
    fn leaf(&self, index: u64) -> Result<Hash, Self::Error>;

    /// The stored hash of a perfect subtree (level >= 1), if the source keeps it. `None` means
    /// "compute it from below", never "it does not exist".
    fn subtree(&self, node: NodeId) -> Result<Option<Hash>, Self::Error> {
        let _ = node;
        Ok(None)
    }
}

/// A plain slice of leaf hashes is a source (it keeps no subtrees).
impl LeafSource for [Hash] {
    type Error = MissingLeaf;

    fn leaf(&self, index: u64) -> Result<Hash, MissingLeaf> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.get(i))
            .copied()
            .ok_or(MissingLeaf(index))
    }
}

impl LeafSource for Vec<Hash> {
    type Error = MissingLeaf;

    fn leaf(&self, index: u64) -> Result<Hash, MissingLeaf> {
        self.as_slice().leaf(index)
    }
}

/// A source had no leaf at an index below the tree size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("the log has no leaf {0}")]
pub struct MissingLeaf(pub u64);

/// An in-memory log that keeps the subtree hashes of the levels a predicate picks: for tests,
/// benchmarks, and as the model of what the desk's tables hold.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    leaves: Vec<Hash>,
    subtrees: HashMap<NodeId, Hash>,
    frontier: Frontier,
    /// Keep subtrees whose level is a multiple of this (0: keep none).
    stride: u32,
}

impl MemoryTree {
    /// A log that keeps every subtree at a level that is a multiple of `stride` (1: all of
    /// them, about one hash per leaf; 4: about one per 15 leaves; 0: none).
    pub fn new(stride: u32) -> Self {
        Self {
            stride,
            ..Self::default()
        }
    }

    /// Appends a leaf hash.
    pub fn append(&mut self, leaf: Hash) {
        self.leaves.push(leaf);
        let (stride, subtrees) = (self.stride, &mut self.subtrees);
        self.frontier.append_visit(leaf, |node, hash| {
            if stride != 0 && node.level % stride == 0 {
                subtrees.insert(node, *hash);
            }
        });
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The root at the current size.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// The number of subtree hashes kept.
    pub fn stored_subtrees(&self) -> usize {
        self.subtrees.len()
    }
}

impl LeafSource for MemoryTree {
    type Error = MissingLeaf;

    fn leaf(&self, index: u64) -> Result<Hash, MissingLeaf> {
        self.leaves.leaf(index)
    }

    fn subtree(&self, node: NodeId) -> Result<Option<Hash>, MissingLeaf> {
        Ok(self.subtrees.get(&node).copied())
    }
}

/// Why a proof could not be built.
#[derive(Debug, Error)]
pub enum ProveError<E: std::error::Error + 'static> {
    /// The leaf index is not below the tree size.
    #[error("leaf {index} is not in a tree of {size} leaves")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree size asked for.
        size: u64,
    },
    /// The old size is larger than the new one.
    #[error("a tree of {old} leaves cannot be a prefix of one of {new}")]
    SizeOrder {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
    },
    /// The source failed.
    #[error("reading the log")]
    Source(#[source] E),
}

/// MTH of the leaves `[start, end)`, from stored subtrees where the source has them.
fn subtree_hash<S: LeafSource + ?Sized>(
    source: &S,
    start: u64,
    end: u64,
) -> Result<Hash, S::Error> {
    let n = end - start;
    match n {
        0 => return Ok(EMPTY_ROOT),
        1 => return source.leaf(start),
        _ => {}
    }
    // Every power-of-two range the RFC's recursion reaches is aligned; checked anyway, since a
    // misaligned NodeId would name another subtree.
    if n.is_power_of_two() && start.is_multiple_of(n) {
        let level = n.trailing_zeros();
        if let Some(hash) = source.subtree(NodeId {
            level,
            index: start >> level,
        })? {
            return Ok(hash);
        }
    }
    let k = split(n);
    Ok(node_hash(
        &subtree_hash(source, start, start + k)?,
        &subtree_hash(source, start + k, end)?,
    ))
}

/// MTH of the first `size` leaves of `source`: the root a checkpoint of that size signs.
pub fn root_at<S: LeafSource + ?Sized>(size: u64, source: &S) -> Result<Hash, S::Error> {
    subtree_hash(source, 0, size)
}

/// The frontier of the first `size` leaves of `source`: to rebuild the desk's persisted frontier
/// (after a restore, or to check it) from stored hashes.
pub fn frontier_at<S: LeafSource + ?Sized>(size: u64, source: &S) -> Result<Frontier, S::Error> {
    let nodes = Frontier::node_ids(size)
        .map(|id| {
            let start = id.first_leaf();
            subtree_hash(source, start, start + (1 << id.level))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Frontier::from_parts(size, nodes).unwrap_or_default())
}

/// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 9162 §2.1.3.1),
/// nearest sibling first.
pub fn inclusion_proof<S: LeafSource + ?Sized>(
    index: u64,
    size: u64,
    source: &S,
) -> Result<Vec<Hash>, ProveError<S::Error>> {
    if index >= size {
        return Err(ProveError::IndexOutOfRange { index, size });
    }
    let mut proof = Vec::new();
    // Walk down from the root, collecting the sibling of each subtree the leaf is in; the path
    // is read from the leaf up, so the siblings are reversed at the end.
    let (mut start, mut end) = (0, size);
    while end - start > 1 {
        let k = split(end - start);
        let mid = start + k;
        if index < mid {
            proof.push(subtree_hash(source, mid, end).map_err(ProveError::Source)?);
            end = mid;
        } else {
            proof.push(subtree_hash(source, start, mid).map_err(ProveError::Source)?);
            start = mid;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// The proof that the tree of `old_size` leaves is a prefix of the tree of `new_size`
/// (RFC 9162 §2.1.4.1), empty when `old_size` is 0 or equal to `new_size`.
pub fn consistency_proof<S: LeafSource + ?Sized>(
    old_size: u64,
    new_size: u64,
    source: &S,
) -> Result<Vec<Hash>, ProveError<S::Error>> {
    if old_size > new_size {
        return Err(ProveError::SizeOrder {
            old: old_size,
            new: new_size,
        });
    }
    let mut proof = Vec::new();
    if old_size == 0 || old_size == new_size {
        return Ok(proof);
    }
    // SUBPROOF(m, D[start..end], whole), unrolled: it recurses into one side only.
    let (mut start, mut end, mut m) = (0, new_size, old_size);
    let mut whole = true;
    while m != end - start {
        let k = split(end - start);
        let mid = start + k;
        if m <= k {
            proof.push(subtree_hash(source, mid, end).map_err(ProveError::Source)?);
            end = mid;
        } else {
            proof.push(subtree_hash(source, start, mid).map_err(ProveError::Source)?);
            start = mid;
            m -= k;
            whole = false;
        }
    }
    if !whole {
        proof.push(subtree_hash(source, start, end).map_err(ProveError::Source)?);
    }
    proof.reverse();
    Ok(proof)
}

/// Why a proof did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// The leaf index is not below the tree size.
    #[error("leaf {index} is not in a tree of {size} leaves")]
    IndexOutOfRange {
        /// The index claimed.
        index: u64,
        /// The tree size claimed.
        size: u64,
    },
    /// The old size is larger than the new one.
    #[error("a tree of {old} leaves cannot be a prefix of one of {new}")]
    SizeOrder {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
    },
    /// The proof has too few or too many hashes for the sizes.
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    /// The proof leads to another root than the one expected (or, for consistency, to another
    /// old root).
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    if index >= size {
        return Err(VerifyError::IndexOutOfRange { index, size });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if s == 0 {
            return Err(VerifyError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(VerifyError::WrongLength);
    }
    if r != *root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2). A tree of 0 leaves is consistent with any
/// tree through an empty proof, provided its root is the empty root; equal sizes need equal
/// roots and an empty proof.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), VerifyError> {
    if old_size > new_size {
        return Err(VerifyError::SizeOrder {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(VerifyError::WrongLength);
        }
        let expected = if old_size == 0 { &EMPTY_ROOT } else { new_root };
        return if old_root == expected {
            Ok(())
        } else {
            Err(VerifyError::RootMismatch)
        };
    }
    // Step 2: an old tree that is a perfect subtree is its own first hash.
    let (first, rest) = if old_size.is_power_of_two() {
        (old_root, proof)
    } else {
        proof.split_first().ok_or(VerifyError::WrongLength)?
    };
    let (mut f, mut s) = (old_size - 1, new_size - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return Err(VerifyError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(VerifyError::WrongLength);
    }
    if fr != *old_root || sr != *new_root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}
