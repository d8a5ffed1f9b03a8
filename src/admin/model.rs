use serde::{Deserialize, Serialize};

/// The admin dashboard's figures. The three live counters come with the chat (WebSocket) layer;
/// until then they are `None` and shown as not yet available.
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
    /// Names of the agents with a live connection (behind `connected_agents`).
    pub agents_online: Vec<String>,
}

/// A person as the admin's screens list them: the account and the agent who answers their tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Account {
    #[serde(flatten)]
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub user: crate::auth::model::User,
    pub responsible_agent_id: Option<i64>,
    pub responsible_agent_name: Option<String>,
}
