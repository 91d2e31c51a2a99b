//! The relay: `GET /v1/support/ws`. The upgrade request is signed like every device request
//! (method `GET`, empty body) and refused before the upgrade with the usual `{code, message}`;
//! a request carrying an `Origin` other than the desk's own is refused (`origin_refused`).
//!
//! Per connection: 64 KiB messages and frames (set explicitly), a token bucket of
//! [`RATE_PER_SEC`] messages a second with a burst of [`RATE_BURST`] (a breach: `Error
//! {rate_limited}`, then close 1008), a bounded send queue ([`super::SEND_QUEUE`]; overflow: close
//! [`super::RESYNC_CODE`] "resync"), [`IDLE_SECS`] idle and [`MAX_SESSION_SECS`] at most.
//!
//! The connection layer: once upgraded, the socket leaves hyper's connection (so neither the
//! 15 s request timeout nor `max_connection_age` applies to it); its own idle and maximum
//! lifetimes bound it instead, and an app whose socket is closed reconnects and `Join`s with its
//! cursor: nothing is lost, the stored frames are the truth.

use super::relay::{self, Delivered};
use super::service_support::Party;
use super::store::StoredCursor;
use super::{Out, RESYNC_CODE};
use crate::addr::client_addr;
use crate::http::HttpState;
use crate::service::{ApiError, Desk, Incoming};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use verity_device::proto::{
    codes, Control, Direction, IDLE_SECS, MAX_SESSION_SECS, MAX_WS_MESSAGE, RATE_BURST,
    RATE_PER_SEC,
};

/// A token bucket: `burst` tokens, refilled at `rate` a second.
#[derive(Debug)]
pub struct TokenBucket {
    tokens: f64,
    burst: f64,
    rate: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket.
    #[must_use]
    pub fn new(burst: u32, rate: u32) -> TokenBucket {
        TokenBucket {
            tokens: f64::from(burst),
            burst: f64::from(burst),
            rate: f64::from(rate),
            at: Instant::now(),
        }
    }

    /// Takes a token at `now`; `false` when empty.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The upgrade: Origin, then the signed request (on the blocking pool), then the socket.
pub(crate) async fn upgrade(
    State(state): State<Arc<HttpState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    if let Some(origin) = headers.get("origin") {
        if origin.to_str().ok() != Some(state.origin.as_str()) {
            return ApiError::new(
                403,
                codes::ORIGIN_REFUSED,
                "a web page may not open the relay",
            )
            .into_response();
        }
    }
    let incoming = Incoming {
        origin: state.origin.clone(),
        method: method.as_str().to_owned(),
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
        auth: crate::http::request_auth(&headers),
        body: Vec::new(),
        peer: client_addr(peer.ip(), &headers, &state.trusted_proxies),
    };
    let desk = state.desk.clone();
    let party = match tokio::task::spawn_blocking(move || desk.support_connect(&incoming)).await {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return e.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "request task failed");
            return ApiError::new(500, codes::INTERNAL, "the desk failed; see its logs")
                .into_response();
        }
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(_) => {
            return ApiError::new(400, codes::BAD_REQUEST, "a WebSocket upgrade is expected")
                .into_response()
        }
    };
    let desk = state.desk.clone();
    ws.max_message_size(MAX_WS_MESSAGE)
        .max_frame_size(MAX_WS_MESSAGE)
        .on_upgrade(move |socket| run(desk, party, socket))
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

async fn send_text(socket: &mut WebSocket, text: String) -> bool {
    socket.send(Message::Text(text.into())).await.is_ok()
}

/// One connection's delivery: its socket, its party and what it has had of each session.
struct Conn {
    desk: Arc<Desk>,
    party: Arc<Party>,
    dir: &'static str,
    delivered: Delivered,
}

impl Conn {
    /// Acts on `out`: a control is sent, a frame is sent when it is the next one (a repeat is
    /// skipped, a gap is read from the store), a hint is read from the store. `false` when the
    /// socket or the store failed.
    async fn deliver(&mut self, socket: &mut WebSocket, out: Out) -> bool {
        match out {
            Out::Text(t) => send_text(socket, t).await,
            Out::Track { session_id, cursor } => {
                self.delivered.set(&session_id, cursor);
                true
            }
            Out::Frame {
                session_id,
                place,
                bytes,
            } => {
                let Some(at) = self.delivered.get(&session_id) else {
                    return self.catch_up(socket, session_id).await;
                };
                match relay::step(at, self.dir, place) {
                    relay::Step::Repeat => true,
                    relay::Step::Next => {
                        self.delivered.set(&session_id, relay::advance(at, place));
                        socket.send(Message::Binary(bytes.into())).await.is_ok()
                    }
                    relay::Step::Gap => self.catch_up(socket, session_id).await,
                }
            }
            Out::CatchUp { session_id } => self.catch_up(socket, session_id).await,
        }
    }

