//! Updating the blocklist from the organisation's signed feed, and what a sync leaves behind:
//! the new threats recorded for the Threats screen and the tray, whichever front end synced.
//!
//! **Who may change the trusted root.** A feed is given with its [`TrustAnchor`]: the
//! administrator's provisioning file, the organisation's signed configuration (handed over by
//! its desk at enrolment), or a root entered by hand. [`plan`] decides, for both front ends:
//! - the first root is kept, whoever gave it;
//! - a different root replaces the kept one only when the organisation gives it, or when the
//!   kept one was itself entered by hand; a root the organisation pinned is never replaced by
//!   one entered by hand ([`FeedError::RootPinned`]);
//! - only a root the organisation chose may bring an official-channel directory (a hand-entered
//!   feed adds blocklist entries only, so nobody can make a caller's number "official").

use std::path::Path;
use verity_core::Timestamp;
use verity_feed::client::{FEED_DIR, TRUSTED_ROOT_FILE};
use verity_feed::{FeedError, Progress, SyncConfig, SyncReport};
use verity_feed_policy::config::{self as feed_config, TrustAnchor};
use verity_store::{FeedSettings, Store, TrustChange, TrustChangeKind};

/// The feed to sync and who chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The feed URL.
    pub url: String,
    /// The trusted root given (needed for the first sync, and to replace the kept one).
    pub root: Option<Vec<u8>>,
    /// Who chose this URL and root.
    pub anchor: TrustAnchor,
    /// For a root entered by hand that differs from a kept root also entered by hand: whether
    /// it replaces it (the app's Settings, after its confirmation; `verityctl sync
    /// --replace-root`) or is ignored in favour of the kept one.
    pub replace_manual: bool,
    /// Whether a change of address or root entered by hand is written to the trust log when
    /// the sync puts it in force (`verityctl sync`); the app logs it when it is entered.
    pub log_manual: bool,
}

/// The feed the organisation sets on this computer, with its proxy, if any: the administrator's
/// provisioning file at `provisioning_path` (judged as `check` says: see
/// [`crate::provisioning::Check`]) wins; then the feed the organisation's desk handed
/// over, signed with the organisation key the user confirmed at enrolment (kept in `device.json`
/// in `data_dir`). Both front ends weigh it the same way, and it wins over anything a user gives.
///
/// # Errors
/// The provisioning file's problem: it exists but cannot be used, so nothing syncs until it is
/// fixed (a user's settings do not silently take over an administrator's choice).
pub fn organisation_source(
    data_dir: &Path,
    provisioning_path: &Path,
    check: crate::provisioning::Check,
) -> Result<Option<(Source, Option<String>)>, String> {
    use crate::provisioning::{self, Loaded};
    match provisioning::load_with(provisioning_path, check) {
        Loaded::Found(p) => Ok(Some((
            Source {
                url: p.url,
                root: Some(p.root),
                anchor: TrustAnchor::Provisioned,
                replace_manual: false,
                log_manual: false,
            },
            p.proxy,
        ))),
        Loaded::Invalid(why) | Loaded::Untrusted(why) => Err(why),
        Loaded::Absent => Ok(desk_feed(data_dir).map(|f| {
            (
                Source {
                    url: f.url,
                    root: Some(f.root_json.into_bytes()),
                    anchor: TrustAnchor::Organisation,
                    replace_manual: false,
                    log_manual: false,
                },
                None,
            )
        })),
    }
}

/// The feed the organisation's desk handed over, read from `device.json`; `None` when not
/// enrolled, none was given, or the file cannot be read (logged).
fn desk_feed(data_dir: &Path) -> Option<verity_device::proto::OrgFeedConfig> {
    match verity_device::state::DeviceState::load(data_dir) {
        Ok(state) => state.and_then(|s| s.feed),
        Err(e) => {
            log::warn!("cannot read the organisation's feed from the device state: {e}");
            None
        }
    }
}

/// How a sync treats the trusted root, decided by [`plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootPlan {
    /// The root offered to the sync.
    pub root: Option<Vec<u8>>,
    /// Whether it replaces the kept one.
    pub replace: bool,
    /// Its fingerprint, when a root is given and recognised.
    pub fingerprint: Option<String>,
    /// Who will have chosen the root in force after the sync.
    pub anchor: TrustAnchor,
}

