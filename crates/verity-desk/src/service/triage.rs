//! The console's reporting window (issue 14 item 5): the triage queue (one line per normalised
//! item, with counts, first and last received, reporters), a line's reports, confirming (a
//! reported number or link goes into the next feed version; an appeal's item is recorded for the
//! organisation's allowlist) or rejecting with a reason, and publishing the feed. Every change is
//! written to the operation log; an item and a note are never written to the desk's log
//! (tracing), only to the operation log's detail where IT reviews them.

use super::console::{ConsoleError, ConsoleSession};
use super::Desk;
use crate::admin::{check_reason, AdminError};
use crate::feedpub::{self, LinkScope};
use crate::store::{ReportGroup, ReportRecord, ReportStatus, ResolveOutcome};
use serde::Serialize;

/// The most reports a line's detail lists.
const LINE_LIMIT: u32 = 200;

/// What a confirmation says: the feed category, IT's reason, a link's scope, and for an appeal
/// the allowlist's label (who it is).
#[derive(Debug, Clone, Copy)]
pub struct Confirm<'a> {
    /// The feed category's code (a blocklist entry's).
    pub category: &'a str,
    /// Why.
    pub reason: &'a str,
    /// That address or its whole domain.
    pub scope: LinkScope,
    /// For an appeal: who the number or link belongs to (1 to 80 characters).
    pub label: Option<&'a str>,
}

/// A line of the triage queue, as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriageLine {
    /// The line's first report (confirm and reject take it).
    pub id: u64,
    /// The kind's code (`check`, `threat`, `appeal`, `tripwire_remote_tool`…).
    pub kind: String,
    /// The item, if any.
    pub item: Option<String>,
    /// The status its reports share.
    pub status: ReportStatus,
    /// How many reports.
    pub reports: u32,
    /// From how many devices.
    pub devices: u32,
    /// The first report's arrival.
    pub first_received: u64,
    /// The last report's arrival.
    pub last_received: u64,
    /// The first report's verdict codes, comma-separated.
    pub verdict: Option<String>,
    /// Whether confirming it adds a feed entry (a number or link from a Check or a threat).
    pub feed_item: bool,
}

/// One report on a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineReport {
    /// Its number.
    pub id: u64,
    /// The device that sent it.
    pub device_id: String,
    /// The employee's id, when the desk still has the device.
    pub employee: Option<String>,
    /// The employee's name.
    pub employee_name: Option<String>,
    /// The employee's note.
    pub note: String,
    /// When the employee saw it (the device's clock).
    pub observed_at: u64,
    /// When the desk received it.
    pub received_at: u64,
    /// IT's reason, once resolved.
    pub reason: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<u64>,
}

/// A line and its reports (the contract's detail: the line's fields, with `reports` the list
/// and `count` how many there are in all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriageDetail {
    /// The line's first report.
    pub id: u64,
    /// The kind's code.
    pub kind: String,
    /// The item, if any.
    pub item: Option<String>,
    /// The status its reports share.
    pub status: ReportStatus,
    /// How many reports in all.
    pub count: u32,
    /// From how many devices.
    pub devices: u32,
    /// The first report's arrival.
    pub first_received: u64,
    /// The last report's arrival.
    pub last_received: u64,
    /// The first report's verdict codes, comma-separated.
    pub verdict: Option<String>,
    /// Whether confirming it adds a feed entry.
    pub feed_item: bool,
    /// Its reports, newest first (at most 200).
    pub reports: Vec<LineReport>,
}

/// An item waiting for the next feed version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingItem {
    /// `phone`, `domain` or `url`.
    pub kind: String,
    /// The normalised value.
    pub value: String,
    /// The feed category.
    pub category: String,
    /// The report it came from (`#12`), or who added it.
    pub from_report: String,
    /// Who confirmed it.
    pub actor: String,
    /// When.
    pub added_at: u64,
    /// For an allowlist entry: who it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// The feed as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedView {
    /// Whether the desk publishes the feed (`verity-desk feed publisher`).
    pub publisher: bool,
    /// The last version the desk published, if any.
    pub version: Option<u64>,
    /// When.
    pub published_at: Option<u64>,
    /// Confirmed items waiting for the next version.
    pub pending: Vec<PendingItem>,
    /// Allowlist entries waiting (appeals IT upheld).
    pub allow_pending: Vec<PendingItem>,
}

