//! Signing keys: Ed25519, one PEM file (PKCS#8) per key, named `<role>-<n>.pem`, in a directory
//! only the owner can enter (0700) with files only the owner can read (0600). Keys never leave
//! that directory; the repository holds public keys only.

use crate::error::FeedError;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::Ed25519KeyPair;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use tough::key_source::KeySource;
use tough::sign::Sign;

/// A private key loaded from the key directory.
pub(crate) struct FileKey {
    path: PathBuf,
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("FileKey")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Drop for FileKey {
    fn drop(&mut self) {
        for b in &mut self.pkcs8 {
            // Best effort: overwrite the key bytes before the memory is freed.
            *b = 0;
        }
    }
}

impl FileKey {
    pub(crate) fn keypair(&self) -> Result<Ed25519KeyPair, FeedError> {
        Ed25519KeyPair::from_pkcs8(&self.pkcs8).map_err(|_| {
            FeedError::Keys(format!(
                "{} is not an Ed25519 PKCS#8 key",
                self.path.display()
            ))
        })
    }
}

#[tough::async_trait]
impl KeySource for FileKey {
    async fn as_sign(
        &self,
    ) -> Result<Box<dyn Sign>, Box<dyn std::error::Error + Send + Sync + 'static>> {
        Ok(Box::new(self.keypair()?))
    }

    async fn write(
        &self,
        _value: &str,
        _key_id_hex: &str,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        Err(Box::new(FeedError::Keys(
            "key files are written only by feed init".into(),
        )))
    }
}

/// Creates the key directory owner-only, or checks an existing one holds no keys yet.
pub(crate) fn create_key_dir(dir: &Path) -> Result<(), FeedError> {
    if dir.exists() {
        let has_keys = fs::read_dir(dir)
            .map_err(FeedError::io(dir))?
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "pem"));
        if has_keys {
            return Err(FeedError::AlreadyExists(dir.to_path_buf()));
        }
        set_mode(dir, 0o700)?;
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(FeedError::io(dir))?;
    set_mode(dir, 0o700)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), FeedError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(FeedError::io(path))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<(), FeedError> {
    Ok(())
}

/// Generates a key and writes it as `<dir>/<role>-<n>.pem`, owner-only, never overwriting.
pub(crate) fn generate(dir: &Path, role: &str, n: u32) -> Result<FileKey, FeedError> {
    let rng = SystemRandom::new();
    let doc = Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| FeedError::Keys("cannot generate an Ed25519 key".into()))?;
    let pkcs8 = doc.as_ref().to_vec();
    let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8.clone()));
    let path = dir.join(format!("{role}-{n}.pem"));
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path).map_err(FeedError::io(&path))?;
    f.write_all(pem.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(FeedError::io(&path))?;
    Ok(FileKey { path, pkcs8 })
}

/// Loads every `*.pem` key in `dir`. Refuses keys others can read, as ssh does.
pub(crate) fn load_all(dir: &Path) -> Result<Vec<FileKey>, FeedError> {
    let rd = fs::read_dir(dir).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            FeedError::Keys(format!("no key directory at {}", dir.display()))
        } else {
            FeedError::Io {
                path: dir.to_path_buf(),
                source: e,
            }
        }
    })?;
    let mut paths: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pem"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        check_private(&path)?;
        let text = fs::read(&path).map_err(FeedError::io(&path))?;
        let parsed = pem::parse(&text)
            .map_err(|_| FeedError::Keys(format!("{} is not a PEM file", path.display())))?;
        if parsed.tag() != "PRIVATE KEY" {
            return Err(FeedError::Keys(format!(
                "{} is not a PKCS#8 private key",
                path.display()
            )));
        }
        let key = FileKey {
            path,
            pkcs8: parsed.into_contents(),
        };
        key.keypair()?;
        out.push(key);
    }
    if out.is_empty() {
        return Err(FeedError::Keys(format!(
            "no keys (*.pem) in {}",
            dir.display()
        )));
    }
    Ok(out)
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), FeedError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(FeedError::io(path))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(FeedError::Keys(format!(
            "{} is accessible by other users (mode {:o}): chmod 600 it",
            path.display(),
            mode & 0o777
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), FeedError> {
    Ok(())
}

/// The keys as tough's key sources.
pub(crate) fn sources(keys: Vec<FileKey>) -> Vec<Box<dyn KeySource>> {
    keys.into_iter()
        .map(|k| Box::new(k) as Box<dyn KeySource>)
        .collect()
}
