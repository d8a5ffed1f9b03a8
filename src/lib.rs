//! MyRelay: ticket-based support with a live chat room per ticket.
//! One crate: the `ssr` feature builds the server, `hydrate` the browser bundle.

pub mod admin;
pub mod app;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod categories;
pub mod chat;
pub mod codec;
pub mod error;
pub mod i18n;
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
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
