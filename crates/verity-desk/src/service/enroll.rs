//! Enrolment: an employee's device (`POST /v1/enroll`) and a support agent's app
//! (`POST /v1/agent/enroll`), each with its own kind of one-time code.

use super::*;

impl Desk {
    /// The code's record: by its HMAC, else (a code issued before schema 2) by its legacy hash.
    fn find_code(&self, code: &str) -> Result<Option<(String, EnrollCodeRecord)>, ApiError> {
        let hash = code_hmac(&self.code_key, code);
        if let Some(r) = self.store.enroll_code(&hash)? {
            return Ok(Some((hash, r)));
        }
        let legacy = legacy_code_hash(code);
        Ok(self
            .store
            .enroll_code(&legacy)?
            .filter(|r| r.scheme == code_scheme::LEGACY_SHA256)
            .map(|r| (legacy, r)))
    }

    /// `POST /v1/enroll`.
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn enroll(&self, req: &Incoming) -> Result<EnrollResponse, ApiError> {
        let (now, body, device_id) = self.enroll_request(req)?;
        let admitted = self.admit(req, &device_id, now)?;
        let region = self
            .region_gate(req, &body.signals)
            .map_err(|e| admitted.release(e))?;
        // The desk's own failures below are not wrong codes: they release the attempt.
        let release = |e: ApiError| admitted.release(e);
        // An agent's code is not an employee's: it enrols only at /v1/agent/enroll.
        let found = self.find_code(&body.code).map_err(release)?;
        let (hash, record) = admitted.usable(
            found.filter(|(_, r)| r.agent.is_none()),
            "this enrolment code is not valid",
            now,
        )?;
        let (cert, device) = self
            .certify(req, &body, device_id, record, now)
            .map_err(release)?;
        // Read before the code is spent: a failure here must not leave a device enrolled with
        // no certificate in hand.
        let feed = self.feed().map_err(release)?;
        let outcome = self
            .store
            .complete_enrollment(&hash, &device, now)
            .map_err(|e| release(e.into()))?;
        admitted.complete(outcome)?;
        tracing::info!(device = %device.device_id, employee = %device.employee_id, peer = %req.peer, "device enrolled");
        Ok(EnrollResponse {
            certificate: cert.token().to_owned(),
            org: self.org_info(),
            region,
            feed,
        })
    }

    /// `POST /v1/agent/enroll`: a support agent's app enrols its device key with an agent's
    /// code (`verity-desk agent add`) and receives the organisation-signed agent certificate.
    /// The request is checked as an employee's enrolment is (fields, proof of possession,
    /// timestamp, nonce, the per-address limit on wrong codes); no region gate: the agent's
    /// regions are in the certificate.
    ///
    /// # Errors
    /// [`ApiError`].
    pub fn enroll_agent(&self, req: &Incoming) -> Result<AgentEnrollResponse, ApiError> {
        let (now, body, agent_id) = self.enroll_request(req)?;
        let admitted = self.admit(req, &agent_id, now)?;
        let release = |e: ApiError| admitted.release(e);
        let found = self.find_code(&body.code).map_err(release)?;
        let (hash, record) = admitted.usable(
            found.filter(|(_, r)| r.agent.is_some()),
            "this is not an agent's enrolment code",
            now,
        )?;
        let Some(profile) = record.agent else {
            return Err(release(ApiError::new(
                500,
                codes::INTERNAL,
                "an agent's code without a profile",
            )));
        };
        let cert = new_serial()
            .and_then(|serial| {
                Ok(AgentCertificate::sign(
                    AgentCertificateBody {
                        v: 1,
                        serial,
                        org_name: self.org_name.clone(),
                        org_key: proto::b64(self.org_public.as_bytes()),
                        agent_id: agent_id.clone(),
                        agent_key: body.device_key.clone(),
                        agent: profile.clone(),
                        issued_at: now,
                        expires_at: now + self.config.cert_ttl_secs,
                    },
                    &self.org_key,
                )?)
            })
            .map_err(release)?;
        let agent = AgentRecord {
            agent_id,
            public_key: body.device_key.clone(),
            profile,
            enrolled_at: now,
            enrolled_from: req.peer.to_string(),
            cert_serial: cert.body().serial.clone(),
            cert_expires_at: cert.body().expires_at,
            revoked_at: None,
            revoke_reason: None,
        };
        let outcome = self
            .store
            .complete_agent_enrollment(&hash, &agent, now)
            .map_err(|e| release(e.into()))?;
        admitted.complete(outcome)?;
        tracing::info!(agent = %agent.agent_id, team = %agent.profile.team, peer = %req.peer, "agent enrolled");
        Ok(AgentEnrollResponse {
            certificate: cert.token().to_owned(),
            org: self.org_info(),
        })
    }

