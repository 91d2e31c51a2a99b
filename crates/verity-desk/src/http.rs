//! The desk over HTTP: axum routes, limits, TLS, graceful shutdown.
//!
//! Plain HTTP is refused unless the listen address is loopback (a test, or a desk behind a TLS
//! proxy on the same machine); otherwise rustls serves the certificate the admin gives. Request
//! bodies are capped at [`MAX_BODY_BYTES`], each request at [`REQUEST_TIMEOUT`], and concurrent
//! requests at [`MAX_CONCURRENCY`]. Logs (tracing) carry method, path, status and latency, never
//! headers or bodies. The rules run on the blocking pool (SQLite, Ed25519, argon2 are blocking).
//!
//! The connection layer is ours (hyper's HTTP/1.1 server over a tokio accept loop) so that a
//! client holding connections open cannot starve the desk ([`ServeOptions`]): at most
//! `max_connections` are open at once (a semaphore taken *before* `accept`, so the excess waits in
//! the kernel's backlog and costs nothing), the TLS handshake and the request head (also the
//! wait for the next request on a kept-alive connection) each have a deadline, and a connection
//! is closed gracefully after `max_connection_age` however busy. [`ConnStats`] counts them.
//!
//! The client address is the TCP peer, or what a proxy inside `--trusted-proxy` reports
//! ([`crate::addr`]).
//!
//! The desk's public origin ([`public_origin`]: `--public-url`, or `http(s)://<listen address>`
//! on loopback) is what devices must have signed their requests for, and what every answer is
//! signed for: a middleware signs each answer — errors, 404s, 408s and 413s included — with the
//! organisation key over the origin, the request's nonce (`""` for `GET /v1/org`) and the body.

use crate::addr::client_addr;
use crate::service::{ApiError, Desk, Incoming};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use ipnet::IpNet;
use serde::Serialize;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use verity_device::proto::{self, codes, paths, RequestAuth};

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The largest `POST /v1/support/transcript` body: the sealed transcript and its JSON.
pub const MAX_TRANSCRIPT_BODY: usize = verity_device::proto::MAX_SEALED_TRANSCRIPT + 4096;
/// Transcript uploads served at once (more wait).
pub const MAX_TRANSCRIPT_CONCURRENCY: usize = 8;
/// The longest a request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Requests served at once (more wait).
pub const MAX_CONCURRENCY: usize = 256;
/// How long shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The connection layer's limits, the desk's public URL and the proxies whose forwarding headers
/// are believed.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The URL devices use to reach the desk (its origin is signed both ways); `None`: only on a
    /// loopback listen address, where it is `http(s)://<listen address>`.
    pub public_url: Option<String>,
    /// Proxies (address ranges) whose `Forwarded` / `X-Forwarded-For` give the client address;
    /// empty (the default): the TCP peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// The longest a client may take to send a request head (and the longest a kept-alive
    /// connection waits idle for the next one).
    pub header_read_timeout: Duration,
    /// The longest a TLS handshake may take.
    pub tls_handshake_timeout: Duration,
    /// The keep-alive cap: a connection is closed (after the request in flight) once this old.
    pub max_connection_age: Duration,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            public_url: None,
            trusted_proxies: Vec::new(),
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
            max_connection_age: Duration::from_secs(120),
        }
    }
}

/// Connection counters (a gauge of live connections, its peak, and the accepted total).
#[derive(Debug, Default)]
pub struct ConnStats {
    live: AtomicUsize,
    peak: AtomicUsize,
    accepted: AtomicU64,
}

