//! `/metrics`: served on its own address only, in a format Prometheus reads (checked with a
//! Prometheus text parser), with the live path's and HTTP's figures in it.

use crate::common::spawn_app_with;
use prometheus_parse::{Scrape, Value};
use reqwest::StatusCode;

fn value(scrape: &Scrape, metric: &str, label: Option<(&str, &str)>) -> Option<f64> {
    scrape
        .samples
        .iter()
        .filter(|sample| sample.metric == metric && label.is_none_or(|(name, want)| sample.labels.get(name) == Some(want)))
        .map(|sample| match &sample.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(buckets) => buckets.iter().map(|b| b.count).fold(0.0, f64::max),
            Value::Summary(_) => 0.0,
        })
        .reduce(|a, b| a + b)
}

#[tokio::test]
async fn metrics_are_served_apart_from_the_site_in_prometheus_text_format() {
    // A free port for the metrics (bound, noted, let go).
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let app = spawn_app_with(|config| config.metrics_addr = Some(addr)).await;
    let owner = app.signed_in_user("owner@example.com").await;
    let ticket = owner.new_ticket("Counted").await;
    let mut socket = app.socket(&app.cookie_for(myrelay::domain::account::Role::Agent, "agent@example.com").await).await;
    socket.join(ticket, None).await;
    let fields = [("ticket_id", ticket.to_string()), ("client_id", "m1".to_owned()), ("content", "Counted once".to_owned())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(owner.post_json("/api/tickets/send-message", &fields).await.0, StatusCode::OK);
    socket.until("ticket:message:new").await;
    // A mail waiting half a minute for a worker (this node has mail off: nobody takes it).
    sqlx::query("INSERT INTO mail_queue (kind, to_address, reason, due_at) VALUES ('refusal', 'x@example.com', 'forged', now() - interval '30 seconds')")
        .execute(app.pool())
        .await
        .unwrap();

    // Not on the public address.
    let public = app.browser().get_raw("/metrics").await;
    assert_eq!(public.status(), StatusCode::NOT_FOUND);

    let mut scrape = None;
    for _ in 0..100 {
        // The metrics listener starts with the node; it may take a moment to bind. The node's
        // first heartbeat probes its listener; the probe's return is counted a moment later.
        if let Ok(response) = reqwest::get(format!("http://{addr}/metrics")).await {
            assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
            let text = response.text().await.unwrap();
            let parsed = Scrape::parse(text.lines().map(|line| Ok(line.to_owned()))).expect("Prometheus' text format");
            let probed = value(&parsed, "myrelay_listener_lag_seconds", None).is_some_and(|count| count >= 1.0);
            scrape = Some(parsed);
            if probed {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let scrape = scrape.expect("the metrics address answers");
    let at_least = |metric: &str, label: Option<(&str, &str)>, min: f64| {
        let got = value(&scrape, metric, label);
        assert!(got.is_some_and(|v| v >= min), "{metric} {label:?}: {got:?}");
    };
    // Counters are the process's (other tests' apps share it): at least this test's share.
    at_least("myrelay_messages_committed_total", None, 1.0);
    at_least("myrelay_entries_delivered_total", None, 1.0);
    at_least("myrelay_writer_batch_size", None, 1.0);
    at_least("myrelay_writer_commit_seconds", None, 1.0);
    at_least("myrelay_http_requests_total", Some(("route", "/api/tickets/send-message")), 1.0);
    at_least("myrelay_http_request_duration_seconds", Some(("route", "/api/tickets/send-message")), 1.0);
    at_least("myrelay_sockets_open", None, 1.0);
    at_least("myrelay_rooms", None, 1.0);
    at_least("myrelay_listening", None, 1.0);
    at_least("myrelay_db_pool_connections", None, 1.0);
    at_least("myrelay_slow_readers_dropped_total", None, 0.0);
    at_least("myrelay_listener_lag_seconds", None, 1.0);
    at_least("myrelay_sla_breached_tickets", None, 0.0);
    at_least("myrelay_mail_queue_due", None, 1.0);
    at_least("myrelay_mail_queue_oldest_due_seconds", None, 30.0);
    at_least("myrelay_mails_sent_total", None, 0.0);
    at_least("myrelay_mails_failed_total", None, 0.0);
    // Routes are their patterns, never raw paths with ids in them.
    assert!(scrape.samples.iter().all(|s| s.labels.get("route").is_none_or(|route| !route.contains(&ticket.to_string()))));
}
