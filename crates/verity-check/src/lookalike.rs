//! Rules that make a link `suspicious` without any list: look-alikes of official domains,
//! deceptive hosts, and plain `http` where a login or payment is asked.
//!
//! A host under an official domain (`h5.dingtalk.com`) never raises anything. For any other
//! host, each protected label `L` (from the official directory, e.g. `dingtalk`) is compared with
//! the registrable label `R` (the label before the public suffix) and with the subdomain labels:
//! - `R == L` under another suffix (`dingtalk.xyz`), a UTS #39 confusable skeleton equal to `L`
//!   (`dіngtalk` with a Cyrillic `і`, `d1ngtalk`, `ding-talk`), or a Damerau–Levenshtein distance
//!   of 1 (labels of 5–7 letters) or 2 (8 or more) → `lookalike_domain`. Labels under 5 letters
//!   get no distance rule: too many real words sit one edit from a short name;
//! - `R` containing `L` or a near-miss of it (`dingtalk-support`, `help-dingtalk`, `dingtalkhk`,
//!   `dingtallk-hk`) → `brand_affix_domain`;
//! - a subdomain label containing `L` (`dingtalk.com.evil.xyz`, `dingtalk-login.evil.xyz`)
//!   → `official_name_as_subdomain`.
//!
//! Host rules: labels that mix scripts beyond what UTS #39 calls "highly restrictive" (Latin
//! with Cyrillic, say) → `mixed_script_host`; a punycode label whose skeleton is plain ASCII
//! (a non-Latin name that renders like a Latin one) → `punycode_host` — a genuinely Chinese or
//! Arabic domain name is not flagged for being non-ASCII; an IP-address host →
//! `ip_address_host`; user-info before the host (`dingtalk.com@evil.xyz`) → `userinfo_in_url`.
//! Scheme rule: plain `http` with a login, verification, payment or upgrade word in the path or
//! query → `plain_http_sensitive_path`.

use unicode_security::{RestrictionLevel, RestrictionLevelDetection};

use crate::official::OfficialDirectory;
use crate::verdict::{Reason, ReasonCode};
use verity_core::link::{self, CanonicalUrl};

/// What the rules found about a link.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinkAssessment {
    /// The host is an official domain or one of its subdomains.
    pub official: bool,
    /// Risk reasons; empty when official.
    pub reasons: Vec<Reason>,
}

/// Runs every link rule against the official directory.
#[must_use]
pub fn assess(url: &CanonicalUrl, official: &OfficialDirectory) -> LinkAssessment {
    if !url.host_is_ip && official.is_official_host(&url.host) {
        return LinkAssessment {
            official: true,
            reasons: Vec::new(),
        };
    }
    let mut reasons = Vec::new();
    if url.host_is_ip {
        reasons.push(Reason::with(ReasonCode::IpAddressHost, url.host.clone()));
    } else {
        reasons.extend(host_rules(url, official));
    }
    if url.had_userinfo {
        reasons.push(Reason::new(ReasonCode::UserinfoInUrl));
    }
    if url.scheme == "http" {
        if let Some(word) = sensitive_word(url) {
            reasons.push(Reason::with(ReasonCode::PlainHttpSensitivePath, word));
        }
    }
    LinkAssessment {
        official: false,
        reasons,
    }
}

/// A label in Unicode (punycode decoded), lower-case.
fn unicode_label(label: &str) -> String {
    if label.starts_with("xn--") {
        let (u, res) = idna::domain_to_unicode(label);
        if res.is_ok() {
            return u;
        }
    }
    label.to_lowercase()
}

/// The UTS #39 skeleton, lower-cased, folded further for look-alikes ASCII itself allows
/// (`0`/`o`, `1`/`i`/`l`, `rn`/`m`, `vv`/`w`), with hyphens and underscores dropped.
fn fold(s: &str) -> String {
    let sk = skeleton(s);
    let sk = if sk.bytes().any(|b| !b.is_ascii() || b.is_ascii_uppercase()) {
        sk.to_lowercase()
    } else {
        sk
    };
    let mut out = String::with_capacity(sk.len());
    for c in sk.chars() {
        match c {
            '-' | '_' => {}
            '0' => out.push('o'),
            '1' | 'i' | '|' | '!' => out.push('l'),
            '5' => out.push('s'),
            c => out.push(c),
        }
    }
    if out.contains("rn") {
        out = out.replace("rn", "m");
    }
    if out.contains("vv") {
        out = out.replace("vv", "w");
    }
    out
}

