//! Publish → serve on 127.0.0.1:0 → sync, and every way a hostile server or network can try
//! to make a client accept something else: each leaves the local list as it was and the
//! status says why. Loopback only, temporary directories, no fixed ports.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use verity_core::blocklist::EntryKind;
use verity_core::Timestamp;
use verity_feed::format::{canonicalize, list_checksum};
use verity_feed::{
    init, publish, refresh, spawn_server, sync, FeedEntry, FeedError, InitOptions, Progress,
    PublishInput, PublishOptions, RefreshOptions, ServerHandle, Stage, SyncConfig, SyncOutcome,
};
use verity_store::{Origin, Store};

mod fixture;
use fixture::{entry, now, v1_list};

const DAY: i64 = 86_400;

fn v2_list() -> Vec<FeedEntry> {
    vec![
        // +852 3001 0001 changes campaign; +852 3001 0002 goes; two new, one alerting.
        entry(EntryKind::Phone, "+852 3001 0001", true, "ads-q4"),
        entry(EntryKind::Phone, "+852 3001 0003", true, "ads-q4"),
        entry(
            EntryKind::Url,
            "http://pay.example.net/upgrade",
            false,
            "pay",
        ),
        entry(
            EntryKind::Domain,
            "dingtalk-help.example.com",
            false,
            "pages",
        ),
    ]
}

struct Feed {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    keys: PathBuf,
    root_keys: PathBuf,
    data: PathBuf,
}

impl Feed {
    fn new() -> Feed {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let keys = dir.path().join("keys");
        let data = dir.path().join("data");
        let root_keys = dir.path().join("root-keys");
        init(&repo, &keys, &root_keys, &InitOptions::default(), now()).unwrap();
        Feed {
            _dir: dir,
            repo,
            keys,
            root_keys,
            data,
        }
    }

    fn publish_at(&self, list: Vec<FeedEntry>, at: Timestamp, timestamp_days: u32) {
        publish(
            &self.repo,
            &self.keys,
            PublishInput {
                entries: list,
                official: None,
                tools: None,
            },
            &PublishOptions {
                timestamp_days,
                min_wait: Some(1800),
                ..PublishOptions::default()
            },
            at,
        )
        .unwrap();
    }

    fn publish(&self, list: Vec<FeedEntry>) {
        self.publish_at(list, now(), 7);
    }

    fn serve(&self) -> ServerHandle {
        spawn_server(&self.repo, "127.0.0.1:0".parse().unwrap()).unwrap()
    }

    fn config(&self, server: &ServerHandle) -> SyncConfig {
        let mut cfg = SyncConfig::new(server.url());
        cfg.root = Some(std::fs::read(self.repo.join("root.json")).unwrap());
        cfg.timeout = Duration::from_secs(20);
        cfg
    }

    fn store(&self) -> Store {
        Store::open(&self.data).unwrap()
    }

    fn metadata(&self, name: &str) -> PathBuf {
        self.repo.join("metadata").join(name)
    }

