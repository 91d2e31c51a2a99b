//! The feed list's storage: key-ordered blocks of entries (migration 9, table `feed_block`).
//!
//! A row per entry cost SQLite about 0.75 µs of CPU to write, so a 10M-entry snapshot spent
//! 7–8 s in row inserts alone. A block holds up to [`MAX_ENTRIES`] consecutive entries of one
//! kind (at most about [`MAX_BYTES`] bytes, so a block never spills into overflow pages),
//! prefix-compressed against the entry before. A snapshot writes one row per block; a lookup
//! reads one block (the one whose first value is the greatest not above the value sought) and
//! scans at most [`MAX_ENTRIES`] entries; a delta rewrites the blocks it touches, editing their
//! bytes in place ([`Spliced`]: an entry spliced in or out, only the entry after it re-encoded).
//!
//! Invariants, kept by [`BlockWriter`] and [`Editor`] (the only writers):
//! - `first` is the block's first value; within a kind, blocks partition the values: every value
//!   of a block is below the next block's `first`;
//! - values inside a block are strictly increasing (bytes);
//! - `count` is the number of entries in `data`, and never 0 (an emptied block is deleted).
//!
//! The decoder checks all of this and reports a block that breaks it as corrupt.

use crate::error::{IndexError, Rejection, Stored as Data};
use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension};

/// Entries a block holds at most. A lookup scans half of one on average. Measured at 10M
/// (`cargo bench -p verity-feed --bench apply`) and 1M (`-p verity-store --bench index`):
/// 64 entries (2 KiB) made a listed number's check 2.8 µs; 32 (1 KiB) 1.6 µs with the same
/// snapshot and delta times; 16 (512 B) no faster to look up and a slower snapshot (5.4 s
/// against 4.8 s).
pub(crate) const MAX_ENTRIES: usize = 32;

/// The size a block's entries may start within (the last entry may take it past this by one
/// entry of at most a few hundred bytes); an edited block that outgrows it is split. Well under
/// the 4 KiB page, so a block's row stays on its page.
pub(crate) const MAX_BYTES: usize = 1024;

/// Entries a block is filled to when it is written whole (a snapshot; a block an edit made
/// outgrow [`MAX_ENTRIES`] or [`MAX_BYTES`], split): the rest is room, so that an entry added
/// later changes the block's row in place instead of splitting it and inserting a row (and
/// its index entry) for the one entry that did not fit. A delta of 1% of the list (additions
/// and removals spread over it) then took about 8% less CPU at 3M entries; the snapshot no more
/// (docs/benchmarks.md, "The block editor in place, blocks with room").
pub(crate) const FILL_ENTRIES: usize = 28;

/// The size at which a block written whole is closed: [`MAX_BYTES`] in the same proportion.
pub(crate) const FILL_BYTES: usize = MAX_BYTES / MAX_ENTRIES * FILL_ENTRIES;

/// Whether a block being written whole, `count` entries and `len` bytes so far, is closed.
fn filled(count: usize, len: usize) -> bool {
    count >= FILL_ENTRIES || len >= FILL_BYTES
}

/// A block [`Editor`] may grow to in memory before it writes it out (split into filled blocks).
const MAX_OPEN: usize = 16 * MAX_ENTRIES;

/// An entry's fields after its value. Campaign and source are `feed_string` ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attrs {
    /// The category code (0–4, see `feed::category_code`).
    pub category: u8,
    pub campaign: Option<i64>,
    pub source: Option<i64>,
    pub added: i64,
    pub alert: bool,
}

const CATEGORY_MASK: u8 = 0b0000_0111;
const ALERT: u8 = 0b0000_1000;
const HAS_CAMPAIGN: u8 = 0b0001_0000;
const HAS_SOURCE: u8 = 0b0010_0000;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn corrupt(what: &str) -> StoreError {
    StoreError::corrupt(Data::FeedBlocks, what)
}

/// The start of an entry: how many bytes its value shares with the value before it, and the
/// length of the rest, which follows.
fn put_header(out: &mut Vec<u8>, shared: usize, suffix: usize) {
    put_varint(out, shared as u64);
    put_varint(out, suffix as u64);
}

/// An entry's fields: flags, campaign and source ids, the date added.
fn put_attrs(out: &mut Vec<u8>, a: &Attrs) {
    let mut flags = a.category & CATEGORY_MASK;
    if a.alert {
        flags |= ALERT;
    }
    if a.campaign.is_some() {
        flags |= HAS_CAMPAIGN;
    }
    if a.source.is_some() {
        flags |= HAS_SOURCE;
    }
    out.push(flags);
    for id in [a.campaign, a.source].into_iter().flatten() {
        put_varint(out, u64::try_from(id).unwrap_or(0));
    }
    // Zigzag: dates before 1970 are unlikely but valid.
    put_varint(out, ((a.added << 1) ^ (a.added >> 63)).cast_unsigned());
}

