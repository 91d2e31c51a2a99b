//! Support sessions at issue 17 §5's size (1,000 at once over 3 desks) with light clients, so
//! that what is measured is the desks, not the apps: message latency on loopback, one way,
//! p50/p99/max in both directions.
//!
//! `support_load` drives real apps (the flows' drivers, a thread or two per app, Noise): at
//! 1,000 sessions its ~2,800 threads took the CPU from the desks on this 2-core machine. Here the
//! message phase runs on one tokio runtime of `WIRE_CLIENT_THREADS` (2) threads holding every
//! employee's and agent's WebSocket.
//!
//! What is real: the desks (`verity-desk serve` processes, the built binary, on one throwaway
//! PostgreSQL cluster, as `support_load` with `SUPPORT_DATABASE=postgres`), every request and
//! message they get and their order: enrolment on the wire (`POST /v1/enroll` + `POST
//! /v1/totp/setup`, `POST /v1/agent/enroll`, signed by fresh device keys, as `scale` does),
//! `POST /v1/support/open` signed with a right TOTP code, the signed WebSocket upgrade, the
//! protocol's controls (`Presence`, `Heartbeat` every 15 s, `Offer` → `Accept`, `Join` with a
//! cursor, `Ack` of every frame received, `Close`) and its frames (`Frame` in CBOR: the XX
//! handshake's three frames, then transport frames with dense sequence numbers), every frame
//! stored by a desk before it is relayed, the other desk told through LISTEN/NOTIFY. What is not:
//! the frames' bodies are dummy bytes of about the real ciphertext's size (32, 800 and 700 bytes
//! for the handshake, 160 for a chat message) — the desk stores and relays ciphertext it cannot
//! read, so its work per message is the same —, no Noise, no checkpoint messages, no sealed
//! transcript uploaded at close, no device data directory; a transport frame's body starts with
//! its send time on this process's clock, which is how the receiver measures the latency.
//!
//! The run: `WIRE_INSTANCES` desks (3); `WIRE_AGENTS` agents (default: enough for
//! `WIRE_CAPACITY`, 10, sessions each) on desk a % N, each speaking its desk's language;
//! `WIRE_SESSIONS` employees, employee i on desk i % N asking for the language of desk
//! (i + 1) % N, so that its agent is on another desk and every frame crosses between desks
//! (`WIRE_CROSS=0`: its own desk's language). Sessions open at `WIRE_OPEN_RATE` a second (20)
//! from 4 threads (open → the handshake's last frame sent is reported, not the point). Once all
//! are open, each employee sends `WIRE_MESSAGES` (10) messages at `WIRE_RATE` (0.1) a second,
//! the sessions' schedules spread evenly over the first period; the agent acknowledges each and
//! answers it at once (its answer is the other direction's message); after the employee has
//! acknowledged the last answer the agent closes the session. Latency = the frame written on the
//! sender's socket → read on the receiver's (through desk A, PostgreSQL, desk B's listener).
//!
//! The desks' rate limit (5 messages a second per connection, burst 20, acknowledgements and
//! controls included) is kept out of the measure: every connection's sends go through a bucket of
//! 4 a second, burst 12; a send the bucket holds back waits in the client (counted and reported;
//! the latency is measured from the write). An agent's connection carries 2 messages per
//! employee message (the acknowledgement and the answer): capacity × rate × 2 must stay under 4.
//! Any refusal (`Control::Error`, `rate_limited` included; an `Accept` answered `already_taken` is
//! routing, counted apart), a connection closed (this client does not reconnect after a 4000
//! "resync", the apps do), a message lost, out of order or a different frame at a held place, a
//! session not closed, a desk dying: the bench exits non-zero. A frame received again (a `Join`
//! that crossed the relay) is acknowledged again and not counted twice, as the apps do.
//!
//! Reported: latency both ways, the desks' CPU (`/proc`) and RSS, PostgreSQL's CPU (postmaster,
//! backends), this process's CPU (all the clients), load average, the database's size per 1,000
//! sessions; with `WIRE_PG_STATEMENTS=1`, the 25 statements that took PostgreSQL's time
//! (pg_stat_statements, planning counted). `cargo bench -p verity-desk --bench support_wire` (100 sessions); the issue's size:
//! `WIRE_SESSIONS=1000 cargo bench -p verity-desk --bench support_wire`. Run by `cargo test
//! --benches` (no `--bench` flag) it is a smoke run (6 sessions, 3 messages at 0.5 a second).
//! Without PostgreSQL's binaries it says so and exits 0.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark fails loudly

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/support/pg_cluster.rs"]
mod pg_cluster;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use ed25519_dalek::SigningKey;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use verity_desk::admin;
use verity_device::client::{ClientOptions, DeskClient};
use verity_device::proto::{
    self, codes, paths, AgentEnrollResponse, AgentProfile, AgentRole, Certificate, Control, Cursor,
    DeviceFacts, Direction, EnrollRequest, EnrollResponse, Frame, FrameKind, OpenAnswer,
    OpenRequest, Outcome, RegionSignals, SignalsRequest, SupportCategory, TotpSetupResponse,
    MAX_WS_MESSAGE,
};
use verity_device::{Clock, SystemClock};

use common::{
    cluster_cpu_secs, copy_data_dir, database_size, env_f64, env_usize, issue_codes, loadavg, mib,
    ms, own_cpu_secs, pct, tables_size, DeskProcess,
};

/// The client's bucket per connection: under the desk's 5 a second, burst 20.
const CLIENT_RATE: f64 = 4.0;
const CLIENT_BURST: f64 = 12.0;
/// Body sizes, about those of the real frames (Noise XX with certificates in the payloads).
const HS_LEN: [usize; 3] = [32, 800, 700];
const TX_LEN: usize = 160;
/// How long a phase may take before the bench gives up.
const PHASE: Duration = Duration::from_secs(300);

