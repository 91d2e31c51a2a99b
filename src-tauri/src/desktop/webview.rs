//! The main window's web view settings that `tauri.conf.json` cannot express.

/// Puts the web context of `window` in WebKitGTK's `DocumentViewer` cache model (the default is
/// `WebBrowser`): no memory cache of pages and decoded resources kept for later visits, which a
/// one-page app served from the binary never makes. Lowers the web process's idle memory
/// (docs/benchmarks.md, Footprint). Applied to the running web process too.
#[cfg(target_os = "linux")]
pub fn use_document_viewer_cache<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    let set = window.with_webview(|webview| {
        use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
        match webview.inner().context() {
            Some(context) => context.set_cache_model(CacheModel::DocumentViewer),
            None => log::warn!("the web view has no web context: its cache model is unchanged"),
        }
    });
    if let Err(e) = set {
        log::warn!("cannot set the web view's cache model: {e}");
    }
}
