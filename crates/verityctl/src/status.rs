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
    }
    Ok(ExitCode::SUCCESS)
}
