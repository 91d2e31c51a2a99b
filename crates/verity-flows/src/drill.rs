//! Scam drills on the employee's device (issue 15; `docs/drills.md` § App): fetching the
//! organisation's signed lures, showing them when due, recording the employee's first act once,
//! matching a Check against open lures, letting unanswered ones expire, sending the outcomes to
//! the desk until it has them, and the checklist's step 4 (the programme, the last drill).
//!
//! Something is a drill **only** when its `vd1.` token verifies with [`LureBody::verify`] under
//! the organisation key this device pinned at enrolment and its own device id ([`Identity`]).
//! A token that does not verify is dropped and logged without its content, never stored, never
//! shown and never revealed as "only a drill": a lure signed by anyone else is what it looks
//! like, a scam, and its number or link is checked like any other. Kept lures are verified again
//! whenever they are read, so a lure kept under another binding is never believed either.

use crate::FlowError;
use ed25519_dalek::VerifyingKey;
use verity_check::check::CheckOutcome;
use verity_checklist::checklist::{
    DrillEvidence, DrillOutcomeKind, Evidence, Interval, LastDrill, StepId, MAX_OWNER_CHARS,
};
use verity_core::Timestamp;
use verity_device::proto::codes;
use verity_device::proto::drill::{
    lure_text, Channel, DrillOutcome, LureBody, LuresAnswer, OutcomeEvent, OutcomeHow, Programme,
};
use verity_device::{DeviceContext, DeviceError};
use verity_store::drills::{DrillChatLine, NewDrillLure, UnsentDrillOutcome};
use verity_store::Store;

/// Fetch lures at most this often, in seconds, outside syncs and start (15 minutes).
pub const FETCH_EVERY_SECS: i64 = 15 * 60;
/// The longest message the fake chat takes, in characters.
pub const MAX_CHAT_CHARS: usize = 2000;
/// The shortest and longest run of digits that counts as a code typed into the fake chat.
pub const CODE_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;

/// Why a drill flow refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrillError {
    /// No such drill on this device (or its lure no longer verifies).
    #[error("there is no such drill on this device")]
    Unknown,
    /// A chat message to a lure that is not a chat request.
    #[error("this drill is not a chat")]
    NotAChat,
    /// A chat message that is empty or longer than [`MAX_CHAT_CHARS`].
    #[error("a message is 1 to {MAX_CHAT_CHARS} characters")]
    BadMessage,
}

/// What a lure must be signed for: the pinned organisation key and this device's id.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The organisation key pinned at enrolment.
    pub org_key: VerifyingKey,
    /// This device's id.
    pub device_id: String,
}

impl Identity {
    /// This device's identity, read locally.
    ///
    /// # Errors
    /// [`FlowError::Device`]: not enrolled, a damaged state.
    pub fn load(ctx: &DeviceContext) -> Result<Identity, FlowError> {
        Identity::load_from(&ctx.data_dir)
    }

    /// The identity of the device whose data directory is `data_dir`, read locally.
    ///
    /// # Errors
    /// [`FlowError::Device`]: not enrolled, a damaged state.
    pub fn load_from(data_dir: &std::path::Path) -> Result<Identity, FlowError> {
        let (org_key, device_id) = verity_device::device::drill_identity(data_dir)?;
        Ok(Identity { org_key, device_id })
    }
}

/// One line of the fake chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    /// The employee's (true) or the fake agent's.
    pub from_me: bool,
    /// The text.
    pub text: String,
    /// When.
    pub at: Timestamp,
}

/// A kept lure, verified again as it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lure {
    /// The verified body.
    pub body: LureBody,
    /// When it was shown.
    pub shown_at: Option<Timestamp>,
    /// The first act's outcome.
    pub outcome: Option<DrillOutcomeKind>,
    /// How.
    pub how: Option<OutcomeHow>,
    /// When.
    pub acted_at: Option<Timestamp>,
    /// The fake chat (a `support_chat` lure).
    pub chat: Vec<ChatLine>,
    /// Whether the reveal was shown.
    pub revealed: bool,
}

impl Lure {
    /// Shown and not acted on.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.shown_at.is_some() && self.outcome.is_none()
    }
}

