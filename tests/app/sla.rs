//! SLA timers: due times from each priority's targets, the first staff reply, clocks that stop
//! while a ticket is resolved, breached tickets flagged and filtered, and who may see or change
//! what. Time passing is simulated by moving a ticket's times back (`pass`).

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Browser, TestApp, spawn_app};
use myrelay::domain::account::Role;

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap_or_else(|| panic!("a time, not {value}")).parse().unwrap()
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|t| t["id"].as_i64().unwrap()).collect()
}

/// As if `minutes` passed for this ticket: every time it holds moves back by that much.
async fn pass(app: &TestApp, id: i64, minutes: i64) {
    sqlx::query(
        "UPDATE tickets SET created_at = created_at - make_interval(mins => $2),
             first_response_due_at = first_response_due_at - make_interval(mins => $2),
             first_responded_at = first_responded_at - make_interval(mins => $2),
             resolution_due_at = resolution_due_at - make_interval(mins => $2),
             sla_paused_at = sla_paused_at - make_interval(mins => $2)
         WHERE id = $1",
    )
    .bind(id)
    .bind(minutes as i32)
    .execute(app.pool())
    .await
    .unwrap();
}

async fn ticket(browser: &Browser, id: i64) -> Value {
    let (status, ticket) = browser.get_json(&format!("/api/tickets/get?id={id}")).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    ticket
}

