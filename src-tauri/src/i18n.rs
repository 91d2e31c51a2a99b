//! The few strings the Rust side shows itself (tray menu, notifications), read from the same
//! locale files as the UI (`locales/<lang>/app.json`), embedded at build time.

use std::collections::HashMap;
use std::sync::LazyLock;
use verity_core::Language;

type Catalog = HashMap<String, String>;

fn parse(json: &str) -> Catalog {
    // The files are checked by tests; an unreadable file falls back to English keys.
    serde_json::from_str(json).unwrap_or_default()
}

static CATALOGS: LazyLock<[Catalog; 4]> = LazyLock::new(|| {
    [
        parse(include_str!("../../locales/en/app.json")),
        parse(include_str!("../../locales/zh-HK/app.json")),
        parse(include_str!("../../locales/zh-CN/app.json")),
        parse(include_str!("../../locales/ar/app.json")),
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

/// The string for `key` in `lang`, else in English, else the key itself.
pub fn text(lang: Language, key: &str) -> String {
    catalog(lang)
        .get(key)
        .or_else(|| catalog(Language::En).get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// `text` with `{name}` placeholders replaced.
pub fn text_with(lang: Language, key: &str, params: &[(&str, &str)]) -> String {
    let mut s = text(lang, key);
    for (name, value) in params {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// Keys the Rust side uses; a test checks each exists in every language.
pub const RUST_KEYS: &[&str] = &[
    "tray.open",
    "tray.quit",
    "tray.tooltip",
    "notification.test.title",
    "notification.test.body",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rust_key_exists_in_every_language() {
        for lang in Language::ALL {
            for key in RUST_KEYS {
                assert!(catalog(lang).contains_key(*key), "{key} missing in {lang}");
            }
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            text_with(Language::En, "no.such.key.{n}", &[("n", "3")]),
            "no.such.key.3"
        );
    }
}
