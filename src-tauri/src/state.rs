//! What the running app holds: the store (shared with `verityctl` through the data directory)
//! and the desktop host.

use crate::error::{CmdResult, ErrorCode, IpcError};
use crate::host::SharedHost;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use verity_store::Store;

/// How long Settings waits for the saved shortcut's registration at start before it answers
/// without it (the registration follows the first paint, or a few seconds after `setup`).
pub const SHORTCUT_AT_START_WAIT: Duration = Duration::from_secs(10);

/// The app's managed state.
pub struct AppState {
    data_dir: PathBuf,
    /// The open store, or why it could not be opened (shown on Home instead of crashing).
    store: Mutex<Result<Store, verity_store::StoreError>>,
    /// The desktop services.
    pub host: SharedHost,
    /// Held through a shortcut change (registered with the desktop, then stored), so that two
    /// changes at once cannot leave one shortcut registered and the other recorded.
    shortcut_change: Mutex<()>,
    /// The saved shortcut the desktop refused when Verity started, until another is saved.
    shortcut_refused: Mutex<Option<String>>,
    /// `true` while the saved shortcut's registration at start is still to come (it runs once
    /// the window has drawn, see `desktop::shortcut::register_saved`): what it finds is waited
    /// for by [`AppState::shortcut_refused`].
    shortcut_at_start: (Mutex<bool>, Condvar),
    /// A second store on the same data directory for long work (scanning large files), opened on
    /// first use, so that such work never holds the lock every other command needs: a check
    /// answers while a 50 MB export is scanned. Long jobs wait for each other.
    long_work: Arc<Mutex<Option<Store>>>,
}

impl AppState {
    /// Opens the store in `data_dir`. A failure is kept and reported by every command.
    pub fn open(data_dir: PathBuf, host: SharedHost) -> Self {
        let store = Store::open(&data_dir).inspect_err(|e| {
            log::error!("cannot open the store: {e}");
        });
        AppState {
            data_dir,
            store: Mutex::new(store),
            host,
            shortcut_change: Mutex::new(()),
            shortcut_refused: Mutex::new(None),
            shortcut_at_start: (Mutex::new(false), Condvar::new()),
            long_work: Arc::default(),
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Runs `f` while no other shortcut change runs.
    ///
    /// # Errors
    /// `f`'s error, or an internal error when an earlier change panicked.
    pub fn changing_shortcut<T>(&self, f: impl FnOnce() -> CmdResult<T>) -> CmdResult<T> {
        let _guard = self
            .shortcut_change
            .lock()
            .map_err(|_| IpcError::new(ErrorCode::Internal, "the shortcut lock was poisoned"))?;
        f()
    }

    /// Records that the saved shortcut `shortcut` is not in force (the desktop refused it at
    /// start), or that it is again (`None`).
    pub fn set_shortcut_refused(&self, shortcut: Option<String>) {
        match self.shortcut_refused.lock() {
            Ok(mut r) => *r = shortcut,
            Err(e) => *e.into_inner() = shortcut,
        }
    }

    /// Says whether the saved shortcut's registration at start is still to come (`true` from
    /// `setup`) or done (`false`, waking those waiting in [`AppState::shortcut_refused`]).
    pub fn set_shortcut_at_start_pending(&self, pending: bool) {
        let (lock, done) = &self.shortcut_at_start;
        match lock.lock() {
            Ok(mut p) => *p = pending,
            Err(e) => *e.into_inner() = pending,
        }
        done.notify_all();
    }

    /// The saved shortcut the desktop refused at start, if it still is the saved one. Waits (at
    /// most [`SHORTCUT_AT_START_WAIT`]) for the registration at start to be done.
    #[must_use]
    pub fn shortcut_refused(&self) -> Option<String> {
        let (lock, done) = &self.shortcut_at_start;
        let pending = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        drop(
            done.wait_timeout_while(pending, SHORTCUT_AT_START_WAIT, |p| *p)
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        match self.shortcut_refused.lock() {
            Ok(r) => r.clone(),
            Err(e) => e.into_inner().clone(),
        }
    }

    /// Runs a flow of `verity_flows` with the store (see [`AppState::with_store`]).
    ///
    /// # Errors
    /// The store's open error, or the flow's.
    pub fn with_flow<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, verity_flows::FlowError>,
    ) -> CmdResult<T> {
        self.locked(f)
    }

    /// Runs a long flow (a scan of large files) on a blocking thread with the second store (see
    /// `long_work`), never holding the lock of the store the other commands use.
    ///
    /// # Errors
    /// The second store's open error, or the flow's.
    pub async fn with_long_flow<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, verity_flows::FlowError> + Send + 'static,
    ) -> CmdResult<T> {
        let slot = self.long_work.clone();
        let data_dir = self.data_dir.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let mut guard = slot.lock().map_err(|_| {
                IpcError::new(ErrorCode::Internal, "the long-work lock was poisoned")
            })?;
            let store = match guard.take() {
                Some(s) => guard.insert(s),
                None => guard.insert(Store::open(&data_dir)?),
            };
            f(store).map_err(IpcError::from)
        })
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, format!("the task failed: {e}")))?
    }

    /// Runs `f` with the store. The lock is held only for the call.
    ///
    /// # Errors
    /// The store's open error, or `f`'s error.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, verity_store::StoreError>,
    ) -> CmdResult<T> {
        self.locked(f)
    }

    fn locked<T, E: Into<IpcError>>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> CmdResult<T> {
        let mut guard = self
            .store
            .lock()
            .map_err(|_| IpcError::new(ErrorCode::Internal, "the store lock was poisoned"))?;
        match guard.as_mut() {
            Ok(store) => f(store).map_err(Into::into),
            Err(why) => Err(IpcError::new(ErrorCode::Store, why.to_string())),
        }
    }
}
