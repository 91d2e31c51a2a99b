//! "Report to IT": what an enrolled device tells its organisation's desk it saw.
//!
//! A [`Report`] is the body of a signed `POST /v1/report` (authenticated like every device
//! request). Both ends validate it with [`Report::validate`]: the device before anything leaves
//! it, the desk on receipt ([`Report::from_json`]), each field with its own refusal
//! ([`ReportError`], whose [`ReportError::code`] is the desk's code). The desk answers a
//! [`ReportReceipt`], signed like every answer.

use super::*;

/// The most characters of a report's item.
pub const MAX_REPORT_ITEM_CHARS: usize = 512;
/// The most verdict codes a report carries.
pub const MAX_REPORT_VERDICTS: usize = 16;
/// The most characters of one verdict code.
pub const MAX_VERDICT_CODE_CHARS: usize = 48;
/// The most characters of the employee's note.
pub const MAX_REPORT_NOTE_CHARS: usize = 1000;
/// The largest `POST /v1/report` body the desk reads (a valid report is well under it).
pub const MAX_REPORT_BODY_BYTES: usize = 16 * 1024;
/// The longest tool id (`anydesk`, `teamviewer`).
const MAX_TOOL_ID_CHARS: usize = 64;

/// What is reported. A closed set: the desk refuses any other kind (`report_kind_invalid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// A Check verdict (a number, a link or a message the employee checked).
    Check,
    /// An entry of the Threats screen.
    Threat,
    /// The remote-access tripwire (a remote-control program started or installed).
    TripwireRemoteTool,
    /// The one-time-code tripwire (a code about to be read out or pasted).
    TripwireCodeGuard,
    /// A message claiming to come from support.
    SupportMessage,
    /// A dispute of a verdict ("this is our real supplier"): the item the employee says is
    /// genuine, and why in the note (required). IT may add it to the organisation's allowlist.
    Appeal,
    /// Anything else.
    Other,
}

impl ReportKind {
    /// Every kind.
    pub const ALL: [ReportKind; 7] = [
        ReportKind::Check,
        ReportKind::Threat,
        ReportKind::TripwireRemoteTool,
        ReportKind::TripwireCodeGuard,
        ReportKind::SupportMessage,
        ReportKind::Appeal,
        ReportKind::Other,
    ];

    /// Its code on the wire.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Check => "check",
            ReportKind::Threat => "threat",
            ReportKind::TripwireRemoteTool => "tripwire_remote_tool",
            ReportKind::TripwireCodeGuard => "tripwire_code_guard",
            ReportKind::SupportMessage => "support_message",
            ReportKind::Appeal => "appeal",
            ReportKind::Other => "other",
        }
    }

    /// The kind with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl std::fmt::Display for ReportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// `POST /v1/report` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// What is reported.
    pub kind: ReportKind,
    /// The normalised item: an E.164 number (`+85291234567`), a link without its query or
    /// fragment (`https://example.com/login`), or a tool id (`anydesk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The verdict's codes (`scam`, `lookalike_domain`), each `[a-z0-9_]`.
    #[serde(default)]
    pub verdict: Vec<String>,
    /// The employee's own note (newlines allowed).
    #[serde(default)]
    pub note: String,
    /// When the employee saw it, Unix seconds.
    pub observed_at: u64,
}

/// The same body with the kind as sent, so that an unknown kind is its own refusal.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportWire {
    kind: String,
    #[serde(default)]
    item: Option<String>,
    #[serde(default)]
    verdict: Vec<String>,
    #[serde(default)]
    note: String,
    observed_at: u64,
}

/// `POST /v1/report` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportReceipt {
    /// The report's number at the desk.
    pub id: u64,
    /// When the desk received it, Unix seconds.
    pub received_at: u64,
}

/// The most report numbers one `POST /v1/report/status` asks about.
pub const MAX_REPORT_STATUS_IDS: usize = 50;

/// `POST /v1/report/status` body: the device's own reports it asks about (1 to
/// [`MAX_REPORT_STATUS_IDS`] numbers from its receipts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportStatusRequest {
    /// The reports' numbers.
    pub ids: Vec<u64>,
}

/// Where a report stands in IT's triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Not looked at yet.
    New,
    /// IT confirmed it.
    Confirmed,
    /// IT found nothing in it.
    Rejected,
}

/// One of the device's reports, as IT left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOutcome {
    /// The report's number.
    pub id: u64,
    /// Its state.
    pub state: ReportState,
    /// When IT confirmed or rejected it, Unix seconds.
    #[serde(default)]
    pub resolved_at: Option<u64>,
}

/// `POST /v1/report/status` answer: the reports asked about that this device sent (a number
/// the desk does not have, or another device's report, is left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportStatusAnswer {
    /// The device's reports among those asked about, in the order asked.
    pub reports: Vec<ReportOutcome>,
}

