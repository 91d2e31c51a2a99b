//! What the desk keeps of support sessions (issue 13, `docs/support-protocol.md`): sessions,
//! their stored frames and read cursors, routing rules, agents' presence, sealed transcripts,
//! supervisor alerts and the audit recipient. The database is the truth: a desk that restarts,
//! or another instance, picks up from it; the in-memory hub only carries hints to live sockets.
//!
//! Every decision that races (one open session per employee, an offer, a claim, a frame's place)
//! is one atomic store operation (SQLite: `BEGIN IMMEDIATE` and a compare-and-set update).

use crate::store::StoreError;
use serde::Serialize;

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Waiting for an agent.
    Queued,
    /// Offered to one agent, who has until `offer_expires_at` to accept.
    Offered,
    /// An agent has it.
    Assigned,
    /// Over.
    Closed,
}

impl SessionState {
    /// The stored code.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Queued => "queued",
            SessionState::Offered => "offered",
            SessionState::Assigned => "assigned",
            SessionState::Closed => "closed",
        }
    }

    /// Parses the stored code.
    #[must_use]
    pub fn parse(s: &str) -> Option<SessionState> {
        [
            SessionState::Queued,
            SessionState::Offered,
            SessionState::Assigned,
            SessionState::Closed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A support session as kept (no content: frames are separate, and ciphertext).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupportSessionRecord {
    /// 32 lower-case hex digits.
    pub session_id: String,
    /// The employee.
    pub employee_id: String,
    /// The employee's device.
    pub device_id: String,
    /// The device's binding certificate token, as it opened the session (told to the agent as
    /// a hint in `Assigned`).
    #[serde(skip)]
    pub employee_certificate: String,
    /// The category's code.
    pub category: String,
    /// The employee's language.
    pub language: String,
    /// The region the desk placed the employee in.
    pub region: String,
    /// The team the routing rules chose (`None`: any agent).
    pub team: Option<String>,
    /// Where it stands.
    pub state: SessionState,
    /// Higher first (a dropped agent's sessions come back with a higher priority: the head).
    pub priority: i64,
    /// When it (last) joined the queue.
    pub enqueued_at: u64,
    /// The agent it is offered to.
    pub offered_to: Option<String>,
    /// Until when.
    pub offer_expires_at: Option<u64>,
    /// The agent who has it.
    pub agent_id: Option<String>,
    /// The agent's certificate token, as it accepted.
    #[serde(skip)]
    pub agent_certificate: Option<String>,
    /// The current leg (1, +1 at each new handshake).
    pub leg: u32,
    /// No agent by then: closed `expired`.
    pub wait_deadline: u64,
    /// The agent's first message is due by then (set at assignment).
    pub first_response_deadline: Option<u64>,
    /// When the agent's first transport frame was stored.
    pub first_response_at: Option<u64>,
    /// The wait deadline's 80 % alert was raised.
    pub wait_alerted: bool,
    /// The first-response deadline's 80 % alert was raised.
    pub response_alerted: bool,
    /// The call in progress, if any.
    pub call_id: Option<String>,
    /// How it ended.
    pub outcome: Option<String>,
    /// Opened at.
    pub opened_at: u64,
    /// Assigned at (the latest assignment).
    pub assigned_at: Option<u64>,
    /// Closed at.
    pub closed_at: Option<u64>,
    /// The last frame stored (or the opening).
    pub last_frame_at: u64,
    /// Frames stored, every leg and direction.
    pub frames: u64,
    /// Ciphertext bytes stored.
    pub bytes: u64,
}

/// A routing rule: `(category, region, language) -> team`, `*` for any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteRecord {
    /// Its id.
    pub id: i64,
    /// A category code or `*`.
    pub category: String,
    /// A region (ISO 3166 alpha-2) or `*`.
    pub region: String,
    /// A language or `*`.
    pub language: String,
    /// The team.
    pub team: String,
}

/// An agent's presence as kept (not only in memory: another instance, or a restarted desk,
/// sees it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresenceRecord {
    /// The agent.
    pub agent_id: String,
    /// Taking sessions.
    pub online: bool,
    /// The last heartbeat (or presence change).
    pub last_heartbeat: u64,
    /// When the agent last had no session (ties go to the longest idle).
    pub last_idle_at: Option<u64>,
    /// When the agent's app dropped (disconnected or stopped its heartbeats), if it has not come
    /// back since: its sessions go back to the queue [`verity_device::proto::DROP_GRACE_SECS`]
    /// later.
    pub dropped_at: Option<u64>,
}

