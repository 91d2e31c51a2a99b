//! The bus between the desks serving one PostgreSQL database: news of the support sessions as
//! LISTEN/NOTIFY hints, and which parties are connected to which desk.
//!
//! The stored rows are the truth; a notification is only a hint ([`crate::support`]). Each desk:
//! - **publishes** from a thread of its own with a connection of its own (a request never waits
//!   on it): what it queued is packed into as few `pg_notify` payloads as fit under PostgreSQL's
//!   8,000 bytes ([`MAX_PAYLOAD`]); a control too large for one is sent as "resync this party"
//!   (its apps reconnect and `Join`); a frame of up to [`INLINE_FRAME`] bytes travels whole
//!   (it was stored before it was published, so a desk hands it on as it would its own), a
//!   larger one as "read this session's frames";
//! - **listens** on [`CHANNEL`] from another thread and connection, handing what the other desks
//!   published to its hub. A notification is lost when that connection breaks (sqlx #447, #1102),
//!   so after reconnecting the desk closes every live socket with the resync code: the apps
//!   reconnect, `Join` with their cursors and read the truth from the store. If the publishing
//!   queue overflows or its connection fails, the other desks are told to do the same;
//! - **beats** every [`BEAT_SECS`] in `desk_instances`, and counts its live connections per party
//!   in `support_links`, so that "is the other side online?" is right across desks. A desk not
//!   seen for [`ALIVE_SECS`] no longer counts (killed); after [`DEAD_AFTER_SECS`] its rows go.
//!
//! Times are the database server's (`clock_timestamp()`), so desks with skewed clocks agree.

use super::db;
use crate::store::StoreError;
use crate::support::relay::FramePlace;
use crate::support::{Bus, Hub, Out};
use postgres::{Client, Config, NoTls};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The notification channel.
pub const CHANNEL: &str = "verity_support";
/// The largest payload sent (PostgreSQL refuses 8,000 bytes and more).
pub const MAX_PAYLOAD: usize = 7_900;
/// The largest frame carried whole in a note (base64: about a third more); a larger one is a
/// hint, read from the store by the connections that follow its session.
pub const INLINE_FRAME: usize = 2_048;
/// News queued for publishing at most; past it news is dropped and the other desks resync.
pub const QUEUE: usize = 65_536;
/// How often a desk records that it is alive.
pub const BEAT_SECS: u64 = 5;
/// A desk not seen for this long does not count as holding connections.
pub const ALIVE_SECS: i64 = 15;
/// A desk not seen for this long is forgotten, with its connections.
pub const DEAD_AFTER_SECS: i64 = 60;

/// The migration: desks alive and their connections.
pub(super) const MIGRATION: &str = r"
CREATE TABLE desk_instances (
    instance TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE TABLE support_links (
    party TEXT NOT NULL,
    instance TEXT NOT NULL REFERENCES desk_instances(instance) ON DELETE CASCADE,
    conns INTEGER NOT NULL,
    PRIMARY KEY (party, instance)
);
CREATE INDEX support_links_by_instance ON support_links (instance);
";

const NOW: &str = "extract(epoch from clock_timestamp())::bigint";

/// One piece of news for the other desks.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
struct Note {
    /// The party (hub key).
    k: String,
    /// A control's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    t: Option<String>,
    /// A session whose frames to read (or whose frame `f` is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<String>,
    /// The frame itself, when small enough ([`INLINE_FRAME`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    f: Option<WholeFrame>,
    /// Resync the party's connections.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    r: bool,
}

/// A stored frame carried whole: its place and its CBOR bytes in base64.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
struct WholeFrame {
    l: u32,
    h: bool,
    q: u64,
    b: String,
}

/// A payload: its publisher and its news (or `all`: every connection resyncs).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Payload {
    o: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    all: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    n: Vec<Note>,
}

struct Shared {
    instance: String,
    config: Config,
    hub: Arc<Hub>,
    stop: AtomicBool,
    /// News was dropped: tell the others to resync once publishing works again.
    lost: AtomicBool,
    /// For [`Bus::link`] and [`Bus::connected_elsewhere`] (request threads).
    client: Mutex<Option<Client>>,
}

/// The PostgreSQL bus ([`Bus`]).
pub struct PgBus {
    shared: Arc<Shared>,
    tx: Mutex<Option<SyncSender<Note>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for PgBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBus")
            .field("instance", &self.shared.instance)
            .finish_non_exhaustive()
    }
}

