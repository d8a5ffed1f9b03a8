//! Internal notes: staff write them, staff in the room hear them gap-free by `note_seq` (also
//! across nodes and on resume), and nothing a customer can reach ever shows one or a gap where one
//! is: not the socket, the timeline and its seqs, messages, previews, unread counts, search or the
//! SLA's first reply.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::chat::second_node;
use crate::common::{Browser, connect_socket, spawn_app};
use myrelay::domain::account::Role;

async fn add_note(browser: &Browser, id: i64, client_id: &str, content: &str) -> (StatusCode, Value) {
    browser.post_json("/api/tickets/add-note", &[("ticket_id", &id.to_string()), ("client_id", client_id), ("content", content)]).await
}

#[tokio::test]
async fn notes_reach_staff_in_the_room_and_never_a_customer() {
    let app = spawn_app().await;
    let ((customer_cookie, customer), (agent_cookie, agent)) = app.customer_and_agent().await;
    let admin_cookie = app.cookie_for(Role::Admin, "admin@example.com").await;
    let id = customer.new_ticket("The export is empty").await;
    let mut customer_tab = app.socket(&customer_cookie).await;
    customer_tab.join(id, None).await;
    let mut agent_tab = app.socket(&agent_cookie).await;
    agent_tab.join(id, None).await;
    let mut admin_tab = app.socket(&admin_cookie).await;
    admin_tab.join(id, None).await;
    let before = customer.get_json(&format!("/api/tickets/get?id={id}")).await.1;

    let (status, note) = add_note(&agent, id, "n-1", "  Customer is on the legacy plan; zebrafish  ").await;
    assert_eq!(status, StatusCode::OK, "{note}");
    assert_eq!((note["note_seq"].as_i64(), note["after_seq"].as_i64(), note["content"].as_str()), (Some(1), Some(0), Some("Customer is on the legacy plan; zebrafish")));
    assert_eq!(agent_tab.until("ticket:note:new").await, note, "the author's other tabs hear it");
    assert_eq!(admin_tab.until("ticket:note:new").await, note);
    // Resending is idempotent.
    assert_eq!(add_note(&agent, id, "n-1", "again").await.1, note);
    assert_eq!(app.count("ticket_notes").await, 1);
    // The ticket as the customer reads it has not changed at all (not even its activity time).
    assert_eq!(customer.get_json(&format!("/api/tickets/get?id={id}")).await.1, before);

    // The customer's stream: the next thing is the agent's message, at the next timeline seq.
    let mut agent_message = agent_tab.say(id, "m-1", "Looking into it").await;
    customer_tab.never_until("ticket:note:new", |event, _| event == "ticket:message:new").await;
    assert_eq!(agent_message["seq"].take(), json!(1), "notes take no timeline seq");
    let after = customer.get_json(&format!("/api/tickets/get?id={id}")).await.1;
    assert_eq!((after["last_seq"].as_i64(), after["unread"].as_i64()), (Some(1), Some(1)), "{after}");

    // No server function shows it to the customer, nor says how many there are.
    for path in [format!("/api/tickets/timeline?ticket_id={id}"), format!("/api/tickets/messages?ticket_id={id}"), format!("/api/tickets/get?id={id}"), "/api/tickets/list".to_owned(), "/api/search?q=zebrafish".to_owned()] {
        let (status, body) = customer.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert!(!body.to_string().contains("zebrafish") && !body.to_string().contains("legacy plan"), "{path}: {body}");
    }
    assert_eq!(customer.get_json(&format!("/api/tickets/notes?ticket_id={id}")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(add_note(&customer, id, "c-1", "sneaky").await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.browser().get_json(&format!("/api/tickets/notes?ticket_id={id}")).await.0, StatusCode::UNAUTHORIZED);
    // A customer's after_note_seq is ignored, not answered (an error would tell how many notes there are).
    customer_tab.send("ticket:join", json!({ "ticket_id": id, "after_seq": 0, "after_note_seq": 0 })).await;
    customer_tab.never_until("ticket:note:new", |event, _| event == "ticket:joined").await;

    // Staff find it by searching (stemmed, with its author); the customer's search found nothing above.
    let (status, found) = agent.get_json("/api/search?q=zebrafishes").await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let hit = &found["items"][0];
    assert_eq!((hit["kind"].as_str(), hit["ticket_id"].as_i64(), hit["seq"].as_i64(), hit["sender_name"].as_str()), (Some("note"), Some(id), Some(1), Some("agent")), "{found}");
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    // Staff read them back; the SLA's first reply is a message, not a note.
    let (status, notes) = agent.get_json(&format!("/api/tickets/notes?ticket_id={id}")).await;
    assert_eq!((status, notes), (StatusCode::OK, json!([note])));
    let first_reply: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT first_responded_at FROM tickets WHERE id = $1").bind(id).fetch_one(app.pool()).await.unwrap();
    let message_at: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT created_at FROM ticket_messages WHERE ticket_id = $1").bind(id).fetch_one(app.pool()).await.unwrap();
    assert_eq!(first_reply, Some(message_at));

    // Bad input changes nothing.
    for (fields, field) in [((id, "n-2", "   "), "content"), ((id, "", "text"), "client_id")] {
        let (status, body) = add_note(&agent, fields.0, fields.1, fields.2).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{body}");
    }
    assert_eq!(add_note(&agent, 999_999, "n-3", "nowhere").await.0, StatusCode::NOT_FOUND);
    let other = customer.new_ticket("Another one").await;
    let (status, body) = add_note(&agent, other, "n-1", "same client id, other ticket").await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("client_id")), "{body}");
    let (status, body) = agent.get_json(&format!("/api/tickets/notes?ticket_id={id}&after_note_seq=-1")).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("after_note_seq")), "{body}");
    assert_eq!(app.count("ticket_notes").await, 1);
}

#[tokio::test]
async fn staff_resume_notes_gap_free_across_nodes() {
    let app = spawn_app().await;
    let ((_, customer), (agent_cookie, agent)) = app.customer_and_agent().await;
    let admin_cookie = app.cookie_for(Role::Admin, "admin@example.com").await;
    let admin = app.browser_with(&admin_cookie);
    let id = customer.new_ticket("Invoices are missing").await;
    let node_b = second_node(&app).await;
    let mut on_b = connect_socket(&node_b.base_url, Some(&admin_cookie), Some(&node_b.base_url)).await.unwrap();
    on_b.join(id, None).await;

    // Written through node A, heard on node B in order.
    for n in 1..=3 {
        assert_eq!(add_note(&agent, id, &format!("a-{n}"), &format!("note {n}")).await.0, StatusCode::OK);
    }
    for n in 1..=3 {
        assert_eq!(on_b.until("ticket:note:new").await["note_seq"], n);
    }
    drop(on_b);

    // Away meanwhile: a rejoin with after_note_seq gets exactly what was missed.
    assert_eq!(add_note(&admin, id, "b-1", "note 4").await.0, StatusCode::OK);
    let mut again = app.socket(&agent_cookie).await;
    again.send("ticket:join", json!({ "ticket_id": id, "after_seq": 0, "after_note_seq": 3 })).await;
    assert_eq!(again.until("ticket:note:new").await["content"], "note 4");
    again.never_until("ticket:note:new", |event, _| event == "ticket:joined").await;
    // A position the ticket never reached is refused, as for the timeline.
    again.send("ticket:join", json!({ "ticket_id": id, "after_note_seq": 9 })).await;
    let error = again.until("error").await;
    assert_eq!((error["code"].as_str(), error["event"].as_str()), (Some("invalid_data"), Some("ticket:join")), "{error}");
}
