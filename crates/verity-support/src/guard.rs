//! Guard rails inside a session: whether a chat message asks for a one-time code, a password, a
//! payment or a remote-access tool, in English, Traditional and Simplified Chinese and Arabic.
//! Real support never needs any of them, so the app says so beside the message, even from a
//! verified agent.
//!
//! The matching is the message rules' (`verity_check::message`): the same normalisation (case,
//! full-width forms, Arabic letter variants), the same word boundaries, the same blanking of
//! negated requests ("never share your code" asks for nothing); the scam-script detector's
//! findings count too. On top of them, this module's own cue tables and a wider negation (a
//! negator shortly before the action: "do not install", 不要付款, لا تدفع).

use std::sync::LazyLock;

use verity_check::message::{blank_negated_requests, detect_scripts, normalize_cue_text, CueSet};
use verity_check::official::OfficialDirectory;
use verity_check::verdict::ReasonCode;

/// What a message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GuardCode {
    /// A one-time or verification code.
    AsksForCode,
    /// A password or PIN.
    AsksForPassword,
    /// A payment, transfer or fee.
    AsksForPayment,
    /// A remote-access tool or screen sharing.
    AsksForRemoteAccess,
}

impl GuardCode {
    /// The snake_case code the app words.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            GuardCode::AsksForCode => "asks_for_code",
            GuardCode::AsksForPassword => "asks_for_password",
            GuardCode::AsksForPayment => "asks_for_payment",
            GuardCode::AsksForRemoteAccess => "asks_for_remote_access",
        }
    }
}

struct Tables {
    code: CueSet,
    password: CueSet,
    ask: CueSet,
    money: CueSet,
    pay_ask: CueSet,
    remote: CueSet,
    remote_act: CueSet,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| Tables {
    code: CueSet::new(&[
        "verification code",
        "verify code",
        "security code",
        "sms code",
        "otp",
        "one-time*",
        "one time code",
        "one time password",
        "passcode",
        "login code",
        "2fa",
        "auth code",
        "authentication code",
        "6-digit",
        "6 digit",
        "the code",
        "your code",
        "that code",
        "驗證碼",
        "验证码",
        "認證碼",
        "认证码",
        "動態碼",
        "动态码",
        "短信碼",
        "短信码",
        "校驗碼",
        "校验码",
        "確認碼",
        "确认码",
        "رمز التحقق",
        "رمز التاكيد",
        "الرمز",
        "|رمز|",
        "|كود|",
    ]),
    password: CueSet::new(&[
        "password",
        "passwd",
        "passphrase",
        "pin",
        "pin code",
        "login details",
        "credentials",
        "密碼",
        "密码",
        "口令",
        "登入資料",
        "登录信息",
        "كلمة المرور",
        "كلمة السر",
        "الرقم السري",
    ]),
    ask: CueSet::new(&[
        "tell me",
        "tell us",
        "send me",
        "send us",
        "send it",
        "give me",
        "give us",
        "read out",
        "read it",
        "read me",
        "read the",
        "provide",
        "share",
        "type it",
        "type your",
        "enter it",
        "enter your",
        "reply with",
        "forward",
        "let me know",
        "what is",
        "what's",
        "need your",
        "need the",
        "confirm your",
        "告訴我",
        "告诉我",
        "提供",
        "發給我",
        "发给我",
        "發俾我",
        "報上",
        "报上",
        "讀出",
        "读出",
        "唸出",
        "念出",
        "念給",
        "念给",
        "輸入",
        "输入",
        "分享",
        "是多少",
        "回覆",
        "回复",
        "轉發",
        "转发",
        "ارسل",
        "اخبرني",
        "اخبرنا",
        "اعطني",
        "زودني",
        "زودنا",
        "شارك",
        "اقرا",
        "ما هو",
        "ما هي",
        "ادخل",
    ]),
    money: CueSet::new(&[
        "pay",
        "payment",
        "transfer",
        "wire",
        "deposit",
        "fee",
        "fees",
        "gift card",
        "top up",
        "bitcoin",
        "usdt",
        "remit",
        "付款",
        "支付",
        "轉賬",
        "轉帳",
        "转账",
        "匯款",
        "汇款",
        "繳費",
        "缴费",
        "費用",
        "费用",
        "手續費",
        "手续费",
        "保證金",
        "保证金",
        "充值",
        "禮品卡",
        "礼品卡",
        "入數",
        "دفع",
        "ادفع",
        "الدفع",
        "تحويل",
        "حول",
        "رسوم",
        "ايداع",
        "بطاقة هدايا",
    ]),
    pay_ask: CueSet::new(&[
        "please",
        "need to",
        "needs to",
        "have to",
        "has to",
        "must",
        "required",
        "now",
        "today",
        "send",
        "make a",
        "you can",
        "via",
        "請",
        "请",
        "需要",
        "必須",
        "必须",
        "須",
        "须",
        "馬上",
        "马上",
        "立即",
        "盡快",
        "尽快",
        "先",
        "يرجى",
        "يجب",
        "عليك",
        "الان",
        "ارسل",
        "من فضلك",
        "رجاء",
    ]),
    remote: CueSet::new(&[
        "anydesk",
        "teamviewer",
        "rustdesk",
        "quicksupport",
        "quick support",
        "todesk",
        "sunlogin",
        "ultraviewer",
        "remote desktop",
        "remote access",
        "remote control",
        "remote assistance",
        "screen share",
        "screen sharing",
        "share your screen",
        "向日葵",
        "遠程控制",
        "远程控制",
        "遠程協助",
        "远程协助",
        "遠端控制",
        "遠端桌面",
        "远程桌面",
        "遙距控制",
        "屏幕共享",
        "共享屏幕",
        "螢幕共享",
        "共享螢幕",
        "分享螢幕",
        "الوصول عن بعد",
        "التحكم عن بعد",
        "سطح المكتب البعيد",
        "مشاركة الشاشة",
        "شارك شاشتك",
    ]),
    remote_act: CueSet::new(&[
        "install",
        "download",
        "open",
        "run",
        "launch",
        "use",
        "connect",
        "start",
        "id",
        "allow",
        "accept",
        "let me",
        "share",
        "give me",
        "send me",
        "tell me",
        "下載",
        "下载",
        "安裝",
        "安装",
        "打開",
        "打开",
        "使用",
        "連接",
        "连接",
        "開啟",
        "开启",
        "允許",
        "允许",
        "接受",
        "提供",
        "告訴我",
        "告诉我",
        "تحميل",
        "تنزيل",
        "ثبت",
        "تثبيت",
        "افتح",
        "استخدم",
        "اسمح",
        "اقبل",
        "شارك",
        "ارسل",
    ]),
});

