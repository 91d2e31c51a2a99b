//! `verityctl feed …` and `verityctl sync` as IT staff and scripts use them: the real binary,
//! temporary directories, a trial server on 127.0.0.1 with an OS-chosen port.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{ctl_command, serve_feed, FeedServer};
use std::path::Path;
use std::process::{Command, Output};

fn ctl(data: &Path, args: &[&str]) -> Output {
    ctl_provisioned(data, &data.join("no-provisioning.json"), args)
}

/// `verityctl` with the administrator's provisioning file looked for at `provisioning`.
fn ctl_provisioned(data: &Path, provisioning: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verityctl"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("VERITY_PROVISIONING", provisioning)
        .env_remove("VERITY_DATA_DIR")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("ALL_PROXY")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stdout)))
}

const ENTRIES: &str = "kind,value,category,campaign,source,alert\n\
    phone,+852 3001 0001,fake_support,ads-q4,HK police,true\n\
    phone,3001 0002,fake_support,ads-q4,HK police,false\n\
    domain,dingtalk-help.example.com,phishing,pages,IT,false\n";

const OFFICIAL: &str = "kind,value,account_id\n\
    domain,dingtalk.com,\n\
    service_account,DingTalk Security Centre,dt-sec-1\n";

fn serve(data: &Path, repo: &Path) -> FeedServer {
    serve_feed(ctl_command(data), repo)
}

/// A feed repository and its keys made with `verityctl feed init`, and a data directory.
struct Repo {
    repo: std::path::PathBuf,
    keys: std::path::PathBuf,
    data: std::path::PathBuf,
}