fn line_of(g: &ReportGroup, first: Option<&ReportRecord>) -> TriageLine {
    TriageLine {
        id: g.id,
        kind: g.kind.clone(),
        item: g.item.clone(),
        status: g.status,
        reports: g.count,
        devices: g.reporters,
        first_received: g.first_seen,
        last_received: g.last_seen,
        verdict: first.map(|r| r.verdict.join(",")),
        feed_item: g.item.is_some() && (g.kind == "check" || g.kind == "threat"),
    }
}

fn admin_error(e: AdminError) -> ConsoleError {
    match e {
        AdminError::NoSuchReport(_) => ConsoleError::not_found("no such report"),
        AdminError::NoPublisher => ConsoleError::conflict(e.to_string()),
        AdminError::NothingToPublish => ConsoleError::conflict(e.to_string()),
        AdminError::Usage(m) if m.contains("already") => ConsoleError::conflict(m),
        AdminError::Usage(m) if m.contains("reason") => ConsoleError::invalid("reason", m),
        AdminError::Usage(m) if m.starts_with("the label") => ConsoleError::invalid("label", m),
        AdminError::Usage(m) => ConsoleError::invalid("item", m),
        AdminError::Store(s) => s.into(),
        AdminError::Feed(f) => {
            tracing::error!(error = %f, "publishing the feed failed");
            ConsoleError::conflict(format!("publishing the feed failed: {f}"))
        }
        other => {
            tracing::error!(error = %other, "console triage failed");
            ConsoleError::internal()
        }
    }
}