/// The ways an employee acts on a lure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Report to IT on the lure (or in the fake chat).
    ReportToIt,
    /// A Check of its number or link.
    Check,
    /// Opened its link (never opened in a browser: the reveal replaces it).
    OpenedLink,
    /// Typed a code into the fake chat.
    TypedCode,
    /// Dismissed (or declined the chat request).
    Dismissed,
}

impl Act {
    /// How the desk hears of it.
    #[must_use]
    pub fn how(self) -> OutcomeHow {
        match self {
            Act::ReportToIt => OutcomeHow::ReportToIt,
            Act::Check => OutcomeHow::Check,
            Act::OpenedLink => OutcomeHow::OpenedLink,
            Act::TypedCode => OutcomeHow::TypedCode,
            Act::Dismissed => OutcomeHow::Dismissed,
        }
    }
}

fn outcome_kind(event: OutcomeEvent) -> Option<DrillOutcomeKind> {
    match event {
        OutcomeEvent::Reported => Some(DrillOutcomeKind::Reported),
        OutcomeEvent::Engaged => Some(DrillOutcomeKind::Engaged),
        OutcomeEvent::Ignored => Some(DrillOutcomeKind::Ignored),
        OutcomeEvent::Delivered => None,
    }
}

fn parse_how(s: &str) -> Option<OutcomeHow> {
    [
        OutcomeHow::Shown,
        OutcomeHow::ReportToIt,
        OutcomeHow::Check,
        OutcomeHow::OpenedLink,
        OutcomeHow::TypedCode,
        OutcomeHow::Dismissed,
        OutcomeHow::Expired,
    ]
    .into_iter()
    .find(|h| h.as_str() == s)
}

fn to_u64(t: Timestamp) -> u64 {
    u64::try_from(t.0).unwrap_or(0)
}

fn to_ts(t: u64) -> Timestamp {
    Timestamp(i64::try_from(t).unwrap_or(i64::MAX))
}

/// What a fetch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Lures kept for the first time.
    pub new: Vec<String>,
    /// Tokens that did not verify (dropped).
    pub dropped: usize,
    /// Whether the programme filled the checklist's step 4.
    pub programme_recorded: bool,
}

/// Asks the desk for this device's lures and keeps the ones that verify (see [`keep`]).
///
/// # Errors
/// [`FlowError::Device`] (not enrolled, the key store, the network, the desk's refusal); store
/// errors.
pub fn refresh(
    store: &mut Store,
    ctx: &DeviceContext,
    now: Timestamp,
) -> Result<Refreshed, FlowError> {
    let identity = Identity::load(ctx)?;
    let answer = verity_device::device::drill_lures(ctx)?;
    let out = keep(store, &identity, &answer, now)?;
    store.set_last_drill_fetch(now)?;
    Ok(out)
}

/// Whether a fetch is due at `now` (none in the last [`FETCH_EVERY_SECS`]).
///
/// # Errors
/// Store errors.
pub fn fetch_due(store: &Store, now: Timestamp) -> Result<bool, FlowError> {
    Ok(store
        .last_drill_fetch()?
        .is_none_or(|t| now.0.saturating_sub(t.0) >= FETCH_EVERY_SECS || t.0 > now.0))
}

/// Keeps the lures of a desk's answer that verify under `identity` (a lure already known is
/// not duplicated; one already expired is not kept); drops and logs the others, without their
/// content. Keeps the programme and lets it fill the checklist's step 4.
///
/// # Errors
/// Store errors.
pub fn keep(
    store: &mut Store,
    identity: &Identity,
    answer: &LuresAnswer,
    now: Timestamp,
) -> Result<Refreshed, FlowError> {
    let mut out = Refreshed::default();
    for token in answer
        .lures
        .iter()
        .take(verity_device::proto::drill::MAX_LURES)
    {
        let body = match LureBody::verify(token, &identity.org_key, &identity.device_id) {
            Ok(b) => b,
            Err(e) => {
                // Never the token or its words: the reason only.
                log::warn!("dropped a lure that is not this organisation's drill: {e}");
                out.dropped += 1;
                continue;
            }
        };
        if to_ts(body.expires_at) <= now {
            continue;
        }
        let lure = NewDrillLure {
            drill_id: body.drill_id.clone(),
            token: token.clone(),
            scenario: body.scenario.as_str().to_owned(),
            channel: match body.channel {
                Channel::Notification => "notification",
                Channel::SupportChat => "support_chat",
            }
            .to_owned(),
            number: body.number.clone(),
            link: body.link.clone(),
            deliver_at: to_ts(body.deliver_at),
            expires_at: to_ts(body.expires_at),
        };
        if store.insert_drill_lure(&lure, now)? {
            out.new.push(body.drill_id);
        }
    }
    if let Some(p) = &answer.programme {
        out.programme_recorded = apply_programme(store, p, now)?;
    }
    Ok(out)
}

