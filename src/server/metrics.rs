//! `/metrics` in Prometheus' text format, on its own address (`MYRELAY_METRICS_ADDR`, e.g.
//! `127.0.0.1:9187`), never on the public one: the gauges are read at each scrape.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use prometheus::{Encoder, TextEncoder};

use super::state::AppState;
use crate::metrics::METRICS;

/// `GET /metrics`: the gauges read now, then everything in the text format.
pub async fn render(State(state): State<AppState>) -> Response {
    let metrics = &*METRICS;
    let (sockets, rooms) = state.hub.sizes();
    metrics.sockets_open.set(sockets as i64);
    metrics.rooms.set(rooms as i64);
    metrics.listening.set(i64::from(state.hub.is_listening()));
    metrics.pool_connections.set(i64::from(state.pool.size()));
    metrics.pool_idle.set(state.pool.num_idle() as i64);
    if let Ok(breached) = crate::sla::repo::breached_open_tickets(&state.pool).await {
        metrics.sla_breached.set(breached);
    }
    if let Ok((due, oldest)) = crate::mail::queue::due_now(&state.pool).await {
        metrics.mail_queue_due.set(due);
        metrics.mail_queue_oldest_due_seconds.set(oldest);
    }
    let mut text = Vec::new();
    if TextEncoder::new().encode(&metrics.registry.gather(), &mut text).is_err() {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(axum::http::header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], text).into_response()
}

/// The metrics' own server, on `addr`: `/metrics` only.
pub async fn serve(addr: std::net::SocketAddr, state: AppState) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "metrics at /metrics");
    let app = axum::Router::new().route("/metrics", axum::routing::get(render)).with_state(state);
    axum::serve(listener, app).await
}
