//! The tab's live client: one reconnecting socket per tab (`socket`), made once by the app
//! frame, feeding the reactive state the views read: each open ticket's room (`room`), lists'
//! changes and previews, unread counts, staff presence. Own messages show at once as "sending"
//! and are confirmed by their ack. On the server (SSR) it only holds the history it was given.

mod following;
pub mod room;
#[cfg(feature = "hydrate")]
mod socket;

use std::collections::HashMap;

use leptos::prelude::*;

use crate::domain::account::User;
use crate::domain::attachment::Attachment;
use crate::domain::live::{ServerEvent, TicketNews};
use crate::domain::note::Note;
use crate::domain::presence::StaffPresence;
use crate::domain::ticket::{LastMessage, Message, PersonRef, QueueCounts, QueuePlace, TicketEvent};
use crate::domain::timeline::TimelineEntry;
use crate::domain::unread::UnreadCount;

pub use following::ViewId;
use following::Following;
use room::{ConnectionState, Pending, PendingState, Room};

#[derive(Clone, Copy)]
pub struct LiveClient {
    pub connection: RwSignal<ConnectionState>,
    /// Bumped when the lists on screen must load again: what the socket said is not enough to
    /// bring them up to date (a read in another tab before messages this tab counted).
    pub list_changes: RwSignal<u64>,
    /// The tickets on screen (lists' rows, open tickets, new ones in the inbox) as the socket last
    /// reported them (`ticket:updated`, `ticket:created`): views show these over what they loaded.
    tickets: RwSignal<HashMap<i64, TicketNews>>,
    /// Every move between the inbox's queues this tab heard while watching the inbox (tickets
    /// opened, `inbox:moved`), as running totals: the tabs show a load of their counts plus what
    /// moved since it.
    pub queue_moves: RwSignal<QueueCounts>,
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
    /// What the views on screen follow: lists' tickets, new tickets, rooms.
    following: StoredValue<Following>,
    me: StoredValue<User>,
    /// Where rooms are made: they live as long as the client, not as the view that opened them
    /// (the server renders a suspended view again, and its first rendering is disposed of).
    owner: StoredValue<Owner>,
    #[cfg(feature = "hydrate")]
    socket: StoredValue<Option<socket::Live>, LocalStorage>,
    #[cfg(feature = "hydrate")]
    attempts: StoredValue<u32>,
    /// The app frame is gone: nothing connects any more.
    #[cfg(feature = "hydrate")]
    stopped: StoredValue<bool>,
    /// This tab has told the server it is idle (staff tabs watch their own use).
    #[cfg(feature = "hydrate")]
    idle: StoredValue<bool>,
    /// When this tab was last used (a key, a click, a scroll), in milliseconds since the epoch.
    #[cfg(feature = "hydrate")]
    last_used: StoredValue<f64>,
}

impl LiveClient {
    /// Created once per tab by the app frame; connects in the browser.
    pub fn new(me: User) -> Self {
        let client = Self {
            connection: RwSignal::new(ConnectionState::Connecting),
            list_changes: RwSignal::new(0),
            tickets: RwSignal::new(HashMap::new()),
            queue_moves: RwSignal::new(QueueCounts::default()),
            new_tickets: RwSignal::new(Vec::new()),
            inbox_watched: RwSignal::new(0),
            previews: RwSignal::new(HashMap::new()),
            unread: RwSignal::new(HashMap::new()),
            mine: RwSignal::new(Vec::new()),
            reported: StoredValue::new(HashMap::new()),
            staff: RwSignal::new(HashMap::new()),
            following: StoredValue::new(Following::default()),
            me: StoredValue::new(me),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
            #[cfg(feature = "hydrate")]
            socket: StoredValue::new_local(None),
            #[cfg(feature = "hydrate")]
            attempts: StoredValue::new(0),
            #[cfg(feature = "hydrate")]
            stopped: StoredValue::new(false),
            #[cfg(feature = "hydrate")]
            #[cfg(feature = "hydrate")]
            idle: StoredValue::new(false),
            #[cfg(feature = "hydrate")]
            last_used: StoredValue::new(js_sys::Date::now()),
        };
        #[cfg(feature = "hydrate")]
        socket::start(client);
        client
    }

