//! Room presence of this node's sockets, written in batches: connects, joins, leaves, idle tabs and
//! disconnects queue up here and one transaction writes whatever has gathered
//! (`repo::write_presence`), announcing the batch's "joined"/"left" with one notice and staff
//! whose status changed with another. The node
//! hands the announcements to its own sockets itself, before it answers the sockets that moved,
//! so a socket's later messages never overtake its presence.
//!
//! A closed socket leaves its rooms and the presence tables only after a grace period: a reload or
//! a page change opens the person's next socket meanwhile, so nobody sees them leave and come
//! back (the count of their connections never reaches zero).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::hub::Hub;
use super::outbox::{RoomSignal, RoomSignalKind, notify_room, notify_staff};
use super::team::TeamReader;
use crate::chat::repo::{self, PresenceBatch};
use crate::domain::account::{Role, User};
use crate::domain::live::Member;

const MAX_BATCH: usize = 2048;

enum Change {
    Connect { connection_id: i64, user: (i64, Role), idle: bool },
    Idle { connection_id: i64, idle: bool },
    Move { connection_id: i64, ticket_id: i64, member: Member, inside: bool, done: Option<oneshot::Sender<Vec<Member>>> },
    /// Out of these rooms, then out of the presence tables.
    Disconnect { connection_id: i64, rooms: Vec<(i64, Member)> },
    /// Answered once everything queued before it is written, disconnects still in their grace too.
    Flush(oneshot::Sender<()>),
}

/// This node's presence writer, and its reader of the team's presence; cheap to clone.
#[derive(Clone)]
pub struct Presence {
    // Unbounded: what queues is bounded by the sockets' join budgets.
    queue: mpsc::UnboundedSender<Change>,
    pub team: TeamReader,
}

impl Presence {
    /// Starts the writer and reader tasks (needs a Tokio runtime); closed sockets count as present
    /// for `grace`.
    pub fn start(pool: PgPool, hub: Hub, grace: Duration) -> Self {
        let (queue, receiver) = mpsc::unbounded_channel();
        let team = TeamReader::start(pool.clone());
        tokio::spawn(run(pool, hub, receiver, grace));
        Self { queue, team }
    }

    /// A new socket (or one whose row was lost, written again with its idle state).
    pub fn connect(&self, connection_id: i64, user: &User, idle: bool) {
        let _ = self.queue.send(Change::Connect { connection_id, user: (user.id, user.role), idle });
    }

    /// The socket's tab went idle, or is in use again.
    pub fn set_idle(&self, connection_id: i64, idle: bool) {
        let _ = self.queue.send(Change::Idle { connection_id, idle });
    }

    /// Puts the connection in the room; returns the room's members once that is written.
    pub async fn join(&self, connection_id: i64, ticket_id: i64, member: Member) -> Vec<Member> {
        let (done, members) = oneshot::channel();
        let _ = self.queue.send(Change::Move { connection_id, ticket_id, member, inside: true, done: Some(done) });
        members.await.unwrap_or_default()
    }

    /// Takes the connection out of the room; returns once that is written and announced.
    pub async fn leave(&self, connection_id: i64, ticket_id: i64, member: Member) {
        let (done, written) = oneshot::channel();
        let _ = self.queue.send(Change::Move { connection_id, ticket_id, member, inside: false, done: Some(done) });
        let _ = written.await;
    }

    /// Closes the connection: out of every room it is still in, once the grace is over (queued,
    /// not awaited).
    pub fn disconnect(&self, connection_id: i64, rooms: Vec<(i64, Member)>) {
        let _ = self.queue.send(Change::Disconnect { connection_id, rooms });
    }

    /// Waits until everything queued so far is written (or the writer has stopped).
    pub async fn flushed(&self) {
        let (done, written) = oneshot::channel();
        let _ = self.queue.send(Change::Flush(done));
        let _ = written.await;
    }
}

