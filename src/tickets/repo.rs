//! SQL touching `tickets` and `ticket_messages`.

use sqlx::PgPool;

use super::model::TicketStatus;
use crate::auth::model::Role;
use crate::error::AppResult;

/// A ticket row as stored, for seeding data; the Tickets issue adds the checked lifecycle on top.
pub struct TicketSeed<'a> {
    pub created_by: i64,
    pub subject: Option<&'a str>,
    pub description: &'a str,
    pub status: TicketStatus,
    pub assigned_agent_id: Option<i64>,
}

pub async fn insert_ticket(pool: &PgPool, seed: &TicketSeed<'_>) -> AppResult<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO tickets (created_by_user_id, subject, description, status, assigned_agent_id, resolved_at, closed_at)
         VALUES ($1, $2, $3, $4, $5,
                 CASE WHEN $4 IN ('resolved', 'closed') THEN now() END,
                 CASE WHEN $4 = 'closed' THEN now() END)
         RETURNING id",
    )
    .bind(seed.created_by)
    .bind(seed.subject)
    .bind(seed.description)
    .bind(seed.status)
    .bind(seed.assigned_agent_id)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

pub async fn insert_message(pool: &PgPool, ticket_id: i64, sender_id: i64, sender_role: Role, content: &str) -> AppResult<()> {
    sqlx::query("INSERT INTO ticket_messages (ticket_id, sender_user_id, sender_role, content) VALUES ($1, $2, $3, $4)")
        .bind(ticket_id)
        .bind(sender_id)
        .bind(sender_role)
        .bind(content)
        .execute(pool)
        .await?;
    Ok(())
}
