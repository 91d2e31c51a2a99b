//! Decoding a file: nothing is trusted, every count bounded (see [`crate::format`]).

use super::*;
use flate2::read::DeflateDecoder;
use std::io::Read;

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

pub(super) fn le_u64(b: &[u8], at: usize) -> u64 {
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

pub(super) struct Reader<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn u8(&mut self) -> Result<u8, FormatError> {
        let b = *self.buf.get(self.pos).ok_or(FormatError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    pub(super) fn varint(&mut self) -> Result<u64, FormatError> {
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
pub(super) fn to_canonical_order<T>(
    list: &mut [T],
    parts: [usize; 3],
    value: impl Fn(&T) -> &[u8],
) {
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

pub(super) fn decode_body(
    h: &Header,
    body: &[u8],
    limits: &DecodeLimits,
) -> Result<FeedFile, FormatError> {
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
        let d = serde_json::from_slice::<OfficialDirectory>(json)
            .map_err(|e| FormatError::BadOfficial(e.to_string()))?;
        d.validate()
            .map_err(|e| FormatError::BadOfficial(e.to_string()))?;
        Some(d)
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

/// `+` and the number's digits: what `format!("+{v}")` gives, without the formatting
/// machinery (a snapshot decodes millions of numbers; this took a tenth of its decode).
pub(super) fn phone_value(v: u64) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut x = v;
    loop {
        at -= 1;
        digits[at] = b'0' + u8::try_from(x % 10).unwrap_or(0);
        x /= 10;
        if x == 0 {
            break;
        }
    }
    let mut s = String::with_capacity(1 + digits.len() - at);
    s.push('+');
    s.extend(digits[at..].iter().map(|d| char::from(*d)));
    s
}

pub(super) fn read_keys(r: &mut Reader<'_>, kind: EntryKind) -> Result<Vec<String>, FormatError> {
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
            out.push(phone_value(v));
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
