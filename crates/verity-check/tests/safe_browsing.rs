//! Links the user says are links are read exactly as Safe Browsing (Update API v4, "URLs and
//! hashing", canonicalisation) reads them: every example of the specification, through the
//! whole check. Auto-detection stays stricter (see `check::check_url`).

#![allow(clippy::unwrap_used)] // tests fail loudly

use verity_check::check::{check, detect_kind, CheckContext, CheckOutcome};
use verity_check::lookup::BlocklistIndex;
use verity_check::official::OfficialDirectory;
use verity_check::verdict::{CheckKind, Verdict};
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::clock::Timestamp;
use verity_core::link::canonicalize;
use verity_core::phone::Region;

/// The specification's canonicalisation examples, as published. Rust strings are UTF-8, so
/// the spec's raw byte `\x80` is written as the character U+0080 and escapes as `%C2%80`.
const SPEC_EXAMPLES: &[(&str, &str)] = &[
    ("http://host/%25%32%35", "http://host/%25"),
    ("http://host/%25%32%35%25%32%35", "http://host/%25%25"),
    ("http://host/%2525252525252525", "http://host/%25"),
    ("http://host/asdf%25%32%35asd", "http://host/asdf%25asd"),
    ("http://host/%%%25%32%35asd%%", "http://host/%25%25%25asd%25%25"),
    ("http://www.google.com/", "http://www.google.com/"),
    (
        "http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
        "http://168.188.99.26/.secure/www.ebay.com/",
    ),
    (
        "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
        "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
    ),
    (
        "http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B",
        "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+",
    ),
    ("http://3279880203/blah", "http://195.127.0.11/blah"),
    ("http://www.google.com/blah/..", "http://www.google.com/"),
    ("www.google.com/", "http://www.google.com/"),
    ("www.google.com", "http://www.google.com/"),
    ("http://www.evil.com/blah#frag", "http://www.evil.com/blah"),
    ("http://www.GOOgle.com/", "http://www.google.com/"),
    ("http://www.google.com.../", "http://www.google.com/"),
    ("http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2"),
    ("http://www.google.com/q?", "http://www.google.com/q?"),
    ("http://www.google.com/q?r?", "http://www.google.com/q?r?"),
    ("http://www.google.com/q?r?s", "http://www.google.com/q?r?s"),
    ("http://evil.com/foo#bar#baz", "http://evil.com/foo"),
    ("http://evil.com/foo;", "http://evil.com/foo;"),
    ("http://evil.com/foo?bar;", "http://evil.com/foo?bar;"),
    ("http://\x01\u{80}.com/", "http://%01%C2%80.com/"),
    ("http://notrailingslash.com", "http://notrailingslash.com/"),
    ("http://www.gotaport.com:1234/", "http://www.gotaport.com/"),
    ("  http://www.google.com/  ", "http://www.google.com/"),
    ("http:// leadingspace.com/", "http://%20leadingspace.com/"),
    ("http://%20leadingspace.com/", "http://%20leadingspace.com/"),
    ("%20leadingspace.com/", "http://%20leadingspace.com/"),
    ("https://www.securesite.com/", "https://www.securesite.com/"),
    ("http://host.com/ab%23cd", "http://host.com/ab%23cd"),
    (
        "http://host.com//twoslashes?more//slashes",
        "http://host.com/twoslashes?more//slashes",
    ),
];

fn index() -> BlocklistIndex {
    let e = |kind, raw: &str| {
        BlocklistEntry::new(
            kind,
            raw,
            Category::Phishing,
            None,
            None,
            Timestamp(1_750_000_000),
            Region::HK,
        )
        .unwrap()
    };
    BlocklistIndex::build(vec![
        e(EntryKind::Url, "http://168.188.99.26/.secure/"),
        e(EntryKind::Domain, "evil.com"),
    ])
}

fn run(input: &str, kind: Option<CheckKind>) -> CheckOutcome {
    let idx = index();
    let official = OfficialDirectory::dingtalk_default();
    let ctx = CheckContext {
        index: &idx,
        official: &official,
        default_region: Region::HK,
    };
    check(input, kind, &ctx).unwrap()
}

#[test]
fn every_spec_example_canonicalises_as_published() {
    for (input, want) in SPEC_EXAMPLES {
        let got = canonicalize(input).map(|c| c.canonical);
        assert_eq!(got.as_deref(), Ok(*want), "input {input:?}");
    }
}

#[test]
fn every_spec_example_is_checked_as_a_link_when_the_user_says_it_is_one() {
    for (input, want) in SPEC_EXAMPLES {
        let o = run(input, Some(CheckKind::Url));
        assert_eq!(o.kind, CheckKind::Url);
        assert_ne!(o.verdict, Verdict::Invalid, "{input:?}: {:?}", o.reasons);
        assert_eq!(o.normalized.as_deref(), Some(*want), "input {input:?}");
    }
}

#[test]
fn escaped_and_single_label_hosts_are_looked_up_on_the_list() {
    let o = run(SPEC_EXAMPLES[6].0, Some(CheckKind::Url));
    assert_eq!(o.verdict, Verdict::Scam, "{:?}", o.reasons);
    assert_eq!(o.matches[0].value, "168.188.99.26/.secure/");
    let o = run("http://%65%76%69%6c.com/x", Some(CheckKind::Url));
    assert_eq!(o.normalized.as_deref(), Some("http://evil.com/x"));
    assert_eq!(o.verdict, Verdict::Scam);
    for input in [
        "http://intranet/wiki",
        "http://HR-Portal:8080/a/../b",
        "wiki",
    ] {
        let o = run(input, Some(CheckKind::Url));
        assert_eq!(o.verdict, Verdict::NoRecord, "{input}: {:?}", o.reasons);
    }
    // A login page over plain http is still called out, on an intranet name too.
    let o = run("http://intranet/login", Some(CheckKind::Url));
    assert_eq!(o.verdict, Verdict::Suspicious);
    assert_eq!(
        run("http://HR-Portal:8080/a/../b", Some(CheckKind::Url))
            .normalized
            .as_deref(),
        Some("http://hr-portal/b")
    );
}

#[test]
fn what_no_canonicalisation_reads_stays_refused() {
    for input in [
        "",
        "http:///x",
        "http://a%2Fb.com/",
        "http://x.com:port/",
        "mailto:a@b.com",
    ] {
        let o = run(input, Some(CheckKind::Url));
        assert_eq!(o.verdict, Verdict::Invalid, "{input:?}");
    }
}

#[test]
fn auto_detection_stays_as_strict_as_before() {
    // Words are not links; a single-label or escaped host is not detected as one.
    for input in ["hello", "intranet", "file.txt"] {
        assert_eq!(detect_kind(input), CheckKind::Text, "{input}");
    }
    for input in ["http://intranet/login", "http://host%23.com/x"] {
        let o = run(input, None);
        assert_eq!(o.verdict, Verdict::Invalid, "{input}");
    }
    // In a message, a link with such a host stays unreadable, as before.
    let o = run("read http://intranet/login and wiki/page", None);
    assert_eq!(o.items.len(), 1, "{:?}", o.items);
    assert_eq!(o.items[0].verdict, Verdict::Invalid);
}
