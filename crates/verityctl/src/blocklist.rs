//! `verityctl blocklist`: import, list, add and remove entries of the local blocklist.

use crate::check::parse_region;
use crate::error::CliError;
use serde::Serialize;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::entry_csv;
use verity_core::phone::Region;
use verity_store::{Origin, Store};

/// Largest CSV file accepted, in bytes.
const MAX_CSV_BYTES: u64 = 256 * 1024 * 1024;

/// Arguments of `verityctl blocklist`.
#[derive(Debug, clap::Args)]
pub struct BlocklistArgs {
    #[command(subcommand)]
    pub command: BlocklistCommand,
}

/// The blocklist subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum BlocklistCommand {
    /// Import a CSV file with the header `kind,value,category,campaign,source` (kind: phone,
    /// domain or url; category: fake_support, fake_upgrade, freeze_threat, phishing or other).
    /// All rows or none: bad rows are reported by line number and nothing is imported.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// How to read numbers written without a country code.
        #[arg(long, default_value = "HK", value_parser = parse_region)]
        region: Region,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the entries.
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Add (or update) one entry.
    Add {
        /// phone, domain or url.
        #[arg(long, value_parser = parse_kind)]
        kind: EntryKind,
        /// The number, domain or link.
        #[arg(long)]
        value: String,
        /// fake_support, fake_upgrade, freeze_threat, phishing or other.
        #[arg(long, value_parser = parse_category)]
        category: Category,
        /// The campaign it belongs to.
        #[arg(long)]
        campaign: Option<String>,
        /// Where the report came from.
        #[arg(long)]
        source: Option<String>,
        /// How to read numbers written without a country code.
        #[arg(long, default_value = "HK", value_parser = parse_region)]
        region: Region,
    },
    /// Remove one entry.
    Remove {
        /// phone, domain or url.
        #[arg(long, value_parser = parse_kind)]
        kind: EntryKind,
        /// The number, domain or link, in any form.
        #[arg(long)]
        value: String,
        /// How to read numbers written without a country code.
        #[arg(long, default_value = "HK", value_parser = parse_region)]
        region: Region,
    },
}

fn parse_kind(s: &str) -> Result<EntryKind, String> {
    s.parse()
        .map_err(|_| format!("unknown kind {s:?}: expected phone, domain or url"))
}

fn parse_category(s: &str) -> Result<Category, String> {
    s.parse().map_err(|_| {
        format!(
            "unknown category {s:?}: expected fake_support, fake_upgrade, freeze_threat, \
             phishing or other"
        )
    })
}

#[derive(Debug, Serialize)]
struct ImportOut {
    file: String,
    rows: usize,
    added: usize,
    updated: usize,
    unchanged: usize,
    entries: i64,
}

#[derive(Debug, Serialize)]
struct EntryOut<'a> {
    kind: &'static str,
    value: &'a str,
    category: &'static str,
    campaign: Option<&'a str>,
    source: Option<&'a str>,
    added: String,
    origin: &'static str,
    alert: bool,
}

/// The file at `path`, refused as a usage error when it cannot be read or is over `max` bytes.
pub(crate) fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, CliError> {
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::Usage(format!("cannot read {shown}: {e}")))?;
    let mut buf = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::Usage(format!("cannot read {shown}: {e}")))?;
    if buf.len() as u64 > max {
        return Err(CliError::Usage(format!(
            "{shown} is larger than {} MiB",
            max / 1024 / 1024
        )));
    }
    Ok(buf)
}

pub fn run(
    args: &BlocklistArgs,
    data_dir: &Path,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    match &args.command {
        BlocklistCommand::Import { file, region, json } => {
            let bytes = read_capped(file, MAX_CSV_BYTES)?;
            let rows = entry_csv::parse_entries(&bytes, crate::clock::now(), *region)
                .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
            let mut store = Store::open(data_dir)?;
            let entries: Vec<(BlocklistEntry, bool)> =
                rows.into_iter().map(|r| (r.entry, r.alert)).collect();
            let report = store.import_entries(&entries, Origin::Import)?;
            let result = ImportOut {
                file: file.display().to_string(),
                rows: entries.len(),
                added: report.added,
                updated: report.updated,
                unchanged: report.unchanged,
                entries: store.blocklist_summary()?.entries,
            };
            if *json {
                serde_json::to_writer(&mut *out, &result)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "Imported {} rows from {}: {} new, {} updated, {} unchanged. The blocklist \
                     now has {} entries.",
                    result.rows,
                    result.file,
                    result.added,
                    result.updated,
                    result.unchanged,
                    result.entries
                )?;
            }
        }
        BlocklistCommand::List { json } => {
            let store = Store::open(data_dir)?;
            let entries = store.blocklist_entries()?;
            let listed: Vec<EntryOut<'_>> = entries
                .iter()
                .map(|s| EntryOut {
                    kind: s.entry.kind.as_str(),
                    value: &s.entry.value,
                    category: s.entry.category.as_str(),
                    campaign: s.entry.campaign.as_deref(),
                    source: s.entry.source.as_deref(),
                    added: s.entry.added.to_date(),
                    origin: s.origin.as_str(),
                    alert: s.alert,
                })
                .collect();
            if *json {
                serde_json::to_writer_pretty(&mut *out, &listed)?;
                writeln!(out)?;
            } else {
                for e in &listed {
                    writeln!(
                        out,
                        "{:<6} {:<40} {:<13} {} {}{}",
                        e.kind,
                        e.value,
                        e.category,
                        e.added,
                        e.origin,
                        e.campaign.map(|c| format!(" · {c}")).unwrap_or_default()
                    )?;
                }
                writeln!(out, "{} entries", listed.len())?;
            }
        }
        BlocklistCommand::Add {
            kind,
            value,
            category,
            campaign,
            source,
            region,
        } => {
            let entry = BlocklistEntry::new(
                *kind,
                value,
                *category,
                campaign.clone(),
                source.clone(),
                crate::clock::now(),
                *region,
            )
            .map_err(|e| CliError::Usage(format!("{kind} {value:?}: {e}")))?;
            let mut store = Store::open(data_dir)?;
            let report = store.import_entries(&[(entry.clone(), false)], Origin::Import)?;
            let what = if report.added > 0 { "Added" } else { "Updated" };
            writeln!(out, "{what} {} {}", entry.kind, entry.value)?;
        }
        BlocklistCommand::Remove {
            kind,
            value,
            region,
        } => {
            let normalized = verity_core::blocklist::normalize_entry_value(*kind, value, *region)
                .map_err(|e| CliError::Usage(format!("{kind} {value:?}: {e}")))?;
            let mut store = Store::open(data_dir)?;
            if !store.remove_entry(*kind, &normalized)? {
                return Err(CliError::Usage(format!(
                    "{kind} {normalized} is not on the blocklist"
                )));
            }
            writeln!(out, "Removed {kind} {normalized}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