async fn run(pool: PgPool, hub: Hub, mut receiver: mpsc::UnboundedReceiver<Change>, grace: Duration) {
    let mut changes = Vec::new();
    // Disconnects in their grace, oldest first (all wait equally long, so also soonest due first).
    let mut in_grace: VecDeque<(Instant, Change)> = VecDeque::new();
    loop {
        let next_due = in_grace.front().map(|(due, _)| *due);
        let open = tokio::select! {
            received = receiver.recv_many(&mut changes, MAX_BATCH) => received > 0,
            () = tokio::time::sleep_until(next_due.unwrap_or_else(Instant::now)), if next_due.is_some() => true,
        };
        let closing = !open;
        let flushing = closing || changes.iter().any(|change| matches!(change, Change::Flush(_)));
        let now = Instant::now();
        let mut due = Vec::new();
        for change in changes.drain(..) {
            match change {
                Change::Disconnect { .. } if !flushing && !grace.is_zero() => in_grace.push_back((now + grace, change)),
                change => due.push(change),
            }
        }
        // Released before this round's own changes, which came later.
        let ripe = if flushing { in_grace.len() } else { in_grace.iter().take_while(|(at, _)| *at <= now).count() };
        due.splice(0..0, in_grace.drain(..ripe).map(|(_, change)| change));
        if !due.is_empty() {
            apply(&pool, &hub, due).await;
        }
        if closing {
            return;
        }
    }
}

/// Writes one round of changes and answers whoever waits on them.
async fn apply(pool: &PgPool, hub: &Hub, changes: Vec<Change>) {
    let mut batch = PresenceBatch::default();
    let mut waiting: Vec<(i64, oneshot::Sender<Vec<Member>>)> = Vec::new();
    let mut flushes = Vec::new();
    for change in changes {
        match change {
            Change::Connect { connection_id, user: (user_id, role), idle } => {
                batch.connects.push((connection_id, user_id, role));
                if idle {
                    batch.idles.push((connection_id, true));
                }
            }
            Change::Idle { connection_id, idle } => batch.idles.push((connection_id, idle)),
            Change::Move { connection_id, ticket_id, member, inside, done } => {
                batch.moves.push((connection_id, ticket_id, member, inside));
                waiting.extend(done.map(|done| (ticket_id, done)));
            }
            Change::Disconnect { connection_id, rooms } => {
                batch.moves.extend(rooms.into_iter().map(|(ticket_id, member)| (connection_id, ticket_id, member, false)));
                batch.disconnects.push(connection_id);
            }
            Change::Flush(done) => flushes.push(done),
        }
    }
    let mut members = HashMap::new();
    match write(pool, hub, &batch).await {
        Ok(written) => members = written,
        // Presence is best effort: the moves themselves (rooms on this node) already happened.
        Err(err) => tracing::warn!(%err, size = batch.moves.len(), "could not record room presence"),
    }
    for (ticket_id, done) in waiting {
        let _ = done.send(members.get(&ticket_id).cloned().unwrap_or_default());
    }
    for done in flushes {
        let _ = done.send(());
    }
}

/// One transaction: the changes and their announcements; then this node's sockets hear them.
async fn write(pool: &PgPool, hub: &Hub, batch: &PresenceBatch) -> Result<HashMap<i64, Vec<Member>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let outcome = repo::write_presence(&mut tx, hub.node_id, batch).await.map_err(|e| sqlx::Error::Protocol(e.message))?;
    announce(tx, hub, outcome.announcements, outcome.staff).await?;
    Ok(outcome.members)
}

/// Sends a presence transaction's announcements to the other nodes, commits, then hands them to
/// this node's sockets.
pub(super) async fn announce(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    hub: &Hub,
    rooms: Vec<(i64, Member, bool)>,
    staff: Vec<crate::domain::presence::StaffPresence>,
) -> Result<(), sqlx::Error> {
    let signals: Vec<RoomSignal> = rooms
        .into_iter()
        .map(|(ticket_id, user, present)| RoomSignal { ticket_id, user, kind: if present { RoomSignalKind::Joined } else { RoomSignalKind::Left } })
        .collect();
    notify_room(&mut tx, hub.node_id, &signals).await?;
    notify_staff(&mut tx, hub.node_id, &staff).await?;
    tx.commit().await?;
    hub.deliver_signals(signals);
    hub.deliver_staff(staff);
    Ok(())
}