impl Repo {
    fn init(dir: &Path) -> Repo {
        let r = Repo {
            repo: dir.join("repo"),
            keys: dir.join("keys"),
            data: dir.join("data"),
        };
        let o = ctl(
            &r.data,
            &[
                "feed",
                "init",
                "--repo",
                r.repo_s(),
                "--keys",
                r.keys_s(),
                "--root-key-dir",
                dir.join("root-keys").to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        r
    }

    fn repo_s(&self) -> &str {
        self.repo.to_str().unwrap()
    }

    fn keys_s(&self) -> &str {
        self.keys.to_str().unwrap()
    }

    /// Publishes the entries in `file` as the next version.
    fn publish(&self, file: &Path) {
        self.publish_with(file, None);
    }

    /// Publishes the entries in `file`, and the official directory in `official`, as the next
    /// version.
    fn publish_with(&self, file: &Path, official: Option<&Path>) {
        let mut args = vec![
            "feed",
            "publish",
            "--repo",
            self.repo_s(),
            "--keys",
            self.keys_s(),
            "--entries",
            file.to_str().unwrap(),
        ];
        if let Some(o) = official {
            args.extend(["--official", o.to_str().unwrap()]);
        }
        let o = ctl(&self.data, &args);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }

    /// The first sync from `server`, trusting the repository's root.
    fn first_sync(&self, server: &FeedServer) {
        let root = self.repo.join("root.json");
        let o = ctl(
            &self.data,
            &[
                "sync",
                "--url",
                &server.url,
                "--root",
                root.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
}

/// `feed init` (twice: the second refused), the root keys moved offline, then `feed publish` of
/// version 1 without them; the repository.
fn init_and_publish(dir: &Path, data: &Path) -> std::path::PathBuf {
    let (repo, keys) = (dir.join("repo"), dir.join("keys"));
    let (repo_s, keys_s) = (repo.to_str().unwrap(), keys.to_str().unwrap());
    let root_keys = dir.join("root-keys");
    let root_keys_s = root_keys.to_str().unwrap();

    let o = ctl(
        data,
        &[
            "feed",
            "init",
            "--repo",
            repo_s,
            "--keys",
            keys_s,
            "--root-key-dir",
            root_keys_s,
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["key_files"].as_array().unwrap().len(), 3);
    assert_eq!(r["root_key_files"].as_array().unwrap().len(), 1);
    assert!(repo.join("root.json").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&keys), 0o700);
        assert_eq!(mode(&root_keys), 0o700);
        let files = r["key_files"].as_array().unwrap();
        for k in files.iter().chain(r["root_key_files"].as_array().unwrap()) {
            assert_eq!(mode(Path::new(k.as_str().unwrap())), 0o600);
        }
    }
    // Again: refused, exit 2, nothing overwritten.
    let o = ctl(
        data,
        &[
            "feed",
            "init",
            "--repo",
            repo_s,
            "--keys",
            keys_s,
            "--root-key-dir",
            root_keys_s,
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("already exists"));
    // The root keys go offline: publishing and refreshing never need them.
    let offline = dir.join("offline-root-keys");
    std::fs::rename(&root_keys, &offline).unwrap();

    let entries = dir.join("entries.csv");
    let official = dir.join("official.csv");
    std::fs::write(&entries, ENTRIES).unwrap();
    std::fs::write(&official, OFFICIAL).unwrap();
    let o = ctl(
        data,
        &[
            "feed",
            "publish",
            "--repo",
            repo_s,
            "--keys",
            keys_s,
            "--entries",
            entries.to_str().unwrap(),
            "--official",
            official.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(
        (r["version"].as_u64(), r["entries"].as_u64()),
        (Some(1), Some(3))
    );

    repo
}

#[test]
fn init_publish_serve_sync_status() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let repo = init_and_publish(dir.path(), &data);
    let server = serve(&data, &repo);
    // Never synced: no URL to fall back on.
    let o = ctl(&data, &["sync"]);
    assert_eq!(o.status.code(), Some(2));
    let root = repo.join("root.json");
    let o = ctl(
        &data,
        &[
            "sync",
            "--url",
            &server.url,
            "--root",
            root.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["outcome"], "snapshot");
    assert_eq!(r["new_alerts"].as_array().unwrap().len(), 1);
    assert_eq!(r["new_alerts"][0]["value"], "+85230010001");

    let s = json(&ctl(&data, &["status", "--json"]));
    assert_eq!(s["feed"]["version"], 1);
    assert!(s["feed"]["last_success"].as_i64().unwrap() > 0);
    assert!(s["feed"]["last_error"].is_null());
    assert!(s["feed"]["expires"].as_i64().unwrap() > s["feed"]["last_success"].as_i64().unwrap());
    assert_eq!(s["feed"]["stale"], false);
    assert_eq!(s["blocklist"]["entries"], 3);

    // The URL and root are remembered; --progress prints stages on stderr.
    let o = ctl(&data, &["sync", "--progress"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("Up to date: feed version 1"));
    assert!(
        text(&o.stderr).contains("verifying feed metadata"),
        "{}",
        text(&o.stderr)
    );

    // The shipped directory still names the platform's own site (a feed entered by hand never
    // changes the official directory).
    let o = ctl(&data, &["check", "--json", "https://www.dingtalk.com/"]);
    assert_eq!(json(&o)[0]["verdict"], "official", "{}", text(&o.stdout));

    // The server goes away: the sync fails with exit 3, the list stays, status says why.
    drop(server);
    let o = ctl(&data, &["sync"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(text(&o.stderr).starts_with("verityctl: error: cannot reach the feed"));
    let s = json(&ctl(&data, &["status", "--json"]));
    assert_eq!(s["feed"]["version"], 1);
    assert_eq!(s["feed"]["last_error_code"], "network");
    assert_eq!(s["feed"]["failures"], 1);
    assert_eq!(s["blocklist"]["entries"], 3);
    let o = ctl(&data, &["status"]);
    assert!(
        text(&o.stdout).contains("Feed failing:"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn a_bad_csv_is_reported_by_line_and_nothing_is_published() {
    let dir = tempfile::tempdir().unwrap();
    let (repo, keys, data) = (
        dir.path().join("repo"),
        dir.path().join("keys"),
        dir.path().join("data"),
    );
    let (repo_s, keys_s) = (repo.to_str().unwrap(), keys.to_str().unwrap());
    assert!(ctl(
        &data,
        &[
            "feed",
            "init",
            "--repo",
            repo_s,
            "--keys",
            keys_s,
            "--root-key-dir",
            dir.path().join("root-keys").to_str().unwrap(),
        ],
    )
    .status
    .success());
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "kind,value,category,campaign,source,alert\n\
         phone,+852 3001 0001,fake_support,,,true\n\
         phone,CALL-NOW,fake_support,,,false\n\
         domain,ok.example.com,phishing,,,maybe\n",
    )
    .unwrap();
    let o = ctl(
        &data,
        &[
            "feed",
            "publish",
            "--repo",
            repo_s,
            "--keys",
            keys_s,
            "--entries",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("line 3:") && err.contains("line 4:"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(!repo.join("metadata/timestamp.json").exists());

    let bad_official = dir.path().join("official.csv");
    std::fs::write(&bad_official, "kind,value\nfax,123\n").unwrap();
    std::fs::write(&bad, ENTRIES).unwrap();
    let o = ctl(
        &data,
        &[
            "feed",
            "publish",
            "--repo",
            repo_s,
            "--keys",
            keys_s,
            "--entries",
            bad.to_str().unwrap(),
            "--official",
            bad_official.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("line 2: unknown kind"),
        "{}",
        text(&o.stderr)
    );

    // Refresh before any publish is a clear error too.
    let o = ctl(
        &data,
        &["feed", "refresh", "--repo", repo_s, "--keys", keys_s],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

/// The list after a SIGKILL in the middle of applying an update is exactly the old version or
/// the new one: the state's checksum matches the entries on disk.
#[cfg(unix)]
#[test]
fn sigkill_while_applying_leaves_one_whole_version() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let feed = Repo::init(dir.path());
    let (repo, data) = (&feed.repo, &feed.data);
    let small = dir.path().join("small.csv");
    std::fs::write(&small, ENTRIES).unwrap();
    let publish = |file: &Path| feed.publish(file);
    publish(&small);
    let server = serve(data, repo);
    feed.first_sync(&server);

    // Version 2: 60 000 numbers, so that applying takes a moment.
    let mut big = String::from("kind,value,category,campaign,source\n");
    for i in 0..60_000u32 {
        big.push_str(&format!(
            "phone,+852{},fake_support,bulk,test\n",
            61_000_000 + i * 10
        ));
    }
    let big_file = dir.path().join("big.csv");
    std::fs::write(&big_file, big).unwrap();
    publish(&big_file);

    let mut child = Command::new(env!("CARGO_BIN_EXE_verityctl"))
        .arg("--data-dir")
        .arg(data)
        .args(["sync", "--progress"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 0 {
        if line.contains("applying") {
            break;
        }
        line.clear();
    }
    assert!(
        line.contains("applying"),
        "the sync never reached the apply stage"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let store = verity_store::Store::open(data).unwrap();
    let state = store.feed_state().unwrap();
    let mut b = verity_feed::format::ChecksumBuilder::default();
    let mut n = 0;
    for s in store.blocklist_entries().unwrap() {
        if s.origin == verity_store::Origin::Feed {
            b.push(&s.entry, s.alert);
            n += 1;
        }
    }
    eprintln!(
        "after SIGKILL: version {:?}, {n} feed entries",
        state.version
    );
    assert_eq!(
        Some(b.finish().to_hex()),
        state.checksum,
        "a mix of versions"
    );
    match state.version {
        Some(1) => assert_eq!(n, 3),
        Some(2) => assert_eq!(n, 60_000),
        other => panic!("version {other:?}"),
    }
    // And the next sync completes the update.
    let o = ctl(data, &["sync", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(json(&o)["version"], 2);
}

#[test]
fn a_sync_from_the_command_line_records_the_new_threats_for_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let feed = Repo::init(dir.path());
    let entries = dir.path().join("entries.csv");
    std::fs::write(&entries, ENTRIES).unwrap();
    feed.publish(&entries);
    let server = serve(&feed.data, &feed.repo);
    feed.first_sync(&server);
    let data = &feed.data;

    // The entry flagged for alert is an unread threat, as after the app's own sync: the
    // Threats screen and the tray's count show it.
    let store = verity_store::Store::open(data).unwrap();
    let threats = store.threats(10).unwrap();
    assert_eq!(threats.len(), 1, "{threats:?}");
    assert_eq!(threats[0].entry.value, "+85230010001");
    assert_eq!(threats[0].version, 1);
    assert!(!threats[0].read);
    assert_eq!(store.unread_threats().unwrap(), 1);
    drop(store);

    // Up to date: nothing new is recorded again.
    let o = ctl(data, &["sync"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let store = verity_store::Store::open(data).unwrap();
    assert_eq!(store.threats(10).unwrap().len(), 1);
}

/// The verdict `verityctl check` gives `input` on `data`'s list.
fn verdict(data: &Path, input: &str) -> String {
    let o = ctl(data, &["check", "--json", input]);
    json(&o)[0]["verdict"].as_str().unwrap().to_owned()
}

/// Attack: a fake support agent talks the victim into syncing the agent's own feed, whose
/// "official directory" lists the agent's number. A root entered by hand brings blocklist
/// entries only; the same directory under the administrator's provisioning counts; and once
/// the organisation pinned its root, the agent's root is refused even with --replace-root.
#[test]
fn a_feed_entered_by_hand_cannot_make_a_number_official_nor_replace_a_pinned_root() {
    let dir = tempfile::tempdir().unwrap();
    let org = Repo::init(dir.path());
    let entries = dir.path().join("entries.csv");
    std::fs::write(&entries, ENTRIES).unwrap();
    let official = dir.path().join("official.csv");
    std::fs::write(&official, format!("{OFFICIAL}phone,+852 3001 0077,\n")).unwrap();
    org.publish_with(&entries, Some(&official));
    let server = serve(&org.data, &org.repo);

    // Entered by hand (a trial): the list arrives, the official directory does not, and the
    // root put in force is in the trust log, marked as entered by hand.
    org.first_sync(&server);
    {
        let store = verity_store::Store::open(&org.data).unwrap();
        let log = store.trust_log(10).unwrap();
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(log[0].kind, verity_store::TrustChangeKind::FeedRoot);
        assert_eq!(
            log[0].anchor,
            verity_feed_policy::config::TrustAnchor::Manual
        );
    }
    assert_eq!(verdict(&org.data, "+85230010001"), "scam");
    assert_ne!(verdict(&org.data, "+852 3001 0077"), "official");

    // The administrator provisions the same feed: now its directory counts.
    let provisioning = dir.path().join("provisioning.json");
    std::fs::write(
        &provisioning,
        serde_json::json!({"url": server.url, "root": org.repo.join("root.json")}).to_string(),
    )
    .unwrap();
    let o = ctl_provisioned(&org.data, &provisioning, &["sync", "--url", &server.url]);
    assert_eq!(o.status.code(), Some(2), "provisioning wins over --url");
    org.publish_with(&entries, Some(&official));
    let o = ctl_provisioned(&org.data, &provisioning, &["sync"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(verdict(&org.data, "+852 3001 0077"), "official");

    // The attacker's feed and root, after the provisioning file is gone (or on a machine
    // where the victim runs the command): refused, and the list is unchanged.
    let attacker_dir = dir.path().join("attacker");
    let attacker = Repo::init(&attacker_dir);
    attacker.publish(&entries);
    let attacker_server = serve(&attacker.data, &attacker.repo);
    let root = attacker.repo.join("root.json");
    let o = ctl(
        &org.data,
        &[
            "sync",
            "--url",
            &attacker_server.url,
            "--root",
            root.to_str().unwrap(),
            "--replace-root",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("pinned"), "{}", text(&o.stderr));
    assert_eq!(verdict(&org.data, "+852 3001 0077"), "official");
    let s = json(&ctl(&org.data, &["status", "--json"]));
    assert_eq!(s["feed"]["last_error_code"], "root_pinned", "{s}");
}
