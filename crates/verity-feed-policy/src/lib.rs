//! The signed feed's rules, pure, shared by every crate on the feed's side: the store (which
//! keeps the feed's settings and trust log), the feed client, the flows and the app.
//!
//! - [`config`]: the feed URL, proxy, trusted root and provisioning file as users and
//!   administrators give them, parsed and capped.
//! - [`schedule`]: when the app syncs (start jitter, interval, back-off) and what it says about
//!   the list's freshness.
//!
//! Its own crate rather than a module of `verity-feed`: the store needs it, and `verity-feed`
//! depends on the store.

pub mod config;
pub mod schedule;
