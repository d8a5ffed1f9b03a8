//! Every SQL statement touching `tickets` (timeline entries go through `crate::timeline`).
//! Visibility is part of each query: a ticket someone may not see is simply not found.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use crate::domain::ticket::{
    CategoryRef, LastMessage, Message, NewTicket, Page, PersonRef, Priority, QueueCounts, Rating, Ticket, TicketAction, TicketEvent, TicketFilter, TicketSort,
    TicketSource, TicketState, TicketStatus, decide, may_view,
};
use crate::domain::account::{Role, User};
use crate::domain::attachment::Attachment;
use crate::domain::presence::StaffStatus;
use crate::domain::sla::{SlaClock, TicketSla};
use crate::domain::unread::UNREAD_CAP;
use crate::error::{AppError, AppResult, ErrorCode, Problem};
use crate::sla::repo::{Scope, apply_targets};

const TICKET_SELECT: &str = "
    SELECT t.id, t.subject, t.description, t.status, t.created_at, t.updated_at, t.resolved_at, t.closed_at,
           t.version, t.created_by_user_id,
           c.display_name AS creator_name, c.email AS creator_email,
           t.assigned_agent_id, a.display_name AS agent_name, a.email AS agent_email,
           left(rtrim(split_part(ltrim(lm.content, E' \t\r\n'), E'\n', 1), E'\r'), 160) AS last_excerpt, lm.created_at AS last_at, lm.sender_role AS last_role,
           lm.display_name AS last_sender, t.category_id, k.name AS category_name,
           r.score AS rating_score, r.comment AS rating_comment, r.created_at AS rated_at,
           t.priority, t.source,
           t.first_response_due_at, t.first_responded_at, t.resolution_due_at, t.sla_paused_at, now() AS checked_at,
           t.last_seq, un.unread, presence_status(a.id, a.appear_away) AS agent_status
    FROM tickets t
    JOIN users c ON c.id = t.created_by_user_id
    LEFT JOIN users a ON a.id = t.assigned_agent_id
    LEFT JOIN categories k ON k.id = t.category_id
    LEFT JOIN ticket_ratings r ON r.ticket_id = t.id AND r.resolved_at = t.resolved_at
    LEFT JOIN LATERAL (
        SELECT m.content, m.created_at, m.sender_role, u.display_name
        FROM ticket_messages m JOIN users u ON u.id = m.sender_user_id
        WHERE m.ticket_id = t.id ORDER BY m.seq DESC LIMIT 1
    ) lm ON TRUE";

/// `TICKET_SELECT` for `viewer`: with what others wrote since the viewer last read the ticket.
fn ticket_select(viewer: &User) -> QueryBuilder<'static, Postgres> {
    let mut query = QueryBuilder::new(TICKET_SELECT);
    query.push(" CROSS JOIN LATERAL (");
    push_unread_count(&mut query, viewer.id);
    query.push(") un");
    query
}

/// Appends `SELECT count(*) AS unread …` for ticket `t`: messages from others after the viewer's
/// read cursor, counted up to [`UNREAD_CAP`] (on the `(ticket_id, seq)` index).
pub(crate) fn push_unread_count(query: &mut QueryBuilder<'_, Postgres>, viewer_id: i64) {
    query
        .push("SELECT count(*) AS unread FROM (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = t.id AND m.sender_user_id <> ")
        .push_bind(viewer_id)
        .push(" AND m.seq > coalesce((SELECT r.last_read_seq FROM ticket_reads r WHERE r.ticket_id = t.id AND r.user_id = ")
        .push_bind(viewer_id)
        .push("), 0) LIMIT ")
        .push(UNREAD_CAP)
        .push(") unread_rows");
}

#[derive(sqlx::FromRow)]
struct TicketRow {
    id: i64,
    subject: Option<String>,
    description: String,
    status: TicketStatus,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    version: i32,
    created_by_user_id: i64,
    creator_name: String,
    creator_email: String,
    assigned_agent_id: Option<i64>,
    agent_name: Option<String>,
    agent_email: Option<String>,
    last_excerpt: Option<String>,
    last_at: Option<DateTime<Utc>>,
    last_role: Option<Role>,
    last_sender: Option<String>,
    category_id: Option<i64>,
    category_name: Option<String>,
    rating_score: Option<i16>,
    rating_comment: Option<String>,
    rated_at: Option<DateTime<Utc>>,
    priority: Priority,
    source: TicketSource,
    first_response_due_at: Option<DateTime<Utc>>,
    first_responded_at: Option<DateTime<Utc>>,
    resolution_due_at: Option<DateTime<Utc>>,
    sla_paused_at: Option<DateTime<Utc>>,
    checked_at: DateTime<Utc>,
    last_seq: i64,
    unread: i64,
    agent_status: Option<String>,
}

