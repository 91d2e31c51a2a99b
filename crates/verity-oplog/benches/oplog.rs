//! What the operation log costs the desk and the console: appending an entry to the frontier,
//! building an inclusion proof at 1M entries from three kinds of store (every subtree hash kept,
//! every fourth level kept, leaf hashes only), a consistency proof, and verifying proofs and a
//! signed checkpoint.
//!
//! `cargo bench -p verity-oplog --bench oplog`. Run by `cargo test --benches` (no `--bench`
//! flag), it uses 10 000 entries: a smoke run.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::SigningKey;
use verity_oplog::{
    consistency_proof, inclusion_proof, leaf_hash, verify_consistency, verify_inclusion,
    Checkpoint, Frontier, Hash, MemoryTree, NoteVerifier,
};

/// The log's size: 1M entries, or 10 000 for a smoke run. Inclusion proofs are for leaf
/// `INDEX`, the consistency proof from 1000 entries fewer.
fn size() -> u64 {
    if std::env::args().any(|a| a == "--bench") {
        1_000_000
    } else {
        10_000
    }
}
const INDEX: u64 = 1_234;

fn leaves(size: u64) -> Vec<Hash> {
    (0..size).map(|i| leaf_hash(&i.to_le_bytes())).collect()
}

fn tree(leaves: &[Hash], stride: u32) -> MemoryTree {
    let mut tree = MemoryTree::new(stride);
    for leaf in leaves {
        tree.append(*leaf);
    }
    tree
}

fn append(c: &mut Criterion) {
    let leaf = leaf_hash(b"an operation");
    c.bench_function("frontier append (amortised)", |b| {
        let mut frontier = Frontier::new();
        b.iter(|| frontier.append(black_box(leaf)));
    });
    c.bench_function("leaf hash (200-byte entry)", |b| {
        let entry = [b'x'; 200];
        b.iter(|| leaf_hash(black_box(&entry)));
    });
    let mut frontier = Frontier::new();
    for i in 0..size() {
        frontier.append(leaf_hash(&i.to_le_bytes()));
    }
    c.bench_function("frontier root at 1M", |b| {
        b.iter(|| black_box(&frontier).root());
    });
    c.bench_function("frontier to/from bytes at 1M", |b| {
        b.iter(|| Frontier::from_bytes(&black_box(&frontier).to_bytes()));
    });
}

fn proofs(c: &mut Criterion) {
    let size = size();
    let old = size - 1000;
    let leaves = leaves(size);
    let full = tree(&leaves, 1);
    let sparse = tree(&leaves, 4);
    let root = full.root();
    let proof = inclusion_proof(INDEX, size, &full).unwrap_or_default();
    println!(
        "subtree hashes kept: {} (every level), {} (every fourth level)",
        full.stored_subtrees(),
        sparse.stored_subtrees()
    );
    c.bench_function("inclusion proof at 1M, every subtree kept", |b| {
        b.iter(|| inclusion_proof(black_box(INDEX), size, &full));
    });
    c.bench_function("inclusion proof at 1M, every 4th level kept", |b| {
        b.iter(|| inclusion_proof(black_box(INDEX), size, &sparse));
    });
    c.bench_function("consistency proof 999,000 -> 1M, every subtree kept", |b| {
        b.iter(|| consistency_proof(black_box(old), size, &full));
    });
    c.bench_function("verify inclusion at 1M", |b| {
        b.iter(|| {
            verify_inclusion(
                &leaves[INDEX as usize],
                black_box(INDEX),
                size,
                &proof,
                &root,
            )
        });
    });
    let old_root = verity_oplog::root_at(old, &full).unwrap_or_default();
    let consistency = consistency_proof(old, size, &full).unwrap_or_default();
    c.bench_function("verify consistency 999,000 -> 1M", |b| {
        b.iter(|| verify_consistency(black_box(old), size, &old_root, &root, &consistency));
    });

    let mut slow = c.benchmark_group("leaf hashes only");
    slow.sample_size(10)
        .measurement_time(Duration::from_secs(5));
    slow.bench_function("inclusion proof at 1M, leaf hashes only", |b| {
        b.iter(|| inclusion_proof(black_box(INDEX), size, leaves.as_slice()));
    });
    slow.finish();
}

fn checkpoints(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[7; 32]);
    let origin = "desk.example/oplog";
    let checkpoint = Checkpoint {
        origin: origin.into(),
        size: size(),
        root: [42; 32],
        extensions: vec![],
    };
    let Ok(note) = checkpoint.sign(origin, &key) else {
        return;
    };
    let Ok(verifier) = NoteVerifier::new(origin, key.verifying_key()) else {
        return;
    };
    c.bench_function("sign checkpoint", |b| {
        b.iter(|| black_box(&checkpoint).sign(origin, &key));
    });
    c.bench_function("open checkpoint", |b| {
        b.iter(|| Checkpoint::open(black_box(note.as_bytes()), origin, &verifier));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = append, proofs, checkpoints
}
criterion_main!(benches);