impl Desk {
    /// `GET /console/api/reports?status=`: the triage queue, the most recent first.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_reports(
        &self,
        status: Option<ReportStatus>,
    ) -> Result<Vec<TriageLine>, ConsoleError> {
        let groups = self.store.report_groups(status)?;
        let mut out = Vec::with_capacity(groups.len());
        for g in &groups {
            let first = self.store.report(g.id)?;
            out.push(line_of(g, first.as_ref()));
        }
        Ok(out)
    }

    fn line(&self, id: u64) -> Result<TriageLine, ConsoleError> {
        let first = self
            .store
            .report(id)?
            .ok_or_else(|| ConsoleError::not_found("no such report"))?;
        let group = self
            .store
            .report_groups(Some(first.status))?
            .into_iter()
            .find(|g| g.kind == first.kind && g.item == first.item && g.id <= id)
            .ok_or_else(|| ConsoleError::not_found("no such report"))?;
        Ok(line_of(&group, Some(&first)))
    }

    /// `GET /console/api/reports/{id}`: the line of report `id` and its reports.
    ///
    /// # Errors
    /// `not_found`, store failures.
    pub fn console_report(&self, id: u64) -> Result<TriageDetail, ConsoleError> {
        let line = self.line(id)?;
        let mut list = Vec::new();
        for r in self.store.report_line(id, LINE_LIMIT)? {
            let device = self.store.device(&r.device_id)?;
            list.push(LineReport {
                id: r.id,
                device_id: r.device_id,
                employee: device.as_ref().map(|d| d.employee_id.clone()),
                employee_name: device.map(|d| d.employee_name),
                note: r.note,
                observed_at: r.observed_at,
                received_at: r.received_at,
                reason: r.reason,
                resolved_at: r.resolved_at,
            });
        }
        Ok(TriageDetail {
            id: line.id,
            kind: line.kind,
            item: line.item,
            status: line.status,
            count: line.reports,
            devices: line.devices,
            first_received: line.first_received,
            last_received: line.last_received,
            verdict: line.verdict,
            feed_item: line.feed_item,
            reports: list,
        })
    }

    /// `POST /console/api/reports/{id}/confirm`: confirms the line; a reported number or link
    /// is queued for the next feed version with `category` (`scope` for a link: that address or
    /// its whole domain).
    ///
    /// # Errors
    /// `not_found`, `invalid_input` (`category`, `reason`, `item`), `conflict` (resolved
    /// already), store failures.
    pub fn console_confirm_report(
        &self,
        s: &ConsoleSession,
        id: u64,
        confirm: &Confirm<'_>,
    ) -> Result<TriageDetail, ConsoleError> {
        let category = feedpub::parse_category(confirm.category)
            .map_err(|e| ConsoleError::invalid("category", e.to_string()))?;
        let appeal = self.store.report(id)?.is_some_and(|r| r.kind == "appeal");
        let done = if appeal {
            let label = confirm.label.unwrap_or_default();
            feedpub::confirm_appeal(
                self.store.as_ref(),
                id,
                label,
                confirm.reason,
                &s.actor(),
                self.clock.now(),
            )
        } else {
            feedpub::confirm_report(
                self.store.as_ref(),
                id,
                category,
                confirm.scope,
                confirm.reason,
                &s.actor(),
                self.clock.now(),
            )
        };
        let reason = confirm.reason;
        let (outcome, detail) = match &done {
            Ok(c) => (
                "ok",
                serde_json::json!({
                    "reports": c.reports,
                    "queued": c.queued.as_ref().map(|(k, v)| format!("{k}:{v}")),
                    "category": category.as_str(),
                    "reason": reason.trim(),
                }),
            ),
            Err(e) => ("refused", serde_json::json!({ "error": e.to_string() })),
        };
        self.log_op(
            &s.actor(),
            "report.confirm",
            &format!("report:{id}"),
            "",
            outcome,
            detail,
        )?;
        done.map_err(admin_error)?;
        self.console_report(id)
    }

    /// `POST /console/api/reports/{id}/reject`: rejects the line with `reason`.
    ///
    /// # Errors
    /// `not_found`, `invalid_input` (`reason`), `conflict` (resolved already), store failures.
    pub fn console_reject_report(
        &self,
        s: &ConsoleSession,
        id: u64,
        reason: &str,
    ) -> Result<TriageDetail, ConsoleError> {
        let reason = check_reason(reason).map_err(admin_error)?;
        let outcome =
            self.store
                .resolve_reports(id, ReportStatus::Rejected, reason, self.clock.now())?;
        let (logged, result) = match outcome {
            ResolveOutcome::Resolved { count } => ("ok", Ok(count)),
            ResolveOutcome::NotFound => {
                ("not_found", Err(ConsoleError::not_found("no such report")))
            }
            ResolveOutcome::AlreadyResolved(st) => (
                "conflict",
                Err(ConsoleError::conflict(format!(
                    "report {id} is {} already",
                    st.as_str()
                ))),
            ),
        };
        self.log_op(
            &s.actor(),
            "report.reject",
            &format!("report:{id}"),
            "",
            logged,
            serde_json::json!({ "reason": reason }),
        )?;
        result?;
        self.console_report(id)
    }

    /// `GET /console/api/feed`: where the desk publishes, the last version, what waits.
    ///
    /// # Errors
    /// Store failures.
    pub fn console_feed(&self) -> Result<FeedView, ConsoleError> {
        let last = self.store.feed_items(false, 1)?.into_iter().next();
        let pending = self
            .store
            .feed_items(true, 1000)?
            .into_iter()
            .map(|i| PendingItem {
                from_report: i
                    .report_id
                    .map_or_else(|| i.actor.clone(), |r| format!("#{r}")),
                kind: i.kind,
                value: i.value,
                category: i.category,
                actor: i.actor,
                added_at: i.added_at,
                label: None,
            })
            .collect();
        Ok(FeedView {
            publisher: self.store.feed_publisher()?.is_some(),
            version: last.as_ref().and_then(|i| i.published_version),
            published_at: last.as_ref().and_then(|i| i.published_at),
            pending,
            allow_pending: self
                .store
                .known_items(true, 1000)?
                .into_iter()
                .map(|i| PendingItem {
                    from_report: i
                        .report_id
                        .map_or_else(|| i.actor.clone(), |r| format!("#{r}")),
                    kind: i.kind,
                    value: i.value,
                    category: String::new(),
                    label: Some(i.label),
                    actor: i.actor,
                    added_at: i.added_at,
                })
                .collect(),
        })
    }

    /// `POST /console/api/feed/publish`: signs the queued items into the next feed version with
    /// the online keys the desk holds. Blocking: run it on the blocking pool.
    ///
    /// # Errors
    /// `conflict` (no publisher, nothing waiting, the publish failed — nothing of the queue
    /// changed then), store failures.
    pub fn console_publish(&self, s: &ConsoleSession) -> Result<feedpub::Published, ConsoleError> {
        let r = feedpub::publish(self.store.as_ref(), self.clock.now());
        let (outcome, detail) = match &r {
            Ok(p) => (
                "ok",
                serde_json::json!({ "version": p.version, "items": p.items, "added": p.added }),
            ),
            Err(e) => ("failed", serde_json::json!({ "error": e.to_string() })),
        };
        self.log_op(&s.actor(), "feed.publish", "feed", "", outcome, detail)?;
        r.map_err(admin_error)
    }
}
