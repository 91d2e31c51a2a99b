//! The remote-access tripwire's Downloads watch: the folder (not its subfolders) is watched
//! with the platform's file notifications (`notify`'s recommended watcher: inotify on Linux,
//! ReadDirectoryChangesW on Windows, FSEvents on macOS), so nothing runs until a file is
//! created or renamed there; a name the tool table knows as an installer (also while the
//! browser still writes it, `AnyDesk.exe.crdownload`) goes to [`super::remote_seen`].

use super::{raised, remote_seen, with_app};
use notify::event::{EventKind as FsEventKind, ModifyKind};
use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager, Runtime};
use verity_tripwire::watch::EventKind;

/// The watcher, kept alive as long as the app (managed state).
pub struct DownloadsWatch {
    _watcher: notify::RecommendedWatcher,
    /// The folder watched.
    pub dir: PathBuf,
}

/// The user's Downloads folder: the desktop's own setting (XDG user dirs, the Windows known
/// folder, `~/Downloads` on macOS), else `Downloads` in the home folder when it exists.
fn downloads_dir<R: Runtime>(app: &AppHandle<R>) -> Option<PathBuf> {
    let paths = app.path();
    paths
        .download_dir()
        .ok()
        .or_else(|| paths.home_dir().ok().map(|h| h.join("Downloads")))
        .filter(|d| d.is_dir())
}

/// Whether the event can bring a new file name into the folder.
fn names_a_file(kind: &FsEventKind) -> bool {
    matches!(
        kind,
        FsEventKind::Create(_) | FsEventKind::Modify(ModifyKind::Name(_))
    )
}

fn seen<R: Runtime>(app: &AppHandle<R>, path: &Path) {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let now = crate::clock::now();
    let outcome = with_app(app, |state, tw| {
        if !tw.remote_on() {
            return Ok(None);
        }
        let table = tw.table();
        let Some(tool) = table.installer(name) else {
            return Ok(None);
        };
        remote_seen(state, tw, EventKind::Installer, tool, false, now)
            .map(|(d, id)| Some((tool.id.clone(), d, id)))
    });
    match outcome {
        Some(Ok(Some((tool, d, id)))) => {
            log::info!("tripwire: installer of {tool} downloaded: {d:?}");
            if id.is_some() {
                raised(app);
            }
        }
        Some(Err(e)) => log::warn!("tripwire: downloads: {}", e.message),
        _ => {}
    }
}

/// Starts watching the Downloads folder (if there is one) and keeps the watcher in the app.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let Some(dir) = downloads_dir(app) else {
        log::info!("tripwire: no Downloads folder to watch");
        return;
    };
    let handle = app.clone();
    let watcher =
        notify::recommended_watcher(move |res: notify::Result<notify::Event>| match res {
            Ok(ev) if names_a_file(&ev.kind) => {
                for p in &ev.paths {
                    seen(&handle, p);
                }
            }
            Ok(_) => {}
            Err(e) => log::warn!("tripwire: downloads watch: {e}"),
        });
    let mut watcher = match watcher {
        Ok(w) => w,
        Err(e) => {
            log::warn!("tripwire: cannot watch {}: {e}", dir.display());
            return;
        }
    };
    if let Err(e) = watcher.watch(&dir, RecursiveMode::NonRecursive) {
        log::warn!("tripwire: cannot watch {}: {e}", dir.display());
        return;
    }
    log::info!("tripwire: watching {}", dir.display());
    app.manage(DownloadsWatch {
        _watcher: watcher,
        dir,
    });
}
