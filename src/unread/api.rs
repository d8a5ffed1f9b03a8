//! Unread server functions (see docs/api.md).

use leptos::prelude::*;

use crate::codec::{Form, Query};
use crate::domain::unread::{ReadState, UnreadSummary};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {super::repo, crate::auth::server::require_user, crate::ui::flash::with_status, crate::server::state::AppState};

crate::server_arguments!(Form: MarkRead);
crate::server_arguments!(Query: UnreadCounts);

/// The caller has seen ticket `ticket_id` up to timeline `seq` (its thread was on their screen).
/// The cursor only moves forward; the caller's other tabs hear `ticket:read`.
#[server(prefix = "/api/tickets", endpoint = "read", input = Form, output = crate::codec::Json)]
pub async fn mark_read(ticket_id: i64, seq: i64) -> Result<ReadState, AppError> {
    with_status(
        async {
            let user = require_user()?;
            repo::mark_read(&AppState::from_context()?.pool, &user, ticket_id, seq).await
        }
        .await,
    )
}

/// The caller's open tickets (their own; for staff, those assigned to them) and what is unread in
/// them: the navigation's count.
#[server(prefix = "/api/tickets", endpoint = "unread", input = Query, output = crate::codec::Json)]
pub async fn unread_counts() -> Result<UnreadSummary, AppError> {
    with_status(
        async {
            let user = require_user()?;
            repo::summary(&AppState::from_context()?.pool, &user).await
        }
        .await,
    )
}
