//! The checklist's audit log as a hash chain: the rules, pure. The store keeps the records
//! (`verity_store::checklist`); this module says what a record's bytes are, how a record is
//! chained to the one before, and how a chain is verified.
//!
//! # Canonical bytes
//! A record's hash is SHA-256 over these bytes, in order (integers big-endian; a "string" is
//! its UTF-8 length as a `u32` then its bytes):
//! 1. the 16-byte tag `verity.audit.v1\0`;
//! 2. `seq` as a `u64`;
//! 3. `at` (Unix seconds) as an `i64`;
//! 4. the step, the status before and the status after, as strings (their snake_case codes);
//! 5. the evidence: one byte `0` when there is none, else `1` and the evidence JSON as a string,
//!    exactly as stored;
//! 6. the previous record's hash, as a string (64 lower-case hex digits; 64 zeros for the first).
//!
//! The hash is written as 64 lower-case hex digits. Changing any field of any record, deleting a
//! record, inserting one or reordering them breaks the chain at the first record concerned;
//! [`verify`] names it by sequence number. Cutting records off the end leaves a valid shorter
//! chain: the store therefore also keeps the head (sequence number and hash) in a separate row
//! written in the same transaction, and a report carries the head hash, so a manager holding an
//! earlier report can tell.
//!
//! # Anchoring
//! Whoever can write the database can also rewrite the whole chain and its head consistently.
//! So the head is anchored outside the device: it is signed by the device key and sent with the
//! next "verify my device" request, and the organisation's desk countersigns it
//! (`verity_device::proto`: `verity-audit-head-v1` and `verity-audit-anchor-v1`). The device keeps
//! the countersigned head, an [`AnchoredHead`], beside the log, and the manager's report carries
//! it. [`check_anchor`] then needs record `#seq` of the anchor to exist with exactly the anchored
//! hash: a chain cut short of it is [`BreakKind::TruncatedSinceAnchor`], a chain whose record
//! `#seq` differs (rewritten, at that record or any before it, since every hash covers the one
//! before) is [`BreakKind::RewrittenSinceAnchor`]. This module only compares; the
//! countersignature is checked with the organisation key by `verity_device::proto`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::checklist::{StepId, StepStatus, Transition};
use verity_core::clock::Timestamp;

/// The domain-separation tag at the start of every record's canonical bytes.
pub const TAG: &[u8; 16] = b"verity.audit.v1\0";

/// The "previous hash" of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record, as stored. The step and statuses are kept as the stored text so that a
/// record edited into something unparseable is still verified (and reported as altered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditRecord {
    /// 1, 2, 3… without gaps.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub seq: u64,
    /// When the transition happened.
    pub at: Timestamp,
    /// The step's code.
    pub step: String,
    /// The status before.
    pub from: String,
    /// The status after.
    pub to: String,
    /// The evidence recorded, as JSON, when the transition recorded some.
    pub evidence: Option<String>,
    /// The previous record's hash ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

/// The last record of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChainHead {
    /// Its sequence number.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub seq: u64,
    /// Its hash.
    pub hash: String,
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The canonical bytes of a record (see the module documentation).
#[must_use]
pub fn canonical_bytes(
    seq: u64,
    at: Timestamp,
    step: &str,
    from: &str,
    to: &str,
    evidence: Option<&str>,
    prev_hash: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        16 + 8
            + 8
            + 12
            + step.len()
            + from.len()
            + to.len()
            + 5
            + 4
            + prev_hash.len()
            + evidence.map_or(0, str::len),
    );
    out.extend_from_slice(TAG);
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&at.0.to_be_bytes());
    push_str(&mut out, step);
    push_str(&mut out, from);
    push_str(&mut out, to);
    match evidence {
        None => out.push(0),
        Some(e) => {
            out.push(1);
            push_str(&mut out, e);
        }
    }
    push_str(&mut out, prev_hash);
    out
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

impl AuditRecord {
    /// The hash this record's fields call for (compare with [`AuditRecord::hash`]).
    #[must_use]
    pub fn compute_hash(&self) -> String {
        let bytes = canonical_bytes(
            self.seq,
            self.at,
            &self.step,
            &self.from,
            &self.to,
            self.evidence.as_deref(),
            &self.prev_hash,
        );
        hex(&Sha256::digest(&bytes))
    }

    /// The step, when the stored code is one.
    #[must_use]
    pub fn step_id(&self) -> Option<StepId> {
        self.step.parse().ok()
    }

