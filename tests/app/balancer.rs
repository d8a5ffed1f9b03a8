//! Two nodes behind Debian's nginx running deploy/nginx.conf (only its addresses and TLS swapped
//! for local ones): one node is killed with SIGKILL in the middle of a conversation, every client
//! comes back through the balancer on the other node, and no message is lost or shown twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::chat::{SecondNode, node_process};
use crate::common::{Ws, connect_socket, spawn_app};
use myrelay::domain::account::Role;

/// deploy/nginx.conf with the upstream's servers set to `nodes` and TLS on 443 swapped for plain
/// HTTP on `port`. Panics if the file no longer has what is swapped, so the two cannot drift.
fn documented_config(port: u16, nodes: &[&str]) -> String {
    let documented = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx.conf")).expect("deploy/nginx.conf");
    let mut config = String::new();
    let mut servers_replaced = false;
    let mut listens = 0;
    for line in documented.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["server", address, ..] if address.ends_with(":3000") => {
                if !servers_replaced {
                    for node in nodes {
                        config.push_str(&line.replace(address, node));
                        config.push('\n');
                    }
                    servers_replaced = true;
                }
            }
            ["listen", "443", "ssl;"] => {
                config.push_str(&format!("    listen 127.0.0.1:{port};\n"));
                listens += 1;
            }
            ["http2", ..] | ["ssl_certificate", ..] | ["ssl_certificate_key", ..] => {}
            _ => {
                config.push_str(line);
                config.push('\n');
            }
        }
    }
    assert!(servers_replaced && listens == 1, "deploy/nginx.conf changed shape: update this test's swaps");
    config
}

fn nginx_binary() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/bin/nginx"].into_iter().map(PathBuf::from).find(|path| path.is_file()).expect(
        "nginx is needed for the balancer test: scripts/test.sh installs Debian's (apt-get install nginx-light)",
    )
}