/// How many leading bytes `a` and `b` share.
fn shared_len(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Encodes entries in value order into one block's bytes.
#[derive(Debug, Default)]
pub(crate) struct Encoder {
    data: Vec<u8>,
    prev: Vec<u8>,
    first: String,
    count: usize,
}

impl Encoder {
    /// Appends an entry; `value` must sort after the previous one.
    pub(crate) fn push(&mut self, value: &str, a: &Attrs) {
        let v = value.as_bytes();
        if self.count == 0 {
            self.first.clear();
            self.first.push_str(value);
        }
        let shared = shared_len(&self.prev, v);
        put_header(&mut self.data, shared, v.len() - shared);
        self.data.extend_from_slice(&v[shared..]);
        put_attrs(&mut self.data, a);
        self.prev.clear();
        self.prev.extend_from_slice(v);
        self.count += 1;
    }

    /// Whether the block is full (filled, leaving room for later additions).
    pub(crate) fn full(&self) -> bool {
        filled(self.count, self.data.len())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The block so far (first value, count, bytes); the encoder starts a new block.
    fn take(&mut self) -> (String, i64, Vec<u8>) {
        let count = i64::try_from(self.count).unwrap_or(i64::MAX);
        self.count = 0;
        self.prev.clear();
        (
            std::mem::take(&mut self.first),
            count,
            std::mem::take(&mut self.data),
        )
    }
}

/// One entry's parts, as read at a position of a block's bytes.
#[derive(Debug, Clone, Copy)]
struct Parsed {
    /// Bytes its value shares with the value before it.
    shared: usize,
    /// Where the rest of its value is (`data[suffix.0..suffix.1]`); its fields follow.
    suffix: (usize, usize),
    attrs: Attrs,
    /// Where the next entry starts.
    end: usize,
}

// The readers below run for every entry a block edit passes (a fifth of a delta's time before
// they were inlined, with the release profile's `opt-level = "s"`).
#[inline]
fn byte_at(data: &[u8], pos: &mut usize) -> Result<u8, StoreError> {
    let b = *data.get(*pos).ok_or_else(|| corrupt("truncated"))?;
    *pos += 1;
    Ok(b)
}

#[inline]
fn varint_at(data: &[u8], pos: &mut usize) -> Result<u64, StoreError> {
    // Most varints of a block (prefix and suffix lengths, flags' ids) are one byte.
    if let Some(&b) = data.get(*pos) {
        if b < 0x80 {
            *pos += 1;
            return Ok(u64::from(b));
        }
    }
    long_varint_at(data, pos)
}

fn long_varint_at(data: &[u8], pos: &mut usize) -> Result<u64, StoreError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = byte_at(data, pos)?;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(corrupt("varint too long"))
}

#[inline]
fn id_at(data: &[u8], pos: &mut usize) -> Result<i64, StoreError> {
    i64::try_from(varint_at(data, pos)?)
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| corrupt("bad string id"))
}

/// Reads the entry at `pos`, checking it: `prev` is the value before it (`first`: there is
/// none). Every check of a block's bytes is here: lengths, the prefix, the order of values,
/// the flags and ids.
#[inline]
fn parse(data: &[u8], pos: usize, prev: &[u8], first: bool) -> Result<Parsed, StoreError> {
    let mut p = pos;
    let shared = usize::try_from(varint_at(data, &mut p)?).map_err(|_| corrupt("prefix"))?;
    let len = usize::try_from(varint_at(data, &mut p)?).map_err(|_| corrupt("length"))?;
    if shared > prev.len() || (first && shared != 0) {
        return Err(corrupt("prefix longer than the previous value"));
    }
    let end = p
        .checked_add(len)
        .filter(|e| *e <= data.len())
        .ok_or_else(|| corrupt("truncated value"))?;
    // Values strictly increase: the new one differs from the previous after `shared` bytes
    // and is greater there (or is longer, when the previous ends at `shared`).
    if !first {
        let ok = match (prev.get(shared), data.get(p)) {
            (Some(old), Some(new)) if p < end => new > old,
            (None, Some(_)) if p < end => true,
            _ => false,
        };
        if !ok {
            return Err(corrupt("values out of order"));
        }
    }
    let suffix = (p, end);
    p = end;
    let flags = byte_at(data, &mut p)?;
    if flags & !(CATEGORY_MASK | ALERT | HAS_CAMPAIGN | HAS_SOURCE) != 0
        || flags & CATEGORY_MASK > 4
    {
        return Err(corrupt("bad flags"));
    }
    let campaign = if flags & HAS_CAMPAIGN != 0 {
        Some(id_at(data, &mut p)?)
    } else {
        None
    };
    let source = if flags & HAS_SOURCE != 0 {
        Some(id_at(data, &mut p)?)
    } else {
        None
    };
    let z = varint_at(data, &mut p)?;
    let added = (z >> 1).cast_signed() ^ -((z & 1).cast_signed());
    Ok(Parsed {
        shared,
        suffix,
        attrs: Attrs {
            category: flags & CATEGORY_MASK,
            campaign,
            source,
            added,
            alert: flags & ALERT != 0,
        },
        end: p,
    })
}

/// Checks that a value is UTF-8 (ASCII, as most are, checked inline).
#[inline]
fn check_utf8(v: &[u8]) -> Result<(), StoreError> {
    if v.is_ascii() {
        Ok(())
    } else {
        utf8(v).map(drop)
    }
}

fn utf8(v: &[u8]) -> Result<&str, StoreError> {
    std::str::from_utf8(v).map_err(|_| corrupt("value is not UTF-8"))
}

/// Reads a block's entries in order. The value is rebuilt in place ([`Cursor::value`]).
#[derive(Debug)]
pub(crate) struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    value: Vec<u8>,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Cursor<'a> {
        Cursor {
            data,
            pos: 0,
            value: Vec::with_capacity(64),
        }
    }

    /// The next entry's fields (its value is then [`Cursor::value`]), or `None` at the end.
    pub(crate) fn next_entry(&mut self) -> Result<Option<Attrs>, StoreError> {
        if self.pos == self.data.len() {
            return Ok(None);
        }
        let p = parse(self.data, self.pos, &self.value, self.pos == 0)?;
        self.value.truncate(p.shared);
        self.value
            .extend_from_slice(self.data.get(p.suffix.0..p.suffix.1).unwrap_or_default());
        self.pos = p.end;
        Ok(Some(p.attrs))
    }

    /// The current entry's value.
    pub(crate) fn value(&self) -> Result<&str, StoreError> {
        utf8(&self.value)
    }

    /// The current value's bytes (no UTF-8 check).
    pub(crate) fn value_bytes(&self) -> &[u8] {
        &self.value
    }
}