/// Decides how `source`'s root meets the root kept in `data_dir` (see the module docs).
///
/// # Errors
/// [`FeedError::RootPinned`] when a root entered by hand would replace one the organisation
/// pinned.
pub fn plan(
    data_dir: &Path,
    source: &Source,
    settings: &FeedSettings,
) -> Result<RootPlan, FeedError> {
    // A root kept by an older Verity recorded no anchor: it counts as entered by hand.
    let kept_anchor = settings.root_anchor.unwrap_or(TrustAnchor::Manual);
    let Some(root) = &source.root else {
        // No root given (the URL a past `verityctl sync` used): the kept root goes on.
        return Ok(RootPlan {
            root: None,
            replace: false,
            fingerprint: None,
            anchor: kept_anchor,
        });
    };
    let fingerprint = feed_config::parse_root(root).ok().map(|i| i.fingerprint);
    let kept = std::fs::read(data_dir.join(FEED_DIR).join(TRUSTED_ROOT_FILE)).ok();
    let same = match &kept {
        None => true,
        Some(k) => k.as_slice() == root.as_slice() || fingerprint == settings.root_applied,
    };
    if same {
        // The first root, or the one in force (possibly rotated since by the publisher).
        let anchor = if kept.is_none() || source.anchor.is_organisation() {
            source.anchor
        } else {
            kept_anchor
        };
        return Ok(RootPlan {
            root: Some(root.clone()),
            replace: false,
            fingerprint,
            anchor,
        });
    }
    if !source.anchor.is_organisation() && kept_anchor.is_organisation() {
        return Err(FeedError::RootPinned);
    }
    if !source.anchor.is_organisation() && !source.replace_manual {
        return Ok(RootPlan {
            root: Some(root.clone()),
            replace: false,
            fingerprint: settings.root_applied.clone(),
            anchor: kept_anchor,
        });
    }
    Ok(RootPlan {
        root: Some(root.clone()),
        replace: fingerprint.is_some(),
        fingerprint,
        anchor: source.anchor,
    })
}

/// What a sync from a [`Source`] did, beyond the feed's own report.
#[derive(Debug, Clone)]
pub struct Synced {
    /// The feed's report.
    pub report: SyncReport,
    /// The changes of trust anchor this sync put in force and wrote to the trust log (the
    /// organisation's; and those entered by hand when [`Source::log_manual`]): the front end
    /// tells the user.
    pub changes: Vec<TrustChange>,
}