/// The programme as last fetched.
///
/// # Errors
/// Store errors.
pub fn programme(store: &Store) -> Result<Option<Programme>, FlowError> {
    Ok(store
        .drill_programme()?
        .and_then(|j| serde_json::from_str(&j).ok()))
}

fn owner_of(p: &Programme) -> Option<String> {
    let name: String = p
        .owner
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_OWNER_CHARS)
        .collect();
    (!name.trim().is_empty()).then(|| name.trim().to_owned())
}

/// Keeps `p` and, when the employee has not named a drill owner (step 4 has no evidence, or the
/// evidence came from the previous programme), records the programme's owner and next drill.
fn apply_programme(store: &mut Store, p: &Programme, now: Timestamp) -> Result<bool, FlowError> {
    let previous = programme(store)?;
    let json = serde_json::to_string(p).unwrap_or_default();
    store.set_drill_programme(&json)?;
    let Some(owner) = owner_of(p) else {
        return Ok(false);
    };
    let step = crate::checklist::current(store, now)?.get(StepId::DrillOwner);
    let current = match &step.evidence {
        Some(Evidence::DrillOwner(d)) => Some(d.clone()),
        _ => None,
    };
    let from_programme = match (&current, previous.as_ref().and_then(owner_of)) {
        (None, _) => true,
        (Some(d), Some(prev)) => d.owner == prev,
        (Some(_), None) => false,
    };
    if !from_programme {
        return Ok(false);
    }
    let schedule = Interval::Months(p.every_months.clamp(1, 120));
    let next = p
        .next_drill
        .map(to_ts)
        .filter(|t| *t > now)
        .unwrap_or_else(|| schedule.after(now));
    let evidence = DrillEvidence {
        owner,
        schedule,
        next_drill: next,
        last_drill: current.and_then(|d| d.last_drill),
    };
    if step.evidence.as_ref() == Some(&Evidence::DrillOwner(evidence.clone())) {
        return Ok(false);
    }
    crate::checklist::record(store, Evidence::DrillOwner(evidence), now)?;
    Ok(true)
}

/// Records the last drill's outcome in step 4's evidence (keeping its owner and schedule; the
/// programme's when the employee named none). Nothing when no owner is known at all: the drill
/// list still shows it.
fn record_last_drill(store: &mut Store, last: LastDrill, now: Timestamp) -> Result<(), FlowError> {
    let step = crate::checklist::current(store, now)?.get(StepId::DrillOwner);
    let base = match step.evidence {
        Some(Evidence::DrillOwner(d)) => Some(d),
        _ => programme(store)?.and_then(|p| {
            let schedule = Interval::Months(p.every_months.clamp(1, 120));
            owner_of(&p).map(|owner| DrillEvidence {
                owner,
                schedule,
                next_drill: p.next_drill.map(to_ts).unwrap_or(Timestamp(0)),
                last_drill: None,
            })
        }),
    };
    let Some(mut evidence) = base else {
        return Ok(());
    };
    if evidence.next_drill <= now {
        evidence.next_drill = evidence.schedule.after(now);
    }
    evidence.last_drill = Some(last);
    crate::checklist::record(store, Evidence::DrillOwner(evidence), now)?;
    Ok(())
}

