//! Plural forms for the Rust front ends (notifications, the tray), as CLDR defines them for the
//! languages Verity ships; the UI uses `Intl.PluralRules` for the same categories.
//!
//! A counted string is a family of keys `base.one`, `base.two`, `base.few`, `base.many`,
//! `base.other` in `locales/<lang>/*.json` (every language carries all five, so the key sets
//! match; a language without a distinction repeats its `other` text), with a `{count}`
//! placeholder.

use crate::text::{has, text_with};
use crate::Language;

/// A CLDR plural category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluralCategory {
    /// Arabic 0.
    Zero,
    /// 1 (English, Arabic).
    One,
    /// Arabic 2.
    Two,
    /// Arabic 3–10 (modulo 100).
    Few,
    /// Arabic 11–99 (modulo 100).
    Many,
    /// Everything else.
    Other,
}

impl PluralCategory {
    /// The CLDR name, as `Intl.PluralRules` returns it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PluralCategory::Zero => "zero",
            PluralCategory::One => "one",
            PluralCategory::Two => "two",
            PluralCategory::Few => "few",
            PluralCategory::Many => "many",
            PluralCategory::Other => "other",
        }
    }
}

/// The plural category of the whole number `n` in `lang`.
#[must_use]
pub fn category(lang: Language, n: u64) -> PluralCategory {
    match lang {
        Language::En => {
            if n == 1 {
                PluralCategory::One
            } else {
                PluralCategory::Other
            }
        }
        Language::ZhHk | Language::ZhCn => PluralCategory::Other,
        Language::Ar => match (n, n % 100) {
            (0, _) => PluralCategory::Zero,
            (1, _) => PluralCategory::One,
            (2, _) => PluralCategory::Two,
            (_, 3..=10) => PluralCategory::Few,
            (_, 11..=99) => PluralCategory::Many,
            _ => PluralCategory::Other,
        },
    }
}

/// The text of the counted key family `base` for `n` in `lang`, with `{count}` and `params`
/// filled in. Falls back to `base.other` when the category has no key.
#[must_use]
pub fn text_count(lang: Language, base: &str, n: u64, params: &[(&str, &str)]) -> String {
    let key = format!("{base}.{}", category(lang, n).as_str());
    let key = if has(lang, &key) {
        key
    } else {
        format!("{base}.other")
    };
    let count = n.to_string();
    let mut all: Vec<(&str, &str)> = vec![("count", &count)];
    all.extend_from_slice(params);
    text_with(lang, &key, &all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_follow_cldr() {
        let ar: Vec<&str> = [0, 1, 2, 3, 10, 11, 99, 100, 101, 102, 103, 111, 1000]
            .iter()
            .map(|&n| category(Language::Ar, n).as_str())
            .collect();
        assert_eq!(
            ar,
            [
                "zero", "one", "two", "few", "few", "many", "many", "other", "other", "other",
                "few", "many", "other"
            ]
        );
        assert_eq!(category(Language::En, 1), PluralCategory::One);
        assert_eq!(category(Language::En, 0), PluralCategory::Other);
        assert_eq!(category(Language::ZhHk, 1), PluralCategory::Other);
    }

    #[test]
    fn unknown_families_fall_back_to_the_key() {
        assert_eq!(text_count(Language::En, "no.such", 3, &[]), "no.such.other");
    }
}
