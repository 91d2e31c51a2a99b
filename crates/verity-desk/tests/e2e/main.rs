//! The desk and the device library end to end, over loopback HTTP, with temporary data dirs and
//! a manual clock shared by both ends.
//!
//! The device key is kept in the passphrase file store, or in the OS store: the Secret Service
//! when `VERITY_TEST_SECRET_SERVICE=1` (run `crates/verity-device/tests/secret-service.sh`),
//! Credential Manager always on Windows (under Wine in `scripts/windows/test`).

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use data_encoding::{BASE32_NOPAD, BASE64, BASE64URL_NOPAD, HEXLOWER, HEXUPPER};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use tempfile::TempDir;
use verity_desk::admin;
use verity_desk::{BackgroundDesk, DeskConfig, ServeOptions};
use verity_device::client::DeskClient;
use verity_device::device::{self, DeviceContext};
use verity_device::keystore::{FileKeyStore, KeyStore, KeyStoreKind, OsKeyStore};
use verity_device::proto::{
    self, codes, paths, Certificate, CertificateBody, DeviceFacts, RegionSignals,
};
use verity_device::state::DeviceState;
use verity_device::{KdfParams, KeyStoreChoice, ManualClock};

const START: u64 = 1_800_000_000;
const PASSPHRASE: &[u8] = b"correct horse battery staple";

// ---- captured logs: every test's tracing and log output goes into one buffer -------------------

#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static LogBuffer {
    static LOGS: OnceLock<LogBuffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = LogBuffer::default();
        let writer = buf.clone();
        // Also bridges the `log` records of the device side and of reqwest into tracing.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
                "trace,{}",
                verity_desk::postgres::DRIVER_LOG_DIRECTIVE
            )))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buf
    })
}

// ---- fixture ---------------------------------------------------------------------------------

/// The store the suite runs on: `VERITY_TEST_DATABASE=postgres` puts every test's desk on a
/// fresh database (`CREATE DATABASE`) of a throwaway cluster started once for this binary;
/// unset, the embedded SQLite database in the test's data directory.
#[allow(clippy::panic)] // a misspelt switch fails the test rather than running on SQLite
fn test_database() -> Option<String> {
    match std::env::var("VERITY_TEST_DATABASE").as_deref() {
        Err(_) | Ok("" | "sqlite") => None,
        Ok("postgres") => Some(pg_cluster::Cluster::shared().database()),
        Ok(other) => panic!("VERITY_TEST_DATABASE={other}: give postgres, sqlite or nothing"),
    }
}

/// Whether the suite runs on PostgreSQL (see [`test_database`]).
fn on_postgres() -> bool {
    std::env::var("VERITY_TEST_DATABASE").as_deref() == Ok("postgres")
}

/// Skips a test that cannot sensibly run on PostgreSQL, saying why (returns true to skip).
fn skip_on_postgres(why: &str) -> bool {
    if on_postgres() {
        eprintln!("skipped on PostgreSQL: {why}");
    }
    on_postgres()
}

struct Fx {
    desk_dir: TempDir,
    /// The test's PostgreSQL database (see [`test_database`]); `None` for SQLite.
    db: Option<String>,
    clock: Arc<ManualClock>,
    desk: Option<BackgroundDesk>,
    url: String,
    /// Where the console's requests go instead of the desk (another desk on the same database,
    /// behind the same public URL).
    via: Mutex<Option<std::net::SocketAddr>>,
}

impl Fx {
    fn new() -> Fx {
        Fx::with(DeskConfig::default())
    }

    fn with(config: DeskConfig) -> Fx {
        Fx::with_options(config, ServeOptions::default())
    }

    fn with_options(config: DeskConfig, options: ServeOptions) -> Fx {
        Fx::build(config, |_| options)
    }

    /// A desk whose serving options may depend on its address (a relay in front of it).
    fn build(config: DeskConfig, options: impl FnOnce(std::net::SocketAddr) -> ServeOptions) -> Fx {
        logs();
        let desk_dir = tempfile::tempdir().unwrap();
        let db = test_database();
        let at = admin::DeskLocation {
            data: desk_dir.path(),
            database: db.as_deref(),
        };
        let clock = Arc::new(ManualClock::new(START));
        admin::init_org(
            &at,
            "Acme HK",
            Some(b"org passphrase"),
            KdfParams::INSECURE_FOR_TESTS,
            clock.as_ref(),
        )
        .unwrap();
        let desk = admin::open_desk(&at, Some(b"org passphrase"), clock.clone(), config).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let options = options(listener.local_addr().unwrap());
        let bg = BackgroundDesk::start_on(Arc::new(desk), listener, None, options).unwrap();
        let url = format!("http://{}", bg.addr());
        Fx {
            desk_dir,
            db,
            clock,
            desk: Some(bg),
            url,
            via: Mutex::new(None),
        }
    }