impl From<TicketRow> for Ticket {
    fn from(row: TicketRow) -> Self {
        let assigned_agent = match (row.assigned_agent_id, row.agent_name, row.agent_email) {
            (Some(id), Some(display_name), Some(email)) => Some(PersonRef { id, display_name, email }),
            _ => None,
        };
        let last_message = match (row.last_excerpt, row.last_at, row.last_role, row.last_sender) {
            (Some(excerpt), Some(at), Some(role), Some(sender_name)) => {
                Some(LastMessage { sender_name, from_staff: role.is_staff(), excerpt, at })
            }
            _ => None,
        };
        Ticket {
            id: row.id,
            subject: row.subject,
            description: row.description,
            status: row.status,
            creator: PersonRef { id: row.created_by_user_id, display_name: row.creator_name, email: row.creator_email },
            assigned_agent,
            created_at: row.created_at,
            updated_at: row.updated_at,
            resolved_at: row.resolved_at,
            closed_at: row.closed_at,
            version: row.version,
            last_message,
            category: row.category_id.zip(row.category_name).map(|(id, name)| CategoryRef { id, name }),
            rating: match (row.rating_score, row.rating_comment, row.rated_at) {
                (Some(score), Some(comment), Some(at)) => Some(Rating { score, comment, at }),
                _ => None,
            },
            priority: row.priority,
            source: row.source,
            sla: (row.first_response_due_at.is_some() || row.resolution_due_at.is_some()).then(|| TicketSla {
                first_response: row.first_response_due_at.map(|due_at| SlaClock { due_at, met_at: row.first_responded_at }),
                // Resolving (or closing) is what this target waits for: it is met when the clocks stop.
                resolution: row.resolution_due_at.map(|due_at| SlaClock { due_at, met_at: row.sla_paused_at }),
                paused_at: row.sla_paused_at,
                checked_at: row.checked_at,
            }),
            last_seq: row.last_seq,
            unread: row.unread,
            agent_status: row.agent_status.as_deref().and_then(StaffStatus::parse),
        }
    }
}

/// The ticket as `viewer` may read it: customers never get its SLA clocks.
fn for_viewer(viewer: &User, ticket: Ticket) -> Ticket {
    ticket.as_seen_by(viewer.role)
}

/// Appends "who may see `t`" for `viewer`: users their own tickets, staff every ticket.
pub(crate) fn push_visibility(query: &mut QueryBuilder<'_, Postgres>, viewer: &User) {
    match viewer.role {
        Role::User => {
            query.push(" (t.created_by_user_id = ").push_bind(viewer.id).push(")");
        }
        Role::Agent | Role::Admin => {
            query.push(" TRUE");
        }
        Role::System => {
            query.push(" FALSE");
        }
    }
}

