//! Search: one box for tickets (subject, description) and their messages, PostgreSQL full text
//! (`websearch_to_tsquery`, ranked, highlighted), inside the visibility rules, keyset-paged.

pub mod api;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
