//! Email server functions (see docs/api.md): a ticket's mails for its agents, and a person's
//! choice to get mails or not.

use leptos::prelude::*;

use super::model::TicketMail;
use crate::codec::{Form, Query};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {crate::auth::server::require_role, crate::auth::server::require_user, crate::domain::account::Role, crate::server::state::AppState, crate::ui::flash::with_status};

crate::server_arguments!(Query: TicketMails);
crate::server_arguments!(Query: EmailNotifications);
crate::server_arguments!(Form: SetEmailNotifications);

/// The mails of ticket `ticket_id` (the 10 newest) and whether its customer turned mails off
/// (agents and admins).
#[server(prefix = "/api/tickets", endpoint = "mails", input = Query, output = crate::codec::Json)]
pub async fn ticket_mails(ticket_id: i64) -> Result<TicketMail, AppError> {
    with_status(
        async {
            let user = require_role(&[Role::Agent, Role::Admin])?;
            let state = AppState::from_context()?;
            crate::tickets::repo::find_ticket(&state.pool, &user, ticket_id).await?.ok_or_else(crate::tickets::repo::not_found)?;
            let (mails, opted_out) = super::queue::of_ticket(&state.pool, ticket_id).await?;
            Ok(TicketMail { enabled: state.config.mail.is_some(), opted_out, mails })
        }
        .await,
    )
}

/// Whether the caller gets mails about their tickets.
#[server(prefix = "/api/account", endpoint = "email-notifications", input = Query, output = crate::codec::Json)]
pub async fn email_notifications() -> Result<bool, AppError> {
    with_status(
        async {
            let user = require_user()?;
            super::queue::notifications_of(&AppState::from_context()?.pool, user.id).await
        }
        .await,
    )
}

/// The caller gets mails about their tickets (`on=true`) or not.
#[server(prefix = "/api/account", endpoint = "set-email-notifications", input = Form, output = crate::codec::Json)]
pub async fn set_email_notifications(on: bool) -> Result<bool, AppError> {
    let result = with_status(
        async {
            let user = require_user()?;
            super::queue::set_notifications(&AppState::from_context()?.pool, user.id, on).await?;
            Ok(on)
        }
        .await,
    );
    crate::ui::flash::after_form_notice(result, |_| None)
}
