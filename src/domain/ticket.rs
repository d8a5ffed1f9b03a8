//! Ticket types shared by server and browser, and the lifecycle state machine: which action is
//! allowed from which status, by whom, and what it changes. Pure functions; the SQL enforces the
//! outcome again with a conditional update.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::domain::priority::Priority;
use crate::domain::account::{Role, User};
use crate::error::{AppError, AppResult, ErrorCode, Problem, TextKind, refuse_control_chars};

pub const SUBJECT_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "ticket_status", rename_all = "lowercase"))]
pub enum TicketStatus {
    Open,
    Assigned,
    Resolved,
    Closed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 4] = [Self::Open, Self::Assigned, Self::Resolved, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Assigned => "assigned",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Where a ticket was opened: MyRelay's own pages, or a program calling the API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "ticket_source", rename_all = "lowercase"))]
pub enum TicketSource {
    #[default]
    Web,
    Api,
}

/// A person as shown on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonRef {
    pub id: i64,
    pub display_name: String,
    pub email: String,
}

/// A ticket as lists and the detail page show it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ticket {
    pub id: i64,
    pub subject: Option<String>,
    pub description: String,
    pub status: TicketStatus,
    pub creator: PersonRef,
    pub assigned_agent: Option<PersonRef>,
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub created_at: DateTime<Utc>,
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub updated_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::domain::timestamp::read_optional")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::domain::timestamp::read_optional")]
    pub closed_at: Option<DateTime<Utc>>,
    /// Changes name the version they were based on; a stale one is refused.
    pub version: i32,
    /// The newest message, for previews in lists.
    pub last_message: Option<LastMessage>,
    /// What the ticket is about, when the installation uses categories.
    #[serde(default)]
    pub category: Option<CategoryRef>,
    /// The customer's rating of the current resolution, once given.
    #[serde(default)]
    pub rating: Option<Rating>,
    /// Set by staff; shown to staff only.
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub source: TicketSource,
    /// The first-response and resolution clocks, for staff (None for customers, and when the
    /// ticket's priority has no targets).
    #[serde(default)]
    pub sla: Option<crate::domain::sla::TicketSla>,
    /// The newest seq of its timeline (messages and changes).
    #[serde(default)]
    pub last_seq: i64,
    /// Messages from others the viewer has not read yet (at most 100: "99+" from 100 on).
    #[serde(default)]
    pub unread: i64,
    /// The assigned agent's presence when the ticket was read (`staff:presence` keeps it current).
    #[serde(default)]
    pub agent_status: Option<crate::domain::presence::StaffStatus>,
}

/// A customer's rating of a resolution: 1 (bad) to 5 (great), with an optional comment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rating {
    pub score: i16,
    pub comment: String,
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub at: DateTime<Utc>,
}

pub const RATING_COMMENT_MAX_CHARS: usize = 1_000;

/// Checks a rating before anything is stored; the comment comes back trimmed.
pub fn validate_rating(score: i16, comment: &str) -> AppResult<String> {
    if !(1..=5).contains(&score) {
        return Err(AppError::invalid("score", Problem::RatingScore));
    }
    refuse_control_chars("comment", comment)?;
    let comment = comment.trim();
    if comment.chars().count() > RATING_COMMENT_MAX_CHARS {
        return Err(AppError::invalid("comment", Problem::TooLong { text: TextKind::Comment, max: RATING_COMMENT_MAX_CHARS }));
    }
    Ok(comment.to_owned())
}

impl Ticket {
    /// The ticket as a person of `role` may read it: customers never get its SLA clocks.
    pub fn as_seen_by(mut self, role: Role) -> Ticket {
        if !role.is_staff() {
            self.sla = None;
        }
        self
    }

    /// Whether this report of the ticket may replace `shown`: it is not behind it (every status or
    /// assignment change raises the version, every change and message the last seq; a priority
    /// or rating changes neither, and the newest report of those wins).
    pub fn is_not_older_than(&self, shown: &Ticket) -> bool {
        self.version >= shown.version && self.last_seq >= shown.last_seq
    }

