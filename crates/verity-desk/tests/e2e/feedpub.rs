//! The reporting window's last step: an item IT confirms from a report goes into the next
//! version of the organisation's feed, which the desk signs with the online keys it holds, and
//! a device that syncs lists it. Failures lose nothing and publish nothing twice.

use super::*;
use verity_core::blocklist::{Category, EntryKind};
use verity_core::Timestamp;
use verity_desk::admin::AdminError;
use verity_desk::feedpub::{self, LinkScope};
use verity_device::proto::{Report, ReportKind};

fn report(fx: &Fx, dev: &Dev, kind: ReportKind, item: &str) -> u64 {
    let r = Report {
        kind,
        item: Some(item.to_owned()),
        verdict: vec!["scam".into()],
        note: "He said he was DingTalk support.".into(),
        observed_at: fx.clock.now() - 30,
    };
    device::report(&dev.ctx, &r).unwrap().id
}

struct Feed {
    dir: TempDir,
}

impl Feed {
    fn new(fx: &Fx) -> Feed {
        let dir = tempfile::tempdir().unwrap();
        verity_feed::init(
            &dir.path().join("repo"),
            &dir.path().join("keys"),
            &dir.path().join("root-keys"),
            &verity_feed::InitOptions::default(),
            Timestamp(i64::try_from(fx.clock.now()).unwrap()),
        )
        .unwrap();
        Feed { dir }
    }
    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    fn keys(&self) -> PathBuf {
        self.dir.path().join("keys")
    }
    /// Syncs a fresh device store from the repository; its listed (kind, value, category).
    fn sync(&self, fx: &Fx) -> (u64, Vec<(EntryKind, String, Category)>) {
        let server =
            verity_feed::spawn_server(&self.repo(), "127.0.0.1:0".parse().unwrap()).unwrap();
        let mut cfg = verity_feed::SyncConfig::new(server.url());
        cfg.root = Some(std::fs::read(self.repo().join("root.json")).unwrap());
        cfg.timeout = std::time::Duration::from_secs(20);
        let store_dir = tempfile::tempdir().unwrap();
        let mut store = verity_store::Store::open(store_dir.path()).unwrap();
        let now = Timestamp(i64::try_from(fx.clock.now()).unwrap());
        let r = verity_feed::sync(&mut store, &cfg, now, &mut |_| {}).unwrap();
        let listed = store
            .blocklist_entries()
            .unwrap()
            .into_iter()
            .map(|e| (e.entry.kind, e.entry.value, e.entry.category))
            .collect();
        (r.version, listed)
    }
}

