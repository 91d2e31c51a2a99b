//! Verity's use cases: the flows that more than one front end runs.
//!
//! The desktop app's commands (`src-tauri/src/commands`) and `verityctl` are adapters over this
//! crate: they parse their input (IPC arguments, command-line flags), call one function here, and
//! format the result (a typed IPC reply, text or JSON on stdout). A rule that both front ends
//! must apply — a size limit, a passphrase policy, what a sync records, how a report reaches the
//! disk — lives here once, so the two cannot drift apart.
//!
//! What is deliberately absent: words (the front ends word codes), the clock (time is passed in),
//! Tauri, command-line parsing, and desktop effects (notifications, the tray, dialogs).

pub mod check;
pub mod checklist;
pub mod device;
pub mod drill;
mod error;
pub mod feed;
pub mod files;
pub mod it_report;
pub mod provisioning;
pub mod report;
pub mod scan;
pub mod support;

pub use error::FlowError;
