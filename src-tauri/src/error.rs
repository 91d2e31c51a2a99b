//! The error every command returns: `{ code, message }`, with a closed set of codes the UI
//! branches on. Messages are for people; they carry no SQL, no key material, no stack.

use serde::Serialize;
use specta::Type;

/// Declares [`ErrorReason`] from `Variant => "code"` pairs, with `ALL`, `as_str` and
/// `from_code` (a code outside the set, such as a newer desk's, is `Unknown`).
macro_rules! reasons {
    ( $( $(#[$meta:meta])* $variant:ident => $code:literal, )+ ) => {
        /// The closed set of finer codes within an [`ErrorCode`], which the UI words: Verity's
        /// own refusals, the checklist's transition and evidence codes, the scanner's codes and
        /// the desk's refusal codes. A code this build does not know (a newer desk's) is
        /// `unknown`; its message still says what happened.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Type)]
        pub enum ErrorReason {
            $( $(#[$meta])* #[serde(rename = $code)] $variant, )+
            /// A code this build does not know.
            #[serde(rename = "unknown")]
            Unknown,
        }

        impl ErrorReason {
            /// Every known reason, in declaration order (not `Unknown`).
            pub const ALL: &'static [ErrorReason] = &[ $( ErrorReason::$variant, )+ ];

            /// The snake_case code, as serialised.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $( ErrorReason::$variant => $code, )+
                    ErrorReason::Unknown => "unknown",
                }
            }

            /// The reason for `code`, or `Unknown` when this build does not know it.
            #[must_use]
            pub fn from_code(code: &str) -> Self {
                match code {
                    $( $code => ErrorReason::$variant, )+
                    _ => ErrorReason::Unknown,
                }
            }
        }
    };
}

reasons! {
    // ---- Verity's own refusals ----
    /// A text longer than the checks read.
    TooLong => "too_long",
    /// A file or request over its size limit (a file to scan, a desk request).
    TooLarge => "too_large",
    /// The export file exists and replacing it was not asked for.
    Exists => "exists",
    /// The export place cannot be written.
    CannotWrite => "cannot_write",
    /// The disk (or the user's quota) is full: nothing was changed.
    DiskFull => "disk_full",
    /// A keyboard shortcut that cannot be parsed.
    ShortcutInvalid => "shortcut_invalid",
    /// A keyboard shortcut the system refused (taken by another application).
    ShortcutRefused => "shortcut_refused",
    /// A feed root other than the one whose fingerprint the user confirmed.
    RootUnconfirmed => "root_unconfirmed",
    /// The organisation pinned the feed's root; it cannot be replaced by hand.
    RootPinned => "root_pinned",
    /// The organisation locked the tripwires on; Settings cannot turn them off.
    TripwireLocked => "tripwire_locked",
    /// No such tripwire event (it was dropped, or the id is wrong).
    NoSuchEvent => "no_such_event",
    /// A note for IT that is too long or holds control or invisible formatting characters.
    ReportNoteInvalid => "report_note_invalid",
    /// This device sent IT too many reports this hour.
    ReportRateLimited => "report_rate_limited",
    /// A note for IT that holds a one-time code (never sent, not even to IT).
    ReportNoteHasCode => "report_note_has_code",
    /// Nothing to report: an input that is not a number, link or message, or an entry no
    /// longer kept.
    NothingToReport => "nothing_to_report",
    /// A date that is not `YYYY-MM-DD`.
    BadDate => "bad_date",
    /// Enrolment without the organisation key's fingerprint.
    FingerprintRequired => "fingerprint_required",
    /// An answer not signed by the organisation (an impostor, a relay, a proxy's page).
    AnswerUnsigned => "answer_unsigned",
    // ---- Checklist transitions ----
    /// The step is already in progress.
    AlreadyInProgress => "already_in_progress",
    /// The step is already done.
    AlreadyDone => "already_done",
    /// Evidence given for another step.
    EvidenceForOtherStep => "evidence_for_other_step",
    /// Malformed evidence (the evidence code says how, where there is one).
    InvalidEvidence => "invalid_evidence",
    /// The step is not done.
    NotDone => "not_done",
    /// The step does not recur.
    NotRecurring => "not_recurring",
    /// The step is not due yet.
    NotDueYet => "not_due_yet",
    /// The step has not been started.
    NotStarted => "not_started",
    // ---- Checklist evidence ----
    /// No files were scanned.
    NoFiles => "no_files",
    /// The scan's counts do not add up.
    ScanCounts => "scan_counts",
    /// A date in the future.
    InFuture => "in_future",
    /// No drill owner was named.
    EmptyOwner => "empty_owner",
    /// The drill owner is not a name.
    BadOwner => "bad_owner",
    /// The next drill is not in the future.
    NextDrillNotInFuture => "next_drill_not_in_future",
    /// The drill interval is not allowed.
    BadInterval => "bad_interval",
    /// The last drill's id is not usable.
    BadDrill => "bad_drill",
    /// A quiz with no questions.
    NoQuestions => "no_questions",
    /// A score above the total.
    ScoreAboveTotal => "score_above_total",
    /// The claimed pass does not match the score.
    PassedMismatch => "passed_mismatch",
    // ---- The scanner ----
    /// An empty file.
    Empty => "empty",
    /// A binary file.
    Binary => "binary",
    /// A text in an encoding that cannot be read.
    Encoding => "encoding",
    /// A file cut short.
    Truncated => "truncated",
    /// A malformed file.
    Malformed => "malformed",
    /// A format the scanner does not read.
    Unsupported => "unsupported",
    /// More entries than one scan reads.
    TooManyEntries => "too_many_entries",
    /// A spreadsheet too large to read safely.
    SpreadsheetTooLarge => "spreadsheet_too_large",
    /// A spreadsheet the reader refused.
    Spreadsheet => "spreadsheet",
    /// The blocklist could not be read.
    BlocklistUnavailable => "blocklist_unavailable",
    /// A cleaned copy of a format that has none.
    CleanCopyUnsupported => "clean_copy_unsupported",
    // ---- The desk's refusals (`verity_device::proto::codes`) ----
    /// A malformed request.
    BadRequest => "bad_request",
    /// The desk took too long.
    Timeout => "timeout",
    /// An endpoint the desk does not have.
    NotFound => "not_found",
    /// The desk failed.
    Internal => "internal",
    /// The request's time is too far from the desk's clock.
    TimestampStale => "timestamp_stale",
    /// A replayed request.
    NonceReplayed => "nonce_replayed",
    /// A request signature that does not verify.
    SignatureInvalid => "signature_invalid",
    /// A missing, malformed or foreign certificate.
    CertificateInvalid => "certificate_invalid",
    /// An expired certificate.
    CertificateExpired => "certificate_expired",
    /// The desk has no record of this device.
    DeviceUnknown => "device_unknown",
    /// The device was revoked.
    DeviceRevoked => "device_revoked",
    /// The device key is already enrolled.
    DeviceExists => "device_exists",
    /// An enrolment code the desk never issued.
    EnrollCodeInvalid => "enroll_code_invalid",
    /// An enrolment code already used.
    EnrollCodeUsed => "enroll_code_used",
    /// An expired enrolment code.
    EnrollCodeExpired => "enroll_code_expired",
    /// Too many failed enrolments from this address.
    EnrollRateLimited => "enroll_rate_limited",
    /// Two-factor authentication is not set up.
    TotpNotSetUp => "totp_not_set_up",
    /// Two-factor authentication is already confirmed.
    TotpAlreadySetUp => "totp_already_set_up",
    /// A wrong two-factor code.
    TotpInvalid => "totp_invalid",
    /// A two-factor code already used.
    TotpReused => "totp_reused",
    /// Too many wrong two-factor codes.
    TotpLocked => "totp_locked",
    /// An address outside the allowed ranges.
    RegionAddress => "region_address",
    /// A time zone outside the allowed regions.
    RegionTimezone => "region_timezone",
    /// A locale outside the allowed regions.
    RegionLocale => "region_locale",
    /// Support: no such session, or not this app's.
    SessionUnknown => "session_unknown",
    /// Support: the session is closed.
    SessionClosed => "session_closed",
    /// Support: a session is already open.
    SessionOpen => "session_open",
    /// Support: this app's role may not do that.
    Forbidden => "forbidden",
    /// Support: another agent took the session first.
    AlreadyTaken => "already_taken",
    /// Support: the agent holds as many sessions as they can.
    AtCapacity => "at_capacity",
    /// Support: a frame out of order or malformed.
    FrameInvalid => "frame_invalid",
    /// Support: too many messages, too fast.
    RateLimited => "rate_limited",
    /// Support: the agent was revoked.
    AgentRevoked => "agent_revoked",
    /// Support: no team serves this request.
    NoRoute => "no_route",
    /// Support: a web page tried to open the relay.
    OriginRefused => "origin_refused",
    /// Support: the organisation has not set its audit key yet.
    NoAuditKey => "no_audit_key",
    /// Support: the other app's certificate did not verify (wrong role, expired, another
    /// organisation, a bad key): not support.
    PeerUnverified => "peer_unverified",
    /// Support: the spoken code's commitment did not match (a man in the middle).
    CodeCommitmentBroken => "code_commitment_broken",
    /// Support: the caller's code did not match: an alert was raised and IT told.
    CodeMismatch => "code_mismatch",
    /// Support: a message was altered or replayed on the way.
    ChannelBroken => "channel_broken",
    /// Drills: the desk does not know the drill, or this device is not in its audience.
    DrillUnknown => "drill_unknown",
    /// Drills: an outcome the desk refused (event and how disagree, a time in the future).
    DrillOutcomeInvalid => "drill_outcome_invalid",
}

/// The closed set of error codes that cross IPC. Add a code only when the UI must branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// An argument was rejected (bad language tag, unreadable input…).
    InvalidInput,
    /// The thing asked for does not exist.
    NotFound,
    /// Another Verity process held the database past the timeout; retrying may work.
    StoreBusy,
    /// The store failed (disk, corruption, newer schema).
    Store,
    /// No notification service is available (no daemon on Linux, permissions elsewhere).
    NotificationUnavailable,
    /// Start-at-login could not be changed in the OS.
    Autostart,
    /// No threat feed is configured (no URL or no trusted root).
    FeedNotConfigured,
    /// The administrator's provisioning file sets the feed; the user cannot change it.
    FeedLocked,
    /// A feed sync failed; the last good list stays in force (the feed status says why).
    FeedFailed,
    /// Another feed sync is running on this data directory.
    FeedBusy,
    /// No OS secure store (Keychain, Credential Manager, Secret Service) is usable for the device
    /// key; the passphrase-encrypted key file is the opt-in alternative.
    NoSecureStore,
    /// The device key is in a passphrase-encrypted file and no passphrase was given.
    PassphraseNeeded,
    /// The passphrase does not open the device key file.
    WrongPassphrase,
    /// The device key store failed otherwise (the key is missing or damaged).
    KeyStore,
    /// This device is not bound to an organisation.
    NotEnrolled,
    /// This device is already bound: unbind it first.
    AlreadyEnrolled,
    /// The desk's organisation key is not the one IT announced: do not enrol.
    FingerprintMismatch,
    /// The desk address is not usable (not https, not a URL…).
    BadDeskUrl,
    /// The desk could not be reached, or its answer could not be used.
    DeskUnreachable,
    /// The desk refused the request; `reason` carries the desk's code.
    DeskRefused,
    /// A bug: something that should not happen.
    Internal,
}

/// What a failed command returns to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct IpcError {
    /// What kind of failure, for the UI to branch on.
    pub code: ErrorCode,
    /// A one-line explanation in English, for logs and details views.
    pub message: String,
    /// A finer code within `code` for some failures, which the UI may word (for `desk_refused`,
    /// the desk's code: `enroll_code_used`, `device_revoked`…). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<ErrorReason>,
}

