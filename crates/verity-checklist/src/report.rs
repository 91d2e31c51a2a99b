//! The checklist report a manager exports (CSV, self-contained HTML that prints on A4, JSON),
//! and the internal announcement an administrator posts. Pure: the caller passes the states,
//! the audit verification and the time, and writes the text where it wants.

use serde::{Deserialize, Serialize};

use crate::audit::{AnchoredHead, ChainBreak, Verification};
use crate::checklist::{Checklist, Evidence, Interval, Progress, StepId, StepStatus, PASS_PERCENT};
use verity_check::official::SupportStep;
use verity_core::clock::Timestamp;
use verity_core::text::{text, text_with};
use verity_core::Language;

/// One step in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StepReport {
    /// The step.
    pub step: StepId,
    /// Its number, 1 to 5.
    pub number: u8,
    /// Its status.
    pub status: StepStatus,
    /// When the current round started.
    pub started_at: Option<Timestamp>,
    /// The last change.
    pub updated_at: Option<Timestamp>,
    /// When last completed.
    pub done_at: Option<Timestamp>,
    /// When it falls due again.
    pub due_at: Option<Timestamp>,
    /// The latest evidence (counts and dates only; never a scanned number).
    pub evidence: Option<Evidence>,
}

/// The audit chain's state in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditSummary {
    /// Records in the log.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub records: u64,
    /// The last record's hash.
    pub head_hash: Option<String>,
    /// Whether the chain verified.
    pub intact: bool,
    /// The first break, if any.
    pub first_break: Option<ChainBreak>,
    /// The head the organisation's desk last countersigned, as the device keeps it: a manager
    /// who keeps this report can later check a device's log against it (`verityctl audit verify
    /// --report`), even if the log and the device's own copy were rewritten.
    #[serde(default)]
    pub anchor: Option<AnchoredHead>,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChecklistReport {
    /// When it was made.
    pub generated_at: Timestamp,
    /// Whom it is about (a name the exporter typed), if given.
    pub prepared_for: Option<String>,
    /// Counts by status.
    pub progress: Progress,
    /// The next drill date (step 4).
    pub next_drill: Option<Timestamp>,
    /// The five steps.
    pub steps: Vec<StepReport>,
    /// The audit chain.
    pub audit: AuditSummary,
}

/// Builds the report; `anchor` is the countersigned head kept beside the log, if any.
#[must_use]
pub fn build(
    checklist: &Checklist,
    verification: &Verification,
    anchor: Option<&AnchoredHead>,
    generated_at: Timestamp,
    prepared_for: Option<String>,
) -> ChecklistReport {
    ChecklistReport {
        generated_at,
        prepared_for: prepared_for.filter(|p| !p.trim().is_empty()),
        progress: checklist.progress(),
        next_drill: checklist.next_drill(),
        steps: checklist
            .steps
            .iter()
            .map(|s| StepReport {
                step: s.step,
                number: s.step.number(),
                status: s.status,
                started_at: s.started_at,
                updated_at: s.updated_at,
                done_at: s.done_at,
                due_at: s.due_at,
                evidence: s.evidence.clone(),
            })
            .collect(),
        audit: AuditSummary {
            records: verification.records,
            head_hash: verification.head.as_ref().map(|h| h.hash.clone()),
            intact: verification.is_intact(),
            first_break: verification.first_break.clone(),
            anchor: anchor.cloned(),
        },
    }
}

/// How often, as a phrase ("every quarter", "每 2 個月一次").
#[must_use]
pub fn frequency_text(i: Interval, lang: Language) -> String {
    match i {
        Interval::Months(3) => text(lang, "checklist.frequency.quarter"),
        Interval::Months(12) => text(lang, "checklist.frequency.year"),
        Interval::Months(n) => {
            text_with(lang, "checklist.frequency.months", &[("n", &n.to_string())])
        }
        Interval::Days(n) => text_with(lang, "checklist.frequency.days", &[("n", &n.to_string())]),
    }
}

/// A date for a sentence in `lang`: in Arabic, isolated left to right so that `2026-04-01` is
/// not shown as `01-04-2026`.
fn date_in(lang: Language, t: Timestamp) -> String {
    if lang.is_rtl() {
        format!("\u{2066}{}\u{2069}", t.to_date())
    } else {
        t.to_date()
    }
}

/// Text someone typed (a name), isolated inside a right-to-left sentence.
fn typed_in(lang: Language, s: &str) -> String {
    if lang.is_rtl() {
        format!("\u{2068}{s}\u{2069}")
    } else {
        s.to_owned()
    }
}