/// Opens a ticket in one transaction: checks its category (required while any is active),
/// gives it a title when the person typed none ("<name> · <category> #<n>", n counting this
/// person's tickets in that category), and announces it to every node's inbox on commit.
pub async fn create_ticket(pool: &PgPool, creator: &User, ticket: &NewTicket) -> AppResult<Ticket> {
    let mut tx = pool.begin().await?;
    // The files uploaded for it: the creator's own, not sent anywhere yet (locked until commit).
    let uploads = crate::attachments::repo::lock_uploads(&mut tx, &ticket.attachment_ids).await?;
    if uploads.len() != ticket.attachment_ids.len() || uploads.iter().any(|u| u.uploaded_by != creator.id || u.ticket_id.is_some()) {
        return Err(crate::attachments::repo::not_yours());
    }
    let mut files: Vec<Attachment> = uploads.into_iter().map(|u| u.attachment).collect();
    files.sort_by_key(|file| ticket.attachment_ids.iter().position(|id| *id == file.id));
    // The category, its bot message, and its default agent while that is an active agent (a
    // demoted or deactivated one is skipped, like a responsible agent below).
    let category: Option<(String, String, Option<i64>, Option<String>)> = match ticket.category_id {
        Some(id) => Some(
            sqlx::query_as(
                "SELECT c.name, c.default_message, a.id, a.display_name FROM categories c
                 LEFT JOIN users a ON a.id = c.default_agent_id AND a.role = 'agent' AND a.is_active
                 WHERE c.id = $1 AND c.is_active FOR SHARE OF c",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::invalid("category_id", Problem::CategoryNotOffered))?,
        ),
        None => {
            let any_active: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM categories WHERE is_active)").fetch_one(&mut *tx).await?;
            if any_active {
                return Err(AppError::invalid("category_id", Problem::CategoryRequired));
            }
            None
        }
    };
    let subject = match (&ticket.subject, &category) {
        (Some(subject), _) => Some(subject.clone()),
        (None, Some((category, ..))) => {
            // The person's row is locked first, so two tickets opened at once get two numbers.
            let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1 FOR NO KEY UPDATE")
                .bind(creator.id)
                .fetch_one(&mut *tx)
                .await?;
            let earlier: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets WHERE created_by_user_id = $1 AND category_id = $2")
                .bind(creator.id)
                .bind(ticket.category_id)
                .fetch_one(&mut *tx)
                .await?;
            Some(format!("{name} · {category} #{}", earlier + 1))
        }
        (None, None) => None,
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tickets (created_by_user_id, subject, description, category_id, source) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(creator.id)
    .bind(&subject)
    .bind(&ticket.description)
    .bind(ticket.category_id)
    .bind(ticket.source)
    .fetch_one(&mut *tx)
    .await?;
    apply_targets(&mut tx, Scope::Ticket(id)).await?;
    // Who takes it: the person's responsible agent, else the category's default agent, else
    // nobody yet (an agent picks it from the inbox).
    let (greeting, category_agent) = match category {
        Some((_, greeting, agent_id, agent_name)) => (greeting, agent_id.zip(agent_name)),
        None => (String::new(), None),
    };
    let agent = crate::auth::repo::responsible_agent_of(&mut tx, creator.id).await?.or(category_agent);
    if !greeting.is_empty() || agent.is_some() || !files.is_empty() {
        let title = crate::domain::ticket::title_of(subject.as_deref(), &ticket.description);
        post_first_entries(&mut tx, creator, (id, &title), &greeting, agent, files).await?;
    }
    crate::live::outbox::announce_ticket_created(&mut tx, id).await?;
    tx.commit().await?;
    find_ticket(pool, creator, id).await?.ok_or_else(AppError::internal)
}

/// A new ticket's first timeline entries, inside the creating transaction: the bot posts the
/// category's first message, the chosen agent is assigned through the lifecycle's rules (a change
/// made by MyRelay itself), and the files the creator uploaded for it follow as their message.
async fn post_first_entries(
    tx: &mut sqlx::PgConnection,
    creator: &User,
    (ticket_id, title): (i64, &str),
    greeting: &str,
    agent: Option<(i64, String)>,
    files: Vec<Attachment>,
) -> AppResult<()> {
    use crate::timeline::repo as timeline;
    let system = crate::auth::repo::system_account(&mut *tx).await?;
    let mut seq = 0;
    if !greeting.is_empty() {
        seq += 1;
        post_message(&mut *tx, &system, ticket_id, seq, greeting, Vec::new()).await?;
    }
    if let Some((agent_id, agent_name)) = agent {
        let opened = TicketState { status: TicketStatus::Open, created_by: creator.id, assigned_agent_id: None };
        let transition = decide(opened, TicketAction::Assign { agent_id }, &system, None)?;
        seq += 1;
        let at: DateTime<Utc> = sqlx::query_scalar(
            "UPDATE tickets SET status = $2, assigned_agent_id = $3, version = version + 1 WHERE id = $1 RETURNING updated_at",
        )
        .bind(ticket_id)
        .bind(transition.to_status)
        .bind(transition.to_agent_id)
        .fetch_one(&mut *tx)
        .await?;
        let event = TicketEvent {
            ticket_id,
            seq,
            actor_id: system.id,
            actor_name: system.display_name.clone(),
            from_status: TicketStatus::Open,
            to_status: transition.to_status,
            from_agent_id: None,
            to_agent_id: transition.to_agent_id,
            agent_name: Some(agent_name),
            at,
        };
        timeline::record_change(&mut *tx, &event).await?;
        audit_change(&mut *tx, &system, title, &event, None).await?;
    }
    if !files.is_empty() {
        seq += 1;
        post_message(&mut *tx, creator, ticket_id, seq, "", files).await?;
    }
    sqlx::query("UPDATE tickets SET last_seq = $2 WHERE id = $1").bind(ticket_id).bind(seq).execute(&mut *tx).await?;
    Ok(())
}

/// Stores and announces one message at `seq` (the caller advances `last_seq`), with its files.
async fn post_message(tx: &mut sqlx::PgConnection, sender: &User, ticket_id: i64, seq: i64, content: &str, files: Vec<Attachment>) -> AppResult<()> {
    use crate::{domain::timeline::TimelineEntry, live::outbox::{self, timeline::Delivery}};
    let (id, created_at): (i64, DateTime<Utc>) = sqlx::query_as(
        "INSERT INTO ticket_messages (ticket_id, sender_user_id, sender_role, content, seq)
         VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at",
    )
    .bind(ticket_id)
    .bind(sender.id)
    .bind(sender.role)
    .bind(content)
    .bind(seq)
    .fetch_one(&mut *tx)
    .await?;
    let links: Vec<(i64, i64)> = files.iter().map(|file| (file.id, id)).collect();
    crate::attachments::repo::link_to_messages(&mut *tx, &links).await?;
    let message = Message {
        id,
        ticket_id,
        seq,
        client_id: None,
        sender: PersonRef { id: sender.id, display_name: sender.display_name.clone(), email: sender.email.clone() },
        sender_role: sender.role,
        content: content.to_owned(),
        created_at,
        attachments: files,
    };
    Ok(outbox::publish_entries(&mut *tx, 0, &[Delivery::new(TimelineEntry::Message(message))]).await?)
}

pub async fn find_ticket(pool: &PgPool, viewer: &User, id: i64) -> AppResult<Option<Ticket>> {
    let mut query = ticket_select(viewer);
    query.push(" WHERE t.id = ").push_bind(id).push(" AND");
    push_visibility(&mut query, viewer);
    Ok(query.build_query_as::<TicketRow>().fetch_optional(pool).await?.map(|row| for_viewer(viewer, row.into())))
}

/// Tickets as staff see them, for the live path to hand to the sockets following them: one query
/// for a batch of announced changes. `unread` counts every message (up to [`UNREAD_CAP`]): what
/// someone who never read the ticket has not read, as with a new one.
pub async fn tickets_for_live(pool: &PgPool, ids: &[i64]) -> AppResult<Vec<Ticket>> {
    let mut query = QueryBuilder::new(TICKET_SELECT);
    query
        .push(" CROSS JOIN LATERAL (SELECT count(*) AS unread FROM (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = t.id LIMIT ")
        .push(UNREAD_CAP)
        .push(") every_message) un WHERE t.id = ANY(")
        .push_bind(ids.to_vec())
        .push(")");
    Ok(query.build_query_as::<TicketRow>().fetch_all(pool).await?.into_iter().map(Ticket::from).collect())
}

/// Where a room stands, if the viewer may see the ticket (one query for joining it): the last
/// timeline seq, the agent, and the last note's `note_seq` (for staff only to use).
pub async fn visible_position(pool: &PgPool, viewer: &User, id: i64) -> AppResult<Option<(i64, Option<i64>, i64)>> {
    let mut query = QueryBuilder::new(
        "SELECT t.last_seq, t.assigned_agent_id, (SELECT COALESCE(max(n.note_seq), 0) FROM ticket_notes n WHERE n.ticket_id = t.id)
         FROM tickets t WHERE t.id = ",
    );
    query.push_bind(id).push(" AND");
    push_visibility(&mut query, viewer);
    Ok(query.build_query_as::<(i64, Option<i64>, i64)>().fetch_optional(pool).await?)
}

/// Which of `ids` the viewer may see.
pub async fn visible_ticket_ids(pool: &PgPool, viewer: &User, ids: &[i64]) -> AppResult<Vec<i64>> {
    let mut query = QueryBuilder::new("SELECT t.id FROM tickets t WHERE t.id = ANY(");
    query.push_bind(ids.to_vec()).push(") AND");
    push_visibility(&mut query, viewer);
    Ok(query.build_query_scalar::<i64>().fetch_all(pool).await?)
}

pub fn not_found() -> AppError {
    AppError::new(ErrorCode::NotFound, Problem::TicketNotFound)
}

/// Where a list page ends: the last row's place in the list's order.
enum Cursor {
    /// Its `updated_at` and id: `1733…_42` (microseconds).
    Recent(DateTime<Utc>, i64),
    /// Its priority first: `urgent_1733…_42`.
    Priority(Priority, DateTime<Utc>, i64),
    /// Its next SLA due time (None: none, last in the order): `due_1733…_42`, `due_none_42`.
    Due(Option<DateTime<Utc>>, i64),
}

fn encode_cursor(sort: TicketSort, ticket: &Ticket) -> String {
    let recent = format!("{}_{}", ticket.updated_at.timestamp_micros(), ticket.id);
    match sort {
        TicketSort::Recent => recent,
        TicketSort::Priority => format!("{}_{recent}", ticket.priority.as_str()),
        TicketSort::Due => {
            let due = ticket.sla.as_ref().and_then(|sla| sla.next_due());
            format!("due_{}_{}", due.map_or_else(|| "none".to_owned(), |at| at.timestamp_micros().to_string()), ticket.id)
        }
    }
}

fn decode_cursor(sort: TicketSort, cursor: &str) -> AppResult<Cursor> {
    let invalid = || AppError::invalid("cursor", Problem::PageCursorStale);
    let time = |micros: &str| micros.parse().ok().and_then(DateTime::from_timestamp_micros).ok_or_else(invalid);
    let parts: Vec<&str> = cursor.split('_').collect();
    let id = |text: &str| text.parse::<i64>().map_err(|_| invalid());
    match (sort, parts.as_slice()) {
        (TicketSort::Recent, [at, last]) => Ok(Cursor::Recent(time(at)?, id(last)?)),
        (TicketSort::Priority, [priority, at, last]) => {
            Ok(Cursor::Priority(Priority::parse(priority).ok_or_else(invalid)?, time(at)?, id(last)?))
        }
        (TicketSort::Due, ["due", "none", last]) => Ok(Cursor::Due(None, id(last)?)),
        (TicketSort::Due, ["due", at, last]) => Ok(Cursor::Due(Some(time(at)?), id(last)?)),
        _ => Err(invalid()),
    }
}

/// Newest activity (or highest priority, or soonest due) first, keyset-paged. Agents see closed tickets only when
/// the filter asks.
pub async fn list_tickets(
    pool: &PgPool,
    viewer: &User,
    filter: &TicketFilter,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<Ticket>> {
    let mut query = ticket_select(viewer);
    query.push(" WHERE");
    push_visibility(&mut query, viewer);
    if let Some(status) = filter.status {
        query.push(" AND t.status = ").push_bind(status);
    } else if !filter.include_closed.unwrap_or(viewer.role == Role::Admin) {
        query.push(" AND t.status <> 'closed'");
    }
    match filter.assignment.as_deref() {
        Some("unassigned") => {
            query.push(" AND t.assigned_agent_id IS NULL");
        }
        Some("mine") => {
            query.push(" AND t.assigned_agent_id = ").push_bind(viewer.id);
        }
        _ => {}
    }
    if let Some(creator) = filter.creator {
        query.push(" AND t.created_by_user_id = ").push_bind(creator);
    }
    if let Some(category) = filter.category {
        query.push(" AND t.category_id = ").push_bind(category);
    }
    if let Some(priority) = filter.priority {
        query.push(" AND t.priority = ").push_bind(priority);
    }
    if filter.sla_breached {
        query.push(" AND ").push(crate::sla::repo::BREACHED);
    }
    match cursor.filter(|c| !c.is_empty()).map(|c| decode_cursor(filter.sort, c)).transpose()? {
        Some(Cursor::Recent(at, id)) => {
            query.push(" AND (t.updated_at, t.id) < (").push_bind(at).push(", ").push_bind(id).push(")");
        }
        Some(Cursor::Priority(priority, at, id)) => {
            query.push(" AND (t.priority, t.updated_at, t.id) < (").push_bind(priority).push(", ").push_bind(at).push(", ").push_bind(id).push(")");
        }
        Some(Cursor::Due(due, id)) => {
            query.push(" AND (t.sla_next_due_at, t.id) > (coalesce(").push_bind(due).push(", 'infinity'::timestamptz), ").push_bind(id).push(")");
        }
        None => {}
    }
    query.push(match filter.sort {
        TicketSort::Recent => " ORDER BY t.updated_at DESC, t.id DESC LIMIT ",
        TicketSort::Priority => " ORDER BY t.priority DESC, t.updated_at DESC, t.id DESC LIMIT ",
        TicketSort::Due => " ORDER BY t.sla_next_due_at, t.id LIMIT ",
    });
    query.push_bind(limit + 1);
    let items: Vec<Ticket> = query.build_query_as::<TicketRow>().fetch_all(pool).await?.into_iter().map(Ticket::from).collect();
    let sort = filter.sort;
    let page = Page::from_overfetch(items, limit, |ticket| encode_cursor(sort, ticket));
    Ok(Page { items: page.items.into_iter().map(|ticket| for_viewer(viewer, ticket)).collect(), ..page })
}

/// Staff set a ticket's priority (the caller has checked the role). Not a lifecycle change: the
/// version stays, so nobody's open screen is refused for it; watchers hear `ticket:updated`.
pub async fn set_priority(pool: &PgPool, actor: &User, ticket_id: i64, priority: Priority) -> AppResult<Ticket> {
    let mut tx = pool.begin().await?;
    let current: Option<(TicketStatus, Priority, Option<String>, String)> =
        sqlx::query_as("SELECT status, priority, subject, description FROM tickets WHERE id = $1 FOR UPDATE")
            .bind(ticket_id)
            .fetch_optional(&mut *tx)
            .await?;
    let (status, before, subject, description) = current.ok_or_else(not_found)?;
    if status == TicketStatus::Closed {
        return Err(AppError::new(ErrorCode::Conflict, Problem::TicketClosed));
    }
    if before != priority {
        sqlx::query("UPDATE tickets SET priority = $2 WHERE id = $1").bind(ticket_id).bind(priority).execute(&mut *tx).await?;
        apply_targets(&mut tx, Scope::Ticket(ticket_id)).await?;
        crate::live::outbox::announce_ticket_updated(&mut tx, ticket_id, crate::live::outbox::Audience::Staff).await?;
        use crate::audit::model::{AuditAction, FieldChange};
        let subject = format!("#{ticket_id} {}", crate::domain::ticket::title_of(subject.as_deref(), &description));
        let changes = [FieldChange::new("priority", Some(before.as_str()), Some(priority.as_str()))];
        crate::audit::repo::record(&mut tx, Some(actor), AuditAction::TicketPriority, Some(ticket_id), &subject, &changes).await?;
    }
    tx.commit().await?;
    find_ticket(pool, actor, ticket_id).await?.ok_or_else(not_found)
}

/// Applies `action` if the state machine allows it on the ticket as it is *now* (the row is
/// locked) and the caller saw the current `expected_version`. Records the event in the same
/// transaction, with the ticket's next timeline sequence number.
pub async fn apply_action(
    pool: &PgPool,
    actor: &User,
    ticket_id: i64,
    action: TicketAction,
    expected_version: i32,
    mail_delay: Option<std::time::Duration>,
) -> AppResult<(Ticket, TicketEvent)> {
    let mut tx = pool.begin().await?;
    // Lock the bare row first, then read it with its joins in a new statement: a locking read that
    // waited for a concurrent change re-checks only the locked table, and would pair the new
    // assignee id with the old (empty) joined agent row.
    let mut lock = QueryBuilder::new("SELECT t.id FROM tickets t WHERE t.id = ");
    lock.push_bind(ticket_id).push(" AND");
    push_visibility(&mut lock, actor);
    lock.push(" FOR UPDATE");
    lock.build_query_scalar::<i64>().fetch_optional(&mut *tx).await?.ok_or_else(not_found)?;
    let mut query = ticket_select(actor);
    query.push(" WHERE t.id = ").push_bind(ticket_id);
    let current: Ticket = query.build_query_as::<TicketRow>().fetch_one(&mut *tx).await?.into();

    let state = TicketState {
        status: current.status,
        created_by: current.creator.id,
        assigned_agent_id: current.assigned_agent.as_ref().map(|a| a.id),
    };
    let assigned_to = current.assigned_agent.as_ref().map(|a| a.display_name.as_str());
    let transition = decide(state, action, actor, assigned_to)?;
    if current.version != expected_version {
        return Err(AppError::new(ErrorCode::Conflict, Problem::ChangedSinceLoaded));
    }
    let mut agent_name = current.assigned_agent.as_ref().map(|a| a.display_name.clone());
    if let TicketAction::Assign { agent_id } = action {
        let assignee: Option<(Role, bool, String)> = sqlx::query_as("SELECT role, is_active, display_name FROM users WHERE id = $1")
            .bind(agent_id)
            .fetch_optional(&mut *tx)
            .await?;
        match assignee {
            Some((role, true, name)) if role.is_staff() => agent_name = Some(name),
            _ => return Err(AppError::invalid("agent_id", Problem::AssignActiveAgentOnly)),
        }
    }

    let (seq, at): (i64, DateTime<Utc>) = sqlx::query_as(
        "UPDATE tickets SET
             status = $3, assigned_agent_id = $4, version = version + 1, last_seq = last_seq + 1, updated_at = now(),
             resolved_at = CASE WHEN $5 THEN now() WHEN $6 THEN NULL ELSE resolved_at END,
             closed_at = CASE WHEN $7 THEN now() ELSE closed_at END,
             -- The SLA clocks stop when the ticket is resolved or closed; reopening restarts
             -- them, moving what is still due by the time they stood still.
             sla_paused_at = CASE WHEN $5 OR $7 THEN coalesce(sla_paused_at, now()) WHEN $6 THEN NULL ELSE sla_paused_at END,
             sla_paused_total = sla_paused_total + CASE WHEN $6 THEN coalesce(now() - sla_paused_at, '0') ELSE '0' END,
             first_response_due_at = first_response_due_at
                 + CASE WHEN $6 AND first_responded_at IS NULL THEN coalesce(now() - sla_paused_at, '0') ELSE '0' END,
             resolution_due_at = resolution_due_at + CASE WHEN $6 THEN coalesce(now() - sla_paused_at, '0') ELSE '0' END
         WHERE id = $1 AND version = $2
         RETURNING last_seq, updated_at",
    )
    .bind(ticket_id)
    .bind(expected_version)
    .bind(transition.to_status)
    .bind(transition.to_agent_id)
    .bind(transition.sets_resolved_at)
    .bind(transition.clears_resolved_at)
    .bind(transition.sets_closed_at)
    .fetch_one(&mut *tx)
    .await?;
    let event = TicketEvent {
        ticket_id,
        seq,
        actor_id: actor.id,
        actor_name: actor.display_name.clone(),
        from_status: current.status,
        to_status: transition.to_status,
        from_agent_id: state.assigned_agent_id,
        to_agent_id: transition.to_agent_id,
        agent_name: transition.to_agent_id.and(agent_name),
        at,
    };
    crate::timeline::repo::record_change(&mut tx, &event).await?;
    // The customer hears of the resolution by mail (with the rating link) unless they see it live.
    if let Some(delay) = mail_delay.filter(|_| event.to_status == TicketStatus::Resolved && event.from_status != TicketStatus::Resolved) {
        crate::mail::queue::queue_for_tickets(&mut tx, crate::mail::queue::CustomerMailKind::Resolved, &[ticket_id], delay).await?;
    }
    let agent_before = current.assigned_agent.as_ref().map(|a| a.display_name.as_str());
    audit_change(&mut tx, actor, &current.title(), &event, agent_before).await?;
    tx.commit().await?;
    let ticket = find_ticket(pool, actor, ticket_id).await?.ok_or_else(not_found)?;
    Ok((ticket, event))
}

/// The audit log's record of a status or assignment change.
async fn audit_change(conn: &mut sqlx::PgConnection, actor: &User, title: &str, event: &TicketEvent, agent_before: Option<&str>) -> AppResult<()> {
    use crate::audit::model::{AuditAction, FieldChange};
    let mut changes = Vec::new();
    if event.from_status != event.to_status {
        changes.push(FieldChange::new("status", Some(event.from_status.as_str()), Some(event.to_status.as_str())));
    }
    if event.from_agent_id != event.to_agent_id {
        changes.push(FieldChange::new("agent", agent_before, event.agent_name.as_deref()));
    }
    let action = if event.is_assignment() { AuditAction::TicketAssignment } else { AuditAction::TicketStatus };
    crate::audit::repo::record(conn, Some(actor), action, Some(event.ticket_id), &format!("#{} {title}", event.ticket_id), &changes).await
}

/// The inbox's tabs for `viewer` (staff): what waits for someone, what is theirs, everything open.
pub async fn inbox_counts(pool: &PgPool, viewer: &User) -> AppResult<QueueCounts> {
    let (unassigned, mine, open, assigned, resolved, closed): (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE assigned_agent_id IS NULL AND status <> 'closed'),
                count(*) FILTER (WHERE assigned_agent_id = $1 AND status <> 'closed'),
                count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'assigned'),
                count(*) FILTER (WHERE status = 'resolved'), count(*) FILTER (WHERE status = 'closed')
         FROM tickets",
    )
    .bind(viewer.id)
    .fetch_one(pool)
    .await?;
    Ok(QueueCounts { unassigned, mine, all: open + assigned + resolved, open, assigned, resolved, closed })
}