struct Nginx {
    child: tokio::process::Child,
    dir: PathBuf,
    base_url: String,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// nginx on `port` with deploy/nginx.conf in front of `nodes`; returns once it reaches one.
async fn start_nginx(port: u16, nodes: &[&str]) -> Nginx {
    let dir = std::env::temp_dir().join(format!("myrelay-nginx-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("myrelay.conf"), documented_config(port, nodes)).unwrap();
    let d = dir.display();
    // Everything nginx writes stays in `dir`. One process (no master and workers): killed with
    // the test, it leaves nothing behind; as root it stays root so it can use `dir`.
    let main = format!(
        "daemon off;\nmaster_process off;\nuser root root;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 512; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
         uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/myrelay.conf;\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), main).unwrap();
    let child = tokio::process::Command::new(nginx_binary())
        .arg("-p")
        .arg(&dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start nginx");
    let nginx = Nginx { child, base_url: format!("http://127.0.0.1:{port}"), dir };
    // Up once a request goes through it to a node.
    for _ in 0..200 {
        if reqwest::get(format!("{}/readyz", nginx.base_url)).await.is_ok_and(|r| r.status().is_success()) {
            return nginx;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nginx did not start: {}", std::fs::read_to_string(nginx.dir.join("error.log")).unwrap_or_default());
}

async fn ready(node: &SecondNode) {
    for _ in 0..200 {
        if reqwest::get(format!("{}/readyz", node.base_url)).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} never became ready", node.base_url);
}

/// A client as a browser tab runs it: remembers the last seq of its room, resends what was not
/// acknowledged (same `client_id`) and rejoins with `after_seq` after its socket drops.
struct Client {
    name: &'static str,
    url: String,
    cookie: String,
    ticket_id: i64,
    ws: Ws,
    last_seq: i64,
    /// Sent, not yet acknowledged: client_id → content.
    unacked: BTreeMap<String, String>,
    /// The client_id of every message received, in the order received (live or replayed).
    received: Vec<String>,
    reconnects: usize,
}

impl Client {
    async fn connect(name: &'static str, url: &str, cookie: &str, ticket_id: i64) -> Self {
        let mut ws = connect_socket(url, Some(cookie), Some(url)).await.expect("through the balancer");
        let joined = ws.join(ticket_id, None).await;
        let last_seq = joined["last_seq"].as_i64().unwrap();
        Self { name, url: url.into(), cookie: cookie.into(), ticket_id, ws, last_seq, unacked: BTreeMap::new(), received: Vec::new(), reconnects: 0 }
    }

    /// Sends a message; a socket that is gone is found out by `pump`, which sends it again.
    async fn say(&mut self, client_id: String, content: String) {
        let frame = serde_json::json!({ "event": "ticket:message:send", "data": { "ticket_id": self.ticket_id, "client_id": client_id, "content": content } });
        self.unacked.insert(client_id, content);
        let _ = self.ws.stream.send(Frame::text(frame.to_string())).await;
    }

    /// Reads until every send is acknowledged and `expected` messages have arrived, coming back
    /// through the balancer whenever the socket drops.
    async fn pump(&mut self, expected: usize) {
        while !self.unacked.is_empty() || self.received.len() < expected {
            let frame = tokio::time::timeout(Duration::from_secs(15), self.ws.stream.next()).await;
            match frame {
                Err(_) => panic!("{}: stuck with {} of {expected} messages, {} unacknowledged", self.name, self.received.len(), self.unacked.len()),
                Ok(Some(Ok(Frame::Text(text)))) => self.read(&serde_json::from_str(text.as_str()).unwrap()),
                Ok(Some(Ok(Frame::Close(_)) | Err(_)) | None) => self.come_back().await,
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    fn read(&mut self, event: &Value) {
        let data = &event["data"];
        match event["event"].as_str().unwrap() {
            "ticket:message:new" if data["ticket_id"] == self.ticket_id => {
                let seq = data["seq"].as_i64().unwrap();
                assert_eq!(seq, self.last_seq + 1, "{}: after seq {} came {seq} (a gap or a repeat)", self.name, self.last_seq);
                self.last_seq = seq;
                self.received.push(data["client_id"].as_str().unwrap().to_owned());
            }
            "ticket:message:ack" => {
                self.unacked.remove(data["client_id"].as_str().unwrap());
            }
            "error" => panic!("{}: {data}", self.name),
            _ => {}
        }
    }

    /// Reconnects through the balancer (the dead node refuses; nginx tries the other), rejoins from
    /// the last seq seen and sends again whatever was not acknowledged.
    async fn come_back(&mut self) {
        self.reconnects += 1;
        let mut attempts = 0;
        self.ws = loop {
            match connect_socket(&self.url, Some(&self.cookie), Some(&self.url)).await {
                Ok(ws) => break ws,
                Err(err) => {
                    attempts += 1;
                    assert!(attempts < 50, "{}: no way back through the balancer: {err}", self.name);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        let join = serde_json::json!({ "event": "ticket:join", "data": { "ticket_id": self.ticket_id, "after_seq": self.last_seq } });
        let _ = self.ws.stream.send(Frame::text(join.to_string())).await;
        for (client_id, content) in self.unacked.clone() {
            self.say(client_id, content).await;
        }
    }
}

#[tokio::test]
async fn a_node_killed_mid_conversation_loses_no_message_behind_nginx() {
    const ROUNDS: usize = 12;
    let app = spawn_app().await;
    let owners = [app.cookie_for(Role::User, "first@example.com").await, app.cookie_for(Role::User, "second@example.com").await];
    let agent = app.cookie_for(Role::Agent, "agent@example.com").await;
    let mut tickets = Vec::new();
    for owner in &owners {
        tickets.push(app.browser_with(owner).new_ticket("Behind the balancer").await);
    }

    // Two nodes, set up as deploy/nginx.conf says; their public URL is the balancer's.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let public_url = format!("http://127.0.0.1:{port}");
    let settings = [("MYRELAY_PUBLIC_URL", public_url.as_str()), ("MYRELAY_TRUST_FORWARDED_FOR", "true")];
    let database_url = app.state.config.database_url.clone();
    let mut node_a = node_process(&database_url, &settings).await;
    let node_b = node_process(&database_url, &settings).await;
    ready(&node_a).await;
    ready(&node_b).await;
    let addresses: Vec<String> = [&node_a, &node_b].iter().map(|n| n.base_url.trim_start_matches("http://").to_owned()).collect();
    let nginx = start_nginx(port, &[&addresses[0], &addresses[1]]).await;

    // Each ticket's customer and the agent: four sockets through the balancer, which takes turns
    // (two on each node).
    let mut clients = Vec::new();
    for (n, ticket_id) in tickets.iter().enumerate() {
        clients.push(Client::connect(["first customer", "second customer"][n], &nginx.base_url, &owners[n], *ticket_id).await);
        clients.push(Client::connect(["agent (first)", "agent (second)"][n], &nginx.base_url, &agent, *ticket_id).await);
    }

    for round in 0..ROUNDS {
        for (n, client) in clients.iter_mut().enumerate() {
            client.say(format!("c{n}-r{round}"), format!("Round {round} from {}", client.name)).await;
        }
        if round == ROUNDS / 2 {
            // Mid-conversation, with this round's messages in flight.
            node_a.child.start_kill().expect("SIGKILL node A");
        }
        // Each room has two members, each saying one message a round. All at once: a client
        // waits for messages that the other sends again only once it has noticed the drop.
        futures::future::join_all(clients.iter_mut().map(|client| client.pump(2 * (round + 1)))).await;
    }

    assert!(clients.iter().any(|c| c.reconnects > 0), "no client was on the killed node");
    for client in &clients {
        let mut seen = client.received.clone();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 2 * ROUNDS, "{}: every message of its room once: {:?}", client.name, client.received);
    }
    for ticket_id in tickets {
        let (stored, distinct): (i64, i64) =
            sqlx::query_as("SELECT count(*), count(DISTINCT client_id) FROM ticket_messages WHERE ticket_id = $1 AND client_id LIKE 'c%-r%'")
                .bind(ticket_id)
                .fetch_one(app.pool())
                .await
                .unwrap();
        assert_eq!((stored, distinct), (2 * ROUNDS as i64, 2 * ROUNDS as i64), "stored once each");
    }
    drop(node_b);
}
