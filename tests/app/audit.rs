//! The audit log: changes recorded with actor, time and before/after, in the change's transaction;
//! browsable and filterable by admins only; PostgreSQL refuses to change or delete an entry.

use crate::common::{Browser, spawn_app};
use myrelay::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn entries(admin: &Browser, query: &str) -> Vec<Value> {
    let (status, page) = admin.get_json(&format!("/api/admin/audit?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn change(field: &str, before: Option<&str>, after: Option<&str>) -> Value {
    json!({ "field": field, "before": before, "after": after })
}

#[tokio::test]
async fn ticket_changes_are_recorded_with_their_actor_and_before_and_after() {
    let app = spawn_app().await;
    let user = app.signed_in_user("cora@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let agent_id = agent.id().await;
    let id = user.new_ticket("The invoice total is wrong").await;
    let ticket = id.to_string();
    let act = async |browser: &Browser, path: &str, fields: &[(&str, &str)]| {
        let (status, body) = browser.post_json(path, fields).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body["version"].to_string()
    };
    let version = act(&agent, "/api/tickets/priority", &[("id", &ticket), ("priority", "high")]).await;
    let version = act(&agent, "/api/tickets/assign", &[("id", &ticket), ("version", &version)]).await;
    act(&agent, "/api/tickets/status", &[("id", &ticket), ("version", &version), ("action", "resolve")]).await;
    // A refused change records nothing.
    let (status, _) = user.post_json("/api/tickets/assign", &[("id", &ticket), ("version", "1")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let log = entries(&admin, "").await;
    let summary: Vec<(&str, Option<i64>, &str)> =
        log.iter().map(|e| (e["action"].as_str().unwrap(), e["actor_id"].as_i64(), e["subject"].as_str().unwrap())).collect();
    let subject = format!("#{id} The invoice total is wrong");
    assert_eq!(summary, vec![
        ("ticket_status", Some(agent_id), subject.as_str()),
        ("ticket_assignment", Some(agent_id), subject.as_str()),
        ("ticket_priority", Some(agent_id), subject.as_str()),
    ]);
    assert_eq!(log[0]["changes"], json!([change("status", Some("assigned"), Some("resolved"))]));
    assert_eq!(log[1]["changes"], json!([change("status", Some("open"), Some("assigned")), change("agent", None, Some("Staff Person"))]));
    assert_eq!(log[2]["changes"], json!([change("priority", Some("normal"), Some("high"))]));
    assert_eq!((log[0]["actor_name"].as_str(), log[0]["subject_id"].as_i64()), (Some("Staff Person"), Some(id)));
}

#[tokio::test]
async fn account_and_category_changes_are_recorded_and_automatic_assignment_names_myrelay() {
    let app = spawn_app().await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let user = app.signed_in_user("cora@example.com").await;
    let (agent_id, user_id) = (agent.id().await.to_string(), user.id().await.to_string());

    let (_, billing) = admin.post_json("/api/admin/categories/create", &[("name", "Billing"), ("default_agent_id", &agent_id)]).await;
    let billing = billing["id"].to_string();
    admin.post_json("/api/admin/categories/create", &[("name", "Access")]).await;
    admin.post_json("/api/admin/categories/update", &[("id", &billing), ("name", "Invoices"), ("default_agent_id", &agent_id)]).await;
    admin.post_json("/api/admin/categories/move", &[("id", &billing), ("direction", "down")]).await;
    admin.post_json("/api/admin/categories/set-active", &[("id", &billing), ("active", "false")]).await;
    admin.post_json("/api/admin/categories/set-active", &[("id", &billing), ("active", "true")]).await;
    let (status, _) = user.post_json("/api/tickets/create", &[("description", "Charged twice"), ("category_id", &billing)]).await;
    assert_eq!(status, StatusCode::OK);
    admin.post_json("/api/admin/set-responsible-agent", &[("user_id", &user_id), ("agent_id", &agent_id)]).await;
    admin.post_json("/api/admin/set-role", &[("user_id", &agent_id), ("role", "admin")]).await;
    admin.post_json("/api/admin/set-active", &[("user_id", &user_id), ("active", "false")]).await;

    let log = entries(&admin, "").await;
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, [
        "user_active", "user_role", "user_responsible_agent", "ticket_assignment",
        "category_active", "category_active", "category_moved", "category_updated", "category_created", "category_created",
    ]);
    assert_eq!(log[0]["changes"], json!([change("state", Some("active"), Some("inactive"))]));
    assert_eq!(log[0]["subject"], "Test Person <cora@example.com>");
    assert_eq!(log[1]["changes"], json!([change("role", Some("agent"), Some("admin"))]));
    assert_eq!(log[2]["changes"], json!([change("responsible_agent", None, Some("Staff Person"))]));
    assert_eq!(log[3]["actor_name"], "MyRelay", "the category's agent took it automatically: {}", log[3]);
    assert_eq!(log[4]["changes"], json!([change("state", Some("inactive"), Some("active"))]));
    assert_eq!(log[6]["changes"], json!([change("position", Some("1"), Some("2"))]));
    assert_eq!(log[7]["changes"], json!([change("name", Some("Billing"), Some("Invoices"))]), "only what changed");
    assert_eq!(log[9]["changes"], json!([change("name", None, Some("Billing")), change("default_agent", None, Some("Staff Person"))]));

    // Filters: one kind; who or what; pages of two, newest first, no repeats.
    let categories: Vec<Value> = entries(&admin, "action=category_active").await;
    assert_eq!(categories.len(), 2);
    let cora = entries(&admin, "q=CORA@example").await;
    assert_eq!(cora.iter().map(|e| e["action"].as_str().unwrap()).collect::<Vec<_>>(), ["user_active", "user_responsible_agent"]);
    let seen: Vec<i64> = admin.every_page("/api/admin/audit?limit=3").await.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(seen, log.iter().map(|e| e["id"].as_i64().unwrap()).collect::<Vec<_>>());
}

#[tokio::test]
async fn only_admins_read_the_log_and_nobody_can_change_it() {
    let app = spawn_app().await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let user = app.signed_in_user("cora@example.com").await;
    admin.post_json("/api/admin/categories/create", &[("name", "Billing")]).await;
    assert_eq!(agent.get_json("/api/admin/audit").await.0, StatusCode::FORBIDDEN);
    assert_eq!(user.get_json("/api/admin/audit").await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.browser().get_json("/api/admin/audit").await.0, StatusCode::UNAUTHORIZED);
    for (query, field) in [("action=everything", "action"), ("cursor=last", "cursor"), (&format!("q={}", "x".repeat(101)), "q")] {
        let (status, body) = admin.get_json(&format!("/api/admin/audit?{query}")).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{query}: {body}");
    }

    // Append-only, whoever asks: the database itself refuses.
    for statement in ["UPDATE audit_log SET subject = 'nothing'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
        let refused = sqlx::query(statement).execute(app.pool()).await.expect_err(statement);
        assert!(refused.to_string().contains("append-only"), "{statement}: {refused}");
    }
    assert_eq!(app.count("audit_log").await, 1);
}

#[tokio::test]
async fn a_burst_of_failed_sign_ins_is_recorded_once() {
    let app = spawn_app().await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    app.signed_in_user("cora@example.com").await;
    let guesser = app.browser();
    for attempt in 1..=5 {
        assert_eq!(guesser.login("cora@example.com", "wrong-password-123", None).await.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    assert!(entries(&admin, "action=sign_in_failures").await.is_empty(), "five failures are not a burst yet");
    for _ in 0..2 {
        assert_eq!(guesser.login("cora@example.com", "wrong-password-123", None).await.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let bursts = entries(&admin, "action=sign_in_failures").await;
    assert_eq!(bursts.len(), 1, "{bursts:?}");
    assert_eq!((bursts[0]["subject"].as_str(), bursts[0]["actor_id"].as_i64()), (Some("cora@example.com"), None));
    assert_eq!(bursts[0]["changes"][0], change("failed_attempts", None, Some("6")));
}