    fn target(&self, suffix: &str) -> PathBuf {
        let mut found: Vec<(SystemTime, PathBuf)> = std::fs::read_dir(self.repo.join("targets"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(suffix))
            .map(|p| (std::fs::metadata(&p).unwrap().modified().unwrap(), p))
            .collect();
        found.sort();
        found.pop().unwrap().1
    }
}

fn quiet() -> impl FnMut(Progress) + Send {
    |_| {}
}

fn run(store: &mut Store, cfg: &SyncConfig) -> Result<verity_feed::SyncReport, FeedError> {
    sync(store, cfg, now(), &mut quiet())
}

/// The feed entries of the store, as FeedEntry values, canonical.
fn local_feed(store: &Store) -> Vec<FeedEntry> {
    let mut v: Vec<FeedEntry> = store
        .blocklist_entries()
        .unwrap()
        .into_iter()
        .filter(|s| s.origin == Origin::Feed)
        .map(|s| FeedEntry {
            entry: s.entry,
            alert: s.alert,
        })
        .collect();
    canonicalize(&mut v);
    v
}

fn assert_refused(store: &mut Store, cfg: &SyncConfig, code: &str) -> FeedError {
    let before = store.blocklist_entries().unwrap();
    let version = store.feed_state().unwrap().version;
    let err = run(store, cfg).unwrap_err();
    assert_eq!(err.code(), code, "{err}");
    assert_eq!(
        store.blocklist_entries().unwrap(),
        before,
        "the list changed"
    );
    let st = store.feed_state().unwrap();
    assert_eq!(st.version, version);
    assert_eq!(st.last_error_code.as_deref(), Some(code));
    assert!(st.last_error.is_some_and(|m| !m.is_empty()));
    err
}

#[test]
fn publish_serve_sync_then_delta_then_up_to_date() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    let cfg = feed.config(&server);
    let mut store = feed.store();
    assert!(store.blocklist_summary().unwrap().sample > 0);

    let mut stages = Vec::new();
    let r = sync(&mut store, &cfg, now(), &mut |p: Progress| {
        stages.push(p.stage);
    })
    .unwrap();
    assert_eq!(r.outcome, SyncOutcome::Snapshot);
    assert!(r.initial);
    assert_eq!((r.version, r.added, r.entries), (1, 3, 3));
    assert_eq!(r.new_alerts.len(), 1);
    assert_eq!(r.new_alerts[0].value, "+85230010001");
    assert_eq!(r.min_wait, Some(1800));
    assert!(r.downloaded > 0);
    assert!(stages.contains(&Stage::Metadata) && stages.contains(&Stage::Download));
    assert_eq!(stages.last(), Some(&Stage::Done));
    assert_eq!(
        store.blocklist_summary().unwrap().sample,
        0,
        "the sample list goes"
    );
    let st = store.feed_state().unwrap();
    assert_eq!(st.version, Some(1));
    assert!(st.last_success.is_some() && st.last_error.is_none());
    assert!(st.expires.is_some_and(|e| e.0 > now().0 + 6 * DAY));
    // The trusted root is kept; later syncs need no --root.
    assert!(feed.data.join("feed/root.json").is_file());

    let mut cfg2 = cfg.clone();
    cfg2.root = None;
    let r = run(&mut store, &cfg2).unwrap();
    assert_eq!(r.outcome, SyncOutcome::UpToDate);
    assert!(r.new_alerts.is_empty());

    feed.publish(v2_list());
    let r = run(&mut store, &cfg2).unwrap();
    assert_eq!(r.outcome, SyncOutcome::Delta, "{r:?}");
    assert!(!r.initial);
    assert_eq!(r.previous_version, Some(1));
    assert_eq!((r.added, r.updated, r.removed, r.entries), (2, 1, 1, 4));
    let alerts: Vec<&str> = r.new_alerts.iter().map(|e| e.value.as_str()).collect();
    assert_eq!(alerts, ["+85230010003"], "only new entries alert");
    let mut want = v2_list();
    canonicalize(&mut want);
    let local = local_feed(&store);
    assert_eq!(
        list_checksum(&local),
        list_checksum(&want_with_dates(&want, &local))
    );
    assert_eq!(store.feed_state().unwrap().version, Some(2));
    // The index answers from the new list.
    let (index, _) = store.lookup_tables().unwrap();
    assert!(index.contains_phone("+85230010003").unwrap());
    assert!(!index.contains_phone("+85230010002").unwrap());
}

/// Entries keep the date they were first published; compare values and details only.
fn want_with_dates(want: &[FeedEntry], local: &[FeedEntry]) -> Vec<FeedEntry> {
    want.iter()
        .map(|w| {
            let mut w = w.clone();
            if let Some(l) = local
                .iter()
                .find(|l| l.entry.kind == w.entry.kind && l.entry.value == w.entry.value)
            {
                w.entry.added = l.entry.added;
            }
            w
        })
        .collect()
}

