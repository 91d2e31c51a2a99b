//! Scam drills in the background (issue 15; `docs/drills.md` § App): the organisation's signed
//! lures are fetched at start, after each feed sync and at most every 15 minutes otherwise
//! (with a device key the OS store holds: a key file's passphrase is never asked for in the
//! background); every [`SHOW_EVERY`] the due ones are shown (a notification imitating support,
//! or a chat request on the Support screen with a notification), unanswered ones expire, and the
//! outcomes go to the desk until it has them. A Check of a drill's number or link reports it
//! ([`after_check`]). The lure's words are the scenario library's, in the app's language.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_specta::Event;
use verity_check::check::CheckOutcome;
use verity_core::{Language, Timestamp};
use verity_device::proto::drill::lure_text;
use verity_flows::drill::{self as flows, Identity};
use verity_store::Store;

use crate::commands::DeviceConfig;
use crate::host::Notice;
use crate::state::AppState;

/// How often due lures are looked for.
pub const SHOW_EVERY: Duration = Duration::from_secs(30);

/// The plain event a click on a lure's notification sends, with the drill id as payload: the UI
/// opens the lure view.
pub const OPEN_DRILL: &str = "open-drill";

/// Any drill changed (fetched, shown, acted on, expired): reload the list.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct DrillChanged;

/// Show the reveal for this drill now, wherever the user is.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct DrillRevealed {
    /// The drill.
    pub drill_id: String,
}

/// The time drills go by: the device configuration's clock (a test's manual clock), else the
/// shell's.
pub fn now<R: Runtime>(app: &AppHandle<R>) -> Timestamp {
    match app.try_state::<DeviceConfig>() {
        Some(c) => Timestamp(i64::try_from(c.now()).unwrap_or(i64::MAX)),
        None => crate::clock::now(),
    }
}

/// The app's language, as the scenario library's tag.
pub fn language(state: &AppState) -> Language {
    state
        .with_store(|s| s.settings())
        .map(|s| s.language)
        .unwrap_or_default()
}

/// Emits [`DrillChanged`].
pub fn emit_changed<R: Runtime>(app: &AppHandle<R>) {
    if let Err(e) = DrillChanged.emit(app) {
        log::warn!("cannot emit drill-changed: {e}");
    }
}

/// Emits [`DrillRevealed`] for `drill_id` and records that its reveal was shown.
pub fn reveal<R: Runtime>(app: &AppHandle<R>, state: &AppState, drill_id: &str) {
    if let Err(e) = (DrillRevealed {
        drill_id: drill_id.to_owned(),
    })
    .emit(app)
    {
        log::warn!("cannot emit drill-revealed: {e}");
    }
    if let Err(e) = state.with_flow(|s| flows::mark_revealed(s, drill_id)) {
        log::warn!("cannot record the reveal: {}", e.message);
    }
}

/// Opens the lure view of `drill_id` (its notification was clicked).
pub fn open_drill<R: Runtime>(app: &AppHandle<R>, drill_id: &str) {
    crate::show_main_window(app);
    if let Err(e) = app.emit(OPEN_DRILL, drill_id) {
        log::warn!("cannot emit open-drill: {e}");
    }
}

/// After a Check (the Check screen, the clipboard check): a number or link equal to an open
/// lure's reports that drill, and its reveal shows. The check's own verdict is not touched; a
/// device that is not enrolled has no drills. Returns whether a drill was reported.
pub fn after_check<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    outcome: &CheckOutcome,
) -> bool {
    let Ok(identity) = Identity::load_from(state.data_dir()) else {
        return false;
    };
    let at = now(app);
    match state.with_flow(|s| flows::match_check(s, &identity, outcome, at)) {
        Ok(ids) if !ids.is_empty() => {
            for id in &ids {
                reveal(app, state, id);
            }
            emit_changed(app);
            spawn_flush(app);
            true
        }
        Ok(_) => false,
        Err(e) => {
            log::warn!("cannot match the check against the drills: {}", e.message);
            false
        }
    }
}

/// Sends the outcomes the desk does not have yet, in the background (OS-store key only).
pub fn spawn_flush<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    tauri::async_runtime::spawn(async move { contact(&handle, Fetch::No).await });
}

