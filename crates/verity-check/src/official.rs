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
//!
//! The directory also carries the organisation's allowlist, [`OfficialDirectory::known`]: numbers
//! and domains an IT analyst confirmed as the organisation's own contacts (a supplier's number,
//! a partner's domain) after an employee disputed a verdict. Like the rest of the directory, it
//! is applied only from the organisation's own feed. A known contact is never `scam` because of
//! a blocklist entry or a look-alike rule; scam scripts in a message still apply.

use serde::{Deserialize, Serialize};
use verity_core::blocklist::{normalize_entry_value, EntryKind};
use verity_core::code_enum;
use verity_core::link;
use verity_core::phone::Region;

/// The most known contacts a directory may carry.
pub const MAX_KNOWN: usize = 10_000;
/// The longest label of a known contact, in characters.
pub const MAX_KNOWN_LABEL_CHARS: usize = 80;
/// The longest value of a known contact, in bytes (a domain name is at most 253).
const MAX_KNOWN_VALUE_LEN: usize = 253;

code_enum! {
    /// What a known contact is.
    pub enum KnownKind {
        /// A phone number, E.164.
        Phone => "phone",
        /// A domain, canonical (lower-case, punycode); its subdomains are known too.
        Domain => "domain",
    }
}

/// A contact the organisation knows: an allowlist entry an IT analyst confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KnownContact {
    /// A phone number or a domain.
    pub kind: KnownKind,
    /// The normalised value: E.164 for a phone, the canonical host for a domain.
    pub value: String,
    /// Who it is, as people should read it ("Acme Supplies, accounts"): 1 to
    /// [`MAX_KNOWN_LABEL_CHARS`] characters, one line, no control or format characters.
    pub label: String,
}

/// Why a known contact, or the directory's list of them, is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KnownError {
    /// The phone number cannot be read.
    #[error("{value:?} is not a phone number: {reason}")]
    BadPhone {
        /// The value as given.
        value: String,
        /// Why.
        reason: String,
    },
    /// The domain cannot be read, or is no domain name (an IP address, a bare public suffix, a
    /// link with a path).
    #[error("{value:?} is not a domain name: {reason}")]
    BadDomain {
        /// The value as given.
        value: String,
        /// Why.
        reason: String,
    },
    /// The value is readable but not in its normalised form (as a feed must carry it).
    #[error("{value:?} is not normalised (expected {expected:?})")]
    NotNormalised {
        /// The value as given.
        value: String,
        /// Its normalised form.
        expected: String,
    },
    /// The label is empty.
    #[error("the label is empty")]
    EmptyLabel,
    /// The label is too long.
    #[error("the label has {chars} characters (at most {MAX_KNOWN_LABEL_CHARS})")]
    LabelTooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// The label holds a control, format or line-separator character.
    #[error("the label contains the hidden character U+{0:04X}")]
    LabelHiddenChar(u32),
    /// The label starts or ends with white space.
    #[error("the label starts or ends with white space")]
    LabelNotTrimmed,
    /// Too many known contacts.
    #[error("{count} known contacts (at most {MAX_KNOWN})")]
    TooMany {
        /// How many were given.
        count: usize,
    },
    /// The same kind and value twice.
    #[error("known contact {kind} {value:?} is listed twice")]
    Duplicate {
        /// Its kind.
        kind: KnownKind,
        /// Its value.
        value: String,
    },
    /// One entry of the list is refused.
    #[error("known contact #{index} ({kind} {value:?}): {source}")]
    Entry {
        /// Its position, from 1.
        index: usize,
        /// Its kind.
        kind: KnownKind,
        /// Its value as given (cut to 64 characters).
        value: String,
        /// Why.
        #[source]
        source: Box<KnownError>,
    },
}

impl KnownContact {
    /// A known contact from what an analyst typed: the value is normalised (a phone number read
    /// in `region` when written without a country code; a domain or a link to its root read as
    /// its canonical host), the label trimmed, then both checked.
    ///
    /// # Errors
    /// [`KnownError`] saying what is wrong with the value or the label.
    pub fn new(
        kind: KnownKind,
        value: &str,
        label: &str,
        region: Region,
    ) -> Result<KnownContact, KnownError> {
        let value = normalize_known_value(kind, value, region)?;
        let label = label.trim().to_owned();
        check_label(&label)?;
        Ok(KnownContact { kind, value, label })
    }

    /// Checks a contact as received (from a feed file or the store): the value must already be
    /// normalised, the label valid.
    ///
    /// # Errors
    /// [`KnownError`] saying what is wrong.
    pub fn validate(&self) -> Result<(), KnownError> {
        if self.value.len() > MAX_KNOWN_VALUE_LEN {
            return Err(match self.kind {
                KnownKind::Phone => KnownError::BadPhone {
                    value: cut(&self.value),
                    reason: "too long".into(),
                },
                KnownKind::Domain => KnownError::BadDomain {
                    value: cut(&self.value),
                    reason: "too long".into(),
                },
            });
        }
        if self.kind == KnownKind::Phone && !self.value.starts_with('+') {
            return Err(KnownError::BadPhone {
                value: self.value.clone(),
                reason: "not in E.164 form (+ and the country code)".into(),
            });
        }
        // A phone in E.164 reads the same in any region.
        let expected = normalize_known_value(self.kind, &self.value, Region::HK)?;
        if expected != self.value {
            return Err(KnownError::NotNormalised {
                value: self.value.clone(),
                expected,
            });
        }
        check_label(&self.label)
    }

    /// Whether this contact is `host` (canonical) or one of its parents.
    fn covers_host(&self, host: &str) -> bool {
        self.kind == KnownKind::Domain && host_under(host, &self.value)
    }
}

