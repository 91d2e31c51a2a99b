//! Scam drills on the device, end to end over loopback HTTP: a real SQLite store in a temp dir,
//! a device bound to an organisation key, and a desk on 127.0.0.1 that answers
//! `POST /v1/drill/lures` and `/v1/drill/outcome` with answers signed like the desk's (the
//! organisation key over origin, nonce and body) and keeps each outcome once, the first one
//! winning — the desk's rules of docs/drills.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ed25519_dalek::SigningKey;
use verity_check::verdict::Verdict;
use verity_checklist::checklist::{DrillOutcomeKind, Evidence, StepId};
use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};
use verity_core::phone::Region;
use verity_core::Timestamp;
use verity_device::keystore::{FileKeyStore, KeyStore, KeyStoreChoice, KeyStoreKind};
use verity_device::proto::drill::{
    Channel, DrillOutcome, LureBody, LuresAnswer, OutcomeEvent, OutcomeHow, OutcomeReceipt,
    Programme, Scenario,
};
use verity_device::proto::{self, OrgInfo};
use verity_device::state::{DeviceRole, DeviceState, TwoFactorState};
use verity_device::{DeviceContext, KdfParams, ManualClock};
use verity_flows::drill::{self, Act, Identity};
use verity_flows::FlowError;
use verity_store::{Origin, Store};

const NOW: u64 = 1_800_000_000;
const NUMBER: &str = "+85230019999";
const LINK: &str = "https://dingtalk-hk-service.example/verify";
const FORGED_NUMBER: &str = "+85230018888";

/// What the loopback desk holds for one drill target.
#[derive(Debug, Default, Clone)]
struct Target {
    delivered_at: Option<u64>,
    outcome: Option<OutcomeEvent>,
    /// Final outcomes it recorded (must never exceed one).
    finals_recorded: u32,
    /// Outcome requests received.
    requests: u32,
}

#[derive(Default)]
struct DeskState {
    lures: Vec<String>,
    programme: Option<Programme>,
    targets: HashMap<String, Target>,
}

struct Desk {
    url: String,
    state: Arc<Mutex<DeskState>>,
    down: Arc<AtomicBool>,
}

impl Desk {
    fn start(org: SigningKey) -> Desk {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let origin = proto::origin_of(&url::Url::parse(&url).unwrap());
        let state = Arc::new(Mutex::new(DeskState::default()));
        let down = Arc::new(AtomicBool::new(false));
        let (s, d) = (state.clone(), down.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if d.load(Ordering::SeqCst) {
                    drop(stream); // unreachable: the connection closes unanswered
                    continue;
                }
                serve(stream, &org, &origin, &s);
            }
        });
        Desk { url, state, down }
    }

    fn target(&self, drill_id: &str) -> Target {
        self.state
            .lock()
            .unwrap()
            .targets
            .get(drill_id)
            .cloned()
            .unwrap_or_default()
    }
}

fn serve(stream: TcpStream, org: &SigningKey, origin: &str, state: &Mutex<DeskState>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
    let (mut len, mut nonce) = (0usize, String::new());
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => len = value.trim().parse().unwrap(),
            n if n == proto::H_NONCE => nonce = value.trim().to_owned(),
            _ => {}
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    let (status, answer) = answer(&path, &body, state);
    let sig = proto::sign_response(org, origin, &nonce, &answer);
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{}: {sig}\r\nconnection: close\r\n\r\n",
        answer.len(),
        proto::H_RESPONSE_SIGNATURE
    )
    .unwrap();
    out.write_all(&answer).unwrap();
}