impl ConnStats {
    /// Connections open now.
    #[must_use]
    pub fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// The most connections ever open at once.
    #[must_use]
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    #[must_use]
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// One live connection in [`ConnStats`], for as long as it is held.
struct LiveConn(Arc<ConnStats>);

impl LiveConn {
    fn new(stats: Arc<ConnStats>) -> LiveConn {
        let now = stats.live.fetch_add(1, Ordering::SeqCst) + 1;
        stats.peak.fetch_max(now, Ordering::SeqCst);
        stats.accepted.fetch_add(1, Ordering::SeqCst);
        LiveConn(stats)
    }
}

impl Drop for LiveConn {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What the routes share.
#[derive(Debug)]
pub(crate) struct HttpState {
    pub(crate) desk: Arc<Desk>,
    pub(crate) origin: String,
    pub(crate) trusted_proxies: Vec<IpNet>,
}

/// The desk's public origin: that of `public_url` (http or https, no credentials), or on a
/// loopback `listen` address without one, `http(s)://<listen>`. Never taken from a request.
///
/// # Errors
/// [`ServeError::PublicUrl`].
pub fn public_origin(
    public_url: Option<&str>,
    listen: SocketAddr,
    tls: bool,
) -> Result<String, ServeError> {
    let text = match public_url {
        Some(u) => u.trim().to_owned(),
        None if listen.ip().is_loopback() => {
            format!("{}://{listen}", if tls { "https" } else { "http" })
        }
        None => {
            return Err(ServeError::PublicUrl(format!(
                "give --public-url (the address devices use, like https://desk.example.com): \
                 {listen} is not a loopback address"
            )))
        }
    };
    let bad = |why: &str| ServeError::PublicUrl(format!("--public-url {text}: {why}"));
    let url = url::Url::parse(&text).map_err(|_| bad("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad("use an https:// address"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials are not allowed"));
    }
    Ok(proto::origin_of(&url))
}

/// Serving failures.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Plain HTTP on a non-loopback address.
    #[error("refusing plain HTTP on {0}: give --tls-cert and --tls-key, or listen on a loopback address")]
    PlainHttpNotLoopback(SocketAddr),
    /// The TLS files are unusable.
    #[error("cannot use the TLS certificate or key: {0}")]
    Tls(String),
    /// `--public-url` is needed (off loopback) or unusable.
    #[error("{0}")]
    PublicUrl(String),
    /// The bus to the other desks on the database could not start.
    #[error("cannot reach the other desks through the database: {0}")]
    Fanout(String),
    /// Binding or serving failed.
    #[error("cannot serve on {addr}: {source}")]
    Io {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self)).into_response()
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) fn request_auth(h: &HeaderMap) -> Option<RequestAuth> {
    Some(RequestAuth {
        timestamp: header(h, proto::H_TIMESTAMP)?.parse().ok()?,
        nonce: header(h, proto::H_NONCE)?.to_owned(),
        signature: header(h, proto::H_SIGNATURE)?.to_owned(),
        certificate: header(h, proto::H_CERTIFICATE).map(str::to_owned),
    })
}

type Endpoint<T> = fn(&Desk, &Incoming) -> Result<T, ApiError>;

async fn run<T: Serialize + Send + 'static>(
    state: Arc<HttpState>,
    peer: SocketAddr,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
    endpoint: Endpoint<T>,
) -> Response {
    let incoming = Incoming {
        origin: state.origin.clone(),
        method: method.as_str().to_owned(),
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
        auth: request_auth(headers),
        body: body.to_vec(),
        peer: client_addr(peer.ip(), headers, &state.trusted_proxies),
    };
    let desk = state.desk.clone();
    match tokio::task::spawn_blocking(move || endpoint(&desk, &incoming)).await {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "request task failed");
            ApiError::new(500, codes::INTERNAL, "the desk failed; see its logs").into_response()
        }
    }
}

macro_rules! endpoint {
    ($name:ident, $method:path) => {
        async fn $name(
            State(state): State<Arc<HttpState>>,
            ConnectInfo(peer): ConnectInfo<SocketAddr>,
            method: Method,
            uri: Uri,
            headers: HeaderMap,
            body: Bytes,
        ) -> Response {
            run(state, peer, &method, &uri, &headers, body, $method).await
        }
    };
}

endpoint!(enroll, Desk::enroll);
endpoint!(enroll_agent, Desk::enroll_agent);
endpoint!(totp_setup, Desk::totp_setup);
endpoint!(verify, Desk::verify);
endpoint!(unbind, Desk::unbind);
endpoint!(report, Desk::report);
endpoint!(report_status, Desk::report_status);
endpoint!(check_in, Desk::check_in);
endpoint!(drill_lures, Desk::drill_lures);
endpoint!(drill_outcome, Desk::drill_outcome);
endpoint!(support_open, Desk::support_open);
endpoint!(support_status, Desk::support_status);
endpoint!(support_transcript, Desk::support_transcript);

async fn org(State(state): State<Arc<HttpState>>, uri: Uri) -> Response {
    let challenge = uri
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == paths::ORG_CHALLENGE)
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    let desk = state.desk.clone();
    match tokio::task::spawn_blocking(move || desk.org_answer(&challenge)).await {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "request task failed");
            ApiError::new(500, codes::INTERNAL, "the desk failed; see its logs").into_response()
        }
    }
}

