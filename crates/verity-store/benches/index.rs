//! The blocklist index at scale (issue 3, item 8): synthetic lists of 1M and 10M entries in a real
//! SQLite file, and for each size
//! - the filter probe alone (hit, miss, and misses over a million random keys),
//! - a full phone check (normalise + probe + verdict; a listed number also pays the confirming
//!   point query) and a full link check, through `verity_check::check::check`,
//! - the index build at open (`Store::open` + the first `lookup_tables`),
//! - memory: the filter's bytes per entry (and the process's resident growth, for scale),
//! - a plain SQLite point query on the same data, printed as a ratio to the probe,
//! - for the choice of filter: the false-positive rates of BinaryFuse16 (used) and BinaryFuse8.
//!
//! A summary table with medians against the targets is printed for each size; criterion then
//! measures each operation in detail.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-index cargo bench -p verity-store --bench index
//! VERITY_BENCH_SIZES=1000000 CARGO_TARGET_DIR=... cargo bench -p verity-store --bench index
//! ```
//!
//! The generated databases are kept in `$CARGO_TARGET_TMPDIR/verity-index-bench/` (about 150 MB
//! per million entries) and reused by later runs; the first run at 10M takes several minutes to
//! write its file. Run by `cargo test --benches` (no `--bench` flag), it uses 10 000 entries.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark fails loudly

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use xorf::{BinaryFuse16, BinaryFuse8, Filter};

use verity_check::check::{check, CheckContext, CheckOutcome};
use verity_check::verdict::{CheckKind, Verdict};
use verity_core::blocklist::{entry_key, BlocklistEntry, Category, EntryKind};
use verity_core::phone::{self, Region};
use verity_core::Timestamp;
use verity_store::{BlocklistView, Origin, Store, SCHEMA_VERSION};

/// Bump when the generator changes: cached databases of another version are rebuilt.
const GENERATOR: u32 = 2;
const DEFAULT_SIZES: &[usize] = &[1_000_000, 10_000_000];
const SIZES_ENV: &str = "VERITY_BENCH_SIZES";

// ---------------------------------------------------------------------------------------------
// The synthetic list: 60% Hong Kong mobile numbers, 30% domains, 10% URL expressions, each
// family generated from its own counter, so "the next one" of a family is realistic and
// certainly not listed.

const BRANDS: &[&str] = &[
    "dingtalk", "ding", "alipay", "hsbc", "payme", "octopus", "wechat", "hkpost", "bochk", "hase",
    "secure", "verify", "account", "support", "cs", "help",
];
const WORDS: &[&str] = &[
    "help", "service", "pay", "login", "hk", "online", "center", "upgrade", "account", "app",
    "vip", "care", "desk", "team", "auth", "check",
];
const TLDS: &[&str] = &[
    "com", "top", "xyz", "net", "hk", "com.hk", "cn", "shop", "vip", "info", "cc", "online",
];
const PATHS: &[&str] = &[
    "pay", "upgrade", "login", "verify", "account", "support", "kyc", "refund", "unlock", "vip",
];

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn pick<'a>(list: &[&'a str], seed: u64) -> &'a str {
    list[(seed % list.len() as u64) as usize]
}

/// Hong Kong mobile numbers: the 4-digit prefixes (5xxx, 6xxx, 9xxx) that the phone metadata
/// accepts, times 10 000 suffixes, walked in a scrambled order (a bijection, so no repeats).
struct Phones {
    prefixes: Vec<u32>,
}

impl Phones {
    fn new() -> Self {
        let prefixes: Vec<u32> = (5000..7000)
            .chain(9000..10_000)
            .filter(|p| phone::normalize(&format!("+852{p}1234"), Region::HK).is_ok())
            .collect();
        assert!(
            prefixes.len() * 10_000 > 7_000_000,
            "too few valid prefixes"
        );
        Phones { prefixes }
    }

    fn space(&self) -> u64 {
        self.prefixes.len() as u64 * 10_000
    }