/// The UTS #39 skeleton of `s`. An ASCII string whose characters' prototypes are all ASCII
/// (every ASCII character's are, checked once) is the concatenation of those prototypes: each
/// character is its own decomposition, none is default-ignorable, and ASCII has nothing for the
/// final decomposition to reorder. That is read from a table; anything else goes through
/// `unicode_security::skeleton`.
fn skeleton(s: &str) -> String {
    if s.is_ascii() {
        let table = ascii_skeletons();
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            match table.get(usize::from(b)).and_then(Option::as_deref) {
                Some(p) => out.push_str(p),
                None => return unicode_security::skeleton(s).collect(),
            }
        }
        return out;
    }
    unicode_security::skeleton(s).collect()
}

/// Each ASCII character's skeleton, when it is ASCII.
fn ascii_skeletons() -> &'static [Option<String>] {
    static TABLE: std::sync::OnceLock<Vec<Option<String>>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0u8..128)
            .map(|b| {
                let c = [b];
                let one = std::str::from_utf8(&c).unwrap_or_default();
                let sk: String = unicode_security::skeleton(one).collect();
                sk.is_ascii().then_some(sk)
            })
            .collect()
    })
}

fn distance_limit(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    }
}

/// Within the edit limit. A second edit is only allowed when the first letters agree: the
/// look-alikes people fall for keep the start of the name (`dingtallk`), while words that
/// merely share a tail (`tinytalk`) are different names.
fn near(label: &str, brand: &str, limit: usize) -> bool {
    if limit == 0 {
        return false;
    }
    // The distance is at least the difference in length: past the limit, no need to count it.
    if label.chars().count().abs_diff(brand.chars().count()) > limit.max(1) {
        return false;
    }
    let d = dl(label, brand);
    d <= 1 || (d <= limit && label.chars().next() == brand.chars().next())
}

fn dl(a: &str, b: &str) -> usize {
    strsim::damerau_levenshtein(a, b)
}

/// Whether `hay` contains `needle` up to one edit, in a window of `needle`'s length ± 1.
/// `chars` are `hay`'s characters (collected once by the caller, which asks for every brand).
fn contains_near(hay: &str, chars: &[char], needle: &str) -> bool {
    if hay.contains(needle) {
        return true;
    }
    let needle: Vec<char> = needle.chars().collect();
    let n = needle.len();
    if n < 6 {
        return false;
    }
    [n - 1, n, n + 1]
        .into_iter()
        .filter(|w| *w <= chars.len())
        .any(|w| {
            chars
                .windows(w)
                .any(|window| within_one_edit(window, &needle))
        })
}

/// Whether the Damerau–Levenshtein distance between `a` and `b` is at most 1 (as
/// [`strsim::damerau_levenshtein`] counts it: one insertion, deletion, substitution or swap of
/// adjacent characters), in one pass and without allocating.
fn within_one_edit(a: &[char], b: &[char]) -> bool {
    // The common prefix, then what follows it must be one edit.
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (
        a.get(p..).unwrap_or_default(),
        b.get(p..).unwrap_or_default(),
    );
    match a.len().abs_diff(b.len()) {
        0 => {
            a.is_empty()
                || a.get(1..) == b.get(1..)
                || (a
                    .get(..2)
                    .is_some_and(|x| b.get(..2).is_some_and(|y| x[0] == y[1] && x[1] == y[0]))
                    && a.get(2..) == b.get(2..))
        }
        1 => {
            let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
            long.get(1..) == Some(short)
        }
        _ => false,
    }
}

