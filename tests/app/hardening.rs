//! Bad input, oversized bodies, cross-site writes, security headers and the last admin: each
//! answer is a specific 4xx with the JSON error shape, and nothing changes.

use crate::common::{TestApp, error_body, spawn_app};
use myrelay::domain::account::Role;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, ORIGIN};
use serde_json::Value;

async fn post_raw(app: &TestApp, cookie: &str, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    app.browser_with(cookie)
        .client
        .post(format!("{}{path}", app.base_url))
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A 422 `validation` error naming `field`.
async fn assert_invalid(response: reqwest::Response, field: &str) {
    let body = error_body(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["code"], "validation", "{body}");
    assert_eq!(body["field"], field, "{body}");
}

#[tokio::test]
async fn undecodable_arguments_are_422_naming_the_field() {
    let app = spawn_app().await;
    let user = app.cookie_for(Role::User, "user@example.com").await;
    let agent = app.cookie_for(Role::Agent, "agent@example.com").await;
    let admin = app.cookie_for(Role::Admin, "admin@example.com").await;
    let form = "application/x-www-form-urlencoded";

    assert_invalid(post_raw(&app, &user, "/api/tickets/create", form, "subject=Hi").await, "description").await;
    let (status, body) = app.browser_with(&user).get_json("/api/tickets/get?id=abc").await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("id")), "{body}");
    let (status, body) = app.browser_with(&user).get_json("/api/tickets/list?limit=abc").await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("limit")), "{body}");
    assert_invalid(post_raw(&app, &agent, "/api/tickets/status", form, "id=1&action=resolve&version=1.5").await, "version").await;
    assert_invalid(post_raw(&app, &agent, "/api/tickets/status", form, "id=1&action=resolve").await, "version").await;
    assert_invalid(post_raw(&app, &agent, "/api/tickets/assign", form, "id=abc").await, "id").await;
    assert_invalid(post_raw(&app, &admin, "/api/admin/set-active", form, "user_id=1&active=maybe").await, "active").await;
    assert_eq!(app.count("tickets").await, 0);
}