/// A block as [`Encoder`] would write it: first value, count, bytes.
type Written = (String, i64, Vec<u8>);

/// A block's bytes, edited in place (an [`Editor`]'s open block): an entry added or removed is
/// spliced in or out and only the entry after it is re-encoded (its shared prefix changes with
/// its neighbour), so the other entries are never decoded into a list nor encoded again. The
/// result is byte for byte what [`Encoder`] writes for the edited list.
///
/// A cursor stands before one entry (keys given in order move it forwards only); every entry
/// it passes is checked as [`Cursor`] checks it, and [`Spliced::finish`] checks the rest, so an
/// edited block is checked whole before it is written, as a decoded one was.
#[derive(Debug, Default)]
pub(crate) struct Spliced {
    data: Vec<u8>,
    count: usize,
    /// The cursor: entry `index` starts at byte `at`; `prev` is the value before it, which
    /// starts at byte `prev_start`.
    at: usize,
    index: usize,
    prev: Vec<u8>,
    prev_start: usize,
    /// The value of the entry at the cursor, once [`Spliced::seek`] has read it.
    cur: Vec<u8>,
    /// Bytes being spliced in.
    splice: Vec<u8>,
}

/// What [`Spliced::finish`] found at the end of a block.
struct End {
    /// Where its last entry starts.
    last_start: usize,
    /// Its last value (empty for an empty block).
    last: Vec<u8>,
}

impl Spliced {
    /// A block's bytes as stored, with its `count` and `first` columns (checked against its
    /// first entry; the others are checked as the cursor reaches them).
    fn new(data: Vec<u8>, count: i64, first: &str) -> Result<Spliced, StoreError> {
        let count = usize::try_from(count)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| corrupt("count does not match"))?;
        let p = parse(&data, 0, &[], true)?;
        if data.get(p.suffix.0..p.suffix.1) != Some(first.as_bytes()) {
            return Err(corrupt("first value does not match"));
        }
        Ok(Spliced {
            data,
            count,
            ..Spliced::default()
        })
    }

    /// Moves the cursor to the first entry whose value is not below `target` and returns it
    /// (its value is then `cur`), or `None` when every value is below.
    fn seek(&mut self, target: &[u8]) -> Result<Option<Parsed>, StoreError> {
        if self.index > 0 && target <= self.prev.as_slice() {
            self.at = 0;
            self.index = 0;
            self.prev.clear();
            self.prev_start = 0;
        }
        while self.at < self.data.len() {
            if self.index >= self.count {
                return Err(corrupt("count does not match"));
            }
            let p = parse(&self.data, self.at, &self.prev, self.index == 0)?;
            self.cur.clear();
            self.cur
                .extend_from_slice(self.prev.get(..p.shared).unwrap_or_default());
            self.cur
                .extend_from_slice(self.data.get(p.suffix.0..p.suffix.1).unwrap_or_default());
            check_utf8(&self.cur)?;
            if self.cur.as_slice() >= target {
                return Ok(Some(p));
            }
            std::mem::swap(&mut self.prev, &mut self.cur);
            self.prev_start = self.at;
            self.at = p.end;
            self.index += 1;
        }
        Ok(None)
    }

    /// The entry `value`, if it is there.
    fn get(&mut self, value: &[u8]) -> Result<Option<Attrs>, StoreError> {
        Ok(self
            .seek(value)?
            .filter(|_| self.cur.as_slice() == value)
            .map(|p| p.attrs))
    }

    /// The entry at the cursor (`cur`, read by `seek`) re-encoded against the value `before`,
    /// in place of its old start (`data[self.at..suffix_end]` once what comes before it is in
    /// `splice`).
    fn reencode_cur(&mut self, before: &[u8]) {
        let s = shared_len(before, &self.cur);
        put_header(&mut self.splice, s, self.cur.len() - s);
        self.splice
            .extend_from_slice(self.cur.get(s..).unwrap_or_default());
    }

    /// Replaces `data[self.at..end]` with `splice`.
    fn splice_at(&mut self, end: usize) {
        self.data.splice(self.at..end, self.splice.iter().copied());
    }

    /// Removes the entry `value`; returns its fields if it was there. The entry after it is
    /// re-encoded against the one before.
    fn remove(&mut self, value: &[u8]) -> Result<Option<Attrs>, StoreError> {
        let Some(p) = self.seek(value)?.filter(|_| self.cur.as_slice() == value) else {
            return Ok(None);
        };
        self.splice.clear();
        let end = if p.end < self.data.len() {
            // The next entry, read against the removed value, becomes the one at the cursor.
            let n = parse(&self.data, p.end, &self.cur, false)?;
            self.cur.truncate(n.shared);
            self.cur
                .extend_from_slice(self.data.get(n.suffix.0..n.suffix.1).unwrap_or_default());
            let prev = std::mem::take(&mut self.prev);
            self.reencode_cur(&prev);
            self.prev = prev;
            n.suffix.1
        } else {
            p.end
        };
        self.splice_at(end);
        self.count -= 1;
        Ok(Some(p.attrs))
    }

    /// Adds or replaces the entry `value`; returns the fields it replaced. A new entry is
    /// encoded against the one before it, and the one after it re-encoded against it.
    fn upsert(&mut self, value: &str, attrs: &Attrs) -> Result<Option<Attrs>, StoreError> {
        let v = value.as_bytes();
        let found = self.seek(v)?;
        self.splice.clear();
        if let Some(p) = found.filter(|_| self.cur.as_slice() == v) {
            put_attrs(&mut self.splice, attrs);
            self.data
                .splice(p.suffix.1..p.end, self.splice.iter().copied());
            return Ok(Some(p.attrs));
        }
        let s = shared_len(&self.prev, v);
        put_header(&mut self.splice, s, v.len() - s);
        self.splice
            .extend_from_slice(v.get(s..).unwrap_or_default());
        put_attrs(&mut self.splice, attrs);
        let end = match found {
            Some(p) => {
                self.reencode_cur(v);
                p.suffix.1
            }
            None => self.at,
        };
        self.splice_at(end);
        self.count += 1;
        Ok(None)
    }

    /// Checks the entries after the cursor (and the count), and says where the block ends.
    fn finish(&mut self) -> Result<End, StoreError> {
        while self.at < self.data.len() {
            if self.index >= self.count {
                return Err(corrupt("count does not match"));
            }
            let p = parse(&self.data, self.at, &self.prev, self.index == 0)?;
            self.prev.truncate(p.shared);
            self.prev
                .extend_from_slice(self.data.get(p.suffix.0..p.suffix.1).unwrap_or_default());
            check_utf8(&self.prev)?;
            self.prev_start = self.at;
            self.at = p.end;
            self.index += 1;
        }
        if self.index != self.count {
            return Err(corrupt("count does not match"));
        }
        Ok(End {
            last_start: self.prev_start,
            last: std::mem::take(&mut self.prev),
        })
    }

    /// The block's bytes as blocks [`Encoder`] would write (none when it is empty): the bytes
    /// as they are when they fit one block (up to [`MAX_ENTRIES`], the last entry starting
    /// before [`MAX_BYTES`]), else split where the encoder closes a block (filled, with room),
    /// each new block's first entry re-encoded whole and the other entries copied.
    fn into_blocks(self, end: &End) -> Result<Vec<Written>, StoreError> {
        if self.count == 0 {
            return Ok(Vec::new());
        }
        if self.count <= MAX_ENTRIES && end.last_start < MAX_BYTES {
            let p = parse(&self.data, 0, &[], true)?;
            let first = utf8(self.data.get(p.suffix.0..p.suffix.1).unwrap_or_default())?;
            let count = i64::try_from(self.count).unwrap_or(i64::MAX);
            return Ok(vec![(first.to_owned(), count, self.data)]);
        }
        let data = &self.data;
        let mut blocks: Vec<Written> = Vec::new();
        let mut block: Option<(String, usize, Vec<u8>)> = None;
        let (mut prev, mut value) = (Vec::new(), Vec::new());
        let mut pos = 0;
        while pos < data.len() {
            let p = parse(data, pos, &prev, pos == 0)?;
            value.clear();
            value.extend_from_slice(prev.get(..p.shared).unwrap_or_default());
            value.extend_from_slice(data.get(p.suffix.0..p.suffix.1).unwrap_or_default());
            match block.as_mut() {
                Some((_, n, d)) if !filled(*n, d.len()) => {
                    d.extend_from_slice(data.get(pos..p.end).unwrap_or_default());
                    *n += 1;
                }
                _ => {
                    if let Some((first, n, d)) = block.take() {
                        blocks.push((first, i64::try_from(n).unwrap_or(i64::MAX), d));
                    }
                    let mut d = Vec::with_capacity(MAX_BYTES + 64);
                    put_header(&mut d, 0, value.len());
                    d.extend_from_slice(&value);
                    d.extend_from_slice(data.get(p.suffix.1..p.end).unwrap_or_default());
                    block = Some((utf8(&value)?.to_owned(), 1, d));
                }
            }
            std::mem::swap(&mut prev, &mut value);
            pos = p.end;
        }
        if let Some((first, n, d)) = block {
            blocks.push((first, i64::try_from(n).unwrap_or(i64::MAX), d));
        }
        Ok(blocks)
    }
}

