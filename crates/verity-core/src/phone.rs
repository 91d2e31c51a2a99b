//! Phone numbers: a strict pre-normaliser of our own in front of the `phonenumber` crate.
//!
//! `phonenumber` alone is too lenient for a scam checker: it maps letters to digits
//! (`1-800-FLOWERS`), accepts over-long numbers, parses some e-mail addresses, and reads
//! `00852 9123 4567` with region HK as a Mexican `+52` number. So this module reads the input
//! itself (separators, full-width and Arabic-Indic digits, `tel:` URIs, the `+` / `00` / bare
//! country-code prefixes), rejects letters and e-mails, counts the digits, and only then hands a
//! plain `+<digits>` string to `phonenumber` for the country split, validation and class. The
//! E.164 it returns must spell exactly the digits we read, or the number is refused.
//!
//! Hong Kong gets precise length messages (a number one digit short says so). Other regions get
//! the lengths from the metadata.
//!
//! # Hints
//! A [`PhoneHint`] is context for the person checking, never by itself a reason to call a number
//! suspicious:
//! - [`PhoneHint::HkCallerIdSpoof`]: the number was written with a literal `+852`. Hong Kong's
//!   regulator (OFCA) had operators show calls from outside Hong Kong that carry a Hong Kong caller
//!   number with the `+852` prefix (local calls show no prefix), and warns the public that such a
//!   call comes from overseas and may be a spoofed local number. If this was a caller ID, the call
//!   did not come from Hong Kong.
//! - [`PhoneHint::HkPrefixNonHkPattern`]: `+852` / `00852` followed by digits that are no Hong
//!   Kong number (wrong length, unassigned leading digits): a malformed or spoofed caller ID.
//! - [`PhoneHint::Overseas`]: a valid number from another country than the default region: a
//!   "local hotline" that is not local.
//! - [`PhoneHint::PremiumRate`]: a premium-rate number, charged to the caller.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use phonenumber as pn;
use phonenumber::metadata::DATABASE;

/// The longest input we read (in chars): a formatted international number with a `tel:` prefix
/// and parameters fits easily.
const MAX_INPUT_CHARS: usize = 96;
/// E.164: at most 15 digits, country code included.
const MAX_E164_DIGITS: usize = 15;

/// A region (ISO 3166-1 alpha-2, as `phonenumber` knows it), e.g. `HK`. The default region says
/// how to read a number written without a country code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region([u8; 2]);

impl Region {
    /// Hong Kong, the default region.
    pub const HK: Region = Region(*b"HK");

    /// The two-letter code, upper case.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored (see `FromStr`).
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }

    /// The country calling code (852 for HK), from the metadata.
    #[must_use]
    pub fn calling_code(self) -> Option<u16> {
        DATABASE
            .by_id(self.as_str())
            .map(pn::Metadata::country_code)
    }

    fn id(self) -> Option<pn::country::Id> {
        self.as_str().parse().ok()
    }

    fn from_id(id: &str) -> Option<Region> {
        match id.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Some(Region([*a, *b])),
            _ => None,
        }
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::HK
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A region code that the phone metadata does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown region {0:?}: expected a two-letter country code such as HK")]
pub struct UnknownRegion(pub String);

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        match Region::from_id(&upper) {
            Some(r) if r.calling_code().is_some() => Ok(r),
            _ => Err(UnknownRegion(s.to_owned())),
        }
    }
}

impl Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "specta")]
impl specta::Type for Region {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <String as specta::Type>::definition(types)
    }
}

/// What kind of line a number is, from the numbering plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PhoneClass {
    /// A fixed (landline) number.
    FixedLine,
    /// A mobile number.
    Mobile,
    /// Fixed or mobile: the plan does not tell them apart (e.g. North America).
    FixedLineOrMobile,
    /// A freephone number (Hong Kong: `800`).
    TollFree,
    /// A premium-rate number, charged to the caller (Hong Kong: `900`).
    PremiumRate,
    /// A shared-cost number.
    SharedCost,
    /// A personal number that forwards elsewhere.
    Personal,
    /// A voice-over-IP number.
    Voip,
    /// A pager number.
    Pager,
    /// A universal access ("company") number.
    Uan,
    /// A voicemail access number.
    Voicemail,
    /// A valid number of another kind.
    Other,
}

