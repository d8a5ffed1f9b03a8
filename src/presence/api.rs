//! Presence server functions (see docs/api.md): the team's presence, and appearing away.

use leptos::prelude::*;

use crate::codec::{Form, Query};
use crate::domain::presence::StaffPresence;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {super::repo, crate::domain::account::Role, crate::auth::server::require_role, crate::ui::flash::with_status, crate::server::state::AppState};

crate::server_arguments!(Query: TeamPresence);
crate::server_arguments!(Form: SetAway);

/// Every active agent and admin with their presence, by name (agents and admins). The socket's
/// `staff:presence` keeps it current.
#[server(prefix = "/api/presence", endpoint = "team", input = Query, output = crate::codec::Json)]
pub async fn team_presence() -> Result<Vec<StaffPresence>, AppError> {
    with_status(
        async {
            require_role(&[Role::Agent, Role::Admin])?;
            repo::team(&AppState::from_context()?.pool).await
        }
        .await,
    )
}

/// The caller (an agent or admin) appears away (`away=true`) whatever their tabs do, or not
/// (`away=false`). The choice is kept until changed; the team hears the new status at once.
#[server(prefix = "/api/presence", endpoint = "away", input = Form, output = crate::codec::Json)]
pub async fn set_away(away: bool) -> Result<StaffPresence, AppError> {
    let result = with_status(
        async {
            let user = require_role(&[Role::Agent, Role::Admin])?;
            let state = AppState::from_context()?;
            let (now, changed) = repo::set_appear_away(&state.pool, state.hub.node_id, &user, away).await?;
            state.hub.deliver_staff(changed);
            Ok(now)
        }
        .await,
    );
    crate::ui::flash::after_form_notice(result, |_| None)
}
