//! The HTTP way to send a chat message, for integrations and for the moment before the socket is
//! up: the same code path and rules as `ticket:message:send`.

use leptos::prelude::*;

use crate::codec::Form;

use crate::domain::ticket::Message;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{ErrorCode, Problem};

// How each function's arguments travel (src/codec.rs).
crate::server_arguments!(Form: SendMessage);

/// Sends `content` and/or files (`attachment_ids`: upload ids, comma-separated) to a ticket;
/// resending the same `client_id` returns the original message and stores nothing new. Answers
/// only after the message is committed.
#[server(prefix = "/api/tickets", endpoint = "send-message", input = Form, output = crate::codec::Json)]
pub async fn send_message(ticket_id: i64, client_id: String, content: Option<String>, attachment_ids: Option<String>) -> Result<Message, AppError> {
    use crate::auth::server::require_user;
    use crate::domain::live::{SEND_BURST, SEND_RATE_PER_SECOND};
    use crate::server::state::AppState;
    use crate::ui::flash::with_status;
    with_status(
        async {
            let user = require_user()?;
            let state = AppState::from_context()?;
            if !state.http_send_budgets.take(user.id) {
                return Err(AppError::new(ErrorCode::TooManyRequests, Problem::SendRateExceeded { per_second: SEND_RATE_PER_SECOND, burst: SEND_BURST }));
            }
            let attachment_ids = crate::domain::attachment::parse_ids(attachment_ids.as_deref())?;
            let content = content.unwrap_or_default();
            let request = crate::live::writer::SendRequest { sender: std::sync::Arc::new(user), ticket_id, client_id, content, attachment_ids };
            let (message, _) = state.writer.send(request).await?;
            Ok(message)
        }
        .await,
    )
}
