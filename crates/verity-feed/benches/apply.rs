//! The feed's apply path at scale (issue 4): a synthetic list of N entries (80% phone numbers,
//! 20% domains; default 1M) published as a snapshot, and a delta of N/100 additions and N/100
//! removals (100k + 100k at 10M) spread over the whole list, as new reports are.
//!
//! A summary is printed first for each size, measured once: encode (the publisher), decode,
//! the snapshot's apply into a fresh store (write, digest, filter build) and what part of it
//! the digest and the filter take alone, the delta's apply (write, digest from its changes,
//! overlay index), the index rebuild at open, bytes on the wire per changed entry, and the
//! database's size.
//!
//! Then the raw SQLite floor, side by side in the same run (issue 19 §5): N key-ordered inserts
//! in one transaction into an empty table, and the delta's deletes and inserts as plain
//! statements in key order in one transaction, alternating with Verity's snapshot import
//! (decode, apply, first lookup's tables) and delta apply (apply, lookup tables) on fresh
//! databases. The raw database has the store's settings (page size and journal mode read back
//! from a store and compared; `synchronous = NORMAL`; the apply's 256 MiB page cache for the
//! transaction, then the default, which drops the cached pages as the store's apply does) and a
//! row per entry: the key (kind code, value) in a `WITHOUT ROWID` table and the entry's fields
//! as the bytes Verity keeps for them. Medians of `VERITY_BENCH_ROUNDS` snapshots (default 3)
//! and twice as many deltas (default 5 → 10); wall and CPU time, and Verity's ratios to raw
//! (goal ≤ 1.2×). Criterion then measures the snapshot import (decode + apply into a fresh
//! store) and the delta apply (forwards and back, alternately, on one store).
//!
//! ```text
//! CARGO_TARGET_DIR=... cargo bench -p verity-feed --bench apply
//! VERITY_BENCH_SIZES=10000000 CARGO_TARGET_DIR=... cargo bench -p verity-feed --bench apply
//! # the summary and the raw comparison only (no criterion function is named so):
//! VERITY_BENCH_SIZES=10000000 cargo bench -p verity-feed --bench apply -- side_by_side
//! ```
//!
//! Stores (and the raw database) live in temporary directories in the target directory, next
//! to the bench's binary (about 40 MB per million entries, as much again in the WAL until it is
//! reused; the raw table about 70 MB per million), removed after each size. Run by `cargo test --benches` (no `--bench`
//! flag), it uses 10 000 entries.
//!
//! Figures (2-core VM, release profile). The feed list is stored in blocks of up to 32
//! key-ordered entries (`verity_store::feed_block`, migration 9): a snapshot writes one row a
//! block. With a row per entry SQLite took ~0.75 µs of CPU a row, and a 10M snapshot 10.4 s.
//!
//! ```text
//!                               10M (2026-11-29, blocks)    target at 10M
//! decode snapshot               1.90 s
//! digest alone / filter alone   1.42 / 0.83 s  (beside the writes, second thread)
//! apply snapshot                3.04 s  (CPU 4.3 s on 2 threads)
//! snapshot total                4.85 s  (criterion median 5.22 s)   ≤ 6 s   met (was 10.4 s)
//! delta (N/100 + N/100)         1.63 s  (criterion median 1.59 s)   ≤ 2 s   met (was 1.87 s)
//! index rebuild at open         1.18 s
//! bytes per changed entry       4.23    (mixed kinds, random attributes)
//! database after snapshot       354 MB  (database and WAL together)
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::disallowed_methods
)] // a benchmark fails loudly and prints; the raw SQLite floor opens its database itself

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use verity_check::lookup::BlocklistFilter;
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::Timestamp;
use verity_feed::format::{
    self, entry_digest, DecodeLimits, FeedDigest, FeedEntry, FeedFile, FileKind,
};
use verity_store::{FeedMode, FeedSuccess, FeedUpdate, ListSum, Store, StoreError};

const DEFAULT_SIZES: &[usize] = &[1_000_000];
const SIZES_ENV: &str = "VERITY_BENCH_SIZES";
const CREATED: i64 = 1_790_000_000;