    /// The customer may rate now: it is resolved (or closed after a resolution) and this
    /// resolution is not rated yet.
    pub fn awaits_rating(&self) -> bool {
        matches!(self.status, TicketStatus::Resolved | TicketStatus::Closed) && self.resolved_at.is_some() && self.rating.is_none()
    }
}

/// A ticket's category, as tickets show it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CategoryRef {
    pub id: i64,
    pub name: String,
}

/// A ticket's newest message, as lists preview it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LastMessage {
    pub sender_name: String,
    pub from_staff: bool,
    /// Its first line, at most [`EXCERPT_MAX_CHARS`] characters (see [`excerpt`]).
    pub excerpt: String,
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub at: DateTime<Utc>,
}

pub const EXCERPT_MAX_CHARS: usize = 160;

/// A message's first non-blank line, cut at [`EXCERPT_MAX_CHARS`]: what lists preview. The
/// ticket query (`tickets::repo`) computes the same in SQL, so a loaded list and a live update agree.
pub fn excerpt(content: &str) -> String {
    let line = content.trim_start_matches([' ', '\t', '\r', '\n']).split('\n').next().unwrap_or_default();
    line.trim_end_matches('\r').chars().take(EXCERPT_MAX_CHARS).collect()
}

impl LastMessage {
    pub fn of(message: &Message) -> Self {
        Self {
            sender_name: message.sender.display_name.clone(),
            from_staff: message.sender_role.is_staff(),
            excerpt: excerpt(&message.content),
            at: message.created_at,
        }
    }

    /// The newer of a list's loaded preview and one that arrived live.
    pub fn newest(loaded: Option<Self>, live: Option<Self>) -> Option<Self> {
        match (loaded, live) {
            (Some(loaded), Some(live)) => Some(if live.at >= loaded.at { live } else { loaded }),
            (loaded, live) => live.or(loaded),
        }
    }
}

/// The inbox's tabs: tickets waiting for an agent, the viewer's own, all not closed; and per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCounts {
    pub unassigned: i64,
    pub mine: i64,
    pub all: i64,
    pub open: i64,
    pub assigned: i64,
    pub resolved: i64,
    pub closed: i64,
}

/// Where a ticket stands for the inbox's counts: its status and its agent.
pub type QueuePlace = (TicketStatus, Option<i64>);

impl QueueCounts {
    /// Where every ticket starts: open, nobody's.
    pub const OPENED: QueuePlace = (TicketStatus::Open, None);

    /// Counts a ticket in (`by` 1) or out (`by` -1) of the queues it is in, as `viewer` sees them:
    /// the same rules as `tickets::repo::inbox_counts`' SQL.
    pub fn tally(&mut self, (status, agent): QueuePlace, viewer: i64, by: i64) {
        *match status {
            TicketStatus::Open => &mut self.open,
            TicketStatus::Assigned => &mut self.assigned,
            TicketStatus::Resolved => &mut self.resolved,
            TicketStatus::Closed => &mut self.closed,
        } += by;
        if status != TicketStatus::Closed {
            self.all += by;
            match agent {
                None => self.unassigned += by,
                Some(agent) if agent == viewer => self.mine += by,
                Some(_) => {}
            }
        }
    }

    /// A move counted: out of `from` (None: a new ticket), into `to`.
    pub fn moved(&mut self, from: Option<QueuePlace>, to: QueuePlace, viewer: i64) {
        if let Some(from) = from {
            self.tally(from, viewer, -1);
        }
        self.tally(to, viewer, 1);
    }

    /// These counts with what moved since they were taken (`then` and `now` are running totals
    /// of moves, as `LiveClient::queue_moves` keeps them).
    pub fn with_moves(self, then: &QueueCounts, now: &QueueCounts) -> QueueCounts {
        let field = |f: fn(&QueueCounts) -> i64| f(&self) + f(now) - f(then);
        QueueCounts {
            unassigned: field(|c| c.unassigned),
            mine: field(|c| c.mine),
            all: field(|c| c.all),
            open: field(|c| c.open),
            assigned: field(|c| c.assigned),
            resolved: field(|c| c.resolved),
            closed: field(|c| c.closed),
        }
    }
}

