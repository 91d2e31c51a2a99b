use crate::error::{CmdResult, ErrorCode, IpcError};
use crate::feed_sync::{self, FeedConfig, FeedStatus, FeedSync};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime, State};
use verity_core::blocklist::{Category, EntryKind};
use verity_core::feed_config;
use verity_core::Timestamp;

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

fn locked(feed: &FeedSync) -> CmdResult<()> {
    match feed.provisioning() {
        crate::provisioning::Loaded::Absent => Ok(()),
        _ => Err(IpcError::new(
            ErrorCode::FeedLocked,
            format!(
                "the administrator's provisioning file {} sets the feed",
                feed.provisioning_path().display()
            ),
        )),
    }
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

/// Sets the feed URL (empty: none) and proxy (empty: the system's), then syncs soon.
#[tauri::command]
#[specta::specta]
pub async fn set_feed_source<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    feed: State<'_, FeedSync>,
    url: String,
    proxy: String,
) -> CmdResult<FeedConfig> {
    locked(&feed)?;
    let url = if url.trim().is_empty() {
        None
    } else {
        Some(feed_config::parse_feed_url(&url).map_err(|e| invalid(&e))?)
    };
    let proxy = feed_config::parse_proxy(&proxy).map_err(|e| invalid(&e))?;
    // Empty is recorded as such: the user turned the feed off (no fallback to a past sync's URL).
    state
        .with_store(|s| s.set_feed_source(Some(url.as_deref().unwrap_or("")), proxy.as_deref()))?;
    changed(&app, &feed)
}

/// Sets the trusted root from pasted `root.json` text.
#[tauri::command]
#[specta::specta]
pub async fn set_feed_root<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    feed: State<'_, FeedSync>,
    json: String,
) -> CmdResult<FeedConfig> {
    locked(&feed)?;
    feed_config::parse_root(json.as_bytes()).map_err(|e| invalid(&e))?;
    state.with_store(|s| s.set_feed_root(Some(json.trim())))?;
    changed(&app, &feed)
}

/// Sets the trusted root from a `root.json` file the user named (read here: the web view has no
/// file system access).
#[tauri::command]
#[specta::specta]
pub async fn load_feed_root<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    feed: State<'_, FeedSync>,
    path: String,
) -> CmdResult<FeedConfig> {
    locked(&feed)?;
    let bytes = crate::provisioning::read_root_file(std::path::Path::new(path.trim()))
        .map_err(|e| IpcError::new(ErrorCode::InvalidInput, e))?;
    feed_config::parse_root(&bytes).map_err(|e| invalid(&e))?;
    let json = String::from_utf8(bytes)
        .map_err(|_| IpcError::new(ErrorCode::InvalidInput, "root.json is not UTF-8"))?;
    state.with_store(|s| s.set_feed_root(Some(json.trim())))?;
    changed(&app, &feed)
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