    /// Admits an enrolment attempt under the per-address limit, then uses the request's nonce.
    fn admit<'a>(
        &'a self,
        req: &'a Incoming,
        key_id: &str,
        now: u64,
    ) -> Result<Admitted<'a>, ApiError> {
        let admitted = Admitted {
            desk: self,
            req,
            attempt: self.admit_enrollment(req, now)?,
        };
        self.use_nonce(key_id, req, now)
            .map_err(|e| admitted.release(e))?;
        Ok(admitted)
    }

    /// An enrolment request's time, body and device id, once its fields are sane and it is
    /// signed by the key being enrolled (proof of possession). Nothing is written.
    fn enroll_request(&self, req: &Incoming) -> Result<(u64, EnrollRequest, String), ApiError> {
        let auth = Self::auth_headers(req)?;
        let now = self.check_timestamp(auth)?;
        let body: EnrollRequest = Self::parse(&req.body)?;
        for (name, v) in [
            ("code", &body.code),
            ("hostname", &body.facts.hostname),
            ("os", &body.facts.os),
            ("app_version", &body.facts.app_version),
        ] {
            check_field(name, v)?;
        }
        let device_key = proto::parse_public_key(&body.device_key, "device key")
            .map_err(|_| ApiError::bad_request("device_key is not an Ed25519 public key"))?;
        proto::verify_request_signature(
            &device_key,
            &req.origin,
            &req.method,
            &req.path,
            &req.body,
            auth,
        )
        .map_err(|_| {
            ApiError::unauthorized(
                codes::SIGNATURE_INVALID,
                "the request signature does not verify",
            )
        })?;
        Ok((now, body, proto::key_id(&device_key)))
    }

    /// Counts this enrolment attempt against its address's limit; the attempt's id, to release
    /// it when the code turns out right or the request is refused for another reason.
    ///
    /// The limit comes before any write: over it, nothing is written. Under it, this attempt is
    /// counted as a failure in the same transaction that counted the earlier ones, so parallel
    /// guesses cannot all slip under the limit.
    fn admit_enrollment(&self, req: &Incoming, now: u64) -> Result<i64, ApiError> {
        let subject = rate_bucket(req.peer);
        let window_start = now.saturating_sub(self.config.enroll_window_secs);
        match self.store.begin_attempt(
            FailureKind::EnrollCode,
            &subject,
            window_start,
            self.config.enroll_max_failures,
            now,
        )? {
            Attempt::Refused { failures, .. } => {
                tracing::warn!(peer = %req.peer, failures, "enrolment rate limit");
                Err(ApiError::new(
                    429,
                    codes::ENROLL_RATE_LIMITED,
                    "too many wrong enrolment codes from this address: try again later",
                ))
            }
            Attempt::Admitted { id, .. } => Ok(id),
        }
    }

    /// The binding certificate for an accepted enrolment, and the device's record.
    fn certify(
        &self,
        req: &Incoming,
        body: &EnrollRequest,
        device_id: String,
        record: EnrollCodeRecord,
        now: u64,
    ) -> Result<(Certificate, DeviceRecord), ApiError> {
        let cert = Certificate::sign(
            CertificateBody {
                v: 1,
                serial: new_serial()?,
                org_name: self.org_name.clone(),
                org_key: proto::b64(self.org_public.as_bytes()),
                device_id: device_id.clone(),
                device_key: body.device_key.clone(),
                employee_id: record.employee_id.clone(),
                employee_name: record.employee_name.clone(),
                issued_at: now,
                expires_at: now + self.config.cert_ttl_secs,
            },
            &self.org_key,
        )?;
        let device = DeviceRecord {
            device_id,
            public_key: body.device_key.clone(),
            employee_id: record.employee_id,
            employee_name: record.employee_name,
            hostname: body.facts.hostname.clone(),
            os: body.facts.os.clone(),
            app_version: body.facts.app_version.clone(),
            enrolled_at: now,
            enrolled_from: req.peer.to_string(),
            cert_serial: cert.body().serial.clone(),
            cert_expires_at: cert.body().expires_at,
            revoked_at: None,
            revoke_reason: None,
            totp_confirmed: false,
        };
        Ok((cert, device))
    }
}

/// An enrolment attempt counted against its address's limit. A wrong code stays counted; the
/// attempt is released when the code turns out right or the request is refused for another
/// reason.
struct Admitted<'a> {
    desk: &'a Desk,
    req: &'a Incoming,
    attempt: i64,
}

impl Admitted<'_> {
    /// `e`, once the attempt is released (not a wrong code).
    fn release(&self, e: ApiError) -> ApiError {
        match self.desk.store.release_attempt(self.attempt) {
            Ok(()) => e,
            Err(se) => se.into(),
        }
    }

    /// A refusal about the code (counted as a wrong code).
    fn refuse(&self, code: &'static str, message: &str) -> ApiError {
        tracing::info!(peer = %self.req.peer, code, "enrolment refused");
        ApiError::new(403, code, message)
    }

    /// The code found, if it is of the right kind (`unknown` is said otherwise), unused and
    /// unexpired.
    fn usable(
        &self,
        found: Option<(String, EnrollCodeRecord)>,
        unknown: &str,
        now: u64,
    ) -> Result<(String, EnrollCodeRecord), ApiError> {
        let Some((hash, record)) = found else {
            return Err(self.refuse(codes::ENROLL_CODE_INVALID, unknown));
        };
        if record.used_at.is_some() {
            return Err(self.refuse(
                codes::ENROLL_CODE_USED,
                "this enrolment code was already used",
            ));
        }
        if now >= record.expires_at {
            return Err(self.refuse(
                codes::ENROLL_CODE_EXPIRED,
                "this enrolment code has expired: ask IT for a new one",
            ));
        }
        Ok((hash, record))
    }

    /// What the store's atomic completion said: enrolled (the attempt released), the code
    /// used by a racing request, or the key enrolled already.
    fn complete(&self, outcome: EnrollOutcome) -> Result<(), ApiError> {
        match outcome {
            EnrollOutcome::Enrolled => Ok(self.desk.store.release_attempt(self.attempt)?),
            EnrollOutcome::CodeUsed => Err(self.refuse(
                codes::ENROLL_CODE_USED,
                "this enrolment code was already used",
            )),
            EnrollOutcome::DeviceExists => Err(self.release(ApiError::new(
                409,
                codes::DEVICE_EXISTS,
                "this key is enrolled already",
            ))),
        }
    }
}

/// A certificate's random serial: 16 random bytes, as 32 hex digits.
fn new_serial() -> Result<String, ApiError> {
    let mut serial = [0u8; 16];
    proto::random_bytes(&mut serial)?;
    Ok(proto::sha256_hex(&serial)[..32].to_owned())
}
