//! `verityctl checklist`: the five-step security checklist. Show it, complete steps with their
//! evidence, print the internal announcement, and export the manager's report.
//!
//! Every change is one transition with its audit record (`verityctl audit verify` checks the
//! chain). Steps whose interval has passed fall due again whenever the checklist is read.

use crate::check::parse_lang;
use crate::error::CliError;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use verity_checklist::checklist::{
    parse_date, AcknowledgementEvidence, AlertEvidence, Checklist, DrillEvidence, Event, Evidence,
    Interval, QuizEvidence, RecurrencePolicy, StepId, StepState,
};
use verity_checklist::report;
use verity_core::text::{text, text_with};
use verity_core::{Language, Timestamp};
use verity_flows::report::Format;
use verity_store::{Applied, Store};

/// Arguments of `verityctl checklist`.
#[derive(Debug, clap::Args)]
pub struct ChecklistArgs {
    #[command(subcommand)]
    pub command: ChecklistCommand,
}

/// A step, as the command line names it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StepArg {
    /// 1. Delete unofficial "service" numbers (see `verityctl scan`).
    RemoveUnofficialNumbers,
    /// 2. Know (and announce) the one official support path.
    AnnounceOfficialPath,
    /// 3. Turn on security alerts.
    AlertsOn,
    /// 4. Name an owner for quarterly scam drills.
    DrillOwner,
    /// 5. Complete the security training.
    Training,
}

impl From<StepArg> for StepId {
    fn from(s: StepArg) -> Self {
        match s {
            StepArg::RemoveUnofficialNumbers => StepId::RemoveUnofficialNumbers,
            StepArg::AnnounceOfficialPath => StepId::AnnounceOfficialPath,
            StepArg::AlertsOn => StepId::AlertsOn,
            StepArg::DrillOwner => StepId::DrillOwner,
            StepArg::Training => StepId::Training,
        }
    }
}

/// Report formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// One row per step, for spreadsheets.
    Csv,
    /// One self-contained page that prints on A4.
    Html,
    /// Machine-readable.
    Json,
}

/// The checklist subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ChecklistCommand {
    /// Show each step's status, dates and evidence (steps past their interval fall due again).
    Status {
        /// Print JSON (states, progress, next drill) instead of text.
        #[arg(long)]
        json: bool,
        /// The language of the text.
        #[arg(long, default_value = "en", value_parser = parse_lang)]
        lang: Language,
    },
    /// Start (or start again) a step: not started or due again → in progress.
    Start {
        /// The step.
        #[arg(value_enum)]
        step: StepArg,
    },
    /// Step 2: record that the employee read and acknowledged the official support path.
    AckOfficialPath,
    /// Step 3: record that the employee saw the test alert (send it from the app).
    ConfirmTestAlert {
        /// Verity is set to start at login.
        #[arg(long)]
        start_at_login: bool,
    },
    /// Step 4: record the drill owner and schedule; the step falls due on the next drill date.
    DrillOwner {
        /// The owner's name.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// Drills every quarter (the default).
        #[arg(long, conflicts_with = "every_months")]
        every_quarter: bool,
        /// Drills every N months.
        #[arg(long, value_name = "N")]
        every_months: Option<u32>,
        /// The next drill (YYYY-MM-DD, UTC); default: one interval from today.
        #[arg(long, value_name = "DATE")]
        next_drill: Option<String>,
    },
    /// Step 5: record a quiz result; it completes the step at 80% or more.
    RecordQuiz {
        /// Correct answers.
        #[arg(long)]
        score: u32,
        /// Questions asked.
        #[arg(long)]
        total: u32,
    },
    /// Reset a step to not started (its history stays in the audit log).
    Reset {
        /// The step.
        #[arg(value_enum)]
        step: StepArg,
    },
    /// Show or set how often a step falls due again (default: drills each quarter, training
    /// each year, the others never).
    Policy {
        /// The step to set.
        #[arg(long, value_enum, requires = "interval")]
        step: Option<StepArg>,
        /// Every N months.
        #[arg(long, value_name = "N", group = "interval")]
        every_months: Option<u32>,
        /// Every N days.
        #[arg(long, value_name = "N", group = "interval")]
        every_days: Option<u32>,
        /// Never falls due again.
        #[arg(long, group = "interval")]
        never: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the internal announcement an administrator posts: the one official support path
    /// (never a phone number) and the three scam scripts.
    Announcement {
        /// The language: en, zh-HK, zh-CN or ar.
        #[arg(long, default_value = "en", value_parser = parse_lang)]
        lang: Language,
    },
    /// Export the manager's report: each step's state, dates and evidence, and the audit
    /// chain's head hash.
    Report {
        /// csv, html (prints on A4) or json.
        #[arg(long, value_enum)]
        format: FormatArg,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE if it exists.
        #[arg(long, requires = "out")]
        force: bool,
        /// The language of the report.
        #[arg(long, default_value = "en", value_parser = parse_lang)]
        lang: Language,
        /// The employee or team the report is about.
        #[arg(long = "for", value_name = "NAME")]
        prepared_for: Option<String>,
    },
}

