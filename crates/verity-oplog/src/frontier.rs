//! The compact range of a growing log (its "frontier"): the roots of the perfect subtrees that
//! the tree of `size` leaves decomposes into, largest first, one per set bit of `size`. Appending
//! a leaf merges at most log2(size) of them; the root is a fold over at most 64 hashes. The desk
//! persists the frontier's bytes next to the leaf hashes so that it never rehashes the log.

use thiserror::Error;

use crate::hash::{node_hash, Hash, EMPTY_ROOT};

/// A perfect subtree of the log: the `2^level` leaves from `index << level` on. Level 0 is a
/// leaf; the root of the whole tree is such a node only when its size is a power of two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// The height above the leaves.
    pub level: u32,
    /// The position among the nodes of that level, from the left.
    pub index: u64,
}

impl NodeId {
    /// The first leaf the node covers.
    pub fn first_leaf(self) -> u64 {
        self.index << self.level
    }
}

/// Why frontier bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrontierError {
    /// Not the version this crate writes.
    #[error("frontier bytes of an unknown version")]
    Version,
    /// The length does not match the tree size the bytes claim.
    #[error("frontier bytes of the wrong length for their tree size")]
    Length,
}

/// The incremental Merkle tree state of an append-only log: O(log n) hashes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    /// Roots of the perfect subtrees, largest (leftmost) first; `nodes.len() == size.count_ones()`.
    nodes: Vec<Hash>,
}

const VERSION: u8 = 1;

impl Frontier {
    /// The frontier of the empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The roots of the perfect subtrees, largest first.
    pub fn nodes(&self) -> &[Hash] {
        &self.nodes
    }

    /// Appends one leaf hash.
    pub fn append(&mut self, leaf: Hash) {
        self.append_visit(leaf, |_, _| {});
    }

    /// Appends one leaf hash and reports each interior node (level >= 1) the append completed,
    /// lowest first: the hashes a store may keep so that proofs never rehash a whole subtree.
    pub fn append_visit(&mut self, leaf: Hash, mut completed: impl FnMut(NodeId, &Hash)) {
        let mut hash = leaf;
        let mut index = self.size;
        let mut level = 0;
        // Each trailing 1 bit of the old size is a perfect subtree of the same height as `hash`.
        while index & 1 == 1 {
            let Some(left) = self.nodes.pop() else {
                break; // Unreachable: one node per set bit.
            };
            hash = node_hash(&left, &hash);
            index >>= 1;
            level += 1;
            completed(NodeId { level, index }, &hash);
        }
        self.nodes.push(hash);
        self.size += 1;
    }

    /// MTH of the current size.
    pub fn root(&self) -> Hash {
        let mut iter = self.nodes.iter().rev();
        let Some(last) = iter.next() else {
            return EMPTY_ROOT;
        };
        iter.fold(*last, |acc, left| node_hash(left, &acc))
    }

    /// The bytes to persist: a version byte, the size as 8 bytes big-endian, then the hashes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + 32 * self.nodes.len());
        out.push(VERSION);
        out.extend_from_slice(&self.size.to_be_bytes());
        for node in &self.nodes {
            out.extend_from_slice(node);
        }
        out
    }

    /// Restores a frontier from [`Frontier::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FrontierError> {
        let (&version, rest) = bytes.split_first().ok_or(FrontierError::Length)?;
        if version != VERSION {
            return Err(FrontierError::Version);
        }
        let (size, hashes) = rest.split_first_chunk::<8>().ok_or(FrontierError::Length)?;
        let size = u64::from_be_bytes(*size);
        let (chunks, remainder) = hashes.as_chunks::<32>();
        if !remainder.is_empty() || chunks.len() != size.count_ones() as usize {
            return Err(FrontierError::Length);
        }
        Ok(Self {
            size,
            nodes: chunks.to_vec(),
        })
    }

    /// Builds the frontier of `nodes` given explicitly (largest first) for a tree of `size`
    /// leaves, e.g. read back from a store. `None` when the count does not match `size`.
    pub fn from_parts(size: u64, nodes: Vec<Hash>) -> Option<Self> {
        (nodes.len() == size.count_ones() as usize).then_some(Self { size, nodes })
    }

    /// The perfect subtrees of a tree of `size` leaves, largest first: where the frontier's
    /// hashes sit in the tree.
    pub fn node_ids(size: u64) -> impl Iterator<Item = NodeId> {
        (0..64u32)
            .rev()
            .filter(move |l| size >> l & 1 == 1)
            .map(move |level| NodeId {
                level,
                // The leaves before this subtree are the higher bits of size.
                index: (size >> level) - 1,
            })
    }
}
