//! Verity's tripwires, the pure part: what the desktop watches for at the moment of a
//! fake-support scam (issue 16).
//!
//! - [`remote`]: the remote-access programs a fake engineer asks the victim to install or open
//!   (AnyDesk, TeamViewer, RustDesk, ToDesk, Sunlogin, Chrome Remote Desktop, Quick Assist…),
//!   recognised by a running process's executable name and path, or by an installer's file name
//!   in Downloads. The table is data ([`remote::ToolTable::parse`]), so the signed feed can ship
//!   a newer one.
//! - [`otp`]: whether a text (the clipboard's) is a one-time code or a message carrying one, in
//!   Verity's four languages, without false alarms on order numbers, dates, times or amounts.
//!
//! - [`watch`]: when a tripwire speaks — appearances of tools between two process scans, once
//!   per appearance and not again within the hour, quiet for tools the organisation declared in
//!   use; a code reminder at most once an hour; a clipboard change noticed without keeping the
//!   text.
//!
//! No I/O, no clock: the app's watchers (processes, the Downloads folder, the clipboard) feed
//! these functions and decide what to show.

pub mod otp;
pub mod remote;
pub mod watch;
