//! Email, against a real SMTP server (tests/app/smtp_sink.py, Debian's python3-aiosmtpd): replies
//! the customer did not see are mailed once, and only then; the customer answers by mail into the
//! thread through `myrelay mail-in`; refusals are answered; two workers never send a mail twice.

use std::path::PathBuf;
use std::time::Duration;

use mail_parser::MessageParser;
use myrelay::domain::account::Role;
use myrelay::mail::settings::{MailSettings, SmtpTls};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::common::{Browser, TestApp, spawn_app_with};

/// The SMTP server of one test; stops with it.
pub struct Sink {
    pub port: u16,
    pub dir: PathBuf,
    _process: Child,
}

impl Sink {
    pub async fn start(tempfail: u32) -> Sink {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("myrelay-smtp-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/app/smtp_sink.py");
        let mut process = Command::new("/usr/bin/python3")
            .args([script, "--port", &port.to_string(), "--dir", dir.to_str().unwrap(), "--tempfail", &tempfail.to_string()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 with aiosmtpd (Debian's python3-aiosmtpd; scripts/test.sh installs it)");
        let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.expect("the SMTP server starts");
        assert_eq!(ready.unwrap().as_deref(), Some("ready"), "the SMTP server did not start");
        Sink { port, dir, _process: process }
    }

    /// The mails received so far, in order (raw).
    pub fn received(&self) -> Vec<Vec<u8>> {
        let mut names: Vec<PathBuf> =
            std::fs::read_dir(&self.dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "eml")).collect();
        names.sort();
        names.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }

    /// Waits for the `count`th mail and returns it.
    pub async fn mail(&self, count: usize) -> Vec<u8> {
        for _ in 0..400 {
            if let Some(mail) = self.received().into_iter().nth(count - 1) {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("mail {count} never arrived ({} did)", self.received().len());
    }
}

pub fn settings(sink: &Sink, delay: Duration) -> MailSettings {
    MailSettings {
        smtp_host: "127.0.0.1".into(),
        smtp_port: sink.port,
        smtp_tls: SmtpTls::None,
        smtp_credentials: None,
        from: "MyRelay Support <support@help.example.test>".parse().unwrap(),
        reply_address: "reply@help.example.test".parse().unwrap(),
        delay,
    }
}

/// An app that mails through `sink` after `delay`.
pub async fn mailing_app(sink: &Sink, delay: Duration) -> TestApp {
    let mail = settings(sink, delay);
    spawn_app_with(move |config| {
        config.mail = Some(mail);
        config.mail_inbound_token = Some("inbound-secret".into());
    })
    .await
}

/// A customer with a ticket, and an agent who took it.
pub struct Conversation {
    pub customer: Browser,
    pub customer_cookie: String,
    pub agent: Browser,
    pub agent_cookie: String,
    pub ticket_id: i64,
}

pub async fn conversation(app: &TestApp, customer_email: &str) -> Conversation {
    let customer_cookie = app.cookie_for(Role::User, customer_email).await;
    let agent_cookie = app.cookie_for(Role::Agent, &format!("agent.{customer_email}")).await;
    let (customer, agent) = (app.browser_with(&customer_cookie), app.browser_with(&agent_cookie));
    let ticket_id = customer.new_ticket("The printer prints only blank pages").await;
    Conversation { customer, customer_cookie, agent, agent_cookie, ticket_id }
}

async fn say(browser: &Browser, ticket_id: i64, client_id: &str, content: &str) -> Value {
    let id = ticket_id.to_string();
    let (status, body) = browser.post_json("/api/tickets/send-message", &[("ticket_id", &id), ("client_id", client_id), ("content", content)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn act(browser: &Browser, id: i64, action: &str) {
    let id = id.to_string();
    let (_, ticket) = browser.get_json(&format!("/api/tickets/get?id={id}")).await;
    let version = ticket["version"].to_string();
    let (status, body) = match action {
        "assign" => browser.post_json("/api/tickets/assign", &[("id", &id), ("version", &version)]).await,
        _ => browser.post_json("/api/tickets/status", &[("id", &id), ("version", &version), ("action", action)]).await,
    };
    assert_eq!(status, StatusCode::OK, "{action}: {body}");
}

/// (kind, state, outcome) of a ticket's mails, oldest first.
async fn mails_of(app: &TestApp, ticket_id: i64) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as("SELECT kind, state::TEXT, outcome FROM mail_queue WHERE ticket_id = $1 ORDER BY id")
        .bind(ticket_id)
        .fetch_all(app.pool())
        .await
        .unwrap()
}

/// Waits until no mail of the ticket is pending or in a worker's hands, and returns them.
async fn settled(app: &TestApp, ticket_id: i64) -> Vec<(String, String, Option<String>)> {
    for _ in 0..400 {
        let mails = mails_of(app, ticket_id).await;
        if !mails.is_empty() && mails.iter().all(|(_, state, _)| !["pending", "claimed", "sending"].contains(&state.as_str())) {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the mails of ticket {ticket_id} never settled: {:?}", mails_of(app, ticket_id).await);
}

fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    MessageParser::default().parse(raw).expect("a mail")
}

fn header(raw: &[u8], name: &str) -> String {
    parse(raw).header_raw(name).unwrap_or_default().trim().to_owned()
}

/// The reply address a mail asks answers to go to.
fn reply_to(raw: &[u8]) -> String {
    parse(raw).reply_to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap().to_owned()
}

#[tokio::test]
async fn replies_the_customer_did_not_see_are_mailed_once_in_one_mail() {
    let sink = Sink::start(0).await;
    let app = mailing_app(&sink, Duration::from_millis(600)).await;
    let talk = conversation(&app, "carla@example.com").await;
    say(&talk.agent, talk.ticket_id, "a-1", "Could you try another cable?").await;
    say(&talk.agent, talk.ticket_id, "a-2", "And <b>restart</b> it, please.").await;
    // An internal note is never mailed.
    let (status, _) = talk.agent.post_json("/api/tickets/add-note", &[("ticket_id", &talk.ticket_id.to_string()), ("client_id", "n-1"), ("content", "NOTE-SECRET")]).await;
    assert_eq!(status, StatusCode::OK);

    let raw = sink.mail(1).await;
    let mail = parse(&raw);
    assert_eq!(header(&raw, "X-Envelope-To"), "carla@example.com");
    assert!(mail.subject().unwrap().contains(&format!("[#{}]", talk.ticket_id)), "{:?}", mail.subject());
    let text = mail.body_text(0).unwrap().into_owned();
    assert!(text.contains("Could you try another cable?") && text.contains("And <b>restart</b> it, please."), "both replies, in one mail: {text}");
    assert!(!text.contains("NOTE-SECRET"));
    let html = mail.body_html(0).unwrap().into_owned();
    assert!(html.contains("&lt;b&gt;restart&lt;/b&gt;"), "what people write is escaped in HTML: {html}");
    assert!(text.contains(&format!("/app/tickets/{}", talk.ticket_id)), "a plain link back to the ticket");
    let reply = reply_to(&raw);
    assert!(reply.starts_with(&format!("reply+{}-", talk.ticket_id)) && reply.ends_with("@help.example.test"), "{reply}");
    assert!(header(&raw, "List-Unsubscribe").contains("/mail/unsubscribe?u="));
    assert_eq!(header(&raw, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    assert!(header(&raw, "References").contains(&format!("ticket-{}@help.example.test", talk.ticket_id)), "threaded per ticket");

    assert_eq!(settled(&app, talk.ticket_id).await, vec![("replies".into(), "sent".into(), None)]);
    let stored: (i32, Option<String>) = sqlx::query_as("SELECT message_count, message_id FROM mail_queue WHERE ticket_id = $1")
        .bind(talk.ticket_id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(stored.0, 2);
    assert_eq!(format!("<{}>", stored.1.unwrap()), header(&raw, "Message-ID"));

    // A later reply is a new mail with only what is new.
    say(&talk.agent, talk.ticket_id, "a-3", "Any luck?").await;
    let text = parse(&sink.mail(2).await).body_text(0).unwrap().into_owned();
    assert!(text.contains("Any luck?") && !text.contains("another cable"), "{text}");
    // Agents see what was mailed.
    let (status, log) = talk.agent.get_json(&format!("/api/tickets/mails?ticket_id={}", talk.ticket_id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(log["enabled"], true);
    assert_eq!(log["mails"].as_array().unwrap().len(), 2, "{log}");
    assert_eq!(log["mails"][0]["state"], "sent");
    // Customers do not.
    assert_eq!(talk.customer.get_json(&format!("/api/tickets/mails?ticket_id={}", talk.ticket_id)).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_customer_who_read_the_reply_or_is_looking_gets_no_mail() {
    let sink = Sink::start(0).await;
    let app = mailing_app(&sink, Duration::from_millis(800)).await;
    let talk = conversation(&app, "rita@example.com").await;

    // Read in time: the read cursor reaches the reply.
    let reply = say(&talk.agent, talk.ticket_id, "a-1", "Fixed on our side.").await;
    let seq = reply["seq"].to_string();
    let (status, _) = talk.customer.post_json("/api/tickets/read", &[("ticket_id", &talk.ticket_id.to_string()), ("seq", &seq)]).await;
    assert_eq!(status, StatusCode::OK);
    let mails = settled(&app, talk.ticket_id).await;
    assert_eq!(mails[0].1, "cancelled", "{mails:?}");

    // Looking: the customer's socket is in the ticket's room.
    let mut socket = app.socket(&talk.customer_cookie).await;
    socket.join(talk.ticket_id, None).await;
    say(&talk.agent, talk.ticket_id, "a-2", "Another one while you watch.").await;
    let mails = settled(&app, talk.ticket_id).await;
    assert_eq!(mails.len(), 2);
    assert_eq!((mails[1].1.as_str(), mails[1].2.as_deref()), ("cancelled", Some("the customer has the ticket open")));
    assert!(sink.received().is_empty(), "nothing was mailed");
}

#[tokio::test]
async fn a_resolution_is_mailed_with_the_rating_link_unless_the_ticket_reopens_first() {
    let sink = Sink::start(0).await;
    let app = mailing_app(&sink, Duration::from_secs(2)).await;
    let talk = conversation(&app, "sam@example.com").await;
    act(&talk.agent, talk.ticket_id, "assign").await;
    act(&talk.agent, talk.ticket_id, "resolve").await;
    let raw = sink.mail(1).await;
    let mail = parse(&raw);
    assert!(mail.subject().unwrap().starts_with("Resolved:"), "{:?}", mail.subject());
    assert!(mail.body_text(0).unwrap().contains("Rate the help you got"));

    // Resolved and reopened before the mail was due: no mail.
    let other = talk.customer.new_ticket("Second problem").await;
    act(&talk.agent, other, "assign").await;
    act(&talk.agent, other, "resolve").await;
    act(&talk.agent, other, "reopen").await;
    let mails = settled(&app, other).await;
    assert_eq!((mails[0].1.as_str(), mails[0].2.as_deref()), ("cancelled", Some("the ticket is no longer resolved")));
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn mails_are_in_the_customers_language() {
    let sink = Sink::start(0).await;
    let app = mailing_app(&sink, Duration::from_millis(300)).await;
    let browser = app.browser();
    let response = browser
        .client
        .post(format!("{}/api/auth/register", app.base_url))
        .header("accept", "application/json")
        .header("accept-language", "es-ES,es;q=0.9")
        .form(&[("email", "lucia@example.com"), ("display_name", "Lucía"), ("password", crate::common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let ticket_id = browser.new_ticket("La impresora no imprime").await;
    let agent = app.signed_in_as(Role::Agent, "agent@example.com").await;
    say(&agent, ticket_id, "a-1", "¿Probaste otro cable?").await;
    let raw = sink.mail(1).await;
    assert!(parse(&raw).body_text(0).unwrap().contains("respondió a tu solicitud"), "Spanish");
    assert_eq!(header(&raw, "Content-Language"), "es");
}

#[tokio::test]
async fn the_unsubscribe_link_works_signed_out_and_stops_the_mails() {
    let sink = Sink::start(0).await;
    let app = mailing_app(&sink, Duration::from_millis(300)).await;
    let talk = conversation(&app, "ulla@example.com").await;
    say(&talk.agent, talk.ticket_id, "a-1", "First answer").await;
    let raw = sink.mail(1).await;
    let link = header(&raw, "List-Unsubscribe").trim_matches(['<', '>']).to_owned();

    let signed_out = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let forged = link.replace("&s=", "&s=0");
    assert_eq!(signed_out.get(&forged).send().await.unwrap().status(), StatusCode::BAD_REQUEST);
    let page = signed_out.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Emails turned off"));
    let (status, on) = talk.customer.get_json("/api/account/email-notifications").await;
    assert_eq!((status, on), (StatusCode::OK, Value::Bool(false)));

    say(&talk.agent, talk.ticket_id, "a-2", "Second answer").await;
    let mails = settled(&app, talk.ticket_id).await;
    assert_eq!(mails[1].2.as_deref(), Some("the customer turned mails off"));
    let (_, log) = talk.agent.get_json(&format!("/api/tickets/mails?ticket_id={}", talk.ticket_id)).await;
    assert_eq!(log["opted_out"], true);

    // The mail program's one-click POST (from another site, no cookie) turns them off too, and
    // the setting turns them on again.
    let (status, _) = talk.customer.post_json("/api/account/set-email-notifications", &[("on", "true")]).await;
    assert_eq!(status, StatusCode::OK);
    let posted = signed_out.post(&link).header("origin", "https://mail.example.net").body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(posted.status(), StatusCode::OK);
    assert_eq!(talk.customer.get_json("/api/account/email-notifications").await.1, Value::Bool(false));
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn a_server_refusing_for_now_is_tried_again_and_a_refusal_for_good_is_shown_to_agents() {
    let sink = Sink::start(1).await;
    let app = mailing_app(&sink, Duration::from_millis(200)).await;
    let talk = conversation(&app, "tess@example.com").await;
    say(&talk.agent, talk.ticket_id, "a-1", "Hello").await;
    // The first try is refused with 451: pending again, later.
    let mut waited = 0;
    loop {
        let row: (String, i32, Option<String>) = sqlx::query_as("SELECT state::TEXT, attempts, outcome FROM mail_queue WHERE ticket_id = $1")
            .bind(talk.ticket_id)
            .fetch_one(app.pool())
            .await
            .unwrap();
        if row.1 == 1 && row.0 == "pending" {
            assert!(row.2.unwrap().contains("451"), "the reason is kept");
            break;
        }
        waited += 1;
        assert!(waited < 400, "never retried: {row:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sqlx::query("UPDATE mail_queue SET due_at = now() WHERE ticket_id = $1").bind(talk.ticket_id).execute(app.pool()).await.unwrap();
    sink.mail(1).await;
    assert_eq!(settled(&app, talk.ticket_id).await[0].1, "sent");

    let bounce = conversation(&app, "bounce@example.com").await;
    say(&bounce.agent, bounce.ticket_id, "b-1", "Hello").await;
    let mails = settled(&app, bounce.ticket_id).await;
    assert_eq!(mails[0].1, "failed");
    assert!(mails[0].2.as_deref().unwrap().contains("550"), "{mails:?}");
    let (_, log) = bounce.agent.get_json(&format!("/api/tickets/mails?ticket_id={}", bounce.ticket_id)).await;
    assert_eq!(log["mails"][0]["state"], "failed");
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn two_workers_racing_never_send_a_mail_twice_and_an_interrupted_send_is_not_repeated() {
    let sink = Sink::start(0).await;
    let app = mailing_app(&sink, Duration::from_secs(3600)).await;
    // Several agents: each person may send 10 messages at once.
    let mut agents = Vec::new();
    for n in 0..4 {
        agents.push(app.signed_in_as(Role::Agent, &format!("agent{n}@example.com")).await);
    }
    let agent = &agents[0];
    let mut tickets = Vec::new();
    for n in 0..30 {
        let customer = app.signed_in_user(&format!("c{n}@example.com")).await;
        let id = customer.new_ticket(&format!("Problem {n}")).await;
        say(&agents[n % 4], id, &format!("r-{n}"), &format!("Answer {n}")).await;
        tickets.push(id);
    }
    // All due at once; a second worker (another node's) on its own connections takes them
    // together with the app's own.
    sqlx::query("UPDATE mail_queue SET due_at = now()").execute(app.pool()).await.unwrap();
    let pool = sqlx::PgPool::connect(&app.state.config.database_url).await.unwrap();
    let other = myrelay::mail::worker::MailWorker::new(pool, settings(&sink, Duration::ZERO), app.state.signer.clone(), app.base_url.clone()).unwrap();
    let racing = tokio::spawn(async move {
        loop {
            other.run_once().await.unwrap();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    for id in &tickets {
        assert_eq!(settled(&app, *id).await[0].1, "sent");
    }
    racing.abort();
    let received = sink.received();
    assert_eq!(received.len(), 30, "one mail per ticket");
    let mut recipients: Vec<String> = received.iter().map(|raw| header(raw, "X-Envelope-To")).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 30, "each customer once");

    // A node that stopped after handing a mail to SMTP: never sent again. One that stopped before: sent.
    let (sending, claimed) = (tickets[0], tickets[1]);
    say(agent, sending, "late-0", "More").await;
    say(agent, claimed, "late-1", "More").await;
    for (id, state) in [(sending, "sending"), (claimed, "claimed")] {
        sqlx::query("UPDATE mail_queue SET state = $2::mail_state, claimed_at = now() - interval '1 hour', due_at = now() WHERE ticket_id = $1 AND state = 'pending'")
            .bind(id)
            .bind(state)
            .execute(app.pool())
            .await
            .unwrap();
    }
    // (The app's worker may get there first: it recovers on its own every minute.)
    myrelay::mail::queue::recover_abandoned(app.pool(), Duration::from_secs(300)).await.unwrap();
    assert_eq!(settled(&app, sending).await[1], ("replies".into(), "failed".into(), Some("interrupted".into())));
    assert_eq!(settled(&app, claimed).await[1].1, "sent");
    assert_eq!(sink.received().len(), 31);
}

// ---- replies by mail ---------------------------------------------------------------------------

/// Pipes `raw` into `myrelay mail-in` run against the app's database: (exit code, stdout).
async fn mail_in(app: &TestApp, sink: &Sink, raw: &[u8], extra_env: &[(&str, &str)]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_myrelay"))
        .arg("mail-in")
        .env("DATABASE_URL", &app.state.config.database_url)
        .env("MYRELAY_DATA_DIR", &app.state.config.data_dir)
        .env("MYRELAY_UPLOAD_LIMIT_MB", "3")
        .env("MYRELAY_SMTP_HOST", "127.0.0.1")
        .env("MYRELAY_SMTP_PORT", sink.port.to_string())
        .env("MYRELAY_SMTP_TLS", "none")
        .env("MYRELAY_MAIL_FROM", "MyRelay Support <support@help.example.test>")
        .env("MYRELAY_MAIL_REPLY_ADDRESS", "reply@help.example.test")
        .env("RUST_LOG", "warn")
        .envs(extra_env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(raw).await.unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

fn reply_address(app: &TestApp, ticket_id: i64, customer_id: i64) -> String {
    format!("reply+{}@help.example.test", app.state.signer.reply_token(ticket_id, customer_id))
}

fn plain_mail(from: &str, to: &str, body: &str) -> String {
    format!(
        "From: Customer <{from}>\r\nTo: <{to}>\r\nSubject: Re: [#1] help\r\nMessage-ID: <{}@mail.example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}",
        uuid::Uuid::new_v4().simple()
    )
}

async fn customer_messages(app: &TestApp, ticket_id: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT content FROM ticket_messages WHERE ticket_id = $1 AND sender_role = 'user' ORDER BY seq")
        .bind(ticket_id)
        .fetch_all(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reply_by_mail_lands_in_the_thread_live_without_the_quoted_history() {
    let sink = Sink::start(0).await;
    let app = mailing_app(&sink, Duration::from_secs(3600)).await;
    let talk = conversation(&app, "mia@example.com").await;
    let mut agent_socket = app.socket(&talk.agent_cookie).await;
    agent_socket.join(talk.ticket_id, None).await;
    let customer_id = talk.customer.id().await;
    let to = reply_address(&app, talk.ticket_id, customer_id);
    let raw = plain_mail(
        "MIA@example.com",
        &to,
        "It works now, thank you!\r\n\r\nOn Mon, 7 Dec 2026 at 10:00, MyRelay Support <reply@help.example.test> wrote:\r\n> Could you try another cable?\r\n",
    );
    let (code, out) = mail_in(&app, &sink, raw.as_bytes(), &[]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("accepted"), "{out}");
    let live = agent_socket.until("ticket:message:new").await;
    assert_eq!(live["content"], "It works now, thank you!");
    assert_eq!(live["sender"]["id"].as_i64(), Some(customer_id));
    // The same mail delivered again (the MTA retried) is still one message.
    assert_eq!(mail_in(&app, &sink, raw.as_bytes(), &[]).await.0, 0);
    assert_eq!(customer_messages(&app, talk.ticket_id).await, vec!["It works now, thank you!".to_owned()]);
    // Unread for the agent like any message (the agent has read nothing of it).
    let unread: i64 = sqlx::query_scalar("SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND sender_role = 'user'")
        .bind(talk.ticket_id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(unread, 1);

    // Through the provider endpoint: only with the token.
    let posted = |token: &'static str, body: String| {
        let url = format!("{}/api/mail/inbound", app.base_url);
        async move { reqwest::Client::new().post(url).bearer_auth(token).body(body).send().await.unwrap() }
    };
    let second = plain_mail("mia@example.com", &to, "Posted by the provider");
    assert_eq!(posted("wrong", second.clone()).await.status(), StatusCode::UNAUTHORIZED);
    let answer: Value = posted("inbound-secret", second).await.json().await.unwrap();
    assert_eq!(answer["outcome"], "accepted", "{answer}");
    assert_eq!(customer_messages(&app, talk.ticket_id).await.len(), 2);
}

#[tokio::test]
async fn html_only_other_charsets_and_attachments_arrive_readable() {
    let sink = Sink::start(0).await;
    let app = mailing_app(&sink, Duration::from_secs(3600)).await;
    let talk = conversation(&app, "leo@example.com").await;
    let to = reply_address(&app, talk.ticket_id, talk.customer.id().await);

    let html_only = format!(
        "From: leo@example.com\r\nTo: {to}\r\nSubject: Re: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<div>Still <b>broken</b></div><div class=\"gmail_quote\">On Mon, Support wrote:<blockquote>old</blockquote></div>"
    );
    assert_eq!(mail_in(&app, &sink, html_only.as_bytes(), &[]).await.0, 0);
    // Latin-1, quoted-printable: "Gracias, aquí está la foto." with a PNG attached.
    let png: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89];
    let encoded = base64_encode(png);
    let latin1 = format!(
        "From: leo@example.com\r\nTo: {to}\r\nSubject: foto\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGracias, aqu=ED est=E1 la foto.\r\n--b1\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"foto.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--b1--\r\n"
    )
    .into_bytes();
    assert_eq!(mail_in(&app, &sink, &latin1, &[]).await.0, 0);
    let messages = customer_messages(&app, talk.ticket_id).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("Still") && messages[0].contains("broken") && !messages[0].contains("old"), "{messages:?}");
    assert_eq!(messages[1], "Gracias, aquí está la foto.");
    let files: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.name, a.content_type FROM attachments a JOIN ticket_messages m ON m.id = a.message_id WHERE m.ticket_id = $1",
    )
    .bind(talk.ticket_id)
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(files, vec![("foto.png".to_owned(), "image/png".to_owned())]);
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn forged_unknown_closed_and_oversized_replies_are_refused_with_an_answer_and_change_nothing() {
    let sink = Sink::start(0).await;
    let app = mailing_app(&sink, Duration::from_secs(3600)).await;
    let talk = conversation(&app, "ines@example.com").await;
    let customer_id = talk.customer.id().await;
    let to = reply_address(&app, talk.ticket_id, customer_id);
    let other = conversation(&app, "otto@example.com").await;

    let forged = to.replacen(&format!("reply+{}-", talk.ticket_id), &format!("reply+{}-", other.ticket_id), 1);
    let big_file = format!(
        "From: ines@example.com\r\nTo: {to}\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        base64_encode(&vec![7u8; 3_100_000])
    );
    let cases: Vec<(String, &str, Vec<(&str, &str)>)> = vec![
        (plain_mail("ines@example.com", &forged, "forged"), "forged", vec![]),
        (plain_mail("mallory@example.com", &to, "not the customer"), "unknown_sender", vec![]),
        (plain_mail("ines@example.com", "support@help.example.test", "no reply address"), "no_reply_address", vec![]),
        (big_file, "attachment_too_large", vec![]),
        (plain_mail("ines@example.com", &to, &"x".repeat(1_100_000)), "too_large", vec![("MYRELAY_MAIL_MAX_MB", "1")]),
    ];
    let before = customer_messages(&app, talk.ticket_id).await.len() + customer_messages(&app, other.ticket_id).await.len();
    for (n, (raw, reason, env)) in cases.iter().enumerate() {
        let (code, out) = mail_in(&app, &sink, raw.as_bytes(), env).await;
        assert_eq!(code, 0, "{reason}: {out}");
        assert!(out.starts_with(&format!("refused: {reason}")), "{reason}: {out}");
        let answer = sink.mail(n + 1).await;
        let answer_text = parse(&answer).body_text(0).unwrap().into_owned();
        assert!(answer_text.contains("could not add your email"), "{answer_text}");
        assert_eq!(header(&answer, "Auto-Submitted"), "auto-replied");
    }
    // Closed: refused too.
    act(&talk.agent, talk.ticket_id, "assign").await;
    act(&talk.agent, talk.ticket_id, "resolve").await;
    act(&talk.agent, talk.ticket_id, "close").await;
    let (_, out) = mail_in(&app, &sink, plain_mail("ines@example.com", &to, "too late").as_bytes(), &[]).await;
    assert!(out.starts_with("refused: ticket_closed"), "{out}");
    // An out-of-office answer is refused and not answered (no loop between two robots).
    let robot = plain_mail("ines@example.com", "support@help.example.test", "I am away").replacen("Subject:", "Auto-Submitted: auto-replied\r\nSubject:", 1);
    let (_, out) = mail_in(&app, &sink, robot.as_bytes(), &[]).await;
    assert_eq!(out.trim(), "refused: no_reply_address");
    sink.mail(6).await;
    let after = customer_messages(&app, talk.ticket_id).await.len() + customer_messages(&app, other.ticket_id).await.len();
    assert_eq!(before, after, "nothing was added anywhere");
    let outcomes: Vec<String> = sqlx::query_scalar("SELECT outcome FROM mail_inbound ORDER BY id").fetch_all(app.pool()).await.unwrap();
    assert_eq!(outcomes, ["forged", "unknown_sender", "no_reply_address", "attachment_too_large", "too_large", "ticket_closed", "no_reply_address"]);
    let refusals: i64 = sqlx::query_scalar("SELECT count(*) FROM mail_queue WHERE kind = 'refusal'").fetch_one(app.pool()).await.unwrap();
    assert_eq!(refusals, 6, "the robot was not answered");
}

#[tokio::test]
async fn the_mail_log_forgets_what_was_dealt_with_three_months_ago_and_nothing_waiting() {
    let app = crate::common::spawn_app().await;
    for (state, age) in [("sent", "100 days"), ("failed", "100 days"), ("cancelled", "100 days"), ("sent", "10 days"), ("pending", "100 days")] {
        sqlx::query(&format!("INSERT INTO mail_queue (kind, to_address, reason, state, created_at) VALUES ('refusal', 'x@example.com', 'forged', '{state}', now() - interval '{age}')"))
            .execute(app.pool())
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO mail_inbound (outcome, received_at) VALUES ('forged', now() - interval '100 days'), ('accepted', now())").execute(app.pool()).await.unwrap();
    myrelay::mail::queue::delete_old(app.pool()).await.unwrap();
    let left: Vec<String> = sqlx::query_scalar("SELECT state::TEXT FROM mail_queue ORDER BY id").fetch_all(app.pool()).await.unwrap();
    assert_eq!(left, ["sent", "pending"]);
    assert_eq!(app.count("mail_inbound").await, 1);
}

#[tokio::test]
async fn the_bots_greeting_is_never_mailed() {
    let sink = Sink::start(0).await;
    let app = mailing_app(&sink, Duration::ZERO).await;
    let admin = app.signed_in_as(Role::Admin, "admin@example.com").await;
    let (status, category) = admin
        .post_json("/api/admin/categories/create", &[("name", "Billing"), ("default_message", "Thanks! Please include your invoice number.")])
        .await;
    assert_eq!(status, StatusCode::OK, "{category}");
    let customer = app.signed_in_user("bea@example.com").await;
    let id = category["id"].as_i64().unwrap().to_string();
    let (status, ticket) = customer.post_json("/api/tickets/create", &[("description", "Invoice missing"), ("category_id", &id)]).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    let bot: i64 = sqlx::query_scalar("SELECT count(*) FROM ticket_messages WHERE sender_role = 'system'").fetch_one(app.pool()).await.unwrap();
    assert_eq!(bot, 1, "the bot greeted the customer");
    // A mail would have been queued in the same transaction as the greeting.
    assert_eq!(app.count("mail_queue").await, 0);
}
