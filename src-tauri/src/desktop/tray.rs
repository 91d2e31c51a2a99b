//! The tray icon and its menu. Closing the window leaves Verity here; Quit ends it.

use crate::{feed_words, i18n};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};
use verity_core::Language;
use verity_feed_policy::schedule::Freshness;

use crate::commands::support::{LiveState, LiveStatus};

const TRAY_ID: &str = "verity";
const OPEN: &str = "open";
const CHECK_CLIPBOARD: &str = "check-clipboard";
const THREATS: &str = "threats";
const FEED_STATUS: &str = "feed-status";
const SUPPORT_STATUS: &str = "support-status";
const QUIT: &str = "quit";

/// The menu items, kept so their titles can follow the language.
struct TrayItems {
    open: MenuItem<tauri::Wry>,
    check_clipboard: MenuItem<tauri::Wry>,
    /// "Threats", or "3 new threats": opens the Threats screen.
    threats: MenuItem<tauri::Wry>,
    /// The list's freshness, disabled (the tooltip is not shown by every desktop: on Linux the
    /// menu is where it can be read).
    feed_status: MenuItem<tauri::Wry>,
    /// "Is support really talking to me?", from the organisation's signed status: opens Support.
    support_status: MenuItem<tauri::Wry>,
    quit: MenuItem<tauri::Wry>,
    tray: TrayIcon<tauri::Wry>,
    /// The last feed state shown, to reword it when the language changes.
    feed: std::sync::Mutex<Option<(Freshness, u32)>>,
    /// The last support status shown, likewise.
    support: std::sync::Mutex<Option<LiveStatus>>,
}

/// The tray's support line for `status` (anything unverified says "can't check").
fn support_line(lang: Language, status: Option<&LiveStatus>) -> String {
    let agent = status
        .and_then(|s| s.agent_name.clone())
        .unwrap_or_default();
    let key = match status.map(|s| s.state) {
        Some(LiveState::None) => "tray.support.none",
        Some(LiveState::Queued) => "tray.support.queued",
        Some(LiveState::Chatting) => "tray.support.chatting",
        Some(LiveState::Calling) => "tray.support.calling",
        Some(LiveState::CannotCheck) | None => "tray.support.cannot_check",
    };
    i18n::text_with(lang, key, &[("agent", &agent)])
}

/// Managed from `setup`: set once the tray has been asked for, so that it is created once.
#[derive(Default)]
pub struct TrayRequested(std::sync::atomic::AtomicBool);

/// How long after `setup` the tray is created at the latest, should the main window's page not
/// have finished loading by then.
pub const LATEST: std::time::Duration = std::time::Duration::from_secs(3);

/// Creates the tray (once, in the language then saved, with the feed's state) when the main loop
/// has nothing more urgent to do, instead of in `setup`: the page is served on the main thread
/// after `setup` returns, so a tray made there (menus, the icon written for the appindicator,
/// D-Bus) delays the first paint. The saved shortcut is registered after it
/// ([`super::shortcut::register_saved`]). Called when the main window's page has loaded, and
/// [`LATEST`] after `setup` in any case. If the platform refuses the tray, Verity exits as it did
/// when `setup` failed: without a tray, a closed window could not be reopened.
pub fn create_soon(app: &AppHandle) {
    let Some(requested) = app.try_state::<TrayRequested>() else {
        return;
    };
    if requested.0.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let handle = app.clone();
    let create_now = move || {
        let lang = handle
            .try_state::<crate::state::AppState>()
            .and_then(|s| s.with_store(|st| st.settings()).ok())
            .unwrap_or_default()
            .language;
        match create(&handle, lang) {
            Ok(()) => {
                // feed_sync::start announced the feed before the tray existed.
                crate::feed_sync::announce(&handle);
                super::shortcut::register_saved(&handle);
            }
            Err(e) => {
                log::error!("Verity could not start: no tray: {e}");
                handle.exit(1);
            }
        }
    };
    // GLib's idle priority: after the pending requests of the web view and its redraws.
    #[cfg(target_os = "linux")]
    webkit2gtk::glib::idle_add_once(create_now);
    #[cfg(not(target_os = "linux"))]
    if let Err(e) = app.run_on_main_thread(create_now) {
        log::error!("cannot create the tray: {e}");
    }
}