/// Ticket counts: total and per status, in `TicketStatus::ALL` order.
pub async fn count_by_status(pool: &PgPool) -> AppResult<(i64, [i64; 4])> {
    let (total, open, assigned, resolved, closed): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'assigned'),
                count(*) FILTER (WHERE status = 'resolved'), count(*) FILTER (WHERE status = 'closed')
         FROM tickets",
    )
    .fetch_one(pool)
    .await?;
    Ok((total, [open, assigned, resolved, closed]))
}

/// A ticket row as stored, for seeding demo data.
pub struct TicketSeed<'a> {
    pub created_by: i64,
    pub subject: Option<&'a str>,
    pub description: &'a str,
    pub status: TicketStatus,
    pub assigned_agent_id: Option<i64>,
}

pub async fn insert_ticket(pool: &PgPool, seed: &TicketSeed<'_>) -> AppResult<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO tickets (created_by_user_id, subject, description, status, assigned_agent_id, resolved_at, closed_at, sla_paused_at)
         VALUES ($1, $2, $3, $4, $5,
                 CASE WHEN $4 IN ('resolved', 'closed') THEN now() END,
                 CASE WHEN $4 = 'closed' THEN now() END,
                 CASE WHEN $4 IN ('resolved', 'closed') THEN now() END)
         RETURNING id",
    )
    .bind(seed.created_by)
    .bind(seed.subject)
    .bind(seed.description)
    .bind(seed.status)
    .bind(seed.assigned_agent_id)
    .fetch_one(pool)
    .await?;
    apply_targets(&mut *pool.acquire().await?, Scope::Ticket(id)).await?;
    Ok(id)
}

