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
        "send_test_notification",
        "check",
    ]
}
