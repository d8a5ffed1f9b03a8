//! This node's end of the live path: the registry of its sockets and the fan-out to them. Notices
//! from every node (`super::outbox`: committed timeline entries already encoded as frames,
//! presence and typing, account changes and reads, new and updated tickets, staff status,
//! internal notes) arrive on one LISTEN connection. The listener drains
//! every pending notice and hands each item only to the sockets that want it, through an index of
//! rooms (ticket → member sockets) and a bounded queue per socket. A socket whose queue is full is
//! too slow: it is closed and its client resumes with `after_seq`.
//! The node's own life in the cluster (starting, heartbeat, reaping, session checks) is `super::node`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgNotification};
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;

use super::outbox::timeline::{Delivery, Slot};
use super::outbox::{self, Audience, Notice, RoomSignal, RoomSignalKind};
use crate::domain::account::Role;
use crate::domain::live::{STAFF_PER_FRAME, ServerEvent, TicketNews};
use crate::domain::presence::StaffPresence;
use crate::domain::ticket::{Message, QueueMove, Ticket};
use crate::error::AppResult;

/// Items a socket may have waiting before it counts as too slow and is closed.
const SOCKET_QUEUE: usize = 1024;

/// A presence or typing frame for a room, encoded once; not sent back to `user_id`'s own sockets.
#[derive(Debug)]
pub struct RoomFrame {
    pub ticket_id: i64,
    pub user_id: i64,
    pub frame: Utf8Bytes,
}

impl RoomFrame {
    fn new(signal: RoomSignal) -> Self {
        let (ticket_id, user_id, user) = (signal.ticket_id, signal.user.user_id, signal.user);
        let event = match signal.kind {
            RoomSignalKind::Joined => ServerEvent::UserJoined { ticket_id, user },
            RoomSignalKind::Left => ServerEvent::UserLeft { ticket_id, user },
            RoomSignalKind::TypingStarted => ServerEvent::Typing { ticket_id, user, typing: true },
            RoomSignalKind::TypingStopped => ServerEvent::Typing { ticket_id, user, typing: false },
        };
        Self { ticket_id, user_id, frame: serde_json::to_string(&event).unwrap_or_default().into() }
    }
}

/// What a socket task receives from its node.
#[derive(Debug)]
pub enum Outgoing {
    Entry(Arc<Delivery>),
    Room(Arc<RoomFrame>),
    /// The group commit's answer to one of this socket's sends (boxed: queue slots stay small).
    Sent(Box<SendAnswer>),
    /// The account's role or activity changed.
    RecheckRights,
    /// Notices may have been missed (the listener reconnected): catch up from the database.
    Resync,
    /// Logged out, expired or deactivated.
    SessionEnded,
    /// A ticket was opened (to sockets watching the inbox; staff only).
    TicketCreated(Arc<TicketFrames>),
    /// A ticket changed (to its room and watchers; each socket checks who may hear it).
    TicketUpdated(Arc<TicketFrames>),
    /// A ticket changed status or agent: `inbox:moved`, to sockets watching the inbox (staff only).
    Moved(Arc<Utf8Bytes>),
    /// The socket's person read a ticket up to this seq (in another tab, maybe on another node).
    /// Boxed, like `Sent`: every item takes the largest one's room in each socket's queue.
    Read(Box<ReadUpTo>),
    /// An agent's or admin's status changed (staff hear all; customers only their agents').
    Staff(Arc<StaffFrame>),
    /// An internal note of a room (the socket forwards it only to staff).
    Note(Arc<NoteDelivery>),
    /// Send where presence stands now (a new socket's first item).
    Presence,
    /// This node's presence rows were lost (its heartbeat row was reaped while the database was
    /// away): write the socket's connection and rooms again.
    Reregister,
}

#[derive(Debug)]
pub struct ReadUpTo {
    pub ticket_id: i64,
    pub seq: i64,
}

// Each socket's queue allocates room for 32 items at a time (tokio's block), 10,000 sockets over.
const _: () = assert!(std::mem::size_of::<Outgoing>() <= 16);

/// A committed note, encoded once.
#[derive(Debug)]
pub struct NoteDelivery {
    pub ticket_id: i64,
    pub note_seq: i64,
    pub frame: Utf8Bytes,
}

