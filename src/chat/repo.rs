//! Chat history and the live presence tables. Messages are written by `writer` (group commit) and
//! read back as timeline entries through `crate::timeline`.

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool};

use crate::domain::account::{Role, User};
use crate::domain::live::{CLIENT_ID_MAX_CHARS, MESSAGE_MAX_CHARS, Member};
use crate::domain::presence::StaffPresence;
use crate::domain::ticket::{Message, Page};
use crate::error::{AppError, AppResult, Problem, TextKind, refuse_control_chars};
use crate::tickets::repo::{find_ticket, not_found};
use crate::timeline::repo::{MESSAGE_SELECT, MessageRow};

/// Checks a message before anything is stored: text, files (ids of uploads), or both.
pub fn validate_message(client_id: &str, content: &str, attachment_ids: &[i64]) -> AppResult<String> {
    if client_id.is_empty() || client_id.chars().count() > CLIENT_ID_MAX_CHARS {
        return Err(AppError::invalid("client_id", Problem::ClientIdLength { max: CLIENT_ID_MAX_CHARS }));
    }
    refuse_control_chars("client_id", client_id)?;
    refuse_control_chars("content", content)?;
    let content = content.trim();
    if content.is_empty() && attachment_ids.is_empty() {
        return Err(AppError::invalid("content", Problem::MessageEmpty));
    }
    if content.chars().count() > MESSAGE_MAX_CHARS {
        return Err(AppError::invalid("content", Problem::TooLong { text: TextKind::Message, max: MESSAGE_MAX_CHARS }));
    }
    crate::domain::attachment::check_ids(attachment_ids)?;
    Ok(content.to_owned())
}

/// A ticket's chat history, newest first: `limit` messages before timeline position `before`.
pub async fn list_messages(pool: &PgPool, viewer: &User, ticket_id: i64, before: Option<i64>, limit: i64) -> AppResult<Page<Message>> {
    if find_ticket(pool, viewer, ticket_id).await?.is_none() {
        return Err(not_found());
    }
    let sql = format!("{MESSAGE_SELECT} WHERE m.ticket_id = $1 AND ($2::BIGINT IS NULL OR m.seq < $2) ORDER BY m.seq DESC LIMIT $3");
    let rows: Vec<MessageRow> = sqlx::query_as(&sql).bind(ticket_id).bind(before).bind(limit + 1).fetch_all(pool).await?;
    let items = crate::timeline::repo::with_attachments(pool, rows).await?;
    Ok(Page::from_overfetch(items, limit, |m| m.seq.to_string()))
}

// ---- presence: which connection is in which room, on which node ------------------------------

/// Records that the node is alive. `true` if its row had to be written afresh after it had been
/// running: another node reaped it (and its connections) meanwhile.
pub async fn register_node(pool: &PgPool, node_id: i64) -> AppResult<bool> {
    // xmax is 0 for a row this statement inserted, not for one it updated.
    let fresh: bool =
        sqlx::query_scalar("INSERT INTO live_nodes (node_id) VALUES ($1) ON CONFLICT (node_id) DO UPDATE SET seen_at = now() RETURNING xmax = 0")
            .bind(node_id)
            .fetch_one(pool)
            .await?;
    Ok(fresh)
}

pub async fn remove_node(pool: &PgPool, node_id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM live_nodes WHERE node_id = $1").bind(node_id).execute(pool).await?;
    Ok(())
}

/// A batch of presence changes from one node, in the order they happened.
#[derive(Default)]
pub struct PresenceBatch {
    /// (connection, user, role): new sockets.
    pub connects: Vec<(i64, i64, Role)>,
    /// (connection, ticket, person, is in the room afterwards): joins and leaves; the last one per
    /// connection and ticket counts.
    pub moves: Vec<(i64, i64, Member, bool)>,
    /// (connection, idle): tabs that went idle or are in use again; the last one per connection counts.
    pub idles: Vec<(i64, bool)>,
    /// Closed sockets (after their leaves).
    pub disconnects: Vec<i64>,
}

