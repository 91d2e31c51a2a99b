//! The HTTP client for the desk: signed requests over rustls, with hard limits.
//!
//! `https://` only, except to a loopback desk (a test, or a desk on the same machine); no
//! redirects (a redirect could move a signed request elsewhere); timeouts; responses capped at
//! [`MAX_RESPONSE_BYTES`]. Certificates are checked by the OS verifier (so corporate roots work)
//! plus any extra root the organisation gives (`--desk-ca`). Blocking: the CLI is synchronous,
//! and the app calls it from a blocking task.
//!
//! Requests are signed for this desk's origin, and every answer must carry the organisation
//! key's signature for that origin and the request's nonce ([`crate::proto`]): [`DeskClient::org`]
//! checks `GET /v1/org` against the key it contains (self-signed, fresh for our challenge; the
//! user compares its fingerprint), everything else against the key pinned with
//! [`DeskClient::with_org_key`]. An answer without a valid signature is [`ClientError::AnswerNotSigned`]
//! whatever its status: an error page from a reverse proxy (a 502) is shown as an error, never
//! read as the desk's word — not even as a refusal code.

use crate::clock::Clock;
use crate::proto::{self, ApiErrorBody, OrgAnswer, RequestAuth};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::io::Read;
use std::net::IpAddr;
use std::time::Duration;
use url::Url;

/// The largest response body read from the desk.
pub const MAX_RESPONSE_BYTES: u64 = 256 * 1024;

/// Client failures.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The desk URL is not usable.
    #[error("the desk address {url} is not usable: {why}")]
    BadUrl {
        /// The URL given.
        url: String,
        /// Why.
        why: &'static str,
    },
    /// The desk could not be reached.
    #[error("cannot reach the desk: {0}")]
    Unreachable(String),
    /// The desk refused the request.
    #[error("the desk refused the request: {message} ({code})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// A code from [`proto::codes`].
        code: String,
        /// The desk's message.
        message: String,
    },
    /// The desk's answer is not what the protocol says.
    #[error("the desk sent an invalid answer: {0}")]
    BadResponse(String),
    /// The answer is not signed by the organisation key for this desk and this request: it may
    /// come from an impostor, a relay, or a proxy in between. Never read as the desk's word.
    #[error("the answer (HTTP {status}) is not signed by the organisation's key ({why}): it may come from an impostor or a proxy, not the desk")]
    AnswerNotSigned {
        /// Its HTTP status.
        status: u16,
        /// What is wrong.
        why: &'static str,
    },
    /// Signing failed.
    #[error(transparent)]
    Proto(#[from] proto::ProtoError),
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Extra trusted root certificates (PEM), for a desk with a private CA.
    pub extra_roots_pem: Option<Vec<u8>>,
    /// Whole-request timeout.
    pub timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            extra_roots_pem: None,
            timeout: Duration::from_secs(20),
        }
    }
}

/// A request, signed and ready to send (kept whole so tests can send it twice).
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The full URL; its path (and query) is what is signed, so the desk must see the same path
    /// (a reverse proxy must not rewrite it).
    pub url: Url,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Authentication headers.
    pub auth: Option<RequestAuth>,
}

/// A client for one desk.
#[derive(Debug, Clone)]
pub struct DeskClient {
    base: Url,
    origin: String,
    org_key: Option<VerifyingKey>,
    http: reqwest::blocking::Client,
}

