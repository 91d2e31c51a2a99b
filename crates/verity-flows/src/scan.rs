//! Checklist step 1: scanning saved contacts (vCard, CSV, .xlsx, .ods, text) with the store's
//! blocklist and official directory, the cleaned copies, and the counts recorded as evidence.

use crate::FlowError;
use verity_checklist::checklist::Evidence;
use verity_core::phone::Region;
use verity_core::Timestamp;
use verity_scan::{self as scan, CleanCopy, FileScan, ScanError};
use verity_store::{Applied, Store, StoreError};

/// One file to scan.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Its name (the extension helps tell the format).
    pub name: &'a str,
    /// Its content.
    pub bytes: &'a [u8],
}

/// Which files get a cleaned copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copies {
    /// None.
    None,
    /// Those with flagged entries (the app's "Save cleaned copies").
    Flagged,
    /// Every readable file (`verityctl scan --clean-copy`: the user named the copy).
    All,
}

/// What became of one file.
#[derive(Debug)]
pub struct Scanned {
    /// The scan, or why the file could not be read.
    pub scan: Result<FileScan, ScanError>,
    /// The copy without the flagged entries, as [`Copies`] asked, or why there is none (a
    /// spreadsheet).
    pub clean: Option<Result<CleanCopy, ScanError>>,
}

/// A per-file result, or the store's failure (which is every file's).
fn per_file<T>(r: Result<T, ScanError>) -> Result<Result<T, ScanError>, FlowError> {
    match r {
        Err(ScanError::Blocklist(e)) => Err(FlowError::Store(StoreError::from(e))),
        other => Ok(other),
    }
}

/// Scans `files` with one snapshot of the blocklist, reading numbers without a country code in
/// `region` (the user's region when `None`), and makes the cleaned copies `copies` asks for.
/// Records nothing (see [`record`]).
///
/// # Errors
/// Store errors; a file that cannot be read is that file's result, not an error.
pub fn scan_files(
    store: &mut Store,
    region: Option<Region>,
    files: &[Input<'_>],
    copies: Copies,
) -> Result<Vec<Scanned>, FlowError> {
    crate::check::with_context(store, region, |ctx| {
        files
            .iter()
            .map(|f| {
                // One reading of the file for the scan and its copy.
                let wanted = |s: &FileScan| {
                    copies == Copies::All || (copies == Copies::Flagged && s.flagged > 0)
                };
                match per_file(scan::scan_with_copy(f.name, f.bytes, ctx, wanted))? {
                    Ok((scan, clean)) => Ok(Scanned {
                        scan: Ok(scan),
                        clean: clean.map(per_file).transpose()?,
                    }),
                    Err(e) => Ok(Scanned {
                        scan: Err(e),
                        clean: None,
                    }),
                }
            })
            .collect()
    })
}

/// Records step 1's evidence for `scans` (counts only, never the numbers) with `removed`
/// entries left out of cleaned copies. `None` when no file could be read: nothing is recorded.
///
/// # Errors
/// As [`crate::checklist::record`].
pub fn record<'a>(
    store: &mut Store,
    scans: impl IntoIterator<Item = &'a FileScan>,
    removed: u32,
    now: Timestamp,
) -> Result<Option<Applied>, FlowError> {
    let evidence = scan::evidence(scans, removed);
    if evidence.files == 0 {
        return Ok(None);
    }
    crate::checklist::record(store, Evidence::RemoveUnofficialNumbers(evidence), now).map(Some)
}
