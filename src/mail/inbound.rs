//! Replies by mail: one RFC 5322 message in (from `myrelay mail-in` on standard input, the way an
//! MTA pipes mail to a program, or posted by a provider), the customer's message out, in the
//! thread of the ticket its signed reply address names, through the same group commit as every
//! other message (live for the agent, counted for SLA and unread).
//!
//! Anything else is refused with a reason, logged in `mail_inbound`, and answered by a mail that
//! says why (unless the mail was itself automatic: no loops with out-of-office responders).

use std::sync::Arc;

use mail_parser::{MessageParser, MimeHeaders};

use super::queue;
use super::quotes::{html_to_text, strip_quoted};
use crate::attachments::{repo as attachments, sniff, store};
use crate::domain::attachment::{MAX_PER_MESSAGE, MAX_UNSENT, sanitize_name};
use crate::domain::live::MESSAGE_MAX_CHARS;
use crate::domain::ticket::TicketStatus;
use crate::error::{AppError, AppResult};
use crate::live::writer::SendRequest;
use crate::server::state::AppState;

/// What became of an incoming mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// Added to the ticket as the customer's message.
    Accepted { ticket_id: i64, message_id: i64 },
    /// Not added; `reason` is a key (`mail::texts` words it for the sender), `answered` whether a
    /// mail saying so was queued.
    Refused { reason: &'static str, answered: bool },
}

/// Reads one mail and adds it to its ticket, or refuses it. `recipient`: the envelope recipient
/// when the MTA passes it (Postfix's `${recipient}`); the headers are searched otherwise. An
/// `Err` is a failure of ours (the database): the MTA should try again later.
pub async fn receive(state: &AppState, raw: &[u8], recipient: Option<&str>) -> AppResult<Inbound> {
    let parsed = MessageParser::default().parse(raw);
    let from = parsed.as_ref().and_then(|m| m.from()).and_then(|a| a.first()).and_then(|a| a.address()).map(str::to_owned);
    let mail_id = parsed.as_ref().and_then(|m| m.message_id()).map(str::to_owned);
    let automatic = parsed.as_ref().is_some_and(is_automatic);
    let decided = match &parsed {
        _ if raw.len() as u64 > state.config.mail_inbound_max_bytes => Err(("too_large", None)),
        None => Err(("unreadable", None)),
        Some(message) => accept(state, message, recipient, mail_id.as_deref()).await?,
    };
    let (outcome, ticket_id, chat_message_id) = match &decided {
        Ok((ticket_id, message_id)) => ("accepted", Some(*ticket_id), Some(*message_id)),
        Err((reason, ticket_id)) => (*reason, *ticket_id, None),
    };
    sqlx::query("INSERT INTO mail_inbound (from_address, message_id, ticket_id, outcome, chat_message_id) VALUES ($1, $2, $3, $4, $5)")
        .bind(&from)
        .bind(&mail_id)
        .bind(ticket_id)
        .bind(outcome)
        .bind(chat_message_id)
        .execute(&state.pool)
        .await?;
    match decided {
        Ok((ticket_id, message_id)) => {
            tracing::info!(ticket = ticket_id, message = message_id, "a reply by mail was added");
            Ok(Inbound::Accepted { ticket_id, message_id })
        }
        Err((reason, ticket_id)) => {
            let answer_to = from.filter(|_| !automatic);
            tracing::warn!(reason, from = answer_to.as_deref().unwrap_or("(not answered)"), ?ticket_id, "a mail was refused");
            if let Some(to) = &answer_to {
                queue::queue_refusal(&state.pool, to, mail_id.as_deref(), reason, ticket_id).await?;
            }
            Ok(Inbound::Refused { reason, answered: answer_to.is_some() })
        }
    }
}

