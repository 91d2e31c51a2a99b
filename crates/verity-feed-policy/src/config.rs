//! The feed's configuration as users and administrators give it: the feed URL, an optional
//! proxy, the trusted root metadata, and the administrator's provisioning file. Pure parsers of
//! outside data: each caps its input and rejects garbage with a specific message. The signed
//! metadata itself is verified by `verity-feed` at sync time; here a root is only recognised.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use verity_core::code_enum;

/// The longest URL accepted.
pub const MAX_URL_LEN: usize = 2048;
/// The largest trusted root accepted. A real root (four roles, a handful of keys) is 2 to 8
/// KiB; 64 KiB leaves room for many keys and signatures and nothing else.
pub const MAX_ROOT_BYTES: usize = 64 * 1024;
/// The largest provisioning file accepted (it may embed a root).
pub const MAX_PROVISIONING_BYTES: usize = MAX_ROOT_BYTES + 64 * 1024;

/// A rejected feed setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedConfigError {
    /// The feed URL is unusable.
    #[error("feed URL {0}")]
    Url(String),
    /// The proxy URL is unusable.
    #[error("proxy URL {0}")]
    Proxy(String),
    /// The trusted root is not root metadata.
    #[error("trusted root: {0}")]
    Root(String),
    /// The provisioning file is malformed.
    #[error("provisioning file: {0}")]
    Provisioning(String),
}

fn check_url(s: &str, schemes: &[&str]) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.len() > MAX_URL_LEN {
        return Err(format!("is longer than {MAX_URL_LEN} characters"));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains spaces or control characters".into());
    }
    let (scheme, rest) = s
        .split_once("://")
        .ok_or_else(|| format!("{s:?} has no scheme (use {})", schemes.join(", ")))?;
    let scheme_lc = scheme.to_ascii_lowercase();
    if !schemes.contains(&scheme_lc.as_str()) {
        return Err(format!("{s:?} uses {scheme}: (use {})", schemes.join(", ")));
    }
    let host = rest.split('/').next().unwrap_or_default();
    if scheme_lc != "file" && host.is_empty() {
        return Err(format!("{s:?} has no host"));
    }
    if host.contains('@') {
        return Err(format!("{s:?} must not carry a user name or password"));
    }
    Ok(s.to_owned())
}

/// Whether a URL's host (as written between `://` and the path) is this computer: `localhost`, or
/// a loopback address (`127.x.x.x`, `[::1]`), with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') {
            h
        } else {
            host
        }
    });
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A feed URL as entered: `https://`, `http://` only to this computer (a trial server on
/// loopback), or `file://`; no query or fragment.
///
/// # Errors
/// [`FeedConfigError::Url`] saying why.
pub fn parse_feed_url(s: &str) -> Result<String, FeedConfigError> {
    let url = check_url(s, &["https", "http", "file"]).map_err(FeedConfigError::Url)?;
    if let Some(rest) = url
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("http://"))
        .map(|_| &url[7..])
    {
        let host = rest.split('/').next().unwrap_or_default();
        if !is_loopback_host(host) {
            return Err(FeedConfigError::Url(format!(
                "{url:?} uses plain HTTP: use https (http only for a server on this computer)"
            )));
        }
    }
    if url.contains('?') || url.contains('#') {
        return Err(FeedConfigError::Url(format!(
            "{url:?} must not have a query or fragment"
        )));
    }
    Ok(url)
}

/// A proxy URL as entered (`http://proxy:8080`, `https://…`, `socks5://…`); empty means none.
///
/// # Errors
/// [`FeedConfigError::Proxy`] saying why.
pub fn parse_proxy(s: &str) -> Result<Option<String>, FeedConfigError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    check_url(s, &["http", "https", "socks5", "socks5h"])
        .map(Some)
        .map_err(FeedConfigError::Proxy)
}

