//! The mail worker every node runs when mail is on. It takes due mails with `FOR UPDATE SKIP
//! LOCKED` (nodes never hold the same one), decides whether each is still wanted (the customer
//! may have read the messages live, turned mails off, or the ticket reopened), writes it and hands
//! it to SMTP.
//!
//! The guarantee: a mail is sent **at most once**. Before handing a mail to SMTP the worker marks it
//! `sending` (committed); it is retried only when the SMTP server answered that it did not take
//! it (a 4xx reply, or no connection at all, checked before the mail goes out). A connection lost
//! while the server had the mail, or a node stopped mid-send, leaves it `failed` (`uncertain`,
//! `interrupted`), shown to agents, never sent a second time.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sqlx::PgPool;

use super::compose::{self, CustomerMail, Envelope, MailedMessage};
use super::queue::{self, Claimed};
use super::settings::{MailSettings, SmtpTls};
use super::signing::Signer;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

/// How often an idle worker looks for due mails.
const POLL: Duration = Duration::from_millis(500);
/// Mails taken at once.
const BATCH: i64 = 20;
/// A mail held this long by a worker that never finished it was abandoned (its node stopped).
const ABANDONED_AFTER: Duration = Duration::from_secs(300);
/// Tries before a mail the server keeps refusing for now is given up.
const MAX_ATTEMPTS: i32 = 8;
/// The most messages one mail quotes (the oldest unread first).
const MAX_MESSAGES: i64 = 30;

