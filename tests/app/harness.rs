//! The mock-runtime harness every module uses: the app's real command set and capability (from
//! `specta_builder!` and `tauri.conf.json`), its managed state over a temporary directory of its
//! own, a [`FakeHost`] for the desktop, a webview with the label a test chooses, and calls
//! through Tauri's IPC path (argument decoding, the capability check, `{code, message}`).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};
use verity_app::commands::{DeviceConfig, ExportDir};
use verity_app::feed_sync::FeedSync;
use verity_app::host::{Host, HostError, Notice, OpenRequest, SaveRequest, ShortcutError};
use verity_app::state::AppState;
use verity_app::tripwire::{OrgPolicy, Tripwires};
use verity_core::Language;
use verity_device::KdfParams;
use verity_feed_policy::schedule::Freshness;
use verity_tripwire::remote::ToolTable;

/// The desktop as a test wants it: records what the app asked of it, and refuses or answers as
/// the test says.
#[derive(Default)]
pub struct FakeHost {
    /// Plain notifications shown (the test notification).
    pub notices: Mutex<Vec<Notice>>,
    /// Threat alerts shown, with their `quiet` flag.
    pub threat_notices: Mutex<Vec<(Notice, bool)>>,
    /// Checklist reminders shown, with their `quiet` flag.
    pub reminders: Mutex<Vec<(Notice, bool)>>,
    /// Every notification is refused while set (no notification service).
    pub refuse_notifications: AtomicBool,
    /// The login item as last set.
    pub login_item: Mutex<Option<bool>>,
    /// The OS refuses to change the login item.
    pub refuse_autostart: bool,
    /// The languages the tray was retitled in, in order.
    pub languages: Mutex<Vec<Language>>,
    /// The shortcut the desktop holds for Verity.
    pub registered: Mutex<Option<String>>,
    /// Signalled whenever `registered` changes.
    pub registration: Condvar,
    /// A registration to hold open until the test lets it return (see [`FakeHost::holding`]).
    pub hold: Mutex<Option<Hold>>,
    /// The Save dialog's answers, in order (`None`: the user cancelled; none left: cancelled).
    pub save_answers: Mutex<VecDeque<Option<PathBuf>>>,
    /// What the Save dialog was asked.
    pub save_requests: Mutex<Vec<SaveRequest>>,
    /// The tray's feed line and unread count, each time the feed changed.
    pub tray: Mutex<Vec<(String, u32)>>,
    /// The Open dialog's answers, in order (`None`: the user cancelled; none left: cancelled).
    pub open_answers: Mutex<VecDeque<Option<PathBuf>>>,
    /// Tripwire alerts shown, with their `strong` flag.
    pub tripwire_notices: Mutex<Vec<(Notice, bool)>>,
    /// Drill lures shown, with their drill id.
    pub drill_lures: Mutex<Vec<(Notice, String)>>,
}

/// The host's side of a held registration.
pub struct Hold {
    shortcut: String,
    inside: mpsc::Sender<()>,
    release: mpsc::Receiver<()>,
}

/// The test's side of a held registration: the desktop has taken the shortcut, and the call
/// returns (so the app goes on to record it) only when the test releases it.
pub struct HeldRegistration {
    inside: mpsc::Receiver<()>,
    release: mpsc::Sender<()>,
}

impl HeldRegistration {
    /// Waits until the registration is inside the desktop, held.
    pub fn wait_inside(&self) {
        self.inside
            .recv_timeout(Duration::from_secs(60))
            .expect("the held shortcut never reached the desktop");
    }

    /// Lets the held registration return.
    pub fn release(&self) {
        // The registration may be gone already (its test failed): nothing to release then.
        let _ = self.release.send(());
    }
}

