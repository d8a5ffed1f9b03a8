//! Every SQL statement touching `attachments`.

use sqlx::{PgConnection, PgPool};

use super::store::Stored;
use crate::domain::account::User;
use crate::domain::attachment::Attachment;
use crate::error::{AppError, AppResult, ErrorCode, Problem};

const COLUMNS: &str = "a.id, a.token, a.name, a.size_bytes, a.content_type, a.has_thumbnail";

/// Stores an upload's row, unless this person already has `max_unsent` files waiting to be sent:
/// the count and the insert happen under one per-person lock, so uploads racing each other cannot
/// all pass a count taken before any of them was stored.
pub async fn insert_within_cap(
    pool: &PgPool,
    uploader: &User,
    ticket_id: Option<i64>,
    name: &str,
    stored: &Stored,
    has_thumbnail: bool,
    max_unsent: i64,
) -> AppResult<Attachment> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('uploads:' || $1, 0))").bind(uploader.id).execute(&mut *tx).await?;
    let unsent: i64 = sqlx::query_scalar("SELECT count(*) FROM attachments WHERE uploaded_by = $1 AND message_id IS NULL")
        .bind(uploader.id)
        .fetch_one(&mut *tx)
        .await?;
    if unsent >= max_unsent {
        return Err(AppError::new(ErrorCode::TooManyRequests, Problem::TooManyUnsentFiles { max: max_unsent }));
    }
    let attachment = insert(&mut tx, uploader, ticket_id, name, stored, has_thumbnail).await?;
    tx.commit().await?;
    Ok(attachment)
}

async fn insert(conn: &mut PgConnection, uploader: &User, ticket_id: Option<i64>, name: &str, stored: &Stored, has_thumbnail: bool) -> AppResult<Attachment> {
    let token = hex::encode(rand::random::<[u8; 16]>());
    let sql = format!(
        "INSERT INTO attachments AS a (token, ticket_id, uploaded_by, name, size_bytes, content_type, sha256, has_thumbnail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    );
    Ok(sqlx::query_as::<_, Attachment>(&sql)
        .bind(token)
        .bind(ticket_id)
        .bind(uploader.id)
        .bind(name)
        .bind(stored.size_bytes as i64)
        .bind(stored.content_type)
        .bind(&stored.sha256)
        .bind(has_thumbnail)
        .fetch_one(conn)
        .await?)
}

/// How many files this person has uploaded and not sent yet, after forgetting those left unsent
/// for over an hour (a composer closed without sending). Their bytes stay in the store: other
/// rows may share them (content addressing).
pub async fn count_unsent(pool: &PgPool, uploader: &User) -> AppResult<i64> {
    sqlx::query("DELETE FROM attachments WHERE uploaded_by = $1 AND message_id IS NULL AND created_at < now() - interval '1 hour'")
        .bind(uploader.id)
        .execute(pool)
        .await?;
    Ok(sqlx::query_scalar("SELECT count(*) FROM attachments WHERE uploaded_by = $1 AND message_id IS NULL")
        .bind(uploader.id)
        .fetch_one(pool)
        .await?)
}

/// Those of `ids` that this person uploaded and has not sent yet (a refused form's files).
pub async fn unsent_of(pool: &PgPool, uploader: &User, ids: &[i64]) -> AppResult<Vec<Attachment>> {
    let sql = format!("SELECT {COLUMNS} FROM attachments a WHERE a.uploaded_by = $1 AND a.message_id IS NULL AND a.id = ANY($2) ORDER BY a.id");
    Ok(sqlx::query_as::<_, Attachment>(&sql).bind(uploader.id).bind(ids).fetch_all(pool).await?)
}

/// An attachment with where its bytes are, for serving them.
#[derive(sqlx::FromRow)]
pub struct StoredAttachment {
    #[sqlx(flatten)]
    pub attachment: Attachment,
    pub sha256: String,
}

/// The attachment behind a link, when `viewer` may see it: its ticket is visible to them (the same
/// rule as the ticket itself), and a file not yet sent is its uploader's alone.
pub async fn find_for_viewer(pool: &PgPool, viewer: &User, token: &str) -> AppResult<Option<StoredAttachment>> {
    let sql = format!(
        "SELECT {COLUMNS}, a.sha256 FROM attachments a LEFT JOIN tickets t ON t.id = a.ticket_id
         WHERE a.token = $1
           AND CASE WHEN a.message_id IS NULL THEN a.uploaded_by = $2 ELSE $3 OR t.created_by_user_id = $2 END"
    );
    Ok(sqlx::query_as::<_, StoredAttachment>(&sql).bind(token).bind(viewer.id).bind(viewer.role.is_staff()).fetch_optional(pool).await?)
}

/// A file uploaded but not sent yet, locked until the sending transaction ends.
#[derive(sqlx::FromRow)]
pub struct Upload {
    #[sqlx(flatten)]
    pub attachment: Attachment,
    /// None: for a ticket not opened yet.
    pub ticket_id: Option<i64>,
    pub uploaded_by: i64,
}

pub async fn lock_uploads(conn: &mut PgConnection, ids: &[i64]) -> AppResult<Vec<Upload>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {COLUMNS}, a.ticket_id, a.uploaded_by FROM attachments a WHERE a.id = ANY($1) AND a.message_id IS NULL FOR UPDATE");
    Ok(sqlx::query_as::<_, Upload>(&sql).bind(ids).fetch_all(conn).await?)
}

/// Gives messages their files: `(attachment id, message id)` pairs, all checked and locked (files
/// uploaded for a ticket being opened take the message's ticket too).
pub async fn link_to_messages(conn: &mut PgConnection, links: &[(i64, i64)]) -> AppResult<()> {
    if links.is_empty() {
        return Ok(());
    }
    let (attachments, messages): (Vec<i64>, Vec<i64>) = links.iter().copied().unzip();
    sqlx::query(
        "UPDATE attachments a SET message_id = v.m, ticket_id = m.ticket_id
         FROM unnest($1::BIGINT[], $2::BIGINT[]) AS v(a, m) JOIN ticket_messages m ON m.id = v.m
         WHERE a.id = v.a",
    )
    .bind(&attachments)
    .bind(&messages)
    .execute(conn)
    .await?;
    Ok(())
}

pub fn not_yours() -> AppError {
    AppError::invalid("attachment_ids", Problem::AttachmentsNotYours)
}

/// The files of these messages, by message id, in upload order.
pub async fn for_messages<'e>(executor: impl sqlx::PgExecutor<'e>, message_ids: &[i64]) -> AppResult<Vec<(i64, Attachment)>> {
    if message_ids.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(sqlx::FromRow)]
    struct Row {
        message_id: i64,
        #[sqlx(flatten)]
        attachment: Attachment,
    }
    let sql = format!("SELECT a.message_id, {COLUMNS} FROM attachments a WHERE a.message_id = ANY($1) ORDER BY a.id");
    let rows = sqlx::query_as::<_, Row>(&sql).bind(message_ids).fetch_all(executor).await?;
    Ok(rows.into_iter().map(|row| (row.message_id, row.attachment)).collect())
}
