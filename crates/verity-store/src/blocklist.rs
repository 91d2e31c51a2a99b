//! The local blocklist: the sample and imported entries (`blocklist_entry`), their keys, and the
//! types every part of the list shares ([`Origin`], [`StoredEntry`], [`ImportReport`],
//! [`BlocklistSummary`]).
//!
//! Entries are stored normalised (see `verity_core::blocklist`), each with its 64-bit
//! [`entry_key`] in the `key` column, from which the index (`index.rs`) builds its filter
//! without reading the values. A row written without its key (`key IS NULL`: SQL that predates
//! the column, or a writer that does not set it) is still found: the build hashes its kind and
//! value instead, only slower. A trigger clears the key of a row whose kind or value changes
//! without it.
//!
//! This module knows nothing of the feed's entries, of the index or of the official directory
//! (whose table migration 2 also creates; `official.rs` reads and writes it): the feed builds on
//! the local entries, and `list.rs` combines both.

use crate::error::Stored;
use crate::migrate::Migration;
use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use verity_core::blocklist::{entry_key, BlocklistEntry, Category, EntryKind};
use verity_core::Timestamp;

pub(crate) const MIGRATION_2: Migration = Migration {
    version: 2,
    name: "blocklist",
    sql: "CREATE TABLE blocklist_entry (
              id       INTEGER PRIMARY KEY,
              kind     TEXT NOT NULL CHECK (kind IN ('phone', 'domain', 'url')),
              value    TEXT NOT NULL,
              category TEXT NOT NULL CHECK (category IN
                         ('fake_support', 'fake_upgrade', 'freeze_threat', 'phishing', 'other')),
              campaign TEXT,
              source   TEXT,
              added    INTEGER NOT NULL,
              origin   TEXT NOT NULL CHECK (origin IN ('sample', 'import', 'feed')),
              alert    INTEGER NOT NULL DEFAULT 0 CHECK (alert IN (0, 1)),
              UNIQUE (kind, value)
          ) STRICT;
          CREATE TABLE official_directory (
              id      INTEGER PRIMARY KEY CHECK (id = 1),
              json    TEXT NOT NULL,
              origin  TEXT NOT NULL CHECK (origin IN ('import', 'feed')),
              updated INTEGER NOT NULL
          ) STRICT;",
    seed: Some(seed_sample),
};

/// The entry key column (see the module documentation), filled for existing rows.
pub(crate) const MIGRATION_BLOCKLIST_KEY: Migration = Migration {
    version: 4,
    name: "blocklist entry key",
    sql: "ALTER TABLE blocklist_entry ADD COLUMN key INTEGER;
          CREATE INDEX blocklist_entry_key ON blocklist_entry (key);
          CREATE TRIGGER blocklist_entry_key_stale AFTER UPDATE OF kind, value ON blocklist_entry
              WHEN NEW.key IS OLD.key
                   AND (NEW.kind IS NOT OLD.kind OR NEW.value IS NOT OLD.value)
          BEGIN
              UPDATE blocklist_entry SET key = NULL WHERE id = NEW.id;
          END;",
    seed: Some(fill_keys),
};

/// [`entry_key`] as SQLite stores it (the same 64 bits, as a signed integer).
pub(crate) fn key_sql(kind: EntryKind, value: &str) -> i64 {
    i64::from_ne_bytes(entry_key(kind, value).to_ne_bytes())
}

pub(crate) fn key_of_sql(k: i64) -> u64 {
    u64::from_ne_bytes(k.to_ne_bytes())
}

pub(crate) fn parse_kind(kind: &str) -> Result<EntryKind, StoreError> {
    kind.parse()
        .map_err(|_| StoreError::corrupt(Stored::Blocklist, format!("unknown kind {kind:?}")))
}

/// Writes the key of every row that has none.
pub(crate) fn fill_keys(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let missing: Vec<(i64, String, String)> = tx
        .prepare("SELECT id, kind, value FROM blocklist_entry WHERE key IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut set = tx.prepare("UPDATE blocklist_entry SET key = ?1 WHERE id = ?2")?;
    for (id, kind, value) in missing {
        set.execute(params![key_sql(parse_kind(&kind)?, &value), id])?;
    }
    Ok(())
}

/// Where an entry came from. A feed sync replaces only `feed` entries (and drops the sample).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The bundled starter list, labelled as sample data.
    Sample,
    /// Imported by an administrator from a CSV file.
    Import,
    /// The organisation's signed feed.
    Feed,
}

impl Origin {
    /// The stored code.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Sample => "sample",
            Origin::Import => "import",
            Origin::Feed => "feed",
        }
    }

    fn parse(s: &str) -> Option<Origin> {
        match s {
            "sample" => Some(Origin::Sample),
            "import" => Some(Origin::Import),
            "feed" => Some(Origin::Feed),
            _ => None,
        }
    }
}

