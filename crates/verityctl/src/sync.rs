//! `verityctl sync`: update the local blocklist from the organisation's signed feed, verifying
//! it as the app does. On failure the list is unchanged and `verityctl status` says why.

use crate::error::CliError;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use verity_feed::{Progress, Stage, SyncConfig, SyncOutcome};
use verity_feed_policy::config::TrustAnchor;
use verity_flows::feed::Source;
use verity_flows::provisioning;
use verity_store::{Store, TrustChangeKind};

/// Largest trusted root file accepted, in bytes (the app's limit).
const MAX_ROOT_BYTES: u64 = verity_feed_policy::config::MAX_ROOT_BYTES as u64;

/// Arguments of `verityctl sync`.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// The feed URL (default: the one last synced).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The feed's root.json, needed for the first sync; kept in the data directory afterwards.
    #[arg(long, value_name = "FILE")]
    pub root: Option<PathBuf>,
    /// Trust --root instead of the kept root (a new feed, or recovery after a key compromise).
    /// Refused when the organisation pinned the kept root: only its provisioning changes it.
    #[arg(long, requires = "root")]
    pub replace_root: bool,
    /// An HTTP(S) proxy, e.g. http://proxy.corp:8080 (default: HTTPS_PROXY from the
    /// environment).
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Seconds allowed for each download.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub timeout: u64,
    /// Print progress on stderr even when it is not a terminal.
    #[arg(long)]
    pub progress: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

fn read_root(path: &Path) -> Result<Vec<u8>, CliError> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::Usage(format!("cannot read {shown}: {e}")))?;
    let mut buf = Vec::new();
    file.take(MAX_ROOT_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::Usage(format!("cannot read {shown}: {e}")))?;
    if buf.len() as u64 > MAX_ROOT_BYTES {
        return Err(CliError::Usage(format!(
            "{shown} is too large for root metadata"
        )));
    }
    Ok(buf)
}

