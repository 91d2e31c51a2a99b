//! The crate against a naive transcription of RFC 9162's recursive definitions (MTH, PATH,
//! PROOF/SUBPROOF) for every tree size up to 300: the same roots and proofs, every proof
//! verifies, and any flipped bit in a proof, a root or a leaf is refused.

#![allow(clippy::unwrap_used)]

use verity_oplog::{
    consistency_proof, frontier_at, inclusion_proof, leaf_hash, node_hash, root, root_at,
    verify_consistency, verify_inclusion, Frontier, Hash, MemoryTree, NodeId,
};

const MAX: usize = 300;

fn k(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => verity_oplog::EMPTY_ROOT,
        1 => d[0],
        n => node_hash(&mth(&d[..k(n)]), &mth(&d[k(n)..])),
    }
}

fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    let n = d.len();
    if n <= 1 {
        return vec![];
    }
    let k = k(n);
    let (mut p, sibling) = if m < k {
        (path(m, &d[..k]), mth(&d[k..]))
    } else {
        (path(m - k, &d[k..]), mth(&d[..k]))
    };
    p.push(sibling);
    p
}

fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { vec![] } else { vec![mth(d)] };
    }
    let k = k(n);
    let (mut p, sibling) = if m <= k {
        (subproof(m, &d[..k], b), mth(&d[k..]))
    } else {
        (subproof(m - k, &d[k..], false), mth(&d[..k]))
    };
    p.push(sibling);
    p
}

fn leaves(n: usize) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(&(i as u64).to_le_bytes()))
        .collect()
}

fn flipped(h: &Hash, bit: usize) -> Hash {
    let mut h = *h;
    h[bit / 8 % 32] ^= 1 << (bit % 8);
    h
}

#[test]
fn frontier_and_root_match_the_naive_root_at_every_size() {
    let d = leaves(MAX);
    let mut frontier = Frontier::new();
    for n in 0..=MAX {
        let expected = mth(&d[..n]);
        assert_eq!(root(&d[..n]), expected, "root at {n}");
        assert_eq!(frontier.root(), expected, "frontier at {n}");
        let restored = Frontier::from_bytes(&frontier.to_bytes()).unwrap();
        assert_eq!(restored, frontier);
        assert_eq!(restored.root(), expected);
        if n < MAX {
            frontier.append(d[n]);
        }
    }
}

#[test]
fn inclusion_proofs_match_the_naive_ones_and_verify() {
    let d = leaves(MAX);
    let mut tree = MemoryTree::new(1);
    for n in 1..=MAX {
        tree.append(d[n - 1]);
        let r = tree.root();
        assert_eq!(r, mth(&d[..n]));
        for i in 0..n {
            let proof = inclusion_proof(i as u64, n as u64, &tree).unwrap();
            // The naive PATH is quadratic: compare it on small trees and a sample of the rest.
            if n <= 64 || i % 37 == 0 || i == n - 1 {
                assert_eq!(proof, path(i, &d[..n]), "leaf {i} of {n}");
            }
            verify_inclusion(&d[i], i as u64, n as u64, &proof, &r).unwrap();
            let bit = (i * 7 + n) % 256;
            assert!(
                verify_inclusion(&flipped(&d[i], bit), i as u64, n as u64, &proof, &r).is_err()
            );
            assert!(
                verify_inclusion(&d[i], i as u64, n as u64, &proof, &flipped(&r, bit)).is_err()
            );
            for j in 0..proof.len() {
                if n <= 64 || j == (i + n) % proof.len() {
                    let mut bad = proof.clone();
                    bad[j] = flipped(&bad[j], bit + j);
                    assert!(verify_inclusion(&d[i], i as u64, n as u64, &bad, &r).is_err());
                }
            }
            if n > 1 {
                let other = (i + 1) % n;
                assert!(verify_inclusion(&d[i], other as u64, n as u64, &proof, &r).is_err());
            }
        }
    }
}

