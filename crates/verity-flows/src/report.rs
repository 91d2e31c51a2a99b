//! The manager's checklist report: built once from the store, written atomically wherever the
//! front end was told to put it.

use crate::FlowError;
use std::path::Path;
use verity_checklist::report;
use verity_core::{Language, Timestamp};
use verity_store::Store;

/// The report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A spreadsheet.
    Csv,
    /// A page that prints on A4.
    Html,
    /// For scripts.
    Json,
}

impl Format {
    /// The file name extension.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Html => "html",
            Format::Json => "json",
        }
    }
}

/// A report, ready to be written.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file's content.
    pub content: String,
    /// The audit chain's head hash, when the log has records.
    pub head_hash: Option<String>,
    /// Whether the audit log verified and the step states agree with it.
    pub audit_intact: bool,
}

/// Builds the report of the checklist at `now` (due steps fall due first), in `lang`.
///
/// # Errors
/// Store errors; [`FlowError::Report`] when it cannot be encoded.
pub fn build(
    store: &mut Store,
    format: Format,
    lang: Language,
    now: Timestamp,
    prepared_for: Option<String>,
) -> Result<Report, FlowError> {
    let checklist = crate::checklist::current(store, now)?;
    let check = store.verify_audit()?;
    let r = report::build(
        &checklist,
        &check.verification,
        check.anchor.as_ref(),
        now,
        prepared_for,
    );
    let content = match format {
        Format::Csv => report::to_csv(&r, lang)?,
        Format::Html => report::to_html(&r, lang),
        Format::Json => {
            let mut j = report::to_json(&r).map_err(report::ReportError::from)?;
            j.push('\n');
            j
        }
    };
    Ok(Report {
        content,
        head_hash: store.audit_head()?.map(|h| h.hash),
        audit_intact: check.is_intact(),
    })
}

/// Writes `report` to `path`: atomically over an existing file when `replace`, else only as a
/// new file. Either way `path` never holds part of a report.
///
/// # Errors
/// [`FlowError::Exists`] (without `replace`), [`FlowError::Write`].
pub fn save(report: &Report, path: &Path, replace: bool) -> Result<(), FlowError> {
    if replace {
        crate::files::write_atomically(path, report.content.as_bytes())
    } else {
        crate::files::write_new(path, report.content.as_bytes())
    }
}