fn host_rules(url: &CanonicalUrl, official: &OfficialDirectory) -> Vec<Reason> {
    let mut reasons: Vec<Reason> = Vec::new();
    let mut push = |r: Reason| {
        if !reasons.iter().any(|x| x.code == r.code) {
            reasons.push(r);
        }
    };
    let labels: Vec<&str> = url.host.split('.').collect();
    let unicode_labels: Vec<String> = labels.iter().map(|l| unicode_label(l)).collect();

    for (ascii, uni) in labels.iter().zip(&unicode_labels) {
        if mixes_scripts(uni) {
            push(Reason::with(
                ReasonCode::MixedScriptHost,
                host_for_display(&unicode_labels),
            ));
        }
        if ascii.starts_with("xn--") && uni != ascii && fold(uni).is_ascii() {
            push(Reason::with(
                ReasonCode::PunycodeHost,
                host_for_display(&unicode_labels),
            ));
        }
    }

    let Some(reg) = url.registrable_domain.as_deref() else {
        return reasons;
    };
    let reg_labels = reg.split('.').count();
    let Some(reg_index) = labels.len().checked_sub(reg_labels) else {
        return reasons;
    };
    let Some(reg_label) = unicode_labels.get(reg_index) else {
        return reasons;
    };
    let reg_fold = fold(reg_label);
    let reg_fold_chars: Vec<char> = reg_fold.chars().collect();
    // A hyphenated label's parts, folded once for all the brands, and only if a brand asks.
    let reg_part_folds = std::cell::OnceCell::new();
    let reg_parts = || -> &Vec<String> {
        reg_part_folds.get_or_init(|| {
            if reg_label.contains('-') {
                reg_label.split('-').map(fold).collect()
            } else {
                Vec::new()
            }
        })
    };
    let sub_folds: Vec<String> = unicode_labels[..reg_index]
        .iter()
        .map(|l| fold(l))
        .collect();
    let sub_text = labels[..reg_index].join(".");
    let official_in_sub = official.domains.iter().any(|d| {
        sub_text == *d
            || sub_text
                .strip_suffix(d.as_str())
                .is_some_and(|rest| rest.ends_with('.'))
            || sub_text
                .match_indices(d.as_str())
                .any(|(at, _)| sub_text.as_bytes().get(at + d.len()) == Some(&b'.'))
    });

    let brands = brands(official);
    for Brand {
        label: brand,
        fold: brand_fold,
        imitated,
        limit,
    } in brands.iter()
    {
        let (brand, brand_fold, limit) = (brand.as_str(), brand_fold.as_str(), *limit);
        if reg_label == brand || reg_fold == brand_fold {
            push(Reason::with(ReasonCode::LookalikeDomain, imitated.clone()));
        } else if reg_fold.contains(brand_fold)
            || reg_parts().iter().any(|t| near(t, brand_fold, limit))
            || (brand_fold.chars().count() >= 6
                && reg_fold_chars.len() > brand_fold.chars().count() + 1
                && contains_near(&reg_fold, &reg_fold_chars, brand_fold))
        {
            push(Reason::with(ReasonCode::BrandAffixDomain, imitated.clone()));
        } else if near(&reg_fold, brand_fold, limit) {
            push(Reason::with(ReasonCode::LookalikeDomain, imitated.clone()));
        }

        if official_in_sub
            || sub_folds
                .iter()
                .any(|f| f.contains(brand_fold) || near(f, brand_fold, limit))
        {
            push(Reason::with(
                ReasonCode::OfficialNameAsSubdomain,
                imitated.clone(),
            ));
        }
    }
    reasons
}

/// A protected label with what the rules compare against, computed once per directory.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Brand {
    label: String,
    fold: String,
    /// The official domain the label is the first label of (else the label): what a reason names.
    imitated: String,
    limit: usize,
}

/// The directory's brands, kept per thread for the directory last seen (its domains and brand
/// labels compared each time, so a changed directory is never answered from an old one).
fn brands(official: &OfficialDirectory) -> std::rc::Rc<Vec<Brand>> {
    type Key = (Vec<String>, Vec<String>);
    thread_local! {
        static LAST: std::cell::RefCell<Option<(Key, std::rc::Rc<Vec<Brand>>)>> =
            const { std::cell::RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some(((domains, labels), brands)) = last.as_ref() {
            if *domains == official.domains && *labels == official.brand_labels {
                return brands.clone();
            }
        }
        let brands: std::rc::Rc<Vec<Brand>> = std::rc::Rc::new(
            official
                .protected_labels()
                .into_iter()
                .map(|label| {
                    let fold = fold(&label);
                    let imitated = official
                        .domains
                        .iter()
                        .find(|d| d.split('.').next() == Some(label.as_str()))
                        .cloned()
                        .unwrap_or_else(|| label.clone());
                    let limit = distance_limit(fold.chars().count());
                    Brand {
                        label,
                        fold,
                        imitated,
                        limit,
                    }
                })
                .collect(),
        );
        *last = Some((
            (official.domains.clone(), official.brand_labels.clone()),
            brands.clone(),
        ));
        brands
    })
}

