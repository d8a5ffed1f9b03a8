//! Satisfaction: the customer rates each resolution once; staff see it; admins see the month.

use crate::common::{Browser, spawn_app};
use myrelay::domain::account::Role;
use reqwest::StatusCode;
use serde_json::Value;

async fn act(browser: &Browser, id: &str, action: &str) -> Value {
    let (_, ticket) = browser.get_json(&format!("/api/tickets/get?id={id}")).await;
    let version = ticket["version"].to_string();
    let (status, body) = match action {
        "assign" => browser.post_json("/api/tickets/assign", &[("id", id), ("version", &version)]).await,
        _ => browser.post_json("/api/tickets/status", &[("id", id), ("version", &version), ("action", action)]).await,
    };
    assert_eq!(status, StatusCode::OK, "{action}: {body}");
    body
}

#[tokio::test]
async fn the_customer_rates_each_resolution_once_and_staff_see_it() {
    let app = spawn_app().await;
    let user = app.signed_in_user("user@example.com").await;
    let other = app.signed_in_user("other@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let id = user.new_ticket("Printer on fire").await.to_string();
    let rate = async |browser: &Browser, score: &str, comment: &str| {
        browser.post_json("/api/tickets/rate", &[("ticket_id", &id), ("score", score), ("comment", comment)]).await
    };

    let (status, body) = rate(&user, "4", "").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "not resolved yet: {body}");
    act(&agent, &id, "assign").await;
    act(&agent, &id, "resolve").await;

    // Only its customer rates it; bad input names the field; nothing is stored meanwhile.
    assert_eq!(rate(&agent, "5", "").await.0, StatusCode::FORBIDDEN);
    assert_eq!(rate(&other, "5", "").await.0, StatusCode::NOT_FOUND);
    assert_eq!(rate(&app.browser(), "5", "").await.0, StatusCode::UNAUTHORIZED);
    for (score, comment, field) in [("0", "", "score"), ("6", "", "score"), ("five", "", "score"), ("3", &"x".repeat(1001), "comment")] {
        let (status, body) = rate(&user, score, comment).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{score}: {body}");
    }
    assert_eq!(app.count("ticket_ratings").await, 0);

    let (status, ticket) = rate(&user, "4", "  Quick, thanks!  ").await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!((ticket["rating"]["score"].as_i64(), ticket["rating"]["comment"].as_str()), (Some(4), Some("Quick, thanks!")));
    assert_eq!(rate(&user, "5", "").await.0, StatusCode::CONFLICT, "once per resolution");
    let (_, seen) = agent.get_json(&format!("/api/tickets/get?id={id}")).await;
    assert_eq!(seen["rating"]["score"].as_i64(), Some(4));

    // Reopened, the rating belongs to the past resolution; resolved again, it can be rated again.
    act(&user, &id, "reopen").await;
    let (_, reopened) = user.get_json(&format!("/api/tickets/get?id={id}")).await;
    assert!(reopened["rating"].is_null(), "{reopened}");
    act(&agent, &id, "resolve").await;
    act(&agent, &id, "close").await;
    assert_eq!(rate(&user, "5", "").await.0, StatusCode::OK, "closed after a resolution: still rated");

    let (_, stats) = admin.get_json("/api/admin/stats").await;
    assert_eq!(stats["ratings_30_days"], serde_json::json!([0, 0, 0, 1, 1]), "{stats}");
}

#[tokio::test]
async fn staff_with_the_ticket_open_hear_of_a_rating_live() {
    let app = spawn_app().await;
    let ((_, user), (agent_cookie, agent)) = app.customer_and_agent().await;
    let id = user.new_ticket("Printer on fire").await;
    let ticket = id.to_string();
    act(&agent, &ticket, "assign").await;
    act(&agent, &ticket, "resolve").await;
    // Joined after the changes: what it hears next is the rating's.
    let mut in_room = app.socket(&agent_cookie).await;
    in_room.join(id, None).await;
    let (status, body) = user.post_json("/api/tickets/rate", &[("ticket_id", &ticket), ("score", "5"), ("comment", "")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let news = in_room.until("ticket:updated").await;
    assert_eq!((news["ticket_id"].as_i64(), news["ticket"]["rating"]["score"].as_i64()), (Some(id), Some(5)), "{news}");
}
