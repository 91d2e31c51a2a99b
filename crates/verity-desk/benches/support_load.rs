//! Verified support sessions under load, on loopback (issue 13): the desk runs as its own
//! process (`verity-desk serve`, the built binary) so that its CPU time and memory are its alone;
//! employees' and agents' apps are the flows' real drivers (`verity_flows::support::open`,
//! `agent_connect`), one thread each, enrolled through the real flows with key files.
//!
//! Two parts:
//! 1. Single session: one agent waiting, `SUPPORT_SINGLE_REPS` employees one after the other;
//!    open → the agent's first message (a greeting sent when the handshake verified the
//!    employee), p50/p99.
//! 2. Load: `SUPPORT_AGENTS` agents (capacity 10) online, `SUPPORT_SESSIONS` employees open at
//!    `SUPPORT_OPEN_RATE` a second; once every session has its greeting (all open at once), each
//!    employee sends `SUPPORT_MESSAGES` messages one at a time and waits for the agent's echo:
//!    round trip = `send_text` → the echo shown (`SessionEvent::Message`). Then all close.
//!
//! The desk allows 5 messages a second per connection with a burst of 20, and counts every
//! message an app sends (frames, acknowledgements, controls). An agent's connection carries its
//! sessions' handshakes, the acknowledgement of every employee message and every echo: so the
//! bench paces the employees' sends against a model of each agent's bucket (4/s, burst 14, a
//! margin under the desk's) keyed by the agent's certificate fingerprint. The pacing wait is
//! before `send_text` and is not part of the round trip.
//!
//! `cargo bench -p verity-desk --bench support_load` (defaults: 10 sessions, 2 agents, 10
//! messages, 10 single-session repetitions, about a minute and a half); the size:
//! `SUPPORT_SESSIONS=200 SUPPORT_AGENTS=20 SUPPORT_MESSAGES=20 SUPPORT_SINGLE_REPS=20 cargo bench
//! -p verity-desk --bench support_load`. Run by `cargo test --benches` (no `--bench` flag) it is
//! a smoke run (2 sessions, 1 agent, 3 messages, 2 repetitions). It exits non-zero when a session
//! does not open, a message is lost, shown twice or out of order, a connection drops, or the desk
//! dies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark fails loudly

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use verity_desk::admin;
use verity_desk::support::store::SupportStore;
use verity_device::proto::{AgentProfile, AgentRole, SupportCategory};
use verity_device::{Clock, DeviceContext, KdfParams, KeyStoreChoice, SystemClock};
use verity_flows::support::{
    agent_connect, open, AgentEvent, EmployeeSession, OpenParams, SessionEvent,
};
use zeroize::Zeroizing;

const PASSPHRASE: &[u8] = b"a bench passphrase, long enough";
/// How long a step may take before the bench calls it lost.
const STEP: Duration = Duration::from_secs(60);

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

fn env_f64(name: &str, default: f64) -> f64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

/// A token bucket that mirrors (with a margin) the desk's per-connection limit. `charge` records
/// what an app sent without waiting; `take` waits until `n` tokens are there.
struct Bucket {
    state: Mutex<(f64, Instant)>,
    burst: f64,
    rate: f64,
}

impl Bucket {
    fn new() -> Bucket {
        Bucket {
            state: Mutex::new((14.0, Instant::now())),
            burst: 14.0,
            rate: 4.0,
        }
    }

    fn refill(&self, s: &mut (f64, Instant)) {
        let now = Instant::now();
        s.0 = (s.0 + now.duration_since(s.1).as_secs_f64() * self.rate).min(self.burst);
        s.1 = now;
    }

    fn charge(&self, n: f64) {
        let mut s = self.state.lock().unwrap();
        self.refill(&mut s);
        s.0 -= n;
    }

    fn take(&self, n: f64) {
        loop {
            let wait = {
                let mut s = self.state.lock().unwrap();
                self.refill(&mut s);
                if s.0 >= n {
                    s.0 -= n;
                    return;
                }
                (n - s.0) / self.rate
            };
            std::thread::sleep(Duration::from_secs_f64(wait.clamp(0.005, 0.25)));
        }
    }
}

