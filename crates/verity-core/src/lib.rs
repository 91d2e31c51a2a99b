//! Verity's domain, pure.
//!
//! Everything here is deterministic: no SQL, no HTTP, no Tauri, no file system, no clock and no
//! randomness. Time comes in as [`clock::Timestamp`] values from the caller. The core returns
//! codes; the front ends (the app's UI, `verityctl`) turn codes into words.

pub mod audit;
pub mod blocklist;
pub mod check;
pub mod checklist;
pub mod clock;
pub mod codes;
pub mod entry_csv;
pub mod feed_config;
pub mod feed_schedule;
pub mod history;
pub mod link;
pub mod list_sum;
pub mod lookalike;
pub mod message;
pub mod official;
pub mod phone;
pub mod plural;
pub mod report;
pub mod settings;
pub mod text;
pub mod verdict;

pub use clock::Timestamp;
pub use settings::{Language, Settings, SettingsError};
