//! The directory of official channels: the platform's domains, the in-app support path, verified
//! service accounts and published phone numbers.
//!
//! The organisation's signed feed replaces it; [`OfficialDirectory::dingtalk_default`] is the
//! shipped fallback, deliberately minimal. It lists only `dingtalk.com`, the one domain we are
//! sure is DingTalk's own (its web, `h5.`, `im.`, `login.`, `oapi.` hosts all sit under it).
//! Candidates such as `dingtalkapps.com`, `dingtalk.hk` or `alibaba-inc.com` are left out: an
//! unverified "official" domain would turn a scammer's registration into an `official` verdict,
//! while a missing one only costs a `lookalike_domain` hint until the feed adds it. DingTalk
//! publishes no support phone number in Hong Kong, so `phones` is empty on purpose: every number
//! presented as DingTalk support is, by construction, not official.

use serde::{Deserialize, Serialize};

/// One step of the in-app support path, as a code the UI words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SupportStep {
    /// Open the app's "My" (profile) tab.
    OpenMyTab,
    /// Choose "Help & Feedback".
    HelpAndFeedback,
    /// Choose "Contact Support".
    ContactSupport,
}

impl SupportStep {
    /// Every step, in order.
    pub const ALL: [SupportStep; 3] = [
        SupportStep::OpenMyTab,
        SupportStep::HelpAndFeedback,
        SupportStep::ContactSupport,
    ];

    /// The snake_case code.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SupportStep::OpenMyTab => "open_my_tab",
            SupportStep::HelpAndFeedback => "help_and_feedback",
            SupportStep::ContactSupport => "contact_support",
        }
    }
}

/// A verified service account inside the platform (organisation verification shows only these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceAccount {
    /// The name shown in the app.
    pub name: String,
    /// The platform's identifier of the account, when known.
    pub account_id: Option<String>,
}

/// Official channels of the platform, as the organisation trusts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OfficialDirectory {
    /// The platform's names as people write them in messages (any script), used to recognise
    /// "<platform> customer service" claims.
    pub platform_names: Vec<String>,
    /// Official registrable domains, canonical (lower-case, punycode). Every subdomain is
    /// official too.
    pub domains: Vec<String>,
    /// Extra brand labels that look-alike rules protect, besides the labels of `domains`.
    pub brand_labels: Vec<String>,
    /// The in-app support path, step by step.
    pub support_path: Vec<SupportStep>,
    /// Verified service accounts.
    pub service_accounts: Vec<ServiceAccount>,
    /// Published support numbers, E.164. Empty for DingTalk in Hong Kong.
    pub phones: Vec<String>,
}

impl OfficialDirectory {
    /// The shipped default for DingTalk (see the module documentation for what is left out).
    #[must_use]
    pub fn dingtalk_default() -> Self {
        OfficialDirectory {
            platform_names: [
                "dingtalk",
                "ding talk",
                "釘釘",
                "钉钉",
                "دينغ توك",
                "دينغتوك",
            ]
            .map(str::to_owned)
            .to_vec(),
            domains: vec!["dingtalk.com".to_owned()],
            brand_labels: vec!["dingtalk".to_owned()],
            support_path: SupportStep::ALL.to_vec(),
            service_accounts: Vec::new(),
            phones: Vec::new(),
        }
    }

    /// Whether `host` (canonical) is an official domain or one of its subdomains.
    #[must_use]
    pub fn is_official_host(&self, host: &str) -> bool {
        self.domains.iter().any(|d| {
            host == d
                || (host.len() > d.len()
                    && host.ends_with(d.as_str())
                    && host.as_bytes()[host.len() - d.len() - 1] == b'.')
        })
    }

    /// Whether `e164` is a published official number.
    #[must_use]
    pub fn is_official_phone(&self, e164: &str) -> bool {
        self.phones.iter().any(|p| p == e164)
    }

    /// The labels look-alike rules protect: the first label of each official domain and the
    /// extra brand labels, lower-case, without duplicates.
    #[must_use]
    pub fn protected_labels(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let from_domains = self.domains.iter().filter_map(|d| d.split('.').next());
        for l in from_domains.chain(self.brand_labels.iter().map(String::as_str)) {
            let l = l.to_lowercase();
            if !l.is_empty() && !out.contains(&l) {
                out.push(l);
            }
        }
        out
    }
}

impl Default for OfficialDirectory {
    fn default() -> Self {
        OfficialDirectory::dingtalk_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_hosts() {
        let d = OfficialDirectory::dingtalk_default();
        for h in [
            "dingtalk.com",
            "www.dingtalk.com",
            "h5.dingtalk.com",
            "im.dingtalk.com",
        ] {
            assert!(d.is_official_host(h), "{h}");
        }
        for h in [
            "evildingtalk.com",
            "dingtalk.com.evil.xyz",
            "dingtalk.co",
            "com",
        ] {
            assert!(!d.is_official_host(h), "{h}");
        }
        assert!(d.phones.is_empty());
        assert_eq!(d.protected_labels(), ["dingtalk"]);
        assert_eq!(
            d.support_path
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>(),
            ["open_my_tab", "help_and_feedback", "contact_support"]
        );
    }
}