/// What a batch changed for others to hear, and the rooms' members afterwards.
pub struct PresenceOutcome {
    /// (ticket, person, now present): the person's first tab arrived or last tab left.
    pub announcements: Vec<(i64, Member, bool)>,
    pub members: HashMap<i64, Vec<Member>>,
    /// Agents and admins whose status changed.
    pub staff: Vec<StaffPresence>,
}

/// Writes a batch (inside the caller's transaction). "Joined" and "left" are decided from each person's count of
/// connections in the room before and after, under a per-room-and-person lock taken in a fixed
/// order, so tabs on several nodes moving at the same moment are announced exactly once.
pub async fn write_presence(tx: &mut PgConnection, node_id: i64, batch: &PresenceBatch) -> AppResult<PresenceOutcome> {
    let staff_before = staff_touched(tx, batch).await?;
    if !batch.connects.is_empty() {
        sqlx::query(
            "INSERT INTO live_connections (connection_id, node_id, user_id, role)
             SELECT c, $1, u, r::user_role FROM unnest($2::BIGINT[], $3::BIGINT[], $4::TEXT[]) AS x(c, u, r)
             ON CONFLICT DO NOTHING",
        )
        .bind(node_id)
        .bind(batch.connects.iter().map(|c| c.0).collect::<Vec<_>>())
        .bind(batch.connects.iter().map(|c| c.1).collect::<Vec<_>>())
        .bind(batch.connects.iter().map(|c| c.2.as_str()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    }
    let mut outcome = PresenceOutcome { announcements: Vec::new(), members: HashMap::new(), staff: Vec::new() };
    if !batch.moves.is_empty() {
        // The final state of each (connection, ticket), and each (ticket, person) touched.
        let mut last: HashMap<(i64, i64), bool> = HashMap::new();
        let mut people: HashMap<(i64, i64), Member> = HashMap::new();
        for (connection, ticket_id, member, inside) in &batch.moves {
            last.insert((*connection, *ticket_id), *inside);
            people.insert((*ticket_id, member.user_id), member.clone());
        }
        let pairs: Vec<(i64, i64)> = people.keys().copied().collect();
        let (tickets, users): (Vec<i64>, Vec<i64>) = pairs.iter().copied().unzip();
        sqlx::query(
            "SELECT pg_advisory_xact_lock(k) FROM (
                 SELECT DISTINCT hashtextextended('presence:' || t || ':' || u, 0) AS k
                 FROM unnest($1::BIGINT[], $2::BIGINT[]) AS x(t, u) ORDER BY k) AS keys",
        )
        .bind(&tickets)
        .bind(&users)
        .execute(&mut *tx)
        .await?;
        let before = connections_in_rooms(tx, &tickets, &users).await?;
        let (leaving, joining): (Vec<_>, Vec<_>) = last.iter().partition(|(_, inside)| !**inside);
        let leaving: (Vec<i64>, Vec<i64>) = leaving.into_iter().map(|((c, t), _)| (*c, *t)).unzip();
        sqlx::query("DELETE FROM live_room_members WHERE (connection_id, ticket_id) IN (SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[]))")
            .bind(leaving.0)
            .bind(leaving.1)
            .execute(&mut *tx)
            .await?;
        let joining: (Vec<i64>, Vec<i64>) = joining.into_iter().map(|((c, t), _)| (*c, *t)).unzip();
        // A connection removed meanwhile (its node was reaped) is skipped, not an error.
        sqlx::query(
            "INSERT INTO live_room_members (connection_id, ticket_id)
             SELECT c, t FROM unnest($1::BIGINT[], $2::BIGINT[]) AS x(c, t)
             WHERE EXISTS (SELECT 1 FROM live_connections l WHERE l.connection_id = x.c)
             ON CONFLICT DO NOTHING",
        )
        .bind(joining.0)
        .bind(&joining.1)
        .execute(&mut *tx)
        .await?;
        let after = connections_in_rooms(tx, &tickets, &users).await?;
        for (index, pair) in pairs.iter().enumerate() {
            match (before[index] > 0, after[index] > 0) {
                (false, true) => outcome.announcements.push((pair.0, people[pair].clone(), true)),
                (true, false) => outcome.announcements.push((pair.0, people[pair].clone(), false)),
                _ => {}
            }
        }
        let mut joined: Vec<i64> = joining.1;
        joined.sort_unstable();
        joined.dedup();
        outcome.members = room_members_of(tx, &joined).await?;
    }
    if !batch.idles.is_empty() {
        let last: HashMap<i64, bool> = batch.idles.iter().copied().collect();
        let (connections, idle): (Vec<i64>, Vec<bool>) = last.into_iter().unzip();
        sqlx::query("UPDATE live_connections l SET idle = x.i FROM unnest($1::BIGINT[], $2::BOOLEAN[]) AS x(c, i) WHERE l.connection_id = x.c AND l.idle <> x.i")
            .bind(connections)
            .bind(idle)
            .execute(&mut *tx)
            .await?;
    }
    if !batch.disconnects.is_empty() {
        // The people whose last connection this was were last seen now.
        sqlx::query(
            "WITH gone AS (DELETE FROM live_connections WHERE connection_id = ANY($1) RETURNING user_id)
             UPDATE users u SET last_seen_at = now()
             WHERE u.id IN (SELECT user_id FROM gone)
               AND NOT EXISTS (SELECT 1 FROM live_connections l WHERE l.user_id = u.id AND l.connection_id <> ALL($1))",
        )
        .bind(&batch.disconnects)
        .execute(&mut *tx)
        .await?;
    }
    outcome.staff = crate::presence::repo::changed_since(tx, &staff_before).await?;
    Ok(outcome)
}

/// The agents and admins whose connections the batch opens, idles or closes, locked, with their
/// presence before it.
async fn staff_touched(tx: &mut PgConnection, batch: &PresenceBatch) -> AppResult<Vec<StaffPresence>> {
    let mut people: Vec<i64> = batch.connects.iter().filter(|c| c.2.is_staff()).map(|c| c.1).collect();
    let existing: Vec<i64> = batch.idles.iter().map(|i| i.0).chain(batch.disconnects.iter().copied()).collect();
    if !existing.is_empty() {
        let staff: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT user_id FROM live_connections WHERE connection_id = ANY($1) AND role IN ('agent', 'admin')",
        )
        .bind(&existing)
        .fetch_all(&mut *tx)
        .await?;
        people.extend(staff);
    }
    people.sort_unstable();
    people.dedup();
    crate::presence::repo::before_change(tx, &people).await
}

