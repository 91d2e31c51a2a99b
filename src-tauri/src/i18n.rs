//! The few strings the Rust side shows itself (tray menu, notifications), from the same locale
//! files as the UI, through `verity_core::text`.

pub use verity_core::text::{text, text_with};

/// Keys the Rust side uses; a test checks each exists in every language.
pub const RUST_KEYS: &[&str] = &[
    "tray.open",
    "tray.checkClipboard",
    "notification.clipboard.title",
    "notification.clipboard.empty.title",
    "notification.clipboard.empty.body",
    "notification.clipboard.unavailable",
    "tray.quit",
    "tray.tooltip",
    "notification.test.title",
    "notification.test.body",
    "notification.checklist_due.title",
    "notification.checklist_due.body",
    "notification.checklist_due.action",
    "feed.alert.action",
    "cl.export.dialog.title",
    "cl.export.dialog.filter.html",
    "cl.export.dialog.filter.csv",
    "cl.export.dialog.filter.json",
    "notification.it_report.title",
    "notification.it_report.confirmed",
    "notification.it_report.confirmed_plain",
    "notification.it_report.rejected",
    "notification.it_report.rejected_plain",
    "notification.it_report.many",
    "notification.support.calling.title",
    "notification.support.calling.body",
    "notification.support.code_alert.title",
    "notification.support.code_alert.body",
    "tray.support.none",
    "tray.support.queued",
    "tray.support.chatting",
    "tray.support.calling",
    "tray.support.cannot_check",
    "notification.drill.action",
];

#[cfg(test)]
mod tests {
    use super::*;
    use verity_core::Language;

    #[test]
    fn every_rust_key_exists_in_every_language() {
        for lang in Language::ALL {
            for key in RUST_KEYS {
                assert!(verity_core::text::has(lang, key), "{key} missing in {lang}");
            }
        }
    }
}
