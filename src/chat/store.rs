//! The browser's side of the live rooms: one reconnecting socket per tab feeding a reactive store
//! per open ticket. Messages are kept by timeline seq, so a replay after a reconnect can never show
//! one twice; own messages show at once as "sending" and are confirmed by their ack. On the server
//! (SSR) the store only holds the history it was given.

use std::collections::{BTreeMap, HashMap};

use leptos::prelude::*;

use super::protocol::{Member, ServerEvent};
use crate::timeline::model::TimelineEntry;
use crate::auth::model::User;
use crate::attachments::model::Attachment;
use crate::tickets::model::{LastMessage, Message, PersonRef};
use crate::notes::model::Note;
use crate::presence::model::StaffPresence;
use crate::unread::model::UnreadCount;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    Connecting,
    Live,
    Reconnecting,
    Offline,
    /// The server ended the session (signed out elsewhere, expired, deactivated): no reconnecting.
    SessionEnded,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PendingState {
    Sending,
    Failed(String),
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
    /// Bumped by every status or assignment change, so the page can reload the ticket.
    pub changes: RwSignal<u64>,
    /// Why the room cannot be followed (no access any more), if so.
    pub problem: RwSignal<Option<String>>,
    /// Staff: the ticket's internal notes by `note_seq`.
    pub notes: RwSignal<BTreeMap<i64, Note>>,
    /// The last note received in order (history or stream): where a staff rejoin resumes notes.
    note_seq: StoredValue<Option<i64>>,
    /// The last seq received in order from the server's stream (or history): where a rejoin
    /// resumes. Acks do not move it: an own message can be acknowledged before earlier entries
    /// of others have arrived.
    stream_seq: StoredValue<i64>,
}

