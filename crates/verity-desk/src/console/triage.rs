//! The console's reporting window and feed routes (`docs/console-api.md`, "The reporting
//! window"): the triage queue, a line's reports, confirm and reject, the feed and publishing.

use super::{blocking, json_body, Answer, ConsoleUser, EmptyBody};
use crate::feedpub::LinkScope;
use crate::http::HttpState;
use crate::service::console::ConsoleError;
use crate::store::{AdminRole, ReportStatus};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    category: String,
    reason: String,
    #[serde(default)]
    scope: LinkScope,
    #[serde(default)]
    label: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectBody {
    reason: String,
}

fn report_id(id: &str) -> Result<u64, ConsoleError> {
    id.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ConsoleError::not_found("no such report"))
}

fn status_of(query: Option<&str>) -> Result<Option<ReportStatus>, ConsoleError> {
    let Some(q) = query else { return Ok(None) };
    match url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "status") {
        None => Ok(None),
        Some((_, v)) if v.is_empty() => Ok(None),
        Some((_, v)) => ReportStatus::parse(&v)
            .map(Some)
            .ok_or_else(|| ConsoleError::invalid("status", "new, confirmed or rejected")),
    }
}

pub(super) async fn reports(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    RawQuery(query): RawQuery,
) -> Answer {
    user.require(AdminRole::Auditor)?;
    let status = status_of(query.as_deref())?;
    let lines = blocking(&st.desk, move |d| d.console_reports(status)).await?;
    Ok(Json(lines).into_response())
}

pub(super) async fn report(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> Answer {
    user.require(AdminRole::Auditor)?;
    let id = report_id(&id)?;
    let detail = blocking(&st.desk, move |d| d.console_report(id)).await?;
    Ok(Json(detail).into_response())
}

pub(super) async fn confirm(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Analyst)?;
    user.require_recent_auth()?;
    let id = report_id(&id)?;
    let b: ConfirmBody = json_body(&headers, body)?;
    let detail = blocking(&st.desk, move |d| {
        let confirm = crate::service::triage::Confirm {
            category: &b.category,
            reason: &b.reason,
            scope: b.scope,
            label: b.label.as_deref(),
        };
        d.console_confirm_report(&user, id, &confirm)
    })
    .await?;
    Ok(Json(detail).into_response())
}

pub(super) async fn reject(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Analyst)?;
    user.require_recent_auth()?;
    let id = report_id(&id)?;
    let b: RejectBody = json_body(&headers, body)?;
    let detail = blocking(&st.desk, move |d| {
        d.console_reject_report(&user, id, &b.reason)
    })
    .await?;
    Ok(Json(detail).into_response())
}

pub(super) async fn feed(State(st): State<Arc<HttpState>>, user: ConsoleUser) -> Answer {
    user.require(AdminRole::Auditor)?;
    let f = blocking(&st.desk, |d| d.console_feed()).await?;
    Ok(Json(f).into_response())
}

pub(super) async fn publish(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Analyst)?;
    user.require_recent_auth()?;
    let _: EmptyBody = json_body(&headers, body)?;
    let p = blocking(&st.desk, move |d| d.console_publish(&user)).await?;
    Ok(Json(p).into_response())
}
