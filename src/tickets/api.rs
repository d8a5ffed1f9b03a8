//! Ticket server functions, at stable paths under `/api/tickets/` (see docs/api.md). Each checks
//! the session and role here; visibility and the lifecycle are enforced again in `repo`.

use leptos::prelude::*;

use crate::codec::{Form, Query};

use crate::domain::ticket::{Message, Page, QueueCounts, Ticket};
use crate::domain::timeline::TimelineEntry;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    crate::domain::ticket::{PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, NewTicket, Priority, TicketAction, TicketFilter, TicketSort, TicketSource, TicketStatus, validate_new_ticket},
    super::repo,
    crate::domain::account::Role,
    crate::auth::server::{require_role, require_user},
    crate::error::{AppResult, Problem}, crate::ui::flash::with_status,
    crate::server::state::AppState,
};

// How each function's arguments travel (src/codec.rs).
crate::server_arguments!(Form: CreateTicket, AssignTicket, ChangeStatus, RateTicket, SetPriority);
crate::server_arguments!(Query: ListTickets, GetTicket, TicketMessages, TicketTimeline, InboxCounts);

/// Opens a ticket (users only) and redirects to its page. `attachment_ids` (comma-separated):
/// files uploaded for it beforehand, posted as the creator's first message. Its source is `web`
/// when a browser sent it from MyRelay's pages, `api` otherwise.
#[server(prefix = "/api/tickets", endpoint = "create", input = Form, output = crate::codec::Json)]
pub async fn create_ticket(
    subject: Option<String>,
    description: String,
    category_id: Option<i64>,
    attachment_ids: Option<String>,
) -> Result<Ticket, AppError> {
    let result = with_status(
        async {
            let user = require_role(&[Role::User])?;
            let state = AppState::from_context()?;
            let attachment_ids = crate::domain::attachment::parse_ids(attachment_ids.as_deref())?;
            let source = request_source();
            let ticket = NewTicket { category_id, attachment_ids, source, ..validate_new_ticket(subject.as_deref(), &description)? };
            let ticket = repo::create_ticket(&state.pool, &user, &ticket).await?;
            leptos_axum::redirect(&format!("/app/tickets/{}", ticket.id));
            Ok(ticket)
        }
        .await,
    );
    let typed = [
        ("subject", subject.unwrap_or_default()),
        ("description", description),
        ("category_id", category_id.map(|id| id.to_string()).unwrap_or_default()),
        ("attachment_ids", attachment_ids.unwrap_or_default()),
    ];
    crate::ui::flash::after_form(result, |_| None, typed)
}

