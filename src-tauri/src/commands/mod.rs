//! The IPC surface: thin `#[tauri::command]` adapters over the crates, and the tauri-specta
//! builder that registers them and generates the TypeScript bindings.

mod check;
mod checklist;
mod device;
mod feed;
mod notify;
mod settings;
mod status;

pub use check::{run_check, HistoryChanged};
pub use checklist::ExportDir;
pub use device::DeviceConfig;
pub use settings::SettingsChanged;
pub use status::AppStatus;

/// The names of every command, as the capability files and build.rs list them.
pub const ALL: &[&str] = &[
    "app_status",
    "get_settings",
    "set_language",
    "set_start_at_login",
    "set_region",
    "set_check_shortcut",
    "shortcut_status",
    "send_test_notification",
    "check",
    "check_history",
    "clear_check_history",
    "checklist_status",
    "scan_files",
    "save_clean_copies",
    "acknowledge_official_path",
    "confirm_test_alert",
    "set_drill_owner",
    "record_quiz",
    "export_report",
    "set_checklist_reminders",
    "device_status",
    "device_preview",
    "device_enroll",
    "device_enroll_link",
    "device_totp_setup",
    "device_verify",
    "device_unbind",
    "feed_status",
    "sync_now",
    "feed_config",
    "set_feed_source",
    "set_feed_root",
    "preview_feed_root",
    "pick_feed_root",
    "feed_trust_log",
    "set_feed_alerts",
    "list_threats",
    "mark_threats_read",
];

/// The tauri-specta builder with every command and event, for the runtime `$runtime`
/// (`tauri::Wry` in the app, `tauri::test::MockRuntime` in IPC tests). A macro because
/// `collect_commands!` needs the concrete runtime of the generic commands.
#[macro_export]
macro_rules! specta_builder {
    ($runtime:ty) => {{
        #[allow(unused_imports)]
        use $crate::commands::handlers::*;
        ::tauri_specta::Builder::<$runtime>::new()
            .commands(::tauri_specta::collect_commands![
                app_status,
                get_settings,
                set_language::<$runtime>,
                set_start_at_login::<$runtime>,
                set_region::<$runtime>,
                set_check_shortcut::<$runtime>,
                shortcut_status,
                send_test_notification,
                check,
                check_history,
                clear_check_history,
                checklist_status,
                scan_files,
                save_clean_copies,
                acknowledge_official_path,
                confirm_test_alert,
                set_drill_owner,
                record_quiz,
                export_report,
                set_checklist_reminders::<$runtime>,
                device_status,
                device_preview,
                device_enroll,
                device_enroll_link,
                device_totp_setup,
                device_verify,
                device_unbind,
                feed_status,
                sync_now::<$runtime>,
                feed_config,
                set_feed_source::<$runtime>,
                set_feed_root::<$runtime>,
                preview_feed_root,
                pick_feed_root,
                feed_trust_log,
                set_feed_alerts,
                list_threats,
                mark_threats_read::<$runtime>,
            ])
            .events(::tauri_specta::collect_events![
                $crate::feed_sync::FeedProgress,
                $crate::feed_sync::FeedChanged,
                $crate::feed_sync::OpenThreats,
                $crate::reminder::OpenChecklist,
                $crate::commands::SettingsChanged,
                $crate::commands::HistoryChanged
            ])
    }};
}

/// Every command handler, for [`specta_builder!`].
#[doc(hidden)]
pub mod handlers {
    pub use super::check::*;
    pub use super::checklist::*;
    pub use super::device::*;
    pub use super::feed::*;
    pub use super::notify::*;
    pub use super::settings::*;
    pub use super::status::*;
}

/// The builder for the real app.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    crate::specta_builder!(tauri::Wry)
}

/// Where the generated bindings live, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/lib/ipc/bindings.ts";

/// Writes the TypeScript bindings to `path`.
///
/// # Errors
/// When the exporter fails or the file cannot be written.
pub fn export_bindings(path: &std::path::Path) -> Result<(), specta_typescript::Error> {
    let ts = specta_typescript::Typescript::default()
        .header("// Generated from Rust by tauri-specta. Do not edit: run `UPDATE_BINDINGS=1 cargo test -p verity --test app bindings::`.\n// @ts-nocheck");
    specta_builder().export(ts, path)
}
