//! Every checklist and audit code is worded in every language, with the same placeholders, and
//! `checklist.json` defines no key another locale file defines. (The scanner's codes, worded in
//! `checklist.json` too, are checked by `verity-scan`'s `tests/locales.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::{BTreeMap, BTreeSet};

use verity_check::official::SupportStep;
use verity_checklist::audit::BreakKind;
use verity_checklist::checklist::{StepId, StepStatus};
use verity_core::text::text;
use verity_core::Language;

const FILES: [(&str, &str, &str, &str); 4] = [
    (
        "en",
        include_str!("../../../locales/en/checklist.json"),
        include_str!("../../../locales/en/app.json"),
        include_str!("../../../locales/en/check.json"),
    ),
    (
        "zh-HK",
        include_str!("../../../locales/zh-HK/checklist.json"),
        include_str!("../../../locales/zh-HK/app.json"),
        include_str!("../../../locales/zh-HK/check.json"),
    ),
    (
        "zh-CN",
        include_str!("../../../locales/zh-CN/checklist.json"),
        include_str!("../../../locales/zh-CN/app.json"),
        include_str!("../../../locales/zh-CN/check.json"),
    ),
    (
        "ar",
        include_str!("../../../locales/ar/checklist.json"),
        include_str!("../../../locales/ar/app.json"),
        include_str!("../../../locales/ar/check.json"),
    ),
];

fn load(text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).unwrap()
}

fn placeholders(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if let Some(j) = rest.find('}') {
            out.insert(rest[..j].to_owned());
            rest = &rest[j + 1..];
        }
    }
    out
}

fn required() -> Vec<String> {
    let mut k = Vec::new();
    for s in StepId::ALL {
        k.push(format!("checklist.step.{s}.title"));
        k.push(format!("checklist.step.{s}.summary"));
    }
    k.extend(
        StepStatus::ALL
            .iter()
            .map(|s| format!("checklist.status.{s}")),
    );
    k.extend(
        BreakKind::ALL
            .iter()
            .map(|b| format!("audit.break.{}", b.as_str())),
    );
    k.extend(
        SupportStep::ALL
            .iter()
            .map(|s| format!("announcement.path.{}", s.as_str())),
    );
    for code in [
        "already_in_progress",
        "already_done",
        "evidence_for_other_step",
        "invalid_evidence",
        "not_done",
        "not_recurring",
        "not_due_yet",
        "not_started",
    ] {
        k.push(format!("checklist.error.{code}"));
    }
    for code in [
        "no_files",
        "scan_counts",
        "in_future",
        "empty_owner",
        "bad_owner",
        "next_drill_not_in_future",
        "bad_interval",
        "no_questions",
        "score_above_total",
        "passed_mismatch",
    ] {
        k.push(format!("checklist.evidence_error.{code}"));
    }
    k
}

#[test]
fn every_code_is_worded_in_every_language() {
    let en = load(FILES[0].1);
    for (lang, file, app, check) in FILES {
        let map = load(file);
        for key in required() {
            let v = map.get(&key).map_or("", String::as_str);
            assert!(!v.trim().is_empty(), "{lang}/checklist.json lacks {key}");
        }
        let keys: BTreeSet<&String> = map.keys().collect();
        let en_keys: BTreeSet<&String> = en.keys().collect();
        assert_eq!(
            keys, en_keys,
            "{lang}/checklist.json has other keys than English"
        );
        for (k, v) in &map {
            assert_eq!(placeholders(v), placeholders(&en[k]), "{lang} {k}");
        }
        let others: BTreeSet<String> = load(app)
            .into_keys()
            .chain(load(check).into_keys())
            .collect();
        let clash: Vec<&String> = map.keys().filter(|k| others.contains(*k)).collect();
        assert!(
            clash.is_empty(),
            "{lang}: keys also defined elsewhere: {clash:?}"
        );
    }
}

#[test]
fn the_catalogue_includes_checklist_json() {
    for lang in Language::ALL {
        let t = text(lang, "checklist.status.due_again");
        assert_ne!(t, "checklist.status.due_again", "{lang}");
    }
}