    /// The `i`-th number, as 8 local digits.
    fn local(&self, i: u64) -> String {
        // 2654435761 is prime and larger than the space: multiplication by it is a bijection.
        let x = (u128::from(i) * 2_654_435_761 % u128::from(self.space())) as u64;
        let p = self.prefixes[(x / 10_000) as usize];
        format!("{p}{:04}", x % 10_000)
    }

    fn e164(&self, i: u64) -> String {
        format!("+852{}", self.local(i))
    }
}

fn domain(i: u64) -> String {
    let s = mix(i);
    format!(
        "{}-{}{}.{}",
        pick(BRANDS, s),
        pick(WORDS, s >> 8),
        i,
        pick(TLDS, s >> 16)
    )
}

/// A URL expression as stored: `host/dir/` (matching everything below) or `host/dir/page.html`.
fn url_expression(i: u64) -> String {
    let s = mix(i ^ 0x5555);
    let host = format!("{}{}.{}", pick(PATHS, s), i, pick(TLDS, s >> 8));
    if s >> 20 & 1 == 0 {
        format!("{host}/{}/{}/", pick(PATHS, s >> 24), pick(WORDS, s >> 32))
    } else {
        format!(
            "{host}/{}/{}.html",
            pick(PATHS, s >> 24),
            pick(WORDS, s >> 32)
        )
    }
}

fn counts(n: usize) -> (u64, u64, u64) {
    let phones = n as u64 * 6 / 10;
    let domains = n as u64 * 3 / 10;
    (phones, domains, n as u64 - phones - domains)
}

fn entries(n: usize, phones: &Phones) -> impl Iterator<Item = (EntryKind, String)> + '_ {
    let (p, d, u) = counts(n);
    (0..p)
        .map(|i| (EntryKind::Phone, phones.e164(i)))
        .chain((0..d).map(|i| (EntryKind::Domain, domain(i))))
        .chain((0..u).map(|i| (EntryKind::Url, url_expression(i))))
}

const CATEGORIES: &[Category] = &[
    Category::FakeSupport,
    Category::FakeUpgrade,
    Category::FreezeThreat,
    Category::Phishing,
    Category::Other,
];

fn entry(i: usize, kind: EntryKind, value: String) -> (BlocklistEntry, bool) {
    let s = mix(i as u64);
    (
        BlocklistEntry {
            kind,
            value,
            category: CATEGORIES[(s % CATEGORIES.len() as u64) as usize],
            campaign: Some(format!("campaign-{}", s % 500)),
            source: Some("bench feed".to_owned()),
            added: Timestamp(1_750_000_000 + (i as i64 % 10_000_000)),
        },
        false,
    )
}

// ---------------------------------------------------------------------------------------------
// The database, generated once per size and schema.

fn cache_dir(n: usize) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("verity-index-bench")
        .join(format!("g{GENERATOR}-schema{SCHEMA_VERSION}-n{n}"))
}

