//! Everything that travels between app nodes, in one place: the channel names, the notices'
//! payloads and the functions that publish them. PostgreSQL is the only piece nodes share, so a
//! change is published with `NOTIFY` inside the transaction that makes it (the notice leaves
//! exactly when the change commits), and every node's hub reads it back with [`decode`].
//!
//! Repos call the publish functions; the hub, the writer and the sockets sit above the repos and
//! never the other way round. Adding a kind of notice: a [`Notice`] variant, its publish
//! function and its arm in [`decode`] here, then its delivery in `super::hub`.

pub mod timeline;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::domain::live::Member;
use crate::domain::presence::StaffPresence;
use timeline::{Delivery, Slot};

/// Committed timeline entries (messages, status and assignment changes), encoded as the frames
/// sockets send (`timeline::encode`).
pub const TIMELINE_CHANNEL: &str = "myrelay_timeline";
/// Presence and typing signals, as JSON: `{"from": node, "signals": […]}` (the sending node has
/// delivered them to its own sockets already).
pub const ROOM_CHANNEL: &str = "myrelay_room";
/// `{"user_id": …}`: an account's role or activity changed; its sockets re-check their rights.
/// `{"user_id": …, "ticket_id": …, "read_seq": …}`: the person read a ticket up to that seq; their
/// sockets hear `ticket:read`.
pub const USER_CHANNEL: &str = "myrelay_user";
/// `{"ticket_id": …}`: a ticket was opened; sockets watching the inbox hear of it.
/// `{"ticket_id": …, "updated": true}`: a ticket's staff-only details (its priority, its first
/// reply, its rating) changed; `"everyone": true` as well: a change its customer sees too (status,
/// assignment). The receiving node loads the ticket once and hands it to the sockets following it.
pub const INBOX_CHANNEL: &str = "myrelay_inbox";
/// `{"from": node, "people": [StaffPresence…]}`: agents' or admins' status changed (the sending
/// node has delivered it to its own sockets already).
pub const PRESENCE_CHANNEL: &str = "myrelay_presence";
/// `{"ticket_id": …, "note_seq": …}`: an internal note was written; the text is loaded by the
/// receiving node, which hands it to staff only.
pub const NOTES_CHANNEL: &str = "myrelay_notes";
/// `{"from": node, "sent_us": …}`: a node's probe of its own listener (the lag metric); other
/// nodes ignore it.
pub const PROBE_CHANNEL: &str = "myrelay_probe";

/// Every channel a node listens on.
pub const CHANNELS: [&str; 7] = [TIMELINE_CHANNEL, ROOM_CHANNEL, USER_CHANNEL, INBOX_CHANNEL, PRESENCE_CHANNEL, NOTES_CHANNEL, PROBE_CHANNEL];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSignal {
    pub ticket_id: i64,
    pub user: Member,
    pub kind: RoomSignalKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomSignalKind {
    Joined,
    Left,
    TypingStarted,
    TypingStopped,
}

/// A notice as a node receives it.
#[derive(Debug)]
pub enum Notice {
    /// Committed entries from node `origin` (0: from no node's own group commit).
    Timeline { origin: i64, slots: Vec<Slot> },
    Room { from: i64, signals: Vec<RoomSignal> },
    UserChanged { user_id: i64 },
    Read { user_id: i64, ticket_id: i64, seq: i64 },
    TicketCreated { ticket_id: i64 },
    TicketUpdated { ticket_id: i64, audience: Audience },
    Staff { from: i64, people: Vec<StaffPresence> },
    Note { ticket_id: i64, note_seq: i64 },
    /// Sent by node `from` at `sent_us` (microseconds since the Unix epoch, its clock).
    Probe { from: i64, sent_us: i64 },
}

#[derive(Serialize, Deserialize)]
struct ProbeNotice {
    from: i64,
    sent_us: i64,
}

#[derive(Serialize, Deserialize)]
struct RoomNotice {
    from: i64,
    signals: Vec<RoomSignal>,
}

#[derive(Deserialize)]
struct NoteNotice {
    ticket_id: i64,
    note_seq: i64,
}

#[derive(Serialize, Deserialize)]
struct PresenceNotice {
    from: i64,
    people: Vec<StaffPresence>,
}

#[derive(Deserialize)]
struct UserNotice {
    user_id: i64,
    /// Set for a read: (ticket, seq); otherwise the account changed.
    #[serde(default)]
    ticket_id: Option<i64>,
    #[serde(default)]
    read_seq: Option<i64>,
}

#[derive(Deserialize)]
struct InboxNotice {
    ticket_id: i64,
    #[serde(default)]
    updated: bool,
    #[serde(default)]
    everyone: bool,
}

/// Who hears of a change to a ticket: its staff only, or its customer too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Audience {
    Staff,
    Everyone,
}

/// A received notice, typed; None for a channel or payload this version does not know.
pub fn decode(channel: &str, payload: &str) -> Option<Notice> {
    Some(match channel {
        TIMELINE_CHANNEL => {
            let (origin, slots) = timeline::decode(payload);
            Notice::Timeline { origin, slots }
        }
        ROOM_CHANNEL => {
            let RoomNotice { from, signals } = serde_json::from_str(payload).ok()?;
            Notice::Room { from, signals }
        }
        USER_CHANNEL => match serde_json::from_str::<UserNotice>(payload).ok()? {
            UserNotice { user_id, ticket_id: Some(ticket_id), read_seq: Some(seq) } => Notice::Read { user_id, ticket_id, seq },
            UserNotice { user_id, .. } => Notice::UserChanged { user_id },
        },
        INBOX_CHANNEL => match serde_json::from_str::<InboxNotice>(payload).ok()? {
            InboxNotice { ticket_id, updated: true, everyone } => {
                Notice::TicketUpdated { ticket_id, audience: if everyone { Audience::Everyone } else { Audience::Staff } }
            }
            InboxNotice { ticket_id, updated: false, .. } => Notice::TicketCreated { ticket_id },
        },
        PRESENCE_CHANNEL => {
            let PresenceNotice { from, people } = serde_json::from_str(payload).ok()?;
            Notice::Staff { from, people }
        }
        NOTES_CHANNEL => {
            let NoteNotice { ticket_id, note_seq } = serde_json::from_str(payload).ok()?;
            Notice::Note { ticket_id, note_seq }
        }
        PROBE_CHANNEL => {
            let ProbeNotice { from, sent_us } = serde_json::from_str(payload).ok()?;
            Notice::Probe { from, sent_us }
        }
        _ => return None,
    })
}