/// Why a report is refused. [`ReportError::code`] is the desk's refusal code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The body is not a report (not JSON, a missing or unknown field).
    #[error("the report is malformed: {0}")]
    Malformed(String),
    /// A kind outside the closed set.
    #[error("unknown report kind {0:?}")]
    Kind(String),
    /// The item is empty, too long, holds control or invisible formatting characters, or is
    /// neither an E.164 number, a link without query, nor a tool id.
    #[error("the reported item is not acceptable: {0}")]
    Item(&'static str),
    /// Too many verdict codes, or one that is not a short `[a-z0-9_]` code.
    #[error("the verdict codes are not acceptable: {0}")]
    Verdict(&'static str),
    /// The note is too long, or holds control (other than newlines) or invisible formatting
    /// characters.
    #[error("the note is not acceptable: {0}")]
    Note(&'static str),
    /// The time it was seen is zero or in the future.
    #[error("the time it was seen is not acceptable: {0}")]
    ObservedAt(&'static str),
}

impl ReportError {
    /// The desk's code for this refusal ([`codes`]).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::Malformed(_) => codes::BAD_REQUEST,
            ReportError::Kind(_) => codes::REPORT_KIND_INVALID,
            ReportError::Item(_) => codes::REPORT_ITEM_INVALID,
            ReportError::Verdict(_) => codes::REPORT_VERDICT_INVALID,
            ReportError::Note(_) => codes::REPORT_NOTE_INVALID,
            ReportError::ObservedAt(_) => codes::REPORT_OBSERVED_AT_INVALID,
        }
    }
}

fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (7..=15).contains(&d.len()) && !d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit())
    })
}

fn is_tool_id(s: &str) -> bool {
    s.chars().count() <= MAX_TOOL_ID_CHARS
        && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
        })
}

/// A link as Check keeps it: `http(s)`, a host, no credentials, no query, no fragment.
fn is_bare_link(s: &str) -> bool {
    let Ok(url) = url::Url::parse(s) else {
        return false;
    };
    matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && !s.contains(['?', '#'])
}

fn check_item(item: &str) -> Result<(), ReportError> {
    if item.is_empty() {
        return Err(ReportError::Item("empty (leave it out instead)"));
    }
    if item.chars().count() > MAX_REPORT_ITEM_CHARS {
        return Err(ReportError::Item("longer than 512 characters"));
    }
    if item.chars().any(|c| c.is_control() || is_format_char(c)) {
        return Err(ReportError::Item(
            "control or invisible formatting characters",
        ));
    }
    if item.trim() != item || !(is_e164(item) || is_bare_link(item) || is_tool_id(item)) {
        return Err(ReportError::Item(
            "not an E.164 number, a link without its query, or a tool id",
        ));
    }
    Ok(())
}

fn check_verdict(codes: &[String]) -> Result<(), ReportError> {
    if codes.len() > MAX_REPORT_VERDICTS {
        return Err(ReportError::Verdict("more than 16 codes"));
    }
    for c in codes {
        if c.is_empty() || c.len() > MAX_VERDICT_CODE_CHARS {
            return Err(ReportError::Verdict("a code is empty or too long"));
        }
        if !c
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(ReportError::Verdict("a code is not [a-z0-9_]"));
        }
    }
    Ok(())
}

fn check_note(note: &str) -> Result<(), ReportError> {
    if note.chars().count() > MAX_REPORT_NOTE_CHARS {
        return Err(ReportError::Note("longer than 1000 characters"));
    }
    if note
        .chars()
        .any(|c| (c.is_control() && c != '\n') || is_format_char(c))
    {
        return Err(ReportError::Note(
            "control or invisible formatting characters",
        ));
    }
    Ok(())
}

impl Report {
    /// Checks every field; `now` (Unix seconds), when given, also refuses a time seen more than
    /// [`MAX_CLOCK_SKEW_SECS`] in the future.
    ///
    /// # Errors
    /// The first field refused, as a [`ReportError`].
    pub fn validate(&self, now: Option<u64>) -> Result<(), ReportError> {
        if let Some(item) = &self.item {
            check_item(item)?;
        }
        check_verdict(&self.verdict)?;
        check_note(&self.note)?;
        if self.kind == ReportKind::Appeal {
            // A dispute names what it disputes, and says why.
            if !self
                .item
                .as_deref()
                .is_some_and(|i| is_e164(i) || is_bare_link(i))
            {
                return Err(ReportError::Item("an appeal names a number or a link"));
            }
            if self.note.trim().is_empty() {
                return Err(ReportError::Note(
                    "an appeal says why (this is our real supplier…)",
                ));
            }
        }
        if self.observed_at == 0 {
            return Err(ReportError::ObservedAt("zero"));
        }
        if now.is_some_and(|now| self.observed_at > now.saturating_add(MAX_CLOCK_SKEW_SECS)) {
            return Err(ReportError::ObservedAt("in the future"));
        }
        Ok(())
    }

