//! [`DeskStore`] on PostgreSQL: the organisation, enrolment, agents, devices, TOTP, rate limits,
//! nonces, policy, audit anchors; reports, the feed and check-ins delegate to their files.

use super::{checkins, col, db, feed, lock, reports, to_i64, to_u32, to_u64, PgStore};
use crate::policy::Policy;
use crate::store::{
    AgentRecord, AnchorOutcome, Attempt, AuditAnchorRecord, CheckInRecord, DeskStore, DeviceRecord,
    EnrollCodeRecord, EnrollOutcome, FailureKind, FeedItemRecord, FeedPublisherRecord,
    KnownItemRecord, NewFeedItem, NewKnownItem, NewReport, OrgFeedRecord, OrgRecord,
    ReportAdmission, ReportGroup, ReportRecord, ReportStatus, ResolveOutcome, StoreError,
    TotpRecord,
};
use postgres::{GenericClient, Row, Transaction};
use verity_device::proto::AgentProfile;

const DEVICE_COLUMNS: &str = "d.device_id, d.public_key, d.employee_id, d.employee_name, \
    d.hostname, d.os, d.app_version, d.enrolled_at, d.enrolled_from, d.cert_serial, \
    d.cert_expires_at, d.revoked_at, d.revoke_reason, COALESCE(t.confirmed, FALSE)";

fn device_row(r: &Row) -> Result<DeviceRecord, StoreError> {
    Ok(DeviceRecord {
        device_id: col(r, 0)?,
        public_key: col(r, 1)?,
        employee_id: col(r, 2)?,
        employee_name: col(r, 3)?,
        hostname: col(r, 4)?,
        os: col(r, 5)?,
        app_version: col(r, 6)?,
        enrolled_at: to_u64(col(r, 7)?),
        enrolled_from: col(r, 8)?,
        cert_serial: col(r, 9)?,
        cert_expires_at: to_u64(col(r, 10)?),
        revoked_at: col::<Option<i64>>(r, 11)?.map(to_u64),
        revoke_reason: col(r, 12)?,
        totp_confirmed: col(r, 13)?,
    })
}

fn profile_json(p: &AgentProfile) -> Result<String, StoreError> {
    serde_json::to_string(p).map_err(|e| StoreError::Damaged(format!("agent profile: {e}")))
}

fn parse_profile(json: &str) -> Result<AgentProfile, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Damaged(format!("agent profile: {e}")))
}

const AGENT_COLUMNS: &str = "agent_id, public_key, profile, enrolled_at, enrolled_from, \
    cert_serial, cert_expires_at, revoked_at, revoke_reason";

fn agent_row(r: &Row) -> Result<AgentRecord, StoreError> {
    Ok(AgentRecord {
        agent_id: col(r, 0)?,
        public_key: col(r, 1)?,
        profile: parse_profile(&col::<String>(r, 2)?)?,
        enrolled_at: to_u64(col(r, 3)?),
        enrolled_from: col(r, 4)?,
        cert_serial: col(r, 5)?,
        cert_expires_at: to_u64(col(r, 6)?),
        revoked_at: col::<Option<i64>>(r, 7)?.map(to_u64),
        revoke_reason: col(r, 8)?,
    })
}

fn read_anchor(
    c: &mut impl GenericClient,
    device_id: &str,
) -> Result<Option<AuditAnchorRecord>, StoreError> {
    c.query_opt(
        "SELECT seq, hash, anchored_at FROM audit_anchors WHERE device_id = $1",
        &[&device_id],
    )
    .map_err(db)?
    .map(|r| {
        Ok(AuditAnchorRecord {
            device_id: device_id.to_owned(),
            seq: to_u64(col(&r, 0)?),
            hash: col(&r, 1)?,
            anchored_at: to_u64(col(&r, 2)?),
        })
    })
    .transpose()
}

