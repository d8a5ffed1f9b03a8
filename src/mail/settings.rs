//! Email settings, from the environment (README, "Email"). Mail is off unless an SMTP host is set.

use std::time::Duration;

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required), usually port 587.
    StartTls,
    /// TLS from the first byte ("SMTPS"), usually port 465.
    Tls,
    /// No encryption: only for a relay on the same host or a test server.
    None,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_credentials: Option<(String, String)>,
    /// `MyRelay Support <support@example.com>`.
    pub from: lettre::message::Mailbox,
    /// Replies go to `<local>+<signed token>@<domain>` of this address (the From address unless set).
    pub reply_address: lettre::Address,
    /// How long a staff message waits for the customer to read it live before it is mailed.
    pub delay: Duration,
}

impl MailSettings {
    /// `None` when `MYRELAY_SMTP_HOST` is unset: mail is off.
    pub fn from_env() -> Result<Option<Self>, String> {
        let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let Some(smtp_host) = var("MYRELAY_SMTP_HOST") else { return Ok(None) };
        let smtp_tls = match var("MYRELAY_SMTP_TLS").as_deref() {
            None | Some("starttls") => SmtpTls::StartTls,
            Some("tls") => SmtpTls::Tls,
            Some("none") => SmtpTls::None,
            Some(other) => return Err(format!("MYRELAY_SMTP_TLS={other:?} must be starttls, tls or none")),
        };
        let default_port = match smtp_tls {
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        };
        let smtp_port = match var("MYRELAY_SMTP_PORT") {
            Some(port) => port.parse().map_err(|_| format!("MYRELAY_SMTP_PORT={port:?} is not a port number"))?,
            None => default_port,
        };
        let smtp_credentials = match (var("MYRELAY_SMTP_USERNAME"), std::env::var("MYRELAY_SMTP_PASSWORD").ok()) {
            (Some(user), Some(password)) => Some((user, password)),
            (None, None) => None,
            _ => return Err("MYRELAY_SMTP_USERNAME and MYRELAY_SMTP_PASSWORD are set together or not at all".to_owned()),
        };
        let from_text = var("MYRELAY_MAIL_FROM")
            .ok_or_else(|| "MYRELAY_MAIL_FROM is required with MYRELAY_SMTP_HOST (e.g. \"Support <support@example.com>\")".to_owned())?;
        let from: lettre::message::Mailbox =
            from_text.parse().map_err(|_| format!("MYRELAY_MAIL_FROM={from_text:?} is not an address such as \"Support <support@example.com>\""))?;
        let reply_address = match var("MYRELAY_MAIL_REPLY_ADDRESS") {
            Some(text) => text.parse().map_err(|_| format!("MYRELAY_MAIL_REPLY_ADDRESS={text:?} is not an address such as reply@example.com"))?,
            None => from.email.clone(),
        };
        let delay_seconds: u64 = match var("MYRELAY_MAIL_DELAY_SECONDS") {
            Some(text) => text.parse().map_err(|_| format!("MYRELAY_MAIL_DELAY_SECONDS={text:?} is not a number of seconds"))?,
            None => 120,
        };
        Ok(Some(Self { smtp_host, smtp_port, smtp_tls, smtp_credentials, from, reply_address, delay: Duration::from_secs(delay_seconds) }))
    }

    /// What the start-up log says about mail.
    pub fn describe(settings: Option<&Self>) -> String {
        match settings {
            Some(s) => format!(
                "mail: on, through {}:{} ({:?}), from {}, replies to {}+…@{}, after {} s unread",
                s.smtp_host,
                s.smtp_port,
                s.smtp_tls,
                s.from,
                s.reply_address.user(),
                s.reply_address.domain(),
                s.delay.as_secs()
            ),
            None => "mail: off (set MYRELAY_SMTP_HOST and MYRELAY_MAIL_FROM to mail customers the replies they have not read)".into(),
        }
    }
}
