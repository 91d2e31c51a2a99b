//! The kill sweep (issue 19 §3): a real signed feed published with `verityctl feed` and served
//! on 127.0.0.1 by `verityctl feed serve`; then, again and again, a sync is started and
//! SIGKILLed at a random moment (uniform over the measured duration of that kind of sync,
//! measured again every 50 kills; seeded, the seed printed), and after each kill:
//!
//! - the store opens (`verityctl status --json` exits 0);
//! - the list held is exactly one whole published version: the checksum recomputed from every
//!   feed entry in the store, and the one the store keeps, equal that version's checksum as
//!   `verityctl feed publish` printed it, and the version is the one before the sync or the
//!   latest;
//! - the next sync, as a user or the app would run it, succeeds and reaches the latest version.
//!
//! Four kinds of sync, in turn: `verityctl sync` by snapshot (from an empty data directory, or
//! from an old version the feed has no delta from), `verityctl sync` by delta, and the app's
//! sync, by snapshot and by delta. The app's sync is this binary run as `app-sync` (a child
//! process, so that it can be killed): it calls `verity_flows::feed::sync_source` exactly as
//! `src-tauri/src/feed_sync.rs` does (a `Store` opened for the sync, the `Source` built from
//! Settings, `rebuild_index` off, then the index built on the app's store), not the real app
//! binary, which needs a display and a session bus for every start.
//!
//! A libtest-less test (`harness = false`): `cargo test -p verityctl --test kill_sweep` runs 20
//! kills on a 20 000-entry feed. The full run: `KILL_SWEEP_KILLS=1000` (and
//! `KILL_SWEEP_ENTRIES`, `KILL_SWEEP_SEED`; `KILL_SWEEP_VERITYCTL` runs another `verityctl`
//! binary, e.g. a copy kept apart from cargo's rebuilds); figures in docs/benchmarks.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly
// The seed and the app-sync's clock, read once as the app's clock.rs does.
#![allow(clippy::disallowed_methods)]

mod common;

use common::{serve_feed, FeedServer};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const APP_SYNC: &str = "app-sync";
/// The version every sync must reach.
const LATEST: u64 = 3;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(APP_SYNC) {
        return app_sync(&args[1..]);
    }
    if args.iter().any(|a| a == "--list") {
        println!("kill_sweep: test");
        return ExitCode::SUCCESS;
    }
    // libtest's options that take a value, so that the value is not taken for a filter.
    let mut filters = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if matches!(
            a.as_str(),
            "--test-threads" | "--skip" | "--format" | "--color" | "--logfile" | "-Z"
        ) {
            it.next();
        } else if !a.starts_with('-') {
            filters.push(a.as_str());
        }
    }
    if !filters.is_empty() && !filters.iter().any(|f| "kill_sweep".contains(f)) {
        println!("running 0 tests (kill_sweep filtered out)");
        return ExitCode::SUCCESS;
    }
    if !cfg!(unix) {
        println!("kill_sweep: skipped: SIGKILL and the sweep's checks are Unix-only");
        return ExitCode::SUCCESS;
    }
    sweep();
    println!("test result: ok. 1 passed; 0 failed");
    ExitCode::SUCCESS
}

// --- the app's sync, as src-tauri/src/feed_sync.rs runs it -------------------------------------

/// `app-sync DATA_DIR URL ROOT_FILE`: one sync exactly as the app's background sync runs it;
/// progress on stderr in `verityctl sync --progress`'s words, the report's version on stdout.
fn app_sync(args: &[String]) -> ExitCode {
    let [data, url, root] = args else {
        eprintln!("usage: kill_sweep app-sync DATA_DIR URL ROOT_FILE");
        return ExitCode::from(2);
    };
    let data_dir = PathBuf::from(data);
    let root = std::fs::read(root).unwrap();
    // What `run_sync` builds from the feed's settings: a root entered in Settings.
    let source = verity_flows::feed::Source {
        url: url.clone(),
        root: Some(root),
        anchor: verity_feed_policy::config::TrustAnchor::Manual,
        replace_manual: true,
        log_manual: false,
    };
    let mut cfg = verity_feed::SyncConfig::new(url.clone());
    cfg.rebuild_index = false;
    let at = verity_core::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    let mut store = match verity_store::Store::open(&data_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("app-sync: cannot open the store: {e}");
            return ExitCode::from(3);
        }
    };
    let mut progress = |p: verity_feed::Progress| {
        use verity_feed::Stage;
        let line = match p.stage {
            Stage::Metadata => "verifying feed metadata",
            Stage::Download => "downloading",
            Stage::Apply => "applying and checking the list",
            Stage::Index => "rebuilding the index",
            Stage::Done => "done",
        };
        let _ = writeln!(std::io::stderr(), "app-sync: {line}");
    };
    let synced = verity_flows::feed::sync_source(&mut store, &source, cfg, at, &mut progress);
    drop(store);
    match synced {
        Ok(s) => {
            // The app's own store then rebuilds its index (`lookup_tables`).
            let mut main = verity_store::Store::open(&data_dir).unwrap();
            main.lookup_tables().unwrap();
            println!("{}", s.report.version);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("app-sync: error: {e}");
            ExitCode::from(3)
        }
    }
}

