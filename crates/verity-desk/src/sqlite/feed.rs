//! The feed's publishing at the desk (schema 7): where the organisation's feed repository and
//! its online keys are (`feed_publisher`), and the items IT confirmed from reports, queued for the
//! next version and then marked with the version that carries them (`feed_items`).

use super::{db, to_i64, to_u64};
use crate::store::{FeedItemRecord, FeedPublisherRecord, NewFeedItem, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// Migration 7.
pub(super) const MIGRATION: &str = r"
CREATE TABLE feed_publisher (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    repo TEXT NOT NULL,
    keys TEXT NOT NULL,
    set_at INTEGER NOT NULL
);
CREATE TABLE feed_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('phone', 'domain', 'url')),
    value TEXT NOT NULL,
    category TEXT NOT NULL,
    report_id INTEGER REFERENCES reports(id),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    published_version INTEGER,
    published_at INTEGER
);
CREATE INDEX feed_items_pending ON feed_items (published_version);
";

pub(super) fn publisher(conn: &Connection) -> Result<Option<FeedPublisherRecord>, StoreError> {
    conn.query_row(
        "SELECT repo, keys, set_at FROM feed_publisher WHERE id = 1",
        [],
        |r| {
            Ok(FeedPublisherRecord {
                repo: r.get(0)?,
                keys: r.get(1)?,
                set_at: to_u64(r.get(2)?),
            })
        },
    )
    .optional()
    .map_err(db)
}

pub(super) fn set_publisher(
    tx: &Transaction<'_>,
    p: Option<&FeedPublisherRecord>,
) -> Result<(), StoreError> {
    tx.execute("DELETE FROM feed_publisher", []).map_err(db)?;
    if let Some(p) = p {
        tx.execute(
            "INSERT INTO feed_publisher (id, repo, keys, set_at) VALUES (1, ?1, ?2, ?3)",
            params![p.repo, p.keys, to_i64(p.set_at)],
        )
        .map_err(db)?;
    }
    Ok(())
}

/// Queues `item` unless the same kind and value waits already.
pub(super) fn queue(tx: &Transaction<'_>, item: &NewFeedItem) -> Result<(), StoreError> {
    let waiting: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM feed_items WHERE kind = ?1 AND value = ?2 \
             AND published_version IS NULL)",
            params![item.kind, item.value],
            |r| r.get(0),
        )
        .map_err(db)?;
    if !waiting {
        tx.execute(
            "INSERT INTO feed_items (kind, value, category, report_id, reason, actor, added_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                item.kind,
                item.value,
                item.category,
                item.report_id.map(to_i64),
                item.reason,
                item.actor,
                to_i64(item.added_at),
            ],
        )
        .map_err(db)?;
    }
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeedItemRecord> {
    Ok(FeedItemRecord {
        id: to_u64(r.get(0)?),
        kind: r.get(1)?,
        value: r.get(2)?,
        category: r.get(3)?,
        report_id: r.get::<_, Option<i64>>(4)?.map(to_u64),
        reason: r.get(5)?,
        actor: r.get(6)?,
        added_at: to_u64(r.get(7)?),
        published_version: r.get::<_, Option<i64>>(8)?.map(to_u64),
        published_at: r.get::<_, Option<i64>>(9)?.map(to_u64),
    })
}

/// The items waiting for a version (`pending`), or the last `limit` published ones.
pub(super) fn items(
    conn: &Connection,
    pending: bool,
    limit: u32,
) -> Result<Vec<FeedItemRecord>, StoreError> {
    let sql = if pending {
        "SELECT id, kind, value, category, report_id, reason, actor, added_at, \
         published_version, published_at FROM feed_items WHERE published_version IS NULL \
         ORDER BY id LIMIT ?1"
    } else {
        "SELECT id, kind, value, category, report_id, reason, actor, added_at, \
         published_version, published_at FROM feed_items WHERE published_version IS NOT NULL \
         ORDER BY id DESC LIMIT ?1"
    };
    let mut stmt = conn.prepare(sql).map_err(db)?;
    let rows = stmt.query_map([i64::from(limit)], row).map_err(db)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db)
}

