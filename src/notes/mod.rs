//! Internal notes: agents and admins write remarks in a ticket's conversation that customers never
//! see. Notes are kept apart from the timeline (their own table, their own numbering), so nothing a
//! customer can reach (messages, the timeline and its seqs, previews, unread counts, search, the
//! SLA's first reply) can show one or a gap where one is. Staff sockets in the ticket's room get
//! `ticket:note:new`, gap-free by `note_seq`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
