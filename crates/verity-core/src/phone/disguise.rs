//! Numbers disguised with letters: `6l45 8802`, `+852 5O88 l234`, written so that filters that
//! look for digits miss them. This module finds such runs and reveals the number they stand for;
//! the check then reads that number as usual and calls it suspicious.
//!
//! # Look-alikes
//! Only letters that pass for a digit at a glance, and that scammers use for it:
//! - `0`: Latin `O` `o`, full-width `Ｏ` `ｏ`, Greek `Ο` `ο`, Cyrillic `О` `о`, the ideographic
//!   zero `〇`;
//! - `1`: Latin `l` `I`, the bar `|`, full-width `ｌ` `Ｉ` `｜`, Greek `Ι`, Cyrillic `І` `Ӏ`,
//!   the Latin click `ǀ`, the Han stroke `丨`, the Arabic alef `ا` (drawn like `١`).
//!
//! `S`→5, `B`→8, `Z`→2, `g`→9 and the like are deliberately not read: they are the letters of
//! order and reference numbers (`SB12345678`), and read as digits they would turn those into
//! phone numbers. Full-width (`０`–`９`) and Arabic-Indic (`٠`–`٩`, `۰`–`۹`) digits are real
//! digits, read by the phone reader itself; they are never disguises.
//!
//! # The rule
//! A run of digits, look-alikes and separators (spaces, dashes, dots, brackets, slashes, with an
//! optional leading `+`) is cut into groups at the separators. A group with no real digit (a
//! word such as `I`, `lol`, `OIL`) or with as many look-alikes as digits (`1O`, `lO88`) is not
//! part of any number and cuts the run. What is left is a disguised number when:
//! 1. it holds 8 to 17 digit positions (real digits plus look-alikes): phone-number length;
//! 2. it has 1 to 3 look-alikes, and at most one position in three is a look-alike;
//! 3. every group has more real digits than look-alikes (so `5O88` and `l234` pass, `O8` not);
//! 4. it stands alone: no Latin, Greek, Cyrillic or Arabic letter, digit or `$ # % @ & _ = ~`
//!    glued to either end (Chinese text may touch it, as it touches numbers);
//! 5. it is not shaped like a date (`2O25-03-01`);
//! 6. it does not open with two or more look-alikes (`OOO12345678` is a reference code), and
//!    its real digits are of one script (ASCII, full-width or Arabic-Indic), and no `:` (a time)
//!    touches it.
//!
//! The check adds one more condition: the number it stands for must be a valid phone number
//! (`phone::normalize`). So "Hello", "OIL", "lol", dates, amounts and order numbers never
//! qualify: they fail 1, 3, 4 or 5, or reveal no valid number.

use super::normalize::{ascii_digit, is_plus, is_separator};

/// The fewest digit positions of a disguised number.
pub const MIN_POSITIONS: usize = 8;
/// The most digit positions (15 of E.164 and a `00` prefix).
pub const MAX_POSITIONS: usize = 17;
/// The most look-alikes in one number.
pub const MAX_SUBSTITUTIONS: usize = 3;

/// The digit a look-alike letter stands for (see the module documentation), or `None`.
#[must_use]
pub fn lookalike_digit(c: char) -> Option<char> {
    match c {
        'O' | 'o' | 'Ｏ' | 'ｏ' | 'Ο' | 'ο' | 'О' | 'о' | '〇' => Some('0'),
        'l' | 'I' | '|' | 'ｌ' | 'Ｉ' | '｜' | 'Ι' | 'І' | 'Ӏ' | 'ǀ' | '丨' | 'ا' => {
            Some('1')
        }
        _ => None,
    }
}

/// A number disguised with letters, found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disguised {
    /// Byte offset of its start in the text.
    pub start: usize,
    /// Byte offset of its end (exclusive).
    pub end: usize,
    /// The run as written, each look-alike replaced by its digit (separators and `+` kept),
    /// e.g. `6145 8802` for `6l45 8802`.
    pub revealed: String,
    /// How many look-alikes were replaced.
    pub substitutions: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Digit,
    Look,
    Sep,
    Plus,
    Other,
}

fn class(c: char) -> Class {
    if ascii_digit(c).is_some() {
        Class::Digit
    } else if lookalike_digit(c).is_some() {
        Class::Look
    } else if is_plus(c) {
        Class::Plus
    } else if is_separator(c) && c != '|' {
        Class::Sep
    } else {
        Class::Other
    }
}

/// The script of a real digit, as a bit: ASCII, full-width, Arabic-Indic, extended Arabic-Indic.
fn digit_script(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(1),
        '\u{FF10}'..='\u{FF19}' => Some(2),
        '\u{0660}'..='\u{0669}' => Some(4),
        '\u{06F0}'..='\u{06F9}' => Some(8),
        _ => None,
    }
}

