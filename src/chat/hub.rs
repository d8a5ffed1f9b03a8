//! This node's end of the bus between app nodes. PostgreSQL is the only shared piece: committed
//! timeline entries, room presence and account changes arrive by LISTEN/NOTIFY, are loaded once
//! per node, and fan out to this node's sockets over an in-process broadcast channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, broadcast, watch};

use super::protocol::{Member, TimelineEntry};
use super::repo::{self, TIMELINE_CHANNEL};

/// Presence and typing signals, announced between nodes as JSON.
pub const ROOM_CHANNEL: &str = "myrelay_room";
/// `{"user_id": …}`: an account's role or activity changed; its sockets re-check their rights.
pub const USER_CHANNEL: &str = "myrelay_user";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSignal {
    pub ticket_id: i64,
    pub user: Member,
    pub kind: RoomSignalKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomSignalKind {
    Joined,
    Left,
    TypingStarted,
    TypingStopped,
}

/// What a socket task hears from its node.
#[derive(Debug, Clone)]
pub enum Broadcast {
    Entry(Arc<TimelineEntry>),
    Room(Arc<RoomSignal>),
    UserChanged(i64),
    /// Notifications may have been missed (the listener reconnected): catch up from the database.
    Resync,
}

#[derive(Clone)]
pub struct Hub {
    pub node_id: i64,
    sender: broadcast::Sender<Broadcast>,
    shutdown: watch::Sender<bool>,
    started: Arc<AtomicBool>,
    /// Open sockets of this node, so shutdown can wait for their goodbyes.
    sockets: Arc<AtomicUsize>,
    all_closed: Arc<Notify>,
}

/// Held by a socket task while it runs.
pub struct SocketGuard(Hub);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        if self.0.sockets.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.all_closed.notify_waiters();
        }
    }
}

#[derive(Deserialize)]
struct TimelineNotice {
    ticket_id: i64,
    seq: i64,
}

#[derive(Deserialize)]
struct UserNotice {
    user_id: i64,
}

impl Hub {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(4096);
        let (shutdown, _) = watch::channel(false);
        Self {
            node_id: rand::random::<i64>().abs(),
            sender,
            shutdown,
            started: Arc::default(),
            sockets: Arc::default(),
            all_closed: Arc::default(),
        }
    }

    pub fn track_socket(&self) -> SocketGuard {
        self.sockets.fetch_add(1, Ordering::SeqCst);
        SocketGuard(self.clone())
    }

    /// After `begin_shutdown`: waits (at most `limit`) until every socket has said goodbye and
    /// cleaned up. Upgraded connections are not covered by the HTTP server's graceful shutdown.
    pub async fn sockets_closed(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let closed = self.all_closed.notified();
            if self.sockets.load(Ordering::SeqCst) == 0 {
                return;
            }
            tokio::select! {
                _ = closed => {}
                _ = tokio::time::sleep_until(deadline) => return,
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Broadcast> {
        self.sender.subscribe()
    }

    /// Completes when the node starts shutting down.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Tells every socket of this node to close with "going away", so clients reconnect elsewhere.
    pub fn begin_shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Registers the node and starts listening; returns once LISTEN is in place, so nothing
    /// committed afterwards is missed. Idempotent.
    pub async fn start(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        if self.started.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        repo::register_node(pool, self.node_id).await.map_err(|e| sqlx::Error::Protocol(e.message))?;
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen_all([TIMELINE_CHANNEL, ROOM_CHANNEL, USER_CHANNEL]).await?;
        tokio::spawn(self.clone().listen(listener, pool.clone()));
        tokio::spawn(self.clone().heartbeat(pool.clone()));
        Ok(())
    }

    async fn listen(self, mut listener: PgListener, pool: PgPool) {
        // After a failed reconnect, sockets catch up only once LISTEN is back (the next answer).
        let mut resync_when_back = false;
        loop {
            let result = listener.try_recv().await;
            if result.is_ok() && std::mem::take(&mut resync_when_back) {
                let _ = self.sender.send(Broadcast::Resync);
            }
            match result {
                Ok(Some(notification)) => self.dispatch(&pool, notification.channel(), notification.payload()).await,
                Ok(None) => {
                    // sqlx has already reconnected and re-subscribed (eager reconnect): catch up.
                    tracing::warn!("lost the LISTEN connection; reconnected, catching up");
                    let _ = self.sender.send(Broadcast::Resync);
                }
                Err(err) => {
                    tracing::warn!(%err, "LISTEN failed; retrying");
                    resync_when_back = true;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    async fn dispatch(&self, pool: &PgPool, channel: &str, payload: &str) {
        let message = match channel {
            TIMELINE_CHANNEL => {
                let Ok(notice) = serde_json::from_str::<TimelineNotice>(payload) else { return };
                if self.sender.receiver_count() == 0 {
                    return;
                }
                match repo::timeline_after(pool, notice.ticket_id, notice.seq - 1, 1).await {
                    Ok(entries) => match entries.into_iter().next() {
                        Some(entry) => Broadcast::Entry(Arc::new(entry)),
                        None => return,
                    },
                    // The sockets will find the gap at the next entry, or on resync.
                    Err(_) => Broadcast::Resync,
                }
            }
            ROOM_CHANNEL => match serde_json::from_str::<RoomSignal>(payload) {
                Ok(signal) => Broadcast::Room(Arc::new(signal)),
                Err(_) => return,
            },
            USER_CHANNEL => match serde_json::from_str::<UserNotice>(payload) {
                Ok(notice) => Broadcast::UserChanged(notice.user_id),
                Err(_) => return,
            },
            _ => return,
        };
        let _ = self.sender.send(message);
    }

    async fn heartbeat(self, pool: PgPool) {
        let mut every = tokio::time::interval(Duration::from_secs(15));
        let mut shutdown = self.shutdown_signal();
        loop {
            tokio::select! {
                _ = every.tick() => {
                    if let Err(err) = repo::register_node(&pool, self.node_id).await {
                        tracing::warn!(err = %err.message, "node heartbeat failed");
                    }
                }
                _ = shutdown.changed() => {
                    let _ = repo::remove_node(&pool, self.node_id).await;
                    return;
                }
            }
        }
    }
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

/// Announces a presence or typing signal to every node.
pub async fn announce_room(pool: &PgPool, signal: &RoomSignal) {
    let payload = serde_json::to_string(signal).unwrap_or_default();
    if let Err(err) = sqlx::query("SELECT pg_notify($1, $2)").bind(ROOM_CHANNEL).bind(payload).execute(pool).await {
        tracing::warn!(%err, "could not announce a room signal");
    }
}

/// Tells every node that an account changed (role, activity).
pub async fn announce_user_changed(pool: &PgPool, user_id: i64) {
    let payload = format!(r#"{{"user_id":{user_id}}}"#);
    if let Err(err) = sqlx::query("SELECT pg_notify($1, $2)").bind(USER_CHANNEL).bind(payload).execute(pool).await {
        tracing::warn!(%err, "could not announce an account change");
    }
}