/// Prints progress on stderr: one updating line on a terminal, plain lines otherwise.
fn progress_printer(tty: bool) -> impl FnMut(Progress) + Send {
    let mut last_stage: Option<(Stage, Option<&'static str>)> = None;
    move |p: Progress| {
        let mut err = std::io::stderr().lock();
        let line = match p.stage {
            Stage::Metadata => "verifying feed metadata".to_owned(),
            Stage::Download => match p.total {
                Some(t) => format!(
                    "downloading {} {} / {} bytes",
                    p.file.unwrap_or("file"),
                    p.bytes,
                    t
                ),
                None => format!("downloading {} {} bytes", p.file.unwrap_or("file"), p.bytes),
            },
            Stage::Apply => "applying and checking the list".to_owned(),
            Stage::Index => "rebuilding the index".to_owned(),
            Stage::Done => "done".to_owned(),
        };
        let key = (p.stage, p.file);
        if tty {
            let _ = write!(err, "\r\x1b[2Kverityctl: {line}");
            if p.stage == Stage::Done {
                let _ = writeln!(err);
            }
        } else if last_stage != Some(key) || p.total.is_some_and(|t| p.bytes == t) {
            let _ = writeln!(err, "verityctl: {line}");
        }
        last_stage = Some(key);
    }
}

/// The feed to sync and its proxy: the organisation's (the administrator's provisioning file,
/// or the feed its desk handed over, signed), which wins as in the app; else `--url` and
/// `--root` (a root given by hand), else the URL and kept root of the last sync.
fn source(
    args: &SyncArgs,
    data_dir: &Path,
    store: &Store,
) -> Result<(Source, Option<String>), CliError> {
    let path = provisioning::path_from_env();
    let organisation =
        verity_flows::feed::organisation_source(data_dir, &path, provisioning::check_for(&path))
            .map_err(|why| {
                CliError::Usage(format!(
                    "the administrator's provisioning file cannot be used: {why}"
                ))
            })?;
    Ok(match organisation {
        // The organisation's feed wins, as in the app: the administrator's provisioning file, or
        // the feed its desk handed over (signed) at enrolment.
        Some((source, proxy)) => {
            if args.url.is_some() || args.root.is_some() {
                let by = match source.anchor {
                    TrustAnchor::Organisation => "your organisation's desk".to_owned(),
                    _ => format!("the administrator's provisioning file {}", path.display()),
                };
                return Err(CliError::Usage(format!(
                    "{by} sets the feed: drop --url and --root"
                )));
            }
            (source, args.proxy.clone().or(proxy))
        }
        None => {
            let url = match &args.url {
                Some(u) => u.clone(),
                None => store.feed_state()?.url.ok_or_else(|| {
                    CliError::Usage(
                        "no feed URL: give --url (it is remembered after a sync)".into(),
                    )
                })?,
            };
            let root = args.root.as_deref().map(read_root).transpose()?;
            let anchor = if root.is_some() {
                TrustAnchor::Manual
            } else {
                store
                    .feed_settings()?
                    .root_anchor
                    .unwrap_or(TrustAnchor::Manual)
            };
            let source = Source {
                url,
                root,
                anchor,
                replace_manual: args.replace_root,
                // A change made from the command line is in the trust log like one in Settings.
                log_manual: true,
            };
            (source, args.proxy.clone())
        }
    })
}

pub fn run(args: &SyncArgs, data_dir: &Path, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let mut store = Store::open(data_dir)?;
    let (source, proxy) = source(args, data_dir, &store)?;
    let mut cfg = SyncConfig::new(source.url.clone());
    cfg.proxy = proxy;
    cfg.timeout = Duration::from_secs(args.timeout.max(1));
    cfg.rebuild_index = false;
    let tty = std::io::stderr().is_terminal();
    let synced = if tty || args.progress {
        verity_flows::feed::sync_source(
            &mut store,
            &source,
            cfg,
            crate::clock::now(),
            &mut progress_printer(tty),
        )
    } else {
        verity_flows::feed::sync_source(&mut store, &source, cfg, crate::clock::now(), &mut |_| {})
    }?;
    for change in &synced.changes {
        eprintln!(
            "verityctl: {} the feed's {}: {}",
            if change.anchor.is_organisation() {
                "the organisation changed"
            } else {
                "changed by hand (real support never asks for this)"
            },
            match change.kind {
                TrustChangeKind::FeedUrl => "address",
                TrustChangeKind::FeedRoot => "trusted root",
            },
            change
                .fingerprint
                .as_deref()
                .or(change.url.as_deref())
                .unwrap_or("")
        );
    }
    let report = synced.report;
    if args.json {
        serde_json::to_writer(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    match report.outcome {
        SyncOutcome::UpToDate => writeln!(
            out,
            "Up to date: feed version {} ({} entries)",
            report.version, report.entries
        )?,
        SyncOutcome::Delta | SyncOutcome::Snapshot => writeln!(
            out,
            "Updated to feed version {} by {}: {} added, {} changed, {} removed; {} entries",
            report.version,
            if report.outcome == SyncOutcome::Delta {
                "delta"
            } else {
                "snapshot"
            },
            report.added,
            report.updated,
            report.removed,
            report.entries
        )?,
    }
    if let Some(why) = &report.delta_skipped {
        writeln!(out, "Full snapshot used: {why}")?;
    }
    if !report.new_alerts.is_empty() {
        writeln!(
            out,
            "New threats flagged for alert: {}",
            report.new_alerts.len()
        )?;
        for e in report.new_alerts.iter().take(20) {
            writeln!(
                out,
                "  {} {} ({}{})",
                e.kind,
                e.value,
                e.category,
                e.campaign
                    .as_deref()
                    .map(|c| format!(", {c}"))
                    .unwrap_or_default()
            )?;
        }
        if report.new_alerts.len() > 20 {
            writeln!(out, "  … and {} more", report.new_alerts.len() - 20)?;
        }
    }
    writeln!(
        out,
        "Published {}; verified metadata valid until {}",
        report.published.to_rfc3339(),
        report.expires.to_rfc3339()
    )?;
    Ok(ExitCode::SUCCESS)
}