type Decision = Result<(i64, i64), (&'static str, Option<i64>)>;

async fn accept(state: &AppState, message: &mail_parser::Message<'_>, recipient: Option<&str>, mail_id: Option<&str>) -> AppResult<Decision> {
    let Some(settings) = state.config.mail.as_ref() else { return Ok(Err(("no_reply_address", None))) };
    let reply = &settings.reply_address;
    let Some(token) = reply_token(message, recipient, reply.user(), reply.domain()) else { return Ok(Err(("no_reply_address", None))) };
    let signer = &state.signer;
    let Some((ticket_id, customer_id)) = signer.check_reply_token(&token) else { return Ok(Err(("forged", None))) };
    let ticket: Option<(i64, TicketStatus)> = sqlx::query_as("SELECT created_by_user_id, status FROM tickets WHERE id = $1")
        .bind(ticket_id)
        .fetch_optional(&state.pool)
        .await?;
    let Some((creator, status)) = ticket else { return Ok(Err(("ticket_gone", None))) };
    if creator != customer_id {
        return Ok(Err(("forged", None)));
    }
    let customer = crate::auth::repo::find_user(&state.pool, customer_id).await?.filter(|u| u.is_active);
    let from = message.from().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default();
    let Some(customer) = customer.filter(|c| c.email.eq_ignore_ascii_case(from.trim())) else {
        return Ok(Err(("unknown_sender", Some(ticket_id))));
    };
    if status == TicketStatus::Closed {
        return Ok(Err(("ticket_closed", Some(ticket_id))));
    }
    let text = match message.text_part(0) {
        // HTML only: the quoted history is marked up, and blocks become lines.
        Some(part) if part.is_text_html() => message.body_html(0).map(|html| strip_quoted(&html_to_text(&html))).unwrap_or_default(),
        _ => message.body_text(0).map(|body| strip_quoted(&body)).unwrap_or_default(),
    };
    if text.chars().count() > MESSAGE_MAX_CHARS {
        return Ok(Err(("too_long", Some(ticket_id))));
    }
    let files: Vec<_> = message.attachments().filter(|part| !part.contents().is_empty()).collect();
    if files.len() > MAX_PER_MESSAGE {
        return Ok(Err(("too_many_attachments", Some(ticket_id))));
    }
    if files.iter().any(|part| part.contents().len() as u64 > state.config.upload_limit_bytes) {
        return Ok(Err(("attachment_too_large", Some(ticket_id))));
    }
    if text.is_empty() && files.is_empty() {
        return Ok(Err(("empty", Some(ticket_id))));
    }
    let mut attachment_ids = Vec::with_capacity(files.len());
    for part in files {
        let name = sanitize_name(part.attachment_name().unwrap_or("attachment"));
        let bytes = part.contents().to_vec();
        let stored = store::store_body(&state.files, axum::body::Body::from(bytes), state.config.upload_limit_bytes).await?;
        let has_thumbnail = sniff::is_image(stored.content_type) && store::make_thumbnail(&state.files, &stored.sha256).await?;
        let attachment =
            attachments::insert_within_cap(&state.pool, &customer, Some(ticket_id), &name, &stored, has_thumbnail, MAX_UNSENT).await?;
        attachment_ids.push(attachment.id);
    }
    // The same mail delivered twice (an MTA retrying) is one message.
    let client_id = format!("mail-{}", short_hash(mail_id.map_or_else(|| message.raw_message(), str::as_bytes)));
    let request = SendRequest { sender: Arc::new(customer), ticket_id, client_id, content: text, attachment_ids };
    match state.writer.send(request).await {
        Ok((stored, _)) => Ok(Ok((ticket_id, stored.id))),
        Err(err) if err.code == crate::error::ErrorCode::Conflict => Ok(Err(("ticket_closed", Some(ticket_id)))),
        Err(err) if err.code == crate::error::ErrorCode::Internal || err.code == crate::error::ErrorCode::TooManyRequests => Err(err),
        Err(err) => {
            tracing::warn!(err = %err.message, "a reply by mail was not stored");
            Ok(Err(("unreadable", Some(ticket_id))))
        }
    }
}

/// The token after `<user>+` in the first address (the envelope recipient, then the delivery
/// headers, then To and Cc) at the reply address's domain.
fn reply_token(message: &mail_parser::Message<'_>, recipient: Option<&str>, user: &str, domain: &str) -> Option<String> {
    let mut candidates: Vec<String> = recipient.map(str::to_owned).into_iter().collect();
    for name in ["Delivered-To", "X-Original-To", "Envelope-To"] {
        candidates.extend(message.header_values(name).filter_map(|v| v.as_text()).map(str::to_owned));
    }
    for list in [message.to(), message.cc()].into_iter().flatten() {
        candidates.extend(list.iter().filter_map(|a| a.address()).map(str::to_owned));
    }
    let prefix = format!("{}+", user.to_ascii_lowercase());
    candidates.iter().find_map(|address| {
        let address = address.trim().trim_matches(['<', '>']).to_ascii_lowercase();
        let (local, at) = address.rsplit_once('@')?;
        (at == domain.to_ascii_lowercase()).then(|| local.strip_prefix(&prefix).map(str::to_owned)).flatten()
    })
}

/// Mail sent by a program (out-of-office, bounces, lists): never answered, or two robots would
/// answer each other for ever.
fn is_automatic(message: &mail_parser::Message<'_>) -> bool {
    let header = |name: &str| message.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    header("Auto-Submitted").is_some_and(|v| v != "no")
        || header("Precedence").is_some_and(|v| ["bulk", "junk", "list", "auto_reply"].contains(&v.as_str()))
        || header("X-Autoreply").is_some()
        || header("X-Autorespond").is_some()
        || header("List-Id").is_some()
        || header("Return-Path").is_some_and(|v| v == "<>")
        || message.from().and_then(|a| a.first()).and_then(|a| a.address()).is_some_and(|a| {
            let a = a.to_ascii_lowercase();
            a.starts_with("mailer-daemon@") || a.starts_with("postmaster@")
        })
}

fn short_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(bytes)[..16])
}

