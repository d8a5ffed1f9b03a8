//! A ticket's timeline: chat messages, status changes and assignments share one per-ticket sequence
//! (`seq`). The entry type is `crate::domain::timeline`; here is reading entries back and writing
//! changes. Committed entries reach every app node through `crate::live::outbox`. Tickets and
//! chat both write to it; neither imports the other for it.

#[cfg(feature = "ssr")]
pub mod repo;