fn answer(path: &str, body: &[u8], state: &Mutex<DeskState>) -> (&'static str, Vec<u8>) {
    let mut st = state.lock().unwrap();
    match path {
        "/v1/drill/lures" => {
            let a = LuresAnswer {
                lures: st.lures.clone(),
                programme: st.programme.clone(),
            };
            ("200 OK", serde_json::to_vec(&a).unwrap())
        }
        "/v1/drill/outcome" => {
            let o = match DrillOutcome::from_json(body, NOW + 10 * 24 * 3600) {
                Ok(o) => o,
                Err(_) => {
                    return (
                        "400 Bad Request",
                        br#"{"code":"drill_outcome_invalid","message":"no"}"#.to_vec(),
                    )
                }
            };
            let Some(t) = st.targets.get_mut(&o.drill_id) else {
                return (
                    "404 Not Found",
                    br#"{"code":"drill_unknown","message":"no"}"#.to_vec(),
                );
            };
            t.requests += 1;
            let recorded = if o.event == OutcomeEvent::Delivered {
                let new = t.delivered_at.is_none();
                t.delivered_at.get_or_insert(o.at);
                new
            } else if t.outcome.is_none() {
                t.outcome = Some(o.event);
                t.delivered_at.get_or_insert(o.at);
                t.finals_recorded += 1;
                true
            } else {
                false
            };
            let r = OutcomeReceipt {
                drill_id: o.drill_id,
                recorded,
                delivered_at: t.delivered_at,
                outcome: t.outcome,
            };
            ("200 OK", serde_json::to_vec(&r).unwrap())
        }
        _ => (
            "404 Not Found",
            br#"{"code":"not_found","message":"no"}"#.to_vec(),
        ),
    }
}

struct Device {
    _dir: tempfile::TempDir,
    ctx: DeviceContext,
    store: Store,
    identity: Identity,
    clock: Arc<ManualClock>,
}

impl Device {
    fn set(&self, t: u64) {
        self.clock.set(t);
    }
}

/// The device's time (a free function: it borrows the clock alone, beside `&mut d.store`).
fn time(clock: &ManualClock) -> Timestamp {
    Timestamp(i64::try_from(verity_device::Clock::now(clock)).unwrap())
}

fn org() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// A device bound to `org` at the desk `desk_url` (its state written as enrolment writes it; the
/// key in a passphrase file store).
fn device(desk_url: &str, org: &SigningKey) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::from_bytes(&[3; 32]);
    let passphrase = zeroize::Zeroizing::new(b"a long test passphrase".to_vec());
    let store_k = FileKeyStore::new(
        dir.path(),
        Some(passphrase.clone()),
        KdfParams::INSECURE_FOR_TESTS,
    );
    store_k.save("device-test", &key).unwrap();
    let device_id = "dev-test-1".to_owned();
    let org_pub = org.verifying_key();
    DeviceState {
        v: 1,
        desk_url: desk_url.to_owned(),
        desk_ca_pem: None,
        key_store: KeyStoreKind::File,
        key_ref: "device-test".into(),
        device_id: device_id.clone(),
        device_public_key: proto::b64(key.verifying_key().as_bytes()),
        role: DeviceRole::Employee,
        certificate: "vc1.test.test".into(),
        org: OrgInfo {
            name: "Example Org".into(),
            public_key: proto::b64(org_pub.as_bytes()),
            fingerprint: proto::fingerprint(&org_pub),
        },
        employee_id: "e1".into(),
        employee_name: "Chan Tai Man".into(),
        issued_at: NOW - 100,
        expires_at: NOW + 365 * 86_400,
        two_factor: TwoFactorState::None,
        last_verify: None,
        feed: None,
    }
    .save(dir.path())
    .unwrap();
    let clock = Arc::new(ManualClock::new(NOW));
    let mut ctx = DeviceContext::new(dir.path().to_path_buf(), "0.0.0-test");
    ctx.key_store = KeyStoreChoice::File;
    ctx.passphrase = Some(passphrase);
    ctx.kdf = KdfParams::INSECURE_FOR_TESTS;
    ctx.clock = clock.clone();
    let store = Store::open(dir.path()).unwrap();
    let identity = Identity::load(&ctx).unwrap();
    assert_eq!(identity.device_id, device_id);
    Device {
        _dir: dir,
        ctx,
        store,
        identity,
        clock,
    }
}

fn lure(drill_id: &str, scenario: Scenario, number: &str, signer: &SigningKey) -> String {
    let org = org();
    LureBody {
        v: 1,
        org_key: proto::b64(org.verifying_key().as_bytes()),
        drill_id: drill_id.into(),
        device_id: "dev-test-1".into(),
        scenario,
        channel: scenario.channel(),
        number: number.into(),
        link: LINK.into(),
        deliver_at: NOW + 60,
        expires_at: NOW + 60 + 3600,
        issued_at: NOW,
    }
    .sign(signer)
    .unwrap()
}

