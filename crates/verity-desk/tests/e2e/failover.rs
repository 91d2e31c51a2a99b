//! Failover (issue 17 §3): desks as their own processes (`verity-desk serve --database`) behind
//! a load balancer on loopback (a TCP relay that sends new connections to the desk it is set
//! to), an employee's and an agent's real apps (`verity_flows`) on different desks. A desk is
//! killed (SIGKILL on Unix) in the middle of the session, then the other one: both apps
//! reconnect through the balancer to a live desk and the conversation goes on, every message
//! shown once, in order. PostgreSQL only (several desks); skipped on SQLite.

#![allow(clippy::panic)]

use super::common::DeskProcess;
use super::*;
use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use verity_device::proto::{AgentProfile, AgentRole, SupportCategory};
use verity_device::SystemClock;
use verity_flows::support::{
    agent_connect, open, AgentEvent, EmployeeSession, OpenParams, SessionEvent,
};

const STEP: Duration = Duration::from_secs(60);

/// A load balancer: each new connection goes to the backend it is set to now.
struct Balancer {
    addr: SocketAddr,
    backend: Arc<Mutex<Option<SocketAddr>>>,
    stop: Arc<AtomicBool>,
}

impl Balancer {
    fn start() -> Balancer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let backend: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (b, s) = (backend.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let client = match listener.accept() {
                    Ok((c, _)) => c,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                };
                let to = *b.lock().unwrap();
                let Some(server) = to.and_then(|a| TcpStream::connect(a).ok()) else {
                    continue; // dropped: as a balancer with no healthy backend
                };
                client.set_nonblocking(false).unwrap();
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                        let _ = from.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Balancer {
            addr,
            backend,
            stop,
        }
    }

    fn to(&self, desk: &DeskProcess) {
        *self.backend.lock().unwrap() = Some(desk.addr);
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A desk as its own process on the shared database, answering for the balancer's URL; its
/// warnings shown.
fn desk(data: &Path, database: &str, lb: &Balancer) -> DeskProcess {
    DeskProcess::start_behind(data, Some(database), "warn", Some(&lb.url()))
}

fn context(dir: PathBuf) -> DeviceContext {
    let mut ctx = DeviceContext::new(dir, "hk.verity.test-failover");
    ctx.key_store = KeyStoreChoice::File;
    ctx.passphrase = Some(zeroize::Zeroizing::new(PASSPHRASE.to_vec()));
    ctx.kdf = KdfParams::INSECURE_FOR_TESTS;
    ctx.signals.timezone = Some("Asia/Hong_Kong".into());
    ctx.signals.locale = Some("en-HK".into());
    ctx
}

/// The agent's app: accepts, greets the verified employee, echoes every message; what it was
/// shown, in order.
fn agent_app(dir: PathBuf, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let conn = agent_connect(Arc::new(context(dir))).unwrap();
        let mut shown = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let Some(ev) = conn.next_event(Duration::from_millis(50)) else {
                continue;
            };
            match ev {
                AgentEvent::Offer { session_id, .. } => conn.accept(&session_id).unwrap(),
                AgentEvent::Verified { session_id, .. } => {
                    conn.send_text(&session_id, "hello, this is support")
                        .unwrap();
                }
                AgentEvent::Message {
                    session_id, text, ..
                } => {
                    shown.push(text.clone());
                    conn.send_text(&session_id, &format!("echo {text}"))
                        .unwrap();
                }
                _ => {}
            }
        }
        conn.stop();
        shown
    })
}

/// The employee says `m`; what it is shown next (the echo) goes in `saw`.
fn say(s: &EmployeeSession, saw: &mut Vec<String>, m: &str) {
    s.send_text(m).unwrap();
    saw.push(shown(s));
}

/// The next message shown to the employee (connection changes and the like pass by).
fn shown(s: &EmployeeSession) -> String {
    let until = Instant::now() + STEP;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match s.next_event(left) {
            Some(SessionEvent::Message { text, .. }) => return text,
            Some(SessionEvent::Error { code }) => panic!("session error {code}"),
            Some(SessionEvent::Closed { outcome, .. }) => panic!("closed early ({outcome:?})"),
            Some(_) => {}
            None => panic!("no message within {STEP:?}"),
        }
    }
}

