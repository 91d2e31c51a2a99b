//! The words the Rust side shows about the feed: the grouped alert for new threats, the summary
//! after the first sync, and the tray's freshness line and unread item. From `locales/*/feed.json`
//! through `verity_core::text`, pluralised with `verity_core::plural`.

use crate::host::Notice;
use crate::i18n::{text, text_with};
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::plural::text_count;
use verity_core::Language;
use verity_feed_policy::schedule::{coarse_age, Freshness};

/// How many new threats the alert's body names before "… and N more".
const NAMED: usize = 3;

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The title family for a group of new threats: numbers posing as platform support, numbers,
/// links, or both.
fn family(entries: &[BlocklistEntry]) -> &'static str {
    let phones = entries.iter().all(|e| e.kind == EntryKind::Phone);
    let links = entries.iter().all(|e| e.kind != EntryKind::Phone);
    if phones && entries.iter().all(|e| e.category == Category::FakeSupport) {
        "feed.alert.phones_support"
    } else if phones {
        "feed.alert.phones"
    } else if links {
        "feed.alert.links"
    } else {
        "feed.alert.mixed"
    }
}

/// The one grouped notification for the alert entries a sync brought ("3 new scam numbers
/// posing as platform support"), naming the first few.
#[must_use]
pub fn alert_notice(lang: Language, entries: &[BlocklistEntry]) -> Notice {
    let summary = text_count(lang, family(entries), count(entries.len()), &[]);
    let mut lines: Vec<String> = entries
        .iter()
        .take(NAMED)
        .map(|e| match &e.campaign {
            Some(c) => format!("{} ({c})", e.value),
            None => e.value.clone(),
        })
        .collect();
    if entries.len() > NAMED {
        lines.push(text_with(
            lang,
            "feed.alert.more",
            &[("count", &(entries.len() - NAMED).to_string())],
        ));
    }
    lines.push(text(lang, "feed.alert.open"));
    Notice {
        summary,
        body: lines.join("\n"),
    }
}

/// The single summary after the first sync of a newly configured feed.
#[must_use]
pub fn initial_notice(lang: Language, version: u64, entries: u64, alerts: usize) -> Notice {
    let v = version.to_string();
    let mut lines = vec![text_count(
        lang,
        "feed.alert.initial.body",
        entries,
        &[("version", &v)],
    )];
    if alerts > 0 {
        lines.push(text_count(
            lang,
            "feed.alert.initial.alerts",
            count(alerts),
            &[],
        ));
        lines.push(text(lang, "feed.alert.open"));
    }
    Notice {
        summary: text(lang, "feed.alert.initial.title"),
        body: lines.join("\n"),
    }
}

/// "12 minutes ago", coarse, for the tray.
#[must_use]
pub fn age(lang: Language, seconds: i64) -> String {
    let (unit, n) = coarse_age(seconds);
    text_count(lang, &format!("feed.age.{unit}"), n, &[])
}

/// The short freshness line for the tray ("List v12, updated 12 minutes ago").
#[must_use]
pub fn freshness_line(lang: Language, f: &Freshness) -> String {
    match f {
        Freshness::NotConfigured => text(lang, "feed.tray.not_configured"),
        Freshness::Pending => text(lang, "feed.tray.pending"),
        Freshness::Fresh {
            version, age: a, ..
        } => text_with(
            lang,
            "feed.tray.fresh",
            &[("version", &version.to_string()), ("age", &age(lang, *a))],
        ),
        Freshness::Failing {
            version: Some(v), ..
        } => text_with(
            lang,
            "feed.tray.failing.version",
            &[("version", &v.to_string())],
        ),
        Freshness::Failing { version: None, .. } => text(lang, "feed.tray.failing"),
        Freshness::Stale { version, .. } => text_with(
            lang,
            "feed.tray.stale",
            &[("version", &version.to_string())],
        ),
    }
}

/// The tray's Threats item: "3 new threats", or "Threats" when none is unread.
#[must_use]
pub fn threats_item(lang: Language, unread: u32) -> String {
    if unread == 0 {
        text(lang, "feed.tray.threats")
    } else {
        text_count(lang, "feed.tray.unread", u64::from(unread), &[])
    }
}

/// The tray tooltip: the app's name, the freshness line, and the unread count if any.
#[must_use]
pub fn tooltip(lang: Language, f: &Freshness, unread: u32) -> String {
    let mut lines = vec![text(lang, "tray.tooltip"), freshness_line(lang, f)];
    if unread > 0 {
        lines.push(threats_item(lang, unread));
    }
    lines.join("\n")
}

/// Keys the feed's Rust side uses (the counted families by their `.other` form).
pub const RUST_KEYS: &[&str] = &[
    "feed.alert.phones_support.other",
    "feed.alert.phones.other",
    "feed.alert.links.other",
    "feed.alert.mixed.other",
    "feed.alert.more",
    "feed.alert.open",
    "feed.alert.action",
    "feed.alert.initial.title",
    "feed.alert.initial.body.other",
    "feed.alert.initial.alerts.other",
    "feed.tray.threats",
    "feed.tray.unread.other",
    "feed.tray.fresh",
    "feed.tray.failing",
    "feed.tray.failing.version",
    "feed.tray.stale",
    "feed.tray.pending",
    "feed.tray.not_configured",
    "feed.age.minutes.other",
    "feed.age.hours.other",
    "feed.age.days.other",
];