/// The entry `value` in a block, if it is there.
pub(crate) fn find(data: &[u8], value: &str) -> Result<Option<Attrs>, StoreError> {
    let mut c = Cursor::new(data);
    while let Some(attrs) = c.next_entry()? {
        match c.value_bytes().cmp(value.as_bytes()) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => return Ok(Some(attrs)),
            std::cmp::Ordering::Greater => return Ok(None),
        }
    }
    Ok(None)
}

const INSERT: &str = "INSERT INTO feed_block (kind, first, count, data) VALUES (?1, ?2, ?3, ?4)";

/// Writes entries given in key order (kind code, then value bytes) as full blocks: a snapshot,
/// or the migration from rows.
pub(crate) struct BlockWriter<'c> {
    insert: rusqlite::CachedStatement<'c>,
    kind: i64,
    enc: Encoder,
    /// The last value of the block written before, while the encoder's block is empty.
    last: Vec<u8>,
}

impl<'c> BlockWriter<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Result<BlockWriter<'c>, StoreError> {
        Ok(BlockWriter {
            insert: conn.prepare_cached(INSERT)?,
            kind: 0,
            enc: Encoder::default(),
            last: Vec::new(),
        })
    }

    /// Appends an entry (after every entry pushed before it, in key order).
    ///
    /// # Errors
    /// [`StoreError::Rejected`] for an entry out of key order (nothing is written for it).
    pub(crate) fn push(&mut self, kind: i64, value: &str, a: &Attrs) -> Result<(), StoreError> {
        let prev = if self.enc.is_empty() {
            &self.last
        } else {
            &self.enc.prev
        };
        if kind < self.kind || (kind == self.kind && value.as_bytes() <= prev.as_slice()) {
            return Err(Rejection::OutOfOrder.into());
        }
        if kind != self.kind || self.enc.full() {
            self.flush()?;
            if kind != self.kind {
                self.last.clear();
            }
            self.kind = kind;
        }
        self.enc.push(value, a);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        if !self.enc.is_empty() {
            self.last.clone_from(&self.enc.prev);
            let (first, count, data) = self.enc.take();
            self.insert
                .execute(params![self.kind, first, count, data])?;
        }
        Ok(())
    }

    /// Writes the last block.
    pub(crate) fn finish(mut self) -> Result<(), StoreError> {
        self.flush()
    }
}

