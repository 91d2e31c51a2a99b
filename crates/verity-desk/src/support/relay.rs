//! What one connection has delivered of its sessions' frames, and whether a frame the hub hands
//! it follows on, repeats, or leaves a gap (pure: the socket's loop in [`super::ws`] acts on it).
//!
//! The stored frames are the truth. A frame reaches a connection as the bytes its own desk just
//! stored (sent at once when it is the next one), or as a hint that frames were stored by another
//! desk: then, on a gap, and every [`CATCH_UP_SECS`] for the sessions where the desk's last sweep
//! saw frames past its cursor (one query every 2 s a desk, `Desk::support_may_be_behind`), the
//! connection reads what follows its cursor from the store. So a lost hint delays a frame by
//! about 7 s at most, and a frame is never sent twice on one connection (an app
//! dedupes across reconnections anyway).

use super::store::StoredCursor;
use std::collections::HashMap;

/// How often a connection reads what follows its cursors from the store, whatever it was told.
pub const CATCH_UP_SECS: u64 = 5;

/// Sessions one connection follows at most (an agent holds a few; past it the oldest is dropped
/// and is caught up from the acknowledged cursor if it comes back).
pub const MAX_TRACKED: usize = 64;

/// Where a stored frame is, within its session and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FramePlace {
    /// The leg.
    pub leg: u32,
    /// A handshake frame (else transport).
    pub hs: bool,
    /// Its sequence number.
    pub seq: u64,
}

/// The handshake frames each direction writes in a leg (Noise XX: the employee's app writes
/// messages 0 and 2, the agent's message 1).
fn handshake_seqs(dir: &str) -> &'static [u64] {
    if dir == "e2a" {
        &[0, 2]
    } else {
        &[1]
    }
}

/// How a frame stands against a connection's cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Delivered already: skip it.
    Repeat,
    /// The very next one: send it.
    Next,
    /// Later than the next one: read the store from the cursor.
    Gap,
}

/// How `p`, a frame of direction `dir`, stands against cursor `c` of that direction.
#[must_use]
pub fn step(c: StoredCursor, dir: &str, p: FramePlace) -> Step {
    let hs = handshake_seqs(dir);
    if p.leg < c.leg {
        return Step::Repeat;
    }
    if p.leg > c.leg {
        // A new leg starts with the direction's first handshake frame.
        return if p.hs && hs.first() == Some(&p.seq) {
            Step::Next
        } else {
            Step::Gap
        };
    }
    let done_hs = u64::from(c.hs);
    if p.hs {
        if p.seq < done_hs {
            return Step::Repeat;
        }
        let next = hs.iter().copied().find(|q| *q >= done_hs);
        return if next == Some(p.seq) {
            Step::Next
        } else {
            Step::Gap
        };
    }
    if p.seq <= c.tx {
        return Step::Repeat;
    }
    let handshake_done = hs.last().is_none_or(|last| done_hs > *last);
    if handshake_done && p.seq == c.tx + 1 {
        Step::Next
    } else {
        Step::Gap
    }
}

/// The cursor once `p` is delivered after `c`.
#[must_use]
pub fn advance(c: StoredCursor, p: FramePlace) -> StoredCursor {
    let mut c = if p.leg > c.leg {
        StoredCursor {
            leg: p.leg,
            hs: 0,
            tx: 0,
        }
    } else {
        c
    };
    if p.leg < c.leg {
        return c;
    }
    if p.hs {
        let after = u32::try_from(p.seq.saturating_add(1)).unwrap_or(u32::MAX);
        c.hs = c.hs.max(after);
    } else {
        c.tx = c.tx.max(p.seq);
    }
    c
}

/// A connection's cursors, by session (the direction is the one its party reads).
#[derive(Debug, Default)]
pub struct Delivered {
    cursors: HashMap<String, (StoredCursor, u64)>,
    tick: u64,
}

impl Delivered {
    /// The cursor of `session_id`, if this connection follows it.
    #[must_use]
    pub fn get(&self, session_id: &str) -> Option<StoredCursor> {
        self.cursors.get(session_id).map(|(c, _)| *c)
    }