// --- helpers -------------------------------------------------------------------------------------

fn ctl_command(data: &Path) -> Command {
    // `KILL_SWEEP_VERITYCTL`: a copy of the binary, for a long run while cargo rebuilds.
    let exe = std::env::var_os("KILL_SWEEP_VERITYCTL").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_verityctl")),
        PathBuf::from,
    );
    let mut c = Command::new(exe);
    c.arg("--data-dir")
        .arg(data)
        .env("VERITY_PROVISIONING", data.join("no-provisioning.json"))
        .env_remove("VERITY_DATA_DIR")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("ALL_PROXY");
    c
}

fn ctl(data: &Path, args: &[&str]) -> Output {
    ctl_command(data).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok_json(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        text(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stdout)))
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v:?}")))
        .unwrap_or(default)
}

/// SplitMix64: a small seeded generator, enough to place kills.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}

fn serve(data: &Path, repo: &Path) -> FeedServer {
    serve_feed(ctl_command(data), repo)
}

/// The feed's entries as CSV: `n` numbers and `n / 8` domains from `offset`, a tenth flagged
/// for alert.
fn entries_csv(n: u32, offset: u32, campaign: &str) -> String {
    let mut s = String::from("kind,value,category,campaign,source,alert\n");
    for i in offset..offset + n {
        s.push_str(&format!(
            "phone,+852{},fake_support,{campaign},sweep,{}\n",
            61_000_000 + i * 7,
            i % 10 == 0
        ));
    }
    for i in offset..offset + n / 8 {
        s.push_str(&format!(
            "domain,help-{i}.example.com,phishing,{campaign},sweep,false\n"
        ));
    }
    s
}

// --- the sweep -----------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    CliSnapshot,
    CliDelta,
    AppSnapshot,
    AppDelta,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::CliSnapshot,
        Kind::CliDelta,
        Kind::AppSnapshot,
        Kind::AppDelta,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::CliSnapshot => "verityctl sync, snapshot",
            Kind::CliDelta => "verityctl sync, delta",
            Kind::AppSnapshot => "app's sync, snapshot",
            Kind::AppDelta => "app's sync, delta",
        }
    }

    fn is_app(self) -> bool {
        matches!(self, Kind::AppSnapshot | Kind::AppDelta)
    }

    fn is_delta(self) -> bool {
        matches!(self, Kind::CliDelta | Kind::AppDelta)
    }
}

/// Where a sync starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// An empty data directory: a first sync.
    Empty,
    /// Version 1: the feed's delta is from version 2, so a snapshot.
    Old,
    /// Version 2: the delta to version 3.
    Previous,
}

impl Start {
    fn version(self) -> Option<u64> {
        match self {
            Start::Empty => None,
            Start::Old => Some(1),
            Start::Previous => Some(2),
        }
    }
}

struct Feed {
    dir: PathBuf,
    server: FeedServer,
    root: PathBuf,
    /// Each published version's checksum and entry count, as `feed publish` printed them.
    published: BTreeMap<u64, (String, u64)>,
    /// Data directories at version 1 and 2 (closed cleanly), copied for each run.
    at_v1: PathBuf,
    at_v2: PathBuf,
}

impl Feed {
    fn publish(&mut self, keys_data: &Path, csv: &str) {
        let file = self.dir.join("entries.csv");
        std::fs::write(&file, csv).unwrap();
        let r = ok_json(&ctl(
            keys_data,
            &[
                "feed",
                "publish",
                "--repo",
                self.dir.join("repo").to_str().unwrap(),
                "--keys",
                self.dir.join("keys").to_str().unwrap(),
                "--entries",
                file.to_str().unwrap(),
                "--json",
            ],
        ));
        self.published.insert(
            r["version"].as_u64().unwrap(),
            (
                r["checksum"].as_str().unwrap().to_owned(),
                r["entries"].as_u64().unwrap(),
            ),
        );
    }

