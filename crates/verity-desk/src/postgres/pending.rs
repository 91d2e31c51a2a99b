//! The trait not yet ported to PostgreSQL: each method answers that it is not implemented on
//! PostgreSQL yet ([`unfinished`]). Because of them the store is not selectable:
//! `verity-desk --database postgres://…` refuses with a clear error (`crate::admin::check_database`)
//! until this file is gone. Port one trait at a time into a file of its own (as `sqlite/`), with
//! its tables as a new migration, and delete its block here.

#![allow(unused_variables)]

use super::PgStore;
use crate::store::StoreError;
use crate::support::store::{
    AlertRecord, ClaimOutcome, FrameIn, FrameOutcome, PresenceRecord, RouteRecord, StoredCursor,
    StoredFrame, SupportSessionRecord,
};

/// The error of a method not yet ported.
pub(super) fn unfinished(what: &str) -> StoreError {
    StoreError::Db(format!("{what} is not implemented on PostgreSQL yet"))
}

impl crate::support::store::SupportStore for PgStore {
    fn audit_recipient(&self) -> Result<Option<String>, StoreError> {
        Err(unfinished("SupportStore::audit_recipient"))
    }

    fn set_audit_recipient(&self, recipient: Option<&str>, at: u64) -> Result<(), StoreError> {
        Err(unfinished("SupportStore::set_audit_recipient"))
    }

    fn add_route(
        &self,
        category: &str,
        region: &str,
        language: &str,
        team: &str,
    ) -> Result<i64, StoreError> {
        Err(unfinished("SupportStore::add_route"))
    }

    fn routes(&self) -> Result<Vec<RouteRecord>, StoreError> {
        Err(unfinished("SupportStore::routes"))
    }

    fn remove_route(&self, id: i64) -> Result<bool, StoreError> {
        Err(unfinished("SupportStore::remove_route"))
    }

    fn open_support_session(&self, s: &SupportSessionRecord) -> Result<bool, StoreError> {
        Err(unfinished("SupportStore::open_support_session"))
    }

    fn support_session(
        &self,
        session_id: &str,
    ) -> Result<Option<SupportSessionRecord>, StoreError> {
        Err(unfinished("SupportStore::support_session"))
    }

    fn open_session_of(
        &self,
        employee_id: &str,
    ) -> Result<Option<SupportSessionRecord>, StoreError> {
        Err(unfinished("SupportStore::open_session_of"))
    }

    fn live_sessions(&self) -> Result<Vec<SupportSessionRecord>, StoreError> {
        Err(unfinished("SupportStore::live_sessions"))
    }

    fn recent_sessions(&self, limit: u32) -> Result<Vec<SupportSessionRecord>, StoreError> {
        Err(unfinished("SupportStore::recent_sessions"))
    }

    fn offer_session(
        &self,
        session_id: &str,
        agent_id: &str,
        expires_at: u64,
    ) -> Result<bool, StoreError> {
        Err(unfinished("SupportStore::offer_session"))
    }

    fn claim_session(
        &self,
        session_id: &str,
        agent_id: &str,
        agent_certificate: &str,
        capacity: u32,
        now: u64,
        first_response_deadline: u64,
    ) -> Result<ClaimOutcome, StoreError> {
        Err(unfinished("SupportStore::claim_session"))
    }

    fn withdraw_offer(&self, session_id: &str, agent_id: &str) -> Result<bool, StoreError> {
        Err(unfinished("SupportStore::withdraw_offer"))
    }

    fn requeue_session(
        &self,
        session_id: &str,
        agent_id: &str,
        team: Option<&str>,
        head: bool,
        now: u64,
    ) -> Result<bool, StoreError> {
        Err(unfinished("SupportStore::requeue_session"))
    }

    fn declined_by(&self, session_id: &str) -> Result<Vec<String>, StoreError> {
        Err(unfinished("SupportStore::declined_by"))
    }

    fn close_support_session(
        &self,
        session_id: &str,
        outcome: &str,
        now: u64,
    ) -> Result<Option<SupportSessionRecord>, StoreError> {
        Err(unfinished("SupportStore::close_support_session"))
    }

    fn set_call(
        &self,
        session_id: &str,
        agent_id: &str,
        call_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        Err(unfinished("SupportStore::set_call"))
    }

    fn raise_alert(&self, session_id: &str, kind: &str, now: u64) -> Result<bool, StoreError> {
        Err(unfinished("SupportStore::raise_alert"))
    }

    fn alerts(&self, limit: u32) -> Result<Vec<AlertRecord>, StoreError> {
        Err(unfinished("SupportStore::alerts"))
    }

    fn store_frame(
        &self,
        f: &FrameIn<'_>,
        now: u64,
        max_frames: u64,
        max_bytes: u64,
    ) -> Result<FrameOutcome, StoreError> {
        Err(unfinished("SupportStore::store_frame"))
    }

    fn frames_after(
        &self,
        session_id: &str,
        dir: &str,
        cursor: StoredCursor,
    ) -> Result<Vec<StoredFrame>, StoreError> {
        Err(unfinished("SupportStore::frames_after"))
    }

    fn set_ack(&self, session_id: &str, dir: &str, c: StoredCursor) -> Result<(), StoreError> {
        Err(unfinished("SupportStore::set_ack"))
    }

    fn set_presence(&self, agent_id: &str, online: bool, now: u64) -> Result<(), StoreError> {
        Err(unfinished("SupportStore::set_presence"))
    }

    fn heartbeat(&self, agent_id: &str, now: u64) -> Result<bool, StoreError> {
        Err(unfinished("SupportStore::heartbeat"))
    }

    fn agent_dropped(&self, agent_id: &str, at: u64) -> Result<bool, StoreError> {
        Err(unfinished("SupportStore::agent_dropped"))
    }

    fn presences(&self) -> Result<Vec<PresenceRecord>, StoreError> {
        Err(unfinished("SupportStore::presences"))
    }

    fn set_idle(&self, agent_id: &str, now: u64) -> Result<(), StoreError> {
        Err(unfinished("SupportStore::set_idle"))
    }

    fn put_transcript(
        &self,
        session_id: &str,
        sealed_by: &str,
        sealed: &[u8],
        now: u64,
    ) -> Result<bool, StoreError> {
        Err(unfinished("SupportStore::put_transcript"))
    }

    fn transcript(&self, session_id: &str, sealed_by: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Err(unfinished("SupportStore::transcript"))
    }
}