/// A ticket changed status or agent (`inbox:moved`, to every socket watching the inbox): what
/// the inbox's counts need of the change, for tickets on screen or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMove {
    pub ticket_id: i64,
    pub from_status: TicketStatus,
    pub from_agent_id: Option<i64>,
    pub to_status: TicketStatus,
    pub to_agent_id: Option<i64>,
}

impl From<&TicketEvent> for QueueMove {
    fn from(change: &TicketEvent) -> Self {
        Self {
            ticket_id: change.ticket_id,
            from_status: change.from_status,
            from_agent_id: change.from_agent_id,
            to_status: change.to_status,
            to_agent_id: change.to_agent_id,
        }
    }
}

impl Ticket {
    /// Since when the customer has been waiting for a reply: the ticket is open or assigned and
    /// the last word (or the ticket itself) is theirs. `last` is the newest message known (a list
    /// may know a newer one than it loaded).
    pub fn waiting_since(&self, last: Option<&LastMessage>) -> Option<DateTime<Utc>> {
        if !matches!(self.status, TicketStatus::Open | TicketStatus::Assigned) {
            return None;
        }
        match last {
            Some(last) if last.from_staff => None,
            Some(last) => Some(last.at),
            None => Some(self.created_at),
        }
    }

    pub fn title(&self) -> String {
        title_of(self.subject.as_deref(), &self.description)
    }
}

/// A title taken from the description is its first line cut at this many characters.
pub const TITLE_MAX_CHARS: usize = 80;

/// A ticket's title: its subject, else its description's first line (cut at [`TITLE_MAX_CHARS`]).
pub fn title_of(subject: Option<&str>, description: &str) -> String {
    match subject {
        Some(subject) if !subject.is_empty() => subject.to_owned(),
        _ => {
            let first_line = description.lines().next().unwrap_or_default();
            let mut title: String = first_line.chars().take(TITLE_MAX_CHARS).collect();
            if first_line.chars().count() > TITLE_MAX_CHARS {
                title.push('…');
            }
            title
        }
    }
}

/// A change someone asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum TicketAction {
    /// Assign to this agent (an agent may only assign to themselves).
    Assign { agent_id: i64 },
    Resolve,
    Close,
    /// Back from resolved to assigned, to the same agent.
    Reopen,
}

impl TicketAction {
    pub fn label(self) -> &'static str {
        match self {
            Self::Assign { .. } => "assign",
            Self::Resolve => "resolve",
            Self::Close => "close",
            Self::Reopen => "reopen",
        }
    }
}

/// What an allowed action does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub to_status: TicketStatus,
    pub to_agent_id: Option<i64>,
    pub sets_resolved_at: bool,
    pub clears_resolved_at: bool,
    pub sets_closed_at: bool,
}

/// The facts about a ticket the state machine decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketState {
    pub status: TicketStatus,
    pub created_by: i64,
    pub assigned_agent_id: Option<i64>,
}

