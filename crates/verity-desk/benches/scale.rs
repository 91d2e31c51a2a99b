//! Several desks on one PostgreSQL database, on loopback (issue 17 §5): device enrolment, the
//! database's size, and verify requests a second against 1, 2 … `SCALE_INSTANCES` desks.
//!
//! A throwaway cluster (`tests/support/pg_cluster.rs`: `initdb` in a temporary directory, a free
//! port, `fsync` off), the organisation created on it with the built binary (`verity-desk org
//! init --database URL`), then `SCALE_INSTANCES` (3) `verity-desk serve --database URL`
//! processes, each with a data directory of its own holding a copy of the organisation's key
//! files (all `serve` needs there), each on its own loopback port and origin (requests are signed
//! for the origin a device talks to; nothing else is per instance).
//!
//! 1. Enrolment: `SCALE_DEVICES` devices, device i through desk i % instances, from
//!    `SCALE_ENROLL_CLIENTS` threads. Each is a real enrolment on the wire, as the device library
//!    does it (`POST /v1/enroll` signed with a fresh key, the certificate checked with the
//!    organisation key, then `POST /v1/totp/setup`), with the key and the TOTP secret kept in
//!    memory instead of a data directory. The one-time codes are issued beforehand as
//!    `verity-desk enroll-code` issues them (the code's HMAC under the organisation key's code
//!    key, `DeskStore::add_enroll_code`), through one store instead of one process per code.
//! 2. The database's size after enrolment (`pg_database_size`, the largest tables).
//! 3. Verify: for n = 1 … instances, every device sends one `POST /v1/verify` (a right TOTP code,
//!    region signals, no audit head) from `SCALE_CLIENTS` threads in all, client thread t on desk
//!    t % n, through the device library's client (`DeskClient::call`: the request signed with
//!    the device key and its certificate, the answer's signature checked with the organisation
//!    key). The desk accepts a TOTP step once per device, within one step (30 s) either side of
//!    now: a device's next request uses step max(its last + 1, now − 1) (now − 1 only while more
//!    than 5 s of the current step are left, as the desk judges by its clock on arrival), so
//!    about three rounds fit at once; a phase that would find a device without a step left waits
//!    first (outside the timing). Requests a second, p50/p99, where the CPU went (the desks, the
//!    cluster, this process: `/proc/PID/stat`), and PostgreSQL's transactions per verify
//!    (`pg_stat_database.xact_commit`; each statement outside a transaction is one).
//!
//! `cargo bench -p verity-desk --bench scale` (defaults: 500 devices, 16 client threads, 3
//! desks); the issue's size: `SCALE_DEVICES=50000 cargo bench -p verity-desk --bench scale`.
//! Also `SCALE_DESK_LOG` (the desks' `VERITY_DESK_LOG`, `info` by default as deployed: a line
//! per request). Run by `cargo test --benches` (no `--bench` flag) it is a smoke run (12
//! devices, 4 clients, a few seconds). Without PostgreSQL's binaries it says so and exits 0. It
//! exits non-zero when an enrolment or a verify fails (any check not passed), or a desk dies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark fails loudly

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/support/pg_cluster.rs"]
mod pg_cluster;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{
    cluster_cpu_secs, copy_data_dir, database_size, env_usize, issue_codes, largest_tables,
    loadavg, mib, ms, own_cpu_secs, pct, DeskProcess,
};
use ed25519_dalek::SigningKey;
use verity_desk::admin;
use verity_device::client::{ClientOptions, DeskClient};
use verity_device::proto::{
    self, paths, Certificate, DeviceFacts, EnrollRequest, EnrollResponse, RegionSignals,
    SignalsRequest, TotpSetupResponse, VerifyRequest, VerifyResponse,
};
use verity_device::{Clock, SystemClock};

const STEP_SECS: u64 = 30;
/// See [`verify`].
const GUARD_SECS: u64 = 5;

/// An enrolled device, kept in memory.
struct Device {
    key: SigningKey,
    certificate: String,
    totp_secret: Vec<u8>,
    /// The last TOTP step used (0: none yet).
    last_step: AtomicU64,
}

fn signals() -> RegionSignals {
    RegionSignals {
        timezone: Some("Asia/Hong_Kong".into()),
        locale: Some("en-HK".into()),
    }
}

fn client(url: &str, org_key: ed25519_dalek::VerifyingKey) -> DeskClient {
    DeskClient::new(url, &ClientOptions::default())
        .unwrap()
        .with_org_key(org_key)
}

