//! The feed's errors: a closed set with stable codes (recorded in the store's feed status and
//! shown by the UI), one-line messages that name no secret.

use std::path::PathBuf;
use verity_core::blocklist::EntryKind;

/// Why bytes are not a valid feed file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Shorter than its header or its contents claim.
    #[error("the file is truncated")]
    Truncated,
    /// Not a Verity feed file at all.
    #[error("not a Verity feed file")]
    NotAFeedFile,
    /// A newer format this build cannot read.
    #[error("feed format {0} is not supported by this Verity; update it")]
    UnsupportedFormat(u8),
    /// The header is inconsistent.
    #[error("bad header: {0}")]
    BadHeader(String),
    /// Over a size or count limit.
    #[error("the {what} exceeds the limit of {limit}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// The compressed body does not inflate.
    #[error("the compressed body is damaged: {0}")]
    Compression(String),
    /// The body's length differs from the header's.
    #[error("the body is {actual} bytes, the header says {header}")]
    LengthMismatch {
        /// The header's claim.
        header: u64,
        /// What was found (up to the claim + 1).
        actual: u64,
    },
    /// Bytes after the end of the data.
    #[error("unexpected data after the end of the file")]
    TrailingData,
    /// A malformed variable-length integer.
    #[error("a malformed integer")]
    BadVarint,
    /// A count larger than the data could hold.
    #[error("an impossible count of {0}")]
    BadCount(&'static str),
    /// A string that is too long or not UTF-8.
    #[error("a malformed campaign or source string")]
    BadString,
    /// The official directory does not parse.
    #[error("the official directory is malformed: {0}")]
    BadOfficial(String),
    /// A string index out of range.
    #[error("a string index out of range")]
    BadIndex,
    /// A date out of range.
    #[error("a date out of range")]
    BadDate,
    /// An unknown category code or flag.
    #[error("an unknown category code {0:#04x}")]
    BadCategory(u8),
    /// Values not strictly increasing (unsorted or repeated).
    #[error("{0} values are not strictly sorted")]
    NotSorted(EntryKind),
    /// A phone value out of the E.164 range.
    #[error("a phone value out of range")]
    BadPhone,
    /// A domain or URL value that is empty, too long, not UTF-8 or holds spaces or controls.
    #[error("a malformed {0} value")]
    BadValue(EntryKind),
    /// The publisher was given something the format cannot carry.
    #[error("cannot encode: {0}")]
    Unencodable(String),
}

/// Everything publishing or syncing can fail with.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// No trusted root: give one (`--root`) for the first sync.
    #[error("no trusted root metadata: give the feed's root.json for the first sync (--root)")]
    NoTrustedRoot,
    /// The given trusted root is not valid root metadata.
    #[error("the trusted root metadata is not valid: {0}")]
    BadRoot(String),
    /// The feed URL is not usable.
    #[error("bad feed URL {url:?}: {reason}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// Why.
        reason: String,
    },
    /// The server could not be reached, or answered with an error status.
    #[error("cannot reach the feed: {0}")]
    Network(String),
    /// A file the feed must have is missing on the server.
    #[error("the feed has no {0}: is the URL right, and has a version been published?")]
    NotFound(String),
    /// A signature is missing, wrong, or below the role's threshold.
    #[error("{role} metadata is not signed as required: {detail}")]
    BadSignature {
        /// The TUF role.
        role: String,
        /// What the verifier said.
        detail: String,
    },
    /// Metadata or the feed version went backwards (a replayed older feed).
    #[error("rollback refused: {0}")]
    Rollback(String),
    /// Metadata has expired (a frozen feed, or a publisher that stopped refreshing).
    #[error("{role} metadata has expired: the feed may be frozen by an attacker, or its publisher stopped refreshing it")]
    Expired {
        /// The TUF role.
        role: String,
    },
    /// Metadata files from different versions were combined.
    #[error("inconsistent metadata (mix-and-match): {0}")]
    MixAndMatch(String),
    /// A response was larger than allowed (endless data).
    #[error("a download exceeded its size limit: {0}")]
    TooLarge(String),
    /// A target file does not match its signed hash or length.
    #[error("the downloaded {0} does not match its signed hash or length")]
    BadTarget(String),
    /// Metadata that does not parse.
    #[error("malformed {role} metadata: {detail}")]
    BadMetadata {
        /// The TUF role.
        role: String,
        /// The parser's message.
        detail: String,
    },
    /// A feed file that does not decode.
    #[error("the {what} file is invalid: {source}")]
    Format {
        /// Snapshot or delta.
        what: &'static str,
        /// Why.
        source: FormatError,
    },
    /// The signed repository does not describe a Verity feed.
    #[error("the repository is not a Verity feed: {0}")]
    NotAFeed(String),
    /// The local list does not match the feed's checksum after applying it.
    #[error("the list checksum does not match after applying version {version}")]
    Checksum {
        /// The version being applied.
        version: u64,
    },
    /// The kept root was pinned by the organisation (its provisioning file or its signed
    /// configuration) and a root from anywhere else was offered in its place.
    #[error("the organisation pinned this feed's trusted root; a root entered by hand cannot replace it (only the administrator's provisioning can)")]
    RootPinned,
    /// Another sync (the app's, or another `verityctl sync`) is running on this data directory.
    #[error("another feed sync is already running on this data directory")]
    Busy,
    /// The system clock went backwards since the last sync.
    #[error("the system clock went backwards since the last sync; check the date and time")]
    Clock,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] verity_store::StoreError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A publishing input is invalid (CSV rows, arguments).
    #[error("{0}")]
    Input(String),
    /// The signing keys are missing, unreadable or do not match the repository.
    #[error("signing keys: {0}")]
    Keys(String),
    /// `feed init` on a repository or key directory that already exists.
    #[error("{0} already exists: refusing to overwrite it")]
    AlreadyExists(PathBuf),
    /// The repository directory is not a feed repository.
    #[error("{0} is not a feed repository (run verityctl feed init first)")]
    NoRepository(PathBuf),
    /// Any other TUF failure.
    #[error("TUF: {0}")]
    Tuf(String),
    /// The async runtime or the HTTP client could not be set up.
    #[error("internal: {0}")]
    Internal(String),
}

