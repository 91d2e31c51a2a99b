//! Verified support sessions on a real desk over loopback, with real WebSocket clients
//! (tungstenite, blocking): open, routing (offers, claims, capacity, timeouts, drops, rules),
//! the relay (stored, relayed, acknowledged, duplicates, order, direction, replay on `Join`),
//! the signed status, and the refusals.

// Helpers outside #[test] functions fail the test by panicking.
#![allow(clippy::panic)]

use super::*;
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use verity_device::proto::{
    AgentEnrollResponse, AgentProfile, AgentRole, Control, Cursor, Direction, Frame, FrameKind,
    OpenAnswer, OpenRequest, Outcome, StatusAnswer, StatusBody, StatusRequest, SupportCategory,
    SupportState, MAX_WS_MESSAGE,
};

pub(crate) const AGE: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

pub(crate) fn addr(fx: &Fx) -> std::net::SocketAddr {
    fx.url.trim_start_matches("http://").parse().unwrap()
}

pub(crate) fn set_audit(fx: &Fx) {
    fx.store()
        .set_audit_recipient(Some(AGE), fx.clock.now())
        .unwrap();
}

/// A party's key and certificate.
pub(crate) struct Party {
    pub(crate) key: ed25519_dalek::SigningKey,
    pub(crate) cert: String,
    pub(crate) id: String,
}

pub(crate) fn employee(fx: &Fx, employee_id: &str) -> (Dev, Party) {
    let dev = Dev::enroll_with(fx, &fx.code(employee_id, 3600));
    let state = dev.state();
    let p = Party {
        key: dev.key(),
        cert: state.certificate.clone(),
        id: state.device_id.clone(),
    };
    (dev, p)
}

pub(crate) fn profile(name: &str, team: &str, languages: &[&str], capacity: u32) -> AgentProfile {
    AgentProfile {
        name: name.into(),
        role: AgentRole::Agent,
        team: team.into(),
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        regions: vec!["HK".into()],
        skills: vec![],
        capacity,
    }
}

pub(crate) fn agent(fx: &Fx, p: &AgentProfile) -> Party {
    let code =
        admin::create_agent_code(&fx.at(), Some(b"org passphrase"), p, 600, fx.clock.as_ref())
            .unwrap()
            .0
            .to_string();
    let key = proto::generate_signing_key().unwrap();
    let client = DeskClient::new(&fx.url, &Default::default()).unwrap();
    let body = serde_json::to_vec(&proto::EnrollRequest {
        code,
        device_key: proto::b64(key.verifying_key().as_bytes()),
        facts: DeviceFacts {
            hostname: "agent-pc".into(),
            os: "linux".into(),
            app_version: "0.1.0".into(),
        },
        signals: RegionSignals::default(),
    })
    .unwrap();
    let req = client
        .prepare(
            "POST",
            paths::AGENT_ENROLL,
            body,
            &key,
            None,
            fx.clock.as_ref(),
        )
        .unwrap();
    let a = send_raw(addr(fx), &req, &[]);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let r: AgentEnrollResponse = serde_json::from_slice(&a.body).unwrap();
    Party {
        id: proto::key_id(&key.verifying_key()),
        key,
        cert: r.certificate,
    }
}

pub(crate) fn post(fx: &Fx, p: &Party, path: &str, body: &impl serde::Serialize) -> RawAnswer {
    post_to(fx, addr(fx), p, path, body)
}

/// As [`post`], to the desk at `to` (another desk on the same database).
pub(crate) fn post_to(
    fx: &Fx,
    to: std::net::SocketAddr,
    p: &Party,
    path: &str,
    body: &impl serde::Serialize,
) -> RawAnswer {
    let client = DeskClient::new(&fx.url, &Default::default()).unwrap();
    let req = client
        .prepare(
            "POST",
            path,
            serde_json::to_vec(body).unwrap(),
            &p.key,
            Some(&p.cert),
            fx.clock.as_ref(),
        )
        .unwrap();
    send_raw(to, &req, &[])
}

pub(crate) fn open(fx: &Fx, dev: &Dev, p: &Party, category: SupportCategory) -> RawAnswer {
    post(
        fx,
        p,
        paths::SUPPORT_OPEN,
        &OpenRequest {
            category,
            language: "zh-HK".into(),
            totp: dev.code_now(&fx.clock),
            signals: dev.ctx.signals.clone(),
        },
    )
}

pub(crate) fn opened(fx: &Fx, dev: &Dev, p: &Party) -> OpenAnswer {
    let a = open(fx, dev, p, SupportCategory::Billing);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    serde_json::from_slice(&a.body).unwrap()
}

pub(crate) fn status(fx: &Fx, p: &Party) -> StatusBody {
    let nonce = proto::b64(&[fx.clock.now() as u8; 16]);
    let nonce = format!("{nonce}{}", fx.clock.now() % 1000);
    let a = post(
        fx,
        p,
        paths::SUPPORT_STATUS,
        &StatusRequest {
            nonce: nonce.clone(),
        },
    );
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let s: StatusAnswer = serde_json::from_slice(&a.body).unwrap();
    let org =
        proto::parse_public_key(&admin::org_show(&fx.at()).unwrap().0.public_key, "org").unwrap();
    StatusBody::verify(&s.statement, &org, &p.id, &nonce, fx.clock.now()).unwrap()
}