/// A ticket as it now stands, encoded once for staff and, when its customer hears of the change,
/// once for them (without what only staff see).
#[derive(Debug)]
pub struct TicketFrames {
    pub creator_id: i64,
    pub for_staff: Utf8Bytes,
    pub for_customer: Option<Utf8Bytes>,
}

impl TicketFrames {
    /// `ticket` as loaded for the live path: a new ticket keeps its count of unread messages
    /// (nobody has read it yet); a change carries none (each person's count travels on its own).
    fn new(mut ticket: Ticket, audience: Audience, created: bool) -> Self {
        if !created {
            ticket.unread = 0;
        }
        let frame = |ticket: Ticket| {
            let news = TicketNews::new(&ticket);
            let event = if created { ServerEvent::TicketCreated(news) } else { ServerEvent::TicketUpdated(news) };
            Utf8Bytes::from(serde_json::to_string(&event).unwrap_or_default())
        };
        let creator_id = ticket.creator.id;
        let for_customer = (audience == Audience::Everyone).then(|| frame(ticket.clone().as_seen_by(Role::User)));
        Self { creator_id, for_staff: frame(ticket), for_customer }
    }
}

/// Staff presence changes, encoded once: `staff:team` frames with all of them for staff, and a
/// `staff:presence` per person (without what only staff see) for the customers who hear that agent.
#[derive(Debug)]
pub struct StaffFrame {
    pub for_staff: Vec<Utf8Bytes>,
    pub for_customers: Vec<(i64, Utf8Bytes)>,
}

/// `people` as `staff:team` frames of at most `STAFF_PER_FRAME` each; with `reset`, the first
/// says to forget the presence known before (it is sent even for nobody).
pub fn team_frames(people: &[StaffPresence], reset: bool) -> Vec<Utf8Bytes> {
    let encode = |people: &[StaffPresence], reset: bool| {
        Utf8Bytes::from(serde_json::to_string(&ServerEvent::StaffTeam { people: people.to_vec(), reset }).unwrap_or_default())
    };
    if people.is_empty() {
        return if reset { vec![encode(&[], true)] } else { Vec::new() };
    }
    people.chunks(STAFF_PER_FRAME).enumerate().map(|(n, chunk)| encode(chunk, reset && n == 0)).collect()
}

impl StaffFrame {
    fn new(people: Vec<StaffPresence>) -> Self {
        let for_customers = people
            .iter()
            .map(|p| (p.user_id, Utf8Bytes::from(serde_json::to_string(&ServerEvent::StaffPresence(p.for_customers())).unwrap_or_default())))
            .collect();
        Self { for_staff: team_frames(&people, false), for_customers }
    }

    fn heard_by(&self, hears: &Hears) -> bool {
        self.for_customers.iter().any(|(user_id, _)| hears.about(*user_id))
    }
}

/// Staff presence changes are handed out at once, then at most once per window: a mass connect of
/// N staff (a node restart) makes a frame per socket per window instead of N² (each change to
/// each staff socket), which used to overflow sockets' queues.
const STAFF_WINDOW: Duration = Duration::from_millis(100);

/// Staff presence changes waiting for the window to end.
#[derive(Default)]
struct StaffBatch {
    /// The latest change of each person.
    waiting: HashMap<i64, StaffPresence>,
    /// Until when the last hand-out's window lasts.
    window_ends: Option<Instant>,
    /// A hand-out at `window_ends` is due.
    scheduled: bool,
}

/// What the group commit (`super::writer`) answers a send: the stored message, and whether this
/// send stored it (`false`: the client_id was already used for it, nothing new was stored).
pub type SendOutcome = AppResult<(Message, bool)>;

#[derive(Debug)]
pub struct SendAnswer {
    pub ticket_id: i64,
    pub client_id: String,
    pub outcome: SendOutcome,
}

pub type SocketId = u64;

/// A socket's mailbox: the queue, and the signal that it overflowed.
#[derive(Clone)]
pub struct Mailbox {
    queue: mpsc::Sender<Outgoing>,
    too_slow: Arc<Notify>,
    overflowed: Arc<AtomicBool>,
}

impl Mailbox {
    /// Queues without waiting; a full queue marks the socket as too slow.
    pub fn offer(&self, item: Outgoing) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.queue.try_send(item)
            && !self.overflowed.swap(true, Ordering::Relaxed)
        {
            self.too_slow.notify_one();
        }
    }
}

