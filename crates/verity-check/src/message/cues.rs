//! The cue tables of the message rules (four languages) and how text is matched against them:
//! normalisation, word boundaries, and the compiled sets the saved-number scanner reuses.

use std::sync::LazyLock;

// ---------------------------------------------------------------------------------------------
// Normalisation for cue matching.

/// Lower-case; full-width ASCII to ASCII; Arabic diacritics and tatweel removed and alef/yeh
/// variants unified; curly quotes straightened; whitespace runs collapsed to one space.
pub(super) fn normalize_for_cues(s: &str) -> String {
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
pub(super) struct Cue {
    pub(super) source: &'static str,
    pub(super) text: String,
    pub(super) boundary_start: bool,
    pub(super) boundary_end: bool,
}

/// Builds cues. ASCII-alphanumeric edges need a word boundary; a trailing `*` allows any
/// continuation (`verif*`); a `|` at either end asks for a boundary on a non-ASCII edge
/// (Arabic `|لا|`).
pub(super) fn cues(list: &[&'static str]) -> Vec<Cue> {
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
pub(super) fn continues_word(edge: char, neighbour: char) -> bool {
    let arabic = |c: char| ('\u{0600}'..='\u{06FF}').contains(&c);
    let latin = |c: char| {
        c.is_ascii_alphanumeric() || c == '_' || (c.is_alphabetic() && u32::from(c) < 0x0250)
    };
    (latin(edge) && latin(neighbour)) || (arabic(edge) && arabic(neighbour))
}

/// Byte ranges where `cue` occurs in `hay`.
pub(super) fn occurrences<'a>(
    hay: &'a str,
    cue: &'a Cue,
) -> impl Iterator<Item = (usize, usize)> + 'a {
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

pub(super) fn first_hit(hay: &str, list: &[Cue]) -> Option<&'static str> {
    list.iter()
        .find(|c| occurrences(hay, c).next().is_some())
        .map(|c| c.source)
}

// ---------------------------------------------------------------------------------------------
// Cue tables (English, Traditional Chinese, Simplified Chinese, Arabic).

pub(super) struct Cues {
    pub(super) negator: Vec<Cue>,
    pub(super) negated_verb: Vec<Cue>,
    pub(super) code: Vec<Cue>,
    pub(super) request: Vec<Cue>,
    pub(super) remote_tool: Vec<Cue>,
    pub(super) screen_share: Vec<Cue>,
    pub(super) install: Vec<Cue>,
    pub(super) impersonation: Vec<Cue>,
    pub(super) upgrade: Vec<Cue>,
    pub(super) money: Vec<Cue>,
    pub(super) channel: Vec<Cue>,
    pub(super) pay_request: Vec<Cue>,
    pub(super) receipt: Vec<Cue>,
    pub(super) freeze_strong: Vec<Cue>,
    pub(super) freeze_weak: Vec<Cue>,
    pub(super) account: Vec<Cue>,
    pub(super) urgency: Vec<Cue>,
    pub(super) consequence: Vec<Cue>,
    pub(super) support: Vec<Cue>,
    pub(super) currency_before: Vec<Cue>,
    pub(super) currency_after: Vec<Cue>,
    pub(super) not_a_phone_before: Vec<Cue>,
}

pub(super) static CUES: LazyLock<Cues> = LazyLock::new(|| Cues {
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

pub(super) fn cues_owned(names: &[String]) -> Vec<Cue> {
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
// For the saved-number scanner (the `verity-scan` crate), which applies the same cues to contact fields.

/// A compiled cue list, matched against [`normalize_cue_text`] output.
#[derive(Debug)]
pub struct CueSet(Vec<Cue>);

impl CueSet {
    /// Cues written as in the tables above (`*` and `|` markers included).
    pub fn new(list: &[&'static str]) -> Self {
        CueSet(cues(list))
    }

    /// The first cue found in `normalized`, as written in its table.
    pub fn first(&self, normalized: &str) -> Option<&'static str> {
        first_hit(normalized, &self.0)
    }
}

/// Names (the platform's, from the official directory) matched with word boundaries.
#[derive(Debug)]
pub struct NameSet(Vec<(String, Cue)>);

impl NameSet {
    pub fn new(names: &[String]) -> Self {
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
    pub fn first(&self, normalized: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(_, c)| occurrences(normalized, c).next().is_some())
            .map(|(n, _)| n.as_str())
    }
}

/// Text as the cues see it (lower case, full-width folded, Arabic variants unified).
pub fn normalize_cue_text(s: &str) -> String {
    normalize_for_cues(s)
}

/// The first "customer service / hotline" cue of the message rules in `normalized`.
pub fn support_cue(normalized: &str) -> Option<&'static str> {
    first_hit(normalized, &CUES.support)
}
