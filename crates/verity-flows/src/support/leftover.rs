//! Closing a session this device opened but no longer drives: the app (or `verityctl support
//! open`) that opened it has quit, so the channel's keys are gone and the session cannot go on;
//! the desk keeps it open (one per employee) until its idle deadline. The employee closes it
//! (`abandoned`) to open a new one.

use super::SupportFlowError;
use std::time::{Duration, Instant};
use verity_device::proto::{is_session_id, Control, Outcome, SupportState};
use verity_device::state::DeviceRole;
use verity_device::support::{Binding, StatusCheckError};
use verity_device::ws::Incoming;
use verity_device::DeviceContext;

/// How long the desk has to confirm the close.
const CONFIRM_WITHIN: Duration = Duration::from_secs(10);

/// Closes `session_id`, or, when `None`, the session the organisation's signed status says this
/// employee has open (none: `Ok(None)`). Returns the closed session's id once the desk confirmed.
///
/// # Errors
/// [`SupportFlowError::Device`] (not enrolled, the key store, the desk unreachable or refusing);
/// [`SupportFlowError::Refused`] with the desk's code, or `timeout` when it did not confirm;
/// [`SupportFlowError::Input`] (`session_id`) for a malformed id.
pub fn close_left_session(
    ctx: &DeviceContext,
    session_id: Option<&str>,
) -> Result<Option<String>, SupportFlowError> {
    let binding = Binding::load(ctx, DeviceRole::Employee)?;
    let session_id = match session_id {
        Some(id) if is_session_id(id) => id.to_owned(),
        Some(_) => return Err(SupportFlowError::Input("session_id")),
        None => {
            let status = binding.status(ctx).map_err(|e| match e {
                StatusCheckError::Device(d) => SupportFlowError::Device(d),
                StatusCheckError::Statement(_) => SupportFlowError::Refused("not_signed".into()),
            })?;
            match (status.state, status.session_id) {
                (SupportState::None, _) | (_, None) => return Ok(None),
                (_, Some(id)) => id,
            }
        }
    };
    let mut socket = binding
        .connect(ctx, Duration::from_millis(500))
        .map_err(|e| SupportFlowError::Refused(e.code().to_owned()))?;
    socket
        .send_control(&Control::Close {
            session_id: session_id.clone(),
            outcome: Outcome::Abandoned,
        })
        .map_err(|e| SupportFlowError::Refused(e.code().to_owned()))?;
    let until = Instant::now() + CONFIRM_WITHIN;
    let result = loop {
        if Instant::now() >= until {
            break Err(SupportFlowError::Refused("timeout".into()));
        }
        match socket.recv() {
            Ok(Some(Incoming::Control(Control::Closed { session_id: s, .. })))
                if s == session_id =>
            {
                break Ok(Some(session_id));
            }
            Ok(Some(Incoming::Control(Control::Error { code, .. }))) => {
                break Err(SupportFlowError::Refused(code));
            }
            Ok(_) => {}
            Err(e) => break Err(SupportFlowError::Refused(e.code().to_owned())),
        }
    };
    socket.close();
    result
}
