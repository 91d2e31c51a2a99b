//! Reading a phone number: the character-level scan (separators, digits in three scripts,
//! `tel:`, prefixes), Hong Kong's fast path with its precise lengths, then `phonenumber` for the
//! country split, validation and class (see [`crate::phone`]).

use std::sync::LazyLock;

use phonenumber as pn;

use super::*;

/// Forces the phone metadata to load (about 100 ms, once per process) and compiles the Hong Kong
/// patterns, so that the first real check is as fast as the others. Safe to call many times.
pub fn warm_up() {
    LazyLock::force(&WARM);
}

pub(super) static WARM: LazyLock<()> = LazyLock::new(|| {
    // A parse loads the metadata database and compiles the patterns it touches.
    let _ = pn::parse(None, "+85291234567").map(|n| pn::is_valid(&n));
});

/// The input after the character-level pass.
pub(super) struct Scanned {
    digits: String,
    plus: bool,
}

/// The ASCII digit a digit this module reads stands for (full-width and Arabic-Indic digits
/// folded), or `None`.
#[must_use]
pub fn ascii_digit(c: char) -> Option<char> {
    let base = match c {
        '0'..='9' => return Some(c),
        '\u{FF10}'..='\u{FF19}' => 0xFF10,
        '\u{0660}'..='\u{0669}' => 0x0660,
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        _ => return None,
    };
    char::from_digit(u32::from(c) - base, 10)
}

pub(super) fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\u{00A0}'
            | '\u{2000}'..='\u{200A}'
            | '\u{202F}'
            | '\u{3000}'
            | '-'
            | '\u{2010}'..='\u{2015}'
            | '\u{2212}'
            | '\u{FF0D}'
            | '.'
            | '\u{FF0E}'
            | '('
            | ')'
            | '\u{FF08}'
            | '\u{FF09}'
            | '['
            | ']'
            | '/'
    ) || is_invisible_mark(c)
}

/// Direction marks and zero-width characters that copy-paste from chat apps (and Arabic text)
/// leaves around numbers.
pub(super) fn is_invisible_mark(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

pub(super) fn is_plus(c: char) -> bool {
    c == '+' || c == '\u{FF0B}'
}

/// Whether `c` can appear in a phone number as this module reads it (digit, `+`, separator).
pub fn is_number_char(c: char) -> bool {
    ascii_digit(c).is_some() || is_plus(c) || is_separator(c)
}

/// Whether `c` is a digit this module reads (ASCII, full-width, Arabic-Indic).
pub fn is_digit_char(c: char) -> bool {
    ascii_digit(c).is_some()
}

/// Strips a `tel:` scheme and its parameters (`;phone-context=…`, `;ext=…`).
pub(super) fn strip_tel(s: &str) -> &str {
    if s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("tel:")) {
        let rest = &s[4..];
        rest.split(';').next().unwrap_or(rest).trim()
    } else {
        s
    }
}

pub(super) fn scan(input: &str) -> Result<Scanned, PhoneError> {
    // A char is at least one byte: only a longer input needs its characters counted.
    if input.len() > MAX_INPUT_CHARS && input.chars().count() > MAX_INPUT_CHARS {
        return Err(PhoneError::InputTooLong);
    }
    let s = input.trim_matches(|c: char| c.is_whitespace() || is_invisible_mark(c));
    if s.is_empty() {
        return Err(PhoneError::Empty);
    }
    // The full-width `＠` is not ASCII: an ASCII input needs no search for it.
    if s.contains('@') || !s.is_ascii() && s.contains('\u{FF20}') {
        return Err(PhoneError::LooksLikeEmail);
    }
    let s = strip_tel(s);
    let mut digits = String::with_capacity(16);
    let mut plus = false;
    for c in s.chars() {
        if let Some(d) = ascii_digit(c) {
            digits.push(d);
        } else if is_plus(c) {
            if plus || !digits.is_empty() {
                return Err(PhoneError::MisplacedPlus);
            }
            plus = true;
        } else if is_separator(c) {
            continue;
        } else if c.is_alphabetic() {
            return Err(PhoneError::ContainsLetters);
        } else {
            return Err(PhoneError::InvalidCharacter(c));
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::NoDigits);
    }
    // "00" + 15 digits is the longest international form we accept before the country split.
    if digits.len() > MAX_E164_DIGITS + 2 {
        return Err(PhoneError::TooLong {
            region: None,
            expected: MAX_E164_DIGITS as u8,
            found: clamp_u8(digits.len()),
            international: plus,
        });
    }
    Ok(Scanned { digits, plus })
}

