//! Extraction: every phone number and link in a message, conservatively (see the module
//! documentation of [`crate::message`]).

use super::cues::{first_hit, normalize_for_cues, CUES};
use super::{Extracted, Found, MAX_TEXT_BYTES};
use verity_core::phone::{self, Region};

pub(super) fn overlaps(spans: &[(usize, usize)], s: usize, e: usize) -> bool {
    spans.iter().any(|&(a, b)| s < b && a < e)
}

pub(super) fn is_cjk_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '！'
            | '？'
            | '、'
            | '；'
            | '：'
            | '「'
            | '」'
            | '『'
            | '』'
            | '（'
            | '）'
            | '【'
            | '】'
            | '《'
            | '》'
            | '〈'
            | '〉'
            | '\u{3000}'
            | '…'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '،'
            | '؛'
            | '؟'
    )
}

/// Where a link starting at `from` ends. With `unicode_host`, non-ASCII characters are part of
/// the host (an IDN); otherwise, and always after the host, a non-ASCII character ends the link
/// (Chinese text is often glued to links).
pub(super) fn url_end(text: &str, from: usize, unicode_host: bool) -> usize {
    let mut in_host = true;
    let mut end = from;
    for (i, c) in text[from..].char_indices() {
        if c.is_whitespace() || is_cjk_punct(c) || matches!(c, '<' | '>' | '"' | '`' | '|') {
            break;
        }
        if c == '/' || c == '?' || c == '#' {
            in_host = false;
        }
        if !(c.is_ascii() || unicode_host && in_host) {
            break;
        }
        end = from + i + c.len_utf8();
    }
    trim_trailing_punct(text, from, end)
}

pub(super) fn trim_trailing_punct(text: &str, from: usize, mut end: usize) -> usize {
    while end > from {
        let Some(c) = text[from..end].chars().next_back() else {
            break;
        };
        let strip = match c {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | ']' | '}' => true,
            ')' => {
                let t = &text[from..end];
                t.matches(')').count() > t.matches('(').count()
            }
            _ => false,
        };
        if !strip {
            break;
        }
        end -= c.len_utf8();
    }
    end
}

pub(super) fn email_spans(text: &str) -> Vec<(usize, usize)> {
    let is_local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    let is_domain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-');
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_local(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let end = text[at + 1..]
            .char_indices()
            .take_while(|(_, c)| is_domain(*c))
            .last()
            .map_or(at + 1, |(i, c)| at + 1 + i + c.len_utf8());
        if start < at && text[at + 1..end].contains('.') {
            out.push((start, end));
        }
    }
    out
}

pub(super) fn bare_host_ok(host: &str) -> bool {
    let host = host.trim_end_matches(['.', '-']);
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.starts_with('-')) {
        return false;
    }
    let tld = labels.last().copied().unwrap_or("");
    if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let lower = host.to_ascii_lowercase();
    psl::suffix(lower.as_bytes()).is_some_and(|s| s.is_known())
        && psl::domain(lower.as_bytes()).is_some()
}

pub(super) fn extract_links(text: &str, taken: &mut Vec<(usize, usize)>) -> Vec<Found> {
    let lower = text.to_ascii_lowercase();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut push = |s: usize, e: usize, taken: &mut Vec<(usize, usize)>| {
        if e > s && !overlaps(taken, s, e) {
            taken.push((s, e));
            spans.push((s, e));
        }
    };
    for scheme in ["https://", "http://"] {
        for (i, _) in lower.match_indices(scheme) {
            let host_start = i + scheme.len();
            let unicode = text[host_start..]
                .chars()
                .next()
                .is_some_and(|c| !c.is_ascii());
            let e = url_end(text, host_start, unicode);
            if e > host_start {
                push(i, e, taken);
            }
        }
    }
    for (i, _) in lower.match_indices("www.") {
        let boundary = text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !is_host_char(c) && c != '/');
        if boundary {
            let e = url_end(text, i, false);
            if e > i + 4 {
                push(i, e, taken);
            }
        }
    }
    // Bare domains: runs of host characters at a boundary.
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let prev_ok = i == 0 || {
            let p = bytes[i - 1];
            !(p.is_ascii_alphanumeric()
                || matches!(p, b'.' | b'-' | b'@' | b'/' | b':' | b'_' | b'%'))
        };
        if !(c.is_ascii_alphanumeric() && prev_ok) || overlaps(taken, i, i + 1) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < bytes.len()
            && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'.' | b'-'))
        {
            j += 1;
        }
        let host_end = trim_trailing_punct(text, i, j);
        let host = text[i..host_end].trim_end_matches(['.', '-']);
        let next = bytes.get(j).copied();
        let has_alpha = host.bytes().any(|b| b.is_ascii_alphabetic());
        if has_alpha && next != Some(b'@') && bare_host_ok(host) {
            let end = if matches!(next, Some(b'/' | b':' | b'?')) && host_end == j {
                url_end(text, i, false)
            } else {
                i + host.len()
            };
            push(i, end, taken);
        }
        i = j.max(i + 1);
    }
    spans.sort_unstable();
    spans
        .into_iter()
        .map(|(s, e)| Found {
            text: text[s..e].to_owned(),
            start: s,
            end: e,
        })
        .collect()
}