impl IpcError {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        IpcError {
            code,
            message: message.into(),
            reason: None,
        }
    }

    /// The same error with a finer `reason` code the UI words.
    #[must_use]
    pub fn with_reason(mut self, reason: ErrorReason) -> Self {
        self.reason = Some(reason);
        self
    }
}

impl From<verity_store::StoreError> for IpcError {
    fn from(e: verity_store::StoreError) -> Self {
        let code = if e.is_busy() {
            ErrorCode::StoreBusy
        } else {
            ErrorCode::Store
        };
        log::warn!("store error: {e}");
        let err = IpcError::new(code, e.to_string());
        if e.is_disk_full() {
            err.with_reason(ErrorReason::DiskFull)
        } else {
            err
        }
    }
}

impl From<verity_flows::FlowError> for IpcError {
    /// A full disk keeps its code (what failed) and says so in its reason, whatever the flow.
    fn from(e: verity_flows::FlowError) -> Self {
        let full = e.is_disk_full();
        let err = flow_error(e);
        if full {
            err.with_reason(ErrorReason::DiskFull)
        } else {
            err
        }
    }
}

fn flow_error(e: verity_flows::FlowError) -> IpcError {
    use verity_flows::device::PassphraseError;
    use verity_flows::FlowError;
    let with_reason =
        |code, message: String, reason| IpcError::new(code, message).with_reason(reason);
    match e {
        FlowError::Store(s) => s.into(),
        FlowError::Device(d) => d.into(),
        FlowError::Feed(verity_feed::FeedError::Busy) => IpcError::new(
            ErrorCode::FeedBusy,
            "another feed sync is running on this data directory",
        ),
        FlowError::Feed(f) => IpcError::new(ErrorCode::FeedFailed, f.to_string()),
        FlowError::Transition(t) => {
            let reason = match &t {
                verity_checklist::checklist::TransitionError::InvalidEvidence(ev) => ev.code(),
                other => other.code(),
            };
            with_reason(
                ErrorCode::InvalidInput,
                t.to_string(),
                ErrorReason::from_code(reason),
            )
        }
        FlowError::Passphrase(p @ PassphraseError::Missing) => {
            IpcError::new(ErrorCode::PassphraseNeeded, p.to_string())
        }
        e @ FlowError::TooLong { .. } => {
            with_reason(ErrorCode::InvalidInput, e.to_string(), ErrorReason::TooLong)
        }
        e @ FlowError::Passphrase(_) => IpcError::new(ErrorCode::InvalidInput, e.to_string()),
        e @ FlowError::Exists { .. } => {
            with_reason(ErrorCode::InvalidInput, e.to_string(), ErrorReason::Exists)
        }
        e @ FlowError::Write { .. } => with_reason(
            ErrorCode::InvalidInput,
            e.to_string(),
            ErrorReason::CannotWrite,
        ),
        e @ FlowError::Report(_) => IpcError::new(ErrorCode::Internal, e.to_string()),
        e @ FlowError::NoteHoldsCode => with_reason(
            ErrorCode::InvalidInput,
            e.to_string(),
            ErrorReason::ReportNoteHasCode,
        ),
        e @ FlowError::NothingToReport(_) => with_reason(
            ErrorCode::InvalidInput,
            e.to_string(),
            ErrorReason::NothingToReport,
        ),
        FlowError::Drill(d @ verity_flows::drill::DrillError::Unknown) => {
            IpcError::new(ErrorCode::NotFound, d.to_string())
        }
        FlowError::Drill(d) => IpcError::new(ErrorCode::InvalidInput, d.to_string()),
    }
}

