//! Known answers from outside this crate: the RFC 6962 test tree of certificate-transparency /
//! transparency-dev/merkle (`testonly/constants.go`, `proof/verify_test.go`), eight leaves with
//! the root of every size and a few proofs. A tree that only agrees with itself proves nothing
//! to an auditor with another implementation.

#![allow(clippy::unwrap_used)]

use data_encoding::HEXLOWER;
use verity_oplog::{
    consistency_proof, inclusion_proof, leaf_hash, root, verify_consistency, verify_inclusion,
    Frontier, Hash, VerifyError, EMPTY_ROOT,
};

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// The root for each size 0..=8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf index, tree size, proof). The Go file numbers leaves from 1; these are 0-based.
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (old size, new size, proof).
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn h(hex: &str) -> Hash {
    let bytes = HEXLOWER.decode(hex.as_bytes()).unwrap();
    Hash::try_from(bytes.as_slice()).unwrap()
}

fn leaf_hashes() -> Vec<Hash> {
    LEAVES
        .iter()
        .map(|l| leaf_hash(&HEXLOWER.decode(l.as_bytes()).unwrap()))
        .collect()
}

fn hashes(proof: &[&str]) -> Vec<Hash> {
    proof.iter().map(|p| h(p)).collect()
}

#[test]
fn roots_of_every_size_match_rfc_6962() {
    let leaves = leaf_hashes();
    assert_eq!(EMPTY_ROOT, h(ROOTS[0]));
    let mut frontier = Frontier::new();
    assert_eq!(frontier.root(), h(ROOTS[0]));
    for size in 1..=8 {
        assert_eq!(root(&leaves[..size]), h(ROOTS[size]), "root at size {size}");
        frontier.append(leaves[size - 1]);
        assert_eq!(frontier.root(), h(ROOTS[size]), "frontier at size {size}");
    }
}

#[test]
fn inclusion_proofs_match_the_reference() {
    let leaves = leaf_hashes();
    for (index, size, proof) in INCLUSION {
        let expected = hashes(proof);
        let built = inclusion_proof(index, size, leaves.as_slice()).unwrap();
        assert_eq!(built, expected, "proof for leaf {index} at size {size}");
        let root = h(ROOTS[size as usize]);
        verify_inclusion(&leaves[index as usize], index, size, &expected, &root).unwrap();
    }
}

#[test]
fn consistency_proofs_match_the_reference() {
    let leaves = leaf_hashes();
    for (old, new, proof) in CONSISTENCY {
        let expected = hashes(proof);
        let built = consistency_proof(old, new, leaves.as_slice()).unwrap();
        assert_eq!(built, expected, "proof from {old} to {new}");
        verify_consistency(
            old,
            new,
            &h(ROOTS[old as usize]),
            &h(ROOTS[new as usize]),
            &expected,
        )
        .unwrap();
    }
}

/// The corruptions transparency-dev/merkle's verifier tests try: each must be refused.
#[test]
fn corrupted_inclusion_proofs_are_refused() {
    let leaves = leaf_hashes();
    let some = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for (index, size, proof) in INCLUSION.into_iter().filter(|(_, _, p)| !p.is_empty()) {
        let proof = hashes(proof);
        let root = h(ROOTS[size as usize]);
        let leaf = leaves[index as usize];
        let refused = |i: u64, s: u64, l: &Hash, p: &[Hash], r: &Hash| {
            verify_inclusion(l, i, s, p, r).is_err()
        };
        assert!(refused(index.wrapping_sub(1), size, &leaf, &proof, &root));
        assert!(refused(index + 1, size, &leaf, &proof, &root));
        assert!(refused(index ^ 2, size, &leaf, &proof, &root));
        assert!(refused(index, size * 2, &leaf, &proof, &root));
        assert!(refused(index, size / 2, &leaf, &proof, &root));
        assert!(refused(index, size, &some, &proof, &root));
        assert!(refused(index, size, &leaf, &proof, &EMPTY_ROOT));
        assert!(refused(index, size, &leaf, &proof, &some));
        let mut longer = proof.clone();
        longer.push(root);
        assert!(refused(index, size, &leaf, &longer, &root));
        let mut longer = vec![root];
        longer.extend_from_slice(&proof);
        assert!(refused(index, size, &leaf, &longer, &root));
        assert!(refused(
            index,
            size,
            &leaf,
            &proof[..proof.len() - 1],
            &root
        ));
        for i in 0..proof.len() {
            let mut flipped = proof.clone();
            flipped[i][0] ^= 8;
            assert!(refused(index, size, &leaf, &flipped, &root));
        }
    }
}

