//! The feed list's tables and triggers: `feed_entry` and `feed_list` (migration 7), then the
//! blocks (migration 9, see `feed_block.rs`), and the triggers that forget the list's digest on
//! any change outside a feed apply.

use super::entries::{category_code, category_of};
use super::i64_of;
use super::list_state::list_state;
use crate::feed_block::{Attrs, BlockWriter};
use crate::migrate::Migration;
use crate::StoreError;
use rusqlite::{params, Transaction};

/// The feed's entries in their own table (migration 7), apart from the sample and imported
/// entries in `blocklist_entry`: one B-tree keyed by (kind code, value), campaigns and sources
/// interned in `feed_string`, written in key order. A snapshot empties it and bulk-loads the
/// new list; a delta changes only its rows.
///
/// `feed_list` keeps the list's multiset digest (`sum`, see
/// [`ListSum`](verity_core::list_sum::ListSum)) and entry count, so a delta's check costs
/// O(changes), and two generation counters the in-memory index uses to tell what changed.
/// `feed_added` logs the keys each delta added (by the generation it produced), so that another
/// process's index (the app's, after `verityctl sync` or its own sync connection) catches up by
/// adding them to its overlay instead of rereading the list. Triggers on `feed_entry` and
/// `feed_string` forget the digest (`sum = NULL`) on any change that is not a feed apply
/// (`verityctl blocklist remove`, an import taking an entry over, SQL by hand): the next delta
/// is refused and the snapshot rebuilds the list. A feed apply drops those triggers inside its
/// transaction and creates them again before it commits.
pub(crate) const MIGRATION_FEED_LIST: Migration = Migration {
    version: 7,
    name: "feed_entry",
    sql: "CREATE TABLE feed_string (
              id   INTEGER PRIMARY KEY,
              text TEXT NOT NULL UNIQUE
          ) STRICT;
          CREATE TABLE feed_entry (
              kind     INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
              value    TEXT NOT NULL,
              category INTEGER NOT NULL CHECK (category BETWEEN 0 AND 4),
              campaign INTEGER,
              source   INTEGER,
              added    INTEGER NOT NULL,
              alert    INTEGER NOT NULL CHECK (alert IN (0, 1)),
              PRIMARY KEY (kind, value)
          ) STRICT, WITHOUT ROWID;
          CREATE TABLE feed_list (
              id               INTEGER PRIMARY KEY CHECK (id = 1),
              sum              BLOB CHECK (sum IS NULL OR length(sum) = 32),
              count            INTEGER NOT NULL DEFAULT 0,
              generation       INTEGER NOT NULL DEFAULT 0,
              local_generation INTEGER NOT NULL DEFAULT 0
          ) STRICT;
          INSERT INTO feed_list (id) VALUES (1);
          CREATE TABLE feed_added (
              generation INTEGER PRIMARY KEY,
              keys       BLOB NOT NULL
          ) STRICT;
          CREATE TRIGGER blocklist_entry_inserted AFTER INSERT ON blocklist_entry BEGIN
              UPDATE feed_list SET local_generation = local_generation + 1 WHERE id = 1;
          END;
          CREATE TRIGGER blocklist_entry_updated AFTER UPDATE ON blocklist_entry BEGIN
              UPDATE feed_list SET local_generation = local_generation + 1 WHERE id = 1;
          END;
          CREATE TRIGGER blocklist_entry_deleted AFTER DELETE ON blocklist_entry BEGIN
              UPDATE feed_list SET local_generation = local_generation + 1 WHERE id = 1;
          END;
          CREATE TRIGGER feed_entry_inserted AFTER INSERT ON feed_entry BEGIN
              UPDATE feed_list SET sum = NULL, count = count + 1, generation = generation + 1
              WHERE id = 1;
          END;
          CREATE TRIGGER feed_entry_updated AFTER UPDATE ON feed_entry BEGIN
              UPDATE feed_list SET sum = NULL, generation = generation + 1 WHERE id = 1;
          END;
          CREATE TRIGGER feed_entry_deleted AFTER DELETE ON feed_entry BEGIN
              UPDATE feed_list SET sum = NULL, count = count - 1, generation = generation + 1
              WHERE id = 1;
          END;
          CREATE TRIGGER feed_string_updated AFTER UPDATE ON feed_string BEGIN
              UPDATE feed_list SET sum = NULL, generation = generation + 1 WHERE id = 1;
          END;
          CREATE TRIGGER feed_string_deleted AFTER DELETE ON feed_string BEGIN
              UPDATE feed_list SET sum = NULL, generation = generation + 1 WHERE id = 1;
          END;
          CREATE VIEW blocklist_all (kind, value, category, campaign, source, added, origin,
                                     alert) AS
              SELECT kind, value, category, campaign, source, added, origin, alert
              FROM blocklist_entry
              UNION ALL
              SELECT CASE f.kind WHEN 1 THEN 'phone' WHEN 2 THEN 'domain' ELSE 'url' END,
                     f.value,
                     CASE f.category WHEN 0 THEN 'fake_support' WHEN 1 THEN 'fake_upgrade'
                                     WHEN 2 THEN 'freeze_threat' WHEN 3 THEN 'phishing'
                                     ELSE 'other' END,
                     c.text, s.text, f.added, 'feed', f.alert
              FROM feed_entry f
              LEFT JOIN feed_string c ON c.id = f.campaign
              LEFT JOIN feed_string s ON s.id = f.source;
          INSERT INTO feed_string (text)
              SELECT campaign FROM blocklist_entry
              WHERE origin = 'feed' AND campaign IS NOT NULL
              UNION SELECT source FROM blocklist_entry
              WHERE origin = 'feed' AND source IS NOT NULL;
          INSERT INTO feed_entry (kind, value, category, campaign, source, added, alert)
              SELECT CASE b.kind WHEN 'phone' THEN 1 WHEN 'domain' THEN 2 ELSE 3 END, b.value,
                     CASE b.category WHEN 'fake_support' THEN 0 WHEN 'fake_upgrade' THEN 1
                                     WHEN 'freeze_threat' THEN 2 WHEN 'phishing' THEN 3
                                     ELSE 4 END,
                     c.id, s.id, b.added, b.alert
              FROM blocklist_entry b
              LEFT JOIN feed_string c ON c.text = b.campaign
              LEFT JOIN feed_string s ON s.text = b.source
              WHERE b.origin = 'feed';
          DELETE FROM blocklist_entry WHERE origin = 'feed';
          UPDATE feed_list SET sum = NULL;
          UPDATE feed_state SET checksum = NULL;",
    seed: None,
};

