//! The check: one input (a number, a link or a message) in, one verdict with reasons, matched
//! entries and advice out. Pure: the blocklist (any [`BlocklistLookup`]), the official directory
//! and the default region come in through [`CheckContext`]. The only failure is the blocklist's
//! own (a store that cannot be read): a check never guesses a verdict without it.
//!
//! Precedence: organisation's allowlist > blocklist > official directory > rules. A number or
//! link the organisation knows (`OfficialDirectory::known`, confirmed by its IT after an appeal)
//! is `official` with `org_known` and the contact's label, whatever the blocklist or the
//! look-alike rules say (its blocklist entries are not reported as matches); a listed one is
//! `scam` (rule findings are still reported as extra reasons); an official one is `official`; a
//! rule that fired makes it `suspicious`; a readable input with nothing is `no_record` (never
//! "safe"); an unreadable one is `invalid`. Hints never change a verdict.
//!
//! The allowlist vouches for a number or a domain, never for what a message says: scam scripts
//! in a message make it `suspicious` even when every item in it is known (a supplier's account
//! taken over, a spoofed caller ID), and a known number presented as the platform's customer
//! service is `suspicious` (`presented_as_platform_support`): it is no official channel.
//!
//! A message is checked item by item (each number and link it contains, in order), then for
//! scam scripts. Its verdict is the worst of its items and its scripts; an unreadable item
//! inside a readable message counts as `no_record`. A number in a message that also claims to
//! be the platform's customer service becomes `suspicious` itself (`presented_as_platform_support`).

use serde::{Deserialize, Serialize};

use crate::lookalike;
use crate::lookup::{BlocklistLookup, LookupError};
use crate::message::{self, ScriptHit};
use crate::official::OfficialDirectory;
use crate::verdict::{AdviceCode, CheckKind, Match, Reason, ReasonCode, Verdict};
use verity_core::link::{self, LinkError};
use verity_core::phone::{self, PhoneError, PhoneHint, Region};

/// What a check needs besides the input.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// The blocklist: the in-memory [`crate::lookup::BlocklistIndex`], or the store's
    /// filter-backed view.
    pub index: &'a dyn BlocklistLookup,
    /// The official channels.
    pub official: &'a OfficialDirectory,
    /// How to read numbers written without a country code.
    pub default_region: Region,
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CheckOutcome {
    /// The input as given.
    pub input: String,
    /// What it was checked as.
    pub kind: CheckKind,
    /// E.164 for a number, the Safe Browsing canonical URL for a link, none for a message or
    /// an unreadable input.
    pub normalized: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, most important first; hints last.
    pub reasons: Vec<Reason>,
    /// The blocklist entries that matched (for a message: those of its items).
    pub matches: Vec<Match>,
    /// What to do, in display order.
    pub advice: Vec<AdviceCode>,
    /// For a message: one outcome per number and link found, in order of appearance.
    pub items: Vec<CheckOutcome>,
}

/// Checks `input` as `kind`, or as the kind [`detect_kind`] finds.
///
/// # Errors
/// [`LookupError`] when the blocklist cannot be read.
pub fn check(
    input: &str,
    kind: Option<CheckKind>,
    ctx: &CheckContext<'_>,
) -> Result<CheckOutcome, LookupError> {
    match kind.unwrap_or_else(|| detect_kind_in(input, ctx.default_region)) {
        CheckKind::Phone => check_phone(input, ctx),
        CheckKind::Url => check_url(input, ctx, kind.is_some()),
        CheckKind::Text => check_text(input, ctx),
    }
}

/// Guesses what an input is: a phone number (digits and separators only, a `tel:` URI, a
/// number disguised with look-alike letters that stands for a valid number of Hong Kong, or a
/// single short token that is mostly digits — letters then make it `invalid`), a link (a
/// single token with a scheme, `www.`, or a host with a known public suffix), else text.
#[must_use]
pub fn detect_kind(input: &str) -> CheckKind {
    detect_kind_in(input, Region::HK)
}

