//! Message text: pull every phone number and link out of a pasted SMS or chat message, and
//! recognise the scam scripts of fake customer service.
//!
//! Extraction is conservative. Links: `http(s)://…` (Unicode hosts allowed), `www.…`, and bare
//! `name.tld` forms whose suffix is on the public suffix list; e-mail addresses are skipped.
//! Numbers: runs of digits (ASCII, full-width, Arabic-Indic) with separators, an optional
//! leading `+` or `tel:`, of 8 to 17 digits, that the strict phone normaliser accepts (or that
//! are written internationally, so the user sees them as invalid). Dates (`2025-03-01`),
//! amounts (`HK$12345678`, `12345678.00`, `12345678元`), numbers glued to letters (order ids),
//! and numbers right after "code", "OTP", "order", "account"… in any of the four languages are
//! not taken; a 6-digit one-time code is always too short to be a number.
//!
//! Scripts are recognised by co-occurring cues, never by one word:
//! - code or remote access: a remote-access tool with an install/request/"engineer" cue, a
//!   screen-share request from a self-declared support agent, or a verification-code noun with
//!   a request verb. Negated requests ("do not share this code", 請勿告訴任何人,
//!   لا تشارك الرمز) are blanked out first, so an ordinary one-time-code SMS raises nothing;
//! - paid upgrade: a money cue with an upgrade cue, or with a payment channel (FPS/轉數快,
//!   bank account) under urgency or a support/brand claim; receipts ("payment received") are
//!   not requests;
//! - freeze threat: a freeze/suspension cue about an account, with urgency;
//! - a number presented as platform support: the platform's name, a support/hotline cue and a
//!   phone number in the same message.

use std::sync::LazyLock;

use crate::official::OfficialDirectory;
use crate::phone::{self, Region};
use crate::verdict::ReasonCode;

/// The longest message read, in bytes.
pub const MAX_TEXT_BYTES: usize = 32 * 1024;

/// A piece of the message: its text and byte range in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The text as written.
    pub text: String,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end (exclusive).
    pub end: usize,
}

/// Numbers and links found in a message, in order of appearance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extracted {
    /// Phone numbers.
    pub phones: Vec<Found>,
    /// Links.
    pub links: Vec<Found>,
}

/// A scam script recognised in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptHit {
    /// `script_code_or_remote_access`, `script_paid_upgrade`, `script_freeze_threat` or
    /// `presented_as_platform_support`.
    pub code: ReasonCode,
    /// The cues that fired, as written in the cue tables.
    pub cues: Vec<&'static str>,
    /// A remote-access tool or screen sharing was named.
    pub remote_access: bool,
}

// ---------------------------------------------------------------------------------------------
// Normalisation for cue matching.

/// Lower-case; full-width ASCII to ASCII; Arabic diacritics and tatweel removed and alef/yeh
/// variants unified; curly quotes straightened; whitespace runs collapsed to one space.
fn normalize_for_cues(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{2018}' | '\u{2019}' | '\u{2032}' => '\'',
            '\u{0623}' | '\u{0625}' | '\u{0622}' | '\u{0671}' => '\u{0627}',
            '\u{0649}' => '\u{064A}',
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => continue,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => continue,
            c => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        for l in c.to_lowercase() {
            out.push(l);
        }
    }
    out
}

/// A cue pattern: text to find, and whether a word boundary is needed on each side.
#[derive(Debug)]
struct Cue {
    source: &'static str,
    text: String,
    boundary_start: bool,
    boundary_end: bool,
}

/// Builds cues. ASCII-alphanumeric edges need a word boundary; a trailing `*` allows any
/// continuation (`verif*`); a `|` at either end asks for a boundary on a non-ASCII edge
/// (Arabic `|لا|`).
fn cues(list: &[&'static str]) -> Vec<Cue> {
    list.iter()
        .map(|&source| {
            let mut t = source;
            let mut bs = false;
            let mut be = true;
            if let Some(r) = t.strip_prefix('|') {
                bs = true;
                t = r;
            }
            if let Some(r) = t.strip_suffix('*') {
                be = false;
                t = r;
            } else if let Some(r) = t.strip_suffix('|') {
                t = r;
            } else {
                be = t.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
            }
            bs = bs || t.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
            Cue {
                source,
                text: normalize_for_cues(t),
                boundary_start: bs,
                boundary_end: be,
            }
        })
        .collect()
}

/// Characters that continue a word of the same writing system: Latin letters and digits go
/// together, Arabic letters together; Chinese has no word boundaries, so it never blocks a cue
/// (`DingTalk客服` holds `dingtalk`).
fn continues_word(edge: char, neighbour: char) -> bool {
    let arabic = |c: char| ('\u{0600}'..='\u{06FF}').contains(&c);
    let latin = |c: char| {
        c.is_ascii_alphanumeric() || c == '_' || (c.is_alphabetic() && u32::from(c) < 0x0250)
    };
    (latin(edge) && latin(neighbour)) || (arabic(edge) && arabic(neighbour))
}

/// Byte ranges where `cue` occurs in `hay`.
fn occurrences<'a>(hay: &'a str, cue: &'a Cue) -> impl Iterator<Item = (usize, usize)> + 'a {
    hay.match_indices(cue.text.as_str())
        .filter_map(move |(i, m)| {
            let end = i + m.len();
            let (first, last) = (m.chars().next(), m.chars().next_back());
            let (before, after) = (hay[..i].chars().next_back(), hay[end..].chars().next());
            let before_ok = !cue.boundary_start
                || !matches!((first, before), (Some(f), Some(b)) if continues_word(f, b));
            let after_ok = !cue.boundary_end
                || !matches!((last, after), (Some(l), Some(a)) if continues_word(l, a));
            (before_ok && after_ok && !m.is_empty()).then_some((i, end))
        })
}

fn first_hit(hay: &str, list: &[Cue]) -> Option<&'static str> {
    list.iter()
        .find(|c| occurrences(hay, c).next().is_some())
        .map(|c| c.source)
}