#[tokio::test]
async fn json_bodies_are_accepted_and_other_types_refused() {
    let app = spawn_app().await;
    let user = app.cookie_for(Role::User, "user@example.com").await;

    let response = post_raw(&app, &user, "/api/tickets/create", "application/json", r#"{"description":"Printer is on fire"}"#).await;
    assert_eq!(response.status(), StatusCode::OK);
    let ticket: Value = response.json().await.unwrap();
    assert_eq!(ticket["description"], "Printer is on fire");

    assert_invalid(post_raw(&app, &user, "/api/tickets/create", "application/json", r#"{"description":5}"#).await, "description").await;
    let body = error_body(post_raw(&app, &user, "/api/tickets/create", "application/json", "{oops").await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["code"], "validation");
    let body = error_body(post_raw(&app, &user, "/api/tickets/create", "text/plain", "description=x").await, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert_eq!(body["code"], "unsupported_media_type");

    let anonymous = app.browser();
    let response = anonymous
        .client
        .post(format!("{}/api/auth/register", app.base_url))
        .json(&serde_json::json!({ "email": "json@example.com", "display_name": "Jay", "password": crate::common::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.count("tickets").await, 1);
}

#[tokio::test]
async fn oversized_bodies_are_413_on_every_route() {
    let app = spawn_app().await;
    let user = app.cookie_for(Role::User, "user@example.com").await;
    let big = format!("description={}", "a".repeat(myrelay::server::http_guard::BODY_LIMIT_BYTES + 1));
    for path in ["/api/tickets/create", "/api/auth/login", "/app/tickets", "/no-such-page"] {
        let response = post_raw(&app, &user, path, "application/x-www-form-urlencoded", big.clone()).await;
        let body = error_body(response, StatusCode::PAYLOAD_TOO_LARGE).await;
        assert_eq!(body["code"], "payload_too_large", "{path}");
    }
    // Without a declared length the body is cut off while it is read.
    let (status, body) = chunked_post(&app, &user, "/api/tickets/create", 1100).await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("payload_too_large"), "{body}");
    assert_eq!(app.count("tickets").await, 0);
}

/// A POST whose body is sent in `chunks` chunks of 1 KiB (`Transfer-Encoding: chunked`, no length).
async fn chunked_post(app: &TestApp, cookie: &str, path: &str, chunks: usize) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("400\r\n{}\r\n", "a".repeat(1024));
    for _ in 0..chunks {
        // The server may answer (and stop reading) before the end.
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    (status, response)
}

#[tokio::test]
async fn control_characters_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let user = app.cookie_for(Role::User, "user@example.com").await;
    let browser = app.browser_with(&user);
    assert_invalid(browser.create_ticket("Hi", "broken\0text").await, "description").await;
    assert_invalid(browser.create_ticket("bell\u{7}", "fine").await, "subject").await;
    assert_invalid(app.browser().register("nul@example.com", "Nul\0", crate::common::PASSWORD).await, "display_name").await;
    assert_invalid(app.browser().login("nul\0@example.com", crate::common::PASSWORD, None).await, "email").await;
    // Line breaks and tabs are text.
    assert_eq!(browser.create_ticket("Hi", "line one\r\n\tline two").await.status(), StatusCode::OK);
    assert_eq!(app.count("tickets").await, 1);

    let ticket = sqlx::query_scalar::<_, i64>("SELECT id FROM tickets").fetch_one(app.pool()).await.unwrap();
    let (status, body) = browser
        .post_json("/api/tickets/send-message", &[("ticket_id", &ticket.to_string()), ("client_id", "c1"), ("content", "a\0b")])
        .await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("content")));
    let mut socket = app.socket(&user).await;
    socket.join(ticket, None).await;
    socket.send("ticket:message:send", serde_json::json!({ "ticket_id": ticket, "client_id": "c2", "content": "x\u{1b}[31m" })).await;
    let error = socket.expect("error").await;
    assert_eq!(error["code"], "invalid_content", "{error}");
    assert_eq!(app.count("ticket_messages").await, 0);
}

#[tokio::test]
async fn cross_site_writes_are_refused_and_scripts_still_work() {
    let app = spawn_app().await;
    let user = app.cookie_for(Role::User, "user@example.com").await;
    let browser = app.browser_with(&user);
    let create = |origin: Option<&'static str>, fetch_site: Option<&'static str>| {
        let mut request = browser
            .client
            .post(format!("{}/api/tickets/create", app.base_url))
            .header(ACCEPT, "application/json")
            .form(&[("description", "sent from somewhere")]);
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        request.send()
    };
    let body = error_body(create(Some("http://evil.example"), None).await.unwrap(), StatusCode::FORBIDDEN).await;
    assert_eq!(body["code"], "forbidden");
    error_body(create(None, Some("cross-site")).await.unwrap(), StatusCode::FORBIDDEN).await;
    error_body(create(None, Some("same-site")).await.unwrap(), StatusCode::FORBIDDEN).await;
    error_body(create(Some("null"), None).await.unwrap(), StatusCode::FORBIDDEN).await;
    assert_eq!(app.count("tickets").await, 0);

    let same_site: &'static str = Box::leak(app.base_url.clone().into_boxed_str());
    assert_eq!(create(Some(same_site), Some("same-origin")).await.unwrap().status(), StatusCode::OK);
    assert_eq!(create(None, None).await.unwrap().status(), StatusCode::OK, "scripts send neither header");
    assert_eq!(app.count("tickets").await, 2);
}

#[tokio::test]
async fn pages_carry_a_nonce_policy_and_every_response_the_security_headers() {
    let app = spawn_app().await;
    let page = app.browser().page("/login").await;
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    let policy = headers["content-security-policy"].to_str().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce in the policy");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration scripts carry the nonce");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    for response in [app.browser().page("/login").await, app.browser().get("/api/auth/me").await] {
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.headers()["referrer-policy"], "same-origin");
        assert!(response.headers().contains_key("content-security-policy"));
        assert!(!response.headers().contains_key("strict-transport-security"), "not over plain http");
    }
    let second = app.browser().page("/login").await.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert_ne!(policy, second, "a new nonce for every response");
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one() {
    let app = spawn_app().await;
    let first = app.cookie_for(Role::Admin, "first@example.com").await;
    let second = app.cookie_for(Role::Admin, "second@example.com").await;
    let (first, second) = (app.browser_with(&first), app.browser_with(&second));
    let (first_id, second_id) = (first.id().await.to_string(), second.id().await.to_string());
    for change in [("set-role", "role", "agent"), ("set-active", "active", "false")] {
        let (endpoint, field, value) = change;
        let path = format!("/api/admin/{endpoint}");
        let (demote_second, demote_first) = ([("user_id", second_id.as_str()), (field, value)], [("user_id", first_id.as_str()), (field, value)]);
        // Both requests pass their admin check, then wait on the admins' rows held here, and
        // are let go together: exactly the moment two admins act at once.
        let mut hold = app.pool().begin().await.unwrap();
        sqlx::query("SELECT id FROM users WHERE role = 'admin' FOR UPDATE").fetch_all(&mut *hold).await.unwrap();
        let release = async {
            let waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
            while sqlx::query_scalar::<_, i64>(waiting).fetch_one(app.pool()).await.unwrap() < 2 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            hold.rollback().await.unwrap();
        };
        let (a, b, ()) = tokio::join!(first.post_json(&path, &demote_second), second.post_json(&path, &demote_first), release);
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{endpoint}: {a:?} {b:?}");
        let loser = if a.0 == StatusCode::CONFLICT { a.1 } else { b.1 };
        assert_eq!(loser["code"], "conflict");
        let admins: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND is_active")
            .fetch_one(app.pool())
            .await
            .unwrap();
        assert_eq!(admins, 1, "{endpoint}");
        // Both admins again for the next round (a role change keeps both signed in).
        sqlx::query("UPDATE users SET role = 'admin', is_active = TRUE WHERE role <> 'system'").execute(app.pool()).await.unwrap();
    }
}

#[tokio::test]
async fn the_http_send_fallback_has_the_sockets_budget() {
    let app = spawn_app().await;
    let user = app.cookie_for(Role::User, "user@example.com").await;
    let browser = app.browser_with(&user);
    let ticket = browser.new_ticket("Rate me").await.to_string();
    let mut statuses = Vec::new();
    for n in 0..15 {
        let client_id = format!("h{n}");
        let (status, body) = browser.post_json("/api/tickets/send-message", &[("ticket_id", &ticket), ("client_id", &client_id), ("content", "hi")]).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["code"], "too_many_requests");
        }
        statuses.push(status);
    }
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(refused >= 3, "a burst of 10, refilled at 5 a second: {statuses:?}");
    assert_eq!(app.count("ticket_messages").await as usize, 15 - refused);
}
