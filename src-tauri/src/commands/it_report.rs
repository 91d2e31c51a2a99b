//! "Report to IT" from a Check verdict and a Threats entry, and the list of the reports this
//! device sent with where IT's triage stands (the reporter sees the outcome). The report is
//! built here from the device's own data — a check is run again, a Threats entry read from the
//! store — never from a verdict the web view hands over; the device key signs it on a blocking
//! thread (`DeviceConfig::run`); the receipt is kept (`verity_store::it_reports`).

use crate::commands::device::Passphrase;
use crate::commands::DeviceConfig;
use crate::error::{CmdResult, ErrorCode, IpcError};
use crate::state::AppState;
use serde::Serialize;
use specta::Type;
use tauri::State;
use verity_check::verdict::CheckKind;
use verity_core::Timestamp;
use verity_device::proto::Report;
use verity_flows::it_report;
use verity_store::it_reports::{ItReport, ItReportState};

/// The most reports listed.
const LIST_LIMIT: u32 = 100;
/// The longest input a check report takes (the Check screen's own cap applies first).
const MAX_INPUT: usize = verity_flows::check::MAX_INPUT_BYTES;
/// The longest note, in bytes, before the protocol's own check (1,000 characters).
const MAX_NOTE_BYTES: usize = 4096;

/// Where IT's triage of a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Waiting for IT.
    New,
    /// IT confirmed it.
    Confirmed,
    /// IT found nothing in it.
    Rejected,
}

/// A report this device sent, as the Threats screen lists it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ItReportView {
    /// The desk's number for it.
    pub id: u32,
    /// Its kind's code (`check`, `threat`, `tripwire_remote_tool`, `tripwire_code_guard`).
    pub kind: String,
    /// What was reported (a number, a link, a tool id), if anything.
    pub item: Option<String>,
    /// When the desk received it.
    pub sent_at: Timestamp,
    /// Where IT's triage stands.
    pub state: ReportState,
    /// When IT resolved it.
    pub resolved_at: Option<Timestamp>,
    /// When this device last asked the desk.
    pub checked_at: Option<Timestamp>,
    /// Whether the user has seen the outcome.
    pub outcome_seen: bool,
}

/// The reports sent, newest first, and how many outcomes are unseen.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ItReportList {
    /// The reports.
    pub reports: Vec<ItReportView>,
    /// Outcomes (confirmed or rejected) the user has not seen.
    pub unseen: u32,
}

fn view(r: ItReport) -> ItReportView {
    ItReportView {
        id: u32::try_from(r.desk_id).unwrap_or(u32::MAX),
        kind: r.kind,
        item: r.item,
        sent_at: r.sent_at,
        state: match r.state {
            ItReportState::New => ReportState::New,
            ItReportState::Confirmed => ReportState::Confirmed,
            ItReportState::Rejected => ReportState::Rejected,
        },
        resolved_at: r.resolved_at,
        checked_at: r.checked_at,
        outcome_seen: r.outcome_seen,
    }
}

fn list(state: &AppState) -> CmdResult<ItReportList> {
    state.with_store(|s| {
        Ok(ItReportList {
            reports: s.it_reports(LIST_LIMIT)?.into_iter().map(view).collect(),
            unseen: s.unseen_it_outcomes()?,
        })
    })
}

fn too_long(what: &str) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, format!("the {what} is too long"))
}

/// Signs and sends `report` with the device key, keeps the receipt, and returns the kept report.
async fn send(
    state: &AppState,
    config: &DeviceConfig,
    report: Report,
    passphrase: Option<String>,
) -> CmdResult<ItReportView> {
    let passphrase = Passphrase::from_arg(passphrase)?;
    let to_send = report.clone();
    let receipt = config
        .run(state.data_dir().to_path_buf(), passphrase, move |ctx| {
            it_report::report_to_it(ctx, &to_send)
        })
        .await?;
    state.with_store(|s| {
        it_report::keep_report(s, &receipt, &report);
        Ok(())
    })?;
    let kept = state.with_store(|s| s.it_report(receipt.id))?;
    Ok(kept.map_or_else(
        || ItReportView {
            // Sent, but the store could not keep it (logged): still tell the user it went.
            id: u32::try_from(receipt.id).unwrap_or(u32::MAX),
            kind: report.kind.code().to_owned(),
            item: report.item.clone(),
            sent_at: Timestamp(i64::try_from(receipt.received_at).unwrap_or(i64::MAX)),
            state: ReportState::New,
            resolved_at: None,
            checked_at: None,
            outcome_seen: true,
        },
        view,
    ))
}

