//! Verified support sessions on the desk (issue 13, `docs/support-protocol.md`): the store
//! ([`store`]), the routing decisions ([`routing`], pure, clock given), the hub that carries
//! messages to live WebSockets ([`Hub`]) and the WebSocket itself ([`ws`]). The rules are in
//! `service/support.rs`.
//!
//! The database is the truth; the hub is a best-effort fan-out inside one process: an app that
//! reconnects `Join`s with its cursor and gets what it missed from the stored frames.

pub mod routing;
pub mod store;
pub mod ws;

#[cfg(test)]
pub(crate) mod conformance;

pub(crate) use crate::service::support as service_support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// A CBOR `Frame`.
    Binary(Vec<u8>),
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
                Err(mpsc::error::TrySendError::Full(_)) => c.resync.notify_one(),
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    /// Connections open now.
    pub fn connections(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }
}