pub(super) fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

/// The ASCII digit for a digit in any script the phone reader takes (ASCII, full-width,
/// Arabic-Indic).
pub(super) fn digit_value(c: char) -> Option<char> {
    phone::ascii_digit(c)
}

pub(super) fn is_phone_sep(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '.' | '(' | ')' | '\u{00A0}' | '\u{202F}' | '\u{2010}'
            ..='\u{2015}'
                | '\u{FF0D}'
                | '\u{FF0E}'
                | '\u{FF08}'
                | '\u{FF09}'
                | '\u{3000}'
                | '\u{200E}'
                | '\u{200F}'
    )
}

pub(super) fn is_plus(c: char) -> bool {
    c == '+' || c == '\u{FF0B}'
}

/// Whether an ASCII-fied candidate is shaped like a date: `2025-03-01`, `01.03.2025`, `1/3/25`.
pub(super) fn looks_like_date(candidate: &str) -> bool {
    let groups: Vec<&str> = candidate.split(['-', '.', '/']).map(str::trim).collect();
    if groups.len() != 3 || candidate.contains(' ') || groups.iter().any(|g| g.is_empty()) {
        return false;
    }
    if !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let l: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    matches!(
        l.as_slice(),
        [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4] | [1..=2, 1..=2, 2]
    )
}

/// The last digit of the run that starts at `chars[k]`: digits and separators (a `+` only
/// first), at most two separators in a row. `None` when the run holds no digit.
fn last_digit_of_run(chars: &[(usize, char)], k: usize) -> Option<usize> {
    let mut last_digit = None;
    let mut seps = 0;
    for (j, &(_, ch)) in chars.iter().enumerate().skip(k) {
        if digit_value(ch).is_some() {
            last_digit = Some(j);
            seps = 0;
        } else if is_phone_sep(ch)
            || (j == k && is_plus(ch))
            || (j == k + 1 && is_plus(ch) && chars[k].1 != '+')
        {
            seps += 1;
            if seps > 2 {
                break;
            }
        } else {
            break;
        }
    }
    last_digit
}

/// Whether the words around `text[start..end]` make it an amount (a currency before or after)
/// or a code, reference or account number (a cue before it), not a phone number.
fn amount_or_code(text: &str, start: usize, end: usize) -> bool {
    let cues = &*CUES;
    let before_norm = normalize_for_cues(&last_chars(&text[..start], 16));
    let before_trim = before_norm.trim_end_matches([' ', ':', '：', '-', '#', '(']);
    if cues
        .currency_before
        .iter()
        .any(|c| before_trim.ends_with(c.text.as_str()))
    {
        return true;
    }
    let after_norm = normalize_for_cues(&first_chars(&text[end..], 8));
    if cues
        .currency_after
        .iter()
        .any(|c| after_norm.trim_start().starts_with(c.text.as_str()))
    {
        return true;
    }
    first_hit(&before_norm, &cues.not_a_phone_before).is_some()
}