/// Calls `f` with every feed entry in key order (kind code, then value): its kind code, value
/// and fields.
pub(crate) fn scan(
    conn: &Connection,
    kind: Option<i64>,
    mut f: impl FnMut(i64, &str, &Attrs) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, count, data FROM feed_block
         WHERE ?1 IS NULL OR kind = ?1 ORDER BY kind, first",
    )?;
    let mut rows = stmt.query([kind])?;
    while let Some(r) = rows.next()? {
        let kind: i64 = r.get(0)?;
        let count: i64 = r.get(1)?;
        let data = r.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
        let mut c = Cursor::new(data);
        let mut n = 0i64;
        while let Some(attrs) = c.next_entry()? {
            f(kind, c.value()?, &attrs)?;
            n += 1;
        }
        if n != count || n == 0 {
            return Err(corrupt("count does not match"));
        }
    }
    Ok(())
}

/// The entry (kind code, value), reading one block.
pub(crate) fn lookup(
    conn: &Connection,
    kind: i64,
    value: &str,
) -> Result<Option<Attrs>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT data FROM feed_block WHERE kind = ?1 AND first <= ?2
         ORDER BY first DESC LIMIT 1",
    )?;
    let mut rows = stmt.query(params![kind, value])?;
    match rows.next()? {
        None => Ok(None),
        Some(r) => find(
            r.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?,
            value,
        ),
    }
}

/// A block's row as read.
struct Stored {
    id: i64,
    first: String,
    count: i64,
    data: Vec<u8>,
}

fn stored_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    Ok(Stored {
        id: r.get(0)?,
        first: r.get(1)?,
        count: r.get(2)?,
        data: r.get(3)?,
    })
}

/// The block an [`Editor`] has read and may have changed.
struct Open {
    /// Its row, or `None` for a new block (its kind had none).
    id: Option<i64>,
    kind: i64,
    /// Its `first` in the table, while the row is unchanged there.
    db_first: String,
    /// Whether it is its kind's first block (it then also takes values below `db_first`).
    lowest: bool,
    /// The next block of its kind, read ahead (its `first` bounds this block), and the `first`
    /// of the one after it (bounding that one), so that keys in order move on without a search.
    next: Option<Stored>,
    next_upper: Option<String>,
    block: Spliced,
    dirty: bool,
}

impl Open {
    fn covers(&self, kind: i64, value: &str) -> bool {
        kind == self.kind
            && (self.lowest || value >= self.db_first.as_str())
            && self.next.as_ref().is_none_or(|n| value < n.first.as_str())
    }

    /// Whether (kind, value) falls in the block read ahead.
    fn next_covers(&self, kind: i64, value: &str) -> bool {
        kind == self.kind
            && self
                .next
                .as_ref()
                .is_some_and(|n| value >= n.first.as_str())
            && self.next_upper.as_deref().is_none_or(|u| value < u)
    }
}

/// Changes feed entries one at a time, rewriting only the blocks they fall in. Keys given in
/// order reuse the block already read and move on to the next one without a search; in any
/// order it is still correct. Call [`Editor::finish`] to write the last block.
pub(crate) struct Editor<'c> {
    conn: &'c Connection,
    open: Option<Open>,
}

