//! Every SQL statement on `mail_queue`. A mail is queued in the transaction of what causes it and
//! moves pending → claimed → sending → sent | failed | cancelled (see the migration for why).

use std::time::Duration;

use sqlx::{PgConnection, PgPool};

use crate::error::AppResult;

/// What a ticket's customer is mailed about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerMailKind {
    /// Staff wrote: the messages the customer has not read.
    Replies,
    /// The ticket was resolved: with the rating link.
    Resolved,
}

/// Each ticket gets a pending mail of `kind` due after `delay`, unless one is pending already (what
/// happens meanwhile goes in that one). Inside the transaction of what causes it.
pub async fn queue_for_tickets(conn: &mut PgConnection, kind: CustomerMailKind, ticket_ids: &[i64], delay: Duration) -> AppResult<()> {
    let kind = match kind {
        CustomerMailKind::Replies => "replies",
        CustomerMailKind::Resolved => "resolved",
    };
    sqlx::query(
        "INSERT INTO mail_queue (kind, ticket_id, due_at)
         SELECT $1, t, now() + make_interval(secs => $3) FROM unnest($2::BIGINT[]) AS t
         ON CONFLICT (ticket_id, kind) WHERE state = 'pending' AND ticket_id IS NOT NULL DO NOTHING",
    )
    .bind(kind)
    .bind(ticket_ids)
    .bind(delay.as_secs_f64())
    .execute(conn)
    .await?;
    Ok(())
}

/// An answer to a refused mail, due now.
pub async fn queue_refusal(pool: &PgPool, to: &str, in_reply_to: Option<&str>, reason: &str, ticket_id: Option<i64>) -> AppResult<()> {
    sqlx::query("INSERT INTO mail_queue (kind, ticket_id, to_address, in_reply_to, reason) VALUES ('refusal', $1, $2, $3, $4)")
        .bind(ticket_id)
        .bind(to)
        .bind(in_reply_to)
        .bind(reason)
        .execute(pool)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub kind: String,
    pub ticket_id: Option<i64>,
    pub to_address: Option<String>,
    pub in_reply_to: Option<String>,
    pub reason: Option<String>,
    pub attempts: i32,
}

