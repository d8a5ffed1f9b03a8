//! Every SQL statement touching `users`, `sessions` and `login_failures`.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::admin::model::Account;
use crate::audit::model::{AuditAction, FieldChange};
use crate::domain::account::{Role, User};
use crate::error::{AppError, AppResult, ErrorCode, Problem};

const USER_COLUMNS: &str = "id, email, display_name, role, is_active, created_at";

/// A user row with its password hash, for login only.
#[derive(sqlx::FromRow)]
pub struct UserWithHash {
    #[sqlx(flatten)]
    pub user: User,
    pub password_hash: String,
}

pub async fn insert_user(
    pool: &PgPool,
    email: &str,
    display_name: &str,
    password_hash: &str,
    role: Role,
) -> AppResult<User> {
    let sql = format!(
        "INSERT INTO users (email, display_name, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING {USER_COLUMNS}"
    );
    sqlx::query_as::<_, User>(&sql)
        .bind(email)
        .bind(display_name)
        .bind(password_hash)
        .bind(role)
        .fetch_one(pool)
        .await
        .map_err(|err| match &err {
            sqlx::Error::Database(db) if db.constraint() == Some("users_email_lower_key") => AppError::new(ErrorCode::Conflict, Problem::EmailTaken).on_field("email"),
            _ => err.into(),
        })
}

pub async fn find_user_by_email(pool: &PgPool, email: &str) -> AppResult<Option<UserWithHash>> {
    let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)");
    Ok(sqlx::query_as::<_, UserWithHash>(&sql).bind(email).fetch_optional(pool).await?)
}

/// Sets role and, when given, a new password; reactivates the account.
pub async fn update_staff(pool: &PgPool, user_id: i64, role: Role, password_hash: Option<&str>) -> AppResult<User> {
    let sql = format!(
        "UPDATE users SET role = $2, password_hash = COALESCE($3, password_hash), is_active = TRUE, updated_at = now()
         WHERE id = $1 RETURNING {USER_COLUMNS}"
    );
    Ok(sqlx::query_as::<_, User>(&sql).bind(user_id).bind(role).bind(password_hash).fetch_one(pool).await?)
}

/// What an admin changes about an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange {
    Role(Role),
    Active(bool),
}

/// Changes a role or activity in one transaction that holds the locks of every active admin, so
/// two admins demoting each other at once cannot leave none (the second one gets `conflict`).
/// Deactivating ends the person's sessions; every node hears of the change from a notice sent
/// inside the transaction, so a committed change is never left unannounced. `None`: no such user.
pub async fn change_account(pool: &PgPool, actor: &User, user_id: i64, change: AccountChange) -> AppResult<Option<User>> {
    let mut tx = pool.begin().await?;
    let admins: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' AND is_active ORDER BY id FOR UPDATE").fetch_all(&mut *tx).await?;
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE");
    // MyRelay's own account is nobody's to change: as good as not there.
    let Some(target) = sqlx::query_as::<_, User>(&sql).bind(user_id).fetch_optional(&mut *tx).await?.filter(|u| u.role != Role::System)
    else {
        return Ok(None);
    };
    let stays_admin = match change {
        AccountChange::Role(role) => role == Role::Admin && target.is_active,
        AccountChange::Active(active) => target.role == Role::Admin && active,
    };
    if admins.contains(&target.id) && !stays_admin && admins.len() <= 1 {
        return Err(AppError::new(ErrorCode::Conflict, Problem::LastAdmin));
    }
    let sql = format!(
        "UPDATE users SET role = COALESCE($2, role), is_active = COALESCE($3, is_active), updated_at = now()
         WHERE id = $1 RETURNING {USER_COLUMNS}"
    );
    let (role, active) = match change {
        AccountChange::Role(role) => (Some(role), None),
        AccountChange::Active(active) => (None, Some(active)),
    };
    let updated = sqlx::query_as::<_, User>(&sql).bind(user_id).bind(role).bind(active).fetch_one(&mut *tx).await?;
    if active == Some(false) {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    }
    crate::live::outbox::announce_user_changed(&mut tx, user_id).await?;
    let (action, change) = match change {
        AccountChange::Role(role) => (AuditAction::UserRole, FieldChange::new("role", Some(target.role.as_str()), Some(role.as_str()))),
        AccountChange::Active(active) => {
            let state = |active: bool| if active { "active" } else { "inactive" };
            (AuditAction::UserActive, FieldChange::new("state", Some(state(target.is_active)), Some(state(active))))
        }
    };
    if change.before != change.after {
        crate::audit::repo::record(&mut tx, Some(actor), action, Some(user_id), &person_label(&target), &[change]).await?;
    }
    tx.commit().await?;
    Ok(Some(updated))
}