/// Whether a contact asks for lures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fetch {
    /// Now (start, after a sync).
    Now,
    /// When the last fetch is older than 15 minutes.
    IfDue,
    /// Only send outcomes.
    No,
}

/// At start, then: shows due lures every [`SHOW_EVERY`], and fetches when 15 minutes passed.
pub fn start<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        contact(&app, Fetch::Now).await;
        loop {
            tokio::time::sleep(SHOW_EVERY).await;
            contact(&app, Fetch::IfDue).await;
        }
    });
}

/// After a feed sync: fetch now.
pub async fn after_sync<R: Runtime>(app: &AppHandle<R>) {
    contact(app, Fetch::Now).await;
}

/// One round: fetch (as asked), expire, send outcomes, then show what is due.
async fn contact<R: Runtime>(app: &AppHandle<R>, fetch: Fetch) {
    let (Some(state), Some(config)) =
        (app.try_state::<AppState>(), app.try_state::<DeviceConfig>())
    else {
        return;
    };
    let data_dir = state.data_dir().to_path_buf();
    if Identity::load_from(&data_dir).is_err() {
        return;
    }
    let now = now(app);
    let round = config
        .run(data_dir, None, move |ctx| {
            Ok::<_, verity_flows::FlowError>(round(ctx, fetch, now))
        })
        .await;
    if let Ok(true) = round {
        emit_changed(app);
    }
    show_due(app);
}

/// Fetches, expires and flushes with its own store; whether anything changed.
fn round(ctx: &mut verity_device::DeviceContext, fetch: Fetch, now: Timestamp) -> bool {
    let mut store = match Store::open(&ctx.data_dir) {
        Ok(s) => s,
        Err(e) => {
            log::warn!("cannot open the store for the drills: {e}");
            return false;
        }
    };
    let mut changed = false;
    let fetch_now = match fetch {
        Fetch::Now => true,
        Fetch::IfDue => flows::fetch_due(&store, now).unwrap_or(false),
        Fetch::No => false,
    };
    if fetch_now {
        match flows::refresh(&mut store, ctx, now) {
            Ok(r) => {
                if r.dropped > 0 {
                    log::warn!(
                        "dropped {} lure(s) not signed as this organisation's drills",
                        r.dropped
                    );
                }
                changed |= !r.new.is_empty() || r.programme_recorded;
            }
            Err(e) => log::info!("no drill lures this time: {e}"),
        }
    }
    match flows::expire(&mut store, now) {
        Ok(ids) => changed |= !ids.is_empty(),
        Err(e) => log::warn!("cannot expire drill lures: {e}"),
    }
    match flows::flush(&mut store, ctx) {
        Ok(_) => {}
        Err(e) => log::info!("drill outcomes wait for the desk: {e}"),
    }
    changed
}

/// Shows the lures due now: a notification with the lure's own words (the title its sender);
/// a chat request also waits on the Support screen. Each is recorded as shown once.
pub fn show_due<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let Ok(identity) = Identity::load_from(state.data_dir()) else {
        return;
    };
    let now = now(app);
    let lang = language(&state);
    let due = match state.with_flow(|s| flows::due(s, &identity, now)) {
        Ok(d) => d,
        Err(e) => {
            log::warn!("cannot read the due drill lures: {}", e.message);
            return;
        }
    };
    if due.is_empty() {
        return;
    }
    let mut any = false;
    for lure in due {
        let b = &lure.body;
        let shown =
            state.with_flow(|s| flows::mark_shown(s, &identity, &b.drill_id, lang.tag(), now));
        match shown {
            Ok(true) => {
                any = true;
                let words = lure_text(b.scenario, lang.tag(), &b.number, &b.link);
                let notice = Notice {
                    summary: words.sender,
                    body: words.body,
                };
                if let Err(e) = state.host.notify_drill_lure(&notice, &b.drill_id) {
                    log::warn!("cannot show a drill lure: {e}");
                }
            }
            Ok(false) => {}
            Err(e) => log::warn!("cannot record a drill lure as shown: {}", e.message),
        }
    }
    if any {
        emit_changed(app);
        spawn_flush(app);
    }
}
