//! `verity-desk`: the organisation's desk server and its admin commands.
//!
//! Exit status: 0 success; 1 `oplog verify` found the log edited; 2 a usage error; 3 an
//! operational failure. Errors are one line on stderr. Logs (tracing) go to stderr too, so that
//! stdout carries only results: `enroll-code` prints the code alone on its last line for scripts.

use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use verity_desk::admin::{self, AdminError};
use verity_desk::{http, DeskConfig, ServeError};
use verity_device::clock::SystemClock;
use verity_device::proto::{AgentProfile, AgentRole};
use verity_device::sealed::{self, KdfParams, SealError};
use zeroize::Zeroizing;

mod audit_cli;
mod drill_cli;
mod feed_cli;
mod oplog_cli;
mod reports_cli;
mod serve_config;
mod support_cli;

/// Verity's desk: device enrolment, two-factor and region checks for an organisation.
#[derive(Debug, Parser)]
#[command(name = "verity-desk", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// The database: `postgres://user:password@host:port/name` for PostgreSQL (or the
    /// VERITY_DESK_DATABASE environment variable, which keeps the password out of the process
    /// list); the default is the embedded SQLite database in the data directory. The organisation
    /// key and other files stay in the data directory either way.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "VERITY_DESK_DATABASE",
        hide_env_values = true
    )]
    database: Option<serve_config::DatabaseUrl>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct DataArg {
    /// The desk's data directory (database, organisation key).
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
}

