//! Scam drills (issue 15): the employee's own drills as views, and their acts. See
//! `docs/drills.md` § App and `crate::drill` for the background side.
//!
//! Only lures whose `vd1.` token verifies under the pinned organisation key and this device's
//! id exist here (`verity_flows::drill`); anything else is not a drill, whatever it says.
//! Opening a lure's link never opens a browser: it records `engaged`, and the reveal shows.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime, State};
use verity_core::Timestamp;
use verity_device::proto::drill::{
    display_number, lure_text, valid_drill_id, Channel, OutcomeHow, Scenario,
};
use verity_flows::drill::{self as flows, Act, Identity, Lure};

use crate::commands::DeviceConfig;
use crate::error::{CmdResult, ErrorCode, IpcError};
use crate::state::AppState;

pub use verity_checklist::checklist::DrillOutcomeKind;

/// Whether a drill still waits for the employee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DrillState {
    /// Shown, no act yet.
    Open,
    /// Acted on, or expired.
    Done,
}

/// Who wrote a line of the fake chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DrillChatFrom {
    /// The fake agent.
    Them,
    /// The employee.
    Me,
}

/// A line of the fake chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DrillChatLine {
    /// Who wrote it.
    pub from: DrillChatFrom,
    /// The text (a code the employee typed is kept masked).
    pub text: String,
    /// When.
    pub at: Timestamp,
}

/// One drill lure as this employee sees it (only lures that were shown; the employee's own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DrillView {
    /// The drill.
    pub drill_id: String,
    /// The script.
    pub scenario: Scenario,
    /// How it arrived.
    pub channel: Channel,
    /// Who it claims to be from, in the app's language.
    pub sender: String,
    /// Its message, in the app's language.
    pub body: String,
    /// The drill number as a scam text prints it (`+852 3001 9999`).
    pub number: String,
    /// The drill link.
    pub link: String,
    /// When it was shown.
    pub shown_at: Timestamp,
    /// When an unanswered lure counts as ignored.
    pub expires_at: Timestamp,
    /// Open or done.
    pub state: DrillState,
    /// What the employee did first.
    pub outcome: Option<DrillOutcomeKind>,
    /// How.
    pub how: Option<OutcomeHow>,
    /// When.
    pub acted_at: Option<Timestamp>,
    /// The fake chat's lines so far (a `support_chat` lure).
    pub chat: Vec<DrillChatLine>,
}

/// An act on a lure view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DrillAct {
    /// Report to IT.
    ReportToIt,
    /// Opened the link (never opened: the reveal replaces it).
    OpenedLink,
    /// Dismissed (or declined the chat request).
    Dismissed,
}

fn to_ts(t: u64) -> Timestamp {
    Timestamp(i64::try_from(t).unwrap_or(i64::MAX))
}

/// The view of a lure in `lang`; `None` for a lure not shown yet.
#[must_use]
pub fn view(lure: &Lure, lang: &str) -> Option<DrillView> {
    let shown_at = lure.shown_at?;
    let b = &lure.body;
    let words = lure_text(b.scenario, lang, &b.number, &b.link);
    Some(DrillView {
        drill_id: b.drill_id.clone(),
        scenario: b.scenario,
        channel: b.channel,
        sender: words.sender,
        body: words.body,
        number: display_number(&b.number),
        link: b.link.clone(),
        shown_at,
        expires_at: to_ts(b.expires_at),
        state: if lure.outcome.is_some() {
            DrillState::Done
        } else {
            DrillState::Open
        },
        outcome: lure.outcome,
        how: lure.how,
        acted_at: lure.acted_at,
        chat: lure
            .chat
            .iter()
            .map(|c| DrillChatLine {
                from: if c.from_me {
                    DrillChatFrom::Me
                } else {
                    DrillChatFrom::Them
                },
                text: c.text.clone(),
                at: c.at,
            })
            .collect(),
    })
}

fn not_found() -> IpcError {
    IpcError::new(ErrorCode::NotFound, "there is no such drill on this device")
}

fn checked_id(drill_id: &str) -> CmdResult<()> {
    if valid_drill_id(drill_id) {
        Ok(())
    } else {
        Err(IpcError::new(
            ErrorCode::InvalidInput,
            "a drill id is 1 to 64 of a-z, 0-9, - and _",
        ))
    }
}

