//! The live ticket rooms over WebSocket, against the real app (and a second app process) on a
//! fresh database per test.

use std::time::Duration;

use crate::common::{TestApp, Ws, connect_socket, spawn_app};
use myrelay::domain::account::Role;
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite;

struct Room {
    owner: String,
    agent: String,
    ticket_id: i64,
}

/// A user's ticket and an agent, both with session cookies.
async fn room(app: &TestApp) -> Room {
    let owner = app.cookie_for(Role::User, "owner@example.com").await;
    let agent = app.cookie_for(Role::Agent, "agent@example.com").await;
    let ticket_id = app.browser_with(&owner).new_ticket("Help with the live chat").await;
    Room { owner, agent, ticket_id }
}

async fn stored_messages(app: &TestApp, ticket_id: i64) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT seq, content FROM ticket_messages WHERE ticket_id = $1 ORDER BY seq")
        .bind(ticket_id)
        .fetch_all(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_upgrade_needs_a_session_and_this_sites_origin() {
    let app = spawn_app().await;
    let room = room(&app).await;
    match app.try_socket(None, Some(&app.base_url)).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected 401, got {:?}", other.map(|_| "a socket")),
    }
    match app.try_socket(Some(&room.owner), Some("https://evil.example")).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("expected 403, got {:?}", other.map(|_| "a socket")),
    }
    match app.try_socket(Some("myrelay_session=forged"), Some(&app.base_url)).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected 401, got {:?}", other.map(|_| "a socket")),
    }
    let mut ws = app.socket(&room.owner).await;
    let joined = ws.join(room.ticket_id, None).await;
    assert_eq!(joined["ticket_id"], room.ticket_id);
}

#[tokio::test]
async fn only_people_who_may_see_the_ticket_can_join() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let stranger = app.cookie_for(Role::User, "stranger@example.com").await;
    let mut ws = app.socket(&stranger).await;
    ws.send("ticket:join", json!({ "ticket_id": room.ticket_id })).await;
    let error = ws.expect("error").await;
    assert_eq!((error["code"].as_str(), error["ticket_id"].as_i64()), (Some("not_found"), Some(room.ticket_id)));
    assert!(!error.to_string().contains("Help with"), "no data leaks");
    // The stranger's messages are refused too, and nothing is stored.
    ws.send("ticket:message:send", json!({ "ticket_id": room.ticket_id, "client_id": "x1", "content": "hi" })).await;
    assert_eq!(ws.expect("error").await["code"], "not_found");
    assert!(stored_messages(&app, room.ticket_id).await.is_empty());

    for cookie in [&room.owner, &room.agent, &app.cookie_for(Role::Admin, "admin@example.com").await] {
        let mut ws = app.socket(cookie).await;
        assert_eq!(ws.join(room.ticket_id, None).await["ticket_id"], room.ticket_id);
    }
}

#[tokio::test]
async fn a_message_is_acknowledged_after_commit_and_delivered_to_the_room() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut owner = app.socket(&room.owner).await;
    let mut agent = app.socket(&room.agent).await;
    owner.join(room.ticket_id, None).await;
    let joined = agent.join(room.ticket_id, None).await;
    assert_eq!(joined["members"].as_array().unwrap().len(), 2, "{joined}");
    let seen = owner.expect("ticket:user_joined").await;
    assert_eq!(seen["user"]["role"], "agent");

    let ack = owner.say(room.ticket_id, "c-1", "  My export is empty  ").await;
    assert_eq!((ack["client_id"].as_str(), ack["seq"].as_i64()), (Some("c-1"), Some(1)));
    // Acknowledged means stored.
    assert_eq!(stored_messages(&app, room.ticket_id).await, [(1, "My export is empty".to_owned())]);

    let delivered = agent.expect("ticket:message:new").await;
    assert_eq!((delivered["seq"].as_i64(), delivered["content"].as_str()), (Some(1), Some("My export is empty")));
    assert_eq!(delivered["id"], ack["id"]);
    assert_eq!(delivered["sender"]["display_name"], "owner");

    let reply = agent.say(room.ticket_id, "a-1", "Looking now").await;
    assert_eq!(reply["seq"], 2);
    let mine = owner.until("ticket:message:new").await;
    assert_eq!(mine["seq"], 1, "the sender sees its own message in order too");
    assert_eq!(owner.expect("ticket:message:new").await["content"], "Looking now");
}

#[tokio::test]
async fn resending_a_client_id_returns_the_original_ack_and_stores_nothing() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut owner = app.socket(&room.owner).await;
    let mut agent = app.socket(&room.agent).await;
    agent.join(room.ticket_id, None).await;
    let first = owner.say(room.ticket_id, "same-id", "Once only").await;

    // As after a reconnect: a new socket resends the unacknowledged message.
    let mut again = app.socket(&room.owner).await;
    let second = again.say(room.ticket_id, "same-id", "Once only").await;
    assert_eq!((first["id"].clone(), first["seq"].clone()), (second["id"].clone(), second["seq"].clone()));
    // The HTTP fallback follows the same rule.
    let (status, via_http) = app
        .browser_with(&room.owner)
        .post_json("/api/tickets/send-message", &[("ticket_id", &room.ticket_id.to_string()), ("client_id", "same-id"), ("content", "Once only")])
        .await;
    assert_eq!((status, via_http["id"].clone()), (StatusCode::OK, first["id"].clone()));
    assert_eq!(stored_messages(&app, room.ticket_id).await.len(), 1);

    // The agent got it once: the next thing it sees is the next message.
    assert_eq!(agent.expect("ticket:message:new").await["seq"], 1);
    owner.say(room.ticket_id, "next-id", "Second").await;
    assert_eq!(agent.until("ticket:message:new").await["seq"], 2);
}

