//! SQL of the timeline: reading entries of both kinds back in seq order, recording status and
//! assignment changes (`ticket_events`), announced through `crate::live::outbox`.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::domain::account::Role;
use crate::domain::ticket::{Message, Page, PersonRef, TicketEvent, TicketStatus};
use crate::domain::timeline::TimelineEntry;
use crate::error::AppResult;
use crate::live::outbox::{self, timeline::Delivery};

/// Stores a status or assignment change (its seq already taken from the ticket row) and announces
/// it: the entry to the room, the ticket as it now stands to everyone following it.
pub async fn record_change(conn: &mut PgConnection, event: &TicketEvent) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO ticket_events (ticket_id, seq, actor_id, from_status, to_status, from_agent_id, to_agent_id, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(event.ticket_id)
    .bind(event.seq)
    .bind(event.actor_id)
    .bind(event.from_status)
    .bind(event.to_status)
    .bind(event.from_agent_id)
    .bind(event.to_agent_id)
    .bind(event.at)
    .execute(&mut *conn)
    .await?;
    outbox::publish_entries(conn, 0, &[Delivery::new(TimelineEntry::Change(event.clone()))]).await?;
    Ok(outbox::announce_ticket_updated(conn, event.ticket_id, outbox::Audience::Everyone).await?)
}

pub const MESSAGE_SELECT: &str = "
    SELECT m.id, m.ticket_id, m.seq, m.client_id, m.sender_user_id, u.display_name AS sender_name,
           u.email AS sender_email, m.sender_role, m.content, m.created_at
    FROM ticket_messages m JOIN users u ON u.id = m.sender_user_id";

#[derive(sqlx::FromRow)]
pub struct MessageRow {
    id: i64,
    ticket_id: i64,
    seq: i64,
    client_id: Option<String>,
    sender_user_id: i64,
    sender_name: String,
    sender_email: String,
    sender_role: Role,
    content: String,
    created_at: DateTime<Utc>,
}

impl From<MessageRow> for Message {
    fn from(r: MessageRow) -> Self {
        Message {
            id: r.id,
            ticket_id: r.ticket_id,
            seq: r.seq,
            client_id: r.client_id,
            sender: PersonRef { id: r.sender_user_id, display_name: r.sender_name, email: r.sender_email },
            sender_role: r.sender_role,
            content: r.content,
            created_at: r.created_at,
            attachments: Vec::new(),
        }
    }
}

/// Messages with their files (one query for all of them).
pub async fn with_attachments(pool: &PgPool, rows: Vec<MessageRow>) -> AppResult<Vec<Message>> {
    let mut messages: Vec<Message> = rows.into_iter().map(Message::from).collect();
    let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
    for (message_id, attachment) in crate::attachments::repo::for_messages(pool, &ids).await? {
        if let Some(message) = messages.iter_mut().find(|m| m.id == message_id) {
            message.attachments.push(attachment);
        }
    }
    Ok(messages)
}

/// A change with the names its sentence needs ("Abe took this ticket"): the actor and the agent
/// it left assigned.
const CHANGE_SELECT: &str = "
    SELECT e.ticket_id, e.seq, e.actor_id, a.display_name AS actor_name, e.from_status, e.to_status,
           e.from_agent_id, e.to_agent_id, g.display_name AS agent_name, e.at
    FROM ticket_events e JOIN users a ON a.id = e.actor_id LEFT JOIN users g ON g.id = e.to_agent_id";

#[derive(sqlx::FromRow)]
struct ChangeRow {
    ticket_id: i64,
    seq: i64,
    actor_id: i64,
    actor_name: String,
    from_status: TicketStatus,
    to_status: TicketStatus,
    from_agent_id: Option<i64>,
    to_agent_id: Option<i64>,
    agent_name: Option<String>,
    at: DateTime<Utc>,
}

fn change(r: ChangeRow) -> TimelineEntry {
    TimelineEntry::Change(TicketEvent {
        ticket_id: r.ticket_id,
        seq: r.seq,
        actor_id: r.actor_id,
        actor_name: r.actor_name,
        from_status: r.from_status,
        to_status: r.to_status,
        from_agent_id: r.from_agent_id,
        to_agent_id: r.to_agent_id,
        agent_name: r.agent_name,
        at: r.at,
    })
}

fn merged(messages: Vec<Message>, changes: Vec<ChangeRow>) -> Vec<TimelineEntry> {
    let mut entries: Vec<TimelineEntry> = messages.into_iter().map(TimelineEntry::Message).collect();
    entries.extend(changes.into_iter().map(change));
    entries.sort_by_key(|e| (e.ticket_id(), e.seq()));
    entries
}

/// Every entry of a ticket after `after_seq`, in order (at most `limit`).
/// Callers have checked that the reader may see the ticket.
pub async fn entries_after(pool: &PgPool, ticket_id: i64, after_seq: i64, limit: i64) -> AppResult<Vec<TimelineEntry>> {
    let sql = format!("{MESSAGE_SELECT} WHERE m.ticket_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3");
    let messages: Vec<MessageRow> = sqlx::query_as(&sql).bind(ticket_id).bind(after_seq).bind(limit).fetch_all(pool).await?;
    let sql = format!("{CHANGE_SELECT} WHERE e.ticket_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3");
    let changes: Vec<ChangeRow> = sqlx::query_as(&sql).bind(ticket_id).bind(after_seq).bind(limit).fetch_all(pool).await?;
    let mut entries = merged(with_attachments(pool, messages).await?, changes);
    entries.truncate(limit as usize);
    Ok(entries)
}

