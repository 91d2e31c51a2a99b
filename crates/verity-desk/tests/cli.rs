//! The `verity-desk` binary: admin commands, the plain-HTTP guard, serving and graceful shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};
// For the Unix-only tests (file modes, SIGTERM).
#[cfg(unix)]
use std::io::{BufRead, BufReader, Read, Write};
#[cfg(unix)]
use std::process::Stdio;

fn desk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verity-desk"))
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn admin_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("desk");
    let d = data.to_str().unwrap();
    let pass = tmp.path().join("pass");
    std::fs::write(&pass, "org passphrase\n").unwrap();

    let out = desk(&[
        "org",
        "init",
        "--data",
        d,
        "--name",
        "Acme HK",
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Key fingerprint:"));
    #[cfg(unix)]
    {
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("org-key.json")), 0o600);
        assert_eq!(mode(&data.join("desk.sqlite3")), 0o600);
    }
    let key_file = std::fs::read_to_string(data.join("org-key.json")).unwrap();
    assert!(
        key_file.contains("\"passphrase\"") && !key_file.contains("seed"),
        "{key_file}"
    );
    // Twice: refused.
    assert_eq!(
        desk(&["org", "init", "--data", d, "--name", "Again"])
            .status
            .code(),
        Some(3)
    );

    let out = desk(&[
        "enroll-code",
        "--data",
        d,
        "--employee",
        "e100",
        "--name",
        "Chan Tai Man",
        "--ttl",
        "2h",
        "--passphrase-file",
        pass.to_str().unwrap(),
        "--desk",
        "https://desk.example.hk",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let code = stdout.lines().last().unwrap();
    assert_eq!(code.len(), 14, "{stdout}");
    assert!(code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    assert!(stdout.contains("verity://enroll?desk=https%3A%2F%2Fdesk.example.hk&code="));
    // Only the code's hash is stored.
    assert!(!text(&std::fs::read(data.join("desk.sqlite3")).unwrap()).contains(code));
    assert_eq!(
        desk(&[
            "enroll-code",
            "--data",
            d,
            "--employee",
            "e1",
            "--name",
            "X",
            "--ttl",
            "2"
        ])
        .status
        .code(),
        Some(2)
    );

    let out = desk(&["policy", "show", "--data", d]);
    assert!(text(&out.stdout).contains("No region policy"));
    let out = desk(&[
        "policy",
        "set",
        "--data",
        d,
        "--regions",
        "HK,MO",
        "--cidrs",
        "10.0.0.0/8,192.0.2.0/24",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = desk(&["policy", "show", "--data", d, "--json"]);
    let p: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(p["regions"], serde_json::json!(["HK", "MO"]));
    assert_eq!(
        p["cidrs"],
        serde_json::json!(["10.0.0.0/8", "192.0.2.0/24"])
    );
    let out = desk(&["policy", "set", "--data", d, "--cidrs", "10.0.0.0/99"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr).lines().count(), 1);
    assert!(desk(&["policy", "clear", "--data", d]).status.success());

    let out = desk(&["devices", "list", "--data", d, "--json"]);
    assert_eq!(text(&out.stdout).trim(), "[]");
    assert_eq!(
        desk(&["devices", "revoke", "--data", d, "0123456789"])
            .status
            .code(),
        Some(3)
    );
}

/// An organisation initialised in `tmp/desk`, its key sealed with a passphrase.
fn initialised(tmp: &Path) -> std::path::PathBuf {
    let data = tmp.join("desk");
    let pass = tmp.join("pass");
    std::fs::write(&pass, "org passphrase\n").unwrap();
    let out = desk(&[
        "org",
        "init",
        "--data",
        data.to_str().unwrap(),
        "--name",
        "Acme HK",
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    data
}

#[test]
fn the_organisations_feed_is_set_shown_and_cleared() {
    let tmp = tempfile::tempdir().unwrap();
    let data = initialised(tmp.path());
    let d = data.to_str().unwrap();
    // The organisation's threat feed.
    let root = tmp.path().join("root.json");
    std::fs::write(&root, r#"{"signed":{"_type":"root"},"signatures":[]}"#).unwrap();
    let root = root.to_str().unwrap();
    let out = desk(&[
        "org",
        "feed",
        "--data",
        d,
        "--url",
        "https://feed.example.hk/acme/",
        "--root",
        root,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = desk(&["org", "show", "--data", d, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["feed"]["url"], "https://feed.example.hk/acme/");
    let out = desk(&[
        "org",
        "feed",
        "--data",
        d,
        "--url",
        "http://feed.example.hk/",
        "--root",
        root,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        desk(&[
            "org",
            "feed",
            "--data",
            d,
            "--url",
            "https://feed.example.hk/"
        ])
        .status
        .code(),
        Some(2)
    );
    assert!(desk(&["org", "feed", "--data", d, "--clear"])
        .status
        .success());
    let out = desk(&["org", "show", "--data", d, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["feed"].is_null());
}

#[test]
fn serving_off_loopback_or_without_the_passphrase_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = initialised(tmp.path());
    let d = data.to_str().unwrap();
    // Off loopback the desk needs its public URL (the origin devices sign), never a guess.
    let out = desk(&[
        "serve",
        "--data",
        d,
        "--listen",
        "0.0.0.0:0",
        "--tls-cert",
        "c.pem",
        "--tls-key",
        "k.pem",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--public-url"),
        "{}",
        text(&out.stderr)
    );

    // Plain HTTP off loopback: refused before anything else.
    let out = desk(&["serve", "--data", d, "--listen", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("refusing plain HTTP"),
        "{}",
        text(&out.stderr)
    );
    // The key needs its passphrase.
    let out = desk(&["serve", "--data", d, "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("passphrase"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn serve_reads_a_configuration_file_that_options_override() {
    let tmp = tempfile::tempdir().unwrap();
    let data = initialised(tmp.path());
    let config = tmp.path().join("desk.toml");
    // The file alone: its data directory is used (the key there needs its passphrase).
    std::fs::write(
        &config,
        format!(
            "data = {:?}\nlisten = \"127.0.0.1:0\"\n",
            data.to_str().unwrap()
        ),
    )
    .unwrap();
    let c = config.to_str().unwrap();
    let out = desk(&["serve", "--config", c]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("passphrase"),
        "{}",
        text(&out.stderr)
    );
    // An option overrides the file's key: plain HTTP off loopback is refused.
    let out = desk(&["serve", "--config", c, "--listen", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("refusing plain HTTP"),
        "{}",
        text(&out.stderr)
    );
    // A misspelt key, a missing file, and neither file nor options: usage errors, one line.
    std::fs::write(&config, "listn = \"127.0.0.1:0\"\n").unwrap();
    let out = desk(&["serve", "--config", c]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("listn") && err.trim().lines().count() == 1,
        "{err}"
    );
    let missing = tmp.path().join("nope.toml");
    let out = desk(&["serve", "--config", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read the configuration file"));
    let out = desk(&["serve"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--data"),
        "{}",
        text(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn serves_and_shuts_down_gracefully_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("desk");
    let d = d.to_str().unwrap();
    assert!(desk(&["org", "init", "--data", d, "--name", "Acme HK"])
        .status
        .success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_verity-desk"))
        .args([
            "serve",
            "--data",
            d,
            "--listen",
            "127.0.0.1:0",
            "--log-json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut addr = None;
    let mut line = String::new();
    while addr.is_none() && stderr.read_line(&mut line).unwrap() > 0 {
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        if v["fields"]["message"] == "desk listening" {
            addr = v["fields"]["addr"].as_str().map(str::to_owned);
        }
        line.clear();
    }
    let addr = addr.expect("the desk logs its address");

    let get = |path: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).unwrap();
        r
    };
    assert!(get("/healthz").starts_with("HTTP/1.1 200"));
    // A second desk on the same embedded database is refused, with what to do instead; the
    // admin commands still run beside the serving one.
    let second = desk(&["serve", "--data", d, "--listen", "127.0.0.1:0"]);
    assert_eq!(second.status.code(), Some(2), "{second:?}");
    let why = text(&second.stderr);
    assert!(
        why.contains("another verity-desk serve is running") && why.contains("PostgreSQL"),
        "{why}"
    );
    assert!(desk(&["org", "show", "--data", d]).status.success());
    let org = get("/v1/org");
    assert!(org.contains("\"fingerprint\""), "{org}");
    assert!(get("/nope").contains("\"not_found\""));
    // An oversized body is refused.
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(s, "POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n").unwrap();
    let _ = s.write_all(&vec![b'x'; 100_000]);
    let mut r = String::new();
    let _ = s.read_to_string(&mut r);
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");

    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("desk stopped"), "{rest}");
    // Its lock went with it.
    drop(verity_desk::admin::hold_serve_lock(Path::new(d)).unwrap());
}

#[test]
fn agent_codes_are_issued_listed_and_refused_with_bad_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let data = initialised(tmp.path());
    let d = data.to_str().unwrap();
    let pass = tmp.path().join("pass");
    let pass = pass.to_str().unwrap();
    let add = |extra: &[&str]| {
        let mut args = vec![
            "agent",
            "add",
            "--data",
            d,
            "--passphrase-file",
            pass,
            "--name",
            "Wong Siu Ming",
            "--team",
            "Accounts",
        ];
        args.extend_from_slice(extra);
        desk(&args)
    };
    let out = add(&[
        "--languages",
        "zh-HK,en",
        "--regions",
        "hk",
        "--skills",
        "billing",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Agent:     Wong Siu Ming (agent, Accounts)"),
        "{stdout}"
    );
    assert!(stdout.contains("Regions:   HK"), "{stdout}");
    let code = stdout.lines().last().unwrap();
    assert_eq!(code.len(), 14, "{stdout}");
    // Out of bounds: a usage error, and no code.
    for bad in [
        &["--languages", "fr", "--regions", "HK"][..],
        &["--languages", "en", "--regions", "Hong Kong"],
        &["--languages", "en", "--regions", "HK", "--capacity", "0"],
        &[
            "--languages",
            "en",
            "--regions",
            "HK",
            "--skills",
            "Billing!",
        ],
    ] {
        let out = add(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", text(&out.stderr));
        assert!(text(&out.stdout).is_empty(), "{bad:?}");
    }
    let out = desk(&["agent", "list", "--data", d]);
    assert_eq!(text(&out.stdout), "No agents enrolled.\n");
    let out = desk(&["agent", "list", "--data", d, "--json"]);
    assert_eq!(text(&out.stdout), "[]\n");
    let out = desk(&["agent", "revoke", "--data", d, "0123456789abcdef"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no agent"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn console_accounts() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("desk");
    let d = data.to_str().unwrap();
    let out = desk(&["org", "init", "--data", d, "--name", "Acme HK"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = desk(&["admin", "add", "--data", d, "Chan", "--role", "admin"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let code = stdout.lines().last().unwrap().trim().to_owned();
    assert_eq!(code.len(), 14, "{stdout}");
    assert!(stdout.contains("chan (admin)"), "{stdout}");
    // Only the code's HMAC is kept.
    let db = std::fs::read(data.join("desk.sqlite3")).unwrap();
    assert!(!db.windows(code.len()).any(|w| w == code.as_bytes()));

    let again = desk(&["admin", "add", "--data", d, "chan", "--role", "auditor"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    let bad = desk(&["admin", "add", "--data", d, "no spaces", "--role", "admin"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = desk(&["admin", "add", "--data", d, "x", "--role", "root"]);
    assert_eq!(bad.status.code(), Some(2));

    let list = text(&desk(&["admin", "list", "--data", d]).stdout);
    assert!(list.contains("chan  admin  setup pending"), "{list}");
    let json: serde_json::Value =
        serde_json::from_slice(&desk(&["admin", "list", "--data", d, "--json"]).stdout).unwrap();
    assert_eq!(json[0]["name"], "chan");
    assert!(json[0].get("setup_hash").is_none() && json[0].get("passphrase_hash").is_none());

    let reset = desk(&["admin", "reset", "--data", d, "chan"]);
    assert!(reset.status.success(), "{}", text(&reset.stderr));
    let new_code = text(&reset.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();
    assert_ne!(new_code, code);
    assert_eq!(
        desk(&["admin", "reset", "--data", d, "nobody"])
            .status
            .code(),
        Some(3)
    );
    let out = desk(&["admin", "disable", "--data", d, "chan"]);
    assert!(
        text(&out.stdout).contains("Disabled chan"),
        "{}",
        text(&out.stderr)
    );
    let list = text(&desk(&["admin", "list", "--data", d]).stdout);
    assert!(list.contains("disabled"), "{list}");
}

#[test]
fn support_routes_sessions_and_the_audit_recipient() {
    let tmp = tempfile::tempdir().unwrap();
    let data = initialised(tmp.path());
    let d = data.to_str().unwrap();
    let out = desk(&["support", "audit-recipient", "show", "--data", d]);
    assert!(text(&out.stdout).contains("No audit recipient"));
    for bad in [
        "age1short",
        "AGE1QL3Z7HJY54PW3HYWW5AYYFG7ZQGVC7W3J2ELW8ZMRJ2KG5SFN9AQMCAC8P",
        "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8b",
        "age2ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
    ] {
        let out = desk(&["support", "audit-recipient", "set", "--data", d, bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out.stdout));
    }
    let age = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    let out = desk(&["support", "audit-recipient", "set", "--data", d, age]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = desk(&["support", "audit-recipient", "show", "--data", d]);
    assert_eq!(text(&out.stdout).trim(), age);

    let add = |c: &str, r: &str, l: &str, t: &str| {
        desk(&[
            "support",
            "route",
            "add",
            "--data",
            d,
            "--category",
            c,
            "--region",
            r,
            "--language",
            l,
            "--team",
            t,
        ])
    };
    let out = add("billing", "HK", "*", "Billing");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Rule 1: billing HK * -> Billing"));
    for (c, r, l, t) in [
        ("refund", "HK", "*", "T"),
        ("*", "hk", "*", "T"),
        ("*", "HK", "fr", "T"),
        ("*", "*", "*", ""),
    ] {
        assert_eq!(add(c, r, l, t).status.code(), Some(2), "{c} {r} {l} {t}");
    }
    let out = desk(&["support", "route", "list", "--data", d, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["team"], "Billing");
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert!(desk(&["support", "route", "remove", "--data", d, "1"])
        .status
        .success());
    assert_eq!(
        desk(&["support", "route", "remove", "--data", d, "1"])
            .status
            .code(),
        Some(2)
    );
    let out = desk(&["support", "sessions", "--data", d]);
    assert!(text(&out.stdout).contains("No support sessions."));
    let out = desk(&["oplog", "verify", "--data", d]);
    assert!(out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn the_audit_key_is_made_owner_only_never_overwritten_and_its_recipient_set() {
    let tmp = tempfile::tempdir().unwrap();
    let data = initialised(tmp.path());
    let data = data.to_str().unwrap();
    let id_path = tmp.path().join("audit.key");
    let id = id_path.to_str().unwrap();
    let out = desk(&["audit", "keygen", "--out", id]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let recipient = text(&out.stdout).lines().last().unwrap().to_owned();
    assert!(recipient.starts_with("age1"), "{recipient}");
    let file = std::fs::read_to_string(&id_path).unwrap();
    assert!(file.contains("AGE-SECRET-KEY-1"));
    assert!(
        !text(&out.stdout).contains("AGE-SECRET-KEY"),
        "the secret is never printed"
    );
    #[cfg(unix)]
    assert_eq!(mode(&id_path), 0o600);
    // Never overwritten.
    let again = desk(&["audit", "keygen", "--out", id]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("never overwritten"));
    assert_eq!(std::fs::read_to_string(&id_path).unwrap(), file);
    // The printed recipient is what the desk takes.
    let set = desk(&[
        "support",
        "audit-recipient",
        "set",
        "--data",
        data,
        &recipient,
    ]);
    assert!(set.status.success(), "{}", text(&set.stderr));
    // Opening a session the desk never saw: a clear refusal, and bad ids are usage errors.
    let none = desk(&[
        "audit",
        "open",
        "--data",
        data,
        "--identity",
        id,
        "0123456789abcdef0123456789abcdef",
    ]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        text(&none.stdout).contains("missing"),
        "{}",
        text(&none.stdout)
    );
    let bad = desk(&["audit", "open", "--data", data, "--identity", id, "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    let not_a_key = tmp.path().join("not-a-key");
    std::fs::write(&not_a_key, "hello\n").unwrap();
    let wrong = desk(&[
        "audit",
        "open",
        "--data",
        data,
        "--identity",
        not_a_key.to_str().unwrap(),
        "0123456789abcdef0123456789abcdef",
    ]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        text(&wrong.stderr).contains("no audit identity"),
        "{}",
        text(&wrong.stderr)
    );
}

// Its helpers panic: a cluster that cannot start is a failed test.
#[allow(clippy::panic)]
#[path = "support/pg_cluster.rs"]
mod pg_cluster;

#[test]
fn a_database_that_is_not_postgres_or_cannot_be_reached_is_refused_and_its_password_never_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("desk");
    let d = d.to_str().unwrap();
    // Nothing listens on port 1.
    let url = "postgres://desk:s3cret-pw@127.0.0.1:1/verity";
    for args in [
        vec![
            "serve",
            "--data",
            d,
            "--listen",
            "127.0.0.1:0",
            "--database",
            url,
        ],
        vec!["--database", url, "devices", "list", "--data", d],
    ] {
        let out = desk(&args);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(
            err.contains("postgres://desk:***@127.0.0.1:1/verity"),
            "{err}"
        );
        assert!(!err.contains("s3cret-pw"), "{err}");
        assert!(!d.is_empty() && !Path::new(d).exists(), "nothing written");
    }
    // Also from the environment (which keeps the password out of the process list).
    let out = Command::new(env!("CARGO_BIN_EXE_verity-desk"))
        .args(["devices", "list", "--data", d])
        .env("VERITY_DESK_DATABASE", url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!text(&out.stderr).contains("s3cret-pw"));
    // Something else than a PostgreSQL URL: a usage error, from the command line or the file.
    let out = desk(&[
        "--database",
        "mysql://desk:s3cret-pw@db/verity",
        "devices",
        "list",
        "--data",
        d,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a database URL"));
    assert!(!text(&out.stderr).contains("s3cret-pw"));
    let config = tmp.path().join("desk.toml");
    std::fs::write(
        &config,
        // Literal strings: a Windows path's backslashes are not TOML escapes.
        format!(
            "data = '{d}'\nlisten = '127.0.0.1:0'\ndatabase = 'mysql://desk:s3cret-pw@db/verity'\n"
        ),
    )
    .unwrap();
    let out = desk(&["serve", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not a database URL"));
    assert!(!text(&out.stderr).contains("s3cret-pw"));
}

#[test]
fn admin_commands_keep_their_records_on_postgres_and_the_files_in_the_data_dir() {
    let url = pg_cluster::Cluster::shared().database();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("desk");
    let d = d.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_verity-desk"))
            .args(args)
            .env("VERITY_DESK_DATABASE", &url)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    run(&["org", "init", "--data", d, "--name", "Acme PG"]);
    let code = run(&[
        "enroll-code",
        "--data",
        d,
        "--employee",
        "E1",
        "--name",
        "Chan Tai Man",
    ]);
    assert!(code.contains("Chan Tai Man"), "{code}");
    run(&[
        "support",
        "route",
        "add",
        "--data",
        d,
        "--category",
        "billing",
        "--region",
        "*",
        "--language",
        "*",
        "--team",
        "Billing",
    ]);
    assert!(run(&["support", "route", "list", "--data", d]).contains("-> Billing"));
    assert!(run(&["devices", "list", "--data", d]).contains("No devices enrolled"));
    assert!(run(&["oplog", "verify", "--data", d]).contains("ok"));
    // The organisation key is in the data directory; the records are not.
    let files: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !files.iter().any(|f| f.starts_with("desk.sqlite3")),
        "{files:?}"
    );
    assert!(!files.is_empty(), "the organisation key is kept here");
    // The same data directory without --database is another, empty desk.
    let out = desk(&["support", "route", "list", "--data", d]);
    assert!(
        !text(&out.stdout).contains("Billing"),
        "{}",
        text(&out.stdout)
    );
}
