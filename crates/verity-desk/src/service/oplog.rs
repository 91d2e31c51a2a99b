//! The operation log's review (`docs/console-api.md`, "Operation log"): signing checkpoints with
//! the organisation key, the view and the exports with their inclusion proofs, the consistency
//! proof. The HTTP side is `console/oplog.rs`; the tables are `sqlite/oplog.rs`.

use super::console::{ConsoleError, ConsoleSession};
use super::Desk;
use crate::oplog::{
    CheckpointRecord, OpFilter, CHECKPOINT_EVERY_ENTRIES, CHECKPOINT_EVERY_SECS,
    DEFAULT_WINDOW_SECS, MAX_FILTER_LEN, MAX_WINDOW_SECS,
};
use crate::store::{OpRecord, StoreError};
use data_encoding::BASE64;
use serde::Serialize;
use verity_oplog::{leaf_hash, Checkpoint, CheckpointError, Hash, NoteVerifier};

/// When to sign a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignWhen {
    /// Whenever an entry is not covered yet (before a view).
    Pending,
    /// The background rule: 100 entries uncovered, or 60 s after the last checkpoint (or after
    /// `since`, when there is none yet) with any entry uncovered.
    Due {
        /// The reference time before the first checkpoint (the signer's start).
        since: u64,
    },
}

/// Why a checkpoint could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The checkpoint could not be written (a bad key name).
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
}

impl From<SignError> for ConsoleError {
    fn from(e: SignError) -> ConsoleError {
        tracing::error!(error = %e, "operation log checkpoint failed");
        ConsoleError::internal()
    }
}

/// What a view or an export asked for, as given (numbers parsed, nothing defaulted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpQuery {
    /// `from`.
    pub from: Option<u64>,
    /// `to`.
    pub to: Option<u64>,
    /// `actor`.
    pub actor: Option<String>,
    /// `action`.
    pub action: Option<String>,
    /// `target`.
    pub target: Option<String>,
    /// `device`.
    pub device: Option<String>,
    /// `outcome`.
    pub outcome: Option<String>,
}

fn text_filter(field: &'static str, v: Option<String>) -> Result<Option<String>, ConsoleError> {
    match v {
        None => Ok(None),
        // An empty form field filters nothing.
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.len() > MAX_FILTER_LEN => Err(ConsoleError::invalid(
            field,
            format!("at most {MAX_FILTER_LEN} bytes"),
        )),
        Some(v) if v.chars().any(char::is_control) => {
            Err(ConsoleError::invalid(field, "no control characters"))
        }
        Some(v) => Ok(Some(v)),
    }
}

impl OpQuery {
    /// The filter at `now`: `to` defaults to now, `from` to 7 days before `to`; at most 30 days.
    ///
    /// # Errors
    /// `invalid_input` naming the field.
    pub fn resolve(self, now: u64) -> Result<OpFilter, ConsoleError> {
        let to = self.to.unwrap_or(now);
        let from = self
            .from
            .unwrap_or_else(|| to.saturating_sub(DEFAULT_WINDOW_SECS));
        if from > to {
            return Err(ConsoleError::invalid("from", "from is after to"));
        }
        if to - from > MAX_WINDOW_SECS {
            let field = if self.to.is_some() { "to" } else { "from" };
            return Err(ConsoleError::invalid(
                field,
                "from and to are at most 30 days apart",
            ));
        }
        Ok(OpFilter {
            from,
            to,
            actor: text_filter("actor", self.actor)?,
            action: text_filter("action", self.action)?,
            target: text_filter("target", self.target)?,
            device: text_filter("device", self.device)?,
            outcome: text_filter("outcome", self.outcome)?,
        })
    }
}

/// An entry as the console shows it, with its inclusion proof in the checkpoint's tree.
#[derive(Debug, Clone, Serialize)]
pub struct OpView {
    /// Sequence number (leaf `seq - 1`).
    pub seq: u64,
    /// When.
    pub at: u64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// The device.
    pub device: String,
    /// The outcome.
    pub outcome: String,
    /// The JSON text as stored.
    pub detail: String,
    /// The inclusion proof, base64 hashes, nearest sibling first.
    pub proof: Vec<String>,
    /// The leaf hash (the CSV export shows it).
    #[serde(skip)]
    pub leaf_hash: Hash,
}

/// A checkpoint as the console shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointView {
    /// Tree size.
    pub size: u64,
    /// Root, base64.
    pub root: String,
    /// When it was signed.
    pub signed_at: u64,
    /// The signed note's text.
    pub note: String,
}

impl From<&CheckpointRecord> for CheckpointView {
    fn from(c: &CheckpointRecord) -> CheckpointView {
        CheckpointView {
            size: c.size,
            root: BASE64.encode(&c.root),
            signed_at: c.signed_at,
            note: c.note.clone(),
        }
    }
}

/// The key checkpoints are signed with.
#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    /// The key name (and the log's origin).
    pub name: String,
    /// The Go note verifier key string.
    pub vkey: String,
    /// The Ed25519 public key, base64.
    pub public_key: String,
}

/// `GET /console/api/oplog`'s answer (the exports are built from it).
#[derive(Debug, Clone, Serialize)]
pub struct OplogPage {
    /// Newest first.
    pub entries: Vec<OpView>,
    /// The checkpoint the proofs are to; `null` before the first entry.
    pub checkpoint: Option<CheckpointView>,
    /// The signing key.
    pub key: KeyView,
    /// Whether more entries matched than are shown.
    pub truncated: bool,
}

/// `GET /console/api/oplog/consistency`'s answer.
#[derive(Debug, Clone, Serialize)]
pub struct ConsistencyAnswer {
    /// The size the console kept.
    pub old_size: u64,
    /// The current checkpoint's size.
    pub new_size: u64,
    /// RFC 9162 consistency proof, base64 hashes.
    pub proof: Vec<String>,
}

