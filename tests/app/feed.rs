//! The feed through IPC (Tauri's mock runtime, the real capability set) against a real feed:
//! published with `verity_feed` into a temporary directory and served on 127.0.0.1:0.
//! Configure, sync now, freshness, alerts grouped into one notice, unread count, back-off after
//! the server goes down, provisioning that wins and locks, notification preferences.

use crate::harness::{self, Harness};
#[path = "../../crates/verity-feed/tests/fixture/mod.rs"]
mod fixture;
pub(crate) use fixture::{entry, now, v1_list};

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tauri::Listener;
use verity_app::commands::handlers::{PickedRoot, ThreatList, TrustLogItem, TrustLogWhat};
use verity_app::feed_sync::{FeedConfig, FeedStatus, RootInfoView};
use verity_check::check::CheckOutcome;
use verity_check::official::OfficialDirectory;
use verity_check::verdict::Verdict;
use verity_core::blocklist::{Category, EntryKind};
use verity_core::Language;
use verity_feed::{FeedEntry, PublishInput, PublishOptions, ServerHandle};
use verity_feed_policy::config::TrustAnchor;
use verity_feed_policy::schedule::Freshness;

fn v2() -> Vec<FeedEntry> {
    let mut l = v1_list();
    for n in ["+852 3001 0003", "+852 3001 0004", "+852 3001 0005"] {
        l.push(entry(EntryKind::Phone, n, true, "ads-q4"));
    }
    l
}

/// A feed repository with its keys, in a temporary directory.
pub(crate) struct Feed {
    dir: tempfile::TempDir,
}

impl Feed {
    pub(crate) fn new() -> Feed {
        let dir = tempfile::tempdir().unwrap();
        verity_feed::init(
            &dir.path().join("repo"),
            &dir.path().join("keys"),
            &dir.path().join("root-keys"),
            &verity_feed::InitOptions::default(),
            now(),
        )
        .unwrap();
        Feed { dir }
    }
    pub(crate) fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    pub(crate) fn publish(&self, entries: Vec<FeedEntry>) {
        self.publish_with(entries, None);
    }
    /// Publishes `entries` and, when given, an official-channel directory.
    pub(crate) fn publish_with(
        &self,
        entries: Vec<FeedEntry>,
        official: Option<OfficialDirectory>,
    ) {
        verity_feed::publish(
            &self.repo(),
            &self.dir.path().join("keys"),
            PublishInput {
                entries,
                official,
                tools: None,
            },
            &PublishOptions {
                min_wait: Some(3600),
                ..PublishOptions::default()
            },
            now(),
        )
        .unwrap();
    }
    /// Publishes `entries` with a tripwire tool table (its JSON).
    pub(crate) fn publish_tools(&self, entries: Vec<FeedEntry>, tools: &str) {
        verity_feed::publish(
            &self.repo(),
            &self.dir.path().join("keys"),
            PublishInput {
                entries,
                official: None,
                tools: Some(tools.as_bytes().to_vec()),
            },
            &PublishOptions::default(),
            now(),
        )
        .unwrap();
    }
    pub(crate) fn serve(&self) -> ServerHandle {
        verity_feed::spawn_server(&self.repo(), "127.0.0.1:0".parse().unwrap()).unwrap()
    }
    pub(crate) fn root(&self) -> String {
        std::fs::read_to_string(self.repo().join("root.json")).unwrap()
    }
}

fn configure(h: &Harness, feed: &Feed, server: &ServerHandle) {
    h.ok(
        "set_feed_source",
        serde_json::json!({"url": server.url(), "proxy": ""}),
    );
    set_root(h, &feed.root());
}

/// Sets the root as Settings does: preview (the confirmation screen shows its fingerprint),
/// then set with the fingerprint the user saw.
fn set_root(h: &Harness, json: &str) -> FeedConfig {
    let info: RootInfoView = h.ok_as("preview_feed_root", serde_json::json!({"json": json}));
    h.ok_as(
        "set_feed_root",
        serde_json::json!({"json": json, "fingerprint": info.fingerprint}),
    )
}

fn status(h: &Harness) -> FeedStatus {
    h.ok_as("feed_status", serde_json::json!({}))
}

fn config(h: &Harness) -> FeedConfig {
    h.ok_as("feed_config", serde_json::json!({}))
}

fn sync(h: &Harness) -> FeedStatus {
    h.ok_as("sync_now", serde_json::json!({}))
}

fn check_phone(h: &Harness, input: &str) -> Verdict {
    h.ok_as::<CheckOutcome>(
        "check",
        serde_json::json!({"input": input, "kind": "phone"}),
    )
    .verdict
}

