use crate::error::{CmdResult, ErrorCode, ErrorReason, IpcError};
use crate::feed_sync::{self, FeedConfig, FeedStatus, FeedSync, RootInfoView};
use crate::host::OpenRequest;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime, State};
use verity_core::blocklist::{Category, EntryKind};
use verity_core::Timestamp;
use verity_feed_policy::config::{self as feed_config, TrustAnchor};
use verity_store::{TrustChange, TrustChangeKind};

/// The most threats one call returns.
const MAX_LISTED: u32 = 500;

/// One new threat on the Threats screen.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ThreatItem {
    /// Its id, for "mark read up to".
    pub id: u32,
    /// Phone, domain or link.
    pub kind: EntryKind,
    /// The normalised value.
    pub value: String,
    /// The scam.
    pub category: Category,
    /// The campaign, if named.
    pub campaign: Option<String>,
    /// Who reported it, if said.
    pub source: Option<String>,
    /// When the feed added it.
    pub added: Timestamp,
    /// The feed version that brought it.
    pub version: u32,
    /// When this computer received it.
    pub received: Timestamp,
    /// Whether the user has seen it.
    pub read: bool,
}

/// The Threats screen's list, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ThreatList {
    /// The threats.
    pub items: Vec<ThreatItem>,
    /// How many are unread.
    pub unread: u32,
}

/// Refuses a change while the organisation sets the feed: its provisioning file (even a broken
/// one), or the configuration its desk signed.
fn locked(state: &AppState, feed: &FeedSync) -> CmdResult<()> {
    let (settings, fstate) = state.with_store(|s| Ok((s.feed_settings()?, s.feed_state()?)))?;
    let by = match feed.effective(state.data_dir(), &settings, &fstate) {
        Ok(Some(e)) if e.provisioned => e.anchor,
        Ok(_) => return Ok(()),
        // A provisioning file that cannot be used still locks the feed.
        Err(_) => TrustAnchor::Provisioned,
    };
    Err(if by == TrustAnchor::Organisation {
        IpcError::new(
            ErrorCode::FeedLocked,
            "your organisation's desk sets the feed (signed with the organisation key)",
        )
    } else {
        IpcError::new(
            ErrorCode::FeedLocked,
            format!(
                "the administrator's provisioning file {} sets the feed",
                feed.provisioning_path().display()
            ),
        )
    })
}

fn invalid(e: &feed_config::FeedConfigError) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, e.to_string())
}

/// The feed's freshness, sync progress, next sync and unread threats.
#[tauri::command]
#[specta::specta]
pub async fn feed_status(
    state: State<'_, AppState>,
    feed: State<'_, FeedSync>,
) -> CmdResult<FeedStatus> {
    feed_sync::status(&state, &feed)
}

/// Syncs the feed now ("Sync now"); progress arrives as `feed-progress` events.
#[tauri::command]
#[specta::specta]
pub async fn sync_now<R: Runtime>(app: AppHandle<R>) -> CmdResult<FeedStatus> {
    feed_sync::sync_once(&app).await
}

/// The feed settings: URL, proxy, trusted root, whether the administrator locked them, alerts.
#[tauri::command]
#[specta::specta]
pub async fn feed_config(
    state: State<'_, AppState>,
    feed: State<'_, FeedSync>,
) -> CmdResult<FeedConfig> {
    feed_sync::config(&state, &feed)
}