#[tokio::test]
async fn a_client_that_reconnects_with_after_seq_misses_nothing_and_sees_nothing_twice() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut owner = app.socket(&room.owner).await;
    let mut agent = app.socket(&room.agent).await;
    agent.join(room.ticket_id, None).await;
    owner.say(room.ticket_id, "m1", "one").await;
    assert_eq!(agent.until("ticket:message:new").await["seq"], 1);
    drop(agent); // the agent's connection drops

    owner.say(room.ticket_id, "m2", "two").await;
    owner.say(room.ticket_id, "m3", "three").await;
    app.browser_with(&room.agent)
        .post_json("/api/tickets/assign", &[("id", &room.ticket_id.to_string()), ("version", "1")])
        .await;

    let mut agent = app.socket(&room.agent).await;
    agent.send("ticket:join", json!({ "ticket_id": room.ticket_id, "after_seq": 1 })).await;
    let mut seen = Vec::new();
    loop {
        let (name, data) = agent.next().await;
        match name.as_str() {
            "ticket:joined" => {
                assert_eq!(data["last_seq"], 4);
                break;
            }
            "ticket:message:new" | "ticket:assigned" | "ticket:status:updated" => seen.push((data["seq"].as_i64().unwrap(), name)),
            _ => {}
        }
    }
    let seqs: Vec<i64> = seen.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, [2, 3, 4], "replayed in order: {seen:?}");
    assert_eq!(seen[2].1, "ticket:assigned");
    owner.say(room.ticket_id, "m5", "five").await;
    let live = agent.until("ticket:message:new").await;
    assert_eq!(live["seq"], 5, "then live, with no duplicate of the replay");
}

#[tokio::test]
async fn bad_input_gets_a_specific_error_stores_nothing_and_keeps_the_socket() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut ws = app.socket(&room.owner).await;
    ws.join(room.ticket_id, None).await;
    let id = room.ticket_id;

    let cases: Vec<(String, &str)> = vec![
        (json!({"event": "ticket:message:send", "data": {"ticket_id": id, "client_id": "e1", "content": "   "}}).to_string(), "invalid_content"),
        (json!({"event": "ticket:message:send", "data": {"ticket_id": id, "client_id": "e2", "content": "x".repeat(5001)}}).to_string(), "invalid_content"),
        (json!({"event": "ticket:message:send", "data": {"ticket_id": id, "client_id": "", "content": "hi"}}).to_string(), "invalid_client_id"),
        ("{not json".to_owned(), "malformed_json"),
        (json!({"event": "ticket:dance", "data": {}}).to_string(), "unknown_event"),
        (json!({"event": "ticket:join", "data": {"ticket_id": "seven"}}).to_string(), "invalid_data"),
        (json!({"event": "ticket:message:send", "data": {"ticket_id": id, "client_id": "big", "content": "x".repeat(40_000)}}).to_string(), "frame_too_large"),
    ];
    for (frame, code) in cases {
        ws.send_text(&frame).await;
        let error = ws.expect("error").await;
        assert_eq!(error["code"], code, "{error}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(stored_messages(&app, id).await.is_empty());

    // A burst beyond the limit is refused, message by message, and the rest are stored once.
    for n in 0..15 {
        ws.send("ticket:message:send", json!({ "ticket_id": id, "client_id": format!("b{n}"), "content": format!("burst {n}") })).await;
    }
    let mut acks = 0;
    let mut limited = 0;
    while acks + limited < 15 {
        let (name, data) = ws.next().await;
        match name.as_str() {
            "ticket:message:ack" => acks += 1,
            "error" => {
                assert_eq!(data["code"], "rate_limited");
                limited += 1;
            }
            _ => {}
        }
    }
    // Every attempt spends from the burst budget, the refused ones above included.
    assert!(limited >= 1 && acks >= 5, "acks {acks}, limited {limited}");
    assert_eq!(stored_messages(&app, id).await.len(), acks);

    // Closed tickets take no messages; the socket still works afterwards.
    let admin = app.cookie_for(Role::Admin, "admin@example.com").await;
    let (status, _) = app.browser_with(&admin).post_json("/api/tickets/status", &[("id", &id.to_string()), ("version", "1"), ("action", "close")]).await;
    assert_eq!(status, StatusCode::OK);
    let mut fresh = app.socket(&room.owner).await; // a full send budget
    fresh.send("ticket:message:send", json!({ "ticket_id": id, "client_id": "late", "content": "hello?" })).await;
    assert_eq!(fresh.until("error").await["code"], "ticket_closed");
    assert_eq!(stored_messages(&app, id).await.len(), acks);
    assert_eq!(ws.join(id, None).await["ticket_id"], id, "the first socket is still usable");
}

#[tokio::test]
async fn status_and_assignment_changes_reach_the_room_live() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut owner = app.socket(&room.owner).await;
    owner.join(room.ticket_id, None).await;
    let agent = app.browser_with(&room.agent);
    let id = room.ticket_id.to_string();

    agent.post_json("/api/tickets/assign", &[("id", &id), ("version", "1")]).await;
    let assigned = owner.until("ticket:assigned").await;
    assert_eq!((assigned["to_status"].as_str(), assigned["seq"].as_i64()), (Some("assigned"), Some(1)));
    agent.post_json("/api/tickets/status", &[("id", &id), ("version", "2"), ("action", "resolve")]).await;
    let resolved = owner.until("ticket:status:updated").await;
    assert_eq!((resolved["from_status"].as_str(), resolved["to_status"].as_str()), (Some("assigned"), Some("resolved")));
}

