//! The search server function (see docs/api.md).

use leptos::prelude::*;

use crate::codec::Query;

use super::model::SearchHit;
use crate::domain::ticket::Page;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::model::QUERY_MAX_CHARS, super::repo, crate::auth::server::require_user, crate::error::{Problem, refuse_control_chars}, crate::ui::flash::with_status,
    crate::server::state::AppState, crate::tickets::api::page_size,
};

crate::server_arguments!(Query: Search);

/// Tickets and messages matching `q` (web-search syntax: words, "a phrase", -not, or) among those
/// the caller may see, best match first; `cursor` is the previous page's `next_cursor`.
#[server(prefix = "/api", endpoint = "search", input = Query, output = crate::codec::Json)]
pub async fn search(q: String, cursor: Option<String>, limit: Option<i64>) -> Result<Page<SearchHit>, AppError> {
    with_status(
        async {
            let user = require_user()?;
            let state = AppState::from_context()?;
            refuse_control_chars("q", &q)?;
            let q = q.trim();
            if q.is_empty() {
                return Err(AppError::invalid("q", Problem::SearchEmpty));
            }
            if q.chars().count() > QUERY_MAX_CHARS {
                return Err(AppError::invalid("q", Problem::SearchTooLong { max: QUERY_MAX_CHARS }));
            }
            repo::search(&state.pool, &user, q, cursor.as_deref(), page_size(limit)?).await
        }
        .await,
    )
}
