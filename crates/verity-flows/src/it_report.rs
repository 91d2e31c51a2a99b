//! "Report to IT": the employee tells the organisation's desk what they saw — a Check verdict,
//! a Threats entry, a tripwire, a message claiming to be support — with a note of their own.
//!
//! Both front ends call [`report_to_it`]; the report is checked here before anything is sent
//! (`verity_device::proto::Report::validate`: a refused field is
//! [`FlowError::Device`] holding `DeviceError::Proto(ProtoError::Report(_))`, whose `code()` is
//! the field's code, e.g. `report_note_invalid`, and `is_usage()` is true). [`check_report`] builds
//! the report of a check from what the history of recent checks would keep — the E.164 number,
//! the link without its query or secret-looking path segments — never the input as typed.

use crate::FlowError;
use verity_check::check::CheckOutcome;
use verity_check::history::{CheckSource, HistoryRecord};
use verity_check::verdict::CheckKind;
use verity_core::blocklist::EntryKind;
use verity_core::Timestamp;
use verity_device::proto::{
    Report, ReportKind, ReportOutcome, ReportReceipt, ReportState, MAX_REPORT_VERDICTS,
};
use verity_device::DeviceContext;
use verity_store::it_reports::ItReportState;
use verity_store::threats::Threat;
use verity_store::tripwire::TripwireEvent;
use verity_store::Store;
use verity_tripwire::watch::EventKind;

/// Sends `report` to the organisation's desk this device is bound to, in a signed request, and
/// returns the desk's signed receipt (its number for the report, when it received it).
///
/// # Errors
/// [`FlowError::NoteHoldsCode`] for a note that holds a one-time code (nothing is sent);
/// [`FlowError::Device`]: a field refused before sending (`report_*_invalid` codes), the device
/// not enrolled (`not_enrolled`), its key store, the network, or the desk's refusal (its code:
/// `device_revoked`, `report_rate_limited`, …).
pub fn report_to_it(ctx: &DeviceContext, report: &Report) -> Result<ReportReceipt, FlowError> {
    // Checked here, before anything leaves: the one-time-code detector is the tripwire's.
    if verity_tripwire::otp::one_time_code(&report.note).is_some() {
        return Err(FlowError::NoteHoldsCode);
    }
    Ok(verity_device::device::report(ctx, report)?)
}

/// Where this device's reports `ids` (numbers from their receipts) stand: new, confirmed or
/// rejected by IT, and when. Only the device's own reports come back, in the order asked.
///
/// # Errors
/// [`FlowError::Device`]: not enrolled, the key store, the network, or the desk's refusal
/// (`bad_request` for no numbers or more than 50).
pub fn report_status(ctx: &DeviceContext, ids: &[u64]) -> Result<Vec<ReportOutcome>, FlowError> {
    Ok(verity_device::device::report_status(ctx, ids)?)
}

/// The report of a tripwire's event, with the employee's `note`: a remote-access program or
/// its installer is `tripwire_remote_tool` with the tool's id as the item, a copied one-time
/// code is `tripwire_code_guard` with no item (nothing a clipboard held is ever kept or sent);
/// the verdict is the event's kind (`remote_tool`, `installer`, `code`).
#[must_use]
pub fn tripwire_report(event: &TripwireEvent, note: &str) -> Report {
    let (kind, item) = match event.kind {
        EventKind::RemoteTool | EventKind::Installer => {
            (ReportKind::TripwireRemoteTool, event.tool.clone())
        }
        EventKind::Code => (ReportKind::TripwireCodeGuard, None),
    };
    Report {
        kind,
        item,
        verdict: vec![event.kind.as_str().to_owned()],
        note: note.to_owned(),
        observed_at: u64::try_from(event.at.0).unwrap_or(0),
    }
}

