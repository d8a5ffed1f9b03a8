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
    pub async fn signed_in_as(&self, role: myrelay::domain::account::Role, email: &str) -> Browser {
        let hash = myrelay::auth::server::hash_password(PASSWORD.into()).await.unwrap();
        myrelay::auth::repo::insert_user(self.pool(), email, "Staff Person", &hash, role).await.unwrap();
        let browser = self.browser();
        let response = browser.login(email, PASSWORD, None).await;
        assert_eq!(response.status(), StatusCode::OK, "signing in {email}");
        browser
    }

    /// Accounts of people (MyRelay's own account is not one).
    pub async fn count_people(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM users WHERE role <> 'system'").fetch_one(self.pool()).await.unwrap()
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
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with some settings changed.
pub async fn spawn_app_with(change: impl FnOnce(&mut Config)) -> TestApp {
    let server_url = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must name a PostgreSQL server the tests may create databases on (scripts/test.sh sets it)");
    let name = format!("myrelay_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&server_url).await.expect("connect to the test PostgreSQL server");
    admin.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await.expect("create test database");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let leptos_options = LeptosOptions::builder().output_name("myrelay").site_addr(addr).build();
    let mut config = Config {
        database_url: with_database(&server_url, &name),
        database_max_connections: 5,
        public_url: format!("http://{addr}"),
        session_ttl: Duration::from_secs(3600),
        trust_forwarded_for: false,
        data_dir: std::env::temp_dir().join(&name),
        s3_bucket: None,
        // Above the 1 MiB body limit of every other route: uploads must not be cut by it.
        upload_limit_bytes: 3_000_000,
        // Short, so that leaving is heard soon; the test of the grace itself sets a longer one.
        presence_grace: Duration::from_millis(100),
        metrics_addr: None,
        mail: None,
        mail_inbound_token: None,
        mail_inbound_max_bytes: 25_000_000,
    };
    change(&mut config);
    let state = myrelay::server::prepare(leptos_options, config).await.expect("prepare app");
    // Listening before the test acts, so no change is announced before anyone hears it.
    state.hub.start(&state.pool).await.expect("start the hub");
    tokio::spawn(myrelay::server::serve(listener, state.clone(), std::future::pending()));
    TestApp { base_url: format!("http://{addr}"), state }
}

/// The same server URL pointing at another database.
pub fn with_database(url: &str, database: &str) -> String {
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

    /// Uploads `bytes` as a file for a ticket, as the composer does.
    pub async fn upload(&self, ticket_id: i64, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let url = format!("{}/api/attachments/upload?ticket_id={ticket_id}&name={}", self.base_url, urlencoding(name));
        let response = self.client.post(url).header(ACCEPT, "application/json").body(bytes).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_raw(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base_url)).send().await.unwrap()
    }

    /// Every item of a keyset-paged list, following `next_cursor` (`path` has its query already).
    pub async fn every_page(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor = String::new();
        loop {
            let (status, page) = self.get_json(&format!("{path}&cursor={cursor}")).await;
            assert_eq!(status, StatusCode::OK, "{path}: {page}");
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => return items,
            }
        }
    }

    pub async fn post_json(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = self.post_form(path, fields).await;
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

fn urlencoding(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// A ticket's stored status, assignee and version.
pub async fn ticket_row(app: &TestApp, id: i64) -> (String, Option<i64>, i32) {
    sqlx::query_as("SELECT status::TEXT, assigned_agent_id, version FROM tickets WHERE id = $1")
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

// ---- WebSocket -------------------------------------------------------------------------------

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, Message as Frame};

pub type WsStream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A test's WebSocket client, speaking the JSON protocol.
pub struct Ws {
    pub stream: WsStream,
}

impl TestApp {
    /// A customer (user@example.com) and an agent (agent@example.com): their session cookies, for
    /// sockets, and their browsers.
    pub async fn customer_and_agent(&self) -> ((String, Browser), (String, Browser)) {
        let user_cookie = self.cookie_for(myrelay::domain::account::Role::User, "user@example.com").await;
        let agent_cookie = self.cookie_for(myrelay::domain::account::Role::Agent, "agent@example.com").await;
        let (user, agent) = (self.browser_with(&user_cookie), self.browser_with(&agent_cookie));
        ((user_cookie, user), (agent_cookie, agent))
    }

    /// Registers a user (or staff with `role`) and returns the session cookie.
    pub async fn cookie_for(&self, role: myrelay::domain::account::Role, email: &str) -> String {
        if role != myrelay::domain::account::Role::User {
            let hash = myrelay::auth::server::hash_password(PASSWORD.into()).await.unwrap();
            myrelay::auth::repo::insert_user(self.pool(), email, email.split('@').next().unwrap(), &hash, role).await.unwrap();
        } else {
            let response = self.browser().register(email, email.split('@').next().unwrap(), PASSWORD).await;
            assert_eq!(response.status(), StatusCode::OK);
        }
        let response = self.browser().login(email, PASSWORD, None).await;
        session_cookie(response.headers()).expect("a session cookie")
    }

    /// A browser-like client for the HTTP API carrying `cookie`.
    pub fn browser_with(&self, cookie: &str) -> Browser {
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::COOKIE, cookie.parse().unwrap());
        let client = reqwest::Client::builder().default_headers(headers).redirect(Policy::none()).build().unwrap();
        Browser { client, base_url: self.base_url.clone() }
    }

    pub async fn try_socket(&self, cookie: Option<&str>, origin: Option<&str>) -> Result<Ws, tungstenite::Error> {
        connect_socket(&self.base_url, cookie, origin).await
    }

    /// Opens `/ws` as a same-site browser tab would.
    pub async fn socket(&self, cookie: &str) -> Ws {
        self.try_socket(Some(cookie), Some(&self.base_url)).await.expect("websocket upgrade")
    }
}

pub async fn connect_socket(base_url: &str, cookie: Option<&str>, origin: Option<&str>) -> Result<Ws, tungstenite::Error> {
    let mut request = format!("{}/ws", base_url.replacen("http", "ws", 1)).into_client_request().unwrap();
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
    }
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", origin.parse().unwrap());
    }
    let (stream, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(Ws { stream })
}

impl Ws {
    pub async fn send(&mut self, event: &str, data: Value) {
        self.send_text(&serde_json::json!({ "event": event, "data": data }).to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream.send(Frame::text(text)).await.expect("send a frame");
    }

    /// The next protocol event but staff presence (which arrives whenever agents and admins come
    /// and go: only the presence tests follow it), as (name, data).
    pub async fn next(&mut self) -> (String, Value) {
        loop {
            let (event, data) = self.next_event().await;
            if event != "staff:presence" && event != "staff:team" {
                return (event, data);
            }
        }
    }

    /// The next protocol event (pings and pongs skipped), as (name, data).
    pub async fn next_event(&mut self) -> (String, Value) {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.stream.next())
                .await
                .expect("an event within 10 s")
                .expect("the socket is open")
                .expect("a frame");
            if let Frame::Text(text) = frame {
                let value: Value = serde_json::from_str(text.as_str()).unwrap();
                return (value["event"].as_str().unwrap().to_owned(), value["data"].clone());
            }
            assert!(!matches!(frame, Frame::Close(_)), "closed unexpectedly: {frame:?}");
        }
    }

    /// The next event, which must be `name`.
    pub async fn expect(&mut self, name: &str) -> Value {
        let (got, data) = self.next().await;
        assert_eq!(got, name, "expected {name}, got {got}: {data}");
        data
    }

    /// Reads events up to the first that `last` accepts, asserting that none is `never`.
    pub async fn never_until(&mut self, never: &str, last: impl Fn(&str, &Value) -> bool) {
        loop {
            let (event, data) = self.next().await;
            assert_ne!(event, never, "{data}");
            if last(&event, &data) {
                return;
            }
        }
    }

    /// Skips other events (and `name` events that fail `test`) until a `name` event passes it.
    pub async fn until_with(&mut self, name: &str, test: impl Fn(&Value) -> bool) -> Value {
        loop {
            let data = self.until(name).await;
            if test(&data) {
                return data;
            }
        }
    }

    /// Skips other events until `name` arrives.
    pub async fn until(&mut self, name: &str) -> Value {
        loop {
            let (got, data) = self.next().await;
            if got == name {
                return data;
            }
        }
    }

    /// Follows these tickets' changes; returns once the server has registered that (it answers
    /// requests in order, and the join of ticket 0 after it is answered with `not_found`).
    pub async fn watch(&mut self, ticket_ids: &[i64]) {
        self.send("tickets:watch", serde_json::json!({ "ticket_ids": ticket_ids })).await;
        self.send("ticket:join", serde_json::json!({ "ticket_id": 0 })).await;
        assert_eq!(self.until("error").await["code"], "not_found");
    }

    pub async fn join(&mut self, ticket_id: i64, after_seq: Option<i64>) -> Value {
        self.send("ticket:join", serde_json::json!({ "ticket_id": ticket_id, "after_seq": after_seq })).await;
        self.until("ticket:joined").await
    }

    /// Sends a message and returns its acknowledgement.
    pub async fn say(&mut self, ticket_id: i64, client_id: &str, content: &str) -> Value {
        self.send("ticket:message:send", serde_json::json!({ "ticket_id": ticket_id, "client_id": client_id, "content": content })).await;
        self.until("ticket:message:ack").await
    }

    /// Closes from this side, as a tab being closed or reloaded does, and waits for the server's
    /// answer: by then the server has read the close (and handed the socket's rooms to presence).
    pub async fn close(mut self) {
        self.stream.close(None).await.expect("sending the close frame");
        while let Some(Ok(_)) = tokio::time::timeout(Duration::from_secs(10), self.stream.next()).await.expect("the close answered within 10 s") {}
    }

    /// The close frame the server sends next (other events skipped).
    pub async fn closed_with(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.stream.next()).await.expect("closing within 10 s") {
                Some(Ok(Frame::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    }
}
