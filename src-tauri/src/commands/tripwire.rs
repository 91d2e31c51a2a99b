//! The tripwires' commands: their state for Home and Settings, the user's choices (each
//! tripwire on or off; turning one off raises a notification that says real support never asks
//! for it), and the events they raised, for the Threats screen.

use crate::error::{CmdResult, ErrorCode, ErrorReason, IpcError};
use crate::host::Notice;
use crate::i18n;
use crate::state::AppState;
use crate::tripwire::Tripwires;
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Manager, Runtime, State};
use verity_core::Timestamp;
use verity_store::tripwire::TripwireEvent;
use verity_tripwire::watch::EventKind;

/// How far back Home counts events, in seconds (30 days).
pub const RECENT_WINDOW: i64 = 30 * 24 * 3600;
/// The most events the Threats screen lists.
const LIST_LIMIT: u32 = 100;

/// The tripwires' state, for Home and Settings.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TripwireStatus {
    /// The remote-access tripwire is on.
    pub remote: bool,
    /// The one-time-code guard is on.
    pub code_guard: bool,
    /// The code guard was offered (explained) once, whatever the answer.
    pub code_guard_offered: bool,
    /// The organisation locked the tripwires on (Settings cannot turn them off).
    pub locked: bool,
    /// Names of the tools the organisation declared in use (no alert for them).
    pub tools_in_use: Vec<String>,
    /// Events in the last 30 days.
    pub recent: u32,
    /// The Downloads folder watched for installers, if one is.
    pub downloads: Option<String>,
}

/// An event, as the Threats screen lists it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TripwireEventView {
    /// Its id.
    pub id: u32,
    /// When it happened.
    pub at: Timestamp,
    /// What was caught.
    pub kind: EventKind,
    /// The tool's name (remote-access events), as people know it.
    pub tool: Option<String>,
    /// When it was sent to IT, if it was.
    pub reported_at: Option<Timestamp>,
}

fn tripwires<R: Runtime>(app: &AppHandle<R>) -> CmdResult<tauri::State<'_, Tripwires>> {
    app.try_state::<Tripwires>()
        .ok_or_else(|| IpcError::new(ErrorCode::Internal, "the tripwires are not running"))
}

fn status<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> CmdResult<TripwireStatus> {
    let tw = tripwires(app)?;
    tw.refresh_org();
    let since = Timestamp(crate::clock::now().0.saturating_sub(RECENT_WINDOW));
    let (prefs, recent) =
        state.with_store(|s| Ok((s.tripwire_prefs()?, s.tripwire_count_since(since)?)))?;
    let table = tw.table();
    let org = tw.org();
    // What the watchers do, not only what was stored.
    Ok(TripwireStatus {
        remote: tw.remote_on(),
        code_guard: tw.code_on(),
        code_guard_offered: prefs.code_guard_offered,
        locked: org.locked,
        tools_in_use: org
            .tools_in_use
            .iter()
            .map(|id| table.get(id).map_or_else(|| id.clone(), |t| t.name.clone()))
            .collect(),
        recent,
        downloads: app
            .try_state::<crate::tripwire::DownloadsWatch>()
            .map(|w| w.dir.display().to_string()),
    })
}

/// The tripwires' state.
#[tauri::command]
#[specta::specta]
pub async fn tripwire_status<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<TripwireStatus> {
    status(&app, &state)
}

/// Turns the remote-access tripwire on or off. Refused (`invalid_input`, reason
/// `tripwire_locked`) when the organisation locked it on. Turning it off shows a notification:
/// if someone on the phone asked for it, they are not support.
#[tauri::command]
#[specta::specta]
pub async fn set_remote_tripwire<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    enabled: bool,
) -> CmdResult<TripwireStatus> {
    let tw = tripwires(&app)?;
    tw.refresh_org();
    if !enabled && tw.org().locked {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "your organisation keeps this protection on",
        )
        .with_reason(ErrorReason::TripwireLocked));
    }
    // Stored and put in force under the store's lock: two quick changes cannot end with the
    // store saying one thing and the watchers doing the other.
    let (was, lang) = state.with_store(|s| {
        let was = s.tripwire_prefs()?.remote;
        s.set_remote_tripwire(enabled)?;
        tw.set_prefs(s.tripwire_prefs()?);
        Ok((was, s.settings()?.language))
    })?;
    if was && !enabled {
        warn_off(&state, lang, "tripwire.off.remote");
    }
    status(&app, &state)
}

