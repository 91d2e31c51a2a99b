//! The device key stores against the real thing.
//!
//! The OS store test uses the real store of the OS it runs on. On Linux it is ignored by a plain
//! `cargo test` (it needs a D-Bus session with an unlocked gnome-keyring):
//! `tests/secret-service.sh` sets one up and runs it with `--include-ignored`. On Windows it
//! always runs, against Credential Manager (`scripts/windows/test` runs it under Wine, whose
//! CredWrite/CredRead keep credentials in the prefix's registry). The file store with a
//! passphrase always runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use verity_device::keystore::{FileKeyStore, KeyStore, KeyStoreError, OsKeyStore, KEY_FILE};
use verity_device::proto::{b64, generate_signing_key};
use verity_device::sealed::{KdfParams, SealError};
use zeroize::Zeroizing;

fn assert_not_in(bytes: &[u8], seed: &[u8; 32]) {
    let enc = [
        seed.to_vec(),
        b64(seed).into_bytes(),
        data_encoding::HEXLOWER.encode(seed).into_bytes(),
    ];
    for needle in enc {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_slice()));
    }
}

#[test]
#[cfg_attr(
    not(windows),
    ignore = "needs an unlocked Secret Service: run crates/verity-device/tests/secret-service.sh"
)]
fn os_store_round_trip() {
    let store = OsKeyStore::new("hk.verity.test-keystore");
    store
        .probe()
        .expect("a usable OS key store (an unlocked Secret Service collection on Linux)");
    let key = generate_signing_key().unwrap();
    let key_ref = format!("device-test-{}", std::process::id());
    assert!(!store.contains(&key_ref).unwrap());
    store.save(&key_ref, &key).unwrap();
    assert!(store.contains(&key_ref).unwrap());
    assert_eq!(store.load(&key_ref).unwrap().to_bytes(), key.to_bytes());
    store.delete(&key_ref).unwrap();
    assert!(!store.contains(&key_ref).unwrap());
    assert!(matches!(
        store.load(&key_ref),
        Err(KeyStoreError::Missing { .. })
    ));
    // Deleting twice is fine.
    store.delete(&key_ref).unwrap();
}

#[test]
fn file_store_round_trip_sealed_with_a_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let pass = || Some(Zeroizing::new(b"a long passphrase".to_vec()));
    let store = FileKeyStore::new(dir.path(), pass(), KdfParams::INSECURE_FOR_TESTS);
    let key = generate_signing_key().unwrap();
    store.save("device-1", &key).unwrap();
    assert_eq!(store.load("device-1").unwrap().to_bytes(), key.to_bytes());

    // Owner-only, and the key is not in the file in any common encoding.
    let path = dir.path().join(KEY_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert_not_in(&std::fs::read(&path).unwrap(), &key.to_bytes());

    // Wrong passphrase, no passphrase, another key reference.
    let wrong = FileKeyStore::new(
        dir.path(),
        Some(Zeroizing::new(b"wrong".to_vec())),
        KdfParams::INSECURE_FOR_TESTS,
    );
    assert!(matches!(
        wrong.load("device-1"),
        Err(KeyStoreError::Seal(SealError::WrongPassphrase))
    ));
    let none = FileKeyStore::new(dir.path(), None, KdfParams::INSECURE_FOR_TESTS);
    assert!(matches!(
        none.load("device-1"),
        Err(KeyStoreError::PassphraseNeeded)
    ));
    assert!(none.contains("device-1").unwrap());
    assert!(matches!(
        store.load("device-2"),
        Err(KeyStoreError::Missing { .. })
    ));

    // A tampered file does not open.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["key_ref"] = "device-2".into();
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    assert!(store.load("device-2").is_err());

    none.delete("device-2").unwrap();
    assert!(!path.exists());
}