    /// The chain head this record makes.
    #[must_use]
    pub fn head(&self) -> ChainHead {
        ChainHead {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }
}

/// The record that follows `prev` (none for the first record) for `transition`.
///
/// # Errors
/// A serde error if the evidence cannot be serialised (it always can).
pub fn next_record(
    prev: Option<&ChainHead>,
    transition: &Transition,
) -> Result<AuditRecord, serde_json::Error> {
    let evidence = transition
        .evidence
        .as_ref()
        .map(crate::checklist::Evidence::to_json)
        .transpose()?;
    let mut r = AuditRecord {
        seq: prev.map_or(1, |p| p.seq.saturating_add(1)),
        at: transition.at,
        step: transition.step.as_str().to_owned(),
        from: transition.from.as_str().to_owned(),
        to: transition.to.as_str().to_owned(),
        evidence,
        prev_hash: prev.map_or_else(|| GENESIS_HASH.to_owned(), |p| p.hash.clone()),
        hash: String::new(),
    };
    r.hash = r.compute_hash();
    Ok(r)
}

/// How a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// The record's fields do not give its stored hash: it was edited.
    Altered,
    /// The record does not point at the hash of the record before it: a record before it was
    /// removed, replaced or moved.
    BrokenLink,
    /// A sequence number is missing: the record was deleted (or the chain was cut short of the
    /// head kept beside it).
    Missing,
    /// Sequence numbers go backwards or repeat: records were reordered or duplicated.
    OutOfOrder,
    /// The record moves a step from a status it was not in (the chain was spliced).
    InconsistentStatus,
    /// The chain's last record is not the head kept beside it.
    HeadMismatch,
    /// The chain is shorter than the head the organisation's desk countersigned: records were
    /// cut off since.
    TruncatedSinceAnchor,
    /// The record the organisation's desk countersigned no longer has the countersigned hash:
    /// the chain was rewritten since.
    RewrittenSinceAnchor,
}

impl BreakKind {
    /// The snake_case code.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            BreakKind::Altered => "altered",
            BreakKind::BrokenLink => "broken_link",
            BreakKind::Missing => "missing",
            BreakKind::OutOfOrder => "out_of_order",
            BreakKind::InconsistentStatus => "inconsistent_status",
            BreakKind::HeadMismatch => "head_mismatch",
            BreakKind::TruncatedSinceAnchor => "truncated_since_anchor",
            BreakKind::RewrittenSinceAnchor => "rewritten_since_anchor",
        }
    }

    /// Every kind, for locale completeness tests.
    pub const ALL: [BreakKind; 8] = [
        BreakKind::Altered,
        BreakKind::BrokenLink,
        BreakKind::Missing,
        BreakKind::OutOfOrder,
        BreakKind::InconsistentStatus,
        BreakKind::HeadMismatch,
        BreakKind::TruncatedSinceAnchor,
        BreakKind::RewrittenSinceAnchor,
    ];
}

/// The first place a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChainBreak {
    /// The sequence number of the first broken (or missing) record.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub seq: u64,
    /// How.
    pub kind: BreakKind,
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            BreakKind::Altered => "was altered (its hash does not match its contents)",
            BreakKind::BrokenLink => {
                "does not follow the record before it (a record was removed, replaced or moved)"
            }
            BreakKind::Missing => "is missing (deleted)",
            BreakKind::OutOfOrder => "is out of order or duplicated",
            BreakKind::InconsistentStatus => "moves a step from a status it was not in",
            BreakKind::HeadMismatch => "is not the head recorded beside the log",
            BreakKind::TruncatedSinceAnchor => {
                "is gone: the log was cut short of the head the organisation's desk countersigned"
            }
            BreakKind::RewrittenSinceAnchor => {
                "differs from the head the organisation's desk countersigned: the log was rewritten"
            }
        };
        write!(f, "record {} {what}", self.seq)
    }
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Verification {
    /// Records read.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub records: u64,
    /// The last record's sequence number and hash (none for an empty log).
    pub head: Option<ChainHead>,
    /// The first break, if any.
    pub first_break: Option<ChainBreak>,
    /// Each step's status after replaying the log (steps never mentioned are not started).
    pub replayed: Vec<(StepId, StepStatus)>,
}