fn now(config: &DeviceConfig) -> Timestamp {
    Timestamp(i64::try_from(config.now()).unwrap_or(i64::MAX))
}

/// The shown view of `drill_id` after letting expired lures expire.
fn get_view(
    state: &AppState,
    identity: &Identity,
    drill_id: &str,
    at: Timestamp,
) -> CmdResult<DrillView> {
    let lang = crate::drill::language(state);
    let lure = state.with_flow(|s| {
        flows::expire(s, at)?;
        flows::get(s, identity, drill_id)
    })?;
    view(&lure, lang.tag()).ok_or_else(not_found)
}

fn identity(state: &AppState) -> CmdResult<Identity> {
    Identity::load_from(state.data_dir()).map_err(|_| not_found())
}

/// The employee's own drills that were shown, newest first (after letting expired ones
/// expire). Empty when this device is not enrolled.
#[tauri::command]
#[specta::specta]
pub async fn drill_list(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
) -> CmdResult<Vec<DrillView>> {
    let Ok(identity) = Identity::load_from(state.data_dir()) else {
        return Ok(Vec::new());
    };
    let at = now(&config);
    let lang = crate::drill::language(&state);
    let lures = state.with_flow(|s| {
        flows::expire(s, at)?;
        flows::list(s, &identity)
    })?;
    let mut views: Vec<DrillView> = lures.iter().filter_map(|l| view(l, lang.tag())).collect();
    views.sort_by(|a, b| {
        b.shown_at
            .cmp(&a.shown_at)
            .then_with(|| b.drill_id.cmp(&a.drill_id))
    });
    Ok(views)
}

/// One drill; `not_found` for an id this device does not hold (or a lure not shown yet).
#[tauri::command]
#[specta::specta]
pub async fn drill_get(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    drill_id: String,
) -> CmdResult<DrillView> {
    checked_id(&drill_id)?;
    let identity = identity(&state)?;
    get_view(&state, &identity, &drill_id, now(&config))
}

/// Acts on a shown lure: the first act decides (reported, engaged, ignored) and the reveal
/// shows ([`crate::drill::DrillRevealed`]); a later act returns the view unchanged. Opening the
/// link never opens a browser.
#[tauri::command]
#[specta::specta]
pub async fn drill_act<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    drill_id: String,
    act: DrillAct,
) -> CmdResult<DrillView> {
    checked_id(&drill_id)?;
    let identity = identity(&state)?;
    let at = now(&config);
    // Only a lure that was shown can be acted on from its view.
    get_view(&state, &identity, &drill_id, at)?;
    let act = match act {
        DrillAct::ReportToIt => Act::ReportToIt,
        DrillAct::OpenedLink => Act::OpenedLink,
        DrillAct::Dismissed => Act::Dismissed,
    };
    let acted = state.with_flow(|s| flows::act(s, &identity, &drill_id, act, at))?;
    if acted.recorded {
        crate::drill::reveal(&app, &state, &drill_id);
        crate::drill::emit_changed(&app);
        crate::drill::spawn_flush(&app);
    }
    get_view(&state, &identity, &drill_id, at)
}

/// Writes into a `support_chat` lure's fake chat (1–2,000 characters): a message with a run of
/// 4–8 digits is `engaged` (typed_code) and the reveal shows (the code is never kept);
/// otherwise the fake agent asks again.
#[tauri::command]
#[specta::specta]
pub async fn drill_chat_send<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    drill_id: String,
    text: String,
) -> CmdResult<DrillView> {
    checked_id(&drill_id)?;
    if text.len() > flows::MAX_CHAT_CHARS * 4 {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            "a message is 1 to 2000 characters",
        ));
    }
    let identity = identity(&state)?;
    let at = now(&config);
    get_view(&state, &identity, &drill_id, at)?;
    let lang = crate::drill::language(&state);
    let acted =
        state.with_flow(|s| flows::chat_send(s, &identity, &drill_id, &text, lang.tag(), at))?;
    if acted.recorded {
        crate::drill::reveal(&app, &state, &drill_id);
        crate::drill::spawn_flush(&app);
    }
    crate::drill::emit_changed(&app);
    get_view(&state, &identity, &drill_id, at)
}
