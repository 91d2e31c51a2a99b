//! Every code the core returns is worded in every shipped language.

use std::collections::BTreeMap;

use verity_check::official::SupportStep;
use verity_check::verdict::{AdviceCode, CheckKind, ReasonCode, Verdict};
use verity_core::blocklist::{Category, EntryKind};
use verity_core::phone::PhoneClass;

const FILES: [(&str, &str); 4] = [
    ("en", include_str!("../../../locales/en/check.json")),
    ("zh-HK", include_str!("../../../locales/zh-HK/check.json")),
    ("zh-CN", include_str!("../../../locales/zh-CN/check.json")),
    ("ar", include_str!("../../../locales/ar/check.json")),
];

fn load(lang: &str, text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).unwrap_or_else(|e| unreachable!("{lang}/check.json: {e}"))
}

fn required_keys() -> Vec<String> {
    let mut keys = Vec::new();
    keys.extend(Verdict::ALL.iter().map(|v| format!("verdict.{v}")));
    keys.extend(CheckKind::ALL.iter().map(|v| format!("kind.{v}")));
    keys.extend(ReasonCode::ALL.iter().map(|v| format!("reason.{v}")));
    keys.extend(AdviceCode::ALL.iter().map(|v| format!("advice.{v}")));
    keys.extend(Category::ALL.iter().map(|v| format!("category.{v}")));
    keys.extend(EntryKind::ALL.iter().map(|v| format!("entry_kind.{v}")));
    keys.extend(
        PhoneClass::ALL
            .iter()
            .map(|v| format!("phone_class.{}", v.as_str())),
    );
    keys.extend(
        SupportStep::ALL
            .iter()
            .map(|v| format!("support_step.{}", v.as_str())),
    );
    keys
}

#[test]
fn every_code_has_a_non_empty_string_in_every_language() {
    let keys = required_keys();
    for (lang, text) in FILES {
        let map = load(lang, text);
        for k in &keys {
            let v = map.get(k).map(String::as_str).unwrap_or("");
            assert!(!v.trim().is_empty(), "{lang}/check.json lacks {k}");
        }
    }
}

#[test]
fn all_languages_have_the_same_keys_and_nothing_stale() {
    let keys: std::collections::BTreeSet<String> = required_keys().into_iter().collect();
    for (lang, text) in FILES {
        let map = load(lang, text);
        let have: std::collections::BTreeSet<String> = map.keys().cloned().collect();
        let stale: Vec<_> = have.difference(&keys).collect();
        assert!(
            stale.is_empty(),
            "{lang}/check.json has keys for no code: {stale:?}"
        );
    }
}

#[test]
fn no_record_never_reads_as_safe() {
    let expected = [
        ("en", "No record — not a guarantee of safety"),
        ("zh-HK", "沒有紀錄 — 不代表安全"),
        ("zh-CN", "无记录 — 不代表安全"),
        ("ar", "لا يوجد سجل — وهذا لا يضمن الأمان"),
    ];
    for ((lang, text), (lang2, want)) in FILES.iter().zip(expected) {
        assert_eq!(*lang, lang2);
        let map = load(lang, text);
        assert_eq!(
            map.get("verdict.no_record").map(String::as_str),
            Some(want),
            "{lang}"
        );
    }
}

#[test]
fn chinese_variants_use_their_own_scripts() {
    let hk = load("zh-HK", FILES[1].1);
    let cn = load("zh-CN", FILES[2].1);
    let joined_hk: String = hk.values().cloned().collect();
    let joined_cn: String = cn.values().cloned().collect();
    assert!(joined_hk.contains("釘釘") && !joined_hk.contains("钉钉"));
    assert!(joined_cn.contains("钉钉") && !joined_cn.contains("釘釘"));
    assert!(joined_hk.contains("熱線") || joined_hk.contains("客服"));
}
