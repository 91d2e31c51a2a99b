//! The CLI's errors and how they are printed: one line, a stable exit status.

use std::process::ExitCode;

/// Exit status for a usage error or input that cannot be read.
pub const EXIT_USAGE: u8 = 2;
/// Exit status for an operational failure (store, file system).
pub const EXIT_FAILURE: u8 = 3;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The arguments or the input are wrong; the user can fix them.
    #[error("{0}")]
    Usage(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] verity_store::StoreError),
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    /// JSON output failed.
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Publishing or syncing the signed feed failed.
    #[error(transparent)]
    Feed(#[from] verity_feed::FeedError),
    /// A file could not be written (the path and the system's reason), or an internal step
    /// failed: not something the arguments can fix.
    #[error("{0}")]
    Failure(String),
    /// A file could not be written because the disk is full (the path and the system's
    /// reason).
    #[error("{0}")]
    DiskFull(String),
}

impl From<verity_store::ChecklistError> for CliError {
    fn from(e: verity_store::ChecklistError) -> Self {
        verity_flows::FlowError::from(e).into()
    }
}

impl From<verity_flows::FlowError> for CliError {
    fn from(e: verity_flows::FlowError) -> Self {
        use verity_flows::FlowError;
        match e {
            FlowError::Store(s) => CliError::Store(s),
            FlowError::Feed(f) => CliError::Feed(f),
            e @ FlowError::Write { .. } if e.is_disk_full() => CliError::DiskFull(e.to_string()),
            e @ (FlowError::Write { .. } | FlowError::Report(_)) => {
                CliError::Failure(e.to_string())
            }
            e @ (FlowError::TooLong { .. }
            | FlowError::Transition(_)
            | FlowError::Passphrase(_)
            | FlowError::Exists { .. }
            | FlowError::NoteHoldsCode
            | FlowError::NothingToReport(_)
            | FlowError::Drill(_)) => CliError::Usage(e.to_string()),
            FlowError::Device(d) if d.is_usage() => CliError::Usage(format!("{d} ({})", d.code())),
            FlowError::Device(d) => CliError::Failure(format!("{d} ({})", d.code())),
        }
    }
}

impl CliError {
    /// Whether the failure is the disk (or the user's quota) being full, wherever it came
    /// from: SQLite's "database or disk is full", a file the command writes, the feed's
    /// metadata.
    #[must_use]
    pub fn is_disk_full(&self) -> bool {
        match self {
            CliError::DiskFull(_) => true,
            CliError::Store(e) => e.is_disk_full(),
            CliError::Feed(e) => e.is_disk_full(),
            CliError::Output(e) => e.kind() == std::io::ErrorKind::StorageFull,
            CliError::Usage(_) | CliError::Json(_) | CliError::Failure(_) => false,
        }
    }

    fn exit_status(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Feed(e) if e.is_usage() => EXIT_USAGE,
            CliError::Store(_)
            | CliError::Output(_)
            | CliError::Json(_)
            | CliError::Feed(_)
            | CliError::Failure(_)
            | CliError::DiskFull(_) => EXIT_FAILURE,
        }
    }
}

/// Prints `e` as one line on stderr and returns its exit status.
pub fn report(e: &CliError) -> ExitCode {
    let msg = one_line(&e.to_string());
    if e.is_disk_full() {
        eprintln!("verityctl: error: disk full: free some space and try again ({msg})");
    } else {
        eprintln!("verityctl: error: {msg}");
    }
    ExitCode::from(e.exit_status())
}

/// Prints clap's result: help and version on stdout (status 0), usage errors as one line (2).
pub fn report_clap(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            // clap's message, up to its usage block, as one line.
            let rendered = e.render().to_string();
            let message = rendered
                .lines()
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let message = message.trim_start_matches("error: ");
            eprintln!("verityctl: error: {message} (see verityctl --help)");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
