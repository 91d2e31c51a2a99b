//! The PostgreSQL store (`verity-desk serve --database postgres://…`), for organisations that run
//! several desks on the database engine they already operate. The embedded SQLite store
//! ([`crate::sqlite`]) stays the default and is the reference for every rule.
//!
//! Client: the `postgres` crate (the sync client over `tokio-postgres`), in a small pool of
//! connections ([`pool`]). It drives a runtime of its own and so must never be called on a tokio
//! worker thread; the service calls the store only inside `spawn_blocking` (`http::run`,
//! `console::call`, the support socket, the sweeper), where that is allowed — a test calls the
//! store from such a thread (`store_works_from_a_blocking_thread`).
//!
//! Concurrency: transactions run at `READ COMMITTED`; every rule that decides under concurrency
//! is one atomic statement (a conditional `UPDATE`, an `INSERT … ON CONFLICT DO NOTHING`) or a
//! transaction that first takes a transaction-scoped advisory lock on what it decides about
//! ([`lock`]: the subject of a rate limit, the key being enrolled, the device's report count),
//! so that two desks on one database judge one after the other, as SQLite's single writer does.
//!
//! Schema: migrations of its own ([`MIGRATIONS`]), applied in one transaction under an advisory
//! lock so that desks starting together migrate once; `verity_schema` holds the version.

use crate::store::StoreError;
use std::time::Duration;

pub mod bus;
mod checkins;
mod console;
mod desk;
mod drills;
mod feed;
mod oplog;
pub mod pool;
mod reports;
mod support;

#[cfg(test)]
mod tests;

pub use pool::Pool;

/// The schema version this desk writes on PostgreSQL.
pub const SCHEMA_VERSION: u32 = 7;

