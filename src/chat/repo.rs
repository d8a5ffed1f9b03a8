//! Every SQL statement touching `ticket_messages` and the live presence tables, and the
//! NOTIFY that tells every app node about a new timeline entry.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::protocol::{CLIENT_ID_MAX_CHARS, MESSAGE_MAX_CHARS, Member, TimelineEntry};
use crate::auth::model::{Role, User};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::tickets::model::{Message, Page, PersonRef, TicketEvent, TicketStatus};
use crate::tickets::repo::{find_ticket, not_found};

/// The channel on which committed timeline entries are announced as `{"ticket_id":…,"seq":…}`.
pub const TIMELINE_CHANNEL: &str = "myrelay_timeline";

/// Announces an entry from inside its transaction: PostgreSQL delivers it only if the transaction
/// commits, to every listening node, in commit order.
pub async fn notify_timeline(conn: &mut PgConnection, ticket_id: i64, seq: i64) -> AppResult<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(TIMELINE_CHANNEL)
        .bind(format!(r#"{{"ticket_id":{ticket_id},"seq":{seq}}}"#))
        .execute(conn)
        .await?;
    Ok(())
}

const MESSAGE_SELECT: &str = "
    SELECT m.id, m.ticket_id, m.seq, m.client_id, m.sender_user_id, u.display_name AS sender_name,
           u.email AS sender_email, m.sender_role, m.content, m.created_at
    FROM ticket_messages m JOIN users u ON u.id = m.sender_user_id";

#[derive(sqlx::FromRow)]
struct MessageRow {
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
        }
    }
}

/// Checks a message before anything is stored.
pub fn validate_message(client_id: &str, content: &str) -> AppResult<String> {
    if client_id.is_empty() || client_id.chars().count() > CLIENT_ID_MAX_CHARS {
        return Err(AppError::invalid("client_id", format!("client_id must be 1 to {CLIENT_ID_MAX_CHARS} characters.")));
    }
    let content = content.trim();
    if content.is_empty() {
        return Err(AppError::invalid("content", "A message cannot be empty."));
    }
    if content.chars().count() > MESSAGE_MAX_CHARS {
        return Err(AppError::invalid("content", format!("A message can be at most {MESSAGE_MAX_CHARS} characters.")));
    }
    Ok(content.to_owned())
}

/// Stores a message as the ticket's next timeline entry and announces it, or, when this sender
/// already sent `client_id`, returns that message unchanged (`false`: nothing new was stored).
/// Returns only after the commit, so an acknowledgement built from it is durable.
pub async fn send_message(pool: &PgPool, sender: &User, ticket_id: i64, client_id: &str, content: &str) -> AppResult<(Message, bool)> {
    let content = validate_message(client_id, content)?;
    if let Some(existing) = find_by_client_id(pool, sender.id, client_id).await? {
        return if existing.ticket_id == ticket_id {
            Ok((existing, false))
        } else {
            Err(AppError::invalid("client_id", "This client_id was already used for another ticket."))
        };
    }
    let ticket = find_ticket(pool, sender, ticket_id).await?.ok_or_else(not_found)?;
    if ticket.status == TicketStatus::Closed {
        return Err(AppError::new(ErrorCode::Conflict, "This ticket is closed; no more messages can be sent."));
    }

    let mut tx = pool.begin().await?;
    // Taking the next seq locks the ticket row: entries of one ticket commit in seq order.
    let seq: Option<i64> = sqlx::query_scalar(
        "UPDATE tickets SET last_seq = last_seq + 1, updated_at = now() WHERE id = $1 AND status <> 'closed' RETURNING last_seq",
    )
    .bind(ticket_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(seq) = seq else {
        return Err(AppError::new(ErrorCode::Conflict, "This ticket is closed; no more messages can be sent."));
    };
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO ticket_messages (ticket_id, sender_user_id, sender_role, content, seq, client_id)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sender_user_id, client_id) DO NOTHING RETURNING id",
    )
    .bind(ticket_id)
    .bind(sender.id)
    .bind(sender.role)
    .bind(&content)
    .bind(seq)
    .bind(client_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        // The same client_id raced in from another connection and won: answer with that one.
        tx.rollback().await?;
        let existing = find_by_client_id(pool, sender.id, client_id).await?.ok_or_else(AppError::internal)?;
        if existing.ticket_id != ticket_id {
            return Err(AppError::invalid("client_id", "This client_id was already used for another ticket."));
        }
        return Ok((existing, false));
    };
    notify_timeline(&mut tx, ticket_id, seq).await?;
    tx.commit().await?;
    let message = find_message(pool, id).await?.ok_or_else(AppError::internal)?;
    Ok((message, true))
}