#[derive(Clone)]
pub struct MailWorker {
    pool: PgPool,
    settings: MailSettings,
    signer: Signer,
    public_url: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl MailWorker {
    pub fn new(pool: PgPool, settings: MailSettings, signer: Signer, public_url: String) -> Result<Self, String> {
        let builder = match settings.smtp_tls {
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.smtp_host).map_err(|e| e.to_string())?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.smtp_host).map_err(|e| e.to_string())?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.smtp_host),
        };
        let mut builder = builder.port(settings.smtp_port).timeout(Some(Duration::from_secs(20)));
        if let Some((user, password)) = &settings.smtp_credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self { pool, transport: builder.build(), settings, signer, public_url })
    }

    /// Runs for the life of the process.
    pub async fn run(self) {
        let mut last_recovery = tokio::time::Instant::now() - ABANDONED_AFTER;
        loop {
            if last_recovery.elapsed() >= ABANDONED_AFTER / 5 {
                last_recovery = tokio::time::Instant::now();
                match queue::recover_abandoned(&self.pool, ABANDONED_AFTER).await {
                    Ok((0, 0)) => {}
                    Ok((released, failed)) => tracing::warn!(released, failed, "mails abandoned by a stopped worker"),
                    Err(err) => tracing::warn!(err = %err.message, "mail recovery failed"),
                }
            }
            match self.run_once().await {
                Ok(0) => tokio::time::sleep(POLL).await,
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(err = %err.message, "the mail worker could not read its queue");
                    tokio::time::sleep(POLL * 10).await;
                }
            }
        }
    }

    /// Takes the mails due now and deals with each; how many it took.
    pub async fn run_once(&self) -> AppResult<usize> {
        let claimed = queue::claim_due(&self.pool, BATCH).await?;
        for mail in &claimed {
            if let Err(err) = self.handle(mail).await {
                // The database failed us: the mail was not handed to SMTP (that is the last step).
                tracing::warn!(mail = mail.id, err = %err.message, "a mail could not be prepared; trying later");
                queue::retry_later(&self.pool, mail.id, "could not be prepared", backoff(mail.attempts)).await.ok();
            }
        }
        Ok(claimed.len())
    }

    async fn handle(&self, mail: &Claimed) -> AppResult<()> {
        let (message, through_seq, count) = match mail.kind.as_str() {
            "refusal" => (self.refusal(mail).await?, None, 0),
            _ => match self.customer_mail(mail).await? {
                Ok(prepared) => prepared,
                Err(why) => {
                    tracing::debug!(mail = mail.id, why, "mail not needed");
                    return queue::cancel(&self.pool, mail.id, why).await;
                }
            },
        };
        let Some(message) = message else { return queue::mark_failed(&self.pool, mail.id, "the mail could not be written").await };
        let message_id = message.headers().get_raw("Message-ID").unwrap_or_default().trim_matches(['<', '>']).to_owned();
        // Nothing has left yet: a server that cannot be reached now is tried again later.
        match self.transport.test_connection().await {
            Ok(true) => {}
            Ok(false) => return self.refused_for_now(mail, "SMTP server did not answer NOOP").await,
            Err(err) => return self.refused_for_now(mail, &format!("SMTP server unreachable: {err}")).await,
        }
        queue::mark_sending(&self.pool, mail.id, &message_id, through_seq, count).await?;
        match self.transport.send(message).await {
            Ok(_) => {
                tracing::info!(mail = mail.id, kind = mail.kind, ticket = mail.ticket_id, "mail sent");
                crate::metrics::METRICS.mails_sent.inc();
                queue::mark_sent(&self.pool, mail.id).await
            }
            // A 4xx reply: the server did not take the mail.
            Err(err) if err.is_transient() => self.refused_for_now(mail, &format!("refused for now: {err}")).await,
            Err(err) if err.is_permanent() => {
                crate::metrics::METRICS.mails_failed.inc();
                tracing::warn!(mail = mail.id, %err, "mail refused by the SMTP server");
                queue::mark_failed(&self.pool, mail.id, &format!("refused: {err}")).await
            }
            Err(err) => {
                crate::metrics::METRICS.mails_failed.inc();
                tracing::warn!(mail = mail.id, %err, "mail may or may not have been delivered; not sent again");
                queue::mark_failed(&self.pool, mail.id, &format!("uncertain (not sent again): {err}")).await
            }
        }
    }

    async fn refused_for_now(&self, mail: &Claimed, why: &str) -> AppResult<()> {
        if mail.attempts >= MAX_ATTEMPTS {
            crate::metrics::METRICS.mails_failed.inc();
            return queue::mark_failed(&self.pool, mail.id, &format!("gave up after {} tries: {why}", mail.attempts)).await;
        }
        tracing::info!(mail = mail.id, why, "mail to be tried again");
        queue::retry_later(&self.pool, mail.id, why, backoff(mail.attempts)).await
    }

    fn message_id(&self, mail_id: i64) -> String {
        format!("myrelay.{mail_id}.{}@{}", hex::encode(rand::random::<[u8; 6]>()), self.settings.from.email.domain())
    }

    /// The customer mail `mail` stands for, or why none is needed now.
    async fn customer_mail(&self, mail: &Claimed) -> AppResult<Result<(Option<lettre::Message>, Option<i64>, i32), &'static str>> {
        let ticket_id = mail.ticket_id.ok_or_else(AppError::internal)?;
        let Some(state) = customer_state(&self.pool, ticket_id).await? else { return Ok(Err("the ticket is gone")) };
        let resolved = mail.kind == "resolved";
        if !state.email_notifications {
            return Ok(Err("the customer turned mails off"));
        }
        if !state.is_active {
            return Ok(Err("the customer's account is deactivated"));
        }
        if state.watching {
            return Ok(Err("the customer has the ticket open"));
        }
        if resolved && state.status != "resolved" {
            return Ok(Err("the ticket is no longer resolved"));
        }
        let messages = unread_staff_messages(&self.pool, ticket_id, state.seen_seq).await?;
        if !resolved && messages.is_empty() {
            return Ok(Err("the customer has read every reply"));
        }
        let Ok(to) = state.email.parse::<lettre::Address>() else { return Ok(Err("the customer's address cannot take mail")) };
        let through_seq = messages.last().map(|m| m.0);
        let count = messages.len() as i32;
        let lang = Lang::parse(&state.language).unwrap_or_default();
        let content = CustomerMail {
            lang,
            to: Mailbox::new(Some(state.display_name.clone()), to),
            ticket_id,
            title: crate::domain::ticket::title_of(state.subject.as_deref(), &state.description),
            messages: messages.into_iter().map(|(_, message)| message).collect(),
            resolved,
            ticket_url: format!("{}/app/tickets/{ticket_id}", self.public_url),
            unsubscribe_url: unsubscribe_url(&self.public_url, &self.signer, state.customer_id),
        };
        let reply = &self.settings.reply_address;
        let reply_to = lettre::Address::new(format!("{}+{}", reply.user(), self.signer.reply_token(ticket_id, state.customer_id)), reply.domain()).ok();
        let envelope = Envelope {
            from: self.settings.from.clone(),
            reply_to,
            message_id: self.message_id(mail.id),
            thread: Some(format!("ticket-{ticket_id}@{}", self.settings.from.email.domain())),
        };
        Ok(Ok((compose::customer_mail(&content, envelope).ok(), through_seq, count)))
    }

    async fn refusal(&self, mail: &Claimed) -> AppResult<Option<lettre::Message>> {
        let Some(to) = mail.to_address.as_deref().and_then(|a| a.parse::<lettre::Address>().ok()) else { return Ok(None) };
        let language: Option<String> = sqlx::query_scalar("SELECT language FROM users WHERE lower(email) = lower($1)")
            .bind(AsRef::<str>::as_ref(&to))
            .fetch_optional(&self.pool)
            .await?;
        let lang = language.as_deref().and_then(Lang::parse).unwrap_or_default();
        let envelope = Envelope {
            from: self.settings.from.clone(),
            reply_to: None,
            message_id: self.message_id(mail.id),
            thread: mail.in_reply_to.as_deref().map(|id| id.trim_matches(['<', '>']).to_owned()).filter(|id| !id.is_empty()),
        };
        Ok(compose::refusal_mail(lang, Mailbox::new(None, to), mail.reason.as_deref().unwrap_or_default(), envelope).ok())
    }
}