/// Applies due transitions, then reads the checklist.
fn current(store: &mut Store, now: Timestamp) -> Result<Checklist, CliError> {
    Ok(verity_flows::checklist::current(store, now)?)
}

fn step_line(s: &StepState, lang: Language) -> String {
    format!(
        "{}. {}: {}",
        s.step.number(),
        text(lang, &format!("checklist.step.{}.title", s.step)),
        text(lang, &format!("checklist.status.{}", s.status)),
    )
}

fn print_applied(out: &mut dyn Write, a: &Applied) -> Result<(), CliError> {
    let lang = Language::En;
    writeln!(out, "{}", step_line(&a.state, lang))?;
    if a.state.evidence.is_some() {
        writeln!(
            out,
            "   {}",
            report::evidence_summary(a.state.evidence.as_ref(), lang)
        )?;
    }
    writeln!(
        out,
        "   {}",
        text_with(
            lang,
            "checklist.recorded_as",
            &[("seq", &a.record.seq.to_string())]
        )
    )?;
    Ok(())
}

#[derive(Debug, Serialize)]
struct StatusOut {
    steps: Vec<StepState>,
    progress: verity_checklist::checklist::Progress,
    next_drill: Option<Timestamp>,
    due_again: Vec<StepId>,
}

fn interval_of(months: Option<u32>, days: Option<u32>) -> Option<Interval> {
    months.map(Interval::Months).or(days.map(Interval::Days))
}

pub fn run(
    args: &ChecklistArgs,
    data_dir: &Path,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let now = crate::clock::now();
    let record = |store: &mut Store, step: StepId, event: Event, out: &mut dyn Write| {
        let a = verity_flows::checklist::apply(store, step, &event, now)?;
        print_applied(out, &a)?;
        Ok::<_, CliError>(ExitCode::SUCCESS)
    };
    match &args.command {
        ChecklistCommand::Announcement { lang } => {
            write!(out, "{}", report::announcement(*lang))?;
            Ok(ExitCode::SUCCESS)
        }
        ChecklistCommand::Status { json, lang } => {
            let mut store = Store::open(data_dir)?;
            status(&mut store, now, *json, *lang, out)
        }
        ChecklistCommand::Start { step } => {
            let mut store = Store::open(data_dir)?;
            record(&mut store, (*step).into(), Event::Start, out)
        }
        ChecklistCommand::Reset { step } => {
            let mut store = Store::open(data_dir)?;
            record(&mut store, (*step).into(), Event::Reset, out)
        }
        ChecklistCommand::AckOfficialPath => {
            let mut store = Store::open(data_dir)?;
            let e = Evidence::AnnounceOfficialPath(AcknowledgementEvidence {
                acknowledged_at: now,
            });
            record(
                &mut store,
                StepId::AnnounceOfficialPath,
                Event::Record(e),
                out,
            )
        }
        ChecklistCommand::ConfirmTestAlert { start_at_login } => {
            let mut store = Store::open(data_dir)?;
            let e = Evidence::AlertsOn(AlertEvidence {
                test_alert_confirmed_at: now,
                start_at_login: *start_at_login,
            });
            record(&mut store, StepId::AlertsOn, Event::Record(e), out)
        }
        ChecklistCommand::DrillOwner {
            name,
            every_quarter: _,
            every_months,
            next_drill,
        } => {
            let mut store = Store::open(data_dir)?;
            let schedule = match every_months {
                Some(m) => Interval::Months(*m),
                None => store
                    .checklist_policy()?
                    .interval(StepId::DrillOwner)
                    .unwrap_or(Interval::QUARTER),
            };
            let next = match next_drill {
                Some(d) => parse_date(d).ok_or_else(|| {
                    CliError::Usage(format!("--next-drill {d:?}: expected a date as YYYY-MM-DD"))
                })?,
                None => schedule.after(now),
            };
            let e = Evidence::DrillOwner(DrillEvidence {
                last_drill: None,
                owner: name.trim().to_owned(),
                schedule,
                next_drill: next,
            });
            record(&mut store, StepId::DrillOwner, Event::Record(e), out)
        }
        ChecklistCommand::RecordQuiz { score, total } => {
            let mut store = Store::open(data_dir)?;
            let e = Evidence::Training(QuizEvidence::new(*score, *total));
            if *score > *total || *total == 0 {
                // Let the core name the problem.
                e.validate(now)
                    .map_err(|err| CliError::Usage(format!("invalid quiz result: {err}")))?;
            }
            record(&mut store, StepId::Training, Event::Record(e), out)
        }
        ChecklistCommand::Policy {
            step,
            every_months,
            every_days,
            never,
            json,
        } => policy(
            data_dir,
            *step,
            *every_months,
            *every_days,
            *never,
            *json,
            out,
        ),
        ChecklistCommand::Report {
            format,
            out: file,
            force,
            lang,
            prepared_for,
        } => {
            let request = ReportRequest {
                format: *format,
                file: file.as_deref(),
                force: *force,
                lang: *lang,
                prepared_for: prepared_for.as_deref(),
            };
            report(data_dir, now, &request, out)
        }
    }
}