/// Reports a check of `input` to IT with the employee's `note` (the input is checked again on
/// this device; the report carries the normalised number or link and the verdict's codes, never
/// the text as typed). `passphrase` unlocks a key file (not needed with the OS store). Errors:
/// `not_enrolled`; `invalid_input` with reason `nothing_to_report` (an input that is not a
/// number, link or message), `report_note_invalid`, `report_note_has_code` or `too_long`;
/// `passphrase_needed`; `desk_refused` with the desk's reason (`report_rate_limited`, …);
/// `desk_unreachable`; `wrong_passphrase`.
#[tauri::command]
#[specta::specta]
pub async fn report_check(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    input: String,
    kind: Option<CheckKind>,
    note: String,
    passphrase: Option<String>,
) -> CmdResult<ItReportView> {
    if input.len() > MAX_INPUT {
        return Err(too_long("input"));
    }
    if note.len() > MAX_NOTE_BYTES {
        return Err(too_long("note"));
    }
    let now = crate::clock::now();
    let report = state.with_flow(|s| it_report::check_report_of(s, &input, kind, &note, now))?;
    send(&state, &config, report, passphrase).await
}

/// Disputes the verdict of a check of `input` with IT ("this is our real supplier"): an appeal
/// naming the normalised number or link, with the employee's `note` saying why (required). IT may
/// add it to the organisation's allowlist. Errors as [`report_check`]; `invalid_input` with
/// reason `nothing_to_report` when the check names no single number or link, and
/// `report_note_invalid` for an empty note.
#[tauri::command]
#[specta::specta]
pub async fn dispute_check(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    input: String,
    kind: Option<CheckKind>,
    note: String,
    passphrase: Option<String>,
) -> CmdResult<ItReportView> {
    if input.len() > MAX_INPUT {
        return Err(too_long("input"));
    }
    if note.len() > MAX_NOTE_BYTES {
        return Err(too_long("note"));
    }
    let now = crate::clock::now();
    let report = state.with_flow(|s| it_report::appeal_report_of(s, &input, kind, &note, now))?;
    send(&state, &config, report, passphrase).await
}

/// Reports Threats entry `id` to IT ("I met this one") with the employee's `note`. Errors as
/// [`report_check`]; `invalid_input` with reason `nothing_to_report` when the entry is gone.
#[tauri::command]
#[specta::specta]
pub async fn report_threat(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    id: u32,
    note: String,
    passphrase: Option<String>,
) -> CmdResult<ItReportView> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(too_long("note"));
    }
    let now = crate::clock::now();
    let report = state.with_flow(|s| it_report::threat_report_of(s, i64::from(id), &note, now))?;
    send(&state, &config, report, passphrase).await
}

/// The reports this device sent to IT, newest first, as last heard from the desk.
#[tauri::command]
#[specta::specta]
pub async fn it_reports(state: State<'_, AppState>) -> CmdResult<ItReportList> {
    list(&state)
}

/// Asks the desk where this device's open reports stand (signed with the device key;
/// `passphrase` for a key file) and returns the list. Errors: `not_enrolled`,
/// `passphrase_needed`, `desk_refused`, `desk_unreachable`, `wrong_passphrase`.
#[tauri::command]
#[specta::specta]
pub async fn refresh_it_reports(
    state: State<'_, AppState>,
    config: State<'_, DeviceConfig>,
    passphrase: Option<String>,
) -> CmdResult<ItReportList> {
    let passphrase = Passphrase::from_arg(passphrase)?;
    let open = state.with_flow(|s| it_report::reports_to_ask(s))?;
    if !open.is_empty() {
        let asked = open.clone();
        let outcomes = config
            .run(state.data_dir().to_path_buf(), passphrase, move |ctx| {
                it_report::report_status(ctx, &asked)
            })
            .await?;
        let now = crate::clock::now();
        state.with_flow(|s| it_report::keep_outcomes(s, &open, &outcomes, now))?;
    }
    list(&state)
}

/// Marks every outcome seen (the list was shown); how many were unseen.
#[tauri::command]
#[specta::specta]
pub async fn mark_it_reports_seen(state: State<'_, AppState>) -> CmdResult<u32> {
    state.with_store(verity_store::Store::mark_it_outcomes_seen)
}
