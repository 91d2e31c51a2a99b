//! The feed list's storage: key-ordered blocks of entries (migration 9, table `feed_block`).
//!
//! A row per entry cost SQLite about 0.75 µs of CPU to write, so a 10M-entry snapshot spent
//! 7–8 s in row inserts alone. A block holds up to [`MAX_ENTRIES`] consecutive entries of one
//! kind (at most about [`MAX_BYTES`] bytes, so a block never spills into overflow pages),
//! prefix-compressed against the entry before. A snapshot writes one row per block; a lookup
//! reads one block (the one whose first value is the greatest not above the value sought) and
//! scans at most [`MAX_ENTRIES`] entries; a delta rewrites the blocks it touches.
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

/// The size at which a block is closed (the last entry may take it past this by one entry of
/// at most a few hundred bytes). Well under the 4 KiB page, so a block's row stays on its page.
pub(crate) const MAX_BYTES: usize = 1024;

/// A block [`Editor`] may grow to in memory before it writes it out (split into full blocks).
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
        let shared = self.prev.iter().zip(v).take_while(|(x, y)| x == y).count();
        put_varint(&mut self.data, shared as u64);
        put_varint(&mut self.data, (v.len() - shared) as u64);
        self.data.extend_from_slice(&v[shared..]);
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
        self.data.push(flags);
        for id in [a.campaign, a.source].into_iter().flatten() {
            put_varint(&mut self.data, u64::try_from(id).unwrap_or(0));
        }
        // Zigzag: dates before 1970 are unlikely but valid.
        put_varint(
            &mut self.data,
            ((a.added << 1) ^ (a.added >> 63)).cast_unsigned(),
        );
        self.prev.clear();
        self.prev.extend_from_slice(v);
        self.count += 1;
    }

    /// Whether the block is full.
    pub(crate) fn full(&self) -> bool {
        self.count >= MAX_ENTRIES || self.data.len() >= MAX_BYTES
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

    fn byte(&mut self) -> Result<u8, StoreError> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or_else(|| corrupt("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, StoreError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt("varint too long"))
    }

    fn id(&mut self) -> Result<i64, StoreError> {
        i64::try_from(self.varint()?)
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| corrupt("bad string id"))
    }

    /// The next entry's fields (its value is then [`Cursor::value`]), or `None` at the end.
    pub(crate) fn next_entry(&mut self) -> Result<Option<Attrs>, StoreError> {
        if self.pos == self.data.len() {
            return Ok(None);
        }
        let first = self.pos == 0;
        let shared = usize::try_from(self.varint()?).map_err(|_| corrupt("prefix"))?;
        let len = usize::try_from(self.varint()?).map_err(|_| corrupt("length"))?;
        if shared > self.value.len() || (first && shared != 0) {
            return Err(corrupt("prefix longer than the previous value"));
        }
        let end = self
            .pos
            .checked_add(len)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| corrupt("truncated value"))?;
        let suffix = &self.data[self.pos..end];
        // Values strictly increase: the new one differs from the previous after `shared` bytes
        // and is greater there (or is longer, when the previous ends at `shared`).
        if !first {
            let ok = match (self.value.get(shared), suffix.first()) {
                (Some(old), Some(new)) => new > old,
                (None, Some(_)) => true,
                _ => false,
            };
            if !ok {
                return Err(corrupt("values out of order"));
            }
        }
        self.value.truncate(shared);
        self.value.extend_from_slice(suffix);
        self.pos = end;
        let flags = self.byte()?;
        if flags & !(CATEGORY_MASK | ALERT | HAS_CAMPAIGN | HAS_SOURCE) != 0
            || flags & CATEGORY_MASK > 4
        {
            return Err(corrupt("bad flags"));
        }
        let campaign = if flags & HAS_CAMPAIGN != 0 {
            Some(self.id()?)
        } else {
            None
        };
        let source = if flags & HAS_SOURCE != 0 {
            Some(self.id()?)
        } else {
            None
        };
        let z = self.varint()?;
        let added = (z >> 1).cast_signed() ^ -((z & 1).cast_signed());
        Ok(Some(Attrs {
            category: flags & CATEGORY_MASK,
            campaign,
            source,
            added,
            alert: flags & ALERT != 0,
        }))
    }

    /// The current entry's value.
    pub(crate) fn value(&self) -> Result<&str, StoreError> {
        std::str::from_utf8(&self.value).map_err(|_| corrupt("value is not UTF-8"))
    }

    /// The current value's bytes (no UTF-8 check).
    pub(crate) fn value_bytes(&self) -> &[u8] {
        &self.value
    }
}

/// A block's entries in memory, for an [`Editor`]: the values back to back in one buffer, so
/// reading a block allocates nothing per entry (a delta reads and rewrites most blocks).
#[derive(Debug, Default)]
pub(crate) struct Rows {
    bytes: Vec<u8>,
    /// Each entry's value (start and length in `bytes`) and fields, in value order.
    items: Vec<(usize, usize, Attrs)>,
}

