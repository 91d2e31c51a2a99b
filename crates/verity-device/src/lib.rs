//! Device binding for Verity: the protocol the device and the organisation's desk speak, and the
//! device side of it.
//!
//! The source's "triple trust" counts a support request only when it comes from a **bound
//! device**, passes **two-factor authentication**, and comes from the **permitted region**. This
//! crate holds what both ends must agree on byte for byte, so that the desk and the device can
//! never drift apart:
//!
//! - [`proto`]: binding certificates (signed by the organisation key), signed requests (signed by
//!   the device key, for the desk's origin), signed answers (signed by the organisation key), the
//!   wire types and the closed set of error and check codes;
//! - [`region`]: how a time zone or a locale maps to a region code;
//! - [`sealed`]: passphrase sealing (argon2id + XChaCha20-Poly1305), used for the device key file
//!   store here and for the organisation key file on the desk;
//! - [`clock`]: time is passed in, so that expiry and replay rules are testable.
//!
//! With the `client` feature (on by default; the desk turns it off) it also holds the device side:
//! the device key in the OS secure store ([`keystore`]), the device state file ([`state`]), the
//! HTTP client ([`client`]), `verity://enroll` links ([`link`]) and the operations the CLI and the
//! app call ([`device`]).

pub mod clock;
pub mod fsutil;
pub mod link;
pub mod proto;
pub mod region;
pub mod sealed;

#[cfg(feature = "client")]
pub mod agent;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod device;
#[cfg(feature = "client")]
pub mod facts;
#[cfg(feature = "client")]
pub mod keystore;
#[cfg(feature = "client")]
pub mod state;
#[cfg(feature = "client")]
pub mod support;
#[cfg(feature = "client")]
pub mod ws;

pub use clock::{Clock, ManualClock, SystemClock};
pub use proto::{CheckResult, ProtoError};
pub use sealed::{KdfParams, SealError, SealedBox};

#[cfg(feature = "client")]
pub use device::{
    AnchorReceipt, DeskPreview, DeviceContext, DeviceError, DeviceStatus, EnrollOutcome, OrgFeed,
    VerifyReport,
};
#[cfg(feature = "client")]
pub use keystore::{KeyStoreChoice, KeyStoreError, KeyStoreKind};
