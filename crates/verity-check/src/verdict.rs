//! Verdicts and their vocabulary: the closed sets of codes a check returns. The core returns
//! codes only; `locales/<lang>/check.json` words them (`verdict.*`, `reason.*`, `advice.*`,
//! `category.*`, `kind.*`), and a test keeps every code worded in every language.

use serde::{Deserialize, Serialize};

use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::clock::Timestamp;
use verity_core::code_enum;

code_enum! {
    /// The answer of a check. `no_record` is never "safe".
    pub enum Verdict {
        /// On the blocklist.
        Scam => "scam",
        /// Rules fired (look-alike domain, scam script, number presented as support, …).
        Suspicious => "suspicious",
        /// In the directory of official channels.
        Official => "official",
        /// Readable, and nothing known about it. Not a guarantee of safety.
        NoRecord => "no_record",
        /// Not a number, link or text we can read.
        Invalid => "invalid",
    }
}

impl Verdict {
    /// How bad a verdict is when verdicts are combined (a message takes its worst item's).
    /// An unreadable item inside a readable message counts as `no_record`.
    #[must_use]
    pub fn severity(self) -> u8 {
        match self {
            Verdict::Scam => 4,
            Verdict::Suspicious => 3,
            Verdict::NoRecord => 2,
            Verdict::Official => 1,
            Verdict::Invalid => 0,
        }
    }

    /// Whether the verdict calls for action (`scam` or `suspicious`): `verityctl check` exits 1.
    #[must_use]
    pub fn is_risky(self) -> bool {
        matches!(self, Verdict::Scam | Verdict::Suspicious)
    }
}

code_enum! {
    /// What was checked.
    pub enum CheckKind {
        /// A phone number.
        Phone => "phone",
        /// A web link.
        Url => "url",
        /// A pasted message.
        Text => "text",
    }
}

/// The role a reason plays in a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonRole {
    /// Drives `scam` or `suspicious`.
    Risk,
    /// Explains `official`.
    Official,
    /// Explains `no_record`.
    Neutral,
    /// Explains `invalid`.
    Unreadable,
    /// Context only; never changes the verdict.
    Hint,
}

code_enum! {
    /// Why a verdict was given. A closed set: the UI words each one.
    pub enum ReasonCode {
        /// The number or link is on the blocklist.
        OnBlocklist => "on_blocklist",
        /// A message contains a blocklisted number or link.
        ContainsListedItem => "contains_listed_item",
        /// A message contains a suspicious number or link.
        ContainsSuspiciousItem => "contains_suspicious_item",
        /// The domain imitates an official one (same name elsewhere, confusable or misspelt).
        LookalikeDomain => "lookalike_domain",
        /// The official name is used as a subdomain of another domain (`dingtalk.com.evil.xyz`).
        OfficialNameAsSubdomain => "official_name_as_subdomain",
        /// The official name with an affix (`dingtalk-support.xyz`, `help-dingtalk.net`).
        BrandAffixDomain => "brand_affix_domain",
        /// The host mixes scripts (e.g. Latin and Cyrillic).
        MixedScriptHost => "mixed_script_host",
        /// A punycode host that renders like a Latin name.
        PunycodeHost => "punycode_host",
        /// Plain `http` for a login, payment or upgrade page.
        PlainHttpSensitivePath => "plain_http_sensitive_path",
        /// The host is a bare IP address.
        IpAddressHost => "ip_address_host",
        /// The link hides its real host behind user-info (`official.com@evil.xyz`).
        UserinfoInUrl => "userinfo_in_url",
        /// A number presented as the platform's customer service (it publishes none).
        PresentedAsPlatformSupport => "presented_as_platform_support",
        /// Digits of a number were disguised as look-alike letters (`6l45 8802`) to slip past
        /// filters; the detail is the number they stand for.
        DisguisedDigits => "disguised_digits",
        /// Scam script: asks for a verification code or remote access.
        ScriptCodeOrRemoteAccess => "script_code_or_remote_access",
        /// Scam script: a paid upgrade, fee or transfer.
        ScriptPaidUpgrade => "script_paid_upgrade",
        /// Scam script: a freeze or suspension threat with urgency.
        ScriptFreezeThreat => "script_freeze_threat",
        /// In the directory of official channels.
        OfficialChannel => "official_channel",
        /// Known to the organisation: on its allowlist, confirmed by its IT (the detail is the
        /// contact's label, who it is).
        OrgKnown => "org_known",
        /// Nothing known: not a guarantee of safety.
        NoRecord => "no_record",
        /// Nothing to read.
        EmptyInput => "empty_input",
        /// Too long to be what it claims.
        InputTooLong => "input_too_long",
        /// Not a phone number.
        NotANumber => "not_a_number",
        /// Letters in a phone number (never read as digits).
        ContainsLetters => "contains_letters",
        /// An e-mail address where a number was expected.
        LooksLikeEmail => "looks_like_email",
        /// Fewer digits than numbers of that kind have.
        NumberTooShort => "number_too_short",
        /// More digits than numbers of that kind have.
        NumberTooLong => "number_too_long",
        /// The right length, outside the numbering plan.
        NumberInvalidForRegion => "number_invalid_for_region",
        /// An unassigned country calling code.
        UnknownCountryCode => "unknown_country_code",
        /// Not a web link.
        NotALink => "not_a_link",
        /// A link scheme other than http/https.
        UnsupportedScheme => "unsupported_scheme",
        /// Hint: shown with +852, a caller ID came from outside Hong Kong (OFCA).
        HkCallerIdSpoofHint => "hk_caller_id_spoof_hint",
        /// Hint: +852 followed by digits that are no Hong Kong number.
        HkPrefixNonHkPatternHint => "hk_prefix_non_hk_pattern_hint",
        /// Hint: a number from outside the default region.
        OverseasNumberHint => "overseas_number_hint",
        /// Hint: a premium-rate number, charged to the caller.
        PremiumRateHint => "premium_rate_hint",
    }
}

