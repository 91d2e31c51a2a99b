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

#[test]
fn passkeys_belong_to_one_account_and_a_reset_forgets_them_and_its_sessions() {
    use crate::store::{AdminRole, ConsoleStore, SessionRecord};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    assert!(store
        .add_admin("chan", b"handle-chan", AdminRole::Admin, "h1", 100, 1)
        .unwrap());
    assert!(!store
        .add_admin("chan", b"handle-other", AdminRole::Auditor, "h2", 100, 1)
        .unwrap());
    assert!(store
        .add_admin("lee", b"handle-lee", AdminRole::Auditor, "h3", 100, 1)
        .unwrap());
    let chan = store.admin_by_name("chan").unwrap().unwrap();
    let lee = store.admin_by_name("lee").unwrap().unwrap();
    let id = store
        .add_passkey(chan.id, b"cred-1", b"opaque", "YubiKey", 5)
        .unwrap()
        .unwrap();
    // A credential id is registered once, whoever asks.
    assert_eq!(
        store
            .add_passkey(lee.id, b"cred-1", b"x", "mine", 6)
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .passkey_by_credential_id(b"cred-1")
            .unwrap()
            .unwrap()
            .admin_id,
        chan.id
    );
    assert!(store.use_passkey(id, b"opaque-2", 9).unwrap());
    let keys = store.passkeys(chan.id).unwrap();
    assert_eq!(
        (keys[0].credential.as_slice(), keys[0].last_used_at),
        (b"opaque-2".as_slice(), Some(9))
    );
    assert!(!store.remove_passkey(lee.id, id).unwrap(), "not lee's");
    store
        .add_session(&SessionRecord {
            token_hash: "t".into(),
            admin_id: chan.id,
            created_at: 10,
            last_seen_at: 10,
            auth_at: 10,
            source: "127.0.0.1".into(),
        })
        .unwrap();
    assert!(store.reset_admin("chan", "h9", 200).unwrap());
    assert!(store.passkeys(chan.id).unwrap().is_empty());
    assert!(store.session("t").unwrap().is_none());
    let chan = store.admin_by_name("chan").unwrap().unwrap();
    assert_eq!(
        (chan.setup_hash.as_deref(), chan.passphrase_hash),
        (Some("h9"), None)
    );
    assert!(!store.reset_admin("nobody", "h", 1).unwrap());
    // The user handle names the account, and stays through a reset.
    assert_eq!(
        store
            .admin_by_user_handle(b"handle-chan")
            .unwrap()
            .unwrap()
            .name,
        "chan"
    );
    assert!(!store
        .add_admin("wong", b"handle-lee", AdminRole::Admin, "h", 1, 1)
        .unwrap());
}
