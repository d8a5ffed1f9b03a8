//! The admin area: system figures and people management.

pub mod api;
pub mod model;
pub mod pages;
