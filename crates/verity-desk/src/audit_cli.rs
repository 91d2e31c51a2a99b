//! `verity-desk audit …`: the organisation's audit key, and an auditor opening a session's
//! transcript offline.
//!
//! The apps seal each transcript to the organisation's audit recipient (`age1…`, set with
//! `verity-desk support audit-recipient set`); the desk keeps the sealed bytes and can read none
//! of them. `audit keygen` makes the key pair (the identity goes to a file the auditor keeps
//! offline); `audit open` decrypts a session's stored transcripts with that file, checks both
//! certificates against the organisation key, recomputes both hash chains and checks both
//! parties' checkpoint signatures (`verity_support::open_and_verify`), then prints the
//! conversation. The operation log records each opening.

use super::{CliError, DataArg};
use clap::Subcommand;
use std::io::Write;
use std::path::{Path, PathBuf};
use verity_desk::admin::{self, AdminError};
use verity_desk::store::NewOp;
use verity_device::clock::{Clock, SystemClock};
use verity_device::proto::{self, Direction};
use verity_support::{Message, VerifiedTranscript};

/// The largest identity file read.
const MAX_IDENTITY_FILE: u64 = 4096;

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Make the organisation's audit key pair: the identity (secret) goes to FILE, created
    /// owner-only and never overwritten; the recipient (public) is printed on the last line, for
    /// `verity-desk support audit-recipient set`. Keep FILE offline.
    Keygen {
        /// Where to write the identity.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Open a session's sealed transcripts with the identity, verify them (certificates, both
    /// hash chains, both parties' signatures) and print the conversation.
    Open {
        #[command(flatten)]
        data: DataArg,
        /// The session id (32 hex digits).
        session: String,
        /// The identity file `audit keygen` wrote.
        #[arg(long, value_name = "FILE")]
        identity: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn usage(m: impl Into<String>) -> CliError {
    CliError::Admin(AdminError::Usage(m.into()))
}

fn write_identity(path: &Path, identity: &str) -> Result<(), CliError> {
    use std::fs::OpenOptions;
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            usage(format!(
                "{} exists: an audit identity is never overwritten",
                path.display()
            ))
        } else {
            usage(format!("cannot create {}: {e}", path.display()))
        }
    })?;
    writeln!(
        f,
        "# Verity audit identity. Keep it offline; it opens every sealed transcript."
    )?;
    writeln!(f, "{identity}")?;
    f.sync_all()?;
    Ok(())
}

