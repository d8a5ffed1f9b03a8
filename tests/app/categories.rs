//! Categories: admins create, edit, deactivate and reorder them; everyone signed in reads the
//! active ones; nobody else changes them.

use crate::common::spawn_app;
use myrelay::domain::account::Role;
use reqwest::StatusCode;
use serde_json::Value;

fn names(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn admins_manage_categories_and_everyone_reads_the_active_ones() {
    let app = spawn_app().await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let agent_id = agent.id().await.to_string();
    let user = app.signed_in_user("user@example.com").await;

    let (status, billing) = admin
        .post_json("/api/admin/categories/create", &[
            ("name", " Billing "),
            ("description", "Invoices and payments"),
            ("default_message", "Thanks! Please include your invoice number."),
            ("default_agent_id", &agent_id),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{billing}");
    assert_eq!(billing["name"], "Billing");
    assert_eq!(billing["default_agent_name"], "Staff Person");
    let (status, _) = admin.post_json("/api/admin/categories/create", &[("name", "Access")]).await;
    assert_eq!(status, StatusCode::OK);

    // The same name in another case is taken; an admin or a user is no default agent.
    let (status, body) = admin.post_json("/api/admin/categories/create", &[("name", "BILLING")]).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::CONFLICT, Some("name")), "{body}");
    let admin_id = admin.id().await.to_string();
    let (status, body) =
        admin.post_json("/api/admin/categories/create", &[("name", "Other"), ("default_agent_id", &admin_id)]).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("default_agent_id")), "{body}");
    let (status, body) = admin.post_json("/api/admin/categories/create", &[("name", "")]).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("name")), "{body}");
    assert_eq!(app.count("categories").await, 2);

    // Users see the active ones, without who takes them; staff see that too.
    let (status, list) = user.get_json("/api/tickets/categories").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&list), ["Billing", "Access"]);
    assert!(list[0]["default_agent_id"].is_null() && list[0]["default_agent_name"].is_null());
    let (_, list) = agent.get_json("/api/tickets/categories").await;
    assert_eq!(list[0]["default_agent_name"], "Staff Person");

    // Deactivated: no longer offered, still listed for admins.
    let id = billing["id"].as_i64().unwrap().to_string();
    let (status, body) = admin.post_json("/api/admin/categories/set-active", &[("id", &id), ("active", "false")]).await;
    assert_eq!((status, body["is_active"].as_bool()), (StatusCode::OK, Some(false)));
    assert_eq!(names(&user.get_json("/api/tickets/categories").await.1), ["Access"]);
    assert_eq!(names(&admin.get_json("/api/admin/categories/list").await.1), ["Billing", "Access"]);

    // Edited: every field replaced.
    let (status, body) = admin.post_json("/api/admin/categories/update", &[("id", &id), ("name", "Payments")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["name"].as_str(), body["default_message"].as_str()), (Some("Payments"), Some("")));
    assert!(body["default_agent_id"].is_null());
    let (status, _) = admin.post_json("/api/admin/categories/update", &[("id", "999999"), ("name", "X")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn categories_move_one_place_at_a_time_and_stay_at_the_ends() {
    let app = spawn_app().await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let mut ids = Vec::new();
    for name in ["A", "B", "C"] {
        ids.push(admin.post_json("/api/admin/categories/create", &[("name", name)]).await.1["id"].as_i64().unwrap().to_string());
    }
    let step = async |id: &str, direction: &str| admin.post_json("/api/admin/categories/move", &[("id", id), ("direction", direction)]).await;
    let (status, list) = step(&ids[2], "up").await;
    assert_eq!((status, names(&list)), (StatusCode::OK, vec!["A", "C", "B"]));
    assert_eq!(names(&step(&ids[0], "up").await.1), ["A", "C", "B"], "the first stays first");
    assert_eq!(names(&step(&ids[0], "down").await.1), ["C", "A", "B"]);
    assert_eq!(names(&step(&ids[1], "down").await.1), ["C", "A", "B"], "the last stays last");
    let (status, body) = step(&ids[1], "sideways").await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("direction")));
}

