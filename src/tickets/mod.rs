//! Tickets: the support case. This issue only lays the tables and role homes; the lifecycle,
//! server functions and screens come with the Tickets issue.

pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