// ---------------------------------------------------------------------------------------------
// Cue tables (English, Traditional Chinese, Simplified Chinese, Arabic).

struct Cues {
    negator: Vec<Cue>,
    negated_verb: Vec<Cue>,
    code: Vec<Cue>,
    request: Vec<Cue>,
    remote_tool: Vec<Cue>,
    screen_share: Vec<Cue>,
    install: Vec<Cue>,
    impersonation: Vec<Cue>,
    upgrade: Vec<Cue>,
    money: Vec<Cue>,
    channel: Vec<Cue>,
    pay_request: Vec<Cue>,
    receipt: Vec<Cue>,
    freeze_strong: Vec<Cue>,
    freeze_weak: Vec<Cue>,
    account: Vec<Cue>,
    urgency: Vec<Cue>,
    consequence: Vec<Cue>,
    support: Vec<Cue>,
    currency_before: Vec<Cue>,
    currency_after: Vec<Cue>,
    not_a_phone_before: Vec<Cue>,
}

static CUES: LazyLock<Cues> = LazyLock::new(|| Cues {
    negator: cues(&[
        "do not", "don't", "dont", "never", "not to", "will not", "won't", "no one", "nobody",
        "勿", "不要", "不會", "不会", "絕不", "绝不", "不得", "切莫", "|لا|", "|لن|", "عدم", "اياك",
    ]),
    negated_verb: cues(&[
        "share",
        "tell",
        "disclose",
        "give",
        "provide",
        "send",
        "forward",
        "reveal",
        "ask",
        "告訴",
        "告诉",
        "告知",
        "透露",
        "提供",
        "分享",
        "轉發",
        "转发",
        "發送",
        "发送",
        "發給",
        "发给",
        "索取",
        "要求",
        "洩露",
        "泄露",
        "向任何人",
        "تشارك",
        "تعط",
        "تفصح",
        "ترسل",
        "تخبر",
        "تطلب",
        "يطلب",
        "مشارك",
        "الافصاح",
        "ارسال",
    ]),
    code: cues(&[
        "verification code",
        "verify code",
        "security code",
        "sms code",
        "otp",
        "one-time password",
        "one time password",
        "one-time code",
        "one time code",
        "passcode",
        "pin code",
        "login code",
        "authentication code",
        "auth code",
        "6-digit code",
        "6 digit code",
        "the code",
        "your code",
        "驗證碼",
        "验证码",
        "認證碼",
        "认证码",
        "校驗碼",
        "校验码",
        "動態碼",
        "动态码",
        "短信碼",
        "短信码",
        "確認碼",
        "确认码",
        "رمز التحقق",
        "رمز التاكيد",
        "الرمز",
        "رمز",
        "كود",
    ]),
    request: cues(&[
        "tell me",
        "tell us",
        "send me",
        "send us",
        "send it",
        "read out",
        "read it",
        "read me",
        "give me",
        "give us",
        "provide",
        "share",
        "reply with",
        "reply the",
        "forward",
        "let me know",
        "what is the code",
        "what's the code",
        "need the code",
        "need your code",
        "告訴我",
        "告诉我",
        "報上",
        "报上",
        "讀出",
        "读出",
        "唸出",
        "念出",
        "提供",
        "發給我",
        "发给我",
        "發送給",
        "发送给",
        "發俾我",
        "回覆",
        "回复",
        "轉發",
        "转发",
        "分享",
        "念給",
        "念给",
        "ارسل",
        "ارسال",
        "اخبرني",
        "اخبرنا",
        "زودني",
        "زودنا",
        "اعطني",
        "اعطنا",
        "شارك",
        "اقرا",
    ]),
    remote_tool: cues(&[
        "anydesk",
        "teamviewer",
        "rustdesk",
        "ultraviewer",
        "quicksupport",
        "quick support",
        "remote desktop",
        "remote access",
        "remote control",
        "remote assistance",
        "remote support",
        "遠程控制",
        "远程控制",
        "遠程協助",
        "远程协助",
        "遠程操作",
        "远程操作",
        "遙距控制",
        "遠端控制",
        "遠端桌面",
        "远程桌面",
        "الوصول عن بعد",
        "التحكم عن بعد",
        "سطح المكتب البعيد",
    ]),
    screen_share: cues(&[
        "screen share",
        "screen sharing",
        "share your screen",
        "share screen",
        "屏幕共享",
        "共享屏幕",
        "螢幕共享",
        "共享螢幕",
        "分享螢幕",
        "屏幕分享",
        "مشاركة الشاشة",
        "شارك شاشتك",
    ]),
    install: cues(&[
        "download",
        "install",
        "下載",
        "下载",
        "安裝",
        "安装",
        "تحميل",
        "تنزيل",
        "ثبت",
        "تثبيت",
    ]),
    impersonation: cues(&[
        "engineer",
        "technician",
        "technical support",
        "tech support",
        "customer service",
        "support team",
        "support staff",
        "客服",
        "工程師",
        "工程师",
        "技術支援",
        "技术支持",
        "技術人員",
        "技术人员",
        "مهندس",
        "الدعم الفني",
        "خدمة العملاء",
        "فريق الدعم",
    ]),
    upgrade: cues(&[
        "upgrade",
        "enterprise account",
        "business account",
        "premium plan",
        "renewal",
        "renew",
        "activation fee",
        "certification fee",
        "verification fee",
        "升級",
        "升级",
        "企業帳戶",
        "企业账户",
        "企業賬戶",
        "企業帳號",
        "企业账号",
        "企業版",
        "企业版",
        "專業版",
        "专业版",
        "認證費",
        "认证费",
        "續費",
        "续费",
        "年費",
        "年费",
        "ترقية",
        "حساب المؤسسة",
        "حساب الشركة",
        "تجديد",
        "رسوم التفعيل",
    ]),
    money: cues(&[
        "fee",
        "fees",
        "charge",
        "payment",
        "pay",
        "paid",
        "transfer",
        "remit",
        "deposit",
        "付款",
        "支付",
        "繳費",
        "缴费",
        "繳付",
        "缴付",
        "費用",
        "费用",
        "收費",
        "收费",
        "手續費",
        "手续费",
        "轉賬",
        "轉帳",
        "转账",
        "匯款",
        "汇款",
        "入數",
        "存入",
        "دفع",
        "ادفع",
        "الدفع",
        "رسوم",
        "تحويل",
        "حول",
        "ايداع",
    ]),
    channel: cues(&[
        "fps",
        "轉數快",
        "转数快",
        "payme",
        "alipay",
        "wechat pay",
        "bank account",
        "account number",
        "payment link",
        "payment page",
        "收款",
        "銀行帳戶",
        "银行账户",
        "銀行戶口",
        "رقم الحساب",
        "حساب بنكي",
        "الحساب البنكي",
        "رابط الدفع",
    ]),
    pay_request: cues(&[
        "please pay",
        "pay now",
        "pay the",
        "must pay",
        "need to pay",
        "required to pay",
        "please transfer",
        "transfer the",
        "請支付",
        "请支付",
        "請繳付",
        "请缴付",
        "需繳付",
        "需缴付",
        "需要支付",
        "請轉賬",
        "请转账",
        "請付款",
        "请付款",
        "須繳交",
        "须缴交",
        "يرجى دفع",
        "يجب دفع",
        "ادفع",
        "يرجى تحويل",
    ]),
    receipt: cues(&[
        "received",
        "successful",
        "successfully",
        "receipt",
        "thank you for your payment",
        "已收到",
        "成功",
        "收據",
        "收据",
        "تم استلام",
        "بنجاح",
        "ايصال",
    ]),
    freeze_strong: cues(&[
        "frozen",
        "freeze",
        "suspend",
        "suspended",
        "suspension",
        "deactivate*",
        "terminated",
        "permanently closed",
        "banned",
        "凍結",
        "冻结",
        "停用",
        "封鎖",
        "封锁",
        "封號",
        "封号",
        "暫停使用",
        "暂停使用",
        "註銷",
        "注销",
        "تجميد",
        "ايقاف",
        "تعليق",
        "تعطيل",
        "حظر",
    ]),
    freeze_weak: cues(&[
        "closed",
        "locked",
        "blocked",
        "restricted",
        "disabled",
        "限制",
        "鎖定",
        "锁定",
        "關閉",
        "关闭",
        "اغلاق",
        "مقفل",
        "مغلق",
    ]),
    account: cues(&[
        "account", "帳戶", "帳號", "账户", "账号", "賬戶", "賬號", "戶口", "حساب",
    ]),
    urgency: cues(&[
        "within 24 hours",
        "24 hours",
        "24 hrs",
        "24h",
        "48 hours",
        "within 2 hours",
        "today",
        "immediately",
        "urgent",
        "urgently",
        "as soon as possible",
        "asap",
        "right now",
        "final notice",
        "last warning",
        "before midnight",
        "24小時",
        "24小时",
        "48小時",
        "48小时",
        "立即",
        "立刻",
        "馬上",
        "马上",
        "盡快",
        "尽快",
        "今日內",
        "今天内",
        "今日之內",
        "緊急",
        "紧急",
        "最後通知",
        "最后通知",
        "خلال 24 ساعة",
        "24 ساعة",
        "فورا",
        "عاجل",
        "على الفور",
        "اليوم",
        "حالا",
    ]),
    consequence: cues(&[
        "to avoid",
        "otherwise",
        "or your",
        "verify",
        "call",
        "contact",
        "click",
        "以免",
        "避免",
        "否則",
        "否则",
        "致電",
        "致电",
        "聯絡",
        "联系",
        "聯繫",
        "点击",
        "點擊",
        "والا",
        "لتجنب",
        "اتصل",
        "تواصل",
        "انقر",
    ]),
    support: cues(&[
        "customer service",
        "customer support",
        "support hotline",
        "hotline",
        "helpline",
        "help line",
        "service number",
        "support number",
        "contact number",
        "call center",
        "call centre",
        "official number",
        "service hotline",
        "客服",
        "熱線",
        "热线",
        "服務電話",
        "服务电话",
        "客服電話",
        "客服电话",
        "服務熱線",
        "服务热线",
        "خدمة العملاء",
        "خدمة عملاء",
        "الدعم",
        "خط ساخن",
        "الخط الساخن",
        "رقم الدعم",
        "مركز الاتصال",
    ]),
    currency_before: cues(&[
        "hk$",
        "hkd",
        "us$",
        "usd",
        "rmb",
        "cny",
        "$",
        "¥",
        "￥",
        "€",
        "£",
        "港幣",
        "港币",
        "人民幣",
        "人民币",
    ]),
    currency_after: cues(&[
        "元",
        "蚊",
        "港元",
        "港幣",
        "港币",
        "hkd",
        "dollars",
        "dollar",
        "دولار",
        "درهم",
        "ريال",
    ]),
    not_a_phone_before: cues(&[
        "code",
        "otp",
        "pin",
        "ref",
        "reference",
        "order",
        "invoice",
        "tracking",
        "no.",
        "id",
        "account no",
        "account number",
        "a/c",
        "card",
        "驗證碼",
        "验证码",
        "碼",
        "码",
        "編號",
        "编号",
        "單號",
        "单号",
        "訂單",
        "订单",
        "帳號",
        "账号",
        "帳戶",
        "账户",
        "戶口",
        "卡號",
        "卡号",
        "رمز",
        "كود",
        "رقم الحساب",
        "رقم الطلب",
    ]),
});