/// One enrolment on the wire, as `verity_device::device::enroll` does it, kept in memory.
fn enroll(client: &DeskClient, code: &str) -> Result<Device, String> {
    let key = proto::generate_signing_key().map_err(|e| e.to_string())?;
    let public = key.verifying_key();
    let req = EnrollRequest {
        code: code.to_owned(),
        device_key: proto::b64(public.as_bytes()),
        facts: DeviceFacts {
            hostname: "bench-host".into(),
            os: "linux x86_64".into(),
            app_version: "0.1.0".into(),
        },
        signals: signals(),
    };
    let resp: EnrollResponse = client
        .call(paths::ENROLL, &req, &key, None, &SystemClock)
        .map_err(|e| format!("enrol: {e}"))?;
    let org_key = client.org_key().ok_or("no organisation key")?;
    let cert = Certificate::verify(&resp.certificate, &org_key, Some(SystemClock.now()))
        .map_err(|e| format!("the certificate: {e}"))?;
    if cert.device_key() != &public {
        return Err("the certificate binds another key".into());
    }
    let totp: TotpSetupResponse = client
        .call(
            paths::TOTP_SETUP,
            &SignalsRequest { signals: signals() },
            &key,
            Some(cert.token()),
            &SystemClock,
        )
        .map_err(|e| format!("TOTP set-up: {e}"))?;
    let totp_secret = data_encoding::BASE32_NOPAD
        .decode(totp.secret.as_bytes())
        .map_err(|e| format!("the TOTP secret: {e}"))?;
    Ok(Device {
        key,
        certificate: cert.token().to_owned(),
        totp_secret,
        last_step: AtomicU64::new(0),
    })
}

/// One verify of `dev` with its next TOTP step; the round trip.
fn verify(client: &DeskClient, dev: &Device) -> Result<Duration, String> {
    let now = SystemClock.now();
    let current = now / STEP_SECS;
    // The previous step only while more than GUARD_SECS of this one are left: the desk judges the
    // code by its own clock when the request arrives, and then the previous step may have gone.
    let oldest = if now % STEP_SECS < STEP_SECS - GUARD_SECS {
        current - 1
    } else {
        current
    };
    let step = (dev.last_step.load(Ordering::Relaxed) + 1).max(oldest);
    if step > current + 1 {
        return Err(format!("no TOTP step left (step {step}, now {current})"));
    }
    dev.last_step.store(step, Ordering::Relaxed);
    let req = VerifyRequest {
        totp: verity_desk::totp::code_at(&dev.totp_secret, step * STEP_SECS).unwrap(),
        signals: signals(),
        audit_head: None,
    };
    let t = Instant::now();
    let resp: VerifyResponse = client
        .call(
            paths::VERIFY,
            &req,
            &dev.key,
            Some(&dev.certificate),
            &SystemClock,
        )
        .map_err(|e| format!("verify: {e}"))?;
    let rtt = t.elapsed();
    for (what, c) in [
        ("binding", &resp.device_binding),
        ("two-factor", &resp.two_factor),
        ("region", &resp.region),
    ] {
        if !c.ok {
            return Err(format!("{what} failed: {} ({})", c.code, c.message));
        }
    }
    Ok(rtt)
}

/// CPU seconds of the desks, the cluster and this process.
#[derive(Clone, Copy)]
struct Cpu {
    desks: f64,
    cluster: f64,
    bench: f64,
}

impl Cpu {
    fn read(desks: &[DeskProcess], postmaster: Option<u32>) -> Cpu {
        Cpu {
            desks: desks.iter().map(DeskProcess::cpu_secs).sum(),
            cluster: postmaster.map_or(0.0, cluster_cpu_secs),
            bench: own_cpu_secs(),
        }
    }

    fn since(self, before: Cpu) -> Cpu {
        Cpu {
            desks: self.desks - before.desks,
            cluster: self.cluster - before.cluster,
            bench: self.bench - before.bench,
        }
    }
}

struct Phase {
    instances: usize,
    requests: usize,
    secs: f64,
    p50: Duration,
    p99: Duration,
    cpu: Cpu,
    /// Transactions committed in the database (each statement outside a transaction is one).
    xacts: i64,
}