/// What every thread reports to.
#[derive(Default)]
struct Shared {
    errors: Mutex<Vec<String>>,
    open_to_first: Mutex<Vec<Duration>>,
    rtts: Mutex<Vec<Duration>>,
    /// Per agent fingerprint, the model of its connection's bucket.
    agent_buckets: Mutex<BTreeMap<String, Arc<Bucket>>>,
    /// Sessions with their greeting (or failed), for the "all open" gate.
    opened: Mutex<(usize, usize)>,
    opened_cv: Condvar,
    /// Released once every session is open (and the desk's memory was read).
    go: Mutex<bool>,
    go_cv: Condvar,
    closed: Mutex<usize>,
    transcripts: Mutex<usize>,
}

impl Shared {
    fn error(&self, e: String) {
        eprintln!("ERROR: {e}");
        self.errors.lock().unwrap().push(e);
    }

    fn bucket(&self, fingerprint: &str) -> Arc<Bucket> {
        self.agent_buckets
            .lock()
            .unwrap()
            .entry(fingerprint.to_owned())
            .or_insert_with(|| Arc::new(Bucket::new()))
            .clone()
    }

    fn mark_opened(&self, ok: bool) {
        let mut o = self.opened.lock().unwrap();
        if ok {
            o.0 += 1;
        } else {
            o.1 += 1;
        }
        self.opened_cv.notify_all();
    }

    fn release(&self) {
        *self.go.lock().unwrap() = true;
        self.go_cv.notify_all();
    }

    fn wait_go(&self) {
        let mut g = self.go.lock().unwrap();
        while !*g {
            g = self.go_cv.wait(g).unwrap();
        }
    }
}

/// The desk as its own process.
struct DeskProcess {
    child: Child,
    pid: u32,
    url: String,
}

impl DeskProcess {
    fn start(dir: &Path) -> DeskProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_verity-desk"))
            .args(["serve", "--data"])
            .arg(dir)
            .args(["--listen", "127.0.0.1:0", "--log-json"])
            .env("RUST_LOG", "warn,verity_desk::http=info")
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
            }
            line.clear();
        }
        let addr = addr.expect("the desk logs its address");
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
        }
    }

    /// utime + stime, seconds (clock ticks of 1/100 s, Linux's USER_HZ).
    fn cpu_secs(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap();
        // The command name is in parentheses and may hold spaces: count after the last ')'.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        // Fields 14 and 15 of the whole line are 12 and 13 after "pid (comm) ".
        let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
        ticks as f64 / 100.0
    }

    /// (VmRSS, VmHWM), KiB.
    fn memory_kib(&self) -> (u64, u64) {
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

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for DeskProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An organisation, its desk data directory and the enrolment of devices.
struct Org {
    dir: PathBuf,
    url: String,
    fingerprint: String,
}

fn context(dir: PathBuf) -> DeviceContext {
    let mut ctx = DeviceContext::new(dir, "bench");
    ctx.key_store = KeyStoreChoice::File;
    ctx.passphrase = Some(Zeroizing::new(PASSPHRASE.to_vec()));
    ctx.kdf = KdfParams::INSECURE_FOR_TESTS;
    ctx.signals.timezone = Some("Asia/Hong_Kong".into());
    ctx.signals.locale = Some("en-HK".into());
    ctx
}

impl Org {
    /// Enrols an employee's app in `dir`; its TOTP secret.
    fn employee(&self, dir: PathBuf, n: usize) -> Vec<u8> {
        let (code, _) = admin::create_enroll_code(
            &self.dir,
            None,
            &format!("e{n:04}"),
            &format!("Employee {n}"),
            3600,
            &SystemClock,
        )
        .unwrap();
        let ctx = context(dir);
        let e = verity_flows::device::enroll(&ctx, &self.url, &code, &self.fingerprint).unwrap();
        let secret = e.totp.as_ref().expect("a TOTP set-up").secret.clone();
        data_encoding::BASE32_NOPAD
            .decode(secret.as_bytes())
            .unwrap()
    }

    /// Enrols agent `n`'s app in `dir` (English, Hong Kong, capacity 10).
    fn agent(&self, dir: PathBuf, n: usize) {
        let profile = AgentProfile {
            name: format!("Agent {n:02}"),
            role: AgentRole::Agent,
            team: "Bench".into(),
            languages: vec!["en".into()],
            regions: vec!["HK".into()],
            skills: vec![],
            capacity: 10,
        };
        let (code, _) =
            admin::create_agent_code(&self.dir, None, &profile, 3600, &SystemClock).unwrap();
        let ctx = context(dir);
        verity_flows::device::enroll_agent(&ctx, &self.url, &code, &self.fingerprint).unwrap();
    }
}

struct Employee {
    dir: PathBuf,
    secret: Vec<u8>,
}

/// Enrols `count` employees (two threads: the desk signs one at a time anyway).
fn enroll_employees(org: &Arc<Org>, root: &Path, from: usize, count: usize) -> Vec<Employee> {
    let chunks: Vec<Vec<usize>> = (0..2)
        .map(|t| (from..from + count).filter(|i| i % 2 == t).collect())
        .collect();
    let handles: Vec<JoinHandle<Vec<(usize, Employee)>>> = chunks
        .into_iter()
        .map(|ids| {
            let (org, root) = (org.clone(), root.to_path_buf());
            std::thread::spawn(move || {
                ids.into_iter()
                    .map(|i| {
                        let dir = root.join(format!("emp{i}"));
                        let secret = org.employee(dir.clone(), i);
                        (i, Employee { dir, secret })
                    })
                    .collect()
            })
        })
        .collect();
    let mut all: Vec<(usize, Employee)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, e)| e).collect()
}

