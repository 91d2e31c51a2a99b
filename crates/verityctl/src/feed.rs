//! `verityctl feed`: publish the organisation's signed threat feed (for IT staff).
//!
//! ```text
//! verityctl feed init    --repo REPO --keys KEYS --root-key-dir ROOT_KEYS [--threshold-root N ...]
//! verityctl feed publish --repo REPO --keys KEYS --entries FILE.csv [--official FILE.csv] [--tools FILE.json]
//! verityctl feed refresh --repo REPO --keys KEYS          (cron: daily, before the timestamp expires)
//! verityctl feed serve   --repo REPO [--listen 127.0.0.1:8787]
//! ```
//!
//! Keep KEYS off the web server: only REPO is published. Give clients `REPO/root.json` once
//! (`verityctl sync --url URL --root root.json`, or the app's provisioning file).

use crate::error::CliError;
use serde::Serialize;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use verity_core::entry_csv;
use verity_core::phone::Region;
use verity_feed::{FeedEntry, InitOptions, PublishInput, PublishOptions, RefreshOptions};

/// Largest CSV file accepted, in bytes.
const MAX_CSV_BYTES: u64 = 512 * 1024 * 1024;

/// Arguments of `verityctl feed`.
#[derive(Debug, clap::Args)]
pub struct FeedArgs {
    #[command(subcommand)]
    pub command: FeedCommand,
}

/// The feed subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum FeedCommand {
    /// Create the signing keys (Ed25519, owner-only: the online targets, snapshot and timestamp
    /// keys under KEYS, the root keys under ROOT_KEYS, to be kept offline) and the repository;
    /// writes the root clients start from to REPO/root.json. Never overwrites keys or a
    /// repository. `publish` and `refresh` need KEYS only.
    Init {
        /// The repository directory (what the web server publishes).
        #[arg(long, value_name = "REPO")]
        repo: PathBuf,
        /// The online private key directory (keep it off the web server).
        #[arg(long, value_name = "KEYS")]
        keys: PathBuf,
        /// The root keys' own directory: move it offline once init is done (it is needed only
        /// to sign a new root).
        #[arg(long, value_name = "ROOT_KEYS")]
        root_key_dir: PathBuf,
        /// Root keys to create (default: the root threshold).
        #[arg(long, value_name = "N")]
        root_keys: Option<u32>,
        /// Signatures required on root metadata.
        #[arg(long, value_name = "N", default_value_t = 1)]
        threshold_root: u32,
        /// Signatures (and keys) for targets metadata.
        #[arg(long, value_name = "N", default_value_t = 1)]
        threshold_targets: u32,
        /// Signatures (and keys) for snapshot metadata.
        #[arg(long, value_name = "N", default_value_t = 1)]
        threshold_snapshot: u32,
        /// Signatures (and keys) for timestamp metadata.
        #[arg(long, value_name = "N", default_value_t = 1)]
        threshold_timestamp: u32,
        /// Days until the root metadata expires.
        #[arg(long, value_name = "DAYS", default_value_t = 365)]
        root_days: u32,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Publish a new version from the full desired list; the delta from the previous version is
    /// computed from the repository itself.
    Publish {
        /// The repository directory.
        #[arg(long, value_name = "REPO")]
        repo: PathBuf,
        /// The private key directory.
        #[arg(long, value_name = "KEYS")]
        keys: PathBuf,
        /// The whole list: `kind,value,category,campaign,source[,alert]` (alert: true/false).
        #[arg(long, value_name = "FILE.csv")]
        entries: PathBuf,
        /// The official-channel directory: `kind,value[,account_id]` with kinds platform_name,
        /// domain, brand_label, service_account, support_step, phone (default: keep the
        /// previous version's).
        #[arg(long, value_name = "FILE.csv")]
        official: Option<PathBuf>,
        /// The remote-access tripwire's tool table to ship (JSON, the format of Verity's
        /// built-in `tools.json`, with a higher `version`): devices add its tools and names to
        /// their own (default: keep the previous version's).
        #[arg(long, value_name = "FILE.json")]
        tools: Option<PathBuf>,
        /// How to read numbers written without a country code.
        #[arg(long, default_value = "HK", value_parser = crate::check::parse_region)]
        region: Region,
        /// Days until targets and snapshot metadata expire.
        #[arg(long, value_name = "DAYS", default_value_t = 90)]
        metadata_days: u32,
        /// Days until the timestamp expires (run `feed refresh` before).
        #[arg(long, value_name = "DAYS", default_value_t = 7)]
        timestamp_days: u32,
        /// The least time clients should wait between syncs (default: keep the previous).
        #[arg(long, value_name = "SECONDS")]
        min_wait: Option<u64>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Re-sign the timestamp (and targets and snapshot when they would expire first), keeping
    /// the published version. Run it daily, e.g. from cron.
    Refresh {
        /// The repository directory.
        #[arg(long, value_name = "REPO")]
        repo: PathBuf,
        /// The key directory (the timestamp key suffices unless metadata must be re-signed).
        #[arg(long, value_name = "KEYS")]
        keys: PathBuf,
        /// Days until the new timestamp expires.
        #[arg(long, value_name = "DAYS", default_value_t = 7)]
        timestamp_days: u32,
        /// Days given to targets and snapshot if they are re-signed.
        #[arg(long, value_name = "DAYS", default_value_t = 90)]
        metadata_days: u32,
        /// Also sign a new root version with the same keys, before the root expires (needs the
        /// offline root keys: --root-key-dir).
        #[arg(long, requires = "root_key_dir")]
        renew_root: bool,
        /// The root keys' directory, brought back from offline for --renew-root.
        #[arg(long, value_name = "ROOT_KEYS", requires = "renew_root")]
        root_key_dir: Option<PathBuf>,
        /// Days the renewed root is valid.
        #[arg(
            long,
            value_name = "DAYS",
            default_value_t = 365,
            requires = "renew_root"
        )]
        root_days: u32,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the repository over HTTP for trials (GET only; loopback unless told otherwise).
    Serve {
        /// The repository directory.
        #[arg(long, value_name = "REPO")]
        repo: PathBuf,
        /// The address to listen on.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
    },
}

