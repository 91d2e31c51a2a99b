//! The console's passkeys (WebAuthn, `crates/verity-passkey`): registering one to the signed-in
//! account, signing in with one (usernameless: the authenticator names the account), re-
//! authenticating with one, removing one. Ceremonies wait in the store (so that any desk on the
//! database can finish one a desk started) under the hash of a random id for at most [`verity_passkey::CEREMONY_TIMEOUT_SECS`], are used once, and a registration or re-
//! authentication is bound to the session that started it. A sign-in is admitted against the
//! same lockout as the passphrase (5 failures per account, 20 per address in 15 minutes) before
//! its signature is judged; every failure is in the operation log; a signature counter that went
//! back is logged as a possibly copied passkey.

use super::console::{ConsoleError, ConsoleSession, Me, SignedIn};
use super::Desk;
use crate::store::PasskeyRecord;
use std::net::IpAddr;
use url::Url;
use verity_device::proto;
use verity_passkey::{
    AuthenticationState, CredentialId, PasskeyError, RegistrationState, RelyingParty,
    StoredCredential, CEREMONY_TIMEOUT_SECS,
};

/// The most ceremonies waiting at once (older ones are dropped first).
const MAX_WAITING: u32 = 1000;
/// The longest passkey label.
const MAX_LABEL_CHARS: usize = 64;

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Pending {
    Register {
        admin_id: i64,
        session: String,
        state: RegistrationState,
    },
    SignIn {
        state: AuthenticationState,
    },
    Reauth {
        admin_id: i64,
        session: String,
        state: AuthenticationState,
    },
}

/// How a ceremony's id is kept in the database: SHA-256, hex (the id is a bearer handle).
fn ceremony_key(id: &str) -> String {
    proto::sha256_hex(format!("verity-passkey-ceremony-v1:{id}").as_bytes())
}

impl Desk {
    /// Keeps a ceremony in the store (any desk on the database may finish it); its id.
    fn ceremony_put(&self, now: u64, pending: &Pending) -> Result<String, ConsoleError> {
        let mut raw = [0u8; 32];
        proto::random_bytes(&mut raw)?;
        let id = proto::b64(&raw);
        let state = serde_json::to_string(pending).map_err(|e| {
            tracing::error!(error = %e, "cannot keep a passkey ceremony");
            ConsoleError::internal()
        })?;
        self.store.put_ceremony(
            &ceremony_key(&id),
            &state,
            now,
            now + CEREMONY_TIMEOUT_SECS,
            MAX_WAITING,
        )?;
        Ok(id)
    }

    /// Takes a ceremony once; `None` when unknown, used or expired.
    fn ceremony_take(&self, id: &str) -> Result<Option<Pending>, ConsoleError> {
        let now = self.clock.now();
        let Some(state) = self.store.take_ceremony(&ceremony_key(id), now)? else {
            return Ok(None);
        };
        Ok(serde_json::from_str(&state)
            .map_err(|e| tracing::error!(error = %e, "a stored passkey ceremony is unreadable"))
            .ok())
    }
}

/// What a `start` answers: the ceremony's id and the options for the browser.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ceremony {
    /// The ceremony's id, for `finish`.
    pub ceremony: String,
    /// `PublicKeyCredentialCreationOptionsJSON` or `…RequestOptionsJSON`.
    pub options: serde_json::Value,
}

fn rp(origin: &str) -> Result<RelyingParty, ConsoleError> {
    let url = Url::parse(origin).map_err(|_| ConsoleError::internal())?;
    RelyingParty::new(&url).map_err(|e| {
        tracing::error!(error = %e, "the desk's public origin cannot be a passkey relying party");
        ConsoleError::conflict(format!(
            "passkeys need the desk's public origin to be https (or localhost): {e}"
        ))
    })
}

fn stale() -> ConsoleError {
    ConsoleError::invalid("ceremony", "the passkey request expired: start again")
}

/// The credential id a response names (before anything is judged).
fn credential_id_of(json: &[u8]) -> Option<CredentialId> {
    let v: serde_json::Value = serde_json::from_slice(json).ok()?;
    CredentialId::from_base64url(v.get("id")?.as_str()?)
}

impl Desk {
    fn passkey_label(label: &str) -> Result<String, ConsoleError> {
        let label = label.trim();
        if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(proto::is_hidden_char) {
            return Err(ConsoleError::invalid(
                "label",
                "at most 64 printable characters",
            ));
        }
        Ok(if label.is_empty() {
            "Passkey".to_owned()
        } else {
            label.to_owned()
        })
    }

