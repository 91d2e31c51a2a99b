//! Names people read (an employee's, an agent's, a team's, the organisation's): printable text
//! only. Besides control characters (Cc), Unicode's format characters (General Category Cf) are
//! refused: the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) reorder what
//! is shown, so that "Alice <U+202E>ecivreS" reads as another name, and the zero-width ones
//! (U+200B–U+200D, U+2060, U+FEFF) make two names that look the same differ. Line and paragraph
//! separators (U+2028, U+2029) are refused too: a name is one line.

/// The format characters (General Category Cf, Unicode 15.1), as inclusive ranges.
const FORMAT: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// Whether `c` is a format character (General Category Cf).
#[must_use]
pub fn is_format_char(c: char) -> bool {
    let c = u32::from(c);
    FORMAT.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// Whether `c` may not appear in a name: a control (Cc), a format character (Cf), or a line or
/// paragraph separator.
#[must_use]
pub fn is_hidden_char(c: char) -> bool {
    c.is_control() || is_format_char(c) || c == '\u{2028}' || c == '\u{2029}'
}

/// Whether `s` is a name people may be shown: 1 to `max_chars` characters, no leading or
/// trailing white space, none of [`is_hidden_char`].
#[must_use]
pub fn is_display_text(s: &str, max_chars: usize) -> bool {
    let n = s.chars().count();
    n > 0 && n <= max_chars && s.trim() == s && !s.chars().any(is_hidden_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_zero_width_and_other_format_characters_are_hidden() {
        for c in [
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{061C}',
            '\u{E0041}',
            '\u{0000}',
            '\u{001B}',
            '\u{007F}',
            '\u{0085}',
            '\u{2028}',
            '\u{2029}',
        ] {
            assert!(is_hidden_char(c), "U+{:04X}", u32::from(c));
            assert!(
                !is_display_text(&format!("Alice{c}Wong"), 80),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn names_in_every_script_pass() {
        for name in [
            "Alice Wong",
            "陳大文",
            "محمد علي",
            "Zoë O'Brien-Lévesque",
            "李小龍 (HK)",
        ] {
            assert!(is_display_text(name, 80), "{name}");
        }
        assert!(!is_display_text("", 80));
        assert!(!is_display_text(" Alice", 80));
        assert!(!is_display_text(&"a".repeat(81), 80));
        assert!(is_display_text(&"陳".repeat(80), 80));
    }
}