fn hand_out(desk: &Desk, tokens: Vec<String>, targets: &[&str]) {
    let mut st = desk.state.lock().unwrap();
    st.lures = tokens;
    for t in targets {
        st.targets.insert((*t).to_owned(), Target::default());
    }
}

#[test]
fn a_lure_signed_by_another_key_is_treated_as_a_real_threat() {
    let desk = Desk::start(org());
    let mut d = device(&desk.url, &org());
    let impostor = SigningKey::from_bytes(&[9; 32]);
    hand_out(
        &desk,
        vec![
            lure("d-good", Scenario::FreezeThreat, NUMBER, &org()),
            // Names this organisation and device, says it is a drill, signed by someone else.
            lure("d-forged", Scenario::FreezeThreat, FORGED_NUMBER, &impostor),
            "vd1.not.atoken".into(),
        ],
        &["d-good"],
    );
    let now = time(&d.clock);
    let r = drill::refresh(&mut d.store, &d.ctx, now).unwrap();
    assert_eq!(r.new, ["d-good"]);
    assert_eq!(r.dropped, 2);
    // Never stored, never shown.
    assert!(d.store.drill_lure("d-forged").unwrap().is_none());
    assert_eq!(d.store.drill_lures().unwrap().len(), 1);
    d.set(NOW + 61);
    let due = drill::due(&d.store, &d.identity, time(&d.clock)).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].body.drill_id, "d-good");
    assert!(matches!(
        drill::get(&d.store, &d.identity, "d-forged"),
        Err(FlowError::Drill(drill::DrillError::Unknown))
    ));
    drill::mark_shown(&mut d.store, &d.identity, "d-good", "en", time(&d.clock)).unwrap();

    // The forged lure's number is on the blocklist: its Check is the ordinary verdict, scam,
    // and reveals nothing (no drill is reported by it).
    let entry = BlocklistEntry::new(
        EntryKind::Phone,
        FORGED_NUMBER,
        Category::FreezeThreat,
        None,
        Some("test".into()),
        Timestamp(i64::try_from(NOW).unwrap()),
        Region::HK,
    )
    .unwrap();
    d.store
        .import_entries(&[(entry, false)], Origin::Import)
        .unwrap();
    let outcome = verity_flows::check::check(&mut d.store, FORGED_NUMBER, None, None).unwrap();
    assert_eq!(outcome.verdict, Verdict::Scam);
    let revealed = drill::match_check(&mut d.store, &d.identity, &outcome, time(&d.clock)).unwrap();
    assert!(revealed.is_empty());
    let good = drill::get(&d.store, &d.identity, "d-good").unwrap();
    assert!(good.is_open(), "a forged lure's check acts on no drill");

    // A lure kept in the store that does not verify under this binding is never read as a
    // drill (e.g. one written by hand, or kept under another organisation).
    let other = device(&desk.url, &impostor);
    assert!(drill::list(&d.store, &other.identity).unwrap().is_empty());
}

