//! The axum server: state, router, start-up and shutdown. Server-only.

pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod health;
pub mod http_guard;
pub mod metrics;
pub mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::serve::ListenerExt;
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;

use crate::app::{App, shell};
use crate::auth::server::session_layer;
use config::Config;
use state::AppState;

/// Connects to PostgreSQL, applies migrations and assembles the state.
pub async fn prepare(leptos_options: LeptosOptions, config: Config) -> Result<AppState, String> {
    let files = crate::attachments::store::open(&config)?;
    let pool = db::connect(&config).await.map_err(|e| format!("database: {e}"))?;
    db::migrate(&pool).await.map_err(|e| format!("database: {e}"))?;
    let hub = crate::live::hub::Hub::new();
    let mail_delay = config.mail.as_ref().map(|mail| mail.delay);
    let writer = crate::live::writer::Writer::start(pool.clone(), hub.clone(), mail_delay);
    let presence = crate::live::rooms::Presence::start(pool.clone(), hub.clone(), config.presence_grace);
    let signer = crate::mail::signing::Signer::load(&pool).await.map_err(|e| format!("database: {}", e.message))?;
    let config = Arc::new(config);
    Ok(AppState { leptos_options, hub, writer, presence, pool, files, config, http_send_budgets: Default::default(), signer })
}

/// The app's routes, worked out once per process. Leptos suppresses resource loading for the whole
/// process while it does so (leptos-rs/leptos#4773): a page rendering meanwhile on another app in
/// this process (the tests run many) had a resource that never loaded, and hung.
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = routes();
    let options = state.leptos_options.clone();
    let bundle = format!("/{}", options.site_pkg_dir);
    let bundle_dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    Router::new()
        .nest_service(&bundle, static_bundle(bundle_dir))
        // leptos_routes also mounts every server function and provides AppState to them as context.
        .route("/ws", axum::routing::get(crate::live::socket::ws_handler))
        .route("/language", axum::routing::post(crate::i18n::route::set_language))
        .route(crate::attachments::routes::UPLOAD_PATH, axum::routing::post(crate::attachments::routes::upload))
        .route("/api/attachments/{token}", axum::routing::get(crate::attachments::routes::download))
        .route("/api/attachments/{token}/thumbnail", axum::routing::get(crate::attachments::routes::thumbnail))
        .route(crate::mail::routes::INBOUND_PATH, axum::routing::post(crate::mail::routes::inbound_post))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .route_layer(from_fn_with_state(state.clone(), session_layer))
        // For balancers: no session looked up.
        .route("/healthz", axum::routing::get(health::healthz))
        .route("/readyz", axum::routing::get(health::readyz))
        // Signed links from mails, opened signed out (and posted by mail programs).
        .route(crate::mail::routes::UNSUBSCRIBE_PATH, axum::routing::get(crate::mail::routes::unsubscribe).post(crate::mail::routes::unsubscribe))
        // Static files (the wasm bundle, CSS) and 404 pages: no session lookup needed.
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(from_fn(http_guard::server_fn_error_status))
        .layer(from_fn(crate::metrics::track_http))
        .layer(axum::extract::DefaultBodyLimit::max(http_guard::BODY_LIMIT_BYTES))
        .layer(from_fn(http_guard::body_limit))
        .layer(from_fn_with_state(state.clone(), http_guard::same_site_writes))
        .layer(from_fn_with_state(state.clone(), http_guard::security_headers))
        .with_state(state)
}

/// The browser bundle (wasm, JS, CSS): content-hashed names, so cached for good; served brotli or
/// gzip precompressed when the release build made those files (`cargo leptos build --release
/// --precompress`), else as is.
fn static_bundle(dir: std::path::PathBuf) -> Router {
    use axum::http::{HeaderValue, header::CACHE_CONTROL};
    let files = tower_http::services::ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new().fallback_service(files).layer(axum::middleware::map_response(|mut response: axum::response::Response| async move {
        if response.status().is_success() {
            response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
        }
        response
    }))
}

/// Kernel send buffer per connection (Linux doubles it): a few seconds of a busy chat socket.
const SEND_BUFFER_BYTES: usize = 64 * 1024;

/// Starts listening for other nodes' changes, then serves until `shutdown` completes: sockets are
/// closed with "going away" (clients reconnect elsewhere) and in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    state.hub.start(&state.pool).await.map_err(std::io::Error::other)?;
    tokio::spawn(housekeeping(state.clone()));
    if let Some(addr) = state.config.metrics_addr {
        let metrics_state = state.clone();
        tokio::spawn(async move {
            if let Err(err) = metrics::serve(addr, metrics_state).await {
                tracing::error!(%addr, %err, "the metrics address could not be served");
            }
        });
    } else {
        tracing::info!("metrics: off (set MYRELAY_METRICS_ADDR to serve /metrics on an address of its own)");
    }
    start_mail(&state);
    let (hub, presence, pool) = (state.hub.clone(), state.presence.clone(), state.pool.clone());
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let listener = listener.tap_io(|stream| {
        // A fixed kernel send buffer instead of one that grows to megabytes: a client that stops
        // reading blocks the socket's writes soon, and is dropped (live::socket::WRITE_LIMIT).
        let _ = socket2::SockRef::from(&*stream).set_send_buffer_size(SEND_BUFFER_BYTES);
    });
    let stopping = hub.clone();
    let shutdown = async move {
        shutdown.await;
        stopping.begin_shutdown();
    };
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    hub.sockets_closed(Duration::from_secs(10)).await;
    // Bounded: with the database away the goodbyes wait for nobody (the other nodes reap the rows).
    let _ = tokio::time::timeout(Duration::from_secs(5), presence.flushed()).await;
    hub.leave_cluster(&pool).await;
    Ok(())
}

/// The start-up line about mail, and this node's mail worker when mail is on.
fn start_mail(state: &AppState) {
    tracing::info!("{}", crate::mail::settings::MailSettings::describe(state.config.mail.as_ref()));
    let Some(settings) = state.config.mail.clone() else { return };
    match crate::mail::worker::MailWorker::new(state.pool.clone(), settings, state.signer.clone(), state.config.public_url.clone()) {
        Ok(worker) => {
            tokio::spawn(worker.run());
        }
        Err(err) => tracing::error!(%err, "mail: the SMTP settings are not usable; no mail is sent"),
    }
}

/// Deletes expired sessions, old login failures and the mail log's old rows once an hour.
async fn housekeeping(state: AppState) {
    let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        if let Err(err) = crate::auth::repo::delete_stale_rows(&state.pool).await {
            tracing::warn!(%err, "housekeeping failed");
        }
        if let Err(err) = crate::mail::queue::delete_old(&state.pool).await {
            tracing::warn!(%err, "mail housekeeping failed");
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
