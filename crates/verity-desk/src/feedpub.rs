//! The desk's part of the organisation's feed (issue 14's reporting window): confirming a
//! reported number or link queues it for the next feed version; publishing signs that version
//! with the online keys the desk holds (`verity_feed::publish_additions`: targets, snapshot and
//! timestamp; the root keys stay offline) into the feed repository devices sync from.
//!
//! A failure half-way never loses an item: the queue is marked only after the version is
//! installed, and an item published twice (the marking failed after a publish) changes nothing,
//! since an addition already listed keeps the listed entry.

use crate::admin::{check_reason, AdminError};
use crate::store::{
    DeskStore, FeedItemRecord, FeedPublisherRecord, KnownItemRecord, NewFeedItem, NewKnownItem,
    ReportRecord, ReportStatus, ResolveOutcome,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use verity_check::official::{KnownContact, KnownError, KnownKind};
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::phone::Region;
use verity_core::Timestamp;
use verity_feed::{Additions, FeedEntry, PublishOptions};

/// How much of a reported link goes into the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkScope {
    /// That address (its Safe Browsing expression: host and path).
    #[default]
    Url,
    /// The whole domain and its subdomains.
    Domain,
}

/// What a confirmation did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Confirmed {
    /// How many reports changed (the group's new reports).
    pub reports: u32,
    /// The feed item queued, when the report names a number or link: `(kind, value)`.
    pub queued: Option<(String, String)>,
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Published {
    /// The new feed version.
    pub version: u64,
    /// Entries new in it.
    pub added: u64,
    /// Entries in it.
    pub entries: u64,
    /// Queued items it carries.
    pub items: u32,
}

/// The feed entry a report names, if it names one: a number or link from a Check or a threat.
/// An incident on one computer (a tripwire, a support message) has none.
///
/// # Errors
/// [`AdminError::Usage`] when the report's item cannot be read as a feed entry.
pub fn entry_of(
    report: &ReportRecord,
    category: Category,
    scope: LinkScope,
    source: String,
    now: u64,
) -> Result<Option<BlocklistEntry>, AdminError> {
    let Some(item) = report.item.as_deref() else {
        return Ok(None);
    };
    if report.kind != "check" && report.kind != "threat" {
        return Ok(None);
    }
    let (kind, raw) = if item.starts_with('+') {
        (EntryKind::Phone, item.to_owned())
    } else {
        let url = url::Url::parse(item)
            .map_err(|e| AdminError::Usage(format!("report {}: not a link: {e}", report.id)))?;
        match scope {
            LinkScope::Url => (EntryKind::Url, item.to_owned()),
            LinkScope::Domain => (
                EntryKind::Domain,
                url.host_str()
                    .ok_or_else(|| AdminError::Usage(format!("report {}: no host", report.id)))?
                    .to_owned(),
            ),
        }
    };
    let at = Timestamp(i64::try_from(now).unwrap_or(i64::MAX));
    BlocklistEntry::new(kind, &raw, category, None, Some(source), at, Region::HK)
        .map(Some)
        .map_err(|e| AdminError::Usage(format!("report {}: {e}", report.id)))
}

/// Parses a feed category's code (`fake_support`, `fake_upgrade`, `freeze_threat`, `phishing`,
/// `other`).
///
/// # Errors
/// [`AdminError::Usage`] naming the codes.
pub fn parse_category(code: &str) -> Result<Category, AdminError> {
    Category::from_str(code).map_err(|_| {
        AdminError::Usage(format!(
            "unknown category {code:?}: use fake_support, fake_upgrade, freeze_threat, phishing \
             or other"
        ))
    })
}

