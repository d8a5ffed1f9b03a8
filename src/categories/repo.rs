//! Category SQL. Server only.

use sqlx::{PgExecutor, PgPool, Postgres, Transaction};

use crate::audit::model::{AuditAction, FieldChange};
use crate::domain::account::User;
use crate::domain::category::{Category, CategoryInput};
use crate::error::{AppError, AppResult, ErrorCode, Problem};

const COLUMNS: &str = "c.id, c.name, c.description, c.default_message, c.default_agent_id,
    a.display_name AS default_agent_name, c.is_active, c.position";

/// In the admins' order; inactive ones too when asked.
pub async fn list(pool: &PgPool, include_inactive: bool) -> AppResult<Vec<Category>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM categories c LEFT JOIN users a ON a.id = c.default_agent_id
         WHERE $1 OR c.is_active ORDER BY c.position, c.id"
    );
    Ok(sqlx::query_as::<_, Category>(&sql).bind(include_inactive).fetch_all(pool).await?)
}

pub async fn find<'e>(conn: impl PgExecutor<'e>, id: i64) -> AppResult<Option<Category>> {
    let sql = format!("SELECT {COLUMNS} FROM categories c LEFT JOIN users a ON a.id = c.default_agent_id WHERE c.id = $1");
    Ok(sqlx::query_as::<_, Category>(&sql).bind(id).fetch_optional(conn).await?)
}

/// The fields of a category the audit log compares (an empty text counts as none).
fn audited_fields(category: Option<&Category>) -> [(&'static str, Option<String>); 4] {
    let text = |text: &String| Some(text.clone()).filter(|t| !t.is_empty());
    [
        ("name", category.and_then(|c| text(&c.name))),
        ("description", category.and_then(|c| text(&c.description))),
        ("default_message", category.and_then(|c| text(&c.default_message))),
        ("default_agent", category.and_then(|c| c.default_agent_name.clone())),
    ]
}

/// Records what changed between `before` (none: created) and `after`, if anything did.
async fn audit(conn: &mut sqlx::PgConnection, actor: &User, action: AuditAction, before: Option<&Category>, after: &Category) -> AppResult<()> {
    let changes: Vec<FieldChange> = audited_fields(before)
        .into_iter()
        .zip(audited_fields(Some(after)))
        .filter(|((_, old), (_, new))| old != new)
        .map(|((field, old), (_, new))| FieldChange::new(field, old, new))
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    crate::audit::repo::record(conn, Some(actor), action, Some(after.id), &after.name, &changes).await
}

pub async fn create(pool: &PgPool, actor: &User, input: &CategoryInput) -> AppResult<Category> {
    let mut tx = pool.begin().await?;
    check_default_agent(&mut tx, input.default_agent_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO categories (name, description, default_message, default_agent_id, position)
         VALUES ($1, $2, $3, $4, (SELECT coalesce(max(position), 0) + 1 FROM categories)) RETURNING id",
    )
    .bind(&input.name)
    .bind(&input.description)
    .bind(&input.default_message)
    .bind(input.default_agent_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(name_taken)?;
    let created = find(&mut *tx, id).await?.ok_or_else(AppError::internal)?;
    audit(&mut tx, actor, AuditAction::CategoryCreated, None, &created).await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn update(pool: &PgPool, actor: &User, id: i64, input: &CategoryInput) -> AppResult<Option<Category>> {
    let mut tx = pool.begin().await?;
    check_default_agent(&mut tx, input.default_agent_id).await?;
    let before = find(&mut *tx, id).await?;
    let updated = sqlx::query(
        "UPDATE categories SET name = $2, description = $3, default_message = $4, default_agent_id = $5, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(&input.name)
    .bind(&input.description)
    .bind(&input.default_message)
    .bind(input.default_agent_id)
    .execute(&mut *tx)
    .await
    .map_err(name_taken)?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    let after = find(&mut *tx, id).await?.ok_or_else(AppError::internal)?;
    audit(&mut tx, actor, AuditAction::CategoryUpdated, before.as_ref(), &after).await?;
    tx.commit().await?;
    Ok(Some(after))
}

pub async fn set_active(pool: &PgPool, actor: &User, id: i64, active: bool) -> AppResult<Option<Category>> {
    let mut tx = pool.begin().await?;
    let before: Option<bool> = sqlx::query_scalar("SELECT is_active FROM categories WHERE id = $1 FOR UPDATE").bind(id).fetch_optional(&mut *tx).await?;
    let Some(before) = before else { return Ok(None) };
    sqlx::query("UPDATE categories SET is_active = $2, updated_at = now() WHERE id = $1").bind(id).bind(active).execute(&mut *tx).await?;
    let after = find(&mut *tx, id).await?.ok_or_else(AppError::internal)?;
    if before != active {
        let state = |active: bool| if active { "active" } else { "inactive" };
        let change = FieldChange::new("state", Some(state(before)), Some(state(active)));
        crate::audit::repo::record(&mut tx, Some(actor), AuditAction::CategoryActive, Some(id), &after.name, &[change]).await?;
    }
    tx.commit().await?;
    Ok(Some(after))
}

/// Swaps a category with its neighbour before (`up`) or after it; at either end nothing moves.
/// The table is locked for the swap, so two admins reordering at once cannot lose a position.
pub async fn move_category(pool: &PgPool, actor: &User, id: i64, up: bool) -> AppResult<Option<Vec<Category>>> {
    let mut tx = pool.begin().await?;
    sqlx::query("LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
    let ordered: Vec<(i64, i32)> = sqlx::query_as("SELECT id, position FROM categories ORDER BY position, id")
        .fetch_all(&mut *tx)
        .await?;
    let Some(index) = ordered.iter().position(|(found, _)| *found == id) else { return Ok(None) };
    let neighbour = if up { index.checked_sub(1) } else { Some(index + 1).filter(|i| *i < ordered.len()) };
    if let Some(other) = neighbour {
        // Positions are rewritten densely, so equal positions from the past cannot stall a move.
        let mut ids: Vec<i64> = ordered.iter().map(|(id, _)| *id).collect();
        ids.swap(index, other);
        sqlx::query(
            "UPDATE categories c SET position = o.position, updated_at = now()
             FROM unnest($1::BIGINT[]) WITH ORDINALITY AS o(id, position) WHERE c.id = o.id AND c.position <> o.position",
        )
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
        let name: String = sqlx::query_scalar("SELECT name FROM categories WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        let change = FieldChange::new("position", Some((index + 1).to_string()), Some((other + 1).to_string()));
        crate::audit::repo::record(&mut tx, Some(actor), AuditAction::CategoryMoved, Some(id), &name, &[change]).await?;
    }
    tx.commit().await?;
    Ok(Some(list(pool, true).await?))
}

/// A category's default agent must be an active agent (admins do not take tickets).
async fn check_default_agent(tx: &mut Transaction<'_, Postgres>, agent_id: Option<i64>) -> AppResult<()> {
    match agent_id {
        Some(agent_id) if !crate::auth::repo::lock_active_agent(tx, agent_id).await? => {
            Err(AppError::invalid("default_agent_id", Problem::DefaultAgentInactive))
        }
        _ => Ok(()),
    }
}

fn name_taken(err: sqlx::Error) -> AppError {
    match &err {
        sqlx::Error::Database(db) if db.constraint() == Some("categories_name_idx") => {
            AppError::new(ErrorCode::Conflict, Problem::CategoryNameTaken).on_field("name")
        }
        _ => err.into(),
    }
}