// ---------------------------------------------------------------------------------------------
// Extraction.

fn overlaps(spans: &[(usize, usize)], s: usize, e: usize) -> bool {
    spans.iter().any(|&(a, b)| s < b && a < e)
}

fn is_cjk_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '！'
            | '？'
            | '、'
            | '；'
            | '：'
            | '「'
            | '」'
            | '『'
            | '』'
            | '（'
            | '）'
            | '【'
            | '】'
            | '《'
            | '》'
            | '〈'
            | '〉'
            | '\u{3000}'
            | '…'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '،'
            | '؛'
            | '؟'
    )
}

/// Where a link starting at `from` ends. With `unicode_host`, non-ASCII characters are part of
/// the host (an IDN); otherwise, and always after the host, a non-ASCII character ends the link
/// (Chinese text is often glued to links).
fn url_end(text: &str, from: usize, unicode_host: bool) -> usize {
    let mut in_host = true;
    let mut end = from;
    for (i, c) in text[from..].char_indices() {
        if c.is_whitespace() || is_cjk_punct(c) || matches!(c, '<' | '>' | '"' | '`' | '|') {
            break;
        }
        if c == '/' || c == '?' || c == '#' {
            in_host = false;
        }
        if !(c.is_ascii() || unicode_host && in_host) {
            break;
        }
        end = from + i + c.len_utf8();
    }
    trim_trailing_punct(text, from, end)
}