impl PhoneClass {
    /// Every class, for locale completeness tests.
    pub const ALL: [PhoneClass; 12] = [
        PhoneClass::FixedLine,
        PhoneClass::Mobile,
        PhoneClass::FixedLineOrMobile,
        PhoneClass::TollFree,
        PhoneClass::PremiumRate,
        PhoneClass::SharedCost,
        PhoneClass::Personal,
        PhoneClass::Voip,
        PhoneClass::Pager,
        PhoneClass::Uan,
        PhoneClass::Voicemail,
        PhoneClass::Other,
    ];

    /// The snake_case code (`fixed_line`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneClass::FixedLine => "fixed_line",
            PhoneClass::Mobile => "mobile",
            PhoneClass::FixedLineOrMobile => "fixed_line_or_mobile",
            PhoneClass::TollFree => "toll_free",
            PhoneClass::PremiumRate => "premium_rate",
            PhoneClass::SharedCost => "shared_cost",
            PhoneClass::Personal => "personal",
            PhoneClass::Voip => "voip",
            PhoneClass::Pager => "pager",
            PhoneClass::Uan => "uan",
            PhoneClass::Voicemail => "voicemail",
            PhoneClass::Other => "other",
        }
    }

    fn from_type(t: pn::Type) -> Option<PhoneClass> {
        Some(match t {
            pn::Type::FixedLine => PhoneClass::FixedLine,
            pn::Type::Mobile => PhoneClass::Mobile,
            pn::Type::FixedLineOrMobile => PhoneClass::FixedLineOrMobile,
            pn::Type::TollFree => PhoneClass::TollFree,
            pn::Type::PremiumRate => PhoneClass::PremiumRate,
            pn::Type::SharedCost => PhoneClass::SharedCost,
            pn::Type::PersonalNumber => PhoneClass::Personal,
            pn::Type::Voip => PhoneClass::Voip,
            pn::Type::Pager => PhoneClass::Pager,
            pn::Type::Uan => PhoneClass::Uan,
            pn::Type::Voicemail => PhoneClass::Voicemail,
            pn::Type::Unknown => return None,
            _ => PhoneClass::Other,
        })
    }
}

/// Context about a number; never by itself a reason for a `suspicious` verdict. See the module
/// documentation for why each exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PhoneHint {
    /// Written with `+852`: as a caller ID, that means the call came from outside Hong Kong.
    HkCallerIdSpoof,
    /// `+852` followed by digits that are no Hong Kong number.
    HkPrefixNonHkPattern,
    /// A number from another country than the default region.
    Overseas,
    /// A premium-rate number.
    PremiumRate,
}

/// A valid, normalised phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PhoneNumber {
    /// E.164, e.g. `+85291234567`.
    pub e164: String,
    /// The number's region, when the metadata names one (non-geographic numbers have none).
    pub region: Option<Region>,
    /// The country calling code, e.g. 852.
    pub country_code: u16,
    /// The national significant number, e.g. `91234567`.
    pub national: String,
    /// The kind of line.
    pub class: PhoneClass,
    /// Context hints (see [`PhoneHint`]).
    pub hints: Vec<PhoneHint>,
}

/// Why an input is not a valid phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but blanks.
    #[error("the input is empty")]
    Empty,
    /// Longer than any formatted phone number.
    #[error("the input is too long to be a phone number")]
    InputTooLong,
    /// An e-mail address, not a number.
    #[error("this looks like an e-mail address, not a phone number")]
    LooksLikeEmail,
    /// Letters are never read as digits (`1-800-FLOWERS` is refused).
    #[error("a phone number cannot contain letters")]
    ContainsLetters,
    /// A character that has no place in a phone number.
    #[error("unexpected character {0:?} in a phone number")]
    InvalidCharacter(char),
    /// A `+` anywhere but at the start.
    #[error("a + can only start a phone number")]
    MisplacedPlus,
    /// No digit at all.
    #[error("there are no digits in the input")]
    NoDigits,
    /// The country calling code after `+` or `00` is not assigned.
    #[error("no country uses the calling code in +{0}")]
    UnknownCountryCode(String),
    /// Fewer digits than any number of the region of that kind.
    #[error("{} has {expected} digits; this one has {found}", region_phrase(*.region))]
    TooShort {
        /// The region whose plan was applied.
        region: Option<Region>,
        /// Digits a number of this kind has (the nearest valid length).
        expected: u8,
        /// Digits found.
        found: u8,
        /// Written with a country code (`+852`, `00852`, `852`).
        international: bool,
    },
    /// More digits than any number of the region of that kind.
    #[error("{} has {expected} digits; this one has {found}", region_phrase(*.region))]
    TooLong {
        /// The region whose plan was applied.
        region: Option<Region>,
        /// Digits a number of this kind has (the nearest valid length).
        expected: u8,
        /// Digits found.
        found: u8,
        /// Written with a country code.
        international: bool,
    },
    /// The right length, but not an assigned range of the region.
    #[error("this is not a valid number in {}", region.map_or("its country", |r| region_name(r)))]
    InvalidForRegion {
        /// The region whose plan was applied.
        region: Option<Region>,
        /// Written with a country code.
        international: bool,
    },
}