#[test]
fn consistency_proofs_match_the_naive_ones_and_verify() {
    let d = leaves(MAX);
    let mut tree = MemoryTree::new(1);
    let mut roots = vec![mth(&[])];
    for n in 1..=MAX {
        tree.append(d[n - 1]);
        roots.push(tree.root());
    }
    for n in 1..=MAX {
        for m in 0..=n {
            let proof = consistency_proof(m as u64, n as u64, &tree).unwrap();
            if m > 0 && m < n && (n <= 64 || m % 29 == 0) {
                assert_eq!(proof, subproof(m, &d[..n], true), "{m} -> {n}");
            }
            let (r1, r2) = (roots[m], roots[n]);
            verify_consistency(m as u64, n as u64, &r1, &r2, &proof).unwrap();
            let bit = (m * 5 + n) % 256;
            if m != 0 {
                assert!(
                    verify_consistency(m as u64, n as u64, &flipped(&r1, bit), &r2, &proof)
                        .is_err()
                );
            }
            if m != 0 && m != n {
                assert!(
                    verify_consistency(m as u64, n as u64, &r1, &flipped(&r2, bit), &proof)
                        .is_err()
                );
            }
            // One element per proof, a different one each time (all of them on small trees).
            for j in 0..proof.len() {
                if n <= 64 || j == (m + n) % proof.len() {
                    let mut bad = proof.clone();
                    bad[j] = flipped(&bad[j], bit + j);
                    assert!(verify_consistency(m as u64, n as u64, &r1, &r2, &bad).is_err());
                }
            }
        }
    }
}

/// Stored subtrees are a shortcut, never a different answer: the same proofs from a plain slice
/// and from trees that keep every level, every third level, or none.
#[test]
fn stored_subtrees_do_not_change_proofs() {
    let d = leaves(130);
    let mut trees = [MemoryTree::new(0), MemoryTree::new(1), MemoryTree::new(3)];
    for leaf in &d {
        for tree in &mut trees {
            tree.append(*leaf);
        }
    }
    assert_eq!(trees[0].stored_subtrees(), 0);
    assert_eq!(
        trees[1].stored_subtrees(),
        130 - 130usize.count_ones() as usize
    );
    for n in [1u64, 2, 3, 7, 8, 64, 65, 100, 127, 128, 129, 130] {
        assert_eq!(root_at(n, d.as_slice()).unwrap(), mth(&d[..n as usize]));
        for i in (0..n).step_by(3) {
            let expected = inclusion_proof(i, n, d.as_slice()).unwrap();
            for tree in &trees {
                assert_eq!(inclusion_proof(i, n, tree).unwrap(), expected);
            }
        }
        for m in 0..=n {
            let expected = consistency_proof(m, n, d.as_slice()).unwrap();
            for tree in &trees {
                assert_eq!(consistency_proof(m, n, tree).unwrap(), expected);
            }
        }
    }
}

/// The nodes `append_visit` reports are the true subtree hashes, and `node_ids` places the
/// frontier's hashes in the tree.
#[test]
fn completed_nodes_are_the_subtree_hashes() {
    let d = leaves(MAX);
    let mut frontier = Frontier::new();
    let mut seen = 0;
    for leaf in &d {
        frontier.append_visit(*leaf, |node: NodeId, hash| {
            let start = node.first_leaf() as usize;
            assert_eq!(*hash, mth(&d[start..start + (1 << node.level)]), "{node:?}");
            seen += 1;
        });
        assert_eq!(
            frontier_at(frontier.size(), d.as_slice()).unwrap(),
            frontier
        );
        let ids: Vec<_> = Frontier::node_ids(frontier.size()).collect();
        assert_eq!(ids.len(), frontier.nodes().len());
        for (id, hash) in ids.iter().zip(frontier.nodes()) {
            let start = id.first_leaf() as usize;
            assert_eq!(*hash, mth(&d[start..start + (1 << id.level)]));
        }
    }
    assert_eq!(seen, MAX - MAX.count_ones() as usize);
}

#[test]
fn frontier_bytes_are_checked() {
    let mut frontier = Frontier::new();
    for leaf in leaves(5) {
        frontier.append(leaf);
    }
    let bytes = frontier.to_bytes();
    assert_eq!(bytes.len(), 1 + 8 + 2 * 32);
    assert!(Frontier::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    assert!(Frontier::from_bytes(&bytes[..bytes.len() - 32]).is_err());
    assert!(Frontier::from_bytes(&[]).is_err());
    let mut wrong_size = bytes.clone();
    wrong_size[8] = 6; // 6 has two set bits too: accepted, but then 7 must not be.
    assert!(Frontier::from_bytes(&wrong_size).is_ok());
    wrong_size[8] = 7;
    assert!(Frontier::from_bytes(&wrong_size).is_err());
    let mut wrong_version = bytes;
    wrong_version[0] = 2;
    assert!(Frontier::from_bytes(&wrong_version).is_err());
}
