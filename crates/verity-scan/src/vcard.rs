//! vCard 2.1, 3.0 and 4.0 (RFC 2426, RFC 6350, and the 2.1 specification that Android and
//! Outlook still write).
//!
//! Read: folded lines (a line starting with a space or tab continues the one before),
//! quoted-printable values with soft line breaks (a trailing `=`) in the charset the property
//! names (`CHARSET=UTF-8`, `CHARSET=BIG5`, …), property groups (iOS `item1.TEL` with its
//! `item1.X-ABLabel`), `TYPE` parameters in every spelling (`TYPE=work,voice`, `TYPE=WORK;
//! TYPE=VOICE`, 2.1's bare `CELL`, Android's custom `X-…` labels), `tel:` URIs, text escapes.
//! Properties used: `FN`, `N`, `ORG`, `NOTE`, `CATEGORIES`, `NICKNAME`, `TEL`, `URL`,
//! `X-ABLabel`. Binary values (photos) are skipped without being kept.

use std::borrow::Cow;

use verity_core::phone::Region;

use super::decode::decode_charset;
use super::{check_entry_cap, ClaimMode, Location, RawEntry, ScanError, MAX_ITEMS_PER_ENTRY};

/// The longest logical line kept, in bytes; longer values (inline photos) are cut.
const MAX_LOGICAL_LINE: usize = 256 * 1024;

/// One unfolded property line: borrowed from the text unless it was folded.
#[derive(Debug)]
struct Logical<'a> {
    line: u32,
    start: usize,
    text: Cow<'a, str>,
}

/// Whether a logical line is quoted-printable: `QUOTED-PRINTABLE` before its first `:`. Decided
/// as the line grows, looking at each byte once (plus the marker's length of overlap), never by
/// re-reading the line from its start at every fold.
#[derive(Debug, Default)]
struct QpHead {
    /// The first `:` has been seen: `qp` is final.
    done: bool,
    qp: bool,
    /// Bytes of the line already looked at.
    scanned: usize,
}

const QP_MARKER: &[u8] = b"QUOTED-PRINTABLE";

impl QpHead {
    fn is_qp(&mut self, text: &str) -> bool {
        if self.done {
            return self.qp;
        }
        let mut from = self.scanned.min(text.len()).saturating_sub(QP_MARKER.len());
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        let rest = &text[from..];
        let head = match rest.find(':') {
            Some(colon) => {
                self.done = true;
                &rest[..colon]
            }
            None => rest,
        };
        if head
            .as_bytes()
            .windows(QP_MARKER.len())
            .any(|w| w.eq_ignore_ascii_case(QP_MARKER))
        {
            self.qp = true;
        }
        self.scanned = text.len();
        self.qp
    }
}

/// The unfolded property lines of a text, one at a time: a line starting with a space or tab
/// continues the one before (folding), and so does any line after a quoted-printable line that
/// ends in `=` (a soft line break, vCard 2.1). Blank lines are skipped. Each physical line is
/// looked at once, so unfolding is linear in the text.
struct LogicalLines<'a> {
    text: &'a str,
    /// Where the next physical line starts, and its number (from 0).
    pos: usize,
    index: usize,
    cur: Option<(Logical<'a>, QpHead)>,
}

impl<'a> LogicalLines<'a> {
    fn new(text: &'a str) -> Self {
        LogicalLines {
            text,
            pos: 0,
            index: 0,
            cur: None,
        }
    }
}

impl<'a> Iterator for LogicalLines<'a> {
    type Item = Logical<'a>;

    fn next(&mut self) -> Option<Logical<'a>> {
        while self.pos < self.text.len() {
            let start = self.pos;
            let rest = &self.text[start..];
            let raw = rest.find('\n').map_or(rest, |i| &rest[..=i]);
            self.pos += raw.len();
            let i = self.index;
            self.index += 1;
            let content = raw.trim_end_matches(['\r', '\n']);
            if let Some((cur, head)) = self.cur.as_mut() {
                let room = cur.text.len() < MAX_LOGICAL_LINE;
                if cur.text.ends_with('=') && head.is_qp(&cur.text) {
                    // Quoted-printable soft line break (vCard 2.1): the value goes on.
                    let t = cur.text.to_mut();
                    t.pop();
                    if room {
                        t.push_str(content.trim_start());
                    }
                    continue;
                }
                if content.starts_with([' ', '\t']) {
                    if room {
                        cur.text.to_mut().push_str(&content[1..]);
                    }
                    continue;
                }
            }
            if content.trim().is_empty() {
                continue;
            }
            let next = Logical {
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                start,
                text: Cow::Borrowed(content),
            };
            if let Some((done, _)) = self.cur.replace((next, QpHead::default())) {
                return Some(done);
            }
        }
        self.cur.take().map(|(l, _)| l)
    }
}

