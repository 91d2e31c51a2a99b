//! The blocklist's domain: entry kinds, categories, value normalisation, and an in-memory index.
//!
//! The store persists entries; this module decides what a normalised value is and answers
//! lookups. Values are normalised once, when an entry enters the list:
//! - `phone` → E.164 (`+85291234567`);
//! - `domain` → the canonical host (lower-case, punycode, no trailing dot); it matches the host
//!   and every subdomain;
//! - `url` → the Safe Browsing expression `host/path[?query]` without scheme; it matches as
//!   Safe Browsing does, through a checked link's host-suffix × path-prefix expressions.
//!
//! The index keys every entry by a 64-bit hash of (kind, value) in one hash map, with a chain
//! array for entries sharing a key (the same number in two campaigns), and confirms each hit
//! against the stored value, so a hash collision can never produce a false match.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::clock::Timestamp;
use crate::link::{self, CanonicalUrl, LinkError};
use crate::phone::{self, PhoneError, Region};
use crate::verdict::code_enum;

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

/// A hasher for keys that are already 64-bit hashes.
#[derive(Default, Clone, Copy)]
struct PrehashedKey(u64);

impl Hasher for PrehashedKey {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type KeyMap = HashMap<u64, u32, BuildHasherDefault<PrehashedKey>>;

const NO_NEXT: u32 = u32::MAX;

/// FNV-1a over the kind tag and the value, finished with a murmur3 mix so every bit of the key
/// is well spread (the map uses the key itself as the hash).
fn key(kind: EntryKind, value: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let tag = match kind {
        EntryKind::Phone => 1u8,
        EntryKind::Domain => 2,
        EntryKind::Url => 3,
    };
    for &b in std::iter::once(&tag).chain(value.as_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The position of an entry in a [`BlocklistIndex`].
pub type EntryId = u32;

/// An in-memory index of blocklist entries, for lookups of numbers and links.
#[derive(Debug, Clone, Default)]
pub struct BlocklistIndex {
    entries: Vec<BlocklistEntry>,
    heads: KeyMap,
    next: Vec<u32>,
}

impl std::fmt::Debug for PrehashedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrehashedKey")
    }
}

impl BlocklistIndex {
    /// Builds the index. Entries must already be normalised (as [`BlocklistEntry::new`] does);
    /// the store validates them when they enter the list. At most `u32::MAX - 1` entries are
    /// indexed; any beyond are ignored.
    #[must_use]
    pub fn build(entries: Vec<BlocklistEntry>) -> Self {
        let mut entries = entries;
        entries.truncate((NO_NEXT - 1) as usize);
        let mut heads =
            KeyMap::with_capacity_and_hasher(entries.len(), BuildHasherDefault::default());
        let mut next = vec![NO_NEXT; entries.len()];
        for (i, e) in entries.iter().enumerate() {
            let id = i as u32;
            let k = key(e.kind, &e.value);
            if let Some(prev) = heads.insert(k, id) {
                next[i] = prev;
            }
        }
        BlocklistIndex {
            entries,
            heads,
            next,
        }
    }

    /// How many entries are indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the index is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The indexed entries, in the order given to [`BlocklistIndex::build`].
    #[must_use]
    pub fn entries(&self) -> &[BlocklistEntry] {
        &self.entries
    }

    /// The entry with this id.
    #[must_use]
    pub fn get(&self, id: EntryId) -> Option<&BlocklistEntry> {
        self.entries.get(id as usize)
    }

    fn probe(&self, kind: EntryKind, value: &str, out: &mut Vec<EntryId>) {
        let Some(&head) = self.heads.get(&key(kind, value)) else {
            return;
        };
        let mut cur = head;
        while cur != NO_NEXT {
            if let Some(e) = self.entries.get(cur as usize) {
                if e.kind == kind && e.value == value && !out.contains(&cur) {
                    out.push(cur);
                }
            }
            cur = self.next.get(cur as usize).copied().unwrap_or(NO_NEXT);
        }
    }

    /// Whether an E.164 number is listed (the bare probe).
    #[must_use]
    pub fn contains_phone(&self, e164: &str) -> bool {
        let mut out = Vec::new();
        self.probe(EntryKind::Phone, e164, &mut out);
        !out.is_empty()
    }

    /// The entries listing an E.164 number, oldest id first.
    #[must_use]
    pub fn lookup_phone(&self, e164: &str) -> Vec<&BlocklistEntry> {
        let mut ids = Vec::new();
        self.probe(EntryKind::Phone, e164, &mut ids);
        self.resolve(ids)
    }

    /// The entries matching a link: `domain` entries for its host or any parent domain, and
    /// `url` entries for any of its Safe Browsing lookup expressions.
    #[must_use]
    pub fn lookup_url(&self, url: &CanonicalUrl) -> Vec<&BlocklistEntry> {
        let mut ids = Vec::new();
        for host in url.host_and_parents() {
            self.probe(EntryKind::Domain, host, &mut ids);
        }
        for expr in link::lookup_expressions(url) {
            self.probe(EntryKind::Url, &expr, &mut ids);
        }
        self.resolve(ids)
    }

    fn resolve(&self, mut ids: Vec<EntryId>) -> Vec<&BlocklistEntry> {
        ids.sort_unstable();
        ids.into_iter().filter_map(|id| self.get(id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: EntryKind, raw: &str, category: Category) -> BlocklistEntry {
        BlocklistEntry::new(
            kind,
            raw,
            category,
            None,
            Some("test".into()),
            Timestamp(1),
            Region::HK,
        )
        .unwrap()
    }

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
    fn lookups() {
        let idx = BlocklistIndex::build(vec![
            entry(EntryKind::Phone, "+852 3001 2345", Category::FakeSupport),
            entry(EntryKind::Phone, "30012345", Category::FakeUpgrade),
            entry(EntryKind::Domain, "dingtalk-hk.com", Category::Phishing),
            entry(
                EntryKind::Url,
                "http://pay.example.net/upgrade/",
                Category::FakeUpgrade,
            ),
            entry(
                EntryKind::Url,
                "http://1.2.3.4/login.php",
                Category::Phishing,
            ),
        ]);
        assert_eq!(idx.len(), 5);
        let hits = idx.lookup_phone("+85230012345");
        assert_eq!(hits.len(), 2, "both campaigns for the same number");
        assert!(idx.contains_phone("+85230012345"));
        assert!(!idx.contains_phone("+85230012346"));

        let url = |s: &str| link::canonicalize(s).unwrap();
        assert_eq!(idx.lookup_url(&url("https://dingtalk-hk.com/")).len(), 1);
        assert_eq!(
            idx.lookup_url(&url("http://a.b.c.d.e.f.dingtalk-hk.com/x"))
                .len(),
            1
        );
        assert!(idx
            .lookup_url(&url("http://notdingtalk-hk.com/"))
            .is_empty());
        assert_eq!(
            idx.lookup_url(&url("http://pay.example.net/upgrade/step2?a=1"))
                .len(),
            1
        );
        assert_eq!(
            idx.lookup_url(&url("http://x.pay.example.net/upgrade/"))
                .len(),
            1
        );
        assert!(idx
            .lookup_url(&url("http://pay.example.net/other"))
            .is_empty());
        assert!(idx
            .lookup_url(&url("http://example.net/upgrade/"))
            .is_empty());
        assert_eq!(
            idx.lookup_url(&url("http://1.2.3.4/login.php?u=me")).len(),
            1
        );
        // A phone value is never matched as a domain and vice versa.
        assert!(idx.lookup_phone("dingtalk-hk.com").is_empty());
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
