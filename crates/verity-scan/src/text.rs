//! Plain text and pasted group messages: every line with a number or link is an entry, read
//! with `message::extract`. A line's claim is read from the line and the line before it in the
//! same paragraph ("DingTalk Customer Service" on one line, "Hotline: 3001 2345" on the next),
//! and needs a support word beside the platform's name: colleagues mention DingTalk all day.
//! One line of context, not more: in a chat, the line before is usually the same thread, two
//! lines up often is not.

use verity_check::message;
use verity_core::phone::Region;

use super::{check_entry_cap, excerpt, ClaimMode, Location, RawEntry, ScanError};

/// How many lines before a number count as its context.
const CONTEXT_LINES: usize = 1;

/// Reads text into entries.
///
/// # Errors
/// [`ScanError::TooManyEntries`].
pub(crate) fn parse(text: &str, region: Region, out: &mut Vec<RawEntry>) -> Result<(), ScanError> {
    let mut offset = 0usize;
    let mut recent: Vec<&str> = Vec::new();
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            recent.clear();
            continue;
        }
        let found = message::extract(line, region);
        if !found.phones.is_empty() || !found.links.is_empty() {
            check_entry_cap(out.len())?;
            let location = Location::Line {
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            };
            let mut e = RawEntry::new(location.clone(), ClaimMode::Message);
            e.name = Some(excerpt(line));
            e.note = Some(line.to_owned());
            if !recent.is_empty() {
                e.context = Some(recent.join("\n"));
            }
            for p in &found.phones {
                e.push_number(&p.text, None, location.clone());
            }
            for l in &found.links {
                e.push_link(&l.text, location.clone());
            }
            e.span = Some(start..offset);
            out.push(e);
        }
        recent.push(line);
        if recent.len() > CONTEXT_LINES {
            recent.remove(0);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_with_numbers_are_entries() {
        let text = "[10:02] Ann: DingTalk Customer Service\n[10:02] Ann: Hotline 3001 2345\n\nlunch?\nsee https://evil.example.net/x\n";
        let mut out = Vec::new();
        parse(text, Region::HK, &mut out).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].location, Location::Line { line: 2 });
        assert_eq!(
            out[0].context.as_deref(),
            Some("[10:02] Ann: DingTalk Customer Service")
        );
        assert_eq!(out[0].numbers[0].text, "3001 2345");
        assert_eq!(out[1].location, Location::Line { line: 5 });
        assert_eq!(out[1].context.as_deref(), Some("lunch?"));
        assert_eq!(out[1].links.len(), 1);
    }
}
