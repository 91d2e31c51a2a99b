//! Message text: pull every phone number and link out of a pasted SMS or chat message, and
//! recognise the scam scripts of fake customer service.
//!
//! Extraction is conservative. Links: `http(s)://…` (Unicode hosts allowed), `www.…`, and bare
//! `name.tld` forms whose suffix is on the public suffix list; e-mail addresses are skipped.
//! Numbers: runs of digits (ASCII, full-width, Arabic-Indic) with separators, an optional
//! leading `+` or `tel:`, of 8 to 17 digits, that the strict phone normaliser accepts (or that
//! are written internationally, so the user sees them as invalid). Dates (`2025-03-01`),
//! amounts (`HK$12345678`, `12345678.00`, `12345678元`), numbers glued to letters (order ids),
//! and numbers right after "code", "OTP", "order", "account"… in any of the four languages are
//! not taken; a 6-digit one-time code is always too short to be a number.
//!
//! Scripts are recognised by co-occurring cues, never by one word:
//! - code or remote access: a remote-access tool with an install/request/"engineer" cue, a
//!   screen-share request from a self-declared support agent, or a verification-code noun with
//!   a request verb. Negated requests ("do not share this code", 請勿告訴任何人,
//!   لا تشارك الرمز) are blanked out first, so an ordinary one-time-code SMS raises nothing;
//! - paid upgrade: a money cue with an upgrade cue, or with a payment channel (FPS/轉數快,
//!   bank account) under urgency or a support/brand claim; receipts ("payment received") are
//!   not requests;
//! - freeze threat: a freeze/suspension cue about an account, with urgency;
//! - a number presented as platform support: the platform's name, a support/hotline cue and a
//!   phone number in the same message.

mod cues;
mod extract;
mod scripts;
#[cfg(test)]
mod tests;

pub use cues::{normalize_cue_text, support_cue, CueSet, NameSet};
pub use extract::extract;
pub use scripts::detect_scripts;

/// `normalized` text ([`normalize_cue_text`]) with its negated requests blanked out ("do not
/// share", 請勿告訴, لا تشارك), as the request rules read it (the support session's guard rails
/// read it the same way).
#[must_use]
pub fn blank_negated_requests(normalized: &str) -> String {
    scripts::blank_negations(normalized)
}

use crate::verdict::ReasonCode;

/// The longest message read, in bytes.
pub const MAX_TEXT_BYTES: usize = 32 * 1024;

/// A piece of the message: its text and byte range in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The text as written.
    pub text: String,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end (exclusive).
    pub end: usize,
}

/// Numbers and links found in a message, in order of appearance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extracted {
    /// Phone numbers.
    pub phones: Vec<Found>,
    /// Links.
    pub links: Vec<Found>,
}

/// A scam script recognised in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptHit {
    /// `script_code_or_remote_access`, `script_paid_upgrade`, `script_freeze_threat` or
    /// `presented_as_platform_support`.
    pub code: ReasonCode,
    /// The cues that fired, as written in the cue tables.
    pub cues: Vec<&'static str>,
    /// A remote-access tool or screen sharing was named.
    pub remote_access: bool,
}
