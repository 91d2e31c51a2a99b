//! The feed's entries as stored: the codes of kinds and categories in `feed_block`, an entry
//! from its block fields, the listings and single lookups, and the writes outside a feed apply
//! (an import taking a value over, a remove, tests and benchmarks filling a list).

use super::strings::{StringCache, Strings};
use crate::blocklist::{ImportReport, Origin, StoredEntry};
use crate::error::Stored;
use crate::feed_block::{Attrs, Editor};
use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::cmp::Ordering;
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::Timestamp;

pub(super) fn canonical_cmp(a: (EntryKind, &str), b: (EntryKind, &str)) -> Ordering {
    a.0.as_str()
        .cmp(b.0.as_str())
        .then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
}

/// The stored code of a kind (`feed_entry.kind`).
pub(crate) fn kind_code(k: EntryKind) -> i64 {
    match k {
        EntryKind::Phone => 1,
        EntryKind::Domain => 2,
        EntryKind::Url => 3,
    }
}

pub(crate) fn kind_of(c: i64) -> Result<EntryKind, StoreError> {
    match c {
        1 => Ok(EntryKind::Phone),
        2 => Ok(EntryKind::Domain),
        3 => Ok(EntryKind::Url),
        _ => Err(StoreError::corrupt(
            Stored::FeedEntries,
            format!("kind {c}"),
        )),
    }
}

pub(super) fn category_code(c: Category) -> i64 {
    match c {
        Category::FakeSupport => 0,
        Category::FakeUpgrade => 1,
        Category::FreezeThreat => 2,
        Category::Phishing => 3,
        Category::Other => 4,
    }
}

pub(super) fn category_of(c: i64) -> Result<Category, StoreError> {
    Ok(match c {
        0 => Category::FakeSupport,
        1 => Category::FakeUpgrade,
        2 => Category::FreezeThreat,
        3 => Category::Phishing,
        4 => Category::Other,
        _ => {
            return Err(StoreError::corrupt(
                Stored::FeedEntries,
                format!("category {c}"),
            ))
        }
    })
}

/// The kinds in `feed_entry` key order.
pub(super) const KIND_ORDER: [EntryKind; 3] = [EntryKind::Phone, EntryKind::Domain, EntryKind::Url];

/// An entry and its alert flag from block fields and its campaign and source names.
fn entry_of(
    kind: EntryKind,
    value: String,
    a: &Attrs,
    campaign: Option<String>,
    source: Option<String>,
) -> Result<(BlocklistEntry, bool), StoreError> {
    Ok((
        BlocklistEntry {
            kind,
            value,
            category: category_of(i64::from(a.category))?,
            campaign,
            source,
            added: Timestamp(a.added),
        },
        a.alert,
    ))
}

/// An entry and its alert flag from block fields, its strings from `strings`.
pub(super) fn entry_of_attrs(
    kind: EntryKind,
    value: String,
    a: &Attrs,
    strings: &Strings,
) -> Result<(BlocklistEntry, bool), StoreError> {
    entry_of(
        kind,
        value,
        a,
        strings.text(a.campaign)?,
        strings.text(a.source)?,
    )
}

/// An entry's block fields, its strings interned.
pub(super) fn attrs_of(
    tx: &Connection,
    strings: &mut Strings,
    e: &BlocklistEntry,
    alert: bool,
) -> Result<Attrs, StoreError> {
    Ok(Attrs {
        category: u8::try_from(category_code(e.category)).unwrap_or(4),
        campaign: strings.id(tx, e.campaign.as_deref())?,
        source: strings.id(tx, e.source.as_deref())?,
        added: e.added.0,
        alert,
    })
}

/// Feed entries, and how many of them are phone numbers.
pub(crate) fn feed_counts(conn: &Connection) -> Result<(i64, i64), StoreError> {
    let all: i64 = conn.query_row("SELECT count FROM feed_list WHERE id = 1", [], |r| r.get(0))?;
    let phones: i64 = conn.query_row(
        "SELECT coalesce(sum(count), 0) FROM feed_block WHERE kind = ?1",
        [kind_code(EntryKind::Phone)],
        |r| r.get(0),
    )?;
    Ok((all, phones))
}