/// [`detect_kind`], reading disguised numbers (see [`phone::reveal`]) in `region`.
#[must_use]
pub fn detect_kind_in(input: &str, region: Region) -> CheckKind {
    let t = input.trim();
    if t.is_empty() {
        return CheckKind::Text;
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("tel:") || disguised_number(t, region).is_some() {
        return CheckKind::Phone;
    }
    let digits = t.chars().filter(|c| phone::is_digit_char(*c)).count();
    if digits >= 3
        && t.chars()
            .all(|c| phone::is_number_char(c) || c.is_whitespace())
    {
        return CheckKind::Phone;
    }
    if t.chars().any(char::is_whitespace) || t.contains('@') && !t.contains('/') {
        return CheckKind::Text;
    }
    if lower.contains("://") || lower.starts_with("www.") {
        return CheckKind::Url;
    }
    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
    if digits >= 4 && letters <= 8 && !t.contains(['.', '/', ':']) {
        return CheckKind::Phone;
    }
    match link::canonicalize(t) {
        Ok(c) if c.host_is_plausible() => CheckKind::Url,
        Err(LinkError::UnsupportedScheme(_)) => CheckKind::Url,
        _ => CheckKind::Text,
    }
}

fn outcome(input: &str, kind: CheckKind) -> CheckOutcome {
    CheckOutcome {
        input: input.to_owned(),
        kind,
        normalized: None,
        verdict: Verdict::Invalid,
        // Every outcome has at least one reason; four is what a first push would allocate.
        reasons: Vec::with_capacity(4),
        matches: Vec::new(),
        advice: Vec::new(),
        items: Vec::new(),
    }
}

fn phone_error_reason(e: &PhoneError) -> Reason {
    let code = match e {
        PhoneError::Empty => ReasonCode::EmptyInput,
        PhoneError::InputTooLong => ReasonCode::InputTooLong,
        PhoneError::LooksLikeEmail => ReasonCode::LooksLikeEmail,
        PhoneError::ContainsLetters => ReasonCode::ContainsLetters,
        PhoneError::InvalidCharacter(_) | PhoneError::MisplacedPlus | PhoneError::NoDigits => {
            ReasonCode::NotANumber
        }
        PhoneError::UnknownCountryCode(_) => ReasonCode::UnknownCountryCode,
        PhoneError::TooShort { .. } => ReasonCode::NumberTooShort,
        PhoneError::TooLong { .. } => ReasonCode::NumberTooLong,
        PhoneError::InvalidForRegion { .. } => ReasonCode::NumberInvalidForRegion,
    };
    Reason::with(code, e.to_string())
}

fn hint_reason(h: PhoneHint) -> Reason {
    Reason::new(match h {
        PhoneHint::HkCallerIdSpoof => ReasonCode::HkCallerIdSpoofHint,
        PhoneHint::HkPrefixNonHkPattern => ReasonCode::HkPrefixNonHkPatternHint,
        PhoneHint::Overseas => ReasonCode::OverseasNumberHint,
        PhoneHint::PremiumRate => ReasonCode::PremiumRateHint,
    })
}

/// The number `input` stands for when the whole of it is a number disguised with look-alike
/// letters ([`phone::reveal`]): the digits as revealed, and how they read. Only a valid number,
/// or one written internationally (`+852 5O88 l234`) with an assigned country code and the
/// length of that country's numbers, counts: anything else is not taken for a number at all
/// (so a valid number with a letter glued on, `+852 2123 4567I`, is not one).
pub(crate) fn disguised_number(
    input: &str,
    region: Region,
) -> Option<(String, Result<phone::PhoneNumber, PhoneError>)> {
    let d = phone::reveal(input)?;
    match phone::normalize(&d.revealed, region) {
        Ok(n) => Some((d.revealed, Ok(n))),
        Err(e @ PhoneError::InvalidForRegion { .. }) if written_internationally(&d.revealed) => {
            Some((d.revealed, Err(e)))
        }
        Err(_) => None,
    }
}

/// Starts with `+` or `00` (after an opening bracket): written with a country code.
pub(crate) fn written_internationally(number: &str) -> bool {
    let t = number.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '(' | '\u{FF08}'));
    let double_zero = t.chars().count() > 2
        && t.chars()
            .take(2)
            .all(|c| phone::ascii_digit(c) == Some('0'));
    t.starts_with(['+', '\u{FF0B}']) || double_zero
}

/// A number disguised with look-alike letters: `scam` when the number it stands for is listed,
/// else `suspicious` (`disguised_digits`, with the number revealed as its detail), whatever the
/// official directory says: an official channel does not hide its digits. An official number
/// says so as a further reason; a number no plan has says why after the disguise.
fn check_disguised(
    out: &mut CheckOutcome,
    revealed: &str,
    read: Result<phone::PhoneNumber, PhoneError>,
    ctx: &CheckContext<'_>,
) -> Result<(), LookupError> {
    let disguised = Reason::with(ReasonCode::DisguisedDigits, revealed.trim());
    let n = match read {
        Ok(n) => n,
        Err(e) => {
            out.verdict = Verdict::Suspicious;
            out.reasons.push(disguised);
            out.reasons.push(phone_error_reason(&e));
            out.reasons.extend(e.hints().into_iter().map(hint_reason));
            return Ok(());
        }
    };
    let hits = ctx.index.lookup_phone(&n.e164)?;
    if hits.is_empty() {
        out.verdict = Verdict::Suspicious;
    } else {
        out.verdict = Verdict::Scam;
        out.reasons
            .push(Reason::with(ReasonCode::OnBlocklist, n.e164.clone()));
    }
    out.reasons.push(disguised);
    if hits.is_empty() && ctx.official.is_official_phone(&n.e164) {
        out.reasons.push(Reason::new(ReasonCode::OfficialChannel));
    }
    out.matches = hits.iter().map(Match::from).collect();
    out.reasons.extend(n.hints.iter().copied().map(hint_reason));
    out.normalized = Some(n.e164);
    Ok(())
}

fn check_phone(input: &str, ctx: &CheckContext<'_>) -> Result<CheckOutcome, LookupError> {
    let mut out = outcome(input, CheckKind::Phone);
    let read = phone::normalize(input, ctx.default_region);
    if read.is_err() {
        if let Some((revealed, read)) = disguised_number(input, ctx.default_region) {
            check_disguised(&mut out, &revealed, read, ctx)?;
            out.advice = advice(CheckKind::Phone, out.verdict, &out.reasons, false);
            return Ok(out);
        }
    }
    match read {
        Ok(n) => {
            let known = ctx.official.known_phone(&n.e164);
            let hits = match known {
                Some(_) => Vec::new(),
                None => ctx.index.lookup_phone(&n.e164)?,
            };
            if let Some(k) = known {
                out.verdict = Verdict::Official;
                out.reasons
                    .push(Reason::with(ReasonCode::OrgKnown, k.label.clone()));
            } else if !hits.is_empty() {
                out.verdict = Verdict::Scam;
                out.reasons
                    .push(Reason::with(ReasonCode::OnBlocklist, n.e164.clone()));
            } else if ctx.official.is_official_phone(&n.e164) {
                out.verdict = Verdict::Official;
                out.reasons.push(Reason::new(ReasonCode::OfficialChannel));
            } else {
                out.verdict = Verdict::NoRecord;
                out.reasons.push(Reason::new(ReasonCode::NoRecord));
            }
            if !hits.is_empty() {
                out.matches = hits.iter().map(Match::from).collect();
            }
            out.reasons.extend(n.hints.iter().copied().map(hint_reason));
            out.normalized = Some(n.e164);
        }
        Err(e) => {
            out.reasons.push(phone_error_reason(&e));
            out.reasons.extend(e.hints().into_iter().map(hint_reason));
        }
    }
    out.advice = advice(CheckKind::Phone, out.verdict, &out.reasons, false);
    Ok(out)
}