#[derive(Debug)]
pub(crate) enum Msg {
    Ctl(Control),
    Frame(Frame),
    Closed(u16),
}

pub(crate) struct Ws {
    pub(crate) ws: tungstenite::WebSocket<TcpStream>,
    /// Messages read while waiting for another one.
    pub(crate) seen: Vec<Msg>,
}

/// Connects to the relay as `p`, with `extra` headers; the refusal's status and code otherwise.
pub(crate) fn try_connect(fx: &Fx, p: &Party, extra: &[(&str, &str)]) -> Result<Ws, (u16, String)> {
    try_connect_to(fx, addr(fx), p, extra)
}

/// As [`try_connect`], to the desk at `to` (another desk on the same database).
pub(crate) fn try_connect_to(
    fx: &Fx,
    to: std::net::SocketAddr,
    p: &Party,
    extra: &[(&str, &str)],
) -> Result<Ws, (u16, String)> {
    let client = DeskClient::new(&fx.url, &Default::default()).unwrap();
    let prepared = client
        .prepare(
            "GET",
            paths::SUPPORT_WS,
            Vec::new(),
            &p.key,
            Some(&p.cert),
            fx.clock.as_ref(),
        )
        .unwrap();
    let auth = prepared.auth.unwrap();
    let mut req = format!("ws://{}{}", to, paths::SUPPORT_WS)
        .into_client_request()
        .unwrap();
    let h = req.headers_mut();
    h.insert(
        proto::H_TIMESTAMP,
        auth.timestamp.to_string().parse().unwrap(),
    );
    h.insert(proto::H_NONCE, auth.nonce.parse().unwrap());
    h.insert(proto::H_SIGNATURE, auth.signature.parse().unwrap());
    h.insert(proto::H_CERTIFICATE, p.cert.parse().unwrap());
    for (k, v) in extra {
        h.insert(
            tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    let stream = TcpStream::connect(to).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let config = tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(4 * MAX_WS_MESSAGE))
        .max_frame_size(Some(4 * MAX_WS_MESSAGE));
    match tungstenite::client::client_with_config(req, stream, Some(config)) {
        Ok((ws, _)) => {
            // Short reads from now on: `next` polls with its own deadline.
            ws.get_ref()
                .set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            Ok(Ws {
                ws,
                seen: Vec::new(),
            })
        }
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(r))) => {
            let code = r
                .body()
                .as_ref()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                .and_then(|v| v["code"].as_str().map(str::to_owned))
                .unwrap_or_default();
            Err((r.status().as_u16(), code))
        }
        Err(e) => panic!("handshake: {e}"),
    }
}

pub(crate) fn connect(fx: &Fx, p: &Party) -> Ws {
    try_connect(fx, p, &[]).unwrap()
}

impl Ws {
    pub(crate) fn send(&mut self, c: &Control) {
        self.ws
            .send(tungstenite::Message::text(
                serde_json::to_string(c).unwrap(),
            ))
            .unwrap();
    }

    pub(crate) fn send_frame(&mut self, f: &Frame) {
        self.ws
            .send(tungstenite::Message::binary(f.to_cbor().unwrap()))
            .unwrap();
    }

    /// The next message within `wait`, if any.
    pub(crate) fn next(&mut self, wait: Duration) -> Option<Msg> {
        let deadline = Instant::now() + wait;
        loop {
            match self.ws.read() {
                Ok(tungstenite::Message::Text(t)) => {
                    return Some(Msg::Ctl(serde_json::from_str(t.as_str()).unwrap()))
                }
                Ok(tungstenite::Message::Binary(b)) => {
                    return Some(Msg::Frame(Frame::from_cbor(&b).unwrap()))
                }
                Ok(tungstenite::Message::Close(c)) => {
                    return Some(Msg::Closed(c.map_or(0, |c| u16::from(c.code))))
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    if Instant::now() >= deadline {
                        return None;
                    }
                }
                Err(_) => return Some(Msg::Closed(0)),
            }
        }
    }

    /// The first message kept or read that matches (others are kept in `seen`, in order);
    /// fails after 10 s.
    pub(crate) fn until(&mut self, what: &str, f: impl Fn(&Msg) -> bool) -> Msg {
        self.until_for(what, Duration::from_secs(10), f)
    }