#[test]
fn snapshot_fallback_when_versions_were_missed_or_the_local_list_drifted() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    let cfg = feed.config(&server);
    let mut store = feed.store();
    run(&mut store, &cfg).unwrap();

    // Two versions published while offline: the delta's base is 2, the list is 1.
    feed.publish(v2_list());
    feed.publish(v1_list());
    let r = run(&mut store, &cfg).unwrap();
    assert_eq!(r.outcome, SyncOutcome::Snapshot);
    assert!(
        r.delta_skipped.as_deref().unwrap().contains("version 2"),
        "{r:?}"
    );
    assert_eq!(r.version, 3);

    // The local list drifted (an entry deleted by hand): the delta would not rebuild the
    // published list, so its checksum fails inside the transaction and the snapshot is used.
    assert!(store
        .remove_entry(EntryKind::Domain, "dingtalk-help.example.com")
        .unwrap());
    feed.publish(v2_list());
    let r = run(&mut store, &cfg).unwrap();
    assert_eq!(r.outcome, SyncOutcome::Snapshot, "{r:?}");
    assert!(
        r.delta_skipped.as_deref().unwrap().contains("checksum"),
        "{r:?}"
    );
    assert_eq!(local_feed(&store).len(), 4);
    assert_eq!(
        list_checksum(&local_feed(&store)).to_hex(),
        store.feed_state().unwrap().checksum.unwrap()
    );
}

#[test]
fn a_tampered_target_is_refused_and_nothing_changes() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    let cfg = feed.config(&server);
    let mut store = feed.store();
    run(&mut store, &cfg).unwrap();
    feed.publish(v2_list());
    for suffix in [".blocklist.delta", ".blocklist.snapshot"] {
        let path = feed.target(suffix);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        std::fs::write(&path, bytes).unwrap();
    }
    assert_refused(&mut store, &cfg, "bad_target");
}

#[test]
fn a_bad_metadata_signature_is_refused() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    let cfg = feed.config(&server);
    let mut store = feed.store();
    run(&mut store, &cfg).unwrap();
    feed.publish(v2_list());
    // Extend the timestamp's expiry without re-signing it.
    let path = feed.metadata("timestamp.json");
    let mut ts: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    ts["signed"]["expires"] = serde_json::json!("2099-01-01T00:00:00Z");
    std::fs::write(&path, serde_json::to_vec(&ts).unwrap()).unwrap();
    let err = assert_refused(&mut store, &cfg, "bad_signature");
    assert!(err.to_string().contains("timestamp"), "{err}");
}

#[test]
fn rollback_to_older_signed_metadata_is_refused() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let old_timestamp = std::fs::read(feed.metadata("timestamp.json")).unwrap();
    let server = feed.serve();
    let cfg = feed.config(&server);
    let mut store = feed.store();
    run(&mut store, &cfg).unwrap();
    feed.publish(v2_list());
    run(&mut store, &cfg).unwrap();
    // The server replays version 1 (validly signed, not expired).
    std::fs::write(feed.metadata("timestamp.json"), old_timestamp).unwrap();
    assert_refused(&mut store, &cfg, "rollback");
    assert_eq!(store.feed_state().unwrap().version, Some(2));
}

#[test]
fn frozen_metadata_is_refused_and_refresh_revives_the_feed() {
    let feed = Feed::new();
    // Published ten days ago with a one-day timestamp: expired now.
    feed.publish_at(v1_list(), Timestamp(now().0 - 10 * DAY), 1);
    let server = feed.serve();
    let cfg = feed.config(&server);
    let mut store = feed.store();
    let err = assert_refused(&mut store, &cfg, "expired");
    assert!(err.to_string().contains("timestamp"), "{err}");
    assert_eq!(store.feed_state().unwrap().failures, 1);

    let r = refresh(
        &feed.repo,
        &feed.keys,
        None,
        &RefreshOptions::default(),
        now(),
    )
    .unwrap();
    assert!(!r.resigned_metadata);
    assert!(r.timestamp_expires > now().0 + 6 * DAY);
    let r = run(&mut store, &cfg).unwrap();
    assert_eq!((r.outcome, r.version), (SyncOutcome::Snapshot, 1));
    assert_eq!(store.feed_state().unwrap().failures, 0);
}