/// One line saying what the evidence shows, in `lang`.
#[must_use]
pub fn evidence_summary(evidence: Option<&Evidence>, lang: Language) -> String {
    let yes_no = |b: bool| text(lang, if b { "checklist.yes" } else { "checklist.no" });
    match evidence {
        None => text(lang, "checklist.evidence.none"),
        Some(Evidence::RemoveUnofficialNumbers(s)) => text_with(
            lang,
            "checklist.evidence.scan",
            &[
                ("files", &s.files.to_string()),
                ("entries", &s.entries.to_string()),
                ("flagged", &s.flagged.to_string()),
                ("removed", &s.removed.to_string()),
            ],
        ),
        Some(Evidence::AnnounceOfficialPath(a)) => text_with(
            lang,
            "checklist.evidence.acknowledged",
            &[("date", &date_in(lang, a.acknowledged_at))],
        ),
        Some(Evidence::AlertsOn(a)) => text_with(
            lang,
            "checklist.evidence.alert",
            &[
                ("date", &date_in(lang, a.test_alert_confirmed_at)),
                ("autostart", &yes_no(a.start_at_login)),
            ],
        ),
        Some(Evidence::DrillOwner(d)) => text_with(
            lang,
            "checklist.evidence.drill",
            &[
                ("owner", &typed_in(lang, d.owner.trim())),
                ("frequency", &frequency_text(d.schedule, lang)),
                ("date", &date_in(lang, d.next_drill)),
            ],
        ),
        Some(Evidence::Training(q)) => {
            let key = if q.passed {
                "checklist.evidence.quiz_passed"
            } else {
                "checklist.evidence.quiz_failed"
            };
            text_with(
                lang,
                key,
                &[
                    ("score", &q.score.to_string()),
                    ("total", &q.total.to_string()),
                    ("pass", &PASS_PERCENT.to_string()),
                ],
            )
        }
    }
}

/// The audit chain's state as one sentence, in `lang`.
#[must_use]
pub fn audit_sentence(audit: &AuditSummary, lang: Language) -> String {
    match &audit.first_break {
        Some(b) => text_with(
            lang,
            &format!("audit.break.{}", b.kind.as_str()),
            &[("seq", &b.seq.to_string())],
        ),
        None if audit.records == 0 => text(lang, "audit.empty"),
        None => text_with(
            lang,
            "audit.intact",
            &[("count", &audit.records.to_string())],
        ),
    }
}

/// The report as pretty JSON (timestamps in Unix seconds, codes in snake_case).
///
/// # Errors
/// A serde error (never in practice).
pub fn to_json(report: &ChecklistReport) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report)
}

fn date(t: Option<Timestamp>) -> String {
    t.map(Timestamp::to_rfc3339).unwrap_or_default()
}

