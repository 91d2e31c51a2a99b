//! The organisation console's tables (schema 9): accounts, their passkeys, sessions, pending
//! setups, the operation log; and the revocation of enrolment codes.

use super::{db, to_i64, to_u64, SqliteStore};
use crate::store::{
    AdminRecord, AdminRole, ConsoleStore, EnrollCodeListing, NewOp, OpRecord, PasskeyRecord,
    PendingSetupRecord, SessionRecord, SetupOutcome, StoreError,
};
use rusqlite::{params, OptionalExtension};

/// Schema 9.
/// Passkey ceremonies waiting for their `finish` (migration 15).
pub(super) const MIGRATION_CEREMONIES: &str = r"
CREATE TABLE console_ceremonies (
    id_hash TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX console_ceremonies_by_time ON console_ceremonies (created_at);
";

pub(super) const MIGRATION: &str = r"
ALTER TABLE enroll_codes ADD COLUMN revoked_at INTEGER;
CREATE TABLE admins (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    user_handle BLOB NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'auditor')),
    created_at INTEGER NOT NULL,
    disabled_at INTEGER,
    setup_hash TEXT,
    setup_expires_at INTEGER,
    passphrase_hash TEXT,
    totp_sealed BLOB,
    totp_last_step INTEGER,
    language TEXT NOT NULL DEFAULT 'en'
);
CREATE TABLE admin_passkeys (
    id INTEGER PRIMARY KEY,
    admin INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    credential_id BLOB NOT NULL UNIQUE,
    credential BLOB NOT NULL,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX admin_passkeys_by_admin ON admin_passkeys (admin);
CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY,
    admin INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    auth_at INTEGER NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX console_sessions_by_admin ON console_sessions (admin);
CREATE TABLE console_setups (
    token_hash TEXT PRIMARY KEY,
    admin INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    setup_hash TEXT NOT NULL,
    passphrase_hash TEXT NOT NULL,
    totp_sealed BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE oplog (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    device TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX oplog_by_time ON oplog (at);
CREATE TRIGGER oplog_append_only_update BEFORE UPDATE ON oplog
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only'); END;
CREATE TRIGGER oplog_append_only_delete BEFORE DELETE ON oplog
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only'); END;
";

/// Sessions older than this are forgotten whatever their state (the absolute limit is 12 h).
const SESSION_PURGE_SECS: u64 = 13 * 3600;

const ADMIN_COLUMNS: &str = "id, name, role, created_at, disabled_at, setup_hash, \
    setup_expires_at, passphrase_hash, totp_sealed, totp_last_step, language, user_handle";

fn admin_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AdminRecord, String)> {
    Ok((
        AdminRecord {
            id: r.get(0)?,
            name: r.get(1)?,
            role: AdminRole::Auditor,
            created_at: to_u64(r.get(3)?),
            disabled_at: r.get::<_, Option<i64>>(4)?.map(to_u64),
            setup_hash: r.get(5)?,
            setup_expires_at: r.get::<_, Option<i64>>(6)?.map(to_u64),
            passphrase_hash: r.get(7)?,
            totp_sealed: r.get(8)?,
            totp_last_step: r.get::<_, Option<i64>>(9)?.map(to_u64),
            language: r.get(10)?,
            user_handle: r.get(11)?,
        },
        r.get(2)?,
    ))
}

fn with_role((mut a, role): (AdminRecord, String)) -> Result<AdminRecord, StoreError> {
    a.role = AdminRole::parse(&role)
        .ok_or_else(|| StoreError::Damaged(format!("admin {}: role {role:?}", a.name)))?;
    Ok(a)
}

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        token_hash: r.get(0)?,
        admin_id: r.get(1)?,
        created_at: to_u64(r.get(2)?),
        last_seen_at: to_u64(r.get(3)?),
        auth_at: to_u64(r.get(4)?),
        source: r.get(5)?,
    })
}

const PASSKEY_COLUMNS: &str =
    "id, admin, credential_id, credential, label, created_at, last_used_at";

fn passkey_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PasskeyRecord> {
    Ok(PasskeyRecord {
        id: r.get(0)?,
        admin_id: r.get(1)?,
        credential_id: r.get(2)?,
        credential: r.get(3)?,
        label: r.get(4)?,
        created_at: to_u64(r.get(5)?),
        last_used_at: r.get::<_, Option<i64>>(6)?.map(to_u64),
    })
}