#[test]
fn refresh_resigns_targets_and_snapshot_when_they_would_expire_first() {
    let feed = Feed::new();
    publish(
        &feed.repo,
        &feed.keys,
        PublishInput {
            entries: v1_list(),
            official: None,
            tools: None,
        },
        &PublishOptions {
            metadata_days: 3,
            timestamp_days: 1,
            min_wait: None,
        },
        now(),
    )
    .unwrap();
    let renew = RefreshOptions {
        timestamp_days: 7,
        metadata_days: 30,
        renew_root_days: Some(400),
    };
    let err = refresh(&feed.repo, &feed.keys, None, &renew, now()).unwrap_err();
    assert_eq!(
        err.code(),
        "input",
        "renewing the root needs the offline root keys"
    );
    let r = refresh(&feed.repo, &feed.keys, Some(&feed.root_keys), &renew, now()).unwrap();
    assert!(r.resigned_metadata);
    assert_eq!((r.version, r.root_version), (1, 2));
    assert!(r.root_expires > now().0 + 399 * DAY);
    let server = feed.serve();
    let mut store = feed.store();
    // The client starts from root version 1 and follows the chain to version 2.
    let r = run(&mut store, &feed.config(&server)).unwrap();
    assert!(r.expires.0 > now().0 + 6 * DAY);
    assert_eq!(r.root_version, 2);
    // A later publish signs with the renewed root.
    feed.publish(v2_list());
    assert_eq!(run(&mut store, &feed.config(&server)).unwrap().version, 2);
}

#[test]
fn mix_and_match_metadata_is_refused() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    let cfg = feed.config(&server);
    let mut store = feed.store();
    run(&mut store, &cfg).unwrap();
    let v1_targets = std::fs::read(feed.metadata("1.targets.json")).unwrap();
    feed.publish(v2_list());
    // Version 2's snapshot points at 2.targets.json; the server hands version 1's content.
    std::fs::write(feed.metadata("2.targets.json"), v1_targets).unwrap();
    assert_refused(&mut store, &cfg, "mix_and_match");
}

#[test]
fn an_oversized_metadata_file_is_refused() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    let cfg = feed.config(&server);
    let mut store = feed.store();
    let mut big = b"{\"pad\":\"".to_vec();
    big.extend(std::iter::repeat_n(b'a', 200 * 1024));
    big.extend_from_slice(b"\"}");
    std::fs::write(feed.metadata("timestamp.json"), big).unwrap();
    assert_refused(&mut store, &cfg, "too_large");
}

/// A server that answers every request with an endless body (bounded here to 64 MiB so the
/// test always ends).
fn endless_server() -> (SocketAddr, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        for _ in 0..4 {
            let Ok((mut s, _)) = listener.accept() else {
                return;
            };
            let mut req = [0u8; 4096];
            let _ = s.read(&mut req);
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
            );
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..1024 {
                if s.write_all(&chunk).is_err() {
                    break;
                }
            }
        }
    });
    (addr, handle)
}

#[test]
fn endless_data_is_cut_off() {
    let feed = Feed::new();
    let (addr, _thread) = endless_server();
    let mut cfg = SyncConfig::new(format!("http://{addr}/"));
    cfg.root = Some(std::fs::read(feed.repo.join("root.json")).unwrap());
    cfg.timeout = Duration::from_secs(20);
    let mut store = feed.store();
    assert_refused(&mut store, &cfg, "too_large");
}