impl Rows {
    /// Every entry of a block.
    pub(crate) fn decode(data: &[u8], count: i64) -> Result<Rows, StoreError> {
        let n = usize::try_from(count).unwrap_or(0).min(MAX_OPEN);
        let mut rows = Rows {
            bytes: Vec::with_capacity(data.len() * 2),
            items: Vec::with_capacity(n),
        };
        let mut c = Cursor::new(data);
        while let Some(attrs) = c.next_entry()? {
            let v = c.value()?.as_bytes();
            rows.items.push((rows.bytes.len(), v.len(), attrs));
            rows.bytes.extend_from_slice(v);
        }
        if i64::try_from(rows.len()).ok() != Some(count) || rows.items.is_empty() {
            return Err(corrupt("count does not match"));
        }
        Ok(rows)
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    fn value_bytes(&self, i: usize) -> &[u8] {
        self.items
            .get(i)
            .and_then(|(start, len, _)| self.bytes.get(*start..start + len))
            .unwrap_or_default()
    }

    /// Entry `i`'s value (checked UTF-8 when the block was read, or given as a `&str`).
    fn value(&self, i: usize) -> Result<&str, StoreError> {
        std::str::from_utf8(self.value_bytes(i)).map_err(|_| corrupt("value is not UTF-8"))
    }

    fn position(&self, value: &str) -> Result<usize, usize> {
        self.items.binary_search_by(|(start, len, _)| {
            self.bytes
                .get(*start..start + len)
                .unwrap_or_default()
                .cmp(value.as_bytes())
        })
    }

    fn insert(&mut self, at: usize, value: &str, attrs: Attrs) {
        self.items
            .insert(at, (self.bytes.len(), value.len(), attrs));
        self.bytes.extend_from_slice(value.as_bytes());
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
    rows: Rows,
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

    fn position(&self, value: &str) -> Result<usize, usize> {
        self.rows.position(value)
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
            let next = self.open.as_mut().and_then(|o| o.next.take());
            self.flush()?;
            if let Some(n) = next {
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
                    rows: Rows::default(),
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
        let rows = Rows::decode(&b.data, b.count)?;
        if rows.value_bytes(0) != b.first.as_bytes() {
            return Err(corrupt("first value does not match"));
        }
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
        if let Some(n) = &next {
            if rows.value_bytes(rows.len() - 1) >= n.first.as_bytes() {
                return Err(corrupt("blocks overlap"));
            }
        }
        self.open = Some(Open {
            id: Some(b.id),
            kind,
            db_first: b.first,
            lowest,
            next,
            next_upper,
            rows,
            dirty: false,
        });
        Ok(())
    }

    /// The entry (kind code, value).
    pub(crate) fn get(&mut self, kind: i64, value: &str) -> Result<Option<Attrs>, StoreError> {
        let o = self.open(kind, value)?;
        Ok(o.position(value)
            .ok()
            .and_then(|i| o.rows.items.get(i))
            .map(|it| it.2))
    }

    /// Removes the entry (kind code, value); returns its fields if it was there.
    pub(crate) fn remove(&mut self, kind: i64, value: &str) -> Result<Option<Attrs>, StoreError> {
        let o = self.open(kind, value)?;
        Ok(o.position(value).ok().map(|i| {
            o.dirty = true;
            // The value's bytes stay in the buffer until the block is written out.
            o.rows.items.remove(i).2
        }))
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
        let old = match o.position(value) {
            Ok(i) => o
                .rows
                .items
                .get_mut(i)
                .map(|it| std::mem::replace(&mut it.2, attrs)),
            Err(i) => {
                o.rows.insert(i, value, attrs);
                None
            }
        };
        if o.rows.len() > MAX_OPEN {
            self.flush()?;
        }
        Ok(old)
    }

    /// Writes the open block if it changed: deleted when empty, split into full blocks when it
    /// grew past one.
    fn flush(&mut self) -> Result<(), StoreError> {
        let Some(o) = self.open.take() else {
            return Ok(());
        };
        if !o.dirty {
            return Ok(());
        }
        let mut blocks = Vec::new();
        let mut enc = Encoder::default();
        for (i, (_, _, attrs)) in o.rows.items.iter().enumerate() {
            if enc.full() {
                blocks.push(enc.take());
            }
            enc.push(o.rows.value(i)?, attrs);
        }
        if !enc.is_empty() {
            blocks.push(enc.take());
        }
        let mut blocks = blocks.into_iter();
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
        Ok(())
    }

    /// Writes the last changed block.
    pub(crate) fn finish(mut self) -> Result<(), StoreError> {
        self.flush()
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
            .any(|(k, n, _)| *k == 2 && usize::try_from(*n).unwrap() < MAX_ENTRIES - 1));
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

    #[test]
    fn a_damaged_block_is_reported_not_misread() {
        let mut enc = Encoder::default();
        enc.push("+85230000001", &attrs(1));
        enc.push("+85230000002", &attrs(2));
        let (_, count, data) = enc.take();
        assert_eq!(Rows::decode(&data, count).unwrap().len(), 2);
        assert!(Rows::decode(&data, 3).is_err(), "count");
        for cut in 0..data.len() {
            assert!(
                Rows::decode(&data[..cut], count).is_err(),
                "truncated at {cut}"
            );
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
            matches!(Rows::decode(&bad, 2), Err(StoreError::Corrupt { what: Data::FeedBlocks, detail }) if detail.contains("order"))
        );
        // Unknown flags.
        let mut flagged = data.clone();
        let flags_at = 2 + "+85230000001".len();
        flagged[flags_at] |= 0x80;
        assert!(Rows::decode(&flagged, count).is_err());
    }
}
