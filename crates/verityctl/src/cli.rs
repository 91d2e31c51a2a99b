//! Arguments and dispatch.

use crate::error::CliError;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Verity's command-line tool: check numbers, links and messages against the local blocklist,
/// manage the store, and read the app's state. It shares the app's data directory.
#[derive(Debug, Parser)]
#[command(name = "verityctl", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The data directory (default: $VERITY_DATA_DIR, else the OS app-data directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the data directory, the store's schema version and the protection state.
    Status(crate::status::StatusArgs),
    /// Check phone numbers, links or message texts: one verdict per input.
    Check(crate::check::CheckArgs),
    /// Manage the local blocklist: import a CSV, list, add, remove.
    Blocklist(crate::blocklist::BlocklistArgs),
    /// Bind this device to the organisation's desk; two-factor and region checks.
    Device(crate::device::DeviceArgs),
    /// Publish the organisation's signed threat feed (init, publish, refresh, serve).
    Feed(crate::feed::FeedArgs),
    /// Update the local blocklist from the signed threat feed.
    Sync(crate::sync::SyncArgs),
    /// Checklist step 1: scan exported contacts, spreadsheets or text for unofficial "service"
    /// numbers and blocklisted numbers and links.
    Scan(crate::scan::ScanArgs),
    /// The five-step security checklist: status, evidence, announcement, manager's report.
    Checklist(crate::checklist::ChecklistArgs),
    /// The checklist's hash-chained audit log: verify, list.
    Audit(crate::audit::AuditArgs),
    /// Report to IT: tell the organisation's desk what you saw (needs an enrolled device).
    Report(crate::it_report::ReportArgs),
    /// Verified support sessions: is support really talking to me? Open a session.
    Support(crate::support::SupportArgs),
    /// A support agent's app (enrolled with `device enroll --agent`): a headless agent.
    Agent(crate::support::AgentArgs),
    /// For packagers: write the manual pages and shell completions into a directory.
    #[command(hide = true)]
    GenerateDocs(crate::docs::GenerateDocsArgs),
}

/// Runs the parsed command, writing its output to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    // Needs no data directory.
    if let Command::GenerateDocs(args) = &cli.command {
        return crate::docs::run(args, out);
    }
    let data_dir =
        verity_store::resolve_data_dir(cli.data_dir, std::env::var_os(verity_store::DATA_DIR_ENV))?;
    match cli.command {
        Command::Status(args) => crate::status::run(&args, &data_dir, out),
        Command::Check(args) => crate::check::run(&args, &data_dir, out),
        Command::Blocklist(args) => crate::blocklist::run(&args, &data_dir, out),
        Command::Device(args) => crate::device::run(&args, &data_dir, out),
        Command::Feed(args) => crate::feed::run(&args, out),
        Command::Sync(args) => crate::sync::run(&args, &data_dir, out),
        Command::Scan(args) => crate::scan::run(&args, &data_dir, out),
        Command::Checklist(args) => crate::checklist::run(&args, &data_dir, out),
        Command::Audit(args) => crate::audit::run(&args, &data_dir, out),
        Command::Report(args) => crate::it_report::run(&args, &data_dir, out),
        Command::Support(args) => crate::support::run(&args, &data_dir, out),
        Command::Agent(args) => crate::support::run_agent(&args, &data_dir, out),
        Command::GenerateDocs(args) => crate::docs::run(&args, out),
    }
}
