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
//! Every entry has a 64-bit key, [`entry_key`] of (kind, value). Checks ask a
//! [`BlocklistLookup`] for exact (kind, value) matches; two implement it:
//! - [`BlocklistIndex`], every entry in memory: a hash map by key with a chain array for
//!   entries sharing a key (the same number in two campaigns), each hit confirmed against the
//!   stored value. For small lists and tests.
//! - the store's view (`verity_store`), which keeps only a [`BlocklistFilter`] in memory (a
//!   binary fuse filter over the keys, about 2.3 bytes an entry) and confirms each filter hit
//!   with an indexed point query, so a false positive never produces a false match.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use xorf::{BinaryFuse16, Filter};

use crate::clock::Timestamp;
use crate::code_enum;
use crate::link::{self, CanonicalUrl, LinkError};
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

/// Calls `probe` with every (kind, value) that can match a link, in order: `domain` entries for
/// its host and each parent domain, then `url` entries for each of its Safe Browsing lookup
/// expressions. Stops at the first error.
///
/// # Errors
/// The first error `probe` returns.
pub fn for_each_url_probe<E>(
    url: &CanonicalUrl,
    mut probe: impl FnMut(EntryKind, &str) -> Result<(), E>,
) -> Result<(), E> {
    for host in url.host_and_parents() {
        probe(EntryKind::Domain, host)?;
    }
    for expr in link::lookup_expressions(url) {
        probe(EntryKind::Url, &expr)?;
    }
    Ok(())
}

/// The blocklist could not be read (the store's database failed under a lookup).
#[derive(Debug, thiserror::Error)]
#[error("the blocklist could not be read: {source}")]
pub struct LookupError {
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl LookupError {
    /// Wraps the error of a lookup's backing store.
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        LookupError {
            source: source.into(),
        }
    }

    /// The wrapped error, for the store to recover its own type.
    #[must_use]
    pub fn into_inner(self) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self.source
    }
}

/// What a check asks of the blocklist: the entries matching a number or a link, exactly.
///
/// Implementations answer [`BlocklistLookup::lookup_exact`]; the number and link lookups are
/// defined on top of it (a link probes [`for_each_url_probe`]), so every implementation matches
/// the same way.
pub trait BlocklistLookup: fmt::Debug {
    /// Appends to `out` the entries of `kind` whose normalised value is exactly `value`.
    ///
    /// # Errors
    /// [`LookupError`] when the backing store cannot be read.
    fn lookup_exact(
        &self,
        kind: EntryKind,
        value: &str,
        out: &mut Vec<BlocklistEntry>,
    ) -> Result<(), LookupError>;

    /// The entries listing an E.164 number.
    ///
    /// # Errors
    /// [`LookupError`] when the backing store cannot be read.
    fn lookup_phone(&self, e164: &str) -> Result<Vec<BlocklistEntry>, LookupError> {
        let mut out = Vec::new();
        self.lookup_exact(EntryKind::Phone, e164, &mut out)?;
        Ok(out)
    }

    /// The entries matching a link: `domain` entries for its host or any parent domain, and
    /// `url` entries for any of its Safe Browsing lookup expressions.
    ///
    /// # Errors
    /// [`LookupError`] when the backing store cannot be read.
    fn lookup_url(&self, url: &CanonicalUrl) -> Result<Vec<BlocklistEntry>, LookupError> {
        let mut out = Vec::new();
        for_each_url_probe(url, |kind, value| self.lookup_exact(kind, value, &mut out))?;
        Ok(out)
    }
}

