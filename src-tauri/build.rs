//! Registers the app's commands with Tauri from `src-tauri/commands.txt` (the one list; each
//! becomes an `allow-<name>` permission the capability files grant) and generates
//! `commands::ALL` from the same list.

use std::path::PathBuf;

fn main() {
    let list = PathBuf::from("src-tauri/commands.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    let text = std::fs::read_to_string(&list).unwrap_or_else(|e| {
        eprintln!("cannot read {}: {e}", list.display());
        std::process::exit(1);
    });
    let commands = parse(&text).unwrap_or_else(|e| {
        eprintln!("{}: {e}", list.display());
        std::process::exit(1);
    });
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("commands.rs");
    let mut code = String::from(
        "/// The names of every command (from `src-tauri/commands.txt`).\npub const ALL: &[&str] = &[\n",
    );
    for c in &commands {
        code.push_str(&format!("    \"{c}\",\n"));
    }
    code.push_str("];\n");
    if let Err(e) = std::fs::write(&out, code) {
        eprintln!("cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
    let names: &'static [&'static str] = Box::leak(
        commands
            .into_iter()
            .map(|c| &*Box::leak(c.into_boxed_str()))
            .collect::<Vec<&'static str>>()
            .into_boxed_slice(),
    );
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(names)),
    )
    .unwrap_or_else(|e| {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    });
}

/// The command names: one per line, `#` comments and blank lines skipped, snake_case, no
/// repeats.
fn parse(text: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !line
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!(
                "line {}: {line:?} is not a snake_case command name",
                n + 1
            ));
        }
        if out.iter().any(|c| c == line) {
            return Err(format!("line {}: {line} is listed twice", n + 1));
        }
        out.push(line.to_owned());
    }
    Ok(out)
}
