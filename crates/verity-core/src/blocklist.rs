//! The blocklist's entries: kinds, categories, value normalisation, and each entry's 64-bit
//! key. Shared by everything that holds or carries entries (the checks' lookups in
//! `verity-check`, the store, the feed's format, the blocklist CSV, the list checksum).
//!
//! Values are normalised once, when an entry enters the list:
//! - `phone` → E.164 (`+85291234567`);
//! - `domain` → the canonical host (lower-case, punycode, no trailing dot); it matches the host
//!   and every subdomain;
//! - `url` → the Safe Browsing expression `host/path[?query]` without scheme; it matches as
//!   Safe Browsing does, through a checked link's host-suffix × path-prefix expressions.
//!
//! Every entry has a 64-bit key, [`entry_key`] of (kind, value), which the lookups
//! (`verity_check::lookup`) and the store's filter are built on.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::code_enum;
use crate::link::{self, LinkError};
use crate::phone::{self, PhoneError, Region};

code_enum! {
    /// What a blocklist entry holds.
    pub enum EntryKind {
        /// A phone number (E.164).
        Phone => "phone",
        /// A domain and all its subdomains.
        Domain => "domain",
        /// A Safe Browsing expression (`host/path`).
        Url => "url",
    }
}

code_enum! {
    /// The scam an entry belongs to.
    pub enum Category {
        /// Fake customer service / technical support.
        FakeSupport => "fake_support",
        /// A fake paid upgrade, fee or transfer.
        FakeUpgrade => "fake_upgrade",
        /// A fake account-freeze threat.
        FreezeThreat => "freeze_threat",
        /// A phishing page.
        Phishing => "phishing",
        /// Anything else.
        Other => "other",
    }
}

/// One blocklist entry, with its value normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BlocklistEntry {
    /// What the value is.
    pub kind: EntryKind,
    /// The normalised value (see the module documentation).
    pub value: String,
    /// The scam it belongs to.
    pub category: Category,
    /// The campaign, if named.
    pub campaign: Option<String>,
    /// Where the entry came from (feed, import file, analyst).
    pub source: Option<String>,
    /// When it was added.
    pub added: Timestamp,
}

impl BlocklistEntry {
    /// An entry from a raw value, normalised with [`normalize_entry_value`].
    ///
    /// # Errors
    /// [`EntryError`] when the value cannot be read as its kind.
    pub fn new(
        kind: EntryKind,
        raw: &str,
        category: Category,
        campaign: Option<String>,
        source: Option<String>,
        added: Timestamp,
        default_region: Region,
    ) -> Result<Self, EntryError> {
        let value = normalize_entry_value(kind, raw, default_region)?;
        Ok(BlocklistEntry {
            kind,
            value,
            category,
            campaign,
            source,
            added,
        })
    }
}