/// Whether an input said to be a link is written as one: with an `http(s):` scheme, or without
/// blanks. Safe Browsing reads `http:// leadingspace.com/` as a host with a space, but a phrase
/// such as `not a link at all` is not a link the user meant.
fn written_as_link(input: &str) -> bool {
    let t = input.trim();
    let lower = t.get(..6).unwrap_or(t).to_ascii_lowercase();
    lower.starts_with("http:") || lower.starts_with("https:") || !t.contains(char::is_whitespace)
}

/// Checks a link. `explicit`: the user said the input is a link (`--kind url`, the Link
/// choice), so every host that Safe Browsing canonicalisation accepts is checked, single-label
/// intranet names (`http://host/`) and escaped hosts (`http://host%23.com/`) included, as long
/// as it is written as a link ([`written_as_link`]). Otherwise (auto-detected, or found in a
/// message) the host must look like a real one ([`link::CanonicalUrl::host_is_plausible`]), so
/// that ordinary words are not read as links.
fn check_url(
    input: &str,
    ctx: &CheckContext<'_>,
    explicit: bool,
) -> Result<CheckOutcome, LookupError> {
    let mut out = outcome(input, CheckKind::Url);
    match link::canonicalize(input) {
        Ok(c) if explicit && written_as_link(input) || c.host_is_plausible() => {
            let known = if c.host_is_ip {
                None
            } else {
                ctx.official.known_host(&c.host)
            };
            if let Some(k) = known {
                out.verdict = Verdict::Official;
                out.reasons
                    .push(Reason::with(ReasonCode::OrgKnown, k.label.clone()));
                out.normalized = Some(c.canonical);
                out.advice = advice(CheckKind::Url, out.verdict, &out.reasons, false);
                return Ok(out);
            }
            let hits = ctx.index.lookup_url(&c)?;
            let assessment = lookalike::assess(&c, ctx.official);
            if let Some(first) = hits.first() {
                out.verdict = Verdict::Scam;
                out.reasons
                    .push(Reason::with(ReasonCode::OnBlocklist, first.value.clone()));
                out.reasons.extend(assessment.reasons);
            } else if assessment.official {
                out.verdict = Verdict::Official;
                out.reasons
                    .push(Reason::with(ReasonCode::OfficialChannel, c.host.clone()));
            } else if !assessment.reasons.is_empty() {
                out.verdict = Verdict::Suspicious;
                out.reasons.extend(assessment.reasons);
            } else {
                out.verdict = Verdict::NoRecord;
                out.reasons.push(Reason::new(ReasonCode::NoRecord));
            }
            out.matches = hits.iter().map(Match::from).collect();
            out.normalized = Some(c.canonical);
        }
        Ok(_) => out.reasons.push(Reason::new(ReasonCode::NotALink)),
        Err(e) => {
            let code = match e {
                LinkError::Empty => ReasonCode::EmptyInput,
                LinkError::TooLong => ReasonCode::InputTooLong,
                LinkError::UnsupportedScheme(_) => ReasonCode::UnsupportedScheme,
                LinkError::EmptyHost | LinkError::InvalidHost | LinkError::InvalidPort => {
                    ReasonCode::NotALink
                }
            };
            out.reasons.push(Reason::with(code, e.to_string()));
        }
    }
    out.advice = advice(CheckKind::Url, out.verdict, &out.reasons, false);
    Ok(out)
}