impl FeedError {
    /// A stable code for status records and the UI (a closed set).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            FeedError::NoTrustedRoot => "no_trusted_root",
            FeedError::BadRoot(_) => "bad_root",
            FeedError::BadUrl { .. } => "bad_url",
            FeedError::Network(_) => "network",
            FeedError::NotFound(_) => "not_found",
            FeedError::BadSignature { .. } => "bad_signature",
            FeedError::Rollback(_) => "rollback",
            FeedError::Expired { .. } => "expired",
            FeedError::MixAndMatch(_) => "mix_and_match",
            FeedError::TooLarge(_) => "too_large",
            FeedError::BadTarget(_) => "bad_target",
            FeedError::BadMetadata { .. } => "bad_metadata",
            FeedError::Format { .. } => "bad_format",
            FeedError::NotAFeed(_) => "not_a_feed",
            FeedError::Checksum { .. } => "checksum",
            FeedError::RootPinned => "root_pinned",
            FeedError::Busy => "busy",
            FeedError::Clock => "clock",
            FeedError::Store(e) if e.is_busy() => "busy",
            e if e.is_disk_full() => "disk_full",
            FeedError::Store(_) => "store",
            FeedError::Io { .. } => "io",
            FeedError::Input(_) => "input",
            FeedError::Keys(_) => "keys",
            FeedError::AlreadyExists(_) => "already_exists",
            FeedError::NoRepository(_) => "no_repository",
            FeedError::Tuf(_) => "tuf",
            FeedError::Internal(_) => "internal",
        }
    }

    /// Whether the user can fix it by changing arguments or input files.
    #[must_use]
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            FeedError::NoTrustedRoot
                | FeedError::BadRoot(_)
                | FeedError::BadUrl { .. }
                | FeedError::Input(_)
                | FeedError::AlreadyExists(_)
                | FeedError::NoRepository(_)
                | FeedError::RootPinned
        )
    }

    /// Whether the failure is a security check refusing what the server sent (as opposed to
    /// the network or this machine).
    #[must_use]
    pub fn is_security(&self) -> bool {
        matches!(
            self,
            FeedError::BadSignature { .. }
                | FeedError::Rollback(_)
                | FeedError::Expired { .. }
                | FeedError::MixAndMatch(_)
                | FeedError::TooLarge(_)
                | FeedError::BadTarget(_)
                | FeedError::Checksum { .. }
        )
    }

    /// Whether the failure is the disk (or the user's quota) being full: the list is
    /// unchanged, and the same sync succeeds once there is room.
    #[must_use]
    pub fn is_disk_full(&self) -> bool {
        match self {
            FeedError::Store(e) => e.is_disk_full(),
            FeedError::Io { source, .. } => source.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> FeedError {
        let path = path.into();
        move |source| FeedError::Io { path, source }
    }
}

/// The transport's own failures, carried inside tough's transport errors.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TransportFailure {
    #[error("{0}")]
    Network(String),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("the response exceeds {0} bytes")]
    TooLarge(u64),
}

