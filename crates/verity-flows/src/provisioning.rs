//! The administrator's provisioning file: the feed URL and trusted root (and proxy) deployed by
//! IT, which win over the user's settings and lock those fields in the UI.
//!
//! - Linux: `/etc/verity/provisioning.json`
//! - Windows: `%ProgramData%\Verity\provisioning.json`
//! - macOS: `/Library/Application Support/Verity/provisioning.json`
//!
//! The file, the root file it names (a root given as a path is read relative to the file's
//! directory) and every folder above them must be the administrator's: owned by root (Unix) or by
//! Administrators, SYSTEM or TrustedInstaller (Windows), and writable by no one else
//! ([`verity_fs::check_admin_only`]).
//! A file that fails is refused ([`Loaded::Untrusted`]), never used: a caller who talks the user
//! into creating it would otherwise pin the caller's feed root. On Windows the folder is
//! `FOLDERID_ProgramData` from the known-folder API, never the environment's `%ProgramData%`.
//!
//! `VERITY_PROVISIONING` names another file, and is read only by debug builds (the test suites
//! point it at fixtures in temporary folders, owned by the user running them); a file it names is
//! not ownership-checked there. A release build ignores the variable: it always reads the
//! platform's file above, checked. The format is parsed by
//! `verity_feed_policy::config::parse_provisioning`.

use std::io::Read;
use std::path::{Path, PathBuf};
use verity_feed_policy::config::{
    self as feed_config, RootSource, MAX_PROVISIONING_BYTES, MAX_ROOT_BYTES,
};

/// The environment variable that overrides the provisioning file's path.
pub const PROVISIONING_ENV: &str = "VERITY_PROVISIONING";

/// The platform's provisioning file.
#[must_use]
pub fn default_path() -> PathBuf {
    #[cfg(target_os = "windows")]
    {
        // FOLDERID_ProgramData from the known-folder API: the environment's %ProgramData% is the
        // user's to redefine. Should the API fail, Windows' own default (the file is checked
        // for its owner either way).
        let base = verity_fs::program_data()
            .ok()
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| PathBuf::from("C:\\ProgramData"));
        base.join("Verity").join("provisioning.json")
    }
    #[cfg(target_os = "macos")]
    {
        PathBuf::from("/Library/Application Support/Verity/provisioning.json")
    }
    #[cfg(not(any(target_os = "windows", target_os = "macos")))]
    {
        PathBuf::from("/etc/verity/provisioning.json")
    }
}

/// The file `VERITY_PROVISIONING` names, in a debug build only (see the module docs).
fn override_path() -> Option<PathBuf> {
    if !cfg!(debug_assertions) {
        return None;
    }
    std::env::var_os(PROVISIONING_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// The provisioning file to read: in a debug build `VERITY_PROVISIONING` if set, else (and
/// always in a release build) [`default_path`].
#[must_use]
pub fn path_from_env() -> PathBuf {
    override_path().unwrap_or_else(default_path)
}

/// Whether a provisioning file (and its root file) must be the administrator's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Owned by an administrator and writable by no one else (every real file).
    AdminOnly,
    /// Not checked: a test's fixture, named by `VERITY_PROVISIONING` in a debug build.
    Fixture,
}

/// A provisioning file that was read and understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    /// The feed URL.
    pub url: String,
    /// The trusted root's bytes.
    pub root: Vec<u8>,
    /// The proxy, if set.
    pub proxy: Option<String>,
    /// Remote-access tools the organisation uses (the tripwire stays quiet for them).
    pub remote_tools_in_use: Vec<String>,
    /// Settings cannot turn the remote-access tripwire off.
    pub lock_tripwires: bool,
}

/// What is at the provisioning path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    /// No file: the user's settings apply.
    Absent,
    /// A valid file: it wins.
    Found(Provisioned),
    /// A file that cannot be used. The fields stay locked (the administrator meant to set
    /// them) and syncing waits until the file is fixed; the message says why.
    Invalid(String),
    /// A file (or the root file it names) that is not the administrator's: someone else owns
    /// it or may change it, or a folder above it. Refused like [`Loaded::Invalid`] (nothing
    /// syncs until an administrator fixes it); the message names the file or folder and why.
    Untrusted(String),
}

impl Loaded {
    /// Why the file cannot be used, if it cannot.
    #[must_use]
    pub fn problem(&self) -> Option<&str> {
        match self {
            Loaded::Invalid(why) | Loaded::Untrusted(why) => Some(why),
            Loaded::Absent | Loaded::Found(_) => None,
        }
    }
}

fn read_capped(path: &Path, cap: usize) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut buf = Vec::new();
    file.take(u64::try_from(cap).unwrap_or(u64::MAX) + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if buf.len() > cap {
        return Err(format!(
            "{} is larger than {} KiB",
            path.display(),
            cap / 1024
        ));
    }
    Ok(buf)
}

/// Reads a trusted root file (the user's choice in Settings, or the provisioning file's).
///
/// # Errors
/// A message naming the file when it cannot be read or is too large.
pub fn read_root_file(path: &Path) -> Result<Vec<u8>, String> {
    read_capped(path, MAX_ROOT_BYTES)
}

/// How the file at `path` is judged: [`Check::Fixture`] only for the debug build's
/// `VERITY_PROVISIONING` file, else [`Check::AdminOnly`].
#[must_use]
pub fn check_for(path: &Path) -> Check {
    if override_path().as_deref() == Some(path) {
        Check::Fixture
    } else {
        Check::AdminOnly
    }
}