pub(super) struct SocketEntry {
    user_id: i64,
    pub(super) token_hash: Arc<[u8]>,
    pub(super) mailbox: Mailbox,
    /// Where this socket is listed in the indexes, to take it out again.
    rooms: Vec<i64>,
    watched: HashSet<i64>,
    hears: Hears,
}

/// Whose presence changes are handed to a socket: staff hear the whole team, a customer only the
/// agents of the rooms it has joined. (The socket checks again; this spares every other socket a
/// queue item and a wake-up for each change.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hears {
    Team,
    Agents(Vec<i64>),
}

impl Hears {
    /// Staff hear the team; anyone else the agents given (in any order, repeats allowed).
    pub fn of(staff: bool, agents: impl IntoIterator<Item = i64>) -> Self {
        if staff {
            return Hears::Team;
        }
        let mut agents: Vec<i64> = agents.into_iter().collect();
        agents.sort_unstable();
        agents.dedup();
        Hears::Agents(agents)
    }

    fn about(&self, user_id: i64) -> bool {
        match self {
            Hears::Team => true,
            Hears::Agents(agents) => agents.contains(&user_id),
        }
    }
}

#[derive(Default)]
pub(super) struct Registry {
    pub(super) sockets: HashMap<SocketId, SocketEntry>,
    /// Joined rooms: ticket → its sockets on this node.
    rooms: HashMap<i64, Vec<SocketId>>,
    /// Watched tickets (lists on screen): ticket → sockets.
    watchers: HashMap<i64, Vec<SocketId>>,
    /// Sockets of staff with the inbox on screen.
    inbox: HashSet<SocketId>,
}

fn remove_from(index: &mut HashMap<i64, Vec<SocketId>>, ticket_id: i64, socket: SocketId) {
    if let Some(sockets) = index.get_mut(&ticket_id) {
        sockets.retain(|s| *s != socket);
        if sockets.is_empty() {
            index.remove(&ticket_id);
        }
    }
}

#[derive(Clone)]
pub struct Hub {
    pub node_id: i64,
    registry: Arc<Mutex<Registry>>,
    next_socket: Arc<AtomicU64>,
    shutdown: watch::Sender<bool>,
    pub(super) started: Arc<AtomicBool>,
    /// LISTEN is in place: this node hears the others' changes (`/readyz`).
    pub(super) listening: Arc<AtomicBool>,
    /// Open sockets of this node, so shutdown can wait for their goodbyes.
    open_sockets: Arc<AtomicUsize>,
    all_closed: Arc<Notify>,
    staff_batch: Arc<Mutex<StaffBatch>>,
}

/// A socket's place in its node, held by the socket task; dropping it takes the socket out of
/// every index.
pub struct Registration {
    hub: Hub,
    pub id: SocketId,
    pub mailbox: Mailbox,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut registry = self.hub.registry();
        if let Some(entry) = registry.sockets.remove(&self.id) {
            for ticket_id in entry.rooms {
                remove_from(&mut registry.rooms, ticket_id, self.id);
            }
            for ticket_id in entry.watched {
                remove_from(&mut registry.watchers, ticket_id, self.id);
            }
            registry.inbox.remove(&self.id);
        }
        drop(registry);
        if self.hub.open_sockets.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.hub.all_closed.notify_waiters();
        }
    }
}

impl Registry {
    /// The sockets in a ticket's room and those watching it, each once.
    fn following(&self, ticket_id: i64) -> impl Iterator<Item = &SocketEntry> {
        let members = self.rooms.get(&ticket_id).into_iter().flatten();
        let watchers = self.watchers.get(&ticket_id).into_iter().flatten();
        let mut reached: Vec<SocketId> = Vec::new();
        members.chain(watchers).filter(move |socket| {
            let first = !reached.contains(socket);
            reached.push(**socket);
            first
        })
        .filter_map(|socket| self.sockets.get(socket))
    }
}

/// The `inbox:moved` frame of a change entry (read back from the entry's own frame, which is all
/// a node that did not make the change has of it).
fn queue_move_frame(delivery: &Delivery) -> Option<Utf8Bytes> {
    let (ServerEvent::StatusUpdated(change) | ServerEvent::Assigned(change)) = serde_json::from_str(delivery.frame.as_str()).ok()? else {
        return None;
    };
    serde_json::to_string(&ServerEvent::InboxMoved(QueueMove::from(&change))).ok().map(Utf8Bytes::from)
}