/// Whether a character glued to a number makes it part of a word or a code.
fn glues(c: char) -> bool {
    let cjk = ('\u{2E80}'..='\u{9FFF}').contains(&c)
        || ('\u{F900}'..='\u{FAFF}').contains(&c)
        || ('\u{FF00}'..='\u{FFEF}').contains(&c) && !c.is_alphanumeric();
    if cjk {
        return false;
    }
    // `:` too: a time (`12:30`) glued to digits is not a phone number.
    c.is_alphanumeric()
        || matches!(
            c,
            '$' | '#' | '%' | '@' | '&' | '_' | '=' | '~' | '\\' | ':'
        )
}

/// A group: chars `[a, b)` of the char table, with its counts.
#[derive(Clone, Copy)]
struct Group {
    a: usize,
    b: usize,
    real: usize,
    look: usize,
    plus: bool,
}

/// Every disguised number in `text`, in order (see the module documentation for the rule; the
/// caller still checks that each reveals a valid number).
#[must_use]
pub fn find_disguised(text: &str) -> Vec<Disguised> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if class(chars[i].1) == Class::Other {
            i += 1;
            continue;
        }
        let seg_start = i;
        while i < chars.len() && class(chars[i].1) != Class::Other {
            i += 1;
        }
        scan_segment(text, &chars, seg_start, i, &mut out);
    }
    out
}

/// The groups of `chars[from..to]` (a run without `Other` characters) and their candidates.
fn scan_segment(
    text: &str,
    chars: &[(usize, char)],
    from: usize,
    to: usize,
    out: &mut Vec<Disguised>,
) {
    let mut groups: Vec<Group> = Vec::new();
    let mut k = from;
    while k < to {
        if class(chars[k].1) == Class::Sep {
            k += 1;
            continue;
        }
        let a = k;
        let mut g = Group {
            a,
            b: a,
            real: 0,
            look: 0,
            plus: false,
        };
        let mut broken = false;
        while k < to && class(chars[k].1) != Class::Sep {
            match class(chars[k].1) {
                Class::Digit => g.real += 1,
                Class::Look => g.look += 1,
                Class::Plus if k == a => g.plus = true,
                _ => broken = true,
            }
            k += 1;
        }
        g.b = k;
        if broken {
            g.real = 0; // a `+` inside a group: not part of a number
        }
        groups.push(g);
    }
    // Candidates: consecutive usable groups; a `+` only opens one.
    let usable = |g: &Group| g.real > g.look;
    let mut run: Vec<Group> = Vec::new();
    for g in groups {
        if !usable(&g) || (g.plus && !run.is_empty()) {
            consider(text, chars, &run, out);
            run.clear();
        }
        if usable(&g) {
            run.push(g);
        }
    }
    consider(text, chars, &run, out);
}

fn consider(text: &str, chars: &[(usize, char)], run: &[Group], out: &mut Vec<Disguised>) {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return;
    };
    let positions: usize = run.iter().map(|g| g.real + g.look).sum();
    let subs: usize = run.iter().map(|g| g.look).sum();
    if subs == 0
        || subs > MAX_SUBSTITUTIONS
        || subs * 3 > positions
        || !(MIN_POSITIONS..=MAX_POSITIONS).contains(&positions)
    {
        return;
    }
    // Two or more look-alikes opening the number are a letter prefix (`OO12345678`,
    // `OOO12345678`: an order or reference code), not digits in disguise.
    let opening = chars[first.a..last.b]
        .iter()
        .map(|&(_, c)| c)
        .skip_while(|c| is_plus(*c))
        .take_while(|c| lookalike_digit(*c).is_some())
        .count();
    if opening >= 2 {
        return;
    }
    // Real digits of two scripts (ASCII and Arabic-Indic, or full-width) in one run: words and
    // numbers glued together, not one number.
    let scripts = chars[first.a..last.b]
        .iter()
        .filter_map(|&(_, c)| digit_script(c))
        .fold(0u8, |seen, s| seen | s);
    if scripts.count_ones() > 1 {
        return;
    }
    let before = first.a.checked_sub(1).map(|p| chars[p].1);
    let after = chars.get(last.b).map(|&(_, c)| c);
    if before.is_some_and(glues) || after.is_some_and(glues) {
        return;
    }
    let start = chars[first.a].0;
    let end = chars.get(last.b).map_or(text.len(), |&(byte, _)| byte);
    let revealed: String = text[start..end]
        .chars()
        .map(|c| lookalike_digit(c).unwrap_or(c))
        .collect();
    if looks_like_date(&revealed) {
        return;
    }
    out.push(Disguised {
        start,
        end,
        revealed,
        substitutions: subs,
    });
}

/// `2025-03-01`, `01.03.2025`, `1/3/25` (after the look-alikes are revealed).
fn looks_like_date(s: &str) -> bool {
    let groups: Vec<&str> = s.split(['-', '.', '/']).collect();
    if groups.len() != 3
        || !groups
            .iter()
            .all(|g| !g.is_empty() && g.chars().all(|c| ascii_digit(c).is_some()))
    {
        return false;
    }
    let l: Vec<usize> = groups.iter().map(|g| g.chars().count()).collect();
    matches!(
        l.as_slice(),
        [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4] | [1..=2, 1..=2, 2]
    )
}

