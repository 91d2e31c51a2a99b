//! `verity-desk oplog …`: the operation log, offline.

use super::{CliError, DataArg};
use clap::Subcommand;
use data_encoding::BASE64;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub(crate) enum OplogCommand {
    /// Recompute every entry's leaf hash, the subtree hashes and the root from the entries, and
    /// check them against the stored ones, the stored frontier and every checkpoint (its root and
    /// its signature by the organisation key); exit 1 at the first bad entry.
    Verify {
        #[command(flatten)]
        data: DataArg,
    },
}

pub(crate) fn run(
    command: OplogCommand,
    out: &mut dyn Write,
    db: Option<&str>,
) -> Result<(), CliError> {
    match command {
        OplogCommand::Verify { data } => {
            let r =
                verity_desk::oplog::verify_store(&*verity_desk::admin::open_store(&data.at(db))?)?;
            if let Some(f) = r.failure {
                writeln!(out, "FAILED after {} good entries", r.entries)?;
                return Err(CliError::Verify(f));
            }
            writeln!(out, "entries:     {}", r.entries)?;
            writeln!(out, "root:        {}", BASE64.encode(&r.root))?;
            match r.last_checkpoint {
                Some(size) => writeln!(
                    out,
                    "checkpoints: {} verified (the last of {size} entries)",
                    r.checkpoints
                )?,
                None => writeln!(out, "checkpoints: none yet")?,
            }
            writeln!(out, "ok")?;
        }
    }
    Ok(())
}
