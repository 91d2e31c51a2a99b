//! The five-step security checklist (issue 5): thin adapters over `verity_checklist::checklist`,
//! `verity_scan`, `verity_checklist::report` and the store's checklist tables. Every change is
//! one store transition with its audit record.
//!
//! Files come from the web view as bytes (read with the web File API); nothing here reads or
//! writes a path the web view names. Cleaned copies are written with new, unique names into the
//! [`ExportDir`] (Downloads/Verity, or the data directory's `exports` folder when there is no
//! Downloads folder), never over an existing file. The manager's report goes where the user
//! says in the desktop's Save dialog, which Rust opens (`Host::choose_save_path`), written
//! atomically.

use crate::error::{CmdResult, ErrorCode, ErrorReason, IpcError};
use crate::feed_sync::{FeedConfig, FeedSync};
use crate::host::SaveRequest;
use crate::i18n;
use crate::reminder::Reminder;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use specta::Type;
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager, Runtime, State};
use verity_checklist::checklist::{
    parse_date, AcknowledgementEvidence, AlertEvidence, DrillEvidence, Evidence, Interval,
    Progress, QuizEvidence, StepId, StepState, PASS_PERCENT,
};
use verity_checklist::report;
use verity_core::clock::Timestamp;
use verity_core::Language;
use verity_flows::report::Format;
use verity_flows::scan::{Copies, Input, Scanned};
use verity_flows::FlowError;
use verity_scan::{self as scan, FileScan, ScanError, MAX_FILE_BYTES};
use verity_store::Store;

/// Where cleaned copies and reports are written (managed state).
#[derive(Debug, Clone)]
pub struct ExportDir(pub PathBuf);

impl ExportDir {
    /// `VERITY_EXPORT_DIR` when set, else `Downloads/Verity`, else `<data dir>/exports`.
    pub fn resolve(downloads: Option<PathBuf>, data_dir: &Path) -> Self {
        if let Some(dir) = std::env::var_os("VERITY_EXPORT_DIR").filter(|d| !d.is_empty()) {
            return ExportDir(PathBuf::from(dir));
        }
        match downloads {
            Some(d) => ExportDir(d.join("Verity")),
            None => ExportDir(data_dir.join("exports")),
        }
    }
}

fn scan_error(e: &ScanError) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, e.to_string())
        .with_reason(ErrorReason::from_code(e.code()))
}

fn record(state: &AppState, evidence: Evidence) -> CmdResult<StepState> {
    let now = crate::clock::now();
    state.with_flow(|s| Ok(verity_flows::checklist::record(s, evidence, now)?.state))
}

/// One step as the Checklist screen shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    /// The step, its status, dates and evidence.
    pub state: StepState,
    /// The evidence in words, in the user's language ("No evidence yet" when none).
    pub summary: String,
}

/// The checklist as the Checklist and Home screens show it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChecklistStatus {
    /// The five steps, in order.
    pub steps: Vec<StepView>,
    /// How many are done, due again, in progress.
    pub progress: Progress,
    /// The next drill (step 4), when one is recorded.
    pub next_drill: Option<Timestamp>,
    /// The quiz's pass mark, in percent.
    pub pass_percent: u32,
    /// The first step to do next (not done, or due again), if any.
    pub next_step: Option<StepId>,
}

fn status_of(store: &mut Store, lang: Language) -> Result<ChecklistStatus, FlowError> {
    let c = verity_flows::checklist::current(store, crate::clock::now())?;
    let steps: Vec<StepView> = c
        .steps
        .iter()
        .map(|s| StepView {
            summary: report::evidence_summary(s.evidence.as_ref(), lang),
            state: s.clone(),
        })
        .collect();
    let next_step = c
        .steps
        .iter()
        .find(|s| s.status != verity_checklist::checklist::StepStatus::Done)
        .map(|s| s.step);
    Ok(ChecklistStatus {
        progress: c.progress(),
        next_drill: c.next_drill(),
        pass_percent: PASS_PERCENT,
        next_step,
        steps,
    })
}

fn language(state: &AppState) -> CmdResult<Language> {
    Ok(state.with_store(|s| s.settings())?.language)
}