/// A second, separate server process on the same database.
pub(crate) struct SecondNode {
    pub(crate) child: tokio::process::Child,
    pub(crate) base_url: String,
}

impl Drop for SecondNode {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

pub(crate) async fn second_node(app: &TestApp) -> SecondNode {
    second_node_on(&app.state.config.database_url).await
}

async fn second_node_on(database_url: &str) -> SecondNode {
    node_process(database_url, &[]).await
}

/// A server process on `database_url` with these settings too; returns once it accepts connections.
pub(crate) async fn node_process(database_url: &str, settings: &[(&str, &str)]) -> SecondNode {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_myrelay"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        // As short as the first node's (common::spawn_app_with), so that leaving is heard soon.
        .env("MYRELAY_PRESENCE_GRACE_MS", "100")
        .envs(settings.iter().copied())
        .kill_on_drop(true)
        .spawn()
        .expect("start a second node");
    let base_url = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return SecondNode { child, base_url };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the second node did not start");
}

#[tokio::test]
async fn two_server_processes_on_one_database_behave_as_one() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let node_b = second_node(&app).await;

    let mut owner_on_a = app.socket(&room.owner).await;
    let mut agent_on_b: Ws = connect_socket(&node_b.base_url, Some(&room.agent), Some(&node_b.base_url)).await.unwrap();
    owner_on_a.join(room.ticket_id, None).await;
    let joined = agent_on_b.join(room.ticket_id, None).await;
    assert_eq!(joined["members"].as_array().unwrap().len(), 2, "presence spans nodes: {joined}");

    owner_on_a.say(room.ticket_id, "x-1", "from node A").await;
    assert_eq!(agent_on_b.until("ticket:message:new").await["content"], "from node A");
    agent_on_b.say(room.ticket_id, "x-2", "from node B").await;
    assert_eq!(owner_on_a.until("ticket:message:new").await["content"], "from node A", "its own, first");
    assert_eq!(owner_on_a.until("ticket:message:new").await["content"], "from node B");

    // A change made through node B's HTTP API reaches node A's socket.
    let agent_http = TestApp { base_url: node_b.base_url.clone(), state: app.state.clone() }.browser_with(&room.agent);
    let (status, _) = agent_http.post_json("/api/tickets/assign", &[("id", &room.ticket_id.to_string()), ("version", "1")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(owner_on_a.until("ticket:assigned").await["seq"], 3);
}

#[tokio::test]
async fn live_counters_count_sockets_agents_and_rooms_across_nodes() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let admin = app.browser_with(&app.cookie_for(Role::Admin, "admin@example.com").await);
    let counters = || async {
        let (_, stats) = admin.get_json("/api/admin/stats").await;
        (stats["connected_clients"].as_i64().unwrap(), stats["connected_agents"].as_i64().unwrap(), stats["active_ticket_rooms"].as_i64().unwrap())
    };
    assert_eq!(counters().await, (0, 0, 0));
    let node_b = second_node(&app).await;
    let mut owner = app.socket(&room.owner).await;
    let mut agent = connect_socket(&node_b.base_url, Some(&room.agent), Some(&node_b.base_url)).await.unwrap();
    let mut agent_tab_2 = app.socket(&room.agent).await;
    owner.join(room.ticket_id, None).await;
    agent.join(room.ticket_id, None).await;
    agent_tab_2.join(room.ticket_id, None).await;
    assert_eq!(counters().await, (3, 1, 1));

    drop((owner, agent, agent_tab_2));
    // Disconnects are cleaned up as each socket task ends.
    let mut last = counters().await;
    for _ in 0..100 {
        if last == (0, 0, 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        last = counters().await;
    }
    assert_eq!(last, (0, 0, 0));
}

#[tokio::test]
async fn deactivation_closes_the_socket_and_demotion_removes_access() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let admin = app.browser_with(&app.cookie_for(Role::Admin, "admin@example.com").await);
    let mut agent = app.socket(&room.agent).await;
    agent.join(room.ticket_id, None).await;
    let agent_id = app.browser_with(&room.agent).id().await.to_string();

    let (status, _) = admin.post_json("/api/admin/set-role", &[("user_id", &agent_id), ("role", "user")]).await;
    assert_eq!(status, StatusCode::OK);
    let lost = agent.until("error").await;
    assert_eq!((lost["code"].as_str(), lost["ticket_id"].as_i64()), (Some("access_lost"), Some(room.ticket_id)));

    let mut owner = app.socket(&room.owner).await;
    owner.join(room.ticket_id, None).await;
    let owner_id = app.browser_with(&room.owner).id().await.to_string();
    admin.post_json("/api/admin/set-active", &[("user_id", &owner_id), ("active", "false")]).await;
    assert_eq!(owner.closed_with().await, Some(1008));
}

#[tokio::test]
async fn typing_reaches_the_other_members() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut owner = app.socket(&room.owner).await;
    let mut agent = app.socket(&room.agent).await;
    owner.join(room.ticket_id, None).await;
    agent.join(room.ticket_id, None).await;
    owner.send("ticket:typing:start", json!({ "ticket_id": room.ticket_id })).await;
    let typing = agent.until("ticket:typing").await;
    assert_eq!((typing["typing"].as_bool(), typing["user"]["display_name"].as_str()), (Some(true), Some("owner")));
    owner.send("ticket:typing:stop", json!({ "ticket_id": room.ticket_id })).await;
    assert_eq!(agent.until("ticket:typing").await["typing"], false);
}