/// The normalised form of a known contact's value.
fn normalize_known_value(
    kind: KnownKind,
    value: &str,
    region: Region,
) -> Result<String, KnownError> {
    match kind {
        KnownKind::Phone => normalize_entry_value(EntryKind::Phone, value, region).map_err(|e| {
            KnownError::BadPhone {
                value: cut(value),
                reason: e.to_string(),
            }
        }),
        KnownKind::Domain => {
            let bad = |reason: String| KnownError::BadDomain {
                value: cut(value),
                reason,
            };
            let host = normalize_entry_value(EntryKind::Domain, value, region)
                .map_err(|e| bad(e.to_string()))?;
            let c = link::canonicalize(&host).map_err(|e| bad(e.to_string()))?;
            if c.host_is_ip || c.host == "localhost" {
                return Err(bad("an IP address or local host, not a domain name".into()));
            }
            if c.registrable_domain.is_none() {
                // A bare public suffix (`com`, `com.hk`) would make every domain under it known.
                return Err(bad("a public suffix, not a domain someone owns".into()));
            }
            Ok(c.host)
        }
    }
}

/// The format characters (General Category Cf, Unicode 15.1), as inclusive ranges: the same
/// table as `verity-device`'s names (a pure crate cannot use it).
const FORMAT: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// A control (Cc), format (Cf) or line/paragraph separator character: never in a label.
fn is_hidden_char(c: char) -> bool {
    let n = u32::from(c);
    c.is_control()
        || c == '\u{2028}'
        || c == '\u{2029}'
        || FORMAT.iter().any(|&(lo, hi)| (lo..=hi).contains(&n))
}

fn check_label(label: &str) -> Result<(), KnownError> {
    if label.is_empty() {
        return Err(KnownError::EmptyLabel);
    }
    let chars = label.chars().count();
    if chars > MAX_KNOWN_LABEL_CHARS {
        return Err(KnownError::LabelTooLong { chars });
    }
    if let Some(c) = label.chars().find(|c| is_hidden_char(*c)) {
        return Err(KnownError::LabelHiddenChar(u32::from(c)));
    }
    if label.trim() != label {
        return Err(KnownError::LabelNotTrimmed);
    }
    Ok(())
}

/// At most 64 characters of `s`, for error messages.
fn cut(s: &str) -> String {
    s.chars().take(64).collect()
}

/// Whether `host` is `domain` or one of its subdomains (both canonical).
fn host_under(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

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
    /// The organisation's allowlist: contacts it knows (at most [`MAX_KNOWN`], each kind and
    /// value once). Absent from directories published before it existed.
    #[serde(default)]
    pub known: Vec<KnownContact>,
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
            known: Vec::new(),
        }
    }

    /// Whether `host` (canonical) is an official domain or one of its subdomains.
    #[must_use]
    pub fn is_official_host(&self, host: &str) -> bool {
        self.domains.iter().any(|d| host_under(host, d))
    }

    /// The known contact `e164` is, if any.
    #[must_use]
    pub fn known_phone(&self, e164: &str) -> Option<&KnownContact> {
        self.known
            .iter()
            .find(|k| k.kind == KnownKind::Phone && k.value == e164)
    }

    /// The known domain `host` (canonical) is, or is under, if any: the most specific one when
    /// several cover it (`portal.acme.example` before `acme.example`).
    #[must_use]
    pub fn known_host(&self, host: &str) -> Option<&KnownContact> {
        self.known
            .iter()
            .filter(|k| k.covers_host(host))
            .max_by_key(|k| k.value.len())
    }

    /// Checks the parts of the directory a feed may get wrong: today, the known contacts (the
    /// count, each one as [`KnownContact::validate`] checks it, no kind and value twice).
    ///
    /// # Errors
    /// [`KnownError`] naming the first entry at fault.
    pub fn validate(&self) -> Result<(), KnownError> {
        if self.known.len() > MAX_KNOWN {
            return Err(KnownError::TooMany {
                count: self.known.len(),
            });
        }
        let mut seen = std::collections::HashSet::with_capacity(self.known.len());
        for (i, k) in self.known.iter().enumerate() {
            k.validate().map_err(|e| KnownError::Entry {
                index: i + 1,
                kind: k.kind,
                value: cut(&k.value),
                source: Box::new(e),
            })?;
            if !seen.insert((k.kind, k.value.as_str())) {
                return Err(KnownError::Duplicate {
                    kind: k.kind,
                    value: k.value.clone(),
                });
            }
        }
        Ok(())
    }

    /// Adds `contacts` to the known ones: a contact whose kind and value are already known
    /// replaces it (its label is the later one), others are appended in order.
    ///
    /// # Errors
    /// [`KnownError::TooMany`] when the result would pass [`MAX_KNOWN`]; nothing is changed then.
    pub fn add_known(&mut self, contacts: Vec<KnownContact>) -> Result<(), KnownError> {
        let mut known = self.known.clone();
        let mut at: std::collections::HashMap<(KnownKind, String), usize> = known
            .iter()
            .enumerate()
            .map(|(i, k)| ((k.kind, k.value.clone()), i))
            .collect();
        for c in contacts {
            match at
                .get(&(c.kind, c.value.clone()))
                .and_then(|&i| known.get_mut(i))
            {
                Some(k) => k.label = c.label,
                None => {
                    at.insert((c.kind, c.value.clone()), known.len());
                    known.push(c);
                }
            }
        }
        if known.len() > MAX_KNOWN {
            return Err(KnownError::TooMany { count: known.len() });
        }
        self.known = known;
        Ok(())
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
