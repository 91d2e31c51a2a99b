//! The app's background contact with the organisation's desk, after a feed sync: the check-in
//! (how this device's protection looks, for the console's dashboard; at most every
//! [`CHECK_IN_EVERY`]) and the outcome of the reports sent to IT (a notification when IT
//! answered). Only with a device key the OS store holds: a key file's passphrase is never asked
//! for in the background, so such a device checks in when the user opens "Your reports to IT".
//! Every failure is logged and nothing else: this never stands in the way of a sync.

use crate::commands::DeviceConfig;
use crate::host::Notice;
use crate::i18n;
use crate::state::AppState;
use tauri::{AppHandle, Manager, Runtime};
use verity_core::{Language, Timestamp};
use verity_store::it_reports::{ItReport, ItReportState};
use verity_store::Store;

/// The least time between two check-ins, in seconds (6 hours).
pub const CHECK_IN_EVERY: i64 = 6 * 3600;

/// What one contact did.
#[derive(Debug, Default)]
struct Contact {
    checked_in: bool,
    answered: Vec<ItReport>,
}

/// Checks in when due and asks where the open reports stand; notifies the user of IT's answers.
pub async fn after_sync<R: Runtime>(app: &AppHandle<R>) {
    let (Some(state), Some(config)) =
        (app.try_state::<AppState>(), app.try_state::<DeviceConfig>())
    else {
        return;
    };
    let data_dir = state.data_dir().to_path_buf();
    if !matches!(
        verity_device::state::DeviceState::load(&data_dir),
        Ok(Some(_))
    ) {
        return;
    }
    let now = crate::clock::now();
    let contact = config
        .run(data_dir, None, move |ctx| {
            Ok::<_, verity_flows::FlowError>(contact(ctx, now))
        })
        .await;
    match contact {
        Ok(c) => {
            if c.checked_in {
                log::info!("checked in with the desk");
            }
            if !c.answered.is_empty() {
                notify(&state, &c.answered);
            }
        }
        Err(e) => log::warn!("cannot contact the desk: {}", e.message),
    }
}

fn contact(ctx: &mut verity_device::DeviceContext, now: Timestamp) -> Contact {
    let mut out = Contact::default();
    let mut store = match Store::open(&ctx.data_dir) {
        Ok(s) => s,
        Err(e) => {
            log::warn!("cannot open the store to contact the desk: {e}");
            return out;
        }
    };
    let due = store
        .last_check_in()
        .ok()
        .flatten()
        .is_none_or(|t| now.0.saturating_sub(t.0) >= CHECK_IN_EVERY || t.0 > now.0);
    if due {
        match verity_flows::device::check_in(&store, ctx) {
            Ok(_) => {
                out.checked_in = true;
                if let Err(e) = store.set_last_check_in(now) {
                    log::warn!("cannot record the check-in: {e}");
                }
            }
            Err(e) => {
                log::info!("no check-in this time: {e}");
                return out;
            }
        }
    }
    match verity_flows::it_report::refresh_reports(&mut store, ctx, now) {
        Ok(changed) => {
            out.answered = changed
                .into_iter()
                .filter_map(|id| store.it_report(id).ok().flatten())
                .filter(|r| r.state != ItReportState::New)
                .collect();
        }
        Err(e) => log::info!("cannot ask where the reports to IT stand: {e}"),
    }
    out
}

fn notify(state: &AppState, answered: &[ItReport]) {
    let lang = state
        .with_store(|s| s.settings())
        .map(|s| s.language)
        .unwrap_or_default();
    let notice = words(lang, answered);
    if let Err(e) = state.host.notify(&notice) {
        log::warn!("cannot show IT's answer: {e}");
    }
}

/// The notification of IT's answers, in `lang`.
#[must_use]
fn words(lang: Language, answered: &[ItReport]) -> Notice {
    let body = match answered {
        [one] => {
            let key = match (one.state, &one.item) {
                (ItReportState::Confirmed, Some(_)) => "notification.it_report.confirmed",
                (ItReportState::Confirmed, None) => "notification.it_report.confirmed_plain",
                (_, Some(_)) => "notification.it_report.rejected",
                (_, None) => "notification.it_report.rejected_plain",
            };
            i18n::text_with(lang, key, &[("item", one.item.as_deref().unwrap_or(""))])
        }
        many => i18n::text_with(
            lang,
            "notification.it_report.many",
            &[("count", &many.len().to_string())],
        ),
    };
    Notice {
        summary: i18n::text(lang, "notification.it_report.title"),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(id: u64, state: ItReportState, item: Option<&str>) -> ItReport {
        ItReport {
            desk_id: id,
            kind: "check".into(),
            item: item.map(str::to_owned),
            sent_at: Timestamp(1),
            state,
            resolved_at: Some(Timestamp(2)),
            checked_at: Some(Timestamp(3)),
            outcome_seen: false,
        }
    }

    #[test]
    fn answers_are_worded_one_by_one_or_counted() {
        let one = words(
            Language::En,
            &[report(1, ItReportState::Confirmed, Some("+85230019999"))],
        );
        assert!(one.body.contains("+85230019999"), "{}", one.body);
        assert!(one.body.contains("confirmed"), "{}", one.body);
        let plain = words(Language::ZhHk, &[report(1, ItReportState::Rejected, None)]);
        assert!(!plain.body.contains('{'), "{}", plain.body);
        let many = words(
            Language::Ar,
            &[
                report(1, ItReportState::Confirmed, None),
                report(2, ItReportState::Rejected, None),
            ],
        );
        assert!(many.body.contains('2'), "{}", many.body);
    }
}