fn sizes() -> Vec<usize> {
    if !std::env::args().any(|a| a == "--bench") {
        return vec![10_000]; // `cargo test --benches`: a smoke run
    }
    match std::env::var(SIZES_ENV) {
        Ok(v) => v
            .split(',')
            .map(|s| s.trim().replace('_', "").parse().expect(SIZES_ENV))
            .collect(),
        Err(_) => DEFAULT_SIZES.to_vec(),
    }
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const CAMPAIGNS: &[&str] = &[
    "fake-dingtalk-hotline",
    "paid-upgrade",
    "account-freeze",
    "remote-access",
    "refund-scam",
    "kyc-phish",
];
const SOURCES: &[&str] = &["hkpf-adcc", "operator-reports", "partner-exchange"];

/// Entry `i` of the synthetic universe: even slots are listed in version 1, odd slots are the
/// additions a delta may bring. Four in five are Hong Kong numbers, one in five a domain.
fn entry(slot: u64) -> FeedEntry {
    let h = mix(slot);
    let (kind, value) = if slot % 5 == 4 {
        (
            EntryKind::Domain,
            format!("support-{:x}.scam-{}.example", slot, h % 97),
        )
    } else {
        (EntryKind::Phone, format!("+852{}", 50_000_000 + slot))
    };
    FeedEntry {
        entry: BlocklistEntry {
            kind,
            value,
            category: [
                Category::FakeSupport,
                Category::FakeUpgrade,
                Category::FreezeThreat,
                Category::Phishing,
            ][(h % 4) as usize],
            campaign: (!h.is_multiple_of(3))
                .then(|| CAMPAIGNS[(h >> 8) as usize % CAMPAIGNS.len()].into()),
            source: Some(SOURCES[(h >> 16) as usize % SOURCES.len()].into()),
            added: Timestamp(CREATED - (h % (365 * 86_400)) as i64),
        },
        alert: h.is_multiple_of(1000),
    }
}

struct Files {
    list: Vec<FeedEntry>,
    snapshot: Vec<u8>,
    /// Version 1 → 2 and 2 → 3 (back to the version-1 list).
    forward: FeedFile,
    back: FeedFile,
    forward_bytes: usize,
}

fn files(n: usize) -> Files {
    let mut list: Vec<FeedEntry> = (0..n as u64).map(|i| entry(2 * i)).collect();
    format::canonicalize(&mut list);
    let mut snap = FeedFile {
        kind: FileKind::Snapshot,
        version: 1,
        base: 0,
        created: Timestamp(CREATED),
        checksum: format::list_checksum(&list),
        official: None,
        removals: vec![],
        entries: list,
    };
    let t = Instant::now();
    let snapshot = format::encode(&snap).unwrap();
    println!(
        "  encode snapshot          {:>9.3} s   {} bytes ({:.2} B/entry)",
        t.elapsed().as_secs_f64(),
        snapshot.len(),
        snapshot.len() as f64 / n as f64
    );
    // The uncompressed body's length, from the header (bytes 32..40, little-endian): what the
    // client's `max_body` cap must leave room for.
    let body_len = u64::from_le_bytes(snapshot[32..40].try_into().unwrap());
    println!(
        "  snapshot body            {:>9} bytes uncompressed ({:.2} B/entry)",
        body_len,
        body_len as f64 / n as f64
    );
    let list = std::mem::take(&mut snap.entries);
    // N/100 removals and N/100 additions, spread evenly over the list.
    let k = (n / 100).max(1) as u64;
    let step = n as u64 / k;
    let removals: Vec<(EntryKind, String)> = (0..k)
        .map(|j| {
            let e = entry(2 * (j * step + mix(j) % step));
            (e.entry.kind, e.entry.value)
        })
        .collect();
    let additions: Vec<FeedEntry> = (0..k)
        .map(|j| entry(2 * (j * step + mix(j ^ 0x5555) % step) + 1))
        .collect();
    let next = format::apply(&list, &removals, &additions);
    let (rm, up) = format::diff(&list, &next);
    let forward = FeedFile {
        kind: FileKind::Delta,
        version: 2,
        base: 1,
        created: Timestamp(CREATED + 3600),
        checksum: format::list_checksum(&next),
        official: None,
        removals: rm,
        entries: up,
    };
    let forward_bytes = format::encode(&forward).unwrap().len();
    let (rm, up) = format::diff(&next, &list);
    let back = FeedFile {
        kind: FileKind::Delta,
        version: 3,
        base: 2,
        created: Timestamp(CREATED + 7200),
        checksum: format::list_checksum(&list),
        official: None,
        removals: rm,
        entries: up,
    };
    Files {
        list,
        snapshot,
        forward,
        back,
        forward_bytes,
    }
}

fn apply(store: &mut Store, f: &FeedFile) -> Result<verity_store::FeedApplied, StoreError> {
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
        index: true,
    };
    let expected = f.checksum;
    store.apply_feed_update(&update, &FeedDigest, |sum, count| {
        (format::checksum_of(sum, count) == expected)
            .then_some(())
            .ok_or_else(|| "checksum".to_owned())
    })
}

