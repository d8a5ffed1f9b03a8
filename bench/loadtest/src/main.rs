//! Load tool for the live rooms; bench/chat.sh seeds the accounts, tickets and sessions, starts the
//! server and runs this. Only local addresses are accepted.
//!
//! Scenario: R rooms, each the ticket of one user who has one socket in it; S agent sockets, room i
//! also joined by agent socket i % S. Messages go out at a fixed total rate, alternating between the
//! user's and the agent's side of each room. Latency is send → arrival at the other member; ack
//! latency is send → `ticket:message:ack` (the server commits before it acks).
//!
//! Modes: a single rate, or stepping (`--step`) until p99 > 50 ms; `--storm` drops every socket at
//! once while sending continues and rejoins each room with `after_seq`, counting gaps and duplicates.
//!
//!   myrelay-loadtest --url http://127.0.0.1:3300 --plan plan.txt --agent-sockets 1000 \
//!       --rate 1000 [--step 1000 --max-rate 20000] [--seconds 10] [--storm] [--server-pid PID]
//!       [--agent-url URL: agent sockets go to a second node]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::{Message as Frame, client::IntoClientRequest};

const P99_LIMIT_MS: f64 = 50.0;

struct Options {
    url: String,
    /// Agent sockets connect here instead (a second node on the same database).
    agent_url: Option<String>,
    plan: String,
    agent_sockets: Option<usize>,
    rate: f64,
    step: f64,
    max_rate: f64,
    seconds: f64,
    storm: bool,
    server_pid: Option<u32>,
    connect_concurrency: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let num = |name: &str, default: f64| get(name).map(|v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number"))).unwrap_or(default);
    let url = get("--url").unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let host = url.trim_start_matches("http://").split(['/', ':']).next().unwrap_or_default().to_owned();
    assert!(host == "localhost" || host.starts_with("127."), "the load tool only sends traffic to this machine (got {host})");
    Options {
        url: url.trim_end_matches('/').to_owned(),
        agent_url: get("--agent-url").map(|u| u.trim_end_matches('/').to_owned()),
        plan: get("--plan").expect("--plan FILE (written by bench/chat.sh)"),
        agent_sockets: get("--agent-sockets").and_then(|v| v.parse().ok()),
        rate: num("--rate", 1000.0),
        step: num("--step", 0.0),
        max_rate: num("--max-rate", 100_000.0),
        seconds: num("--seconds", 10.0),
        storm: args.iter().any(|a| a == "--storm"),
        server_pid: get("--server-pid").and_then(|v| v.parse().ok()),
        connect_concurrency: num("--connect-concurrency", 500.0) as usize,
    }
}

/// One socket of the run: whose session it uses and which rooms it joins.
struct SocketSpec {
    index: usize,
    url: String,
    user_id: i64,
    rooms: Vec<i64>,
}

enum Command {
    Send { ticket_id: i64, n: u64 },
    /// Drop the connection without a goodbye and come back with `after_seq`.
    Reconnect,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    acked: AtomicU64,
    delivered: AtomicU64,
    replayed: AtomicU64,
    errors: AtomicU64,
    duplicates: AtomicU64,
    gaps: AtomicU64,
    connect_failures: AtomicU64,
    /// Sockets the server closed (or that broke) before they had joined all their rooms, and after.
    closed_before_join: AtomicU64,
    closed_after_join: AtomicU64,
}

struct Shared {
    started: Instant,
    counters: Counters,
    latencies_us: Mutex<Vec<u32>>,
    ack_latencies_us: Mutex<Vec<u32>>,
    first_errors: Mutex<Vec<String>>,
    connecting: Semaphore,
}

impl Shared {
    fn now_us(&self) -> u64 {
        self.started.elapsed().as_micros() as u64
    }
}

#[derive(Deserialize)]
struct Incoming {
    event: String,
    #[serde(default)]
    data: Data,
}

#[derive(Deserialize, Default)]
struct Data {
    ticket_id: Option<i64>,
    seq: Option<i64>,
    last_seq: Option<i64>,
    client_id: Option<String>,
    content: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(shared: &Shared, url: &str, user_id: i64) -> Ws {
    loop {
        let mut request = format!("{}/ws", url.replacen("http", "ws", 1)).into_client_request().unwrap();
        request.headers_mut().insert("cookie", format!("myrelay_session=load-{user_id}").parse().unwrap());
        match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => return ws,
            Err(_) => {
                shared.counters.connect_failures.fetch_add(1, Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Runs one socket for the whole run; reports on `joined` each time all its rooms are joined.
async fn socket_task(shared: Arc<Shared>, spec: SocketSpec, mut commands: mpsc::UnboundedReceiver<Command>, joined: mpsc::UnboundedSender<usize>) {
    let my_prefix = format!("{}-", spec.index);
    // The last seq seen per room; None until the first join.
    let mut last: HashMap<i64, i64> = HashMap::new();
    let mut pending_acks: HashMap<String, u64> = HashMap::new();
    loop {
        let permit = shared.connecting.acquire().await.unwrap();
        let mut ws = connect(&shared, &spec.url, spec.user_id).await;
        for ticket_id in &spec.rooms {
            let after = last.get(ticket_id).map_or("null".to_owned(), i64::to_string);
            let join = format!(r#"{{"event":"ticket:join","data":{{"ticket_id":{ticket_id},"after_seq":{after}}}}}"#);
            if ws.send(Frame::text(join)).await.is_err() {
                break;
            }
        }
        let mut waiting: Vec<i64> = spec.rooms.clone();
        let mut permit = Some(permit);
        if waiting.is_empty() {
            drop(permit.take());
            let _ = joined.send(spec.index);
        }
        let reconnect = loop {
            tokio::select! {
                frame = ws.next() => {
                    if let Some(Err(err)) = &frame {
                        let mut first = shared.first_errors.lock().unwrap();
                        if first.len() < 5 {
                            eprintln!("socket error: {err}");
                            first.push(format!("socket error: {err}"));
                        }
                    }
                    let Some(Ok(frame)) = frame else {
                        let counter = if permit.is_some() { &shared.counters.closed_before_join } else { &shared.counters.closed_after_join };
                        counter.fetch_add(1, Relaxed);
                        break true;
                    };
                    if let Frame::Close(Some(close)) = &frame {
                        let mut first = shared.first_errors.lock().unwrap();
                        if first.len() < 5 {
                            eprintln!("closed by the server: {} {}", close.code, close.reason);
                            first.push(format!("closed by the server: {} {}", close.code, close.reason));
                        }
                    }
                    let Frame::Text(text) = frame else { continue };
                    let Ok(incoming) = serde_json::from_str::<Incoming>(text.as_str()) else { continue };
                    let data = incoming.data;
                    match incoming.event.as_str() {
                        "ticket:joined" => {
                            let (Some(ticket_id), Some(last_seq)) = (data.ticket_id, data.last_seq) else { continue };
                            let seen = last.entry(ticket_id).or_insert(last_seq);
                            if *seen < last_seq {
                                shared.counters.gaps.fetch_add(1, Relaxed);
                            }
                            *seen = last_seq;
                            waiting.retain(|t| *t != ticket_id);
                            if waiting.is_empty() && permit.is_some() {
                                drop(permit.take());
                                let _ = joined.send(spec.index);
                            }
                        }
                        "ticket:message:new" => {
                            let (Some(ticket_id), Some(seq)) = (data.ticket_id, data.seq) else { continue };
                            if let Some(seen) = last.get_mut(&ticket_id) {
                                if seq <= *seen {
                                    shared.counters.duplicates.fetch_add(1, Relaxed);
                                    continue;
                                }
                                if seq > *seen + 1 {
                                    shared.counters.gaps.fetch_add(1, Relaxed);
                                }
                                *seen = seq;
                            }
                            if data.client_id.as_deref().is_some_and(|c| c.starts_with(&my_prefix)) {
                                continue; // our own message coming back
                            }
                            if waiting.contains(&ticket_id) {
                                shared.counters.replayed.fetch_add(1, Relaxed);
                                continue;
                            }
                            let sent_us = data.content.as_deref().and_then(|c| c.split(' ').nth(1)).and_then(|t| t.parse::<u64>().ok());
                            if let Some(sent_us) = sent_us {
                                let latency = shared.now_us().saturating_sub(sent_us);
                                shared.counters.delivered.fetch_add(1, Relaxed);
                                shared.latencies_us.lock().unwrap().push(latency.min(u32::MAX as u64) as u32);
                            }
                        }
                        "ticket:message:ack" => {
                            if let Some(sent_us) = data.client_id.and_then(|c| pending_acks.remove(&c)) {
                                shared.counters.acked.fetch_add(1, Relaxed);
                                let latency = shared.now_us().saturating_sub(sent_us);
                                shared.ack_latencies_us.lock().unwrap().push(latency.min(u32::MAX as u64) as u32);
                            }
                        }
                        "error" => {
                            shared.counters.errors.fetch_add(1, Relaxed);
                            let mut first = shared.first_errors.lock().unwrap();
                            if first.len() < 5 {
                                first.push(format!("{}: {}", data.code.unwrap_or_default(), data.message.unwrap_or_default()));
                            }
                        }
                        _ => {}
                    }
                }
                command = commands.recv(), if permit.is_none() => match command {
                    Some(Command::Send { ticket_id, n }) => {
                        let client_id = format!("{my_prefix}{n}");
                        let sent_us = shared.now_us();
                        let frame = format!(
                            r#"{{"event":"ticket:message:send","data":{{"ticket_id":{ticket_id},"client_id":"{client_id}","content":"load {sent_us} message"}}}}"#
                        );
                        pending_acks.insert(client_id, sent_us);
                        shared.counters.sent.fetch_add(1, Relaxed);
                        if ws.send(Frame::text(frame)).await.is_err() {
                            break true;
                        }
                    }
                    Some(Command::Reconnect) => break true,
                    None => break false,
                },
            }
        };
        drop(ws); // no close handshake: like a dropped network
        if !reconnect {
            return;
        }
        // Unanswered sends are lost with the connection (a browser would resend them).
        pending_acks.clear();
    }
}

fn proc_stat(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let cpu_ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let rss_pages = fields.get(21)?.parse::<u64>().ok()?;
    Some((cpu_ticks, rss_pages * 4096))
}

/// CPU ticks of every PostgreSQL process on the machine.
fn postgres_ticks() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres"))
        .filter_map(|pid| proc_stat(pid).map(|(ticks, _)| ticks))
        .sum()
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * p) as usize).min(sorted.len() - 1);
    sorted[index] as f64 / 1000.0
}

struct Run {
    shared: Arc<Shared>,
    inboxes: Vec<mpsc::UnboundedSender<Command>>,
    rooms: Vec<i64>,
    agent_sockets: usize,
    server_pid: Option<u32>,
}

impl Run {
    /// Sends at `rate` for `seconds`; returns the peak server RSS seen meanwhile.
    async fn send_for(&self, rate: f64, seconds: f64, first_n: &mut u64) -> Option<u64> {
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        let started = Instant::now();
        let mut sent = 0u64;
        let mut peak_rss = None;
        let mut next_sample = Instant::now();
        while started.elapsed().as_secs_f64() < seconds {
            tick.tick().await;
            let due = (started.elapsed().as_secs_f64() * rate) as u64;
            while sent < due {
                let n = *first_n + sent;
                let room = (n % self.rooms.len() as u64) as usize;
                let agent_side = (n / self.rooms.len() as u64) % 2 == 1;
                let socket = if agent_side { self.rooms.len() + room % self.agent_sockets } else { room };
                let _ = self.inboxes[socket].send(Command::Send { ticket_id: self.rooms[room], n });
                sent += 1;
            }
            if Instant::now() >= next_sample {
                next_sample += Duration::from_millis(200);
                let rss = self.server_pid.and_then(proc_stat).map(|(_, rss)| rss);
                peak_rss = peak_rss.max(rss);
            }
        }
        *first_n += sent;
        peak_rss
    }

    /// Waits (at most `limit`) until every sent message is acknowledged.
    async fn settle(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let c = &self.shared.counters;
        while c.acked.load(Relaxed) < c.sent.load(Relaxed) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Deliveries trail the acks by about one fan-out.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    fn take_latencies(&self) -> (Vec<u32>, Vec<u32>) {
        let mut delivery = std::mem::take(&mut *self.shared.latencies_us.lock().unwrap());
        let mut ack = std::mem::take(&mut *self.shared.ack_latencies_us.lock().unwrap());
        delivery.sort_unstable();
        ack.sort_unstable();
        (delivery, ack)
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

#[tokio::main]
async fn main() {
    let o = options();
    let plan = std::fs::read_to_string(&o.plan).expect("read the plan file");
    let mut rooms: Vec<(i64, i64)> = Vec::new(); // (ticket_id, user_id)
    let mut agents: Vec<i64> = Vec::new();
    for line in plan.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["room", ticket, user] => rooms.push((ticket.parse().unwrap(), user.parse().unwrap())),
            ["agent", user] => agents.push(user.parse().unwrap()),
            _ => {}
        }
    }
    assert!(!rooms.is_empty() && !agents.is_empty(), "the plan names no rooms or no agents");
    let agent_sockets = o.agent_sockets.unwrap_or(rooms.len()).max(1);
    let mut specs: Vec<SocketSpec> =
        rooms.iter().enumerate().map(|(index, (ticket_id, user_id))| SocketSpec { index, url: o.url.clone(), user_id: *user_id, rooms: vec![*ticket_id] }).collect();
    for j in 0..agent_sockets {
        let joined: Vec<i64> = rooms.iter().enumerate().filter(|(i, _)| i % agent_sockets == j).map(|(_, (t, _))| *t).collect();
        specs.push(SocketSpec { index: rooms.len() + j, url: o.agent_url.clone().unwrap_or_else(|| o.url.clone()), user_id: agents[j % agents.len()], rooms: joined });
    }
    let total = specs.len();

    let shared = Arc::new(Shared {
        started: Instant::now(),
        counters: Counters::default(),
        latencies_us: Mutex::default(),
        ack_latencies_us: Mutex::default(),
        first_errors: Mutex::default(),
        connecting: Semaphore::new(o.connect_concurrency),
    });
    let (joined_tx, mut joined_rx) = mpsc::unbounded_channel();
    let mut inboxes = Vec::with_capacity(total);
    let idle = o.server_pid.and_then(proc_stat).map(|(_, rss)| rss);
    println!("{total} sockets in {} rooms ({agent_sockets} agent sockets of {} agents); connecting…", rooms.len(), agents.len());
    let connecting = Instant::now();
    for spec in specs {
        let (tx, rx) = mpsc::unbounded_channel();
        inboxes.push(tx);
        tokio::spawn(socket_task(shared.clone(), spec, rx, joined_tx.clone()));
    }
    for _ in 0..total {
        joined_rx.recv().await;
    }
    let connect_time = connecting.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held = o.server_pid.and_then(proc_stat).map(|(_, rss)| rss);
    println!(
        "connect + join of all {total}: {connect_time:.2} s ({} failed attempts and {} sockets closed before their join, retried); server RSS {:.0} MiB before, {:.0} MiB holding them",
        shared.counters.connect_failures.load(Relaxed),
        shared.counters.closed_before_join.load(Relaxed),
        mib(idle.unwrap_or(0)),
        mib(held.unwrap_or(0))
    );
    let run = Run { shared: shared.clone(), inboxes, rooms: rooms.iter().map(|(t, _)| *t).collect(), agent_sockets, server_pid: o.server_pid };
    let mut n = 0u64;

    if o.storm {
        storm(&run, &o, &mut joined_rx, &mut n).await;
        std::process::exit(0);
    }

    println!();
    println!("| sockets | offered msg/s | delivered msg/s | p50 ms | p99 ms | max ms | ack p99 ms | errors | server CPU % | PostgreSQL CPU % | server RSS MiB (peak) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut rate = o.rate;
    loop {
        let c = &shared.counters;
        let delivered_before = c.delivered.load(Relaxed);
        let errors_before = c.errors.load(Relaxed);
        let cpu_before = o.server_pid.and_then(proc_stat).map(|(t, _)| t).unwrap_or(0);
        let pg_before = postgres_ticks();
        run.take_latencies();
        let started = Instant::now();
        let peak = run.send_for(rate, o.seconds, &mut n).await;
        let send_seconds = started.elapsed().as_secs_f64();
        run.settle(Duration::from_secs(10)).await;
        let cpu = o.server_pid.and_then(proc_stat).map(|(t, _)| t).unwrap_or(0).saturating_sub(cpu_before) as f64;
        let pg = postgres_ticks().saturating_sub(pg_before) as f64;
        let elapsed = started.elapsed().as_secs_f64();
        let (delivery, ack) = run.take_latencies();
        let delivered = c.delivered.load(Relaxed) - delivered_before;
        let p99 = percentile(&delivery, 0.99);
        println!(
            "| {total} | {rate:.0} | {:.0} | {:.1} | {p99:.1} | {:.1} | {:.1} | {} | {:.0} | {:.0} | {:.0} |",
            delivered as f64 / send_seconds,
            percentile(&delivery, 0.50),
            percentile(&delivery, 1.0),
            percentile(&ack, 0.99),
            c.errors.load(Relaxed) - errors_before,
            cpu / elapsed, // clock ticks are 1/100 s: ticks per second = percent
            pg / elapsed,
            mib(peak.unwrap_or(0)),
        );
        if o.step <= 0.0 || p99 > P99_LIMIT_MS || rate + o.step > o.max_rate {
            break;
        }
        rate += o.step;
    }
    report_integrity(&shared);
    std::process::exit(0);
}

/// Sends at the rate throughout; after a few seconds every socket drops at once and rejoins with
/// `after_seq`. Reports how long until all were back, and any gap or duplicate seen by anyone.
async fn storm(run: &Run, o: &Options, joined_rx: &mut mpsc::UnboundedReceiver<usize>, n: &mut u64) {
    let total = run.inboxes.len();
    let sender = async {
        let mut n_local = *n;
        run.send_for(o.rate, 3.0 + o.seconds, &mut n_local).await;
        n_local
    };
    let dropper = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let dropped = Instant::now();
        for inbox in &run.inboxes {
            let _ = inbox.send(Command::Reconnect);
        }
        for _ in 0..total {
            joined_rx.recv().await;
        }
        dropped.elapsed().as_secs_f64()
    };
    let (last_n, rejoin) = tokio::join!(sender, dropper);
    *n = last_n;
    run.settle(Duration::from_secs(10)).await;
    let (delivery, _) = run.take_latencies();
    println!("reconnect storm: all {total} sockets dropped at once while {:.0} msg/s kept being sent", o.rate);
    println!("  every socket rejoined (after_seq) in {rejoin:.2} s; replayed on resume: {}", run.shared.counters.replayed.load(Relaxed));
    println!(
        "  live latency over the run: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&delivery, 0.5),
        percentile(&delivery, 0.99),
        percentile(&delivery, 1.0)
    );
    report_integrity(&run.shared);
}

fn report_integrity(shared: &Shared) {
    let c = &shared.counters;
    println!(
        "sent {}, acked {}, errors {}; sockets closed by the server after joining {}; gaps {}, duplicates {} (both must be 0)",
        c.sent.load(Relaxed),
        c.acked.load(Relaxed),
        c.errors.load(Relaxed),
        c.closed_after_join.load(Relaxed),
        c.gaps.load(Relaxed),
        c.duplicates.load(Relaxed)
    );
    for error in shared.first_errors.lock().unwrap().iter() {
        println!("  e.g. {error}");
    }
}