impl DataArg {
    /// The data directory with `--database`, if given.
    fn at<'a>(&'a self, database: Option<&'a str>) -> admin::DeskLocation<'a> {
        admin::DeskLocation {
            data: &self.data,
            database,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the desk.
    Serve(ServeArgs),
    /// Scam drills: the reserved drill list, make a drill, list drills, a drill's results.
    #[command(subcommand)]
    Drill(drill_cli::DrillCommand),
    /// The organisation: create its signing key, show its fingerprint.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Issue a one-time enrolment code for an employee (printed alone on the last line).
    EnrollCode(EnrollCodeArgs),
    /// Enrolled devices.
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// The region policy: allowed regions and address ranges.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Support agents: issue an agent's enrolment code, list and revoke agents.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Reports to IT from employees' devices: the triage queue, one report, confirm or reject.
    #[command(subcommand)]
    Reports(reports_cli::ReportsCommand),
    /// Organisation console accounts: add (prints a one-time setup code), list, disable, reset.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The organisation's feed as the desk publishes it: where, what waits, publish.
    #[command(subcommand)]
    Feed(feed_cli::FeedCommand),
    /// The operation log: check offline that its database was not edited.
    #[command(subcommand)]
    Oplog(oplog_cli::OplogCommand),
    /// Verified support sessions: routing rules, recent sessions, the audit recipient.
    #[command(subcommand)]
    Support(support_cli::SupportCommand),
    /// The audit key, and opening a session's sealed transcript offline (verified against both
    /// parties' signatures).
    #[command(subcommand)]
    Audit(audit_cli::AuditCommand),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ConsoleRoleArg {
    Admin,
    Analyst,
    Auditor,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Add a console account; prints its one-time setup code (valid 24 hours) on the last line.
    Add {
        #[command(flatten)]
        data: DataArg,
        /// The sign-in name (a-z, 0-9, '.', '_', '-', '@').
        name: String,
        /// What the account may do.
        #[arg(long, value_enum)]
        role: ConsoleRoleArg,
        /// The organisation key's passphrase (first line of FILE), when it has one.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// List console accounts.
    List {
        #[command(flatten)]
        data: DataArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Disable a console account (its sessions end at once).
    Disable {
        #[command(flatten)]
        data: DataArg,
        /// The account name.
        name: String,
    },
    /// Give an account a new setup code, forgetting its passphrase, two-factor, passkeys and
    /// sessions (the code is printed on the last line).
    Reset {
        #[command(flatten)]
        data: DataArg,
        /// The account name.
        name: String,
        /// The organisation key's passphrase (first line of FILE), when it has one.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AgentCommand {
    /// Issue a one-time code that enrols a support agent's Verity app, which then holds an
    /// organisation-signed agent certificate (the code is printed alone on the last line).
    Add(AgentAddArgs),
    /// List support agents.
    List {
        #[command(flatten)]
        data: DataArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Mark an agent revoked (its id, or a unique prefix of 8+ characters); support sessions
    /// will refuse the agent.
    Revoke {
        #[command(flatten)]
        data: DataArg,
        /// The agent id.
        agent: String,
        /// Why (kept with the agent).
        #[arg(long, default_value = "revoked by an admin")]
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Agent,
    Supervisor,
}

#[derive(Debug, Args)]
struct AgentAddArgs {
    #[command(flatten)]
    data: DataArg,
    /// The agent's name, as employees will see it.
    #[arg(long)]
    name: String,
    /// Agent, or supervisor (also alerted when deadlines near).
    #[arg(long, value_enum, default_value = "agent")]
    role: RoleArg,
    /// The agent's team (routing rules name teams).
    #[arg(long)]
    team: String,
    /// Languages served, comma-separated: en, zh-HK, zh-CN, ar.
    #[arg(long, value_delimiter = ',', required = true)]
    languages: Vec<String>,
    /// Regions served, comma-separated ISO codes (HK, MO…).
    #[arg(long, value_delimiter = ',', required = true)]
    regions: Vec<String>,
    /// Skills, comma-separated (a-z, 0-9, -, _).
    #[arg(long, value_delimiter = ',')]
    skills: Vec<String>,
    /// The most sessions at once.
    #[arg(long, default_value_t = 3)]
    capacity: u32,
    /// How long the code is valid (like 30m, 24h, 7d).
    #[arg(long, default_value = "24h")]
    ttl: String,
    /// The organisation key's passphrase (first line of FILE), when it has one.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// A TOML file of these settings (keys as the options' names with `_`, like
    /// /etc/verity-desk/desk.toml); each option given here overrides the file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The desk's data directory (database, organisation key). Required, here or in the file.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// The address to listen on, like 0.0.0.0:8443 (plain HTTP only on loopback). Required,
    /// here or in the file.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// TLS certificate chain (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The organisation key's passphrase (first line of FILE), when it has one.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Log as JSON lines instead of text.
    #[arg(long)]
    log_json: bool,
    /// A reverse proxy's address range (like 10.0.0.0/8; repeatable): only when the TCP peer is
    /// inside it is the client address taken from its Forwarded / X-Forwarded-For header.
    #[arg(long, value_name = "CIDR")]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// Connections open at once (more wait) [default: 1024].
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// The URL devices use to reach the desk (https://desk.example.com): its origin is signed in
    /// every request and answer. Required unless listening on loopback, where it defaults to
    /// http://<listen address> (https:// with TLS).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// The drill time zone (working hours 09:00–18:00 and quarters), like +08:00 [default:
    /// +08:00].
    #[arg(long, value_name = "OFFSET")]
    drill_utc_offset: Option<String>,
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Create the organisation and its Ed25519 signing key.
    Init {
        #[command(flatten)]
        data: DataArg,
        /// The organisation's name, as employees will see it.
        #[arg(long)]
        name: String,
        /// Seal the key with this passphrase (first line of FILE); recommended.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Set the organisation's threat feed (its URL and TUF root.json), given to devices in signed
    /// answers; or remove it with --clear.
    Feed {
        #[command(flatten)]
        data: DataArg,
        /// The feed's URL (https://…).
        #[arg(
            long,
            value_name = "URL",
            required_unless_present = "clear",
            requires = "root"
        )]
        url: Option<String>,
        /// The feed's TUF root.json (at most 64 KiB).
        #[arg(long, value_name = "FILE", requires = "url")]
        root: Option<PathBuf>,
        /// Remove the feed configuration.
        #[arg(long, conflicts_with_all = ["url", "root"])]
        clear: bool,
    },
    /// Show the organisation and its key fingerprint (announce it to employees).
    Show {
        #[command(flatten)]
        data: DataArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct EnrollCodeArgs {
    #[command(flatten)]
    data: DataArg,
    /// The employee's id.
    #[arg(long, value_name = "ID")]
    employee: String,
    /// The employee's name.
    #[arg(long)]
    name: String,
    /// The employee's team (the console groups checklist completion by team).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// How long the code is valid (like 30m, 24h, 7d).
    #[arg(long, default_value = "24h")]
    ttl: String,
    /// The desk's public URL: also print a verity://enroll link.
    #[arg(long, value_name = "URL")]
    desk: Option<String>,
    /// The organisation key's passphrase (first line of FILE), when it has one: codes are
    /// stored as HMACs under a key derived from it.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum DevicesCommand {
    /// List enrolled devices.
    List {
        #[command(flatten)]
        data: DataArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device at once (its id, or a unique prefix of 8+ characters).
    Revoke {
        #[command(flatten)]
        data: DataArg,
        /// The device id.
        device: String,
        /// Why (kept with the device).
        #[arg(long, default_value = "revoked by an admin")]
        reason: String,
    },
    /// Forget a device's two-factor secret so that it can be set up again.
    ResetTotp {
        #[command(flatten)]
        data: DataArg,
        /// The device id.
        device: String,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Set the allowed regions (time zone check) and address ranges (source address check).
    Set {
        #[command(flatten)]
        data: DataArg,
        /// Region codes, comma-separated (HK,MO).
        #[arg(long, default_value = "")]
        regions: String,
        /// Address ranges, comma-separated (10.0.0.0/8,203.0.113.0/24).
        #[arg(long, default_value = "")]
        cidrs: String,
    },
    /// Show the policy.
    Show {
        #[command(flatten)]
        data: DataArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove the policy (the region check then passes with a warning).
    Clear {
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Store(#[from] verity_desk::store::StoreError),
    #[error(transparent)]
    Config(#[from] serve_config::ConfigError),
    #[error("the operation log does not verify: {0}")]
    Verify(#[from] verity_desk::oplog::VerifyFailure),
}

impl CliError {
    fn exit_status(&self) -> u8 {
        match self {
            CliError::Admin(
                AdminError::Usage(_)
                | AdminError::Policy(_)
                | AdminError::Agent(_)
                | AdminError::UnknownDatabase(_)
                | AdminError::AlreadyServing(_),
            )
            | CliError::Seal(_)
            | CliError::Config(_)
            | CliError::Serve(ServeError::PlainHttpNotLoopback(_) | ServeError::PublicUrl(_)) => 2,
            CliError::Verify(_) => 1,
            _ => 3,
        }
    }
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VERITY_DESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let filter = match verity_desk::postgres::DRIVER_LOG_DIRECTIVE.parse() {
        Ok(d) => filter.add_directive(d),
        Err(_) => filter,
    };
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if json {
        b.json().init();
    } else {
        b.init();
    }
}

fn passphrase(file: Option<&Path>) -> Result<Option<Zeroizing<Vec<u8>>>, CliError> {
    Ok(file.map(sealed::read_passphrase_file).transpose()?)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

fn serve(args: ServeArgs, database: Option<&str>) -> Result<(), CliError> {
    let file = match &args.config {
        Some(path) => serve_config::FileConfig::load(path)?,
        None => serve_config::FileConfig::default(),
    };
    let args = serve_config::merge(
        serve_config::CliValues {
            data: args.data,
            listen: args.listen,
            public_url: args.public_url,
            tls_cert: args.tls_cert,
            tls_key: args.tls_key,
            passphrase_file: args.passphrase_file,
            log_json: args.log_json,
            trusted_proxy: args.trusted_proxy,
            max_connections: args.max_connections,
            drill_utc_offset: args.drill_utc_offset,
            database: database.map(serve_config::DatabaseUrl::from),
        },
        file,
    )?;
    if let Some(url) = args.database.as_deref() {
        admin::check_database(url)?;
    }
    init_logs(args.log_json);
    let tls = args.tls.is_some();
    http::check_listen(args.listen, tls)?;
    http::public_origin(args.public_url.as_deref(), args.listen, tls)?;
    let listener = http::bind(args.listen, tls)?;
    let drill_utc_offset_secs =
        verity_desk::drill::schedule::parse_utc_offset(&args.drill_utc_offset)
            .map_err(|e| CliError::Admin(AdminError::Usage(format!("--drill-utc-offset {e}"))))?;
    let pass = passphrase(args.passphrase_file.as_deref())?;
    let desk = admin::open_desk(
        &admin::DeskLocation {
            data: &args.data,
            database: args.database.as_deref(),
        },
        pass.as_deref().map(Vec::as_slice),
        Arc::new(SystemClock),
        DeskConfig {
            drill_utc_offset_secs,
            ..DeskConfig::default()
        },
    )?;
    drop(pass);
    // One `serve` per embedded database, held until this process ends: a second one would
    // share its rows but not its hub, so sessions would stall (PostgreSQL for several desks).
    let _serving = match args.database {
        None => Some(admin::hold_serve_lock(&args.data)?),
        Some(_) => None,
    };
    let tls = match &args.tls {
        Some((c, k)) => Some(http::tls_config(c, k)?),
        None => None,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Output)?;
    let options = http::ServeOptions {
        public_url: args.public_url.clone(),
        trusted_proxies: args.trusted_proxy.clone(),
        max_connections: args.max_connections,
        ..http::ServeOptions::default()
    };
    rt.block_on(http::serve(
        Arc::new(desk),
        listener,
        tls,
        options,
        Arc::default(),
        shutdown_signal(),
    ))?;
    Ok(())
}

fn when(secs: u64) -> String {
    // Days since the epoch to a civil date (proleptic Gregorian), UTC.
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

fn run(cli: Cli, out: &mut dyn Write) -> Result<(), CliError> {
    let clock = SystemClock;
    if let Some(url) = cli.database.as_deref() {
        admin::check_database(url)?;
    }
    let db = cli.database.as_deref();
    match cli.command {
        Command::Serve(args) => serve(args, db)?,
        Command::Drill(command) => drill_cli::run(command, out, db)?,
        Command::Org(command) => org(command, out, &clock, db)?,
        Command::EnrollCode(a) => enroll_code(&a, out, &clock, db)?,
        Command::Devices(command) => devices(command, out, &clock, db)?,
        Command::Agent(command) => agent(command, out, &clock, db)?,
        Command::Reports(command) => reports_cli::run(command, out, db)?,
        Command::Admin(command) => admins(command, out, &clock, db)?,
        Command::Feed(command) => feed_cli::run(command, out, db)?,
        Command::Oplog(command) => oplog_cli::run(command, out, db)?,
        Command::Support(command) => support_cli::run(command, out, db)?,
        Command::Audit(command) => audit_cli::run(command, out, db)?,
        Command::Policy(PolicyCommand::Set {
            data,
            regions,
            cidrs,
        }) => {
            let p = admin::set_policy(&data.at(db), &regions, &cidrs, &clock)?;
            print_policy(out, Some(&p), false)?;
        }
        Command::Policy(PolicyCommand::Show { data, json }) => {
            let p = admin::show_policy(&data.at(db))?;
            print_policy(out, p.as_ref(), json)?;
        }
        Command::Policy(PolicyCommand::Clear { data }) => {
            admin::clear_policy(&data.at(db))?;
            writeln!(
                out,
                "Region policy removed: the region check passes with a warning."
            )?;
        }
    }
    Ok(())
}

/// `verity-desk admin …`.
fn admins(
    command: AdminCommand,
    out: &mut dyn Write,
    clock: &SystemClock,
    db: Option<&str>,
) -> Result<(), CliError> {
    use verity_desk::store::AdminRole;
    match command {
        AdminCommand::Add {
            data,
            name,
            role,
            passphrase_file,
        } => {
            let role = match role {
                ConsoleRoleArg::Admin => AdminRole::Admin,
                ConsoleRoleArg::Analyst => AdminRole::Analyst,
                ConsoleRoleArg::Auditor => AdminRole::Auditor,
            };
            let pass = passphrase(passphrase_file.as_deref())?;
            let (code, a) = admin::add_admin(
                &data.at(db),
                pass.as_deref().map(Vec::as_slice),
                &name,
                role,
                clock,
            )?;
            writeln!(out, "Account:  {} ({})", a.name, a.role.as_str())?;
            writeln!(
                out,
                "Give this one-time setup code to {} (valid until {}); they choose a passphrase \
                 and two-factor at /console/:",
                a.name,
                when(a.setup_expires_at.unwrap_or_default())
            )?;
            writeln!(out, "{}", code.as_str())?;
        }
        AdminCommand::List { data, json } => {
            let list = admin::list_admins(&data.at(db))?;
            if json {
                serde_json::to_writer(&mut *out, &list)?;
                writeln!(out)?;
            } else if list.is_empty() {
                writeln!(
                    out,
                    "No console accounts (add one with `verity-desk admin add`)."
                )?;
            } else {
                for a in list {
                    let state = match (a.disabled_at, a.is_set_up()) {
                        (Some(t), _) => format!("disabled {}", when(t)),
                        (None, true) => "active".into(),
                        (None, false) => "setup pending".into(),
                    };
                    writeln!(
                        out,
                        "{}  {}  {}  created {}",
                        a.name,
                        a.role.as_str(),
                        state,
                        when(a.created_at)
                    )?;
                }
            }
        }
        AdminCommand::Disable { data, name } => {
            if admin::disable_admin(&data.at(db), &name, clock)? {
                writeln!(out, "Disabled {name}; its sessions have ended.")?;
            } else {
                writeln!(out, "{name} was disabled already.")?;
            }
        }
        AdminCommand::Reset {
            data,
            name,
            passphrase_file,
        } => {
            let pass = passphrase(passphrase_file.as_deref())?;
            let code = admin::reset_admin(
                &data.at(db),
                pass.as_deref().map(Vec::as_slice),
                &name,
                clock,
            )?;
            writeln!(
                out,
                "Reset {name}: its passphrase, two-factor, passkeys and sessions are gone. \
                 New one-time setup code (valid 24 hours):"
            )?;
            writeln!(out, "{}", code.as_str())?;
        }
    }
    Ok(())
}

/// `verity-desk org …`.
fn org(
    command: OrgCommand,
    out: &mut dyn Write,
    clock: &SystemClock,
    db: Option<&str>,
) -> Result<(), CliError> {
    match command {
        OrgCommand::Init {
            data,
            name,
            passphrase_file,
        } => {
            let pass = passphrase(passphrase_file.as_deref())?;
            let org = admin::init_org(
                &data.at(db),
                &name,
                pass.as_deref().map(Vec::as_slice),
                KdfParams::DEFAULT,
                clock,
            )?;
            let (_, fp) = admin::org_show(&data.at(db))?;
            writeln!(out, "Organisation:     {}", org.name)?;
            writeln!(out, "Key fingerprint:  {fp}")?;
            if pass.is_none() {
                writeln!(
                    out,
                    "Warning: the key is not passphrase-protected; only file permissions guard it \
                 (use --passphrase-file to seal it)."
                )?;
            }
        }
        OrgCommand::Show { data, json } => {
            let (org, fp) = admin::org_show(&data.at(db))?;
            let feed = admin::show_org_feed(&data.at(db))?;
            if json {
                serde_json::to_writer(
                    &mut *out,
                    &serde_json::json!({
                        "name": org.name, "public_key": org.public_key, "fingerprint": fp,
                        "created_at": org.created_at,
                        "feed": feed.as_ref().map(|f| serde_json::json!({
                            "url": f.url, "root_sha256": verity_device::proto::sha256_hex(f.root_json.as_bytes()),
                            "updated_at": f.updated_at,
                        })),
                    }),
                )?;
                writeln!(out)?;
            } else {
                writeln!(out, "Organisation:     {}", org.name)?;
                writeln!(out, "Key fingerprint:  {fp}")?;
                if let Some(f) = &feed {
                    writeln!(out, "Threat feed:      {}", f.url)?;
                }
            }
        }
        OrgCommand::Feed {
            data,
            url,
            root,
            clear,
        } => match (clear, url, root) {
            (true, _, _) => {
                admin::clear_org_feed(&data.at(db))?;
                writeln!(out, "Threat feed removed: devices get none.")?;
            }
            (false, Some(url), Some(root)) => {
                let f = admin::set_org_feed(&data.at(db), &url, &root, clock)?;
                writeln!(out, "Threat feed:  {}", f.url)?;
                writeln!(
                    out,
                    "Root:         {} bytes, SHA-256 {}",
                    f.root_json.len(),
                    verity_device::proto::sha256_hex(f.root_json.as_bytes())
                )?;
            }
            _ => return Err(AdminError::Usage("give --url and --root, or --clear".into()).into()),
        },
    }
    Ok(())
}

/// `verity-desk enroll-code`.
fn enroll_code(
    a: &EnrollCodeArgs,
    out: &mut dyn Write,
    clock: &SystemClock,
    db: Option<&str>,
) -> Result<(), CliError> {
    let ttl = admin::parse_ttl(&a.ttl)?;
    let pass = passphrase(a.passphrase_file.as_deref())?;
    let (code, rec) = admin::create_team_enroll_code(
        &a.data.at(db),
        pass.as_deref().map(Vec::as_slice),
        (&a.employee, &a.name),
        a.team.as_deref(),
        ttl,
        clock,
    )?;
    drop(pass);
    writeln!(
        out,
        "Employee:  {} ({})",
        rec.employee_name, rec.employee_id
    )?;
    writeln!(out, "Expires:   {}", when(rec.expires_at))?;
    if let Some(desk) = &a.desk {
        let (_, fp) = admin::org_show(&a.data.at(db))?;
        writeln!(out, "Link:      {}", verity_device_link(desk, &code, &fp))?;
    }
    writeln!(out, "{}", code.as_str())?;
    Ok(())
}

/// `verity-desk devices …`.
fn devices(
    command: DevicesCommand,
    out: &mut dyn Write,
    clock: &SystemClock,
    db: Option<&str>,
) -> Result<(), CliError> {
    match command {
        DevicesCommand::List { data, json } => {
            let devices = admin::list_devices(&data.at(db))?;
            if json {
                serde_json::to_writer(&mut *out, &devices)?;
                writeln!(out)?;
            } else if devices.is_empty() {
                writeln!(out, "No devices enrolled.")?;
            } else {
                for d in devices {
                    let state = match d.revoked_at {
                        Some(t) => format!("revoked {}", when(t)),
                        None => "active".into(),
                    };
                    writeln!(
                        out,
                        "{}  {}  {} ({})  {}  {}  2FA {}",
                        &d.device_id[..16],
                        state,
                        d.employee_name,
                        d.employee_id,
                        d.hostname,
                        when(d.enrolled_at),
                        if d.totp_confirmed { "on" } else { "off" }
                    )?;
                }
            }
        }
        DevicesCommand::Revoke {
            data,
            device,
            reason,
        } => {
            let (d, changed) = admin::revoke_device(&data.at(db), &device, &reason, clock)?;
            if changed {
                writeln!(out, "Revoked {} ({})", d.device_id, d.employee_id)?;
            } else {
                writeln!(out, "{} was already revoked", d.device_id)?;
            }
        }
        DevicesCommand::ResetTotp { data, device } => {
            let (d, changed) = admin::reset_totp(&data.at(db), &device)?;
            if changed {
                writeln!(
                    out,
                    "Two-factor reset for {}: it can be set up again",
                    d.device_id
                )?;
            } else {
                writeln!(out, "{} had no two-factor secret", d.device_id)?;
            }
        }
    }
    Ok(())
}

/// `verity-desk agent …`.
fn agent(
    command: AgentCommand,
    out: &mut dyn Write,
    clock: &SystemClock,
    db: Option<&str>,
) -> Result<(), CliError> {
    match command {
        AgentCommand::Add(a) => {
            let ttl = admin::parse_ttl(&a.ttl)?;
            let profile = AgentProfile {
                name: a.name.trim().to_owned(),
                role: match a.role {
                    RoleArg::Agent => AgentRole::Agent,
                    RoleArg::Supervisor => AgentRole::Supervisor,
                },
                team: a.team.trim().to_owned(),
                languages: trimmed(a.languages),
                regions: trimmed(a.regions)
                    .into_iter()
                    .map(|r| r.to_ascii_uppercase())
                    .collect(),
                skills: trimmed(a.skills),
                capacity: a.capacity,
            };
            let pass = passphrase(a.passphrase_file.as_deref())?;
            let (code, rec) = admin::create_agent_code(
                &a.data.at(db),
                pass.as_deref().map(Vec::as_slice),
                &profile,
                ttl,
                clock,
            )?;
            drop(pass);
            print_agent(out, &profile)?;
            writeln!(out, "Expires:   {}", when(rec.expires_at))?;
            writeln!(out, "{}", code.as_str())?;
        }
        AgentCommand::List { data, json } => {
            let agents = admin::list_agents(&data.at(db))?;
            if json {
                serde_json::to_writer(&mut *out, &agents)?;
                writeln!(out)?;
            } else if agents.is_empty() {
                writeln!(out, "No agents enrolled.")?;
            }
            for a in agents.iter().filter(|_| !json) {
                let state = match a.revoked_at {
                    Some(t) => format!("revoked {}", when(t)),
                    None => "active".into(),
                };
                let p = &a.profile;
                writeln!(
                    out,
                    "{}  {}  {} ({}, {})  {}  {}  capacity {}",
                    &a.agent_id[..16],
                    state,
                    p.name,
                    p.role.as_str(),
                    p.team,
                    p.languages.join(","),
                    p.regions.join(","),
                    p.capacity
                )?;
            }
        }
        AgentCommand::Revoke {
            data,
            agent,
            reason,
        } => {
            let (a, changed) = admin::revoke_agent(&data.at(db), &agent, &reason, clock)?;
            if changed {
                writeln!(out, "Revoked agent {} ({})", a.agent_id, a.profile.name)?;
            } else {
                writeln!(out, "Agent {} was already revoked", a.agent_id)?;
            }
        }
    }
    Ok(())
}

/// The non-empty items of a comma-separated list, trimmed.
fn trimmed(list: Vec<String>) -> Vec<String> {
    list.into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn print_agent(out: &mut dyn Write, p: &AgentProfile) -> Result<(), CliError> {
    writeln!(
        out,
        "Agent:     {} ({}, {})",
        p.name,
        p.role.as_str(),
        p.team
    )?;
    writeln!(out, "Languages: {}", p.languages.join(", "))?;
    writeln!(out, "Regions:   {}", p.regions.join(", "))?;
    if !p.skills.is_empty() {
        writeln!(out, "Skills:    {}", p.skills.join(", "))?;
    }
    writeln!(out, "Capacity:  {} sessions at once", p.capacity)?;
    Ok(())
}

fn verity_device_link(desk: &str, code: &str, fingerprint: &str) -> String {
    verity_device::link::enroll_link(desk, code, Some(fingerprint))
}

fn print_policy(
    out: &mut dyn Write,
    p: Option<&verity_desk::policy::Policy>,
    json: bool,
) -> Result<(), CliError> {
    if json {
        serde_json::to_writer(&mut *out, &p)?;
        writeln!(out)?;
        return Ok(());
    }
    match p {
        None => writeln!(
            out,
            "No region policy: the region check passes with a warning."
        )?,
        Some(p) => {
            let list = |v: Vec<String>| {
                if v.is_empty() {
                    "(any)".to_owned()
                } else {
                    v.join(", ")
                }
            };
            writeln!(out, "Regions:  {}", list(p.regions.clone()))?;
            writeln!(
                out,
                "Ranges:   {}",
                list(p.cidrs.iter().map(ToString::to_string).collect())
            )?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let rendered = e.render().to_string();
            let first = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ")
                .to_owned();
            eprintln!(
                "verity-desk: error: {} (see verity-desk --help)",
                first.trim()
            );
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    let result = run(cli, &mut out);
    let _ = out.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let msg = e
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            eprintln!("verity-desk: error: {msg}");
            ExitCode::from(e.exit_status())
        }
    }
}