pub(super) fn clamp_u8(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

/// Reads a phone number strictly and returns it normalised to E.164 with its class and hints.
///
/// Accepted: digits (ASCII, full-width, Arabic-Indic), spaces, dashes, dots, brackets, slashes,
/// a leading `+` (or full-width `＋`), a `tel:` URI (its parameters are dropped), the prefixes
/// `+852`, `00852` and, where unambiguous, a bare `852`. A number without a country code is read
/// in `default_region`.
///
/// # Errors
/// [`PhoneError`] for letters, e-mails, stray characters, unknown country codes, and numbers of
/// the wrong length or outside the numbering plan.
pub fn normalize(input: &str, default_region: Region) -> Result<PhoneNumber, PhoneError> {
    let mut scanned = scan(input)?;
    if let Some(result) = hong_kong_fast(&mut scanned, default_region) {
        return result;
    }
    full(&scanned, default_region)
}

/// [`normalize`] without the Hong Kong fast path: every number goes through `phonenumber`.
/// For tests and benchmarks that compare the two paths; they must agree on every input.
///
/// # Errors
/// As [`normalize`].
#[doc(hidden)]
pub fn normalize_full(input: &str, default_region: Region) -> Result<PhoneNumber, PhoneError> {
    full(&scan(input)?, default_region)
}

/// The Hong Kong fast path: a number written with `+852` / `00852`, or without a country code
/// when the default region is Hong Kong, is classified by [`hong_kong_class`] instead of the
/// `phonenumber` parser and its regular expressions (about 3 µs a number). It returns exactly what
/// [`full`] returns (E.164, class, hints, errors), or `None` to leave the input to it: a number
/// without a country code that is no valid Hong Kong number (it may be a bare `852…`), and
/// anything else. A number it reads takes `scanned`'s digits (they become its E.164 form);
/// `None` leaves them as they were.
pub(super) fn hong_kong_fast(
    scanned: &mut Scanned,
    default_region: Region,
) -> Option<Result<PhoneNumber, PhoneError>> {
    let digits = scanned.digits.as_str();
    // The same prefix rules as `full`: `+` then the country code, `00` then the country code,
    // else a national number of the default region.
    let (nsn, international) = if scanned.plus {
        (digits.strip_prefix("852")?, true)
    } else if let Some(rest) = digits.strip_prefix("00") {
        (rest.strip_prefix("852")?, true)
    } else if default_region == Region::HK {
        (digits, false)
    } else {
        return None;
    };
    // `international` refuses more than 15 digits before anything else. Leading zeros are left
    // to `full`, which refuses them for Hong Kong (see `finish`) and gives the exact error.
    if international && nsn.len() + 3 > MAX_E164_DIGITS || nsn.starts_with('0') {
        return None;
    }
    let Some(class) = hong_kong_class(nsn.as_bytes()) else {
        // A national reading that fails may still be a bare `852…`: `full` decides.
        return international.then(|| Err(classify_invalid(852, nsn, true)));
    };
    let mut hints = Vec::new();
    if scanned.plus && default_region == Region::HK {
        hints.push(PhoneHint::HkCallerIdSpoof);
    }
    // The E.164 form is the digits with their prefix (none, `852` or `00852`) made `+852`: in
    // their own buffer, no copy.
    let prefix = digits.len() - nsn.len();
    let mut e164 = std::mem::take(&mut scanned.digits);
    e164.drain(..prefix);
    e164.insert_str(0, "+852");
    let mut n = PhoneNumber {
        e164,
        region: Some(Region::HK),
        country_code: 852,
        class,
        hints,
    };
    add_region_hints(&mut n, default_region);
    Some(Ok(n))
}

/// The class of a Hong Kong national significant number (ASCII digits), as the `phonenumber`
/// metadata (libphonenumber 9.0.33, from OFCA's numbering plan) classifies it, or `None` for a
/// number that is not valid. It follows the metadata as `phonenumber` applies it: types tried in
/// its order (premium rate, toll free, personal, pager, UAN, fixed line, mobile), each type's
/// possible lengths, and patterns anchored at the start only (so `9003` followed by 1 to 7 digits
/// is premium rate). Eight-digit numbers are classified by their first four digits.
///
/// The metadata changes with the `phonenumber` crate: the test `hong_kong_fast_path_agrees` walks
/// every four-digit prefix at every length against the full path and fails when they differ.
pub(super) fn hong_kong_class(nsn: &[u8]) -> Option<PhoneClass> {
    use PhoneClass as C;
    if !nsn.iter().all(u8::is_ascii_digit) {
        return None;
    }
    match *nsn {
        [b'9', b'0', b'0', b'3', ..] if (5..=7).contains(&nsn.len()) => Some(C::PremiumRate),
        [b'8', b'0', b'0', ..] if nsn.len() == 9 => Some(C::TollFree),
        [b'9', b'0', b'0', ..] if nsn.len() == 11 => Some(C::PremiumRate),
        [a, b, c, e, _, _, _, _] => hong_kong_class8(a - b'0', b - b'0', c - b'0', e - b'0'),
        _ => None,
    }
}

/// Eight-digit Hong Kong numbers by their first four digits `a b c e` (see [`hong_kong_class`]).
#[allow(clippy::too_many_lines, clippy::unnested_or_patterns)]
pub(super) fn hong_kong_class8(a: u8, b: u8, c: u8, e: u8) -> Option<PhoneClass> {
    use PhoneClass as C;
    Some(match (a, b, c, e) {
        // Premium rate: 900(3\d{1,4}) matches 9003xxxx.
        (9, 0, 0, 3) => C::PremiumRate,
        // Personal: 8(1[0-4679]\d|2([0-36]\d|7[0-4])|3([034]\d|2[09]|70))\d{4}.
        (8, 1, 0..=4 | 6 | 7 | 9, _)
        | (8, 2, 0..=3 | 6, _)
        | (8, 2, 7, 0..=4)
        | (8, 3, 0 | 3 | 4, _)
        | (8, 3, 2, 0 | 9)
        | (8, 3, 7, 0) => C::Personal,
        // Pager: 7(1…|2…|3…|47\d|5…|6…|7…|8…|9…)\d{4}.
        (7, 1, 0, 0..=3 | 8)
        | (7, 1, 1, 0..=3 | 6 | 7 | 9)
        | (7, 1, 3, 0 | 1 | 3)
        | (7, 1, 6, 9)
        | (7, 1, 9, 0 | 1 | 3 | 6)
        | (7, 2, 0 | 2 | 3 | 8 | 9, _)
        | (7, 2, 1, 1 | 8)
        | (7, 2, 7, 2 | 7..=9)
        | (7, 3, 0..=3 | 8, _)
        | (7, 3, 7, 0..=3 | 6 | 9)
        | (7, 3, 9, 2 | 3 | 5 | 7..=9)
        | (7, 4, 7, _)
        | (7, 5, 1 | 7 | 8, _)
        | (7, 5, 5, 0..=5)
        | (7, 6, 0, 0..=7)
        | (7, 6, 2, 2 | 3 | 6..=9)
        | (7, 6, 3 | 5, _)
        | (7, 7, 2 | 7, _)
        | (7, 7, 8, 7..=9)
        | (7, 8, 2 | 3 | 6 | 8 | 9, _)
        | (7, 8, 7, 1..=9)
        | (7, 9, 0 | 2 | 5, _)
        | (7, 9, 6, 0..=2 | 4 | 6..=8)
        | (7, 9, 7, 0..=3 | 6..=9)
        | (7, 9, 8, 2 | 3 | 8) => C::Pager,
        // UAN: 30(0[1-9]|[15-7]\d|2[047]|89)\d{4}.
        (3, 0, 0, 1..=9) | (3, 0, 1 | 5..=7, _) | (3, 0, 2, 0 | 4 | 7) | (3, 0, 8, 9) => C::Uan,
        // Fixed line: (2([13-9]\d|2[013-9])\d|3(([1569][0-24-9]|4[0-246-9]|7[0-24-69])\d
        // |8(4[0-8]|[579]\d|6[0-5]))|58(0[1-9]|1[2-9]))\d{4}. No fixed range is also mobile.
        (2, 1 | 3..=9, _, _)
        | (2, 2, 0 | 1 | 3..=9, _)
        | (3, 1 | 5 | 6 | 9, 0..=2 | 4..=9, _)
        | (3, 4, 0..=2 | 4 | 6..=9, _)
        | (3, 7, 0..=2 | 4..=6 | 9, _)
        | (3, 8, 4, 0..=8)
        | (3, 8, 5 | 7 | 9, _)
        | (3, 8, 6, 0..=5)
        | (5, 8, 0, 1..=9)
        | (5, 8, 1, 2..=9) => C::FixedLine,
        // Mobile, four-digit prefixes + \d{4}.
        (4, 0, 9, 3..=6)
        | (4, 2, 4, 3..=6)
        | (4, 4, 4, 0..=3 | 5..=9)
        | (4, 6, 4, 0..=5 | 7..=9)
        | (4, 6, 6, 0..=6)
        | (4, 7, 4, 0..=4 | 8)
        | (4, 7, 6, 0..=5)
        | (5, 2, 5, 3..=7)
        | (5, 3, 5, 4..=8)
        | (5, 7, 3, 0..=6)
        | (5, 9, 5, 0..=8)
        | (6, 2, 6, 0 | 1 | 3..=8)
        | (6, 6, 6, 0..=5)
        | (6, 7, 8, 0..=5)
        | (7, 0, 7, 1..=8)
        | (7, 0, 8, 0..=8)
        | (8, 4, 4, 0..=2)
        | (8, 4, 8, 0..=3 | 5..=9)
        | (9, 2, 9, 0 | 1 | 3..=9)
        | (9, 3, 9, 0 | 1 | 4..=9)
        | (9, 5, 9, 0..=4 | 6 | 7)
        | (9, 8, 9, 9)
        // Mobile, three-digit prefixes + \d{5}.
        | (4, 4, 0..=3 | 5..=9, _)
        | (4, 6, 0..=3 | 5 | 7..=9, _)
        | (4, 7, 0..=3 | 5, _)
        | (5, 1..=5 | 9, 0..=4 | 6..=9, _)
        | (5, 6, 0..=4 | 6 | 8 | 9, _)
        | (5, 7, 0..=2 | 4 | 6..=9, _)
        | (6, 0, 1..=9, _)
        | (6, 1 | 3..=5 | 9, _, _)
        | (6, 2 | 6 | 8, 0..=5 | 7..=9, _)
        | (6, 7, 0..=7 | 9, _)
        | (7, 0, 1..=5 | 9, _)
        | (8, 4, 0..=3 | 9, _)
        | (9, 0, 1..=9, _)
        | (9, 1, 0 | 2..=9, _)
        | (9, 2 | 3 | 5 | 8, 0..=8, _)
        | (9, 4 | 6 | 7, _, _) => C::Mobile,
        _ => return None,
    })
}

/// The full path: the prefixes, then `phonenumber` for the country split, validation and class.
pub(super) fn full(scanned: &Scanned, default_region: Region) -> Result<PhoneNumber, PhoneError> {
    let digits = scanned.digits.as_str();

    if scanned.plus {
        let mut n = international(digits)?;
        if n.country_code == 852 && default_region == Region::HK {
            n.hints.insert(0, PhoneHint::HkCallerIdSpoof);
        }
        return Ok(with_region_hints(n, default_region));
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return international(rest).map(|n| with_region_hints(n, default_region));
    }

    let cc = default_region.calling_code().map(|c| c.to_string());
    let national_reading = national(digits, default_region);
    if national_reading.is_ok() {
        return national_reading.map(|n| with_region_hints(n, default_region));
    }
    // A bare country code (`852 9123 4567`): read it as international when the national reading
    // fails and the international one succeeds.
    if let Some(cc) = cc.as_deref() {
        if let Some(rest) = digits.strip_prefix(cc) {
            if rest.len() >= 4 {
                if let Ok(n) = international(digits) {
                    return Ok(with_region_hints(n, default_region));
                }
                // A bare `852` followed by exactly a Hong Kong-length rest is clearly meant
                // as international: report that reading's error, it is the informative one.
                if national_reading.as_ref().is_err_and(|e| {
                    matches!(
                        e,
                        PhoneError::TooLong { .. } | PhoneError::InvalidForRegion { .. }
                    )
                }) && digits.len() > cc.len() + 6
                {
                    return Err(classify_invalid(cc_value(cc), rest, true));
                }
            }
        }
    }
    national_reading
}

pub(super) fn cc_value(cc: &str) -> u16 {
    cc.parse().unwrap_or(0)
}

pub(super) fn with_region_hints(mut n: PhoneNumber, default_region: Region) -> PhoneNumber {
    add_region_hints(&mut n, default_region);
    n
}

/// Adds the hints that depend on where the user is ([`PhoneHint::Overseas`]) and on the
/// number's class ([`PhoneHint::PremiumRate`]).
pub(super) fn add_region_hints(n: &mut PhoneNumber, default_region: Region) {
    // Hong Kong's own numbers skip the metadata lookup (its calling code is 852: tested).
    let home = if default_region == Region::HK {
        n.country_code == 852
    } else {
        default_region.calling_code() == Some(n.country_code)
    };
    if !home {
        n.hints.push(PhoneHint::Overseas);
    }
    if n.class == PhoneClass::PremiumRate {
        n.hints.push(PhoneHint::PremiumRate);
    }
}

/// `digits` starts with the country calling code.
pub(super) fn international(digits: &str) -> Result<PhoneNumber, PhoneError> {
    if digits.len() > MAX_E164_DIGITS {
        return Err(PhoneError::TooLong {
            region: None,
            expected: MAX_E164_DIGITS as u8,
            found: clamp_u8(digits.len()),
            international: true,
        });
    }
    // Country codes are 1 to 3 digits and prefix-free.
    let cc = (1..=3)
        .filter_map(|len| digits.get(..len))
        .find(|p| {
            p.parse::<u16>()
                .is_ok_and(|c| DATABASE.region(&c).is_some())
        })
        .ok_or_else(|| PhoneError::UnknownCountryCode(digits.chars().take(3).collect()))?;
    let code = cc_value(cc);
    let nsn = &digits[cc.len()..];
    if nsn.is_empty() {
        return Err(classify_invalid(code, nsn, true));
    }
    let parsed = pn::parse(None, format!("+{digits}")).ok();
    finish(parsed, code, nsn, true)
}

pub(super) fn national(digits: &str, region: Region) -> Result<PhoneNumber, PhoneError> {
    let code = region.calling_code().unwrap_or(0);
    let id = region.id();
    if digits.len() > MAX_E164_DIGITS {
        return Err(classify_invalid(code, digits, false));
    }
    // Without a national (trunk) prefix, as in Hong Kong, the national reading is simply the
    // country code in front; that path is also the faster one in `phonenumber`.
    let has_trunk_prefix = DATABASE
        .by_id(region.as_str())
        .is_some_and(|m| m.national_prefix().is_some());
    let parsed = if has_trunk_prefix {
        id.and_then(|id| pn::parse(Some(id), digits).ok())
    } else {
        pn::parse(None, format!("+{code}{digits}")).ok()
    };
    // The national significant number: the parsed one when it kept our digits (a trunk prefix
    // such as the UK's `0` may be dropped), else ours.
    let nsn = parsed
        .as_ref()
        .filter(|p| p.code().value() == code)
        .map(national_string)
        .filter(|n| digits.ends_with(n.as_str()))
        .unwrap_or_else(|| digits.to_owned());
    finish(parsed, code, &nsn, false)
}

pub(super) fn national_string(p: &pn::PhoneNumber) -> String {
    let zeros = "0".repeat(usize::from(p.national().zeros()));
    format!("{zeros}{}", p.national().value())
}

/// Accepts `parsed` only if it is valid and spells exactly `+code nsn`.
pub(super) fn finish(
    parsed: Option<pn::PhoneNumber>,
    code: u16,
    nsn: &str,
    international: bool,
) -> Result<PhoneNumber, PhoneError> {
    // `phonenumber` classifies the digits after any leading zeros (its "Italian leading zero"),
    // so it would call `+852 0 2123 4567` a fixed line. No Hong Kong number starts with 0.
    if code == 852 && nsn.starts_with('0') {
        return Err(classify_invalid(code, nsn, international));
    }
    let expected_e164 = format!("+{code}{nsn}");
    if let Some(p) = parsed {
        // `is_valid` is exactly "the type is not Unknown"; asking for the type once does both.
        let class = PhoneClass::from_type(p.number_type(&DATABASE));
        let e164 = format!("+{}{}", p.code().value(), national_string(&p));
        if let (Some(class), true) = (class, e164 == expected_e164) {
            let region = p.country().id().and_then(|id| Region::from_id(id.as_ref()));
            return Ok(PhoneNumber {
                e164,
                region,
                country_code: code,
                class,
                hints: Vec::new(),
            });
        }
    }
    Err(classify_invalid(code, nsn, international))
}

pub(super) fn region_for_code(code: u16) -> Option<Region> {
    let metas = DATABASE.by_code(&code)?;
    let main = metas
        .iter()
        .find(|m| m.is_main_country_for_code())
        .or_else(|| metas.first())?;
    Region::from_id(main.id())
}

/// Explains why `nsn` is not a valid number under calling code `code`.
pub(super) fn classify_invalid(code: u16, nsn: &str, international: bool) -> PhoneError {
    let region = region_for_code(code);
    let found = clamp_u8(nsn.len());
    if code == 852 {
        // Hong Kong: 8 digits, except 800 freephone (9) and 900 premium-rate (several lengths).
        let expected: u8 = match nsn.as_bytes() {
            [b'0' | b'1', ..] | [] => {
                return PhoneError::InvalidForRegion {
                    region,
                    international,
                };
            }
            [b'8', b'0', b'0', ..] => 9,
            [b'9', b'0', b'0', ..] => 11,
            _ => 8,
        };
        return match found.cmp(&expected) {
            std::cmp::Ordering::Less if !nsn.starts_with("900") => PhoneError::TooShort {
                region,
                expected,
                found,
                international,
            },
            std::cmp::Ordering::Greater => PhoneError::TooLong {
                region,
                expected,
                found,
                international,
            },
            _ => PhoneError::InvalidForRegion {
                region,
                international,
            },
        };
    }
    let lengths: Vec<u16> = DATABASE
        .by_code(&code)
        .and_then(|m| {
            m.first()
                .map(|m| m.descriptors().general().possible_length().to_vec())
        })
        .unwrap_or_default();
    let (min, max) = (lengths.iter().min().copied(), lengths.iter().max().copied());
    match (min, max) {
        (Some(min), _) if u16::from(found) < min => PhoneError::TooShort {
            region,
            expected: clamp_u8(usize::from(min)),
            found,
            international,
        },
        (_, Some(max)) if u16::from(found) > max => PhoneError::TooLong {
            region,
            expected: clamp_u8(usize::from(max)),
            found,
            international,
        },
        _ => PhoneError::InvalidForRegion {
            region,
            international,
        },
    }
}
