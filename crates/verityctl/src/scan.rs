//! `verityctl scan`: checklist step 1. Scans exported contacts (vCard), CSV exports,
//! spreadsheets (.xlsx, .ods) and text for numbers saved as DingTalk support or customer
//! service that are not official channels, and for numbers and links on the blocklist.
//!
//! Exit status: 0 nothing flagged, 1 something flagged, 2 a file that cannot be read (nothing is
//! recorded then) or a usage error, 3 a store failure. Unless `--no-record`, the counts (never
//! the numbers) are recorded as step 1's evidence, with an audit record.

use crate::check::{parse_lang, parse_region};
use crate::error::CliError;
use serde::Serialize;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use verity_core::phone::Region;
use verity_core::text::{text, text_with};
use verity_core::Language;
use verity_flows::scan::{Copies, Input};
use verity_scan::{self as scan, FileScan, Finding, Location, ScanError, MAX_FILE_BYTES};
use verity_store::Store;

/// Arguments of `verityctl scan`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Formats: vCard 2.1/3/4 (.vcf), CSV from Google or Outlook (any \
    delimiter, UTF-8 or UTF-16), .xlsx and .ods spreadsheets, and plain text such as pasted \
    group messages. Files up to 50 MiB.\n\nExit status: 0 nothing flagged, 1 something \
    flagged, 2 a file cannot be read or a usage error, 3 a store failure."
)]
pub struct ScanArgs {
    /// Print a JSON array of findings (file, location, name, number, reason, …) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write a copy of FILE without the flagged entries to OUT, a new file (vCard, CSV or
    /// text; one FILE only). The original is never changed, and OUT must not exist.
    #[arg(long, value_name = "OUT")]
    pub clean_copy: Option<PathBuf>,
    /// Do not record the result as evidence for checklist step 1.
    #[arg(long)]
    pub no_record: bool,
    /// The language of the messages.
    #[arg(long, default_value = "en", value_parser = parse_lang)]
    pub lang: Language,
    /// How to read numbers written without a country code (default: the app's setting).
    #[arg(long, value_parser = parse_region)]
    pub region: Option<Region>,
    /// The files to scan; `-` reads text (a pasted message) from standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Serialize)]
struct FindingOut<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    reason_text: String,
}

fn location_text(l: &Location, lang: Language) -> String {
    match l {
        Location::Line { line } => {
            text_with(lang, "scan.location.line", &[("line", &line.to_string())])
        }
        Location::Row { sheet, row } => text_with(
            lang,
            "scan.location.row",
            &[("sheet", sheet), ("row", &row.to_string())],
        ),
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    let name = display(path);
    let too_large = |size: u64| {
        CliError::Usage(format!(
            "{name}: {}",
            ScanError::TooLarge {
                size,
                max: MAX_FILE_BYTES
            }
        ))
    };
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)?;
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| CliError::Usage(format!("cannot read {name}: {e}")))?;
        let meta = file
            .metadata()
            .map_err(|e| CliError::Usage(format!("cannot read {name}: {e}")))?;
        if meta.is_dir() {
            return Err(CliError::Usage(format!(
                "{name} is a directory, not a file"
            )));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_large(meta.len()));
        }
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| CliError::Usage(format!("cannot read {name}: {e}")))?;
    }
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(buf.len() as u64));
    }
    Ok(buf)
}

/// Refuses a cleaned-copy target that exists or is the source, before anything is scanned.
fn check_target(source: &Path, target: &Path) -> Result<(), CliError> {
    if source.as_os_str() == "-" {
        return Err(CliError::Usage(
            "--clean-copy needs a file, not standard input".to_owned(),
        ));
    }
    let same = match (std::fs::canonicalize(source), std::fs::canonicalize(target)) {
        (Ok(a), Ok(b)) => a == b,
        _ => source == target,
    };
    if same {
        return Err(CliError::Usage(format!(
            "--clean-copy {} is the file being scanned: the original is never overwritten",
            display(target)
        )));
    }
    if target.exists() || target.symlink_metadata().is_ok() {
        return Err(CliError::Usage(format!(
            "--clean-copy {} already exists: choose a new file name",
            display(target)
        )));
    }
    Ok(())
}

fn scan_error(name: &str, e: &ScanError) -> CliError {
    CliError::Usage(format!("{name}: {e}"))
}

/// The result of scanning every file: the scans, and the cleaned copy's counts if one was made.
struct Outcome {
    scans: Vec<FileScan>,
    clean: Option<(PathBuf, scan::CleanCopy)>,
}