/// 30 s, 2 min, 8 min, 32 min, … at most 6 hours.
fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 8) as u32 - 1;
    Duration::from_secs((30 * 4u64.pow(exponent)).min(6 * 3600))
}

pub fn unsubscribe_url(public_url: &str, signer: &Signer, user_id: i64) -> String {
    format!("{public_url}{}?u={user_id}&s={}", super::routes::UNSUBSCRIBE_PATH, signer.unsubscribe_signature(user_id))
}

#[derive(sqlx::FromRow)]
struct CustomerState {
    customer_id: i64,
    email: String,
    display_name: String,
    language: String,
    email_notifications: bool,
    is_active: bool,
    subject: Option<String>,
    description: String,
    status: String,
    /// The customer has the ticket open now, in a tab in use (a tab left in the background goes
    /// idle: that customer is not looking, and is mailed).
    watching: bool,
    /// What the customer has read, or was mailed already (the later).
    seen_seq: i64,
}

async fn customer_state(pool: &PgPool, ticket_id: i64) -> AppResult<Option<CustomerState>> {
    Ok(sqlx::query_as(
        "SELECT u.id AS customer_id, u.email, u.display_name, u.language, u.email_notifications, u.is_active,
                t.subject, t.description, t.status::TEXT AS status,
                EXISTS (SELECT 1 FROM live_room_members m JOIN live_connections c USING (connection_id)
                        WHERE m.ticket_id = t.id AND c.user_id = u.id AND NOT c.idle) AS watching,
                greatest(
                    coalesce((SELECT r.last_read_seq FROM ticket_reads r WHERE r.user_id = u.id AND r.ticket_id = t.id), 0),
                    coalesce((SELECT max(q.through_seq) FROM mail_queue q WHERE q.ticket_id = t.id AND q.state IN ('sending', 'sent')), 0)
                ) AS seen_seq
         FROM tickets t JOIN users u ON u.id = t.created_by_user_id
         WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(pool)
    .await?)
}

/// What staff wrote to the customer after `seen_seq` (never notes: they are not in the timeline;
/// never the bot's messages: its role is `system`), oldest first, with each one's seq.
async fn unread_staff_messages(pool: &PgPool, ticket_id: i64, seen_seq: i64) -> AppResult<Vec<(i64, MailedMessage)>> {
    let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT m.seq, s.display_name, m.content, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id)
         FROM ticket_messages m JOIN users s ON s.id = m.sender_user_id
         WHERE m.ticket_id = $1 AND m.seq > $2 AND m.sender_role IN ('agent', 'admin')
         ORDER BY m.seq LIMIT $3",
    )
    .bind(ticket_id)
    .bind(seen_seq)
    .bind(MAX_MESSAGES)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, sender_name, content, attachments)| (seq, MailedMessage { sender_name, content, attachments: attachments as usize }))
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn retries_back_off_to_at_most_six_hours() {
        let waits: Vec<u64> = (1..=10).map(|n| super::backoff(n).as_secs()).collect();
        assert_eq!(&waits[..5], &[30, 120, 480, 1920, 7680]);
        assert!(waits.iter().all(|&w| w <= 6 * 3600));
    }
}