/// What a trusted root says about itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RootInfo {
    /// The root's version (it rises when the publisher rotates keys).
    pub version: u32,
    /// SHA-256 of the file, hex, in groups of four for reading aloud.
    pub fingerprint: String,
}

#[derive(Deserialize)]
struct RootFile {
    signed: RootSigned,
    signatures: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RootSigned {
    #[serde(rename = "_type")]
    kind: String,
    version: u64,
    keys: serde_json::Map<String, serde_json::Value>,
    roles: serde_json::Map<String, serde_json::Value>,
}

/// Recognises TUF root metadata (the feed's `root.json`): its shape, not its signatures.
///
/// # Errors
/// [`FeedConfigError::Root`] when it is too large, not JSON, or not root metadata.
pub fn parse_root(bytes: &[u8]) -> Result<RootInfo, FeedConfigError> {
    let bad = |m: &str| FeedConfigError::Root(m.to_owned());
    if bytes.len() > MAX_ROOT_BYTES {
        return Err(bad(&format!(
            "larger than {} KiB: not root metadata",
            MAX_ROOT_BYTES / 1024
        )));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(bad("empty"));
    }
    let root: RootFile =
        serde_json::from_slice(bytes).map_err(|e| bad(&format!("not TUF root metadata ({e})")))?;
    if root.signed.kind != "root" {
        return Err(bad(&format!(
            "this is {} metadata, not root metadata",
            root.signed.kind
        )));
    }
    if root.signed.keys.is_empty() || root.signed.roles.is_empty() || root.signatures.is_empty() {
        return Err(bad("it names no keys, roles or signatures"));
    }
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let fingerprint = hex
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(RootInfo {
        version: u32::try_from(root.signed.version).unwrap_or(u32::MAX),
        fingerprint,
    })
}

code_enum! {
    /// Who put a feed's trusted root in force. Only the organisation's roots (the
    /// administrator's provisioning file, or the configuration the organisation's desk signed)
    /// may bring an official-channel directory, and a root they pinned can only be replaced by
    /// them; a root entered by hand (a trial without a desk) only adds blocklist entries.
    pub enum TrustAnchor {
        /// The administrator's provisioning file.
        Provisioned => "provisioned",
        /// The organisation's configuration, signed by the organisation key the user confirmed
        /// at enrolment and handed over by its desk.
        Organisation => "organisation",
        /// Entered by hand in Settings (or `verityctl sync --root`), after a confirmation.
        Manual => "manual",
    }
}

impl TrustAnchor {
    /// Whether the organisation chose this root (it may then name official channels).
    #[must_use]
    pub fn is_organisation(self) -> bool {
        matches!(self, TrustAnchor::Provisioned | TrustAnchor::Organisation)
    }
}

/// Where a provisioned root comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootSource {
    /// Embedded in the provisioning file (the root metadata's JSON).
    Inline(Vec<u8>),
    /// A file path, relative to the provisioning file's directory unless absolute.
    Path(String),
}

/// An administrator's provisioning file: the feed URL and trusted root (and proxy) that win
/// over user settings, which the UI then shows locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioning {
    /// The feed URL.
    pub url: String,
    /// The trusted root.
    pub root: RootSource,
    /// A proxy URL, if the administrator sets one.
    pub proxy: Option<String>,
    /// Remote-access tools the organisation uses itself (ids of the tripwire's tool table, such
    /// as `teamviewer`): the remote-access tripwire stays quiet for them.
    pub remote_tools_in_use: Vec<String>,
    /// The administrator locks the remote-access tripwire on: Settings cannot turn it off (a
    /// caller cannot talk the user into it). The code guard stays the user's choice (it reads
    /// the clipboard).
    pub lock_tripwires: bool,
}

/// Most tools a provisioning file may declare in use.
pub const MAX_TOOLS_IN_USE: usize = 64;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvisioningFile {
    url: String,
    root: serde_json::Value,
    #[serde(default)]
    proxy: Option<String>,
    #[serde(default)]
    remote_tools_in_use: Vec<String>,
    #[serde(default)]
    lock_tripwires: bool,
}

