//! `verityctl support` (an employee's device) and `verityctl agent` (a support agent's app):
//! verified support sessions from the command line (issue 13), over `verity_flows::support`,
//! the code the app runs.
//!
//! - `support status [--json]`: the organisation's signed statement of what support is doing
//!   with this employee. Exit status 0 when it verified; **4 when it cannot be verified** (not
//!   enrolled, offline, unsigned, stale…): then "don't talk to anyone who says they are
//!   support".
//! - `support open --category C --message TEXT [--totp CODE] [--language L] [--json]
//!   [--wait-reply SECS] [--close]`: opens a session, waits until the handshake verified the
//!   agent, prints the agent's identity (from their certificate only); with `--wait-reply`,
//!   waits for and prints the agent's first message; with `--close`, then closes the session and
//!   uploads the sealed transcript.
//! - `support close --session ID`: closes a session this device opened (no transcript: the
//!   channel's keys lived in the process that opened it).
//! - `agent serve [--reply TEXT] [--close-after N] [--json]`: a headless agent for tests and
//!   load: goes online, accepts every offer, answers each message with the reply, closes a
//!   session (`resolved`) after N messages; prints its events (JSON lines with `--json`).
//!
//! Other exit statuses as everywhere: 2 a usage error, 3 an operational failure (the desk
//! refused or could not be reached). Errors are one line on stderr ending with their code.

use crate::device::{key_context, KeyStoreArg};
use crate::error::{CliError, EXIT_FAILURE, EXIT_USAGE};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use verity_device::proto::{Outcome, SupportCategory};
use verity_device::DeviceContext;
use verity_flows::support::{
    self as flows, AgentEvent, LiveStatus, OpenParams, SessionEvent, SupportFlowError,
    VerifiedAgent,
};

/// Exit status of `support status` when the statement cannot be verified.
pub const EXIT_UNVERIFIED: u8 = 4;

/// The key store options both commands take.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// The passphrase of the file key store (first line of FILE).
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Report this IANA time zone instead of the system's (the region check).
    #[arg(long, global = true, value_name = "ZONE", hide = true)]
    pub time_zone: Option<String>,
    /// Report this locale instead of the system's (the region check).
    #[arg(long, global = true, value_name = "LOCALE", hide = true)]
    pub locale: Option<String>,
}

/// Arguments of `verityctl support`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 success; 2 usage error; 3 operational failure; \
4 (support status) the organisation's statement cannot be verified: don't talk to anyone \
who says they are support."
)]
pub struct SupportArgs {
    #[command(subcommand)]
    pub command: SupportCommand,
    #[command(flatten)]
    pub keys: KeyArgs,
}

/// Support categories on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CategoryArg {
    /// The account itself.
    Account,
    /// Signing in, verification codes.
    Login,
    /// Billing and payments.
    Billing,
    /// A security incident.
    Security,
    /// Anything else.
    Other,
}

impl From<CategoryArg> for SupportCategory {
    fn from(c: CategoryArg) -> SupportCategory {
        match c {
            CategoryArg::Account => SupportCategory::Account,
            CategoryArg::Login => SupportCategory::Login,
            CategoryArg::Billing => SupportCategory::Billing,
            CategoryArg::Security => SupportCategory::Security,
            CategoryArg::Other => SupportCategory::Other,
        }
    }
}

