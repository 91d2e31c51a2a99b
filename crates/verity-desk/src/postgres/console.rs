//! [`ConsoleStore`] on PostgreSQL (as `sqlite/console.rs`): accounts, passkeys, sessions,
//! pending setups, the listing and revocation of enrolment codes; the operation log's append and
//! read are in `oplog.rs`, with its Merkle tree.

use super::{col, db, to_i64, to_u64, PgStore};
use crate::store::{
    AdminRecord, AdminRole, ConsoleStore, EnrollCodeListing, NewOp, OpRecord, PasskeyRecord,
    PendingSetupRecord, SessionRecord, SetupOutcome, StoreError,
};
use postgres::{GenericClient, Row};

/// Migration 2: the console's tables.
/// Passkey ceremonies waiting for their `finish` (migration 7).
pub(super) const MIGRATION_CEREMONIES: &str = r"
CREATE TABLE console_ceremonies (
    id_hash TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_ceremonies_by_time ON console_ceremonies (created_at);
";

pub(super) const MIGRATION: &str = r"
CREATE TABLE admins (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    user_handle BYTEA NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'auditor')),
    created_at BIGINT NOT NULL,
    disabled_at BIGINT,
    setup_hash TEXT,
    setup_expires_at BIGINT,
    passphrase_hash TEXT,
    totp_sealed BYTEA,
    totp_last_step BIGINT,
    language TEXT NOT NULL DEFAULT 'en'
);
CREATE TABLE admin_passkeys (
    id BIGSERIAL PRIMARY KEY,
    admin BIGINT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    credential_id BYTEA NOT NULL UNIQUE,
    credential BYTEA NOT NULL,
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX admin_passkeys_by_admin ON admin_passkeys (admin);
CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY,
    admin BIGINT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    auth_at BIGINT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX console_sessions_by_admin ON console_sessions (admin);
CREATE INDEX console_sessions_by_age ON console_sessions (created_at);
CREATE TABLE console_setups (
    token_hash TEXT PRIMARY KEY,
    admin BIGINT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    setup_hash TEXT NOT NULL,
    passphrase_hash TEXT NOT NULL,
    totp_sealed BYTEA NOT NULL,
    expires_at BIGINT NOT NULL
);
";

/// Sessions older than this are forgotten whatever their state (the absolute limit is 12 h).
const SESSION_PURGE_SECS: u64 = 13 * 3600;

const ADMIN_COLUMNS: &str = "id, name, role, created_at, disabled_at, setup_hash, \
    setup_expires_at, passphrase_hash, totp_sealed, totp_last_step, language, user_handle";

fn admin_row(r: &Row) -> Result<AdminRecord, StoreError> {
    let name: String = col(r, 1)?;
    let role: String = col(r, 2)?;
    Ok(AdminRecord {
        id: col(r, 0)?,
        role: AdminRole::parse(&role)
            .ok_or_else(|| StoreError::Damaged(format!("admin {name}: role {role:?}")))?,
        name,
        created_at: to_u64(col(r, 3)?),
        disabled_at: col::<Option<i64>>(r, 4)?.map(to_u64),
        setup_hash: col(r, 5)?,
        setup_expires_at: col::<Option<i64>>(r, 6)?.map(to_u64),
        passphrase_hash: col(r, 7)?,
        totp_sealed: col(r, 8)?,
        totp_last_step: col::<Option<i64>>(r, 9)?.map(to_u64),
        language: col(r, 10)?,
        user_handle: col(r, 11)?,
    })
}

fn session_row(r: &Row) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        token_hash: col(r, 0)?,
        admin_id: col(r, 1)?,
        created_at: to_u64(col(r, 2)?),
        last_seen_at: to_u64(col(r, 3)?),
        auth_at: to_u64(col(r, 4)?),
        source: col(r, 5)?,
    })
}

const PASSKEY_COLUMNS: &str =
    "id, admin, credential_id, credential, label, created_at, last_used_at";

fn passkey_row(r: &Row) -> Result<PasskeyRecord, StoreError> {
    Ok(PasskeyRecord {
        id: col(r, 0)?,
        admin_id: col(r, 1)?,
        credential_id: col(r, 2)?,
        credential: col(r, 3)?,
        label: col(r, 4)?,
        created_at: to_u64(col(r, 5)?),
        last_used_at: col::<Option<i64>>(r, 6)?.map(to_u64),
    })
}

