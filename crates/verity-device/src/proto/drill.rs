//! Scam drills (issue 15): the organisation's signed lures and the outcomes devices send back.
//!
//! **Lure.** A compact token `vd1.<body>.<signature>`: `body` is the base64url of the JSON of
//! [`LureBody`], `signature` the organisation key's Ed25519 signature over
//! `"verity-drill-lure-v1\n" || body-bytes` (the same construction as the binding certificate,
//! another domain, so no other signature of the organisation can pass for a drill). The app
//! believes that something is a drill only through [`LureBody::verify`] with the organisation key
//! it pinned at enrolment and its own device id: a lure that does not verify is never shown,
//! never revealed as "only a drill", and its number or link is checked like any other.
//!
//! **Delivery.** `POST /v1/drill/lures` ([`LuresRequest`], signed like every device request)
//! answers [`LuresAnswer`]: this device's lures whose delivery moment falls within
//! [`LURE_LOOKAHEAD_SECS`] and that have not expired or been answered, plus the organisation's
//! drill programme (owner, cadence, next drill) for the checklist's step 4. The app keeps them
//! and shows each at its `deliver_at`, offline too.
//!
//! **Outcome.** `POST /v1/drill/outcome` ([`DrillOutcome`]) tells the desk that a lure was shown
//! (`delivered`) and then what the employee did (`reported`, `engaged` or `ignored`): the desk
//! records each once, the first one wins, and answers [`OutcomeReceipt`] with what it holds.
//!
//! The lure's words come from [`lure_text`], the one scenario library both the console's
//! preview and the app use, in the four languages.

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::certificate::{open_token, seal_token};
use super::{b64, ProtoError, MAX_CLOCK_SKEW_SECS};

/// The lure token's prefix and signature domain.
const LURE_PREFIX: &str = "vd1";
const LURE_DOMAIN: &[u8] = b"verity-drill-lure-v1\n";

/// The desk hands out lures whose `deliver_at` is at most this far ahead (24 hours).
pub const LURE_LOOKAHEAD_SECS: u64 = 24 * 3600;
/// The most lures one answer carries.
pub const MAX_LURES: usize = 16;
/// The longest a lure may wait for an answer after delivery (14 days).
pub const MAX_ACT_WINDOW_SECS: u64 = 14 * 24 * 3600;
/// The default time to act after delivery, after which the lure counts as ignored (72 hours).
pub const DEFAULT_ACT_WINDOW_SECS: u64 = 72 * 3600;
/// Longest drill id.
pub const MAX_DRILL_ID_CHARS: usize = 64;
/// Longest lure link.
pub const MAX_LINK_CHARS: usize = 256;
/// Longest drill owner name.
pub const MAX_OWNER_CHARS: usize = 128;

/// The scenario library: the seed's three scripts, as a scammer brings them to a desktop.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Fake technical support: an unverified chat request from "DingTalk Support" on the
    /// Support screen that asks for the verification code.
    SupportCode,
    /// Fake technical support: a notification asking to install a remote-access tool.
    RemoteAccess,
    /// A fake paid upgrade: a notification that the plan ends unless paid for.
    PaidUpgrade,
    /// A freeze threat: a notification that the account will be frozen in 24 hours.
    FreezeThreat,
}

impl Scenario {
    /// Every scenario, in the order the console lists them.
    pub const ALL: [Scenario; 4] = [
        Scenario::SupportCode,
        Scenario::RemoteAccess,
        Scenario::PaidUpgrade,
        Scenario::FreezeThreat,
    ];

    /// How this scenario reaches the employee.
    #[must_use]
    pub fn channel(self) -> Channel {
        match self {
            Scenario::SupportCode => Channel::SupportChat,
            Scenario::RemoteAccess | Scenario::PaidUpgrade | Scenario::FreezeThreat => {
                Channel::Notification
            }
        }
    }

    /// The wire name (`support_code`…).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::SupportCode => "support_code",
            Scenario::RemoteAccess => "remote_access",
            Scenario::PaidUpgrade => "paid_upgrade",
            Scenario::FreezeThreat => "freeze_threat",
        }
    }

    /// The scenario of a wire name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// How a lure reaches the employee.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
