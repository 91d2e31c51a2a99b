//! The operation log on PostgreSQL (as `sqlite/oplog.rs` and the log's part of
//! `sqlite/console.rs`): entries, each entry's leaf hash, the subtree hashes
//! [`Frontier::append_visit`] reports, the frontier's bytes, the signed checkpoints.
//!
//! Appends are serialised by an advisory lock (`oplog`) and numbered from the frontier, not from
//! a sequence (which leaves gaps on rollback): the log stays 1, 2, … with no gap whichever desk
//! appends. Triggers refuse every update and delete, as SQLite's.

use super::{col, db, lock, to_i64, to_u64, PgStore};
use crate::oplog::{CheckpointRecord, OpFilter, OplogStore, VerifyFailure, VerifyReport};
use crate::store::{NewOp, OpRecord, StoreError};
use postgres::{GenericClient, Row, Transaction};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use verity_oplog::{
    consistency_proof, inclusion_proof, leaf_hash, Checkpoint, Frontier, Hash, LeafSource, NodeId,
    NoteVerifier,
};

/// Migration 4.
pub(super) const MIGRATION: &str = r"
CREATE TABLE oplog (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    device TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX oplog_by_time ON oplog (at);
CREATE TABLE oplog_leaves (
    idx BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL CHECK (length(hash) = 32)
);
CREATE TABLE oplog_nodes (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);
CREATE TABLE oplog_tree (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    frontier BYTEA NOT NULL
);
CREATE TABLE oplog_checkpoints (
    size BIGINT PRIMARY KEY,
    root BYTEA NOT NULL CHECK (length(root) = 32),
    note TEXT NOT NULL,
    signed_at BIGINT NOT NULL
);
CREATE FUNCTION verity_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the operation log is append-only'; END $$;
CREATE TRIGGER oplog_append_only BEFORE UPDATE OR DELETE ON oplog
    FOR EACH ROW EXECUTE FUNCTION verity_append_only();
CREATE TRIGGER oplog_leaves_append_only BEFORE UPDATE OR DELETE ON oplog_leaves
    FOR EACH ROW EXECUTE FUNCTION verity_append_only();
CREATE TRIGGER oplog_nodes_append_only BEFORE UPDATE OR DELETE ON oplog_nodes
    FOR EACH ROW EXECUTE FUNCTION verity_append_only();
CREATE TRIGGER oplog_checkpoints_append_only BEFORE UPDATE OR DELETE ON oplog_checkpoints
    FOR EACH ROW EXECUTE FUNCTION verity_append_only();
";

const OP_COLUMNS: &str = "seq, at, actor, action, target, device, outcome, detail";

fn op_row(r: &Row) -> Result<OpRecord, StoreError> {
    Ok(OpRecord {
        seq: to_u64(col(r, 0)?),
        at: to_u64(col(r, 1)?),
        actor: col(r, 2)?,
        action: col(r, 3)?,
        target: col(r, 4)?,
        device: col(r, 5)?,
        outcome: col(r, 6)?,
        detail: col(r, 7)?,
    })
}

fn hash_of(bytes: &[u8], what: &str) -> Result<Hash, StoreError> {
    Hash::try_from(bytes).map_err(|_| StoreError::Damaged(format!("{what}: not a 32-byte hash")))
}

fn read_frontier(c: &mut impl GenericClient) -> Result<Frontier, StoreError> {
    let bytes: Option<Vec<u8>> = c
        .query_opt("SELECT frontier FROM oplog_tree WHERE id = 1", &[])
        .map_err(db)?
        .map(|r| col(&r, 0))
        .transpose()?;
    match bytes {
        None => Ok(Frontier::new()),
        Some(b) => Frontier::from_bytes(&b)
            .map_err(|e| StoreError::Damaged(format!("the operation log's frontier: {e}"))),
    }
}

/// Most appends committed in one transaction.
const GROUP_MAX: usize = 256;

/// Group commit for the operation log: every append takes the log's one lock (`oplog`, across
/// all desks) for the several statements of its Merkle bookkeeping, so appends from many request
/// threads queued on it and held the pool's connections meanwhile (at 1,000 sessions opening or
/// closing over 3 desks, 9,468 lock waits summed 414 s). Here the threads of one process that
/// append at the same time hand their entries to one of them, which appends them all in one
/// transaction under one lock; each caller still returns only once its entry is committed (or
/// with the transaction's error).
#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    state: Mutex<Group>,
    done: Condvar,
}

