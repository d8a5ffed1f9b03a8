//! Unread counts: a read cursor per person per ticket (the last timeline seq they have seen,
//! moved when the thread is on their screen); what others wrote after it is unread. Lists and the
//! navigation show the counts, kept live by the socket (`ticket:read` reaches the person's other
//! tabs, on every node).

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod view;