/// `myrelay mail-in [--recipient ADDRESS]`: one mail on standard input. Exit 0 when it was dealt
/// with (added, or refused and answered); 75 (EX_TEMPFAIL: the MTA keeps it and tries again)
/// when the database could not be reached.
pub async fn cli(state: AppState, recipient: Option<&str>) -> Result<(), AppError> {
    use tokio::io::AsyncReadExt;
    let mut raw = Vec::new();
    let limit = state.config.mail_inbound_max_bytes;
    let mut stdin = tokio::io::stdin();
    (&mut stdin).take(limit + 1).read_to_end(&mut raw).await.map_err(|_| AppError::internal())?;
    // The rest of a mail too large is read and dropped: the MTA sees it taken (and refused by us).
    tokio::io::copy(&mut stdin, &mut tokio::io::sink()).await.map_err(|_| AppError::internal())?;
    match receive(&state, &raw, recipient).await? {
        Inbound::Accepted { ticket_id, message_id } => println!("accepted: ticket {ticket_id}, message {message_id}"),
        Inbound::Refused { reason, answered } => {
            println!("refused: {reason}{}", if answered { " (the sender is told why)" } else { "" })
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> mail_parser::Message<'_> {
        MessageParser::default().parse(raw.as_bytes()).unwrap()
    }

    #[test]
    fn the_token_is_found_in_the_envelope_or_the_headers_at_the_reply_domain_only() {
        let mail = parse("From: a@x.io\r\nTo: Support <reply+1-2-abc@help.example.com>\r\nSubject: hi\r\n\r\nbody\r\n");
        assert_eq!(reply_token(&mail, None, "reply", "help.example.com").as_deref(), Some("1-2-abc"));
        assert_eq!(reply_token(&mail, None, "reply", "other.example.com"), None);
        assert_eq!(reply_token(&mail, Some("REPLY+9-9-def@Help.Example.com"), "reply", "help.example.com").as_deref(), Some("9-9-def"));
        let delivered = parse("Delivered-To: reply+5-6-fff@help.example.com\r\nFrom: a@x.io\r\nTo: someone@else.io\r\n\r\nx\r\n");
        assert_eq!(reply_token(&delivered, None, "reply", "help.example.com").as_deref(), Some("5-6-fff"));
    }

    #[test]
    fn robots_are_not_answered() {
        assert!(is_automatic(&parse("From: a@x.io\r\nAuto-Submitted: auto-replied\r\n\r\nI am away\r\n")));
        assert!(is_automatic(&parse("From: MAILER-DAEMON@x.io\r\n\r\nbounce\r\n")));
        assert!(!is_automatic(&parse("From: a@x.io\r\nAuto-Submitted: no\r\n\r\nhello\r\n")));
    }
}