#[test]
fn the_first_act_is_recorded_once_and_sent_once() {
    let desk = Desk::start(org());
    let mut d = device(&desk.url, &org());
    hand_out(
        &desk,
        vec![lure("d-once", Scenario::PaidUpgrade, NUMBER, &org())],
        &["d-once"],
    );
    let now = time(&d.clock);
    drill::refresh(&mut d.store, &d.ctx, now).unwrap();
    // Fetched again (the desk hands it out until it has an outcome): not duplicated.
    let again = drill::refresh(&mut d.store, &d.ctx, now).unwrap();
    assert!(again.new.is_empty());
    assert_eq!(d.store.drill_lures().unwrap().len(), 1);
    // Not shown before its moment.
    assert!(drill::due(&d.store, &d.identity, time(&d.clock))
        .unwrap()
        .is_empty());
    d.set(NOW + 120);
    assert!(drill::mark_shown(&mut d.store, &d.identity, "d-once", "en", time(&d.clock)).unwrap());
    assert!(!drill::mark_shown(&mut d.store, &d.identity, "d-once", "en", time(&d.clock)).unwrap());
    d.set(NOW + 180);
    let first = drill::act(
        &mut d.store,
        &d.identity,
        "d-once",
        Act::ReportToIt,
        time(&d.clock),
    )
    .unwrap();
    assert!(first.recorded);
    assert_eq!(first.lure.outcome, Some(DrillOutcomeKind::Reported));
    assert_eq!(first.lure.how, Some(OutcomeHow::ReportToIt));
    d.set(NOW + 200);
    let second = drill::act(
        &mut d.store,
        &d.identity,
        "d-once",
        Act::OpenedLink,
        time(&d.clock),
    )
    .unwrap();
    assert!(!second.recorded);
    assert_eq!(second.lure.outcome, Some(DrillOutcomeKind::Reported));
    assert_eq!(
        second.lure.acted_at,
        Some(Timestamp(i64::try_from(NOW).unwrap() + 180))
    );

    let f = drill::flush(&mut d.store, &d.ctx).unwrap();
    assert_eq!(f.sent, 2, "delivered, then reported");
    let f = drill::flush(&mut d.store, &d.ctx).unwrap();
    assert_eq!(f.sent, 0, "nothing is sent twice once the desk has it");
    let t = desk.target("d-once");
    assert_eq!(t.finals_recorded, 1);
    assert_eq!(t.requests, 2);
    assert_eq!(t.outcome, Some(OutcomeEvent::Reported));
    assert_eq!(t.delivered_at, Some(NOW + 120));
    // Refetched after acting: the act stands.
    drill::refresh(&mut d.store, &d.ctx, time(&d.clock)).unwrap();
    let l = drill::get(&d.store, &d.identity, "d-once").unwrap();
    assert_eq!(l.outcome, Some(DrillOutcomeKind::Reported));
}

#[test]
fn flush_retries_after_the_desk_was_unreachable() {
    let desk = Desk::start(org());
    let mut d = device(&desk.url, &org());
    hand_out(
        &desk,
        vec![lure("d-retry", Scenario::FreezeThreat, NUMBER, &org())],
        &["d-retry"],
    );
    let now = time(&d.clock);
    drill::refresh(&mut d.store, &d.ctx, now).unwrap();
    d.set(NOW + 100);
    drill::mark_shown(&mut d.store, &d.identity, "d-retry", "en", time(&d.clock)).unwrap();
    drill::act(
        &mut d.store,
        &d.identity,
        "d-retry",
        Act::Dismissed,
        time(&d.clock),
    )
    .unwrap();
    desk.down.store(true, Ordering::SeqCst);
    let e = drill::flush(&mut d.store, &d.ctx).unwrap_err();
    assert!(matches!(e, FlowError::Device(_)), "{e}");
    assert_eq!(d.store.unsent_drill_outcomes().unwrap().len(), 2, "kept");
    assert_eq!(desk.target("d-retry").requests, 0);
    desk.down.store(false, Ordering::SeqCst);
    let f = drill::flush(&mut d.store, &d.ctx).unwrap();
    assert_eq!(f.sent, 2);
    assert!(d.store.unsent_drill_outcomes().unwrap().is_empty());
    assert_eq!(desk.target("d-retry").outcome, Some(OutcomeEvent::Ignored));
    // An outcome the desk does not know is dropped, not retried for ever.
    {
        let mut st = desk.state.lock().unwrap();
        st.targets.clear();
    }
    hand_out(
        &desk,
        vec![lure("d-gone", Scenario::FreezeThreat, NUMBER, &org())],
        &[],
    );
    drill::refresh(&mut d.store, &d.ctx, time(&d.clock)).unwrap();
    drill::mark_shown(&mut d.store, &d.identity, "d-gone", "en", time(&d.clock)).unwrap();
    let f = drill::flush(&mut d.store, &d.ctx).unwrap();
    assert_eq!((f.sent, f.refused), (0, 1));
    assert!(d.store.unsent_drill_outcomes().unwrap().is_empty());
}

