//! The administrator's provisioning file: the feed URL and trusted root (and proxy) deployed by
//! IT, which win over the user's settings and lock those fields in the UI.
//!
//! - Linux: `/etc/verity/provisioning.json`
//! - Windows: `%ProgramData%\Verity\provisioning.json`
//! - macOS: `/Library/Application Support/Verity/provisioning.json`
//!
//! `VERITY_PROVISIONING` names another file (tests, trials). The format is parsed by
//! `verity_feed_policy::config::parse_provisioning`; a root given as a path is read relative to the
//! file's directory.

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
        // %ProgramData% (FOLDERID_ProgramData) as Windows sets it for every process; a value
        // that is missing or not absolute would make the path depend on the current folder.
        let base = std::env::var_os("ProgramData")
            .map(PathBuf::from)
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

/// The provisioning file to read: `VERITY_PROVISIONING` if set, else [`default_path`].
#[must_use]
pub fn path_from_env() -> PathBuf {
    match std::env::var_os(PROVISIONING_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => default_path(),
    }
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

/// Reads the provisioning file at `path`.
#[must_use]
pub fn load(path: &Path) -> Loaded {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Loaded::Absent,
        Err(e) => return Loaded::Invalid(format!("{}: {e}", path.display())),
        Ok(_) => {}
    }
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
        assert_eq!(load(&p), Loaded::Absent);
        std::fs::write(dir.path().join("root.json"), ROOT).unwrap();
        std::fs::write(
            &p,
            r#"{"url":"https://feed.example/v/","root":"root.json","proxy":"http://p:8080"}"#,
        )
        .unwrap();
        match load(&p) {
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
        assert!(matches!(load(&p), Loaded::Invalid(m) if m.contains("missing.json")));
        std::fs::write(&p, "{").unwrap();
        assert!(matches!(load(&p), Loaded::Invalid(_)));
    }

    #[cfg(windows)]
    #[test]
    fn on_windows_the_file_is_in_program_data() {
        let path = default_path();
        let program_data = std::env::var_os("ProgramData").expect("Windows sets %ProgramData%");
        assert_eq!(
            path,
            PathBuf::from(program_data)
                .join("Verity")
                .join("provisioning.json")
        );
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
