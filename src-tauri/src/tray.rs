//! The tray icon and its menu. Closing the window leaves Verity here; Quit ends it.

use crate::i18n;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};
use verity_core::Language;

const TRAY_ID: &str = "verity";
const OPEN: &str = "open";
const QUIT: &str = "quit";

/// The menu items, kept so their titles can follow the language.
struct TrayItems {
    open: MenuItem<tauri::Wry>,
    quit: MenuItem<tauri::Wry>,
    tray: TrayIcon<tauri::Wry>,
}

/// Creates the tray icon with its menu in `lang`.
///
/// # Errors
/// When the platform refuses the tray (e.g. no appindicator library on Linux).
pub fn create(app: &AppHandle, lang: Language) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, OPEN, i18n::text(lang, "tray.open"), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, QUIT, i18n::text(lang, "tray.quit"), true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &separator, &quit])?;
    let icon = tauri::image::Image::from_bytes(include_bytes!("../../icons/tray.png"))?;
    let tray = TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon)
        .tooltip(i18n::text(lang, "tray.tooltip"))
        .title("Verity")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            OPEN => crate::show_main_window(app),
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
    app.manage(TrayItems { open, quit, tray });
    Ok(())
}

/// Retitles the menu and tooltip after a language change.
pub fn retitle(app: &AppHandle, lang: Language) {
    let Some(items) = app.try_state::<TrayItems>() else {
        return;
    };
    let results = [
        items.open.set_text(i18n::text(lang, "tray.open")),
        items.quit.set_text(i18n::text(lang, "tray.quit")),
        items
            .tray
            .set_tooltip(Some(i18n::text(lang, "tray.tooltip"))),
    ];
    for r in results {
        if let Err(e) = r {
            log::warn!("cannot retitle the tray: {e}");
        }
    }
}