/// Migrations, in order, each in parts run one after the other; `verity_schema.version` says
/// how many ran.
const MIGRATIONS: &[&[&str]] = &[
    // 1: the organisation, enrolment codes, devices, agents, TOTP, failures, nonces, policy,
    // the organisation's feed, audit anchors, reports, the feed's publishing, check-ins.
    &[
        r"
CREATE TABLE org (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE enroll_codes (
    code_hash TEXT PRIMARY KEY,
    scheme INTEGER NOT NULL DEFAULT 1,
    employee_id TEXT NOT NULL,
    employee_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    used_by TEXT,
    agent_profile TEXT,
    revoked_at BIGINT,
    team TEXT CHECK (team IS NULL OR length(team) BETWEEN 1 AND 64)
);
CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL UNIQUE,
    employee_id TEXT NOT NULL,
    employee_name TEXT NOT NULL,
    hostname TEXT NOT NULL,
    os TEXT NOT NULL,
    app_version TEXT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    enrolled_from TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    cert_expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoke_reason TEXT
);
CREATE TABLE totp (
    device_id TEXT PRIMARY KEY REFERENCES devices(device_id) ON DELETE CASCADE,
    sealed_secret BYTEA NOT NULL,
    confirmed BOOLEAN NOT NULL DEFAULT FALSE,
    last_step BIGINT
);
CREATE TABLE failures (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX failures_by_subject ON failures (kind, subject, at);
CREATE INDEX failures_by_time ON failures (at);
CREATE TABLE nonces (
    key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (key_id, nonce)
);
CREATE INDEX nonces_by_expiry ON nonces (expires_at);
CREATE TABLE policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    json TEXT NOT NULL
);
CREATE TABLE org_feed (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    url TEXT NOT NULL,
    root_json TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE audit_anchors (
    device_id TEXT PRIMARY KEY REFERENCES devices(device_id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    anchored_at BIGINT NOT NULL
);
CREATE TABLE agents (
    agent_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL UNIQUE,
    profile TEXT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    enrolled_from TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    cert_expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoke_reason TEXT
);
",
        reports::MIGRATION,
        feed::MIGRATION,
        checkins::MIGRATION,
    ],
    // 2: the organisation console: accounts, passkeys, sessions, pending setups.
    &[console::MIGRATION],
    // 3: scam drills: the reserved drill list, drills, their targets, the programme.
    &[drills::MIGRATION],
    // 4: the operation log, its Merkle tree and signed checkpoints (append-only).
    &[oplog::MIGRATION],
    // 5: remote support: sessions, frames, read cursors, routes, presence, declines,
    // transcripts, alerts, the audit recipient.
    &[support::MIGRATION],
    // 6: several desks on one database: the desks alive and their support connections.
    &[bus::MIGRATION],
    // 7: the console's passkey ceremonies in the database, not in one desk's memory.
    &[console::MIGRATION_CEREMONIES],
];

/// A database error as a [`StoreError`] (the driver's messages carry no password).
#[allow(clippy::needless_pass_by_value)] // used as `map_err(db)`
pub(crate) fn db(e: postgres::Error) -> StoreError {
    // The driver's own text is only "db error" for a server's error: its message is inside.
    match e.as_db_error() {
        Some(d) => StoreError::Db(format!("{} ({})", d.message(), d.code().code())),
        None => StoreError::Db(e.to_string()),
    }
}

pub(crate) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(crate) fn to_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Column `i` of a row (the driver's `get` panics on a type mismatch; this does not).
pub(crate) fn col<'a, T: postgres::types::FromSql<'a>>(
    r: &'a postgres::Row,
    i: usize,
) -> Result<T, StoreError> {
    r.try_get(i).map_err(db)
}

/// Takes a transaction-scoped advisory lock named `key`: transactions that decide about the
/// same thing (on any desk) run one after the other; a hash collision between two keys only
/// serialises a little more.
pub(crate) fn lock(tx: &mut postgres::Transaction<'_>, key: &str) -> Result<(), StoreError> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        &[&key],
    )
    .map_err(db)?;
    Ok(())
}

/// `url` with its password (if any) replaced by `***`, for messages and logs.
#[must_use]
pub fn mask_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() && u.set_password(Some("***")).is_err() {
                return "postgres://***".into();
            }
            // `?password=…` in the query string too.
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k.eq_ignore_ascii_case("password") {
                        "***".to_owned()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            if !pairs.is_empty() {
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        Err(_) => "postgres://***".into(),
    }
}

/// Whether `s` names a PostgreSQL database (`postgres://` or `postgresql://`).
#[must_use]
pub fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// A log directive every subscriber of the desk adds: the driver logs each statement's
/// parameters (codes' hashes, reports' items, …) at `debug`, which must never reach a log.
pub const DRIVER_LOG_DIRECTIVE: &str = "tokio_postgres=info";

/// The PostgreSQL store.
pub struct PgStore {
    pool: Pool,
    /// This process's operation-log appends, committed together ([`oplog::GroupCommit`]).
    oplog_group: oplog::GroupCommit,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("database", &self.pool.masked_url())
            .finish_non_exhaustive()
    }
}

/// Connections kept by default (the service's blocking threads share them).
pub const DEFAULT_POOL_SIZE: usize = 16;

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/name`) and
    /// migrates it. Messages name the URL with its password masked.
    ///
    /// Must not be called on a tokio worker thread (see the module's documentation).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        PgStore::open_with(url, DEFAULT_POOL_SIZE)
    }

    /// As [`PgStore::open`], keeping at most `pool_size` connections.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn open_with(url: &str, pool_size: usize) -> Result<PgStore, StoreError> {
        let pool = Pool::new(url, pool_size, Duration::from_secs(10))?;
        let store = PgStore {
            pool,
            oplog_group: oplog::GroupCommit::default(),
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction().map_err(db)?;
        // One desk migrates at a time; the others then find the schema current.
        lock(&mut tx, "verity-desk:migrate")?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS verity_schema (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 version INTEGER NOT NULL
             );
             INSERT INTO verity_schema (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;",
        )
        .map_err(db)?;
        let row = tx
            .query_one("SELECT version FROM verity_schema WHERE id = 1", &[])
            .map_err(db)?;
        let version = u32::try_from(col::<i32>(&row, 0)?).unwrap_or(0);
        let supported = u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX);
        if version > supported {
            return Err(StoreError::NewerSchema {
                found: version,
                supported,
            });
        }
        for (i, parts) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            for sql in *parts {
                tx.batch_execute(sql).map_err(db)?;
            }
            let v = i32::try_from(i + 1).unwrap_or(i32::MAX);
            tx.execute("UPDATE verity_schema SET version = $1 WHERE id = 1", &[&v])
                .map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    /// Runs `f` in one transaction and commits it (rolled back when `f` fails). A deadlock,
    /// which PostgreSQL breaks by aborting one side (two purges of old sessions, say), is retried
    /// twice with a fresh transaction.
    fn write<T>(
        &self,
        mut f: impl FnMut(&mut postgres::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        let mut tries = 0;
        loop {
            tries += 1;
            let mut tx = conn.transaction().map_err(db)?;
            let out = f(&mut tx).and_then(|v| tx.commit().map(|()| v).map_err(db));
            match out {
                Err(e) if tries < 3 && retryable(&e) => {}
                other => return other,
            }
        }
    }

    /// Runs `f` on a pooled connection, outside any explicit transaction (one statement).
    fn read<T>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        f(&mut conn)
    }
}

/// Whether a failure is PostgreSQL breaking a deadlock or a serialisation conflict ([`db`] ends
/// the message with the SQLSTATE).
fn retryable(e: &StoreError) -> bool {
    matches!(e, StoreError::Db(m) if m.ends_with("(40P01)") || m.ends_with("(40001)"))
}