impl Hub {
    pub fn new() -> Self {
        let (shutdown, _) = watch::channel(false);
        Self {
            node_id: rand::random::<i64>().abs(),
            registry: Arc::default(),
            next_socket: Arc::new(AtomicU64::new(1)),
            shutdown,
            started: Arc::default(),
            listening: Arc::default(),
            open_sockets: Arc::default(),
            all_closed: Arc::default(),
            staff_batch: Arc::default(),
        }
    }

    pub(super) fn registry(&self) -> MutexGuard<'_, Registry> {
        // A panic while holding the lock leaves the indexes consistent enough to go on.
        self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a socket; returns its registration, its queue and the "too slow" signal.
    pub fn register(&self, user_id: i64, token_hash: &[u8], hears: Hears) -> (Registration, mpsc::Receiver<Outgoing>, Arc<Notify>) {
        let (queue, receiver) = mpsc::channel(SOCKET_QUEUE);
        let too_slow = Arc::new(Notify::new());
        let mailbox = Mailbox { queue, too_slow: too_slow.clone(), overflowed: Arc::default() };
        let id = self.next_socket.fetch_add(1, Ordering::Relaxed);
        let entry = SocketEntry { user_id, token_hash: token_hash.into(), mailbox: mailbox.clone(), rooms: Vec::new(), watched: HashSet::new(), hears };
        self.registry().sockets.insert(id, entry);
        self.open_sockets.fetch_add(1, Ordering::SeqCst);
        (Registration { hub: self.clone(), id, mailbox }, receiver, too_slow)
    }

    /// From now on the socket receives the room's entries and signals.
    pub fn enter_room(&self, socket: SocketId, ticket_id: i64) {
        let mut registry = self.registry();
        let Some(entry) = registry.sockets.get_mut(&socket) else { return };
        if entry.rooms.contains(&ticket_id) {
            return;
        }
        entry.rooms.push(ticket_id);
        registry.rooms.entry(ticket_id).or_default().push(socket);
    }

    pub fn exit_room(&self, socket: SocketId, ticket_id: i64) {
        let mut registry = self.registry();
        let Some(entry) = registry.sockets.get_mut(&socket) else { return };
        entry.rooms.retain(|t| *t != ticket_id);
        remove_from(&mut registry.rooms, ticket_id, socket);
    }

    /// Replaces the tickets whose status and assignment changes the socket follows.
    pub fn watch(&self, socket: SocketId, tickets: HashSet<i64>) {
        let mut registry = self.registry();
        let Some(entry) = registry.sockets.get_mut(&socket) else { return };
        let previous = std::mem::replace(&mut entry.watched, tickets.clone());
        for ticket_id in previous.difference(&tickets) {
            remove_from(&mut registry.watchers, *ticket_id, socket);
        }
        for ticket_id in tickets.difference(&previous) {
            registry.watchers.entry(*ticket_id).or_default().push(socket);
        }
    }

    /// Replaces whose presence changes the socket is handed.
    pub fn hear(&self, socket: SocketId, hears: Hears) {
        if let Some(entry) = self.registry().sockets.get_mut(&socket) {
            entry.hears = hears;
        }
    }

    /// Whether the socket hears of new tickets (the caller has checked it is staff's).
    pub fn watch_inbox(&self, socket: SocketId, on: bool) {
        let mut registry = self.registry();
        if on && registry.sockets.contains_key(&socket) {
            registry.inbox.insert(socket);
        } else {
            registry.inbox.remove(&socket);
        }
    }

