//! User settings: the values, their defaults and their validation. Stored by `verity-store`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The interface languages Verity ships. Every user-visible string exists in each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Language {
    /// English.
    #[default]
    #[serde(rename = "en")]
    En,
    /// Traditional Chinese as written in Hong Kong.
    #[serde(rename = "zh-HK")]
    ZhHk,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// Arabic, laid out right to left.
    #[serde(rename = "ar")]
    Ar,
}

impl Language {
    /// Every language, in the order the language picker shows them.
    pub const ALL: [Language; 4] = [Language::En, Language::ZhHk, Language::ZhCn, Language::Ar];

    /// The BCP 47 tag (`en`, `zh-HK`, `zh-CN`, `ar`).
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::ZhHk => "zh-HK",
            Language::ZhCn => "zh-CN",
            Language::Ar => "ar",
        }
    }

    /// Whether the language is written right to left.
    #[must_use]
    pub fn is_rtl(self) -> bool {
        matches!(self, Language::Ar)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A setting value that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// The language tag is not one Verity ships.
    #[error("unknown language {0:?}: expected one of en, zh-HK, zh-CN, ar")]
    UnknownLanguage(String),
    /// A stored boolean is neither `true` nor `false`.
    #[error("setting {key} must be true or false, not {value:?}")]
    NotABool {
        /// The setting's key.
        key: String,
        /// The rejected value.
        value: String,
    },
}

impl FromStr for Language {
    type Err = SettingsError;

    /// Accepts the exact tags and their common case and separator variants (`zh_hk`, `ZH-HK`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().replace('_', "-").to_ascii_lowercase();
        match norm.as_str() {
            "en" => Ok(Language::En),
            "zh-hk" | "zh-hant-hk" | "zh-hant" => Ok(Language::ZhHk),
            "zh-cn" | "zh-hans-cn" | "zh-hans" => Ok(Language::ZhCn),
            "ar" => Ok(Language::Ar),
            _ => Err(SettingsError::UnknownLanguage(s.to_owned())),
        }
    }
}

/// The global shortcut that checks the clipboard, unless the user changes or clears it.
/// Ctrl+Alt+K (K for "check"): not a common application shortcut on any desktop.
pub const DEFAULT_CHECK_SHORTCUT: &str = "CmdOrCtrl+Alt+K";

/// Every user setting, with its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// The interface language.
    pub language: Language,
    /// Whether Verity starts when the user logs in.
    pub start_at_login: bool,
    /// How to read phone numbers written without a country code (Hong Kong by default).
    pub region: crate::phone::Region,
    /// The global shortcut for "Check clipboard" (e.g. `CmdOrCtrl+Alt+K`); empty means none.
    pub check_shortcut: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            language: Language::default(),
            start_at_login: false,
            region: crate::phone::Region::default(),
            check_shortcut: DEFAULT_CHECK_SHORTCUT.to_owned(),
        }
    }
}

/// Parses a stored boolean setting; only `true` and `false` are accepted.
///
/// # Errors
/// [`SettingsError::NotABool`] for any other text.
pub fn parse_bool(key: &str, value: &str) -> Result<bool, SettingsError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(SettingsError::NotABool {
            key: key.to_owned(),
            value: value.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_round_trip() {
        for lang in Language::ALL {
            assert_eq!(lang.tag().parse::<Language>(), Ok(lang));
            let json = serde_json::to_string(&lang).unwrap();
            assert_eq!(json, format!("\"{}\"", lang.tag()));
        }
    }

    #[test]
    fn language_accepts_variants_and_rejects_garbage() {
        assert_eq!("zh_hk".parse::<Language>(), Ok(Language::ZhHk));
        assert_eq!(" ZH-CN ".parse::<Language>(), Ok(Language::ZhCn));
        assert!(matches!(
            "fr".parse::<Language>(),
            Err(SettingsError::UnknownLanguage(_))
        ));
        assert!("".parse::<Language>().is_err());
    }

    #[test]
    fn only_arabic_is_rtl() {
        let rtl: Vec<_> = Language::ALL.into_iter().filter(|l| l.is_rtl()).collect();
        assert_eq!(rtl, vec![Language::Ar]);
    }

    #[test]
    fn bools_are_strict() {
        assert_eq!(parse_bool("k", "true"), Ok(true));
        assert_eq!(parse_bool("k", "false"), Ok(false));
        assert!(parse_bool("k", "1").is_err());
        assert!(parse_bool("k", "TRUE").is_err());
    }
}
