//! Rough figures for the feed's apply path (not a criterion bench):
//!
//! ```text
//! cargo run --release -p verity-feed --example apply_bench -- [ENTRIES] [CHANGES]
//! ```
//!
//! Builds a synthetic list of ENTRIES phone numbers (default 1 000 000), encodes and applies it
//! as a snapshot to a fresh store in a temporary directory, then a delta of CHANGES additions
//! and CHANGES removals (default 10 000 each), each with the in-transaction checksum check, and
//! rebuilds the index. Prints sizes and timings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::Timestamp;
use verity_feed::format::{self, ChecksumBuilder, DecodeLimits, FeedEntry, FeedFile, FileKind};
use verity_store::{FeedMode, FeedSuccess, FeedUpdate, Store};

fn phone(n: u64) -> FeedEntry {
    FeedEntry {
        entry: BlocklistEntry {
            kind: EntryKind::Phone,
            value: format!("+{}", 85_200_000_000u64 + n),
            category: Category::FakeSupport,
            campaign: Some("bulk".into()),
            source: Some("bench".into()),
            added: Timestamp(1_790_000_000),
        },
        alert: false,
    }
}

fn apply(store: &mut Store, f: &FeedFile) -> f64 {
    let t = Instant::now();
    let checksum = f.checksum.to_hex();
    let update = FeedUpdate {
        mode: if f.kind == FileKind::Snapshot {
            FeedMode::Snapshot
        } else {
            FeedMode::Delta
        },
        removals: &f.removals,
        upserts: &f.entries,
        official: None,
        success: FeedSuccess {
            url: "bench",
            version: f.version,
            checksum: &checksum,
            published: f.created,
            at: f.created,
            expires: f.created,
            min_wait: None,
        },
    };
    let expected = f.checksum;
    let skip = std::env::var_os("BENCH_SKIP_CHECK").is_some();
    store
        .apply_feed_update(&update, |rows| {
            if skip {
                return Ok(());
            }
            let mut b = ChecksumBuilder::default();
            for r in rows {
                let r = r.map_err(|e| e.to_string())?;
                b.push(&r.entry, r.alert);
            }
            (b.finish() == expected)
                .then_some(())
                .ok_or_else(|| "checksum".to_owned())
        })
        .unwrap();
    t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(1_000_000);
    let k = args.get(1).copied().unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();

    let mut list: Vec<FeedEntry> = (0..n).map(|i| phone(i * 3)).collect();
    format::canonicalize(&mut list);
    let snap = FeedFile {
        kind: FileKind::Snapshot,
        version: 1,
        base: 0,
        created: Timestamp(1_790_000_000),
        checksum: format::list_checksum(&list),
        official: None,
        removals: vec![],
        entries: list.clone(),
    };
    let t = Instant::now();
    let bytes = format::encode(&snap).unwrap();
    let enc = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let decoded = format::decode(&bytes, &DecodeLimits::default()).unwrap();
    let dec = t.elapsed().as_secs_f64();
    println!(
        "snapshot of {n}: {} bytes ({:.2} B/entry), encode {enc:.2}s, decode {dec:.2}s",
        bytes.len(),
        bytes.len() as f64 / n as f64
    );
    let s = apply(&mut store, &decoded);
    println!("apply snapshot (with checksum check): {s:.2}s");

    let removals: Vec<(EntryKind, String)> = (0..k)
        .map(|i| {
            (
                EntryKind::Phone,
                list[(i * 7 % n) as usize].entry.value.clone(),
            )
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let upserts: Vec<FeedEntry> = (0..k).map(|i| phone(i * 3 * 7 + 1)).collect();
    let next = format::apply(&list, &removals, &upserts);
    let (rm, up) = format::diff(&list, &next);
    let delta = FeedFile {
        kind: FileKind::Delta,
        version: 2,
        base: 1,
        created: Timestamp(1_790_000_100),
        checksum: format::list_checksum(&next),
        official: None,
        removals: rm,
        entries: up,
    };
    let dbytes = format::encode(&delta).unwrap();
    println!(
        "delta of {} removals + {} additions: {} bytes ({:.2} B/changed entry)",
        delta.removals.len(),
        delta.entries.len(),
        dbytes.len(),
        dbytes.len() as f64 / (delta.removals.len() + delta.entries.len()) as f64
    );
    let d = apply(&mut store, &delta);
    let t = Instant::now();
    store.lookup_tables().unwrap();
    let idx = t.elapsed().as_secs_f64();
    println!("apply delta (with checksum check): {d:.2}s; index rebuild {idx:.2}s");
}