    /// Sends what the store holds of `session_id` after this connection's cursor.
    async fn catch_up(&mut self, socket: &mut WebSocket, session_id: String) -> bool {
        let from = self.delivered.get(&session_id);
        let (desk, party, sid) = (self.desk.clone(), self.party.clone(), session_id.clone());
        let read =
            tokio::task::spawn_blocking(move || desk.support_catch_up(&party, &sid, from)).await;
        let (frames, open) = match read {
            Ok(Ok(Some(read))) => read,
            Ok(Ok(None)) => {
                self.delivered.forget(&session_id);
                return true;
            }
            Ok(Err(e)) => {
                tracing::error!(code = e.code, "support catch-up failed");
                return false;
            }
            Err(e) => {
                tracing::error!(error = %e, "support catch-up task failed");
                return false;
            }
        };
        let mut at = from.unwrap_or_default();
        for f in frames {
            let Out::Frame { place, bytes, .. } = f else {
                continue;
            };
            if from.is_some() && relay::step(at, self.dir, place) == relay::Step::Repeat {
                continue;
            }
            at = relay::advance(at, place);
            if socket.send(Message::Binary(bytes.into())).await.is_err() {
                return false;
            }
        }
        if !open {
            self.delivered.forget(&session_id);
        } else if from.is_some() || at != StoredCursor::default() {
            self.delivered.set(&session_id, at);
        }
        true
    }
}

enum Input {
    Text(String),
    Binary(Vec<u8>),
}

async fn handle(desk: &Arc<Desk>, party: &Arc<Party>, input: Input) -> Result<Vec<Out>, ()> {
    let (desk, party) = (desk.clone(), party.clone());
    let r = tokio::task::spawn_blocking(move || match input {
        Input::Text(t) => desk.support_control(&party, &t),
        Input::Binary(b) => desk.support_frame(&party, &b),
    })
    .await;
    match r {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => {
            tracing::error!(code = e.code, "support message failed");
            Err(())
        }
        Err(e) => {
            tracing::error!(error = %e, "support task failed");
            Err(())
        }
    }
}

async fn run(desk: Arc<Desk>, party: Party, mut socket: WebSocket) {
    let key = party.key();
    let Some(mut reg) = desk.hub().register(&key) else {
        close(&mut socket, 1013, "too many connections").await;
        return;
    };
    let party = Arc::new(party);
    {
        let (d, p) = (desk.clone(), party.clone());
        let _ = tokio::task::spawn_blocking(move || d.support_connected(&p)).await;
    }
    let mut conn = Conn {
        desk: desk.clone(),
        party: party.clone(),
        dir: match party.dir() {
            // The direction this party reads.
            Direction::E2a => "a2e",
            Direction::A2e => "e2a",
        },
        delivered: Delivered::default(),
    };
    let mut bucket = TokenBucket::new(RATE_BURST, RATE_PER_SEC);
    let idle_for = Duration::from_secs(IDLE_SECS);
    let idle = tokio::time::sleep(idle_for);
    tokio::pin!(idle);
    let max = tokio::time::sleep(Duration::from_secs(MAX_SESSION_SECS));
    tokio::pin!(max);
    // Hints from other desks can be lost: with several desks, every followed session is read
    // from the store now and then.
    let every = Duration::from_secs(relay::CATCH_UP_SECS);
    let mut catch_up = tokio::time::interval_at(Instant::now() + every, every);
    catch_up.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let fanout = desk.has_fanout();
    loop {
        tokio::select! {
            m = socket.recv() => {
                let input = match m {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Text(t))) => Input::Text(t.as_str().to_owned()),
                    Some(Ok(Message::Binary(b))) => Input::Binary(b.to_vec()),
                };
                idle.as_mut().reset(Instant::now() + idle_for);
                if !bucket.take(Instant::now()) {
                    let msg = super::service_support::text(&Control::Error {
                        session_id: None,
                        code: codes::RATE_LIMITED.to_owned(),
                        message: "more than 5 messages a second".to_owned(),
                    });
                    if let Out::Text(t) = msg {
                        let _ = send_text(&mut socket, t).await;
                    }
                    close(&mut socket, 1008, "rate limited").await;
                    break;
                }
                let Ok(replies) = handle(&desk, &party, input).await else {
                    close(&mut socket, 1011, "the desk failed").await;
                    break;
                };
                let mut ok = true;
                for r in replies {
                    ok &= conn.deliver(&mut socket, r).await;
                }
                if !ok {
                    break;
                }
            }
            out = reg.rx.recv() => match out {
                Some(o) => if !conn.deliver(&mut socket, o).await { break },
                None => break,
            },
            _ = catch_up.tick(), if fanout => {
                let mut ok = true;
                for (sid, at) in conn.delivered.all() {
                    if desk.support_may_be_behind(conn.dir, &sid, at) {
                        ok &= conn.catch_up(&mut socket, sid).await;
                    }
                }
                if !ok {
                    break;
                }
            }
            () = reg.resync.notified() => {
                close(&mut socket, RESYNC_CODE, "resync").await;
                break;
            }
            () = &mut idle => {
                close(&mut socket, 1000, "idle").await;
                break;
            }
            () = &mut max => {
                close(&mut socket, 1000, "too long").await;
                break;
            }
        }
    }
    let last = desk.hub().unregister(&key, reg.id);
    let _ = tokio::task::spawn_blocking(move || desk.support_disconnected(&party, last)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_allows_a_burst_then_the_rate() {
        let mut b = TokenBucket::new(20, 5);
        let t0 = b.at;
        for _ in 0..20 {
            assert!(b.take(t0));
        }
        assert!(!b.take(t0));
        assert!(b.take(t0 + Duration::from_millis(200)));
        assert!(!b.take(t0 + Duration::from_millis(250)));
        assert!(b.take(t0 + Duration::from_secs(10)));
    }
}