#[test]
fn a_server_that_is_down_is_a_network_error_counted_for_back_off() {
    let feed = Feed::new();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = SyncConfig::new(format!("http://127.0.0.1:{port}/"));
    cfg.root = Some(std::fs::read(feed.repo.join("root.json")).unwrap());
    cfg.connect_timeout = Duration::from_secs(2);
    let mut store = feed.store();
    assert_refused(&mut store, &cfg, "network");
    assert_refused(&mut store, &cfg, "network");
    assert_eq!(store.feed_state().unwrap().failures, 2);
}

#[test]
fn nothing_published_yet_is_not_found() {
    let feed = Feed::new();
    let server = feed.serve();
    let cfg = feed.config(&server);
    let mut store = feed.store();
    assert_refused(&mut store, &cfg, "not_found");
}

#[test]
fn the_first_sync_needs_a_valid_root_and_a_foreign_root_is_refused() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    let mut cfg = feed.config(&server);
    let mut store = feed.store();
    cfg.root = None;
    assert_refused(&mut store, &cfg, "no_trusted_root");
    cfg.root = Some(b"{not json".to_vec());
    assert_refused(&mut store, &cfg, "bad_root");
    // Another organisation's root: the feed's metadata is not signed by its keys.
    let other = Feed::new();
    cfg.root = Some(std::fs::read(other.repo.join("root.json")).unwrap());
    assert_refused(&mut store, &cfg, "bad_signature");
}

#[test]
fn sync_goes_through_an_http_proxy() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    // Nothing listens at the feed's address (plain HTTP is for loopback only, and port 1 is
    // closed); only the proxy (our server, which serves absolute-form requests by path) can
    // answer.
    let mut cfg = feed.config(&server);
    cfg.url = "http://127.0.0.9:1/".into();
    cfg.proxy = Some(server.url());
    let mut store = feed.store();
    let r = run(&mut store, &cfg).unwrap();
    assert_eq!(r.version, 1);
}

#[test]
fn a_sync_from_a_file_url_works_for_removable_media() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let mut cfg = SyncConfig::new(url_of(&feed.repo));
    cfg.root = Some(std::fs::read(feed.repo.join("root.json")).unwrap());
    let mut store = feed.store();
    assert_eq!(run(&mut store, &cfg).unwrap().version, 1);
}

fn url_of(p: &Path) -> String {
    format!("file://{}/", p.display())
}