/// Why a raw value cannot become an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// Not a valid phone number.
    #[error("not a valid phone number: {0}")]
    Phone(#[from] PhoneError),
    /// Not a valid domain or link.
    #[error("not a valid link: {0}")]
    Link(#[from] LinkError),
    /// A domain entry with a path or query: that is a `url` entry.
    #[error("a domain entry takes a host name only; use kind url for a path")]
    DomainWithPath,
    /// A domain entry that is not a plausible host name.
    #[error("not a valid domain name")]
    NotADomain,
}

/// Normalises a raw value of `kind` (see the module documentation).
///
/// # Errors
/// [`EntryError`] when the value cannot be read as its kind.
pub fn normalize_entry_value(
    kind: EntryKind,
    raw: &str,
    default_region: Region,
) -> Result<String, EntryError> {
    match kind {
        EntryKind::Phone => Ok(phone::normalize(raw, default_region)?.e164),
        EntryKind::Domain => {
            let t = raw.trim();
            let c = link::canonicalize(t)?;
            if c.path != "/" || c.query.is_some() {
                return Err(EntryError::DomainWithPath);
            }
            if !c.host_is_plausible() {
                return Err(EntryError::NotADomain);
            }
            Ok(c.host)
        }
        EntryKind::Url => {
            let c = link::canonicalize(raw)?;
            if !c.host_is_plausible() {
                return Err(EntryError::NotADomain);
            }
            Ok(c.expression())
        }
    }
}

/// The 64-bit key of an entry: a hash of its kind and normalised value.
///
/// The store persists it (`blocklist_entry.key`) so that the filter can be rebuilt from one
/// integer column: **it must never change** without a migration that recomputes the column.
/// Eight bytes at a time (little-endian, the tail zero-padded), each folded in with a 64×64→128
/// bit multiply whose halves are xored (as wyhash and foldhash do, so every input bit reaches
/// every output bit), then the murmur3 finaliser. Not a cryptographic hash: a collision only
/// costs a confirming lookup, never a false match.
#[must_use]
pub fn entry_key(kind: EntryKind, value: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    const SEED: u64 = 0x2d35_8dcc_aa6c_78a5;
    fn fold_mul(a: u64, b: u64) -> u64 {
        let p = u128::from(a) * u128::from(b);
        (p as u64) ^ ((p >> 64) as u64)
    }
    let tag: u64 = match kind {
        EntryKind::Phone => 1,
        EntryKind::Domain => 2,
        EntryKind::Url => 3,
    };
    let bytes = value.as_bytes();
    let mut h = fold_mul(SEED ^ (tag << 56) ^ bytes.len() as u64, K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = fold_mul(h ^ u64::from_le_bytes(w), K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = fold_mul(h ^ u64::from_le_bytes(w), K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_values() {
        let n = |k, r| normalize_entry_value(k, r, Region::HK);
        assert_eq!(
            n(EntryKind::Phone, "00852 3001-2345").unwrap(),
            "+85230012345"
        );
        assert_eq!(
            n(EntryKind::Domain, "Evil-DingTalk.XYZ.").unwrap(),
            "evil-dingtalk.xyz"
        );
        assert_eq!(
            n(EntryKind::Domain, "https://evil.xyz/").unwrap(),
            "evil.xyz"
        );
        assert_eq!(n(EntryKind::Domain, "釘釘.com").unwrap(), "xn--dn4aa.com");
        assert_eq!(
            n(EntryKind::Url, "HTTP://Evil.xyz/Pay/../login#x").unwrap(),
            "evil.xyz/login"
        );
        assert_eq!(
            n(EntryKind::Url, "evil.xyz/pay?id=1").unwrap(),
            "evil.xyz/pay?id=1"
        );
        assert_eq!(
            n(EntryKind::Domain, "evil.xyz/pay"),
            Err(EntryError::DomainWithPath)
        );
        assert_eq!(
            n(EntryKind::Domain, "not a domain"),
            Err(EntryError::NotADomain)
        );
        assert!(matches!(
            n(EntryKind::Phone, "9123 456"),
            Err(EntryError::Phone(_))
        ));
    }

    #[test]
    fn entry_keys_are_stable() {
        // The store persists these: a change here needs a migration that recomputes them.
        assert_eq!(
            entry_key(EntryKind::Phone, "+85230012345"),
            7_679_436_525_945_591_688
        );
        assert_eq!(
            entry_key(EntryKind::Domain, "dingtalk-hk.com"),
            9_770_714_009_585_310_835
        );
        assert_eq!(entry_key(EntryKind::Url, ""), 15_922_263_480_990_078_247);
        assert_ne!(
            entry_key(EntryKind::Phone, "x"),
            entry_key(EntryKind::Domain, "x")
        );
        // The zero padding of the last chunk does not make a trailing NUL collide.
        assert_ne!(
            entry_key(EntryKind::Url, "a/b"),
            entry_key(EntryKind::Url, "a/b\0")
        );
    }

    #[test]
    fn entry_keys_do_not_collide_on_sequential_values() {
        // Numbers and names that differ in a few digits are the common case; a weak hash
        // (a plain multiply per word) collides on them by the hundred.
        let mut keys: Vec<u64> = (0..200_000u32)
            .map(|i| entry_key(EntryKind::Phone, &format!("+8525{:07}", i * 37)))
            .chain((0..100_000).map(|i| entry_key(EntryKind::Domain, &format!("scam-{i}.xyz"))))
            .chain((0..100_000).map(|i| entry_key(EntryKind::Url, &format!("pay{i}.top/a/"))))
            .collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "{} collisions", n - keys.len());
    }

    #[test]
    fn category_codes() {
        assert_eq!(
            serde_json::to_string(&Category::FakeSupport).unwrap(),
            "\"fake_support\""
        );
        assert_eq!(
            "freeze_threat".parse::<Category>(),
            Ok(Category::FreezeThreat)
        );
        assert_eq!("url".parse::<EntryKind>(), Ok(EntryKind::Url));
        assert!("ip".parse::<EntryKind>().is_err());
    }
}
