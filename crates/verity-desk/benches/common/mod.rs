//! What the desk's load benches and its failover test share (included with `#[path]`): the desk
//! as its own process (`verity-desk serve`, the built binary), the CPU time of processes read from `/proc`, a
//! throwaway PostgreSQL cluster's sizes and processes, environment knobs and percentiles.

#![allow(dead_code)] // each bench (and the failover test) uses part of it
#![allow(clippy::panic)] // a benchmark or a test fails loudly

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

pub fn env_f64(name: &str, default: f64) -> f64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

pub fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Fields of `/proc/PID/stat` after "pid (comm) " (numbered from 0 there: state is 0, ppid 1,
/// utime 11, stime 12, cutime 13, cstime 14); `None` when the process is gone.
fn stat_fields(pid: u32) -> Option<Vec<u64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: count after the last ')'.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    Some(
        rest.split_whitespace()
            .map(|f| f.parse::<u64>().unwrap_or(0))
            .collect(),
    )
}

/// utime + stime of `pid`, seconds (clock ticks of 1/100 s, Linux's USER_HZ); with its waited-for
/// children's too when `children`.
pub fn cpu_secs(pid: u32, children: bool) -> f64 {
    let Some(f) = stat_fields(pid) else {
        return 0.0;
    };
    let mut ticks = f[11] + f[12];
    if children {
        ticks += f[13] + f[14];
    }
    ticks as f64 / 100.0
}

/// This process's CPU time (all its threads), seconds.
pub fn own_cpu_secs() -> f64 {
    cpu_secs(std::process::id(), false)
}

/// The CPU time of a PostgreSQL cluster: the postmaster (with the backends that exited) and its
/// live children (backends, checkpointer, WAL writer…), seconds.
pub fn cluster_cpu_secs(postmaster: u32) -> f64 {
    let mut total = cpu_secs(postmaster, true);
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return total;
    };
    for e in dir.filter_map(Result::ok) {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if let Some(f) = stat_fields(pid) {
            if f[1] == u64::from(postmaster) {
                total += (f[11] + f[12]) as f64 / 100.0;
            }
        }
    }
    total
}

/// A `verity-desk serve` process (used by the load benches and by the failover test).
pub struct DeskProcess {
    child: Child,
    pub pid: u32,
    pub url: String,
    pub addr: SocketAddr,
}

impl DeskProcess {
    /// Starts `verity-desk serve` on `dir` on a free loopback port, on `database` when given,
    /// logging at `log` (`VERITY_DESK_LOG`; `info` is the desk's default, each request a line).
    /// `verity_desk::http` stays at `info` whatever `log` says: the desk's address is read from
    /// its log.
    pub fn start(dir: &Path, database: Option<&str>, log: &str) -> DeskProcess {
        DeskProcess::start_behind(dir, database, log, None)
    }

