//! Accounts, sessions and role guards, end to end over HTTP on a fresh database per test.

use crate::common::{PASSWORD, error_body, location, session_cookie, spawn_app};
use myrelay::domain::account::Role;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};

#[tokio::test]
async fn register_creates_a_user_and_signs_it_in() {
    let app = spawn_app().await;
    let browser = app.browser();

    let response = browser.register("  Ann@Example.com ", " Ann ", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(location(response.headers()), Some("/app/tickets"));
    let cookie = response.headers().get(SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Secure"), "plain http must not set Secure: {cookie}");
    let user: serde_json::Value = response.json().await.unwrap();
    assert_eq!(user["email"], "Ann@Example.com");
    assert_eq!(user["display_name"], "Ann");
    assert_eq!(user["role"], "user");
    assert!(user.get("password_hash").is_none());

    let me = browser.me().await;
    assert_eq!(me["id"], user["id"]);

    // Only a hash of the token is stored.
    let token = session_cookie(&browser_cookie_headers(&cookie)).unwrap();
    let token = token.trim_start_matches("myrelay_session=");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM sessions").fetch_one(app.pool()).await.unwrap();
    assert_ne!(stored, token.as_bytes());
    assert_eq!(stored.len(), 32);
}

fn browser_cookie_headers(set_cookie: &str) -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(SET_COOKIE, set_cookie.parse().unwrap());
    headers
}

#[tokio::test]
async fn registration_cannot_choose_a_role() {
    let app = spawn_app().await;
    let response = app
        .browser()
        .post_form(
            "/api/auth/register",
            &[("email", "eve@example.com"), ("display_name", "Eve"), ("password", PASSWORD), ("role", "admin")],
        )
        .await;
    // Either the extra field is refused or ignored; it never makes an admin.
    if response.status() == StatusCode::OK {
        let user: serde_json::Value = response.json().await.unwrap();
        assert_eq!(user["role"], "user");
    }
    let admins: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE role NOT IN ('user', 'system')").fetch_one(app.pool()).await.unwrap();
    assert_eq!(admins, 0);
}

#[tokio::test]
async fn bad_registration_input_names_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    let browser = app.browser();
    for (email, name, password, field, fragment) in [
        ("not-an-email", "Ann", PASSWORD, "email", "valid email"),
        ("", "Ann", PASSWORD, "email", "enter your email"),
        ("ann@example.com", "   ", PASSWORD, "display_name", "name"),
        ("ann@example.com", "Ann", "short", "password", "at least 8"),
    ] {
        let body = error_body(browser.register(email, name, password).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["code"], "validation");
        assert_eq!(body["field"], field);
        assert!(body["message"].as_str().unwrap().contains(fragment), "{body}");
    }
    assert_eq!(app.count_people().await, 0);
    assert_eq!(app.count("sessions").await, 0);
    assert!(browser.me().await.is_null());
}

#[tokio::test]
async fn an_email_registers_once_whatever_its_case() {
    let app = spawn_app().await;
    app.signed_in_user("bob@example.com").await;

    let body = error_body(app.browser().register("BOB@Example.COM", "Bob 2", PASSWORD).await, StatusCode::CONFLICT).await;
    assert_eq!(body["code"], "conflict");
    assert_eq!(body["field"], "email");
    assert!(body["message"].as_str().unwrap().contains("already exists"));
    assert_eq!(app.count_people().await, 1);
}

