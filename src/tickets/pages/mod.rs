//! Ticket screens: the user's list, new-ticket form and ticket page; the agent inbox and ticket
//! page with its controls. Lists page by URL (`?cursor=`), so every page state is a link.

mod actions;
mod detail;
mod facts;
mod header;
mod list;
mod live;
mod live_rows;
mod new;
mod priority;
mod rating;

pub use detail::{AgentTicketPage, UserTicketPage};
pub use list::{InboxPage, MyTicketsPage, TicketList};
pub use new::NewTicketPage;

use crate::domain::account::Role;
use crate::domain::note::Note;
use crate::domain::ticket::{Message, Page, Ticket};
use crate::domain::timeline::TimelineEntry;

/// A list's tickets as loaded: rendered by `list`, loaded again by `live_rows`.
type LoadedRows = leptos::prelude::Resource<Result<Page<Ticket>, crate::error::AppError>>;

/// The tickets a list shows now (set by `list`'s rows, followed by `live_rows`).
#[derive(Clone, Copy)]
struct OnScreen(leptos::prelude::RwSignal<Vec<i64>>);

/// Which list: a user's own tickets, the agent inbox, or the admin's view of every ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ListKind {
    Mine,
    Inbox,
    All,
}

/// What a ticket's page shows, loaded at once (`detail`), and what its live view starts from (`live`).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Loaded {
    pub ticket: Ticket,
    pub history: Page<TimelineEntry>,
    /// Staff: the internal notes (a customer's page never asks for them).
    pub notes: Vec<Note>,
    /// Staff: the customer's other tickets, for the sidebar.
    pub others: Vec<Ticket>,
}

/// The ticket's description, shown as its creator's first message (seq 0) once the thread is
/// loaded back to its start.
fn opening_message(ticket: &Ticket) -> Message {
    Message {
        id: 0,
        ticket_id: ticket.id,
        seq: 0,
        client_id: None,
        sender: ticket.creator.clone(),
        sender_role: Role::User,
        content: ticket.description.clone(),
        created_at: ticket.created_at,
        attachments: Vec::new(),
    }
}