/// A code's listing id: derived from its stored hash, revealing nothing of it (as SQLite's).
fn code_id(code_hash: &str) -> String {
    let h = verity_device::proto::sha256_hex(format!("verity-code-id:{code_hash}").as_bytes());
    h[..16].to_owned()
}

fn admin_where(
    c: &mut impl GenericClient,
    clause: &str,
    arg: &(dyn postgres::types::ToSql + Sync),
) -> Result<Option<AdminRecord>, StoreError> {
    c.query_opt(
        &format!("SELECT {ADMIN_COLUMNS} FROM admins WHERE {clause} = $1"),
        &[arg],
    )
    .map_err(db)?
    .map(|r| admin_row(&r))
    .transpose()
}

fn insert_session(c: &mut impl GenericClient, s: &SessionRecord) -> Result<(), StoreError> {
    c.execute(
        "DELETE FROM console_sessions WHERE created_at < $1",
        &[&to_i64(s.created_at.saturating_sub(SESSION_PURGE_SECS))],
    )
    .map_err(db)?;
    c.execute(
        "INSERT INTO console_sessions (token_hash, admin, created_at, last_seen_at, auth_at, \
         source) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &s.token_hash,
            &s.admin_id,
            &to_i64(s.created_at),
            &to_i64(s.last_seen_at),
            &to_i64(s.auth_at),
            &s.source,
        ],
    )
    .map_err(db)?;
    Ok(())
}

