//! The history of recent checks: what a check leaves behind on this computer, so that the user
//! can recognise it ("that number I checked yesterday") and check it again.
//!
//! Privacy first: the input as typed or pasted is never kept (a pasted message may hold a
//! one-time code, a name, an account number). A record keeps only what the check normalised: the
//! E.164 number, the canonical link without its query (queries carry tokens and codes), or for a
//! message the numbers and links found in it, at most [`MAX_ITEMS`]; plus the kind, where the
//! check came from, the verdict and when. An input that could not be read at all (`invalid`,
//! nothing normalised) leaves no record: there would be nothing to show but the raw text.
//!
//! A clipboard check of what may be a one-time code (4 to 8 digits, at most spaced or dashed:
//! `483920`, `4839 2017`) leaves no record either, unless the number is on the blocklist: an
//! 8-digit code reads as a valid Hong Kong number, and people copy codes from text messages far
//! more often than bare numbers they mean to check again. A check typed on the Check screen is
//! kept, since the user chose to check that number.

use serde::{Deserialize, Serialize};

use crate::check::CheckOutcome;
use crate::verdict::{CheckKind, Verdict};
use verity_core::clock::Timestamp;
use verity_core::code_enum;

/// The most items a message's record keeps (the count says how many there were).
pub const MAX_ITEMS: usize = 10;

code_enum! {
    /// Where a check was asked for.
    pub enum CheckSource {
        /// The Check screen.
        Screen => "screen",
        /// "Check clipboard", from the tray or the global shortcut.
        Clipboard => "clipboard",
    }
}

/// What a check leaves in the history (before the store gives it an id and a time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRecord {
    /// Where the check was asked for.
    pub source: CheckSource,
    /// What it was checked as.
    pub kind: CheckKind,
    /// The verdict.
    pub verdict: Verdict,
    /// The normalised items, in order of appearance, without repeats: one for a number or a
    /// link, those of a message (at most [`MAX_ITEMS`]).
    pub items: Vec<String>,
    /// How many distinct items there were (more than `items.len()` for a long message).
    pub item_count: u32,
}

impl HistoryRecord {
    /// The record for `outcome`, or `None` when nothing readable is left to keep.
    #[must_use]
    pub fn from_outcome(outcome: &CheckOutcome, source: CheckSource) -> Option<HistoryRecord> {
        if source == CheckSource::Clipboard
            && outcome.verdict != Verdict::Scam
            && may_be_one_time_code(&outcome.input)
        {
            return None;
        }
        let mut items: Vec<String> = Vec::new();
        let mut push = |o: &CheckOutcome| {
            if let Some(item) = o.normalized.as_deref().map(|n| kept_form(o.kind, n)) {
                if !items.contains(&item) {
                    items.push(item);
                }
            }
        };
        match outcome.kind {
            CheckKind::Phone | CheckKind::Url => push(outcome),
            CheckKind::Text => outcome.items.iter().for_each(&mut push),
        }
        if items.is_empty()
            && (outcome.kind != CheckKind::Text || outcome.verdict == Verdict::Invalid)
        {
            return None;
        }
        let item_count = u32::try_from(items.len()).unwrap_or(u32::MAX);
        items.truncate(MAX_ITEMS);
        Some(HistoryRecord {
            source,
            kind: outcome.kind,
            verdict: outcome.verdict,
            items,
            item_count,
        })
    }
}

/// Whether `input` may be a one-time code: 4 to 8 ASCII digits, with nothing else but single
/// spaces or dashes between them (`483920`, `4839 2017`, `483-920`).
#[must_use]
pub fn may_be_one_time_code(input: &str) -> bool {
    let s = input.trim();
    let mut digits = 0usize;
    let mut last_separator = true; // no separator first
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            last_separator = false;
        } else if (c == ' ' || c == '-') && !last_separator {
            last_separator = true;
        } else {
            return false;
        }
    }
    !last_separator && (4..=8).contains(&digits)
}

/// A link is kept without its query, and without path segments that may carry a code or a
/// token (four digits or more, or 24 characters or more: `/verify/483920`, `/reset/<token>`);
/// a number as its E.164.
fn kept_form(kind: CheckKind, normalized: &str) -> String {
    match kind {
        CheckKind::Url => {
            let link = normalized
                .split_once('?')
                .map_or(normalized, |(before, _)| before);
            let Some((scheme, rest)) = link.split_once("://") else {
                return link.to_owned();
            };
            let mut parts = rest.split('/');
            let host = parts.next().unwrap_or_default();
            let mut kept = format!("{scheme}://{host}");
            for segment in parts {
                kept.push('/');
                if secret_like(segment) {
                    kept.push('\u{2026}');
                } else {
                    kept.push_str(segment);
                }
            }
            kept
        }
        _ => normalized.to_owned(),
    }
}

/// Whether a path segment may be a one-time code or a token.
fn secret_like(segment: &str) -> bool {
    segment.chars().count() >= 24 || segment.bytes().filter(u8::is_ascii_digit).count() >= 4
}

