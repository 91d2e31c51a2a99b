//! The console's support agents and region policy routes (`docs/console-api.md`, "People and
//! devices").

use super::{blocking, json_body, Answer, ConsoleUser};
use crate::http::HttpState;
use crate::service::console::ConsoleError;
use crate::store::AdminRole;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;
use verity_device::proto::AgentProfile;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentBody {
    profile: AgentProfile,
    ttl: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    cidrs: Vec<String>,
}

pub(super) async fn agents(State(st): State<Arc<HttpState>>, user: ConsoleUser) -> Answer {
    user.require(AdminRole::Auditor)?;
    let list = blocking(&st.desk, |d| d.console_agents()).await?;
    Ok(Json(list).into_response())
}

pub(super) async fn issue_agent_code(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let b: AgentBody = json_body(&headers, body)?;
    let ttl =
        crate::admin::parse_ttl(&b.ttl).map_err(|e| ConsoleError::invalid("ttl", e.to_string()))?;
    let origin = st.origin.clone();
    let issued = blocking(&st.desk, move |d| {
        d.console_issue_agent_code(&user, &b.profile, ttl, &origin)
    })
    .await?;
    Ok(Json(issued).into_response())
}

pub(super) async fn revoke_agent(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let b: RevokeBody = json_body(&headers, body)?;
    let a = blocking(&st.desk, move |d| {
        d.console_revoke_agent(&user, &id, &b.reason)
    })
    .await?;
    Ok(Json(a).into_response())
}

pub(super) async fn policy(State(st): State<Arc<HttpState>>, user: ConsoleUser) -> Answer {
    user.require(AdminRole::Auditor)?;
    let p = blocking(&st.desk, |d| d.console_policy()).await?;
    Ok(Json(p).into_response())
}

pub(super) async fn set_policy(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let b: PolicyBody = json_body(&headers, body)?;
    let p = blocking(&st.desk, move |d| {
        d.console_set_policy(&user, &b.regions, &b.cidrs)
    })
    .await?;
    Ok(Json(p).into_response())
}
