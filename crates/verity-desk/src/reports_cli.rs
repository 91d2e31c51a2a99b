//! `verity-desk reports …`: the triage queue of reports to IT.

use super::{when, CliError, DataArg};
use clap::Subcommand;
use std::io::Write;
use verity_desk::admin;
use verity_desk::feedpub;
use verity_desk::store::{ReportGroup, ReportStatus};
use verity_device::clock::{Clock, SystemClock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum StatusArg {
    New,
    Confirmed,
    Rejected,
}

impl From<StatusArg> for ReportStatus {
    fn from(s: StatusArg) -> ReportStatus {
        match s {
            StatusArg::New => ReportStatus::New,
            StatusArg::Confirmed => ReportStatus::Confirmed,
            StatusArg::Rejected => ReportStatus::Rejected,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReportsCommand {
    /// The triage queue: reports grouped by kind and item (and status), with how many reports,
    /// from how many devices, first and last received; the most recent first.
    List {
        #[command(flatten)]
        data: DataArg,
        /// Only reports with this status.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One report: what was reported, by which device, its note, its status.
    Show {
        #[command(flatten)]
        data: DataArg,
        /// The report's number (a line of `reports list` gives its first report's).
        id: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Confirm or reject a report, and with it every other new report of the same kind and
    /// item.
    Resolve {
        #[command(flatten)]
        data: DataArg,
        /// The report's number.
        id: u64,
        /// It is real (a scam, an attack).
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        confirm: bool,
        /// There is nothing in it.
        #[arg(long)]
        reject: bool,
        /// Why (kept with the reports).
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// With --confirm, for a reported number or link: the feed category it goes into the
        /// next feed version with (fake_support, fake_upgrade, freeze_threat, phishing, other).
        #[arg(long, value_name = "CATEGORY", conflicts_with = "reject")]
        category: Option<String>,
        /// With --category, for a link: list its whole domain rather than that address.
        #[arg(long, requires = "category")]
        whole_domain: bool,
        /// With --confirm, for an appeal: uphold it and add its number or link to the
        /// organisation's allowlist in the next feed version, as LABEL (who it is).
        #[arg(long, value_name = "LABEL", conflicts_with_all = ["reject", "category"])]
        known_as: Option<String>,
    },
}

fn print_group(out: &mut dyn Write, g: &ReportGroup) -> Result<(), CliError> {
    writeln!(
        out,
        "#{:<6} {:<9} {:<20} {:<40} {:>3} reports from {:>3} devices  first {}  last {}",
        g.id,
        g.status.as_str(),
        g.kind,
        g.item.as_deref().unwrap_or("-"),
        g.count,
        g.reporters,
        when(g.first_seen),
        when(g.last_seen)
    )?;
    Ok(())
}

/// `verity-desk reports …`.
pub(crate) fn run(
    command: ReportsCommand,
    out: &mut dyn Write,
    db: Option<&str>,
) -> Result<(), CliError> {
    match command {
        ReportsCommand::List { data, status, json } => {
            let groups = admin::list_reports(&data.at(db), status.map(ReportStatus::from))?;
            if json {
                serde_json::to_writer(&mut *out, &groups)?;
                writeln!(out)?;
            } else if groups.is_empty() {
                writeln!(out, "No reports.")?;
            } else {
                for g in &groups {
                    print_group(out, g)?;
                }
            }
        }
        ReportsCommand::Show { data, id, json } => {
            let d = admin::show_report(&data.at(db), id)?;
            if json {
                serde_json::to_writer(&mut *out, &d)?;
                writeln!(out)?;
                return Ok(());
            }
            let r = &d.report;
            writeln!(out, "Report:      #{}", r.id)?;
            writeln!(out, "Kind:        {}", r.kind)?;
            writeln!(out, "Item:        {}", r.item.as_deref().unwrap_or("-"))?;
            writeln!(out, "Verdict:     {}", r.verdict.join(", "))?;
            writeln!(out, "Seen:        {} (device clock)", when(r.observed_at))?;
            writeln!(out, "Received:    {}", when(r.received_at))?;
            match &d.device {
                Some(dev) => writeln!(
                    out,
                    "Device:      {} {} ({}) {}",
                    &dev.device_id[..16],
                    dev.employee_name,
                    dev.employee_id,
                    dev.hostname
                )?,
                None => writeln!(out, "Device:      {}", r.device_id)?,
            }
            writeln!(out, "Status:      {}", r.status.as_str())?;
            if let (Some(reason), Some(at)) = (&r.reason, r.resolved_at) {
                writeln!(out, "Reason:      {reason} ({})", when(at))?;
            }
            if let Some(g) = &d.group {
                writeln!(
                    out,
                    "Same item:   {} reports from {} devices with this status",
                    g.count, g.reporters
                )?;
            }
            writeln!(out, "Note:")?;
            for line in r.note.lines() {
                writeln!(out, "  {line}")?;
            }
        }
        ReportsCommand::Resolve {
            data,
            id,
            confirm,
            reject: _,
            reason,
            category,
            whole_domain,
            known_as,
        } => {
            if let Some(label) = known_as {
                let store = admin::open_store(&data.at(db))?;
                let done = feedpub::confirm_appeal(
                    &*store,
                    id,
                    &label,
                    &reason,
                    "cli",
                    SystemClock.now(),
                )?;
                writeln!(out, "upheld {} appeal(s) of #{id}", done.reports)?;
                if let Some((kind, value)) = done.queued {
                    writeln!(
                        out,
                        "queued {kind} {value} for the allowlist in the next feed version \
                         (verity-desk feed publish)"
                    )?;
                }
                return Ok(());
            }
            if let Some(category) = category {
                let store = admin::open_store(&data.at(db))?;
                let scope = if whole_domain {
                    feedpub::LinkScope::Domain
                } else {
                    feedpub::LinkScope::Url
                };
                let done = feedpub::confirm_report(
                    &*store,
                    id,
                    feedpub::parse_category(&category)?,
                    scope,
                    &reason,
                    "cli",
                    SystemClock.now(),
                )?;
                writeln!(out, "confirmed {} report(s) of #{id}", done.reports)?;
                match done.queued {
                    Some((kind, value)) => writeln!(
                        out,
                        "queued {kind} {value} for the next feed version (verity-desk feed publish)"
                    )?,
                    None => writeln!(out, "(an incident: nothing goes into the feed)")?,
                }
                return Ok(());
            }
            let status = if confirm {
                ReportStatus::Confirmed
            } else {
                ReportStatus::Rejected
            };
            let n = admin::resolve_report(&data.at(db), id, status, &reason, &SystemClock)?;
            writeln!(out, "{} {n} report(s) of #{id}", status.as_str())?;
        }
    }
    Ok(())
}