/// Sets the feed URL (empty: none) and proxy (empty: the system's), then syncs soon. A change
/// of URL is written to the trust log and announced by a desktop notification.
#[tauri::command]
#[specta::specta]
pub async fn set_feed_source<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    feed: State<'_, FeedSync>,
    url: String,
    proxy: String,
) -> CmdResult<FeedConfig> {
    locked(&state, &feed)?;
    let url = if url.trim().is_empty() {
        None
    } else {
        Some(feed_config::parse_feed_url(&url).map_err(|e| invalid(&e))?)
    };
    let proxy = feed_config::parse_proxy(&proxy).map_err(|e| invalid(&e))?;
    // Empty is recorded as such: the user turned the feed off (no fallback to a past sync's URL).
    let change = state.with_store(|s| {
        let before = s.feed_settings()?.url.filter(|u| !u.is_empty());
        s.set_feed_source(Some(url.as_deref().unwrap_or("")), proxy.as_deref())?;
        if before == url {
            return Ok(None);
        }
        let change = TrustChange {
            at: crate::clock::now(),
            kind: TrustChangeKind::FeedUrl,
            anchor: TrustAnchor::Manual,
            url: url.clone(),
            fingerprint: None,
        };
        s.record_trust_change(&change)?;
        Ok(Some(change))
    })?;
    if let Some(c) = change {
        feed_sync::tell_trust_change(&state, &c);
    }
    changed(&app, &feed)
}

/// What a `root.json` says of itself, for the confirmation screen: nothing is changed.
#[tauri::command]
#[specta::specta]
pub async fn preview_feed_root(json: String) -> CmdResult<RootInfoView> {
    Ok(feed_config::parse_root(json.trim().as_bytes())
        .map_err(|e| invalid(&e))?
        .into())
}

/// Sets the trusted root from `root.json` text after the user confirmed it: `fingerprint` is
/// the one the confirmation screen showed, and must be this root's. Refused while the
/// organisation pins the feed (provisioning, or a root it put in force: only the administrator
/// changes that). A root entered here adds blocklist entries only, never official channels.
/// The change is written to the trust log and announced by a desktop notification.
#[tauri::command]
#[specta::specta]
pub async fn set_feed_root<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    feed: State<'_, FeedSync>,
    json: String,
    fingerprint: String,
) -> CmdResult<FeedConfig> {
    locked(&state, &feed)?;
    let json = json.trim();
    let info = feed_config::parse_root(json.as_bytes()).map_err(|e| invalid(&e))?;
    if info.fingerprint != fingerprint.trim() {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "this root is not the one that was confirmed; review its fingerprint again",
        )
        .with_reason(ErrorReason::RootUnconfirmed));
    }
    let change = state.with_store(|s| {
        let settings = s.feed_settings()?;
        if settings
            .root_anchor
            .is_some_and(TrustAnchor::is_organisation)
        {
            return Ok(Err(()));
        }
        s.set_feed_root(Some(json))?;
        let change = TrustChange {
            at: crate::clock::now(),
            kind: TrustChangeKind::FeedRoot,
            anchor: TrustAnchor::Manual,
            url: settings.url.filter(|u| !u.is_empty()),
            fingerprint: Some(info.fingerprint.clone()),
        };
        s.record_trust_change(&change)?;
        Ok(Ok(change))
    })?;
    let Ok(change) = change else {
        return Err(pinned());
    };
    feed_sync::tell_trust_change(&state, &change);
    changed(&app, &feed)
}

fn pinned() -> IpcError {
    IpcError::new(
        ErrorCode::FeedLocked,
        "your organisation pinned this feed's trusted root; only the administrator can change it",
    )
    .with_reason(ErrorReason::RootPinned)
}

/// A `root.json` the user picked in the system's Open dialog (opened here, from Rust: the web
/// view names no path), read and recognised for the confirmation screen; `None`: cancelled.
/// Nothing is changed until [`set_feed_root`].
#[tauri::command]
#[specta::specta]
pub async fn pick_feed_root(
    state: State<'_, AppState>,
    feed: State<'_, FeedSync>,
) -> CmdResult<Option<PickedRoot>> {
    locked(&state, &feed)?;
    let host = state.host.clone();
    let lang = state.with_store(|s| s.settings())?.language;
    let request = OpenRequest {
        title: crate::i18n::text(lang, "feed.pick_root.title"),
        filter_name: crate::i18n::text(lang, "feed.pick_root.filter"),
        extensions: vec!["json".to_owned()],
    };
    let picked = tauri::async_runtime::spawn_blocking(move || host.choose_open_path(&request))
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, format!("the dialog task failed: {e}")))?
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
    let Some(path) = picked else {
        return Ok(None);
    };
    let bytes = crate::provisioning::read_root_file(&path)
        .map_err(|e| IpcError::new(ErrorCode::InvalidInput, e))?;
    let json = String::from_utf8(bytes)
        .map_err(|_| IpcError::new(ErrorCode::InvalidInput, "root.json is not UTF-8"))?;
    // The fingerprint of the text `set_feed_root` will be given (trimmed, as it trims).
    let json = json.trim().to_owned();
    let info = feed_config::parse_root(json.as_bytes()).map_err(|e| invalid(&e))?;
    Ok(Some(PickedRoot {
        json,
        root: info.into(),
    }))
}

