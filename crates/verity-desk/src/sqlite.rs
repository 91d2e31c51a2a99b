//! The embedded SQLite store: `desk.sqlite3` in the desk's data directory.
//!
//! One connection behind a mutex: the desk's writes are tiny and the admin commands run in other
//! processes against the same file, so the same pragmas as the app's store apply (busy timeout
//! before WAL, `synchronous=NORMAL`, foreign keys on) and every write takes the lock up front
//! (`BEGIN IMMEDIATE`). The file is created owner-only before SQLite opens it.

use crate::policy::Policy;
use crate::store::{
    AgentRecord, AnchorOutcome, Attempt, AuditAnchorRecord, CheckInRecord, DeskStore, DeviceRecord,
    EnrollCodeRecord, EnrollOutcome, FailureKind, FeedItemRecord, FeedPublisherRecord, NewFeedItem,
    NewReport, OrgFeedRecord, OrgRecord, ReportAdmission, ReportGroup, ReportRecord, ReportStatus,
    ResolveOutcome, StoreError, TotpRecord,
};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use verity_device::proto::AgentProfile;

/// The database's file name in the data directory.
pub const DATABASE_FILE: &str = "desk.sqlite3";
/// The schema version this desk writes.
pub const SCHEMA_VERSION: u32 = 15;

mod checkins;
mod console;
mod drills;
mod feed;
mod oplog;
mod reports;
mod support;

const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE org (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE enroll_codes (
    code_hash TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL,
    employee_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    used_by TEXT
);
CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL UNIQUE,
    employee_id TEXT NOT NULL,
    employee_name TEXT NOT NULL,
    hostname TEXT NOT NULL,
    os TEXT NOT NULL,
    app_version TEXT NOT NULL,
    enrolled_at INTEGER NOT NULL,
    enrolled_from TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    cert_expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoke_reason TEXT
);
CREATE TABLE totp (
    device_id TEXT PRIMARY KEY REFERENCES devices(device_id) ON DELETE CASCADE,
    sealed_secret BLOB NOT NULL,
    confirmed INTEGER NOT NULL DEFAULT 0,
    last_step INTEGER
);
CREATE TABLE failures (
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX failures_by_subject ON failures (kind, subject, at);
CREATE TABLE nonces (
    key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, nonce)
) WITHOUT ROWID;
CREATE INDEX nonces_by_expiry ON nonces (expires_at);
CREATE TABLE policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    json TEXT NOT NULL
);
",
    // 2: enrolment codes are HMACs under a key derived from the organisation key. Codes already
    // issued keep their SHA-256 (scheme 1) and stay usable until they are used or expire.
    r"
ALTER TABLE enroll_codes ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
",
    // 3: the organisation's threat feed (URL and TUF root), given to devices in signed answers.
    r"