pub(super) fn extract_phones(text: &str, taken: &[(usize, usize)], region: Region) -> Vec<Found> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out: Vec<Found> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let (start_byte, c) = chars[k];
        let opens = digit_value(c).is_some()
            || (is_plus(c) || matches!(c, '(' | '\u{FF08}'))
                && chars
                    .get(k + 1)
                    .is_some_and(|&(_, n)| digit_value(n).is_some() || is_plus(n));
        let prev = k.checked_sub(1).map(|p| chars[p].1);
        let prev_ok = prev.is_none_or(|p| {
            !(p.is_ascii_alphanumeric()
                || digit_value(p).is_some()
                || matches!(p, '.' | '/' | ':' | '-' | '$' | ',' | '_' | '#' | '%' | '@'))
                || text[..start_byte].to_ascii_lowercase().ends_with("tel:")
        });
        if !opens || !prev_ok || overlaps(taken, start_byte, start_byte + c.len_utf8()) {
            k += 1;
            continue;
        }
        let Some(last) = last_digit_of_run(&chars, k) else {
            k += 1;
            continue;
        };
        let end_byte = chars[last].0 + chars[last].1.len_utf8();
        k = last + 1;
        let candidate = &text[start_byte..end_byte];
        let ascii: String = candidate
            .chars()
            .map(|c| digit_value(c).unwrap_or(c))
            .collect();
        let digits = ascii.bytes().filter(u8::is_ascii_digit).count();
        let explicit = ascii
            .trim_start_matches(['(', '\u{FF08}'])
            .starts_with(['+', '\u{FF0B}'])
            || ascii.starts_with("00")
            || text[..start_byte].to_ascii_lowercase().ends_with("tel:");
        if !(8..=17).contains(&digits) || overlaps(taken, start_byte, end_byte) {
            continue;
        }
        // Glued to letters or digits after (`12345678abc`), or a decimal/percent amount.
        let next = text[end_byte..].chars().next();
        if next.is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '%' | '_')) {
            continue;
        }
        if looks_like_date(&ascii) {
            continue;
        }
        let tail_decimal = ascii
            .rsplit_once('.')
            .is_some_and(|(_, d)| d.len() == 2 && !ascii.contains(' '));
        if tail_decimal {
            continue;
        }
        if amount_or_code(text, start_byte, end_byte) {
            continue;
        }
        let with_tel = if text[..start_byte].to_ascii_lowercase().ends_with("tel:") {
            &text[start_byte - 4..end_byte]
        } else {
            candidate
        };
        let key = match phone::normalize(with_tel, region) {
            Ok(n) => n.e164,
            Err(_) if explicit => ascii.chars().filter(char::is_ascii_digit).collect(),
            Err(_) => continue,
        };
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let s = end_byte - with_tel.len();
        out.push(Found {
            text: with_tel.to_owned(),
            start: s,
            end: end_byte,
        });
    }
    out
}

pub(super) fn last_chars(s: &str, n: usize) -> String {
    let v: Vec<char> = s.chars().rev().take(n).collect();
    v.into_iter().rev().collect()
}

pub(super) fn first_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Finds the phone numbers and links in a message (see the module documentation).
#[must_use]
pub fn extract(text: &str, default_region: Region) -> Extracted {
    let text = if text.len() > MAX_TEXT_BYTES {
        let mut cut = MAX_TEXT_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        &text[..cut]
    } else {
        text
    };
    let mut taken = email_spans(text);
    let links = extract_links(text, &mut taken);
    let mut phones = extract_phones(text, &taken, default_region);
    add_disguised(text, &taken, &mut phones, default_region);
    Extracted { phones, links }
}

/// Adds the numbers disguised with look-alike letters ([`phone::find_disguised`]) that stand
/// for a valid number, outside links, e-mails and the numbers already found, and not after an
/// amount or a code cue (`order`, `訂單`, …). A disguised number replaces the same number
/// written plainly elsewhere in the message: the item then says it was disguised.
fn add_disguised(text: &str, taken: &[(usize, usize)], phones: &mut Vec<Found>, region: Region) {
    let found = disguised_in(text, taken, phones, region);
    if found.is_empty() {
        return;
    }
    let revealed: Vec<&str> = found.iter().map(|(_, e164)| e164.as_str()).collect();
    phones.retain(|f| {
        phone::normalize(&f.text, region).map_or(true, |n| !revealed.contains(&n.e164.as_str()))
    });
    phones.extend(found.into_iter().map(|(f, _)| f));
    phones.sort_by_key(|f| f.start);
}

fn disguised_in(
    text: &str,
    taken: &[(usize, usize)],
    phones: &[Found],
    region: Region,
) -> Vec<(Found, String)> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for d in phone::find_disguised(text) {
        if overlaps(taken, d.start, d.end)
            || phones.iter().any(|f| d.start < f.end && f.start < d.end)
            || amount_or_code(text, d.start, d.end)
        {
            continue;
        }
        // The same reading as the check's: a valid number, or one written internationally.
        let key = match crate::check::disguised_number(&text[d.start..d.end], region) {
            Some((_, Ok(n))) => n.e164,
            Some((revealed, Err(_))) => revealed.chars().filter_map(phone::ascii_digit).collect(),
            None => continue,
        };
        if seen.contains(&key) {
            continue;
        }
        seen.push(key.clone());
        let f = Found {
            text: text[d.start..d.end].to_owned(),
            start: d.start,
            end: d.end,
        };
        out.push((f, key));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Scripts.