fn region_name(r: Region) -> &'static str {
    if r == Region::HK {
        "Hong Kong"
    } else {
        "its country"
    }
}

fn region_phrase(r: Option<Region>) -> &'static str {
    match r {
        Some(r) if r == Region::HK => "a Hong Kong number of this kind",
        _ => "a number of this kind",
    }
}

impl PhoneError {
    /// Hints that still apply to an unreadable number (a `+852` with a non-Hong Kong pattern).
    #[must_use]
    pub fn hints(&self) -> Vec<PhoneHint> {
        match self {
            PhoneError::TooShort {
                region: Some(r),
                international: true,
                ..
            }
            | PhoneError::TooLong {
                region: Some(r),
                international: true,
                ..
            }
            | PhoneError::InvalidForRegion {
                region: Some(r),
                international: true,
            } if *r == Region::HK => {
                vec![PhoneHint::HkPrefixNonHkPattern]
            }
            _ => Vec::new(),
        }
    }
}

/// Forces the phone metadata to load (about 100 ms, once per process) and compiles the Hong Kong
/// patterns, so that the first real check is as fast as the others. Safe to call many times.
pub fn warm_up() {
    LazyLock::force(&WARM);
}

static WARM: LazyLock<()> = LazyLock::new(|| {
    // A parse loads the metadata database and compiles the patterns it touches.
    let _ = pn::parse(None, "+85291234567").map(|n| pn::is_valid(&n));
});

/// The input after the character-level pass.
struct Scanned {
    digits: String,
    plus: bool,
}

fn ascii_digit(c: char) -> Option<char> {
    let base = match c {
        '0'..='9' => return Some(c),
        '\u{FF10}'..='\u{FF19}' => 0xFF10,
        '\u{0660}'..='\u{0669}' => 0x0660,
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        _ => return None,
    };
    char::from_digit(u32::from(c) - base, 10)
}

