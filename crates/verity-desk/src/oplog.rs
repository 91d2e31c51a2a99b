//! The operation log as a transparency log (`docs/console-api.md`, "Operation log"): what the
//! store keeps next to each entry (its leaf hash, the subtree hashes, the frontier; see
//! `verity_oplog`), the checkpoints the desk signs with the organisation key, and the pieces the
//! console's routes and `verity-desk oplog verify` share (filters, CSV, times).
//!
//! The Merkle bookkeeping is written by the store in the same transaction as the entry
//! ([`crate::store::ConsoleStore::append_op`]), so the tree is never behind the log.

use crate::store::{OpRecord, StoreError};
use serde::Serialize;
use verity_oplog::Hash;

/// Sign a checkpoint at the latest once this many entries are not covered by one.
pub const CHECKPOINT_EVERY_ENTRIES: u64 = 100;
/// Sign a checkpoint this long after the last one when any entry came since.
pub const CHECKPOINT_EVERY_SECS: u64 = 60;
/// How often the background signer looks (real time).
pub const SIGNER_TICK: std::time::Duration = std::time::Duration::from_secs(1);
/// The longest window a view or an export may ask for.
pub const MAX_WINDOW_SECS: u64 = 30 * 86_400;
/// The window when none is given.
pub const DEFAULT_WINDOW_SECS: u64 = 7 * 86_400;
/// Entries in one view.
pub const MAX_VIEW: u32 = 500;
/// Rows in one export.
pub const MAX_EXPORT: u32 = 10_000;
/// The longest text filter (bytes).
pub const MAX_FILTER_LEN: usize = 256;

/// The checkpoint key name (and log origin) of the desk at `origin`:
/// `<host>/verity-desk/oplog`.
///
/// # Errors
/// [`StoreError::Damaged`] when `origin` has no host (the desk's origin always has one).
pub fn key_name(origin: &str) -> Result<String, StoreError> {
    let url = url::Url::parse(origin)
        .map_err(|e| StoreError::Damaged(format!("the desk's origin {origin:?}: {e}")))?;
    let host = url
        .host_str()
        .ok_or_else(|| StoreError::Damaged(format!("the desk's origin {origin:?} has no host")))?;
    Ok(format!("{host}/verity-desk/oplog"))
}

/// A signed checkpoint as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRecord {
    /// The tree size it signs.
    pub size: u64,
    /// The root of the first `size` entries.
    pub root: Hash,
    /// The signed note's text.
    pub note: String,
    /// When it was signed (the desk's clock).
    pub signed_at: u64,
}

/// Which entries a view or an export asks for (exact matches on the text fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OpFilter {
    /// From (Unix seconds, inclusive).
    pub from: u64,
    /// To (Unix seconds, inclusive).
    pub to: u64,
    /// Actor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// What `oplog verify` found wrong first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyFailure {
    /// An entry's sequence number is not the next one.
    #[error("entry {seq}: expected sequence number {expected} (an entry is missing)")]
    Gap {
        /// Found.
        seq: u64,
        /// Expected.
        expected: u64,
    },
    /// The stored leaf hash is not that of the entry as it reads now (it was edited).
    #[error("entry {seq}: its leaf hash does not match its fields (edited after it was written)")]
    Leaf {
        /// The entry.
        seq: u64,
    },
    /// The entry has no leaf hash.
    #[error("entry {seq}: no leaf hash stored")]
    MissingLeaf {
        /// The entry.
        seq: u64,
    },
    /// A stored subtree hash does not match the recomputed one.
    #[error("subtree (level {level}, index {index}) does not match the entries")]
    Subtree {
        /// Level.
        level: u32,
        /// Index.
        index: u64,
    },
    /// Leaf hashes or subtree hashes beyond the log.
    #[error("the tree holds {leaves} leaves but the log {entries} entries")]
    Extra {
        /// Leaves.
        leaves: u64,
        /// Entries.
        entries: u64,
    },
    /// The stored frontier is not the recomputed one.
    #[error("the stored frontier does not match the entries")]
    Frontier,
    /// A checkpoint's root or signature is wrong.
    #[error("checkpoint {size}: {why}")]
    Checkpoint {
        /// Its size.
        size: u64,
        /// Why.
        why: String,
    },
}

/// What `oplog verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries checked.
    pub entries: u64,
    /// The recomputed root.
    pub root: Hash,
    /// Checkpoints checked (root and signature).
    pub checkpoints: u64,
    /// The last checkpoint's size, if any.
    pub last_checkpoint: Option<u64>,
    /// The first problem, if any.
    pub failure: Option<VerifyFailure>,
}