#[derive(Debug, Default)]
struct Group {
    next: u64,
    waiting: Vec<(u64, NewOp)>,
    leading: bool,
    results: HashMap<u64, Result<OpRecord, StoreError>>,
}

/// The same failure for each caller of a failed group.
fn copy_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::Db(m) => StoreError::Db(m.clone()),
        StoreError::Damaged(m) => StoreError::Damaged(m.clone()),
        StoreError::NewerSchema { found, supported } => StoreError::NewerSchema {
            found: *found,
            supported: *supported,
        },
    }
}

impl GroupCommit {
    fn lock(&self) -> MutexGuard<'_, Group> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends `op` with whatever other threads are appending, through `commit` (which appends
    /// its entries in order in one transaction and returns their records).
    pub(crate) fn append(
        &self,
        op: &NewOp,
        commit: impl Fn(&[NewOp]) -> Result<Vec<OpRecord>, StoreError>,
    ) -> Result<OpRecord, StoreError> {
        let mut g = self.lock();
        let ticket = g.next;
        g.next += 1;
        g.waiting.push((ticket, op.clone()));
        loop {
            if let Some(r) = g.results.remove(&ticket) {
                return r;
            }
            if g.leading {
                g = self
                    .done
                    .wait(g)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                continue;
            }
            g.leading = true;
            let n = g.waiting.len().min(GROUP_MAX);
            let (tickets, ops): (Vec<u64>, Vec<NewOp>) = g.waiting.drain(..n).unzip();
            drop(g);
            let out = commit(&ops);
            g = self.lock();
            match out {
                Ok(records) if records.len() == tickets.len() => {
                    for (t, r) in tickets.into_iter().zip(records) {
                        g.results.insert(t, Ok(r));
                    }
                }
                Ok(_) => {
                    for t in tickets {
                        g.results.insert(
                            t,
                            Err(StoreError::Damaged(
                                "the operation log's group commit".into(),
                            )),
                        );
                    }
                }
                Err(e) => {
                    for t in tickets {
                        g.results.insert(t, Err(copy_error(&e)));
                    }
                }
            }
            g.leading = false;
            self.done.notify_all();
        }
    }
}

/// Appends `op` and its Merkle bookkeeping in one transaction, under the log's lock.
pub(super) fn append(tx: &mut Transaction<'_>, op: &NewOp) -> Result<OpRecord, StoreError> {
    let detail = serde_json::to_string(&op.detail)
        .map_err(|e| StoreError::Damaged(format!("operation detail: {e}")))?;
    lock(tx, "oplog")?;
    let mut frontier = read_frontier(tx)?;
    let rec = OpRecord {
        seq: frontier.size() + 1,
        at: op.at,
        actor: op.actor.clone(),
        action: op.action.clone(),
        target: op.target.clone(),
        device: op.device.clone(),
        outcome: op.outcome.clone(),
        detail,
    };
    tx.execute(
        &format!("INSERT INTO oplog ({OP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
        &[
            &to_i64(rec.seq),
            &to_i64(rec.at),
            &rec.actor,
            &rec.action,
            &rec.target,
            &rec.device,
            &rec.outcome,
            &rec.detail,
        ],
    )
    .map_err(db)?;
    let leaf = leaf_hash(&rec.leaf_bytes());
    tx.execute(
        "INSERT INTO oplog_leaves (idx, hash) VALUES ($1, $2)",
        &[&to_i64(frontier.size()), &&leaf[..]],
    )
    .map_err(db)?;
    let mut nodes = Vec::new();
    frontier.append_visit(leaf, |id, h| nodes.push((id, *h)));
    for (id, h) in nodes {
        tx.execute(
            "INSERT INTO oplog_nodes (level, idx, hash) VALUES ($1, $2, $3)",
            &[&i64::from(id.level), &to_i64(id.index), &&h[..]],
        )
        .map_err(db)?;
    }
    tx.execute(
        "INSERT INTO oplog_tree (id, frontier) VALUES (1, $1) \
         ON CONFLICT (id) DO UPDATE SET frontier = excluded.frontier",
        &[&frontier.to_bytes()],
    )
    .map_err(db)?;
    Ok(rec)
}

pub(super) fn after(
    c: &mut impl GenericClient,
    after_seq: u64,
    limit: u32,
) -> Result<Vec<OpRecord>, StoreError> {
    c.query(
        &format!("SELECT {OP_COLUMNS} FROM oplog WHERE seq > $1 ORDER BY seq LIMIT $2"),
        &[&to_i64(after_seq), &i64::from(limit)],
    )
    .map_err(db)?
    .iter()
    .map(op_row)
    .collect()
}

/// The tables as a [`LeafSource`], on one connection; lookups are remembered for the source's
/// life (one request).
struct Tables<'c, C: GenericClient> {
    conn: RefCell<&'c mut C>,
    seen: RefCell<std::collections::HashMap<NodeId, Option<Hash>>>,
}

