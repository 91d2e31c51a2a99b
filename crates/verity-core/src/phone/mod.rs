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

mod disguise;
mod normalize;
#[cfg(test)]
mod tests;

pub use disguise::{find_disguised, lookalike_digit, reveal, Disguised};

pub use normalize::{ascii_digit, is_digit_char, is_number_char};
pub use normalize::{normalize, normalize_full, warm_up};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

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
    /// The kind of line.
    pub class: PhoneClass,
    /// Context hints (see [`PhoneHint`]).
    pub hints: Vec<PhoneHint>,
}

impl PhoneNumber {
    /// The national significant number, e.g. `91234567`: [`PhoneNumber::e164`] after the `+`
    /// and the country code (a number is only accepted when it spells exactly `+code nsn`).
    #[must_use]
    pub fn national(&self) -> &str {
        let code_digits = match self.country_code {
            0..=9 => 1,
            10..=99 => 2,
            _ => 3,
        };
        self.e164.get(1 + code_digits..).unwrap_or_default()
    }
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
