//! Audit SQL: appending inside a change's transaction, and the admins' filtered, keyset-paged view.

use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::model::{AuditAction, AuditEntry, FieldChange};
use crate::domain::account::User;
use crate::domain::ticket::Page;
use crate::error::{AppError, AppResult};

/// Appends one entry; call it inside the transaction making the change, so both commit together.
pub async fn record(
    conn: &mut PgConnection,
    actor: Option<&User>,
    action: AuditAction,
    subject_id: Option<i64>,
    subject: &str,
    changes: &[FieldChange],
) -> AppResult<()> {
    sqlx::query("INSERT INTO audit_log (actor_id, actor_name, action, subject_id, subject, changes) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(actor.map(|a| a.id))
        .bind(actor.map(|a| a.display_name.as_str()).unwrap_or_default())
        .bind(action.as_str())
        .bind(subject_id)
        .bind(subject)
        .bind(Json(changes))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a burst of failed sign-ins for `email`, once per `window_minutes`.
pub async fn record_sign_in_burst(pool: &PgPool, email: &str, client_addr: &str, attempts: i64, window_minutes: i32) -> AppResult<()> {
    let changes = [FieldChange::new("failed_attempts", None::<String>, Some(attempts.to_string())), FieldChange::new("address", None::<String>, Some(client_addr))];
    sqlx::query(
        "INSERT INTO audit_log (action, subject, changes)
         SELECT 'sign_in_failures', $1, $2
         WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE action = 'sign_in_failures' AND subject = $1
                           AND at > now() - make_interval(mins => $3))",
    )
    .bind(email)
    .bind(Json(&changes[..]))
    .bind(window_minutes)
    .execute(pool)
    .await?;
    Ok(())
}

/// What the admins' view shows: one action, and/or entries whose actor or subject contains `q`.
#[derive(Debug, Default)]
pub struct AuditFilter {
    pub action: Option<AuditAction>,
    pub q: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
    actor_id: Option<i64>,
    actor_name: String,
    action: String,
    subject_id: Option<i64>,
    subject: String,
    changes: Json<Vec<FieldChange>>,
}

/// Newest first; `before` is the previous page's `next_cursor` (an entry id).
pub async fn list(pool: &PgPool, filter: &AuditFilter, before: Option<i64>, limit: i64) -> AppResult<Page<AuditEntry>> {
    let mut query = QueryBuilder::<Postgres>::new(
        "SELECT l.id, l.at, l.actor_id, l.actor_name, l.action, l.subject_id, l.subject, l.changes FROM audit_log l
         LEFT JOIN users u ON u.id = l.actor_id WHERE TRUE",
    );
    if let Some(action) = filter.action {
        query.push(" AND l.action = ").push_bind(action.as_str());
    }
    if let Some(q) = &filter.q {
        let pattern = format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        query
            .push(" AND (l.actor_name ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR u.email ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR l.subject ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
    if let Some(before) = before {
        query.push(" AND l.id < ").push_bind(before);
    }
    query.push(" ORDER BY l.id DESC LIMIT ").push_bind(limit + 1);
    let rows: Vec<AuditRow> = query.build_query_as().fetch_all(pool).await?;
    let entries = rows
        .into_iter()
        .map(|row| {
            Ok(AuditEntry {
                id: row.id,
                at: row.at,
                actor_id: row.actor_id,
                actor_name: row.actor_name,
                action: AuditAction::parse(&row.action).ok_or_else(AppError::internal)?,
                subject_id: row.subject_id,
                subject: row.subject,
                changes: row.changes.0,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(entries, limit, |entry| entry.id.to_string()))
}