#[test]
fn a_check_of_the_number_or_link_reports_and_an_unanswered_lure_expires() {
    let desk = Desk::start(org());
    let mut d = device(&desk.url, &org());
    hand_out(
        &desk,
        vec![
            lure("d-num", Scenario::FreezeThreat, NUMBER, &org()),
            lure("d-late", Scenario::RemoteAccess, "+85230017777", &org()),
        ],
        &["d-num", "d-late"],
    );
    let now = time(&d.clock);
    drill::refresh(&mut d.store, &d.ctx, now).unwrap();
    // Not shown yet: a check of its number acts on nothing.
    let o = verity_flows::check::check(&mut d.store, "+852 3001 9999", None, None).unwrap();
    assert!(
        drill::match_check(&mut d.store, &d.identity, &o, time(&d.clock))
            .unwrap()
            .is_empty()
    );
    d.set(NOW + 61);
    for l in drill::due(&d.store, &d.identity, time(&d.clock)).unwrap() {
        drill::mark_shown(
            &mut d.store,
            &d.identity,
            &l.body.drill_id,
            "en",
            time(&d.clock),
        )
        .unwrap();
    }
    // The number as the employee would type it: normalised, it is the lure's.
    let o = verity_flows::check::check(&mut d.store, "+852 3001 9999", None, None).unwrap();
    let verdict = o.verdict;
    let hit = drill::match_check(&mut d.store, &d.identity, &o, time(&d.clock)).unwrap();
    assert_eq!(hit, ["d-num"]);
    assert_ne!(verdict, Verdict::Invalid);
    let l = drill::get(&d.store, &d.identity, "d-num").unwrap();
    assert_eq!(l.how, Some(OutcomeHow::Check));
    // The same check again reveals nothing new.
    assert!(
        drill::match_check(&mut d.store, &d.identity, &o, time(&d.clock))
            .unwrap()
            .is_empty()
    );
    // The other lure is left unanswered past its expiry: ignored, expired.
    assert!(drill::expire(&mut d.store, time(&d.clock))
        .unwrap()
        .is_empty());
    d.set(NOW + 60 + 3600);
    assert_eq!(
        drill::expire(&mut d.store, time(&d.clock)).unwrap(),
        ["d-late"]
    );
    let l = drill::get(&d.store, &d.identity, "d-late").unwrap();
    assert_eq!(l.outcome, Some(DrillOutcomeKind::Ignored));
    assert_eq!(l.how, Some(OutcomeHow::Expired));
}

#[test]
fn the_fake_chat_keeps_asking_and_a_typed_code_is_engaged() {
    let desk = Desk::start(org());
    let mut d = device(&desk.url, &org());
    hand_out(
        &desk,
        vec![lure("d-chat", Scenario::SupportCode, NUMBER, &org())],
        &["d-chat"],
    );
    let now = time(&d.clock);
    drill::refresh(&mut d.store, &d.ctx, now).unwrap();
    d.set(NOW + 61);
    drill::mark_shown(&mut d.store, &d.identity, "d-chat", "zh-HK", time(&d.clock)).unwrap();
    let l = drill::get(&d.store, &d.identity, "d-chat").unwrap();
    assert_eq!(l.body.channel, Channel::SupportChat);
    assert_eq!(l.chat.len(), 1);
    assert!(!l.chat[0].from_me);
    assert!(l.chat[0].text.contains("驗證碼"), "{}", l.chat[0].text);
    let a = drill::chat_send(
        &mut d.store,
        &d.identity,
        "d-chat",
        "Who are you?",
        "zh-HK",
        time(&d.clock),
    )
    .unwrap();
    assert!(!a.recorded);
    assert_eq!(a.lure.chat.len(), 3);
    assert!(
        a.lure.chat[2].text.contains("10"),
        "{}",
        a.lure.chat[2].text
    );
    assert!(matches!(
        drill::chat_send(
            &mut d.store,
            &d.identity,
            "d-chat",
            "   ",
            "en",
            time(&d.clock)
        ),
        Err(FlowError::Drill(drill::DrillError::BadMessage))
    ));
    let long = "x".repeat(drill::MAX_CHAT_CHARS + 1);
    assert!(drill::chat_send(
        &mut d.store,
        &d.identity,
        "d-chat",
        &long,
        "en",
        time(&d.clock)
    )
    .is_err());
    let a = drill::chat_send(
        &mut d.store,
        &d.identity,
        "d-chat",
        "ok it is 482 913",
        "en",
        time(&d.clock),
    )
    .unwrap();
    assert!(a.recorded);
    assert_eq!(a.lure.outcome, Some(DrillOutcomeKind::Engaged));
    assert_eq!(a.lure.how, Some(OutcomeHow::TypedCode));
    let mine = a.lure.chat.last().unwrap();
    assert!(mine.from_me);
    assert!(
        !mine.text.contains("482"),
        "the code is never kept: {}",
        mine.text
    );
    // Later messages change nothing.
    let b = drill::chat_send(
        &mut d.store,
        &d.identity,
        "d-chat",
        "hello?",
        "en",
        time(&d.clock),
    )
    .unwrap();
    assert_eq!(b.lure, a.lure);
    // A notification lure is no chat.
    hand_out(
        &desk,
        vec![lure("d-note", Scenario::FreezeThreat, NUMBER, &org())],
        &["d-note"],
    );
    drill::refresh(&mut d.store, &d.ctx, time(&d.clock)).unwrap();
    assert!(matches!(
        drill::chat_send(
            &mut d.store,
            &d.identity,
            "d-note",
            "hi",
            "en",
            time(&d.clock)
        ),
        Err(FlowError::Drill(drill::DrillError::NotAChat))
    ));
}

