//! The `/ws` route: authentication, the Origin check and frame limits before the upgrade, then one
//! task per socket that serves the protocol and keeps every joined room gap-free by sequence number.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Extension;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as Frame, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use tokio::sync::{Notify, mpsc};

use super::budget::SendBudget;
use super::hub::{Hears, Hub, Outgoing, Registration, SendAnswer, SendOutcome, StaffFrame};
use super::outbox::{RoomSignal, RoomSignalKind};
use super::rooms::Presence;
use super::writer::{SendRequest, Writer};
use crate::auth::server::CurrentSession;
use crate::domain::account::User;
use crate::domain::live::{ClientEvent, ErrorEvent, Member, SEND_BURST, SEND_RATE_PER_SECOND, ServerEvent, WATCH_MAX};
use crate::domain::timeline::TimelineEntry;
use crate::error::{AppError, ErrorCode, Problem};
use crate::server::state::AppState;
use crate::tickets::repo::{find_ticket, visible_position, visible_ticket_ids};
use crate::timeline::repo as timeline;

const PING_EVERY: Duration = Duration::from_secs(20);
/// A socket that sent nothing (not even a pong) for this long is dead.
const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// Frames above this are refused by the WebSocket layer itself (closed with 1009); frames
/// between `FRAME_MAX_BYTES` and this get an `error` and the socket stays open.
const HARD_FRAME_LIMIT: usize = 256 * 1024;
const REPLAY_BATCH: i64 = 500;
/// A client that takes longer than this to accept a write (it stopped reading) is dropped.
const WRITE_LIMIT: Duration = Duration::from_secs(10);
/// Queued items handled per wake-up before the socket reads again.
const OUTGOING_PER_WAKE: usize = 64;
/// Chat frames are small (a join or a send is a few hundred bytes); tungstenite zero-fills its read
/// buffer up to this size on every read, and each socket keeps one (a larger frame grows it).
const READ_BUFFER_BYTES: usize = 512;
/// Handling one frame or wake-up longer than this counts as a stall for the send budgets.
const STALL: Duration = Duration::from_millis(250);

pub async fn ws_handler(
    State(state): State<AppState>,
    session: Option<Extension<CurrentSession>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(Extension(session)) = session else {
        return AppError::unauthenticated().into_response();
    };
    if !crate::server::http_guard::origin_allowed(&headers, &state.config.public_url) {
        return AppError::new(ErrorCode::Forbidden, Problem::CrossSiteSocket).into_response();
    }
    upgrade
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(8 * 1024)
        // What waits in this process for a client that does not read is bounded too.
        .max_write_buffer_size(128 * 1024)
        .max_message_size(HARD_FRAME_LIMIT)
        .max_frame_size(HARD_FRAME_LIMIT)
        // Boxed until the upgrade: what the callback captures stays in the socket's task for its
        // whole life otherwise (every byte of that task counts ten thousand times).
        .on_upgrade({
            let opening = Box::new((Services::from(&state), session));
            move |socket| {
                let (services, session) = *opening;
                Connection::open(services, session, socket).serve()
            }
        })
}

/// What a socket uses of the app's state (all of `AppState` is over 250 bytes a socket).
struct Services {
    hub: Hub,
    pool: sqlx::PgPool,
    presence: Presence,
    writer: Writer,
}

impl From<&AppState> for Services {
    fn from(state: &AppState) -> Self {
        Self { hub: state.hub.clone(), pool: state.pool.clone(), presence: state.presence.clone(), writer: state.writer.clone() }
    }
}

/// Joins (and watches) are cheaper but replay history: a larger burst, its own budget.
const JOIN_BURST: u32 = 30;
const JOIN_RATE_PER_SECOND: u32 = 10;

