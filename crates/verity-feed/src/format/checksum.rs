//! The list checksum: each entry's digest over its canonical encoding, summed as a multiset (see
//! [`ChecksumBuilder`]).

use super::*;
use aws_lc_rs::digest::{self, Context, SHA256};
use verity_core::list_sum::{ListDigest, ListSum};

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
pub(super) const STACK_ENCODING: usize = 192;

/// Where an entry's canonical encoding is written.
pub(super) trait Sink {
    fn put(&mut self, b: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, b: &[u8]) {
        self.extend_from_slice(b);
    }
}

/// A fixed buffer; [`entry_digest`] uses it only when the encoding fits.
pub(super) struct StackBuf {
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
pub(super) fn write_entry(buf: &mut impl Sink, e: &BlocklistEntry, alert: bool) {
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
