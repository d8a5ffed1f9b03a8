//! Building the mails: a text and an HTML part with the same words, threading headers, the reply
//! address and the one-click unsubscribe headers (RFC 8058).

use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::texts::MailTexts;
use crate::i18n::Lang;

/// A staff message as a mail quotes it.
pub struct MailedMessage {
    pub sender_name: String,
    pub content: String,
    pub attachments: usize,
}

/// What a customer mail says and where it goes.
pub struct CustomerMail {
    pub lang: Lang,
    pub to: Mailbox,
    pub ticket_id: i64,
    pub title: String,
    pub messages: Vec<MailedMessage>,
    /// The ticket was resolved: say so and offer the rating.
    pub resolved: bool,
    pub ticket_url: String,
    pub unsubscribe_url: String,
}

/// The headers every mail of one ticket shares, so mail programs show them as one conversation.
pub struct Envelope {
    pub from: Mailbox,
    pub reply_to: Option<lettre::Address>,
    /// This mail's `Message-ID`, without the angle brackets.
    pub message_id: String,
    /// The ticket's thread: every mail of a ticket answers this id.
    pub thread: Option<String>,
}

fn header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

pub fn customer_mail(mail: &CustomerMail, envelope: Envelope) -> Result<Message, lettre::error::Error> {
    let t = MailTexts::of(mail.lang);
    let subject = if mail.resolved { (t.resolved_subject)(mail.ticket_id, &mail.title) } else { (t.replies_subject)(mail.ticket_id, &mail.title) };
    let (text, html) = customer_body(mail, t);
    let mut builder = builder(envelope).to(mail.to.clone()).subject(subject);
    builder = builder
        .raw_header(header("List-Unsubscribe", format!("<{}>", mail.unsubscribe_url)))
        .raw_header(header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into()))
        // Out-of-office responders stay quiet; people answer as usual.
        .raw_header(header("Auto-Submitted", "auto-generated".into()))
        .raw_header(header("Content-Language", mail.lang.code().into()));
    builder.multipart(MultiPart::alternative_plain_html(text, html))
}

/// The answer to a mail that could not be added to a conversation.
pub fn refusal_mail(lang: Lang, to: Mailbox, reason: &str, envelope: Envelope) -> Result<Message, lettre::error::Error> {
    let t = MailTexts::of(lang);
    let why = (t.refusal_reasons)(reason);
    let text = format!("{}\n{why}\n\n{}\n", t.refusal_intro, t.refusal_outro);
    let html = format!("<p>{}<br>{}</p><p>{}</p>", escape(t.refusal_intro), escape(why), escape(t.refusal_outro));
    builder(envelope)
        .to(to)
        .subject(t.refusal_subject)
        .raw_header(header("Auto-Submitted", "auto-replied".into()))
        .multipart(MultiPart::alternative_plain_html(text, html_page(lang, &html)))
}

fn builder(envelope: Envelope) -> lettre::message::MessageBuilder {
    let mut builder = Message::builder().from(envelope.from).message_id(Some(format!("<{}>", envelope.message_id))).date_now();
    if let Some(reply_to) = envelope.reply_to {
        builder = builder.reply_to(Mailbox::new(None, reply_to));
    }
    if let Some(thread) = envelope.thread {
        builder = builder.in_reply_to(format!("<{thread}>")).references(format!("<{thread}>"));
    }
    builder
}

fn customer_body(mail: &CustomerMail, t: &MailTexts) -> (String, String) {
    let (mut text, mut html) = (String::new(), String::new());
    if !mail.messages.is_empty() {
        let mut names: Vec<&str> = mail.messages.iter().map(|m| m.sender_name.as_str()).collect();
        names.dedup();
        let names = names.join(", ");
        text.push_str(&(t.replied)(&names));
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape(&(t.replied)(&names))));
        for message in &mail.messages {
            text.push_str(&format!("{}:\n", message.sender_name));
            for line in message.content.lines() {
                text.push_str(&format!("> {line}\n"));
            }
            html.push_str(&format!(
                "<p style=\"margin:16px 0 4px\"><strong>{}</strong></p><blockquote style=\"margin:0;padding:0 12px;border-left:3px solid #ccd\">{}</blockquote>",
                escape(&message.sender_name),
                paragraphs(&message.content)
            ));
            if message.attachments > 0 {
                let files = (t.attachments)(message.attachments);
                text.push_str(&format!("> [{files}]\n"));
                html.push_str(&format!("<p><em>{}</em></p>", escape(&files)));
            }
            text.push('\n');
        }
    }
    if mail.resolved {
        text.push_str(&format!("{}\n\n{} {}\n\n", t.resolved, t.rate_us, mail.ticket_url));
        html.push_str(&format!("<p>{}</p><p>{} <a href=\"{url}\">{url}</a></p>", escape(t.resolved), escape(t.rate_us), url = escape(&mail.ticket_url)));
    }
    text.push_str(&format!("{}\n{} {}\n\n-- \n{}\n{} {}\n", t.reply_hint, t.open_conversation, mail.ticket_url, t.why_you_get_this, t.turn_off, mail.unsubscribe_url));
    html.push_str(&format!(
        "<p>{}<br>{} <a href=\"{url}\">{url}</a></p><hr><p style=\"color:#667;font-size:12px\">{}<br>{} <a href=\"{unsub}\">{unsub}</a></p>",
        escape(t.reply_hint),
        escape(t.open_conversation),
        escape(t.why_you_get_this),
        escape(t.turn_off),
        url = escape(&mail.ticket_url),
        unsub = escape(&mail.unsubscribe_url),
    ));
    (text, html_page(mail.lang, &html))
}

fn html_page(lang: Lang, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"></head><body style=\"font-family:sans-serif;line-height:1.45\">{body}</body></html>",
        lang.code()
    )
}

/// A message's text as HTML paragraphs, its line breaks kept.
fn paragraphs(text: &str) -> String {
    text.split("\n\n").map(|p| format!("<p style=\"margin:6px 0\">{}</p>", escape(p).replace('\n', "<br>"))).collect()
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_people_wrote_cannot_become_markup() {
        assert_eq!(escape("<b>\"x\" & 'y'</b>"), "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;");
        assert_eq!(paragraphs("a\nb\n\n<c>"), "<p style=\"margin:6px 0\">a<br>b</p><p style=\"margin:6px 0\">&lt;c&gt;</p>");
    }
}
