//! `verityctl device`: see who a desk says it is, bind this device to the organisation's desk,
//! set up two-factor, run the three checks (device binding, two-factor, region), show the
//! binding, unbind.
//!
//! Enrolment needs the organisation key fingerprint from IT's announcement, typed with
//! `--fingerprint` (`device preview URL` shows the desk's, to compare): the `fp` of a
//! `verity://enroll` link never counts, since the link comes from the same place as the desk
//! address in it.
//!
//! The device key lives in the OS secure store (`--key-store auto`, the default, or
//! `secret-service`); where there is none (a headless Linux) the command says so and the user may
//! choose `--key-store file --passphrase-file FILE`, a passphrase-encrypted key file. Nothing is
//! ever kept in the clear. Exit status: 0 success (for `verify`, all three checks passed); 1 a
//! check failed; 2 a usage error; 3 an operational failure (desk unreachable, key store). Errors
//! are one line on stderr ending with their stable code in parentheses.
//!
//! `verify` runs `verity_flows::device::verify`: the checklist audit log's head goes with the
//! request, and the head the desk countersigns is kept beside the log (`audit verify` checks it).

use crate::error::{CliError, EXIT_FAILURE, EXIT_USAGE};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use verity_device::device::{self, BindingStatus};
use verity_device::proto::CheckResult;
use verity_device::state::DeviceRole;
use verity_device::{DeviceContext, DeviceError, KeyStoreChoice};

/// Arguments of `verityctl device`.
#[derive(Debug, clap::Args)]
pub struct DeviceArgs {
    #[command(subcommand)]
    pub command: DeviceCommand,
    /// Where to keep a new device key: the OS secure store (auto, secret-service) or a
    /// passphrase-encrypted file (file).
    #[arg(long, global = true, value_enum, default_value_t = KeyStoreArg::Auto)]
    pub key_store: KeyStoreArg,
    /// The passphrase of the file key store (first line of FILE).
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Report this IANA time zone instead of the system's (the region check's second signal).
    #[arg(long, global = true, value_name = "ZONE", hide = true)]
    pub time_zone: Option<String>,
    /// Report this locale instead of the system's.
    #[arg(long, global = true, value_name = "LOCALE", hide = true)]
    pub locale: Option<String>,
}

/// Key store choices on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyStoreArg {
    /// The OS secure store (Keychain, Credential Manager, Secret Service).
    Auto,
    /// The Secret Service (the OS store on Linux).
    #[value(alias = "os")]
    SecretService,
    /// A passphrase-encrypted file in the data directory (needs --passphrase-file).
    File,
}