/// Reports tripwire event `event_id` to IT ([`tripwire_report`]) and records in the store that
/// it was sent (the desk's report number, at `at`). `Ok(None)` when there is no such event (it
/// was dropped meanwhile). When the desk took the report but the store cannot record it, the
/// failure is logged and the receipt still returned: IT has the report.
///
/// # Errors
/// The store's reading of the event; [`FlowError::Device`] as for [`report_to_it`] (then nothing
/// is recorded).
pub fn report_tripwire(
    store: &mut Store,
    ctx: &DeviceContext,
    event_id: i64,
    note: &str,
    at: Timestamp,
) -> Result<Option<ReportReceipt>, FlowError> {
    let Some(event) = store.tripwire_event(event_id)? else {
        return Ok(None);
    };
    // Sent already (a double click, a retry): the first receipt stands, nothing is sent again.
    if let (Some(sent), Some(id)) = (event.reported_at, event.report_id.as_deref()) {
        if let Ok(id) = id.parse() {
            return Ok(Some(ReportReceipt {
                id,
                received_at: u64::try_from(sent.0).unwrap_or(0),
            }));
        }
    }
    let mut report = tripwire_report(&event, note);
    // An event recorded while the clock ran fast is not "seen in the future" now.
    report.observed_at = report
        .observed_at
        .min(u64::try_from(at.0).unwrap_or(report.observed_at));
    let receipt = report_to_it(ctx, &report)?;
    if let Err(e) = store.mark_tripwire_reported(event_id, &receipt.id.to_string(), at) {
        log::warn!("tripwire event {event_id} was sent to IT but cannot be marked: {e}");
    }
    keep_report(store, &receipt, &report);
    Ok(Some(receipt))
}

/// Keeps a report the desk took in the list of reports sent (logged, never failed: IT has it).
pub fn keep_report(store: &mut Store, receipt: &ReportReceipt, report: &Report) {
    let sent = Timestamp(i64::try_from(receipt.received_at).unwrap_or(i64::MAX));
    if let Err(e) =
        store.record_it_report(receipt.id, report.kind.code(), report.item.as_deref(), sent)
    {
        log::warn!(
            "report {} was sent to IT but cannot be kept: {e}",
            receipt.id
        );
    }
}

/// The report of a check of `input`, checked again here (the verdict is this device's, never
/// one a front end hands over), with the employee's `note` ([`check_report`]: the normalised
/// item, never the input as typed).
///
/// # Errors
/// [`FlowError::NothingToReport`] for an input that could not be read as a number, link or
/// message; the check's errors.
pub fn check_report_of(
    store: &mut Store,
    input: &str,
    kind: Option<CheckKind>,
    note: &str,
    at: Timestamp,
) -> Result<Report, FlowError> {
    let outcome = crate::check::check(store, input, kind, None)?;
    check_report(&outcome, note, at).ok_or(FlowError::NothingToReport(
        "the input is not a number, link or message",
    ))
}

/// The appeal of a check of `input` ("this is our real supplier"): as [`check_report_of`], of
/// kind `appeal`, the employee's `note` saying why (required). IT may add the item to the
/// organisation's allowlist, signed into its feed.
///
/// # Errors
/// As [`check_report_of`]; [`FlowError::NothingToReport`] for a check that names no single
/// number or link (a message with several, or none).
pub fn appeal_report_of(
    store: &mut Store,
    input: &str,
    kind: Option<CheckKind>,
    note: &str,
    at: Timestamp,
) -> Result<Report, FlowError> {
    let mut report = check_report_of(store, input, kind, note, at)?;
    if report.item.is_none() {
        return Err(FlowError::NothingToReport(
            "an appeal names one number or link",
        ));
    }
    report.kind = ReportKind::Appeal;
    Ok(report)
}

/// Reports a check of `input` ([`check_report_of`]) and keeps the receipt.
///
/// # Errors
/// As [`check_report_of`] and [`report_to_it`].
pub fn report_check(
    store: &mut Store,
    ctx: &DeviceContext,
    input: &str,
    kind: Option<CheckKind>,
    note: &str,
    at: Timestamp,
) -> Result<ReportReceipt, FlowError> {
    let report = check_report_of(store, input, kind, note, at)?;
    let receipt = report_to_it(ctx, &report)?;
    keep_report(store, &receipt, &report);
    Ok(receipt)
}

