//! The organisation console over HTTP (`docs/console-api.md`): its JSON API under
//! `/console/api/`, and its web UI (`console/dist`, embedded at build time by `build.rs`) at
//! `/console/`.
//!
//! Other console routes use the [`ConsoleUser`] extractor: it reads the session cookie, checks
//! the session (expiry, account enabled) and, for any method but GET and HEAD, the
//! `X-Verity-CSRF` header; then `user.require(AdminRole::…)?` and, for sensitive actions,
//! `user.require_recent_auth()?`. Store work runs on the blocking pool ([`blocking`]).
//!
//! Every console answer carries the security headers ([`console_headers`]); API answers also
//! `Cache-Control: no-store`. A request other than GET or HEAD whose `Origin` is not the desk's
//! public origin is refused (`csrf`) before any handler runs; before sign-in there is no CSRF
//! token, so setup and sign-in rely on that and on their JSON content type. Console answers are
//! not signed with the organisation key (browsers do not check it; assets are large).

use crate::addr::client_addr;
use crate::http::HttpState;
use crate::service::console::{ConsoleError, ConsoleSession, SignedIn};
use crate::service::Desk;
use crate::store::AdminRole;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Path, RawQuery, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

mod drills;
mod oplog;
mod passkeys;
mod people;
mod triage;

mod assets {
    include!(concat!(env!("OUT_DIR"), "/console_assets.rs"));
}

/// Whether this desk was built with its console's web UI (`console/dist`).
pub const BUILT_WITH_UI: bool = assets::BUILT;

/// The paths of the embedded UI's files (under `console/dist`).
#[must_use]
pub fn ui_paths() -> Vec<&'static str> {
    assets::FILES.iter().map(|(p, _)| *p).collect()
}

/// The session cookie's name.
pub const COOKIE: &str = "__Host-verity-console";
/// The CSRF header.
pub const CSRF_HEADER: &str = "x-verity-csrf";

/// The Content-Security-Policy of every console answer.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

const NO_CONSOLE: &str = "This desk was built without its console.\n\n\
    To build it: npm --prefix console ci && npm --prefix console run build, then rebuild the \
    desk (cargo build -p verity-desk --release).\n";

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry = self.retry_after;
        let mut r = (status, Json(self)).into_response();
        if let Some(s) = retry.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
            r.headers_mut().insert(header::RETRY_AFTER, s);
        }
        r
    }
}

/// Runs `f` on the blocking pool with the desk (SQLite and Argon2 block).
///
/// # Errors
/// What `f` returns; `internal` when the task fails.
pub async fn blocking<T: Send + 'static>(
    desk: &Arc<Desk>,
    f: impl FnOnce(&Desk) -> Result<T, ConsoleError> + Send + 'static,
) -> Result<T, ConsoleError> {
    let desk = desk.clone();
    match tokio::task::spawn_blocking(move || f(&desk)).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "console task failed");
            Err(ConsoleError::internal())
        }
    }
}

/// The client's address (the TCP peer, or what a trusted proxy says).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<Arc<HttpState>> for ClientAddr {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<HttpState>,
    ) -> Result<ClientAddr, ConsoleError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(ConsoleError::internal)?;
        Ok(ClientAddr(client_addr(
            peer,
            &parts.headers,
            &state.trusted_proxies,
        )))
    }
}

/// A signed-in console user: the extractor every console route but sign-in takes. Derefs to
/// [`ConsoleSession`] (`require`, `require_recent_auth`, `actor`, `admin`).
#[derive(Debug, Clone)]
pub struct ConsoleUser(pub ConsoleSession);

impl std::ops::Deref for ConsoleUser {
    type Target = ConsoleSession;
    fn deref(&self) -> &ConsoleSession {
        &self.0
    }
}

fn session_cookie(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim().to_owned())
}

impl FromRequestParts<Arc<HttpState>> for ConsoleUser {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<HttpState>,
    ) -> Result<ConsoleUser, ConsoleError> {
        let token = session_cookie(&parts.headers);
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD);
        let csrf = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        blocking(&state.desk, move |d| {
            d.console_session(token.as_deref(), unsafe_method, csrf.as_deref())
        })
        .await
        .map(ConsoleUser)
    }
}

/// Parses a JSON body (for console routes): `Content-Type: application/json`, at most 64 KiB (the router's cap), no
/// unknown fields (the request types say `deny_unknown_fields`).
pub(crate) fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ConsoleError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ConsoleError::new(413, "too_large", "the body is larger than 64 KiB")
        } else {
            ConsoleError::invalid("body", "the body cannot be read")
        }
    })?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return Err(ConsoleError::invalid(
            "body",
            "send Content-Type: application/json",
        ));
    }
    serde_json::from_slice(&body)
        .map_err(|e| ConsoleError::invalid("body", format!("bad JSON: {e}")))
}

