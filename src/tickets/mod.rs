//! Tickets: the support case, its lifecycle, and the screens of users and agents.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
