//! A ticket's timeline: chat messages, status changes and assignments share one per-ticket sequence
//! (`seq`). Here: the entry type, reading entries back, and the notice that announces committed
//! entries to every app node. Tickets and chat both write to it; neither imports the other for it.

pub mod model;
#[cfg(feature = "ssr")]
pub mod notice;
#[cfg(feature = "ssr")]
pub mod repo;
