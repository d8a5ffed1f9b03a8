//! The PostgreSQL pool and the migrations.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use super::config::Config;

pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&config.database_url)
        .await
}

/// Applies `migrations/` (embedded at build time). Safe with several nodes starting at once:
/// sqlx takes an advisory lock.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::migrate!("./migrations").run(pool).await.map_err(Into::into)
}

/// Whether every migration this build carries is applied (a node of a newer build started on an
/// older schema is not ready).
pub async fn migrations_applied(pool: &PgPool) -> Result<bool, sqlx::Error> {
    let wanted: Vec<i64> = sqlx::migrate!("./migrations").iter().map(|migration| migration.version).collect();
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(pool).await?;
    Ok(wanted.iter().all(|version| applied.contains(version)))
}
