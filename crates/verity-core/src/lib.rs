//! Verity's shared domain types, pure.
//!
//! Everything here is deterministic: no SQL, no HTTP, no Tauri, no file system, no clock and no
//! randomness. Time comes in as [`clock::Timestamp`] values from the caller. The core returns
//! codes; the front ends (the app's UI, `verityctl`) turn codes into words. The jobs built on
//! these types have their own crates: the checks (`verity-check`), the checklist
//! (`verity-checklist`), the scanner (`verity-scan`).

pub mod blocklist;
pub mod clock;
pub mod codes;
pub mod entry_csv;
pub mod link;
pub mod list_sum;
pub mod phone;
pub mod plural;
pub mod settings;
pub mod text;

pub use clock::Timestamp;
pub use settings::{Language, Settings, SettingsError};