    /// Follows `session_id` from `c` (a `Join`'s cursor, or what was just delivered).
    pub fn set(&mut self, session_id: &str, c: StoredCursor) {
        self.tick += 1;
        if !self.cursors.contains_key(session_id) && self.cursors.len() >= MAX_TRACKED {
            if let Some(oldest) = self
                .cursors
                .iter()
                .min_by_key(|(_, (_, t))| *t)
                .map(|(k, _)| k.clone())
            {
                self.cursors.remove(&oldest);
            }
        }
        self.cursors.insert(session_id.to_owned(), (c, self.tick));
    }

    /// Stops following `session_id` (closed, or no longer this party's).
    pub fn forget(&mut self, session_id: &str) {
        self.cursors.remove(session_id);
    }

    /// The sessions followed, with their cursors.
    #[must_use]
    pub fn all(&self) -> Vec<(String, StoredCursor)> {
        self.cursors
            .iter()
            .map(|(k, (c, _))| (k.clone(), *c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(leg: u32, hs: u32, tx: u64) -> StoredCursor {
        StoredCursor { leg, hs, tx }
    }
    fn hs(leg: u32, seq: u64) -> FramePlace {
        FramePlace { leg, hs: true, seq }
    }
    fn tx(leg: u32, seq: u64) -> FramePlace {
        FramePlace {
            leg,
            hs: false,
            seq,
        }
    }

    #[test]
    fn the_employees_frames_follow_on_in_handshake_then_transport_order() {
        let mut at = c(0, 0, 0);
        for p in [hs(0, 0), hs(0, 2), tx(0, 1), tx(0, 2), tx(0, 3)] {
            assert_eq!(step(at, "e2a", p), Step::Next, "{p:?} after {at:?}");
            at = advance(at, p);
            assert_eq!(step(at, "e2a", p), Step::Repeat, "{p:?} again");
        }
        assert_eq!(at, c(0, 3, 3));
    }

    #[test]
    fn the_agents_frames_follow_on_from_its_one_handshake_frame() {
        let mut at = c(0, 0, 0);
        assert_eq!(step(at, "a2e", tx(0, 1)), Step::Gap);
        for p in [hs(0, 1), tx(0, 1), tx(0, 2)] {
            assert_eq!(step(at, "a2e", p), Step::Next, "{p:?} after {at:?}");
            at = advance(at, p);
        }
        assert_eq!(at, c(0, 2, 2));
    }

    #[test]
    fn a_missing_frame_is_a_gap_and_an_old_one_a_repeat() {
        let at = c(0, 3, 4);
        assert_eq!(step(at, "e2a", tx(0, 6)), Step::Gap);
        assert_eq!(step(at, "e2a", tx(0, 5)), Step::Next);
        assert_eq!(step(at, "e2a", tx(0, 4)), Step::Repeat);
        assert_eq!(step(at, "e2a", hs(0, 2)), Step::Repeat);
        // The employee's transport before its last handshake frame was delivered: a gap.
        assert_eq!(step(c(0, 1, 0), "e2a", tx(0, 1)), Step::Gap);
        assert_eq!(step(c(0, 1, 0), "e2a", hs(0, 2)), Step::Next);
    }

    #[test]
    fn a_new_leg_starts_over_and_an_old_legs_frame_repeats() {
        let at = c(0, 3, 9);
        assert_eq!(step(at, "e2a", hs(1, 0)), Step::Next);
        assert_eq!(step(at, "e2a", hs(1, 2)), Step::Gap);
        assert_eq!(step(at, "a2e", hs(1, 1)), Step::Next);
        assert_eq!(advance(at, hs(1, 0)), c(1, 1, 0));
        assert_eq!(step(c(1, 1, 0), "e2a", tx(0, 10)), Step::Repeat);
        assert_eq!(advance(c(1, 1, 0), tx(0, 10)), c(1, 1, 0));
    }

    #[test]
    fn the_oldest_session_is_dropped_past_the_cap() {
        let mut d = Delivered::default();
        for i in 0..MAX_TRACKED {
            d.set(&format!("s{i}"), c(0, 0, 0));
        }
        d.set("s0", c(0, 1, 0));
        d.set("new", c(0, 0, 0));
        assert_eq!(d.all().len(), MAX_TRACKED);
        assert!(d.get("s1").is_none(), "the least recently moved goes");
        assert_eq!(d.get("s0"), Some(c(0, 1, 0)));
        d.forget("new");
        assert!(d.get("new").is_none());
    }
}
