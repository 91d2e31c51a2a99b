//! Verified support sessions, the app's requests to the desk (issue 13): open a session, ask
//! for the organisation's signed live status, upload a sealed transcript, and open the
//! WebSocket ([`crate::ws`]). The use cases (the session driver, the agent's loop) are in
//! `verity-flows`; this is the signed-request plumbing they share, for an enrolled employee's
//! device or an agent's app.

use crate::client::{ClientOptions, DeskClient};
use crate::device::{load_as, DeviceContext, DeviceError};
use crate::proto::{
    self, paths, OpenAnswer, OpenRequest, StatusAnswer, StatusBody, StatusRequest,
    TranscriptReceipt, TranscriptUpload,
};
use crate::state::{DeviceRole, DeviceState};
use crate::ws::{SupportSocket, WsError};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::time::Duration;

/// An enrolled app's binding, loaded once for a session: its state, its key (in memory while
/// the session runs, zeroized on drop), a client pinned to the organisation key.
pub struct Binding {
    /// The state file.
    pub state: DeviceState,
    key: SigningKey,
    client: DeskClient,
    options: ClientOptions,
    org_key: VerifyingKey,
}

impl std::fmt::Debug for Binding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Binding")
            .field("device_id", &self.state.device_id)
            .field("role", &self.state.role)
            .finish_non_exhaustive()
    }
}

/// Why the live status cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum StatusCheckError {
    /// The request failed (not enrolled, key store, network, a refusal).
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// The statement does not verify for this request.
    #[error(transparent)]
    Statement(#[from] proto::StatusError),
}

impl Binding {
    /// Loads the binding of an app enrolled as `role` (the key is opened: a key file needs its
    /// passphrase in `ctx`).
    ///
    /// # Errors
    /// [`DeviceError`]: not enrolled, `wrong_role`, the key store.
    pub fn load(ctx: &DeviceContext, role: DeviceRole) -> Result<Binding, DeviceError> {
        let (state, key, client) = load_as(ctx, role)?;
        let org_key = proto::parse_public_key(&state.org.public_key, "organisation key")?;
        let mut options = ctx.client.clone();
        if options.extra_roots_pem.is_none() {
            options.extra_roots_pem = state.desk_ca_pem.as_ref().map(|p| p.as_bytes().to_vec());
        }
        Ok(Binding {
            state,
            key,
            client,
            options,
            org_key,
        })
    }

    /// The pinned organisation key.
    #[must_use]
    pub fn org_key(&self) -> &VerifyingKey {
        &self.org_key
    }

    /// The app's device key (it signs requests and the Noise static key binding; never leaves
    /// the process).
    #[must_use]
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The app's certificate token (`vc1.` or `va1.`).
    #[must_use]
    pub fn certificate(&self) -> &str {
        &self.state.certificate
    }

    fn call<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(
        &self,
        ctx: &DeviceContext,
        path: &str,
        body: &Req,
    ) -> Result<Resp, DeviceError> {
        Ok(self.client.call(
            path,
            body,
            &self.key,
            Some(&self.state.certificate),
            ctx.clock.as_ref(),
        )?)
    }

    /// `POST /v1/support/open` (employee).
    ///
    /// # Errors
    /// [`DeviceError`], with the desk's code on a refusal (`totp_invalid`, `session_open`…).
    pub fn open(&self, ctx: &DeviceContext, req: &OpenRequest) -> Result<OpenAnswer, DeviceError> {
        let a: OpenAnswer = self.call(ctx, paths::SUPPORT_OPEN, req)?;
        if !proto::is_session_id(&a.session_id) {
            return Err(DeviceError::Client(
                crate::client::ClientError::BadResponse("the session id is malformed".into()),
            ));
        }
        Ok(a)
    }

    /// `POST /v1/support/status` with a fresh nonce; the statement verified against the pinned
    /// organisation key, this device, the nonce and the clock.
    ///
    /// # Errors
    /// [`StatusCheckError`].
    pub fn status(&self, ctx: &DeviceContext) -> Result<StatusBody, StatusCheckError> {
        let nonce = proto::new_nonce().map_err(DeviceError::from)?;
        let a: StatusAnswer = self.call(
            ctx,
            paths::SUPPORT_STATUS,
            &StatusRequest {
                nonce: nonce.clone(),
            },
        )?;
        Ok(StatusBody::verify(
            &a.statement,
            &self.org_key,
            &self.state.device_id,
            &nonce,
            ctx.clock.now(),
        )?)
    }

    /// `POST /v1/support/transcript`.
    ///
    /// # Errors
    /// [`DeviceError`].
    pub fn upload_transcript(
        &self,
        ctx: &DeviceContext,
        upload: &TranscriptUpload,
    ) -> Result<TranscriptReceipt, DeviceError> {
        self.call(ctx, paths::SUPPORT_TRANSCRIPT, upload)
    }

    /// Opens the support WebSocket, reads timing out after `poll`.
    ///
    /// # Errors
    /// [`WsError`].
    pub fn connect(&self, ctx: &DeviceContext, poll: Duration) -> Result<SupportSocket, WsError> {
        SupportSocket::connect(
            &self.client,
            &self.options,
            &self.key,
            &self.state.certificate,
            ctx.clock.as_ref(),
            poll,
        )
    }
}
