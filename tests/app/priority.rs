//! Priority and source: staff set the priority, lists filter and sort by it, live to staff only;
//! a ticket records whether a browser or another program opened it.

use crate::common::spawn_app;
use myrelay::domain::account::{Role, User};
use myrelay::domain::ticket::{Priority, Ticket, TicketFilter, TicketSort};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn staff_set_the_priority_and_others_cannot() {
    let app = spawn_app().await;
    let user = app.signed_in_user("user@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let id = user.new_ticket("Checkout is down").await.to_string();
    let (_, before) = agent.get_json(&format!("/api/tickets/get?id={id}")).await;
    assert_eq!((before["priority"].as_str(), before["version"].as_i64()), (Some("normal"), Some(1)));

    let (status, ticket) = agent.post_json("/api/tickets/priority", &[("id", &id), ("priority", "urgent")]).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!(ticket["priority"], "urgent");
    assert_eq!(ticket["version"], before["version"], "not a lifecycle change: open screens stay valid");
    assert_eq!(admin.post_json("/api/tickets/priority", &[("id", &id), ("priority", "low")]).await.0, StatusCode::OK);

    // Users may not; bad input names the field; nothing changes meanwhile.
    assert_eq!(user.post_json("/api/tickets/priority", &[("id", &id), ("priority", "urgent")]).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.browser().post_json("/api/tickets/priority", &[("id", &id), ("priority", "urgent")]).await.0, StatusCode::UNAUTHORIZED);
    for priority in ["", "critical", "URGENT"] {
        let (status, body) = agent.post_json("/api/tickets/priority", &[("id", &id), ("priority", priority)]).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("priority")), "{priority:?}: {body}");
    }
    assert_eq!(agent.post_json("/api/tickets/priority", &[("id", "999999"), ("priority", "high")]).await.0, StatusCode::NOT_FOUND);
    let (_, now) = agent.get_json(&format!("/api/tickets/get?id={id}")).await;
    assert_eq!(now["priority"], "low");

    // A closed ticket no longer changes.
    let version = now["version"].to_string();
    assert_eq!(admin.post_json("/api/tickets/status", &[("id", &id), ("version", &version), ("action", "close")]).await.0, StatusCode::OK);
    let (status, body) = agent.post_json("/api/tickets/priority", &[("id", &id), ("priority", "high")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn lists_filter_by_priority_and_the_inbox_order_puts_urgent_work_first() {
    let app = spawn_app().await;
    let user = app.signed_in_user("user@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let mut tickets = Vec::new();
    for (n, priority) in ["high", "normal", "urgent", "low", "urgent", "normal"].into_iter().enumerate() {
        let id = user.new_ticket(&format!("Ticket {n}")).await;
        assert_eq!(agent.post_json("/api/tickets/priority", &[("id", &id.to_string()), ("priority", priority)]).await.0, StatusCode::OK);
        tickets.push(id);
    }
    let [high, normal_1, urgent_1, low, urgent_2, normal_2] = tickets[..] else { unreachable!() };

    let (_, urgent) = agent.get_json("/api/tickets/list?priority=urgent").await;
    assert_eq!(ids(&urgent), vec![urgent_2, urgent_1]);
    // Most urgent first, newest activity within a priority; keyset pages of two keep that order.
    let seen = ids(&json!({ "items": agent.every_page("/api/tickets/list?sort=priority&limit=2").await }));
    assert_eq!(seen, vec![urgent_2, urgent_1, high, normal_2, normal_1, low]);
    let (_, recent) = agent.get_json("/api/tickets/list").await;
    assert_eq!(ids(&recent), vec![normal_2, urgent_2, low, urgent_1, normal_1, high], "the default order is unchanged");

    // A browser keeps a list it patches from live reports in order and filtered by the same rules.
    let (_, me) = agent.get_json("/api/auth/me").await;
    let me: User = serde_json::from_value(me).unwrap();
    let every: Vec<Ticket> = serde_json::from_value(recent["items"].clone()).unwrap();
    for sort in [TicketSort::Recent, TicketSort::Priority] {
        let (_, listed) = agent.get_json(&format!("/api/tickets/list?sort={}", sort.as_str())).await;
        let listed: Vec<Ticket> = serde_json::from_value(listed["items"].clone()).unwrap();
        let mut sorted = every.clone();
        sorted.sort_by(|a, b| sort.compare(a, b));
        assert_eq!(sorted.iter().map(|t| t.id).collect::<Vec<_>>(), listed.iter().map(|t| t.id).collect::<Vec<_>>(), "{sort:?}");
    }
    let urgent_only = TicketFilter { priority: Some(Priority::Urgent), ..TicketFilter::default() };
    let admitted: Vec<i64> = every.iter().filter(|t| urgent_only.admits(t, &me, chrono::Utc::now())).map(|t| t.id).collect();
    assert_eq!(admitted, ids(&urgent));
    let mine_only = TicketFilter { assignment: Some("mine".into()), ..TicketFilter::default() };
    assert!(every.iter().all(|t| !mine_only.admits(t, &me, chrono::Utc::now())), "nothing is assigned yet");

    for (query, field) in [("priority=critical", "priority"), ("sort=oldest", "sort"), ("sort=priority&cursor=123_4", "cursor"), ("sort=priority&cursor=soon_1_2", "cursor")] {
        let (status, body) = agent.get_json(&format!("/api/tickets/list?{query}")).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{query}: {body}");
    }
}

#[tokio::test]
async fn a_ticket_records_whether_a_browser_or_a_program_opened_it() {
    let app = spawn_app().await;
    let user = app.signed_in_user("user@example.com").await;
    let from_api = user.new_ticket("Opened by a script").await;
    let from_page = user
        .client
        .post(format!("{}/api/tickets/create", app.base_url))
        .header("accept", "application/json")
        .header("origin", &app.base_url)
        .form(&[("description", "Opened from the form")])
        .send()
        .await
        .unwrap();
    assert_eq!(from_page.status(), StatusCode::OK);
    let from_page = from_page.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    for (id, source) in [(from_api, "api"), (from_page, "web")] {
        let (_, ticket) = user.get_json(&format!("/api/tickets/get?id={id}")).await;
        assert_eq!(ticket["source"], source, "{ticket}");
    }
}

#[tokio::test]
async fn staff_hear_of_a_priority_change_live_and_customers_do_not() {
    let app = spawn_app().await;
    let ((user_cookie, user), (agent_cookie, agent)) = app.customer_and_agent().await;
    let id = user.new_ticket("Everything is slow").await;
    let mut customer = app.socket(&user_cookie).await;
    customer.join(id, None).await;
    let mut in_room = app.socket(&agent_cookie).await;
    in_room.join(id, None).await;
    let mut list = app.socket(&agent_cookie).await;
    list.watch(&[id]).await;

    agent.post_json("/api/tickets/priority", &[("id", &id.to_string()), ("priority", "high")]).await;
    // The ticket as it now stands: no reload needed.
    for socket in [&mut in_room, &mut list] {
        let news = socket.until("ticket:updated").await;
        assert_eq!(news["ticket_id"], id, "{news}");
        assert_eq!(news["ticket"]["priority"], "high", "{news}");
        assert_eq!(news["ticket"]["unread"], 0, "nobody's own count travels: {news}");
    }

    // Every socket got what it was going to get from that notice before the agents did; the
    // customer's next ticket event is the assignment, not the priority.
    let version = agent.get_json(&format!("/api/tickets/get?id={id}")).await.1["version"].to_string();
    agent.post_json("/api/tickets/assign", &[("id", &id.to_string()), ("version", &version)]).await;
    customer.never_until("ticket:updated", |event, _| event == "ticket:assigned").await;
    // A change the customer sees reaches them as their ticket, without what only staff see.
    let staff_news = in_room.until("ticket:updated").await;
    assert_eq!(staff_news["ticket"]["status"], "assigned", "{staff_news}");
    assert_eq!(staff_news["ticket"]["version"].to_string(), (version.parse::<i64>().unwrap() + 1).to_string(), "{staff_news}");
    assert!(staff_news["ticket"]["sla"].is_object(), "staff get the clocks: {staff_news}");
    let news = customer.until("ticket:updated").await;
    assert_eq!(news["ticket"]["status"], "assigned", "{news}");
    assert_eq!(news["ticket"]["assigned_agent"], staff_news["ticket"]["assigned_agent"], "{news}");
    assert_eq!(news["ticket"]["sla"], Value::Null, "{news}");
}