/// The customer rates the ticket's current resolution, once. Others who may see the ticket are
/// refused (`forbidden`); those who may not get `not_found`.
pub async fn rate_ticket(pool: &PgPool, rater: &User, ticket_id: i64, score: i16, comment: &str) -> AppResult<Ticket> {
    let mut tx = pool.begin().await?;
    let ticket: Option<(i64, TicketStatus, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT created_by_user_id, status, resolved_at FROM tickets WHERE id = $1 FOR SHARE")
            .bind(ticket_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((creator, status, resolved_at)) = ticket.filter(|(creator, ..)| may_view(rater, *creator)) else {
        return Err(not_found());
    };
    if creator != rater.id {
        return Err(AppError::new(ErrorCode::Forbidden, Problem::RatingOwnerOnly));
    }
    let resolved_at = match (status, resolved_at) {
        (TicketStatus::Resolved | TicketStatus::Closed, Some(at)) => at,
        _ => return Err(AppError::new(ErrorCode::Conflict, Problem::RatingNeedsResolved)),
    };
    let stored = sqlx::query(
        "INSERT INTO ticket_ratings (ticket_id, resolved_at, rated_by, score, comment) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING",
    )
    .bind(ticket_id)
    .bind(resolved_at)
    .bind(rater.id)
    .bind(score)
    .bind(comment)
    .execute(&mut *tx)
    .await?;
    if stored.rows_affected() == 0 {
        return Err(AppError::new(ErrorCode::Conflict, Problem::AlreadyRated));
    }
    // Staff with the ticket open see the rating come in.
    crate::live::outbox::announce_ticket_updated(&mut tx, ticket_id, crate::live::outbox::Audience::Staff).await?;
    tx.commit().await?;
    find_ticket(pool, rater, ticket_id).await?.ok_or_else(AppError::internal)
}

/// Ratings given in the last 30 days, by score (index 0: score 1).
pub async fn recent_ratings(pool: &PgPool) -> AppResult<[i64; 5]> {
    let rows: Vec<(i16, i64)> =
        sqlx::query_as("SELECT score, count(*) FROM ticket_ratings WHERE created_at > now() - interval '30 days' GROUP BY score")
            .fetch_all(pool)
            .await?;
    let mut counts = [0; 5];
    for (score, count) in rows {
        if let Some(slot) = counts.get_mut((score - 1) as usize) {
            *slot = count;
        }
    }
    Ok(counts)
}
