//! The store against real SQLite files in temporary data directories.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use verity_core::Language;
use verity_store::{Store, StoreError, DATABASE_FILE, SCHEMA_VERSION};

#[test]
fn open_sets_pragmas_and_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.journal_mode().unwrap(), "wal");
    assert!(store.foreign_keys_enabled().unwrap());
    assert!(dir.path().join(DATABASE_FILE).is_file());
}

#[test]
fn creates_a_missing_data_dir_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a").join("b");
    Store::open(&nested).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&nested).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "data dir must not be readable by others: {mode:o}"
        );
    }
}

#[test]
fn settings_default_then_persist_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open(dir.path()).unwrap();
        let s = store.settings().unwrap();
        assert_eq!(s.language, Language::En);
        assert!(!s.start_at_login);
        store.set_language(Language::Ar).unwrap();
        store.set_start_at_login(true).unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let s = store.settings().unwrap();
    assert_eq!(s.language, Language::Ar);
    assert!(s.start_at_login);
}

#[test]
fn refuses_a_newer_schema_and_leaves_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let path = dir.path().join(DATABASE_FILE);
    {
        let conn = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
        )
        .unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 7)
            .unwrap();
    }
    let err = Store::open(dir.path()).unwrap_err();
    match &err {
        StoreError::NewerSchema { found, supported } => {
            assert_eq!(*found, SCHEMA_VERSION + 7);
            assert_eq!(*supported, SCHEMA_VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert!(err.to_string().contains("update Verity"), "{err}");
}

#[test]
fn a_corrupted_setting_is_reported_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let conn = rusqlite::Connection::open_with_flags(
        dir.path().join(DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .unwrap();
    conn.execute(
        "INSERT INTO setting (key, value) VALUES ('language', 'klingon')",
        [],
    )
    .unwrap();
    let store = Store::open(dir.path()).unwrap();
    let err = store.settings().unwrap_err();
    assert!(err.to_string().contains("klingon"), "{err}");
}

#[test]
fn two_connections_write_at_the_same_time() {
    // The app and verityctl share a data dir: concurrent writers must wait, not fail.
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let path = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let mut store = Store::open(&path).unwrap();
                for n in 0..50 {
                    let lang = Language::ALL[(i + n) % 4];
                    store.set_language(lang).unwrap();
                    store.set_start_at_login(n % 2 == 0).unwrap();
                    store.settings().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert!(Language::ALL.contains(&store.settings().unwrap().language));
}