/// An agent's app: accepts every offer, greets each verified employee, echoes every message.
struct AgentWorker {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

fn start_agent(
    dir: PathBuf,
    shared: Arc<Shared>,
    connected: Arc<(Mutex<usize>, Condvar)>,
) -> AgentWorker {
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let thread = std::thread::spawn(move || {
        let conn = agent_connect(Arc::new(context(dir))).unwrap();
        // Per session: the texts received (a repeat is a message shown twice).
        let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        while !stop2.load(Ordering::Relaxed) {
            let Some(ev) = conn.next_event(Duration::from_millis(50)) else {
                continue;
            };
            match ev {
                AgentEvent::Connection { connected: c } => {
                    if c {
                        let (m, cv) = &*connected;
                        *m.lock().unwrap() += 1;
                        cv.notify_all();
                    } else {
                        shared.error("an agent's connection dropped".into());
                    }
                }
                AgentEvent::Offer { session_id, .. } => conn.accept(&session_id).unwrap(),
                AgentEvent::Verified { session_id, .. } => {
                    conn.send_text(&session_id, "hello, this is support")
                        .unwrap();
                }
                AgentEvent::Message {
                    session_id, text, ..
                } => {
                    if !seen
                        .entry(session_id.clone())
                        .or_default()
                        .insert(text.clone())
                    {
                        shared.error(format!("the agent was shown {text:?} twice"));
                    }
                    conn.send_text(&session_id, &format!("echo {text}"))
                        .unwrap();
                }
                AgentEvent::Error { session_id, code } => {
                    shared.error(format!("agent error {code} (session {session_id:?})"));
                }
                _ => {}
            }
        }
        conn.stop();
    });
    AgentWorker { stop, thread }
}

/// Waits for the next message shown to the employee, keeping note of the agent on `Assigned`.
fn next_message(
    s: &EmployeeSession,
    agent: &mut Option<String>,
    until: Instant,
) -> Result<String, String> {
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("timed out waiting for a message".into());
        }
        match s.next_event(left) {
            Some(SessionEvent::Message { text, .. }) => return Ok(text),
            Some(SessionEvent::Assigned { agent: a }) => *agent = Some(a.fingerprint),
            Some(SessionEvent::Error { code }) => return Err(format!("session error {code}")),
            Some(SessionEvent::Closed { outcome, .. }) => {
                return Err(format!("closed early ({outcome:?})"))
            }
            Some(SessionEvent::Connection { connected: false }) => {
                return Err("the employee's connection dropped".into())
            }
            Some(_) => {}
            None => return Err("timed out waiting for a message".into()),
        }
    }
}

