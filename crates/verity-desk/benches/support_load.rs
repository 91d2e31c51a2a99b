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
//!
//! Several desks (issue 17 §5): `SUPPORT_DATABASE=postgres` puts the desk on a throwaway
//! PostgreSQL cluster (`tests/support/pg_cluster.rs`; without PostgreSQL's binaries the bench says
//! so and exits 0) and `SUPPORT_INSTANCES=N` (1 by default) starts N `serve` processes on it, each
//! with a copy of the organisation's key files and its own port. Each app is enrolled through the
//! desk it will use (its state keeps that desk's URL): load agent a on desk (a − 1) % N, load
//! employee i on desk i % N. The agents of desk g speak one language of their own, and employee i
//! asks for the language of desk (i + 1) % N, so that its agent is always on another desk than its
//! own and every message crosses between desks (`SUPPORT_CROSS=0`: the language of its own desk,
//! both ends on one desk). The single sessions: agent 0 on desk 0, the employees on desk 1. On
//! PostgreSQL it also reports the cluster's CPU time and the size of the support tables
//! (`pg_total_relation_size`) and of the database before and after the load phase, per 1,000
//! sessions. The size: `SUPPORT_DATABASE=postgres SUPPORT_INSTANCES=3 SUPPORT_SESSIONS=1000
//! SUPPORT_AGENTS=102 cargo bench -p verity-desk --bench support_load`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark fails loudly

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/support/pg_cluster.rs"]
mod pg_cluster;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use verity_desk::admin;
use verity_device::proto::{AgentProfile, AgentRole, SupportCategory};
use verity_device::{Clock, DeviceContext, KdfParams, KeyStoreChoice, SystemClock};
use verity_flows::support::{
    agent_connect, open, AgentEvent, EmployeeSession, OpenParams, SessionEvent,
};
use zeroize::Zeroizing;

use common::{
    cluster_cpu_secs, copy_data_dir, database_size, env_f64, env_usize, loadavg, mib, ms,
    own_cpu_secs, pct, tables_size, DeskProcess,
};

const PASSPHRASE: &[u8] = b"a bench passphrase, long enough";
/// How long a step may take before the bench calls it lost.
const STEP: Duration = Duration::from_secs(60);

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

/// An organisation: its data directory and database, its desks' URLs, and the enrolment of
/// apps (each through the desk it will use: its state keeps that desk's URL).
struct Org {
    dir: PathBuf,
    database: Option<String>,
    urls: Vec<String>,
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

/// The language of the agents on desk `g`: with several desks, an employee asks the language of
/// the desk its agent should be on (the desk offers a session only to an agent who speaks it).
fn language_of(g: usize) -> &'static str {
    verity_device::proto::AGENT_LANGUAGES[g % verity_device::proto::AGENT_LANGUAGES.len()]
}

impl Org {
    fn at(&self) -> admin::DeskLocation<'_> {
        admin::DeskLocation {
            data: &self.dir,
            database: self.database.as_deref(),
        }
    }

    /// Enrols an employee's app in `dir` through desk `desk`; its TOTP secret.
    fn employee(&self, dir: PathBuf, n: usize, desk: usize) -> Vec<u8> {
        let (code, _) = admin::create_enroll_code(
            &self.at(),
            None,
            &format!("e{n:04}"),
            &format!("Employee {n}"),
            3600,
            &SystemClock,
        )
        .unwrap();
        let ctx = context(dir);
        let e =
            verity_flows::device::enroll(&ctx, &self.urls[desk], &code, &self.fingerprint).unwrap();
        let secret = e.totp.as_ref().expect("a TOTP set-up").secret.clone();
        data_encoding::BASE32_NOPAD
            .decode(secret.as_bytes())
            .unwrap()
    }

    /// Enrols agent `n`'s app in `dir` through desk `desk` (Hong Kong, capacity 10, speaking
    /// `language`).
    fn agent(&self, dir: PathBuf, n: usize, desk: usize, language: &str) {
        let profile = AgentProfile {
            name: format!("Agent {n:02}"),
            role: AgentRole::Agent,
            team: "Bench".into(),
            languages: vec![language.into()],
            regions: vec!["HK".into()],
            skills: vec![],
            capacity: 10,
        };
        let (code, _) =
            admin::create_agent_code(&self.at(), None, &profile, 3600, &SystemClock).unwrap();
        let ctx = context(dir);
        verity_flows::device::enroll_agent(&ctx, &self.urls[desk], &code, &self.fingerprint)
            .unwrap();
    }
}