/// The five steps, their states and evidence, progress and the next drill. Steps whose interval
/// has passed fall due first.
#[tauri::command]
#[specta::specta]
pub async fn checklist_status(state: State<'_, AppState>) -> CmdResult<ChecklistStatus> {
    let lang = language(&state)?;
    state.with_flow(|s| status_of(s, lang))
}

/// A file read by the web view.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct FileInput {
    /// The file's name (its extension helps detect the format).
    pub name: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// The scan of one file: its findings, or why it could not be read.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FileOutcome {
    /// The file's name.
    pub file: String,
    /// The scan, when the file could be read.
    pub scan: Option<FileScan>,
    /// Why not: `{code, message, reason}` with the scanner's code in `reason`.
    pub error: Option<IpcError>,
}

/// What a scan found, and step 1 as recorded.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ScanResult {
    /// Each file, in the order given.
    pub files: Vec<FileOutcome>,
    /// Files read, entries, flagged (counts only: what is recorded).
    pub summary: verity_checklist::checklist::ScanEvidence,
    /// Step 1 after recording, when at least one file could be read.
    pub step: Option<StepState>,
}

fn check_sizes(files: &[FileInput]) -> CmdResult<()> {
    if files.is_empty() {
        return Err(IpcError::new(ErrorCode::InvalidInput, "no file was given"));
    }
    for f in files {
        let size = u64::try_from(f.bytes.len()).unwrap_or(u64::MAX);
        if size > MAX_FILE_BYTES {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                format!(
                    "{}: {size} bytes; files over {MAX_FILE_BYTES} bytes are not read",
                    f.name
                ),
            )
            .with_reason(ErrorReason::TooLarge));
        }
    }
    Ok(())
}

/// Scans `files` with one snapshot of the list, making the cleaned copies `copies` asks for, and
/// records step 1's counts (`removed` from the copies written by `write`, which runs before the
/// counts are recorded). Runs as long work (`AppState::with_long_flow`): other commands go on.
async fn scan_and_record<T: Send + 'static>(
    state: &AppState,
    files: Vec<FileInput>,
    copies: Copies,
    write: impl FnOnce(&[FileInput], &[Scanned]) -> (T, u32) + Send + 'static,
) -> CmdResult<(Vec<FileInput>, Vec<Scanned>, T, Option<StepState>)> {
    check_sizes(&files)?;
    let now = crate::clock::now();
    state
        .with_long_flow(move |s| {
            let inputs: Vec<Input<'_>> = files
                .iter()
                .map(|f| Input {
                    name: &f.name,
                    bytes: &f.bytes,
                })
                .collect();
            let scanned = verity_flows::scan::scan_files(s, None, &inputs, copies)?;
            let (written, removed) = write(&files, &scanned);
            let readable = scanned.iter().filter_map(|r| r.scan.as_ref().ok());
            let step = verity_flows::scan::record(s, readable, removed, now)?.map(|a| a.state);
            Ok((files, scanned, written, step))
        })
        .await
}

/// Scans saved contacts (vCard, CSV, .xlsx, .ods, text) for numbers presented as platform support
/// or customer service and for blocklisted numbers and links, and records step 1's counts.
///
/// # Errors
/// `invalid_input` (reason `too_large`) when a file is over the scanner's limit; store errors.
#[tauri::command]
#[specta::specta]
pub async fn scan_files(
    state: State<'_, AppState>,
    files: Vec<FileInput>,
) -> CmdResult<ScanResult> {
    let (files, scanned, (), step) =
        scan_and_record(&state, files, Copies::None, |_, _| ((), 0)).await?;
    let summary = scan::evidence(scanned.iter().filter_map(|r| r.scan.as_ref().ok()), 0);
    let files = files
        .into_iter()
        .zip(scanned)
        .map(|(f, r)| match r.scan {
            Ok(scan) => FileOutcome {
                file: f.name,
                scan: Some(scan),
                error: None,
            },
            Err(e) => FileOutcome {
                file: f.name,
                scan: None,
                error: Some(scan_error(&e)),
            },
        })
        .collect();
    Ok(ScanResult {
        files,
        summary,
        step,
    })
}

