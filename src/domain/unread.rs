//! Read cursors and unread counts as they cross the wire.

use serde::{Deserialize, Serialize};

/// Counts stop here: a badge shows "99+" from 100 on.
pub const UNREAD_CAP: i64 = 100;

/// Where a person stands in one ticket after marking it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadState {
    pub ticket_id: i64,
    pub last_read_seq: i64,
    pub unread: i64,
    /// The ticket's newest seq when counted.
    pub last_seq: i64,
}

/// What the navigation's count covers: the person's open tickets (their own for customers, those
/// assigned to them for staff), newest activity first, at most 100.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadSummary {
    pub total: i64,
    pub tickets: Vec<TicketUnread>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketUnread {
    pub ticket_id: i64,
    pub unread: i64,
    /// The ticket's newest seq when counted: messages after it arrive live.
    pub last_seq: i64,
}

/// What the browser knows of one ticket's unread messages: how many, counted up to which seq.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnreadCount {
    pub count: i64,
    pub as_of_seq: i64,
}

/// A count as a badge shows it.
pub fn badge(count: i64) -> String {
    if count >= UNREAD_CAP { format!("{}+", UNREAD_CAP - 1) } else { count.to_string() }
}

#[cfg(test)]
mod tests {
    #[test]
    fn badges_stop_at_99_plus() {
        assert_eq!((super::badge(3), super::badge(99), super::badge(100)), ("3".to_owned(), "99".to_owned(), "99+".to_owned()));
    }
}
