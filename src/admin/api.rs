//! Admin server functions under `/api/admin/` (admins only; see docs/api.md).

use leptos::prelude::*;

use crate::codec::{Form, Query};

use super::model::{Account, SystemStats};
use crate::domain::account::User;
use crate::domain::ticket::Page;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    crate::domain::account::Role,
    crate::auth::repo::{self as users, AccountChange},
    crate::auth::server::require_role,
    crate::error::{AppResult, ErrorCode, Problem}, crate::ui::flash::with_status,
    crate::i18n::Lang,
    crate::ui::flash::after_form_notice,
    super::model::notices,
    crate::server::state::AppState,
    crate::tickets::{api::page_size, repo as tickets},
};

#[cfg(feature = "ssr")]
fn require_admin() -> AppResult<User> {
    require_role(&[Role::Admin])
}

// How each function's arguments travel (src/codec.rs).
crate::server_arguments!(Query: AdminStats, ListUsers);
crate::server_arguments!(Form: SetUserRole, SetUserActive, SetResponsibleAgent);

#[server(prefix = "/api/admin", endpoint = "stats", input = Query, output = crate::codec::Json)]
pub async fn admin_stats() -> Result<SystemStats, AppError> {
    with_status(
        async {
            require_admin()?;
            let state = AppState::from_context()?;
            let (tickets_total, [open, assigned, resolved, closed]) = tickets::count_by_status(&state.pool).await?;
            let [users_total, agents_total, admins_total] = users::count_by_role(&state.pool).await?;
            let (clients, agents, rooms) = crate::chat::repo::live_counters(&state.pool).await?;
            Ok(SystemStats {
                tickets_total,
                tickets_open: open,
                tickets_assigned: assigned,
                tickets_resolved: resolved,
                tickets_closed: closed,
                users_total,
                agents_total,
                admins_total,
                connected_clients: Some(clients),
                connected_agents: Some(agents),
                active_ticket_rooms: Some(rooms),
                ratings_30_days: tickets::recent_ratings(&state.pool).await?,
            })
        }
        .await,
    )
}

/// Accounts, oldest first; `role` narrows to `user`, `agent` or `admin`; `cursor` is the previous
/// page's `next_cursor`; `q` keeps those whose name or email contains it.
#[server(prefix = "/api/admin", endpoint = "users", input = Query, output = crate::codec::Json)]
pub async fn list_users(role: Option<String>, cursor: Option<String>, limit: Option<i64>, q: Option<String>) -> Result<Page<Account>, AppError> {
    with_status(
        async {
            require_admin()?;
            let state = AppState::from_context()?;
            let role = match role.as_deref().filter(|r| !r.is_empty() && *r != "all") {
                Some(text) => Some(Role::parse(text).ok_or_else(|| AppError::invalid("role", Problem::UnknownRole))?),
                None => None,
            };
            let after = match cursor.as_deref().filter(|c| !c.is_empty()) {
                Some(text) => Some(text.parse::<i64>().map_err(|_| AppError::invalid("cursor", Problem::PageCursorInvalid))?),
                None => None,
            };
            let limit = page_size(limit)?;
            let q = q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
            if q.as_ref().is_some_and(|q| q.chars().count() > 100) {
                return Err(AppError::invalid("q", Problem::SearchTooLong { max: 100 }));
            }
            let items = users::list_users(&state.pool, role, q.as_deref(), after, limit + 1).await?;
            Ok(Page::from_overfetch(items, limit, |a| a.user.id.to_string()))
        }
        .await,
    )
}

/// Changes a person's role. Admins cannot change their own role (no locking yourself out).
#[server(prefix = "/api/admin", endpoint = "set-role", input = Form, output = crate::codec::Json)]
pub async fn set_user_role(user_id: i64, role: String) -> Result<User, AppError> {
    let result = with_status(
        async {
            let admin = require_admin()?;
            let state = AppState::from_context()?;
            let role = Role::parse(&role).ok_or_else(|| AppError::invalid("role", Problem::UnknownRole))?;
            if user_id == admin.id {
                return Err(AppError::new(ErrorCode::Conflict, Problem::OwnRole));
            }
            users::change_account(&state.pool, &admin, user_id, AccountChange::Role(role)).await?.ok_or_else(not_found)
        }
        .await,
    );
    after_form_notice(result, |person| Some(notices::role_changed(Lang::detect().texts(), person)))
}

/// Deactivates (ending all their sessions at once) or reactivates a person.
#[server(prefix = "/api/admin", endpoint = "set-active", input = Form, output = crate::codec::Json)]
pub async fn set_user_active(user_id: i64, active: bool) -> Result<User, AppError> {
    let result = with_status(
        async {
            let admin = require_admin()?;
            let state = AppState::from_context()?;
            if user_id == admin.id && !active {
                return Err(AppError::new(ErrorCode::Conflict, Problem::OwnDeactivation));
            }
            users::change_account(&state.pool, &admin, user_id, AccountChange::Active(active)).await?.ok_or_else(not_found)
        }
        .await,
    );
    after_form_notice(result, |person| Some(notices::active_changed(Lang::detect().texts(), person)))
}

/// Sets the agent who takes a person's new tickets (`agent_id` empty: nobody; the category's
/// default agent then applies). The agent must be an active agent.
#[server(prefix = "/api/admin", endpoint = "set-responsible-agent", input = Form, output = crate::codec::Json)]
pub async fn set_responsible_agent(user_id: i64, agent_id: Option<i64>) -> Result<Account, AppError> {
    let result = with_status(
        async {
            let admin = require_admin()?;
            let state = AppState::from_context()?;
            users::set_responsible_agent(&state.pool, &admin, user_id, agent_id).await?.ok_or_else(not_found)
        }
        .await,
    );
    after_form_notice(result, |account| Some(notices::responsible_changed(Lang::detect().texts(), account)))
}

#[cfg(feature = "ssr")]
fn not_found() -> AppError {
    AppError::new(ErrorCode::NotFound, Problem::NoSuchPerson)
}