/// For each (ticket, person) pair, how many of the person's connections are in the room.
async fn connections_in_rooms(conn: &mut PgConnection, tickets: &[i64], users: &[i64]) -> AppResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM live_room_members m JOIN live_connections c USING (connection_id)
                 WHERE m.ticket_id = x.t AND c.user_id = x.u)
         FROM unnest($1::BIGINT[], $2::BIGINT[]) WITH ORDINALITY AS x(t, u, n) ORDER BY x.n",
    )
    .bind(tickets)
    .bind(users)
    .fetch_all(conn)
    .await?)
}

async fn room_members_of(conn: &mut PgConnection, tickets: &[i64]) -> AppResult<HashMap<i64, Vec<Member>>> {
    let rows: Vec<(i64, i64, String, Role)> = sqlx::query_as(
        "SELECT DISTINCT m.ticket_id, u.id, u.display_name, u.role
         FROM live_room_members m JOIN live_connections c USING (connection_id) JOIN users u ON u.id = c.user_id
         WHERE m.ticket_id = ANY($1) ORDER BY m.ticket_id, u.id",
    )
    .bind(tickets)
    .fetch_all(conn)
    .await?;
    let mut members: HashMap<i64, Vec<Member>> = HashMap::new();
    for (ticket_id, user_id, display_name, role) in rows {
        members.entry(ticket_id).or_default().push(Member { user_id, display_name, role });
    }
    Ok(members)
}

/// `connected_clients`, `connected_agents`, `active_ticket_rooms` across every live node.
pub async fn live_counters(pool: &PgPool) -> AppResult<(i64, i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM live_connections),
                (SELECT count(DISTINCT user_id) FROM live_connections WHERE role = 'agent'),
                (SELECT count(DISTINCT ticket_id) FROM live_room_members)",
    )
    .fetch_one(pool)
    .await?)
}