    /// The room of a ticket for a view that shows it, seeded with its history (and, for staff,
    /// its notes); joined on the socket (or rejoined, after a reconnect) while a view shows it.
    /// Each call is released by one [`close_room`](Self::close_room) when the view goes.
    pub fn open_room(&self, ticket_id: i64, history: Vec<TimelineEntry>, notes: Vec<Note>) -> Room {
        let room = self.room(ticket_id).unwrap_or_else(|| self.owner.with_value(|owner| owner.with(|| Room::new(ticket_id))));
        let first = self.following.try_update_value(|following| following.hold_room(ticket_id, room)).unwrap_or(true);
        room.add_history(history);
        room.add_notes(notes);
        #[cfg(feature = "hydrate")]
        if first {
            self.join(room);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = first;
        room
    }

    /// A view showing the room went; the last one leaves it. Its signals stay (a view being taken
    /// down may still read them) but let go of what they hold.
    pub fn close_room(&self, ticket_id: i64) {
        let Some(room) = self.following.try_update_value(|following| following.release_room(ticket_id)).flatten() else { return };
        room.entries.try_update(|entries| entries.clear());
        room.notes.try_update(|notes| notes.clear());
        // Unfollowed, its report would go stale: a later view of it starts from what it loads.
        if !self.on_screen(ticket_id) {
            self.tickets.try_update(|tickets| tickets.remove(&ticket_id));
        }
        #[cfg(feature = "hydrate")]
        self.send_event(&crate::domain::live::ClientEvent::Leave { ticket_id });
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

    /// A new view that will follow tickets ([`watch`](Self::watch)) until [`unwatch`](Self::unwatch).
    pub fn new_view(&self) -> ViewId {
        self.following.try_update_value(Following::new_view).unwrap_or_default()
    }

    /// Follows the messages, status and assignment changes of the tickets `view` (a list) shows.
    pub fn watch(&self, view: ViewId, ticket_ids: Vec<i64>) {
        self.following.update_value(|following| following.set_list(view, ticket_ids));
        self.watch_changed();
    }

    /// Agents' and admins' inbox: hear of every new ticket while `view` is on screen.
    pub fn watch_inbox(&self, view: ViewId) {
        if self.following.try_update_value(|following| following.watch_inbox(view)).unwrap_or(false) {
            #[cfg(feature = "hydrate")]
            self.send_event(&crate::domain::live::ClientEvent::WatchInbox { on: true });
        }
    }

    /// `view` is gone: what only it followed is no longer followed.
    pub fn unwatch(&self, view: ViewId) {
        let Some(inbox_gone) = self.following.try_update_value(|following| following.drop_view(view)) else { return };
        if inbox_gone {
            self.new_tickets.set(Vec::new());
            #[cfg(feature = "hydrate")]
            self.send_event(&crate::domain::live::ClientEvent::WatchInbox { on: false });
        }
        self.watch_changed();
    }

    /// The lists' tickets changed: previews and reports of tickets no longer on screen go; the
    /// socket follows the rest.
    fn watch_changed(&self) {
        let listed = self.following.with_value(Following::listed);
        if self.previews.with_untracked(|previews| previews.keys().any(|id| !listed.contains(id))) {
            self.previews.update(|previews| previews.retain(|id, _| listed.contains(id)));
        }
        if self.tickets.with_untracked(|tickets| tickets.keys().any(|id| !self.on_screen(*id))) {
            self.tickets.update(|tickets| tickets.retain(|id, _| self.on_screen(*id)));
        }
        #[cfg(feature = "hydrate")]
        self.send_event(&crate::domain::live::ClientEvent::Watch { ticket_ids: self.followed() });
    }

    pub fn set_typing(&self, _ticket_id: i64, _typing: bool) {
        #[cfg(feature = "hydrate")]
        {
            use crate::domain::live::ClientEvent;
            let ticket_id = _ticket_id;
            let event = if _typing { ClientEvent::TypingStart { ticket_id } } else { ClientEvent::TypingStop { ticket_id } };
            self.send_event(&event);
        }
    }

    /// What the socket follows: the lists' tickets and, in the background, the person's own.
    #[cfg(feature = "hydrate")]
    fn followed(&self) -> Vec<i64> {
        let mut ids = self.following.with_value(Following::listed);
        self.mine.with_untracked(|mine| {
            for id in mine {
                if ids.len() < crate::domain::live::WATCH_MAX && !ids.contains(id) {
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
            let count = if mine { known.count } else { (known.count + 1).min(crate::domain::unread::UNREAD_CAP) };
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
            #[cfg(feature = "hydrate")]
            self.load_unread();
            if self.following.with_value(|following| following.is_listed(ticket_id)) {
                self.list_changes.update(|n| *n += 1);
            }
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
                if let Ok(state) = crate::unread::api::mark_read(ticket_id, seq).await
                    && client.alive()
                {
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
            if !client.alive() {
                return;
            }
            for ticket in &summary.tickets {
                client.seed_unread(ticket.ticket_id, ticket.unread, ticket.last_seq);
            }
            let ids: Vec<i64> = summary.tickets.iter().map(|t| t.ticket_id).collect();
            if client.mine.with_untracked(|mine| *mine != ids) {
                client.mine.set(ids);
                client.send_event(&crate::domain::live::ClientEvent::Watch { ticket_ids: client.followed() });
            }
        });
    }

    /// The ticket as the socket last reported it, if it did (tracked).
    pub fn reported(&self, ticket_id: i64) -> Option<TicketNews> {
        self.tickets.with(|tickets| tickets.get(&ticket_id).cloned())
    }

    /// Reads the tickets the socket reported (tracked).
    pub fn with_reported<R>(&self, read: impl FnOnce(&HashMap<i64, TicketNews>) -> R) -> R {
        self.tickets.with(read)
    }

    /// A ticket as it now stands (a change, or a new ticket in the inbox), kept while a view shows
    /// it: one followed only in the background (the navigation's count) would go stale unseen.
    fn report(&self, news: TicketNews) {
        if self.on_screen(news.ticket_id) {
            self.tickets.update(|tickets| {
                tickets.insert(news.ticket_id, news);
            });
        }
    }

    /// Whether a view shows the ticket: a list's row, an open ticket, a new one in the inbox.
    fn on_screen(&self, ticket_id: i64) -> bool {
        self.following.with_value(|following| following.is_listed(ticket_id))
            || self.room(ticket_id).is_some()
            || self.new_tickets.with_untracked(|ids| ids.contains(&ticket_id))
    }

    /// A ticket opened (`from` None) or moved between the inbox's queues, counted.
    fn count_move(&self, from: Option<QueuePlace>, to: QueuePlace) {
        let me = self.me.with_value(|me| me.id);
        self.queue_moves.update(|moves| moves.moved(from, to, me));
    }

    /// A status or assignment change: the ticket may have become (or stopped being) one of the
    /// tickets the navigation's count covers, which the server says.
    fn reconsider_own(&self, change: &TicketEvent) {
        let me = self.me.with_value(|me| (me.id, me.role.is_staff()));
        let concerns_me = !me.1 || change.from_agent_id == Some(me.0) || change.to_agent_id == Some(me.0);
        #[cfg(feature = "hydrate")]
        if concerns_me {
            self.load_unread();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = concerns_me;
    }

    /// Everyone's presence the socket has reported (tracked: a view follows each report).
    pub fn known_presence(&self) -> HashMap<i64, StaffPresence> {
        self.staff.get()
    }

    /// An agent's or admin's presence, if the socket has reported it.
    pub fn presence_of(&self, user_id: i64) -> Option<StaffPresence> {
        self.staff.with(|staff| staff.get(&user_id).cloned())
    }

    /// The room of a ticket a view has open.
    pub fn room(&self, ticket_id: i64) -> Option<Room> {
        self.following.with_value(|following| following.room(ticket_id))
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
                if self.following.with_value(|following| following.is_listed(message.ticket_id)) {
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
                self.reconsider_own(&change);
                if let Some(room) = self.room(ticket_id) {
                    room.received(change.seq);
                    room.entries.update(|entries| {
                        entries.insert(change.seq, TimelineEntry::Change(change));
                    });
                }
            }
            ServerEvent::TicketUpdated(news) => self.report(news),
            ServerEvent::TicketRead { ticket_id, last_read_seq } => self.read_up_to(ticket_id, last_read_seq),
            ServerEvent::NoteNew(note) => {
                if let Some(room) = self.room(note.ticket_id) {
                    room.note_received(note);
                }
            }
            ServerEvent::StaffPresence(presence) => self.staff.update(|staff| {
                staff.insert(presence.user_id, presence);
            }),
            ServerEvent::StaffTeam { people, reset } => self.staff.update(|staff| {
                if reset {
                    staff.clear();
                }
                staff.extend(people.into_iter().map(|presence| (presence.user_id, presence)));
            }),
            ServerEvent::InboxWatching { on: true } => self.inbox_watched.update(|n| *n += 1),
            ServerEvent::InboxWatching { on: false } => {}
            ServerEvent::TicketCreated(news) => {
                if self.following.with_value(Following::inbox_watched) {
                    // The list that shows it seeds its unread count (every message so far).
                    self.new_tickets.update_untracked(|ids| ids.push(news.ticket_id));
                    self.report(news);
                    self.new_tickets.notify();
                    self.count_move(None, QueueCounts::OPENED);
                }
            }
            ServerEvent::InboxMoved(change) => {
                if self.following.with_value(Following::inbox_watched) {
                    self.count_move(Some((change.from_status, change.from_agent_id)), (change.to_status, change.to_agent_id));
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
                            p.state = PendingState::Failed(error.problem);
                        }
                    }),
                    None if matches!(error.code.as_str(), "not_found" | "access_lost") => room.problem.set(Some(error.problem)),
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

