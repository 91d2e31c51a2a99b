//! Scam scripts, recognised by co-occurring cues (see the module documentation of
//! [`crate::message`]).

use super::cues::{cues_owned, first_hit, normalize_for_cues, occurrences, Cue, CUES};
use super::ScriptHit;
use crate::official::OfficialDirectory;
use crate::verdict::ReasonCode;

/// Blanks negated requests ("do not share", 請勿告訴, لا تشارك) so they cannot count as
/// requests.
pub(super) fn blank_negations(norm: &str) -> String {
    let cues = &*CUES;
    let mut out = norm.to_owned();
    for neg in &cues.negator {
        for (s, e) in occurrences(norm, neg) {
            // The negated verb must follow within 24 characters.
            let window_end = norm[e..]
                .char_indices()
                .nth(24)
                .map_or(norm.len(), |(i, _)| e + i);
            let window = &norm[e..window_end];
            let verb_end = cues
                .negated_verb
                .iter()
                .filter_map(|v| occurrences(window, v).next().map(|(_, ve)| ve))
                .min();
            if let Some(ve) = verb_end {
                blank(&mut out, s, e + ve);
            }
        }
    }
    out
}

pub(super) fn blank(s: &mut String, start: usize, end: usize) {
    if start >= end || end > s.len() || !s.is_char_boundary(start) || !s.is_char_boundary(end) {
        return;
    }
    let spaces = " ".repeat(end - start);
    s.replace_range(start..end, &spaces);
}

pub(super) fn has_amount(norm: &str) -> bool {
    let cues = &*CUES;
    let digit_at = |i: usize| {
        norm[i..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
    };
    let before = cues.currency_before.iter().any(|c| {
        norm.match_indices(c.text.as_str())
            .any(|(i, m)| digit_at(i + m.len()))
    });
    let after = cues.currency_after.iter().any(|c| {
        norm.match_indices(c.text.as_str()).any(|(i, _)| {
            norm[..i]
                .trim_end()
                .ends_with(|ch: char| ch.is_ascii_digit())
        })
    });
    before || after
}

/// Recognises the scam scripts in a message. `has_unofficial_phone` tells whether the message
/// holds a phone number that is not an official channel (for "presented as platform support").
#[must_use]
pub fn detect_scripts(
    text: &str,
    has_unofficial_phone: bool,
    official: &OfficialDirectory,
) -> Vec<ScriptHit> {
    let cues = &*CUES;
    let norm = normalize_for_cues(text);
    let open = blank_negations(&norm);
    let hit = |list: &[Cue], hay: &str| first_hit(hay, list);
    let mut out = Vec::new();

    let brand_cues = cues_owned(&official.platform_names);
    let brand = brand_cues
        .iter()
        .find(|c| occurrences(&norm, c).next().is_some())
        .map(|_| "platform");
    let impersonation = hit(&cues.impersonation, &norm);
    let urgency = hit(&cues.urgency, &norm);

    // (a) verification code or remote access.
    let code = hit(&cues.code, &norm);
    let request = hit(&cues.request, &open);
    let remote = hit(&cues.remote_tool, &norm);
    let screen = hit(&cues.screen_share, &open);
    let install = hit(&cues.install, &norm);
    let mut a: Vec<&'static str> = Vec::new();
    if let Some(r) = remote {
        if let Some(x) = install.or(request).or(impersonation).or(code) {
            a.extend([r, x]);
        }
    }
    if let (Some(s), Some(x)) = (screen, impersonation.or(code)) {
        a.extend([s, x]);
    }
    if let (Some(c), Some(r)) = (code, request) {
        a.extend([c, r]);
    }
    if !a.is_empty() {
        a.dedup();
        out.push(ScriptHit {
            code: ReasonCode::ScriptCodeOrRemoteAccess,
            cues: a,
            remote_access: remote.is_some() || screen.is_some(),
        });
    }

    // (b) paid upgrade, fee or transfer.
    let upgrade = hit(&cues.upgrade, &norm);
    let money = hit(&cues.money, &norm);
    let channel = hit(&cues.channel, &norm);
    let pay_request = hit(&cues.pay_request, &norm);
    let receipt = hit(&cues.receipt, &norm);
    let amount = has_amount(&norm);
    if let Some(m) = money {
        let pressure = urgency.or(impersonation).or(brand);
        let context = upgrade.is_some() || (channel.is_some() && pressure.is_some());
        let score = 2 * usize::from(upgrade.is_some())
            + 2
            + 2 * usize::from(channel.is_some())
            + usize::from(amount)
            + usize::from(urgency.is_some())
            + usize::from(pay_request.is_some())
            + usize::from(impersonation.or(brand).is_some());
        let receipt_only = receipt.is_some() && pay_request.is_none();
        if context && score >= 5 && !receipt_only {
            let cues: Vec<&'static str> = [upgrade, Some(m), channel, pay_request, urgency]
                .into_iter()
                .flatten()
                .collect();
            out.push(ScriptHit {
                code: ReasonCode::ScriptPaidUpgrade,
                cues,
                remote_access: false,
            });
        }
    }

    // (c) freeze or suspension threat with urgency.
    let strong = hit(&cues.freeze_strong, &norm);
    let weak = hit(&cues.freeze_weak, &norm);
    let account = hit(&cues.account, &norm);
    let consequence = hit(&cues.consequence, &norm);
    let threat = strong.or(weak.filter(|_| account.is_some()));
    if let (Some(t), Some(u)) = (threat, urgency) {
        if account.is_some() || consequence.is_some() {
            let cues: Vec<&'static str> =
                [Some(t), Some(u), account].into_iter().flatten().collect();
            out.push(ScriptHit {
                code: ReasonCode::ScriptFreezeThreat,
                cues,
                remote_access: false,
            });
        }
    }

    // (d) a number presented as the platform's customer service.
    if has_unofficial_phone {
        if let (Some(b), Some(s)) = (brand, hit(&cues.support, &norm)) {
            out.push(ScriptHit {
                code: ReasonCode::PresentedAsPlatformSupport,
                cues: vec![b, s],
                remote_access: false,
            });
        }
    }
    out
}
