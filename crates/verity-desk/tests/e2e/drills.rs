//! Scam drills against a desk on loopback (`docs/drills.md`): lures reach enrolled devices only
//! inside their window and look-ahead, signed by the organisation for each device; outcomes are
//! recorded once; the console's results equal what a synthetic population of 1,000 devices sent;
//! the console's drill routes (roles, validation, exports) and the `drill` command line.

use super::console::{sign_up, Admin};
use super::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use verity_desk::drill::{schedule, Audience, ReservedKind};
use verity_desk::service::drills::{create_drill, DrillSpec};
use verity_desk::store::{code_scheme, AdminRole, EnrollCodeRecord};
use verity_device::proto::drill::{
    DrillOutcome, LureBody, LuresAnswer, OutcomeEvent, OutcomeHow, OutcomeReceipt,
};

const NUMBER: &str = "+85230019999";
const LINK: &str = "https://drill.acme-hk.example/verify";
const HK: i32 = 8 * 3600;

/// A device enrolled over HTTP with a key held in memory.
struct Sim {
    /// One client per simulated device, cloned from its enrolling thread's (making one reads
    /// the system's root certificates: a thousand of those dominated this file's run time).
    client: DeskClient,
    key: ed25519_dalek::SigningKey,
    cert: String,
    device_id: String,
    employee: String,
    team: String,
}

fn org_key(fx: &Fx) -> ed25519_dalek::SigningKey {
    verity_desk::orgkey::load(fx.desk_dir.path(), Some(b"org passphrase")).unwrap()
}

/// Enrols `n` devices over HTTP (codes made through the store), `team(i)` each, from 4 threads.
fn enroll_many(fx: &Fx, n: usize, team: impl Fn(usize) -> String + Sync) -> Vec<Sim> {
    let store = fx.store();
    let hmac_key = verity_desk::orgkey::enroll_code_key(&org_key(fx));
    let now = fx.clock.now();
    let codes: Vec<(String, String, String)> = (0..n)
        .map(|i| {
            let code = verity_desk::admin::new_code().unwrap().to_string();
            let team = team(i);
            store
                .add_enroll_code(&EnrollCodeRecord {
                    code_hash: verity_desk::service::code_hmac(&hmac_key, &code),
                    scheme: code_scheme::HMAC_SHA256,
                    employee_id: format!("e{i:04}"),
                    employee_name: format!("Employee {i}"),
                    created_at: now,
                    expires_at: now + 86_400,
                    used_at: None,
                    used_by: None,
                    agent: None,
                    team: (!team.is_empty()).then(|| team.clone()),
                })
                .unwrap();
            (code, format!("e{i:04}"), team)
        })
        .collect();
    let addr = fx.desk.as_ref().unwrap().addr();
    let org = org_key(fx).verifying_key();
    let out = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for chunk in codes.chunks(n.div_ceil(4).max(1)) {
            let (out, fx) = (&out, fx);
            s.spawn(move || {
                let client = DeskClient::new(&fx.url, &Default::default()).unwrap();
                for (code, employee, team) in chunk {
                    let key = proto::generate_signing_key().unwrap();
                    let body = serde_json::to_vec(&proto::EnrollRequest {
                        code: code.clone(),
                        device_key: proto::b64(key.verifying_key().as_bytes()),
                        facts: DeviceFacts {
                            hostname: "h".into(),
                            os: "linux".into(),
                            app_version: "0.1.0".into(),
                        },
                        signals: RegionSignals::default(),
                    })
                    .unwrap();
                    let req = client
                        .prepare("POST", paths::ENROLL, body, &key, None, fx.clock.as_ref())
                        .unwrap();
                    let a = send_raw(addr, &req, &[]);
                    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
                    let r: proto::EnrollResponse = serde_json::from_slice(&a.body).unwrap();
                    let cert = proto::Certificate::verify(&r.certificate, &org, None).unwrap();
                    out.lock().unwrap().push(Sim {
                        client: client.clone(),
                        device_id: cert.body().device_id.clone(),
                        cert: r.certificate,
                        key,
                        employee: employee.clone(),
                        team: team.clone(),
                    });
                }
            });
        }
    });
    let mut v = out.into_inner().unwrap();
    v.sort_by(|a, b| a.employee.cmp(&b.employee));
    v
}

impl Sim {
    fn post(&self, fx: &Fx, path: &str, body: &impl serde::Serialize) -> RawAnswer {
        let req = self
            .client
            .prepare(
                "POST",
                path,
                serde_json::to_vec(body).unwrap(),
                &self.key,
                Some(&self.cert),
                fx.clock.as_ref(),
            )
            .unwrap();
        send_raw(fx.desk.as_ref().unwrap().addr(), &req, &[])
    }

    fn lures(&self, fx: &Fx) -> LuresAnswer {
        let a = self.post(fx, paths::DRILL_LURES, &json!({}));
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        serde_json::from_slice(&a.body).unwrap()
    }