CREATE TABLE org_feed (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    url TEXT NOT NULL,
    root_json TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
",
    // 4: the latest checklist audit head countersigned per device.
    r"
CREATE TABLE audit_anchors (
    device_id TEXT PRIMARY KEY REFERENCES devices(device_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    anchored_at INTEGER NOT NULL
);
",
    // 5: support agents, enrolled with codes of their own (the profile, as JSON, marks them).
    r"
ALTER TABLE enroll_codes ADD COLUMN agent_profile TEXT;
CREATE TABLE agents (
    agent_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL UNIQUE,
    profile TEXT NOT NULL,
    enrolled_at INTEGER NOT NULL,
    enrolled_from TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    cert_expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoke_reason TEXT
);
",
    // 6: reports to IT and their triage.
    reports::MIGRATION,
    // 7: the feed's publishing: where, and the items IT confirmed.
    feed::MIGRATION,
    // 8: each device's latest check-in.
    checkins::MIGRATION,
    // 9: the organisation console: accounts, passkeys, sessions, the operation log; enrolment
    // codes can be revoked.
    console::MIGRATION,
    // 10: an enrolment code names the employee's team; the device it enrols is in it.
    "ALTER TABLE enroll_codes ADD COLUMN team TEXT CHECK (team IS NULL OR length(team) BETWEEN 1 AND 64);",
    // 11: the operation log's Merkle tree (leaf and subtree hashes, frontier) and its signed
    // checkpoints; entries from before are hashed in at open.
    oplog::MIGRATION,
    // 12: allowlist entries from upheld appeals, queued for the feed.
    feed::MIGRATION_KNOWN,
    // 13: verified support sessions: sessions, frames, cursors, routes, presence, transcripts,
    // alerts, the audit recipient.
    support::MIGRATION,
    // 14: scam drills: the reserved drill list, drills, their targets, the programme.
    drills::MIGRATION,
    // 15: the console's passkey ceremonies in the database, not in one desk's memory.
    console::MIGRATION_CEREMONIES,
];

/// The SQLite store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(db)`
fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and migrates it.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        verity_device::fsutil::ensure_private_dir(data_dir)
            .map_err(|e| StoreError::Db(format!("cannot create {}: {e}", data_dir.display())))?;
        let path = data_dir.join(DATABASE_FILE);
        if !path.exists() {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(false);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            opts.open(&path)
                .map_err(|e| StoreError::Db(format!("cannot create {}: {e}", path.display())))?;
        }
        let mut conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(db)?;
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(db)?;
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(db)?;
        migrate(&mut conn)?;
        oplog::backfill(&mut conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back), so a poisoned lock is still usable.
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db)?;
        let out = f(&tx)?;
        tx.commit().map_err(db)?;
        Ok(out)
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db)?;
    let supported = u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX);
    if version > supported {
        return Err(StoreError::NewerSchema {
            found: version,
            supported,
        });
    }
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql).map_err(db)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(i + 1).unwrap_or(i64::MAX),
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}

fn read_anchor(
    conn: &Connection,
    device_id: &str,
) -> Result<Option<AuditAnchorRecord>, StoreError> {
    conn.query_row(
        "SELECT seq, hash, anchored_at FROM audit_anchors WHERE device_id = ?1",
        [device_id],
        |r| {
            Ok(AuditAnchorRecord {
                device_id: device_id.to_owned(),
                seq: to_u64(r.get(0)?),
                hash: r.get(1)?,
                anchored_at: to_u64(r.get(2)?),
            })
        },
    )
    .optional()
    .map_err(db)
}

fn count_failures(
    conn: &Connection,
    kind: FailureKind,
    subject: &str,
    since: u64,
) -> Result<(u32, Option<u64>), StoreError> {
    conn.query_row(
        "SELECT COUNT(*), MAX(at) FROM failures WHERE kind = ?1 AND subject = ?2 AND at >= ?3",
        params![kind.as_str(), subject, to_i64(since)],
        |r| {
            Ok((
                u32::try_from(r.get::<_, i64>(0)?).unwrap_or(u32::MAX),
                r.get::<_, Option<i64>>(1)?.map(to_u64),
            ))
        },
    )
    .map_err(db)
}

const DEVICE_COLUMNS: &str = "d.device_id, d.public_key, d.employee_id, d.employee_name, \
    d.hostname, d.os, d.app_version, d.enrolled_at, d.enrolled_from, d.cert_serial, \
    d.cert_expires_at, d.revoked_at, d.revoke_reason, COALESCE(t.confirmed, 0)";

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRecord> {
    Ok(DeviceRecord {
        device_id: r.get(0)?,
        public_key: r.get(1)?,
        employee_id: r.get(2)?,
        employee_name: r.get(3)?,
        hostname: r.get(4)?,
        os: r.get(5)?,
        app_version: r.get(6)?,
        enrolled_at: to_u64(r.get(7)?),
        enrolled_from: r.get(8)?,
        cert_serial: r.get(9)?,
        cert_expires_at: to_u64(r.get(10)?),
        revoked_at: r.get::<_, Option<i64>>(11)?.map(to_u64),
        revoke_reason: r.get(12)?,
        totp_confirmed: r.get::<_, i64>(13)? != 0,
    })
}