    /// As [`Ws::until`], waiting up to `wait`.
    pub(crate) fn until_for(
        &mut self,
        what: &str,
        wait: Duration,
        f: impl Fn(&Msg) -> bool,
    ) -> Msg {
        if let Some(i) = self.seen.iter().position(&f) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if let Some(m) = self.next(Duration::from_millis(200)) {
                if f(&m) {
                    return m;
                }
                self.seen.push(m);
            }
        }
        let l = String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned();
        let tail: Vec<&str> = l
            .lines()
            .filter(|x| x.contains("support") || x.contains("ERROR"))
            .collect();
        eprintln!("{}", tail[tail.len().saturating_sub(30)..].join("\n"));
        panic!("no {what}; seen {:?}", self.seen);
    }

    pub(crate) fn ctl(&mut self, what: &str, f: impl Fn(&Control) -> bool) -> Control {
        match self.until(what, |m| matches!(m, Msg::Ctl(c) if f(c))) {
            Msg::Ctl(c) => c,
            _ => unreachable!(),
        }
    }

    pub(crate) fn error(&mut self, code: &str) {
        self.ctl(
            code,
            |c| matches!(c, Control::Error { code: k, .. } if k == code),
        );
    }

    pub(crate) fn frame(&mut self) -> Frame {
        match self.until("a frame", |m| matches!(m, Msg::Frame(_))) {
            Msg::Frame(f) => f,
            _ => unreachable!(),
        }
    }

    /// Nothing matching arrives within `wait`.
    pub(crate) fn quiet(&mut self, wait: Duration, f: impl Fn(&Msg) -> bool) {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if let Some(m) = self.next(Duration::from_millis(100)) {
                assert!(!f(&m), "unexpected {m:?}");
                self.seen.push(m);
            }
        }
    }

    /// An agent's presence, processed (a refused decline after it is answered in order).
    pub(crate) fn online(&mut self) {
        self.send(&Control::Presence { online: true });
        self.sync();
    }

    /// Waits until the desk has processed what this agent sent so far.
    pub(crate) fn sync(&mut self) {
        self.send(&Control::Decline {
            session_id: "0".repeat(32),
        });
        self.error(codes::ALREADY_TAKEN);
    }

    pub(crate) fn offer(&mut self) -> String {
        match self.ctl("an offer", |c| matches!(c, Control::Offer { .. })) {
            Control::Offer { session_id, .. } => session_id,
            _ => unreachable!(),
        }
    }
}

pub(crate) fn is_offer(m: &Msg) -> bool {
    matches!(m, Msg::Ctl(Control::Offer { .. }))
}

pub(crate) fn frame(
    sid: &str,
    leg: u32,
    dir: Direction,
    kind: FrameKind,
    seq: u64,
    body: &[u8],
) -> Frame {
    Frame {
        v: 1,
        session_id: sid.to_owned(),
        leg,
        dir,
        kind,
        seq,
        body: body.to_vec(),
    }
}

pub(crate) fn stored(c: &Control, leg: u32, hs: u32, tx: u64) -> bool {
    matches!(c, Control::Stored { cursor, .. } if *cursor == Cursor { leg, hs, tx })
}

/// A desk with the audit recipient set, an employee and an agent.
pub(crate) fn setup() -> (Fx, Dev, Party, Party) {
    let fx = Fx::new();
    set_audit(&fx);
    let (dev, e) = employee(&fx, "e100");
    let a = agent(&fx, &profile("Mei Chan", "Accounts", &["zh-HK", "en"], 3));
    (fx, dev, e, a)
}

