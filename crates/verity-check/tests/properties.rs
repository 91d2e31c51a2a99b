//! Property tests: the normalisers are idempotent, and nothing panics on arbitrary input.

use proptest::prelude::*;

use verity_core::blocklist::{normalize_entry_value, EntryKind};

use verity_check::check::{check, detect_kind, CheckContext};
use verity_check::lookup::BlocklistIndex;
use verity_check::message::extract;
use verity_check::official::OfficialDirectory;
use verity_core::link::{canonicalize, lookup_expressions};
use verity_core::phone::{normalize, normalize_full, Region};

fn phone_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "(tel:)?[+＋]?(00)?(852)?[ ]?[0-9０-９٠-٩ ()\\-.]{0,20}",
        "[+]?[0-9]{1,18}",
        "[2-9][0-9]{3} [0-9]{4}",
    ]
}

fn url_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "(https?://)?[a-zA-Z0-9.%/_?#@:~\\-]{0,48}",
        "(https?://)?(www\\.)?[a-z]{1,10}(\\.[a-z]{2,4}){1,2}(/[a-zA-Z0-9%._]{0,8}){0,4}(\\?[a-z=&%]{0,10})?",
        "http://[0-9x.]{1,20}/",
        "(https?://)?[\\PC]{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    /// The Hong Kong fast path answers exactly as the full path (`phonenumber`) does: number,
    /// class, hints and errors, whatever the default region.
    #[test]
    fn phone_fast_path_equals_full_path(
        s in prop_oneof![
            phone_like(),
            "(\\+ ?852|00852|852)?[ -]?[0-9]{0,13}",
            "(\\+852 ?)?[2-9][0-9]{3}[ -]?[0-9]{4}",
            "(\\+852 ?)?(800|900)[0-9]{2,9}",
        ],
        region in prop_oneof![Just("HK"), Just("GB"), Just("CN"), Just("US")],
    ) {
        let region: Region = region
            .parse()
            .map_err(|e: verity_core::phone::UnknownRegion| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(normalize(&s, region), normalize_full(&s, region), "input {:?}", s);
    }

    #[test]
    fn phone_normalisation_is_idempotent(s in phone_like()) {
        if let Ok(n) = normalize(&s, Region::HK) {
            let again = normalize(&n.e164, Region::HK);
            prop_assert!(again.is_ok(), "{} -> {} -> {:?}", s, n.e164, again);
            if let Ok(again) = again {
                prop_assert_eq!(&again.e164, &n.e164);
                prop_assert_eq!(again.class, n.class);
            }
        }
    }

    #[test]
    fn canonicalisation_is_idempotent(s in url_like()) {
        if let Ok(c) = canonicalize(&s) {
            let again = canonicalize(&c.canonical);
            prop_assert!(again.is_ok(), "{:?} -> {} -> {:?}", s, c.canonical, again);
            if let Ok(again) = again {
                prop_assert_eq!(&again.canonical, &c.canonical);
                prop_assert_eq!(&again.host, &c.host);
                prop_assert_eq!(&again.registrable_domain, &c.registrable_domain);
                prop_assert_eq!(lookup_expressions(&again), lookup_expressions(&c));
            }
        }
    }

    #[test]
    fn entry_values_are_idempotent(s in prop_oneof![phone_like(), url_like()]) {
        for kind in [EntryKind::Phone, EntryKind::Domain, EntryKind::Url] {
            if let Ok(v) = normalize_entry_value(kind, &s, Region::HK) {
                prop_assert_eq!(normalize_entry_value(kind, &v, Region::HK), Ok(v.clone()));
            }
        }
    }

    #[test]
    fn nothing_panics_on_arbitrary_text(s in any::<String>()) {
        let _ = normalize(&s, Region::HK);
        let _ = canonicalize(&s);
        let _ = extract(&s, Region::HK);
        let _ = detect_kind(&s);
        let idx = BlocklistIndex::default();
        let official = OfficialDirectory::dingtalk_default();
        let ctx = CheckContext { index: &idx, official: &official, default_region: Region::HK };
        let o = check(&s, None, &ctx).unwrap();
        prop_assert!(!o.reasons.is_empty());
    }

    #[test]
    fn extracted_numbers_and_links_check_cleanly(s in "[a-zA-Z0-9 +:/.\\-@釘客服熱線]{0,80}") {
        let found = extract(&s, Region::HK);
        for f in found.phones.iter().chain(found.links.iter()) {
            prop_assert_eq!(&s[f.start..f.end], f.text.as_str());
        }
    }
}

