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
}

pub fn run(args: &StatusArgs, data_dir: &Path, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let store = verity_store::Store::open(data_dir)?;
    let status = Status {
        data_dir: store.data_dir().display().to_string(),
        schema_version: store.schema_version()?,
        verityctl_version: env!("CARGO_PKG_VERSION"),
    };
    if args.json {
        serde_json::to_writer(&mut *out, &status)?;
        writeln!(out)?;
    } else {
        writeln!(out, "Data directory:  {}", status.data_dir)?;
        writeln!(out, "Schema version:  {}", status.schema_version)?;
    }
    Ok(ExitCode::SUCCESS)
}
