//! The drivers' connection to the desk: reconnects with capped exponential backoff, and keeps
//! this app's frames until the desk says it stored them, sending them again after a reconnect
//! (the desk acknowledges a duplicate again and never stores it twice).

use super::backoff::Backoff;
use std::sync::Arc;
use std::time::{Duration, Instant};
use verity_device::proto::{codes, Control, Cursor, Frame, FrameKind};
use verity_device::support::Binding;
use verity_device::ws::{Incoming, SupportSocket, WsError};
use verity_device::DeviceContext;

/// How long a read waits before the driver looks at its commands again.
pub(crate) const POLL: Duration = Duration::from_millis(20);

/// What the link has for its driver.
#[derive(Debug)]
pub(crate) enum LinkEvent {
    /// (Re)connected: the frames not yet stored were sent again; the driver joins its sessions.
    Connected,
    /// The connection dropped (it is tried again after a delay).
    Disconnected(String),
    /// A message from the desk.
    Incoming(Incoming),
}

pub(crate) struct Link {
    ctx: Arc<DeviceContext>,
    socket: Option<SupportSocket>,
    backoff: Backoff,
    next_try: Instant,
    pending: Vec<Frame>,
}

/// Whether a refused upgrade is worth trying again (the desk's own failure, a proxy's page).
fn transient(e: &WsError) -> bool {
    match e {
        WsError::Refused { status, code, .. } => {
            *status >= 500 || code == codes::RATE_LIMITED || code == codes::TIMEOUT
        }
        WsError::AnswerNotSigned { status, .. } => *status >= 500,
        other => other.is_transient(),
    }
}

impl Link {
    pub(crate) fn new(ctx: Arc<DeviceContext>) -> Link {
        Link {
            ctx,
            socket: None,
            backoff: Backoff::default(),
            next_try: Instant::now(),
            pending: Vec::new(),
        }
    }

    pub(crate) fn connected(&self) -> bool {
        self.socket.is_some()
    }

    /// The next thing that happened, `Ok(None)` when nothing did within [`POLL`].
    ///
    /// # Errors
    /// A refusal that trying again will not cure (a revoked certificate, `forbidden`…).
    pub(crate) fn poll(&mut self, binding: &Binding) -> Result<Option<LinkEvent>, WsError> {
        let Some(socket) = self.socket.as_mut() else {
            let now = Instant::now();
            if now < self.next_try {
                std::thread::sleep((self.next_try - now).min(POLL));
                return Ok(None);
            }
            return match binding.connect(&self.ctx, POLL) {
                Ok(s) => {
                    self.socket = Some(s);
                    self.backoff.reset();
                    for f in self.pending.clone() {
                        self.write_frame(&f);
                    }
                    Ok(Some(LinkEvent::Connected))
                }
                Err(e) if transient(&e) => {
                    log::info!("support channel: {e}; trying again");
                    self.next_try = Instant::now() + self.backoff.next_delay();
                    Ok(None)
                }
                Err(e) => Err(e),
            };
        };
        match socket.recv() {
            Ok(Some(m)) => Ok(Some(LinkEvent::Incoming(m))),
            Ok(None) => Ok(None),
            Err(e) => {
                self.drop_socket();
                Ok(Some(LinkEvent::Disconnected(e.code().to_owned())))
            }
        }
    }

    /// Drops the connection (it is tried again after a delay).
    pub(crate) fn drop_socket(&mut self) {
        if self.socket.take().is_some() {
            self.next_try = Instant::now() + self.backoff.next_delay();
        }
    }

    fn write_frame(&mut self, f: &Frame) {
        if let Some(s) = self.socket.as_mut() {
            if let Err(e) = s.send_frame(f) {
                log::info!("support channel: {e}");
                self.drop_socket();
            }
        }
    }

    /// Sends a frame now if connected, and keeps it until the desk stored it.
    pub(crate) fn send_frame(&mut self, f: Frame) {
        self.write_frame(&f);
        self.pending.push(f);
    }

    /// Sends a control message if connected (what is lost is said again after the next
    /// connection: joins, presence; typing does not matter).
    pub(crate) fn send_control(&mut self, c: &Control) -> bool {
        let Some(s) = self.socket.as_mut() else {
            return false;
        };
        match s.send_control(c) {
            Ok(()) => true,
            Err(e) => {
                log::info!("support channel: {e}");
                self.drop_socket();
                false
            }
        }
    }

    /// The desk stored this app's frames of `session_id` up to `cursor`: they need not be kept.
    pub(crate) fn stored(&mut self, session_id: &str, cursor: Cursor) {
        self.pending.retain(|f| {
            let covered = f.session_id == session_id
                && (f.leg < cursor.leg
                    || (f.leg == cursor.leg
                        && match f.kind {
                            FrameKind::Hs => f.seq < u64::from(cursor.hs),
                            FrameKind::Tx => f.seq <= cursor.tx,
                        }));
            !covered
        });
    }

    /// Frames of `session_id` not yet stored.
    pub(crate) fn unstored(&self, session_id: &str) -> usize {
        self.pending
            .iter()
            .filter(|f| f.session_id == session_id)
            .count()
    }

    /// Forgets the frames of a session that is over.
    pub(crate) fn forget(&mut self, session_id: &str) {
        self.pending.retain(|f| f.session_id != session_id);
    }

    /// Closes the connection politely.
    pub(crate) fn shutdown(&mut self) {
        if let Some(s) = self.socket.take() {
            s.close();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use verity_device::proto::Direction;

    const S1: &str = "0123456789abcdef0123456789abcdef";
    const S2: &str = "fedcba9876543210fedcba9876543210";

    fn frame(sid: &str, leg: u32, kind: FrameKind, seq: u64) -> Frame {
        Frame {
            v: 1,
            session_id: sid.into(),
            leg,
            dir: Direction::E2a,
            kind,
            seq,
            body: vec![1],
        }
    }

    #[test]
    fn frames_are_kept_until_the_desk_stored_them_per_session_and_leg() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Arc::new(DeviceContext::new(dir.path().to_path_buf(), "0"));
        let mut link = Link::new(ctx);
        assert!(!link.connected());
        for f in [
            frame(S1, 1, FrameKind::Hs, 0),
            frame(S1, 1, FrameKind::Hs, 2),
            frame(S1, 1, FrameKind::Tx, 1),
            frame(S1, 1, FrameKind::Tx, 2),
            frame(S1, 2, FrameKind::Hs, 0),
            frame(S2, 1, FrameKind::Tx, 1),
        ] {
            // Not connected: kept, not lost.
            link.send_frame(f);
        }
        assert_eq!((link.unstored(S1), link.unstored(S2)), (5, 1));
        // hs = highest handshake seq held + 1: seq 0 is stored, seq 2 not yet.
        link.stored(
            S1,
            Cursor {
                leg: 1,
                hs: 1,
                tx: 0,
            },
        );
        assert_eq!(link.unstored(S1), 4);
        link.stored(
            S1,
            Cursor {
                leg: 1,
                hs: 3,
                tx: 1,
            },
        );
        assert_eq!(link.unstored(S1), 2, "tx 2 and leg 2 remain");
        // A later leg's cursor covers every frame of the earlier legs.
        link.stored(
            S1,
            Cursor {
                leg: 2,
                hs: 1,
                tx: 0,
            },
        );
        assert_eq!((link.unstored(S1), link.unstored(S2)), (0, 1));
        link.forget(S2);
        assert_eq!(link.unstored(S2), 0);
    }
}