/// The support commands.
#[derive(Debug, clap::Subcommand)]
pub enum SupportCommand {
    /// Is support really talking to me? The organisation's signed statement (exit status 4
    /// when it cannot be verified).
    Status {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Open a verified session and print the agent's identity, as their certificate proves it.
    Open {
        /// What it is about.
        #[arg(long, value_enum)]
        category: CategoryArg,
        /// The first message (sent encrypted as soon as the channel is up).
        #[arg(long, value_name = "TEXT")]
        message: String,
        /// The current code from the authenticator app.
        #[arg(long, value_name = "CODE")]
        totp: Option<String>,
        /// The language to be served in: en, zh-HK, zh-CN or ar.
        #[arg(long, value_name = "LANG", default_value = "en")]
        language: String,
        /// Also wait (at most SECS seconds) for the agent's first message, and print it.
        #[arg(long, value_name = "SECS")]
        wait_reply: Option<u64>,
        /// How long to wait for an agent, seconds.
        #[arg(long, value_name = "SECS", default_value_t = 600)]
        wait_agent: u64,
        /// Then close the session and upload the sealed transcript.
        #[arg(long)]
        close: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Close a session this device opened (`abandoned`).
    Close {
        /// The session.
        #[arg(long, value_name = "ID")]
        session: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of `verityctl agent`.
#[derive(Debug, clap::Args)]
pub struct AgentArgs {
    #[command(subcommand)]
    pub command: AgentCommand,
    #[command(flatten)]
    pub keys: KeyArgs,
}

/// The agent commands.
#[derive(Debug, clap::Subcommand)]
pub enum AgentCommand {
    /// A headless agent (tests, load): online, accepts every offer, answers each message with
    /// the reply; prints events until stopped.
    Serve {
        /// The answer to every message.
        #[arg(long, value_name = "TEXT", default_value = "Hello, this is support.")]
        reply: String,
        /// Close a session (resolved) once it has received N messages.
        #[arg(long, value_name = "N")]
        close_after: Option<u64>,
        /// Stop after this many seconds (default: run until stopped).
        #[arg(long, value_name = "SECS")]
        run_for: Option<u64>,
        /// Print events as JSON lines.
        #[arg(long)]
        json: bool,
    },
}

fn context(data_dir: &Path, keys: &KeyArgs) -> Result<DeviceContext, CliError> {
    let store = if keys.passphrase_file.is_some() {
        KeyStoreArg::File
    } else {
        KeyStoreArg::Auto
    };
    let mut ctx = key_context(data_dir, store, keys.passphrase_file.as_deref())?;
    if let Some(tz) = &keys.time_zone {
        ctx.signals.timezone = Some(tz.clone());
    }
    if let Some(l) = &keys.locale {
        ctx.signals.locale = Some(l.clone());
    }
    Ok(ctx)
}

fn json_line(out: &mut dyn Write, v: &impl Serialize) -> Result<(), CliError> {
    serde_json::to_writer(&mut *out, v)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

fn fail(e: &SupportFlowError) -> ExitCode {
    let msg = e
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    eprintln!("verityctl: error: {msg} ({})", e.code());
    ExitCode::from(if e.is_usage() {
        EXIT_USAGE
    } else {
        EXIT_FAILURE
    })
}

fn fail_code(what: &str, code: &str) -> ExitCode {
    eprintln!("verityctl: error: {what} ({code})");
    ExitCode::from(EXIT_FAILURE)
}

/// Runs `verityctl support …`.
pub fn run(args: &SupportArgs, data_dir: &Path, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let ctx = context(data_dir, &args.keys)?;
    match &args.command {
        SupportCommand::Status { json } => status(&ctx, *json, out),
        SupportCommand::Open {
            category,
            message,
            totp,
            language,
            wait_reply,
            wait_agent,
            close,
            json,
        } => {
            let params = OpenParams {
                category: (*category).into(),
                language: language.clone(),
                totp: totp.clone().unwrap_or_default(),
                first_message: message.clone(),
            };
            open(
                Arc::new(ctx),
                params,
                *wait_agent,
                *wait_reply,
                *close,
                *json,
                out,
            )
        }
        SupportCommand::Close { session, json } => close(&ctx, session, *json, out),
    }
}

fn status(ctx: &DeviceContext, json: bool, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let s = flows::status(ctx);
    if json {
        json_line(out, &s)?;
    } else {
        match &s {
            LiveStatus::None { .. } => writeln!(
                out,
                "No one from support is talking to you. If someone says they are, hang up."
            )?,
            LiveStatus::Queued { session_id, .. } => {
                writeln!(out, "Your session {session_id} waits for an agent.")?;
            }
            LiveStatus::Chatting {
                agent_name,
                agent_fingerprint,
                ..
            } => writeln!(
                out,
                "{agent_name} is chatting with you (certificate {agent_fingerprint})."
            )?,
            LiveStatus::Calling {
                agent_name,
                agent_fingerprint,
                ..
            } => writeln!(
                out,
                "{agent_name} is calling you now (certificate {agent_fingerprint})."
            )?,
            LiveStatus::CannotCheck { reason } => writeln!(
                out,
                "Can't check ({reason}): don't talk to anyone who says they are support."
            )?,
        }
    }
    Ok(if s.is_verified() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_UNVERIFIED)
    })
}

#[derive(Debug, Serialize)]
struct Reply {
    text: String,
    guard: Vec<String>,
}

#[derive(Debug, Serialize)]
struct OpenJson {
    session_id: String,
    region: String,
    position: u32,
    agent: Option<VerifiedAgent>,
    reply: Option<Reply>,
    outcome: Option<Outcome>,
    summary: Option<String>,
    transcript_uploaded: bool,
}

fn open(
    ctx: Arc<DeviceContext>,
    params: OpenParams,
    wait_agent: u64,
    wait_reply: Option<u64>,
    close: bool,
    json: bool,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let session = match flows::open(ctx, params) {
        Ok(s) => s,
        Err(e) => return Ok(fail(&e)),
    };
    let a = session.answer().clone();
    let mut result = OpenJson {
        session_id: a.session_id.clone(),
        region: a.region.clone(),
        position: a.position,
        agent: None,
        reply: None,
        outcome: None,
        summary: None,
        transcript_uploaded: false,
    };
    if !json {
        writeln!(
            out,
            "Session {} opened (place {} in the queue).",
            a.session_id, a.position
        )?;
    }
    // Until the handshake proved the agent, then (optionally) their first message.
    let mut deadline = Instant::now() + Duration::from_secs(wait_agent);
    let mut phase_reply = false;
    let mut failure: Option<String> = None;
    let mut last_error: Option<String> = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            failure = Some(if phase_reply {
                "no_reply".into()
            } else {
                "no_agent".into()
            });
            break;
        }
        let ev = match session
            .events()
            .recv_timeout(left.min(Duration::from_millis(500)))
        {
            Ok(ev) => ev,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                failure = Some(last_error.take().unwrap_or_else(|| "stopped".into()));
                break;
            }
        };
        match ev {
            SessionEvent::Assigned { agent } => {
                if !json {
                    writeln!(
                        out,
                        "Verified agent: {} ({}, {}), {}; certificate {}",
                        agent.name,
                        agent.role.as_str(),
                        agent.team,
                        agent.organisation,
                        agent.fingerprint
                    )?;
                }
                result.agent = Some(agent);
                match wait_reply {
                    Some(secs) => {
                        phase_reply = true;
                        deadline = Instant::now() + Duration::from_secs(secs);
                    }
                    None => break,
                }
            }
            SessionEvent::Message { text, guard, .. } if phase_reply => {
                if !json {
                    writeln!(out, "Agent: {text}")?;
                    if !guard.is_empty() {
                        writeln!(
                            out,
                            "Careful: real support never asks for this ({}).",
                            guard.join(", ")
                        )?;
                    }
                }
                result.reply = Some(Reply { text, guard });
                break;
            }
            SessionEvent::Queued { position, .. } if !json => {
                writeln!(out, "Place {position} in the queue.")?;
            }
            SessionEvent::Closed { outcome, summary } => {
                result.outcome = Some(outcome);
                result.summary = summary;
                failure = Some("session_closed".into());
                break;
            }
            SessionEvent::Error { code }
                if code.starts_with("peer_") || code == "handshake_failed" =>
            {
                failure = Some(code);
                break;
            }
            // The driver says why before it stops (a refused connection); else a note.
            SessionEvent::Error { code } => {
                log_event(&code);
                last_error = Some(code);
            }
            _ => {}
        }
    }
    if close && result.outcome.is_none() {
        if session.close().is_ok() {
            let until = Instant::now() + Duration::from_secs(20);
            while let Some(ev) = session.next_event(until.saturating_duration_since(Instant::now()))
            {
                match ev {
                    SessionEvent::Closed { outcome, summary } => {
                        result.outcome = Some(outcome);
                        result.summary = summary;
                        if result.agent.is_none() {
                            break;
                        }
                    }
                    SessionEvent::TranscriptUploaded { .. } => {
                        result.transcript_uploaded = true;
                        break;
                    }
                    SessionEvent::Error { code } if result.outcome.is_some() => {
                        failure.get_or_insert(code);
                        break;
                    }
                    _ => {}
                }
            }
        }
        if !json {
            writeln!(out, "Session closed.")?;
        }
    }
    session.stop();
    if json {
        json_line(out, &result)?;
    }
    match failure {
        Some(code) => Ok(fail_code("the session did not go as asked", &code)),
        None => Ok(ExitCode::SUCCESS),
    }
}