/// A check in the history, as the store returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// Its row id.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub id: i64,
    /// When the check ran (Unix seconds).
    pub checked_at: Timestamp,
    /// Where it was asked for.
    pub source: CheckSource,
    /// What it was checked as.
    pub kind: CheckKind,
    /// The verdict then.
    pub verdict: Verdict,
    /// The normalised items (see [`HistoryRecord::items`]).
    pub items: Vec<String>,
    /// How many distinct items there were.
    pub item_count: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, CheckContext};
    use crate::lookup::BlocklistIndex;
    use crate::official::OfficialDirectory;
    use verity_core::phone::Region;

    fn outcome(input: &str, kind: Option<CheckKind>) -> CheckOutcome {
        let index = BlocklistIndex::build(Vec::new());
        let official = OfficialDirectory::dingtalk_default();
        let ctx = CheckContext {
            index: &index,
            official: &official,
            default_region: Region::HK,
        };
        check(input, kind, &ctx).unwrap()
    }

    fn record(input: &str, kind: Option<CheckKind>) -> Option<HistoryRecord> {
        HistoryRecord::from_outcome(&outcome(input, kind), CheckSource::Screen)
    }

    #[test]
    fn a_copied_one_time_code_is_not_kept_unless_listed() {
        for code in ["483920", "48392017", "4839 2017", "483-920", " 9123 4567\n"] {
            assert!(may_be_one_time_code(code), "{code:?}");
            let o = outcome(code, None);
            assert_eq!(
                HistoryRecord::from_outcome(&o, CheckSource::Clipboard),
                None,
                "{code:?}"
            );
        }
        // Typed on the Check screen, a number is kept.
        assert!(record("9123 4567", None).is_some());
        // Not a code: a + or brackets, too short or too long, letters, doubled separators.
        for other in [
            "+852 9123 4567",
            "(852) 9123 4567",
            "123",
            "123456789",
            "G-483920",
            "4839  2017",
            "-483920",
            "483920-",
        ] {
            assert!(!may_be_one_time_code(other), "{other:?}");
        }
        let o = outcome("+852 9123 4567", None);
        assert!(HistoryRecord::from_outcome(&o, CheckSource::Clipboard).is_some());
        // A listed number is kept even when it looks like a code.
        let mut listed = outcome("91234567", None);
        listed.verdict = Verdict::Scam;
        assert!(HistoryRecord::from_outcome(&listed, CheckSource::Clipboard).is_some());
    }

    #[test]
    fn a_number_keeps_its_e164_only() {
        let r = record("9123 4567", None).unwrap();
        assert_eq!(r.kind, CheckKind::Phone);
        assert_eq!(r.verdict, Verdict::NoRecord);
        assert_eq!(r.items, vec!["+85291234567"]);
        assert_eq!(r.item_count, 1);
    }

    #[test]
    fn a_link_keeps_no_query_and_no_user_info() {
        let r = record(
            "http://user:secret@dingtalk-hk.com/login?code=483920&t=abc",
            None,
        )
        .unwrap();
        assert_eq!(r.kind, CheckKind::Url);
        assert_eq!(r.verdict, Verdict::Suspicious);
        assert_eq!(r.items, vec!["http://dingtalk-hk.com/login"]);
    }

    #[test]
    fn a_link_keeps_no_code_or_token_in_its_path() {
        let r = record(
            "https://dingtalk-hk.com/verify/483920/step2/aGVsbG8td29ybGQtdG9rZW4tMTIz",
            None,
        )
        .unwrap();
        assert_eq!(
            r.items,
            vec!["https://dingtalk-hk.com/verify/\u{2026}/step2/\u{2026}"]
        );
        let r = record("https://example.com/help/2024-guide", None).unwrap();
        assert_eq!(
            r.items,
            vec!["https://example.com/help/\u{2026}"],
            "four digits"
        );
        let r = record("https://example.com/a/b/", None).unwrap();
        assert_eq!(r.items, vec!["https://example.com/a/b/"]);
    }

    #[test]
    fn a_message_keeps_its_items_never_its_text() {
        let text = "Your DingTalk code is 483920. Call 9123 4567 or open http://dingtalk-hk.com/login?x=1 \
                    then call 9123-4567 again";
        let o = outcome(text, None);
        let r = HistoryRecord::from_outcome(&o, CheckSource::Clipboard).unwrap();
        assert_eq!(r.kind, CheckKind::Text);
        assert_eq!(r.source, CheckSource::Clipboard);
        assert_eq!(
            r.items,
            vec!["+85291234567", "http://dingtalk-hk.com/login"],
            "in order, once each, links without query"
        );
        assert_eq!(r.item_count, 2);
        let kept = format!("{r:?}");
        for secret in ["483920", "Your", "code"] {
            assert!(!kept.contains(secret), "{secret} kept in {kept}");
        }
    }

    #[test]
    fn a_long_message_keeps_the_first_items_and_the_count() {
        let text: String = (0..15)
            .map(|i| format!("call 9123 45{i:02} now. "))
            .collect();
        let r = record(&text, Some(CheckKind::Text)).unwrap();
        assert_eq!(r.items.len(), MAX_ITEMS);
        assert_eq!(r.items[0], "+85291234500");
        assert_eq!(r.item_count, 15);
    }

    #[test]
    fn unreadable_input_leaves_no_record() {
        assert_eq!(record("1-800-FLOWERS", Some(CheckKind::Phone)), None);
        assert_eq!(record("not a link at all", Some(CheckKind::Url)), None);
        assert_eq!(record("   ", Some(CheckKind::Text)), None);
    }

    #[test]
    fn a_message_with_no_items_keeps_its_verdict() {
        let o = outcome(
            "釘釘客服：您的帳戶將於24小時內凍結，請立即處理",
            Some(CheckKind::Text),
        );
        assert_eq!(o.verdict, Verdict::Suspicious, "{o:?}");
        let r = HistoryRecord::from_outcome(&o, CheckSource::Screen).unwrap();
        assert!(r.items.is_empty());
        assert_eq!(r.item_count, 0);
        assert_eq!(r.verdict, Verdict::Suspicious);
    }

    #[test]
    fn sources_are_codes() {
        assert_eq!(CheckSource::Clipboard.as_str(), "clipboard");
        assert_eq!("screen".parse::<CheckSource>(), Ok(CheckSource::Screen));
        assert!("tray".parse::<CheckSource>().is_err());
    }
}
