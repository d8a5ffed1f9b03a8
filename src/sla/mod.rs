//! SLA timers: first-response and resolution targets per priority (admin settings), each ticket's
//! due times and live countdowns, breached tickets flagged and filterable. The clocks stop while
//! a ticket is resolved.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
