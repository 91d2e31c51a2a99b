//! Who hears what: a party's live connections are told through this desk's hub and, when
//! several desks share a PostgreSQL database, through the desks' bus (`support::Bus`); presence
//! across desks (a party is online while it has a connection on any desk); the stored frames a
//! connection reads when it catches up.

use super::{dir_str, other, text, Party};
use crate::service::{ApiError, Desk};
use crate::support::relay::{FramePlace, CATCH_UP_SECS};
use crate::support::store::{FrameHead, SessionState, StoredCursor, SupportSessionRecord};
use crate::support::{agent_key, employee_key, Out};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use verity_device::proto::{Control, Frame, FrameKind};

/// Where the assigned sessions' frames ended when this desk's sweep last read them (with other
/// desks only): a connection's periodic catch-up reads the store only for the sessions where it
/// is behind, instead of every session every [`CATCH_UP_SECS`] (at 1,000 sessions over 3 desks,
/// about 800 queries a second saved).
#[derive(Debug, Default)]
pub(crate) struct FrameHeadsCache(RwLock<Option<Arc<FrameHeads>>>);

#[derive(Debug)]
struct FrameHeads {
    taken: Instant,
    by_session: HashMap<String, FrameHead>,
}

impl FrameHeadsCache {
    fn get(&self) -> Option<Arc<FrameHeads>> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Whether the sweep should read the frames' ends again: every [`HEADS_SECS`] (the read
    /// takes tens of milliseconds at 1,000 sessions).
    pub(super) fn due(&self) -> bool {
        self.get().is_none_or(|h| {
            h.taken.elapsed() + Duration::from_millis(500) >= Duration::from_secs(HEADS_SECS)
        })
    }

    fn set(&self, heads: Vec<FrameHead>, taken: Instant) {
        let by_session = heads
            .into_iter()
            .map(|h| (h.session_id.clone(), h))
            .collect();
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(Arc::new(FrameHeads { taken, by_session }));
    }
}

/// How often a desk's sweep reads where the frames end ([`Desk::support_may_be_behind`]).
pub const HEADS_SECS: u64 = 2;

/// Whether frames end past cursor `at` (a later leg with frames, or more in the same leg).
fn ends_past(end: StoredCursor, at: StoredCursor) -> bool {
    if end.leg != at.leg {
        return end.leg > at.leg && (end.hs > 0 || end.tx > 0);
    }
    end.hs > at.hs || end.tx > at.tx
}

impl Desk {
    /// Reads where every assigned session's frames end (the sweep, with other desks).
    pub(super) fn refresh_frame_heads(&self) -> Result<(), ApiError> {
        let taken = Instant::now();
        let heads = self.store.frame_heads()?;
        self.frame_heads.set(heads, taken);
        Ok(())
    }

    /// Whether a connection that reads direction `reads` of `session_id` and has had it up to
    /// `at` may be missing frames, from what a sweep read (every [`HEADS_SECS`]): `true` when
    /// that read does not know the session (not assigned then: the catch-up tells the connection
    /// to stop following it) or is older than three [`CATCH_UP_SECS`] (the sweep is failing:
    /// read everything).
    #[must_use]
    pub fn support_may_be_behind(&self, reads: &str, session_id: &str, at: StoredCursor) -> bool {
        let Some(heads) = self.frame_heads.get() else {
            return true;
        };
        if heads.taken.elapsed() > Duration::from_secs(3 * CATCH_UP_SECS) {
            return true;
        }
        heads
            .by_session
            .get(session_id)
            .is_none_or(|h| ends_past(h.of(reads), at))
    }

    /// Tells `key`'s connections `out`: on this desk through the hub, on the others through the
    /// bus. Called once the store holds what `out` says.
    pub(super) fn tell(&self, key: &str, out: &Out) {
        self.hub.send(key, out);
        if let Some(bus) = self.bus.get() {
            bus.publish(key, out);
        }
    }

    /// Whether `key` has a live connection on this desk or another.
    pub(super) fn is_online(&self, key: &str) -> bool {
        self.hub.is_connected(key) || self.bus.get().is_some_and(|b| b.connected_elsewhere(key))
    }

    /// Whether other desks share this one's database and news ([`Desk::start_fanout`]).
    #[must_use]
    pub fn has_fanout(&self) -> bool {
        self.bus.get().is_some()
    }

    /// This desk's id among the desks sharing its database, once [`Desk::start_fanout`] ran
    /// (`None` on SQLite).
    #[must_use]
    pub fn fanout_id(&self) -> Option<String> {
        self.bus.get().map(|b| b.id().to_owned())
    }

    /// Starts carrying news to the other desks on this database (PostgreSQL: LISTEN/NOTIFY),
    /// for `serve`. Nothing on SQLite. Stopped by [`Desk::stop_fanout`].
    ///
    /// # Errors
    /// The store's, when the bus cannot reach the database.
    pub fn start_fanout(&self) -> Result<(), crate::store::StoreError> {
        if self.bus.get().is_some() {
            return Ok(());
        }
        if let Some(bus) = self.store.start_fanout(self.hub.clone())? {
            if let Err(extra) = self.bus.set(bus) {
                extra.stop();
            }
        }
        Ok(())
    }

