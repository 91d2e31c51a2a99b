//! `verityctl status`: what the app's Home screen shows, for scripts.

use crate::error::CliError;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Arguments of `verityctl status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Status {
    data_dir: String,
    schema_version: u32,
    verityctl_version: &'static str,
    settings: StatusSettings,
    feed: StatusFeed,
    blocklist: StatusBlocklist,
    /// How many checks the app's history of recent checks holds (the checks themselves are the
    /// user's; `verityctl check` does not add to them).
    recent_checks: u32,
}

/// The signed feed's state. Times are Unix seconds; `null` when never.
#[derive(Debug, Serialize)]
struct StatusFeed {
    url: Option<String>,
    version: Option<u64>,
    published: Option<i64>,
    last_success: Option<i64>,
    last_error: Option<String>,
    last_error_code: Option<String>,
    last_error_at: Option<i64>,
    failures: u32,
    expires: Option<i64>,
    /// The verified metadata has expired: the list may be out of date.
    stale: bool,
    min_wait: Option<u64>,
}

#[derive(Debug, Serialize)]
struct StatusBlocklist {
    entries: i64,
    phones: i64,
    links: i64,
    sample: i64,
}

#[derive(Debug, Serialize)]
struct StatusSettings {
    language: verity_core::Language,
    start_at_login: bool,
    region: verity_core::phone::Region,
}

pub fn run(args: &StatusArgs, data_dir: &Path, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let store = verity_store::Store::open(data_dir)?;
    let status = Status {
        data_dir: store.data_dir().display().to_string(),
        schema_version: store.schema_version()?,
        verityctl_version: env!("CARGO_PKG_VERSION"),
        feed: {
            let f = store.feed_state()?;
            let now = crate::clock::now();
            StatusFeed {
                url: f.url,
                version: f.version,
                published: f.published.map(|t| t.0),
                last_success: f.last_success.map(|t| t.0),
                last_error: f.last_error,
                last_error_code: f.last_error_code,
                last_error_at: f.last_error_at.map(|t| t.0),
                failures: f.failures,
                expires: f.expires.map(|t| t.0),
                stale: f.expires.is_some_and(|e| e <= now),
                min_wait: f.min_wait,
            }
        },
        blocklist: {
            let b = store.blocklist_summary()?;
            StatusBlocklist {
                entries: b.entries,
                phones: b.phones,
                links: b.links,
                sample: b.sample,
            }
        },
        recent_checks: store.check_history_len()?,
        settings: {
            let s = store.settings()?;
            StatusSettings {
                language: s.language,
                start_at_login: s.start_at_login,
                region: s.region,
            }
        },
    };
    if args.json {
        serde_json::to_writer(&mut *out, &status)?;
        writeln!(out)?;
    } else {
        writeln!(out, "Data directory:  {}", status.data_dir)?;
        writeln!(out, "Schema version:  {}", status.schema_version)?;
        writeln!(out, "Language:        {}", status.settings.language)?;
        writeln!(out, "Start at login:  {}", status.settings.start_at_login)?;
        let when = |t: i64| verity_core::Timestamp(t).to_rfc3339();
        let b = &status.blocklist;
        writeln!(
            out,
            "Blocklist:       {} entries ({} numbers, {} links{})",
            b.entries,
            b.phones,
            b.links,
            if b.sample > 0 {
                format!(", {} sample", b.sample)
            } else {
                String::new()
            }
        )?;
        writeln!(out, "Recent checks:   {}", status.recent_checks)?;
        let f = &status.feed;
        match (f.version, f.last_success) {
            (Some(v), Some(ok)) => writeln!(
                out,
                "Feed:            version {v}, last synced {}{}",
                when(ok),
                if f.stale {
                    " (stale: metadata expired)"
                } else {
                    ""
                }
            )?,
            _ => writeln!(out, "Feed:            never synced")?,
        }
        if let (Some(e), Some(at)) = (&f.last_error, f.last_error_at) {
            writeln!(
                out,
                "Feed failing:    since {} ({} attempt{}): {e}",
                when(at),
                f.failures,
                if f.failures == 1 { "" } else { "s" }
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