/// The largest answer the signing middleware reads (the desk's answers are a few KiB; a feed
/// root is at most 64 KiB).
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Signs every answer with the organisation key ([`proto::response_signing_input`]).
async fn sign_answers(
    State(state): State<Arc<HttpState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // The console's answers go to browsers, which do not check signatures, and its assets are
    // larger than the answers read here.
    if req.uri().path() == "/console" || req.uri().path().starts_with("/console/") {
        return next.run(req).await;
    }
    let nonce = if req.uri().path() == paths::ORG {
        String::new()
    } else {
        header(req.headers(), proto::H_NONCE)
            .filter(|n| proto::is_valid_nonce(n))
            .unwrap_or("")
            .to_owned()
    };
    let (mut parts, body) = next.run(req).await.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ANSWER_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot read an answer to sign it");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let signature = state.desk.sign_answer(&state.origin, &nonce, &bytes);
    if let Ok(v) = axum::http::HeaderValue::from_str(&signature) {
        parts.headers.insert(proto::H_RESPONSE_SIGNATURE, v);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

async fn health() -> &'static str {
    "ok"
}

async fn not_found() -> Response {
    ApiError::new(404, codes::NOT_FOUND, "no such endpoint").into_response()
}

/// The desk's routes with their limits and answer signatures, for the desk at `origin`
/// ([`public_origin`]); `trusted_proxies` as in [`ServeOptions`].
pub fn router(desk: Arc<Desk>, origin: String, trusted_proxies: Vec<IpNet>) -> Router {
    use tower_http::trace::{DefaultOnResponse, TraceLayer};
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO));
    let state = Arc::new(HttpState {
        desk,
        origin,
        trusted_proxies,
    });
    Router::new()
        .route(paths::HEALTH, get(health))
        .route(paths::ORG, get(org))
        .route(paths::ENROLL, post(enroll))
        .route(paths::AGENT_ENROLL, post(enroll_agent))
        .route(paths::TOTP_SETUP, post(totp_setup))
        .route(paths::VERIFY, post(verify))
        .route(paths::UNBIND, post(unbind))
        .route(paths::REPORT, post(report))
        .route(paths::REPORT_STATUS, post(report_status))
        .route(paths::CHECKIN, post(check_in))
        .route(paths::DRILL_LURES, post(drill_lures))
        .route(paths::DRILL_OUTCOME, post(drill_outcome))
        .route(paths::SUPPORT_OPEN, post(support_open))
        .route(paths::SUPPORT_STATUS, post(support_status))
        .route(paths::SUPPORT_WS, get(crate::support::ws::upgrade))
        .fallback(not_found)
        .with_state(state.clone())
        .merge(crate::console::router(state.clone()))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        // A sealed transcript is larger than any other request: its own cap.
        .merge(
            Router::new()
                .route(paths::SUPPORT_TRANSCRIPT, post(support_transcript))
                .with_state(state.clone())
                .layer(axum::extract::DefaultBodyLimit::max(MAX_TRANSCRIPT_BODY))
                .layer(tower_http::limit::RequestBodyLimitLayer::new(
                    MAX_TRANSCRIPT_BODY,
                ))
                // Large bodies are read before the request is authenticated: few at once.
                .layer(tower::limit::ConcurrencyLimitLayer::new(
                    MAX_TRANSCRIPT_CONCURRENCY,
                )),
        )
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(tower::limit::ConcurrencyLimitLayer::new(MAX_CONCURRENCY))
        .layer(axum::middleware::from_fn_with_state(state, sign_answers))
        .layer(trace)
}

/// Refuses plain HTTP on a non-loopback address.
///
/// # Errors
/// [`ServeError::PlainHttpNotLoopback`].
pub fn check_listen(addr: SocketAddr, tls: bool) -> Result<(), ServeError> {
    if tls || addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(ServeError::PlainHttpNotLoopback(addr))
    }
}