fn profile_json(p: &AgentProfile) -> Result<String, StoreError> {
    serde_json::to_string(p).map_err(|e| StoreError::Damaged(format!("agent profile: {e}")))
}

fn parse_profile(json: &str) -> Result<AgentProfile, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Damaged(format!("agent profile: {e}")))
}

const AGENT_COLUMNS: &str = "agent_id, public_key, profile, enrolled_at, enrolled_from, \
    cert_serial, cert_expires_at, revoked_at, revoke_reason";

/// An agent row, its profile still JSON (parsed outside rusqlite's row mapping, so that a
/// damaged profile is reported as such).
struct AgentRow {
    agent_id: String,
    public_key: String,
    profile: String,
    enrolled_at: i64,
    enrolled_from: String,
    cert_serial: String,
    cert_expires_at: i64,
    revoked_at: Option<i64>,
    revoke_reason: Option<String>,
}

fn agent_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AgentRow> {
    Ok(AgentRow {
        agent_id: r.get(0)?,
        public_key: r.get(1)?,
        profile: r.get(2)?,
        enrolled_at: r.get(3)?,
        enrolled_from: r.get(4)?,
        cert_serial: r.get(5)?,
        cert_expires_at: r.get(6)?,
        revoked_at: r.get(7)?,
        revoke_reason: r.get(8)?,
    })
}

fn with_profile(row: AgentRow) -> Result<AgentRecord, StoreError> {
    Ok(AgentRecord {
        profile: parse_profile(&row.profile)?,
        agent_id: row.agent_id,
        public_key: row.public_key,
        enrolled_at: to_u64(row.enrolled_at),
        enrolled_from: row.enrolled_from,
        cert_serial: row.cert_serial,
        cert_expires_at: to_u64(row.cert_expires_at),
        revoked_at: row.revoked_at.map(to_u64),
        revoke_reason: row.revoke_reason,
    })
}

/// What an enrolment code enrols.
#[derive(Clone, Copy)]
enum Kind {
    Device,
    Agent,
}

/// Inside an enrolment's transaction: refuses a key already enrolled, as a device or as an agent
/// (both sign requests the same way, so one key in both roles could pass one role's signed
/// request off as the other's), else marks the code used by `id` if it is unused and of this
/// kind; `Some` says why not. Device and agent ids are both the key's `proto::key_id`.
fn claim_code(
    tx: &rusqlite::Transaction<'_>,
    kind: Kind,
    id: &str,
    code_hash: &str,
    now: u64,
) -> Result<Option<EnrollOutcome>, StoreError> {
    let code_kind = match kind {
        Kind::Device => "agent_profile IS NULL",
        Kind::Agent => "agent_profile IS NOT NULL",
    };
    let exists: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = ?1) \
             OR EXISTS (SELECT 1 FROM agents WHERE agent_id = ?1)",
            [id],
            |r| r.get(0),
        )
        .map_err(db)?;
    if exists {
        return Ok(Some(EnrollOutcome::DeviceExists));
    }
    let n = tx
        .execute(
            &format!(
                "UPDATE enroll_codes SET used_at = ?2, used_by = ?3 \
                 WHERE code_hash = ?1 AND used_at IS NULL AND revoked_at IS NULL AND {code_kind}"
            ),
            params![code_hash, to_i64(now), id],
        )
        .map_err(db)?;
    Ok((n != 1).then_some(EnrollOutcome::CodeUsed))
}