    /// Where the desk keeps its state: the data directory and, on PostgreSQL, the database.
    fn at(&self) -> admin::DeskLocation<'_> {
        admin::DeskLocation {
            data: self.desk_dir.path(),
            database: self.db.as_deref(),
        }
    }

    /// The desk's store, as the admin commands open it (to arrange or inspect state).
    fn store(&self) -> Arc<dyn verity_desk::DeskStore> {
        admin::open_store(&self.at()).unwrap()
    }

    /// `--database URL` for a `verity-desk` command this test runs, when on PostgreSQL.
    fn db_args(&self) -> Vec<String> {
        self.db
            .iter()
            .flat_map(|u| ["--database".to_owned(), u.clone()])
            .collect()
    }

    fn code(&self, employee: &str, ttl: u64) -> String {
        admin::create_enroll_code(
            &self.at(),
            Some(b"org passphrase"),
            employee,
            "Chan Tai Man",
            ttl,
            self.clock.as_ref(),
        )
        .unwrap()
        .0
        .to_string()
    }

    /// The organisation key fingerprint, as IT announces it.
    fn fp(&self) -> String {
        admin::org_show(&self.at()).unwrap().1
    }

    fn ctx(&self, dir: &Path) -> DeviceContext {
        let os_store =
            cfg!(windows) || std::env::var("VERITY_TEST_SECRET_SERVICE").as_deref() == Ok("1");
        DeviceContext {
            data_dir: dir.to_path_buf(),
            key_store: if os_store {
                KeyStoreChoice::Os
            } else {
                KeyStoreChoice::File
            },
            passphrase: Some(zeroize::Zeroizing::new(PASSPHRASE.to_vec())),
            kdf: KdfParams::INSECURE_FOR_TESTS,
            os_service: "hk.verity.test-device-key".into(),
            clock: self.clock.clone(),
            client: Default::default(),
            facts: DeviceFacts {
                hostname: "test-host".into(),
                os: "linux x86_64".into(),
                app_version: "0.1.0".into(),
            },
            signals: RegionSignals {
                timezone: Some("Asia/Hong_Kong".into()),
                locale: Some("zh-HK".into()),
            },
        }
    }

    fn policy(&self, regions: &str, cidrs: &str) {
        admin::set_policy(&self.at(), regions, cidrs, self.clock.as_ref()).unwrap();
    }
}

impl Drop for Fx {
    fn drop(&mut self) {
        if let Some(d) = self.desk.take() {
            d.stop().unwrap();
        }
    }
}

/// An enrolled device: its data dir, context, and TOTP secret.
struct Dev {
    dir: TempDir,
    ctx: DeviceContext,
    totp_secret: Vec<u8>,
}

impl Dev {
    fn enroll(fx: &Fx) -> Dev {
        Dev::enroll_with(fx, &fx.code("e100", 3600))
    }

    /// Enrols with `code` (one a test issued its own way).
    fn enroll_with(fx: &Fx, code: &str) -> Dev {
        let dir = tempfile::tempdir().unwrap();
        let ctx = fx.ctx(dir.path());
        let code = code.to_owned();
        let out = device::enroll(&ctx, &fx.url, &code, &fx.fp()).unwrap();
        let totp = out.totp.expect("TOTP set up");
        let totp_secret = BASE32_NOPAD.decode(totp.secret.as_bytes()).unwrap();
        Dev {
            dir,
            ctx,
            totp_secret,
        }
    }

    fn code_now(&self, clock: &ManualClock) -> String {
        verity_desk::totp::code_at(&self.totp_secret, clock.now()).unwrap()
    }

    fn state(&self) -> DeviceState {
        DeviceState::load(self.dir.path()).unwrap().unwrap()
    }

    fn key(&self) -> ed25519_dalek::SigningKey {
        let state = self.state();
        match state.key_store {
            KeyStoreKind::Os => OsKeyStore::new(&self.ctx.os_service).load(&state.key_ref),
            KeyStoreKind::File => FileKeyStore::new(
                self.dir.path(),
                self.ctx.passphrase.clone(),
                KdfParams::INSECURE_FOR_TESTS,
            )
            .load(&state.key_ref),
        }
        .unwrap()
    }

    fn client(&self) -> DeskClient {
        let state = self.state();
        let org = proto::parse_public_key(&state.org.public_key, "org").unwrap();
        DeskClient::new(&state.desk_url, &Default::default())
            .unwrap()
            .with_org_key(org)
    }
}

use verity_device::Clock as _;

fn desk_code(r: Result<impl std::fmt::Debug, device::DeviceError>) -> String {
    match r {
        Err(e) => e.code().to_owned(),
        Ok(v) => format!("unexpected success: {v:?}"),
    }
}

fn refused_code<T: std::fmt::Debug>(r: Result<T, verity_device::client::ClientError>) -> String {
    match r {
        Err(verity_device::client::ClientError::Refused { code, .. }) => code,
        other => format!("unexpected: {other:?}"),
    }
}

// ---- raw HTTP, for hostile clients ---------------------------------------------------------------

/// An HTTP/1.1 answer read off a socket.
#[derive(Debug)]
struct RawAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawAnswer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn code(&self) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body).unwrap()["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

/// Reads one HTTP/1.1 message (head, then a Content-Length body) from `r`.
fn read_message(r: &mut impl std::io::Read) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if r.read(&mut b).ok()? == 0 {
            return None;
        }
        head.push(b[0]);
    }
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let len = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse::<usize>().unwrap());
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn parse_answer(head: &[u8], body: Vec<u8>) -> RawAnswer {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    RawAnswer {
        status,
        headers,
        body,
    }
}

