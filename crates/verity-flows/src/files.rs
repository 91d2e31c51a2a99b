//! How the flows put files on disk: a report replaced atomically, a copy written only as a new
//! file. Either way a failure half-way leaves nothing partial behind.

use crate::FlowError;
use std::io::{Error, ErrorKind, Write};
use std::path::{Path, PathBuf};

fn write_error(path: &Path) -> impl FnOnce(Error) -> FlowError + '_ {
    move |source| FlowError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` atomically: a new temporary file beside it, flushed to disk, then
/// renamed over `path`, so `path` holds the old file or the whole new one, never part of one,
/// and a reader that opened the old file keeps reading the old file. Replacing a file keeps its
/// permissions. The temporary file is removed when anything fails.
///
/// # Errors
/// [`FlowError::Write`] (no such folder, read-only, disk full, `path` is a folder…).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FlowError> {
    replace(path, bytes).map_err(write_error(path))
}

fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::new(ErrorKind::InvalidInput, "no file name"))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    // The temporary name starts with (at most 64 bytes of) the final one, so a leftover is
    // recognisable, and stays far below the 255-byte limit whatever the final name's length.
    let name = name.to_string_lossy();
    let mut cut = name.len().min(64);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let stem = &name[..cut];
    // Replacing a file keeps its permissions (a report shared with a group stays shared).
    let keep = std::fs::metadata(path).ok().map(|m| m.permissions());
    for n in 0..100u32 {
        let tmp = dir.join(format!(".{stem}.{}-{n}.tmp", std::process::id()));
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = file
            .write_all(bytes)
            .and_then(|()| match &keep {
                Some(p) => file.set_permissions(p.clone()),
                None => Ok(()),
            })
            .and_then(|()| file.sync_all())
            .and_then(|()| {
                drop(file);
                std::fs::rename(&tmp, path)
            });
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        #[cfg(unix)]
        if written.is_ok() {
            // The rename itself reaches the disk with the folder's entry.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        return written;
    }
    Err(Error::new(
        ErrorKind::AlreadyExists,
        "no free temporary file name",
    ))
}

/// Writes `bytes` to `path`, which must not exist (not even as a link); a file created meanwhile
/// is never replaced. A failed write removes the part written.
///
/// # Errors
/// [`FlowError::Exists`], or [`FlowError::Write`].
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), FlowError> {
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            return Err(FlowError::Exists {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(write_error(path)(e)),
    };
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(write_error(path)(e));
    }
    Ok(())
}

/// Writes `bytes` to a new file in `dir` (created if needed) named after `stem` and `ext`
/// (`stem.ext`, `stem-2.ext`, …), never over an existing file. Characters that are not allowed
/// in a file name on some system become `_`; a name that would be hidden loses its dots.
///
/// # Errors
/// [`FlowError::Write`] (also when the first 999 names are taken).
pub fn write_unique(dir: &Path, stem: &str, ext: &str, bytes: &[u8]) -> Result<PathBuf, FlowError> {
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    let safe = if safe.is_empty() { "file" } else { safe };
    for n in 1..1000u32 {
        let name = match (n, ext.is_empty()) {
            (1, true) => safe.to_owned(),
            (1, false) => format!("{safe}.{ext}"),
            (_, true) => format!("{safe}-{n}"),
            (_, false) => format!("{safe}-{n}.{ext}"),
        };
        let path = dir.join(name);
        match write_new(&path, bytes) {
            Ok(()) => return Ok(path),
            Err(FlowError::Exists { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Err(write_error(dir)(Error::new(
        ErrorKind::AlreadyExists,
        "no free file name in the folder",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_is_whole_and_a_reader_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        std::fs::write(&path, b"old report").unwrap();
        let held = dir.path().join("held");
        std::fs::hard_link(&path, &held).unwrap();
        write_atomically(&path, b"new report").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new report");
        assert_eq!(std::fs::read(&held).unwrap(), b"old report");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temporary file is left");
    }

    #[test]
    fn a_name_near_the_limit_still_fits_its_temporary_name() {
        let dir = tempfile::tempdir().unwrap();
        // 254 bytes: the temporary name must not pass 255.
        let long = dir.path().join(format!("{}.html", "報".repeat(83)));
        assert_eq!(long.file_name().unwrap().len(), 254);
        write_atomically(&long, b"long").unwrap();
        write_atomically(&long, b"longer").unwrap();
        assert_eq!(std::fs::read(&long).unwrap(), b"longer");
    }

    #[cfg(unix)]
    #[test]
    fn replacing_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.html");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn a_failed_write_names_the_path_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-folder").join("r.csv");
        let e = write_atomically(&path, b"x").unwrap_err();
        assert!(e.to_string().starts_with("cannot write "), "{e}");
        assert!(e.to_string().contains("r.csv"), "{e}");
        // A folder in the way: refused, and the temporary file is gone.
        std::fs::create_dir(dir.path().join("d")).unwrap();
        let e = write_atomically(&dir.path().join("d"), b"x").unwrap_err();
        assert!(matches!(e, FlowError::Write { .. }), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_new_file_never_replaces_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("copy.vcf");
        write_new(&path, b"first").unwrap();
        let e = write_new(&path, b"second").unwrap_err();
        assert!(matches!(e, FlowError::Exists { .. }));
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        let p2 = write_unique(dir.path(), "copy", "vcf", b"third").unwrap();
        assert_eq!(p2, dir.path().join("copy-2.vcf"));
        let p3 = write_unique(dir.path(), "../.hidden:x", "", b"x").unwrap();
        assert_eq!(p3, dir.path().join("_.hidden_x"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_named_as_such() {
        // /dev/full answers every write with ENOSPC.
        let e = write_new(Path::new("/dev/full"), b"x");
        // It exists, so write_new refuses it before writing: use the replace path's error instead.
        assert!(matches!(e, Err(FlowError::Exists { .. })));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let err = f
            .write_all(&[0u8; 8192])
            .and_then(|()| f.sync_all())
            .unwrap_err();
        let e = FlowError::Write {
            path: "/dev/full".into(),
            source: err,
        };
        assert!(e.is_disk_full());
    }
}
