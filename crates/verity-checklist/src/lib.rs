//! Verity's security checklist, pure: the five steps' states, typed evidence and legal
//! transitions ([`checklist`]), the audit log's hash chain and its countersigned anchor
//! ([`audit`]), and the manager's report and the internal announcement ([`report`]). The store
//! keeps the states and the log; time comes in as values.

pub mod audit;
pub mod checklist;
pub mod report;