/// Tickets the caller may see, newest activity first. Users: their own. Agents: every ticket not
/// closed (closed ones with `include_closed=true` or `status=closed`). Admins: all, unless
/// `include_closed=false` (the inbox).
// Each argument is one of the list's query parameters (docs/api.md).
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api/tickets", endpoint = "list", input = Query, output = crate::codec::Json)]
pub async fn list_tickets(
    status: Option<String>,
    assignment: Option<String>,
    include_closed: Option<bool>,
    cursor: Option<String>,
    limit: Option<i64>,
    /// Only tickets this person opened.
    creator: Option<i64>,
    /// Only tickets in this category.
    category: Option<i64>,
    /// Only tickets of this priority (staff).
    priority: Option<String>,
    /// `recent` (newest activity first, the default), `priority` (most urgent first) or `due`
    /// (the running SLA clock due soonest first; staff).
    sort: Option<String>,
    /// `breached`: only tickets that missed an SLA target (staff).
    sla: Option<String>,
) -> Result<Page<Ticket>, AppError> {
    with_status(
        async {
            let user = require_user()?;
            let state = AppState::from_context()?;
            let status = match status.as_deref().filter(|s| !s.is_empty() && *s != "all") {
                Some(text) => Some(TicketStatus::parse(text).ok_or_else(|| {
                    AppError::invalid("status", Problem::UnknownStatus)
                })?),
                None => None,
            };
            let assignment = match assignment.as_deref().filter(|a| !a.is_empty() && *a != "all") {
                Some(kind @ ("unassigned" | "mine")) => Some(kind.to_owned()),
                Some(_) => return Err(AppError::invalid("assignment", Problem::UnknownAssignmentFilter)),
                None => None,
            };
            let priority = match priority.as_deref().filter(|p| !p.is_empty() && *p != "all") {
                Some(text) => Some(Priority::parse(text).ok_or_else(|| {
                    AppError::invalid("priority", Problem::UnknownPriorityFilter)
                })?),
                None => None,
            };
            let sort = match sort.as_deref().filter(|s| !s.is_empty()) {
                Some(text) => TicketSort::parse(text).ok_or_else(|| AppError::invalid("sort", Problem::UnknownSort))?,
                None => TicketSort::Recent,
            };
            let sla_breached = match sla.as_deref().filter(|s| !s.is_empty() && *s != "all") {
                Some("breached") => true,
                Some(_) => return Err(AppError::invalid("sla", Problem::UnknownSlaFilter)),
                None => false,
            };
            // SLA clocks are staff's: customers neither see nor filter by them.
            if !user.role.is_staff() && (sla_breached || sort == TicketSort::Due) {
                let field = if sla_breached { "sla" } else { "sort" };
                return Err(AppError::invalid(field, Problem::SlaStaffOnly));
            }
            let filter = TicketFilter { status, assignment, include_closed, creator, category, priority, sla_breached, sort };
            repo::list_tickets(&state.pool, &user, &filter, cursor.as_deref(), page_size(limit)?).await
        }
        .await,
    )
}

/// The inbox's tab counts (agents and admins).
#[server(prefix = "/api/tickets", endpoint = "inbox-counts", input = Query, output = crate::codec::Json)]
pub async fn inbox_counts() -> Result<QueueCounts, AppError> {
    with_status(
        async {
            let user = require_role(&[Role::Agent, Role::Admin])?;
            let state = AppState::from_context()?;
            repo::inbox_counts(&state.pool, &user).await
        }
        .await,
    )
}

/// One ticket, if the caller may see it (otherwise `not_found`, never its data).
#[server(prefix = "/api/tickets", endpoint = "get", input = Query, output = crate::codec::Json)]
pub async fn get_ticket(id: i64) -> Result<Ticket, AppError> {
    with_status(
        async {
            let user = require_user()?;
            let state = AppState::from_context()?;
            repo::find_ticket(&state.pool, &user, id).await?.ok_or_else(repo::not_found)
        }
        .await,
    )
}

/// The ticket's customer rates its current resolution (1–5, an optional comment), once.
#[server(prefix = "/api/tickets", endpoint = "rate", input = Form, output = crate::codec::Json)]
pub async fn rate_ticket(ticket_id: i64, score: i16, comment: Option<String>) -> Result<Ticket, AppError> {
    let result = with_status(
        async {
            let user = require_user()?;
            let state = AppState::from_context()?;
            let comment = crate::domain::ticket::validate_rating(score, comment.as_deref().unwrap_or_default())?;
            repo::rate_ticket(&state.pool, &user, ticket_id, score, &comment).await
        }
        .await,
    );
    crate::ui::flash::after_form(result, |_| None, [("comment", comment.unwrap_or_default())])
}

/// Sets a ticket's priority (agents and admins): `low`, `normal`, `high` or `urgent`.
#[server(prefix = "/api/tickets", endpoint = "priority", input = Form, output = crate::codec::Json)]
pub async fn set_priority(id: i64, priority: String) -> Result<Ticket, AppError> {
    let result = with_status(
        async {
            let user = require_role(&[Role::Agent, Role::Admin])?;
            let state = AppState::from_context()?;
            let priority = Priority::parse(&priority).ok_or_else(|| AppError::invalid("priority", Problem::UnknownPriority))?;
            repo::set_priority(&state.pool, &user, id, priority).await
        }
        .await,
    );
    crate::ui::flash::after_form_notice(result, |_| None)
}

