//! The feed's publishing at the desk (as `sqlite/feed.rs`): where the feed repository and its
//! online keys are, the items IT confirmed and the allowlist entries from upheld appeals, queued
//! for the next version and then marked with the version that carries them.

use super::{col, db, lock, to_i64, to_u64};
use crate::store::{
    FeedItemRecord, FeedPublisherRecord, KnownItemRecord, NewFeedItem, NewKnownItem, StoreError,
};
use postgres::{GenericClient, Transaction};

/// Part of migration 1.
pub(super) const MIGRATION: &str = r"
CREATE TABLE feed_publisher (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    repo TEXT NOT NULL,
    keys TEXT NOT NULL,
    set_at BIGINT NOT NULL
);
CREATE TABLE feed_items (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('phone', 'domain', 'url')),
    value TEXT NOT NULL,
    category TEXT NOT NULL,
    report_id BIGINT REFERENCES reports(id),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    published_version BIGINT,
    published_at BIGINT
);
CREATE INDEX feed_items_pending ON feed_items (published_version);
CREATE TABLE feed_known (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('phone', 'domain')),
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    report_id BIGINT REFERENCES reports(id),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    published_version BIGINT,
    published_at BIGINT
);
CREATE INDEX feed_known_pending ON feed_known (published_version);
";

pub(super) fn publisher(
    c: &mut impl GenericClient,
) -> Result<Option<FeedPublisherRecord>, StoreError> {
    c.query_opt(
        "SELECT repo, keys, set_at FROM feed_publisher WHERE id = 1",
        &[],
    )
    .map_err(db)?
    .map(|r| {
        Ok(FeedPublisherRecord {
            repo: col(&r, 0)?,
            keys: col(&r, 1)?,
            set_at: to_u64(col(&r, 2)?),
        })
    })
    .transpose()
}

pub(super) fn set_publisher(
    tx: &mut Transaction<'_>,
    p: Option<&FeedPublisherRecord>,
) -> Result<(), StoreError> {
    tx.execute("DELETE FROM feed_publisher", &[]).map_err(db)?;
    if let Some(p) = p {
        tx.execute(
            "INSERT INTO feed_publisher (id, repo, keys, set_at) VALUES (1, $1, $2, $3)",
            &[&p.repo, &p.keys, &to_i64(p.set_at)],
        )
        .map_err(db)?;
    }
    Ok(())
}

/// Queues `item` unless the same kind and value waits already (under a lock on the kind and
/// value, so that two confirmations racing queue it once).
pub(super) fn queue(tx: &mut Transaction<'_>, item: &NewFeedItem) -> Result<(), StoreError> {
    lock(tx, &format!("feed-item:{}:{}", item.kind, item.value))?;
    let waiting: bool = col(
        &tx.query_one(
            "SELECT EXISTS (SELECT 1 FROM feed_items WHERE kind = $1 AND value = $2 \
             AND published_version IS NULL)",
            &[&item.kind, &item.value],
        )
        .map_err(db)?,
        0,
    )?;
    if !waiting {
        tx.execute(
            "INSERT INTO feed_items (kind, value, category, report_id, reason, actor, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &item.kind,
                &item.value,
                &item.category,
                &item.report_id.map(to_i64),
                &item.reason,
                &item.actor,
                &to_i64(item.added_at),
            ],
        )
        .map_err(db)?;
    }
    Ok(())
}

/// The items waiting for a version (`pending`, oldest first), or the last `limit` published.
pub(super) fn items(
    c: &mut impl GenericClient,
    pending: bool,
    limit: u32,
) -> Result<Vec<FeedItemRecord>, StoreError> {
    let sql = if pending {
        "SELECT id, kind, value, category, report_id, reason, actor, added_at, \
         published_version, published_at FROM feed_items WHERE published_version IS NULL \
         ORDER BY id LIMIT $1"
    } else {
        "SELECT id, kind, value, category, report_id, reason, actor, added_at, \
         published_version, published_at FROM feed_items WHERE published_version IS NOT NULL \
         ORDER BY id DESC LIMIT $1"
    };
    c.query(sql, &[&i64::from(limit)])
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(FeedItemRecord {
                id: to_u64(col(r, 0)?),
                kind: col(r, 1)?,
                value: col(r, 2)?,
                category: col(r, 3)?,
                report_id: col::<Option<i64>>(r, 4)?.map(to_u64),
                reason: col(r, 5)?,
                actor: col(r, 6)?,
                added_at: to_u64(col(r, 7)?),
                published_version: col::<Option<i64>>(r, 8)?.map(to_u64),
                published_at: col::<Option<i64>>(r, 9)?.map(to_u64),
            })
        })
        .collect()
}

/// Marks the rows `ids` of `table` (`feed_items` or `feed_known`) as carried by `version`.
pub(super) fn mark_published(
    tx: &mut Transaction<'_>,
    table: &'static str,
    ids: &[u64],
    version: u64,
    at: u64,
) -> Result<(), StoreError> {
    let ids: Vec<i64> = ids.iter().copied().map(to_i64).collect();
    tx.execute(
        &format!(
            "UPDATE {table} SET published_version = $1, published_at = $2 \
             WHERE id = ANY($3) AND published_version IS NULL"
        ),
        &[&to_i64(version), &to_i64(at), &ids],
    )
    .map_err(db)?;
    Ok(())
}

/// Queues an allowlist entry; one waiting for the same kind and value takes the new label.
pub(super) fn queue_known(tx: &mut Transaction<'_>, item: &NewKnownItem) -> Result<(), StoreError> {
    lock(tx, &format!("feed-known:{}:{}", item.kind, item.value))?;
    let changed = tx
        .execute(
            "UPDATE feed_known SET label = $3, reason = $4, actor = $5, added_at = $6 \
             WHERE kind = $1 AND value = $2 AND published_version IS NULL",
            &[
                &item.kind,
                &item.value,
                &item.label,
                &item.reason,
                &item.actor,
                &to_i64(item.added_at),
            ],
        )
        .map_err(db)?;
    if changed == 0 {
        tx.execute(
            "INSERT INTO feed_known (kind, value, label, report_id, reason, actor, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &item.kind,
                &item.value,
                &item.label,
                &item.report_id.map(to_i64),
                &item.reason,
                &item.actor,
                &to_i64(item.added_at),
            ],
        )
        .map_err(db)?;
    }
    Ok(())
}

pub(super) fn known_items(
    c: &mut impl GenericClient,
    pending: bool,
    limit: u32,
) -> Result<Vec<KnownItemRecord>, StoreError> {
    let sql = if pending {
        "SELECT id, kind, value, label, report_id, reason, actor, added_at, published_version, \
         published_at FROM feed_known WHERE published_version IS NULL ORDER BY id LIMIT $1"
    } else {
        "SELECT id, kind, value, label, report_id, reason, actor, added_at, published_version, \
         published_at FROM feed_known WHERE published_version IS NOT NULL ORDER BY id DESC \
         LIMIT $1"
    };
    c.query(sql, &[&i64::from(limit)])
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(KnownItemRecord {
                id: to_u64(col(r, 0)?),
                kind: col(r, 1)?,
                value: col(r, 2)?,
                label: col(r, 3)?,
                report_id: col::<Option<i64>>(r, 4)?.map(to_u64),
                reason: col(r, 5)?,
                actor: col(r, 6)?,
                added_at: to_u64(col(r, 7)?),
                published_version: col::<Option<i64>>(r, 8)?.map(to_u64),
                published_at: col::<Option<i64>>(r, 9)?.map(to_u64),
            })
        })
        .collect()
}