#[tokio::test]
async fn only_admins_change_categories() {
    let app = spawn_app().await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let user = app.signed_in_user("user@example.com").await;
    for browser in [&agent, &user] {
        assert_eq!(browser.post_json("/api/admin/categories/create", &[("name", "Mine")]).await.0, StatusCode::FORBIDDEN);
        assert_eq!(browser.get_json("/api/admin/categories/list").await.0, StatusCode::FORBIDDEN);
    }
    let anonymous = app.browser();
    assert_eq!(anonymous.post_json("/api/admin/categories/create", &[("name", "Mine")]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.get_json("/api/tickets/categories").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("categories").await, 0);
}

#[tokio::test]
async fn tickets_take_a_category_and_a_numbered_title_when_none_is_typed() {
    let app = spawn_app().await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let user = app.signed_in_user("user@example.com").await;
    // Without categories, tickets need none.
    assert_eq!(user.create_ticket("", "Before categories").await.status(), StatusCode::OK);

    let billing = admin.post_json("/api/admin/categories/create", &[("name", "Billing")]).await.1["id"].as_i64().unwrap().to_string();
    let old = admin.post_json("/api/admin/categories/create", &[("name", "Old")]).await.1["id"].as_i64().unwrap().to_string();
    admin.post_json("/api/admin/categories/set-active", &[("id", &old), ("active", "false")]).await;

    let create = async |fields: &[(&str, &str)]| user.post_json("/api/tickets/create", fields).await;
    let (status, body) = create(&[("description", "No category")]).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("category_id")), "{body}");
    let (status, body) = create(&[("description", "Retired category"), ("category_id", &old)]).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("category_id")), "{body}");
    assert_eq!(app.count("tickets").await, 1, "nothing stored for a refused ticket");

    let (status, first) = create(&[("description", "Invoice missing"), ("category_id", &billing)]).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["subject"], "Test Person · Billing #1");
    assert_eq!(first["category"]["name"], "Billing");
    let (_, typed) = create(&[("subject", "My own title"), ("description", "x"), ("category_id", &billing)]).await;
    assert_eq!(typed["subject"], "My own title", "a typed subject wins");
    let (_, third) = create(&[("description", "Again"), ("category_id", &billing)]).await;
    assert_eq!(third["subject"], "Test Person · Billing #3", "every ticket in the category counts");
    // Lists carry the category too, and filter by it.
    let (_, list) = user.get_json("/api/tickets/list").await;
    assert_eq!(list["items"][0]["category"]["name"], "Billing");
    let (_, billed) = user.get_json(&format!("/api/tickets/list?category={billing}")).await;
    assert_eq!(billed["items"].as_array().unwrap().len(), 3, "{billed}");
    let (_, none) = user.get_json(&format!("/api/tickets/list?category={old}")).await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0, "{none}");
}

#[tokio::test]
async fn tickets_opened_at_once_by_one_person_get_different_numbers() {
    let app = spawn_app().await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let user = app.signed_in_user("user@example.com").await;
    let billing = admin.post_json("/api/admin/categories/create", &[("name", "Billing")]).await.1["id"].as_i64().unwrap().to_string();
    let fields = [("description", "At once"), ("category_id", billing.as_str())];
    let opened = futures::future::join_all((0..6).map(|_| user.post_json("/api/tickets/create", &fields))).await;
    let mut titles: Vec<String> = opened.iter().map(|(status, body)| {
        assert_eq!(*status, StatusCode::OK, "{body}");
        body["subject"].as_str().unwrap().to_owned()
    }).collect();
    titles.sort();
    let expected: Vec<String> = (1..=6).map(|n| format!("Test Person · Billing #{n}")).collect();
    assert_eq!(titles, expected);
}

