//! Verity's checks, pure: a number, link or message in, a verdict made of codes out.
//!
//! [`check`] runs a check against a [`lookup::BlocklistLookup`] (the store's view, or an
//! in-memory [`lookup::BlocklistIndex`]) and the [`official::OfficialDirectory`], with the
//! rules of [`lookalike`] (look-alike domains) and [`message`] (extraction and scam scripts);
//! [`verdict`] holds the closed sets of codes it answers with; [`history`] is what a check
//! leaves in the history of recent checks. Deterministic, like `verity_core`: no I/O, no clock.

pub mod check;
pub mod history;
pub mod lookalike;
pub mod lookup;
pub mod message;
pub mod official;
pub mod verdict;
