//! Load tool for the live rooms: signs in users and agents, opens their sockets (several "tabs"
//! each), joins rooms, sends chat messages at a given total rate and reports sockets held,
//! messages delivered per second, send→receive latency percentiles and the server's memory.
//!
//!   cargo run --example loadtest --features ssr -- --url http://127.0.0.1:3000 \
//!       --users 100 --agents 10 --tabs 9 --rate 200 --seconds 30 [--server-pid PID]
//!
//! Agents must exist already (bench/chat.sh creates them with `myrelay create-staff`): emails
//! `agent{n}@load.test`, password from --password. Users are registered by the tool.
//! Traffic goes only to --url, which must be a local address.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::{Message as Frame, client::IntoClientRequest};

struct Options {
    url: String,
    users: usize,
    agents: usize,
    tabs: usize,
    rate: f64,
    seconds: u64,
    password: String,
    server_pid: Option<u32>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let url = get("--url").unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let host = url.trim_start_matches("http://").split(['/', ':']).next().unwrap_or_default().to_owned();
    assert!(
        host == "localhost" || host.starts_with("127.") || host == "[::1]",
        "the load tool only sends traffic to this machine (got {host})"
    );
    Options {
        url,
        users: get("--users").and_then(|v| v.parse().ok()).unwrap_or(100),
        agents: get("--agents").and_then(|v| v.parse().ok()).unwrap_or(10),
        tabs: get("--tabs").and_then(|v| v.parse().ok()).unwrap_or(9),
        rate: get("--rate").and_then(|v| v.parse().ok()).unwrap_or(200.0),
        seconds: get("--seconds").and_then(|v| v.parse().ok()).unwrap_or(30),
        password: get("--password").unwrap_or_else(|| "load-test-password".into()),
        server_pid: get("--server-pid").and_then(|v| v.parse().ok()),
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn post(client: &reqwest::Client, url: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> reqwest::Response {
    let mut request = client.post(url).header("accept", "application/json").form(form);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.expect("request")
}

fn cookie_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("myrelay_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("a session cookie")
}

struct Stats {
    started: Instant,
    sent: AtomicU64,
    acked: AtomicU64,
    delivered: AtomicU64,
    errors: AtomicU64,
    latencies_us: Mutex<Vec<u64>>,
}

/// One socket: joins its rooms, sends what it is told, and times the messages of others.
async fn socket_task(
    url: String,
    cookie: String,
    rooms: Vec<i64>,
    stats: Arc<Stats>,
    mut outbox: mpsc::Receiver<(i64, String)>,
    ready: mpsc::Sender<bool>,
) {
    let mut request = format!("{}/ws", url.replacen("http", "ws", 1)).into_client_request().unwrap();
    request.headers_mut().insert("cookie", cookie.parse().unwrap());
    let Ok((mut socket, _)) = tokio_tungstenite::connect_async(request).await else {
        let _ = ready.send(false).await;
        return;
    };
    for ticket_id in &rooms {
        let join = json!({"event": "ticket:join", "data": {"ticket_id": ticket_id}});
        let _ = socket.send(Frame::text(join.to_string())).await;
    }
    let mut joined = 0;
    let mut mine: HashMap<String, ()> = HashMap::new();
    let mut signalled = rooms.is_empty();
    if signalled {
        let _ = ready.send(true).await;
    }
    loop {
        tokio::select! {
            frame = socket.next() => {
                let Some(Ok(frame)) = frame else { return };
                let Frame::Text(text) = frame else { continue };
                let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                match value["event"].as_str() {
                    Some("ticket:joined") => {
                        joined += 1;
                        if joined == rooms.len() && !signalled {
                            signalled = true;
                            let _ = ready.send(true).await;
                        }
                    }
                    Some("ticket:message:ack") => { stats.acked.fetch_add(1, Ordering::Relaxed); }
                    Some("ticket:message:new") => {
                        let data = &value["data"];
                        let client_id = data["client_id"].as_str().unwrap_or_default();
                        if mine.remove(client_id).is_some() {
                            continue; // our own message coming back
                        }
                        if let Some(sent_us) = data["content"].as_str().and_then(|c| c.split(' ').nth(1)).and_then(|t| t.parse::<u64>().ok()) {
                            let now_us = stats.started.elapsed().as_micros() as u64;
                            stats.delivered.fetch_add(1, Ordering::Relaxed);
                            stats.latencies_us.lock().await.push(now_us.saturating_sub(sent_us));
                        }
                    }
                    Some("error") => { stats.errors.fetch_add(1, Ordering::Relaxed); }
                    _ => {}
                }
            }
            outgoing = outbox.recv() => {
                let Some((ticket_id, client_id)) = outgoing else { return };
                let sent_us = stats.started.elapsed().as_micros();
                let frame = json!({"event": "ticket:message:send", "data": {
                    "ticket_id": ticket_id, "client_id": client_id, "content": format!("load {sent_us} test message")
                }});
                mine.insert(client_id, ());
                stats.sent.fetch_add(1, Ordering::Relaxed);
                if socket.send(Frame::text(frame.to_string())).await.is_err() { return }
            }
        }
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main]
async fn main() {
    let o = options();
    let client = http();
    let base = o.url.trim_end_matches('/').to_owned();
    let run_tag = std::process::id();
    println!("Setting up {} users and {} agents…", o.users, o.agents);

    // Users: register, open a ticket each.
    let mut people: Vec<(String, Vec<i64>)> = Vec::new(); // (cookie, rooms)
    let mut user_tickets: Vec<(String, i64)> = Vec::new();
    for n in 0..o.users {
        let email = format!("user{n}-{run_tag}@load.test");
        let response = post(&client, &format!("{base}/api/auth/register"), None, &[("email", &email), ("display_name", &format!("Load user {n}")), ("password", &o.password)]).await;
        assert!(response.status().is_success(), "register {email}: {}", response.status());
        let cookie = cookie_of(&response);
        let response = post(&client, &format!("{base}/api/tickets/create"), Some(&cookie), &[("description", &format!("Load test ticket {n}"))]).await;
        let ticket: Value = response.json().await.unwrap();
        let ticket_id = ticket["id"].as_i64().expect("ticket id");
        people.push((cookie.clone(), vec![ticket_id]));
        user_tickets.push((cookie, ticket_id));
    }
    // Agents: sign in; each watches an equal share of the tickets.
    for n in 0..o.agents {
        let email = format!("agent{n}@load.test");
        let response = post(&client, &format!("{base}/api/auth/login"), None, &[("email", &email), ("password", &o.password)]).await;
        assert!(response.status().is_success(), "login {email}: {} (create agents first)", response.status());
        let rooms: Vec<i64> = user_tickets.iter().enumerate().filter(|(i, _)| i % o.agents == n).map(|(_, (_, id))| *id).collect();
        people.push((cookie_of(&response), rooms));
    }

    let stats = Arc::new(Stats {
        started: Instant::now(),
        sent: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        latencies_us: Mutex::new(Vec::new()),
    });
    let (ready_tx, mut ready_rx) = mpsc::channel(64);
    // Senders: the first tab of each user.
    let mut senders: Vec<(mpsc::Sender<(i64, String)>, i64)> = Vec::new();
    let mut total = 0;
    for (index, (cookie, rooms)) in people.iter().enumerate() {
        for tab in 0..o.tabs {
            let (tx, rx) = mpsc::channel(1024);
            if index < o.users && tab == 0 {
                senders.push((tx.clone(), rooms[0]));
            }
            tokio::spawn(socket_task(base.clone(), cookie.clone(), rooms.clone(), stats.clone(), rx, ready_tx.clone()));
            std::mem::forget(tx); // keep idle tabs' outboxes open
            total += 1;
        }
    }
    let mut held = 0;
    for _ in 0..total {
        if ready_rx.recv().await == Some(true) {
            held += 1;
        }
    }
    let rss_before = o.server_pid.and_then(rss_kib);
    println!("Sockets held: {held} of {total}; sending {} msg/s for {} s…", o.rate, o.seconds);

    let delivered_before = stats.delivered.load(Ordering::Relaxed);
    let start = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / o.rate);
    let mut tick = tokio::time::interval(interval);
    let mut n: u64 = 0;
    while start.elapsed() < Duration::from_secs(o.seconds) {
        tick.tick().await;
        let (sender, ticket_id) = &senders[(n as usize) % senders.len()];
        let _ = sender.try_send((*ticket_id, format!("load-{run_tag}-{n}")));
        n += 1;
    }
    // Let in-flight messages land.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let elapsed = start.elapsed().as_secs_f64();
    let delivered = stats.delivered.load(Ordering::Relaxed) - delivered_before;
    let rss_after = o.server_pid.and_then(rss_kib);
    let mut latencies = stats.latencies_us.lock().await.clone();
    latencies.sort_unstable();
    let pct = |p: f64| latencies.get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1))).map_or(0.0, |us| *us as f64 / 1000.0);

    println!("--- results ---");
    println!("sockets held:        {held}");
    println!("messages sent:       {} (acked {}, errors {})", stats.sent.load(Ordering::Relaxed), stats.acked.load(Ordering::Relaxed), stats.errors.load(Ordering::Relaxed));
    println!("deliveries:          {delivered} ({:.0} msg/s delivered to other sockets)", delivered as f64 / elapsed);
    println!("send→receive ms:     p50 {:.1}  p95 {:.1}  p99 {:.1}  max {:.1}", pct(0.50), pct(0.95), pct(0.99), pct(1.0));
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        println!("server RSS:          {:.0} MiB with sockets open, {:.0} MiB after the run", before as f64 / 1024.0, after as f64 / 1024.0);
    }
    std::process::exit(0);
}
