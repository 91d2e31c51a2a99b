//! Scanner throughput: a 20 000-contact vCard export (two numbers each) and a 50 000-row CSV,
//! against the sample blocklist. Prints one-off timings before the criterion runs.
//!
//! Measured on the 2-core shared dev machine (release): vCard 20k contacts ≈ 0.56 s, CSV 50k
//! rows ≈ 1.2 s, i.e. 15–25 µs per number (normalisation, lookup, cue matching). A phone's
//! typical export (hundreds to a few thousand contacts) scans in well under 0.1 s; debug
//! builds are about 5× slower.
//!
//! Hostile vCards (`hostile_vcard_*`): a property folded ~35 000 (100 KB) and ~350 000 (1 MB)
//! times whose name never ends (no `:`), the case where the quoted-printable soft-break test
//! used to re-read the whole logical line (up to its 256 KiB cap) at every fold: quadratic.
//! Measured on the 2-core shared dev machine (release, a fuzzer at nice 19 beside it), before →
//! after the one-pass unfolding: 100 KB 352 ms → 1.1 ms (criterion median); 1 MB 44.9 s (one
//! run; too slow for criterion) → 8.0 ms. The "before" figures: this file over the previous
//! `src/scan/vcard.rs` (then in verity-core, now `crates/verity-scan/src/vcard.rs`).
//!
//! A scan with its cleaned copy (`scan_with_copy` group): `scan_then_clean_copy` is what
//! verity-flows did (`scan_file`, then `clean_copy`, which decoded and parsed the file again),
//! `scan_with_copy` reads it once. Measured on the 2-core shared dev machine (release, one run,
//! criterion medians): vCard 20k 288 ms → 232 ms, CSV 50k 541 ms → 454 ms (the second parse,
//! about a fifth of the work, is gone).
//!
//! `cargo bench -p verity-scan --bench scan` (or `-- hostile` for the hostile group only, `--
//! scan_with_copy` for the copies)

use std::fmt::Write;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};

use verity_check::check::CheckContext;
use verity_check::lookup::BlocklistIndex;
use verity_check::official::OfficialDirectory;
use verity_core::clock::Timestamp;
use verity_core::phone::Region;
use verity_scan::{clean_copy, scan_file, scan_with_copy};

fn vcard(n: u32) -> String {
    let mut s = String::new();
    for i in 0..n {
        let name = if i % 500 == 0 {
            "DingTalk Support".to_owned()
        } else {
            format!("Person {i}")
        };
        let _ = write!(
            s,
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;{name};;;\r\nFN:{name}\r\nTEL;type=CELL:+852 9{:07}\r\nTEL;type=HOME:2{:07}\r\nNOTE:met at event {i}\r\nEND:VCARD\r\n",
            (i * 7919) % 10_000_000,
            (i * 104_729) % 10_000_000
        );
    }
    s
}

fn csv(n: u32) -> String {
    let mut s = String::from("Name,Phone,Notes\n");
    for i in 0..n {
        let _ = writeln!(s, "P{i},9{:07},note {i}", (i * 7919) % 10_000_000);
    }
    s
}

/// One card whose `TEL;X-` parameter is folded `folds` times and never closed by a `:`.
fn hostile_vcard(folds: usize) -> String {
    let mut s = String::from("BEGIN:VCARD\r\nVERSION:2.1\r\nTEL;X-");
    for _ in 0..folds {
        s.push_str("\r\n a");
    }
    s.push_str("\r\nTEL:3001 2345\r\nEND:VCARD\r\n");
    s
}

fn bench(c: &mut Criterion) {
    let e = |kind, v: &str| BlocklistEntry {
        kind,
        value: v.to_owned(),
        category: Category::FakeSupport,
        campaign: None,
        source: None,
        added: Timestamp(1),
    };
    let index = BlocklistIndex::build(vec![
        e(EntryKind::Phone, "+85230012345"),
        e(EntryKind::Domain, "dingtalk-upgrade.example.com"),
    ]);
    let official = OfficialDirectory::dingtalk_default();
    let ctx = CheckContext {
        index: &index,
        official: &official,
        default_region: Region::HK,
    };
    let v = vcard(20_000);
    let t = csv(50_000);
    for (name, file, bytes) in [
        ("contacts.vcf", "vCard 20k", &v),
        ("contacts.csv", "CSV 50k", &t),
    ] {
        let start = Instant::now();
        let s = scan_file(name, bytes.as_bytes(), &ctx).unwrap_or_else(|e| unreachable!("{e}"));
        eprintln!(
            "{file}: {} bytes, {} entries, {} numbers, {} flagged in {:?}",
            bytes.len(),
            s.entries,
            s.numbers,
            s.flagged,
            start.elapsed()
        );
    }
    let mut g = c.benchmark_group("scan");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("vcard_20k_contacts", |b| {
        b.iter(|| scan_file("contacts.vcf", black_box(v.as_bytes()), &ctx));
    });
    g.bench_function("csv_50k_rows", |b| {
        b.iter(|| scan_file("contacts.csv", black_box(t.as_bytes()), &ctx));
    });
    g.finish();

    // A scan with its cleaned copy (the app's "Save cleaned copies", `verityctl scan
    // --clean-copy`): the flagged entries left out. `scan_then_clean_copy` reads the file twice
    // (as verity-flows did), `scan_with_copy` once.
    let mut g = c.benchmark_group("scan_with_copy");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for (name, bytes) in [("contacts.vcf", &v), ("contacts.csv", &t)] {
        g.bench_function(format!("scan_then_clean_copy/{name}"), |b| {
            b.iter(|| {
                let s = scan_file(name, black_box(bytes.as_bytes()), &ctx)
                    .unwrap_or_else(|e| unreachable!("{e}"));
                clean_copy(name, bytes.as_bytes(), &s.flagged_entries(), &ctx)
            });
        });
        g.bench_function(format!("scan_with_copy/{name}"), |b| {
            b.iter(|| scan_with_copy(name, black_box(bytes.as_bytes()), &ctx, |_| true));
        });
    }
    g.finish();

    let mut g = c.benchmark_group("hostile");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for (name, folds) in [
        ("hostile_vcard_100kb", 35_000),
        ("hostile_vcard_1mb", 350_000),
    ] {
        let v = hostile_vcard(folds);
        let start = Instant::now();
        let s = scan_file("folds.vcf", v.as_bytes(), &ctx).unwrap_or_else(|e| unreachable!("{e}"));
        eprintln!(
            "{name}: {} bytes, {} folds, {} entries in {:?}",
            v.len(),
            folds,
            s.entries,
            start.elapsed()
        );
        g.bench_function(name, |b| {
            b.iter(|| scan_file("folds.vcf", black_box(v.as_bytes()), &ctx));
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