    /// Stops the bus's threads (at shutdown).
    pub fn stop_fanout(&self) {
        if let Some(bus) = self.bus.get() {
            bus.stop();
        }
    }

    /// The stored frames `party` reads of `session_id` after `from`, as [`Out::Frame`]s.
    pub(super) fn frames_for(
        &self,
        party: &Party,
        session_id: &str,
        from: StoredCursor,
    ) -> Result<Vec<Out>, ApiError> {
        let theirs = other(party.dir());
        let mut out = Vec::new();
        for f in self.store.frames_after(session_id, dir_str(theirs), from)? {
            let hs = f.kind == "hs";
            let place = FramePlace {
                leg: f.leg,
                hs,
                seq: f.seq,
            };
            let frame = Frame {
                v: 1,
                session_id: session_id.to_owned(),
                leg: f.leg,
                dir: theirs,
                kind: if hs { FrameKind::Hs } else { FrameKind::Tx },
                seq: f.seq,
                body: f.body,
            };
            if let Ok(bytes) = frame.to_cbor() {
                out.push(Out::Frame {
                    session_id: session_id.to_owned(),
                    place,
                    bytes,
                });
            }
        }
        Ok(out)
    }

    /// What a connection of `party` has not had of `session_id`'s frames after `from` (`None`:
    /// the connection never followed it: from the start of the session's leg), and whether the
    /// session is still open (`false`: closed, the connection stops following it once it has
    /// them: the final checkpoints stored before the close still reach the other party). `None`
    /// when the session has no frames to follow (waiting for an agent), is closed and was not
    /// followed, or is not the party's.
    ///
    /// # Errors
    /// Store failures.
    pub fn support_catch_up(
        &self,
        party: &Party,
        session_id: &str,
        from: Option<StoredCursor>,
    ) -> Result<Option<(Vec<Out>, bool)>, ApiError> {
        let Some(s) = self.member_session(party, session_id)? else {
            return Ok(None);
        };
        let open = match s.state {
            SessionState::Assigned => true,
            // A connection that followed it and is behind still gets what was stored before
            // the close (the final checkpoints); one that never followed it gets nothing.
            SessionState::Closed if from.is_some() => false,
            _ => return Ok(None),
        };
        let from = from.unwrap_or(StoredCursor {
            leg: s.leg,
            hs: 0,
            tx: 0,
        });
        Ok(Some((self.frames_for(party, session_id, from)?, open)))
    }

    /// A party's connection is live: counted for the other desks, and its peers are told.
    pub fn support_connected(&self, party: &Party) {
        if let Some(bus) = self.bus.get() {
            bus.link(&party.key(), true);
        }
        self.queue_forget(&party.key());
        self.tell_peers(party, true);
    }

    /// A party's connection ended (`last`: it has no other on this desk): its peers are told
    /// when it has none on another desk either; an agent's drop starts the grace period.
    pub fn support_disconnected(&self, party: &Party, last: bool) {
        if let Some(bus) = self.bus.get() {
            bus.link(&party.key(), false);
            if last && bus.connected_elsewhere(&party.key()) {
                return;
            }
        }
        if !last {
            return;
        }
        // Recorded before the peers hear of it: what they are told is in the store already.
        if let Party::Agent { agent, .. } = party {
            let now = self.clock.now();
            match self.store.agent_dropped(&agent.agent_id, now) {
                Ok(true) => self.support_log(
                    &party.actor(),
                    "support.presence",
                    &agent.agent_id,
                    "",
                    serde_json::json!({"online": false, "why": "disconnected"}),
                ),
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "cannot record an agent's drop"),
            }
        }
        self.tell_peers(party, false);
    }

    pub(super) fn tell_peers(&self, party: &Party, online: bool) {
        let Ok(mine) = self.store.assigned_sessions_of(&party.member()) else {
            return;
        };
        for s in &mine {
            if let Some(peer) = Self::peer_key(party, s) {
                self.tell(
                    &peer,
                    &text(&Control::Peer {
                        session_id: s.session_id.clone(),
                        online,
                    }),
                );
            }
        }
    }

    pub(super) fn peer_key(party: &Party, s: &SupportSessionRecord) -> Option<String> {
        match party {
            Party::Employee { .. } => s.agent_id.as_deref().map(agent_key),
            Party::Agent { .. } => Some(employee_key(&s.device_id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_end_past_a_cursor_when_more_are_stored_or_a_later_leg_has_some() {
        let c = |leg, hs, tx| StoredCursor { leg, hs, tx };
        assert!(!ends_past(c(1, 0, 0), c(1, 0, 0)));
        assert!(ends_past(c(1, 1, 0), c(1, 0, 0)));
        assert!(ends_past(c(1, 2, 3), c(1, 2, 2)));
        assert!(!ends_past(c(1, 2, 3), c(1, 2, 3)));
        // A later leg counts once it has a frame; an earlier one never.
        assert!(!ends_past(c(2, 0, 0), c(1, 3, 9)));
        assert!(ends_past(c(2, 1, 0), c(1, 3, 9)));
        assert!(!ends_past(c(1, 3, 9), c(2, 0, 0)));
    }
}
