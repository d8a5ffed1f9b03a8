//! The HTTP way to send a chat message, for integrations and for the moment before the socket is
//! up: the same code path and rules as `ticket:message:send`.

use leptos::prelude::*;

use crate::error::AppError;
use crate::tickets::model::Message;

/// Sends `content` to a ticket; resending the same `client_id` returns the original message and
/// stores nothing new. Answers only after the message is committed.
#[server(prefix = "/api/tickets", endpoint = "send-message")]
pub async fn send_message(ticket_id: i64, client_id: String, content: String) -> Result<Message, AppError> {
    use crate::auth::server::require_user;
    use crate::error::with_status;
    use crate::server::state::AppState;
    with_status(
        async {
            let user = require_user()?;
            let state = AppState::from_context()?;
            let request = super::writer::SendRequest { sender: std::sync::Arc::new(user), ticket_id, client_id, content };
            let (message, _) = state.writer.send(request).await?;
            Ok(message)
        }
        .await,
    )
}