#[tokio::test]
async fn a_ticket_in_a_category_opens_with_the_bots_message_then_its_default_agent() {
    let app = spawn_app().await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let agent_id = agent.id().await;
    let user = app.signed_in_user("user@example.com").await;
    let category = admin
        .post_json("/api/admin/categories/create", &[
            ("name", "Billing"),
            ("default_message", "Hi! Which invoice is it about?"),
            ("default_agent_id", &agent_id.to_string()),
        ])
        .await
        .1["id"]
        .as_i64()
        .unwrap()
        .to_string();

    let (status, ticket) = user.post_json("/api/tickets/create", &[("description", "Invoice missing"), ("category_id", &category)]).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!((ticket["status"].as_str(), ticket["assigned_agent"]["id"].as_i64()), (Some("assigned"), Some(agent_id)));
    let id = ticket["id"].as_i64().unwrap();
    let (_, page) = user.get_json(&format!("/api/tickets/timeline?ticket_id={id}")).await;
    let entries = page["items"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{page}");
    // Newest first: the assignment (seq 2), made by MyRelay itself, after the bot's message (seq 1).
    let (change, greeting) = (&entries[0]["Change"], &entries[1]["Message"]);
    assert_eq!((greeting["seq"].as_i64(), greeting["sender_role"].as_str()), (Some(1), Some("system")), "{page}");
    assert_eq!(greeting["content"], "Hi! Which invoice is it about?");
    assert_eq!(greeting["sender"]["display_name"], "MyRelay");
    assert_eq!((change["seq"].as_i64(), change["actor_name"].as_str()), (Some(2), Some("MyRelay")), "{page}");
    assert_eq!(change["to_agent_id"].as_i64(), Some(agent_id));
    // The agent's next message follows on without a gap.
    let mut socket = app.socket(&app.cookie_for(Role::Agent, "agent2@example.com").await).await;
    let joined = socket.join(id, Some(0)).await;
    assert_eq!(joined["last_seq"].as_i64(), Some(2), "{joined}");

    // A deactivated default agent is skipped: the ticket waits for someone to take it.
    admin.post_json("/api/admin/set-active", &[("user_id", &agent_id.to_string()), ("active", "false")]).await;
    let (_, later) = user.post_json("/api/tickets/create", &[("description", "Another"), ("category_id", &category)]).await;
    assert_eq!((later["status"].as_str(), later["assigned_agent"].is_null()), (Some("open"), true), "{later}");
}

#[tokio::test]
async fn the_system_account_is_nobody_anyone_can_be_or_see() {
    let app = spawn_app().await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let (_, people) = admin.get_json("/api/admin/users").await;
    assert!(people["items"].as_array().unwrap().iter().all(|p| p["role"] != "system"), "{people}");
    let (_, stats) = admin.get_json("/api/admin/stats").await;
    assert_eq!((stats["users_total"].as_i64(), stats["admins_total"].as_i64()), (Some(0), Some(1)), "{stats}");
    let system_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE role = 'system'").fetch_one(app.pool()).await.unwrap();
    let (status, _) = admin.post_json("/api/admin/set-role", &[("user_id", &system_id.to_string()), ("role", "system")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for (endpoint, field, value) in [("set-role", "role", "admin"), ("set-active", "active", "true")] {
        let (status, _) = admin.post_json(&format!("/api/admin/{endpoint}"), &[("user_id", &system_id.to_string()), (field, value)]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint}");
    }
    let response = app.browser().login("system@myrelay.invalid", "anything at all", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_persons_responsible_agent_takes_their_tickets_before_the_categorys_agent() {
    let app = spawn_app().await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let responsible = app.signed_in_as(Role::Agent, "responsible@example.com").await.id().await.to_string();
    let default_agent = app.signed_in_as(Role::Agent, "default@example.com").await.id().await;
    let user = app.signed_in_user("user@example.com").await;
    let user_id = user.id().await.to_string();
    let set = async |user_id: &str, agent_id: &str| {
        admin.post_json("/api/admin/set-responsible-agent", &[("user_id", user_id), ("agent_id", agent_id)]).await
    };

    let (status, account) = set(&user_id, &responsible).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!((account["id"].as_i64(), account["responsible_agent_name"].as_str()), (user_id.parse().ok(), Some("Staff Person")));
    let (_, people) = admin.get_json("/api/admin/users?role=user").await;
    assert_eq!(people["items"][0]["responsible_agent_id"].to_string(), responsible, "{people}");

    // Refused, changing nothing: an admin, the person themself, MyRelay's account, nobody; and
    // only admins may set it.
    let admin_id = admin.id().await.to_string();
    for agent_id in [admin_id.as_str(), user_id.as_str(), "999999"] {
        let (status, body) = set(&user_id, agent_id).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("agent_id")), "{agent_id}: {body}");
    }
    let system_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE role = 'system'").fetch_one(app.pool()).await.unwrap();
    assert_eq!(set(&system_id.to_string(), &responsible).await.0, StatusCode::NOT_FOUND);
    assert_eq!(set("999999", &responsible).await.0, StatusCode::NOT_FOUND);
    let fields = [("user_id", user_id.as_str()), ("agent_id", "")];
    assert_eq!(user.post_json("/api/admin/set-responsible-agent", &fields).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.browser().post_json("/api/admin/set-responsible-agent", &fields).await.0, StatusCode::UNAUTHORIZED);
    let (_, people) = admin.get_json("/api/admin/users?role=user").await;
    assert_eq!(people["items"][0]["responsible_agent_id"].to_string(), responsible, "unchanged by the refusals");

    let assignee = async |fields: &[(&str, &str)]| {
        let (status, ticket) = user.post_json("/api/tickets/create", fields).await;
        assert_eq!(status, StatusCode::OK, "{ticket}");
        ticket["assigned_agent"]["id"].as_i64()
    };
    // Without categories, and before the category's own agent.
    assert_eq!(assignee(&[("description", "No categories yet")]).await.map(|id| id.to_string()), Some(responsible.clone()));
    let category = admin
        .post_json("/api/admin/categories/create", &[("name", "Billing"), ("default_agent_id", &default_agent.to_string())])
        .await
        .1["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let in_billing = [("description", "Invoice"), ("category_id", category.as_str())];
    assert_eq!(assignee(&in_billing).await.map(|id| id.to_string()), Some(responsible.clone()));
    // Demoted, they are skipped (the setting stays); cleared, the category's agent takes over.
    admin.post_json("/api/admin/set-role", &[("user_id", &responsible), ("role", "user")]).await;
    assert_eq!(assignee(&in_billing).await, Some(default_agent));
    admin.post_json("/api/admin/set-role", &[("user_id", &responsible), ("role", "agent")]).await;
    assert_eq!(assignee(&in_billing).await.map(|id| id.to_string()), Some(responsible.clone()));
    let (status, account) = set(&user_id, "").await;
    assert_eq!((status, account["responsible_agent_id"].is_null()), (StatusCode::OK, true), "{account}");
    assert_eq!(assignee(&in_billing).await, Some(default_agent));
}