/// A stored feed entry from its block fields: campaign and source from `cache` when it has
/// them, else read in one query.
fn stored(
    conn: &Connection,
    kind: EntryKind,
    value: &str,
    a: &Attrs,
    cache: Option<&StringCache>,
) -> Result<StoredEntry, StoreError> {
    let cached = |id: Option<i64>| -> Option<Option<String>> {
        match id {
            None => Some(None),
            Some(id) => cache?.get(&id).map(|t| Some(t.clone())),
        }
    };
    let (campaign, source): (Option<String>, Option<String>) =
        if let (Some(c), Some(s)) = (cached(a.campaign), cached(a.source)) {
            (c, s)
        } else {
            conn.prepare_cached(
                "SELECT (SELECT text FROM feed_string WHERE id = ?1),
                        (SELECT text FROM feed_string WHERE id = ?2)",
            )?
            .query_row(params![a.campaign, a.source], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
        };
    for (id, text) in [(a.campaign, &campaign), (a.source, &source)] {
        if let (Some(id), None) = (id, text) {
            return Err(StoreError::corrupt(
                Stored::FeedStrings,
                format!("{id} is missing"),
            ));
        }
    }
    let (entry, alert) = entry_of(kind, value.to_owned(), a, campaign, source)?;
    Ok(StoredEntry {
        entry,
        origin: Origin::Feed,
        alert,
    })
}

/// The feed entry (kind, value), reading the one block that may hold it.
#[cfg(test)]
pub(crate) fn feed_entry(
    conn: &Connection,
    kind: EntryKind,
    value: &str,
) -> Result<Option<StoredEntry>, StoreError> {
    feed_entry_cached(conn, kind, value, None)
}

/// [`feed_entry`], with the strings from `cache` where it has them.
pub(crate) fn feed_entry_cached(
    conn: &Connection,
    kind: EntryKind,
    value: &str,
    cache: Option<&StringCache>,
) -> Result<Option<StoredEntry>, StoreError> {
    crate::feed_block::lookup(conn, kind_code(kind), value)?
        .map(|a| stored(conn, kind, value, &a, cache))
        .transpose()
}

/// Every feed entry, in key order (kind code, then value).
pub(crate) fn feed_entries(conn: &Connection) -> Result<Vec<StoredEntry>, StoreError> {
    let strings = Strings::load(conn)?;
    let mut out = Vec::new();
    crate::feed_block::scan(conn, None, |kind, value, a| {
        let (entry, alert) = entry_of_attrs(kind_of(kind)?, value.to_owned(), a, &strings)?;
        out.push(StoredEntry {
            entry,
            origin: Origin::Feed,
            alert,
        });
        Ok(())
    })?;
    Ok(out)
}

/// Empties the feed list (the strings stay), for a replacement outside a feed apply.
pub(crate) fn clear_entries(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute("DELETE FROM feed_block", [])?;
    Ok(())
}

/// Removes the feed entry (kind, value) and returns it, for an import that takes it over.
pub(crate) fn take_feed_entry(
    tx: &Transaction<'_>,
    kind: EntryKind,
    value: &str,
) -> Result<Option<StoredEntry>, StoreError> {
    let mut ed = Editor::new(tx);
    let old = ed.remove(kind_code(kind), value)?;
    ed.finish()?;
    old.map(|a| stored(tx, kind, value, &a, None)).transpose()
}

/// Writes entries as feed entries outside a feed apply (tests and benchmarks fill a list so):
/// an existing feed entry is updated keeping its date added, a local one is taken over. The
/// triggers leave the list's digest unknown. A value given twice takes its last details.
pub(crate) fn import_feed(
    tx: &Transaction<'_>,
    entries: &[(BlocklistEntry, bool)],
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    let mut strings = Strings::load(tx)?;
    let mut take_over =
        tx.prepare("DELETE FROM blocklist_entry WHERE kind = ?1 AND value = ?2 RETURNING added")?;
    // In key order the blocks are read and written once each (stable: the last of a value wins).
    let mut sorted: Vec<&(BlocklistEntry, bool)> = entries.iter().collect();
    sorted.sort_by(|a, b| {
        (kind_code(a.0.kind), a.0.value.as_bytes())
            .cmp(&(kind_code(b.0.kind), b.0.value.as_bytes()))
    });
    let mut ed = Editor::new(tx);
    for (e, alert) in sorted {
        let kind = kind_code(e.kind);
        let local: Option<i64> = take_over
            .query_row(params![e.kind.as_str(), e.value], |r| r.get(0))
            .optional()?;
        let mut attrs = attrs_of(tx, &mut strings, e, *alert)?;
        match (ed.get(kind, &e.value)?, local) {
            (Some(o), _) => {
                attrs.added = o.added;
                if o == attrs {
                    report.unchanged += 1;
                    continue;
                }
                report.updated += 1;
            }
            (None, Some(added)) => {
                attrs.added = added;
                report.updated += 1;
            }
            (None, None) => report.added += 1,
        }
        ed.upsert(kind, &e.value, attrs)?;
    }
    ed.finish()?;
    Ok(report)
}
