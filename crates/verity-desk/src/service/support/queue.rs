//! The queue and the sweep: offering waiting sessions to agents (`drain`), telling everyone
//! their place and the queue's state, alerting supervisors when a deadline is 80 % gone, and the
//! sweep of lapsed offers, silent and dropped agents, deadlines and idle or over-long sessions.

use super::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

/// What this desk's connections were last told of the queue, and whether it changed since.
#[derive(Debug, Default)]
pub(crate) struct QueueNews {
    dirty: AtomicBool,
    /// The last `Queued` or `QueueView` text told to each party connected here.
    told: Mutex<HashMap<String, String>>,
}

impl QueueNews {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, String>> {
        self.told
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Desk {
    /// Every agent's presence, by agent id.
    fn presences_by_agent(
        &self,
    ) -> Result<HashMap<String, crate::support::store::PresenceRecord>, ApiError> {
        Ok(self
            .store
            .presences()?
            .into_iter()
            .map(|p| (p.agent_id.clone(), p))
            .collect())
    }

    /// The agents online now and not revoked.
    fn online_agents(&self) -> Result<Vec<AgentRecord>, ApiError> {
        let online: std::collections::HashSet<String> = self
            .store
            .presences()?
            .into_iter()
            .filter(|p| p.online)
            .map(|p| p.agent_id)
            .collect();
        Ok(self
            .store
            .list_agents()?
            .into_iter()
            .filter(|a| a.revoked_at.is_none() && online.contains(&a.agent_id))
            .collect())
    }

    /// Tells the supervisors online (of `team`, or all when the session has none) that a
    /// deadline is 80 % gone.
    pub(super) fn alert_supervisors(
        &self,
        session_id: &str,
        kind: &str,
        deadline: u64,
        team: Option<&str>,
    ) -> Result<(), ApiError> {
        let msg = text(&Control::SupervisorAlert {
            session_id: session_id.to_owned(),
            kind: kind.to_owned(),
            deadline,
        });
        for a in self.online_agents()?.into_iter().filter(|a| {
            a.profile.role == AgentRole::Supervisor && team.is_none_or(|t| t == a.profile.team)
        }) {
            self.tell(&agent_key(&a.agent_id), &msg);
        }
        Ok(())
    }

    /// Marks the queue changed: the next sweep (within a second) tells this desk's connections
    /// what changed for them ([`Desk::announce_queue`]).
    pub(super) fn queue_changed(&self) {
        self.queue_news.dirty.store(true, Ordering::Release);
    }

    /// A party connected here: it is told the queue afresh at the next sweep.
    pub(super) fn queue_forget(&self, key: &str) {
        self.queue_news.lock().remove(key);
        self.queue_changed();
    }

    /// Tells every waiting employee connected to this desk their place, and every online agent
    /// connected here how many sessions wait for their team (or for anyone) and how many they
    /// hold ([`Control::QueueView`]), each only when it differs from what that party was last
    /// told. Each desk tells its own connections from the shared store, so none of this crosses
    /// the desks' bus, and a burst of changes (a thousand sessions opening) costs one view per
    /// party a second rather than one per party per change.
    fn announce_queue(&self) -> Result<(), ApiError> {
        let live = self.store.live_sessions()?;
        let mut now_told: HashMap<String, String> = HashMap::new();
        for a in self.online_agents()? {
            let key = agent_key(&a.agent_id);
            if !self.hub.is_connected(&key) {
                continue;
            }
            let waiting = live
                .iter()
                .filter(|s| matches!(s.state, SessionState::Queued | SessionState::Offered))
                .filter(|s| s.team.as_ref().is_none_or(|t| *t == a.profile.team))
                .count();
            let mine = live
                .iter()
                .filter(|s| {
                    s.state == SessionState::Assigned && s.agent_id.as_ref() == Some(&a.agent_id)
                })
                .count();
            let view = Control::QueueView {
                waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
                mine: u32::try_from(mine).unwrap_or(u32::MAX),
            };
            if let Out::Text(t) = text(&view) {
                now_told.insert(key, t);
            }
        }
        for (i, s) in live
            .iter()
            .filter(|s| matches!(s.state, SessionState::Queued | SessionState::Offered))
            .enumerate()
        {
            let key = employee_key(&s.device_id);
            if !self.hub.is_connected(&key) {
                continue;
            }
            let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let queued = Control::Queued {
                session_id: s.session_id.clone(),
                position,
                expected_wait_secs: u64::from(position) * WAIT_PER_PLACE_SECS,
            };
            if let Out::Text(t) = text(&queued) {
                now_told.insert(key, t);
            }
        }
        let mut told = self.queue_news.lock();
        for (key, t) in &now_told {
            if told.get(key) != Some(t) {
                self.hub.send(key, &Out::Text(t.clone()));
            }
        }
        // Parties no longer waiting or online drop out, so a later view is told again.
        *told = now_told;
        Ok(())
    }

    /// Offers every waiting session it can, in queue order, to the best eligible agent
    /// ([`routing::pick`]); each offer is a compare-and-set in the store. Whether any was made.
    ///
    /// # Errors
    /// Store failures.
    pub fn drain(&self, now: u64) -> Result<bool, ApiError> {
        // Most drains (every close, with a thousand sessions assigned) find nothing queued: one
        // read of the waiting sessions instead of every live one.
        if !self
            .store
            .waiting_sessions()?
            .iter()
            .any(|s| s.state == SessionState::Queued)
        {
            return Ok(false);
        }
        let live = self.store.live_sessions()?;
        let presences = self.presences_by_agent()?;
        let mut loads: HashMap<String, u32> = HashMap::new();
        for s in &live {
            let holder = match s.state {
                SessionState::Assigned => s.agent_id.as_ref(),
                SessionState::Offered => s.offered_to.as_ref(),
                _ => None,
            };
            if let Some(a) = holder {
                *loads.entry(a.clone()).or_default() += 1;
            }
        }
        let mut candidates: Vec<Candidate> = self
            .store
            .list_agents()?
            .into_iter()
            .filter(|a| presences.get(&a.agent_id).is_some_and(|p| p.online))
            .map(|a| Candidate {
                barred: a.revoked_at.is_some() || a.cert_expires_at <= now,
                presence: presences.get(&a.agent_id).cloned(),
                load: loads.get(&a.agent_id).copied().unwrap_or(0),
                agent_id: a.agent_id,
                profile: a.profile,
            })
            .collect();
        let mut any = false;
        for s in live.iter().filter(|s| s.state == SessionState::Queued) {
            let declined = self.store.declined_by(&s.session_id)?;
            let need = Need {
                team: s.team.as_deref(),
                region: &s.region,
                language: &s.language,
            };
            let Some((agent_id, capacity)) = routing::pick(&candidates, need, &declined, now)
                .map(|c| (c.agent_id.clone(), c.profile.capacity))
            else {
                continue;
            };
            let expires_at = now + OFFER_SECS;
            if !self
                .store
                .offer_session(&s.session_id, &agent_id, capacity, expires_at)?
            {
                continue;
            }
            any = true;
            if let Some(c) = candidates.iter_mut().find(|c| c.agent_id == agent_id) {
                c.load += 1;
            }
            self.support_log(
                "desk",
                "support.offer",
                &s.session_id,
                &s.device_id,
                serde_json::json!({"agent": agent_id, "expires_at": expires_at}),
            );
            let category =
                proto::SupportCategory::parse(&s.category).unwrap_or(proto::SupportCategory::Other);
            self.tell(
                &agent_key(&agent_id),
                &text(&Control::Offer {
                    session_id: s.session_id.clone(),
                    category,
                    language: s.language.clone(),
                    region: s.region.clone(),
                    waited_secs: now.saturating_sub(s.enqueued_at),
                    expires_at,
                }),
            );
        }
        Ok(any)
    }

    /// The sweep (every second, and on demand): lapsed offers move on, silent agents are away,
    /// dropped agents' sessions go back to the head of the queue after the grace, deadlines
    /// close or alert, idle and over-long sessions close; then the queue is drained.
    ///
    /// # Errors
    /// Store failures.
    pub fn support_sweep(&self) -> Result<(), ApiError> {
        let now = self.clock.now();
        let mut changed = false;
        if self.has_fanout() && self.frame_heads.due() {
            self.refresh_frame_heads()?;
        }
        // Presence: no heartbeat for AWAY_AFTER_SECS is a drop.
        for p in self.store.presences()? {
            if p.online
                && p.last_heartbeat + proto::AWAY_AFTER_SECS < now
                && self.store.agent_dropped(&p.agent_id, now)?
            {
                self.support_log(
                    "desk",
                    "support.presence",
                    &p.agent_id,
                    "",
                    serde_json::json!({"online": false, "why": "no_heartbeat"}),
                );
                changed = true;
            }
        }
        let presences = self.presences_by_agent()?;
        for s in self.store.live_sessions()? {
            let sid = s.session_id.as_str();
            match s.state {
                SessionState::Offered if s.offer_expires_at.is_some_and(|e| e <= now) => {
                    if let Some(agent) = &s.offered_to {
                        if self.store.withdraw_offer(sid, agent)? {
                            self.support_log(
                                "desk",
                                "support.offer_timeout",
                                sid,
                                &s.device_id,
                                serde_json::json!({"agent": agent}),
                            );
                            self.tell(
                                &agent_key(agent),
                                &text(&Control::OfferWithdrawn {
                                    session_id: sid.to_owned(),
                                }),
                            );
                            changed = true;
                        }
                    }
                }
                SessionState::Assigned => {
                    let agent = s.agent_id.clone().unwrap_or_default();
                    let dropped = presences
                        .get(&agent)
                        .and_then(|p| p.dropped_at)
                        .is_some_and(|d| d + DROP_GRACE_SECS <= now);
                    if dropped && self.store.requeue_session(sid, &agent, None, true, now)? {
                        self.support_log(
                            "desk",
                            "support.requeue",
                            sid,
                            &s.device_id,
                            serde_json::json!({"agent": agent, "why": "agent_dropped"}),
                        );
                        self.queue_forget(&employee_key(&s.device_id));
                        changed = true;
                        continue;
                    }
                    if s.last_frame_at + IDLE_SECS <= now || s.opened_at + MAX_SESSION_SECS <= now {
                        changed |= self.close(sid, Outcome::Expired, "desk", now)?;
                        continue;
                    }
                    if let (None, Some(deadline)) = (s.first_response_at, s.first_response_deadline)
                    {
                        let at = deadline - FIRST_RESPONSE_SECS * (100 - ALERT_AT_PERCENT) / 100;
                        if now >= at && self.store.raise_alert(sid, "first_response", now)? {
                            self.support_log("desk", "support.alert", sid, &s.device_id,
                                serde_json::json!({"kind": "first_response", "deadline": deadline, "agent": agent}));
                            self.alert_supervisors(
                                sid,
                                "first_response",
                                deadline,
                                s.team.as_deref(),
                            )?;
                        }
                    }
                }
                _ => {}
            }
            if matches!(s.state, SessionState::Queued | SessionState::Offered) {
                if now >= s.wait_deadline {
                    changed |= self.close(sid, Outcome::Expired, "desk", now)?;
                    continue;
                }
                let at = s.wait_deadline - WAIT_DEADLINE_SECS * (100 - ALERT_AT_PERCENT) / 100;
                if now >= at && self.store.raise_alert(sid, "wait", now)? {
                    self.support_log(
                        "desk",
                        "support.alert",
                        sid,
                        &s.device_id,
                        serde_json::json!({"kind": "wait", "deadline": s.wait_deadline}),
                    );
                    self.alert_supervisors(sid, "wait", s.wait_deadline, s.team.as_deref())?;
                }
            }
        }
        changed |= self.drain(now)?;
        if changed {
            self.queue_changed();
        }
        // Other desks change the queue too: with them, every sweep looks.
        if self.queue_news.dirty.swap(false, Ordering::AcqRel) || self.has_fanout() {
            if let Err(e) = self.announce_queue() {
                self.queue_changed();
                return Err(e);
            }
        }
        Ok(())
    }
}