/// Reads the provisioning file at `path`, judged as [`check_for`] says.
#[must_use]
pub fn load(path: &Path) -> Loaded {
    load_with(path, check_for(path))
}

/// `path` itself when `check` is [`Check::Fixture`], else its resolved path once it passed
/// [`verity_fs::check_admin_only`].
fn trusted(path: &Path, check: Check) -> Result<PathBuf, Loaded> {
    match check {
        Check::Fixture => Ok(path.to_path_buf()),
        Check::AdminOnly => {
            verity_fs::check_admin_only(path).map_err(|e| Loaded::Untrusted(e.to_string()))
        }
    }
}

/// Reads the provisioning file at `path`, judged as `check` says.
#[must_use]
pub fn load_with(path: &Path, check: Check) -> Loaded {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Loaded::Absent,
        Err(e) => return Loaded::Invalid(format!("{}: {e}", path.display())),
        Ok(_) => {}
    }
    let resolved = match trusted(path, check) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let path = resolved.as_path();
    let parsed = read_capped(path, MAX_PROVISIONING_BYTES)
        .and_then(|bytes| feed_config::parse_provisioning(&bytes).map_err(|e| e.to_string()));
    let p = match parsed {
        Ok(p) => p,
        Err(e) => return Loaded::Invalid(e),
    };
    let root = match p.root {
        RootSource::Inline(bytes) => bytes,
        RootSource::Path(rel) => {
            let rel = PathBuf::from(rel);
            let file = if rel.is_absolute() {
                rel
            } else {
                path.parent().unwrap_or_else(|| Path::new(".")).join(rel)
            };
            let file = match std::fs::metadata(&file).map(|_| trusted(&file, check)) {
                Ok(Ok(resolved)) => resolved,
                Ok(Err(refused)) => return refused,
                // Missing or unreadable: said by the read below, naming the file.
                Err(_) => file,
            };
            match read_root_file(&file).and_then(|b| {
                feed_config::parse_root(&b)
                    .map(|_| b)
                    .map_err(|e| format!("{}: {e}", file.display()))
            }) {
                Ok(b) => b,
                Err(e) => return Loaded::Invalid(e),
            }
        }
    };
    Loaded::Found(Provisioned {
        url: p.url,
        root,
        proxy: p.proxy,
        remote_tools_in_use: p.remote_tools_in_use,
        lock_tripwires: p.lock_tripwires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = r#"{"signed":{"_type":"root","version":1,"keys":{"a":{}},"roles":{"root":{}}},"signatures":[{"keyid":"a","sig":"00"}]}"#;

    #[test]
    fn absent_found_and_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("provisioning.json");
        assert_eq!(load_with(&p, Check::Fixture), Loaded::Absent);
        std::fs::write(dir.path().join("root.json"), ROOT).unwrap();
        std::fs::write(
            &p,
            r#"{"url":"https://feed.example/v/","root":"root.json","proxy":"http://p:8080"}"#,
        )
        .unwrap();
        match load_with(&p, Check::Fixture) {
            Loaded::Found(f) => {
                assert_eq!(f.url, "https://feed.example/v/");
                assert_eq!(f.root, ROOT.as_bytes());
                assert_eq!(f.proxy.as_deref(), Some("http://p:8080"));
            }
            other => panic!("{other:?}"),
        }
        std::fs::write(
            &p,
            r#"{"url":"https://feed.example/","root":"missing.json"}"#,
        )
        .unwrap();
        assert!(
            matches!(load_with(&p, Check::Fixture), Loaded::Invalid(m) if m.contains("missing.json"))
        );
        std::fs::write(&p, "{").unwrap();
        assert!(matches!(load_with(&p, Check::Fixture), Loaded::Invalid(_)));
    }

    /// A file in a temporary folder (under the world-writable `/tmp`, or owned by the user
    /// running the tests) is not the administrator's: refused as untrusted, never used, and so
    /// is a root file that is not, named by a fixture.
    #[test]
    fn a_file_that_is_not_the_administrators_is_untrusted() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("provisioning.json");
        std::fs::write(dir.path().join("root.json"), ROOT).unwrap();
        std::fs::write(
            &p,
            r#"{"url":"https://feed.example/v/","root":"root.json"}"#,
        )
        .unwrap();
        let loaded = load_with(&p, Check::AdminOnly);
        assert!(
            matches!(&loaded, Loaded::Untrusted(why) if why.contains("administrator")),
            "{loaded:?}"
        );
        assert!(loaded.problem().is_some());
        // `load` checks any file but the debug build's VERITY_PROVISIONING fixture.
        if override_path().as_deref() != Some(p.as_path()) {
            assert!(matches!(load(&p), Loaded::Untrusted(_)));
        }
        assert_eq!(
            load_with(&dir.path().join("absent.json"), Check::AdminOnly),
            Loaded::Absent
        );
    }

    #[cfg(windows)]
    #[test]
    fn on_windows_the_file_is_in_program_data() {
        let path = default_path();
        let program_data = verity_fs::program_data().expect("FOLDERID_ProgramData");
        assert_eq!(path, program_data.join("Verity").join("provisioning.json"));
        assert!(path.is_absolute(), "{}", path.display());
        assert!(
            path.to_string_lossy()
                .to_ascii_lowercase()
                .ends_with("\\programdata\\verity\\provisioning.json"),
            "{}",
            path.display()
        );
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn on_linux_the_file_is_in_etc() {
        assert_eq!(default_path(), Path::new("/etc/verity/provisioning.json"));
    }
}
