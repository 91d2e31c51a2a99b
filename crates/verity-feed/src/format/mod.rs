//! The feed's files: a full snapshot of the list, or a delta from the previous version.
//!
//! ```text
//! file   := header (72 bytes) || raw deflate (RFC 1951) of body
//! header := magic "VRTF" | format u8 = 2 | kind u8 (1 snapshot, 2 delta) | reserved u16 = 0
//!           | version u64 | base u64 (the delta's base version; 0 for a snapshot)
//!           | created i64 (Unix seconds) | body_len u64 (uncompressed)
//!           | checksum [u8; 32] (the list checksum once this file is applied)
//!           all integers little-endian
//! body   := strings | official | removals (delta only) | entries
//! strings:= n | n × (len | UTF-8 bytes)      campaigns and sources, sorted, referenced by 1-based index
//! official := len | JSON of the official-channel directory   (len 0: no directory in this file;
//!             its `known` contacts, the organisation's allowlist, are checked as a whole:
//!             one bad contact refuses the file)
//! removals := for kind in phone, domain, url: keys
//! entries  := for kind in phone, domain, url: keys | n × flags u8 | n × campaign idx
//!             | n × source idx | n × zigzag(added − previous added), the first from `created`
//! keys   := n | phone: n × gap (E.164 digits as an integer, strictly increasing, first gap from 0)
//!             | domain, url: n × (shared prefix len | suffix len | suffix bytes), strictly increasing
//! flags  := category code (0 fake_support … 4 other) | 0x80 when the entry raises an alert
//! n, len, gap, idx: unsigned LEB128 varints
//! ```
//!
//! Decoding trusts nothing: every count is bounded by the bytes left and by [`DecodeLimits`], the
//! decompressed size must equal the header's and stay under the limit, values must be strictly
//! sorted (so no duplicates), indexes in range, and nothing may trail. Arbitrary bytes produce a
//! [`FormatError`], never a panic.
//!
//! The **list checksum** is a multiset hash: the SHA-256 digests of the entries' canonical
//! encodings summed modulo 2^256, then hashed with the entry count; see [`ChecksumBuilder`]. A
//! client keeps the sum and updates it from a delta's changes alone.

mod checksum;
mod decode;
mod encode;
#[cfg(test)]
mod tests;

pub use checksum::{checksum_of, entry_digest, list_checksum, ChecksumBuilder, FeedDigest};
pub use decode::{decode, decode_header, Header};
pub use encode::encode;

use crate::error::FormatError;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use verity_check::official::OfficialDirectory;
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::Timestamp;

/// The first bytes of every feed file.
pub const MAGIC: [u8; 4] = *b"VRTF";
/// The format version this build reads and writes.
/// (2: the list checksum became a multiset hash; 1, the SHA-256 of the list in order, is not read.)
pub const FORMAT_VERSION: u8 = 2;
/// The header's length in bytes.
pub const HEADER_LEN: usize = 72;
/// The longest value (domain, URL expression) accepted, in bytes.
pub const MAX_VALUE_LEN: usize = 2048;
/// The longest campaign or source name accepted, in bytes.
pub const MAX_STRING_LEN: usize = 1024;
/// The largest official-directory JSON accepted, in bytes: room for the organisation's
/// allowlist at its cap (10,000 contacts of up to 80 characters) with any script.
pub const MAX_OFFICIAL_LEN: usize = 8 * 1024 * 1024;
/// The largest official-directory JSON written, in bytes: what Verity before the allowlist
/// reads (it refuses a whole file whose directory is larger), about 5,000 known contacts.
pub const MAX_OFFICIAL_WRITE_LEN: usize = 1024 * 1024;
/// Phone values are E.164: at most 15 digits.
pub(super) const PHONE_LIMIT: u64 = 1_000_000_000_000_000;

pub(super) const KINDS: [EntryKind; 3] = [EntryKind::Phone, EntryKind::Domain, EntryKind::Url];
pub(super) const CHECKSUM_DOMAIN: &[u8] = b"verity-feed-list/2\n";
pub(super) const ENTRY_DOMAIN: &[u8] = b"verity-feed-entry/2\n";

/// A snapshot (the whole list) or a delta (the changes from a base version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// The whole list.
    Snapshot,
    /// Removals and upserts from the previous version.
    Delta,
}

impl FileKind {
    fn code(self) -> u8 {
        match self {
            FileKind::Snapshot => 1,
            FileKind::Delta => 2,
        }
    }

    /// The name used in target metadata and logs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Snapshot => "snapshot",
            FileKind::Delta => "delta",
        }
    }
}

/// One entry of the feed: a blocklist entry and whether it raises a desktop alert when new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// The entry, its value normalised.
    pub entry: BlocklistEntry,
    /// Whether a client should alert its user when the entry is new to it.
    pub alert: bool,
}

/// A (kind, value) pair: what identifies an entry.
pub type EntryKey = (EntryKind, String);

/// A SHA-256 list checksum.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum(pub [u8; 32]);

impl Checksum {
    /// Lower-case hex.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses lower- or upper-case hex.
    #[must_use]
    pub fn from_hex(s: &str) -> Option<Checksum> {
        let v = hex::decode(s).ok()?;
        <[u8; 32]>::try_from(v.as_slice()).ok().map(Checksum)
    }
}

impl std::fmt::Debug for Checksum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Checksum({})", self.to_hex())
    }
}

