//! `verity-desk serve --config FILE`: the service's settings in a TOML file (the Debian package
//! ships `/etc/verity-desk/desk.toml`), each overridden by its command-line option.
//!
//! The keys are the options' names with `_` for `-` (`data`, `listen`, `public_url`, `tls_cert`,
//! `tls_key`, `passphrase_file`, `log_json`, `trusted_proxy`, `max_connections`,
//! `drill_utc_offset`, and `database`, the global `--database` / `VERITY_DESK_DATABASE`). An unknown key is an error, so that a misspelt setting is not ignored.
//! Relative paths in the file are taken from the file's own directory.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The largest configuration file read (it holds a dozen settings).
const MAX_CONFIG_BYTES: u64 = 64 * 1024;

/// The default for `max_connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The default for `drill_utc_offset`.
pub const DEFAULT_DRILL_UTC_OFFSET: &str = "+08:00";

/// A database URL (`postgres://user:password@host/name`): its `Debug` masks the password, so
/// that settings printed for a diagnosis never carry it; it derefs to the whole URL (for
/// connecting, never for logs).
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl std::ops::Deref for DatabaseUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> DatabaseUrl {
        DatabaseUrl(url)
    }
}

impl From<&str> for DatabaseUrl {
    fn from(url: &str) -> DatabaseUrl {
        DatabaseUrl(url.to_owned())
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&verity_desk::postgres::mask_url(&self.0))
    }
}

/// What a configuration file may set; every key is optional.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub passphrase_file: Option<PathBuf>,
    pub log_json: Option<bool>,
    pub trusted_proxy: Option<Vec<ipnet::IpNet>>,
    pub max_connections: Option<usize>,
    pub drill_utc_offset: Option<String>,
    /// `postgres://…` (better given through `VERITY_DESK_DATABASE`, which keeps a password out
    /// of a file others may read).
    pub database: Option<DatabaseUrl>,
}

/// A configuration file that cannot be used (exit status 2, like a usage error).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is larger than {MAX_CONFIG_BYTES} bytes")]
    TooLarge { path: PathBuf },
    #[error("the configuration file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("no {0}: give --{1} or set {0} in the configuration file")]
    Missing(&'static str, &'static str),
    #[error(
        "--tls-cert and --tls-key go together (on the command line or in the configuration file)"
    )]
    TlsPair,
}