/// The disguised number that makes up the whole of `input` (blanks and separators around it
/// allowed), or `None`.
#[must_use]
pub fn reveal(input: &str) -> Option<Disguised> {
    let found = find_disguised(input);
    let [d] = found.as_slice() else {
        return None;
    };
    let only_seps = |s: &str| {
        s.chars()
            .all(|c| c.is_whitespace() || class(c) == Class::Sep)
    };
    if !(only_seps(&input[..d.start]) && only_seps(&input[d.end..])) {
        return None;
    }
    // The whole input, brackets included: `(852) 9l23 4567` reveals `(852) 9123 4567`.
    let trimmed = input.trim();
    let start = input.len() - input.trim_start().len();
    Some(Disguised {
        start,
        end: start + trimmed.len(),
        revealed: trimmed
            .chars()
            .map(|c| lookalike_digit(c).unwrap_or(c))
            .collect(),
        substitutions: d.substitutions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revealed(s: &str) -> Option<String> {
        reveal(s).map(|d| d.revealed)
    }

    #[test]
    fn disguised_numbers_are_revealed() {
        let cases = [
            ("6l45 8802", "6145 8802"),
            ("+852 5O88 l234", "+852 5088 1234"),
            ("9I23-4567", "9123-4567"),
            ("9|23 4567", "9123 4567"),
            ("6l458802", "61458802"),
            ("(852) 9l23 456o", "(852) 9123 4560"),
            // Full-width digits with full-width look-alikes.
            ("９ｌ２３ ４５６Ｏ", "９1２３ ４５６0"),
            ("＋８５２ ９１２３ ４５ｌ７", "＋８５２ ９１２３ ４５1７"),
            // Greek and Cyrillic capitals, the ideographic zero, the Han stroke.
            ("9Ο23 4567", "9023 4567"),
            ("9О23 4567", "9023 4567"),
            ("9〇23 4567", "9023 4567"),
            ("9丨23 4567", "9123 4567"),
            // Arabic-Indic digits with an alef for one.
            ("٩ا٢٣ ٤٥٦٧", "٩1٢٣ ٤٥٦٧"),
            ("00852 9l23 4567", "00852 9123 4567"),
        ];
        for (input, want) in cases {
            assert_eq!(revealed(input).as_deref(), Some(want), "{input:?}");
        }
        assert_eq!(reveal("+852 5O88 l234").unwrap().substitutions, 2);
    }

    #[test]
    fn ordinary_text_and_numbers_are_not_disguises() {
        let cases = [
            "Hello",
            "OIL",
            "lol",
            "I",
            "Illinois",
            "9123 4567",        // no look-alike: an ordinary number
            "٩١٢٣٤٥٦٧",         // real Arabic-Indic digits
            "９１２３４５６７", // real full-width digits
            "6l45 880",         // 7 positions: too short
            "9lO2 l456",        // group 9lO2: 2 look-alikes for 2 digits
            "lO12 3456",        // a third: 2 of 8 is fine, but lO12 has 2 vs 2
            "9l2l4l67",         // 3 of 8 is more than a third
            "OOO12345678",      // a letter prefix: a reference code
            "OO1234 5678",      // the same, spaced
            "12:302O٢٠٢٥",      // a time glued to digits of two scripts
            "2O25-03-01",       // a date
            "01.O3.2025",
            "1O/03/2025",
            "SO12345678", // an order number: glued to S
            "A1O234567",
            "No1O234567",
            "#1O234567",
            "HK$1O234567",
            "1O234567%",
            "1O234567abc",
            "+852 5O8l lO34", // lO34: 2 vs 2
            "12:3O",
            "lol 1234 5678", // the word is cut off; what is left has no look-alike
        ];
        for input in cases {
            assert_eq!(reveal(input), None, "{input:?}");
        }
    }

    #[test]
    fn found_inside_text() {
        let t = "Call DingTalk support on 6l45 8802 now. I said 9123 4567, lol.";
        let f = find_disguised(t);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(&t[f[0].start..f[0].end], "6l45 8802");
        let t = "請致電客服熱線6l45 8802查詢";
        let f = find_disguised(t);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].revealed, "6145 8802");
        let t = "I 9l23 4567";
        assert_eq!(find_disguised(t)[0].revealed, "9123 4567");
        assert!(reveal(t).is_none());
        let t = "اتصل على +852 5O88 l234 الآن";
        assert_eq!(find_disguised(t)[0].revealed, "+852 5088 1234");
        assert!(find_disguised("رقمي ٩١٢٣٤٥٦٧ وشكرا").is_empty());
        assert!(find_disguised("الرقم و9l23 4567").is_empty());
    }
}