/// The support tables (their rows, indexes and TOAST), as `support_load` sums them.
const SUPPORT_TABLES: &[&str] = &[
    "support_sessions",
    "support_frames",
    "support_acks",
    "support_presence",
    "support_declines",
    "support_transcripts",
    "support_alerts",
];

fn epoch() -> std::time::Instant {
    static EPOCH: OnceLock<std::time::Instant> = OnceLock::new();
    *EPOCH.get_or_init(std::time::Instant::now)
}

/// Nanoseconds since the bench's epoch.
fn now_ns() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap()
}

fn signals() -> RegionSignals {
    RegionSignals {
        timezone: Some("Asia/Hong_Kong".into()),
        locale: Some("en-HK".into()),
    }
}

fn language_of(g: usize) -> &'static str {
    proto::AGENT_LANGUAGES[g % proto::AGENT_LANGUAGES.len()]
}

/// A party's key and certificate, and the desk it uses.
#[derive(Clone)]
struct Party {
    key: SigningKey,
    cert: String,
    desk: usize,
}

struct Employee {
    party: Party,
    totp_secret: Vec<u8>,
    language: &'static str,
}

fn facts() -> DeviceFacts {
    DeviceFacts {
        hostname: "bench-host".into(),
        os: "linux x86_64".into(),
        app_version: "0.1.0".into(),
    }
}

/// An employee's enrolment on the wire, as the device library does it, kept in memory.
fn enroll_employee(client: &DeskClient, code: &str, desk: usize) -> (Party, Vec<u8>) {
    let key = proto::generate_signing_key().unwrap();
    let req = EnrollRequest {
        code: code.to_owned(),
        device_key: proto::b64(key.verifying_key().as_bytes()),
        facts: facts(),
        signals: signals(),
    };
    let resp: EnrollResponse = client
        .call(paths::ENROLL, &req, &key, None, &SystemClock)
        .unwrap();
    let cert = Certificate::verify(
        &resp.certificate,
        &client.org_key().unwrap(),
        Some(SystemClock.now()),
    )
    .unwrap();
    assert_eq!(cert.device_key(), &key.verifying_key());
    let totp: TotpSetupResponse = client
        .call(
            paths::TOTP_SETUP,
            &SignalsRequest { signals: signals() },
            &key,
            Some(cert.token()),
            &SystemClock,
        )
        .unwrap();
    let secret = data_encoding::BASE32_NOPAD
        .decode(totp.secret.as_bytes())
        .unwrap();
    (
        Party {
            key,
            cert: cert.token().to_owned(),
            desk,
        },
        secret,
    )
}

/// An agent's enrolment on the wire (`POST /v1/agent/enroll` with the code IT issued).
fn enroll_agent(
    at: &admin::DeskLocation<'_>,
    client: &DeskClient,
    n: usize,
    desk: usize,
    capacity: u32,
) -> Party {
    let profile = AgentProfile {
        name: format!("Agent {n:03}"),
        role: AgentRole::Agent,
        team: "Bench".into(),
        languages: vec![language_of(desk).into()],
        regions: vec!["HK".into()],
        skills: vec![],
        capacity,
    };
    let (code, _) = admin::create_agent_code(at, None, &profile, 3600, &SystemClock).unwrap();
    let key = proto::generate_signing_key().unwrap();
    let req = EnrollRequest {
        code: code.to_string(),
        device_key: proto::b64(key.verifying_key().as_bytes()),
        facts: facts(),
        signals: signals(),
    };
    let resp: AgentEnrollResponse = client
        .call(paths::AGENT_ENROLL, &req, &key, None, &SystemClock)
        .unwrap();
    Party {
        key,
        cert: resp.certificate,
        desk,
    }
}

/// What every task reports to.
#[derive(Default)]
struct Shared {
    errors: Mutex<Vec<String>>,
    /// Refusals by code (`Control::Error` received).
    refusals: Mutex<BTreeMap<String, usize>>,
    e2a: Mutex<Vec<Duration>>,
    a2e: Mutex<Vec<Duration>>,
    /// Open (the HTTP request sent) → the handshake's last frame sent.
    open_to_ready: Mutex<Vec<Duration>>,
    ready: AtomicUsize,
    agents_online: AtomicUsize,
    closed_employee: AtomicUsize,
    closed_agent: AtomicUsize,
    /// Sends the client's bucket held back, and the longest wait.
    held: AtomicUsize,
    held_max_us: std::sync::atomic::AtomicU64,
    frames_sent: AtomicUsize,
    controls_sent: AtomicUsize,
    /// Frames received again (a replay after a `Join`), acknowledged again and not shown.
    redelivered: AtomicUsize,
    /// Accepts answered `already_taken` (the offer had lapsed or gone to another agent).
    offers_lost: AtomicUsize,
}

impl Shared {
    fn error(&self, e: String) {
        eprintln!("ERROR: {e}");
        self.errors.lock().unwrap().push(e);
    }

    fn refused(&self, code: &str, session: Option<&str>, message: &str) {
        *self
            .refusals
            .lock()
            .unwrap()
            .entry(code.to_owned())
            .or_default() += 1;
        self.error(format!("refused: {code} ({message}; session {session:?})"));
    }
}

/// Something to send, built when it is written (a transport frame carries its write time).
enum Pending {
    Ctl(Control),
    Frame {
        sid: String,
        dir: Direction,
        kind: FrameKind,
        seq: u64,
    },
}

type Ws = WebSocketStream<TcpStream>;

/// A connection: its socket, and its sends paced by a bucket under the desk's.
struct Conn {
    ws: Ws,
    queue: VecDeque<(Instant, Pending)>,
    tokens: f64,
    at: Instant,
    shared: Arc<Shared>,
}