/// A frame to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameIn<'a> {
    /// The session.
    pub session_id: &'a str,
    /// The leg.
    pub leg: u32,
    /// `e2a` or `a2e`.
    pub dir: &'a str,
    /// `hs` or `tx`.
    pub kind: &'a str,
    /// Its place.
    pub seq: u64,
    /// The ciphertext.
    pub body: &'a [u8],
}

/// A stored frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFrame {
    /// The leg.
    pub leg: u32,
    /// `e2a` or `a2e`.
    pub dir: String,
    /// `hs` or `tx`.
    pub kind: String,
    /// Its place.
    pub seq: u64,
    /// The ciphertext.
    pub body: Vec<u8>,
}

/// Where the stored frames of one direction of one leg end: `hs` is the highest handshake seq
/// stored plus one (0: none), `tx` the highest transport seq (0: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoredCursor {
    /// The leg.
    pub leg: u32,
    /// Handshake frames: highest seq + 1.
    pub hs: u32,
    /// Transport frames: highest seq.
    pub tx: u64,
}

/// A party of sessions, as the store finds its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionMember<'a> {
    /// An employee's device.
    Employee {
        /// The employee.
        employee_id: &'a str,
        /// The device.
        device_id: &'a str,
    },
    /// An agent.
    Agent(&'a str),
}

/// Where an assigned session's stored frames end in its current leg, in each direction (no
/// frame in a direction yet: that leg with `hs` and `tx` 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameHead {
    /// The session.
    pub session_id: String,
    /// The employee's frames.
    pub e2a: StoredCursor,
    /// The agent's frames.
    pub a2e: StoredCursor,
}

impl FrameHead {
    /// The end of direction `dir`'s frames.
    #[must_use]
    pub fn of(&self, dir: &str) -> StoredCursor {
        if dir == "e2a" {
            self.e2a
        } else {
            self.a2e
        }
    }
}

/// [`SupportStore::frame_heads`]'s query (the same text on both stores), giving
/// [`FrameHeadRow`]s.
pub const FRAME_HEADS_SQL: &str = "SELECT s.session_id, s.leg, f.dir, \
    MAX(CASE WHEN f.kind = 'hs' THEN f.seq END), \
    MAX(CASE WHEN f.kind = 'tx' THEN f.seq END) \
    FROM support_sessions s LEFT JOIN support_frames f \
    ON f.session_id = s.session_id AND f.leg = s.leg \
    WHERE s.state = 'assigned' GROUP BY s.session_id, s.leg, f.dir";

/// One row of [`SupportStore::frame_heads`]'s query: a session, its leg, a direction with
/// frames in that leg (`None`: none in either) and its highest handshake and transport seqs.
pub type FrameHeadRow = (String, u32, Option<String>, Option<u64>, Option<u64>);

/// Folds [`FrameHeadRow`]s (a session's rows together or not) into one [`FrameHead`] a session.
#[must_use]
pub fn fold_frame_heads(rows: impl IntoIterator<Item = FrameHeadRow>) -> Vec<FrameHead> {
    let mut heads: Vec<FrameHead> = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (session_id, leg, dir, hs, tx) in rows {
        let i = *at.entry(session_id.clone()).or_insert_with(|| {
            let empty = StoredCursor { leg, hs: 0, tx: 0 };
            heads.push(FrameHead {
                session_id,
                e2a: empty,
                a2e: empty,
            });
            heads.len() - 1
        });
        let end = StoredCursor {
            leg,
            hs: hs.map_or(0, |h| {
                u32::try_from(h.saturating_add(1)).unwrap_or(u32::MAX)
            }),
            tx: tx.unwrap_or(0),
        };
        match dir.as_deref() {
            Some("e2a") => heads[i].e2a = end,
            Some("a2e") => heads[i].a2e = end,
            _ => {}
        }
    }
    heads
}

/// Why a frame was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameRefusal {
    /// No such session.
    Unknown,
    /// The session is over.
    Closed,
    /// Not assigned to an agent (yet).
    NotAssigned,
    /// Not the session's leg (nor a new leg's first handshake message).
    Leg,
    /// Not the next frame expected.
    Order,
    /// A frame with this place is stored with other bytes.
    Conflict,
    /// The session's frame or byte cap.
    Full,
}

