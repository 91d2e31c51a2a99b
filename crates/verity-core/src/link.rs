//! Links: canonicalisation as Google Safe Browsing (Update API v4, "URLs and hashing") specifies,
//! and the host-suffix × path-prefix lookup expressions.
//!
//! The steps, in order: drop tab/CR/LF, trim, drop the fragment, add `http://` when there is no
//! scheme; split scheme, authority, path and query on the raw text; then for each part
//! percent-unescape repeatedly until stable. Host: strip leading and trailing dots, collapse
//! runs of dots, IDNA to punycode, read integer/octal/hex/short IPv4 forms as dotted decimal,
//! lower-case. Path: resolve `/./` and `/../`, collapse `//`. Finally percent-escape every byte
//! `<= 0x20`, `>= 0x7f`, `#` and `%`, with upper-case hex. The port and any user-info are dropped.
//!
//! Where the specification is silent, and to keep `canonicalize` idempotent:
//! - the parts are split *before* unescaping, so `%2F`/`%3F` cannot move text between host, path
//!   and query; a `?` or `\` that unescaping produces inside the path is escaped back
//!   (`%3F`, `%5C`);
//! - a host that unescapes to `/ ? @ : \ [ ]` is refused, like browsers do;
//! - `\` before the query is read as `/`, as browsers do, so `http://evil.xyz\@dingtalk.com`
//!   is seen on the host the browser would visit;
//! - only `http` and `https` are links; `mailto:`, `tel:`, `javascript:` and app schemes are
//!   refused;
//! - input is `&str`, so a raw byte such as `\x80` arrives as UTF-8 (`%C2%80` once escaped).

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The longest input read, in bytes. Real links are far shorter; this bounds the work.
pub const MAX_URL_BYTES: usize = 8 * 1024;

/// A link in Safe Browsing canonical form, with its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CanonicalUrl {
    /// The whole canonical URL, e.g. `http://www.example.com/`.
    pub canonical: String,
    /// `http` or `https`.
    pub scheme: String,
    /// The canonical host: lower-case, punycode, dotted-decimal for IPv4.
    pub host: String,
    /// The canonical path, always starting with `/`.
    pub path: String,
    /// The query without its `?`; `Some("")` for a bare trailing `?`.
    pub query: Option<String>,
    /// The registrable domain (public suffix + one label), e.g. `example.co.uk`.
    pub registrable_domain: Option<String>,
    /// The host is an IPv4 or IPv6 address.
    pub host_is_ip: bool,
    /// The link carried user-info (`user@host`), a classic way to disguise the real host.
    pub had_userinfo: bool,
}

/// Why a text cannot be canonicalised as a web link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Nothing but blanks.
    #[error("the link is empty")]
    Empty,
    /// Longer than [`MAX_URL_BYTES`].
    #[error("the link is too long")]
    TooLong,
    /// Not an `http` or `https` link.
    #[error("only http and https links can be checked, not {0}:")]
    UnsupportedScheme(String),
    /// No host.
    #[error("the link has no host")]
    EmptyHost,
    /// The host contains characters no host name can hold.
    #[error("the link's host is not valid")]
    InvalidHost,
    /// The port is not a number.
    #[error("the link's port is not a number")]
    InvalidPort,
}

/// Schemes that are never web links, refused even without `//` (`mailto:x@y.com`).
const OTHER_SCHEMES: &[&str] = &[
    "mailto",
    "tel",
    "sms",
    "smsto",
    "javascript",
    "data",
    "file",
    "ftp",
    "about",
    "blob",
    "intent",
    "callto",
    "whatsapp",
    "weixin",
    "dingtalk",
    "market",
    "itms-apps",
    "vbscript",
];

impl CanonicalUrl {
    /// The exact Safe Browsing expression: `host/path?query` without the scheme.
    #[must_use]
    pub fn expression(&self) -> String {
        match &self.query {
            Some(q) => format!("{}{}?{}", self.host, self.path, q),
            None => format!("{}{}", self.host, self.path),
        }
    }

    /// Whether the host looks like a real host: an IP address, or a name whose public suffix is
    /// known and that has a label before it (or `localhost`).
    #[must_use]
    pub fn host_is_plausible(&self) -> bool {
        if self.host_is_ip || self.host == "localhost" {
            return true;
        }
        let ok_chars = self
            .host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
        ok_chars
            && self.registrable_domain.is_some()
            && psl::suffix(self.host.as_bytes()).is_some_and(|s| s.is_known())
    }

