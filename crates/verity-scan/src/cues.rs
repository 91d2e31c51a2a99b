//! Whether an entry's words present it as platform support or customer service. The cue tables
//! of `verity_check::message` are reused (the platform's names from the official directory, the
//! "customer service / hotline" cues), with a few more that contacts use as names.

use verity_check::message::{self, CueSet, NameSet};
use verity_check::official::OfficialDirectory;

use super::{ClaimMode, FindingReason};

/// A support claim: which reason it gives and the words that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claim {
    pub reason: FindingReason,
    pub cue: String,
}

/// Support words that people save contacts under, beyond the message cues.
const CONTACT_SUPPORT: &[&str] = &[
    "support",
    "helpdesk",
    "help desk",
    "customer care",
    "service center",
    "service centre",
    "service desk",
    "客戶服務",
    "客户服务",
    "人工客服",
    "服務中心",
    "服务中心",
    "售後",
    "售后",
    "技術支援",
    "技术支持",
    "دعم",
    "الدعم الفني",
    "مركز الخدمة",
    "مركز خدمة",
];

/// Spellings of the platform's name seen in saved contacts, beyond the directory's.
const CONTACT_BRAND: &[&str] = &["dingding", "dingtalk"];

#[derive(Debug)]
pub(crate) struct ClaimDetector {
    names: NameSet,
    brand_extra: CueSet,
    support_extra: CueSet,
}

impl ClaimDetector {
    pub(crate) fn new(official: &OfficialDirectory) -> Self {
        ClaimDetector {
            names: NameSet::new(&official.platform_names),
            brand_extra: CueSet::new(CONTACT_BRAND),
            support_extra: CueSet::new(CONTACT_SUPPORT),
        }
    }

    /// The claim `texts` make together, if any.
    pub(crate) fn claim(&self, texts: &[&str], mode: ClaimMode) -> Option<Claim> {
        if texts.iter().all(|t| t.trim().is_empty()) {
            return None;
        }
        let norm = message::normalize_cue_text(&texts.join(" \n "));
        let brand: Option<String> = self
            .names
            .first(&norm)
            .map(str::to_owned)
            .or_else(|| self.brand_extra.first(&norm).map(str::to_owned));
        // Contacts are named tersely ("IT Support", "客戶服務"); a message line needs one of the
        // message rules' own cues ("customer service", "hotline", 客服…), so that "open Contact
        // Support in the app" in a chat does not make the next colleague's number a claim.
        let support = match mode {
            ClaimMode::Contact => {
                message::support_cue(&norm).or_else(|| self.support_extra.first(&norm))
            }
            ClaimMode::Message => message::support_cue(&norm),
        };
        match (brand, support, mode) {
            (Some(b), Some(s), _) => Some(Claim {
                reason: FindingReason::PresentedAsPlatformSupport,
                cue: format!("{b} + {s}"),
            }),
            (Some(b), None, ClaimMode::Contact) => Some(Claim {
                reason: FindingReason::PresentedAsPlatformSupport,
                cue: b,
            }),
            (_, Some(s), _) => Some(Claim {
                reason: FindingReason::PresentedAsCustomerService,
                cue: s.to_owned(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(t: &str, mode: ClaimMode) -> Option<(&'static str, String)> {
        ClaimDetector::new(&OfficialDirectory::dingtalk_default())
            .claim(&[t], mode)
            .map(|c| (c.reason.as_str(), c.cue))
    }

    #[test]
    fn claims_in_four_languages() {
        let p = "presented_as_platform_support";
        let c = "presented_as_customer_service";
        for (t, want) in [
            ("DingTalk", p),
            ("DingTalk Customer Service", p),
            ("钉钉客服", p),
            ("釘釘", p),
            ("Ding Talk HK hotline", p),
            ("خدمة عملاء DingTalk", p),
            ("客服", c),
            ("Customer Service", c),
            ("IT Support", c),
            ("24h Hotline", c),
            ("客戶服務中心", c),
            ("خدمة العملاء", c),
            ("الدعم الفني", c),
        ] {
            assert_eq!(claim(t, ClaimMode::Contact).map(|x| x.0), Some(want), "{t}");
        }
        for t in ["Chan Tai Man", "陳大文", "Supporter club", "Mum", "محمد"] {
            assert_eq!(claim(t, ClaimMode::Contact), None, "{t}");
        }
        assert_eq!(
            claim("Meeting moved to the DingTalk group", ClaimMode::Message),
            None
        );
        assert_eq!(
            claim(
                "Use My → Help & Feedback → Contact Support in DingTalk",
                ClaimMode::Message
            ),
            None
        );
        assert_eq!(
            claim("DingTalk official hotline", ClaimMode::Message).map(|x| x.0),
            Some(p)
        );
    }
}
