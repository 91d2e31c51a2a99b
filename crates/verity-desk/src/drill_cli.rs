//! `verity-desk drill …`: the reserved drill list, making a drill (`--at-once` for a trial run),
//! listing drills and one drill's results.

use super::{when, CliError, DataArg};
use clap::Subcommand;
use std::io::Write;
use verity_desk::admin::{self, AdminError};
use verity_desk::drill::schedule;
use verity_desk::drill::{Audience, ReservedKind};
use verity_desk::service::drills::{self, DrillSpec};
use verity_device::clock::{Clock, SystemClock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum KindArg {
    Number,
    Link,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DrillCommand {
    /// The reserved drill list: the numbers and links drills may use.
    #[command(subcommand)]
    Reserve(ReserveCommand),
    /// Make a drill: every enrolled employee device of the teams (or all) gets a lure at a
    /// random working moment of the window.
    Create {
        #[command(flatten)]
        data: DataArg,
        /// The drill's name.
        #[arg(long)]
        name: String,
        /// support_code, remote_access, paid_upgrade or freeze_threat.
        #[arg(long)]
        scenario: String,
        /// A number on the reserved list (E.164).
        #[arg(long)]
        number: String,
        /// A link on the reserved list.
        #[arg(long)]
        link: String,
        /// A team of the audience (repeatable); none: everyone.
        #[arg(long = "team", value_name = "TEAM")]
        teams: Vec<String>,
        /// When the window starts: RFC 3339 (2026-12-07T09:00:00+08:00) or `now`.
        #[arg(long, default_value = "now")]
        start: String,
        /// Working days in the window (1–30).
        #[arg(long, default_value_t = 10)]
        working_days: u32,
        /// Hours to act after delivery (1–336).
        #[arg(long, default_value_t = 72)]
        act_hours: u64,
        /// Every target's moment is the start (a trial run, tests).
        #[arg(long)]
        at_once: bool,
        /// The drill time zone (as the desk's `serve --drill-utc-offset`).
        #[arg(long, value_name = "OFFSET", default_value = "+08:00")]
        drill_utc_offset: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Drills, newest first, with their totals.
    List {
        #[command(flatten)]
        data: DataArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One drill's results: totals and per team.
    Results {
        #[command(flatten)]
        data: DataArg,
        /// The drill's id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReserveCommand {
    /// Add a number or link.
    Add {
        #[command(flatten)]
        data: DataArg,
        /// number or link.
        #[arg(long, value_enum)]
        kind: KindArg,
        /// The number (E.164, like +85230019999) or the https:// link.
        #[arg(long)]
        value: String,
        /// What it is (1–64 characters).
        #[arg(long)]
        label: String,
    },
    /// The list.
    List {
        #[command(flatten)]
        data: DataArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn usage(e: &verity_desk::service::console::ConsoleError) -> CliError {
    CliError::Admin(AdminError::Usage(match e.field {
        Some(f) => format!("{f}: {}", e.message),
        None => e.message.clone(),
    }))
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

pub(crate) fn run(
    command: DrillCommand,
    out: &mut dyn Write,
    db: Option<&str>,
) -> Result<(), CliError> {
    let now = SystemClock.now();
    match command {
        DrillCommand::Reserve(ReserveCommand::Add {
            data,
            kind,
            value,
            label,
        }) => {
            let store = admin::open_store(&data.at(db))?;
            let kind = match kind {
                KindArg::Number => ReservedKind::Number,
                KindArg::Link => ReservedKind::Link,
            };
            let ok = match kind {
                ReservedKind::Number => verity_device::proto::drill::valid_e164(&value),
                ReservedKind::Link => verity_device::proto::drill::valid_drill_link(&value),
            };
            let label = label.trim();
            if !ok {
                return Err(CliError::Admin(AdminError::Usage(
                    "--value: a number like +85230019999 or an https:// link".into(),
                )));
            }
            if label.is_empty()
                || label.chars().count() > verity_desk::drill::MAX_LABEL_CHARS
                || label.chars().any(verity_device::proto::is_hidden_char)
            {
                return Err(CliError::Admin(AdminError::Usage(
                    "--label: 1 to 64 printable characters".into(),
                )));
            }
            let Some(id) = store.add_reserved(kind, &value, label, "cli", now)? else {
                return Err(CliError::Admin(AdminError::Usage(format!(
                    "{value} is on the reserved list already"
                ))));
            };
            verity_desk::store::ConsoleStore::append_op(
                &*store,
                &verity_desk::store::NewOp {
                    at: now,
                    actor: "cli".into(),
                    action: "drill.reserve_add".into(),
                    target: id.to_string(),
                    device: String::new(),
                    outcome: "ok".into(),
                    detail: serde_json::json!({"kind": kind.as_str(), "value": value, "label": label}),
                },
            )?;
            writeln!(out, "Reserved {id}: {} {value} ({label})", kind.as_str())?;
        }
        DrillCommand::Reserve(ReserveCommand::List { data, json }) => {
            let store = admin::open_store(&data.at(db))?;
            let list = store.reserved()?;
            if json {
                serde_json::to_writer(&mut *out, &list)?;
                writeln!(out)?;
            } else if list.is_empty() {
                writeln!(out, "The reserved drill list is empty.")?;
            } else {
                for r in list {
                    writeln!(
                        out,
                        "{}  {:6}  {}  {}",
                        r.id,
                        r.kind.as_str(),
                        r.value,
                        r.label
                    )?;
                }
            }
        }
        DrillCommand::Create {
            data,
            name,
            scenario,
            number,
            link,
            teams,
            start,
            working_days,
            act_hours,
            at_once,
            drill_utc_offset,
            json,
        } => {
            let offset = schedule::parse_utc_offset(&drill_utc_offset).map_err(|e| {
                CliError::Admin(AdminError::Usage(format!("--drill-utc-offset {e}")))
            })?;
            let start = if start.trim() == "now" {
                now
            } else {
                schedule::parse_rfc3339(&start)
                    .map_err(|e| CliError::Admin(AdminError::Usage(format!("--start {e}"))))?
            };
            let spec = DrillSpec {
                name,
                scenario,
                number,
                link,
                audience: if teams.is_empty() {
                    Audience::All { all: true }
                } else {
                    Audience::Teams { teams }
                },
                start,
                working_days,
                act_hours: Some(act_hours),
            };
            let store = admin::open_store(&data.at(db))?;
            let d = drills::create_drill(&*store, now, offset, "cli", &spec, at_once)
                .map_err(|e| usage(&e))?;
            let targets = store.drill_targets(Some(&d.id))?;
            if json {
                serde_json::to_writer(&mut *out, &drills::summary(d, &targets, now))?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "Drill {} ({}): {} devices, window {} to {}",
                    d.name,
                    d.scenario.as_str(),
                    targets.len(),
                    when(d.window_start),
                    when(d.window_end)
                )?;
                writeln!(out, "{}", d.id)?;
            }
        }
        DrillCommand::List { data, json } => {
            let store = admin::open_store(&data.at(db))?;
            let list = drills::drill_list(&*store, now).map_err(|e| usage(&e))?;
            if json {
                serde_json::to_writer(&mut *out, &list)?;
                writeln!(out)?;
            } else if list.is_empty() {
                writeln!(out, "No drills yet.")?;
            } else {
                for s in list {
                    writeln!(
                        out,
                        "{}  {:9}  {}  {}  targets {}  delivered {}  report rate {}  engage rate {}",
                        s.drill.id,
                        s.state,
                        when(s.drill.window_start),
                        s.drill.name,
                        s.totals.targets,
                        s.totals.delivered,
                        pct(s.totals.report_rate),
                        pct(s.totals.engage_rate)
                    )?;
                }
            }
        }
        DrillCommand::Results { data, id, json } => {
            let store = admin::open_store(&data.at(db))?;
            let r = drills::drill_results(&*store, &id, now).map_err(|e| usage(&e))?;
            if json {
                serde_json::to_writer(&mut *out, &r)?;
                writeln!(out)?;
            } else {
                let t = &r.summary.totals;
                writeln!(
                    out,
                    "{} ({}): targets {}, delivered {}, reported {}, engaged {}, ignored {}, \
                     pending {}; report rate {}, engage rate {}, median time to report {}",
                    r.summary.drill.name,
                    r.summary.state,
                    t.targets,
                    t.delivered,
                    t.reported,
                    t.engaged,
                    t.ignored,
                    t.pending,
                    pct(t.report_rate),
                    pct(t.engage_rate),
                    t.median_report_secs
                        .map_or_else(|| "-".to_owned(), |s| format!("{s} s"))
                )?;
                for team in &r.teams {
                    writeln!(
                        out,
                        "  {}: targets {}, delivered {}, report rate {}, engage rate {}",
                        if team.team.is_empty() {
                            "(no team)"
                        } else {
                            &team.team
                        },
                        team.totals.targets,
                        team.totals.delivered,
                        pct(team.totals.report_rate),
                        pct(team.totals.engage_rate)
                    )?;
                }
                writeln!(out, "  repeat engagers: {}", r.repeat_engagers)?;
            }
        }
    }
    Ok(())
}
