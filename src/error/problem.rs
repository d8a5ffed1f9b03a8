//! What went wrong, as a stable key and its parameters: the part of an error the browser
//! translates (`i18n/errors.rs` has a text for every key in every other language) and scripts
//! can match on. On the wire it is `"problem": "<key>"` and, when the key has any,
//! `"params": {...}`; renaming a variant changes the API, rewording its text does not.
//!
//! The English texts live here rather than in `i18n/` because the server writes them into every
//! error's `message` (for scripts and logs) and this layer imports nothing of the crate.

use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "problem", content = "params", rename_all = "snake_case")]
pub enum Problem {
    // Anywhere
    SignInRequired,
    NotPermitted,
    Internal,
    /// The browser could not reach the server.
    Unreachable,
    RequestTooLarge,
    CrossSiteRequest,
    CrossSiteSocket,
    UnsupportedMediaType { media_type: String },
    /// The server function's arguments could not be read (`detail` is the decoder's, in English).
    MalformedArguments { detail: String },
    UnreadableRequest { detail: String },
    FieldRequired { field: String },
    FieldInvalid { field: String, detail: String },
    ControlCharacters,
    TooLong { text: TextKind, max: usize },
    TooManyRequests,
    PageCursorInvalid,
    PageCursorStale,
    LimitOutOfRange { max: i64 },
    AfterNoteSeqNegative,
    SeqNegative,
    // Accounts and signing in
    NameRequired,
    EmailRequired,
    EmailInvalid,
    PasswordRequired,
    PasswordTooShort { min: usize },
    PasswordTooLong { max: usize },
    WrongCredentials,
    AccountDeactivated,
    EmailTaken,
    SignInThrottled { minutes: i32 },
    UnknownLanguage,
    // People (admin)
    UnknownRole,
    OwnRole,
    OwnDeactivation,
    LastAdmin,
    NoSuchPerson,
    OwnResponsibleAgent,
    ResponsibleAgentInactive,
    UnknownAuditAction,
    // Search
    SearchEmpty,
    SearchTooLong { max: usize },
    // Categories
    CategoryNameRequired,
    CategoryNameTaken,
    DefaultAgentInactive,
    NoSuchCategory,
    UnknownDirection,
    CategoryNotOffered,
    CategoryRequired,
    // Tickets
    TicketNotFound,
    DescriptionRequired,
    UnknownStatus,
    UnknownAssignmentFilter,
    UnknownPriorityFilter,
    UnknownSort,
    UnknownSlaFilter,
    SlaStaffOnly,
    UnknownPriority,
    UnknownAction,
    TicketClosed,
    TicketResolved,
    AgentsAssignThemselves,
    AlreadyAssignedToYou,
    /// `agent` is the assignee's name; without it, "another agent".
    AlreadyAssigned { agent: Option<String> },
    AssignActiveAgentOnly,
    ResolveUnassigned,
    AlreadyResolved,
    CloseNeedsResolved,
    ReopenNeedsResolved,
    AssigneeOrAdminOnly,
    ChangedSinceLoaded,
    RatingScore,
    RatingOwnerOnly,
    RatingNeedsResolved,
    AlreadyRated,
    // SLA targets
    DurationUnreadable,
    DurationOutOfRange,
    // Messages and the live socket
    MessageEmpty,
    ClientIdLength { max: usize },
    ClientIdReused,
    TicketClosedForMessages,
    SendRateExceeded { per_second: u32, burst: u32 },
    ServerBusy,
    JoinFirst,
    AfterSeqOutOfRange { last_seq: i64 },
    AfterNoteSeqOutOfRange { last_note_seq: i64 },
    AccessLost,
    InboxStaffOnly,
    WatchTooMany { max: usize },
    BinaryFrame,
    FrameTooLarge { max: usize },
    FrameNotJson,
    UnknownEvent,
    InvalidEventData { event: String, detail: String },
    /// Shown by the browser on messages still waiting when the session ended.
    SessionEndedUnsent,
    // Files
    AttachmentIdsNotNumbers,
    TooManyFiles { max: usize },
    FileTwice,
    AttachmentsNotYours,
    UploadTicketInvalid,
    UploadTicketMissing,
    TicketClosedForFiles,
    TooManyUnsentFiles { max: i64 },
    NoSuchTicket,
    NoSuchFile,
    /// `limit` as people read sizes ("10.0 MB").
    FileTooLarge { limit: String },
    UploadInterrupted,
    FileEmpty,
    /// The browser's upload did not reach the server.
    UploadUnreachable,
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
