//! `verityctl`: the command-line face of Verity, over the same crates as the app.
//!
//! Exit status: 0 success (and, for `check`, nothing risky found); 1 something risky was found;
//! 2 a usage error or unreadable input; 3 an operational failure (store, file system).
//! Errors are one line on stderr, never a panic or a backtrace.

mod audit;
mod blocklist;
mod check;
mod checklist;
mod cli;
mod clock;
mod device;
mod docs;
mod error;
mod feed;
mod it_report;
mod scan;
mod status;
mod support;
mod sync;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => return error::report_clap(&e),
    };
    let mut out = std::io::stdout().lock();
    let result = cli::run(args, &mut out);
    let _ = out.flush();
    match result {
        Ok(code) => code,
        Err(e) => error::report(&e),
    }
}
