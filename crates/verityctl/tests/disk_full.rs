//! Disk full (issue 19 §4): the data directory on a small filesystem (a tmpfs mounted in a user
//! and mount namespace of its own, `unshare --user --map-root-user --mount`: no privileges
//! needed, and the mount goes away with the namespace's process even when a test fails). For a
//! snapshot sync, a delta sync, a blocklist import, a scan's cleaned copy and the checklist
//! report's export, the filesystem is filled to leave too little room, the command fails with
//! exit 3 and "disk full" in its one-line error; then the room is freed and the store opens, the
//! list is the one held before (its checksum, recomputed from the entries, and its count) and the
//! checklist (steps and evidence) is unchanged; and the sync succeeds at last.
//!
//! The test runs itself again inside the namespace (`VERITY_DISK_FULL_DIR` set); where `unshare`
//! or unprivileged user namespaces are not available it says so and is skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::process::Command;

mod common;

const INSIDE: &str = "VERITY_DISK_FULL_DIR";
const TEST: &str = "each_write_on_a_full_disk_fails_as_disk_full_and_keeps_the_list_and_checklist";

#[test]
fn each_write_on_a_full_disk_fails_as_disk_full_and_keeps_the_list_and_checklist() {
    if !cfg!(target_os = "linux") {
        println!("{TEST}: skipped: the small filesystem is a tmpfs in a Linux user namespace");
        return;
    }
    #[cfg(target_os = "linux")]
    if let Some(dir) = std::env::var_os(INSIDE) {
        linux::inside(std::path::Path::new(&dir));
        return;
    }
    let probe = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "true"])
        .output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            println!(
                "{TEST}: skipped: unprivileged user namespaces are not available here ({})",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return;
        }
        Err(e) => {
            println!("{TEST}: skipped: cannot run unshare(1): {e}");
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount"])
        .arg(std::env::current_exe().unwrap())
        .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(INSIDE, dir.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    print!("{out}");
    eprint!("{err}");
    assert!(o.status.success(), "inside the namespace: {err}");
    assert!(
        out.contains("1 passed"),
        "the test did not run inside: {out}"
    );
}

#[cfg(target_os = "linux")]
mod linux {
    use super::common::{ctl_command, serve_feed, FeedServer};
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    fn ctl(data: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_verityctl"))
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .env(
                "VERITY_PROVISIONING",
                "/nonexistent/verity-provisioning.json",
            )
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

    fn ok_json(o: &Output) -> serde_json::Value {
        assert!(o.status.success(), "{}", text(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stdout)))
    }

    /// The tmpfs, unmounted when dropped (the namespace's end would do it too).
    struct Mount(PathBuf);

    impl Drop for Mount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }

    /// A file that takes all the room on `dir`'s filesystem but `leave` bytes.
    struct Filler(PathBuf);

    impl Filler {
        fn fill(dir: &Path, leave: u64) -> Filler {
            let path = dir.join("filler");
            let mut f = std::fs::File::create(&path).unwrap();
            let chunk = vec![0xA5u8; 64 * 1024];
            let mut len = 0u64;
            for size in [chunk.len(), 4096] {
                loop {
                    match f.write(&chunk[..size]) {
                        Ok(n) => len += n as u64,
                        Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                        Err(e) => panic!("filling {}: {e}", path.display()),
                    }
                }
            }
            f.set_len(len.saturating_sub(leave)).unwrap();
            f.sync_all().unwrap();
            Filler(path)
        }
    }

    impl Drop for Filler {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn serve(data: &Path, repo: &Path) -> FeedServer {
        serve_feed(ctl_command(data), repo)
    }

    fn entries_csv(n: u32, offset: u32, campaign: &str) -> String {
        let mut s = String::from("kind,value,category,campaign,source,alert\n");
        for i in offset..offset + n {
            s.push_str(&format!(
                "phone,+852{},fake_support,{campaign},disk,false\n",
                61_000_000 + i * 7
            ));
        }
        s
    }

    /// What must survive a failed write: the feed version, its checksum (recomputed from the
    /// entries), the whole list's count, and the checklist's steps with their evidence.
    #[derive(Debug, PartialEq)]
    struct Kept {
        version: Option<u64>,
        checksum: Option<String>,
        recomputed: String,
        entries: i64,
        steps: serde_json::Value,
    }

    fn kept(data: &Path) -> Kept {
        let status = ok_json(&ctl(data, &["status", "--json"]));
        let steps = ok_json(&ctl(data, &["checklist", "status", "--json"]))["steps"].clone();
        let store = verity_store::Store::open(data).unwrap();
        let state = store.feed_state().unwrap();
        let mut b = verity_feed::format::ChecksumBuilder::default();
        for s in store.blocklist_entries().unwrap() {
            if s.origin == verity_store::Origin::Feed {
                b.push(&s.entry, s.alert);
            }
        }
        Kept {
            version: status["feed"]["version"].as_u64(),
            checksum: state.checksum,
            recomputed: b.finish().to_hex(),
            entries: status["blocklist"]["entries"].as_i64().unwrap(),
            steps,
        }
    }

    /// `o` failed as a full disk must: exit 3, one line that says so.
    fn assert_disk_full(o: &Output, what: &str) {
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{what}: {err}");
        assert!(
            err.starts_with("verityctl: error: disk full: free some space and try again ("),
            "{what}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{what}: {err}");
        println!("{what}: {}", err.trim());
    }

    pub fn inside(dir: &Path) {
        let mnt = dir.join("small");
        std::fs::create_dir(&mnt).unwrap();
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs"])
            .arg(&mnt)
            .output()
            .unwrap();
        assert!(o.status.success(), "mount: {}", text(&o.stderr));
        let _mount = Mount(mnt.clone());
        let data = mnt.join("data");
        let out = mnt.join("out");
        std::fs::create_dir(&out).unwrap();

        // A feed (outside the small filesystem), version 1 synced.
        let admin = dir.join("admin");
        let (repo, keys) = (dir.join("repo"), dir.join("keys"));
        let o = ctl(
            &admin,
            &[
                "feed",
                "init",
                "--repo",
                repo.to_str().unwrap(),
                "--keys",
                keys.to_str().unwrap(),
                "--root-key-dir",
                dir.join("root-keys").to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let publish = |csv: &str| {
            let file = dir.join("entries.csv");
            std::fs::write(&file, csv).unwrap();
            ok_json(&ctl(
                &admin,
                &[
                    "feed",
                    "publish",
                    "--repo",
                    repo.to_str().unwrap(),
                    "--keys",
                    keys.to_str().unwrap(),
                    "--entries",
                    file.to_str().unwrap(),
                    "--json",
                ],
            ))
        };
        let v1 = publish(&entries_csv(2_000, 0, "one"));
        let server = serve(&admin, &repo);
        let root = repo.join("root.json");
        let r = ok_json(&ctl(
            &data,
            &[
                "sync",
                "--url",
                &server.url,
                "--root",
                root.to_str().unwrap(),
                "--json",
            ],
        ));
        assert_eq!(r["version"], 1);

        // The checklist: step 1 by a scan, step 2 acknowledged, step 4's owner named.
        let contacts = dir.join("contacts.csv");
        std::fs::write(&contacts, "Name,Phone\nMum,9123 4567\nDad,9234 5678\n").unwrap();
        assert!(ctl(&data, &["scan", contacts.to_str().unwrap()])
            .status
            .success());
        assert!(ctl(&data, &["checklist", "ack-official-path"])
            .status
            .success());
        let o = ctl(
            &data,
            &[
                "checklist",
                "drill-owner",
                "--name",
                "Chan Tai Man",
                "--every-quarter",
            ],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let before = kept(&data);
        assert_eq!(before.version, Some(1));
        assert_eq!(before.checksum.as_deref(), v1["checksum"].as_str());
        assert_eq!(before.recomputed, v1["checksum"].as_str().unwrap());
        assert!(
            before.steps.as_array().unwrap().len() == 5,
            "{:?}",
            before.steps
        );
        let after = |what: &str| {
            let now = kept(&data);
            assert_eq!(now, before, "{what}: the list or the checklist changed");
        };

        // A delta sync: version 2 adds 60 000 numbers.
        publish(&entries_csv(62_000, 0, "one"));
        {
            let _full = Filler::fill(&mnt, 256 * 1024);
            assert_disk_full(&ctl(&data, &["sync"]), "delta sync");
        }
        after("delta sync");
        // The status (what the app's feed screen shows after a background sync) names it too.
        let status = ok_json(&ctl(&data, &["status", "--json"]));
        assert_eq!(status["feed"]["last_error_code"], "disk_full", "{status}");

        // A first sync on the full disk fails at the list; the root that verified the feed is
        // kept all the same, before the list is applied (regression: a first sync killed between
        // the list's commit and the root's file left a version that `sync` refused to update
        // without --root; found by the kill sweep). With room, `sync --url` alone works.
        let fresh = mnt.join("fresh");
        ok_json(&ctl(&fresh, &["status", "--json"]));
        {
            let _full = Filler::fill(&mnt, 256 * 1024);
            let o = ctl(
                &fresh,
                &[
                    "sync",
                    "--url",
                    &server.url,
                    "--root",
                    root.to_str().unwrap(),
                ],
            );
            assert_disk_full(&o, "first sync");
        }
        assert_eq!(kept(&fresh).version, None);
        let kept_root = fresh
            .join(verity_feed::client::FEED_DIR)
            .join(verity_feed::client::TRUSTED_ROOT_FILE);
        assert!(
            kept_root.is_file(),
            "no root kept after the first sync failed"
        );
        let r = ok_json(&ctl(&fresh, &["sync", "--url", &server.url, "--json"]));
        assert_eq!(r["version"], 2);
        std::fs::remove_dir_all(&fresh).unwrap();

        // A snapshot sync: version 3 has no delta from version 1.
        publish(&entries_csv(62_000, 1_000, "three"));
        {
            let _full = Filler::fill(&mnt, 256 * 1024);
            let o = ctl(&data, &["sync", "--json"]);
            assert_disk_full(&o, "snapshot sync");
        }
        after("snapshot sync");

        // A blocklist import of 50 000 numbers.
        let import = dir.join("import.csv");
        let mut csv = String::from("kind,value,category,campaign,source\n");
        for i in 0..50_000u32 {
            csv.push_str(&format!(
                "phone,+852{},fake_support,,\n",
                51_000_000 + i * 3
            ));
        }
        std::fs::write(&import, csv).unwrap();
        {
            let _full = Filler::fill(&mnt, 256 * 1024);
            let o = ctl(&data, &["blocklist", "import", import.to_str().unwrap()]);
            assert_disk_full(&o, "blocklist import");
        }
        after("blocklist import");

        // A scan's cleaned copy of a 20 000-contact export (about 600 KB) on the full disk.
        let export = dir.join("export.csv");
        let mut csv = String::from("Name,Phone,Notes\n");
        for i in 0..20_000u32 {
            csv.push_str(&format!(
                "Contact {i},9{:07},a friend from school\n",
                1_000_000 + i
            ));
        }
        csv.push_str("Bank helpline,+852 6100 0000,\n"); // on the feed's list
        std::fs::write(&export, csv).unwrap();
        let copy = out.join("export-cleaned.csv");
        {
            let _full = Filler::fill(&mnt, 256 * 1024);
            let o = ctl(
                &data,
                &[
                    "scan",
                    export.to_str().unwrap(),
                    "--clean-copy",
                    copy.to_str().unwrap(),
                ],
            );
            assert_disk_full(&o, "scan's cleaned copy");
        }
        assert!(!copy.exists(), "a partial cleaned copy was left");
        after("scan's cleaned copy");

        // The checklist report's export, as a new file and over last month's (`--force`): the
        // store opens (its shared-memory file takes 32 KiB), the report does not fit; the old
        // report is kept whole.
        let report = out.join("report.html");
        let last_month = dir.join("last-month.html");
        let o = ctl(
            &data,
            &[
                "checklist",
                "report",
                "--format",
                "html",
                "--out",
                last_month.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let old = std::fs::read(&last_month).unwrap();
        let kept_report = out.join("kept.html");
        std::fs::write(&kept_report, &old).unwrap();
        {
            let _full = Filler::fill(&mnt, 36 * 1024);
            let export = |file: &Path, force: bool| {
                let mut args = vec!["checklist", "report", "--format", "html", "--out"];
                args.push(file.to_str().unwrap());
                if force {
                    args.push("--force");
                }
                ctl(&data, &args)
            };
            assert_disk_full(&export(&report, false), "report export");
            assert_disk_full(
                &export(&kept_report, true),
                "report export over the old one",
            );
        }
        assert!(!report.exists(), "a partial report was left");
        assert_eq!(
            std::fs::read(&kept_report).unwrap(),
            old,
            "the old report changed"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "kept.html")
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
        after("report export");

        // With room again, the same commands work: the sync reaches version 3 by snapshot.
        let r = ok_json(&ctl(&data, &["sync", "--json"]));
        assert_eq!(
            (r["version"].as_u64(), r["outcome"].as_str()),
            (Some(3), Some("snapshot"))
        );
        let o = ctl(
            &data,
            &[
                "checklist",
                "report",
                "--format",
                "html",
                "--out",
                report.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        drop(server);
    }
}
