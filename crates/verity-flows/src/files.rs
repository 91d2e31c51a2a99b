//! How the flows put files on disk: a report replaced atomically, a copy written only as a new
//! file. Either way a failure half-way leaves nothing partial behind.
//!
//! File names are made for every system: a name Verity makes up ([`write_unique`], from a
//! user's file name) is cleaned by [`safe_stem`] on every OS, so a copy made on Linux still opens
//! on Windows; a path the user chose (the Save dialog, `--out`) is taken as given — drive
//! letters, UNC shares and paths past 260 characters work (the standard library adds the
//! `\\?\` prefix itself) — except that on Windows a name the system would not store as typed is
//! refused before anything is written: a device name (`CON`, `nul.txt`, `COM1`…), a character
//! Windows forbids (`<>:"|?*`, control characters; `:` would write an alternate data stream), or
//! a trailing dot or space (Windows would drop it and write another name).

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
    check_chosen_name(path).map_err(write_error(path))?;
    replace(path, bytes).map_err(write_error(path))
}

/// The folder `path` is in (`.` for a bare name): `C:\x` for `C:\x\r.csv`, `C:` for the
/// drive-relative `C:r.csv`, `\\server\share\` for a file at a share's root.
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
}

fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::new(ErrorKind::InvalidInput, "no file name"))?;
    let dir = folder_of(path);
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
    check_chosen_name(path).map_err(write_error(path))?;
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
/// (`stem.ext`, `stem-2.ext`, …), never over an existing file. Both are cleaned first
/// ([`safe_stem`], [`safe_extension`]), on every OS.
///
/// # Errors
/// [`FlowError::Write`] (also when the first 999 names are taken).
pub fn write_unique(dir: &Path, stem: &str, ext: &str, bytes: &[u8]) -> Result<PathBuf, FlowError> {
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    let safe = safe_stem(stem);
    let ext = safe_extension(ext);
    for n in 1..1000u32 {
        let name = match (n, ext.is_empty()) {
            (1, true) => safe.clone(),
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

/// The longest stem [`safe_stem`] leaves, in bytes: with `-999` and an extension the name stays
/// far below every system's 255 (bytes on Linux and macOS, UTF-16 units on Windows).
pub const MAX_STEM_BYTES: usize = 150;

/// The longest extension [`safe_extension`] leaves, in bytes.
pub const MAX_EXTENSION_BYTES: usize = 16;

/// Whether `c` may not appear in a file name on some system Verity runs on: control characters,
/// the path separators, and what Windows forbids (`<>:"|?*`).
fn forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
}

fn cut(s: &mut String, max: usize) {
    if s.len() > max {
        let mut at = max;
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        s.truncate(at);
    }
}

/// `stem` made into a file name's stem that every system stores as given and that opens
/// anywhere: forbidden characters (see the module docs) become `_`; leading dots and spaces go
/// (no hidden file) and so do trailing ones (Windows drops them); at most [`MAX_STEM_BYTES`]; a
/// Windows device name (`CON`, `nul.backup`, `COM1`…) gets a `_` in front; nothing left is
/// `file`.
#[must_use]
pub fn safe_stem(stem: &str) -> String {
    let mut s: String = stem
        .chars()
        .map(|c| if forbidden(c) { '_' } else { c })
        .collect::<String>()
        .trim_start_matches(['.', ' '])
        .to_owned();
    cut(&mut s, MAX_STEM_BYTES);
    let mut s = s.trim_end_matches(['.', ' ']).to_owned();
    if s.is_empty() {
        s = "file".to_owned();
    }
    if is_windows_device_name(&s) {
        s.insert(0, '_');
    }
    s
}

/// `ext` (without its dot) cleaned like [`safe_stem`]: forbidden characters become `_`, dots
/// and spaces at either end go, at most [`MAX_EXTENSION_BYTES`]; empty means no extension.
#[must_use]
pub fn safe_extension(ext: &str) -> String {
    let mut s: String = ext
        .chars()
        .map(|c| if forbidden(c) { '_' } else { c })
        .collect::<String>()
        .trim_matches(['.', ' '])
        .to_owned();
    cut(&mut s, MAX_EXTENSION_BYTES);
    s.trim_end_matches(['.', ' ']).to_owned()
}

/// Whether Windows takes the file name `name` for a device rather than a file: `CON`, `PRN`,
/// `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9` (also with `¹²³`), `CONIN$`, `CONOUT$`, in any
/// case, alone or before an extension (`con.txt`, `NUL .tar.gz`): Windows compares the part
/// before the first dot, without trailing spaces.
#[must_use]
pub fn is_windows_device_name(name: &str) -> bool {
    let base = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
    let upper = base.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => {
            let mut chars = upper.chars();
            let prefix: String = chars.by_ref().take(3).collect();
            let rest: Vec<char> = chars.collect();
            (prefix == "COM" || prefix == "LPT")
                && matches!(rest.as_slice(), [d] if d.is_ascii_digit() || matches!(d, '¹' | '²' | '³'))
        }
    }
}

/// Why Windows would not store a file under `name` as given, if it would not.
fn windows_name_problem(name: &str) -> Option<&'static str> {
    if is_windows_device_name(name) {
        Some("is a device name on Windows, not a file name")
    } else if name.chars().any(forbidden) {
        Some("has a character Windows does not allow in a file name (<>:\"|?* or a control character)")
    } else if name.ends_with(['.', ' ']) {
        Some("ends with a dot or a space, which Windows drops")
    } else {
        None
    }
}