/// Loads a PEM certificate chain and private key into a rustls server configuration.
///
/// # Errors
/// [`ServeError::Tls`].
pub fn tls_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, ServeError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let tls = |what: &str, e: &dyn std::fmt::Display| ServeError::Tls(format!("{what}: {e}"));
    let certs = CertificateDer::pem_file_iter(cert)
        .map_err(|e| tls(&cert.display().to_string(), &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls(&cert.display().to_string(), &e))?;
    if certs.is_empty() {
        return Err(ServeError::Tls(format!(
            "{}: no certificate",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| tls(&key.display().to_string(), &e))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| tls("protocol versions", &e))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| tls("certificate and key", &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves `desk` on `listener` until `shutdown` completes, then drains requests in flight for up
/// to [`SHUTDOWN_GRACE`].
///
/// # Errors
/// [`ServeError`].
pub async fn serve(
    desk: Arc<Desk>,
    listener: std::net::TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    options: ServeOptions,
    stats: Arc<ConnStats>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = listener.local_addr().map_err(|source| ServeError::Io {
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        source,
    })?;
    check_listen(addr, tls.is_some())?;
    let io = |source| ServeError::Io { addr, source };
    listener.set_nonblocking(true).map_err(io)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(io)?;
    let origin = public_origin(options.public_url.as_deref(), addr, tls.is_some())?;
    let app = router(
        desk.clone(),
        origin.clone(),
        options.trusted_proxies.clone(),
    );
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let max = options
        .max_connections
        .clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
    let permits = Arc::new(tokio::sync::Semaphore::new(max));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let options = Arc::new(options);
    // News to and from the other desks on the database (PostgreSQL), before the first socket.
    let desk_for_bus = desk.clone();
    {
        let d = desk.clone();
        tokio::task::spawn_blocking(move || d.start_fanout())
            .await
            .map_err(|e| ServeError::Fanout(e.to_string()))?
            .map_err(|e| ServeError::Fanout(e.to_string()))?;
    }
    // The operation log's checkpoints (`oplog::run_signer`), stopped with the connections.
    let desk_for_sweep = desk.clone();
    let signer = match crate::oplog::key_name(&origin) {
        Ok(name) => Some(tokio::spawn(crate::oplog::run_signer(
            desk,
            name,
            stop_rx.clone(),
        ))),
        Err(e) => {
            tracing::error!(error = %e, "no operation log checkpoints");
            None
        }
    };
    // The support sweep: lapsed offers, heartbeats, grace, deadlines, every second.
    let sweeper = tokio::spawn(run_sweeper(desk_for_sweep, stop_rx.clone()));
    tracing::info!(%addr, %origin, tls = acceptor.is_some(), "desk listening");
    tokio::pin!(shutdown);
    loop {
        // A connection slot first: over the limit, connections wait in the kernel's backlog.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(v) => v,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let live = LiveConn::new(stats.clone());
        let _ = stream.set_nodelay(true);
        let (app, acceptor, options, stop) = (
            app.clone(),
            acceptor.clone(),
            options.clone(),
            stop_rx.clone(),
        );
        tokio::spawn(async move {
            // Dropped in order: the gauge goes down before the slot is given back.
            let _held = (live, permit);
            match acceptor {
                None => serve_connection(stream, peer, app, &options, stop).await,
                Some(acceptor) => {
                    match tokio::time::timeout(
                        options.tls_handshake_timeout,
                        acceptor.accept(stream),
                    )
                    .await
                    {
                        Ok(Ok(tls)) => serve_connection(tls, peer, app, &options, stop).await,
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
        });
    }
    tracing::info!("shutting down: draining requests in flight");
    let _ = stop_tx.send(true);
    // Every live connection holds a permit: all of them back means all connections are done.
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    if tokio::time::timeout(SHUTDOWN_GRACE, permits.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the grace period: closing them");
    }
    let _ = sweeper.await;
    if let Some(signer) = signer {
        if let Err(e) = signer.await {
            tracing::error!(error = %e, "operation log signer failed");
        }
    }
    let _ = tokio::task::spawn_blocking(move || desk_for_bus.stop_fanout()).await;
    tracing::info!("desk stopped");
    Ok(())
}

/// Serves one connection: HTTP/1.1 with the head deadline, closed gracefully when it reaches
/// its age cap or the desk shuts down.
async fn serve_connection<I>(
    io: I,
    peer: SocketAddr,
    app: Router,
    options: &ServeOptions,
    mut stop: tokio::sync::watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    use tower::ServiceExt as _;
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req)
        });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .keep_alive(true);
    // With upgrades: a WebSocket leaves this connection (and its age cap) once upgraded.
    let conn = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    let age = tokio::time::sleep(options.max_connection_age);
    tokio::pin!(age);
    let mut closing = false;
    loop {
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!(%peer, error = %e, "connection ended");
                }
                break;
            }
            () = &mut age, if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            r = stop.changed(), if !closing => {
                let _ = r;
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}

/// Runs [`Desk::support_sweep`] every second until `stop`.
async fn run_sweeper(desk: Arc<Desk>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let d = desk.clone();
                match tokio::task::spawn_blocking(move || d.support_sweep()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::error!(code = e.code, "support sweep failed"),
                    Err(e) => tracing::error!(error = %e, "support sweep task failed"),
                }
            }
            r = stop.changed() => {
                let _ = r;
                break;
            }
        }
    }
}

/// Binds `addr` (refusing plain HTTP off loopback first).
///
/// # Errors
/// [`ServeError`].
pub fn bind(addr: SocketAddr, tls: bool) -> Result<std::net::TcpListener, ServeError> {
    check_listen(addr, tls)?;
    std::net::TcpListener::bind(addr).map_err(|source| ServeError::Io { addr, source })
}

/// A desk serving on its own thread and runtime (tests, embedding); stops when dropped.
pub struct BackgroundDesk {
    addr: SocketAddr,
    stats: Arc<ConnStats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), ServeError>>>,
}

