//! `verity-desk support …`: routing rules, recent sessions, the audit recipient.

use super::{CliError, DataArg};
use clap::Subcommand;
use std::io::Write;
use verity_desk::admin::{self, AdminError};
use verity_desk::service::support::is_age_recipient;
use verity_desk::store::{NewOp, StoreError};
use verity_desk::DeskStore;
use verity_device::clock::{Clock, SystemClock};
use verity_device::proto::{SupportCategory, AGENT_LANGUAGES};

#[derive(Debug, Subcommand)]
pub(crate) enum SupportCommand {
    /// Routing rules: (category, region, language) -> team, `*` for any; the most specific
    /// matching rule wins; no rule: any agent.
    #[command(subcommand)]
    Route(RouteCommand),
    /// Recent support sessions: state, category, agent, times (never any content).
    Sessions {
        #[command(flatten)]
        data: DataArg,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The organisation's audit recipient (`age1…`), to which the apps seal transcripts; no
    /// session opens while none is set.
    #[command(subcommand)]
    AuditRecipient(AuditRecipientCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum RouteCommand {
    /// Add a rule.
    Add {
        #[command(flatten)]
        data: DataArg,
        /// A category (account, login, billing, security, other) or `*`.
        #[arg(long)]
        category: String,
        /// A region (ISO 3166 alpha-2) or `*`.
        #[arg(long)]
        region: String,
        /// A language (en, zh-HK, zh-CN, ar) or `*`.
        #[arg(long)]
        language: String,
        /// The team (as in agents' certificates).
        #[arg(long)]
        team: String,
    },
    /// List the rules.
    List {
        #[command(flatten)]
        data: DataArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a rule by id.
    Remove {
        #[command(flatten)]
        data: DataArg,
        /// The rule's id.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuditRecipientCommand {
    /// Set it (an `age1…` X25519 recipient, as `age-keygen` prints it).
    Set {
        #[command(flatten)]
        data: DataArg,
        /// The recipient.
        recipient: String,
    },
    /// Show it.
    Show {
        #[command(flatten)]
        data: DataArg,
    },
}

fn usage(m: impl Into<String>) -> CliError {
    CliError::Admin(AdminError::Usage(m.into()))
}

fn log(
    store: &dyn DeskStore,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    store
        .append_op(&NewOp {
            at: SystemClock.now(),
            actor: "cli".into(),
            action: action.into(),
            target: target.into(),
            device: String::new(),
            outcome: "ok".into(),
            detail,
        })
        .map(|_| ())
}

fn check_rule(category: &str, region: &str, language: &str, team: &str) -> Result<(), CliError> {
    if category != "*" && SupportCategory::parse(category).is_none() {
        return Err(usage(format!(
            "--category {category}: account, login, billing, security, other or *"
        )));
    }
    if region != "*" && !(region.len() == 2 && region.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err(usage(format!(
            "--region {region}: two upper-case letters (ISO 3166) or *"
        )));
    }
    if language != "*" && !AGENT_LANGUAGES.contains(&language) {
        return Err(usage(format!(
            "--language {language}: one of {} or *",
            AGENT_LANGUAGES.join(", ")
        )));
    }
    if team.is_empty() || team.len() > 64 || team.chars().any(char::is_control) {
        return Err(usage("--team: 1 to 64 printable bytes"));
    }
    Ok(())
}

fn when(t: Option<u64>) -> String {
    t.map_or_else(|| "-".to_owned(), |t| t.to_string())
}

pub(crate) fn run(
    command: SupportCommand,
    out: &mut dyn Write,
    db: Option<&str>,
) -> Result<(), CliError> {
    match command {
        SupportCommand::Route(RouteCommand::Add {
            data,
            category,
            region,
            language,
            team,
        }) => {
            check_rule(&category, &region, &language, &team)?;
            let store = admin::open_store(&data.at(db))?;
            let id = store.add_route(&category, &region, &language, &team)?;
            log(
                &*store,
                "support.route_add",
                &id.to_string(),
                serde_json::json!({"category": category, "region": region, "language": language, "team": team}),
            )?;
            writeln!(out, "Rule {id}: {category} {region} {language} -> {team}")?;
        }
        SupportCommand::Route(RouteCommand::List { data, json }) => {
            let store = admin::open_store(&data.at(db))?;
            let routes = store.routes()?;
            if json {
                serde_json::to_writer(&mut *out, &routes)?;
                writeln!(out)?;
            } else if routes.is_empty() {
                writeln!(out, "No rules: every agent is eligible.")?;
            } else {
                for r in routes {
                    writeln!(
                        out,
                        "{}  {} {} {} -> {}",
                        r.id, r.category, r.region, r.language, r.team
                    )?;
                }
            }
        }
        SupportCommand::Route(RouteCommand::Remove { data, id }) => {
            let store = admin::open_store(&data.at(db))?;
            if !store.remove_route(id)? {
                return Err(usage(format!("no rule {id}")));
            }
            log(
                &*store,
                "support.route_remove",
                &id.to_string(),
                serde_json::json!({}),
            )?;
            writeln!(out, "Removed rule {id}")?;
        }
        SupportCommand::Sessions { data, limit, json } => {
            let store = admin::open_store(&data.at(db))?;
            let sessions = store.recent_sessions(limit.clamp(1, 1000))?;
            if json {
                serde_json::to_writer(&mut *out, &sessions)?;
                writeln!(out)?;
            } else if sessions.is_empty() {
                writeln!(out, "No support sessions.")?;
            } else {
                for s in sessions {
                    writeln!(
                        out,
                        "{}  {:<8}  {:<8}  {}  agent {}  opened {}  closed {}  {}  {} frames",
                        s.session_id,
                        s.state.as_str(),
                        s.category,
                        s.employee_id,
                        s.agent_id.as_deref().map_or("-", |a| &a[..a.len().min(16)]),
                        s.opened_at,
                        when(s.closed_at),
                        s.outcome.as_deref().unwrap_or("-"),
                        s.frames
                    )?;
                }
            }
        }
        SupportCommand::AuditRecipient(AuditRecipientCommand::Set { data, recipient }) => {
            let recipient = recipient.trim();
            if !is_age_recipient(recipient) {
                return Err(usage(
                    "not an age X25519 recipient (age1 and 58 lower-case bech32 characters)",
                ));
            }
            let store = admin::open_store(&data.at(db))?;
            store.set_audit_recipient(Some(recipient), SystemClock.now())?;
            log(
                &*store,
                "support.audit_recipient",
                recipient,
                serde_json::json!({}),
            )?;
            writeln!(out, "Audit recipient: {recipient}")?;
        }
        SupportCommand::AuditRecipient(AuditRecipientCommand::Show { data }) => {
            let store = admin::open_store(&data.at(db))?;
            match store.audit_recipient()? {
                Some(r) => writeln!(out, "{r}")?,
                None => writeln!(out, "No audit recipient: support sessions cannot open.")?,
            }
        }
    }
    Ok(())
}
