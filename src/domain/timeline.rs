//! A ticket's timeline entry: a chat message or a status/assignment change, which share one
//! per-ticket sequence (`seq`), and the socket event each becomes.

use serde::{Deserialize, Serialize};

use crate::domain::live::ServerEvent;
use crate::domain::ticket::{Message, TicketEvent};

/// One entry of a ticket's timeline, in sequence order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimelineEntry {
    Message(Message),
    Change(TicketEvent),
}

impl TimelineEntry {
    pub fn seq(&self) -> i64 {
        match self {
            Self::Message(m) => m.seq,
            Self::Change(e) => e.seq,
        }
    }

    pub fn ticket_id(&self) -> i64 {
        match self {
            Self::Message(m) => m.ticket_id,
            Self::Change(e) => e.ticket_id,
        }
    }

    pub fn is_change(&self) -> bool {
        matches!(self, Self::Change(_))
    }

    pub fn into_event(self) -> ServerEvent {
        match self {
            Self::Message(m) => ServerEvent::MessageNew(m),
            Self::Change(e) if e.is_assignment() => ServerEvent::Assigned(e),
            Self::Change(e) => ServerEvent::StatusUpdated(e),
        }
    }
}