#[test]
fn the_programme_fills_step_four_and_the_last_drill_is_recorded() {
    let desk = Desk::start(org());
    let mut d = device(&desk.url, &org());
    hand_out(
        &desk,
        vec![lure("d-prog", Scenario::FreezeThreat, NUMBER, &org())],
        &["d-prog"],
    );
    desk.state.lock().unwrap().programme = Some(Programme {
        owner: "IT Security (Wong)".into(),
        every_months: 3,
        next_drill: Some(NOW + 30 * 86_400),
    });
    let now = time(&d.clock);
    let r = drill::refresh(&mut d.store, &d.ctx, now).unwrap();
    assert!(r.programme_recorded);
    let step = verity_flows::checklist::current(&mut d.store, now)
        .unwrap()
        .get(StepId::DrillOwner);
    let Some(Evidence::DrillOwner(e)) = step.evidence else {
        panic!("no drill evidence: {step:?}");
    };
    assert_eq!(e.owner, "IT Security (Wong)");
    assert_eq!(
        e.next_drill,
        Timestamp(i64::try_from(NOW).unwrap() + 30 * 86_400)
    );
    assert!(e.last_drill.is_none());
    d.set(NOW + 61);
    drill::mark_shown(&mut d.store, &d.identity, "d-prog", "en", time(&d.clock)).unwrap();
    drill::act(
        &mut d.store,
        &d.identity,
        "d-prog",
        Act::OpenedLink,
        time(&d.clock),
    )
    .unwrap();
    let step = verity_flows::checklist::current(&mut d.store, time(&d.clock))
        .unwrap()
        .get(StepId::DrillOwner);
    let Some(Evidence::DrillOwner(e)) = step.evidence else {
        panic!("no drill evidence");
    };
    let last = e.last_drill.clone().unwrap();
    assert_eq!(last.drill_id, "d-prog");
    assert_eq!(last.outcome, DrillOutcomeKind::Engaged);
    assert_eq!(e.owner, "IT Security (Wong)");

    // An owner the employee named is kept: the programme does not overwrite it.
    let mine = verity_checklist::checklist::DrillEvidence {
        owner: "Ms Lee".into(),
        ..e
    };
    verity_flows::checklist::record(&mut d.store, Evidence::DrillOwner(mine), time(&d.clock))
        .unwrap();
    let r = drill::refresh(&mut d.store, &d.ctx, time(&d.clock)).unwrap();
    assert!(!r.programme_recorded);
    let step = verity_flows::checklist::current(&mut d.store, time(&d.clock))
        .unwrap()
        .get(StepId::DrillOwner);
    let Some(Evidence::DrillOwner(e)) = step.evidence else {
        panic!("no drill evidence");
    };
    assert_eq!(e.owner, "Ms Lee");
}