    /// After `begin_shutdown`: waits (at most `limit`) until every socket has said goodbye and
    /// cleaned up. Upgraded connections are not covered by the HTTP server's graceful shutdown.
    pub async fn sockets_closed(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let closed = self.all_closed.notified();
            if self.open_sockets.load(Ordering::SeqCst) == 0 {
                return;
            }
            tokio::select! {
                _ = closed => {}
                _ = tokio::time::sleep_until(deadline) => return,
            }
        }
    }

    /// Completes when the node starts shutting down.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Open sockets and rooms with someone in them, on this node (for the metrics).
    pub fn sizes(&self) -> (usize, usize) {
        (self.open_sockets.load(Ordering::SeqCst), self.registry().rooms.len())
    }

    /// Whether this node hears the other nodes' changes (its LISTEN connection is in place).
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }

    /// Tells every socket of this node to close with "going away", so clients reconnect elsewhere.
    pub fn begin_shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    pub(super) async fn listen(self, mut listener: PgListener, pool: PgPool) {
        loop {
            match listener.try_recv().await {
                Ok(Some(first)) => {
                    // Everything already received goes out together: one lock, loads batched.
                    let mut notices = vec![first];
                    while notices.len() < 1024
                        && let Some(next) = listener.next_buffered()
                    {
                        notices.push(next);
                    }
                    self.dispatch(&pool, notices).await;
                }
                Ok(None) => {
                    // sqlx has already reconnected and re-subscribed (eager reconnect): catch up.
                    tracing::warn!("lost the LISTEN connection; reconnected, catching up");
                    self.to_all(|| Outgoing::Resync);
                }
                Err(err) => {
                    // The database is away. Listen again as soon as it is back, and catch every
                    // socket up then: waiting for the next notice would leave what was committed
                    // meanwhile undelivered until someone writes again.
                    tracing::warn!(%err, "LISTEN failed; reconnecting");
                    self.listening.store(false, Ordering::SeqCst);
                    listener = relisten(&pool).await;
                    self.listening.store(true, Ordering::SeqCst);
                    tracing::info!("listening again; catching up");
                    self.to_all(|| Outgoing::Resync);
                }
            }
        }
    }

    async fn dispatch(&self, pool: &PgPool, notices: Vec<PgNotification>) {
        let mut slots: Vec<Slot> = Vec::new();
        let mut signals: Vec<RoomSignal> = Vec::new();
        let mut changed_users: Vec<i64> = Vec::new();
        let mut reads: Vec<(i64, i64, i64)> = Vec::new();
        let mut created: Vec<i64> = Vec::new();
        let mut updated: HashMap<i64, Audience> = HashMap::new();
        let mut people: Vec<StaffPresence> = Vec::new();
        let mut notes: Vec<(i64, i64)> = Vec::new();
        for notification in &notices {
            let Some(notice) = outbox::decode(notification.channel(), notification.payload()) else { continue };
            match notice {
                // This node's own group commit has delivered those already.
                Notice::Timeline { origin, slots: entries } if origin != self.node_id => slots.extend(entries),
                Notice::Room { from, signals: more } if from != self.node_id => signals.extend(more),
                Notice::Staff { from, people: more } if from != self.node_id => people.extend(more),
                Notice::Timeline { .. } | Notice::Room { .. } | Notice::Staff { .. } => {}
                Notice::UserChanged { user_id } => changed_users.push(user_id),
                Notice::Read { user_id, ticket_id, seq } => reads.push((user_id, ticket_id, seq)),
                Notice::TicketCreated { ticket_id } => created.push(ticket_id),
                Notice::TicketUpdated { ticket_id, audience } => {
                    let heard_by = updated.entry(ticket_id).or_insert(audience);
                    *heard_by = (*heard_by).max(audience);
                }
                Notice::Note { ticket_id, note_seq } => notes.push((ticket_id, note_seq)),
                Notice::Probe { from, sent_us } if from == self.node_id => {
                    let lag_us = outbox::micros_now().saturating_sub(sent_us).max(0);
                    crate::metrics::METRICS.listener_lag_seconds.observe(lag_us as f64 / 1e6);
                }
                Notice::Probe { .. } => {}
            }
        }
        self.deliver_staff(people);
        self.deliver_notes(pool, &notes).await;
        let deliveries = self.resolve(pool, slots).await;
        self.deliver(deliveries);
        self.deliver_signals(signals);
        self.deliver_tickets(pool, created, updated).await;
        let registry = self.registry();
        for user_id in changed_users {
            for entry in registry.sockets.values().filter(|e| e.user_id == user_id) {
                entry.mailbox.offer(Outgoing::RecheckRights);
            }
        }
        for (user_id, ticket_id, seq) in reads {
            for entry in registry.sockets.values().filter(|e| e.user_id == user_id) {
                entry.mailbox.offer(Outgoing::Read(Box::new(ReadUpTo { ticket_id, seq })));
            }
        }
    }

    /// Hands new and changed tickets, as they now stand (one query for the batch), to the inbox
    /// watchers and to the sockets following them when the notices came (one that starts
    /// watching meanwhile loads its list after that, with the ticket in it).
    async fn deliver_tickets(&self, pool: &PgPool, created: Vec<i64>, updated: HashMap<i64, Audience>) {
        let (inbox, followers) = {
            let registry = self.registry();
            let inbox: Vec<Mailbox> = match created.is_empty() {
                true => Vec::new(),
                false => registry.inbox.iter().filter_map(|socket| registry.sockets.get(socket)).map(|entry| entry.mailbox.clone()).collect(),
            };
            let followers: HashMap<i64, Vec<Mailbox>> = updated
                .keys()
                .map(|id| (*id, registry.following(*id).map(|entry| entry.mailbox.clone()).collect::<Vec<_>>()))
                .filter(|(_, mailboxes)| !mailboxes.is_empty())
                .collect();
            (inbox, followers)
        };
        let ids: Vec<i64> = created.iter().filter(|_| !inbox.is_empty()).chain(followers.keys()).copied().collect();
        if ids.is_empty() {
            return;
        }
        let tickets = match crate::tickets::repo::tickets_for_live(pool, &ids).await {
            Ok(tickets) => tickets,
            // Views find out at their next load (a reconnect, a navigation).
            Err(err) => return tracing::warn!(err = %err.message, "could not load announced tickets"),
        };
        for ticket in tickets {
            let id = ticket.id;
            if created.contains(&id) && !inbox.is_empty() {
                let frames = Arc::new(TicketFrames::new(ticket.clone(), Audience::Staff, true));
                for mailbox in &inbox {
                    mailbox.offer(Outgoing::TicketCreated(frames.clone()));
                }
            }
            if let (Some(audience), Some(mailboxes)) = (updated.get(&id), followers.get(&id)) {
                let frames = Arc::new(TicketFrames::new(ticket, *audience, false));
                for mailbox in mailboxes {
                    mailbox.offer(Outgoing::TicketUpdated(frames.clone()));
                }
            }
        }
    }

    /// Hands committed entries to the sockets in their rooms and to those watching their tickets;
    /// a status or assignment change also to every socket watching the inbox, as `inbox:moved`
    /// (the tabs count tickets that are not on screen too).
    pub fn deliver(&self, deliveries: Vec<Delivery>) {
        if deliveries.is_empty() {
            return;
        }
        let moves: Vec<Arc<Utf8Bytes>> = deliveries.iter().filter(|d| d.is_change).filter_map(queue_move_frame).map(Arc::new).collect();
        let registry = self.registry();
        for frame in &moves {
            for entry in registry.inbox.iter().filter_map(|socket| registry.sockets.get(socket)) {
                entry.mailbox.offer(Outgoing::Moved(frame.clone()));
            }
        }
        for delivery in deliveries {
            let delivery = Arc::new(delivery);
            for entry in registry.following(delivery.ticket_id) {
                entry.mailbox.offer(Outgoing::Entry(delivery.clone()));
            }
        }
    }

    /// Hands presence and typing signals to the other people's sockets in their rooms.
    pub fn deliver_signals(&self, signals: Vec<RoomSignal>) {
        if signals.is_empty() {
            return;
        }
        let registry = self.registry();
        for signal in signals {
            let signal = Arc::new(RoomFrame::new(signal));
            for socket in registry.rooms.get(&signal.ticket_id).into_iter().flatten() {
                if let Some(entry) = registry.sockets.get(socket).filter(|e| e.user_id != signal.user_id) {
                    entry.mailbox.offer(Outgoing::Room(signal.clone()));
                }
            }
        }
    }

    /// Loads announced notes (one query) and hands them to the sockets in their rooms.
    async fn deliver_notes(&self, pool: &PgPool, keys: &[(i64, i64)]) {
        if keys.is_empty() {
            return;
        }
        let notes = match crate::notes::repo::notes_at(pool, keys).await {
            Ok(notes) => notes,
            // Staff sockets find the gap at the ticket's next note, or on resync.
            Err(err) => return tracing::warn!(err = %err.message, "could not load announced notes"),
        };
        let registry = self.registry();
        for note in notes {
            let (ticket_id, note_seq) = (note.ticket_id, note.note_seq);
            let frame = Utf8Bytes::from(serde_json::to_string(&ServerEvent::NoteNew(note)).unwrap_or_default());
            let delivery = Arc::new(NoteDelivery { ticket_id, note_seq, frame });
            for entry in registry.rooms.get(&ticket_id).into_iter().flatten().filter_map(|socket| registry.sockets.get(socket)) {
                entry.mailbox.offer(Outgoing::Note(delivery.clone()));
            }
        }
    }

    /// Hands staff presence changes to the sockets of this node that hear them (each checks again
    /// whether its person may): at once if the last hand-out's window is over, else together
    /// with whatever else changes until it is (needs a Tokio runtime then).
    pub fn deliver_staff(&self, people: Vec<StaffPresence>) {
        if people.is_empty() {
            return;
        }
        let mut batch = self.staff_batch.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        batch.waiting.extend(people.into_iter().map(|presence| (presence.user_id, presence)));
        if batch.scheduled {
            return;
        }
        match batch.window_ends {
            Some(ends) if ends > Instant::now() => {
                batch.scheduled = true;
                let hub = self.clone();
                tokio::spawn(async move {
                    tokio::time::sleep_until(ends).await;
                    let mut batch = hub.staff_batch.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    batch.scheduled = false;
                    hub.hand_out_staff(&mut batch);
                });
            }
            _ => self.hand_out_staff(&mut batch),
        }
    }

    /// Hands out what waits and starts a window (under the batch's lock, so hand-outs keep their
    /// order).
    fn hand_out_staff(&self, batch: &mut StaffBatch) {
        batch.window_ends = Some(Instant::now() + STAFF_WINDOW);
        let mut people: Vec<StaffPresence> = batch.waiting.drain().map(|(_, presence)| presence).collect();
        if people.is_empty() {
            return;
        }
        people.sort_unstable_by_key(|presence| presence.user_id);
        let frame = Arc::new(StaffFrame::new(people));
        let registry = self.registry();
        for entry in registry.sockets.values().filter(|e| frame.heard_by(&e.hears)) {
            entry.mailbox.offer(Outgoing::Staff(frame.clone()));
        }
    }

    /// Announces typing to every node (this one at once).
    pub async fn announce_typing(&self, pool: &PgPool, signal: RoomSignal) {
        let sent = async {
            let mut conn = pool.acquire().await?;
            outbox::notify_room(&mut conn, self.node_id, std::slice::from_ref(&signal)).await
        };
        if let Err(err) = sent.await {
            tracing::warn!(%err, "could not announce typing");
        }
        self.deliver_signals(vec![signal]);
    }

    /// Loads the entries too large to travel in a notice (one query for all of them).
    async fn resolve(&self, pool: &PgPool, slots: Vec<Slot>) -> Vec<Delivery> {
        let missing: Vec<(i64, i64)> =
            slots.iter().filter_map(|s| if let Slot::Missing { ticket_id, seq } = s { Some((*ticket_id, *seq)) } else { None }).collect();
        let mut loaded: HashMap<(i64, i64), Delivery> = HashMap::new();
        if !missing.is_empty() {
            match crate::timeline::repo::entries_at(pool, &missing).await {
                Ok(entries) => loaded = entries.into_iter().map(|e| ((e.ticket_id(), e.seq()), Delivery::new(e))).collect(),
                // The sockets find the gap at the ticket's next entry, or on resync.
                Err(err) => tracing::warn!(err = %err.message, "could not load announced entries"),
            }
        }
        slots
            .into_iter()
            .filter_map(|slot| match slot {
                Slot::Ready(delivery) => Some(delivery),
                Slot::Missing { ticket_id, seq } => loaded.remove(&(ticket_id, seq)),
            })
            .collect()
    }

    pub(super) fn to_all(&self, item: impl Fn() -> Outgoing) {
        for entry in self.registry().sockets.values() {
            entry.mailbox.offer(item());
        }
    }

}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

