//! Where the data directory is: `VERITY_DATA_DIR` if set, else the OS app-data directory under
//! the app's identifier (the same directory Tauri would pick), so the app and `verityctl` agree.

use crate::StoreError;
use std::path::{Path, PathBuf};

/// The app's identifier, as in `tauri.conf.json`. The data directory is named after it.
pub const APP_IDENTIFIER: &str = "hk.verity.desktop";

/// The environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "VERITY_DATA_DIR";

/// The OS app-data directory for Verity (e.g. `~/.local/share/hk.verity.desktop` on Linux,
/// `~/Library/Application Support/hk.verity.desktop` on macOS, `%LOCALAPPDATA%\hk.verity.desktop`
/// on Windows: the local, not the roaming, profile folder — the database can be hundreds of MB,
/// SQLite's WAL does not work on the network share a roaming or redirected profile may live
/// on, and a device's binding must not follow the user to another computer; Tauri's
/// `app_local_data_dir`).
///
/// # Errors
/// [`StoreError::NoDataDir`] when the OS reports no home directory.
pub fn default_data_dir() -> Result<PathBuf, StoreError> {
    directories::BaseDirs::new()
        .map(|b| b.data_local_dir().join(APP_IDENTIFIER))
        .ok_or(StoreError::NoDataDir)
}

/// Picks the data directory: an explicit choice (`--data-dir`), then `VERITY_DATA_DIR` (passed in
/// as `env_value` so callers and tests control the environment), then the OS default.
///
/// # Errors
/// [`StoreError::NoDataDir`] when nothing is set and the OS has no home directory.
pub fn resolve_data_dir(
    explicit: Option<PathBuf>,
    env_value: Option<std::ffi::OsString>,
) -> Result<PathBuf, StoreError> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    match env_value {
        Some(v) if !v.is_empty() => Ok(PathBuf::from(v)),
        _ => default_data_dir(),
    }
}

/// Creates the directory owner-only if it does not exist, or checks an existing one (owned by
/// this user; group and other access taken away): `verity_fs::ensure_private_dir`.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), StoreError> {
    verity_fs::ensure_private_dir(dir).map_err(|source| StoreError::DataDir {
        path: dir.to_path_buf(),
        source,
    })
}

/// Creates the database file owner-only (`create_new`) before SQLite opens it, so that it and
/// its -wal and -shm files (SQLite copies the database's permissions) are never readable by
/// others, not even for a moment. An existing file is left to [`restrict_database`].
pub(crate) fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::DataDir {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Takes group and other access away from the database and its -wal and -shm files.
pub(crate) fn restrict_database(path: &Path) -> Result<(), StoreError> {
    let mut files = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        files.push(p.into());
    }
    for f in files {
        verity_fs::restrict_file(&f).map_err(|source| StoreError::DataDir { path: f, source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_beats_env_beats_default() {
        let got = resolve_data_dir(Some("/a".into()), Some("/b".into())).unwrap();
        assert_eq!(got, PathBuf::from("/a"));
        let got = resolve_data_dir(None, Some("/b".into())).unwrap();
        assert_eq!(got, PathBuf::from("/b"));
        let got = resolve_data_dir(None, Some("".into())).unwrap();
        assert!(got.ends_with(APP_IDENTIFIER));
    }

    #[cfg(windows)]
    #[test]
    fn on_windows_the_data_dir_is_in_local_app_data() {
        let local = std::env::var_os("LOCALAPPDATA").expect("Windows sets %LOCALAPPDATA%");
        let got = default_data_dir().unwrap();
        assert_eq!(got, PathBuf::from(local).join(APP_IDENTIFIER));
        assert!(
            got.to_string_lossy()
                .to_ascii_lowercase()
                .ends_with("\\appdata\\local\\hk.verity.desktop"),
            "{}",
            got.display()
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_wal_and_shm_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut store = crate::Store::open(&data).unwrap();
        store.set_feed_root(Some("{}")).unwrap();
        assert_eq!(mode(&data), 0o700);
        let db = data.join(crate::DATABASE_FILE);
        let wal = data.join(format!("{}-wal", crate::DATABASE_FILE));
        let shm = data.join(format!("{}-shm", crate::DATABASE_FILE));
        for f in [&db, &wal, &shm] {
            assert_eq!(mode(f), 0o600, "{}", f.display());
        }
        drop(store);
        // Made readable by others (an older Verity, a careless copy): tightened at the next open.
        for f in [&data, &db] {
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let _store = crate::Store::open(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&db), 0o600);
    }
}
