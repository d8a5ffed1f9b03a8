//! The audit log: every status change, assignment, priority change, role and activity change,
//! responsible-agent change, category change and burst of failed sign-ins, with its actor, time
//! and before/after. Recorded inside the transaction of the change; admins browse it at
//! `/app/admin/audit`. PostgreSQL refuses to change or delete an entry.

pub mod api;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
