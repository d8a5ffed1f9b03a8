//! The page's address as components read it: the router's, on the server and in the browser.

use leptos::prelude::*;
use leptos_router::params::ParamsMap;

/// The query of the page's address (`?status=open&sort=due`), following navigations.
pub fn query() -> Memo<ParamsMap> {
    leptos_router::hooks::use_query_map()
}

/// The page's path (`/app/inbox`) as it is now.
pub fn path() -> String {
    leptos_router::hooks::use_location().pathname.get_untracked()
}

/// The page's path with its query (`/app/inbox?status=open`) as it is now: where to come back to.
pub fn path_and_query() -> String {
    let location = leptos_router::hooks::use_location();
    let (path, search) = (location.pathname.get_untracked(), location.search.get_untracked());
    if search.is_empty() { path } else { format!("{path}?{search}") }
}

/// Goes to `href` with a full page load (a page outside the app, or a session that ended);
/// nothing on the server.
pub fn load(href: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(href);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = href;
}
