//! Blocklist lookups: what a check asks of the list, and the two that answer.
//!
//! Checks ask a [`BlocklistLookup`] for exact (kind, value) matches; two implement it:
//! - [`BlocklistIndex`], every entry in memory: a hash map by key ([`entry_key`]) with a chain
//!   array for entries sharing a key (the same number in two campaigns), each hit confirmed
//!   against the stored value. For small lists and tests.
//! - the store's view (`verity_store`), which keeps only a [`BlocklistFilter`] in memory (a
//!   binary fuse filter over the keys, about 2.3 bytes an entry) and confirms each filter hit
//!   with an indexed point query, so a false positive never produces a false match.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use xorf::{BinaryFuse16, Filter};

use verity_core::blocklist::{entry_key, BlocklistEntry, EntryKind};
use verity_core::link::{self, CanonicalUrl};

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
    link::for_each_lookup_expression(url, |expr| probe(EntryKind::Url, expr))
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
    use verity_core::blocklist::Category;
    use verity_core::phone::Region;
    use verity_core::Timestamp;

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
}
