//! The signed feed's local state: which version is applied, when the last sync succeeded or
//! failed and why, the feed's entries and the one write transaction that applies a new version.
//!
//! A version is applied with [`Store::apply_feed_update`](crate::Store::apply_feed_update)
//! (in `list.rs`, which also brings the index up to date): the feed entries (their own table,
//! `feed_block`, see `feed_block.rs`), the official directory and the new state in one
//! `BEGIN IMMEDIATE` transaction (`apply`). The list's multiset digest
//! ([`ListSum`](verity_core::list_sum::ListSum)) is updated from the rows the version changes
//! and checked by the caller (the feed's checksum) inside the transaction: a delta's check costs
//! O(changes), not a scan of the list. A failed check rolls everything back, so the list on
//! disk is always exactly one published version, even if the process is killed half-way.
//!
//! - `state`: `feed_state`, the applied version and the last sync's outcome.
//! - `schema`: the feed list's tables and triggers (migrations 7 and 9).
//! - `list_state`: `feed_list` (the digest, the count, the generations the index follows)
//!   and `feed_added` (the keys each delta added).
//! - `strings`: campaigns and sources interned in `feed_string`.
//! - `entries`: the stored codes, listings and single entries, and writes outside a feed
//!   apply (an import taking a value over, a remove).
//! - `apply`: the apply transaction, snapshot and delta.
//!
//! The feed sits on the local entries (`blocklist`: their types, and a feed version takes over
//! local values and drops the sample), on `official` and on `feed_block`; it knows nothing of
//! the in-memory index (`index`), which reads it, nor of `list`, which combines them.

mod apply;
mod entries;
mod list_state;
mod schema;
mod state;
mod strings;
#[cfg(test)]
mod tests;

pub use apply::{FeedApplied, FeedMode, FeedRow, FeedUpdate};
pub use state::{FeedState, FeedSuccess};

pub(crate) use apply::{apply, IndexChange};
pub(crate) use entries::{
    clear_entries, feed_counts, feed_entries, feed_entry_cached, import_feed, kind_of,
    take_feed_entry,
};
pub(crate) use list_state::{added_since, generations};
pub(crate) use schema::{MIGRATION_FEED_BLOCK, MIGRATION_FEED_LIST};
pub(crate) use state::MIGRATION_3;
pub(crate) use strings::{load_strings, StringCache};

use verity_core::Timestamp;

fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp)
}

fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
