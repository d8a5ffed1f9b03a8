//! The WebSocket protocol (docs/protocol.md): JSON text frames `{"event": "...", "data": {...}}`.
//! One definition, used by the server, the browser and the tests.

use serde::{Deserialize, Serialize};

use crate::auth::model::Role;
use crate::tickets::model::{Message, TicketEvent};

/// Content limit of one chat message, in characters.
pub const MESSAGE_MAX_CHARS: usize = 5_000;
/// Largest text frame the server reads as a request; larger ones get `frame_too_large`.
pub const FRAME_MAX_BYTES: usize = 32 * 1024;
/// A client may send this many messages in a burst, refilled at `SEND_RATE_PER_SECOND`.
pub const SEND_BURST: u32 = 10;
pub const SEND_RATE_PER_SECOND: u32 = 5;
pub const CLIENT_ID_MAX_CHARS: usize = 64;
/// At most this many tickets can be watched by one socket.
pub const WATCH_MAX: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data")]
pub enum ClientEvent {
    #[serde(rename = "ticket:join")]
    Join {
        ticket_id: i64,
        #[serde(default)]
        after_seq: Option<i64>,
        /// Staff: the internal notes already seen (`note_seq`); ignored for customers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after_note_seq: Option<i64>,
    },
    #[serde(rename = "ticket:leave")]
    Leave { ticket_id: i64 },
    #[serde(rename = "ticket:message:send")]
    Send {
        ticket_id: i64,
        client_id: String,
        #[serde(default)]
        content: String,
        /// Files uploaded beforehand (`POST /api/attachments/upload`), sent with the text.
        #[serde(default)]
        attachment_ids: Vec<i64>,
    },
    #[serde(rename = "ticket:typing:start")]
    TypingStart { ticket_id: i64 },
    #[serde(rename = "ticket:typing:stop")]
    TypingStop { ticket_id: i64 },
    /// Follow status and assignment changes of the tickets a list shows (replaces the previous
    /// list; no presence, no messages).
    #[serde(rename = "tickets:watch")]
    Watch { ticket_ids: Vec<i64> },
    /// Agents and admins: learn of every new ticket (`ticket:created`) while `on`.
    #[serde(rename = "inbox:watch")]
    WatchInbox { on: bool },
    /// The tab has not been used for a while (`idle: true`), or is in use again: a person whose
    /// every tab is idle is away.
    #[serde(rename = "presence:idle")]
    Idle { idle: bool },
}

/// Why a text frame was not a client event: the `error` event's `code`, `message` and `event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedFrame {
    pub code: &'static str,
    pub message: String,
    pub event: Option<String>,
}

impl ClientEvent {
    pub const NAMES: [&'static str; 8] = [
        "ticket:join",
        "ticket:leave",
        "ticket:message:send",
        "ticket:typing:start",
        "ticket:typing:stop",
        "tickets:watch",
        "inbox:watch",
        "presence:idle",
    ];

    /// Reads a text frame; every refusal carries one of the documented codes (`frame_too_large`,
    /// `malformed_json`, `unknown_event`, `invalid_data`).
    #[cfg(feature = "ssr")]
    pub fn decode(text: &str) -> Result<Self, RefusedFrame> {
        let refuse = |code, message: String, event: Option<String>| Err(RefusedFrame { code, message, event });
        if text.len() > FRAME_MAX_BYTES {
            return refuse("frame_too_large", format!("Frames can be at most {FRAME_MAX_BYTES} bytes."), None);
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
            return refuse("malformed_json", "The frame is not valid JSON.".into(), None);
        };
        let name = value.get("event").and_then(|e| e.as_str()).map(str::to_owned);
        match serde_json::from_value(value) {
            Ok(event) => Ok(event),
            Err(err) => match name {
                Some(name) if Self::NAMES.contains(&name.as_str()) => {
                    refuse("invalid_data", format!("Invalid data for {name}: {err}"), Some(name))
                }
                name => refuse("unknown_event", "Unknown event.".into(), name),
            },
        }
    }
}

/// Someone in a ticket's room.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Member {
    pub user_id: i64,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data")]
pub enum ServerEvent {
    #[serde(rename = "ticket:joined")]
    Joined { ticket_id: i64, last_seq: i64, members: Vec<Member> },
    #[serde(rename = "ticket:message:new")]
    MessageNew(Message),
    #[serde(rename = "ticket:message:ack")]
    MessageAck { ticket_id: i64, client_id: String, id: i64, seq: i64, created_at: chrono::DateTime<chrono::Utc> },
    #[serde(rename = "ticket:status:updated")]
    StatusUpdated(TicketEvent),
    #[serde(rename = "ticket:assigned")]
    Assigned(TicketEvent),
    #[serde(rename = "ticket:user_joined")]
    UserJoined { ticket_id: i64, user: Member },
    #[serde(rename = "ticket:user_left")]
    UserLeft { ticket_id: i64, user: Member },
    #[serde(rename = "ticket:typing")]
    Typing { ticket_id: i64, user: Member, typing: bool },
    /// A ticket was opened (to sockets watching the inbox).
    #[serde(rename = "ticket:created")]
    TicketCreated { ticket_id: i64 },
    /// The answer to `inbox:watch`: from here on (`on`) every new ticket is announced, so a list
    /// loaded after it misses none.
    #[serde(rename = "inbox:watching")]
    InboxWatching { on: bool },
    /// A ticket's staff-only details (its priority, SLA clocks) changed: to staff in its room or watching it.
    #[serde(rename = "ticket:updated")]
    TicketUpdated { ticket_id: i64 },
    /// The socket's person read a ticket up to `last_read_seq` (in some tab, on some node).
    #[serde(rename = "ticket:read")]
    TicketRead { ticket_id: i64, last_read_seq: i64 },
    /// An internal note (to staff sockets in the ticket's room only), in `note_seq` order.
    #[serde(rename = "ticket:note:new")]
    NoteNew(crate::notes::model::Note),
    /// An agent's or admin's status (to staff: everyone's, on connect and on each change; to a
    /// customer: the agent of a ticket they have joined).
    #[serde(rename = "staff:presence")]
    StaffPresence(crate::presence::model::StaffPresence),
    #[serde(rename = "error")]
    Error(ErrorEvent),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEvent {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_the_documented_shape() {
        let join: ClientEvent = serde_json::from_str(r#"{"event":"ticket:join","data":{"ticket_id":4,"after_seq":7}}"#).unwrap();
        assert_eq!(join, ClientEvent::Join { ticket_id: 4, after_seq: Some(7), after_note_seq: None });
        let join: ClientEvent = serde_json::from_str(r#"{"event":"ticket:join","data":{"ticket_id":4}}"#).unwrap();
        assert_eq!(join, ClientEvent::Join { ticket_id: 4, after_seq: None, after_note_seq: None });
        let error = ServerEvent::Error(ErrorEvent {
            code: "rate_limited".into(),
            message: "Slow down".into(),
            event: Some("ticket:message:send".into()),
            ticket_id: Some(4),
            client_id: None,
        });
        assert_eq!(
            serde_json::to_string(&error).unwrap(),
            r#"{"event":"error","data":{"code":"rate_limited","message":"Slow down","event":"ticket:message:send","ticket_id":4}}"#
        );
    }
}