// The container's name only (JSON is unchanged): in the app's bindings `DrillChannel`, since
// `Channel` is the Tauri runtime's own name.
#[serde(rename = "DrillChannel", rename_all = "snake_case")]
pub enum Channel {
    /// A desktop notification that imitates a support message; a click opens it in Verity.
    Notification,
    /// An unverified chat request on the Support screen.
    SupportChat,
}

/// What a lure says, signed by the organisation as a drill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LureBody {
    /// Format version (1).
    pub v: u32,
    /// The organisation's key (base64url).
    pub org_key: String,
    /// The drill (1–64 of `[a-z0-9_-]`).
    pub drill_id: String,
    /// The device this lure is for.
    pub device_id: String,
    /// The script.
    pub scenario: Scenario,
    /// How it arrives; always `scenario.channel()`.
    pub channel: Channel,
    /// The drill phone number from the organisation's reserved drill list (E.164).
    pub number: String,
    /// The drill link from the reserved drill list (`https://`, at most 256 characters).
    pub link: String,
    /// When to show it, Unix seconds.
    pub deliver_at: u64,
    /// When an unanswered lure counts as ignored, Unix seconds (after `deliver_at`, at most
    /// 14 days later).
    pub expires_at: u64,
    /// When the desk signed it, Unix seconds.
    pub issued_at: u64,
}

/// Why a lure is not believed to be a drill.
#[derive(Debug, thiserror::Error)]
pub enum LureError {
    /// Not a `vd1.` token, or its signature does not verify with the organisation key.
    #[error("the lure is not signed by the organisation as a drill: {0}")]
    Signature(ProtoError),
    /// Signed, but not for this organisation or device, or inconsistent.
    #[error("the drill does not hold: {0}")]
    Mismatch(&'static str),
}

impl LureBody {
    /// Signs the lure with the organisation key (`vd1.` token).
    ///
    /// # Errors
    /// [`ProtoError::Json`] (never, for this type).
    pub fn sign(&self, org_key: &SigningKey) -> Result<String, ProtoError> {
        let bytes = serde_json::to_vec(self).map_err(|e| ProtoError::Json(e.to_string()))?;
        Ok(seal_token(LURE_PREFIX, LURE_DOMAIN, &bytes, org_key))
    }

    /// Checks the fields alone (the desk before signing, the app after verifying).
    ///
    /// # Errors
    /// [`LureError::Mismatch`] naming the field.
    pub fn validate(&self) -> Result<(), LureError> {
        if self.v != 1 {
            return Err(LureError::Mismatch("version"));
        }
        if !valid_drill_id(&self.drill_id) {
            return Err(LureError::Mismatch("drill_id"));
        }
        if self.channel != self.scenario.channel() {
            return Err(LureError::Mismatch("channel"));
        }
        if !valid_e164(&self.number) {
            return Err(LureError::Mismatch("number"));
        }
        if !valid_drill_link(&self.link) {
            return Err(LureError::Mismatch("link"));
        }
        if self.expires_at <= self.deliver_at
            || self.expires_at - self.deliver_at > MAX_ACT_WINDOW_SECS
        {
            return Err(LureError::Mismatch("expires_at"));
        }
        Ok(())
    }

