//! Mirrors of the app's replies that are `Serialize` only, for [`Harness::invoke_as`]. Each names
//! every field of its reply and refuses any other (`deny_unknown_fields`), and its optional
//! fields must be there too (`null`, not absent: [`present`]), so a field renamed, added or
//! dropped in the app fails the tests that read the reply. Replies whose type
//! implements `Deserialize` (settings, checks, the history, step states, the feed's status and
//! config, threats) are read into the app's own types instead.
//!
//! [`Harness::invoke_as`]: crate::harness::Harness::invoke_as

// Every field is named so that the reply is checked whole; each test reads only some.
#![allow(dead_code)]

use serde::Deserialize;
use verity_app::commands::handlers::DeviceKeyStore;
use verity_checklist::checklist::{Progress, ScanEvidence, StepId, StepState};
use verity_core::Timestamp;
use verity_scan::FileScan;

/// An optional field that must be in the reply (serde takes an absent `Option` for `None`).
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// A `{code, message[, reason]}` error inside a reply (a file that could not be read).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    pub code: String,
    pub message: String,
    /// Absent when there is none.
    pub reason: Option<String>,
}

/// `app_status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppStatus {
    pub app_version: String,
    pub data_dir: String,
    pub database_file: String,
    pub schema_version: u32,
    pub blocklist: BlocklistState,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlocklistState {
    pub entries: u32,
    pub phones: u32,
    pub links: u32,
    pub sample: u32,
}

/// `shortcut_status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortcutStatus {
    #[serde(deserialize_with = "present")]
    pub refused: Option<String>,
}

/// `checklist_status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChecklistStatus {
    pub steps: Vec<StepView>,
    pub progress: Progress,
    #[serde(deserialize_with = "present")]
    pub next_drill: Option<Timestamp>,
    pub pass_percent: u32,
    #[serde(deserialize_with = "present")]
    pub next_step: Option<StepId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepView {
    pub state: StepState,
    pub summary: String,
}

/// `scan_files`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanResult {
    pub files: Vec<FileOutcome>,
    pub summary: ScanEvidence,
    #[serde(deserialize_with = "present")]
    pub step: Option<StepState>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileOutcome {
    pub file: String,
    #[serde(deserialize_with = "present")]
    pub scan: Option<FileScan>,
    #[serde(deserialize_with = "present")]
    pub error: Option<Failure>,
}

/// `save_clean_copies`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CleanCopies {
    pub copies: Vec<CleanCopyOutcome>,
    #[serde(deserialize_with = "present")]
    pub step: Option<StepState>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CleanCopyOutcome {
    pub file: String,
    #[serde(deserialize_with = "present")]
    pub path: Option<String>,
    pub removed: u32,
    pub kept: u32,
    #[serde(deserialize_with = "present")]
    pub error: Option<Failure>,
}

/// `export_report` (`null` when the Save dialog was cancelled).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExportedReport {
    pub path: String,
    pub content: String,
    #[serde(deserialize_with = "present")]
    pub head_hash: Option<String>,
    pub audit_intact: bool,
}

/// `device_status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceStatus {
    pub bound: bool,
    #[serde(deserialize_with = "present")]
    pub binding: Option<DeviceBinding>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeviceBinding {
    pub desk_url: String,
    pub org_name: String,
    pub org_fingerprint: String,
    pub employee_id: String,
    pub employee_name: String,
    pub device_id: String,
    pub device_fingerprint: String,
    pub key_store: DeviceKeyStore,
    #[serde(deserialize_with = "present")]
    pub key_present: Option<bool>,
    #[serde(deserialize_with = "present")]
    pub key_problem: Option<String>,
    pub certificate_issued_at: Timestamp,
    pub certificate_expires_at: Timestamp,
    pub certificate_ok: bool,
    #[serde(deserialize_with = "present")]
    pub certificate_problem: Option<String>,
    pub two_factor: TwoFactor,
    #[serde(deserialize_with = "present")]
    pub last_check: Option<LastDeviceCheck>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoFactor {
    None,
    Pending,
    Active,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastDeviceCheck {
    pub at: Timestamp,
    pub checks: DeviceChecks,
}

/// `device_verify`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeviceChecks {
    pub ok: bool,
    pub device_binding: DeviceCheck,
    pub two_factor: DeviceCheck,
    pub region: DeviceCheck,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCheck {
    pub ok: bool,
    pub code: String,
    pub message: String,
}

/// `device_enroll`, `device_enroll_link`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeviceEnrolled {
    pub binding: DeviceBinding,
    #[serde(deserialize_with = "present")]
    pub totp: Option<TotpSetup>,
    #[serde(deserialize_with = "present")]
    pub totp_error: Option<String>,
    pub region: DeviceCheck,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotpSetup {
    pub uri: String,
    pub secret: String,
    pub issuer: String,
    pub account: String,
}

/// `device_unbind`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeviceUnbound {
    pub desk_notified: bool,
    #[serde(deserialize_with = "present")]
    pub desk_error: Option<String>,
}

#[test]
#[should_panic(expected = "unknown field `refusedShortcut`")]
fn a_renamed_reply_field_fails_the_read() {
    crate::harness::read::<ShortcutStatus>(
        "shortcut_status",
        &serde_json::json!({ "refusedShortcut": null }),
    );
}

#[test]
#[should_panic(expected = "missing field `refused`")]
fn an_absent_optional_reply_field_fails_the_read() {
    crate::harness::read::<ShortcutStatus>("shortcut_status", &serde_json::json!({}));
}
