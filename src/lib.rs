//! MyRelay: ticket-based support with a live chat room per ticket.
//! One crate: the `ssr` feature builds the server, `hydrate` the browser bundle.
// The server build keeps every view's full type; the app frame's island nests deep enough to need this.
#![recursion_limit = "256"]

pub mod admin;
pub mod app;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod categories;
pub mod chat;
pub mod client;
pub mod codec;
pub mod domain;
pub mod error;
pub mod i18n;
#[cfg(feature = "ssr")]
pub mod live;
pub mod notes;
pub mod presence;
pub mod search;
#[cfg(feature = "ssr")]
pub mod server;
pub mod sla;
pub mod tickets;
pub mod timeline;
pub mod ui;
pub mod unread;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use leptos::prelude::window;
    console_error_panic_hook::set_once();
    // No client-side router: a server function's redirect is a page load.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|url| {
        let _ = window().location().set_href(url);
    });
    // Each page hydrates only its islands: the script that called this hydrates them next, and
    // the last of them marks the page (`ui::ready`).
    leptos::mount::hydrate_islands();
    ui::ready::page_started();
}