async fn connect(url: &str, p: &Party, shared: &Arc<Shared>) -> Result<Conn, String> {
    let origin = proto::origin_of(&url::Url::parse(url).unwrap());
    let auth = proto::sign_request(
        &p.key,
        &origin,
        "GET",
        paths::SUPPORT_WS,
        b"",
        SystemClock.now(),
        Some(&p.cert),
    )
    .unwrap();
    let addr = url.trim_start_matches("http://");
    let mut req = format!("ws://{addr}{}", paths::SUPPORT_WS)
        .into_client_request()
        .unwrap();
    let h = req.headers_mut();
    h.insert(
        proto::H_TIMESTAMP,
        auth.timestamp.to_string().parse().unwrap(),
    );
    h.insert(proto::H_NONCE, auth.nonce.parse().unwrap());
    h.insert(proto::H_SIGNATURE, auth.signature.parse().unwrap());
    h.insert(proto::H_CERTIFICATE, p.cert.parse().unwrap());
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let config = WebSocketConfig::default()
        .max_message_size(Some(4 * MAX_WS_MESSAGE))
        .max_frame_size(Some(4 * MAX_WS_MESSAGE));
    let (ws, _) = tokio_tungstenite::client_async_with_config(req, stream, Some(config))
        .await
        .map_err(|e| format!("upgrade: {e}"))?;
    Ok(Conn {
        ws,
        queue: VecDeque::new(),
        tokens: CLIENT_BURST,
        at: Instant::now(),
        shared: shared.clone(),
    })
}

/// What a received message is.
enum In {
    Ctl(Control),
    Frame(Frame),
    Closed(String),
}

impl Conn {
    fn push(&mut self, p: Pending) {
        self.queue.push_back((Instant::now(), p));
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * CLIENT_RATE).min(CLIENT_BURST);
        self.at = now;
    }

    /// When the next queued send may go (`None`: nothing queued).
    fn send_at(&self) -> Option<Instant> {
        self.queue.front()?;
        let tokens = (self.tokens
            + Instant::now()
                .saturating_duration_since(self.at)
                .as_secs_f64()
                * CLIENT_RATE)
            .min(CLIENT_BURST);
        Some(if tokens >= 1.0 {
            Instant::now()
        } else {
            Instant::now() + Duration::from_secs_f64((1.0 - tokens) / CLIENT_RATE)
        })
    }

    /// Sends what the bucket allows now.
    async fn flush(&mut self) -> Result<(), String> {
        loop {
            let now = Instant::now();
            self.refill(now);
            if self.queue.is_empty() || self.tokens < 1.0 {
                return Ok(());
            }
            let (queued, p) = self.queue.pop_front().unwrap();
            self.tokens -= 1.0;
            let waited = now.saturating_duration_since(queued);
            if waited > Duration::from_millis(5) {
                self.shared.held.fetch_add(1, Ordering::Relaxed);
                self.shared.held_max_us.fetch_max(
                    u64::try_from(waited.as_micros()).unwrap(),
                    Ordering::Relaxed,
                );
            }
            let msg = match p {
                Pending::Ctl(c) => {
                    self.shared.controls_sent.fetch_add(1, Ordering::Relaxed);
                    Message::text(serde_json::to_string(&c).unwrap())
                }
                Pending::Frame {
                    sid,
                    dir,
                    kind,
                    seq,
                } => {
                    self.shared.frames_sent.fetch_add(1, Ordering::Relaxed);
                    let body = match kind {
                        FrameKind::Hs => vec![0x5a; HS_LEN[usize::try_from(seq).unwrap()]],
                        FrameKind::Tx => {
                            let mut b = Vec::with_capacity(TX_LEN);
                            b.extend_from_slice(&now_ns().to_be_bytes());
                            b.extend_from_slice(&seq.to_be_bytes());
                            b.resize(TX_LEN, 0xa5);
                            b
                        }
                    };
                    let f = Frame {
                        v: 1,
                        session_id: sid,
                        leg: 1,
                        dir,
                        kind,
                        seq,
                        body,
                    };
                    Message::binary(f.to_cbor().unwrap())
                }
            };
            self.ws.send(msg).await.map_err(|e| format!("send: {e}"))?;
        }
    }

    fn read(m: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>) -> Option<In> {
        match m {
            None => Some(In::Closed("the socket ended".into())),
            Some(Err(e)) => Some(In::Closed(format!("read: {e}"))),
            Some(Ok(Message::Text(t))) => Some(match serde_json::from_str(t.as_str()) {
                Ok(c) => In::Ctl(c),
                Err(e) => In::Closed(format!("a control that does not parse: {e}")),
            }),
            Some(Ok(Message::Binary(b))) => Some(match Frame::from_cbor(&b) {
                Ok(f) => In::Frame(f),
                Err(e) => In::Closed(format!("a frame that does not parse: {e}")),
            }),
            Some(Ok(Message::Close(c))) => Some(In::Closed(format!(
                "closed by the desk: {:?}",
                c.map(|c| (u16::from(c.code), c.reason.to_string()))
            ))),
            Some(Ok(_)) => None,
        }
    }
}

/// The statements that took PostgreSQL's time, busiest first (`WIRE_PG_STATEMENTS=1`).
fn print_statements(database: &str) {
    let mut c = postgres::Client::connect(database, postgres::NoTls).unwrap();
    c.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .unwrap();
    let rows = c
        .query(
            "SELECT calls, total_exec_time, total_plan_time, \
             left(regexp_replace(query, '\\s+', ' ', 'g'), 140) \
             FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 25",
            &[],
        )
        .unwrap();
    println!();
    println!("| calls | execute ms | plan ms | statement |");
    println!("|---|---|---|---|");
    for r in rows {
        let (calls, exec, plan, q): (i64, f64, f64, String) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        println!(
            "| {calls} | {exec:.0} | {plan:.0} | `{}` |",
            q.replace('|', "\\|")
        );
    }
}

