//! The desk over HTTP: axum routes, limits, TLS, graceful shutdown.
//!
//! Plain HTTP is refused unless the listen address is loopback (a test, or a desk behind a TLS
//! proxy on the same machine); otherwise rustls serves the certificate the admin gives. Request
//! bodies are capped at [`MAX_BODY_BYTES`], each request at [`REQUEST_TIMEOUT`], and concurrent
//! requests at [`MAX_CONCURRENCY`]. Logs (tracing) carry method, path, status and latency, never
//! headers or bodies. The rules run on the blocking pool (SQLite, Ed25519, argon2 are blocking).

use crate::service::{ApiError, Desk, Incoming};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use verity_device::proto::{self, codes, paths, RequestAuth};

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The longest a request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Requests served at once (more wait).
pub const MAX_CONCURRENCY: usize = 256;
/// How long shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serving failures.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Plain HTTP on a non-loopback address.
    #[error("refusing plain HTTP on {0}: give --tls-cert and --tls-key, or listen on a loopback address")]
    PlainHttpNotLoopback(SocketAddr),
    /// The TLS files are unusable.
    #[error("cannot use the TLS certificate or key: {0}")]
    Tls(String),
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

fn request_auth(h: &HeaderMap) -> Option<RequestAuth> {
    Some(RequestAuth {
        timestamp: header(h, proto::H_TIMESTAMP)?.parse().ok()?,
        nonce: header(h, proto::H_NONCE)?.to_owned(),
        signature: header(h, proto::H_SIGNATURE)?.to_owned(),
        certificate: header(h, proto::H_CERTIFICATE).map(str::to_owned),
    })
}

type Endpoint<T> = fn(&Desk, &Incoming) -> Result<T, ApiError>;

async fn run<T: Serialize + Send + 'static>(
    desk: Arc<Desk>,
    peer: SocketAddr,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
    endpoint: Endpoint<T>,
) -> Response {
    let incoming = Incoming {
        method: method.as_str().to_owned(),
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
        auth: request_auth(headers),
        body: body.to_vec(),
        peer: peer.ip(),
    };
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
            State(desk): State<Arc<Desk>>,
            ConnectInfo(peer): ConnectInfo<SocketAddr>,
            method: Method,
            uri: Uri,
            headers: HeaderMap,
            body: Bytes,
        ) -> Response {
            run(desk, peer, &method, &uri, &headers, body, $method).await
        }
    };
}

endpoint!(enroll, Desk::enroll);
endpoint!(totp_setup, Desk::totp_setup);
endpoint!(verify, Desk::verify);
endpoint!(unbind, Desk::unbind);

async fn org(State(desk): State<Arc<Desk>>) -> Response {
    Json(desk.org_info()).into_response()
}

async fn health() -> &'static str {
    "ok"
}

async fn not_found() -> Response {
    ApiError::new(404, codes::NOT_FOUND, "no such endpoint").into_response()
}

/// The desk's routes with their limits.
pub fn router(desk: Arc<Desk>) -> Router {
    use tower_http::trace::{DefaultOnResponse, TraceLayer};
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO));
    Router::new()
        .route(paths::HEALTH, get(health))
        .route(paths::ORG, get(org))
        .route(paths::ENROLL, post(enroll))
        .route(paths::TOTP_SETUP, post(totp_setup))
        .route(paths::VERIFY, post(verify))
        .route(paths::UNBIND, post(unbind))
        .fallback(not_found)
        .with_state(desk)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(tower::limit::ConcurrencyLimitLayer::new(MAX_CONCURRENCY))
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
pub fn tls_config(
    cert: &Path,
    key: &Path,
) -> Result<axum_server::tls_rustls::RustlsConfig, ServeError> {
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
    Ok(axum_server::tls_rustls::RustlsConfig::from_config(
        Arc::new(config),
    ))
}

/// Serves `desk` on `listener` until `shutdown` completes, then drains requests in flight for up
/// to [`SHUTDOWN_GRACE`].
///
/// # Errors
/// [`ServeError`].
pub async fn serve(
    desk: Arc<Desk>,
    listener: std::net::TcpListener,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = listener.local_addr().map_err(|source| ServeError::Io {
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        source,
    })?;
    check_listen(addr, tls.is_some())?;
    let handle = axum_server::Handle::<SocketAddr>::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: draining requests in flight");
        h.graceful_shutdown(Some(SHUTDOWN_GRACE));
    });
    let app = router(desk).into_make_service_with_connect_info::<SocketAddr>();
    let io = |source| ServeError::Io { addr, source };
    tracing::info!(%addr, tls = tls.is_some(), "desk listening");
    match tls {
        Some(config) => {
            axum_server::from_tcp_rustls(listener, config)
                .map_err(io)?
                .handle(handle)
                .serve(app)
                .await
        }
        None => {
            axum_server::from_tcp(listener)
                .map_err(io)?
                .handle(handle)
                .serve(app)
                .await
        }
    }
    .map_err(io)?;
    tracing::info!("desk stopped");
    Ok(())
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
                rt.block_on(serve(desk, listener, tls, async move {
                    let _ = rx.await;
                }))
            })
            .map_err(|source| ServeError::Io { addr, source })?;
        Ok(BackgroundDesk {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
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
