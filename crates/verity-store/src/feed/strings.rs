//! The feed's campaign and source names, interned in `feed_string` (a block stores their ids).

use crate::error::Stored;
use crate::StoreError;
use rusqlite::{params, Connection};
use std::collections::HashMap;

/// The interned campaign and source names.
#[derive(Default)]
pub(super) struct Strings {
    ids: HashMap<String, i64>,
    /// The same as `ids` in a list: a feed has a handful of campaigns and sources, and a scan
    /// of a few short strings costs a fraction of hashing one (twice an entry in a snapshot).
    few: Vec<(String, i64)>,
    texts: HashMap<i64, String>,
    next: i64,
}

/// Up to this many strings, [`Strings::id`] scans a list instead of hashing.
const FEW_STRINGS: usize = 16;

impl Strings {
    pub(super) fn load(tx: &Connection) -> Result<Strings, StoreError> {
        let mut s = Strings::default();
        let mut stmt = tx.prepare("SELECT id, text FROM feed_string")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, text): (i64, String) = (r.get(0)?, r.get(1)?);
            s.next = s.next.max(id);
            s.ids.insert(text.clone(), id);
            s.few.push((text.clone(), id));
            s.texts.insert(id, text);
        }
        Ok(s)
    }

    pub(super) fn id(
        &mut self,
        tx: &Connection,
        s: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        let Some(s) = s else { return Ok(None) };
        let known = if self.few.len() <= FEW_STRINGS {
            self.few.iter().find(|(t, _)| t == s).map(|(_, id)| id)
        } else {
            self.ids.get(s)
        };
        if let Some(id) = known {
            return Ok(Some(*id));
        }
        self.next += 1;
        let id = self.next;
        tx.prepare_cached("INSERT INTO feed_string (id, text) VALUES (?1, ?2)")?
            .execute(params![id, s])?;
        self.ids.insert(s.to_owned(), id);
        self.few.push((s.to_owned(), id));
        self.texts.insert(id, s.to_owned());
        Ok(Some(id))
    }

    pub(super) fn text_ref(&self, id: Option<i64>) -> Result<Option<&str>, StoreError> {
        id.map(|id| {
            self.texts
                .get(&id)
                .map(String::as_str)
                .ok_or_else(|| StoreError::corrupt(Stored::FeedStrings, format!("{id} is missing")))
        })
        .transpose()
    }

    pub(super) fn text(&self, id: Option<i64>) -> Result<Option<String>, StoreError> {
        id.map(|id| {
            self.texts
                .get(&id)
                .cloned()
                .ok_or_else(|| StoreError::corrupt(Stored::FeedStrings, format!("{id} is missing")))
        })
        .transpose()
    }
}

/// The interned campaign and source names by id, as the index keeps them for lookups. An id
/// it lacks (a string a later delta added) is read from the table.
pub(crate) type StringCache = HashMap<i64, String>;

/// Every interned string.
pub(crate) fn load_strings(conn: &Connection) -> Result<StringCache, StoreError> {
    Ok(Strings::load(conn)?.texts)
}
