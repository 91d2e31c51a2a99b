//! `verityctl audit`: the checklist's hash-chained audit log. `verify` reports the first broken
//! or altered record (exit status 1), `list` prints the records.

use crate::check::parse_lang;
use crate::error::CliError;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use verity_core::audit::{AuditRecord, ChainBreak, ChainHead};
use verity_core::checklist::StepId;
use verity_core::text::{text, text_with};
use verity_core::Language;
use verity_store::Store;

/// Arguments of `verityctl audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// The audit subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the chain: every record's hash, its link to the one before, the sequence, the
    /// head kept beside the log, and the stored step states. Exit status 1 when broken.
    Verify {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// The language of the text.
        #[arg(long, default_value = "en", value_parser = parse_lang)]
        lang: Language,
    },
    /// Print the records, oldest first.
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Serialize)]
struct VerifyOut {
    intact: bool,
    records: u64,
    head: Option<ChainHead>,
    first_break: Option<ChainBreak>,
    mismatched_steps: Vec<StepId>,
    message: String,
}

pub fn run(args: &AuditArgs, data_dir: &Path, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let store = Store::open(data_dir)?;
    match &args.command {
        AuditCommand::Verify { json, lang } => {
            let check = store.verify_audit()?;
            let v = &check.verification;
            let message = match (&v.first_break, check.mismatched_steps.first()) {
                (Some(b), _) => text_with(
                    *lang,
                    &format!("audit.break.{}", b.kind.as_str()),
                    &[("seq", &b.seq.to_string())],
                ),
                (None, Some(step)) => text_with(
                    *lang,
                    "audit.state_mismatch",
                    &[(
                        "step",
                        &text(*lang, &format!("checklist.step.{step}.title")),
                    )],
                ),
                (None, None) if v.records == 0 => text(*lang, "audit.empty"),
                (None, None) => {
                    text_with(*lang, "audit.intact", &[("count", &v.records.to_string())])
                }
            };
            if *json {
                let o = VerifyOut {
                    intact: check.is_intact(),
                    records: v.records,
                    head: v.head.clone(),
                    first_break: v.first_break.clone(),
                    mismatched_steps: check.mismatched_steps.clone(),
                    message,
                };
                serde_json::to_writer_pretty(&mut *out, &o)?;
                writeln!(out)?;
            } else {
                writeln!(out, "{message}")?;
                if let Some(h) = &v.head {
                    writeln!(
                        out,
                        "{}: {} (#{})",
                        text(*lang, "report.audit.head"),
                        h.hash,
                        h.seq
                    )?;
                }
            }
            Ok(if check.is_intact() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        AuditCommand::List { json } => {
            let records: Vec<AuditRecord> = store.audit_records()?;
            if *json {
                serde_json::to_writer_pretty(&mut *out, &records)?;
                writeln!(out)?;
            } else {
                for r in &records {
                    writeln!(
                        out,
                        "#{} {} {} {} → {} {}",
                        r.seq,
                        r.at.to_rfc3339(),
                        r.step,
                        r.from,
                        r.to,
                        r.hash.chars().take(16).collect::<String>()
                    )?;
                    if let Some(e) = &r.evidence {
                        writeln!(out, "    {e}")?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
