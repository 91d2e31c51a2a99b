//! A throwaway PostgreSQL cluster for the desk's tests, shared by the unit tests
//! (`src/postgres/tests.rs`), the `e2e` binary and the load benches (included with `#[path]`).
//!
//! `initdb` in a temporary directory, a free loopback port, the unix socket in that directory,
//! started with `pg_ctl` as a non-root user (PostgreSQL refuses root: as root, the directory is
//! given to the `postgres` system user the Debian package creates, or `nobody`, and the commands
//! run through `runuser`). One cluster per test binary ([`Cluster::shared`]), one database per
//! test ([`Cluster::database`]).
//!
//! Teardown does not rely on destructors (a `static` is never dropped): a watchdog shell holds
//! the read end of a pipe whose write end only this process has; when the process ends —
//! normally, on a panic, or killed — the pipe closes and the watchdog stops the cluster
//! (`pg_ctl stop -m immediate`) and removes the directory. Dropping a [`Cluster`] does the same
//! at once.

#![allow(dead_code)] // each including binary uses part of it

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

/// A running cluster.
pub struct Cluster {
    dir: PathBuf,
    port: u16,
    watchdog: Mutex<Option<(Child, ChildStdin)>>,
    next_db: AtomicU32,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("dir", &self.dir)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// The directory of the newest PostgreSQL's binaries (`VERITY_PG_BIN` overrides).
pub fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("VERITY_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .map_err(|e| {
            format!(
                "{}: {e} (scripts/setup installs postgresql)",
                root.display()
            )
        })?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| format!("no initdb under {} (scripts/setup)", root.display()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn user_exists(name: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A command run as `user` (or as this process's user when `None`).
fn as_user(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(u) => {
            let mut c = Command::new("runuser");
            c.arg("-u").arg(u).arg("--").arg(program);
            c
        }
        None => Command::new(program),
    }
}

fn run(mut c: Command, what: &str) -> Result<(), String> {
    let out = c.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("free port: {e}"))
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

impl Cluster {
    /// Starts a new cluster.
    ///
    /// # Errors
    /// What failed, with PostgreSQL's own output.
    pub fn start() -> Result<Cluster, String> {
        Cluster::start_with("")
    }

    /// Starts a new cluster with more server options (`-c name=value …`, for a bench's
    /// diagnostics).
    ///
    /// # Errors
    /// What failed, with PostgreSQL's own output.
    pub fn start_with(extra_options: &str) -> Result<Cluster, String> {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let bin = bin_dir()?;
        let dir = std::env::temp_dir().join(format!(
            "verity-pg-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let user = if is_root() {
            let u = if user_exists("postgres") {
                "postgres"
            } else {
                "nobody"
            };
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg(format!("{u}:")).arg(&dir);
                    c
                },
                "chown",
            )?;
            Some(u)
        } else {
            None
        };
        let data = dir.join("data");
        run(
            {
                let mut c = as_user(user, &bin.join("initdb"));
                c.arg("-D")
                    .arg(&data)
                    .args(["-A", "trust", "-U", "verity", "-E", "UTF8"])
                    .args(["--locale=C", "--no-sync", "--no-instructions"]);
                c
            },
            "initdb",
        )?;
        // The watchdog first: from here on, the directory goes away with this process.
        let runuser = user.map_or_else(String::new, |u| format!("runuser -u {u} --"));
        let script = format!(
            "cat >/dev/null; {runuser} {pg_ctl} -D {data} -m immediate -w stop >/dev/null 2>&1; \
             rm -rf {dir}",
            pg_ctl = quote(&bin.join("pg_ctl")),
            data = quote(&data),
            dir = quote(&dir)
        );
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("watchdog: {e}"))?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| "watchdog: no stdin".to_owned())?;
        let mut cluster = Cluster {
            dir: dir.clone(),
            port: 0,
            watchdog: Mutex::new(Some((child, stdin))),
            next_db: AtomicU32::new(0),
        };
        // A port taken between `free_port` and the start is retried with another.
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
                 -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 \
                 {extra_options}",
                dir.display()
            );
            let mut c = as_user(user, &bin.join("pg_ctl"));
            c.arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("log"))
                .arg("-o")
                .arg(options)
                .args(["-w", "-t", "60", "start"]);
            match run(c, "pg_ctl start") {
                Ok(()) => {
                    cluster.port = port;
                    return Ok(cluster);
                }
                Err(e) => {
                    let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
                    last = format!("{e}\n{log}");
                }
            }
        }
        Err(last)
    }

    /// The cluster of this test binary, started on first use.
    ///
    /// # Panics
    /// When it cannot start (the message says why).
    pub fn shared() -> &'static Cluster {
        static SHARED: OnceLock<Cluster> = OnceLock::new();
        SHARED.get_or_init(|| match Cluster::start() {
            Ok(c) => c,
            Err(e) => panic!("cannot start a PostgreSQL test cluster: {e}"),
        })
    }

    /// The URL of the cluster's `postgres` database.
    pub fn admin_url(&self) -> String {
        format!("postgres://verity@127.0.0.1:{}/postgres", self.port)
    }

    /// Creates a new, empty database; its URL.
    ///
    /// # Panics
    /// When the cluster does not answer.
    pub fn database(&self) -> String {
        let name = format!(
            "t{}_{}",
            std::process::id(),
            self.next_db.fetch_add(1, Ordering::Relaxed)
        );
        let url = self.admin_url();
        let sql = format!("CREATE DATABASE {name} TEMPLATE template0 STRATEGY file_copy");
        // On a thread of its own: the caller may be inside a tokio runtime, where the sync
        // client would panic.
        std::thread::spawn(move || -> Result<(), String> {
            let mut c = postgres::Client::connect(&url, postgres::NoTls)
                .map_err(|e| format!("connect: {e}"))?;
            c.batch_execute(&sql).map_err(|e| format!("{sql}: {e}"))
        })
        .join()
        .unwrap_or_else(|_| Err("the thread panicked".into()))
        .unwrap_or_else(|e| panic!("test database: {e}"));
        format!("postgres://verity@127.0.0.1:{}/{name}", self.port)
    }

    /// The cluster's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The postmaster's process id (the first line of `postmaster.pid`), for a bench to read
    /// the cluster's CPU time.
    pub fn postmaster_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.join("data").join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let taken = self
            .watchdog
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some((mut child, mut stdin)) = taken {
            let _ = stdin.flush();
            drop(stdin);
            let _ = child.wait();
        }
    }
}
