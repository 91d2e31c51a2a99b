//! The Verity desktop shell: builder, plugins, tray, window behaviour and IPC adapters.
//!
//! Domain logic lives in the pure crates (`verity-core`, `verity-check`, `verity-checklist`,
//! `verity-scan`, `verity-feed-policy`), storage in `verity-store`; this crate only wires them to
//! the desktop. Each command in [`commands`] is a few lines that call a crate.

pub mod clock;
pub mod commands;
pub mod desk_contact;
pub mod desktop;
pub mod drill;
pub mod error;
pub mod feed_sync;
pub mod feed_words;
pub mod host;
pub mod i18n;
pub use verity_flows::provisioning;
pub mod quick_check;
pub mod reminder;
pub mod shortcut;
pub mod state;
pub mod support;
pub mod tripwire;

use desktop::DesktopHost;
use state::AppState;
use std::sync::Arc;
use tauri::webview::PageLoadEvent;
use tauri::{Manager, WindowEvent};

/// The main window's label.
pub const MAIN_WINDOW: &str = "main";

/// The command-line flag the login item passes, so Verity starts in the tray without a window.
pub const HIDDEN_FLAG: &str = "--hidden";

/// Shows, unminimises and focuses the main window.
pub fn show_main_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// Runs the app until the user quits from the tray.
pub fn run() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let specta = commands::specta_builder();

    let result = tauri::Builder::default()
        // Must be first: a second launch hands over to the first and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_main_window(app);
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN_FLAG]),
        ))
        .plugin(tauri_plugin_clipboard_manager::init())
        // The Save dialog, called from Rust only (export_report): the web view is granted none of
        // the plugin's commands.
        .plugin(tauri_plugin_dialog::init())
        .plugin(desktop::shortcut::plugin())
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            specta.mount_events(app);
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
                desktop::webview::use_document_viewer_cache(&window);
            }
            let data_dir =
                verity_store::resolve_data_dir(None, std::env::var_os(verity_store::DATA_DIR_ENV))?;
            log::info!("data directory: {}", data_dir.display());
            let host = Arc::new(DesktopHost::new(app.handle().clone()));
            let state = AppState::open(data_dir, host);
            // The saved shortcut is registered with the tray, once the window has drawn.
            state.set_shortcut_at_start_pending(true);
            app.manage(commands::ExportDir::resolve(
                app.path().download_dir().ok(),
                state.data_dir(),
            ));
            let prefs = state.with_store(|s| s.tripwire_prefs()).unwrap_or_default();
            let tools = state
                .with_store(|s| Ok(tripwire::table_in_force(s)))
                .unwrap_or_else(|_| verity_tripwire::remote::ToolTable::builtin());
            app.manage(state);
            app.manage(commands::DeviceConfig::default());
            let provisioning_path = provisioning::path_from_env();
            app.manage(feed_sync::FeedSync::new(provisioning_path.clone()));
            // The tripwires: remote-access tools (processes, Downloads) and, if the user opted
            // in, one-time codes on the clipboard.
            app.manage(tripwire::Tripwires::with_provisioning(
                tools,
                provisioning_path,
                prefs,
            ));
            tripwire::start(app.handle());
            // The tray: once the page has loaded (below), at the latest after a few seconds.
            app.manage(desktop::tray::TrayRequested::default());
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(desktop::tray::LATEST).await;
                desktop::tray::create_soon(&handle);
            });
            // The signed feed: a first sync within a minute, then on its schedule.
            feed_sync::start(app.handle().clone());
            // The checklist reminder: at start, then hourly; at most once a day.
            app.manage(reminder::Reminder::default());
            reminder::start(app.handle().clone());
            // Support sessions, and the tray's "is support really talking to me?" line.
            app.manage(support::Support::default());
            support::spawn_status_loop(app.handle().clone());
            // Scam drills: the organisation's signed lures, shown when due (docs/drills.md).
            drill::start(app.handle().clone());
            if !std::env::args().any(|a| a == HIDDEN_FLAG) {
                show_main_window(app.handle());
            }
            Ok(())
        })
        .on_page_load(|webview, payload| {
            if webview.label() == MAIN_WINDOW && payload.event() == PageLoadEvent::Finished {
                desktop::tray::create_soon(webview.app_handle());
            }
        })
        .on_window_event(|window, event| {
            // Closing the window keeps Verity running in the tray.
            if let WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == MAIN_WINDOW {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        log::error!("Verity could not start: {e}");
        std::process::exit(1);
    }
}
