//! Presence: agents and admins online, away (by choice, or every tab idle) or offline, heard by
//! the team on every node and by a customer for their ticket's agent only; a dead node's people go
//! offline and leave their rooms; a node whose rows were reaped while it lived writes them again.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::chat::second_node;
use crate::common::{Browser, Ws, connect_socket, spawn_app, spawn_app_with};
use myrelay::domain::account::Role;

/// The people a presence event tells of: one to a customer (`staff:presence`), any number to
/// staff (`staff:team`); none for other events.
fn people_in(event: &str, data: &Value) -> Vec<Value> {
    match event {
        "staff:presence" => vec![data.clone()],
        "staff:team" => data["people"].as_array().cloned().unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Reads events until `person`'s presence is `status`.
async fn until_status(ws: &mut Ws, person: i64, status: &str) -> Value {
    loop {
        let (event, data) = ws.next_event().await;
        if let Some(heard) = people_in(&event, &data).into_iter().find(|p| p["user_id"] == person && p["status"] == status) {
            return heard;
        }
    }
}

/// Like `until_status`, asserting that no presence of `never` arrives first.
async fn until_status_never(ws: &mut Ws, person: i64, status: &str, never: i64) -> Value {
    loop {
        let (event, data) = ws.next_event().await;
        for heard in people_in(&event, &data) {
            assert_ne!(heard["user_id"], never, "heard someone it must not: {heard}");
            if heard["user_id"] == person && heard["status"] == status {
                return heard;
            }
        }
    }
}

async fn team_status(browser: &Browser, person: i64) -> Value {
    let (status, team) = browser.get_json("/api/presence/team").await;
    assert_eq!(status, StatusCode::OK, "{team}");
    team.as_array().unwrap().iter().find(|p| p["user_id"] == person).cloned().expect("in the team")
}

async fn set_away(browser: &Browser, away: &str) -> (StatusCode, Value) {
    browser.post_json("/api/presence/away", &[("away", away)]).await
}

async fn idle(ws: &mut Ws, idle: bool) {
    ws.send("presence:idle", serde_json::json!({ "idle": idle })).await;
}

#[tokio::test]
async fn staff_are_online_away_or_offline_on_every_node() {
    let app = spawn_app().await;
    let node_b = second_node(&app).await;
    let admin_cookie = app.cookie_for(Role::Admin, "admin@example.com").await;
    let agent_cookie = app.cookie_for(Role::Agent, "agent@example.com").await;
    let (admin, agent) = (app.browser_with(&admin_cookie), app.browser_with(&agent_cookie));
    let agent_id = agent.id().await;

    // Nobody connected: offline, never seen. The admin's socket starts with the whole team.
    assert_eq!(team_status(&admin, agent_id).await["status"], "offline");
    assert_eq!(team_status(&admin, agent_id).await["last_seen_at"], Value::Null);
    let mut watcher = app.socket(&admin_cookie).await;
    until_status(&mut watcher, agent_id, "offline").await;

    // A tab on the other node: online here.
    let mut tab_b = connect_socket(&node_b.base_url, Some(&agent_cookie), Some(&node_b.base_url)).await.unwrap();
    until_status(&mut watcher, agent_id, "online").await;
    assert_eq!(team_status(&admin, agent_id).await["status"], "online");

    // Away once every tab is idle; a tab in use is enough to be online.
    idle(&mut tab_b, true).await;
    until_status(&mut watcher, agent_id, "away").await;
    let mut tab_a = app.socket(&agent_cookie).await;
    until_status(&mut watcher, agent_id, "online").await;
    idle(&mut tab_a, true).await;
    until_status(&mut watcher, agent_id, "away").await;
    idle(&mut tab_b, false).await;
    until_status(&mut watcher, agent_id, "online").await;

    // Appearing away is the person's own choice, kept whatever the tabs do.
    let (status, me) = set_away(&agent, "true").await;
    assert_eq!((status, me["status"].as_str(), me["appear_away"].as_bool()), (StatusCode::OK, Some("away"), Some(true)), "{me}");
    let heard = until_status(&mut watcher, agent_id, "away").await;
    assert_eq!(heard["appear_away"], true);
    drop(tab_a);
    let (status, me) = set_away(&agent, "false").await;
    assert_eq!((status, me["status"].as_str()), (StatusCode::OK, Some("online")), "{me}");
    until_status(&mut watcher, agent_id, "online").await;

    // The last tab closes: offline, last seen now.
    drop(tab_b);
    let gone = until_status(&mut watcher, agent_id, "offline").await;
    assert!(gone["last_seen_at"].is_string(), "{gone}");
    assert_eq!(team_status(&admin, agent_id).await["status"], "offline");

    // Only staff see the team or choose to appear away; bad input changes nothing.
    let customer = app.signed_in_user("user@example.com").await;
    assert_eq!(customer.get_json("/api/presence/team").await.0, StatusCode::FORBIDDEN);
    assert_eq!(set_away(&customer, "true").await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.browser().get_json("/api/presence/team").await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = set_away(&agent, "maybe").await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("away")), "{body}");
    assert_eq!(team_status(&admin, agent_id).await["appear_away"], false);
}

#[tokio::test]
async fn a_customer_hears_only_the_presence_of_their_tickets_agent() {
    let app = spawn_app().await;
    let ((customer_cookie, customer), (agent_cookie, agent)) = app.customer_and_agent().await;
    let other_cookie = app.cookie_for(Role::Agent, "other-agent@example.com").await;
    let other_agent = app.browser_with(&other_cookie);
    let (agent_id, other_id) = (agent.id().await, other_agent.id().await);
    let id = customer.new_ticket("The export is empty").await;
    let version = customer.get_json(&format!("/api/tickets/get?id={id}")).await.1["version"].to_string();
    let (status, body) = agent.post_json("/api/tickets/assign", &[("id", &id.to_string()), ("version", &version)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Joining the room tells the customer where their agent stands, and nothing only staff know.
    let mut room = app.socket(&customer_cookie).await;
    room.join(id, None).await;
    let offline = until_status(&mut room, agent_id, "offline").await;
    assert_eq!((offline["last_seen_at"].clone(), offline["appear_away"].clone()), (Value::Null, Value::Bool(false)), "{offline}");

    // Another agent coming online is none of the customer's business; their own agent is. (The
    // other agent's arrival is announced before the agent connects, as a staff socket shows.)
    let mut other_tab = app.socket(&other_cookie).await;
    until_status(&mut other_tab, other_id, "online").await;
    let mut agent_tab = app.socket(&agent_cookie).await;
    until_status_never(&mut room, agent_id, "online", other_id).await;
    let ticket = customer.get_json(&format!("/api/tickets/get?id={id}")).await.1;
    assert_eq!(ticket["agent_status"], "online");
    idle(&mut agent_tab, true).await;
    until_status_never(&mut room, agent_id, "away", other_id).await;

    // The ticket changes hands (an admin hands it over): from now on the customer follows the new agent.
    let version = customer.get_json(&format!("/api/tickets/get?id={id}")).await.1["version"].to_string();
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let fields = [("id", id.to_string()), ("version", version), ("agent_id", other_id.to_string())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = admin.post_json("/api/tickets/assign", &fields).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    room.until("ticket:assigned").await;
    until_status(&mut room, other_id, "online").await;
    idle(&mut agent_tab, false).await;
    drop(agent_tab);
    // The first agent's comings and goings no longer reach the customer; a message marks the end.
    let mut other_tab_2 = app.socket(&other_cookie).await;
    other_tab_2.join(id, None).await;
    other_tab_2.say(id, "m-1", "Looking into it").await;
    loop {
        let (event, data) = room.next_event().await;
        for heard in people_in(&event, &data) {
            assert_eq!(heard["user_id"], other_id, "only the ticket's agent: {heard}");
        }
        if event == "ticket:message:new" {
            break;
        }
    }
}

#[tokio::test]
async fn a_dead_nodes_people_go_offline_and_leave_their_rooms() {
    let app = spawn_app().await;
    let ((customer_cookie, customer), (agent_cookie, agent)) = app.customer_and_agent().await;
    let admin_cookie = app.cookie_for(Role::Admin, "admin@example.com").await;
    let agent_id = agent.id().await;
    let id = customer.new_ticket("Invoices are missing").await;
    let mut node_b = second_node(&app).await;
    let mut watcher = app.socket(&admin_cookie).await;
    let mut room = app.socket(&customer_cookie).await;
    room.join(id, None).await;

    let mut agent_on_b = connect_socket(&node_b.base_url, Some(&agent_cookie), Some(&node_b.base_url)).await.unwrap();
    agent_on_b.join(id, None).await;
    assert_eq!(room.until("ticket:user_joined").await["user"]["user_id"], agent_id);
    until_status(&mut watcher, agent_id, "online").await;

    // kill -9: node B says no goodbye. Once it has been silent for a minute (made so here), the
    // next heartbeat of a live node reaps it and says what it no longer can.
    node_b.child.kill().await.unwrap();
    sqlx::query("UPDATE live_nodes SET seen_at = now() - interval '2 minutes' WHERE node_id <> $1")
        .bind(app.state.hub.node_id)
        .execute(app.pool())
        .await
        .unwrap();
    app.state.hub.beat(app.pool()).await;
    assert_eq!(room.until("ticket:user_left").await["user"]["user_id"], agent_id);
    let gone = until_status(&mut watcher, agent_id, "offline").await;
    assert!(gone["last_seen_at"].is_string(), "{gone}");
    assert_eq!(app.count("live_nodes").await, 1, "only the living node is left");
    drop(agent_on_b);
}

#[tokio::test]
async fn a_node_reaped_while_alive_writes_its_presence_again() {
    let app = spawn_app().await;
    let ((customer_cookie, customer), (agent_cookie, agent)) = app.customer_and_agent().await;
    let admin_cookie = app.cookie_for(Role::Admin, "admin@example.com").await;
    let agent_id = agent.id().await;
    let id = customer.new_ticket("Password reset mail never arrives").await;
    let mut watcher = app.socket(&admin_cookie).await;
    let mut agent_tab = app.socket(&agent_cookie).await;
    agent_tab.join(id, None).await;
    idle(&mut agent_tab, true).await;
    until_status(&mut watcher, agent_id, "away").await;

    // The database was away for over a minute: another node (here, this one) reaps this node's rows.
    sqlx::query("UPDATE live_nodes SET seen_at = now() - interval '2 minutes'").execute(app.pool()).await.unwrap();
    myrelay::live::node::reap_dead_nodes(app.pool(), &app.state.hub).await;
    until_status(&mut watcher, agent_id, "offline").await;

    // The node's next heartbeat finds its row gone: its sockets write theirs again, idle tabs as idle.
    app.state.hub.beat(app.pool()).await;
    until_status(&mut watcher, agent_id, "away").await;
    let mut room = app.socket(&customer_cookie).await;
    let joined = room.join(id, None).await;
    let members: Vec<i64> = joined["members"].as_array().unwrap().iter().map(|m| m["user_id"].as_i64().unwrap()).collect();
    assert!(members.contains(&agent_id), "the agent is back in the room: {joined}");
}

/// A reload (or a page change) closes a person's socket and opens the next one at once: within the
/// presence grace nobody hears them leave the room and come back, or go offline and online again.
/// Once their last socket stays closed past the grace, everybody hears it, once.
#[tokio::test]
async fn a_reload_is_never_heard_as_leaving_and_coming_back() {
    // Long enough for the next socket to be in on a busy machine; the test waits it out once.
    let app = spawn_app_with(|config| config.presence_grace = Duration::from_secs(3)).await;
    let owner = app.cookie_for(Role::User, "owner@example.com").await;
    let agent = app.cookie_for(Role::Agent, "agent@example.com").await;
    let admin = app.cookie_for(Role::Admin, "admin@example.com").await;
    let ticket_id = app.browser_with(&owner).new_ticket("Reloading").await;
    let agent_id = app.browser_with(&agent).id().await;
    let mut customer = app.socket(&owner).await;
    customer.join(ticket_id, None).await;
    let mut watcher = app.socket(&admin).await;
    until_status(&mut watcher, agent_id, "offline").await;
    watcher.join(ticket_id, None).await;

    let mut first = app.socket(&agent).await;
    first.join(ticket_id, None).await;
    until_member(&mut customer, "ticket:user_joined", agent_id).await;
    until_status(&mut watcher, agent_id, "online").await;

    // The reload: the page's socket closes, the next page's socket joins.
    first.close().await;
    let mut second = app.socket(&agent).await;
    let joined = second.join(ticket_id, None).await;
    assert!(joined["members"].as_array().unwrap().iter().any(|m| m["user_id"] == agent_id), "{joined}");
    // A marker after it: whatever was announced for the reload has arrived when it does.
    customer.send("ticket:message:send", serde_json::json!({ "ticket_id": ticket_id, "client_id": "marker", "content": "marker" })).await;
    let heard_in_room = events_until_marker(&mut customer, |name, _| name.starts_with("ticket:user_")).await;
    assert_eq!(heard_in_room, Vec::<String>::new(), "the customer heard the reload");
    // The team's marker: a colleague comes online (staff presence goes out in order, batched).
    let colleague = app.cookie_for(Role::Agent, "colleague@example.com").await;
    let colleague_id = app.browser_with(&colleague).id().await;
    let _colleague_tab = app.socket(&colleague).await;
    let mut heard_by_team = Vec::new();
    loop {
        let (name, data) = watcher.next_event().await;
        let people = people_in(&name, &data);
        heard_by_team.extend(people.iter().filter(|p| p["user_id"] == agent_id).map(Value::to_string));
        if people.iter().any(|p| p["user_id"] == colleague_id && p["status"] == "online") {
            break;
        }
    }
    assert_eq!(heard_by_team, Vec::<String>::new(), "the team heard the reload");

    // The tab closes for good: once the grace is over, gone from the room and offline, once each.
    second.close().await;
    until_member(&mut customer, "ticket:user_left", agent_id).await;
    until_status(&mut watcher, agent_id, "offline").await;
    assert_eq!(team_status(&app.browser_with(&admin), agent_id).await["status"], "offline");
}

/// Reads events until `event` (joined or left) about `person`.
async fn until_member(ws: &mut Ws, event: &str, person: i64) {
    while ws.until(event).await["user"]["user_id"] != person {}
}

/// The names of the events matching `wanted` that arrive before the message "marker".
async fn events_until_marker(ws: &mut Ws, wanted: impl Fn(&str, &Value) -> bool) -> Vec<String> {
    let mut heard = Vec::new();
    loop {
        let (name, data) = ws.next_event().await;
        if name == "ticket:message:new" && data["content"] == "marker" {
            return heard;
        }
        if wanted(&name, &data) {
            heard.push(format!("{name} {data}"));
        }
    }
}

/// Staff connecting at once (a node restart with the team online) hear each other in a few frames:
/// each staff socket starts with the whole team in one `staff:team` frame, then the changes come
/// batched, not one frame per person per socket (N staff used to make N² frames).
#[tokio::test]
async fn staff_connecting_at_once_hear_each_other_in_a_few_frames() {
    const TEAM: usize = 30;
    let app = spawn_app().await;
    let mut cookies = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for n in 0..TEAM {
        let cookie = app.cookie_for(Role::Agent, &format!("agent{n}@example.com")).await;
        ids.insert(app.browser_with(&cookie).id().await);
        cookies.push(cookie);
    }
    let mut watcher = app.socket(&app.cookie_for(Role::Admin, "admin@example.com").await).await;
    let (event, team) = watcher.next_event().await;
    assert_eq!((event.as_str(), &team["reset"]), ("staff:team", &Value::Bool(true)), "{team}");
    let offline: std::collections::HashSet<i64> =
        people_in("staff:team", &team).iter().filter(|p| p["status"] == "offline").map(|p| p["user_id"].as_i64().unwrap()).collect();
    assert!(offline.is_superset(&ids), "the whole team, offline: {team}");

    let _tabs = futures::future::join_all(cookies.iter().map(|cookie| app.socket(cookie))).await;
    let mut online = std::collections::HashSet::new();
    let mut frames = 0;
    while online.len() < TEAM {
        let (event, data) = watcher.next_event().await;
        assert_ne!(event, "staff:presence", "staff hear presence as staff:team: {data}");
        if event == "staff:team" {
            frames += 1;
            online.extend(people_in(&event, &data).iter().filter(|p| p["status"] == "online").filter_map(|p| p["user_id"].as_i64()).filter(|id| ids.contains(id)));
        }
    }
    assert!(frames <= TEAM / 3, "{frames} frames for {TEAM} arrivals");
}

/// A team too large for one frame arrives in several (the first says to forget what was known),
/// and the socket stays open: one frame of 1,200 people was more than a socket's write buffer
/// holds, and the server closed every staff socket as it connected.
#[tokio::test]
async fn a_large_team_arrives_in_frames_and_the_socket_stays_open() {
    const TEAM: i64 = 1200;
    let app = spawn_app().await;
    sqlx::query("INSERT INTO users (email, display_name, password_hash, role) SELECT 'agent' || n || '@example.com', 'Agent ' || n, 'x', 'agent' FROM generate_series(1, $1) n")
        .bind(TEAM)
        .execute(app.pool())
        .await
        .unwrap();
    let admin = app.cookie_for(Role::Admin, "admin@example.com").await;
    let mut socket = app.socket(&admin).await;
    let mut heard = std::collections::HashSet::new();
    let mut resets = Vec::new();
    while heard.len() < TEAM as usize + 1 {
        let (event, data) = socket.next_event().await;
        assert_eq!(event, "staff:team", "{data}");
        resets.push(data["reset"] == true);
        heard.extend(people_in(&event, &data).iter().filter_map(|p| p["user_id"].as_i64()));
    }
    assert_eq!(resets.iter().filter(|reset| **reset).count(), 1, "only the first frame resets: {resets:?}");
    assert!(resets[0] && resets.len() > 1, "{resets:?}");
    // Still open and answering.
    let ticket = app.signed_in_user("owner@example.com").await.new_ticket("Still here?").await;
    assert_eq!(socket.join(ticket, None).await["ticket_id"], ticket);
}