/// `verityctl checklist status`.
fn status(
    store: &mut Store,
    now: Timestamp,
    json: bool,
    lang: Language,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let c = current(store, now)?;
    if json {
        let s = StatusOut {
            progress: c.progress(),
            next_drill: c.next_drill(),
            due_again: c
                .steps
                .iter()
                .filter(|s| s.status == verity_checklist::checklist::StepStatus::DueAgain)
                .map(|s| s.step)
                .collect(),
            steps: c.steps,
        };
        serde_json::to_writer_pretty(&mut *out, &s)?;
        writeln!(out)?;
    } else {
        let p = c.progress();
        writeln!(
            out,
            "{}",
            text_with(
                lang,
                "checklist.progress",
                &[
                    ("done", &p.done.to_string()),
                    ("total", &p.total.to_string())
                ]
            )
        )?;
        for s in &c.steps {
            writeln!(out, "{}", step_line(s, lang))?;
            if s.evidence.is_some() {
                writeln!(
                    out,
                    "   {}",
                    report::evidence_summary(s.evidence.as_ref(), lang)
                )?;
            }
        }
        if let Some(d) = c.next_drill() {
            writeln!(
                out,
                "{}",
                text_with(lang, "checklist.next_drill", &[("date", &d.to_date())])
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `verityctl checklist policy`: shows the recurrence policy, changing one step's first.
fn policy(
    data_dir: &Path,
    step: Option<StepArg>,
    every_months: Option<u32>,
    every_days: Option<u32>,
    never: bool,
    json: bool,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let mut store = Store::open(data_dir)?;
    let mut policy: RecurrencePolicy = store.checklist_policy()?;
    if let Some(step) = step {
        let interval = if never {
            None
        } else {
            interval_of(every_months, every_days)
        };
        policy.set_interval((step).into(), interval);
        store.set_checklist_policy(&policy)?;
    }
    if json {
        serde_json::to_writer_pretty(&mut *out, &policy)?;
        writeln!(out)?;
    } else {
        for s in StepId::ALL {
            let every = policy
                .interval(*s)
                .map_or_else(|| "never".to_owned(), |i| format!("every {i}"));
            writeln!(out, "{}. {s}: {every}", s.number())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `verityctl checklist report` was asked for.
struct ReportRequest<'a> {
    format: FormatArg,
    file: Option<&'a Path>,
    force: bool,
    lang: Language,
    prepared_for: Option<&'a str>,
}

/// `verityctl checklist report`.
fn report(
    data_dir: &Path,
    now: Timestamp,
    request: &ReportRequest<'_>,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let ReportRequest {
        format,
        file,
        force,
        lang,
        prepared_for,
    } = *request;
    let mut store = Store::open(data_dir)?;
    let format = match format {
        FormatArg::Csv => Format::Csv,
        FormatArg::Html => Format::Html,
        FormatArg::Json => Format::Json,
    };
    let report = verity_flows::report::build(
        &mut store,
        format,
        lang,
        now,
        prepared_for.map(str::to_owned),
    )?;
    match file {
        None => out.write_all(report.content.as_bytes())?,
        Some(path) => match verity_flows::report::save(&report, path, force) {
            Err(verity_flows::FlowError::Exists { .. }) => {
                return Err(CliError::Usage(format!(
                    "{} already exists (use --force to replace it)",
                    path.display()
                )))
            }
            other => other?,
        },
    }
    Ok(ExitCode::SUCCESS)
}
