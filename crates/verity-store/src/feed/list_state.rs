//! `feed_list`: the feed list's multiset digest and entry count (the list checksum's state),
//! and the generation counters the in-memory index follows; `feed_added`: the keys each delta
//! added, so that another connection's index catches up without rereading the list.

use super::{i64_of, u64_of};
use crate::{Store, StoreError};
use rusqlite::{params, Connection, Transaction};
use verity_core::list_sum::ListSum;

/// The digest state of the feed list.
pub(super) struct ListState {
    pub sum: Option<ListSum>,
    pub count: u64,
    pub generation: i64,
    pub local_generation: i64,
}

pub(super) fn list_state(conn: &Connection) -> Result<ListState, StoreError> {
    Ok(conn.query_row(
        "SELECT sum, count, generation, local_generation FROM feed_list WHERE id = 1",
        [],
        |r| {
            let sum: Option<Vec<u8>> = r.get(0)?;
            Ok(ListState {
                sum: sum
                    .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                    .map(|b| ListSum::from_bytes(&b)),
                count: u64_of(r.get(1)?),
                generation: r.get(2)?,
                local_generation: r.get(3)?,
            })
        },
    )?)
}

/// The generations of the feed and local entries (`feed_list`), for the index cache.
pub(crate) fn generations(conn: &Connection) -> Result<(i64, i64), StoreError> {
    let s = list_state(conn)?;
    Ok((s.generation, s.local_generation))
}

/// The most added keys `feed_added` keeps; an index further behind rebuilds from the list.
const MAX_LOGGED_KEYS: usize = 1_000_000;

/// Logs the keys a delta added under the generation it produced (`None`: a snapshot, which
/// clears the log), dropping the oldest entries beyond [`MAX_LOGGED_KEYS`].
pub(super) fn log_added(
    tx: &Transaction<'_>,
    generation: i64,
    keys: Option<&[u64]>,
) -> Result<(), StoreError> {
    let Some(keys) = keys.filter(|k| k.len() <= MAX_LOGGED_KEYS) else {
        tx.execute("DELETE FROM feed_added", [])?;
        return Ok(());
    };
    let mut blob = Vec::with_capacity(keys.len() * 8);
    for k in keys {
        blob.extend_from_slice(&k.to_le_bytes());
    }
    tx.execute(
        "INSERT INTO feed_added (generation, keys) VALUES (?1, ?2)",
        params![generation, blob],
    )?;
    // Keep the newest entries whose keys fit under the cap.
    tx.execute(
        "DELETE FROM feed_added WHERE generation < (
             SELECT coalesce(min(generation), 0) FROM (
                 SELECT generation, sum(length(keys)) OVER (ORDER BY generation DESC) AS total
                 FROM feed_added) WHERE total <= ?1)",
        [i64_of(
            u64::try_from(MAX_LOGGED_KEYS * 8).unwrap_or(u64::MAX),
        )],
    )?;
    Ok(())
}

/// The keys the deltas after generation `from` up to `to` added, if `feed_added` has them all.
pub(crate) fn added_since(
    conn: &Connection,
    from: i64,
    to: i64,
) -> Result<Option<Vec<u64>>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT generation, keys FROM feed_added
         WHERE generation > ?1 AND generation <= ?2 ORDER BY generation",
    )?;
    let mut rows = stmt.query([from, to])?;
    let mut expect = from + 1;
    let mut keys = Vec::new();
    while let Some(r) = rows.next()? {
        if r.get::<_, i64>(0)? != expect {
            return Ok(None);
        }
        let blob = r.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
        keys.extend(blob.chunks_exact(8).map(|c| {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            u64::from_le_bytes(w)
        }));
        expect += 1;
    }
    Ok((expect == to + 1).then_some(keys))
}

impl Store {
    /// The feed list's digest and entry count as kept by the last feed apply, or `None` when
    /// something else has changed the feed entries since (then only a snapshot is applied).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn feed_list_sum(&self) -> Result<Option<(ListSum, u64)>, StoreError> {
        let s = list_state(&self.conn)?;
        Ok(s.sum.map(|sum| (sum, s.count)))
    }
}