impl<'c> Editor<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Editor<'c> {
        Editor { conn, open: None }
    }

    /// Makes the block covering (kind, value) the open one.
    fn open(&mut self, kind: i64, value: &str) -> Result<&mut Open, StoreError> {
        if matches!(&self.open, Some(o) if o.covers(kind, value)) {
            return self.current();
        }
        if matches!(&self.open, Some(o) if o.next_covers(kind, value)) {
            if let Some(n) = self.flush()? {
                self.load(kind, n, false)?;
            }
            return self.current();
        }
        let found: Option<(Stored, bool)> = match self
            .conn
            .prepare_cached(
                "SELECT id, first, count, data FROM feed_block WHERE kind = ?1 AND first <= ?2
                 ORDER BY first DESC LIMIT 1",
            )?
            .query_row(params![kind, value], stored_of)
            .optional()?
        {
            Some(b) => Some((b, false)),
            None => self
                .conn
                .prepare_cached(
                    "SELECT id, first, count, data FROM feed_block WHERE kind = ?1
                     ORDER BY first LIMIT 1",
                )?
                .query_row([kind], stored_of)
                .optional()?
                .map(|b| (b, true)),
        };
        let same = match (&self.open, &found) {
            (Some(o), Some((b, _))) => o.id == Some(b.id),
            (Some(o), None) => o.kind == kind && o.id.is_none(),
            _ => false,
        };
        if same {
            if let (Some(o), Some((_, lowest))) = (self.open.as_mut(), &found) {
                o.lowest |= *lowest;
            }
            return self.current();
        }
        // The block found is not the open one, so writing the open one leaves it as read.
        self.flush()?;
        match found {
            None => {
                self.open = Some(Open {
                    id: None,
                    kind,
                    db_first: String::new(),
                    lowest: true,
                    next: None,
                    next_upper: None,
                    block: Spliced::default(),
                    dirty: false,
                });
            }
            Some((b, lowest)) => self.load(kind, b, lowest)?,
        }
        self.current()
    }

    fn current(&mut self) -> Result<&mut Open, StoreError> {
        self.open
            .as_mut()
            .ok_or(StoreError::Index(IndexError::NoOpenBlock))
    }

    /// Opens a block read from the table, and reads the two after it ahead.
    fn load(&mut self, kind: i64, b: Stored, lowest: bool) -> Result<(), StoreError> {
        let block = Spliced::new(b.data, b.count, &b.first)?;
        let mut ahead = self
            .conn
            .prepare_cached(
                "SELECT id, first, count, data FROM feed_block WHERE kind = ?1 AND first > ?2
                 ORDER BY first LIMIT 2",
            )?
            .query_map(params![kind, b.first], stored_of)?
            .collect::<Result<Vec<Stored>, _>>()?
            .into_iter();
        let next = ahead.next();
        let next_upper = ahead.next().map(|n| n.first);
        self.open = Some(Open {
            id: Some(b.id),
            kind,
            db_first: b.first,
            lowest,
            next,
            next_upper,
            block,
            dirty: false,
        });
        Ok(())
    }

    /// The entry (kind code, value).
    pub(crate) fn get(&mut self, kind: i64, value: &str) -> Result<Option<Attrs>, StoreError> {
        self.open(kind, value)?.block.get(value.as_bytes())
    }

    /// Removes the entry (kind code, value); returns its fields if it was there.
    pub(crate) fn remove(&mut self, kind: i64, value: &str) -> Result<Option<Attrs>, StoreError> {
        let o = self.open(kind, value)?;
        let old = o.block.remove(value.as_bytes())?;
        o.dirty |= old.is_some();
        Ok(old)
    }

    /// Adds or replaces the entry (kind code, value); returns the fields it replaced.
    pub(crate) fn upsert(
        &mut self,
        kind: i64,
        value: &str,
        attrs: Attrs,
    ) -> Result<Option<Attrs>, StoreError> {
        let o = self.open(kind, value)?;
        o.dirty = true;
        let old = o.block.upsert(value, &attrs)?;
        if o.block.count > MAX_OPEN {
            self.flush()?;
        }
        Ok(old)
    }

    /// Checks the open block whole (its entries, and that its last value is below the next
    /// block's first) and writes it if it changed: deleted when empty, split into full blocks
    /// when it grew past one. Returns the next block it had read ahead.
    fn flush(&mut self) -> Result<Option<Stored>, StoreError> {
        let Some(mut o) = self.open.take() else {
            return Ok(None);
        };
        let end = o.block.finish()?;
        if let Some(n) = &o.next {
            if o.block.count > 0 && end.last.as_slice() >= n.first.as_bytes() {
                return Err(corrupt("blocks overlap"));
            }
        }
        if !o.dirty {
            return Ok(o.next);
        }
        let mut blocks = o.block.into_blocks(&end)?.into_iter();
        match (o.id, blocks.next()) {
            (Some(id), None) => {
                self.conn
                    .prepare_cached("DELETE FROM feed_block WHERE id = ?1")?
                    .execute([id])?;
            }
            (Some(id), Some((first, count, data))) => {
                // Setting `first` only when it changed spares an index update.
                if first == o.db_first {
                    self.conn
                        .prepare_cached(
                            "UPDATE feed_block SET count = ?2, data = ?3 WHERE id = ?1",
                        )?
                        .execute(params![id, count, data])?;
                } else {
                    self.conn
                        .prepare_cached(
                            "UPDATE feed_block SET first = ?2, count = ?3, data = ?4 WHERE id = ?1",
                        )?
                        .execute(params![id, first, count, data])?;
                }
            }
            (None, Some((first, count, data))) => {
                self.conn
                    .prepare_cached(INSERT)?
                    .execute(params![o.kind, first, count, data])?;
            }
            (None, None) => {}
        }
        for (first, count, data) in blocks {
            self.conn
                .prepare_cached(INSERT)?
                .execute(params![o.kind, first, count, data])?;
        }
        Ok(o.next)
    }

    /// Writes the last changed block.
    pub(crate) fn finish(mut self) -> Result<(), StoreError> {
        self.flush().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(i: i64) -> Attrs {
        Attrs {
            category: u8::try_from(i % 5).unwrap(),
            campaign: (i % 3 != 0).then_some(i % 7 + 1),
            source: (i % 2 == 0).then_some(300 + i),
            added: 1_790_000_000 - i * 977 - if i % 11 == 0 { 2_000_000_000 } else { 0 },
            alert: i % 4 == 1,
        }
    }

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE feed_block (
                 id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, first TEXT NOT NULL,
                 count INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (kind, first)) STRICT;",
        )
        .unwrap();
        conn
    }

    fn all(conn: &Connection) -> Vec<(i64, String, Attrs)> {
        let mut out = Vec::new();
        scan(conn, None, |k, v, a| {
            out.push((k, v.to_owned(), *a));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn blocks_round_trip_and_split_by_count_and_size() {
        let conn = db();
        let mut want = Vec::new();
        let mut w = BlockWriter::new(&conn).unwrap();
        for kind in [1, 2] {
            for i in 0..500i64 {
                // Long values in kind 2 close blocks by size before count.
                let v = if kind == 1 {
                    format!("+852{:08}", 30_000_000 + i * 3)
                } else {
                    format!(
                        "{i:04}-{}.example",
                        "x".repeat(usize::try_from(i % 90).unwrap())
                    )
                };
                w.push(kind, &v, &attrs(i)).unwrap();
                want.push((kind, v, attrs(i)));
            }
        }
        w.finish().unwrap();
        assert_eq!(all(&conn), want);
        let sizes: Vec<(i64, i64, i64)> = conn
            .prepare("SELECT kind, count, length(data) FROM feed_block")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(sizes
            .iter()
            .all(|(_, n, b)| usize::try_from(*n).unwrap() <= MAX_ENTRIES
                && usize::try_from(*b).unwrap() < MAX_BYTES + 200));
        assert!(sizes
            .iter()
            .any(|(k, n, _)| *k == 2 && usize::try_from(*n).unwrap() < FILL_ENTRIES - 1));
        // Short values: every block but each kind's last filled to leave room.
        let kind1: Vec<i64> = sizes.iter().filter(|s| s.0 == 1).map(|s| s.1).collect();
        assert!(kind1[..kind1.len() - 1]
            .iter()
            .all(|n| usize::try_from(*n).unwrap() == FILL_ENTRIES));
        for (kind, v, a) in &want {
            assert_eq!(lookup(&conn, *kind, v).unwrap(), Some(*a));
        }
        assert_eq!(lookup(&conn, 1, "+85229999999").unwrap(), None);
        assert_eq!(lookup(&conn, 1, "+85230000001").unwrap(), None);
        assert_eq!(lookup(&conn, 3, "+85230000000").unwrap(), None);
    }

    #[test]
    fn edits_in_any_order_keep_every_block_valid() {
        use std::collections::BTreeMap;
        let conn = db();
        let mut model: BTreeMap<(i64, String), Attrs> = BTreeMap::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut rnd = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for round in 0..40 {
            let mut ed = Editor::new(&conn);
            // Some rounds in key order (one block reused), some at random.
            let mut keys: Vec<(i64, String, u64)> = (0..300)
                .map(|_| {
                    let k = i64::try_from(rnd(2) + 1).unwrap();
                    (k, format!("v{:05}", rnd(3000)), rnd(3))
                })
                .collect();
            if round % 2 == 0 {
                keys.sort();
            }
            for (k, v, op) in keys {
                let i = i64::try_from(rnd(1000)).unwrap();
                if op == 0 {
                    assert_eq!(ed.remove(k, &v).unwrap(), model.remove(&(k, v.clone())));
                } else if op == 1 {
                    assert_eq!(ed.get(k, &v).unwrap(), model.get(&(k, v.clone())).copied());
                } else {
                    assert_eq!(
                        ed.upsert(k, &v, attrs(i)).unwrap(),
                        model.insert((k, v.clone()), attrs(i))
                    );
                }
            }
            ed.finish().unwrap();
            let want: Vec<_> = model
                .iter()
                .map(|((k, v), a)| (*k, v.clone(), *a))
                .collect();
            assert_eq!(all(&conn), want, "round {round}");
            let firsts_ok: bool = conn
                .query_row(
                    "SELECT count(*) = 0 FROM feed_block WHERE count <= 0 OR count > ?1",
                    [i64::try_from(MAX_ENTRIES).unwrap()],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(firsts_ok, "round {round}");
        }
        // Everything removed: no block is left.
        let mut ed = Editor::new(&conn);
        for (k, v) in model.keys() {
            assert!(ed.remove(*k, v).unwrap().is_some());
        }
        ed.finish().unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM feed_block", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    /// Every entry of a block, read by a [`Cursor`] after the checks an [`Editor`] makes of a
    /// block it opens ([`Spliced::new`], then [`Spliced::finish`]).
    fn decode(data: &[u8], count: i64) -> Result<Vec<(String, Attrs)>, StoreError> {
        let p = parse(data, 0, &[], true)?;
        let first = utf8(&data[p.suffix.0..p.suffix.1])?.to_owned();
        let mut b = Spliced::new(data.to_vec(), count, &first)?;
        b.finish()?;
        let mut out = Vec::new();
        let mut c = Cursor::new(data);
        while let Some(a) = c.next_entry()? {
            out.push((c.value()?.to_owned(), a));
        }
        Ok(out)
    }

    /// The blocks an edited block's entries are written as: one block as the encoder writes
    /// it when they fit one (up to [`MAX_ENTRIES`], the last one starting before
    /// [`MAX_BYTES`]), else the encoder's blocks closed when filled (as [`BlockWriter`]
    /// writes them).
    fn encode_all<'a>(entries: impl IntoIterator<Item = (&'a String, &'a Attrs)>) -> Vec<Written> {
        let entries: Vec<_> = entries.into_iter().collect();
        let mut whole = Encoder::default();
        for (v, a) in &entries {
            whole.push(v, a);
        }
        let mut but_last = Encoder::default();
        for (v, a) in entries.iter().take(entries.len().saturating_sub(1)) {
            but_last.push(v, a);
        }
        if !whole.is_empty() && whole.count <= MAX_ENTRIES && but_last.data.len() < MAX_BYTES {
            return vec![whole.take()];
        }
        let mut blocks = Vec::new();
        let mut enc = Encoder::default();
        for (v, a) in entries {
            if enc.full() {
                blocks.push(enc.take());
            }
            enc.push(v, a);
        }
        if !enc.is_empty() {
            blocks.push(enc.take());
        }
        blocks
    }

    /// Property: a block edited in place (entries added, replaced, removed, looked up; in key
    /// order or not) is byte for byte the encoder's blocks for the edited list, and each edit
    /// returns what the list held. Random blocks of up to 60 entries (one past a block's size
    /// too), values sharing prefixes, some cut inside a multi-byte character, some long enough
    /// to close a block by size.
    #[test]
    fn a_spliced_block_is_the_encoded_edited_list() {
        use std::collections::BTreeMap;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rnd = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let pieces = ["a", "b", "+852", "é", "è", "z", "9", "ab"];
        let value = |rnd: &mut dyn FnMut(u64) -> u64| {
            let mut v = String::new();
            let parts = if rnd(10) == 0 {
                40 + rnd(60)
            } else {
                1 + rnd(6)
            };
            for _ in 0..parts {
                v.push_str(pieces[usize::try_from(rnd(8)).unwrap()]);
            }
            v
        };
        let (mut splits, mut emptied) = (0, 0);
        for round in 0..3000 {
            let mut model: BTreeMap<String, Attrs> = BTreeMap::new();
            let n = 1 + rnd(60);
            while model.len() < usize::try_from(n).unwrap() {
                let i = i64::try_from(rnd(1000)).unwrap();
                model.insert(value(&mut rnd), attrs(i));
            }
            let mut enc = Encoder::default();
            for (v, a) in &model {
                enc.push(v, a);
            }
            let (first, count, data) = enc.take();
            let mut block = Spliced::new(data, count, &first).unwrap();
            let mut edits: Vec<(u64, String)> = (0..1 + rnd(10))
                .map(|_| {
                    let v = if rnd(2) == 0 {
                        model
                            .keys()
                            .nth(usize::try_from(rnd(n)).unwrap())
                            .cloned()
                            .unwrap()
                    } else {
                        value(&mut rnd)
                    };
                    (rnd(4), v)
                })
                .collect();
            if round % 2 == 0 {
                edits.sort_by(|a, b| a.1.cmp(&b.1));
            }
            for (op, v) in edits {
                let i = i64::try_from(rnd(1000)).unwrap();
                match op {
                    0 => assert_eq!(
                        block.remove(v.as_bytes()).unwrap(),
                        model.remove(&v),
                        "round {round}"
                    ),
                    1 => assert_eq!(
                        block.get(v.as_bytes()).unwrap(),
                        model.get(&v).copied(),
                        "round {round}"
                    ),
                    _ => assert_eq!(
                        block.upsert(&v, &attrs(i)).unwrap(),
                        model.insert(v.clone(), attrs(i)),
                        "round {round}"
                    ),
                }
            }
            let end = block.finish().unwrap();
            assert_eq!(
                end.last.as_slice(),
                model.keys().last().map_or(&[][..], |v| v.as_bytes()),
                "round {round}"
            );
            let want = encode_all(&model);
            splits += usize::from(want.len() > 1);
            emptied += usize::from(want.is_empty());
            assert_eq!(block.into_blocks(&end).unwrap(), want, "round {round}");
        }
        // The rounds reached every case.
        assert!(splits > 100 && emptied > 0, "{splits} {emptied}");
    }

    fn rows(conn: &Connection) -> Vec<(i64, String, i64)> {
        conn.prepare("SELECT id, first, count FROM feed_block ORDER BY kind, first")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// A snapshot's blocks keep room: entries added to a block up to [`MAX_ENTRIES`] change its
    /// row in place (same rows, same ids); one more splits it into filled blocks.
    #[test]
    fn additions_fill_a_blocks_room_before_it_splits() {
        let conn = db();
        let mut w = BlockWriter::new(&conn).unwrap();
        // Even numbers written; odd ones added below.
        let v = |i: usize| format!("+852{:08}", 30_000_000 + i);
        let blocks = 5;
        for i in 0..blocks * FILL_ENTRIES {
            w.push(1, &v(2 * i), &attrs(1)).unwrap();
        }
        w.finish().unwrap();
        let before = rows(&conn);
        assert_eq!(before.len(), blocks);
        let room = MAX_ENTRIES - FILL_ENTRIES;
        let mut ed = Editor::new(&conn);
        for b in 0..blocks {
            for j in 0..room {
                let i = b * FILL_ENTRIES + j;
                assert_eq!(ed.upsert(1, &v(2 * i + 1), attrs(2)).unwrap(), None);
            }
        }
        ed.finish().unwrap();
        let after = rows(&conn);
        let full = i64::try_from(MAX_ENTRIES).unwrap();
        assert_eq!(
            after,
            before
                .iter()
                .map(|(id, first, _)| (*id, first.clone(), full))
                .collect::<Vec<_>>()
        );
        // One more in the first block: it splits, filled first.
        let mut ed = Editor::new(&conn);
        ed.upsert(1, &v(2 * room + 1), attrs(2)).unwrap();
        ed.finish().unwrap();
        let split = rows(&conn);
        assert_eq!(split.len(), blocks + 1);
        assert_eq!(
            (split[0].0, split[0].2, split[1].2),
            (
                before[0].0,
                i64::try_from(FILL_ENTRIES).unwrap(),
                full + 1 - i64::try_from(FILL_ENTRIES).unwrap()
            )
        );
        assert_eq!(all(&conn).len(), blocks * MAX_ENTRIES + 1);
    }

    #[test]
    fn a_damaged_block_is_reported_not_misread() {
        let mut enc = Encoder::default();
        enc.push("+85230000001", &attrs(1));
        enc.push("+85230000002", &attrs(2));
        let (_, count, data) = enc.take();
        assert_eq!(decode(&data, count).unwrap().len(), 2);
        assert!(decode(&data, 3).is_err(), "count");
        for cut in 0..data.len() {
            assert!(decode(&data[..cut], count).is_err(), "truncated at {cut}");
        }
        // The second value no greater than the first.
        let mut enc = Encoder::default();
        enc.push("b", &attrs(1));
        let (_, _, mut bad) = enc.take();
        let mut e2 = Encoder::default();
        e2.push("a", &attrs(1));
        let (_, _, second) = e2.take();
        bad.extend_from_slice(&second);
        assert!(
            matches!(decode(&bad, 2), Err(StoreError::Corrupt { what: Data::FeedBlocks, detail }) if detail.contains("order"))
        );
        // Unknown flags.
        let mut flagged = data.clone();
        let flags_at = 2 + "+85230000001".len();
        flagged[flags_at] |= 0x80;
        assert!(decode(&flagged, count).is_err());
    }
}