    /// The host's own name followed by every parent domain (`a.b.c`, `b.c`, `c`), or just the
    /// address for an IP host. Used for `domain` entries, which cover subdomains.
    #[must_use]
    pub fn host_and_parents(&self) -> Vec<&str> {
        if self.host_is_ip {
            return vec![self.host.as_str()];
        }
        let mut out = vec![self.host.as_str()];
        let mut rest = self.host.as_str();
        while let Some(i) = rest.find('.') {
            rest = &rest[i + 1..];
            if !rest.is_empty() {
                out.push(rest);
            }
        }
        out
    }
}

/// Canonicalises a link as Safe Browsing does (see the module documentation).
///
/// # Errors
/// [`LinkError`] for empty or over-long input, a non-web scheme, a missing or malformed host, or a
/// non-numeric port.
pub fn canonicalize(input: &str) -> Result<CanonicalUrl, LinkError> {
    if input.len() > MAX_URL_BYTES {
        return Err(LinkError::TooLong);
    }
    let cleaned: String = input
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        return Err(LinkError::Empty);
    }
    let no_fragment = trimmed.split('#').next().unwrap_or(trimmed);

    let (scheme, rest) = split_scheme(no_fragment)?;

    // Authority ends at the first `/`, `\` or `?`.
    let auth_end = rest.find(['/', '\\', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(auth_end);
    let (raw_path, raw_query) = match after.find('?') {
        Some(i) => (&after[..i], Some(&after[i + 1..])),
        None => (after, None),
    };
    let raw_path = raw_path.replace('\\', "/");

    let (had_userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (true, &authority[i + 1..]),
        None => (false, authority),
    };
    let raw_host = strip_port(hostport)?;
    let (host, host_is_ip) = canonical_host(raw_host)?;
    let path = canonical_path(&unescape_repeatedly(raw_path.as_bytes()));
    let query = raw_query.map(|q| escape(&unescape_repeatedly(q.as_bytes()), false));

    let mut canonical = format!("{scheme}://{host}{path}");
    if let Some(q) = &query {
        canonical.push('?');
        canonical.push_str(q);
    }
    let registrable_domain = if host_is_ip {
        None
    } else {
        psl::domain_str(&host)
            .map(str::to_owned)
            .filter(|d| d.len() < host.len() + 1)
    };
    Ok(CanonicalUrl {
        canonical,
        scheme,
        host,
        path,
        query,
        registrable_domain,
        host_is_ip,
        had_userinfo,
    })
}

fn split_scheme(s: &str) -> Result<(String, &str), LinkError> {
    if let Some(i) = s.find("://") {
        let candidate = &s[..i];
        if is_scheme(candidate) {
            let scheme = candidate.to_ascii_lowercase();
            return match scheme.as_str() {
                "http" | "https" => Ok((scheme, &s[i + 3..])),
                _ => Err(LinkError::UnsupportedScheme(scheme)),
            };
        }
    }
    if let Some(i) = s.find(':') {
        let candidate = s[..i].to_ascii_lowercase();
        if OTHER_SCHEMES.contains(&candidate.as_str()) {
            return Err(LinkError::UnsupportedScheme(candidate));
        }
        // `http:host/…` or `https:/host`: a scheme without its `//`.
        if candidate == "http" || candidate == "https" {
            return Ok((candidate, s[i + 1..].trim_start_matches(['/', '\\'])));
        }
    }
    Ok(("http".to_owned(), s))
}

fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

fn strip_port(hostport: &str) -> Result<&str, LinkError> {
    if hostport.starts_with('[') {
        // IPv6 literal: `[…]` then an optional `:port`.
        return match hostport.find(']') {
            Some(end) => {
                let tail = &hostport[end + 1..];
                if tail.is_empty() || tail.strip_prefix(':').is_some_and(is_port) {
                    Ok(&hostport[..=end])
                } else {
                    Err(LinkError::InvalidPort)
                }
            }
            None => Err(LinkError::InvalidHost),
        };
    }
    match hostport.rfind(':') {
        Some(i) if is_port(&hostport[i + 1..]) => Ok(&hostport[..i]),
        Some(_) => Err(LinkError::InvalidPort),
        None => Ok(hostport),
    }
}

fn is_port(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit()) && s.len() <= 5
}

/// Percent-unescapes until nothing changes. Each pass that changes anything shortens the text,
/// so this ends.
#[must_use]
pub fn unescape_repeatedly(input: &[u8]) -> Vec<u8> {
    let mut cur = input.to_vec();
    loop {
        let (next, changed) = unescape_once(&cur);
        if !changed {
            return next;
        }
        cur = next;
    }
}

