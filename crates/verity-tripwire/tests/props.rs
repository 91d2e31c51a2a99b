//! Any text and any bytes: the detectors answer, never panic, and keep their promises.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use verity_tripwire::otp::{one_time_code, CodeKind};
use verity_tripwire::remote::ToolTable;

proptest! {
    #[test]
    fn any_text_gets_an_answer(text in "\\PC{0,300}") {
        let _ = one_time_code(&text);
    }

    /// A code standing alone after a keyword is found, whatever surrounds the sentence.
    #[test]
    fn a_keyword_and_a_code_are_found(
        before in "[a-z ]{0,40}",
        code in 100_000u32..1_000_000,
        after in "[a-z ]{0,40}",
    ) {
        let text = format!("{before} verification code {code} {after}");
        prop_assert_eq!(one_time_code(&text), Some(CodeKind::Message));
    }

    /// Amounts are never codes, with or without a keyword beside them.
    #[test]
    fn amounts_are_not_codes(whole in 1_000u32..10_000_000, cents in 0u32..100) {
        let amount = format!("HK${whole}.{cents:02}");
        prop_assert_eq!(one_time_code(&amount), None);
    }

    #[test]
    fn any_bytes_as_a_tool_table_are_refused_or_read(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = ToolTable::parse(&bytes);
    }

    #[test]
    fn any_process_or_file_name_gets_an_answer(name in "\\PC{0,80}", path in "\\PC{0,120}") {
        let t = ToolTable::builtin();
        let _ = t.process(&name, Some(&path));
        let _ = t.installer(&name);
    }
}
