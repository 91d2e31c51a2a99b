//! The local blocklist and the official-channel directory, and the in-memory index over them.
//!
//! Entries are stored normalised (see `verity_core::blocklist`). The index is built on first use
//! and rebuilt after every change, including changes another process made (`verityctl
//! blocklist import` while the app runs): `PRAGMA data_version` tells this connection when
//! another one has committed.

use crate::migrate::Migration;
use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension, Row, Transaction};
use verity_core::blocklist::{BlocklistEntry, BlocklistIndex, Category, EntryKind};
use verity_core::official::OfficialDirectory;
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

/// The index and the directory as last loaded, with the database version they reflect.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    loaded: Option<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    data_version: i64,
    index: BlocklistIndex,
    official: OfficialDirectory,
}

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<Result<StoredEntry, String>> {
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

const SELECT_ENTRIES: &str =
    "SELECT kind, value, category, campaign, source, added, origin, alert FROM blocklist_entry";

impl Store {
    fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Every entry, ordered by kind and value.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for a row that no longer parses.
    pub fn blocklist_entries(&self) -> Result<Vec<StoredEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SELECT_ENTRIES} ORDER BY kind, value"))?;
        let rows = stmt.query_map([], entry_from_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.map_err(StoreError::Corrupt)?);
        }
        Ok(out)
    }

    /// Counts of the list's entries.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn blocklist_summary(&self) -> Result<BlocklistSummary, StoreError> {
        Ok(self.conn.query_row(
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

    /// Adds or updates `entries` in one transaction: all of them or none.
    ///
    /// # Errors
    /// SQLite errors; nothing is written then.
    pub fn import_entries(
        &mut self,
        entries: &[(BlocklistEntry, bool)],
        origin: Origin,
    ) -> Result<ImportReport, StoreError> {
        let report = self.write(|tx| upsert(tx, entries, origin))?;
        self.cache.loaded = None;
        Ok(report)
    }

    /// Replaces every entry of `origin` with `entries` (and drops the sample list), in one
    /// transaction. The feed uses this for a full snapshot.
    ///
    /// # Errors
    /// SQLite errors; nothing is written then.
    pub fn replace_entries(
        &mut self,
        entries: &[(BlocklistEntry, bool)],
        origin: Origin,
    ) -> Result<ImportReport, StoreError> {
        let report = self.write(|tx| {
            tx.execute(
                "DELETE FROM blocklist_entry WHERE origin IN (?1, 'sample')",
                [origin.as_str()],
            )?;
            upsert(tx, entries, origin)
        })?;
        self.cache.loaded = None;
        Ok(report)
    }

    /// Removes one entry. Returns whether it existed.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn remove_entry(&mut self, kind: EntryKind, value: &str) -> Result<bool, StoreError> {
        let n = self.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM blocklist_entry WHERE kind = ?1 AND value = ?2",
                params![kind.as_str(), value],
            )?)
        })?;
        self.cache.loaded = None;
        Ok(n > 0)
    }

    /// The official-channel directory: the stored one, else the shipped default for DingTalk.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] when the stored directory does not parse.
    pub fn official_directory(&self) -> Result<OfficialDirectory, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM official_directory WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match json {
            None => Ok(OfficialDirectory::dingtalk_default()),
            Some(j) => serde_json::from_str(&j)
                .map_err(|e| StoreError::Corrupt(format!("official directory: {e}"))),
        }
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
        let json = serde_json::to_string(directory)
            .map_err(|e| StoreError::Corrupt(format!("official directory: {e}")))?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO official_directory (id, json, origin, updated) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET json = excluded.json, origin = excluded.origin,
                     updated = excluded.updated",
                params![json, origin.as_str(), now.0],
            )?;
            Ok(())
        })?;
        self.cache.loaded = None;
        Ok(())
    }

    /// The in-memory index and the official directory, rebuilt if this or another process
    /// changed the database since the last call.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for rows that no longer parse.
    pub fn lookup_tables(&mut self) -> Result<(&BlocklistIndex, &OfficialDirectory), StoreError> {
        let version = self.data_version()?;
        let fresh = matches!(&self.cache.loaded, Some(l) if l.data_version == version);
        if !fresh {
            let entries = self
                .blocklist_entries()?
                .into_iter()
                .map(|s| s.entry)
                .collect();
            let official = self.official_directory()?;
            self.cache.loaded = Some(Loaded {
                data_version: version,
                index: BlocklistIndex::build(entries),
                official,
            });
        }
        match &self.cache.loaded {
            Some(l) => Ok((&l.index, &l.official)),
            None => Err(StoreError::Corrupt(
                "the blocklist index could not be built".into(),
            )),
        }
    }
}

fn upsert(
    tx: &Transaction<'_>,
    entries: &[(BlocklistEntry, bool)],
    origin: Origin,
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    let mut find = tx.prepare(
        "SELECT category, campaign, source, origin, alert FROM blocklist_entry
         WHERE kind = ?1 AND value = ?2",
    )?;
    let mut insert = tx.prepare(
        "INSERT INTO blocklist_entry (kind, value, category, campaign, source, added, origin, alert)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    // An update keeps the original date added: the entry has been known since then.
    let mut update = tx.prepare(
        "UPDATE blocklist_entry SET category = ?3, campaign = ?4, source = ?5, origin = ?6,
             alert = ?7
         WHERE kind = ?1 AND value = ?2",
    )?;
    for (e, alert) in entries {
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
                    alert_i
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
