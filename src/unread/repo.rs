//! Read-cursor SQL: moving a cursor (announced to the person's other sockets on every node), and
//! the navigation's summary. The unread count every ticket query carries is the tickets repo's
//! (`crate::tickets::repo::push_unread_count`).

use sqlx::{PgPool, QueryBuilder};

use crate::domain::account::{Role, User};
use crate::domain::unread::{ReadState, TicketUnread, UnreadSummary};
use crate::error::{AppError, AppResult, Problem};
use crate::tickets::repo::push_unread_count;

/// Moves `viewer`'s cursor on a ticket they may see forward to `seq` (never back; at most the
/// ticket's newest seq). A move is announced to the viewer's sockets on every node.
pub async fn mark_read(pool: &PgPool, viewer: &User, ticket_id: i64, seq: i64) -> AppResult<ReadState> {
    if seq < 0 {
        return Err(AppError::invalid("seq", Problem::SeqNegative));
    }
    let mut tx = pool.begin().await?;
    let mut visible = QueryBuilder::new("SELECT t.last_seq FROM tickets t WHERE t.id = ");
    visible.push_bind(ticket_id).push(" AND");
    crate::tickets::repo::push_visibility(&mut visible, viewer);
    let last_seq: i64 = visible.build_query_scalar().fetch_optional(&mut *tx).await?.ok_or_else(crate::tickets::repo::not_found)?;
    let moved: Option<i64> = sqlx::query_scalar(
        "INSERT INTO ticket_reads (user_id, ticket_id, last_read_seq) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, ticket_id) DO UPDATE SET last_read_seq = EXCLUDED.last_read_seq, read_at = now()
             WHERE ticket_reads.last_read_seq < EXCLUDED.last_read_seq
         RETURNING last_read_seq",
    )
    .bind(viewer.id)
    .bind(ticket_id)
    .bind(seq.min(last_seq))
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(seq) = moved {
        crate::live::outbox::announce_read(&mut tx, viewer.id, ticket_id, seq).await?;
    }
    let mut state = QueryBuilder::new("SELECT r.last_read_seq, un.unread FROM tickets t JOIN ticket_reads r ON r.ticket_id = t.id AND r.user_id = ");
    state.push_bind(viewer.id).push(" CROSS JOIN LATERAL (");
    push_unread_count(&mut state, viewer.id);
    state.push(") un WHERE t.id = ").push_bind(ticket_id);
    let (last_read_seq, unread): (i64, i64) = state.build_query_as().fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(ReadState { ticket_id, last_read_seq, unread, last_seq })
}

/// The viewer's open tickets with their unread counts: their own (customers) or those assigned
/// to them (staff).
pub async fn summary(pool: &PgPool, viewer: &User) -> AppResult<UnreadSummary> {
    let mine = match viewer.role {
        Role::User => "t.created_by_user_id = ",
        Role::Agent | Role::Admin => "t.assigned_agent_id = ",
        Role::System => return Ok(UnreadSummary::default()),
    };
    let mut query = QueryBuilder::new("SELECT t.id, un.unread, t.last_seq FROM tickets t CROSS JOIN LATERAL (");
    push_unread_count(&mut query, viewer.id);
    query.push(") un WHERE t.status <> 'closed' AND ").push(mine).push_bind(viewer.id).push(" ORDER BY t.updated_at DESC LIMIT 100");
    let rows: Vec<(i64, i64, i64)> = query.build_query_as().fetch_all(pool).await?;
    let tickets: Vec<TicketUnread> = rows.into_iter().map(|(ticket_id, unread, last_seq)| TicketUnread { ticket_id, unread, last_seq }).collect();
    Ok(UnreadSummary { total: tickets.iter().map(|t| t.unread).sum(), tickets })
}