    /// Verifies a lure for this app's own `device_id` under the organisation key it pinned.
    ///
    /// # Errors
    /// [`LureError`].
    pub fn verify(
        token: &str,
        org_key: &VerifyingKey,
        device_id: &str,
    ) -> Result<LureBody, LureError> {
        let bytes =
            open_token(token, LURE_PREFIX, LURE_DOMAIN, org_key).map_err(LureError::Signature)?;
        let body: LureBody = serde_json::from_slice(&bytes)
            .map_err(|_| LureError::Signature(ProtoError::CertificateMalformed))?;
        if body.org_key != b64(org_key.as_bytes()) {
            return Err(LureError::Mismatch("organisation"));
        }
        if body.device_id != device_id {
            return Err(LureError::Mismatch("device"));
        }
        body.validate()?;
        Ok(body)
    }
}

/// A drill id: 1–64 of `[a-z0-9_-]`.
#[must_use]
pub fn valid_drill_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_DRILL_ID_CHARS
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// A number as the reserved list keeps it: `+` and 8–15 digits, not starting with 0.
#[must_use]
pub fn valid_e164(n: &str) -> bool {
    let Some(digits) = n.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// A drill link: `https://`, a host, printable ASCII without spaces, quotes or angle brackets,
/// at most 256 characters.
#[must_use]
pub fn valid_drill_link(link: &str) -> bool {
    let Some(rest) = link.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    link.len() <= MAX_LINK_CHARS
        && !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b':')
        && link
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`'))
}

/// `POST /v1/drill/lures` body: nothing beyond the signed request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LuresRequest {}

/// The organisation's drill programme, for the checklist's step 4.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    /// Who runs the drills (1–128 printable characters).
    pub owner: String,
    /// Months between drills (1, 2, 3, 4, 6 or 12; 3 by default: each quarter).
    pub every_months: u32,
    /// When the next drill is due, Unix seconds, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_drill: Option<u64>,
}

/// `POST /v1/drill/lures` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LuresAnswer {
    /// `vd1.` tokens, at most [`MAX_LURES`].
    pub lures: Vec<String>,
    /// The programme, once the organisation has named an owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme: Option<Programme>,
}

/// What happened to a lure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeEvent {
    /// It was shown to the employee.
    Delivered,
    /// The employee reported it (Report to IT) or checked its number or link.
    Reported,
    /// The employee opened its link or typed a code into the fake chat.
    Engaged,
    /// The employee dismissed it, or it expired unanswered.
    Ignored,
}

impl OutcomeEvent {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeEvent::Delivered => "delivered",
            OutcomeEvent::Reported => "reported",
            OutcomeEvent::Engaged => "engaged",
            OutcomeEvent::Ignored => "ignored",
        }
    }
}

/// How the outcome came about.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeHow {
    /// `delivered`: the notification or the chat request was shown.
    Shown,
    /// `reported`: Report to IT on the lure.
    ReportToIt,
    /// `reported`: a Check of the drill number or link.
    Check,
    /// `engaged`: the drill link was opened.
    OpenedLink,
    /// `engaged`: a code was typed into the fake chat.
    TypedCode,
    /// `ignored`: dismissed.
    Dismissed,
    /// `ignored`: expired unanswered.
    Expired,
}

impl OutcomeHow {
    /// The event this way of acting belongs to.
    #[must_use]
    pub fn event(self) -> OutcomeEvent {
        match self {
            OutcomeHow::Shown => OutcomeEvent::Delivered,
            OutcomeHow::ReportToIt | OutcomeHow::Check => OutcomeEvent::Reported,
            OutcomeHow::OpenedLink | OutcomeHow::TypedCode => OutcomeEvent::Engaged,
            OutcomeHow::Dismissed | OutcomeHow::Expired => OutcomeEvent::Ignored,
        }
    }

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeHow::Shown => "shown",
            OutcomeHow::ReportToIt => "report_to_it",
            OutcomeHow::Check => "check",
            OutcomeHow::OpenedLink => "opened_link",
            OutcomeHow::TypedCode => "typed_code",
            OutcomeHow::Dismissed => "dismissed",
            OutcomeHow::Expired => "expired",
        }
    }
}

/// `POST /v1/drill/outcome` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillOutcome {
    /// The drill.
    pub drill_id: String,
    /// What happened; must be `how.event()`.
    pub event: OutcomeEvent,
    /// How.
    pub how: OutcomeHow,
    /// When, by the device's clock, Unix seconds.
    pub at: u64,
}

/// Why an outcome is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the drill outcome is not acceptable: {0}")]
pub struct OutcomeError(pub &'static str);

impl DrillOutcome {
    /// Checks the fields: a drill id, `event` matching `how`, `at` not zero and no later than
    /// `now` plus the allowed clock skew (when given).
    ///
    /// # Errors
    /// [`OutcomeError`] naming the field.
    pub fn validate(&self, now: Option<u64>) -> Result<(), OutcomeError> {
        if !valid_drill_id(&self.drill_id) {
            return Err(OutcomeError("drill_id"));
        }
        if self.how.event() != self.event {
            return Err(OutcomeError("how"));
        }
        if self.at == 0 || now.is_some_and(|n| self.at > n.saturating_add(MAX_CLOCK_SKEW_SECS)) {
            return Err(OutcomeError("at"));
        }
        Ok(())
    }

    /// Reads and validates an outcome body as the desk receives it.
    ///
    /// # Errors
    /// [`OutcomeError`].
    pub fn from_json(body: &[u8], now: u64) -> Result<DrillOutcome, OutcomeError> {
        let o: DrillOutcome =
            serde_json::from_slice(body).map_err(|_| OutcomeError("not a drill outcome"))?;
        o.validate(Some(now))?;
        Ok(o)
    }
}

/// `POST /v1/drill/outcome` answer: what the desk holds for this device and drill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeReceipt {
    /// The drill.
    pub drill_id: String,
    /// Whether this request recorded something new (false: it was on record already).
    pub recorded: bool,
    /// When the lure was shown, when the desk knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<u64>,
    /// The final outcome on record (reported, engaged or ignored), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OutcomeEvent>,
}

/// A lure's words in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LureText {
    /// Who it claims to be from (the notification's title, the chat's sender).
    pub sender: String,
    /// The message: the notification's body, or the chat's first message.
    pub body: String,
    /// The fake chat's later messages, in order (empty for a notification).
    pub follow_ups: Vec<String>,
}

/// The four languages, as their tags.
pub const LURE_LANGUAGES: [&str; 4] = ["en", "zh-HK", "zh-CN", "ar"];

/// The words of `scenario` in `language` (`en`, `zh-HK`, `zh-CN`, `ar`; anything else is
/// English), with the drill's number and link in place.
#[must_use]
pub fn lure_text(scenario: Scenario, language: &str, number: &str, link: &str) -> LureText {
    let number = display_number(number);
    let fill = |s: &str| s.replace("{number}", &number).replace("{link}", link);
    let (sender, body, follow_ups): (&str, &str, &[&str]) = match (scenario, language) {
        (Scenario::SupportCode, "zh-HK") => (
            "釘釘客服",
            "你好，這裡是釘釘企業客服。我們偵測到你的企業帳戶有異常登入，為保障帳戶安全，請把剛才發到你手機的 6 位數驗證碼告訴我。",
            &[
                "為免帳戶被停用，請在 10 分鐘內提供驗證碼。",
                "如有疑問，可致電客服熱線 {number}。",
            ],
        ),
        (Scenario::SupportCode, "zh-CN") => (
            "钉钉客服",
            "您好，这里是钉钉企业客服。我们检测到您的企业账号有异常登录，为保障账号安全，请把刚才发到您手机的 6 位验证码告诉我。",
            &[
                "为避免账号被停用，请在 10 分钟内提供验证码。",
                "如有疑问，可拨打客服热线 {number}。",
            ],
        ),
        (Scenario::SupportCode, "ar") => (
            "دعم DingTalk",
            "مرحبًا، معك دعم DingTalk للمؤسسات. رصدنا تسجيل دخول غير معتاد إلى حساب مؤسستك. لحماية الحساب، أرسل لي رمز التحقق المكوّن من 6 أرقام الذي وصل إلى هاتفك الآن.",
            &[
                "لتجنّب إيقاف الحساب، أرسل الرمز خلال 10 دقائق.",
                "للاستفسار اتصل بخط الدعم {number}.",
            ],
        ),
        (Scenario::SupportCode, _) => (
            "DingTalk Support",
            "Hello, this is DingTalk Enterprise Support. We detected an unusual sign-in to your enterprise account. To keep it safe, please tell me the 6-digit verification code we just sent to your phone.",
            &[
                "To avoid your account being suspended, please send the code within 10 minutes.",
                "If you have questions, call our support hotline {number}.",
            ],
        ),
        (Scenario::RemoteAccess, "zh-HK") => (
            "釘釘技術支援",
            "釘釘技術支援：你的企業工作台出現故障，工程師將遠端為你修復。請從 {link} 安裝支援工具，或致電 {number}。",
            &[],
        ),
        (Scenario::RemoteAccess, "zh-CN") => (
            "钉钉技术支持",
            "钉钉技术支持：您的企业工作台出现故障，工程师将远程为您修复。请从 {link} 安装支持工具，或拨打 {number}。",
            &[],
        ),
        (Scenario::RemoteAccess, "ar") => (
            "الدعم الفني DingTalk",
            "الدعم الفني DingTalk: حدث عطل في مساحة عمل مؤسستك، وسيصلحه مهندسنا عن بُعد. ثبّت أداة الدعم من {link} أو اتصل بالرقم {number}.",
            &[],
        ),
        (Scenario::RemoteAccess, _) => (
            "DingTalk Technical Support",
            "DingTalk Technical Support: we found a fault in your enterprise workspace and an engineer will fix it remotely. Install the support tool from {link} or call {number}.",
            &[],
        ),
        (Scenario::PaidUpgrade, "zh-HK") => (
            "釘釘服務",
            "釘釘服務：你的企業版方案今天到期。為保留資料，請於 {link} 升級至釘釘專業版，或致電 {number}。",
            &[],
        ),
        (Scenario::PaidUpgrade, "zh-CN") => (
            "钉钉服务",
            "钉钉服务：您的企业版套餐今天到期。为保留数据，请在 {link} 升级至钉钉专业版，或拨打 {number}。",
            &[],
        ),
        (Scenario::PaidUpgrade, "ar") => (
            "خدمة DingTalk",
            "خدمة DingTalk: تنتهي خطة مؤسستك اليوم. للاحتفاظ ببياناتك، رقِّ اشتراكك إلى DingTalk Pro عبر {link} أو اتصل بالرقم {number}.",
            &[],
        ),
        (Scenario::PaidUpgrade, _) => (
            "DingTalk Service",
            "DingTalk Service: your enterprise plan ends today. To keep your data, upgrade to DingTalk Pro at {link} or call {number}.",
            &[],
        ),
        (Scenario::FreezeThreat, "zh-HK") => (
            "釘釘服務",
            "釘釘服務：你的企業帳戶因異常活動將於 24 小時內被凍結。請致電 {number} 或到 {link} 驗證，以保持帳戶正常。",
            &[],
        ),
        (Scenario::FreezeThreat, "zh-CN") => (
            "钉钉服务",
            "钉钉服务：您的企业账号因异常活动将于 24 小时内被冻结。请拨打 {number} 或到 {link} 验证，以保持账号正常。",
            &[],
        ),
        (Scenario::FreezeThreat, "ar") => (
            "خدمة DingTalk",
            "خدمة DingTalk: سيُجمَّد حساب مؤسستك خلال 24 ساعة بسبب نشاط غير معتاد. اتصل بالرقم {number} أو تحقّق عبر {link} لإبقائه نشطًا.",
            &[],
        ),
        (Scenario::FreezeThreat, _) => (
            "DingTalk Service",
            "DingTalk Service: your enterprise account will be frozen in 24 hours because of unusual activity. Call {number} or verify at {link} to keep it active.",
            &[],
        ),
    };
    LureText {
        sender: sender.to_owned(),
        body: fill(body),
        follow_ups: follow_ups.iter().map(|s| fill(s)).collect(),
    }
}

/// `+85230012345` as a scam text would print it: `+852 3001 2345` for Hong Kong, the digits in
/// groups of four after the country code otherwise (kept left to right inside Arabic text by the
/// app, which isolates it).
#[must_use]
pub fn display_number(e164: &str) -> String {
    let Some(digits) = e164.strip_prefix('+') else {
        return e164.to_owned();
    };
    let (cc, rest) = if let Some(rest) = digits.strip_prefix("852") {
        ("852", rest)
    } else if let Some(rest) = digits.strip_prefix("853") {
        ("853", rest)
    } else if digits.len() > 2 {
        digits.split_at(2)
    } else {
        return e164.to_owned();
    };
    let groups: Vec<&str> = rest
        .as_bytes()
        .chunks(4)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    format!("+{cc} {}", groups.join(" "))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn body(org: &SigningKey) -> LureBody {
        LureBody {
            v: 1,
            org_key: b64(org.verifying_key().as_bytes()),
            drill_id: "d-2026q4-1".into(),
            device_id: "dev1".into(),
            scenario: Scenario::FreezeThreat,
            channel: Channel::Notification,
            number: "+85230019999".into(),
            link: "https://dingtalk-hk-service.example/verify".into(),
            deliver_at: 1_800_000_000,
            expires_at: 1_800_000_000 + DEFAULT_ACT_WINDOW_SECS,
            issued_at: 1_799_990_000,
        }
    }

    #[test]
    fn a_lure_verifies_only_under_the_organisation_key_for_its_device() {
        let org = key(7);
        let token = body(&org).sign(&org).unwrap();
        let got = LureBody::verify(&token, &org.verifying_key(), "dev1").unwrap();
        assert_eq!(got, body(&org));
        // Another key, another device, another token kind.
        assert!(matches!(
            LureBody::verify(&token, &key(8).verifying_key(), "dev1"),
            Err(LureError::Signature(_))
        ));
        assert!(matches!(
            LureBody::verify(&token, &org.verifying_key(), "dev2"),
            Err(LureError::Mismatch("device"))
        ));
        let other_kind = token.replacen("vd1", "vs1", 1);
        assert!(LureBody::verify(&other_kind, &org.verifying_key(), "dev1").is_err());
        // A body signed by another organisation key that names this one.
        let mut forged = body(&org);
        forged.drill_id = "d-forged".into();
        let forged = forged.sign(&key(9)).unwrap();
        assert!(LureBody::verify(&forged, &org.verifying_key(), "dev1").is_err());
        // Garbage.
        assert!(LureBody::verify("vd1.x.y", &org.verifying_key(), "dev1").is_err());
        assert!(LureBody::verify("", &org.verifying_key(), "dev1").is_err());
    }

    #[test]
    fn fields_are_checked() {
        let org = key(7);
        let mut b = body(&org);
        b.channel = Channel::SupportChat;
        assert!(matches!(b.validate(), Err(LureError::Mismatch("channel"))));
        let mut b = body(&org);
        b.number = "3001 9999".into();
        assert!(matches!(b.validate(), Err(LureError::Mismatch("number"))));
        let mut b = body(&org);
        b.link = "http://x.example/".into();
        assert!(matches!(b.validate(), Err(LureError::Mismatch("link"))));
        b.link = "https://x.example/\"><script>".into();
        assert!(b.validate().is_err());
        let mut b = body(&org);
        b.expires_at = b.deliver_at;
        assert!(b.validate().is_err());
        b.expires_at = b.deliver_at + MAX_ACT_WINDOW_SECS + 1;
        assert!(b.validate().is_err());
        let mut b = body(&org);
        b.drill_id = "D 1".into();
        assert!(b.validate().is_err());
    }

    #[test]
    fn outcomes_are_checked() {
        let now = 1_800_000_000;
        let ok = DrillOutcome {
            drill_id: "d1".into(),
            event: OutcomeEvent::Reported,
            how: OutcomeHow::Check,
            at: now,
        };
        ok.validate(Some(now)).unwrap();
        let body = serde_json::to_vec(&ok).unwrap();
        assert_eq!(DrillOutcome::from_json(&body, now).unwrap(), ok);
        let mut o = ok.clone();
        o.how = OutcomeHow::OpenedLink;
        assert_eq!(o.validate(None).unwrap_err().0, "how");
        let mut o = ok.clone();
        o.at = now + 3600;
        assert_eq!(o.validate(Some(now)).unwrap_err().0, "at");
        o.at = 0;
        assert!(o.validate(None).is_err());
        assert!(DrillOutcome::from_json(b"{}", now).is_err());
        assert!(DrillOutcome::from_json(
            br#"{"drill_id":"d1","event":"reported","how":"check","at":1,"x":1}"#,
            now
        )
        .is_err());
    }

    #[test]
    fn every_scenario_has_words_in_every_language_with_the_number_and_link() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::parse(s.as_str()), Some(s));
            for lang in LURE_LANGUAGES {
                let t = lure_text(s, lang, "+85230019999", "https://drill.example/x");
                assert!(!t.sender.is_empty());
                assert!(
                    t.body.contains("+852 3001 9999")
                        || t.follow_ups.iter().any(|f| f.contains("+852 3001 9999")),
                    "{s:?} {lang}"
                );
                if s.channel() == Channel::Notification {
                    assert!(t.body.contains("https://drill.example/x"), "{s:?} {lang}");
                    assert!(t.follow_ups.is_empty());
                } else {
                    assert!(!t.follow_ups.is_empty());
                }
                assert!(!t.body.contains('{'), "{s:?} {lang}");
            }
        }
        assert_eq!(display_number("+85230012345"), "+852 3001 2345");
        assert_eq!(display_number("+8613800138000"), "+86 1380 0138 000");
    }
}
