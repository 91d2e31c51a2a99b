//! The app's feed settings, as rows of the `setting` table (`feed.*` keys): the feed URL, the
//! proxy and the trusted root the user entered, which root was last put in force, and the
//! notification preferences. Values are validated by `verity_feed_policy::config` before they are
//! stored; an administrator's provisioning file wins over them (the app decides).

use crate::error::Stored;
use crate::{Store, StoreError};
use verity_core::settings::parse_bool;
use verity_feed_policy::config::TrustAnchor;

const URL: &str = "feed.url";
const PROXY: &str = "feed.proxy";
const ROOT: &str = "feed.root";
const ROOT_APPLIED: &str = "feed.root_applied";
const ROOT_ANCHOR: &str = "feed.root_anchor";
const ALERTS: &str = "feed.alerts";
const QUIET: &str = "feed.quiet";

/// The feed settings a user gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSettings {
    /// The feed URL.
    pub url: Option<String>,
    /// The proxy URL.
    pub proxy: Option<String>,
    /// The trusted root metadata (JSON text).
    pub root: Option<String>,
    /// The fingerprint of the root last put in force by a successful sync, so that a root the
    /// user (or administrator) changes replaces the kept one once, and only once.
    pub root_applied: Option<String>,
    /// Who put that root in force (none recorded: a root kept by an older Verity, treated as
    /// entered by hand).
    pub root_anchor: Option<TrustAnchor>,
    /// Whether new threats raise a desktop notification.
    pub alerts: bool,
    /// Whether those notifications are silent and low-urgency.
    pub quiet: bool,
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            url: None,
            proxy: None,
            root: None,
            root_applied: None,
            root_anchor: None,
            alerts: true,
            quiet: false,
        }
    }
}

impl Store {
    /// Writes (`Some`) or removes (`None`) each of `pairs` in one transaction.
    fn put_feed_settings(&mut self, pairs: &[(&str, Option<&str>)]) -> Result<(), StoreError> {
        self.write(|tx| {
            for (key, value) in pairs {
                match value {
                    Some(v) => tx.execute(
                        "INSERT INTO setting (key, value) VALUES (?1, ?2)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        [key, v],
                    )?,
                    None => tx.execute("DELETE FROM setting WHERE key = ?1", [key])?,
                };
            }
            Ok(())
        })
    }

    /// The feed settings; defaults for anything never set (alerts on, not quiet).
    ///
    /// # Errors
    /// [`StoreError::InvalidValue`] when a stored flag was corrupted; SQLite errors.
    pub fn feed_settings(&self) -> Result<FeedSettings, StoreError> {
        let mut s = FeedSettings {
            url: self.setting(URL)?,
            proxy: self.setting(PROXY)?,
            root: self.setting(ROOT)?,
            root_applied: self.setting(ROOT_APPLIED)?,
            ..FeedSettings::default()
        };
        if let Some(v) = self.setting(ROOT_ANCHOR)? {
            s.root_anchor = Some(v.parse().map_err(|e| {
                StoreError::corrupt(Stored::FeedSettings, format!("{ROOT_ANCHOR}: {e}"))
            })?);
        }
        if let Some(v) = self.setting(ALERTS)? {
            s.alerts = parse_bool(ALERTS, &v)?;
        }
        if let Some(v) = self.setting(QUIET)? {
            s.quiet = parse_bool(QUIET, &v)?;
        }
        Ok(s)
    }

    /// Stores the feed URL and proxy (`None` clears them), validated by the caller.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_feed_source(
        &mut self,
        url: Option<&str>,
        proxy: Option<&str>,
    ) -> Result<(), StoreError> {
        self.put_feed_settings(&[(URL, url), (PROXY, proxy)])
    }

    /// Stores the trusted root (JSON text, recognised by the caller); `None` clears it.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_feed_root(&mut self, root: Option<&str>) -> Result<(), StoreError> {
        self.put_feed_settings(&[(ROOT, root)])
    }

    /// Records which root a successful sync put in force (its fingerprint) and who chose it.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_feed_root_applied(
        &mut self,
        fingerprint: &str,
        anchor: TrustAnchor,
    ) -> Result<(), StoreError> {
        self.put_feed_settings(&[
            (ROOT_APPLIED, Some(fingerprint)),
            (ROOT_ANCHOR, Some(anchor.as_str())),
        ])
    }

    /// Stores the notification preferences for new threats.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_feed_alerts(&mut self, alerts: bool, quiet: bool) -> Result<(), StoreError> {
        let b = |v: bool| if v { "true" } else { "false" };
        self.put_feed_settings(&[(ALERTS, Some(b(alerts))), (QUIET, Some(b(quiet)))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_settings_round_trip_and_clear() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.feed_settings().unwrap(), FeedSettings::default());
        store
            .set_feed_source(Some("https://f.example/"), Some("http://p:3128"))
            .unwrap();
        store.set_feed_root(Some("{\"signed\":{}}")).unwrap();
        store
            .set_feed_root_applied("abcd", TrustAnchor::Provisioned)
            .unwrap();
        store.set_feed_alerts(false, true).unwrap();
        let s = Store::open(dir.path()).unwrap().feed_settings().unwrap();
        assert_eq!(s.url.as_deref(), Some("https://f.example/"));
        assert_eq!(s.proxy.as_deref(), Some("http://p:3128"));
        assert_eq!(s.root.as_deref(), Some("{\"signed\":{}}"));
        assert_eq!(s.root_applied.as_deref(), Some("abcd"));
        assert_eq!(s.root_anchor, Some(TrustAnchor::Provisioned));
        assert!(!s.alerts && s.quiet);
        store
            .set_feed_source(Some("https://g.example/"), None)
            .unwrap();
        let s = store.feed_settings().unwrap();
        assert_eq!(
            (s.url.as_deref(), s.proxy),
            (Some("https://g.example/"), None)
        );
        // The user's other settings are untouched by the feed's keys.
        assert_eq!(store.settings().unwrap(), verity_core::Settings::default());
    }
}