/// Decides whether `actor` may apply `action` to a ticket in `state`. The names in messages are
/// filled in by the caller (`assigned_to` is the current assignee's name, if any).
///
/// | action  | from                 | to       | who                                                  |
/// |---------|----------------------|----------|------------------------------------------------------|
/// | assign  | open                 | assigned | an agent (to self), an admin (to any agent)          |
/// | assign  | assigned             | assigned | an admin (reassign); an agent only if not yet theirs  — refused when it is someone else's |
/// | resolve | assigned             | resolved | the assigned agent, an admin                          |
/// | close   | resolved             | closed   | the assigned agent, an admin                          |
/// | close   | open/assigned        | closed   | an admin                                              |
/// | reopen  | resolved             | assigned | the assigned agent, an admin, the ticket's creator    |
pub fn decide(state: TicketState, action: TicketAction, actor: &User, assigned_to: Option<&str>) -> AppResult<Transition> {
    use TicketStatus::*;
    let is_admin = actor.role == Role::Admin;
    let is_assignee = state.assigned_agent_id == Some(actor.id);
    let keep_agent = state.assigned_agent_id;
    let to = |to_status| Transition {
        to_status,
        to_agent_id: keep_agent,
        sets_resolved_at: false,
        clears_resolved_at: false,
        sets_closed_at: false,
    };
    let refuse = |problem: Problem| Err(AppError::new(ErrorCode::Conflict, problem));
    let forbidden = || Err(AppError::forbidden());

    if state.status == Closed {
        return refuse(Problem::TicketClosed);
    }
    match action {
        TicketAction::Assign { agent_id } => {
            match actor.role {
                Role::User => return forbidden(),
                Role::Agent if agent_id != actor.id => {
                    return Err(AppError::new(ErrorCode::Forbidden, Problem::AgentsAssignThemselves));
                }
                _ => {}
            }
            if state.status == Resolved {
                return refuse(Problem::TicketResolved);
            }
            if state.assigned_agent_id == Some(agent_id) {
                if agent_id == actor.id {
                    return refuse(Problem::AlreadyAssignedToYou);
                }
                return refuse(Problem::AlreadyAssigned { agent: assigned_to.map(str::to_owned) });
            }
            if state.assigned_agent_id.is_some() && !is_admin {
                return refuse(Problem::AlreadyAssigned { agent: assigned_to.map(str::to_owned) });
            }
            Ok(Transition { to_agent_id: Some(agent_id), ..to(Assigned) })
        }
        TicketAction::Resolve => match state.status {
            _ if !(is_admin || (actor.role == Role::Agent && is_assignee)) => forbidden_or_not_assignee(actor),
            Assigned => Ok(Transition { sets_resolved_at: true, ..to(Resolved) }),
            Open => refuse(Problem::ResolveUnassigned),
            _ => refuse(Problem::AlreadyResolved),
        },
        TicketAction::Close => match state.status {
            Resolved if is_admin || (actor.role == Role::Agent && is_assignee) => Ok(Transition { sets_closed_at: true, ..to(Closed) }),
            Open | Assigned if is_admin => Ok(Transition { sets_closed_at: true, ..to(Closed) }),
            _ if !actor.role.is_staff() => forbidden(),
            Resolved => forbidden_or_not_assignee(actor),
            _ => refuse(Problem::CloseNeedsResolved),
        },
        TicketAction::Reopen => {
            let allowed = is_admin || (actor.role == Role::Agent && is_assignee) || (actor.role == Role::User && state.created_by == actor.id);
            match state.status {
                _ if !allowed => forbidden_or_not_assignee(actor),
                Resolved => Ok(Transition { clears_resolved_at: true, ..to(Assigned) }),
                _ => refuse(Problem::ReopenNeedsResolved),
            }
        }
    }
}

fn forbidden_or_not_assignee<T>(actor: &User) -> AppResult<T> {
    if actor.role == Role::Agent {
        Err(AppError::new(ErrorCode::Forbidden, Problem::AssigneeOrAdminOnly))
    } else {
        Err(AppError::forbidden())
    }
}

/// Who may see a ticket: its creator, and staff. The SQL applies the same rule inside every ticket
/// query (`repo::push_visibility`); this is the rule for code that has the row already.
pub fn may_view(viewer: &User, created_by: i64) -> bool {
    viewer.role.is_staff() || created_by == viewer.id
}

/// The actions to offer `viewer` on a ticket now: exactly those `decide` would allow.
pub fn allowed_actions(ticket: &Ticket, viewer: &User) -> Vec<TicketAction> {
    let state = TicketState {
        status: ticket.status,
        created_by: ticket.creator.id,
        assigned_agent_id: ticket.assigned_agent.as_ref().map(|a| a.id),
    };
    let mut candidates = vec![TicketAction::Resolve, TicketAction::Reopen, TicketAction::Close];
    if viewer.role.is_staff() {
        candidates.insert(0, TicketAction::Assign { agent_id: viewer.id });
    }
    candidates.into_iter().filter(|action| decide(state, *action, viewer, None).is_ok()).collect()
}

/// Validated input for a new ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub subject: Option<String>,
    pub description: String,
    pub category_id: Option<i64>,
    /// Files uploaded for the ticket being opened (`POST /api/attachments/upload` without a ticket).
    pub attachment_ids: Vec<i64>,
    pub source: TicketSource,
}