    fn set_up(dir: &Path, n: u32) -> Feed {
        let admin = dir.join("admin");
        let o = ctl(
            &admin,
            &[
                "feed",
                "init",
                "--repo",
                dir.join("repo").to_str().unwrap(),
                "--keys",
                dir.join("keys").to_str().unwrap(),
                "--root-key-dir",
                dir.join("root-keys").to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let server = serve(&admin, &dir.join("repo"));
        let mut feed = Feed {
            dir: dir.to_path_buf(),
            server,
            root: dir.join("repo").join("root.json"),
            published: BTreeMap::new(),
            at_v1: dir.join("at-v1"),
            at_v2: dir.join("at-v2"),
        };
        // Version 1: n numbers; version 2: a tenth replaced; version 3: another tenth and a
        // campaign renamed on the rest.
        feed.publish(&admin, &entries_csv(n, 0, "wave-1"));
        let (url, root) = (feed.server.url.clone(), feed.root.clone());
        let sync = |data: &Path| {
            ok_json(&ctl(
                data,
                &[
                    "sync",
                    "--url",
                    &url,
                    "--root",
                    root.to_str().unwrap(),
                    "--json",
                ],
            ))
        };
        assert_eq!(sync(&feed.at_v1)["version"], 1);
        feed.publish(&admin, &entries_csv(n, n / 10, "wave-1"));
        copy_dir(&feed.at_v1, &feed.at_v2);
        let r = sync(&feed.at_v2);
        assert_eq!(
            (r["version"].as_u64(), r["outcome"].as_str()),
            (Some(2), Some("delta"))
        );
        let mut v3 = entries_csv(n - n / 10, n / 5, "wave-1");
        v3.push_str(
            entries_csv(n / 10, n + n / 5, "wave-3")
                .split_once('\n')
                .unwrap()
                .1,
        );
        feed.publish(&admin, &v3);
        assert_eq!(feed.published.len(), 3);
        feed
    }

    /// A fresh data directory at `start`.
    fn data_dir(&self, start: Start, run: &Path) -> PathBuf {
        if run.exists() {
            std::fs::remove_dir_all(run).unwrap();
        }
        match start {
            Start::Empty => {}
            Start::Old => copy_dir(&self.at_v1, run),
            Start::Previous => copy_dir(&self.at_v2, run),
        }
        run.to_path_buf()
    }

    /// Starts a sync of `kind` on `data`, its progress lines read by a thread into `stage`.
    fn start(&self, kind: Kind, data: &Path, first: bool, stage: &Arc<Mutex<String>>) -> Child {
        let mut cmd = if kind.is_app() {
            let mut c = Command::new(std::env::current_exe().unwrap());
            c.arg(APP_SYNC)
                .arg(data)
                .arg(&self.server.url)
                .arg(&self.root);
            c
        } else {
            let mut c = ctl_command(data);
            c.args(["sync", "--progress", "--json"]);
            // The URL and root are given for a first sync only: after that they are kept.
            if first {
                c.args(["--url", &self.server.url, "--root"])
                    .arg(&self.root);
            }
            c
        };
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = child.stderr.take().unwrap();
        let stage = Arc::clone(stage);
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if line.contains("error") {
                    // Kept for the failure's message (after the stage's name).
                    let mut st = stage.lock().unwrap();
                    *st = format!("{st}; {line}");
                    continue;
                }
                let s = if line.contains("verifying") {
                    "metadata"
                } else if line.contains("downloading") {
                    "download"
                } else if line.contains("applying") {
                    "apply"
                } else if line.contains("rebuilding") {
                    "index"
                } else if line.contains("done") {
                    "done"
                } else {
                    continue; // a trust change, an error: the stage goes on
                };
                *stage.lock().unwrap() = s.to_owned();
            }
        });
        child
    }

    /// The checks after a kill (or an early exit) of a sync that started at `start`.
    fn check(&self, data: &Path, start: Start, what: &str) {
        let status = ok_json(&ctl(data, &["status", "--json"]));
        let version = status["feed"]["version"].as_u64();
        assert!(
            version == start.version() || version == Some(LATEST),
            "{what}: version {version:?} after a sync from {start:?}"
        );
        let store = verity_store::Store::open(data).unwrap();
        let state = store.feed_state().unwrap();
        assert_eq!(state.version, version, "{what}");
        let mut b = verity_feed::format::ChecksumBuilder::default();
        let mut n = 0u64;
        for s in store.blocklist_entries().unwrap() {
            if s.origin == verity_store::Origin::Feed {
                b.push(&s.entry, s.alert);
                n += 1;
            }
        }
        let sum = b.finish().to_hex();
        match version {
            None => {
                assert_eq!(n, 0, "{what}: feed entries but no version");
                assert_eq!(state.checksum, None, "{what}");
            }
            Some(v) => {
                let (published, entries) = &self.published[&v];
                assert_eq!(&sum, published, "{what}: version {v} is not whole");
                assert_eq!(state.checksum.as_ref(), Some(published), "{what}");
                assert_eq!(n, *entries, "{what}");
            }
        }
    }

    /// The next sync, as the user (or the app) runs it next: must reach the latest version.
    fn next_sync(&self, kind: Kind, data: &Path, what: &str) {
        // Until a version is held, the user runs the first sync's command again (`--url` and
        // `--root`: the root is kept only with the first version); after, a plain `sync`.
        let first = {
            let s = ok_json(&ctl(data, &["status", "--json"]));
            s["feed"]["version"].is_null()
        };
        let stage = Arc::new(Mutex::new(String::new()));
        let child = self.start(kind, data, first, &stage);
        let o = child.wait_with_output().unwrap();
        assert!(
            o.status.success(),
            "{what}: the next sync failed ({:?}), last stage and errors: {:?}",
            o.status.code(),
            stage.lock().unwrap(),
        );
        let version = if kind.is_app() {
            text(&o.stdout).trim().parse::<u64>().ok()
        } else {
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["version"].as_u64()
        };
        assert_eq!(version, Some(LATEST), "{what}");
        let store = verity_store::Store::open(data).unwrap();
        let state = store.feed_state().unwrap();
        assert_eq!(state.version, Some(LATEST), "{what}");
        assert_eq!(state.checksum.as_ref(), Some(&self.published[&LATEST].0));
    }
}