pub(super) fn op_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OpRecord> {
    Ok(OpRecord {
        seq: to_u64(r.get(0)?),
        at: to_u64(r.get(1)?),
        actor: r.get(2)?,
        action: r.get(3)?,
        target: r.get(4)?,
        device: r.get(5)?,
        outcome: r.get(6)?,
        detail: r.get(7)?,
    })
}

/// A code's listing id: derived from its stored hash, revealing nothing of it.
fn code_id(code_hash: &str) -> String {
    let h = verity_device::proto::sha256_hex(format!("verity-code-id:{code_hash}").as_bytes());
    h[..16].to_owned()
}

impl ConsoleStore for SqliteStore {
    fn add_admin(
        &self,
        name: &str,
        user_handle: &[u8],
        role: AdminRole,
        setup_hash: &str,
        setup_expires_at: u64,
        now: u64,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "INSERT INTO admins (name, user_handle, role, created_at, setup_hash, \
                     setup_expires_at) VALUES (?1, ?6, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                    params![
                        name,
                        role.as_str(),
                        to_i64(now),
                        setup_hash,
                        to_i64(setup_expires_at),
                        user_handle
                    ],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn admin_by_user_handle(&self, user_handle: &[u8]) -> Result<Option<AdminRecord>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {ADMIN_COLUMNS} FROM admins WHERE user_handle = ?1"),
                [user_handle],
                admin_row,
            )
            .optional()
            .map_err(db)?
            .map(with_role)
            .transpose()
    }

    fn admin_by_name(&self, name: &str) -> Result<Option<AdminRecord>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {ADMIN_COLUMNS} FROM admins WHERE name = ?1"),
                [name],
                admin_row,
            )
            .optional()
            .map_err(db)?
            .map(with_role)
            .transpose()
    }

    fn admin_by_id(&self, id: i64) -> Result<Option<AdminRecord>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {ADMIN_COLUMNS} FROM admins WHERE id = ?1"),
                [id],
                admin_row,
            )
            .optional()
            .map_err(db)?
            .map(with_role)
            .transpose()
    }

    fn list_admins(&self) -> Result<Vec<AdminRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!("SELECT {ADMIN_COLUMNS} FROM admins ORDER BY name"))
            .map_err(db)?;
        let rows = stmt.query_map([], admin_row).map_err(db)?;
        rows.map(|r| with_role(r.map_err(db)?)).collect()
    }

    fn disable_admin(&self, name: &str, at: u64) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE admins SET disabled_at = ?2 WHERE name = ?1 AND disabled_at IS NULL",
                    params![name, to_i64(at)],
                )
                .map_err(db)?;
            tx.execute(
                "DELETE FROM console_sessions WHERE admin IN (SELECT id FROM admins WHERE name = ?1)",
                [name],
            )
            .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn reset_admin(
        &self,
        name: &str,
        setup_hash: &str,
        setup_expires_at: u64,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let id: Option<i64> = tx
                .query_row("SELECT id FROM admins WHERE name = ?1", [name], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(db)?;
            let Some(id) = id else {
                return Ok(false);
            };
            tx.execute(
                "UPDATE admins SET setup_hash = ?2, setup_expires_at = ?3, passphrase_hash = NULL, \
                 totp_sealed = NULL, totp_last_step = NULL WHERE id = ?1",
                params![id, setup_hash, to_i64(setup_expires_at)],
            )
            .map_err(db)?;
            for table in ["admin_passkeys", "console_sessions", "console_setups"] {
                tx.execute(&format!("DELETE FROM {table} WHERE admin = ?1"), [id])
                    .map_err(db)?;
            }
            Ok(true)
        })
    }

    fn put_ceremony(
        &self,
        id_hash: &str,
        state: &str,
        now: u64,
        expires_at: u64,
        max: u32,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM console_ceremonies WHERE expires_at <= ?1",
                [to_i64(now)],
            )
            .map_err(db)?;
            tx.execute(
                "DELETE FROM console_ceremonies WHERE id_hash IN (SELECT id_hash FROM \
                 console_ceremonies ORDER BY created_at DESC, id_hash LIMIT -1 OFFSET ?1)",
                [i64::from(max.saturating_sub(1))],
            )
            .map_err(db)?;
            tx.execute(
                "INSERT INTO console_ceremonies (id_hash, state, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![id_hash, state, to_i64(now), to_i64(expires_at)],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn take_ceremony(&self, id_hash: &str, now: u64) -> Result<Option<String>, StoreError> {
        self.write(|tx| {
            tx.query_row(
                "DELETE FROM console_ceremonies WHERE id_hash = ?1 RETURNING state, expires_at",
                [id_hash],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )
            .optional()
            .map_err(db)
            .map(|row| row.and_then(|(state, exp)| (exp > to_i64(now)).then_some(state)))
        })
    }

    fn add_pending_setup(&self, s: &PendingSetupRecord, now: u64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM console_setups WHERE expires_at <= ?1",
                [to_i64(now)],
            )
            .map_err(db)?;
            tx.execute(
                "INSERT INTO console_setups (token_hash, admin, setup_hash, passphrase_hash, \
                 totp_sealed, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    s.token_hash,
                    s.admin_id,
                    s.setup_hash,
                    s.passphrase_hash,
                    s.totp_sealed,
                    to_i64(s.expires_at)
                ],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn pending_setup(
        &self,
        token_hash: &str,
        now: u64,
    ) -> Result<Option<PendingSetupRecord>, StoreError> {
        self.conn()
            .query_row(
                "SELECT token_hash, admin, setup_hash, passphrase_hash, totp_sealed, expires_at \
                 FROM console_setups WHERE token_hash = ?1 AND expires_at > ?2",
                params![token_hash, to_i64(now)],
                |r| {
                    Ok(PendingSetupRecord {
                        token_hash: r.get(0)?,
                        admin_id: r.get(1)?,
                        setup_hash: r.get(2)?,
                        passphrase_hash: r.get(3)?,
                        totp_sealed: r.get(4)?,
                        expires_at: to_u64(r.get(5)?),
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn complete_admin_setup(
        &self,
        s: &PendingSetupRecord,
        step: u64,
        session: &SessionRecord,
        now: u64,
    ) -> Result<SetupOutcome, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE admins SET passphrase_hash = ?3, totp_sealed = ?4, \
                     totp_last_step = ?5, setup_hash = NULL, setup_expires_at = NULL \
                     WHERE id = ?1 AND setup_hash = ?2 AND setup_expires_at > ?6 \
                     AND disabled_at IS NULL",
                    params![
                        s.admin_id,
                        s.setup_hash,
                        s.passphrase_hash,
                        s.totp_sealed,
                        to_i64(step),
                        to_i64(now)
                    ],
                )
                .map_err(db)?;
            if n != 1 {
                return Ok(SetupOutcome::Stale);
            }
            tx.execute("DELETE FROM console_setups WHERE admin = ?1", [s.admin_id])
                .map_err(db)?;
            insert_session(tx, session)?;
            Ok(SetupOutcome::Done)
        })
    }

    fn accept_admin_totp_step(&self, admin_id: i64, step: u64) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE admins SET totp_last_step = ?2 WHERE id = ?1 \
                     AND totp_sealed IS NOT NULL \
                     AND (totp_last_step IS NULL OR totp_last_step < ?2)",
                    params![admin_id, to_i64(step)],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn add_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        self.write(|tx| insert_session(tx, s))
    }

    fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.conn()
            .query_row(
                "SELECT token_hash, admin, created_at, last_seen_at, auth_at, source \
                 FROM console_sessions WHERE token_hash = ?1",
                [token_hash],
                session_row,
            )
            .optional()
            .map_err(db)
    }

    fn touch_session(&self, token_hash: &str, at: u64, reauth: bool) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE console_sessions SET last_seen_at = MAX(last_seen_at, ?2), \
                 auth_at = CASE WHEN ?3 THEN ?2 ELSE auth_at END WHERE token_hash = ?1",
                params![token_hash, to_i64(at), reauth],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM console_sessions WHERE token_hash = ?1",
                [token_hash],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn add_passkey(
        &self,
        admin_id: i64,
        credential_id: &[u8],
        credential: &[u8],
        label: &str,
        now: u64,
    ) -> Result<Option<i64>, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "INSERT INTO admin_passkeys (admin, credential_id, credential, label, \
                     created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (credential_id) DO NOTHING",
                    params![admin_id, credential_id, credential, label, to_i64(now)],
                )
                .map_err(db)?;
            Ok((n == 1).then(|| tx.last_insert_rowid()))
        })
    }

    fn passkeys(&self, admin_id: i64) -> Result<Vec<PasskeyRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {PASSKEY_COLUMNS} FROM admin_passkeys WHERE admin = ?1 ORDER BY id"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([admin_id], passkey_row).map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    fn passkey_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyRecord>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {PASSKEY_COLUMNS} FROM admin_passkeys WHERE credential_id = ?1"),
                [credential_id],
                passkey_row,
            )
            .optional()
            .map_err(db)
    }

    fn use_passkey(&self, id: i64, credential: &[u8], at: u64) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE admin_passkeys SET credential = ?2, last_used_at = ?3 WHERE id = ?1",
                    params![id, credential, to_i64(at)],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn remove_passkey(&self, admin_id: i64, id: i64) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "DELETE FROM admin_passkeys WHERE id = ?1 AND admin = ?2",
                    params![id, admin_id],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn report_ids_of_device(&self, device_id: &str, limit: u32) -> Result<Vec<u64>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id FROM reports WHERE device_id = ?1 ORDER BY id DESC LIMIT ?2")
            .map_err(db)?;
        let rows = stmt
            .query_map(params![device_id, i64::from(limit)], |r| {
                r.get::<_, i64>(0).map(to_u64)
            })
            .map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    fn list_enroll_codes(&self) -> Result<Vec<EnrollCodeListing>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT code_hash, employee_id, employee_name, agent_profile IS NOT NULL, \
                 created_at, expires_at, used_at, revoked_at FROM enroll_codes \
                 ORDER BY created_at DESC, code_hash",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                let code_hash: String = r.get(0)?;
                Ok(EnrollCodeListing {
                    id: code_id(&code_hash),
                    employee: r.get(1)?,
                    name: r.get(2)?,
                    kind: if r.get::<_, bool>(3)? {
                        "agent"
                    } else {
                        "employee"
                    },
                    created_at: to_u64(r.get(4)?),
                    expires_at: to_u64(r.get(5)?),
                    used_at: r.get::<_, Option<i64>>(6)?.map(to_u64),
                    revoked_at: r.get::<_, Option<i64>>(7)?.map(to_u64),
                    code_hash,
                })
            })
            .map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    fn revoke_enroll_code(&self, code_hash: &str, at: u64) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE enroll_codes SET revoked_at = ?2, expires_at = MIN(expires_at, ?2) \
                     WHERE code_hash = ?1 AND used_at IS NULL AND revoked_at IS NULL",
                    params![code_hash, to_i64(at)],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn append_op(&self, op: &NewOp) -> Result<OpRecord, StoreError> {
        let detail = serde_json::to_string(&op.detail)
            .map_err(|e| StoreError::Damaged(format!("operation detail: {e}")))?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO oplog (at, actor, action, target, device, outcome, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    to_i64(op.at),
                    op.actor,
                    op.action,
                    op.target,
                    op.device,
                    op.outcome,
                    detail
                ],
            )
            .map_err(db)?;
            let rec = OpRecord {
                seq: to_u64(tx.last_insert_rowid()),
                at: op.at,
                actor: op.actor.clone(),
                action: op.action.clone(),
                target: op.target.clone(),
                device: op.device.clone(),
                outcome: op.outcome.clone(),
                detail: detail.clone(),
            };
            // The Merkle bookkeeping, in the same transaction (`sqlite/oplog.rs`).
            super::oplog::append_tree(tx, &rec)?;
            Ok(rec)
        })
    }

    fn ops_after(&self, after_seq: u64, limit: u32) -> Result<Vec<OpRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT seq, at, actor, action, target, device, outcome, detail FROM oplog \
                 WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![to_i64(after_seq), i64::from(limit)], op_row)
            .map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }
}

fn insert_session(tx: &rusqlite::Transaction<'_>, s: &SessionRecord) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM console_sessions WHERE created_at < ?1",
        [to_i64(s.created_at.saturating_sub(SESSION_PURGE_SECS))],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO console_sessions (token_hash, admin, created_at, last_seen_at, auth_at, \
         source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            s.token_hash,
            s.admin_id,
            to_i64(s.created_at),
            to_i64(s.last_seen_at),
            to_i64(s.auth_at),
            s.source
        ],
    )
    .map_err(db)?;
    Ok(())
}