pub fn validate_new_ticket(subject: Option<&str>, description: &str) -> AppResult<NewTicket> {
    refuse_control_chars("subject", subject.unwrap_or_default())?;
    refuse_control_chars("description", description)?;
    let subject = subject.map(str::trim).filter(|s| !s.is_empty());
    if let Some(subject) = subject
        && subject.chars().count() > SUBJECT_MAX_CHARS
    {
        return Err(AppError::invalid("subject", Problem::TooLong { text: TextKind::Subject, max: SUBJECT_MAX_CHARS }));
    }
    let description = description.trim();
    if description.is_empty() {
        return Err(AppError::invalid("description", Problem::DescriptionRequired));
    }
    if description.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(AppError::invalid("description", Problem::TooLong { text: TextKind::Description, max: DESCRIPTION_MAX_CHARS }));
    }
    Ok(NewTicket { subject: subject.map(str::to_owned), description: description.to_owned(), category_id: None, attachment_ids: Vec::new(), source: TicketSource::Web })
}

/// Which tickets a list shows (visibility by role is applied on top, on the server).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    /// `unassigned` or `mine`; anything else means all.
    pub assignment: Option<String>,
    /// Agents see closed tickets only when they ask.
    /// Whether closed tickets are listed (unless `status` says): by default agents see them only
    /// when they ask, admins unless they ask not to.
    pub include_closed: Option<bool>,
    /// Only tickets opened by this person.
    pub creator: Option<i64>,
    /// Only tickets in this category.
    pub category: Option<i64>,
    /// Only tickets of this priority.
    pub priority: Option<Priority>,
    /// Only tickets that missed (or are missing) an SLA target (staff).
    pub sla_breached: bool,
    /// The order: newest activity first (the default), most urgent first, or due soonest.
    pub sort: TicketSort,
}

impl TicketFilter {
    /// Whether a list with this filter shows `ticket` to `viewer` at `now`: the rule
    /// `tickets::repo::list_tickets` writes in SQL, for a browser patching its list from live events.
    pub fn admits(&self, ticket: &Ticket, viewer: &User, now: DateTime<Utc>) -> bool {
        let status_ok = match self.status {
            Some(status) => ticket.status == status,
            None => ticket.status != TicketStatus::Closed || self.include_closed.unwrap_or(viewer.role == Role::Admin),
        };
        let assignment_ok = match self.assignment.as_deref() {
            Some("unassigned") => ticket.assigned_agent.is_none(),
            Some("mine") => ticket.assigned_agent.as_ref().is_some_and(|agent| agent.id == viewer.id),
            _ => true,
        };
        status_ok
            && assignment_ok
            && may_view(viewer, ticket.creator.id)
            && self.creator.is_none_or(|creator| ticket.creator.id == creator)
            && self.category.is_none_or(|category| ticket.category.as_ref().is_some_and(|c| c.id == category))
            && self.priority.is_none_or(|priority| ticket.priority == priority)
            && (!self.sla_breached || ticket.sla.as_ref().is_some_and(|sla| sla.is_breached(now)))
    }
}

/// How a list is ordered; each is keyset-paged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketSort {
    /// Newest activity first.
    #[default]
    Recent,
    /// Most urgent first, then newest activity.
    Priority,
    /// The running SLA clock due soonest first; tickets without one last (staff).
    Due,
}

impl TicketSort {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recent => "recent",
            Self::Priority => "priority",
            Self::Due => "due",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Recent, Self::Priority, Self::Due].into_iter().find(|s| s.as_str() == text)
    }

    /// Where `a` comes relative to `b` in this order: the `ORDER BY` of
    /// `tickets::repo::list_tickets`, for a browser keeping a patched list in order.
    pub fn compare(self, a: &Ticket, b: &Ticket) -> std::cmp::Ordering {
        let recent = |t: &Ticket| (t.updated_at, t.id);
        match self {
            Self::Recent => recent(b).cmp(&recent(a)),
            Self::Priority => (b.priority, recent(b)).cmp(&(a.priority, recent(a))),
            Self::Due => {
                // No running clock: last ("infinity").
                let due = |t: &Ticket| (t.sla.as_ref().and_then(|sla| sla.next_due()).map_or((1, None), |at| (0, Some(at))), t.id);
                due(a).cmp(&due(b))
            }
        }
    }
}

