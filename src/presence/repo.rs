//! Staff presence in the database: the status is `presence_status()` (migration 0015) over the
//! live connections of every node. A change is announced when a person's status differs before and
//! after it, worked out under a per-person lock so changes on several nodes at once are announced
//! exactly once and in order.

use sqlx::{PgConnection, PgPool};

use crate::domain::account::{Role, User};
use crate::domain::presence::{StaffPresence, StaffStatus};
use crate::error::AppResult;

const PRESENCE_SELECT: &str = "SELECT u.id, u.display_name, u.role, presence_status(u.id, u.appear_away) AS status, u.appear_away, u.last_seen_at
    FROM users u WHERE u.role IN ('agent', 'admin')";

#[derive(sqlx::FromRow)]
struct PresenceRow {
    id: i64,
    display_name: String,
    role: Role,
    status: String,
    appear_away: bool,
    last_seen_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<PresenceRow> for StaffPresence {
    fn from(row: PresenceRow) -> Self {
        StaffPresence {
            user_id: row.id,
            display_name: row.display_name,
            role: row.role,
            status: StaffStatus::parse(&row.status).unwrap_or(StaffStatus::Offline),
            appear_away: row.appear_away,
            last_seen_at: row.last_seen_at,
        }
    }
}

/// Every active agent and admin, by name (the first 5,000: a team beyond that needs paging).
pub async fn team(pool: &PgPool) -> AppResult<Vec<StaffPresence>> {
    let sql = format!("{PRESENCE_SELECT} AND u.is_active ORDER BY lower(u.display_name), u.id LIMIT 5000");
    let rows: Vec<PresenceRow> = sqlx::query_as(&sql).fetch_all(pool).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The staff among `ids`, by id (customers are left out: their presence is nobody's business).
pub async fn of_people(conn: &mut PgConnection, ids: &[i64]) -> AppResult<Vec<StaffPresence>> {
    let sql = format!("{PRESENCE_SELECT} AND u.id = ANY($1) ORDER BY u.id");
    let rows: Vec<PresenceRow> = sqlx::query_as(&sql).bind(ids).fetch_all(conn).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Locks the people's presence for the rest of the transaction (in a fixed order, before any room
/// lock) and reads it as it is before a change.
pub async fn before_change(conn: &mut PgConnection, ids: &[i64]) -> AppResult<Vec<StaffPresence>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query(
        "SELECT pg_advisory_xact_lock(k) FROM (
             SELECT DISTINCT hashtextextended('staff:' || u, 0) AS k FROM unnest($1::BIGINT[]) AS x(u) ORDER BY k) AS keys",
    )
    .bind(ids)
    .execute(&mut *conn)
    .await?;
    of_people(conn, ids).await
}

/// Those of `before` whose status is different now: what to announce.
pub async fn changed_since(conn: &mut PgConnection, before: &[StaffPresence]) -> AppResult<Vec<StaffPresence>> {
    if before.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = before.iter().map(|p| p.user_id).collect();
    let after = of_people(conn, &ids).await?;
    Ok(after.into_iter().filter(|now| before.iter().any(|then| then.user_id == now.user_id && then.status != now.status)).collect())
}

/// Sets whether `user` appears away. Returns their presence and, if it changed, the announcement (already sent to the other nodes when this commits).
pub async fn set_appear_away(pool: &PgPool, origin: i64, user: &User, away: bool) -> AppResult<(StaffPresence, Vec<StaffPresence>)> {
    let mut tx = pool.begin().await?;
    let before = before_change(&mut tx, &[user.id]).await?;
    sqlx::query("UPDATE users SET appear_away = $2 WHERE id = $1").bind(user.id).bind(away).execute(&mut *tx).await?;
    let now = of_people(&mut tx, &[user.id]).await?.pop().ok_or_else(crate::error::AppError::forbidden)?;
    // Announced even when the status stays (away because every tab is idle): the choice shows too.
    let changed = if before.first() == Some(&now) { Vec::new() } else { vec![now.clone()] };
    crate::live::outbox::notify_staff(&mut tx, origin, &changed).await?;
    tx.commit().await?;
    Ok((now, changed))
}
