//! Operators' metrics (server only): one set per process (a node), in Prometheus' model. Counters
//! are bumped where things happen (here nothing of the crate is imported, so any module may);
//! gauges are set when scraped, and `server::metrics` serves them on their own address.

use std::sync::LazyLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

pub struct Metrics {
    pub registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_seconds: HistogramVec,
    pub messages_committed: IntCounter,
    pub writer_batch_size: Histogram,
    pub writer_commit_seconds: Histogram,
    pub entries_delivered: IntCounter,
    pub slow_readers_dropped: IntCounter,
    pub listener_lag_seconds: Histogram,
    pub sockets_open: IntGauge,
    pub rooms: IntGauge,
    pub listening: IntGauge,
    pub pool_connections: IntGauge,
    pub pool_idle: IntGauge,
    pub sla_breached: IntGauge,
    pub mails_sent: IntCounter,
    pub mails_failed: IntCounter,
    pub mail_queue_due: IntGauge,
    pub mail_queue_oldest_due_seconds: IntGauge,
}

/// This process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new_custom(Some("myrelay".into()), None).expect("a valid prefix");
        let counter = |name: &str, help: &str| {
            let metric = IntCounter::new(name, help).expect("a valid metric");
            registry.register(Box::new(metric.clone())).expect("registered once");
            metric
        };
        let gauge = |name: &str, help: &str| {
            let metric = IntGauge::new(name, help).expect("a valid metric");
            registry.register(Box::new(metric.clone())).expect("registered once");
            metric
        };
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| {
            let metric = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets)).expect("a valid metric");
            registry.register(Box::new(metric.clone())).expect("registered once");
            metric
        };
        let http_requests = IntCounterVec::new(Opts::new("http_requests_total", "HTTP requests by route, method and status"), &["route", "method", "status"])
            .expect("a valid metric");
        registry.register(Box::new(http_requests.clone())).expect("registered once");
        let http_seconds = HistogramVec::new(HistogramOpts::new("http_request_duration_seconds", "HTTP request time by route"), &["route"]).expect("a valid metric");
        registry.register(Box::new(http_seconds.clone())).expect("registered once");
        Self {
            http_requests,
            http_seconds,
            messages_committed: counter("messages_committed_total", "Chat messages committed by this node's writer"),
            writer_batch_size: histogram("writer_batch_size", "Messages per group commit", vec![1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]),
            writer_commit_seconds: histogram(
                "writer_commit_seconds",
                "Time to commit one batch",
                vec![0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0],
            ),
            entries_delivered: counter("entries_delivered_total", "Timeline entries (messages, changes) sent to sockets"),
            slow_readers_dropped: counter("slow_readers_dropped_total", "Sockets closed because they read too slowly"),
            listener_lag_seconds: histogram(
                "listener_lag_seconds",
                "Time a notice this node sends itself at each heartbeat takes to come back through LISTEN",
                vec![0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0],
            ),
            sockets_open: gauge("sockets_open", "Open WebSockets on this node"),
            rooms: gauge("rooms", "Tickets with at least one socket in their room on this node"),
            listening: gauge("listening", "1 while this node hears the other nodes' changes (LISTEN in place)"),
            pool_connections: gauge("db_pool_connections", "Database connections open in this node's pool"),
            pool_idle: gauge("db_pool_idle", "Idle database connections in this node's pool"),
            sla_breached: gauge("sla_breached_tickets", "Tickets not closed that missed an SLA target"),
            mails_sent: counter("mails_sent_total", "Mails this node handed to the SMTP server"),
            mails_failed: counter("mails_failed_total", "Mails this node gave up on (refused, uncertain, too many tries)"),
            mail_queue_due: gauge("mail_queue_due", "Mails due and waiting for a worker (all nodes)"),
            mail_queue_oldest_due_seconds: gauge("mail_queue_oldest_due_seconds", "How long the longest-waiting due mail has waited (all nodes)"),
            registry,
        }
    }
}

/// Counts each request by the route it matched (its pattern, never the raw path) and its status.
pub async fn track_http(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let metrics = &*METRICS;
    metrics.http_seconds.with_label_values(&[&route]).observe(started.elapsed().as_secs_f64());
    metrics.http_requests.with_label_values(&[&route, &method, response.status().as_str()]).inc();
    response
}
