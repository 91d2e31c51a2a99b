//! `verityctl audit`: the checklist's hash-chained audit log. `verify` reports the first broken
//! or altered record (exit status 1), `list` prints the records.
//!
//! `verify` also checks the chain against the head the organisation's desk countersigned (kept
//! beside the log by `device verify`), prints it with the fingerprint of the key that
//! countersigned (checked against the key pinned in `device.json`), and with `--report FILE`
//! checks the chain against the countersigned head a manager's JSON report carries: its
//! countersignature must verify with the pinned organisation key for this device, and record
//! `#seq` must still have its hash — so a log cut short or rewritten together with the anchor kept
//! beside it is still caught.

use crate::check::parse_lang;
use crate::error::CliError;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use verity_checklist::audit::{self, AnchoredHead, AuditRecord, ChainBreak, ChainHead};
use verity_checklist::checklist::StepId;
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
        /// A manager's JSON report of this device (`checklist report --format json`): the chain
        /// is also checked against the countersigned head it carries.
        #[arg(long, value_name = "FILE")]
        report: Option<std::path::PathBuf>,
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
    anchor: Option<AnchorOut>,
    report_anchor: Option<AnchorOut>,
}

/// A countersigned head and what was found of it.
#[derive(Debug, Serialize)]
struct AnchorOut {
    #[serde(flatten)]
    anchor: AnchoredHead,
    /// The fingerprint of the key that countersigned.
    org_fingerprint: String,
    /// Whether the countersignature verifies with the organisation key pinned in `device.json`
    /// for this device (`None`: the device is not enrolled, or the anchor is an earlier
    /// binding's; nothing to check it with).
    countersigned: Option<bool>,
    /// The chain's break against it, if any.
    first_break: Option<ChainBreak>,
    message: String,
}

/// The largest report file read.
const MAX_REPORT: u64 = 4 * 1024 * 1024;

/// Whether `a` is countersigned by the organisation key pinned in `data_dir`'s `device.json`,
/// for this device (`None` when the device is not enrolled, or `a` names another device or
/// organisation key: an earlier binding's, nothing to check it with).
fn countersigned(data_dir: &Path, a: &AnchoredHead) -> Result<Option<bool>, CliError> {
    use verity_device::proto;
    let state = verity_device::state::DeviceState::load(data_dir)
        .map_err(|e| CliError::Failure(e.to_string()))?;
    let Some(state) = state else { return Ok(None) };
    let Ok(key) = proto::parse_public_key(&state.org.public_key, "organisation key") else {
        return Ok(Some(false));
    };
    let Ok(at) = u64::try_from(a.at.0) else {
        return Ok(Some(false));
    };
    // An anchor of an earlier binding (the device enrolled again since) cannot be checked with
    // this one's key; the chain is still checked against it.
    if a.org_key != state.org.public_key || a.device_id != state.device_id {
        return Ok(None);
    }
    let ok = proto::verify_audit_anchor(
        &key,
        &state.device_id,
        &proto::AuditAnchor {
            seq: a.seq,
            hash: a.hash.clone(),
            at,
            signature: a.signature.clone(),
        },
    )
    .is_ok();
    Ok(Some(ok))
}

fn fingerprint_of(a: &AnchoredHead) -> String {
    verity_device::proto::parse_public_key(&a.org_key, "organisation key")
        .map(|k| verity_device::proto::fingerprint(&k))
        .unwrap_or_else(|_| "?".to_owned())
}

fn break_text(lang: Language, b: &ChainBreak) -> String {
    text_with(
        lang,
        &format!("audit.break.{}", b.kind.as_str()),
        &[("seq", &b.seq.to_string())],
    )
}

fn anchor_out(
    lang: Language,
    data_dir: &Path,
    anchor: &AnchoredHead,
    first_break: Option<ChainBreak>,
) -> Result<AnchorOut, CliError> {
    let countersigned = countersigned(data_dir, anchor)?;
    let message = match (&first_break, countersigned) {
        (_, Some(false)) => text(lang, "audit.anchor_forged"),
        (Some(b), _) => break_text(lang, b),
        (None, _) => text_with(
            lang,
            "report.audit.anchor",
            &[
                ("seq", &anchor.seq.to_string()),
                ("date", &anchor.at.to_rfc3339()),
            ],
        ),
    };
    Ok(AnchorOut {
        org_fingerprint: fingerprint_of(anchor),
        anchor: anchor.clone(),
        countersigned,
        first_break,
        message,
    })
}