/// Opens a session, waits for the greeting and the echo of the first message; the time from
/// `open` to the greeting, and the agent's fingerprint.
fn open_session(
    emp: &Employee,
    first: &str,
) -> Result<(EmployeeSession, Duration, String), String> {
    let ctx = Arc::new(context(emp.dir.clone()));
    let totp = verity_desk::totp::code_at(&emp.secret, SystemClock.now()).unwrap();
    let t0 = Instant::now();
    let s = open(
        ctx,
        OpenParams {
            category: SupportCategory::Account,
            language: "en".into(),
            totp,
            first_message: first.to_owned(),
        },
    )
    .map_err(|e| format!("open refused: {e}"))?;
    let mut agent = None;
    let greeting = next_message(&s, &mut agent, Instant::now() + STEP)?;
    let to_first = t0.elapsed();
    if greeting != "hello, this is support" {
        return Err(format!("the first message was {greeting:?}"));
    }
    let echo = next_message(&s, &mut agent, Instant::now() + STEP)?;
    if echo != format!("echo {first}") {
        return Err(format!(
            "expected the echo of the first message, got {echo:?}"
        ));
    }
    let agent = agent.ok_or("a message before the agent was verified")?;
    Ok((s, to_first, agent))
}

/// Closes a session and waits for the end (and the transcript's upload); any message shown
/// meanwhile is one too many.
fn close_session(s: &EmployeeSession, shared: &Shared) -> Result<(), String> {
    s.close().map_err(|e| format!("close: {e}"))?;
    let until = Instant::now() + STEP;
    let mut closed = false;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match s.next_event(left) {
            Some(SessionEvent::Message { text, .. }) => {
                return Err(format!("an extra message {text:?} (shown twice?)"))
            }
            Some(SessionEvent::Closed { .. }) => {
                closed = true;
                *shared.closed.lock().unwrap() += 1;
            }
            Some(SessionEvent::TranscriptUploaded { .. }) => {
                *shared.transcripts.lock().unwrap() += 1;
                return if closed {
                    Ok(())
                } else {
                    Err("transcript before close".into())
                };
            }
            Some(SessionEvent::Error { code }) => return Err(format!("at close: {code}")),
            Some(_) => {}
            None if closed => return Err("no transcript upload after close".into()),
            None => return Err("never closed".into()),
        }
    }
}