fn set_cookie(r: &mut Response, value: &str, max_age: u64) {
    let c =
        format!("{COOKIE}={value}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age}");
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub(crate) fn signed_in(s: SignedIn) -> Response {
    let mut r = Json(s.me).into_response();
    set_cookie(&mut r, &s.token, crate::service::console::SESSION_MAX_SECS);
    r
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetupBody {
    name: String,
    code: String,
    passphrase: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FinishBody {
    setup: String,
    totp: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SigninBody {
    name: String,
    passphrase: String,
    totp: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReauthBody {
    passphrase: String,
    totp: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmptyBody {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    employee: String,
    name: String,
    ttl: String,
    #[serde(default)]
    team: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    reason: String,
}

pub(crate) type Answer = Result<Response, ConsoleError>;

async fn setup(
    State(st): State<Arc<HttpState>>,
    ClientAddr(peer): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let b: SetupBody = json_body(&headers, body)?;
    let started = blocking(&st.desk, move |d| {
        d.console_setup(&b.name, &b.code, &b.passphrase, peer)
    })
    .await?;
    Ok(Json(started).into_response())
}

async fn setup_finish(
    State(st): State<Arc<HttpState>>,
    ClientAddr(peer): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let b: FinishBody = json_body(&headers, body)?;
    let s = blocking(&st.desk, move |d| {
        d.console_setup_finish(&b.setup, &b.totp, peer)
    })
    .await?;
    Ok(signed_in(s))
}

async fn signin(
    State(st): State<Arc<HttpState>>,
    ClientAddr(peer): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let b: SigninBody = json_body(&headers, body)?;
    let s = blocking(&st.desk, move |d| {
        d.console_signin(&b.name, &b.passphrase, &b.totp, peer)
    })
    .await?;
    Ok(signed_in(s))
}

async fn reauth(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    ClientAddr(peer): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let b: ReauthBody = json_body(&headers, body)?;
    let me = blocking(&st.desk, move |d| {
        d.console_reauth(&user, &b.passphrase, &b.totp, peer)
    })
    .await?;
    Ok(Json(me).into_response())
}

async fn me(State(st): State<Arc<HttpState>>, user: ConsoleUser) -> Answer {
    let me = blocking(&st.desk, move |d| d.console_me(&user.admin, &user.session)).await?;
    Ok(Json(me).into_response())
}

async fn signout(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let _: EmptyBody = json_body(&headers, body)?;
    blocking(&st.desk, move |d| d.console_signout(&user)).await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut r, "", 0);
    Ok(r)
}

async fn dashboard(State(st): State<Arc<HttpState>>, user: ConsoleUser) -> Answer {
    user.require(AdminRole::Auditor)?;
    let d = blocking(&st.desk, Desk::console_dashboard).await?;
    Ok(Json(d).into_response())
}

async fn codes(State(st): State<Arc<HttpState>>, user: ConsoleUser) -> Answer {
    user.require(AdminRole::Auditor)?;
    let c = blocking(&st.desk, Desk::console_codes).await?;
    Ok(Json(c).into_response())
}

async fn issue_code(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let b: CodeBody = json_body(&headers, body)?;
    let ttl =
        crate::admin::parse_ttl(&b.ttl).map_err(|e| ConsoleError::invalid("ttl", e.to_string()))?;
    let origin = st.origin.clone();
    let issued = blocking(&st.desk, move |d| {
        d.console_issue_code(&user, &b.employee, &b.name, b.team.as_deref(), ttl, &origin)
    })
    .await?;
    Ok(Json(issued).into_response())
}

async fn revoke_code(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let _: EmptyBody = json_body(&headers, body)?;
    let (id, at) = blocking(&st.desk, move |d| d.console_revoke_code(&user, &id)).await?;
    Ok(Json(serde_json::json!({ "id": id, "revoked_at": at })).into_response())
}

async fn devices(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    RawQuery(query): RawQuery,
) -> Answer {
    user.require(AdminRole::Auditor)?;
    let q = query
        .as_deref()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "q")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    let list = blocking(&st.desk, move |d| d.console_devices(&q)).await?;
    Ok(Json(list).into_response())
}

async fn device(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> Answer {
    user.require(AdminRole::Auditor)?;
    let d = blocking(&st.desk, move |d| d.console_device(&id)).await?;
    Ok(Json(d).into_response())
}

async fn revoke_device(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let b: RevokeBody = json_body(&headers, body)?;
    let d = blocking(&st.desk, move |d| {
        d.console_revoke_device(&user, &id, &b.reason)
    })
    .await?;
    Ok(Json(d).into_response())
}

async fn reset_device_totp(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let _: EmptyBody = json_body(&headers, body)?;
    let d = blocking(&st.desk, move |d| d.console_reset_device_totp(&user, &id)).await?;
    Ok(Json(d).into_response())
}

async fn api_not_found() -> ConsoleError {
    ConsoleError::not_found("no such console endpoint")
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn file(path: &str) -> Option<&'static [u8]> {
    assets::FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, b)| *b)
}

fn serve_file(path: &str, bytes: &'static [u8], cache: &'static str) -> Response {
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

fn no_console() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        NO_CONSOLE,
    )
        .into_response()
}

fn index() -> Response {
    match file("index.html") {
        Some(b) if BUILT_WITH_UI => serve_file("index.html", b, "no-cache"),
        _ => no_console(),
    }
}

async fn ui_root() -> Response {
    index()
}

async fn ui_redirect() -> Response {
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, "/console/")],
    )
        .into_response()
}

