//! The support WebSocket, client side (issue 13; `docs/support-protocol.md`).
//!
//! Blocking `tungstenite` over a `TcpStream`, wrapped in rustls for `https` desks with the same
//! trust as [`DeskClient`] (the OS verifier plus the organisation's extra root), plain to a
//! loopback `http` desk only (the address rules of [`crate::client::parse_desk_url`]). The
//! upgrade request is a signed device request (method `GET`, path `/v1/support/ws`, empty body,
//! the four headers with the `vc1.` or `va1.` certificate). A refusal of the upgrade is read as
//! the desk's `{code, message}` only when it carries the organisation key's signature for this
//! request's nonce, as every answer must; an unsigned one is [`WsError::AnswerNotSigned`]. A
//! `101` carrying a signature that does not verify is refused too.
//!
//! Messages are capped at [`MAX_WS_MESSAGE`] both ways. The socket has a read timeout
//! (`poll`): [`SupportSocket::recv`] returns `Ok(None)` when it elapses, so the caller can send
//! heartbeats and look at its command queue. The system's HTTP proxy is not used.

use crate::client::{ClientError, ClientOptions, DeskClient};
use crate::clock::Clock;
use crate::proto::{self, paths, ApiErrorBody, Control, Frame, FrameError, MAX_WS_MESSAGE};
use ed25519_dalek::SigningKey;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::HandshakeError;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

/// How long connecting and the upgrade may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the socket could not be opened, or failed.
#[derive(Debug, thiserror::Error)]
pub enum WsError {
    /// A bad address or a signing failure.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The desk could not be reached (network, TLS, a lost connection).
    #[error("cannot reach the desk's support channel: {0}")]
    Unreachable(String),
    /// The desk refused the upgrade (a signed `{code, message}`).
    #[error("the desk refused the support channel: {message} ({code})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// A code from [`proto::codes`].
        code: String,
        /// The desk's words.
        message: String,
    },
    /// A refusal without the organisation key's signature: never read as the desk's word.
    #[error("the answer (HTTP {status}) is not signed by the organisation's key ({why})")]
    AnswerNotSigned {
        /// Its HTTP status.
        status: u16,
        /// What is wrong.
        why: &'static str,
    },
    /// The desk closed the socket (`code` 4000: resync; 1008: a limit).
    #[error("the desk closed the support channel ({code:?}: {reason})")]
    Closed {
        /// The close code, if any.
        code: Option<u16>,
        /// The close reason.
        reason: String,
    },
    /// A message over [`MAX_WS_MESSAGE`], either way.
    #[error("a support message is larger than 64 KiB")]
    TooLarge,
    /// The desk sent something that is neither a `Control` nor a `Frame`.
    #[error("the desk sent a malformed support message: {0}")]
    Malformed(String),
}

impl WsError {
    /// A stable code (the desk's for a signed refusal).
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            WsError::Client(ClientError::BadUrl { .. }) => "bad_desk_url",
            WsError::Client(_) | WsError::Unreachable(_) => "desk_unreachable",
            WsError::Refused { code, .. } => code,
            WsError::AnswerNotSigned { .. } => "answer_unsigned",
            WsError::Closed { .. } => "channel_closed",
            WsError::TooLarge => proto::codes::TOO_LARGE,
            WsError::Malformed(_) => "malformed",
        }
    }

    /// Whether reconnecting may help (a dropped or closed connection), as opposed to a refusal.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            WsError::Unreachable(_)
                | WsError::Closed { .. }
                | WsError::Client(ClientError::Unreachable(_))
        )
    }
}

/// What the desk sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A text message.
    Control(Control),
    /// A binary message.
    Frame(Frame),
}

/// A TCP stream, in TLS or not.
enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// An open support WebSocket.
pub struct SupportSocket {
    ws: WebSocket<Stream>,
}

impl std::fmt::Debug for SupportSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupportSocket").finish_non_exhaustive()
    }
}

fn unreachable(e: impl std::fmt::Display) -> WsError {
    WsError::Unreachable(e.to_string())
}