    fn outcome(&self, fx: &Fx, drill: &str, how: OutcomeHow, at: u64) -> RawAnswer {
        self.post(
            fx,
            paths::DRILL_OUTCOME,
            &DrillOutcome {
                drill_id: drill.into(),
                event: how.event(),
                how,
                at,
            },
        )
    }

    fn receipt(&self, fx: &Fx, drill: &str, how: OutcomeHow, at: u64) -> OutcomeReceipt {
        let a = self.outcome(fx, drill, how, at);
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        serde_json::from_slice(&a.body).unwrap()
    }
}

fn reserve(store: &dyn verity_desk::DeskStore) {
    store
        .add_reserved(ReservedKind::Number, NUMBER, "drill line", "test", START)
        .unwrap();
    store
        .add_reserved(ReservedKind::Link, LINK, "drill site", "test", START)
        .unwrap();
}

fn spec(audience: Audience, start: u64, days: u32) -> DrillSpec {
    DrillSpec {
        name: "Q4 freeze threat".into(),
        scenario: "freeze_threat".into(),
        number: NUMBER.into(),
        link: LINK.into(),
        audience,
        start,
        working_days: days,
        act_hours: None,
    }
}

fn teams(t: &[&str]) -> Audience {
    Audience::Teams {
        teams: t.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[test]
fn lures_reach_the_audience_inside_the_window_signed_for_each_device() {
    let fx = Fx::new();
    let store = fx.store();
    reserve(&*store);
    let names = [
        "Finance",
        "Finance",
        "銷售部",
        "銷售部",
        "",
        "Finance",
        "IT",
    ];
    let sims = enroll_many(&fx, names.len(), |i| names[i].to_owned());
    // One Finance device is revoked; the no-team and IT devices are outside the audience.
    admin::revoke_device(&fx.at(), &sims[5].device_id, "lost", fx.clock.as_ref()).unwrap();
    let now = fx.clock.now();
    let d = create_drill(
        &*store,
        now,
        HK,
        "test",
        &spec(teams(&["Finance", "銷售部"]), now, 3),
        false,
    )
    .unwrap();
    let intervals = schedule::working_intervals(now, 3, HK).unwrap();
    let targets = store.drill_targets(Some(&d.id)).unwrap();
    let ids: BTreeSet<&str> = targets.iter().map(|t| t.device_id.as_str()).collect();
    let want: BTreeSet<&str> = sims[..4].iter().map(|s| s.device_id.as_str()).collect();
    assert_eq!(ids, want);
    for t in &targets {
        assert!(
            intervals
                .iter()
                .any(|(a, b)| (*a..*b).contains(&t.deliver_at)),
            "{} outside working hours {intervals:?}",
            t.deliver_at
        );
        assert_eq!(t.expires_at, t.deliver_at + 72 * 3600);
    }
    let deliver: HashMap<&str, u64> = targets
        .iter()
        .map(|t| (t.device_id.as_str(), t.deliver_at))
        .collect();
    let org = org_key(&fx).verifying_key();
    let other = proto::generate_signing_key().unwrap().verifying_key();
    let mut received: HashMap<String, u64> = HashMap::new();
    // Walk the clock hour by hour through the window and the time to act, and beyond.
    let end = d.window_end + d.act_secs + 2 * 86_400;
    let mut t = now;
    while t <= end {
        fx.clock.set(t);
        for (i, s) in sims.iter().enumerate() {
            if i == 5 {
                // Revoked: refused before anything is looked up.
                let a = s.post(&fx, paths::DRILL_LURES, &json!({}));
                assert_eq!(
                    (a.status, a.code()),
                    (403, codes::DEVICE_REVOKED.to_owned())
                );
                continue;
            }
            let a = s.lures(&fx);
            let due = deliver.get(s.device_id.as_str());
            match due {
                None => assert!(
                    a.lures.is_empty(),
                    "a lure for a device outside the audience"
                ),
                Some(at) => {
                    let should = *at <= t + 24 * 3600 && at + 72 * 3600 > t;
                    assert_eq!(a.lures.len(), usize::from(should), "at {t}, due {at}");
                    for token in &a.lures {
                        let body = LureBody::verify(token, &org, &s.device_id).unwrap();
                        assert_eq!(body.drill_id, d.id);
                        assert_eq!(body.deliver_at, *at);
                        assert_eq!(body.issued_at, t);
                        assert_eq!((body.number.as_str(), body.link.as_str()), (NUMBER, LINK));
                        assert!(LureBody::verify(token, &other, &s.device_id).is_err());
                        assert!(LureBody::verify(token, &org, &sims[6].device_id).is_err());
                        received.entry(s.device_id.clone()).or_insert(t);
                    }
                }
            }
        }
        t += 3 * 3600;
    }
    assert_eq!(received.len(), 4, "every target received its lure");
    for (dev, first) in &received {
        assert!(deliver[dev.as_str()] <= first + 24 * 3600);
        assert!(deliver[dev.as_str()] > first + 21 * 3600 || *first == now);
    }
    // A cancelled drill hands out nothing more.
    fx.clock.set(now);
    let d2 = create_drill(
        &*store,
        now,
        HK,
        "test",
        &spec(Audience::All { all: true }, now, 1),
        true,
    )
    .unwrap();
    assert_eq!(sims[4].lures(&fx).lures.len(), 1);
    assert!(store.cancel_drill(&d2.id, now).unwrap());
    assert!(sims[4].lures(&fx).lures.is_empty());
}

#[test]
fn each_outcome_is_recorded_once_and_the_first_wins() {
    let fx = Fx::new();
    let store = fx.store();
    reserve(&*store);
    let sims = enroll_many(
        &fx,
        3,
        |i| if i < 2 { "Finance".into() } else { "IT".into() },
    );
    let now = fx.clock.now();
    let d = create_drill(
        &*store,
        now,
        HK,
        "test",
        &spec(teams(&["Finance"]), now, 1),
        true,
    )
    .unwrap();
    let (a, b, outsider) = (&sims[0], &sims[1], &sims[2]);
    assert_eq!(a.lures(&fx).lures.len(), 1);
    let r = a.receipt(&fx, &d.id, OutcomeHow::Shown, now);
    assert!(r.recorded);
    assert_eq!((r.delivered_at, r.outcome), (Some(now), None));
    let r = a.receipt(&fx, &d.id, OutcomeHow::Shown, now + 5);
    assert!(!r.recorded);
    assert_eq!(r.delivered_at, Some(now));
    fx.clock.advance(120);
    let r = a.receipt(&fx, &d.id, OutcomeHow::ReportToIt, now + 90);
    assert!(r.recorded);
    assert_eq!(r.outcome, Some(OutcomeEvent::Reported));
    let r = a.receipt(&fx, &d.id, OutcomeHow::OpenedLink, now + 100);
    assert!(!r.recorded);
    assert_eq!(r.outcome, Some(OutcomeEvent::Reported));
    // Answered: no more lures for it.
    assert!(a.lures(&fx).lures.is_empty());

    // Concurrent final outcomes from one device: exactly one is recorded, and every receipt
    // names it.
    let hows = [
        OutcomeHow::Check,
        OutcomeHow::TypedCode,
        OutcomeHow::Dismissed,
        OutcomeHow::OpenedLink,
        OutcomeHow::ReportToIt,
        OutcomeHow::Dismissed,
        OutcomeHow::TypedCode,
        OutcomeHow::Check,
    ];
    let receipts = Mutex::new(Vec::new());
    let start = std::sync::Barrier::new(hows.len());
    std::thread::scope(|s| {
        for how in hows {
            let (receipts, start, fx, d) = (&receipts, &start, &fx, &d);
            s.spawn(move || {
                start.wait();
                let r = b.receipt(fx, &d.id, how, now + 60);
                receipts.lock().unwrap().push((how, r));
            });
        }
    });
    let receipts = receipts.into_inner().unwrap();
    let recorded: Vec<_> = receipts.iter().filter(|(_, r)| r.recorded).collect();
    assert_eq!(recorded.len(), 1, "{receipts:?}");
    let winner = recorded[0].0.event();
    assert!(receipts.iter().all(|(_, r)| r.outcome == Some(winner)));
    let held = store.drill_targets(Some(&d.id)).unwrap();
    let bt = held.iter().find(|t| t.device_id == b.device_id).unwrap();
    assert_eq!(bt.outcome, Some(winner));
    assert_eq!(bt.how, Some(recorded[0].0));
    assert_eq!(
        bt.delivered_at,
        Some(now + 60),
        "a final outcome without delivery delivers"
    );
    // The operation log has one drill.outcome per recorded outcome.
    let ops = store.ops_after(0, 10_000).unwrap();
    let logged = ops.iter().filter(|o| o.action == "drill.outcome").count();
    assert_eq!(logged, 3);

    // Unknown drill, another device's drill, bad fields.
    let e = outsider.outcome(&fx, &d.id, OutcomeHow::Shown, now);
    assert_eq!((e.status, e.code()), (404, codes::DRILL_UNKNOWN.to_owned()));
    let e = a.outcome(&fx, "d-0000000000000000", OutcomeHow::Shown, now);
    assert_eq!((e.status, e.code()), (404, codes::DRILL_UNKNOWN.to_owned()));
    let e = a.post(
        &fx,
        paths::DRILL_OUTCOME,
        &json!({"drill_id": d.id, "event": "reported", "how": "opened_link", "at": now}),
    );
    assert_eq!(
        (e.status, e.code()),
        (400, codes::DRILL_OUTCOME_INVALID.to_owned())
    );
    let e = a.outcome(&fx, &d.id, OutcomeHow::Dismissed, fx.clock.now() + 3600);
    assert_eq!(
        (e.status, e.code()),
        (400, codes::DRILL_OUTCOME_INVALID.to_owned())
    );
    let e = a.post(
        &fx,
        paths::DRILL_OUTCOME,
        &json!({"drill_id": "D 1", "event": "delivered", "how": "shown", "at": now}),
    );
    assert_eq!(
        (e.status, e.code()),
        (400, codes::DRILL_OUTCOME_INVALID.to_owned())
    );
    let e = a.post(&fx, paths::DRILL_LURES, &json!({"x": 1}));
    assert_eq!(e.status, 400);
}

/// A small seeded generator (xorshift64*), so the population is the same each run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the test sent for one device in one drill.
#[derive(Clone, Copy)]
struct Sent {
    delivered: Option<u64>,
    outcome: Option<(OutcomeEvent, u64)>,
}

/// Expected totals from what was sent: (targets, delivered, reported, engaged, ignored,
/// pending, report_rate, engage_rate, median).
fn expect(sent: &[&Sent], now: u64, expires: u64) -> Value {
    let delivered = sent.iter().filter(|s| s.delivered.is_some()).count() as u32;
    let n = |e| {
        sent.iter()
            .filter(|s| s.outcome.map(|o| o.0) == Some(e))
            .count() as u32
    };
    let (rep, eng, ign) = (
        n(OutcomeEvent::Reported),
        n(OutcomeEvent::Engaged),
        n(OutcomeEvent::Ignored),
    );
    let pending = sent
        .iter()
        .filter(|s| s.delivered.is_some() && s.outcome.is_none() && expires > now)
        .count() as u32;
    let mut times: Vec<u64> = sent
        .iter()
        .filter_map(|s| match s.outcome {
            Some((OutcomeEvent::Reported, at)) => Some(at - s.delivered.unwrap()),
            _ => None,
        })
        .collect();
    times.sort_unstable();
    let median = (!times.is_empty()).then(|| times[(times.len() - 1) / 2]);
    let rate = |x: u32| (delivered > 0).then(|| f64::from(x) / f64::from(delivered));
    rates_rounded(json!({
        "targets": sent.len(), "delivered": delivered, "reported": rep, "engaged": eng,
        "ignored": ign, "pending": pending, "report_rate": rate(rep), "engage_rate": rate(eng),
        "median_report_secs": median,
    }))
}

/// Rates as text to 9 places: JSON numbers do not round-trip every last bit of an f64.
fn rates_rounded(mut v: Value) -> Value {
    for k in ["report_rate", "engage_rate"] {
        if let Some(r) = v[k].as_f64() {
            v[k] = json!(format!("{r:.9}"));
        }
    }
    v
}

fn totals_of(v: &Value) -> Value {
    let keys = [
        "targets",
        "delivered",
        "reported",
        "engaged",
        "ignored",
        "pending",
        "report_rate",
        "engage_rate",
        "median_report_secs",
    ];
    rates_rounded(
        keys.iter()
            .map(|k| ((*k).to_owned(), v[*k].clone()))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    )
}

/// One drill round: each device fetches its lure and sends outcomes drawn from `rng`.
fn round(fx: &Fx, sims: &[Sim], drill: &str, rng: &mut Rng) -> Vec<Sent> {
    let t0 = fx.clock.now();
    // Draw every device's behaviour up front (deterministic), then send from 4 threads.
    let plan: Vec<(u64, u64, u64)> = sims
        .iter()
        .map(|_| (rng.below(10), rng.below(3600) + 1, rng.below(600)))
        .collect();
    // Deliveries at t0 + d (d < 600), finals at most 3600 s later; the clock moves on first.
    fx.clock.set(t0 + 4300);
    let out = Mutex::new(vec![
        Sent {
            delivered: None,
            outcome: None
        };
        sims.len()
    ]);
    std::thread::scope(|s| {
        let per = sims.len().div_ceil(4);
        for (k, chunk) in sims.chunks(per).enumerate() {
            let (out, plan) = (&out, &plan);
            s.spawn(move || {
                for (j, sim) in chunk.iter().enumerate() {
                    let i = k * per + j;
                    let (kind, after, d) = plan[i];
                    let lures = sim.lures(fx).lures;
                    assert_eq!(lures.len(), 1);
                    // 0: never shown; 1–2: shown, no answer yet; 3–5 reported; 6–7 engaged;
                    // 8–9 ignored.
                    if kind == 0 {
                        continue;
                    }
                    let shown = t0 + d;
                    assert!(sim.receipt(fx, drill, OutcomeHow::Shown, shown).recorded);
                    let how = match kind {
                        1 | 2 => None,
                        3 | 4 => Some(OutcomeHow::ReportToIt),
                        5 => Some(OutcomeHow::Check),
                        6 => Some(OutcomeHow::OpenedLink),
                        7 => Some(OutcomeHow::TypedCode),
                        _ => Some(OutcomeHow::Dismissed),
                    };
                    let mut sent = Sent {
                        delivered: Some(shown),
                        outcome: None,
                    };
                    if let Some(how) = how {
                        assert!(sim.receipt(fx, drill, how, shown + after).recorded);
                        sent.outcome = Some((how.event(), shown + after));
                    }
                    out.lock().unwrap()[i] = sent;
                }
            });
        }
    });
    out.into_inner().unwrap()
}

#[test]
fn results_are_right_for_a_population_of_1000_devices() {
    let fx = Fx::new();
    let store = fx.store();
    reserve(&*store);
    let team_names = ["Finance", "銷售部", "IT", "Operations", "قسم المبيعات"];
    let sims = enroll_many(&fx, 1000, |i| team_names[i % team_names.len()].to_owned());
    let mut rng = Rng(0x5eed_d811_1234_5678);

    let now = fx.clock.now();
    let d1 = create_drill(
        &*store,
        now,
        HK,
        "test",
        &spec(Audience::All { all: true }, now, 1),
        true,
    )
    .unwrap();
    let sent1 = round(&fx, &sims, &d1.id, &mut rng);
    let admin = sign_up(&fx, "drill-owner", AdminRole::Admin);
    let check = |admin: &Admin, id: &str, sent: &[Sent], expires: u64, repeat: &BTreeSet<&str>| {
        let a = admin.call(&fx, "GET", &format!("/console/api/drills/{id}"), None);
        assert_eq!(a.status, 200, "{:?}", a.json());
        let r = a.json();
        let now = fx.clock.now();
        let all: Vec<&Sent> = sent.iter().collect();
        assert_eq!(totals_of(&r["totals"]), expect(&all, now, expires));
        let teams = r["teams"].as_array().unwrap();
        assert_eq!(teams.len(), team_names.len());
        for team in team_names {
            let mine: Vec<&Sent> = sims
                .iter()
                .zip(sent)
                .filter(|(s, _)| s.team == team)
                .map(|(_, x)| x)
                .collect();
            let line = teams.iter().find(|t| t["team"] == team).unwrap();
            assert_eq!(totals_of(line), expect(&mine, now, expires), "{team}");
        }
        let engaged_here: BTreeSet<&str> = sims
            .iter()
            .zip(sent)
            .filter(|(_, x)| x.outcome.map(|o| o.0) == Some(OutcomeEvent::Engaged))
            .map(|(s, _)| s.employee.as_str())
            .filter(|e| repeat.contains(e))
            .collect();
        assert_eq!(r["repeat_engagers"], json!(engaged_here.len()));
    };
    let none = BTreeSet::new();
    check(&admin, &d1.id, &sent1, now + 72 * 3600, &none);

    // A quarter later, a second drill.
    fx.clock.set(now + 100 * 86_400);
    let now2 = fx.clock.now();
    let d2 = create_drill(
        &*store,
        now2,
        HK,
        "test",
        &spec(Audience::All { all: true }, now2, 1),
        true,
    )
    .unwrap();
    let sent2 = round(&fx, &sims, &d2.id, &mut rng);
    let engaged = |sent: &[Sent]| -> BTreeSet<&str> {
        sims.iter()
            .zip(sent)
            .filter(|(_, x)| x.outcome.map(|o| o.0) == Some(OutcomeEvent::Engaged))
            .map(|(s, _)| s.employee.as_str())
            .collect()
    };
    let repeat: BTreeSet<&str> = engaged(&sent1)
        .intersection(&engaged(&sent2))
        .copied()
        .collect();
    assert!(!repeat.is_empty());
    let admin = sign_up(&fx, "drill-owner-2", AdminRole::Admin);
    check(&admin, &d2.id, &sent2, now2 + 72 * 3600, &repeat);
    check(&admin, &d1.id, &sent1, now + 72 * 3600, &repeat);

    // The trend: one line per quarter, oldest first.
    let a = admin.call(&fx, "GET", "/console/api/drills/trend", None);
    assert_eq!(a.status, 200);
    let tr = a.json();
    assert_eq!(tr["repeat_engagers"], json!(repeat.len()));
    let q = tr["quarters"].as_array().unwrap();
    let mut want = BTreeMap::new();
    for (d, sent, exp) in [
        (&d1, &sent1, now + 72 * 3600),
        (&d2, &sent2, now2 + 72 * 3600),
    ] {
        let all: Vec<&Sent> = sent.iter().collect();
        let e = expect(&all, fx.clock.now(), exp);
        want.insert(schedule::quarter(d.window_start, HK), e);
    }
    assert_eq!(q.len(), 2);
    for (line, (quarter, e)) in q.iter().zip(&want) {
        assert_eq!(line["quarter"], json!(quarter));
        assert_eq!(line["drills"], json!(1));
        for k in [
            "delivered",
            "report_rate",
            "engage_rate",
            "median_report_secs",
        ] {
            assert_eq!(rates_rounded(line.clone())[k], e[k], "{quarter} {k}");
        }
    }
    // The list, newest first.
    let list = admin.call(&fx, "GET", "/console/api/drills", None).json();
    assert_eq!(list[0]["id"], json!(d2.id));
    assert_eq!(list[1]["id"], json!(d1.id));
    assert_eq!(list[0]["state"], json!("running"));
}

#[test]
fn console_drill_routes_check_roles_fields_and_export() {
    let fx = Fx::new();
    let names = ["Finance", "銷售部", "=HYPERLINK(\"x\")"];
    let sims = enroll_many(&fx, 3, |i| names[i].to_owned());
    let admin = sign_up(&fx, "owner", AdminRole::Admin);
    let analyst = sign_up(&fx, "analyst", AdminRole::Analyst);
    let auditor = sign_up(&fx, "auditor", AdminRole::Auditor);
    let post = |who: &Admin, path: &str, body: Value| who.call(&fx, "POST", path, Some(&body));
    let field = |a: &RawAnswer| (a.status, a.json()["field"].clone());

    // The reserved list.
    let a = post(
        &admin,
        "/console/api/drills/reserved",
        json!({"kind": "phone", "value": NUMBER, "label": "x"}),
    );
    assert_eq!(field(&a), (400, json!("kind")));
    let a = post(
        &admin,
        "/console/api/drills/reserved",
        json!({"kind": "number", "value": "12345", "label": "x"}),
    );
    assert_eq!(field(&a), (400, json!("value")));
    let a = post(
        &admin,
        "/console/api/drills/reserved",
        json!({"kind": "link", "value": "http://x.example/", "label": "x"}),
    );
    assert_eq!(field(&a), (400, json!("value")));
    let a = post(
        &admin,
        "/console/api/drills/reserved",
        json!({"kind": "number", "value": NUMBER, "label": ""}),
    );
    assert_eq!(field(&a), (400, json!("label")));
    let a = post(
        &auditor,
        "/console/api/drills/reserved",
        json!({"kind": "number", "value": NUMBER, "label": "line"}),
    );
    assert_eq!(a.status, 403);
    let a = post(
        &admin,
        "/console/api/drills/reserved",
        json!({"kind": "number", "value": NUMBER, "label": "drill line"}),
    );
    assert_eq!(a.status, 200, "{:?}", a.json());
    let a = post(
        &admin,
        "/console/api/drills/reserved",
        json!({"kind": "link", "value": LINK, "label": "drill site"}),
    );
    assert_eq!(a.json().as_array().unwrap().len(), 2);
    let a = post(
        &admin,
        "/console/api/drills/reserved",
        json!({"kind": "link", "value": LINK, "label": "again"}),
    );
    assert_eq!(a.status, 409);
    let scen = auditor
        .call(&fx, "GET", "/console/api/drills/scenarios", None)
        .json();
    assert_eq!(scen.as_array().unwrap().len(), 4);
    assert!(scen[3]["text"]["zh-HK"]["body"]
        .as_str()
        .unwrap()
        .contains("+852 3001 9999"));
    assert!(scen[3]["text"]["ar"]["body"]
        .as_str()
        .unwrap()
        .contains(LINK));

    // Making a drill: each field checked.
    let now = fx.clock.now();
    let good = json!({"name": "Q4 drill", "scenario": "paid_upgrade", "number": NUMBER, "link": LINK,
        "audience": {"all": true}, "start": now, "working_days": 5});
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    for (k, v, f) in [
        ("name", json!(""), "name"),
        ("scenario", json!("lottery"), "scenario"),
        ("number", json!("+85230010000"), "number"),
        ("link", json!("https://other.example/"), "link"),
        ("audience", json!({"teams": []}), "audience"),
        ("audience", json!({"teams": ["Nobody"]}), "audience"),
        ("audience", json!({"all": false}), "audience"),
        ("start", json!(now - 3600), "start"),
        ("working_days", json!(0), "working_days"),
        ("working_days", json!(31), "working_days"),
        ("act_hours", json!(0), "act_hours"),
        ("act_hours", json!(337), "act_hours"),
    ] {
        let a = post(&admin, "/console/api/drills", with(k, v.clone()));
        assert_eq!(field(&a), (400, json!(f)), "{k} = {v}: {:?}", a.json());
    }
    let a = post(
        &admin,
        "/console/api/drills",
        json!({"name": "x", "bogus": 1}),
    );
    assert_eq!(field(&a), (400, json!("body")));
    assert_eq!(
        post(&auditor, "/console/api/drills", good.clone()).status,
        403
    );
    assert_eq!(
        post(&analyst, "/console/api/drills", good.clone()).status,
        403
    );
    let a = post(&admin, "/console/api/drills", good.clone());
    assert_eq!(a.status, 200, "{:?}", a.json());
    let d = a.json();
    let id = d["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("d-") && id.len() == 18, "{id}");
    assert_eq!(d["channel"], json!("notification"));
    assert_eq!(d["totals"]["targets"], json!(3));
    // The reserved number cannot be removed while the drill is not over.
    let list = admin
        .call(&fx, "GET", "/console/api/drills/reserved", None)
        .json();
    let nid = list[0]["id"].as_u64().unwrap();
    let a = post(
        &admin,
        &format!("/console/api/drills/reserved/{nid}/remove"),
        json!({}),
    );
    assert_eq!(a.status, 409);

    // Everyone's answers, at once (the store's at-once drill for the same devices).
    let store = fx.store();
    let d2 = create_drill(
        &*store,
        now,
        HK,
        "test",
        &spec(Audience::All { all: true }, now, 1),
        true,
    )
    .unwrap();
    for (s, how) in sims.iter().zip([
        OutcomeHow::ReportToIt,
        OutcomeHow::OpenedLink,
        OutcomeHow::Dismissed,
    ]) {
        s.receipt(&fx, &d2.id, OutcomeHow::Shown, now);
        s.receipt(&fx, &d2.id, how, now + 30);
    }

    // Individual results: admins only, and each view is logged.
    let people = format!("/console/api/drills/{}/people", d2.id);
    assert_eq!(analyst.call(&fx, "GET", &people, None).status, 403);
    assert_eq!(auditor.call(&fx, "GET", &people, None).status, 403);
    let a = admin.call(&fx, "GET", &people, None);
    assert_eq!(a.status, 200);
    let p = a.json();
    assert_eq!(p.as_array().unwrap().len(), 3);
    let sales = p
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["team"] == "銷售部")
        .unwrap();
    assert_eq!(
        (sales["outcome"].clone(), sales["how"].clone()),
        (json!("engaged"), json!("opened_link"))
    );
    let ops = store.ops_after(0, 10_000).unwrap();
    assert!(ops
        .iter()
        .any(|o| o.action == "drill.view_people" && o.target == d2.id));
    assert!(ops
        .iter()
        .any(|o| o.action == "drill.create" && o.target == id));
    assert!(ops.iter().any(|o| o.action == "drill.reserve_add"));

    // Results: auditors may read aggregates.
    let r = auditor
        .call(&fx, "GET", &format!("/console/api/drills/{}", d2.id), None)
        .json();
    assert_eq!(r["totals"]["reported"], json!(1));
    assert_eq!(r["totals"]["median_report_secs"], json!(30));
    assert_eq!(
        auditor
            .call(&fx, "GET", "/console/api/drills/d-nope", None)
            .status,
        404
    );
    assert_eq!(
        auditor
            .call(&fx, "GET", "/console/api/drills/..%2f", None)
            .status,
        404
    );

    // CSV: one line per team and one for the drill; cells defused.
    let a = auditor.call(
        &fx,
        "GET",
        &format!("/console/api/drills/{}/export.csv", d2.id),
        None,
    );
    assert_eq!(a.status, 200);
    assert!(a.header("content-type").unwrap().starts_with("text/csv"));
    let csv = String::from_utf8(a.body.clone()).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");
    assert!(csv.contains("銷售部"));

    // PDF: a real PDF with the team names.
    let a = auditor.call(
        &fx,
        "GET",
        &format!("/console/api/drills/{}/export.pdf", d2.id),
        None,
    );
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("application/pdf"));
    assert!(a.body.starts_with(b"%PDF-"));
    if let Some(text) = pdftotext(&a.body) {
        assert!(text.contains("Finance"), "{text}");
        assert!(text.contains("銷售部"), "{text}");
    } else {
        eprintln!("pdftotext is not installed: the PDF's text is not checked");
    }

    // Cancel: admin, once.
    let cancel = format!("/console/api/drills/{id}/cancel");
    assert_eq!(post(&auditor, &cancel, json!({})).status, 403);
    let a = post(&admin, &cancel, json!({}));
    assert_eq!(a.json()["state"], json!("cancelled"));
    assert_eq!(post(&admin, &cancel, json!({})).status, 409);

    // The programme, and the dashboard's reminder.
    let p = auditor
        .call(&fx, "GET", "/console/api/drills/programme", None)
        .json();
    assert_eq!(p["owner"], Value::Null);
    let put = |who: &Admin, body: Value| {
        who.call(&fx, "PUT", "/console/api/drills/programme", Some(&body))
    };
    assert_eq!(
        field(&put(&admin, json!({"owner": "", "every_months": 3}))),
        (400, json!("owner"))
    );
    assert_eq!(
        field(&put(&admin, json!({"owner": "Wong", "every_months": 5}))),
        (400, json!("every_months"))
    );
    assert_eq!(
        put(&auditor, json!({"owner": "Wong", "every_months": 3})).status,
        403
    );
    let p = put(&admin, json!({"owner": "Wong Siu Ming", "every_months": 3})).json();
    assert_eq!(p["owner"], json!("Wong Siu Ming"));
    let due = schedule::add_months(now, 3, HK);
    assert_eq!(p["next_due"], json!(due));
    assert_eq!(p["due_soon"], json!(false));
    let lures = sims[0].lures(&fx);
    assert_eq!(
        lures.programme.as_ref().map(|p| p.owner.as_str()),
        Some("Wong Siu Ming")
    );
    fx.clock.set(due - 10 * 86_400);
    let late = sign_up(&fx, "late", AdminRole::Auditor);
    let dash = late.call(&fx, "GET", "/console/api/dashboard", None).json();
    assert_eq!(dash["drills"]["due_soon"], json!(true), "{dash}");
    assert_eq!(dash["drills"]["owner"], json!("Wong Siu Ming"));
    let viewer = sign_up(&fx, "late2", AdminRole::Auditor);
    viewer.call(&fx, "GET", "/console/api/drills/programme", None);
    let reminders = store
        .ops_after(0, 10_000)
        .unwrap()
        .iter()
        .filter(|o| o.action == "drill.reminder")
        .count();
    assert_eq!(reminders, 1, "one reminder per due date");
}

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_drill_command_line_makes_an_at_once_drill_a_device_gets_at_once() {
    let fx = Fx::new();
    let sims = enroll_many(&fx, 2, |i| ["Finance", "IT"][i].to_owned());
    let data = fx.desk_dir.path().to_str().unwrap().to_owned();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_verity-desk"))
            .args(fx.db_args())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (c, _, e) = run(&[
        "drill",
        "reserve",
        "add",
        "--data",
        &data,
        "--kind",
        "number",
        "--value",
        NUMBER,
        "--label",
        "drill line",
    ]);
    assert_eq!(c, Some(0), "{e}");
    let (c, _, e) = run(&[
        "drill",
        "reserve",
        "add",
        "--data",
        &data,
        "--kind",
        "link",
        "--value",
        LINK,
        "--label",
        "drill site",
    ]);
    assert_eq!(c, Some(0), "{e}");
    let (c, _, _) = run(&[
        "drill", "reserve", "add", "--data", &data, "--kind", "link", "--value", "http://x",
        "--label", "x",
    ]);
    assert_eq!(c, Some(2));
    let (c, o, _) = run(&["drill", "reserve", "list", "--data", &data, "--json"]);
    assert_eq!(c, Some(0));
    assert_eq!(
        serde_json::from_str::<Value>(&o)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The command line's clock is the system's, the desk's the test's: start at the later of
    // the two, and put the desk's clock there.
    let sys = verity_device::clock::SystemClock.now();
    let start = sys.max(fx.clock.now());
    let start_text = verity_desk::oplog::iso8601(start);
    let (c, o, e) = run(&[
        "drill",
        "create",
        "--data",
        &data,
        "--name",
        "Trial",
        "--scenario",
        "support_code",
        "--number",
        NUMBER,
        "--link",
        LINK,
        "--team",
        "Finance",
        "--at-once",
        "--json",
        "--start",
        &start_text,
    ]);
    assert_eq!(c, Some(0), "{e}");
    let d: Value = serde_json::from_str(&o).unwrap();
    let id = d["id"].as_str().unwrap().to_owned();
    assert_eq!(d["totals"]["targets"], json!(1));
    assert_eq!(d["channel"], json!("support_chat"));
    let (c, _, e) = run(&[
        "drill",
        "create",
        "--data",
        &data,
        "--name",
        "Bad",
        "--scenario",
        "support_code",
        "--number",
        "+85230010000",
        "--link",
        LINK,
        "--at-once",
    ]);
    assert_eq!(c, Some(2), "{e}");
    assert!(e.contains("number"), "{e}");
    // The Finance device gets it at once.
    let sys = start;
    fx.clock.set(sys);
    let a = sims[0].lures(&fx);
    assert_eq!(a.lures.len(), 1);
    let org = org_key(&fx).verifying_key();
    let body = LureBody::verify(&a.lures[0], &org, &sims[0].device_id).unwrap();
    assert_eq!(body.drill_id, id);
    assert!(body.deliver_at <= sys);
    assert!(sims[1].lures(&fx).lures.is_empty());
    let (c, o, _) = run(&["drill", "list", "--data", &data]);
    assert_eq!(c, Some(0));
    assert!(o.contains(&id) && o.contains("Trial"), "{o}");
    sims[0].receipt(&fx, &id, OutcomeHow::Shown, sys);
    sims[0].receipt(&fx, &id, OutcomeHow::TypedCode, sys + 1);
    let (c, o, _) = run(&["drill", "results", "--data", &data, &id, "--json"]);
    assert_eq!(c, Some(0));
    let r: Value = serde_json::from_str(&o).unwrap();
    assert_eq!(r["totals"]["engaged"], json!(1));
    assert_eq!(r["teams"][0]["team"], json!("Finance"));
    let (c, o, _) = run(&["drill", "results", "--data", &data, &id]);
    assert_eq!(c, Some(0));
    assert!(o.contains("engaged 1"), "{o}");
}
