//! The audit log's server function (admins only; see docs/api.md).

use leptos::prelude::*;

use crate::codec::Query;

use super::model::AuditEntry;
use crate::domain::ticket::Page;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Problem;
#[cfg(feature = "ssr")]
use {
    super::model::AuditAction,
    super::repo::{self, AuditFilter},
    crate::domain::account::Role,
    crate::auth::server::require_role,
    crate::ui::flash::with_status,
    crate::server::state::AppState,
    crate::tickets::api::page_size,
};

crate::server_arguments!(Query: AuditLog);

/// Audit entries, newest first. `action` keeps one kind; `q` those whose actor (name or email) or
/// subject contains it; `cursor` is the previous page's `next_cursor`.
#[server(prefix = "/api/admin", endpoint = "audit", input = Query, output = crate::codec::Json)]
pub async fn audit_log(action: Option<String>, q: Option<String>, cursor: Option<String>, limit: Option<i64>) -> Result<Page<AuditEntry>, AppError> {
    with_status(
        async {
            require_role(&[Role::Admin])?;
            let state = AppState::from_context()?;
            let action = match action.as_deref().filter(|a| !a.is_empty() && *a != "all") {
                Some(text) => Some(AuditAction::parse(text).ok_or_else(|| AppError::invalid("action", Problem::UnknownAuditAction))?),
                None => None,
            };
            let q = q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
            if q.as_ref().is_some_and(|q| q.chars().count() > 100) {
                return Err(AppError::invalid("q", Problem::SearchTooLong { max: 100 }));
            }
            let before = match cursor.as_deref().filter(|c| !c.is_empty()) {
                Some(text) => Some(text.parse::<i64>().map_err(|_| AppError::invalid("cursor", Problem::PageCursorInvalid))?),
                None => None,
            };
            repo::list(&state.pool, &AuditFilter { action, q }, before, page_size(limit)?).await
        }
        .await,
    )
}
