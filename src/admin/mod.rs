//! The admin area. Stats and user management come with the Tickets issue.

pub mod pages;
