//! Live ticket rooms over WebSocket (protocol in docs/protocol.md).

pub mod api;
#[cfg(feature = "ssr")]
pub mod budget;
pub mod store;
pub mod thread;
pub mod view;
pub mod protocol;
#[cfg(feature = "ssr")]
pub mod hub;
#[cfg(feature = "ssr")]
pub mod presence;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod socket;
#[cfg(feature = "ssr")]
pub mod writer;
