//! Every SQL statement touching `ticket_notes`. Nothing here is reachable by a customer: the
//! server functions and the socket check the role before calling in.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::account::User;
use crate::domain::note::Note;
use crate::domain::ticket::PersonRef;
use crate::error::{AppError, AppResult, Problem};

const NOTE_SELECT: &str = "
    SELECT n.id, n.ticket_id, n.note_seq, n.after_seq, n.client_id, n.author_user_id,
           u.display_name AS author_name, u.email AS author_email, n.content, n.created_at
    FROM ticket_notes n JOIN users u ON u.id = n.author_user_id";

#[derive(sqlx::FromRow)]
struct NoteRow {
    id: i64,
    ticket_id: i64,
    note_seq: i64,
    after_seq: i64,
    client_id: String,
    author_user_id: i64,
    author_name: String,
    author_email: String,
    content: String,
    created_at: DateTime<Utc>,
}

impl From<NoteRow> for Note {
    fn from(r: NoteRow) -> Self {
        Note {
            id: r.id,
            ticket_id: r.ticket_id,
            note_seq: r.note_seq,
            after_seq: r.after_seq,
            client_id: r.client_id,
            author: PersonRef { id: r.author_user_id, display_name: r.author_name, email: r.author_email },
            content: r.content,
            created_at: r.created_at,
        }
    }
}

/// Adds `author`'s note to a ticket, after its newest timeline entry, and announces it when it
/// commits. The same `client_id` again returns the original note and stores nothing.
pub async fn add_note(pool: &PgPool, author: &User, ticket_id: i64, client_id: &str, content: &str) -> AppResult<Note> {
    if !author.role.is_staff() {
        return Err(AppError::forbidden());
    }
    let content = crate::chat::repo::validate_message(client_id, content, &[])?;
    let mut tx = pool.begin().await?;
    let last_seq: Option<i64> = sqlx::query_scalar("SELECT last_seq FROM tickets WHERE id = $1").bind(ticket_id).fetch_optional(&mut *tx).await?;
    let Some(last_seq) = last_seq else { return Err(crate::tickets::repo::not_found()) };
    // Notes of one ticket are numbered one at a time; the timeline's row lock is not needed.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('note:' || $1, 0))").bind(ticket_id).execute(&mut *tx).await?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO ticket_notes (ticket_id, note_seq, after_seq, author_user_id, client_id, content)
         SELECT $1, COALESCE(max(note_seq), 0) + 1, $2, $3, $4, $5 FROM ticket_notes WHERE ticket_id = $1
         ON CONFLICT (author_user_id, client_id) DO NOTHING RETURNING note_seq",
    )
    .bind(ticket_id)
    .bind(last_seq)
    .bind(author.id)
    .bind(client_id)
    .bind(&content)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(note_seq) = inserted {
        crate::live::outbox::announce_note(&mut tx, ticket_id, note_seq).await?;
    }
    let sql = format!("{NOTE_SELECT} WHERE n.author_user_id = $1 AND n.client_id = $2");
    let note: Note = sqlx::query_as::<_, NoteRow>(&sql).bind(author.id).bind(client_id).fetch_one(&mut *tx).await?.into();
    tx.commit().await?;
    if note.ticket_id != ticket_id {
        return Err(AppError::invalid("client_id", Problem::ClientIdReused));
    }
    Ok(note)
}

/// A ticket's notes after `after_note_seq`, oldest first, at most `limit`.
pub async fn notes_after(pool: &PgPool, ticket_id: i64, after_note_seq: i64, limit: i64) -> AppResult<Vec<Note>> {
    let sql = format!("{NOTE_SELECT} WHERE n.ticket_id = $1 AND n.note_seq > $2 ORDER BY n.note_seq LIMIT $3");
    let rows: Vec<NoteRow> = sqlx::query_as(&sql).bind(ticket_id).bind(after_note_seq).bind(limit).fetch_all(pool).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The announced notes, by (ticket, note_seq), in one query.
pub async fn notes_at(pool: &PgPool, keys: &[(i64, i64)]) -> AppResult<Vec<Note>> {
    let (tickets, seqs): (Vec<i64>, Vec<i64>) = keys.iter().copied().unzip();
    let sql = format!(
        "{NOTE_SELECT} JOIN unnest($1::BIGINT[], $2::BIGINT[]) AS k(t, s) ON n.ticket_id = k.t AND n.note_seq = k.s ORDER BY n.ticket_id, n.note_seq"
    );
    let rows: Vec<NoteRow> = sqlx::query_as(&sql).bind(tickets).bind(seqs).fetch_all(pool).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}