impl<'c, C: GenericClient> Tables<'c, C> {
    fn new(conn: &'c mut C) -> Self {
        Tables {
            conn: RefCell::new(conn),
            seen: RefCell::default(),
        }
    }
}

impl<C: GenericClient> LeafSource for Tables<'_, C> {
    type Error = StoreError;

    fn leaf(&self, index: u64) -> Result<Hash, StoreError> {
        let id = NodeId { level: 0, index };
        if let Some(Some(h)) = self.seen.borrow().get(&id) {
            return Ok(*h);
        }
        let r = self
            .conn
            .borrow_mut()
            .query_one(
                "SELECT hash FROM oplog_leaves WHERE idx = $1",
                &[&to_i64(index)],
            )
            .map_err(db)?;
        let h = hash_of(&col::<Vec<u8>>(&r, 0)?, "a leaf hash")?;
        self.seen.borrow_mut().insert(id, Some(h));
        Ok(h)
    }

    fn subtree(&self, node: NodeId) -> Result<Option<Hash>, StoreError> {
        if let Some(h) = self.seen.borrow().get(&node) {
            return Ok(*h);
        }
        let h: Option<Vec<u8>> = self
            .conn
            .borrow_mut()
            .query_opt(
                "SELECT hash FROM oplog_nodes WHERE level = $1 AND idx = $2",
                &[&i64::from(node.level), &to_i64(node.index)],
            )
            .map_err(db)?
            .map(|r| col(&r, 0))
            .transpose()?;
        let h = h.map(|h| hash_of(&h, "a subtree hash")).transpose()?;
        self.seen.borrow_mut().insert(node, h);
        Ok(h)
    }
}

fn prove_error(e: verity_oplog::ProveError<StoreError>) -> StoreError {
    match e {
        verity_oplog::ProveError::Source(e) => e,
        other => StoreError::Damaged(format!("operation log proof: {other}")),
    }
}

fn checkpoint_row(r: &Row) -> Result<CheckpointRecord, StoreError> {
    Ok(CheckpointRecord {
        size: to_u64(col(r, 0)?),
        root: hash_of(&col::<Vec<u8>>(r, 1)?, "a checkpoint root")?,
        note: col(r, 2)?,
        signed_at: to_u64(col(r, 3)?),
    })
}

/// Checks one kept checkpoint against the recomputed root and the organisation key.
fn check_checkpoint(
    cp: &CheckpointRecord,
    root: Option<&Hash>,
    org_key: &ed25519_dalek::VerifyingKey,
) -> Option<VerifyFailure> {
    let fail = |why: String| Some(VerifyFailure::Checkpoint { size: cp.size, why });
    let Some(root) = root else {
        return fail("larger than the log".into());
    };
    if &cp.root != root {
        return fail("its root does not match the entries".into());
    }
    let origin = cp.note.lines().next().unwrap_or_default();
    if !origin.ends_with("/verity-desk/oplog") {
        return fail(format!("unexpected origin {origin:?}"));
    }
    let verifier = match NoteVerifier::new(origin, *org_key) {
        Ok(v) => v,
        Err(e) => return fail(e.to_string()),
    };
    match Checkpoint::open(cp.note.as_bytes(), origin, &verifier) {
        Ok(c) if c.size == cp.size && &c.root == root => None,
        Ok(_) => fail("the signed note's size or root is not the stored one".into()),
        Err(e) => fail(format!("signature: {e}")),
    }
}

impl OplogStore for PgStore {
    fn oplog_head(&self) -> Result<(u64, Hash), StoreError> {
        let f = self.read(read_frontier)?;
        Ok((f.size(), f.root()))
    }