/// An entry as stored, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// The entry.
    pub entry: BlocklistEntry,
    /// Where it came from.
    pub origin: Origin,
    /// Whether it raises a desktop alert when new.
    pub alert: bool,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// Entries that were not on the list.
    pub added: usize,
    /// Entries already on the list whose details changed.
    pub updated: usize,
    /// Entries already on the list exactly so.
    pub unchanged: usize,
}

/// Counts for status displays.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlocklistSummary {
    /// All entries.
    pub entries: i64,
    /// Phone numbers.
    pub phones: i64,
    /// Domains and URL expressions.
    pub links: i64,
    /// Entries from the bundled sample list.
    pub sample: i64,
}

/// The bundled starter list: sample data so that a fresh install can be tried. The numbers are
/// made up, the domains are under `example.com` / `example.net` (reserved, RFC 2606); the
/// source says so, and the first feed sync removes them.
pub const SAMPLE_SOURCE: &str = "Verity sample data (not real reports)";

const SAMPLE: &[(&str, &str, &str, &str)] = &[
    (
        "phone",
        "+85230012345",
        "fake_support",
        "sample: fake DingTalk hotline in search ads",
    ),
    (
        "phone",
        "+85230019876",
        "fake_support",
        "sample: fake engineer asking for remote access",
    ),
    (
        "phone",
        "+85263001234",
        "freeze_threat",
        "sample: account freeze threat calls",
    ),
    (
        "domain",
        "dingtalk-upgrade.example.com",
        "fake_upgrade",
        "sample: paid upgrade page",
    ),
    (
        "domain",
        "dingtalk-hk-support.example.net",
        "fake_support",
        "sample: fake support site",
    ),
    (
        "url",
        "pay.example.net/dingtalk/upgrade",
        "fake_upgrade",
        "sample: fake payment page",
    ),
];

/// The time the sample entries are dated (2026-01-01T00:00:00Z).
const SAMPLE_ADDED: i64 = 1_767_225_600;

pub(crate) fn seed_sample(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let mut stmt = tx.prepare(
        "INSERT OR IGNORE INTO blocklist_entry
             (kind, value, category, campaign, source, added, origin, alert)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sample', 0)",
    )?;
    for (kind, value, category, campaign) in SAMPLE {
        stmt.execute(params![
            kind,
            value,
            category,
            campaign,
            SAMPLE_SOURCE,
            SAMPLE_ADDED
        ])?;
    }
    Ok(())
}

pub(crate) fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<Result<StoredEntry, String>> {
    let kind: String = row.get(0)?;
    let value: String = row.get(1)?;
    let category: String = row.get(2)?;
    let origin: String = row.get(6)?;
    let parsed = (|| {
        let kind: EntryKind = kind.parse().map_err(|_| format!("unknown kind {kind:?}"))?;
        let category: Category = category
            .parse()
            .map_err(|_| format!("unknown category {category:?}"))?;
        let origin = Origin::parse(&origin).ok_or_else(|| format!("unknown origin {origin:?}"))?;
        Ok::<_, String>((kind, category, origin))
    })();
    let campaign: Option<String> = row.get(3)?;
    let source: Option<String> = row.get(4)?;
    let added: i64 = row.get(5)?;
    let alert: i64 = row.get(7)?;
    Ok(parsed.map(|(kind, category, origin)| StoredEntry {
        entry: BlocklistEntry {
            kind,
            value,
            category,
            campaign,
            source,
            added: Timestamp(added),
        },
        origin,
        alert: alert == 1,
    }))
}

/// The local entry (kind, value), by the `UNIQUE (kind, value)` index.
pub(crate) fn local_entry(
    conn: &Connection,
    kind: EntryKind,
    value: &str,
) -> Result<Option<StoredEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, value, category, campaign, source, added, origin, alert
         FROM blocklist_entry WHERE kind = ?1 AND value = ?2",
    )?;
    let row = stmt
        .query_row(params![kind.as_str(), value], entry_from_row)
        .optional()?;
    row.map(|r| r.map_err(|e| StoreError::corrupt(Stored::Blocklist, e)))
        .transpose()
}

/// Every local entry, in no particular order.
pub(crate) fn local_entries(conn: &Connection) -> Result<Vec<StoredEntry>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT kind, value, category, campaign, source, added, origin, alert
         FROM blocklist_entry",
    )?;
    let rows = stmt.query_map([], entry_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row?.map_err(|e| StoreError::corrupt(Stored::Blocklist, e))?);
    }
    Ok(out)
}

/// Counts of the local entries.
pub(crate) fn local_summary(conn: &Connection) -> Result<BlocklistSummary, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*),
                count(*) FILTER (WHERE kind = 'phone'),
                count(*) FILTER (WHERE kind <> 'phone'),
                count(*) FILTER (WHERE origin = 'sample')
         FROM blocklist_entry",
        [],
        |r| {
            Ok(BlocklistSummary {
                entries: r.get(0)?,
                phones: r.get(1)?,
                links: r.get(2)?,
                sample: r.get(3)?,
            })
        },
    )?)
}

