//! What the `verityctl` test binaries share: running the real binary on a data directory, reading
//! its output, and a desk served on loopback in this process.

// Each test binary uses its own part of this module.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use tempfile::TempDir;
use verity_desk::{admin, BackgroundDesk, DeskConfig};
use verity_device::{KdfParams, SystemClock};

/// The real `verityctl` on `data`, with no data directory from the environment.
pub fn ctl(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verityctl"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("VERITY_DATA_DIR")
        .output()
        .unwrap()
}

/// Standard output, which must be UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Standard error, which must be UTF-8.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Standard output as JSON.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// `o`, once it exited 0.
pub fn ok(o: &Output) -> &Output {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// An organisation ("Acme HK", its key not sealed) and its desk, served on loopback over plain
/// HTTP with the system clock.
pub struct LoopbackDesk {
    pub dir: TempDir,
    pub desk: BackgroundDesk,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The organisation key's fingerprint, as IT announces it.
    pub fingerprint: String,
}

impl LoopbackDesk {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        admin::init_org(
            dir.path(),
            "Acme HK",
            None,
            KdfParams::INSECURE_FOR_TESTS,
            &SystemClock,
        )
        .unwrap();
        let desk = admin::open_desk(
            dir.path(),
            None,
            Arc::new(SystemClock),
            DeskConfig::default(),
        )
        .unwrap();
        let desk =
            BackgroundDesk::start(Arc::new(desk), "127.0.0.1:0".parse().unwrap(), None).unwrap();
        let url = format!("http://{}", desk.addr());
        let (_, fingerprint) = admin::org_show(dir.path()).unwrap();
        LoopbackDesk {
            dir,
            desk,
            url,
            fingerprint,
        }
    }

    /// A one-hour enrolment code for employee `e100`, Chan Tai Man.
    pub fn code(&self) -> String {
        admin::create_enroll_code(
            self.dir.path(),
            None,
            "e100",
            "Chan Tai Man",
            3600,
            &SystemClock,
        )
        .unwrap()
        .0
        .as_str()
        .to_owned()
    }

    /// `verityctl device enroll` of `dev` with a fresh code, the key in a file sealed with the
    /// passphrase in `pass_file`; the JSON answer.
    pub fn enroll(&self, dev: &Path, pass_file: &str) -> serde_json::Value {
        let code = self.code();
        json(ok(&ctl(
            dev,
            &[
                "device",
                "enroll",
                "--desk",
                &self.url,
                "--code",
                &code,
                "--fingerprint",
                &self.fingerprint,
                "--key-store",
                "file",
                "--passphrase-file",
                pass_file,
                "--time-zone",
                "Asia/Hong_Kong",
                "--json",
            ],
        )))
    }

    /// A one-hour agent's code for Mei Lam (Accounts, en and zh-HK, HK, capacity 3).
    pub fn agent_code(&self) -> String {
        let profile = verity_device::proto::AgentProfile {
            name: "Mei Lam".into(),
            role: verity_device::proto::AgentRole::Agent,
            team: "Accounts".into(),
            languages: vec!["en".into(), "zh-HK".into()],
            regions: vec!["HK".into()],
            skills: vec![],
            capacity: 3,
        };
        admin::create_agent_code(self.dir.path(), None, &profile, 3600, &SystemClock)
            .unwrap()
            .0
            .as_str()
            .to_owned()
    }

    /// `verityctl device enroll --agent` of `dev` with a fresh agent's code, the key in a file
    /// sealed with the passphrase in `pass_file`; the JSON answer.
    pub fn enroll_agent(&self, dev: &Path, pass_file: &str) -> serde_json::Value {
        let code = self.agent_code();
        json(ok(&ctl(
            dev,
            &[
                "device",
                "enroll",
                "--agent",
                "--desk",
                &self.url,
                "--code",
                &code,
                "--fingerprint",
                &self.fingerprint,
                "--key-store",
                "file",
                "--passphrase-file",
                pass_file,
                "--json",
            ],
        )))
    }

    pub fn stop(self) {
        self.desk.stop().unwrap();
    }
}

/// The real `verityctl` on `data`, as a command to add arguments to.
pub fn ctl_command(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_verityctl"));
    c.arg("--data-dir").arg(data).env_remove("VERITY_DATA_DIR");
    c
}

/// A running `verityctl feed serve`, killed when dropped.
pub struct FeedServer {
    child: std::process::Child,
    /// Where it serves the feed.
    pub url: String,
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves the feed repository `repo` on 127.0.0.1 with `verityctl` (`ctl`, its data directory
/// given), once it says where.
pub fn serve_feed(mut ctl: Command, repo: &Path) -> FeedServer {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = ctl
        .args(["feed", "serve", "--listen", "127.0.0.1:0", "--repo"])
        .arg(repo)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    FeedServer { child, url }
}