fn read_identity(path: &Path) -> Result<String, CliError> {
    let unreadable = |e: std::io::Error| usage(format!("cannot read {}: {e}", path.display()));
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if meta.len() > MAX_IDENTITY_FILE {
        return Err(usage(format!(
            "{} is not an audit identity (too large)",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(unreadable)?;
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .map(str::to_owned)
        .ok_or_else(|| {
            usage(format!(
                "{} holds no audit identity (AGE-SECRET-KEY-1…)",
                path.display()
            ))
        })
}

/// One side's opened transcript.
#[derive(Debug, serde::Serialize)]
struct SideReport {
    sealed_by: &'static str,
    /// `verified`, `missing` or the refusal's code.
    result: String,
    fully_signed: Option<bool>,
}

fn dir_code(d: Direction) -> &'static str {
    match d {
        Direction::E2a => "e2a",
        Direction::A2e => "a2e",
    }
}

fn message_json(m: &Message) -> serde_json::Value {
    match m {
        Message::Text { text } => serde_json::json!({"type": "text", "text": text}),
        Message::Checkpoint(_) => serde_json::json!({"type": "checkpoint"}),
        Message::SasCommit { call_id, .. } => {
            serde_json::json!({"type": "sas_commit", "call_id": call_id})
        }
        Message::SasReply { call_id, .. } => {
            serde_json::json!({"type": "sas_reply", "call_id": call_id})
        }
        Message::SasReveal { call_id, .. } => {
            serde_json::json!({"type": "sas_reveal", "call_id": call_id})
        }
        Message::SasResult { call_id, matched } => {
            serde_json::json!({"type": "sas_result", "call_id": call_id, "matched": matched})
        }
        Message::Close { summary } => serde_json::json!({"type": "close", "summary": summary}),
    }
}

fn transcript_json(t: &VerifiedTranscript) -> serde_json::Value {
    serde_json::json!({
        "session_id": t.session_id,
        "employee": {
            "name": t.employee.employee_name, "employee_id": t.employee.employee_id,
            "device_id": t.employee.device_id, "fingerprint": t.employee_fingerprint,
        },
        "agent": {
            "name": t.agent.agent.name, "team": t.agent.agent.team, "role": t.agent.agent.role,
            "agent_id": t.agent.agent_id, "fingerprint": t.agent_fingerprint,
        },
        "fully_signed": t.fully_signed(),
        "legs": t.legs.iter().map(|l| serde_json::json!({
            "leg": l.leg,
            "covered_e2a": l.covered_e2a,
            "covered_a2e": l.covered_a2e,
            "uncovered": l.uncovered,
            "both_final": l.both_final,
            "messages": l.messages.iter().map(|e| serde_json::json!({
                "dir": dir_code(e.dir), "seq": e.seq, "ts_ms": e.ts_ms, "covered": e.covered,
                "message": message_json(&e.message),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn print_transcript(out: &mut dyn Write, t: &VerifiedTranscript) -> Result<(), CliError> {
    writeln!(out, "Session:   {}", t.session_id)?;
    writeln!(
        out,
        "Employee:  {} ({}), certificate {}",
        t.employee.employee_name, t.employee.employee_id, t.employee_fingerprint
    )?;
    writeln!(
        out,
        "Agent:     {} ({}, {}), certificate {}",
        t.agent.agent.name,
        t.agent.agent.role.as_str(),
        t.agent.agent.team,
        t.agent_fingerprint
    )?;
    writeln!(
        out,
        "Signed:    {}",
        if t.fully_signed() {
            "every message is covered by both parties' final checkpoints"
        } else {
            "NOT fully signed: see the messages marked '?' (a leg cut short, or words after the final checkpoints)"
        }
    )?;
    for l in &t.legs {
        writeln!(out, "-- leg {} --", l.leg)?;
        let mut entries: Vec<_> = l.messages.iter().collect();
        entries.sort_by_key(|e| (e.ts_ms, e.seq));
        for e in entries {
            let who = match e.dir {
                Direction::E2a => "employee",
                Direction::A2e => "agent",
            };
            let mark = if e.covered { ' ' } else { '?' };
            let what = match &e.message {
                Message::Text { text } => text.replace('\n', "\n            "),
                Message::Checkpoint(_) => "[checkpoint signed]".into(),
                Message::SasCommit { call_id, .. } => format!("[call {call_id}: code committed]"),
                Message::SasReply { .. } => "[code: employee's value]".into(),
                Message::SasReveal { .. } => "[code: agent's value revealed]".into(),
                Message::SasResult { matched, .. } => {
                    if *matched {
                        "[the employee heard the right code]".into()
                    } else {
                        "[THE CODE DID NOT MATCH]".into()
                    }
                }
                Message::Close { summary } => format!("[closed] {summary}"),
            };
            writeln!(out, "{mark} {who:<9} #{:<4} {what}", e.seq)?;
        }
    }
    Ok(())
}

/// `verity-desk audit …`.
pub(crate) fn run(
    command: AuditCommand,
    out: &mut dyn Write,
    db: Option<&str>,
) -> Result<(), CliError> {
    match command {
        AuditCommand::Keygen { out: path } => {
            let (identity, recipient) = verity_support::audit_keygen();
            write_identity(&path, &identity)?;
            writeln!(
                out,
                "Wrote the audit identity to {} (keep it offline).",
                path.display()
            )?;
            writeln!(
                out,
                "Set the recipient on the desk: verity-desk support audit-recipient set --data DIR {recipient}"
            )?;
            writeln!(out, "{recipient}")?;
            Ok(())
        }
        AuditCommand::Open {
            data,
            session,
            identity,
            json,
        } => {
            if !proto::is_session_id(&session) {
                return Err(usage("the session id is 32 lower-case hex digits"));
            }
            let identity = read_identity(&identity)?;
            let (org, _) = admin::org_show(&data.at(db))?;
            let org_key = proto::parse_public_key(&org.public_key, "organisation key")
                .map_err(|e| usage(format!("the organisation key: {e}")))?;
            let store = admin::open_store(&data.at(db))?;
            let mut sides = Vec::new();
            let mut opened: Option<VerifiedTranscript> = None;
            for (sealed_by, who) in [("e2a", "employee"), ("a2e", "agent")] {
                let Some(sealed) = store.transcript(&session, sealed_by)? else {
                    sides.push(SideReport {
                        sealed_by: who,
                        result: "missing".into(),
                        fully_signed: None,
                    });
                    continue;
                };
                match verity_support::open_and_verify(&sealed, &identity, &org_key) {
                    Ok(t) => {
                        sides.push(SideReport {
                            sealed_by: who,
                            result: "verified".into(),
                            fully_signed: Some(t.fully_signed()),
                        });
                        // The employee's copy first; the agent's when it is the only one.
                        if opened.is_none() {
                            opened = Some(t);
                        }
                    }
                    Err(e) => sides.push(SideReport {
                        sealed_by: who,
                        result: format!("refused: {e}"),
                        fully_signed: None,
                    }),
                }
            }
            store.append_op(&NewOp {
                at: SystemClock.now(),
                actor: "cli".into(),
                action: "support.audit_open".into(),
                target: session.clone(),
                device: String::new(),
                outcome: if opened.is_some() { "ok" } else { "refused" }.into(),
                detail: serde_json::json!({"sides": sides}),
            })?;
            if json {
                serde_json::to_writer_pretty(
                    &mut *out,
                    &serde_json::json!({
                        "sides": sides,
                        "transcript": opened.as_ref().map(transcript_json),
                    }),
                )?;
                writeln!(out)?;
            } else {
                for s in &sides {
                    writeln!(out, "{:<9} copy: {}", s.sealed_by, s.result)?;
                }
                if let Some(t) = &opened {
                    print_transcript(out, t)?;
                }
            }
            match opened {
                Some(_) => Ok(()),
                None => Err(usage(format!(
                    "no transcript of session {session} could be opened and verified"
                ))),
            }
        }
    }
}