/// A cell a spreadsheet will not run as a formula (`=`, `+`, `-`, `@` lead with a quote).
fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// The report as CSV: one row per step, with the audit chain's state repeated on each row so
/// that every row stands alone in a spreadsheet. Column names are stable codes; the `title`,
/// `status_text` and `evidence` columns are in `lang`.
///
/// # Errors
/// A CSV or JSON error (never in practice).
pub fn to_csv(report: &ChecklistReport, lang: Language) -> Result<String, ReportError> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record([
        "step_number",
        "step",
        "title",
        "status",
        "status_text",
        "started_at",
        "updated_at",
        "done_at",
        "due_at",
        "evidence",
        "evidence_json",
        "generated_at",
        "prepared_for",
        "audit_records",
        "audit_intact",
        "audit_head_hash",
        "audit_anchor_seq",
        "audit_anchor_hash",
        "audit_anchor_at",
        "audit_anchor_device_id",
        "audit_anchor_org_key",
        "audit_anchor_signature",
    ])?;
    let anchor = report.audit.anchor.as_ref();
    let anchor_cells = [
        anchor.map(|a| a.seq.to_string()).unwrap_or_default(),
        anchor.map(|a| a.hash.clone()).unwrap_or_default(),
        anchor.map(|a| a.at.to_rfc3339()).unwrap_or_default(),
        anchor.map(|a| csv_safe(&a.device_id)).unwrap_or_default(),
        anchor.map(|a| csv_safe(&a.org_key)).unwrap_or_default(),
        anchor.map(|a| csv_safe(&a.signature)).unwrap_or_default(),
    ];
    for s in &report.steps {
        let evidence_json = match &s.evidence {
            Some(e) => e.to_json()?,
            None => String::new(),
        };
        w.write_record([
            s.number.to_string(),
            s.step.as_str().to_owned(),
            csv_safe(&text(lang, &format!("checklist.step.{}.title", s.step))),
            s.status.as_str().to_owned(),
            csv_safe(&text(lang, &format!("checklist.status.{}", s.status))),
            date(s.started_at),
            date(s.updated_at),
            date(s.done_at),
            date(s.due_at),
            csv_safe(&evidence_summary(s.evidence.as_ref(), lang)),
            csv_safe(&evidence_json),
            report.generated_at.to_rfc3339(),
            csv_safe(report.prepared_for.as_deref().unwrap_or("")),
            report.audit.records.to_string(),
            report.audit.intact.to_string(),
            report.audit.head_hash.clone().unwrap_or_default(),
            anchor_cells[0].clone(),
            anchor_cells[1].clone(),
            anchor_cells[2].clone(),
            anchor_cells[3].clone(),
            anchor_cells[4].clone(),
            anchor_cells[5].clone(),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ReportError::Csv(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ReportError::Csv(e.to_string()))
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// CSV encoding failed.
    #[error("cannot write CSV: {0}")]
    Csv(String),
    /// JSON encoding failed.
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<csv::Error> for ReportError {
    fn from(e: csv::Error) -> Self {
        ReportError::Csv(e.to_string())
    }
}

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"@page { size: A4; margin: 16mm 14mm 18mm; }
* { box-sizing: border-box; }
html { color-scheme: light; }
body { margin: 0 auto; padding: 8mm 0; max-width: 182mm; color: #111; background: #fff;
  font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK TC",
  "Noto Sans CJK SC", "PingFang HK", "Microsoft JhengHei", "Microsoft YaHei",
  "Noto Naskh Arabic", "Segoe UI Arabic", sans-serif; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm; break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 2mm; }
.meta { color: #444; }
.progress { font-weight: 600; margin-top: 3mm; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin-top: 4mm; }
th, td { border: 0.3mm solid #8a8a8a; padding: 1.8mm 2mm; vertical-align: top; text-align: start;
  overflow-wrap: break-word; }
th { background: #ececec; font-weight: 600; }
thead th { font-size: 9.5pt; hyphens: auto; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
col.c-step { width: 25%; } col.c-status { width: 12%; } col.c-date { width: 13%; }
col.c-evidence { width: 24%; }
.num { color: #555; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; }
.s-done { color: #0a5d2a; } .s-due_again { color: #8a4b00; }
.s-in_progress { color: #0b4a8b; } .s-not_started { color: #555; }
.date { white-space: nowrap; font-variant-numeric: tabular-nums; direction: ltr;
  unicode-bidi: isolate; }
.hash { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 9pt; word-break: break-all; direction: ltr; unicode-bidi: isolate; }
.broken { color: #a00000; font-weight: 700; }
.intact { color: #0a5d2a; font-weight: 600; }
.note { color: #444; font-size: 9pt; }
footer { margin-top: 6mm; color: #666; font-size: 8.5pt; }
@media print {
  body { max-width: none; padding: 0; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// The report as one self-contained HTML page (no script, no external resource) that prints
/// cleanly on A4, in `lang` (right to left for Arabic).
#[must_use]
pub fn to_html(report: &ChecklistReport, lang: Language) -> String {
    let t = |k: &str| esc(&text(lang, k));
    let dir = if lang.is_rtl() { "rtl" } else { "ltr" };
    let cell_date = |d: Option<Timestamp>| match d {
        Some(d) => format!("<span class=\"date\">{}</span>", d.to_date()),
        None => "—".to_owned(),
    };
    let mut h = String::with_capacity(8 * 1024);
    h.push_str("<!DOCTYPE html>\n");
    h.push_str(&format!(
        "<html lang=\"{}\" dir=\"{dir}\">\n<head>\n",
        lang.tag()
    ));
    h.push_str("<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{}</title>\n", t("report.title")));
    h.push_str(&format!(
        "<style>\n{STYLE}</style>\n</head>\n<body>\n<header>\n"
    ));
    h.push_str(&format!("<h1>{}</h1>\n", t("report.title")));
    h.push_str(&format!(
        "<p class=\"meta\">{}</p>\n",
        esc(&text_with(
            lang,
            "report.generated",
            &[("date", &date_in(lang, report.generated_at))]
        ))
    ));
    if let Some(p) = &report.prepared_for {
        h.push_str(&format!(
            "<p class=\"meta\">{}</p>\n",
            esc(&text_with(
                lang,
                "report.prepared_for",
                &[("name", &typed_in(lang, p))]
            ))
        ));
    }
    h.push_str(&format!(
        "<p class=\"progress\">{}</p>\n",
        esc(&text_with(
            lang,
            "checklist.progress",
            &[
                ("done", &report.progress.done.to_string()),
                ("total", &report.progress.total.to_string())
            ]
        ))
    ));
    if let Some(d) = report.next_drill {
        h.push_str(&format!(
            "<p class=\"meta\">{}</p>\n",
            esc(&text_with(
                lang,
                "checklist.next_drill",
                &[("date", &d.to_date())]
            ))
        ));
    }
    h.push_str("</header>\n<main>\n<table>\n");
    h.push_str("<colgroup><col class=\"c-step\"><col class=\"c-status\"><col class=\"c-date\"><col class=\"c-date\"><col class=\"c-date\"><col class=\"c-evidence\"></colgroup>\n");
    h.push_str(&format!(
        "<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        t("report.col.step"),
        t("report.col.status"),
        t("report.col.started"),
        t("report.col.done"),
        t("report.col.due"),
        t("report.col.evidence"),
    ));
    for s in &report.steps {
        h.push_str(&format!(
            "<tr><th scope=\"row\"><span class=\"num\">{}.</span> {}</th><td class=\"status s-{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            s.number,
            t(&format!("checklist.step.{}.title", s.step)),
            s.status,
            t(&format!("checklist.status.{}", s.status)),
            cell_date(s.started_at),
            cell_date(s.done_at),
            cell_date(s.due_at),
            esc(&evidence_summary(s.evidence.as_ref(), lang)),
        ));
    }
    h.push_str("</tbody>\n</table>\n");
    html_audit(&mut h, &report.audit, lang);
    h.push_str("</main>\n");
    h.push_str(&format!(
        "<footer>Verity · {} · {}</footer>\n</body>\n</html>\n",
        t("report.dates_utc"),
        esc(&report.generated_at.to_rfc3339())
    ));
    h
}

/// The report's audit section: whether the chain is intact, its head and the countersigned
/// anchor.
fn html_audit(h: &mut String, audit: &AuditSummary, lang: Language) {
    let t = |k: &str| esc(&text(lang, k));
    h.push_str("<section>\n");
    h.push_str(&format!("<h2>{}</h2>\n", t("report.audit.title")));
    let class = if audit.intact { "intact" } else { "broken" };
    h.push_str(&format!(
        "<p class=\"{class}\">{}</p>\n",
        esc(&audit_sentence(audit, lang))
    ));
    if let Some(hash) = &audit.head_hash {
        h.push_str(&format!(
            "<p>{}: <code class=\"hash\">{}</code></p>\n",
            t("report.audit.head"),
            esc(hash)
        ));
    }
    if let Some(a) = &audit.anchor {
        h.push_str(&format!(
            "<p class=\"anchor\">{}: <code class=\"hash\">{}</code></p>\n",
            esc(&text_with(
                lang,
                "report.audit.anchor",
                &[("seq", &a.seq.to_string()), ("date", &date_in(lang, a.at))]
            )),
            esc(&a.hash)
        ));
    }
    h.push_str(&format!(
        "<p class=\"note\">{}</p>\n",
        t("report.audit.note")
    ));
    h.push_str("</section>\n");
}

/// The internal announcement an administrator posts (for example as a DingTalk announcement):
/// the one official support path (never a phone number), the three scam scripts and what to
/// do, as plain text in `lang`.
#[must_use]
pub fn announcement(lang: Language) -> String {
    let t = |k: &str| text(lang, k);
    let mut out = String::new();
    out.push_str(&t("announcement.title"));
    out.push_str("\n\n");
    out.push_str(&t("announcement.intro"));
    out.push_str("\n\n");
    out.push_str(&t("announcement.path_heading"));
    out.push('\n');
    for (i, step) in SupportStep::ALL.iter().enumerate() {
        out.push_str(&format!(
            "{}. {}\n",
            i + 1,
            t(&format!("announcement.path.{}", step.as_str()))
        ));
    }
    out.push('\n');
    out.push_str(&t("announcement.scripts_heading"));
    out.push('\n');
    for k in ["code_or_remote_access", "paid_upgrade", "freeze_threat"] {
        out.push_str(&format!("• {}\n", t(&format!("announcement.script.{k}"))));
    }
    out.push('\n');
    out.push_str(&t("announcement.rules_heading"));
    out.push('\n');
    for k in ["never_call", "never_share", "report"] {
        out.push_str(&format!("• {}\n", t(&format!("announcement.rule.{k}"))));
    }
    out.push('\n');
    out.push_str(&t("announcement.closing"));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit;
    use crate::checklist::{DrillEvidence, Event, QuizEvidence, RecurrencePolicy, ScanEvidence};

    fn sample() -> ChecklistReport {
        let p = RecurrencePolicy::default();
        let mut c = Checklist::new();
        let now = Timestamp(1_767_225_600);
        let mut recs: Vec<audit::AuditRecord> = Vec::new();
        let mut push = |t| {
            let r =
                audit::next_record(recs.last().map(audit::AuditRecord::head).as_ref(), &t).unwrap();
            recs.push(r);
        };
        push(
            c.apply(
                StepId::RemoveUnofficialNumbers,
                &Event::Record(Evidence::RemoveUnofficialNumbers(ScanEvidence {
                    files: 2,
                    entries: 310,
                    flagged: 0,
                    removed: 0,
                })),
                now,
                &p,
            )
            .unwrap(),
        );
        push(
            c.apply(
                StepId::DrillOwner,
                &Event::Record(Evidence::DrillOwner(DrillEvidence {
                    last_drill: None,
                    owner: "=HYPERLINK(\"x\") <b>Ann</b>".into(),
                    schedule: Interval::QUARTER,
                    next_drill: Interval::QUARTER.after(now),
                })),
                now,
                &p,
            )
            .unwrap(),
        );
        push(
            c.apply(
                StepId::Training,
                &Event::Record(Evidence::Training(QuizEvidence::new(7, 10))),
                now,
                &p,
            )
            .unwrap(),
        );
        let v = audit::verify(&recs, None);
        let anchor = audit::AnchoredHead {
            seq: 2,
            hash: recs[1].hash.clone(),
            at: Timestamp(now.0 + 60),
            device_id: "ab".repeat(32),
            org_key: "-org-key".into(),
            signature: "sig".into(),
        };
        build(&c, &v, Some(&anchor), now, Some("Chan Tai Man".into()))
    }

    #[test]
    fn html_is_self_contained_escaped_and_a4() {
        let r = sample();
        let h = to_html(&r, Language::En);
        assert!(h.contains("@page { size: A4"));
        assert!(h.contains("@media print"));
        assert!(!h.contains("<script"));
        assert!(!h.contains("http://") && !h.contains("https://"));
        assert!(h.contains("&lt;b&gt;Ann&lt;/b&gt;"));
        assert!(h.contains(r.audit.head_hash.as_deref().unwrap()));
        assert!(h.contains("2 of 5 steps done"));
        let anchor = r.audit.anchor.as_ref().unwrap();
        assert!(h.contains(&format!(
            "Countersigned by your organisation&#39;s desk: record 2, 2026-01-01: <code class=\"hash\">{}</code>",
            anchor.hash
        )));
        let json = to_json(&r).unwrap();
        assert!(json.contains("\"anchor\"") && json.contains(&anchor.hash));
        let ar = to_html(&r, Language::Ar);
        assert!(ar.contains("dir=\"rtl\"") && ar.contains("lang=\"ar\""));
    }

    #[test]
    fn csv_has_one_row_per_step_and_no_formulas() {
        let r = sample();
        let c = to_csv(&r, Language::ZhHk).unwrap();
        let mut rdr = csv::Reader::from_reader(c.as_bytes());
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 5);
        assert_eq!(&rows[0][1], "remove_unofficial_numbers");
        assert_eq!(&rows[0][3], "done");
        assert_eq!(&rows[4][3], "in_progress");
        assert!(rows[3][9].starts_with('演'), "{}", &rows[3][9]);
        assert!(rows.iter().all(|r| !r.iter().any(|c| c.starts_with('='))));
        assert_eq!(&rows[0][15], r.audit.head_hash.as_deref().unwrap());
        let anchor = r.audit.anchor.as_ref().unwrap();
        assert_eq!(&rows[4][16], "2");
        assert_eq!(&rows[4][17], anchor.hash);
        assert_eq!(&rows[4][18], "2026-01-01T00:01:00Z");
        assert_eq!(&rows[4][20], "'-org-key");
        assert_eq!(&rows[4][21], "sig");
    }

    #[test]
    fn announcement_in_four_languages_without_numbers() {
        for lang in Language::ALL {
            let a = announcement(lang);
            assert!(a.lines().count() > 10, "{lang}");
            // No phone number: no run of 6+ digits anywhere.
            let mut run = 0;
            for c in a.chars() {
                run = if c.is_ascii_digit() { run + 1 } else { 0 };
                assert!(run < 6, "{lang}: a number in the announcement");
            }
        }
        assert!(announcement(Language::En).contains("Help & Feedback"));
        assert!(announcement(Language::ZhHk).contains("幫助與反饋"));
        assert!(announcement(Language::ZhCn).contains("帮助与反馈"));
        assert!(announcement(Language::Ar).contains("المساعدة والملاحظات"));
    }
}
