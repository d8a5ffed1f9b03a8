//! What went wrong, as a stable key and its parameters: the part of an error the browser
//! translates (`i18n/errors.rs` has a text for every key in every other language) and scripts
//! can match on. On the wire it is `"problem": "<key>"` and, when the key has any,
//! `"params": {...}`; renaming a variant changes the API, rewording its text does not.
//!
//! The English texts live here rather than in `i18n/` because the server writes them into every
//! error's `message` (for scripts and logs) and this layer imports nothing of the crate.

use serde::{Deserialize, Serialize};

pub use params::ProblemParams;
use params::FromParam;

/// Which text was too long, for [`Problem::TooLong`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextKind {
    Message,
    Subject,
    Description,
    DisplayName,
    CategoryName,
    CategoryDescription,
    FirstMessage,
    Comment,
}

/// Declares [`Problem`], each variant once with its key on the wire. The key gives serde's name for
/// the variant (what the server writes) and the arm of [`Problem::from_wire`] (what the browser
/// and scripts read), so the two cannot drift apart. `from_wire` replaces serde's derived decoder,
/// which compiled a decoder per variant, buffered through `#[serde(flatten)]`: 40 KB of the
/// browser's bundle.
macro_rules! problems {
    ($($(#[$meta:meta])* $variant:ident $({ $($field:ident: $ty:ty),+ $(,)? })? = $key:literal,)+) => {
        #[derive(Clone, PartialEq, Eq, Hash, Serialize)]
        #[cfg_attr(feature = "ssr", derive(Debug))]
        #[serde(tag = "problem", content = "params")]
        pub enum Problem {
            $($(#[$meta])* #[serde(rename = $key)] $variant $({ $($field: $ty),+ })?,)+
        }

        impl Problem {
            /// The problem called `key` (the wire's `problem`) with its `params`; `None` when the key
            /// is unknown or a parameter is missing or out of range.
            pub fn from_wire(key: &str, params: &ProblemParams) -> Option<Problem> {
                Some(match key {
                    $($key => Problem::$variant $({ $($field: FromParam::from_param(&params.$field)?),+ })?,)+
                    _ => return None,
                })
            }

            /// The wire's `problem`.
            pub fn key(&self) -> &'static str {
                match self {
                    $(Problem::$variant { .. } => $key,)+
                }
            }
        }

        /// In the browser a problem debugs as its key: the derived `Debug` spelled out every
        /// variant's name a second time in the bundle.
        #[cfg(not(feature = "ssr"))]
        impl std::fmt::Debug for Problem {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(self.key())
            }
        }

        /// Every key, for the tests.
        #[cfg(test)]
        const KEYS: &[&str] = &[$($key),+];
    };
}

problems! {
    // Anywhere
    SignInRequired = "sign_in_required",
    NotPermitted = "not_permitted",
    Internal = "internal",
    /// The browser could not reach the server.
    Unreachable = "unreachable",
    RequestTooLarge = "request_too_large",
    CrossSiteRequest = "cross_site_request",
    CrossSiteSocket = "cross_site_socket",
    UnsupportedMediaType { media_type: String } = "unsupported_media_type",
    /// The server function's arguments could not be read (`detail` is the decoder's, in English).
    MalformedArguments { detail: String } = "malformed_arguments",
    UnreadableRequest { detail: String } = "unreadable_request",
    FieldRequired { field: String } = "field_required",
    FieldInvalid { field: String, detail: String } = "field_invalid",
    ControlCharacters = "control_characters",
    TooLong { text: TextKind, max: usize } = "too_long",
    TooManyRequests = "too_many_requests",
    PageCursorInvalid = "page_cursor_invalid",
    PageCursorStale = "page_cursor_stale",
    LimitOutOfRange { max: i64 } = "limit_out_of_range",
    AfterNoteSeqNegative = "after_note_seq_negative",
    SeqNegative = "seq_negative",
    // Accounts and signing in
    NameRequired = "name_required",
    EmailRequired = "email_required",
    EmailInvalid = "email_invalid",
    PasswordRequired = "password_required",
    PasswordTooShort { min: usize } = "password_too_short",
    PasswordTooLong { max: usize } = "password_too_long",
    WrongCredentials = "wrong_credentials",
    AccountDeactivated = "account_deactivated",
    EmailTaken = "email_taken",
    SignInThrottled { minutes: i32 } = "sign_in_throttled",
    UnknownLanguage = "unknown_language",
    // People (admin)
    UnknownRole = "unknown_role",
    OwnRole = "own_role",
    OwnDeactivation = "own_deactivation",
    LastAdmin = "last_admin",
    NoSuchPerson = "no_such_person",
    OwnResponsibleAgent = "own_responsible_agent",
    ResponsibleAgentInactive = "responsible_agent_inactive",
    UnknownAuditAction = "unknown_audit_action",
    // Search
    SearchEmpty = "search_empty",
    SearchTooLong { max: usize } = "search_too_long",
    // Categories
    CategoryNameRequired = "category_name_required",
    CategoryNameTaken = "category_name_taken",
    DefaultAgentInactive = "default_agent_inactive",
    NoSuchCategory = "no_such_category",
    UnknownDirection = "unknown_direction",
    CategoryNotOffered = "category_not_offered",
    CategoryRequired = "category_required",
    // Tickets
    TicketNotFound = "ticket_not_found",
    DescriptionRequired = "description_required",
    UnknownStatus = "unknown_status",
    UnknownAssignmentFilter = "unknown_assignment_filter",
    UnknownPriorityFilter = "unknown_priority_filter",
    UnknownSort = "unknown_sort",
    UnknownSlaFilter = "unknown_sla_filter",
    SlaStaffOnly = "sla_staff_only",
    UnknownPriority = "unknown_priority",
    UnknownAction = "unknown_action",
    TicketClosed = "ticket_closed",
    TicketResolved = "ticket_resolved",
    AgentsAssignThemselves = "agents_assign_themselves",
    AlreadyAssignedToYou = "already_assigned_to_you",
    /// `agent` is the assignee's name; without it, "another agent".
    AlreadyAssigned { agent: Option<String> } = "already_assigned",
    AssignActiveAgentOnly = "assign_active_agent_only",
    ResolveUnassigned = "resolve_unassigned",
    AlreadyResolved = "already_resolved",
    CloseNeedsResolved = "close_needs_resolved",
    ReopenNeedsResolved = "reopen_needs_resolved",
    AssigneeOrAdminOnly = "assignee_or_admin_only",
    ChangedSinceLoaded = "changed_since_loaded",
    RatingScore = "rating_score",
    RatingOwnerOnly = "rating_owner_only",
    RatingNeedsResolved = "rating_needs_resolved",
    AlreadyRated = "already_rated",
    // SLA targets
    DurationUnreadable = "duration_unreadable",
    DurationOutOfRange = "duration_out_of_range",
    // Messages and the live socket
    MessageEmpty = "message_empty",
    ClientIdLength { max: usize } = "client_id_length",
    ClientIdReused = "client_id_reused",
    TicketClosedForMessages = "ticket_closed_for_messages",
    SendRateExceeded { per_second: u32, burst: u32 } = "send_rate_exceeded",
    ServerBusy = "server_busy",
    JoinFirst = "join_first",
    AfterSeqOutOfRange { last_seq: i64 } = "after_seq_out_of_range",
    AfterNoteSeqOutOfRange { last_note_seq: i64 } = "after_note_seq_out_of_range",
    AccessLost = "access_lost",
    InboxStaffOnly = "inbox_staff_only",
    WatchTooMany { max: usize } = "watch_too_many",
    BinaryFrame = "binary_frame",
    FrameTooLarge { max: usize } = "frame_too_large",
    FrameNotJson = "frame_not_json",
    UnknownEvent = "unknown_event",
    InvalidEventData { event: String, detail: String } = "invalid_event_data",
    /// Shown by the browser on messages still waiting when the session ended.
    SessionEndedUnsent = "session_ended_unsent",
    // Files
    AttachmentIdsNotNumbers = "attachment_ids_not_numbers",
    TooManyFiles { max: usize } = "too_many_files",
    FileTwice = "file_twice",
    AttachmentsNotYours = "attachments_not_yours",
    UploadTicketInvalid = "upload_ticket_invalid",
    UploadTicketMissing = "upload_ticket_missing",
    TicketClosedForFiles = "ticket_closed_for_files",
    TooManyUnsentFiles { max: i64 } = "too_many_unsent_files",
    NoSuchTicket = "no_such_ticket",
    NoSuchFile = "no_such_file",
    /// `limit` as people read sizes ("10.0 MB").
    FileTooLarge { limit: String } = "file_too_large",
    UploadInterrupted = "upload_interrupted",
    FileEmpty = "file_empty",
    /// The browser's upload did not reach the server.
    UploadUnreachable = "upload_unreachable",
}

impl TextKind {
    fn english(self) -> &'static str {
        match self {
            TextKind::Message => "A message",
            TextKind::Subject => "The subject",
            TextKind::Description => "The description",
            TextKind::DisplayName => "Your name",
            TextKind::CategoryName => "The name",
            TextKind::CategoryDescription => "The description",
            TextKind::FirstMessage => "The first message",
            TextKind::Comment => "The comment",
        }
    }
}

impl Problem {
    /// The text in English: an error's `message`, and the page's text in English.
    pub fn english(&self) -> String {
        use Problem::*;
        let fixed = match self {
            SignInRequired => "Please sign in to continue.",
            NotPermitted => "You do not have permission to do that.",
            Internal => "Something went wrong on our side. Please try again.",
            Unreachable => "Could not reach MyRelay. Check your connection and try again.",
            RequestTooLarge => "The request is too large (at most 1 MiB).",
            CrossSiteRequest => "Requests from other sites are refused.",
            CrossSiteSocket => "WebSocket connections are only accepted from this site.",
            UnsupportedMediaType { media_type } => {
                return format!("Send the arguments as application/x-www-form-urlencoded or application/json, not {media_type}.");
            }
            MalformedArguments { detail } => return format!("The request was malformed: {detail}"),
            UnreadableRequest { detail } => return format!("The request could not be read: {detail}."),
            FieldRequired { field } => return format!("{field} is required."),
            FieldInvalid { field, detail } => return format!("{field} has an invalid value ({detail})."),
            ControlCharacters => "This text contains control characters; only line breaks and tabs are allowed.",
            TooLong { text, max } => return format!("{} can be at most {max} characters.", text.english()),
            TooManyRequests => "Too many requests; slow down.",
            PageCursorInvalid => "The page cursor is not valid.",
            PageCursorStale => "The page cursor is not valid; start from the first page.",
            LimitOutOfRange { max } => return format!("limit must be between 1 and {max}."),
            AfterNoteSeqNegative => "after_note_seq cannot be negative.",
            SeqNegative => "seq must be 0 or more.",
            NameRequired => "Please enter your name.",
            EmailRequired => "Please enter your email address.",
            EmailInvalid => "Please enter a valid email address, like name@example.com.",
            PasswordRequired => "Please enter your password.",
            PasswordTooShort { min } => return format!("Your password must be at least {min} characters long."),
            PasswordTooLong { max } => return format!("Your password can be at most {max} characters long."),
            WrongCredentials => "Wrong email or password.",
            AccountDeactivated => "This account has been deactivated. Please contact your administrator.",
            EmailTaken => "An account with this email already exists. Sign in instead?",
            SignInThrottled { minutes } => {
                return format!("Too many failed sign-in attempts. Please wait {minutes} minutes and try again.");
            }
            UnknownLanguage => "Unknown language: use en or es.",
            UnknownRole => "Unknown role: use user, agent or admin.",
            OwnRole => "You cannot change your own role.",
            OwnDeactivation => "You cannot deactivate your own account.",
            LastAdmin => "MyRelay needs at least one active admin: make someone else an admin first.",
            NoSuchPerson => "No such person.",
            OwnResponsibleAgent => "Nobody can be their own responsible agent.",
            ResponsibleAgentInactive => "The responsible agent must be an active agent.",
            UnknownAuditAction => "Unknown kind of change.",
            SearchEmpty => "Type what to search for.",
            SearchTooLong { max } => return format!("Search for at most {max} characters."),
            CategoryNameRequired => "Please give the category a name.",
            CategoryNameTaken => "A category with this name already exists.",
            DefaultAgentInactive => "The default agent must be an active agent.",
            NoSuchCategory => "No such category.",
            UnknownDirection => "Unknown direction: use up or down.",
            CategoryNotOffered => "Choose one of the categories offered.",
            CategoryRequired => "Please choose a category.",
            TicketNotFound => "Ticket not found.",
            DescriptionRequired => "Please describe your issue.",
            UnknownStatus => "Unknown status: use open, assigned, resolved or closed.",
            UnknownAssignmentFilter => "Unknown assignment filter: use unassigned or mine.",
            UnknownPriorityFilter => "Unknown priority: use low, normal, high or urgent.",
            UnknownSort => "Unknown order: use recent, priority or due.",
            UnknownSlaFilter => "Unknown SLA filter: use breached.",
            SlaStaffOnly => "Only agents and admins can filter or sort by SLA.",
            UnknownPriority => "Choose low, normal, high or urgent.",
            UnknownAction => "Unknown action: use resolve, close or reopen.",
            TicketClosed => "This ticket is closed; it can no longer change.",
            TicketResolved => "This ticket is resolved; reopen it to work on it again.",
            AgentsAssignThemselves => "Agents can only assign tickets to themselves.",
            AlreadyAssignedToYou => "This ticket is already assigned to you.",
            AlreadyAssigned { agent } => {
                return format!("This ticket is already assigned to {}.", agent.as_deref().unwrap_or("another agent"));
            }
            AssignActiveAgentOnly => "Tickets can only be assigned to an active agent.",
            ResolveUnassigned => "Assign this ticket before resolving it.",
            AlreadyResolved => "This ticket is already resolved.",
            CloseNeedsResolved => "Only resolved tickets can be closed (an admin can close any ticket).",
            ReopenNeedsResolved => "Only resolved tickets can be reopened.",
            AssigneeOrAdminOnly => "Only the assigned agent or an admin can do that.",
            ChangedSinceLoaded => "This ticket was changed by someone else since you loaded it. Reload to see it as it is now.",
            RatingScore => "Rate from 1 to 5.",
            RatingOwnerOnly => "Only the person who opened the ticket rates it.",
            RatingNeedsResolved => "A ticket can be rated once it is resolved.",
            AlreadyRated => "You have rated this resolution already.",
            DurationUnreadable => "Write a time like 30m, 4h, 2d or 1h 30m, or leave it blank for no target.",
            DurationOutOfRange => "A target must be between 1 minute and 365 days.",
            MessageEmpty => "A message cannot be empty.",
            ClientIdLength { max } => return format!("client_id must be 1 to {max} characters."),
            ClientIdReused => "This client_id was already used for another ticket.",
            TicketClosedForMessages => "This ticket is closed; no more messages can be sent.",
            SendRateExceeded { per_second, burst } => {
                return format!("Too many messages: at most {per_second} per second (bursts of {burst}).");
            }
            ServerBusy => "The server is busy; send again in a moment.",
            JoinFirst => "Join the ticket first.",
            AfterSeqOutOfRange { last_seq } => return format!("after_seq must be between 0 and this ticket's last seq ({last_seq})."),
            AfterNoteSeqOutOfRange { last_note_seq } => {
                return format!("after_note_seq must be between 0 and this ticket's last note_seq ({last_note_seq}).");
            }
            AccessLost => "You no longer have access to this ticket.",
            InboxStaffOnly => "Only agents and admins can follow the inbox.",
            WatchTooMany { max } => return format!("At most {max} tickets can be watched at once."),
            BinaryFrame => "Send JSON text frames.",
            FrameTooLarge { max } => return format!("Frames can be at most {max} bytes."),
            FrameNotJson => "The frame is not valid JSON.",
            UnknownEvent => "Unknown event.",
            InvalidEventData { event, detail } => return format!("Invalid data for {event}: {detail}"),
            SessionEndedUnsent => "Your session has ended; sign in again to send it.",
            AttachmentIdsNotNumbers => "Attachment ids are numbers, separated by commas.",
            TooManyFiles { max } => return format!("At most {max} files go with one message."),
            FileTwice => "Each file can be attached once.",
            AttachmentsNotYours => "Attach files you uploaded for this ticket and have not sent yet.",
            UploadTicketInvalid => "The ticket id is not valid.",
            UploadTicketMissing => "Say which ticket the file is for.",
            TicketClosedForFiles => "This ticket is closed; no more files can be added.",
            TooManyUnsentFiles { max } => {
                return format!("You have {max} files waiting to be sent: send them first (unsent files are dropped after an hour).");
            }
            NoSuchTicket => "No such ticket.",
            NoSuchFile => "No such file.",
            FileTooLarge { limit } => return format!("Files can be at most {limit}."),
            UploadInterrupted => "The upload was interrupted.",
            FileEmpty => "The file is empty.",
            UploadUnreachable => "The upload did not reach the server. Check your connection and try again.",
        };
        fixed.to_owned()
    }
}

mod params {
    use serde::Deserialize;

    use super::TextKind;

    /// Every parameter any problem has, by name: a problem's `params` object as read. Numbers are
    /// read as `i64` and checked against the variant's type by [`FromParam`].
    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub struct ProblemParams {
        pub(super) media_type: Option<String>,
        pub(super) detail: Option<String>,
        pub(super) field: Option<String>,
        pub(super) event: Option<String>,
        pub(super) limit: Option<String>,
        pub(super) agent: Option<String>,
        pub(super) text: Option<TextKind>,
        pub(super) max: Option<i64>,
        pub(super) min: Option<i64>,
        pub(super) minutes: Option<i64>,
        pub(super) per_second: Option<i64>,
        pub(super) burst: Option<i64>,
        pub(super) last_seq: Option<i64>,
        pub(super) last_note_seq: Option<i64>,
    }

    /// A variant's field from the parameter of the same name.
    pub(super) trait FromParam<Read>: Sized {
        fn from_param(read: &Read) -> Option<Self>;
    }

    impl FromParam<Option<String>> for String {
        fn from_param(read: &Option<String>) -> Option<Self> {
            read.clone()
        }
    }

    /// An optional text parameter (`AlreadyAssigned`'s `agent`): absent and `null` are `None`.
    impl FromParam<Option<String>> for Option<String> {
        fn from_param(read: &Option<String>) -> Option<Self> {
            Some(read.clone())
        }
    }

    impl FromParam<Option<TextKind>> for TextKind {
        fn from_param(read: &Option<TextKind>) -> Option<Self> {
            *read
        }
    }

    macro_rules! numbers {
        ($($number:ty),+) => {$(
            impl FromParam<Option<i64>> for $number {
                fn from_param(read: &Option<i64>) -> Option<Self> {
                    read.and_then(|n| n.try_into().ok())
                }
            }
        )+};
    }
    numbers!(usize, u32, i32, i64);
}

#[cfg(test)]
mod tests {
    use super::{KEYS, Problem, ProblemParams};
    use crate::error::{AppError, ErrorCode};

    /// Every problem, read from a `params` object holding every parameter, written by serde and read
    /// back whole: the keys and the parameters' names and types agree between both sides.
    #[test]
    fn every_problem_reads_back_as_written() {
        let params: ProblemParams = serde_json::from_value(serde_json::json!({
            "media_type": "text/plain", "detail": "d", "field": "f", "event": "e", "limit": "1 MB", "agent": "Ann",
            "text": "first_message", "max": 7, "min": 8, "minutes": 9, "per_second": 5, "burst": 10, "last_seq": 11, "last_note_seq": 12,
        }))
        .unwrap();
        for key in KEYS {
            let problem = Problem::from_wire(key, &params).unwrap_or_else(|| panic!("{key} not read"));
            assert_eq!(problem.key(), *key);
            let error = AppError::new(ErrorCode::Validation, problem.clone());
            let written = serde_json::to_value(&error).unwrap();
            assert_eq!(written["problem"], *key);
            assert_eq!(serde_json::from_value::<AppError>(written).unwrap(), error, "{key}");
        }
        assert_eq!(KEYS.len(), KEYS.iter().collect::<std::collections::HashSet<_>>().len(), "a key is used twice");
    }

    #[test]
    fn unknown_keys_and_unfit_parameters_are_refused() {
        let read = |json: serde_json::Value| serde_json::from_value::<AppError>(json).map_err(|e| e.to_string());
        let base = |problem: &str, params: serde_json::Value| serde_json::json!({"code": "validation", "problem": problem, "params": params, "message": "m"});
        assert!(read(base("no_such_problem", serde_json::json!({}))).unwrap_err().contains("no_such_problem"));
        assert!(read(base("too_long", serde_json::json!({"text": "message"}))).is_err(), "max missing");
        assert!(read(base("too_long", serde_json::json!({"text": "message", "max": -1}))).is_err(), "max negative for a usize");
        let assigned = read(base("already_assigned", serde_json::json!({"agent": null}))).unwrap();
        assert_eq!(assigned.problem, Problem::AlreadyAssigned { agent: None });
        let signed_out = read(serde_json::json!({"code": "unauthenticated", "problem": "sign_in_required", "message": "m"})).unwrap();
        assert_eq!(signed_out.problem, Problem::SignInRequired);
    }
}
