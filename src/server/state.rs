//! `AppState`: what every handler and server function gets.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

use super::config::Config;
use crate::error::{AppError, AppResult};
use crate::live::budget::PersonBudgets;
use crate::live::hub::Hub;
use crate::live::rooms::Presence;
use crate::live::writer::Writer;

/// Everything a handler or server function needs; cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub config: Arc<Config>,
    /// This node's end of the cross-node bus (LISTEN/NOTIFY) and its sockets' fan-out.
    pub hub: Hub,
    /// Group commit of chat messages (every send of this node goes through it).
    pub writer: Writer,
    /// Room presence of this node's sockets, written in batches.
    pub presence: Presence,
    /// Attachments' bytes.
    pub files: crate::attachments::store::Files,
    /// The HTTP send fallback's rate limits (sockets keep their own).
    pub http_send_budgets: Arc<PersonBudgets>,
    /// Signs and checks reply addresses and unsubscribe links (a key shared through the database).
    pub signer: crate::mail::signing::Signer,
}

impl AppState {
    /// The state inside a server function (leptos_axum provides it as context).
    pub fn from_context() -> AppResult<Self> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            AppError::internal()
        })
    }
}