#[test]
fn corrupted_consistency_proofs_are_refused() {
    for (old, new, proof) in CONSISTENCY.into_iter().filter(|(_, _, p)| !p.is_empty()) {
        let proof = hashes(proof);
        let (r1, r2) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
        let refused = |o: u64, n: u64, a: &Hash, b: &Hash, p: &[Hash]| {
            verify_consistency(o, n, a, b, p).is_err()
        };
        assert!(refused(old - 1, new, &r1, &r2, &proof));
        assert!(refused(old + 1, new, &r1, &r2, &proof));
        assert!(refused(old ^ 2, new, &r1, &r2, &proof));
        assert!(refused(old, new * 2, &r1, &r2, &proof));
        assert!(refused(old, new / 2, &r1, &r2, &proof));
        assert!(refused(old, new, &r2, &r1, &proof));
        assert!(refused(old, new, &EMPTY_ROOT, &r2, &proof));
        assert!(refused(old, new, &r1, &EMPTY_ROOT, &proof));
        assert!(refused(old, new, &r1, &r2, &[]));
        for extra in [r1, r2, proof[0]] {
            let mut longer = proof.clone();
            longer.push(extra);
            assert!(refused(old, new, &r1, &r2, &longer));
            let mut longer = vec![extra];
            longer.extend_from_slice(&proof);
            assert!(refused(old, new, &r1, &r2, &longer));
        }
        assert!(refused(old, new, &r1, &r2, &proof[..proof.len() - 1]));
        for i in 0..proof.len() {
            let mut flipped = proof.clone();
            flipped[i][0] ^= 16;
            assert!(refused(old, new, &r1, &r2, &flipped));
        }
    }
}

#[test]
fn trivial_consistency_cases() {
    let r = h(ROOTS[3]);
    // Equal sizes: equal roots and an empty proof.
    assert_eq!(verify_consistency(3, 3, &r, &r, &[]), Ok(()));
    assert_eq!(
        verify_consistency(3, 3, &r, &EMPTY_ROOT, &[]),
        Err(VerifyError::RootMismatch)
    );
    assert_eq!(
        verify_consistency(3, 3, &r, &r, &[r]),
        Err(VerifyError::WrongLength)
    );
    // From the empty tree: its root must be the empty root.
    assert_eq!(verify_consistency(0, 3, &EMPTY_ROOT, &r, &[]), Ok(()));
    assert_eq!(
        verify_consistency(0, 3, &r, &r, &[]),
        Err(VerifyError::RootMismatch)
    );
    assert_eq!(
        verify_consistency(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, &[EMPTY_ROOT]),
        Err(VerifyError::WrongLength)
    );
    // Time does not run backwards.
    assert_eq!(
        verify_consistency(4, 3, &r, &r, &[]),
        Err(VerifyError::SizeOrder { old: 4, new: 3 })
    );
    // An index beyond the tree.
    assert_eq!(
        verify_inclusion(&r, 3, 3, &[], &r),
        Err(VerifyError::IndexOutOfRange { index: 3, size: 3 })
    );
    assert!(verify_inclusion(&r, 0, 0, &[], &EMPTY_ROOT).is_err());
}

/// Asking for what the log cannot prove is a typed error, and so is a store missing a row.
#[test]
fn impossible_proofs_are_typed_errors() {
    use verity_oplog::{MissingLeaf, ProveError};
    let leaves = leaf_hashes();
    assert!(matches!(
        inclusion_proof(8, 8, leaves.as_slice()),
        Err(ProveError::IndexOutOfRange { index: 8, size: 8 })
    ));
    assert!(matches!(
        consistency_proof(5, 4, leaves.as_slice()),
        Err(ProveError::SizeOrder { old: 5, new: 4 })
    ));
    // The store has 8 leaves; a proof at size 9 needs the ninth.
    assert!(matches!(
        inclusion_proof(0, 9, leaves.as_slice()),
        Err(ProveError::Source(MissingLeaf(8)))
    ));
    assert!(matches!(
        consistency_proof(3, 9, leaves.as_slice()),
        Err(ProveError::Source(MissingLeaf(8)))
    ));
}
