//! Owner-only directories and files: the data directory and its SQLite files, the feed's kept
//! metadata, the device state and key file, the desk's database and organisation key.
//!
//! - A directory is created owner-only (0700 on Unix). An existing one is checked: it must be a
//!   directory owned by this user; group or other access is taken away (a data directory made
//!   world-readable by a careless `mkdir` would leak the history and the keys' ciphertext).
//! - A file is written through a new temporary file in the same directory, created with
//!   `O_CREAT | O_EXCL` (`create_new`, through `tempfile`: a random name, never following a
//!   symlink an attacker planted), owner-only from its creation, synced, then renamed over the
//!   target: a reader sees the old file or the new one, never half of one.
//! - [`restrict_file`] takes group and other access away from a file another library created
//!   (SQLite's database, `-wal` and `-shm` files).
//!
//! On Windows "owner-only" is an ACL (`windows.rs`): a protected DACL with one entry, full
//! control for the current user, inherited inside a directory; an existing directory or file
//! gets it unless it already has exactly that. An existing one must be owned by this user (its
//! owner SID the process token's user SID, or the token's default owner, Administrators, in an
//! elevated process), and is refused like on Unix otherwise.

use std::io::{self, Write};
use std::path::Path;

mod admin;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
mod windows_admin;

#[cfg(unix)]
pub use admin::check_owned_by;
pub use admin::{check_admin_only, AdminOnlyError};
#[cfg(windows)]
pub use windows_admin::program_data;

/// Creates `dir` (and its parents) owner-only, or checks an existing one (see the module docs).
///
/// # Errors
/// I/O errors; [`io::ErrorKind::PermissionDenied`] when it belongs to another user;
/// [`io::ErrorKind::InvalidInput`] when it is not a directory.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    match std::fs::metadata(dir) {
        Ok(meta) => check_private(dir, &meta, true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(dir)?;
            #[cfg(windows)]
            windows::restrict(dir, true)?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Takes group and other access away from `path` if it exists (a file another library created).
///
/// # Errors
/// I/O errors; [`io::ErrorKind::PermissionDenied`] when it belongs to another user.
pub fn restrict_file(path: &Path) -> io::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) => check_private(path, &meta, false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata, dir: bool) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if dir && !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a directory", path.display()),
        ));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} belongs to another user (uid {}); Verity keeps its data only where no one else can change it",
                path.display(),
                meta.uid()
            ),
        ));
    }
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        let private = if dir { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(private))?;
    }
    Ok(())
}

#[cfg(windows)]
fn check_private(path: &Path, meta: &std::fs::Metadata, dir: bool) -> io::Result<()> {
    if dir && !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a directory", path.display()),
        ));
    }
    // Owned by this user, as on Unix: another user who owns it keeps the right to change its
    // DACL back, even after ours replaced theirs (an administrator's process may rewrite it).
    if !windows::owned_by_current_user(path)? {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} belongs to another user; Verity keeps its data only where no one else can change it",
                path.display()
            ),
        ));
    }
    windows::restrict(path, dir).map_err(|e| {
        if e.kind() == io::ErrorKind::PermissionDenied {
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} belongs to another user; Verity keeps its data only where no one else can change it",
                    path.display()
                ),
            )
        } else {
            e
        }
    })
}

#[cfg(not(any(unix, windows)))]
fn check_private(path: &Path, meta: &std::fs::Metadata, dir: bool) -> io::Result<()> {
    if dir && !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a directory", path.display()),
        ));
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically and owner-only (see the module docs), creating its
/// directory owner-only if needed.
///
/// # Errors
/// I/O errors; nothing is left behind on failure (the temporary file is removed).
pub fn write_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_file(path, bytes, 0o600)
}