/// A temporary directory for a store, in the target directory (next to the bench's binary),
/// never in the repository: a 10M store takes about 1 GB with its WAL.
fn work_dir() -> tempfile::TempDir {
    let exe = std::env::current_exe().unwrap();
    // target/release/deps/apply-… → target/release
    let base = exe
        .parent()
        .and_then(Path::parent)
        .map_or_else(std::env::temp_dir, Path::to_path_buf);
    tempfile::Builder::new()
        .prefix("feed-bench-")
        .tempdir_in(base)
        .unwrap()
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// The process's CPU time so far (all threads, user + system), in seconds: on a shared machine
/// wall time also counts waiting for a core.
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime is the 12th, stime the 13th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

/// Everything once, with a breakdown, against the targets.
fn summary(n: usize, f: &Files) {
    let t = Instant::now();
    let decoded = format::decode(&f.snapshot, &DecodeLimits::default()).unwrap();
    let decode = secs(t);
    let t = Instant::now();
    let mut sum = ListSum::default();
    for e in &f.list {
        sum.add(&entry_digest(&e.entry, e.alert));
    }
    black_box(sum);
    let digest = secs(t);
    let t = Instant::now();
    let keys = f
        .list
        .iter()
        .map(|e| verity_core::blocklist::entry_key(e.entry.kind, &e.entry.value))
        .collect();
    black_box(BlocklistFilter::build(keys).unwrap());
    let filter = secs(t);

    let dir = work_dir();
    let mut store = Store::open(dir.path()).unwrap();
    let (t, c) = (Instant::now(), cpu());
    apply(&mut store, &decoded).unwrap();
    let snapshot = secs(t);
    let snapshot_cpu = cpu() - c;
    let t = Instant::now();
    assert_eq!(store.lookup_tables().unwrap().0.len(), n);
    let first_lookup = secs(t);
    drop(decoded);
    let size_after_snapshot = dir_size(dir.path());

    let bytes = format::encode(&f.forward).unwrap();
    let t = Instant::now();
    let delta = format::decode(&bytes, &DecodeLimits::default()).unwrap();
    let delta_decode = secs(t);
    let (t, c) = (Instant::now(), cpu());
    let r = apply(&mut store, &delta).unwrap();
    let delta_apply = secs(t);
    let delta_cpu = cpu() - c;
    let t = Instant::now();
    let (view, _) = store.lookup_tables().unwrap();
    assert_eq!(view.len(), n);
    let probe = &f.forward.entries[0].entry;
    assert!(view.find(probe.kind, &probe.value).unwrap().is_some());
    drop(view);
    let delta_lookup = secs(t);
    drop(store);
    let t = Instant::now();
    let mut store = Store::open(dir.path()).unwrap();
    assert_eq!(store.lookup_tables().unwrap().0.len(), n);
    let open = secs(t);
    drop(store);

    let changed = f.forward.removals.len() + f.forward.entries.len();
    let phones_changed = f
        .forward
        .removals
        .iter()
        .filter(|(k, _)| *k == EntryKind::Phone)
        .count()
        + f.forward
            .entries
            .iter()
            .filter(|e| e.entry.kind == EntryKind::Phone)
            .count();
    println!("  decode snapshot          {decode:>9.3} s");
    println!("  digest alone (1 thread)  {digest:>9.3} s   (runs beside the writes)");
    println!("  filter alone             {filter:>9.3} s   (runs beside the writes)");
    println!(
        "  apply snapshot           {snapshot:>9.3} s   (write + digest + filter; CPU \
         {snapshot_cpu:.2} s on 2 threads)"
    );
    println!("  first lookup after it    {first_lookup:>9.3} s");
    println!(
        "  SNAPSHOT TOTAL           {:>9.3} s   target ≤ 6 s at 10M",
        decode + snapshot + first_lookup
    );
    println!(
        "  delta: {} removals + {} additions ({} changed, {} phones): {} bytes, {:.2} B/changed \
         entry (target ≤ 4 per phone)",
        r.removed,
        r.added,
        changed,
        phones_changed,
        f.forward_bytes,
        f.forward_bytes as f64 / changed as f64
    );
    println!("  decode delta             {delta_decode:>9.3} s");
    println!(
        "  apply delta              {delta_apply:>9.3} s   (write + digest + overlay; CPU \
         {delta_cpu:.2} s)"
    );
    println!("  first lookup after it    {delta_lookup:>9.3} s");
    println!(
        "  DELTA TOTAL              {:>9.3} s   target ≤ 2 s at 10M",
        delta_decode + delta_apply + delta_lookup
    );
    println!("  index rebuild at open    {open:>9.3} s");
    println!(
        "  database after snapshot  {:>9.1} MB",
        size_after_snapshot as f64 / 1e6
    );
}

// ---------------------------------------------------------------------------------------------
// The raw SQLite floor (issue 19 §5), measured in the same run as Verity's import.

/// The page cache Verity's store gives a feed apply (`verity_store`'s `feed::apply`: 256 MiB);
/// the raw floor gets the same.
const APPLY_CACHE_KIB: i64 = 262_144;

/// A row of the raw table: the entry's key (kind code, value) and its fields as bytes (flags,
/// campaign and source as small ids, the date as a zigzag varint: what Verity stores for an
/// entry inside a block).
struct RawRow {
    kind: i64,
    value: String,
    attrs: Vec<u8>,
}

/// A raw delta statement, in key order.
enum RawChange<'a> {
    Delete(i64, &'a str),
    Put(&'a RawRow),
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn raw_kind(k: EntryKind) -> i64 {
    match k {
        EntryKind::Phone => 1,
        EntryKind::Domain => 2,
        EntryKind::Url => 3,
    }
}

fn raw_row(e: &FeedEntry) -> RawRow {
    let b = &e.entry;
    let mut attrs = Vec::with_capacity(8);
    let category = match b.category {
        Category::FakeSupport => 0,
        Category::FakeUpgrade => 1,
        Category::FreezeThreat => 2,
        Category::Phishing => 3,
        _ => 4,
    };
    let campaign = b
        .campaign
        .as_deref()
        .map(|c| CAMPAIGNS.iter().position(|x| *x == c).unwrap() as u64 + 1);
    let source = b
        .source
        .as_deref()
        .map(|s| SOURCES.iter().position(|x| *x == s).unwrap() as u64 + 1);
    attrs.push(
        category
            | u8::from(e.alert) << 3
            | u8::from(campaign.is_some()) << 4
            | u8::from(source.is_some()) << 5,
    );
    for id in [campaign, source].into_iter().flatten() {
        put_varint(&mut attrs, id);
    }
    put_varint(&mut attrs, ((b.added.0 << 1) ^ (b.added.0 >> 63)) as u64);
    RawRow {
        kind: raw_kind(b.kind),
        value: b.value.clone(),
        attrs,
    }
}

fn raw_rows(list: &[FeedEntry]) -> Vec<RawRow> {
    let mut rows: Vec<RawRow> = list.iter().map(raw_row).collect();
    rows.sort_unstable_by(|a, b| (a.kind, a.value.as_bytes()).cmp(&(b.kind, b.value.as_bytes())));
    rows
}

/// A delta's statements in key order (a key removed and put again: the delete first).
fn raw_changes<'a>(removals: &'a [(EntryKind, String)], puts: &'a [RawRow]) -> Vec<RawChange<'a>> {
    fn key<'b>(c: &RawChange<'b>) -> (i64, &'b [u8], bool) {
        match c {
            RawChange::Delete(k, v) => (*k, v.as_bytes(), false),
            RawChange::Put(r) => (r.kind, r.value.as_bytes(), true),
        }
    }
    let mut changes: Vec<RawChange<'a>> = removals
        .iter()
        .map(|(k, v)| RawChange::Delete(raw_kind(*k), v.as_str()))
        .chain(puts.iter().map(RawChange::Put))
        .collect();
    changes.sort_by(|a, b| key(a).cmp(&key(b)));
    changes
}

/// A raw database with the settings of Verity's store: WAL, `synchronous = NORMAL`, the default
/// page size (checked against a store's below), the apply's page cache; a row per entry in a
/// `WITHOUT ROWID` table keyed like Verity's blocks (kind, value).
fn raw_open(dir: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("raw.sqlite3")).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL;
         CREATE TABLE raw_entry (
             kind  INTEGER NOT NULL,
             value TEXT NOT NULL,
             attrs BLOB NOT NULL,
             PRIMARY KEY (kind, value)
         ) STRICT, WITHOUT ROWID;",
    )
    .unwrap();
    conn
}

