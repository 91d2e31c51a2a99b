//! The blocklist's multiset sum: the checksum arithmetic that the feed's wire format and the
//! store share.
//!
//! The feed (`verity_feed::format`) defines how one entry is digested ([`ListDigest`]) and how
//! a sum and a count become the published list checksum; the store (`verity_store`) keeps the
//! sum of the list it holds and updates it from a delta's changes alone. Neither depends on the
//! other for it: both use this module.

use crate::blocklist::BlocklistEntry;

/// The multiset digest of a list: the sum, modulo 2^256, of its entries' 256-bit digests
/// (little-endian). Adding and removing an entry are O(1), in any order, so a delta updates it
/// from the rows it changes. The feed defines the entry digest ([`ListDigest`]) and how the sum
/// and count become the published checksum.
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ListSum([u64; 4]);

impl std::fmt::Debug for ListSum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ListSum(")?;
        for b in self.to_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl ListSum {
    /// The sum as 32 little-endian bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, l) in self.0.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&l.to_le_bytes());
        }
        out
    }

    /// The sum from 32 little-endian bytes.
    #[must_use]
    pub fn from_bytes(b: &[u8; 32]) -> ListSum {
        let mut l = [0u64; 4];
        for (i, x) in l.iter_mut().enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i * 8..i * 8 + 8]);
            *x = u64::from_le_bytes(w);
        }
        ListSum(l)
    }

    /// Adds an entry's digest.
    pub fn add(&mut self, digest: &[u8; 32]) {
        let d = ListSum::from_bytes(digest).0;
        let mut carry = false;
        for (a, b) in self.0.iter_mut().zip(d) {
            let (s1, c1) = a.overflowing_add(b);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *a = s2;
            carry = c1 || c2;
        }
    }

    /// Removes an entry's digest.
    pub fn sub(&mut self, digest: &[u8; 32]) {
        let d = ListSum::from_bytes(digest).0;
        let mut borrow = false;
        for (a, b) in self.0.iter_mut().zip(d) {
            let (s1, b1) = a.overflowing_sub(b);
            let (s2, b2) = s1.overflowing_sub(u64::from(borrow));
            *a = s2;
            borrow = b1 || b2;
        }
    }

    /// Adds another sum (of a disjoint part of the list).
    pub fn merge(&mut self, other: &ListSum) {
        self.add(&other.to_bytes());
    }
}

/// How the feed digests one entry (the store keeps the sum; the feed defines the hash).
pub trait ListDigest: Sync {
    /// The entry's 256-bit digest, little-endian.
    fn entry_digest(&self, entry: &BlocklistEntry, alert: bool) -> [u8; 32];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_sums_add_and_subtract_in_any_order() {
        let d = |b: u8| [b; 32];
        let mut a = ListSum::default();
        a.add(&d(0xff));
        a.add(&d(0x01));
        a.add(&d(0x80));
        let mut b = ListSum::default();
        b.add(&d(0x80));
        b.add(&d(0xff));
        b.add(&d(0x01));
        assert_eq!(a, b);
        b.sub(&d(0xff));
        b.sub(&d(0x80));
        b.sub(&d(0x01));
        assert_eq!(b, ListSum::default());
        assert_eq!(ListSum::from_bytes(&a.to_bytes()), a);
    }
}