/// A parsed property: group, upper-case name, parameters (upper-case key, value), raw value.
#[derive(Debug)]
struct Property<'a> {
    group: Option<String>,
    name: String,
    params: Vec<(String, String)>,
    value: &'a str,
}

impl Property<'_> {
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn has_flag(&self, flag: &str) -> bool {
        self.params
            .iter()
            .any(|(k, v)| v.eq_ignore_ascii_case(flag) && (k == "ENCODING" || k == "TYPE"))
    }

    /// The value decoded: quoted-printable in its charset, else as is.
    fn decoded(&self) -> String {
        if self.has_flag("QUOTED-PRINTABLE") {
            decode_charset(&quoted_printable(self.value), self.param("CHARSET"))
        } else {
            self.value.to_owned()
        }
    }

    fn is_binary(&self) -> bool {
        self.has_flag("B") || self.has_flag("BASE64")
    }

    /// The `TYPE` values and custom labels, minus the encoding markers.
    fn labels(&self) -> Vec<String> {
        self.params
            .iter()
            .filter(|(k, _)| k == "TYPE" || k == "LABEL" || k.starts_with("X-"))
            .map(|(k, v)| if v.is_empty() { k.as_str() } else { v.as_str() })
            .map(|v| {
                v.trim_start_matches("X-")
                    .trim_start_matches("x-")
                    .to_owned()
            })
            .filter(|v| {
                let u = v.to_ascii_uppercase();
                !v.is_empty() && u != "QUOTED-PRINTABLE" && u != "PREF"
            })
            .collect()
    }
}

/// Splits `s` on `sep` outside double quotes.
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0usize;
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_property(text: &str) -> Option<Property<'_>> {
    let mut quoted = false;
    let colon = text.char_indices().find_map(|(i, c)| {
        if c == '"' {
            quoted = !quoted;
        }
        (c == ':' && !quoted).then_some(i)
    })?;
    let (head, value) = (&text[..colon], &text[colon + 1..]);
    let mut parts = split_unquoted(head, ';').into_iter();
    let full = parts.next()?.trim();
    let (group, name) = match full.rsplit_once('.') {
        Some((g, n)) => (Some(g.to_ascii_uppercase()), n),
        None => (None, full),
    };
    let mut params = Vec::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        match p.split_once('=') {
            Some((k, v)) => {
                let k = k.trim().to_ascii_uppercase();
                for v in v.trim().trim_matches('"').split(',') {
                    params.push((k.clone(), v.trim().to_owned()));
                }
            }
            // vCard 2.1: `TEL;CELL;PREF:`; Android: `TEL;X-DingTalk support:`.
            None => {
                let u = p.to_ascii_uppercase();
                if u == "QUOTED-PRINTABLE" || u == "BASE64" || u == "8BIT" || u == "7BIT" {
                    params.push(("ENCODING".to_owned(), u));
                } else if u.starts_with("CHARSET") {
                    params.push(("CHARSET".to_owned(), String::new()));
                } else {
                    params.push(("TYPE".to_owned(), p.to_owned()));
                }
            }
        }
    }
    Some(Property {
        group,
        name: name.to_ascii_uppercase(),
        params,
        value,
    })
}