fn trim_trailing_punct(text: &str, from: usize, mut end: usize) -> usize {
    while end > from {
        let Some(c) = text[from..end].chars().next_back() else {
            break;
        };
        let strip = match c {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | ']' | '}' => true,
            ')' => {
                let t = &text[from..end];
                t.matches(')').count() > t.matches('(').count()
            }
            _ => false,
        };
        if !strip {
            break;
        }
        end -= c.len_utf8();
    }
    end
}

fn email_spans(text: &str) -> Vec<(usize, usize)> {
    let is_local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    let is_domain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-');
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_local(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let end = text[at + 1..]
            .char_indices()
            .take_while(|(_, c)| is_domain(*c))
            .last()
            .map_or(at + 1, |(i, c)| at + 1 + i + c.len_utf8());
        if start < at && text[at + 1..end].contains('.') {
            out.push((start, end));
        }
    }
    out
}

fn bare_host_ok(host: &str) -> bool {
    let host = host.trim_end_matches(['.', '-']);
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.starts_with('-')) {
        return false;
    }
    let tld = labels.last().copied().unwrap_or("");
    if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let lower = host.to_ascii_lowercase();
    psl::suffix(lower.as_bytes()).is_some_and(|s| s.is_known())
        && psl::domain(lower.as_bytes()).is_some()
}

fn extract_links(text: &str, taken: &mut Vec<(usize, usize)>) -> Vec<Found> {
    let lower = text.to_ascii_lowercase();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut push = |s: usize, e: usize, taken: &mut Vec<(usize, usize)>| {
        if e > s && !overlaps(taken, s, e) {
            taken.push((s, e));
            spans.push((s, e));
        }
    };
    for scheme in ["https://", "http://"] {
        for (i, _) in lower.match_indices(scheme) {
            let host_start = i + scheme.len();
            let unicode = text[host_start..]
                .chars()
                .next()
                .is_some_and(|c| !c.is_ascii());
            let e = url_end(text, host_start, unicode);
            if e > host_start {
                push(i, e, taken);
            }
        }
    }
    for (i, _) in lower.match_indices("www.") {
        let boundary = text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !is_host_char(c) && c != '/');
        if boundary {
            let e = url_end(text, i, false);
            if e > i + 4 {
                push(i, e, taken);
            }
        }
    }
    // Bare domains: runs of host characters at a boundary.
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let prev_ok = i == 0 || {
            let p = bytes[i - 1];
            !(p.is_ascii_alphanumeric()
                || matches!(p, b'.' | b'-' | b'@' | b'/' | b':' | b'_' | b'%'))
        };
        if !(c.is_ascii_alphanumeric() && prev_ok) || overlaps(taken, i, i + 1) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < bytes.len()
            && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'.' | b'-'))
        {
            j += 1;
        }
        let host_end = trim_trailing_punct(text, i, j);
        let host = text[i..host_end].trim_end_matches(['.', '-']);
        let next = bytes.get(j).copied();
        let has_alpha = host.bytes().any(|b| b.is_ascii_alphabetic());
        if has_alpha && next != Some(b'@') && bare_host_ok(host) {
            let end = if matches!(next, Some(b'/' | b':' | b'?')) && host_end == j {
                url_end(text, i, false)
            } else {
                i + host.len()
            };
            push(i, end, taken);
        }
        i = j.max(i + 1);
    }
    spans.sort_unstable();
    spans
        .into_iter()
        .map(|(s, e)| Found {
            text: text[s..e].to_owned(),
            start: s,
            end: e,
        })
        .collect()
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

fn digit_value(c: char) -> Option<char> {
    let base = match c {
        '0'..='9' => return Some(c),
        '\u{FF10}'..='\u{FF19}' => 0xFF10,
        '\u{0660}'..='\u{0669}' => 0x0660,
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        _ => return None,
    };
    char::from_digit(u32::from(c) - base, 10)
}

