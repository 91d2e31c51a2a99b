//! `verityctl sync`: update the local blocklist from the organisation's signed feed, verifying
//! it as the app does. On failure the list is unchanged and `verityctl status` says why.

use crate::error::CliError;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use verity_feed::{Progress, Stage, SyncConfig, SyncOutcome};
use verity_store::Store;

/// Largest trusted root file accepted, in bytes.
const MAX_ROOT_BYTES: u64 = 1024 * 1024;

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

pub fn run(args: &SyncArgs, data_dir: &Path, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let mut store = Store::open(data_dir)?;
    let url = match &args.url {
        Some(u) => u.clone(),
        None => store.feed_state()?.url.ok_or_else(|| {
            CliError::Usage("no feed URL: give --url (it is remembered after a sync)".into())
        })?,
    };
    let mut cfg = SyncConfig::new(url);
    cfg.root = args.root.as_deref().map(read_root).transpose()?;
    cfg.replace_root = args.replace_root;
    cfg.proxy.clone_from(&args.proxy);
    cfg.timeout = Duration::from_secs(args.timeout.max(1));
    cfg.rebuild_index = false;
    let tty = std::io::stderr().is_terminal();
    let report = if tty || args.progress {
        verity_flows::feed::sync(
            &mut store,
            &cfg,
            crate::clock::now(),
            &mut progress_printer(tty),
        )
    } else {
        verity_flows::feed::sync(&mut store, &cfg, crate::clock::now(), &mut |_| {})
    }?;
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