/// The operation log's Merkle tables and checkpoints.
pub trait OplogStore {
    /// The tree's size and root (from the stored frontier).
    ///
    /// # Errors
    /// Store failures.
    fn oplog_head(&self) -> Result<(u64, Hash), StoreError>;
    /// The newest checkpoint.
    ///
    /// # Errors
    /// Store failures.
    fn last_checkpoint(&self) -> Result<Option<CheckpointRecord>, StoreError>;
    /// Keeps a checkpoint; `false` when one of that size is kept already.
    ///
    /// # Errors
    /// Store failures.
    fn add_checkpoint(&self, cp: &CheckpointRecord) -> Result<bool, StoreError>;
    /// Entries matching `filter` with `seq <= max_seq`, newest first, at most `limit`; and
    /// whether more matched.
    ///
    /// # Errors
    /// Store failures.
    fn query_ops(
        &self,
        filter: &OpFilter,
        max_seq: u64,
        limit: u32,
    ) -> Result<(Vec<OpRecord>, bool), StoreError>;
    /// The inclusion proofs of leaves `indices` in the tree of `size` leaves.
    ///
    /// # Errors
    /// Store failures, an index out of range.
    fn inclusion_proofs(&self, size: u64, indices: &[u64]) -> Result<Vec<Vec<Hash>>, StoreError>;
    /// The consistency proof from the tree of `old` leaves to that of `new`.
    ///
    /// # Errors
    /// Store failures, `old > new`.
    fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError>;
    /// Recomputes every leaf, subtree and the frontier from the entries, and checks the stored
    /// ones and every checkpoint (its root, and its signature by `org_key`).
    ///
    /// # Errors
    /// Store failures (a mismatch is a [`VerifyReport::failure`], not an error).
    fn verify_oplog(
        &self,
        org_key: &ed25519_dalek::VerifyingKey,
    ) -> Result<VerifyReport, StoreError>;
}

/// `verity-desk oplog verify`: checks the log of the desk's store (opened by
/// [`crate::admin::open_store`]) with the organisation's public key as the database records it
/// ([`OplogStore::verify_oplog`]).
///
/// # Errors
/// Store failures; no organisation.
pub fn verify_store(store: &dyn crate::store::DeskStore) -> Result<VerifyReport, StoreError> {
    let org = store.org()?.ok_or_else(|| {
        StoreError::Damaged("the organisation is not initialised (`verity-desk org init`)".into())
    })?;
    let key = data_encoding::BASE64URL_NOPAD
        .decode(org.public_key.as_bytes())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| StoreError::Damaged("the organisation's public key".into()))?;
    store.verify_oplog(&key)
}

/// The background signer `serve` runs: every [`SIGNER_TICK`] it signs a checkpoint when
/// [`CHECKPOINT_EVERY_ENTRIES`] entries are not covered, or [`CHECKPOINT_EVERY_SECS`] after the
/// last checkpoint (by the desk's clock; before the first, after the signer's start) when any
/// entry is not; entries written by the admin commands (other processes) count too. It stops
/// when `stop` turns true (or its sender goes), signing what is left first.
pub async fn run_signer(
    desk: std::sync::Arc<crate::Desk>,
    key_name: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    use crate::service::oplog::SignWhen;
    let since = desk.now();
    let sign = |when: SignWhen| {
        let (d, name) = (desk.clone(), key_name.clone());
        async move {
            match tokio::task::spawn_blocking(move || d.oplog_sign(&name, when)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "operation log checkpoint failed"),
                Err(e) => tracing::error!(error = %e, "operation log signer task failed"),
            }
        }
    };
    loop {
        tokio::select! {
            r = stop.changed() => {
                if r.is_err() || *stop.borrow() {
                    break;
                }
            }
            () = tokio::time::sleep(SIGNER_TICK) => sign(SignWhen::Due { since }).await,
        }
    }
    sign(SignWhen::Pending).await;
}

/// A civil date and time (UTC) for Unix seconds: `2027-01-15T08:00:00Z`.
#[must_use]
pub fn iso8601(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// One CSV cell (RFC 4180), safe to open in a spreadsheet: a cell that starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return is prefixed with `'` (so that it is not a formula), and a
/// cell with a quote, comma, carriage return or newline is quoted with its quotes doubled.
#[must_use]
pub fn csv_cell(value: &str) -> String {
    let mut v = String::with_capacity(value.len() + 2);
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.push('\'');
    }
    v.push_str(value);
    if v.contains(['"', ',', '\r', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// A CSV line of cells, CRLF-terminated.
#[must_use]
pub fn csv_line<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let mut line = cells
        .into_iter()
        .map(csv_cell)
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_iso_8601_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_800_000_000), "2027-01-15T08:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "\"'\rx\"");
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(csv_line(["a", "b,c"]), "a,\"b,c\"\r\n");
    }

    #[test]
    fn the_key_name_is_the_desk_host() {
        assert_eq!(
            key_name("https://desk.example.hk:8443").unwrap(),
            "desk.example.hk/verity-desk/oplog"
        );
        assert_eq!(
            key_name("http://127.0.0.1:4000").unwrap(),
            "127.0.0.1/verity-desk/oplog"
        );
    }
}
