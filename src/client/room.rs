//! What one ticket's conversation shows, as the live client keeps it: entries by timeline seq
//! (a replay after a reconnect can never show one twice), own messages on their way, who is here
//! and typing, notes for staff; and the state of the connection.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::domain::attachment::Attachment;
use crate::domain::live::Member;
use crate::domain::note::Note;
use crate::domain::timeline::TimelineEntry;
use crate::error::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    Connecting,
    Live,
    Reconnecting,
    Offline,
    /// The server ended the session (signed out elsewhere, expired, deactivated): no reconnecting.
    SessionEnded,
}

impl ConnectionState {
    /// As the page's classes name it (`connection-live`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Live => "live",
            Self::Reconnecting => "reconnecting",
            Self::Offline => "offline",
            Self::SessionEnded => "sessionended",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PendingState {
    Sending,
    Failed(Problem),
}

/// An own message not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub client_id: String,
    pub content: String,
    /// Uploaded already; sent with the text.
    pub attachments: Vec<Attachment>,
    pub state: PendingState,
}

/// What one ticket's chat shows.
#[derive(Clone, Copy)]
pub struct Room {
    pub ticket_id: i64,
    pub entries: RwSignal<BTreeMap<i64, TimelineEntry>>,
    pub pending: RwSignal<Vec<Pending>>,
    pub members: RwSignal<Vec<Member>>,
    pub typing: RwSignal<Vec<Member>>,
    /// Why the room cannot be followed (no access any more), if so.
    pub problem: RwSignal<Option<Problem>>,
    /// Staff: the ticket's internal notes by `note_seq`.
    pub notes: RwSignal<BTreeMap<i64, Note>>,
    /// The last note received in order (history or stream): where a staff rejoin resumes notes.
    pub(super) note_seq: StoredValue<Option<i64>>,
    /// The last seq received in order from the server's stream (or history): where a rejoin
    /// resumes. Acks do not move it: an own message can be acknowledged before earlier entries
    /// of others have arrived.
    pub(super) stream_seq: StoredValue<i64>,
}

impl Room {
    pub(super) fn new(ticket_id: i64) -> Self {
        Self {
            ticket_id,
            entries: RwSignal::new(BTreeMap::new()),
            pending: RwSignal::new(Vec::new()),
            members: RwSignal::new(Vec::new()),
            typing: RwSignal::new(Vec::new()),
            problem: RwSignal::new(None),
            notes: RwSignal::new(BTreeMap::new()),
            note_seq: StoredValue::new(None),
            stream_seq: StoredValue::new(0),
        }
    }

    /// Where a (re)join resumes.
    pub fn last_seq(&self) -> i64 {
        self.stream_seq.get_value()
    }

    pub(super) fn received(&self, seq: i64) {
        self.stream_seq.update_value(|last| *last = (*last).max(seq));
    }

    /// Notes loaded by the page (staff), oldest first and without gaps from the first.
    pub fn add_notes(&self, notes: Vec<Note>) {
        for note in notes {
            self.note_received(note);
        }
    }

    /// Keeps a note; its number moves the resume point only when nothing is missing before it.
    pub(super) fn note_received(&self, note: Note) {
        let seq = note.note_seq;
        self.notes.update(|notes| {
            notes.insert(seq, note);
        });
        // The server sends a room's notes gap-free from where it joined: the first one it sends
        // (or the next in order) is where a rejoin resumes.
        self.note_seq.update_value(|last| {
            if last.is_none_or(|last| last + 1 == seq) {
                *last = Some(seq);
            }
        });
    }

    pub fn add_history(&self, history: Vec<TimelineEntry>) {
        if let Some(newest) = history.iter().map(TimelineEntry::seq).max() {
            self.received(newest);
        }
        self.entries.update(|entries| {
            for entry in history {
                entries.entry(entry.seq()).or_insert(entry);
            }
        });
    }
}

