//! `verityctl generate-docs --out DIR` (hidden, for packagers): the manual pages and the shell
//! completions, generated from the same clap definition that parses the arguments, so they
//! cannot drift from `--help`. The Linux packages run it at build time
//! (`scripts/stage-verityctl`).
//!
//! Writes `verityctl.1` and one page per subcommand (`verityctl-check.1`, …), and the
//! completions `verityctl.bash`, `_verityctl` (zsh) and `verityctl.fish`.

use crate::error::CliError;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct GenerateDocsArgs {
    /// The directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: &GenerateDocsArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let fail = |what: &str, e: std::io::Error| {
        CliError::Failure(format!(
            "cannot write {what} in {}: {e}",
            args.out.display()
        ))
    };
    std::fs::create_dir_all(&args.out).map_err(|e| fail("the directory", e))?;
    let cmd = crate::cli::Cli::command();
    clap_mangen::generate_to(cmd.clone(), &args.out).map_err(|e| fail("the manual pages", e))?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let mut cmd = cmd.clone();
        let path = clap_complete::generate_to(shell, &mut cmd, "verityctl", &args.out)
            .map_err(|e| fail("the completions", e))?;
        writeln!(out, "{}", path.display())?;
    }
    writeln!(out, "{}", args.out.join("verityctl.1").display())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn writes_the_pages_and_completions_without_the_hidden_command() {
        let dir = tempfile::tempdir().unwrap();
        let args = GenerateDocsArgs {
            out: dir.path().join("docs"),
        };
        let mut out = Vec::new();
        run(&args, &mut out).unwrap();
        let read = |name: &str| std::fs::read_to_string(args.out.join(name)).unwrap();
        let man = read("verityctl.1");
        assert!(man.starts_with(".ie \\n(.g .ds Aq"), "{}", &man[..80]);
        assert!(
            man.contains("verityctl\\-check(1)") || man.contains("check"),
            "{man}"
        );
        assert!(read("verityctl-check.1").contains("\\-\\-json"));
        let bash = read("verityctl.bash");
        assert!(bash.contains("complete -F") && bash.contains("blocklist"));
        assert!(read("_verityctl").starts_with("#compdef verityctl"));
        assert!(read("verityctl.fish").contains("complete -c verityctl"));
        for text in [man, bash] {
            assert!(
                !text.contains("generate-docs"),
                "the packagers' command is hidden"
            );
        }
    }
}