/// A `root.json` picked in the Open dialog.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PickedRoot {
    /// Its text, to be confirmed with [`set_feed_root`].
    pub json: String,
    /// Its version and fingerprint.
    pub root: RootInfoView,
}

/// One change of the feed's address or trusted root, newest first in Settings.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TrustLogItem {
    /// When.
    pub at: Timestamp,
    /// `feed_url` or `feed_root`.
    pub what: TrustLogWhat,
    /// Who made it.
    pub anchor: TrustAnchor,
    /// The feed address after it.
    pub url: Option<String>,
    /// The trusted root's fingerprint after it.
    pub fingerprint: Option<String>,
}

/// What a trust-log entry changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum TrustLogWhat {
    /// The feed address.
    FeedUrl,
    /// The trusted root.
    FeedRoot,
}

/// The trust log: every change of the feed's address or root, newest first (at most 50).
#[tauri::command]
#[specta::specta]
pub async fn feed_trust_log(state: State<'_, AppState>) -> CmdResult<Vec<TrustLogItem>> {
    let log = state.with_store(|s| s.trust_log(50))?;
    Ok(log
        .into_iter()
        .map(|c| TrustLogItem {
            at: c.at,
            what: match c.kind {
                TrustChangeKind::FeedUrl => TrustLogWhat::FeedUrl,
                TrustChangeKind::FeedRoot => TrustLogWhat::FeedRoot,
            },
            anchor: c.anchor,
            url: c.url,
            fingerprint: c.fingerprint,
        })
        .collect())
}

/// Sets the notification preferences for new threats.
#[tauri::command]
#[specta::specta]
pub async fn set_feed_alerts(
    state: State<'_, AppState>,
    feed: State<'_, FeedSync>,
    alerts: bool,
    quiet: bool,
) -> CmdResult<FeedConfig> {
    state.with_store(|s| s.set_feed_alerts(alerts, quiet))?;
    feed_sync::config(&state, &feed)
}

/// The new threats, newest first, with the unread count.
#[tauri::command]
#[specta::specta]
pub async fn list_threats(state: State<'_, AppState>) -> CmdResult<ThreatList> {
    let (threats, unread) =
        state.with_store(|s| Ok((s.threats(MAX_LISTED)?, s.unread_threats()?)))?;
    let small = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    let items = threats
        .into_iter()
        .map(|t| ThreatItem {
            id: small(t.id),
            kind: t.entry.kind,
            value: t.entry.value,
            category: t.entry.category,
            campaign: t.entry.campaign,
            source: t.entry.source,
            added: t.entry.added,
            version: u32::try_from(t.version).unwrap_or(u32::MAX),
            received: t.received,
            read: t.read,
        })
        .collect();
    Ok(ThreatList { items, unread })
}

/// Marks the threats up to `up_to` (the newest id the user saw; all when null) as read.
/// Resolves to the unread count left.
#[tauri::command]
#[specta::specta]
pub async fn mark_threats_read<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    up_to: Option<u32>,
) -> CmdResult<u32> {
    let unread = state.with_store(|s| {
        s.mark_threats_read(up_to.map(i64::from))?;
        s.unread_threats()
    })?;
    feed_sync::announce(&app);
    Ok(unread)
}

fn changed<R: Runtime>(app: &AppHandle<R>, feed: &FeedSync) -> CmdResult<FeedConfig> {
    feed.sync_soon();
    feed_sync::announce(app);
    let state = tauri::Manager::state::<AppState>(app);
    feed_sync::config(&state, feed)
}