    /// As `start`, answering for `public_url` (a load balancer's address) when given.
    pub fn start_behind(
        dir: &Path,
        database: Option<&str>,
        log: &str,
        public_url: Option<&str>,
    ) -> DeskProcess {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_verity-desk"));
        if let Some(url) = database {
            cmd.env("VERITY_DESK_DATABASE", url);
        }
        cmd.args(["serve", "--data"])
            .arg(dir)
            .args(["--listen", "127.0.0.1:0", "--log-json"]);
        if let Some(url) = public_url {
            cmd.args(["--public-url", url]);
        }
        let mut child = cmd
            .env("VERITY_DESK_LOG", format!("{log},verity_desk::http=info"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("verity-desk starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let mut addr = None;
        while addr.is_none() && stderr.read_line(&mut line).unwrap() > 0 {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                if v["fields"]["message"] == "desk listening" {
                    addr = v["fields"]["addr"].as_str().map(str::to_owned);
                }
            } else {
                eprintln!("desk: {}", line.trim_end());
            }
            line.clear();
        }
        let addr: SocketAddr = addr
            .expect("the desk logs its address")
            .parse()
            .expect("the desk's address");
        // Keep reading its log so that it never blocks on a full pipe; warnings are shown.
        std::thread::spawn(move || {
            for l in stderr.lines() {
                let Ok(l) = l else { break };
                if l.contains("\"WARN\"") || l.contains("\"ERROR\"") {
                    eprintln!("desk: {l}");
                }
            }
        });
        DeskProcess {
            pid: child.id(),
            child,
            url: format!("http://{addr}"),
            addr,
        }
    }

    /// Killed: no shutdown, no goodbye (SIGKILL on Unix, TerminateProcess on Windows).
    pub fn kill(mut self) {
        self.child.kill().expect("the desk is killed");
        self.child.wait().expect("the killed desk is reaped");
    }

    /// utime + stime, seconds.
    pub fn cpu_secs(&self) -> f64 {
        cpu_secs(self.pid, false)
    }

    /// (VmRSS, VmHWM), KiB.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap();
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in /proc/PID/status"))
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for DeskProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs one query on `url` on a thread of its own (the sync client refuses a tokio thread) and
/// returns its rows' first column as i64.
pub fn query_i64(url: &str, sql: &str) -> Vec<i64> {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.query(sql.as_str(), &[])
            .unwrap()
            .iter()
            .map(|r| r.get::<_, i64>(0))
            .collect()
    })
    .join()
    .unwrap()
}

/// The database's size on disk (`pg_database_size`), bytes.
pub fn database_size(url: &str) -> i64 {
    query_i64(url, "SELECT pg_database_size(current_database())")[0]
}

/// `pg_total_relation_size` (rows, indexes, TOAST) summed over `tables`, bytes.
pub fn tables_size(url: &str, tables: &[&str]) -> i64 {
    let list = tables
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(",");
    query_i64(
        url,
        &format!(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname IN ({list})"
        ),
    )[0]
}

/// The largest tables of the database: (name, total size in bytes, rows as estimated after an
/// `ANALYZE`).
pub fn largest_tables(url: &str, n: usize) -> Vec<(String, i64, i64)> {
    let (url, n) = (url.to_owned(), n as i64);
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute("ANALYZE").unwrap();
        c.query(
            "SELECT c.relname::text, pg_total_relation_size(c.oid)::bigint, \
             GREATEST(c.reltuples, 0)::bigint FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r' \
             ORDER BY 2 DESC LIMIT $1",
            &[&n],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
    })
    .join()
    .unwrap()
}

/// A byte count in MiB.
pub fn mib(bytes: i64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Copies the files of `from` (not its subdirectories) into a new directory `to`: a data
/// directory for another desk on the same database (the organisation key and its files).
pub fn copy_data_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Issues `n` employee codes as `verity-desk enroll-code` does (`verity_desk::admin::create_enroll_code`,
/// which opens the store and loads the key for each code), on `threads` threads of one store.
pub fn issue_codes(
    at: &verity_desk::admin::DeskLocation<'_>,
    n: usize,
    threads: usize,
) -> Vec<String> {
    let store = verity_desk::admin::open_store(at).unwrap();
    let key = verity_desk::orgkey::load(at.data, None).unwrap();
    let code_key = verity_desk::orgkey::enroll_code_key(&key);
    let now = verity_device::Clock::now(&verity_device::SystemClock);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let out = std::sync::Mutex::new(vec![String::new(); n]);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let code = verity_desk::admin::new_code().unwrap();
                store
                    .add_enroll_code(&verity_desk::store::EnrollCodeRecord {
                        code_hash: verity_desk::service::code_hmac(&code_key, &code),
                        scheme: verity_desk::store::code_scheme::HMAC_SHA256,
                        employee_id: format!("e{i:06}"),
                        employee_name: format!("Employee {i}"),
                        created_at: now,
                        expires_at: now + 86_400,
                        used_at: None,
                        used_by: None,
                        agent: None,
                        team: None,
                    })
                    .unwrap();
                out.lock().unwrap()[i] = code.to_string();
            });
        }
    });
    out.into_inner().unwrap()
}
