//! Verity's desk: the organisation's server, which binds employees' devices and answers the
//! "triple trust" checks (bound device, two-factor, permitted region) that a verified support
//! session will later require.
//!
//! Trust model. The organisation key (Ed25519, [`orgkey`]) is made by `verity-desk org init` and
//! never leaves the desk's data directory; it signs one binding certificate per device at
//! enrolment. A device proves possession of its own key on every request ([`service`]); the desk
//! believes a request only when the certificate is signed by the organisation key, is in date, is
//! the current one of a device it has on record and that is not revoked, and the request is fresh
//! (±5 minutes, nonce not seen). One-time enrolment codes, given by IT out of band, are what
//! ties a device key to an employee; the desk stores only their HMACs under a key derived from
//! the organisation key. TOTP secrets are stored sealed with another key derived from it.
//!
//! Under hostile load ([`http`], [`addr`]): every guess (enrolment code per source address, IPv6
//! by /64; TOTP code per device) is admitted against the current failure count in one
//! transaction, before any other write; connections are capped, and slow request heads and TLS
//! handshakes time out.
//!
//! What it stores ([`store`], embedded SQLite by default in `desk.sqlite3`): the organisation
//! (name, public key), code HMACs, devices (public key, employee, facts, certificate serial,
//! revocation), sealed TOTP secrets with the last accepted step, recent failures (rate limits,
//! lockouts), recent nonces, the region policy.
//!
//! Scaling past one machine: every decision that races is one atomic store operation (using a
//! code, accepting a TOTP step, recording a nonce), so several desks can run against one server
//! database behind a load balancer once a [`store::DeskStore`] for it exists; they then share the
//! organisation key file (or, later, a signing service). Behind a load balancer the desk sees the
//! balancer's address: give its range as `--trusted-proxy` so that the client address (for the
//! region check and the rate limits) is taken from its `Forwarded` / `X-Forwarded-For` header.

pub mod addr;
pub mod admin;
pub mod console;
pub mod dashboard;
pub mod drill;
pub mod feedpub;
pub mod http;
pub mod oplog;
pub mod orgkey;
pub mod policy;
pub mod postgres;
pub mod service;
pub mod sqlite;
pub mod store;
pub mod support;
pub mod totp;

pub use http::{BackgroundDesk, ConnStats, ServeError, ServeOptions};
pub use postgres::PgStore;
pub use service::{ApiError, Desk, DeskConfig};
pub use sqlite::SqliteStore;
pub use store::DeskStore;
