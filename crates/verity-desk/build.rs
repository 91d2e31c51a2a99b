//! Embeds the organisation console's web UI (`console/dist`, built by `npm run build` in
//! `console/`) in the desk binary: generates `$OUT_DIR/console_assets.rs`, a table of paths and
//! `include_bytes!`. Without `console/dist` the desk still builds, and `/console/` says how to
//! build it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The most files and bytes embedded (a Svelte build is a few files and a few hundred KiB).
const MAX_FILES: usize = 500;
const MAX_BYTES: u64 = 32 * 1024 * 1024;

fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if kind.is_dir() {
            walk(&path, base, out)?;
        } else if kind.is_file() {
            let rel = path
                .strip_prefix(base)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .to_str()
                .ok_or_else(|| format!("{}: not UTF-8", path.display()))?
                .replace('\\', "/");
            out.push((rel, path));
        }
        // Symbolic links are not followed: only the build's own files are embedded.
    }
    Ok(())
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let dist = Path::new(&manifest).join("../../console/dist");
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let mut built = dist.join("index.html").is_file();
    // Watching a path that does not exist would rerun this script (and rebuild the desk) on
    // every cargo command: without `dist`, watch the console's folder, which `dist` appearing
    // in it changes.
    let watched = if dist.is_dir() {
        dist.clone()
    } else {
        Path::new(&manifest).join("../../console")
    };
    println!("cargo:rerun-if-changed={}", watched.display());
    println!("cargo:rerun-if-changed=build.rs");
    let mut files = Vec::new();
    if built {
        if let Err(e) = walk(&dist, &dist, &mut files) {
            println!("cargo:warning=cannot read console/dist ({e}): the desk is built without its console");
            built = false;
        }
    } else {
        println!(
            "cargo:warning=console/dist is missing: the desk is built without its console \
             (npm --prefix console ci && npm --prefix console run build, then rebuild)"
        );
    }
    files.sort();
    let total: u64 = files
        .iter()
        .filter_map(|(_, p)| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    if built && (files.len() > MAX_FILES || total > MAX_BYTES) {
        println!(
            "cargo:warning=console/dist has {} files, {total} bytes: over the limits ({MAX_FILES}, {MAX_BYTES}); the desk is built without its console",
            files.len()
        );
        built = false;
    }
    let mut code = String::new();
    let _ = writeln!(code, "/// Whether the console's web UI is embedded.");
    let _ = writeln!(code, "pub const BUILT: bool = {built};");
    let _ = writeln!(
        code,
        "/// The console's files: path under `console/dist`, bytes."
    );
    let _ = writeln!(code, "pub static FILES: &[(&str, &[u8])] = &[");
    if built {
        for (rel, path) in &files {
            let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            let _ = writeln!(
                code,
                "    ({rel:?}, include_bytes!({:?})),",
                abs.display().to_string()
            );
        }
    }
    let _ = writeln!(code, "];");
    if let Err(e) = std::fs::write(Path::new(&out_dir).join("console_assets.rs"), code) {
        println!("cargo:warning=cannot write console_assets.rs: {e}");
        std::process::exit(1);
    }
}
