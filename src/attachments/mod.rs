//! Files attached to messages: uploaded over HTTP (streamed to the object store, content-addressed),
//! sniffed, thumbnailed when they are images, and served only to those who may see their ticket.
//! The timeline carries their metadata; bytes never travel on the WebSocket. See docs/api.md.

use crate::domain::attachment::Attachment;

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

/// One file in the composer: uploading (with progress), ready to send, or refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub key: u32,
    pub name: String,
    pub size: i64,
    pub state: UploadState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UploadState {
    /// Percent sent.
    Sending(u8),
    Ready(Attachment),
    Failed(crate::error::Problem),
}