/// Writes `bytes` to `path` atomically with Unix permissions `mode` (0o644 for public metadata),
/// through a new temporary file in the same (existing) directory.
///
/// # Errors
/// I/O errors; nothing is left behind on failure.
pub fn write_file(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if mode & 0o077 == 0 {
        ensure_private_dir(dir)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut tmp = builder.tempfile_in(dir)?;
    // Owner-only before a byte is written (it inherited the private folder's entry already;
    // this makes it explicit and protected, as restrict_file does).
    #[cfg(windows)]
    if mode & 0o077 == 0 {
        windows::restrict(tmp.path(), false)?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("device.json");
        write_private_file(&path, b"one").unwrap();
        write_private_file(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn files_and_directories_are_owner_only_and_loose_ones_are_tightened() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        ensure_private_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        let key = data.join("device.key");
        write_private_file(&key, b"k").unwrap();
        assert_eq!(mode(&key), 0o600);
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        restrict_file(&key).unwrap();
        assert_eq!(mode(&key), 0o600);
        restrict_file(&data.join("absent")).unwrap();
        // A file where a directory should be is refused.
        let err = ensure_private_dir(&key).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"keep").unwrap();
        let path = dir.path().join("key.pem");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        write_private_file(&path, b"secret").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert!(!std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&path).unwrap(), b"secret");
    }

    /// Makes a private data folder with a key file, a file another library made, and an existing
    /// folder tightened twice; the paths, for the DACL checks.
    #[cfg(windows)]
    fn windows_private_tree(tmp: &Path) -> [std::path::PathBuf; 4] {
        let data = tmp.join("data");
        ensure_private_dir(&data).unwrap();
        let key = data.join("device.key");
        write_private_file(&key, b"k").unwrap();
        let db = data.join("verity.sqlite3");
        std::fs::write(&db, b"db").unwrap();
        restrict_file(&db).unwrap();
        let loose = tmp.join("loose");
        std::fs::create_dir(&loose).unwrap();
        ensure_private_dir(&loose).unwrap();
        ensure_private_dir(&loose).unwrap();
        restrict_file(&data.join("absent")).unwrap();
        let err = ensure_private_dir(&key).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        [data, key, db, loose]
    }

    /// The Win32 calls succeed (Wine runs this one too; see the next test).
    #[cfg(windows)]
    #[test]
    fn on_windows_owner_only_calls_succeed() {
        let tmp = tempfile::tempdir().unwrap();
        let [_, key, _, _] = windows_private_tree(tmp.path());
        assert_eq!(std::fs::read(&key).unwrap(), b"k");
    }

    /// A folder this process made is its user's (Wine runs this one too).
    #[cfg(windows)]
    #[test]
    fn on_windows_a_folder_this_process_made_is_its_users() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(windows::owned_by_current_user(tmp.path()).unwrap());
        ensure_private_dir(tmp.path()).unwrap();
    }

    /// The system's folder (TrustedInstaller's) is not this user's: the check that keeps
    /// `ensure_private_dir` from rewriting another owner's DACL (read only here). Skipped under
    /// Wine (scripts/windows/test): Wine reports every file's owner as the current user.
    #[cfg(windows)]
    #[test]
    fn on_windows_a_folder_another_owner_has_is_refused() {
        let system = std::env::var_os("SystemRoot").unwrap_or_else(|| "C:\\Windows".into());
        assert!(!windows::owned_by_current_user(Path::new(&system)).unwrap());
    }

    /// The DACLs read back: protected, one entry, full control for this user, inherited inside
    /// folders only. Skipped under Wine (scripts/windows/test): Wine 8 accepts a DACL but does not
    /// keep it (it has no store for a file's security descriptor), so only real Windows checks
    /// this.
    #[cfg(windows)]
    #[test]
    fn on_windows_files_and_directories_get_an_owner_only_acl() {
        use crate::windows::{dacl, Dacl};
        let owner_only = |d: Option<Dacl>, dir: bool| {
            let d = d.expect("a DACL");
            assert!(d.protected, "nothing inherited: {d:?}");
            assert_eq!(d.entries.len(), 1, "{d:?}");
            let e = d.entries[0];
            assert!(e.allowed && e.current_user, "{d:?}");
            assert_eq!(e.mask & 0x001F_01FF, 0x001F_01FF, "full control: {d:?}");
            assert_eq!(
                e.flags & 0x3 == 0x3,
                dir,
                "inherited inside a folder only: {d:?}"
            );
        };
        let tmp = tempfile::tempdir().unwrap();
        let [data, key, db, loose] = windows_private_tree(tmp.path());
        owner_only(dacl(&data).unwrap(), true);
        owner_only(dacl(&key).unwrap(), false);
        owner_only(dacl(&db).unwrap(), false);
        owner_only(dacl(&loose).unwrap(), true);
    }
}