async fn reply(browser: &Browser, id: i64, client_id: &str) {
    let fields = [("ticket_id", id.to_string()), ("client_id", client_id.to_owned()), ("content", "On it".to_owned())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = browser.post_json("/api/tickets/send-message", &fields).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn act(browser: &Browser, id: i64, path: &str, action: Option<&str>) {
    let version = ticket(browser, id).await["version"].to_string();
    let id = id.to_string();
    let mut fields = vec![("id", id.as_str()), ("version", version.as_str())];
    fields.extend(action.map(|action| ("action", action)));
    let (status, body) = browser.post_json(path, &fields).await;
    assert_eq!(status, StatusCode::OK, "{path} {action:?}: {body}");
}

const DEFAULT_TARGETS: [(&str, &str); 8] = [
    ("urgent_first_response", "1h"),
    ("urgent_resolution", "4h"),
    ("high_first_response", "4h"),
    ("high_resolution", "1d"),
    ("normal_first_response", "8h"),
    ("normal_resolution", "3d"),
    ("low_first_response", "1d"),
    ("low_resolution", "7d"),
];

#[tokio::test]
async fn due_times_follow_the_targets_of_the_priority_and_only_staff_see_them() {
    let app = spawn_app().await;
    let user = app.signed_in_user("user@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let id = user.new_ticket("The export never finishes").await;
    let opened = ticket(&agent, id).await;
    let created = time(&opened["created_at"]);
    let sla = &opened["sla"];
    assert_eq!(time(&sla["first_response"]["due_at"]), created + TimeDelta::hours(8), "normal: first reply in 8 h");
    assert_eq!(time(&sla["resolution"]["due_at"]), created + TimeDelta::days(3));
    assert_eq!((&sla["first_response"]["met_at"], &sla["paused_at"]), (&Value::Null, &Value::Null));
    // The customer's own view carries no clocks, in any list either.
    assert_eq!(ticket(&user, id).await["sla"], Value::Null);
    assert_eq!(user.get_json("/api/tickets/list").await.1["items"][0]["sla"], Value::Null);
    for query in ["sla=breached", "sort=due"] {
        let (status, body) = user.get_json(&format!("/api/tickets/list?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
    }

    agent.post_json("/api/tickets/priority", &[("id", &id.to_string()), ("priority", "urgent")]).await;
    let sla = ticket(&agent, id).await["sla"].clone();
    assert_eq!(time(&sla["first_response"]["due_at"]), created + TimeDelta::hours(1), "urgent: 1 h");
    assert_eq!(time(&sla["resolution"]["due_at"]), created + TimeDelta::hours(4));
}

#[tokio::test]
async fn admins_change_the_targets_and_open_tickets_follow() {
    let app = spawn_app().await;
    let user = app.signed_in_user("user@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let id = user.new_ticket("Invoices show the wrong tax").await;
    let (status, policies) = agent.get_json("/api/sla/policies").await;
    assert_eq!(status, StatusCode::OK, "staff read the targets");
    assert_eq!(policies[0], json!({ "priority": "urgent", "first_response_minutes": 60, "resolution_minutes": 240 }));
    assert_eq!(user.get_json("/api/sla/policies").await.0, StatusCode::FORBIDDEN);

    let mut targets = DEFAULT_TARGETS.to_vec();
    targets[4].1 = "1h 30m";
    targets[5].1 = "";
    assert_eq!(agent.post_json("/api/admin/sla/save", &targets).await.0, StatusCode::FORBIDDEN);
    // A bad value names its field and nothing is stored, not even the valid ones.
    let mut bad = targets.clone();
    bad[7].1 = "soon";
    let (status, body) = admin.post_json("/api/admin/sla/save", &bad).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("low_resolution")), "{body}");
    assert_eq!(agent.get_json("/api/sla/policies").await.1[2]["first_response_minutes"], 480);

    let (status, saved) = admin.post_json("/api/admin/sla/save", &targets).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved[2], json!({ "priority": "normal", "first_response_minutes": 90, "resolution_minutes": null }));
    let now = ticket(&agent, id).await;
    assert_eq!(time(&now["sla"]["first_response"]["due_at"]), time(&now["created_at"]) + TimeDelta::minutes(90));
    assert_eq!(now["sla"]["resolution"], Value::Null, "no resolution target any more");

    // Recorded once, with what changed; saving the same targets again records nothing.
    admin.post_json("/api/admin/sla/save", &targets).await;
    let (_, log) = admin.get_json("/api/admin/audit?action=sla_policy").await;
    let entries = log["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["subject"], "normal");
    assert_eq!(
        entries[0]["changes"],
        json!([{ "field": "first_response", "before": "8h", "after": "1h 30m" }, { "field": "resolution", "before": "3d", "after": null }])
    );
}

#[tokio::test]
async fn the_first_staff_reply_meets_the_first_response_target_and_staff_hear_of_it() {
    let app = spawn_app().await;
    let ((user_cookie, user), (agent_cookie, agent)) = app.customer_and_agent().await;
    let id = user.new_ticket("Two-factor codes never arrive").await;
    let mut list = app.socket(&agent_cookie).await;
    list.watch(&[id]).await;
    let mut customer = app.socket(&user_cookie).await;
    customer.join(id, None).await;

    reply(&user, id, "customer-1").await;
    assert_eq!(ticket(&agent, id).await["sla"]["first_response"]["met_at"], Value::Null, "the customer's own words are no reply");
    act(&agent, id, "/api/tickets/assign", None).await;
    reply(&agent, id, "agent-1").await;
    let sla = ticket(&agent, id).await["sla"].clone();
    let met = time(&sla["first_response"]["met_at"]);
    assert!(met <= time(&sla["first_response"]["due_at"]));
    // An inbox showing it hears the ticket with its clock met (after the assignment's report).
    let news = list.until_with("ticket:updated", |news| !news["ticket"]["sla"]["first_response"]["met_at"].is_null()).await;
    assert_eq!(time(&news["ticket"]["sla"]["first_response"]["met_at"]), met, "{news}");
    // A second reply changes nothing.
    reply(&agent, id, "agent-2").await;
    assert_eq!(time(&ticket(&agent, id).await["sla"]["first_response"]["met_at"]), met);
    // Customers never hear of SLA clocks: the one report they get is the assignment's, without them.
    let mut reports = 0;
    loop {
        let (event, data) = customer.next().await;
        if event == "ticket:updated" {
            assert_eq!((data["ticket"]["status"].as_str(), &data["ticket"]["sla"]), (Some("assigned"), &Value::Null), "{data}");
            reports += 1;
        }
        if event == "ticket:message:new" && data["client_id"] == "agent-2" {
            break;
        }
    }
    assert_eq!(reports, 1);
}

#[tokio::test]
async fn resolving_stops_the_clocks_and_reopening_moves_what_is_still_due() {
    let app = spawn_app().await;
    let user = app.signed_in_user("user@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let id = user.new_ticket("Sync stopped on my phone").await;
    act(&agent, id, "/api/tickets/assign", None).await;
    pass(&app, id, 60).await;
    act(&agent, id, "/api/tickets/status", Some("resolve")).await;
    let resolved = ticket(&agent, id).await["sla"].clone();
    let paused_at = time(&resolved["paused_at"]);
    assert_eq!(resolved["resolution"]["met_at"], resolved["paused_at"], "resolving is what the resolution target waits for");
    let first_left = time(&resolved["first_response"]["due_at"]) - paused_at;
    let resolution_left = time(&resolved["resolution"]["due_at"]) - paused_at;
    let near = |left: TimeDelta, expected: TimeDelta| (left - expected).num_seconds().abs() <= 5;
    assert!(near(first_left, TimeDelta::hours(7)), "8 h target, 1 h gone: {first_left}");

    // Ten hours stand still, past the first-response due time: not breached while stopped.
    pass(&app, id, 600).await;
    let (_, breached) = agent.get_json("/api/tickets/list?sla=breached").await;
    assert!(ids(breached["items"].as_array().unwrap()).is_empty(), "{breached}");

    act(&user, id, "/api/tickets/status", Some("reopen")).await;
    let reopened = ticket(&agent, id).await;
    let sla = &reopened["sla"];
    assert_eq!(sla["paused_at"], Value::Null);
    assert_eq!(sla["resolution"]["met_at"], Value::Null, "running again");
    let checked = time(&sla["checked_at"]);
    // What was left when it stopped is left now (the requests took a moment).
    assert!(near(time(&sla["first_response"]["due_at"]) - checked, first_left), "{sla}");
    assert!(near(time(&sla["resolution"]["due_at"]) - checked, resolution_left), "{sla}");
    // Exactly: due = opened + target + time stood still.
    let stood_still: bool = sqlx::query_scalar(
        "SELECT first_response_due_at = created_at + interval '8 hours' + sla_paused_total
                AND resolution_due_at = created_at + interval '3 days' + sla_paused_total
                AND sla_paused_total > interval '10 hours' FROM tickets WHERE id = $1",
    )
    .bind(id)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert!(stood_still);
}

#[tokio::test]
async fn breached_tickets_are_flagged_and_filtered_and_the_inbox_sorts_by_what_is_due() {
    let app = spawn_app().await;
    let user = app.signed_in_user("user@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let mut tickets = Vec::new();
    for n in 0..5 {
        tickets.push(user.new_ticket(&format!("Ticket {n}")).await);
    }
    let [unanswered, answered_in_time, answered_late, resolved_in_time, urgent] = tickets[..] else { unreachable!() };
    // 9 h without a reply: past the 8 h target.
    pass(&app, unanswered, 9 * 60).await;
    reply(&agent, answered_in_time, "in-time").await;
    pass(&app, answered_in_time, 9 * 60).await;
    pass(&app, answered_late, 9 * 60).await;
    reply(&agent, answered_late, "late").await;
    act(&agent, resolved_in_time, "/api/tickets/assign", None).await;
    act(&agent, resolved_in_time, "/api/tickets/status", Some("resolve")).await;
    pass(&app, resolved_in_time, 5 * 24 * 60).await;
    agent.post_json("/api/tickets/priority", &[("id", &urgent.to_string()), ("priority", "urgent")]).await;

    let breached = agent.every_page("/api/tickets/list?sla=breached&limit=1").await;
    let mut breached = ids(&breached);
    breached.sort_unstable();
    assert_eq!(breached, vec![unanswered, answered_late]);
    // The flag the pages show agrees with the filter, ticket by ticket.
    for item in agent.every_page("/api/tickets/list?sort=recent&limit=50").await {
        let sla: myrelay::domain::sla::TicketSla = serde_json::from_value(item["sla"].clone()).unwrap();
        let id = item["id"].as_i64().unwrap();
        assert_eq!(sla.is_breached(sla.checked_at), breached.contains(&id), "ticket {id}: {sla:?}");
    }

    // Due soonest first: the overdue reply, the urgent one (1 h), the two running 3-day
    // resolutions (the older first), and last the stopped one; pages of two keep the order.
    let order = ids(&agent.every_page("/api/tickets/list?sort=due&limit=2").await);
    assert_eq!(order, vec![unanswered, urgent, answered_in_time, answered_late, resolved_in_time]);
    for cursor in ["due_soon_1", "due_1_x", "123_4"] {
        let (status, body) = agent.get_json(&format!("/api/tickets/list?sort=due&cursor={cursor}")).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("cursor")), "{cursor}: {body}");
    }
    let (status, body) = agent.get_json("/api/tickets/list?sla=late").await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("sla")), "{body}");
}
