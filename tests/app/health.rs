//! `/healthz` and `/readyz`: what a balancer asks, answered without a session and without data.

use crate::common::spawn_app;
use reqwest::StatusCode;

async fn answer(app: &crate::common::TestApp, path: &str) -> (StatusCode, String) {
    let response = app.browser().get_raw(path).await;
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_node_says_it_is_alive_and_whether_it_can_serve_and_why_not() {
    let app = spawn_app().await;
    assert_eq!(answer(&app, "/healthz").await, (StatusCode::OK, "ok".to_owned()));
    assert_eq!(answer(&app, "/readyz").await, (StatusCode::OK, "ready".to_owned()), "signed out, and ready");

    // A schema older than the build (a migration missing): not ready.
    let newest: i64 = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations").fetch_one(app.pool()).await.unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET success = FALSE WHERE version = $1").bind(newest).execute(app.pool()).await.unwrap();
    assert_eq!(answer(&app, "/readyz").await, (StatusCode::SERVICE_UNAVAILABLE, "migrations not applied".to_owned()));
    sqlx::query("UPDATE _sqlx_migrations SET success = TRUE WHERE version = $1").bind(newest).execute(app.pool()).await.unwrap();
    assert_eq!(answer(&app, "/readyz").await.0, StatusCode::OK);

    // The database gone (the node's pool closed): not ready, still alive.
    app.pool().close().await;
    assert_eq!(answer(&app, "/readyz").await, (StatusCode::SERVICE_UNAVAILABLE, "database unreachable".to_owned()));
    assert_eq!(answer(&app, "/healthz").await.0, StatusCode::OK);
}
