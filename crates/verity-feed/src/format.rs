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
//! official := len | JSON of the official-channel directory   (len 0: no directory in this file)
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

use crate::error::FormatError;
use aws_lc_rs::digest::{self, Context, SHA256};
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::list_sum::{ListDigest, ListSum};
use verity_core::official::OfficialDirectory;
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
/// The largest official-directory JSON accepted, in bytes.
pub const MAX_OFFICIAL_LEN: usize = 1024 * 1024;
/// Phone values are E.164: at most 15 digits.
const PHONE_LIMIT: u64 = 1_000_000_000_000_000;

const KINDS: [EntryKind; 3] = [EntryKind::Phone, EntryKind::Domain, EntryKind::Url];
const CHECKSUM_DOMAIN: &[u8] = b"verity-feed-list/2\n";
const ENTRY_DOMAIN: &[u8] = b"verity-feed-entry/2\n";

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
// The checksum.

/// The digest of one entry: SHA-256 of a domain tag and the entry's canonical encoding, read as a
/// 256-bit little-endian integer (see [`ChecksumBuilder`]).
#[must_use]
pub fn entry_digest(e: &BlocklistEntry, alert: bool) -> [u8; 32] {
    // A snapshot digests every entry: most encodings fit on the stack, which spares an
    // allocation an entry (10M of them at 10M entries).
    let need = ENTRY_DOMAIN.len()
        + 1
        + 4
        + e.value.len()
        + 1
        + 2 * 5
        + e.campaign.as_ref().map_or(0, String::len)
        + e.source.as_ref().map_or(0, String::len)
        + 8
        + 1;
    let d = if need <= STACK_ENCODING {
        let mut buf = StackBuf {
            bytes: [0; STACK_ENCODING],
            len: 0,
        };
        write_entry(&mut buf, e, alert);
        digest::digest(&SHA256, &buf.bytes[..buf.len])
    } else {
        let mut buf = Vec::with_capacity(need);
        write_entry(&mut buf, e, alert);
        digest::digest(&SHA256, &buf)
    };
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Entry encodings up to this size are built on the stack.
const STACK_ENCODING: usize = 192;

/// Where an entry's canonical encoding is written.
trait Sink {
    fn put(&mut self, b: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, b: &[u8]) {
        self.extend_from_slice(b);
    }
}

/// A fixed buffer; [`entry_digest`] uses it only when the encoding fits.
struct StackBuf {
    bytes: [u8; STACK_ENCODING],
    len: usize,
}

impl Sink for StackBuf {
    fn put(&mut self, b: &[u8]) {
        let end = self.len + b.len();
        if let Some(dst) = self.bytes.get_mut(self.len..end) {
            dst.copy_from_slice(b);
            self.len = end;
        }
    }
}

/// An entry's canonical encoding: the domain tag, kind, value, category, campaign, source,
/// date added and alert flag.
fn write_entry(buf: &mut impl Sink, e: &BlocklistEntry, alert: bool) {
    let len_bytes = |buf: &mut dyn FnMut(&[u8]), b: &[u8]| {
        // Values are bounded far below 4 GiB by the decoder; saturate rather than wrap.
        let len = u32::try_from(b.len()).unwrap_or(u32::MAX);
        buf(&len.to_le_bytes());
        buf(b);
    };
    let mut put = |b: &[u8]| buf.put(b);
    put(ENTRY_DOMAIN);
    put(&[kind_code(e.kind)]);
    len_bytes(&mut put, e.value.as_bytes());
    put(&[category_code(e.category)]);
    for s in [&e.campaign, &e.source] {
        match s {
            None => put(&[0]),
            Some(s) => {
                put(&[1]);
                len_bytes(&mut put, s.as_bytes());
            }
        }
    }
    put(&e.added.0.to_le_bytes());
    put(&[u8::from(alert)]);
}

/// The list checksum of a list whose entry digests sum to `sum` (mod 2^256) over `count`
/// entries: SHA-256 of a domain tag, the count (u64 little-endian) and the sum.
#[must_use]
pub fn checksum_of(sum: &ListSum, count: u64) -> Checksum {
    let mut ctx = Context::new(&SHA256);
    ctx.update(CHECKSUM_DOMAIN);
    ctx.update(&count.to_le_bytes());
    ctx.update(&sum.to_bytes());
    let d = ctx.finish();
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    Checksum(out)
}

/// The feed's entry digest ([`ListDigest`]), with which the store keeps its [`ListSum`]
/// (`Store::apply_feed_update`).
#[derive(Debug, Clone, Copy, Default)]
pub struct FeedDigest;

impl ListDigest for FeedDigest {
    fn entry_digest(&self, entry: &BlocklistEntry, alert: bool) -> [u8; 32] {
        entry_digest(entry, alert)
    }
}

/// Computes the list checksum, a multiset hash: the entries' digests ([`entry_digest`]) are
/// summed modulo 2^256, so entries may come in any order, and a client updates the sum from a
/// delta's changes alone (subtract what goes, add what comes) instead of rereading the list.
/// The checksum is [`checksum_of`] the sum and the count.
///
/// It detects a local list that differs from the published one (a bug, an interrupted write,
/// an edit by hand); it is no defence against someone choosing entries to collide on purpose
/// (additive sums allow generalised-birthday attacks), which needs no defence here: the files
/// are signed, and whoever can write the local database can change the list outright.
#[derive(Clone, Debug, Default)]
pub struct ChecksumBuilder {
    sum: ListSum,
    count: u64,
}

impl ChecksumBuilder {
    /// Adds an entry (in any order).
    pub fn push(&mut self, e: &BlocklistEntry, alert: bool) {
        self.sum.add(&entry_digest(e, alert));
        self.count += 1;
    }

    /// How many entries were added.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The checksum.
    #[must_use]
    pub fn finish(self) -> Checksum {
        checksum_of(&self.sum, self.count)
    }
}

/// The checksum of a list (in any order; the feed keeps lists canonical regardless).
#[must_use]
pub fn list_checksum(entries: &[FeedEntry]) -> Checksum {
    let mut b = ChecksumBuilder::default();
    for e in entries {
        b.push(&e.entry, e.alert);
    }
    b.finish()
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

fn kind_code(k: EntryKind) -> u8 {
    match k {
        EntryKind::Phone => 1,
        EntryKind::Domain => 2,
        EntryKind::Url => 3,
    }
}

fn category_code(c: Category) -> u8 {
    match c {
        Category::FakeSupport => 0,
        Category::FakeUpgrade => 1,
        Category::FreezeThreat => 2,
        Category::Phishing => 3,
        Category::Other => 4,
    }
}

fn category_from_code(c: u8) -> Option<Category> {
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
fn phone_to_int(v: &str) -> Option<u64> {
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
fn text_value_ok(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= MAX_VALUE_LEN
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
}

// ---------------------------------------------------------------------------------------------
// Varints.

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn usize_of(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

// ---------------------------------------------------------------------------------------------
// Encoding.

/// Encodes a file. Entries and removals may come in any order; values must be normalised.
///
/// # Errors
/// [`FormatError::Unencodable`] for a value the format cannot carry (a phone value that is not
/// E.164, an over-long value or string, a delta whose base is not below its version).
pub fn encode(file: &FeedFile) -> Result<Vec<u8>, FormatError> {
    match file.kind {
        FileKind::Snapshot if file.base != 0 || !file.removals.is_empty() => {
            return Err(FormatError::Unencodable(
                "a snapshot has no base and no removals".into(),
            ))
        }
        FileKind::Delta if file.base == 0 || file.base >= file.version => {
            return Err(FormatError::Unencodable(
                "a delta's base must be a positive version below its own".into(),
            ))
        }
        _ => {}
    }
    if file.version == 0 {
        return Err(FormatError::Unencodable("versions start at 1".into()));
    }

    // The string table: every campaign and source, sorted, 1-based.
    let mut strings: BTreeMap<&str, u64> = BTreeMap::new();
    for e in &file.entries {
        for s in [&e.entry.campaign, &e.entry.source].into_iter().flatten() {
            if s.len() > MAX_STRING_LEN {
                return Err(FormatError::Unencodable(format!(
                    "a campaign or source longer than {MAX_STRING_LEN} bytes"
                )));
            }
            strings.insert(s.as_str(), 0);
        }
    }
    for (i, v) in strings.values_mut().enumerate() {
        *v = usize_of(i) + 1;
    }

    let mut body = Vec::new();
    put_varint(&mut body, usize_of(strings.len()));
    for s in strings.keys() {
        put_varint(&mut body, usize_of(s.len()));
        body.extend_from_slice(s.as_bytes());
    }
    match &file.official {
        None => put_varint(&mut body, 0),
        Some(d) => {
            let json = serde_json::to_vec(d)
                .map_err(|e| FormatError::Unencodable(format!("official directory: {e}")))?;
            if json.len() > MAX_OFFICIAL_LEN {
                return Err(FormatError::Unencodable(
                    "the official directory is too large".into(),
                ));
            }
            put_varint(&mut body, usize_of(json.len()));
            body.extend_from_slice(&json);
        }
    }
    if file.kind == FileKind::Delta {
        for kind in KINDS {
            let mut keys: Vec<&str> = file
                .removals
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, v)| v.as_str())
                .collect();
            put_keys(&mut body, kind, &mut keys)?;
        }
    }
    for kind in KINDS {
        let mut of_kind: Vec<&FeedEntry> = file
            .entries
            .iter()
            .filter(|e| e.entry.kind == kind)
            .collect();
        if kind == EntryKind::Phone {
            // Sort by the integer value, the order the keys are written in.
            let mut keyed = Vec::with_capacity(of_kind.len());
            for e in of_kind {
                let n = phone_to_int(&e.entry.value).ok_or_else(|| {
                    FormatError::Unencodable(format!(
                        "phone value {:?} is not E.164",
                        e.entry.value
                    ))
                })?;
                keyed.push((n, e));
            }
            keyed.sort_by_key(|(n, _)| *n);
            of_kind = keyed.into_iter().map(|(_, e)| e).collect();
        } else {
            of_kind.sort_by(|a, b| a.entry.value.as_bytes().cmp(b.entry.value.as_bytes()));
        }
        let mut keys: Vec<&str> = of_kind.iter().map(|e| e.entry.value.as_str()).collect();
        put_keys(&mut body, kind, &mut keys)?;
        for e in &of_kind {
            body.push(category_code(e.entry.category) | if e.alert { 0x80 } else { 0 });
        }
        for campaign_column in [true, false] {
            for e in &of_kind {
                let s = if campaign_column {
                    &e.entry.campaign
                } else {
                    &e.entry.source
                };
                let idx = s
                    .as_deref()
                    .and_then(|s| strings.get(s).copied())
                    .unwrap_or(0);
                put_varint(&mut body, idx);
            }
        }
        let mut prev = file.created.0;
        for e in &of_kind {
            let d =
                e.entry.added.0.checked_sub(prev).ok_or_else(|| {
                    FormatError::Unencodable("an entry date is out of range".into())
                })?;
            put_varint(&mut body, zigzag(d));
            prev = e.entry.added.0;
        }
    }

    let mut out = Vec::with_capacity(HEADER_LEN + body.len() / 4);
    out.extend_from_slice(&MAGIC);
    out.push(FORMAT_VERSION);
    out.push(file.kind.code());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&file.version.to_le_bytes());
    out.extend_from_slice(&file.base.to_le_bytes());
    out.extend_from_slice(&file.created.0.to_le_bytes());
    out.extend_from_slice(&usize_of(body.len()).to_le_bytes());
    out.extend_from_slice(&file.checksum.0);
    let mut enc = DeflateEncoder::new(out, Compression::new(6));
    enc.write_all(&body)
        .map_err(|e| FormatError::Unencodable(format!("compression failed: {e}")))?;
    enc.finish()
        .map_err(|e| FormatError::Unencodable(format!("compression failed: {e}")))
}

/// Writes one kind's keys, sorted for that kind; refuses duplicates.
fn put_keys(body: &mut Vec<u8>, kind: EntryKind, keys: &mut [&str]) -> Result<(), FormatError> {
    put_varint(body, usize_of(keys.len()));
    if kind == EntryKind::Phone {
        let mut ints = Vec::with_capacity(keys.len());
        for k in keys.iter() {
            ints.push(phone_to_int(k).ok_or_else(|| {
                FormatError::Unencodable(format!("phone value {k:?} is not E.164"))
            })?);
        }
        ints.sort_unstable();
        let mut prev = 0u64;
        for (i, n) in ints.iter().enumerate() {
            if i > 0 && *n == prev {
                return Err(FormatError::Unencodable(format!(
                    "phone +{n} appears twice"
                )));
            }
            put_varint(body, n - prev);
            prev = *n;
        }
    } else {
        keys.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let mut prev: &[u8] = &[];
        for (i, k) in keys.iter().enumerate() {
            if !text_value_ok(k) {
                return Err(FormatError::Unencodable(format!(
                    "{kind} value {k:?} cannot be carried"
                )));
            }
            let k = k.as_bytes();
            if i > 0 && k == prev {
                return Err(FormatError::Unencodable(format!(
                    "{kind} value {:?} appears twice",
                    String::from_utf8_lossy(k)
                )));
            }
            let shared = prev.iter().zip(k).take_while(|(a, b)| a == b).count();
            put_varint(body, usize_of(shared));
            put_varint(body, usize_of(k.len() - shared));
            body.extend_from_slice(&k[shared..]);
            prev = k;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Decoding.

/// The header alone, without decompressing the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Snapshot or delta.
    pub kind: FileKind,
    /// The version this file brings the list to.
    pub version: u64,
    /// The delta's base version; 0 for a snapshot.
    pub base: u64,
    /// When it was published.
    pub created: Timestamp,
    /// The uncompressed body's length.
    pub body_len: u64,
    /// The list checksum once applied.
    pub checksum: Checksum,
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        a.copy_from_slice(s);
    }
    u64::from_le_bytes(a)
}

/// Reads and checks the header.
///
/// # Errors
/// [`FormatError`] for a short, foreign, newer-format or inconsistent header.
pub fn decode_header(bytes: &[u8]) -> Result<Header, FormatError> {
    if bytes.len() < HEADER_LEN {
        return Err(FormatError::Truncated);
    }
    if bytes[..4] != MAGIC {
        return Err(FormatError::NotAFeedFile);
    }
    if bytes[4] != FORMAT_VERSION {
        return Err(FormatError::UnsupportedFormat(bytes[4]));
    }
    let kind = match bytes[5] {
        1 => FileKind::Snapshot,
        2 => FileKind::Delta,
        k => return Err(FormatError::BadHeader(format!("unknown file kind {k}"))),
    };
    if bytes[6] != 0 || bytes[7] != 0 {
        return Err(FormatError::BadHeader("reserved bytes are set".into()));
    }
    let version = le_u64(bytes, 8);
    let base = le_u64(bytes, 16);
    let created = Timestamp(le_u64(bytes, 24) as i64);
    let body_len = le_u64(bytes, 32);
    let mut checksum = [0u8; 32];
    checksum.copy_from_slice(&bytes[40..72]);
    if version == 0 {
        return Err(FormatError::BadHeader("version 0".into()));
    }
    match kind {
        FileKind::Snapshot if base != 0 => {
            return Err(FormatError::BadHeader(
                "a snapshot with a base version".into(),
            ))
        }
        FileKind::Delta if base == 0 || base >= version => {
            return Err(FormatError::BadHeader(format!(
                "a delta from version {base} to {version}"
            )))
        }
        _ => {}
    }
    Ok(Header {
        kind,
        version,
        base,
        created,
        body_len,
        checksum: Checksum(checksum),
    })
}

/// Decodes a whole file, checking everything the module documentation lists.
///
/// # Errors
/// A specific [`FormatError`]; never panics on any input.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<FeedFile, FormatError> {
    if usize_of(bytes.len()) > limits.max_file {
        return Err(FormatError::TooLarge {
            what: "file",
            limit: limits.max_file,
        });
    }
    let h = decode_header(bytes)?;
    if h.body_len > limits.max_body {
        return Err(FormatError::TooLarge {
            what: "decompressed body",
            limit: limits.max_body,
        });
    }
    let compressed = &bytes[HEADER_LEN..];
    let mut dec = DeflateDecoder::new(compressed);
    // Pre-allocate modestly: the header's length is a claim, not a fact.
    let cap = usize::try_from(h.body_len.min(64 * 1024 * 1024)).unwrap_or(0);
    let mut body = Vec::with_capacity(cap);
    (&mut dec)
        .take(h.body_len.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| FormatError::Compression(e.to_string()))?;
    if usize_of(body.len()) != h.body_len {
        return Err(FormatError::LengthMismatch {
            header: h.body_len,
            actual: usize_of(body.len()),
        });
    }
    // Nothing may follow the compressed stream.
    let mut probe = [0u8; 1];
    let more = dec
        .read(&mut probe)
        .map_err(|e| FormatError::Compression(e.to_string()))?;
    if more != 0 || dec.total_in() != usize_of(compressed.len()) {
        return Err(FormatError::TrailingData);
    }
    decode_body(&h, &body, limits)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn u8(&mut self) -> Result<u8, FormatError> {
        let b = *self.buf.get(self.pos).ok_or(FormatError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, FormatError> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let b = self.u8()?;
            let part = u64::from(b & 0x7f);
            if i == 9 && b > 1 {
                return Err(FormatError::BadVarint);
            }
            v |= part << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(FormatError::BadVarint)
    }

    fn bytes(&mut self, n: u64) -> Result<&'a [u8], FormatError> {
        let n = usize::try_from(n).map_err(|_| FormatError::Truncated)?;
        if n > self.remaining() {
            return Err(FormatError::Truncated);
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// A count of items that each take at least one byte: bounded by the bytes left.
    fn count(&mut self, what: &'static str) -> Result<usize, FormatError> {
        let n = self.varint()?;
        if n > usize_of(self.remaining()) {
            return Err(FormatError::BadCount(what));
        }
        usize::try_from(n).map_err(|_| FormatError::BadCount(what))
    }
}

/// Puts a list read in [`KINDS`] order (phone, domain, url parts of the given lengths, each
/// strictly increasing, phones by number) into canonical order: kind name (domain, phone, url),
/// then value bytes. In place, without a sort of the whole list.
fn to_canonical_order<T>(list: &mut [T], parts: [usize; 3], value: impl Fn(&T) -> &[u8]) {
    let [phones, domains, _] = parts;
    // Phone numbers are in numeric order, which is byte order among numbers of one length:
    // a stable sort finds them as one run (one pass) when they all have one length.
    if let Some(p) = list.get_mut(..phones) {
        p.sort_by(|a, b| value(a).cmp(value(b)));
    }
    if let Some(pd) = list.get_mut(..phones + domains) {
        pd.rotate_left(phones);
    }
}

fn decode_body(h: &Header, body: &[u8], limits: &DecodeLimits) -> Result<FeedFile, FormatError> {
    let mut r = Reader { buf: body, pos: 0 };
    let mut budget = limits.max_entries;
    let mut spend = |n: usize| -> Result<(), FormatError> {
        budget = budget
            .checked_sub(usize_of(n))
            .ok_or(FormatError::TooLarge {
                what: "entry count",
                limit: limits.max_entries,
            })?;
        Ok(())
    };

    let n_strings = r.count("strings")?;
    let mut strings: Vec<String> = Vec::with_capacity(n_strings);
    for _ in 0..n_strings {
        let len = r.varint()?;
        if len > usize_of(MAX_STRING_LEN) {
            return Err(FormatError::BadString);
        }
        let s = std::str::from_utf8(r.bytes(len)?).map_err(|_| FormatError::BadString)?;
        strings.push(s.to_owned());
    }

    let off_len = r.varint()?;
    let official = if off_len == 0 {
        None
    } else {
        if off_len > usize_of(MAX_OFFICIAL_LEN) {
            return Err(FormatError::BadOfficial("too large".into()));
        }
        let json = r.bytes(off_len)?;
        Some(
            serde_json::from_slice::<OfficialDirectory>(json)
                .map_err(|e| FormatError::BadOfficial(e.to_string()))?,
        )
    };

    // Each kind's keys are strictly increasing (checked as they are read), so the canonical
    // order comes from moving the parts (see `to_canonical_order`).
    let mut removals: Vec<EntryKey> = Vec::new();
    let mut removal_parts = [0usize; 3];
    if h.kind == FileKind::Delta {
        for (part, kind) in removal_parts.iter_mut().zip(KINDS) {
            let keys = read_keys(&mut r, kind)?;
            spend(keys.len())?;
            *part = keys.len();
            removals.extend(keys.into_iter().map(|v| (kind, v)));
        }
    }

    let mut entries: Vec<FeedEntry> = Vec::new();
    let mut parts = [0usize; 3];
    for (part, kind) in parts.iter_mut().zip(KINDS) {
        let keys = read_keys(&mut r, kind)?;
        let n = keys.len();
        spend(n)?;
        *part = n;
        let flags = r.bytes(usize_of(n))?;
        let mut campaigns = Vec::with_capacity(n);
        let mut sources = Vec::with_capacity(n);
        for col in [&mut campaigns, &mut sources] {
            for _ in 0..n {
                let idx = r.varint()?;
                let s = if idx == 0 {
                    None
                } else {
                    let i = usize::try_from(idx - 1).map_err(|_| FormatError::BadIndex)?;
                    Some(strings.get(i).ok_or(FormatError::BadIndex)?.clone())
                };
                col.push(s);
            }
        }
        let mut added = Vec::with_capacity(n);
        let mut prev = h.created.0;
        for _ in 0..n {
            let d = unzigzag(r.varint()?);
            prev = prev.checked_add(d).ok_or(FormatError::BadDate)?;
            added.push(prev);
        }
        entries.reserve(n);
        for (i, value) in keys.into_iter().enumerate() {
            let f = flags[i];
            let category = category_from_code(f & 0x7f).ok_or(FormatError::BadCategory(f))?;
            entries.push(FeedEntry {
                entry: BlocklistEntry {
                    kind,
                    value,
                    category,
                    campaign: campaigns[i].take(),
                    source: sources[i].take(),
                    added: Timestamp(added[i]),
                },
                alert: f & 0x80 != 0,
            });
        }
    }
    if r.remaining() != 0 {
        return Err(FormatError::TrailingData);
    }
    to_canonical_order(&mut removals, removal_parts, |k| k.1.as_bytes());
    to_canonical_order(&mut entries, parts, |e| e.entry.value.as_bytes());
    Ok(FeedFile {
        kind: h.kind,
        version: h.version,
        base: h.base,
        created: h.created,
        checksum: h.checksum,
        official,
        removals,
        entries,
    })
}

fn read_keys(r: &mut Reader<'_>, kind: EntryKind) -> Result<Vec<String>, FormatError> {
    let n = r.count("keys")?;
    let mut out = Vec::with_capacity(n);
    if kind == EntryKind::Phone {
        let mut prev = 0u64;
        for i in 0..n {
            let gap = r.varint()?;
            if i > 0 && gap == 0 {
                return Err(FormatError::NotSorted(kind));
            }
            let v = prev.checked_add(gap).ok_or(FormatError::BadPhone)?;
            if v == 0 || v >= PHONE_LIMIT {
                return Err(FormatError::BadPhone);
            }
            out.push(format!("+{v}"));
            prev = v;
        }
    } else {
        let mut prev: Vec<u8> = Vec::new();
        for i in 0..n {
            let shared = r.varint()?;
            let suffix_len = r.varint()?;
            if shared > usize_of(prev.len())
                || suffix_len > usize_of(MAX_VALUE_LEN)
                || shared + suffix_len > usize_of(MAX_VALUE_LEN)
            {
                return Err(FormatError::BadValue(kind));
            }
            let suffix = r.bytes(suffix_len)?;
            let mut v = prev[..usize::try_from(shared).unwrap_or(0)].to_vec();
            v.extend_from_slice(suffix);
            if i > 0 && v.as_slice() <= prev.as_slice() {
                return Err(FormatError::NotSorted(kind));
            }
            let s = std::str::from_utf8(&v).map_err(|_| FormatError::BadValue(kind))?;
            if !text_value_ok(s) {
                return Err(FormatError::BadValue(kind));
            }
            out.push(s.to_owned());
            prev = v;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entry digest is part of the format (the published checksum depends on it): its
    /// encoding, spelled out here byte by byte, for a short entry (built on the stack) and a
    /// long one (on the heap).
    #[test]
    fn the_entry_digest_hashes_the_documented_encoding() {
        for value in [
            "+85291234567".to_owned(),
            format!("evil.example/{}", "p".repeat(300)),
        ] {
            let e = BlocklistEntry {
                kind: EntryKind::Url,
                value: value.clone(),
                category: Category::Phishing,
                campaign: Some("c1".into()),
                source: None,
                added: Timestamp(-2),
            };
            let mut want = b"verity-feed-entry/2\n".to_vec();
            want.push(3);
            want.extend_from_slice(&u32::try_from(value.len()).unwrap().to_le_bytes());
            want.extend_from_slice(value.as_bytes());
            want.extend_from_slice(&[3, 1, 2, 0, 0, 0]);
            want.extend_from_slice(b"c1");
            want.push(0);
            want.extend_from_slice(&(-2i64).to_le_bytes());
            want.push(1);
            let d = digest::digest(&SHA256, &want);
            assert_eq!(
                entry_digest(&e, true).as_slice(),
                d.as_ref(),
                "{}",
                value.len()
            );
        }
    }

    fn e(kind: EntryKind, v: &str, alert: bool, added: i64) -> FeedEntry {
        FeedEntry {
            entry: BlocklistEntry {
                kind,
                value: v.into(),
                category: Category::FakeSupport,
                campaign: Some("c1".into()),
                source: None,
                added: Timestamp(added),
            },
            alert,
        }
    }

    #[test]
    fn varints_round_trip_and_reject_overlong() {
        for v in [0, 1, 127, 128, 300, u64::MAX / 3, u64::MAX] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            let mut r = Reader { buf: &b, pos: 0 };
            assert_eq!(r.varint().unwrap(), v);
            assert_eq!(r.remaining(), 0);
        }
        let mut r = Reader {
            buf: &[0xff; 11],
            pos: 0,
        };
        assert_eq!(r.varint(), Err(FormatError::BadVarint));
        for v in [0i64, 1, -1, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
    }

    #[test]
    fn a_snapshot_round_trips_in_canonical_order() {
        let mut entries = vec![
            e(EntryKind::Url, "evil.example/pay", true, 100),
            e(EntryKind::Phone, "+85291234567", false, 90),
            e(EntryKind::Phone, "+12", false, 95),
            e(EntryKind::Phone, "+19", true, 80),
            e(EntryKind::Phone, "+123", false, 80),
            e(EntryKind::Domain, "dingtalk-help.example", false, 70),
        ];
        canonicalize(&mut entries);
        let f = FeedFile {
            kind: FileKind::Snapshot,
            version: 3,
            base: 0,
            created: Timestamp(100),
            checksum: list_checksum(&entries),
            official: Some(OfficialDirectory::dingtalk_default()),
            removals: vec![],
            entries: entries.clone(),
        };
        let bytes = encode(&f).unwrap();
        let back = decode(&bytes, &DecodeLimits::default()).unwrap();
        assert_eq!(back, f);
        assert_eq!(list_checksum(&back.entries), f.checksum);
        let phones: Vec<&str> = back
            .entries
            .iter()
            .filter(|e| e.entry.kind == EntryKind::Phone)
            .map(|e| e.entry.value.as_str())
            .collect();
        assert_eq!(phones, ["+12", "+123", "+19", "+85291234567"]);
    }

    #[test]
    fn diff_and_apply_agree() {
        let mut a = vec![
            e(EntryKind::Phone, "+1", false, 1),
            e(EntryKind::Phone, "+2", false, 1),
            e(EntryKind::Domain, "a.example", false, 1),
        ];
        let mut b = vec![
            e(EntryKind::Phone, "+2", true, 1),
            e(EntryKind::Phone, "+3", false, 2),
            e(EntryKind::Domain, "a.example", false, 1),
        ];
        canonicalize(&mut a);
        canonicalize(&mut b);
        let (rm, up) = diff(&a, &b);
        assert_eq!(rm, vec![(EntryKind::Phone, "+1".to_owned())]);
        assert_eq!(up.len(), 2);
        assert_eq!(apply(&a, &rm, &up), b);
    }

    #[test]
    fn unsorted_or_duplicate_keys_are_rejected() {
        // Hand-made body: no strings, no official, phone keys 5 then gap 0.
        let mut body = Vec::new();
        put_varint(&mut body, 0);
        put_varint(&mut body, 0);
        put_varint(&mut body, 2);
        put_varint(&mut body, 5);
        put_varint(&mut body, 0);
        body.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
        let h = Header {
            kind: FileKind::Snapshot,
            version: 1,
            base: 0,
            created: Timestamp(0),
            body_len: usize_of(body.len()),
            checksum: Checksum([0; 32]),
        };
        assert_eq!(
            decode_body(&h, &body, &DecodeLimits::default()),
            Err(FormatError::NotSorted(EntryKind::Phone))
        );
    }

    #[test]
    fn headers_are_checked() {
        assert_eq!(decode_header(b"short"), Err(FormatError::Truncated));
        assert_eq!(
            decode_header(&[0u8; HEADER_LEN]),
            Err(FormatError::NotAFeedFile)
        );
        let f = FeedFile {
            kind: FileKind::Snapshot,
            version: 1,
            base: 0,
            created: Timestamp(0),
            checksum: list_checksum(&[]),
            official: None,
            removals: vec![],
            entries: vec![],
        };
        let mut bytes = encode(&f).unwrap();
        bytes[4] = 9;
        assert_eq!(
            decode(&bytes, &DecodeLimits::default()),
            Err(FormatError::UnsupportedFormat(9))
        );
        bytes[4] = FORMAT_VERSION;
        bytes.push(0);
        assert_eq!(
            decode(&bytes, &DecodeLimits::default()),
            Err(FormatError::TrailingData)
        );
    }

    #[test]
    fn a_body_larger_than_the_limit_is_refused_before_inflating() {
        let f = FeedFile {
            kind: FileKind::Snapshot,
            version: 1,
            base: 0,
            created: Timestamp(0),
            checksum: list_checksum(&[]),
            official: None,
            removals: vec![],
            entries: (0..1000)
                .map(|i| e(EntryKind::Phone, &format!("+8529{i:07}"), false, 0))
                .collect(),
        };
        let bytes = encode(&f).unwrap();
        let limits = DecodeLimits {
            max_body: 100,
            ..DecodeLimits::default()
        };
        assert!(matches!(
            decode(&bytes, &limits),
            Err(FormatError::TooLarge { .. })
        ));
        let limits = DecodeLimits {
            max_entries: 10,
            ..DecodeLimits::default()
        };
        assert!(matches!(
            decode(&bytes, &limits),
            Err(FormatError::TooLarge { .. })
        ));
    }
}