/// The device commands.
#[derive(Debug, clap::Subcommand)]
pub enum DeviceCommand {
    /// Show who the desk at an address says it is (its signed, fresh answer): the address, the
    /// organisation's name and key fingerprint. Sends nothing but a random challenge.
    Preview {
        /// The desk's address (https://…).
        desk: String,
        /// An extra CA certificate (PEM) for a desk with a private certificate authority.
        #[arg(long, value_name = "FILE")]
        desk_ca: Option<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Bind this device with a one-time code from IT, then set up two-factor.
    Enroll(EnrollArgs),
    /// Show the binding (no network).
    Status {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Run the three checks against the desk: device binding, two-factor, region.
    Verify {
        /// The current code from the authenticator app.
        #[arg(long, value_name = "CODE")]
        totp: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Tell the desk how this device's protection looks (the app's version, the feed version
    /// held and when it last synced, checklist steps done), for the organisation's console.
    /// The app does it by itself after syncs.
    CheckIn {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Set up two-factor again (until a code has been accepted).
    TotpSetup {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Give up the binding: the desk revokes the device; the key and state are removed.
    Unbind {
        /// Do not tell the desk (it keeps the device until an admin revokes it).
        #[arg(long)]
        local_only: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of `verityctl device enroll`.
#[derive(Debug, clap::Args)]
pub struct EnrollArgs {
    /// The desk's address (https://…).
    #[arg(long, value_name = "URL", required_unless_present = "link")]
    pub desk: Option<String>,
    /// The one-time enrolment code.
    #[arg(long, value_name = "CODE", required_unless_present = "link")]
    pub code: Option<String>,
    /// A verity://enroll?desk=…&code=… link instead of --desk and --code.
    #[arg(long, value_name = "LINK", conflicts_with_all = ["desk", "code"])]
    pub link: Option<String>,
    /// The organisation key fingerprint IT announced (required; a link's `fp` does not count):
    /// a desk with another key is refused before the code is sent.
    #[arg(long, value_name = "FINGERPRINT")]
    pub fingerprint: String,
    /// An extra CA certificate (PEM) for a desk with a private certificate authority.
    #[arg(long, value_name = "FILE")]
    pub desk_ca: Option<PathBuf>,
    /// Enrol this app as a support agent's, with an agent's code (`verity-desk agent add`):
    /// the desk answers with the organisation-signed agent certificate; no two-factor set-up.
    #[arg(long)]
    pub agent: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Prints a device error as one line with its code and returns the exit status.
pub(crate) fn report(e: &DeviceError) -> ExitCode {
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

/// A device context for `data_dir` with the key store chosen on the command line.
pub(crate) fn key_context(
    data_dir: &Path,
    key_store: KeyStoreArg,
    passphrase_file: Option<&Path>,
) -> Result<DeviceContext, CliError> {
    let mut ctx = DeviceContext::new(data_dir.to_path_buf(), env!("CARGO_PKG_VERSION"));
    ctx.key_store = match key_store {
        KeyStoreArg::Auto => KeyStoreChoice::Auto,
        KeyStoreArg::SecretService => KeyStoreChoice::Os,
        KeyStoreArg::File => KeyStoreChoice::File,
    };
    if let Some(f) = passphrase_file {
        ctx.passphrase = Some(
            verity_device::sealed::read_passphrase_file(f)
                .map_err(|e| CliError::Usage(e.to_string()))?,
        );
    }
    if key_store == KeyStoreArg::File && ctx.passphrase.is_none() {
        return Err(CliError::Usage(
            "--key-store file needs --passphrase-file FILE".into(),
        ));
    }
    Ok(ctx)
}

fn context(args: &DeviceArgs, data_dir: &Path) -> Result<DeviceContext, CliError> {
    let mut ctx = key_context(data_dir, args.key_store, args.passphrase_file.as_deref())?;
    if let Some(tz) = &args.time_zone {
        ctx.signals.timezone = Some(tz.clone());
    }
    if let Some(l) = &args.locale {
        ctx.signals.locale = Some(l.clone());
    }
    Ok(ctx)
}

#[derive(Debug, Serialize)]
struct EnrollJson<'a> {
    bound: bool,
    org_name: &'a str,
    org_fingerprint: &'a str,
    device_id: &'a str,
    device_fingerprint: &'a str,
    employee_id: &'a str,
    employee_name: &'a str,
    certificate_expires_at: u64,
    key_store: String,
    totp_uri: Option<&'a str>,
    totp_secret: Option<&'a str>,
    totp_error: Option<&'a str>,
    region: &'a CheckResult,
}

fn json_line(out: &mut dyn Write, v: &impl Serialize) -> Result<(), CliError> {
    serde_json::to_writer(&mut *out, v)?;
    writeln!(out)?;
    Ok(())
}

fn print_binding(out: &mut dyn Write, s: &BindingStatus) -> Result<(), CliError> {
    writeln!(out, "Organisation:        {}", s.org.name)?;
    writeln!(out, "Organisation key:    {}", s.org.fingerprint)?;
    match &s.agent {
        Some(a) => writeln!(
            out,
            "Support agent:       {} ({}, team {}, capacity {})",
            a.name,
            a.role.as_str(),
            a.team,
            a.capacity
        )?,
        None if s.role == DeviceRole::Agent => writeln!(
            out,
            "Support agent:       {} (the certificate does not verify)",
            s.employee_name
        )?,
        None => writeln!(
            out,
            "Employee:            {} ({})",
            s.employee_name, s.employee_id
        )?,
    }
    writeln!(out, "Device key:          {}", s.device_fingerprint)?;
    writeln!(out, "Key store:           {}", s.key_store)?;
    writeln!(out, "Desk:                {}", s.desk_url)?;
    writeln!(
        out,
        "Certificate expires: {} (Unix time)",
        s.certificate_expires_at
    )?;
    Ok(())
}

fn print_check(out: &mut dyn Write, name: &str, c: &CheckResult) -> Result<(), CliError> {
    let mark = if c.ok { "ok  " } else { "FAIL" };
    writeln!(out, "{mark} {name:<15} {} ({})", c.message, c.code)?;
    Ok(())
}

/// Runs `verityctl device …`.
pub fn run(args: &DeviceArgs, data_dir: &Path, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let mut ctx = context(args, data_dir)?;
    match &args.command {
        DeviceCommand::Enroll(e) => enroll(&mut ctx, e, out),
        DeviceCommand::Preview {
            desk,
            desk_ca,
            json,
        } => {
            if let Some(f) = desk_ca {
                ctx.client.extra_roots_pem = Some(read_ca(f)?);
            }
            let p = match device::preview(&ctx, desk) {
                Ok(p) => p,
                Err(e) => return Ok(report(&e)),
            };
            if *json {
                json_line(out, &p)?;
            } else {
                writeln!(out, "Desk:                {}", p.desk_url)?;
                writeln!(out, "Organisation:        {}", p.org_name)?;
                writeln!(out, "Organisation key:    {}", p.fingerprint)?;
                writeln!(
                    out,
                    "Compare the key with the fingerprint IT announced; enrol only if they are the same."
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        DeviceCommand::Status { json } => {
            let s = match device::status(&ctx) {
                Ok(s) => s,
                Err(e) => return Ok(report(&e)),
            };
            if *json {
                json_line(out, &s)?;
            } else if let Some(b) = &s.binding {
                print_binding(out, b)?;
                if b.role == DeviceRole::Employee {
                    writeln!(out, "Two-factor:          {:?}", b.two_factor)?;
                }
                if !b.certificate_ok {
                    writeln!(
                        out,
                        "Certificate problem: {}",
                        b.certificate_problem.as_deref().unwrap_or("unknown")
                    )?;
                }
            } else {
                writeln!(out, "This device is not bound to an organisation.")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        DeviceCommand::CheckIn { json } => {
            let mut store = verity_store::Store::open(data_dir)?;
            let body = verity_flows::device::check_in_body(&store, &ctx.facts.app_version)?;
            let receipt = match verity_flows::device::check_in(&store, &ctx) {
                Ok(r) => r,
                Err(verity_flows::FlowError::Device(e)) => return Ok(report(&e)),
                Err(e) => return Err(e.into()),
            };
            // Not fatal: the desk has it; the app's next contact just comes sooner.
            let _kept = store.set_last_check_in(verity_core::Timestamp(
                i64::try_from(receipt.received_at).unwrap_or(i64::MAX),
            ));
            if *json {
                json_line(out, &body)?;
            } else {
                writeln!(
                    out,
                    "Checked in: app {}, feed {}, checklist {}.",
                    body.app_version,
                    body.feed.map_or_else(
                        || "none".to_owned(),
                        |f| format!(
                            "version {} (synced at {} Unix time)",
                            f.version, f.synced_at
                        )
                    ),
                    body.checklist
                        .map_or_else(|| "-".to_owned(), |c| format!("{}/{}", c.done, c.total)),
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        DeviceCommand::Verify { totp, json } => {
            let mut store = verity_store::Store::open(data_dir)?;
            let r = match verity_flows::device::verify(&mut store, &ctx, totp) {
                Ok(r) => r,
                Err(verity_flows::FlowError::Device(e)) => return Ok(report(&e)),
                Err(e) => return Err(e.into()),
            };
            if *json {
                json_line(out, &r)?;
            } else {
                print_check(out, "device binding", &r.device_binding)?;
                print_check(out, "two-factor", &r.two_factor)?;
                print_check(out, "region", &r.region)?;
                if let Some(a) = &r.audit_anchor {
                    writeln!(
                        out,
                        "ok   audit log       head #{} {} countersigned by {} at {} (Unix time)",
                        a.seq, a.hash, a.org_fingerprint, a.at
                    )?;
                }
                if let Some(p) = &r.audit_anchor_problem {
                    writeln!(out, "note audit log       {p}")?;
                }
            }
            Ok(if r.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        DeviceCommand::TotpSetup { json } => {
            let t = match device::totp_setup(&ctx) {
                Ok(t) => t,
                Err(e) => return Ok(report(&e)),
            };
            if *json {
                json_line(
                    out,
                    &serde_json::json!({ "totp_uri": t.uri, "totp_secret": t.secret }),
                )?;
            } else {
                writeln!(out, "Add this to your authenticator app:")?;
                writeln!(out, "{}", t.uri)?;
                writeln!(out, "Secret (to type in): {}", t.secret)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        DeviceCommand::Unbind { local_only, json } => {
            let u = match device::unbind(&ctx, !local_only) {
                Ok(u) => u,
                Err(e) => return Ok(report(&e)),
            };
            if *json {
                json_line(out, &u)?;
            } else {
                writeln!(out, "This device is no longer bound; its key was removed.")?;
                if let Some(err) = &u.desk_error {
                    writeln!(
                        out,
                        "The desk could not be told ({err}): ask IT to revoke the device."
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_ca(f: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(f).map_err(|err| CliError::Usage(format!("cannot read {}: {err}", f.display())))
}

fn enroll(
    ctx: &mut DeviceContext,
    e: &EnrollArgs,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    // A link's own `fp` is not used: it comes from the same place as the desk address.
    let (desk, code) = match &e.link {
        Some(l) => {
            let link = verity_device::link::parse_enroll_link(l)
                .map_err(|err| CliError::Usage(format!("bad enrolment link: {err}")))?;
            (link.desk, link.code)
        }
        None => match (&e.desk, &e.code) {
            (Some(d), Some(c)) => (d.clone(), c.clone()),
            _ => return Err(CliError::Usage("give --desk and --code, or --link".into())),
        },
    };
    if let Some(f) = &e.desk_ca {
        ctx.client.extra_roots_pem = Some(read_ca(f)?);
    }
    if e.agent {
        return enroll_agent(ctx, &desk, &code, e, out);
    }
    let o = match verity_flows::device::enroll(ctx, &desk, &code, &e.fingerprint) {
        Ok(o) => o,
        Err(verity_flows::FlowError::Device(err)) => return Ok(report(&err)),
        Err(err) => return Err(err.into()),
    };
    let s = &o.status;
    if e.json {
        json_line(
            out,
            &EnrollJson {
                bound: true,
                org_name: &s.org.name,
                org_fingerprint: &s.org.fingerprint,
                device_id: &s.device_id,
                device_fingerprint: &s.device_fingerprint,
                employee_id: &s.employee_id,
                employee_name: &s.employee_name,
                certificate_expires_at: s.certificate_expires_at,
                key_store: s.key_store.to_string(),
                totp_uri: o.totp.as_ref().map(|t| t.uri.as_str()),
                totp_secret: o.totp.as_ref().map(|t| t.secret.as_str()),
                totp_error: o.totp_error.as_deref(),
                region: &o.region,
            },
        )?;
    } else {
        writeln!(out, "This device is now bound.")?;
        print_binding(out, s)?;
        writeln!(
            out,
            "The organisation key above matched the fingerprint you gave."
        )?;
        if !o.region.ok || o.region.code != "ok" {
            writeln!(out, "Region: {} ({})", o.region.message, o.region.code)?;
        }
        match &o.totp {
            Some(t) => {
                writeln!(out, "Two-factor: add this to your authenticator app, then run `verityctl device verify --totp CODE`:")?;
                writeln!(out, "{}", t.uri)?;
                writeln!(out, "Secret (to type in): {}", t.secret)?;
            }
            None => writeln!(
                out,
                "Two-factor set-up failed ({}): run `verityctl device totp-setup`.",
                o.totp_error.as_deref().unwrap_or("unknown")
            )?,
        }
    }
    Ok(if o.totp.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    })
}

#[derive(Debug, Serialize)]
struct AgentEnrollJson<'a> {
    bound: bool,
    role: DeviceRole,
    org_name: &'a str,
    org_fingerprint: &'a str,
    device_id: &'a str,
    device_fingerprint: &'a str,
    agent: Option<&'a verity_device::proto::AgentProfile>,
    certificate_fingerprint: &'a str,
    certificate_expires_at: u64,
    key_store: String,
}

fn enroll_agent(
    ctx: &DeviceContext,
    desk: &str,
    code: &str,
    e: &EnrollArgs,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let o = match verity_flows::device::enroll_agent(ctx, desk, code, &e.fingerprint) {
        Ok(o) => o,
        Err(verity_flows::FlowError::Device(err)) => return Ok(report(&err)),
        Err(err) => return Err(err.into()),
    };
    let s = &o.status;
    if e.json {
        json_line(
            out,
            &AgentEnrollJson {
                bound: true,
                role: s.role,
                org_name: &s.org.name,
                org_fingerprint: &s.org.fingerprint,
                device_id: &s.device_id,
                device_fingerprint: &s.device_fingerprint,
                agent: s.agent.as_ref(),
                certificate_fingerprint: &o.certificate_fingerprint,
                certificate_expires_at: s.certificate_expires_at,
                key_store: s.key_store.to_string(),
            },
        )?;
    } else {
        writeln!(out, "This app is now a support agent's.")?;
        print_binding(out, s)?;
        writeln!(out, "Agent certificate:   {}", o.certificate_fingerprint)?;
        writeln!(
            out,
            "The organisation key above matched the fingerprint you gave."
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