#[tokio::test]
async fn a_node_shutting_down_closes_its_sockets_with_going_away() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut node_b = second_node(&app).await;
    let mut ws = connect_socket(&node_b.base_url, Some(&room.owner), Some(&node_b.base_url)).await.unwrap();
    ws.join(room.ticket_id, None).await;
    let pid = node_b.child.id().expect("running").to_string();
    let status = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    assert_eq!(ws.closed_with().await, Some(1001));
    let exit = tokio::time::timeout(Duration::from_secs(10), node_b.child.wait()).await.expect("exits").unwrap();
    assert!(exit.success(), "a clean exit: {exit:?}");
}

/// Ends the node's LISTEN connection, as a database restart or a network cut would.
async fn cut_listener(app: &TestApp) {
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert!(!killed.is_empty(), "the node's LISTEN connection was found");
}

/// New tickets and moves may be lost while a node's listener is away: a socket watching the inbox
/// has its watch confirmed again once the node listens again, which makes the inbox load its list
/// and counts again.
#[tokio::test]
async fn the_inbox_loads_again_after_its_node_lost_the_listener() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut agent = app.socket(&room.agent).await;
    agent.send("inbox:watch", json!({ "on": true })).await;
    agent.until("inbox:watching").await;
    cut_listener(&app).await;
    assert_eq!(agent.until("inbox:watching").await, json!({ "on": true }));
}

#[tokio::test]
async fn a_node_that_loses_its_listener_reconnects_and_catches_up() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut agent = app.socket(&room.agent).await;
    agent.join(room.ticket_id, None).await;
    cut_listener(&app).await;
    let owner = app.browser_with(&room.owner);
    for n in 1..=3 {
        let (status, _) = owner
            .post_json("/api/tickets/send-message", &[("ticket_id", &room.ticket_id.to_string()), ("client_id", &format!("l{n}")), ("content", &format!("after the outage {n}"))])
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    for n in 1..=3 {
        let message = agent.until("ticket:message:new").await;
        assert_eq!((message["seq"].as_i64(), message["content"].as_str()), (Some(n), Some(format!("after the outage {n}").as_str())));
    }
}

#[tokio::test]
async fn a_watched_list_hears_changes_of_visible_tickets_only() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let stranger = app.cookie_for(Role::User, "stranger@example.com").await;
    let strangers_ticket = app.browser_with(&stranger).new_ticket("Someone else's").await;
    let mut owner_list = app.socket(&room.owner).await;
    owner_list.send("tickets:watch", json!({ "ticket_ids": [room.ticket_id, strangers_ticket] })).await;
    // The watch is registered once the next request on the socket is answered.
    owner_list.join(room.ticket_id, None).await;
    owner_list.send("ticket:leave", json!({ "ticket_id": room.ticket_id })).await;

    let agent = app.browser_with(&room.agent);
    agent.post_json("/api/tickets/assign", &[("id", &strangers_ticket.to_string()), ("version", "1")]).await;
    agent.post_json("/api/tickets/assign", &[("id", &room.ticket_id.to_string()), ("version", "1")]).await;
    let heard = owner_list.until("ticket:assigned").await;
    assert_eq!(heard["ticket_id"], room.ticket_id, "the stranger's ticket is not reported");
    // Then the ticket as it now stands, for the list to show without loading it.
    let (name, data) = owner_list.next().await;
    assert_eq!((name.as_str(), data["ticket"]["id"].as_i64(), data["ticket"]["status"].as_str()), ("ticket:updated", Some(room.ticket_id), Some("assigned")), "{data}");
    // Messages reach watchers too (a list previews the newest one), in order with the changes.
    let content = "\n  Second try\r\nwith more lines";
    agent.post_json("/api/tickets/send-message", &[("ticket_id", &room.ticket_id.to_string()), ("client_id", "w1"), ("content", content)]).await;
    agent.post_json("/api/tickets/status", &[("id", &room.ticket_id.to_string()), ("version", "2"), ("action", "resolve")]).await;
    let (name, data) = owner_list.next().await;
    assert_eq!((name.as_str(), data["content"].as_str()), ("ticket:message:new", Some(content.trim())), "{data}");
    let (name, data) = owner_list.next().await;
    assert_eq!((name.as_str(), data["to_status"].as_str()), ("ticket:status:updated", Some("resolved")));
    let (name, data) = owner_list.next().await;
    assert_eq!((name.as_str(), data["ticket"]["status"].as_str()), ("ticket:updated", Some("resolved")), "{data}");
    // The list's preview, as loaded, is the message's first line: what the browser makes of it live.
    let (_, list) = app.browser_with(&room.owner).get_json("/api/tickets/list").await;
    let loaded = list["items"].as_array().unwrap().iter().find(|t| t["id"] == room.ticket_id).unwrap()["last_message"].clone();
    assert_eq!(loaded["excerpt"], "Second try", "{loaded}");
    assert_eq!(loaded["excerpt"].as_str(), Some(myrelay::domain::ticket::excerpt(content.trim()).as_str()));
}