/// The kept lures that still verify under `identity`, the latest delivery first.
///
/// # Errors
/// Store errors.
pub fn list(store: &Store, identity: &Identity) -> Result<Vec<Lure>, FlowError> {
    let mut out = Vec::new();
    for row in store.drill_lures()? {
        if let Some(l) = read(store, identity, &row)? {
            out.push(l);
        }
    }
    Ok(out)
}

/// The kept lure of `drill_id`.
///
/// # Errors
/// [`DrillError::Unknown`]; store errors.
pub fn get(store: &Store, identity: &Identity, drill_id: &str) -> Result<Lure, FlowError> {
    let row = store.drill_lure(drill_id)?.ok_or(DrillError::Unknown)?;
    Ok(read(store, identity, &row)?.ok_or(DrillError::Unknown)?)
}

fn read(
    store: &Store,
    identity: &Identity,
    row: &verity_store::drills::DrillLure,
) -> Result<Option<Lure>, FlowError> {
    let Ok(body) = LureBody::verify(&row.token, &identity.org_key, &identity.device_id) else {
        return Ok(None);
    };
    if body.drill_id != row.drill_id {
        return Ok(None);
    }
    let how = row.how.as_deref().and_then(parse_how);
    let chat = store
        .drill_chat(&row.drill_id)?
        .into_iter()
        .map(|c| ChatLine {
            from_me: c.from_me,
            text: c.text,
            at: c.at,
        })
        .collect();
    Ok(Some(Lure {
        body,
        shown_at: row.shown_at,
        outcome: row.outcome.as_deref().and_then(DrillOutcomeKind::parse),
        how,
        acted_at: row.acted_at,
        chat,
        revealed: row.revealed,
    }))
}

/// The lures to show at `now` (delivery time passed, not shown, not acted on, not expired).
///
/// # Errors
/// Store errors.
pub fn due(store: &Store, identity: &Identity, now: Timestamp) -> Result<Vec<Lure>, FlowError> {
    let mut out = Vec::new();
    for row in store.due_drill_lures(now)? {
        if let Some(l) = read(store, identity, &row)? {
            out.push(l);
        }
    }
    Ok(out)
}

/// Records that the lure was shown at `now` (once); a chat request starts its fake chat with
/// the scenario's first message in `language`. Returns whether this call recorded it.
///
/// # Errors
/// [`DrillError::Unknown`]; store errors.
pub fn mark_shown(
    store: &mut Store,
    identity: &Identity,
    drill_id: &str,
    language: &str,
    now: Timestamp,
) -> Result<bool, FlowError> {
    let lure = get(store, identity, drill_id)?;
    if !store.mark_drill_shown(drill_id, now)? {
        return Ok(false);
    }
    if lure.body.channel == Channel::SupportChat {
        let text = lure_text(
            lure.body.scenario,
            language,
            &lure.body.number,
            &lure.body.link,
        );
        store.append_drill_chat(
            drill_id,
            &DrillChatLine {
                from_me: false,
                text: text.body,
                at: now,
            },
        )?;
    }
    Ok(true)
}

/// What an act did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acted {
    /// Whether this act was the first (and so recorded); a later act changes nothing.
    pub recorded: bool,
    /// The lure after it.
    pub lure: Lure,
}

/// Records the employee's act on a lure at `now`: only the first act counts. The checklist's
/// step 4 records a counted act as the last drill.
///
/// # Errors
/// [`DrillError::Unknown`]; store errors.
pub fn act(
    store: &mut Store,
    identity: &Identity,
    drill_id: &str,
    act: Act,
    now: Timestamp,
) -> Result<Acted, FlowError> {
    let lure = get(store, identity, drill_id)?;
    if lure.outcome.is_some() {
        return Ok(Acted {
            recorded: false,
            lure,
        });
    }
    let how = act.how();
    let Some(kind) = outcome_kind(how.event()) else {
        return Err(DrillError::Unknown.into());
    };
    let recorded = store.record_drill_act(drill_id, kind.as_str(), how.as_str(), now)?;
    if recorded {
        let last = LastDrill {
            drill_id: drill_id.to_owned(),
            outcome: kind,
            at: now,
        };
        if let Err(e) = record_last_drill(store, last, now) {
            log::warn!("cannot record the drill on the checklist: {e}");
        }
    }
    Ok(Acted {
        recorded,
        lure: get(store, identity, drill_id)?,
    })
}

