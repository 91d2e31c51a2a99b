//! `verity-desk feed …`: where the desk publishes the organisation's feed, what waits for the
//! next version, and publishing it.

use super::{when, CliError, DataArg};
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;
use verity_desk::admin::{self, AdminError};
use verity_desk::feedpub;
use verity_device::clock::{Clock, SystemClock};

#[derive(Debug, Subcommand)]
pub(crate) enum FeedCommand {
    /// Set where the desk publishes the feed: the repository and the online keys that
    /// `verityctl feed init` made (the root keys stay offline).
    Publisher {
        #[command(flatten)]
        data: DataArg,
        /// The feed repository (`verityctl feed init --repo`).
        #[arg(long, value_name = "REPO", required_unless_present = "clear")]
        repo: Option<PathBuf>,
        /// The online keys (`verityctl feed init --keys`).
        #[arg(long, value_name = "KEYS", required_unless_present = "clear")]
        keys: Option<PathBuf>,
        /// Stop publishing from the desk.
        #[arg(long, conflicts_with_all = ["repo", "keys"])]
        clear: bool,
    },
    /// Where the desk publishes, the confirmed items waiting for the next version, and the
    /// last ones published.
    Show {
        #[command(flatten)]
        data: DataArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Publish the confirmed items as the next feed version.
    Publish {
        #[command(flatten)]
        data: DataArg,
    },
}

/// `verity-desk feed …`.
pub(crate) fn run(
    command: FeedCommand,
    out: &mut dyn Write,
    db: Option<&str>,
) -> Result<(), CliError> {
    let now = SystemClock.now();
    match command {
        FeedCommand::Publisher {
            data,
            repo,
            keys,
            clear,
        } => {
            let store = admin::open_store(&data.at(db))?;
            match (repo, keys) {
                (Some(repo), Some(keys)) if !clear => {
                    let p = feedpub::set_publisher(&*store, &repo, &keys, now)?;
                    writeln!(
                        out,
                        "The desk publishes the feed in {} (keys {}).",
                        p.repo, p.keys
                    )?;
                }
                _ => {
                    store.set_feed_publisher(None).map_err(AdminError::from)?;
                    writeln!(out, "The desk no longer publishes the feed.")?;
                }
            }
        }
        FeedCommand::Show { data, json } => {
            let store = admin::open_store(&data.at(db))?;
            let publisher = store.feed_publisher().map_err(AdminError::from)?;
            let pending = store.feed_items(true, 1000).map_err(AdminError::from)?;
            let published = store.feed_items(false, 20).map_err(AdminError::from)?;
            if json {
                serde_json::to_writer(
                    &mut *out,
                    &serde_json::json!({
                        "publisher": publisher,
                        "pending": pending,
                        "published": published,
                    }),
                )?;
                writeln!(out)?;
                return Ok(());
            }
            match &publisher {
                Some(p) => writeln!(out, "Publishes in: {} (keys {})", p.repo, p.keys)?,
                None => writeln!(out, "Publishes in: nowhere (verity-desk feed publisher)")?,
            }
            writeln!(out, "Waiting for the next version: {}", pending.len())?;
            for i in &pending {
                writeln!(
                    out,
                    "  {:<7} {:<40} {:<14} confirmed by {} {}",
                    i.kind,
                    i.value,
                    i.category,
                    i.actor,
                    when(i.added_at)
                )?;
            }
            if !published.is_empty() {
                writeln!(out, "Published lately:")?;
                for i in &published {
                    writeln!(
                        out,
                        "  {:<7} {:<40} version {}",
                        i.kind,
                        i.value,
                        i.published_version.unwrap_or(0)
                    )?;
                }
            }
        }
        FeedCommand::Publish { data } => {
            let store = admin::open_store(&data.at(db))?;
            let p = feedpub::publish(&*store, now)?;
            writeln!(
                out,
                "Published feed version {}: {} confirmed item(s), {} new entries, {} in all.",
                p.version, p.items, p.added, p.entries
            )?;
        }
    }
    Ok(())
}
