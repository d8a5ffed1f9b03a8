//! Note server functions (see docs/api.md): agents and admins only.

use leptos::prelude::*;

use crate::codec::{Form, Query};
use crate::domain::note::Note;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Problem;
#[cfg(feature = "ssr")]
use {super::repo, crate::domain::account::Role, crate::auth::server::require_role, crate::ui::flash::with_status, crate::server::state::AppState};

crate::server_arguments!(Form: AddNote);
crate::server_arguments!(Query: TicketNotes);

/// At most this many notes per request.
pub const NOTES_PAGE_MAX: i64 = 200;

/// Adds an internal note to a ticket (agents and admins). Resending the same `client_id` returns
/// the original note. Staff in the ticket's room hear `ticket:note:new`; customers never do.
#[server(prefix = "/api/tickets", endpoint = "add-note", input = Form, output = crate::codec::Json)]
pub async fn add_note(ticket_id: i64, client_id: String, content: String) -> Result<Note, AppError> {
    with_status(
        async {
            let user = require_role(&[Role::Agent, Role::Admin])?;
            repo::add_note(&AppState::from_context()?.pool, &user, ticket_id, &client_id, &content).await
        }
        .await,
    )
}

/// A ticket's notes after `after_note_seq` (default 0: from the first), oldest first, at most
/// `limit` (1–200, default 200). Agents and admins.
#[server(prefix = "/api/tickets", endpoint = "notes", input = Query, output = crate::codec::Json)]
pub async fn ticket_notes(ticket_id: i64, after_note_seq: Option<i64>, limit: Option<i64>) -> Result<Vec<Note>, AppError> {
    with_status(
        async {
            let user = require_role(&[Role::Agent, Role::Admin])?;
            let limit = limit.unwrap_or(NOTES_PAGE_MAX);
            if !(1..=NOTES_PAGE_MAX).contains(&limit) {
                return Err(AppError::invalid("limit", Problem::LimitOutOfRange { max: NOTES_PAGE_MAX }));
            }
            let after = after_note_seq.unwrap_or(0);
            if after < 0 {
                return Err(AppError::invalid("after_note_seq", Problem::AfterNoteSeqNegative));
            }
            let pool = &AppState::from_context()?.pool;
            if crate::tickets::repo::find_ticket(pool, &user, ticket_id).await?.is_none() {
                return Err(crate::tickets::repo::not_found());
            }
            repo::notes_after(pool, ticket_id, after, limit).await
        }
        .await,
    )
}