/// Words of ordinary messages in the four languages, with the letters that look like digits
/// (`Hello`, `OIL`, `lol`, `I`, `ا`), and the numbers they carry: dates, times, amounts, order
/// numbers, codes, plain phone numbers.
const ORDINARY_WORDS: &[&str] = &[
    "Hello",
    "OIL",
    "lol",
    "I",
    "O",
    "Illinois",
    "pool",
    "look",
    "IO",
    "Io",
    "OOO",
    "lll",
    "No.",
    "Oil",
    "ill",
    "Il",
    "Ollie",
    "bOOk",
    "call",
    "me",
    "on",
    "at",
    "tomorrow",
    "Order",
    "ref",
    "2025-03-01",
    "12:30",
    "HK$1,500",
    "#A1234567",
    "SO12345678",
    "12345678",
    "9123 4567",
    "+852 2123 4567",
    "3.14",
    "100%",
    "v1.2.3",
    "2025",
    "10",
    "1",
    "0",
    "2O",
    "—",
    "(",
    ")",
    ".",
    "您好",
    "請",
    "致電",
    "訂單",
    "編號",
    "今天",
    "下午",
    "三點",
    "〇",
    "二〇二五年",
    "丨",
    "谢谢",
    "请",
    "联系",
    "客服",
    "电话",
    "明天",
    "مرحبا",
    "اتصل",
    "على",
    "الرقم",
    "ا",
    "الآن",
    "شكرا",
    "رمز",
    "٩١٢٣٤٥٦٧",
    "٢٠٢٥",
];

fn ordinary_sentence() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(ORDINARY_WORDS), 1..14),
        // Words are separated as people separate them: words glued with nothing between them
        // (`3.14〇2025`) are not ordinary text, and can spell a number.
        prop::sample::select(&[" ", ", ", " - ", "\u{3000}", "/"][..]),
    )
        .prop_map(|(words, sep)| words.join(sep))
}

fn says_disguised(o: &verity_check::check::CheckOutcome) -> bool {
    o.reasons
        .iter()
        .any(|r| r.code == verity_check::verdict::ReasonCode::DisguisedDigits)
        || o.items.iter().any(says_disguised)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1024),
        ..ProptestConfig::default()
    })]

    /// Ordinary text of the four languages never reads as a number disguised with letters.
    #[test]
    fn ordinary_text_is_never_a_disguised_number(s in ordinary_sentence()) {
        let idx = BlocklistIndex::default();
        let official = OfficialDirectory::dingtalk_default();
        let ctx = CheckContext { index: &idx, official: &official, default_region: Region::HK };
        let o = check(&s, None, &ctx).unwrap();
        prop_assert!(!says_disguised(&o), "{:?}: {:?}", s, o);
    }

    /// A number disguised with one or two look-alikes is found, amid ordinary words of the four
    /// languages, and reads as the number it stands for.
    #[test]
    fn disguised_numbers_are_found_in_messages(
        prefix in prop::collection::vec(prop::sample::select(NEUTRAL_WORDS), 0..5),
        suffix in prop::collection::vec(prop::sample::select(NEUTRAL_WORDS), 0..5),
        first in prop::sample::select(&['6', '9'][..]),
        rest in "[0-9]{7}",
        a in prop::option::of(1usize..4),
        b in prop::option::of(4usize..8),
        look in prop::sample::select(&['l', 'I', '|', 'O', 'o', 'ｌ', 'Ｏ', 'Ο', '〇'][..]),
    ) {
        prop_assume!(a.is_some() || b.is_some());
        let digit = verity_core::phone::lookalike_digit(look).unwrap_or('1');
        let mut plain: Vec<char> = std::iter::once(first).chain(rest.chars()).collect();
        let mut written = plain.clone();
        for i in [a, b].into_iter().flatten() {
            plain[i] = digit;
            written[i] = look;
        }
        let plain: String = plain.into_iter().collect();
        let number = normalize(&plain, Region::HK);
        prop_assume!(number.is_ok());
        let written: String = written.into_iter().collect();
        let disguised = format!("{} {}", &written[..written.char_indices().nth(4).map_or(0, |(i, _)| i)],
            &written[written.char_indices().nth(4).map_or(0, |(i, _)| i)..]);
        let text = format!("{} {} {}", prefix.join(" "), disguised, suffix.join(" "));
        let idx = BlocklistIndex::default();
        let official = OfficialDirectory::dingtalk_default();
        let ctx = CheckContext { index: &idx, official: &official, default_region: Region::HK };
        let o = check(&text, Some(verity_check::verdict::CheckKind::Text), &ctx).unwrap();
        let want = number.map(|n| n.e164).ok();
        prop_assert!(
            o.items.iter().any(|i| says_disguised(i) && i.normalized == want),
            "{:?}: {:?}", text, o
        );
    }
}

/// Words without digits nor code cues, for the text around a disguised number.
const NEUTRAL_WORDS: &[&str] = &[
    "Hello",
    "OIL",
    "lol",
    "I",
    "O",
    "Illinois",
    "call",
    "me",
    "tomorrow",
    "DingTalk",
    "hotline",
    "(",
    ")",
    "—",
    "您好",
    "請",
    "致電",
    "今天",
    "〇",
    "丨",
    "谢谢",
    "联系",
    "客服",
    "电话",
    "مرحبا",
    "اتصل",
    "على",
    "ا",
    "الآن",
    "شكرا",
];