impl Verification {
    /// Whether the chain is intact.
    #[must_use]
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// Verifies `records`, given in the order stored (by sequence number), against `anchor`, the
/// head kept beside the log (none when the log is empty or no head is kept).
#[must_use]
pub fn verify(records: &[AuditRecord], anchor: Option<&ChainHead>) -> Verification {
    let mut replayed: Vec<(StepId, StepStatus)> = StepId::ALL
        .iter()
        .map(|s| (*s, StepStatus::NotStarted))
        .collect();
    let mut first_break: Option<ChainBreak> = None;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut expected: u64 = 1;
    let mut seen: u64 = 0;
    for r in records {
        seen += 1;
        let found = if r.seq > expected {
            // A later record holding the expected number means the records were reordered.
            let moved = records.iter().any(|x| x.seq == expected);
            Some(ChainBreak {
                seq: if moved { r.seq } else { expected },
                kind: if moved {
                    BreakKind::OutOfOrder
                } else {
                    BreakKind::Missing
                },
            })
        } else if r.seq < expected {
            Some(ChainBreak {
                seq: r.seq,
                kind: BreakKind::OutOfOrder,
            })
        } else if r.compute_hash() != r.hash {
            Some(ChainBreak {
                seq: r.seq,
                kind: BreakKind::Altered,
            })
        } else if r.prev_hash != prev_hash {
            Some(ChainBreak {
                seq: r.seq,
                kind: BreakKind::BrokenLink,
            })
        } else {
            let step: Option<StepId> = r.step.parse().ok();
            let from: Option<StepStatus> = r.from.parse().ok();
            let to: Option<StepStatus> = r.to.parse().ok();
            match (step, from, to) {
                (Some(s), Some(f), Some(t)) => {
                    let slot = replayed.iter_mut().find(|(x, _)| *x == s);
                    match slot {
                        Some((_, cur)) if *cur == f => {
                            *cur = t;
                            None
                        }
                        _ => Some(ChainBreak {
                            seq: r.seq,
                            kind: BreakKind::InconsistentStatus,
                        }),
                    }
                }
                _ => Some(ChainBreak {
                    seq: r.seq,
                    kind: BreakKind::InconsistentStatus,
                }),
            }
        };
        if found.is_some() {
            first_break = found;
            break;
        }
        prev_hash.clone_from(&r.hash);
        expected = r.seq.saturating_add(1);
    }
    let head = records.last().map(AuditRecord::head);
    if first_break.is_none() {
        match (anchor, &head) {
            (None, _) => {}
            (Some(a), None) => {
                first_break = Some(ChainBreak {
                    seq: 1.min(a.seq),
                    kind: BreakKind::Missing,
                });
            }
            (Some(a), Some(h)) => {
                if a.seq > h.seq {
                    first_break = Some(ChainBreak {
                        seq: h.seq + 1,
                        kind: BreakKind::Missing,
                    });
                } else if a != h {
                    first_break = Some(ChainBreak {
                        seq: h.seq,
                        kind: BreakKind::HeadMismatch,
                    });
                }
            }
        }
    }
    Verification {
        records: seen,
        head,
        first_break,
        replayed,
    }
}

/// A chain head the organisation's desk countersigned: what the device sent (`seq`, `hash`),
/// when the desk signed it (desk time), for which device, by which organisation key, and the
/// countersignature (see `verity_device::proto::audit_anchor_signing_input`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AnchoredHead {
    /// The anchored record's sequence number.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub seq: u64,
    /// Its hash (64 lower-case hex digits).
    pub hash: String,
    /// When the desk countersigned it, by the desk's clock.
    pub at: Timestamp,
    /// The device whose chain it is (its key id, hex).
    pub device_id: String,
    /// The organisation key that countersigned (Ed25519, base64url).
    pub org_key: String,
    /// The countersignature (Ed25519, base64url).
    pub signature: String,
}