/// A connection of the bus's own, named `role` and the desk's id in `pg_stat_activity`.
fn connect(config: &Config, role: &str, instance: &str) -> Result<Client, StoreError> {
    let mut config = config.clone();
    config.application_name(&format!("verity-desk-{role}-{instance}"));
    config
        .connect(NoTls)
        .map_err(|e| StoreError::Db(format!("the desks' bus cannot connect: {}", db(e))))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Records that `instance` is alive; re-counts its connections from `hub` when the other desks
/// had forgotten it (it was not seen for [`DEAD_AFTER_SECS`], a pause or a partition).
fn beat(client: &mut Client, instance: &str, hub: &Hub) -> Result<(), StoreError> {
    let row = client
        .query_one(
            &format!(
                "INSERT INTO desk_instances (instance, started_at, seen_at) VALUES ($1, {NOW}, \
                 {NOW}) ON CONFLICT (instance) DO UPDATE SET seen_at = EXCLUDED.seen_at \
                 RETURNING (xmax = 0)"
            ),
            &[&instance],
        )
        .map_err(db)?;
    let inserted: bool = row.try_get(0).map_err(db)?;
    if inserted {
        for (party, n) in hub.parties() {
            let n = i32::try_from(n).unwrap_or(i32::MAX);
            client
                .execute(
                    "INSERT INTO support_links (party, instance, conns) VALUES ($1, $2, $3) \
                     ON CONFLICT (party, instance) DO UPDATE SET conns = EXCLUDED.conns",
                    &[&party, &instance, &n],
                )
                .map_err(db)?;
        }
    }
    client
        .execute(
            &format!("DELETE FROM desk_instances WHERE seen_at < {NOW} - $1"),
            &[&DEAD_AFTER_SECS],
        )
        .map_err(db)?;
    Ok(())
}

impl PgBus {
    /// Registers this desk and starts the publishing and listening threads.
    ///
    /// # Errors
    /// [`StoreError::Db`] when the database cannot be reached.
    pub fn start(config: Config, hub: Arc<Hub>) -> Result<PgBus, StoreError> {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes)
            .map_err(|e| StoreError::Db(format!("no randomness for the desk's id: {e}")))?;
        let instance = data_encoding::HEXLOWER.encode(&bytes);
        let mut client = connect(&config, "bus", &instance)?;
        beat(&mut client, &instance, &hub)?;
        let shared = Arc::new(Shared {
            instance,
            config,
            hub,
            stop: AtomicBool::new(false),
            lost: AtomicBool::new(false),
            client: Mutex::new(Some(client)),
        });
        let mut listener = connect(&shared.config, "listen", &shared.instance)?;
        listener
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .map_err(db)?;
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let publisher = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("desk-bus-publish".into())
                .spawn(move || publish_loop(&shared, &rx))
                .map_err(|e| StoreError::Db(format!("cannot start the bus: {e}")))?
        };
        let listening = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("desk-bus-listen".into())
                .spawn(move || listen_loop(&shared, listener))
                .map_err(|e| StoreError::Db(format!("cannot start the bus: {e}")))?
        };
        tracing::info!(instance = %shared.instance, "the desks' bus started");
        Ok(PgBus {
            shared,
            tx: Mutex::new(Some(tx)),
            threads: Mutex::new(vec![publisher, listening]),
        })
    }

    fn queue(&self, q: Note) {
        let tx = lock(&self.tx);
        let Some(tx) = tx.as_ref() else { return };
        match tx.try_send(q) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                if !self.shared.lost.swap(true, Ordering::SeqCst) {
                    tracing::warn!("the desks' bus is behind: news dropped, the others resync");
                }
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// Runs `f` on the bus's request connection, reconnecting once if it broke; `None` once
    /// stopped.
    fn with_client<T>(&self, f: impl Fn(&mut Client) -> Result<T, postgres::Error>) -> Option<T> {
        let mut slot = lock(&self.shared.client);
        if self.shared.stop.load(Ordering::SeqCst) {
            return None;
        }
        for _ in 0..2 {
            if slot.as_ref().is_none_or(Client::is_closed) {
                *slot = connect(&self.shared.config, "bus", &self.shared.instance)
                    .map_err(|e| tracing::warn!(error = %e, "the desks' bus"))
                    .ok();
            }
            let client = slot.as_mut()?;
            match f(client) {
                Ok(v) => return Some(v),
                Err(e) if client.is_closed() => {
                    tracing::warn!(error = %db(e), "the desks' bus lost its connection");
                }
                Err(e) => {
                    tracing::error!(error = %db(e), "the desks' bus");
                    return None;
                }
            }
        }
        None
    }
}