impl std::fmt::Display for Checksum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A decoded (or to-be-encoded) feed file.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedFile {
    /// Snapshot or delta.
    pub kind: FileKind,
    /// The feed version this file brings the list to.
    pub version: u64,
    /// For a delta, the version it applies to; 0 for a snapshot.
    pub base: u64,
    /// When it was published.
    pub created: Timestamp,
    /// The list checksum once applied.
    pub checksum: Checksum,
    /// The official-channel directory, when the file carries one.
    pub official: Option<OfficialDirectory>,
    /// Keys to remove (deltas only), in canonical order.
    pub removals: Vec<EntryKey>,
    /// Entries to add or update (the whole list for a snapshot), in canonical order.
    pub entries: Vec<FeedEntry>,
}

/// Bounds applied while decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// The largest file accepted (header and compressed body).
    pub max_file: u64,
    /// The largest decompressed body accepted.
    pub max_body: u64,
    /// The most entries plus removals accepted.
    pub max_entries: u64,
}

/// The client's caps (`SyncLimits`): sized from the 10-million-entry list Verity is built for.
impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_file: 128 * 1024 * 1024,
            max_body: 512 * 1024 * 1024,
            max_entries: 20_000_000,
        }
    }
}

/// The canonical order: kind code, then value bytes.
#[must_use]
pub fn canonical_cmp(a: (EntryKind, &str), b: (EntryKind, &str)) -> Ordering {
    a.0.as_str()
        .cmp(b.0.as_str())
        .then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
}

/// Sorts entries into canonical order and drops repeated keys (the last one wins).
pub fn canonicalize(entries: &mut Vec<FeedEntry>) {
    // A stable sort keeps the input order among equal keys, so the last one is the latest.
    entries.sort_by(|a, b| {
        canonical_cmp(
            (a.entry.kind, &a.entry.value),
            (b.entry.kind, &b.entry.value),
        )
    });
    let mut out: Vec<FeedEntry> = Vec::with_capacity(entries.len());
    for e in entries.drain(..) {
        match out.last_mut() {
            Some(last) if last.entry.kind == e.entry.kind && last.entry.value == e.entry.value => {
                *last = e;
            }
            _ => out.push(e),
        }
    }
    *entries = out;
}

// ---------------------------------------------------------------------------------------------
// Deltas.

/// The removals and upserts that turn `prev` into `next` (both canonical).
#[must_use]
pub fn diff(prev: &[FeedEntry], next: &[FeedEntry]) -> (Vec<EntryKey>, Vec<FeedEntry>) {
    let (mut i, mut j) = (0, 0);
    let mut removals = Vec::new();
    let mut upserts = Vec::new();
    while i < prev.len() || j < next.len() {
        let ord = match (prev.get(i), next.get(j)) {
            (Some(p), Some(n)) => canonical_cmp(
                (p.entry.kind, &p.entry.value),
                (n.entry.kind, &n.entry.value),
            ),
            (Some(_), None) => Ordering::Less,
            (None, _) => Ordering::Greater,
        };
        match ord {
            Ordering::Less => {
                if let Some(p) = prev.get(i) {
                    removals.push((p.entry.kind, p.entry.value.clone()));
                }
                i += 1;
            }
            Ordering::Greater => {
                if let Some(n) = next.get(j) {
                    upserts.push(n.clone());
                }
                j += 1;
            }
            Ordering::Equal => {
                if let (Some(p), Some(n)) = (prev.get(i), next.get(j)) {
                    if p != n {
                        upserts.push(n.clone());
                    }
                }
                i += 1;
                j += 1;
            }
        }
    }
    (removals, upserts)
}

/// Applies a delta to a canonical list, giving a canonical list.
#[must_use]
pub fn apply(prev: &[FeedEntry], removals: &[EntryKey], upserts: &[FeedEntry]) -> Vec<FeedEntry> {
    let removed: BTreeSet<(EntryKind, &str)> =
        removals.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut out: Vec<FeedEntry> = prev
        .iter()
        .filter(|e| !removed.contains(&(e.entry.kind, e.entry.value.as_str())))
        .cloned()
        .collect();
    out.extend(upserts.iter().cloned());
    canonicalize(&mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Codes.

pub(super) fn kind_code(k: EntryKind) -> u8 {
    match k {
        EntryKind::Phone => 1,
        EntryKind::Domain => 2,
        EntryKind::Url => 3,
    }
}

pub(super) fn category_code(c: Category) -> u8 {
    match c {
        Category::FakeSupport => 0,
        Category::FakeUpgrade => 1,
        Category::FreezeThreat => 2,
        Category::Phishing => 3,
        Category::Other => 4,
    }
}

pub(super) fn category_from_code(c: u8) -> Option<Category> {
    Some(match c {
        0 => Category::FakeSupport,
        1 => Category::FakeUpgrade,
        2 => Category::FreezeThreat,
        3 => Category::Phishing,
        4 => Category::Other,
        _ => return None,
    })
}

/// The integer form of an E.164 value (`+85291234567` → 85291234567).
pub(super) fn phone_to_int(v: &str) -> Option<u64> {
    let digits = v.strip_prefix('+')?;
    if digits.is_empty()
        || digits.len() > 15
        || digits.starts_with('0')
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    digits.parse().ok()
}

/// Whether a domain or URL value is plausible as stored: non-empty, bounded, no whitespace or
/// control characters.
pub(super) fn text_value_ok(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= MAX_VALUE_LEN
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
}

// ---------------------------------------------------------------------------------------------
// Varints.

pub(super) fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

pub(super) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub(super) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

pub(super) fn usize_of(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}
