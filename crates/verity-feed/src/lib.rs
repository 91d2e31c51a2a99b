//! Verity's signed threat feed.
//!
//! The feed is a [TUF](https://theupdateframework.io/) repository of static files, built and
//! verified with the `tough` crate, so any web server or CDN can host it:
//!
//! ```text
//! REPO/root.json                        the root metadata clients start from (copy of 1.root.json)
//! REPO/metadata/N.root.json             root versions (consistent snapshots)
//! REPO/metadata/N.targets.json          lists two targets, each with `custom.verity` (TargetInfo)
//! REPO/metadata/N.snapshot.json
//! REPO/metadata/timestamp.json          the only file replaced in place; written last
//! REPO/targets/<sha256>.blocklist.snapshot   the whole list at version V   (see `format`)
//! REPO/targets/<sha256>.blocklist.delta      the changes from V-1 to V
//! REPO/targets/<sha256>.tripwire.tools.json  the tripwire's tool table, when IT ships one (`tools`)
//! ```
//!
//! - `publish` (feature `publish`): `init` (keys and root), `publish` (a new version from the
//!   full desired list, computing the delta itself), `refresh` (re-sign the timestamp before it
//!   expires).
//! - [`client`]: [`sync`] verifies everything as TUF requires, then applies the delta (or the
//!   snapshot) to the store in one transaction, checks the list checksum, records the outcome.
//! - `serve` (feature `publish`): a small static HTTP server for trials and tests.
//!
//! The `publish` feature is off by default, so the app, which only syncs, builds neither the
//! publisher nor the server; `verityctl` and the tests turn it on.
//!
//! The feed version is ours (`custom.verity.version`), separate from TUF's role versions, which
//! also move when `refresh` re-signs without a new list.

pub mod client;
pub mod error;
pub mod format;
#[cfg(feature = "publish")]
mod keys;
pub mod official_csv;
#[cfg(feature = "publish")]
pub mod publish;
#[cfg(feature = "publish")]
pub mod serve;
pub mod tools;
mod transport;

pub use client::{
    sync, sync_async, Progress, Stage, SyncConfig, SyncLimits, SyncOutcome, SyncReport,
};
pub use error::{FeedError, FormatError};
pub use format::{Checksum, FeedEntry};
#[cfg(feature = "publish")]
pub use publish::{
    init, publish, publish_additions, refresh, Additions, InitOptions, InitReport, PublishInput,
    PublishOptions, PublishReport, RefreshOptions, RefreshReport,
};
#[cfg(feature = "publish")]
pub use serve::{serve, serve_until_interrupted, spawn_server, ServerHandle};

use serde::{Deserialize, Serialize};
use std::path::Path;
use verity_core::Timestamp;

/// The target holding the whole list.
pub const SNAPSHOT_TARGET: &str = "blocklist.snapshot";
/// The target holding the changes from the previous version.
pub const DELTA_TARGET: &str = "blocklist.delta";
/// The key of our object in a target's `custom` metadata.
pub const CUSTOM_KEY: &str = "verity";
/// The trusted root file inside a repository, for clients to start from.
pub const REPO_ROOT_FILE: &str = "root.json";
/// The TUF specification version written.
#[cfg(feature = "publish")]
pub(crate) const SPEC_VERSION: &str = "1.0.0";

/// What a target is, as signed in `targets.json` (`custom.verity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// The file format version.
    pub format: u8,
    /// `snapshot` or `delta`.
    pub kind: String,
    /// The feed version the file brings the list to.
    pub version: u64,
    /// For a delta: the version it applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<u64>,
    /// For a delta: the list checksum at its base version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_checksum: Option<String>,
    /// The list checksum once applied (hex; a multiset hash, see `format::ChecksumBuilder`).
    pub checksum: String,
    /// Entries in the whole list at `version`.
    pub entries: u64,
    /// When the version was published (Unix seconds).
    pub created: i64,
    /// The least time clients should wait between syncs, in seconds, if the publisher set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_wait: Option<u64>,
}

impl TargetInfo {
    pub(crate) fn from_target(
        name: &str,
        t: &tough::schema::Target,
    ) -> Result<TargetInfo, FeedError> {
        let v = t
            .custom
            .get(CUSTOM_KEY)
            .ok_or_else(|| FeedError::NotAFeed(format!("{name} has no custom.{CUSTOM_KEY}")))?;
        serde_json::from_value(v.clone())
            .map_err(|e| FeedError::NotAFeed(format!("{name}: custom.{CUSTOM_KEY}: {e}")))
    }
}

#[cfg(feature = "publish")]
pub(crate) fn jiff_ts(t: Timestamp) -> Result<jiff::Timestamp, FeedError> {
    jiff::Timestamp::from_second(t.0)
        .map_err(|_| FeedError::Input(format!("time {} is out of range", t.0)))
}

pub(crate) fn from_jiff(t: jiff::Timestamp) -> Timestamp {
    Timestamp(t.as_second())
}

/// `now + days`, as a TUF expiry.
#[cfg(feature = "publish")]
pub(crate) fn expiry(now: Timestamp, days: u32) -> Result<jiff::Timestamp, FeedError> {
    jiff_ts(Timestamp(now.0.saturating_add(i64::from(days) * 86_400)))
}

/// A `file://` URL for a directory (with the trailing slash tough wants).
#[cfg(feature = "publish")]
pub(crate) fn dir_url(dir: &Path) -> Result<url::Url, FeedError> {
    let abs = std::path::absolute(dir).map_err(FeedError::io(dir))?;
    url::Url::from_directory_path(&abs)
        .map_err(|()| FeedError::Input(format!("{} cannot be a file URL", abs.display())))
}

/// Runs a future to completion on a fresh current-thread runtime in a scoped thread, so that the
/// blocking API works from anywhere, including a thread that is already inside a runtime.
pub(crate) fn block_on<F>(fut: F) -> Result<F::Output, FeedError>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| FeedError::Internal(format!("cannot start the async runtime: {e}")))?;
            Ok(rt.block_on(fut))
        })
        .join()
        .map_err(|_| FeedError::Internal("the feed worker thread panicked".into()))?
    })
}

/// Writes `bytes` to `path` atomically (a temporary file in the same directory, then a rename),
/// with permissions `mode` on Unix (0644 for files a web server serves, 0600 for private state).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), FeedError> {
    verity_fs::write_file(path, bytes, mode).map_err(FeedError::io(path))
}