    /// `POST /console/api/passkey/register/start`: options to create a passkey for the signed-in
    /// account (its existing passkeys excluded).
    ///
    /// # Errors
    /// [`ConsoleError`].
    pub fn passkey_register_start(
        &self,
        s: &ConsoleSession,
        origin: &str,
    ) -> Result<Ceremony, ConsoleError> {
        let rp = rp(origin)?;
        let exclude: Vec<CredentialId> = self
            .store
            .passkeys(s.admin.id)?
            .into_iter()
            .filter_map(|p| CredentialId::new(p.credential_id))
            .collect();
        let now = self.clock.now();
        let (state, options) = rp
            .start_registration(
                &s.admin.user_handle,
                &s.admin.name,
                &s.admin.name,
                &exclude,
                now,
            )
            .map_err(|e| {
                tracing::error!(error = %e, "cannot start a passkey registration");
                ConsoleError::internal()
            })?;
        let ceremony = self.ceremony_put(
            now,
            &Pending::Register {
                admin_id: s.admin.id,
                session: s.session.token_hash.clone(),
                state,
            },
        )?;
        Ok(Ceremony { ceremony, options })
    }

    /// `POST /console/api/passkey/register/finish`: verifies the new credential and keeps it.
    ///
    /// # Errors
    /// `invalid_input` (`ceremony`, `credential`, `label`), `conflict` (registered already).
    pub fn passkey_register_finish(
        &self,
        s: &ConsoleSession,
        origin: &str,
        ceremony: &str,
        credential: &[u8],
        label: &str,
    ) -> Result<Vec<PasskeyRecord>, ConsoleError> {
        let label = Self::passkey_label(label)?;
        let Some(Pending::Register {
            admin_id,
            session,
            state,
        }) = self.ceremony_take(ceremony)?
        else {
            return Err(stale());
        };
        if admin_id != s.admin.id || session != s.session.token_hash {
            return Err(stale());
        }
        let now = self.clock.now();
        let cred = match rp(origin)?.finish_registration(state, credential, now) {
            Ok(c) => c,
            Err(e) => {
                self.log_op(
                    &s.actor(),
                    "console.passkey_add",
                    &s.admin.name,
                    "",
                    "refused",
                    serde_json::json!({ "why": e.to_string() }),
                )?;
                return Err(ConsoleError::invalid(
                    "credential",
                    "the passkey could not be verified",
                ));
            }
        };
        let added = self.store.add_passkey(
            s.admin.id,
            cred.id().as_bytes(),
            &cred.to_bytes(),
            &label,
            now,
        )?;
        self.log_op(
            &s.actor(),
            "console.passkey_add",
            &s.admin.name,
            "",
            if added.is_some() { "ok" } else { "conflict" },
            serde_json::json!({ "label": label }),
        )?;
        if added.is_none() {
            return Err(ConsoleError::conflict("this passkey is registered already"));
        }
        Ok(self.store.passkeys(s.admin.id)?)
    }

    /// `POST /console/api/passkey/{id}/remove`.
    ///
    /// # Errors
    /// `not_found`; store failures.
    pub fn passkey_remove(
        &self,
        s: &ConsoleSession,
        id: i64,
    ) -> Result<Vec<PasskeyRecord>, ConsoleError> {
        let done = self.store.remove_passkey(s.admin.id, id)?;
        self.log_op(
            &s.actor(),
            "console.passkey_remove",
            &s.admin.name,
            "",
            if done { "ok" } else { "not_found" },
            serde_json::json!({ "passkey": id }),
        )?;
        if !done {
            return Err(ConsoleError::not_found("no such passkey"));
        }
        Ok(self.store.passkeys(s.admin.id)?)
    }

    /// `POST /console/api/passkey/signin/start`: options for a usernameless sign-in.
    ///
    /// # Errors
    /// [`ConsoleError`].
    pub fn passkey_signin_start(&self, origin: &str) -> Result<Ceremony, ConsoleError> {
        let now = self.clock.now();
        let (state, options) = rp(origin)?
            .start_authentication(None, now)
            .map_err(|_| ConsoleError::internal())?;
        let ceremony = self.ceremony_put(now, &Pending::SignIn { state })?;
        Ok(Ceremony { ceremony, options })
    }