/// On Windows, refuses a chosen path whose file name Windows would not store as given (see the
/// module docs). Elsewhere such names are ordinary files and pass.
fn check_chosen_name(path: &Path) -> std::io::Result<()> {
    if !cfg!(windows) {
        return Ok(());
    }
    let Some(name) = path.file_name() else {
        return Ok(());
    };
    let name = name.to_string_lossy();
    match windows_name_problem(&name) {
        Some(problem) => Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{name} {problem}: choose another name"),
        )),
        None => Ok(()),
    }
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

    #[test]
    fn made_up_names_are_safe_on_every_system() {
        for (stem, want) in [
            ("contacts-cleaned", "contacts-cleaned"),
            ("con", "_con"),
            ("CON.backup", "_CON.backup"),
            ("nul ", "_nul"),
            ("Com1", "_Com1"),
            ("lpt9", "_lpt9"),
            ("COM²", "_COM²"),
            ("conout$", "_conout$"),
            ("COM10", "COM10"),
            ("console", "console"),
            ("aux_", "aux_"),
            ("report. . ", "report"),
            ("  .hidden", "hidden"),
            ("...", "file"),
            ("", "file"),
            ("a<b>c:d\"e/f\\g|h?i*j\u{7}k\nl", "a_b_c_d_e_f_g_h_i_j_k_l"),
            ("C:\\Users\\me\\contacts", "C__Users_me_contacts"),
            ("\\\\server\\share\\x", "__server_share_x"),
        ] {
            assert_eq!(safe_stem(stem), want, "{stem:?}");
        }
        // Long stems are cut at a character boundary, then lose a trailing dot or space.
        let long = safe_stem(&"報".repeat(100));
        assert!(long.len() <= MAX_STEM_BYTES && long.len() > MAX_STEM_BYTES - 3);
        assert!(long.chars().all(|c| c == '報'));
        let dotted = safe_stem(&format!("{}. x", "a".repeat(MAX_STEM_BYTES - 1)));
        assert_eq!(dotted, "a".repeat(MAX_STEM_BYTES - 1));
        assert_eq!(safe_extension("vcf"), "vcf");
        assert_eq!(safe_extension(".c:v "), "c_v");
        assert_eq!(safe_extension(" . "), "");
        assert_eq!(safe_extension(&"x".repeat(40)).len(), MAX_EXTENSION_BYTES);
    }

    #[test]
    fn windows_device_names_are_recognised_with_or_without_an_extension() {
        for name in [
            "CON",
            "con",
            "con.txt",
            "Con .txt",
            "PRN",
            "aux.tar.gz",
            "NUL",
            "nul.",
            "COM0",
            "com1",
            "COM9.log",
            "LPT1",
            "lpt3.csv",
            "COM¹",
            "LPT³.txt",
            "CONIN$",
            "conout$.x",
        ] {
            assert!(is_windows_device_name(name), "{name}");
        }
        for name in [
            "CONSOLE",
            "con-2.txt",
            "_con",
            "COM",
            "COM10",
            "LPT",
            "lpt10.txt",
            "aux_.x",
            "nulla",
            "report.con",
            "",
        ] {
            assert!(!is_windows_device_name(name), "{name}");
        }
        assert!(windows_name_problem("con.csv").is_some());
        assert!(windows_name_problem("a:b.csv").is_some());
        assert!(windows_name_problem("a?.csv").is_some());
        assert!(windows_name_problem("r.csv.").is_some());
        assert!(windows_name_problem("r.csv ").is_some());
        assert!(windows_name_problem("報告 2026-12-06.csv").is_none());
    }

    #[test]
    fn a_unique_name_made_from_a_device_name_is_a_file_everywhere() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_unique(dir.path(), "con", "vcf", b"a").unwrap();
        assert_eq!(p, dir.path().join("_con.vcf"));
        let p = write_unique(dir.path(), "report. ", " csv.", b"b").unwrap();
        assert_eq!(p, dir.path().join("report.csv"));
        let p = write_unique(dir.path(), "con", "vcf", b"c").unwrap();
        assert_eq!(p, dir.path().join("_con-2.vcf"));
        assert_eq!(std::fs::read(dir.path().join("_con.vcf")).unwrap(), b"a");
    }

    #[test]
    fn paths_longer_than_260_characters_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut deep = dir.path().to_path_buf();
        for i in 0..6 {
            deep.push(format!("{i}-{}", "folder".repeat(8)));
        }
        std::fs::create_dir_all(&deep).unwrap();
        let report = deep.join(format!("{}.html", "report".repeat(20)));
        assert!(report.as_os_str().len() > 400);
        write_atomically(&report, b"one").unwrap();
        write_atomically(&report, b"two").unwrap();
        assert_eq!(std::fs::read(&report).unwrap(), b"two");
        let copy = deep.join("copy.vcf");
        write_new(&copy, b"new").unwrap();
        let unique = write_unique(&deep, "copy", "vcf", b"again").unwrap();
        assert_eq!(unique, deep.join("copy-2.vcf"));
        assert_eq!(std::fs::read_dir(&deep).unwrap().count(), 3);
    }

    #[test]
    fn the_temporary_file_goes_beside_the_target() {
        assert_eq!(folder_of(Path::new("r.csv")), Path::new("."));
        assert_eq!(folder_of(Path::new("a/r.csv")), Path::new("a"));
        #[cfg(windows)]
        {
            assert_eq!(folder_of(Path::new(r"C:\x\r.csv")), Path::new(r"C:\x"));
            assert_eq!(folder_of(Path::new(r"C:r.csv")), Path::new(r"C:"));
            assert_eq!(
                folder_of(Path::new(r"\\server\share\r.csv")),
                Path::new(r"\\server\share\")
            );
            assert_eq!(
                folder_of(Path::new(r"\\?\C:\x\r.csv")),
                Path::new(r"\\?\C:\x")
            );
        }
    }

    #[cfg(windows)]
    #[test]
    fn on_windows_a_chosen_name_windows_would_not_keep_is_refused_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "con.txt",
            "NUL",
            "com1.csv",
            "r.csv:stream",
            "r.csv.",
            "r.csv ",
        ] {
            let path = dir.path().join(name);
            let e = write_atomically(&path, b"x").unwrap_err();
            match &e {
                FlowError::Write { source, .. } => {
                    assert_eq!(source.kind(), ErrorKind::InvalidInput, "{name}: {e}");
                }
                other => panic!("{name}: {other}"),
            }
            assert!(e.to_string().contains("choose another name"), "{e}");
            assert!(matches!(
                write_new(&path, b"x"),
                Err(FlowError::Write { .. })
            ));
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(windows)]
    #[test]
    fn on_windows_drive_letters_and_verbatim_paths_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let abs = std::path::absolute(dir.path()).unwrap();
        assert!(
            abs.to_string_lossy().as_bytes()[1] == b':',
            "{}",
            abs.display()
        );
        write_atomically(&abs.join("r.csv"), b"drive").unwrap();
        let verbatim = PathBuf::from(format!(r"\\?\{}", abs.display())).join("v.csv");
        write_atomically(&verbatim, b"verbatim").unwrap();
        write_atomically(&verbatim, b"verbatim 2").unwrap();
        assert_eq!(std::fs::read(abs.join("v.csv")).unwrap(), b"verbatim 2");
        write_new(
            &PathBuf::from(format!(r"\\?\{}", abs.display())).join("n.csv"),
            b"n",
        )
        .unwrap();
        assert_eq!(std::fs::read_dir(&abs).unwrap().count(), 3);
    }
}