fn scan_all(args: &ScanArgs, store: &mut Store) -> Result<Outcome, CliError> {
    let inputs: Vec<(String, Vec<u8>)> = args
        .files
        .iter()
        .map(|p| read_input(p).map(|b| (display(p), b)))
        .collect::<Result<_, _>>()?;
    let files: Vec<Input<'_>> = inputs
        .iter()
        .map(|(name, bytes)| Input { name, bytes })
        .collect();
    let copies = if args.clean_copy.is_some() {
        Copies::All
    } else {
        Copies::None
    };
    let scanned = verity_flows::scan::scan_files(store, args.region, &files, copies)?;
    let mut scans = Vec::with_capacity(scanned.len());
    let mut clean = None;
    for ((name, _), s) in inputs.iter().zip(scanned) {
        scans.push(s.scan.map_err(|e| scan_error(name, &e))?);
        if let (Some(target), Some(copy)) = (&args.clean_copy, s.clean) {
            let copy = copy.map_err(|e| scan_error(name, &e))?;
            match verity_flows::files::write_new(target, &copy.bytes) {
                Err(verity_flows::FlowError::Exists { .. }) => {
                    return Err(CliError::Usage(format!(
                        "--clean-copy {} already exists: choose a new file name",
                        display(target)
                    )))
                }
                other => other?,
            }
            clean = Some((target.clone(), copy));
        }
    }
    Ok(Outcome { scans, clean })
}

pub fn run(args: &ScanArgs, data_dir: &Path, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    if let Some(target) = &args.clean_copy {
        if args.files.len() != 1 {
            return Err(CliError::Usage(
                "--clean-copy takes exactly one FILE".to_owned(),
            ));
        }
        check_target(&args.files[0], target)?;
    }
    let mut store = Store::open(data_dir)?;
    let outcome = scan_all(args, &mut store)?;
    let findings: Vec<&Finding> = outcome.scans.iter().flat_map(|s| &s.findings).collect();
    let removed = outcome.clean.as_ref().map_or(0, |(_, c)| c.removed);
    let recorded = if args.no_record {
        None
    } else {
        verity_flows::scan::record(&mut store, &outcome.scans, removed, crate::clock::now())?
    };
    let lang = args.lang;
    if args.json {
        let list: Vec<FindingOut<'_>> = findings
            .iter()
            .map(|f| FindingOut {
                finding: f,
                reason_text: text(lang, &format!("scan.reason.{}", f.reason)),
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &list)?;
        writeln!(out)?;
    } else {
        print_text(out, &outcome, removed, recorded.as_ref(), lang)?;
    }
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The scan's findings and counts as text, in `lang`.
fn print_text(
    out: &mut dyn Write,
    outcome: &Outcome,
    removed: u32,
    recorded: Option<&verity_store::Applied>,
    lang: Language,
) -> Result<(), CliError> {
    for s in &outcome.scans {
        let enc = s
            .encoding
            .map(|e| format!(", {}", e.as_str()))
            .unwrap_or_default();
        writeln!(
            out,
            "{} ({}{enc}): {}",
            s.file,
            text(lang, &format!("scan.format.{}", s.format)),
            text_with(
                lang,
                "scan.summary",
                &[
                    ("files", "1"),
                    ("entries", &s.entries.to_string()),
                    ("flagged", &s.flagged.to_string()),
                ]
            )
        )?;
        for f in &s.findings {
            let what = match (&f.number, &f.link) {
                (Some(n), _) => match &f.normalized {
                    Some(e) if e != n => format!("{n} ({e})"),
                    _ => n.clone(),
                },
                (None, Some(l)) => l.clone(),
                (None, None) => String::new(),
            };
            let name = f.name.as_deref().unwrap_or("—");
            writeln!(
                out,
                "  {}: {name} · {what} [{}]",
                location_text(&f.location, lang),
                f.reason
            )?;
            writeln!(
                out,
                "    {}",
                text(lang, &format!("scan.reason.{}", f.reason))
            )?;
        }
    }
    if outcome.scans.len() > 1 {
        let e = scan::evidence(&outcome.scans, removed);
        writeln!(
            out,
            "{}",
            text_with(
                lang,
                "scan.summary",
                &[
                    ("files", &e.files.to_string()),
                    ("entries", &e.entries.to_string()),
                    ("flagged", &e.flagged.to_string()),
                ]
            )
        )?;
    }
    if outcome.scans.iter().all(|s| s.findings.is_empty()) {
        writeln!(out, "{}", text(lang, "scan.nothing_flagged"))?;
    }
    if let Some((path, c)) = &outcome.clean {
        writeln!(
            out,
            "{}",
            text_with(
                lang,
                "scan.clean_copy_written",
                &[
                    ("path", &display(path)),
                    ("removed", &c.removed.to_string()),
                    ("kept", &c.kept.to_string()),
                ]
            )
        )?;
    }
    if let Some(a) = recorded {
        writeln!(
            out,
            "{}",
            text_with(
                lang,
                "scan.recorded",
                &[(
                    "status",
                    &text(lang, &format!("checklist.status.{}", a.state.status))
                )]
            )
        )?;
    }
    Ok(())
}
