//! `verityctl report`: "Report to IT" — tell the organisation's desk what you saw.
//!
//! Runs `verity_flows::it_report::report_to_it` (the app's flow): the report is checked before it
//! is sent, then sent signed by the device key, and the desk's signed receipt is printed. Exit
//! status: 0 the desk kept the report; 2 a usage error (a refused field, the device not
//! enrolled, a key file's passphrase); 3 an operational failure (the desk unreachable or
//! refusing: a revoked device, `report_rate_limited`). Errors are one line on stderr ending with
//! their stable code in parentheses.

use crate::device::KeyStoreArg;
use crate::error::CliError;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use verity_device::proto::{Report, ReportKind};
use verity_flows::FlowError;

/// What is reported, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// A Check verdict.
    Check,
    /// A Threats entry.
    Threat,
    /// The remote-access tripwire.
    TripwireRemoteTool,
    /// The one-time-code tripwire.
    TripwireCodeGuard,
    /// A message claiming to be support.
    SupportMessage,
    /// A dispute of a verdict ("this is our real supplier"): --item and --note required.
    Appeal,
    /// Anything else.
    Other,
}

impl From<KindArg> for ReportKind {
    fn from(k: KindArg) -> ReportKind {
        match k {
            KindArg::Check => ReportKind::Check,
            KindArg::Threat => ReportKind::Threat,
            KindArg::TripwireRemoteTool => ReportKind::TripwireRemoteTool,
            KindArg::TripwireCodeGuard => ReportKind::TripwireCodeGuard,
            KindArg::SupportMessage => ReportKind::SupportMessage,
            KindArg::Appeal => ReportKind::Appeal,
            KindArg::Other => ReportKind::Other,
        }
    }
}

/// Arguments of `verityctl report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// What is reported.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// The item, normalised: an E.164 number (+85291234567), a link without its query, or a
    /// tool id (anydesk).
    #[arg(long, value_name = "ITEM")]
    pub item: Option<String>,
    /// A verdict code (scam, lookalike_domain); repeat for more, at most 16.
    #[arg(long = "verdict", value_name = "CODE")]
    pub verdict: Vec<String>,
    /// Your note for IT (at most 1,000 characters).
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub note: String,
    /// When you saw it, Unix seconds (default: now).
    #[arg(long, value_name = "SECS")]
    pub observed_at: Option<u64>,
    /// Where the device key is (as for `verityctl device`).
    #[arg(long, value_enum, default_value_t = KeyStoreArg::Auto)]
    pub key_store: KeyStoreArg,
    /// The passphrase of the file key store (first line of FILE).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `verityctl report`.
///
/// # Errors
/// [`CliError`] for a bad key store choice or output failures; the device's and the desk's
/// refusals are printed with their code and give the exit status.
pub fn run(args: &ReportArgs, data_dir: &Path, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let ctx =
        crate::device::key_context(data_dir, args.key_store, args.passphrase_file.as_deref())?;
    let now = u64::try_from(crate::clock::now().0).unwrap_or(0);
    let report = Report {
        kind: args.kind.into(),
        item: args.item.clone(),
        verdict: args.verdict.clone(),
        note: args.note.clone(),
        observed_at: args.observed_at.unwrap_or(now),
    };
    let receipt = match verity_flows::it_report::report_to_it(&ctx, &report) {
        Ok(r) => r,
        Err(FlowError::Device(e)) => return Ok(crate::device::report(&e)),
        Err(e) => return Err(e.into()),
    };
    if args.json {
        serde_json::to_writer(&mut *out, &receipt)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "Reported to IT: report #{} received at {} (Unix time).",
            receipt.id, receipt.received_at
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