/// A cleaned copy written (or why not).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CleanCopyOutcome {
    /// The original's name.
    pub file: String,
    /// Where the copy was written.
    pub path: Option<String>,
    /// Flagged entries left out.
    pub removed: u32,
    /// Entries kept.
    pub kept: u32,
    /// Why no copy was written (a spreadsheet, an unreadable file, a disk error).
    pub error: Option<IpcError>,
}

/// The cleaned copies, and step 1 as recorded.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CleanCopies {
    /// One per file that had flagged entries.
    pub copies: Vec<CleanCopyOutcome>,
    /// Step 1 after recording.
    pub step: Option<StepState>,
}

fn split_name(name: &str) -> (&str, &str) {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext),
        _ => (base, ""),
    }
}

/// Writes each cleaned copy as a new file in `dir`; the outcomes and the entries left out.
fn write_copies(
    dir: &Path,
    files: &[FileInput],
    scanned: &[Scanned],
) -> (Vec<CleanCopyOutcome>, u32) {
    let mut copies = Vec::new();
    let mut removed_total = 0u32;
    for (f, r) in files.iter().zip(scanned) {
        let Some(copy) = &r.clean else { continue };
        let mut outcome = CleanCopyOutcome {
            file: f.name.clone(),
            path: None,
            removed: 0,
            kept: 0,
            error: None,
        };
        match copy {
            Ok(c) => {
                let (stem, ext) = split_name(&f.name);
                let stem = format!("{stem}-cleaned");
                match verity_flows::files::write_unique(dir, &stem, ext, &c.bytes) {
                    Ok(path) => {
                        removed_total = removed_total.saturating_add(c.removed);
                        outcome.path = Some(path.display().to_string());
                        outcome.removed = c.removed;
                        outcome.kept = c.kept;
                    }
                    Err(e) => outcome.error = Some(e.into()),
                }
            }
            Err(e) => outcome.error = Some(scan_error(e)),
        }
        copies.push(outcome);
    }
    (copies, removed_total)
}

/// Writes a cleaned copy of every file that had flagged entries, without those entries, as a new
/// file in the export folder (never over the original), and records step 1 with the count left
/// out. Spreadsheets have no cleaned copy (their outcome carries `clean_copy_unsupported`).
#[tauri::command]
#[specta::specta]
pub async fn save_clean_copies(
    state: State<'_, AppState>,
    export_dir: State<'_, ExportDir>,
    files: Vec<FileInput>,
) -> CmdResult<CleanCopies> {
    let export_dir = export_dir.0.clone();
    let (_, _, copies, step) =
        scan_and_record(&state, files, Copies::Flagged, move |files, scanned| {
            write_copies(&export_dir, files, scanned)
        })
        .await?;
    Ok(CleanCopies { copies, step })
}

/// Records that the employee read and understood the one official support path (step 2).
#[tauri::command]
#[specta::specta]
pub async fn acknowledge_official_path(state: State<'_, AppState>) -> CmdResult<StepState> {
    record(
        &state,
        Evidence::AnnounceOfficialPath(AcknowledgementEvidence {
            acknowledged_at: crate::clock::now(),
        }),
    )
}

/// Records that the employee saw the test alert (step 3). With `start_at_login`, Verity is first
/// registered as a login item (the OS first, then the stored setting).
#[tauri::command]
#[specta::specta]
pub async fn confirm_test_alert(
    state: State<'_, AppState>,
    start_at_login: bool,
) -> CmdResult<StepState> {
    if start_at_login {
        state.host.set_start_at_login(true)?;
        state.with_store(|s| s.set_start_at_login(true))?;
    }
    let autostart = state.with_store(|s| s.settings())?.start_at_login;
    record(
        &state,
        Evidence::AlertsOn(AlertEvidence {
            test_alert_confirmed_at: crate::clock::now(),
            start_at_login: autostart,
        }),
    )
}

