//! Presence as it crosses the wire (server functions and the `staff:presence` event).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::account::Role;

/// A tab without a key press, click or scroll for this long reports itself idle.
pub const IDLE_AFTER_SECONDS: u64 = 5 * 60;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffStatus {
    Online,
    Away,
    #[default]
    Offline,
}

/// For reading `presence_status()` straight into a row type.
impl TryFrom<String> for StaffStatus {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).ok_or(text)
    }
}

impl StaffStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }

    /// As the database's `presence_status()` spells it.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Online, Self::Away, Self::Offline].into_iter().find(|status| status.as_str() == text)
    }
}

/// An agent's or admin's presence. Customers get it only for the agent of a ticket they have
/// open, without `last_seen_at` and `appear_away`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffPresence {
    pub user_id: i64,
    pub display_name: String,
    pub role: Role,
    pub status: StaffStatus,
    /// They chose to appear away (their status is `away` while connected).
    #[serde(default)]
    pub appear_away: bool,
    /// When their last tab closed; `None` if never, or if not for this viewer.
    #[serde(default, deserialize_with = "crate::domain::timestamp::read_optional")]
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl StaffPresence {
    /// What a customer may know of it.
    pub fn for_customers(&self) -> Self {
        Self { appear_away: false, last_seen_at: None, ..self.clone() }
    }
}