/// How a read of the log is written to the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OplogRead {
    /// `GET /oplog`: `oplog.view`.
    View,
    /// `export.csv`: `oplog.export`.
    Csv,
    /// `evidence.json`: `oplog.export`.
    Evidence,
}

impl OplogRead {
    fn action(self) -> &'static str {
        match self {
            OplogRead::View => "oplog.view",
            OplogRead::Csv | OplogRead::Evidence => "oplog.export",
        }
    }
    fn format(self) -> &'static str {
        match self {
            OplogRead::View => "view",
            OplogRead::Csv => "csv",
            OplogRead::Evidence => "evidence",
        }
    }
}

fn b64_all(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| BASE64.encode(h)).collect()
}

impl Desk {
    /// Signs a checkpoint of the log as it is now, under `key_name`, when `when` says so; the
    /// checkpoint signed, if any.
    ///
    /// # Errors
    /// [`SignError`].
    pub fn oplog_sign(
        &self,
        key_name: &str,
        when: SignWhen,
    ) -> Result<Option<CheckpointRecord>, SignError> {
        let (size, root) = self.store.oplog_head()?;
        let last = self.store.last_checkpoint()?;
        let covered = last.as_ref().map_or(0, |c| c.size);
        if size <= covered {
            return Ok(None);
        }
        let now = self.clock.now();
        let due = match when {
            SignWhen::Pending => true,
            SignWhen::Due { since } => {
                let since = last.as_ref().map_or(since, |c| c.signed_at);
                size - covered >= CHECKPOINT_EVERY_ENTRIES
                    || now >= since.saturating_add(CHECKPOINT_EVERY_SECS)
            }
        };
        if !due {
            return Ok(None);
        }
        let note = Checkpoint {
            origin: key_name.to_owned(),
            size,
            root,
            extensions: vec![],
        }
        .sign(key_name, &self.org_key)?;
        let cp = CheckpointRecord {
            size,
            root,
            note,
            signed_at: now,
        };
        if self.store.add_checkpoint(&cp)? {
            tracing::info!(size, "operation log checkpoint signed");
            Ok(Some(cp))
        } else {
            Ok(None)
        }
    }

    /// The checkpoint key as the console shows it.
    ///
    /// # Errors
    /// `internal` for a key name the note format refuses.
    pub fn oplog_key(&self, key_name: &str) -> Result<KeyView, ConsoleError> {
        let v = NoteVerifier::new(key_name, self.org_public).map_err(|e| {
            tracing::error!(error = %e, key_name, "operation log key name refused");
            ConsoleError::internal()
        })?;
        Ok(KeyView {
            name: key_name.to_owned(),
            vkey: v.to_vkey(),
            public_key: BASE64.encode(self.org_public.as_bytes()),
        })
    }

    /// A view or an export of the log: written to the log first (with the filters), then a
    /// checkpoint is signed if entries came since the last, then the matching entries up to it,
    /// newest first, at most `limit`, each with its inclusion proof.
    ///
    /// # Errors
    /// `invalid_input` for the query; `internal` for store failures.
    pub fn console_oplog(
        &self,
        user: &ConsoleSession,
        key_name: &str,
        query: OpQuery,
        read: OplogRead,
        limit: u32,
    ) -> Result<OplogPage, ConsoleError> {
        let filter = query.resolve(self.clock.now())?;
        self.log_op(
            &user.actor(),
            read.action(),
            "oplog",
            "",
            "ok",
            serde_json::json!({ "filters": &filter, "format": read.format() }),
        )?;
        self.oplog_sign(key_name, SignWhen::Pending)?;
        let key = self.oplog_key(key_name)?;
        let Some(cp) = self.store.last_checkpoint()? else {
            return Ok(OplogPage {
                entries: vec![],
                checkpoint: None,
                key,
                truncated: false,
            });
        };
        let (ops, truncated) = self.store.query_ops(&filter, cp.size, limit)?;
        let indices: Vec<u64> = ops.iter().map(|o| o.seq.saturating_sub(1)).collect();
        let proofs = self.store.inclusion_proofs(cp.size, &indices)?;
        let entries = ops
            .into_iter()
            .zip(proofs)
            .map(|(o, p)| op_view(o, &p))
            .collect();
        Ok(OplogPage {
            entries,
            checkpoint: Some(CheckpointView::from(&cp)),
            key,
            truncated,
        })
    }

    /// The consistency proof from a tree of `from` entries to the current checkpoint.
    ///
    /// # Errors
    /// `invalid_input` (`from`) beyond the current checkpoint; `internal` for store failures.
    pub fn console_oplog_consistency(&self, from: u64) -> Result<ConsistencyAnswer, ConsoleError> {
        let new_size = self.store.last_checkpoint()?.map_or(0, |c| c.size);
        if from > new_size {
            return Err(ConsoleError::invalid(
                "from",
                format!("the current checkpoint has {new_size} entries"),
            ));
        }
        let proof = self.store.consistency(from, new_size)?;
        Ok(ConsistencyAnswer {
            old_size: from,
            new_size,
            proof: b64_all(&proof),
        })
    }
}

fn op_view(o: OpRecord, proof: &[Hash]) -> OpView {
    let leaf = leaf_hash(&o.leaf_bytes());
    OpView {
        seq: o.seq,
        at: o.at,
        actor: o.actor,
        action: o.action,
        target: o.target,
        device: o.device,
        outcome: o.outcome,
        detail: o.detail,
        proof: b64_all(proof),
        leaf_hash: leaf,
    }
}
