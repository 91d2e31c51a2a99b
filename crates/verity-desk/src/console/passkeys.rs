//! The console's passkey routes (`docs/console-api.md`, "Sign-in"): register, sign in,
//! re-authenticate, remove. The relying party is the desk's public origin.

use super::{blocking, json_body, signed_in, Answer, ClientAddr, ConsoleUser, EmptyBody};
use crate::http::HttpState;
use crate::service::console::ConsoleError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FinishBody {
    ceremony: String,
    credential: serde_json::Value,
    #[serde(default)]
    label: String,
}

fn credential_bytes(b: &FinishBody) -> Result<Vec<u8>, ConsoleError> {
    if b.ceremony.len() > 64 {
        return Err(ConsoleError::invalid("ceremony", "not a ceremony"));
    }
    serde_json::to_vec(&b.credential).map_err(|_| ConsoleError::invalid("credential", "not JSON"))
}

pub(super) async fn register_start(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require_recent_auth()?;
    let _: EmptyBody = json_body(&headers, body)?;
    let origin = st.origin.clone();
    let c = blocking(&st.desk, move |d| d.passkey_register_start(&user, &origin)).await?;
    Ok(Json(c).into_response())
}

pub(super) async fn register_finish(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let b: FinishBody = json_body(&headers, body)?;
    let cred = credential_bytes(&b)?;
    let origin = st.origin.clone();
    let list = blocking(&st.desk, move |d| {
        d.passkey_register_finish(&user, &origin, &b.ceremony, &cred, &b.label)
    })
    .await?;
    Ok(Json(serde_json::json!({ "passkeys": list })).into_response())
}

pub(super) async fn remove(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require_recent_auth()?;
    let _: EmptyBody = json_body(&headers, body)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ConsoleError::not_found("no such passkey"))?;
    let list = blocking(&st.desk, move |d| d.passkey_remove(&user, id)).await?;
    Ok(Json(serde_json::json!({ "passkeys": list })).into_response())
}

pub(super) async fn signin_start(
    State(st): State<Arc<HttpState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let _: EmptyBody = json_body(&headers, body)?;
    let origin = st.origin.clone();
    let c = blocking(&st.desk, move |d| d.passkey_signin_start(&origin)).await?;
    Ok(Json(c).into_response())
}

pub(super) async fn signin_finish(
    State(st): State<Arc<HttpState>>,
    ClientAddr(peer): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let b: FinishBody = json_body(&headers, body)?;
    let cred = credential_bytes(&b)?;
    let origin = st.origin.clone();
    let s = blocking(&st.desk, move |d| {
        d.passkey_signin_finish(&origin, &b.ceremony, &cred, peer)
    })
    .await?;
    Ok(signed_in(s))
}

pub(super) async fn reauth_start(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let _: EmptyBody = json_body(&headers, body)?;
    let origin = st.origin.clone();
    let c = blocking(&st.desk, move |d| d.passkey_reauth_start(&user, &origin)).await?;
    Ok(Json(c).into_response())
}

pub(super) async fn reauth_finish(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    ClientAddr(peer): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let b: FinishBody = json_body(&headers, body)?;
    let cred = credential_bytes(&b)?;
    let origin = st.origin.clone();
    let me = blocking(&st.desk, move |d| {
        d.passkey_reauth_finish(&user, &origin, &b.ceremony, &cred, peer)
    })
    .await?;
    Ok(Json(me).into_response())
}