/// What [`SupportStore::store_frame`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameOutcome {
    /// Stored; `new_leg` when it started a new leg; `first_response` when it was the agent's
    /// first transport frame.
    Stored {
        /// Where the direction now ends.
        cursor: StoredCursor,
        /// It started a new leg.
        new_leg: bool,
        /// The agent's first message.
        first_response: bool,
    },
    /// Stored already, with the same bytes: acknowledged again.
    Duplicate {
        /// Where the direction ends.
        cursor: StoredCursor,
    },
    /// Refused.
    Refused(FrameRefusal),
}

/// What [`SupportStore::claim_session`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// This agent has it.
    Claimed,
    /// Not offered to this agent (any more): taken, withdrawn, or never offered.
    AlreadyTaken,
    /// The agent is at capacity.
    AtCapacity,
}

/// A supervisor alert (a deadline at 80 %).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertRecord {
    /// Its id.
    pub id: i64,
    /// The session.
    pub session_id: String,
    /// `wait` or `first_response`.
    pub kind: String,
    /// When.
    pub at: u64,
}

/// The support tables. A supertrait of [`crate::store::DeskStore`].
pub trait SupportStore {
    /// Starts the bus that carries news between the desks sharing this database, delivering
    /// what the others publish to `hub` (PostgreSQL: LISTEN/NOTIFY). `None` where one desk
    /// serves the database alone (SQLite: a second `serve` is refused).
    ///
    /// # Errors
    /// Store failures (the database cannot be reached).
    fn start_fanout(
        &self,
        hub: std::sync::Arc<super::Hub>,
    ) -> Result<Option<Box<dyn super::Bus>>, StoreError> {
        let _ = hub;
        Ok(None)
    }

    /// The audit recipient (`age1…`) the apps seal transcripts to, if set.
    ///
    /// # Errors
    /// Store failures.
    fn audit_recipient(&self) -> Result<Option<String>, StoreError>;
    /// Sets (or clears) it.
    ///
    /// # Errors
    /// Store failures.
    fn set_audit_recipient(&self, recipient: Option<&str>, at: u64) -> Result<(), StoreError>;

    /// Adds a routing rule; its id.
    ///
    /// # Errors
    /// Store failures.
    fn add_route(
        &self,
        category: &str,
        region: &str,
        language: &str,
        team: &str,
    ) -> Result<i64, StoreError>;
    /// Every rule, by id.
    ///
    /// # Errors
    /// Store failures.
    fn routes(&self) -> Result<Vec<RouteRecord>, StoreError>;
    /// Removes a rule; whether it existed.
    ///
    /// # Errors
    /// Store failures.
    fn remove_route(&self, id: i64) -> Result<bool, StoreError>;

    /// Records a new queued session unless the employee has one open already (`false`).
    ///
    /// # Errors
    /// Store failures.
    fn open_support_session(&self, s: &SupportSessionRecord) -> Result<bool, StoreError>;
    /// A session.
    ///
    /// # Errors
    /// Store failures.
    fn support_session(&self, session_id: &str)
        -> Result<Option<SupportSessionRecord>, StoreError>;
    /// The employee's open (not closed) session.
    ///
    /// # Errors
    /// Store failures.
    fn open_session_of(
        &self,
        employee_id: &str,
    ) -> Result<Option<SupportSessionRecord>, StoreError>;
    /// Sessions not closed, in queue order for the waiting ones (priority, then enqueued_at).
    ///
    /// # Errors
    /// Store failures.
    fn live_sessions(&self) -> Result<Vec<SupportSessionRecord>, StoreError>;
    /// Sessions queued or offered, in queue order: [`SupportStore::live_sessions`]'s waiting
    /// ones, without reading every assigned session (the drain on each close, a place in the
    /// queue).
    ///
    /// # Errors
    /// Store failures.
    fn waiting_sessions(&self) -> Result<Vec<SupportSessionRecord>, StoreError>;
    /// The assigned sessions `member` is a party of (its peers are told when it connects or
    /// leaves), through an index rather than every live session.
    ///
    /// # Errors
    /// Store failures.
    fn assigned_sessions_of(
        &self,
        member: &SessionMember<'_>,
    ) -> Result<Vec<SupportSessionRecord>, StoreError>;
    /// The most recent sessions (opened last first).
    ///
    /// # Errors
    /// Store failures.
    fn recent_sessions(&self, limit: u32) -> Result<Vec<SupportSessionRecord>, StoreError>;