impl ConsoleStore for PgStore {
    fn add_admin(
        &self,
        name: &str,
        user_handle: &[u8],
        role: AdminRole,
        setup_hash: &str,
        setup_expires_at: u64,
        now: u64,
    ) -> Result<bool, StoreError> {
        self.read(|c| {
            let n = c
                .execute(
                    "INSERT INTO admins (name, user_handle, role, created_at, setup_hash, \
                     setup_expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                    &[
                        &name,
                        &user_handle,
                        &role.as_str(),
                        &to_i64(now),
                        &setup_hash,
                        &to_i64(setup_expires_at),
                    ],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn admin_by_name(&self, name: &str) -> Result<Option<AdminRecord>, StoreError> {
        self.read(|c| admin_where(c, "name", &name))
    }

    fn admin_by_user_handle(&self, user_handle: &[u8]) -> Result<Option<AdminRecord>, StoreError> {
        self.read(|c| admin_where(c, "user_handle", &user_handle))
    }

    fn admin_by_id(&self, id: i64) -> Result<Option<AdminRecord>, StoreError> {
        self.read(|c| admin_where(c, "id", &id))
    }

    fn list_admins(&self) -> Result<Vec<AdminRecord>, StoreError> {
        self.read(|c| {
            c.query(
                &format!("SELECT {ADMIN_COLUMNS} FROM admins ORDER BY name"),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(admin_row)
            .collect()
        })
    }

    fn disable_admin(&self, name: &str, at: u64) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE admins SET disabled_at = $2 WHERE name = $1 AND disabled_at IS NULL",
                    &[&name, &to_i64(at)],
                )
                .map_err(db)?;
            tx.execute(
                "DELETE FROM console_sessions WHERE admin IN (SELECT id FROM admins WHERE name = $1)",
                &[&name],
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
            // The row lock keeps a racing setup's completion from landing after the reset.
            let Some(row) = tx
                .query_opt("SELECT id FROM admins WHERE name = $1 FOR UPDATE", &[&name])
                .map_err(db)?
            else {
                return Ok(false);
            };
            let id: i64 = col(&row, 0)?;
            tx.execute(
                "UPDATE admins SET setup_hash = $2, setup_expires_at = $3, passphrase_hash = NULL, \
                 totp_sealed = NULL, totp_last_step = NULL WHERE id = $1",
                &[&id, &setup_hash, &to_i64(setup_expires_at)],
            )
            .map_err(db)?;
            for table in ["admin_passkeys", "console_sessions", "console_setups"] {
                tx.execute(&format!("DELETE FROM {table} WHERE admin = $1"), &[&id])
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
                "DELETE FROM console_ceremonies WHERE expires_at <= $1",
                &[&to_i64(now)],
            )
            .map_err(db)?;
            tx.execute(
                "DELETE FROM console_ceremonies WHERE id_hash IN (SELECT id_hash FROM \
                 console_ceremonies ORDER BY created_at DESC, id_hash OFFSET $1)",
                &[&i64::from(max.saturating_sub(1))],
            )
            .map_err(db)?;
            tx.execute(
                "INSERT INTO console_ceremonies (id_hash, state, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
                &[&id_hash, &state, &to_i64(now), &to_i64(expires_at)],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn take_ceremony(&self, id_hash: &str, now: u64) -> Result<Option<String>, StoreError> {
        self.read(|c| {
            let row = c
                .query_opt(
                    "DELETE FROM console_ceremonies WHERE id_hash = $1 \
                     RETURNING state, expires_at",
                    &[&id_hash],
                )
                .map_err(db)?;
            Ok(match row {
                Some(r) if col::<i64>(&r, 1)? > to_i64(now) => Some(col::<String>(&r, 0)?),
                _ => None,
            })
        })
    }

    fn add_pending_setup(&self, s: &PendingSetupRecord, now: u64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM console_setups WHERE expires_at <= $1",
                &[&to_i64(now)],
            )
            .map_err(db)?;
            tx.execute(
                "INSERT INTO console_setups (token_hash, admin, setup_hash, passphrase_hash, \
                 totp_sealed, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &s.token_hash,
                    &s.admin_id,
                    &s.setup_hash,
                    &s.passphrase_hash,
                    &s.totp_sealed,
                    &to_i64(s.expires_at),
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
        self.read(|c| {
            c.query_opt(
                "SELECT token_hash, admin, setup_hash, passphrase_hash, totp_sealed, expires_at \
                 FROM console_setups WHERE token_hash = $1 AND expires_at > $2",
                &[&token_hash, &to_i64(now)],
            )
            .map_err(db)?
            .map(|r| {
                Ok(PendingSetupRecord {
                    token_hash: col(&r, 0)?,
                    admin_id: col(&r, 1)?,
                    setup_hash: col(&r, 2)?,
                    passphrase_hash: col(&r, 3)?,
                    totp_sealed: col(&r, 4)?,
                    expires_at: to_u64(col(&r, 5)?),
                })
            })
            .transpose()
        })
    }

    fn complete_admin_setup(
        &self,
        s: &PendingSetupRecord,
        step: u64,
        session: &SessionRecord,
        now: u64,
    ) -> Result<SetupOutcome, StoreError> {
        // The conditional UPDATE spends the code: of two racing completions, the second waits
        // for the row and then finds `setup_hash` gone.
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE admins SET passphrase_hash = $3, totp_sealed = $4, \
                     totp_last_step = $5, setup_hash = NULL, setup_expires_at = NULL \
                     WHERE id = $1 AND setup_hash = $2 AND setup_expires_at > $6 \
                     AND disabled_at IS NULL",
                    &[
                        &s.admin_id,
                        &s.setup_hash,
                        &s.passphrase_hash,
                        &s.totp_sealed,
                        &to_i64(step),
                        &to_i64(now),
                    ],
                )
                .map_err(db)?;
            if n != 1 {
                return Ok(SetupOutcome::Stale);
            }
            tx.execute(
                "DELETE FROM console_setups WHERE admin = $1",
                &[&s.admin_id],
            )
            .map_err(db)?;
            insert_session(tx, session)?;
            Ok(SetupOutcome::Done)
        })
    }

    fn accept_admin_totp_step(&self, admin_id: i64, step: u64) -> Result<bool, StoreError> {
        self.read(|c| {
            let n = c
                .execute(
                    "UPDATE admins SET totp_last_step = $2 WHERE id = $1 \
                     AND totp_sealed IS NOT NULL \
                     AND (totp_last_step IS NULL OR totp_last_step < $2)",
                    &[&admin_id, &to_i64(step)],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn add_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        self.write(|tx| insert_session(tx, s))
    }

    fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT token_hash, admin, created_at, last_seen_at, auth_at, source \
                 FROM console_sessions WHERE token_hash = $1",
                &[&token_hash],
            )
            .map_err(db)?
            .map(|r| session_row(&r))
            .transpose()
        })
    }

    fn touch_session(&self, token_hash: &str, at: u64, reauth: bool) -> Result<(), StoreError> {
        self.read(|c| {
            c.execute(
                "UPDATE console_sessions SET last_seen_at = GREATEST(last_seen_at, $2), \
                 auth_at = CASE WHEN $3 THEN $2 ELSE auth_at END WHERE token_hash = $1",
                &[&token_hash, &to_i64(at), &reauth],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.read(|c| {
            c.execute(
                "DELETE FROM console_sessions WHERE token_hash = $1",
                &[&token_hash],
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
        self.read(|c| {
            c.query_opt(
                "INSERT INTO admin_passkeys (admin, credential_id, credential, label, \
                 created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) DO NOTHING \
                 RETURNING id",
                &[&admin_id, &credential_id, &credential, &label, &to_i64(now)],
            )
            .map_err(db)?
            .map(|r| col(&r, 0))
            .transpose()
        })
    }

    fn passkeys(&self, admin_id: i64) -> Result<Vec<PasskeyRecord>, StoreError> {
        self.read(|c| {
            c.query(
                &format!(
                    "SELECT {PASSKEY_COLUMNS} FROM admin_passkeys WHERE admin = $1 ORDER BY id"
                ),
                &[&admin_id],
            )
            .map_err(db)?
            .iter()
            .map(passkey_row)
            .collect()
        })
    }

    fn passkey_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                &format!("SELECT {PASSKEY_COLUMNS} FROM admin_passkeys WHERE credential_id = $1"),
                &[&credential_id],
            )
            .map_err(db)?
            .map(|r| passkey_row(&r))
            .transpose()
        })
    }

    fn use_passkey(&self, id: i64, credential: &[u8], at: u64) -> Result<bool, StoreError> {
        self.read(|c| {
            let n = c
                .execute(
                    "UPDATE admin_passkeys SET credential = $2, last_used_at = $3 WHERE id = $1",
                    &[&id, &credential, &to_i64(at)],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn remove_passkey(&self, admin_id: i64, id: i64) -> Result<bool, StoreError> {
        self.read(|c| {
            let n = c
                .execute(
                    "DELETE FROM admin_passkeys WHERE id = $1 AND admin = $2",
                    &[&id, &admin_id],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn report_ids_of_device(&self, device_id: &str, limit: u32) -> Result<Vec<u64>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT id FROM reports WHERE device_id = $1 ORDER BY id DESC LIMIT $2",
                &[&device_id, &i64::from(limit)],
            )
            .map_err(db)?
            .iter()
            .map(|r| col(r, 0).map(to_u64))
            .collect()
        })
    }

    fn list_enroll_codes(&self) -> Result<Vec<EnrollCodeListing>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT code_hash, employee_id, employee_name, agent_profile IS NOT NULL, \
                 created_at, expires_at, used_at, revoked_at FROM enroll_codes \
                 ORDER BY created_at DESC, code_hash",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                let code_hash: String = col(r, 0)?;
                Ok(EnrollCodeListing {
                    id: code_id(&code_hash),
                    employee: col(r, 1)?,
                    name: col(r, 2)?,
                    kind: if col::<bool>(r, 3)? {
                        "agent"
                    } else {
                        "employee"
                    },
                    created_at: to_u64(col(r, 4)?),
                    expires_at: to_u64(col(r, 5)?),
                    used_at: col::<Option<i64>>(r, 6)?.map(to_u64),
                    revoked_at: col::<Option<i64>>(r, 7)?.map(to_u64),
                    code_hash,
                })
            })
            .collect()
        })
    }

    fn revoke_enroll_code(&self, code_hash: &str, at: u64) -> Result<bool, StoreError> {
        self.read(|c| {
            let n = c
                .execute(
                    "UPDATE enroll_codes SET revoked_at = $2, expires_at = LEAST(expires_at, $2) \
                     WHERE code_hash = $1 AND used_at IS NULL AND revoked_at IS NULL",
                    &[&code_hash, &to_i64(at)],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn append_op(&self, op: &NewOp) -> Result<OpRecord, StoreError> {
        self.oplog_group.append(op, |ops| {
            self.write(|tx| ops.iter().map(|op| super::oplog::append(tx, op)).collect())
        })
    }

    fn ops_after(&self, after_seq: u64, limit: u32) -> Result<Vec<OpRecord>, StoreError> {
        self.read(|c| super::oplog::after(c, after_seq, limit))
    }
}