/// A ticket's timeline newest first, both kinds of entry: `limit` entries before position `before`.
/// Callers have checked that the reader may see the ticket.
pub async fn entries_before(pool: &PgPool, ticket_id: i64, before: Option<i64>, limit: i64) -> AppResult<Page<TimelineEntry>> {
    let sql = format!("{MESSAGE_SELECT} WHERE m.ticket_id = $1 AND ($2::BIGINT IS NULL OR m.seq < $2) ORDER BY m.seq DESC LIMIT $3");
    let messages: Vec<MessageRow> = sqlx::query_as(&sql).bind(ticket_id).bind(before).bind(limit + 1).fetch_all(pool).await?;
    let sql = format!("{CHANGE_SELECT} WHERE e.ticket_id = $1 AND ($2::BIGINT IS NULL OR e.seq < $2) ORDER BY e.seq DESC LIMIT $3");
    let changes: Vec<ChangeRow> = sqlx::query_as(&sql).bind(ticket_id).bind(before).bind(limit + 1).fetch_all(pool).await?;
    let mut entries = merged(with_attachments(pool, messages).await?, changes);
    entries.reverse();
    entries.truncate(limit as usize + 1);
    Ok(Page::from_overfetch(entries, limit, |e| e.seq().to_string()))
}

/// The entries at the given (ticket, seq) positions, ordered by ticket and seq.
pub async fn entries_at(pool: &PgPool, positions: &[(i64, i64)]) -> AppResult<Vec<TimelineEntry>> {
    let (tickets, seqs): (Vec<i64>, Vec<i64>) = positions.iter().copied().unzip();
    let wanted = "IN (SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[]))";
    let sql = format!("{MESSAGE_SELECT} WHERE (m.ticket_id, m.seq) {wanted}");
    let messages: Vec<MessageRow> = sqlx::query_as(&sql).bind(&tickets).bind(&seqs).fetch_all(pool).await?;
    let sql = format!("{CHANGE_SELECT} WHERE (e.ticket_id, e.seq) {wanted}");
    let changes: Vec<ChangeRow> = sqlx::query_as(&sql).bind(&tickets).bind(&seqs).fetch_all(pool).await?;
    Ok(merged(with_attachments(pool, messages).await?, changes))
}

/// The last seq handed out on a ticket's timeline (0 for none, or no such ticket).
pub async fn last_seq(pool: &PgPool, ticket_id: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT last_seq FROM tickets WHERE id = $1").bind(ticket_id).fetch_optional(pool).await?.unwrap_or(0))
}

/// A ticket as appending to its timeline needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppendTarget {
    pub id: i64,
    pub created_by_user_id: i64,
    pub status: TicketStatus,
    pub last_seq: i64,
}

/// Locks the tickets' rows for appending entries, in id order (so concurrent batches on any node
/// cannot deadlock); entries of one ticket therefore commit in seq order.
pub async fn lock_for_append(conn: &mut PgConnection, ticket_ids: &[i64]) -> AppResult<Vec<AppendTarget>> {
    Ok(sqlx::query_as("SELECT id, created_by_user_id, status, last_seq FROM tickets WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(ticket_ids)
        .fetch_all(conn)
        .await?)
}

/// Records the seqs handed out under `lock_for_append`: (ticket id, its new last seq, whether
/// staff wrote in it), and the first reply from staff for the SLA clock. Returns the tickets that
/// got their first reply now. The activity time (`updated_at`, which orders the inbox) moves at
/// most once a second per ticket: it is indexed, so changing it makes PostgreSQL write every index
/// of the row, while an update of `last_seq` alone stays in place (a HOT update). A busy room
/// would otherwise cost a write to every index of `tickets` per message.
pub async fn advance_seqs(conn: &mut PgConnection, last_seqs: &[(i64, i64, bool)]) -> AppResult<Vec<i64>> {
    let ids: Vec<i64> = last_seqs.iter().map(|s| s.0).collect();
    let seqs: Vec<i64> = last_seqs.iter().map(|s| s.1).collect();
    let staff: Vec<bool> = last_seqs.iter().map(|s| s.2).collect();
    let first_replies = sqlx::query_scalar(
        "WITH advanced AS (
             UPDATE tickets t SET last_seq = v.seq,
                 updated_at = CASE WHEN t.updated_at < now() - interval '1 second' THEN now() ELSE t.updated_at END,
                 first_responded_at = CASE WHEN v.staff THEN coalesce(t.first_responded_at, now()) ELSE t.first_responded_at END
             FROM unnest($1::BIGINT[], $2::BIGINT[], $3::BOOL[]) AS v(id, seq, staff) WHERE t.id = v.id
             RETURNING t.id, v.staff AND t.first_responded_at = now() AS first_reply
         )
         SELECT id FROM advanced WHERE first_reply",
    )
    .bind(ids)
    .bind(seqs)
    .bind(staff)
    .fetch_all(conn)
    .await?;
    Ok(first_replies)
}