    fn last_checkpoint(&self) -> Result<Option<CheckpointRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT size, root, note, signed_at FROM oplog_checkpoints \
                 ORDER BY size DESC LIMIT 1",
                &[],
            )
            .map_err(db)?
            .map(|r| checkpoint_row(&r))
            .transpose()
        })
    }

    fn add_checkpoint(&self, cp: &CheckpointRecord) -> Result<bool, StoreError> {
        self.read(|c| {
            let n = c
                .execute(
                    "INSERT INTO oplog_checkpoints (size, root, note, signed_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING",
                    &[
                        &to_i64(cp.size),
                        &&cp.root[..],
                        &cp.note,
                        &to_i64(cp.signed_at),
                    ],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn query_ops(
        &self,
        filter: &OpFilter,
        max_seq: u64,
        limit: u32,
    ) -> Result<(Vec<OpRecord>, bool), StoreError> {
        let mut ops = self.read(|c| {
            c.query(
                &format!(
                    "SELECT {OP_COLUMNS} FROM oplog \
                     WHERE seq <= $1 AND at >= $2 AND at <= $3 \
                     AND ($4::TEXT IS NULL OR actor = $4) AND ($5::TEXT IS NULL OR action = $5) \
                     AND ($6::TEXT IS NULL OR target = $6) AND ($7::TEXT IS NULL OR device = $7) \
                     AND ($8::TEXT IS NULL OR outcome = $8) \
                     ORDER BY seq DESC LIMIT $9"
                ),
                &[
                    &to_i64(max_seq),
                    &to_i64(filter.from),
                    &to_i64(filter.to),
                    &filter.actor,
                    &filter.action,
                    &filter.target,
                    &filter.device,
                    &filter.outcome,
                    &(i64::from(limit) + 1),
                ],
            )
            .map_err(db)?
            .iter()
            .map(op_row)
            .collect::<Result<Vec<_>, _>>()
        })?;
        let truncated = ops.len() > limit as usize;
        ops.truncate(limit as usize);
        Ok((ops, truncated))
    }

    fn inclusion_proofs(&self, size: u64, indices: &[u64]) -> Result<Vec<Vec<Hash>>, StoreError> {
        self.read(|c| {
            let t = Tables::new(c);
            indices
                .iter()
                .map(|&i| inclusion_proof(i, size, &t).map_err(prove_error))
                .collect()
        })
    }

    fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError> {
        self.read(|c| consistency_proof(old, new, &Tables::new(c)).map_err(prove_error))
    }

    fn verify_oplog(
        &self,
        org_key: &ed25519_dalek::VerifyingKey,
    ) -> Result<VerifyReport, StoreError> {
        self.read(|c| verify(c, org_key))
    }
}

fn verify(
    c: &mut postgres::Client,
    org_key: &ed25519_dalek::VerifyingKey,
) -> Result<VerifyReport, StoreError> {
    // One snapshot for the whole check (a concurrent append cannot make it see a torn tree).
    let mut tx = c
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(db)?;
    let checkpoints = tx
        .query(
            "SELECT size, root, note, signed_at FROM oplog_checkpoints ORDER BY size",
            &[],
        )
        .map_err(db)?
        .iter()
        .map(checkpoint_row)
        .collect::<Result<Vec<_>, _>>()?;
    let mut report = VerifyReport {
        entries: 0,
        root: verity_oplog::EMPTY_ROOT,
        checkpoints: 0,
        last_checkpoint: checkpoints.last().map(|c| c.size),
        failure: None,
    };
    let mut roots = std::collections::HashMap::new();
    let mut frontier = Frontier::new();
    if checkpoints.iter().any(|c| c.size == 0) {
        roots.insert(0, frontier.root());
    }
    let rows = tx
        .query(
            "SELECT o.seq, o.at, o.actor, o.action, o.target, o.device, o.outcome, o.detail, \
             l.hash FROM oplog o LEFT JOIN oplog_leaves l ON l.idx = o.seq - 1 ORDER BY o.seq",
            &[],
        )
        .map_err(db)?;
    for row in &rows {
        let op = op_row(row)?;
        let stored: Option<Vec<u8>> = col(row, 8)?;
        let expected = frontier.size() + 1;
        if op.seq != expected {
            report.failure = Some(VerifyFailure::Gap {
                seq: op.seq,
                expected,
            });
            return Ok(report);
        }
        let leaf = leaf_hash(&op.leaf_bytes());
        match stored {
            None => {
                report.failure = Some(VerifyFailure::MissingLeaf { seq: op.seq });
                return Ok(report);
            }
            Some(h) if h.as_slice() != leaf.as_slice() => {
                report.failure = Some(VerifyFailure::Leaf { seq: op.seq });
                return Ok(report);
            }
            Some(_) => {}
        }
        let mut completed = Vec::new();
        frontier.append_visit(leaf, |id, h| completed.push((id, *h)));
        for (id, h) in completed {
            let kept: Option<Vec<u8>> = tx
                .query_opt(
                    "SELECT hash FROM oplog_nodes WHERE level = $1 AND idx = $2",
                    &[&i64::from(id.level), &to_i64(id.index)],
                )
                .map_err(db)?
                .map(|r| col(&r, 0))
                .transpose()?;
            if kept.is_some_and(|k| k.as_slice() != h.as_slice()) {
                report.failure = Some(VerifyFailure::Subtree {
                    level: id.level,
                    index: id.index,
                });
                return Ok(report);
            }
        }
        report.entries = frontier.size();
        if checkpoints.iter().any(|c| c.size == frontier.size()) {
            roots.insert(frontier.size(), frontier.root());
        }
    }
    report.root = frontier.root();
    let leaves: i64 = col(
        &tx.query_one("SELECT COUNT(*) FROM oplog_leaves", &[])
            .map_err(db)?,
        0,
    )?;
    if to_u64(leaves) != frontier.size() {
        report.failure = Some(VerifyFailure::Extra {
            leaves: to_u64(leaves),
            entries: frontier.size(),
        });
        return Ok(report);
    }
    if read_frontier(&mut tx)? != frontier {
        report.failure = Some(VerifyFailure::Frontier);
        return Ok(report);
    }
    for cp in &checkpoints {
        if let Some(f) = check_checkpoint(cp, roots.get(&cp.size), org_key) {
            report.failure = Some(f);
            return Ok(report);
        }
        report.checkpoints += 1;
    }
    tx.commit().map_err(db)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::Barrier;

    fn op(i: u64) -> NewOp {
        NewOp {
            at: i,
            actor: "cli".into(),
            action: "test.op".into(),
            target: format!("t{i}"),
            device: String::new(),
            outcome: "ok".into(),
            detail: serde_json::json!({}),
        }
    }

    /// A log in memory behind a slow commit: each group gets the next sequence numbers.
    fn slow_log<'a>(
        seq: &'a AtomicU64,
        commits: &'a AtomicUsize,
    ) -> impl Fn(&[NewOp]) -> Result<Vec<OpRecord>, StoreError> + 'a {
        move |ops| {
            commits.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(20));
            Ok(ops
                .iter()
                .map(|o| OpRecord {
                    seq: seq.fetch_add(1, Ordering::SeqCst) + 1,
                    at: o.at,
                    actor: o.actor.clone(),
                    action: o.action.clone(),
                    target: o.target.clone(),
                    device: o.device.clone(),
                    outcome: o.outcome.clone(),
                    detail: o.detail.to_string(),
                })
                .collect())
        }
    }

    #[test]
    fn appends_at_once_share_commits_and_each_caller_gets_its_own_record() {
        let (group, seq, commits) = (
            GroupCommit::default(),
            AtomicU64::new(0),
            AtomicUsize::new(0),
        );
        let threads = 32;
        let barrier = Barrier::new(threads);
        let mut got: Vec<OpRecord> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads as u64)
                .map(|i| {
                    let (group, barrier, commit) = (&group, &barrier, slow_log(&seq, &commits));
                    s.spawn(move || {
                        barrier.wait();
                        let r = group.append(&op(i), commit).unwrap();
                        assert_eq!(r.target, format!("t{i}"), "a caller got another's record");
                        r
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        got.sort_by_key(|r| r.seq);
        assert_eq!(
            got.iter().map(|r| r.seq).collect::<Vec<_>>(),
            (1..=threads as u64).collect::<Vec<_>>()
        );
        let n = commits.load(Ordering::SeqCst);
        assert!(n < threads, "{n} commits for {threads} appends at once");
        // Alone, an append is its own group.
        group.append(&op(99), slow_log(&seq, &commits)).unwrap();
        assert_eq!(commits.load(Ordering::SeqCst), n + 1);
    }

    #[test]
    fn a_failed_group_fails_each_of_its_callers_and_the_next_one_goes_on() {
        let group = GroupCommit::default();
        let e = group
            .append(&op(1), |_| Err(StoreError::Db("the disk is full".into())))
            .unwrap_err();
        assert!(matches!(e, StoreError::Db(m) if m == "the disk is full"));
        let short = group.append(&op(2), |_| Ok(vec![])).unwrap_err();
        assert!(matches!(short, StoreError::Damaged(_)));
        let (seq, commits) = (AtomicU64::new(7), AtomicUsize::new(0));
        assert_eq!(
            group.append(&op(3), slow_log(&seq, &commits)).unwrap().seq,
            8
        );
    }
}
