//! SLA SQL: the targets per priority, and the due times they give each ticket. The clocks' stops
//! and the first reply are written where those happen (`tickets::repo::apply_action`,
//! `timeline::repo::advance_seqs`).

use sqlx::{PgConnection, PgPool};

use crate::domain::account::User;
use crate::domain::priority::Priority;
use crate::domain::sla::{SlaPolicy, format_duration};
use crate::error::AppResult;

/// Every priority's targets, most urgent first.
pub async fn policies(pool: &PgPool) -> AppResult<Vec<SlaPolicy>> {
    policies_in(&mut *pool.acquire().await?).await
}

/// Which tickets get their due times worked out again.
pub enum Scope {
    /// One ticket: just opened, or its priority changed.
    Ticket(i64),
    /// Every ticket of this priority whose clocks run: its targets changed. Stopped clocks keep
    /// the judgement they were stopped with.
    Running(Priority),
}

/// Due times from the targets of each ticket's priority: opened at + time stopped + target. A
/// first reply already given keeps its due time; closed tickets keep theirs.
pub async fn apply_targets(conn: &mut PgConnection, scope: Scope) -> AppResult<()> {
    const APPLY: &str = "UPDATE tickets t SET
            first_response_due_at = CASE WHEN t.first_responded_at IS NULL
                THEN t.created_at + t.sla_paused_total + make_interval(mins => p.first_response_minutes)
                ELSE t.first_response_due_at END,
            resolution_due_at = t.created_at + t.sla_paused_total + make_interval(mins => p.resolution_minutes)
        FROM sla_policies p WHERE p.priority = t.priority AND t.status <> 'closed'";
    match scope {
        Scope::Ticket(id) => sqlx::query(&format!("{APPLY} AND t.id = $1")).bind(id).execute(conn).await?,
        Scope::Running(priority) => {
            sqlx::query(&format!("{APPLY} AND t.priority = $1 AND t.sla_paused_at IS NULL")).bind(priority).execute(conn).await?
        }
    };
    Ok(())
}

/// Stores the targets (the caller checked the role and the values), records each priority's
/// change in the audit log, and moves the due times of that priority's running clocks.
pub async fn save_policies(pool: &PgPool, actor: &User, wanted: &[SlaPolicy]) -> AppResult<Vec<SlaPolicy>> {
    use crate::audit::model::{AuditAction, FieldChange};
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT 1 FROM sla_policies FOR UPDATE").execute(&mut *tx).await?;
    let current = policies_in(&mut tx).await?;
    for policy in wanted {
        let Some(before) = current.iter().find(|p| p.priority == policy.priority) else { continue };
        if before == policy {
            continue;
        }
        sqlx::query("UPDATE sla_policies SET first_response_minutes = $2, resolution_minutes = $3, updated_at = now() WHERE priority = $1")
            .bind(policy.priority)
            .bind(policy.first_response_minutes)
            .bind(policy.resolution_minutes)
            .execute(&mut *tx)
            .await?;
        let shown = |minutes: Option<i32>| minutes.map(format_duration);
        let changes: Vec<FieldChange> = [
            ("first_response", before.first_response_minutes, policy.first_response_minutes),
            ("resolution", before.resolution_minutes, policy.resolution_minutes),
        ]
        .into_iter()
        .filter(|(_, was, is)| was != is)
        .map(|(field, was, is)| FieldChange::new(field, shown(was), shown(is)))
        .collect();
        crate::audit::repo::record(&mut tx, Some(actor), AuditAction::SlaPolicy, None, policy.priority.as_str(), &changes).await?;
        apply_targets(&mut tx, Scope::Running(policy.priority)).await?;
    }
    let saved = policies_in(&mut tx).await?;
    tx.commit().await?;
    Ok(saved)
}

async fn policies_in(conn: &mut PgConnection) -> AppResult<Vec<SlaPolicy>> {
    let rows: Vec<(Priority, Option<i32>, Option<i32>)> =
        sqlx::query_as("SELECT priority, first_response_minutes, resolution_minutes FROM sla_policies ORDER BY priority DESC")
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(priority, first_response_minutes, resolution_minutes)| SlaPolicy { priority, first_response_minutes, resolution_minutes })
        .collect())
}

/// Ticket `t` missed a target, now or before: first reply late or still missing past due, or the
/// resolution due before the clocks stopped (or before now, while they run).
pub(crate) const BREACHED: &str = "(t.first_response_due_at < coalesce(t.first_responded_at, t.sla_paused_at, now())
     OR t.resolution_due_at < coalesce(t.sla_paused_at, now()))";

/// Tickets not closed that missed (or are missing) an SLA target now.
pub async fn breached_open_tickets(pool: &PgPool) -> AppResult<i64> {
    Ok(sqlx::query_scalar(&format!("SELECT count(*) FROM tickets t WHERE t.status <> 'closed' AND {BREACHED}")).fetch_one(pool).await?)
}
