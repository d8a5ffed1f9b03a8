//! Audit entries as they cross the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What was done. Stored as its `as_str` (the table checks the list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    TicketStatus,
    TicketAssignment,
    TicketPriority,
    UserRole,
    UserActive,
    UserResponsibleAgent,
    CategoryCreated,
    CategoryUpdated,
    CategoryActive,
    CategoryMoved,
    SignInFailures,
    SlaPolicy,
}

/// What an entry's `subject_id` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Ticket,
    Person,
    Category,
    /// An email address someone tried to sign in as (no id).
    SignIn,
    /// A setting (the SLA targets of a priority, by its name; no id).
    Setting,
}

impl AuditAction {
    pub const ALL: [AuditAction; 12] = [
        Self::TicketStatus,
        Self::TicketAssignment,
        Self::TicketPriority,
        Self::UserRole,
        Self::UserActive,
        Self::UserResponsibleAgent,
        Self::CategoryCreated,
        Self::CategoryUpdated,
        Self::CategoryActive,
        Self::CategoryMoved,
        Self::SignInFailures,
        Self::SlaPolicy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TicketStatus => "ticket_status",
            Self::TicketAssignment => "ticket_assignment",
            Self::TicketPriority => "ticket_priority",
            Self::UserRole => "user_role",
            Self::UserActive => "user_active",
            Self::UserResponsibleAgent => "user_responsible_agent",
            Self::CategoryCreated => "category_created",
            Self::CategoryUpdated => "category_updated",
            Self::CategoryActive => "category_active",
            Self::CategoryMoved => "category_moved",
            Self::SignInFailures => "sign_in_failures",
            Self::SlaPolicy => "sla_policy",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    pub fn subject_kind(self) -> SubjectKind {
        match self {
            Self::TicketStatus | Self::TicketAssignment | Self::TicketPriority => SubjectKind::Ticket,
            Self::UserRole | Self::UserActive | Self::UserResponsibleAgent => SubjectKind::Person,
            Self::CategoryCreated | Self::CategoryUpdated | Self::CategoryActive | Self::CategoryMoved => SubjectKind::Category,
            Self::SignInFailures => SubjectKind::SignIn,
            Self::SlaPolicy => SubjectKind::Setting,
        }
    }
}

/// One field's value before and after (`None`: it had none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl FieldChange {
    pub fn new(field: &str, before: Option<impl Into<String>>, after: Option<impl Into<String>>) -> Self {
        Self { field: field.to_owned(), before: before.map(Into::into), after: after.map(Into::into) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub at: DateTime<Utc>,
    /// Who did it (`None`: nobody signed in), named as they were then.
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: AuditAction,
    /// The ticket, person or category, by the action's kind; how it read then.
    pub subject_id: Option<i64>,
    pub subject: String,
    pub changes: Vec<FieldChange>,
}