/// Removes every entry of `origin` and the sample list.
pub(crate) fn remove_origin(tx: &Transaction<'_>, origin: Origin) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM blocklist_entry WHERE origin IN (?1, 'sample')",
        [origin.as_str()],
    )?;
    Ok(())
}

/// Removes the local entry (kind, value). Returns whether it existed.
pub(crate) fn remove_local(
    tx: &Transaction<'_>,
    kind: EntryKind,
    value: &str,
) -> Result<bool, StoreError> {
    let n = tx.execute(
        "DELETE FROM blocklist_entry WHERE kind = ?1 AND value = ?2",
        params![kind.as_str(), value],
    )?;
    Ok(n > 0)
}

/// Adds or updates `entries` as local entries of `origin`. A value held elsewhere (the feed's
/// list) is taken over: `take_over` removes it there and returns its date added, which the
/// local entry keeps.
pub(crate) fn upsert(
    tx: &Transaction<'_>,
    entries: &[(BlocklistEntry, bool)],
    origin: Origin,
    mut take_over: impl FnMut(EntryKind, &str) -> Result<Option<Timestamp>, StoreError>,
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    let mut find = tx.prepare(
        "SELECT category, campaign, source, origin, alert FROM blocklist_entry
         WHERE kind = ?1 AND value = ?2",
    )?;
    let mut insert = tx.prepare(
        "INSERT INTO blocklist_entry
             (kind, value, category, campaign, source, added, origin, alert, key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    // An update keeps the original date added: the entry has been known since then.
    let mut update = tx.prepare(
        "UPDATE blocklist_entry SET category = ?3, campaign = ?4, source = ?5, origin = ?6,
             alert = ?7
         WHERE kind = ?1 AND value = ?2",
    )?;
    for (e, alert) in entries {
        // A feed entry with this value is taken over (the list's digest becomes unknown, so
        // the next sync applies the snapshot); an update keeps its date added.
        if let Some(added) = take_over(e.kind, &e.value)? {
            insert.execute(params![
                e.kind.as_str(),
                e.value,
                e.category.as_str(),
                e.campaign,
                e.source,
                added.0,
                origin.as_str(),
                i64::from(*alert),
                key_sql(e.kind, &e.value)
            ])?;
            report.updated += 1;
            continue;
        }
        let existing = find
            .query_row(params![e.kind.as_str(), e.value], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .optional()?;
        let alert_i = i64::from(*alert);
        match existing {
            None => {
                insert.execute(params![
                    e.kind.as_str(),
                    e.value,
                    e.category.as_str(),
                    e.campaign,
                    e.source,
                    e.added.0,
                    origin.as_str(),
                    alert_i,
                    key_sql(e.kind, &e.value)
                ])?;
                report.added += 1;
            }
            Some(old) => {
                let new = (
                    e.category.as_str().to_owned(),
                    e.campaign.clone(),
                    e.source.clone(),
                    origin.as_str().to_owned(),
                    alert_i,
                );
                if old == new {
                    report.unchanged += 1;
                } else {
                    update.execute(params![
                        e.kind.as_str(),
                        e.value,
                        new.0,
                        new.1,
                        new.2,
                        new.3,
                        new.4
                    ])?;
                    report.updated += 1;
                }
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::migrate::{run_list, MIGRATIONS};
    use verity_core::phone::Region;

    pub(crate) fn entry(kind: EntryKind, raw: &str) -> (BlocklistEntry, bool) {
        let e = BlocklistEntry::new(
            kind,
            raw,
            Category::Phishing,
            None,
            Some("test".into()),
            Timestamp(1),
            Region::HK,
        )
        .unwrap();
        (e, false)
    }

    pub(crate) fn keys_match(conn: &Connection) {
        let mut stmt = conn
            .prepare("SELECT kind, value, key FROM blocklist_entry")
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })
            .unwrap();
        let mut n = 0;
        for row in rows {
            let (kind, value, key) = row.unwrap();
            assert_eq!(key, Some(key_sql(parse_kind(&kind).unwrap(), &value)));
            n += 1;
        }
        assert!(n > 0);
    }

    #[test]
    fn the_migration_fills_the_keys_of_existing_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        let before = MIGRATIONS
            .iter()
            .position(|m| m.name == MIGRATION_BLOCKLIST_KEY.name)
            .unwrap();
        run_list(&mut conn, &MIGRATIONS[..before]).unwrap();
        conn.execute(
            "INSERT INTO blocklist_entry (kind, value, category, added, origin)
             VALUES ('url', 'evil.xyz/pay/', 'phishing', 1, 'import')",
            [],
        )
        .unwrap();
        run_list(&mut conn, MIGRATIONS).unwrap();
        keys_match(&conn);
    }
}