impl ReasonCode {
    /// The role of the reason in a verdict.
    #[must_use]
    pub fn role(self) -> ReasonRole {
        use ReasonCode as R;
        match self {
            R::OnBlocklist
            | R::ContainsListedItem
            | R::ContainsSuspiciousItem
            | R::LookalikeDomain
            | R::OfficialNameAsSubdomain
            | R::BrandAffixDomain
            | R::MixedScriptHost
            | R::PunycodeHost
            | R::PlainHttpSensitivePath
            | R::IpAddressHost
            | R::UserinfoInUrl
            | R::PresentedAsPlatformSupport
            | R::DisguisedDigits
            | R::ScriptCodeOrRemoteAccess
            | R::ScriptPaidUpgrade
            | R::ScriptFreezeThreat => ReasonRole::Risk,
            R::OfficialChannel | R::OrgKnown => ReasonRole::Official,
            R::NoRecord => ReasonRole::Neutral,
            R::EmptyInput
            | R::InputTooLong
            | R::NotANumber
            | R::ContainsLetters
            | R::LooksLikeEmail
            | R::NumberTooShort
            | R::NumberTooLong
            | R::NumberInvalidForRegion
            | R::UnknownCountryCode
            | R::NotALink
            | R::UnsupportedScheme => ReasonRole::Unreadable,
            R::HkCallerIdSpoofHint
            | R::HkPrefixNonHkPatternHint
            | R::OverseasNumberHint
            | R::PremiumRateHint => ReasonRole::Hint,
        }
    }

    /// Whether the reason is a hint (context only).
    #[must_use]
    pub fn is_hint(self) -> bool {
        self.role() == ReasonRole::Hint
    }
}

code_enum! {
    /// What to do, as codes the UI words. Listed in the order they are shown.
    pub enum AdviceCode {
        /// Hang up; do not call back.
        HangUp => "hang_up",
        /// Never share a verification code.
        NeverShareCode => "never_share_code",
        /// Do not install or open a remote-access tool.
        DoNotInstallRemoteTool => "do_not_install_remote_tool",
        /// Do not pay or transfer money.
        DoNotPay => "do_not_pay",
        /// Do not open the link.
        DoNotOpenLink => "do_not_open_link",
        /// Do not enter a password, code or card details.
        DoNotEnterDetails => "do_not_enter_details",
        /// Delete the number wherever it is saved.
        DeleteSavedNumber => "delete_saved_number",
        /// Use the in-app support path (My → Help & Feedback → Contact Support).
        UseInAppSupport => "use_in_app_support",
        /// Report it to IT / the admin team.
        ReportToIt => "report_to_it",
        /// No record is not a guarantee of safety: stay cautious.
        StayCautious => "stay_cautious",
        /// Check what was entered.
        CheckInput => "check_input",
    }
}

/// A reason with optional evidence (the matched cue, the imitated domain, …). The detail is
/// evidence quoted from the input or the rule, not prose to show as the reason's wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Reason {
    /// The reason.
    pub code: ReasonCode,
    /// Evidence, when there is some.
    pub detail: Option<String>,
}

impl Reason {
    /// A reason without detail.
    #[must_use]
    pub fn new(code: ReasonCode) -> Self {
        Reason { code, detail: None }
    }

    /// A reason with detail.
    #[must_use]
    pub fn with(code: ReasonCode, detail: impl Into<String>) -> Self {
        Reason {
            code,
            detail: Some(detail.into()),
        }
    }
}

/// The blocklist entry that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Match {
    /// The entry's kind.
    pub kind: EntryKind,
    /// The entry's normalised value.
    pub value: String,
    /// Its category.
    pub category: Category,
    /// The campaign it belongs to.
    pub campaign: Option<String>,
    /// Where it came from.
    pub source: Option<String>,
    /// When it was added.
    pub added: Timestamp,
}

impl From<&BlocklistEntry> for Match {
    fn from(e: &BlocklistEntry) -> Self {
        Match {
            kind: e.kind,
            value: e.value.clone(),
            category: e.category,
            campaign: e.campaign.clone(),
            source: e.source.clone(),
            added: e.added,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_serde_and_from_str() {
        for v in Verdict::ALL {
            assert_eq!(
                serde_json::to_string(v).unwrap(),
                format!("\"{}\"", v.as_str())
            );
            assert_eq!(v.as_str().parse::<Verdict>(), Ok(*v));
        }
        for r in ReasonCode::ALL {
            assert_eq!(
                serde_json::to_string(r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
            assert_eq!(r.as_str().parse::<ReasonCode>(), Ok(*r));
        }
        for a in AdviceCode::ALL {
            assert_eq!(a.as_str().parse::<AdviceCode>(), Ok(*a));
        }
        assert_eq!("text".parse::<CheckKind>(), Ok(CheckKind::Text));
        assert!("safe".parse::<Verdict>().is_err());
    }

    #[test]
    fn severity_orders_verdicts() {
        assert!(Verdict::Scam.severity() > Verdict::Suspicious.severity());
        assert!(Verdict::Suspicious.severity() > Verdict::NoRecord.severity());
        assert!(Verdict::NoRecord.severity() > Verdict::Official.severity());
        assert!(Verdict::Scam.is_risky() && !Verdict::NoRecord.is_risky());
    }
}