/// Whether a label (hyphens and underscores aside) mixes scripts beyond what UTS #39 calls
/// "highly restrictive". An ASCII label is read from a table of which ASCII characters UTS #39
/// allows in identifiers (the same answer as the full detection: ASCII-only, or unrestricted
/// when a character is not allowed).
fn mixes_scripts(label: &str) -> bool {
    if label.is_ascii() {
        let allowed = ascii_identifier_allowed();
        return label
            .bytes()
            .filter(|b| *b != b'-' && *b != b'_')
            .any(|b| !allowed.get(usize::from(b)).copied().unwrap_or(false));
    }
    let letters: String = label.chars().filter(|c| *c != '-' && *c != '_').collect();
    letters.as_str().detect_restriction_level() > RestrictionLevel::HighlyRestrictive
}

/// For each ASCII character, whether UTS #39's general security profile allows it in an
/// identifier (asked of the library once).
fn ascii_identifier_allowed() -> &'static [bool; 128] {
    static TABLE: std::sync::OnceLock<[bool; 128]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [false; 128];
        for (b, slot) in (0u8..128).zip(t.iter_mut()) {
            let one = [b];
            let s = std::str::from_utf8(&one).unwrap_or_default();
            *slot = !s.is_empty()
                && s.detect_restriction_level() <= RestrictionLevel::HighlyRestrictive;
        }
        t
    })
}

fn host_for_display(unicode_labels: &[String]) -> String {
    unicode_labels.join(".")
}

/// Words that mark a login, verification, payment or upgrade page (English, and Chinese as
/// written in URLs after unescaping).
const SENSITIVE_TOKENS: &[&str] = &[
    "login",
    "logon",
    "signin",
    "signon",
    "sign_in",
    "log_in",
    "verify",
    "verification",
    "validate",
    "validation",
    "authenticate",
    "auth",
    "password",
    "passwd",
    "otp",
    "2fa",
    "pay",
    "payment",
    "payments",
    "paynow",
    "checkout",
    "billing",
    "bill",
    "invoice",
    "upgrade",
    "renew",
    "renewal",
    "recharge",
    "topup",
    "wallet",
    "card",
    "bank",
    "banking",
    "transfer",
    "fps",
    "unlock",
    "unfreeze",
    "reactivate",
    "activate",
    "kyc",
    "credential",
    "credentials",
    "account-verify",
    "secure",
];
const SENSITIVE_PAIRS: &[(&str, &str)] = &[
    ("log", "in"),
    ("sign", "in"),
    ("sign", "on"),
    ("check", "out"),
    ("top", "up"),
];
const SENSITIVE_CJK: &[&str] = &[
    "登入", "登錄", "登录", "付款", "支付", "繳費", "缴费", "升級", "升级", "驗證", "验证", "解凍",
    "解冻", "轉賬", "转账", "充值",
];

fn sensitive_word(url: &CanonicalUrl) -> Option<String> {
    let mut raw = url.path.clone();
    if let Some(q) = &url.query {
        raw.push('?');
        raw.push_str(q);
    }
    let bytes = link::unescape_repeatedly(raw.as_bytes());
    let text = String::from_utf8_lossy(&bytes);
    // The CJK words are not ASCII: an ASCII path and query cannot hold one.
    if !text.is_ascii() {
        if let Some(w) = SENSITIVE_CJK.iter().find(|w| text.contains(**w)) {
            return Some((*w).to_owned());
        }
    }
    let tokens = tokens(&text);
    if let Some(t) = tokens
        .iter()
        .find(|t| SENSITIVE_TOKENS.contains(&t.as_str()))
    {
        return Some(t.clone());
    }
    tokens.windows(2).find_map(|w| {
        SENSITIVE_PAIRS
            .iter()
            .find(|(a, b)| w[0] == *a && w[1] == *b)
            .map(|(a, b)| format!("{a}{b}"))
    })
}

