//! The search query: tickets and messages matching `websearch_to_tsquery`, inside the viewer's
//! visibility, best match first. Ranking reads only the matching rows' vectors; snippets
//! (`ts_headline`, the costly part) are made for the page's rows only.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::model::{HitKind, MARK_END, MARK_START, SearchHit, snippet_parts};
use crate::auth::model::User;
use crate::error::{AppError, AppResult};
use crate::tickets::model::{Page, TicketStatus, title_of};
use crate::tickets::repo::push_visibility;

#[derive(sqlx::FromRow)]
struct HitRow {
    kind_order: i32,
    ticket_id: i64,
    seq: i64,
    rank: f32,
    at: DateTime<Utc>,
    subject: Option<String>,
    description: String,
    status: TicketStatus,
    sender_name: Option<String>,
    headline: String,
}

/// A cursor names the last hit of a page: rank, kind (1 ticket, 0 message), ticket, seq.
fn encode_cursor(hit: &SearchHit) -> String {
    let kind_order = if hit.kind == HitKind::Ticket { 1 } else { 0 };
    format!("{}_{kind_order}_{}_{}", hit.rank, hit.ticket_id, hit.seq.unwrap_or(0))
}

fn decode_cursor(cursor: &str) -> AppResult<(f32, i32, i64, i64)> {
    let invalid = || AppError::invalid("cursor", "The page cursor is not valid; start from the first page.");
    let parts: Vec<&str> = cursor.split('_').collect();
    let [rank, kind, ticket, seq] = parts[..] else { return Err(invalid()) };
    let rank: f32 = rank.parse().map_err(|_| invalid())?;
    if !rank.is_finite() {
        return Err(invalid());
    }
    Ok((rank, kind.parse().map_err(|_| invalid())?, ticket.parse().map_err(|_| invalid())?, seq.parse().map_err(|_| invalid())?))
}

/// Hits for `text` that `viewer` may see, best match first (then tickets before messages, newest
/// ticket first), keyset-paged.
pub async fn search(pool: &PgPool, viewer: &User, text: &str, cursor: Option<&str>, limit: i64) -> AppResult<Page<SearchHit>> {
    let mut query = QueryBuilder::<Postgres>::new("WITH q AS (SELECT websearch_to_tsquery('english', ");
    query.push_bind(text.to_owned());
    query.push(
        ") AS q), page AS (SELECT * FROM (
            SELECT 1 AS kind_order, t.id AS ticket_id, 0::BIGINT AS seq, ts_rank(t.search, q.q) AS rank, NULL::BIGINT AS message_id
            FROM tickets t, q WHERE t.search @@ q.q AND",
    );
    push_visibility(&mut query, viewer);
    query.push(
        " UNION ALL
            SELECT 0, m.ticket_id, m.seq, ts_rank(m.search, q.q), m.id
            FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id, q WHERE m.search @@ q.q AND",
    );
    push_visibility(&mut query, viewer);
    query.push(") hits");
    if let Some(cursor) = cursor.filter(|c| !c.is_empty()) {
        let (rank, kind_order, ticket_id, seq) = decode_cursor(cursor)?;
        query.push(" WHERE (rank, kind_order, ticket_id, seq) < (").push_bind(rank).push("::REAL, ").push_bind(kind_order);
        query.push(", ").push_bind(ticket_id).push(", ").push_bind(seq).push(")");
    }
    query.push(" ORDER BY rank DESC, kind_order DESC, ticket_id DESC, seq DESC LIMIT ").push_bind(limit + 1);
    // Snippets for the page's rows only.
    query.push(format!(
        ") SELECT p.kind_order, p.ticket_id, p.seq, p.rank, coalesce(m.created_at, t.created_at) AS at,
                  t.subject, t.description, t.status, u.display_name AS sender_name,
                  ts_headline('english', coalesce(m.content, coalesce(t.subject || E'\\n', '') || t.description), q.q,
                              'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=\" … \"') AS headline
           FROM page p CROSS JOIN q JOIN tickets t ON t.id = p.ticket_id
           LEFT JOIN ticket_messages m ON m.id = p.message_id LEFT JOIN users u ON u.id = m.sender_user_id
           ORDER BY p.rank DESC, p.kind_order DESC, p.ticket_id DESC, p.seq DESC"
    ));
    let rows: Vec<HitRow> = query.build_query_as().fetch_all(pool).await?;
    let hits = rows
        .into_iter()
        .map(|row| SearchHit {
            kind: if row.kind_order == 1 { HitKind::Ticket } else { HitKind::Message },
            ticket_id: row.ticket_id,
            ticket_title: title_of(row.subject.as_deref(), &row.description),
            ticket_status: row.status,
            seq: (row.kind_order == 0).then_some(row.seq),
            sender_name: row.sender_name,
            at: row.at,
            rank: row.rank,
            snippet: snippet_parts(&row.headline),
        })
        .collect();
    Ok(Page::from_overfetch(hits, limit, encode_cursor))
}
