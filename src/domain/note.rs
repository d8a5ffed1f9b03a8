//! Notes as they cross the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ticket::PersonRef;

/// A note in a ticket's conversation, for staff only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: i64,
    pub ticket_id: i64,
    /// Its number among the ticket's notes (1, 2, …, no gaps): where a staff socket resumes.
    pub note_seq: i64,
    /// The timeline seq it was written after: the thread shows it there.
    pub after_seq: i64,
    pub client_id: String,
    pub author: PersonRef,
    pub content: String,
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub created_at: DateTime<Utc>,
}