pub(super) fn mark_published(
    tx: &Transaction<'_>,
    ids: &[u64],
    version: u64,
    at: u64,
) -> Result<(), StoreError> {
    for &id in ids {
        tx.execute(
            "UPDATE feed_items SET published_version = ?1, published_at = ?2 \
             WHERE id = ?3 AND published_version IS NULL",
            params![to_i64(version), to_i64(at), to_i64(id)],
        )
        .map_err(db)?;
    }
    Ok(())
}

/// Migration 12: allowlist entries from upheld appeals, queued for the next feed version.
pub(super) const MIGRATION_KNOWN: &str = r"
CREATE TABLE feed_known (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('phone', 'domain')),
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    report_id INTEGER REFERENCES reports(id),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    published_version INTEGER,
    published_at INTEGER
);
CREATE INDEX feed_known_pending ON feed_known (published_version);
";

/// Queues an allowlist entry; one waiting for the same kind and value takes the new label.
pub(super) fn queue_known(
    tx: &Transaction<'_>,
    item: &crate::store::NewKnownItem,
) -> Result<(), StoreError> {
    let changed = tx
        .execute(
            "UPDATE feed_known SET label = ?3, reason = ?4, actor = ?5, added_at = ?6 \
             WHERE kind = ?1 AND value = ?2 AND published_version IS NULL",
            params![
                item.kind,
                item.value,
                item.label,
                item.reason,
                item.actor,
                to_i64(item.added_at)
            ],
        )
        .map_err(db)?;
    if changed == 0 {
        tx.execute(
            "INSERT INTO feed_known (kind, value, label, report_id, reason, actor, added_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                item.kind,
                item.value,
                item.label,
                item.report_id.map(to_i64),
                item.reason,
                item.actor,
                to_i64(item.added_at),
            ],
        )
        .map_err(db)?;
    }
    Ok(())
}

pub(super) fn known_items(
    conn: &Connection,
    pending: bool,
    limit: u32,
) -> Result<Vec<crate::store::KnownItemRecord>, StoreError> {
    let sql = if pending {
        "SELECT id, kind, value, label, report_id, reason, actor, added_at, published_version, \
         published_at FROM feed_known WHERE published_version IS NULL ORDER BY id LIMIT ?1"
    } else {
        "SELECT id, kind, value, label, report_id, reason, actor, added_at, published_version, \
         published_at FROM feed_known WHERE published_version IS NOT NULL ORDER BY id DESC \
         LIMIT ?1"
    };
    let mut stmt = conn.prepare(sql).map_err(db)?;
    let rows = stmt
        .query_map([i64::from(limit)], |r| {
            Ok(crate::store::KnownItemRecord {
                id: to_u64(r.get(0)?),
                kind: r.get(1)?,
                value: r.get(2)?,
                label: r.get(3)?,
                report_id: r.get::<_, Option<i64>>(4)?.map(to_u64),
                reason: r.get(5)?,
                actor: r.get(6)?,
                added_at: to_u64(r.get(7)?),
                published_version: r.get::<_, Option<i64>>(8)?.map(to_u64),
                published_at: r.get::<_, Option<i64>>(9)?.map(to_u64),
            })
        })
        .map_err(db)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db)
}

pub(super) fn mark_known_published(
    tx: &Transaction<'_>,
    ids: &[u64],
    version: u64,
    at: u64,
) -> Result<(), StoreError> {
    for &id in ids {
        tx.execute(
            "UPDATE feed_known SET published_version = ?1, published_at = ?2 \
             WHERE id = ?3 AND published_version IS NULL",
            params![to_i64(version), to_i64(at), to_i64(id)],
        )
        .map_err(db)?;
    }
    Ok(())
}
