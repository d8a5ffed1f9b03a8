//! Presence of agents and admins: online, away or offline, across every node. A person is online
//! while one of their tabs is connected and in use, away when they chose to appear away or every
//! tab has gone idle, offline once no tab is connected. Staff see the whole team (the inbox, the
//! admin screens); a customer sees only the agent of a ticket they have open. Who is viewing a
//! ticket is the room presence of `crate::live::rooms`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod view;