/// Creates the tray icon with its menu in `lang`.
///
/// # Errors
/// When the platform refuses the tray (e.g. no appindicator library on Linux).
pub fn create(app: &AppHandle, lang: Language) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, OPEN, i18n::text(lang, "tray.open"), true, None::<&str>)?;
    let check_clipboard = MenuItem::with_id(
        app,
        CHECK_CLIPBOARD,
        i18n::text(lang, "tray.checkClipboard"),
        true,
        None::<&str>,
    )?;
    let threats = MenuItem::with_id(
        app,
        THREATS,
        feed_words::threats_item(lang, 0),
        true,
        None::<&str>,
    )?;
    let feed_status = MenuItem::with_id(
        app,
        FEED_STATUS,
        feed_words::freshness_line(lang, &Freshness::NotConfigured),
        false,
        None::<&str>,
    )?;
    let support_status = MenuItem::with_id(
        app,
        SUPPORT_STATUS,
        support_line(lang, None),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, QUIT, i18n::text(lang, "tray.quit"), true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let separator2 = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(
        app,
        &[
            &open,
            &check_clipboard,
            &threats,
            &separator,
            &feed_status,
            &support_status,
            &separator2,
            &quit,
        ],
    )?;
    let icon = tauri::image::Image::from_bytes(include_bytes!("../../../icons/tray.png"))?;
    let tray = TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon)
        .tooltip(i18n::text(lang, "tray.tooltip"))
        .title("Verity")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            OPEN => crate::show_main_window(app),
            CHECK_CLIPBOARD => {
                let app = app.clone();
                std::thread::spawn(move || crate::quick_check::check_clipboard(&app));
            }
            THREATS => crate::feed_sync::open_threats(app),
            SUPPORT_STATUS => crate::tripwire::open_support(app),
            QUIT => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::show_main_window(tray.app_handle());
            }
        })
        .build(app)?;
    app.manage(TrayItems {
        open,
        check_clipboard,
        threats,
        feed_status,
        support_status,
        quit,
        tray,
        feed: std::sync::Mutex::new(None),
        support: std::sync::Mutex::new(None),
    });
    Ok(())
}

/// Retitles the menu and tooltip after a language change.
pub fn retitle(app: &AppHandle, lang: Language) {
    let Some(items) = app.try_state::<TrayItems>() else {
        return;
    };
    let results = [
        items.open.set_text(i18n::text(lang, "tray.open")),
        items
            .check_clipboard
            .set_text(i18n::text(lang, "tray.checkClipboard")),
        items.quit.set_text(i18n::text(lang, "tray.quit")),
    ];
    for r in results {
        if let Err(e) = r {
            log::warn!("cannot retitle the tray: {e}");
        }
    }
    let support = items.support.lock().ok().and_then(|s| s.clone());
    if let Err(e) = items
        .support_status
        .set_text(support_line(lang, support.as_ref()))
    {
        log::warn!("cannot retitle the tray: {e}");
    }
    let feed = items.feed.lock().ok().and_then(|f| f.clone());
    let (freshness, unread) = feed.unwrap_or((Freshness::NotConfigured, 0));
    show_feed(&items, lang, &freshness, unread);
}

/// Shows the feed's freshness and the unread threat count: tooltip, status line, Threats item.
pub fn set_feed(app: &AppHandle, lang: Language, freshness: &Freshness, unread: u32) {
    let Some(items) = app.try_state::<TrayItems>() else {
        return;
    };
    if let Ok(mut f) = items.feed.lock() {
        *f = Some((freshness.clone(), unread));
    }
    show_feed(&items, lang, freshness, unread);
}

fn show_feed(items: &TrayItems, lang: Language, freshness: &Freshness, unread: u32) {
    let results = [
        items
            .threats
            .set_text(feed_words::threats_item(lang, unread)),
        items
            .feed_status
            .set_text(feed_words::freshness_line(lang, freshness)),
        items
            .tray
            .set_tooltip(Some(feed_words::tooltip(lang, freshness, unread))),
    ];
    for r in results {
        if let Err(e) = r {
            log::warn!("cannot show the feed in the tray: {e}");
        }
    }
}

/// Shows the live support status in the tray's support line.
pub fn set_support(app: &AppHandle, lang: Language, status: &LiveStatus) {
    let Some(items) = app.try_state::<TrayItems>() else {
        return;
    };
    if let Ok(mut s) = items.support.lock() {
        *s = Some(status.clone());
    }
    if let Err(e) = items
        .support_status
        .set_text(support_line(lang, Some(status)))
    {
        log::warn!("cannot show the support status in the tray: {e}");
    }
}