/// Confirms report `id` (and every other new report of its item) and, when it names a number
/// or link, queues that item with `category` for the next feed version — both or neither.
///
/// # Errors
/// [`AdminError::NoSuchReport`]; [`AdminError::Usage`] for a bad reason, a report resolved
/// already, or an item that cannot be a feed entry; the store's.
pub fn confirm_report(
    store: &dyn DeskStore,
    id: u64,
    category: Category,
    scope: LinkScope,
    reason: &str,
    actor: &str,
    now: u64,
) -> Result<Confirmed, AdminError> {
    let reason = check_reason(reason)?;
    let report = store.report(id)?.ok_or(AdminError::NoSuchReport(id))?;
    let entry = entry_of(&report, category, scope, format!("report #{id}"), now)?;
    let outcome = match &entry {
        None => store.resolve_reports(id, ReportStatus::Confirmed, reason, now)?,
        Some(e) => store.confirm_reports_into_feed(
            id,
            reason,
            now,
            &NewFeedItem {
                kind: e.kind.as_str().to_owned(),
                value: e.value.clone(),
                category: e.category.as_str().to_owned(),
                report_id: Some(id),
                reason: reason.to_owned(),
                actor: actor.to_owned(),
                added_at: now,
            },
        )?,
    };
    match outcome {
        ResolveOutcome::Resolved { count } => Ok(Confirmed {
            reports: count,
            queued: entry.map(|e| (e.kind.as_str().to_owned(), e.value)),
        }),
        ResolveOutcome::NotFound => Err(AdminError::NoSuchReport(id)),
        ResolveOutcome::AlreadyResolved(s) => Err(AdminError::Usage(format!(
            "report {id} is {} already",
            s.as_str()
        ))),
    }
}

/// Upholds appeal `id` (an employee said the number or link is genuine) and every other new
/// appeal of the same item, and queues it for the organisation's allowlist in the next feed
/// version as `label` (who it is) — both or neither. Devices then check it as known to the
/// organisation (`org_known`), while scam scripts in messages from it are still flagged.
///
/// # Errors
/// [`AdminError::NoSuchReport`]; [`AdminError::Usage`] for a report that is not an appeal, a bad
/// label (mentions "label") or reason, an item that cannot be allowlisted, or a resolved report.
pub fn confirm_appeal(
    store: &dyn DeskStore,
    id: u64,
    label: &str,
    reason: &str,
    actor: &str,
    now: u64,
) -> Result<Confirmed, AdminError> {
    let reason = check_reason(reason)?;
    let report = store.report(id)?.ok_or(AdminError::NoSuchReport(id))?;
    let (Some(item), "appeal") = (report.item.as_deref(), report.kind.as_str()) else {
        return Err(AdminError::Usage(format!("report {id} is not an appeal")));
    };
    let kind = if item.starts_with('+') {
        KnownKind::Phone
    } else {
        KnownKind::Domain
    };
    let contact = KnownContact::new(kind, item, label, Region::HK).map_err(|e| match e {
        KnownError::EmptyLabel
        | KnownError::LabelTooLong { .. }
        | KnownError::LabelHiddenChar(_) => AdminError::Usage(format!("the label: {e}")),
        other => AdminError::Usage(format!("report {id}: {other}")),
    })?;
    let outcome = store.confirm_reports_into_allowlist(
        id,
        reason,
        now,
        &NewKnownItem {
            kind: contact.kind.as_str().to_owned(),
            value: contact.value.clone(),
            label: contact.label.clone(),
            report_id: Some(id),
            reason: reason.to_owned(),
            actor: actor.to_owned(),
            added_at: now,
        },
    )?;
    match outcome {
        ResolveOutcome::Resolved { count } => Ok(Confirmed {
            reports: count,
            queued: Some((format!("known {}", contact.kind.as_str()), contact.value)),
        }),
        ResolveOutcome::NotFound => Err(AdminError::NoSuchReport(id)),
        ResolveOutcome::AlreadyResolved(s) => Err(AdminError::Usage(format!(
            "report {id} is {} already",
            s.as_str()
        ))),
    }
}

