//! Whether a text (the clipboard's) is a one-time code, or a message that carries one.
//!
//! Two shapes count:
//! - **a message**: a verification keyword in English, Chinese (traditional or simplified) or
//!   Arabic — "verification code", 驗證碼, 验证码, رمز التحقق… — and a code standing on its own: 4 to
//!   8 digits, or two groups of 3 or 4 (`123 456`, `4821-7730`), in ASCII, Arabic-Indic or
//!   full-width digits, not touching letters, other digits, decimal points, thousands
//!   separators, colons, slashes or currency signs;
//! - **bare digits**: the whole text is such a code, unless it reads as something else people
//!   copy all day: a year (4 digits, 1900 to 2099), a date (8 digits, `YYYYMMDD`), or a Hong Kong
//!   phone number (8 digits starting 2, 3, 5, 6, 7 or 9, which Verity's own check looks up).
//!
//! Order numbers, amounts (`HK$1,234.50`), dates (`2026-12-06`), times (`12:30`), meeting ids
//! (`123 456 789`) and phone numbers (`+852 9123 4567`) are not codes. The text is read, never
//! kept: the caller gets a kind, not the digits.

use verity_core::phone::ascii_digit;

/// The longest text read as a message (a pasted document is not a code message).
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// What kind of one-time code a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// A message with a verification keyword and a code (from a bank, DingTalk, WeChat…).
    Message,
    /// The code alone.
    Bare,
}

/// Keywords of verification messages, lower case. Chinese and Arabic have no case.
const KEYWORDS: &[&str] = &[
    // English
    "verification code",
    "security code",
    "confirmation code",
    "authentication code",
    "login code",
    "sign-in code",
    "sign in code",
    "one-time",
    "one time password",
    "otp",
    "passcode",
    "2fa code",
    "code is",
    "code:",
    // Chinese, traditional
    "驗證碼",
    "認證碼",
    "校驗碼",
    "動態碼",
    "動態密碼",
    "一次性密碼",
    "安全碼",
    "確認碼",
    // Chinese, simplified
    "验证码",
    "认证码",
    "校验码",
    "动态码",
    "动态密码",
    "一次性密码",
    "安全码",
    "确认码",
    // Arabic
    "رمز التحقق",
    "رمز التأكيد",
    "رمز الدخول",
    "رمز الأمان",
    "كود التحقق",
    "رمز لمرة واحدة",
    "كلمة المرور لمرة واحدة",
];

/// Words before "code" that make it something other than a one-time code (`zip code: 90210`,
/// `promo code: 2024`).
const NOT_ONE_TIME: &[&str] = &[
    "zip",
    "post",
    "postal",
    "area",
    "country",
    "promo",
    "promotion",
    "discount",
    "coupon",
    "voucher",
    "gift",
    "referral",
    "invite",
    "invitation",
    "bar",
    "qr",
    "product",
    "item",
    "order",
    "booking",
    "reference",
    "tracking",
    "error",
    "status",
    "source",
    "tax",
    "style",
];

/// Whether `keyword` is in `lower` as words (a Latin keyword not inside another word: `otp`,
/// not `hotpot`), and, for the ones made of "code", not after a word that makes it another
/// kind of code. Chinese and Arabic keywords match anywhere.
fn has_keyword(lower: &str, keyword: &str) -> bool {
    if !keyword.is_ascii() {
        return lower.contains(keyword);
    }
    lower.match_indices(keyword).any(|(at, k)| {
        let before = lower[..at].chars().next_back();
        let after = lower[at + k.len()..].chars().next();
        let word_edge = |c: Option<char>| !c.is_some_and(char::is_alphanumeric);
        word_edge(before)
            && (k.ends_with(':') || word_edge(after))
            && !(k.starts_with("code") && qualified(&lower[..at]))
    })
}

/// Whether the text before "code" ends with a word of [`NOT_ONE_TIME`].
fn qualified(before: &str) -> bool {
    let word = before
        .trim_end()
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    NOT_ONE_TIME.contains(&word)
}

/// Characters that make a digit run part of something else when they touch it: currency signs,
/// order and account marks, and the like.
const GLUE: &[char] = &['$', '¥', '￥', '€', '£', '%', '#', '@', '_', '+', '=', '·'];

/// Punctuation that joins a digit run to other digits (`1,234.50`, `12:30`, `06/12/2026`) but
/// ends a sentence or a label when no digit is on its other side (`… is 482913.`).
const DIGIT_GLUE: &[char] = &['.', ',', ':', '/'];