fn tls_config(options: &ClientOptions) -> Result<Arc<rustls::ClientConfig>, WsError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let extra = match &options.extra_roots_pem {
        Some(pem) => CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| unreachable(format!("bad CA certificate: {e}")))?,
        None => Vec::new(),
    };
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
            .map_err(|e| unreachable(format!("cannot set up TLS: {e}")))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| unreachable(format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

impl SupportSocket {
    /// Opens the support WebSocket of the desk `client` talks to, signed with `key` and
    /// `certificate` (`vc1.` or `va1.`); `options` gives the extra root for TLS; `poll` is the read
    /// timeout after the upgrade. The client must be pinned to the organisation key.
    ///
    /// # Errors
    /// [`WsError`]: the desk's signed refusal with its code (`origin_refused`,
    /// `certificate_invalid`, `agent_revoked`…), or a network failure.
    pub fn connect(
        client: &DeskClient,
        options: &ClientOptions,
        key: &SigningKey,
        certificate: &str,
        clock: &dyn Clock,
        poll: Duration,
    ) -> Result<SupportSocket, WsError> {
        let org_key = client
            .org_key()
            .ok_or(WsError::Client(ClientError::BadResponse(
                "no organisation key to check the answer with".into(),
            )))?;
        let prepared = client.prepare(
            "GET",
            paths::SUPPORT_WS,
            Vec::new(),
            key,
            Some(certificate),
            clock,
        )?;
        let auth = prepared
            .auth
            .as_ref()
            .ok_or_else(|| WsError::Malformed("unsigned request".into()))?;
        let mut ws_url = prepared.url.clone();
        let tls = ws_url.scheme() == "https";
        let scheme = if tls { "wss" } else { "ws" };
        ws_url
            .set_scheme(scheme)
            .map_err(|()| WsError::Malformed("the desk address".into()))?;
        let host = ws_url
            .host_str()
            .ok_or_else(|| WsError::Malformed("no host".into()))?
            .to_owned();
        let addrs: Vec<SocketAddr> = prepared.url.socket_addrs(|| None).map_err(unreachable)?;
        let mut last = None;
        let mut tcp = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let tcp = tcp.ok_or_else(|| {
            unreachable(last.map_or_else(|| "no address".to_owned(), |e| e.to_string()))
        })?;
        tcp.set_nodelay(true).map_err(unreachable)?;
        tcp.set_read_timeout(Some(CONNECT_TIMEOUT))
            .map_err(unreachable)?;
        tcp.set_write_timeout(Some(CONNECT_TIMEOUT))
            .map_err(unreachable)?;
        let stream = if tls {
            let name = rustls::pki_types::ServerName::try_from(host.trim_matches(['[', ']']))
                .map_err(|e| unreachable(format!("bad server name: {e}")))?
                .to_owned();
            let conn = rustls::ClientConnection::new(tls_config(options)?, name)
                .map_err(|e| unreachable(format!("TLS: {e}")))?;
            Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp)))
        } else {
            Stream::Plain(tcp)
        };

        let mut req = ws_url
            .as_str()
            .into_client_request()
            .map_err(|e| WsError::Malformed(e.to_string()))?;
        let headers = req.headers_mut();
        let mut put = |name: &'static str, value: &str| -> Result<(), WsError> {
            let v = tungstenite::http::HeaderValue::from_str(value)
                .map_err(|_| WsError::Malformed(format!("header {name}")))?;
            headers.insert(name, v);
            Ok(())
        };
        put(proto::H_TIMESTAMP, &auth.timestamp.to_string())?;
        put(proto::H_NONCE, &auth.nonce)?;
        put(proto::H_SIGNATURE, &auth.signature)?;
        put(proto::H_CERTIFICATE, certificate)?;
        put(
            "user-agent",
            concat!("verity-device/", env!("CARGO_PKG_VERSION")),
        )?;

        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_WS_MESSAGE))
            .max_frame_size(Some(MAX_WS_MESSAGE));
        let origin = client.origin().to_owned();
        let (ws, resp) = match tungstenite::client::client_with_config(req, stream, Some(config)) {
            Ok(v) => v,
            Err(HandshakeError::Interrupted(_)) => {
                return Err(WsError::Unreachable("the upgrade timed out".into()))
            }
            Err(HandshakeError::Failure(tungstenite::Error::Http(resp))) => {
                let status = resp.status().as_u16();
                let body = resp.body().clone().unwrap_or_default();
                let unsigned = |why| WsError::AnswerNotSigned { status, why };
                let sig = resp
                    .headers()
                    .get(proto::H_RESPONSE_SIGNATURE)
                    .and_then(|v| v.to_str().ok())
                    .ok_or(unsigned("no signature"))?;
                proto::verify_response(&org_key, &origin, &auth.nonce, &body, sig)
                    .map_err(|_| unsigned("the signature does not verify"))?;
                return Err(match serde_json::from_slice::<ApiErrorBody>(&body) {
                    Ok(e) => WsError::Refused {
                        status,
                        code: e.code,
                        message: e.message,
                    },
                    Err(_) => WsError::Malformed(format!("HTTP {status}")),
                });
            }
            Err(HandshakeError::Failure(e)) => return Err(unreachable(e)),
        };
        if let Some(sig) = resp
            .headers()
            .get(proto::H_RESPONSE_SIGNATURE)
            .and_then(|v| v.to_str().ok())
        {
            proto::verify_response(&org_key, &origin, &auth.nonce, &[], sig).map_err(|_| {
                WsError::AnswerNotSigned {
                    status: 101,
                    why: "the signature does not verify",
                }
            })?;
        }
        ws.get_ref()
            .tcp()
            .set_read_timeout(Some(poll.max(Duration::from_millis(10))))
            .map_err(unreachable)?;
        Ok(SupportSocket { ws })
    }

    fn send(&mut self, m: Message) -> Result<(), WsError> {
        self.ws.send(m).map_err(map_err)
    }

    /// Sends a control message.
    ///
    /// # Errors
    /// [`WsError`].
    pub fn send_control(&mut self, c: &Control) -> Result<(), WsError> {
        let s = serde_json::to_string(c).map_err(|e| WsError::Malformed(e.to_string()))?;
        if s.len() > MAX_WS_MESSAGE {
            return Err(WsError::TooLarge);
        }
        self.send(Message::text(s))
    }

    /// Sends a frame.
    ///
    /// # Errors
    /// [`WsError`].
    pub fn send_frame(&mut self, f: &Frame) -> Result<(), WsError> {
        let bytes = f.to_cbor().map_err(|e| match e {
            FrameError::TooLarge => WsError::TooLarge,
            FrameError::Malformed(m) => WsError::Malformed(m),
        })?;
        self.send(Message::binary(bytes))
    }

    /// The next message, or `None` when the poll interval passed without one (pings are
    /// answered by the way).
    ///
    /// # Errors
    /// [`WsError::Closed`] when the desk closed the socket, [`WsError::Malformed`] for garbage,
    /// [`WsError::Unreachable`] for a lost connection.
    pub fn recv(&mut self) -> Result<Option<Incoming>, WsError> {
        match self.ws.read() {
            Ok(Message::Text(t)) => serde_json::from_str::<Control>(t.as_str())
                .map(|c| Some(Incoming::Control(c)))
                .map_err(|e| WsError::Malformed(e.to_string())),
            Ok(Message::Binary(b)) => Frame::from_cbor(&b)
                .map(|f| Some(Incoming::Frame(f)))
                .map_err(|e| WsError::Malformed(e.to_string())),
            Ok(Message::Close(c)) => Err(WsError::Closed {
                code: c.as_ref().map(|c| u16::from(c.code)),
                reason: c.map(|c| c.reason.to_string()).unwrap_or_default(),
            }),
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => Ok(None),
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(map_err(e)),
        }
    }

    /// Closes the socket politely (errors are ignored: it is going away).
    pub fn close(mut self) {
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
    }
}