/// Whether `text` holds a run of 4 to 8 digits (spaces or hyphens between digits do not break
/// it): a code typed into the fake chat.
#[must_use]
pub fn holds_code(text: &str) -> bool {
    let mut run = 0usize;
    let mut gap = false;
    let mut found = false;
    let mut end = |run: usize| {
        if CODE_DIGITS.contains(&run) {
            found = true;
        }
    };
    for c in text.chars() {
        if c.is_numeric() {
            run += 1;
            gap = false;
        } else if (c == ' ' || c == '-') && run > 0 && !gap {
            gap = true;
        } else {
            end(run);
            run = 0;
            gap = false;
        }
    }
    end(run);
    found
}

/// The employee writes `text` into the fake chat of a `support_chat` lure at `now`. A message
/// with a code ([`holds_code`]) is the first act `typed_code` (engaged); otherwise the fake agent
/// answers with its next line in `language` (it keeps asking for the code). A message to a lure
/// already acted on changes nothing.
///
/// # Errors
/// [`DrillError`]: an unknown drill, not a chat, a bad message; store errors.
pub fn chat_send(
    store: &mut Store,
    identity: &Identity,
    drill_id: &str,
    text: &str,
    language: &str,
    now: Timestamp,
) -> Result<Acted, FlowError> {
    let lure = get(store, identity, drill_id)?;
    if lure.body.channel != Channel::SupportChat {
        return Err(DrillError::NotAChat.into());
    }
    let text = text.trim();
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_CHAT_CHARS {
        return Err(DrillError::BadMessage.into());
    }
    if lure.outcome.is_some() {
        return Ok(Acted {
            recorded: false,
            lure,
        });
    }
    if lure.shown_at.is_none() {
        mark_shown(store, identity, drill_id, language, now)?;
    }
    if holds_code(text) {
        // The code itself is never kept, not even on this device.
        let masked: String = text
            .chars()
            .map(|c| if c.is_numeric() { '•' } else { c })
            .collect();
        store.append_drill_chat(
            drill_id,
            &DrillChatLine {
                from_me: true,
                text: masked,
                at: now,
            },
        )?;
        return act(store, identity, drill_id, Act::TypedCode, now);
    }
    store.append_drill_chat(
        drill_id,
        &DrillChatLine {
            from_me: true,
            text: text.to_owned(),
            at: now,
        },
    )?;
    let words = lure_text(
        lure.body.scenario,
        language,
        &lure.body.number,
        &lure.body.link,
    );
    let theirs = lure.chat.iter().filter(|l| !l.from_me).count();
    if !words.follow_ups.is_empty() {
        // The follow-ups in turn, then the first again: it keeps asking for the code.
        let i = theirs.saturating_sub(1);
        let line = words
            .follow_ups
            .get(i)
            .or_else(|| words.follow_ups.first())
            .cloned()
            .unwrap_or_default();
        store.append_drill_chat(
            drill_id,
            &DrillChatLine {
                from_me: false,
                text: line,
                at: now,
            },
        )?;
    }
    Ok(Acted {
        recorded: false,
        lure: get(store, identity, drill_id)?,
    })
}

/// Matches a Check against the open lures: a number (E.164) or link (canonical) equal to an
/// open lure's is the first act `check` (reported) on that lure. The check's own verdict is not
/// touched. Returns the drills this check reported (to reveal).
///
/// # Errors
/// Store errors.
pub fn match_check(
    store: &mut Store,
    identity: &Identity,
    outcome: &CheckOutcome,
    now: Timestamp,
) -> Result<Vec<String>, FlowError> {
    let mut seen: Vec<&str> = Vec::new();
    if let Some(n) = outcome.normalized.as_deref() {
        seen.push(n);
    }
    for item in &outcome.items {
        if let Some(n) = item.normalized.as_deref() {
            seen.push(n);
        }
    }
    if seen.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for lure in list(store, identity)? {
        if !lure.is_open() || to_ts(lure.body.expires_at) <= now {
            continue;
        }
        let link = verity_core::link::canonicalize(&lure.body.link)
            .map(|c| c.canonical)
            .ok();
        let hit = seen
            .iter()
            .any(|s| *s == lure.body.number || link.as_deref() == Some(*s));
        if hit && act(store, identity, &lure.body.drill_id, Act::Check, now)?.recorded {
            out.push(lure.body.drill_id);
        }
    }
    Ok(out)
}

