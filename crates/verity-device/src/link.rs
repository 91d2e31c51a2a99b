//! `verity://enroll?desk=URL&code=CODE[&fp=FINGERPRINT]` links, as IT sends them.
//!
//! The optional `fp` is the organisation key's fingerprint, for display only: it is **not** the
//! confirmation enrolment needs. A link comes from the same place as the desk address in it (a
//! fake support agent can send one naming a rogue desk and the rogue desk's fingerprint), so the
//! user must type the fingerprint from IT's own announcement (`device::enroll`).

use url::Url;

/// What an enrolment link says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollLink {
    /// The desk's base URL.
    pub desk: String,
    /// The one-time code.
    pub code: String,
    /// The organisation key fingerprint IT announced, if the link carries it.
    pub fingerprint: Option<String>,
}

/// Why a link was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    /// Not a URL.
    #[error("not a link")]
    NotALink,
    /// Not a `verity://enroll` link.
    #[error("not a verity://enroll link")]
    WrongKind,
    /// A parameter is missing.
    #[error("the link has no {0}")]
    Missing(&'static str),
    /// A parameter appears twice.
    #[error("the link has {0} twice")]
    Duplicate(&'static str),
}

/// Parses an enrolment link.
///
/// # Errors
/// [`LinkError`].
pub fn parse_enroll_link(s: &str) -> Result<EnrollLink, LinkError> {
    let url = Url::parse(s.trim()).map_err(|_| LinkError::NotALink)?;
    let host = url.host_str().unwrap_or("");
    let path = url.path().trim_matches('/');
    // `verity://enroll?...` (host form) and `verity:enroll?...` (path form) both occur.
    if url.scheme() != "verity" || !(host == "enroll" || (host.is_empty() && path == "enroll")) {
        return Err(LinkError::WrongKind);
    }
    let mut desk = None;
    let mut code = None;
    let mut fp = None;
    for (k, v) in url.query_pairs() {
        let (slot, name) = match k.as_ref() {
            "desk" => (&mut desk, "desk"),
            "code" => (&mut code, "code"),
            "fp" => (&mut fp, "fp"),
            _ => continue,
        };
        if slot.is_some() {
            return Err(LinkError::Duplicate(name));
        }
        *slot = Some(v.into_owned());
    }
    Ok(EnrollLink {
        desk: desk
            .filter(|d| !d.is_empty())
            .ok_or(LinkError::Missing("desk"))?,
        code: code
            .filter(|c| !c.is_empty())
            .ok_or(LinkError::Missing("code"))?,
        fingerprint: fp.filter(|f| !f.is_empty()),
    })
}

/// Builds an enrolment link.
#[must_use]
pub fn enroll_link(desk: &str, code: &str, fingerprint: Option<&str>) -> String {
    let mut url = format!(
        "verity://enroll?desk={}&code={}",
        url::form_urlencoded::byte_serialize(desk.as_bytes()).collect::<String>(),
        url::form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>()
    );
    if let Some(fp) = fingerprint {
        url.push_str("&fp=");
        url.push_str(&crate::proto::normalize_fingerprint(fp));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_links() {
        let l = parse_enroll_link(
            "verity://enroll?desk=https%3A%2F%2Fdesk.example.hk%3A8443&code=ABCD-EFGH-JKMN",
        )
        .unwrap();
        assert_eq!(l.desk, "https://desk.example.hk:8443");
        assert_eq!(l.code, "ABCD-EFGH-JKMN");
        assert_eq!(l.fingerprint, None);
        let built = enroll_link("https://d.example/", "X Y", Some("ab12 cd34"));
        let back = parse_enroll_link(&built).unwrap();
        assert_eq!(back.code, "X Y");
        assert_eq!(back.fingerprint.as_deref(), Some("AB12CD34"));
        assert_eq!(
            parse_enroll_link("https://enroll?desk=a&code=b"),
            Err(LinkError::WrongKind)
        );
        assert_eq!(
            parse_enroll_link("verity://enroll?desk=a"),
            Err(LinkError::Missing("code"))
        );
        assert_eq!(
            parse_enroll_link("verity://enroll?desk=a&code=b&code=c"),
            Err(LinkError::Duplicate("code"))
        );
    }
}