fn threat_summaries(h: &Harness) -> Vec<String> {
    h.host
        .threat_notices
        .lock()
        .unwrap()
        .iter()
        .map(|(n, _)| n.summary.clone())
        .collect()
}

#[test]
fn configure_sync_alert_read_then_back_off_when_the_server_goes_down() {
    let h = Harness::new();
    nothing_syncs_before_a_feed_is_set(&h);
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    the_first_sync_brings_one_summary(&h, &feed, &server);
    feed.publish(v2());
    new_alerts_are_one_notice_and_read_on_the_threats_screen(&h);
    // Up to date: no new notice.
    h.ok("sync_now", serde_json::json!({}));
    assert_eq!(h.host.threat_notices.lock().unwrap().len(), 2);
    server.stop();
    a_server_down_keeps_the_list_and_backs_off(&h);
}

fn nothing_syncs_before_a_feed_is_set(h: &Harness) {
    let st = status(h);
    assert_eq!(st.freshness, Freshness::NotConfigured);
    assert!(st.sample > 0, "{st:?}");
    let err = h.invoke("sync_now", serde_json::json!({})).unwrap_err();
    assert_eq!(err["code"], "feed_not_configured", "{err}");
    let err = h
        .invoke(
            "set_feed_source",
            serde_json::json!({"url": "feed.example.com", "proxy": ""}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    let err = h
        .invoke(
            "set_feed_root",
            serde_json::json!({"json": "{\"signed\":{}}", "fingerprint": ""}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
}

fn the_first_sync_brings_one_summary(h: &Harness, feed: &Feed, server: &ServerHandle) {
    configure(h, feed, server);
    let cfg = config(h);
    assert_eq!(cfg.url, Some(server.url()));
    assert!(!cfg.locked);
    assert_eq!(cfg.root.unwrap().version, 1);
    assert_eq!(status(h).freshness, Freshness::Pending);

    // Progress reaches the UI as events, stage by stage.
    let stages = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = stages.clone();
    h.app.listen_any("feed-progress", move |e| {
        let v: serde_json::Value = serde_json::from_str(e.payload()).unwrap();
        seen.lock()
            .unwrap()
            .push(v["stage"].as_str().unwrap().to_owned());
    });

    // The first sync: the list is version 1, and one summary (not an alert per entry).
    let before = now();
    let st = sync(h);
    let Freshness::Fresh { version, age, .. } = st.freshness else {
        panic!("{st:?}")
    };
    assert_eq!(version, 1);
    assert!((0..60).contains(&age), "{age}");
    assert_eq!(st.unread, 1);
    assert_eq!(st.sample, 0, "the sample list goes with the first snapshot");
    let next = st.next_sync.unwrap();
    assert!(
        next.0 >= before.0 + 3600,
        "the feed's min_wait (1 h) is honoured: {st:?}"
    );
    let stages = stages.lock().unwrap().clone();
    for s in ["metadata", "download", "apply", "index", "done"] {
        assert!(stages.iter().any(|x| x == s), "{s} missing from {stages:?}");
    }
    assert_eq!(
        threat_summaries(h),
        [verity_app::i18n::text(
            Language::En,
            "feed.alert.initial.title"
        )]
    );
    // The plain notifications are the two changes made in Settings (address, then root).
    assert_eq!(h.host.notices.lock().unwrap().len(), 2);
    let (line, unread) = h.host.tray.lock().unwrap().last().cloned().unwrap();
    assert!(line.contains("v1"), "{line}");
    assert_eq!(unread, 1);
}

/// v2 brings three new alert numbers: ONE grouped, pluralised notice.
fn new_alerts_are_one_notice_and_read_on_the_threats_screen(h: &Harness) {
    let st = sync(h);
    assert!(
        matches!(st.freshness, Freshness::Fresh { version: 2, .. }),
        "{st:?}"
    );
    assert_eq!(st.unread, 4);
    assert_eq!(
        threat_summaries(h).last().unwrap(),
        "3 new scam numbers posing as platform support"
    );
    assert_eq!(h.host.threat_notices.lock().unwrap().len(), 2);
    let (notice, quiet) = h
        .host
        .threat_notices
        .lock()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert!(!quiet);
    assert!(
        notice.body.contains("+85230010003 (ads-q4)"),
        "{}",
        notice.body
    );

    // The app's main store sees the new list (data_version), so Check answers from it.
    assert_eq!(check_phone(h, "+852 3001 0005"), Verdict::Scam);

    // The Threats screen: newest first, unread, with campaign and date.
    let list: ThreatList = h.ok_as("list_threats", serde_json::json!({}));
    let items = &list.items;
    assert_eq!(items.len(), 4);
    assert_eq!(list.unread, 4);
    assert!(items.iter().all(|t| !t.read));
    assert_eq!(items[3].value, "+85230010001");
    assert_eq!(items[0].campaign.as_deref(), Some("ads-q4"));
    assert_eq!(items[0].category, Category::FakeSupport);
    assert_eq!(items[0].kind, EntryKind::Phone);
    assert_eq!(items[0].version, 2);
    let newest_seen = items.iter().map(|t| t.id).max().unwrap();
    let left: u32 = h.ok_as(
        "mark_threats_read",
        serde_json::json!({"upTo": newest_seen}),
    );
    assert_eq!(left, 0);
    assert_eq!(h.host.tray.lock().unwrap().last().unwrap().1, 0);
    assert_eq!(status(h).unread, 0);
}

/// The server went down: the list stays, the status says why and since when, and the next sync
/// backs off (15 min × (1 + rand) after one failure, twice that after two).
fn a_server_down_keeps_the_list_and_backs_off(h: &Harness) {
    let err = h.invoke("sync_now", serde_json::json!({})).unwrap_err();
    assert_eq!(err["code"], "feed_failed", "{err}");
    let st = status(h);
    let Freshness::Failing {
        version,
        since,
        ref reason,
        failures,
        ..
    } = st.freshness
    else {
        panic!("{st:?}")
    };
    assert_eq!(reason, "network");
    assert_eq!(version, Some(2));
    assert_eq!(failures, 1);
    let failed_at = since.0;
    let next = st.next_sync.unwrap().0 - failed_at;
    assert!(
        (15 * 60..=30 * 60 + 5).contains(&next),
        "first back-off {next} s"
    );
    h.invoke("sync_now", serde_json::json!({})).unwrap_err();
    let st = status(h);
    let Freshness::Failing {
        failures, since, ..
    } = st.freshness
    else {
        panic!("{st:?}")
    };
    assert_eq!(failures, 2);
    assert_eq!(since.0, failed_at, "failing since the first failure");
    let next = st.next_sync.unwrap().0 - now().0;
    assert!(
        (30 * 60 - 5..=60 * 60 + 5).contains(&next),
        "second back-off {next} s"
    );
    assert_eq!(
        check_phone(h, "+852 3001 0005"),
        Verdict::Scam,
        "the last good list stays in force"
    );
    let (line, _) = h.host.tray.lock().unwrap().last().cloned().unwrap();
    assert_eq!(line, "List v2; updates failing");
}

#[test]
fn notification_preferences_are_respected() {
    let h = Harness::new();
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    configure(&h, &feed, &server);
    let cfg: FeedConfig = h.ok_as(
        "set_feed_alerts",
        serde_json::json!({"alerts": false, "quiet": false}),
    );
    assert!(!cfg.alerts);
    h.ok("sync_now", serde_json::json!({}));
    assert!(
        h.host.threat_notices.lock().unwrap().is_empty(),
        "alerts off: no notice"
    );
    assert_eq!(status(&h).unread, 1, "but the threat is listed");

    h.ok(
        "set_feed_alerts",
        serde_json::json!({"alerts": true, "quiet": true}),
    );
    feed.publish(v2());
    h.ok("sync_now", serde_json::json!({}));
    let notices = h.host.threat_notices.lock().unwrap().clone();
    assert_eq!(notices.len(), 1);
    assert!(notices[0].1, "quiet");

    // An emptied address turns the feed off (no fallback to the URL synced before).
    let cfg: FeedConfig = h.ok_as(
        "set_feed_source",
        serde_json::json!({"url": "", "proxy": ""}),
    );
    assert_eq!(cfg.url, None);
    let err = h.invoke("sync_now", serde_json::json!({})).unwrap_err();
    assert_eq!(err["code"], "feed_not_configured", "{err}");
}

/// The administrator's provisioning file names `server`'s feed, its root beside it.
fn provision(h: &Harness, feed: &Feed, server: &ServerHandle) {
    std::fs::copy(
        feed.repo().join("root.json"),
        h.dir.path().join("root.json"),
    )
    .unwrap();
    std::fs::write(
        h.provisioning(),
        serde_json::json!({"url": server.url(), "root": "root.json"}).to_string(),
    )
    .unwrap();
}

#[test]
fn provisioning_wins_and_locks_the_settings() {
    let h = Harness::new();
    let feed = Feed::new();
    feed.publish(v1_list());
    let server = feed.serve();
    // The user had typed another feed; the administrator's file wins.
    h.ok(
        "set_feed_source",
        serde_json::json!({"url": "https://elsewhere.example/feed/", "proxy": ""}),
    );
    provision(&h, &feed, &server);
    let cfg = config(&h);
    assert!(cfg.locked);
    assert_eq!(cfg.url, Some(server.url()));
    assert_eq!(cfg.root.unwrap().version, 1);
    let err = h
        .invoke(
            "set_feed_source",
            serde_json::json!({"url": "https://x.example/", "proxy": ""}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "feed_locked", "{err}");
    let err = h
        .invoke("pick_feed_root", serde_json::json!({}))
        .unwrap_err();
    assert_eq!(err["code"], "feed_locked", "{err}");
    let st = sync(&h);
    assert!(matches!(st.freshness, Freshness::Fresh { .. }), "{st:?}");

    // A broken file keeps the fields locked and stops syncing until it is fixed.
    std::fs::write(h.provisioning(), "{ not json").unwrap();
    let cfg = config(&h);
    assert!(cfg.locked);
    assert!(
        cfg.provisioning_error
            .as_deref()
            .is_some_and(|e| e.contains("not valid")),
        "{cfg:?}"
    );
    let err = h.invoke("sync_now", serde_json::json!({})).unwrap_err();
    assert_eq!(err["code"], "feed_not_configured", "{err}");
}

#[test]
fn a_root_file_is_chosen_in_a_dialog_opened_by_rust() {
    let h = Harness::new();
    let feed = Feed::new();
    let answers = [
        Some(feed.repo().join("root.json")),
        None,
        Some(h.dir.path().join("none.json")),
        Some(feed.repo().join("metadata").join("1.root.json.missing")),
    ];
    h.host.open_answers.lock().unwrap().extend(answers);
    let picked: Option<PickedRoot> = h.ok_as("pick_feed_root", serde_json::json!({}));
    let picked = picked.unwrap();
    assert_eq!(picked.root.version, 1);
    assert_eq!(picked.root.fingerprint.len(), 79);
    assert_eq!(picked.json, feed.root().trim());
    // Nothing is changed until the user confirms it.
    assert!(config(&h).root.is_none());
    // What was picked is what gets trusted, with the fingerprint shown.
    std::fs::write(
        h.dir.path().join("root.json"),
        format!("{}\n\n", feed.root()),
    )
    .unwrap();
    h.host
        .open_answers
        .lock()
        .unwrap()
        .push_front(Some(h.dir.path().join("root.json")));
    let again: Option<PickedRoot> = h.ok_as("pick_feed_root", serde_json::json!({}));
    let again = again.unwrap();
    let cfg: FeedConfig = h.ok_as(
        "set_feed_root",
        serde_json::json!({"json": again.json, "fingerprint": again.root.fingerprint}),
    );
    assert_eq!(cfg.root.unwrap().fingerprint, picked.root.fingerprint);

    // Cancelled.
    let none: Option<PickedRoot> = h.ok_as("pick_feed_root", serde_json::json!({}));
    assert!(none.is_none());
    for _ in 0..2 {
        let err = h
            .invoke("pick_feed_root", serde_json::json!({}))
            .unwrap_err();
        assert_eq!(err["code"], "invalid_input", "{err}");
    }
    // The web view cannot name a path: the old command is gone.
    let err = h
        .invoke("load_feed_root", serde_json::json!({"path": "/etc/passwd"}))
        .unwrap_err();
    assert!(
        err.to_string().contains("not allowed") || err.to_string().contains("not found"),
        "{err}"
    );
}

/// Attack: the caller talks the victim into pasting the caller's root. It takes the
/// confirmation of its own fingerprint; the change is logged and announced with the warning.
#[test]
fn a_pasted_root_needs_its_fingerprint_confirmed_and_is_logged_and_announced() {
    let h = Harness::new();
    let feed = Feed::new();
    let root = feed.root();
    let err = h
        .invoke(
            "set_feed_root",
            serde_json::json!({"json": root, "fingerprint": "0000 1111"}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert_eq!(err["reason"], "root_unconfirmed", "{err}");
    assert!(config(&h).root.is_none());
    assert!(h.host.notices.lock().unwrap().is_empty());

    h.ok(
        "set_feed_source",
        serde_json::json!({"url": "https://feed.example/verity/", "proxy": ""}),
    );
    let cfg = set_root(&h, &root);
    let fp = cfg.root.unwrap().fingerprint;
    let log: Vec<TrustLogItem> = h.ok_as("feed_trust_log", serde_json::json!({}));
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].what, TrustLogWhat::FeedRoot);
    assert_eq!(log[0].anchor, TrustAnchor::Manual);
    assert_eq!(log[0].fingerprint.as_deref(), Some(fp.as_str()));
    assert_eq!(log[1].what, TrustLogWhat::FeedUrl);
    assert_eq!(log[1].url.as_deref(), Some("https://feed.example/verity/"));
    let notices = h.host.notices.lock().unwrap().clone();
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(notices[1].body.contains(&fp), "{notices:?}");
    assert!(
        notices[1].body.contains("Real support never asks"),
        "{notices:?}"
    );
    // Setting the same URL again is no change: nothing logged.
    h.ok(
        "set_feed_source",
        serde_json::json!({"url": "https://feed.example/verity/", "proxy": ""}),
    );
    let log: Vec<TrustLogItem> = h.ok_as("feed_trust_log", serde_json::json!({}));
    assert_eq!(log.len(), 2);
}

/// Attack: the caller's own feed lists the caller's number in its "official directory". Entered
/// by hand, it brings its blocklist only; the administrator's feed brings its directory, pins
/// its root, and a root pasted later is refused.
#[test]
fn only_the_organisations_feed_names_official_channels_and_pins_its_root() {
    let h = Harness::new();
    let feed = Feed::new();
    let mut directory = OfficialDirectory::dingtalk_default();
    directory.phones.push("+85230010077".into());
    feed.publish_with(v1_list(), Some(directory.clone()));
    let server = feed.serve();
    configure(&h, &feed, &server);
    sync(&h);
    assert_ne!(check_phone(&h, "+852 3001 0077"), Verdict::Official);
    assert!(!config(&h).pinned);

    // The administrator provisions the same feed: its directory now counts.
    provision(&h, &feed, &server);
    feed.publish_with(v2(), Some(directory));
    sync(&h);
    assert_eq!(check_phone(&h, "+852 3001 0077"), Verdict::Official);
    let cfg = config(&h);
    assert!(cfg.pinned && cfg.locked, "{cfg:?}");
    assert_eq!(cfg.anchor, Some(TrustAnchor::Provisioned));

    // The provisioning file is gone (or was never on this machine): the pinned root stays, and
    // the caller's root is refused.
    std::fs::remove_file(h.provisioning()).unwrap();
    let attacker = Feed::new();
    let info: RootInfoView = h.ok_as(
        "preview_feed_root",
        serde_json::json!({"json": attacker.root()}),
    );
    let err = h
        .invoke(
            "set_feed_root",
            serde_json::json!({"json": attacker.root(), "fingerprint": info.fingerprint}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "feed_locked", "{err}");
    assert_eq!(err["reason"], "root_pinned", "{err}");
    assert_eq!(check_phone(&h, "+852 3001 0077"), Verdict::Official);
}

#[test]
fn only_the_organisations_feed_widens_the_tripwires_tool_table() {
    use tauri::Manager;
    use verity_app::tripwire::{remote_seen, Tripwires};
    use verity_tripwire::watch::{Decision, EventKind, Strength};
    const TABLE: &str = r#"{"version": 5, "tools": [{"id": "newdesk", "name": "NewDesk",
        "processes": ["newdesk"], "paths": [], "installers": ["newdesk-setup"]}]}"#;
    let h = Harness::new();
    let feed = Feed::new();
    feed.publish_tools(v1_list(), TABLE);
    let server = feed.serve();
    // A feed entered by hand: its table is not taken.
    configure(&h, &feed, &server);
    sync(&h);
    let tw = h.app.state::<Tripwires>();
    assert!(tw.table().get("newdesk").is_none());
    // The organisation's feed: the tool is watched from this sync on, the built-in ones too.
    provision(&h, &feed, &server);
    feed.publish_tools(v2(), TABLE);
    sync(&h);
    let table = tw.table();
    assert_eq!(table.version, 5);
    let tool = table.installer("NewDesk-Setup (2).exe").unwrap().clone();
    assert!(table.process("AnyDesk.exe", None).is_some());
    let (d, _) = remote_seen(&h.state(), &tw, EventKind::Installer, &tool, false, now()).unwrap();
    assert_eq!(d, Decision::Alert(Strength::Strong));
    let shown = h.host.tripwire_notices.lock().unwrap().clone();
    assert_eq!(shown[0].0.summary, "NewDesk was downloaded");
}

#[test]
fn the_feed_commands_are_for_the_main_window_only() {
    let h = Harness::new();
    let intruder = harness::window(&h.app, "intruder");
    let err = harness::invoke(&intruder, "sync_now", serde_json::json!({})).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
}