/// Sends a prepared request over a plain socket, with `extra` headers, and reads the answer.
fn send_raw(
    addr: std::net::SocketAddr,
    req: &verity_device::client::PreparedRequest,
    extra: &[(&str, &str)],
) -> RawAnswer {
    use std::io::Write as _;
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let path = match req.url.query() {
        Some(q) => format!("{}?{q}", req.url.path()),
        None => req.url.path().to_owned(),
    };
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        req.method,
        req.body.len()
    );
    if let Some(a) = &req.auth {
        head.push_str(&format!(
            "{}: {}\r\n{}: {}\r\n{}: {}\r\n",
            proto::H_TIMESTAMP,
            a.timestamp,
            proto::H_NONCE,
            a.nonce,
            proto::H_SIGNATURE,
            a.signature
        ));
        if let Some(c) = &a.certificate {
            head.push_str(&format!("{}: {c}\r\n", proto::H_CERTIFICATE));
        }
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&req.body).unwrap();
    let (head, body) = read_message(&mut s).unwrap();
    parse_answer(&head, body)
}

/// An enrolment request with `code`, signed by a fresh device key.
fn enroll_request(
    client: &DeskClient,
    code: &str,
    clock: &ManualClock,
) -> verity_device::client::PreparedRequest {
    let key = proto::generate_signing_key().unwrap();
    let body = serde_json::to_vec(&proto::EnrollRequest {
        code: code.to_owned(),
        device_key: proto::b64(key.verifying_key().as_bytes()),
        facts: DeviceFacts {
            hostname: "h".into(),
            os: "linux".into(),
            app_version: "0.1.0".into(),
        },
        signals: RegionSignals::default(),
    })
    .unwrap();
    client
        .prepare("POST", paths::ENROLL, body, &key, None, clock)
        .unwrap()
}

/// Sends `reqs` from `threads` threads at once (each its own connections) and returns the
/// answers' codes.
fn send_parallel(
    addr: std::net::SocketAddr,
    reqs: &[verity_device::client::PreparedRequest],
    threads: usize,
) -> Vec<RawAnswer> {
    let out = Mutex::new(Vec::new());
    let start = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        for chunk in reqs.chunks(reqs.len().div_ceil(threads)) {
            let (out, start) = (&out, &start);
            s.spawn(move || {
                start.wait();
                for r in chunk {
                    let a = send_raw(addr, r, &[]);
                    out.lock().unwrap().push(a);
                }
            });
        }
    });
    out.into_inner().unwrap()
}

fn count(answers: &[String], code: &str) -> usize {
    answers.iter().filter(|c| c.as_str() == code).count()
}

// ---- a desk on TLS ------------------------------------------------------------------------------

/// A desk served over TLS on 127.0.0.1 with a leaf certificate for `localhost` from a private CA.
struct TlsDesk {
    desk: BackgroundDesk,
    /// `https://localhost:PORT`, the desk's public URL (the origin requests are signed for).
    url: String,
    addr: std::net::SocketAddr,
    /// The private CA, for the device's extra roots.
    ca_pem: Vec<u8>,
    _files: TempDir,
}

fn tls_desk(fx: &Fx, options: ServeOptions) -> TlsDesk {
    let files = tempfile::tempdir().unwrap();
    let ca = rcgen::CertifiedIssuer::self_signed(
        {
            let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
            p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            p
        },
        rcgen::KeyPair::generate().unwrap(),
    )
    .unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let (cert_file, key_file) = (files.path().join("cert.pem"), files.path().join("key.pem"));
    std::fs::write(&cert_file, leaf.pem()).unwrap();
    std::fs::write(&key_file, leaf_key.serialize_pem()).unwrap();
    let desk = admin::open_desk(
        &fx.at(),
        Some(b"org passphrase"),
        fx.clock.clone(),
        DeskConfig::default(),
    )
    .unwrap();
    // Served on 127.0.0.1, reached as localhost: the public URL says which origin is signed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("https://localhost:{}", addr.port());
    let desk = BackgroundDesk::start_on(
        Arc::new(desk),
        listener,
        Some((&cert_file, &key_file)),
        ServeOptions {
            public_url: Some(url.clone()),
            ..options
        },
    )
    .unwrap();
    TlsDesk {
        desk,
        url,
        addr,
        ca_pem: ca.pem().into_bytes(),
        _files: files,
    }
}

// Its helpers panic: a cluster that cannot start is a failed test.
#[path = "../../benches/common/mod.rs"]
mod common;
#[allow(clippy::panic)]
#[path = "../support/pg_cluster.rs"]
mod pg_cluster;

mod agents;
mod audit;
mod checkin;
mod console;
mod console_passkeys;
mod console_triage;
mod drills;
mod failover;
mod feedpub;
mod load;
mod oplog;
mod protocol;
mod reports;
mod rogue;
mod scaleout;
mod support;