/// The filter could not be built (in practice never: construction retries with new seeds).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the blocklist filter could not be built: {0}")]
pub struct FilterError(&'static str);

/// A compact membership filter over entry keys ([`entry_key`]): a binary fuse filter with
/// 16-bit fingerprints (about 2.25 bytes an entry, a false-positive rate of about 1 in 65 000,
/// no false negatives). "Maybe listed" must be confirmed against the entries themselves.
#[derive(Debug, Clone, Default)]
pub struct BlocklistFilter {
    fuse: Option<BinaryFuse16>,
    keys: usize,
}

impl BlocklistFilter {
    /// Builds the filter from entry keys. Duplicates are allowed (they are removed first; keys
    /// already in ascending order, as the store reads them, cost one pass).
    ///
    /// # Errors
    /// [`FilterError`] if construction fails, which it does not in practice.
    pub fn build(mut keys: Vec<u64>) -> Result<Self, FilterError> {
        // Duplicates must go: construction can fail on them.
        if !keys.is_sorted() {
            keys.sort_unstable();
        }
        keys.dedup();
        let n = keys.len();
        if n == 0 {
            return Ok(BlocklistFilter::default());
        }
        let fuse = BinaryFuse16::try_from(keys).map_err(FilterError)?;
        Ok(BlocklistFilter {
            fuse: Some(fuse),
            keys: n,
        })
    }

    /// Whether `key` may be in the set (false: certainly not).
    #[inline]
    #[must_use]
    pub fn may_contain_key(&self, key: u64) -> bool {
        self.fuse.as_ref().is_some_and(|f| f.contains(&key))
    }

    /// Whether the entry (kind, normalised value) may be in the set (false: certainly not).
    #[inline]
    #[must_use]
    pub fn may_contain(&self, kind: EntryKind, value: &str) -> bool {
        self.fuse.is_some() && self.may_contain_key(entry_key(kind, value))
    }

    /// How many distinct keys the filter was built from.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys
    }

    /// Whether the filter is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys == 0
    }

    /// The heap memory the filter holds, in bytes (its fingerprint array).
    #[must_use]
    pub fn size_in_bytes(&self) -> usize {
        self.fuse
            .as_ref()
            .map_or(0, |f| std::mem::size_of_val(&*f.fingerprints))
    }
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
            let k = entry_key(e.kind, &e.value);
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
        let Some(&head) = self.heads.get(&entry_key(kind, value)) else {
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
        let Ok(()) = for_each_url_probe(url, |kind, value| {
            self.probe(kind, value, &mut ids);
            Ok::<(), std::convert::Infallible>(())
        });
        self.resolve(ids)
    }

    fn resolve(&self, mut ids: Vec<EntryId>) -> Vec<&BlocklistEntry> {
        ids.sort_unstable();
        ids.into_iter().filter_map(|id| self.get(id)).collect()
    }
}

/// All in memory: never fails. Matches come back oldest id first.
impl BlocklistLookup for BlocklistIndex {
    fn lookup_exact(
        &self,
        kind: EntryKind,
        value: &str,
        out: &mut Vec<BlocklistEntry>,
    ) -> Result<(), LookupError> {
        let mut ids = Vec::new();
        self.probe(kind, value, &mut ids);
        out.extend(self.resolve(ids).into_iter().cloned());
        Ok(())
    }

    fn lookup_phone(&self, e164: &str) -> Result<Vec<BlocklistEntry>, LookupError> {
        Ok(BlocklistIndex::lookup_phone(self, e164)
            .into_iter()
            .cloned()
            .collect())
    }

    fn lookup_url(&self, url: &CanonicalUrl) -> Result<Vec<BlocklistEntry>, LookupError> {
        Ok(BlocklistIndex::lookup_url(self, url)
            .into_iter()
            .cloned()
            .collect())
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
    fn filter_has_no_false_negatives_and_few_false_positives() {
        for n in [0usize, 1, 2, 3, 10, 1000, 20_000] {
            let mut keys: Vec<u64> = (0..n)
                .map(|i| entry_key(EntryKind::Phone, &format!("+8525{i:07}")))
                .collect();
            keys.extend(keys.clone()); // duplicates are fine
            let f = BlocklistFilter::build(keys).unwrap();
            assert_eq!(f.len(), n);
            assert_eq!(f.is_empty(), n == 0);
            for i in 0..n {
                assert!(f.may_contain(EntryKind::Phone, &format!("+8525{i:07}")));
            }
            let fp = (0..100_000)
                .filter(|i| f.may_contain(EntryKind::Phone, &format!("+8529{i:07}")))
                .count();
            assert!(fp <= 10, "{fp} false positives in 100 000 at n = {n}");
            if n >= 20_000 {
                let per_entry = f.size_in_bytes() as f64 / n as f64;
                assert!(per_entry < 2.6, "{per_entry} bytes an entry at n = {n}");
            }
        }
    }

    #[test]
    fn index_and_trait_agree() {
        let idx = BlocklistIndex::build(vec![
            entry(EntryKind::Phone, "+852 3001 2345", Category::FakeSupport),
            entry(EntryKind::Phone, "30012345", Category::FakeUpgrade),
            entry(EntryKind::Domain, "dingtalk-hk.com", Category::Phishing),
            entry(
                EntryKind::Url,
                "http://x.dingtalk-hk.com/pay/",
                Category::Phishing,
            ),
        ]);
        let dynamic: &dyn BlocklistLookup = &idx;
        let phone = dynamic.lookup_phone("+85230012345").unwrap();
        assert_eq!(phone.len(), 2);
        assert_eq!(phone[0].category, Category::FakeSupport);
        let url = link::canonicalize("http://x.dingtalk-hk.com/pay/now").unwrap();
        let got: Vec<EntryKind> = dynamic
            .lookup_url(&url)
            .unwrap()
            .iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(got, [EntryKind::Domain, EntryKind::Url]);
        let mut out = Vec::new();
        dynamic
            .lookup_exact(EntryKind::Domain, "dingtalk-hk.com", &mut out)
            .unwrap();
        assert_eq!(out.len(), 1);
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