fn map_err(e: tungstenite::Error) -> WsError {
    match e {
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            WsError::Closed {
                code: None,
                reason: "connection closed".into(),
            }
        }
        tungstenite::Error::Capacity(_) => WsError::TooLarge,
        tungstenite::Error::Protocol(p) => WsError::Malformed(p.to_string()),
        tungstenite::Error::Utf8(m) => WsError::Malformed(m),
        other => WsError::Unreachable(other.to_string()),
    }
}

#[cfg(test)]
// tungstenite's server callback has this error type.
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::result_large_err
)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::proto::{Cursor, Direction, FrameKind, RequestAuth};
    use std::net::TcpListener;
    use tungstenite::handshake::server::{ErrorResponse, Request, Response};

    /// What the test server does with an upgrade whose signature verifies.
    #[derive(Clone, Copy)]
    enum Mode {
        /// Accept, then echo each message, then send one of 70 KiB.
        Echo,
        /// Refuse with a signed `{code, message}`.
        RefuseSigned,
        /// Refuse with the same body, unsigned (a proxy's page).
        RefuseUnsigned,
    }

    fn header(req: &Request, name: &str) -> String {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// A one-connection WebSocket server on loopback that checks the device's signature on the
    /// upgrade; returns its URL.
    fn serve(org: SigningKey, device: ed25519_dalek::VerifyingKey, mode: Mode) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let origin = url.clone();
        std::thread::spawn(move || {
            let (tcp, _) = listener.accept().unwrap();
            let cb = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
                let auth = RequestAuth {
                    timestamp: header(req, proto::H_TIMESTAMP).parse().unwrap(),
                    nonce: header(req, proto::H_NONCE),
                    signature: header(req, proto::H_SIGNATURE),
                    certificate: Some(header(req, proto::H_CERTIFICATE)),
                };
                assert_eq!(req.uri().path(), paths::SUPPORT_WS);
                assert_eq!(header(req, proto::H_CERTIFICATE), "vc1.test");
                proto::verify_request_signature(
                    &device,
                    &origin,
                    "GET",
                    paths::SUPPORT_WS,
                    &[],
                    &auth,
                )
                .expect("a signed upgrade");
                let body = r#"{"code":"origin_refused","message":"no web pages"}"#;
                let sig = proto::sign_response(&org, &origin, &auth.nonce, body.as_bytes());
                let refuse = |signed: bool| {
                    let mut r = tungstenite::http::Response::builder().status(403);
                    if signed {
                        r = r.header(proto::H_RESPONSE_SIGNATURE, sig.clone());
                    }
                    Err(r.body(Some(body.to_owned())).unwrap())
                };
                match mode {
                    Mode::Echo => Ok(resp),
                    Mode::RefuseSigned => refuse(true),
                    Mode::RefuseUnsigned => refuse(false),
                }
            };
            let Ok(mut ws) = tungstenite::accept_hdr(tcp, cb) else {
                return;
            };
            for _ in 0..2 {
                let m = ws.read().unwrap();
                ws.send(m).unwrap();
            }
            ws.send(Message::binary(vec![0u8; 70 * 1024])).unwrap();
            let _ = ws.read();
        });
        url
    }

    fn connect(mode: Mode) -> Result<SupportSocket, WsError> {
        let org = SigningKey::from_bytes(&[3; 32]);
        let device = SigningKey::from_bytes(&[4; 32]);
        let url = serve(org.clone(), device.verifying_key(), mode);
        let options = ClientOptions::default();
        let client = DeskClient::new(&url, &options)
            .unwrap()
            .with_org_key(org.verifying_key());
        SupportSocket::connect(
            &client,
            &options,
            &device,
            "vc1.test",
            &SystemClock,
            Duration::from_millis(100),
        )
    }

    #[test]
    fn a_signed_upgrade_carries_controls_and_frames_capped_at_64_kib() {
        let mut ws = connect(Mode::Echo).unwrap();
        // Nothing yet: the poll interval passes.
        assert!(ws.recv().unwrap().is_none());
        let join = Control::Join {
            session_id: "0123456789abcdef0123456789abcdef".into(),
            cursor: Cursor {
                leg: 1,
                hs: 0,
                tx: 0,
            },
        };
        ws.send_control(&join).unwrap();
        let frame = Frame {
            v: 1,
            session_id: "0123456789abcdef0123456789abcdef".into(),
            leg: 1,
            dir: Direction::E2a,
            kind: FrameKind::Hs,
            seq: 0,
            body: vec![7; 32],
        };
        ws.send_frame(&frame).unwrap();
        let mut got = Vec::new();
        while got.len() < 2 {
            if let Some(m) = ws.recv().unwrap() {
                got.push(m);
            }
        }
        assert_eq!(got, vec![Incoming::Control(join), Incoming::Frame(frame)]);
        // A 70 KiB message is refused, not read.
        let err = loop {
            match ws.recv() {
                Ok(None) => continue,
                Ok(Some(m)) => panic!("read {m:?}"),
                Err(e) => break e,
            }
        };
        assert!(matches!(err, WsError::TooLarge), "{err:?}");
        // And none is sent.
        let big = Frame {
            v: 1,
            session_id: "0123456789abcdef0123456789abcdef".into(),
            leg: 1,
            dir: Direction::E2a,
            kind: FrameKind::Tx,
            seq: 1,
            body: vec![0; MAX_WS_MESSAGE],
        };
        assert!(matches!(ws.send_frame(&big), Err(WsError::TooLarge)));
    }

    #[test]
    fn a_signed_refusal_gives_the_desks_code_an_unsigned_one_does_not() {
        let e = connect(Mode::RefuseSigned).unwrap_err();
        assert_eq!(e.code(), "origin_refused", "{e:?}");
        assert!(!e.is_transient());
        let e = connect(Mode::RefuseUnsigned).unwrap_err();
        assert!(
            matches!(e, WsError::AnswerNotSigned { status: 403, .. }),
            "{e:?}"
        );
        assert_eq!(e.code(), "answer_unsigned");
    }

    #[test]
    fn nothing_listening_is_unreachable_and_transient() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        drop(l);
        let org = SigningKey::from_bytes(&[3; 32]);
        let options = ClientOptions::default();
        let client = DeskClient::new(&url, &options)
            .unwrap()
            .with_org_key(org.verifying_key());
        let e = SupportSocket::connect(
            &client,
            &options,
            &org,
            "vc1.test",
            &SystemClock,
            Duration::from_millis(100),
        )
        .unwrap_err();
        assert_eq!(e.code(), "desk_unreachable");
        assert!(e.is_transient());
    }
}
