//! The Noise machinery: the protocol name, the prologue, and a crypto resolver that refuses
//! all-zero Diffie-Hellman results (snow's default resolver computes them and carries on, so a
//! peer who sends a low-order point would force a known key) and draws its randomness from a
//! seeded ChaCha20 generator (deterministic in tests; seeded from the OS in `fresh()`).

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use snow::params::{CipherChoice, DHChoice, HashChoice};
use snow::resolvers::{CryptoResolver, DefaultResolver};
use snow::types::{Cipher, Dh, Hash, Random};
use subtle::ConstantTimeEq;

use crate::encode::lp;

/// The Noise protocol every support channel runs.
pub const NOISE_PARAMS: &str = "Noise_XX_25519_ChaChaPoly_SHA256";

/// `"verity-support-v1" || lp(session_id) || u32be(leg)`.
#[must_use]
pub fn prologue(session_id: &str, leg: u32) -> Vec<u8> {
    let mut p = b"verity-support-v1".to_vec();
    lp(&mut p, session_id.as_bytes());
    p.extend_from_slice(&leg.to_be_bytes());
    p
}

/// A seeded ChaCha20 generator as snow's randomness.
struct SeededRandom(ChaCha20Rng);

impl Random for SeededRandom {
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), snow::Error> {
        self.0.fill_bytes(dest);
        Ok(())
    }
}

/// X25519 that refuses an all-zero shared secret (a low-order or identity public key).
pub(crate) struct CheckedDh(Box<dyn Dh>);

impl Dh for CheckedDh {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn pub_len(&self) -> usize {
        self.0.pub_len()
    }
    fn priv_len(&self) -> usize {
        self.0.priv_len()
    }
    fn set(&mut self, privkey: &[u8]) {
        self.0.set(privkey);
    }
    fn generate(&mut self, rng: &mut dyn Random) -> Result<(), snow::Error> {
        self.0.generate(rng)
    }
    fn pubkey(&self) -> &[u8] {
        self.0.pubkey()
    }
    fn privkey(&self) -> &[u8] {
        self.0.privkey()
    }
    fn dh(&self, pubkey: &[u8], out: &mut [u8]) -> Result<(), snow::Error> {
        if pubkey.len() < self.0.pub_len() {
            return Err(snow::Error::Dh);
        }
        self.0.dh(pubkey, out)?;
        let len = self.0.dh_len().min(out.len());
        let zero = [0u8; 64];
        let all_zero = out[..len].ct_eq(&zero[..len]);
        if bool::from(all_zero) {
            out[..len].iter_mut().for_each(|b| *b = 0);
            return Err(snow::Error::Dh);
        }
        Ok(())
    }
    fn dh_len(&self) -> usize {
        self.0.dh_len()
    }
}

/// snow's default primitives, with [`CheckedDh`] and a seeded generator.
pub(crate) struct VerityResolver {
    seed: [u8; 32],
}

impl VerityResolver {
    pub(crate) fn new(seed: [u8; 32]) -> VerityResolver {
        VerityResolver { seed }
    }
}

impl CryptoResolver for VerityResolver {
    fn resolve_rng(&self) -> Option<Box<dyn Random>> {
        Some(Box::new(SeededRandom(ChaCha20Rng::from_seed(self.seed))))
    }
    fn resolve_dh(&self, choice: &DHChoice) -> Option<Box<dyn Dh>> {
        let inner = DefaultResolver.resolve_dh(choice)?;
        Some(Box::new(CheckedDh(inner)))
    }
    fn resolve_hash(&self, choice: &HashChoice) -> Option<Box<dyn Hash>> {
        DefaultResolver.resolve_hash(choice)
    }
    fn resolve_cipher(&self, choice: &CipherChoice) -> Option<Box<dyn Cipher>> {
        DefaultResolver.resolve_cipher(choice)
    }
}

/// Splits a 32-byte seed into independent streams: a fresh static private key and the seed of
/// snow's generator (ephemeral keys).
pub(crate) fn split_seed(seed: &[u8; 32]) -> (zeroize::Zeroizing<[u8; 32]>, [u8; 32]) {
    let mut rng = ChaCha20Rng::from_seed(*seed);
    let mut static_key = zeroize::Zeroizing::new([0u8; 32]);
    rng.fill_bytes(static_key.as_mut());
    let mut eph = [0u8; 32];
    rng.fill_bytes(&mut eph);
    (static_key, eph)
}

/// 32 bytes from the operating system.
///
/// # Errors
/// When the OS generator fails.
pub fn os_seed() -> Result<[u8; 32], getrandom::Error> {
    let mut s = [0u8; 32];
    getrandom::fill(&mut s)?;
    Ok(s)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The Curve25519 points of small order (and their non-canonical encodings).
    pub(crate) const LOW_ORDER: [[u8; 32]; 7] = [
        [0; 32],
        {
            let mut a = [0; 32];
            a[0] = 1;
            a
        },
        [
            0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
            0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
            0x5f, 0x49, 0xb8, 0x00,
        ],
        [
            0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83,
            0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd,
            0xd0, 0x9f, 0x11, 0x57,
        ],
        {
            let mut a = [0xff; 32];
            a[0] = 0xec;
            a[31] = 0x7f;
            a
        },
        {
            let mut a = [0xff; 32];
            a[0] = 0xed;
            a[31] = 0x7f;
            a
        },
        {
            let mut a = [0xff; 32];
            a[0] = 0xee;
            a[31] = 0x7f;
            a
        },
    ];

    #[test]
    fn low_order_points_are_refused_and_ordinary_ones_agree() {
        let r = VerityResolver::new([9; 32]);
        let mut a = r.resolve_dh(&DHChoice::Curve25519).unwrap();
        let mut b = r.resolve_dh(&DHChoice::Curve25519).unwrap();
        a.set(&[1; 32]);
        b.set(&[2; 32]);
        for p in LOW_ORDER {
            let mut out = [0xAA; 32];
            assert_eq!(a.dh(&p, &mut out), Err(snow::Error::Dh), "{p:?}");
            // Without the check, X25519 gives the all-zero secret for these points.
            let mut raw = [0xAA; 32];
            let plain = DefaultResolver.resolve_dh(&DHChoice::Curve25519).unwrap();
            let mut plain = plain;
            plain.set(&[1; 32]);
            plain.dh(&p, &mut raw).unwrap();
            assert_eq!(raw, [0; 32]);
        }
        let (mut x, mut y) = ([0; 32], [0; 32]);
        a.dh(b.pubkey(), &mut x).unwrap();
        b.dh(a.pubkey(), &mut y).unwrap();
        assert_eq!(x, y);
        assert_ne!(x, [0; 32]);
        assert_eq!(a.dh(&[5; 16], &mut x), Err(snow::Error::Dh));
    }

    #[test]
    fn the_prologue_is_length_prefixed() {
        let p = prologue("ab", 3);
        assert_eq!(p, b"verity-support-v1\0\0\0\x02ab\0\0\0\x03");
    }
}