#[tokio::test]
async fn login_accepts_the_right_password_in_any_email_case() {
    let app = spawn_app().await;
    app.signed_in_user("carol@example.com").await;

    let browser = app.browser();
    let response = browser.login("CAROL@example.com", PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(location(response.headers()), Some("/app/tickets"));
    assert_eq!(browser.me().await["email"], "carol@example.com");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.signed_in_user("dan@example.com").await;
    let browser = app.browser();

    let wrong_password = error_body(browser.login("dan@example.com", "wrong password", None).await, StatusCode::UNAUTHORIZED).await;
    let unknown_email = error_body(browser.login("nobody@example.com", PASSWORD, None).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(wrong_password["code"], "invalid_credentials");
    assert_eq!(wrong_password["message"], "Wrong email or password.");
    assert!(browser.me().await.is_null());
}

#[tokio::test]
async fn login_goes_back_to_the_requested_page_but_never_off_site() {
    let app = spawn_app().await;
    app.signed_in_as(Role::Agent, "agent@example.com").await;
    let browser = app.browser();

    let response = browser.login("agent@example.com", PASSWORD, Some("/app/inbox?status=open")).await;
    assert_eq!(location(response.headers()), Some("/app/inbox?status=open"));
    for evil in ["//evil.example/app", "https://evil.example"] {
        let response = browser.login("agent@example.com", PASSWORD, Some(evil)).await;
        assert_eq!(location(response.headers()), Some("/app/inbox"), "next={evil}");
    }
}

#[tokio::test]
async fn logout_revokes_the_session_everywhere() {
    let app = spawn_app().await;
    let browser = app.browser();
    let response = browser.register("erin@example.com", "Erin", PASSWORD).await;
    let cookie = session_cookie(response.headers()).unwrap();

    let response = browser.logout().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(session_cookie(response.headers()).is_some_and(|c| c == "myrelay_session="), "cookie is cleared");
    assert!(browser.me().await.is_null());
    assert_eq!(app.count("sessions").await, 0);

    // A copy of the old cookie (another tab, a thief) no longer works either.
    let replay = app.browser();
    let response = replay.client.get(format!("{}/api/auth/me", app.base_url)).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(response.json::<serde_json::Value>().await.unwrap(), serde_json::Value::Null);
    let response = replay.client.get(format!("{}/app/tickets", app.base_url)).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_deactivated_user_is_signed_out_and_cannot_sign_in() {
    let app = spawn_app().await;
    let browser = app.signed_in_user("fay@example.com").await;
    let id = browser.me().await["id"].as_i64().unwrap();

    let system = myrelay::auth::repo::system_account(&mut app.pool().acquire().await.unwrap()).await.unwrap();
    myrelay::auth::repo::change_account(app.pool(), &system, id, myrelay::auth::repo::AccountChange::Active(false)).await.unwrap();
    assert!(browser.me().await.is_null(), "the open session stops working");
    assert_eq!(browser.page("/app/tickets").await.status(), StatusCode::SEE_OTHER);

    let body = error_body(app.browser().login("fay@example.com", PASSWORD, None).await, StatusCode::FORBIDDEN).await;
    assert_eq!(body["code"], "account_disabled");
    assert_eq!(app.count("sessions").await, 0);

    // A wrong password still says only "wrong email or password": no hint that the account exists.
    let body = error_body(app.browser().login("fay@example.com", "not the password", None).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(body["code"], "invalid_credentials");
}

#[tokio::test]
async fn repeated_failures_throttle_the_account() {
    let app = spawn_app().await;
    app.signed_in_user("gus@example.com").await;
    let browser = app.browser();
    for _ in 0..5 {
        error_body(browser.login("gus@example.com", "wrong password", None).await, StatusCode::UNAUTHORIZED).await;
    }
    // Even the right password is refused while throttled.
    let body = error_body(browser.login("gus@example.com", PASSWORD, None).await, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["code"], "too_many_requests");
    assert!(browser.me().await.is_null());
    // Other accounts are not affected by one account's lock.
    app.signed_in_user("hal@example.com").await;
    assert_eq!(browser.login("hal@example.com", PASSWORD, None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn repeated_failures_throttle_the_client_address() {
    let app = spawn_app().await;
    let browser = app.browser();
    for n in 0..30 {
        let email = format!("guess{n}@example.com");
        error_body(browser.login(&email, "wrong password", None).await, StatusCode::UNAUTHORIZED).await;
    }
    let body = error_body(browser.login("guess99@example.com", "wrong password", None).await, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["code"], "too_many_requests");
}

#[tokio::test]
async fn protected_pages_redirect_to_login_before_rendering() {
    let app = spawn_app().await;
    let anonymous = app.browser();
    for path in ["/app", "/app/tickets", "/app/inbox", "/app/admin"] {
        let response = anonymous.page(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(response.headers()), Some(format!("/login?next={path}").as_str()));
    }
    let response = anonymous.page("/app/inbox?status=open").await;
    assert_eq!(location(response.headers()), Some("/login?next=/app/inbox%3Fstatus%3Dopen"));

    for path in ["/", "/login", "/register"] {
        assert_eq!(anonymous.page(path).await.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(anonymous.page("/no/such/page").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_role_is_kept_to_its_own_area() {
    let app = spawn_app().await;
    let user = app.signed_in_user("ida@example.com").await;
    let agent = app.signed_in_as(Role::Agent, "jon@example.com").await;
    let admin = app.signed_in_as(Role::Admin, "kim@example.com").await;

    let table = [
        (&user, "/app", Some("/app/tickets")),
        (&user, "/app/tickets", None),
        (&user, "/app/inbox", Some("/app/tickets")),
        (&user, "/app/admin", Some("/app/tickets")),
        (&agent, "/app", Some("/app/inbox")),
        (&agent, "/app/inbox", None),
        (&agent, "/app/admin", Some("/app/inbox")),
        (&admin, "/app", Some("/app/admin")),
        (&admin, "/app/admin", None),
        (&admin, "/app/inbox", None),
        (&admin, "/login", Some("/app/admin")),
    ];
    for (browser, path, redirect) in table {
        let response = browser.page(path).await;
        match redirect {
            Some(target) => {
                assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
                assert_eq!(location(response.headers()), Some(target), "{path}");
            }
            None => assert_eq!(response.status(), StatusCode::OK, "{path}"),
        }
    }
    let html = admin.page("/app/admin").await.text().await.unwrap();
    assert!(html.contains("Dashboard") && html.contains("Staff Person"), "the admin home renders on the server");
}

#[tokio::test]
async fn server_functions_reject_malformed_requests_without_panicking() {
    let app = spawn_app().await;
    let browser = app.browser();
    let response = browser.post_form("/api/auth/login", &[("email", "x@example.com")]).await;
    assert!(response.status().is_client_error() || response.status().is_server_error());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "validation");
    // The server is still serving.
    assert_eq!(browser.page("/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn parallel_guesses_cannot_slip_past_the_throttle() {
    let app = spawn_app().await;
    app.signed_in_user("ivy@example.com").await;
    let browser = app.browser();
    let guesses = (0..20).map(|n| {
        let browser = &browser;
        async move { browser.login("ivy@example.com", &format!("guess number {n}"), None).await.status() }
    });
    let statuses = futures::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(checked <= 5, "at most 5 passwords checked, got {checked} ({statuses:?})");
    assert_eq!(checked + throttled, 20);
}
