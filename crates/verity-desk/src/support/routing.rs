//! Routing decisions, pure (the caller gives the clock's `now` and applies them atomically):
//! which team a session goes to, which agents are eligible, who gets the next offer.

use super::store::{PresenceRecord, RouteRecord};
use verity_device::proto::{AgentProfile, AWAY_AFTER_SECS};

/// The team for `(category, region, language)`: the matching rule with the fewest wildcards
/// (the first such rule by id on a tie); `None` when no rule matches (any agent).
#[must_use]
pub fn team_for(
    routes: &[RouteRecord],
    category: &str,
    region: &str,
    language: &str,
) -> Option<String> {
    let matches = |rule: &str, v: &str| rule == "*" || rule.eq_ignore_ascii_case(v);
    routes
        .iter()
        .filter(|r| {
            matches(&r.category, category)
                && matches(&r.region, region)
                && matches(&r.language, language)
        })
        .min_by_key(|r| {
            (
                [&r.category, &r.region, &r.language]
                    .iter()
                    .filter(|v| v.as_str() == "*")
                    .count(),
                r.id,
            )
        })
        .map(|r| r.team.clone())
}

/// An agent as routing sees it.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The agent.
    pub agent_id: String,
    /// The certificate's profile.
    pub profile: AgentProfile,
    /// Revoked or expired.
    pub barred: bool,
    /// Presence.
    pub presence: Option<PresenceRecord>,
    /// Sessions assigned or offered to the agent now.
    pub load: u32,
}

/// What a session needs.
#[derive(Debug, Clone, Copy)]
pub struct Need<'a> {
    /// The team (`None`: any).
    pub team: Option<&'a str>,
    /// The region.
    pub region: &'a str,
    /// The language.
    pub language: &'a str,
}

/// Whether the agent may take the session now: not barred, online with a heartbeat within
/// [`AWAY_AFTER_SECS`], in the team, serving the region and the language, below capacity.
#[must_use]
pub fn eligible(c: &Candidate, need: Need<'_>, now: u64) -> bool {
    let online = c
        .presence
        .as_ref()
        .is_some_and(|p| p.online && p.last_heartbeat + AWAY_AFTER_SECS >= now);
    !c.barred
        && online
        && need.team.is_none_or(|t| c.profile.team == t)
        && c.profile
            .regions
            .iter()
            .any(|r| r.eq_ignore_ascii_case(need.region))
        && c.profile.languages.iter().any(|l| l == need.language)
        && c.load < c.profile.capacity
}

/// The agent to offer the session to: among the eligible ones not in `declined`, the lowest
/// load, ties to the longest idle (an agent never idle counts as idle the longest), then by id.
#[must_use]
pub fn pick<'a>(
    candidates: &'a [Candidate],
    need: Need<'_>,
    declined: &[String],
    now: u64,
) -> Option<&'a Candidate> {
    candidates
        .iter()
        .filter(|c| eligible(c, need, now) && !declined.contains(&c.agent_id))
        .min_by_key(|c| {
            (
                c.load,
                c.presence
                    .as_ref()
                    .and_then(|p| p.last_idle_at)
                    .unwrap_or(0),
                c.agent_id.clone(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use verity_device::proto::AgentRole;

    fn cand(id: &str, team: &str, load: u32, idle: u64, hb: u64) -> Candidate {
        Candidate {
            agent_id: id.into(),
            profile: AgentProfile {
                name: id.into(),
                role: AgentRole::Agent,
                team: team.into(),
                languages: vec!["en".into()],
                regions: vec!["HK".into()],
                skills: vec![],
                capacity: 2,
            },
            barred: false,
            presence: Some(PresenceRecord {
                agent_id: id.into(),
                online: true,
                last_heartbeat: hb,
                last_idle_at: Some(idle),
                dropped_at: None,
            }),
            load,
        }
    }

    const NEED: Need<'static> = Need {
        team: None,
        region: "HK",
        language: "en",
    };

    #[test]
    fn lowest_load_then_longest_idle() {
        let c = [
            cand("a", "t", 1, 10, 100),
            cand("b", "t", 0, 50, 100),
            cand("c", "t", 0, 20, 100),
        ];
        assert_eq!(pick(&c, NEED, &[], 100).unwrap().agent_id, "c");
        assert_eq!(pick(&c, NEED, &["c".into()], 100).unwrap().agent_id, "b");
    }

    #[test]
    fn capacity_presence_region_language_team_and_bars() {
        let full = cand("a", "t", 2, 0, 100);
        assert!(!eligible(&full, NEED, 100));
        let stale = cand("a", "t", 0, 0, 100);
        assert!(eligible(&stale, NEED, 145));
        assert!(!eligible(&stale, NEED, 146));
        let ok = cand("a", "t", 0, 0, 100);
        for need in [
            Need {
                region: "MO",
                ..NEED
            },
            Need {
                language: "ar",
                ..NEED
            },
            Need {
                team: Some("other"),
                ..NEED
            },
        ] {
            assert!(!eligible(&ok, need, 100));
        }
        assert!(eligible(
            &ok,
            Need {
                team: Some("t"),
                ..NEED
            },
            100
        ));
        let barred = Candidate {
            barred: true,
            ..ok.clone()
        };
        assert!(!eligible(&barred, NEED, 100));
        let away = Candidate {
            presence: None,
            ..ok
        };
        assert!(!eligible(&away, NEED, 100));
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let r = |id, c: &str, g: &str, l: &str, t: &str| RouteRecord {
            id,
            category: c.into(),
            region: g.into(),
            language: l.into(),
            team: t.into(),
        };
        let routes = [
            r(1, "*", "*", "*", "general"),
            r(2, "billing", "*", "*", "billing"),
            r(3, "billing", "HK", "zh-HK", "billing-hk"),
        ];
        assert_eq!(
            team_for(&routes, "billing", "HK", "zh-HK").as_deref(),
            Some("billing-hk")
        );
        assert_eq!(
            team_for(&routes, "billing", "MO", "en").as_deref(),
            Some("billing")
        );
        assert_eq!(
            team_for(&routes, "login", "HK", "en").as_deref(),
            Some("general")
        );
        assert_eq!(team_for(&routes[1..], "login", "HK", "en"), None);
    }
}