/// Where in a sync a TUF error happened: metadata, or a target download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Metadata,
    Target(&'static str),
}

/// [`FeedError::Io`] with the "storage full" kind, for a write to `path` that failed with `why`.
fn disk_full(path: &std::path::Path, why: &dyn std::fmt::Display) -> FeedError {
    FeedError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::StorageFull, why.to_string()),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Maps a tough error to our closed set, looking through the chain of causes (a hash or size
/// failure inside a stream arrives wrapped in transport errors).
pub(crate) fn classify(e: &tough::error::Error, phase: Phase) -> FeedError {
    use tough::error::Error as T;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<T>() {
            let msg = one_line(&t.to_string());
            let mapped = match t {
                T::ExpiredMetadata { role, .. } => Some(FeedError::Expired {
                    role: role.to_string(),
                }),
                T::VerifyMetadata { role, source, .. } => Some(FeedError::BadSignature {
                    role: role.to_string(),
                    detail: one_line(&source.to_string()),
                }),
                T::VerifyRoleMetadata { role, source, .. } => Some(FeedError::BadSignature {
                    role: role.clone(),
                    detail: one_line(&source.to_string()),
                }),
                T::VerifyTrustedMetadata { .. } | T::ParseTrustedMetadata { .. } => {
                    Some(FeedError::BadRoot(msg))
                }
                T::OlderMetadata { .. }
                | T::OlderSnapshotInTimestamp { .. }
                | T::SnapshotRoleRollback { .. }
                | T::SnapshotRoleMissing { .. } => Some(FeedError::Rollback(msg)),
                T::VersionMismatch { .. }
                | T::MetaMissing { .. }
                | T::SnapshotTargetsMetaMissing { .. }
                | T::TimestampMetaLength { .. }
                | T::MissingSnapshotMeta { .. } => Some(FeedError::MixAndMatch(msg)),
                T::HashMismatch { .. } => Some(match phase {
                    Phase::Metadata => FeedError::MixAndMatch(msg),
                    Phase::Target(what) => FeedError::BadTarget(what.to_owned()),
                }),
                T::MaxSizeExceeded { .. } => Some(match phase {
                    Phase::Metadata => FeedError::TooLarge(msg),
                    Phase::Target(what) => FeedError::BadTarget(what.to_owned()),
                }),
                T::MaxUpdatesExceeded { .. } => Some(FeedError::TooLarge(msg)),
                T::ParseMetadata { role, source, .. } => Some(FeedError::BadMetadata {
                    role: role.to_string(),
                    detail: one_line(&source.to_string()),
                }),
                T::SystemTimeSteppedBackward { .. } => Some(FeedError::Clock),
                // The disk filling up while tough writes its metadata is said as such.
                T::DatastoreCreate { path, source, .. }
                | T::DatastoreOpen { path, source, .. }
                | T::DatastoreRemove { path, source, .. }
                    if source.kind() == std::io::ErrorKind::StorageFull =>
                {
                    Some(disk_full(path, source))
                }
                T::DatastoreSerialize { path, source, .. }
                    if source.io_error_kind() == Some(std::io::ErrorKind::StorageFull) =>
                {
                    Some(disk_full(path, source))
                }
                T::DatastoreInit { .. }
                | T::DatastoreCreate { .. }
                | T::DatastoreOpen { .. }
                | T::DatastoreRemove { .. }
                | T::DatastoreSerialize { .. } => Some(FeedError::Tuf(msg)),
                _ => None,
            };
            if let Some(m) = mapped {
                return m;
            }
        }
        if let Some(t) = err.downcast_ref::<tough::TransportError>() {
            if t.kind() == tough::TransportErrorKind::FileNotFound {
                return FeedError::NotFound(t.url().to_owned());
            }
            if t.kind() == tough::TransportErrorKind::UnsupportedUrlScheme {
                return FeedError::BadUrl {
                    url: t.url().to_owned(),
                    reason: "unsupported scheme (use https, http or file)".into(),
                };
            }
        }
        if let Some(t) = err.downcast_ref::<TransportFailure>() {
            return match t {
                TransportFailure::TooLarge(_) => match phase {
                    Phase::Metadata => FeedError::TooLarge(t.to_string()),
                    Phase::Target(_) => FeedError::TooLarge(t.to_string()),
                },
                TransportFailure::Network(_) | TransportFailure::Status(_) => {
                    FeedError::Network(t.to_string())
                }
            };
        }
        cur = err.source();
    }
    FeedError::Tuf(one_line(&e.to_string()))
}