impl Bus for PgBus {
    fn id(&self) -> &str {
        &self.shared.instance
    }

    fn publish(&self, key: &str, out: &Out) {
        if let Some(note) = note_of(key, out) {
            self.queue(note);
        }
    }

    fn link(&self, key: &str, up: bool) {
        let instance = self.shared.instance.as_str();
        let done = self.with_client(|c| {
            if up {
                c.execute(
                    "INSERT INTO support_links (party, instance, conns) VALUES ($1, $2, 1) \
                     ON CONFLICT (party, instance) DO UPDATE SET conns = support_links.conns + 1",
                    &[&key, &instance],
                )
            } else {
                c.execute(
                    "WITH gone AS (DELETE FROM support_links WHERE party = $1 AND instance = $2 \
                     AND conns <= 1) UPDATE support_links SET conns = conns - 1 \
                     WHERE party = $1 AND instance = $2 AND conns > 1",
                    &[&key, &instance],
                )
            }
        });
        if done.is_none() {
            // Counted again from the hub if this desk is ever forgotten; until then the others
            // may see this party's presence wrong on this desk.
            tracing::warn!("a connection could not be counted for the other desks");
        }
    }

    fn connected_elsewhere(&self, key: &str) -> bool {
        let instance = self.shared.instance.as_str();
        self.with_client(|c| {
            c.query_one(
                &format!(
                    "SELECT EXISTS (SELECT 1 FROM support_links l JOIN desk_instances i \
                     ON i.instance = l.instance WHERE l.party = $1 AND l.instance <> $2 \
                     AND l.conns > 0 AND i.seen_at >= {NOW} - $3)"
                ),
                &[&key, &instance, &ALIVE_SECS],
            )
            .and_then(|row| row.try_get::<_, bool>(0))
        })
        .unwrap_or(false)
    }

    fn stop(&self) {
        if self.shared.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        // Closing the queue ends the publisher once it has sent what is queued.
        drop(lock(&self.tx).take());
        for t in lock(&self.threads).drain(..) {
            let _ = t.join();
        }
        let instance = self.shared.instance.clone();
        // Gone from the others' view at once (a killed desk is, after ALIVE_SECS); the client is
        // closed here, off any runtime (it drives a runtime of its own).
        if let Some(mut c) = lock(&self.shared.client).take() {
            let _ = c.execute(
                "DELETE FROM desk_instances WHERE instance = $1",
                &[&instance],
            );
        }
        tracing::info!(instance = %instance, "the desks' bus stopped");
    }
}

impl Drop for PgBus {
    fn drop(&mut self) {
        // A desk may be dropped on a tokio worker, where the client must not block: stop on a
        // thread of its own.
        std::thread::scope(|s| {
            s.spawn(|| self.stop());
        });
    }
}

/// The note that tells the other desks `out` for `key`'s connections.
fn note_of(key: &str, out: &Out) -> Option<Note> {
    let note = match out {
        Out::Text(t) => Note {
            k: key.to_owned(),
            t: Some(t.clone()),
            c: None,
            f: None,
            r: false,
        },
        Out::Frame {
            session_id,
            place,
            bytes,
        } => Note {
            k: key.to_owned(),
            t: None,
            c: Some(session_id.clone()),
            f: (bytes.len() <= INLINE_FRAME).then(|| WholeFrame {
                l: place.leg,
                h: place.hs,
                q: place.seq,
                b: data_encoding::BASE64.encode(bytes),
            }),
            r: false,
        },
        Out::CatchUp { session_id } => Note {
            k: key.to_owned(),
            t: None,
            c: Some(session_id.clone()),
            f: None,
            r: false,
        },
        Out::Track { .. } => return None,
    };
    Some(note)
}

/// What a note tells the hub (a malformed frame: read the store).
fn out_of(n: Note) -> Option<Out> {
    if let Some(t) = n.t {
        return Some(Out::Text(t));
    }
    let session_id = n.c?;
    let whole = n.f.and_then(|f| {
        let bytes = data_encoding::BASE64.decode(f.b.as_bytes()).ok()?;
        Some(Out::Frame {
            session_id: session_id.clone(),
            place: FramePlace {
                leg: f.l,
                hs: f.h,
                seq: f.q,
            },
            bytes,
        })
    });
    Some(whole.unwrap_or(Out::CatchUp { session_id }))
}