/// Transactions committed in the database so far (`pg_stat_database`; the statistics
/// collector's view, a snapshot per transaction of the query).
fn commits(url: &str) -> i64 {
    common::query_i64(
        url,
        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
    )[0]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n_devices = env_usize("SCALE_DEVICES", if full { 500 } else { 12 });
    let clients = env_usize("SCALE_CLIENTS", if full { 16 } else { 4 });
    let enroll_clients = env_usize("SCALE_ENROLL_CLIENTS", if full { 8 } else { 2 });
    let instances = env_usize("SCALE_INSTANCES", 3);
    let log = std::env::var("SCALE_DESK_LOG").unwrap_or_else(|_| "info".into());
    assert!(instances > 0 && clients > 0 && enroll_clients > 0 && n_devices > 0);

    if let Err(why) = pg_cluster::bin_dir() {
        println!("scale: skipped, no PostgreSQL: {why}");
        return;
    }
    let cluster = pg_cluster::Cluster::start()
        .unwrap_or_else(|e| panic!("cannot start a PostgreSQL cluster: {e}"));
    let url = cluster.database();
    let postmaster = cluster.postmaster_pid();
    let work = tempfile::tempdir().unwrap();
    let data0 = work.path().join("desk0");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_verity-desk"))
        .args(["org", "init", "--data"])
        .arg(&data0)
        .args(["--name", "Acme HK"])
        .env("VERITY_DESK_DATABASE", &url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "org init: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dirs: Vec<_> = (0..instances)
        .map(|i| {
            let d = work.path().join(format!("desk{i}"));
            if i > 0 {
                copy_data_dir(&data0, &d);
            }
            d
        })
        .collect();
    let mut desks: Vec<DeskProcess> = dirs
        .iter()
        .map(|d| DeskProcess::start(d, Some(&url), &log))
        .collect();
    let at = admin::DeskLocation {
        data: &data0,
        database: Some(&url),
    };
    let (org, _) = admin::org_show(&at).unwrap();
    let org_key = proto::parse_public_key(&org.public_key, "org").unwrap();
    let clients_by_desk: Vec<DeskClient> = desks.iter().map(|d| client(&d.url, org_key)).collect();
    println!(
        "scale: {n_devices} devices, {instances} desks on one PostgreSQL database, {clients} verify clients, {enroll_clients} enrolment clients, desk log {log:?}; load average {}",
        loadavg()
    );
    let size_empty = database_size(&url);

    // 1. Enrolment.
    let t = Instant::now();
    let codes = issue_codes(&at, n_devices, 4);
    let codes_secs = t.elapsed().as_secs_f64();
    let errors = Mutex::new(Vec::<String>::new());
    let devices: Vec<Mutex<Option<Device>>> = (0..n_devices).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let cpu0 = Cpu::read(&desks, postmaster);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..enroll_clients {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n_devices {
                    break;
                }
                match enroll(&clients_by_desk[i % instances], &codes[i]) {
                    Ok(d) => *devices[i].lock().unwrap() = Some(d),
                    Err(e) => errors.lock().unwrap().push(format!("device {i}: {e}")),
                }
            });
        }
    });
    let enroll_secs = t.elapsed().as_secs_f64();
    let enroll_cpu = Cpu::read(&desks, postmaster).since(cpu0);
    let devices: Vec<Device> = devices
        .into_iter()
        .filter_map(|m| m.into_inner().unwrap())
        .collect();
    let size_enrolled = database_size(&url);
    let tables_enrolled = largest_tables(&url, 5);

    // 2. Verify against 1 … instances desks.
    let mut phases = Vec::new();
    for n in 1..=instances {
        // Every device needs a step left (see the header): wait outside the timing.
        let highest = devices
            .iter()
            .map(|d| d.last_step.load(Ordering::Relaxed))
            .max()
            .unwrap_or(0);
        while SystemClock.now() / STEP_SECS < highest {
            std::thread::sleep(Duration::from_millis(200));
        }
        let next = AtomicUsize::new(0);
        let rtts = Mutex::new(Vec::with_capacity(devices.len()));
        // New clients, so that no connection left idle since the last phase is reused: the
        // desk closes a keep-alive connection after 10 s without a request (its header read
        // timeout), and a client that sends on it then fails ("connection closed before message
        // completed"). The device library makes a client per operation, so it never does.
        let clients_by_desk: Vec<DeskClient> =
            desks.iter().map(|d| client(&d.url, org_key)).collect();
        let xacts0 = commits(&url);
        let cpu0 = Cpu::read(&desks, postmaster);
        let t = Instant::now();
        std::thread::scope(|s| {
            for c in 0..clients {
                let (client, devices, next, rtts, errors) =
                    (&clients_by_desk[c % n], &devices, &next, &rtts, &errors);
                s.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= devices.len() {
                            break;
                        }
                        match verify(client, &devices[i]) {
                            Ok(d) => mine.push(d),
                            Err(e) => errors
                                .lock()
                                .unwrap()
                                .push(format!("{n} desks, device {i}: {e}")),
                        }
                    }
                    rtts.lock().unwrap().extend(mine);
                });
            }
        });
        let secs = t.elapsed().as_secs_f64();
        let cpu = Cpu::read(&desks, postmaster).since(cpu0);
        // Backends report their counts to the statistics within about a second of going idle.
        std::thread::sleep(Duration::from_millis(1500));
        let xacts = commits(&url) - xacts0;
        let mut rtts = rtts.into_inner().unwrap();
        rtts.sort();
        phases.push(Phase {
            instances: n,
            requests: rtts.len(),
            secs,
            p50: pct(&rtts, 50.0),
            p99: pct(&rtts, 99.0),
            cpu,
            xacts,
        });
    }
    let size_verified = database_size(&url);
    let alive = desks.iter_mut().all(DeskProcess::alive);

    println!();
    println!("| Figure | Value |");
    println!("|---|---|");
    println!(
        "| devices enrolled (device i through desk i % {instances}) | {} of {n_devices} |",
        devices.len()
    );
    println!("| codes issued (one store, 4 threads) | {codes_secs:.1} s |");
    println!(
        "| enrolment ({enroll_clients} clients; enrol + TOTP set-up) | {enroll_secs:.1} s: {:.0} devices/s |",
        devices.len() as f64 / enroll_secs
    );
    println!(
        "| CPU while enrolling: desks / PostgreSQL / bench | {:.1} / {:.1} / {:.1} s ({:.0} / {:.0} / {:.0} % of 2 cores) |",
        enroll_cpu.desks,
        enroll_cpu.cluster,
        enroll_cpu.bench,
        50.0 * enroll_cpu.desks / enroll_secs,
        50.0 * enroll_cpu.cluster / enroll_secs,
        50.0 * enroll_cpu.bench / enroll_secs
    );
    println!(
        "| database empty / after enrolment / after the verifies | {} / {} / {} |",
        mib(size_empty),
        mib(size_enrolled),
        mib(size_verified)
    );
    println!(
        "| database per 1,000 enrolled devices (delta) | {} |",
        mib((size_enrolled - size_empty) * 1000 / devices.len().max(1) as i64)
    );
    for (name, bytes, rows) in &tables_enrolled {
        println!(
            "| table {name} after enrolment ({rows} rows) | {} |",
            mib(*bytes)
        );
    }
    println!();
    println!(
        "| Desks | Verifies | Seconds | Verifies/s | Per desk | vs 1 desk | p50 / p99 | CPU s: desks / PostgreSQL / bench (% of 2 cores) | CPU ms per verify: desks / PostgreSQL | PostgreSQL transactions per verify |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let base = phases.first().map_or(1.0, |p| p.requests as f64 / p.secs);
    for p in &phases {
        let rps = p.requests as f64 / p.secs;
        let share = |c: f64| 50.0 * c / p.secs;
        println!(
            "| {} | {} | {:.1} | {:.0} | {:.0} | ×{:.2} | {} / {} | {:.1} / {:.1} / {:.1} ({:.0} / {:.0} / {:.0}) | {:.2} / {:.2} | {:.1} |",
            p.instances,
            p.requests,
            p.secs,
            rps,
            rps / p.instances as f64,
            rps / base,
            ms(p.p50),
            ms(p.p99),
            p.cpu.desks,
            p.cpu.cluster,
            p.cpu.bench,
            share(p.cpu.desks),
            share(p.cpu.cluster),
            share(p.cpu.bench),
            1000.0 * p.cpu.desks / p.requests.max(1) as f64,
            1000.0 * p.cpu.cluster / p.requests.max(1) as f64,
            p.xacts as f64 / p.requests.max(1) as f64,
        );
    }
    println!("load average after: {}", loadavg());

    let mut errors = errors.into_inner().unwrap();
    if !alive {
        errors.push("a desk died".into());
    }
    for p in &phases {
        if p.requests != devices.len() {
            errors.push(format!(
                "{} desks: {} of {} verifies passed",
                p.instances,
                p.requests,
                devices.len()
            ));
        }
    }
    if devices.len() != n_devices {
        errors.push(format!("{} of {n_devices} devices enrolled", devices.len()));
    }
    if !errors.is_empty() {
        // `exit` runs no destructors: stop the desks and the cluster, remove the files.
        drop(desks);
        drop(cluster);
        drop(work);
        eprintln!("scale FAILED: {} errors", errors.len());
        for e in errors.iter().take(20) {
            eprintln!("  {e}");
        }
        std::process::exit(1);
    }
}
