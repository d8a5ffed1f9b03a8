//! Configuration, read from the environment once at start-up (see the README's table).

use std::time::Duration;

pub use self::config_error::ConfigError;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub database_max_connections: u32,
    /// Where people reach the site, e.g. `https://support.example.com`. Decides `Secure` cookies
    /// and (with the chat) which `Origin` may open a WebSocket.
    pub public_url: String,
    pub session_ttl: Duration,
    /// Take the client address from the last `X-Forwarded-For` entry (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Where MyRelay keeps files of its own (attachments under `files/` unless in S3).
    pub data_dir: std::path::PathBuf,
    /// Attachments go to this S3-compatible bucket when set (credentials and endpoint from the
    /// standard `AWS_*` variables).
    pub s3_bucket: Option<String>,
    /// The largest attachment accepted.
    pub upload_limit_bytes: u64,
    /// How long a person whose last socket closed still counts as present (in their rooms, and
    /// online for staff): a reload or a page change reconnects within it, so nobody sees a flip.
    pub presence_grace: Duration,
    /// Where `/metrics` is served (an address of its own, kept from the public); none when unset.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Outgoing mail (SMTP); none when `MYRELAY_SMTP_HOST` is unset.
    pub mail: Option<crate::mail::settings::MailSettings>,
    /// The bearer token a mail provider posts inbound mail with (`/api/mail/inbound`); the
    /// endpoint is off when unset (`myrelay mail-in` needs none).
    pub mail_inbound_token: Option<String>,
    /// The largest inbound mail read, whole (attachments included, as encoded).
    pub mail_inbound_max_bytes: u64,
}

impl Config {
    pub fn from_env(site_addr: std::net::SocketAddr) -> Result<Self, ConfigError> {
        let database_url = std::env::var("DATABASE_URL")
            .map_err(|_| ConfigError("DATABASE_URL is not set (e.g. postgres://user@127.0.0.1:5432/myrelay)".into()))?;
        Ok(Self {
            database_url,
            database_max_connections: parse_env("DATABASE_MAX_CONNECTIONS", 20)?,
            public_url: std::env::var("MYRELAY_PUBLIC_URL")
                .unwrap_or_else(|_| format!("http://{site_addr}"))
                .trim_end_matches('/')
                .to_owned(),
            session_ttl: Duration::from_secs(60 * 60 * 24 * parse_env::<u64>("MYRELAY_SESSION_TTL_DAYS", 30)?),
            trust_forwarded_for: parse_env("MYRELAY_TRUST_FORWARDED_FOR", false)?,
            data_dir: std::env::var("MYRELAY_DATA_DIR").unwrap_or_else(|_| ".data".into()).into(),
            s3_bucket: std::env::var("MYRELAY_S3_BUCKET").ok().filter(|b| !b.trim().is_empty()),
            upload_limit_bytes: parse_env::<u64>("MYRELAY_UPLOAD_LIMIT_MB", 10)? * 1_000_000,
            presence_grace: Duration::from_millis(parse_env("MYRELAY_PRESENCE_GRACE_MS", 5_000)?),
            metrics_addr: match std::env::var("MYRELAY_METRICS_ADDR").ok().filter(|a| !a.trim().is_empty()) {
                Some(text) => Some(text.trim().parse().map_err(|_| ConfigError(format!("MYRELAY_METRICS_ADDR={text:?} is not an address such as 127.0.0.1:9187")))?),
                None => None,
            },
            mail: crate::mail::settings::MailSettings::from_env().map_err(ConfigError)?,
            mail_inbound_token: std::env::var("MYRELAY_MAIL_INBOUND_TOKEN").ok().filter(|t| !t.trim().is_empty()),
            mail_inbound_max_bytes: parse_env::<u64>("MYRELAY_MAIL_MAX_MB", 25)? * 1_000_000,
        })
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

fn parse_env<T: std::str::FromStr>(name: &str, default: T) -> Result<T, ConfigError> {
    match std::env::var(name) {
        Ok(text) => text.trim().parse().map_err(|_| ConfigError(format!("{name}={text:?} is not a valid value"))),
        Err(_) => Ok(default),
    }
}

mod config_error {
    #[derive(Debug)]
    pub struct ConfigError(pub String);
    impl std::fmt::Display for ConfigError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }
    impl std::error::Error for ConfigError {}
}
