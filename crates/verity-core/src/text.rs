//! The words for codes, in each language, for the Rust front ends (`verityctl`, the tray menu,
//! desktop notifications). The UI reads the same files (`locales/<lang>/*.json`), so there is
//! one source of truth; they are embedded at build time, so this stays free of I/O.

use crate::Language;
use std::collections::HashMap;
use std::sync::LazyLock;

type Catalog = HashMap<String, String>;

fn merge(files: &[&str]) -> Catalog {
    let mut out = Catalog::new();
    for f in files {
        // The files are checked by tests in every language; an unreadable one adds nothing,
        // and lookups fall back to English, then to the key.
        if let Ok(map) = serde_json::from_str::<Catalog>(f) {
            out.extend(map);
        }
    }
    out
}

macro_rules! catalog {
    ($lang:literal) => {
        merge(&[
            include_str!(concat!("../../../locales/", $lang, "/app.json")),
            include_str!(concat!("../../../locales/", $lang, "/check.json")),
            include_str!(concat!("../../../locales/", $lang, "/checklist.json")),
            include_str!(concat!("../../../locales/", $lang, "/checklist_ui.json")),
            include_str!(concat!("../../../locales/", $lang, "/drill_notice.json")),
            include_str!(concat!("../../../locales/", $lang, "/feed.json")),
            include_str!(concat!("../../../locales/", $lang, "/support.json")),
            include_str!(concat!("../../../locales/", $lang, "/tripwire.json")),
        ])
    };
}

static CATALOGS: LazyLock<[Catalog; 4]> = LazyLock::new(|| {
    [
        catalog!("en"),
        catalog!("zh-HK"),
        catalog!("zh-CN"),
        catalog!("ar"),
    ]
});

fn catalog(lang: Language) -> &'static Catalog {
    let i = match lang {
        Language::En => 0,
        Language::ZhHk => 1,
        Language::ZhCn => 2,
        Language::Ar => 3,
    };
    &CATALOGS[i]
}

/// Whether `lang` has its own text for `key` (no fallback).
#[must_use]
pub fn has(lang: Language, key: &str) -> bool {
    catalog(lang).contains_key(key)
}

/// The text for `key` in `lang`, else in English, else the key itself.
#[must_use]
pub fn text(lang: Language, key: &str) -> String {
    catalog(lang)
        .get(key)
        .or_else(|| catalog(Language::En).get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// [`text`] with `{name}` placeholders replaced.
#[must_use]
pub fn text_with(lang: Language, key: &str, params: &[(&str, &str)]) -> String {
    let mut s = text(lang, key);
    for (name, value) in params {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_english_key() {
        for lang in Language::ALL {
            for key in catalog(Language::En).keys() {
                assert!(has(lang, key), "{key} missing in {lang}");
            }
        }
    }

    #[test]
    fn no_record_never_reads_as_safe() {
        assert_eq!(
            text(Language::En, "verdict.no_record"),
            "No record — not a guarantee of safety"
        );
        for lang in Language::ALL {
            assert_ne!(text(lang, "verdict.no_record"), "verdict.no_record");
        }
    }

    #[test]
    fn unknown_keys_fall_back_to_the_key_and_fill_placeholders() {
        assert_eq!(
            text_with(Language::Ar, "no.such.{n}", &[("n", "3")]),
            "no.such.3"
        );
    }
}