fn print_anchor(out: &mut dyn Write, lang: Language, a: &AnchorOut) -> Result<(), CliError> {
    writeln!(
        out,
        "{}: {} (#{})",
        text_with(
            lang,
            "report.audit.anchor",
            &[
                ("seq", &a.anchor.seq.to_string()),
                ("date", &a.anchor.at.to_rfc3339())
            ],
        ),
        a.anchor.hash,
        a.anchor.seq
    )?;
    writeln!(
        out,
        "{}",
        text_with(
            lang,
            "audit.anchor_by",
            &[("fingerprint", &a.org_fingerprint)]
        )
    )?;
    if a.countersigned == Some(false) || a.first_break.is_some() {
        writeln!(out, "{}", a.message)?;
    }
    Ok(())
}

/// The countersigned head a manager's JSON report carries.
fn report_anchor(path: &Path) -> Result<AnchoredHead, CliError> {
    use std::io::Read;
    let f = std::fs::File::open(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    f.take(MAX_REPORT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_REPORT {
        return Err(CliError::Usage(format!(
            "{} is larger than a report ({} MiB)",
            path.display(),
            MAX_REPORT / 1024 / 1024
        )));
    }
    let r: verity_checklist::report::ChecklistReport =
        serde_json::from_slice(&bytes).map_err(|e| {
            CliError::Usage(format!(
                "{} is not a JSON checklist report: {e}",
                path.display()
            ))
        })?;
    r.audit.anchor.ok_or_else(|| {
        CliError::Usage(format!(
            "{} carries no countersigned head (it was made before the device was verified)",
            path.display()
        ))
    })
}

pub fn run(args: &AuditArgs, data_dir: &Path, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let store = Store::open(data_dir)?;
    match &args.command {
        AuditCommand::Verify { json, lang, report } => {
            verify(&store, data_dir, *json, *lang, report.as_deref(), out)
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

/// `verityctl audit verify`: the chain, the local anchor and a report's anchor.
fn verify(
    store: &Store,
    data_dir: &Path,
    json: bool,
    lang: Language,
    report: Option<&Path>,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let from_report = report.map(report_anchor).transpose()?;
    let check = store.verify_audit()?;
    let v = &check.verification;
    let anchor = match &check.anchor {
        Some(a) => {
            let b = v.first_break.clone().filter(|b| {
                matches!(
                    b.kind,
                    audit::BreakKind::TruncatedSinceAnchor | audit::BreakKind::RewrittenSinceAnchor
                ) || b.seq == a.seq
            });
            Some(anchor_out(lang, data_dir, a, b)?)
        }
        None => None,
    };
    let report_anchor = match &from_report {
        Some(a) => {
            let records = store.audit_records()?;
            Some(anchor_out(
                lang,
                data_dir,
                a,
                audit::check_anchor(&records, a),
            )?)
        }
        None => None,
    };
    let anchors_ok = [&anchor, &report_anchor]
        .into_iter()
        .flatten()
        .all(|a| a.first_break.is_none() && a.countersigned != Some(false));
    let intact = check.is_intact() && anchors_ok;
    let message = match (&v.first_break, check.mismatched_steps.first()) {
        (Some(b), _) => break_text(lang, b),
        (None, Some(step)) => text_with(
            lang,
            "audit.state_mismatch",
            &[("step", &text(lang, &format!("checklist.step.{step}.title")))],
        ),
        (None, None) => match [&anchor, &report_anchor]
            .into_iter()
            .flatten()
            .find(|a| a.first_break.is_some() || a.countersigned == Some(false))
        {
            Some(a) => a.message.clone(),
            None if v.records == 0 => text(lang, "audit.empty"),
            None => text_with(lang, "audit.intact", &[("count", &v.records.to_string())]),
        },
    };
    if json {
        let o = VerifyOut {
            intact,
            records: v.records,
            head: v.head.clone(),
            first_break: v.first_break.clone(),
            mismatched_steps: check.mismatched_steps.clone(),
            message,
            anchor,
            report_anchor,
        };
        serde_json::to_writer_pretty(&mut *out, &o)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{message}")?;
        if let Some(h) = &v.head {
            writeln!(
                out,
                "{}: {} (#{})",
                text(lang, "report.audit.head"),
                h.hash,
                h.seq
            )?;
        }
        if let Some(a) = &anchor {
            print_anchor(out, lang, a)?;
        }
        if let Some(a) = &report_anchor {
            writeln!(
                out,
                "{}:",
                report
                    .map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            )?;
            print_anchor(out, lang, a)?;
        }
    }
    Ok(if intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