impl DeskStore for SqliteStore {
    fn complete_agent_enrollment(
        &self,
        code_hash: &str,
        a: &AgentRecord,
        now: u64,
    ) -> Result<EnrollOutcome, StoreError> {
        let profile = profile_json(&a.profile)?;
        self.write(|tx| {
            if let Some(refused) = claim_code(tx, Kind::Agent, &a.agent_id, code_hash, now)? {
                return Ok(refused);
            }
            tx.execute(
                &format!("INSERT INTO agents ({AGENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, NULL)"),
                params![
                    a.agent_id,
                    a.public_key,
                    profile,
                    to_i64(a.enrolled_at),
                    a.enrolled_from,
                    a.cert_serial,
                    to_i64(a.cert_expires_at)
                ],
            )
            .map_err(db)?;
            Ok(EnrollOutcome::Enrolled)
        })
    }

    fn agent(&self, agent_id: &str) -> Result<Option<AgentRecord>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {AGENT_COLUMNS} FROM agents WHERE agent_id = ?1"),
                [agent_id],
                agent_row,
            )
            .optional()
            .map_err(db)?
            .map(with_profile)
            .transpose()
    }

    fn list_agents(&self) -> Result<Vec<AgentRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {AGENT_COLUMNS} FROM agents ORDER BY enrolled_at DESC, agent_id"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([], agent_row).map_err(db)?;
        rows.map(|r| with_profile(r.map_err(db)?)).collect()
    }

    fn revoke_agent(&self, agent_id: &str, at: u64, reason: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE agents SET revoked_at = ?2, revoke_reason = ?3 \
                     WHERE agent_id = ?1 AND revoked_at IS NULL",
                    params![agent_id, to_i64(at), reason],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn init_org(&self, org: &OrgRecord) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO org (id, name, public_key, created_at) VALUES (1, ?1, ?2, ?3)",
                params![org.name, org.public_key, to_i64(org.created_at)],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn org(&self) -> Result<Option<OrgRecord>, StoreError> {
        self.conn()
            .query_row(
                "SELECT name, public_key, created_at FROM org WHERE id = 1",
                [],
                |r| {
                    Ok(OrgRecord {
                        name: r.get(0)?,
                        public_key: r.get(1)?,
                        created_at: to_u64(r.get(2)?),
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn add_enroll_code(&self, c: &EnrollCodeRecord) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO enroll_codes (code_hash, scheme, employee_id, employee_name, \
                 created_at, expires_at, agent_profile, team) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    c.code_hash,
                    c.scheme,
                    c.employee_id,
                    c.employee_name,
                    to_i64(c.created_at),
                    to_i64(c.expires_at),
                    c.agent.as_ref().map(profile_json).transpose()?,
                    c.team,
                ],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn enroll_code(&self, code_hash: &str) -> Result<Option<EnrollCodeRecord>, StoreError> {
        self.conn()
            .query_row(
                "SELECT code_hash, scheme, employee_id, employee_name, created_at, expires_at, \
                 used_at, used_by, agent_profile, team FROM enroll_codes WHERE code_hash = ?1",
                [code_hash],
                |r| {
                    Ok((
                        EnrollCodeRecord {
                            code_hash: r.get(0)?,
                            scheme: r.get(1)?,
                            employee_id: r.get(2)?,
                            employee_name: r.get(3)?,
                            created_at: to_u64(r.get(4)?),
                            expires_at: to_u64(r.get(5)?),
                            used_at: r.get::<_, Option<i64>>(6)?.map(to_u64),
                            used_by: r.get(7)?,
                            agent: None,
                            team: r.get(9)?,
                        },
                        r.get::<_, Option<String>>(8)?,
                    ))
                },
            )
            .optional()
            .map_err(db)?
            .map(|(mut record, profile)| {
                record.agent = profile.as_deref().map(parse_profile).transpose()?;
                Ok(record)
            })
            .transpose()
    }

    fn complete_enrollment(
        &self,
        code_hash: &str,
        d: &DeviceRecord,
        now: u64,
    ) -> Result<EnrollOutcome, StoreError> {
        self.write(|tx| {
            if let Some(refused) = claim_code(tx, Kind::Device, &d.device_id, code_hash, now)? {
                return Ok(refused);
            }
            tx.execute(
                "INSERT INTO devices (device_id, public_key, employee_id, employee_name, \
                 hostname, os, app_version, enrolled_at, enrolled_from, cert_serial, \
                 cert_expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    d.device_id,
                    d.public_key,
                    d.employee_id,
                    d.employee_name,
                    d.hostname,
                    d.os,
                    d.app_version,
                    to_i64(d.enrolled_at),
                    d.enrolled_from,
                    d.cert_serial,
                    to_i64(d.cert_expires_at)
                ],
            )
            .map_err(db)?;
            Ok(EnrollOutcome::Enrolled)
        })
    }

    fn begin_attempt(
        &self,
        kind: FailureKind,
        subject: &str,
        since: u64,
        max: u32,
        at: u64,
    ) -> Result<Attempt, StoreError> {
        // One IMMEDIATE transaction: the count and the insert cannot interleave with another
        // attempt's (the connection mutex serialises this process; the write lock, others).
        self.write(|tx| {
            let (failures, last) = count_failures(tx, kind, subject, since)?;
            if failures >= max {
                return Ok(Attempt::Refused { failures, last });
            }
            tx.execute(
                "INSERT INTO failures (kind, subject, at) VALUES (?1, ?2, ?3)",
                params![kind.as_str(), subject, to_i64(at)],
            )
            .map_err(db)?;
            let id = tx.last_insert_rowid();
            // Failures older than a day matter to no rule.
            tx.execute(
                "DELETE FROM failures WHERE at < ?1",
                [to_i64(at.saturating_sub(86_400))],
            )
            .map_err(db)?;
            Ok(Attempt::Admitted {
                id,
                earlier: failures,
            })
        })
    }

    fn release_attempt(&self, id: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM failures WHERE rowid = ?1", [id])
                .map_err(db)?;
            Ok(())
        })
    }

    fn failures_since(
        &self,
        kind: FailureKind,
        subject: &str,
        since: u64,
    ) -> Result<(u32, Option<u64>), StoreError> {
        count_failures(&self.conn(), kind, subject, since)
    }

    fn clear_failures(&self, kind: FailureKind, subject: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM failures WHERE kind = ?1 AND subject = ?2",
                params![kind.as_str(), subject],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn device(&self, device_id: &str) -> Result<Option<DeviceRecord>, StoreError> {
        self.conn()
            .query_row(
                &format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices d LEFT JOIN totp t \
                     ON t.device_id = d.device_id WHERE d.device_id = ?1"
                ),
                [device_id],
                device_row,
            )
            .optional()
            .map_err(db)
    }

    fn list_devices(&self) -> Result<Vec<DeviceRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices d LEFT JOIN totp t \
                 ON t.device_id = d.device_id ORDER BY d.enrolled_at DESC, d.device_id"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([], device_row).map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    fn revoke_device(&self, device_id: &str, at: u64, reason: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE devices SET revoked_at = ?2, revoke_reason = ?3 \
                     WHERE device_id = ?1 AND revoked_at IS NULL",
                    params![device_id, to_i64(at), reason],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn set_totp(&self, device_id: &str, sealed_secret: &[u8]) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO totp (device_id, sealed_secret, confirmed, last_step) \
                 VALUES (?1, ?2, 0, NULL) ON CONFLICT (device_id) DO UPDATE SET \
                 sealed_secret = excluded.sealed_secret, confirmed = 0, last_step = NULL",
                params![device_id, sealed_secret],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn clear_totp(&self, device_id: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute("DELETE FROM totp WHERE device_id = ?1", [device_id])
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn totp(&self, device_id: &str) -> Result<Option<TotpRecord>, StoreError> {
        self.conn()
            .query_row(
                "SELECT sealed_secret, confirmed, last_step FROM totp WHERE device_id = ?1",
                [device_id],
                |r| {
                    Ok(TotpRecord {
                        sealed_secret: r.get(0)?,
                        confirmed: r.get::<_, i64>(1)? != 0,
                        last_step: r.get::<_, Option<i64>>(2)?.map(to_u64),
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn accept_totp_step(&self, device_id: &str, step: u64) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE totp SET last_step = ?2, confirmed = 1 WHERE device_id = ?1 \
                     AND (last_step IS NULL OR last_step < ?2)",
                    params![device_id, to_i64(step)],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn use_nonce(
        &self,
        key_id: &str,
        nonce: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM nonces WHERE expires_at < ?1", [to_i64(now)])
                .map_err(db)?;
            let n = tx
                .execute(
                    "INSERT INTO nonces (key_id, nonce, expires_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT DO NOTHING",
                    params![key_id, nonce, to_i64(expires_at)],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn org_feed(&self) -> Result<Option<OrgFeedRecord>, StoreError> {
        self.conn()
            .query_row(
                "SELECT url, root_json, updated_at FROM org_feed WHERE id = 1",
                [],
                |r| {
                    Ok(OrgFeedRecord {
                        url: r.get(0)?,
                        root_json: r.get(1)?,
                        updated_at: to_u64(r.get(2)?),
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn set_org_feed(&self, feed: Option<&OrgFeedRecord>) -> Result<(), StoreError> {
        self.write(|tx| {
            match feed {
                Some(f) => tx.execute(
                    "INSERT INTO org_feed (id, url, root_json, updated_at) VALUES (1, ?1, ?2, ?3) \
                     ON CONFLICT (id) DO UPDATE SET url = excluded.url, \
                     root_json = excluded.root_json, updated_at = excluded.updated_at",
                    params![f.url, f.root_json, to_i64(f.updated_at)],
                ),
                None => tx.execute("DELETE FROM org_feed", []),
            }
            .map_err(db)?;
            Ok(())
        })
    }

    fn anchor_audit_head(
        &self,
        device_id: &str,
        seq: u64,
        hash: &str,
        at: u64,
    ) -> Result<AnchorOutcome, StoreError> {
        self.write(|tx| {
            let kept = read_anchor(tx, device_id)?;
            if let Some(k) = kept {
                if seq < k.seq || (seq == k.seq && hash != k.hash) {
                    return Ok(AnchorOutcome::Refused { kept: k });
                }
            }
            tx.execute(
                "INSERT INTO audit_anchors (device_id, seq, hash, anchored_at) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (device_id) DO UPDATE SET \
                 seq = excluded.seq, hash = excluded.hash, anchored_at = excluded.anchored_at",
                params![device_id, to_i64(seq), hash, to_i64(at)],
            )
            .map_err(db)?;
            Ok(AnchorOutcome::Anchored)
        })
    }

    fn audit_anchor(&self, device_id: &str) -> Result<Option<AuditAnchorRecord>, StoreError> {
        read_anchor(&self.conn(), device_id)
    }

    fn policy(&self) -> Result<Option<Policy>, StoreError> {
        let json: Option<String> = self
            .conn()
            .query_row("SELECT json FROM policy WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(db)?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| StoreError::Damaged(e.to_string())))
            .transpose()
    }

    fn set_policy(&self, policy: Option<&Policy>) -> Result<(), StoreError> {
        let json = policy
            .map(|p| serde_json::to_string(p).map_err(|e| StoreError::Damaged(e.to_string())))
            .transpose()?;
        self.write(|tx| {
            match json {
                Some(j) => tx.execute(
                    "INSERT INTO policy (id, json) VALUES (1, ?1) \
                     ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                    [j],
                ),
                None => tx.execute("DELETE FROM policy", []),
            }
            .map_err(db)?;
            Ok(())
        })
    }

    fn reports_since(&self, device_id: &str, since: u64) -> Result<u32, StoreError> {
        reports::reports_since(&self.conn(), device_id, since)
    }

    fn add_report(
        &self,
        r: &NewReport,
        since: u64,
        max: u32,
    ) -> Result<ReportAdmission, StoreError> {
        self.write(|tx| reports::add(tx, r, since, max))
    }

    fn report(&self, id: u64) -> Result<Option<ReportRecord>, StoreError> {
        reports::get(&self.conn(), id)
    }

    fn report_groups(&self, status: Option<ReportStatus>) -> Result<Vec<ReportGroup>, StoreError> {
        reports::groups(&self.conn(), status)
    }

    fn reports_of_device(
        &self,
        device: &str,
        ids: &[u64],
    ) -> Result<Vec<ReportRecord>, StoreError> {
        reports::of_device(&self.conn(), device, ids)
    }

    fn resolve_reports(
        &self,
        id: u64,
        status: ReportStatus,
        reason: &str,
        at: u64,
    ) -> Result<ResolveOutcome, StoreError> {
        self.write(|tx| reports::resolve(tx, id, status, reason, at))
    }

    fn confirm_reports_into_feed(
        &self,
        id: u64,
        reason: &str,
        at: u64,
        item: &NewFeedItem,
    ) -> Result<ResolveOutcome, StoreError> {
        self.write(|tx| {
            let outcome = reports::resolve(tx, id, ReportStatus::Confirmed, reason, at)?;
            if matches!(outcome, ResolveOutcome::Resolved { .. }) {
                feed::queue(tx, item)?;
            }
            Ok(outcome)
        })
    }

    fn confirm_reports_into_allowlist(
        &self,
        id: u64,
        reason: &str,
        at: u64,
        item: &crate::store::NewKnownItem,
    ) -> Result<ResolveOutcome, StoreError> {
        self.write(|tx| {
            let outcome = reports::resolve(tx, id, ReportStatus::Confirmed, reason, at)?;
            if matches!(outcome, ResolveOutcome::Resolved { .. }) {
                feed::queue_known(tx, item)?;
            }
            Ok(outcome)
        })
    }

    fn known_items(
        &self,
        pending: bool,
        limit: u32,
    ) -> Result<Vec<crate::store::KnownItemRecord>, StoreError> {
        feed::known_items(&self.conn(), pending, limit)
    }

    fn mark_known_items_published(
        &self,
        ids: &[u64],
        version: u64,
        at: u64,
    ) -> Result<(), StoreError> {
        self.write(|tx| feed::mark_known_published(tx, ids, version, at))
    }

    fn feed_publisher(&self) -> Result<Option<FeedPublisherRecord>, StoreError> {
        feed::publisher(&self.conn())
    }

    fn set_feed_publisher(&self, p: Option<&FeedPublisherRecord>) -> Result<(), StoreError> {
        self.write(|tx| feed::set_publisher(tx, p))
    }

    fn feed_items(&self, pending: bool, limit: u32) -> Result<Vec<FeedItemRecord>, StoreError> {
        feed::items(&self.conn(), pending, limit)
    }

    fn mark_feed_items_published(
        &self,
        ids: &[u64],
        version: u64,
        at: u64,
    ) -> Result<(), StoreError> {
        self.write(|tx| feed::mark_published(tx, ids, version, at))
    }

    fn record_check_in(&self, c: &CheckInRecord) -> Result<(), StoreError> {
        self.write(|tx| checkins::record(tx, c))
    }

    fn report_line(&self, id: u64, limit: u32) -> Result<Vec<ReportRecord>, StoreError> {
        reports::line(&self.conn(), id, limit)
    }

    fn reports_received_since(&self, since: u64) -> Result<u32, StoreError> {
        self.conn()
            .query_row(
                "SELECT COUNT(*) FROM reports WHERE received_at >= ?1",
                [to_i64(since)],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .map_err(db)
    }

    fn device_teams(&self) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT used_by, team FROM enroll_codes \
                 WHERE used_by IS NOT NULL AND team IS NOT NULL",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn check_ins(&self) -> Result<Vec<CheckInRecord>, StoreError> {
        checkins::all(&self.conn())
    }
}

#[cfg(test)]
mod tests;