#[test]
fn a_confirmed_number_and_link_reach_devices_in_the_next_signed_version() {
    let fx = Fx::new();
    let (a, b) = (Dev::enroll(&fx), Dev::enroll(&fx));
    let store = fx.store();
    let feed = Feed::new(&fx);

    let number = report(&fx, &a, ReportKind::Check, "+85230019999");
    report(&fx, &b, ReportKind::Check, "+85230019999");
    let link = report(
        &fx,
        &b,
        ReportKind::Threat,
        "https://dingtalk-unfreeze.example.com/login",
    );
    let tool = report(&fx, &a, ReportKind::TripwireRemoteTool, "anydesk");

    // Nowhere to publish yet: the queue is kept.
    let now = fx.clock.now();
    let done = feedpub::confirm_report(
        &*store,
        number,
        Category::FakeSupport,
        LinkScope::Url,
        "Known ad number",
        "alice",
        now,
    )
    .unwrap();
    assert_eq!(done.reports, 2, "both reports of the number");
    assert_eq!(done.queued, Some(("phone".into(), "+85230019999".into())));
    assert!(matches!(
        feedpub::publish(&*store, now),
        Err(AdminError::NoPublisher)
    ));
    assert_eq!(store.feed_items(true, 10).unwrap().len(), 1);

    // The link's whole domain; the tripwire incident confirms without a feed item.
    let done = feedpub::confirm_report(
        &*store,
        link,
        Category::FreezeThreat,
        LinkScope::Domain,
        "Freeze scam site",
        "alice",
        now,
    )
    .unwrap();
    assert_eq!(
        done.queued,
        Some(("domain".into(), "dingtalk-unfreeze.example.com".into()))
    );
    let done = feedpub::confirm_report(
        &*store,
        tool,
        Category::Other,
        LinkScope::Url,
        "Seen",
        "alice",
        now,
    )
    .unwrap();
    assert_eq!(done.queued, None);
    // Confirming again is refused and queues nothing more.
    assert!(matches!(
        feedpub::confirm_report(
            &*store,
            number,
            Category::Other,
            LinkScope::Url,
            "x",
            "bob",
            now
        ),
        Err(AdminError::Usage(_))
    ));
    assert_eq!(store.feed_items(true, 10).unwrap().len(), 2);

    // A publisher that is not a feed repository is refused and nothing is set.
    let bad = feedpub::set_publisher(&*store, &feed.keys(), &feed.keys(), now);
    assert!(matches!(bad, Err(AdminError::Usage(_))), "{bad:?}");
    assert!(store.feed_publisher().unwrap().is_none());
    feedpub::set_publisher(&*store, &feed.repo(), &feed.keys(), now).unwrap();

    let p = feedpub::publish(&*store, now).unwrap();
    assert_eq!((p.version, p.items, p.added, p.entries), (1, 2, 2, 2));
    assert!(store.feed_items(true, 10).unwrap().is_empty());
    let published = store.feed_items(false, 10).unwrap();
    assert!(published.iter().all(|i| i.published_version == Some(1)));
    assert!(matches!(
        feedpub::publish(&*store, now),
        Err(AdminError::NothingToPublish)
    ));

    let (version, listed) = feed.sync(&fx);
    assert_eq!(version, 1);
    assert!(listed.contains(&(
        EntryKind::Phone,
        "+85230019999".into(),
        Category::FakeSupport
    )));
    assert!(listed.contains(&(
        EntryKind::Domain,
        "dingtalk-unfreeze.example.com".into(),
        Category::FreezeThreat
    )));

    // The reporters see the outcome of their own reports.
    let seen = device::report_status(&a.ctx, &[number, tool]).unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen
        .iter()
        .all(|r| r.state == verity_device::proto::ReportState::Confirmed));
}

#[test]
fn a_failed_publish_keeps_the_queue_and_publishes_nothing() {
    let fx = Fx::new();
    let a = Dev::enroll(&fx);
    let store = fx.store();
    let feed = Feed::new(&fx);
    let id = report(&fx, &a, ReportKind::Check, "+85230018888");
    let now = fx.clock.now();
    feedpub::confirm_report(
        &*store,
        id,
        Category::FakeSupport,
        LinkScope::Url,
        "ads",
        "alice",
        now,
    )
    .unwrap();
    feedpub::set_publisher(&*store, &feed.repo(), &feed.keys(), now).unwrap();

    // The online keys went missing (a wrong mount): the publish fails, the item waits.
    let moved = feed.dir.path().join("keys-away");
    std::fs::rename(feed.keys(), &moved).unwrap();
    std::fs::create_dir(feed.keys()).unwrap();
    let failed = feedpub::publish(&*store, now);
    assert!(matches!(failed, Err(AdminError::Feed(_))), "{failed:?}");
    assert_eq!(store.feed_items(true, 10).unwrap().len(), 1);
    assert!(!feed.repo().join("metadata").join("timestamp.json").exists());

    // Keys back: it goes out once.
    std::fs::remove_dir(feed.keys()).unwrap();
    std::fs::rename(&moved, feed.keys()).unwrap();
    assert_eq!(feedpub::publish(&*store, now).unwrap().version, 1);
    let (_, listed) = feed.sync(&fx);
    assert_eq!(listed.len(), 1);
}

#[test]
fn categories_and_items_that_cannot_be_feed_entries_are_refused() {
    assert!(feedpub::parse_category("fake_support").is_ok());
    let e = feedpub::parse_category("scam_phone")
        .unwrap_err()
        .to_string();
    assert!(e.contains("fake_support"), "{e}");
}