impl Room {
    fn new(ticket_id: i64) -> Self {
        Self {
            ticket_id,
            entries: RwSignal::new(BTreeMap::new()),
            pending: RwSignal::new(Vec::new()),
            members: RwSignal::new(Vec::new()),
            typing: RwSignal::new(Vec::new()),
            changes: RwSignal::new(0),
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

    fn received(&self, seq: i64) {
        self.stream_seq.update_value(|last| *last = (*last).max(seq));
    }

    /// Notes loaded by the page (staff), oldest first and without gaps from the first.
    pub fn add_notes(&self, notes: Vec<Note>) {
        for note in notes {
            self.note_received(note);
        }
    }

    /// Keeps a note; its number moves the resume point only when nothing is missing before it.
    fn note_received(&self, note: Note) {
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

#[derive(Clone, Copy)]
pub struct ChatClient {
    pub connection: RwSignal<ConnectionState>,
    /// Bumped when a watched ticket (a list on screen) changes status or assignee.
    pub list_changes: RwSignal<u64>,
    /// Tickets opened since the inbox went on screen (newest last), while it is watched.
    pub new_tickets: RwSignal<Vec<i64>>,
    /// Bumped each time the server confirms it announces new tickets to this tab: a list loaded
    /// from then on misses none (one loaded between the page and the confirmation might).
    pub inbox_watched: RwSignal<u64>,
    /// The newest message of each watched ticket that arrived while its list is on screen.
    pub previews: RwSignal<HashMap<i64, LastMessage>>,
    /// Unread messages per ticket as last known (from a list, the navigation's summary, a read,
    /// then counted on as messages arrive).
    unread: RwSignal<HashMap<i64, UnreadCount>>,
    /// The person's open tickets, which the navigation's count covers (followed in the background).
    mine: RwSignal<Vec<i64>>,
    /// The newest seq this tab has reported read, per ticket.
    reported: StoredValue<HashMap<i64, i64>>,
    /// Agents' and admins' presence as the socket reports it (staff: the whole team; customers:
    /// the agents of their open tickets).
    staff: RwSignal<HashMap<i64, StaffPresence>>,
    watched: StoredValue<Vec<i64>>,
    watching_inbox: StoredValue<bool>,
    me: StoredValue<User>,
    rooms: StoredValue<HashMap<i64, Room>>,
    /// Where rooms are made: they live as long as the client, not as the view that opened them
    /// (the server renders a suspended view again, and its first rendering is disposed of).
    owner: StoredValue<Owner>,
    #[cfg(feature = "hydrate")]
    socket: StoredValue<Option<browser::Live>, LocalStorage>,
    #[cfg(feature = "hydrate")]
    attempts: StoredValue<u32>,
    /// The app frame is gone: nothing connects any more.
    #[cfg(feature = "hydrate")]
    stopped: StoredValue<bool>,
    /// The page's language, for texts set from socket callbacks (outside the component tree).
    #[cfg(feature = "hydrate")]
    lang: crate::i18n::Lang,
    /// This tab has told the server it is idle (staff tabs watch their own use).
    #[cfg(feature = "hydrate")]
    idle: StoredValue<bool>,
    /// When this tab was last used (a key, a click, a scroll), in milliseconds since the epoch.
    #[cfg(feature = "hydrate")]
    last_used: StoredValue<f64>,
}

impl ChatClient {
    /// Created once per tab by the app frame; connects in the browser.
    pub fn new(me: User) -> Self {
        let client = Self {
            connection: RwSignal::new(ConnectionState::Connecting),
            list_changes: RwSignal::new(0),
            new_tickets: RwSignal::new(Vec::new()),
            inbox_watched: RwSignal::new(0),
            previews: RwSignal::new(HashMap::new()),
            unread: RwSignal::new(HashMap::new()),
            mine: RwSignal::new(Vec::new()),
            reported: StoredValue::new(HashMap::new()),
            staff: RwSignal::new(HashMap::new()),
            watched: StoredValue::new(Vec::new()),
            watching_inbox: StoredValue::new(false),
            me: StoredValue::new(me),
            rooms: StoredValue::new(HashMap::new()),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
            #[cfg(feature = "hydrate")]
            socket: StoredValue::new_local(None),
            #[cfg(feature = "hydrate")]
            attempts: StoredValue::new(0),
            #[cfg(feature = "hydrate")]
            stopped: StoredValue::new(false),
            #[cfg(feature = "hydrate")]
            lang: crate::i18n::lang(),
            #[cfg(feature = "hydrate")]
            idle: StoredValue::new(false),
            #[cfg(feature = "hydrate")]
            last_used: StoredValue::new(js_sys::Date::now()),
        };
        #[cfg(feature = "hydrate")]
        browser::start(client);
        client
    }

    /// The room of a ticket, seeded with its history (and, for staff, its notes); joined (or
    /// rejoined) on the socket from there.
    pub fn open_room(&self, ticket_id: i64, history: Vec<TimelineEntry>, notes: Vec<Note>) -> Room {
        let room = self.rooms.with_value(|rooms| rooms.get(&ticket_id).copied()).unwrap_or_else(|| {
            let room = self.owner.with_value(|owner| owner.with(|| Room::new(ticket_id)));
            self.rooms.update_value(|rooms| {
                rooms.insert(ticket_id, room);
            });
            room
        });
        room.add_history(history);
        room.add_notes(notes);
        #[cfg(feature = "hydrate")]
        self.join(room);
        room
    }

    pub fn close_room(&self, ticket_id: i64) {
        self.rooms.update_value(|rooms| {
            rooms.remove(&ticket_id);
        });
        #[cfg(feature = "hydrate")]
        self.send_event(&super::protocol::ClientEvent::Leave { ticket_id });
    }

    /// Shows the message at once as "sending"; it is sent now, or when the socket is back.
    pub fn send(&self, room: Room, content: String, attachments: Vec<Attachment>) {
        let client_id = new_client_id();
        room.pending.update(|pending| pending.push(Pending { client_id: client_id.clone(), content, attachments, state: PendingState::Sending }));
        #[cfg(feature = "hydrate")]
        self.transmit(room, &client_id);
    }

    /// Sends a failed message again, with the same `client_id` (the server stores it at most once).
    pub fn retry(&self, room: Room, client_id: String) {
        room.pending.update(|pending| {
            if let Some(p) = pending.iter_mut().find(|p| p.client_id == client_id) {
                p.state = PendingState::Sending;
            }
        });
        #[cfg(feature = "hydrate")]
        self.transmit(room, &client_id);
    }

    /// Follows the messages, status and assignment changes of the tickets a list shows.
    pub fn watch(&self, ticket_ids: Vec<i64>) {
        if self.previews.with_untracked(|previews| previews.keys().any(|id| !ticket_ids.contains(id))) {
            self.previews.update(|previews| previews.retain(|id, _| ticket_ids.contains(id)));
        }
        self.watched.set_value(ticket_ids);
        #[cfg(feature = "hydrate")]
        self.send_event(&super::protocol::ClientEvent::Watch { ticket_ids: self.followed() });
    }

    /// Agents' and admins' inbox: hear of every new ticket while it is on screen.
    pub fn watch_inbox(&self, on: bool) {
        self.watching_inbox.set_value(on);
        if !on {
            self.new_tickets.set(Vec::new());
        }
        #[cfg(feature = "hydrate")]
        self.send_event(&super::protocol::ClientEvent::WatchInbox { on });
    }

    pub fn set_typing(&self, _ticket_id: i64, _typing: bool) {
        #[cfg(feature = "hydrate")]
        {
            use super::protocol::ClientEvent;
            let ticket_id = _ticket_id;
            let event = if _typing { ClientEvent::TypingStart { ticket_id } } else { ClientEvent::TypingStop { ticket_id } };
            self.send_event(&event);
        }
    }

    /// What the socket follows: the lists' tickets and, in the background, the person's own.
    #[cfg(feature = "hydrate")]
    fn followed(&self) -> Vec<i64> {
        let mut ids = self.watched.get_value();
        self.mine.with_untracked(|mine| {
            for id in mine {
                if ids.len() < super::protocol::WATCH_MAX && !ids.contains(id) {
                    ids.push(*id);
                }
            }
        });
        ids
    }

    /// What others wrote in a ticket that this person has not read, if known.
    pub fn unread_of(&self, ticket_id: i64) -> Option<i64> {
        self.unread.with(|unread| unread.get(&ticket_id).map(|u| u.count))
    }

    /// The navigation's count: unread in the person's open tickets. Zero once this client is
    /// gone: on the server the page title's formatter outlives the frame that made it (leptos_meta
    /// keeps it for the `<head>`, written after the body), and a panic there hung the response.
    pub fn unread_total(&self) -> i64 {
        self.mine
            .try_with(|mine| self.unread.try_with(|unread| mine.iter().filter_map(|id| unread.get(id)).map(|u| u.count).sum()))
            .flatten()
            .unwrap_or(0)
    }

    /// A count read from the server (a list, the summary, a read), unless a newer one is known.
    pub fn seed_unread(&self, ticket_id: i64, count: i64, as_of_seq: i64) {
        let known = self.unread.with_untracked(|unread| unread.get(&ticket_id).copied());
        if known.is_none_or(|known| known.as_of_seq < as_of_seq || (known.as_of_seq == as_of_seq && count < known.count)) {
            self.unread.update(|unread| {
                unread.insert(ticket_id, UnreadCount { count, as_of_seq });
            });
        }
    }

    /// Counts a live message: one more unread if someone else wrote it.
    fn count_arrival(&self, message: &Message) {
        let mine = message.sender.id == self.me.with_value(|me| me.id);
        let known = self.unread.with_untracked(|unread| unread.get(&message.ticket_id).copied());
        if let Some(known) = known.filter(|known| known.as_of_seq < message.seq) {
            let count = if mine { known.count } else { (known.count + 1).min(crate::unread::model::UNREAD_CAP) };
            self.unread.update(|unread| {
                unread.insert(message.ticket_id, UnreadCount { count, as_of_seq: message.seq });
            });
        }
    }

    /// The person read a ticket up to `seq` (here or in another tab).
    fn read_up_to(&self, ticket_id: i64, seq: i64) {
        let known = self.unread.with_untracked(|unread| unread.get(&ticket_id).copied());
        if known.is_none_or(|known| known.as_of_seq <= seq) {
            self.unread.update(|unread| {
                unread.insert(ticket_id, UnreadCount { count: 0, as_of_seq: seq });
            });
        } else {
            // Read up to a point before messages this tab has counted: how many of them are left
            // is the server's to say. Forget the count and reload what shows it.
            self.unread.update(|unread| {
                unread.remove(&ticket_id);
            });
            self.ticket_changed(ticket_id);
        }
    }

    /// The thread of `ticket_id` is on screen up to `seq`: tell the server once per new seq.
    pub fn mark_read(&self, ticket_id: i64, seq: i64) {
        if self.reported.with_value(|reported| reported.get(&ticket_id).is_some_and(|done| *done >= seq)) {
            return;
        }
        self.reported.update_value(|reported| {
            reported.insert(ticket_id, seq);
        });
        self.read_up_to(ticket_id, seq);
        #[cfg(feature = "hydrate")]
        {
            let client = *self;
            leptos::task::spawn_local(async move {
                if let Ok(state) = crate::unread::api::mark_read(ticket_id, seq).await {
                    client.seed_unread(ticket_id, state.unread, state.last_seq);
                }
            });
        }
    }

    /// Loads the navigation's counts and follows the person's tickets (after every connect).
    #[cfg(feature = "hydrate")]
    fn load_unread(&self) {
        let client = *self;
        leptos::task::spawn_local(async move {
            let Ok(summary) = crate::unread::api::unread_counts().await else { return };
            for ticket in &summary.tickets {
                client.seed_unread(ticket.ticket_id, ticket.unread, ticket.last_seq);
            }
            let ids: Vec<i64> = summary.tickets.iter().map(|t| t.ticket_id).collect();
            if client.mine.with_untracked(|mine| *mine != ids) {
                client.mine.set(ids);
                client.send_event(&super::protocol::ClientEvent::Watch { ticket_ids: client.followed() });
            }
        });
    }

    /// A ticket changed: lists showing it and its page (if open) reload it.
    fn ticket_changed(&self, ticket_id: i64) {
        // It may have become (or stopped being) one of the person's own.
        #[cfg(feature = "hydrate")]
        self.load_unread();
        if self.watched.with_value(|ids| ids.contains(&ticket_id)) {
            self.list_changes.update(|n| *n += 1);
        }
        if let Some(room) = self.room(ticket_id) {
            room.changes.update(|n| *n += 1);
        }
    }

    /// Everyone's presence the socket has reported (tracked: a view follows each report).
    pub fn known_presence(&self) -> HashMap<i64, StaffPresence> {
        self.staff.get()
    }

    /// An agent's or admin's presence, if the socket has reported it.
    pub fn presence_of(&self, user_id: i64) -> Option<StaffPresence> {
        self.staff.with(|staff| staff.get(&user_id).cloned())
    }

    fn room(&self, ticket_id: i64) -> Option<Room> {
        self.rooms.with_value(|rooms| rooms.get(&ticket_id).copied())
    }

    /// Applies one server event to the rooms.
    pub fn apply(&self, event: ServerEvent) {
        match event {
            ServerEvent::Joined { ticket_id, members, .. } => {
                if let Some(room) = self.room(ticket_id) {
                    room.members.set(members);
                    room.problem.set(None);
                }
            }
            ServerEvent::MessageNew(message) => {
                self.count_arrival(&message);
                if self.watched.with_value(|ids| ids.contains(&message.ticket_id)) {
                    self.previews.update(|previews| {
                        previews.insert(message.ticket_id, LastMessage::of(&message));
                    });
                }
                if let Some(room) = self.room(message.ticket_id) {
                    if let Some(client_id) = &message.client_id {
                        room.pending.update(|pending| pending.retain(|p| &p.client_id != client_id));
                    }
                    room.typing.update(|typing| typing.retain(|m| m.user_id != message.sender.id));
                    room.received(message.seq);
                    room.entries.update(|entries| {
                        entries.insert(message.seq, TimelineEntry::Message(message));
                    });
                }
            }
            ServerEvent::MessageAck { ticket_id, client_id, id, seq, created_at } => {
                let Some(room) = self.room(ticket_id) else { return };
                let mut acknowledged = None;
                room.pending.update(|pending| {
                    if let Some(index) = pending.iter().position(|p| p.client_id == client_id) {
                        acknowledged = Some(pending.remove(index));
                    }
                });
                if let Some(pending) = acknowledged {
                    let me = self.me.get_value();
                    let message = Message {
                        id,
                        ticket_id,
                        seq,
                        client_id: Some(client_id),
                        sender: PersonRef { id: me.id, display_name: me.display_name, email: me.email },
                        sender_role: me.role,
                        content: pending.content,
                        created_at,
                        attachments: pending.attachments,
                    };
                    room.entries.update(|entries| {
                        entries.entry(seq).or_insert(TimelineEntry::Message(message));
                    });
                }
            }
            ServerEvent::StatusUpdated(change) | ServerEvent::Assigned(change) => {
                let ticket_id = change.ticket_id;
                if let Some(room) = self.room(ticket_id) {
                    room.received(change.seq);
                    room.entries.update(|entries| {
                        entries.insert(change.seq, TimelineEntry::Change(change));
                    });
                }
                self.ticket_changed(ticket_id);
            }
            ServerEvent::TicketUpdated { ticket_id } => self.ticket_changed(ticket_id),
            ServerEvent::TicketRead { ticket_id, last_read_seq } => self.read_up_to(ticket_id, last_read_seq),
            ServerEvent::NoteNew(note) => {
                if let Some(room) = self.room(note.ticket_id) {
                    room.note_received(note);
                }
            }
            ServerEvent::StaffPresence(presence) => self.staff.update(|staff| {
                staff.insert(presence.user_id, presence);
            }),
            ServerEvent::InboxWatching { on: true } => self.inbox_watched.update(|n| *n += 1),
            ServerEvent::InboxWatching { on: false } => {}
            ServerEvent::TicketCreated { ticket_id } => {
                if self.watching_inbox.get_value() {
                    self.new_tickets.update(|ids| ids.push(ticket_id));
                }
            }
            ServerEvent::UserJoined { ticket_id, user } => {
                if let Some(room) = self.room(ticket_id) {
                    room.members.update(|members| {
                        if !members.contains(&user) {
                            members.push(user);
                        }
                    });
                }
            }
            ServerEvent::UserLeft { ticket_id, user } => {
                if let Some(room) = self.room(ticket_id) {
                    room.members.update(|members| members.retain(|m| m.user_id != user.user_id));
                    room.typing.update(|typing| typing.retain(|m| m.user_id != user.user_id));
                }
            }
            ServerEvent::Typing { ticket_id, user, typing } => {
                if let Some(room) = self.room(ticket_id) {
                    room.typing.update(|list| {
                        list.retain(|m| m.user_id != user.user_id);
                        if typing {
                            list.push(user);
                        }
                    });
                }
            }
            ServerEvent::Error(error) => {
                let Some(room) = error.ticket_id.and_then(|id| self.room(id)) else { return };
                match error.client_id {
                    Some(client_id) => room.pending.update(|pending| {
                        if let Some(p) = pending.iter_mut().find(|p| p.client_id == client_id) {
                            p.state = PendingState::Failed(error.message);
                        }
                    }),
                    None if matches!(error.code.as_str(), "not_found" | "access_lost") => room.problem.set(Some(error.message)),
                    None => {}
                }
            }
        }
    }
}

pub(crate) fn new_client_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        let random = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
        format!("{:x}-{:x}", js_sys::Date::now() as u64, random)
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The socket itself (gloo-net's futures WebSocket, one task per connection): connect,
    //! reconnect with backoff and jitter, rejoin, resend; stop for good when the session ends or
    //! the app frame goes away.

    use std::time::Duration;

    use futures_channel::mpsc;
    use futures_util::future::{Either, select};
    use futures_util::{SinkExt, StreamExt};
    use gloo_net::websocket::futures::WebSocket;
    use gloo_net::websocket::{Message, State, WebSocketError};
    use leptos::prelude::*;
    use leptos::prelude::{IntervalHandle, WindowListenerHandle};

    use super::{ChatClient, ConnectionState, PendingState, Room};
    use crate::chat::protocol::{ClientEvent, ServerEvent};

    /// The current connection: frames queued here go out in order once it is open.
    pub struct Live {
        outgoing: mpsc::UnboundedSender<String>,
        id: u64,
    }

    /// Why a connection ended.
    enum Ended {
        /// The server ended the session (logout, expiry, deactivation): do not come back.
        SessionEnded,
        /// The client let go of it (offline, the app frame unmounted).
        Dropped,
        /// Anything else: reconnect.
        Lost,
    }

    pub fn start(client: ChatClient) {
        // Once the page's islands have hydrated: they hydrate what the server rendered, so
        // nothing the socket says may change it before.
        crate::ui::ready::when_page_ready(move || connect(client));
        let online = window_event_listener(leptos::ev::online, move |_| {
            if client.connection.get_untracked() == ConnectionState::Offline {
                connect(client);
            }
        });
        let offline = window_event_listener(leptos::ev::offline, move |_| {
            if client.connection.get_untracked() != ConnectionState::SessionEnded {
                client.connection.set(ConnectionState::Offline);
                client.socket.set_value(None);
            }
        });
        // A page being left (or put in the back-forward cache) does not reconnect meanwhile.
        let hidden = window_event_listener(leptos::ev::pagehide, move |_| client.stop());
        let shown = window_event_listener(leptos::ev::pageshow, move |event| {
            if event.persisted() && client.stopped.get_value() {
                client.stopped.set_value(false);
                connect(client);
            }
        });
        let idle_watch = client.me.with_value(|me| me.role.is_staff()).then(|| watch_use(client));
        // Signing out or leaving the app area unmounts the frame: no listener, timer or socket
        // outlives it.
        on_cleanup(move || {
            for listener in [online, offline, hidden, shown] {
                listener.remove();
            }
            if let Some((listeners, timer)) = idle_watch {
                listeners.into_iter().for_each(|listener| listener.remove());
                timer.inspect(|timer| timer.clear());
            }
            client.stop();
        });
    }

    /// A staff tab not used for `IDLE_AFTER_SECONDS` tells the server it is idle (a person whose
    /// every tab is idle shows as away), and that it is in use again at the next key or click.
    fn watch_use(client: ChatClient) -> (Vec<WindowListenerHandle>, Option<IntervalHandle>) {
        let used = move || {
            client.last_used.set_value(js_sys::Date::now());
            if client.idle.get_value() {
                client.idle.set_value(false);
                client.send_event(&ClientEvent::Idle { idle: false });
            }
        };
        let listeners = vec![
            window_event_listener(leptos::ev::keydown, move |_| used()),
            window_event_listener(leptos::ev::pointerdown, move |_| used()),
            window_event_listener(leptos::ev::wheel, move |_| used()),
            window_event_listener(leptos::ev::focus, move |_| used()),
        ];
        let limit = crate::presence::model::IDLE_AFTER_SECONDS as f64 * 1000.0;
        let timer = set_interval_with_handle(
            move || {
                if !client.idle.get_value() && js_sys::Date::now() - client.last_used.get_value() >= limit {
                    client.idle.set_value(true);
                    client.send_event(&ClientEvent::Idle { idle: true });
                }
            },
            Duration::from_secs(15),
        )
        .ok();
        (listeners, timer)
    }

    fn connect(client: ChatClient) {
        if client.stopped.get_value() || client.connection.get_untracked() == ConnectionState::SessionEnded {
            return;
        }
        let location = window().location();
        let scheme = if location.protocol().unwrap_or_default() == "https:" { "wss" } else { "ws" };
        let url = format!("{scheme}://{}/ws", location.host().unwrap_or_default());
        let Ok(socket) = WebSocket::open(&url) else {
            schedule_reconnect(client);
            return;
        };
        if client.connection.get_untracked() != ConnectionState::Offline {
            client.connection.set(ConnectionState::Connecting);
        }
        let id = client.attempts.get_value() as u64 ^ (js_sys::Math::random() * 1e15) as u64;
        let (outgoing, queue) = mpsc::unbounded();
        client.socket.set_value(Some(Live { outgoing, id }));
        // Queued now, sent as soon as the socket opens: what to follow, and every room from
        // where it left off, with the messages still waiting for their ack.
        client.send_event(&ClientEvent::Watch { ticket_ids: client.followed() });
        client.load_unread();
        if client.watching_inbox.get_value() {
            client.send_event(&ClientEvent::WatchInbox { on: true });
        }
        // A new connection counts as in use until told otherwise.
        if client.idle.get_value() {
            client.send_event(&ClientEvent::Idle { idle: true });
        }
        let rooms: Vec<Room> = client.rooms.with_value(|rooms| rooms.values().copied().collect());
        for room in rooms {
            client.join(room);
            let waiting: Vec<String> = room.pending.with_untracked(|pending| {
                pending.iter().filter(|p| p.state == PendingState::Sending).map(|p| p.client_id.clone()).collect()
            });
            for client_id in waiting {
                client.transmit(room, &client_id);
            }
        }
        leptos::task::spawn_local(async move {
            let ended = run(client, socket, queue).await;
            // Only the current connection's end matters (an old one may end late).
            let current = client.socket.try_with_value(|live| live.as_ref().is_some_and(|l| l.id == id)).unwrap_or(false);
            if client.stopped.try_get_value().unwrap_or(true) {
                return;
            }
            match ended {
                Ended::SessionEnded => {
                    client.socket.set_value(None);
                    client.connection.set(ConnectionState::SessionEnded);
                    client.session_ended();
                }
                Ended::Lost if current => {
                    client.socket.set_value(None);
                    let online = window().navigator().on_line();
                    client.connection.set(if online { ConnectionState::Reconnecting } else { ConnectionState::Offline });
                    if online {
                        schedule_reconnect(client);
                    }
                }
                Ended::Lost | Ended::Dropped => {}
            }
        });
    }

    /// Serves one connection until it ends: queued frames out, server events in.
    async fn run(client: ChatClient, mut socket: WebSocket, mut queue: mpsc::UnboundedReceiver<String>) -> Ended {
        // The sink is ready once the socket is open, or has failed to open.
        let _ = std::future::poll_fn(|cx| SinkExt::<Message>::poll_ready_unpin(&mut socket, cx)).await;
        if !matches!(socket.state(), State::Open) {
            return Ended::Lost;
        }
        client.connection.set(ConnectionState::Live);
        client.attempts.set_value(0);
        loop {
            // The other side's unfinished future borrows the socket: let it go before acting.
            let step = match select(queue.next(), socket.next()).await {
                Either::Left((outgoing, _)) => Either::Left(outgoing),
                Either::Right((incoming, _)) => Either::Right(incoming),
            };
            match step {
                Either::Left(Some(text)) => {
                    // A closing socket takes nothing more (the browser would only log an error).
                    if !matches!(socket.state(), State::Open) || socket.send(Message::Text(text)).await.is_err() {
                        return Ended::Lost;
                    }
                }
                // The client dropped this connection; closing the socket is part of dropping it.
                Either::Left(None) => {
                    let _ = socket.close(Some(1000), None);
                    return Ended::Dropped;
                }
                Either::Right(Some(Ok(Message::Text(text)))) => {
                    if let Ok(event) = serde_json::from_str::<ServerEvent>(&text) {
                        client.apply(event);
                    }
                }
                Either::Right(Some(Ok(Message::Bytes(_)))) => {}
                Either::Right(Some(Err(WebSocketError::ConnectionClose(close)))) if close.code == 1008 => return Ended::SessionEnded,
                Either::Right(Some(Err(_)) | None) => return Ended::Lost,
            }
        }
    }

    /// Exponential backoff (0.5 s doubling to 15 s) with jitter, so that clients of a restarted
    /// node do not all return at the same instant.
    fn schedule_reconnect(client: ChatClient) {
        let attempt = client.attempts.get_value();
        client.attempts.set_value(attempt + 1);
        let ceiling = (500.0 * 2f64.powi(attempt.min(5) as i32)).min(15_000.0);
        let delay = ceiling * (0.5 + js_sys::Math::random() / 2.0);
        set_timeout(
            move || {
                if client.connection.try_get_untracked() == Some(ConnectionState::Reconnecting) {
                    connect(client);
                }
            },
            Duration::from_millis(delay as u64),
        );
    }

    impl ChatClient {
        pub(super) fn send_event(&self, event: &ClientEvent) {
            let text = serde_json::to_string(event).unwrap_or_default();
            self.socket.with_value(|live| {
                if let Some(live) = live {
                    let _ = live.outgoing.unbounded_send(text);
                }
            });
        }

        pub(super) fn join(&self, room: Room) {
            let after_note_seq = room.note_seq.get_value();
            self.send_event(&ClientEvent::Join { ticket_id: room.ticket_id, after_seq: Some(room.last_seq()), after_note_seq });
        }

        pub(super) fn transmit(&self, room: Room, client_id: &str) {
            let found = room.pending.with_untracked(|pending| {
                pending.iter().find(|p| p.client_id == client_id).map(|p| (p.content.clone(), p.attachments.iter().map(|a| a.id).collect()))
            });
            if let Some((content, attachment_ids)) = found {
                // Without a socket it stays "sending" and goes out when one is open again.
                self.send_event(&ClientEvent::Send { ticket_id: room.ticket_id, client_id: client_id.to_owned(), content, attachment_ids });
            }
        }

        /// No socket and no reconnecting until `connect` is called again.
        fn stop(&self) {
            let _ = self.stopped.try_set_value(true);
            self.socket.try_update_value(|live| *live = None);
        }

        /// Nobody is here any more as far as this tab knows, and nothing waiting will be sent.
        fn session_ended(&self) {
            let rooms: Vec<Room> = self.rooms.with_value(|rooms| rooms.values().copied().collect());
            let reason = self.lang.texts().chat.session_ended_unsent;
            for room in rooms {
                room.members.set(Vec::new());
                room.typing.set(Vec::new());
                room.pending.update(|pending| {
                    for p in pending.iter_mut().filter(|p| p.state == PendingState::Sending) {
                        p.state = PendingState::Failed(reason.into());
                    }
                });
            }
        }
    }
}
