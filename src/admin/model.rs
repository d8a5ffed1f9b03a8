//! The admin screens' own wire types: the dashboard's figures and a person as the people tables
//! list them.

use serde::{Deserialize, Serialize};

/// The admin dashboard's figures. The three live counters are read from the presence tables all
/// nodes write (`chat::repo::live_counters`); `None` is shown as not available.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemStats {
    pub tickets_total: i64,
    pub tickets_open: i64,
    pub tickets_assigned: i64,
    pub tickets_resolved: i64,
    pub tickets_closed: i64,
    pub users_total: i64,
    pub agents_total: i64,
    pub admins_total: i64,
    pub connected_clients: Option<i64>,
    pub connected_agents: Option<i64>,
    pub active_ticket_rooms: Option<i64>,
    /// Ratings given in the last 30 days, by score: index 0 counts the 1s, index 4 the 5s.
    #[serde(default)]
    pub ratings_30_days: [i64; 5],
}

impl SystemStats {
    /// The average rating of the last 30 days in tenths (42: 4.2), rounded half up, if there was
    /// any. In integers: float printing would add about 20 KB to the browser's bundle.
    pub fn average_rating_tenths(&self) -> Option<i64> {
        let total: i64 = self.ratings_30_days.iter().sum();
        let points: i64 = self.ratings_30_days.iter().enumerate().map(|(i, n)| (i as i64 + 1) * n).sum();
        (total > 0).then(|| (points * 10 + total / 2) / total)
    }
}

/// A person as the admin's screens list them: the account and the agent who answers their tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Account {
    #[serde(flatten)]
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub user: crate::domain::account::User,
    pub responsible_agent_id: Option<i64>,
    pub responsible_agent_name: Option<String>,
    /// Online, away or offline now (as the list was read).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub presence: crate::domain::presence::StaffStatus,
}

/// What the people table says after each change (the server, after a plain form post; the
/// browser, from the action's answer).
pub mod notices {
    use super::Account;
    use crate::domain::account::User;
    use crate::i18n::Texts;

    pub fn role_changed(texts: &Texts, person: &User) -> String {
        (texts.admin.now_has_role)(&person.display_name, texts.common.role(person.role))
    }

    pub fn active_changed(texts: &Texts, person: &User) -> String {
        (if person.is_active { texts.admin.reactivated } else { texts.admin.was_deactivated })(&person.display_name)
    }

    pub fn responsible_changed(texts: &Texts, account: &Account) -> String {
        let name = &account.user.display_name;
        match &account.responsible_agent_name {
            Some(agent) => (texts.admin.now_answered_by)(name, agent),
            None => (texts.admin.no_longer_answered_by)(name),
        }
    }
}
