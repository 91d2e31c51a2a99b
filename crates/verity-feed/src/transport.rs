//! The HTTP transport tough fetches through: reqwest over rustls with the OS trust store (works
//! behind TLS-inspecting corporate proxies), an optional explicit proxy, timeouts, and a hard
//! cap on every response body on top of tough's per-file limits. `file://` URLs go to tough's
//! file-system transport (feeds on a shared drive or removable media).

use crate::error::{FeedError, TransportFailure};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tough::{FilesystemTransport, Transport, TransportError, TransportErrorKind, TransportStream};
use url::Url;

#[derive(Debug, Clone)]
pub(crate) struct FeedTransport {
    client: reqwest::Client,
    max_bytes: u64,
}

pub(crate) struct TransportOptions<'a> {
    pub proxy: Option<&'a str>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_bytes: u64,
}

impl FeedTransport {
    pub(crate) fn new(opts: &TransportOptions<'_>) -> Result<FeedTransport, FeedError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| FeedError::Internal(format!("TLS setup: {e}")))
            .and_then(|b| {
                rustls_platform_verifier::BuilderVerifierExt::with_platform_verifier(b)
                    .map_err(|e| FeedError::Internal(format!("TLS trust store: {e}")))
            })?
            .with_no_client_auth();
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            .user_agent(concat!("verity-feed/", env!("CARGO_PKG_VERSION")))
            .redirect(same_origin_redirects());
        if let Some(p) = opts.proxy {
            let proxy = reqwest::Proxy::all(p).map_err(|e| FeedError::BadUrl {
                url: p.to_owned(),
                reason: format!("not a usable proxy URL: {e}"),
            })?;
            builder = builder.proxy(proxy);
        }
        let client = builder
            .build()
            .map_err(|e| FeedError::Internal(format!("HTTP client: {e}")))?;
        Ok(FeedTransport {
            client,
            max_bytes: opts.max_bytes,
        })
    }
}

/// At most five redirects, each to the origin the sync started from (same scheme, host and
/// port): a feed host cannot send the client to another host, nor from HTTPS down to HTTP.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.stop();
        };
        if attempt.previous().len() > 5 {
            attempt.error("more than 5 redirects")
        } else if attempt.url().origin() != first.origin() {
            let why = format!(
                "a redirect to another origin ({}) was refused",
                attempt.url().origin().ascii_serialization()
            );
            attempt.error(why)
        } else {
            attempt.follow()
        }
    })
}

fn failure(url: &Url, kind: TransportErrorKind, f: TransportFailure) -> TransportError {
    TransportError::new_with_cause(kind, url.as_str(), f)
}

/// reqwest's error with its causes, on one line (its `Display` alone says little).
fn describe(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut cur = std::error::Error::source(e);
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[tough::async_trait]
impl Transport for FeedTransport {
    async fn fetch(&self, url: Url) -> Result<TransportStream, TransportError> {
        match url.scheme() {
            "http" | "https" => {}
            "file" => return FilesystemTransport.fetch(url).await,
            _ => {
                return Err(TransportError::new(
                    TransportErrorKind::UnsupportedUrlScheme,
                    url.as_str(),
                ))
            }
        }
        let resp = self.client.get(url.clone()).send().await.map_err(|e| {
            failure(
                &url,
                TransportErrorKind::Other,
                TransportFailure::Network(describe(&e)),
            )
        })?;
        let status = resp.status();
        if matches!(status.as_u16(), 403 | 404 | 410) {
            return Err(TransportError::new(
                TransportErrorKind::FileNotFound,
                url.as_str(),
            ));
        }
        if !status.is_success() {
            return Err(failure(
                &url,
                TransportErrorKind::Other,
                TransportFailure::Status(status.as_u16()),
            ));
        }
        let max = self.max_bytes;
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(failure(
                &url,
                TransportErrorKind::Other,
                TransportFailure::TooLarge(max),
            ));
        }
        let mut seen: u64 = 0;
        let stream_url = url.clone();
        let stream = resp.bytes_stream().map(move |chunk| match chunk {
            Ok(bytes) => {
                seen = seen.saturating_add(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
                if seen > max {
                    Err(failure(
                        &stream_url,
                        TransportErrorKind::Other,
                        TransportFailure::TooLarge(max),
                    ))
                } else {
                    Ok(bytes)
                }
            }
            Err(e) => Err(failure(
                &stream_url,
                TransportErrorKind::Other,
                TransportFailure::Network(describe(&e)),
            )),
        });
        Ok(Box::pin(stream))
    }
}