/// Packs `notes` into payloads of at most [`MAX_PAYLOAD`] bytes; a frame that does not fit alone
/// becomes a hint, a control "resync this party".
fn pack(instance: &str, notes: Vec<Note>, all: bool) -> Vec<String> {
    let encode = |p: &Payload| serde_json::to_string(p).unwrap_or_default();
    let mut out = Vec::new();
    let mut cur = Payload {
        o: instance.to_owned(),
        all,
        n: Vec::new(),
    };
    let mut cur_len = encode(&cur).len();
    for mut note in notes {
        let mut len = serde_json::to_string(&note).map_or(MAX_PAYLOAD, |s| s.len()) + 1;
        if cur_len + len > MAX_PAYLOAD && !cur.n.is_empty() {
            out.push(encode(&cur));
            cur.n.clear();
            cur.all = false;
            cur_len = encode(&cur).len();
        }
        if cur_len + len > MAX_PAYLOAD {
            note = match note.c {
                Some(c) => Note {
                    k: note.k,
                    t: None,
                    c: Some(c),
                    f: None,
                    r: false,
                },
                None => Note {
                    k: note.k,
                    t: None,
                    c: None,
                    f: None,
                    r: true,
                },
            };
            len = serde_json::to_string(&note).map_or(0, |s| s.len()) + 1;
        }
        cur_len += len;
        cur.n.push(note);
    }
    if !cur.n.is_empty() || cur.all {
        out.push(encode(&cur));
    }
    out
}