pub async fn insert_session(pool: &PgPool, token_hash: &[u8], user_id: i64, expires_at: DateTime<Utc>) -> AppResult<()> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(user_id)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(())
}

/// The live session's user and when it was last used; `None` when expired, unknown or deactivated.
pub async fn find_session_user(pool: &PgPool, token_hash: &[u8]) -> AppResult<Option<(User, DateTime<Utc>)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        last_used_at: DateTime<Utc>,
    }
    let row = sqlx::query_as::<_, Row>(
        "SELECT u.id, u.email, u.display_name, u.role, u.is_active, u.created_at, s.last_used_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > now() AND u.is_active",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| (row.user, row.last_used_at)))
}

pub async fn touch_session(pool: &PgPool, token_hash: &[u8], expires_at: DateTime<Utc>) -> AppResult<()> {
    sqlx::query("UPDATE sessions SET last_used_at = now(), expires_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_session(pool: &PgPool, token_hash: &[u8]) -> AppResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
    Ok(())
}

/// Failed logins within `window_minutes`, for this account and for this client address.
pub async fn count_recent_failures(pool: &PgPool, email: &str, client_addr: &str, window_minutes: i32) -> AppResult<(i64, i64)> {
    Ok(sqlx::query_as::<_, (i64, i64)>(
        "SELECT count(*) FILTER (WHERE lower(email) = lower($1)), count(*) FILTER (WHERE client_addr = $2)
         FROM login_failures
         WHERE attempted_at > now() - make_interval(mins => $3) AND (lower(email) = lower($1) OR client_addr = $2)",
    )
    .bind(email)
    .bind(client_addr)
    .bind(window_minutes)
    .fetch_one(pool)
    .await?)
}

pub async fn record_failure(pool: &PgPool, email: &str, client_addr: &str) -> AppResult<()> {
    sqlx::query("INSERT INTO login_failures (email, client_addr) VALUES ($1, $2)")
        .bind(email)
        .bind(client_addr)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn clear_failures(pool: &PgPool, email: &str) -> AppResult<()> {
    sqlx::query("DELETE FROM login_failures WHERE lower(email) = lower($1)").bind(email).execute(pool).await?;
    Ok(())
}

/// Which of these session token hashes still open a session (not logged out, not expired, the
/// account active): every socket of a node checked in one query.
pub async fn valid_session_hashes(pool: &PgPool, token_hashes: &[&[u8]]) -> AppResult<std::collections::HashSet<Vec<u8>>> {
    let valid: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT s.token_hash FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ANY($1) AND s.expires_at > now() AND u.is_active",
    )
    .bind(token_hashes)
    .fetch_all(pool)
    .await?;
    Ok(valid.into_iter().collect())
}

/// Housekeeping: drops expired sessions and old failure records.
pub async fn delete_stale_rows(pool: &PgPool) -> AppResult<()> {
    sqlx::query("DELETE FROM sessions WHERE expires_at < now()").execute(pool).await?;
    sqlx::query("DELETE FROM login_failures WHERE attempted_at < now() - interval '1 day'").execute(pool).await?;
    Ok(())
}

/// Accounts, oldest first, keyset-paged by id; `role` narrows to one role.
/// Accounts in id order; `search` matches a part of the name or email, case-insensitively.
/// The columns of an [`Account`]: `u` is the person, `r` their responsible agent (left-joined).
const ACCOUNT_COLUMNS: &str = "u.id, u.email, u.display_name, u.role, u.is_active, u.created_at,
    u.responsible_agent_id, r.display_name AS responsible_agent_name, presence_status(u.id, u.appear_away) AS presence";

pub async fn list_users(pool: &PgPool, role: Option<Role>, search: Option<&str>, after_id: Option<i64>, limit: i64) -> AppResult<Vec<Account>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM users u LEFT JOIN users r ON r.id = u.responsible_agent_id
         WHERE u.role <> 'system' AND ($1::user_role IS NULL OR u.role = $1) AND ($2::BIGINT IS NULL OR u.id > $2)
           AND ($4::TEXT IS NULL OR strpos(lower(u.display_name), lower($4)) > 0 OR strpos(lower(u.email), lower($4)) > 0)
         ORDER BY u.id LIMIT $3"
    );
    Ok(sqlx::query_as::<_, Account>(&sql).bind(role).bind(after_id).bind(limit).bind(search).fetch_all(pool).await?)
}