async fn find_by_client_id(pool: &PgPool, sender_id: i64, client_id: &str) -> AppResult<Option<Message>> {
    let sql = format!("{MESSAGE_SELECT} WHERE m.sender_user_id = $1 AND m.client_id = $2");
    Ok(sqlx::query_as::<_, MessageRow>(&sql).bind(sender_id).bind(client_id).fetch_optional(pool).await?.map(Into::into))
}

async fn find_message(pool: &PgPool, id: i64) -> AppResult<Option<Message>> {
    let sql = format!("{MESSAGE_SELECT} WHERE m.id = $1");
    Ok(sqlx::query_as::<_, MessageRow>(&sql).bind(id).fetch_optional(pool).await?.map(Into::into))
}

/// A ticket's chat history, newest first: `limit` messages before timeline position `before`.
pub async fn list_messages(pool: &PgPool, viewer: &User, ticket_id: i64, before: Option<i64>, limit: i64) -> AppResult<Page<Message>> {
    if find_ticket(pool, viewer, ticket_id).await?.is_none() {
        return Err(not_found());
    }
    let sql = format!("{MESSAGE_SELECT} WHERE m.ticket_id = $1 AND ($2::BIGINT IS NULL OR m.seq < $2) ORDER BY m.seq DESC LIMIT $3");
    let items: Vec<Message> = sqlx::query_as::<_, MessageRow>(&sql)
        .bind(ticket_id)
        .bind(before)
        .bind(limit + 1)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Page::from_overfetch(items, limit, |m| m.seq.to_string()))
}

