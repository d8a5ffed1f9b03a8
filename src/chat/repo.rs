//! Chat history and the live presence tables. Messages are written by `writer` (group commit) and
//! read back as timeline entries through `crate::timeline`.

use sqlx::{PgConnection, PgPool};

use super::protocol::{CLIENT_ID_MAX_CHARS, MESSAGE_MAX_CHARS, Member};
use crate::auth::model::{Role, User};
use crate::error::{AppError, AppResult};
use crate::tickets::model::{Message, Page};
use crate::tickets::repo::{find_ticket, not_found};
use crate::timeline::repo::{MESSAGE_SELECT, MessageRow};

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
