//! `publish_additions`: what the desk publishes when IT confirms reported items or upholds an
//! appeal. The new version keeps every listed entry, the official directory and the tool table;
//! an addition already listed changes nothing of it; a device that syncs sees the new item.
//! Known contacts join the directory's allowlist, which only the organisation's feed applies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::time::Duration;
use verity_check::official::{KnownContact, KnownKind};
use verity_check::verdict::{Reason, ReasonCode, Verdict};
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_feed::tools::TOOLS_TARGET;
use verity_feed::{
    init, publish, publish_additions, spawn_server, sync, Additions, FeedEntry, FeedError,
    InitOptions, PublishInput, PublishOptions, SyncConfig,
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

fn check_on(store: &mut Store, input: &str) -> verity_check::check::CheckOutcome {
    let (index, official) = store.lookup_tables().unwrap();
    let ctx = verity_check::check::CheckContext {
        index: &index,
        official,
        default_region: verity_core::phone::Region::HK,
    };
    verity_check::check::check(input, None, &ctx).unwrap()
}

fn known(kind: KnownKind, raw: &str, label: &str) -> KnownContact {
    KnownContact::new(kind, raw, label, verity_core::phone::Region::HK).unwrap()
}

/// An appeal upheld: the desk adds known contacts; every device on the organisation's feed
/// gets them (snapshot, then delta), keeps them across restarts, and its check says "known to
/// your organisation" where the list said scam. A device on a public feed ignores them.
#[test]
fn known_contacts_reach_the_organisations_devices_and_their_checks() {
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
            tools: None,
        },
        &PublishOptions::default(),
        now(),
    )
    .unwrap();
    assert_eq!(v1.known_contacts, 0);

    // The listed number is really Acme's accounts desk; the listed domain a partner's.
    let v2 = publish_additions(
        &repo,
        &keys,
        Additions {
            block: Vec::new(),
            known: vec![
                known(KnownKind::Phone, "+852 3001 0001", "Acme accounts"),
                known(
                    KnownKind::Domain,
                    "dingtalk-help.example.com",
                    "Help partner",
                ),
            ],
        },
        &PublishOptions::default(),
        now(),
    )
    .unwrap();
    assert_eq!((v2.version, v2.entries, v2.added), (2, v1.entries, 0));
    assert_eq!(v2.known_contacts, 2);

    let server = spawn_server(&repo, "127.0.0.1:0".parse().unwrap()).unwrap();
    let config = |organisation: bool| {
        let mut cfg = SyncConfig::new(server.url());
        cfg.root = Some(std::fs::read(repo.join("root.json")).unwrap());
        cfg.timeout = Duration::from_secs(20);
        cfg.apply_official = organisation;
        cfg
    };
    let org_dir = dir.path().join("org-device");
    let public_dir = dir.path().join("public-device");
    let mut org = Store::open(&org_dir).unwrap();
    let mut public = Store::open(&public_dir).unwrap();
    sync(&mut org, &config(true), now(), &mut |_| {}).unwrap();
    sync(&mut public, &config(false), now(), &mut |_| {}).unwrap();
    assert_eq!(org.official_directory().unwrap().known.len(), 2);
    assert!(public.official_directory().unwrap().known.is_empty());

    // A later label replaces, a new entry joins the list; the device takes the delta.
    let v3 = publish_additions(
        &repo,
        &keys,
        Additions {
            block: vec![reported(
                EntryKind::Phone,
                "+852 3001 0099",
                Category::FreezeThreat,
            )],
            known: vec![known(
                KnownKind::Phone,
                "+85230010001",
                "Acme Supplies, accounts desk",
            )],
        },
        &PublishOptions::default(),
        now(),
    )
    .unwrap();
    assert_eq!((v3.version, v3.added, v3.known_contacts), (3, 1, 2));
    let r = sync(&mut org, &config(true), now(), &mut |_| {}).unwrap();
    assert_eq!(r.version, 3);
    sync(&mut public, &config(false), now(), &mut |_| {}).unwrap();

    // Restarted: the allowlist is still there, and the checks honour it.
    drop(org);
    let mut org = Store::open(&org_dir).unwrap();
    let d = org.official_directory().unwrap();
    assert_eq!(d.known.len(), 2);
    assert_eq!(d.known[0].label, "Acme Supplies, accounts desk");
    let o = check_on(&mut org, "+852 3001 0001");
    assert_eq!(o.verdict, Verdict::Official, "{:?}", o.reasons);
    assert_eq!(
        o.reasons[0],
        Reason::with(ReasonCode::OrgKnown, "Acme Supplies, accounts desk")
    );
    let o = check_on(&mut org, "https://login.dingtalk-help.example.com/");
    assert_eq!(o.verdict, Verdict::Official, "{:?}", o.reasons);
    assert_eq!(o.reasons[0].code, ReasonCode::OrgKnown);
    assert_eq!(check_on(&mut org, "+852 3001 0099").verdict, Verdict::Scam);
    assert_eq!(check_on(&mut org, "+852 3001 0002").verdict, Verdict::Scam);
    // The script still decides for a message from the known number.
    let o = check_on(
        &mut org,
        "Acme accounts, 3001 0001: please tell me the verification code we just sent.",
    );
    assert_eq!(o.verdict, Verdict::Suspicious, "{:?}", o.reasons);

    // The public feed's device never took the allowlist: the list decides.
    drop(public);
    let mut public = Store::open(&public_dir).unwrap();
    assert!(public.official_directory().unwrap().known.is_empty());
    assert_eq!(
        check_on(&mut public, "+852 3001 0001").verdict,
        Verdict::Scam
    );
}

#[test]
fn bad_known_contacts_publish_nothing() {
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
    let bad = KnownContact {
        kind: KnownKind::Domain,
        value: "Acme.Example.com".into(),
        label: "Acme".into(),
    };
    match publish_additions(
        &repo,
        &keys,
        Additions {
            block: Vec::new(),
            known: vec![bad],
        },
        &PublishOptions::default(),
        now(),
    ) {
        Err(FeedError::Input(m)) => assert!(m.contains("not normalised"), "{m}"),
        other => panic!("a contact not normalised must be refused: {other:?}"),
    }
    assert!(!repo.join("metadata").join("timestamp.json").exists());

    // The first version may be known contacts alone: the shipped directory carries them.
    let v1 = publish_additions(
        &repo,
        &keys,
        Additions {
            block: Vec::new(),
            known: vec![known(KnownKind::Phone, "6123 4567", "Courier")],
        },
        &PublishOptions::default(),
        now(),
    )
    .unwrap();
    assert_eq!((v1.version, v1.entries, v1.known_contacts), (1, 0, 1));
}