fn check_text(input: &str, ctx: &CheckContext<'_>) -> Result<CheckOutcome, LookupError> {
    let mut out = outcome(input, CheckKind::Text);
    if input.trim().is_empty() {
        out.reasons.push(Reason::new(ReasonCode::EmptyInput));
        out.advice = advice(CheckKind::Text, Verdict::Invalid, &out.reasons, false);
        return Ok(out);
    }
    if input.len() > message::MAX_TEXT_BYTES {
        out.reasons.push(Reason::new(ReasonCode::InputTooLong));
        out.advice = advice(CheckKind::Text, Verdict::Invalid, &out.reasons, false);
        return Ok(out);
    }
    let found = message::extract(input, ctx.default_region);
    let mut items: Vec<(usize, CheckOutcome)> = Vec::new();
    for f in &found.phones {
        items.push((f.start, check_phone(&f.text, ctx)?));
    }
    for f in &found.links {
        items.push((f.start, check_url(&f.text, ctx, false)?));
    }
    items.sort_by_key(|(start, _)| *start);
    let mut items: Vec<CheckOutcome> = items.into_iter().map(|(_, o)| o).collect();

    // A number the organisation knows is still no official channel of the platform.
    let official_channel = |i: &CheckOutcome| {
        i.verdict == Verdict::Official
            && i.reasons
                .iter()
                .any(|r| r.code == ReasonCode::OfficialChannel)
    };
    let has_unofficial_phone = items
        .iter()
        .any(|i| i.kind == CheckKind::Phone && !official_channel(i));
    let scripts = message::detect_scripts(input, has_unofficial_phone, ctx.official);
    let presented = scripts
        .iter()
        .any(|s| s.code == ReasonCode::PresentedAsPlatformSupport);
    let remote = scripts.iter().any(|s| s.remote_access);

    if presented {
        for item in items.iter_mut().filter(|i| i.kind == CheckKind::Phone) {
            if official_channel(item) {
                continue;
            }
            if matches!(item.verdict, Verdict::NoRecord | Verdict::Official) {
                item.verdict = Verdict::Suspicious;
                item.reasons.retain(|r| r.code != ReasonCode::NoRecord);
            }
            item.reasons.insert(
                usize::from(item.verdict == Verdict::Scam),
                Reason::new(ReasonCode::PresentedAsPlatformSupport),
            );
            item.advice = advice(CheckKind::Phone, item.verdict, &item.reasons, false);
        }
    }

    let mut verdict = if scripts.is_empty() {
        Verdict::NoRecord
    } else {
        Verdict::Suspicious
    };
    let mut any_item_readable_non_official = false;
    let mut all_official = !items.is_empty();
    for i in &items {
        let v = if i.verdict == Verdict::Invalid {
            Verdict::NoRecord
        } else {
            i.verdict
        };
        if v != Verdict::Official {
            all_official = false;
            any_item_readable_non_official = true;
        }
        if v.severity() > verdict.severity() {
            verdict = v;
        }
    }
    if scripts.is_empty() && all_official && !any_item_readable_non_official {
        verdict = Verdict::Official;
    }

    if items.iter().any(|i| i.verdict == Verdict::Scam) {
        out.reasons
            .push(Reason::new(ReasonCode::ContainsListedItem));
    }
    let disguised: Vec<&str> = items
        .iter()
        .flat_map(|i| &i.reasons)
        .filter(|r| r.code == ReasonCode::DisguisedDigits)
        .filter_map(|r| r.detail.as_deref())
        .collect();
    if !disguised.is_empty() {
        out.reasons.push(Reason::with(
            ReasonCode::DisguisedDigits,
            disguised.join(", "),
        ));
    }
    for s in &scripts {
        out.reasons.push(script_reason(s));
    }
    if items.iter().any(|i| i.verdict == Verdict::Suspicious) {
        out.reasons
            .push(Reason::new(ReasonCode::ContainsSuspiciousItem));
    }
    match verdict {
        Verdict::Official if items.iter().any(official_channel) => {
            out.reasons.push(Reason::new(ReasonCode::OfficialChannel));
        }
        Verdict::NoRecord => out.reasons.push(Reason::new(ReasonCode::NoRecord)),
        _ => {}
    }
    // Who the organisation knows in the message, whatever the verdict: context for the reader
    // (a known supplier's number in a message asking for a code is a taken-over account).
    for r in items
        .iter()
        .flat_map(|i| i.reasons.iter())
        .filter(|r| r.code == ReasonCode::OrgKnown)
    {
        if !out.reasons.contains(r) {
            out.reasons.push(r.clone());
        }
    }

    let mut matches: Vec<Match> = Vec::new();
    for m in items.iter().flat_map(|i| i.matches.iter()) {
        if !matches.contains(m) {
            matches.push(m.clone());
        }
    }
    let mut adv = advice(CheckKind::Text, verdict, &out.reasons, remote);
    for i in &items {
        if i.verdict.is_risky() {
            adv.extend(i.advice.iter().copied());
        }
    }
    adv.sort_unstable();
    adv.dedup();

    out.verdict = verdict;
    out.matches = matches;
    out.advice = adv;
    out.items = std::mem::take(&mut items);
    Ok(out)
}

fn script_reason(s: &ScriptHit) -> Reason {
    if s.cues.is_empty() || s.code == ReasonCode::PresentedAsPlatformSupport {
        Reason::new(s.code)
    } else {
        Reason::with(s.code, s.cues.join(", "))
    }
}