/// Sends `payloads` on `channel`, in order, with one statement. Inside a transaction PostgreSQL
/// delivers them only if it commits.
async fn notify(conn: &mut PgConnection, channel: &str, payloads: Vec<String>) -> Result<(), sqlx::Error> {
    if payloads.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT pg_notify($1, payload) FROM unnest($2::TEXT[]) WITH ORDINALITY AS p(payload, n) ORDER BY n")
        .bind(channel)
        .bind(payloads)
        .execute(conn)
        .await?;
    Ok(())
}

/// Announces committed entries from node `origin` (0: every node delivers them, the sender too).
pub async fn publish_entries(conn: &mut PgConnection, origin: i64, entries: &[Delivery]) -> Result<(), sqlx::Error> {
    notify(conn, TIMELINE_CHANNEL, timeline::encode(origin, entries)).await
}

/// Announces signals from node `origin` to every node, in as few notices as fit PostgreSQL's
/// payload limit.
pub async fn notify_room(conn: &mut PgConnection, origin: i64, signals: &[RoomSignal]) -> Result<(), sqlx::Error> {
    // A signal is at most about 600 bytes (an 80-character name, escaped): 12 fit in 8,000.
    let payloads =
        signals.chunks(12).map(|chunk| serde_json::to_string(&RoomNotice { from: origin, signals: chunk.to_vec() }).unwrap_or_default()).collect();
    notify(conn, ROOM_CHANNEL, payloads).await
}

/// Sends node `origin` a probe through PostgreSQL, stamped with the time now.
pub async fn probe(pool: &sqlx::PgPool, origin: i64) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_string(&ProbeNotice { from: origin, sent_us: micros_now() }).unwrap_or_default();
    notify(&mut *pool.acquire().await?, PROBE_CHANNEL, vec![payload]).await
}

/// Microseconds since the Unix epoch (a probe's stamp).
pub fn micros_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_micros() as i64)
}

/// Announces staff presence changes from node `origin` to every node.
pub async fn notify_staff(conn: &mut PgConnection, origin: i64, people: &[StaffPresence]) -> Result<(), sqlx::Error> {
    // A change is at most about 700 bytes (an 80-character name, escaped): 10 fit in 8,000.
    let payloads = people.chunks(10).map(|chunk| serde_json::to_string(&PresenceNotice { from: origin, people: chunk.to_vec() }).unwrap_or_default()).collect();
    notify(conn, PRESENCE_CHANNEL, payloads).await
}

/// Tells every node's inbox watchers of a new ticket; call it inside the transaction that opens it.
pub async fn announce_ticket_created(conn: &mut PgConnection, ticket_id: i64) -> Result<(), sqlx::Error> {
    notify(conn, INBOX_CHANNEL, vec![format!(r#"{{"ticket_id":{ticket_id}}}"#)]).await
}

/// Tells every node that a ticket changed, for `audience`; call it inside that transaction.
pub async fn announce_ticket_updated(conn: &mut PgConnection, ticket_id: i64, audience: Audience) -> Result<(), sqlx::Error> {
    announce_tickets_updated(conn, &[ticket_id], audience).await
}

/// [`announce_ticket_updated`] for several tickets in one statement.
pub async fn announce_tickets_updated(conn: &mut PgConnection, ticket_ids: &[i64], audience: Audience) -> Result<(), sqlx::Error> {
    let everyone = audience == Audience::Everyone;
    let payloads = ticket_ids.iter().map(|id| format!(r#"{{"ticket_id":{id},"updated":true,"everyone":{everyone}}}"#)).collect();
    notify(conn, INBOX_CHANNEL, payloads).await
}

/// Tells every node that `user_id` read a ticket up to `seq` (their other tabs update their counts);
/// call it inside the transaction that moves the cursor.
pub async fn announce_read(conn: &mut PgConnection, user_id: i64, ticket_id: i64, seq: i64) -> Result<(), sqlx::Error> {
    let payload = format!(r#"{{"user_id":{user_id},"ticket_id":{ticket_id},"read_seq":{seq}}}"#);
    notify(conn, USER_CHANNEL, vec![payload]).await
}

/// Tells every node that an account changed (role, activity); call it inside the transaction
/// that makes the change, so the notice is sent exactly when the change commits.
pub async fn announce_user_changed(conn: &mut PgConnection, user_id: i64) -> Result<(), sqlx::Error> {
    notify(conn, USER_CHANNEL, vec![format!(r#"{{"user_id":{user_id}}}"#)]).await
}

/// Tells every node of a new internal note; call it inside the transaction that writes it.
pub async fn announce_note(conn: &mut PgConnection, ticket_id: i64, note_seq: i64) -> Result<(), sqlx::Error> {
    notify(conn, NOTES_CHANNEL, vec![format!(r#"{{"ticket_id":{ticket_id},"note_seq":{note_seq}}}"#)]).await
}