    /// Reads and validates a report body, as the desk receives it (bodies over
    /// [`MAX_REPORT_BODY_BYTES`] are refused before this).
    ///
    /// # Errors
    /// [`ReportError`].
    pub fn from_json(body: &[u8], now: u64) -> Result<Report, ReportError> {
        let wire: ReportWire =
            serde_json::from_slice(body).map_err(|e| ReportError::Malformed(e.to_string()))?;
        let kind = ReportKind::from_code(&wire.kind)
            .ok_or(ReportError::Kind(wire.kind.chars().take(32).collect()))?;
        let report = Report {
            kind,
            item: wire.item,
            verdict: wire.verdict,
            note: wire.note,
            observed_at: wire.observed_at,
        };
        report.validate(Some(now))?;
        Ok(report)
    }

    /// The key that groups reports in IT's triage queue (and that a resolution covers).
    ///
    /// Only a shared indicator is grouped across devices: a checked or listed number or link
    /// (`check|+85291234567`, `threat|…`), the same for everyone. Anything else is an incident
    /// on one computer at one moment — a remote-access tool started, a code copied, a support
    /// message, "other", a report without an item — and keeps its own line
    /// (`tripwire_remote_tool|anydesk|<device>|<observed_at>`), so that resolving one never
    /// resolves another employee's. The kind is a closed code without `|`; the device id is the
    /// desk's own.
    #[must_use]
    pub fn dedup_key(&self, device_id: &str) -> String {
        let kind = self.kind.code();
        match (&self.kind, self.item.as_deref()) {
            (ReportKind::Check | ReportKind::Threat | ReportKind::Appeal, Some(item)) => {
                format!("{kind}|{item}")
            }
            (_, item) => format!(
                "{kind}|{}|{device_id}|{}",
                item.unwrap_or(""),
                self.observed_at
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn report(kind: ReportKind, item: Option<&str>) -> Report {
        Report {
            kind,
            item: item.map(str::to_owned),
            verdict: vec!["scam".into(), "platform_support_number".into()],
            note: "He said he was from the bank.\nHe asked for the code.".into(),
            observed_at: NOW - 60,
        }
    }

    fn code_of(r: &Report) -> &'static str {
        match r.validate(Some(NOW)) {
            Ok(()) => "ok",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn good_reports_pass_and_round_trip() {
        for (kind, item) in [
            (ReportKind::Check, Some("+85291234567")),
            (ReportKind::Check, Some("https://hsbc-hk.example.com/login")),
            (ReportKind::Threat, Some("http://xn--hsb-xqa.com/")),
            (ReportKind::TripwireRemoteTool, Some("anydesk")),
            (ReportKind::TripwireCodeGuard, None),
            (ReportKind::SupportMessage, None),
            (ReportKind::Other, None),
        ] {
            let r = report(kind, item);
            assert_eq!(code_of(&r), "ok", "{r:?}");
            let json = serde_json::to_vec(&r).unwrap();
            assert_eq!(Report::from_json(&json, NOW).unwrap(), r);
        }
        let json = serde_json::to_value(report(ReportKind::TripwireRemoteTool, None)).unwrap();
        assert_eq!(json["kind"], "tripwire_remote_tool");
    }

    #[test]
    fn every_field_is_refused_with_its_own_code() {
        let base = report(ReportKind::Check, Some("+85291234567"));
        let with_item = |item: &str| Report {
            item: Some(item.to_owned()),
            ..base.clone()
        };
        for bad in [
            "",
            " +85291234567",
            "+852 9123 4567",
            "+85291234567\u{200B}",
            "+8529123\u{202E}4567",
            "https://example.com/login?token=123",
            "https://example.com/#frag",
            "https://user:pw@example.com/",
            "ftp://example.com/",
            "javascript:alert(1)",
            "AnyDesk",
            "drop table;",
            &format!("https://example.com/{}", "a".repeat(600)),
            "+0123456789",
            "+1234567890123456",
        ] {
            assert_eq!(
                code_of(&with_item(bad)),
                codes::REPORT_ITEM_INVALID,
                "{bad:?}"
            );
        }
        for verdict in [
            vec!["Scam".to_owned()],
            vec![String::new()],
            vec!["a".repeat(49)],
            vec!["scam;".to_owned()],
            vec!["scam".to_owned(); 17],
        ] {
            let r = Report {
                verdict,
                ..base.clone()
            };
            assert_eq!(code_of(&r), codes::REPORT_VERDICT_INVALID, "{r:?}");
        }
        let sixteen = Report {
            verdict: vec!["scam".to_owned(); 16],
            ..base.clone()
        };
        assert_eq!(code_of(&sixteen), "ok");
        for note in [
            "x".repeat(1001),
            "tab\there".to_owned(),
            "bell\u{7}".to_owned(),
            "cr\r\n".to_owned(),
            "zero\u{200D}width".to_owned(),
            "bidi \u{2067}x".to_owned(),
            "tag \u{E0041}".to_owned(),
        ] {
            let r = Report {
                note,
                ..base.clone()
            };
            assert_eq!(code_of(&r), codes::REPORT_NOTE_INVALID, "{r:?}");
        }
        let long_note = Report {
            note: "字".repeat(1000),
            ..base.clone()
        };
        assert_eq!(code_of(&long_note), "ok");
        for observed_at in [0, NOW + MAX_CLOCK_SKEW_SECS + 1] {
            let r = Report {
                observed_at,
                ..base.clone()
            };
            assert_eq!(code_of(&r), codes::REPORT_OBSERVED_AT_INVALID, "{r:?}");
        }
        // Without a clock (on the device), only zero is refused.
        let later = Report {
            observed_at: NOW + 10_000,
            ..base
        };
        assert!(later.validate(None).is_ok());
    }

    #[test]
    fn garbage_bodies_and_unknown_kinds_are_refused() {
        let kind = br#"{"kind":"phishing","observed_at":1799999000}"#;
        assert!(matches!(
            Report::from_json(kind, NOW),
            Err(ReportError::Kind(k)) if k == "phishing"
        ));
        for body in [
            &b"not json"[..],
            br#"{"kind":"check"}"#,
            br#"{"kind":"check","observed_at":1,"extra":1}"#,
            br#"{"kind":"check","observed_at":-1}"#,
            br#"{"kind":"check","observed_at":1,"verdict":"scam"}"#,
        ] {
            let e = Report::from_json(body, NOW).unwrap_err();
            assert_eq!(e.code(), codes::BAD_REQUEST, "{e}");
        }
    }

    #[test]
    fn only_shared_indicators_share_a_key_incidents_keep_their_own() {
        let a = report(ReportKind::Check, Some("+85291234567"));
        let b = Report {
            note: "another note".into(),
            verdict: vec![],
            ..a.clone()
        };
        // A shared indicator: one line whoever reports it.
        assert_eq!(a.dedup_key("d1"), b.dedup_key("d2"));
        assert_eq!(a.dedup_key("d1"), "check|+85291234567");
        let c = report(ReportKind::Threat, Some("+85291234567"));
        assert_ne!(a.dedup_key("d1"), c.dedup_key("d1"));
        // An incident on one computer: its own line, never another device's nor another moment's.
        let t = report(ReportKind::TripwireRemoteTool, Some("anydesk"));
        assert_ne!(t.dedup_key("d1"), t.dedup_key("d2"));
        let later = Report {
            observed_at: t.observed_at + 1,
            ..t.clone()
        };
        assert_ne!(t.dedup_key("d1"), later.dedup_key("d1"));
        let o = report(ReportKind::Other, None);
        assert_ne!(o.dedup_key("d1"), o.dedup_key("d2"));
        let unnamed = report(ReportKind::Check, None);
        assert_ne!(unnamed.dedup_key("d1"), unnamed.dedup_key("d2"));
    }

    #[test]
    fn format_characters() {
        for c in [
            '\u{AD}',
            '\u{200B}',
            '\u{200E}',
            '\u{2066}',
            '\u{FEFF}',
            '\u{E0001}',
        ] {
            assert!(is_format_char(c), "{c:?}");
        }
        for c in ['a', '字', ' ', '\u{A0}', '\u{1F600}'] {
            assert!(!is_format_char(c), "{c:?}");
        }
    }
    #[test]
    fn an_appeal_names_a_number_or_link_and_says_why() {
        let mut r = report(ReportKind::Appeal, Some("+85291234567"));
        r.validate(Some(NOW)).unwrap();
        assert_eq!(
            r.dedup_key("dev"),
            "appeal|+85291234567",
            "shared by every device"
        );
        r.note = "  ".into();
        assert_eq!(code_of(&r), codes::REPORT_NOTE_INVALID);
        let r = report(ReportKind::Appeal, Some("anydesk"));
        assert_eq!(code_of(&r), codes::REPORT_ITEM_INVALID);
        let r = report(ReportKind::Appeal, None);
        assert_eq!(code_of(&r), codes::REPORT_ITEM_INVALID);
    }
}
