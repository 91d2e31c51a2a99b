use super::*;

/// One-time-code messages as banks, DingTalk, WeChat, Alipay and others send them, in
/// Verity's four languages.
const CODE_MESSAGES: &[&str] = &[
    // English
    "Your HSBC security code is 482913. Never share this code with anyone, including HSBC staff.",
    "G-482913 is your Google verification code.",
    "[DingTalk] Your verification code is 738291, valid for 5 minutes. Do not share it.",
    "Your one-time password (OTP) for the transaction of HKD 2,500.00 at SHOP is 615204.",
    "Use 4821 7730 as your login code for Octopus. It expires in 10 minutes.",
    "Your code: 582-913. Don't share it.",
    "WhatsApp code 382-119. Do not share this code with others",
    "Your verification code is 123\u{A0}456",
    // Traditional Chinese (Hong Kong)
    "【中銀香港】你的一次性密碼為 283746，有效時間為5分鐘，切勿向任何人透露。",
    "【釘釘】驗證碼：482913，5分鐘內有效，請勿洩露。",
    "[恒生銀行] 你的交易驗證碼是 993104，請勿將驗證碼告知任何人。",
    "(滙豐) 您的安全碼為 481920。滙豐職員絕不會要求您提供此密碼。",
    // Simplified Chinese
    "【钉钉】验证码：482913，5分钟内有效，请勿泄露。",
    "【腾讯科技】验证码 837261，用于微信登录，5分钟内有效。如非本人操作，请忽略本短信。",
    "【支付宝】校验码594812，你正在使用支付宝，需要进行校验，请勿向任何人提供您收到的短信校验码。",
    "【工商银行】您的动态密码为８３７２６１，请勿泄露。",
    // Arabic, with Arabic-Indic digits and with ASCII digits
    "رمز التحقق الخاص بك هو ٤٨٢٩١٣. لا تشاركه مع أحد.",
    "رمز التأكيد: 739201 صالح لمدة 5 دقائق",
    "كلمة المرور لمرة واحدة هي ۵۸۲۹۱۳ لا تشاركها مع أي شخص",
];

/// What people copy all day, some of it with a verification keyword beside it.
const ORDINARY: &[&str] = &[
    "Your order 20261206-5531 has shipped.",
    "Order number: 12345678901",
    "Total: HK$1,234.50",
    "HK$ 2500",
    "2026-12-06",
    "06/12/2026",
    "12:30",
    "Meeting ID: 123 456 789",
    "+852 9123 4567",
    "Call us on 2345 6789",
    "客服熱線 2345 6789",
    "Invoice INV-2026-0042",
    "See page 1234 of the report",
    "The verification code expires at 12:30.",
    "请输入验证码",
    "Version 1.2.3456",
    "tracking: 1Z999AA10123456784",
    "SKU-48291",
    "wifi password abc12345",
    "https://example.com/path/482913",
    "Room 2601, 26/F, 1 Queen's Road",
    "hotpot for 4: 2 people at 1930",
    "footpath 4821 closed",
    "Zip code: 90210",
    "Promo code: 2024 for new customers",
    "Your discount code is 4821",
    "barcode: 12345678",
    "postcode: 2000",
    "",
    "   ",
];

const BARE_CODES: &[&str] = &[
    "482913",
    "4821",
    "73829",
    "1234567",
    "10293847",
    "482 913",
    "482-913",
    "4821 7730",
    "٤٨٢٩١٣",
    "４８２９１３",
    " 615204 \n",
];

const NOT_BARE: &[&str] = &[
    "2026",      // a year
    "1999",      // a year
    "20261206",  // a date
    "91234567",  // a Hong Kong mobile number
    "23456789",  // a Hong Kong fixed line
    "9123 4567", // the same, grouped
    "123",       // too short
    "123456789", // too long
    "12 345",    // uneven groups
    "1234-56",   // uneven groups
    "12345.6",
    "-482913",
    "482913a",
];

#[test]
fn code_messages_are_recognised_in_four_languages() {
    for m in CODE_MESSAGES {
        assert_eq!(one_time_code(m), Some(CodeKind::Message), "{m}");
    }
}

#[test]
fn ordinary_text_raises_no_alarm() {
    for t in ORDINARY {
        assert_eq!(one_time_code(t), None, "{t:?}");
    }
}

#[test]
fn bare_codes_but_not_years_dates_or_phone_numbers() {
    for c in BARE_CODES {
        assert_eq!(one_time_code(c), Some(CodeKind::Bare), "{c:?}");
    }
    for c in NOT_BARE {
        assert_eq!(one_time_code(c), None, "{c:?}");
    }
}

#[test]
fn long_text_is_not_read_as_a_message() {
    let long = format!(
        "{} verification code 482913",
        "word ".repeat(MAX_MESSAGE_CHARS)
    );
    assert_eq!(one_time_code(&long), None);
    let just_under = format!("{}verification code 482913", "x".repeat(100));
    assert_eq!(one_time_code(&just_under), Some(CodeKind::Message));
}