/// Every timeline entry of a ticket after `after_seq`, in order (at most `limit`).
/// Callers have checked that the reader may see the ticket.
pub async fn timeline_after(pool: &PgPool, ticket_id: i64, after_seq: i64, limit: i64) -> AppResult<Vec<TimelineEntry>> {
    let sql = format!("{MESSAGE_SELECT} WHERE m.ticket_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3");
    let messages: Vec<MessageRow> = sqlx::query_as(&sql).bind(ticket_id).bind(after_seq).bind(limit).fetch_all(pool).await?;
    let changes: Vec<(i64, i64, i64, TicketStatus, TicketStatus, Option<i64>, Option<i64>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT ticket_id, seq, actor_id, from_status, to_status, from_agent_id, to_agent_id, at
         FROM ticket_events WHERE ticket_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(ticket_id)
    .bind(after_seq)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut entries: Vec<TimelineEntry> = messages.into_iter().map(|m| TimelineEntry::Message(m.into())).collect();
    entries.extend(changes.into_iter().map(|(ticket_id, seq, actor_id, from_status, to_status, from_agent_id, to_agent_id, at)| {
        TimelineEntry::Change(TicketEvent { ticket_id, seq, actor_id, from_status, to_status, from_agent_id, to_agent_id, at })
    }));
    entries.sort_by_key(TimelineEntry::seq);
    entries.truncate(limit as usize);
    Ok(entries)
}

pub async fn last_seq(pool: &PgPool, ticket_id: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT last_seq FROM tickets WHERE id = $1").bind(ticket_id).fetch_optional(pool).await?.unwrap_or(0))
}

// ---- presence: which connection is in which room, on which node ------------------------------

pub async fn register_node(pool: &PgPool, node_id: i64) -> AppResult<()> {
    sqlx::query("INSERT INTO live_nodes (node_id) VALUES ($1) ON CONFLICT (node_id) DO UPDATE SET seen_at = now()")
        .bind(node_id)
        .execute(pool)
        .await?;
    // Nodes silent for a minute have died; their connections and memberships go with them.
    sqlx::query("DELETE FROM live_nodes WHERE seen_at < now() - interval '60 seconds'").execute(pool).await?;
    Ok(())
}

pub async fn remove_node(pool: &PgPool, node_id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM live_nodes WHERE node_id = $1").bind(node_id).execute(pool).await?;
    Ok(())
}

pub async fn add_connection(pool: &PgPool, node_id: i64, connection_id: i64, user: &User) -> AppResult<()> {
    sqlx::query("INSERT INTO live_connections (connection_id, node_id, user_id, role) VALUES ($1, $2, $3, $4)")
        .bind(connection_id)
        .bind(node_id)
        .bind(user.id)
        .bind(user.role)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn remove_connection(pool: &PgPool, connection_id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM live_connections WHERE connection_id = $1").bind(connection_id).execute(pool).await?;
    Ok(())
}

/// Adds the connection to the room; `true` when it is this user's first connection there (announce
/// "joined"). A per-room-and-user lock makes the answer exact when tabs join at the same moment.
pub async fn join_room(pool: &PgPool, connection_id: i64, ticket_id: i64, user_id: i64) -> AppResult<bool> {
    let mut tx = pool.begin().await?;
    lock_presence(&mut tx, ticket_id, user_id).await?;
    sqlx::query("INSERT INTO live_room_members (connection_id, ticket_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(connection_id)
        .bind(ticket_id)
        .execute(&mut *tx)
        .await?;
    let count = user_connections_in_room(&mut tx, ticket_id, user_id).await?;
    tx.commit().await?;
    Ok(count == 1)
}

/// Removes the connection from the room; `true` when it was this user's last one (announce "left").
pub async fn leave_room(pool: &PgPool, connection_id: i64, ticket_id: i64, user_id: i64) -> AppResult<bool> {
    let mut tx = pool.begin().await?;
    lock_presence(&mut tx, ticket_id, user_id).await?;
    let removed = sqlx::query("DELETE FROM live_room_members WHERE connection_id = $1 AND ticket_id = $2")
        .bind(connection_id)
        .bind(ticket_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let count = user_connections_in_room(&mut tx, ticket_id, user_id).await?;
    tx.commit().await?;
    Ok(removed == 1 && count == 0)
}

async fn lock_presence(conn: &mut PgConnection, ticket_id: i64, user_id: i64) -> AppResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('presence:' || $1 || ':' || $2, 0))")
        .bind(ticket_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

async fn user_connections_in_room(conn: &mut PgConnection, ticket_id: i64, user_id: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM live_room_members m JOIN live_connections c USING (connection_id)
         WHERE m.ticket_id = $1 AND c.user_id = $2",
    )
    .bind(ticket_id)
    .bind(user_id)
    .fetch_one(conn)
    .await?)
}

/// The people with at least one connection in a ticket's room, on any node.
pub async fn room_members(pool: &PgPool, ticket_id: i64) -> AppResult<Vec<Member>> {
    let rows: Vec<(i64, String, Role)> = sqlx::query_as(
        "SELECT DISTINCT u.id, u.display_name, u.role
         FROM live_room_members m JOIN live_connections c USING (connection_id) JOIN users u ON u.id = c.user_id
         WHERE m.ticket_id = $1 ORDER BY u.id",
    )
    .bind(ticket_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(user_id, display_name, role)| Member { user_id, display_name, role }).collect())
}

/// `connected_clients`, `connected_agents`, `active_ticket_rooms` across every live node.
pub async fn live_counters(pool: &PgPool) -> AppResult<(i64, i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM live_connections),
                (SELECT count(DISTINCT user_id) FROM live_connections WHERE role = 'agent'),
                (SELECT count(DISTINCT ticket_id) FROM live_room_members)",
    )
    .fetch_one(pool)
    .await?)
}