#[tokio::test]
async fn tabs_joining_and_leaving_together_are_announced_once() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut owner = app.socket(&room.owner).await;
    owner.join(room.ticket_id, None).await;
    let (mut tab_a, mut tab_b) = (app.socket(&room.agent).await, app.socket(&room.agent).await);
    let join = json!({ "ticket_id": room.ticket_id });
    tokio::join!(tab_a.send("ticket:join", join.clone()), tab_b.send("ticket:join", join.clone()));
    tokio::join!(tab_a.until("ticket:joined"), tab_b.until("ticket:joined"));
    tokio::join!(tab_a.send("ticket:leave", join.clone()), tab_b.send("ticket:leave", join.clone()));
    // Frames are handled in order: once typing is refused as "not joined", each leave is done.
    tokio::join!(tab_a.send("ticket:typing:start", join.clone()), tab_b.send("ticket:typing:start", join.clone()));
    let (a, b) = tokio::join!(tab_a.until("error"), tab_b.until("error"));
    assert_eq!((a["code"].as_str(), b["code"].as_str()), (Some("not_joined"), Some("not_joined")));
    // A marker after both: everything announced before it has arrived when it does.
    owner.send("ticket:message:send", json!({ "ticket_id": room.ticket_id, "client_id": "marker", "content": "marker" })).await;
    let mut announcements = Vec::new();
    loop {
        let (name, data) = owner.next().await;
        match name.as_str() {
            "ticket:user_joined" | "ticket:user_left" => announcements.push(name),
            "ticket:message:new" if data["content"] == "marker" => break,
            _ => {}
        }
    }
    assert_eq!(announcements, ["ticket:user_joined", "ticket:user_left"]);
}

/// Sends queued together go into one transaction; a bad one among them fails alone.
/// The account behind a session cookie, as the writer takes its sender.
async fn sender(app: &TestApp, cookie: &str) -> std::sync::Arc<myrelay::domain::account::User> {
    let id = app.browser_with(cookie).id().await;
    std::sync::Arc::new(myrelay::auth::repo::find_user(app.pool(), id).await.unwrap().unwrap())
}

/// Queues a send with the app's writer without waiting (nothing yields): the answer comes after
/// its batch commits.
fn queue_send(app: &TestApp, request: myrelay::live::writer::SendRequest) -> tokio::sync::oneshot::Receiver<myrelay::live::hub::SendOutcome> {
    let (done, answer) = tokio::sync::oneshot::channel();
    app.state.writer.submit(request, move |outcome| {
        let _ = done.send(outcome);
    });
    answer
}

#[tokio::test]
async fn a_batch_with_bad_messages_fails_only_those() {
    use myrelay::live::hub::SendOutcome;
    use myrelay::live::writer::SendRequest;
    use myrelay::error::ErrorCode;
    use myrelay::domain::ticket::TicketStatus;
    use myrelay::tickets::repo::{TicketSeed, insert_ticket};

    let app = spawn_app().await;
    let room = room(&app).await;
    let owner = sender(&app, &room.owner).await;
    let owner_id = owner.id;
    let strangers_ticket = {
        let stranger = app.cookie_for(Role::User, "stranger@example.com").await;
        app.browser_with(&stranger).new_ticket("Not the owner's").await
    };
    let seed = TicketSeed { created_by: owner_id, subject: None, description: "Closed", status: TicketStatus::Closed, assigned_agent_id: None };
    let closed_ticket = insert_ticket(app.pool(), &seed).await.unwrap();
    let other_ticket = app.browser_with(&room.owner).new_ticket("Another of the owner's").await;
    let writer = &app.state.writer;
    let earlier = |client_id: &str| SendRequest { sender: owner.clone(), ticket_id: other_ticket, client_id: client_id.into(), content: "Earlier".into(), attachment_ids: Vec::new() };
    writer.send(earlier("used-elsewhere")).await.unwrap();

    let cases = [
        (room.ticket_id, "good-1", "First"),
        (closed_ticket, "to-closed", "Too late"),
        (strangers_ticket, "to-foreign", "Not mine"),
        (room.ticket_id, "used-elsewhere", "Same id, other ticket"),
        (room.ticket_id, "twice", "Sent twice"),
        (room.ticket_id, "twice", "Sent twice"),
        (room.ticket_id, "empty", "   "),
        (room.ticket_id, "good-2", "Second"),
    ];
    // Queued without yielding (the test runtime has one thread): the writer takes them as one batch.
    let mut answers = Vec::new();
    for (ticket_id, client_id, content) in cases {
        let request = SendRequest { sender: owner.clone(), ticket_id, client_id: client_id.into(), content: content.into(), attachment_ids: Vec::new() };
        answers.push(queue_send(&app, request));
    }
    let mut outcomes = Vec::new();
    for answer in answers {
        outcomes.push(answer.await.unwrap());
    }
    let code = |o: &SendOutcome| o.as_ref().err().map(|e| (e.code, e.field.clone()));
    let stored = |o: &SendOutcome| o.as_ref().ok().map(|(m, new)| (m.seq, m.content.clone(), *new));
    assert_eq!(stored(&outcomes[0]), Some((1, "First".into(), true)));
    assert_eq!(code(&outcomes[1]), Some((ErrorCode::Conflict, None)), "closed ticket");
    assert_eq!(code(&outcomes[2]), Some((ErrorCode::NotFound, None)), "someone else's ticket");
    assert_eq!(code(&outcomes[3]), Some((ErrorCode::Validation, Some("client_id".into()))), "client_id used for another ticket");
    assert_eq!(stored(&outcomes[4]), Some((2, "Sent twice".into(), true)));
    assert_eq!(stored(&outcomes[5]), Some((2, "Sent twice".into(), false)), "the repeat is the same message");
    assert_eq!(code(&outcomes[6]), Some((ErrorCode::Validation, Some("content".into()))));
    assert_eq!(stored(&outcomes[7]), Some((3, "Second".into(), true)));

    assert_eq!(
        stored_messages(&app, room.ticket_id).await,
        [(1, "First".to_owned()), (2, "Sent twice".to_owned()), (3, "Second".to_owned())]
    );
    let (distinct_commits, last_seq): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(DISTINCT created_at) FROM ticket_messages WHERE ticket_id = $1), (SELECT last_seq FROM tickets WHERE id = $1)",
    )
    .bind(room.ticket_id)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!((distinct_commits, last_seq), (1, 3), "one transaction, and the ticket's seq moved with it");
    for untouched in [closed_ticket, strangers_ticket] {
        assert!(stored_messages(&app, untouched).await.is_empty());
    }
}