/// Checks the tool ids a provisioning file declares in use: at most [`MAX_TOOLS_IN_USE`], each 1
/// to 64 characters of `a-z`, `0-9` and `-` (the tool table's ids), none twice.
fn parse_tools_in_use(ids: Vec<String>) -> Result<Vec<String>, String> {
    if ids.len() > MAX_TOOLS_IN_USE {
        return Err(format!(
            "remote_tools_in_use: at most {MAX_TOOLS_IN_USE} tools"
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let ok = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(format!(
                "remote_tools_in_use: {id:?} is not a tool id (a-z, 0-9 and -, such as \"teamviewer\")"
            ));
        }
        if out.contains(&id) {
            return Err(format!("remote_tools_in_use: {id:?} is given twice"));
        }
        out.push(id);
    }
    Ok(out)
}

/// Parses a provisioning file:
///
/// ```json
/// { "url": "https://feed.example.com/verity/", "root": "root.json", "proxy": "http://proxy:8080",
///   "remote_tools_in_use": ["teamviewer"], "lock_tripwires": true }
/// ```
///
/// `root` is a path (relative to the file) or the root metadata object itself; `proxy`,
/// `remote_tools_in_use` (tool ids the remote-access tripwire stays quiet for) and
/// `lock_tripwires` (Settings cannot turn the remote-access tripwire off) are optional.
///
/// # Errors
/// [`FeedConfigError::Provisioning`] naming the field at fault.
pub fn parse_provisioning(bytes: &[u8]) -> Result<Provisioning, FeedConfigError> {
    let bad = |m: String| FeedConfigError::Provisioning(m);
    if bytes.len() > MAX_PROVISIONING_BYTES {
        return Err(bad(format!(
            "larger than {} KiB",
            MAX_PROVISIONING_BYTES / 1024
        )));
    }
    let file: ProvisioningFile =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("not valid ({e})")))?;
    let url = parse_feed_url(&file.url).map_err(|e| bad(e.to_string()))?;
    let proxy = match file.proxy {
        Some(p) => parse_proxy(&p).map_err(|e| bad(e.to_string()))?,
        None => None,
    };
    let root = match file.root {
        serde_json::Value::String(p) if !p.trim().is_empty() => RootSource::Path(p.trim().into()),
        v @ serde_json::Value::Object(_) => {
            let bytes = serde_json::to_vec(&v).map_err(|e| bad(format!("root: {e}")))?;
            parse_root(&bytes).map_err(|e| bad(e.to_string()))?;
            RootSource::Inline(bytes)
        }
        _ => {
            return Err(bad(
                "root must be a path to root.json or the root metadata object".into(),
            ))
        }
    };
    let remote_tools_in_use = parse_tools_in_use(file.remote_tools_in_use).map_err(bad)?;
    Ok(Provisioning {
        url,
        root,
        proxy,
        remote_tools_in_use,
        lock_tripwires: file.lock_tripwires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = r#"{"signed":{"_type":"root","spec_version":"1.0.0","version":2,"expires":"2030-01-01T00:00:00Z","keys":{"ab":{}},"roles":{"root":{}},"consistent_snapshot":true},"signatures":[{"keyid":"ab","sig":"00"}]}"#;

    #[test]
    fn feed_urls() {
        assert_eq!(
            parse_feed_url(" https://feed.example.com/verity/ ").unwrap(),
            "https://feed.example.com/verity/"
        );
        assert!(parse_feed_url("file:///srv/feed").is_ok());
        // Plain HTTP only to this computer (a trial server).
        for ok in [
            "http://127.0.0.1:8787/",
            "http://localhost/feed/",
            "http://[::1]:9000/",
            "HTTP://127.0.0.2/",
        ] {
            assert!(parse_feed_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://feed.example.com/verity/",
            "http://10.0.0.5:8787/",
            "http://127.0.0.1.evil.example/",
            "http://localhost.evil.example/",
            "",
            "feed.example.com",
            "ftp://x/",
            "https://",
            "https://a b/",
            "https://x/?q=1",
            "https://user:pw@x/",
        ] {
            assert!(parse_feed_url(bad).is_err(), "{bad}");
        }
        assert!(parse_feed_url(&format!("https://x/{}", "a".repeat(3000))).is_err());
    }

    #[test]
    fn proxies() {
        assert_eq!(parse_proxy("  ").unwrap(), None);
        assert_eq!(
            parse_proxy("http://proxy.corp:8080").unwrap().as_deref(),
            Some("http://proxy.corp:8080")
        );
        assert!(parse_proxy("proxy.corp:8080").is_err());
        assert!(parse_proxy("file:///x").is_err());
    }

    #[test]
    fn roots() {
        let info = parse_root(ROOT.as_bytes()).unwrap();
        assert_eq!(info.version, 2);
        assert_eq!(info.fingerprint.len(), 64 + 15);
        assert!(parse_root(b"").is_err());
        assert!(parse_root(b"{}").is_err());
        let targets = ROOT.replace("\"root\",\"spec", "\"targets\",\"spec");
        let err = parse_root(targets.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("targets"), "{err}");
        assert!(parse_root(&vec![b' '; MAX_ROOT_BYTES + 1]).is_err());
    }

    #[test]
    fn provisioning_declares_tools_in_use_and_locks_tripwires() {
        let p = parse_provisioning(
            br#"{"url":"https://f.example/","root":"r.json","remote_tools_in_use":["teamviewer","quick-assist"],"lock_tripwires":true}"#,
        )
        .unwrap();
        assert_eq!(p.remote_tools_in_use, ["teamviewer", "quick-assist"]);
        assert!(p.lock_tripwires);
        let many: Vec<String> = (0..=MAX_TOOLS_IN_USE)
            .map(|i| format!("\"t{i}\""))
            .collect();
        let json = format!(
            r#"{{"url":"https://f.example/","root":"r.json","remote_tools_in_use":[{}]}}"#,
            many.join(",")
        );
        let e = parse_provisioning(json.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("at most 64"), "{e}");
    }

    #[test]
    fn provisioning_files() {
        let p =
            parse_provisioning(br#"{"url":"https://f.example/feed/","root":"root.json"}"#).unwrap();
        assert_eq!(p.root, RootSource::Path("root.json".into()));
        assert_eq!(p.proxy, None);
        assert!(p.remote_tools_in_use.is_empty());
        assert!(!p.lock_tripwires);
        let inline =
            format!(r#"{{"url":"https://f.example/","root":{ROOT},"proxy":"http://p:3128"}}"#);
        let p = parse_provisioning(inline.as_bytes()).unwrap();
        assert!(matches!(p.root, RootSource::Inline(_)));
        assert_eq!(p.proxy.as_deref(), Some("http://p:3128"));
        for bad in [
            &br#"{"url":"https://f.example/"}"#[..],
            br#"{"url":"nope","root":"r.json"}"#,
            br#"{"url":"https://f.example/","root":7}"#,
            br#"{"url":"https://f.example/","root":"r.json","extra":1}"#,
            br#"not json"#,
            br#"{"url":"https://f.example/","root":"r.json","remote_tools_in_use":["TeamViewer"]}"#,
            br#"{"url":"https://f.example/","root":"r.json","remote_tools_in_use":["a","a"]}"#,
            br#"{"url":"https://f.example/","root":"r.json","remote_tools_in_use":[""]}"#,
            br#"{"url":"https://f.example/","root":"r.json","remote_tools_in_use":"teamviewer"}"#,
            br#"{"url":"https://f.example/","root":"r.json","lock_tripwires":"yes"}"#,
        ] {
            assert!(
                parse_provisioning(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
