//! Files attached to messages: uploaded over HTTP (streamed to the object store, content-addressed),
//! sniffed, thumbnailed when they are images, and served only to those who may see their ticket.
//! The timeline carries their metadata; bytes never travel on the WebSocket. See docs/api.md.

pub mod model;
#[cfg(feature = "hydrate")]
pub mod upload;
pub mod view;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod sniff;
#[cfg(feature = "ssr")]
pub mod store;