fn publish_loop(shared: &Shared, rx: &Receiver<Note>) {
    let mut client: Option<Client> = None;
    let mut open = true;
    while open {
        let mut notes = Vec::new();
        match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(n) => notes.push(n),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => open = false,
        }
        // Whatever else is queued goes in the same round.
        while notes.len() < 4096 {
            match rx.try_recv() {
                Ok(n) => notes.push(n),
                Err(_) => break,
            }
        }
        let all = shared.lost.swap(false, Ordering::SeqCst);
        if notes.is_empty() && !all {
            continue;
        }
        let payloads = pack(&shared.instance, notes, all);
        if client.as_ref().is_none_or(Client::is_closed) {
            client = connect(&shared.config, "publish", &shared.instance)
                .map_err(|e| tracing::warn!(error = %e, "the desks' bus cannot publish"))
                .ok();
        }
        let sent = client.as_mut().is_some_and(|c| {
            c.execute(
                "SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i) \
                 ORDER BY i",
                &[&CHANNEL, &payloads],
            )
            .map_err(|e| tracing::warn!(error = %db(e), "the desks' bus cannot publish"))
            .is_ok()
        });
        if !sent {
            // What the others missed, they read from the store after resyncing.
            shared.lost.store(true, Ordering::SeqCst);
            if !shared.stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

/// Hands a payload another desk published to the hub.
fn deliver(shared: &Shared, payload: &str) {
    let Ok(p) = serde_json::from_str::<Payload>(payload) else {
        tracing::warn!("the desks' bus carried a payload it cannot read");
        return;
    };
    if p.o == shared.instance {
        return;
    }
    if p.all {
        shared.hub.resync_all();
    }
    for n in p.n {
        if n.r {
            shared.hub.resync(&n.k);
        } else {
            let k = n.k.clone();
            if let Some(out) = out_of(n) {
                shared.hub.send(&k, &out);
            }
        }
    }
}

fn listen_loop(shared: &Shared, first: Client) {
    let mut client = Some(first);
    let mut beaten = Instant::now();
    while !shared.stop.load(Ordering::SeqCst) {
        let Some(c) = client.as_mut().filter(|c| !c.is_closed()) else {
            client = None;
            std::thread::sleep(Duration::from_secs(1));
            match connect(&shared.config, "listen", &shared.instance).and_then(|mut c| {
                c.batch_execute(&format!("LISTEN {CHANNEL}")).map_err(db)?;
                Ok(c)
            }) {
                Ok(c) => {
                    tracing::info!("the desks' bus listens again; live sockets resync");
                    // Notifications sent while it was not listening are gone.
                    shared.hub.resync_all();
                    client = Some(c);
                }
                Err(e) => tracing::warn!(error = %e, "the desks' bus cannot listen"),
            }
            continue;
        };
        let started = Instant::now();
        let mut broken = false;
        {
            let mut notes = c.notifications();
            let mut it = notes.timeout_iter(Duration::from_millis(500));
            loop {
                match postgres::fallible_iterator::FallibleIterator::next(&mut it) {
                    Ok(Some(n)) => deliver(shared, n.payload()),
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %db(e), "the desks' bus lost its listener");
                        broken = true;
                        break;
                    }
                }
                if started.elapsed() > Duration::from_millis(500) {
                    break;
                }
            }
        }
        if broken {
            client = None;
            continue;
        }
        if beaten.elapsed() >= Duration::from_secs(BEAT_SECS) {
            beaten = Instant::now();
            if let Err(e) = beat(c, &shared.instance, &shared.hub) {
                tracing::warn!(error = %e, "the desks' bus cannot beat");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(k: &str, t: &str) -> Note {
        Note {
            k: k.into(),
            t: Some(t.into()),
            c: None,
            f: None,
            r: false,
        }
    }

    #[test]
    fn news_is_packed_under_the_payload_limit_in_order() {
        let notes: Vec<Note> = (0..400)
            .map(|i| note(&format!("a:{i}"), &"x".repeat(i % 97)))
            .collect();
        let payloads = pack("me", notes.clone(), false);
        assert!(payloads.len() > 1);
        let mut back = Vec::new();
        for p in &payloads {
            assert!(p.len() <= MAX_PAYLOAD, "{}", p.len());
            let p: Payload = serde_json::from_str(p).unwrap();
            assert_eq!(p.o, "me");
            back.extend(p.n);
        }
        assert_eq!(back, notes);
    }

    #[test]
    fn a_control_too_large_for_a_payload_becomes_a_resync() {
        let payloads = pack(
            "me",
            vec![note("a:1", "small"), note("e:2", &"y".repeat(9000))],
            true,
        );
        let all: Vec<Payload> = payloads
            .iter()
            .map(|p| serde_json::from_str(p).unwrap())
            .collect();
        assert!(all[0].all);
        let n: Vec<&Note> = all.iter().flat_map(|p| &p.n).collect();
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].t.as_deref(), Some("small"));
        assert!(n[1].r && n[1].t.is_none() && n[1].k == "e:2");
    }

    #[test]
    fn a_small_frame_crosses_whole_a_large_one_as_a_hint() {
        let frame = |n: usize| Out::Frame {
            session_id: "s1".into(),
            place: FramePlace {
                leg: 2,
                hs: false,
                seq: 7,
            },
            bytes: vec![0xa5; n],
        };
        let small = frame(160);
        let through = |out: &Out| {
            let payloads = pack("me", vec![note_of("e:1", out).unwrap()], false);
            assert_eq!(payloads.len(), 1);
            let mut p: Payload = serde_json::from_str(&payloads[0]).unwrap();
            out_of(p.n.remove(0)).unwrap()
        };
        assert_eq!(through(&small), small);
        let hint = Out::CatchUp {
            session_id: "s1".into(),
        };
        assert_eq!(through(&frame(INLINE_FRAME + 1)), hint);
        assert_eq!(through(&hint), hint);
        let text = Out::Text("{}".into());
        assert_eq!(through(&text), text);
        // A whole frame that does not fit a payload alone goes as a hint, not a resync.
        let mut big = note_of("e:1", &frame(INLINE_FRAME)).unwrap();
        big.f.as_mut().unwrap().b = "A".repeat(MAX_PAYLOAD);
        let p: Payload = serde_json::from_str(&pack("me", vec![big], false)[0]).unwrap();
        assert!(!p.n[0].r && p.n[0].f.is_none() && p.n[0].c.as_deref() == Some("s1"));
        // A frame that does not decode is read from the store.
        let mut bad = note_of("e:1", &small).unwrap();
        bad.f.as_mut().unwrap().b = "not base64!".into();
        assert_eq!(out_of(bad).unwrap(), hint);
        assert!(note_of(
            "e:1",
            &Out::Track {
                session_id: "s1".into(),
                cursor: crate::support::store::StoredCursor::default()
            }
        )
        .is_none());
    }

    #[test]
    fn nothing_to_say_is_no_payload_but_a_resync_alone_is_one() {
        assert!(pack("me", vec![], false).is_empty());
        let p = pack("me", vec![], true);
        assert_eq!(p.len(), 1);
        assert!(serde_json::from_str::<Payload>(&p[0]).unwrap().all);
    }
}