impl std::fmt::Debug for BackgroundDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackgroundDesk")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl BackgroundDesk {
    /// Starts `desk` on `addr` (port 0 picks a free one).
    ///
    /// # Errors
    /// [`ServeError`].
    pub fn start(
        desk: Arc<Desk>,
        addr: SocketAddr,
        tls: Option<(&Path, &Path)>,
    ) -> Result<BackgroundDesk, ServeError> {
        let listener = bind(addr, tls.is_some())?;
        BackgroundDesk::start_on(desk, listener, tls, ServeOptions::default())
    }

    /// Starts `desk` on a listener bound already, with `options`.
    ///
    /// # Errors
    /// [`ServeError`].
    pub fn start_on(
        desk: Arc<Desk>,
        listener: std::net::TcpListener,
        tls: Option<(&Path, &Path)>,
        options: ServeOptions,
    ) -> Result<BackgroundDesk, ServeError> {
        let addr = listener.local_addr().map_err(|source| ServeError::Io {
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            source,
        })?;
        check_listen(addr, tls.is_some())?;
        public_origin(options.public_url.as_deref(), addr, tls.is_some())?;
        let stats = Arc::new(ConnStats::default());
        let served = stats.clone();
        let addr = listener
            .local_addr()
            .map_err(|source| ServeError::Io { addr, source })?;
        let tls = tls.map(|(c, k)| tls_config(c, k)).transpose()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("verity-desk".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|source| ServeError::Io { addr, source })?;
                rt.block_on(serve(desk, listener, tls, options, served, async move {
                    let _ = rx.await;
                }))
            })
            .map_err(|source| ServeError::Io { addr, source })?;
        Ok(BackgroundDesk {
            addr,
            stats,
            stop: Some(tx),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its connection counters.
    #[must_use]
    pub fn conn_stats(&self) -> Arc<ConnStats> {
        self.stats.clone()
    }

    /// Stops it and waits.
    ///
    /// # Errors
    /// What serving failed with.
    pub fn stop(mut self) -> Result<(), ServeError> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> Result<(), ServeError> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(ServeError::Io {
                addr: self.addr,
                source: std::io::Error::other("the desk thread panicked"),
            }),
            None => Ok(()),
        }
    }
}

impl Drop for BackgroundDesk {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_origin_is_configured_never_guessed_off_loopback() {
        let lo: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let lo6: SocketAddr = "[::1]:8080".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:443".parse().unwrap();
        assert_eq!(
            public_origin(None, lo, false).unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            public_origin(None, lo6, false).unwrap(),
            "http://[::1]:8080"
        );
        assert_eq!(
            public_origin(None, lo, true).unwrap(),
            "https://127.0.0.1:8080"
        );
        assert!(matches!(
            public_origin(None, any, true),
            Err(ServeError::PublicUrl(_))
        ));
        assert_eq!(
            public_origin(Some("https://Desk.Example.hk:443/base/"), any, true).unwrap(),
            "https://desk.example.hk"
        );
        assert_eq!(
            public_origin(Some("https://desk.example.hk:8443"), any, true).unwrap(),
            "https://desk.example.hk:8443"
        );
        for bad in [
            "desk.example.hk",
            "ftp://desk.example.hk",
            "https://u:p@desk.example.hk",
        ] {
            assert!(public_origin(Some(bad), any, true).is_err(), "{bad}");
        }
    }
}
