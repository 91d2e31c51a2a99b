//! The committed TypeScript bindings must match what the Rust commands generate.
//! Regenerate with `UPDATE_BINDINGS=1 cargo test -p verity --test app bindings::`.

use std::path::Path;

#[test]
fn typescript_bindings_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = root.join(verity_app::commands::BINDINGS_PATH);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        verity_app::commands::export_bindings(&committed).unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    verity_app::commands::export_bindings(&fresh).unwrap();
    let want = std::fs::read_to_string(&fresh).unwrap();
    let have = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        want == have,
        "{} is stale: run `UPDATE_BINDINGS=1 cargo test -p verity --test app bindings::` and commit it",
        committed.display()
    );
}

#[test]
fn capabilities_grant_exactly_the_app_commands() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cap: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("src-tauri/capabilities/main-window.json")).unwrap(),
    )
    .unwrap();
    let mut granted: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    granted.sort();
    let mut all: Vec<String> = verity_app::commands::ALL
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    all.sort();
    assert_eq!(granted, all, "capabilities and commands::ALL disagree");

    // The tauri-specta builder registers exactly the listed commands (the generated bindings
    // invoke each by name).
    let bindings = std::fs::read_to_string(root.join("ui/src/lib/ipc/bindings.ts")).unwrap();
    let mut invoked: Vec<String> = bindings
        .split("__TAURI_INVOKE(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect();
    invoked.sort();
    invoked.dedup();
    assert_eq!(
        invoked, all,
        "the specta builder and commands::ALL disagree"
    );
    // Nothing but our own commands and event listening.
    for p in cap["permissions"].as_array().unwrap() {
        let p = p.as_str().unwrap();
        assert!(
            p.starts_with("allow-")
                || p == "core:event:allow-listen"
                || p == "core:event:allow-unlisten",
            "unexpected permission {p}"
        );
    }
}

#[test]
fn csp_is_strict() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let conf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tauri.conf.json")).unwrap())
            .unwrap();
    let sec = &conf["app"]["security"];
    let csp = sec["csp"].as_str().unwrap();
    assert!(csp.contains("default-src 'self'"));
    assert!(csp.contains("script-src 'self'"));
    assert!(csp.contains("object-src 'none'"));
    assert!(
        !csp.contains("unsafe-eval") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(!csp.contains("http://") || csp.contains("http://ipc.localhost"));
    assert_eq!(sec["freezePrototype"], serde_json::Value::Bool(true));
    assert_eq!(
        conf["app"]["withGlobalTauri"],
        serde_json::Value::Bool(false)
    );
    assert_eq!(
        conf["identifier"],
        verity_store::APP_IDENTIFIER,
        "data dir naming must match"
    );
}