/// One raw transaction with the page cache Verity's apply uses: 256 MiB for its duration, then
/// SQLite's default again (which drops the cached pages, as the store's apply does).
fn raw_write(conn: &mut rusqlite::Connection, f: impl FnOnce(&rusqlite::Transaction<'_>)) {
    conn.pragma_update(None, "cache_size", -APPLY_CACHE_KIB)
        .unwrap();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    f(&tx);
    tx.commit().unwrap();
    conn.pragma_update(None, "cache_size", -2_000).unwrap();
}

/// The raw snapshot: the table emptied and every row inserted in key order, one transaction.
fn raw_snapshot(conn: &mut rusqlite::Connection, rows: &[RawRow]) {
    raw_write(conn, |tx| {
        tx.execute("DELETE FROM raw_entry", []).unwrap();
        let mut insert = tx
            .prepare("INSERT INTO raw_entry (kind, value, attrs) VALUES (?1, ?2, ?3)")
            .unwrap();
        for r in rows {
            insert
                .execute(rusqlite::params![r.kind, r.value, r.attrs])
                .unwrap();
        }
    });
}

/// The raw delta: its deletes and inserts (or replacements) in key order, one transaction.
fn raw_delta(conn: &mut rusqlite::Connection, changes: &[RawChange<'_>]) {
    raw_write(conn, |tx| {
        let mut delete = tx
            .prepare("DELETE FROM raw_entry WHERE kind = ?1 AND value = ?2")
            .unwrap();
        let mut put = tx
            .prepare("INSERT OR REPLACE INTO raw_entry (kind, value, attrs) VALUES (?1, ?2, ?3)")
            .unwrap();
        for c in changes {
            match c {
                RawChange::Delete(k, v) => delete.execute(rusqlite::params![k, v]).unwrap(),
                RawChange::Put(r) => put
                    .execute(rusqlite::params![r.kind, r.value, r.attrs])
                    .unwrap(),
            };
        }
    });
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn rounds(default: usize) -> usize {
    std::env::var("VERITY_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
        .max(1)
}

/// Verity's snapshot import as the client does it: decode, apply (write, digest, checksum,
/// filter) into an empty store, the first lookup's tables.
fn verity_snapshot(f: &Files) -> (tempfile::TempDir, Store, (f64, f64)) {
    let dir = work_dir();
    let mut store = Store::open(dir.path()).unwrap();
    let (t, c) = (Instant::now(), cpu());
    let file = format::decode(&f.snapshot, &DecodeLimits::default()).unwrap();
    apply(&mut store, &file).unwrap();
    black_box(store.lookup_tables().unwrap().0.len());
    let s = (secs(t), cpu() - c);
    drop(file);
    (dir, store, s)
}

/// Raw SQLite and Verity, alternately, on fresh databases: the snapshot `rounds` times, then
/// the delta forwards and back `2 × rounds` times on the last ones; medians and ratios.
fn side_by_side(n: usize, f: &Files) {
    let rows = raw_rows(&f.list);
    let fwd_puts: Vec<RawRow> = f.forward.entries.iter().map(raw_row).collect();
    let back_puts: Vec<RawRow> = f.back.entries.iter().map(raw_row).collect();
    let fwd = raw_changes(&f.forward.removals, &fwd_puts);
    let back = raw_changes(&f.back.removals, &back_puts);

    let (mut raw_s, mut ver_s) = (Vec::new(), Vec::new());
    let mut last = None;
    let snapshot_rounds = rounds(3);
    for _ in 0..snapshot_rounds {
        drop(last.take()); // frees the previous round's databases first
        let raw_dir = work_dir();
        let mut conn = raw_open(raw_dir.path());
        let (t, c) = (Instant::now(), cpu());
        raw_snapshot(&mut conn, &rows);
        raw_s.push((secs(t), cpu() - c));
        let (dir, store, s) = verity_snapshot(f);
        ver_s.push(s);
        last = Some((raw_dir, conn, dir, store));
    }
    let (raw_dir, mut conn, dir, mut store) = last.unwrap();
    // The settings compared, read back from both databases.
    let pragma = |c: &rusqlite::Connection, p: &str| -> String {
        c.query_row(&format!("PRAGMA {p}"), [], |r| {
            r.get::<_, rusqlite::types::Value>(0)
        })
        .map(|v| match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(t) => t,
            other => format!("{other:?}"),
        })
        .unwrap()
    };
    let verity_db =
        rusqlite::Connection::open(dir.path().join(verity_store::DATABASE_FILE)).unwrap();
    for p in ["page_size", "journal_mode"] {
        assert_eq!(pragma(&conn, p), pragma(&verity_db, p), "{p} differs");
    }
    let page_size = pragma(&conn, "page_size");
    drop(verity_db);

    let (mut raw_d, mut ver_d) = (Vec::new(), Vec::new());
    for i in 0..2 * rounds(5) {
        let (changes, file) = if i % 2 == 0 {
            (&fwd, &f.forward)
        } else {
            (&back, &f.back)
        };
        let (t, c) = (Instant::now(), cpu());
        raw_delta(&mut conn, changes);
        raw_d.push((secs(t), cpu() - c));
        let (t, c) = (Instant::now(), cpu());
        apply(&mut store, file).unwrap();
        black_box(store.lookup_tables().unwrap().0.len());
        ver_d.push((secs(t), cpu() - c));
    }
    let raw_bytes = dir_size(raw_dir.path());
    drop((conn, store, raw_dir, dir));

    let m = |v: &[(f64, f64)]| {
        (
            median(v.iter().map(|x| x.0).collect()),
            median(v.iter().map(|x| x.1).collect()),
        )
    };
    let (rs, vs, rd, vd) = (m(&raw_s), m(&ver_s), m(&raw_d), m(&ver_d));
    let k = f.forward.removals.len();
    println!(
        "  side by side with raw SQLite, alternately in this run (raw: the store's settings, \
         page_size {page_size}, journal_mode WAL, synchronous NORMAL, 256 MiB page cache for \
         the transaction then the default; a row per entry keyed (kind, value), WITHOUT ROWID; \
         raw database {:.1} MB). Medians; CPU is both threads' (Verity digests on a second one).",
        raw_bytes as f64 / 1e6
    );
    let line = |what: &str, x: (f64, f64), raw: Option<(f64, f64)>| {
        let ratio = raw.map_or(String::new(), |r| {
            format!(
                "   RATIO {:.2}× wall (goal ≤ 1.2×), {:.2}× CPU",
                x.0 / r.0,
                x.1 / r.1
            )
        });
        println!("  {what:<50} {:>7.3} s wall {:>7.3} s CPU{ratio}", x.0, x.1);
    };
    line(
        &format!("raw snapshot: {n} sorted inserts, 1 tx (×{snapshot_rounds})"),
        rs,
        None,
    );
    line(
        "Verity snapshot import (decode, apply, index)",
        vs,
        Some(rs),
    );
    line(
        &format!(
            "raw delta: {k} deletes + {} inserts, 1 tx (×{})",
            f.forward.entries.len(),
            2 * rounds(5)
        ),
        rd,
        None,
    );
    line("Verity delta apply (apply, index)", vd, Some(rd));
}

fn bench(c: &mut Criterion) {
    for n in sizes() {
        println!("\nfeed apply at {n} entries");
        let f = files(n);
        summary(n, &f);
        side_by_side(n, &f);

        let big = n >= 5_000_000;
        let mut g = c.benchmark_group("feed_apply");
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(if big { 60 } else { 15 }));
        g.bench_function(BenchmarkId::new("snapshot_import", n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = work_dir();
                    let mut store = Store::open(dir.path()).unwrap();
                    let t = Instant::now();
                    let file = format::decode(&f.snapshot, &DecodeLimits::default()).unwrap();
                    apply(&mut store, &file).unwrap();
                    black_box(store.lookup_tables().unwrap().0.len());
                    total += t.elapsed();
                    drop(file);
                }
                total
            });
        });

        let dir = work_dir();
        let mut store = Store::open(dir.path()).unwrap();
        let snap = format::decode(&f.snapshot, &DecodeLimits::default()).unwrap();
        apply(&mut store, &snap).unwrap();
        drop(snap);
        let mut forward = true;
        g.bench_function(BenchmarkId::new("delta_apply", n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let file = if forward { &f.forward } else { &f.back };
                    let t = Instant::now();
                    apply(&mut store, file).unwrap();
                    black_box(store.lookup_tables().unwrap().0.len());
                    total += t.elapsed();
                    forward = !forward;
                }
                total
            });
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
