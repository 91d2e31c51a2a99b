//! The console's drill routes (`docs/drills.md`, "Console API"): scenarios, the reserved list,
//! drills and their results, individual results (admin, logged), the trend, CSV and PDF exports,
//! the programme. Changes need the admin role and a recent sign-in.

use super::{blocking, json_body, Answer, ConsoleUser, EmptyBody};
use crate::http::HttpState;
use crate::service::drills::DrillSpec;
use crate::store::AdminRole;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReservedBody {
    kind: String,
    value: String,
    label: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgrammeBody {
    owner: String,
    #[serde(default = "three")]
    every_months: u32,
}

fn three() -> u32 {
    3
}

pub(super) async fn scenarios(State(st): State<Arc<HttpState>>, user: ConsoleUser) -> Answer {
    user.require(AdminRole::Auditor)?;
    let v = blocking(&st.desk, |d| d.console_drill_scenarios()).await?;
    Ok(Json(v).into_response())
}

pub(super) async fn reserved(State(st): State<Arc<HttpState>>, user: ConsoleUser) -> Answer {
    user.require(AdminRole::Auditor)?;
    let v = blocking(&st.desk, |d| d.console_drill_reserved()).await?;
    Ok(Json(v).into_response())
}

pub(super) async fn add_reserved(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let b: ReservedBody = json_body(&headers, body)?;
    let v = blocking(&st.desk, move |d| {
        d.console_drill_add_reserved(&user.actor(), &b.kind, &b.value, &b.label)
    })
    .await?;
    Ok(Json(v).into_response())
}

pub(super) async fn remove_reserved(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let _: EmptyBody = json_body(&headers, body)?;
    let v = blocking(&st.desk, move |d| {
        d.console_drill_remove_reserved(&user.actor(), &id)
    })
    .await?;
    Ok(Json(v).into_response())
}

pub(super) async fn list(State(st): State<Arc<HttpState>>, user: ConsoleUser) -> Answer {
    user.require(AdminRole::Auditor)?;
    let v = blocking(&st.desk, |d| d.console_drills()).await?;
    Ok(Json(v).into_response())
}

pub(super) async fn create(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let b: DrillSpec = json_body(&headers, body)?;
    let v = blocking(&st.desk, move |d| d.console_create_drill(&user, &b)).await?;
    Ok(Json(v).into_response())
}

pub(super) async fn cancel(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let _: EmptyBody = json_body(&headers, body)?;
    let v = blocking(&st.desk, move |d| d.console_cancel_drill(&user, &id)).await?;
    Ok(Json(v).into_response())
}

pub(super) async fn results(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> Answer {
    user.require(AdminRole::Auditor)?;
    let v = blocking(&st.desk, move |d| d.console_drill_results(&id)).await?;
    Ok(Json(v).into_response())
}

pub(super) async fn people(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    let v = blocking(&st.desk, move |d| d.console_drill_people(&user, &id)).await?;
    Ok(Json(v).into_response())
}

pub(super) async fn trend(State(st): State<Arc<HttpState>>, user: ConsoleUser) -> Answer {
    user.require(AdminRole::Auditor)?;
    let v = blocking(&st.desk, |d| d.console_drill_trend()).await?;
    Ok(Json(v).into_response())
}

fn attachment(content_type: &'static str, id: &str, ext: &str, body: Vec<u8>) -> Answer {
    let mut r = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    // The id was checked ([a-z0-9_-]) before any export is made.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"drill-{id}.{ext}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

pub(super) async fn export_csv(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> Answer {
    user.require(AdminRole::Auditor)?;
    let id2 = id.clone();
    let v = blocking(&st.desk, move |d| d.console_drill_csv(&id2)).await?;
    attachment("text/csv; charset=utf-8", &id, "csv", v.into_bytes())
}

pub(super) async fn export_pdf(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> Answer {
    user.require(AdminRole::Auditor)?;
    let id2 = id.clone();
    let v = blocking(&st.desk, move |d| d.console_drill_pdf(&id2)).await?;
    attachment("application/pdf", &id, "pdf", v)
}

pub(super) async fn programme(State(st): State<Arc<HttpState>>, user: ConsoleUser) -> Answer {
    user.require(AdminRole::Auditor)?;
    let v = blocking(&st.desk, |d| d.console_drill_programme()).await?;
    Ok(Json(v).into_response())
}

pub(super) async fn set_programme(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    user.require(AdminRole::Admin)?;
    user.require_recent_auth()?;
    let b: ProgrammeBody = json_body(&headers, body)?;
    let v = blocking(&st.desk, move |d| {
        d.console_set_drill_programme(&user, &b.owner, b.every_months)
    })
    .await?;
    Ok(Json(v).into_response())
}