/// The report of a Threats entry (the organisation's feed listed it, and the employee met it):
/// kind `threat`, the item as a report carries it — the number, or the domain or address as a
/// link (`https://host/path`) —, the verdict `listed` and the entry's category.
#[must_use]
pub fn threat_report(threat: &Threat, note: &str, observed_at: Timestamp) -> Report {
    let e = &threat.entry;
    let item = match e.kind {
        EntryKind::Phone => e.value.clone(),
        EntryKind::Domain => format!("https://{}/", e.value),
        EntryKind::Url => format!("https://{}", e.value),
    };
    Report {
        kind: ReportKind::Threat,
        item: Some(item),
        verdict: vec!["listed".to_owned(), e.category.as_str().to_owned()],
        note: note.to_owned(),
        observed_at: u64::try_from(observed_at.0).unwrap_or(0),
    }
}

/// The report of Threats entry `threat_id` ([`threat_report`]).
///
/// # Errors
/// [`FlowError::NothingToReport`] when the entry is no longer kept; the store's.
pub fn threat_report_of(
    store: &Store,
    threat_id: i64,
    note: &str,
    at: Timestamp,
) -> Result<Report, FlowError> {
    let threat = store
        .threat(threat_id)?
        .ok_or(FlowError::NothingToReport("no such Threats entry"))?;
    Ok(threat_report(&threat, note, at))
}

/// Reports Threats entry `threat_id` ([`threat_report_of`]) and keeps the receipt.
///
/// # Errors
/// As [`threat_report_of`] and [`report_to_it`].
pub fn report_threat(
    store: &mut Store,
    ctx: &DeviceContext,
    threat_id: i64,
    note: &str,
    at: Timestamp,
) -> Result<ReportReceipt, FlowError> {
    let report = threat_report_of(store, threat_id, note, at)?;
    let receipt = report_to_it(ctx, &report)?;
    keep_report(store, &receipt, &report);
    Ok(receipt)
}

/// The reports to ask the desk about: the open ones, the least recently asked first, at most
/// [`verity_device::proto::MAX_REPORT_STATUS_IDS`].
///
/// # Errors
/// The store's.
pub fn reports_to_ask(store: &Store) -> Result<Vec<u64>, FlowError> {
    let max = u32::try_from(verity_device::proto::MAX_REPORT_STATUS_IDS).unwrap_or(50);
    Ok(store.open_it_reports(max)?)
}

/// Keeps what the desk said of the reports `asked` ([`report_status`]'s answer) at `at`;
/// returns the reports IT resolved since the last time (their outcome unseen until the list is
/// seen).
///
/// # Errors
/// The store's.
pub fn keep_outcomes(
    store: &mut Store,
    asked: &[u64],
    outcomes: &[ReportOutcome],
    at: Timestamp,
) -> Result<Vec<u64>, FlowError> {
    let answers: Vec<_> = outcomes
        .iter()
        .map(|o| {
            let state = match o.state {
                ReportState::New => ItReportState::New,
                ReportState::Confirmed => ItReportState::Confirmed,
                ReportState::Rejected => ItReportState::Rejected,
            };
            let resolved = o
                .resolved_at
                .map(|t| Timestamp(i64::try_from(t).unwrap_or(i64::MAX)));
            (o.id, state, resolved)
        })
        .collect();
    Ok(store.update_it_reports(asked, &answers, at)?)
}

/// Asks the desk where this device's open reports stand ([`reports_to_ask`]) and keeps the
/// answers ([`keep_outcomes`]).
///
/// # Errors
/// The store's; as [`report_status`].
pub fn refresh_reports(
    store: &mut Store,
    ctx: &DeviceContext,
    at: Timestamp,
) -> Result<Vec<u64>, FlowError> {
    let open = reports_to_ask(store)?;
    if open.is_empty() {
        return Ok(Vec::new());
    }
    let outcomes = report_status(ctx, &open)?;
    keep_outcomes(store, &open, &outcomes, at)
}

