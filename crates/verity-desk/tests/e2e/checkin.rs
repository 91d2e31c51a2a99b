//! Check-ins and the console's dashboard: devices say how their protection looks; the desk keeps
//! the latest per device and tells who is stale, and checklist completion by team.

use super::*;
use verity_desk::dashboard::{self, SILENT_AFTER_SECS, STALE_AFTER_SECS};
use verity_device::proto::{CheckIn, ChecklistState, FeedState};

fn checkin(synced_at: u64, done: u32) -> CheckIn {
    CheckIn {
        app_version: "0.1.0".into(),
        feed: Some(FeedState {
            version: 12,
            synced_at,
            organisation: true,
        }),
        checklist: Some(ChecklistState { done, total: 5 }),
    }
}

#[test]
fn check_ins_feed_the_dashboard_and_bad_ones_change_nothing() {
    let fx = Fx::new();
    let (a, b, c) = (Dev::enroll(&fx), Dev::enroll(&fx), Dev::enroll(&fx));
    let store = fx.store();
    let now = fx.clock.now();
    let r = device::check_in(&a.ctx, &checkin(now - 60, 5)).unwrap();
    assert_eq!(r.received_at, now);
    device::check_in(&b.ctx, &checkin(now - 60, 2)).unwrap();

    // A body the device library would refuse, sent raw: refused, nothing kept.
    let client = c.client();
    let mut bad = serde_json::to_value(checkin(now + 86_400, 1)).unwrap();
    bad["checklist"]["done"] = serde_json::json!(9);
    let req = client
        .prepare(
            "POST",
            paths::CHECKIN,
            serde_json::to_vec(&bad).unwrap(),
            &c.key(),
            Some(&c.state().certificate),
            fx.clock.as_ref(),
        )
        .unwrap();
    let e = client.execute(&req).unwrap_err();
    assert_eq!(refused_code::<Vec<u8>>(Err(e)), codes::BAD_REQUEST);
    assert_eq!(store.check_ins().unwrap().len(), 2);

    let team = |d: &verity_desk::store::DeviceRecord| {
        if d.device_id == a.state().device_id {
            "Finance".to_owned()
        } else {
            String::new()
        }
    };
    let d = dashboard::dashboard(&*store, fx.clock.now(), &team).unwrap();
    assert_eq!(d.devices.enrolled, 3);
    assert_eq!(d.feed.newest_version, Some(12));
    // C was enrolled just now and has not checked in: not stale yet, but counted as unheard.
    assert_eq!((d.feed.current, d.feed.stale_count), (3, 0), "{d:?}");
    assert_eq!(d.feed.never_checked_in, 1);
    let finance = d.checklist.iter().find(|t| t.team == "Finance").unwrap();
    assert_eq!(
        (finance.devices, finance.complete, finance.steps_done),
        (1, 1, 5)
    );
    let none = d.checklist.iter().find(|t| t.team.is_empty()).unwrap();
    assert_eq!((none.devices, none.reporting, none.complete), (2, 1, 0));

    // Days pass without a sync: A and B are stale; a new check-in from B with a fresh sync puts
    // it back.
    fx.clock.advance(STALE_AFTER_SECS + 3600);
    let now = fx.clock.now();
    device::check_in(&b.ctx, &checkin(now - 10, 3)).unwrap();
    let d = dashboard::dashboard(&*store, now, &team).unwrap();
    let stale: Vec<_> = d.feed.stale.iter().map(|s| s.device_id.clone()).collect();
    assert_eq!(stale, vec![a.state().device_id], "{d:?}");
    // A week without a word from C: it is listed too, the longest-stale first.
    fx.clock.advance(SILENT_AFTER_SECS);
    let now = fx.clock.now();
    device::check_in(&b.ctx, &checkin(now - 10, 3)).unwrap();
    let d = dashboard::dashboard(&*store, now, &team).unwrap();
    let stale: Vec<_> = d.feed.stale.iter().map(|s| s.device_id.clone()).collect();
    assert_eq!(
        stale,
        vec![c.state().device_id, a.state().device_id],
        "{d:?}"
    );
    assert_eq!(d.feed.stale[0].last_check_in, None);
    // Revoked devices are not counted.
    admin::revoke_device(&fx.at(), &c.state().device_id, "lost", fx.clock.as_ref()).unwrap();
    let d = dashboard::dashboard(&*store, now, &team).unwrap();
    assert_eq!((d.devices.enrolled, d.devices.revoked), (2, 1));
    assert_eq!(d.feed.stale_count, 1);
}
