//! Ticket screens: the user's list, new-ticket form and ticket page; the agent inbox and ticket
//! page with its controls. Lists page by URL (`?cursor=`), so every page state is a link.

mod detail;
mod live;
mod list;
mod live_rows;
mod new;
mod priority;
mod rating;

pub use detail::{AgentTicketPage, UserTicketPage};
pub use list::{InboxPage, MyTicketsPage, TicketList};
pub use new::NewTicketPage;

/// A list's tickets as loaded: rendered by `list`, loaded again by `live_rows`.
type LoadedRows = leptos::prelude::Resource<Result<crate::domain::ticket::Page<crate::domain::ticket::Ticket>, crate::error::AppError>>;

/// Which list: a user's own tickets, the agent inbox, or the admin's view of every ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ListKind {
    Mine,
    Inbox,
    All,
}
