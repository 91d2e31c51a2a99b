//! The applied version and the last sync's outcome (`feed_state`, migration 3).

use super::{i64_of, ts, u64_of};
use crate::migrate::Migration;
use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension, Transaction};
use verity_core::Timestamp;

pub(crate) const MIGRATION_3: Migration = Migration {
    version: 3,
    name: "feed_state",
    sql: "CREATE TABLE feed_state (
              id              INTEGER PRIMARY KEY CHECK (id = 1),
              url             TEXT,
              version         INTEGER CHECK (version > 0),
              checksum        TEXT,
              published       INTEGER,
              last_attempt    INTEGER,
              last_success    INTEGER,
              last_error      TEXT,
              last_error_code TEXT,
              last_error_at   INTEGER,
              failures        INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
              expires         INTEGER,
              min_wait        INTEGER CHECK (min_wait >= 0)
          ) STRICT;",
    seed: None,
};

/// What the store knows about the feed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedState {
    /// The feed URL last synced (the first one tried, before any success).
    pub url: Option<String>,
    /// The feed version applied; `None` before the first successful sync.
    pub version: Option<u64>,
    /// The list checksum of that version (hex).
    pub checksum: Option<String>,
    /// When that version was published.
    pub published: Option<Timestamp>,
    /// When a sync was last tried.
    pub last_attempt: Option<Timestamp>,
    /// When a sync last succeeded (with or without a new version).
    pub last_success: Option<Timestamp>,
    /// Why the last sync failed, when it did (cleared by a success).
    pub last_error: Option<String>,
    /// The error's stable code (see `verity_feed::FeedError::code`).
    pub last_error_code: Option<String>,
    /// When the last failure happened.
    pub last_error_at: Option<Timestamp>,
    /// When the current run of failures began (cleared by a success).
    pub failing_since: Option<Timestamp>,
    /// Failures since the last success, for back-off.
    pub failures: u32,
    /// When the verified feed metadata expires: after it, the list is stale.
    pub expires: Option<Timestamp>,
    /// The least time between syncs the feed asks for, in seconds.
    pub min_wait: Option<u64>,
}

/// A successful sync, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSuccess<'a> {
    /// The feed URL.
    pub url: &'a str,
    /// The feed version now applied.
    pub version: u64,
    /// Its list checksum (hex).
    pub checksum: &'a str,
    /// When it was published.
    pub published: Timestamp,
    /// When the sync happened.
    pub at: Timestamp,
    /// When the verified metadata expires.
    pub expires: Timestamp,
    /// The least time between syncs the feed asks for, in seconds.
    pub min_wait: Option<u64>,
}

impl Store {
    /// The feed state; all empty before the first sync.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn feed_state(&self) -> Result<FeedState, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT url, version, checksum, published, last_attempt, last_success, last_error,
                        last_error_code, last_error_at, failures, expires, min_wait,
                        failing_since
                 FROM feed_state WHERE id = 1",
                [],
                |r| {
                    Ok(FeedState {
                        url: r.get(0)?,
                        version: r.get::<_, Option<i64>>(1)?.map(u64_of),
                        checksum: r.get(2)?,
                        published: ts(r.get(3)?),
                        last_attempt: ts(r.get(4)?),
                        last_success: ts(r.get(5)?),
                        last_error: r.get(6)?,
                        last_error_code: r.get(7)?,
                        last_error_at: ts(r.get(8)?),
                        failures: u32::try_from(r.get::<_, i64>(9)?).unwrap_or(u32::MAX),
                        expires: ts(r.get(10)?),
                        min_wait: r.get::<_, Option<i64>>(11)?.map(u64_of),
                        failing_since: ts(r.get(12)?),
                    })
                },
            )
            .optional()?;
        Ok(row.unwrap_or_default())
    }

    /// Records a failed sync: the list is untouched; the state says why and counts failures.
    /// The URL is kept from the last success (recorded only when there is none).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn record_feed_failure(
        &mut self,
        url: &str,
        code: &str,
        message: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO feed_state (id, url, last_attempt, last_error, last_error_code,
                                         last_error_at, failures, failing_since)
                 VALUES (1, ?1, ?2, ?3, ?4, ?2, 1, ?2)
                 ON CONFLICT (id) DO UPDATE SET url = coalesce(url, excluded.url),
                     last_attempt = excluded.last_attempt, last_error = excluded.last_error,
                     last_error_code = excluded.last_error_code,
                     last_error_at = excluded.last_error_at, failures = failures + 1,
                     failing_since = CASE WHEN failures = 0 OR failing_since IS NULL
                                          THEN excluded.failing_since ELSE failing_since END",
                params![url, at.0, message, code],
            )?;
            Ok(())
        })
    }

    /// Records a successful sync that found nothing new (the list is untouched).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn record_feed_success(&mut self, s: &FeedSuccess<'_>) -> Result<(), StoreError> {
        self.write(|tx| record_success(tx, s))
    }
}

/// Records a success in the caller's transaction (a sync without news, or a version applied).
pub(super) fn record_success(tx: &Transaction<'_>, s: &FeedSuccess<'_>) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO feed_state (id, url, version, checksum, published, last_attempt,
                                 last_success, last_error, last_error_code, last_error_at,
                                 failures, expires, min_wait)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?5, NULL, NULL, NULL, 0, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, version = excluded.version,
             checksum = excluded.checksum, published = excluded.published,
             last_attempt = excluded.last_attempt, last_success = excluded.last_success,
             last_error = NULL, last_error_code = NULL, last_error_at = NULL, failures = 0,
             failing_since = NULL, expires = excluded.expires, min_wait = excluded.min_wait",
        params![
            s.url,
            i64_of(s.version),
            s.checksum,
            s.published.0,
            s.at.0,
            s.expires.0,
            s.min_wait.map(i64_of)
        ],
    )?;
    Ok(())
}