/// Negators and the actions they may deny, for the wider negation.
const NEGATORS: &[&str] = &[
    "do not ",
    "don't ",
    "dont ",
    "never ",
    "not ",
    "won't ",
    "will not ",
    "no need to ",
    "勿",
    "不要",
    "不會",
    "不会",
    "絕不",
    "绝不",
    "不需要",
    "无需",
    "無需",
    "不用",
    "لا ",
    "لن ",
    "ابدا ",
];
const DENIED: &[&str] = &[
    "install",
    "download",
    "pay",
    "transfer",
    "send",
    "give",
    "share",
    "tell",
    "ask",
    "use",
    "open",
    "need",
    "require",
    "request",
    "安裝",
    "安装",
    "下載",
    "下载",
    "付款",
    "支付",
    "轉賬",
    "转账",
    "匯款",
    "汇款",
    "提供",
    "告訴",
    "告诉",
    "分享",
    "索取",
    "要求",
    "使用",
    "تدفع",
    "تحول",
    "تثبت",
    "تحمل",
    "تشارك",
    "ترسل",
    "تعط",
    "نطلب",
    "يطلب",
    "تخبر",
    "تستخدم",
];

/// Blanks "negator … action" when the action follows within 16 characters.
fn blank_denials(norm: &str) -> String {
    let mut out = norm.to_owned();
    for neg in NEGATORS {
        for (i, _) in norm.match_indices(neg) {
            let from = i + neg.len();
            let window_end = norm[from..]
                .char_indices()
                .nth(16)
                .map_or(norm.len(), |(j, _)| from + j);
            let window = &norm[from..window_end];
            if let Some(end) = DENIED
                .iter()
                .filter_map(|d| window.find(d).map(|p| from + p + d.len()))
                .min()
            {
                if out.is_char_boundary(i) && out.is_char_boundary(end) {
                    out.replace_range(i..end, &" ".repeat(end - i));
                }
            }
        }
    }
    out
}

/// What `text` asks for, in a fixed order, each code once.
#[must_use]
pub fn assess(text: &str) -> Vec<GuardCode> {
    let t = &*TABLES;
    let norm = normalize_cue_text(text);
    let open = blank_denials(&blank_negated_requests(&norm));
    let has = |set: &CueSet| set.first(&open).is_some();
    let mut out = Vec::new();
    if has(&t.code) && has(&t.ask) {
        out.push(GuardCode::AsksForCode);
    }
    if has(&t.password) && has(&t.ask) {
        out.push(GuardCode::AsksForPassword);
    }
    if has(&t.money) && has(&t.pay_ask) {
        out.push(GuardCode::AsksForPayment);
    }
    if has(&t.remote) && has(&t.remote_act) {
        out.push(GuardCode::AsksForRemoteAccess);
    }
    // The scam-script rules, on the text with its denials blanked.
    for hit in detect_scripts(&open, false, &OfficialDirectory::default()) {
        match hit.code {
            ReasonCode::ScriptCodeOrRemoteAccess if hit.remote_access => {
                out.push(GuardCode::AsksForRemoteAccess);
            }
            ReasonCode::ScriptCodeOrRemoteAccess => out.push(GuardCode::AsksForCode),
            ReasonCode::ScriptPaidUpgrade => out.push(GuardCode::AsksForPayment),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}
