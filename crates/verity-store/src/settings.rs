//! The `setting` table: user settings as key/value text, validated by `verity-core` on read.

use crate::error::Stored;
use crate::migrate::Migration;
use crate::{Store, StoreError};
use rusqlite::OptionalExtension;
use verity_core::settings::parse_bool;
use verity_core::{Language, Settings};

pub(crate) const MIGRATION_1: Migration = Migration {
    version: 1,
    name: "settings",
    sql: "CREATE TABLE setting (
              key   TEXT PRIMARY KEY NOT NULL,
              value TEXT NOT NULL
          ) STRICT;",
    seed: None,
};

const LANGUAGE: &str = "language";
const START_AT_LOGIN: &str = "start_at_login";
const REGION: &str = "region";
const CHECK_SHORTCUT: &str = "check_shortcut";

impl Store {
    /// One row of the `setting` table.
    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Writes one row of the `setting` table.
    pub(crate) fn put_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
            Ok(())
        })
    }

    /// The user's settings; defaults for anything never set.
    ///
    /// # Errors
    /// [`StoreError::InvalidValue`] when a stored value was corrupted; SQLite errors.
    pub fn settings(&self) -> Result<Settings, StoreError> {
        let mut s = Settings::default();
        if let Some(v) = self.setting(LANGUAGE)? {
            s.language = v.parse()?;
        }
        if let Some(v) = self.setting(START_AT_LOGIN)? {
            s.start_at_login = parse_bool(START_AT_LOGIN, &v)?;
        }
        if let Some(v) = self.setting(CHECK_SHORTCUT)? {
            s.check_shortcut = v;
        }
        if let Some(v) = self.setting(REGION)? {
            s.region = v.parse().map_err(|e: verity_core::phone::UnknownRegion| {
                StoreError::corrupt(Stored::Setting, format!("region: {e}"))
            })?;
        }
        Ok(s)
    }

    /// Stores the interface language.
    ///
    /// # Errors
    /// SQLite errors (e.g. busy past the timeout).
    pub fn set_language(&mut self, language: Language) -> Result<(), StoreError> {
        self.put_setting(LANGUAGE, language.tag())
    }

    /// Stores the "Check clipboard" shortcut (validated by the app, which registers it); empty
    /// means none.
    ///
    /// # Errors
    /// SQLite errors (e.g. busy past the timeout).
    pub fn set_check_shortcut(&mut self, shortcut: &str) -> Result<(), StoreError> {
        self.put_setting(CHECK_SHORTCUT, shortcut)
    }

    /// Stores the default region for reading phone numbers.
    ///
    /// # Errors
    /// SQLite errors (e.g. busy past the timeout).
    pub fn set_region(&mut self, region: verity_core::phone::Region) -> Result<(), StoreError> {
        self.put_setting(REGION, region.as_str())
    }

    /// Stores whether Verity starts at login. The caller applies it to the OS.
    ///
    /// # Errors
    /// SQLite errors (e.g. busy past the timeout).
    pub fn set_start_at_login(&mut self, enabled: bool) -> Result<(), StoreError> {
        self.put_setting(START_AT_LOGIN, if enabled { "true" } else { "false" })
    }
}