fn count_failures(
    c: &mut impl GenericClient,
    kind: FailureKind,
    subject: &str,
    since: u64,
) -> Result<(u32, Option<u64>), StoreError> {
    let r = c
        .query_one(
            "SELECT COUNT(*), MAX(at) FROM failures WHERE kind = $1 AND subject = $2 AND at >= $3",
            &[&kind.as_str(), &subject, &to_i64(since)],
        )
        .map_err(db)?;
    Ok((to_u32(col(&r, 0)?), col::<Option<i64>>(&r, 1)?.map(to_u64)))
}

/// What an enrolment code enrols.
#[derive(Clone, Copy)]
enum Kind {
    Device,
    Agent,
}

/// Inside an enrolment's transaction, as SQLite's `claim_code`: refuses a key already enrolled
/// as a device or an agent, else marks the code used by `id` if it is unused, unrevoked and of
/// this kind. The advisory lock on the key makes the existence check and the insert that follows
/// one step for every desk (two codes racing to enrol one key: one wins); the conditional
/// `UPDATE` makes the code's use atomic (two keys racing for one code: one wins).
fn claim_code(
    tx: &mut Transaction<'_>,
    kind: Kind,
    id: &str,
    code_hash: &str,
    now: u64,
) -> Result<Option<EnrollOutcome>, StoreError> {
    lock(tx, &format!("enrol-key:{id}"))?;
    let code_kind = match kind {
        Kind::Device => "agent_profile IS NULL",
        Kind::Agent => "agent_profile IS NOT NULL",
    };
    let exists: bool = col(
        &tx.query_one(
            "SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = $1) \
             OR EXISTS (SELECT 1 FROM agents WHERE agent_id = $1)",
            &[&id],
        )
        .map_err(db)?,
        0,
    )?;
    if exists {
        return Ok(Some(EnrollOutcome::DeviceExists));
    }
    let n = tx
        .execute(
            &format!(
                "UPDATE enroll_codes SET used_at = $2, used_by = $3 \
                 WHERE code_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND {code_kind}"
            ),
            &[&code_hash, &to_i64(now), &id],
        )
        .map_err(db)?;
    Ok((n != 1).then_some(EnrollOutcome::CodeUsed))
}

