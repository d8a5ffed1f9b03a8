//! The WebSocket protocol (docs/protocol.md): JSON text frames `{"event": "...", "data": {...}}`.
//! One definition, used by the server, the browser and the tests.

use serde::{Deserialize, Serialize};

use crate::domain::account::Role;
use crate::domain::ticket::{Message, Ticket, TicketEvent};
use crate::error::{Problem, ProblemParams, unknown_problem};

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
/// A `staff:team` frame tells of at most this many people (about 15 KB): each frame must fit the
/// server's per-socket write buffer.
pub const STAFF_PER_FRAME: usize = 100;

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

/// Why a text frame was not a client event: the `error` event's `code`, `problem` and `event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedFrame {
    pub code: &'static str,
    pub problem: Problem,
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
        let refuse = |code, problem: Problem, event: Option<String>| Err(RefusedFrame { code, problem, event });
        if text.len() > FRAME_MAX_BYTES {
            return refuse("frame_too_large", Problem::FrameTooLarge { max: FRAME_MAX_BYTES }, None);
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
            return refuse("malformed_json", Problem::FrameNotJson, None);
        };
        let name = value.get("event").and_then(|e| e.as_str()).map(str::to_owned);
        match serde_json::from_value(value) {
            Ok(event) => Ok(event),
            Err(err) => match name {
                Some(name) if Self::NAMES.contains(&name.as_str()) => {
                    refuse("invalid_data", Problem::InvalidEventData { event: name.clone(), detail: err.to_string() }, Some(name))
                }
                name => refuse("unknown_event", Problem::UnknownEvent, name),
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

/// A ticket as it stands now, as the receiving person may see it (`ticket:created`,
/// `ticket:updated`): views replace what they show with it. Kept as the JSON it came in: the
/// live client (in every page's code) only files it; the pages that show tickets decode it,
/// with the decoder their own loads need anyway.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TicketNews {
    pub ticket_id: i64,
    ticket: Box<serde_json::value::RawValue>,
}

impl TicketNews {
    pub fn new(ticket: &Ticket) -> Self {
        let ticket_json = serde_json::value::to_raw_value(ticket).unwrap_or_else(|_| serde_json::value::RawValue::NULL.to_owned());
        Self { ticket_id: ticket.id, ticket: ticket_json }
    }

    /// The ticket, if it reads as one.
    pub fn ticket(&self) -> Option<Ticket> {
        serde_json::from_str(self.ticket.get()).ok()
    }
}

impl PartialEq for TicketNews {
    fn eq(&self, other: &Self) -> bool {
        self.ticket_id == other.ticket_id && self.ticket.get() == other.ticket.get()
    }
}

impl Eq for TicketNews {}

/// Written with serde's adjacent tagging; read back by `decode::EventVisitor` (below).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// A ticket was opened (to sockets watching the inbox), as it stands.
    #[serde(rename = "ticket:created")]
    TicketCreated(TicketNews),
    /// The answer to `inbox:watch`: from here on (`on`) every new ticket is announced, so a list
    /// loaded after it misses none.
    #[serde(rename = "inbox:watching")]
    InboxWatching { on: bool },
    /// A ticket changed status or agent, to every socket watching the inbox (on screen or not:
    /// the tabs count them all). Sent as the change commits, never replayed.
    #[serde(rename = "inbox:moved")]
    InboxMoved(crate::domain::ticket::QueueMove),
    /// A ticket changed (status, assignment, priority, SLA clocks, rating), as it now stands: to
    /// staff in its room or watching it, and to its customer for the changes they see.
    #[serde(rename = "ticket:updated")]
    TicketUpdated(TicketNews),
    /// The socket's person read a ticket up to `last_read_seq` (in some tab, on some node).
    #[serde(rename = "ticket:read")]
    TicketRead { ticket_id: i64, last_read_seq: i64 },
    /// An internal note (to staff sockets in the ticket's room only), in `note_seq` order.
    #[serde(rename = "ticket:note:new")]
    NoteNew(crate::domain::note::Note),
    /// An agent's or admin's status, to a customer: the agent of a ticket they have joined.
    #[serde(rename = "staff:presence")]
    StaffPresence(crate::domain::presence::StaffPresence),
    /// Staff presence, to staff, up to `STAFF_PER_FRAME` people a frame: the whole team on
    /// connect (its first frame has `reset`: forget whom you knew), then the changes since the
    /// last hand-out.
    #[serde(rename = "staff:team")]
    StaffTeam { people: Vec<crate::domain::presence::StaffPresence>, reset: bool },
    #[serde(rename = "error")]
    Error(ErrorEvent),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ErrorEventWire")]
pub struct ErrorEvent {
    pub code: String,
    #[serde(flatten)]
    pub problem: Problem,
    /// The problem in English, for scripts and logs.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// An [`ErrorEvent`] as read (see `AppErrorWire` in `error/mod.rs`).
#[derive(Deserialize)]
struct ErrorEventWire {
    code: String,
    problem: String,
    #[serde(default)]
    params: ProblemParams,
    message: String,
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    ticket_id: Option<i64>,
    #[serde(default)]
    client_id: Option<String>,
}

impl TryFrom<ErrorEventWire> for ErrorEvent {
    type Error = String;

    fn try_from(wire: ErrorEventWire) -> Result<Self, String> {
        let problem = Problem::from_wire(&wire.problem, &wire.params).ok_or_else(|| unknown_problem(&wire.problem))?;
        let ErrorEventWire { code, message, event, ticket_id, client_id, .. } = wire;
        Ok(Self { code, problem, message, event, ticket_id, client_id })
    }
}

impl<'de> Deserialize<'de> for ServerEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(decode::EventVisitor)
    }
}