#[test]
fn thresholds_are_enforced_when_signing() {
    let dir = tempfile::tempdir().unwrap();
    let (repo, keys) = (dir.path().join("repo"), dir.path().join("keys"));
    let root_keys = dir.path().join("root-keys");
    let r = init(
        &repo,
        &keys,
        &root_keys,
        &InitOptions {
            root_keys: 3,
            threshold_root: 2,
            threshold_targets: 2,
            ..InitOptions::default()
        },
        now(),
    )
    .unwrap();
    assert_eq!(r.key_files.len(), 2 + 1 + 1);
    assert_eq!(r.root_key_files.len(), 3);
    assert!(r.root_key_files.iter().all(|f| f.starts_with(&root_keys)));
    // The root keys go offline: publishing never needs them.
    std::fs::remove_dir_all(&root_keys).unwrap();
    // With one of the two targets keys missing, publishing must fail.
    std::fs::rename(keys.join("targets-2.pem"), dir.path().join("away.pem")).unwrap();
    let err = publish(
        &repo,
        &keys,
        PublishInput {
            entries: v1_list(),
            official: None,
            tools: None,
        },
        &PublishOptions::default(),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "keys", "{err}");
    std::fs::rename(dir.path().join("away.pem"), keys.join("targets-2.pem")).unwrap();
    publish(
        &repo,
        &keys,
        PublishInput {
            entries: v1_list(),
            official: None,
            tools: None,
        },
        &PublishOptions::default(),
        now(),
    )
    .unwrap();
    let server = spawn_server(&repo, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut cfg = SyncConfig::new(server.url());
    cfg.root = Some(std::fs::read(repo.join("root.json")).unwrap());
    let mut store = Store::open(&dir.path().join("data")).unwrap();
    assert_eq!(run(&mut store, &cfg).unwrap().version, 1);
}

#[cfg(unix)]
#[test]
fn keys_are_owner_only_and_init_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let feed = Feed::new();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&feed.keys), 0o700);
    let files: Vec<PathBuf> = std::fs::read_dir(&feed.keys)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 3, "the root key lives in its own directory");
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
        let text = std::fs::read_to_string(f).unwrap();
        assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"));
    }
    // No private key in the repository.
    for e in walk(&feed.repo) {
        let text = std::fs::read(&e).unwrap();
        assert!(!String::from_utf8_lossy(&text).contains("PRIVATE KEY"));
    }
    let elsewhere = feed.repo.with_file_name("root-keys-2");
    let err = init(
        &feed.repo,
        &feed.keys,
        &elsewhere,
        &InitOptions::default(),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "already_exists");
    let other_repo = feed.repo.with_file_name("repo2");
    let err = init(
        &other_repo,
        &feed.keys,
        &elsewhere,
        &InitOptions::default(),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "already_exists", "keys are never overwritten");
    let err = init(
        &other_repo,
        &elsewhere,
        &elsewhere,
        &InitOptions::default(),
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err.code(),
        "input",
        "the root keys need their own directory"
    );
    // A key readable by others is refused.
    std::fs::set_permissions(&files[0], std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = publish(
        &feed.repo,
        &feed.keys,
        PublishInput {
            entries: v1_list(),
            official: None,
            tools: None,
        },
        &PublishOptions::default(),
        now(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "keys");
    assert!(err.to_string().contains("chmod 600"), "{err}");
}

/// Every file under `dir` (for the Unix-only key test above).
#[cfg(unix)]
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn publishing_keeps_first_dates_and_reports_changes() {
    let feed = Feed::new();
    let early = Timestamp(now().0 - 3 * DAY);
    let mut list = v1_list();
    for e in &mut list {
        e.entry.added = early;
    }
    feed.publish_at(list, early, 7);
    let r = publish(
        &feed.repo,
        &feed.keys,
        PublishInput {
            entries: v2_list(),
            official: Some(verity_check::official::OfficialDirectory::dingtalk_default()),
            tools: None,
        },
        &PublishOptions::default(),
        now(),
    )
    .unwrap();
    assert_eq!((r.version, r.previous), (2, Some(1)));
    assert_eq!((r.added, r.changed, r.removed, r.new_alerts), (2, 1, 1, 1));
    assert!(r.delta_bytes.unwrap() < r.snapshot_bytes + 64);
    let server = feed.serve();
    let mut store = feed.store();
    run(&mut store, &feed.config(&server)).unwrap();
    let local = local_feed(&store);
    let kept = local
        .iter()
        .find(|e| e.entry.value == "dingtalk-help.example.com")
        .unwrap();
    assert_eq!(
        kept.entry.added, early,
        "an entry keeps the date it was first published"
    );
    let new = local
        .iter()
        .find(|e| e.entry.value == "+85230010003")
        .unwrap();
    assert!(new.entry.added > early);
}

fn http(addr: SocketAddr, request: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn the_trial_server_serves_only_feed_files_and_only_get() {
    let feed = Feed::new();
    feed.publish(v1_list());
    std::fs::write(feed.repo.join("secret.pem"), "x").unwrap();
    let server = feed.serve();
    let get = |path: &str| {
        http(
            server.addr(),
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        )
    };
    assert!(get("/root.json").starts_with("HTTP/1.1 200"));
    assert!(get("/metadata/timestamp.json").contains("no-cache"));
    for bad in [
        "/secret.pem",
        "/metadata/../secret.pem",
        "/metadata/%2e%2e/secret.pem",
        "/",
    ] {
        assert!(get(bad).starts_with("HTTP/1.1 404"), "{bad}");
    }
    let post = http(
        server.addr(),
        "POST /root.json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(post.starts_with("HTTP/1.1 405"), "{post}");
}

#[test]
fn a_second_concurrent_sync_is_refused_as_busy() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    let cfg = feed.config(&server);
    let mut store = feed.store();
    std::fs::create_dir_all(feed.data.join("feed")).unwrap();
    let held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(feed.data.join("feed/sync.lock"))
        .unwrap();
    held.lock().unwrap();
    let err = run(&mut store, &cfg).unwrap_err();
    assert_eq!(err.code(), "busy");
    assert_eq!(
        store.feed_state().unwrap().failures,
        0,
        "not a feed failure"
    );
    drop(held);
    assert_eq!(run(&mut store, &cfg).unwrap().version, 1);
}

#[test]
fn a_root_replacement_switches_feeds_only_when_it_verifies() {
    let old = Feed::new();
    old.publish(v2_list());
    old.publish(v2_list());
    let old_server = old.serve();
    let mut store = old.store();
    run(&mut store, &old.config(&old_server)).unwrap();
    assert_eq!(store.feed_state().unwrap().version, Some(2));

    // A new organisation feed (version 1, new keys). Without --replace-root the kept root
    // refuses it; a wrong replacement changes nothing; the right one switches.
    let new = Feed::new();
    new.publish(v1_list());
    let new_server = new.serve();
    let mut cfg = new.config(&new_server);
    cfg.root = None;
    assert_refused(&mut store, &cfg, "bad_signature");
    cfg.replace_root = true;
    cfg.root = Some(std::fs::read(old.repo.join("root.json")).unwrap());
    assert_refused(&mut store, &cfg, "bad_signature");
    cfg.root = Some(std::fs::read(new.repo.join("root.json")).unwrap());
    let r = run(&mut store, &cfg).unwrap();
    assert_eq!((r.version, r.outcome), (1, SyncOutcome::Snapshot));
    cfg.replace_root = false;
    cfg.root = None;
    assert_eq!(
        run(&mut store, &cfg).unwrap().outcome,
        SyncOutcome::UpToDate
    );
    assert!(!new.data.join("feed/tuf.replacement").exists());
}

/// A server on 127.0.0.1 that answers every request with a redirect to the same path on
/// `target` (another origin), as a hijacked or hostile feed host would.
fn redirector(target: &str) -> (SocketAddr, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let target = target.trim_end_matches('/').to_owned();
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        for stream in listener.incoming().take(4) {
            let Ok(mut s) = stream else { return };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).into_owned();
            let path = req.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let _ = write!(
                s,
                "HTTP/1.1 302 Found\r\nLocation: {target}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (addr, handle)
}

/// Plain HTTP is only for a feed on this computer: a feed elsewhere must be reached over HTTPS.
#[test]
fn plain_http_is_refused_off_loopback() {
    let feed = Feed::new();
    let mut cfg = feed.config(&feed.serve());
    cfg.url = "http://feed.example.com/verity/".into();
    let mut store = feed.store();
    let err = assert_refused(&mut store, &cfg, "bad_url");
    assert!(err.to_string().contains("https"), "{err}");
}

/// Attack: the feed host redirects to another origin (where an attacker serves files, or to
/// plain HTTP). The client follows redirects only within the feed's origin.
#[test]
fn a_redirect_to_another_origin_is_refused() {
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    let (addr, _handle) = redirector(&server.url());
    let mut store = feed.store();
    let mut cfg = feed.config(&server);
    cfg.url = format!("http://{addr}/");
    let err = assert_refused(&mut store, &cfg, "network");
    assert!(err.to_string().contains("another origin"), "{err}");
    // Straight from the feed's own origin, the same files verify.
    assert_eq!(run(&mut store, &feed.config(&server)).unwrap().version, 1);
}