fn is_phone_sep(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '.' | '(' | ')' | '\u{00A0}' | '\u{202F}' | '\u{2010}'
            ..='\u{2015}'
                | '\u{FF0D}'
                | '\u{FF0E}'
                | '\u{FF08}'
                | '\u{FF09}'
                | '\u{3000}'
                | '\u{200E}'
                | '\u{200F}'
    )
}

fn is_plus(c: char) -> bool {
    c == '+' || c == '\u{FF0B}'
}

/// Whether an ASCII-fied candidate is shaped like a date: `2025-03-01`, `01.03.2025`, `1/3/25`.
fn looks_like_date(candidate: &str) -> bool {
    let groups: Vec<&str> = candidate.split(['-', '.', '/']).map(str::trim).collect();
    if groups.len() != 3 || candidate.contains(' ') || groups.iter().any(|g| g.is_empty()) {
        return false;
    }
    if !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let l: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    matches!(
        l.as_slice(),
        [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4] | [1..=2, 1..=2, 2]
    )
}

fn extract_phones(text: &str, taken: &[(usize, usize)], region: Region) -> Vec<Found> {
    let cues = &*CUES;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out: Vec<Found> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let (start_byte, c) = chars[k];
        let opens = digit_value(c).is_some()
            || (is_plus(c) || matches!(c, '(' | '\u{FF08}'))
                && chars
                    .get(k + 1)
                    .is_some_and(|&(_, n)| digit_value(n).is_some() || is_plus(n));
        let prev = k.checked_sub(1).map(|p| chars[p].1);
        let prev_ok = prev.is_none_or(|p| {
            !(p.is_ascii_alphanumeric()
                || digit_value(p).is_some()
                || matches!(p, '.' | '/' | ':' | '-' | '$' | ',' | '_' | '#' | '%' | '@'))
                || text[..start_byte].to_ascii_lowercase().ends_with("tel:")
        });
        if !opens || !prev_ok || overlaps(taken, start_byte, start_byte + c.len_utf8()) {
            k += 1;
            continue;
        }
        // Consume digits and separators (a `+` only first), at most two separators in a row.
        let mut j = k;
        let mut last_digit = None;
        let mut seps = 0;
        while j < chars.len() {
            let ch = chars[j].1;
            if digit_value(ch).is_some() {
                last_digit = Some(j);
                seps = 0;
            } else if is_phone_sep(ch)
                || (j == k && is_plus(ch))
                || (j == k + 1 && is_plus(ch) && chars[k].1 != '+')
            {
                seps += 1;
                if seps > 2 {
                    break;
                }
            } else {
                break;
            }
            j += 1;
        }
        let Some(last) = last_digit else {
            k += 1;
            continue;
        };
        let end_byte = chars[last].0 + chars[last].1.len_utf8();
        k = last + 1;
        let candidate = &text[start_byte..end_byte];
        let ascii: String = candidate
            .chars()
            .map(|c| digit_value(c).unwrap_or(c))
            .collect();
        let digits = ascii.bytes().filter(u8::is_ascii_digit).count();
        let explicit = ascii
            .trim_start_matches(['(', '\u{FF08}'])
            .starts_with(['+', '\u{FF0B}'])
            || ascii.starts_with("00")
            || text[..start_byte].to_ascii_lowercase().ends_with("tel:");
        if !(8..=17).contains(&digits) || overlaps(taken, start_byte, end_byte) {
            continue;
        }
        // Glued to letters or digits after (`12345678abc`), or a decimal/percent amount.
        let next = text[end_byte..].chars().next();
        if next.is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '%' | '_')) {
            continue;
        }
        if looks_like_date(&ascii) {
            continue;
        }
        let tail_decimal = ascii
            .rsplit_once('.')
            .is_some_and(|(_, d)| d.len() == 2 && !ascii.contains(' '));
        if tail_decimal {
            continue;
        }
        // Context: an amount, or a code / reference / account number.
        let before_norm = normalize_for_cues(&last_chars(&text[..start_byte], 16));
        let before_trim = before_norm.trim_end_matches([' ', ':', '：', '-', '#', '(']);
        if cues
            .currency_before
            .iter()
            .any(|c| before_trim.ends_with(c.text.as_str()))
        {
            continue;
        }
        let after_norm = normalize_for_cues(&first_chars(&text[end_byte..], 8));
        if cues
            .currency_after
            .iter()
            .any(|c| after_norm.trim_start().starts_with(c.text.as_str()))
        {
            continue;
        }
        if first_hit(&before_norm, &cues.not_a_phone_before).is_some() {
            continue;
        }
        let with_tel = if text[..start_byte].to_ascii_lowercase().ends_with("tel:") {
            &text[start_byte - 4..end_byte]
        } else {
            candidate
        };
        let key = match phone::normalize(with_tel, region) {
            Ok(n) => n.e164,
            Err(_) if explicit => ascii.chars().filter(char::is_ascii_digit).collect(),
            Err(_) => continue,
        };
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let s = end_byte - with_tel.len();
        out.push(Found {
            text: with_tel.to_owned(),
            start: s,
            end: end_byte,
        });
    }
    out
}

fn last_chars(s: &str, n: usize) -> String {
    let v: Vec<char> = s.chars().rev().take(n).collect();
    v.into_iter().rev().collect()
}

fn first_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Finds the phone numbers and links in a message (see the module documentation).
#[must_use]
pub fn extract(text: &str, default_region: Region) -> Extracted {
    let text = if text.len() > MAX_TEXT_BYTES {
        let mut cut = MAX_TEXT_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        &text[..cut]
    } else {
        text
    };
    let mut taken = email_spans(text);
    let links = extract_links(text, &mut taken);
    let phones = extract_phones(text, &taken, default_region);
    Extracted { phones, links }
}