/// An answer as read off the wire, before its signature is checked.
struct RawAnswer {
    status: reqwest::StatusCode,
    signature: Option<String>,
    body: Vec<u8>,
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Checks and normalises a desk URL: `https://`, or `http://` to a loopback address only; no
/// credentials, query or fragment.
///
/// # Errors
/// [`ClientError::BadUrl`].
pub fn parse_desk_url(s: &str) -> Result<Url, ClientError> {
    let bad = |why| ClientError::BadUrl {
        url: s.to_owned(),
        why,
    };
    let mut url = Url::parse(s.trim()).map_err(|_| bad("not a URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(bad(
                "plain http is allowed only to a loopback address; use https",
            ))
        }
        _ => return Err(bad("use an https:// address")),
    }
    if url.host().is_none() {
        return Err(bad("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials in the address are not allowed"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a query or fragment is not allowed"));
    }
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

impl DeskClient {
    /// A client for the desk at `desk_url`.
    ///
    /// # Errors
    /// [`ClientError::BadUrl`], or a TLS setup failure.
    pub fn new(desk_url: &str, options: &ClientOptions) -> Result<DeskClient, ClientError> {
        let base = parse_desk_url(desk_url)?;
        // reqwest is built without a default crypto provider; install aws-lc-rs (the one the feed and
        // tough use: one TLS crypto backend in the app) once per process
        // (an error only means one is installed already).
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let mut builder = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(options.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("verity-device/", env!("CARGO_PKG_VERSION")));
        if is_loopback_host(&base) {
            builder = builder.no_proxy();
        }
        if let Some(pem) = &options.extra_roots_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::Unreachable(format!("bad CA certificate: {e}")))?;
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Unreachable(format!("cannot set up HTTPS: {e}")))?;
        Ok(DeskClient {
            origin: proto::origin_of(&base),
            base,
            org_key: None,
            http,
        })
    }

    /// The same client, checking answers with the organisation key `key` (the pinned one).
    #[must_use]
    pub fn with_org_key(mut self, key: VerifyingKey) -> DeskClient {
        self.org_key = Some(key);
        self
    }

    /// The organisation key answers are checked with, once pinned.
    #[must_use]
    pub fn org_key(&self) -> Option<VerifyingKey> {
        self.org_key
    }

    /// The desk's base URL.
    #[must_use]
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The desk's origin, as requests are signed for it.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Signs a request with the device key (and its certificate, except on enrolment).
    ///
    /// # Errors
    /// Randomness failures.
    pub fn prepare(
        &self,
        method: &str,
        path: &str,
        body: Vec<u8>,
        key: &SigningKey,
        certificate: Option<&str>,
        clock: &dyn Clock,
    ) -> Result<PreparedRequest, ClientError> {
        let url =
            self.base
                .join(path.trim_start_matches('/'))
                .map_err(|_| ClientError::BadUrl {
                    url: path.to_owned(),
                    why: "bad path",
                })?;
        let signed_path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let auth = proto::sign_request(
            key,
            &self.origin,
            method,
            &signed_path,
            &body,
            clock.now(),
            certificate,
        )?;
        Ok(PreparedRequest {
            method: method.to_owned(),
            url,
            body,
            auth: Some(auth),
        })
    }

    fn send(&self, req: &PreparedRequest) -> Result<RawAnswer, ClientError> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| ClientError::BadResponse("bad method".into()))?;
        let mut rb = self.http.request(method, req.url.clone());
        if let Some(auth) = &req.auth {
            rb = rb
                .header(proto::H_TIMESTAMP, auth.timestamp.to_string())
                .header(proto::H_NONCE, &auth.nonce)
                .header(proto::H_SIGNATURE, &auth.signature);
            if let Some(cert) = &auth.certificate {
                rb = rb.header(proto::H_CERTIFICATE, cert);
            }
        }
        if req.method != "GET" {
            rb = rb
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(req.body.clone());
        }
        let resp = rb
            .send()
            .map_err(|e| ClientError::Unreachable(error_chain(&e)))?;
        let status = resp.status();
        let signature = resp
            .headers()
            .get(proto::H_RESPONSE_SIGNATURE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        resp.take(MAX_RESPONSE_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        if body.len() as u64 > MAX_RESPONSE_BYTES {
            return Err(ClientError::BadResponse("the answer is too large".into()));
        }
        Ok(RawAnswer {
            status,
            signature,
            body,
        })
    }

    /// Sends a prepared request and checks the answer's signature with the pinned organisation
    /// key; returns the body of a 2xx answer.
    ///
    /// # Errors
    /// [`ClientError::AnswerNotSigned`] for an answer without a valid signature (whatever its
    /// status), [`ClientError::Refused`] with the desk's code for a signed refusal, or transport
    /// failures.
    pub fn execute(&self, req: &PreparedRequest) -> Result<Vec<u8>, ClientError> {
        let org_key = self.org_key.ok_or(ClientError::BadResponse(
            "no organisation key to check the answer with".into(),
        ))?;
        let answer = self.send(req)?;
        let status = answer.status;
        let unsigned = |why| ClientError::AnswerNotSigned {
            status: status.as_u16(),
            why,
        };
        let signature = answer
            .signature
            .as_deref()
            .ok_or(unsigned("no signature"))?;
        let nonce = req.auth.as_ref().map_or("", |a| a.nonce.as_str());
        proto::verify_response(&org_key, &self.origin, nonce, &answer.body, signature)
            .map_err(|_| unsigned("the signature does not verify"))?;
        if status.is_success() {
            return Ok(answer.body);
        }
        match serde_json::from_slice::<ApiErrorBody>(&answer.body) {
            Ok(e) => Err(ClientError::Refused {
                status: status.as_u16(),
                code: e.code,
                message: e.message,
            }),
            Err(_) => Err(ClientError::BadResponse(format!("HTTP {status}"))),
        }
    }

    /// `GET /v1/org` with a fresh challenge: the organisation as the desk presents it, signed by
    /// the key it names (self-signed: it proves the answer is fresh, whole and from whoever holds
    /// that key, for this origin; whether that key is the organisation's is the fingerprint
    /// comparison's business).
    ///
    /// # Errors
    /// [`ClientError::AnswerNotSigned`], [`ClientError::BadResponse`], transport failures.
    pub fn org(&self) -> Result<OrgAnswer, ClientError> {
        let challenge = proto::new_nonce()?;
        let mut url = self
            .base
            .join(proto::paths::ORG.trim_start_matches('/'))
            .map_err(|_| ClientError::BadUrl {
                url: proto::paths::ORG.to_owned(),
                why: "bad path",
            })?;
        url.query_pairs_mut()
            .append_pair(proto::paths::ORG_CHALLENGE, &challenge);
        let req = PreparedRequest {
            method: "GET".into(),
            url,
            body: Vec::new(),
            auth: None,
        };
        let answer = self.send(&req)?;
        let status = answer.status;
        if !status.is_success() {
            // No key to check an error with: never more than an error.
            return Err(ClientError::BadResponse(format!("HTTP {status}")));
        }
        let unsigned = |why| ClientError::AnswerNotSigned {
            status: status.as_u16(),
            why,
        };
        let org: OrgAnswer = serde_json::from_slice(&answer.body)
            .map_err(|e| ClientError::BadResponse(e.to_string()))?;
        let key = proto::parse_public_key(&org.public_key, "organisation key")
            .map_err(|_| ClientError::BadResponse("the organisation key is not valid".into()))?;
        let signature = answer
            .signature
            .as_deref()
            .ok_or(unsigned("no signature"))?;
        proto::verify_response(&key, &self.origin, "", &answer.body, signature)
            .map_err(|_| unsigned("the signature does not verify"))?;
        if org.challenge != challenge {
            return Err(unsigned("it answers another challenge: a replay"));
        }
        if let Some(pinned) = &self.org_key {
            if *pinned != key {
                return Err(unsigned("it is signed by another organisation key"));
            }
        }
        // The fingerprint shown is ours, computed from the key, not the desk's word for it.
        Ok(OrgAnswer {
            fingerprint: proto::fingerprint(&key),
            ..org
        })
    }

    /// Signs, sends and decodes a JSON request.
    ///
    /// # Errors
    /// See [`DeskClient::execute`].
    pub fn call<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &Req,
        key: &SigningKey,
        certificate: Option<&str>,
        clock: &dyn Clock,
    ) -> Result<Resp, ClientError> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| ClientError::BadResponse(e.to_string()))?;
        let req = self.prepare("POST", path, bytes, key, certificate, clock)?;
        let out = self.execute(&req)?;
        serde_json::from_slice(&out).map_err(|e| ClientError::BadResponse(e.to_string()))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desk_urls() {
        assert!(parse_desk_url("https://desk.example.hk").is_ok());
        assert_eq!(
            parse_desk_url("https://desk.example.hk/base")
                .unwrap()
                .as_str(),
            "https://desk.example.hk/base/"
        );
        assert!(parse_desk_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_desk_url("http://[::1]:8080").is_ok());
        assert!(parse_desk_url("http://localhost:8080").is_ok());
        assert!(parse_desk_url("http://desk.example.hk").is_err());
        assert!(parse_desk_url("http://10.0.0.1").is_err());
        assert!(parse_desk_url("https://u:p@desk.example.hk").is_err());
        assert!(parse_desk_url("ftp://desk.example.hk").is_err());
    }
}
