//! The list as the [`Store`] shows it: the local entries (`blocklist`) and the feed's (`feed`)
//! together, with the official directory, and every change to them, each of which brings the
//! in-memory index (`index`) up to date or makes it forget.
//!
//! This is the top of the list's modules: it uses `blocklist`, `feed`, `official` and `index`,
//! and none of them uses it. A value is in one place at most: an import takes over a feed value,
//! and a feed version takes over an imported one.

use crate::blocklist::{self, BlocklistSummary, ImportReport, Origin, StoredEntry};
use crate::feed::{self, FeedApplied, FeedRow, FeedUpdate};
use crate::{index, official, Store, StoreError};
use verity_check::official::OfficialDirectory;
use verity_core::blocklist::{BlocklistEntry, EntryKind};
use verity_core::list_sum::{ListDigest, ListSum};
use verity_core::Timestamp;

impl Store {
    /// Every entry, ordered by kind and value.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for a row that no longer parses.
    pub fn blocklist_entries(&self) -> Result<Vec<StoredEntry>, StoreError> {
        let mut out = blocklist::local_entries(&self.conn)?;
        out.extend(feed::feed_entries(&self.conn)?);
        out.sort_by(|a, b| {
            (a.entry.kind.as_str(), a.entry.value.as_bytes())
                .cmp(&(b.entry.kind.as_str(), b.entry.value.as_bytes()))
        });
        Ok(out)
    }

    /// Counts of the list's entries, local and feed.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn blocklist_summary(&self) -> Result<BlocklistSummary, StoreError> {
        let (feed, feed_phones) = feed::feed_counts(&self.conn)?;
        let local = blocklist::local_summary(&self.conn)?;
        Ok(BlocklistSummary {
            entries: local.entries + feed,
            phones: local.phones + feed_phones,
            links: local.links + feed - feed_phones,
            sample: local.sample,
        })
    }

    /// The entry (kind, normalised value), by a plain indexed query (no filter).
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for a row that no longer parses.
    pub fn blocklist_entry(
        &self,
        kind: EntryKind,
        value: &str,
    ) -> Result<Option<StoredEntry>, StoreError> {
        index::point_query(&self.conn, kind, value, None)
    }

    /// Adds or updates `entries` in one transaction: all of them or none.
    ///
    /// # Errors
    /// SQLite errors; nothing is written then.
    pub fn import_entries(
        &mut self,
        entries: &[(BlocklistEntry, bool)],
        origin: Origin,
    ) -> Result<ImportReport, StoreError> {
        let report = self.write(|tx| {
            if origin == Origin::Feed {
                feed::import_feed(tx, entries)
            } else {
                import_local(tx, entries, origin)
            }
        })?;
        self.cache.invalidate();
        Ok(report)
    }

    /// Replaces every entry of `origin` with `entries` (and drops the sample list), in one
    /// transaction. Feed entries written so (not by [`Store::apply_feed_update`]) leave the
    /// list's digest unknown: the next sync applies the snapshot.
    ///
    /// # Errors
    /// SQLite errors; nothing is written then.
    pub fn replace_entries(
        &mut self,
        entries: &[(BlocklistEntry, bool)],
        origin: Origin,
    ) -> Result<ImportReport, StoreError> {
        let report = self.write(|tx| {
            blocklist::remove_origin(tx, origin)?;
            if origin == Origin::Feed {
                feed::clear_entries(tx)?;
                feed::import_feed(tx, entries)
            } else {
                import_local(tx, entries, origin)
            }
        })?;
        self.cache.invalidate();
        Ok(report)
    }

    /// Removes one entry. Returns whether it existed.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn remove_entry(&mut self, kind: EntryKind, value: &str) -> Result<bool, StoreError> {
        let removed = self.write(|tx| {
            let local = blocklist::remove_local(tx, kind, value)?;
            let feed = feed::take_feed_entry(tx, kind, value)?;
            Ok(local || feed.is_some())
        })?;
        self.cache.invalidate();
        Ok(removed)
    }

    /// Stores the official-channel directory (from the feed, or an administrator's import).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_official_directory(
        &mut self,
        directory: &OfficialDirectory,
        origin: Origin,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| official::write(tx, directory, origin, now))?;
        self.cache.invalidate();
        Ok(())
    }

    /// Applies one feed version in one write transaction: the feed entries (a snapshot replaces
    /// them all, a delta changes only its rows), the official directory and the new state.
    /// The list's digest is kept up to date with the changes (`digest` hashes one entry, see
    /// [`ListSum`]); then, still inside the transaction, `verify` gets the resulting sum and
    /// entry count. If it returns an error, everything is rolled back and
    /// [`StoreError::Rejected`] carries its message.
    ///
    /// Feed values are authoritative: an upsert sets every field, including the date added, and
    /// takes over an imported entry with the same value.
    ///
    /// # Errors
    /// [`StoreError::Rejected`] when `verify` refuses the result, a snapshot is not in canonical
    /// order, or a delta finds the list changed since the last apply (its digest unknown);
    /// SQLite errors. Nothing is written then.
    pub fn apply_feed_update<R: FeedRow + Sync>(
        &mut self,
        update: &FeedUpdate<'_, R>,
        digest: &dyn ListDigest,
        verify: impl FnOnce(&ListSum, u64) -> Result<(), String>,
    ) -> Result<FeedApplied, StoreError> {
        let (applied, change) = feed::apply(self, update, digest, verify)?;
        if update.index {
            let official = official::read(&self.conn)?;
            let strings = feed::load_strings(&self.conn)?;
            self.cache.applied(change, official, strings)?;
        } else {
            self.cache.invalidate();
        }
        Ok(applied)
    }
}

/// Imports local entries; a feed entry with the same value is taken over, keeping its date added.
fn import_local(
    tx: &rusqlite::Transaction<'_>,
    entries: &[(BlocklistEntry, bool)],
    origin: Origin,
) -> Result<ImportReport, StoreError> {
    blocklist::upsert(tx, entries, origin, |kind, value| {
        Ok(feed::take_feed_entry(tx, kind, value)?.map(|s| s.entry.added))
    })
}