// ---------------------------------------------------------------------------------------------
// Scripts.

/// Blanks negated requests ("do not share", 請勿告訴, لا تشارك) so they cannot count as
/// requests.
fn blank_negations(norm: &str) -> String {
    let cues = &*CUES;
    let mut out = norm.to_owned();
    for neg in &cues.negator {
        for (s, e) in occurrences(norm, neg) {
            // The negated verb must follow within 24 characters.
            let window_end = norm[e..]
                .char_indices()
                .nth(24)
                .map_or(norm.len(), |(i, _)| e + i);
            let window = &norm[e..window_end];
            let verb_end = cues
                .negated_verb
                .iter()
                .filter_map(|v| occurrences(window, v).next().map(|(_, ve)| ve))
                .min();
            if let Some(ve) = verb_end {
                blank(&mut out, s, e + ve);
            }
        }
    }
    out
}

fn blank(s: &mut String, start: usize, end: usize) {
    if start >= end || end > s.len() || !s.is_char_boundary(start) || !s.is_char_boundary(end) {
        return;
    }
    let spaces = " ".repeat(end - start);
    s.replace_range(start..end, &spaces);
}

fn has_amount(norm: &str) -> bool {
    let cues = &*CUES;
    let digit_at = |i: usize| {
        norm[i..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
    };
    let before = cues.currency_before.iter().any(|c| {
        norm.match_indices(c.text.as_str())
            .any(|(i, m)| digit_at(i + m.len()))
    });
    let after = cues.currency_after.iter().any(|c| {
        norm.match_indices(c.text.as_str()).any(|(i, _)| {
            norm[..i]
                .trim_end()
                .ends_with(|ch: char| ch.is_ascii_digit())
        })
    });
    before || after
}

/// Recognises the scam scripts in a message. `has_unofficial_phone` tells whether the message
/// holds a phone number that is not an official channel (for "presented as platform support").
#[must_use]
pub fn detect_scripts(
    text: &str,
    has_unofficial_phone: bool,
    official: &OfficialDirectory,
) -> Vec<ScriptHit> {
    let cues = &*CUES;
    let norm = normalize_for_cues(text);
    let open = blank_negations(&norm);
    let hit = |list: &[Cue], hay: &str| first_hit(hay, list);
    let mut out = Vec::new();

    let brand_cues = cues_owned(&official.platform_names);
    let brand = brand_cues
        .iter()
        .find(|c| occurrences(&norm, c).next().is_some())
        .map(|_| "platform");
    let impersonation = hit(&cues.impersonation, &norm);
    let urgency = hit(&cues.urgency, &norm);

    // (a) verification code or remote access.
    let code = hit(&cues.code, &norm);
    let request = hit(&cues.request, &open);
    let remote = hit(&cues.remote_tool, &norm);
    let screen = hit(&cues.screen_share, &open);
    let install = hit(&cues.install, &norm);
    let mut a: Vec<&'static str> = Vec::new();
    if let Some(r) = remote {
        if let Some(x) = install.or(request).or(impersonation).or(code) {
            a.extend([r, x]);
        }
    }
    if let (Some(s), Some(x)) = (screen, impersonation.or(code)) {
        a.extend([s, x]);
    }
    if let (Some(c), Some(r)) = (code, request) {
        a.extend([c, r]);
    }
    if !a.is_empty() {
        a.dedup();
        out.push(ScriptHit {
            code: ReasonCode::ScriptCodeOrRemoteAccess,
            cues: a,
            remote_access: remote.is_some() || screen.is_some(),
        });
    }

    // (b) paid upgrade, fee or transfer.
    let upgrade = hit(&cues.upgrade, &norm);
    let money = hit(&cues.money, &norm);
    let channel = hit(&cues.channel, &norm);
    let pay_request = hit(&cues.pay_request, &norm);
    let receipt = hit(&cues.receipt, &norm);
    let amount = has_amount(&norm);
    if let Some(m) = money {
        let pressure = urgency.or(impersonation).or(brand);
        let context = upgrade.is_some() || (channel.is_some() && pressure.is_some());
        let score = 2 * usize::from(upgrade.is_some())
            + 2
            + 2 * usize::from(channel.is_some())
            + usize::from(amount)
            + usize::from(urgency.is_some())
            + usize::from(pay_request.is_some())
            + usize::from(impersonation.or(brand).is_some());
        let receipt_only = receipt.is_some() && pay_request.is_none();
        if context && score >= 5 && !receipt_only {
            let cues: Vec<&'static str> = [upgrade, Some(m), channel, pay_request, urgency]
                .into_iter()
                .flatten()
                .collect();
            out.push(ScriptHit {
                code: ReasonCode::ScriptPaidUpgrade,
                cues,
                remote_access: false,
            });
        }
    }

    // (c) freeze or suspension threat with urgency.
    let strong = hit(&cues.freeze_strong, &norm);
    let weak = hit(&cues.freeze_weak, &norm);
    let account = hit(&cues.account, &norm);
    let consequence = hit(&cues.consequence, &norm);
    let threat = strong.or(weak.filter(|_| account.is_some()));
    if let (Some(t), Some(u)) = (threat, urgency) {
        if account.is_some() || consequence.is_some() {
            let cues: Vec<&'static str> =
                [Some(t), Some(u), account].into_iter().flatten().collect();
            out.push(ScriptHit {
                code: ReasonCode::ScriptFreezeThreat,
                cues,
                remote_access: false,
            });
        }
    }

    // (d) a number presented as the platform's customer service.
    if has_unofficial_phone {
        if let (Some(b), Some(s)) = (brand, hit(&cues.support, &norm)) {
            out.push(ScriptHit {
                code: ReasonCode::PresentedAsPlatformSupport,
                cues: vec![b, s],
                remote_access: false,
            });
        }
    }
    out
}

fn cues_owned(names: &[String]) -> Vec<Cue> {
    names
        .iter()
        .map(|n| {
            let text = normalize_for_cues(n);
            let bs = text
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
            let be = text
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric());
            Cue {
                source: "platform",
                text,
                boundary_start: bs,
                boundary_end: be,
            }
        })
        .filter(|c| !c.text.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// For the saved-number scanner (`crate::scan`), which applies the same cues to contact fields.

/// A compiled cue list, matched against [`normalize_cue_text`] output.
#[derive(Debug)]
pub(crate) struct CueSet(Vec<Cue>);

impl CueSet {
    /// Cues written as in the tables above (`*` and `|` markers included).
    pub(crate) fn new(list: &[&'static str]) -> Self {
        CueSet(cues(list))
    }

    /// The first cue found in `normalized`, as written in its table.
    pub(crate) fn first(&self, normalized: &str) -> Option<&'static str> {
        first_hit(normalized, &self.0)
    }
}

/// Names (the platform's, from the official directory) matched with word boundaries.
#[derive(Debug)]
pub(crate) struct NameSet(Vec<(String, Cue)>);

impl NameSet {
    pub(crate) fn new(names: &[String]) -> Self {
        NameSet(
            names
                .iter()
                .filter_map(|n| {
                    cues_owned(std::slice::from_ref(n))
                        .pop()
                        .map(|c| (n.clone(), c))
                })
                .collect(),
        )
    }

    /// The first name found in `normalized`, as written in the directory.
    pub(crate) fn first(&self, normalized: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(_, c)| occurrences(normalized, c).next().is_some())
            .map(|(n, _)| n.as_str())
    }
}

/// Text as the cues see it (lower case, full-width folded, Arabic variants unified).
pub(crate) fn normalize_cue_text(s: &str) -> String {
    normalize_for_cues(s)
}

/// The first "customer service / hotline" cue of the message rules in `normalized`.
pub(crate) fn support_cue(normalized: &str) -> Option<&'static str> {
    first_hit(normalized, &CUES.support)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phones(t: &str) -> Vec<String> {
        extract(t, Region::HK)
            .phones
            .into_iter()
            .map(|f| f.text)
            .collect()
    }
    fn links(t: &str) -> Vec<String> {
        extract(t, Region::HK)
            .links
            .into_iter()
            .map(|f| f.text)
            .collect()
    }

    #[test]
    fn extracts_numbers() {
        let cases: &[(&str, &[&str])] = &[
            (
                "DingTalk customer service hotline 3001 2345, call now",
                &["3001 2345"],
            ),
            (
                "Call +852 9123 4567 or 2123-4567.",
                &["+852 9123 4567", "2123-4567"],
            ),
            (
                "釘釘客服熱線：３００１２３４５，請立即致電",
                &["３００１２３４５"],
            ),
            ("钉钉客服电话(852)91234567请尽快联系", &["(852)91234567"]),
            (
                "اتصل بخدمة عملاء DingTalk على ‎+852 6123 4567",
                &["+852 6123 4567"],
            ),
            ("رقم الدعم ٩١٢٣٤٥٦٧", &["٩١٢٣٤٥٦٧"]),
            ("tap tel:+85230012345 to call", &["tel:+85230012345"]),
            ("00852 9123 4567 is our line", &["00852 9123 4567"]),
            ("same 9123 4567 and 91234567 twice", &["9123 4567"]),
            ("bad +852 1234 5678 caller", &["+852 1234 5678"]),
        ];
        for (t, want) in cases {
            assert_eq!(phones(t), *want, "{t}");
        }
    }

    #[test]
    fn does_not_extract_dates_amounts_codes() {
        for t in [
            "Your verification code is 123456. Do not share it with anyone.",
            "您的驗證碼為 482913，5分鐘內有效。",
            "Meeting on 2025-03-14 at 10:30, room 1203",
            "Invoice total HK$12345678.00 due 14/03/2025",
            "Transfer 15000000元 today",
            "Order 12345678 has shipped",
            "Your OTP: 12345678",
            "訂單編號 88886666 已發貨",
            "رمز التحقق الخاص بك هو 48291375",
            "Ref ABC12345678 and id 87654321x",
            "Version 1.2.3.4 released",
            "Pay HKD 91234567 now",
            "Amount: $ 23456789",
            "Temperature 12345678%",
        ] {
            assert_eq!(phones(t), Vec::<String>::new(), "{t}");
        }
    }

    #[test]
    fn extracts_links() {
        let cases: &[(&str, &[&str])] = &[
            (
                "Visit https://dingtalk-hk.com/login now",
                &["https://dingtalk-hk.com/login"],
            ),
            (
                "請登入http://evil.xyz/pay立即驗證",
                &["http://evil.xyz/pay"],
            ),
            (
                "go to www.dingtalk-support.top.",
                &["www.dingtalk-support.top"],
            ),
            (
                "open dingtalk-upgrade.com/pay?id=1, thanks",
                &["dingtalk-upgrade.com/pay?id=1"],
            ),
            ("點擊 dingtalk-hk.com 完成", &["dingtalk-hk.com"]),
            (
                "(see https://example.org/a_(b))",
                &["https://example.org/a_(b)"],
            ),
            ("mail support@dingtalk.com please", &[]),
            ("IDN http://例子.香港/x here", &["http://例子.香港/x"]),
            ("e.g. this, version 2.5 and file.txt, Mr.Chan", &[]),
            ("HTTPS://WWW.DINGTALK.COM/", &["HTTPS://WWW.DINGTALK.COM/"]),
        ];
        for (t, want) in cases {
            assert_eq!(links(t), *want, "{t}");
        }
    }

    fn scripts(t: &str, has_phone: bool) -> Vec<&'static str> {
        detect_scripts(t, has_phone, &OfficialDirectory::dingtalk_default())
            .into_iter()
            .map(|h| h.code.as_str())
            .collect()
    }

    #[test]
    fn scam_scripts_in_four_languages() {
        use ReasonCode as R;
        let a = R::ScriptCodeOrRemoteAccess.as_str();
        let b = R::ScriptPaidUpgrade.as_str();
        let c = R::ScriptFreezeThreat.as_str();
        let d = R::PresentedAsPlatformSupport.as_str();
        let cases: &[(&str, bool, &[&str])] = &[
            // (a) code or remote access
            ("This is DingTalk technical support. Please tell me the verification code we just sent.", false, &[a]),
            ("Our engineer needs remote access. Please download AnyDesk and send us the 9-digit ID.", false, &[a]),
            ("Please install TeamViewer so our technician can fix your account", false, &[a]),
            ("我係釘釘客服工程師，請將剛收到的驗證碼告訴我。", false, &[a]),
            ("请下载AnyDesk，我们的技术人员会远程协助您处理", false, &[a]),
            ("钉钉客服：请提供您收到的6位验证码以完成认证", false, &[a]),
            ("نحن فريق الدعم الفني، يرجى إرسال رمز التحقق الذي وصلك", false, &[a]),
            ("قم بتحميل AnyDesk حتى يتمكن المهندس من الوصول عن بعد", false, &[a]),
            ("Customer service here: please share your screen so we can check the settings", false, &[a]),
            // (b) paid upgrade / fee / transfer
            ("DingTalk notice: your enterprise account requires an upgrade. Pay the upgrade fee of HK$1,500 via FPS today.", false, &[b]),
            ("釘釘企業帳戶需要升級，請繳付升級費用HK$1,500至以下轉數快帳戶。", false, &[b]),
            ("钉钉企业版升级需支付费用2000元，请转账到以下银行账户", false, &[b]),
            ("يجب ترقية حساب المؤسسة في DingTalk، يرجى دفع رسوم الترقية 1500 دولار عبر FPS", false, &[b]),
            // (c) freeze threat with urgency
            ("Your DingTalk account will be frozen within 24 hours. Call us immediately to avoid suspension.", false, &[c]),
            ("【釘釘】您的帳戶將於24小時內被凍結，請立即致電處理。", false, &[c]),
            ("您的钉钉账号因异常将被冻结，请马上联系客服", false, &[c]),
            ("سيتم تجميد حسابك في DingTalk خلال 24 ساعة، اتصل بنا فورا", false, &[c]),
            // (d) presented as platform support
            ("DingTalk customer service hotline: 3001 2345", true, &[d]),
            ("釘釘客服熱線 3001 2345", true, &[d]),
            ("钉钉客服电话 3001 2345", true, &[d]),
            ("DingTalk客服熱線：3001 2345", true, &[d]),
            ("請聯絡DingTalk官方客服 +852 3001 2345", true, &[d]),
            ("خدمة عملاء DingTalk على الرقم 30012345", true, &[d]),
            // Combined: freeze threat + a support number.
            ("釘釘客服熱線3001 2345：您的帳戶將於24小時內凍結，請立即致電。", true, &[c, d]),
        ];
        for (t, has_phone, want) in cases {
            assert_eq!(scripts(t, *has_phone), *want, "{t}");
        }
    }

    #[test]
    fn ordinary_messages_raise_nothing() {
        let cases: &[(&str, bool)] = &[
            ("Your DingTalk verification code is 482913. Do not share it with anyone.", false),
            ("[DingTalk] Verification code 482913, valid for 5 minutes. Never tell anyone this code.", false),
            ("DingTalk staff will never ask for your code.", false),
            ("【釘釘】驗證碼：482913，5分鐘內有效，請勿將驗證碼告訴任何人。", false),
            ("【钉钉】验证码482913，切勿泄露给他人。", false),
            ("رمز التحقق الخاص بك في DingTalk هو 482913. لا تشارك هذا الرمز مع أي شخص.", false),
            ("Can you share your screen in the Teams meeting at 3pm?", false),
            ("Lunch? Please transfer me $50 via FPS later", false),
            ("Your payment of HK$200 to Wellcome was successful.", false),
            ("Your renewal payment of HK$1,200 was received. Thank you.", false),
            ("The office will be closed today for the typhoon.", false),
            ("The lake is frozen today, let's go skating!", false),
            ("Please call me at 9123 4567 when you arrive.", true),
            ("明天開會，記得帶文件。", false),
            ("今天下午三点开会，请准时参加。", false),
            ("مرحبا، هل يمكننا الاجتماع غدا؟", false),
            ("To contact DingTalk support, open My > Help & Feedback > Contact Support in the app.", false),
            ("釘釘客服只可以喺App入面「我的 > 幫助與反饋」聯絡。", false),
        ];
        for (t, has_phone) in cases {
            assert_eq!(scripts(t, *has_phone), Vec::<&str>::new(), "{t}");
        }
    }

    #[test]
    fn remote_flag() {
        let hits = detect_scripts(
            "Please download AnyDesk now",
            false,
            &OfficialDirectory::dingtalk_default(),
        );
        assert!(hits.first().is_some_and(|h| h.remote_access));
    }
}