/// The notification for a change of the feed's address or trusted root: who made it, what is in
/// force now, and (for a change made at this computer) that real support never asks for it.
#[must_use]
pub fn trust_notice(lang: Language, change: &verity_store::TrustChange) -> Notice {
    use verity_store::TrustChangeKind;
    let by_org = change.anchor.is_organisation();
    let summary = text(
        lang,
        match (change.kind, by_org) {
            (TrustChangeKind::FeedRoot, true) => "feed.trust.root.organisation",
            (TrustChangeKind::FeedRoot, false) => "feed.trust.root.manual",
            (TrustChangeKind::FeedUrl, true) => "feed.trust.url.organisation",
            (TrustChangeKind::FeedUrl, false) => "feed.trust.url.manual",
        },
    );
    let mut lines = Vec::new();
    match (change.kind, &change.url, &change.fingerprint) {
        (TrustChangeKind::FeedRoot, _, Some(fp)) => {
            lines.push(text_with(
                lang,
                "feed.trust.body.root",
                &[("fingerprint", fp)],
            ));
        }
        (TrustChangeKind::FeedUrl, Some(url), _) => {
            lines.push(text_with(lang, "feed.trust.body.url", &[("url", url)]));
        }
        (TrustChangeKind::FeedUrl, None, _) => lines.push(text(lang, "feed.trust.body.off")),
        (TrustChangeKind::FeedRoot, _, None) => {}
    }
    if !by_org {
        lines.push(text(lang, "feed.trust.warning"));
    }
    Notice {
        summary,
        body: lines.join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verity_core::Timestamp;

    fn phone(v: &str, category: Category) -> BlocklistEntry {
        BlocklistEntry {
            kind: EntryKind::Phone,
            value: v.into(),
            category,
            campaign: Some("ads-q4".into()),
            source: None,
            added: Timestamp(0),
        }
    }

    #[test]
    fn every_key_and_plural_form_exists_in_every_language() {
        for lang in Language::ALL {
            for key in RUST_KEYS {
                assert!(verity_core::text::has(lang, key), "{key} missing in {lang}");
                if let Some(base) = key.strip_suffix(".other") {
                    for cat in ["one", "two", "few", "many"] {
                        let k = format!("{base}.{cat}");
                        assert!(verity_core::text::has(lang, &k), "{k} missing in {lang}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_alert_is_grouped_pluralised_and_localised() {
        let three: Vec<_> = (1..=3)
            .map(|i| phone(&format!("+8523001000{i}"), Category::FakeSupport))
            .collect();
        let n = alert_notice(Language::En, &three);
        assert_eq!(n.summary, "3 new scam numbers posing as platform support");
        assert!(n.body.contains("+85230010001 (ads-q4)"), "{}", n.body);
        let one = alert_notice(Language::En, &three[..1]);
        assert_eq!(one.summary, "A new scam number posing as platform support");
        let ar = alert_notice(Language::Ar, &three);
        assert!(ar.summary.starts_with("3 أرقام"), "{}", ar.summary);
        let zh = alert_notice(Language::ZhHk, &three);
        assert!(zh.summary.contains('3'), "{}", zh.summary);

        let mut five = three.clone();
        five.push(phone("+85230010009", Category::Other));
        five.push(BlocklistEntry {
            kind: EntryKind::Domain,
            value: "dingtalk-help.example".into(),
            ..phone("", Category::Phishing)
        });
        let n = alert_notice(Language::En, &five);
        assert_eq!(n.summary, "5 new scam numbers and links");
        assert!(n.body.contains("… and 2 more"), "{}", n.body);
    }

    #[test]
    fn the_first_sync_is_one_summary() {
        let n = initial_notice(Language::En, 4, 120, 2);
        assert_eq!(
            n.summary,
            "Verity now receives your organisation's threat list"
        );
        assert!(n.body.contains("version 4") && n.body.contains("120 entries"));
        assert!(
            n.body.contains("2 current threats are flagged"),
            "{}",
            n.body
        );
    }

    #[test]
    fn tray_words() {
        let f = Freshness::Fresh {
            version: 12,
            updated: Timestamp(0),
            age: 12 * 60,
            expires: Timestamp(1),
        };
        assert_eq!(
            freshness_line(Language::En, &f),
            "List v12, updated 12 minutes ago"
        );
        assert_eq!(threats_item(Language::En, 0), "Threats");
        assert_eq!(threats_item(Language::En, 3), "3 new threats");
        assert_eq!(threats_item(Language::Ar, 2), "تهديدان جديدان");
        let t = tooltip(Language::En, &f, 3);
        assert!(t.ends_with("3 new threats"), "{t}");
        assert_eq!(age(Language::ZhCn, 3 * 3600), "3 小时前");
    }
}
