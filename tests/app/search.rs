//! Search: tickets and messages by full text, within the visibility rules, ranked, highlighted,
//! keyset-paged.

use crate::common::{Browser, spawn_app};
use myrelay::domain::account::Role;
use reqwest::StatusCode;
use serde_json::Value;

async fn hits(browser: &Browser, q: &str) -> Vec<Value> {
    let (status, page) = browser.get_json(&format!("/api/search?q={}", q.replace(' ', "+").replace('"', "%22"))).await;
    assert_eq!(status, StatusCode::OK, "{q}: {page}");
    page["items"].as_array().unwrap().clone()
}

/// (ticket, kind) of each hit, sorted: which hits, whatever their ranks.
fn found(hits: &[Value]) -> Vec<(i64, String)> {
    let mut found: Vec<(i64, String)> = hits.iter().map(|h| (h["ticket_id"].as_i64().unwrap(), h["kind"].as_str().unwrap().to_owned())).collect();
    found.sort();
    found
}

fn hit(ticket: i64, kind: &str) -> (i64, String) {
    (ticket, kind.to_owned())
}

fn marked(hit: &Value) -> Vec<String> {
    hit["snippet"].as_array().unwrap().iter().filter(|p| p["mark"] == true).map(|p| p["text"].as_str().unwrap().to_lowercase()).collect()
}

#[tokio::test]
async fn each_person_finds_only_what_they_may_see() {
    let app = spawn_app().await;
    let cora_cookie = app.cookie_for(Role::User, "cora@example.com").await;
    let cora = app.browser_with(&cora_cookie);
    let dan = app.signed_in_user("dan@example.com").await;
    let agent_cookie = app.cookie_for(Role::Agent, "agent@example.com").await;
    let agent = app.browser_with(&agent_cookie);
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let coras = cora.new_ticket("My printer prints blank pages").await;
    let dans = dan.new_ticket("The printer in room 4 is jammed").await;
    let mut socket = app.socket(&agent_cookie).await;
    socket.join(coras, None).await;
    socket.say(coras, "m1", "Please send a photo of the printers display.").await;

    // Stemming: "printer" finds "printers"; each user only their own tickets and messages.
    assert_eq!(found(&hits(&cora, "printer").await), [hit(coras, "message"), hit(coras, "ticket")]);
    assert_eq!(found(&hits(&dan, "printer").await), [hit(dans, "ticket")]);
    for staff in [&agent, &admin] {
        assert_eq!(found(&hits(staff, "printer").await), [hit(coras, "message"), hit(coras, "ticket"), hit(dans, "ticket")]);
    }
    assert!(hits(&dan, "photo").await.is_empty(), "another person's messages are not found");
    assert!(hits(&cora, "jammed").await.is_empty(), "nor their tickets");
    assert_eq!(app.browser().get_json("/api/search?q=printer").await.0, StatusCode::UNAUTHORIZED);

    // Web-search syntax: a phrase, a word left out.
    assert_eq!(found(&hits(&agent, "\"blank pages\"").await), [hit(coras, "ticket")]);
    assert_eq!(found(&hits(&agent, "printer -jammed -photo").await), [hit(coras, "ticket")]);

    // The snippet marks what matched; a message hit names its sender and place.
    let message = hits(&cora, "photo").await.remove(0);
    assert_eq!(marked(&message), ["photo"]);
    assert_eq!((message["sender_name"].as_str(), message["seq"].as_i64()), (Some("agent"), Some(1)));
    assert_eq!(message["ticket_title"], "My printer prints blank pages");
}

#[tokio::test]
async fn results_rank_best_first_and_page_without_repeats() {
    let app = spawn_app().await;
    let user = app.signed_in_user("cora@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    let mut tickets = Vec::new();
    for n in 0..7 {
        tickets.push(user.new_ticket(&format!("Refund request {n}: I was charged twice")).await);
    }
    assert_eq!(user.create_ticket("Refund, refund, refund", "Refund my refund please").await.status(), StatusCode::OK);
    let all = hits(&agent, "refunds").await;
    assert_eq!(all.len(), 8);
    assert_eq!(all[0]["ticket_title"], "Refund, refund, refund", "the subject's weight and the repeats rank it first");
    let ranks: Vec<f64> = all.iter().map(|h| h["rank"].as_f64().unwrap()).collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");

    let paged: Vec<i64> = agent.every_page("/api/search?q=refunds&limit=3").await.iter().map(|h| h["ticket_id"].as_i64().unwrap()).collect();
    assert_eq!(paged, all.iter().map(|h| h["ticket_id"].as_i64().unwrap()).collect::<Vec<_>>());

    for (query, field) in [("q=", "q"), ("q=+++", "q"), (&format!("q={}", "a".repeat(201)), "q"), ("q=refund&cursor=best", "cursor"), ("q=refund&cursor=NaN_0_1_1", "cursor")] {
        let (status, body) = agent.get_json(&format!("/api/search?{query}")).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{query}: {body}");
    }
    assert!(hits(&agent, "the and of").await.is_empty(), "only stop words: nothing, not an error");
    assert!(hits(&agent, "\" ( ) & | ! :*").await.is_empty(), "stray operators are words, not errors");
}
