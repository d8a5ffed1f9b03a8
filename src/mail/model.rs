//! What the site shows of email: a ticket's mails (for staff) and a person's setting.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "mail_state", rename_all = "lowercase"))]
pub enum MailState {
    Pending,
    Claimed,
    Sending,
    Sent,
    Failed,
    Cancelled,
}

/// One mail of a ticket: what it was for, where it stands, and why when it was not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MailRecord {
    pub id: i64,
    /// `replies`, `resolved` or `refusal`.
    pub kind: String,
    pub state: MailState,
    pub message_count: Option<i32>,
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub due_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::domain::timestamp::read_optional")]
    pub sent_at: Option<DateTime<Utc>>,
    /// Why it was cancelled or failed (in English, from the worker), or the last temporary failure.
    pub outcome: Option<String>,
}

/// A ticket's mails, newest first, for its agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketMail {
    /// Mail is set up on the server.
    pub enabled: bool,
    /// The customer turned mails off.
    pub opted_out: bool,
    pub mails: Vec<MailRecord>,
}