struct Employee {
    dir: PathBuf,
    secret: Vec<u8>,
    /// The language the employee asks for (which agents are offered the session).
    language: &'static str,
}

/// Enrols `count` employees (two threads: the desk signs one at a time anyway); employee i
/// through desk `place(i).0`, asking `place(i).1`.
fn enroll_employees(
    org: &Arc<Org>,
    root: &Path,
    from: usize,
    count: usize,
    place: impl Fn(usize) -> (usize, &'static str),
) -> Vec<Employee> {
    let chunks: Vec<Vec<(usize, usize, &'static str)>> = (0..2)
        .map(|t| {
            (from..from + count)
                .filter(|i| i % 2 == t)
                .map(|i| {
                    let (desk, language) = place(i);
                    (i, desk, language)
                })
                .collect()
        })
        .collect();
    let handles: Vec<JoinHandle<Vec<(usize, Employee)>>> = chunks
        .into_iter()
        .map(|ids| {
            let (org, root) = (org.clone(), root.to_path_buf());
            std::thread::spawn(move || {
                ids.into_iter()
                    .map(|(i, desk, language)| {
                        let dir = root.join(format!("emp{i}"));
                        let secret = org.employee(dir.clone(), i, desk);
                        (
                            i,
                            Employee {
                                dir,
                                secret,
                                language,
                            },
                        )
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
            language: emp.language.into(),
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

/// The support tables (their rows, indexes and TOAST) for the size per 1,000 sessions.
const SUPPORT_TABLES: &[&str] = &[
    "support_sessions",
    "support_frames",
    "support_acks",
    "support_presence",
    "support_declines",
    "support_transcripts",
    "support_alerts",
];

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sessions = env_usize("SUPPORT_SESSIONS", if full { 10 } else { 2 });
    let agents = env_usize("SUPPORT_AGENTS", if full { 2 } else { 1 });
    let messages = env_usize("SUPPORT_MESSAGES", if full { 10 } else { 3 });
    let reps = env_usize("SUPPORT_SINGLE_REPS", if full { 10 } else { 2 });
    let instances = env_usize("SUPPORT_INSTANCES", 1);
    let on_postgres = match std::env::var("SUPPORT_DATABASE").as_deref() {
        Err(_) | Ok("" | "sqlite") => false,
        Ok("postgres") => true,
        Ok(other) => panic!("SUPPORT_DATABASE={other}: give postgres, sqlite or nothing"),
    };
    // With several desks, an employee's agent is on another desk than the employee's (the
    // relay between them is the desks' fan-out); SUPPORT_CROSS=0 keeps both on one desk.
    let cross = instances > 1 && env_usize("SUPPORT_CROSS", 1) == 1;
    // Each open costs its agent's connection about 8 messages: a quarter of a session a second
    // per agent keeps them at 2 of the 5 a second the desk allows.
    let open_rate = env_f64("SUPPORT_OPEN_RATE", 0.25 * agents as f64);
    assert!(
        instances > 0 && (instances == 1 || on_postgres),
        "several desks share a PostgreSQL database: SUPPORT_DATABASE=postgres"
    );
    // Load agent a (1-based) is on desk (a - 1) % instances and speaks that desk's language;
    // load employee i is on desk i % instances and asks the language of the next desk (cross)
    // or of its own.
    let agent_desk = |a: usize| (a - 1) % instances;
    let shift = usize::from(cross);
    let place_load = move |i: usize| {
        let desk = (i - reps) % instances;
        (desk, language_of((desk + shift) % instances))
    };
    for g in 0..instances {
        let agents_here = (1..=agents).filter(|a| agent_desk(*a) == g).count();
        let sessions_here = (reps..reps + sessions)
            .filter(|i| place_load(*i).1 == language_of(g))
            .count();
        assert!(
            sessions_here <= agents_here * 10,
            "capacity 10 per agent: more agents ({sessions_here} sessions for the {agents_here} agents of desk {g})"
        );
    }

    if on_postgres {
        if let Err(why) = pg_cluster::bin_dir() {
            println!("support_load: skipped, no PostgreSQL: {why}");
            return;
        }
    }
    let cluster = on_postgres.then(|| {
        pg_cluster::Cluster::start()
            .unwrap_or_else(|e| panic!("cannot start a PostgreSQL cluster: {e}"))
    });
    let database = cluster.as_ref().map(pg_cluster::Cluster::database);
    let postmaster = cluster
        .as_ref()
        .and_then(pg_cluster::Cluster::postmaster_pid);
    let work = tempfile::tempdir().unwrap();
    let desk_dir = work.path().join("desk");
    let at = admin::DeskLocation {
        data: &desk_dir,
        database: database.as_deref(),
    };
    admin::init_org(
        &at,
        "Acme HK",
        None,
        KdfParams::INSECURE_FOR_TESTS,
        &SystemClock,
    )
    .unwrap();
    let (_, recipient) = verity_support::audit_keygen();
    admin::open_store(&at)
        .unwrap()
        .set_audit_recipient(Some(&recipient), SystemClock.now())
        .unwrap();
    let (_, fingerprint) = admin::org_show(&at).unwrap();
    // The desk's default log level (`info`: a line per request), as deployed.
    let mut desks: Vec<DeskProcess> = (0..instances)
        .map(|g| {
            let dir = if g == 0 {
                desk_dir.clone()
            } else {
                let d = work.path().join(format!("desk{g}"));
                copy_data_dir(&desk_dir, &d);
                d
            };
            DeskProcess::start(&dir, database.as_deref(), "info")
        })
        .collect();
    let org = Arc::new(Org {
        dir: desk_dir.clone(),
        database: database.clone(),
        urls: desks.iter().map(|d| d.url.clone()).collect(),
        fingerprint,
    });
    println!(
        "support_load: {sessions} sessions, {agents} agents, {messages} messages each, {reps} single-session repetitions; {instances} desk(s) on {}{}; load average {}",
        if on_postgres { "PostgreSQL" } else { "SQLite" },
        if cross { ", each employee's agent on another desk" } else { "" },
        loadavg()
    );

    let t = Instant::now();
    // The single sessions: agent 0 on desk 0, the employees on desk 1 when crossing.
    let single_emps = enroll_employees(&org, work.path(), 0, reps, |_| (shift, language_of(0)));
    let load_emps = enroll_employees(&org, work.path(), reps, sessions, place_load);
    org.agent(work.path().join("agent0"), 0, 0, language_of(0));
    for a in 1..=agents {
        org.agent(
            work.path().join(format!("agent{a}")),
            a,
            agent_desk(a),
            language_of(agent_desk(a)),
        );
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
    let rss = |desks: &[DeskProcess]| -> (u64, u64) {
        desks
            .iter()
            .map(DeskProcess::memory_kib)
            .fold((0, 0), |a, m| (a.0 + m.0, a.1 + m.1))
    };
    let cpu = |desks: &[DeskProcess]| -> f64 { desks.iter().map(DeskProcess::cpu_secs).sum() };
    let sizes = |url: &str| (database_size(url), tables_size(url, SUPPORT_TABLES));
    let size_before = database.as_deref().map(sizes);
    let (rss_before, _) = rss(&desks);
    let cpu_before = cpu(&desks);
    let pg_cpu_before = postmaster.map_or(0.0, cluster_cpu_secs);
    let bench_cpu_before = own_cpu_secs();
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
    let (rss_open, _) = rss(&desks);
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
    let cpu_used = cpu(&desks) - cpu_before;
    let pg_cpu = postmaster.map_or(0.0, cluster_cpu_secs) - pg_cpu_before;
    let bench_cpu = own_cpu_secs() - bench_cpu_before;
    let wall = load_start.elapsed().as_secs_f64();
    let (rss_after, hwm) = rss(&desks);
    let size_after = database.as_deref().map(sizes);
    let alive = desks.iter_mut().all(DeskProcess::alive);

    let mut rtts = shared.rtts.lock().unwrap().clone();
    rtts.sort();
    let mut first = shared.open_to_first.lock().unwrap().clone();
    first.sort();
    let opened = shared.opened.lock().unwrap().0;
    let closed = *shared.closed.lock().unwrap();
    let transcripts = *shared.transcripts.lock().unwrap();
    let desks_word = if instances == 1 {
        "desk"
    } else {
        "desks (summed)"
    };
    println!();
    println!("| Figure | Value |");
    println!("|---|---|");
    println!("| sessions opened / closed / transcripts | {opened} / {closed} / {transcripts} of {sessions} |");
    println!("| agents (capacity 10) | {agents} |");
    println!(
        "| desks; database | {instances}{}; {} |",
        if cross {
            ", each employee's agent on another desk"
        } else {
            ""
        },
        if on_postgres { "PostgreSQL" } else { "SQLite" }
    );
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
        "| {desks_word} CPU over the load phase | {cpu_used:.2} s in {wall:.1} s ({:.1} % of one core) |",
        100.0 * cpu_used / wall
    );
    if on_postgres {
        println!(
            "| PostgreSQL CPU over the load phase | {pg_cpu:.2} s ({:.1} % of one core) |",
            100.0 * pg_cpu / wall
        );
    }
    println!(
        "| bench CPU (all the apps) over the load phase | {bench_cpu:.2} s ({:.1} % of one core) |",
        100.0 * bench_cpu / wall
    );
    println!(
        "| {desks_word} RSS before / all open / peak (VmHWM) / after | {:.1} / {:.1} / {:.1} / {:.1} MiB |",
        rss_before as f64 / 1024.0,
        rss_open as f64 / 1024.0,
        hwm as f64 / 1024.0,
        rss_after as f64 / 1024.0
    );
    println!(
        "| desk memory per open session | {:.1} KiB |",
        rss_open.saturating_sub(rss_before) as f64 / sessions.max(1) as f64
    );
    if let (Some((db0, t0)), Some((db1, t1))) = (size_before, size_after) {
        let per_1000 = |d: i64| mib(d * 1000 / sessions.max(1) as i64);
        println!(
            "| support tables before / after the load phase; per 1,000 sessions | {} / {}; {} |",
            mib(t0),
            mib(t1),
            per_1000(t1 - t0)
        );
        println!(
            "| database before / after the load phase; per 1,000 sessions | {} / {}; {} |",
            mib(db0),
            mib(db1),
            per_1000(db1 - db0)
        );
    }
    println!("| load average after | {} |", loadavg());

    let mut errors = shared.errors.lock().unwrap().clone();
    if !alive {
        errors.push("a desk died".into());
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
        // `exit` runs no destructors: stop the desks and the cluster, remove the files.
        drop(desks);
        drop(cluster);
        drop(work);
        eprintln!("support_load FAILED: {} errors", errors.len());
        for e in errors.iter().take(20) {
            eprintln!("  {e}");
        }
        std::process::exit(1);
    }
}
