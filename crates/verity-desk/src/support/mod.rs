//! Verified support sessions on the desk (issue 13, `docs/support-protocol.md`): the store
//! ([`store`]), the routing decisions ([`routing`], pure, clock given), the hub that carries
//! messages to live WebSockets ([`Hub`]) and the WebSocket itself ([`ws`]). The rules are in
//! `service/support.rs`.
//!
//! The database is the truth; the hub is a best-effort fan-out inside one process, and a
//! [`Bus`] (on PostgreSQL: LISTEN/NOTIFY, `postgres::bus`) carries the same news as hints to the
//! other desks on the database. A connection catches up from the store on a hint, on a gap and
//! every [`relay::CATCH_UP_SECS`] ([`relay`]), and an app that reconnects `Join`s with its
//! cursor: a lost hint loses nothing.

pub mod relay;
pub mod routing;
pub mod store;
pub mod ws;

#[cfg(test)]
pub(crate) mod conformance;

pub(crate) use crate::service::support as service_support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Notify};

/// Messages queued per connection; past it the connection is closed with [`RESYNC_CODE`].
pub const SEND_QUEUE: usize = 256;
/// The WebSocket close code that tells an app to reconnect and `Join` with its cursor.
pub const RESYNC_CODE: u16 = 4000;
/// Most WebSocket connections at once (each one's queue is bounded, so this bounds memory).
pub const MAX_WS_CONNECTIONS: usize = 4096;
/// A waiting session's deadline (no agent by then: closed `expired`).
pub const WAIT_DEADLINE_SECS: u64 = 10 * 60;
/// The agent's first message is due this long after assignment.
pub const FIRST_RESPONSE_SECS: u64 = 2 * 60;
/// Supervisors are alerted at this share of a deadline (per cent).
pub const ALERT_AT_PERCENT: u64 = 80;
/// The queue's estimate per place ahead (seconds).
pub const WAIT_PER_PLACE_SECS: u64 = 60;

/// A message for a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    /// A `Control` as JSON text.
    Text(String),
    /// A stored frame (CBOR) of `session_id`, in the direction the connection's party reads:
    /// sent when it follows what the connection delivered ([`relay::step`]).
    Frame {
        /// The session.
        session_id: String,
        /// Where the frame is.
        place: relay::FramePlace,
        /// The CBOR `Frame`.
        bytes: Vec<u8>,
    },
    /// Not sent: the connection follows `session_id` from `cursor` (a `Join`'s).
    Track {
        /// The session.
        session_id: String,
        /// What the app has.
        cursor: store::StoredCursor,
    },
    /// Not sent: frames of `session_id` were stored by another desk; read them from the store.
    CatchUp {
        /// The session.
        session_id: String,
    },
}

/// News for the other desks on the same database (after the store committed it): what a
/// party's connections there should be told. One desk on SQLite has none.
pub trait Bus: Send + Sync {
    /// This desk's id among the desks (in `pg_stat_activity` as `verity-desk-listen-<id>`).
    fn id(&self) -> &str;
    /// Tells the other desks that `key`'s connections get `out` (a frame travels as a
    /// [`Out::CatchUp`] hint: they read it from the store). Never blocks on the database.
    fn publish(&self, key: &str, out: &Out);
    /// Counts a live connection of `key` on this desk (`up`) or one gone, for
    /// [`Bus::connected_elsewhere`].
    fn link(&self, key: &str, up: bool);
    /// Whether `key` has a live connection on another desk that is alive.
    fn connected_elsewhere(&self, key: &str) -> bool;
    /// Stops the bus's threads (the desk is shutting down); later calls do nothing.
    fn stop(&self);
}

/// Who a hub key names: an employee's device or an agent.
#[must_use]
pub fn employee_key(device_id: &str) -> String {
    format!("e:{device_id}")
}

/// The hub key of an agent.
#[must_use]
pub fn agent_key(agent_id: &str) -> String {
    format!("a:{agent_id}")
}

struct Conn {
    id: u64,
    tx: mpsc::Sender<Out>,
    resync: Arc<Notify>,
    /// Its queue overflowed (it is being closed).
    overflowed: AtomicBool,
}

/// Live connections by party (a party may have several), each with a bounded queue.
#[derive(Default)]
pub struct Hub {
    conns: Mutex<HashMap<String, Vec<Conn>>>,
    next: AtomicU64,
    count: AtomicU64,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

/// A registered connection's end: its id, its queue and its resync signal.
#[derive(Debug)]
pub struct Registration {
    /// The connection's id in the hub.
    pub id: u64,
    /// What the desk sends it.
    pub rx: mpsc::Receiver<Out>,
    /// Raised when its queue overflowed: close with [`RESYNC_CODE`].
    pub resync: Arc<Notify>,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Conn>>> {
        self.conns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers a connection of `key`; `None` past [`MAX_WS_CONNECTIONS`].
    pub fn register(&self, key: &str) -> Option<Registration> {
        let mut conns = self.lock();
        if self.count.load(Ordering::SeqCst) >= MAX_WS_CONNECTIONS as u64 {
            return None;
        }
        self.count.fetch_add(1, Ordering::SeqCst);
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = mpsc::channel(SEND_QUEUE);
        let resync = Arc::new(Notify::new());
        conns.entry(key.to_owned()).or_default().push(Conn {
            id,
            tx,
            resync: resync.clone(),
            overflowed: AtomicBool::new(false),
        });
        Some(Registration { id, rx, resync })
    }

    /// Removes a connection; whether the party has no other one left.
    pub fn unregister(&self, key: &str, id: u64) -> bool {
        let mut conns = self.lock();
        let Some(list) = conns.get_mut(key) else {
            return true;
        };
        let before = list.len();
        list.retain(|c| c.id != id);
        if list.len() < before {
            self.count.fetch_sub(1, Ordering::SeqCst);
        }
        let gone = list.is_empty();
        if gone {
            conns.remove(key);
        }
        gone
    }

    /// Whether the party has a live connection.
    pub fn is_connected(&self, key: &str) -> bool {
        self.lock().get(key).is_some_and(|l| !l.is_empty())
    }

    /// Queues `msg` for every connection of `key`; a full queue raises that connection's
    /// resync (it is closed; the app reconnects and replays from the database).
    pub fn send(&self, key: &str, msg: &Out) {
        let conns = self.lock();
        for c in conns.get(key).into_iter().flatten() {
            match c.tx.try_send(msg.clone()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    // The connection is closed, and its app reconnects and `Join`s.
                    if c.overflowed.swap(true, Ordering::Relaxed) {
                        continue;
                    }
                    tracing::warn!(
                        party = key,
                        queue = SEND_QUEUE,
                        "a connection's send queue is full: it resyncs"
                    );
                    c.resync.notify_one();
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    /// Closes every connection of `key` with [`RESYNC_CODE`] (the app reconnects and `Join`s).
    pub fn resync(&self, key: &str) {
        for c in self.lock().get(key).into_iter().flatten() {
            c.resync.notify_one();
        }
    }

    /// Closes every connection with [`RESYNC_CODE`]: news may have been lost (the bus lost its
    /// database connection), and the apps' `Join`s read the truth from the store.
    pub fn resync_all(&self) {
        for c in self.lock().values().flatten() {
            c.resync.notify_one();
        }
    }

    /// The parties connected here, with how many connections each has.
    pub fn parties(&self) -> Vec<(String, usize)> {
        self.lock()
            .iter()
            .map(|(k, l)| (k.clone(), l.len()))
            .collect()
    }

    /// Connections open now.
    pub fn connections(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }
}