/// Reads `{"event": name, "data": ...}` with the name first, as the server writes it, so that each
/// event's data is decoded straight into its type. serde's derive for adjacent tagging also
/// accepts the data first, by buffering it in a generic `Content` tree and decoding every event
/// type again from that: 84 KB of the browser's code (12 KB over the wire) for an order nobody sends.
mod decode {
    use serde::Deserialize;
    use serde::de::{Error, IgnoredAny, MapAccess, Visitor};

    use super::{Member, ServerEvent};

    const NAMES: &[&str] = &[
        "ticket:joined", "ticket:message:new", "ticket:message:ack", "ticket:status:updated", "ticket:assigned",
        "ticket:user_joined", "ticket:user_left", "ticket:typing", "ticket:created", "inbox:watching", "inbox:moved",
        "ticket:updated", "ticket:read", "ticket:note:new", "staff:presence", "staff:team", "error",
    ];

    // The data of the events whose variants have named fields.
    #[derive(Deserialize)]
    struct Joined { ticket_id: i64, last_seq: i64, members: Vec<Member> }
    #[derive(Deserialize)]
    struct Ack {
        ticket_id: i64,
        client_id: String,
        id: i64,
        seq: i64,
        #[serde(deserialize_with = "crate::domain::timestamp::read")]
        created_at: chrono::DateTime<chrono::Utc>,
    }
    #[derive(Deserialize)]
    struct UserInRoom { ticket_id: i64, user: Member }
    #[derive(Deserialize)]
    struct Typing { ticket_id: i64, user: Member, typing: bool }
    #[derive(Deserialize)]
    struct Watching { on: bool }
    #[derive(Deserialize)]
    struct Read { ticket_id: i64, last_read_seq: i64 }
    #[derive(Deserialize)]
    struct Team { people: Vec<crate::domain::presence::StaffPresence>, reset: bool }

    pub(super) struct EventVisitor;