/// The latency of a transport frame from its body's send time.
fn latency(f: &Frame) -> Duration {
    let sent = u64::from_be_bytes(f.body[..8].try_into().unwrap());
    Duration::from_nanos(now_ns().saturating_sub(sent))
}

/// What one side holds of the other direction's transport frames: the first 16 bytes (send time,
/// seq) of each, to tell a redelivery (the same frame again, after a `Join` that crossed a relay;
/// acknowledged again and not shown, as the apps do) from another frame at the same place.
#[derive(Default)]
struct Received {
    heads: Vec<[u8; 16]>,
}

enum Got {
    New(Duration),
    Again,
}

impl Received {
    fn take(&mut self, f: &Frame) -> Result<Got, String> {
        let head: [u8; 16] = f
            .body
            .get(..16)
            .and_then(|h| h.try_into().ok())
            .ok_or("a transport frame too short")?;
        let n = self.got();
        if (1..=n).contains(&f.seq) {
            if self.heads[usize::try_from(f.seq - 1).unwrap()] == head {
                Ok(Got::Again)
            } else {
                Err(format!("another frame at transport seq {}", f.seq))
            }
        } else if f.seq == n + 1 {
            self.heads.push(head);
            Ok(Got::New(latency(f)))
        } else {
            Err(format!(
                "transport frame {} after {n} (lost or out of order)",
                f.seq
            ))
        }
    }

    fn got(&self) -> u64 {
        self.heads.len() as u64
    }
}

fn sleep_until(at: Option<Instant>) -> tokio::time::Sleep {
    tokio::time::sleep_until(at.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600)))
}