    /// Offers a queued session to `agent_id` until `expires_at` (compare-and-set on `queued`),
    /// only while the agent holds fewer than `capacity` sessions assigned or offered: desks
    /// draining one queue together never offer an agent more than it can take.
    ///
    /// # Errors
    /// Store failures.
    fn offer_session(
        &self,
        session_id: &str,
        agent_id: &str,
        capacity: u32,
        expires_at: u64,
    ) -> Result<bool, StoreError>;
    /// The agent takes the session offered to it, if it is still offered to it and the agent is
    /// below `capacity` (one `BEGIN IMMEDIATE` compare-and-set).
    ///
    /// # Errors
    /// Store failures.
    fn claim_session(
        &self,
        session_id: &str,
        agent_id: &str,
        agent_certificate: &str,
        capacity: u32,
        now: u64,
        first_response_deadline: u64,
    ) -> Result<ClaimOutcome, StoreError>;
    /// Puts an offered session back in the queue (declined or lapsed), remembering that this
    /// agent let it go (`false`: not offered to this agent any more).
    ///
    /// # Errors
    /// Store failures.
    fn withdraw_offer(&self, session_id: &str, agent_id: &str) -> Result<bool, StoreError>;
    /// Puts an assigned session back in the queue: `team` for a transfer (`None`: keep),
    /// `head` to put it first (a dropped agent's). `false`: not assigned to this agent.
    ///
    /// # Errors
    /// Store failures.
    fn requeue_session(
        &self,
        session_id: &str,
        agent_id: &str,
        team: Option<&str>,
        head: bool,
        now: u64,
    ) -> Result<bool, StoreError>;
    /// Agents who declined (or let lapse) an offer of this session since it was last requeued.
    ///
    /// # Errors
    /// Store failures.
    fn declined_by(&self, session_id: &str) -> Result<Vec<String>, StoreError>;
    /// Closes a session; the record as closed, or `None` when it was closed already.
    ///
    /// # Errors
    /// Store failures.
    fn close_support_session(
        &self,
        session_id: &str,
        outcome: &str,
        now: u64,
    ) -> Result<Option<SupportSessionRecord>, StoreError>;
    /// Sets or clears the call of a session assigned to `agent_id`.
    ///
    /// # Errors
    /// Store failures.
    fn set_call(
        &self,
        session_id: &str,
        agent_id: &str,
        call_id: Option<&str>,
    ) -> Result<bool, StoreError>;
    /// Raises a deadline's alert once (`kind`: `wait` or `first_response`); `false` if raised
    /// already.
    ///
    /// # Errors
    /// Store failures.
    fn raise_alert(&self, session_id: &str, kind: &str, now: u64) -> Result<bool, StoreError>;
    /// The latest alerts.
    ///
    /// # Errors
    /// Store failures.
    fn alerts(&self, limit: u32) -> Result<Vec<AlertRecord>, StoreError>;

    /// Stores a frame at its place (one transaction: session, leg, order, caps, duplicate).
    ///
    /// # Errors
    /// Store failures.
    fn store_frame(
        &self,
        f: &FrameIn<'_>,
        now: u64,
        max_frames: u64,
        max_bytes: u64,
    ) -> Result<FrameOutcome, StoreError>;
    /// The frames of direction `dir` after the cursor `(leg, hs, tx)` (legs after `leg` whole),
    /// in order.
    ///
    /// # Errors
    /// Store failures.
    fn frames_after(
        &self,
        session_id: &str,
        dir: &str,
        cursor: StoredCursor,
    ) -> Result<Vec<StoredFrame>, StoreError>;
    /// Where every assigned session's frames end in its current leg ([`FrameHead`]): one read
    /// for all of a desk's connections' periodic catch-ups.
    ///
    /// # Errors
    /// Store failures.
    fn frame_heads(&self) -> Result<Vec<FrameHead>, StoreError>;
    /// Records what the reader of direction `dir` acknowledged.
    ///
    /// # Errors
    /// Store failures.
    fn set_ack(&self, session_id: &str, dir: &str, c: StoredCursor) -> Result<(), StoreError>;

    /// Sets an agent online or away (a heartbeat too; clears a drop).
    ///
    /// # Errors
    /// Store failures.
    fn set_presence(&self, agent_id: &str, online: bool, now: u64) -> Result<(), StoreError>;
    /// A heartbeat; `false` when the agent is not online.
    ///
    /// # Errors
    /// Store failures.
    fn heartbeat(&self, agent_id: &str, now: u64) -> Result<bool, StoreError>;
    /// The agent's app dropped at `at` (unless it dropped already).
    ///
    /// # Errors
    /// Store failures.
    fn agent_dropped(&self, agent_id: &str, at: u64) -> Result<bool, StoreError>;
    /// Every agent's presence.
    ///
    /// # Errors
    /// Store failures.
    fn presences(&self) -> Result<Vec<PresenceRecord>, StoreError>;
    /// The agent has no session since `now`.
    ///
    /// # Errors
    /// Store failures.
    fn set_idle(&self, agent_id: &str, now: u64) -> Result<(), StoreError>;