/// Lets the lures that expired by `now` unanswered count as ignored (`expired`); returns them.
///
/// # Errors
/// Store errors.
pub fn expire(store: &mut Store, now: Timestamp) -> Result<Vec<String>, FlowError> {
    let expired = store.expire_drill_lures(now)?;
    for id in &expired {
        if let Some(row) = store.drill_lure(id)? {
            let last = LastDrill {
                drill_id: id.clone(),
                outcome: DrillOutcomeKind::Ignored,
                at: row.acted_at.unwrap_or(now),
            };
            if let Err(e) = record_last_drill(store, last, now) {
                log::warn!("cannot record the drill on the checklist: {e}");
            }
        }
    }
    Ok(expired)
}

/// Marks the reveal of `drill_id` as shown; returns whether it was not before.
///
/// # Errors
/// Store errors.
pub fn mark_revealed(store: &mut Store, drill_id: &str) -> Result<bool, FlowError> {
    Ok(store.mark_drill_revealed(drill_id)?)
}

/// What a flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flushed {
    /// Outcomes the desk took (or already had).
    pub sent: usize,
    /// Outcomes the desk refused for good (an unknown drill, an invalid outcome): dropped.
    pub refused: usize,
}

/// Sends the outcomes the desk does not have yet, oldest first, each kept until the desk's
/// receipt. Stops at the first failure to reach the desk (the rest wait for the next flush).
///
/// # Errors
/// [`FlowError::Device`] when the desk cannot be reached or refuses the binding; store errors.
/// What was sent before the failure stays recorded as sent.
pub fn flush(store: &mut Store, ctx: &DeviceContext) -> Result<Flushed, FlowError> {
    let mut out = Flushed::default();
    for unsent in store.unsent_drill_outcomes()? {
        let (drill_id, is_final, outcome) = match unsent {
            UnsentDrillOutcome::Delivered { drill_id, at } => {
                let o = DrillOutcome {
                    drill_id: drill_id.clone(),
                    event: OutcomeEvent::Delivered,
                    how: OutcomeHow::Shown,
                    at: to_u64(at),
                };
                (drill_id, false, o)
            }
            UnsentDrillOutcome::Final {
                drill_id, how, at, ..
            } => {
                let Some(how) = parse_how(&how) else {
                    continue;
                };
                let o = DrillOutcome {
                    drill_id: drill_id.clone(),
                    event: how.event(),
                    how,
                    at: to_u64(at),
                };
                (drill_id, true, o)
            }
        };
        match verity_device::device::drill_outcome(ctx, &outcome) {
            Ok(_) => {
                store.mark_drill_sent(&drill_id, is_final)?;
                out.sent += 1;
            }
            Err(e) if refused_for_good(&e) => {
                log::warn!("the desk refused a drill outcome for good: {}", e.code());
                store.mark_drill_sent(&drill_id, is_final)?;
                out.refused += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

fn refused_for_good(e: &DeviceError) -> bool {
    matches!(
        e.code(),
        codes::DRILL_UNKNOWN | codes::DRILL_OUTCOME_INVALID
    ) || matches!(e, DeviceError::Proto(verity_device::ProtoError::Json(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_runs_of_four_to_eight_digits() {
        for yes in [
            "123456",
            "my code is 4821",
            "12 34 56",
            "12-34",
            "１２３４５６",
        ] {
            assert!(holds_code(yes), "{yes}");
        }
        for no in [
            "hello",
            "123",
            "call 852 3001 9999 1234 5678",
            "a1b2c3d4",
            "",
        ] {
            assert!(!holds_code(no), "{no}");
        }
    }
}