/// The advice for a verdict, from the kind and the reasons.
fn advice(kind: CheckKind, verdict: Verdict, reasons: &[Reason], remote: bool) -> Vec<AdviceCode> {
    use AdviceCode as A;
    // Room for the common answers without growing.
    let mut out: Vec<AdviceCode> = Vec::with_capacity(8);
    match verdict {
        Verdict::Scam | Verdict::Suspicious => {
            match kind {
                CheckKind::Phone => out.extend([A::HangUp, A::DeleteSavedNumber]),
                CheckKind::Url => out.extend([A::DoNotOpenLink, A::DoNotEnterDetails]),
                CheckKind::Text => {}
            }
            for r in reasons {
                match r.code {
                    ReasonCode::ScriptCodeOrRemoteAccess => {
                        out.extend([A::HangUp, A::NeverShareCode]);
                        if remote {
                            out.push(A::DoNotInstallRemoteTool);
                        }
                    }
                    ReasonCode::ScriptPaidUpgrade => out.push(A::DoNotPay),
                    ReasonCode::ScriptFreezeThreat => out.push(A::HangUp),
                    ReasonCode::PresentedAsPlatformSupport => {
                        out.extend([A::HangUp, A::DeleteSavedNumber]);
                    }
                    ReasonCode::PlainHttpSensitivePath => out.push(A::DoNotEnterDetails),
                    _ => {}
                }
            }
            out.extend([A::UseInAppSupport, A::ReportToIt]);
        }
        Verdict::Official => out.push(A::NeverShareCode),
        Verdict::NoRecord => out.extend([A::StayCautious, A::UseInAppSupport]),
        Verdict::Invalid => out.push(A::CheckInput),
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup::BlocklistIndex;
    use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
    use verity_core::clock::Timestamp;

    fn index() -> BlocklistIndex {
        let e = |kind, raw: &str, category| {
            BlocklistEntry::new(
                kind,
                raw,
                category,
                Some("sample-2025q3".into()),
                Some("sample".into()),
                Timestamp(1_750_000_000),
                Region::HK,
            )
            .unwrap()
        };
        BlocklistIndex::build(vec![
            e(EntryKind::Phone, "+852 3001 2345", Category::FakeSupport),
            e(
                EntryKind::Domain,
                "dingtalk-upgrade.com",
                Category::FakeUpgrade,
            ),
            e(
                EntryKind::Url,
                "http://evil-pay.top/pay/",
                Category::Phishing,
            ),
        ])
    }

    fn run(input: &str, kind: Option<CheckKind>) -> CheckOutcome {
        let idx = index();
        let official = OfficialDirectory::dingtalk_default();
        let ctx = CheckContext {
            index: &idx,
            official: &official,
            default_region: Region::HK,
        };
        check(input, kind, &ctx).unwrap()
    }

    fn codes(o: &CheckOutcome) -> Vec<&'static str> {
        o.reasons.iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn kind_detection() {
        let cases = [
            ("+852 9123 4567", CheckKind::Phone),
            ("9123-4567", CheckKind::Phone),
            ("tel:+85291234567", CheckKind::Phone),
            ("1-800-FLOWERS", CheckKind::Phone),
            ("９１２３４５６７", CheckKind::Phone),
            ("https://dingtalk.com", CheckKind::Url),
            ("www.dingtalk-hk.com", CheckKind::Url),
            ("dingtalk-hk.com/login", CheckKind::Url),
            ("3279880203", CheckKind::Phone),
            ("http://3279880203/", CheckKind::Url),
            ("mailto:x@y.com", CheckKind::Text),
            ("javascript:alert(1)", CheckKind::Url),
            ("support@dingtalk.com", CheckKind::Text),
            ("Call 9123 4567 now", CheckKind::Text),
            ("hello", CheckKind::Text),
            ("", CheckKind::Text),
        ];
        for (input, want) in cases {
            assert_eq!(detect_kind(input), want, "{input:?}");
        }
    }

    #[test]
    fn phone_verdicts() {
        let o = run("3001 2345", None);
        assert_eq!((o.kind, o.verdict), (CheckKind::Phone, Verdict::Scam));
        assert_eq!(o.normalized.as_deref(), Some("+85230012345"));
        assert_eq!(codes(&o), ["on_blocklist"]);
        assert_eq!(o.matches.len(), 1);
        assert_eq!(o.matches[0].category, Category::FakeSupport);
        assert_eq!(o.matches[0].campaign.as_deref(), Some("sample-2025q3"));
        assert!(o.advice.contains(&AdviceCode::HangUp));
        assert!(o.advice.contains(&AdviceCode::UseInAppSupport));

        let o = run("+852 9123 4567", None);
        assert_eq!(o.verdict, Verdict::NoRecord);
        assert_eq!(codes(&o), ["no_record", "hk_caller_id_spoof_hint"]);
        assert_eq!(
            o.advice,
            [AdviceCode::UseInAppSupport, AdviceCode::StayCautious]
        );

        let o = run("9123 456", None);
        assert_eq!(o.verdict, Verdict::Invalid);
        assert_eq!(codes(&o), ["number_too_short"]);
        assert_eq!(o.normalized, None);

        let o = run("+852 1234 5678", None);
        assert_eq!(o.verdict, Verdict::Invalid);
        assert_eq!(
            codes(&o),
            ["number_invalid_for_region", "hk_prefix_non_hk_pattern_hint"]
        );

        let o = run("1-800-FLOWERS", None);
        assert_eq!(
            (o.verdict, codes(&o)),
            (Verdict::Invalid, vec!["contains_letters"])
        );
        let o = run("support@dingtalk.com", Some(CheckKind::Phone));
        assert_eq!(
            (o.verdict, codes(&o)),
            (Verdict::Invalid, vec!["looks_like_email"])
        );
    }

    #[test]
    fn url_verdicts() {
        let cases: &[(&str, Verdict, &[&str])] = &[
            (
                "https://h5.dingtalk.com/x",
                Verdict::Official,
                &["official_channel"],
            ),
            (
                "https://pay.dingtalk-upgrade.com/",
                Verdict::Scam,
                &["on_blocklist", "brand_affix_domain"],
            ),
            (
                "http://evil-pay.top/pay/step1",
                Verdict::Scam,
                &["on_blocklist", "plain_http_sensitive_path"],
            ),
            (
                "dingtalk-hk.com",
                Verdict::Suspicious,
                &["brand_affix_domain"],
            ),
            (
                "http://dingtalk.com.evil.xyz/login",
                Verdict::Suspicious,
                &["official_name_as_subdomain", "plain_http_sensitive_path"],
            ),
            ("https://www.google.com/", Verdict::NoRecord, &["no_record"]),
            ("mailto:a@b.com", Verdict::Invalid, &["unsupported_scheme"]),
            ("http://a%2Fb.com/", Verdict::Invalid, &["not_a_link"]),
        ];
        for (input, verdict, want) in cases {
            let o = run(input, Some(CheckKind::Url));
            assert_eq!(o.verdict, *verdict, "{input}: {:?}", o.reasons);
            assert_eq!(codes(&o), *want, "{input}");
        }
        assert_eq!(
            run("HTTP://WWW.Google.com:80/a/../b#x", None)
                .normalized
                .as_deref(),
            Some("http://www.google.com/b")
        );
        // Said to be a link: a single-label (intranet) host is one, as Safe Browsing reads it.
        let o = run("hello", Some(CheckKind::Url));
        assert_eq!(
            (o.verdict, codes(&o), o.normalized.as_deref()),
            (Verdict::NoRecord, vec!["no_record"], Some("http://hello/"))
        );
        // Detected, or in a message: the host must look real.
        for input in ["http://hello/", "http://host%23.com/x"] {
            let o = run(input, None);
            assert_eq!(
                (o.kind, o.verdict, codes(&o)),
                (CheckKind::Url, Verdict::Invalid, vec!["not_a_link"]),
                "{input}"
            );
        }
        let o = run("see http://intranet/login now", None);
        assert_eq!(o.items.len(), 1);
        assert_eq!(codes(&o.items[0]), ["not_a_link"]);
    }

    #[test]
    fn text_verdicts() {
        let o = run(
            "釘釘客服熱線 3001 2345，您的帳戶將於24小時內凍結，請立即致電。",
            None,
        );
        assert_eq!(o.kind, CheckKind::Text);
        assert_eq!(o.verdict, Verdict::Scam);
        assert_eq!(
            codes(&o),
            [
                "contains_listed_item",
                "script_freeze_threat",
                "presented_as_platform_support"
            ]
        );
        assert_eq!(o.items.len(), 1);
        assert_eq!(
            codes(&o.items[0]),
            ["on_blocklist", "presented_as_platform_support"]
        );
        assert_eq!(o.matches.len(), 1);

        let o = run("DingTalk customer service hotline 6123 4567", None);
        assert_eq!(o.verdict, Verdict::Suspicious);
        assert_eq!(o.items[0].verdict, Verdict::Suspicious);
        assert_eq!(codes(&o.items[0]), ["presented_as_platform_support"]);

        let o = run(
            "Your enterprise account needs an upgrade: pay HK$1,500 at https://dingtalk-hk.com/pay",
            None,
        );
        assert_eq!(o.verdict, Verdict::Suspicious);
        assert!(o.advice.contains(&AdviceCode::DoNotPay));
        assert!(o.advice.contains(&AdviceCode::DoNotOpenLink));

        let o = run("Please download AnyDesk so our engineer can help", None);
        assert_eq!(o.verdict, Verdict::Suspicious);
        assert!(o.advice.contains(&AdviceCode::DoNotInstallRemoteTool));

        let o = run(
            "Your DingTalk verification code is 482913. Do not share it with anyone.",
            None,
        );
        assert_eq!(
            (o.verdict, codes(&o)),
            (Verdict::NoRecord, vec!["no_record"])
        );

        let o = run("See https://www.dingtalk.com/ for the download.", None);
        assert_eq!(o.verdict, Verdict::Official);

        let o = run(
            "Lunch at 12:30? Call me on 9123 4567 or see www.google.com",
            None,
        );
        assert_eq!(o.verdict, Verdict::NoRecord);
        assert_eq!(o.items.len(), 2);
        assert_eq!(o.items[0].kind, CheckKind::Phone);
        assert_eq!(o.items[1].kind, CheckKind::Url);

        let o = run("   ", Some(CheckKind::Text));
        assert_eq!(
            (o.verdict, codes(&o)),
            (Verdict::Invalid, vec!["empty_input"])
        );
    }

    /// The default directory plus the organisation's allowlist: a number and a domain that are
    /// on the blocklist (an appeal upheld), a number and a domain that are not.
    fn with_known() -> OfficialDirectory {
        use crate::official::{KnownContact, KnownKind};
        let mut d = OfficialDirectory::dingtalk_default();
        let k = |kind, v: &str, label: &str| KnownContact::new(kind, v, label, Region::HK).unwrap();
        d.add_known(vec![
            k(KnownKind::Phone, "3001 2345", "Acme Supplies, accounts"),
            k(KnownKind::Phone, "+852 6123 4567", "Courier desk"),
            k(KnownKind::Domain, "dingtalk-upgrade.com", "Upgrade partner"),
            k(
                KnownKind::Domain,
                "https://Acme-Supplies.HK/",
                "Acme Supplies",
            ),
        ])
        .unwrap();
        d.validate().unwrap();
        d
    }

    fn run_known(input: &str, kind: Option<CheckKind>) -> CheckOutcome {
        let idx = index();
        let official = with_known();
        let ctx = CheckContext {
            index: &idx,
            official: &official,
            default_region: Region::HK,
        };
        check(input, kind, &ctx).unwrap()
    }

    #[test]
    fn a_known_number_is_known_to_the_organisation_even_when_listed() {
        // Listed as fake support, and on the allowlist: the allowlist wins, with its label.
        let o = run_known("3001 2345", None);
        assert_eq!(o.verdict, Verdict::Official, "{:?}", o.reasons);
        assert_eq!(
            o.reasons[0],
            Reason::with(ReasonCode::OrgKnown, "Acme Supplies, accounts")
        );
        assert!(o.matches.is_empty(), "no blocklist match is reported");
        assert!(!o.advice.contains(&AdviceCode::HangUp));
        assert!(o.advice.contains(&AdviceCode::NeverShareCode));
        // Not listed: known all the same; the caller-ID hint stays.
        let o = run_known("+852 6123 4567", None);
        assert_eq!(o.verdict, Verdict::Official);
        assert_eq!(codes(&o), ["org_known", "hk_caller_id_spoof_hint"]);
        assert_eq!(o.reasons[0].detail.as_deref(), Some("Courier desk"));
        // Another number is untouched.
        assert_eq!(run_known("6123 4568", None).verdict, Verdict::NoRecord);
        // Without the allowlist the same number is a scam.
        assert_eq!(run("3001 2345", None).verdict, Verdict::Scam);
    }

    #[test]
    fn a_known_domain_covers_its_subdomains_and_beats_list_and_lookalike_rules() {
        let cases: &[(&str, &str)] = &[
            ("https://acme-supplies.hk/invoice", "Acme Supplies"),
            ("http://portal.acme-supplies.hk/login", "Acme Supplies"),
            // Listed, and a brand-affix look-alike: known all the same.
            ("https://dingtalk-upgrade.com/", "Upgrade partner"),
            ("https://pay.dingtalk-upgrade.com/pay", "Upgrade partner"),
        ];
        for (input, label) in cases {
            let o = run_known(input, Some(CheckKind::Url));
            assert_eq!(o.verdict, Verdict::Official, "{input}: {:?}", o.reasons);
            assert_eq!(
                o.reasons,
                [Reason::with(ReasonCode::OrgKnown, *label)],
                "{input}"
            );
            assert!(o.matches.is_empty(), "{input}");
        }
        assert_eq!(
            run("https://pay.dingtalk-upgrade.com/", None).verdict,
            Verdict::Scam
        );
    }

    #[test]
    fn look_alikes_of_a_known_domain_are_still_flagged() {
        let cases: &[(&str, &str)] = &[
            ("https://dingtalk-upgrade.co/", "brand_affix_domain"),
            ("https://dingtalk-upgrades.com/", "brand_affix_domain"),
            (
                "https://dingtalk-upgrade.com.evil.xyz/",
                "official_name_as_subdomain",
            ),
            ("https://xdingtalk-upgrade.com/", "brand_affix_domain"),
        ];
        for (input, code) in cases {
            let o = run_known(input, Some(CheckKind::Url));
            assert_eq!(o.verdict, Verdict::Suspicious, "{input}: {:?}", o.reasons);
            assert!(codes(&o).contains(code), "{input}: {:?}", o.reasons);
            assert!(!codes(&o).contains(&"org_known"), "{input}");
        }
        // A domain that merely ends like a known one is not under it.
        let o = run_known("https://evilacme-supplies.hk/", Some(CheckKind::Url));
        assert_eq!(o.verdict, Verdict::NoRecord);
    }

    #[test]
    fn scam_scripts_still_apply_to_a_message_from_a_known_number() {
        // A supplier's account taken over, or its number spoofed: the script decides.
        let o = run_known(
            "Acme accounts here (6123 4567). Please tell me the verification code we just sent.",
            None,
        );
        assert_eq!(o.verdict, Verdict::Suspicious, "{:?}", o.reasons);
        assert_eq!(codes(&o), ["script_code_or_remote_access", "org_known"]);
        assert_eq!(o.items.len(), 1);
        assert_eq!(o.items[0].verdict, Verdict::Official);
        assert!(o.advice.contains(&AdviceCode::NeverShareCode));

        // Remote access and payment too.
        let o = run_known(
            "Call 3001 2345: please download AnyDesk so our engineer can help",
            None,
        );
        assert_eq!(o.verdict, Verdict::Suspicious);
        assert!(o.advice.contains(&AdviceCode::DoNotInstallRemoteTool));

        // A known number presented as the platform's customer service is no official channel.
        let o = run_known("DingTalk customer service hotline 6123 4567", None);
        assert_eq!(o.verdict, Verdict::Suspicious);
        assert_eq!(o.items[0].verdict, Verdict::Suspicious);
        assert_eq!(
            codes(&o.items[0]),
            ["presented_as_platform_support", "org_known"]
        );

        // Nothing asked: the message is known to the organisation.
        let o = run_known(
            "Your parcel from https://acme-supplies.hk/track arrives today; questions: 6123 4567",
            None,
        );
        assert_eq!(o.verdict, Verdict::Official, "{:?}", o.reasons);
        assert_eq!(codes(&o), ["org_known", "org_known"]);
    }

    #[test]
    fn known_contacts_are_read_strictly() {
        use crate::official::{KnownContact, KnownError, KnownKind, MAX_KNOWN};
        let k = |kind, v: &str, label: &str| KnownContact::new(kind, v, label, Region::HK);
        assert_eq!(
            k(KnownKind::Domain, "WWW.Acme.HK.", " Acme ").unwrap(),
            KnownContact {
                kind: KnownKind::Domain,
                value: "www.acme.hk".into(),
                label: "Acme".into()
            }
        );
        for bad in [
            "com.hk",
            "com",
            "127.0.0.1",
            "localhost",
            "acme.hk/pay",
            "not a domain",
        ] {
            assert!(
                matches!(
                    k(KnownKind::Domain, bad, "x"),
                    Err(KnownError::BadDomain { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            k(KnownKind::Phone, "1234", "x"),
            Err(KnownError::BadPhone { .. })
        ));
        assert_eq!(
            k(KnownKind::Phone, "61234567", ""),
            Err(KnownError::EmptyLabel)
        );
        assert_eq!(
            k(KnownKind::Phone, "61234567", &"x".repeat(81)),
            Err(KnownError::LabelTooLong { chars: 81 })
        );
        for hidden in [
            "Acme\u{202E}ylppuS",
            "A\u{200B}cme",
            "Acme\nSupplies",
            "Acme\u{2028}Supplies",
        ] {
            assert!(
                matches!(
                    k(KnownKind::Phone, "61234567", hidden),
                    Err(KnownError::LabelHiddenChar(_))
                ),
                "{hidden:?}"
            );
        }
        assert!(k(KnownKind::Phone, "61234567", &"栗".repeat(80)).is_ok());

        // As received: normalised values only, no repeats, a cap on the count.
        let ok = KnownContact {
            kind: KnownKind::Phone,
            value: "+85261234567".into(),
            label: "Courier".into(),
        };
        assert_eq!(ok.validate(), Ok(()));
        for (kind, value) in [
            (KnownKind::Phone, "61234567"),
            (KnownKind::Phone, "+852 6123 4567"),
            (KnownKind::Domain, "Acme.hk"),
            (KnownKind::Domain, "com"),
        ] {
            let c = KnownContact {
                kind,
                value: value.into(),
                ..ok.clone()
            };
            assert!(c.validate().is_err(), "{value}");
        }
        let mut d = OfficialDirectory::dingtalk_default();
        d.known = vec![ok.clone(), ok.clone()];
        assert!(matches!(d.validate(), Err(KnownError::Duplicate { .. })));
        d.known = vec![
            ok.clone(),
            KnownContact {
                label: " padded".into(),
                ..ok.clone()
            },
        ];
        let e = d.validate().unwrap_err().to_string();
        assert!(
            e.starts_with("known contact #2 (phone \"+85261234567\")"),
            "{e}"
        );
        d.known = vec![ok.clone(); MAX_KNOWN + 1];
        assert!(matches!(d.validate(), Err(KnownError::TooMany { .. })));

        // Adding: a later label replaces, new ones are appended, the cap holds.
        let mut d = OfficialDirectory::dingtalk_default();
        d.add_known(vec![ok.clone()]).unwrap();
        let relabelled = KnownContact {
            label: "Courier, night desk".into(),
            ..ok.clone()
        };
        d.add_known(vec![relabelled.clone()]).unwrap();
        assert_eq!(d.known, [relabelled]);
        let many: Vec<KnownContact> = (0..MAX_KNOWN)
            .map(|i| KnownContact {
                kind: KnownKind::Domain,
                value: format!("s{i}.example.com"),
                label: "x".into(),
            })
            .collect();
        assert!(matches!(d.add_known(many), Err(KnownError::TooMany { .. })));
        assert_eq!(d.known.len(), 1, "nothing changed");

        // Older directories (no `known`) still read.
        let mut v = serde_json::to_value(OfficialDirectory::dingtalk_default()).unwrap();
        v.as_object_mut().unwrap().remove("known");
        let d: OfficialDirectory = serde_json::from_value(v).unwrap();
        assert!(d.known.is_empty());
    }

    #[test]
    fn numbers_disguised_with_letters() {
        // Unlisted: suspicious, the number revealed as the reason's detail.
        for (input, revealed, e164) in [
            ("6l45 8802", "6145 8802", "+85261458802"),
            ("+852 5l23 4567", "+852 5123 4567", "+85251234567"),
            ("9I23-4567", "9123-4567", "+85291234567"),
            ("９ｌ２３ ４５６Ｏ", "９1２３ ４５６0", "+85291234560"),
            ("٩ا٢٣ ٤٥٦٧", "٩1٢٣ ٤٥٦٧", "+85291234567"),
        ] {
            for kind in [None, Some(CheckKind::Phone)] {
                let o = run(input, kind);
                assert_eq!(
                    (o.kind, o.verdict, o.normalized.as_deref()),
                    (CheckKind::Phone, Verdict::Suspicious, Some(e164)),
                    "{input}"
                );
                assert_eq!(o.reasons[0].code, ReasonCode::DisguisedDigits, "{input}");
                assert_eq!(o.reasons[0].detail.as_deref(), Some(revealed));
                assert!(o.advice.contains(&AdviceCode::HangUp));
            }
        }
        // Written internationally, but no Hong Kong number: still disguised, and says why.
        let o = run("+852 5O88 l234", None);
        assert_eq!((o.kind, o.verdict), (CheckKind::Phone, Verdict::Suspicious));
        assert_eq!(
            codes(&o),
            [
                "disguised_digits",
                "number_invalid_for_region",
                "hk_prefix_non_hk_pattern_hint"
            ]
        );
        assert_eq!(o.reasons[0].detail.as_deref(), Some("+852 5088 1234"));
        // Listed: found, scam.
        for input in ["300l 2345", "+852 3O01 2345", "3OO12345"] {
            let o = run(input, None);
            assert_eq!(o.verdict, Verdict::Scam, "{input}: {:?}", o.reasons);
            assert_eq!(
                codes(&o)[..2],
                ["on_blocklist", "disguised_digits"],
                "{input}"
            );
            assert_eq!(o.matches.len(), 1);
        }
        // Not disguises: ordinary words, too few digits, numbers no plan has, dates, a valid
        // number with a letter glued on.
        let o = run("+852 2123 4567I", Some(CheckKind::Phone));
        assert_eq!(codes(&o), ["contains_letters"]);
        for (input, kind) in [
            ("Hello", CheckKind::Text),
            ("OIL", CheckKind::Text),
            ("lol", CheckKind::Text),
            ("6l45 880", CheckKind::Text),
            ("lO12 3456", CheckKind::Text),
            ("2O25-03-01", CheckKind::Phone),
            ("1O23 4567", CheckKind::Text),
        ] {
            let o = run(input, None);
            assert_eq!(o.kind, kind, "{input}");
            assert!(!codes(&o).contains(&"disguised_digits"), "{input}");
        }
        // In a message: the item and the message say so.
        let o = run(
            "DingTalk customer service hotline 300l 2345, call now",
            None,
        );
        assert_eq!(o.verdict, Verdict::Scam);
        assert_eq!(
            codes(&o),
            [
                "contains_listed_item",
                "disguised_digits",
                "presented_as_platform_support"
            ]
        );
        assert_eq!(o.reasons[1].detail.as_deref(), Some("3001 2345"));
        let o = run("請致電 6l45 88O2 查詢", None);
        assert_eq!(o.verdict, Verdict::Suspicious);
        assert_eq!(codes(&o), ["disguised_digits", "contains_suspicious_item"]);
        assert_eq!(o.items[0].normalized.as_deref(), Some("+85261458802"));
    }

    /// A blocklist whose store has gone away.
    #[derive(Debug)]
    struct Unreadable;

    impl BlocklistLookup for Unreadable {
        fn lookup_exact(
            &self,
            _: EntryKind,
            _: &str,
            _: &mut Vec<BlocklistEntry>,
        ) -> Result<(), LookupError> {
            Err(LookupError::new("disk I/O error"))
        }
    }

    #[test]
    fn an_unreadable_blocklist_fails_the_check_instead_of_guessing() {
        let official = OfficialDirectory::dingtalk_default();
        let ctx = CheckContext {
            index: &Unreadable,
            official: &official,
            default_region: Region::HK,
        };
        for input in [
            "3001 2345",
            "https://dingtalk-hk.com/",
            "Call 3001 2345 now",
        ] {
            let e = check(input, None, &ctx).unwrap_err();
            assert!(e.to_string().contains("disk I/O error"), "{input}: {e}");
        }
        // Nothing to look up: the rules still answer.
        assert_eq!(
            check("9123 456", None, &ctx).unwrap().verdict,
            Verdict::Invalid
        );
        assert_eq!(
            check("Please download AnyDesk", None, &ctx)
                .unwrap()
                .verdict,
            Verdict::Suspicious
        );
    }

    #[test]
    fn outcome_serialises_with_snake_case_codes() {
        let o = run("3001 2345", None);
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["verdict"], "scam");
        assert_eq!(v["kind"], "phone");
        assert_eq!(v["normalized"], "+85230012345");
        assert_eq!(v["reasons"][0]["code"], "on_blocklist");
        assert_eq!(v["matches"][0]["category"], "fake_support");
        assert_eq!(v["matches"][0]["added"], 1_750_000_000);
        assert_eq!(v["advice"][0], "hang_up");
    }
}
