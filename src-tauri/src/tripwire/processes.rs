//! The remote-access tripwire's process watch: every [`SCAN_EVERY`] the running processes'
//! executable names and paths (sysinfo, with nothing else refreshed: no CPU, memory or task
//! probes; a path is read once per process) go to `RunningTools::scan`, and each tool that
//! appeared goes to [`super::remote_seen`]. Portable: sysinfo lists processes on Linux, Windows
//! and macOS. No operating system tells an unprivileged program that a process started
//! (Linux's proc connector and fanotify need root, Windows' process-start WMI events need a COM
//! subscription that polls the same list), so the list is read on a timer, sized to the
//! issue's "within two seconds". While the tripwire is off the thread sleeps until the choice
//! changes.

use super::{raised, remote_seen, with_app, Tripwires};
use std::time::Duration;
use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};
use tauri::{AppHandle, Manager, Runtime};
use verity_tripwire::watch::{EventKind, RunningTools};

/// How often the running processes are listed: a tool is noticed at most this long after it
/// starts (plus the alert's own time).
pub const SCAN_EVERY: Duration = Duration::from_millis(1500);

/// Starts the watch on its own thread (it blocks in sleeps, never on the async runtime).
pub fn start<R: Runtime>(app: AppHandle<R>) {
    let spawned = std::thread::Builder::new()
        .name("tripwire-processes".into())
        .spawn(move || run(&app));
    if let Err(e) = spawned {
        log::error!("the process tripwire could not start: {e}");
    }
}

/// One scan's (name, path) pairs: the executable's file name when its path can be read (the
/// full name: Linux cuts the process name at 15 bytes), else the process name.
fn listing(sys: &System) -> Vec<(String, Option<String>)> {
    sys.processes()
        .values()
        .map(|p| {
            let path = p.exe().map(|e| e.to_string_lossy().into_owned());
            let name = p
                .exe()
                .and_then(|e| e.file_name())
                .unwrap_or_else(|| p.name())
                .to_string_lossy()
                .into_owned();
            (name, path)
        })
        .collect()
}

fn run<R: Runtime>(app: &AppHandle<R>) {
    let mut sys = match System::new() {
        Ok(s) => s,
        Err(e) => {
            log::error!("the process tripwire cannot list processes: {e}");
            return;
        }
    };
    let mut running = RunningTools::new();
    // Only the executable's path, read once per process; not the threads of each process.
    let what = ProcessRefreshKind::nothing()
        .without_tasks()
        .with_exe(UpdateKind::OnlyIfNotSet);
    loop {
        let Some(tw) = app.try_state::<Tripwires>() else {
            return;
        };
        if !tw.remote_on() {
            // Off: forget what ran (a tool running when it is turned back on is "found at
            // start") and sleep until the choice changes.
            running = RunningTools::new();
            tw.sleep_while_off(Tripwires::remote_on, Duration::from_secs(3600));
            continue;
        }
        sys.refresh_processes_specifics(ProcessesToUpdate::All, true, what);
        let list = listing(&sys);
        let table = tw.table();
        let appeared = running.scan(&table, list.iter().map(|(n, p)| (n.as_str(), p.as_deref())));

        for a in appeared {
            let Some(tool) = table.get(&a.tool) else {
                continue;
            };
            let now = crate::clock::now();
            let outcome = with_app(app, |state, tw| {
                remote_seen(state, tw, EventKind::RemoteTool, tool, a.at_start, now)
            });
            match outcome {
                Some(Ok((d, Some(_)))) => {
                    log::info!("tripwire: {} running: {d:?}", tool.id);
                    raised(app);
                }
                Some(Ok((d, None))) => log::info!("tripwire: {} running: {d:?}", tool.id),
                Some(Err(e)) => log::warn!("tripwire: {}: {}", tool.id, e.message),
                None => return,
            }
        }
        std::thread::sleep(SCAN_EVERY);
    }
}
