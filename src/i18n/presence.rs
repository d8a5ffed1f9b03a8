//! Texts of presence: the team's online/away/offline and a ticket's agent as its customer sees it.

pub struct PresenceTexts {
    pub online: &'static str,
    pub away: &'static str,
    pub offline: &'static str,
    /// What a customer reads about their ticket's agent; each takes the agent's name.
    pub agent_online: fn(&str) -> String,
    pub agent_away: fn(&str) -> String,
    pub agent_offline: fn(&str) -> String,
    pub team: &'static str,
    pub team_empty: &'static str,
    pub loading: &'static str,
    pub you: &'static str,
    pub last_seen: &'static str,
    pub never_seen: &'static str,
    pub chose_away: &'static str,
    pub appear_away: &'static str,
    pub appear_online: &'static str,
    /// Takes the counts of people online and away.
    pub summary: fn(usize, usize) -> String,
}

pub const EN: PresenceTexts = PresenceTexts {
    online: "Online",
    away: "Away",
    offline: "Offline",
    agent_online: |name| format!("{name} is online"),
    agent_away: |name| format!("{name} is away: replies may take a little longer"),
    agent_offline: |name| format!("{name} is offline: you will see the reply here"),
    team: "Team",
    team_empty: "No agents yet.",
    loading: "Loading the team",
    you: "you",
    last_seen: "last seen",
    never_seen: "not seen yet",
    chose_away: "set to away",
    appear_away: "Appear away",
    appear_online: "Appear online",
    summary: |online, away| format!("{online} online, {away} away"),
};

pub const ES: PresenceTexts = PresenceTexts {
    online: "Conectado",
    away: "Ausente",
    offline: "Desconectado",
    agent_online: |name| format!("{name} está conectado"),
    agent_away: |name| format!("{name} está ausente: la respuesta puede tardar un poco más"),
    agent_offline: |name| format!("{name} está desconectado: verás la respuesta aquí"),
    team: "Equipo",
    team_empty: "Todavía no hay agentes.",
    loading: "Cargando el equipo",
    you: "tú",
    last_seen: "visto por última vez",
    never_seen: "sin actividad todavía",
    chose_away: "marcado como ausente",
    appear_away: "Aparecer ausente",
    appear_online: "Aparecer conectado",
    summary: |online, away| format!("{online} conectados, {away} ausentes"),
};
