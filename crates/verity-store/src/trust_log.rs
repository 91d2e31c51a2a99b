//! The trust log: every change of the feed's URL or trusted root, who made it (the
//! administrator's provisioning file, the organisation's signed configuration, or someone at
//! this computer in Settings), and what was put in force. A fake support agent's first move is to
//! talk the victim into pointing Verity at the agent's own feed; the log keeps that visible
//! (Settings lists it, the app raises a notification as each change is made). At most
//! [`MAX_TRUST_LOG`] changes are kept, the oldest dropped first.

use crate::error::Stored;
use crate::migrate::Migration;
use crate::{Store, StoreError};
use rusqlite::params;
use verity_core::Timestamp;
use verity_feed_policy::config::TrustAnchor;

pub(crate) const MIGRATION_TRUST_LOG: Migration = Migration {
    version: 10,
    name: "trust_log",
    sql: "CREATE TABLE trust_log (
              id          INTEGER PRIMARY KEY,
              at          INTEGER NOT NULL,
              what        TEXT NOT NULL CHECK (what IN ('feed_url', 'feed_root')),
              anchor      TEXT NOT NULL CHECK (anchor IN ('provisioned', 'organisation', 'manual')),
              url         TEXT,
              fingerprint TEXT
          ) STRICT;",
    seed: None,
};

/// The most changes kept.
pub const MAX_TRUST_LOG: u32 = 200;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustChangeKind {
    /// The feed URL (`url` is the new one; `None`: the feed was turned off).
    FeedUrl,
    /// The trusted root (`fingerprint` is the new one's).
    FeedRoot,
}

impl TrustChangeKind {
    fn as_str(self) -> &'static str {
        match self {
            TrustChangeKind::FeedUrl => "feed_url",
            TrustChangeKind::FeedRoot => "feed_root",
        }
    }
}

/// One change of a trust anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustChange {
    /// When.
    pub at: Timestamp,
    /// What changed.
    pub kind: TrustChangeKind,
    /// Who made it.
    pub anchor: TrustAnchor,
    /// The feed URL in force after the change.
    pub url: Option<String>,
    /// The trusted root's fingerprint after the change.
    pub fingerprint: Option<String>,
}

impl Store {
    /// Appends `change` to the trust log (dropping the oldest beyond [`MAX_TRUST_LOG`]).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn record_trust_change(&mut self, change: &TrustChange) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO trust_log (at, what, anchor, url, fingerprint)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    change.at.0,
                    change.kind.as_str(),
                    change.anchor.as_str(),
                    change.url,
                    change.fingerprint
                ],
            )?;
            tx.execute(
                "DELETE FROM trust_log WHERE id NOT IN
                     (SELECT id FROM trust_log ORDER BY id DESC LIMIT ?1)",
                [MAX_TRUST_LOG],
            )?;
            Ok(())
        })
    }

    /// The trust log, newest first, at most `limit` changes.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::Corrupt`] for a row that does not parse.
    pub fn trust_log(&self, limit: u32) -> Result<Vec<TrustChange>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT at, what, anchor, url, fingerprint FROM trust_log ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (at, what, anchor, url, fingerprint) = row?;
            let kind = match what.as_str() {
                "feed_url" => TrustChangeKind::FeedUrl,
                "feed_root" => TrustChangeKind::FeedRoot,
                other => {
                    return Err(StoreError::corrupt(
                        Stored::TrustLog,
                        format!("what {other:?}"),
                    ))
                }
            };
            let anchor = anchor
                .parse()
                .map_err(|e| StoreError::corrupt(Stored::TrustLog, format!("anchor: {e}")))?;
            out.push(TrustChange {
                at: Timestamp(at),
                kind,
                anchor,
                url,
                fingerprint,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_kept_newest_first_and_capped() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        for i in 0..(MAX_TRUST_LOG + 3) {
            store
                .record_trust_change(&TrustChange {
                    at: Timestamp(i64::from(i)),
                    kind: TrustChangeKind::FeedRoot,
                    anchor: TrustAnchor::Manual,
                    url: Some("https://feed.example/".into()),
                    fingerprint: Some(format!("fp{i}")),
                })
                .unwrap();
        }
        let log = store.trust_log(1000).unwrap();
        assert_eq!(log.len(), MAX_TRUST_LOG as usize);
        assert_eq!(log[0].fingerprint.as_deref(), Some("fp202"));
        assert_eq!(log[0].anchor, TrustAnchor::Manual);
        // Reopened, the log is still there.
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.trust_log(1).unwrap()[0].at, Timestamp(202));
    }
}
