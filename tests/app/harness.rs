//! The mock-runtime harness the IPC tests share: the app's real command set and capability
//! (from `specta_builder!` and `tauri.conf.json`), a webview with the label a test chooses, and
//! calls through Tauri's IPC path (argument decoding, the capability check, `{code, message}`).

use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

/// The app on the mock runtime and its one webview.
pub struct MockApp {
    pub app: App<MockRuntime>,
    pub webview: WebviewWindow<MockRuntime>,
}

/// Builds the app on the mock runtime; `manage` gives it its state before the webview `label`
/// opens.
pub fn mock_app(label: &str, manage: impl FnOnce(&App<MockRuntime>)) -> MockApp {
    let specta = verity_app::specta_builder!(MockRuntime);
    let app = mock_builder()
        .invoke_handler(specta.invoke_handler())
        .build(tauri::generate_context!())
        .unwrap();
    specta.mount_events(&app);
    manage(&app);
    let webview = WebviewWindowBuilder::new(&app, label, Default::default())
        .build()
        .unwrap();
    MockApp { app, webview }
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
