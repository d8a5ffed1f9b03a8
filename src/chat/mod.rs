//! Live ticket rooms over WebSocket (protocol in docs/protocol.md).

pub mod api;
pub mod thread;
pub mod view;
#[cfg(feature = "ssr")]
pub mod repo;
