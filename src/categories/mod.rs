//! Ticket categories: what a ticket is about, the bot's first message and the default agent for
//! it. Admins manage them under `/api/admin/categories/`; people opening a ticket choose one.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
