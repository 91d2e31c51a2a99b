//! The operation log's Merkle tables (schema 10): each entry's leaf hash, the subtree hashes
//! [`Frontier::append_visit`] reports, the frontier's bytes, and the signed checkpoints.
//!
//! [`append_tree`] runs inside `append_op`'s transaction; [`backfill`] hashes in the entries a
//! desk wrote before schema 10 (at open, once).

use super::console::op_row;
use super::{db, to_i64, to_u64, SqliteStore};
use crate::oplog::{CheckpointRecord, OpFilter, OplogStore, VerifyFailure, VerifyReport};
use crate::store::{OpRecord, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use verity_oplog::{
    consistency_proof, inclusion_proof, leaf_hash, Checkpoint, Frontier, Hash, LeafSource, NodeId,
    NoteVerifier,
};

/// Schema 10.
pub(super) const MIGRATION: &str = r"
CREATE TABLE oplog_leaves (
    idx INTEGER PRIMARY KEY,
    hash BLOB NOT NULL CHECK (length(hash) = 32)
);
CREATE TABLE oplog_nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE oplog_tree (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    frontier BLOB NOT NULL
);
CREATE TABLE oplog_checkpoints (
    size INTEGER PRIMARY KEY,
    root BLOB NOT NULL CHECK (length(root) = 32),
    note TEXT NOT NULL,
    signed_at INTEGER NOT NULL
);
CREATE TRIGGER oplog_leaves_append_only_update BEFORE UPDATE ON oplog_leaves
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only'); END;
CREATE TRIGGER oplog_leaves_append_only_delete BEFORE DELETE ON oplog_leaves
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only'); END;
CREATE TRIGGER oplog_nodes_append_only_update BEFORE UPDATE ON oplog_nodes
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only'); END;
CREATE TRIGGER oplog_nodes_append_only_delete BEFORE DELETE ON oplog_nodes
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only'); END;
CREATE TRIGGER oplog_checkpoints_append_only_update BEFORE UPDATE ON oplog_checkpoints
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only'); END;
CREATE TRIGGER oplog_checkpoints_append_only_delete BEFORE DELETE ON oplog_checkpoints
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only'); END;
";

fn hash_of(bytes: &[u8], what: &str) -> Result<Hash, StoreError> {
    Hash::try_from(bytes).map_err(|_| StoreError::Damaged(format!("{what}: not a 32-byte hash")))
}

fn read_frontier(conn: &Connection) -> Result<Frontier, StoreError> {
    let bytes: Option<Vec<u8>> = conn
        .query_row("SELECT frontier FROM oplog_tree WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db)?;
    match bytes {
        None => Ok(Frontier::new()),
        Some(b) => Frontier::from_bytes(&b)
            .map_err(|e| StoreError::Damaged(format!("the operation log's frontier: {e}"))),
    }
}

/// Inside the transaction that appended `op`: its leaf hash, the subtrees it completes, the new
/// frontier. The tree must be exactly one entry behind.
pub(super) fn append_tree(conn: &Connection, op: &OpRecord) -> Result<(), StoreError> {
    let mut frontier = read_frontier(conn)?;
    if frontier.size() + 1 != op.seq {
        return Err(StoreError::Damaged(format!(
            "the operation log's tree has {} leaves, the new entry is number {}",
            frontier.size(),
            op.seq
        )));
    }
    let leaf = leaf_hash(&op.leaf_bytes());
    conn.prepare_cached("INSERT INTO oplog_leaves (idx, hash) VALUES (?1, ?2)")
        .and_then(|mut s| s.execute(params![to_i64(frontier.size()), &leaf[..]]))
        .map_err(db)?;
    let mut nodes = Vec::new();
    frontier.append_visit(leaf, |id, h| nodes.push((id, *h)));
    let mut insert = conn
        .prepare_cached("INSERT INTO oplog_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
        .map_err(db)?;
    for (id, h) in nodes {
        insert
            .execute(params![id.level, to_i64(id.index), &h[..]])
            .map_err(db)?;
    }
    conn.prepare_cached(
        "INSERT INTO oplog_tree (id, frontier) VALUES (1, ?1) \
         ON CONFLICT (id) DO UPDATE SET frontier = excluded.frontier",
    )
    .and_then(|mut s| s.execute([frontier.to_bytes()]))
    .map_err(db)?;
    Ok(())
}

/// Hashes in the entries the tree does not cover yet (a desk upgraded from schema 9), in one
/// transaction.
pub(super) fn backfill(conn: &mut Connection) -> Result<(), StoreError> {
    // Most opens find the tree up to date: a read, without taking the write lock.
    let size = read_frontier(conn)?.size();
    let newer: Option<i64> = conn
        .query_row(
            "SELECT seq FROM oplog WHERE seq > ?1 LIMIT 1",
            [to_i64(size)],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    if newer.is_none() {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db)?;
    let size = read_frontier(&tx)?.size();
    let behind: i64 = tx
        .query_row(
            "SELECT COUNT(*) FROM oplog WHERE seq > ?1",
            [to_i64(size)],
            |r| r.get(0),
        )
        .map_err(db)?;
    if behind > 0 {
        let ops = {
            let mut stmt = tx
                .prepare(
                    "SELECT seq, at, actor, action, target, device, outcome, detail FROM oplog \
                     WHERE seq > ?1 ORDER BY seq",
                )
                .map_err(db)?;
            let rows = stmt.query_map([to_i64(size)], op_row).map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)?
        };
        for op in &ops {
            append_tree(&tx, op)?;
        }
        tracing::info!(
            entries = ops.len(),
            "operation log: entries hashed into its tree"
        );
    }
    tx.commit().map_err(db)
}

/// The tables as a [`LeafSource`], on one connection. The proofs of a page of entries share
/// most of their siblings: lookups are remembered for the source's life (one request).
struct Tables<'c> {
    conn: &'c Connection,
    seen: std::cell::RefCell<std::collections::HashMap<NodeId, Option<Hash>>>,
}

impl<'c> Tables<'c> {
    fn new(conn: &'c Connection) -> Tables<'c> {
        Tables {
            conn,
            seen: std::cell::RefCell::default(),
        }
    }
}

impl LeafSource for Tables<'_> {
    type Error = StoreError;

    fn leaf(&self, index: u64) -> Result<Hash, StoreError> {
        let id = NodeId { level: 0, index };
        if let Some(Some(h)) = self.seen.borrow().get(&id) {
            return Ok(*h);
        }
        let h: Vec<u8> = self
            .conn
            .prepare_cached("SELECT hash FROM oplog_leaves WHERE idx = ?1")
            .and_then(|mut s| s.query_row([to_i64(index)], |r| r.get(0)))
            .map_err(db)?;
        let h = hash_of(&h, "a leaf hash")?;
        self.seen.borrow_mut().insert(id, Some(h));
        Ok(h)
    }

    fn subtree(&self, node: NodeId) -> Result<Option<Hash>, StoreError> {
        if let Some(h) = self.seen.borrow().get(&node) {
            return Ok(*h);
        }
        let h: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT hash FROM oplog_nodes WHERE level = ?1 AND idx = ?2")
            .and_then(|mut s| {
                s.query_row(params![node.level, to_i64(node.index)], |r| r.get(0))
                    .optional()
            })
            .map_err(db)?;
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

fn checkpoint_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Vec<u8>, String, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn to_checkpoint(
    (size, root, note, signed_at): (i64, Vec<u8>, String, i64),
) -> Result<CheckpointRecord, StoreError> {
    Ok(CheckpointRecord {
        size: to_u64(size),
        root: hash_of(&root, "a checkpoint root")?,
        note,
        signed_at: to_u64(signed_at),
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

impl OplogStore for SqliteStore {
    fn oplog_head(&self) -> Result<(u64, Hash), StoreError> {
        let f = read_frontier(&self.conn())?;
        Ok((f.size(), f.root()))
    }

    fn last_checkpoint(&self) -> Result<Option<CheckpointRecord>, StoreError> {
        self.conn()
            .query_row(
                "SELECT size, root, note, signed_at FROM oplog_checkpoints \
                 ORDER BY size DESC LIMIT 1",
                [],
                checkpoint_row,
            )
            .optional()
            .map_err(db)?
            .map(to_checkpoint)
            .transpose()
    }

    fn add_checkpoint(&self, cp: &CheckpointRecord) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "INSERT INTO oplog_checkpoints (size, root, note, signed_at) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (size) DO NOTHING",
                    params![to_i64(cp.size), &cp.root[..], cp.note, to_i64(cp.signed_at)],
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
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT seq, at, actor, action, target, device, outcome, detail FROM oplog \
                 WHERE seq <= ?1 AND at >= ?2 AND at <= ?3 \
                 AND (?4 IS NULL OR actor = ?4) AND (?5 IS NULL OR action = ?5) \
                 AND (?6 IS NULL OR target = ?6) AND (?7 IS NULL OR device = ?7) \
                 AND (?8 IS NULL OR outcome = ?8) \
                 ORDER BY seq DESC LIMIT ?9",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(
                params![
                    to_i64(max_seq),
                    to_i64(filter.from),
                    to_i64(filter.to),
                    filter.actor,
                    filter.action,
                    filter.target,
                    filter.device,
                    filter.outcome,
                    i64::from(limit) + 1
                ],
                op_row,
            )
            .map_err(db)?;
        let mut ops = rows.collect::<Result<Vec<_>, _>>().map_err(db)?;
        let truncated = ops.len() > limit as usize;
        ops.truncate(limit as usize);
        Ok((ops, truncated))
    }

    fn inclusion_proofs(&self, size: u64, indices: &[u64]) -> Result<Vec<Vec<Hash>>, StoreError> {
        let conn = self.conn();
        let t = Tables::new(&conn);
        indices
            .iter()
            .map(|&i| inclusion_proof(i, size, &t).map_err(prove_error))
            .collect()
    }

    fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError> {
        let conn = self.conn();
        consistency_proof(old, new, &Tables::new(&conn)).map_err(prove_error)
    }

    fn verify_oplog(
        &self,
        org_key: &ed25519_dalek::VerifyingKey,
    ) -> Result<VerifyReport, StoreError> {
        let conn = self.conn();
        let checkpoints = {
            let mut stmt = conn
                .prepare("SELECT size, root, note, signed_at FROM oplog_checkpoints ORDER BY size")
                .map_err(db)?;
            let rows = stmt.query_map([], checkpoint_row).map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(db)?
                .into_iter()
                .map(to_checkpoint)
                .collect::<Result<Vec<_>, _>>()?
        };
        let mut report = VerifyReport {
            entries: 0,
            root: verity_oplog::EMPTY_ROOT,
            checkpoints: 0,
            last_checkpoint: checkpoints.last().map(|c| c.size),
            failure: None,
        };
        // Roots at each checkpoint's size, recomputed on the way.
        let mut roots = std::collections::HashMap::new();
        let mut frontier = Frontier::new();
        if checkpoints.iter().any(|c| c.size == 0) {
            roots.insert(0, frontier.root());
        }
        let mut ops = conn
            .prepare(
                "SELECT o.seq, o.at, o.actor, o.action, o.target, o.device, o.outcome, o.detail, \
                 l.hash FROM oplog o LEFT JOIN oplog_leaves l ON l.idx = o.seq - 1 ORDER BY o.seq",
            )
            .map_err(db)?;
        let mut node = conn
            .prepare("SELECT hash FROM oplog_nodes WHERE level = ?1 AND idx = ?2")
            .map_err(db)?;
        let mut rows = ops.query([]).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            let op = op_row(row).map_err(db)?;
            let stored: Option<Vec<u8>> = row.get(8).map_err(db)?;
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
                let kept: Option<Vec<u8>> = node
                    .query_row(params![id.level, to_i64(id.index)], |r| r.get(0))
                    .optional()
                    .map_err(db)?;
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
        drop(rows);
        report.root = frontier.root();
        let leaves: i64 = conn
            .query_row("SELECT COUNT(*) FROM oplog_leaves", [], |r| r.get(0))
            .map_err(db)?;
        if to_u64(leaves) != frontier.size() {
            report.failure = Some(VerifyFailure::Extra {
                leaves: to_u64(leaves),
                entries: frontier.size(),
            });
            return Ok(report);
        }
        if read_frontier(&conn)? != frontier {
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
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::{DATABASE_FILE, MIGRATIONS};
    use super::*;
    use crate::store::{ConsoleStore, NewOp};
    use rusqlite::OpenFlags;

    fn op(i: u64) -> NewOp {
        NewOp {
            at: 1_800_000_000 + i,
            actor: "cli".into(),
            action: format!("test.{i}"),
            target: String::new(),
            device: String::new(),
            outcome: "ok".into(),
            detail: serde_json::json!({ "i": i }),
        }
    }

    fn leaves(store: &SqliteStore) -> Vec<Hash> {
        store
            .ops_after(0, 100_000)
            .unwrap()
            .iter()
            .map(|o| leaf_hash(&o.leaf_bytes()))
            .collect()
    }

    #[test]
    fn each_append_keeps_its_leaf_the_subtrees_and_the_frontier() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        for i in 0..37 {
            store.append_op(&op(i)).unwrap();
        }
        let l = leaves(&store);
        let (size, root) = store.oplog_head().unwrap();
        assert_eq!((size, root), (37, verity_oplog::root(&l)));
        let proofs = store.inclusion_proofs(37, &[0, 5, 36]).unwrap();
        for (i, p) in [0u64, 5, 36].iter().zip(&proofs) {
            verity_oplog::verify_inclusion(&l[*i as usize], *i, 37, p, &root).unwrap();
        }
        let old = verity_oplog::root(&l[..20]);
        let c = store.consistency(20, 37).unwrap();
        verity_oplog::verify_consistency(20, 37, &old, &root, &c).unwrap();
        let nodes: i64 = store
            .conn()
            .query_row("SELECT COUNT(*) FROM oplog_nodes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(nodes, 37 - 3, "n - popcount(n) interior nodes");
        let k = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
        let r = store.verify_oplog(&k).unwrap();
        assert_eq!((r.entries, r.root, r.failure), (37, root, None));
    }

    #[test]
    fn a_version_9_database_has_its_entries_hashed_in_at_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open_with_flags(
                dir.path().join(DATABASE_FILE),
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            )
            .unwrap();
            for m in &MIGRATIONS[..9] {
                conn.execute_batch(m).unwrap();
            }
            conn.pragma_update(None, "user_version", 9).unwrap();
            for i in 0..11 {
                conn.execute(
                    "INSERT INTO oplog (at, actor, action, target, device, outcome, detail) \
                     VALUES (?1, 'cli', ?2, '', '', 'ok', '{}')",
                    params![i, format!("old.{i}")],
                )
                .unwrap();
            }
        }
        let store = SqliteStore::open(dir.path()).unwrap();
        let (size, root) = store.oplog_head().unwrap();
        assert_eq!((size, root), (11, verity_oplog::root(&leaves(&store))));
        // Appends go on from there; a second open changes nothing.
        store.append_op(&op(11)).unwrap();
        drop(store);
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(
            store.oplog_head().unwrap(),
            (12, verity_oplog::root(&leaves(&store)))
        );
        let k = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
        assert_eq!(store.verify_oplog(&k).unwrap().failure, None);
    }

    /// The cost of an append with its Merkle bookkeeping, and of a page of 500 proofs:
    /// `cargo test -p verity-desk --release --lib append_cost -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn append_cost() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let n = 5_000u64;
        let t = std::time::Instant::now();
        for i in 0..n {
            store.append_op(&op(i)).unwrap();
        }
        let per = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        let t = std::time::Instant::now();
        let idx: Vec<u64> = (n - 500..n).collect();
        store.inclusion_proofs(n, &idx).unwrap();
        println!(
            "append with Merkle bookkeeping: {per:.1} us/entry; 500 proofs at {n}: {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
    }

    #[test]
    fn an_edited_entry_or_leaf_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        for i in 0..9 {
            store.append_op(&op(i)).unwrap();
        }
        let k = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
        store
            .conn()
            .execute_batch(
                "DROP TRIGGER oplog_append_only_update; \
                 UPDATE oplog SET outcome = 'refused' WHERE seq = 4;",
            )
            .unwrap();
        assert_eq!(
            store.verify_oplog(&k).unwrap().failure,
            Some(VerifyFailure::Leaf { seq: 4 })
        );
    }
}
