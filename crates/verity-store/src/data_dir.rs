//! Where the data directory is: `VERITY_DATA_DIR` if set, else the OS app-data directory under
//! the app's identifier (the same directory Tauri would pick), so the app and `verityctl` agree.

use crate::StoreError;
use std::path::{Path, PathBuf};

/// The app's identifier, as in `tauri.conf.json`. The data directory is named after it.
pub const APP_IDENTIFIER: &str = "hk.verity.desktop";

/// The environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "VERITY_DATA_DIR";

/// The OS app-data directory for Verity (e.g. `~/.local/share/hk.verity.desktop` on Linux,
/// `~/Library/Application Support/hk.verity.desktop` on macOS, `%APPDATA%\hk.verity.desktop`
/// on Windows).
///
/// # Errors
/// [`StoreError::NoDataDir`] when the OS reports no home directory.
pub fn default_data_dir() -> Result<PathBuf, StoreError> {
    directories::BaseDirs::new()
        .map(|b| b.data_dir().join(APP_IDENTIFIER))
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

/// Creates the directory (owner-only on Unix) if it does not exist.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), StoreError> {
    let err = |source| StoreError::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(err)
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
}