#[test]
fn a_session_from_open_to_close_with_relay_replay_and_status() {
    let (fx, dev, e, a) = setup();
    assert_eq!(status(&fx, &e).state, SupportState::None);
    let ans = opened(&fx, &dev, &e);
    assert_eq!(ans.position, 1);
    assert_eq!(ans.audit_recipient, AGE);
    assert_eq!(ans.region, "HK");
    let sid = ans.session_id.clone();
    let st = status(&fx, &e);
    assert_eq!(
        (st.state, st.session_id.as_deref()),
        (SupportState::Queued, Some(sid.as_str()))
    );
    // One open session per employee.
    fx.clock.advance(30);
    assert_eq!(
        open(&fx, &dev, &e, SupportCategory::Login).code(),
        codes::SESSION_OPEN
    );

    let mut ew = connect(&fx, &e);
    ew.send(&Control::Join {
        session_id: sid.clone(),
        cursor: Cursor {
            leg: 1,
            hs: 0,
            tx: 0,
        },
    });
    ew.ctl("queued", |c| {
        matches!(c, Control::Queued { position: 1, .. })
    });

    let mut aw = connect(&fx, &a);
    aw.online();
    assert_eq!(aw.offer(), sid);
    aw.send(&Control::Accept {
        session_id: sid.clone(),
    });
    let Control::Assigned {
        leg: 1,
        peer_certificate,
        ..
    } = aw.ctl("assigned", |c| matches!(c, Control::Assigned { .. }))
    else {
        panic!()
    };
    assert_eq!(peer_certificate, e.cert);
    let Control::Assigned {
        leg: 1,
        peer_certificate,
        ..
    } = ew.ctl("assigned", |c| matches!(c, Control::Assigned { .. }))
    else {
        panic!()
    };
    assert_eq!(peer_certificate, a.cert);
    let st = status(&fx, &e);
    assert_eq!(st.state, SupportState::Chatting);
    assert_eq!(st.agent_name.as_deref(), Some("Mei Chan"));
    let fp = proto::AgentCertificate::verify(
        &a.cert,
        &proto::parse_public_key(&st.org_key, "o").unwrap(),
        None,
    )
    .unwrap()
    .fingerprint();
    assert_eq!(st.agent_fingerprint.as_deref(), Some(fp.as_str()));

    // The handshake and a message each way: stored, acknowledged to the sender, relayed.
    let hs0 = frame(&sid, 1, Direction::E2a, FrameKind::Hs, 0, b"-> e");
    ew.send_frame(&hs0);
    ew.ctl("stored hs0", |c| stored(c, 1, 1, 0));
    assert_eq!(aw.frame(), hs0);
    let hs1 = frame(
        &sid,
        1,
        Direction::A2e,
        FrameKind::Hs,
        1,
        b"<- e, ee, s, es",
    );
    aw.send_frame(&hs1);
    aw.ctl("stored hs1", |c| stored(c, 1, 2, 0));
    assert_eq!(ew.frame(), hs1);
    // A transport frame before the handshake is over: out of order.
    aw.send_frame(&frame(&sid, 1, Direction::A2e, FrameKind::Tx, 1, b"early"));
    aw.error(codes::FRAME_INVALID);
    let hs2 = frame(&sid, 1, Direction::E2a, FrameKind::Hs, 2, b"-> s, se");
    ew.send_frame(&hs2);
    ew.ctl("stored hs2", |c| stored(c, 1, 3, 0));
    assert_eq!(aw.frame(), hs2);
    let m1 = frame(&sid, 1, Direction::E2a, FrameKind::Tx, 1, b"hello");
    ew.send_frame(&m1);
    ew.ctl("stored m1", |c| stored(c, 1, 3, 1));
    assert_eq!(aw.frame(), m1);
    aw.send(&Control::Ack {
        session_id: sid.clone(),
        cursor: Cursor {
            leg: 1,
            hs: 3,
            tx: 1,
        },
    });
    ew.ctl("delivered", |c| {
        matches!(
            c,
            Control::Delivered {
                cursor: Cursor { tx: 1, .. },
                ..
            }
        )
    });
    // A duplicate: acknowledged again, not relayed again.
    ew.send_frame(&m1);
    ew.ctl("stored again", |c| stored(c, 1, 3, 1));
    aw.quiet(Duration::from_millis(500), |m| matches!(m, Msg::Frame(_)));
    // A gap, another direction, a frame with other bytes at a stored place.
    ew.send_frame(&frame(&sid, 1, Direction::E2a, FrameKind::Tx, 3, b"gap"));
    ew.error(codes::FRAME_INVALID);
    ew.send_frame(&frame(&sid, 1, Direction::A2e, FrameKind::Tx, 1, b"forged"));
    ew.error(codes::FORBIDDEN);
    ew.send_frame(&frame(&sid, 1, Direction::E2a, FrameKind::Tx, 1, b"other"));
    ew.error(codes::FRAME_INVALID);
    // An employee may not use an agent's controls.
    ew.send(&Control::Accept {
        session_id: sid.clone(),
    });
    ew.error(codes::FORBIDDEN);
    aw.send(&Control::Typing {
        session_id: sid.clone(),
    });
    ew.ctl("typing", |c| matches!(c, Control::PeerTyping { .. }));

    // The employee's app drops; the agent answers meanwhile; the app comes back and joins with
    // its cursor: exactly the missing frames are replayed.
    drop(ew);
    aw.ctl("peer offline", |c| {
        matches!(c, Control::Peer { online: false, .. })
    });
    let r1 = frame(
        &sid,
        1,
        Direction::A2e,
        FrameKind::Tx,
        1,
        b"hi, how can I help?",
    );
    let r2 = frame(&sid, 1, Direction::A2e, FrameKind::Tx, 2, b"are you there?");
    aw.send_frame(&r1);
    aw.ctl("stored r1", |c| stored(c, 1, 2, 1));
    aw.send_frame(&r2);
    aw.ctl("stored r2", |c| stored(c, 1, 2, 2));
    let mut ew = connect(&fx, &e);
    ew.send(&Control::Join {
        session_id: sid.clone(),
        cursor: Cursor {
            leg: 1,
            hs: 2,
            tx: 1,
        },
    });
    ew.ctl("assigned on join", |c| {
        matches!(c, Control::Assigned { leg: 1, .. })
    });
    assert_eq!(ew.frame(), r2);
    ew.quiet(Duration::from_millis(500), |m| matches!(m, Msg::Frame(_)));
    aw.ctl("peer online", |c| {
        matches!(c, Control::Peer { online: true, .. })
    });

    // A call: the status says calling.
    let call = "0123456789abcdef0123456789abcdef".to_owned();
    aw.send(&Control::Call {
        session_id: sid.clone(),
        call_id: Some(call.clone()),
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    let st = loop {
        let st = status(&fx, &e);
        if st.state == SupportState::Calling || Instant::now() > deadline {
            break st;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        (st.state, st.call_id.as_deref()),
        (SupportState::Calling, Some(call.as_str()))
    );

    aw.send(&Control::Close {
        session_id: sid.clone(),
        outcome: Outcome::Resolved,
    });
    ew.ctl("closed", |c| {
        matches!(
            c,
            Control::Closed {
                outcome: Outcome::Resolved,
                ..
            }
        )
    });
    aw.ctl("closed", |c| matches!(c, Control::Closed { .. }));
    assert_eq!(status(&fx, &e).state, SupportState::None);
    // Frames after the close are refused.
    aw.send_frame(&frame(&sid, 1, Direction::A2e, FrameKind::Tx, 3, b"late"));
    aw.error(codes::SESSION_CLOSED);

    let store = fx.store();
    let s = store.support_session(&sid).unwrap().unwrap();
    assert_eq!((s.frames, s.outcome.as_deref()), (6, Some("resolved")));
    let ops = verity_desk::store::ConsoleStore::ops_after(&*store, 0, 1000).unwrap();
    for action in [
        "support.open",
        "support.offer",
        "support.accept",
        "support.call",
        "support.close",
        "support.presence",
    ] {
        assert!(ops.iter().any(|o| o.action == action), "{action} logged");
    }
}

#[test]
fn a_new_leg_after_an_app_restart() {
    let (fx, dev, e, a) = setup();
    let sid = opened(&fx, &dev, &e).session_id;
    let mut aw = connect(&fx, &a);
    aw.online();
    aw.offer();
    aw.send(&Control::Accept {
        session_id: sid.clone(),
    });
    aw.ctl("assigned", |c| {
        matches!(c, Control::Assigned { leg: 1, .. })
    });
    let mut ew = connect(&fx, &e);
    ew.send_frame(&frame(&sid, 1, Direction::E2a, FrameKind::Hs, 0, b"e"));
    ew.ctl("stored", |c| stored(c, 1, 1, 0));
    // Leg 3 is not next; leg 2 starts only with the employee's first handshake message.
    ew.send_frame(&frame(&sid, 3, Direction::E2a, FrameKind::Hs, 0, b"e"));
    ew.error(codes::FRAME_INVALID);
    ew.send_frame(&frame(&sid, 2, Direction::E2a, FrameKind::Tx, 1, b"x"));
    ew.error(codes::FRAME_INVALID);
    ew.send_frame(&frame(&sid, 2, Direction::E2a, FrameKind::Hs, 0, b"e2"));
    ew.ctl("stored leg 2", |c| stored(c, 2, 1, 0));
    ew.ctl("assigned leg 2", |c| {
        matches!(c, Control::Assigned { leg: 2, .. })
    });
    aw.ctl("assigned leg 2", |c| {
        matches!(c, Control::Assigned { leg: 2, .. })
    });
    assert_eq!(aw.frame().leg, 1);
    assert_eq!(aw.frame().leg, 2);
    // Thirty minutes without a frame: the desk closes it.
    fx.clock.advance(proto::IDLE_SECS);
    ew.ctl("idle", |c| {
        matches!(
            c,
            Control::Closed {
                outcome: Outcome::Expired,
                ..
            }
        )
    });
}

#[test]
fn capacity_is_respected_and_of_two_accepts_exactly_one_wins() {
    let fx = Fx::new();
    set_audit(&fx);
    let (d1, e1) = employee(&fx, "e1");
    let (d2, e2) = employee(&fx, "e2");
    let a1 = agent(&fx, &profile("One", "Accounts", &["zh-HK"], 1));
    let mut w1 = connect(&fx, &a1);
    w1.online();
    let s1 = opened(&fx, &d1, &e1).session_id;
    assert_eq!(w1.offer(), s1);
    // A second session: the agent is at capacity (the offer counts), so it waits.
    let s2 = opened(&fx, &d2, &e2);
    assert_eq!(s2.position, 2);
    w1.quiet(Duration::from_millis(1500), is_offer);

    // Two agents race for the offered session: exactly one wins.
    let a2 = agent(&fx, &profile("Two", "Accounts", &["zh-HK"], 1));
    let mut w2 = connect(&fx, &a2);
    w1.send(&Control::Accept {
        session_id: s1.clone(),
    });
    w2.send(&Control::Accept {
        session_id: s1.clone(),
    });
    w1.ctl("assigned", |c| matches!(c, Control::Assigned { .. }));
    w2.error(codes::ALREADY_TAKEN);
    // The second agent, now online, gets the second session; the first stays at capacity.
    w2.online();
    assert_eq!(w2.offer(), s2.session_id);
    w1.quiet(Duration::from_millis(1200), is_offer);
}

#[test]
fn an_offer_that_lapses_or_is_declined_moves_to_the_next_agent() {
    let fx = Fx::new();
    set_audit(&fx);
    let (d, e) = employee(&fx, "e1");
    let a1 = agent(&fx, &profile("One", "Accounts", &["zh-HK"], 2));
    let a2 = agent(&fx, &profile("Two", "Accounts", &["zh-HK"], 2));
    let mut w1 = connect(&fx, &a1);
    let mut w2 = connect(&fx, &a2);
    w1.online();
    fx.clock.advance(1);
    w2.online();
    let sid = opened(&fx, &d, &e).session_id;
    // Ties go to the longest idle: the first agent came online first.
    assert_eq!(w1.offer(), sid);
    w2.quiet(Duration::from_millis(300), is_offer);
    fx.clock.advance(proto::OFFER_SECS + 1);
    w1.ctl("withdrawn", |c| matches!(c, Control::OfferWithdrawn { .. }));
    assert_eq!(w2.offer(), sid);
    // A lapsed offer cannot be accepted any more.
    w1.send(&Control::Accept {
        session_id: sid.clone(),
    });
    w1.error(codes::ALREADY_TAKEN);
    w2.send(&Control::Decline {
        session_id: sid.clone(),
    });
    // Both let it go: it waits (no eligible agent left for it).
    w1.quiet(Duration::from_millis(1200), is_offer);
    let store = fx.store();
    let s = store.support_session(&sid).unwrap().unwrap();
    assert_eq!(s.state, verity_desk::support::store::SessionState::Queued);
    let ops = verity_desk::store::ConsoleStore::ops_after(&*store, 0, 1000).unwrap();
    assert!(ops.iter().any(|o| o.action == "support.offer_timeout"));
    assert!(ops.iter().any(|o| o.action == "support.decline"));
}

#[test]
fn a_dropped_agents_session_returns_to_the_head_of_the_queue_after_the_grace() {
    let fx = Fx::new();
    set_audit(&fx);
    let (d1, e1) = employee(&fx, "e1");
    let (d2, e2) = employee(&fx, "e2");
    let a1 = agent(&fx, &profile("One", "Accounts", &["zh-HK"], 1));
    let mut w1 = connect(&fx, &a1);
    w1.online();
    let s1 = opened(&fx, &d1, &e1).session_id;
    w1.offer();
    w1.send(&Control::Accept {
        session_id: s1.clone(),
    });
    w1.ctl("assigned", |c| matches!(c, Control::Assigned { .. }));
    fx.clock.advance(5);
    let s2 = opened(&fx, &d2, &e2).session_id;
    let mut ew = connect(&fx, &e1);
    ew.send(&Control::Join {
        session_id: s1.clone(),
        cursor: Cursor {
            leg: 1,
            hs: 0,
            tx: 0,
        },
    });
    ew.ctl("assigned", |c| matches!(c, Control::Assigned { .. }));
    drop(w1);
    ew.ctl("agent dropped", |c| {
        matches!(c, Control::Peer { online: false, .. })
    });
    // Within the grace the session stays the agent's.
    fx.clock.advance(proto::DROP_GRACE_SECS - 10);
    std::thread::sleep(Duration::from_millis(1300));
    let store = fx.store();
    assert_eq!(
        store
            .support_session(&s1)
            .unwrap()
            .unwrap()
            .agent_id
            .as_deref(),
        Some(a1.id.as_str())
    );
    fx.clock.advance(11);
    // Back in the queue, ahead of the session that waited longer.
    ew.ctl("queued first", |c| {
        matches!(c, Control::Queued { position: 1, .. })
    });
    let a2 = agent(&fx, &profile("Two", "Accounts", &["zh-HK"], 1));
    let mut w2 = connect(&fx, &a2);
    w2.online();
    assert_eq!(w2.offer(), s1);
    let live = store.live_sessions().unwrap();
    assert_eq!(
        live.iter()
            .map(|s| s.session_id.as_str())
            .collect::<Vec<_>>(),
        [s1.as_str(), s2.as_str()]
    );
}

#[test]
fn rules_route_by_team_region_and_language_and_without_an_agent_a_session_waits() {
    let fx = Fx::new();
    set_audit(&fx);
    let store = fx.store();
    store.add_route("billing", "HK", "*", "Billing").unwrap();
    let (d1, e1) = employee(&fx, "e1");
    let accounts = agent(&fx, &profile("Acc", "Accounts", &["zh-HK"], 3));
    let english = agent(&fx, &profile("Eng", "Billing", &["en"], 3));
    let mut wa = connect(&fx, &accounts);
    let mut we = connect(&fx, &english);
    wa.online();
    we.online();
    let sid = opened(&fx, &d1, &e1).session_id;
    assert_eq!(
        store
            .support_session(&sid)
            .unwrap()
            .unwrap()
            .team
            .as_deref(),
        Some("Billing")
    );
    // Wrong team, wrong language: no offer; the session waits.
    wa.quiet(Duration::from_millis(1300), is_offer);
    we.quiet(Duration::from_millis(100), is_offer);
    let billing = agent(&fx, &profile("Bill", "Billing", &["zh-HK"], 3));
    let mut wb = connect(&fx, &billing);
    wb.online();
    assert_eq!(wb.offer(), sid);
    // Accepted, then transferred to Accounts: the Accounts agent is offered it.
    wb.send(&Control::Accept {
        session_id: sid.clone(),
    });
    wb.ctl("assigned", |c| matches!(c, Control::Assigned { .. }));
    wb.send(&Control::Transfer {
        session_id: sid.clone(),
        team: "Accounts".into(),
    });
    assert_eq!(wa.offer(), sid);
    assert_eq!(
        store
            .support_session(&sid)
            .unwrap()
            .unwrap()
            .team
            .as_deref(),
        Some("Accounts")
    );
    // The wait deadline's alert at 80 %, then expiry at 10 minutes. The session's team's
    // supervisors online are told at once (not another team's; none is offered it: they serve
    // another language).
    let mut sup = profile("Sup", "Billing", &["ar"], 1);
    sup.role = AgentRole::Supervisor;
    let mut other_sup = profile("Sup2", "Accounts", &["ar"], 1);
    other_sup.role = AgentRole::Supervisor;
    let (sup, other_sup) = (agent(&fx, &sup), agent(&fx, &other_sup));
    let (mut ws, mut wo) = (connect(&fx, &sup), connect(&fx, &other_sup));
    ws.online();
    wo.online();
    let (d2, e2) = employee(&fx, "e2");
    let s2 = opened(&fx, &d2, &e2).session_id;
    // Eight minutes pass; the supervisors' apps keep their heartbeats.
    // (30 s steps: a heartbeat more than 45 s old would make them away; at most 5 messages a
    // second per connection.)
    for _ in 0..16 {
        fx.clock.advance(30);
        for w in [&mut ws, &mut wo] {
            w.send(&Control::Heartbeat {});
        }
        std::thread::sleep(Duration::from_millis(210));
    }
    let mut ew = connect(&fx, &e2);
    let alert = ws.ctl(
        "a supervisor alert",
        |c| matches!(c, Control::SupervisorAlert { session_id, .. } if *session_id == s2),
    );
    assert!(
        matches!(&alert, Control::SupervisorAlert { session_id, kind, .. } if *session_id == s2 && kind == "wait"),
        "{alert:?}"
    );
    // The other team's supervisor hears of its own team's session (the first, transferred to
    // Accounts, waits too), never of this one.
    wo.quiet(
        Duration::from_millis(300),
        |m| matches!(m, Msg::Ctl(Control::SupervisorAlert { session_id, .. }) if *session_id == s2),
    );
    assert!(store
        .alerts(10)
        .unwrap()
        .iter()
        .any(|a| a.session_id == s2 && a.kind == "wait"));
    fx.clock.advance(2 * 60);
    ew.ctl("expired", |c| {
        matches!(
            c,
            Control::Closed {
                outcome: Outcome::Expired,
                ..
            }
        )
    });
}

#[test]
fn refusals() {
    let (fx, dev, e, a) = setup();
    // Origin: a web page cannot open the relay; the desk's own origin may.
    assert_eq!(
        try_connect(&fx, &e, &[("origin", "https://evil.example")]).err(),
        Some((403, codes::ORIGIN_REFUSED.to_owned()))
    );
    assert!(try_connect(&fx, &e, &[("origin", fx.url.as_str())]).is_ok());
    // An agent cannot open a session, nor read a status.
    assert_eq!(
        open(&fx, &dev, &a, SupportCategory::Login).code(),
        codes::FORBIDDEN
    );
    // Oversized: the desk closes the socket.
    let mut w = connect(&fx, &e);
    w.ws.send(tungstenite::Message::binary(vec![0u8; MAX_WS_MESSAGE + 1]))
        .unwrap();
    assert!(matches!(
        w.until("closed", |m| matches!(m, Msg::Closed(_))),
        Msg::Closed(_)
    ));
    // Rate: a burst of 20, then `rate_limited` and close 1008.
    let mut w = connect(&fx, &e);
    for _ in 0..30 {
        let _ = w.ws.send(tungstenite::Message::text(
            r#"{"t":"typing","session_id":"x"}"#,
        ));
    }
    w.error(codes::RATE_LIMITED);
    assert!(matches!(
        w.until("closed", |m| matches!(m, Msg::Closed(_))),
        Msg::Closed(1008)
    ));
    // A revoked agent is refused at the upgrade.
    admin::revoke_agent(&fx.at(), &a.id, "left", fx.clock.as_ref()).unwrap();
    assert_eq!(
        try_connect(&fx, &a, &[]).err(),
        Some((403, codes::AGENT_REVOKED.to_owned()))
    );
    // No audit key: no session.
    fx.store().set_audit_recipient(None, 0).unwrap();
    assert_eq!(
        open(&fx, &dev, &e, SupportCategory::Login).code(),
        codes::NO_AUDIT_KEY
    );
}

#[test]
fn an_expired_certificate_is_refused() {
    let fx = Fx::with(DeskConfig {
        cert_ttl_secs: 600,
        ..DeskConfig::default()
    });
    set_audit(&fx);
    let (_d, e) = employee(&fx, "e1");
    let a = agent(&fx, &profile("One", "Accounts", &["zh-HK"], 1));
    fx.clock.advance(601);
    assert_eq!(
        try_connect(&fx, &e, &[]).err(),
        Some((401, codes::CERTIFICATE_EXPIRED.to_owned()))
    );
    assert_eq!(
        try_connect(&fx, &a, &[]).err(),
        Some((401, codes::CERTIFICATE_EXPIRED.to_owned()))
    );
}

#[test]
fn a_transcript_once_per_side_from_a_party_only() {
    let (fx, dev, e, a) = setup();
    let sid = opened(&fx, &dev, &e).session_id;
    let mut aw = connect(&fx, &a);
    aw.online();
    aw.offer();
    aw.send(&Control::Accept {
        session_id: sid.clone(),
    });
    aw.ctl("assigned", |c| matches!(c, Control::Assigned { .. }));
    let up = |by: Direction| proto::TranscriptUpload {
        session_id: sid.clone(),
        sealed_by: by,
        sealed: proto::b64(&[7u8; 200_000]),
    };
    let r = post(&fx, &e, paths::SUPPORT_TRANSCRIPT, &up(Direction::A2e));
    assert_eq!(r.code(), codes::FORBIDDEN);
    let r = post(&fx, &e, paths::SUPPORT_TRANSCRIPT, &up(Direction::E2a));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = post(&fx, &e, paths::SUPPORT_TRANSCRIPT, &up(Direction::E2a));
    assert_eq!(r.code(), codes::TRANSCRIPT_EXISTS);
    let r = post(&fx, &a, paths::SUPPORT_TRANSCRIPT, &up(Direction::A2e));
    assert_eq!(r.status, 200);
    let store = fx.store();
    assert_eq!(
        store.transcript(&sid, "a2e").unwrap().unwrap().len(),
        200_000
    );
}

#[test]
fn silent_agents_are_away_first_responses_are_due_and_revocation_bites_open_sockets() {
    let (fx, dev, e, a) = setup();
    let sid = opened(&fx, &dev, &e).session_id;
    let mut aw = connect(&fx, &a);
    aw.online();
    aw.offer();
    aw.send(&Control::Accept {
        session_id: sid.clone(),
    });
    aw.ctl("assigned", |c| matches!(c, Control::Assigned { .. }));
    aw.ctl("queue view", |c| {
        matches!(
            c,
            Control::QueueView {
                waiting: 0,
                mine: 1
            }
        )
    });
    let store = fx.store();
    // No first message by 80 % of the 2 minutes: a supervisor alert, once. The agent's app
    // keeps beating meanwhile (each heartbeat processed before the clock moves on).
    let beat = |aw: &mut Ws| {
        aw.send(&Control::Heartbeat {});
        aw.send(&Control::Decline {
            session_id: "0".repeat(32),
        });
        aw.error(codes::ALREADY_TAKEN);
    };
    for step in [30, 30, 30, 7] {
        fx.clock.advance(step);
        beat(&mut aw);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while !store
        .alerts(10)
        .unwrap()
        .iter()
        .any(|x| x.kind == "first_response")
    {
        assert!(Instant::now() < deadline, "no first-response alert");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(store.alerts(10).unwrap().len(), 1);
    // No heartbeat for 45 s: away (dropped), though the socket is open; the grace, then the queue.
    let p = store.presences().unwrap();
    assert!(p[0].online);
    let mut ew = connect(&fx, &e);
    fx.clock.advance(proto::AWAY_AFTER_SECS);
    std::thread::sleep(Duration::from_millis(1300));
    assert!(
        store.presences().unwrap()[0].online,
        "a heartbeat 45 s old is still fresh"
    );
    fx.clock.advance(2);
    let deadline = Instant::now() + Duration::from_secs(5);
    while store.presences().unwrap()[0].online {
        assert!(Instant::now() < deadline, "still online");
        std::thread::sleep(Duration::from_millis(100));
    }
    fx.clock.advance(proto::DROP_GRACE_SECS);
    ew.ctl("requeued", |c| {
        matches!(c, Control::Queued { position: 1, .. })
    });
    let ops = verity_desk::store::ConsoleStore::ops_after(&*store, 0, 1000).unwrap();
    assert!(ops.iter().any(|o| o.action == "support.requeue"));
    assert!(ops.iter().any(|o| o.action == "support.alert"));
    // Revoked while connected: refused from then on.
    admin::revoke_agent(&fx.at(), &a.id, "left", fx.clock.as_ref()).unwrap();
    aw.send(&Control::Heartbeat {});
    aw.error(codes::AGENT_REVOKED);
}

#[test]
fn a_socket_outlives_the_connection_age_cap() {
    let fx = Fx::with_options(
        DeskConfig::default(),
        ServeOptions {
            max_connection_age: Duration::from_millis(500),
            ..ServeOptions::default()
        },
    );
    set_audit(&fx);
    let (dev, e) = employee(&fx, "e1");
    let sid = opened(&fx, &dev, &e).session_id;
    let mut ew = connect(&fx, &e);
    std::thread::sleep(Duration::from_secs(2));
    ew.send(&Control::Join {
        session_id: sid,
        cursor: Cursor {
            leg: 1,
            hs: 0,
            tx: 0,
        },
    });
    ew.ctl("queued", |c| {
        matches!(c, Control::Queued { position: 1, .. })
    });
}