fn sweep() {
    let kills = env_u64("KILL_SWEEP_KILLS", 20);
    let entries = u32::try_from(env_u64("KILL_SWEEP_ENTRIES", 20_000)).unwrap();
    let seed = std::env::var("KILL_SWEEP_SEED")
        .ok()
        .map(|s| s.parse::<u64>().unwrap())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("kill_sweep: {kills} kills, {entries} entries, KILL_SWEEP_SEED={seed}");
    let began = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let feed = Feed::set_up(dir.path(), entries);
    let run = dir.path().join("run");

    // The duration of each kind of sync, uninterrupted (the slower of two runs), measured again
    // every 50 kills: a machine whose load changes during a long sweep would otherwise place
    // most kills after the sync has finished, or all of them early.
    let calibrate = || {
        let mut durations = BTreeMap::new();
        for kind in Kind::ALL {
            let mut d = Duration::ZERO;
            for start in [starts(kind)[0], starts(kind)[starts(kind).len() - 1]] {
                let data = feed.data_dir(start, &run);
                let t = Instant::now();
                feed.next_sync(kind, &data, &format!("calibrating {}", kind.name()));
                d = d.max(t.elapsed());
            }
            println!("kill_sweep: {} takes {d:?}", kind.name());
            durations.insert(kind, d);
        }
        durations
    };
    let mut durations = calibrate();

    let mut rng = Rng(seed);
    // (kind, stage at the kill) → count; "exited" when the sync had finished first.
    let mut tally: BTreeMap<(Kind, String), u64> = BTreeMap::new();
    for i in 0..kills {
        if i > 0 && i % 50 == 0 {
            durations = calibrate();
        }
        let kind = Kind::ALL[(i % 4) as usize];
        let options = starts(kind);
        let start = options[((i / 4) as usize) % options.len()];
        let data = feed.data_dir(start, &run);
        let at = durations[&kind].mul_f64(rng.unit());
        let what = format!("kill {i} ({}, from {start:?}, at {at:?})", kind.name());
        // "started": killed before the first progress line (the process starting, the store
        // opening).
        let stage = Arc::new(Mutex::new("started".to_owned()));
        let mut child = feed.start(kind, &data, start == Start::Empty, &stage);
        std::thread::sleep(at);
        let phase = if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{what}: the sync failed: {status:?}");
            "exited".to_owned()
        } else {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            stage.lock().unwrap().clone()
        };
        feed.check(&data, start, &what);
        feed.next_sync(kind, &data, &what);
        *tally.entry((kind, phase)).or_default() += 1;
        if (i + 1) % 50 == 0 {
            println!("kill_sweep: {} kills, {:?} so far", i + 1, began.elapsed());
        }
    }
    println!("kill_sweep: kind | stage at the kill | kills");
    for ((kind, phase), n) in &tally {
        println!("kill_sweep: {} | {phase} | {n}", kind.name());
    }
    println!(
        "kill_sweep: {kills} kills, 0 failures, {:?} in all (seed {seed})",
        began.elapsed()
    );
}

/// Where each kind of sync starts from, in turn.
fn starts(kind: Kind) -> &'static [Start] {
    if kind.is_delta() {
        &[Start::Previous]
    } else {
        &[Start::Empty, Start::Old]
    }
}