struct Connection {
    state: Services,
    user: Arc<User>,
    /// This socket's place in the node: its mailbox and the room and watch indexes.
    registration: Registration,
    /// What the node hands this socket, and the signal that it fell too far behind.
    inbox: mpsc::Receiver<Outgoing>,
    too_slow: Arc<Notify>,
    /// The connection's row in the presence tables (shared by every node).
    presence_id: i64,
    socket: WebSocket,
    /// Joined rooms and the last timeline seq sent to this socket in each.
    rooms: HashMap<i64, i64>,
    join_budget: SendBudget,
    /// Tickets whose status and assignment changes this socket follows (lists on screen).
    watched: HashSet<i64>,
    budget: SendBudget,
    /// Typing signals: as many as sends, but apart, so that announcing typing never costs a message.
    typing_budget: SendBudget,
    /// The tab said it is not being used (`presence:idle`).
    idle: bool,
    /// The tab watches the inbox (`inbox:watch`).
    watching_inbox: bool,
    /// A customer's joined rooms → the ticket's agent (if any), whose presence this socket hears.
    agents: HashMap<i64, Option<i64>>,
    /// Staff's joined rooms → the last internal note sent (`note_seq`).
    notes: HashMap<i64, i64>,
}

enum Flow {
    Continue,
    Close(Option<CloseFrame>),
}

fn close(code: u16, reason: &'static str) -> Flow {
    Flow::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))
}

/// The database failed while this socket needed it: closing (the client reconnects with
/// `after_seq`) keeps every room gap-free and the rights checked, which carrying on could not.
fn database_trouble() -> Flow {
    close(1011, "temporary server problem; reconnect and resume")
}

/// A frame the WebSocket layer could not read: say why, when the connection still can.
fn close_for_read_error(err: axum::Error) -> Flow {
    use tungstenite::error::{CapacityError, Error};
    match err.into_inner().downcast::<Error>().map(|err| *err) {
        Ok(Error::Utf8(_)) => close(1007, "text frames must be valid UTF-8"),
        Ok(Error::Capacity(CapacityError::MessageTooLong { .. })) => close(1009, "frame too large (over 256 KiB)"),
        Ok(Error::Protocol(_)) => close(1002, "WebSocket protocol error"),
        _ => Flow::Close(None),
    }
}

impl Connection {
    /// Registers the socket with its node. Not async: the task's future then holds the
    /// connection once, and not also the pieces it was made from.
    fn open(state: Services, session: CurrentSession, socket: WebSocket) -> Self {
        let CurrentSession { user, token_hash } = session;
        let hears = Hears::of(user.role.is_staff(), []);
        let (registration, inbox, too_slow) = state.hub.register(user.id, &token_hash, hears);
        let presence_id = rand::random::<i64>().abs();
        state.presence.connect(presence_id, &user, false);
        let connection = Connection {
            state,
            user: Arc::new(user),
            registration,
            inbox,
            too_slow,
            presence_id,
            socket,
            rooms: HashMap::new(),
            watched: HashSet::new(),
            budget: SendBudget::new(SEND_BURST, SEND_RATE_PER_SECOND),
            typing_budget: SendBudget::new(SEND_BURST, SEND_RATE_PER_SECOND),
            join_budget: SendBudget::new(JOIN_BURST, JOIN_RATE_PER_SECOND),
            idle: false,
            watching_inbox: false,
            agents: HashMap::new(),
            notes: HashMap::new(),
        };
        // Staff start with the whole team's presence (read when its turn comes: changes queued
        // before it are older, those after it newer).
        connection.registration.mailbox.offer(Outgoing::Presence);
        connection
    }

    async fn serve(mut self) {
        self.run().await;
        self.cleanup();
    }

