//! The types both sides share: what crosses the wire between the server and the browser (and
//! scripts), with the rules that need nothing but the values themselves (input checks, the
//! ticket lifecycle table). The bottom layer: it imports nothing of the crate but `crate::error`
//! (tests/imports.rs keeps it so).

pub mod account;
pub mod attachment;
pub mod category;
pub mod live;
pub mod note;
pub mod presence;
pub mod priority;
pub mod sla;
pub mod ticket;
pub mod timestamp;
pub mod timeline;
pub mod unread;
