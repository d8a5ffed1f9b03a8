//! Every integration test in one binary: one link instead of five (the test binaries were most of
//! a clean build's disk and link time). Each module tests one feature against the real app on a
//! fresh database per test.

mod common;

mod attachments;
mod audit;
mod backup;
mod balancer;
mod auth;
mod categories;
mod chat;
mod hardening;
mod health;
mod languages;
mod mail;
mod metrics;
mod notes;
mod presence;
mod priority;
mod properties;
mod satisfaction;
mod search;
mod sla;
mod tickets;
mod unread;