/// The writer tasks split the tickets between them: sends to tickets of every share, queued at
/// once and interleaved, still get each ticket's seqs in the order they were sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interleaved_sends_to_many_tickets_keep_each_tickets_order() {
    use myrelay::live::writer::SendRequest;

    let app = spawn_app().await;
    let owner_cookie = app.cookie_for(Role::User, "owner@example.com").await;
    let owner = sender(&app, &owner_cookie).await;
    let mut tickets = Vec::new();
    for n in 0..4 {
        tickets.push(app.browser_with(&owner_cookie).new_ticket(&format!("Ticket {n}")).await);
    }
    let mut answers = Vec::new();
    for round in 1..=25 {
        for &ticket_id in &tickets {
            let request = SendRequest {
                sender: owner.clone(),
                ticket_id,
                client_id: format!("{ticket_id}-{round}"),
                content: format!("{round}"),
                attachment_ids: Vec::new(),
            };
            answers.push(queue_send(&app, request));
        }
    }
    for answer in answers {
        answer.await.unwrap().unwrap();
    }
    let in_order: Vec<(i64, String)> = (1..=25).map(|n| (n, n.to_string())).collect();
    for ticket_id in tickets {
        assert_eq!(stored_messages(&app, ticket_id).await, in_order, "ticket {ticket_id}");
    }
}

#[tokio::test]
async fn joining_after_a_seq_the_ticket_never_reached_is_refused() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut ws = app.socket(&room.owner).await;
    ws.say(room.ticket_id, "only", "The only message").await;
    for after_seq in [9_007_199_254_740_991_i64, 2, -1] {
        ws.send("ticket:join", json!({ "ticket_id": room.ticket_id, "after_seq": after_seq })).await;
        let error = ws.until("error").await;
        assert_eq!((error["code"].as_str(), error["event"].as_str()), (Some("invalid_data"), Some("ticket:join")), "{after_seq}: {error}");
    }
    // Not in the room after a refusal; a valid position still works.
    let joined = ws.join(room.ticket_id, Some(0)).await;
    assert_eq!(joined["last_seq"], 1);
}

#[tokio::test]
async fn unreadable_frames_close_with_a_code_and_a_reason() {
    use futures::{SinkExt, StreamExt};
    use tungstenite::protocol::frame::{Frame as RawFrame, coding::{Data, OpCode}};

    let app = spawn_app().await;
    let room = room(&app).await;
    let mut ws = app.socket(&room.owner).await;
    let invalid_utf8 = RawFrame::message(vec![b'{', 0xff, 0xfe, b'}'], OpCode::Data(Data::Text), true);
    ws.stream.send(tungstenite::Message::Frame(invalid_utf8)).await.unwrap();
    assert_eq!(ws.closed_with().await, Some(1007));

    let ws = app.socket(&room.owner).await;
    let (mut write, mut read) = ws.stream.split();
    // Written while the server answers: it refuses the frame by its header.
    let sending = tokio::spawn(async move { write.send(tungstenite::Message::text("x".repeat(10 * 1024 * 1024))).await });
    let close = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(frame) = read.next().await {
            if let Ok(tungstenite::Message::Close(frame)) = frame {
                return frame.map(|f| (u16::from(f.code), f.reason.to_string()));
            }
        }
        None
    })
    .await
    .expect("closed within 10 s");
    let (code, reason) = close.expect("a close frame");
    assert_eq!(code, 1009);
    assert!(reason.contains("too large"), "{reason}");
    sending.abort();
}

