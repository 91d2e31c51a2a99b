//! The app package's integration tests, in one binary (one link of the Tauri app instead of one
//! per file): a module per feature, all on the shared mock-runtime [`harness`].
//!
//! `cargo test -p verity --test app` runs them all; a module alone with a filter, e.g.
//! `cargo test -p verity --test app device::`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod harness;
mod replies;

mod bindings;
mod checklist;
mod device;
mod drill;
mod feed;
mod ipc;
mod it_report;
mod support;
mod tripwire;