/// Turns the one-time-code guard on or off (either answer records that it was offered). Turning
/// it off shows the same warning as the remote-access tripwire's. The organisation's lock does
/// not cover it: reading the clipboard stays the user's choice.
#[tauri::command]
#[specta::specta]
pub async fn set_code_guard<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    enabled: bool,
) -> CmdResult<TripwireStatus> {
    let tw = tripwires(&app)?;
    let (was, lang) = state.with_store(|s| {
        let was = s.tripwire_prefs()?.code_guard;
        s.set_code_guard(enabled)?;
        tw.set_prefs(s.tripwire_prefs()?);
        Ok((was, s.settings()?.language))
    })?;
    if was && !enabled {
        warn_off(&state, lang, "tripwire.off.code");
    }
    status(&app, &state)
}

/// The notification shown when the user turns a tripwire off: whoever asked is not support.
fn warn_off(state: &AppState, lang: verity_core::Language, body_key: &str) {
    let notice = Notice {
        summary: i18n::text(lang, "tripwire.off.title"),
        body: i18n::text(lang, body_key),
    };
    if let Err(e) = state.host.notify(&notice) {
        log::warn!("tripwire-off notice not shown: {e}");
    }
}

/// "Not now" to the code guard's offer on Home: it is not offered again (Settings keeps it).
#[tauri::command]
#[specta::specta]
pub async fn decline_code_guard<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<TripwireStatus> {
    state.with_store(verity_store::Store::set_code_guard_offered)?;
    status(&app, &state)
}

fn view(e: TripwireEvent, table: &verity_tripwire::remote::ToolTable) -> TripwireEventView {
    TripwireEventView {
        id: u32::try_from(e.id).unwrap_or(u32::MAX),
        at: e.at,
        kind: e.kind,
        tool: e
            .tool
            .map(|id| table.get(&id).map_or(id, |t| t.name.clone())),
        reported_at: e.reported_at,
    }
}

/// The tripwires' events, newest first (at most 100).
#[tauri::command]
#[specta::specta]
pub async fn tripwire_events<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<Vec<TripwireEventView>> {
    let table = tripwires(&app)?.table();
    let events = state.with_store(|s| s.tripwire_events(LIST_LIMIT))?;
    Ok(events.into_iter().map(|e| view(e, &table)).collect())
}

/// Sends tripwire event `id` to IT as a signed report (the enrolled device's key; the tool's id,
/// never anything the clipboard held), with the employee's `note`, and returns the event marked
/// sent. Errors: `not_enrolled`; `invalid_input` with reason `report_note_invalid` (the note)
/// or `no_such_event`; `desk_refused` with the desk's reason (`report_rate_limited`,
/// `device_revoked`…); the key store's (`passphrase_needed` for a key in a passphrase file).
#[tauri::command]
#[specta::specta]
pub async fn report_tripwire<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    config: State<'_, crate::commands::DeviceConfig>,
    id: u32,
    note: String,
    passphrase: Option<String>,
) -> CmdResult<TripwireEventView> {
    let passphrase = crate::commands::device::Passphrase::from_arg(passphrase)?;
    let table = tripwires(&app)?.table();
    let now = crate::clock::now();
    let sent = config
        .run(state.data_dir().to_path_buf(), passphrase, move |ctx| {
            let mut store =
                verity_store::Store::open(&ctx.data_dir).map_err(verity_flows::FlowError::from)?;
            verity_flows::it_report::report_tripwire(&mut store, ctx, i64::from(id), &note, now)
        })
        .await?;
    if sent.is_none() {
        return Err(
            IpcError::new(ErrorCode::InvalidInput, "there is no such warning sign")
                .with_reason(ErrorReason::NoSuchEvent),
        );
    }
    let event = state
        .with_store(|s| s.tripwire_event(i64::from(id)))?
        .ok_or_else(|| {
            IpcError::new(ErrorCode::InvalidInput, "there is no such warning sign")
                .with_reason(ErrorReason::NoSuchEvent)
        })?;
    crate::tripwire::raised(&app);
    Ok(view(event, &table))
}