/// The text with every digit in ASCII.
fn ascii_digits(text: &str) -> Vec<char> {
    text.chars().map(|c| ascii_digit(c).unwrap_or(c)).collect()
}

/// Whether `groups` (digit runs joined by one space or hyphen each) make a code's shape.
fn code_shape(groups: &[&[char]]) -> bool {
    match groups {
        [one] => (4..=8).contains(&one.len()),
        [a, b] => a.len() == b.len() && (a.len() == 3 || a.len() == 4),
        _ => false,
    }
}

/// The digit sequences of `chars` (`\d+([ -]\d+)*`), each with whether it stands on its own
/// and where it starts.
fn sequences(chars: &[char]) -> Vec<(Vec<&[char]>, bool, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut groups = Vec::new();
        loop {
            let g = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            groups.push(&chars[g..i]);
            let joined = i + 1 < chars.len()
                && matches!(chars[i], ' ' | '-' | '\u{A0}' | '\u{202F}')
                && chars[i + 1].is_ascii_digit();
            if !joined {
                break;
            }
            i += 1;
        }
        // `at` touches the run; `beyond` is the character on its other side.
        let touches = |at: Option<&char>, beyond: Option<&char>| {
            at.is_some_and(|c| {
                (c.is_alphanumeric() && !ideograph(*c))
                    || GLUE.contains(c)
                    || (DIGIT_GLUE.contains(c) && beyond.is_some_and(char::is_ascii_digit))
            })
        };
        let before = start.checked_sub(1).and_then(|b| chars.get(b));
        let before_that = start.checked_sub(2).and_then(|b| chars.get(b));
        let alone = !touches(before, before_that) && !touches(chars.get(i), chars.get(i + 1));
        out.push((groups, alone, start));
    }
    out
}

/// Whether `text` is a one-time code, or a message carrying one; `None` otherwise.
#[must_use]
pub fn one_time_code(text: &str) -> Option<CodeKind> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return None;
    }
    let chars = ascii_digits(text);
    if bare(&chars) {
        return Some(CodeKind::Bare);
    }
    let lower = text.to_lowercase();
    let keyword = KEYWORDS.iter().any(|k| has_keyword(&lower, k));
    sequences(&chars)
        .iter()
        .any(|(groups, alone, start)| {
            *alone && code_shape(groups) && (keyword || labelled_code(&chars, *start))
        })
        .then_some(CodeKind::Message)
}

/// Chinese, Japanese and Korean characters, which touch digits without a space between them
/// (`校验码594812`) and so do not make a code part of a word.
fn ideograph(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}')
}

/// Whether the word just before `start` (past spaces and a colon) is "code" (`WhatsApp code
/// 382-119`, `Your code 482913`).
fn labelled_code(chars: &[char], start: usize) -> bool {
    let mut i = start;
    while i > 0 && matches!(chars[i - 1], ' ' | ':' | '：' | '\u{A0}') {
        i -= 1;
    }
    i >= 4
        && chars[i - 4..i]
            .iter()
            .map(|c| c.to_ascii_lowercase())
            .eq("code".chars())
        && (i == 4 || !chars[i - 5].is_alphanumeric())
        && !qualified(&chars[..i - 4].iter().collect::<String>().to_lowercase())
}

/// The whole text is a code, and does not read as a year, a date or a Hong Kong number.
fn bare(chars: &[char]) -> bool {
    let seqs = sequences(chars);
    let [(groups, _, _)] = seqs.as_slice() else {
        return false;
    };
    let digits: usize = groups.iter().map(|g| g.len()).sum();
    let separators = groups.len() - 1;
    if digits + separators != chars.len() || !code_shape(groups) {
        return false;
    }
    let all: String = groups.iter().flat_map(|g| g.iter()).collect();
    let n = |s: &str| s.parse::<u32>().unwrap_or(0);
    match all.len() {
        4 => !(1900..=2099).contains(&n(&all)),
        8 => {
            let date = (1900..=2099).contains(&n(&all[..4]))
                && (1..=12).contains(&n(&all[4..6]))
                && (1..=31).contains(&n(&all[6..]));
            let hk_phone = matches!(all.as_bytes()[0], b'2' | b'3' | b'5' | b'6' | b'7' | b'9');
            !date && !hk_phone
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests;
