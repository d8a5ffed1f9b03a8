//! The search query: tickets and messages matching `websearch_to_tsquery`, inside the viewer's
//! visibility, best match first. Ranking reads only the matching rows' vectors; snippets
//! (`ts_headline`, the costly part) are made for the page's rows only.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::model::{HitKind, MARK_END, MARK_START, SearchHit, snippet_parts};
use crate::domain::account::User;
use crate::domain::ticket::{Page, TicketStatus, title_of};
use crate::error::{AppError, AppResult, Problem};
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

/// The search, spelled out at each use rather than shared through a CTE: the planner then sees
/// the words (and the statement is not kept prepared, so each search is planned for its own).
fn push_tsquery(query: &mut QueryBuilder<'_, Postgres>, text: &str) {
    query.push("websearch_to_tsquery('english', ").push_bind(text.to_owned()).push(")");
}

/// Where one kind of hit comes from.
struct Kind {
    /// The columns read, ending with the text vector; the rows are `alias`.
    columns: &'static str,
    alias: &'static str,
    /// Every row, for staff.
    all: &'static str,
    /// The rows of tickets the viewer may see, before the visibility condition.
    own: &'static str,
}

const TICKETS: Kind = Kind { columns: "t.id, t.search", alias: "t", all: "tickets t", own: "tickets t WHERE" };
/// Staff only: `push_matches` never reads notes for anyone else.
const NOTES: Kind = Kind {
    columns: "n.id, n.ticket_id, n.note_seq AS seq, n.search",
    alias: "n",
    all: "ticket_notes n",
    own: "",
};
const MESSAGES: Kind = Kind {
    columns: "m.id, m.ticket_id, m.seq, m.search",
    alias: "m",
    all: "ticket_messages m",
    own: "ticket_messages m JOIN tickets t ON t.id = m.ticket_id WHERE",
};

/// `(SELECT … ) c`: the kind's rows matching `text` that `viewer` may see, only the newest
/// [`CANDIDATES`] when `newest_only`. Staff may see every row; anyone else searches the rows of
/// their own tickets, gathered first (OFFSET 0 keeps the planner from turning that around into a
/// text-index scan per ticket).
fn push_matches(query: &mut QueryBuilder<'_, Postgres>, viewer: &User, text: &str, kind: &Kind, newest_only: bool) {
    let (columns, alias) = (kind.columns, kind.alias);
    query.push(format!("(SELECT {columns} FROM "));
    if viewer.role.is_staff() {
        query.push(kind.all);
    } else {
        query.push(format!("(SELECT {columns} FROM {}", kind.own));
        push_visibility(query, viewer);
        query.push(format!(" OFFSET 0) {alias}"));
    }
    query.push(format!(" WHERE {alias}.search @@ "));
    push_tsquery(query, text);
    if newest_only {
        query.push(format!(" ORDER BY {alias}.id DESC LIMIT ")).push_bind(CANDIDATES);
    }
    query.push(") c");
}

/// Sets planner options until the transaction ends.
async fn planner(conn: &mut sqlx::PgConnection, settings: &[(&str, &str)]) -> AppResult<()> {
    let mut query = QueryBuilder::<Postgres>::new("SELECT 1");
    for (name, value) in settings {
        query.push(", set_config(").push_bind(*name).push(", ").push_bind(*value).push(", true)");
    }
    query.build().execute(conn).await?;
    Ok(())
}

/// How many of the newest matches of a common kind are ranked.
pub const CANDIDATES: i64 = 1_000;

/// A cursor names the last hit of a page: rank, kind (1 ticket, 0 message, -1 note), ticket, seq.
fn encode_cursor(hit: &SearchHit) -> String {
    let kind_order = match hit.kind {
        HitKind::Ticket => 1,
        HitKind::Message => 0,
        HitKind::Note => -1,
    };
    format!("{}_{kind_order}_{}_{}", hit.rank, hit.ticket_id, hit.seq.unwrap_or(0))
}

fn decode_cursor(cursor: &str) -> AppResult<(f32, i32, i64, i64)> {
    let invalid = || AppError::invalid("cursor", Problem::PageCursorStale);
    let parts: Vec<&str> = cursor.split('_').collect();
    let [rank, kind, ticket, seq] = parts[..] else { return Err(invalid()) };
    let rank: f32 = rank.parse().map_err(|_| invalid())?;
    if !rank.is_finite() {
        return Err(invalid());
    }
    Ok((rank, kind.parse().map_err(|_| invalid())?, ticket.parse().map_err(|_| invalid())?, seq.parse().map_err(|_| invalid())?))
}