fn min_at(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The plan of the message phase.
#[derive(Clone, Copy)]
struct Plan {
    messages: u64,
    /// Messages a second per session.
    rate: f64,
    sessions: usize,
}

/// One employee's app: joins its session, runs the handshake's employee side, then (from
/// `start`) sends its messages on schedule, acknowledging every frame it gets, until the agent
/// closes the session.
#[allow(clippy::too_many_arguments)]
async fn employee_task(
    i: usize,
    url: String,
    party: Party,
    sid: String,
    opened_at: Instant,
    plan: Plan,
    mut start: tokio::sync::watch::Receiver<Option<Instant>>,
    shared: Arc<Shared>,
) {
    if let Err(e) = employee_run(i, &url, &party, &sid, opened_at, plan, &mut start, &shared).await
    {
        shared.error(format!("employee {i}: {e}"));
    }
}

#[allow(clippy::too_many_arguments)]
async fn employee_run(
    i: usize,
    url: &str,
    party: &Party,
    sid: &str,
    opened_at: Instant,
    plan: Plan,
    start: &mut tokio::sync::watch::Receiver<Option<Instant>>,
    shared: &Arc<Shared>,
) -> Result<(), String> {
    let mut c = connect(url, party, shared).await?;
    c.push(Pending::Ctl(Control::Join {
        session_id: sid.to_owned(),
        cursor: Cursor {
            leg: 1,
            hs: 0,
            tx: 0,
        },
    }));
    let tx = |seq| Pending::Frame {
        sid: sid.to_owned(),
        dir: Direction::E2a,
        kind: FrameKind::Tx,
        seq,
    };
    let mut assigned = false;
    let mut ready = false;
    let mut t0: Option<Instant> = None;
    let mut next_msg = 1u64;
    let mut rx = Received::default();
    let mut lat = Vec::with_capacity(usize::try_from(plan.messages).unwrap());
    let period = Duration::from_secs_f64(1.0 / plan.rate);
    let phase = period.mul_f64(i as f64 / plan.sessions as f64);
    loop {
        c.flush().await?;
        let msg_at = t0
            .filter(|_| next_msg <= plan.messages)
            .map(|t| t + phase + period * u32::try_from(next_msg - 1).unwrap());
        let wake = min_at(c.send_at(), msg_at);
        tokio::select! {
            m = c.ws.next() => {
                let Some(input) = Conn::read(m) else { continue };
                match input {
                    In::Closed(why) => return Err(why),
                    In::Ctl(Control::Assigned { leg, .. }) if !assigned => {
                        if leg != 1 {
                            return Err(format!("assigned on leg {leg}"));
                        }
                        assigned = true;
                        c.push(Pending::Frame {
                            sid: sid.to_owned(),
                            dir: Direction::E2a,
                            kind: FrameKind::Hs,
                            seq: 0,
                        });
                    }
                    In::Ctl(Control::Closed { .. }) => {
                        if rx.got() != plan.messages || next_msg <= plan.messages {
                            return Err(format!(
                                "closed with {} of {} answers received, {} sent",
                                rx.got(),
                                plan.messages,
                                next_msg - 1
                            ));
                        }
                        shared.closed_employee.fetch_add(1, Ordering::Relaxed);
                        shared.a2e.lock().unwrap().extend(lat);
                        let _ = c.ws.close(None).await;
                        return Ok(());
                    }
                    In::Ctl(Control::Error { session_id, code, message }) => {
                        shared.refused(&code, session_id.as_deref(), &message);
                    }
                    In::Ctl(_) => {}
                    In::Frame(f) => match (f.kind, f.seq) {
                        (FrameKind::Hs, 1) if !ready => {
                            c.push(Pending::Ctl(Control::Ack {
                                session_id: sid.to_owned(),
                                cursor: Cursor { leg: 1, hs: 2, tx: 0 },
                            }));
                            c.push(Pending::Frame {
                                sid: sid.to_owned(),
                                dir: Direction::E2a,
                                kind: FrameKind::Hs,
                                seq: 2,
                            });
                            ready = true;
                            shared.open_to_ready.lock().unwrap().push(opened_at.elapsed());
                            shared.ready.fetch_add(1, Ordering::Relaxed);
                        }
                        (FrameKind::Hs, 1) => {
                            shared.redelivered.fetch_add(1, Ordering::Relaxed);
                            c.push(Pending::Ctl(Control::Ack {
                                session_id: sid.to_owned(),
                                cursor: Cursor { leg: 1, hs: 2, tx: rx.got() },
                            }));
                        }
                        (FrameKind::Tx, _) if ready => {
                            match rx.take(&f)? {
                                Got::New(l) => lat.push(l),
                                Got::Again => {
                                    shared.redelivered.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            c.push(Pending::Ctl(Control::Ack {
                                session_id: sid.to_owned(),
                                cursor: Cursor { leg: 1, hs: 2, tx: rx.got() },
                            }));
                        }
                        (kind, seq) => {
                            return Err(format!("unexpected frame {kind:?} {seq}"));
                        }
                    },
                }
            }
            r = start.changed(), if t0.is_none() => {
                if r.is_err() {
                    return Err("the bench stopped".into());
                }
                t0 = *start.borrow();
            }
            () = sleep_until(wake) => {
                if msg_at.is_some_and(|at| at <= Instant::now()) {
                    c.push(tx(next_msg));
                    next_msg += 1;
                }
            }
        }
    }
}

/// One session as the agent's app sees it.
#[derive(Default)]
struct AgentSession {
    /// Handshake frames received (0, 1: seq 0, 2: seq 2 too).
    hs: u8,
    /// The transport frames received.
    rx: Received,
}

/// One agent's app: online, accepts every offer, runs the handshake's agent side, acknowledges
/// and answers every message, closes a session once its last answer is delivered.
async fn agent_task(
    n: usize,
    url: String,
    party: Party,
    plan: Plan,
    mut stop: tokio::sync::watch::Receiver<bool>,
    shared: Arc<Shared>,
) {
    if let Err(e) = agent_run(&url, &party, plan, &mut stop, &shared).await {
        shared.error(format!("agent {n}: {e}"));
    }
}

async fn agent_run(
    url: &str,
    party: &Party,
    plan: Plan,
    stop: &mut tokio::sync::watch::Receiver<bool>,
    shared: &Arc<Shared>,
) -> Result<(), String> {
    {
        let mut c = connect(url, party, shared).await?;
        c.push(Pending::Ctl(Control::Presence { online: true }));
        c.flush().await?;
        shared.agents_online.fetch_add(1, Ordering::Relaxed);
        let mut sessions: HashMap<String, AgentSession> = HashMap::new();
        let mut lat = Vec::new();
        let every = Duration::from_secs(proto::HEARTBEAT_SECS);
        let mut heartbeat = tokio::time::interval_at(Instant::now() + every, every);
        loop {
            c.flush().await?;
            let wake = c.send_at();
            tokio::select! {
                m = c.ws.next() => {
                    let Some(input) = Conn::read(m) else { continue };
                    match input {
                        In::Closed(why) => return Err(why),
                        In::Ctl(Control::Offer { session_id, .. }) => {
                            c.push(Pending::Ctl(Control::Accept { session_id }));
                        }
                        In::Ctl(Control::Assigned { session_id, leg, .. }) => {
                            if leg != 1 {
                                return Err(format!("assigned on leg {leg}"));
                            }
                            // Told again (by the other desk's news too): joined once.
                            if let std::collections::hash_map::Entry::Vacant(v) =
                                sessions.entry(session_id.clone())
                            {
                                v.insert(AgentSession::default());
                                c.push(Pending::Ctl(Control::Join {
                                    session_id,
                                    cursor: Cursor { leg: 1, hs: 0, tx: 0 },
                                }));
                            }
                        }
                        In::Ctl(Control::Delivered { session_id, cursor })
                            if cursor.tx == plan.messages =>
                        {
                            c.push(Pending::Ctl(Control::Close {
                                session_id,
                                outcome: Outcome::Resolved,
                            }));
                        }
                        In::Ctl(Control::Closed { session_id, .. }) => {
                            let s = sessions
                                .remove(&session_id)
                                .ok_or("a session closed that the agent did not hold")?;
                            if s.rx.got() != plan.messages {
                                return Err(format!(
                                    "closed with {} of {} messages received",
                                    s.rx.got(),
                                    plan.messages
                                ));
                            }
                            shared.closed_agent.fetch_add(1, Ordering::Relaxed);
                        }
                        In::Ctl(Control::Error { code, .. }) if code == codes::ALREADY_TAKEN => {
                            shared.offers_lost.fetch_add(1, Ordering::Relaxed);
                        }
                        In::Ctl(Control::Error { session_id, code, message }) => {
                            shared.refused(&code, session_id.as_deref(), &message);
                        }
                        In::Ctl(_) => {}
                        In::Frame(f) => {
                            let sid = f.session_id.clone();
                            let s = sessions
                                .get_mut(&sid)
                                .ok_or("a frame of a session the agent does not hold")?;
                            let ack = |hs, tx| {
                                Pending::Ctl(Control::Ack {
                                    session_id: sid.clone(),
                                    cursor: Cursor { leg: 1, hs, tx },
                                })
                            };
                            match (f.kind, f.seq) {
                                (FrameKind::Hs, 0) if s.hs == 0 => {
                                    s.hs = 1;
                                    c.push(ack(1, 0));
                                    c.push(Pending::Frame {
                                        sid: sid.clone(),
                                        dir: Direction::A2e,
                                        kind: FrameKind::Hs,
                                        seq: 1,
                                    });
                                }
                                (FrameKind::Hs, 2) if s.hs == 1 => {
                                    s.hs = 2;
                                    c.push(ack(3, 0));
                                }
                                // A replay after the join: acknowledged again.
                                (FrameKind::Hs, 0 | 2) if s.hs >= 1 => {
                                    shared.redelivered.fetch_add(1, Ordering::Relaxed);
                                    let hs = if s.hs == 1 { 1 } else { 3 };
                                    c.push(ack(hs, s.rx.got()));
                                }
                                (FrameKind::Tx, seq) if s.hs == 2 => match s.rx.take(&f)? {
                                    Got::New(l) => {
                                        lat.push(l);
                                        c.push(ack(3, seq));
                                        c.push(Pending::Frame {
                                            sid: sid.clone(),
                                            dir: Direction::A2e,
                                            kind: FrameKind::Tx,
                                            seq,
                                        });
                                    }
                                    Got::Again => {
                                        shared.redelivered.fetch_add(1, Ordering::Relaxed);
                                        c.push(ack(3, s.rx.got()));
                                    }
                                },
                                (kind, seq) => {
                                    return Err(format!(
                                        "unexpected frame {kind:?} {seq} (duplicated or out of order)"
                                    ));
                                }
                            }
                        }
                    }
                }
                _ = heartbeat.tick() => c.push(Pending::Ctl(Control::Heartbeat {})),
                r = stop.changed() => {
                    if r.is_err() || *stop.borrow() {
                        shared.e2a.lock().unwrap().extend(lat);
                        if !sessions.is_empty() {
                            return Err(format!("{} sessions still open at the end", sessions.len()));
                        }
                        let _ = c.ws.close(None).await;
                        return Ok(());
                    }
                }
                () = sleep_until(wake) => {}
            }
        }
    }
}

fn wait_for(what: &str, f: impl Fn() -> bool, shared: &Shared) {
    let until = std::time::Instant::now() + PHASE;
    while !f() {
        assert!(
            std::time::Instant::now() < until,
            "{what}: not within {PHASE:?} ({} errors)",
            shared.errors.lock().unwrap().len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sessions = env_usize("WIRE_SESSIONS", if full { 100 } else { 6 });
    let instances = env_usize("WIRE_INSTANCES", 3);
    let capacity = env_usize("WIRE_CAPACITY", 10);
    let messages = env_usize("WIRE_MESSAGES", if full { 10 } else { 3 });
    let rate = env_f64("WIRE_RATE", if full { 0.1 } else { 0.5 });
    let open_rate = env_f64("WIRE_OPEN_RATE", 20.0);
    let threads = env_usize("WIRE_CLIENT_THREADS", 2);
    let cross = instances > 1 && env_usize("WIRE_CROSS", 1) == 1;
    assert!(instances > 0 && sessions > 0 && messages > 0 && rate > 0.0 && open_rate > 0.0);
    assert!(
        (1..=proto::MAX_AGENT_CAPACITY as usize).contains(&capacity),
        "WIRE_CAPACITY: 1 to {}",
        proto::MAX_AGENT_CAPACITY
    );
    let shift = usize::from(cross);
    let emp_desk = |i: usize| i % instances;
    // The desk whose agents serve employee i.
    let served_by = |i: usize| (emp_desk(i) + shift) % instances;
    let per_desk: Vec<usize> = (0..instances)
        .map(|g| (0..sessions).filter(|i| served_by(*i) == g).count())
        .collect();
    let agents_default: usize =
        per_desk.iter().map(|n| n.div_ceil(capacity)).max().unwrap() * instances;
    let agents = env_usize("WIRE_AGENTS", agents_default);
    let agent_desk = |a: usize| a % instances;
    for (g, n) in per_desk.iter().enumerate() {
        let here = (0..agents).filter(|a| agent_desk(*a) == g).count();
        assert!(
            *n <= here * capacity,
            "{n} sessions for the {here} agents of desk {g} (capacity {capacity}): WIRE_AGENTS"
        );
    }
    let per_agent = per_desk
        .iter()
        .enumerate()
        .map(|(g, n)| {
            let here = (0..agents).filter(|a| agent_desk(*a) == g).count().max(1);
            n.div_ceil(here)
        })
        .max()
        .unwrap();
    let agent_load = per_agent as f64 * rate * 2.0;
    if agent_load > CLIENT_RATE {
        println!(
            "support_wire: warning: up to {per_agent} sessions per agent at {rate}/s is {agent_load:.1} messages a second on an agent's connection, over the client's {CLIENT_RATE}: its sends will queue (more agents or a lower WIRE_RATE)"
        );
    }

    if let Err(why) = pg_cluster::bin_dir() {
        println!("support_wire: skipped, no PostgreSQL: {why}");
        return;
    }
    epoch();
    // `WIRE_PG_STATEMENTS=1`: PostgreSQL counts every statement (pg_stat_statements), and the
    // busiest are printed at the end: where the database's CPU goes.
    let statements = env_usize("WIRE_PG_STATEMENTS", 0) == 1;
    let cluster = pg_cluster::Cluster::start_with(if statements {
        "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on"
    } else {
        ""
    })
    .unwrap_or_else(|e| panic!("cannot start a PostgreSQL cluster: {e}"));
    let database = cluster.database();
    let postmaster = cluster.postmaster_pid();
    let work = tempfile::tempdir().unwrap();
    let desk_dir = work.path().join("desk0");
    let at = admin::DeskLocation {
        data: &desk_dir,
        database: Some(&database),
    };
    admin::init_org(
        &at,
        "Acme HK",
        None,
        verity_device::KdfParams::INSECURE_FOR_TESTS,
        &SystemClock,
    )
    .unwrap();
    let (_, recipient) = verity_support::audit_keygen();
    admin::open_store(&at)
        .unwrap()
        .set_audit_recipient(Some(&recipient), SystemClock.now())
        .unwrap();
    let (org, _) = admin::org_show(&at).unwrap();
    let org_key = proto::parse_public_key(&org.public_key, "org").unwrap();
    let mut desks: Vec<DeskProcess> = (0..instances)
        .map(|g| {
            let dir = if g == 0 {
                desk_dir.clone()
            } else {
                let d = work.path().join(format!("desk{g}"));
                copy_data_dir(&desk_dir, &d);
                d
            };
            DeskProcess::start(&dir, Some(&database), "info")
        })
        .collect();
    let urls: Vec<String> = desks.iter().map(|d| d.url.clone()).collect();
    let clients: Vec<DeskClient> = urls
        .iter()
        .map(|u| {
            DeskClient::new(u, &ClientOptions::default())
                .unwrap()
                .with_org_key(org_key)
        })
        .collect();
    println!(
        "support_wire: {sessions} sessions, {agents} agents (capacity {capacity}, up to {per_agent} sessions each), {messages} messages each way per session at {rate}/s, {instances} desk(s) on PostgreSQL{}, {threads} client threads; load average {}",
        if cross { ", each employee's agent on another desk" } else { "" },
        loadavg()
    );

    // Enrolment (not measured).
    let t = std::time::Instant::now();
    let codes = issue_codes(&at, sessions, 1);
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Employee>>> = (0..sessions).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= sessions {
                    break;
                }
                let (party, totp_secret) =
                    enroll_employee(&clients[emp_desk(i)], &codes[i], emp_desk(i));
                *slots[i].lock().unwrap() = Some(Employee {
                    party,
                    totp_secret,
                    language: language_of(served_by(i)),
                });
            });
        }
    });
    let employees: Vec<Employee> = slots
        .into_iter()
        .map(|m| m.into_inner().unwrap().unwrap())
        .collect();
    let agent_parties: Vec<Party> = (0..agents)
        .map(|a| {
            enroll_agent(
                &at,
                &clients[agent_desk(a)],
                a,
                agent_desk(a),
                capacity as u32,
            )
        })
        .collect();
    println!(
        "enrolled {sessions} employees and {agents} agents in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .unwrap();
    let shared = Arc::new(Shared::default());
    let plan = Plan {
        messages: messages as u64,
        rate,
        sessions,
    };
    let rss = |desks: &[DeskProcess]| -> (u64, u64) {
        desks
            .iter()
            .map(DeskProcess::memory_kib)
            .fold((0, 0), |a, m| (a.0 + m.0, a.1 + m.1))
    };
    let desks_cpu =
        |desks: &[DeskProcess]| -> f64 { desks.iter().map(DeskProcess::cpu_secs).sum() };
    let pg_cpu = || postmaster.map_or(0.0, cluster_cpu_secs);
    let sizes = || {
        (
            database_size(&database),
            tables_size(&database, SUPPORT_TABLES),
        )
    };
    let size_before = sizes();
    let (rss_before, _) = rss(&desks);

    // Agents online.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let agent_tasks: Vec<_> = agent_parties
        .into_iter()
        .enumerate()
        .map(|(n, p)| {
            rt.spawn(agent_task(
                n,
                urls[p.desk].clone(),
                p,
                plan,
                stop_rx.clone(),
                shared.clone(),
            ))
        })
        .collect();
    wait_for(
        "agents online",
        || shared.agents_online.load(Ordering::Relaxed) == agents,
        &shared,
    );
    std::thread::sleep(Duration::from_millis(500));

    // Opening, paced, from 4 threads (blocking HTTP); each employee's app then runs on the
    // runtime.
    let (start_tx, start_rx) = tokio::sync::watch::channel(None::<Instant>);
    let opening = std::time::Instant::now();
    let cpu_open0 = (desks_cpu(&desks), pg_cpu(), own_cpu_secs());
    let next = AtomicUsize::new(0);
    let handles = Mutex::new(Vec::new());
    let open_ms = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= sessions {
                    break;
                }
                let slot = opening + Duration::from_secs_f64(i as f64 / open_rate);
                std::thread::sleep(slot.saturating_duration_since(std::time::Instant::now()));
                let e = &employees[i];
                let opened_at = Instant::now();
                let req = OpenRequest {
                    category: SupportCategory::Account,
                    language: e.language.into(),
                    totp: verity_desk::totp::code_at(&e.totp_secret, SystemClock.now()).unwrap(),
                    signals: signals(),
                };
                let ans: Result<OpenAnswer, _> = clients[e.party.desk].call(
                    paths::SUPPORT_OPEN,
                    &req,
                    &e.party.key,
                    Some(&e.party.cert),
                    &SystemClock,
                );
                match ans {
                    Ok(a) => {
                        open_ms.lock().unwrap().push(opened_at.elapsed());
                        handles.lock().unwrap().push(rt.spawn(employee_task(
                            i,
                            urls[e.party.desk].clone(),
                            e.party.clone(),
                            a.session_id,
                            opened_at,
                            plan,
                            start_rx.clone(),
                            shared.clone(),
                        )));
                    }
                    Err(err) => shared.error(format!("employee {i}: open: {err}")),
                }
            });
        }
    });
    let failed_opens = sessions - handles.lock().unwrap().len();
    wait_for(
        "every session open",
        || {
            shared.ready.load(Ordering::Relaxed) + failed_opens >= sessions
                || !shared.errors.lock().unwrap().is_empty()
        },
        &shared,
    );
    let open_secs = opening.elapsed().as_secs_f64();
    let cpu_open1 = (desks_cpu(&desks), pg_cpu(), own_cpu_secs());
    std::thread::sleep(Duration::from_secs(1));
    let (rss_open, _) = rss(&desks);

    // Messages.
    let load_before = loadavg();
    let messaging = std::time::Instant::now();
    let cpu0 = (desks_cpu(&desks), pg_cpu(), own_cpu_secs());
    start_tx
        .send(Some(Instant::now() + Duration::from_millis(500)))
        .unwrap();
    let handles = handles.into_inner().unwrap();
    let all_done = rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs_f64(messages as f64 / rate + 1.0 / rate) + PHASE,
            futures_util::future::join_all(handles),
        )
        .await
    });
    if all_done.is_err() {
        shared.error("the message phase did not end in time".into());
    }
    let msg_secs = messaging.elapsed().as_secs_f64();
    let cpu1 = (desks_cpu(&desks), pg_cpu(), own_cpu_secs());
    let load_after = loadavg();
    let (_, hwm) = rss(&desks);
    // The agents' side of the closes, then the agents go.
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while shared.closed_agent.load(Ordering::Relaxed)
        < shared.closed_employee.load(Ordering::Relaxed)
        && std::time::Instant::now() < until
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    stop_tx.send(true).unwrap();
    rt.block_on(async {
        let _ = tokio::time::timeout(
            Duration::from_secs(10),
            futures_util::future::join_all(agent_tasks),
        )
        .await;
    });
    drop(rt);
    let size_after = sizes();
    let alive = desks.iter_mut().all(DeskProcess::alive);
    if statements {
        print_statements(&database);
    }

    let sorted = |m: &Mutex<Vec<Duration>>| {
        let mut v = m.lock().unwrap().clone();
        v.sort();
        v
    };
    let e2a = sorted(&shared.e2a);
    let a2e = sorted(&shared.a2e);
    let ready = sorted(&shared.open_to_ready);
    let mut open_http = open_ms.into_inner().unwrap();
    open_http.sort();
    let line = |v: &[Duration]| {
        format!(
            "{} / {} / {} ({})",
            ms(pct(v, 50.0)),
            ms(pct(v, 99.0)),
            ms(v.last().copied().unwrap_or_default()),
            v.len()
        )
    };
    let share =
        |cpu: f64, secs: f64| format!("{cpu:.1} s ({:.0} % of one core)", 100.0 * cpu / secs);
    let closed_e = shared.closed_employee.load(Ordering::Relaxed);
    let closed_a = shared.closed_agent.load(Ordering::Relaxed);
    println!();
    println!("| Figure | Value |");
    println!("|---|---|");
    println!(
        "| desks; sessions; agents | {instances}{}; {sessions}; {agents} (capacity {capacity}) |",
        if cross {
            ", every session across two desks"
        } else {
            ""
        }
    );
    println!(
        "| opening at {open_rate}/s: all open in | {open_secs:.1} s (`open` p50 / p99 / max: {}; open → handshake done: {}) |",
        line(&open_http),
        line(&ready)
    );
    println!(
        "| opening: CPU desks / PostgreSQL / bench | {} / {} / {} |",
        share(cpu_open1.0 - cpu_open0.0, open_secs),
        share(cpu_open1.1 - cpu_open0.1, open_secs),
        share(cpu_open1.2 - cpu_open0.2, open_secs)
    );
    println!(
        "| **employee → agent latency p50 / p99 / max (messages)** | {} |",
        line(&e2a)
    );
    println!(
        "| **agent → employee latency p50 / p99 / max (messages)** | {} |",
        line(&a2e)
    );
    println!(
        "| message phase | {msg_secs:.1} s, {:.1} messages a second relayed ({} frames and {} controls sent in all) |",
        (e2a.len() + a2e.len()) as f64 / msg_secs,
        shared.frames_sent.load(Ordering::Relaxed),
        shared.controls_sent.load(Ordering::Relaxed)
    );
    println!(
        "| message phase: CPU desks / PostgreSQL / bench (all the clients) | {} / {} / {} |",
        share(cpu1.0 - cpu0.0, msg_secs),
        share(cpu1.1 - cpu0.1, msg_secs),
        share(cpu1.2 - cpu0.2, msg_secs)
    );
    println!("| load average before / after the message phase | {load_before} / {load_after} |");
    println!(
        "| desks' RSS (summed) before / all open / peak (VmHWM) | {:.1} / {:.1} / {:.1} MiB |",
        rss_before as f64 / 1024.0,
        rss_open as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    let per_1000 = |d: i64| mib(d * 1000 / sessions as i64);
    println!(
        "| support tables before / after; per 1,000 sessions | {} / {}; {} |",
        mib(size_before.1),
        mib(size_after.1),
        per_1000(size_after.1 - size_before.1)
    );
    println!(
        "| database before / after; per 1,000 sessions | {} / {}; {} |",
        mib(size_before.0),
        mib(size_after.0),
        per_1000(size_after.0 - size_before.0)
    );
    println!(
        "| sends held back by the client's pacing; longest wait | {}; {:.1} ms |",
        shared.held.load(Ordering::Relaxed),
        shared.held_max_us.load(Ordering::Relaxed) as f64 / 1000.0
    );
    println!(
        "| refusals by the desks; accepts answered `already_taken`; frames redelivered after a join | {:?}; {}; {} |",
        shared.refusals.lock().unwrap(),
        shared.offers_lost.load(Ordering::Relaxed),
        shared.redelivered.load(Ordering::Relaxed)
    );
    println!("| sessions closed (employee / agent side) | {closed_e} / {closed_a} of {sessions} |");

    let mut errors = shared.errors.lock().unwrap().clone();
    if !alive {
        errors.push("a desk died".into());
    }
    let expected = sessions * messages;
    if e2a.len() != expected || a2e.len() != expected {
        errors.push(format!(
            "{} and {} of {expected} messages received each way",
            e2a.len(),
            a2e.len()
        ));
    }
    if closed_e != sessions || closed_a != sessions {
        errors.push(format!(
            "{closed_e} / {closed_a} of {sessions} sessions closed"
        ));
    }
    drop(clients);
    if !errors.is_empty() {
        drop(desks);
        drop(cluster);
        drop(work);
        eprintln!("support_wire FAILED: {} errors", errors.len());
        for e in errors.iter().take(20) {
            eprintln!("  {e}");
        }
        std::process::exit(1);
    }
}