/// Syncs `source` into `store` with `cfg`'s transport settings: [`plan`] decides the root, the
/// official directory is applied only under an organisation's root, and on success the root in
/// force and its anchor are recorded, an organisation's change of URL or root is written to
/// the trust log, and the new threats are recorded (see [`sync`]).
///
/// # Errors
/// [`FeedError::RootPinned`] (recorded as the feed's last failure), the sync's errors (the list
/// is unchanged), or the store's.
pub fn sync_source(
    store: &mut Store,
    source: &Source,
    mut cfg: SyncConfig,
    at: Timestamp,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Synced, FeedError> {
    let settings = store.feed_settings()?;
    let previous_url = store.feed_state()?.url;
    let plan = match plan(store.data_dir(), source, &settings) {
        Ok(p) => p,
        Err(e) => {
            if let Err(re) = store.record_feed_failure(&source.url, e.code(), &e.to_string(), at) {
                log::warn!("cannot record the refused feed sync: {re}");
            }
            return Err(e);
        }
    };
    cfg.url.clone_from(&source.url);
    cfg.root.clone_from(&plan.root);
    cfg.replace_root = plan.replace;
    cfg.apply_official = plan.anchor.is_organisation();
    let report = sync(store, &cfg, at, progress)?;
    let mut changes = Vec::new();
    if let Some(fp) = &plan.fingerprint {
        let new_root = settings.root_applied.as_deref() != Some(fp.as_str());
        if new_root || settings.root_anchor != Some(plan.anchor) {
            store.set_feed_root_applied(fp, plan.anchor)?;
        }
        // Roots entered in the app were logged when they were entered.
        if new_root && (plan.anchor.is_organisation() || source.log_manual) {
            changes.push(TrustChange {
                at,
                kind: TrustChangeKind::FeedRoot,
                anchor: plan.anchor,
                url: Some(source.url.clone()),
                fingerprint: Some(fp.clone()),
            });
        }
    }
    if (source.anchor.is_organisation() || source.log_manual)
        && previous_url.is_some()
        && previous_url.as_deref() != Some(source.url.as_str())
    {
        changes.push(TrustChange {
            at,
            kind: TrustChangeKind::FeedUrl,
            anchor: source.anchor,
            url: Some(source.url.clone()),
            fingerprint: plan.fingerprint.clone(),
        });
    }
    for c in &changes {
        store.record_trust_change(c)?;
    }
    Ok(Synced { report, changes })
}

/// Syncs the feed into `store` (verified as `verity_feed::sync` says), then records the new
/// entries flagged for alert as unread threats, so that a sync from the command line reaches the
/// app's Threats screen as one from the app does.
///
/// The list and the threats are two transactions: when recording the threats fails after the
/// list was updated, the list stays updated and the error says why the threats are missing.
///
/// # Errors
/// The sync's errors (the list is unchanged), or the store's when recording the threats.
pub fn sync(
    store: &mut Store,
    cfg: &SyncConfig,
    at: Timestamp,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<SyncReport, FeedError> {
    let report = verity_feed::sync(store, cfg, at, progress)?;
    store.record_threats(&report.new_alerts, report.version, at)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &[u8] = br#"{"signed":{"_type":"root","version":1,"keys":{"a":{}},"roles":{"r":{}}},"signatures":[{}]}"#;
    const OTHER: &[u8] = br#"{"signed":{"_type":"root","version":1,"keys":{"b":{}},"roles":{"r":{}}},"signatures":[{}]}"#;

    fn source(root: &[u8], anchor: TrustAnchor) -> Source {
        Source {
            url: "https://feed.example/".into(),
            root: Some(root.to_vec()),
            anchor,
            replace_manual: true,
            log_manual: false,
        }
    }

    fn applied(root: &[u8], anchor: TrustAnchor) -> FeedSettings {
        FeedSettings {
            root_applied: feed_config::parse_root(root).ok().map(|i| i.fingerprint),
            root_anchor: Some(anchor),
            ..FeedSettings::default()
        }
    }

    #[test]
    fn a_changed_root_replaces_the_kept_one_once() {
        let dir = tempfile::tempdir().unwrap();
        // First sync: no kept root, the given root is offered, nothing replaced.
        let p = plan(
            dir.path(),
            &source(ROOT, TrustAnchor::Manual),
            &FeedSettings::default(),
        )
        .unwrap();
        assert_eq!(p.root.as_deref(), Some(ROOT));
        assert!(!p.replace);
        assert_eq!(p.anchor, TrustAnchor::Manual);
        std::fs::create_dir_all(dir.path().join(FEED_DIR)).unwrap();
        let kept = dir.path().join(FEED_DIR).join(TRUSTED_ROOT_FILE);
        std::fs::write(&kept, b"{\"rotated\":true}").unwrap();
        // The kept root differs (rotated) but this root is the one applied: no replacement.
        let manual = applied(ROOT, TrustAnchor::Manual);
        assert!(
            !plan(dir.path(), &source(ROOT, TrustAnchor::Manual), &manual)
                .unwrap()
                .replace
        );
        // A new root entered by hand over one entered by hand: replaced (once confirmed).
        assert!(
            plan(dir.path(), &source(OTHER, TrustAnchor::Manual), &manual)
                .unwrap()
                .replace
        );
        // Without the confirmation (`verityctl sync` without --replace-root): the kept root.
        let mut unconfirmed = source(OTHER, TrustAnchor::Manual);
        unconfirmed.replace_manual = false;
        assert!(!plan(dir.path(), &unconfirmed, &manual).unwrap().replace);
        // Same bytes as kept: nothing to replace.
        std::fs::write(&kept, ROOT).unwrap();
        let other_applied = applied(OTHER, TrustAnchor::Manual);
        assert!(
            !plan(
                dir.path(),
                &source(ROOT, TrustAnchor::Manual),
                &other_applied
            )
            .unwrap()
            .replace
        );
    }

    #[test]
    fn a_root_the_organisation_pinned_is_replaced_only_by_the_organisation() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(FEED_DIR)).unwrap();
        std::fs::write(dir.path().join(FEED_DIR).join(TRUSTED_ROOT_FILE), ROOT).unwrap();
        for org in [TrustAnchor::Provisioned, TrustAnchor::Organisation] {
            let pinned = applied(ROOT, org);
            // The attacker's root, pasted in: refused.
            assert!(matches!(
                plan(dir.path(), &source(OTHER, TrustAnchor::Manual), &pinned),
                Err(FeedError::RootPinned)
            ));
            // The administrator's new root: replaces it, and stays the organisation's.
            let p = plan(
                dir.path(),
                &source(OTHER, TrustAnchor::Provisioned),
                &pinned,
            )
            .unwrap();
            assert!(p.replace);
            assert!(p.anchor.is_organisation());
            // The same root given by hand later changes nothing and stays pinned.
            let p = plan(dir.path(), &source(ROOT, TrustAnchor::Manual), &pinned).unwrap();
            assert!(!p.replace);
            assert_eq!(p.anchor, org);
        }
        // A root entered by hand is replaced by the organisation's, which then pins it.
        let manual = applied(ROOT, TrustAnchor::Manual);
        let p = plan(
            dir.path(),
            &source(OTHER, TrustAnchor::Organisation),
            &manual,
        )
        .unwrap();
        assert!(p.replace);
        assert_eq!(p.anchor, TrustAnchor::Organisation);
        // No root given: the kept root goes on under its anchor.
        let none = Source {
            root: None,
            ..source(ROOT, TrustAnchor::Manual)
        };
        let p = plan(dir.path(), &none, &applied(ROOT, TrustAnchor::Provisioned)).unwrap();
        assert_eq!((p.replace, p.anchor), (false, TrustAnchor::Provisioned));
    }
}
