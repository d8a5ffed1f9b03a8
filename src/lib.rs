//! MyRelay: ticket-based support with a live chat room per ticket.
//! One crate: the `ssr` feature builds the server, `hydrate` the browser bundle.
// The server build keeps every view's full type; the app's route tree nests deep enough to need this.
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
pub mod frame;
pub mod i18n;
pub mod mail;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod metrics;
pub mod notes;
pub mod presence;
pub mod routes;
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
    console_error_panic_hook::set_once();
    // The whole page hydrates, and from then on the router renders each page in the browser; a
    // server function's redirect is a client-side navigation (the router's own redirect hook).
    // The page's chunk loads first: views hydrate synchronously (vendor/tachys).
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else { return };
        routes::load_rendered_page().await;
        leptos::mount::hydrate_from_async(body, app::App).await.forget();
        ui::ready::page_hydrated();
    });
}