/// The feed list in blocks (migration 9, see [`crate::feed_block`]): `feed_entry`'s rows
/// become blocks of up to 32 key-ordered entries, written as a snapshot would write them. The
/// list is the same, so its digest, count and checksum are kept. `blocklist_all` goes: listings
/// read the blocks in Rust.
pub(crate) const MIGRATION_FEED_BLOCK: Migration = Migration {
    version: 9,
    name: "feed_block",
    sql: "DROP VIEW blocklist_all;
          CREATE TABLE feed_block (
              id    INTEGER PRIMARY KEY,
              kind  INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
              first TEXT NOT NULL,
              count INTEGER NOT NULL CHECK (count > 0),
              data  BLOB NOT NULL,
              UNIQUE (kind, first)
          ) STRICT;",
    seed: Some(rows_to_blocks),
};

/// Migration 9's data step: every `feed_entry` row into blocks, then the table dropped (its
/// triggers with it) and the block triggers created. The digest and count stay.
fn rows_to_blocks(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let before = list_state(tx)?;
    {
        let mut w = BlockWriter::new(tx)?;
        let mut stmt = tx.prepare(
            "SELECT kind, value, category, campaign, source, added, alert FROM feed_entry
             ORDER BY kind, value",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind: i64 = r.get(0)?;
            let value: String = r.get(1)?;
            let t = row_tail(r, 2)?;
            w.push(kind, &value, &attrs_of_tail(t)?)?;
        }
        w.finish()?;
    }
    tx.execute_batch("DROP TABLE feed_entry;")?;
    tx.execute_batch(BLOCK_TRIGGERS)?;
    tx.execute(
        "UPDATE feed_list SET sum = ?1, count = ?2, generation = generation + 1 WHERE id = 1",
        params![
            before.sum.map(|s| s.to_bytes().to_vec()),
            i64_of(before.count)
        ],
    )?;
    Ok(())
}

/// The triggers that forget the list digest on a change to the blocks outside a feed apply
/// (and keep the entry count); a feed apply drops them for its own writes.
pub(super) const BLOCK_TRIGGERS: &str = "
    CREATE TRIGGER feed_block_inserted AFTER INSERT ON feed_block BEGIN
        UPDATE feed_list SET sum = NULL, count = count + new.count,
                             generation = generation + 1
        WHERE id = 1;
    END;
    CREATE TRIGGER feed_block_updated AFTER UPDATE ON feed_block BEGIN
        UPDATE feed_list SET sum = NULL, count = count - old.count + new.count,
                             generation = generation + 1
        WHERE id = 1;
    END;
    CREATE TRIGGER feed_block_deleted AFTER DELETE ON feed_block BEGIN
        UPDATE feed_list SET sum = NULL, count = count - old.count,
                             generation = generation + 1
        WHERE id = 1;
    END;";

/// The same for the interned strings (from migration 7).
pub(super) const STRING_TRIGGERS: &str = "
    CREATE TRIGGER feed_string_updated AFTER UPDATE ON feed_string BEGIN
        UPDATE feed_list SET sum = NULL, generation = generation + 1 WHERE id = 1;
    END;
    CREATE TRIGGER feed_string_deleted AFTER DELETE ON feed_string BEGIN
        UPDATE feed_list SET sum = NULL, generation = generation + 1 WHERE id = 1;
    END;";

pub(super) const DROP_FEED_TRIGGERS: &str = "
    DROP TRIGGER feed_block_inserted;
    DROP TRIGGER feed_block_updated;
    DROP TRIGGER feed_block_deleted;
    DROP TRIGGER feed_string_updated;
    DROP TRIGGER feed_string_deleted;";

/// A `feed_entry` row's columns after the key: category, campaign, source, added, alert.
type RowTail = (i64, Option<i64>, Option<i64>, i64, i64);

fn row_tail(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RowTail> {
    Ok((
        r.get(at)?,
        r.get(at + 1)?,
        r.get(at + 2)?,
        r.get(at + 3)?,
        r.get(at + 4)?,
    ))
}

/// A `feed_entry` row's columns after the key, as block fields (migration 9).
fn attrs_of_tail(t: RowTail) -> Result<Attrs, StoreError> {
    Ok(Attrs {
        category: u8::try_from(category_code(category_of(t.0)?)).unwrap_or(4),
        campaign: t.1,
        source: t.2,
        added: t.3,
        alert: t.4 == 1,
    })
}