impl DeskStore for PgStore {
    fn init_org(&self, org: &OrgRecord) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO org (id, name, public_key, created_at) VALUES (1, $1, $2, $3)",
                &[&org.name, &org.public_key, &to_i64(org.created_at)],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn org(&self) -> Result<Option<OrgRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT name, public_key, created_at FROM org WHERE id = 1",
                &[],
            )
            .map_err(db)?
            .map(|r| {
                Ok(OrgRecord {
                    name: col(&r, 0)?,
                    public_key: col(&r, 1)?,
                    created_at: to_u64(col(&r, 2)?),
                })
            })
            .transpose()
        })
    }

    fn add_enroll_code(&self, c: &EnrollCodeRecord) -> Result<(), StoreError> {
        let profile = c.agent.as_ref().map(profile_json).transpose()?;
        let scheme = i32::try_from(c.scheme).unwrap_or(i32::MAX);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO enroll_codes (code_hash, scheme, employee_id, employee_name, \
                 created_at, expires_at, agent_profile, team) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &c.code_hash,
                    &scheme,
                    &c.employee_id,
                    &c.employee_name,
                    &to_i64(c.created_at),
                    &to_i64(c.expires_at),
                    &profile,
                    &c.team,
                ],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn enroll_code(&self, code_hash: &str) -> Result<Option<EnrollCodeRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT code_hash, scheme, employee_id, employee_name, created_at, expires_at, \
                 used_at, used_by, agent_profile, team FROM enroll_codes WHERE code_hash = $1",
                &[&code_hash],
            )
            .map_err(db)?
            .map(|r| {
                Ok(EnrollCodeRecord {
                    code_hash: col(&r, 0)?,
                    scheme: u32::try_from(col::<i32>(&r, 1)?).unwrap_or(0),
                    employee_id: col(&r, 2)?,
                    employee_name: col(&r, 3)?,
                    created_at: to_u64(col(&r, 4)?),
                    expires_at: to_u64(col(&r, 5)?),
                    used_at: col::<Option<i64>>(&r, 6)?.map(to_u64),
                    used_by: col(&r, 7)?,
                    agent: col::<Option<String>>(&r, 8)?
                        .as_deref()
                        .map(parse_profile)
                        .transpose()?,
                    team: col(&r, 9)?,
                })
            })
            .transpose()
        })
    }

    fn complete_enrollment(
        &self,
        code_hash: &str,
        d: &DeviceRecord,
        now: u64,
    ) -> Result<EnrollOutcome, StoreError> {
        self.write(|tx| {
            if let Some(refused) = claim_code(tx, Kind::Device, &d.device_id, code_hash, now)? {
                return Ok(refused);
            }
            tx.execute(
                "INSERT INTO devices (device_id, public_key, employee_id, employee_name, \
                 hostname, os, app_version, enrolled_at, enrolled_from, cert_serial, \
                 cert_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &d.device_id,
                    &d.public_key,
                    &d.employee_id,
                    &d.employee_name,
                    &d.hostname,
                    &d.os,
                    &d.app_version,
                    &to_i64(d.enrolled_at),
                    &d.enrolled_from,
                    &d.cert_serial,
                    &to_i64(d.cert_expires_at),
                ],
            )
            .map_err(db)?;
            Ok(EnrollOutcome::Enrolled)
        })
    }

    fn begin_attempt(
        &self,
        kind: FailureKind,
        subject: &str,
        since: u64,
        max: u32,
        at: u64,
    ) -> Result<Attempt, StoreError> {
        // The subject's lock first: the count and the insert of concurrent attempts (on any
        // desk) cannot interleave, so at most `max` are admitted per window.
        self.write(|tx| {
            lock(tx, &format!("attempt:{}:{subject}", kind.as_str()))?;
            let (failures, last) = count_failures(tx, kind, subject, since)?;
            if failures >= max {
                return Ok(Attempt::Refused { failures, last });
            }
            let id: i64 = col(
                &tx.query_one(
                    "INSERT INTO failures (kind, subject, at) VALUES ($1, $2, $3) RETURNING id",
                    &[&kind.as_str(), &subject, &to_i64(at)],
                )
                .map_err(db)?,
                0,
            )?;
            // Failures older than a day matter to no rule.
            tx.execute(
                "DELETE FROM failures WHERE at < $1",
                &[&to_i64(at.saturating_sub(86_400))],
            )
            .map_err(db)?;
            Ok(Attempt::Admitted {
                id,
                earlier: failures,
            })
        })
    }

    fn release_attempt(&self, id: i64) -> Result<(), StoreError> {
        self.read(|c| {
            c.execute("DELETE FROM failures WHERE id = $1", &[&id])
                .map_err(db)?;
            Ok(())
        })
    }

    fn failures_since(
        &self,
        kind: FailureKind,
        subject: &str,
        since: u64,
    ) -> Result<(u32, Option<u64>), StoreError> {
        self.read(|c| count_failures(c, kind, subject, since))
    }

    fn clear_failures(&self, kind: FailureKind, subject: &str) -> Result<(), StoreError> {
        self.read(|c| {
            c.execute(
                "DELETE FROM failures WHERE kind = $1 AND subject = $2",
                &[&kind.as_str(), &subject],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn device(&self, device_id: &str) -> Result<Option<DeviceRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                &format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices d LEFT JOIN totp t \
                     ON t.device_id = d.device_id WHERE d.device_id = $1"
                ),
                &[&device_id],
            )
            .map_err(db)?
            .map(|r| device_row(&r))
            .transpose()
        })
    }

    fn complete_agent_enrollment(
        &self,
        code_hash: &str,
        a: &AgentRecord,
        now: u64,
    ) -> Result<EnrollOutcome, StoreError> {
        let profile = profile_json(&a.profile)?;
        self.write(|tx| {
            if let Some(refused) = claim_code(tx, Kind::Agent, &a.agent_id, code_hash, now)? {
                return Ok(refused);
            }
            tx.execute(
                &format!(
                    "INSERT INTO agents ({AGENT_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL)"
                ),
                &[
                    &a.agent_id,
                    &a.public_key,
                    &profile,
                    &to_i64(a.enrolled_at),
                    &a.enrolled_from,
                    &a.cert_serial,
                    &to_i64(a.cert_expires_at),
                ],
            )
            .map_err(db)?;
            Ok(EnrollOutcome::Enrolled)
        })
    }

    fn agent(&self, agent_id: &str) -> Result<Option<AgentRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                &format!("SELECT {AGENT_COLUMNS} FROM agents WHERE agent_id = $1"),
                &[&agent_id],
            )
            .map_err(db)?
            .map(|r| agent_row(&r))
            .transpose()
        })
    }

    fn list_agents(&self) -> Result<Vec<AgentRecord>, StoreError> {
        self.read(|c| {
            c.query(
                &format!("SELECT {AGENT_COLUMNS} FROM agents ORDER BY enrolled_at DESC, agent_id"),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(agent_row)
            .collect()
        })
    }

    fn revoke_agent(&self, agent_id: &str, at: u64, reason: &str) -> Result<bool, StoreError> {
        self.read(|c| {
            let n = c
                .execute(
                    "UPDATE agents SET revoked_at = $2, revoke_reason = $3 \
                     WHERE agent_id = $1 AND revoked_at IS NULL",
                    &[&agent_id, &to_i64(at), &reason],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn list_devices(&self) -> Result<Vec<DeviceRecord>, StoreError> {
        self.read(|c| {
            c.query(
                &format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices d LEFT JOIN totp t \
                     ON t.device_id = d.device_id ORDER BY d.enrolled_at DESC, d.device_id"
                ),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(device_row)
            .collect()
        })
    }

    fn revoke_device(&self, device_id: &str, at: u64, reason: &str) -> Result<bool, StoreError> {
        self.read(|c| {
            let n = c
                .execute(
                    "UPDATE devices SET revoked_at = $2, revoke_reason = $3 \
                     WHERE device_id = $1 AND revoked_at IS NULL",
                    &[&device_id, &to_i64(at), &reason],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn set_totp(&self, device_id: &str, sealed_secret: &[u8]) -> Result<(), StoreError> {
        self.read(|c| {
            c.execute(
                "INSERT INTO totp (device_id, sealed_secret, confirmed, last_step) \
                 VALUES ($1, $2, FALSE, NULL) ON CONFLICT (device_id) DO UPDATE SET \
                 sealed_secret = excluded.sealed_secret, confirmed = FALSE, last_step = NULL",
                &[&device_id, &sealed_secret],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn clear_totp(&self, device_id: &str) -> Result<bool, StoreError> {
        self.read(|c| {
            let n = c
                .execute("DELETE FROM totp WHERE device_id = $1", &[&device_id])
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn totp(&self, device_id: &str) -> Result<Option<TotpRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT sealed_secret, confirmed, last_step FROM totp WHERE device_id = $1",
                &[&device_id],
            )
            .map_err(db)?
            .map(|r| {
                Ok(TotpRecord {
                    sealed_secret: col(&r, 0)?,
                    confirmed: col(&r, 1)?,
                    last_step: col::<Option<i64>>(&r, 2)?.map(to_u64),
                })
            })
            .transpose()
        })
    }

    fn accept_totp_step(&self, device_id: &str, step: u64) -> Result<bool, StoreError> {
        // One statement: a racing request with the same step waits for the row, then finds the
        // condition false.
        self.read(|c| {
            let n = c
                .execute(
                    "UPDATE totp SET last_step = $2, confirmed = TRUE WHERE device_id = $1 \
                     AND (last_step IS NULL OR last_step < $2)",
                    &[&device_id, &to_i64(step)],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn use_nonce(
        &self,
        key_id: &str,
        nonce: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM nonces WHERE expires_at < $1", &[&to_i64(now)])
                .map_err(db)?;
            // The primary key decides: of two racing inserts, one conflicts.
            let n = tx
                .execute(
                    "INSERT INTO nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                    &[&key_id, &nonce, &to_i64(expires_at)],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    fn org_feed(&self) -> Result<Option<OrgFeedRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT url, root_json, updated_at FROM org_feed WHERE id = 1",
                &[],
            )
            .map_err(db)?
            .map(|r| {
                Ok(OrgFeedRecord {
                    url: col(&r, 0)?,
                    root_json: col(&r, 1)?,
                    updated_at: to_u64(col(&r, 2)?),
                })
            })
            .transpose()
        })
    }

    fn set_org_feed(&self, feed: Option<&OrgFeedRecord>) -> Result<(), StoreError> {
        self.read(|c| {
            match feed {
                Some(f) => c.execute(
                    "INSERT INTO org_feed (id, url, root_json, updated_at) VALUES (1, $1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET url = excluded.url, \
                     root_json = excluded.root_json, updated_at = excluded.updated_at",
                    &[&f.url, &f.root_json, &to_i64(f.updated_at)],
                ),
                None => c.execute("DELETE FROM org_feed", &[]),
            }
            .map_err(db)?;
            Ok(())
        })
    }

    fn anchor_audit_head(
        &self,
        device_id: &str,
        seq: u64,
        hash: &str,
        at: u64,
    ) -> Result<AnchorOutcome, StoreError> {
        self.write(|tx| {
            lock(tx, &format!("anchor:{device_id}"))?;
            if let Some(k) = read_anchor(tx, device_id)? {
                if seq < k.seq || (seq == k.seq && hash != k.hash) {
                    return Ok(AnchorOutcome::Refused { kept: k });
                }
            }
            tx.execute(
                "INSERT INTO audit_anchors (device_id, seq, hash, anchored_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (device_id) DO UPDATE SET \
                 seq = excluded.seq, hash = excluded.hash, anchored_at = excluded.anchored_at",
                &[&device_id, &to_i64(seq), &hash, &to_i64(at)],
            )
            .map_err(db)?;
            Ok(AnchorOutcome::Anchored)
        })
    }

    fn audit_anchor(&self, device_id: &str) -> Result<Option<AuditAnchorRecord>, StoreError> {
        self.read(|c| read_anchor(c, device_id))
    }

    fn policy(&self) -> Result<Option<Policy>, StoreError> {
        let json: Option<String> = self.read(|c| {
            c.query_opt("SELECT json FROM policy WHERE id = 1", &[])
                .map_err(db)?
                .map(|r| col(&r, 0))
                .transpose()
        })?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| StoreError::Damaged(e.to_string())))
            .transpose()
    }

    fn set_policy(&self, policy: Option<&Policy>) -> Result<(), StoreError> {
        let json = policy
            .map(|p| serde_json::to_string(p).map_err(|e| StoreError::Damaged(e.to_string())))
            .transpose()?;
        self.read(|c| {
            match json {
                Some(j) => c.execute(
                    "INSERT INTO policy (id, json) VALUES (1, $1) \
                     ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                    &[&j],
                ),
                None => c.execute("DELETE FROM policy", &[]),
            }
            .map_err(db)?;
            Ok(())
        })
    }

    fn reports_since(&self, device_id: &str, since: u64) -> Result<u32, StoreError> {
        self.read(|c| reports::count_since(c, device_id, since))
    }

    fn add_report(
        &self,
        r: &NewReport,
        since: u64,
        max: u32,
    ) -> Result<ReportAdmission, StoreError> {
        self.write(|tx| reports::add(tx, r, since, max))
    }

    fn report(&self, id: u64) -> Result<Option<ReportRecord>, StoreError> {
        self.read(|c| reports::get(c, id))
    }

    fn report_groups(&self, status: Option<ReportStatus>) -> Result<Vec<ReportGroup>, StoreError> {
        self.read(|c| reports::groups(c, status))
    }

    fn reports_of_device(
        &self,
        device_id: &str,
        ids: &[u64],
    ) -> Result<Vec<ReportRecord>, StoreError> {
        self.read(|c| reports::of_device(c, device_id, ids))
    }

    fn resolve_reports(
        &self,
        id: u64,
        status: ReportStatus,
        reason: &str,
        at: u64,
    ) -> Result<ResolveOutcome, StoreError> {
        self.write(|tx| reports::resolve(tx, id, status, reason, at))
    }

    fn confirm_reports_into_feed(
        &self,
        id: u64,
        reason: &str,
        at: u64,
        item: &NewFeedItem,
    ) -> Result<ResolveOutcome, StoreError> {
        self.write(|tx| {
            let outcome = reports::resolve(tx, id, ReportStatus::Confirmed, reason, at)?;
            if matches!(outcome, ResolveOutcome::Resolved { .. }) {
                feed::queue(tx, item)?;
            }
            Ok(outcome)
        })
    }

    fn confirm_reports_into_allowlist(
        &self,
        id: u64,
        reason: &str,
        at: u64,
        item: &NewKnownItem,
    ) -> Result<ResolveOutcome, StoreError> {
        self.write(|tx| {
            let outcome = reports::resolve(tx, id, ReportStatus::Confirmed, reason, at)?;
            if matches!(outcome, ResolveOutcome::Resolved { .. }) {
                feed::queue_known(tx, item)?;
            }
            Ok(outcome)
        })
    }

    fn known_items(&self, pending: bool, limit: u32) -> Result<Vec<KnownItemRecord>, StoreError> {
        self.read(|c| feed::known_items(c, pending, limit))
    }

    fn mark_known_items_published(
        &self,
        ids: &[u64],
        version: u64,
        at: u64,
    ) -> Result<(), StoreError> {
        self.write(|tx| feed::mark_published(tx, "feed_known", ids, version, at))
    }

    fn feed_publisher(&self) -> Result<Option<FeedPublisherRecord>, StoreError> {
        self.read(feed::publisher)
    }

    fn set_feed_publisher(&self, p: Option<&FeedPublisherRecord>) -> Result<(), StoreError> {
        self.write(|tx| feed::set_publisher(tx, p))
    }

    fn feed_items(&self, pending: bool, limit: u32) -> Result<Vec<FeedItemRecord>, StoreError> {
        self.read(|c| feed::items(c, pending, limit))
    }

    fn mark_feed_items_published(
        &self,
        ids: &[u64],
        version: u64,
        at: u64,
    ) -> Result<(), StoreError> {
        self.write(|tx| feed::mark_published(tx, "feed_items", ids, version, at))
    }

    fn record_check_in(&self, c: &CheckInRecord) -> Result<(), StoreError> {
        self.read(|conn| checkins::record(conn, c))
    }

    fn report_line(&self, id: u64, limit: u32) -> Result<Vec<ReportRecord>, StoreError> {
        self.read(|c| reports::line(c, id, limit))
    }

    fn reports_received_since(&self, since: u64) -> Result<u32, StoreError> {
        self.read(|c| {
            let r = c
                .query_one(
                    "SELECT COUNT(*) FROM reports WHERE received_at >= $1",
                    &[&to_i64(since)],
                )
                .map_err(db)?;
            Ok(to_u32(col(&r, 0)?))
        })
    }

    fn device_teams(&self) -> Result<std::collections::HashMap<String, String>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT used_by, team FROM enroll_codes \
                 WHERE used_by IS NOT NULL AND team IS NOT NULL",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| Ok((col(r, 0)?, col(r, 1)?)))
            .collect()
        })
    }

    fn check_ins(&self) -> Result<Vec<CheckInRecord>, StoreError> {
        self.read(checkins::all)
    }
}