pub(super) async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen_all(outbox::CHANNELS).await?;
    Ok(listener)
}

/// A new LISTEN connection, retried every second until the database answers.
async fn relisten(pool: &PgPool) -> PgListener {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        match subscribe(pool).await {
            Ok(listener) => return listener,
            Err(err) => tracing::debug!(%err, "LISTEN still failing"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::Role;
    use crate::domain::presence::StaffStatus;

    fn online(user_id: i64) -> StaffPresence {
        StaffPresence { user_id, display_name: format!("Agent {user_id}"), role: Role::Agent, status: StaffStatus::Online, appear_away: false, last_seen_at: None }
    }

    /// The people of each staff frame queued, as staff hear them; and the customers' frames' people.
    fn staff_heard(inbox: &mut mpsc::Receiver<Outgoing>) -> Vec<(Vec<i64>, Vec<i64>)> {
        std::iter::from_fn(|| inbox.try_recv().ok())
            .filter_map(|item| if let Outgoing::Staff(frame) = item { Some(frame) } else { None })
            .map(|frame| {
                let team: serde_json::Value = serde_json::from_str(frame.for_staff[0].as_str()).unwrap();
                let people = team["data"]["people"].as_array().unwrap().iter().map(|p| p["user_id"].as_i64().unwrap()).collect();
                (people, frame.for_customers.iter().map(|(id, _)| *id).collect())
            })
            .collect()
    }

    /// A presence change wakes only the sockets that hear it: staff's, and the customers whose
    /// rooms that agent has (each of 10,000 sockets used to get every change).
    #[tokio::test]
    async fn presence_changes_reach_only_the_sockets_that_hear_them() {
        let hub = Hub::new();
        let (_staff, mut staff_inbox, _) = hub.register(1, b"a", Hears::Team);
        let (customer, mut customer_inbox, _) = hub.register(2, b"b", Hears::Agents(vec![5]));
        let (_other, mut other_inbox, _) = hub.register(3, b"c", Hears::Agents(Vec::new()));

        hub.deliver_staff(vec![online(5), online(7)]);
        assert_eq!(staff_heard(&mut staff_inbox), [(vec![5, 7], vec![5, 7])]);
        assert_eq!(staff_heard(&mut customer_inbox).len(), 1);
        assert_eq!(staff_heard(&mut other_inbox), []);

        // The customer's ticket changed hands.
        hub.hear(customer.id, Hears::Agents(vec![7]));
        hub.deliver_staff(vec![online(7)]);
        let Some(Outgoing::Staff(frame)) = customer_inbox.recv().await else { panic!("a staff frame") };
        assert_eq!(frame.for_customers.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [7]);
        assert_eq!(staff_heard(&mut other_inbox), []);
    }

    /// Changes within a window after a hand-out go out together at its end, the latest of each
    /// person only: one frame per socket, not one per change.
    #[tokio::test]
    async fn presence_changes_in_a_window_go_out_as_one_frame() {
        let hub = Hub::new();
        let (_staff, mut staff_inbox, _) = hub.register(1, b"a", Hears::Team);
        hub.deliver_staff(vec![online(5)]);
        assert_eq!(staff_heard(&mut staff_inbox), [(vec![5], vec![5])]);

        let mut away = online(6);
        away.status = StaffStatus::Away;
        for person in [online(6), online(8), away.clone(), online(7)] {
            hub.deliver_staff(vec![person]);
        }
        assert_eq!(staff_heard(&mut staff_inbox), [], "held until the window ends");
        let Some(Outgoing::Staff(frame)) = staff_inbox.recv().await else { panic!("a staff frame") };
        let team: serde_json::Value = serde_json::from_str(frame.for_staff[0].as_str()).unwrap();
        assert_eq!(team["event"], "staff:team");
        assert_eq!(team["data"]["reset"], false);
        let people: Vec<(i64, String)> =
            team["data"]["people"].as_array().unwrap().iter().map(|p| (p["user_id"].as_i64().unwrap(), p["status"].as_str().unwrap().to_owned())).collect();
        assert_eq!(people, [(6, "away".to_owned()), (7, "online".to_owned()), (8, "online".to_owned())]);
        assert_eq!(staff_heard(&mut staff_inbox), []);
    }

    /// A large team goes out in frames of `STAFF_PER_FRAME` (each must fit a socket's write
    /// buffer), only the first of a whole team saying to forget what was known.
    #[test]
    fn a_large_team_is_split_into_frames() {
        let people: Vec<StaffPresence> = (1..=250).map(online).collect();
        let frames: Vec<serde_json::Value> = team_frames(&people, true).iter().map(|f| serde_json::from_str(f.as_str()).unwrap()).collect();
        let shape: Vec<(usize, bool)> = frames.iter().map(|f| (f["data"]["people"].as_array().unwrap().len(), f["data"]["reset"].as_bool().unwrap())).collect();
        assert_eq!(shape, [(100, true), (100, false), (50, false)]);
        assert_eq!(team_frames(&[], true).len(), 1, "an empty team still resets");
        assert!(team_frames(&[], false).is_empty());
        assert!(team_frames(&people, false).iter().all(|f| f.len() < 64 * 1024));
    }
}