/// Assigns a ticket: agents to themselves (`agent_id` omitted), admins to any active agent.
/// `version` is the ticket version the caller saw.
#[server(prefix = "/api/tickets", endpoint = "assign", input = Form, output = crate::codec::Json)]
pub async fn assign_ticket(id: i64, version: i32, agent_id: Option<i64>) -> Result<Ticket, AppError> {
    let result = with_status(
        async {
            let user = require_role(&[Role::Agent, Role::Admin])?;
            let action = TicketAction::Assign { agent_id: agent_id.unwrap_or(user.id) };
            apply(&user, id, action, version).await
        }
        .await,
    );
    crate::ui::flash::after_form_notice(result, |_| None)
}

/// `action`: `resolve`, `close` or `reopen`. `version` is the ticket version the caller saw.
#[server(prefix = "/api/tickets", endpoint = "status", input = Form, output = crate::codec::Json)]
pub async fn change_status(id: i64, version: i32, action: String) -> Result<Ticket, AppError> {
    let result = with_status(
        async {
            let user = require_user()?;
            let action = match action.as_str() {
                "resolve" => TicketAction::Resolve,
                "close" => TicketAction::Close,
                "reopen" => TicketAction::Reopen,
                _ => return Err(AppError::invalid("action", Problem::UnknownAction)),
            };
            apply(&user, id, action, version).await
        }
        .await,
    );
    crate::ui::flash::after_form_notice(result, |_| None)
}

/// A ticket's chat history, newest first; `before` (a timeline seq) is the previous page's `next_cursor`.
#[server(prefix = "/api/tickets", endpoint = "messages", input = Query, output = crate::codec::Json)]
pub async fn ticket_messages(ticket_id: i64, before: Option<i64>, limit: Option<i64>) -> Result<Page<Message>, AppError> {
    with_status(
        async {
            let user = require_user()?;
            let state = AppState::from_context()?;
            crate::chat::repo::list_messages(&state.pool, &user, ticket_id, before, page_size(limit)?).await
        }
        .await,
    )
}

/// A ticket's timeline as its page shows it, newest first: messages and the status and assignment
/// changes between them. `before` is the previous page's `next_cursor`.
#[server(prefix = "/api/tickets", endpoint = "timeline", input = Query, output = crate::codec::Json)]
pub async fn ticket_timeline(ticket_id: i64, before: Option<i64>, limit: Option<i64>) -> Result<Page<TimelineEntry>, AppError> {
    with_status(
        async {
            let user = require_user()?;
            let state = AppState::from_context()?;
            if repo::find_ticket(&state.pool, &user, ticket_id).await?.is_none() {
                return Err(repo::not_found());
            }
            crate::timeline::repo::entries_before(&state.pool, ticket_id, before, page_size(limit)?).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn apply(user: &crate::domain::account::User, id: i64, action: TicketAction, version: i32) -> AppResult<Ticket> {
    let state = AppState::from_context()?;
    // The change is announced to every node (and so to the ticket's room) by the database.
    let (ticket, _event) = repo::apply_action(&state.pool, user, id, action, version, state.config.mail.as_ref().map(|m| m.delay)).await?;
    Ok(ticket)
}

/// `web` for a request a browser sent from MyRelay's pages (they carry `Origin` or
/// `Sec-Fetch-Site`; other sites' writes are refused before this), `api` for other programs.
#[cfg(feature = "ssr")]
fn request_source() -> TicketSource {
    let from_browser = use_context::<axum::http::request::Parts>()
        .is_some_and(|parts| parts.headers.contains_key(axum::http::header::ORIGIN) || parts.headers.contains_key("sec-fetch-site"));
    if from_browser { TicketSource::Web } else { TicketSource::Api }
}

#[cfg(feature = "ssr")]
pub fn page_size(limit: Option<i64>) -> AppResult<i64> {
    match limit {
        None => Ok(PAGE_SIZE_DEFAULT),
        Some(n) if (1..=PAGE_SIZE_MAX).contains(&n) => Ok(n),
        Some(_) => Err(AppError::invalid("limit", Problem::LimitOutOfRange { max: PAGE_SIZE_MAX })),
    }
}