impl From<crate::shortcut::ShortcutError> for IpcError {
    fn from(e: crate::shortcut::ShortcutError) -> Self {
        use crate::shortcut::ShortcutError;
        let (code, reason) = match &e {
            ShortcutError::Invalid { .. } => {
                (ErrorCode::InvalidInput, Some(ErrorReason::ShortcutInvalid))
            }
            ShortcutError::Refused { .. } => {
                (ErrorCode::InvalidInput, Some(ErrorReason::ShortcutRefused))
            }
            ShortcutError::State(_) => (ErrorCode::Internal, None),
        };
        let mut err = IpcError::new(code, e.to_string());
        err.reason = reason;
        err
    }
}

impl From<crate::host::HostError> for IpcError {
    fn from(e: crate::host::HostError) -> Self {
        use crate::host::HostError;
        let code = match e {
            HostError::Notification(_) => ErrorCode::NotificationUnavailable,
            HostError::Autostart(_) => ErrorCode::Autostart,
            HostError::Dialog(_) => ErrorCode::Internal,
        };
        log::warn!("host error: {e}");
        IpcError::new(code, e.to_string())
    }
}

/// The result type of every command.
pub type CmdResult<T> = Result<T, IpcError>;

#[cfg(test)]
mod tests {
    use super::*;

