//! The tripwire's tool table as a feed target: published, served on loopback, synced. Only an
//! organisation's feed brings it; a tampered or missing table is refused and nothing of it is
//! kept, while the list still updates; the next version carries it over; an older or equal one
//! is not fetched again; a changed table needs a higher version to be published.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::PathBuf;
use std::time::Duration;
use verity_feed::tools::TOOLS_TARGET;
use verity_feed::{
    init, publish, spawn_server, sync, FeedError, InitOptions, PublishInput, PublishOptions,
    ServerHandle, SyncConfig,
};
use verity_store::Store;

mod fixture;
use fixture::{now, v1_list};

const TABLE_V2: &str = r#"{"version": 2, "tools": [
    {"id": "newdesk", "name": "NewDesk", "processes": ["newdesk"], "paths": [], "installers": ["newdesk"]}
]}"#;

struct Feed {
    dir: tempfile::TempDir,
    repo: PathBuf,
    keys: PathBuf,
}

impl Feed {
    fn new() -> Feed {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let keys = dir.path().join("keys");
        init(
            &repo,
            &keys,
            &dir.path().join("root-keys"),
            &InitOptions::default(),
            now(),
        )
        .unwrap();
        Feed { dir, repo, keys }
    }

    fn publish(&self, tools: Option<&str>) -> verity_feed::PublishReport {
        self.try_publish(tools).unwrap()
    }

    fn try_publish(&self, tools: Option<&str>) -> Result<verity_feed::PublishReport, FeedError> {
        publish(
            &self.repo,
            &self.keys,
            PublishInput {
                entries: v1_list(),
                official: None,
                tools: tools.map(|t| t.as_bytes().to_vec()),
            },
            &PublishOptions::default(),
            now(),
        )
    }

    fn config(&self, server: &ServerHandle, organisation: bool) -> SyncConfig {
        let mut cfg = SyncConfig::new(server.url());
        cfg.root = Some(std::fs::read(self.repo.join("root.json")).unwrap());
        cfg.timeout = Duration::from_secs(20);
        cfg.apply_official = organisation;
        cfg
    }

    fn store(&self, name: &str) -> Store {
        Store::open(&self.dir.path().join(name)).unwrap()
    }
}

fn run(store: &mut Store, cfg: &SyncConfig) -> Result<verity_feed::SyncReport, FeedError> {
    sync(store, cfg, now(), &mut |_| {})
}

#[test]
fn the_organisations_feed_brings_the_table_and_the_next_version_carries_it() {
    let feed = Feed::new();
    let r = feed.publish(Some(TABLE_V2));
    assert_eq!(r.tools_version, Some(2));
    let server = spawn_server(&feed.repo, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut store = feed.store("org");
    let report = run(&mut store, &feed.config(&server, true)).unwrap();
    assert_eq!(report.tools_version, Some(2));
    let (v, json) = store.feed_tool_table().unwrap().unwrap();
    assert_eq!(v, 2);
    assert_eq!(json, TABLE_V2);

    // A new list version without a table keeps the table listed; the device already has it.
    let r = feed.publish(None);
    assert_eq!(r.tools_version, Some(2));
    let report = run(&mut store, &feed.config(&server, true)).unwrap();
    assert_eq!(report.version, 2);
    assert_eq!(report.tools_version, None, "not fetched again");
    assert_eq!(store.feed_tool_table().unwrap().unwrap().0, 2);
}

#[test]
fn a_feed_entered_by_hand_never_changes_the_table() {
    let feed = Feed::new();
    feed.publish(Some(TABLE_V2));
    let server = spawn_server(&feed.repo, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut store = feed.store("manual");
    let report = run(&mut store, &feed.config(&server, false)).unwrap();
    assert_eq!(report.tools_version, None);
    assert_eq!(store.feed_tool_table().unwrap(), None);
}

#[test]
fn a_tampered_table_is_refused_and_nothing_is_kept() {
    let feed = Feed::new();
    feed.publish(Some(TABLE_V2));
    let target = std::fs::read_dir(feed.repo.join("targets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(TOOLS_TARGET))
        .unwrap();
    // Same length, other content: an empty table an attacker would like devices to take.
    let evil = TABLE_V2.replace("newdesk", "xxxxxxx");
    assert_eq!(evil.len(), TABLE_V2.len());
    std::fs::write(&target, evil).unwrap();
    let server = spawn_server(&feed.repo, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut store = feed.store("tampered");
    // The list still updates: a bad table never holds back the scam list.
    let report = run(&mut store, &feed.config(&server, true)).unwrap();
    assert_eq!(report.tools_version, None);
    let why = report.tools_error.unwrap();
    assert!(why.contains("bad_target"), "{why}");
    assert_eq!(store.feed_tool_table().unwrap(), None, "nothing of it kept");
    assert_eq!(store.feed_state().unwrap().version, Some(1));
    // A mirror that lost the file: the same.
    std::fs::remove_file(&target).unwrap();
    let mut store = feed.store("mirror");
    let report = run(&mut store, &feed.config(&server, true)).unwrap();
    assert!(report.tools_error.is_some());
    assert_eq!(store.feed_tool_table().unwrap(), None);
    assert_eq!(store.feed_state().unwrap().version, Some(1));
}

#[test]
fn a_changed_table_needs_a_higher_version() {
    let feed = Feed::new();
    feed.publish(Some(TABLE_V2));
    // The same table again is fine (nothing changes for devices).
    assert_eq!(feed.publish(Some(TABLE_V2)).tools_version, Some(2));
    let edited = TABLE_V2.replace("NewDesk", "NewDesk Pro");
    let e = feed.try_publish(Some(&edited)).unwrap_err();
    assert!(e.to_string().contains("must be above 2"), "{e}");
    let bumped = edited.replace(r#""version": 2"#, r#""version": 3"#);
    assert_eq!(feed.publish(Some(&bumped)).tools_version, Some(3));
}

#[test]
fn a_table_clients_would_refuse_is_not_published() {
    let feed = Feed::new();
    for bad in [
        r#"{"version": 2, "tools": [{"id": "Bad Id", "name": "x", "processes": ["x"], "paths": [], "installers": []}]}"#,
        "not json",
        r#"{"version": 2}"#,
    ] {
        let e = feed.try_publish(Some(bad)).unwrap_err();
        assert!(e.to_string().contains("tool table"), "{e}");
    }
    assert!(!feed.repo.join("metadata").join("timestamp.json").exists());
}