    impl<'de> Visitor<'de> for EventVisitor {
        type Value = ServerEvent;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(r#"an object {"event": name, "data": ...} with "event" first"#)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ServerEvent, A::Error> {
            if map.next_key::<String>()?.as_deref() != Some("event") {
                return Err(A::Error::custom(r#"a server event starts with "event""#));
            }
            let name = map.next_value::<String>()?;
            if map.next_key::<String>()?.as_deref() != Some("data") {
                return Err(A::Error::missing_field("data"));
            }
            use ServerEvent as E;
            let event = match name.as_str() {
                "ticket:joined" => {
                    let Joined { ticket_id, last_seq, members } = map.next_value()?;
                    E::Joined { ticket_id, last_seq, members }
                }
                "ticket:message:new" => E::MessageNew(map.next_value()?),
                "ticket:message:ack" => {
                    let Ack { ticket_id, client_id, id, seq, created_at } = map.next_value()?;
                    E::MessageAck { ticket_id, client_id, id, seq, created_at }
                }
                "ticket:status:updated" => E::StatusUpdated(map.next_value()?),
                "ticket:assigned" => E::Assigned(map.next_value()?),
                "ticket:user_joined" => {
                    let UserInRoom { ticket_id, user } = map.next_value()?;
                    E::UserJoined { ticket_id, user }
                }
                "ticket:user_left" => {
                    let UserInRoom { ticket_id, user } = map.next_value()?;
                    E::UserLeft { ticket_id, user }
                }
                "ticket:typing" => {
                    let Typing { ticket_id, user, typing } = map.next_value()?;
                    E::Typing { ticket_id, user, typing }
                }
                "ticket:created" => E::TicketCreated(map.next_value()?),
                "inbox:watching" => E::InboxWatching { on: map.next_value::<Watching>()?.on },
                "inbox:moved" => E::InboxMoved(map.next_value()?),
                "ticket:updated" => E::TicketUpdated(map.next_value()?),
                "ticket:read" => {
                    let Read { ticket_id, last_read_seq } = map.next_value()?;
                    E::TicketRead { ticket_id, last_read_seq }
                }
                "ticket:note:new" => E::NoteNew(map.next_value()?),
                "staff:presence" => E::StaffPresence(map.next_value()?),
                "staff:team" => {
                    let Team { people, reset } = map.next_value()?;
                    E::StaffTeam { people, reset }
                }
                "error" => E::Error(map.next_value()?),
                other => return Err(A::Error::unknown_variant(other, NAMES)),
            };
            // Keys a newer server might add after the data are not the browser's concern.
            while map.next_key::<IgnoredAny>()?.is_some() {
                map.next_value::<IgnoredAny>()?;
            }
            Ok(event)
        }
    }
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
            problem: Problem::TooManyRequests,
            message: "Too many requests; slow down.".into(),
            event: Some("ticket:message:send".into()),
            ticket_id: Some(4),
            client_id: None,
        });
        assert_eq!(
            serde_json::to_string(&error).unwrap(),
            r#"{"event":"error","data":{"code":"rate_limited","problem":"too_many_requests","message":"Too many requests; slow down.","event":"ticket:message:send","ticket_id":4}}"#
        );
    }

    /// Every event reads back as it was written (the reader names each event once more).
    #[test]
    fn every_server_event_reads_back_as_written() {
        use crate::domain::ticket::{PersonRef, TicketStatus};
        let at = chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        let member = Member { user_id: 3, display_name: "Abe".into(), role: Role::Agent };
        let person = PersonRef { id: 3, display_name: "Abe".into(), email: "abe@example.com".into() };
        let change = TicketEvent {
            ticket_id: 4, seq: 9, actor_id: 3, actor_name: "Abe".into(), from_status: TicketStatus::Open,
            to_status: TicketStatus::Assigned, from_agent_id: None, to_agent_id: Some(3), agent_name: Some("Abe".into()), at,
        };
        let ticket = crate::domain::ticket::Ticket {
            id: 4, subject: Some("Printer".into()), description: "It jams".into(), status: TicketStatus::Assigned,
            creator: person.clone(), assigned_agent: Some(person.clone()), created_at: at, updated_at: at, resolved_at: None,
            closed_at: None, version: 2, last_message: None, category: None, rating: None, priority: Default::default(),
            source: Default::default(), sla: None, last_seq: 9, unread: 0, agent_status: None,
        };
        let abe = crate::domain::presence::StaffPresence {
            user_id: 3, display_name: "Abe".into(), role: Role::Agent,
            status: crate::domain::presence::StaffStatus::Away, appear_away: true, last_seen_at: Some(at),
        };
        let events = [
            ServerEvent::Joined { ticket_id: 4, last_seq: 9, members: vec![member.clone()] },
            ServerEvent::MessageNew(Message {
                id: 1, ticket_id: 4, seq: 8, client_id: Some("c1".into()), sender: person.clone(), sender_role: Role::Agent,
                content: "Hello".into(), created_at: at, attachments: Vec::new(),
            }),
            ServerEvent::MessageAck { ticket_id: 4, client_id: "c1".into(), id: 1, seq: 8, created_at: at },
            ServerEvent::StatusUpdated(change.clone()),
            ServerEvent::Assigned(change),
            ServerEvent::UserJoined { ticket_id: 4, user: member.clone() },
            ServerEvent::UserLeft { ticket_id: 4, user: member.clone() },
            ServerEvent::Typing { ticket_id: 4, user: member, typing: true },
            ServerEvent::TicketCreated(TicketNews::new(&ticket)),
            ServerEvent::InboxWatching { on: true },
            ServerEvent::InboxMoved(crate::domain::ticket::QueueMove {
                ticket_id: 4, from_status: TicketStatus::Open, from_agent_id: None, to_status: TicketStatus::Assigned, to_agent_id: Some(3),
            }),
            ServerEvent::TicketUpdated(TicketNews::new(&ticket)),
            ServerEvent::TicketRead { ticket_id: 4, last_read_seq: 8 },
            ServerEvent::NoteNew(crate::domain::note::Note {
                id: 2, ticket_id: 4, note_seq: 1, after_seq: 8, client_id: "n1".into(), author: person,
                content: "Internal".into(), created_at: at,
            }),
            ServerEvent::StaffPresence(abe.clone()),
            ServerEvent::StaffTeam { people: vec![abe], reset: true },
            ServerEvent::Error(ErrorEvent {
                code: "rate_limited".into(), problem: Problem::SendRateExceeded { per_second: 5, burst: 10 },
                message: "Too many messages: at most 5 per second (bursts of 10).".into(), event: None, ticket_id: Some(4), client_id: None,
            }),
        ];
        for event in events {
            let frame = serde_json::to_string(&event).unwrap();
            assert_eq!(serde_json::from_str::<ServerEvent>(&frame).unwrap(), event, "{frame}");
        }
        assert_eq!(TicketNews::new(&ticket).ticket(), Some(ticket), "the report reads back as the ticket");
    }

    #[test]
    fn server_events_are_read_with_their_name_first() {
        let read = |frame: &str| serde_json::from_str::<ServerEvent>(frame).map_err(|err| err.to_string());
        assert_eq!(read(r#"{"event":"inbox:watching","data":{"on":true},"v":2}"#), Ok(ServerEvent::InboxWatching { on: true }));
        assert!(read(r#"{"data":{"on":true},"event":"inbox:watching"}"#).unwrap_err().contains("starts with \"event\""));
        assert!(read(r#"{"event":"inbox:watching"}"#).unwrap_err().contains("missing field `data`"));
        assert!(read(r#"{"event":"ticket:gone","data":{}}"#).unwrap_err().contains("unknown variant `ticket:gone`"));
        assert!(read(r#"{"event":"ticket:read","data":{"ticket_id":5}}"#).unwrap_err().contains("missing field `last_read_seq`"));
    }
}
