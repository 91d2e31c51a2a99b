//! The SQLite store's migrations.

use super::*;
use crate::store::code_scheme;

#[test]
fn a_version_1_database_keeps_its_codes_as_legacy_hashes() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open_with_flags(
            dir.path().join(DATABASE_FILE),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO enroll_codes (code_hash, employee_id, employee_name, created_at, \
             expires_at) VALUES ('abc', 'e1', 'Chan', 1, 2)",
            [],
        )
        .unwrap();
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    let r = store.enroll_code("abc").unwrap().unwrap();
    assert_eq!(r.scheme, code_scheme::LEGACY_SHA256);
    let v: u32 = store
        .conn()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
}

#[test]
fn a_version_5_database_gains_the_reports_table_and_a_report_is_one_row_or_none() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open_with_flags(
            dir.path().join(DATABASE_FILE),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .unwrap();
        for m in &MIGRATIONS[..5] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", 5).unwrap();
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    assert!(store.report_groups(None).unwrap().is_empty());
    // A report of a device the desk does not have is refused whole (the foreign key).
    let r = NewReport {
        device_id: "nobody".into(),
        kind: "other".into(),
        item: None,
        dedup_key: "other|".into(),
        verdict: vec![],
        note: String::new(),
        observed_at: 1,
        received_at: 2,
    };
    assert!(store.add_report(&r, 0, 30).is_err());
    assert!(store.report_groups(None).unwrap().is_empty());
}