fn is_separator(c: char) -> bool {
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
fn is_invisible_mark(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn is_plus(c: char) -> bool {
    c == '+' || c == '\u{FF0B}'
}

/// Whether `c` can appear in a phone number as this module reads it (digit, `+`, separator).
pub(crate) fn is_number_char(c: char) -> bool {
    ascii_digit(c).is_some() || is_plus(c) || is_separator(c)
}

/// Whether `c` is a digit this module reads (ASCII, full-width, Arabic-Indic).
pub(crate) fn is_digit_char(c: char) -> bool {
    ascii_digit(c).is_some()
}

/// Strips a `tel:` scheme and its parameters (`;phone-context=…`, `;ext=…`).
fn strip_tel(s: &str) -> &str {
    let lower_prefix = s.get(..4).map(str::to_ascii_lowercase);
    if lower_prefix.as_deref() == Some("tel:") {
        let rest = &s[4..];
        rest.split(';').next().unwrap_or(rest).trim()
    } else {
        s
    }
}

fn scan(input: &str) -> Result<Scanned, PhoneError> {
    if input.chars().count() > MAX_INPUT_CHARS {
        return Err(PhoneError::InputTooLong);
    }
    let s = input.trim_matches(|c: char| c.is_whitespace() || is_invisible_mark(c));
    if s.is_empty() {
        return Err(PhoneError::Empty);
    }
    if s.contains('@') || s.contains('\u{FF20}') {
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

fn clamp_u8(n: usize) -> u8 {
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
    let scanned = scan(input)?;
    if let Some(result) = hong_kong_fast(&scanned, default_region) {
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
/// anything else.
fn hong_kong_fast(
    scanned: &Scanned,
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
    let n = PhoneNumber {
        e164: format!("+852{nsn}"),
        region: Some(Region::HK),
        country_code: 852,
        national: nsn.to_owned(),
        class,
        hints,
    };
    Some(Ok(with_region_hints(n, default_region)))
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
fn hong_kong_class(nsn: &[u8]) -> Option<PhoneClass> {
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
fn hong_kong_class8(a: u8, b: u8, c: u8, e: u8) -> Option<PhoneClass> {
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
fn full(scanned: &Scanned, default_region: Region) -> Result<PhoneNumber, PhoneError> {
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

fn cc_value(cc: &str) -> u16 {
    cc.parse().unwrap_or(0)
}

fn with_region_hints(mut n: PhoneNumber, default_region: Region) -> PhoneNumber {
    if default_region.calling_code() != Some(n.country_code) {
        n.hints.push(PhoneHint::Overseas);
    }
    if n.class == PhoneClass::PremiumRate {
        n.hints.push(PhoneHint::PremiumRate);
    }
    n
}

/// `digits` starts with the country calling code.
fn international(digits: &str) -> Result<PhoneNumber, PhoneError> {
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

fn national(digits: &str, region: Region) -> Result<PhoneNumber, PhoneError> {
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

fn national_string(p: &pn::PhoneNumber) -> String {
    let zeros = "0".repeat(usize::from(p.national().zeros()));
    format!("{zeros}{}", p.national().value())
}

/// Accepts `parsed` only if it is valid and spells exactly `+code nsn`.
fn finish(
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
                national: nsn.to_owned(),
                class,
                hints: Vec::new(),
            });
        }
    }
    Err(classify_invalid(code, nsn, international))
}

fn region_for_code(code: u16) -> Option<Region> {
    let metas = DATABASE.by_code(&code)?;
    let main = metas
        .iter()
        .find(|m| m.is_main_country_for_code())
        .or_else(|| metas.first())?;
    Region::from_id(main.id())
}

/// Explains why `nsn` is not a valid number under calling code `code`.
fn classify_invalid(code: u16, nsn: &str, international: bool) -> PhoneError {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(s: &str) -> String {
        normalize(s, Region::HK)
            .map(|n| n.e164)
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn hong_kong_forms() {
        let cases = [
            ("91234567", "+85291234567"),
            ("9123 4567", "+85291234567"),
            ("9123-4567", "+85291234567"),
            ("9123.4567", "+85291234567"),
            ("(852) 9123 4567", "+85291234567"),
            ("+852 9123 4567", "+85291234567"),
            ("+852-9123-4567", "+85291234567"),
            ("(+852) 9123-4567", "+85291234567"),
            ("00852 9123 4567", "+85291234567"),
            ("00852-91234567", "+85291234567"),
            ("852 9123 4567", "+85291234567"),
            ("85291234567", "+85291234567"),
            ("９１２３ ４５６７", "+85291234567"),
            ("＋８５２ ９１２３ ４５６７", "+85291234567"),
            ("（８５２）９１２３－４５６７", "+85291234567"),
            ("٩١٢٣٤٥٦٧", "+85291234567"),
            ("\u{200E}+852 9123 4567\u{200E}", "+85291234567"),
            ("tel:+852-9123-4567", "+85291234567"),
            ("TEL:+85291234567;phone-context=example.com", "+85291234567"),
            ("tel:91234567;ext=12", "+85291234567"),
            ("  2123 4567 ", "+85221234567"),
            ("3001 2345", "+85230012345"),
            ("800 123 456", "+852800123456"),
            ("+852 800 123 456", "+852800123456"),
            ("5123 4567", "+85251234567"),
            ("6123 4567", "+85261234567"),
            ("+86 138 0013 8000", "+8613800138000"),
            ("0086 138 0013 8000", "+8613800138000"),
            ("+44 20 7946 0018", "+442079460018"),
            ("+1 212 555 0123", "+12125550123"),
        ];
        for (input, want) in cases {
            assert_eq!(e164(input), want, "input {input:?}");
        }
    }

    #[test]
    fn hong_kong_classes() {
        let cases = [
            ("21234567", PhoneClass::FixedLine),
            ("51234567", PhoneClass::Mobile),
            ("91234567", PhoneClass::Mobile),
            ("61234567", PhoneClass::Mobile),
            ("71123456", PhoneClass::Pager),
            ("800123456", PhoneClass::TollFree),
            ("90012345678", PhoneClass::PremiumRate),
            ("81123456", PhoneClass::Personal),
            ("30161234", PhoneClass::Uan),
        ];
        for (input, want) in cases {
            let n = normalize(input, Region::HK);
            assert!(n.is_ok(), "{input}: {n:?}");
            let n = n.unwrap();
            assert_eq!(n.class, want, "input {input}");
            assert_eq!(n.region, Some(Region::HK));
        }
    }

    #[test]
    fn invalid_numbers_say_why() {
        use PhoneError as E;
        let hk = Some(Region::HK);
        let cases: Vec<(&str, PhoneError)> = vec![
            ("", E::Empty),
            ("   ", E::Empty),
            (
                "9123 456",
                E::TooShort {
                    region: hk,
                    expected: 8,
                    found: 7,
                    international: false,
                },
            ),
            (
                "+852 9123 456",
                E::TooShort {
                    region: hk,
                    expected: 8,
                    found: 7,
                    international: true,
                },
            ),
            (
                "00852 2123 456",
                E::TooShort {
                    region: hk,
                    expected: 8,
                    found: 7,
                    international: true,
                },
            ),
            (
                "9123 45678",
                E::TooLong {
                    region: hk,
                    expected: 8,
                    found: 9,
                    international: false,
                },
            ),
            (
                "800 123 45",
                E::TooShort {
                    region: hk,
                    expected: 9,
                    found: 8,
                    international: false,
                },
            ),
            (
                "+852 1234 5678",
                E::InvalidForRegion {
                    region: hk,
                    international: true,
                },
            ),
            (
                // A trunk `0` as other countries dial it: Hong Kong has none.
                "+852 0 2123 4567",
                E::InvalidForRegion {
                    region: hk,
                    international: true,
                },
            ),
            (
                "00852 09123 4567",
                E::InvalidForRegion {
                    region: hk,
                    international: true,
                },
            ),
            (
                "0123 4567",
                E::InvalidForRegion {
                    region: hk,
                    international: false,
                },
            ),
            ("1-800-FLOWERS", E::ContainsLetters),
            ("9123 456７a", E::ContainsLetters),
            ("support@dingtalk.com", E::LooksLikeEmail),
            ("91234567@example.com", E::LooksLikeEmail),
            ("9123+4567", E::MisplacedPlus),
            ("++85291234567", E::MisplacedPlus),
            ("9123_4567", E::InvalidCharacter('_')),
            ("#91234567", E::InvalidCharacter('#')),
            ("----", E::NoDigits),
            ("+999 1234 5678", E::UnknownCountryCode("999".into())),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input, Region::HK), Err(want), "input {input:?}");
        }
        // Over-long numbers are refused, never truncated.
        for input in [
            "+852 9123 4567 8901 2345",
            "912345678901234567890",
            "+8529123456789",
        ] {
            assert!(
                matches!(normalize(input, Region::HK), Err(E::TooLong { .. })),
                "input {input:?} gave {:?}",
                normalize(input, Region::HK)
            );
        }
        let long = "9".repeat(200);
        assert_eq!(normalize(&long, Region::HK), Err(E::InputTooLong));
    }

    #[test]
    fn short_message_is_specific() {
        let err = normalize("9123 456", Region::HK).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a Hong Kong number of this kind has 8 digits; this one has 7"
        );
    }

    #[test]
    fn hints() {
        let n = normalize("+852 9123 4567", Region::HK).unwrap();
        assert_eq!(n.hints, vec![PhoneHint::HkCallerIdSpoof]);
        assert!(normalize("9123 4567", Region::HK).unwrap().hints.is_empty());
        assert!(normalize("00852 9123 4567", Region::HK)
            .unwrap()
            .hints
            .is_empty());
        let n = normalize("+86 138 0013 8000", Region::HK).unwrap();
        assert_eq!(n.hints, vec![PhoneHint::Overseas]);
        let n = normalize("90012345678", Region::HK).unwrap();
        assert_eq!(n.hints, vec![PhoneHint::PremiumRate]);
        let e = normalize("+852 1234 5678", Region::HK).unwrap_err();
        assert_eq!(e.hints(), vec![PhoneHint::HkPrefixNonHkPattern]);
        assert!(normalize("0123 4567", Region::HK)
            .unwrap_err()
            .hints()
            .is_empty());
    }

    #[test]
    fn other_default_region() {
        let gb: Region = "gb".parse().unwrap();
        assert_eq!(
            normalize("020 7946 0018", gb).unwrap().e164,
            "+442079460018"
        );
        // With region GB, a Hong Kong number needs its country code.
        assert_eq!(
            normalize("00852 9123 4567", gb).unwrap().e164,
            "+85291234567"
        );
        assert!("XX".parse::<Region>().is_err());
        assert!("".parse::<Region>().is_err());
    }

    /// Every four-digit start at every length up to past the longest, as a national number, with
    /// `+852` and with `00852` (and `+852` from another default region), gives the same answer on
    /// the fast path as on the full one; so do all numbers of up to four digits.
    #[test]
    fn hong_kong_fast_path_agrees() {
        let gb: Region = "GB".parse().unwrap();
        let mut checked = 0u32;
        let mut fast_valid = 0u32;
        let mut differ = Vec::new();
        let mut agree = |nsn: &str| {
            let forms = [
                (nsn.to_owned(), Region::HK),
                (format!("+852{nsn}"), Region::HK),
                (format!("00852{nsn}"), Region::HK),
                (format!("+852{nsn}"), gb),
            ];
            for (input, region) in forms {
                {
                    let fast = normalize(&input, region);
                    let full = normalize_full(&input, region);
                    fast_valid += u32::from(fast.is_ok() && region == Region::HK);
                    checked += 1;
                    if fast != full && differ.len() < 20 {
                        differ.push(format!("{input:?} in {region}: {fast:?} != {full:?}"));
                    }
                }
            }
        };
        for len in 1..=4u32 {
            for n in 0..10u32.pow(len) {
                agree(&format!("{n:0width$}", width = len as usize));
            }
        }
        for prefix in 0..10_000u32 {
            // A suffix that varies with the prefix, so that every digit appears in each position.
            let suffix = format!("{:09}", (u64::from(prefix) * 2_654_435_761) % 1_000_000_000);
            for len in 5..=13 {
                agree(&format!("{prefix:04}{}", &suffix[..len - 4]));
            }
        }
        assert!(differ.is_empty(), "{}", differ.join("\n"));
        assert!(checked > 300_000, "{checked}");
        assert!(fast_valid > 10_000, "{fast_valid}");
    }

    /// The tables above, through both paths.
    #[test]
    fn tables_agree_on_both_paths() {
        for input in [
            "91234567",
            "+852 9123 4567",
            "00852 9123 4567",
            "852 9123 4567",
            "85291234567",
            "(852) 9123 4567",
            "tel:+852-9123-4567",
            "800 123 456",
            "90012345678",
            "9003123",
            "900312345678",
            "9123 456",
            "+852 9123 456",
            "9123 45678",
            "+852 1234 5678",
            "0123 4567",
            "+86 138 0013 8000",
            "+852 9123 4567 8901 2345",
            "+8529123456789",
            "٩١٢٣٤٥٦٧",
            "８５２９１２３４５６７",
            "0085291234567",
            "+85200000000",
            "+852",
            "00852",
            "852",
        ] {
            for region in [Region::HK, "GB".parse().unwrap(), "CN".parse().unwrap()] {
                assert_eq!(
                    normalize(input, region),
                    normalize_full(input, region),
                    "input {input:?} in {region}"
                );
            }
        }
    }

    #[test]
    fn region_serde() {
        assert_eq!(serde_json::to_string(&Region::HK).unwrap(), "\"HK\"");
        let r: Region = serde_json::from_str("\"hk\"").unwrap();
        assert_eq!(r, Region::HK);
        assert!(serde_json::from_str::<Region>("\"QQ\"").is_err());
    }
}
