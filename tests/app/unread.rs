//! Unread counts: read cursors per person per ticket, the counts in tickets and lists and the
//! navigation's summary, and a read reaching the person's other tabs on every node.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::chat::second_node;
use crate::common::{Browser, TestApp, connect_socket, spawn_app};
use myrelay::domain::account::Role;

async fn say(browser: &Browser, id: i64, client_id: &str) {
    let (id, fields) = (id.to_string(), [("content", "Hello")]);
    let fields = [("ticket_id", id.as_str()), ("client_id", client_id), fields[0]];
    let (status, body) = browser.post_json("/api/tickets/send-message", &fields).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn unread(browser: &Browser, id: i64) -> (i64, i64) {
    let (status, ticket) = browser.get_json(&format!("/api/tickets/get?id={id}")).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    (ticket["unread"].as_i64().unwrap(), ticket["last_seq"].as_i64().unwrap())
}

async fn read(browser: &Browser, id: i64, seq: i64) -> (StatusCode, Value) {
    browser.post_json("/api/tickets/read", &[("ticket_id", &id.to_string()), ("seq", &seq.to_string())]).await
}

#[tokio::test]
async fn what_others_wrote_since_the_read_cursor_is_unread() {
    let app = spawn_app().await;
    let user = app.signed_in_user("user@example.com").await;
    let other = app.signed_in_user("other@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let id = user.new_ticket("Nothing loads").await;
    assert_eq!(unread(&user, id).await, (0, 0));
    say(&user, id, "u-1").await;
    assert_eq!(unread(&user, id).await, (0, 1), "one's own words are never unread");
    assert_eq!(unread(&agent, id).await, (1, 1), "an agent who never opened it has read nothing");
    say(&agent, id, "a-1").await;
    say(&agent, id, "a-2").await;
    assert_eq!(unread(&user, id).await, (2, 3));
    let (_, list) = user.get_json("/api/tickets/list").await;
    assert_eq!((list["items"][0]["unread"].as_i64(), list["items"][0]["last_seq"].as_i64()), (Some(2), Some(3)));

    // Reading up to seq 2 leaves the last one; the cursor never moves back, nor past the end.
    let (status, state) = read(&user, id, 2).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state, json!({ "ticket_id": id, "last_read_seq": 2, "unread": 1, "last_seq": 3 }));
    assert_eq!(read(&user, id, 1).await.1["last_read_seq"], 2);
    assert_eq!(read(&user, id, 99).await.1, json!({ "ticket_id": id, "last_read_seq": 3, "unread": 0, "last_seq": 3 }));
    assert_eq!(unread(&user, id).await.0, 0);
    assert_eq!(unread(&agent, id).await.0, 1, "each person has their own cursor");

    // Bad input and foreign tickets change nothing.
    let (status, body) = read(&user, id, -1).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("seq")), "{body}");
    assert_eq!(read(&other, id, 3).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.browser().post_json("/api/tickets/read", &[("ticket_id", &id.to_string()), ("seq", "1")]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(read(&user, 999_999, 1).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_navigation_counts_a_customers_tickets_and_an_agents_assigned_ones() {
    let app = spawn_app().await;
    let user = app.signed_in_user("user@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let first = user.new_ticket("First").await;
    let second = user.new_ticket("Second").await;
    say(&user, first, "u-1").await;
    say(&agent, first, "a-1").await;
    say(&agent, second, "a-2").await;
    say(&agent, second, "a-3").await;
    let (status, summary) = user.get_json("/api/tickets/unread").await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["total"], 3);
    assert_eq!(
        summary["tickets"],
        json!([{ "ticket_id": second, "unread": 2, "last_seq": 2 }, { "ticket_id": first, "unread": 1, "last_seq": 2 }])
    );
    // Staff: only what is assigned to them counts.
    assert_eq!(agent.get_json("/api/tickets/unread").await.1, json!({ "total": 0, "tickets": [] }));
    let version = agent.get_json(&format!("/api/tickets/get?id={first}")).await.1["version"].to_string();
    agent.post_json("/api/tickets/assign", &[("id", &first.to_string()), ("version", &version)]).await;
    let summary = agent.get_json("/api/tickets/unread").await.1;
    assert_eq!((summary["total"].as_i64(), summary["tickets"][0]["ticket_id"].as_i64()), (Some(1), Some(first)));
    read(&user, second, 2).await;
    assert_eq!(user.get_json("/api/tickets/unread").await.1["total"], 1);
    assert_eq!(app.browser().get_json("/api/tickets/unread").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_read_reaches_the_persons_other_tabs_on_every_node_and_nobody_else() {
    let app = spawn_app().await;
    let ((user_cookie, user), (agent_cookie, agent)) = app.customer_and_agent().await;
    let id = user.new_ticket("Read me").await;
    say(&agent, id, "a-1").await;
    let node_b = second_node(&app).await;
    let mut tab_a = app.socket(&user_cookie).await;
    tab_a.watch(&[id]).await;
    let mut tab_b = connect_socket(&node_b.base_url, Some(&user_cookie), Some(&node_b.base_url)).await.unwrap();
    tab_b.watch(&[id]).await;
    let mut staff = app.socket(&agent_cookie).await;
    staff.join(id, None).await;

    // Read through node B's HTTP API: both tabs hear it, node A's through the database.
    let on_b = TestApp { base_url: node_b.base_url.clone(), state: app.state.clone() }.browser_with(&user_cookie);
    assert_eq!(read(&on_b, id, 1).await.0, StatusCode::OK);
    assert_eq!(tab_a.until("ticket:read").await, json!({ "ticket_id": id, "last_read_seq": 1 }));
    assert_eq!(tab_b.until("ticket:read").await, json!({ "ticket_id": id, "last_read_seq": 1 }));
    // Reading again what was read moves nothing and announces nothing: the next thing the tab
    // hears is the next message.
    read(&user, id, 1).await;
    say(&agent, id, "a-2").await;
    let (event, data) = tab_a.next().await;
    assert_eq!((event.as_str(), data["client_id"].as_str()), ("ticket:message:new", Some("a-2")));
    // The agent in the room never hears of the customer's reading.
    say(&user, id, "u-1").await;
    staff.never_until("ticket:read", |_, data| data["client_id"] == "u-1").await;
}
