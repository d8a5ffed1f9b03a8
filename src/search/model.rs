//! Search results as they cross the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ticket::TicketStatus;

pub const QUERY_MAX_CHARS: usize = 200;

/// Where a hit was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HitKind {
    /// The ticket's subject or description.
    Ticket,
    Message,
    /// An internal note (staff only).
    Note,
}

/// A piece of a snippet; `mark`: it matched the search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetPart {
    pub text: String,
    pub mark: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub kind: HitKind,
    pub ticket_id: i64,
    pub ticket_title: String,
    pub ticket_status: TicketStatus,
    /// The message's place in the ticket's timeline, or the note's `note_seq` (not for tickets).
    pub seq: Option<i64>,
    /// Who wrote it (messages and notes).
    pub sender_name: Option<String>,
    #[serde(deserialize_with = "crate::domain::timestamp::read")]
    pub at: DateTime<Utc>,
    pub rank: f32,
    pub snippet: Vec<SnippetPart>,
}

/// Where `ts_headline` puts its marks: private-use characters, which people do not type.
pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';

/// Splits a headline with [`MARK_START`]/[`MARK_END`] into plain and marked parts.
pub fn snippet_parts(headline: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut rest = headline;
    while let Some(start) = rest.find(MARK_START) {
        if start > 0 {
            parts.push(SnippetPart { text: rest[..start].to_owned(), mark: false });
        }
        let after = &rest[start + MARK_START.len_utf8()..];
        let end = after.find(MARK_END).unwrap_or(after.len());
        parts.push(SnippetPart { text: after[..end].to_owned(), mark: true });
        rest = after.get(end + MARK_END.len_utf8()..).unwrap_or_default();
    }
    if !rest.is_empty() {
        parts.push(SnippetPart { text: rest.to_owned(), mark: false });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_split_into_marked_parts() {
        let parts = snippet_parts("the \u{E000}printer\u{E001} is \u{E000}on\u{E001}");
        let shown: Vec<(&str, bool)> = parts.iter().map(|p| (p.text.as_str(), p.mark)).collect();
        assert_eq!(shown, [("the ", false), ("printer", true), (" is ", false), ("on", true)]);
        assert_eq!(snippet_parts("\u{E000}unclosed"), [SnippetPart { text: "unclosed".into(), mark: true }]);
        assert!(snippet_parts("").is_empty());
    }
}
