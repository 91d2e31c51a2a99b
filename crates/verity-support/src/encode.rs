//! The byte encodings every derivation uses: length prefixes, fixed-width integers, the role and
//! direction labels. Every variable-length field of a hashed or signed input is length-prefixed
//! (`lp`), so that no two different field lists can encode to the same bytes.

use verity_device::proto::Direction;

/// `lp(x)`: the length of `x` as a big-endian u32, then `x`.
pub(crate) fn lp(out: &mut Vec<u8>, x: &[u8]) {
    // Every field is far below 4 GiB (frames are capped at 64 KiB); saturate rather than wrap.
    let len = u32::try_from(x.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(x);
}

/// The party's role byte in the static-key signature: `e` (employee) or `a` (agent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The employee's app: the Noise initiator; sends [`Direction::E2a`].
    Employee,
    /// The agent's app: the Noise responder; sends [`Direction::A2e`].
    Agent,
}

impl Role {
    /// The byte signed in the static-key binding.
    #[must_use]
    pub fn byte(self) -> u8 {
        match self {
            Role::Employee => b'e',
            Role::Agent => b'a',
        }
    }

    /// The direction this role sends in.
    #[must_use]
    pub fn sends(self) -> Direction {
        match self {
            Role::Employee => Direction::E2a,
            Role::Agent => Direction::A2e,
        }
    }

    /// The direction this role receives.
    #[must_use]
    pub fn receives(self) -> Direction {
        match self {
            Role::Employee => Direction::A2e,
            Role::Agent => Direction::E2a,
        }
    }

    /// The other party.
    #[must_use]
    pub fn peer(self) -> Role {
        match self {
            Role::Employee => Role::Agent,
            Role::Agent => Role::Employee,
        }
    }
}

/// The direction's label in the chain's `c0`: `e2a` or `a2e` (three bytes each).
pub(crate) fn dir_label(dir: Direction) -> &'static [u8; 3] {
    match dir {
        Direction::E2a => b"e2a",
        Direction::A2e => b"a2e",
    }
}

/// Lower-case hex, for messages and tests.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}