fn employee_load(emp: &Employee, i: usize, messages: usize, shared: &Shared) {
    let first = format!("s{i} m0");
    let (s, to_first, agent) = match open_session(emp, &first) {
        Ok(v) => v,
        Err(e) => {
            shared.error(format!("session {i}: {e}"));
            shared.mark_opened(false);
            return;
        }
    };
    // The handshake, greeting, first message and its echo on the agent's connection: accept,
    // join, hs seq 1, two acknowledgements of handshake frames, one of the message, two frames.
    let bucket = shared.bucket(&agent);
    bucket.charge(8.0);
    shared.open_to_first.lock().unwrap().push(to_first);
    shared.mark_opened(true);
    shared.wait_go();
    let own = Bucket::new();
    let mut rtts = Vec::with_capacity(messages);
    let mut dummy = None;
    for m in 1..=messages {
        // The agent's connection acknowledges the message and sends the echo; ours sends the
        // message and acknowledges the echo.
        bucket.take(2.0);
        own.take(2.0);
        let text = format!("s{i} m{m}");
        let t = Instant::now();
        if let Err(e) = s.send_text(&text) {
            shared.error(format!("session {i}: send: {e}"));
            return;
        }
        match next_message(&s, &mut dummy, Instant::now() + STEP) {
            Ok(got) if got == format!("echo {text}") => rtts.push(t.elapsed()),
            Ok(got) => {
                shared.error(format!(
                    "session {i}: expected the echo of {text:?}, got {got:?}"
                ));
                return;
            }
            Err(e) => {
                shared.error(format!("session {i}, message {m}: {e}"));
                return;
            }
        }
    }
    shared.rtts.lock().unwrap().extend(rtts);
    // Close: the agent's app acknowledges the close and the employee's checkpoint and sends its
    // own checkpoint.
    bucket.take(4.0);
    if let Err(e) = close_session(&s, shared) {
        shared.error(format!("session {i}: {e}"));
    }
    s.stop();
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn wait_agents(connected: &(Mutex<usize>, Condvar), n: usize) {
    let (m, cv) = connected;
    let mut c = m.lock().unwrap();
    let until = Instant::now() + STEP;
    while *c < n {
        let left = until.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "only {} of {n} agents connected", *c);
        c = cv.wait_timeout(c, left).unwrap().0;
    }
    drop(c);
    // Presence reaches the desk after the connection.
    std::thread::sleep(Duration::from_millis(500));
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sessions = env_usize("SUPPORT_SESSIONS", if full { 10 } else { 2 });
    let agents = env_usize("SUPPORT_AGENTS", if full { 2 } else { 1 });
    let messages = env_usize("SUPPORT_MESSAGES", if full { 10 } else { 3 });
    let reps = env_usize("SUPPORT_SINGLE_REPS", if full { 10 } else { 2 });
    // Each open costs its agent's connection about 8 messages: a quarter of a session a second
    // per agent keeps them at 2 of the 5 a second the desk allows.
    let open_rate = env_f64("SUPPORT_OPEN_RATE", 0.25 * agents as f64);
    assert!(
        agents > 0 && sessions <= agents * 10,
        "capacity 10 per agent: more agents"
    );

    let work = tempfile::tempdir().unwrap();
    let desk_dir = work.path().join("desk");
    admin::init_org(
        &desk_dir,
        "Acme HK",
        None,
        KdfParams::INSECURE_FOR_TESTS,
        &SystemClock,
    )
    .unwrap();
    let (_, recipient) = verity_support::audit_keygen();
    verity_desk::SqliteStore::open(&desk_dir)
        .unwrap()
        .set_audit_recipient(Some(&recipient), SystemClock.now())
        .unwrap();
    let (_, fingerprint) = admin::org_show(&desk_dir).unwrap();
    let mut desk = DeskProcess::start(&desk_dir);
    let org = Arc::new(Org {
        dir: desk_dir,
        url: desk.url.clone(),
        fingerprint,
    });
    println!(
        "support_load: {sessions} sessions, {agents} agents, {messages} messages each, {reps} single-session repetitions; load average {}",
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );

    let t = Instant::now();
    let single_emps = enroll_employees(&org, work.path(), 0, reps);
    let load_emps = enroll_employees(&org, work.path(), reps, sessions);
    for a in 0..=agents {
        org.agent(work.path().join(format!("agent{a}")), a);
    }
    println!(
        "enrolled {} employees and {} agents in {:.1} s",
        reps + sessions,
        agents + 1,
        t.elapsed().as_secs_f64()
    );
    let shared = Arc::new(Shared::default());

    // 1. One agent waiting, one session at a time.
    let connected = Arc::new((Mutex::new(0), Condvar::new()));
    let single_agent = start_agent(
        work.path().join("agent0"),
        shared.clone(),
        connected.clone(),
    );
    wait_agents(&connected, 1);
    let mut single = Vec::new();
    for (i, emp) in single_emps.iter().enumerate() {
        match open_session(emp, &format!("single {i}")) {
            Ok((s, d, _)) => {
                single.push(d);
                if let Err(e) = close_session(&s, &shared) {
                    shared.error(format!("single {i}: {e}"));
                }
                s.stop();
            }
            Err(e) => shared.error(format!("single {i}: {e}")),
        }
        // About 11 messages on the agent's connection per session: let its bucket refill.
        std::thread::sleep(Duration::from_millis(2500));
    }
    single_agent.stop.store(true, Ordering::Relaxed);
    single_agent.thread.join().unwrap();
    single.sort();
    *shared.closed.lock().unwrap() = 0;
    *shared.transcripts.lock().unwrap() = 0;
    std::thread::sleep(Duration::from_secs(2));

    // 2. Load.
    let (rss_before, _) = desk.memory_kib();
    let cpu_before = desk.cpu_secs();
    let load_start = Instant::now();
    let connected = Arc::new((Mutex::new(0), Condvar::new()));
    let workers: Vec<AgentWorker> = (1..=agents)
        .map(|a| {
            start_agent(
                work.path().join(format!("agent{a}")),
                shared.clone(),
                connected.clone(),
            )
        })
        .collect();
    wait_agents(&connected, agents);
    let gap = Duration::from_secs_f64(1.0 / open_rate);
    let opening = Instant::now();
    let mut employees = Vec::new();
    for (i, emp) in load_emps.into_iter().enumerate() {
        let sh = shared.clone();
        employees.push(std::thread::spawn(move || {
            employee_load(&emp, i, messages, &sh);
        }));
        std::thread::sleep(gap);
    }
    {
        let mut o = shared.opened.lock().unwrap();
        while o.0 + o.1 < sessions {
            o = shared.opened_cv.wait(o).unwrap();
        }
    }
    let open_secs = opening.elapsed().as_secs_f64();
    let (rss_open, _) = desk.memory_kib();
    let messaging = Instant::now();
    shared.release();
    for e in employees {
        e.join().unwrap();
    }
    let load_wall = messaging.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_secs(2));
    for w in &workers {
        w.stop.store(true, Ordering::Relaxed);
    }
    for w in workers {
        w.thread.join().unwrap();
    }
    std::thread::sleep(Duration::from_secs(1));
    let cpu = desk.cpu_secs() - cpu_before;
    let wall = load_start.elapsed().as_secs_f64();
    let (rss_after, hwm) = desk.memory_kib();
    let alive = desk.alive();

    let mut rtts = shared.rtts.lock().unwrap().clone();
    rtts.sort();
    let mut first = shared.open_to_first.lock().unwrap().clone();
    first.sort();
    let opened = shared.opened.lock().unwrap().0;
    let closed = *shared.closed.lock().unwrap();
    let transcripts = *shared.transcripts.lock().unwrap();
    println!();
    println!("| Figure | Value |");
    println!("|---|---|");
    println!("| sessions opened / closed / transcripts | {opened} / {closed} / {transcripts} of {sessions} |");
    println!("| agents (capacity 10) | {agents} |");
    println!(
        "| single session, open → agent's first message p50 / p99 ({} runs) | {} / {} |",
        single.len(),
        ms(pct(&single, 50.0)),
        ms(pct(&single, 99.0))
    );
    println!(
        "| under load, open → agent's first message p50 / p99 / max | {} / {} / {} |",
        ms(pct(&first, 50.0)),
        ms(pct(&first, 99.0)),
        ms(first.last().copied().unwrap_or_default())
    );
    println!("| opening all sessions (at {open_rate}/s) | {open_secs:.1} s |");
    println!(
        "| round trip p50 / p99 / max ({} messages) | {} / {} / {} |",
        rtts.len(),
        ms(pct(&rtts, 50.0)),
        ms(pct(&rtts, 99.0)),
        ms(rtts.last().copied().unwrap_or_default())
    );
    println!(
        "| messages relayed a second while chatting (2 per round trip) | {:.1} |",
        2.0 * rtts.len() as f64 / load_wall
    );
    println!(
        "| desk CPU over the load phase | {cpu:.2} s in {wall:.1} s ({:.1} % of one core) |",
        100.0 * cpu / wall
    );
    println!(
        "| desk RSS before / all open / peak (VmHWM) / after | {:.1} / {:.1} / {:.1} / {:.1} MiB |",
        rss_before as f64 / 1024.0,
        rss_open as f64 / 1024.0,
        hwm as f64 / 1024.0,
        rss_after as f64 / 1024.0
    );
    println!(
        "| desk memory per open session | {:.1} KiB |",
        rss_open.saturating_sub(rss_before) as f64 / sessions.max(1) as f64
    );
    println!(
        "| load average after | {} |",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );

    let mut errors = shared.errors.lock().unwrap().clone();
    if !alive {
        errors.push("the desk died".into());
    }
    if opened != sessions {
        errors.push(format!("{} of {sessions} sessions opened", opened));
    }
    if rtts.len() != sessions * messages {
        errors.push(format!(
            "{} of {} round trips completed",
            rtts.len(),
            sessions * messages
        ));
    }
    if single.len() != reps {
        errors.push(format!("{} of {reps} single sessions opened", single.len()));
    }
    if !errors.is_empty() {
        eprintln!("support_load FAILED: {} errors", errors.len());
        for e in errors.iter().take(20) {
            eprintln!("  {e}");
        }
        std::process::exit(1);
    }
}
