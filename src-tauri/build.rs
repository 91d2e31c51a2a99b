fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(verity_commands())),
    )
    .unwrap_or_else(|e| {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    });
}

/// Every app command the webview may call; capabilities grant them per window.
/// Keep in step with `commands::ALL` in src-tauri/src/commands/mod.rs (a test checks it).
fn verity_commands() -> &'static [&'static str] {
    &[
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
    ]
}
