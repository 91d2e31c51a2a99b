//! The operation log's routes (`docs/console-api.md`, "Operation log"): the view, the
//! consistency proof, the CSV export and the evidence bundle. The rules are in
//! `service/oplog.rs`.

use super::{blocking, Answer, ConsoleUser};
use crate::http::HttpState;
use crate::oplog::{csv_line, iso8601, key_name, MAX_EXPORT, MAX_VIEW};
use crate::service::console::ConsoleError;
use crate::service::oplog::{OpQuery, OplogRead};
use crate::store::AdminRole;
use axum::extract::{RawQuery, State};
use axum::http::header::{self, HeaderValue};
use axum::response::IntoResponse;
use axum::Json;
use data_encoding::BASE64;
use std::sync::Arc;

/// The longest query string accepted.
const MAX_QUERY: usize = 4096;

fn pairs(query: Option<&str>) -> Result<Vec<(String, String)>, ConsoleError> {
    let q = query.unwrap_or_default();
    if q.len() > MAX_QUERY {
        return Err(ConsoleError::invalid(
            "query",
            format!("the query is longer than {MAX_QUERY} bytes"),
        ));
    }
    Ok(url::form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

fn number(field: &'static str, v: &str) -> Result<u64, ConsoleError> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ConsoleError::invalid(field, "a Unix time in seconds"));
    }
    v.parse()
        .map_err(|_| ConsoleError::invalid(field, "a Unix time in seconds"))
}

fn set<T>(field: &'static str, slot: &mut Option<T>, v: T) -> Result<(), ConsoleError> {
    if slot.is_some() {
        return Err(ConsoleError::invalid(field, "given twice"));
    }
    *slot = Some(v);
    Ok(())
}

/// The view's and the exports' query: `from, to, actor, action, target, device, outcome`.
fn op_query(query: Option<&str>) -> Result<OpQuery, ConsoleError> {
    let mut q = OpQuery::default();
    for (k, v) in pairs(query)? {
        match k.as_str() {
            "from" => set("from", &mut q.from, number("from", &v)?)?,
            "to" => set("to", &mut q.to, number("to", &v)?)?,
            "actor" => set("actor", &mut q.actor, v)?,
            "action" => set("action", &mut q.action, v)?,
            "target" => set("target", &mut q.target, v)?,
            "device" => set("device", &mut q.device, v)?,
            "outcome" => set("outcome", &mut q.outcome, v)?,
            _ => {
                return Err(ConsoleError::invalid(
                    "query",
                    format!("unknown parameter {k:?}"),
                ))
            }
        }
    }
    Ok(q)
}

fn log_key(st: &HttpState) -> Result<String, ConsoleError> {
    key_name(&st.origin).map_err(ConsoleError::from)
}

/// `GET /console/api/oplog` (auditor, recent sign-in).
pub(super) async fn view(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    RawQuery(query): RawQuery,
) -> Answer {
    user.require(AdminRole::Auditor)?;
    user.require_recent_auth()?;
    let q = op_query(query.as_deref())?;
    let name = log_key(&st)?;
    let page = blocking(&st.desk, move |d| {
        d.console_oplog(&user, &name, q, OplogRead::View, MAX_VIEW)
    })
    .await?;
    Ok(Json(page).into_response())
}

/// `GET /console/api/oplog/consistency?from=N` (auditor).
pub(super) async fn consistency(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    RawQuery(query): RawQuery,
) -> Answer {
    user.require(AdminRole::Auditor)?;
    let mut from = None;
    for (k, v) in pairs(query.as_deref())? {
        match k.as_str() {
            "from" => set("from", &mut from, number("from", &v)?)?,
            _ => {
                return Err(ConsoleError::invalid(
                    "query",
                    format!("unknown parameter {k:?}"),
                ))
            }
        }
    }
    let from = from.ok_or_else(|| ConsoleError::invalid("from", "give from"))?;
    let a = blocking(&st.desk, move |d| d.console_oplog_consistency(from)).await?;
    Ok(Json(a).into_response())
}

fn truncated_header(r: &mut axum::response::Response, truncated: bool) {
    r.headers_mut().insert(
        "x-verity-truncated",
        HeaderValue::from_static(if truncated { "true" } else { "false" }),
    );
}

/// `GET /console/api/oplog/export.csv` (auditor, recent sign-in): at most 10,000 rows
/// (`X-Verity-Truncated: true` when more matched).
pub(super) async fn export_csv(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    RawQuery(query): RawQuery,
) -> Answer {
    user.require(AdminRole::Auditor)?;
    user.require_recent_auth()?;
    let q = op_query(query.as_deref())?;
    let name = log_key(&st)?;
    let page = blocking(&st.desk, move |d| {
        d.console_oplog(&user, &name, q, OplogRead::Csv, MAX_EXPORT)
    })
    .await?;
    let mut out = csv_line([
        "seq",
        "at",
        "actor",
        "action",
        "target",
        "device",
        "outcome",
        "detail",
        "leaf_hash",
        "proof",
    ]);
    for e in &page.entries {
        let (seq, at, leaf, proof) = (
            e.seq.to_string(),
            iso8601(e.at),
            BASE64.encode(&e.leaf_hash),
            e.proof.join(";"),
        );
        out.push_str(&csv_line([
            seq.as_str(),
            at.as_str(),
            e.actor.as_str(),
            e.action.as_str(),
            e.target.as_str(),
            e.device.as_str(),
            e.outcome.as_str(),
            e.detail.as_str(),
            leaf.as_str(),
            proof.as_str(),
        ]));
    }
    let mut r = (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"oplog.csv\"",
            ),
        ],
        out,
    )
        .into_response();
    truncated_header(&mut r, page.truncated);
    Ok(r)
}

#[derive(serde::Serialize)]
struct Evidence {
    checkpoint: Option<crate::service::oplog::CheckpointView>,
    key: crate::service::oplog::KeyView,
    entries: Vec<crate::service::oplog::OpView>,
}

/// `GET /console/api/oplog/evidence.json` (auditor, recent sign-in): at most 10,000 entries
/// (`X-Verity-Truncated: true` when more matched).
pub(super) async fn evidence(
    State(st): State<Arc<HttpState>>,
    user: ConsoleUser,
    RawQuery(query): RawQuery,
) -> Answer {
    user.require(AdminRole::Auditor)?;
    user.require_recent_auth()?;
    let q = op_query(query.as_deref())?;
    let name = log_key(&st)?;
    let page = blocking(&st.desk, move |d| {
        d.console_oplog(&user, &name, q, OplogRead::Evidence, MAX_EXPORT)
    })
    .await?;
    let truncated = page.truncated;
    let mut r = (
        [(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"oplog-evidence.json\"",
        )],
        Json(Evidence {
            checkpoint: page.checkpoint,
            key: page.key,
            entries: page.entries,
        }),
    )
        .into_response();
    truncated_header(&mut r, truncated);
    Ok(r)
}
