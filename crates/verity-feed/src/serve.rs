//! A small static HTTP server for trials and tests: GET and HEAD only, and only the files a
//! client needs (`/root.json`, `/metadata/NAME`, `/targets/NAME`, one plain path segment each,
//! no hidden files). Anything else is refused, so a key directory misplaced inside the
//! repository is never served. Production feeds belong on a real web server or CDN.

use crate::error::FeedError;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, ALLOW, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;

/// The largest file served (a trial server, not a CDN).
const MAX_SERVED: u64 = 1024 * 1024 * 1024;

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The file a request path names, or `None` when the path is not one we serve.
fn resolve(repo: &Path, path: &str) -> Option<(PathBuf, bool)> {
    let safe_segment = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.len() <= 255
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
    };
    let rest = path.strip_prefix('/')?;
    if rest == crate::REPO_ROOT_FILE {
        return Some((repo.join(rest), false));
    }
    let (dir, name) = rest.split_once('/')?;
    if !matches!(dir, "metadata" | "targets") || !safe_segment(name) {
        return None;
    }
    // Content-addressed targets and versioned metadata never change; timestamp.json does.
    let immutable = dir == "targets" || name != "timestamp.json";
    Some((repo.join(dir).join(name), immutable))
}

async fn handle(repo: Arc<PathBuf>, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD only\n");
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let Some((file, immutable)) = resolve(&repo, req.uri().path()) else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    // Symlinks out of the repository are refused too.
    let inside = match (
        tokio::fs::canonicalize(&file).await,
        tokio::fs::canonicalize(&*repo).await,
    ) {
        (Ok(f), Ok(r)) => f.starts_with(r),
        _ => false,
    };
    let meta = tokio::fs::metadata(&file).await;
    let Ok(meta) = meta else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    if !inside || !meta.is_file() || meta.len() > MAX_SERVED {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    }
    let body = if head {
        Bytes::new()
    } else {
        match tokio::fs::read(&file).await {
            Ok(b) => Bytes::from(b),
            Err(_) => return plain(StatusCode::NOT_FOUND, "not found\n"),
        }
    };
    let mut r = Response::new(Full::new(body));
    let h = r.headers_mut();
    let json = file.extension().is_some_and(|e| e == "json");
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(if json {
            "application/json"
        } else {
            "application/octet-stream"
        }),
    );
    h.insert(CONTENT_LENGTH, HeaderValue::from(meta.len()));
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static(if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    r
}

/// Serves `repo` on `listener` until `shutdown` completes.
///
/// # Errors
/// I/O errors accepting connections are logged and skipped; none is returned today, the
/// `Result` leaves room for setup failures.
pub async fn serve(
    repo: PathBuf,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), FeedError> {
    let repo = Arc::new(repo);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        log::warn!("feed server: accept failed: {e}");
                        continue;
                    }
                };
                let repo = Arc::clone(&repo);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let repo = Arc::clone(&repo);
                        async move { Ok::<_, std::convert::Infallible>(handle(repo, req).await) }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .max_buf_size(64 * 1024)
                        .serve_connection(TokioIo::new(stream), service);
                    if let Err(e) = conn.await {
                        log::debug!("feed server: connection ended: {e}");
                    }
                });
            }
        }
    }
}

/// Binds `addr` and serves `repo` until Ctrl-C, calling `ready` with the bound address first.
///
/// # Errors
/// [`FeedError::Io`] when the address cannot be bound; [`FeedError::NoRepository`] when `repo`
/// has no `root.json`.
pub fn serve_until_interrupted(
    repo: &Path,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr) + Send,
) -> Result<(), FeedError> {
    if !repo.join(crate::REPO_ROOT_FILE).is_file() {
        return Err(FeedError::NoRepository(repo.to_path_buf()));
    }
    let repo = std::path::absolute(repo).map_err(FeedError::io(repo))?;
    crate::block_on(async move {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(FeedError::io(format!("listen address {addr}")))?;
        let bound = listener
            .local_addr()
            .map_err(FeedError::io(format!("listen address {addr}")))?;
        ready(bound);
        serve(repo, listener, async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
    })?
}

/// A server running on its own thread; stopped when dropped.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerHandle {
    /// The bound address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The feed URL clients use (`http://ADDR/`).
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts serving `repo` on `addr` (e.g. `127.0.0.1:0`) in a background thread.
///
/// # Errors
/// [`FeedError::Io`] when the address cannot be bound.
pub fn spawn_server(repo: &Path, addr: SocketAddr) -> Result<ServerHandle, FeedError> {
    let std_listener = std::net::TcpListener::bind(addr)
        .map_err(FeedError::io(format!("listen address {addr}")))?;
    std_listener
        .set_nonblocking(true)
        .map_err(FeedError::io(format!("listen address {addr}")))?;
    let bound = std_listener
        .local_addr()
        .map_err(FeedError::io(format!("listen address {addr}")))?;
    let repo = std::path::absolute(repo).map_err(FeedError::io(repo))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("verity-feed-server".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    log::error!("feed server: cannot start a runtime: {e}");
                    return;
                }
            };
            rt.block_on(async move {
                match TcpListener::from_std(std_listener) {
                    Ok(listener) => {
                        let _ = serve(repo, listener, async {
                            let _ = rx.await;
                        })
                        .await;
                    }
                    Err(e) => log::error!("feed server: {e}"),
                }
            });
        })
        .map_err(FeedError::io("feed server thread"))?;
    Ok(ServerHandle {
        addr: bound,
        stop: Some(tx),
        thread: Some(thread),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_feed_files_resolve() {
        let repo = Path::new("/r");
        assert!(resolve(repo, "/root.json").is_some());
        assert_eq!(
            resolve(repo, "/metadata/timestamp.json"),
            Some((PathBuf::from("/r/metadata/timestamp.json"), false))
        );
        assert!(resolve(repo, "/targets/ab.blocklist.snapshot").is_some_and(|(_, i)| i));
        for bad in [
            "/",
            "/keys/root-1.pem",
            "/metadata/../root.json",
            "/metadata/..",
            "/metadata/.staging-x",
            "/metadata/a/b",
            "/metadata/%2e%2e",
            "/targets/a\\b",
            "root.json",
            "/metadata/",
        ] {
            assert_eq!(resolve(repo, bad), None, "{bad}");
        }
    }
}
