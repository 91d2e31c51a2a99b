//! `publish_additions`: what the desk publishes when IT confirms reported items. The new version
//! keeps every listed entry, the official directory and the tool table; an addition already
//! listed changes nothing of it; a device that syncs sees the new item.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::time::Duration;
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_feed::tools::TOOLS_TARGET;
use verity_feed::{
    init, publish, publish_additions, spawn_server, sync, FeedEntry, FeedError, InitOptions,
    PublishInput, PublishOptions, SyncConfig,
};
use verity_store::Store;

mod fixture;
use fixture::{entry, now, v1_list};

const TABLE: &str = r#"{"version": 2, "tools": [
    {"id": "newdesk", "name": "NewDesk", "processes": ["newdesk"], "paths": [], "installers": ["newdesk"]}
]}"#;

fn reported(kind: EntryKind, raw: &str, category: Category) -> FeedEntry {
    FeedEntry {
        entry: BlocklistEntry::new(
            kind,
            raw,
            category,
            None,
            Some("report #7".into()),
            now(),
            verity_core::phone::Region::HK,
        )
        .unwrap(),
        alert: true,
    }
}

#[test]
fn additions_join_the_listed_entries_and_keep_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (repo, keys) = (dir.path().join("repo"), dir.path().join("keys"));
    init(
        &repo,
        &keys,
        &dir.path().join("root-keys"),
        &InitOptions::default(),
        now(),
    )
    .unwrap();
    let v1 = publish(
        &repo,
        &keys,
        PublishInput {
            entries: v1_list(),
            official: None,
            tools: Some(TABLE.as_bytes().to_vec()),
        },
        &PublishOptions::default(),
        now(),
    )
    .unwrap();

    // One new number, and one already listed under another category: it keeps the listed one.
    let additions = vec![
        reported(EntryKind::Phone, "+852 3001 0099", Category::FreezeThreat),
        reported(EntryKind::Phone, "+852 3001 0001", Category::Other),
    ];
    let v2 = publish_additions(&repo, &keys, additions, &PublishOptions::default(), now()).unwrap();
    assert_eq!(v2.version, v1.version + 1);
    assert_eq!(v2.added, 1);
    assert_eq!(v2.changed, 0, "the listed entry is kept as it was");
    assert_eq!(v2.removed, 0);
    assert_eq!(v2.entries, v1.entries + 1);
    assert_eq!(v2.tools_version, Some(2), "the tool table is carried over");

    // A device syncs and finds the new number, the old ones, and the table.
    let server = spawn_server(&repo, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut cfg = SyncConfig::new(server.url());
    cfg.root = Some(std::fs::read(repo.join("root.json")).unwrap());
    cfg.timeout = Duration::from_secs(20);
    cfg.apply_official = true;
    let mut store = Store::open(&dir.path().join("device")).unwrap();
    let report = sync(&mut store, &cfg, now(), &mut |_| {}).unwrap();
    assert_eq!(report.version, v2.version);
    let listed = store.blocklist_entries().unwrap();
    let new = listed
        .iter()
        .find(|e| e.entry.value == "+85230010099")
        .expect("the new number is listed");
    assert_eq!(new.entry.category, Category::FreezeThreat);
    assert_eq!(new.entry.source.as_deref(), Some("report #7"));
    let old = listed
        .iter()
        .find(|e| e.entry.value == "+85230010001")
        .unwrap();
    assert_eq!(
        old.entry.category,
        Category::FakeSupport,
        "the listed entry is not rewritten"
    );
    assert!(repo.join("targets").read_dir().unwrap().any(|f| f
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(TOOLS_TARGET)));
}

#[test]
fn the_first_version_can_be_additions_alone_and_nothing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (repo, keys) = (dir.path().join("repo"), dir.path().join("keys"));
    init(
        &repo,
        &keys,
        &dir.path().join("root-keys"),
        &InitOptions::default(),
        now(),
    )
    .unwrap();
    match publish_additions(&repo, &keys, Vec::new(), &PublishOptions::default(), now()) {
        Err(FeedError::Input(m)) => assert!(m.contains("nothing"), "{m}"),
        other => panic!("an empty addition must be refused: {other:?}"),
    }
    assert!(
        !repo.join("metadata").join("timestamp.json").exists(),
        "nothing was published"
    );
    let v1 = publish_additions(
        &repo,
        &keys,
        vec![entry(
            EntryKind::Domain,
            "freeze-notice.example.com",
            true,
            "x",
        )],
        &PublishOptions::default(),
        now(),
    )
    .unwrap();
    assert_eq!((v1.version, v1.entries, v1.added), (1, 1, 1));
}