    /// Judges an assertion for the passkey it names, under the account's lockout; the stored
    /// passkey's account, after writing back its counter.
    fn judge(
        &self,
        origin: &str,
        state: AuthenticationState,
        credential: &[u8],
        peer: IpAddr,
        action: &str,
        only_admin: Option<i64>,
    ) -> Result<crate::store::AdminRecord, ConsoleError> {
        let now = self.clock.now();
        let record = credential_id_of(credential)
            .map(|id| self.store.passkey_by_credential_id(id.as_bytes()))
            .transpose()?
            .flatten();
        let admin = match &record {
            Some(r) => self.store.admin_by_id(r.admin_id)?,
            None => None,
        };
        let name = admin
            .as_ref()
            .map_or_else(|| "(unknown passkey)".to_owned(), |a| a.name.clone());
        let attempts = self.console_admit(&name, peer, action)?;
        let (Some(record), Some(admin)) = (record, admin) else {
            return Err(self.console_attempt_failed(&attempts, action, peer, "unknown passkey")?);
        };
        if only_admin.is_some_and(|id| id != admin.id) {
            return Err(self.console_attempt_failed(
                &attempts,
                action,
                peer,
                "another account's passkey",
            )?);
        }
        let stored = StoredCredential::from_bytes(&record.credential).ok();
        let judged = rp(origin)?.finish_authentication(state, credential, |_| stored, now);
        let done = match judged {
            Ok(a) if a.user_handle == admin.user_handle => a,
            Ok(_) => {
                return Err(self.console_attempt_failed(
                    &attempts,
                    action,
                    peer,
                    "the user handle is another account's",
                )?)
            }
            Err(e @ PasskeyError::CounterRegression { .. }) => {
                tracing::warn!(account = %admin.name, "passkey counter went back: possibly copied");
                return Err(self.console_attempt_failed(
                    &attempts,
                    action,
                    peer,
                    &format!("possibly copied passkey: {e}"),
                )?);
            }
            Err(e) => {
                return Err(self.console_attempt_failed(&attempts, action, peer, &e.to_string())?)
            }
        };
        self.store
            .use_passkey(record.id, &done.updated.to_bytes(), now)?;
        self.console_attempt_succeeded(&attempts)?;
        Ok(admin)
    }

    /// `POST /console/api/passkey/signin/finish`: a session for the passkey's account.
    ///
    /// # Errors
    /// `unauthenticated`, `locked`, `invalid_input` (`ceremony`).
    pub fn passkey_signin_finish(
        &self,
        origin: &str,
        ceremony: &str,
        credential: &[u8],
        peer: IpAddr,
    ) -> Result<SignedIn, ConsoleError> {
        let Some(Pending::SignIn { state }) = self.ceremony_take(ceremony)? else {
            return Err(stale());
        };
        let admin = self.judge(
            origin,
            state,
            credential,
            peer,
            "console.passkey_signin",
            None,
        )?;
        self.console_start_session(admin.id, peer, "console.passkey_signin")
    }

    /// `POST /console/api/passkey/reauth/start`: options limited to the account's passkeys.
    ///
    /// # Errors
    /// `conflict` when the account has none.
    pub fn passkey_reauth_start(
        &self,
        s: &ConsoleSession,
        origin: &str,
    ) -> Result<Ceremony, ConsoleError> {
        let allow: Vec<CredentialId> = self
            .store
            .passkeys(s.admin.id)?
            .into_iter()
            .filter_map(|p| CredentialId::new(p.credential_id))
            .collect();
        if allow.is_empty() {
            return Err(ConsoleError::conflict("this account has no passkey"));
        }
        let now = self.clock.now();
        let (state, options) = rp(origin)?
            .start_authentication(Some(&allow), now)
            .map_err(|_| ConsoleError::internal())?;
        let ceremony = self.ceremony_put(
            now,
            &Pending::Reauth {
                admin_id: s.admin.id,
                session: s.session.token_hash.clone(),
                state,
            },
        )?;
        Ok(Ceremony { ceremony, options })
    }

    /// `POST /console/api/passkey/reauth/finish`.
    ///
    /// # Errors
    /// `unauthenticated`, `locked`, `invalid_input` (`ceremony`).
    pub fn passkey_reauth_finish(
        &self,
        s: &ConsoleSession,
        origin: &str,
        ceremony: &str,
        credential: &[u8],
        peer: IpAddr,
    ) -> Result<Me, ConsoleError> {
        let Some(Pending::Reauth {
            admin_id,
            session,
            state,
        }) = self.ceremony_take(ceremony)?
        else {
            return Err(stale());
        };
        if admin_id != s.admin.id || session != s.session.token_hash {
            return Err(stale());
        }
        self.judge(
            origin,
            state,
            credential,
            peer,
            "console.passkey_reauth",
            Some(s.admin.id),
        )?;
        self.console_mark_reauth(s, "console.passkey_reauth")
    }
}