/// Locks an agent's row while they are an active agent (so they stay one until the caller
/// commits); false when they are not: only active agents take tickets (admins do not).
pub async fn lock_active_agent(conn: &mut sqlx::PgConnection, agent_id: i64) -> AppResult<bool> {
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM users WHERE id = $1 AND role = 'agent' AND is_active FOR SHARE")
        .bind(agent_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// Sets (or with `None` clears) who answers a person's tickets. `None` back: no such person
/// (MyRelay's own account included).
pub async fn set_responsible_agent(pool: &PgPool, actor: &User, user_id: i64, agent_id: Option<i64>) -> AppResult<Option<Account>> {
    let mut tx = pool.begin().await?;
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users u LEFT JOIN users r ON r.id = u.responsible_agent_id WHERE u.id = $1 FOR NO KEY UPDATE OF u");
    let Some(before) = sqlx::query_as::<_, Account>(&sql).bind(user_id).fetch_optional(&mut *tx).await? else { return Ok(None) };
    if let Some(agent_id) = agent_id {
        if agent_id == user_id {
            return Err(AppError::invalid("agent_id", Problem::OwnResponsibleAgent));
        }
        if !lock_active_agent(&mut tx, agent_id).await? {
            return Err(AppError::invalid("agent_id", Problem::ResponsibleAgentInactive));
        }
    }
    let changed = sqlx::query("UPDATE users SET responsible_agent_id = $2, updated_at = now() WHERE id = $1 AND role <> 'system'")
        .bind(user_id)
        .bind(agent_id)
        .execute(&mut *tx)
        .await?;
    if changed.rows_affected() == 0 {
        return Ok(None);
    }
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users u LEFT JOIN users r ON r.id = u.responsible_agent_id WHERE u.id = $1");
    let account = sqlx::query_as::<_, Account>(&sql).bind(user_id).fetch_one(&mut *tx).await?;
    if before.responsible_agent_id != account.responsible_agent_id {
        let change = FieldChange::new("responsible_agent", before.responsible_agent_name, account.responsible_agent_name.clone());
        crate::audit::repo::record(&mut tx, Some(actor), AuditAction::UserResponsibleAgent, Some(user_id), &person_label(&account.user), &[change]).await?;
    }
    tx.commit().await?;
    Ok(Some(account))
}

/// How the audit log names a person: "Name <email>".
fn person_label(user: &User) -> String {
    format!("{} <{}>", user.display_name, user.email)
}

/// The agent who takes a person's new tickets: their responsible agent while an active agent.
/// Locked like [`lock_active_agent`], inside the creating transaction.
pub async fn responsible_agent_of(conn: &mut sqlx::PgConnection, user_id: i64) -> AppResult<Option<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.display_name FROM users u JOIN users a ON a.id = u.responsible_agent_id
         WHERE u.id = $1 AND a.role = 'agent' AND a.is_active FOR SHARE OF a",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

/// MyRelay's own account (made by a migration), the actor of what nobody did by hand.
pub async fn system_account(conn: &mut sqlx::PgConnection) -> AppResult<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE role = 'system' ORDER BY id LIMIT 1");
    Ok(sqlx::query_as::<_, User>(&sql).fetch_one(conn).await?)
}

/// The language of a person's mails (`en`, `es`).
pub async fn set_language(pool: &PgPool, user_id: i64, code: &str) -> AppResult<()> {
    sqlx::query("UPDATE users SET language = $2 WHERE id = $1 AND language <> $2").bind(user_id).bind(code).execute(pool).await?;
    Ok(())
}

pub async fn find_user(pool: &PgPool, id: i64) -> AppResult<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(sqlx::query_as::<_, User>(&sql).bind(id).fetch_optional(pool).await?)
}

/// Account counts per role, in `Role::ALL` order.
pub async fn count_by_role(pool: &PgPool) -> AppResult<[i64; 3]> {
    let (users, agents, admins): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE role = 'user'), count(*) FILTER (WHERE role = 'agent'),
                count(*) FILTER (WHERE role = 'admin')
         FROM users",
    )
    .fetch_one(pool)
    .await?;
    Ok([users, agents, admins])
}