/// Splits on non-alphanumerics and on lower→upper case changes (`accountVerify`), lower-cased.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = c.is_ascii_lowercase();
            cur.push(c.to_ascii_lowercase());
        } else {
            prev_lower = false;
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use verity_core::link::canonicalize;

    proptest::proptest! {
        /// The one-pass test agrees with the full distance, on short strings over a small
        /// alphabet (where swaps, repeats and near-misses are common).
        #[test]
        fn within_one_edit_is_the_distance_at_most_one(a in "[abc-]{0,7}", b in "[abc-]{0,7}") {
            let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            proptest::prop_assert_eq!(within_one_edit(&x, &y), dl(&a, &b) <= 1, "{:?} {:?}", a, b);
        }

        /// The table's skeleton is the library's, on any ASCII text (and on mixed text, which
        /// goes to the library anyway).
        #[test]
        fn the_ascii_skeleton_is_the_librarys(s in "[\\x00-\\x7f]{0,24}|[a-z0-9.-]{0,12}[\u{400}-\u{4ff}\u{300}]{0,3}") {
            let library: String = unicode_security::skeleton(&s).collect();
            proptest::prop_assert_eq!(skeleton(&s), library);
        }

        /// Skipping the distance when the lengths alone rule it out changes no answer.
        #[test]
        fn near_is_the_full_rule(a in "[a-dl1-]{0,11}", b in "[a-dl1]{1,10}") {
            for limit in 0..=2 {
                let d = dl(&a, &b);
                let full = limit > 0
                    && (d <= 1 || (d <= limit && a.chars().next() == b.chars().next()));
                proptest::prop_assert_eq!(near(&a, &b, limit), full, "{:?} {:?} {}", a, b, limit);
            }
        }
    }

    /// The rule before the shortcut: the library's detection over the label without hyphens
    /// and underscores.
    fn mixes_scripts_by_the_library(label: &str) -> bool {
        let letters: String = label.chars().filter(|c| *c != '-' && *c != '_').collect();
        letters.as_str().detect_restriction_level() > RestrictionLevel::HighlyRestrictive
    }

    /// The fold before it skipped work: lower-cased skeleton, folded, both replacements.
    fn fold_in_full(s: &str) -> String {
        let sk: String = skeleton(s).to_lowercase();
        let mut out = String::new();
        for c in sk.chars() {
            match c {
                '-' | '_' => {}
                '0' => out.push('o'),
                '1' | 'i' | '|' | '!' => out.push('l'),
                '5' => out.push('s'),
                c => out.push(c),
            }
        }
        out.replace("rn", "m").replace("vv", "w")
    }

    proptest::proptest! {
        /// The ASCII table answers as the library's detection does, on any ASCII label (and
        /// mixed labels still go to the library).
        #[test]
        fn mixed_scripts_shortcut_is_the_librarys(s in "[\\x00-\\x7f]{0,16}|[a-z0-9_-]{0,8}[\u{400}-\u{4ff}\u{4e00}-\u{4e0f}]{0,3}") {
            proptest::prop_assert_eq!(mixes_scripts(&s), mixes_scripts_by_the_library(&s), "{:?}", s);
        }

        /// Skipping the lower-casing and the replacements when there is nothing for them to do
        /// changes no fold.
        #[test]
        fn fold_skips_only_what_changes_nothing(s in "[\\x00-\\x7f]{0,16}|[A-Za-z0-9rnvw_-]{0,10}[\u{400}-\u{4ff}\u{130}\u{212a}]{0,3}") {
            proptest::prop_assert_eq!(fold(&s), fold_in_full(&s), "{:?}", s);
        }
    }

    #[test]
    fn every_ascii_character_is_judged_as_the_library_judges_it() {
        for b in 0u8..128 {
            let one = char::from(b).to_string();
            assert_eq!(
                mixes_scripts(&one),
                mixes_scripts_by_the_library(&one),
                "{b:#x}"
            );
        }
    }

    /// The brand near one part of a hyphenated label, and near a window of a longer label, for
    /// every brand of the directory (the parts and the label's characters are read once).
    #[test]
    fn a_brand_one_edit_off_inside_a_label_is_an_affix() {
        let d = OfficialDirectory::dingtalk_default();
        let affix = |link: &str| {
            assess(&canonicalize(link).unwrap(), &d)
                .reasons
                .iter()
                .any(|x| x.code == ReasonCode::BrandAffixDomain)
        };
        // `dingtlak`: two letters swapped, one edit from `dingtalk`.
        assert!(affix("https://dingtlak-support.com/"));
        assert!(affix("https://help-dingtlak-hk.com/"));
        assert!(affix("https://mydingtlakhelp.com/"));
        assert!(!affix("https://weather-report-hk.com/"));
        assert!(!affix("https://mydingohelpdesk.com/"));
    }

    #[test]
    fn a_changed_directory_is_never_answered_from_the_brands_of_the_last() {
        let mut d = OfficialDirectory::dingtalk_default();
        let url = canonicalize("https://acrne-pay.com/").unwrap();
        assert!(assess(&url, &d).reasons.is_empty(), "no brand acme yet");
        d.brand_labels.push("acme".to_owned());
        let r = assess(&url, &d);
        assert!(
            r.reasons
                .iter()
                .any(|x| x.code == ReasonCode::BrandAffixDomain),
            "{r:?}"
        );
        d.brand_labels.pop();
        assert!(assess(&url, &d).reasons.is_empty());
        d.domains.push("acme.com.hk".to_owned());
        let r = assess(&url, &d);
        assert!(
            r.reasons
                .iter()
                .any(|x| x.code == ReasonCode::BrandAffixDomain
                    && x.detail.as_deref() == Some("acme.com.hk")),
            "{r:?}"
        );
    }

    #[test]
    fn every_ascii_characters_skeleton_is_the_librarys() {
        for b in 0u8..128 {
            let one = char::from(b).to_string();
            let library: String = unicode_security::skeleton(&one).collect();
            assert_eq!(skeleton(&one), library, "{b:#x}");
        }
        let all: String = (0u8..128).map(char::from).collect();
        assert_eq!(
            skeleton(&all),
            unicode_security::skeleton(&all).collect::<String>()
        );
    }

    #[test]
    fn within_one_edit_cases() {
        let one = |a: &str, b: &str| {
            let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            within_one_edit(&x, &y)
        };
        for (a, b) in [
            ("", ""),
            ("", "a"),
            ("dingtalk", "dingtalk"),
            ("dingtalk", "dingta1k"),
            ("dingtalk", "idngtalk"),
            ("dingtalk", "dingtakl"),
            ("dingtalk", "dingtallk"),
            ("dingtalk", "ingtalk"),
            ("釘釘", "釘"),
        ] {
            assert!(one(a, b) && one(b, a), "{a} {b}");
        }
        for (a, b) in [
            ("", "ab"),
            ("dingtalk", "dingtlak1"),
            ("dingtalk", "gnidtalk"),
            ("dingtalk", "dingtalkhk"),
            ("abc", "cba"),
        ] {
            assert!(!one(a, b) && !one(b, a), "{a} {b}");
        }
    }

    fn codes(u: &str) -> Vec<&'static str> {
        let c = canonicalize(u).unwrap();
        assess(&c, &OfficialDirectory::dingtalk_default())
            .reasons
            .iter()
            .map(|r| r.code.as_str())
            .collect()
    }

    #[test]
    fn genuine_official_hosts_never_alarm() {
        let official = [
            "https://www.dingtalk.com/",
            "https://dingtalk.com",
            "https://h5.dingtalk.com/open/index.html?corpId=ding123",
            "https://im.dingtalk.com/",
            "https://login.dingtalk.com/oauth2/auth?redirect_uri=x",
            "https://oapi.dingtalk.com/gettoken",
            "https://page.dingtalk.com/wow/dingtalk/act/download",
            "http://www.dingtalk.com/login",
            "https://WWW.DINGTALK.COM./",
            "https://g.alicdn.dingtalk.com/a/b/c",
        ];
        for u in official {
            let c = canonicalize(u).unwrap();
            let a = assess(&c, &OfficialDirectory::dingtalk_default());
            assert!(a.official, "{u} should be official");
            assert!(a.reasons.is_empty(), "{u}: {:?}", a.reasons);
        }
    }

    #[test]
    fn lookalikes() {
        let cases: &[(&str, &[&str])] = &[
            ("https://dingtalk.xyz/", &["lookalike_domain"]),
            ("https://dingtalk.com.hk/", &["lookalike_domain"]),
            ("https://dingta1k.com/", &["lookalike_domain"]),
            ("https://dingtaik.com/", &["lookalike_domain"]),
            ("https://dlngtalk.com/", &["lookalike_domain"]),
            ("https://dingtlak.com/", &["lookalike_domain"]),
            ("https://dingtak.com/", &["lookalike_domain"]),
            ("https://ding-talk.com/", &["lookalike_domain"]),
            ("https://dingtalkk.net/", &["brand_affix_domain"]),
            ("https://kingtalk.io/", &["lookalike_domain"]),
            ("https://dingtallk.com/", &["lookalike_domain"]),
            ("https://dimgtalc.com/", &["lookalike_domain"]),
            ("https://dingtalk-support.xyz/", &["brand_affix_domain"]),
            ("https://dingtalk-hk.com/", &["brand_affix_domain"]),
            ("https://help-dingtalk.net/", &["brand_affix_domain"]),
            ("https://dingtalkhk.com/", &["brand_affix_domain"]),
            ("https://mydingtalk.top/", &["brand_affix_domain"]),
            ("https://dingtallk-service.com/", &["brand_affix_domain"]),
            ("https://dingtakhk.com/", &["lookalike_domain"]),
            ("https://supportdingtak.com/", &["brand_affix_domain"]),
            (
                "https://dingtalk.com.evil.xyz/",
                &["official_name_as_subdomain"],
            ),
            (
                "https://www.dingtalk.evil.xyz/",
                &["official_name_as_subdomain"],
            ),
            (
                "https://dingtalk-login.example-cdn.net/",
                &["official_name_as_subdomain"],
            ),
            ("http://dingtalk.com@evil.xyz/", &["userinfo_in_url"]),
            ("http://203.0.113.7/", &["ip_address_host"]),
            ("https://3279880203/", &["ip_address_host"]),
            (
                "http://example.org/login.php",
                &["plain_http_sensitive_path"],
            ),
            (
                "http://example.org/account/Verify?x=1",
                &["plain_http_sensitive_path"],
            ),
            ("http://example.org/pay/now", &["plain_http_sensitive_path"]),
            (
                "http://example.org/enterprise-upgrade",
                &["plain_http_sensitive_path"],
            ),
            (
                "http://example.org/x?next=sign-in",
                &["plain_http_sensitive_path"],
            ),
            (
                "http://example.org/%E5%8D%87%E7%B4%9A",
                &["plain_http_sensitive_path"],
            ),
            ("https://example.org/login.php", &[]),
        ];
        for (u, want) in cases {
            assert_eq!(codes(u), *want, "{u}");
        }
    }

    #[test]
    fn homographs_and_scripts() {
        // Cyrillic і (U+0456) in place of Latin i.
        let c = codes("https://d\u{0456}ngtalk.com/");
        assert!(c.contains(&"lookalike_domain"), "{c:?}");
        assert!(c.contains(&"mixed_script_host"), "{c:?}");
        // All-Cyrillic label that renders as Latin: punycode_host.
        let c = codes("https://\u{0430}\u{0440}\u{0440}\u{04CF}\u{0435}.com/");
        assert!(c.contains(&"punycode_host"), "{c:?}");
        // A genuinely Chinese domain name raises nothing.
        assert!(codes("https://例子.香港/").is_empty());
        assert!(codes("https://香港政府.hk/").is_empty());
    }

    #[test]
    fn ordinary_domains_raise_nothing() {
        for u in [
            "https://www.google.com/",
            "https://www.gov.hk/en/residents/",
            "https://www.hsbc.com.hk/",
            "http://example.org/display/paypal-help",
            "http://example.org/news/payload-design",
            "https://talk.example.com/",
            "https://dining.hk/",
            "https://ding.com/",
            "https://www.alibaba.com/",
            "https://teams.microsoft.com/",
            "https://tinytalk.com/",
            "https://singtao.com/",
            "http://example.org/",
        ] {
            assert_eq!(codes(u), Vec::<&str>::new(), "{u}");
        }
    }
}