fn unescape_once(s: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(s.len());
    let mut changed = false;
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' && i + 2 < s.len() {
            if let (Some(h), Some(l)) = (hex_val(s[i + 1]), hex_val(s[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                changed = true;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    (out, changed)
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Escapes bytes `<= 0x20`, `>= 0x7f`, `#` and `%` (and, in a path, `?` and `\`).
fn escape(s: &[u8], in_path: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s {
        if b <= 0x20
            || b >= 0x7f
            || b == b'#'
            || b == b'%'
            || (in_path && (b == b'?' || b == b'\\'))
        {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

fn tidy_dots(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &b in s {
        if b == b'.' && (out.is_empty() || out.last() == Some(&b'.')) {
            continue;
        }
        out.push(b);
    }
    while out.last() == Some(&b'.') {
        out.pop();
    }
    out
}

fn canonical_host(raw: &str) -> Result<(String, bool), LinkError> {
    if raw.starts_with('[') {
        let lower = raw.to_ascii_lowercase();
        let inner = &lower[1..lower.len().saturating_sub(1)];
        if inner.is_empty()
            || !inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(LinkError::InvalidHost);
        }
        return Ok((lower, true));
    }
    let unescaped = unescape_repeatedly(raw.as_bytes());
    if unescaped
        .iter()
        .any(|b| matches!(b, b'/' | b'?' | b'@' | b':' | b'\\' | b'[' | b']'))
    {
        return Err(LinkError::InvalidHost);
    }
    let mut host = tidy_dots(&unescaped);
    if !host.is_ascii() {
        if let Ok(text) = std::str::from_utf8(&host) {
            if let Ok(ascii) = idna::domain_to_ascii_cow(text.as_bytes(), idna::AsciiDenyList::URL)
            {
                host = tidy_dots(ascii.as_bytes());
            }
        }
    }
    host.make_ascii_lowercase();
    if host.is_empty() {
        return Err(LinkError::EmptyHost);
    }
    if let Some(ip) = std::str::from_utf8(&host).ok().and_then(parse_ipv4) {
        return Ok((ip, true));
    }
    Ok((escape(&host, false), false))
}

/// Reads the IPv4 forms browsers accept: 1 to 4 parts, each decimal, octal (leading `0`) or hex
/// (`0x`); the last part fills the remaining bytes. Returns dotted decimal.
#[must_use]
pub fn parse_ipv4(host: &str) -> Option<String> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(4);
    for p in &parts {
        values.push(parse_ip_part(p)?);
    }
    let last_bytes = 5 - parts.len();
    let (head, last) = values.split_at(values.len() - 1);
    if head.iter().any(|&v| v > 255) {
        return None;
    }
    let last = *last.first()?;
    if last_bytes < 4 && last >= 1u64 << (8 * last_bytes) {
        return None;
    }
    if last > u64::from(u32::MAX) {
        return None;
    }
    let mut bytes: Vec<u64> = head.to_vec();
    for i in (0..last_bytes).rev() {
        bytes.push((last >> (8 * i)) & 0xff);
    }
    Some(
        bytes
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

fn parse_ip_part(p: &str) -> Option<u64> {
    if p.is_empty() || p.len() > 12 {
        return None;
    }
    let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        (h, 16)
    } else if p.len() > 1 && p.starts_with('0') {
        (&p[1..], 8)
    } else {
        (p, 10)
    };
    if digits.is_empty() {
        return if radix == 16 { None } else { Some(0) };
    }
    u64::from_str_radix(digits, radix).ok()
}

fn canonical_path(unescaped: &[u8]) -> String {
    let mut segments: Vec<&[u8]> = Vec::new();
    let mut trailing_slash = false;
    for seg in unescaped.split(|&b| b == b'/') {
        trailing_slash = false;
        match seg {
            b"" => trailing_slash = true,
            b"." => trailing_slash = true,
            b".." => {
                segments.pop();
                trailing_slash = true;
            }
            s => segments.push(s),
        }
    }
    let mut out: Vec<u8> = Vec::with_capacity(unescaped.len() + 1);
    for s in &segments {
        out.push(b'/');
        out.extend_from_slice(s);
    }
    if segments.is_empty() || trailing_slash {
        out.push(b'/');
    }
    escape(&out, true)
}

/// The Safe Browsing lookup expressions for a canonical URL: up to 5 host suffixes (the exact
/// host, then the last five components successively shortened, never the top-level domain
/// alone; only the exact host for an IP address) × up to 6 paths (exact with query, exact
/// without query, then `/` and up to three directory prefixes), host-major, without duplicates.
#[must_use]
pub fn lookup_expressions(url: &CanonicalUrl) -> Vec<String> {
    let mut out = Vec::new();
    let _ = for_each_lookup_expression(url, |e| {
        out.push(e.to_owned());
        Ok::<(), std::convert::Infallible>(())
    });
    out
}

/// Calls `f` with each of [`lookup_expressions`], in the same order, built in one buffer (no
/// allocation per expression). Stops at the first error.
///
/// Hosts and paths are each without duplicates, and a host holds no `/` while every path
/// starts with one, so no two (host, path) pairs make the same expression.
///
/// # Errors
/// The first error `f` returns.
pub fn for_each_lookup_expression<E>(
    url: &CanonicalUrl,
    mut f: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    let hosts = host_suffixes(url);
    let paths = path_prefixes(url);
    let mut buf = String::with_capacity(
        url.host.len() + url.path.len() + 1 + url.query.as_ref().map_or(0, String::len),
    );
    for h in &hosts {
        for p in &paths {
            buf.clear();
            buf.push_str(h);
            buf.push_str(p);
            f(&buf)?;
        }
    }
    Ok(())
}

fn host_suffixes(url: &CanonicalUrl) -> Vec<&str> {
    let host = url.host.as_str();
    let mut out = vec![host];
    if url.host_is_ip {
        return out;
    }
    let dots: Vec<usize> = host.match_indices('.').map(|(i, _)| i).collect();
    let n = dots.len() + 1; // components
                            // Suffixes with k components, k from min(5, n - 1) down to 2.
    let start_k = (n.saturating_sub(1)).min(5);
    for k in (2..=start_k).rev() {
        let suffix = &host[dots[n - k - 1] + 1..];
        if !out.contains(&suffix) {
            out.push(suffix);
        }
    }
    out
}

fn path_prefixes(url: &CanonicalUrl) -> Vec<Cow<'_, str>> {
    let mut out: Vec<Cow<'_, str>> = Vec::with_capacity(6);
    if let Some(q) = &url.query {
        out.push(Cow::Owned(format!("{}?{}", url.path, q)));
    }
    out.push(Cow::Borrowed(url.path.as_str()));
    out.push(Cow::Borrowed("/"));
    // Directory prefixes `/a/`, `/a/b/`, `/a/b/c/`.
    let mut taken = 0;
    for (i, b) in url.path.bytes().enumerate().skip(1) {
        if b == b'/' && taken < 3 {
            out.push(Cow::Borrowed(&url.path[..=i]));
            taken += 1;
        }
    }
    let mut uniq: Vec<Cow<'_, str>> = Vec::with_capacity(out.len());
    for p in out {
        if !uniq.contains(&p) {
            uniq.push(p);
        }
    }
    uniq
}

/// The canonical host of a bare domain (`EXAMPLE.com.` → `example.com`), through the same steps
/// as a link's host.
///
/// # Errors
/// [`LinkError`] when it is not a host.
pub fn canonical_domain(raw: &str) -> Result<String, LinkError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(LinkError::Empty);
    }
    if t.len() > MAX_URL_BYTES {
        return Err(LinkError::TooLong);
    }
    if t.contains(['/', '?', '#', '@', '\\']) {
        return Err(LinkError::InvalidHost);
    }
    canonical_host(t).map(|(h, _)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonicalize(s)
            .map(|c| c.canonical)
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    /// Google's published canonicalisation examples (Safe Browsing v4, "URLs and hashing").
    #[test]
    fn safe_browsing_vectors() {
        let cases = [
            ("http://host/%25%32%35", "http://host/%25"),
            ("http://host/%25%32%35%25%32%35", "http://host/%25%25"),
            ("http://host/%2525252525252525", "http://host/%25"),
            ("http://host/asdf%25%32%35asd", "http://host/asdf%25asd"),
            ("http://host/%%%25%32%35asd%%", "http://host/%25%25%25asd%25%25"),
            ("http://www.google.com/", "http://www.google.com/"),
            (
                "http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
                "http://168.188.99.26/.secure/www.ebay.com/",
            ),
            (
                "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
                "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
            ),
            (
                "http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B",
                "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+",
            ),
            // (The brief quoted 195.127.24.11; 3279880203 is 0xC37F000B, and the SB page says .0.11.)
            ("http://3279880203/blah", "http://195.127.0.11/blah"),
            ("http://www.google.com/blah/..", "http://www.google.com/"),
            ("www.google.com/", "http://www.google.com/"),
            ("www.google.com", "http://www.google.com/"),
            ("http://www.evil.com/blah#frag", "http://www.evil.com/blah"),
            ("http://www.GOOgle.com/", "http://www.google.com/"),
            ("http://www.google.com.../", "http://www.google.com/"),
            ("http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2"),
            ("http://www.google.com/q?", "http://www.google.com/q?"),
            ("http://www.google.com/q?r?", "http://www.google.com/q?r?"),
            ("http://www.google.com/q?r?s", "http://www.google.com/q?r?s"),
            ("http://evil.com/foo#bar#baz", "http://evil.com/foo"),
            ("http://evil.com/foo;", "http://evil.com/foo;"),
            ("http://evil.com/foo?bar;", "http://evil.com/foo?bar;"),
            // The spec's raw byte \x80 arrives as UTF-8 in a Rust string.
            ("http://\x01\u{80}.com/", "http://%01%C2%80.com/"),
            ("http://notrailingslash.com", "http://notrailingslash.com/"),
            ("http://www.gotaport.com:1234/", "http://www.gotaport.com/"),
            ("  http://www.google.com/  ", "http://www.google.com/"),
            ("http:// leadingspace.com/", "http://%20leadingspace.com/"),
            ("http://%20leadingspace.com/", "http://%20leadingspace.com/"),
            ("%20leadingspace.com/", "http://%20leadingspace.com/"),
            ("https://www.securesite.com/", "https://www.securesite.com/"),
            ("http://host.com/ab%23cd", "http://host.com/ab%23cd"),
            ("http://host.com//twoslashes?more//slashes", "http://host.com/twoslashes?more//slashes"),
        ];
        for (input, want) in cases {
            assert_eq!(canon(input), want, "input {input:?}");
        }
    }

    #[test]
    fn more_canonical_forms() {
        let cases = [
            ("http://0xC37F180B/", "http://195.127.24.11/"),
            ("http://030337614013/", "http://195.127.24.11/"),
            ("http://195.0x7f.030.11/", "http://195.127.24.11/"),
            ("http://195.127.6155/", "http://195.127.24.11/"),
            ("http://195.8329227/", "http://195.127.24.11/"),
            ("http://1.2.3.256/", "http://1.2.3.256/"),
            (
                "HTTPS://WWW.DingTalk.COM/a/./b/../c",
                "https://www.dingtalk.com/a/c",
            ),
            ("http://a.com/a/b/../../../x/", "http://a.com/x/"),
            ("http://a.com/.", "http://a.com/"),
            ("http://user:pw@Example.com:8080/x", "http://example.com/x"),
            ("http://bücher.example/", "http://xn--bcher-kva.example/"),
            ("http://ｄｉｎｇｔａｌｋ．ｃｏｍ/", "http://dingtalk.com/"),
            (
                "http://例子.香港/路徑",
                "http://xn--fsqu00a.xn--j6w193g/%E8%B7%AF%E5%BE%91",
            ),
            (
                "http://evil.xyz\\@dingtalk.com/",
                "http://evil.xyz/@dingtalk.com/",
            ),
            ("http://h/a%3Fb?c", "http://h/a%3Fb?c"),
            ("http://[::1]:80/x", "http://[::1]/x"),
            ("dingtalk.com/path?x=1#frag", "http://dingtalk.com/path?x=1"),
            ("http:dingtalk.com", "http://dingtalk.com/"),
            // Found by the property tests: outputs must canonicalise to themselves.
            ("%/%5c", "http://%25/%5C"),
        ];
        for (input, want) in cases {
            assert_eq!(canon(input), want, "input {input:?}");
        }
    }

    #[test]
    fn refusals() {
        let cases = [
            ("", LinkError::Empty),
            ("  \t ", LinkError::Empty),
            (
                "mailto:support@dingtalk.com",
                LinkError::UnsupportedScheme("mailto".into()),
            ),
            (
                "tel:+85291234567",
                LinkError::UnsupportedScheme("tel".into()),
            ),
            (
                "javascript:alert(1)",
                LinkError::UnsupportedScheme("javascript".into()),
            ),
            (
                "ftp://files.example.com/",
                LinkError::UnsupportedScheme("ftp".into()),
            ),
            ("http:///path", LinkError::EmptyHost),
            ("http://.../", LinkError::EmptyHost),
            ("http://a%2Fb.com/", LinkError::InvalidHost),
            (".[", LinkError::InvalidHost),
            ("http://example.com:abc/", LinkError::InvalidPort),
        ];
        for (input, want) in cases {
            assert_eq!(canonicalize(input), Err(want), "input {input:?}");
        }
        assert_eq!(
            canonicalize(&"a".repeat(MAX_URL_BYTES + 1)),
            Err(LinkError::TooLong)
        );
    }

    #[test]
    fn parts_and_registrable_domain() {
        let c = canonicalize("https://h5.dingtalk.com/open/index.html?x=1").unwrap();
        assert_eq!(c.scheme, "https");
        assert_eq!(c.host, "h5.dingtalk.com");
        assert_eq!(c.path, "/open/index.html");
        assert_eq!(c.query.as_deref(), Some("x=1"));
        assert_eq!(c.registrable_domain.as_deref(), Some("dingtalk.com"));
        assert!(!c.host_is_ip);
        let c = canonicalize("http://a.b.example.co.uk/").unwrap();
        assert_eq!(c.registrable_domain.as_deref(), Some("example.co.uk"));
        let c = canonicalize("http://3279880203/").unwrap();
        assert!(c.host_is_ip);
        assert_eq!(c.registrable_domain, None);
        assert!(canonicalize("http://u@evil.xyz/").unwrap().had_userinfo);
        assert!(canonicalize("www.google.com").unwrap().host_is_plausible());
        assert!(!canonicalize("hello").unwrap().host_is_plausible());
        assert!(!canonicalize("file.txt").unwrap().host_is_plausible());
    }

    /// The examples of the Safe Browsing documentation for suffix/prefix expressions.
    #[test]
    fn lookup_expression_examples() {
        let e = lookup_expressions(&canonicalize("http://a.b.c/1/2.html?param=1").unwrap());
        assert_eq!(
            e,
            [
                "a.b.c/1/2.html?param=1",
                "a.b.c/1/2.html",
                "a.b.c/",
                "a.b.c/1/",
                "b.c/1/2.html?param=1",
                "b.c/1/2.html",
                "b.c/",
                "b.c/1/",
            ]
        );
        let e = lookup_expressions(&canonicalize("http://a.b.c.d.e.f.g/1.html").unwrap());
        assert_eq!(
            e,
            [
                "a.b.c.d.e.f.g/1.html",
                "a.b.c.d.e.f.g/",
                "c.d.e.f.g/1.html",
                "c.d.e.f.g/",
                "d.e.f.g/1.html",
                "d.e.f.g/",
                "e.f.g/1.html",
                "e.f.g/",
                "f.g/1.html",
                "f.g/",
            ]
        );
        let e = lookup_expressions(&canonicalize("http://1.2.3.4/1/").unwrap());
        assert_eq!(e, ["1.2.3.4/1/", "1.2.3.4/"]);
        let e = lookup_expressions(&canonicalize("http://x.com/a/b/c/d/e.html?q").unwrap());
        assert_eq!(
            e,
            [
                "x.com/a/b/c/d/e.html?q",
                "x.com/a/b/c/d/e.html",
                "x.com/",
                "x.com/a/",
                "x.com/a/b/",
                "x.com/a/b/c/",
            ]
        );
    }

    #[test]
    fn lookup_expressions_never_repeat() {
        for u in [
            "http://a.b.c.d.e.f.g/a/a/a/?a",
            "http://a.a.a.a/a/a/a/a?",
            "http://1.2.3.4/",
            "http://host/",
            "http://a.b/a/b/a/b/../a.html?x=/a/",
        ] {
            let e = lookup_expressions(&canonicalize(u).unwrap());
            let distinct: std::collections::HashSet<&String> = e.iter().collect();
            assert_eq!(distinct.len(), e.len(), "{u}: {e:?}");
        }
    }

    #[test]
    fn host_and_parents_walks_up() {
        let c = canonicalize("http://a.b.dingtalk.com/").unwrap();
        assert_eq!(
            c.host_and_parents(),
            ["a.b.dingtalk.com", "b.dingtalk.com", "dingtalk.com", "com"]
        );
    }

    #[test]
    fn domains() {
        assert_eq!(canonical_domain("EXAMPLE.com.").unwrap(), "example.com");
        assert_eq!(canonical_domain("釘釘.com").unwrap(), "xn--dn4aa.com");
        assert!(canonical_domain("example.com/path").is_err());
        assert!(canonical_domain("").is_err());
    }
}
