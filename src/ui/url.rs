//! The page's address as components read it. Each page is a full page load, and islands hydrate
//! without a client-side router: on the server the router answers, in the browser the address bar.

use leptos::prelude::*;
use leptos_router::params::ParamsMap;

/// The query of the page's address (`?status=open&sort=due`).
pub fn query() -> Memo<ParamsMap> {
    #[cfg(feature = "ssr")]
    {
        leptos_router::hooks::use_query_map()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let params = browser_url().map(|url| url.search_params().clone()).unwrap_or_default();
        Memo::new(move |_| params.clone())
    }
}

/// The page's path (`/app/inbox`).
pub fn path() -> String {
    #[cfg(feature = "ssr")]
    {
        leptos_router::hooks::use_location().pathname.get_untracked()
    }
    #[cfg(not(feature = "ssr"))]
    {
        browser_url().map(|url| url.path().to_owned()).unwrap_or_default()
    }
}

/// The page's path with its query (`/app/inbox?status=open`): where to come back to.
pub fn path_and_query() -> String {
    #[cfg(feature = "ssr")]
    let search = leptos_router::hooks::use_location().search.get_untracked();
    #[cfg(not(feature = "ssr"))]
    let search = browser_url().map(|url| url.search().to_owned()).unwrap_or_default();
    let path = path();
    if search.is_empty() { path } else { format!("{path}?{search}") }
}

/// Goes to `href` (relative to this page) with a full page load; nothing on the server.
pub fn go(href: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(href);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = href;
}

/// Puts `href` (relative to this page) in the address bar in place of this page's address, without
/// loading it; nothing on the server.
pub fn replace(href: &str) {
    #[cfg(feature = "hydrate")]
    {
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(href));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = href;
}

#[cfg(not(feature = "ssr"))]
fn browser_url() -> Option<leptos_router::location::Url> {
    use leptos_router::location::{BrowserUrl, LocationProvider};
    BrowserUrl::current().ok()
}