fn prepare(n: usize, phones: &Phones) -> PathBuf {
    let dir = cache_dir(n);
    let done = dir.join("complete");
    if done.exists() {
        println!("[{n}] reusing {}", dir.display());
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let t = Instant::now();
    let mut store = Store::open(&dir).unwrap();
    // Drop the bundled sample: a feed snapshot replaces it.
    store.replace_entries(&[], Origin::Feed).unwrap();
    const CHUNK: usize = 250_000;
    let mut chunk = Vec::with_capacity(CHUNK);
    for (i, (kind, value)) in entries(n, phones).enumerate() {
        chunk.push(entry(i, kind, value));
        if chunk.len() == CHUNK {
            store.import_entries(&chunk, Origin::Feed).unwrap();
            chunk.clear();
        }
    }
    store.import_entries(&chunk, Origin::Feed).unwrap();
    let got = store.blocklist_summary().unwrap().entries;
    assert_eq!(got, n as i64, "entries written");
    drop(store);
    std::fs::write(&done, b"").unwrap();
    println!("[{n}] generated {} in {:.1?}", dir.display(), t.elapsed());
    dir
}

// ---------------------------------------------------------------------------------------------
// Measurement helpers for the summary (criterion measures the same operations afterwards).

/// The median time of one call, over 31 batches each long enough to time well.
fn median_ns(mut f: impl FnMut()) -> f64 {
    let mut per_batch = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..per_batch {
            f();
        }
        if t.elapsed() >= Duration::from_millis(5) || per_batch >= 1 << 24 {
            break;
        }
        per_batch *= 2;
    }
    let mut samples: Vec<f64> = (0..31)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            t.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// A line of `/proc/self/status` in bytes: `VmRSS` (resident now) or `VmHWM` (peak resident).
fn proc_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn human_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

fn verdict(o: Result<CheckOutcome, verity_check::lookup::LookupError>) -> Verdict {
    o.unwrap().verdict
}

struct Inputs {
    listed_e164: String,
    unlisted_e164: String,
    listed_phone: String,
    /// Listed numbers as typed, a different one each call (more than the view keeps answers for).
    listed_phones: Vec<String>,
    unlisted_phone: String,
    listed_link: String,
    listed_domain_link: String,
    unlisted_link: String,
    random_keys: Vec<u64>,
}

fn inputs(n: usize, phones: &Phones) -> Inputs {
    let (p, d, u) = counts(n);
    let listed = p / 2;
    let listed_local = phones.local(listed);
    let unlisted_local = phones.local(p);
    // Below a listed directory, or a listed page with a query.
    let expr = url_expression(u / 2);
    let listed_link = if expr.ends_with('/') {
        format!("https://{expr}step2?id=7")
    } else {
        format!("https://{expr}?id=7")
    };
    let mut rng = 0x1234_5678u64;
    Inputs {
        listed_e164: phones.e164(listed),
        unlisted_e164: phones.e164(p),
        listed_phone: format!("{} {}", &listed_local[..4], &listed_local[4..]),
        listed_phones: (0..4096u64)
            .map(|k| {
                let l = phones.local(k * (p / 4096));
                format!("{} {}", &l[..4], &l[4..])
            })
            .collect(),
        unlisted_phone: format!("{} {}", &unlisted_local[..4], &unlisted_local[4..]),
        listed_link,
        listed_domain_link: format!("https://www.{}/account/login", domain(d / 2)),
        unlisted_link: format!("https://www.{}/account/login?next=/home", domain(d)),
        random_keys: (0..1_000_000)
            .map(|_| {
                rng = mix(rng);
                rng
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------

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

fn bench(c: &mut Criterion) {
    phone::warm_up();
    let phones = Phones::new();
    for n in sizes() {
        let dir = prepare(n, &phones);
        let input = inputs(n, &phones);
        let (mut store, build) = measure_build(&dir, n);
        let official = store.official_directory().unwrap();
        let (view, _) = store.lookup_tables().unwrap();
        let ctx = CheckContext {
            index: &view,
            official: &official,
            default_region: Region::HK,
        };
        sanity(&ctx, &view, &input);
        let choice = filter_choice(n, &phones, &input, &view);
        let checks = measure_checks(&ctx, &view, &input);
        drop(view);
        let app = measure_as_app(&mut store, &input);
        print_summary(n, &build, &choice, &checks, &app);
        criterion_runs(c, n, &mut store, &dir, &input);
    }
}

/// The index build at open, from a cold process state for this connection (the OS page cache is
/// warm after the first run, as after any recent use of the app).
struct Build {
    first: Duration,
    median: Duration,
    rss: (Option<u64>, Option<u64>),
    hwm: (Option<u64>, Option<u64>),
}

fn measure_build(dir: &Path, n: usize) -> (Store, Build) {
    let rss0 = proc_status("VmRSS:");
    let hwm0 = proc_status("VmHWM:");
    let t = Instant::now();
    let mut store = Store::open(dir).unwrap();
    let entries = store.lookup_tables().unwrap().0.len();
    let first = t.elapsed();
    let rss1 = proc_status("VmRSS:");
    let hwm1 = proc_status("VmHWM:");
    assert_eq!(entries, n);
    let mut builds: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let mut s = Store::open(dir).unwrap();
            black_box(s.lookup_tables().unwrap().0.len());
            t.elapsed()
        })
        .collect();
    builds.sort();
    let build = Build {
        first,
        median: builds[builds.len() / 2],
        rss: (rss0, rss1),
        hwm: (hwm0, hwm1),
    };
    (store, build)
}

/// The inputs are what they claim to be.
fn sanity(ctx: &CheckContext<'_>, view: &BlocklistView, input: &Inputs) {
    let filter = view.filter();
    assert!(filter.may_contain(EntryKind::Phone, &input.listed_e164));
    assert!(view.contains_phone(&input.listed_e164).unwrap());
    assert!(!view.contains_phone(&input.unlisted_e164).unwrap());
    let run = |s: &str, k| verdict(check(s, Some(k), ctx));
    assert_eq!(run(&input.listed_phone, CheckKind::Phone), Verdict::Scam);
    assert_eq!(
        run(&input.unlisted_phone, CheckKind::Phone),
        Verdict::NoRecord
    );
    assert_eq!(run(&input.listed_link, CheckKind::Url), Verdict::Scam);
    assert_eq!(
        run(&input.listed_domain_link, CheckKind::Url),
        Verdict::Scam
    );
    assert_ne!(run(&input.unlisted_link, CheckKind::Url), Verdict::Scam);
    for s in input.listed_phones.iter().step_by(512) {
        assert_eq!(run(s, CheckKind::Phone), Verdict::Scam, "{s}");
    }
}

/// For the choice of filter: BinaryFuse16 (in use) against BinaryFuse8 over the same keys.
struct FilterChoice {
    bytes: usize,
    fp16: usize,
    fp8: usize,
    bf8_bytes: usize,
    bf8_build: Duration,
    bf16_build: Duration,
}

fn filter_choice(n: usize, phones: &Phones, input: &Inputs, view: &BlocklistView) -> FilterChoice {
    let filter = view.filter();
    // False positives of the filter in use, over a million random keys.
    let fp16 = input
        .random_keys
        .iter()
        .filter(|k| filter.may_contain_key(**k))
        .count();
    // The alternative: BinaryFuse8 over the same keys (regenerated; not stored).
    let keys: Vec<u64> = entries_keys(n, phones);
    let t = Instant::now();
    let bf8 = BinaryFuse8::try_from(&keys).unwrap();
    let bf8_build = t.elapsed();
    let t = Instant::now();
    let bf16 = BinaryFuse16::try_from(&keys).unwrap();
    let bf16_build = t.elapsed();
    drop(keys);
    let fp8 = input.random_keys.iter().filter(|k| bf8.contains(k)).count();
    assert_eq!(bf16.fingerprints.len() * 2, filter.size_in_bytes());
    FilterChoice {
        bytes: filter.size_in_bytes(),
        fp16,
        fp8,
        bf8_bytes: bf8.fingerprints.len(),
        bf8_build,
        bf16_build,
    }
}

/// Medians (ns) of the probe and the checks on one view.
struct Checks {
    probe_hit: f64,
    probe_miss: f64,
    probe_random: f64,
    phone_listed: f64,
    phone_unlisted: f64,
    link_listed: f64,
    link_unlisted: f64,
    confirm: f64,
    normalise: f64,
    normalise_full: f64,
}

fn measure_checks(ctx: &CheckContext<'_>, view: &BlocklistView, input: &Inputs) -> Checks {
    let filter = view.filter();
    let timed_check = |s: &str, k: CheckKind| {
        median_ns(|| {
            black_box(check(black_box(s), Some(k), ctx).ok());
        })
    };
    let mut i = 0usize;
    Checks {
        probe_hit: median_ns(|| {
            black_box(filter.may_contain(EntryKind::Phone, black_box(&input.listed_e164)));
        }),
        probe_miss: median_ns(|| {
            black_box(filter.may_contain(EntryKind::Phone, black_box(&input.unlisted_e164)));
        }),
        probe_random: median_ns(|| {
            i = (i + 1) % input.random_keys.len();
            black_box(filter.may_contain_key(input.random_keys[i]));
        }),
        phone_listed: timed_check(&input.listed_phone, CheckKind::Phone),
        phone_unlisted: timed_check(&input.unlisted_phone, CheckKind::Phone),
        link_listed: timed_check(&input.listed_link, CheckKind::Url),
        link_unlisted: timed_check(&input.unlisted_link, CheckKind::Url),
        confirm: median_ns(|| {
            black_box(
                view.find(EntryKind::Phone, black_box(&input.listed_e164))
                    .unwrap(),
            );
        }),
        normalise: median_ns(|| {
            black_box(phone::normalize(black_box(&input.listed_phone), Region::HK).ok());
        }),
        normalise_full: median_ns(|| {
            black_box(phone::normalize_full(black_box(&input.listed_phone), Region::HK).ok());
        }),
    }
}

/// Medians (ns) as the app and verityctl call a check (take the view: freshness check,
/// snapshot; then check), and of a plain SQLite point query.
struct AsApp {
    phone_listed: f64,
    /// A different listed number each call: no answer kept from an earlier call.
    phone_listed_distinct: f64,
    phone_unlisted: f64,
    link_listed: f64,
    link_domain: f64,
    link_unlisted: f64,
    /// `lookup_tables` alone: the freshness check and the view, no check.
    view_only: f64,
    sql_hit: f64,
    sql_miss: f64,
}

fn measure_as_app(store: &mut Store, input: &Inputs) -> AsApp {
    let mut as_app = |s: &str, k| {
        let (view, official) = store.lookup_tables().unwrap();
        let ctx = CheckContext {
            index: &view,
            official,
            default_region: Region::HK,
        };
        black_box(check(black_box(s), Some(k), &ctx).ok());
    };
    let phone_listed = median_ns(|| as_app(&input.listed_phone, CheckKind::Phone));
    let mut i = 0usize;
    let phone_listed_distinct = median_ns(|| {
        i = (i + 1) % input.listed_phones.len();
        as_app(&input.listed_phones[i], CheckKind::Phone);
    });
    let phone_unlisted = median_ns(|| as_app(&input.unlisted_phone, CheckKind::Phone));
    let link_listed = median_ns(|| as_app(&input.listed_link, CheckKind::Url));
    let link_domain = median_ns(|| as_app(&input.listed_domain_link, CheckKind::Url));
    let link_unlisted = median_ns(|| as_app(&input.unlisted_link, CheckKind::Url));
    let view_only = median_ns(|| {
        black_box(store.lookup_tables().unwrap().0.len());
    });
    let sql = |value: &str| {
        median_ns(|| {
            black_box(
                store
                    .blocklist_entry(EntryKind::Phone, black_box(value))
                    .unwrap(),
            );
        })
    };
    AsApp {
        phone_listed,
        phone_listed_distinct,
        phone_unlisted,
        link_listed,
        link_domain,
        link_unlisted,
        view_only,
        sql_hit: sql(&input.listed_e164),
        sql_miss: sql(&input.unlisted_e164),
    }
}

fn print_summary(n: usize, build: &Build, choice: &FilterChoice, m: &Checks, app: &AsApp) {
    let per_entry = choice.bytes as f64 / n as f64;
    let ok = |v: f64, target: f64| if v <= target { "ok" } else { "MISSED" };
    println!();
    println!("== blocklist index, {n} entries (median of 31 batches) ==");
    println!(
        "  index build at open     {:>10}  (first open {:.0?}; open + read keys + build filter)",
        format!("{:.0?}", build.median),
        build.first
    );
    println!(
        "  memory                  {:>10}  {per_entry:.2} B/entry (target <= 8: {}); filter {:.1} MB",
        "",
        ok(per_entry, 8.0),
        choice.bytes as f64 / 1e6
    );
    if let (Some(a), Some(b)) = build.rss {
        println!(
            "  resident growth at open {:>10}  {:.2} B/entry (filter + SQLite cache + allocator slack)",
            "",
            b.saturating_sub(a) as f64 / n as f64
        );
    }
    if let (Some(a), Some(b)) = build.hwm {
        // Meaningful when the database was reused (generating it raises the peak first).
        println!(
            "  peak growth during build{:>10}  {:.2} B/entry (keys read + filter construction, freed after)",
            "",
            b.saturating_sub(a) as f64 / n as f64
        );
    }
    println!(
        "  probe, listed number    {:>10}  (target <= 50 ns: {})",
        human_ns(m.probe_hit),
        ok(m.probe_hit, 50.0)
    );
    println!(
        "  probe, unlisted number  {:>10}  (target <= 50 ns: {})",
        human_ns(m.probe_miss),
        ok(m.probe_miss, 50.0)
    );
    println!(
        "  probe, 1M random keys   {:>10}  (key precomputed; filter cache-cold)",
        human_ns(m.probe_random)
    );
    println!(
        "  phone check, listed     {:>10}  (target <= 5 µs: {}; includes the confirming query)",
        human_ns(m.phone_listed),
        ok(m.phone_listed, 5_000.0)
    );
    println!(
        "  phone check, unlisted   {:>10}  (target <= 5 µs: {})",
        human_ns(m.phone_unlisted),
        ok(m.phone_unlisted, 5_000.0)
    );
    println!(
        "    of which normalising  {:>10}  (phone::normalize alone; {} without the Hong Kong fast path)",
        human_ns(m.normalise),
        human_ns(m.normalise_full)
    );
    println!(
        "    the confirming query  {:>10}  (BlocklistView::find of a listed number: probe + \
         point query in the view's snapshot)",
        human_ns(m.confirm)
    );
    println!(
        "  as the app calls them (lookup_tables + check: freshness check, snapshot, file locks):"
    );
    println!(
        "    number, listed        {:>10}  (target <= 1 µs: {}; the same number again: its \
         answer kept)",
        human_ns(app.phone_listed),
        ok(app.phone_listed, 1_000.0)
    );
    println!(
        "    number, listed, new   {:>10}  (a different listed number each call: the \
         confirming read transaction every time)",
        human_ns(app.phone_listed_distinct)
    );
    println!(
        "    number, unlisted      {:>10}  (target <= 0.5 µs: {})",
        human_ns(app.phone_unlisted),
        ok(app.phone_unlisted, 500.0)
    );
    println!(
        "    link, listed URL      {:>10}  (target <= 5 µs: {})",
        human_ns(app.link_listed),
        ok(app.link_listed, 5_000.0)
    );
    println!(
        "    link, listed domain   {:>10}  (target <= 5 µs: {})",
        human_ns(app.link_domain),
        ok(app.link_domain, 5_000.0)
    );
    println!(
        "    link, unlisted        {:>10}  (target <= 5 µs: {})",
        human_ns(app.link_unlisted),
        ok(app.link_unlisted, 5_000.0)
    );
    println!(
        "    lookup_tables alone   {:>10}  (the freshness check: one read of the WAL-index header)",
        human_ns(app.view_only)
    );
    println!("  link check, listed      {:>10}", human_ns(m.link_listed));
    println!(
        "  link check, unlisted    {:>10}",
        human_ns(m.link_unlisted)
    );
    println!(
        "  SQLite point query      {:>10}  hit; {} miss  = {:.0}x / {:.0}x the probe",
        human_ns(app.sql_hit),
        human_ns(app.sql_miss),
        app.sql_hit / m.probe_hit,
        app.sql_miss / m.probe_miss
    );
    println!(
        "  filter choice           BinaryFuse16 {:.2} B/entry, {} false positives in 1M, built in {:.0?}; \
         BinaryFuse8 {:.2} B/entry, {} in 1M, built in {:.0?}",
        per_entry,
        choice.fp16,
        choice.bf16_build,
        choice.bf8_bytes as f64 / n as f64,
        choice.fp8,
        choice.bf8_build
    );
    println!();
}

/// Criterion: the same operations, in detail.
fn criterion_runs(c: &mut Criterion, n: usize, store: &mut Store, dir: &Path, input: &Inputs) {
    let official = store.official_directory().unwrap();
    let (view, _) = store.lookup_tables().unwrap();
    let filter = view.filter();
    let ctx = CheckContext {
        index: &view,
        official: &official,
        default_region: Region::HK,
    };
    let mut g = c.benchmark_group(format!("index_{n}"));
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    g.bench_function("probe_hit", |b| {
        b.iter(|| filter.may_contain(EntryKind::Phone, black_box(&input.listed_e164)));
    });
    g.bench_function("probe_miss", |b| {
        b.iter(|| filter.may_contain(EntryKind::Phone, black_box(&input.unlisted_e164)));
    });
    g.bench_function("probe_random_keys", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) % input.random_keys.len();
            filter.may_contain_key(input.random_keys[i])
        });
    });
    for (name, s, k) in [
        ("check_phone_listed", &input.listed_phone, CheckKind::Phone),
        (
            "check_phone_unlisted",
            &input.unlisted_phone,
            CheckKind::Phone,
        ),
        ("check_link_listed", &input.listed_link, CheckKind::Url),
        ("check_link_unlisted", &input.unlisted_link, CheckKind::Url),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| check(black_box(s), Some(k), &ctx).ok());
        });
    }
    g.bench_function("view_find_listed", |b| {
        b.iter(|| {
            view.find(EntryKind::Phone, black_box(&input.listed_e164))
                .ok()
        });
    });
    drop(g);
    drop(view);
    let mut g = c.benchmark_group(format!("index_{n}"));
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    for (name, s, k) in [
        (
            "as_app_number_listed",
            &input.listed_phone,
            CheckKind::Phone,
        ),
        (
            "as_app_number_unlisted",
            &input.unlisted_phone,
            CheckKind::Phone,
        ),
        ("as_app_link_listed", &input.listed_link, CheckKind::Url),
        (
            "as_app_link_domain",
            &input.listed_domain_link,
            CheckKind::Url,
        ),
        ("as_app_link_unlisted", &input.unlisted_link, CheckKind::Url),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let (view, official) = store.lookup_tables().unwrap();
                let ctx = CheckContext {
                    index: &view,
                    official,
                    default_region: Region::HK,
                };
                check(black_box(s), Some(k), &ctx).ok()
            });
        });
    }
    g.bench_function("sqlite_point_query_hit", |b| {
        b.iter(|| {
            store
                .blocklist_entry(EntryKind::Phone, black_box(&input.listed_e164))
                .ok()
        });
    });
    g.bench_function("sqlite_point_query_miss", |b| {
        b.iter(|| {
            store
                .blocklist_entry(EntryKind::Phone, black_box(&input.unlisted_e164))
                .ok()
        });
    });
    g.sample_size(10)
        .measurement_time(Duration::from_secs(if n >= 5_000_000 { 20 } else { 5 }));
    g.bench_with_input(BenchmarkId::new("build_at_open", n), &dir, |b, dir| {
        b.iter(|| {
            let mut s = Store::open(dir).unwrap();
            let len = s.lookup_tables().unwrap().0.len();
            len
        });
    });
    g.finish();
}

fn entries_keys(n: usize, phones: &Phones) -> Vec<u64> {
    entries(n, phones)
        .map(|(kind, value)| entry_key(kind, &value))
        .collect()
}

criterion_group!(benches, bench);
criterion_main!(benches);