/// Records the drill owner and schedule (step 4). `every_months` defaults to the policy's
/// interval (each quarter); `next_drill` (`YYYY-MM-DD`) defaults to one interval from now.
#[tauri::command]
#[specta::specta]
pub async fn set_drill_owner(
    state: State<'_, AppState>,
    name: String,
    every_months: Option<u32>,
    next_drill: Option<String>,
) -> CmdResult<StepState> {
    let schedule = match every_months {
        Some(m) => Interval::Months(m),
        None => state
            .with_store(|s| s.checklist_policy())?
            .interval(StepId::DrillOwner)
            .unwrap_or(Interval::QUARTER),
    };
    let next = match next_drill
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(d) => parse_date(d).ok_or_else(|| {
            IpcError::new(ErrorCode::InvalidInput, "expected a date as YYYY-MM-DD")
                .with_reason(ErrorReason::BadDate)
        })?,
        None => schedule.after(crate::clock::now()),
    };
    record(
        &state,
        Evidence::DrillOwner(DrillEvidence {
            last_drill: None,
            owner: name.trim().to_owned(),
            schedule,
            next_drill: next,
        }),
    )
}

/// Records the training quiz's result (step 5): done when the score reaches the pass mark.
#[tauri::command]
#[specta::specta]
pub async fn record_quiz(
    state: State<'_, AppState>,
    score: u32,
    total: u32,
) -> CmdResult<StepState> {
    record(&state, Evidence::Training(QuizEvidence::new(score, total)))
}

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// A spreadsheet.
    Csv,
    /// A page that prints on A4.
    Html,
    /// For scripts.
    Json,
}

/// A report written.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportedReport {
    /// Where it was written.
    pub path: String,
    /// Its content, for the UI to show.
    pub content: String,
    /// The audit chain's head hash, when the log has records.
    pub head_hash: Option<String>,
    /// Whether the audit log verified.
    pub audit_intact: bool,
}

/// Asks where to save the manager's report (each step's state, dates and evidence summary, and
/// the audit chain's head hash) with the desktop's Save dialog — opened in Downloads, suggesting
/// `verity-checklist-report-YYYY-MM-DD.<html|csv|json>` (today's local date) — and writes it
/// there atomically. Resolves to `null` when the user cancelled: nothing is written.
///
/// # Errors
/// `invalid_input` with reason `cannot_write` when the chosen place cannot be written (the
/// message names the path and the system's reason); `internal` when no dialog can be shown;
/// store errors.
#[tauri::command]
#[specta::specta]
pub async fn export_report(
    state: State<'_, AppState>,
    format: ReportFormat,
) -> CmdResult<Option<ExportedReport>> {
    let lang = language(&state)?;
    let now = crate::clock::now();
    let flow_format = match format {
        ReportFormat::Csv => Format::Csv,
        ReportFormat::Html => Format::Html,
        ReportFormat::Json => Format::Json,
    };
    let ext = flow_format.extension();
    let report =
        state.with_flow(|s| verity_flows::report::build(s, flow_format, lang, now, None))?;
    let today = now.date_at_offset(crate::reminder::local_offset(now));
    let request = SaveRequest {
        title: i18n::text(lang, "cl.export.dialog.title"),
        file_name: format!("verity-checklist-report-{today}.{ext}"),
        filter_name: i18n::text(lang, &format!("cl.export.dialog.filter.{ext}")),
        extension: ext.to_owned(),
    };
    // The dialog blocks until the user answers: not on the async runtime's workers.
    let host = state.host.clone();
    let chosen = tauri::async_runtime::spawn_blocking(move || host.choose_save_path(&request))
        .await
        .map_err(|e| {
            IpcError::new(ErrorCode::Internal, format!("the dialog task failed: {e}"))
        })??;
    let Some(path) = chosen else {
        return Ok(None);
    };
    // The dialog asked before replacing a file.
    verity_flows::report::save(&report, &path, true)?;
    Ok(Some(ExportedReport {
        path: path.display().to_string(),
        content: report.content,
        head_hash: report.head_hash,
        audit_intact: report.audit_intact,
    }))
}

/// Turns the checklist's daily reminder on or off (Settings, notifications). Turned on, the
/// reminder loop looks for due steps at once. Resolves to the notification preferences.
#[tauri::command]
#[specta::specta]
pub async fn set_checklist_reminders<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    feed: State<'_, FeedSync>,
    enabled: bool,
) -> CmdResult<FeedConfig> {
    state.with_store(|s| s.set_checklist_reminders(enabled))?;
    if enabled {
        if let Some(r) = app.try_state::<Reminder>() {
            r.check_soon();
        }
    }
    crate::feed_sync::config(&state, &feed)
}