#[test]
fn killed_desks_lose_no_message_and_show_none_twice() {
    if !on_postgres() {
        eprintln!("skipped on SQLite: several desks need PostgreSQL");
        return;
    }
    let database = pg_cluster::Cluster::shared().database();
    let data = tempfile::tempdir().unwrap();
    let at = admin::DeskLocation {
        data: data.path(),
        database: Some(&database),
    };
    admin::init_org(
        &at,
        "Acme HK",
        None,
        KdfParams::INSECURE_FOR_TESTS,
        &SystemClock,
    )
    .unwrap();
    let fingerprint = admin::org_show(&at).unwrap().1;
    admin::open_store(&at)
        .unwrap()
        .set_audit_recipient(Some(super::support::AGE), SystemClock.now())
        .unwrap();
    let lb = Balancer::start();
    let x = desk(data.path(), &database, &lb);
    let y = desk(data.path(), &database, &lb);

    // The agent on Y, the employee on X.
    let apps = tempfile::tempdir().unwrap();
    lb.to(&y);
    let profile = AgentProfile {
        name: "Mei Chan".into(),
        role: AgentRole::Agent,
        team: "Accounts".into(),
        languages: vec!["en".into()],
        regions: vec!["HK".into()],
        skills: vec![],
        capacity: 3,
    };
    let (code, _) = admin::create_agent_code(&at, None, &profile, 600, &SystemClock).unwrap();
    let agent_dir = apps.path().join("agent");
    verity_flows::device::enroll_agent(&context(agent_dir.clone()), &lb.url(), &code, &fingerprint)
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let agent = agent_app(agent_dir, stop.clone());
    std::thread::sleep(Duration::from_millis(500));

    lb.to(&x);
    let (code, _) =
        admin::create_enroll_code(&at, None, "e100", "Chan Tai Man", 600, &SystemClock).unwrap();
    let emp_dir = apps.path().join("employee");
    let enrolled =
        verity_flows::device::enroll(&context(emp_dir.clone()), &lb.url(), &code, &fingerprint)
            .unwrap();
    let secret = data_encoding::BASE32_NOPAD
        .decode(enrolled.totp.unwrap().secret.as_bytes())
        .unwrap();
    let s = open(
        Arc::new(context(emp_dir)),
        OpenParams {
            category: SupportCategory::Account,
            language: "en".into(),
            totp: verity_desk::totp::code_at(&secret, SystemClock.now()).unwrap(),
            first_message: "m0".into(),
        },
    )
    .unwrap();
    let mut employee_saw = vec![shown(&s), shown(&s)];
    for m in ["m1", "m2"] {
        say(&s, &mut employee_saw, m);
    }

    // X dies under the employee: it reconnects to Y, and sends on.
    lb.to(&y);
    x.kill();
    for m in ["m3", "m4"] {
        say(&s, &mut employee_saw, m);
    }

    // Y dies under both: they reconnect to Z.
    let z = desk(data.path(), &database, &lb);
    lb.to(&z);
    y.kill();
    for m in ["m5", "m6"] {
        say(&s, &mut employee_saw, m);
    }
    s.close().unwrap();
    stop.store(true, Ordering::Relaxed);
    let agent_saw = agent.join().unwrap();
    s.stop();
    drop(z);

    let expected: Vec<String> = (0..=6).map(|i| format!("m{i}")).collect();
    assert_eq!(
        agent_saw, expected,
        "the agent was shown each message once, in order"
    );
    let mut echoes: Vec<String> = expected.iter().map(|m| format!("echo {m}")).collect();
    echoes.insert(0, "hello, this is support".into());
    assert_eq!(employee_saw, echoes, "the employee too");
    assert_eq!(
        employee_saw.iter().collect::<BTreeSet<_>>().len(),
        employee_saw.len()
    );
}