/// The report of a check's `outcome`, seen at `observed_at`, with the employee's `note`: the
/// item the history would keep (when the check normalised exactly one), the verdict's code and
/// the reasons' codes (at most 16 in all). `None` for an input that could not be read at all.
#[must_use]
pub fn check_report(outcome: &CheckOutcome, note: &str, observed_at: Timestamp) -> Option<Report> {
    let record = HistoryRecord::from_outcome(outcome, CheckSource::Screen)?;
    let item = match record.items.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    let mut verdict = vec![outcome.verdict.as_str().to_owned()];
    for r in &outcome.reasons {
        let code = r.code.as_str().to_owned();
        if !verdict.contains(&code) {
            verdict.push(code);
        }
    }
    verdict.truncate(MAX_REPORT_VERDICTS);
    Some(Report {
        kind: ReportKind::Check,
        item,
        verdict,
        note: note.to_owned(),
        observed_at: u64::try_from(observed_at.0).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use verity_check::verdict::{CheckKind, Reason, ReasonCode, Verdict};

    fn outcome(kind: CheckKind, input: &str, normalized: Option<&str>) -> CheckOutcome {
        CheckOutcome {
            input: input.into(),
            kind,
            normalized: normalized.map(str::to_owned),
            verdict: Verdict::Suspicious,
            reasons: vec![
                Reason::new(ReasonCode::LookalikeDomain),
                Reason::new(ReasonCode::LookalikeDomain),
            ],
            matches: vec![],
            advice: vec![],
            items: vec![],
        }
    }

    #[test]
    fn a_tripwire_event_is_reported_as_its_tool_never_the_clipboard() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let at = Timestamp(1_800_000_000);
        let tool = store
            .record_tripwire(EventKind::Installer, Some("anydesk"), at)
            .unwrap();
        let code = store.record_tripwire(EventKind::Code, None, at).unwrap();
        let r = tripwire_report(&store.tripwire_event(tool).unwrap().unwrap(), "");
        assert_eq!(
            (r.kind, r.item.as_deref(), r.verdict.as_slice()),
            (
                ReportKind::TripwireRemoteTool,
                Some("anydesk"),
                &["installer".to_owned()][..]
            )
        );
        r.validate(Some(1_800_000_000)).unwrap();
        let r = tripwire_report(&store.tripwire_event(code).unwrap().unwrap(), "he asked");
        assert_eq!(
            (r.kind, r.item.as_deref()),
            (ReportKind::TripwireCodeGuard, None)
        );
        r.validate(Some(1_800_000_000)).unwrap();

        // No such event: nothing to send. A device not enrolled: refused, nothing recorded.
        let mut ctx = DeviceContext::new(dir.path().join("device"), "0.0.0");
        ctx.clock = std::sync::Arc::new(verity_device::ManualClock::new(1_800_000_000));
        assert!(report_tripwire(&mut store, &ctx, 999, "", at)
            .unwrap()
            .is_none());
        let e = report_tripwire(&mut store, &ctx, tool, "", at).unwrap_err();
        assert!(
            matches!(&e, FlowError::Device(d) if d.code() == "not_enrolled"),
            "{e}"
        );
        assert!(store
            .tripwire_event(tool)
            .unwrap()
            .unwrap()
            .reported_at
            .is_none());
    }

    #[test]
    fn a_checks_report_keeps_what_the_history_keeps_and_passes_the_protocol() {
        let o = outcome(
            CheckKind::Url,
            "https://hsbc-hk.example/verify/483920?session=abc",
            Some("https://hsbc-hk.example/verify/483920?session=abc"),
        );
        let r = check_report(
            &o,
            "Sent by \"HSBC support\" on WhatsApp",
            Timestamp(1_800_000_000),
        )
        .unwrap();
        assert_eq!(
            r.item.as_deref(),
            Some("https://hsbc-hk.example/verify/\u{2026}")
        );
        assert_eq!(r.verdict, vec!["suspicious", "lookalike_domain"]);
        assert_eq!(r.observed_at, 1_800_000_000);
        r.validate(Some(1_800_000_000)).unwrap();

        let o = outcome(CheckKind::Phone, "+852 9123 4567", Some("+85291234567"));
        let r = check_report(&o, "", Timestamp(1_800_000_000)).unwrap();
        assert_eq!(r.item.as_deref(), Some("+85291234567"));
        r.validate(None).unwrap();

        let mut o = outcome(CheckKind::Phone, "call me", None);
        o.verdict = Verdict::Invalid;
        assert!(check_report(&o, "", Timestamp(1_800_000_000)).is_none());
    }
}