impl FileConfig {
    /// Reads and parses `path`; relative paths inside are resolved against its directory.
    pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
        use std::io::Read;
        let read_err = |source| ConfigError::Read {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read_err)?;
        let mut text = String::new();
        file.take(MAX_CONFIG_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(read_err)?;
        if text.len() as u64 > MAX_CONFIG_BYTES {
            return Err(ConfigError::TooLarge {
                path: path.to_owned(),
            });
        }
        let mut config = FileConfig::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.to_owned(),
            message,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [
            &mut config.data,
            &mut config.tls_cert,
            &mut config.tls_key,
            &mut config.passphrase_file,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    /// Parses the TOML text (the error is one line).
    pub fn parse(text: &str) -> Result<FileConfig, String> {
        toml::from_str(text).map_err(|e| {
            e.to_string()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
    }
}

/// The command line's values (`None`, empty or false when not given).
#[derive(Debug, Default)]
pub struct CliValues {
    pub data: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub passphrase_file: Option<PathBuf>,
    pub log_json: bool,
    pub trusted_proxy: Vec<ipnet::IpNet>,
    pub max_connections: Option<usize>,
    pub drill_utc_offset: Option<String>,
    pub database: Option<DatabaseUrl>,
}

/// The settings `serve` runs with.
#[derive(Debug, PartialEq)]
pub struct Settings {
    pub data: PathBuf,
    pub listen: SocketAddr,
    pub public_url: Option<String>,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub passphrase_file: Option<PathBuf>,
    pub log_json: bool,
    pub trusted_proxy: Vec<ipnet::IpNet>,
    pub max_connections: usize,
    pub drill_utc_offset: String,
    /// `None` for the embedded SQLite database in `data`.
    pub database: Option<DatabaseUrl>,
}

/// The command line over the file over the defaults. The TLS pair is taken whole from one
/// place: a certificate on the command line never meets a key from the file.
pub fn merge(cli: CliValues, file: FileConfig) -> Result<Settings, ConfigError> {
    let tls = match (cli.tls_cert, cli.tls_key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => match (file.tls_cert, file.tls_key) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => return Err(ConfigError::TlsPair),
        },
        _ => return Err(ConfigError::TlsPair),
    };
    Ok(Settings {
        data: cli
            .data
            .or(file.data)
            .ok_or(ConfigError::Missing("data", "data"))?,
        listen: cli
            .listen
            .or(file.listen)
            .ok_or(ConfigError::Missing("listen", "listen"))?,
        public_url: cli.public_url.or(file.public_url),
        tls,
        passphrase_file: cli.passphrase_file.or(file.passphrase_file),
        log_json: cli.log_json || file.log_json.unwrap_or(false),
        trusted_proxy: if cli.trusted_proxy.is_empty() {
            file.trusted_proxy.unwrap_or_default()
        } else {
            cli.trusted_proxy
        },
        max_connections: cli
            .max_connections
            .or(file.max_connections)
            .unwrap_or(DEFAULT_MAX_CONNECTIONS),
        drill_utc_offset: cli
            .drill_utc_offset
            .or(file.drill_utc_offset)
            .unwrap_or_else(|| DEFAULT_DRILL_UTC_OFFSET.to_owned()),
        database: cli.database.or(file.database),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const FULL: &str = r#"
        data = "/var/lib/verity-desk"
        listen = "127.0.0.1:8480"
        public_url = "https://desk.example.com"
        tls_cert = "cert.pem"
        tls_key = "/etc/verity-desk/key.pem"
        passphrase_file = "pass"
        log_json = true
        trusted_proxy = ["10.0.0.0/8", "192.0.2.1/32"]
        max_connections = 50
        drill_utc_offset = "+04:00"
        database = "postgres://desk@db.example.com/verity"
    "#;

    #[test]
    fn the_file_fills_in_what_the_command_line_leaves_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.toml");
        std::fs::write(&path, FULL).unwrap();
        let file = FileConfig::load(&path).unwrap();
        let s = merge(CliValues::default(), file).unwrap();
        // An absolute path is kept (joining onto the file's directory keeps it: on Windows, where
        // `/var/…` has no drive, it takes the file's drive, as Windows itself resolves it).
        let resolved = |p: &str| dir.path().join(p);
        assert_eq!(s.data, resolved("/var/lib/verity-desk"));
        assert_eq!(s.listen, "127.0.0.1:8480".parse().unwrap());
        assert_eq!(s.public_url.as_deref(), Some("https://desk.example.com"));
        // Relative paths are the file's directory's.
        assert_eq!(
            s.tls,
            Some((
                dir.path().join("cert.pem"),
                resolved("/etc/verity-desk/key.pem")
            ))
        );
        assert_eq!(s.passphrase_file, Some(dir.path().join("pass")));
        assert!(s.log_json);
        assert_eq!(s.trusted_proxy.len(), 2);
        assert_eq!(s.max_connections, 50);
        assert_eq!(s.drill_utc_offset, "+04:00");
        assert_eq!(
            s.database.as_deref(),
            Some("postgres://desk@db.example.com/verity")
        );
    }

    #[test]
    fn the_command_line_overrides_the_file() {
        let file = FileConfig::parse(FULL).unwrap();
        let cli = CliValues {
            data: Some("/srv/desk".into()),
            listen: Some("127.0.0.1:9000".parse().unwrap()),
            public_url: Some("https://other.example.com".into()),
            tls_cert: Some("/c.pem".into()),
            tls_key: Some("/k.pem".into()),
            passphrase_file: Some("/p".into()),
            log_json: false,
            trusted_proxy: vec!["172.16.0.0/12".parse().unwrap()],
            max_connections: Some(7),
            drill_utc_offset: Some("+00:00".into()),
            database: Some("postgresql://other/verity".into()),
        };
        let s = merge(cli, file).unwrap();
        assert_eq!(s.data, PathBuf::from("/srv/desk"));
        assert_eq!(s.listen, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(s.public_url.as_deref(), Some("https://other.example.com"));
        assert_eq!(s.tls, Some(("/c.pem".into(), "/k.pem".into())));
        assert_eq!(s.passphrase_file, Some(PathBuf::from("/p")));
        // A flag cannot be turned off from the command line: the file's `true` stays.
        assert!(s.log_json);
        assert_eq!(s.trusted_proxy, vec!["172.16.0.0/12".parse().unwrap()]);
        assert_eq!(s.max_connections, 7);
        assert_eq!(s.drill_utc_offset, "+00:00");
        assert_eq!(s.database.as_deref(), Some("postgresql://other/verity"));
    }

    #[test]
    fn settings_printed_for_a_diagnosis_never_show_the_database_password() {
        let file = FileConfig::parse(
            "database = \"postgres://desk:s3cret-pw@db.example.com/verity?password=other-pw\"",
        )
        .unwrap();
        let cli = CliValues {
            data: Some("/d".into()),
            listen: Some("127.0.0.1:1".parse().unwrap()),
            ..CliValues::default()
        };
        let shown = format!("{file:?} {cli:?}");
        assert!(
            !shown.contains("s3cret-pw") && !shown.contains("other-pw"),
            "{shown}"
        );
        let s = merge(cli, file).unwrap();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("s3cret-pw") && !shown.contains("other-pw"),
            "{shown}"
        );
        assert!(shown.contains("db.example.com"), "{shown}");
        // The store still connects with the whole URL.
        assert!(s.database.as_deref().unwrap().contains("s3cret-pw"));
        // Not a URL: nothing of it shown.
        let odd = DatabaseUrl::from("host=db password=s3cret-pw");
        assert!(!format!("{odd:?}").contains("s3cret-pw"));
    }

    #[test]
    fn defaults_and_missing_settings() {
        let s = merge(
            CliValues {
                data: Some("/d".into()),
                listen: Some("127.0.0.1:1".parse().unwrap()),
                ..CliValues::default()
            },
            FileConfig::default(),
        )
        .unwrap();
        assert_eq!(s.max_connections, DEFAULT_MAX_CONNECTIONS);
        assert_eq!(s.drill_utc_offset, DEFAULT_DRILL_UTC_OFFSET);
        assert!(!s.log_json && s.tls.is_none() && s.trusted_proxy.is_empty());
        assert!(s.database.is_none(), "SQLite by default");

        let e = merge(CliValues::default(), FileConfig::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no data: give --data or set data in the configuration file"
        );
        let e = merge(
            CliValues {
                data: Some("/d".into()),
                ..CliValues::default()
            },
            FileConfig::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("--listen"), "{e}");
    }

    #[test]
    fn the_tls_pair_comes_whole_from_one_place() {
        let file = FileConfig::parse("tls_cert = \"/c\"\ntls_key = \"/k\"").unwrap();
        let cli = CliValues {
            data: Some("/d".into()),
            listen: Some("127.0.0.1:1".parse().unwrap()),
            tls_cert: Some("/other".into()),
            ..CliValues::default()
        };
        assert!(matches!(merge(cli, file), Err(ConfigError::TlsPair)));
        let file = FileConfig::parse("tls_cert = \"/c\"").unwrap();
        let cli = CliValues {
            data: Some("/d".into()),
            listen: Some("127.0.0.1:1".parse().unwrap()),
            ..CliValues::default()
        };
        assert!(matches!(merge(cli, file), Err(ConfigError::TlsPair)));
    }

    #[test]
    fn unknown_keys_wrong_types_and_unreadable_files_are_refused() {
        let e = FileConfig::parse("listn = \"127.0.0.1:1\"").unwrap_err();
        assert!(e.contains("listn"), "{e}");
        assert!(!e.contains('\n'));
        assert!(FileConfig::parse("max_connections = \"many\"").is_err());
        assert!(FileConfig::parse("listen = \"not an address\"").is_err());
        assert!(FileConfig::parse("trusted_proxy = [\"10.0.0.0/33\"]").is_err());
        assert_eq!(FileConfig::parse("").unwrap(), FileConfig::default());

        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        assert!(matches!(
            FileConfig::load(&missing),
            Err(ConfigError::Read { .. })
        ));
        let big = dir.path().join("big.toml");
        std::fs::write(&big, "#".repeat(70_000)).unwrap();
        assert!(matches!(
            FileConfig::load(&big),
            Err(ConfigError::TooLarge { .. })
        ));
    }
}
