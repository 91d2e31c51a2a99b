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
    let cmd = public_command();
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

/// The command line as documented: `verityctl` without its hidden subcommands. clap_complete
/// writes hidden subcommands into the bash, zsh and fish completions, and clap has no way to
/// remove a subcommand, so the top level is rebuilt from its parts.
fn public_command() -> clap::Command {
    let full = crate::cli::Cli::command();
    let mut cmd = clap::Command::new("verityctl")
        .args(full.get_arguments().cloned())
        .subcommands(full.get_subcommands().filter(|c| !c.is_hide_set()).cloned())
        .subcommand_required(full.is_subcommand_required_set())
        .arg_required_else_help(full.is_arg_required_else_help_set());
    if full.get_version().is_some() {
        cmd = cmd.version(env!("CARGO_PKG_VERSION"));
    }
    if let Some(a) = full.get_about() {
        cmd = cmd.about(a.clone());
    }
    if let Some(a) = full.get_long_about() {
        cmd = cmd.long_about(a.clone());
    }
    if let Some(a) = full.get_after_help() {
        cmd = cmd.after_help(a.clone());
    }
    cmd
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
        assert!(!args.out.join("verityctl-generate-docs.1").exists());
        for text in [man, bash, read("_verityctl"), read("verityctl.fish")] {
            assert!(
                !text.contains("generate-docs"),
                "the packagers' command is hidden"
            );
        }
    }
}