impl FakeHost {
    /// A host whose registration of `shortcut` is held open until the test releases it (the
    /// desktop is busy), so a test can run something else in between, in an order it chooses.
    pub fn holding(shortcut: &str) -> (FakeHost, HeldRegistration) {
        let (inside_tx, inside_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel();
        let host = FakeHost {
            hold: Mutex::new(Some(Hold {
                shortcut: shortcut.to_owned(),
                inside: inside_tx,
                release: release_rx,
            })),
            ..FakeHost::default()
        };
        let held = HeldRegistration {
            inside: inside_rx,
            release: release_tx,
        };
        (host, held)
    }

    /// Waits up to `patience` for the desktop to hold `shortcut`; whether it does.
    pub fn wait_until_registered(&self, shortcut: &str, patience: Duration) -> bool {
        let registered = self.registered.lock().unwrap();
        let (registered, _) = self
            .registration
            .wait_timeout_while(registered, patience, |r| r.as_deref() != Some(shortcut))
            .unwrap();
        registered.as_deref() == Some(shortcut)
    }

    fn refusing(&self) -> Result<(), HostError> {
        if self.refuse_notifications.load(Ordering::SeqCst) {
            return Err(HostError::Notification("refused by the test".into()));
        }
        Ok(())
    }
}

impl Host for FakeHost {
    fn notify(&self, notice: &Notice) -> Result<(), HostError> {
        self.refusing()?;
        self.notices.lock().unwrap().push(notice.clone());
        Ok(())
    }
    fn set_start_at_login(&self, enabled: bool) -> Result<(), HostError> {
        if self.refuse_autostart {
            return Err(HostError::Autostart("refused by the test".into()));
        }
        *self.login_item.lock().unwrap() = Some(enabled);
        Ok(())
    }
    fn language_changed(&self, language: Language) {
        self.languages.lock().unwrap().push(language);
    }
    fn set_check_shortcut(&self, shortcut: &str) -> Result<(), ShortcutError> {
        // As a desktop where another program holds Ctrl+Alt+Delete.
        if shortcut == "Ctrl+Alt+Delete" {
            return Err(ShortcutError::Refused {
                shortcut: shortcut.to_owned(),
                why: "taken in the test".into(),
            });
        }
        verity_app::shortcut::parse_shortcut(shortcut)?;
        *self.registered.lock().unwrap() = Some(shortcut.to_owned());
        self.registration.notify_all();
        let hold = {
            let mut hold = self.hold.lock().unwrap();
            match hold.as_ref() {
                Some(h) if h.shortcut == shortcut => hold.take(),
                _ => None,
            }
        };
        if let Some(hold) = hold {
            // The test may be gone (failed): then nobody waits, and nobody releases.
            let _ = hold.inside.send(());
            let _ = hold.release.recv();
        }
        Ok(())
    }
    fn notify_threats(&self, notice: &Notice, quiet: bool) -> Result<(), HostError> {
        self.refusing()?;
        self.threat_notices
            .lock()
            .unwrap()
            .push((notice.clone(), quiet));
        Ok(())
    }
    fn notify_reminder(&self, notice: &Notice, quiet: bool) -> Result<(), HostError> {
        self.refusing()?;
        self.reminders.lock().unwrap().push((notice.clone(), quiet));
        Ok(())
    }
    fn notify_tripwire(&self, notice: &Notice, strong: bool) -> Result<(), HostError> {
        self.refusing()?;
        self.tripwire_notices
            .lock()
            .unwrap()
            .push((notice.clone(), strong));
        Ok(())
    }
    fn notify_drill_lure(&self, notice: &Notice, drill_id: &str) -> Result<(), HostError> {
        self.refusing()?;
        self.drill_lures
            .lock()
            .unwrap()
            .push((notice.clone(), drill_id.to_owned()));
        Ok(())
    }
    fn choose_save_path(&self, request: &SaveRequest) -> Result<Option<PathBuf>, HostError> {
        self.save_requests.lock().unwrap().push(request.clone());
        Ok(self.save_answers.lock().unwrap().pop_front().flatten())
    }
    fn choose_open_path(&self, _request: &OpenRequest) -> Result<Option<PathBuf>, HostError> {
        Ok(self.open_answers.lock().unwrap().pop_front().flatten())
    }
    fn feed_changed(&self, language: Language, freshness: &Freshness, unread: u32) {
        let line = verity_app::feed_words::freshness_line(language, freshness);
        self.tray.lock().unwrap().push((line, unread));
    }
}

/// The device settings of a test: a fast key derivation and an OS store entry of its own, never
/// the real ones.
pub fn device_config() -> DeviceConfig {
    let mut config = DeviceConfig::default();
    config.kdf = KdfParams::INSECURE_FOR_TESTS;
    config.os_service = "hk.verity.test-app-device-key".into();
    config
}

/// The app on the mock runtime, over a temporary directory of its own:
/// `data/` (the data dir), `exports/` (cleaned copies) and `provisioning.json` (absent unless
/// the test writes it).
pub struct Harness {
    pub dir: tempfile::TempDir,
    pub host: Arc<FakeHost>,
    pub app: App<MockRuntime>,
    pub webview: WebviewWindow<MockRuntime>,
}

/// How to build a [`Harness`]; [`Harness::new`] takes every default.
pub struct Builder {
    host: FakeHost,
    label: &'static str,
    device: DeviceConfig,
    org: OrgPolicy,
}

impl Builder {
    /// The desktop the app runs on (default: a [`FakeHost`] that accepts everything).
    pub fn host(mut self, host: FakeHost) -> Self {
        self.host = host;
        self
    }

    /// The webview's label (default `main`, the one window the capability grants commands to).
    pub fn label(mut self, label: &'static str) -> Self {
        self.label = label;
        self
    }

    /// The organisation's tripwire policy (default: none).
    pub fn org(mut self, org: OrgPolicy) -> Self {
        self.org = org;
        self
    }