    /// A full disk says so in its reason, whatever else failed; another write failure does not.
    #[test]
    fn a_full_disk_is_the_reason_whatever_failed() {
        let write = |kind| verity_flows::FlowError::Write {
            path: "/media/usb/report.html".into(),
            source: std::io::Error::from(kind),
        };
        let full = IpcError::from(write(std::io::ErrorKind::StorageFull));
        assert_eq!(full.reason, Some(ErrorReason::DiskFull));
        assert_eq!(full.code, ErrorCode::InvalidInput);
        let denied = IpcError::from(write(std::io::ErrorKind::PermissionDenied));
        assert_eq!(denied.reason, Some(ErrorReason::CannotWrite));
    }

    #[test]
    fn serializes_as_code_and_message() {
        let e = IpcError::new(ErrorCode::StoreBusy, "busy");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "store_busy", "message": "busy"})
        );
    }

    #[test]
    fn a_reason_serialises_as_its_code_and_unknown_codes_stay_unknown() {
        for reason in ErrorReason::ALL {
            assert_eq!(ErrorReason::from_code(reason.as_str()), *reason);
            assert_eq!(
                serde_json::to_value(reason).unwrap(),
                serde_json::json!(reason.as_str())
            );
        }
        assert_eq!(
            ErrorReason::from_code("a_newer_desks_code"),
            ErrorReason::Unknown
        );
        let e = IpcError::new(ErrorCode::FeedLocked, "pinned").with_reason(ErrorReason::RootPinned);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "feed_locked", "message": "pinned", "reason": "root_pinned"})
        );
    }

    /// Every code the desk can refuse with is a known reason (the check results' `ok`,
    /// `not_checked` and `region_no_policy` are not refusals).
    #[test]
    fn every_desk_code_is_a_known_reason() {
        use verity_device::proto::codes;
        let not_refusals = [codes::OK, codes::NOT_CHECKED, codes::REGION_NO_POLICY];
        let drills = [codes::DRILL_UNKNOWN, codes::DRILL_OUTCOME_INVALID];
        for code in codes::ALL
            .iter()
            .chain(drills.iter())
            .filter(|c| !not_refusals.contains(c))
        {
            assert_ne!(ErrorReason::from_code(code), ErrorReason::Unknown, "{code}");
        }
    }

    // Every scanner, transition and evidence code is a known reason. The `match`es below stop
    // compiling when a variant is added, so that it is added here too.

    #[test]
    fn every_scanner_code_is_a_known_reason() {
        use verity_check::lookup::LookupError;
        use verity_scan::{Format, Limit, ScanError as S};
        let scan = [
            S::Empty,
            S::TooLarge { size: 2, max: 1 },
            S::Binary("a picture"),
            S::Encoding("utf-8"),
            S::Truncated(String::new()),
            S::Malformed {
                line: 1,
                what: String::new(),
            },
            S::Unsupported("pdf"),
            S::TooManyEntries { max: 1 },
            S::SpreadsheetTooLarge(String::new()),
            S::OverLimit(Limit::Cells),
            S::OverLimit(Limit::TextBytes),
            S::Spreadsheet(String::new()),
            S::Blocklist(LookupError::new("disk")),
            S::CleanCopyUnsupported(Format::Xlsx),
        ];
        for e in &scan {
            match e {
                S::Empty
                | S::TooLarge { .. }
                | S::Binary(_)
                | S::Encoding(_)
                | S::Truncated(_)
                | S::Malformed { .. }
                | S::Unsupported(_)
                | S::TooManyEntries { .. }
                | S::SpreadsheetTooLarge(_)
                | S::OverLimit(_)
                | S::Spreadsheet(_)
                | S::Blocklist(_)
                | S::CleanCopyUnsupported(_) => {}
            }
            assert_ne!(
                ErrorReason::from_code(e.code()),
                ErrorReason::Unknown,
                "{e}"
            );
        }
    }

    #[test]
    fn every_evidence_code_is_a_known_reason() {
        use verity_checklist::checklist::{EvidenceError as V, Interval};
        let evidence = [
            V::NoFiles,
            V::ScanCounts {
                entries: 0,
                flagged: 1,
                removed: 0,
            },
            V::InFuture(String::new()),
            V::EmptyOwner,
            V::BadOwner,
            V::NextDrillNotInFuture(String::new()),
            V::BadInterval(Interval::QUARTER),
            V::BadDrill,
            V::NoQuestions,
            V::ScoreAboveTotal { score: 2, total: 1 },
            V::PassedMismatch {
                score: 0,
                total: 1,
                passed: true,
            },
        ];
        for e in &evidence {
            match e {
                V::NoFiles
                | V::ScanCounts { .. }
                | V::InFuture(_)
                | V::EmptyOwner
                | V::BadOwner
                | V::NextDrillNotInFuture(_)
                | V::BadInterval(_)
                | V::BadDrill
                | V::NoQuestions
                | V::ScoreAboveTotal { .. }
                | V::PassedMismatch { .. } => {}
            }
            assert_ne!(
                ErrorReason::from_code(e.code()),
                ErrorReason::Unknown,
                "{e}"
            );
        }
    }

    #[test]
    fn every_transition_code_is_a_known_reason() {
        use verity_checklist::checklist::{
            EvidenceError as V, StepId, StepStatus, TransitionError as T,
        };
        let step = StepId::AlertsOn;
        let transitions = [
            T::AlreadyInProgress { step },
            T::AlreadyDone { step },
            T::EvidenceForOtherStep {
                step,
                evidence: step,
            },
            T::InvalidEvidence(V::NoFiles),
            T::NotDone {
                step,
                status: StepStatus::NotStarted,
            },
            T::NotRecurring { step },
            T::NotDueYet {
                step,
                due: String::new(),
            },
            T::NotStarted { step },
        ];
        for e in &transitions {
            match e {
                T::AlreadyInProgress { .. }
                | T::AlreadyDone { .. }
                | T::EvidenceForOtherStep { .. }
                | T::InvalidEvidence(_)
                | T::NotDone { .. }
                | T::NotRecurring { .. }
                | T::NotDueYet { .. }
                | T::NotStarted { .. } => {}
            }
            assert_ne!(
                ErrorReason::from_code(e.code()),
                ErrorReason::Unknown,
                "{e}"
            );
        }
    }
}