/// A second node signed in as a role of its own (so the test can take the database away from it
/// alone), with `settings` applied to that role; and a connection to the server to do that with.
async fn node_with_own_role(app: &TestApp, settings: &[&str]) -> (SecondNode, String, sqlx::PgConnection) {
    let role = format!("myrelay_test_node_{}", uuid::Uuid::new_v4().simple());
    let server = std::env::var("DATABASE_URL").unwrap();
    let mut control = <sqlx::PgConnection as sqlx::Connection>::connect(&server).await.unwrap();
    sqlx::query(&format!(r#"CREATE ROLE "{role}" LOGIN SUPERUSER PASSWORD 'node-b-password'"#)).execute(&mut control).await.unwrap();
    for setting in settings {
        sqlx::query(&format!(r#"ALTER ROLE "{role}" SET {setting}"#)).execute(&mut control).await.unwrap();
    }
    let mut url = reqwest::Url::parse(&app.state.config.database_url).unwrap();
    url.set_username(&role).unwrap();
    url.set_password(Some("node-b-password")).unwrap();
    (second_node_on(url.as_str()).await, role, control)
}

/// Stops the node and drops its role (which needs its connections gone first).
async fn retire(mut node: SecondNode, role: &str, control: &mut sqlx::PgConnection) {
    let _ = node.child.kill().await;
    let _ = sqlx::query("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = $1").bind(role).execute(&mut *control).await;
    sqlx::query(&format!(r#"DROP ROLE IF EXISTS "{role}""#)).execute(&mut *control).await.unwrap();
}

/// Node B loses the database (its connections dropped, new ones refused) while a message is
/// stored through node A; once B can connect again, its socket gets the message without anyone
/// writing again (before the fix it waited for the next notice, which never came).
#[tokio::test]
async fn after_a_database_outage_every_node_catches_up_at_once() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let (node_b, role, mut control) = node_with_own_role(&app, &[]).await;
    let mut owner_on_a = app.socket(&room.owner).await;
    let mut agent_on_b = connect_socket(&node_b.base_url, Some(&room.agent), Some(&node_b.base_url)).await.unwrap();
    owner_on_a.join(room.ticket_id, None).await;
    agent_on_b.join(room.ticket_id, None).await;

    // Every connection of node B ends and no new one is let in. The pool's go first, each waited
    // for: a listener dropped first could be lent one still alive, hear "reconnected" and have
    // the socket catch up on a connection about to die (it then closes, rightly, but not here).
    sqlx::query(&format!(r#"ALTER ROLE "{role}" NOLOGIN"#)).execute(&mut control).await.unwrap();
    let connections: Vec<i32> = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE usename = $1 ORDER BY query LIKE 'LISTEN%', pid",
    )
    .bind(&role)
    .fetch_all(&mut control)
    .await
    .unwrap();
    assert!(!connections.is_empty(), "node B's connections");
    for pid in connections {
        // False only for a connection that already ended by itself.
        sqlx::query("SELECT pg_terminate_backend($1, 5000)").bind(pid).execute(&mut control).await.unwrap();
    }
    let ack = owner_on_a.say(room.ticket_id, "during", "Sent while node B cannot listen").await;
    assert_eq!(ack["seq"], 1);
    // Long enough for node B's reconnects to fail, as in a real outage.
    tokio::time::sleep(Duration::from_secs(2)).await;
    sqlx::query(&format!(r#"ALTER ROLE "{role}" LOGIN"#)).execute(&mut control).await.unwrap();

    let message = agent_on_b.until("ticket:message:new").await;
    assert_eq!(message["content"], "Sent while node B cannot listen");
    drop(agent_on_b);
    retire(node_b, &role, &mut control).await;
}

/// A socket's sends are metered as they arrive: sends within the budget that queued up while the
/// socket waited on the database all pass once it is back.
#[tokio::test]
async fn sends_within_the_budget_pass_after_a_database_stall() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let mut ws = app.socket(&room.owner).await;
    ws.join(room.ticket_id, None).await;
    // The next join waits on this lock, and with it the socket's reading.
    let mut blocker = app.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE").execute(&mut *blocker).await.unwrap();
    ws.send("ticket:join", json!({ "ticket_id": room.ticket_id })).await;
    let mut pace = tokio::time::interval(Duration::from_millis(300)); // 3.3 a second, inside the 5
    for n in 0..20 {
        pace.tick().await;
        ws.send("ticket:message:send", json!({ "ticket_id": room.ticket_id, "client_id": format!("s{n}"), "content": format!("steady {n}") })).await;
    }
    blocker.rollback().await.unwrap();
    let mut acks = 0;
    while acks < 20 {
        let (name, data) = ws.next().await;
        assert_ne!(name, "error", "{data}");
        acks += usize::from(name == "ticket:message:ack");
    }
    assert_eq!(stored_messages(&app, room.ticket_id).await.len(), 20);
}

/// A client that stops reading is let go (its queue and the server's write are bounded), and the
/// room goes on for everyone else.
#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_and_the_room_goes_on() {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let app = spawn_app().await;
    let room = room(&app).await;
    let mut owner = app.socket(&room.owner).await;
    owner.join(room.ticket_id, None).await;

    // The agent's tab joins through a small receive window, then never reads again.
    let addr: std::net::SocketAddr = app.base_url.trim_start_matches("http://").parse().unwrap();
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(4096).unwrap();
    let stream = tcp.connect(addr).await.unwrap();
    let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
    request.headers_mut().insert("cookie", room.agent.parse().unwrap());
    let (mut silent, _) = tokio_tungstenite::client_async(request, stream).await.unwrap();
    let join = json!({ "event": "ticket:join", "data": { "ticket_id": room.ticket_id } }).to_string();
    silent.send(tungstenite::Message::text(join)).await.unwrap();
    assert_eq!(owner.until("ticket:user_joined").await["user"]["role"], "agent");

    // Large messages, inside the send budget, until the server gives up on the silent socket.
    let big = "x".repeat(4_000);
    let mut pace = tokio::time::interval(Duration::from_millis(250));
    let mut sent = 0;
    let left = loop {
        pace.tick().await;
        owner.send("ticket:message:send", json!({ "ticket_id": room.ticket_id, "client_id": format!("big-{sent}"), "content": big })).await;
        sent += 1;
        let event = tokio::time::timeout(Duration::from_millis(200), async {
            loop {
                let (name, data) = owner.next().await;
                if name == "ticket:user_left" {
                    return data;
                }
            }
        })
        .await;
        if let Ok(data) = event {
            break data;
        }
        assert!(sent < 200, "the silent socket was never dropped");
    };
    assert_eq!(left["user"]["role"], "agent");
    // The owner's own socket is unaffected.
    let ack = owner.say(room.ticket_id, "after", "Still here").await;
    assert!(ack["seq"].as_i64().unwrap() > 1);
    drop(silent);
}

/// A database error while re-checking someone's rights is not a deactivation: the socket closes
/// with 1011 (reconnect and resume), not 1008 (which tells the browser to stop for good).
#[tokio::test]
async fn a_failed_rights_check_closes_for_a_retry_not_for_good() {
    let app = spawn_app().await;
    let room = room(&app).await;
    // Node B's queries give up after 300 ms, so a held lock makes its re-check fail.
    let (node_b, role, mut control) = node_with_own_role(&app, &["statement_timeout = '300ms'"]).await;
    let mut agent_on_b = connect_socket(&node_b.base_url, Some(&room.agent), Some(&node_b.base_url)).await.unwrap();
    agent_on_b.join(room.ticket_id, None).await;
    let agent_id = app.browser_with(&room.agent).id().await;

    let mut hold = app.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE").execute(&mut *hold).await.unwrap();
    // The notice an account change sends, without the change (that would need the lock).
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(myrelay::live::outbox::USER_CHANNEL)
        .bind(format!(r#"{{"user_id":{agent_id}}}"#))
        .execute(app.pool())
        .await
        .unwrap();
    assert_eq!(agent_on_b.closed_with().await, Some(1011));
    hold.rollback().await.unwrap();
    drop(agent_on_b);
    retire(node_b, &role, &mut control).await;
}

#[tokio::test]
async fn staff_watching_the_inbox_hear_of_each_new_ticket_and_users_may_not_watch() {
    let app = spawn_app().await;
    let room = room(&app).await;
    let owner = app.browser_with(&room.owner);
    let mut agent = app.socket(&room.agent).await;
    agent.send("inbox:watch", json!({ "on": true })).await;
    assert_eq!(agent.until("inbox:watching").await, json!({ "on": true }), "confirmed once it applies");
    let first = owner.new_ticket("A new problem").await;
    let news = agent.until("ticket:created").await;
    // The ticket as lists show it comes along: the inbox adds its row without loading anything.
    assert_eq!((news["ticket_id"].as_i64(), news["ticket"]["id"].as_i64()), (Some(first), Some(first)), "{news}");
    assert_eq!((news["ticket"]["status"].as_str(), news["ticket"]["description"].as_str()), (Some("open"), Some("A new problem")), "{news}");

    // Not watching: nothing arrives. Watching again, the next notice is about the next ticket.
    agent.send("inbox:watch", json!({ "on": false })).await;
    assert_eq!(agent.until("inbox:watching").await, json!({ "on": false }));
    owner.new_ticket("Unheard").await;
    agent.send("inbox:watch", json!({ "on": true })).await;
    agent.until("inbox:watching").await;
    let third = owner.new_ticket("Heard again").await;
    assert_eq!(agent.until("ticket:created").await["ticket_id"], third);

    let mut user = app.socket(&room.owner).await;
    user.send("inbox:watch", json!({ "on": true })).await;
    let error = user.expect("error").await;
    assert_eq!((error["code"].as_str(), error["event"].as_str()), (Some("forbidden"), Some("inbox:watch")));
}

/// The inbox's tabs count from what its socket hears: the counts loaded once, plus each ticket
/// opened and each move (`inbox:moved`, for tickets the socket does not follow too), are the
/// counts loaded again afterwards. A customer's socket hears no move.
#[tokio::test]
async fn the_inbox_hears_every_move_and_its_counts_follow_from_them() {
    use myrelay::domain::ticket::{QueueCounts, QueueMove};
    let app = spawn_app().await;
    let room = room(&app).await;
    let admin = app.cookie_for(Role::Admin, "admin@example.com").await;
    let (owner_http, agent_http, admin_http) = (app.browser_with(&room.owner), app.browser_with(&room.agent), app.browser_with(&admin));
    let agent_id = agent_http.id().await;
    let counts = async || serde_json::from_value::<QueueCounts>(agent_http.get_json("/api/tickets/inbox-counts").await.1).unwrap();
    let mut inbox = app.socket(&room.agent).await;
    inbox.send("inbox:watch", json!({ "on": true })).await;
    inbox.until("inbox:watching").await;
    let mut customer = app.socket(&room.owner).await;
    customer.watch(&[room.ticket_id]).await;
    let loaded = counts().await;

    let act = async |who: &crate::common::Browser, path: &str, id: i64, version: &str, action: Option<&str>| {
        let (id, mut fields) = (id.to_string(), vec![("version", version)]);
        fields.extend(action.map(|action| ("action", action)));
        fields.push(("id", &id));
        let (status, body) = who.post_json(path, &fields).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    };
    // The admin takes the ticket the inbox's socket does not follow; a new one comes, which the
    // agent takes and resolves; the admin closes the first.
    act(&admin_http, "/api/tickets/assign", room.ticket_id, "1", None).await;
    let fresh = owner_http.new_ticket("Opened while the inbox watches").await;
    act(&agent_http, "/api/tickets/assign", fresh, "1", None).await;
    act(&agent_http, "/api/tickets/status", fresh, "2", Some("resolve")).await;
    act(&admin_http, "/api/tickets/status", room.ticket_id, "2", Some("close")).await;

    let (mut followed, mut opened, mut moves) = (loaded, 0, Vec::new());
    while (opened, moves.len()) != (1, 4) {
        match inbox.next().await {
            (event, data) if event == "ticket:created" => {
                assert_eq!(data["ticket_id"], fresh);
                followed.moved(None, QueueCounts::OPENED, agent_id);
                opened += 1;
            }
            (event, data) if event == "inbox:moved" => {
                let change: QueueMove = serde_json::from_value(data).unwrap();
                followed.moved(Some((change.from_status, change.from_agent_id)), (change.to_status, change.to_agent_id), agent_id);
                moves.push(change.ticket_id);
            }
            _ => {}
        }
    }
    assert_eq!(moves.iter().filter(|id| **id == room.ticket_id).count(), 2, "{moves:?}");
    let now = counts().await;
    assert_eq!(followed, now);
    assert_eq!((now.unassigned - loaded.unassigned, now.mine - loaded.mine, now.resolved - loaded.resolved), (-1, 1, 1));
    customer.never_until("inbox:moved", |event, data| event == "ticket:status:updated" && data["to_status"] == "closed").await;
}