    /// The device settings (default: [`device_config`]).
    pub fn device(mut self, device: DeviceConfig) -> Self {
        self.device = device;
        self
    }

    pub fn build(self) -> Harness {
        async_runtime();
        let dir = tempfile::tempdir().unwrap();
        let host = Arc::new(self.host);
        let specta = verity_app::specta_builder!(MockRuntime);
        let app = mock_builder()
            .invoke_handler(specta.invoke_handler())
            .build(tauri::generate_context!())
            .unwrap();
        specta.mount_events(&app);
        let state = AppState::open(dir.path().join("data"), host.clone());
        let prefs = state.with_store(|s| s.tripwire_prefs()).unwrap();
        app.manage(state);
        app.manage(Tripwires::new(ToolTable::builtin(), self.org, prefs));
        app.manage(ExportDir(dir.path().join("exports")));
        // A fixture in a temporary folder: not the administrator's, so not ownership-checked.
        app.manage(FeedSync::with_check(
            dir.path().join("provisioning.json"),
            verity_app::provisioning::Check::Fixture,
        ));
        app.manage(self.device);
        app.manage(verity_app::support::Support::default());
        let webview = window(&app, self.label);
        Harness {
            dir,
            host,
            app,
            webview,
        }
    }
}

/// Gives Tauri the async runtime of the whole test process, with more workers than the machine
/// has cores. Every test's commands run on it, and some block their worker while they wait (a
/// registration a test holds open, SQLite's busy timeout while another connection writes): with
/// one worker a core, those could keep another test's command from running at all.
fn async_runtime() {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(8)
            .enable_all()
            .build()
            .unwrap();
        tauri::async_runtime::set(runtime.handle().clone());
        runtime
    });
}

/// Opens another webview of `app`, labelled `label`.
pub fn window(app: &App<MockRuntime>, label: &str) -> WebviewWindow<MockRuntime> {
    WebviewWindowBuilder::new(app, label, Default::default())
        .build()
        .unwrap()
}

impl Harness {
    /// The app with every default: a [`FakeHost`], the `main` window, [`device_config`].
    pub fn new() -> Harness {
        Harness::builder().build()
    }

    pub fn builder() -> Builder {
        Builder {
            host: FakeHost::default(),
            label: "main",
            device: device_config(),
            org: OrgPolicy::default(),
        }
    }

    /// The app's data directory (the store, `device.json`, the device key file).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Where cleaned copies go.
    pub fn exports_dir(&self) -> PathBuf {
        self.dir.path().join("exports")
    }

    /// Where the administrator's provisioning file is looked for.
    pub fn provisioning(&self) -> PathBuf {
        self.dir.path().join("provisioning.json")
    }

    /// The app's state, as the commands see it.
    pub fn state(&self) -> tauri::State<'_, AppState> {
        self.app.state::<AppState>()
    }

    /// Calls `cmd` as the UI would: the reply, or the `{code, message}` error.
    pub fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        invoke(&self.webview, cmd, body)
    }

    /// The reply of a call that must succeed.
    pub fn ok(&self, cmd: &str, body: Value) -> Value {
        self.invoke(cmd, body)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// Calls `cmd` and reads its reply as `T` (the app's reply type, or a mirror in
    /// [`crate::replies`]): a reply that does not fit — a field renamed, missing or of another
    /// type — fails the test. Errors stay `{code, message}` JSON.
    pub fn invoke_as<T: DeserializeOwned>(&self, cmd: &str, body: Value) -> Result<T, Value> {
        self.invoke(cmd, body).map(|v| read(cmd, &v))
    }

    /// The reply of a call that must succeed, read as `T` (see [`Harness::invoke_as`]).
    pub fn ok_as<T: DeserializeOwned>(&self, cmd: &str, body: Value) -> T {
        self.invoke_as(cmd, body)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// The error of a call that must fail: `{code, message[, reason]}`, or Tauri's text when the
    /// arguments could not be read.
    pub fn err(&self, cmd: &str, body: Value) -> Value {
        match self.invoke(cmd, body) {
            Ok(v) => panic!("{cmd} succeeded: {v}"),
            Err(e) => e,
        }
    }
}

/// Calls `cmd` from `webview` as the UI would: the reply, or the `{code, message}` error.
pub fn invoke(
    webview: &WebviewWindow<MockRuntime>,
    cmd: &str,
    body: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

/// `reply` (of `what`) read as `T`; a reply that does not fit fails the test with both.
pub fn read<T: DeserializeOwned>(what: &str, reply: &Value) -> T {
    T::deserialize(reply).unwrap_or_else(|e| {
        panic!(
            "{what}: the reply is not a {}: {e}\n{reply}",
            std::any::type_name::<T>()
        )
    })
}
