use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

use super::config::Config;
use crate::error::{AppError, AppResult};
use crate::tickets::events::EventBus;

/// Everything a handler or server function needs; cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub events: EventBus,
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