/// Decodes quoted-printable (`=E5=AE=A2`, soft breaks already joined).
fn quoted_printable(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            let hex = |c: u8| (c as char).to_digit(16);
            match (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                    i += 3;
                }
                _ => {
                    // A stray `=` (or a soft break at the very end): dropped.
                    i += 1;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Undoes vCard text escapes (`\n`, `\,`, `\;`, `\\`).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a structured value on unescaped `sep`, unescaping each part.
fn components(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            cur.push('\\');
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            out.push(unescape(&cur));
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    out.push(unescape(&cur));
    out
}

/// One card being read.
struct Card {
    entry: RawEntry,
    start: usize,
    fn_name: Option<String>,
    n_name: Option<String>,
    nickname: Option<String>,
    /// `(group, label)` from `X-ABLabel` lines, applied to the group's `TEL` at the end.
    group_labels: Vec<(String, String)>,
    /// `(group, index into entry.numbers)`.
    grouped_numbers: Vec<(String, usize)>,
}

/// Reads every card of `text`.
///
/// # Errors
/// [`ScanError::Malformed`] for a card inside a card, [`ScanError::Truncated`] for a file that
/// ends inside a card, [`ScanError::TooManyEntries`].
pub(crate) fn parse(text: &str, region: Region, out: &mut Vec<RawEntry>) -> Result<(), ScanError> {
    let mut card: Option<Card> = None;
    // A card whose END was read: its span runs to the next line's start.
    let mut ended: Option<Card> = None;
    for l in LogicalLines::new(text) {
        if let Some(c) = ended.take() {
            out.push(finish(c, l.start, region));
        }
        let Some(p) = parse_property(&l.text) else {
            continue;
        };
        let location = Location::Line { line: l.line };
        match p.name.as_str() {
            "BEGIN" if p.value.trim().eq_ignore_ascii_case("VCARD") => {
                if card.is_some() {
                    return Err(ScanError::Malformed {
                        line: l.line,
                        what: "a contact starts before the previous one ends (END:VCARD missing)"
                            .to_owned(),
                    });
                }
                check_entry_cap(out.len())?;
                card = Some(Card {
                    entry: RawEntry::new(location, ClaimMode::Contact),
                    start: l.start,
                    fn_name: None,
                    n_name: None,
                    nickname: None,
                    group_labels: Vec::new(),
                    grouped_numbers: Vec::new(),
                });
            }
            "END" if p.value.trim().eq_ignore_ascii_case("VCARD") => {
                let Some(c) = card.take() else {
                    return Err(ScanError::Malformed {
                        line: l.line,
                        what: "END:VCARD without BEGIN:VCARD".to_owned(),
                    });
                };
                ended = Some(c);
            }
            _ => {
                if let Some(c) = card.as_mut() {
                    property(c, &p, location);
                }
            }
        }
    }
    if let Some(c) = ended {
        out.push(finish(c, text.len(), region));
    }
    if let Some(c) = card {
        return Err(ScanError::Truncated(format!(
            "the contact that starts on line {} has no END:VCARD (was the export cut short?)",
            match c.entry.location {
                Location::Line { line } => line,
                Location::Row { row, .. } => row,
            }
        )));
    }
    Ok(())
}

fn property(c: &mut Card, p: &Property<'_>, location: Location) {
    if p.is_binary() {
        return;
    }
    let text = || p.decoded();
    match p.name.as_str() {
        "FN" => c.fn_name = Some(unescape(&text()).trim().to_owned()).filter(|s| !s.is_empty()),
        "N" => {
            let parts = components(&text(), ';');
            // Family; Given; Middle; Prefix; Suffix → "Prefix Given Middle Family Suffix".
            let order = [3usize, 1, 2, 0, 4];
            let name: Vec<String> = order
                .iter()
                .filter_map(|i| parts.get(*i))
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            if !name.is_empty() {
                c.n_name = Some(name.join(" "));
            }
        }
        "NICKNAME" => c.nickname = Some(unescape(&text())),
        "ORG" => {
            let org: Vec<String> = components(&text(), ';')
                .into_iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            if !org.is_empty() {
                c.entry.org = Some(org.join(" "));
            }
        }
        "NOTE" => {
            // Appended in place: a card of many NOTE lines stays linear.
            let note = unescape(&text());
            match c.entry.note.as_mut() {
                Some(prev) => {
                    prev.push('\n');
                    prev.push_str(&note);
                }
                None => c.entry.note = Some(note),
            }
        }
        "CATEGORIES" => {
            for label in components(&text(), ',') {
                c.entry.push_label(label.trim());
            }
        }
        "X-ABLABEL" => {
            let label = unescape(&text());
            let label = label
                .trim()
                .trim_start_matches("_$!<")
                .trim_end_matches(">!$_")
                .to_owned();
            if let Some(g) = &p.group {
                // The first label of a group counts; at most as many groups as numbers.
                if c.group_labels.len() < MAX_ITEMS_PER_ENTRY
                    && !c.group_labels.iter().any(|(x, _)| x == g)
                {
                    c.group_labels.push((g.clone(), label));
                }
            }
        }
        "TEL" => {
            let labels = p.labels();
            let label = (!labels.is_empty()).then(|| labels.join(" "));
            let before = c.entry.numbers.len();
            c.entry.push_number(&text(), label, location);
            if let (Some(g), true) = (&p.group, c.entry.numbers.len() > before) {
                c.grouped_numbers.push((g.clone(), before));
            }
        }
        "URL" => c.entry.push_link(&unescape(&text()), location),
        _ => {}
    }
}

fn finish(mut c: Card, end: usize, region: Region) -> RawEntry {
    for (group, idx) in &c.grouped_numbers {
        let label = c
            .group_labels
            .iter()
            .find(|(g, _)| g == group)
            .map(|(_, l)| l.clone());
        if let (Some(l), Some(n)) = (label, c.entry.numbers.get_mut(*idx)) {
            n.label = Some(match n.label.take() {
                Some(prev) => format!("{l} {prev}"),
                None => l,
            });
        }
    }
    let mut e = c.entry;
    e.name = c.fn_name.or(c.n_name).or(c.nickname);
    e.take_items_from_note(region);
    e.span = Some(c.start..end);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<RawEntry> {
        let mut out = Vec::new();
        parse(text, Region::HK, &mut out).unwrap();
        out
    }

    #[test]
    fn quoted_printable_soft_breaks_and_charset() {
        let v = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E9=87=98=E9=87=98=E5=AE=A2=\r\n=E6=9C=8D;;;;\r\nTEL;CELL;PREF:+852 3001 2345\r\nTEL;X-Office:2123 4567\r\nEND:VCARD\r\n";
        let e = read(v);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].name.as_deref(), Some("釘釘客服"));
        assert_eq!(e[0].numbers.len(), 2);
        assert_eq!(e[0].numbers[0].location, Location::Line { line: 5 });
        assert_eq!(e[0].numbers[0].label.as_deref(), Some("CELL"));
        assert_eq!(e[0].numbers[1].label.as_deref(), Some("Office"));
        assert_eq!(e[0].span, Some(0..v.len()));
    }

    #[test]
    fn folding_groups_and_v4() {
        let v = "BEGIN:VCARD\nVERSION:4.0\nFN:Ding\n Talk Help\nitem1.TEL;type=pref:+85230012345\nitem1.X-ABLabel:_$!<Other>!$_\nitem2.TEL:tel:+852-9123-4567;ext=1\nitem2.X-ABLabel:客服\nTEL;VALUE=uri;TYPE=\"voice,work\":tel:+852-2123-4567\nORG:Example\\, Ltd;Support\nNOTE:Line one\\nhotline 6123 4567\nURL:https://evil.example.net/pay\nEND:VCARD\n";
        let e = read(v);
        assert_eq!(e[0].name.as_deref(), Some("DingTalk Help"));
        assert_eq!(e[0].org.as_deref(), Some("Example, Ltd Support"));
        let nums: Vec<_> = e[0]
            .numbers
            .iter()
            .map(|n| (n.text.as_str(), n.label.as_deref()))
            .collect();
        assert_eq!(
            nums,
            vec![
                ("+85230012345", Some("Other")),
                ("tel:+852-9123-4567;ext=1", Some("客服")),
                ("tel:+852-2123-4567", Some("voice work")),
                ("6123 4567", None),
            ]
        );
        assert_eq!(e[0].links[0].text, "https://evil.example.net/pay");
    }

    #[test]
    fn broken_cards_are_named() {
        let mut out = Vec::new();
        let err = parse("BEGIN:VCARD\nFN:A\nTEL:1\n", Region::HK, &mut out).unwrap_err();
        assert!(matches!(err, ScanError::Truncated(_)), "{err}");
        let err = parse(
            "BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nEND:VCARD\n",
            Region::HK,
            &mut out,
        )
        .unwrap_err();
        assert!(matches!(err, ScanError::Malformed { line: 3, .. }), "{err}");
    }
}