    /// Keeps one side's sealed transcript; `false` if that side uploaded one already.
    ///
    /// # Errors
    /// Store failures.
    fn put_transcript(
        &self,
        session_id: &str,
        sealed_by: &str,
        sealed: &[u8],
        now: u64,
    ) -> Result<bool, StoreError>;
    /// One side's sealed transcript.
    ///
    /// # Errors
    /// Store failures.
    fn transcript(&self, session_id: &str, sealed_by: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

/// What a store reads, inside the transaction that stores a frame, for [`judge_frame`].
pub(crate) trait FrameReads {
    /// The body of the stored frame at (`leg`, `dir`, `kind`, `seq`), if there is one.
    fn frame_body(
        &mut self,
        leg: u32,
        dir: &str,
        kind: &str,
        seq: u64,
    ) -> Result<Option<Vec<u8>>, StoreError>;
    /// The highest handshake and message places stored for (`leg`, `dir`).
    fn cursor(&mut self, leg: u32, dir: &str) -> Result<StoredCursor, StoreError>;
}

/// A frame judged: answered without storing, or to be stored.
pub(crate) enum FrameVerdict {
    /// Refused, or a duplicate acknowledged again.
    Answer(FrameOutcome),
    /// To be stored: the session's counters then move by `len` bytes.
    Store {
        /// It opens the session's next leg.
        new_leg: bool,
        /// The agent's first message.
        first_response: bool,
        /// The body's length.
        len: u64,
    },
}

/// The handshake frame that must precede (`dir`, `seq`) in its leg: `None` if `seq` is no
/// handshake place, `Some(None)` for the first.
fn handshake_before(dir: &str, seq: u64) -> Option<Option<(&'static str, u64)>> {
    match (dir, seq) {
        ("e2a", 0) => Some(None),
        ("a2e", 1) => Some(Some(("e2a", 0))),
        ("e2a", 2) => Some(Some(("a2e", 1))),
        _ => None,
    }
}

/// The rules of a frame, the same for every store (which holds the session's writers one after
/// another while it judges and stores): the session's state, duplicates, legs, order and caps.
pub(crate) fn judge_frame(
    s: &SupportSessionRecord,
    f: &FrameIn<'_>,
    max_frames: u64,
    max_bytes: u64,
    r: &mut impl FrameReads,
) -> Result<FrameVerdict, StoreError> {
    let refuse = |why| Ok(FrameVerdict::Answer(FrameOutcome::Refused(why)));
    match s.state {
        SessionState::Closed => return refuse(FrameRefusal::Closed),
        SessionState::Assigned => {}
        _ => return refuse(FrameRefusal::NotAssigned),
    }
    // A duplicate of a stored frame (any leg) is acknowledged again, never stored twice.
    if let Some(body) = r.frame_body(f.leg, f.dir, f.kind, f.seq)? {
        if body != f.body {
            return refuse(FrameRefusal::Conflict);
        }
        return Ok(FrameVerdict::Answer(FrameOutcome::Duplicate {
            cursor: r.cursor(f.leg, f.dir)?,
        }));
    }
    let new_leg =
        f.leg == s.leg.saturating_add(1) && f.dir == "e2a" && f.kind == "hs" && f.seq == 0;
    if f.leg != s.leg && !new_leg {
        return refuse(FrameRefusal::Leg);
    }
    let in_order = match f.kind {
        "hs" => match handshake_before(f.dir, f.seq) {
            None => false,
            Some(None) => true,
            Some(Some((d, q))) => r.frame_body(f.leg, d, "hs", q)?.is_some(),
        },
        _ => {
            let done = r.frame_body(f.leg, "e2a", "hs", 2)?.is_some();
            done && f.seq == r.cursor(f.leg, f.dir)?.tx + 1
        }
    };
    if !in_order {
        return refuse(FrameRefusal::Order);
    }
    let len = u64::try_from(f.body.len()).unwrap_or(u64::MAX);
    if s.frames + 1 > max_frames || s.bytes.saturating_add(len) > max_bytes {
        return refuse(FrameRefusal::Full);
    }
    Ok(FrameVerdict::Store {
        new_leg,
        first_response: f.dir == "a2e" && f.kind == "tx" && s.first_response_at.is_none(),
        len,
    })
}
