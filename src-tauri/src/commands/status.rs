use crate::error::CmdResult;
use crate::state::AppState;
use serde::Serialize;
use specta::Type;
use tauri::State;

/// What Home shows about the installation.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    /// The app's version.
    pub app_version: String,
    /// The data directory shared with `verityctl`.
    pub data_dir: String,
    /// The database file's name inside it.
    pub database_file: String,
    /// The store's schema version.
    pub schema_version: u32,
    /// What the local blocklist holds.
    pub blocklist: BlocklistState,
}

/// Counts of the local blocklist, for Home.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BlocklistState {
    /// Every entry.
    pub entries: u32,
    /// Phone numbers.
    pub phones: u32,
    /// Domains and links.
    pub links: u32,
    /// Entries from the bundled sample list (labelled as such; replaced by the first feed sync).
    pub sample: u32,
}

/// The installation's state, read from the store.
#[tauri::command]
#[specta::specta]
pub async fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    let (schema_version, summary) =
        state.with_store(|s| Ok((s.schema_version()?, s.blocklist_summary()?)))?;
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(AppStatus {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: state.data_dir().display().to_string(),
        database_file: verity_store::DATABASE_FILE.to_owned(),
        schema_version,
        blocklist: BlocklistState {
            entries: count(summary.entries),
            phones: count(summary.phones),
            links: count(summary.links),
            sample: count(summary.sample),
        },
    })
}