impl AnchoredHead {
    /// The head it anchors.
    #[must_use]
    pub fn head(&self) -> ChainHead {
        ChainHead {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }
}

/// Checks `records` (as stored, by sequence number) against a countersigned head: record
/// `#anchor.seq` must be there with exactly the anchored hash. `None` when it is; else the break
/// at `#anchor.seq`: [`BreakKind::TruncatedSinceAnchor`] when the chain ends before it,
/// [`BreakKind::Missing`] when it alone is gone, [`BreakKind::RewrittenSinceAnchor`] when its hash
/// differs. Only the anchor is compared: [`verify`] checks the chain itself.
#[must_use]
pub fn check_anchor(records: &[AuditRecord], anchor: &AnchoredHead) -> Option<ChainBreak> {
    let kind = match records.iter().find(|r| r.seq == anchor.seq) {
        Some(r) if r.hash == anchor.hash => return None,
        Some(_) => BreakKind::RewrittenSinceAnchor,
        None if records.iter().any(|r| r.seq > anchor.seq) => BreakKind::Missing,
        None => BreakKind::TruncatedSinceAnchor,
    };
    Some(ChainBreak {
        seq: anchor.seq,
        kind,
    })
}

/// [`verify`], then, when the chain itself holds, [`check_anchor`] against `anchored` (the
/// countersigned head, when there is one): a chain rewritten consistently with its head kept
/// beside it still fails here.
#[must_use]
pub fn verify_anchored(
    records: &[AuditRecord],
    head: Option<&ChainHead>,
    anchored: Option<&AnchoredHead>,
) -> Verification {
    let mut v = verify(records, head);
    if v.first_break.is_none() {
        v.first_break = anchored.and_then(|a| check_anchor(records, a));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::{Checklist, Event, Evidence, QuizEvidence, RecurrencePolicy};

    fn chain(n: usize) -> Vec<AuditRecord> {
        let p = RecurrencePolicy::default();
        let mut c = Checklist::new();
        let mut out: Vec<AuditRecord> = Vec::new();
        let events = [
            (StepId::Training, Event::Start),
            (
                StepId::Training,
                Event::Record(Evidence::Training(QuizEvidence::new(6, 10))),
            ),
            (
                StepId::Training,
                Event::Record(Evidence::Training(QuizEvidence::new(9, 10))),
            ),
            (StepId::AlertsOn, Event::Start),
            (StepId::Training, Event::Reset),
        ];
        for (i, (step, ev)) in events.iter().cycle().take(n).enumerate() {
            let t = match c.apply(*step, ev, Timestamp(1_000 + i as i64), &p) {
                Ok(t) => t,
                Err(_) => continue,
            };
            let r = next_record(out.last().map(AuditRecord::head).as_ref(), &t).unwrap();
            out.push(r);
        }
        out
    }

    #[test]
    fn a_fresh_chain_verifies() {
        let c = chain(5);
        assert_eq!(c.len(), 5);
        let v = verify(&c, Some(&c[4].head()));
        assert!(v.is_intact(), "{v:?}");
        assert_eq!(v.records, 5);
        assert_eq!(c[0].prev_hash, GENESIS_HASH);
        assert_eq!(c[1].prev_hash, c[0].hash);
        assert_eq!(c[0].hash.len(), 64);
        assert!(verify(&[], None).is_intact());
    }

    #[test]
    fn canonical_bytes_are_length_prefixed() {
        let b = canonical_bytes(1, Timestamp(2), "a", "bc", "", Some("{}"), "00");
        let mut want = TAG.to_vec();
        want.extend_from_slice(&1u64.to_be_bytes());
        want.extend_from_slice(&2i64.to_be_bytes());
        want.extend_from_slice(&[0, 0, 0, 1, b'a', 0, 0, 0, 2, b'b', b'c', 0, 0, 0, 0]);
        want.extend_from_slice(&[1, 0, 0, 0, 2, b'{', b'}', 0, 0, 0, 2, b'0', b'0']);
        assert_eq!(b, want);
        // No evidence differs from empty evidence.
        assert_ne!(
            canonical_bytes(1, Timestamp(2), "a", "b", "c", None, "00"),
            canonical_bytes(1, Timestamp(2), "a", "b", "c", Some(""), "00")
        );
    }

    #[test]
    fn every_kind_of_tampering_is_found() {
        let c = chain(5);
        let head = c[4].head();
        let first = |recs: &[AuditRecord]| verify(recs, Some(&head)).first_break;

        let mut t = c.clone();
        t[2].evidence = Some(r#"{"step":"training","score":10,"total":10,"passed":true}"#.into());
        assert_eq!(
            first(&t),
            Some(ChainBreak {
                seq: 3,
                kind: BreakKind::Altered
            })
        );

        let mut t = c.clone();
        t[1].at = Timestamp(0);
        assert_eq!(first(&t).unwrap().seq, 2);

        let mut t = c.clone();
        t.remove(2);
        assert_eq!(
            first(&t),
            Some(ChainBreak {
                seq: 3,
                kind: BreakKind::Missing
            })
        );

        let mut t = c.clone();
        t.swap(1, 2);
        assert_eq!(
            first(&t),
            Some(ChainBreak {
                seq: 3,
                kind: BreakKind::OutOfOrder
            })
        );

        // Reordered and renumbered: the hashes no longer match.
        let mut t = c.clone();
        t.swap(1, 2);
        t[1].seq = 2;
        t[2].seq = 3;
        assert_eq!(
            first(&t),
            Some(ChainBreak {
                seq: 2,
                kind: BreakKind::Altered
            })
        );

        // A record re-hashed after editing breaks the link of the next one.
        let mut t = c.clone();
        t[1].to = "done".into();
        t[1].hash = t[1].compute_hash();
        assert_eq!(
            first(&t),
            Some(ChainBreak {
                seq: 3,
                kind: BreakKind::BrokenLink
            })
        );

        // The whole tail re-hashed: the statuses no longer replay, or the head differs.
        let mut t = c.clone();
        t[1].to = "done".into();
        for i in 1..t.len() {
            if i > 1 {
                t[i].prev_hash = t[i - 1].hash.clone();
            }
            t[i].hash = t[i].compute_hash();
        }
        assert!(first(&t).is_some());

        // Cut off the end: the head kept beside the log tells.
        let t = c[..3].to_vec();
        assert_eq!(
            first(&t),
            Some(ChainBreak {
                seq: 4,
                kind: BreakKind::Missing
            })
        );
        assert_eq!(
            first(&[]),
            Some(ChainBreak {
                seq: 1,
                kind: BreakKind::Missing
            })
        );

        // Duplicated record.
        let mut t = c.clone();
        t.insert(2, c[1].clone());
        assert_eq!(
            first(&t),
            Some(ChainBreak {
                seq: 2,
                kind: BreakKind::OutOfOrder
            })
        );

        // An unparseable step is still verified by hash.
        let mut t = c.clone();
        t[0].step = "nonsense".into();
        assert_eq!(
            first(&t),
            Some(ChainBreak {
                seq: 1,
                kind: BreakKind::Altered
            })
        );
    }

    fn anchor_of(r: &AuditRecord) -> AnchoredHead {
        AnchoredHead {
            seq: r.seq,
            hash: r.hash.clone(),
            at: Timestamp(5_000),
            device_id: "d".into(),
            org_key: "k".into(),
            signature: "s".into(),
        }
    }

    #[test]
    fn an_anchor_catches_a_consistent_truncation_or_rewrite() {
        let c = chain(5);
        let anchor = anchor_of(&c[3]);
        // Intact, and the chain may grow past the anchor.
        assert!(verify_anchored(&c, Some(&c[4].head()), Some(&anchor)).is_intact());
        assert!(verify_anchored(&c[..4], Some(&c[3].head()), Some(&anchor)).is_intact());
        // Cut short, head rewritten to match: only the anchor tells.
        let t = c[..3].to_vec();
        assert!(verify(&t, Some(&t[2].head())).is_intact());
        assert_eq!(
            verify_anchored(&t, Some(&t[2].head()), Some(&anchor)).first_break,
            Some(ChainBreak {
                seq: 4,
                kind: BreakKind::TruncatedSinceAnchor
            })
        );
        assert_eq!(
            check_anchor(&[], &anchor).map(|b| b.kind),
            Some(BreakKind::TruncatedSinceAnchor)
        );
        // A record before the anchor edited and the rest re-hashed consistently.
        let mut t = c.clone();
        t[1].evidence = Some(r#"{"step":"training","score":10,"total":10,"passed":false}"#.into());
        for i in 1..t.len() {
            if i > 1 {
                t[i].prev_hash = t[i - 1].hash.clone();
            }
            t[i].hash = t[i].compute_hash();
        }
        let head = t[4].head();
        assert!(verify(&t, Some(&head)).is_intact());
        assert_eq!(
            verify_anchored(&t, Some(&head), Some(&anchor)).first_break,
            Some(ChainBreak {
                seq: 4,
                kind: BreakKind::RewrittenSinceAnchor
            })
        );
        // The chain's own break comes first.
        let mut t = c.clone();
        t[0].at = Timestamp(1);
        assert_eq!(
            verify_anchored(&t, Some(&head), Some(&anchor))
                .first_break
                .map(|b| b.kind),
            Some(BreakKind::Altered)
        );
    }

    #[test]
    fn replay_follows_the_statuses() {
        let c = chain(4);
        let v = verify(&c, None);
        assert!(v.is_intact());
        let get = |s| v.replayed.iter().find(|(x, _)| *x == s).map(|(_, st)| *st);
        assert_eq!(get(StepId::Training), Some(StepStatus::Done));
        assert_eq!(get(StepId::AlertsOn), Some(StepStatus::InProgress));
        assert_eq!(get(StepId::DrillOwner), Some(StepStatus::NotStarted));
    }
}