/// `/console/<path>`: a file of the build (assets cached for a year: their names carry their
/// hash), else the app's `index.html` (its router handles the path); unknown assets are 404.
async fn ui_path(Path(path): Path<String>) -> Response {
    if !BUILT_WITH_UI {
        return no_console();
    }
    match file(&path) {
        Some(b) if path.starts_with("assets/") => {
            serve_file(&path, b, "public, max-age=31536000, immutable")
        }
        Some(b) => serve_file(&path, b, "no-cache"),
        None if path.starts_with("assets/") => (StatusCode::NOT_FOUND, "not found").into_response(),
        None => index(),
    }
}

/// The console's answers' headers, and the `Origin` rule for requests other than GET and HEAD.
async fn console_headers(
    State(st): State<Arc<HttpState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/console/api/");
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD);
    let foreign = req
        .headers()
        .get(header::ORIGIN)
        .is_some_and(|o| o.as_bytes() != st.origin.as_bytes());
    let mut r = if unsafe_method && foreign {
        tracing::warn!(path = %req.uri().path(), "console request from a foreign origin refused");
        ConsoleError::csrf("the request's Origin is not this desk's").into_response()
    } else {
        next.run(req).await
    };
    let h = r.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// The console's routes (to merge into the desk's router).
pub(crate) fn router(state: Arc<HttpState>) -> Router {
    Router::new()
        .route("/console", get(ui_redirect))
        .route("/console/", get(ui_root))
        .route("/console/{*path}", get(ui_path))
        .route("/console/api/setup", post(setup))
        .route("/console/api/setup/finish", post(setup_finish))
        .route("/console/api/signin", post(signin))
        .route("/console/api/reauth", post(reauth))
        .route("/console/api/me", get(me))
        .route("/console/api/signout", post(signout))
        .route("/console/api/dashboard", get(dashboard))
        .route("/console/api/codes", get(codes).post(issue_code))
        .route("/console/api/codes/{id}/revoke", post(revoke_code))
        .route("/console/api/devices", get(devices))
        .route("/console/api/devices/{id}", get(device))
        .route("/console/api/devices/{id}/revoke", post(revoke_device))
        .route(
            "/console/api/devices/{id}/reset-totp",
            post(reset_device_totp),
        )
        .route(
            "/console/api/passkey/register/start",
            post(passkeys::register_start),
        )
        .route(
            "/console/api/passkey/register/finish",
            post(passkeys::register_finish),
        )
        .route(
            "/console/api/passkey/signin/start",
            post(passkeys::signin_start),
        )
        .route(
            "/console/api/passkey/signin/finish",
            post(passkeys::signin_finish),
        )
        .route(
            "/console/api/passkey/reauth/start",
            post(passkeys::reauth_start),
        )
        .route(
            "/console/api/passkey/reauth/finish",
            post(passkeys::reauth_finish),
        )
        .route("/console/api/passkey/{id}/remove", post(passkeys::remove))
        .route(
            "/console/api/agents",
            get(people::agents).post(people::issue_agent_code),
        )
        .route(
            "/console/api/agents/{id}/revoke",
            post(people::revoke_agent),
        )
        .route(
            "/console/api/policy",
            get(people::policy).put(people::set_policy),
        )
        .route("/console/api/reports", get(triage::reports))
        .route("/console/api/reports/{id}", get(triage::report))
        .route("/console/api/reports/{id}/confirm", post(triage::confirm))
        .route("/console/api/reports/{id}/reject", post(triage::reject))
        .route("/console/api/feed", get(triage::feed))
        .route("/console/api/feed/publish", post(triage::publish))
        .route("/console/api/oplog", get(oplog::view))
        .route("/console/api/oplog/consistency", get(oplog::consistency))
        .route("/console/api/oplog/export.csv", get(oplog::export_csv))
        .route("/console/api/oplog/evidence.json", get(oplog::evidence))
        .route(
            "/console/api/drills",
            get(drills::list).post(drills::create),
        )
        .route("/console/api/drills/scenarios", get(drills::scenarios))
        .route(
            "/console/api/drills/reserved",
            get(drills::reserved).post(drills::add_reserved),
        )
        .route(
            "/console/api/drills/reserved/{id}/remove",
            post(drills::remove_reserved),
        )
        .route("/console/api/drills/trend", get(drills::trend))
        .route(
            "/console/api/drills/programme",
            get(drills::programme).put(drills::set_programme),
        )
        .route("/console/api/drills/{id}", get(drills::results))
        .route("/console/api/drills/{id}/cancel", post(drills::cancel))
        .route("/console/api/drills/{id}/people", get(drills::people))
        .route(
            "/console/api/drills/{id}/export.csv",
            get(drills::export_csv),
        )
        .route(
            "/console/api/drills/{id}/export.pdf",
            get(drills::export_pdf),
        )
        .route("/console/api", any(api_not_found))
        .route("/console/api/", any(api_not_found))
        .route("/console/api/{*rest}", any(api_not_found))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            console_headers,
        ))
        .with_state(state)
}
