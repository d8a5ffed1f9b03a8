//! `/healthz` (the process answers) and `/readyz` (it can serve: the database answers, this node
//! hears the other nodes' changes, the schema is this build's), for balancers and orchestrators.
//! No session, no data: plain text, 503 with the reason when not ready.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;

use super::state::AppState;

/// How long the database may take to answer before the node counts as not ready.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let unavailable = |reason| (StatusCode::SERVICE_UNAVAILABLE, reason);
    match tokio::time::timeout(DATABASE_TIMEOUT, super::db::migrations_applied(&state.pool)).await {
        Err(_) | Ok(Err(_)) => return unavailable("database unreachable"),
        Ok(Ok(false)) => return unavailable("migrations not applied"),
        Ok(Ok(true)) => {}
    }
    if !state.hub.is_listening() {
        return unavailable("not listening for other nodes' changes");
    }
    (StatusCode::OK, "ready")
}