fn json_line(out: &mut dyn Write, v: &impl Serialize) -> Result<(), CliError> {
    serde_json::to_writer(&mut *out, v)?;
    writeln!(out)?;
    Ok(())
}

fn when(secs: i64) -> String {
    verity_core::Timestamp(secs).to_rfc3339()
}

pub fn run(args: &FeedArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let now = crate::clock::now();
    match &args.command {
        FeedCommand::Init {
            repo,
            keys,
            root_key_dir,
            root_keys,
            threshold_root,
            threshold_targets,
            threshold_snapshot,
            threshold_timestamp,
            root_days,
            json,
        } => {
            let opts = InitOptions {
                root_keys: root_keys.unwrap_or(*threshold_root),
                threshold_root: *threshold_root,
                threshold_targets: *threshold_targets,
                threshold_snapshot: *threshold_snapshot,
                threshold_timestamp: *threshold_timestamp,
                root_days: *root_days,
            };
            let r = verity_feed::init(repo, keys, root_key_dir, &opts, now)?;
            if *json {
                json_line(out, &r)?;
            } else {
                print_init(out, &r, repo, keys)?;
            }
        }
        FeedCommand::Publish {
            repo,
            keys,
            entries,
            official,
            tools,
            region,
            metadata_days,
            timestamp_days,
            min_wait,
            json,
        } => {
            let input =
                publish_input(entries, official.as_deref(), tools.as_deref(), *region, now)?;
            let opts = PublishOptions {
                metadata_days: *metadata_days,
                timestamp_days: *timestamp_days,
                min_wait: *min_wait,
            };
            let r = verity_feed::publish(repo, keys, input, &opts, now)?;
            if *json {
                json_line(out, &r)?;
            } else {
                print_publish(out, &r)?;
            }
        }
        FeedCommand::Refresh {
            repo,
            keys,
            root_key_dir,
            timestamp_days,
            metadata_days,
            renew_root,
            root_days,
            json,
        } => {
            let opts = RefreshOptions {
                timestamp_days: *timestamp_days,
                metadata_days: *metadata_days,
                renew_root_days: renew_root.then_some(*root_days),
            };
            let r = verity_feed::refresh(repo, keys, root_key_dir.as_deref(), &opts, now)?;
            if *json {
                json_line(out, &r)?;
            } else {
                print_refresh(out, &r, now)?;
            }
        }
        FeedCommand::Serve { repo, listen } => {
            if !listen.ip().is_loopback() {
                eprintln!(
                    "verityctl: warning: serving on {listen}, reachable from other machines; \
                     this server is meant for trials"
                );
            }
            verity_feed::serve::serve_until_interrupted(repo, *listen, |addr| {
                let _ = writeln!(
                    std::io::stderr(),
                    "verityctl: serving {} at http://{addr}/ (Ctrl-C to stop)",
                    repo.display()
                );
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_init(
    out: &mut dyn Write,
    r: &verity_feed::InitReport,
    repo: &Path,
    keys: &Path,
) -> Result<(), CliError> {
    writeln!(out, "Created the feed repository {}", repo.display())?;
    writeln!(
        out,
        "Trusted root for clients: {} (expires {})",
        r.root_file.display(),
        when(r.root_expires)
    )?;
    writeln!(
        out,
        "Private keys (owner-only; keep them off the web server):"
    )?;
    for k in &r.key_files {
        writeln!(out, "  {}", k.display())?;
    }
    writeln!(
        out,
        "Root keys (needed only to sign a new root; move them offline now):"
    )?;
    for k in &r.root_key_files {
        writeln!(out, "  {}", k.display())?;
    }
    writeln!(
        out,
        "Next: verityctl feed publish --repo {} --keys {} --entries FILE.csv",
        repo.display(),
        keys.display()
    )?;
    Ok(())
}

/// The new version's input: the list, and the official directory and tool table when given.
fn publish_input(
    entries: &Path,
    official: Option<&Path>,
    tools: Option<&Path>,
    region: Region,
    now: verity_core::Timestamp,
) -> Result<PublishInput, CliError> {
    let bytes = crate::blocklist::read_capped(entries, MAX_CSV_BYTES)?;
    let rows = entry_csv::parse_entries(&bytes, now, region)
        .map_err(|e| CliError::Usage(format!("{}: {e}", entries.display())))?;
    let official = match official {
        None => None,
        Some(path) => {
            let bytes = crate::blocklist::read_capped(path, MAX_CSV_BYTES)?;
            Some(
                verity_feed::official_csv::parse(&bytes, region)
                    .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?,
            )
        }
    };
    Ok(PublishInput {
        entries: rows
            .into_iter()
            .map(|r| FeedEntry {
                entry: r.entry,
                alert: r.alert,
            })
            .collect(),
        official,
        tools: match tools {
            None => None,
            Some(path) => Some(crate::blocklist::read_capped(
                path,
                verity_tripwire::remote::MAX_TABLE_BYTES as u64,
            )?),
        },
    })
}

fn print_publish(out: &mut dyn Write, r: &verity_feed::PublishReport) -> Result<(), CliError> {
    writeln!(
        out,
        "Published version {}: {} entries ({} added, {} changed, {} removed; {} new alert{})",
        r.version,
        r.entries,
        r.added,
        r.changed,
        r.removed,
        r.new_alerts,
        if r.new_alerts == 1 { "" } else { "s" }
    )?;
    match r.delta_bytes {
        Some(d) => writeln!(
            out,
            "Snapshot {} bytes, delta from version {} {} bytes",
            r.snapshot_bytes,
            r.previous.unwrap_or(0),
            d
        )?,
        None => writeln!(
            out,
            "Snapshot {} bytes (first version, no delta)",
            r.snapshot_bytes
        )?,
    }
    if let Some(v) = r.tools_version {
        writeln!(out, "Tripwire tool table: version {v}")?;
    }
    writeln!(
        out,
        "Timestamp expires {}: run verityctl feed refresh before then",
        when(r.timestamp_expires)
    )?;
    Ok(())
}

fn print_refresh(
    out: &mut dyn Write,
    r: &verity_feed::RefreshReport,
    now: verity_core::Timestamp,
) -> Result<(), CliError> {
    writeln!(
        out,
        "Re-signed the timestamp of version {}{}; it expires {}",
        r.version,
        if r.resigned_metadata {
            " (and targets and snapshot)"
        } else {
            ""
        },
        when(r.timestamp_expires)
    )?;
    if r.renewed_root {
        writeln!(
            out,
            "Signed root version {}; it expires {}",
            r.root_version,
            when(r.root_expires)
        )?;
    } else if r.root_expires - now.0 < 30 * 86_400 {
        writeln!(
            out,
            "Warning: the root expires {}: run feed refresh --renew-root with the root keys",
            when(r.root_expires)
        )?;
    }
    Ok(())
}