/// One page of a keyset-paged list; `next_cursor` fetches the page after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from a query that fetched `limit + 1` rows: the extra row only says there is more,
    /// and the cursor names the last row kept.
    pub fn from_overfetch(mut items: Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Self {
        let next_cursor = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(cursor)
        } else {
            None
        };
        Page { items, next_cursor }
    }
}

pub const PAGE_SIZE_DEFAULT: i64 = 25;
pub const PAGE_SIZE_MAX: i64 = 100;

/// Recorded for every assignment and status change; published to the ticket's room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub ticket_id: i64,
    pub seq: i64,
    pub actor_id: i64,
    /// Who made the change, as the timeline names them.
    pub actor_name: String,
    pub from_status: TicketStatus,
    pub to_status: TicketStatus,
    pub from_agent_id: Option<i64>,
    pub to_agent_id: Option<i64>,
    /// The agent assigned after the change, if any.
    pub agent_name: Option<String>,
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub at: DateTime<Utc>,
}

impl TicketEvent {
    /// `ticket:assigned` when the assignee changed, else `ticket:status:updated`.
    pub fn event_name(&self) -> &'static str {
        if self.is_assignment() { "ticket:assigned" } else { "ticket:status:updated" }
    }

    /// The assignee changed (otherwise only the status did).
    pub fn is_assignment(&self) -> bool {
        self.from_agent_id != self.to_agent_id
    }
}