/// Hits for `text` that `viewer` may see, best match first (then tickets before messages, newest
/// ticket first), keyset-paged. Staff searches rank every match of uncommon words; for a kind
/// (tickets, messages) with more than [`CANDIDATES`] matches, its newest [`CANDIDATES`].
pub async fn search(pool: &PgPool, viewer: &User, text: &str, cursor: Option<&str>, limit: i64) -> AppResult<Page<SearchHit>> {
    // PostgreSQL cannot know how common words outside its statistics are, and a wrong guess costs
    // a scan of every message. So the plan is chosen here: staff's matches are first counted
    // (up to CANDIDATES) through the text indexes; a common kind is then read newest first, a
    // rare one through its index. A person's own tickets are few: their matches are all ranked.
    let mut tx = pool.begin().await?;
    let (common_tickets, common_messages) = match viewer.role.is_staff() {
        true => {
            // (JIT off: the costs of disabled plans would make PostgreSQL compile the query, 170 ms.)
            planner(&mut tx, &[("enable_seqscan", "off"), ("enable_indexscan", "off"), ("jit", "off")]).await?;
            let mut count = QueryBuilder::<Postgres>::new("SELECT (SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE t.search @@ ");
            push_tsquery(&mut count, text);
            count.push(" LIMIT ").push_bind(CANDIDATES).push(") c) >= ").push_bind(CANDIDATES);
            count.push(", (SELECT count(*) FROM (SELECT 1 FROM ticket_messages m WHERE m.search @@ ");
            push_tsquery(&mut count, text);
            count.push(" LIMIT ").push_bind(CANDIDATES).push(") c) >= ").push_bind(CANDIDATES);
            let common = count.build_query_as::<(bool, bool)>().persistent(false).fetch_one(&mut *tx).await?;
            // Common messages are read newest first through the primary key, not the text index.
            let bitmaps = if common.1 { "off" } else { "on" };
            planner(&mut tx, &[("enable_indexscan", "on"), ("enable_bitmapscan", bitmaps)]).await?;
            common
        }
        false => (false, false),
    };

    let mut query = QueryBuilder::<Postgres>::new("WITH page AS (SELECT * FROM (SELECT 1 AS kind_order, c.id AS ticket_id, 0::BIGINT AS seq, ts_rank(c.search, ");
    push_tsquery(&mut query, text);
    query.push(") AS rank, NULL::BIGINT AS message_id FROM ");
    push_matches(&mut query, viewer, text, &TICKETS, common_tickets);
    query.push(" UNION ALL SELECT 0, c.ticket_id, c.seq, ts_rank(c.search, ");
    push_tsquery(&mut query, text);
    query.push("), c.id FROM ");
    push_matches(&mut query, viewer, text, &MESSAGES, common_messages);
    // Staff's own notes are few: all their matches are ranked.
    if viewer.role.is_staff() {
        query.push(" UNION ALL SELECT -1, c.ticket_id, c.seq, ts_rank(c.search, ");
        push_tsquery(&mut query, text);
        query.push("), c.id FROM ");
        push_matches(&mut query, viewer, text, &NOTES, false);
    }
    query.push(") hits");
    if let Some(cursor) = cursor.filter(|c| !c.is_empty()) {
        let (rank, kind_order, ticket_id, seq) = decode_cursor(cursor)?;
        query.push(" WHERE (rank, kind_order, ticket_id, seq) < (").push_bind(rank).push("::REAL, ").push_bind(kind_order);
        query.push(", ").push_bind(ticket_id).push(", ").push_bind(seq).push(")");
    }
    query.push(" ORDER BY rank DESC, kind_order DESC, ticket_id DESC, seq DESC LIMIT ").push_bind(limit + 1);
    // Snippets for the page's rows only.
    query.push(
        ") SELECT p.kind_order, p.ticket_id, p.seq, p.rank, coalesce(m.created_at, n.created_at, t.created_at) AS at,
                  t.subject, t.description, t.status, u.display_name AS sender_name,
                  ts_headline('english', coalesce(m.content, n.content, coalesce(t.subject || E'\\n', '') || t.description), ",
    );
    push_tsquery(&mut query, text);
    query.push(format!(
        ", 'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=\" … \"') AS headline
           FROM page p JOIN tickets t ON t.id = p.ticket_id
           LEFT JOIN ticket_messages m ON p.kind_order = 0 AND m.id = p.message_id
           LEFT JOIN ticket_notes n ON p.kind_order = -1 AND n.id = p.message_id
           LEFT JOIN users u ON u.id = coalesce(m.sender_user_id, n.author_user_id)
           ORDER BY p.rank DESC, p.kind_order DESC, p.ticket_id DESC, p.seq DESC"
    ));
    let rows: Vec<HitRow> = query.build_query_as().persistent(false).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let hits = rows
        .into_iter()
        .map(|row| SearchHit {
            kind: match row.kind_order {
                1 => HitKind::Ticket,
                0 => HitKind::Message,
                _ => HitKind::Note,
            },
            ticket_id: row.ticket_id,
            ticket_title: title_of(row.subject.as_deref(), &row.description),
            ticket_status: row.status,
            seq: (row.kind_order != 1).then_some(row.seq),
            sender_name: row.sender_name,
            at: row.at,
            rank: row.rank,
            snippet: snippet_parts(&row.headline),
        })
        .collect();
    Ok(Page::from_overfetch(hits, limit, encode_cursor))
}