fn log_event(code: &str) {
    eprintln!("verityctl: note: {code}");
}

fn close(
    ctx: &DeviceContext,
    session_id: &str,
    json: bool,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    if !verity_device::proto::is_session_id(session_id) {
        return Err(CliError::Usage("a session id is 32 hex digits".into()));
    }
    let outcome = match verity_flows::support::close_left_session(ctx, Some(session_id)) {
        Ok(_) => Outcome::Abandoned,
        Err(verity_flows::support::SupportFlowError::Device(e)) => {
            return Ok(crate::device::report(&e))
        }
        Err(verity_flows::support::SupportFlowError::Refused(code)) if code == "timeout" => {
            return Ok(fail_code("the desk did not confirm the close", &code));
        }
        Err(e) => return Ok(fail_code("the desk refused to close the session", e.code())),
    };
    if json {
        json_line(
            out,
            &serde_json::json!({ "session_id": session_id, "outcome": outcome }),
        )?;
    } else {
        writeln!(out, "Session {session_id} closed.")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `verityctl agent …`.
pub fn run_agent(
    args: &AgentArgs,
    data_dir: &Path,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let ctx = context(data_dir, &args.keys)?;
    match &args.command {
        AgentCommand::Serve {
            reply,
            close_after,
            run_for,
            json,
        } => serve(Arc::new(ctx), reply, *close_after, *run_for, *json, out),
    }
}

fn serve(
    ctx: Arc<DeviceContext>,
    reply: &str,
    close_after: Option<u64>,
    run_for: Option<u64>,
    json: bool,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    if reply.is_empty() || reply.chars().count() > verity_device::proto::MAX_MESSAGE_CHARS {
        return Err(CliError::Usage(
            "the reply must be 1 to 4000 characters".into(),
        ));
    }
    let conn = match flows::agent_connect(ctx) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    let stop_at = run_for.map(|s| Instant::now() + Duration::from_secs(s));
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    loop {
        if stop_at.is_some_and(|t| Instant::now() >= t) {
            break;
        }
        let ev = match conn.events().recv_timeout(Duration::from_millis(200)) {
            Ok(ev) => ev,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            // The driver stopped (a refused connection: its error was printed).
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                conn.stop();
                return Ok(fail_code("the agent's connection stopped", "stopped"));
            }
        };
        if json {
            json_line(out, &ev)?;
        } else {
            writeln!(out, "{}", serde_json::to_string(&ev)?)?;
            out.flush()?;
        }
        match ev {
            AgentEvent::Offer { session_id, .. } => {
                let _ = conn.accept(&session_id);
            }
            AgentEvent::Message { session_id, .. } => {
                let _ = conn.send_text(&session_id, reply);
                let n = counts.entry(session_id.clone()).or_insert(0);
                *n += 1;
                if close_after.is_some_and(|max| *n >= max) {
                    let _ = conn.close(&session_id, Outcome::Resolved, "Resolved.");
                }
            }
            AgentEvent::Closed { session_id, .. } => {
                counts.remove(&session_id);
            }
            AgentEvent::Error {
                session_id: None,
                ref code,
            } if code == "wrong_role" || code.starts_with("certificate") => break,
            _ => {}
        }
    }
    conn.stop();
    Ok(ExitCode::SUCCESS)
}