/// Sets where the desk publishes: a repository `verityctl feed init` made (its `root.json` is
/// there) and the directory of its online keys. Both are kept as absolute paths.
///
/// # Errors
/// [`AdminError::Usage`] when either is not what it should be; the store's.
pub fn set_publisher(
    store: &dyn DeskStore,
    repo: &Path,
    keys: &Path,
    now: u64,
) -> Result<FeedPublisherRecord, AdminError> {
    let absolute = |p: &Path, what: &str| -> Result<PathBuf, AdminError> {
        std::fs::canonicalize(p)
            .map_err(|e| AdminError::Usage(format!("the feed's {what} {}: {e}", p.display())))
    };
    let repo = absolute(repo, "repository")?;
    let keys = absolute(keys, "key directory")?;
    if !repo.join("root.json").is_file() {
        return Err(AdminError::Usage(format!(
            "{} holds no root.json: give the repository `verityctl feed init --repo` made",
            repo.display()
        )));
    }
    if !keys.is_dir() || repo == keys {
        return Err(AdminError::Usage(format!(
            "{} is not the directory of the feed's online keys (`verityctl feed init --keys`)",
            keys.display()
        )));
    }
    let record = FeedPublisherRecord {
        repo: repo.to_string_lossy().into_owned(),
        keys: keys.to_string_lossy().into_owned(),
        set_at: now,
    };
    store.set_feed_publisher(Some(&record))?;
    Ok(record)
}

/// One publish at a time in this process (the console's routes run concurrently).
static PUBLISHING: Mutex<()> = Mutex::new(());

/// Publishes the queued items as the next feed version. Blocking (signing and file writes): call
/// it from a blocking thread.
///
/// # Errors
/// [`AdminError::NoPublisher`], [`AdminError::NothingToPublish`], [`AdminError::Feed`] (nothing
/// of the queue is marked then), the store's.
pub fn publish(store: &dyn DeskStore, now: u64) -> Result<Published, AdminError> {
    let _one = PUBLISHING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let publisher = store.feed_publisher()?.ok_or(AdminError::NoPublisher)?;
    let pending = store.feed_items(true, 10_000)?;
    let known = store.known_items(true, 10_000)?;
    if pending.is_empty() && known.is_empty() {
        return Err(AdminError::NothingToPublish);
    }
    let additions = Additions {
        block: pending
            .iter()
            .map(feed_entry)
            .collect::<Result<Vec<_>, _>>()?,
        known: known
            .iter()
            .map(known_contact)
            .collect::<Result<Vec<_>, _>>()?,
    };
    let at = Timestamp(i64::try_from(now).unwrap_or(i64::MAX));
    let report = verity_feed::publish_additions(
        Path::new(&publisher.repo),
        Path::new(&publisher.keys),
        additions,
        &PublishOptions::default(),
        at,
    )?;
    let ids: Vec<u64> = pending.iter().map(|i| i.id).collect();
    store.mark_feed_items_published(&ids, report.version, now)?;
    let known_ids: Vec<u64> = known.iter().map(|i| i.id).collect();
    store.mark_known_items_published(&known_ids, report.version, now)?;
    Ok(Published {
        version: report.version,
        added: report.added,
        entries: report.entries,
        items: u32::try_from(ids.len() + known_ids.len()).unwrap_or(u32::MAX),
    })
}

fn known_contact(item: &KnownItemRecord) -> Result<KnownContact, AdminError> {
    let kind = KnownKind::from_str(&item.kind)
        .map_err(|_| AdminError::Usage(format!("queued contact {}: unknown kind", item.id)))?;
    KnownContact::new(kind, &item.value, &item.label, Region::HK)
        .map_err(|e| AdminError::Usage(format!("queued contact {}: {e}", item.id)))
}

fn feed_entry(item: &FeedItemRecord) -> Result<FeedEntry, AdminError> {
    let damaged = |what: &str| AdminError::Usage(format!("queued item {}: {what}", item.id));
    let kind = EntryKind::from_str(&item.kind).map_err(|_| damaged("unknown kind"))?;
    let category = Category::from_str(&item.category).map_err(|_| damaged("unknown category"))?;
    let at = Timestamp(i64::try_from(item.added_at).unwrap_or(i64::MAX));
    let source = item.report_id.map_or_else(
        || format!("analyst {}", item.actor),
        |r| format!("report #{r}"),
    );
    let entry = BlocklistEntry::new(
        kind,
        &item.value,
        category,
        None,
        Some(source),
        at,
        Region::HK,
    )
    .map_err(|e| damaged(&e.to_string()))?;
    Ok(FeedEntry { entry, alert: true })
}