    async fn run(&mut self) {
        let mut shutdown = self.state.hub.shutdown_signal();
        let mut ping = tokio::time::interval(PING_EVERY);
        let mut last_heard = Instant::now();
        loop {
            let flow = tokio::select! {
                frame = self.socket.recv() => match frame {
                    Some(Ok(frame)) => {
                        last_heard = Instant::now();
                        // Boxed: the handlers' futures (queries among them) are large, and would
                        // otherwise be part of every idle socket's task.
                        let flow = Box::pin(self.on_frame(frame)).await;
                        self.forgive_stall(last_heard);
                        flow
                    }
                    Some(Err(err)) => close_for_read_error(err),
                    None => Flow::Close(None),
                },
                Some(item) = self.inbox.recv() => {
                    let started = Instant::now();
                    // Whatever else is waiting goes out with it, in one write.
                    let flow = Box::pin(async {
                        let mut flow = self.on_outgoing(item).await;
                        for _ in 0..OUTGOING_PER_WAKE {
                            let Flow::Continue = flow else { break };
                            let Ok(item) = self.inbox.try_recv() else { break };
                            flow = self.on_outgoing(item).await;
                        }
                        flow
                    })
                    .await;
                    self.forgive_stall(started);
                    flow
                }
                // Its queue overflowed: it missed entries. The client resumes with after_seq.
                _ = self.too_slow.notified() => {
                    crate::metrics::METRICS.slow_readers_dropped.inc();
                    close(1013, "too slow; reconnect and resume")
                }
                _ = ping.tick() => {
                    // Silent for too long, or a ping that cannot be written: the peer is gone.
                    let gone = last_heard.elapsed() > IDLE_LIMIT
                        || !matches!(tokio::time::timeout(WRITE_LIMIT, self.socket.send(Frame::Ping(Default::default()))).await, Ok(Ok(())));
                    if gone { Flow::Close(None) } else { Flow::Continue }
                }
                _ = shutdown.changed() => close(1001, "server shutting down"),
            };
            if let Flow::Close(frame) = flow {
                if let Some(frame) = frame {
                    let unread_input = matches!(frame.code, 1002 | 1007 | 1009);
                    let _ = tokio::time::timeout(WRITE_LIMIT, self.socket.send(Frame::Close(Some(frame)))).await;
                    if unread_input {
                        // Closing at once with the client's frame still unread resets the
                        // connection, and the client would never see why: give it a moment.
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                return;
            }
            // Frames are fed as they are produced and written out together here.
            if !matches!(tokio::time::timeout(WRITE_LIMIT, self.socket.flush()).await, Ok(Ok(()))) {
                return;
            }
        }
    }

    /// Frames that arrived while a handler waited (on the database, say) are read only now, all
    /// at once: they are metered as if read when they arrived.
    fn forgive_stall(&mut self, started: Instant) {
        let stalled = started.elapsed();
        if stalled > STALL {
            self.budget.forgive(stalled);
            self.typing_budget.forgive(stalled);
            self.join_budget.forgive(stalled);
        }
    }

    /// Out of every room and the presence tables (written in the background).
    fn cleanup(&mut self) {
        let member = self.member();
        let rooms: Vec<(i64, Member)> = self.rooms.drain().map(|(ticket_id, _)| (ticket_id, member.clone())).collect();
        self.state.presence.disconnect(self.presence_id, rooms);
    }

    /// Queues a frame for the write at the end of this turn of the loop.
    async fn send_frame(&mut self, frame: Utf8Bytes) -> Flow {
        match tokio::time::timeout(WRITE_LIMIT, self.socket.feed(Frame::Text(frame))).await {
            Ok(Ok(())) => Flow::Continue,
            _ => Flow::Close(None),
        }
    }

    /// Several frames in a row, each written out before the next (together they may be more than
    /// the socket's write buffer holds).
    async fn send_frames(&mut self, frames: &[Utf8Bytes]) -> Flow {
        for frame in frames {
            match tokio::time::timeout(WRITE_LIMIT, self.socket.send(Frame::Text(frame.clone()))).await {
                Ok(Ok(())) => {}
                _ => return Flow::Close(None),
            }
        }
        Flow::Continue
    }

    async fn send(&mut self, event: &ServerEvent) -> Flow {
        let text = serde_json::to_string(event).unwrap_or_default();
        self.send_frame(text.into()).await
    }

    async fn send_error(&mut self, code: &str, problem: Problem, event: Option<&str>, ticket_id: Option<i64>, client_id: Option<String>) -> Flow {
        let error = ErrorEvent {
            code: code.to_owned(),
            message: problem.english(),
            problem,
            event: event.map(str::to_owned),
            ticket_id,
            client_id,
        };
        self.send(&ServerEvent::Error(error)).await
    }

    async fn on_frame(&mut self, frame: Frame) -> Flow {
        let text = match frame {
            Frame::Text(text) => text,
            Frame::Binary(_) => return self.send_error("unsupported_frame", Problem::BinaryFrame, None, None, None).await,
            Frame::Close(_) => return Flow::Close(None),
            Frame::Ping(_) | Frame::Pong(_) => return Flow::Continue,
        };
        match ClientEvent::decode(text.as_str()) {
            Ok(event) => self.on_event(event).await,
            Err(refused) => self.send_error(refused.code, refused.problem, refused.event.as_deref(), None, None).await,
        }
    }

    async fn on_event(&mut self, event: ClientEvent) -> Flow {
        let (budget, name, ticket_id) = match &event {
            ClientEvent::Join { ticket_id, .. } => (&mut self.join_budget, "ticket:join", Some(*ticket_id)),
            ClientEvent::Watch { .. } => (&mut self.join_budget, "tickets:watch", None),
            ClientEvent::WatchInbox { .. } => (&mut self.join_budget, "inbox:watch", None),
            ClientEvent::Idle { .. } => (&mut self.join_budget, "presence:idle", None),
            ClientEvent::TypingStart { ticket_id } => (&mut self.typing_budget, "ticket:typing:start", Some(*ticket_id)),
            ClientEvent::TypingStop { ticket_id } => (&mut self.typing_budget, "ticket:typing:stop", Some(*ticket_id)),
            // Sends are budgeted where their refusal can name the client_id; leaving is always allowed.
            ClientEvent::Send { .. } | ClientEvent::Leave { .. } => (&mut self.join_budget, "", None),
        };
        if !name.is_empty() && !budget.take() {
            return self.send_error("rate_limited", Problem::TooManyRequests, Some(name), ticket_id, None).await;
        }
        match event {
            ClientEvent::Join { ticket_id, after_seq, after_note_seq } => self.join(ticket_id, after_seq, after_note_seq).await,
            ClientEvent::Leave { ticket_id } => {
                self.leave(ticket_id).await;
                Flow::Continue
            }
            ClientEvent::Send { ticket_id, client_id, content, attachment_ids } => self.send_message(ticket_id, client_id, content, attachment_ids).await,
            ClientEvent::TypingStart { ticket_id } => self.typing(ticket_id, RoomSignalKind::TypingStarted).await,
            ClientEvent::TypingStop { ticket_id } => self.typing(ticket_id, RoomSignalKind::TypingStopped).await,
            ClientEvent::Watch { ticket_ids } => self.watch(ticket_ids).await,
            ClientEvent::WatchInbox { on } => {
                if on && !self.user.role.is_staff() {
                    return self.send_error("forbidden", Problem::InboxStaffOnly, Some("inbox:watch"), None, None).await;
                }
                self.state.hub.watch_inbox(self.registration.id, on);
                self.watching_inbox = on;
                self.send(&ServerEvent::InboxWatching { on }).await
            }
            ClientEvent::Idle { idle } => {
                if idle != self.idle {
                    self.idle = idle;
                    self.state.presence.set_idle(self.presence_id, idle);
                }
                Flow::Continue
            }
        }
    }

    /// What the node hands this socket: entries, signals, answers to its sends, notices.
    async fn on_outgoing(&mut self, item: Outgoing) -> Flow {
        match item {
            Outgoing::Entry(entry) => {
                let Some(&last) = self.rooms.get(&entry.ticket_id) else {
                    // Not in the room: a watched ticket (a list on screen) still reports what happens.
                    if self.watched.contains(&entry.ticket_id) {
                        return self.send_frame(entry.frame.clone()).await;
                    }
                    return Flow::Continue;
                };
                if entry.seq <= last {
                    Flow::Continue // already sent (replay or an earlier catch-up)
                } else if entry.seq == last + 1 {
                    self.rooms.insert(entry.ticket_id, entry.seq);
                    crate::metrics::METRICS.entries_delivered.inc();
                    let flow = self.send_frame(entry.frame.clone()).await;
                    // A customer's ticket that changes hands: they follow the new agent's presence.
                    if let (Flow::Continue, true) = (&flow, entry.is_change && !self.user.role.is_staff())
                        && let Ok(ServerEvent::Assigned(change)) = serde_json::from_str::<ServerEvent>(entry.frame.as_str())
                    {
                        return self.follow_agent(change.ticket_id, change.to_agent_id).await;
                    }
                    flow
                } else {
                    self.catch_up(entry.ticket_id).await // a gap: fill it from the database
                }
            }
            Outgoing::Room(signal) if self.rooms.contains_key(&signal.ticket_id) => self.send_frame(signal.frame.clone()).await,
            Outgoing::Room(_) => Flow::Continue,
            Outgoing::Sent(answer) => {
                let SendAnswer { ticket_id, client_id, outcome } = *answer;
                self.answer_send(ticket_id, client_id, outcome).await
            }
            Outgoing::RecheckRights => self.recheck_rights().await,
            // Checked again here: the role may have changed since the socket began watching.
            Outgoing::TicketCreated(frames) if self.user.role.is_staff() => self.send_frame(frames.for_staff.clone()).await,
            Outgoing::TicketCreated(_) => Flow::Continue,
            // Watching the inbox is for staff; checked again here, as the role may have changed.
            Outgoing::Moved(frame) if self.user.role.is_staff() => self.send_frame(frame.as_ref().clone()).await,
            Outgoing::Moved(_) => Flow::Continue,
            Outgoing::TicketUpdated(frames) if self.user.role.is_staff() => self.send_frame(frames.for_staff.clone()).await,
            // A customer follows only their own tickets; checked again here all the same.
            Outgoing::TicketUpdated(frames) => match &frames.for_customer {
                Some(frame) if frames.creator_id == self.user.id => self.send_frame(frame.clone()).await,
                _ => Flow::Continue,
            },
            Outgoing::Read(read) => self.send(&ServerEvent::TicketRead { ticket_id: read.ticket_id, last_read_seq: read.seq }).await,
            Outgoing::Staff(frame) if self.user.role.is_staff() => self.send_frames(&frame.for_staff).await,
            Outgoing::Staff(frame) => self.send_agents_presence(&frame).await,
            Outgoing::Presence => self.send_presence().await,
            // Checked here, per note: the role may have changed since the socket joined.
            Outgoing::Note(note) if self.user.role.is_staff() => match self.notes.get(&note.ticket_id).copied() {
                Some(last) if note.note_seq == last + 1 => {
                    self.notes.insert(note.ticket_id, note.note_seq);
                    self.send_frame(note.frame.clone()).await
                }
                Some(last) if note.note_seq > last => self.catch_up_notes(note.ticket_id).await,
                _ => Flow::Continue,
            },
            Outgoing::Note(_) => Flow::Continue,
            Outgoing::Reregister => {
                self.state.presence.connect(self.presence_id, &self.user, self.idle);
                let rooms: Vec<i64> = self.rooms.keys().copied().collect();
                for ticket_id in rooms {
                    self.state.presence.join(self.presence_id, ticket_id, self.member()).await;
                }
                Flow::Continue
            }
            // Notices may have been lost, account changes among them.
            Outgoing::Resync => match self.recheck_rights().await {
                Flow::Continue => match self.resync().await {
                    Flow::Continue => self.send_presence().await,
                    closing => closing,
                },
                closing => closing,
            },
            Outgoing::SessionEnded => close(1008, "session ended"),
        }
    }

    async fn answer_send(&mut self, ticket_id: i64, client_id: String, outcome: SendOutcome) -> Flow {
        match outcome {
            Ok((message, _)) => {
                let ack = ServerEvent::MessageAck { ticket_id, client_id, id: message.id, seq: message.seq, created_at: message.created_at };
                self.send(&ack).await
            }
            Err(err) => {
                let event = Some("ticket:message:send");
                self.send_error(socket_error_code(&err), err.problem, event, Some(ticket_id), Some(client_id)).await
            }
        }
    }

    fn member(&self) -> Member {
        Member { user_id: self.user.id, display_name: self.user.display_name.clone(), role: self.user.role }
    }

    async fn join(&mut self, ticket_id: i64, after_seq: Option<i64>, after_note_seq: Option<i64>) -> Flow {
        let pool = self.state.pool.clone();
        // Listed in the room before the position is read: entries committed from now on queue up
        // in the mailbox, and those at or below the position reached here are skipped when they
        // are read, so the hand-over has no gap and no duplicate.
        let first_time = !self.rooms.contains_key(&ticket_id);
        self.state.hub.enter_room(self.registration.id, ticket_id);
        let mut agent = None;
        let staff = self.user.role.is_staff();
        let refused = match visible_position(&pool, &self.user, ticket_id).await {
            // A position this ticket never reached: the client would wait for entries it
            // already counts as seen, so it is told instead of silently joining.
            Ok(Some((last_seq, _, _))) if after_seq.is_some_and(|after| after < 0 || after > last_seq) => {
                Some(("invalid_data", Problem::AfterSeqOutOfRange { last_seq }))
            }
            // Only staff are told how many notes there are; a customer's after_note_seq is ignored.
            Ok(Some((_, _, last_note))) if staff && after_note_seq.is_some_and(|after| after < 0 || after > last_note) => {
                Some(("invalid_data", Problem::AfterNoteSeqOutOfRange { last_note_seq: last_note }))
            }
            Ok(Some((last_seq, assigned, last_note))) => {
                agent = assigned;
                if staff {
                    // Kept where it is on a rejoin without after_note_seq: nothing is skipped.
                    let from = after_note_seq.or_else(|| self.notes.get(&ticket_id).copied()).unwrap_or(last_note);
                    self.notes.insert(ticket_id, from);
                    if from < last_note && let Flow::Close(frame) = self.catch_up_notes(ticket_id).await {
                        return Flow::Close(frame);
                    }
                }
                // Without after_seq: live from now, nothing to replay.
                let start = after_seq.unwrap_or(last_seq);
                self.rooms.insert(ticket_id, start);
                if start < last_seq && let Flow::Close(frame) = self.catch_up(ticket_id).await {
                    return Flow::Close(frame);
                }
                None
            }
            Ok(None) => Some(("not_found", Problem::TicketNotFound)),
            // Nothing changed; the client may try again.
            Err(err) => Some(("internal", err.problem)),
        };
        if let Some((code, problem)) = refused {
            if first_time {
                self.state.hub.exit_room(self.registration.id, ticket_id);
            }
            return self.send_error(code, problem, Some("ticket:join"), Some(ticket_id), None).await;
        }
        // Recorded (and announced to the room) before this socket is told it is in.
        let members = self.state.presence.join(self.presence_id, ticket_id, self.member()).await;
        let last_seq = self.rooms.get(&ticket_id).copied().unwrap_or_default();
        match self.send(&ServerEvent::Joined { ticket_id, last_seq, members }).await {
            // An assignment replayed above has set the agent already; this is the newest.
            Flow::Continue if !self.agents.contains_key(&ticket_id) => self.follow_agent(ticket_id, agent).await,
            flow => flow,
        }
    }

    /// A customer's room has this agent now (or none): they hear that agent's presence, starting
    /// with where it stands.
    async fn follow_agent(&mut self, ticket_id: i64, agent: Option<i64>) -> Flow {
        if self.user.role.is_staff() || !self.rooms.contains_key(&ticket_id) {
            return Flow::Continue;
        }
        self.agents.insert(ticket_id, agent);
        self.hear_agents();
        match agent {
            Some(agent) => self.send_presence_of(&[agent]).await,
            None => Flow::Continue,
        }
    }

    /// Whose presence changes this socket hears now: the team (staff), or its rooms' agents.
    fn hears(&self) -> Hears {
        Hears::of(self.user.role.is_staff(), self.agents.values().copied().flatten())
    }

    /// Tells the hub (after the rooms' agents or the person's role changed).
    fn hear_agents(&self) {
        self.state.hub.hear(self.registration.id, self.hears());
    }

    /// Where presence stands now, for what this socket hears: the whole team (staff), or the
    /// agents of the customer's rooms.
    async fn send_presence(&mut self) -> Flow {
        if self.user.role.is_staff() {
            let Some(team) = self.state.presence.team.now().await else { return database_trouble() };
            return self.send_frames(&team).await;
        }
        let Hears::Agents(agents) = self.hears() else { return Flow::Continue };
        self.send_presence_of(&agents).await
    }

    /// The changes of the agents of this customer's rooms (checked here too: the hub's view of
    /// whom a socket hears may be a change behind).
    async fn send_agents_presence(&mut self, frame: &StaffFrame) -> Flow {
        for (agent, presence) in &frame.for_customers {
            if self.agents.values().any(|heard| *heard == Some(*agent))
                && let Flow::Close(close) = self.send_frame(presence.clone()).await
            {
                return Flow::Close(close);
            }
        }
        Flow::Continue
    }

    /// These staff's presence, as a customer may see it.
    async fn send_presence_of(&mut self, agents: &[i64]) -> Flow {
        if agents.is_empty() {
            return Flow::Continue;
        }
        let found = async {
            let mut conn = self.state.pool.acquire().await?;
            crate::presence::repo::of_people(&mut conn, agents).await
        };
        let Ok(people) = found.await else { return database_trouble() };
        for presence in people {
            if let Flow::Close(frame) = self.send(&ServerEvent::StaffPresence(presence.for_customers())).await {
                return Flow::Close(frame);
            }
        }
        Flow::Continue
    }

    async fn leave(&mut self, ticket_id: i64) {
        if self.rooms.remove(&ticket_id).is_none() {
            return;
        }
        if self.agents.remove(&ticket_id).is_some() {
            self.hear_agents();
        }
        self.notes.remove(&ticket_id);
        self.state.hub.exit_room(self.registration.id, ticket_id);
        self.state.presence.leave(self.presence_id, ticket_id, self.member()).await;
    }

    /// Sends every entry after the room's position, in order.
    async fn catch_up(&mut self, ticket_id: i64) -> Flow {
        loop {
            let Some(&after) = self.rooms.get(&ticket_id) else { return Flow::Continue };
            let entries = match timeline::entries_after(&self.state.pool, ticket_id, after, REPLAY_BATCH).await {
                Ok(entries) => entries,
                Err(_) => return database_trouble(),
            };
            let count = entries.len() as i64;
            let mut reassigned = None;
            for entry in entries {
                self.rooms.insert(ticket_id, entry.seq());
                if let TimelineEntry::Change(change) = &entry
                    && change.is_assignment()
                {
                    reassigned = Some(change.to_agent_id);
                }
                if let Flow::Close(frame) = self.send(&entry.into_event()).await {
                    return Flow::Close(frame);
                }
            }
            if let Some(agent) = reassigned
                && let Flow::Close(frame) = self.follow_agent(ticket_id, agent).await
            {
                return Flow::Close(frame);
            }
            if count < REPLAY_BATCH {
                return Flow::Continue;
            }
        }
    }

    async fn resync(&mut self) -> Flow {
        // New tickets and moves may have been missed too: confirming the watch again makes the
        // inbox load its list and counts again (as after its first confirmation).
        if self.watching_inbox && let Flow::Close(frame) = self.send(&ServerEvent::InboxWatching { on: true }).await {
            return Flow::Close(frame);
        }
        let rooms: Vec<i64> = self.rooms.keys().copied().collect();
        for ticket_id in rooms {
            if let Flow::Close(frame) = self.catch_up(ticket_id).await {
                return Flow::Close(frame);
            }
            if let Flow::Close(frame) = self.catch_up_notes(ticket_id).await {
                return Flow::Close(frame);
            }
        }
        Flow::Continue
    }

    /// Sends every note of a staff room after its position, in order (nothing for customers).
    async fn catch_up_notes(&mut self, ticket_id: i64) -> Flow {
        if !self.user.role.is_staff() {
            return Flow::Continue;
        }
        loop {
            let Some(&after) = self.notes.get(&ticket_id) else { return Flow::Continue };
            let Ok(notes) = crate::notes::repo::notes_after(&self.state.pool, ticket_id, after, REPLAY_BATCH).await else {
                return database_trouble();
            };
            let count = notes.len() as i64;
            for note in notes {
                self.notes.insert(ticket_id, note.note_seq);
                if let Flow::Close(frame) = self.send(&ServerEvent::NoteNew(note)).await {
                    return Flow::Close(frame);
                }
            }
            if count < REPLAY_BATCH {
                return Flow::Continue;
            }
        }
    }

    /// After a role change or deactivation: close, or leave the rooms no longer visible.
    async fn recheck_rights(&mut self) -> Flow {
        let pool = self.state.pool.clone();
        let Ok(current) = crate::auth::repo::find_user(&pool, self.user.id).await else { return database_trouble() };
        let Some(user) = current.filter(|u| u.is_active) else {
            return close(1008, "account deactivated");
        };
        self.user = Arc::new(user);
        self.hear_agents();
        if !self.user.role.is_staff() {
            self.state.hub.watch_inbox(self.registration.id, false);
            self.notes.clear();
        }
        let watched: Vec<i64> = self.watched.iter().copied().collect();
        let Ok(visible) = visible_ticket_ids(&pool, &self.user, &watched).await else { return database_trouble() };
        self.set_watched(visible.into_iter().collect());
        let rooms: Vec<i64> = self.rooms.keys().copied().collect();
        for ticket_id in rooms {
            let Ok(still_visible) = find_ticket(&pool, &self.user, ticket_id).await else { return database_trouble() };
            if still_visible.is_none() {
                self.leave(ticket_id).await;
                if let Flow::Close(frame) = self.send_error("access_lost", Problem::AccessLost, None, Some(ticket_id), None).await {
                    return Flow::Close(frame);
                }
            }
        }
        Flow::Continue
    }

    fn set_watched(&mut self, tickets: HashSet<i64>) {
        self.state.hub.watch(self.registration.id, tickets.clone());
        self.watched = tickets;
    }

    async fn watch(&mut self, ticket_ids: Vec<i64>) -> Flow {
        if ticket_ids.len() > WATCH_MAX {
            let problem = Problem::WatchTooMany { max: WATCH_MAX };
            return self.send_error("invalid_data", problem, Some("tickets:watch"), None, None).await;
        }
        // Only what this person may see; the rest is silently not followed.
        match visible_ticket_ids(&self.state.pool, &self.user, &ticket_ids).await {
            Ok(visible) => self.set_watched(visible.into_iter().collect()),
            Err(err) => return self.send_error("internal", err.problem, Some("tickets:watch"), None, None).await,
        }
        Flow::Continue
    }

    /// Hands the message to the node's group commit; the answer comes back through the mailbox
    /// (after the commit), so this socket keeps serving meanwhile.
    async fn send_message(&mut self, ticket_id: i64, client_id: String, content: String, attachment_ids: Vec<i64>) -> Flow {
        if !self.budget.take() {
            let problem = Problem::SendRateExceeded { per_second: SEND_RATE_PER_SECOND, burst: SEND_BURST };
            return self.send_error("rate_limited", problem, Some("ticket:message:send"), Some(ticket_id), Some(client_id)).await;
        }
        let mailbox = self.registration.mailbox.clone();
        let request = SendRequest { sender: self.user.clone(), ticket_id, client_id: client_id.clone(), content, attachment_ids };
        self.state.writer.submit(request, move |outcome| mailbox.offer(Outgoing::Sent(Box::new(SendAnswer { ticket_id, client_id, outcome }))));
        Flow::Continue
    }

    async fn typing(&mut self, ticket_id: i64, kind: RoomSignalKind) -> Flow {
        if !self.rooms.contains_key(&ticket_id) {
            let event = if kind == RoomSignalKind::TypingStarted { "ticket:typing:start" } else { "ticket:typing:stop" };
            return self.send_error("not_joined", Problem::JoinFirst, Some(event), Some(ticket_id), None).await;
        }
        self.state.hub.announce_typing(&self.state.pool, RoomSignal { ticket_id, user: self.member(), kind }).await;
        Flow::Continue
    }
}

/// The protocol's error code for a failed send.
fn socket_error_code(err: &AppError) -> &'static str {
    match (err.code, err.field.as_deref()) {
        (ErrorCode::Validation, Some("content")) => "invalid_content",
        (ErrorCode::Validation, Some("attachment_ids")) => "invalid_attachments",
        (ErrorCode::Validation, _) => "invalid_client_id",
        (ErrorCode::Conflict, _) => "ticket_closed",
        (ErrorCode::NotFound, _) => "not_found",
        // The node's queue of sends is full.
        (ErrorCode::TooManyRequests, _) => "rate_limited",
        _ => "internal",
    }
}
