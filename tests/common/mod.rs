//! Black-box test harness: each test gets the real app on a fresh PostgreSQL database, served on a
//! random local port, and talks to it over HTTP like a browser or script would.
#![allow(dead_code)]


use std::time::Duration;

use leptos::prelude::LeptosOptions;
use myrelay::server::{config::Config, state::AppState};
use reqwest::header::{ACCEPT, HeaderMap, LOCATION, SET_COOKIE};
use reqwest::{Response, StatusCode, redirect::Policy};
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection, PgPool};

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base_url: String,
    pub state: AppState,
}

impl TestApp {
    pub fn pool(&self) -> &PgPool {
        &self.state.pool
    }

    /// A fresh cookie jar: one "browser".
    pub fn browser(&self) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        Browser { client, base_url: self.base_url.clone() }
    }

    /// Registers a `user` in a new browser that stays signed in.
    pub async fn signed_in_user(&self, email: &str) -> Browser {
        let browser = self.browser();
        let response = browser.register(email, "Test Person", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "registering {email}");
        browser
    }

    /// Creates an account with `role` directly in the database and signs it in.
    pub async fn signed_in_as(&self, role: myrelay::auth::model::Role, email: &str) -> Browser {
        let hash = myrelay::auth::server::hash_password(PASSWORD.into()).await.unwrap();
        myrelay::auth::repo::insert_user(self.pool(), email, "Staff Person", &hash, role).await.unwrap();
        let browser = self.browser();
        let response = browser.login(email, PASSWORD, None).await;
        assert_eq!(response.status(), StatusCode::OK, "signing in {email}");
        browser
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(self.pool()).await.unwrap()
    }
}

pub struct Browser {
    pub client: reqwest::Client,
    pub base_url: String,
}

impl Browser {
    /// Calls a server function the way a script does: form-encoded in, JSON out.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.base_url))
            .header(ACCEPT, "application/json")
            .form(fields)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base_url)).send().await.expect("request")
    }

    /// Loads a page as a browser navigation does.
    pub async fn page(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base_url)).header(ACCEPT, "text/html").send().await.expect("request")
    }

    pub async fn register(&self, email: &str, name: &str, password: &str) -> Response {
        self.post_form("/api/auth/register", &[("email", email), ("display_name", name), ("password", password)]).await
    }

    pub async fn login(&self, email: &str, password: &str, next: Option<&str>) -> Response {
        let mut fields = vec![("email", email), ("password", password)];
        if let Some(next) = next {
            fields.push(("next", next));
        }
        self.post_form("/api/auth/login", &fields).await
    }

    pub async fn logout(&self) -> Response {
        self.post_form("/api/auth/logout", &[]).await
    }

    /// `/api/auth/me`: the signed-in user as JSON, or `Value::Null`.
    pub async fn me(&self) -> Value {
        let response = self.get("/api/auth/me").await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }
}

/// The JSON body of an error response, after checking its status.
pub async fn error_body(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    response.json().await.unwrap()
}

pub fn location(headers: &HeaderMap) -> Option<&str> {
    headers.get(LOCATION).and_then(|v| v.to_str().ok())
}

/// The session cookie that a response sets, as `name=value`.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("myrelay_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

pub async fn spawn_app() -> TestApp {
    let server_url = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must name a PostgreSQL server the tests may create databases on (scripts/test.sh sets it)");
    let name = format!("myrelay_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&server_url).await.expect("connect to the test PostgreSQL server");
    admin.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await.expect("create test database");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let leptos_options = LeptosOptions::builder().output_name("myrelay").site_addr(addr).build();
    let config = Config {
        database_url: with_database(&server_url, &name),
        database_max_connections: 5,
        public_url: format!("http://{addr}"),
        session_ttl: Duration::from_secs(3600),
        trust_forwarded_for: false,
    };
    let state = myrelay::server::prepare(leptos_options, config).await.expect("prepare app");
    tokio::spawn(myrelay::server::serve(listener, state.clone(), std::future::pending()));
    TestApp { base_url: format!("http://{addr}"), state }
}

/// The same server URL pointing at another database.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = match base.rsplit_once('/') {
        Some((prefix, _)) if prefix.ends_with('/') => base, // no database named: "postgres://host:port"
        Some((prefix, _)) => prefix,
        None => base,
    };
    let prefix = prefix.trim_end_matches('/');
    match query {
        Some(query) => format!("{prefix}/{database}?{query}"),
        None => format!("{prefix}/{database}"),
    }
}

impl Browser {
    pub async fn id(&self) -> i64 {
        self.me().await["id"].as_i64().expect("signed in")
    }

    pub async fn create_ticket(&self, subject: &str, description: &str) -> Response {
        self.post_form("/api/tickets/create", &[("subject", subject), ("description", description)]).await
    }

    /// Creates a ticket and returns its id, asserting success.
    pub async fn new_ticket(&self, description: &str) -> i64 {
        let response = self.create_ticket("", description).await;
        assert_eq!(response.status(), StatusCode::OK, "creating a ticket");
        response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.client.get(format!("{}{path}", self.base_url)).header(ACCEPT, "application/json").send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = self.post_form(path, fields).await;
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// A ticket's stored status, assignee and version.
pub async fn ticket_row(app: &TestApp, id: i64) -> (String, Option<i64>, i32) {
    sqlx::query_as("SELECT status::TEXT, assigned_agent_id, version FROM tickets WHERE id = $1")
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap()
}