/// A chat message in a ticket's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub ticket_id: i64,
    /// Position in the ticket's timeline (shared with status and assignment changes).
    pub seq: i64,
    /// The sender's idempotency key, if the message was sent with one.
    pub client_id: Option<String>,
    pub sender: PersonRef,
    pub sender_role: Role,
    /// May be empty when the message carries files.
    pub content: String,
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub created_at: DateTime<Utc>,
    /// Files sent with it (metadata only; the bytes are behind each one's link).
    #[serde(default)]
    pub attachments: Vec<crate::domain::attachment::Attachment>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: i64) -> PersonRef {
        PersonRef { id, display_name: format!("P{id}"), email: format!("p{id}@example.com") }
    }

    /// The tabs: a load plus the moves counted since it (running totals taken at the load and now).
    #[test]
    fn counts_follow_the_moves_made_after_they_were_loaded() {
        let me = 7;
        let loaded = QueueCounts { unassigned: 3, mine: 1, all: 5, open: 3, assigned: 2, resolved: 0, closed: 4 };
        let mut moves = QueueCounts::default();
        moves.moved(None, QueueCounts::OPENED, me); // counted in the load already
        let then = moves;
        moves.moved(Some(QueueCounts::OPENED), (TicketStatus::Assigned, Some(me)), me);
        moves.moved(None, QueueCounts::OPENED, me);
        moves.moved(Some((TicketStatus::Assigned, Some(2))), (TicketStatus::Closed, Some(2)), me);
        let now = loaded.with_moves(&then, &moves);
        assert_eq!(now, QueueCounts { unassigned: 3, mine: 2, all: 5, open: 3, assigned: 2, resolved: 0, closed: 5 });
    }

    fn ticket(id: i64, status: TicketStatus, agent: Option<i64>, minutes: i64) -> Ticket {
        let at = DateTime::from_timestamp(1_764_000_000 + minutes * 60, 0).unwrap();
        Ticket {
            id, subject: None, description: String::new(), status, creator: person(1), assigned_agent: agent.map(person),
            created_at: at, updated_at: at, resolved_at: None, closed_at: None, version: 1, last_message: None, category: None,
            rating: None, priority: Priority::Normal, source: TicketSource::Web, sla: None, last_seq: 0, unread: 0, agent_status: None,
        }
    }

    fn viewer(id: i64, role: Role) -> User {
        User { id, email: String::new(), display_name: String::new(), role, is_active: true, created_at: DateTime::from_timestamp(0, 0).unwrap() }
    }

    /// The rules a browser patches its lists with, in the cases SQL decides by role and default.
    #[test]
    fn a_filter_admits_what_the_list_query_would_list() {
        let now = Utc::now();
        let closed = ticket(1, TicketStatus::Closed, Some(7), 0);
        let (agent, admin, owner, stranger) = (viewer(7, Role::Agent), viewer(8, Role::Admin), viewer(1, Role::User), viewer(2, Role::User));
        let default = TicketFilter::default();
        assert!(!default.admits(&closed, &agent, now), "agents ask for closed tickets");
        assert!(default.admits(&closed, &admin, now), "admins see them unless they ask not to");
        assert!(!TicketFilter { include_closed: Some(false), ..default.clone() }.admits(&closed, &admin, now));
        assert!(TicketFilter { status: Some(TicketStatus::Closed), ..default.clone() }.admits(&closed, &agent, now));
        let open = ticket(2, TicketStatus::Open, None, 0);
        assert!(default.admits(&open, &owner, now) && !default.admits(&open, &stranger, now), "customers: their own");
        let mine = TicketFilter { assignment: Some("mine".into()), ..default.clone() };
        let unassigned = TicketFilter { assignment: Some("unassigned".into()), ..default.clone() };
        let taken = ticket(3, TicketStatus::Assigned, Some(7), 0);
        assert!(mine.admits(&taken, &agent, now) && !mine.admits(&taken, &admin, now) && !unassigned.admits(&taken, &agent, now));
        assert!(unassigned.admits(&open, &agent, now));
        let breached = TicketFilter { sla_breached: true, ..default };
        let mut late = ticket(4, TicketStatus::Open, None, 0);
        assert!(!breached.admits(&late, &agent, now), "no clock, nothing missed");
        let due_at = now - chrono::TimeDelta::minutes(1);
        late.sla = Some(crate::domain::sla::TicketSla {
            first_response: Some(crate::domain::sla::SlaClock { due_at, met_at: None }), resolution: None, paused_at: None, checked_at: now,
        });
        assert!(breached.admits(&late, &agent, now));
    }

    #[test]
    fn the_orders_match_the_list_query() {
        let (old, new) = (ticket(1, TicketStatus::Open, None, 0), ticket(2, TicketStatus::Open, None, 5));
        let urgent_old = Ticket { priority: Priority::Urgent, ..ticket(3, TicketStatus::Open, None, 0) };
        let mut rows = vec![old.clone(), urgent_old.clone(), new.clone()];
        rows.sort_by(|a, b| TicketSort::Recent.compare(a, b));
        assert_eq!(rows.iter().map(|t| t.id).collect::<Vec<_>>(), [2, 3, 1], "newest first, then the higher id");
        rows.sort_by(|a, b| TicketSort::Priority.compare(a, b));
        assert_eq!(rows.iter().map(|t| t.id).collect::<Vec<_>>(), [3, 2, 1]);
        let clock = |minutes: i64| crate::domain::sla::TicketSla {
            first_response: None,
            resolution: Some(crate::domain::sla::SlaClock { due_at: DateTime::from_timestamp(1_764_000_000 + minutes * 60, 0).unwrap(), met_at: None }),
            paused_at: None,
            checked_at: Utc::now(),
        };
        let (soon, later) = (Ticket { sla: Some(clock(10)), ..old }, Ticket { sla: Some(clock(20)), ..new });
        let mut rows = vec![urgent_old, later, soon];
        rows.sort_by(|a, b| TicketSort::Due.compare(a, b));
        assert_eq!(rows.iter().map(|t| t.id).collect::<Vec<_>>(), [1, 2, 3], "due soonest first, no clock last");
    }

    #[test]
    fn previews_show_the_first_non_blank_line_cut_short() {
        assert_eq!(excerpt("\r\n  \n\tHello there\r\nSecond line"), "Hello there");
        assert_eq!(excerpt("one line"), "one line");
        assert_eq!(excerpt(&"é".repeat(200)).chars().count(), EXCERPT_MAX_CHARS);
    }
}