/// Takes up to `limit` due mails for this worker alone: rows another worker is taking at the same
/// moment are skipped, not waited for, so two nodes never hold the same mail.
pub async fn claim_due(pool: &PgPool, limit: i64) -> AppResult<Vec<Claimed>> {
    Ok(sqlx::query_as(
        "UPDATE mail_queue q SET state = 'claimed', claimed_at = now(), attempts = q.attempts + 1
         FROM (SELECT id FROM mail_queue WHERE state = 'pending' AND due_at <= now()
               ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED) AS due
         WHERE q.id = due.id
         RETURNING q.id, q.kind, q.ticket_id, q.to_address, q.in_reply_to, q.reason, q.attempts",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Mails a worker took longer than `stale` ago and never finished (its node stopped): those it
/// had not handed to SMTP are pending again; those it had may have been sent, so they fail with
/// `interrupted` rather than risk a second copy. Returns (released, failed).
pub async fn recover_abandoned(pool: &PgPool, stale: Duration) -> AppResult<(u64, u64)> {
    let stale = stale.as_secs_f64();
    let mut tx = pool.begin().await?;
    let failed = sqlx::query(
        "UPDATE mail_queue SET state = 'failed', outcome = 'interrupted'
         WHERE state = 'sending' AND claimed_at < now() - make_interval(secs => $1)",
    )
    .bind(stale)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // A newer mail of the same ticket may be pending already: it carries what this one would have.
    let released = sqlx::query(
        "UPDATE mail_queue q SET
             state = CASE WHEN EXISTS (SELECT 1 FROM mail_queue p WHERE p.ticket_id = q.ticket_id AND p.kind = q.kind AND p.state = 'pending')
                          THEN 'cancelled'::mail_state ELSE 'pending'::mail_state END,
             outcome = 'released after its worker stopped', claimed_at = NULL
         WHERE state = 'claimed' AND claimed_at < now() - make_interval(secs => $1)",
    )
    .bind(stale)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok((released, failed))
}

pub async fn cancel(pool: &PgPool, id: i64, why: &str) -> AppResult<()> {
    sqlx::query("UPDATE mail_queue SET state = 'cancelled', outcome = $2 WHERE id = $1").bind(id).bind(why).execute(pool).await?;
    Ok(())
}

/// About to hand the mail to SMTP: from here on it is never sent again by anyone.
pub async fn mark_sending(pool: &PgPool, id: i64, message_id: &str, through_seq: Option<i64>, message_count: i32) -> AppResult<()> {
    sqlx::query("UPDATE mail_queue SET state = 'sending', message_id = $2, through_seq = $3, message_count = $4 WHERE id = $1 AND state = 'claimed'")
        .bind(id)
        .bind(message_id)
        .bind(through_seq)
        .bind(message_count)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn mark_sent(pool: &PgPool, id: i64) -> AppResult<()> {
    sqlx::query("UPDATE mail_queue SET state = 'sent', sent_at = now(), outcome = NULL WHERE id = $1").bind(id).execute(pool).await?;
    Ok(())
}

pub async fn mark_failed(pool: &PgPool, id: i64, why: &str) -> AppResult<()> {
    sqlx::query("UPDATE mail_queue SET state = 'failed', outcome = $2 WHERE id = $1").bind(id).bind(why).execute(pool).await?;
    Ok(())
}

/// The SMTP server refused for now (or could not be reached): pending again after `after`; or,
/// when a newer mail of the ticket is pending already, folded into that one.
pub async fn retry_later(pool: &PgPool, id: i64, why: &str, after: Duration) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let newer: Option<i64> = sqlx::query_scalar(
        "UPDATE mail_queue p SET due_at = least(p.due_at, now() + make_interval(secs => $2))
         FROM mail_queue q WHERE q.id = $1 AND p.ticket_id = q.ticket_id AND p.kind = q.kind AND p.state = 'pending'
         RETURNING p.id",
    )
    .bind(id)
    .bind(after.as_secs_f64())
    .fetch_optional(&mut *tx)
    .await?;
    let (state, outcome) = match newer {
        Some(_) => ("cancelled", format!("{why}; carried by a newer mail")),
        None => ("pending", why.to_owned()),
    };
    sqlx::query(
        "UPDATE mail_queue SET state = $2::mail_state, outcome = $3, claimed_at = NULL, message_id = NULL,
             due_at = now() + make_interval(secs => $4)
         WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(outcome)
    .bind(after.as_secs_f64())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Mails due and not yet taken, and how many seconds the oldest has waited (for `/metrics`).
pub async fn due_now(pool: &PgPool) -> AppResult<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT count(*), coalesce(extract(epoch FROM now() - min(due_at))::BIGINT, 0)
         FROM mail_queue WHERE state = 'pending' AND due_at <= now()",
    )
    .fetch_one(pool)
    .await?)
}

/// A ticket's 10 newest mails, and whether its customer turned mails off.
pub async fn of_ticket(pool: &PgPool, ticket_id: i64) -> AppResult<(Vec<super::model::MailRecord>, bool)> {
    let mails = sqlx::query_as(
        "SELECT id, kind, state, message_count, due_at, sent_at, outcome FROM mail_queue
         WHERE ticket_id = $1 ORDER BY id DESC LIMIT 10",
    )
    .bind(ticket_id)
    .fetch_all(pool)
    .await?;
    let opted_out: bool = sqlx::query_scalar("SELECT NOT u.email_notifications FROM tickets t JOIN users u ON u.id = t.created_by_user_id WHERE t.id = $1")
        .bind(ticket_id)
        .fetch_one(pool)
        .await?;
    Ok((mails, opted_out))
}

pub async fn notifications_of(pool: &PgPool, user_id: i64) -> AppResult<bool> {
    Ok(sqlx::query_scalar("SELECT email_notifications FROM users WHERE id = $1").bind(user_id).fetch_one(pool).await?)
}

pub async fn set_notifications(pool: &PgPool, user_id: i64, on: bool) -> AppResult<()> {
    sqlx::query("UPDATE users SET email_notifications = $2 WHERE id = $1").bind(user_id).bind(on).execute(pool).await?;
    Ok(())
}

/// Forgets mails dealt with over 90 days ago and the inbound log of the same age (the messages
/// they brought stay in their tickets).
pub async fn delete_old(pool: &PgPool) -> AppResult<()> {
    sqlx::query("DELETE FROM mail_queue WHERE state IN ('sent', 'failed', 'cancelled') AND created_at < now() - interval '90 days'")
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM mail_inbound WHERE received_at < now() - interval '90 days'").execute(pool).await?;
    Ok(())
}
