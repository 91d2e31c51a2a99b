//! A hello-world Tauri window: the baseline `scripts/bench-footprint` measures Verity against.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bare app could not start: {e}");
        std::process::exit(1);
    }
}
