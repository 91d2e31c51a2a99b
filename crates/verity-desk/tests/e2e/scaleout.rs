//! Several desks on one PostgreSQL database (issue 17 §2): the two ends of a session on
//! different desks, news between them as LISTEN/NOTIFY hints, and nothing lost when a hint is:
//! a desk that stops publishing (its frames reach the other side by the connection's catch-up),
//! a listener whose connection is cut (its sockets resync and `Join`). On SQLite these tests are
//! skipped: one desk serves an embedded database (a second `serve` is refused, `tests/cli.rs`).

#![allow(clippy::panic)]

use super::support::*;
use super::*;
use std::time::Duration;
use verity_device::proto::{Control, Cursor, Direction, FrameKind, Outcome, SupportState};

/// A second desk on the fixture's database, answering for the same public URL (as two desks
/// behind one load balancer do).
pub(crate) struct Second {
    pub(crate) desk: Arc<verity_desk::Desk>,
    bg: Option<BackgroundDesk>,
}

impl Second {
    pub(crate) fn start(fx: &Fx) -> Second {
        let desk = Arc::new(
            admin::open_desk(
                &fx.at(),
                Some(b"org passphrase"),
                fx.clock.clone(),
                DeskConfig::default(),
            )
            .unwrap(),
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let bg = BackgroundDesk::start_on(
            desk.clone(),
            listener,
            None,
            ServeOptions {
                public_url: Some(fx.url.clone()),
                ..ServeOptions::default()
            },
        )
        .unwrap();
        Second { desk, bg: Some(bg) }
    }

    pub(crate) fn addr(&self) -> std::net::SocketAddr {
        self.bg.as_ref().unwrap().addr()
    }
}

impl Drop for Second {
    fn drop(&mut self) {
        if let Some(bg) = self.bg.take() {
            bg.stop().unwrap();
        }
    }
}

fn skip() -> bool {
    if on_postgres() {
        return false;
    }
    eprintln!("skipped on SQLite: several desks need PostgreSQL");
    true
}

/// The employee on the fixture's desk (A), the agent on `b`: offered, accepted, assigned.
fn assigned_across(fx: &Fx, b: &Second) -> (Dev, Party, Party, Ws, Ws, String) {
    set_audit(fx);
    let (dev, e) = employee(fx, "e100");
    let a = agent(fx, &profile("Mei Chan", "Accounts", &["zh-HK", "en"], 3));
    let mut aw = try_connect_to(fx, b.addr(), &a, &[]).unwrap();
    aw.online();
    let mut ew = connect(fx, &e);
    // Opened through A: A's drain offers it; the offer reaches the agent on B.
    let sid = opened(fx, &dev, &e).session_id;
    assert_eq!(aw.offer(), sid);
    aw.send(&Control::Accept {
        session_id: sid.clone(),
    });
    aw.ctl(
        "assigned",
        |c| matches!(c, Control::Assigned { session_id, .. } if *session_id == sid),
    );
    // Told on A, by B's news.
    ew.ctl(
        "assigned",
        |c| matches!(c, Control::Assigned { session_id, .. } if *session_id == sid),
    );
    ew.ctl("peer online", |c| {
        matches!(c, Control::Peer { online: true, .. })
    });
    (dev, e, a, ew, aw, sid)
}

/// The handshake, across the two desks.
fn handshake(ew: &mut Ws, aw: &mut Ws, sid: &str) {
    ew.send_frame(&frame(sid, 1, Direction::E2a, FrameKind::Hs, 0, b"e"));
    assert_eq!(aw.frame().seq, 0);
    aw.send_frame(&frame(
        sid,
        1,
        Direction::A2e,
        FrameKind::Hs,
        1,
        b"e, ee, s, es",
    ));
    assert_eq!(ew.frame().seq, 1);
    ew.send_frame(&frame(sid, 1, Direction::E2a, FrameKind::Hs, 2, b"s, se"));
    let f = aw.frame();
    assert_eq!((f.kind, f.seq), (FrameKind::Hs, 2));
}

#[test]
fn two_desks_carry_one_session_between_them() {
    if skip() {
        return;
    }
    let fx = Fx::new();
    let b = Second::start(&fx);
    let (_dev, _e, a, mut ew, mut aw, sid) = assigned_across(&fx, &b);
    handshake(&mut ew, &mut aw, &sid);
    // Transport both ways, in order, each frame once.
    for i in 1..=5u64 {
        ew.send_frame(&frame(&sid, 1, Direction::E2a, FrameKind::Tx, i, b"hi"));
        ew.ctl("stored", |c| stored(c, 1, 3, i));
        aw.send_frame(&frame(&sid, 1, Direction::A2e, FrameKind::Tx, i, b"yes"));
    }
    for i in 1..=5u64 {
        let f = aw.frame();
        assert_eq!((f.kind, f.seq, f.dir), (FrameKind::Tx, i, Direction::E2a));
        let f = ew.frame();
        assert_eq!((f.kind, f.seq, f.dir), (FrameKind::Tx, i, Direction::A2e));
    }
    aw.quiet(Duration::from_secs(1), |m| matches!(m, Msg::Frame(_)));
    ew.quiet(Duration::from_millis(200), |m| matches!(m, Msg::Frame(_)));
    // Controls cross too: typing and delivery.
    ew.send(&Control::Typing {
        session_id: sid.clone(),
    });
    aw.ctl("typing", |c| matches!(c, Control::PeerTyping { .. }));
    aw.send(&Control::Ack {
        session_id: sid.clone(),
        cursor: Cursor {
            leg: 1,
            hs: 3,
            tx: 5,
        },
    });
    ew.ctl(
        "delivered",
        |c| matches!(c, Control::Delivered { cursor, .. } if cursor.tx == 5),
    );
    // A Join on A sees the agent online on B.
    ew.send(&Control::Join {
        session_id: sid.clone(),
        cursor: Cursor {
            leg: 1,
            hs: 2,
            tx: 5,
        },
    });
    ew.ctl("peer online", |c| {
        matches!(c, Control::Peer { online: true, .. })
    });
    // The agent leaves B: the employee on A hears of it.
    drop(aw);
    ew.ctl("peer offline", |c| {
        matches!(c, Control::Peer { online: false, .. })
    });
    // And comes back on A itself: the session goes on, closed by the agent.
    let mut aw = connect(&fx, &a);
    aw.send(&Control::Join {
        session_id: sid.clone(),
        cursor: Cursor {
            leg: 1,
            hs: 3,
            tx: 5,
        },
    });
    aw.ctl(
        "assigned",
        |c| matches!(c, Control::Assigned { session_id, .. } if *session_id == sid),
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
    assert_eq!(
        fx.store().support_session(&sid).unwrap().unwrap().state,
        verity_desk::support::store::SessionState::Closed
    );
}

#[test]
fn a_desk_that_stops_publishing_loses_nothing_the_catch_up_reads_it() {
    if skip() {
        return;
    }
    let fx = Fx::new();
    let b = Second::start(&fx);
    // This time the employee is on B and the agent on A.
    set_audit(&fx);
    let (dev, e) = employee(&fx, "e100");
    let a = agent(&fx, &profile("Mei Chan", "Accounts", &["zh-HK", "en"], 3));
    let mut aw = connect(&fx, &a);
    aw.online();
    let mut ew = try_connect_to(&fx, b.addr(), &e, &[]).unwrap();
    let sid = opened(&fx, &dev, &e).session_id;
    assert_eq!(aw.offer(), sid);
    aw.send(&Control::Accept {
        session_id: sid.clone(),
    });
    ew.ctl("assigned", |c| matches!(c, Control::Assigned { .. }));
    handshake(&mut ew, &mut aw, &sid);
    // B's news stops: its frames are stored but no hint leaves it.
    let d = b.desk.clone();
    std::thread::spawn(move || d.stop_fanout()).join().unwrap();
    ew.send_frame(&frame(
        &sid,
        1,
        Direction::E2a,
        FrameKind::Tx,
        1,
        b"still there?",
    ));
    ew.ctl("stored", |c| stored(c, 1, 3, 1));
    // The agent's connection reads it from the store once its desk's sweep has seen it (every
    // 2 s) and its next catch-up (every 5 s) comes: within about 7 s, once.
    let Msg::Frame(f) = aw.until_for("the frame, caught up", Duration::from_secs(20), |m| {
        matches!(m, Msg::Frame(_))
    }) else {
        unreachable!()
    };
    assert_eq!(
        (f.kind, f.seq, f.body.as_slice()),
        (FrameKind::Tx, 1, &b"still there?"[..])
    );
    aw.quiet(Duration::from_secs(6), |m| matches!(m, Msg::Frame(_)));
}

#[test]
fn a_listener_cut_off_resyncs_its_sockets_and_their_join_reads_what_was_missed() {
    if skip() {
        return;
    }
    let fx = Fx::new();
    let b = Second::start(&fx);
    let (_dev, _e, a, mut ew, mut aw, sid) = assigned_across(&fx, &b);
    handshake(&mut ew, &mut aw, &sid);
    // Cut B's listening connection, and send while it is gone.
    let listener = format!("verity-desk-listen-{}", b.desk.fanout_id().unwrap());
    let mut pg = postgres::Client::connect(fx.db.as_deref().unwrap(), postgres::NoTls).unwrap();
    let cut = pg
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1",
            &[&listener],
        )
        .unwrap();
    assert_eq!(cut.len(), 1, "B's listener");
    ew.send_frame(&frame(
        &sid,
        1,
        Direction::E2a,
        FrameKind::Tx,
        1,
        b"are you there",
    ));
    ew.ctl("stored", |c| stored(c, 1, 3, 1));
    // The agent gets the frame: directly if B was listening again in time, else after the
    // resync its Join replays it. Exactly once either way.
    let mut got = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline && got.is_empty() {
        match aw.next(Duration::from_millis(200)) {
            Some(Msg::Frame(f)) => got.push(f.seq),
            Some(Msg::Closed(code)) => {
                assert_eq!(code, verity_desk::support::RESYNC_CODE);
                aw = try_connect_to(&fx, b.addr(), &a, &[]).unwrap();
                aw.send(&Control::Join {
                    session_id: sid.clone(),
                    cursor: Cursor {
                        leg: 1,
                        hs: 3,
                        tx: 0,
                    },
                });
            }
            _ => {}
        }
    }
    assert_eq!(got, vec![1]);
    aw.quiet(Duration::from_secs(6), |m| matches!(m, Msg::Frame(_)));
    assert_eq!(status(&fx, &_e).state, SupportState::Chatting);
}

#[test]
fn desks_draining_one_queue_offer_an_agent_no_more_than_its_capacity() {
    if skip() {
        return;
    }
    let fx = Fx::new();
    let b = Second::start(&fx);
    set_audit(&fx);
    let a = agent(&fx, &profile("Mei Chan", "Accounts", &["zh-HK"], 1));
    let mut aw = try_connect_to(&fx, b.addr(), &a, &[]).unwrap();
    aw.online();
    let (d1, e1) = employee(&fx, "e100");
    let (d2, e2) = employee(&fx, "e200");
    // Two employees open at once, one through each desk: each desk drains the queue.
    let open_at = |to: std::net::SocketAddr, dev: &Dev, p: &Party| {
        let a = post_to(
            &fx,
            to,
            p,
            paths::SUPPORT_OPEN,
            &verity_device::proto::OpenRequest {
                category: verity_device::proto::SupportCategory::Billing,
                language: "zh-HK".into(),
                totp: dev.code_now(&fx.clock),
                signals: dev.ctx.signals.clone(),
            },
        );
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    };
    std::thread::scope(|s| {
        s.spawn(|| open_at(super::support::addr(&fx), &d1, &e1));
        s.spawn(|| open_at(b.addr(), &d2, &e2));
    });
    let first = aw.offer();
    // Capacity 1: one offer, whichever desk made it; the sweeps of both desks make no other.
    aw.quiet(Duration::from_secs(3), is_offer);
    aw.send(&Control::Accept {
        session_id: first.clone(),
    });
    aw.ctl(
        "assigned",
        |c| matches!(c, Control::Assigned { session_id, .. } if *session_id == first),
    );
    aw.quiet(Duration::from_secs(2), is_offer);
    // The first closes: the second is offered.
    aw.send(&Control::Close {
        session_id: first.clone(),
        outcome: Outcome::Resolved,
    });
    let second = aw.offer();
    assert_ne!(second, first);
}
