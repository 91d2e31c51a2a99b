//! Schema migrations. Each table module owns its migrations; they are listed here in order.
//!
//! All pending migrations run in one `BEGIN IMMEDIATE` transaction and `PRAGMA user_version`
//! records the result, so a failure leaves the file exactly as it was. A database whose version
//! is newer than this build knows is refused rather than guessed at.

use crate::StoreError;
use rusqlite::Connection;

/// Writes rows in the migration's transaction.
pub type Seed = fn(&rusqlite::Transaction<'_>) -> Result<(), StoreError>;

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The schema version this step produces (1, 2, 3… with no gaps).
    pub version: u32,
    /// A short name for logs.
    pub name: &'static str,
    /// The SQL to run.
    pub sql: &'static str,
    /// Rows to write after the SQL, in the same transaction (e.g. the sample blocklist).
    pub seed: Option<Seed>,
}

/// Every migration, oldest first. Add new ones at the end; never edit a released one.
pub const MIGRATIONS: &[Migration] = &[
    crate::settings::MIGRATION_1,
    crate::blocklist::MIGRATION_2,
    crate::feed::MIGRATION_3,
    crate::blocklist::MIGRATION_BLOCKLIST_KEY,
    crate::checklist::MIGRATION_CHECKLIST,
    crate::threats::MIGRATION_THREATS,
    crate::feed::MIGRATION_FEED_LIST,
    crate::history::MIGRATION_HISTORY,
    crate::feed::MIGRATION_FEED_BLOCK,
    crate::trust_log::MIGRATION_TRUST_LOG,
    crate::checklist::MIGRATION_AUDIT_ANCHOR,
    crate::tripwire::MIGRATION_TRIPWIRE,
    crate::it_reports::MIGRATION_IT_REPORTS,
    crate::drills::MIGRATION_DRILLS,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn user_version(conn: &Connection) -> Result<u32, StoreError> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(u32::try_from(v).unwrap_or(u32::MAX))
}

/// Brings the database up to [`SCHEMA_VERSION`].
pub(crate) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    run_list(conn, MIGRATIONS)
}

pub(crate) fn run_list(conn: &mut Connection, list: &[Migration]) -> Result<(), StoreError> {
    let supported = u32::try_from(list.len()).unwrap_or(u32::MAX);
    // Cheap check without the write lock: nothing to do in the common case.
    let found = user_version(conn)?;
    if found > supported {
        return Err(StoreError::NewerSchema { found, supported });
    }
    if found == supported {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Re-read under the lock: another process may have migrated meanwhile.
    let found = user_version(&tx)?;
    if found > supported {
        return Err(StoreError::NewerSchema { found, supported });
    }
    for m in list.iter().filter(|m| m.version > found) {
        log::info!("migrating store to schema {} ({})", m.version, m.name);
        tx.execute_batch(m.sql)?;
        if let Some(seed) = m.seed {
            seed(&tx)?;
        }
    }
    tx.pragma_update(None, "user_version", supported)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_dense_and_ordered() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                m.version as usize,
                i + 1,
                "migration {} out of order",
                m.name
            );
        }
    }

    #[test]
    fn a_failing_migration_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        let good = Migration {
            version: 1,
            name: "good",
            sql: "CREATE TABLE a (x);",
            seed: None,
        };
        let bad = Migration {
            version: 2,
            name: "bad",
            sql: "CREATE TABLE b (y); NOT SQL;",
            seed: None,
        };
        let err = run_list(&mut conn, &[good, bad]).unwrap_err();
        assert!(matches!(err, StoreError::Sqlite(_)));
        assert_eq!(user_version(&conn).unwrap(), 0);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            tables, 0,
            "the good step must be rolled back with the bad one"
        );
    }
}
